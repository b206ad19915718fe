"""What forms hold between openings: one typed store, keyed by form and subject, kept in the
database per member of staff (services/drafts.py) so that a crash or a restart loses nothing.

A draft is kept when a form is closed with Escape, refused by its service, closed by the app or
left alone for a moment while typing (autosave), and dropped when the form saves or the draft is
discarded. Values are plain JSON data (dicts of field values; a dataclass is kept as its
`dataclasses.asdict`), so what a form gets back is the same whether it was kept a second ago or
read from the database after a restart.

The store answers from memory (a form restores its draft on mount, synchronously); every change is
written through to the database by one worker off the UI thread, the writes for one draft
coalescing to the newest. A failed write reaches the app's one handler, and the draft stays in
memory and is written again with the next change (or at quit).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from jobbutik.domain.i18n import _

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from jobbutik.services.context import ServiceContext
    from jobbutik.services.drafts import SavedDraft

T = TypeVar("T")


@dataclass(frozen=True)
class DraftKey(Generic[T]):
    """Which form (`form`) for what (`subject`: a request id, a company id, None for a new one)."""

    form: str
    subject: Hashable = None

    @property
    def stored(self) -> tuple[str, str]:
        """The key as the database keeps it: the subject as text ("" for a new record)."""
        return self.form, subject_text(self.subject)


def subject_text(subject: Hashable) -> str:
    """A draft's subject as text: None → "", a tuple → its parts joined by commas."""
    if subject is None:
        return ""
    if isinstance(subject, tuple):
        return ",".join(subject_text(part) for part in subject)
    return str(subject)


@dataclass(frozen=True)
class KeptDraft:
    """A draft as the offer-back list shows it."""

    form: str
    subject: str
    title: str
    saved_at: datetime

    @property
    def key(self) -> DraftKey[Any]:
        return DraftKey(self.form, self.subject)


def plain(value: object) -> Any:
    """`value` as JSON data: a dataclass as its fields, tuples as lists, dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=_iso))


def _iso(value: object) -> str:
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    raise TypeError(f"a draft holds plain data, not {type(value).__name__}")


@dataclass
class _Entry:
    title: str
    data: Any
    saved_at: datetime


class DraftStore:
    """Drafts by key, in memory and (once `attach`ed) in the database. Only the forms named in
    `persisted` go to the database: those the offer-back list can open again."""

    def __init__(self, persisted: Collection[str] = ()) -> None:
        self._drafts: dict[tuple[str, str], _Entry] = {}
        self._persisted = frozenset(persisted)
        self._pending: dict[tuple[str, str], _Entry | None] = {}  # None: drop it
        self._ctx: ServiceContext | None = None
        self._app: App[Any] | None = None
        # The writer under way: the app's worker, or flush's own write at quit.
        self._writer: Worker[None] | asyncio.Future[None] | None = None
        self._writing = False  # a writer is under way (it takes every change made meanwhile)

    def get(self, key: DraftKey[T]) -> T | None:
        entry = self._drafts.get(key.stored)
        return None if entry is None else cast("T", entry.data)

    def put(self, key: DraftKey[T], value: T, title: str = "") -> None:
        """Keep `value` (plain data; a dataclass is kept as its fields) under `key`."""
        entry = _Entry(title, plain(value), self._now())
        self._drafts[key.stored] = entry
        self._write_later(key.stored, entry)

    def drop(self, key: DraftKey[Any]) -> None:
        if self._drafts.pop(key.stored, None) is not None or key.stored in self._pending:
            self._write_later(key.stored, None)

    def kept(self) -> list[KeptDraft]:
        """The drafts the offer-back list shows, newest first."""
        rows = [
            KeptDraft(form, subject, entry.title, entry.saved_at)
            for (form, subject), entry in self._drafts.items()
            if form in self._persisted
        ]
        return sorted(rows, key=lambda row: row.saved_at, reverse=True)

    # -- the database ----------------------------------------------------------------------------

    def attach(self, app: App[Any], ctx: ServiceContext, saved: list[SavedDraft]) -> None:
        """The database is open: take the drafts kept there (those kept in memory meanwhile win)
        and write through from now on."""
        self._app, self._ctx = app, ctx
        for draft in saved:
            entry = _Entry(draft.title, draft.data, draft.saved_at)
            self._drafts.setdefault((draft.form, draft.subject), entry)
        self._start_writer()

    async def flush(self) -> None:
        """Wait until every change is in the database (the app awaits this before it quits); a
        write that fails here raises."""
        # A change made while the writer finishes starts another writer: wait for that one too.
        while (self._pending or self._writing) and self._ctx is not None:
            if not self._writing:
                self._writing = True
                self._writer = asyncio.ensure_future(self._write_pending())
                await self._writer  # a write that fails here raises
            elif isinstance(self._writer, Worker):
                writer = self._writer
                with contextlib.suppress(WorkerFailed, WorkerCancelled):
                    await writer.wait()  # a failure there is the app's to report
                if self._writer is writer:  # cancelled before it began: it never will
                    self._writing = False
            elif self._writer is not None:  # another flush writes: it raises what fails
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._writer)

    def retry(self) -> None:
        """Write what a failed write left behind (if anything)."""
        self._start_writer()

    def _now(self) -> datetime:
        return self._ctx.clock.now() if self._ctx is not None else datetime.now(UTC)

    def _write_later(self, stored: tuple[str, str], entry: _Entry | None) -> None:
        if stored[0] not in self._persisted:
            return
        self._pending[stored] = entry  # a newer change replaces one not yet written
        self._start_writer()

    def _start_writer(self) -> None:
        if self._app is None or self._writing or not self._pending:
            return
        self._writing = True
        self._writer = self._app.run_worker(self._write_pending(), group="drafts")

    async def _write_pending(self) -> None:
        from jobbutik.services import drafts

        assert self._ctx is not None
        try:
            while self._pending:
                stored = next(iter(self._pending))
                entry = self._pending.pop(stored)
                try:
                    if entry is None:
                        await asyncio.to_thread(drafts.drop, self._ctx, *stored)
                    else:
                        await asyncio.to_thread(
                            drafts.save, self._ctx, *stored, entry.title, entry.data
                        )
                except Exception:
                    # Written again with the next change or at quit, unless a newer one waits.
                    self._pending.setdefault(stored, entry)
                    raise
        finally:
            self._writing = False


class KeepsDraft:
    """Mixed into a screen that keeps a draft (every FormModal, the conversation).

    The screen supplies `draft_key`, `draft()` (its values now; None while it cannot say yet) and
    `draft_title()`, and calls `draft_opened()` once its values are shown (restored included).
    It then keeps its draft a moment after the last change (so that a killed program loses at
    most the last second or so of typing) and says whether it holds `unsaved()` work: changed
    since it was opened or restored."""

    #: Seconds after the last change before the draft is kept.
    AUTOSAVE_SECONDS: ClassVar[float] = 1.5

    draft_key: DraftKey[Any]
    _opened_with: Any = None  # the values as opened (plain data); None: not open yet
    _loading = False  # opened, its defaults still arriving: whatever is typed meanwhile is kept
    _autosave: Timer | None = None

    def draft(self) -> Any:
        """The values to keep (plain data or a dataclass of it); None: nothing to keep yet."""
        raise NotImplementedError

    def draft_title(self) -> str:
        """The line the offer-back list shows for this draft."""
        raise NotImplementedError

    def leave_question(self) -> str:
        """What the app asks before closing this screen with unsaved input."""
        return _("Leave “{title}”?").format(title=self.draft_title())

    def work_of(self, data: Any) -> Any:
        """What counts as the user's work in `data` (a conversation's current step does not)."""
        return data

    def draft_opened(self, *loads: Worker[Any]) -> None:
        """The screen shows its values (a draft restored): what counts as unchanged from now on,
        once `loads` (the workers filling in defaults, such as a suggested date) are done."""
        if not loads:
            self._opened_with = plain(self.draft())
            return
        self._loading = True

        async def after_loads() -> None:
            for load in loads:
                with contextlib.suppress(WorkerCancelled, WorkerFailed):
                    await load.wait()
            self._loading = False
            self._opened_with = plain(self.draft())

        cast("Any", self).run_worker(after_loads(), group="draft-opened")

    def unsaved(self) -> bool:
        """Whether the values changed since the screen was opened or its draft restored."""
        if self._opened_with is None:
            return False
        return bool(self.work_of(plain(self.draft())) != self.work_of(self._opened_with))

    def keep_draft(self) -> None:
        """Keep the values as the draft: when they changed since opening, or to bring a draft
        kept before up to date (an untouched form leaves none behind)."""
        if self._opened_with is None and not self._loading:
            return
        data = plain(self.draft())
        store: DraftStore = cast("Any", self).app.drafts
        held = store.get(self.draft_key)
        if data == held or (held is None and not self._loading and not self.unsaved()):
            store.retry()  # kept already: in the database too, if a write failed before
            return
        store.put(self.draft_key, data, self.draft_title())

    def draft_done(self) -> None:
        """Saved (or withdrawn): the draft goes, and nothing is kept from now on."""
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None
        self._opened_with, self._loading = None, False
        cast("Any", self).app.drafts.drop(self.draft_key)

    def _autosave_soon(self) -> None:
        if self._opened_with is None and not self._loading:
            return
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = cast("Any", self).set_timer(self.AUTOSAVE_SECONDS, self._autosave_now)

    def _autosave_now(self) -> None:
        self._autosave = None
        if not getattr(self, "saving", False):  # a save keeps it itself, and drops it on success
            self.keep_draft()

    # Textual calls the handler of every class in the screen's MRO: these run beside the screen's
    # own. Every field change bubbles up to the screen.
    on_input_changed = _autosave_soon
    on_checkbox_changed = _autosave_soon
    on_select_changed = _autosave_soon
    on_radio_set_changed = _autosave_soon
    on_selection_list_selected_changed = _autosave_soon
    on_text_area_changed = _autosave_soon

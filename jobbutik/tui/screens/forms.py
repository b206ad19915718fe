"""The one form contract: Ctrl+S checks and saves through the form's service in its own worker,
Escape closes keeping a draft, Enter moves on, and a refused save keeps the form open with each
error on its field's own error line.

A form supplies `draft_key`, `payload()` (read on the UI thread), `submit(ctx, payload)` (runs in a
thread: services only, never a widget) and, where the defaults do not fit, `check()`,
`snapshot()`/`restore()`, `draft_title()` and `refused()`. It dismisses with what `submit` returned
(None: Escape). Its draft is also kept a moment after each change (tui/drafts.py `KeepsDraft`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from jobbutik.domain.errors import FormErrors, JobbutikError, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.text import visible
from jobbutik.tui.drafts import DraftKey, KeepsDraft
from jobbutik.tui.screens.base import ENTER_BINDING, BaseModal, ResultT, enter_moves_on
from jobbutik.tui.widgets.fields import (
    FormField,
    keys_handled,
    restore_values,
    show_errors,
    snapshot_values,
)

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext

PayloadT = TypeVar("PayloadT")


def shown(widget: Widget) -> bool:
    """Whether `widget` is displayed: it and every container above it."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


def error_fields(error: BaseException) -> dict[str, str]:
    """Field → message from a service error (empty: not about a field)."""
    if isinstance(error, FormErrors):
        return dict(error.errors)
    if isinstance(error, ValidationError) and error.field:
        return {error.field: str(error)}
    return {}


class FormModal(BaseModal[ResultT], KeepsDraft, Generic[PayloadT, ResultT]):
    """A modal form that saves itself; see the module docstring for what a subclass supplies."""

    DEFAULT_CSS = "FormModal .form-error { color: $error; height: auto; padding: 0 1; }"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Back (keeps input)"),
        ENTER_BINDING,
    ]

    #: Where this form's draft is kept; subclasses set it (in `__init__` or as a property).
    draft_key: DraftKey[Any]

    #: True while a save is under way: the app does not leave the form until it is done.
    saving: bool = False

    # -- what a form supplies --------------------------------------------------------------------

    def payload(self) -> PayloadT:
        """Everything `submit` needs, read from the widgets (UI thread)."""
        raise NotImplementedError

    def submit(self, ctx: ServiceContext, payload: PayloadT) -> ResultT:
        """Save through the service (a worker thread: no widgets here); raise JobbutikError to
        refuse. The return value is what the form dismisses with."""
        raise NotImplementedError

    def check(self) -> bool:
        """Client-side checks before saving, shown at the fields; True when the form may save."""
        return not self.check_fields()

    def snapshot(self) -> Any:
        """What the draft keeps (plain data)."""
        return snapshot_values(self)

    def restore(self, draft: Any) -> None:
        """Put a kept draft back (after the form's own `on_mount`)."""
        restore_values(self, draft)

    def draft_title(self) -> str:
        """The offer-back list's line: the form's title and the name typed into it (or else the
        first thing typed)."""
        titles = self.query(".dialog-title")
        title = str(titles.first(Static).content) if titles else ""
        snapshot = self.snapshot()
        values = snapshot if isinstance(snapshot, dict) else {}
        texts = [values.get("name"), *values.values()]
        typed = next((v.strip() for v in texts if isinstance(v, str) and v.strip()), "")
        return f"{title}: {typed}" if title and typed else title or typed

    def draft(self) -> Any:
        return self.snapshot()

    def refused(self, error: JobbutikError) -> None:
        """The service refused: each message at its field; one that is about no field on the form
        itself and as a notice."""
        errors = error_fields(error)
        fields = show_errors(self, errors)
        if fields:
            fields[0].widget.focus()
        # What belongs to no field on this form is said on the form, never dropped.
        elsewhere = (
            [text for name, text in errors.items() if not self.query(f"#f-{name}, #{name}")]
            if errors
            else [str(error)]
        )
        if elsewhere:
            self.show_form_error(" ".join(elsewhere))
            self.notify(" ".join(elsewhere), title=_("Not saved"), severity="error", timeout=8)

    # -- the contract ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        # Textual runs each class's on_mount, the subclass's first: defaults are set by then.
        draft = self.japp.drafts.get(self.draft_key)
        if draft is not None:
            self.restore(draft)
        # What the form's own on_mount started (a suggested date, a list to choose from) is part
        # of how it opened, not a change.
        self.draft_opened(*(w for w in self.workers if w.node is self and not w.is_finished))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return enter_moves_on(self)
        return True

    def action_next_field(self) -> None:
        self.focus_next()

    def action_cancel(self) -> None:
        # A save under way commits whatever happens to its worker: the form waits for it.
        if self.japp.busy_saving():
            return
        self.keep_draft()
        self.dismiss(None)

    async def action_save(self) -> None:
        if self.saving:  # one save at a time: a second Ctrl+S would store the record twice
            return
        await keys_handled(self)  # the keys typed before Ctrl+S are in their fields first
        self.show_form_error(None)
        if self.check():
            self.keep_draft()  # kept until saved: a failure of any kind loses nothing typed
            self.saving = True
            self.save(self.payload())

    @work(group="form-save")
    async def save(self, payload: PayloadT) -> None:
        try:
            result = await asyncio.to_thread(self.submit, self.ctx, payload)
        except JobbutikError as error:
            self.refused(error)
            return
        finally:
            self.saving = False
        self.draft_done()
        self.japp.dismiss_screen(self, result)

    # -- helpers for subclasses ------------------------------------------------------------------

    def show_form_error(self, message: str | None) -> None:
        """A line on the form for an error that belongs to no field (None clears it)."""
        found = self.query(".form-error")
        if message is None:
            found.remove()
            return
        text = Content(visible(message))  # a message may quote stored text
        if found:
            found.first(Static).update(text)
            return
        dialogs = self.query(".dialog")
        (dialogs.first() if dialogs else self).mount(Static(text, classes="form-error"))

    def check_fields(self) -> list[FormField]:
        """Run every visible field's validators; the fields that failed, first one focused."""
        failed = [f for f in self.query(FormField) if shown(f) and not f.check()]
        if failed:
            failed[0].widget.focus()
        return failed

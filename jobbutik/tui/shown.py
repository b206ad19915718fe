"""The desk's citizens-shown log: the search results, the Today board and the follow-up list note
the citizens they put on screen; a few seconds later (at once when the list leaves the screen,
and before the desk quits) they are logged in one write, off the event loop
(services.audit_shown). A list redrawn on every keystroke or every change at another desk thus
costs one write now and then, and a citizen still shown is not logged again for half an hour.

The batch belongs to the app (one per desk session): kept on it, so the screens share it and it
goes with the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from jobbutik.domain.errors import JobbutikError

if TYPE_CHECKING:
    from jobbutik.services.audit_shown import ShownBatch
    from jobbutik.services.context import ServiceContext

# How long what is shown gathers before it is written: typing a name, the board's polls.
FLUSH_SECONDS = 3.0


@dataclass
class _DeskShown:
    batch: ShownBatch
    timer: Timer | None = None
    writing: list[Worker[None]] = field(default_factory=list)


_ATTRIBUTE = "_citizens_shown"


def _kept(app: App[Any]) -> _DeskShown | None:
    desk: _DeskShown | None = app.__dict__.get(_ATTRIBUTE)
    return desk


def _desk(app: App[Any]) -> _DeskShown:
    from jobbutik.services.audit_shown import ShownBatch

    desk = _kept(app)
    if desk is None:
        desk = _DeskShown(ShownBatch())
        setattr(app, _ATTRIBUTE, desk)
    return desk


def note_shown(screen: Screen[Any], entity: str, detail: str, citizen_ids: Iterable[int]) -> None:
    """`screen` shows these citizens in the list `entity` (`detail`: which one, see
    services.audit_shown.ShownList): log them soon, unless the screen is not in front (a list
    read behind another screen is noted when it comes forward)."""
    app = screen.app
    if not screen.is_current or getattr(app, "context", None) is None:
        return
    from jobbutik.services.audit_shown import ShownList

    desk = _desk(app)
    if desk.batch.add(ShownList(entity, detail), citizen_ids) and desk.timer is None:
        desk.timer = app.set_timer(FLUSH_SECONDS, lambda: write_now(app))


def write_now(app: App[Any]) -> None:
    """Start writing what is waiting (a list leaves the screen: no need to wait)."""
    desk = _kept(app)
    if desk is None:
        return
    if desk.timer is not None:
        desk.timer.stop()
        desk.timer = None
    if not desk.batch.pending:
        return
    # A worker of the app's: it outlives the screen that showed the list, and a bug in it is
    # reported as any other.
    desk.writing = [w for w in desk.writing if not w.is_finished]
    desk.writing.append(app.run_worker(flush(app), group="audit-shown"))


async def flush(app: App[Any]) -> None:
    """Write what is waiting now (the timer's work; also call it before the desk quits). When
    the database cannot take it, it waits for the next try."""
    desk = _kept(app)
    if desk is None:
        return
    if desk.timer is not None:
        desk.timer.stop()
        desk.timer = None
    ctx: ServiceContext | None = getattr(app, "context", None)
    if ctx is None or not desk.batch.pending:
        return
    from jobbutik.services.audit_shown import log_shown

    taken = desk.batch.take()
    try:
        await asyncio.to_thread(log_shown, ctx, taken)
    except JobbutikError:
        # Busy or away for a moment: kept, and tried again (the desk hears of the database from
        # the work it is doing, not from this).
        desk.batch.failed(taken)
        if desk.timer is None:
            desk.timer = app.set_timer(FLUSH_SECONDS, lambda: write_now(app))


async def written(app: App[Any]) -> None:
    """Wait for the writes under way (for a test, and before quitting)."""
    desk = _kept(app)
    for worker in desk.writing if desk else []:
        if not worker.is_finished:
            await worker.wait()

"""Helpers for driving the app as a user does."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerFailed

from jobbutik.domain.errors import JobbutikError


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and every message land (a few rounds: workers post messages that
    start more workers).

    A worker that failed with one of our own errors (busy, unreachable, refused) is the app's to
    report, and tests assert what it showed; anything else is a bug and fails the test."""
    for _ in range(4):
        await pilot.pause()
        for worker in list(pilot.app.workers):
            try:
                await worker.wait()
            except WorkerFailed as failed:
                if not isinstance(failed.error, JobbutikError):
                    raise
    await pilot.pause()


async def start(pilot: Pilot[Any]) -> None:
    """Wait until the database is open and the board read."""
    await settle(pilot)
    assert pilot.app.context is not None, pilot.app.startup_error


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus a field and type `text` key by key (what is there is replaced)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    if isinstance(widget, Input):
        widget.value = ""
    await pilot.press(*text) if text else None
    await pilot.pause()


def field_error(pilot: Pilot[Any], field: str) -> str:
    from jobbutik.tui.widgets.fields import FormField

    return pilot.app.screen.query_one(f"#f-{field}", FormField).error


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, record=True
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def notices(app: Any) -> list[str]:
    """The texts of the notifications shown so far (oldest first)."""
    return [str(n.message) for n in app._notifications]


def release_held_claim(ctx: Any, request_id: int) -> None:
    """A supervisor releases the claim the request holds now (as confirmed on the board)."""
    from jobbutik.services import claims
    from jobbutik.store.models import Request

    held = ctx.db.read(lambda session: session.get(Request, request_id))
    claims.release_claim(ctx, request_id, held.claimed_by, held.claimed_at)

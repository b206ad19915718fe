"""Helpers for driving the app as a user does."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerFailed

from jobbutik.domain.errors import JobbutikError


async def settle(
    pilot: Pilot[Any], expect_errors: tuple[type[JobbutikError], ...] = ()
) -> list[JobbutikError]:
    """Let every worker finish and every message land (a few rounds: workers post messages that
    start more workers), and return the errors of ours the app showed meanwhile.

    Each such error must be one the test declared in `expect_errors` (a permission refused, a
    busy database…); any other fails the test here, so a red notice cannot pass unseen. A worker
    that failed with anything else is a bug and fails the test too."""
    for _ in range(4):
        await pilot.pause()
        for worker in list(pilot.app.workers):
            try:
                await worker.wait()
            except WorkerCancelled:
                pass  # an exclusive worker replaced by a newer one, which is waited for next
            except WorkerFailed as failed:
                if not isinstance(failed.error, JobbutikError):
                    raise
    await pilot.pause()
    return take_errors(pilot.app, expect_errors)


def reported(app: Any) -> list[JobbutikError]:
    """The errors of ours `app` showed that no test has looked at yet (see `record_errors`)."""
    kept: list[JobbutikError] = app.__dict__.setdefault("errors_reported", [])
    return kept


def take_errors(
    app: Any, expect_errors: tuple[type[JobbutikError], ...] = ()
) -> list[JobbutikError]:
    """The errors of ours `app` showed since the last look, each one declared in `expect_errors`."""
    shown = list(reported(app))
    reported(app).clear()
    unexpected = [e for e in shown if not isinstance(e, expect_errors)]
    assert not unexpected, "the app showed errors the test did not expect: " + "; ".join(
        f"{type(e).__name__}: {e}" for e in unexpected
    )
    return shown


@functools.cache
def _screens_that_refuse() -> list[type]:
    """Every screen class of ours with its own `refused` (a form's answer to a service refusal)."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import jobbutik.tui

    for module in pkgutil.walk_packages(jobbutik.tui.__path__, "jobbutik.tui."):
        importlib.import_module(module.name)  # screens are imported where first opened
    found, todo = [], [Screen]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("jobbutik.") and "refused" in vars(cls):
            found.append(cls)
    return found


def record_errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on, every app keeps each error of ours it shows in `reported(app)`: those that
    reach its one handler (a worker's, a handler's), and those a form shows as its refusal when
    they are not about the input (refused permission, a busy or absent database, a claim lost). A
    refusal of the input itself (`ValidationError`) is the form's normal answer, asserted at its
    fields. Returns the list of apps that showed any, for the end-of-test check."""
    from jobbutik.domain.errors import ValidationError
    from jobbutik.tui.crash import CrashHandling
    from jobbutik.tui.screens.forms import FormModal, error_fields

    apps: list[Any] = []

    def keep(app: Any, error: BaseException) -> None:
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, JobbutikError) and not any(e is cause for e in reported(app)):
            reported(app).append(cause)
            if all(a is not app for a in apps):
                apps.append(app)

    def wrap_app(name: str) -> None:
        original = getattr(CrashHandling, name)

        def recorded(self: Any, error: Exception) -> None:
            keep(self, error)
            original(self, error)

        monkeypatch.setattr(CrashHandling, name, recorded)

    def wrap_refused(cls: type) -> None:
        original = vars(cls)["refused"]
        generic = cls is FormModal

        def recorded(self: Any, error: JobbutikError, *args: Any, **kw: Any) -> None:
            # A refusal of the input is the form's answer, unless the common form contract is to
            # put it at a field the form does not have (the service and the screen disagree on
            # its name: the user cannot find it). Screens with their own `refused` place it
            # themselves.
            lost = generic and any(
                not self.query(f"#f-{name}, #{name}") for name in error_fields(error)
            )
            if not isinstance(error, ValidationError) or lost:
                keep(self.app, error)
            original(self, error, *args, **kw)

        monkeypatch.setattr(cls, "refused", recorded)

    wrap_app("_handle_exception")
    wrap_app("handler_failed")
    for cls in _screens_that_refuse():
        wrap_refused(cls)
    return apps


async def start(
    pilot: Pilot[Any], expect_errors: tuple[type[JobbutikError], ...] = ()
) -> list[JobbutikError]:
    """Wait until the database is open and the board read (with no error on the way but those
    declared in `expect_errors`); return the errors shown."""
    shown = await settle(pilot, expect_errors)
    assert pilot.app.context is not None, pilot.app.startup_error
    return shown


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


# -- waiting for what happens on its own (timers, background reads) --------------------------------

# How long one look at the condition lets the app run: a step of the wait, not what decides it.
STEP = 0.02
# How long a wait may take before the test fails: generous, since a loaded CI machine runs other
# tests beside it; how fast the desk must be is measured by the benchmarks and the tmux tests.
WAIT_LIMIT = 30.0


async def wait_until(
    pilots: Pilot[Any] | tuple[Pilot[Any], ...],
    condition: Callable[[], object],
    *,
    timeout: float = WAIT_LIMIT,
    what: str = "the condition",
    expect_errors: tuple[type[JobbutikError], ...] = (),
) -> list[JobbutikError]:
    """Let the app (or apps: two desks run side by side) run, no key pressed, until `condition()`
    holds, then `settle`; fail the test if it does not hold within `timeout` seconds.

    For what the app does by itself (a search once the typing pauses, a board that polls, a timer
    that redraws): the test waits for the event, not for a number of seconds copied from the code.
    Errors of ours shown on the way must be declared in `expect_errors`, as for `settle`; they are
    returned."""
    every = pilots if isinstance(pilots, tuple) else (pilots,)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    shown: list[JobbutikError] = []
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"{what}: not seen within {timeout} s", pytrace=False)
        for pilot in every:
            await pilot.pause(STEP)
            shown += take_errors(pilot.app, expect_errors)
    for pilot in every:
        shown += await settle(pilot, expect_errors)
    return shown


async def search_done(
    pilot: Pilot[Any], expect_errors: tuple[type[JobbutikError], ...] = ()
) -> list[JobbutikError]:
    """Wait until the search screen at hand (citizens or companies) lists the hits for what its
    box holds: the typing paused, the screen's debounce timer fired and its search finished."""
    screen: Any = pilot.app.screen  # SearchScreen or CompaniesScreen
    typed = screen.query_one(Input).value
    return await wait_until(
        pilot,
        lambda: screen.caught_up,
        what=f"the {screen.id} list for {typed!r}",
        expect_errors=expect_errors,
    )

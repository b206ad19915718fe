"""A random walk over the whole desk: section keys, the screens' own keys, Escape, Enter, arrows,
Space, Tab, Ctrl+S and typed text (hostile markup too), hundreds of keys per walk, on the demo
database. Invariant: no unexpected error — none in the crash log, none held by the app, no
error of ours shown but a refused input (see WALK_MAY_MEET) — and the app still answers at the
end.

The crash handler keeps the desk running after a bug; here a bug must fail the test, so the
walk checks the crash log after every key. Hypothesis prints the falsifying key sequence.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pytest
from factories import NOW, TODAY
from helpers import start, take_errors
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from jobbutik.domain.clock import Clock
from jobbutik.domain.errors import JobbutikError, ValidationError
from jobbutik.services.config import Settings
from jobbutik.store.db import Database

SECTION_KEYS = ("f2", "f3", "f4", "f12", "ctrl+f", "ctrl+o", "ctrl+b", "ctrl+t", "ctrl+g")
MOVING_KEYS = (
    "escape",
    "enter",
    "up",
    "down",
    "left",
    "right",
    "space",
    "tab",
    "shift+tab",
    "ctrl+s",
    "pageup",
    "pagedown",
    "home",
    "end",
    "backspace",
)
# What the screens bind themselves (Today, Follow-ups, Sites, Staff, Reports, the conversation).
SCREEN_KEYS = ("f5", "f6", "f7", "f8", "f9", "ctrl+n", "ctrl+e", "ctrl+d", "ctrl+r")
SCREEN_KEYS += ("ctrl+pagedown", "ctrl+pageup")
HOSTILE_TEXT = ("[/]", "qq[/]", "[b]x", "[red]", "\\", "0101901234", "010190-1234", "ÆØÅ", "@")
TEXT = st.sampled_from(HOSTILE_TEXT) | st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzæøå ABCØ0123456789.-/[]@", min_size=1, max_size=8
)
STEPS = 200
# The errors of ours a random walk may meet: random keys type nonsense into forms and press
# Ctrl+S, so input refused at a field is the app working (ValidationError, which FormErrors and
# CapacityFull — a full site picked at random — are). Anything else is not: the demo user holds
# every role (PermissionDenied would be a key offered that the role may not use), this app is the
# only desk (DatabaseBusy, DatabaseUnavailable, ClaimLost), a row on screen exists (NotFound), and
# another desk's conversation is refused with a warning before it is opened (ClaimHeld).
WALK_MAY_MEET: tuple[type[JobbutikError], ...] = (ValidationError,)


class DeskWalk(RuleBasedStateMachine):
    """One app on its own copy of the demo database, driven on one event loop."""

    template: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        from jobbutik.demo import DEMO_USER
        from jobbutik.tui.app import create_app

        self.folder = Path(tempfile.mkdtemp(prefix="jobbutik-walk-"))
        path = self.folder / "demo.sqlite"
        shutil.copyfile(self.template, path)
        self.db = Database(str(path))
        app_settings = Settings(db=self.db.url, user=DEMO_USER, today=TODAY, lang="da")
        self.app = create_app(app_settings, database=self.db, clock=Clock(fixed_now=NOW))
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        # Textual keeps the running app in context variables: every step runs inside the one
        # task that entered run_test(), fed through a queue.
        self.jobs: asyncio.Queue[Any] = asyncio.Queue()
        self.driver = self.loop.create_task(self._drive())
        self.do(start)

    async def _drive(self) -> None:
        async with self.app.run_test(size=(100, 30)) as pilot:
            while True:
                job, done = await self.jobs.get()
                if job is None:
                    break
                try:
                    done.set_result(await job(pilot))
                except Exception as error:
                    done.set_exception(error)

    def do(self, job: Any) -> Any:
        done = self.loop.create_future()
        self.jobs.put_nowait((job, done))
        self.loop.run_until_complete(
            asyncio.wait({done, self.driver}, return_when=asyncio.FIRST_COMPLETED)
        )
        if not done.done():
            self.driver.result()  # run_test ended: its error
            raise AssertionError("the app stopped")
        return done.result()

    async def _keys(self, pilot: Any, *keys: str) -> None:
        # Lighter than helpers.settle (which runs every step four rounds): what a worker does
        # wrong shows in the crash log, which the invariant reads after every step.
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    def press(self, *keys: str) -> None:
        self.do(lambda pilot: self._keys(pilot, *keys))

    @rule(key=st.sampled_from(SECTION_KEYS))
    def section_key(self, key: str) -> None:
        self.press(key)

    @rule(key=st.sampled_from(MOVING_KEYS))
    def moving_key(self, key: str) -> None:
        self.press(key)

    @rule(key=st.sampled_from(SCREEN_KEYS))
    def screen_key(self, key: str) -> None:
        self.press(key)

    @rule(text=TEXT)
    def type_text(self, text: str) -> None:
        self.press(*text)

    @invariant()
    def nothing_went_wrong(self) -> None:
        log = self.app.crash_log
        assert not log.exists(), log.read_text()
        assert self.app._exception is None
        assert self.app.is_running and self.app.return_code is None
        take_errors(self.app, WALK_MAY_MEET)

    def teardown(self) -> None:
        try:
            try:
                # Still answering: F4 brings Today forward as it was left, F4 again its board —
                # asking first when a form or conversation there holds unsaved input. A user who
                # wants the board answers "Forlad" (leave; the input is kept as a draft). A
                # question the walk left open (a section key pressed in its own section) is
                # answered the same way first, and then F4 is pressed again.
                for _ in range(3):
                    question = self.app._leave_question
                    if question is not None:
                        assert self.app.screen is question
                        assert (question.yes_label, question.no_label) == ("Forlad", "Bliv")
                        self.press("j")
                        assert self.app._leave_question is None
                    if type(self.app.screen).__name__ == "TodayScreen":
                        break
                    self.press("f4")
                self.press("f4")  # on the board already: it stays
                assert self.app._leave_question is None
                assert type(self.app.screen).__name__ == "TodayScreen"
                assert self.app.current_mode == "today"
                self.nothing_went_wrong()
            finally:
                if not self.driver.done():
                    self.jobs.put_nowait((None, None))
                self.loop.run_until_complete(self.driver)
        finally:
            self.loop.close()
            asyncio.set_event_loop(None)
            self.db.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.mark.xdist_group("walk")
def test_random_walk_over_every_screen(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reports and receipts saved on the way (at a typed path too, "[/]" say) land in a throwaway
    # folder; no printer is found.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    DeskWalk.template = demo_template
    run_state_machine_as_test(
        DeskWalk,
        settings=settings(
            max_examples=3,  # the first is the simplest (one key over and over), quick
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )

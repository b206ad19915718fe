"""An unexpected error never ends the desk silently: one line on screen, the traceback (no local
variables, no CPR number) in a private crash log beside the database, everything typed kept."""

from __future__ import annotations

import asyncio
import stat
from typing import Any, ClassVar

import pytest
from helpers import notices, settle, start
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from jobbutik.domain.errors import JobbutikError
from jobbutik.tui.crash import crash_log_path
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.base import BaseScreen

# Every test here makes the app crash on purpose: no crash check at teardown.
pytestmark = pytest.mark.crashes_expected

LINE = "Something went wrong — it is saved in the error log"


class Broken(BaseScreen):
    """A screen with a bug in each place code runs: a key's action, a message handler, a worker."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "action_bug", "Bug"),
        Binding("f10", "worker_bug", "Worker bug"),
        Binding("f11", "refused", "Refused"),
    ]

    def compose(self) -> Any:
        yield Input(id="note")
        yield Static("", id="answer")

    def action_action_bug(self) -> None:
        cpr = "0101901234"  # a local the log must not show
        raise RuntimeError(f"no such citizen {cpr}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        secret = event.value
        raise KeyError(secret)

    @work(exclusive=True)
    async def action_worker_bug(self) -> None:
        await asyncio.to_thread(lambda: 1 / 0)

    @work(exclusive=True)
    async def action_refused(self) -> None:
        raise JobbutikError("The database is busy.")


def log_text(app: Any) -> str:
    return app.crash_log.read_text() if app.crash_log.exists() else ""


async def test_a_failing_action_is_logged_and_the_desk_goes_on(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        app.push_screen(Broken())
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert notices(app)[-1] == LINE
        assert app.crash_log == crash_log_path(tui_database.url)
        assert app.crash_log.parent == crash_log_path(tui_database.url).parent
        assert stat.S_IMODE(app.crash_log.stat().st_mode) == 0o600
        text = log_text(app)
        assert "Traceback (most recent call last)" in text and "action_action_bug" in text
        assert "RuntimeError: no such citizen 010190-XXXX" in text
        assert "0101901234" not in text and "cpr =" not in text
        # Still answering: the same screen takes keys, and the next bug is logged too.
        await pilot.press(*"abc")
        assert app.screen.query_one("#note", Input).value == "abc"
        await pilot.press("enter")  # a message handler of the screen that raises
        await settle(pilot)
        assert "KeyError: 'abc'" in log_text(app)
        await pilot.press("f3")
        await settle(pilot)
        assert type(app.screen).__name__ == "SearchScreen"
    assert app.return_code in (None, 0)


async def test_a_failing_worker_is_logged_a_refusal_is_only_a_notice(make_app) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        app.push_screen(Broken())
        await settle(pilot)
        await pilot.press("f11")
        # The refusal is the plain JobbutikError the screen raises: declared, and only a notice.
        shown = await settle(pilot, expect_errors=(JobbutikError,))
        assert [(type(e), str(e)) for e in shown] == [(JobbutikError, "The database is busy.")]
        assert notices(app)[-1] == "The database is busy."
        assert log_text(app) == ""
        await pilot.press("f10")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert notices(app)[-1] == LINE
        assert "ZeroDivisionError" in log_text(app)
        assert isinstance(app.screen, Broken)
    assert app.return_code in (None, 0)


async def test_the_line_is_danish_and_drafts_survive(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2", *"0101901234", "escape")
        await settle(pilot)
        app.push_screen(Broken())
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert notices(app)[-1] == "Noget gik galt — det er gemt i fejlloggen"
        assert app.drafts.get(DraftKey("register"))["cpr"] == "0101901234"


async def test_errors_over_and_over_stop_the_program_with_status_1(make_app) -> None:
    app = make_app(lang="en")
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(120, 40)) as pilot:
            await start(pilot)
            app.push_screen(Broken())
            await settle(pilot)
            for _ in range(10):
                await pilot.press("f9")
                await pilot.pause()
    assert app.return_code == 1
    assert log_text(app).count("RuntimeError: no such citizen") >= 5


def test_the_log_is_beside_an_sqlite_file_and_in_the_data_folder_for_a_server(tmp_path) -> None:
    from platformdirs import user_data_path

    assert crash_log_path(str(tmp_path / "a.sqlite")) == tmp_path / "jobbutik-crash.log"
    assert crash_log_path(f"sqlite:///{tmp_path}/a.sqlite") == tmp_path / "jobbutik-crash.log"
    server = crash_log_path("postgresql+psycopg://desk@db.example/jobbutik")
    assert server == user_data_path("jobbutik", appauthor=False) / "jobbutik-crash.log"


def test_a_log_made_readable_by_others_is_made_private_again(tmp_path) -> None:
    from jobbutik.tui.crash import append_private

    log = tmp_path / "jobbutik-crash.log"
    log.write_text("old\n")
    log.chmod(0o644)
    append_private(log, "new\n")
    assert log.read_text() == "old\nnew\n"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


class BrokenWidget(Static):
    def on_mount(self) -> None:
        raise ValueError("a widget that cannot start")


class WithBrokenWidget(BaseScreen):
    def compose(self) -> Any:
        yield BrokenWidget("x")


async def test_a_screen_whose_widget_stopped_is_closed(make_app) -> None:
    """A widget's message loop stops at its first failing handler (Textual): the screen it is on
    would not answer, so it is closed and the section goes on from the screen below."""
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        app.push_screen(WithBrokenWidget())
        await settle(pilot)
        await settle(pilot)
        assert type(app.screen).__name__ == "SearchScreen"
        assert notices(app)[-1] == LINE
        assert "ValueError: a widget that cannot start" in log_text(app)
    assert app.return_code in (None, 0)

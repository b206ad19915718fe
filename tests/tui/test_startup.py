"""Start-up: the first screen paints before the database layer is imported."""

from __future__ import annotations

import subprocess
import sys

from helpers import screen_text, start

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "jobbutik.store.db",
    "jobbutik.store.models",
    "jobbutik.services",
)


def test_importing_the_app_does_not_import_the_database_layer() -> None:
    code = (
        "import sys, jobbutik.tui.app, jobbutik.tui.screens.today, jobbutik.tui.screens.register;"
        f"print([m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}"
        " or m.startswith('jobbutik.services')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


async def test_board_shows_opening_then_empty_state(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        text = screen_text(app)
        assert "Ingen ankomster endnu i dag" in text
        assert app.context is not None


async def test_english_with_lang_en(make_app) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert "No arrivals yet today" in screen_text(app)


async def test_unknown_user_is_told_on_the_board(make_app, tui_database) -> None:
    from factories import add_staff

    add_staff(tui_database, "boss")
    app = make_app(user="ab")
    from jobbutik.services.config import Settings
    from jobbutik.tui.app import create_app

    app = create_app(Settings(db=tui_database.url, user="nobody", lang="en"), database=tui_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.context is None
        assert "nobody is not a member of staff" in screen_text(app)

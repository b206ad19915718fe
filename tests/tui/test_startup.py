"""Start-up: the first screen paints before the database layer is imported."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from helpers import notices, screen_text, start

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


async def test_the_board_comes_with_the_start_and_the_upkeep_after_it(
    make_app, tui_database, monkeypatch
) -> None:
    """The first read of the board is the start-up's own (the user known first); the planner
    statistics and the audit anchor follow once the rows are shown."""
    from factories import make_ctx
    from test_board_live import register

    from jobbutik.services import arrivals, audit, config

    register(make_ctx(tui_database, "ab"), "0101901234")
    order: list[str] = []
    for module, name in ((arrivals, "board"), (config, "upkeep")):
        real = getattr(module, name)

        def traced(*args, _real=real, _name=name):  # type: ignore[no-untyped-def]
            order.append(_name)
            return _real(*args)

        monkeypatch.setattr(module, name, traced)
    assert not audit.anchor_file(tui_database).exists()
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert [r.name for r in app.today_screen.rows] == ["Jens Møller"]
        assert order == ["board", "upkeep"]
    assert audit.anchor_file(tui_database).exists()
    assert tui_database.path is not None
    with sqlite3.connect(tui_database.path) as raw:
        assert raw.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0


async def test_an_older_database_is_upgraded_before_the_board_is_read(
    tui_database, tmp_path, monkeypatch
) -> None:
    from factories import NOW, TODAY, add_staff, make_ctx
    from test_board_live import register
    from test_schema import NEXT_REVISION, NewerProgram

    from jobbutik.domain.clock import Clock
    from jobbutik.services.config import Settings
    from jobbutik.store import schema
    from jobbutik.tui.app import create_app

    add_staff(tui_database, "ab")
    register(make_ctx(tui_database, "ab"), "0101901234")
    tui_database.dispose()
    NewerProgram(schema.head_revision(), NEXT_REVISION, tmp_path / "m", monkeypatch).apply()
    settings = Settings(db=tui_database.url, user="ab", today=TODAY, lang="en")
    app = create_app(settings, clock=Clock(fixed_now=NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert schema.current_revision(app.context.db) == NEXT_REVISION
        assert [r.name for r in app.today_screen.rows] == ["Jens Møller"]
        assert any("backup of the old one" in notice for notice in notices(app))
        app.context.db.dispose()

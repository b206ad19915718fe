"""Failure behaviour in the TUI (issue 6, item 5): a locked database keeps the typed form; an
unreachable server or a database from a newer program is told on the board, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select
from trust_helpers import held_by_another_desk

from jobbutik.store import db as db_module
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen


def _count(db: Database, table: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(table)).one())


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(db_module, "WRITE_ATTEMPTS", 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _make_newer(db: Database) -> None:
    db.write(
        lambda s: s.connection().exec_driver_sql(
            "UPDATE alembic_version SET version_num = 'ffffffffffff'"
        )
    )


async def test_locked_in_the_tui_keeps_the_typed_form(
    make_app: Any, tui_database: Database, short_timeout: None
) -> None:
    from helpers import notices, settle, start

    from jobbutik.domain.errors import DatabaseBusy

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*"010190-1234")
        await settle(pilot)
        await pilot.press("tab", *"Jens Møller", "tab", *"44520000", "tab", "tab", *"2730")
        await pilot.press("tab", "tab", "tab", "space")  # benefit: kontanthjælp
        tui_database.dispose()
        assert tui_database.path is not None
        with held_by_another_desk(tui_database.path):
            await pilot.press("ctrl+s")
            shown = await settle(pilot, expect_errors=(DatabaseBusy,))
        busy = "Databasen er optaget ved en anden skranke. Intet er gået tabt: prøv igen."
        # The save met the lock (and so may the draft kept beside it); the desk is told once.
        assert shown and {str(e) for e in shown} == {busy}
        assert notices(app).count(busy) == 1 and notices(app)[-1] == busy
        assert app.screen.id == "register"  # still open with what was typed
        from textual.widgets import Input

        values = {w.id: w.value for w in app.screen.query(Input)}
        assert values["name"] == "Jens Møller" and values["postcode"] == "2730"
        assert "1234" in values["cpr"]
        # The lock is gone. The reopened form's CPR lookup failed while it was held: the first
        # Ctrl+S looks up again, the next one saves.
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
    assert _count(tui_database, Citizen) == 1


async def test_postgresql_unreachable_at_start_in_the_tui(tmp_path: Path) -> None:
    from helpers import screen_text, settle

    from jobbutik.services.config import Settings
    from jobbutik.tui.app import create_app

    url = f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/jobbutik"
    app = create_app(Settings(db=url, user="ab", lang="en"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.context is None
        assert "Cannot reach the database server" in (app.startup_error or "")
        assert "Cannot reach" in screen_text(app)


async def test_newer_database_in_the_tui(tui_database: Database) -> None:
    from helpers import screen_text, settle

    from jobbutik.services.config import Settings
    from jobbutik.tui.app import create_app

    _make_newer(tui_database)
    tui_database.dispose()
    app = create_app(Settings(db=tui_database.url, user="ab", lang="en"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.context is None
        assert "newer version" in (app.startup_error or "")
        assert "newer version" in screen_text(app)

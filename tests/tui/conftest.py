"""Fixtures for the TUI tests: a temporary database at schema head, a fixed clock, the app."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from factories import ALL_ROLES, NOW, TODAY, add_staff

from jobbutik.domain.clock import Clock
from jobbutik.services.config import Settings
from jobbutik.store.db import Database

SIZE = (120, 40)


@pytest.fixture
def tui_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """The shared `sqlite_database` fixture when it exists; else a temp file from the models."""
    try:
        db: Database = request.getfixturevalue("sqlite_database")
        return db
    except pytest.FixtureLookupError:
        from sqlmodel import SQLModel

        import jobbutik.store.models  # noqa: F401  (registers the tables)

        db = Database(str(tmp_path / "tui.sqlite"))
        SQLModel.metadata.create_all(db.engine)
        return db


AppFactory = Callable[..., Any]


@pytest.fixture
def make_app(tui_database: Database) -> AppFactory:
    """`make_app(user="ab", roles=…, lang="da", now=NOW)` → a JobbutikApp on the temp database."""

    def build(
        user: str = "ab",
        roles: str = ALL_ROLES,
        lang: str = "da",
        now: datetime = NOW,
        today: date = TODAY,
    ) -> Any:
        from jobbutik.tui.app import create_app

        add_staff(tui_database, user, roles)
        settings = Settings(db=tui_database.url, user=user, today=today, lang=lang)
        return create_app(settings, database=tui_database, clock=Clock(fixed_now=now))

    return build

"""Fixtures for the TUI tests: a temporary database at schema head, a fixed clock, the app."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from factories import ALL_ROLES, NOW, TODAY, add_staff
from helpers import record_errors, reported

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

CRASHES_EXPECTED = "crashes_expected"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{CRASHES_EXPECTED}: the test makes the app crash on purpose (no crash check)"
    )


@pytest.fixture(autouse=True)
def _errors_seen_by_a_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every app a test builds (by `make_app` or by hand) records the errors of ours it shows; one
    that no `settle(…, expect_errors=…)` took fails the test at its end, so a red notice cannot
    pass unseen."""
    apps = record_errors(monkeypatch)
    yield
    unseen = [error for app in apps for error in reported(app)]
    if unseen:
        pytest.fail(
            "the app showed errors the test did not expect: "
            + "; ".join(f"{type(e).__name__}: {e}" for e in unseen),
            pytrace=False,
        )


def fail_on_crashes(request: pytest.FixtureRequest, apps: list[Any]) -> None:
    """The crash handler keeps the desk running after a bug, so a test would pass through one:
    a crash-log entry from any app the test built fails it, unless it crashes on purpose."""
    if request.node.get_closest_marker(CRASHES_EXPECTED) is not None:
        return
    for app in apps:
        if app._crash_times or app.crash_log.exists():
            log = app.crash_log.read_text() if app.crash_log.exists() else ""
            pytest.fail(f"the app crashed during the test:\n{log}", pytrace=False)


@pytest.fixture
def make_app(tui_database: Database, request: pytest.FixtureRequest) -> Iterator[AppFactory]:
    """`make_app(user="ab", roles=…, lang="da", now=NOW)` → a JobbutikApp on the temp database."""
    built: list[Any] = []

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
        app = create_app(settings, database=tui_database, clock=Clock(fixed_now=now))
        built.append(app)
        return app

    yield build
    fail_on_crashes(request, built)


# -- a small demo database: built once per session, copied per test --------------------------------

DEMO_CITIZENS = 60


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database (a day in progress, follow-ups, companies, sites) as one file."""
    from jobbutik.demo import build_demo

    path: Path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    template: Path = _session_template(tmp_path_factory)
    copy_file(template, path)
    db = Database(str(path))
    try:
        build_demo(db, today=TODAY, now=NOW, citizens=DEMO_CITIZENS, in_worker=False)
    finally:
        db.dispose()  # the last connection closed: the WAL is in the main file, which is copied
    return path


def _session_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jobbutik.store.schema import upgrade

    path: Path = tmp_path_factory.mktemp("schema") / "schema.sqlite"
    db = Database(str(path))
    try:
        upgrade(db, backup=False)
    finally:
        db.dispose()
    return path


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)


@pytest.fixture
def make_demo_app(
    demo_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[AppFactory]:
    """`make_demo_app(lang="da")` → a JobbutikApp as the demo user on a fresh copy of the demo."""
    opened: list[Database] = []
    built: list[Any] = []

    def build(lang: str = "da", folder: Path = tmp_path) -> Any:
        from jobbutik.demo import DEMO_USER
        from jobbutik.tui.app import create_app

        path = folder / "demo.sqlite"
        if not path.exists():
            copy_file(demo_template, path)
        db = Database(str(path))
        opened.append(db)
        settings = Settings(db=db.url, user=DEMO_USER, today=TODAY, lang=lang)
        app = create_app(settings, database=db, clock=Clock(fixed_now=NOW))
        built.append(app)
        return app

    yield build
    for db in opened:
        db.dispose()
    fail_on_crashes(request, built)

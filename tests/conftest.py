"""Shared fixtures: an isolated environment, English messages, and databases on both backends.

Databases:
* `database_url` — a fresh, EMPTY database URL, parametrized ["sqlite", "postgresql"].
* `database` — a `jobbutik.store.db.Database` at schema head, parametrized the same way. The
  schema is
  built once per session per backend into a template (a SQLite file copied per test; a
  PostgreSQL `CREATE DATABASE … TEMPLATE …`), so each test costs a file copy or a few ms of
  server work.
* `sqlite_database` — the same, SQLite only. `pg_url` — an empty PostgreSQL database URL.

PostgreSQL runs in a throwaway cluster per pytest worker (tests/pgcluster.py), started the first
time a test asks for it and removed at the end of the session. Without the server binaries the
PostgreSQL tests FAIL (CI must run them) unless JOBBUTIK_TEST_NO_PG=1 is set, which skips them.
Every test that uses PostgreSQL is marked `postgres` (select with `-m postgres` / `-m "not
postgres"`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgcluster import PgCluster, PostgresNotFound

if TYPE_CHECKING:
    from jobbutik.store.db import Database

BACKENDS = ["sqlite", "postgresql"]
_PG_FIXTURES = {"pg_url", "pg_cluster", "_pg_template"}
_ISOLATED_VARS = (
    "JOBBUTIK_DB",
    "JOBBUTIK_USER",
    "JOBBUTIK_TODAY",
    "JOBBUTIK_LANG",
    "JOBBUTIK_RULES",
)
_counter = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        names = set(getattr(item, "fixturenames", ()))
        if "postgresql" in params.values() or names & _PG_FIXTURES:
            item.add_marker(pytest.mark.postgres)


# -- environment -------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's config, database or language."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        for name in _ISOLATED_VARS:
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
        mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        mp.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
        mp.setenv("XDG_CACHE_HOME", str(home / ".cache"))
        yield


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English, ours and Click's, unless a test sets Danish itself (and then it does
    not leak: a Danish command line also switches Click's texts, which `set_language` alone would
    leave Danish for the next test). What the desk reads in Danish is checked by the tests that
    set it: tests/test_messages_both_languages.py for the services' refusals, the `_da` tests of
    the screens."""
    from jobbutik.cli.translated import speak

    speak("en")
    yield
    speak("en")


# -- PostgreSQL cluster ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """This worker's throwaway PostgreSQL cluster (started on first use)."""
    # xdist names its workers gw0, gw1…; without xdist (-p no:xdist) there is one, "master".
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")
    try:
        cluster = PgCluster(name=f"jobbutik-{worker_id}")
    except PostgresNotFound as exc:
        if os.environ.get("JOBBUTIK_TEST_NO_PG") == "1":
            pytest.skip("PostgreSQL tests skipped: JOBBUTIK_TEST_NO_PG=1")
        pytest.fail(str(exc), pytrace=False)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def _unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """An empty PostgreSQL database, dropped after the test."""
    name = _unique_name("t")
    url = pg_cluster.create_database(name)
    try:
        yield url
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture(scope="session")
def _pg_template(pg_cluster: PgCluster) -> str:
    """A database at schema head that each `database` test copies."""
    from jobbutik.store.db import Database
    from jobbutik.store.schema import upgrade

    name = "jobbutik_template"
    db = Database(pg_cluster.create_database(name))
    try:
        upgrade(db, backup=False)
    finally:
        db.dispose()  # CREATE DATABASE … TEMPLATE needs it without connections
    return name


# -- SQLite template ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jobbutik.store.db import Database
    from jobbutik.store.schema import upgrade

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = Database(str(path))
    try:
        upgrade(db, backup=False)
        with db.engine.connect() as connection:  # everything into the main file, no -wal left
            connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        db.dispose()
    return path


def _copy_private(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)


# -- database fixtures ---------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The backend of `database_url` / `database`; parametrize it to pick one."""
    return str(request.param)


@pytest.fixture
def database_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, EMPTY database URL on each backend (the SQLite file does not exist yet)."""
    if db_backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'jobbutik.sqlite'}"


def _make_database(backend: str, request: pytest.FixtureRequest, path: Path) -> Iterator[Database]:
    from jobbutik.store.db import Database

    if backend == "postgresql":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        template: str = request.getfixturevalue("_pg_template")
        name = _unique_name("t")
        db = Database(cluster.create_database(name, template=template))
        try:
            yield db
        finally:
            db.dispose()
            cluster.drop_database(name)
    else:
        template_path: Path = request.getfixturevalue("_sqlite_template")
        _copy_private(template_path, path)
        # The audit key lives beside the database, like the database's own files.
        _copy_private(Path(f"{template_path}.auditkey"), Path(f"{path}.auditkey"))
        db = Database(str(path))
        try:
            yield db
        finally:
            db.dispose()


@pytest.fixture
def database(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A `jobbutik.store.db.Database` at schema head, on SQLite and on PostgreSQL."""
    yield from _make_database(db_backend, request, tmp_path / "database.sqlite")


@pytest.fixture
def sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A SQLite `Database` at schema head (a file in tmp_path)."""
    yield from _make_database("sqlite", request, tmp_path / "sqlite_database.sqlite")

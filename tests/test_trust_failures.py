"""Failure behaviour (issue 6, item 5): each failure is one clear line, never a traceback, and in
the TUI what was typed stays.

Covered: the database locked past the timeout, PostgreSQL unreachable at start and mid-work (a
TCP proxy that is cut), a full disk (SQLite's page limit, which fails exactly like a full disk),
a corrupt file, a foreign SQLite file, and a database from a newer program version.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from factories import make_ctx
from sqlalchemy import event
from sqlmodel import func, select
from trust_helpers import cli, held_by_another_desk, one_line_error

from jobbutik.domain.errors import DatabaseBusy, DatabaseUnavailable
from jobbutik.services import arrivals, citizens, staff
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store import db as db_module
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen
from jobbutik.store.settings import mark_demo


def _form(n: int = 1) -> ArrivalForm:
    return ArrivalForm(
        f"01019{n:01d}1234"[:10], "kontanthjaelp", new_citizen=NewCitizen(f"Borger {n}")
    )


def _count(db: Database, table: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(table)).one())


# What the desk reads (in English here; the Danish is checked with the other service messages).
BUSY = "The database is busy at another desk. Nothing was lost: try again."


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(db_module, "WRITE_ATTEMPTS", 2)


# -- locked ----------------------------------------------------------------------------------------


def test_locked_past_the_timeout(sqlite_database: Database, short_timeout: None) -> None:
    ctx = make_ctx(sqlite_database, "boss", roles="admin,reception")
    # A demo before the lock is taken (cli() cannot mark it then): opening a database at head
    # takes no lock, so the command gets as far as its own write.
    sqlite_database.write(mark_demo)
    sqlite_database.dispose()  # new connections pick up the short timeout
    assert sqlite_database.path is not None
    with held_by_another_desk(sqlite_database.path):
        with pytest.raises(DatabaseBusy) as busy:
            arrivals.register_arrival(ctx, _form())
        assert str(busy.value) == BUSY
        result = cli(sqlite_database, "boss", "staff", "add", "zz", "Zed", "--roles", "admin")
        assert one_line_error(result) == f"jobbutik: {BUSY}"
    assert _count(sqlite_database, Citizen) == 0
    arrivals.register_arrival(ctx, _form())  # and once the lock is gone, it works


# -- PostgreSQL unreachable ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_postgresql_unreachable_at_start(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/jobbutik"
    result = cli(url, "boss", "staff", "list")
    assert one_line_error(result) == f"jobbutik: Cannot reach the database server {url}."
    assert "password" not in result.stderr.lower()


class _Proxy:
    """A TCP proxy to the PostgreSQL server that the test can cut, like a network failure."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept() and stops listening
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


@pytest.mark.parametrize("db_backend", ["postgresql"], ids=["postgresql"])
def test_postgresql_unreachable_mid_work(database: Database) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(database.url)
    proxy = _Proxy(url.host or "127.0.0.1", url.port or 5432)
    through = Database(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    try:
        ctx = make_ctx(through, "desk", roles="reception")
        arrivals.register_arrival(ctx, _form(1))
        proxy.cut()
        gone = f"Cannot reach the database server {through.display_url}."
        with pytest.raises(DatabaseUnavailable) as saving:
            arrivals.register_arrival(ctx, _form(2))
        assert str(saving.value) == gone
        with pytest.raises(DatabaseUnavailable) as reading:
            citizens.search(ctx, "borger")
        assert str(reading.value) == gone
    finally:
        proxy.cut()
        through.dispose()
    # Nothing half-saved: the first arrival is whole, the second is not there at all.
    assert _count(database, Citizen) == 1


# -- disk full -------------------------------------------------------------------------------------


def test_disk_full(sqlite_database: Database) -> None:
    ctx = make_ctx(sqlite_database, "desk", roles="reception,admin")
    sqlite_database.dispose()
    pages = sqlite_database.read(
        lambda s: s.connection().exec_driver_sql("PRAGMA page_count").scalar()
    )

    def limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {int(pages) + 2}")

    event.listen(sqlite_database.engine, "connect", limit)
    sqlite_database.dispose()
    entries_before = _count(sqlite_database, AuditEntry)
    with pytest.raises(DatabaseUnavailable, match=r"The disk is full: nothing was saved\."):
        for n in range(2000):
            arrivals.register_arrival(
                ctx,
                ArrivalForm(
                    f"0101{90 + n // 3000 % 10:02d}{1000 + n % 3000:04d}",
                    "kontanthjaelp",
                    new_citizen=NewCitizen("Borger " + "x" * 150),
                    confirm_duplicate=True,
                ),
            )
    # Every arrival saved is whole: one citizen and one request entry each in the audit log.
    saved = _count(sqlite_database, Citizen)
    assert _count(sqlite_database, AuditEntry) == entries_before + 2 * saved
    event.remove(sqlite_database.engine, "connect", limit)
    sqlite_database.dispose()
    assert staff.list_staff(ctx)  # reads still work


# -- corrupt, foreign, newer -----------------------------------------------------------------------


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "jobbutik.sqlite"
    path.write_bytes(b"this is a letter, not a database\n" * 200)
    result = cli(str(path), "ab", "staff", "list")
    assert one_line_error(result) == (
        f"jobbutik: {path} is not a jobbutik database, or it is damaged."
    )


def test_a_damaged_jobbutik_file(sqlite_database: Database, tmp_path: Path) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    sqlite_database.dispose()
    assert sqlite_database.path is not None
    conn = sqlite3.connect(sqlite_database.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(sqlite_database.path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):  # scribble over some pages
        data[start + 8 : start + page] = b"\xa5" * (page - 8)
    sqlite_database.path.write_bytes(bytes(data))
    result = cli(sqlite_database, "boss", "db", "check")
    assert result.exit_code == 1
    assert one_line_error(result) == (
        f"jobbutik: {sqlite_database.path} is not a jobbutik database, or it is damaged."
    )


def test_a_foreign_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    result = cli(str(path), "ab", "staff", "list")
    assert one_line_error(result) == (
        f"jobbutik: {path} holds tables but no jobbutik schema version: it is not a jobbutik "
        "database, so it was left untouched."
    )
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert tables == {"invoices"}


def _make_newer(db: Database) -> None:
    db.write(
        lambda s: s.connection().exec_driver_sql(
            "UPDATE alembic_version SET version_num = 'ffffffffffff'"
        )
    )


def test_a_database_from_a_newer_program(database: Database) -> None:
    make_ctx(database, "boss", roles="admin")
    _make_newer(database)
    from jobbutik.store.schema import head_revision

    result = cli(database.url, "boss", "staff", "list")
    where = database.path if database.path is not None else database.display_url
    assert one_line_error(result) == (
        f"jobbutik: {where} was written by a newer version of jobbutik (schema revision "
        f"ffffffffffff); this version only knows revisions up to {head_revision()}. Open it "
        "with the newer version."
    )

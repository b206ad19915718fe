"""db.py: private files, SQLite pragmas and write locking, foreign keys, retries, clear failures."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from pgcluster import free_port
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.errors import DatabaseUnavailable
from jobbutik.store import schema
from jobbutik.store.db import SQLITE_BUSY_TIMEOUT_MS, Database
from jobbutik.store.models import Citizen, Request, Setting, Staff

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=LOCAL_TZ)


def staff_count(db: Database) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(Staff)).one())


def pragma(session: Session, name: str) -> object:
    return session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()


# -- SQLite file and pragmas ----------------------------------------------------------------------


def test_sqlite_file_and_its_wal_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "new" / "jobbutik.sqlite"
        db = Database(str(path))
        try:
            assert path.stat().st_mode & 0o777 == 0o600
            assert path.parent.stat().st_mode & 0o777 == 0o700
            schema.upgrade(db)
            db.write(lambda s: s.add(Staff(initials="ab", name="Anne")))
            wal = path.with_name(path.name + "-wal")
            assert wal.exists()
            assert wal.stat().st_mode & 0o777 == 0o600
            assert path.stat().st_mode & 0o777 == 0o600
        finally:
            db.dispose()
    finally:
        os.umask(old_umask)


def test_sqlite_pragmas_on_read_and_write_connections(sqlite_database: Database) -> None:
    expected = {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }

    def all_pragmas(session: Session) -> dict[str, object]:
        return {name: pragma(session, name) for name in expected}

    assert sqlite_database.read(all_pragmas) == expected
    assert sqlite_database.write(all_pragmas) == expected


def test_sqlite_write_takes_the_lock_at_begin_while_reads_go_on(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    db.write(lambda s: s.add(Staff(initials="ab", name="Anne")))
    seen: dict[str, object] = {}

    def work(session: Session) -> None:
        session.connection()  # the transaction has begun; nothing written yet
        other = sqlite3.connect(db.path, timeout=0)  # type: ignore[arg-type]
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO setting (key, value) VALUES ('x', 'y')")
            seen["raw read"] = other.execute("SELECT count(*) FROM staff").fetchone()[0]
        finally:
            other.close()
        seen["db.read"] = staff_count(db)  # a deferred read on another pooled connection
        session.add(Staff(initials="cd", name="Carl"))

    db.write(work)
    assert seen == {"raw read": 1, "db.read": 1}
    assert staff_count(db) == 2


def test_sqlite_second_writer_waits_then_succeeds(sqlite_database: Database) -> None:
    """A writer at another desk queues behind the lock instead of failing or losing its work."""
    first_has_lock = threading.Event()
    other = Database(sqlite_database.url)
    errors: list[BaseException] = []

    def slow(session: Session) -> None:
        session.add(Staff(initials="ab", name="Anne"))
        session.flush()
        first_has_lock.set()
        time.sleep(0.4)

    def second() -> None:
        first_has_lock.wait(10)
        try:
            other.write(lambda s: s.add(Staff(initials="cd", name="Carl")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    started = time.monotonic()
    sqlite_database.write(slow)
    thread.join(30)
    other.dispose()
    assert errors == []
    assert time.monotonic() - started >= 0.4
    assert staff_count(sqlite_database) == 2


# -- both backends ------------------------------------------------------------------------------


def test_foreign_key_violation_is_refused(database: Database) -> None:
    def orphan(session: Session) -> None:
        session.add(
            Request(
                citizen_id=424242,
                arrived_on=NOW.date(),
                arrived_at=NOW,
                benefit="kontanthjaelp",
                slot_date=NOW.date(),
                registered_by="ab",
            )
        )

    with pytest.raises(IntegrityError):
        database.write(orphan)
    assert database.read(lambda s: s.exec(select(func.count()).select_from(Request)).one()) == 0


def test_failed_write_leaves_nothing_behind(database: Database) -> None:
    def half(session: Session) -> None:
        session.add(
            Citizen(
                cpr="0101901234",
                name="Ib",
                name_folded="ib",
                birth_date=date(1990, 1, 1),
                created_at=NOW,
            )
        )
        session.flush()
        raise RuntimeError("the desk crashed mid-visitation")

    with pytest.raises(RuntimeError):
        database.write(half)
    assert database.read(lambda s: s.exec(select(func.count()).select_from(Citizen)).one()) == 0


# -- PostgreSQL retries -------------------------------------------------------------------------


@pytest.mark.parametrize("db_backend", ["postgresql"], ids=["postgresql"])
def test_postgres_serialization_failure_is_retried(database: Database) -> None:
    """Two desks book the last seat at once: SERIALIZABLE fails one, the retry sees the seat gone.

    A real write skew on the cluster: our transaction counts the booked seats, another
    SERIALIZABLE transaction counts too, books and commits; our booking then fails with
    SQLSTATE 40001 and `write()` runs the work again, which now finds no seat free.
    """
    attempts: list[int] = []
    seats = col(Setting.key).startswith("seat:")

    def other_desk_books() -> None:
        with database.engine.connect() as other:
            other.execution_options(isolation_level="SERIALIZABLE")
            taken = other.execute(
                select(func.count()).select_from(Setting).where(seats)
            ).scalar_one()
            assert taken == 0
            other.execute(text("INSERT INTO setting (key, value) VALUES ('seat:b', 'desk b')"))
            other.commit()

    def book_last_seat(session: Session) -> int:
        attempts.append(len(attempts) + 1)
        taken = session.exec(select(func.count()).select_from(Setting).where(seats)).one()
        if len(attempts) == 1:
            other_desk_books()
        if taken == 0:
            session.add(Setting(key="seat:a", value="desk a"))
        return taken

    assert database.write(book_last_seat) == 1  # the retry saw desk b's seat
    assert attempts == [1, 2]
    booked = database.read(lambda s: s.exec(select(Setting.key).where(seats)).all())
    assert booked == ["seat:b"]


# -- clear failures -----------------------------------------------------------------------------


def test_a_file_that_is_no_database(tmp_path: Path) -> None:
    path = tmp_path / "letter.sqlite"
    path.write_text("Kære borger, dette er et brev og ingen database.\n" * 100)
    db = Database(str(path))
    try:
        for attempt in (
            lambda: db.read(lambda s: s.exec(select(Staff)).all()),
            lambda: db.write(lambda s: s.add(Staff(initials="ab", name="Anne"))),
            lambda: schema.upgrade(db),
            lambda: schema.current_revision(db),
        ):
            with pytest.raises(DatabaseUnavailable) as err:
                attempt()
            assert str(err.value) == f"{path} is not a jobbutik database, or it is damaged."
    finally:
        db.dispose()
    assert path.read_text().startswith("Kære borger")  # untouched


def test_postgres_nobody_listens() -> None:
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/jobbutik")
    try:
        for attempt in (
            lambda: db.read(lambda s: s.exec(select(Staff)).all()),
            lambda: db.write(lambda s: s.add(Staff(initials="ab", name="Anne"))),
            lambda: schema.upgrade(db),
        ):
            with pytest.raises(DatabaseUnavailable, match="Cannot reach the database server"):
                attempt()
    finally:
        db.dispose()


def test_unsupported_url() -> None:
    with pytest.raises(DatabaseUnavailable, match="Unsupported database"):
        Database("mysql://someone@localhost/jobbutik")

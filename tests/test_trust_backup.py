"""Backups taken while desks write, restored and checked; restore refuses what is not ours;
PostgreSQL gets pg_dump guidance."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from factories import make_ctx
from sqlmodel import func, select
from trust_helpers import cli, one_line_error, path_mode, register_and_visit, setup_visits

from jobbutik.services import audit, backup
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, Visitation


def _count(db: Database, table: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(table)).one())


@pytest.mark.slow
def test_a_backup_taken_during_writes_restores_and_passes_db_check(
    sqlite_database: Database, tmp_path: Path
) -> None:
    setup = setup_visits(sqlite_database)
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    for n in range(8):  # some pages to copy
        register_and_visit(setup["ctx"], n, setup["site"], setup["openings"])
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        writer_db = Database(sqlite_database.url)
        ctx = make_ctx(writer_db, "demo")
        n = 1000
        try:
            while not stop.is_set():
                register_and_visit(ctx, n, setup["site"], setup["openings"])
                written.append(n)
                n += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            writer_db.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.3)
        before = len(written)
        # Small steps, so the copy spans many commits of the writer.
        original = backup.PAGES_PER_STEP
        backup.PAGES_PER_STEP = 1
        try:
            result = backup.backup(admin, tmp_path / "copy.sqlite")
        finally:
            backup.PAGES_PER_STEP = original
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert len(written) > before, "the writer was blocked by the backup"
    assert path_mode(result.path) == 0o600
    conn = sqlite3.connect(result.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()

    # Restore it into a fresh place and check it whole.
    live_visits = _count(sqlite_database, Visitation)
    target = tmp_path / "restored.sqlite"
    restored = cli(str(target), "boss", "restore", str(result.path), "--yes")
    assert restored.exit_code == 0, restored.output
    check = cli(str(target), "boss", "db", "check")
    assert check.exit_code == 0, check.output
    restored_db = Database(str(target))
    try:
        copied = _count(restored_db, Visitation)
        assert 8 <= copied <= live_visits
        # Every visitation in the copy is whole: its audit entry is there (one snapshot).
        audited = restored_db.read(
            lambda s: s.exec(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "visitation", AuditEntry.action == "create")
            ).one()
        )
        assert audited == copied
        assert audit.verify(restored_db).ok
    finally:
        restored_db.dispose()


def test_backup_command_and_restore_over_a_live_database(
    sqlite_database: Database, tmp_path: Path
) -> None:
    setup = setup_visits(sqlite_database)
    make_ctx(sqlite_database, "boss", roles="admin")
    register_and_visit(setup["ctx"], 1, setup["site"], setup["openings"])
    folder = tmp_path / "backups"
    folder.mkdir()
    result = cli(sqlite_database, "boss", "backup", str(folder))
    assert result.exit_code == 0, result.output
    (copy,) = folder.glob("*.sqlite")
    assert path_mode(copy) == 0o600
    # Work after the backup...
    register_and_visit(setup["ctx"], 2, setup["site"], setup["openings"])
    assert _count(sqlite_database, Citizen) == 2
    refused = cli(sqlite_database, "boss", "restore", str(copy))  # no terminal, no --yes
    assert refused.exit_code == 2
    restored = cli(sqlite_database, "boss", "restore", str(copy), "--yes")
    assert restored.exit_code == 0, restored.output
    # ...is gone in the live database (the same Database object sees it), kept in the safety copy.
    assert _count(sqlite_database, Citizen) == 1
    (safety,) = tmp_path.glob("*.before-restore-*.bak")
    assert path_mode(safety) == 0o600
    kept = sqlite3.connect(safety)
    assert kept.execute("SELECT count(*) FROM citizen").fetchone()[0] == 2
    kept.close()
    assert audit.verify(sqlite_database).ok
    last = sqlite_database.read(
        lambda s: s.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()  # type: ignore[attr-defined]
    )
    assert last.entity == "backup" and "restored from" in last.detail


def test_the_database_itself_is_not_a_backup_target(sqlite_database: Database) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    assert sqlite_database.path is not None
    result = cli(sqlite_database, "boss", "backup", str(sqlite_database.path))
    assert "the database itself" in one_line_error(result)


def test_restore_refuses_what_is_not_a_jobbutik_database(
    sqlite_database: Database, tmp_path: Path
) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.sqlite"
    assert sqlite_database.path is not None
    source = sqlite3.connect(sqlite_database.path)
    target = sqlite3.connect(newer)
    source.backup(target)
    target.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    target.commit()
    source.close()
    target.close()
    for path, reason in (
        (text, "not a SQLite file"),
        (foreign, "not jobbutik's"),
        (newer, "newer version"),
    ):
        result = cli(sqlite_database, "boss", "restore", str(path), "--yes")
        assert reason in one_line_error(result), path
    assert not list(tmp_path.glob("*.before-restore-*"))  # refused before anything was copied


@pytest.mark.postgres
def test_postgresql_gets_pg_dump_guidance(pg_url: str, tmp_path: Path) -> None:
    result = cli(pg_url, "boss", "backup", str(tmp_path / "x.dump"))
    assert result.exit_code == 1
    assert "pg_dump" in one_line_error(result)
    command = result.stdout.strip()
    assert command.startswith("pg_dump --format=custom --file=")
    assert "postgresql://" in command and "+psycopg" not in command
    restore = cli(pg_url, "boss", "restore", str(__file__), "--yes")
    assert restore.exit_code == 1 and "pg_restore" in restore.stdout

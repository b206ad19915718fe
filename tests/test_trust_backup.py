"""Backups taken while desks write, restored and checked; restore refuses what is not ours;
PostgreSQL gets pg_dump guidance."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from factories import make_ctx, make_demo_db
from sqlmodel import func, select
from trust_helpers import (
    DESK_ROLES,
    cli,
    one_line_error,
    path_mode,
    register_and_visit,
    setup_visits,
)

from jobbutik.services import audit, backup
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, Visitation


def _count(db: Database, table: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(table)).one())


@pytest.mark.slow
def test_a_backup_taken_during_writes_restores_and_passes_db_check(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = setup_visits(sqlite_database)
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    for n in range(8):  # some pages to copy
        register_and_visit(setup["ctx"], n, setup["site"], setup["openings"])
    stop = threading.Event()
    committed = threading.Condition()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        writer_db = Database(sqlite_database.url)
        ctx = make_ctx(writer_db, "demo", roles=DESK_ROLES)
        n = 1000
        try:
            while not stop.is_set():
                register_and_visit(ctx, n, setup["site"], setup["openings"])
                with committed:
                    written.append(n)
                    committed.notify_all()
                n += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            with committed:
                stop.set()
                committed.notify_all()
            writer_db.dispose()

    def commits_after(count: int, more: int) -> None:
        with committed:
            committed.wait_for(lambda: len(written) >= count + more or stop.is_set(), timeout=30)
        assert not errors, errors
        assert len(written) >= count + more, "the writer was blocked by the backup"

    steps: list[tuple[int, int, int]] = []  # (pages done, pages in all, writer's commits)

    def progress(done: int, total: int) -> None:
        steps.append((done, total, len(written)))
        if len(steps) == 1:
            # The copy has begun: the writer must keep committing while it goes on.
            commits_after(steps[0][2], 3)

    # One page per step, so the copy is many steps long.
    monkeypatch.setattr(backup, "PAGES_PER_STEP", 1)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        commits_after(0, 1)  # the writer is under way before the backup starts
        result = backup.backup(admin, tmp_path / "copy.sqlite", progress=progress)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    first, last = steps[0], steps[-1]
    assert len(steps) == last[1] > 1  # one step per page
    assert (first[0], last[0]) == (1, last[1])
    assert last[2] - first[2] >= 3, "no commit happened while the copy was taken"
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
        # The copy is the database as the backup began: the first 8, and what the writer had
        # saved before the first step (+1: a commit it had made but not yet counted); none of
        # the commits made during the copy.
        assert 8 <= copied <= 8 + first[2] + 1
        assert live_visits == 8 + len(written)
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
    assert one_line_error(result) == (
        f"jobbutik: {sqlite_database.path} is the database itself: give another file for the "
        "backup."
    )


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
    make_ctx(make_demo_db(pg_url), "boss", roles="admin").db.dispose()
    result = cli(pg_url, "boss", "backup", str(tmp_path / "x.dump"))
    assert result.exit_code == 1
    assert "pg_dump" in one_line_error(result)
    command = result.stdout.strip()
    assert command.startswith("pg_dump --format=custom --file=")
    assert "postgresql://" in command and "+psycopg" not in command
    restore = cli(pg_url, "boss", "restore", str(__file__), "--yes")
    assert restore.exit_code == 1 and "pg_restore" in restore.stdout

"""A restore takes the write lock before its safety copy and holds it until the restored data is
in place: whatever a desk saved is in the safety copy or in the restored database, never lost
between the two. File names with `#`, `?`, `%` and spaces are names, not URI syntax."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import NOW, make_ctx, make_demo_db
from sqlmodel import select
from trust_helpers import cli, command, path_mode

from jobbutik.services import backup
from jobbutik.store.db import Database
from jobbutik.store.models import Setting

ODD = "bk #?% x.sqlite"  # SQLite would read `bk #` as the file name and the rest as URI syntax


def _marks(path: Path) -> set[str]:
    """The desks' marks (settings named desk-…) in the database file `path`."""
    conn = backup.read_only(path)
    try:
        rows = conn.execute("SELECT key FROM setting WHERE key LIKE 'desk-%'").fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


def _mark(db: Database, name: str) -> None:
    """A desk saves something (through the program's own write path)."""
    db.write(lambda session: session.add(Setting(key=name, value="saved")))


def _restore_process(db_path: Path, source: Path) -> subprocess.Popen[str]:
    """`jobbutik restore SOURCE --yes` as its own process, as an admin runs it."""
    return subprocess.Popen(
        command(str(db_path), "restore", str(source), "--yes"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    """A demo database whose own name needs escaping too, with an admin, and a backup of it under
    an odd name (taken through the command line)."""
    db = make_demo_db(tmp_path / "live #?% db.sqlite")
    make_ctx(db, "boss", roles="admin")
    _mark(db, "desk-before-backup")
    taken = cli(db, "boss", "backup", str(tmp_path / ODD))
    assert taken.exit_code == 0, taken.output
    assert path_mode(tmp_path / ODD) == 0o600
    try:
        yield db, tmp_path / ODD
    finally:
        db.dispose()


def _safety_copies(db: Database) -> list[Path]:
    assert db.path is not None
    return sorted(db.path.parent.glob(f"{db.path.name}.before-restore-*.bak"))


def test_the_restore_waits_for_a_desk_that_is_saving_and_keeps_its_work(
    live: tuple[Database, Path],
) -> None:
    db, source = live
    assert db.path is not None
    _mark(db, "desk-after-backup")
    # A desk is in the middle of saving: it holds the write lock.
    desk = sqlite3.connect(db.path, isolation_level=None)
    desk.execute("BEGIN IMMEDIATE")
    desk.execute("INSERT INTO setting (key, value) VALUES ('desk-while-restoring', 'saved')")
    restore = _restore_process(db.path, source)
    try:
        assert restore.stderr is not None
        # The restore says it waits, and it has copied nothing yet.
        line = restore.stderr.readline()
        assert "Waiting for the desks that are saving to finish" in line, restore.communicate()
        assert _safety_copies(db) == []
        desk.execute("COMMIT")  # the desk's save goes through; the restore goes on
        out, err = restore.communicate(timeout=120)
    finally:
        desk.close()
        if restore.poll() is None:
            restore.kill()
            restore.wait()
    assert restore.returncode == 0, err
    assert f"restored from {source}" in out
    (safety,) = _safety_copies(db)
    assert path_mode(safety) == 0o600
    # Everything saved before the restore took the lock is in the safety copy...
    assert _marks(safety) == {"desk-before-backup", "desk-after-backup", "desk-while-restoring"}
    # ...and the live database is the backup, which the desk's open program now reads.
    assert _marks(db.path) == {"desk-before-backup"}
    keys = db.read(lambda s: set(s.exec(select(Setting.key)).all()))
    assert "desk-after-backup" not in keys and "desk-before-backup" in keys
    _mark(db, "desk-after-restore")  # and the desk saves into the restored database
    assert _marks(db.path) == {"desk-before-backup", "desk-after-restore"}


def test_nothing_can_be_saved_between_the_safety_copy_and_the_restore(
    live: tuple[Database, Path],
) -> None:
    db, source = live
    assert db.path is not None
    _mark(db, "desk-after-backup")
    seen: list[tuple[set[str], set[str], str]] = []

    def progress(done: int, total: int) -> None:
        if seen:
            return
        # The safety copy is taken, the restore is not yet visible, and no desk can save.
        (safety,) = _safety_copies(db)
        desk = sqlite3.connect(db.path, timeout=0, isolation_level=None)  # type: ignore[arg-type]
        try:
            desk.execute("BEGIN IMMEDIATE")
            refused = "saved"
        except sqlite3.OperationalError as exc:
            refused = str(exc)
        finally:
            desk.close()
        seen.append((_marks(safety), _marks(db.path), refused))  # type: ignore[arg-type]

    result = backup.restore(db, source, actor="boss", now=NOW, progress=progress)
    assert seen == [
        (
            {"desk-before-backup", "desk-after-backup"},
            {"desk-before-backup", "desk-after-backup"},
            "database is locked",
        )
    ]
    assert result.safety_copy is not None
    assert _marks(result.safety_copy) == {"desk-before-backup", "desk-after-backup"}
    assert _marks(db.path) == {"desk-before-backup"}


def test_a_desk_saving_during_a_restore_loses_nothing(live: tuple[Database, Path]) -> None:
    """Two processes race: every save the desk was told succeeded is in exactly one file, the
    safety copy (saved before the restore's lock) or the restored database (saved after it)."""
    db, source = live
    assert db.path is not None
    desk = Database(db.url)
    saved: list[str] = []
    restore = _restore_process(db.path, source)
    finished = threading.Event()

    def wait_for_restore() -> None:
        restore.wait(timeout=120)
        finished.set()

    watcher = threading.Thread(target=wait_for_restore)
    watcher.start()
    try:
        while not finished.is_set():
            saved.append(f"desk-{len(saved)}")
            _mark(desk, saved[-1])
        saved.append(f"desk-{len(saved)}")
        _mark(desk, saved[-1])  # one save surely after the restore
    finally:
        watcher.join(timeout=120)
        desk.dispose()
    _, err = restore.communicate()
    assert restore.returncode == 0, err
    (safety,) = _safety_copies(db)
    before, after = (
        _marks(safety) - {"desk-before-backup"},
        _marks(db.path) - {"desk-before-backup"},
    )
    assert before.isdisjoint(after)
    assert before | after == set(saved)
    assert after, "no save after the restore"

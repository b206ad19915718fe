"""Backups and restores of the database.

SQLite: `backup()` copies the live file with SQLite's online backup API into a new file readable
by its owner only (0600), while the desks keep working. The copy is taken inside one read
transaction on the source, stepped a few hundred pages at a time: in WAL mode a reader never
blocks a writer, and the held read transaction pins one consistent snapshot, so the copy is
exactly the database as it stood when the backup began (writes after that are simply not in it)
and the backup never has to restart. The copy is written beside the target and renamed into place,
so a failed backup never leaves half a file under the target's name.

PostgreSQL: the program does not copy a server database; `PgDumpNeeded` carries the one-line
reason and the `pg_dump` command to use instead.

`restore()` checks the file first (a SQLite database, sound, with a jobbutik schema this version
knows, and an audit log that verifies with the key saved beside it or the live database's), and then
copies it into the live database with the same backup API, one page per step. The first step takes
the live database's write lock and the backup API holds it to the last: right after that first step
the safety copy of the current database is taken (readers are not blocked in WAL mode, and what it
reads is everything committed before the lock), so a desk's work is either in the safety copy or
was saved after the restore, never lost between the two. The restore is an ordinary write
transaction through the live file and its WAL: the file is not replaced, and programs that have
it open see the restored data at their next transaction.

File names go into SQLite `file:` URIs escaped, so `#`, `?`, `%` and spaces in them are names.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from jobbutik.domain.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    JobbutikError,
    ValidationError,
)
from jobbutik.domain.files import private_file, write_private
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.store.models import AuditAction

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.store.db import Database

PAGES_PER_STEP = 256
# How long a restore waits for the desks that are saving before it gives up (nothing restored).
RESTORE_WAIT_SECONDS = 60.0
Progress = Callable[[int, int], None]


class PgDumpNeeded(JobbutikError):
    """A PostgreSQL database is backed up with pg_dump; `command` is the one to run."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    seconds: float


@dataclass(frozen=True)
class DatabaseSummary:
    """What a database file holds, to show before a restore."""

    path: Path
    revision: str | None
    citizens: int
    staff: int
    last_change: datetime | None  # the newest audit entry


def _libpq_url(db: Database) -> str:
    from sqlalchemy.engine import make_url

    from jobbutik.store.db import safe_url

    url = make_url(db.url).set(drivername="postgresql")
    return safe_url(url.render_as_string(hide_password=True))  # also a ?password= parameter


def pg_dump_command(db: Database, target: str | os.PathLike[str]) -> str:
    import shlex

    return (
        f"pg_dump --format=custom --file={shlex.quote(os.fspath(target))} "
        f"{shlex.quote(_libpq_url(db))}"
    )


def pg_restore_command(db: Database, source: str | os.PathLike[str]) -> str:
    import shlex

    return (
        f"pg_restore --clean --if-exists --single-transaction "
        f"--dbname={shlex.quote(_libpq_url(db))} {shlex.quote(os.fspath(source))}"
    )


def _target_path(db_path: Path, target: Path, now: datetime) -> Path:
    target = target.expanduser()
    if target.is_dir():
        target = target / f"{db_path.stem}-{now.strftime('%Y%m%d-%H%M%S')}.sqlite"
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(
            _("The folder {folder} does not exist.").format(folder=folder), field="file"
        )
    live = {db_path.resolve(), *(Path(f"{db_path}{s}").resolve() for s in ("-wal", "-shm"))}
    if target.resolve() in live:
        raise ValidationError(
            _("{path} is the database itself: give another file for the backup.").format(
                path=target
            ),
            field="file",
        )
    return target


def copy_sqlite(
    source: Path, target: Path, *, progress: Progress | None = None, pages: int | None = None
) -> None:
    """Copy the SQLite database `source` into the new file `target` (0600, written whole), `pages`
    at a time (PAGES_PER_STEP, read when called, so a change to it takes effect).

    One read transaction on the source pins a consistent snapshot (WAL: writers go on)."""
    pages = PAGES_PER_STEP if pages is None else pages
    src = sqlite3.connect(source, timeout=15, isolation_level=None)
    try:
        with (
            private_file(target) as tmp,
            contextlib.closing(sqlite3.connect(tmp, isolation_level=None)) as dst,
        ):
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here

            def step(status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            src.backup(dst, pages=pages, progress=step, sleep=0.0)
            src.execute("COMMIT")
            # One self-contained file: no -wal beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise DatabaseUnavailable(
                    _("The copy of {path} failed its check: {detail}").format(
                        path=source, detail=check[0] if check else "?"
                    )
                )
    except sqlite3.Error as exc:
        raise _sqlite_failure(exc, source) from exc
    finally:
        src.close()


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to the SQLite file `path`; the name goes into the `file:` URI
    escaped, so `#`, `?`, `%` and spaces are part of it."""
    return sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True, timeout=15)


def _sqlite_failure(exc: sqlite3.Error, path: Path) -> JobbutikError:
    message = str(exc).lower()
    if "full" in message:
        return DatabaseUnavailable(_("The disk is full: the backup was not written."))
    if "locked" in message or "busy" in message:
        return DatabaseUnavailable(
            _("The database is busy at another desk; the backup was not taken: try again.")
        )
    if "not a database" in message or "malformed" in message:
        return DatabaseUnavailable(
            _("{where} is not a jobbutik database, or it is damaged.").format(where=path)
        )
    return DatabaseUnavailable(_("The backup failed: {error}").format(error=exc))


def backup(
    ctx: ServiceContext, target: str | os.PathLike[str], *, progress: Progress | None = None
) -> BackupResult:
    """Copy the live database to `target` (a file, or a folder for a dated file in it)."""
    from jobbutik.services import audit
    from jobbutik.services.context import Permission

    staff = ctx.require(Permission.BACKUP)
    db = ctx.db
    if db.backend != "sqlite" or db.path is None:
        raise PgDumpNeeded(
            _(
                "A PostgreSQL database is backed up with PostgreSQL's own pg_dump (the password "
                "from PGPASSWORD or ~/.pgpass); run:"
            ),
            pg_dump_command(db, target),
        )
    path = _target_path(db.path, Path(target), datetime.now())
    started = time.perf_counter()
    # Logged first, so the backup holds the entry for its own taking.
    db.write(
        lambda session: audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.EXPORT,
            entity=AuditEntity.BACKUP,
            detail=str(path),
            purpose=AuditPurpose.BACKUP,
            at=ctx.clock.now(),
        )
    )
    copy_sqlite(db.path, path, progress=progress)
    _copy_key(db.path, path)
    return BackupResult(path, path.stat().st_size, time.perf_counter() - started)


def _copy_key(db_path: Path, copy: Path) -> None:
    """The audit key goes with a copy of the database (0600, like the copy): without it the
    copy's log cannot be verified, nor restored."""
    from jobbutik.store.audit_key import key_path

    source = key_path(db_path)
    if source.is_file():
        write_private(key_path(copy), source.read_bytes())


# -- restore ---------------------------------------------------------------------------------------


def inspect_file(path: Path) -> DatabaseSummary:
    """Check that `path` is a sound jobbutik database this version can open; say what it holds."""
    from jobbutik.store import schema

    if not path.is_file():
        raise ValidationError(_("{path} is not a file.").format(path=path), field="file")
    with path.open("rb") as handle:
        magic = handle.read(16)
    if magic != b"SQLite format 3\x00":
        raise ValidationError(
            _("{path} is not a jobbutik database (not a SQLite file).").format(path=path),
            field="file",
        )
    try:
        conn = read_only(path)
    except sqlite3.Error as exc:
        raise ValidationError(
            _("{path} cannot be opened: {error}").format(path=path, error=exc), field="file"
        ) from exc
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise ValidationError(
                _("{path} is damaged: {detail}").format(
                    path=path, detail=check[0] if check else "?"
                ),
                field="file",
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "citizen", "staff", "auditentry"} <= tables:
            raise ValidationError(
                _("{path} is not a jobbutik database (its tables are not jobbutik's).").format(
                    path=path
                ),
                field="file",
            )
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
        known = {s.revision for s in schema._script().walk_revisions()}
        if revision is None or revision not in known:
            raise ValidationError(
                _(
                    "{path} was written by a newer version of jobbutik (schema revision "
                    "{revision}): restore it with that version."
                ).format(path=path, revision=revision),
                field="file",
            )
        citizens = conn.execute("SELECT count(*) FROM citizen").fetchone()[0]
        staff = conn.execute("SELECT count(*) FROM staff").fetchone()[0]
        last = conn.execute("SELECT max(at) FROM auditentry").fetchone()[0]
    except sqlite3.Error as exc:
        raise ValidationError(
            _("{path} is not a jobbutik database, or it is damaged ({error}).").format(
                path=path, error=exc
            ),
            field="file",
        ) from exc
    finally:
        conn.close()
    last_change = None
    if last:
        from datetime import UTC

        last_change = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
    return DatabaseSummary(path, revision, citizens, staff, last_change)


def safety_copy_path(db_path: Path, now: datetime) -> Path:
    base = db_path.with_name(f"{db_path.name}.before-restore-{now.strftime('%Y%m%d%H%M%S')}")
    candidate = base.with_name(base.name + ".bak")
    n = 1
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{n}.bak")
        n += 1
    return candidate


@dataclass(frozen=True)
class RestoreResult:
    source: DatabaseSummary
    safety_copy: Path | None
    broken_log: str | None = None  # restored with --force although its audit log is broken


class BrokenAuditLog(ValidationError):
    """The file to restore holds an audit log that does not verify."""


def _audit_key_for(src_path: Path, db_path: Path) -> Path | None:
    """The key that signed the backup's log: the one saved beside it, else the live database's
    (a backup of this database), else none (a file from before the keyed chain)."""
    from jobbutik.store.audit_key import key_path

    for candidate in (key_path(src_path), key_path(db_path)):
        if candidate.is_file():
            return candidate
    return None


def _has_keyed_chain(path: Path) -> bool:
    conn = read_only(path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(auditentry)")}
    finally:
        conn.close()
    return "detail_mac" in columns


@dataclass(frozen=True)
class AuditLogCheck:
    problem: str | None  # why the file's audit log does not verify; None: it does
    key: Path | None  # the key file that signed it (None: a file from before the keyed chain)


def check_audit_log(src_path: Path, db_path: Path) -> AuditLogCheck:
    """Verify the audit log of the file to restore, in a scratch copy beside the database (brought
    to this version's schema)."""
    from jobbutik.services import audit
    from jobbutik.store import schema
    from jobbutik.store.audit_key import key_path
    from jobbutik.store.db import Database

    key = _audit_key_for(src_path, db_path) if _has_keyed_chain(src_path) else None
    scratch = db_path.with_name(f".{db_path.name}.restore-check.sqlite")
    files = [Path(f"{scratch}{suffix}") for suffix in ("", "-wal", "-shm", ".auditkey")]
    try:
        copy_sqlite(src_path, scratch)
        if key is not None:
            write_private(key_path(scratch), key.read_bytes())
        check = Database(str(scratch))
        try:
            schema.upgrade(check, backup=False)
            result = audit.verify(check, anchors=False)
        finally:
            check.dispose()
    finally:
        for file in files:
            file.unlink(missing_ok=True)
    return AuditLogCheck(None if result.ok else result.message, key)


def refuse_broken(src_path: Path, check: AuditLogCheck) -> None:
    """Raise BrokenAuditLog, naming the problem, when the file's audit log does not verify."""
    if check.problem is not None:
        raise BrokenAuditLog(
            _(
                "{path} was not restored, its audit log does not verify: {problem} Restore it "
                "anyway with --force."
            ).format(path=src_path, problem=check.problem),
            field="file",
        )


def _take_safety_copy(db_path: Path, safety: Path) -> None:
    """The current database, copied to `safety` with its key."""
    try:
        copy_sqlite(db_path, safety)
    except DatabaseUnavailable:
        # The current database is damaged (that may be why it is restored): keep its bytes.
        import shutil

        with private_file(safety) as tmp, tmp.open("wb") as out, db_path.open("rb") as live:
            shutil.copyfileobj(live, out)
    _copy_key(db_path, safety)


def _copy_under_lock(
    src_path: Path,
    db_path: Path,
    *,
    locked: Callable[[], None],
    waiting: Callable[[], None] | None,
    progress: Progress | None,
) -> None:
    """Copy `src_path` into the live database `db_path`, one page per step. The first step
    takes the live database's write lock, held until the last step commits; `locked` runs right
    after the first step, when nothing of the restore is visible yet (an error from it rolls the
    restore back). A jobbutik file always has more than one page, so that moment exists.
    `waiting` is called once if the desks hold the lock; after RESTORE_WAIT_SECONDS the restore
    gives up with DatabaseBusy."""
    deadline = time.monotonic() + RESTORE_WAIT_SECONDS
    state = {"locked": False, "waited": False}

    def step(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            if waiting is not None and not state["waited"]:
                waiting()
            state["waited"] = True
            if time.monotonic() > deadline:
                raise DatabaseBusy(
                    _("The database stayed busy at another desk; nothing was restored: try again.")
                )
            return
        if not state["locked"]:
            state["locked"] = True
            locked()
        if progress is not None:
            progress(total - remaining, total)

    src = read_only(src_path)
    # A short busy wait per step: the loop above decides how long the restore waits in all.
    dst = sqlite3.connect(db_path, timeout=0.1, isolation_level=None)
    try:
        src.backup(dst, pages=1, progress=step, sleep=0.01)
    except sqlite3.Error as exc:
        raise _sqlite_failure(exc, db_path) from exc
    finally:
        src.close()
        dst.close()


def restore(
    db: Database,
    source: str | os.PathLike[str],
    *,
    actor: str,
    now: datetime,
    force: bool = False,
    checked: AuditLogCheck | None = None,
    progress: Progress | None = None,
    waiting: Callable[[], None] | None = None,
) -> RestoreResult:
    """Replace the live SQLite database `db` by the backup `source`, after a safety copy taken
    under the same write lock (see the module's description).

    A file whose audit log does not verify is refused (BrokenAuditLog) unless `force`
    (`checked`: the caller has run `check_audit_log` on it already, before asking). The
    caller has checked the role and asked for confirmation. `waiting` is called once when
    the restore has to wait for the desks that are saving. The restore is written to the
    restored database's audit log (the current one is kept whole in the safety copy, with its
    key) and anchored: the log starts again where the backup stood.
    """
    from jobbutik.services import audit
    from jobbutik.store import schema
    from jobbutik.store.audit_key import key_path

    if db.backend != "sqlite" or db.path is None:
        raise PgDumpNeeded(
            _("A PostgreSQL database is restored with PostgreSQL's own pg_restore; run:"),
            pg_restore_command(db, source),
        )
    db_path = db.path
    src_path = Path(source).expanduser()
    if src_path.resolve() == db_path.resolve():
        raise ValidationError(_("That is the database itself."), field="file")
    summary = inspect_file(src_path)
    check = checked if checked is not None else check_audit_log(src_path, db_path)
    if not force:
        refuse_broken(src_path, check)
    live_key = key_path(db_path)
    old_key = live_key.read_bytes() if live_key.is_file() else None
    safety = (
        safety_copy_path(db_path, now) if db_path.exists() and db_path.stat().st_size > 0 else None
    )

    def locked() -> None:
        if safety is not None:
            _take_safety_copy(db_path, safety)
        # The backup's key is in place before its log is visible: a desk that saves right
        # after the restore signs with it.
        if check.key is None:
            # A file from before the keyed chain: the upgrade makes it a key of its own (the
            # old one is kept beside the safety copy).
            live_key.unlink(missing_ok=True)
        elif check.key != live_key:
            write_private(live_key, check.key.read_bytes())

    db.dispose()
    try:
        _copy_under_lock(src_path, db_path, locked=locked, waiting=waiting, progress=progress)
    except BaseException:
        # Rolled back: the current database stays, and so does its key.
        if old_key is None:
            live_key.unlink(missing_ok=True)
        else:
            write_private(live_key, old_key)
        raise
    os.chmod(db_path, 0o600)
    schema.upgrade(db, backup=False)
    db.write(
        lambda session: audit.record(
            session,
            actor=actor[:16],
            action=AuditAction.IMPORT,
            entity=AuditEntity.BACKUP,
            detail=f"restored from {src_path}"
            + (f"; previous database kept in {safety}" if safety else ""),
            purpose=AuditPurpose.RESTORE,
            at=now,
        )
    )
    audit.anchor(db, restored=True)
    return RestoreResult(summary, safety, check.problem)

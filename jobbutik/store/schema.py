"""The database schema's version: Alembic migrations that ship inside the package.

The program upgrades a database itself when it opens it (`upgrade()`); a SQLite file that holds
data is first copied next to itself with SQLite's online backup API. Alembic is configured here in
code (no alembic.ini): the scripts live in `jobbutik/migrations/`, and `env.py` runs them on the
connection passed in `config.attributes["connection"]`, inside the transaction opened here:

* SQLite: foreign keys are switched off on that connection for the migration (the documented way
  to rebuild tables, which batch mode does), BEGIN IMMEDIATE takes the write lock (db.py's hook),
  `PRAGMA foreign_key_check` runs before the commit, and foreign keys are switched back on.
* PostgreSQL: DDL is transactional; an advisory lock keeps two programs from upgrading at once.
Either way the revision is read again under the lock, so a second program simply finds it done.

Until the first release the initial revision may be regenerated from `jobbutik.store.models`:

    .venv/bin/python -m jobbutik.store.schema --regenerate-initial

After the first release never edit a shipped revision; add one instead:

    .venv/bin/python -m jobbutik.store.schema --revision "add citizen.language"

then review the generated file (autogenerate misses renames and data moves). `tests/test_schema.py`
fails when the models and the migrations disagree.

Only standard-library modules are imported at module level: Alembic and SQLAlchemy load inside
the functions, so importing this module costs nothing at start-up; Alembic loads only when a
database needs upgrading (the revisions shipped are read from the scripts' lines, `_chain`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobbutik.domain.errors import DatabaseUnavailable, JobbutikError
from jobbutik.domain.files import private_file
from jobbutik.domain.i18n import _, ngettext

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from jobbutik.store.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key for "a jobbutik schema upgrade is running" ('jobb').
_PG_UPGRADE_LOCK = 0x6A6F6262

# -- Alembic plumbing ---------------------------------------------------------------------------


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config for the package's migrations, running on `connection`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("truncate_slug_length", "40")
    config.attributes["connection"] = connection
    return config


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def _chain() -> dict[str, tuple[str, ...]]:
    """Each shipped revision and the revisions it follows, read from the scripts' `revision` and
    `down_revision` lines: opening a database that is up to date loads no Alembic (about 0.3 s
    of imports and parsing). tests/test_schema.py checks this against Alembic's own reading."""
    chain: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = _REVISION.search(text)
        down = _DOWN_REVISION.search(text)
        if revision is None or down is None:  # pragma: no cover - every script has both
            raise RuntimeError(f"{path.name} names no revision")
        chain[revision[1]] = tuple(_QUOTED.findall(down[1]))
    return chain


_REVISION = re.compile(r"^revision\b[^=]*=\s*[\"']([0-9A-Za-z_]+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=]*=\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([0-9A-Za-z_]+)[\"']")


def head_revision() -> str:
    """The newest revision this program knows."""
    chain = _chain()
    heads = set(chain) - {down for downs in chain.values() for down in downs}
    if len(heads) != 1:  # pragma: no cover - the package ships one line of revisions
        raise RuntimeError(f"jobbutik's migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def _known_revisions() -> set[str]:
    return set(_chain())


def _revision_on(connection: Connection) -> str | None:
    """The revision in the `alembic_version` table (as Alembic reads it), by one plain query."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    if len(rows) > 1:  # pragma: no cover - the migrations are one line, never branches
        raise DatabaseUnavailable(_("The database has more than one schema revision."))
    return str(rows[0][0]) if rows else None


def _user_tables(connection: Connection) -> list[str]:
    from sqlalchemy import inspect

    return [t for t in inspect(connection).get_table_names() if t != "alembic_version"]


def has_tables(db: Database) -> bool:
    """Whether the database holds any table (ours or someone else's)."""
    with db.engine.connect() as connection:
        return bool(_user_tables(connection))


def _where(db: Database) -> str:
    return str(db.path) if db.path else db.display_url


def _newer(db: Database, revision: str) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        _(
            "{where} was written by a newer version of jobbutik (schema revision {revision}); "
            "this version only knows revisions up to {head}. Open it with the newer version."
        ).format(where=_where(db), revision=revision, head=head_revision())
    )


@contextmanager
def _translated(db: Database) -> Iterator[None]:
    """Turn a raw database error into the one clear sentence db.py gives it."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        translated = db.translate(exc)
        if translated is exc:
            raise
        raise translated from exc


@contextmanager
def _locked_connection(db: Database) -> Iterator[Connection]:
    """A connection in a write transaction that holds the upgrade lock; commits on success."""
    with _translated(db), db.engine.connect() as connection:
        raw: Any = None
        if db.backend == "sqlite":
            # Outside any transaction (PRAGMA foreign_keys is a no-op inside one); the driver
            # connection runs in autocommit mode (db.py), so this starts no transaction itself.
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():  # BEGIN IMMEDIATE on SQLite, through db.py's hook
                if db.backend == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_UPGRADE_LOCK})")
                yield connection
        finally:
            if raw is not None:
                try:
                    raw.execute("PRAGMA foreign_keys = ON")
                except sqlite3.Error:
                    connection.invalidate()  # never hand a connection without FKs back to the pool


# -- public API ---------------------------------------------------------------------------------


def current_revision(db: Database) -> str | None:
    """The schema revision stored in the database; None for an empty (or pre-Alembic) one."""
    with _translated(db):
        return db.read(lambda session: _revision_on(session.connection()))


def needs_upgrade(db: Database) -> bool:
    """True when `upgrade()` would change the database; raises for a newer database."""
    current = current_revision(db)
    if current is not None and current not in _known_revisions():
        raise _newer(db, current)
    return current != head_revision()


def upgrade(db: Database, *, backup: bool = True) -> str | None:
    """Bring the database to the newest schema. Returns the backup's path, if one was taken.

    An empty database is created from scratch. A SQLite file that holds an older schema is first
    copied to `<file>.before-<rev>-<YYYYmmddHHMMSS>.bak` (0600) when `backup` is true. A database
    written by a newer program, or one with tables but no jobbutik revision, is left untouched
    and DatabaseUnavailable says why.

    A database at head is only read (no write lock, no Alembic); the revision is read again under
    the lock before anything is changed.
    """
    head = head_revision()
    if current_revision(db) == head:
        return None
    from alembic import command

    backup_path: Path | None = None
    with _locked_connection(db) as connection:
        current = _revision_on(connection)
        if current == head:
            return None
        if current is not None and current not in _known_revisions():
            raise _newer(db, current)
        if current is None and _user_tables(connection):
            raise DatabaseUnavailable(
                _(
                    "{where} holds tables but no jobbutik schema version: it is not a jobbutik "
                    "database, so it was left untouched."
                ).format(where=_where(db))
            )
        if backup and current is not None and db.backend == "sqlite" and db.path is not None:
            backup_path = backup_sqlite(db.path, current)
        command.upgrade(alembic_config(connection), "head")
        if db.backend == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise DatabaseUnavailable(
                    ngettext(
                        "Upgrading {where} would break {count} reference between rows, so "
                        "nothing was changed.",
                        "Upgrading {where} would break {count} references between rows, so "
                        "nothing was changed.",
                        len(broken),
                    ).format(where=_where(db), count=len(broken))
                )
    return str(backup_path) if backup_path else None


def refresh_statistics(db: Database) -> None:
    """Tell SQLite's query planner how big the tables and indexes are (PostgreSQL's autovacuum
    does this itself). Without these statistics it prefers a unique index to a covering one and
    reads the wide rows. The sampling is bounded (SQLite 3.32+), so it takes milliseconds on any
    size (about 30 ms on the 1,000,000-citizen demo). The statistics are an optimisation only:
    while another desk is writing, on a full disk or a read-only file, they are left for the
    next start, without waiting and without an error."""
    if db.backend != "sqlite" or db.path is None:
        return
    try:
        connection = sqlite3.connect(db.path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        connection.execute("PRAGMA analysis_limit = 1000")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ANALYZE")
        connection.execute("COMMIT")
    except sqlite3.Error:
        with suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
    finally:
        connection.close()


def backup_sqlite(path: Path, revision: str, *, now: datetime | None = None) -> Path:
    """Copy a live SQLite database with the online backup API into a new private file beside
    it (never over an earlier backup)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d%H%M%S")
    base = path.with_name(f"{path.name}.before-{revision}-{stamp}")
    names = (base.with_name(f"{base.name}{'' if n == 0 else f'-{n}'}.bak") for n in range(100))
    target = next((name for name in names if not name.exists()), None)
    if target is None:  # pragma: no cover
        raise DatabaseUnavailable(_("Cannot create a backup next to {path}.").format(path=path))
    source = sqlite3.connect(path, timeout=15)
    try:
        with private_file(target) as tmp, closing(sqlite3.connect(tmp)) as destination:
            source.backup(destination)
            # One self-contained file: no -wal beside the backup.
            destination.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(
            _("Could not back up {path} before upgrading it: {error}").format(path=path, error=exc)
        ) from exc
    finally:
        source.close()
    return target


def check(db: Database) -> list[str]:
    """The database's problems as sentences; an empty list means it is fine.

    SQLite: `PRAGMA integrity_check` and `foreign_key_check`. Both: the schema is at head.
    (`jobbutik db check` verifies the audit chain as well, with `services.audit.verify`.)
    """
    problems: list[str] = []
    try:
        if db.backend == "sqlite":
            problems += _sqlite_problems(db)
        current = current_revision(db)
        head = head_revision()
        if current is None:
            problems.append(
                _("The database has no jobbutik schema yet: open it with jobbutik to create it.")
            )
        elif current not in _known_revisions():
            problems.append(str(_newer(db, current)))
        elif current != head:
            problems.append(
                _(
                    "The database schema is at revision {current}, but this version of jobbutik "
                    "needs {head}: open it with jobbutik to upgrade it (a backup is made first)."
                ).format(current=current, head=head)
            )
    except JobbutikError as exc:
        problems.append(str(exc))
    return problems


def _sqlite_problems(db: Database) -> list[str]:
    def run(session: Any) -> tuple[list[Any], list[Any]]:
        connection = session.connection()
        integrity = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
        foreign = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        return integrity, foreign

    with _translated(db):
        integrity, foreign = db.read(run)
    problems: list[str] = []
    if integrity != ["ok"]:
        problems += [
            _("The database file is damaged: {detail}").format(detail=line)
            for line in integrity[:20]
        ]
    problems += [
        _("Row {rowid} of table {table} refers to a row of {parent} that does not exist.").format(
            rowid=row[1], table=row[0], parent=row[2]
        )
        for row in foreign[:50]
    ]
    if len(foreign) > 50:
        more = len(foreign) - 50
        problems.append(
            ngettext(
                "… and {count} more broken reference.",
                "… and {count} more broken references.",
                more,
            ).format(count=more)
        )
    return problems


# -- developer commands -------------------------------------------------------------------------


def _write_revision(message: str, *, upgrade_first: bool) -> None:
    """Autogenerate a revision from jobbutik.store.models against a scratch SQLite database."""
    import tempfile

    from alembic import command

    from jobbutik.store.db import Database

    config_hooks: dict[str, str] = {}
    ruff = Path(sys.executable).with_name("ruff")
    ruff_exe = str(ruff) if ruff.exists() else shutil.which("ruff")
    if ruff_exe:
        config_hooks = {
            "hooks": "ruff_format, ruff_fix",
            "ruff_fix.type": "exec",
            "ruff_fix.executable": ruff_exe,
            "ruff_fix.options": "check --fix --quiet REVISION_SCRIPT_FILENAME",
            "ruff_format.type": "exec",
            "ruff_format.executable": ruff_exe,
            "ruff_format.options": "format --quiet REVISION_SCRIPT_FILENAME",
        }
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(str(Path(scratch) / "scratch.sqlite"))
        try:
            if upgrade_first:
                upgrade(db, backup=False)
            with _locked_connection(db) as connection:
                config = alembic_config(connection)
                for key, value in config_hooks.items():
                    config.set_section_option("post_write_hooks", key, value)
                command.revision(config, message=message, autogenerate=True)
        finally:
            db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobbutik.store.schema", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--regenerate-initial",
        action="store_true",
        help="replace the (only) initial revision with one generated from jobbutik.store.models",
    )
    group.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new revision")
    group.add_argument("--head", action="store_true", help="print the head revision")
    args = parser.parse_args(argv)
    if args.head:
        print(head_revision())
        return 0
    if args.revision:
        _write_revision(args.revision, upgrade_first=True)
        return 0
    versions = MIGRATIONS_DIR / "versions"
    existing = sorted(versions.glob("*.py"))
    if len(existing) > 1:
        print(
            "There is more than one revision: the initial one is released and must not change. "
            'Add a revision instead: python -m jobbutik.store.schema --revision "what changed"',
            file=sys.stderr,
        )
        return 1
    for old in existing:
        old.unlink()
    shutil.rmtree(versions / "__pycache__", ignore_errors=True)
    _write_revision("initial schema", upgrade_first=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

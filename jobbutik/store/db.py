"""Engine and sessions for SQLite and PostgreSQL.

SQLite: WAL, synchronous=FULL, busy_timeout, foreign keys, and every write transaction opened with
BEGIN IMMEDIATE (SQLAlchemy's documented recipe for pysqlite): with the stock deferred BEGIN two
desks can both read, then one loses its write with "database is locked" mid-transaction. Reads
stay deferred so they never wait for a writer; a long report's reads side by side
(`read_together`) wait at most 0.2 s for the write lock that lines up their snapshots.

PostgreSQL: writes run SERIALIZABLE, so their checks stay correct with many desks; a write the
server refuses for a conflict (or a deadlock) runs again, alone (`_ALONE`), so it succeeds then.
The conversation's save, which every desk makes all day and which checks one shared thing (the
seats of a site), runs READ COMMITTED instead and takes that site's turn first
(`write(row_locks=True)`): under SERIALIZABLE each two saves at one site conflicted, and three in
four saves of eight desks ran again.
Audit entries are sealed into the chain after the commit, by a thread of their own so the desk
does not wait for it (`seal_audit`). Pooled connections are pinged only after being idle
(`_pg_idle_ping`): each round trip counts on a server across town.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote, unquote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlmodel import Session

from jobbutik.domain.errors import (
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnavailable,
    JobbutikError,
    PermissionDenied,
    ValidationError,
)
from jobbutik.domain.i18n import _

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite already waits busy_timeout for the write lock; one more try covers the rare BUSY that
# skips the busy handler, without making a desk wait minutes before it hears "busy".
WRITE_ATTEMPTS = 2
# PostgreSQL: how often a write that conflicted with other desks' runs again (alone, see below).
PG_WRITE_ATTEMPTS = 25
# PostgreSQL SQLSTATEs worth a retry: serialization_failure, deadlock_detected.
_PG_RETRY_STATES = {"40001", "40P01"}
# A pooled PostgreSQL connection idle this long is pinged before use (see _pg_idle_ping).
PG_IDLE_PING_SECONDS = 20.0
# PostgreSQL: first tries of writes run side by side; a write that conflicted with another desk's
# (SERIALIZABLE found no serial order) runs again alone. The first statement of every write locks
# `writeturn`: a first try in ROW SHARE mode, which only the rerun's EXCLUSIVE mode conflicts with.
# LOCK TABLE takes no snapshot, so the rerun's snapshot is taken once the writes under way have
# ended and before any other starts: it overlaps no other write and cannot conflict again. With
# retries alone, eight desks saving at once retried a third of their saves, some 25 times ("busy").
_SIDE_BY_SIDE = text("LOCK TABLE writeturn IN ROW SHARE MODE")
_ALONE = text("LOCK TABLE writeturn IN EXCLUSIVE MODE")
_HAS_TURNS = text("SELECT to_regclass('writeturn') IS NOT NULL")
# Session.info key: the transaction appended audit entries on the server, to seal after it commits.
AUDIT_APPENDED = "audit_appended"
_SEAL = text("SELECT jobbutik_audit_seal()")
# `read_together`: at most this many read transactions side by side (one per CPU below it).
MAX_READERS = 4
# SQLite: how long `read_together` waits for the write lock that lines its snapshots up.
SNAPSHOT_LOCK_WAIT_MS = 200
# SQLite: a statement that reads the file, so that a read transaction takes its snapshot now.
_SQLITE_SNAPSHOT = text("SELECT count(*) FROM sqlite_master")
_PG_EXPORT_SNAPSHOT = text("SELECT pg_export_snapshot()")
_READ = "jobbutik_read"


def resolve_url(db: str | os.PathLike[str]) -> str:
    """A SQLAlchemy URL from `--db`: a URL is kept (a password written with an unencoded `@`
    made readable), a path becomes an absolute sqlite URL (`#`, `?` and `%` in it escaped)."""
    text = os.fspath(db)
    if "://" in text:
        return _encode_userinfo(text)
    path = str(Path(text).expanduser().resolve())
    return URL.create("sqlite", database=path).render_as_string(hide_password=False)


def _split_userinfo(text: str) -> tuple[str, str, str] | None:
    """(`scheme://`, user information, `host…`) of a server URL: the user information runs to
    the LAST `@`, as a password may hold `@`, `:` and `/`. None: a path, a sqlite URL, or no
    user information."""
    head, sep, rest = text.partition("://")
    if not sep or head.startswith("sqlite") or "@" not in rest:
        return None
    userinfo, _, host = rest.rpartition("@")
    return f"{head}://", userinfo, host


def _encode_userinfo(text: str) -> str:
    """`postgresql+psycopg://user:p@ss@host/db` → `…user:p%40ss@host/db`: SQLAlchemy would
    read the password up to its first `@` and take the rest for the host. A URL with at most one
    `@` is kept as written (an `@` in a query must be encoded: `%40`)."""
    parts = _split_userinfo(text)
    if parts is None or text.count("@") < 2:
        return text
    head, userinfo, host = parts
    user, colon, password = userinfo.partition(":")
    encoded = quote(unquote(user), safe="")
    if colon:
        encoded += ":" + quote(unquote(password), safe="")
    return f"{head}{encoded}@{host}"


_SECRET_PARAMETER = re.compile(r"([?&][^=&]*password[^=&]*=)[^&]*", re.IGNORECASE)


def safe_url(text: str) -> str:
    """`text` (a database URL or path) fit to show: no part of a password, however it is
    written. The user information is taken to run to the last `@`; of it only a plain user
    name is shown, and a `password` parameter is masked too. Needs no parsing, so a URL that
    SQLAlchemy cannot read is shown safely as well."""
    parts = _split_userinfo(text)
    if parts is not None:
        head, userinfo, host = parts
        user, colon, _ = userinfo.partition(":")
        plain = re.fullmatch(r"[^@/?#]*", user) is not None
        shown = user + (":***" if colon else "") if plain else "***"
        text = f"{head}{shown}@{host}"
    return _SECRET_PARAMETER.sub(r"\1***", text)


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("jobbutik", appauthor=False) / "jobbutik.sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for another backend or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_private_file(path: Path) -> None:
    """Create `path` readable by its owner only (0600), its folder 0700 if new.

    An existing file is not opened: closing any descriptor of a file drops every POSIX lock
    this process holds on it, so a program that has the database open already would lose its
    locks unseen by SQLite, and another program could then take the write lock beside it, or
    remove the -wal/-shm files under it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        return
    os.close(fd)


SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def tighten_permissions(path: Path) -> None:
    """Make the database and its WAL/SHM files readable by their owner only.

    A file that group or others may read or write is tightened to 0600, not left as found (it
    holds CPR numbers); when that is not possible (another account owns it), the database is
    refused with the reason rather than used as it is. The audit key beside it too: a desk that
    could read it could sign a rewritten log."""
    for suffix in (*SQLITE_SIDE_FILES, ".auditkey"):
        file = Path(f"{path}{suffix}")
        try:
            mode = file.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077 == 0:
            continue
        try:
            os.chmod(file, mode & 0o700)
        except OSError as exc:
            raise DatabaseUnavailable(
                _(
                    "{file} can be read by other users ({mode:o}) and cannot be made private: "
                    "{reason}. Its owner must run `chmod 600` on it."
                ).format(file=file, mode=mode, reason=exc.strerror or exc)
            ) from None


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to the "begin" hook below instead of pysqlite's own BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted personal data is overwritten in the file, not left in free pages, whatever
        # SQLite was compiled with (retention relies on it).
        cursor.execute("PRAGMA secure_delete = ON")
    finally:
        cursor.close()


def switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so). Switching a new file needs it to itself for a
    moment and SQLite does not wait for that, so two programs opening a new database at once
    would see "locked": the second tries again briefly, and then finds WAL already set."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _pg_on_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _pg_idle_ping(dialect: Any) -> Callable[[Any, Any, Any], None]:
    """A pool "checkout" hook that pings a pooled connection only when it has been idle a while
    (a server restarted, a firewall that dropped it): pinging at every checkout, as
    `pool_pre_ping` does, cost every transaction a round trip, 5 ms each to a server across the
    town. A dead one is replaced (the pool takes DisconnectionError as "connect again")."""

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PG_IDLE_PING_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure of the ping: the connection is of no use
            raise DisconnectionError() from exc
        if not alive:
            raise DisconnectionError()

    return on_checkout


def _sqlite_on_begin(connection: Any) -> None:
    if connection.get_execution_options().get(_READ):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One database, by URL. Work runs through `write()` and `read()` with a fresh session."""

    def __init__(self, url: str, *, echo: bool = False, create: bool = True) -> None:
        """`create=False` refuses a SQLite path where no file exists (DatabaseMissing): a
        mistyped --db must not start a new, empty database."""
        self.url = resolve_url(url)
        # Shown as given (safe_url): made readable, a password's `@` could pass for a user name's.
        self._given = os.fspath(url) if "://" in os.fspath(url) else self.url
        try:
            parsed = make_url(self.url)
        except (ArgumentError, ValueError):
            raise DatabaseUnavailable(
                _(
                    "The database address {url} cannot be read: write it as "
                    "postgresql+psycopg://user:password@host:port/database, or give a file path."
                ).format(url=safe_url(self._given))
            ) from None
        self.backend = parsed.get_backend_name()
        self.path = sqlite_path(self.url)
        # How this run was reached (services.identity.Channel): every session carries it, so the
        # audit log records the OS account and SSH client beside the staff initials.
        self.channel: Any = None
        self.retries = 0  # writes run again because another desk's conflicted (a benchmark figure)
        self.seals = 0  # seals run beside the desk after its commits (a benchmark figure)
        self._turns = False  # PostgreSQL: the schema has the turn table (`_takes_turns`)
        # PostgreSQL: seals after commits run here, one at a time; a seal asked for while one is
        # still waiting to start is not asked for twice (that one will seal both commits' entries).
        self._sealer: ThreadPoolExecutor | None = None
        self._seal_lock = threading.Lock()
        self._seal_queued = False
        self._last_seal: Future[None] | None = None
        if self.backend == "sqlite":
            if self.path is not None:
                if not create and not self.path.exists():
                    raise DatabaseMissing(self.path)
                create_private_file(self.path)
                tighten_permissions(self.path)
            # No row values in error texts: they would carry names and contact details into logs.
            engine = create_engine(self.url, echo=echo, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
            self.engine: Engine = engine
            self._write_engine: Engine = engine
            self._locking_engine: Engine = engine  # BEGIN IMMEDIATE: one writer at a time
        elif self.backend == "postgresql":
            self.engine = create_engine(self.url, echo=echo, hide_parameters=True)
            event.listen(self.engine.pool, "checkin", _pg_on_checkin)
            event.listen(self.engine.pool, "checkout", _pg_idle_ping(self.engine.dialect))
            self._write_engine = self.engine.execution_options(isolation_level="SERIALIZABLE")
            self._locking_engine = self.engine.execution_options(isolation_level="READ COMMITTED")
        else:
            raise DatabaseUnavailable(
                _("Unsupported database {url}: use a file path or postgresql+psycopg://…").format(
                    url=self.display_url
                )
            )
        if self.backend == "postgresql":
            # One snapshot for every statement of a read (a report's figures agree with each other).
            self._read_engine = self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            self._read_engine = self.engine.execution_options(**{_READ: True})

    @property
    def display_url(self) -> str:
        return safe_url(self._given)

    def write(
        self, work: Callable[[Session], T], *, logged_read: bool = False, row_locks: bool = False
    ) -> T:
        """Run `work` in one write transaction and commit; retried whole when the database asks.

        `work` may run more than once, so it must build everything it writes inside itself.
        `logged_read`: its only writes are audit entries (a lookup, a search, a list shown). On
        PostgreSQL its first try then skips the turn (a round trip less for the desk's most
        frequent actions): it cannot make a rerun conflict, as no transaction reads what it writes.
        `row_locks`: `work` locks the row that guards each thing it checks (a turn: see
        `changes.bump`) in a statement before those that read what it checks, and what it checks
        without such a row stays right whatever commits meanwhile. On PostgreSQL it then runs
        READ COMMITTED, where each statement sees what was committed before it began, so two
        desks checking one thing take turns on that row alone. A SERIALIZABLE write checking the
        same thing takes the same turn as its first statement: had it to wait, it finds the row
        moved by the holder, and runs again alone.
        """
        attempts = PG_WRITE_ATTEMPTS if self.backend == "postgresql" else WRITE_ATTEMPTS
        engine = self._locking_engine if row_locks else self._write_engine
        self.wait_for_seal()
        for attempt in range(attempts):
            try:
                with Session(
                    engine, expire_on_commit=False, info={"channel": self.channel}
                ) as session:
                    if (attempt or not logged_read) and self._takes_turns():
                        session.execute(_ALONE if attempt else _SIDE_BY_SIDE)
                    result = work(session)
                    session.commit()
                    appended = bool(session.info.get(AUDIT_APPENDED))
            except DBAPIError as exc:
                if attempt + 1 < attempts and self._retryable(exc):
                    self.retries += 1
                    if self.backend != "postgresql":  # PostgreSQL: the turn orders the retries
                        time.sleep(min(0.5, 0.01 * 2**attempt) * (0.5 + random.random()))
                    continue
                self._raise_translated(exc)
            if appended:
                self._seal_later()
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _takes_turns(self) -> bool:
        """PostgreSQL with the turn table: every database the program opened (it upgrades first);
        one older than migration a17d5e1f0c01 (a test, or the upgrade at work) has no turn to take.
        Known once found: asked again only while missing."""
        if self.backend != "postgresql":
            return False
        if not self._turns:
            with self.engine.connect() as connection:
                self._turns = bool(connection.execute(_HAS_TURNS).scalar())
        return self._turns

    def seal_audit(self) -> None:
        """PostgreSQL: seal the committed audit entries waiting in `auditpending` into the chain
        (numbered, signed, moved; one sealer at a time: see the migration a17d5e1f0c01), so the
        chain holds them before it is read. Nothing to do on SQLite, whose appends chain at once."""
        if self.backend != "postgresql":
            return
        try:
            self._seal_audit()
        except DBAPIError as exc:
            self._raise_translated(exc)

    def _seal_audit(self) -> None:
        # Outside the desk's transaction and after it: the seal's own short one.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(_SEAL)

    def _seal_later(self) -> None:
        """Seal the entries just committed without making the desk wait a round trip for it. The
        work is saved whatever happens to the seal: an entry left waiting (a failed seal, a
        desk that died) is sealed by the next seal of any desk, and every reader of the chain
        (`audit verify`, the anchors, a citizen's access log) seals first."""
        with self._seal_lock:
            if self._seal_queued:
                return
            self._seal_queued = True
            if self._sealer is None:
                self._sealer = ThreadPoolExecutor(1, thread_name_prefix="jobbutik-seal")
            self._last_seal = self._sealer.submit(self._background_seal)

    def _background_seal(self) -> None:
        with self._seal_lock:
            self._seal_queued = False  # entries committed from now on need a seal after this one
            self.seals += 1
        with contextlib.suppress(DBAPIError):
            self._seal_audit()

    def wait_for_seal(self) -> None:
        """Wait for the seal of this program's last commit, if it is still under way: what this
        program wrote is in the chain when it next reads or writes (its own audit entries shown
        at once, the chain in order for whatever works on it next). A desk's next action comes
        long after the seal's one round trip, so it does not wait in practice."""
        last = self._last_seal
        if last is not None and not last.done():
            last.result()

    def _stop_sealing(self) -> None:
        with self._seal_lock:
            sealer, self._sealer, self._seal_queued = self._sealer, None, False
        if sealer is not None:
            sealer.shutdown(wait=True)  # the seals asked for still run

    def read(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a read transaction (deferred on SQLite, never waits for other writers)."""
        self.wait_for_seal()
        try:
            # Closing (not rolling back) ends the transaction and keeps loaded rows usable.
            with Session(
                self._read_engine, expire_on_commit=False, info={"channel": self.channel}
            ) as session:
                return work(session)
        except DBAPIError as exc:
            self._raise_translated(exc)

    def read_together(
        self, works: Sequence[Callable[[Session], Any]], *, readers: int | None = None
    ) -> list[Any]:
        """Run `works` side by side, each in a read transaction of its own, all on one snapshot of
        the database (a report's figures agree with each other, as in `read`); their results, in
        the order of `works`. For a long report on a machine with more than one CPU: SQLite and
        the server run each statement outside the interpreter lock.

        `readers`: how many transactions at once (default: one per CPU, at most MAX_READERS); the
        works go to whichever is free, in the order given (the longest first, best). On SQLite
        the snapshots are taken while a write lock is held for that instant, so no desk's commit
        comes between them (one waits that long); should a desk be writing a while (no lock
        within SNAPSHOT_LOCK_WAIT_MS), the works run one after another in one read transaction,
        as in `read`, which waits for no one. On PostgreSQL the first transaction exports its
        snapshot and the others take it (SET TRANSACTION SNAPSHOT)."""
        count = min(len(works), readers or min(os.cpu_count() or 1, MAX_READERS))
        # An in-memory SQLite database is one connection's own: its works run one by one.
        if count > 1 and not (self.backend == "sqlite" and self.path is None):
            self.wait_for_seal()
            try:
                together = self._side_by_side(works, count)
            except DBAPIError as exc:
                self._raise_translated(exc)
            if together is not None:
                return together
        return self.read(lambda session: [work(session) for work in works])

    def _side_by_side(
        self, works: Sequence[Callable[[Session], Any]], count: int
    ) -> list[Any] | None:
        """`read_together`'s works on `count` readers; None when SQLite's lock did not come."""
        results: list[Any] = [None] * len(works)
        todo = deque(enumerate(works))

        def drain(session: Session) -> None:
            try:
                while True:
                    try:
                        index, work = todo.popleft()
                    except IndexError:
                        return
                    results[index] = work(session)
            except BaseException:
                todo.clear()  # the others stop after the work in hand
                raise

        with contextlib.ExitStack() as stack:
            sessions = [
                stack.enter_context(
                    Session(
                        self._read_engine, expire_on_commit=False, info={"channel": self.channel}
                    )
                )
                for _ in range(count)
            ]
            if not self._share_snapshot(sessions):
                return None
            with ThreadPoolExecutor(count, thread_name_prefix="jobbutik-read") as pool:
                for done in [pool.submit(drain, session) for session in sessions]:
                    done.result()
        return results

    def _share_snapshot(self, sessions: list[Session]) -> bool:
        """Start each session's read transaction on one snapshot (see `read_together`); False:
        SQLite's write lock did not come in time, and no snapshot was taken."""
        if self.backend == "postgresql":
            from psycopg import sql

            first, *others = sessions
            snapshot = first.execute(_PG_EXPORT_SNAPSHOT).scalar_one()
            take = sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot))
            for session in others:
                connection = session.connection()
                # Quoted by the driver: a SET takes no bound parameter.
                connection.exec_driver_sql(take.as_string(connection.connection.driver_connection))
            return True
        # Each reader's connection (and its deferred BEGIN) first: none waits for the pool while
        # the lock holds every desk's commit.
        for session in sessions:
            session.connection()
        with self.engine.connect() as lock:
            driver: Any = lock.connection.driver_connection  # sqlite3: no BEGIN of its own
            driver.execute(f"PRAGMA busy_timeout = {SNAPSHOT_LOCK_WAIT_MS}")
            try:
                lock.begin()  # BEGIN IMMEDIATE: no commit until the snapshots are taken
            except OperationalError as exc:
                if not self._retryable(exc):
                    raise
                return False
            finally:
                driver.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            for session in sessions:
                session.execute(_SQLITE_SNAPSHOT)
            lock.rollback()
        return True

    def _raise_translated(self, exc: DBAPIError) -> NoReturn:
        translated = self.translate(exc)
        if translated is exc:
            raise exc
        raise translated from exc

    def dispose(self) -> None:
        self._stop_sealing()
        self.engine.dispose()

    def _retryable(self, exc: DBAPIError) -> bool:
        if self.backend == "postgresql":
            return getattr(exc.orig, "sqlstate", None) in _PG_RETRY_STATES
        message = str(exc.orig).lower()
        return "database is locked" in message or "database is busy" in message

    def translate(self, exc: DBAPIError) -> JobbutikError | DBAPIError:
        """The one clear sentence for a database failure; other errors pass through unchanged."""
        message = str(exc.orig).lower()
        where = str(self.path) if self.path else self.display_url
        if (
            "database is locked" in message
            or "database is busy" in message
            or getattr(exc.orig, "sqlstate", None) in _PG_RETRY_STATES  # retried, still in conflict
        ):
            return DatabaseBusy(
                _("The database is busy at another desk. Nothing was lost: try again.")
            )
        if "file is not a database" in message or "malformed" in message:
            return DatabaseUnavailable(
                _("{where} is not a jobbutik database, or it is damaged.").format(where=where)
            )
        if "disk is full" in message or "no space left" in message:
            return DatabaseUnavailable(_("The disk is full: nothing was saved."))
        if "readonly database" in message or "unable to open database" in message:
            if self.path is not None and self.path.exists() and not os.access(self.path, os.W_OK):
                # Another account's file: say so, not only that it cannot be written.
                return DatabaseUnavailable(
                    _("Cannot open {where}: {reason}.").format(
                        where=where, reason=os.strerror(errno.EACCES)
                    )
                )
            return DatabaseUnavailable(_("Cannot write to {where}.").format(where=where))
        if getattr(exc.orig, "sqlstate", None) == "42501":  # a desk role lacks the privilege
            return PermissionDenied(
                _("Your database login may not do this (the server refused it): ask an admin.")
            )
        if self.backend == "postgresql":
            return self._translate_server(exc, message, where)
        return exc

    def _translate_server(
        self, exc: DBAPIError, message: str, where: str
    ) -> JobbutikError | DBAPIError:
        """PostgreSQL: a refused login, a missing database, refused data, an unreachable server.
        A failed connection carries no SQLSTATE in psycopg, so the server's words decide."""
        sqlstate = getattr(exc.orig, "sqlstate", None)
        connecting = sqlstate is None and isinstance(exc, OperationalError)
        if sqlstate in ("28P01", "28000") or (
            connecting
            and (
                "password authentication failed" in message
                or "no password supplied" in message
                or ("role " in message and "does not exist" in message)
            )
        ):
            return DatabaseUnavailable(
                _(
                    "The database server {where} refused the login: wrong user name or password."
                ).format(where=where)
            )
        if sqlstate == "3D000" or (
            connecting and "database " in message and "does not exist" in message
        ):
            return DatabaseUnavailable(
                _(
                    "The database server has no database {name} ({where}): check its name, or "
                    "create it with createdb."
                ).format(name=make_url(self.url).database, where=where)
            )
        if "nul (0x00)" in message or "contains nul" in message:
            return ValidationError(
                _(
                    "The text holds a NUL character (\\0), which the database cannot store: "
                    "nothing was saved. Remove it and try again."
                )
            )
        if isinstance(exc, DataError):
            return ValidationError(
                _("The database refused the data ({code}): nothing was saved.").format(
                    code=sqlstate or type(exc.orig).__name__
                )
            )
        if exc.connection_invalidated or (
            isinstance(exc, (OperationalError, InterfaceError)) and sqlstate is None
        ):
            return DatabaseUnavailable(
                _("Cannot reach the database server {where}.").format(where=where)
            )
        return exc

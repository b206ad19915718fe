"""The anchor for the database figures: the same SQL statements the services issue, run on a plain
DB-API connection (sqlite3, psycopg) without the program's layers above the driver.

`record` captures every statement, with its parameters, that one call sends through the
Database's engine; `replay` runs them again on a plain connection and rolls back, so nothing is
written — and nothing is committed either: the anchor has no commit (for SQLite no fsync).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, event

if TYPE_CHECKING:
    from jobbutik.store.db import Database

T = TypeVar("T")

# Transaction control the Database sends as statements (SQLite's BEGIN / BEGIN IMMEDIATE).
_BEGIN = re.compile(r"\s*BEGIN\b", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    sql: str  # in the driver's own parameter style
    parameters: Any  # as the driver got them; for `many`, a list of parameter sets
    many: bool = False  # executemany


def _engine(target: Database | Engine) -> Engine:
    # The Database's read and write engines are option views of this one: they share its events.
    return target if isinstance(target, Engine) else target.engine


@contextmanager
def _dry(engine: Engine) -> Iterator[None]:
    """Commits on `engine` roll back instead (the dialect's own commit, so any driver)."""
    dialect: Any = engine.dialect
    dialect.do_commit = lambda dbapi_connection: dbapi_connection.rollback()
    try:
        yield
    finally:
        del dialect.do_commit


def record(
    target: Database | Engine, fn: Callable[[], T], *, dry: bool = False
) -> tuple[T, list[Statement]]:
    """Call `fn` and capture the statements it sends through `target`'s engine, in order.

    `dry`: its commits roll back, so it leaves the database as it was and its writes can be
    replayed (a committed audit entry's number could not be inserted again)."""
    engine = _engine(target)
    statements: list[Statement] = []

    def capture(
        _conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        statements.append(Statement(sql, list(parameters) if many else parameters, many))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        if dry:
            with _dry(engine):
                result = fn()
        else:
            result = fn()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return result, statements


def replay(connection: Any, statements: list[Statement]) -> None:
    """Run `statements` on a plain DB-API `connection`, reading every row they return, then roll
    back. A BEGIN starts the next transaction of the call: the one before it is rolled back
    first (the program ended it, by commit or close)."""
    cursor = connection.cursor()
    try:
        for statement in statements:
            if _BEGIN.match(statement.sql):
                connection.rollback()
            if statement.many:
                cursor.executemany(statement.sql, statement.parameters)
            else:
                cursor.execute(statement.sql, statement.parameters)
            if cursor.description is not None:
                cursor.fetchall()
    finally:
        cursor.close()
        connection.rollback()

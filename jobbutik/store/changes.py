"""Change counters: what lets every desk notice another desk's change with one cheap read.

A service that changes what the Today board shows calls `bump(session)` inside its own write
transaction, so the counter moves exactly when the change commits (and not when it rolls back).
Desks poll `seq(session)`; a different value means "read the board again". Works the same on
SQLite and PostgreSQL.

A topic's value is the sum of one row per shard, and a writer bumps the row of its own
connection's shard (PostgreSQL: the server process's id modulo SHARDS; SQLite, whose writers take
turns anyway: 0). With one row per topic every PostgreSQL write of 8 or 32 desks would update the
same row, and under SERIALIZABLE all but one of them would fail and be retried.

A turn (`bump(turn=…)`) is the other way round: a topic with one row that every write of one kind
moves, so its row stays locked by each of them until it commits and they take turns on it (the
seats of one site: `seats(site_id)`). Any desk may move a counter, so no desk needs the right to
change the thing itself in order to lock it; and as the row is moved, not only locked, a
SERIALIZABLE write that waited for it fails on it and runs again, alone (store.db).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from jobbutik.store.models import ChangeCounter

BOARD = "board"
# Follow-ups created, recorded, closed or reassigned: what the header counts are read again on.
FOLLOW_UPS = "follow_ups"
SHARDS = 64

# Both dialects' INSERT … ON CONFLICT DO UPDATE, alike but for their types.
_INSERT: dict[str, Callable[..., Any]] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def seats(site_id: int) -> str:
    """The turn of the writes that take a seat at the site or change its seats."""
    return f"seats:{site_id}"


def bump(session: Session, *topics: str, turn: str | None = None) -> None:
    """Move the counters of `topics` (the board's if neither they nor a turn is named) on in the
    session's transaction, in one statement; and the one row of `turn`, which then stays locked
    until the transaction ends (on PostgreSQL: another write moving it waits for that)."""
    backend = session.get_bind().dialect.name
    # A writer's own row of each topic: PostgreSQL's by its server process, SQLite's the one row.
    shard = func.pg_backend_pid() % SHARDS if backend == "postgresql" else literal(0)
    # Each once: a row may be updated once in one statement.
    named = dict.fromkeys(topics or (() if turn else (BOARD,)))
    rows = [{"topic": topic, "shard": shard, "seq": 1} for topic in named]
    if turn is not None:
        # First: rows are taken in order, so a writer waiting for the turn holds no shard's row
        # meanwhile, and another write of that shard need not wait for the whole queue.
        rows.insert(0, {"topic": turn, "shard": literal(0), "seq": 1})
    insert = _INSERT[backend](ChangeCounter).values(rows)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[col(ChangeCounter.topic), col(ChangeCounter.shard)],
            set_={"seq": col(ChangeCounter.seq) + 1},
        )
    )


def seq(session: Session, topic: str = BOARD) -> int:
    """The counter's value now (0 before the first change)."""
    value = session.execute(
        select(func.coalesce(func.sum(col(ChangeCounter.seq)), 0)).where(
            col(ChangeCounter.topic) == topic
        )
    ).scalar_one()
    return int(value)

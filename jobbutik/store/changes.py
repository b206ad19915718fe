"""Change counters: what lets every desk notice another desk's change with one cheap read.

A service that changes what the Today board shows calls `bump(session)` inside its own write
transaction, so the counter moves exactly when the change commits (and not when it rolls back).
Desks poll `seq(session)`; a different value means "read the board again". Works the same on
SQLite and PostgreSQL.

A topic's value is the sum of one row per shard, and a writer bumps the row of its own
connection's shard (PostgreSQL: the server process's id modulo SHARDS; SQLite, whose writers take
turns anyway: 0). With one row per topic every PostgreSQL write of 8 or 32 desks would update the
same row, and under SERIALIZABLE all but one of them would fail and be retried.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from jobbutik.store.models import ChangeCounter

BOARD = "board"
# Follow-ups created, recorded, closed or reassigned: what the header counts are read again on.
FOLLOW_UPS = "follow_ups"
SHARDS = 64

_BUMP = {
    "postgresql": text(
        "INSERT INTO changecounter (topic, shard, seq) "
        f"VALUES (:topic, pg_backend_pid() % {SHARDS}, 1) "
        "ON CONFLICT (topic, shard) DO UPDATE SET seq = changecounter.seq + 1"
    ),
    "sqlite": text(
        "INSERT INTO changecounter (topic, shard, seq) VALUES (:topic, 0, 1) "
        "ON CONFLICT (topic, shard) DO UPDATE SET seq = changecounter.seq + 1"
    ),
}


def bump(session: Session, topic: str = BOARD) -> None:
    """Move `topic`'s counter on in the session's transaction."""
    session.execute(_BUMP[session.get_bind().dialect.name], {"topic": topic})


def seq(session: Session, topic: str = BOARD) -> int:
    """The counter's value now (0 before the first change)."""
    value = session.execute(
        select(func.coalesce(func.sum(col(ChangeCounter.seq)), 0)).where(
            col(ChangeCounter.topic) == topic
        )
    ).scalar_one()
    return int(value)

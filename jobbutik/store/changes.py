"""Change counters: what lets every desk notice another desk's change with one cheap read.

A service that changes what the Today board shows calls `bump(session)` inside its own write
transaction, so the counter moves exactly when the change commits (and not when it rolls back).
Desks poll `seq(session)`; a different value means "read the board again". Works the same on
SQLite and PostgreSQL; on PostgreSQL the row lock also orders concurrent bumps.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from jobbutik.store.models import ChangeCounter

BOARD = "board"
# Follow-ups created, recorded, closed or reassigned: what the header counts are read again on.
FOLLOW_UPS = "follow_ups"


def bump(session: Session, topic: str = BOARD) -> None:
    """Move `topic`'s counter on in the session's transaction."""
    moved = session.execute(
        update(ChangeCounter)
        .where(col(ChangeCounter.topic) == topic)
        .values(seq=col(ChangeCounter.seq) + 1)
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(ChangeCounter).values(topic=topic, seq=1))


def seq(session: Session, topic: str = BOARD) -> int:
    """The counter's value now (0 before the first change)."""
    value = session.execute(
        select(col(ChangeCounter.seq)).where(col(ChangeCounter.topic) == topic)
    ).scalar_one_or_none()
    return value or 0

"""Follow-ups for the reminder tests (tests/test_reminders.py, tests/tui/test_reminders.py)."""

from __future__ import annotations

from datetime import date, timedelta

from factories import TODAY, at
from sqlmodel import Session, select

from jobbutik.store.db import Database
from jobbutik.store.models import FollowUp, FollowUpKind, Staff

FRIDAY = TODAY - timedelta(days=3)  # TODAY is a Monday: one working day overdue


def add_follow_up(
    db: Database,
    citizen_id: int,
    assignee: str,
    due: date,
    kind: str = FollowUpKind.CV_DEADLINE,
    *,
    done: bool = False,
) -> int:
    """An open (or done) follow-up written straight to the database, as a service leaves one."""

    def work(session: Session) -> int:
        staff = session.exec(select(Staff).where(Staff.initials == assignee)).one()
        assert staff.id is not None
        row = FollowUp(
            citizen_id=citizen_id,
            kind=kind,
            due=due,
            assignee_id=staff.id,
            created_at=at(min(due, TODAY)),
            done_at=at(due) if done else None,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id

    return db.write(work)

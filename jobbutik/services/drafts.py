"""Drafts: what a member of staff has typed into a form or a conversation and not yet saved, kept
in the database so that a crash or a restart loses nothing (the TUI's draft store writes here).

A draft is private to its author: every function works on `ctx.staff`'s own drafts and no other's.
Drafts hold personal data (a conversation's facts, a CPR number being registered), and reading
them is for the person who typed them only.

Not audited: a draft is the author's own unfinished work, written every few seconds while typing
and read back only by the author; the audit log records what happens to the register's data, and
the save that turns a draft into a record is audited there. An entry per autosave would bury the
log in noise without telling a reviewer anything.

Retention: drafts not saved again for `draft_retention_days` days (the `Setting` table; default 30,
a LOCAL CHOICE: a month covers holidays, and a forgotten draft should not keep personal data for
longer) are deleted by the retention run (`purge`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from jobbutik.services.context import ServiceContext
from jobbutik.store.models import Draft
from jobbutik.store.settings import setting_int

RETENTION_KEY = "draft_retention_days"
DEFAULT_RETENTION_DAYS = 30  # LOCAL CHOICE, see the module docstring


@dataclass(frozen=True)
class SavedDraft:
    """One kept draft: which form (`form`), about what (`subject`, "" for a new record), the
    line the offer-back list shows (`title`), the values (`data`) and when it was kept."""

    form: str
    subject: str
    title: str
    data: dict[str, Any]
    saved_at: datetime


def save(ctx: ServiceContext, form: str, subject: str, title: str, data: dict[str, Any]) -> None:
    """Keep `data` as the author's draft of `form` about `subject` (replacing one kept before)."""
    staff_id, now = ctx.staff.id, ctx.clock.now()
    text = json.dumps(data, ensure_ascii=False)

    def work(session: Session) -> None:
        row = session.exec(
            select(Draft).where(
                col(Draft.staff_id) == staff_id,
                col(Draft.form) == form,
                col(Draft.subject) == subject,
            )
        ).first()
        if row is None:
            row = Draft(staff_id=staff_id, form=form, subject=subject, saved_at=now)
        row.title, row.data, row.saved_at = title[:200], text, now
        session.add(row)

    ctx.db.write(work)


def drop(ctx: ServiceContext, form: str, subject: str) -> None:
    """Forget the author's draft of `form` about `subject` (saved or discarded); none: no-op."""
    staff_id = ctx.staff.id
    ctx.db.write(
        lambda session: session.execute(
            delete(Draft).where(
                col(Draft.staff_id) == staff_id,
                col(Draft.form) == form,
                col(Draft.subject) == subject,
            )
        )
    )


def mine(ctx: ServiceContext) -> list[SavedDraft]:
    """The author's own drafts, newest first (all of them: a desk has a handful at most)."""
    staff_id = ctx.staff.id

    def work(session: Session) -> list[SavedDraft]:
        rows = session.exec(
            select(Draft)
            .where(col(Draft.staff_id) == staff_id)
            .order_by(col(Draft.saved_at).desc(), col(Draft.id).desc())
        ).all()
        return [
            SavedDraft(row.form, row.subject, row.title, json.loads(row.data), row.saved_at)
            for row in rows
        ]

    return ctx.db.read(work)


def purge(session: Session, now: datetime) -> int:
    """Delete every author's drafts last kept `draft_retention_days` days or more before `now`;
    how many went. Part of the retention run (services/retention.py)."""
    days = setting_int(session, RETENTION_KEY, DEFAULT_RETENTION_DAYS, minimum=1)
    gone = session.execute(delete(Draft).where(col(Draft.saved_at) < now - timedelta(days=days)))
    return int(getattr(gone, "rowcount", 0) or 0)

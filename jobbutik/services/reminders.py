"""Follow-up reminders: what reaches a consultant without opening the Follow-ups screen.

The header counts (due today, overdue) come from one read on the open-follow-up index; a desk
reads them again when the follow-ups counter (`changes.FOLLOW_UPS`, bumped wherever follow-ups are
created, recorded, closed or reassigned) moves, or the day changes. At start a consultant is told
once of what is due, with the oldest; a follow-up that falls due later (the day changed, or
another desk made or moved one due today) is told once. A supervisor is told of overdue
follow-ups of consultants with no desk open today: no entry of theirs in the audit log since
midnight (every desk's use of personal data is logged; a consultant told of a due follow-up at
start has one), so they can be reassigned.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, text
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.identity import mask_cpr
from jobbutik.domain.vocabulary import AuditAction, AuditEntity, FollowUpKind
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.store import changes
from jobbutik.store.models import AuditEntry, Citizen, FollowUp, Staff

# Up to so many follow-ups fallen due at once are told one by one; more, as one count.
TOLD_ONE_BY_ONE = 3


@dataclass(frozen=True)
class DueCounts:
    today: int
    overdue: int

    @property
    def total(self) -> int:
        return self.today + self.overdue


@dataclass(frozen=True)
class DueItem:
    """One due follow-up as a reminder names it: no full CPR, the first name only."""

    id: int
    kind: str
    due: date
    citizen_id: int
    cpr_masked: str
    first_name: str
    working_days_overdue: int

    @property
    def kind_label(self) -> str:
        return FollowUpKind.label_of(self.kind)


@dataclass(frozen=True)
class StartSummary:
    counts: DueCounts
    oldest: DueItem | None
    due_ids: frozenset[int]  # what the start notice covers: not told again as fallen due


@dataclass(frozen=True)
class FallenDue:
    due_ids: frozenset[int]  # every follow-up of the user due now
    new: list[DueItem]  # those not among `seen`, oldest first (none when more than TOLD_...)
    new_count: int  # how many are new in all


@dataclass(frozen=True)
class AbsentOverdue:
    """A consultant with no desk open today and overdue follow-ups."""

    initials: str
    name: str
    overdue: int
    oldest_due: date


def version(ctx: ServiceContext) -> int:
    """The follow-ups counter: a different value means "read the counts again"."""
    ctx.require(Permission.FOLLOW_UP)
    return ctx.db.read(lambda session: changes.seq(session, changes.FOLLOW_UPS))


def counts(ctx: ServiceContext) -> DueCounts:
    """The user's open follow-ups due today and overdue (one read on the assignee index)."""
    staff = ctx.require(Permission.FOLLOW_UP)
    today = ctx.clock.today()
    query = select_columns(
        func.count(case((col(FollowUp.due) == today, 1))),
        func.count(case((col(FollowUp.due) < today, 1))),
    ).where(
        col(FollowUp.assignee_id) == staff.id,
        col(FollowUp.done_at).is_(None),
        col(FollowUp.due) <= today,
    )
    due_today, overdue = ctx.db.read(lambda session: session.execute(query).one())
    return DueCounts(due_today or 0, overdue or 0)


def start_summary(ctx: ServiceContext) -> StartSummary:
    """What the user is told once at start: the counts and the oldest due follow-up. Naming the
    oldest citizen is a use of personal data: it is logged (and so marks the desk open)."""
    staff = ctx.require(Permission.FOLLOW_UP)
    found = counts(ctx)
    if not found.total:
        return StartSummary(found, None, frozenset())

    def work(session: Session) -> StartSummary:
        ids = _due_ids(session, ctx)
        oldest = _items(session, ctx, None, limit=1)
        for item in oldest:
            _log_told(session, ctx, staff.initials, item)
        return StartSummary(found, oldest[0] if oldest else None, ids)

    return ctx.db.write(work)


def newly_due(ctx: ServiceContext, seen: Collection[int]) -> FallenDue:
    """The user's follow-ups due now that are not in `seen` (those told already): fallen due
    since (the day changed) or made or moved to the user due today by another desk."""
    staff = ctx.require(Permission.FOLLOW_UP)
    ids = ctx.db.read(lambda session: _due_ids(session, ctx))
    fresh = sorted(ids - set(seen))
    if not fresh or len(fresh) > TOLD_ONE_BY_ONE:  # many at once (a new day): told as a count
        return FallenDue(ids, [], len(fresh))

    def work(session: Session) -> list[DueItem]:
        items = _items(session, ctx, fresh, limit=TOLD_ONE_BY_ONE)
        for item in items:
            _log_told(session, ctx, staff.initials, item)
        return items

    return FallenDue(ids, ctx.db.write(work), len(fresh))


def absent_overdue(ctx: ServiceContext) -> list[AbsentOverdue]:
    """Consultants with overdue follow-ups and no desk open today (no audit entry of theirs since
    midnight), most overdue first: for a supervisor to reassign (services.followups.reassign)."""
    staff = ctx.require(Permission.REASSIGN)
    today = ctx.clock.today()
    midnight = datetime(today.year, today.month, today.day, tzinfo=LOCAL_TZ)

    def work(session: Session) -> list[Any]:
        query = (
            select_columns(
                col(Staff.initials), col(Staff.name), func.count(), func.min(col(FollowUp.due))
            )
            .join(Staff, col(Staff.id) == FollowUp.assignee_id)
            .where(
                col(FollowUp.done_at).is_(None),
                col(FollowUp.due) < today,
                col(Staff.id) != staff.id,
                col(Staff.initials).not_in(_open_desks(session, midnight)),
            )
            .group_by(col(Staff.id), col(Staff.initials), col(Staff.name))
            .order_by(func.min(col(FollowUp.due)), col(Staff.initials))
        )
        return list(session.execute(query).all())

    rows = ctx.db.read(work)
    return [AbsentOverdue(initials, name, count, oldest) for initials, name, count, oldest in rows]


def _open_desks(session: Session, since: datetime) -> list[str]:
    """The initials of staff who used the program since `since` (by the audit log). A PostgreSQL
    desk may not read the log: the owner's function answers this one question."""
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(text("SELECT jobbutik_open_desks(:since)"), {"since": since})
    else:
        found = session.execute(
            select_columns(col(AuditEntry.actor)).where(col(AuditEntry.at) >= since).distinct()
        )
    return [str(actor) for actor in found.scalars()]


def _due_ids(session: Session, ctx: ServiceContext) -> frozenset[int]:
    """The ids of the user's open follow-ups due by today (from the assignee index alone)."""
    rows = session.execute(
        select_columns(col(FollowUp.id)).where(
            col(FollowUp.assignee_id) == ctx.staff.id,
            col(FollowUp.done_at).is_(None),
            col(FollowUp.due) <= ctx.clock.today(),
        )
    ).scalars()
    return frozenset(rows)


def _items(
    session: Session, ctx: ServiceContext, ids: list[int] | None, *, limit: int
) -> list[DueItem]:
    """The user's due follow-ups (those of `ids`; None: all), oldest first."""
    today = ctx.clock.today()
    query = (
        select_columns(
            col(FollowUp.id),
            col(FollowUp.kind),
            col(FollowUp.due),
            col(FollowUp.citizen_id),
            col(Citizen.cpr),
            col(Citizen.name),
        )
        .join(Citizen, col(Citizen.id) == FollowUp.citizen_id)
        .where(
            col(FollowUp.assignee_id) == ctx.staff.id,
            col(FollowUp.done_at).is_(None),
            col(FollowUp.due) <= today,
        )
        .order_by(col(FollowUp.due), col(FollowUp.id))
        .limit(limit)
    )
    if ids is not None:
        query = query.where(col(FollowUp.id).in_(ids))
    calendar = ctx.rulebook.calendar
    return [
        DueItem(
            id=fid,
            kind=kind,
            due=due,
            citizen_id=citizen_id,
            cpr_masked=mask_cpr(cpr),
            first_name=(name.split() or [""])[0],
            working_days_overdue=calendar.working_days_between(due, today) if due < today else 0,
        )
        for fid, kind, due, citizen_id, cpr, name in session.execute(query).all()
    ]


def _log_told(session: Session, ctx: ServiceContext, actor: str, item: DueItem) -> None:
    """A reminder named the citizen (masked CPR, first name): logged as a read."""
    audit.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity=AuditEntity.FOLLOW_UP,
        entity_id=item.id,
        citizen_id=item.citizen_id,
        detail="reminder",
        at=ctx.clock.now(),
    )

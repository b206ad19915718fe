"""Follow-ups: every referral, CV deadline, activation start and review is followed up.

Recording an outcome may create the next follow-up. Outcomes that may lead to a sanction only
raise a flag for a manual hearing (partshøring): the program never decides a sanction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.errors import NotFound, ValidationError
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.identity import mask_cpr
from jobbutik.domain.rules import RuleBook
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity, FollowUpOutcome
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.staff import staff_info
from jobbutik.store.models import (
    Activation,
    ActivationOutcome,
    ActivationSite,
    ActivationStatus,
    AuditAction,
    Citizen,
    Company,
    FollowUp,
    FollowUpKind,
    JobOpening,
    Referral,
    ReferralOutcome,
    Staff,
)

# Outcomes per kind of follow-up. Activation outcomes name what happened at the start.
STARTED = FollowUpOutcome.STARTED
DID_NOT_SHOW = FollowUpOutcome.DID_NOT_SHOW
ENDED_EARLY = FollowUpOutcome.ENDED_EARLY
CV_DONE = FollowUpOutcome.CV_DONE
CV_MISSING = FollowUpOutcome.CV_MISSING
REVIEWED = FollowUpOutcome.REVIEWED
CONTINUES = FollowUpOutcome.CONTINUES
ENDED = FollowUpOutcome.ENDED

OUTCOMES: dict[str, tuple[str, ...]] = {
    FollowUpKind.REFERRAL: ReferralOutcome.values(),
    FollowUpKind.ACTIVATION_START: (STARTED, DID_NOT_SHOW, ENDED_EARLY),
    FollowUpKind.CV_DEADLINE: (CV_DONE, CV_MISSING),
    FollowUpKind.CATEGORY_REVIEW: (REVIEWED,),
    FollowUpKind.NYTTEINDSATS_END: (CONTINUES, ENDED),
}
# Outcomes after which the consultant says what the activation ended in (job, education or
# stopped): the per-site figures of the statistics are made of these.
ENDING_OUTCOMES: dict[str, str] = {
    FollowUpKind.ACTIVATION_START: ENDED_EARLY,
    FollowUpKind.NYTTEINDSATS_END: ENDED,
}
RESULTS: tuple[str, ...] = ActivationOutcome.values()
# Outcomes that raise the flag for a manual partshøring.
SANCTION_OUTCOMES = frozenset({ReferralOutcome.NOT_APPLIED_NO_REASON.value, DID_NOT_SHOW.value})
# Working days until the next follow-up after an outcome that needs one.
NEXT_AFTER_APPLIED = 10
NEXT_AFTER_CV_MISSING = 3

# Closes a follow-up that lost its purpose because its activation ended.
ACTIVATION_ENDED = FollowUpOutcome.ACTIVATION_ENDED
# Closes a referral follow-up of a citizen hired through another referral.
HIRED_ELSEWHERE = FollowUpOutcome.HIRED_ELSEWHERE
SANCTION_TEXT = N_("possible sanction – partshøring")


def asks_result(kind: str, outcome: str) -> bool:
    """Whether recording `outcome` on a follow-up of `kind` needs what the activation ended in."""
    return ENDING_OUTCOMES.get(kind) == outcome


def sanction_text() -> str:
    """What a raised sanction flag says: a hearing to hold, never a decision."""
    return _(SANCTION_TEXT)


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    kind: str
    due: date
    overdue: bool
    citizen_id: int
    cpr_masked: str
    name: str
    subject: str  # the opening, the site, or empty
    assignee: str
    # Added for the Follow-ups screen (defaults keep older callers working).
    apply_by: date | None = None  # referral: the citizen's apply-by date
    interview_on: date | None = None  # referral: the interview, once known
    last_outcome: str | None = None  # referral: what the last follow-up recorded
    start_date: date | None = None  # activation: the start
    working_days_overdue: int = 0


@dataclass(frozen=True)
class OpenReferral:
    """A referral follow-up still open: one a hire may make pointless."""

    follow_up_id: int
    subject: str  # the job and the company
    due: date


@dataclass(frozen=True)
class OutcomeResult:
    follow_up_id: int
    next_follow_up_id: int | None
    next_due: date | None
    sanction_flag: bool
    closed_with_it: tuple[int, ...] = ()  # other open follow-ups of an activation that ended
    # After a hire: the citizen's other open referral follow-ups, to offer to close.
    other_referrals: tuple[OpenReferral, ...] = ()


def due_list(
    ctx: ServiceContext,
    *,
    assignee: str | None = None,
    day: date | None = None,
    all_open: bool = False,
    limit: int | None = None,
) -> list[FollowUpRow]:
    """Open follow-ups due on or before `day`: overdue first (oldest first), then today's.

    `all_open` lists later ones too (what a supervisor reassigns while a consultant is away);
    `limit` keeps the first so many (a screen shows what a person can work through)."""
    staff = ctx.require(Permission.FOLLOW_UP)
    day = day or ctx.clock.today()
    now = ctx.clock.now()
    calendar = ctx.rulebook.calendar

    def work(session: Session) -> list[FollowUpRow]:
        query = (
            select_columns(
                col(FollowUp.id),
                col(FollowUp.kind),
                col(FollowUp.due),
                col(FollowUp.citizen_id),
                col(Citizen.cpr),
                col(Citizen.name),
                col(Staff.initials),
                col(JobOpening.title),
                col(Company.name),
                col(ActivationSite.name),
                col(Referral.apply_by),
                col(Referral.interview_on),
                col(Referral.outcome),
                col(Activation.start_date),
            )
            .join(Citizen, col(Citizen.id) == FollowUp.citizen_id)
            .join(Staff, col(Staff.id) == FollowUp.assignee_id)
            .outerjoin(Referral, col(Referral.id) == FollowUp.referral_id)
            .outerjoin(JobOpening, col(JobOpening.id) == Referral.opening_id)
            .outerjoin(Company, col(Company.id) == JobOpening.company_id)
            .outerjoin(Activation, col(Activation.id) == FollowUp.activation_id)
            .outerjoin(ActivationSite, col(ActivationSite.id) == Activation.site_id)
            .where(col(FollowUp.done_at).is_(None))
            .order_by(col(FollowUp.due), col(FollowUp.id))
        )
        if not all_open:
            query = query.where(col(FollowUp.due) <= day)
        if assignee is not None:
            query = query.where(col(Staff.initials) == assignee.strip().lower())
        if limit is not None:
            query = query.limit(limit)
        rows = session.execute(query).all()
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.FOLLOW_UP_LIST,
            detail=assignee or "",
            at=now,
        )
        return [
            FollowUpRow(
                id=fid,
                kind=kind,
                due=due,
                overdue=due < day,
                citizen_id=cid,
                cpr_masked=mask_cpr(cpr),
                name=name,
                subject=f"{title}, {company}" if title else (site or ""),
                assignee=initials,
                apply_by=apply_by,
                interview_on=interview_on,
                last_outcome=last_outcome,
                start_date=start_date,
                working_days_overdue=(calendar.working_days_between(due, day) if due < day else 0),
            )
            for (
                fid,
                kind,
                due,
                cid,
                cpr,
                name,
                initials,
                title,
                company,
                site,
                apply_by,
                interview_on,
                last_outcome,
                start_date,
            ) in rows
        ]

    return ctx.db.write(work)


def record_outcome(
    ctx: ServiceContext,
    follow_up_id: int,
    outcome: str,
    *,
    interview_on: date | None = None,
    result: str | None = None,
    note: str = "",
) -> OutcomeResult:
    """Close a follow-up with its outcome; create the next one where the outcome calls for it.

    An outcome that ends an activation takes `result`: what it ended in (job, education,
    stopped). A hire ends the citizen's started activations in a job and calls off those still
    to start."""
    staff = ctx.require(Permission.FOLLOW_UP)
    require_plain_text({"note": note})
    today, now = ctx.clock.today(), ctx.clock.now()
    rules = ctx.rulebook

    def work(session: Session) -> OutcomeResult:
        follow_up = session.get(FollowUp, follow_up_id)
        if follow_up is None:
            raise NotFound(_("No such follow-up."))
        if follow_up.done_at is not None:
            raise ValidationError(_("This follow-up is already recorded."))
        if outcome not in OUTCOMES.get(follow_up.kind, ()):
            raise ValidationError(_("Choose one of the outcomes offered."), field="outcome")
        ending = asks_result(follow_up.kind, outcome)
        if ending and result not in RESULTS:
            raise ValidationError(
                _("Choose what the activation ended in: job, education or stopped."),
                field="result",
            )
        next_due: date | None = None
        closed: list[int] = []
        others: tuple[OpenReferral, ...] = ()
        if follow_up.kind == FollowUpKind.REFERRAL:
            next_due = _referral_outcome(session, follow_up, outcome, interview_on, today, rules)
            if outcome == ReferralOutcome.HIRED:
                closed = _end_for_hire(session, follow_up.citizen_id, staff.initials, now, today)
                others = _open_referrals(session, follow_up.citizen_id, follow_up_id)
        elif follow_up.kind == FollowUpKind.ACTIVATION_START:
            _activation_outcome(session, follow_up, outcome, today, result if ending else None)
        elif follow_up.kind == FollowUpKind.CV_DEADLINE and outcome == CV_MISSING:
            next_due = rules.calendar.add_working_days(today, NEXT_AFTER_CV_MISSING)
        elif ending:
            _end_activation(session, follow_up, ActivationStatus.ENDED, today, result)
        follow_up.done_at = now
        follow_up.done_on_time = today <= follow_up.due
        follow_up.outcome = outcome
        follow_up.sanction_flag = outcome in SANCTION_OUTCOMES
        follow_up.note = note.strip()
        session.add(follow_up)
        if (ending or outcome == DID_NOT_SHOW) and follow_up.activation_id is not None:
            closed = _close_open(session, follow_up.activation_id, follow_up.id, now, today)
        next_id = None
        if next_due is not None:
            successor = FollowUp(
                citizen_id=follow_up.citizen_id,
                kind=follow_up.kind,
                due=next_due,
                assignee_id=follow_up.assignee_id,
                referral_id=follow_up.referral_id,
                activation_id=follow_up.activation_id,
                visitation_id=follow_up.visitation_id,
                created_at=now,
            )
            session.add(successor)
            session.flush()
            next_id = successor.id
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.FOLLOW_UP,
            entity_id=follow_up_id,
            citizen_id=follow_up.citizen_id,
            detail=f"{outcome}: {result}" if ending else outcome,
            at=now,
        )
        return OutcomeResult(
            follow_up_id, next_id, next_due, follow_up.sanction_flag, tuple(closed), others
        )

    return ctx.db.write(work)


def _close_open(
    session: Session, activation_id: int, recorded_id: int | None, now: datetime, today: date
) -> list[int]:
    """Close an ended activation's other open follow-ups (e.g. the nytteindsats warning after a
    no-show): they would only remind of an activation that has ended."""
    query = select(FollowUp).where(
        FollowUp.activation_id == activation_id, col(FollowUp.done_at).is_(None)
    )
    if recorded_id is not None:
        query = query.where(col(FollowUp.id) != recorded_id)
    siblings = session.exec(query).all()
    for sibling in siblings:
        sibling.done_at = now
        sibling.done_on_time = today <= sibling.due
        sibling.outcome = ACTIVATION_ENDED
        session.add(sibling)
    return [s.id for s in siblings if s.id is not None]


def _referral_outcome(
    session: Session,
    follow_up: FollowUp,
    outcome: str,
    interview_on: date | None,
    today: date,
    rules: RuleBook,
) -> date | None:
    referral = session.get(Referral, follow_up.referral_id)
    if referral is None:
        raise NotFound(_("The referral behind this follow-up is gone."))
    next_due: date | None = None
    if outcome == ReferralOutcome.INTERVIEW:
        if interview_on is None or interview_on < today:
            raise ValidationError(
                _("Give the interview date (today or later)."), field="interview_on"
            )
        referral.interview_on = interview_on
        next_due = rules.calendar.next_working_day(interview_on)
    elif outcome == ReferralOutcome.APPLIED:
        next_due = rules.calendar.add_working_days(today, NEXT_AFTER_APPLIED)
    referral.outcome = outcome
    referral.outcome_on = today
    session.add(referral)
    return next_due


def _end_activation(
    session: Session, follow_up: FollowUp, status: str, today: date, result: str | None = None
) -> None:
    activation = session.get(Activation, follow_up.activation_id)
    if activation is None:
        raise NotFound(_("The activation behind this follow-up is gone."))
    _set_status(session, activation, status, today, result)


def _set_status(
    session: Session, activation: Activation, status: str, today: date, result: str | None
) -> None:
    """The activation's new status, its end (today) when it ends, and what it ended in."""
    activation.status = status
    if status in (ActivationStatus.ENDED, ActivationStatus.ENDED_EARLY, ActivationStatus.NO_SHOW):
        activation.end_date = today
    activation.outcome = result
    session.add(activation)


def _activation_outcome(
    session: Session, follow_up: FollowUp, outcome: str, today: date, result: str | None
) -> None:
    status = {
        STARTED: ActivationStatus.STARTED,
        DID_NOT_SHOW: ActivationStatus.NO_SHOW,
        ENDED_EARLY: ActivationStatus.ENDED_EARLY,
    }[FollowUpOutcome(outcome)]
    _end_activation(session, follow_up, status, today, result)


def _end_for_hire(
    session: Session, citizen_id: int, actor: str, now: datetime, today: date
) -> list[int]:
    """A hired citizen leaves activation. One that has started ends in a job (what the
    statistics count per site); one still to start is called off, with no outcome to credit a
    site with, and its seat is free. Their open follow-ups close with them. One whose start has
    passed without anyone recording whether the citizen came is left: that question stays open.
    """
    leaving = session.exec(
        select(Activation).where(
            Activation.citizen_id == citizen_id,
            or_(
                col(Activation.status) == ActivationStatus.STARTED,
                and_(
                    col(Activation.status) == ActivationStatus.PLANNED,
                    col(Activation.start_date) > today,
                ),
            ),
        )
    ).all()
    closed: list[int] = []
    for activation in leaving:
        if activation.status == ActivationStatus.STARTED:
            status, result = ActivationStatus.ENDED, ActivationOutcome.EMPLOYED.value
        else:
            status, result = ActivationStatus.ENDED_EARLY, None
        _set_status(session, activation, status, today, result)
        assert activation.id is not None
        audit.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity=AuditEntity.ACTIVATION,
            entity_id=activation.id,
            citizen_id=citizen_id,
            detail=f"{activation.status}: hired",
            at=now,
        )
        closed += _close_open(session, activation.id, None, now, today)
    return closed


def _open_referrals(session: Session, citizen_id: int, except_id: int) -> tuple[OpenReferral, ...]:
    rows = session.execute(
        select_columns(
            col(FollowUp.id), col(JobOpening.title), col(Company.name), col(FollowUp.due)
        )
        .join(Referral, col(Referral.id) == FollowUp.referral_id)
        .join(JobOpening, col(JobOpening.id) == Referral.opening_id)
        .join(Company, col(Company.id) == JobOpening.company_id)
        .where(
            col(FollowUp.citizen_id) == citizen_id,
            col(FollowUp.kind) == FollowUpKind.REFERRAL,
            col(FollowUp.done_at).is_(None),
            col(FollowUp.id) != except_id,
        )
        .order_by(col(FollowUp.due), col(FollowUp.id))
    ).all()
    return tuple(OpenReferral(fid, f"{title}, {company}", due) for fid, title, company, due in rows)


def close_after_hire(ctx: ServiceContext, citizen_id: int, follow_up_ids: list[int]) -> int:
    """Close a hired citizen's other referral follow-ups, each marked "closed: hired elsewhere"
    and audited, in one transaction. Those recorded meanwhile (another desk) are left as they
    are. Returns how many were closed."""
    staff = ctx.require(Permission.FOLLOW_UP)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> int:
        hired = session.exec(
            select(Referral.id).where(
                Referral.citizen_id == citizen_id, Referral.outcome == ReferralOutcome.HIRED
            )
        ).first()
        if hired is None:
            raise ValidationError(_("The citizen has no referral recorded as hired."))
        rows = session.exec(
            select(FollowUp).where(
                col(FollowUp.id).in_(follow_up_ids),
                FollowUp.citizen_id == citizen_id,
                FollowUp.kind == FollowUpKind.REFERRAL,
                col(FollowUp.done_at).is_(None),
            )
        ).all()
        for row in rows:
            row.done_at = now
            row.done_on_time = today <= row.due
            row.outcome = HIRED_ELSEWHERE
            session.add(row)
            audit.record(
                session,
                actor=staff.initials,
                action=AuditAction.UPDATE,
                entity=AuditEntity.FOLLOW_UP,
                entity_id=row.id,
                citizen_id=citizen_id,
                detail=HIRED_ELSEWHERE,
                at=now,
            )
        return len(rows)

    return ctx.db.write(work)


def reassign(ctx: ServiceContext, follow_up_ids: list[int], to_initials: str) -> int:
    """Move open follow-ups to another consultant (e.g. while one is away). Returns how many."""
    staff = ctx.require(Permission.REASSIGN)
    now = ctx.clock.now()
    target_key = to_initials.strip().lower()
    if not follow_up_ids:
        raise ValidationError(_("Select the follow-ups to reassign."), field="follow_ups")
    if not target_key:
        raise ValidationError(_("Choose the consultant to take them over."), field="assignee")

    def work(session: Session) -> int:
        target = session.exec(select(Staff).where(Staff.initials == target_key)).first()
        if target is None or not target.active:
            raise ValidationError(
                _("{initials} is not an active member of staff.").format(initials=target_key),
                field="assignee",
            )
        if not staff_info(target).can(Permission.FOLLOW_UP):
            raise ValidationError(
                _("{initials} does not do follow-ups (not a consultant).").format(
                    initials=target.initials
                ),
                field="assignee",
            )
        rows = session.exec(
            select(FollowUp).where(
                col(FollowUp.id).in_(follow_up_ids), col(FollowUp.done_at).is_(None)
            )
        ).all()
        for row in rows:
            row.assignee_id = target.id  # type: ignore[assignment]
            session.add(row)
            audit.record(
                session,
                actor=staff.initials,
                action=AuditAction.UPDATE,
                entity=AuditEntity.FOLLOW_UP,
                entity_id=row.id,
                citizen_id=row.citizen_id,
                detail=f"reassigned to {target.initials}",
                at=now,
            )
        return len(rows)

    return ctx.db.write(work)


@dataclass(frozen=True)
class Assignee:
    initials: str
    name: str
    open_follow_ups: int


def assignees(ctx: ServiceContext) -> list[Assignee]:
    """Active staff who do follow-ups, with how many open ones each holds (to share the load)."""
    ctx.require(Permission.FOLLOW_UP)

    def work(session: Session) -> list[Assignee]:
        counts: dict[int, int] = {
            assignee_id: int(n)
            for assignee_id, n in session.execute(
                select_columns(col(FollowUp.assignee_id), func.count())
                .where(col(FollowUp.done_at).is_(None))
                .group_by(col(FollowUp.assignee_id))
            ).all()
        }
        people = session.exec(
            select(Staff).where(col(Staff.active).is_(True)).order_by(col(Staff.initials))
        ).all()
        return [
            Assignee(p.initials, p.name, counts.get(p.id or 0, 0))
            for p in people
            if staff_info(p).can(Permission.FOLLOW_UP)
        ]

    return ctx.db.read(work)

"""Follow-ups: every referral, CV deadline, activation start and review is followed up.

Recording an outcome may create the next follow-up. Outcomes that may lead to a sanction only
raise a flag for a manual hearing (partshøring), and only where the citizen's category carried
the duty (services.hearings): the program never decides a sanction. A job outcome (a hire, an
activation ending in a job) gets a durability follow-up months later: still in work?
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.errors import NotFound, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import mask_cpr
from jobbutik.domain.rules import RuleBook
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity, FollowUpOutcome, HearingEvent
from jobbutik.services import audit, hearings
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.staff import staff_info
from jobbutik.store import changes
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
    Hearing,
    JobOpening,
    Referral,
    ReferralOutcome,
    Staff,
    Visitation,
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
STILL_IN_WORK = FollowUpOutcome.STILL_IN_WORK
NO_LONGER_IN_WORK = FollowUpOutcome.NO_LONGER_IN_WORK

OUTCOMES: dict[str, tuple[str, ...]] = {
    FollowUpKind.REFERRAL: ReferralOutcome.values(),
    FollowUpKind.ACTIVATION_START: (STARTED, DID_NOT_SHOW, ENDED_EARLY),
    FollowUpKind.CV_DEADLINE: (CV_DONE, CV_MISSING),
    FollowUpKind.CATEGORY_REVIEW: (REVIEWED,),
    FollowUpKind.NYTTEINDSATS_END: (CONTINUES, ENDED),
    FollowUpKind.DURABILITY: (STILL_IN_WORK, NO_LONGER_IN_WORK),
}
# Outcomes after which the consultant says what the activation ended in (job, education or
# stopped): the per-site figures of the statistics are made of these.
ENDING_OUTCOMES: dict[str, str] = {
    FollowUpKind.ACTIVATION_START: ENDED_EARLY,
    FollowUpKind.NYTTEINDSATS_END: ENDED,
}
RESULTS: tuple[str, ...] = ActivationOutcome.values()
# The outcomes that may raise a possible-sanction flag, each with the event it records; whether
# it does depends on the category at the time and the guidance given (services.hearings).
HEARING_EVENTS: dict[tuple[str, str], HearingEvent] = {
    (FollowUpKind.REFERRAL, ReferralOutcome.NOT_APPLIED_NO_REASON): HearingEvent.NOT_APPLIED,
    (FollowUpKind.REFERRAL, ReferralOutcome.REFUSED_OFFER): HearingEvent.REFUSED_OFFER,
    (FollowUpKind.ACTIVATION_START, DID_NOT_SHOW): HearingEvent.ABSENT_ACTIVATION,
    (FollowUpKind.CV_DEADLINE, CV_MISSING): HearingEvent.CV_MISSING,
}
SANCTION_OUTCOMES = frozenset(outcome for _kind, outcome in HEARING_EVENTS)
# Working days until the next follow-up after an outcome that needs one.
NEXT_AFTER_APPLIED = 10
NEXT_AFTER_CV_MISSING = 3

# Closes a follow-up that lost its purpose because its activation ended.
ACTIVATION_ENDED = FollowUpOutcome.ACTIVATION_ENDED
# Closes a referral follow-up of a citizen hired through another referral.
HIRED_ELSEWHERE = FollowUpOutcome.HIRED_ELSEWHERE


def asks_result(kind: str, outcome: str) -> bool:
    """Whether recording `outcome` on a follow-up of `kind` needs what the activation ended in."""
    return ENDING_OUTCOMES.get(kind) == outcome


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
    hearing_id: int | None = None  # the possible-sanction flag raised
    # An outcome that may raise a flag but did not: why (neutral words, translated).
    no_flag_reason: str | None = None
    durability_due: date | None = None  # a job outcome: when to ask "still in work?"
    hearing_due: date | None = None  # the day the raised flag must be decided by


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
        follow_up.note = note.strip()
        hearing_id, no_flag = _raise_hearing(
            session, rules, follow_up, outcome, today, now, staff.initials
        )
        follow_up.sanction_flag = hearing_id is not None
        raised = session.get(Hearing, hearing_id) if hearing_id is not None else None
        session.add(follow_up)
        changes.bump(session, changes.FOLLOW_UPS)
        if (ending or outcome == DID_NOT_SHOW) and follow_up.activation_id is not None:
            closed = _close_open(session, follow_up.activation_id, follow_up.id, now, today)
        durability_due: date | None = None
        if outcome == ReferralOutcome.HIRED or (ending and result == ActivationOutcome.EMPLOYED):
            # After the activation's own follow-ups are closed: this one outlives it.
            durability_due = rules.durability_check(today)
            session.add(_successor(follow_up, FollowUpKind.DURABILITY, durability_due, now))
        next_id = None
        if next_due is not None:
            successor = _successor(follow_up, follow_up.kind, next_due, now)
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
            follow_up_id,
            next_id,
            next_due,
            follow_up.sanction_flag,
            tuple(closed),
            others,
            hearing_id=hearing_id,
            no_flag_reason=no_flag,
            durability_due=durability_due,
            hearing_due=raised.due if raised is not None else None,
        )

    return ctx.db.write(work)


def _event_day(session: Session, follow_up: FollowUp, event: str, today: date) -> date:
    """The day the duty was not met (the hearing's deadline counts from it): the apply-by day,
    the activation's start, the CV deadline; a refused offer on the day it is recorded. Never
    after today (an outcome may be recorded before the day passes)."""
    day: date | None = None
    if event == HearingEvent.NOT_APPLIED and follow_up.referral_id is not None:
        referral = session.get(Referral, follow_up.referral_id)
        day = referral.apply_by if referral is not None else None
    elif event == HearingEvent.ABSENT_ACTIVATION and follow_up.activation_id is not None:
        activation = session.get(Activation, follow_up.activation_id)
        day = activation.start_date if activation is not None else None
    elif event == HearingEvent.CV_MISSING:
        visitation = (
            session.get(Visitation, follow_up.visitation_id)
            if follow_up.visitation_id is not None
            else None
        )
        day = (visitation.cv_deadline if visitation is not None else None) or follow_up.due
    return min(day or today, today)


def _raise_hearing(
    session: Session,
    rules: RuleBook,
    follow_up: FollowUp,
    outcome: str,
    today: date,
    now: datetime,
    actor: str,
) -> tuple[int | None, str | None]:
    """The possible-sanction flag an outcome raises (its hearing id), or why it raises none;
    (None, None) for an outcome that never raises one."""
    event = HEARING_EVENTS.get((follow_up.kind, outcome))
    if event is None:
        return None, None
    if event == HearingEvent.CV_MISSING and follow_up.visitation_id is not None:
        # The CV is followed up again every few days: one deadline, one flag.
        earlier = session.exec(
            select(Hearing.id)
            .join(FollowUp, col(FollowUp.id) == Hearing.follow_up_id)
            .where(
                FollowUp.visitation_id == follow_up.visitation_id,
                FollowUp.kind == FollowUpKind.CV_DEADLINE,
                Hearing.event == HearingEvent.CV_MISSING,
            )
        ).first()
        if earlier is not None:
            return None, _(
                "A possible-sanction flag for this CV deadline was raised already: no new flag."
            )
    raised = hearings.raise_hearing(
        session,
        rules,
        citizen_id=follow_up.citizen_id,
        event=event,
        event_on=_event_day(session, follow_up, event, today),
        assignee_id=follow_up.assignee_id,
        now=now,
        follow_up_id=follow_up.id,
        actor=actor,
    )
    return (raised, None) if isinstance(raised, int) else (None, raised)


def _successor(follow_up: FollowUp, kind: str, due: date, now: datetime) -> FollowUp:
    """The next follow-up of the same citizen and case, for the same consultant."""
    return FollowUp(
        citizen_id=follow_up.citizen_id,
        kind=kind,
        due=due,
        assignee_id=follow_up.assignee_id,
        referral_id=follow_up.referral_id,
        activation_id=follow_up.activation_id,
        visitation_id=follow_up.visitation_id,
        created_at=now,
    )


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
        changes.bump(session, changes.FOLLOW_UPS)
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
        assert target.id is not None
        rows = session.exec(
            select(FollowUp).where(
                col(FollowUp.id).in_(follow_up_ids), col(FollowUp.done_at).is_(None)
            )
        ).all()
        # The citizen's open flags follow the case: the partshøring is due whoever is away.
        cases = {(row.citizen_id, row.assignee_id) for row in rows if row.assignee_id != target.id}
        for row in rows:
            row.assignee_id = target.id
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
        if staff_info(target).can(Permission.HEARINGS):
            _reassign_hearings(session, cases, target, staff.initials, now)
        changes.bump(session, changes.FOLLOW_UPS)
        return len(rows)

    return ctx.db.write(work)


def _reassign_hearings(
    session: Session, cases: set[tuple[int, int]], target: Staff, actor: str, now: datetime
) -> None:
    """Move the open hearings of each (citizen, old consultant) to `target`, audited."""
    assert target.id is not None
    target_id = target.id
    for citizen_id, old_assignee in sorted(cases):
        moved = session.exec(
            select(Hearing).where(
                Hearing.citizen_id == citizen_id,
                Hearing.assignee_id == old_assignee,
                col(Hearing.status).in_(hearings.OPEN_STATUSES),
            )
        ).all()
        for hearing in moved:
            hearing.assignee_id = target_id
            hearing.updated_at = now
            session.add(hearing)
            audit.record(
                session,
                actor=actor,
                action=AuditAction.UPDATE,
                entity=AuditEntity.HEARING,
                entity_id=hearing.id,
                citizen_id=citizen_id,
                detail=f"reassigned to {target.initials}",
                at=now,
            )


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

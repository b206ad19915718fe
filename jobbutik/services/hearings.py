"""Possible sanctions: a flag for a manual partshøring, with a life cycle, never a decision.

A flag is raised only where the law allows one to count: the citizen's category at the time of
the event carried the duty that was not met (bek. 1717/2023 § 4: an uddannelsesparat citizen is
available for education, not for jobs), and written guidance on rights and duties had been given
(aktivloven § 35 stk. 1). It then awaits a partshøring, is marked sent, and a person records the
decision (sanktion / ingen sanktion) by the end of the third whole calendar month after the event
(§ 35 stk. 3). Reception never sees a flag (Permission.HEARINGS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import NotFound, ValidationError
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.identity import mask_cpr
from jobbutik.domain.rules import RuleBook
from jobbutik.domain.rules.ruleset import DUTY_OF_EVENT
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import (
    AuditEntity,
    Category,
    HearingDecision,
    HearingEvent,
    HearingStatus,
)
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.staff import staff_info
from jobbutik.store.models import (
    AuditAction,
    Citizen,
    FollowUp,
    Hearing,
    Referral,
    Request,
    Staff,
    Visitation,
)

OPEN_STATUSES: tuple[str, ...] = (HearingStatus.AWAITING.value, HearingStatus.SENT.value)

# Each duty as the end of "… carries no duty to …".
_DUTY_TEXT: dict[str, str] = {
    "apply_for_jobs": N_("apply for jobs"),
    "accept_job_offer": N_("accept a job offer"),
    "attend_conversation": N_("attend job conversations"),
    "attend_activation": N_("attend activation"),
    "cv_on_jobnet": N_("have a CV on Jobnet"),
}


@dataclass(frozen=True)
class HearingRow:
    id: int
    citizen_id: int
    cpr_masked: str
    name: str
    event: str  # HearingEvent
    event_on: date
    category: str
    stated_reason: str
    due: date
    status: str  # HearingStatus
    sent_on: date | None
    decision: str | None  # HearingDecision
    decided_on: date | None
    assignee: str  # initials
    overdue: bool  # still open after its due day
    working_days_left: int  # until the due day; negative when overdue


def _category_at(
    session: Session, citizen_id: int, event_on: date, follow_up_id: int | None
) -> Visitation | None:
    """The visitation that says the citizen's category at the event: for a referral the one it
    came from, else the latest held on or before the event."""
    if follow_up_id is not None:
        follow_up = session.get(FollowUp, follow_up_id)
        referral = (
            session.get(Referral, follow_up.referral_id)
            if follow_up is not None and follow_up.referral_id is not None
            else None
        )
        if referral is not None and referral.visitation_id is not None:
            found = session.get(Visitation, referral.visitation_id)
            if found is not None:
                return found
    return session.exec(
        select(Visitation)
        .where(Visitation.citizen_id == citizen_id, col(Visitation.held_on) <= event_on)
        .order_by(col(Visitation.held_on).desc(), col(Visitation.id).desc())
        .limit(1)
    ).first()


def _case_open(session: Session, citizen_id: int) -> bool:
    """An ongoing course: a follow-up from a visitation (its own, or of a referral or an
    activation it made) is still open."""
    found = session.exec(
        select(FollowUp.id)
        .where(
            FollowUp.citizen_id == citizen_id,
            col(FollowUp.done_at).is_(None),
            or_(
                col(FollowUp.visitation_id).is_not(None),
                col(FollowUp.referral_id).is_not(None),
                col(FollowUp.activation_id).is_not(None),
            ),
        )
        .limit(1)
    ).first()
    return found is not None


def _guidance_given(session: Session, citizen_id: int, event_on: date) -> bool:
    """Written guidance on rights and duties on record on or before the event."""
    at_registration = session.exec(
        select(Request.id).where(
            Request.citizen_id == citizen_id,
            col(Request.rights_guidance_given).is_(True),
            col(Request.arrived_on) <= event_on,
        )
    ).first()
    if at_registration is not None:
        return True
    in_conversation = session.exec(
        select(Visitation.id).where(
            Visitation.citizen_id == citizen_id,
            col(Visitation.rights_guidance_given).is_(True),
            col(Visitation.held_on) <= event_on,
        )
    ).first()
    return in_conversation is not None


def no_duty_text(category: str, event: str) -> str:
    """Why no flag: the category does not carry the duty the event breaks."""
    duty = DUTY_OF_EVENT.get(event, "")
    return _("{category} carries no duty to {duty}: no possible-sanction flag.").format(
        category=Category.label_of(category), duty=_(_DUTY_TEXT.get(duty, duty))
    )


def raise_hearing(
    session: Session,
    rules: RuleBook,
    *,
    citizen_id: int,
    event: str,
    event_on: date,
    assignee_id: int,
    now: datetime,
    follow_up_id: int | None = None,
    request_id: int | None = None,
    stated_reason: str = "",
    actor: str | None = None,
) -> int | str:
    """Raise a possible-sanction flag awaiting partshøring, inside the caller's transaction.

    Returns the hearing's id, or a translated sentence saying why no flag is raised. The
    hearing goes to `assignee_id` if they may see hearings, else to the consultant of the
    visitation that gave the category (a no-show marked at reception is still followed up).
    `actor` (initials) is who recorded the event; by default the assignee."""
    HearingEvent(event)  # an unknown event is a programming error
    require_plain_text({"stated_reason": stated_reason})
    visitation = _category_at(session, citizen_id, event_on, follow_up_id)
    if visitation is None:
        return _(
            "No category on record for the citizen on {day}: no possible-sanction flag."
        ).format(day=format_day(event_on))
    if request_id is not None and not _case_open(session, citizen_id):
        # A no-show at the job conversation: a category from a case since closed says nothing
        # about the duties the citizen has now.
        return _(
            "The citizen has no ongoing case on record on {day}: no possible-sanction flag."
        ).format(day=format_day(event_on))
    ruleset = rules.in_force(event_on)
    if not ruleset.carries(visitation.category, event):
        return no_duty_text(visitation.category, event)
    if ruleset.guidance_required and not _guidance_given(session, citizen_id, event_on):
        return _(
            "No written guidance on rights and duties is on record by {day}; a sanction needs "
            "it: no possible-sanction flag."
        ).format(day=format_day(event_on))
    assignee = session.get(Staff, assignee_id)
    if assignee is None or not staff_info(assignee).can(Permission.HEARINGS):
        assignee = session.get(Staff, visitation.consultant_id)
    assert assignee is not None and assignee.id is not None
    hearing = Hearing(
        citizen_id=citizen_id,
        event=event,
        event_on=event_on,
        category=visitation.category,
        stated_reason=stated_reason.strip(),
        follow_up_id=follow_up_id,
        request_id=request_id,
        assignee_id=assignee.id,
        due=rules.hearing_due(event_on),
        status=HearingStatus.AWAITING,
        created_at=now,
        updated_at=now,
    )
    session.add(hearing)
    session.flush()
    assert hearing.id is not None
    audit.record(
        session,
        actor=actor or assignee.initials,
        action=AuditAction.CREATE,
        entity=AuditEntity.HEARING,
        entity_id=hearing.id,
        citizen_id=citizen_id,
        detail=event,  # never the citizen's words: the audit log holds no free text
        at=now,
    )
    return hearing.id


def withdraw_for_request(session: Session, request_id: int, *, actor: str, now: datetime) -> int:
    """Delete the flags still awaiting partshøring that a request's no-show raised (the no-show
    was undone), inside the caller's transaction. Returns how many."""
    rows = session.exec(
        select(Hearing).where(
            Hearing.request_id == request_id, Hearing.status == HearingStatus.AWAITING
        )
    ).all()
    for row in rows:
        audit.record(
            session,
            actor=actor,
            action=AuditAction.DELETE,
            entity=AuditEntity.HEARING,
            entity_id=row.id,
            citizen_id=row.citizen_id,
            detail=row.event,
            at=now,
        )
        session.delete(row)
    return len(rows)


def _rows_query() -> Select[Hearing, str, str, str]:
    return (
        select_columns(Hearing, col(Citizen.cpr), col(Citizen.name), col(Staff.initials))
        .join(Citizen, col(Citizen.id) == Hearing.citizen_id)
        .join(Staff, col(Staff.id) == Hearing.assignee_id)
    )


def _row(ctx: ServiceContext, hearing: Hearing, cpr: str, name: str, initials: str) -> HearingRow:
    assert hearing.id is not None
    today = ctx.clock.today()
    is_open = hearing.status in OPEN_STATUSES
    return HearingRow(
        id=hearing.id,
        citizen_id=hearing.citizen_id,
        cpr_masked=mask_cpr(cpr),
        name=name,
        event=hearing.event,
        event_on=hearing.event_on,
        category=hearing.category,
        stated_reason=hearing.stated_reason,
        due=hearing.due,
        status=hearing.status,
        sent_on=hearing.sent_on,
        decision=hearing.decision,
        decided_on=hearing.decided_on,
        assignee=initials,
        overdue=is_open and hearing.due < today,
        working_days_left=ctx.rulebook.calendar.working_days_between(today, hearing.due),
    )


def hearings(
    ctx: ServiceContext, *, assignee: str | None = None, open_only: bool = True
) -> list[HearingRow]:
    """Hearings, the soonest due first: all of them, or those of `assignee` (initials); by
    default only those still open (awaiting partshøring or sent)."""
    staff = ctx.require(Permission.HEARINGS)
    now = ctx.clock.now()

    def work(session: Session) -> list[HearingRow]:
        query = _rows_query().order_by(col(Hearing.due), col(Hearing.id))
        if open_only:
            query = query.where(col(Hearing.status).in_(OPEN_STATUSES))
        if assignee is not None:
            query = query.where(col(Staff.initials) == assignee.strip().lower())
        rows = session.execute(query).all()
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.HEARING_LIST,
            detail=assignee or "",
            at=now,
        )
        return [_row(ctx, *row) for row in rows]

    return ctx.db.write(work)


def _one(session: Session, hearing_id: int) -> Hearing:
    hearing = session.get(Hearing, hearing_id, with_for_update=True)
    if hearing is None:
        raise NotFound(_("No such partshøring."))
    return hearing


def _finish(ctx: ServiceContext, session: Session, hearing: Hearing, detail: str) -> HearingRow:
    session.add(hearing)
    session.flush()
    audit.record(
        session,
        actor=ctx.staff.initials,
        action=AuditAction.UPDATE,
        entity=AuditEntity.HEARING,
        entity_id=hearing.id,
        citizen_id=hearing.citizen_id,
        detail=detail,
        at=ctx.clock.now(),
    )
    row = session.execute(_rows_query().where(col(Hearing.id) == hearing.id)).one()
    return _row(ctx, *row)


def _already_decided() -> ValidationError:
    return ValidationError(_("This partshøring is already decided."), field="status")


def mark_sent(ctx: ServiceContext, hearing_id: int) -> HearingRow:
    """The partshøring has been sent to the citizen (today)."""
    ctx.require(Permission.HEARINGS)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> HearingRow:
        hearing = _one(session, hearing_id)
        if hearing.status == HearingStatus.DECIDED:
            raise _already_decided()
        if hearing.status == HearingStatus.SENT:
            raise ValidationError(
                _("The partshøring was already sent on {day}.").format(
                    day=format_day(hearing.sent_on)
                ),
                field="status",
            )
        hearing.status = HearingStatus.SENT
        hearing.sent_on = today
        hearing.updated_at = now
        return _finish(ctx, session, hearing, HearingStatus.SENT)

    return ctx.db.write(work)


def decide(ctx: ServiceContext, hearing_id: int, decision: str, note: str = "") -> HearingRow:
    """Record the decision a person made: sanktion after the partshøring was sent, or ingen
    sanktion (also on a flag still awaiting it, e.g. one raised in error)."""
    ctx.require(Permission.HEARINGS)
    require_plain_text({"note": note})
    if decision not in HearingDecision.values():
        raise ValidationError(_("Choose sanktion or ingen sanktion."), field="decision")
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> HearingRow:
        hearing = _one(session, hearing_id)
        if hearing.status == HearingStatus.DECIDED:
            raise _already_decided()
        # A flag raised in error may be closed without a partshøring; a sanction only follows
        # the citizen's chance to answer.
        if hearing.status != HearingStatus.SENT and decision == HearingDecision.SANCTION:
            raise ValidationError(
                _(
                    "Send the partshøring first: a sanction can only follow the citizen's "
                    "chance to answer."
                ),
                field="decision",
            )
        hearing.status = HearingStatus.DECIDED
        hearing.decision = decision
        hearing.decided_on = today
        hearing.note = note.strip()
        hearing.updated_at = now
        return _finish(ctx, session, hearing, decision)

    return ctx.db.write(work)

"""Reception: register an arrival (find or create the citizen), today's queue, queue status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select as select_columns
from sqlmodel import Session, and_, col, func, or_, select

from jobbutik.domain.clock import LOCAL_TZ, local
from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import FormErrors, NotFound, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import mask_cpr, parse_cpr
from jobbutik.domain.rules import RuleBook
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import (
    AuditEntity,
    AuditPurpose,
    Benefit,
    HearingEvent,
    HearingStatus,
)
from jobbutik.services import audit, hearings
from jobbutik.services.citizens import (
    CitizenCard,
    CitizenHit,
    age_on,
    hit,
    lookup_cpr,
    new_citizen_row,
    parse_cpr_field,
)
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.store import changes
from jobbutik.store.models import (
    AuditAction,
    Citizen,
    Hearing,
    Request,
    RequestStatus,
    Role,
    Staff,
)
from jobbutik.store.settings import setting_int, setting_time

# Local practice, overridable in the Setting table: how many visitation conversations a consultant
# holds a day, and the last time of day a same-day slot is still offered.
DAILY_VISITS_PER_CONSULTANT = 6
LAST_SAME_DAY_SLOT = time(14, 30)
# How far back a first henvendelse may be dated: a month. An earlier date is most likely a typo,
# or an application of its own that should have been registered then.
FIRST_CONTACT_MAX_DAYS_BACK = 31

# A request is open while waiting or in conversation; a citizen has at most one.
_OPEN = (RequestStatus.WAITING, RequestStatus.IN_CONVERSATION)


@dataclass(frozen=True)
class NewCitizen:
    name: str
    phone: str = ""
    email: str = ""
    postcode: str = ""
    interpreter_language: str = ""
    needs_digital_help: bool = False


@dataclass(frozen=True)
class ArrivalForm:
    cpr: str
    benefit: str
    told_apply_digitally: bool = False
    new_citizen: NewCitizen | None = None  # required when the CPR is not known
    slot_date: date | None = None  # None: the suggested slot
    confirm_duplicate: bool = False  # the desk has seen the likely duplicates and goes on
    # The first henvendelse (None: today): the first job conversation is due within a week of it.
    first_contact_on: date | None = None
    # Written guidance on rights and duties handed over at the desk (aktivloven § 35 stk. 1).
    rights_guidance_given: bool = False


@dataclass(frozen=True)
class ArrivalResult:
    request_id: int
    citizen_id: int
    citizen_name: str
    created_citizen: bool
    slot_date: date
    # True: the citizen already had an open request (waiting or in conversation, any day) and no
    # second one was made: `request_id` is that request, `arrived_on` and `status` say which.
    existing: bool = False
    arrived_on: date | None = None
    status: str = RequestStatus.WAITING

    def notice(self) -> str:
        """What the desk is told after registering."""
        if self.existing:
            return _(
                "{name} already has an open request from {arrived} (visitation {day}, {status})."
            ).format(
                name=self.citizen_name,
                arrived=format_day(self.arrived_on),
                day=format_day(self.slot_date),
                status=RequestStatus.label_of(self.status).lower(),
            )
        return _("{name} is registered; visitation {day}.").format(
            name=self.citizen_name, day=format_day(self.slot_date)
        )


class DuplicateSuspected(ValidationError):
    """Same name and birth date as a citizen with another CPR: show them, then confirm."""

    def __init__(self, candidates: list[CitizenHit]) -> None:
        super().__init__(
            _("A citizen with the same name and birth date exists under another CPR number."),
            field="cpr",
        )
        self.candidates = candidates


def lookup(ctx: ServiceContext, cpr_text: str) -> CitizenCard | None:
    """The known citizen for a typed CPR (None: new). Raises ValidationError on a bad CPR."""
    return lookup_cpr(ctx, cpr_text, purpose=AuditPurpose.REGISTRATION)


def validate_new_citizen(new: NewCitizen) -> dict[str, str]:
    checks = (
        ("name", check_name(new.name)),
        ("phone", check_phone(new.phone)),
        ("email", check_email(new.email)),
        ("postcode", check_postcode(new.postcode)),
    )
    return {field_name: problem for field_name, problem in checks if problem}


def _validate_benefit(rules: RuleBook, today: date, benefit: str) -> None:
    """Only a benefit in force today can be applied for (uddannelseshjælp ended 1 July 2025)."""
    if benefit in rules.benefits_on(today):
        return
    ended = _ended_on(rules, today, benefit)
    if ended is None:
        raise ValidationError(_("Choose the benefit sought."), field="benefit")
    raise ValidationError(
        _("{benefit} ended for new applications on {day}.").format(
            benefit=Benefit.label_of(benefit), day=format_day(ended)
        ),
        field="benefit",
    )


def _ended_on(rules: RuleBook, today: date, benefit: str) -> date | None:
    """The day the last rule set in force by `today` that dropped `benefit` took effect (None:
    never offered)."""
    ended: date | None = None
    offered = False
    for ruleset in rules.rulesets:
        if ruleset.valid_from > today:
            break
        if benefit in ruleset.benefits:
            offered, ended = True, None
        elif offered and ended is None:
            ended = ruleset.valid_from
    return ended


def _first_contact(today: date, first_contact_on: date | None) -> date:
    """The first henvendelse: today unless an earlier day within the bound is given."""
    if first_contact_on is None:
        return today
    earliest = today - timedelta(days=FIRST_CONTACT_MAX_DAYS_BACK)
    if not earliest <= first_contact_on <= today:
        raise ValidationError(
            _("The first henvendelse must be between {earliest} and today.").format(
                earliest=format_day(earliest)
            ),
            field="first_contact_on",
        )
    return first_contact_on


def _latest_slot(rules: RuleBook, today: date, first_contact: date) -> date:
    """The last day the visitation may be booked: the legal date of the first job conversation
    (rolled back over closed days). Where that has passed already (the first henvendelse was
    long ago), only the first open day from today: as soon as possible, never later."""
    first_open = (
        today if rules.calendar.is_working_day(today) else rules.calendar.next_working_day(today)
    )
    return max(rules.latest_first_conversation(first_contact), first_open)


def _consultant_free(session: Session, day: date, now: datetime) -> bool:
    """Room for one more visitation today: before the last same-day slot, within capacity."""
    last = setting_time(session, "last_same_day_slot", LAST_SAME_DAY_SLOT)
    if now.date() == day and now.time() >= last:
        return False
    per_consultant = setting_int(
        session, "daily_visits_per_consultant", DAILY_VISITS_PER_CONSULTANT
    )
    consultants = session.exec(
        select(func.count())
        .select_from(Staff)
        .where(col(Staff.active).is_(True), col(Staff.roles).contains(Role.CONSULTANT.value))
    ).one()
    booked = session.exec(
        select(func.count())
        .select_from(Request)
        .where(
            Request.slot_date == day,
            col(Request.status).notin_([RequestStatus.WITHDRAWN, RequestStatus.NO_SHOW]),
        )
    ).one()
    return booked < consultants * per_consultant


def _slot(rules: RuleBook, today: date, free: bool, latest: date) -> date:
    """Same day if a consultant is free, else the next working day (DESIGN §2); never after the
    legal date: the law beats a full day."""
    return min(rules.visitation_slot(today, free), latest)


def suggest_slot(ctx: ServiceContext, first_contact_on: date | None = None) -> date:
    """The slot an arrival gets now, for a first henvendelse on `first_contact_on` (None, or a
    day the form would refuse: today)."""
    today, now = ctx.clock.today(), ctx.clock.now()
    try:
        first_contact = _first_contact(today, first_contact_on)
    except ValidationError:
        first_contact = today
    free = ctx.db.read(lambda s: _consultant_free(s, today, now))
    return _slot(ctx.rulebook, today, free, _latest_slot(ctx.rulebook, today, first_contact))


def register_arrival(ctx: ServiceContext, form: ArrivalForm) -> ArrivalResult:
    staff = ctx.require(Permission.REGISTER)
    require_plain_text(form)
    digits = parse_cpr_field(ctx, form.cpr)
    today, now = ctx.clock.today(), ctx.clock.now()
    rules = ctx.rulebook
    _validate_benefit(rules, today, form.benefit)
    birth_date = parse_cpr(digits, today).birth_date
    if form.new_citizen is not None and (errors := validate_new_citizen(form.new_citizen)):
        raise FormErrors(errors)
    first_contact = _first_contact(today, form.first_contact_on)
    latest = _latest_slot(rules, today, first_contact)
    if form.slot_date is not None:
        if form.slot_date < today or form.slot_date > latest:
            raise ValidationError(
                _("The visitation must be between today and {latest}.").format(
                    latest=format_day(latest)
                ),
                field="slot_date",
            )
        if not rules.calendar.is_working_day(form.slot_date):
            raise ValidationError(
                _("The Jobbutik is closed on {day}.").format(day=format_day(form.slot_date)),
                field="slot_date",
            )

    def work(session: Session) -> ArrivalResult:
        # Locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) so two desks
        # registering the same citizen at once cannot both find no open request.
        citizen = session.exec(
            select(Citizen).where(Citizen.cpr == digits).with_for_update()
        ).first()
        if citizen is not None and (open_request := _open_request_of(session, citizen)):
            return open_request
        created = citizen is None
        if citizen is None:
            new = form.new_citizen
            if new is None:
                raise ValidationError(_("Name is required for a new citizen."), field="name")
            if not form.confirm_duplicate:
                duplicates = session.exec(
                    select(Citizen).where(
                        Citizen.birth_date == birth_date,
                        Citizen.name_folded
                        == new_citizen_row(
                            cpr=digits, name=new.name.strip(), birth_date=birth_date, created_at=now
                        ).name_folded,
                        Citizen.cpr != digits,
                    )
                ).all()
                if duplicates:
                    raise DuplicateSuspected([hit(c, today) for c in duplicates])
            citizen = new_citizen_row(
                cpr=digits,
                name=new.name.strip(),
                birth_date=birth_date,
                created_at=now,
                phone=new.phone.strip(),
                email=new.email.strip(),
                postcode=new.postcode.strip(),
                interpreter_language=new.interpreter_language.strip(),
                needs_digital_help=new.needs_digital_help,
            )
            session.add(citizen)
            session.flush()
            assert citizen.id is not None
            audit.record(
                session,
                actor=staff.initials,
                action=AuditAction.CREATE,
                entity=AuditEntity.CITIZEN,
                entity_id=citizen.id,
                citizen_id=citizen.id,
                at=now,
            )
        assert citizen.id is not None
        slot = form.slot_date or _slot(rules, today, _consultant_free(session, today, now), latest)
        request = Request(
            citizen_id=citizen.id,
            arrived_on=today,
            first_contact_on=first_contact,
            arrived_at=now,
            benefit=form.benefit,
            told_apply_digitally=form.told_apply_digitally,
            rights_guidance_given=form.rights_guidance_given,
            slot_date=slot,
            status=RequestStatus.WAITING,
            registered_by=staff.initials,
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity=AuditEntity.REQUEST,
            entity_id=request.id,
            citizen_id=citizen.id,
            at=now,
        )
        changes.bump(session)
        return ArrivalResult(request.id, citizen.id, citizen.name, created, slot)

    return ctx.db.write(work)


def _open_request_of(session: Session, citizen: Citizen) -> ArrivalResult | None:
    """The citizen's open request (waiting or in conversation, whatever its day), if any."""
    request = session.exec(
        select(Request)
        .where(
            Request.citizen_id == citizen.id,
            col(Request.status).in_(_OPEN),
        )
        .order_by(col(Request.arrived_at).desc())
    ).first()
    if request is None or request.id is None or citizen.id is None:
        return None
    return ArrivalResult(
        request.id,
        citizen.id,
        citizen.name,
        created_citizen=False,
        slot_date=request.slot_date,
        existing=True,
        arrived_on=request.arrived_on,
        status=request.status,
    )


@dataclass(frozen=True)
class BoardRow:
    request_id: int
    citizen_id: int
    arrived_at: datetime
    cpr_masked: str
    name: str
    age: int
    benefit: str
    status: str
    slot_date: date
    booked_earlier: bool = field(default=False)  # registered on an earlier day for today's slot
    booked_later: bool = field(default=False)  # registered today for a later day's slot
    overdue: bool = field(default=False)  # its slot day has passed: left from an earlier day
    claimed_by: str | None = None  # in conversation: who holds it, since when
    claimed_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def waiting_here(self) -> bool:
        """Waiting in the room now: not a booking for another day."""
        return self.status == RequestStatus.WAITING and not self.booked_later

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED

    def waiting_minutes(self, now: datetime) -> int | None:
        """Minutes waited so far, while waiting; None once the conversation started or ended."""
        if not self.waiting_here or self.booked_earlier:
            return None
        return max(0, int((now - self.arrived_at).total_seconds() // 60))


_FINISHED = frozenset({RequestStatus.DONE, RequestStatus.WITHDRAWN, RequestStatus.NO_SHOW})


def board(ctx: ServiceContext, day: date | None = None) -> tuple[int, list[BoardRow]]:
    """Every arrival of the day, those booked for it, and those left open from an earlier day
    (with those of them closed on the day), sorted by arrival. A request left open cannot be
    registered again (one open request per citizen), so the desk resolves it here. With the
    board's change counter, read in the same transaction: one trip to the server, not two."""
    staff = ctx.require(Permission.SEARCH)
    day = day or ctx.clock.today()
    now = ctx.clock.now()
    day_starts = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    day_ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    left_over = and_(
        col(Request.slot_date) < day,
        or_(
            col(Request.status).in_(_OPEN),
            and_(col(Request.closed_at) >= day_starts, col(Request.closed_at) < day_ends),
        ),
    )

    def work(session: Session) -> tuple[int, list[BoardRow]]:
        version = changes.seq(session)
        rows = session.execute(
            select_columns(
                col(Request.id),
                col(Request.citizen_id),
                col(Request.arrived_at),
                col(Request.arrived_on),
                col(Citizen.cpr),
                col(Citizen.name),
                col(Citizen.birth_date),
                col(Request.benefit),
                col(Request.status),
                col(Request.slot_date),
                col(Request.claimed_by),
                col(Request.claimed_at),
                col(Request.closed_at),
            )
            .join(Citizen, col(Citizen.id) == Request.citizen_id)
            .where(or_(Request.arrived_on == day, Request.slot_date == day, left_over))
            .order_by(col(Request.arrived_at), col(Request.id))
        ).all()
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.TODAY_BOARD,
            detail=day.isoformat(),
            at=now,
        )
        return version, [
            BoardRow(
                request_id=rid,
                citizen_id=cid,
                arrived_at=arrived_at,
                cpr_masked=mask_cpr(cpr),
                name=name,
                age=age_on(birth_date, day),
                benefit=benefit,
                status=status,
                slot_date=slot,
                booked_earlier=arrived_on < day,
                booked_later=slot > day,
                overdue=slot < day,
                claimed_by=claimed_by,
                claimed_at=claimed_at,
                closed_at=closed_at,
            )
            for (
                rid,
                cid,
                arrived_at,
                arrived_on,
                cpr,
                name,
                birth_date,
                benefit,
                status,
                slot,
                claimed_by,
                claimed_at,
                closed_at,
            ) in rows
        ]

    return ctx.db.write(work, logged_read=True)


# Moves the desk may make by hand: no-show, and its undo the same day. Claims move a request in
# and out of conversation (visitation.start, services.claims); done and withdrawn come from the
# conversation and the withdrawal.
_MANUAL_MOVES = {
    (RequestStatus.WAITING, RequestStatus.NO_SHOW),
    (RequestStatus.NO_SHOW, RequestStatus.WAITING),
}


def no_show_undoable(closed_at: datetime | None, today: date) -> bool:
    """A no-show is undone only the day it was marked."""
    return closed_at is not None and local(closed_at).date() == today


def _has_open_request(session: Session, request: Request) -> bool:
    """The citizen has an open request other than this one."""
    return (
        session.exec(
            select(Request.id).where(
                Request.citizen_id == request.citizen_id,
                Request.id != request.id,
                col(Request.status).in_(_OPEN),
            )
        ).first()
        is not None
    )


def set_status(ctx: ServiceContext, request_id: int, status: str, stated_reason: str = "") -> None:
    """Mark a no-show (with the reason the citizen gave, if any) or undo it the same day. A
    no-show at the job conversation may raise a possible-sanction flag (services.hearings
    decides whether the category carried the duty); undoing it takes the flag back."""
    staff = ctx.require(Permission.REGISTER)
    require_plain_text({"stated_reason": stated_reason})
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> None:
        request = session.get(Request, request_id, with_for_update=True)
        if request is None:
            raise NotFound(_("No such request."))
        if (request.status, status) not in _MANUAL_MOVES:
            raise ValidationError(
                _("A request that is {current} cannot be set to {new}.").format(
                    current=RequestStatus.label_of(request.status).lower(),
                    new=RequestStatus.label_of(status).lower(),
                )
            )
        if status == RequestStatus.NO_SHOW and request.slot_date > today:
            # The citizen's time has not come: no one can have failed to come yet.
            raise ValidationError(
                _(
                    "The citizen's time is on {day}: a no-show can only be marked on that "
                    "day or later."
                ).format(day=format_day(request.slot_date))
            )
        if request.status == RequestStatus.NO_SHOW and not no_show_undoable(
            request.closed_at, today
        ):
            raise ValidationError(_("A no-show can only be undone the same day."))
        if status == RequestStatus.WAITING and _has_open_request(session, request):
            raise ValidationError(
                _(
                    "The no-show cannot be undone: the citizen was registered again and has "
                    "an open request."
                )
            )
        request.status = status
        no_show = status == RequestStatus.NO_SHOW
        request.closed_at = now if no_show else None
        request.no_show_reason = stated_reason.strip() if no_show else ""
        session.add(request)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.REQUEST,
            entity_id=request_id,
            citizen_id=request.citizen_id,
            detail=status,
            at=now,
        )
        if no_show:
            assert staff.id is not None
            hearings.raise_hearing(
                session,
                ctx.rulebook,
                citizen_id=request.citizen_id,
                event=HearingEvent.NO_SHOW_CONVERSATION,
                event_on=today,
                assignee_id=staff.id,
                now=now,
                request_id=request_id,
                stated_reason=request.no_show_reason,
                actor=staff.initials,
            )
        else:
            _withdraw_no_show_hearing(session, request_id, staff.initials, now)
        changes.bump(session)

    ctx.db.write(work)


def _withdraw_no_show_hearing(session: Session, request_id: int, actor: str, now: datetime) -> None:
    """An undone no-show was no event: the flag it raised goes too, unless the partshøring has
    already gone out (then a person must decide it, and the undo is refused)."""
    gone_out = session.exec(
        select(Hearing.id).where(
            Hearing.request_id == request_id, Hearing.status != HearingStatus.AWAITING
        )
    ).first()
    if gone_out is not None:
        raise ValidationError(
            _("The no-show cannot be undone: the partshøring about it has already been sent.")
        )
    hearings.withdraw_for_request(session, request_id, actor=actor, now=now)

"""Reception: register an arrival (find or create the citizen), today's queue, queue status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, or_, select

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import FormErrors, NotFound, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import mask_cpr, parse_cpr
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.services import audit
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
from jobbutik.store.models import (
    AuditAction,
    Benefit,
    Citizen,
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


@dataclass(frozen=True)
class ArrivalResult:
    request_id: int
    citizen_id: int
    citizen_name: str
    created_citizen: bool
    slot_date: date


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


def _validate_benefit(benefit: str) -> None:
    if benefit not in {b.value for b in Benefit}:
        raise ValidationError(_("Choose the benefit sought."), field="benefit")


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


def suggest_slot(ctx: ServiceContext) -> date:
    """Same day if a consultant is free, else the next working day (DESIGN §2)."""
    today, now = ctx.clock.today(), ctx.clock.now()
    free = ctx.db.read(lambda s: _consultant_free(s, today, now))
    return ctx.rulebook.visitation_slot(today, free)


def register_arrival(ctx: ServiceContext, form: ArrivalForm) -> ArrivalResult:
    staff = ctx.require(Permission.REGISTER)
    digits = parse_cpr_field(ctx, form.cpr)
    _validate_benefit(form.benefit)
    today, now = ctx.clock.today(), ctx.clock.now()
    birth_date = parse_cpr(digits, today).birth_date
    if form.new_citizen is not None and (errors := validate_new_citizen(form.new_citizen)):
        raise FormErrors(errors)
    rules = ctx.rulebook
    if form.slot_date is not None:
        if form.slot_date < today or form.slot_date > rules.latest_first_conversation(today):
            raise ValidationError(
                _("The visitation must be between today and {latest}.").format(
                    latest=format_day(rules.latest_first_conversation(today))
                ),
                field="slot_date",
            )
        if not rules.calendar.is_working_day(form.slot_date):
            raise ValidationError(
                _("The Jobbutik is closed on {day}.").format(day=format_day(form.slot_date)),
                field="slot_date",
            )

    def work(session: Session) -> ArrivalResult:
        citizen = session.exec(select(Citizen).where(Citizen.cpr == digits)).first()
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
        slot = form.slot_date or rules.visitation_slot(today, _consultant_free(session, today, now))
        request = Request(
            citizen_id=citizen.id,
            arrived_on=today,
            arrived_at=now,
            benefit=form.benefit,
            told_apply_digitally=form.told_apply_digitally,
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
        return ArrivalResult(request.id, citizen.id, citizen.name, created, slot)

    return ctx.db.write(work)


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

    def waiting_minutes(self, now: datetime) -> int | None:
        """Minutes waited so far, while waiting; None once the conversation started or ended."""
        if self.status != RequestStatus.WAITING or self.booked_earlier:
            return None
        return max(0, int((now - self.arrived_at).total_seconds() // 60))


def today_board(ctx: ServiceContext, day: date | None = None) -> list[BoardRow]:
    """Every arrival of the day, and those booked for it, sorted by arrival."""
    staff = ctx.require(Permission.SEARCH)
    day = day or ctx.clock.today()
    now = ctx.clock.now()

    def work(session: Session) -> list[BoardRow]:
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
            )
            .join(Citizen, col(Citizen.id) == Request.citizen_id)
            .where(or_(Request.arrived_on == day, Request.slot_date == day))
            .order_by(col(Request.arrived_at))
        ).all()
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.TODAY_BOARD,
            detail=day.isoformat(),
            at=now,
        )
        return [
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
            ) in rows
        ]

    return ctx.db.write(work)


# Moves the desk may make by hand; done and withdrawn come from the conversation itself.
_MANUAL_MOVES = {
    (RequestStatus.WAITING, RequestStatus.IN_CONVERSATION),
    (RequestStatus.WAITING, RequestStatus.NO_SHOW),
    (RequestStatus.IN_CONVERSATION, RequestStatus.WAITING),
    (RequestStatus.NO_SHOW, RequestStatus.WAITING),
}


def set_status(ctx: ServiceContext, request_id: int, status: str) -> None:
    staff = ctx.require(Permission.REGISTER)
    now = ctx.clock.now()

    def work(session: Session) -> None:
        request = session.get(Request, request_id)
        if request is None:
            raise NotFound(_("No such request."))
        if (request.status, status) not in _MANUAL_MOVES:
            raise ValidationError(
                _("A request that is {current} cannot be set to {new}.").format(
                    current=request.status, new=status
                )
            )
        request.status = status
        request.closed_at = now if status == RequestStatus.NO_SHOW else None
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

    ctx.db.write(work)

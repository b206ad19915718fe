"""The visitation conversation: classify, activate at once, refer to jobs; one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, Row, Table, bindparam, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import (
    CapacityFull,
    ClaimHeld,
    ClaimLost,
    FormErrors,
    NotFound,
    ValidationError,
)
from jobbutik.domain.i18n import _
from jobbutik.domain.rules import (
    PROVISIONAL_CATEGORY,
    Proposal,
    RuleBook,
    RuleSet,
    category_needs_reason,
    category_refusal,
    override_needs_reason,
    propose_category,
)
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.services import audit, claims
from jobbutik.services.citizens import CitizenCard, age_on, citizen_at, load_card
from jobbutik.services.context import Permission, ServiceContext, StaffInfo
from jobbutik.store import changes
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    ActivationStatus,
    AuditAction,
    Citizen,
    FollowUp,
    FollowUpKind,
    JobOpening,
    OpeningStatus,
    Referral,
    Request,
    RequestStatus,
    SiteKind,
    Visitation,
    Withdrawal,
    WithdrawalReason,
    parse_weekdays,
)

# Activations that hold a seat. An open-ended activation holds it from its start onwards.
SEAT_HOLDING = (ActivationStatus.PLANNED, ActivationStatus.STARTED)
_OPEN_REQUEST = (RequestStatus.WAITING, RequestStatus.IN_CONVERSATION)


@dataclass(frozen=True)
class Facts:
    """Step 1: what the citizen tells about themselves. The yes/no questions are None when the
    consultant did not ask (stored as NULL: unknown, never "no")."""

    has_qualifying_education: bool | None = None
    job_wishes: str = ""
    industries: tuple[str, ...] = ()
    hours_wanted: int | None = None
    restrictions: str = ""  # skånehensyn
    driving_licence: bool | None = None
    digital_skills: str = ""
    integration_programme: bool | None = None


@dataclass(frozen=True)
class PreviousFacts:
    """The facts told at a returning citizen's last visitation, and its day."""

    facts: Facts
    held_on: date


@dataclass(frozen=True)
class Deadlines:
    """The dates the rules in force today give the conversation's defaults."""

    default_activation_start: date
    latest_activation_start: date
    cv_deadline: date
    apply_by: date
    follow_up_on: date
    final_visitation: date  # a provisional uddannelsesparat's, from the first henvendelse


@dataclass(frozen=True)
class ConversationStart:
    request_id: int
    benefit: str
    citizen: CitizenCard
    deadlines: Deadlines
    first_contact_on: date  # the first henvendelse (bek. § 6 stk. 3)
    previous: PreviousFacts | None = None  # a returning citizen's last facts


@dataclass(frozen=True)
class SiteAvailability:
    site_id: int
    name: str
    kind: str
    provider: str
    hours_per_week: int
    seats: int
    taken: int
    starts_on_weekday: bool

    @property
    def free(self) -> int:
        return max(0, self.seats - self.taken)


@dataclass(frozen=True)
class ActivationChoice:
    site_id: int
    start_date: date


@dataclass(frozen=True)
class ReferralChoice:
    opening_id: int
    apply_by: date | None = None  # None: the rule's default (never later than the opening's)
    follow_up_on: date | None = None


@dataclass(frozen=True)
class VisitationPlan:
    """Everything agreed in the conversation; `complete()` saves it whole or not at all."""

    request_id: int
    facts: Facts
    category: str
    override_reason: str = ""  # required when the category differs from the proposal
    activation: ActivationChoice | None = None
    exempt: bool = False  # immediate activation obviously pointless (åbenlyst formålsløst)
    exemption_reason: str = ""
    # The youth group's questions: answered, never assumed (None: not answered).
    guidance: bool | None = None
    injunction: bool | None = None  # uddannelsespålæg, where the rules in force have one
    injunction_goal: str = ""  # the education the pålæg points to (required when given)
    injunction_deadline: date | None = None  # required when given; after today
    rights_guidance: bool = False  # written guidance on rights and duties handed over now
    referrals: tuple[ReferralChoice, ...] = ()
    help_cv: bool = False
    help_email: bool = False
    help_application: bool = False


@dataclass(frozen=True)
class VisitationResult:
    visitation_id: int
    category: str
    activation_id: int | None
    referral_ids: tuple[int, ...]
    follow_up_ids: tuple[int, ...]
    cv_deadline: date | None


def deadlines(rules: RuleBook, day: date, first_contact: date | None = None) -> Deadlines:
    """The deadlines of a conversation held on `day`; the final visitation counts from the first
    henvendelse (`first_contact`, else `day`)."""
    return Deadlines(
        default_activation_start=rules.default_activation_start(day),
        latest_activation_start=rules.latest_activation_start(day),
        cv_deadline=rules.cv_deadline(day),
        apply_by=rules.apply_by(day),
        follow_up_on=rules.referral_follow_up(day),
        final_visitation=rules.final_visitation(first_contact or day),
    )


def _already_closed(status: str) -> ValidationError:
    return ValidationError(
        _("This request is already closed ({status}).").format(
            status=RequestStatus.label_of(status)
        )
    )


def _open_request(session: Session, request_id: int, staff: StaffInfo, now: datetime) -> Request:
    """The request, locked, open and not another desk's live conversation (ClaimHeld)."""
    request = session.get(Request, request_id, with_for_update=True)
    if request is None:
        raise NotFound(_("No such request."))
    if request.status not in _OPEN_REQUEST:
        raise _already_closed(request.status)
    if (
        request.status == RequestStatus.IN_CONVERSATION
        and request.claimed_by != staff.initials
        and not claims.is_stale(session, request, now)
    ):
        raise ClaimHeld(request.claimed_by or "", request.claimed_at or now)
    return request


def start(ctx: ServiceContext, request_id: int) -> ConversationStart:
    """Open the conversation and claim it for this desk: a waiting request moves to 'in
    conversation'; this desk's own claim is refreshed (reopened, also after a restart); another
    desk's live claim refuses (ClaimHeld), a stale one is taken over. The citizen is read."""
    staff = ctx.require(Permission.VISIT)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> ConversationStart:
        request = _open_request(session, request_id, staff, now)
        if request.status == RequestStatus.WAITING or request.claimed_by != staff.initials:
            if request.status == RequestStatus.IN_CONVERSATION:
                audit.record(
                    session,
                    actor=staff.initials,
                    action=AuditAction.UPDATE,
                    entity=AuditEntity.REQUEST,
                    entity_id=request_id,
                    citizen_id=request.citizen_id,
                    detail=claims.TAKEN_OVER.format(holder=request.claimed_by or ""),
                    at=now,
                )
            request.status = RequestStatus.IN_CONVERSATION
            request.claimed_by = staff.initials
            request.claimed_at = now
            changes.bump(session)
        request.claim_seen_at = now
        session.add(request)
        citizen = citizen_at(session, request.citizen_id)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.VISITATION,
            entity_id=request_id,
            citizen_id=request.citizen_id,
            purpose=AuditPurpose.VISITATION,
            at=now,
        )
        return ConversationStart(
            request_id=request_id,
            benefit=request.benefit,
            citizen=load_card(session, citizen, today, show_sanctions=ctx.can(Permission.HEARINGS)),
            deadlines=deadlines(ctx.rulebook, today, request.first_contact_on),
            first_contact_on=request.first_contact_on,
            previous=previous_facts(session, request.citizen_id),
        )

    return ctx.db.write(work)


def previous_facts(session: Session, citizen_id: int) -> PreviousFacts | None:
    """The facts of the citizen's most recent visitation (None: never visited)."""
    last = session.exec(
        select(Visitation)
        .where(Visitation.citizen_id == citizen_id)
        .order_by(col(Visitation.held_on).desc(), col(Visitation.id).desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    facts = Facts(
        has_qualifying_education=last.has_qualifying_education,
        job_wishes=last.job_wishes,
        industries=tuple(i for i in last.industries.split(",") if i),
        hours_wanted=last.hours_wanted,
        restrictions=last.restrictions,
        driving_licence=last.driving_licence,
        digital_skills=last.digital_skills,
        integration_programme=last.integration_programme,
    )
    return PreviousFacts(facts, last.held_on)


def propose(ctx: ServiceContext, age: int, facts: Facts) -> Proposal:
    """The category the rules in force today propose (no database work)."""
    return _proposal(ctx.rulebook.in_force(ctx.clock.today()), age, facts)


def _holds_seat_on(day: date | BindParameter[date]) -> Any:
    """Activations holding a seat on `day` or later: open-ended ones keep it from their start."""
    return col(Activation.status).in_(SEAT_HOLDING) & (
        col(Activation.end_date).is_(None) | (col(Activation.end_date) >= day)
    )


def _seats_taken(session: Session, site_id: int, day: date) -> int:
    return session.exec(
        select(func.count())
        .select_from(Activation)
        .where(Activation.site_id == site_id, _holds_seat_on(day))
    ).one()


def site_availability(session: Session, day: date) -> list[SiteAvailability]:
    taken_by_site = dict(
        session.exec(
            select(Activation.site_id, func.count())
            .where(_holds_seat_on(day))
            .group_by(col(Activation.site_id))
        ).all()
    )
    sites = session.exec(
        select(ActivationSite)
        .where(col(ActivationSite.active).is_(True))
        .order_by(col(ActivationSite.kind), col(ActivationSite.name))
    ).all()
    return [
        SiteAvailability(
            site_id=s.id,
            name=s.name,
            kind=s.kind,
            provider=s.provider,
            hours_per_week=s.hours_per_week,
            seats=s.seats,
            taken=taken_by_site.get(s.id, 0),
            starts_on_weekday=day.weekday() in s.weekdays,
        )
        for s in sites
        if s.id is not None
    ]


def free_sites(ctx: ServiceContext, start_date: date) -> list[SiteAvailability]:
    """Sites and courses with a free seat that take starters on `start_date`."""
    ctx.require(Permission.VISIT)
    return [
        s
        for s in ctx.db.read(lambda session: site_availability(session, start_date))
        if s.free > 0 and s.starts_on_weekday
    ]


def _proposal(ruleset: RuleSet, age: int, facts: Facts) -> Proposal:
    return propose_category(
        ruleset, age, facts.has_qualifying_education, facts.integration_programme
    )


def validate_plan(rules: RuleBook, today: date, plan: VisitationPlan, age: int) -> dict[str, str]:
    """Field → message for every rule the plan breaks (empty: the plan may be saved)."""
    ruleset = rules.in_force(today)
    errors: dict[str, str] = {}
    proposal = _proposal(ruleset, age, plan.facts)
    reason = plan.override_reason.strip()
    if (refusal := _category_refusal(ruleset, proposal, plan.category)) is not None:
        errors["category"] = refusal
    elif not reason and override_needs_reason(proposal, plan.category):
        errors["override_reason"] = _(
            "The rules propose {proposed}: choosing {chosen} needs a written reason."
        ).format(proposed=proposal.category, chosen=plan.category)
    elif not reason and category_needs_reason(ruleset, proposal.group, plan.category):
        errors["override_reason"] = _(
            "Aktivitetsparat at the first conversation needs a written reason."
        )
    if plan.facts.hours_wanted is not None and not 0 < plan.facts.hours_wanted <= 60:
        errors["hours_wanted"] = _("Hours wanted must be between 1 and 60.")
    questions = unanswered(ruleset, proposal, plan.guidance, plan.injunction)
    errors.update(questions)
    errors.update(_injunction_errors(ruleset, proposal, plan, today))
    if plan.exempt:
        if len(plan.exemption_reason.strip()) < 10:
            errors["exemption_reason"] = _(
                "An exemption from immediate activation needs a written reason "
                "(at least 10 characters)."
            )
        if plan.activation is not None:
            errors["activation"] = _("Choose either an activation or an exemption, not both.")
    elif plan.activation is None and _needs_activation(ruleset, proposal, plan, questions):
        errors["activation"] = _(
            "Choose a site or course for immediate activation, or an exemption with a reason."
        )
    if plan.activation is not None:
        start_date = plan.activation.start_date
        latest = rules.latest_activation_start(today)
        if start_date < today or start_date > latest:
            errors["start_date"] = _(
                "The activation must start between {first} and {last}."
            ).format(first=format_day(today), last=format_day(latest))
        elif not rules.calendar.is_working_day(start_date):
            errors["start_date"] = _("{day} is not a working day.").format(
                day=format_day(start_date)
            )
    seen: set[int] = set()
    for choice in plan.referrals:
        if choice.opening_id in seen:
            errors["referrals"] = _("The same opening is chosen twice.")
        seen.add(choice.opening_id)
        if choice.apply_by is not None and choice.apply_by < today:
            errors["referrals"] = _("An apply-by date is in the past.")
        if choice.follow_up_on is not None and choice.follow_up_on <= today:
            errors["referrals"] = _("A follow-up date must be after today.")
    return errors


def _category_refusal(ruleset: RuleSet, proposal: Proposal, chosen: str) -> str | None:
    """Why `chosen` is not one of the citizen's target group's categories (None: it is)."""
    if not chosen:
        return _("Choose a category.")
    if not proposal.group.known and chosen in ruleset.categories:
        return None  # the group waits for the unanswered question, which the save asks first
    return category_refusal(ruleset, proposal.group, chosen)


def _injunction_errors(
    ruleset: RuleSet, proposal: Proposal, plan: VisitationPlan, today: date
) -> dict[str, str]:
    """A pålæg given must exist in the rules in force and name its education goal and deadline.
    Outside the youth group the question is not asked, and an answer is not stored."""
    if plan.injunction is not True:
        return {}
    if not ruleset.injunction:
        return {"injunction": _("The rules in force have no uddannelsespålæg: it cannot be given.")}
    if not proposal.group.youth:
        return {}
    errors: dict[str, str] = {}
    if not plan.injunction_goal.strip():
        errors["injunction_goal"] = _("Write the education goal of the uddannelsespålæg.")
    if plan.injunction_deadline is None:
        errors["injunction_deadline"] = _("Give the deadline of the uddannelsespålæg.")
    elif plan.injunction_deadline <= today:
        errors["injunction_deadline"] = _(
            "The deadline of the uddannelsespålæg must be after today."
        )
    return errors


def _needs_activation(
    ruleset: RuleSet, proposal: Proposal, plan: VisitationPlan, questions: dict[str, str]
) -> bool:
    """Whether the plan needs a site or an exemption: for everyone under the local rule of
    straksaktivering for all; without it, guidance stands in for a site in the youth group (then
    the questions are answered first, as the answers decide it)."""
    if ruleset.activation_for_all:
        return True
    return not questions and not (proposal.group.youth and plan.guidance is True)


def unanswered(
    ruleset: RuleSet, proposal: Proposal, guidance: bool | None, injunction: bool | None
) -> dict[str, str]:
    """Field → message for each question the plan needs answered and nobody answered: under the
    age limit the education and the integration programme (the target group depends on them)
    and, for the whole youth group, the guidance referral and (where the rules in force have
    one) the uddannelsespålæg: never ticked for the consultant."""
    errors: dict[str, str] = {}
    if proposal.asks_education:
        errors["has_qualifying_education"] = _(
            "Ask whether the citizen has an erhvervskompetencegivende uddannelse (vocational or "
            "higher education): under the age limit the category depends on it."
        )
    if proposal.asks_integration:
        errors["integration_programme"] = _(
            "Ask whether the citizen is in the integration programme: under the age limit the "
            "category depends on it."
        )
    if proposal.group.youth and guidance is None:
        errors["guidance"] = _("Answer whether the citizen is referred to education guidance.")
    if proposal.group.youth and ruleset.injunction and injunction is None:
        errors["injunction"] = _("Answer whether an education injunction is given.")
    return errors


# The save runs as a few Core statements on the session's connection: the ORM's unit of work
# (one flush and one round trip per row, objects built and tracked) cost far more than SQLite
# itself, and on SQLite all of it ran while this desk held the database's only write lock.
_VISITATION: Table = Visitation.__table__  # type: ignore[attr-defined]
_ACTIVATION: Table = Activation.__table__  # type: ignore[attr-defined]
_REFERRAL: Table = Referral.__table__  # type: ignore[attr-defined]
_FOLLOW_UP: Table = FollowUp.__table__  # type: ignore[attr-defined]
_REQUEST: Table = Request.__table__  # type: ignore[attr-defined]
_SITE: Table = ActivationSite.__table__  # type: ignore[attr-defined]
_OPENING: Table = JobOpening.__table__  # type: ignore[attr-defined]
_CITIZEN: Table = Citizen.__table__  # type: ignore[attr-defined]
# What tells one visitation's follow-ups apart (one per kind and thing followed up).
_FOLLOW_UP_KEY = ("kind", "referral_id", "activation_id", "visitation_id")
_REFERRAL_KEY = ("opening_id",)


def _returning(table: Table, key: tuple[str, ...]) -> Any:
    return insert(table).returning(table.c.id, *(table.c[name] for name in key))


# Built once: a statement built per call costs more to put together than SQLite takes to run it.
_INSERT_VISITATION = insert(_VISITATION)
_INSERT_REFERRALS = _returning(_REFERRAL, _REFERRAL_KEY)
_INSERT_FOLLOW_UPS = _returning(_FOLLOW_UP, _FOLLOW_UP_KEY)
# The site, read after its turn is taken (`_take_seat`).
_SITE_ROW = select_columns(
    _SITE.c.name, _SITE.c.kind, _SITE.c.seats, _SITE.c.start_weekdays, _SITE.c.active
).where(_SITE.c.id == bindparam("site_id"))
_ChosenSite = Row[Any, Any, Any, Any, Any]  # _SITE_ROW's
_ACTIVATION_ROW = (
    "citizen_id",
    "visitation_id",
    "site_id",
    "start_date",
    "end_date",
    "status",
    "outcome",
    "created_at",
)
# The activation, inserted only while the site has a seat free from its start (an open-ended
# activation holds one from its start on): no row comes back when the last one is taken.
_INSERT_ACTIVATION_IF_FREE = (
    insert(_ACTIVATION)
    .from_select(
        _ACTIVATION_ROW,
        select_columns(
            *(bindparam(name, type_=_ACTIVATION.c[name].type) for name in _ACTIVATION_ROW)
        )
        .select_from(_SITE)
        .where(
            _SITE.c.id == bindparam("site_id"),
            select_columns(func.count())
            .select_from(_ACTIVATION)
            .where(
                _ACTIVATION.c.site_id == _SITE.c.id,
                _holds_seat_on(bindparam("start_date", type_=_ACTIVATION.c.end_date.type)),
            )
            .scalar_subquery()
            < _SITE.c.seats,
        ),
    )
    .returning(_ACTIVATION.c.id)
)
# The chosen openings, each with whether the citizen is already referred to it.
_OPENINGS = select_columns(
    _OPENING.c.id,
    _OPENING.c.status,
    _OPENING.c.apply_by,
    _OPENING.c.title,
    select_columns(_REFERRAL.c.id)
    .where(
        _REFERRAL.c.citizen_id == bindparam("citizen_id"),
        _REFERRAL.c.opening_id == _OPENING.c.id,
    )
    .exists()
    .label("already"),
).where(_OPENING.c.id.in_(bindparam("opening_ids", expanding=True)))
_REQUEST_AND_BIRTH = (
    select_columns(
        _REQUEST.c.status,
        _REQUEST.c.claimed_by,
        _REQUEST.c.citizen_id,
        _REQUEST.c.arrived_on,
        _REQUEST.c.first_contact_on,
        _CITIZEN.c.birth_date,
    )
    .select_from(_REQUEST.outerjoin(_CITIZEN, _CITIZEN.c.id == _REQUEST.c.citizen_id))
    .where(_REQUEST.c.id == bindparam("request_id"))
)
_CLOSE_REQUEST = (
    update(_REQUEST)
    .where(
        _REQUEST.c.id == bindparam("request"),
        _REQUEST.c.status == RequestStatus.IN_CONVERSATION.value,
        _REQUEST.c.claimed_by == bindparam("holder"),
    )
    .values(
        status=RequestStatus.DONE.value,
        closed_at=bindparam("now", type_=_REQUEST.c.closed_at.type),
    )
    .returning(
        _REQUEST.c.citizen_id,
        _REQUEST.c.arrived_on,
        _REQUEST.c.first_contact_on,
        select_columns(_CITIZEN.c.birth_date)
        .where(_CITIZEN.c.id == _REQUEST.c.citizen_id)
        .scalar_subquery()
        .label("birth_date"),
    )
)


def _insert_one(connection: Connection, statement: Any, row: dict[str, Any]) -> int:
    key = connection.execute(statement, row).inserted_primary_key
    assert key is not None and key[0] is not None
    return int(key[0])


def _insert_many(
    connection: Connection, statement: Any, rows: list[dict[str, Any]], key: tuple[str, ...]
) -> list[int]:
    """Insert `rows` in one statement (INSERT … RETURNING id and `key`); their ids in order.

    RETURNING gives the rows back in no promised order (and SQLAlchemy falls back to one INSERT
    per row on SQLite when asked to sort them), so each id is matched to its row by `key`, which
    the rows of one batch never share.
    """
    if not rows:
        return []
    ids = {tuple(found[1:]): int(found[0]) for found in connection.execute(statement, rows)}
    if len(ids) != len(rows):  # a programming error; never match an id to the wrong row
        raise RuntimeError("rows of one batch share a key")
    return [ids[tuple(row[name] for name in key)] for row in rows]


def _follow_up_row(
    ctx: ServiceContext,
    staff: StaffInfo,
    *,
    citizen_id: int,
    kind: FollowUpKind,
    due: date,
    referral_id: int | None = None,
    activation_id: int | None = None,
    visitation_id: int | None = None,
) -> dict[str, Any]:
    return {
        "citizen_id": citizen_id,
        "kind": kind.value,
        "due": due,
        "assignee_id": staff.id,
        "referral_id": referral_id,
        "activation_id": activation_id,
        "visitation_id": visitation_id,
        "created_at": ctx.clock.now(),
        "done_at": None,
        "done_on_time": None,
        "outcome": None,
        "sanction_flag": False,
        "note": "",
    }


def _site_for(connection: Connection, choice: ActivationChoice) -> _ChosenSite:
    """The chosen site, refused when it is not in use or takes no starters that weekday."""
    site = connection.execute(_SITE_ROW, {"site_id": choice.site_id}).first()
    if site is None or not site.active:
        raise ValidationError(_("That activation site is not in use."), field="activation")
    if choice.start_date.weekday() not in parse_weekdays(site.start_weekdays):
        raise ValidationError(
            _("{site} does not take starters on that weekday.").format(site=site.name),
            field="start_date",
        )
    return site


def _take_seat(
    connection: Connection,
    ctx: ServiceContext,
    staff: StaffInfo,
    choice: ActivationChoice,
    citizen_id: int,
    visitation_id: int,
) -> tuple[int, list[dict[str, Any]]]:
    """Check the chosen site (`_site_for`) and take a seat there, if one is free: the
    activation's id and its follow-ups (not yet saved). The caller has taken the site's turn
    (`changes.seats`), so the site and the seats taken are read as the desk that held the turn
    before left them: two desks never book the last seat twice, nor by a site's old weekdays or
    kind. (READ COMMITTED: each statement after the turn sees what its last holder committed;
    SERIALIZABLE: a write that waited for the turn finds it moved, and runs again alone.)"""
    site = _site_for(connection, choice)
    booked = connection.execute(
        _INSERT_ACTIVATION_IF_FREE,
        {
            "citizen_id": citizen_id,
            "visitation_id": visitation_id,
            "site_id": choice.site_id,
            "start_date": choice.start_date,
            "end_date": None,
            "status": ActivationStatus.PLANNED.value,
            "outcome": None,
            "created_at": ctx.clock.now(),
        },
    ).first()
    if booked is None:
        raise CapacityFull(
            _("{site} has no free seat from {day}: choose another site or date.").format(
                site=site.name, day=format_day(choice.start_date)
            ),
            field="activation",
        )
    activation_id = int(booked.id)
    follow_ups = [
        _follow_up_row(
            ctx,
            staff,
            citizen_id=citizen_id,
            kind=FollowUpKind.ACTIVATION_START,
            due=choice.start_date,
            activation_id=activation_id,
        )
    ]
    warn = ctx.rulebook.nytteindsats_warning(choice.start_date)
    if site.kind == SiteKind.NYTTEINDSATS and warn is not None:
        follow_ups.append(
            _follow_up_row(
                ctx,
                staff,
                citizen_id=citizen_id,
                kind=FollowUpKind.NYTTEINDSATS_END,
                due=warn,
                activation_id=activation_id,
            )
        )
    return activation_id, follow_ups


def _assign_activation(
    session: Session,
    ctx: ServiceContext,
    staff: StaffInfo,
    choice: ActivationChoice,
    citizen_id: int,
    visitation_id: int,
) -> tuple[int, list[int]]:
    """Book a seat and save its follow-ups in the session's transaction (the site's turn taken
    before: `_take_seat`): their ids."""
    connection = session.connection()
    activation_id, follow_ups = _take_seat(
        connection, ctx, staff, choice, citizen_id, visitation_id
    )
    return activation_id, _insert_many(connection, _INSERT_FOLLOW_UPS, follow_ups, _FOLLOW_UP_KEY)


def _refer_all(
    connection: Connection,
    ctx: ServiceContext,
    staff: StaffInfo,
    choices: tuple[ReferralChoice, ...],
    citizen_id: int,
    visitation_id: int,
) -> tuple[list[int], list[dict[str, Any]]]:
    """Refer to every chosen opening: the referrals' ids and their follow-ups (not yet saved).

    The openings are read in one statement, inside the write transaction: one closed or
    referred to by another desk a moment ago is refused, in the order the plan names them.
    """
    if not choices:
        return [], []
    today = ctx.clock.today()
    openings = {
        row.id: row
        for row in connection.execute(
            _OPENINGS,
            {"citizen_id": citizen_id, "opening_ids": [c.opening_id for c in choices]},
        )
    }
    rows: list[dict[str, Any]] = []
    for choice in choices:
        opening = openings.get(choice.opening_id)
        if opening is None or opening.status != OpeningStatus.OPEN or opening.apply_by < today:
            raise ValidationError(_("A chosen job opening is no longer open."), field="referrals")
        if opening.already:
            raise ValidationError(
                _("The citizen is already referred to {title}.").format(title=opening.title),
                field="referrals",
            )
        rows.append(
            {
                "citizen_id": citizen_id,
                "opening_id": choice.opening_id,
                "visitation_id": visitation_id,
                "consultant_id": staff.id,
                "referred_on": today,
                "apply_by": choice.apply_by or min(ctx.rulebook.apply_by(today), opening.apply_by),
                "follow_up_on": choice.follow_up_on or ctx.rulebook.referral_follow_up(today),
                "outcome": None,
                "outcome_on": None,
                "interview_on": None,
            }
        )
    referral_ids = _insert_many(connection, _INSERT_REFERRALS, rows, _REFERRAL_KEY)
    follow_ups = [
        _follow_up_row(
            ctx,
            staff,
            citizen_id=citizen_id,
            kind=FollowUpKind.REFERRAL,
            due=row["follow_up_on"],
            referral_id=referral_id,
        )
        for row, referral_id in zip(rows, referral_ids, strict=True)
    ]
    return referral_ids, follow_ups


@dataclass(frozen=True)
class _OpenRequest:
    citizen_id: int
    arrived_on: date
    first_contact_on: date
    birth_date: date


def _read_open_request(connection: Connection, request_id: int, holder: str) -> _OpenRequest:
    """The request (it must be `holder`'s conversation: else closed or ClaimLost) and its
    citizen's birth date."""
    row = connection.execute(_REQUEST_AND_BIRTH, {"request_id": request_id}).first()
    if row is None:
        raise NotFound(_("No such request."))
    if row.status not in _OPEN_REQUEST:
        raise _already_closed(row.status)
    if row.status != RequestStatus.IN_CONVERSATION or row.claimed_by != holder:
        raise ClaimLost()
    if row.birth_date is None:
        raise NotFound(_("No such citizen."))
    return _OpenRequest(row.citizen_id, row.arrived_on, row.first_contact_on, row.birth_date)


def _close_request(
    connection: Connection, request_id: int, now: datetime, holder: str
) -> _OpenRequest:
    """Mark the request done if it is still `holder`'s conversation, and return it with its
    citizen's birth date, in one statement: another desk may have closed it, or taken it over,
    meanwhile (then the reason is raised and the caller's transaction rolls back)."""
    closed = connection.execute(
        _CLOSE_REQUEST, {"request": request_id, "now": now, "holder": holder}
    ).first()
    if closed is None:
        _read_open_request(connection, request_id, holder)  # raises: gone, closed or not mine
        # Not ours when it was closed, ours again a moment later (READ COMMITTED: this read sees
        # a later commit than the UPDATE did): the claim was lost in between all the same.
        raise ClaimLost()
    if closed.birth_date is None:
        raise NotFound(_("No such citizen."))
    return _OpenRequest(
        closed.citizen_id, closed.arrived_on, closed.first_contact_on, closed.birth_date
    )


@dataclass(frozen=True)
class _Prepared:
    """What a conversation writes, worked out from the plan and the request it closes."""

    visitation_row: dict[str, Any]
    cv_deadline: date | None
    review_on: date | None


def _prepare(
    ctx: ServiceContext, staff: StaffInfo, plan: VisitationPlan, known: _OpenRequest, now: datetime
) -> _Prepared:
    """Check the plan against the rules for the citizen's age (FormErrors) and lay out the
    visitation's row."""
    today = ctx.clock.today()
    rules = ctx.rulebook
    age = age_on(known.birth_date, today)
    if errors := validate_plan(rules, today, plan, age):
        raise FormErrors(errors)
    ruleset = rules.in_force(today)
    proposal = _proposal(ruleset, age, plan.facts)
    youth = proposal.group.youth
    cv_deadline = (
        rules.cv_deadline(known.arrived_on) if ruleset.cv_required(plan.category) else None
    )
    # A young person not found åbenlyst uddannelsesparat or aktivitetsparat is uddannelsesparat
    # provisionally; the final visitation is due from the first henvendelse (bek. § 6 stk. 3).
    provisional = youth and plan.category == PROVISIONAL_CATEGORY
    review_on = rules.final_visitation(known.first_contact_on) if provisional else None
    injunction = youth and ruleset.injunction and plan.injunction is True
    facts = plan.facts
    visitation_row = {
        "request_id": plan.request_id,
        "citizen_id": known.citizen_id,
        "consultant_id": staff.id,
        "held_on": today,
        "completed_at": now,
        "age": age,
        "has_qualifying_education": facts.has_qualifying_education,
        "job_wishes": facts.job_wishes.strip(),
        "industries": ",".join(i.strip() for i in facts.industries if i.strip()),
        "hours_wanted": facts.hours_wanted,
        "restrictions": facts.restrictions.strip(),
        "driving_licence": facts.driving_licence,
        "digital_skills": facts.digital_skills.strip(),
        "integration_programme": facts.integration_programme,
        "proposed_category": proposal.category,
        "category": plan.category,
        "override_reason": plan.override_reason.strip(),
        "provisional": provisional,
        "review_on": review_on,
        "youth_track": youth,
        "guidance_referred": youth and plan.guidance is True,
        "injunction_given": injunction,
        "injunction_goal": plan.injunction_goal.strip() if injunction else "",
        "injunction_deadline": plan.injunction_deadline if injunction else None,
        "rights_guidance_given": plan.rights_guidance,
        "activation_exempt": plan.exempt,
        "exemption_reason": plan.exemption_reason.strip() if plan.exempt else "",
        "cv_deadline": cv_deadline,
        "help_cv": plan.help_cv,
        "help_email": plan.help_email,
        "help_application": plan.help_application,
    }
    return _Prepared(visitation_row, cv_deadline, review_on)


def complete(ctx: ServiceContext, plan: VisitationPlan) -> VisitationResult:
    """Save the whole conversation in one transaction: all of it, or nothing.

    Its first statement closes the request if it is still this desk's conversation, and reads
    the citizen's birth date with it; the plan is checked for that age and the rows are written
    (the openings still open, read in the transaction; a free seat). A refused plan leaves
    nothing behind. One transaction and few statements: each is a round trip to a
    server across town.

    It runs with `row_locks`: the claim is checked by the UPDATE that closes the request (on the
    row's latest version, whoever changed it meanwhile); the site is read and its seats counted
    after the site's turn is taken (last, so that it is held briefly). An opening
    closed by another desk a moment after it was read is an order the two could have come in
    anyway, and the referral's unique key refuses a second one to the same opening.
    """
    staff = ctx.require(Permission.VISIT)
    require_plain_text(plan)
    now = ctx.clock.now()

    def work(session: Session) -> VisitationResult:
        connection = session.connection()
        known = _close_request(connection, plan.request_id, now, staff.initials)
        citizen_id = known.citizen_id
        prepared = _prepare(ctx, staff, plan, known, now)
        cv_deadline, review_on = prepared.cv_deadline, prepared.review_on
        visitation_id = _insert_one(connection, _INSERT_VISITATION, prepared.visitation_row)
        referral_ids, referral_follow_ups = _refer_all(
            connection, ctx, staff, plan.referrals, citizen_id, visitation_id
        )
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity=AuditEntity.VISITATION,
            entity_id=visitation_id,
            citizen_id=citizen_id,
            detail=plan.category,
            at=now,
        )
        # The seat last: the site's turn is held from here to the commit, and every desk booking
        # that site waits for it. The site is read after it: as the last holder left it.
        choice = plan.activation
        changes.bump(
            session,
            changes.BOARD,
            changes.FOLLOW_UPS,
            turn=changes.seats(choice.site_id) if choice is not None else None,
        )
        follow_ups: list[dict[str, Any]] = []
        activation_id = None
        if choice is not None:
            activation_id, follow_ups = _take_seat(
                connection, ctx, staff, choice, citizen_id, visitation_id
            )
        follow_ups += referral_follow_ups
        if cv_deadline is not None:
            follow_ups.append(
                _follow_up_row(
                    ctx,
                    staff,
                    citizen_id=citizen_id,
                    kind=FollowUpKind.CV_DEADLINE,
                    due=cv_deadline,
                    visitation_id=visitation_id,
                )
            )
        if review_on is not None:
            follow_ups.append(
                _follow_up_row(
                    ctx,
                    staff,
                    citizen_id=citizen_id,
                    kind=FollowUpKind.CATEGORY_REVIEW,
                    due=review_on,
                    visitation_id=visitation_id,
                )
            )
        follow_up_ids = _insert_many(connection, _INSERT_FOLLOW_UPS, follow_ups, _FOLLOW_UP_KEY)
        return VisitationResult(
            visitation_id,
            plan.category,
            activation_id,
            tuple(referral_ids),
            tuple(follow_up_ids),
            cv_deadline,
        )

    return ctx.db.write(work, row_locks=True)


def withdraw(ctx: ServiceContext, request_id: int, reason: str, note: str = "") -> None:
    """'Turned at the door': the citizen withdraws the application (takes a job, education, …)."""
    staff = ctx.require(Permission.REGISTER)
    require_plain_text({"note": note})
    if reason not in {r.value for r in WithdrawalReason}:
        raise ValidationError(_("Choose why the application is withdrawn."), field="reason")
    if reason == WithdrawalReason.OTHER and not note.strip():
        raise ValidationError(_("Write what the other reason is."), field="note")
    now = ctx.clock.now()

    def work(session: Session) -> None:
        request = _open_request(session, request_id, staff, now)
        request.status = RequestStatus.WITHDRAWN
        request.closed_at = now
        session.add(request)
        changes.bump(session)
        session.add(
            Withdrawal(
                request_id=request_id,
                citizen_id=request.citizen_id,
                reason=reason,
                note=note.strip(),
                at=now,
                by=staff.initials,
            )
        )
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.WITHDRAWAL,
            entity_id=request_id,
            citizen_id=request.citizen_id,
            detail=reason,
            at=now,
        )

    ctx.db.write(work)

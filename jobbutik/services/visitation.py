"""The visitation conversation: classify, activate at once, refer to jobs; one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from jobbutik.errors import CapacityFull, FormErrors, NotFound, ValidationError
from jobbutik.i18n import _
from jobbutik.models import (
    Activation,
    ActivationSite,
    ActivationStatus,
    AuditAction,
    Category,
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
)
from jobbutik.rules import (
    Proposal,
    RuleBook,
    category_needs_reason,
    override_needs_reason,
    propose_category,
)
from jobbutik.services import audit
from jobbutik.services.citizens import CitizenCard, citizen_at, load_card
from jobbutik.services.context import Permission, ServiceContext, StaffInfo

# Activations that hold a seat. An open-ended activation holds it from its start onwards.
SEAT_HOLDING = (ActivationStatus.PLANNED, ActivationStatus.STARTED)
_OPEN_REQUEST = (RequestStatus.WAITING, RequestStatus.IN_CONVERSATION)
EDUCATION_CATEGORIES = (Category.UDDANNELSESPARAT, Category.AABENLYST_UDDANNELSESPARAT)


@dataclass(frozen=True)
class Facts:
    """Step 1: what the citizen tells about themselves."""

    has_vocational_education: bool = False
    job_wishes: str = ""
    industries: tuple[str, ...] = ()
    hours_wanted: int | None = None
    restrictions: str = ""  # skånehensyn
    driving_licence: bool = False
    digital_skills: str = ""
    integration_programme: bool = False


@dataclass(frozen=True)
class Deadlines:
    """The dates the rules in force today give the conversation's defaults."""

    default_activation_start: date
    latest_activation_start: date
    cv_deadline: date
    apply_by: date
    follow_up_on: date
    category_review: date


@dataclass(frozen=True)
class ConversationStart:
    request_id: int
    benefit: str
    citizen: CitizenCard
    categories: tuple[str, ...]
    deadlines: Deadlines


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
    provisional: bool = False  # provisional uddannelsesparat: reviewed after some months
    activation: ActivationChoice | None = None
    exempt: bool = False  # immediate activation obviously pointless (åbenlyst formålsløst)
    exemption_reason: str = ""
    guidance: bool | None = None  # None: as the youth track says
    injunction: bool | None = None
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


def deadlines(rules: RuleBook, day: date) -> Deadlines:
    return Deadlines(
        default_activation_start=rules.default_activation_start(day),
        latest_activation_start=rules.latest_activation_start(day),
        cv_deadline=rules.cv_deadline(day),
        apply_by=rules.apply_by(day),
        follow_up_on=rules.referral_follow_up(day),
        category_review=rules.category_review(day),
    )


def _open_request(session: Session, request_id: int) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise NotFound(_("No such request."))
    if request.status not in _OPEN_REQUEST:
        raise ValidationError(_("This request is already {status}.").format(status=request.status))
    return request


def start(ctx: ServiceContext, request_id: int) -> ConversationStart:
    """Open the conversation: the request moves to 'in conversation'; the citizen is read."""
    staff = ctx.require(Permission.VISIT)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> ConversationStart:
        request = _open_request(session, request_id)
        request.status = RequestStatus.IN_CONVERSATION
        session.add(request)
        citizen = citizen_at(session, request.citizen_id)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity="visitation",
            entity_id=request_id,
            citizen_id=request.citizen_id,
            purpose="visitation",
            at=now,
        )
        return ConversationStart(
            request_id=request_id,
            benefit=request.benefit,
            citizen=load_card(session, citizen, today),
            categories=ctx.rulebook.in_force(today).categories,
            deadlines=deadlines(ctx.rulebook, today),
        )

    return ctx.db.write(work)


def propose(ctx: ServiceContext, age: int, facts: Facts) -> Proposal:
    """The category the rules in force today propose (no database work)."""
    return propose_category(
        ctx.rulebook.in_force(ctx.clock.today()), age, facts.has_vocational_education
    )


def _holds_seat_on(day: date) -> Any:
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


def validate_plan(rules: RuleBook, today: date, plan: VisitationPlan, age: int) -> dict[str, str]:
    """Field → message for every rule the plan breaks (empty: the plan may be saved)."""
    ruleset = rules.in_force(today)
    errors: dict[str, str] = {}
    proposal = propose_category(ruleset, age, plan.facts.has_vocational_education)
    reason = plan.override_reason.strip()
    if plan.category not in ruleset.categories:
        errors["category"] = _("Choose a category.")
    elif not reason and override_needs_reason(proposal, plan.category):
        errors["override_reason"] = _(
            "The rules propose {proposed}: choosing {chosen} needs a written reason."
        ).format(proposed=proposal.category, chosen=plan.category)
    elif not reason and category_needs_reason(ruleset, plan.category):
        errors["override_reason"] = _(
            "Aktivitetsparat at the first conversation needs a written reason."
        )
    if plan.facts.hours_wanted is not None and not 0 < plan.facts.hours_wanted <= 60:
        errors["hours_wanted"] = _("Hours wanted must be between 1 and 60.")
    youth = _youth_track(proposal, plan.category)
    guided = youth and _guidance(plan, youth) and _injunction(plan, youth)
    if plan.exempt:
        if len(plan.exemption_reason.strip()) < 10:
            errors["exemption_reason"] = _(
                "An exemption from immediate activation needs a written reason "
                "(at least 10 characters)."
            )
        if plan.activation is not None:
            errors["activation"] = _("Choose either an activation or an exemption, not both.")
    elif plan.activation is None and not guided:
        errors["activation"] = _(
            "Choose a site or course for immediate activation, or an exemption with a reason."
        )
    if plan.activation is not None:
        start_date = plan.activation.start_date
        latest = rules.latest_activation_start(today)
        if start_date < today or start_date > latest:
            errors["start_date"] = _(
                "The activation must start between {first} and {last}."
            ).format(first=today.isoformat(), last=latest.isoformat())
        elif not rules.calendar.is_working_day(start_date):
            errors["start_date"] = _("{day} is not a working day.").format(
                day=start_date.isoformat()
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


def _youth_track(proposal: Proposal, category: str) -> bool:
    return proposal.youth_track and category in EDUCATION_CATEGORIES


def _guidance(plan: VisitationPlan, youth: bool) -> bool:
    return youth if plan.guidance is None else plan.guidance


def _injunction(plan: VisitationPlan, youth: bool) -> bool:
    return youth if plan.injunction is None else plan.injunction


def _follow_up(
    session: Session,
    ctx: ServiceContext,
    staff: StaffInfo,
    *,
    citizen_id: int,
    kind: FollowUpKind,
    due: date,
    referral_id: int | None = None,
    activation_id: int | None = None,
    visitation_id: int | None = None,
) -> int:
    row = FollowUp(
        citizen_id=citizen_id,
        kind=kind,
        due=due,
        assignee_id=staff.id,
        created_at=ctx.clock.now(),
        referral_id=referral_id,
        activation_id=activation_id,
        visitation_id=visitation_id,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _assign_activation(
    session: Session,
    ctx: ServiceContext,
    staff: StaffInfo,
    choice: ActivationChoice,
    citizen_id: int,
    visitation_id: int,
) -> tuple[int, list[int]]:
    site = session.get(ActivationSite, choice.site_id)
    if site is None or not site.active:
        raise ValidationError(_("That activation site is not in use."), field="activation")
    if choice.start_date.weekday() not in site.weekdays:
        raise ValidationError(
            _("{site} does not take starters on that weekday.").format(site=site.name),
            field="start_date",
        )
    if _seats_taken(session, choice.site_id, choice.start_date) >= site.seats:
        raise CapacityFull(
            _("{site} has no free seat from {day}: choose another site or date.").format(
                site=site.name, day=choice.start_date.isoformat()
            ),
            field="activation",
        )
    activation = Activation(
        citizen_id=citizen_id,
        visitation_id=visitation_id,
        site_id=choice.site_id,
        start_date=choice.start_date,
        status=ActivationStatus.PLANNED,
        created_at=ctx.clock.now(),
    )
    session.add(activation)
    session.flush()
    assert activation.id is not None
    ids = [
        _follow_up(
            session,
            ctx,
            staff,
            citizen_id=citizen_id,
            kind=FollowUpKind.ACTIVATION_START,
            due=choice.start_date,
            activation_id=activation.id,
        )
    ]
    warn = ctx.rulebook.nytteindsats_warning(choice.start_date)
    if site.kind == SiteKind.NYTTEINDSATS and warn is not None:
        ids.append(
            _follow_up(
                session,
                ctx,
                staff,
                citizen_id=citizen_id,
                kind=FollowUpKind.NYTTEINDSATS_END,
                due=warn,
                activation_id=activation.id,
            )
        )
    return activation.id, ids


def _refer(
    session: Session,
    ctx: ServiceContext,
    staff: StaffInfo,
    choice: ReferralChoice,
    citizen_id: int,
    visitation_id: int | None,
) -> tuple[int, int]:
    today = ctx.clock.today()
    opening = session.get(JobOpening, choice.opening_id)
    if opening is None or opening.status != OpeningStatus.OPEN or opening.apply_by < today:
        raise ValidationError(_("A chosen job opening is no longer open."), field="referrals")
    already = session.exec(
        select(Referral.id).where(
            Referral.citizen_id == citizen_id, Referral.opening_id == choice.opening_id
        )
    ).first()
    if already is not None:
        raise ValidationError(
            _("The citizen is already referred to {title}.").format(title=opening.title),
            field="referrals",
        )
    apply_by = choice.apply_by or min(ctx.rulebook.apply_by(today), opening.apply_by)
    follow_up_on = choice.follow_up_on or ctx.rulebook.referral_follow_up(today)
    referral = Referral(
        citizen_id=citizen_id,
        opening_id=choice.opening_id,
        visitation_id=visitation_id,
        consultant_id=staff.id,
        referred_on=today,
        apply_by=apply_by,
        follow_up_on=follow_up_on,
    )
    session.add(referral)
    session.flush()
    assert referral.id is not None
    follow_up_id = _follow_up(
        session,
        ctx,
        staff,
        citizen_id=citizen_id,
        kind=FollowUpKind.REFERRAL,
        due=follow_up_on,
        referral_id=referral.id,
    )
    return referral.id, follow_up_id


def complete(ctx: ServiceContext, plan: VisitationPlan) -> VisitationResult:
    """Save the whole conversation in one transaction: all of it, or nothing."""
    staff = ctx.require(Permission.VISIT)
    today, now = ctx.clock.today(), ctx.clock.now()
    rules = ctx.rulebook

    def work(session: Session) -> VisitationResult:
        request = _open_request(session, plan.request_id)
        citizen = citizen_at(session, request.citizen_id)
        assert citizen.id is not None
        card = load_card(session, citizen, today)
        if errors := validate_plan(rules, today, plan, card.age):
            raise FormErrors(errors)
        ruleset = rules.in_force(today)
        proposal = propose_category(ruleset, card.age, plan.facts.has_vocational_education)
        youth = _youth_track(proposal, plan.category)
        cv_deadline = (
            rules.cv_deadline(request.arrived_on) if ruleset.cv_required(plan.category) else None
        )
        provisional = plan.provisional and plan.category == Category.UDDANNELSESPARAT
        facts = plan.facts
        visitation = Visitation(
            request_id=plan.request_id,
            citizen_id=citizen.id,
            consultant_id=staff.id,
            held_on=today,
            completed_at=now,
            age=card.age,
            has_vocational_education=facts.has_vocational_education,
            job_wishes=facts.job_wishes.strip(),
            industries=",".join(i.strip() for i in facts.industries if i.strip()),
            hours_wanted=facts.hours_wanted,
            restrictions=facts.restrictions.strip(),
            driving_licence=facts.driving_licence,
            digital_skills=facts.digital_skills.strip(),
            integration_programme=facts.integration_programme,
            proposed_category=proposal.category,
            category=plan.category,
            override_reason=plan.override_reason.strip(),
            provisional=provisional,
            review_on=rules.category_review(today) if provisional else None,
            youth_track=youth,
            guidance_referred=_guidance(plan, youth),
            injunction_given=_injunction(plan, youth),
            activation_exempt=plan.exempt,
            exemption_reason=plan.exemption_reason.strip() if plan.exempt else "",
            cv_deadline=cv_deadline,
            help_cv=plan.help_cv,
            help_email=plan.help_email,
            help_application=plan.help_application,
        )
        session.add(visitation)
        session.flush()
        assert visitation.id is not None
        follow_ups: list[int] = []
        activation_id = None
        if plan.activation is not None:
            activation_id, ids = _assign_activation(
                session, ctx, staff, plan.activation, citizen.id, visitation.id
            )
            follow_ups += ids
        referral_ids = []
        for choice in plan.referrals:
            referral_id, follow_up_id = _refer(
                session, ctx, staff, choice, citizen.id, visitation.id
            )
            referral_ids.append(referral_id)
            follow_ups.append(follow_up_id)
        if cv_deadline is not None:
            follow_ups.append(
                _follow_up(
                    session,
                    ctx,
                    staff,
                    citizen_id=citizen.id,
                    kind=FollowUpKind.CV_DEADLINE,
                    due=cv_deadline,
                    visitation_id=visitation.id,
                )
            )
        if visitation.review_on is not None:
            follow_ups.append(
                _follow_up(
                    session,
                    ctx,
                    staff,
                    citizen_id=citizen.id,
                    kind=FollowUpKind.CATEGORY_REVIEW,
                    due=visitation.review_on,
                    visitation_id=visitation.id,
                )
            )
        request.status = RequestStatus.DONE
        request.closed_at = now
        session.add(request)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity="visitation",
            entity_id=visitation.id,
            citizen_id=citizen.id,
            detail=plan.category,
            at=now,
        )
        return VisitationResult(
            visitation.id,
            plan.category,
            activation_id,
            tuple(referral_ids),
            tuple(follow_ups),
            cv_deadline,
        )

    return ctx.db.write(work)


def withdraw(ctx: ServiceContext, request_id: int, reason: str, note: str = "") -> None:
    """'Turned at the door': the citizen withdraws the application (takes a job, education, …)."""
    staff = ctx.require(Permission.REGISTER)
    if reason not in {r.value for r in WithdrawalReason}:
        raise ValidationError(_("Choose why the application is withdrawn."), field="reason")
    if reason == WithdrawalReason.OTHER and not note.strip():
        raise ValidationError(_("Write what the other reason is."), field="note")
    now = ctx.clock.now()

    def work(session: Session) -> None:
        request = _open_request(session, request_id)
        request.status = RequestStatus.WITHDRAWN
        request.closed_at = now
        session.add(request)
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
            entity="withdrawal",
            entity_id=request_id,
            citizen_id=request.citizen_id,
            detail=reason,
            at=now,
        )

    ctx.db.write(work)

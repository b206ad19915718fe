"""Activation sites and courses: municipal workplaces (nytteindsats), provider courses and
company internships, with their seats, hours and start weekdays.

The capacity view uses the very rule the conversation enforces when it assigns a seat
(`visitation.site_availability`: an open-ended activation holds its seat from its start onwards),
so "seats left for tomorrow's start" here is what the conversation will accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import FormErrors, NotFound, ValidationError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.visitation import (
    ActivationChoice,
    SiteAvailability,
    _assign_activation,
    _seats_taken,
    site_availability,
)
from jobbutik.store import changes
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    ActivationStatus,
    AuditAction,
    SiteKind,
    Visitation,
)

KINDS = tuple(k.value for k in SiteKind)
MAX_SEATS = 500
MAX_HOURS = 60
DEFAULT_WEEKS = 3
_WEEKDAY_TEXT = re.compile(r"^[0-6](,[0-6])*$")


@dataclass(frozen=True)
class SiteForm:
    name: str
    kind: str
    seats: int | None
    hours_per_week: int | None
    start_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    provider: str = ""
    address: str = ""
    postcode: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    active: bool = True
    # The site's targets as shares 0–1 (typed as per cent); None: no target.
    target_job_share: float | None = None
    target_job_or_education_share: float | None = None


@dataclass(frozen=True)
class SiteRow:
    id: int
    form: SiteForm
    taken_today: int  # seats held from today onwards


@dataclass(frozen=True)
class CapacityDay:
    day: date
    free: int | None  # None: the site takes no starters on that weekday


@dataclass(frozen=True)
class SiteCapacity:
    site_id: int
    name: str
    kind: str
    seats: int
    hours_per_week: int
    days: tuple[CapacityDay, ...]

    def on(self, day: date) -> CapacityDay | None:
        return next((d for d in self.days if d.day == day), None)


@dataclass(frozen=True)
class CapacityView:
    days: tuple[date, ...]  # the working days shown, first the next working day
    sites: tuple[SiteCapacity, ...]


@dataclass(frozen=True)
class Booking:
    activation_id: int
    site: str
    start_date: date
    follow_up_ids: tuple[int, ...]


def validate_site(form: SiteForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if problem := check_name(form.name):
        errors["name"] = problem
    if form.kind not in KINDS:
        errors["kind"] = _("Choose nytteindsats, course or internship.")
    if form.seats is None:
        errors["seats"] = _("Give the number of seats.")
    elif not 1 <= form.seats <= MAX_SEATS:
        errors["seats"] = _("Seats must be between 1 and {max}.").format(max=MAX_SEATS)
    if form.hours_per_week is None:
        errors["hours"] = _("Give the hours per week.")
    elif not 1 <= form.hours_per_week <= MAX_HOURS:
        errors["hours"] = _("Hours per week must be between 1 and {max}.").format(max=MAX_HOURS)
    if not form.start_weekdays or any(not 0 <= d <= 6 for d in form.start_weekdays):
        errors["weekdays"] = _("Choose at least one start weekday.")
    for field_name, share in (
        ("target_job", form.target_job_share),
        ("target_job_or_education", form.target_job_or_education_share),
    ):
        if share is not None and not 0.0 <= share <= 1.0:
            errors[field_name] = _("A target is a share from 0 to 100 %.")
    job, either = form.target_job_share, form.target_job_or_education_share
    # Job or education includes job: its target cannot be the lower one.
    if not errors.keys() & {"target_job", "target_job_or_education"} and (
        job is not None and either is not None and either < job
    ):
        errors["target_job_or_education"] = _(
            "The job-or-education target cannot be below the job target."
        )
    for field_name, problem in (
        ("postcode", check_postcode(form.postcode)),
        ("contact_phone", check_phone(form.contact_phone)),
        ("contact_email", check_email(form.contact_email)),
    ):
        if problem:
            errors[field_name] = problem
    return errors


def _apply(site: ActivationSite, form: SiteForm) -> None:
    assert form.seats is not None and form.hours_per_week is not None
    site.name = " ".join(form.name.split())
    site.kind = form.kind
    site.provider = form.provider.strip()
    site.address = form.address.strip()
    site.postcode = form.postcode.strip() or None
    site.seats = form.seats
    site.hours_per_week = form.hours_per_week
    site.start_weekdays = ",".join(str(d) for d in sorted(set(form.start_weekdays)))
    site.contact_name = form.contact_name.strip()
    site.contact_phone = form.contact_phone.strip()
    site.contact_email = form.contact_email.strip()
    site.active = form.active
    site.target_employment_share = form.target_job_share
    site.target_job_or_education_share = form.target_job_or_education_share


def form_of(site: ActivationSite) -> SiteForm:
    return SiteForm(
        name=site.name,
        kind=site.kind,
        seats=site.seats,
        hours_per_week=site.hours_per_week,
        start_weekdays=tuple(sorted(site.weekdays)),
        provider=site.provider,
        address=site.address,
        postcode=site.postcode or "",
        contact_name=site.contact_name,
        contact_phone=site.contact_phone,
        contact_email=site.contact_email,
        active=site.active,
        target_job_share=site.target_employment_share,
        target_job_or_education_share=site.target_job_or_education_share,
    )


def create_site(ctx: ServiceContext, form: SiteForm) -> int:
    staff = ctx.require(Permission.MANAGE_SITES)
    require_plain_text(form)
    if errors := validate_site(form):
        raise FormErrors(errors)
    now = ctx.clock.now()

    def work(session: Session) -> int:
        site = ActivationSite(name="", kind="", seats=1, hours_per_week=1)
        _apply(site, form)
        session.add(site)
        session.flush()
        assert site.id is not None
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity=AuditEntity.ACTIVATION_SITE,
            entity_id=site.id,
            detail=site.name,
            at=now,
        )
        return site.id

    return ctx.db.write(work)


def update_site(ctx: ServiceContext, site_id: int, form: SiteForm) -> None:
    """Change a site. Seats below those already taken from today on are refused, naming them:
    the citizens holding them would otherwise be over capacity."""
    staff = ctx.require(Permission.MANAGE_SITES)
    require_plain_text(form)
    if errors := validate_site(form):
        raise FormErrors(errors)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> None:
        # The site's turn first, before anything is read: a booking under way is waited for,
        # and then this write runs again alone and counts its seat (`visitation._take_seat`).
        changes.bump(session, turn=changes.seats(site_id))
        site = session.get(ActivationSite, site_id)
        if site is None:
            raise NotFound(_("No such activation site."))
        taken = _seats_taken(session, site_id, today)
        assert form.seats is not None
        if form.seats < taken:
            raise ValidationError(
                ngettext(
                    "{taken} seat is taken from today on: the site needs at least {taken} seat.",
                    "{taken} seats are taken from today on: the site needs at least {taken} seats.",
                    taken,
                ).format(taken=taken),
                field="seats",
            )
        _apply(site, form)
        session.add(site)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.ACTIVATION_SITE,
            entity_id=site_id,
            detail=site.name,
            at=now,
        )

    ctx.db.write(work)


def get_site(ctx: ServiceContext, site_id: int) -> SiteForm:
    ctx.require(Permission.SEARCH)

    def work(session: Session) -> SiteForm:
        site = session.get(ActivationSite, site_id)
        if site is None:
            raise NotFound(_("No such activation site."))
        return form_of(site)

    return ctx.db.read(work)


def list_sites(ctx: ServiceContext, *, include_inactive: bool = True) -> list[SiteRow]:
    ctx.require(Permission.SEARCH)
    today = ctx.clock.today()

    def work(session: Session) -> list[SiteRow]:
        query = select(ActivationSite).order_by(col(ActivationSite.kind), col(ActivationSite.name))
        if not include_inactive:
            query = query.where(col(ActivationSite.active).is_(True))
        return [
            SiteRow(site.id, form_of(site), _seats_taken(session, site.id, today))
            for site in session.exec(query).all()
            if site.id is not None
        ]

    return ctx.db.read(work)


def capacity(
    ctx: ServiceContext, *, first: date | None = None, weeks: int = DEFAULT_WEEKS
) -> CapacityView:
    """Free seats per active site for each working day from `first` (default: the next working
    day, "tomorrow's start") over `weeks` weeks. A day the site takes no starters is None."""
    ctx.require(Permission.SEARCH)
    calendar = ctx.rulebook.calendar
    start = first or calendar.next_working_day(ctx.clock.today())
    end = calendar.add_working_days(start, max(1, weeks) * 5 - 1)
    days = tuple(calendar.working_days_in(start, end))

    def work(session: Session) -> CapacityView:
        per_day: dict[date, dict[int, SiteAvailability]] = {
            day: {s.site_id: s for s in site_availability(session, day)} for day in days
        }
        sites: list[SiteCapacity] = []
        listed = site_availability(session, days[0]) if days else []
        for site in listed:
            cells = []
            for day in days:
                found = per_day[day].get(site.site_id)
                free = found.free if found is not None and found.starts_on_weekday else None
                cells.append(CapacityDay(day, free))
            sites.append(
                SiteCapacity(
                    site_id=site.site_id,
                    name=site.name,
                    kind=site.kind,
                    seats=site.seats,
                    hours_per_week=site.hours_per_week,
                    days=tuple(cells),
                )
            )
        return CapacityView(days, tuple(sites))

    return ctx.db.read(work)


def book_start(ctx: ServiceContext, citizen_id: int, site_id: int, start_date: date) -> Booking:
    """Book a new activation start for a citizen outside the conversation (e.g. after a no-show),
    under the same capacity rule; a full site is refused with `CapacityFull` saying so.

    The activation belongs to the citizen's latest visitation and gets the same follow-ups
    (did they show up? and, for nytteindsats, the long-stay warning)."""
    staff = ctx.require(Permission.VISIT)
    today, now = ctx.clock.today(), ctx.clock.now()
    if start_date < today:
        raise ValidationError(_("The start date has passed."), field="start_date")
    if not ctx.rulebook.calendar.is_working_day(start_date):
        raise ValidationError(
            _("{day} is not a working day.").format(day=format_day(start_date)),
            field="start_date",
        )

    def work(session: Session) -> Booking:
        # The site's turn first, before anything is read (`visitation._take_seat`): the check
        # that the citizen is not booked there already, and the seats, then see every booking.
        changes.bump(session, changes.FOLLOW_UPS, turn=changes.seats(site_id))
        visitation_id = session.exec(
            select(Visitation.id)
            .where(Visitation.citizen_id == citizen_id)
            .order_by(col(Visitation.held_on).desc(), col(Visitation.id).desc())
        ).first()
        if visitation_id is None:
            raise ValidationError(
                _("The citizen has had no visitation conversation yet."), field="citizen"
            )
        already = session.exec(
            select(Activation.id).where(
                Activation.citizen_id == citizen_id,
                Activation.site_id == site_id,
                Activation.start_date == start_date,
                col(Activation.status).in_((ActivationStatus.PLANNED, ActivationStatus.STARTED)),
            )
        ).first()
        if already is not None:
            raise ValidationError(
                _("The citizen is already booked there from that day."), field="activation"
            )
        activation_id, follow_ups = _assign_activation(
            session,
            ctx,
            staff,
            ActivationChoice(site_id, start_date),
            citizen_id,
            visitation_id,
        )
        site = session.get(ActivationSite, site_id)
        assert site is not None
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity=AuditEntity.ACTIVATION,
            entity_id=activation_id,
            citizen_id=citizen_id,
            detail=f"{site.name} {start_date.isoformat()}",
            at=now,
        )
        return Booking(activation_id, site.name, start_date, tuple(follow_ups))

    return ctx.db.write(work)

"""Job openings from local companies: entered when a company calls in, matched to citizens."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, union
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from jobbutik.domain.contact import check_postcode
from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import FormErrors, NotFound, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import fold_name
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity, DanishLevel
from jobbutik.domain.words import mentions_driving_licence
from jobbutik.services import audit
from jobbutik.services.companies import danish_sort_key
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.store.models import AuditAction, Company, JobOpening, OpeningStatus, Referral

STATUSES = tuple(s.value for s in OpeningStatus)
# Danish needed for the job: "" (no requirement), then increasing.
DANISH_LEVELS = DanishLevel.values()
MAX_HOURS = 60
LIST_LIMIT = 500


@dataclass(frozen=True)
class OpeningForm:
    company_id: int | None
    title: str
    hours_per_week: int | None
    apply_by: date | None
    industry: str = ""
    postcode: str = ""
    requirements: str = ""
    driving_licence_required: bool = False
    danish_level: str = ""
    skaanehensyn_possible: bool = False
    status: str = OpeningStatus.OPEN.value


@dataclass(frozen=True)
class OpeningRow:
    id: int
    company_id: int
    company: str
    title: str
    industry: str
    hours_per_week: int
    postcode: str
    apply_by: date
    status: str
    driving_licence_required: bool
    danish_level: str
    skaanehensyn_possible: bool
    requirements: str
    referrals: int


def validate_opening(form: OpeningForm, today: date, *, new: bool = True) -> dict[str, str]:
    """Field → message for everything wrong (empty: it may be saved).

    A new opening's apply-by date may not be in the past; an existing one keeps its date."""
    errors: dict[str, str] = {}
    if form.company_id is None:
        errors["company"] = _("Choose the company.")
    title = form.title.strip()
    if not title:
        errors["title"] = _("The job title is required.")
    elif len(title) > 200:
        errors["title"] = _("The job title is too long (at most 200 characters).")
    if form.hours_per_week is None:
        errors["hours"] = _("Give the hours per week.")
    elif not 1 <= form.hours_per_week <= MAX_HOURS:
        errors["hours"] = _("Hours per week must be between 1 and {max}.").format(max=MAX_HOURS)
    if problem := check_postcode(form.postcode):
        errors["postcode"] = problem
    if form.apply_by is None:
        errors["apply_by"] = _("Give the apply-by date.")
    elif new and form.apply_by < today:
        errors["apply_by"] = _("The apply-by date {day} has passed.").format(
            day=format_day(form.apply_by)
        )
    if form.danish_level not in DANISH_LEVELS:
        errors["danish_level"] = _("Choose the Danish level needed.")
    if form.status not in STATUSES:
        errors["status"] = _("Choose open, filled or closed.")
    return errors


def _apply(opening: JobOpening, form: OpeningForm) -> None:
    assert form.company_id is not None and form.hours_per_week is not None
    assert form.apply_by is not None
    opening.company_id = form.company_id
    opening.title = " ".join(form.title.split())
    opening.industry = form.industry.strip()
    opening.hours_per_week = form.hours_per_week
    opening.postcode = form.postcode.strip() or None
    opening.apply_by = form.apply_by
    opening.requirements = form.requirements.strip()
    # Requirements that ask for a licence require one, ticked or not (the form says so).
    opening.driving_licence_required = form.driving_licence_required or mentions_driving_licence(
        opening.requirements
    )
    opening.danish_level = form.danish_level
    opening.skaanehensyn_possible = form.skaanehensyn_possible
    opening.status = form.status


def _company(session: Session, company_id: int | None) -> Company:
    company = session.get(Company, company_id) if company_id is not None else None
    if company is None:
        raise ValidationError(_("That company is not registered."), field="company")
    return company


def build_opening(form: OpeningForm, now: datetime) -> JobOpening:
    """A JobOpening row from a checked form (for create and for the CSV import, so both mark a
    licence the requirements mention the same way)."""
    assert form.company_id is not None and form.hours_per_week is not None
    assert form.apply_by is not None
    opening = JobOpening(
        company_id=form.company_id,
        title="",
        hours_per_week=form.hours_per_week,
        apply_by=form.apply_by,
        created_at=now,
    )
    _apply(opening, form)
    return opening


def create_opening(ctx: ServiceContext, form: OpeningForm) -> int:
    """Enter a job opening (a company calls in). The company must be registered; its postcode
    and industry are used where the form leaves them empty."""
    staff = ctx.require(Permission.MANAGE_OPENINGS)
    require_plain_text(form)
    today, now = ctx.clock.today(), ctx.clock.now()
    if errors := validate_opening(form, today):
        raise FormErrors(errors)

    def work(session: Session) -> int:
        company = _company(session, form.company_id)
        filled = replace(
            form,
            postcode=form.postcode.strip() or (company.postcode or ""),
            industry=form.industry.strip() or company.industry,
        )
        opening = build_opening(filled, now)
        session.add(opening)
        session.flush()
        assert opening.id is not None
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity=AuditEntity.JOB_OPENING,
            entity_id=opening.id,
            detail=f"{company.cvr} {opening.title}",
            at=now,
        )
        return opening.id

    return ctx.db.write(work)


def update_opening(ctx: ServiceContext, opening_id: int, form: OpeningForm) -> None:
    staff = ctx.require(Permission.MANAGE_OPENINGS)
    require_plain_text(form)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> None:
        opening = session.get(JobOpening, opening_id)
        if opening is None:
            raise NotFound(_("No such job opening."))
        # A changed apply-by date must not be in the past; an unchanged old one may stay.
        new_date = form.apply_by != opening.apply_by
        if errors := validate_opening(form, today, new=new_date):
            raise FormErrors(errors)
        _company(session, form.company_id)
        _apply(opening, form)
        session.add(opening)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.JOB_OPENING,
            entity_id=opening_id,
            detail=opening.status,
            at=now,
        )

    ctx.db.write(work)


def set_status(ctx: ServiceContext, opening_id: int, status: str) -> None:
    """Mark an opening open, filled or closed."""
    staff = ctx.require(Permission.MANAGE_OPENINGS)
    if status not in STATUSES:
        raise ValidationError(_("Choose open, filled or closed."), field="status")
    now = ctx.clock.now()

    def work(session: Session) -> None:
        opening = session.get(JobOpening, opening_id)
        if opening is None:
            raise NotFound(_("No such job opening."))
        opening.status = status
        session.add(opening)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.JOB_OPENING,
            entity_id=opening_id,
            detail=status,
            at=now,
        )

    ctx.db.write(work)


def form_of(opening: JobOpening) -> OpeningForm:
    return OpeningForm(
        company_id=opening.company_id,
        title=opening.title,
        hours_per_week=opening.hours_per_week,
        apply_by=opening.apply_by,
        industry=opening.industry,
        postcode=opening.postcode or "",
        requirements=opening.requirements,
        driving_licence_required=opening.driving_licence_required,
        danish_level=opening.danish_level,
        skaanehensyn_possible=opening.skaanehensyn_possible,
        status=opening.status,
    )


def get_opening(ctx: ServiceContext, opening_id: int) -> OpeningForm:
    ctx.require(Permission.MANAGE_OPENINGS)

    def work(session: Session) -> OpeningForm:
        opening = session.get(JobOpening, opening_id)
        if opening is None:
            raise NotFound(_("No such job opening."))
        return form_of(opening)

    return ctx.db.read(work)


def list_openings(
    ctx: ServiceContext,
    *,
    status: str | None = OpeningStatus.OPEN.value,
    company_id: int | None = None,
    term: str = "",
    limit: int = LIST_LIMIT,
) -> list[OpeningRow]:
    """Openings (by default the open ones), soonest apply-by first; `term` matches the title
    or the company name (Danish letters folded)."""
    ctx.require(Permission.MANAGE_OPENINGS)
    referral_counts = (
        select_columns(col(Referral.opening_id), func.count().label("n"))
        .group_by(col(Referral.opening_id))
        .subquery()
    )
    query = (
        select_columns(
            JobOpening,
            col(Company.name),
            func.coalesce(referral_counts.c.n, 0),
        )
        .join(Company, col(Company.id) == JobOpening.company_id)
        .outerjoin(referral_counts, referral_counts.c.opening_id == JobOpening.id)
    )
    if status is not None:
        query = query.where(col(JobOpening.status) == status)
    if company_id is not None:
        query = query.where(col(JobOpening.company_id) == company_id)
    query = query.order_by(col(JobOpening.apply_by), col(JobOpening.id))
    folded = fold_name(term)

    def work(session: Session) -> list[OpeningRow]:
        rows = []
        for opening, company, n in session.execute(query).all():
            if folded and folded not in fold_name(opening.title) + " " + fold_name(company):
                continue
            rows.append(
                OpeningRow(
                    id=opening.id,
                    company_id=opening.company_id,
                    company=company,
                    title=opening.title,
                    industry=opening.industry,
                    hours_per_week=opening.hours_per_week,
                    postcode=opening.postcode or "",
                    apply_by=opening.apply_by,
                    status=opening.status,
                    driving_licence_required=opening.driving_licence_required,
                    danish_level=opening.danish_level,
                    skaanehensyn_possible=opening.skaanehensyn_possible,
                    requirements=opening.requirements,
                    referrals=int(n),
                )
            )
            if len(rows) >= limit:
                break
        return rows

    return ctx.db.read(work)


def known_industries(ctx: ServiceContext) -> list[str]:
    """The industries of the registered companies and their openings, once each (the first
    spelling of each folded form) in Danish alphabetical order: what an industry field offers."""
    ctx.require(Permission.MANAGE_OPENINGS)
    query = union(select_columns(col(Company.industry)), select_columns(col(JobOpening.industry)))

    def work(session: Session) -> list[str]:
        found: dict[str, str] = {}
        for name in sorted(" ".join(i.split()) for (i,) in session.execute(query).all()):
            if name:
                found.setdefault(fold_name(name), name)
        return sorted(found.values(), key=danish_sort_key)

    return ctx.db.read(work)

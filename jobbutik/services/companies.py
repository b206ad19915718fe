"""The company register: local companies the Jobbutik refers citizens to (CVR validated).

Companies are the Jobbutik's other customers: a company calls in with a job opening, signs a
cooperation agreement (it trains, hires, or both), and the desk sees which citizens were referred
there and who was hired. Company data is not personal data, but the history lists citizens, so
reading it is audited per citizen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.errors import FormErrors, NotFound, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import CvrError, mask_cpr, name_key, parse_cvr
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.name_words import search_words, starts_words
from jobbutik.store.models import (
    Agreement,
    AuditAction,
    Citizen,
    Company,
    JobOpening,
    OpeningStatus,
    Referral,
    ReferralOutcome,
)

SEARCH_LIMIT = 500
AGREEMENTS = tuple(a.value for a in Agreement)


@dataclass(frozen=True)
class CompanyForm:
    """What the company form (and a CSV row) holds; `validate_company` checks it."""

    cvr: str
    name: str
    address: str = ""
    postcode: str = ""
    industry: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    agreement: str = Agreement.NONE.value


@dataclass(frozen=True)
class CompanyHit:
    id: int
    cvr: str
    name: str
    postcode: str
    industry: str
    contact_name: str
    phone: str
    agreement: str
    open_openings: int


@dataclass(frozen=True)
class CompanyReferral:
    referral_id: int
    referred_on: date
    title: str
    citizen_id: int
    cpr_masked: str
    citizen_name: str
    outcome: str | None  # None: not followed up yet


@dataclass(frozen=True)
class CompanyOpening:
    id: int
    title: str
    hours_per_week: int
    apply_by: date
    status: str
    referrals: int
    hires: int


@dataclass(frozen=True)
class CompanyHistory:
    company_id: int
    form: CompanyForm
    openings: tuple[CompanyOpening, ...]  # newest apply-by first
    referrals: tuple[CompanyReferral, ...]  # newest first
    referral_count: int
    hire_count: int


_DANISH_ORDER = str.maketrans(
    {"æ": "z\x01", "ä": "z\x01", "ø": "z\x02", "ö": "z\x02", "å": "z\x03"}
)


def danish_sort_key(name: str) -> str:
    """Danish alphabetical order: æ, ø, å come after z."""
    return name.casefold().translate(_DANISH_ORDER)


def validate_company(form: CompanyForm) -> dict[str, str]:
    """Field → message for everything wrong with the form (empty: it may be saved)."""
    errors: dict[str, str] = {}
    try:
        parse_cvr(form.cvr)
    except CvrError as exc:
        errors["cvr"] = exc.reason
    for field_name, problem in (
        ("name", check_name(form.name)),
        ("postcode", check_postcode(form.postcode)),
        ("phone", check_phone(form.phone)),
        ("email", check_email(form.email)),
    ):
        if problem:
            errors[field_name] = problem
    if form.agreement not in AGREEMENTS:
        errors["agreement"] = _("Choose the cooperation agreement.")
    return errors


def _apply(company: Company, form: CompanyForm) -> None:
    company.cvr = parse_cvr(form.cvr)
    company.name = " ".join(form.name.split())
    company.name_folded = name_key(company.name)
    company.address = form.address.strip()
    company.postcode = form.postcode.strip() or None
    company.industry = form.industry.strip()
    company.contact_name = form.contact_name.strip()
    company.phone = form.phone.strip()
    company.email = form.email.strip()
    company.agreement = form.agreement


def _refuse_duplicate_cvr(session: Session, cvr: str, own_id: int | None) -> None:
    other = session.exec(select(Company).where(Company.cvr == cvr)).first()
    if other is not None and other.id != own_id:
        raise ValidationError(
            _("CVR {cvr} is already registered ({name}).").format(cvr=cvr, name=other.name),
            field="cvr",
        )


def create_company(ctx: ServiceContext, form: CompanyForm) -> int:
    """Register a company; a CVR number already registered is refused at the `cvr` field."""
    staff = ctx.require(Permission.MANAGE_OPENINGS)
    require_plain_text(form)
    if errors := validate_company(form):
        raise FormErrors(errors)
    now = ctx.clock.now()

    def work(session: Session) -> int:
        _refuse_duplicate_cvr(session, parse_cvr(form.cvr), None)
        company = Company(cvr="", name="", name_folded="")
        _apply(company, form)
        session.add(company)
        session.flush()
        assert company.id is not None
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.CREATE,
            entity=AuditEntity.COMPANY,
            entity_id=company.id,
            detail=company.cvr,
            at=now,
        )
        return company.id

    return ctx.db.write(work)


def update_company(ctx: ServiceContext, company_id: int, form: CompanyForm) -> None:
    staff = ctx.require(Permission.MANAGE_OPENINGS)
    require_plain_text(form)
    if errors := validate_company(form):
        raise FormErrors(errors)
    now = ctx.clock.now()

    def work(session: Session) -> None:
        company = session.get(Company, company_id)
        if company is None:
            raise NotFound(_("No such company."))
        _refuse_duplicate_cvr(session, parse_cvr(form.cvr), company_id)
        _apply(company, form)
        session.add(company)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.UPDATE,
            entity=AuditEntity.COMPANY,
            entity_id=company_id,
            detail=company.cvr,
            at=now,
        )

    ctx.db.write(work)


def form_of(company: Company) -> CompanyForm:
    return CompanyForm(
        cvr=company.cvr,
        name=company.name,
        address=company.address,
        postcode=company.postcode or "",
        industry=company.industry,
        contact_name=company.contact_name,
        phone=company.phone,
        email=company.email,
        agreement=company.agreement,
    )


def get_company(ctx: ServiceContext, company_id: int) -> CompanyForm:
    ctx.require(Permission.MANAGE_OPENINGS)

    def work(session: Session) -> CompanyForm:
        company = session.get(Company, company_id)
        if company is None:
            raise NotFound(_("No such company."))
        return form_of(company)

    return ctx.db.read(work)


def search_companies(
    ctx: ServiceContext, term: str = "", *, limit: int = SEARCH_LIMIT
) -> list[CompanyHit]:
    """Companies by CVR prefix (digits) or by name (each typed word starts some word of the name,
    in any order, Danish letters folded); an empty term lists them all by name."""
    ctx.require(Permission.MANAGE_OPENINGS)
    text = term.strip()
    digits = "".join(text.split())
    open_counts = (
        select_columns(col(JobOpening.company_id), func.count().label("n"))
        .where(col(JobOpening.status) == OpeningStatus.OPEN)
        .group_by(col(JobOpening.company_id))
        .subquery()
    )
    query = select_columns(
        col(Company.id),
        col(Company.cvr),
        col(Company.name),
        col(Company.postcode),
        col(Company.industry),
        col(Company.contact_name),
        col(Company.phone),
        col(Company.agreement),
        func.coalesce(open_counts.c.n, 0),
    ).outerjoin(open_counts, open_counts.c.company_id == Company.id)
    if digits and digits.isascii() and digits.isdigit():
        query = query.where(col(Company.cvr).startswith(digits, autoescape=True))
    elif text:
        query = query.where(*starts_words(Company.name_folded, search_words(text)))
    query = query.order_by(col(Company.name_folded), col(Company.id)).limit(limit)

    def work(session: Session) -> list[CompanyHit]:
        hits = [
            CompanyHit(
                id=cid,
                cvr=cvr,
                name=name,
                postcode=postcode or "",
                industry=industry,
                contact_name=contact,
                phone=phone,
                agreement=agreement,
                open_openings=int(n),
            )
            for cid, cvr, name, postcode, industry, contact, phone, agreement, n in session.execute(
                query
            ).all()
        ]
        return sorted(hits, key=lambda h: (danish_sort_key(h.name), h.id))

    return ctx.db.read(work)


def company_history(ctx: ServiceContext, company_id: int) -> CompanyHistory:
    """The company with its openings and every referral there (who, when, outcome).

    The referrals name citizens, so the read is audited once per citizen shown."""
    staff = ctx.require(Permission.MANAGE_OPENINGS)
    now = ctx.clock.now()
    hired = ReferralOutcome.HIRED.value

    def work(session: Session) -> CompanyHistory:
        company = session.get(Company, company_id)
        if company is None:
            raise NotFound(_("No such company."))
        rows = session.execute(
            select_columns(
                col(Referral.id),
                col(Referral.referred_on),
                col(JobOpening.title),
                col(Citizen.id),
                col(Citizen.cpr),
                col(Citizen.name),
                col(Referral.outcome),
            )
            .join(JobOpening, col(JobOpening.id) == Referral.opening_id)
            .join(Citizen, col(Citizen.id) == Referral.citizen_id)
            .where(col(JobOpening.company_id) == company_id)
            .order_by(col(Referral.referred_on).desc(), col(Referral.id).desc())
        ).all()
        referrals = tuple(
            CompanyReferral(rid, on, title, cid, mask_cpr(cpr), name, outcome)
            for rid, on, title, cid, cpr, name, outcome in rows
        )
        counts = session.execute(
            select_columns(
                col(JobOpening.id),
                func.count(col(Referral.id)),
                func.count(col(Referral.id)).filter(col(Referral.outcome) == hired),
            )
            .outerjoin(Referral, col(Referral.opening_id) == JobOpening.id)
            .where(col(JobOpening.company_id) == company_id)
            .group_by(col(JobOpening.id))
        ).all()
        per_opening = {oid: (int(n), int(h)) for oid, n, h in counts}
        openings = tuple(
            CompanyOpening(
                o.id,
                o.title,
                o.hours_per_week,
                o.apply_by,
                o.status,
                *per_opening.get(o.id, (0, 0)),
            )
            for o in session.exec(
                select(JobOpening)
                .where(JobOpening.company_id == company_id)
                .order_by(col(JobOpening.apply_by).desc(), col(JobOpening.id).desc())
            ).all()
            if o.id is not None
        )
        for citizen_id in sorted({r.citizen_id for r in referrals}):
            audit.record(
                session,
                actor=staff.initials,
                action=AuditAction.READ,
                entity=AuditEntity.COMPANY_HISTORY,
                entity_id=company_id,
                citizen_id=citizen_id,
                at=now,
            )
        return CompanyHistory(
            company_id=company_id,
            form=form_of(company),
            openings=openings,
            referrals=referrals,
            referral_count=len(referrals),
            hire_count=sum(1 for r in referrals if r.outcome == hired),
        )

    return ctx.db.write(work)

"""CSV import and export of companies and job openings, on the `csvio` mechanism.

Companies: `cvr`, `name` (required); `address`, `postcode`, `industry`, `contact`, `phone`,
`email`, `agreement` (none/trains/hires/both). A CVR number already registered, or twice in the
file, is a row error.

Openings: `cvr`, `title`, `hours`, `postcode`, `apply_by` (required); `industry`, `requirements`.
`apply_by` is `dd-mm-yyyy` (as a Danish spreadsheet writes it) or any form `parse_day` reads
(`dd.mm.yyyy`, ISO `yyyy-mm-dd`), and not in the past. An opening whose company (by CVR) is not
registered is a row error. Requirements that mention a driving licence (`kørekort`) mark the
opening as needing one (`build_opening`, as the form's save does), so matching can use it.
Export writes the open openings.

Importing this module registers both kinds.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.contact import check_email, check_phone, check_postcode
from jobbutik.domain.dates import parse_day
from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import CvrError, fold_name, name_key, parse_cvr
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit
from jobbutik.services.companies import AGREEMENTS, CompanyForm, danish_sort_key
from jobbutik.services.context import ServiceContext
from jobbutik.services.csvio import (
    Column,
    CsvKind,
    RowError,
    add_imported,
    digit_run_problem,
    excerpt,
    register,
)
from jobbutik.services.openings import MAX_HOURS, OpeningForm, build_opening
from jobbutik.store.models import AuditAction, Company, JobOpening, OpeningStatus

__all__ = ["COMPANIES", "OPENINGS"]


def _cvr(values: Mapping[str, str], reasons: list[str]) -> str:
    text = values.get("cvr", "")
    try:
        return parse_cvr(text)
    except CvrError as exc:
        reasons.append(_("CVR {value!r}: {reason}").format(value=excerpt(text), reason=exc.reason))
        return ""


def _audit_export(
    session: Session, ctx: ServiceContext, entity: str, target: str, count: int
) -> None:
    """One EXPORT audit entry for the whole file (no personal data: not one per record)."""
    audit.record(
        session,
        actor=ctx.staff.initials,
        action=AuditAction.EXPORT,
        entity=entity,
        detail=f"{target} ({count})",
        at=ctx.clock.now(),
    )


def _digit_runs(values: Mapping[str, str], columns: tuple[str, ...]) -> list[str]:
    """The reasons to refuse the row for text columns holding a CPR-like run of digits."""
    return [p for c in columns if (p := digit_run_problem(c, values.get(c, ""))) is not None]


# -- companies -------------------------------------------------------------------------------------


def _parse_company(values: Mapping[str, str], ctx: ServiceContext) -> CompanyForm:
    reasons: list[str] = []
    cvr = _cvr(values, reasons)
    name = " ".join(values.get("name", "").split())
    if not name:
        reasons.append(_("the name is empty."))
    elif len(name) > 200:
        reasons.append(_("the name is longer than {n} characters.").format(n=200))
    for column in ("postcode", "phone", "email"):
        check = {"postcode": check_postcode, "phone": check_phone, "email": check_email}[column]
        if problem := check(values.get(column, "")):
            reasons.append(f"{column} {excerpt(values[column])!r}: {problem}")
    reasons += _digit_runs(values, ("name", "address", "industry", "contact"))
    agreement = values.get("agreement", "").strip().lower() or "none"
    if agreement not in AGREEMENTS:
        reasons.append(
            _("agreement {value!r} must be one of {choices}.").format(
                value=excerpt(values.get("agreement", "")), choices=", ".join(AGREEMENTS)
            )
        )
    if reasons:
        raise RowError("; ".join(reasons))
    return CompanyForm(
        cvr=cvr,
        name=name,
        address=values.get("address", ""),
        postcode=values.get("postcode", ""),
        industry=values.get("industry", ""),
        contact_name=values.get("contact", ""),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        agreement=agreement,
    )


def _existing_companies(session: Session, keys: list[Hashable]) -> set[Hashable]:
    return set(session.exec(select(Company.cvr).where(col(Company.cvr).in_(keys))).all())


def _insert_companies(
    session: Session, rows: list[CompanyForm], ctx: ServiceContext, source: str
) -> None:
    now = ctx.clock.now()
    companies = [
        Company(
            cvr=r.cvr,
            name=r.name,
            name_folded=name_key(r.name),
            address=r.address.strip(),
            postcode=r.postcode.strip() or None,
            industry=r.industry.strip(),
            contact_name=r.contact_name.strip(),
            phone=r.phone.strip(),
            email=r.email.strip(),
            agreement=r.agreement,
        )
        for r in rows
    ]
    add_imported(session, ctx, companies, entity=AuditEntity.COMPANY, source=source, at=now)


def _export_companies(session: Session, ctx: ServiceContext, target: str) -> list[dict[str, str]]:
    rows = [
        {
            "cvr": c.cvr,
            "name": c.name,
            "address": c.address,
            "postcode": c.postcode or "",
            "industry": c.industry,
            "contact": c.contact_name,
            "phone": c.phone,
            "email": c.email,
            "agreement": c.agreement,
        }
        for c in sorted(session.exec(select(Company)).all(), key=lambda c: danish_sort_key(c.name))
    ]
    _audit_export(session, ctx, AuditEntity.COMPANY, target, len(rows))
    return rows


COMPANIES: CsvKind[CompanyForm] = CsvKind(
    name="companies",
    columns=(
        Column("cvr", required=True),
        Column("name", required=True),
        Column("address"),
        Column("postcode"),
        Column("industry"),
        Column("contact"),
        Column("phone"),
        Column("email"),
        Column("agreement"),
    ),
    parse=_parse_company,
    key=lambda row: row.cvr,
    existing=_existing_companies,
    insert=_insert_companies,
    export=_export_companies,
    duplicate_reason=lambda _row: _("the CVR number appears twice in the file."),
    existing_reason=lambda row: _("CVR {cvr} is already registered.").format(cvr=row.cvr),
)
register(COMPANIES)


# -- openings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningRow:
    cvr: str
    company_id: int
    form: OpeningForm


def _company_id(ctx: ServiceContext, cvr: str) -> int | None:
    return ctx.db.read(
        lambda session: session.exec(select(Company.id).where(Company.cvr == cvr)).first()
    )


def _parse_opening(values: Mapping[str, str], ctx: ServiceContext) -> OpeningRow:
    reasons: list[str] = []
    cvr = _cvr(values, reasons)
    company_id = _company_id(ctx, cvr) if cvr else None
    if cvr and company_id is None:
        reasons.append(
            _("no company with CVR {cvr} is registered; import the company first.").format(cvr=cvr)
        )
    title = " ".join(values.get("title", "").split())
    if not title:
        reasons.append(_("the title is empty."))
    elif len(title) > 200:
        reasons.append(_("the title is longer than {n} characters.").format(n=200))
    reasons += _digit_runs(values, ("title", "industry"))
    hours_text = values.get("hours", "").strip()
    hours: int | None = None
    whole = re.sub(r"[,.]0+$", "", hours_text)
    if whole.isascii() and whole.isdigit() and 1 <= int(whole) <= MAX_HOURS:
        hours = int(whole)
    else:
        reasons.append(
            _("hours {value!r} must be a whole number from 1 to {max}.").format(
                value=excerpt(hours_text), max=MAX_HOURS
            )
        )
    postcode = values.get("postcode", "").strip()
    if not postcode:
        reasons.append(_("the postcode is empty."))
    elif problem := check_postcode(postcode):
        reasons.append(f"postcode {excerpt(postcode)!r}: {problem}")
    apply_text = values.get("apply_by", "").strip()
    apply_by: date | None = None
    try:
        apply_by = parse_day(apply_text, short=False)
    except ValidationError as exc:
        reasons.append(f"apply_by: {exc}")
    if apply_by is not None and apply_by < ctx.clock.today():
        reasons.append(_("apply_by {value!r} has passed.").format(value=excerpt(apply_text)))
    if reasons:
        raise RowError("; ".join(reasons))
    assert company_id is not None
    form = OpeningForm(
        company_id=company_id,
        title=title,
        hours_per_week=hours,
        apply_by=apply_by,
        industry=values.get("industry", ""),
        postcode=postcode,
        requirements=values.get("requirements", "").strip(),
    )
    return OpeningRow(cvr, company_id, form)


def _opening_key(row: OpeningRow) -> Hashable:
    assert row.form.apply_by is not None
    return (row.cvr, fold_name(row.form.title), row.form.apply_by.isoformat())


def _existing_openings(session: Session, keys: list[Hashable]) -> set[Hashable]:
    cvrs = sorted({k[0] for k in keys if isinstance(k, tuple)})
    found = session.execute(
        select_columns(col(Company.cvr), col(JobOpening.title), col(JobOpening.apply_by))
        .join(Company, col(Company.id) == JobOpening.company_id)
        .where(col(Company.cvr).in_(cvrs))
    ).all()
    present = {(cvr, fold_name(title), day.isoformat()) for cvr, title, day in found}
    return {k for k in keys if k in present}


def _insert_openings(
    session: Session, rows: list[OpeningRow], ctx: ServiceContext, source: str
) -> None:
    now = ctx.clock.now()
    openings = [build_opening(r.form, now) for r in rows]
    add_imported(session, ctx, openings, entity=AuditEntity.JOB_OPENING, source=source, at=now)


def _export_openings(session: Session, ctx: ServiceContext, target: str) -> list[dict[str, str]]:
    found = session.execute(
        select_columns(JobOpening, col(Company.cvr))
        .join(Company, col(Company.id) == JobOpening.company_id)
        .where(col(JobOpening.status) == OpeningStatus.OPEN.value)
        .order_by(col(JobOpening.apply_by), col(JobOpening.id))
    ).all()
    rows = [
        {
            "cvr": cvr,
            "title": o.title,
            "hours": str(o.hours_per_week),
            "postcode": o.postcode or "",
            "apply_by": o.apply_by.strftime("%d-%m-%Y"),
            "industry": o.industry,
            "requirements": o.requirements,
        }
        for o, cvr in found
    ]
    _audit_export(session, ctx, AuditEntity.JOB_OPENING, target, len(rows))
    return rows


OPENINGS: CsvKind[OpeningRow] = CsvKind(
    name="openings",
    columns=(
        Column("cvr", required=True),
        Column("title", required=True),
        Column("hours", required=True),
        Column("postcode", required=True),
        Column("apply_by", required=True),
        Column("industry"),
        Column("requirements"),
    ),
    parse=_parse_opening,
    key=_opening_key,
    existing=_existing_openings,
    insert=_insert_openings,
    export=_export_openings,
    duplicate_reason=lambda _row: _("the same opening (CVR, title, apply_by) appears twice."),
    existing_reason=lambda _row: _("this opening (CVR, title, apply_by) is already registered."),
)
register(OPENINGS)

"""The citizen's receipt after the visitation conversation: what was agreed, on one page.

`receipt_for` reads it as plain data; `render_text` (80 columns, monospace A4) and `render_pdf`
write it; `printing.print_file` prints the result. The CPR number is masked, as on every printout.
The receipt is read inside the audit log (READ, entity "receipt"); whoever saves or prints it
calls `log_receipt` with EXPORT or PRINT.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select as select_columns
from sqlalchemy import update
from sqlmodel import Session, col

from jobbutik.domain.errors import NotFound, ValidationError
from jobbutik.domain.files import os_reason, private_file, write_private
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditEntity, Benefit, Category
from jobbutik.reports import fmt
from jobbutik.reports.common import log_report, municipality
from jobbutik.reports.document import Column, Document, Figures, Note, Section, Table
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.retention_files import receipt_folder
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    ActivationStatus,
    AuditAction,
    Citizen,
    Company,
    JobOpening,
    Referral,
    Request,
    SiteKind,
    Staff,
    Visitation,
)


@dataclass(frozen=True)
class ReceiptActivation:
    site: str
    kind: str  # SiteKind value
    provider: str
    address: str  # street, postcode
    start_date: date
    hours_per_week: int
    contact: str  # name, phone, e-mail (what is known)


@dataclass(frozen=True)
class ReceiptJob:
    title: str
    company: str
    apply_by: date


@dataclass(frozen=True)
class Receipt:
    visitation_id: int
    citizen_id: int
    municipality: str
    citizen_name: str
    cpr_masked: str
    held_on: date
    benefit: str  # "" when the recorded one was not in force on the request's day (`_benefit_then`)
    category: str
    consultant: str  # "Name (INITIALS)"
    activation: ReceiptActivation | None
    activation_exempt: bool
    youth_track: bool
    guidance_referred: bool
    injunction_given: bool
    injunction_goal: str
    injunction_deadline: date | None
    final_visitation: date | None  # provisional uddannelsesparat: visited finally by this day
    jobs: tuple[ReceiptJob, ...]
    cv_deadline: date | None
    help_cv: bool
    help_email: bool
    help_application: bool
    printed_at: datetime
    # The rule set's standard written guidance on rights and duties (aktivloven § 35 stk. 1),
    # in the language the receipt is made in.
    rights_text: str


def receipt_for(ctx: ServiceContext, visitation_id: int) -> Receipt:
    """What was agreed in visitation `visitation_id`, for the citizen to take home."""
    ctx.require(Permission.VISIT)
    now = ctx.clock.now()

    def read(session: Session) -> Receipt:
        head = session.execute(
            select_columns(
                col(Visitation.citizen_id),
                col(Visitation.held_on),
                col(Visitation.category),
                col(Visitation.activation_exempt),
                col(Visitation.youth_track),
                col(Visitation.guidance_referred),
                col(Visitation.injunction_given),
                col(Visitation.cv_deadline),
                col(Visitation.help_cv),
                col(Visitation.help_email),
                col(Visitation.help_application),
                col(Citizen.name),
                col(Citizen.cpr),
                col(Staff.name),
                col(Staff.initials),
                col(Request.benefit),
                col(Request.arrived_on),
                col(Visitation.injunction_goal),
                col(Visitation.injunction_deadline),
                col(Visitation.review_on),
            )
            .select_from(Visitation)
            .join(Citizen, col(Citizen.id) == Visitation.citizen_id)
            .join(Staff, col(Staff.id) == Visitation.consultant_id)
            .join(Request, col(Request.id) == Visitation.request_id)
            .where(col(Visitation.id) == visitation_id)
        ).first()
        if head is None:
            raise NotFound(_("No such visitation conversation."))
        activation = session.execute(
            select_columns(
                col(ActivationSite.name),
                col(ActivationSite.kind),
                col(ActivationSite.provider),
                col(ActivationSite.address),
                col(ActivationSite.postcode),
                col(ActivationSite.hours_per_week),
                col(ActivationSite.contact_name),
                col(ActivationSite.contact_phone),
                col(ActivationSite.contact_email),
                col(Activation.start_date),
            )
            .select_from(Activation)
            .join(ActivationSite, col(ActivationSite.id) == Activation.site_id)
            .where(
                col(Activation.visitation_id) == visitation_id,
                col(Activation.status).in_([ActivationStatus.PLANNED, ActivationStatus.STARTED]),
            )
            .order_by(col(Activation.start_date))
        ).first()
        jobs = session.execute(
            select_columns(col(JobOpening.title), col(Company.name), col(Referral.apply_by))
            .select_from(Referral)
            .join(JobOpening, col(JobOpening.id) == Referral.opening_id)
            .join(Company, col(Company.id) == JobOpening.company_id)
            .where(col(Referral.visitation_id) == visitation_id)
            .order_by(col(Referral.apply_by), col(JobOpening.title))
        ).all()
        return Receipt(
            visitation_id=visitation_id,
            citizen_id=head[0],
            municipality=municipality(session),
            citizen_name=head[11],
            cpr_masked=fmt.cpr(head[12]),
            held_on=head[1],
            benefit=_benefit_then(ctx.rulebook.benefits_on(head[16]), head[15]),
            category=head[2],
            consultant=f"{head[13]} ({head[14].upper()})",
            activation=_activation(activation) if activation is not None else None,
            activation_exempt=head[3],
            youth_track=head[4],
            guidance_referred=head[5],
            injunction_given=head[6],
            injunction_goal=head[17],
            injunction_deadline=head[18],
            final_visitation=head[19],
            jobs=tuple(ReceiptJob(title, company, by) for title, company, by in jobs),
            cv_deadline=head[7],
            help_cv=head[8],
            help_email=head[9],
            help_application=head[10],
            printed_at=now,
            rights_text=ctx.rulebook.in_force(head[1]).rights_text(),
        )

    receipt = ctx.db.read(read)
    log_report(
        ctx,
        AuditAction.READ,
        f"receipt visitation {visitation_id}",
        [receipt.citizen_id],
        entity=AuditEntity.RECEIPT,
    )
    return receipt


def _benefit_then(in_force: tuple[str, ...], recorded: str) -> str:
    """The recorded benefit if it was `in_force` on the request's day, else "": a receipt
    never names a benefit that did not exist then (an imported request, or one from an old
    desk), nor one the citizen did not apply for."""
    return recorded if recorded in in_force else ""


@dataclass(frozen=True)
class ReceiptRef:
    """A saved visitation conversation whose receipt can be printed again."""

    visitation_id: int
    held_on: date


def receipts_of(ctx: ServiceContext, citizen_id: int) -> tuple[ReceiptRef, ...]:
    """The citizen's visitations, newest first (ties: as saved). Only ids and days: reading the
    receipt itself (`receipt_for`) is what the audit log records."""
    ctx.require(Permission.VISIT)

    def read(session: Session) -> tuple[ReceiptRef, ...]:
        rows = session.execute(
            select_columns(col(Visitation.id), col(Visitation.held_on))
            .where(col(Visitation.citizen_id) == citizen_id)
            .order_by(col(Visitation.held_on).desc(), col(Visitation.id))
        ).all()
        return tuple(ReceiptRef(vid, held_on) for vid, held_on in rows)

    return ctx.db.read(read)


def log_receipt(ctx: ServiceContext, receipt: Receipt, action: AuditAction) -> None:
    """Log that the receipt was saved (EXPORT) or printed (PRINT)."""
    log_report(
        ctx,
        action,
        f"receipt visitation {receipt.visitation_id}",
        [receipt.citizen_id],
        entity=AuditEntity.RECEIPT,
    )


def _activation(row: tuple[object, ...]) -> ReceiptActivation:
    name, kind, provider, address, postcode, hours, c_name, c_phone, c_email, start = row
    where = ", ".join(str(p) for p in (address, postcode) if p)
    contact = ", ".join(str(p) for p in (c_name, c_phone, c_email) if p)
    assert isinstance(start, date)
    return ReceiptActivation(
        site=str(name),
        kind=str(kind),
        provider=str(provider or ""),
        address=where,
        start_date=start,
        hours_per_week=int(str(hours)),
        contact=contact,
    )


def receipt_document(receipt: Receipt) -> Document:
    """The receipt as a report document (one renderer per format serves both)."""
    sections: list[Section] = [
        Section(
            _("Your visitation conversation"),
            (
                Figures(
                    (
                        (_("Name"), receipt.citizen_name),
                        (_("CPR number"), receipt.cpr_masked),
                        (_("Date"), fmt.day(receipt.held_on)),
                        *(
                            ((_("Benefit applied for"), Benefit.label_of(receipt.benefit)),)
                            if receipt.benefit
                            else ()
                        ),
                        (_("Category"), Category.label_of(receipt.category)),
                        (_("Your consultant"), receipt.consultant),
                    )
                ),
            ),
        )
    ]
    activation = receipt.activation
    if activation is not None:
        items = [(_("Where"), activation.site)]
        if activation.kind == SiteKind.COURSE and activation.provider:
            items.append((_("Provider"), activation.provider))
        if activation.address:
            items.append((_("Address"), activation.address))
        items += [
            (_("First day"), fmt.day(activation.start_date)),
            (_("Hours per week"), str(activation.hours_per_week)),
        ]
        if activation.contact:
            items.append((_("Contact"), activation.contact))
        sections.append(
            Section(
                _("Where and when you start"),
                (
                    Figures(tuple(items)),
                    Note(_("Meet on the first day. If you are ill, call the contact before.")),
                ),
            )
        )
    elif receipt.activation_exempt:
        sections.append(
            Section(
                _("Where and when you start"),
                (Note(_("You are not given immediate activation now.")),),
            )
        )
    if receipt.guidance_referred or receipt.injunction_given or receipt.final_visitation:
        parts: list[Note | Figures] = []
        if receipt.final_visitation is not None:
            parts.append(
                Note(
                    _(
                        "You are uddannelsesparat for now; your final visitation is no later "
                        "than {date}."
                    ).format(date=fmt.day(receipt.final_visitation))
                )
            )
        if receipt.guidance_referred:
            parts.append(Note(_("You are referred to education guidance (uddannelsesvejledning).")))
        if receipt.injunction_given:
            parts.append(
                Note(
                    _(
                        "You are given an education injunction (uddannelsespålæg): "
                        "you must apply for and start an education."
                    )
                )
            )
            goal = (
                (_("Education goal"), receipt.injunction_goal.strip()),
                (_("Deadline"), fmt.day(receipt.injunction_deadline)),
            )
            if given := tuple((label, text) for label, text in goal if text):
                parts.append(Figures(given))
        sections.append(Section(_("Education"), tuple(parts)))
    if receipt.jobs:
        sections.append(
            Section(
                _("Jobs you must apply for"),
                (
                    Table(
                        (
                            Column(_("Job"), shrink=True),
                            Column(_("Company"), shrink=True),
                            Column(_("Apply by")),
                        ),
                        tuple((j.title, j.company, fmt.day(j.apply_by)) for j in receipt.jobs),
                    ),
                    Note(_("Your consultant will follow up on each application.")),
                ),
            )
        )
    if receipt.cv_deadline is not None:
        sections.append(
            Section(
                _("CV on Jobnet"),
                (
                    Note(
                        _("Your CV must be on Jobnet.dk no later than {date}.").format(
                            date=fmt.day(receipt.cv_deadline)
                        )
                    ),
                ),
            )
        )
    help_given = [
        text
        for flag, text in (
            (receipt.help_cv, _("Help to put your CV on Jobnet")),
            (receipt.help_email, _("Help to create an e-mail address")),
            (receipt.help_application, _("Help to write an application")),
        )
        if flag
    ]
    if help_given:
        sections.append(
            Section(_("Help with job search"), tuple(Note(f"- {text}") for text in help_given))
        )
    if receipt.rights_text:
        sections.append(Section(_("Your rights and duties"), (Note(receipt.rights_text),)))
    return Document(
        name="receipt",
        title=_("Receipt"),
        municipality=receipt.municipality,
        period=fmt.day(receipt.held_on),
        generated=receipt.printed_at,
        sections=tuple(sections),
    )


def render_text(receipt: Receipt) -> str:
    from jobbutik.reports.text import render_text as render

    return render(receipt_document(receipt))


def render_pdf(receipt: Receipt, path: str | os.PathLike[str]) -> Path:
    from jobbutik.reports.pdf import render_pdf as render

    return render(receipt_document(receipt), path)


# -- saving and printing ----------------------------------------------------------------------


def receipt_dir(ctx: ServiceContext) -> Path:
    """`receipts/` beside a SQLite file; in the user data folder for a database server (made
    private when missing). Retention deletes a citizen's receipts there (retention_files)."""
    folder = receipt_folder(ctx.db.path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@dataclass(frozen=True)
class ReceiptDone:
    """What became of a receipt: the one line to show, and whether it reached a printer (when
    not, the desk must see it: the citizen should not leave without it)."""

    line: str
    printed: bool


def save_and_print(ctx: ServiceContext, visitation_id: int) -> ReceiptDone:
    """Save the receipt of a saved visitation as PDF and plain text next to the database (the
    same private folder, 0600 files) and send the PDF to the default printer with `lp` where
    there is one; say what happened (where the files are, and why nothing was printed). Printed
    again later, it is the same receipt, read from what was stored."""
    from jobbutik.reports.printing import PrintError, print_file

    receipt = receipt_for(ctx, visitation_id)
    stem = f"kvittering-{receipt.held_on.isoformat()}-{visitation_id}"
    try:
        folder = receipt_dir(ctx)
        text_path = folder / f"{stem}.txt"
        pdf_path = folder / f"{stem}.pdf"
        write_private(text_path, render_text(receipt).encode("utf-8"))
        with private_file(pdf_path) as tmp:
            render_pdf(receipt, tmp)
    except OSError as exc:  # a full disk, a folder not ours: a reason, not a crash
        raise ValidationError(
            _("The receipt could not be saved: {reason}. The conversation itself is saved.").format(
                reason=os_reason(exc)
            )
        ) from exc
    log_receipt(ctx, receipt, AuditAction.EXPORT)
    saved = _("Receipt saved: {pdf} and {text}.").format(pdf=pdf_path, text=text_path.name)
    try:
        printed = print_file(pdf_path)
    except PrintError as exc:
        return ReceiptDone(_("{saved} Not printed: {error}").format(saved=saved, error=exc), False)
    log_receipt(ctx, receipt, AuditAction.PRINT)
    _guidance_printed(ctx, visitation_id)
    return ReceiptDone(f"{saved} {printed}", True)


def _guidance_printed(ctx: ServiceContext, visitation_id: int) -> None:
    """A printed receipt carries the rule set's written guidance on rights and duties and is
    handed to the citizen: the guidance is on record from then on (aktivloven § 35 stk. 1), as
    when the consultant ticks it in the conversation. (The print itself is in the audit log.)"""
    table = Visitation.__table__  # type: ignore[attr-defined]
    ctx.db.write(
        lambda session: session.execute(
            update(table)
            .where(table.c.id == visitation_id, table.c.rights_guidance_given.is_(False))
            .values(rights_guidance_given=True)
        )
    )

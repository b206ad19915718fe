"""Starts: who starts at which activation site on the next working day — one page per site,
ready to send to the site's contact.

`report starts --date D` lists the activations starting on the first working day *after* D (the
supervisor prints it in the afternoon for tomorrow, as the daily list does); the title names that
day. Planned and started activations count; cancelled ones (no-show, ended) do not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from jobbutik.domain.i18n import _
from jobbutik.reports import fmt
from jobbutik.reports.common import municipality
from jobbutik.reports.document import Column, Document, Figures, Note, Section, Table
from jobbutik.services.context import ServiceContext
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    ActivationStatus,
    Citizen,
    Staff,
    Visitation,
)

STARTING = (ActivationStatus.PLANNED, ActivationStatus.STARTED)


@dataclass(frozen=True)
class Starter:
    citizen_id: int
    cpr_masked: str
    name: str
    phone: str
    interpreter: str
    consultant: str


@dataclass(frozen=True)
class SiteStarts:
    site_id: int
    name: str
    kind: str
    provider: str
    address: str
    contact: str
    contact_phone: str
    contact_email: str
    hours_per_week: int
    starters: tuple[Starter, ...]


def starts_on(session: Session, day: date) -> list[SiteStarts]:
    """Activations starting on `day`, grouped by site (sites by name, citizens by name)."""
    rows = session.execute(
        select_columns(
            col(ActivationSite.id),
            col(ActivationSite.name),
            col(ActivationSite.kind),
            col(ActivationSite.provider),
            col(ActivationSite.address),
            col(ActivationSite.postcode),
            col(ActivationSite.contact_name),
            col(ActivationSite.contact_phone),
            col(ActivationSite.contact_email),
            col(ActivationSite.hours_per_week),
            col(Citizen.id),
            col(Citizen.cpr),
            col(Citizen.name),
            col(Citizen.phone),
            col(Citizen.interpreter_language),
            col(Staff.initials),
        )
        .select_from(Activation)
        .join(ActivationSite, col(ActivationSite.id) == Activation.site_id)
        .join(Citizen, col(Citizen.id) == Activation.citizen_id)
        .outerjoin(Visitation, col(Visitation.id) == Activation.visitation_id)
        .outerjoin(Staff, col(Staff.id) == Visitation.consultant_id)
        .where(col(Activation.start_date) == day, col(Activation.status).in_(STARTING))
        .order_by(col(ActivationSite.name), col(ActivationSite.id), col(Citizen.name))
    ).all()
    sites: dict[int, SiteStarts] = {}
    for (
        site_id,
        name,
        kind,
        provider,
        address,
        postcode,
        contact,
        contact_phone,
        contact_email,
        hours,
        citizen_id,
        cpr,
        citizen_name,
        phone,
        interpreter,
        initials,
    ) in rows:
        starter = Starter(
            citizen_id=citizen_id,
            cpr_masked=fmt.cpr(cpr),
            name=citizen_name,
            phone=phone or "",
            interpreter=interpreter or "",
            consultant=(initials or "").upper(),
        )
        site = sites.get(site_id)
        if site is None:
            sites[site_id] = SiteStarts(
                site_id=site_id,
                name=name,
                kind=kind,
                provider=provider or "",
                address=", ".join(p for p in (address, postcode) if p),
                contact=contact or "",
                contact_phone=contact_phone or "",
                contact_email=contact_email or "",
                hours_per_week=hours,
                starters=(starter,),
            )
        else:
            sites[site_id] = replace(site, starters=(*site.starters, starter))
    return list(sites.values())


def site_contact(site: SiteStarts) -> str:
    return ", ".join(p for p in (site.contact, site.contact_phone, site.contact_email) if p)


def starters_table(site: SiteStarts, title: str = "") -> Table:
    return Table(
        (
            Column(_("CPR")),
            Column(_("Name"), shrink=True),
            Column(_("Phone")),
            Column(_("Interpreter"), shrink=True),
            Column(_("Consultant")),
        ),
        tuple((s.cpr_masked, s.name, s.phone, s.interpreter, s.consultant) for s in site.starters),
        title=title,
    )


def build_starts(ctx: ServiceContext, day: date) -> tuple[Document, set[int]]:
    start_day = ctx.rulebook.calendar.next_working_day(day)

    def read(session: Session) -> tuple[str, list[SiteStarts]]:
        return municipality(session), starts_on(session, start_day)

    town, sites = ctx.db.read(read)
    sections: list[Section] = []
    for site in sites:
        items = [(_("Site"), site.name)]
        if site.provider:
            items.append((_("Provider"), site.provider))
        items += [
            (_("Address"), site.address or fmt.DASH),
            (_("Contact"), site_contact(site) or fmt.DASH),
            (_("First day"), fmt.day(start_day)),
            (_("Hours per week"), str(site.hours_per_week)),
            (_("Starting"), str(len(site.starters))),
        ]
        sections.append(
            Section(site.name, (Figures(tuple(items)), starters_table(site)), new_page=True)
        )
    if not sections:
        sections.append(
            Section(
                _("No starts"),
                (
                    Note(
                        _("Nobody starts at an activation site on {day}.").format(
                            day=fmt.day(start_day)
                        )
                    ),
                ),
            )
        )
    doc = Document(
        name="starts",
        title=_("Starts at activation sites"),
        municipality=town,
        period=fmt.day(start_day),
        generated=ctx.clock.now(),
        sections=tuple(sections),
        empty=not sites,
    )
    return doc, {s.citizen_id for site in sites for s in site.starters}

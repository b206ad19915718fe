"""The access-request export (a citizen's own log) as a report document: text, CSV or PDF with
the shared renderers."""

from __future__ import annotations

from jobbutik.domain.clock import local
from jobbutik.domain.dates import format_day, format_moment
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditAction, AuditEntity, AuditPurpose
from jobbutik.reports.document import Column, Document, Figures, Note, Section, Table
from jobbutik.services.access_request import CitizenAccess, CitizenLog


def _purpose_text(entry: CitizenAccess) -> str:
    if entry.purpose:
        return AuditPurpose.label_of(entry.purpose)
    if entry.entity == AuditEntity.REPORT and entry.detail:
        return _("report {detail}").format(detail=entry.detail)
    return _("case work")


def citizen_log_document(
    log: CitizenLog, municipality_name: str, *, with_staff: bool = False
) -> Document:
    """The access-request export as a report document (text, CSV or PDF with the shared renderers).

    The CPR number is masked like on every printout: the subject knows it, and the name and
    birth date identify them; the full number on paper that passes desks and printers adds risk
    and no information. The staff column is left out unless `with_staff` (the admin's internal
    control): the citizen has a right to the dates, kinds of use and purposes, not to the
    identities of the staff (Datatilsynet, after CJEU C-579/21).
    """
    rows = tuple(
        (
            format_moment(e.at),
            *((e.actor.upper(),) if with_staff else ()),
            AuditAction.label_of(e.action),
            AuditEntity.label_of(e.entity),
            _purpose_text(e),
        )
        for e in log.entries
    )
    first = format_day(local(log.entries[0].at).date()) if log.entries else ""
    last = format_day(local(log.entries[-1].at).date()) if log.entries else ""
    figures = Figures(
        (
            (_("Citizen"), log.name),
            (_("CPR number"), log.cpr_masked),
            (_("Logged uses"), str(len(log.entries))),
        )
    )
    blocks: list[Figures | Table | Note] = [figures]
    if log.kept_since is not None:
        blocks.append(
            Note(
                _("The log is kept for a limited period; it holds nothing before {day}.").format(
                    day=format_day(log.kept_since)
                )
            )
        )
    blocks.append(
        Table(
            (
                Column(_("When")),
                *((Column(_("Staff")),) if with_staff else ()),
                Column(_("Use"), shrink=True),
                Column(_("What"), shrink=True),
                Column(_("Purpose"), shrink=True),
            ),
            rows,
            empty=_("No use of this citizen's data is logged."),
        )
    )
    return Document(
        name="audit_citizen",
        title=_("Log of the use of personal data"),
        municipality=municipality_name,
        period=f"{first}–{last}" if first and first != last else first,
        generated=log.generated,
        sections=(Section(_("Every logged use"), tuple(blocks)),),
    )

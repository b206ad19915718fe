"""Follow-ups due per consultant: what each consultant must follow up on by the day, overdue
first — read through `services.followups.due_list`, the list consultants work from.

Split (`split=True`), each consultant's list starts a page of its own (a form feed in text, a new
page in a PDF) after the summary: the morning list a supervisor hands each consultant."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import FollowUpKind
from jobbutik.reports import fmt
from jobbutik.reports.common import municipality
from jobbutik.reports.document import Column, Document, Note, Section, Table
from jobbutik.services import followups
from jobbutik.services.context import ServiceContext


def build_followups(
    ctx: ServiceContext, day: date, consultant: str | None = None, *, split: bool = False
) -> tuple[Document, set[int]]:
    rows = followups.due_list(ctx, assignee=consultant, day=day)
    town = ctx.db.read(municipality)
    by_consultant: dict[str, list[followups.FollowUpRow]] = defaultdict(list)
    for row in rows:
        by_consultant[row.assignee.upper()].append(row)
    summary = Table(
        (
            Column(_("Consultant")),
            Column(_("Due"), align="right"),
            Column(_("Overdue"), align="right"),
            Column(_("Total"), align="right"),
        ),
        tuple(
            (
                initials,
                str(sum(1 for r in items if not r.overdue)),
                str(sum(1 for r in items if r.overdue)),
                str(len(items)),
            )
            for initials, items in sorted(by_consultant.items())
        ),
        empty=_("No follow-ups due."),
    )
    sections = [Section(_("Summary"), (summary,))]
    for initials, items in sorted(by_consultant.items()):
        sections.append(
            Section(
                _("Consultant {initials}").format(initials=initials),
                (
                    Table(
                        (
                            Column(_("Due")),
                            Column(_("Overdue")),
                            Column(_("What"), shrink=True),
                            Column(_("CPR")),
                            Column(_("Name"), shrink=True),
                            Column(_("About"), shrink=True),
                        ),
                        tuple(
                            (
                                fmt.short_day(r.due),
                                _("overdue") if r.overdue else "",
                                FollowUpKind.label_of(r.kind),
                                r.cpr_masked,
                                r.name,
                                r.subject,
                            )
                            for r in items
                        ),
                    ),
                ),
                new_page=split,
            )
        )
    if not rows:
        who = consultant.upper() if consultant else _("anyone")
        sections.append(
            Section(
                _("No data"),
                (
                    Note(
                        _("No follow-ups are due for {who} on or before {day}.").format(
                            who=who, day=fmt.day(day)
                        )
                    ),
                ),
            )
        )
    title = _("Follow-ups due")
    if consultant:
        title = f"{title} {fmt.DASH} {consultant.upper()}"
    doc = Document(
        name="followups",
        title=title,
        municipality=town,
        period=fmt.day(day),
        generated=ctx.clock.now(),
        sections=tuple(sections),
        empty=not rows,
    )
    return doc, {r.citizen_id for r in rows}

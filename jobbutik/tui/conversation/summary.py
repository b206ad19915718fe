"""Step 5: the summary of everything agreed, from the plan's parts (a pure function) and the step
that shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Category
from jobbutik.tui.widgets.fields import restore_values, snapshot_values
from jobbutik.tui.widgets.tables import filled, shown
from jobbutik.tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from jobbutik.domain.rules import RuleSet
    from jobbutik.services.visitation import ConversationStart
    from jobbutik.tui.conversation.parts import PlanParts


def summary_lines(start: ConversationStart, parts: PlanParts, ruleset: RuleSet) -> list[Content]:
    """What the summary step shows, one line each: typed text is shown as typed, never markup."""
    card, deadlines = start.citizen, start.deadlines
    facts, c, a, r = parts.facts, parts.classification, parts.activation, parts.referrals
    answer = {True: _("yes"), False: _("no"), None: _("not asked")}  # None: never read as "no"
    lines = [
        filled(
            _("[b]Citizen[/b]: {name}, {cpr}, {age} years"),
            name=card.name,
            cpr=card.cpr_masked,
            age=card.age,
        ),
        filled(
            _(
                "[b]Facts[/b]: erhvervskompetencegivende uddannelse {edu}; integration "
                "programme {integ}; wishes: {wishes}; industries: {ind}; hours: {hours}; "
                "skånehensyn: {restr}; driving licence {lic}"
            ),
            edu=answer[facts.has_qualifying_education],
            integ=answer[facts.integration_programme],
            wishes=facts.job_wishes or "—",
            ind=", ".join(facts.industries) or "—",
            hours=facts.hours_wanted or "—",
            restr=facts.restrictions or "—",
            lic=answer[facts.driving_licence],
        ),
    ]
    line = filled(
        _("[b]Category[/b]: {category} (proposed: {proposed})"),
        category=Category.label_of(c.category) or "—",
        proposed=Category.label_of(c.proposal.category) if c.proposal else "—",
    )
    if c.override_reason.strip():
        line += Content(" — ") + shown(c.override_reason.strip())
    lines.append(line)
    if c.provisional:
        lines.append(
            filled(
                _("Provisional uddannelsesparat: final visitation by {day}"),
                day=format_day(deadlines.final_visitation),
            )
        )
    if c.youth:
        lines.append(filled(_("[b]Education guidance[/b]: {g}"), g=answer[c.guidance]))
        if ruleset.injunction:
            lines.append(filled(_("[b]Uddannelsespålæg given[/b]: {i}"), i=answer[c.injunction]))
        if ruleset.injunction and c.injunction:
            lines.append(
                Content("  ")
                + filled(
                    _("Education goal: {goal}; deadline {day}"),
                    goal=c.injunction_goal.strip() or "—",
                    day=format_day(c.injunction_deadline) or "—",
                )
            )
    if a.exempt:
        lines.append(
            filled(
                _("[b]Immediate activation[/b]: exempt — {reason}"),
                reason=a.exemption_reason.strip() or "—",
            )
        )
    elif a.site is not None and a.site_id is not None and a.start_date is not None:
        lines.append(
            filled(
                _("[b]Immediate activation[/b]: {site} from {day}"),
                site=a.site.name,
                day=format_day(a.start_date),
            )
        )
    else:
        lines.append(filled(_("[b]Immediate activation[/b]: none chosen")))
    if r.opening_ids:
        lines.append(filled(_("[b]Job referrals[/b]:")))
        for opening_id in r.opening_ids:
            m = r.matches.get(opening_id)
            if m is None:  # chosen in a draft, not ranked again yet
                continue
            lines.append(
                Content("  • ")
                + filled(
                    _("{title}, {company}: apply by {day}, follow-up {follow}"),
                    title=m.title,
                    company=m.company,
                    day=format_day(min(deadlines.apply_by, m.apply_by)),
                    follow=format_day(deadlines.follow_up_on),
                )
            )
    else:
        lines.append(filled(_("[b]Job referrals[/b]: none")))
    helps = [
        label
        for flag, label in (
            (r.help_cv, _("CV on Jobnet")),
            (r.help_email, _("e-mail address")),
            (r.help_application, _("applications")),
        )
        if flag
    ]
    lines.append(
        filled(_("[b]Job-search help[/b]: {help}"), help=", ".join(helps) if helps else "—")
    )
    if c.category and ruleset.cv_required(c.category):
        lines.append(
            filled(_("[b]CV on Jobnet by[/b]: {day}"), day=format_day(deadlines.cv_deadline))
        )
    return lines


class SummaryStep(VerticalScroll):
    """Step 5: the summary, the written guidance on rights and duties, and whether it is
    saved."""

    def compose(self) -> ComposeResult:
        yield Static("", id="summary")
        # Never ticked for the consultant: a possible-sanction flag counts only after the
        # guidance was really handed over (aktivloven § 35 stk. 1).
        yield Checkbox(
            _("Written guidance on rights and duties handed over"),
            id="rights_guidance",
            compact=True,
        )
        yield Static("", id="save-result")

    def rights_guidance(self) -> bool:
        return self.query_one("#rights_guidance", Checkbox).value

    def snapshot(self) -> dict[str, object]:
        return snapshot_values(self)

    def restore(self, values: dict[str, object]) -> None:
        restore_values(self, values)

    def show(self, lines: list[Content], saved: bool) -> None:
        self.query_one("#summary", Static).update(Content("\n").join(lines))
        if saved:
            self.show_result(_("Saved. Ctrl+R prints the citizen's receipt; Escape goes back."))
        else:
            self.show_result(_("Ctrl+S saves everything at once."))

    def show_result(self, text: str) -> None:
        self.query_one("#save-result", Static).update(Content(text))

"""Step 4: job referrals — the open openings ranked by fit with the facts — and job-search help."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import _
from jobbutik.tui.conversation.parts import ReferralsPart
from jobbutik.tui.widgets.fields import FormField
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.matching import Match
    from jobbutik.services.visitation import Deadlines, Facts


@dataclass
class ReferralsDraft:
    opening_ids: list[int]
    help_cv: bool
    help_email: bool
    help_application: bool


class ReferralsStep(VerticalScroll):
    """The openings are ranked again whenever the step is shown with other facts; what was chosen
    stays chosen."""

    def __init__(
        self, ctx: ServiceContext, citizen_id: int, deadlines: Deadlines, *, id: str, classes: str
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ctx = ctx
        self.citizen_id = citizen_id
        self.deadlines = deadlines
        self.matches: dict[int, Match] = {}
        self.ranked_for: Facts | None = None
        self.pending: set[int] = set()  # chosen, and not in the list shown yet

    def compose(self) -> ComposeResult:
        yield Static(
            _("Apply by {apply_by} and follow-up on {follow_up} (from the rules).").format(
                apply_by=format_day(self.deadlines.apply_by),
                follow_up=format_day(self.deadlines.follow_up_on),
            ),
            classes="reasons",
        )
        yield FormField(_("Job openings"), SelectionList[int](id="openings"), id="f-referrals")
        yield Static("", id="match-reasons")
        yield Static(_("Job-search help"), classes="field-label")
        yield Checkbox(_("CV on Jobnet"), id="help_cv", compact=True)
        yield Checkbox(_("Create an e-mail address"), id="help_email", compact=True)
        yield Checkbox(_("Help writing applications"), id="help_application", compact=True)

    def rank_if_needed(self, facts: Facts) -> None:
        if facts != self.ranked_for:
            self.pending |= set(self.query_one("#openings", SelectionList).selected)
            self.rank(facts)

    @work(exclusive=True, group="openings")
    async def rank(self, facts: Facts) -> None:
        from jobbutik.services import matching

        matches = await asyncio.to_thread(matching.rank_openings, self.ctx, self.citizen_id, facts)
        self.ranked_for = facts
        self.matches = {m.opening_id: m for m in matches}
        openings = self.query_one("#openings", SelectionList)
        keep = self.pending | set(openings.selected)
        openings.clear_options()
        for m in matches:
            prompt = _("{score:>3}  {title}, {company} · {hours} h/week · apply by {day}").format(
                score=m.score,
                title=m.title,
                company=m.company,
                hours=m.hours_per_week,
                day=format_day(min(self.deadlines.apply_by, m.apply_by)),
            )
            openings.add_option(Selection(shown(prompt), m.opening_id, m.opening_id in keep))
        self.pending = set()
        if matches and openings.highlighted is None:
            openings.highlighted = 0
        if matches:
            self.show_reasons(matches[0].opening_id)
        else:
            self.query_one("#match-reasons", Static).update(Content(_("No open job openings.")))

    @on(SelectionList.SelectionHighlighted, "#openings")
    def opening_highlighted(self, event: SelectionList.SelectionHighlighted[int]) -> None:
        self.show_reasons(event.selection.value)

    def show_reasons(self, opening_id: int) -> None:
        match = self.matches.get(opening_id)
        if match is not None:
            reasons = ", ".join(match.reasons) or _("no particular fit")
            self.query_one("#match-reasons", Static).update(
                shown(_("Why: {reasons}").format(reasons=reasons))  # industries: data
            )

    def referrals(self) -> ReferralsPart:
        selected = list(self.query_one("#openings", SelectionList).selected)
        return ReferralsPart(
            opening_ids=tuple(selected + [o for o in self.pending if o not in selected]),
            matches=dict(self.matches),
            help_cv=self.query_one("#help_cv", Checkbox).value,
            help_email=self.query_one("#help_email", Checkbox).value,
            help_application=self.query_one("#help_application", Checkbox).value,
        )

    def snapshot(self) -> ReferralsDraft:
        part = self.referrals()
        return ReferralsDraft(
            list(part.opening_ids), part.help_cv, part.help_email, part.help_application
        )

    def restore(self, draft: ReferralsDraft) -> None:
        self.pending |= set(draft.opening_ids)  # chosen again once they are ranked
        self.query_one("#help_cv", Checkbox).value = draft.help_cv
        self.query_one("#help_email", Checkbox).value = draft.help_email
        self.query_one("#help_application", Checkbox).value = draft.help_application

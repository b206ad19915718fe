"""One company: its details, its openings (with referrals and hires) and every referral there."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.text import visible
from jobbutik.domain.vocabulary import Agreement, OpeningStatus, ReferralOutcome
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.openings import OpeningFormScreen, OpeningSaved, opening_saved_text
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown

if TYPE_CHECKING:
    from jobbutik.services.companies import CompanyHistory


class CompanyScreen(BaseScreen):
    """One company: its details, its openings (with referrals and hires) and every referral."""

    CSS_PATH = "company_history.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+o", "new_opening", "New job opening"),
        Binding("ctrl+e", "edit_opening", "Edit opening"),
    ]

    def __init__(self, company_id: int) -> None:
        super().__init__(id="company")
        self.company_id = company_id
        self.history: CompanyHistory | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading the company…"), id="company-head", markup=False)
        yield Static(_("Job openings"), classes="section")
        yield DataTable(id="company-openings", cursor_type="row", zebra_stripes=True)
        yield Static(_("Referrals"), classes="section")
        yield DataTable(id="company-referrals", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Company"))
        openings = self.query_one("#company-openings", DataTable)
        fit_columns(
            openings,
            (_("Job title"), "title", 30, 18),
            (_("Hours"), "hours", 6),
            (_("Apply by"), "apply_by", 10),
            (_("Status"), "status", 8),
            (_("Referred"), "referred", 9),
            (_("Hired"), "hired", 6),
        )
        referrals = self.query_one("#company-referrals", DataTable)
        fit_columns(
            referrals,
            (_("Referred"), "on", 10),
            (_("Job title"), "title", 28, 16),
            (_("CPR"), "cpr", 11, 0),
            (_("Name"), "name", 24, 14),
            (_("Outcome"), "outcome", 32, 14),
        )
        self.load()

    @work(exclusive=True, group="company_history")
    async def load(self) -> None:
        from jobbutik.services import companies

        try:
            history = await asyncio.to_thread(companies.company_history, self.ctx, self.company_id)
        except JobbutikError as error:
            self.query_one("#company-head", Static).update(shown(str(error)))
            raise  # the app says it in a notice too
        self.history = history
        self.show(history)

    def show(self, history: CompanyHistory) -> None:
        form = history.form
        agreement = _("Agreement: {agreement}").format(agreement=Agreement.label_of(form.agreement))
        head: list[Content | str] = [
            Content.assemble((visible(form.name), "bold"), f"  CVR {form.cvr}  {agreement}")
        ]
        place = ", ".join(p for p in (form.address, form.postcode, form.industry) if p)
        contact = ", ".join(p for p in (form.contact_name, form.phone, form.email) if p)
        head += [shown(line) for line in (place, contact) if line]
        head.append(
            ngettext(
                "{referrals} referral, {hires} hired.",
                "{referrals} referrals, {hires} hired.",
                history.referral_count,
            ).format(referrals=history.referral_count, hires=history.hire_count)
        )
        self.query_one("#company-head", Static).update(Content("\n").join(head))
        openings = self.query_one("#company-openings", DataTable)
        openings.clear()
        for o in history.openings:
            openings.add_row(
                shown(o.title),
                str(o.hours_per_week),
                format_day(o.apply_by),
                OpeningStatus.label_of(o.status),
                str(o.referrals),
                str(o.hires),
                key=str(o.id),
            )
        referrals = self.query_one("#company-referrals", DataTable)
        referrals.clear()
        for r in history.referrals:
            referrals.add_row(
                format_day(r.referred_on),
                shown(r.title),
                r.cpr_masked,
                shown(r.citizen_name),
                ReferralOutcome.label_of(r.outcome) if r.outcome else _("not followed up yet"),
            )
        openings.focus()
        self.refresh_bindings()

    @property
    def current_opening(self) -> int | None:
        if self.history is None or not self.history.openings:
            return None
        index = self.query_one("#company-openings", DataTable).cursor_row
        openings = self.history.openings
        return openings[index].id if 0 <= index < len(openings) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_opening" and self.current_opening is None:
            return None
        return True

    def action_refresh(self) -> None:
        self.load()

    def action_new_opening(self) -> None:
        self.app.push_screen(OpeningFormScreen(company_id=self.company_id), self._opening_saved)

    def action_edit_opening(self) -> None:
        opening_id = self.current_opening
        if opening_id is not None:
            self.edit_opening(opening_id)

    @work(exclusive=True, group="opening")
    async def edit_opening(self, opening_id: int) -> None:
        from jobbutik.services import openings

        form = await asyncio.to_thread(openings.get_opening, self.ctx, opening_id)
        self.app.push_screen(
            OpeningFormScreen(company_id=self.company_id, opening_id=opening_id, form=form),
            self._opening_saved,
        )

    def _opening_saved(self, saved: OpeningSaved | None) -> None:
        if saved is not None:
            self.notify(opening_saved_text(saved), title=_("Saved"))
            self.load()

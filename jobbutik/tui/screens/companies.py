"""Companies: the register (search by name or CVR). The company form is in `company_form`, one
company's openings and referrals in `company_history`; their names are importable from here too."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.vocabulary import Agreement
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.company_form import CompanyFormScreen, CompanySaved, check_cvr
from jobbutik.tui.screens.company_history import CompanyScreen
from jobbutik.tui.screens.openings import OpeningFormScreen, OpeningSaved, opening_saved_text
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import ControlsShown, shown

if TYPE_CHECKING:
    from jobbutik.services.companies import CompanyHit

__all__ = [
    "CompaniesScreen",
    "CompanyFormScreen",
    "CompanySaved",
    "CompanyScreen",
    "check_cvr",
]

DEBOUNCE_SECONDS = 0.25


class CompaniesScreen(BaseScreen):
    """The company register: type to search (name with Danish letters folded, or CVR)."""

    CSS_PATH = "companies.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),  # here Esc does what F4 (shown) does
        Binding("ctrl+n", "new_company", "New company"),
        Binding("ctrl+e", "edit_company", "Edit company"),
        Binding("ctrl+o", "new_opening", "New job opening"),
        Binding("f8", "history", "Openings and referrals"),
        Binding("down", "to_results", "To the results"),
    ]

    def __init__(self) -> None:
        super().__init__(id="companies")
        self.hits: list[CompanyHit] = []
        self.shown_term: str | None = None  # the term the list shows the hits for (once read)
        self._timer: Timer | None = None  # a search waiting for the typing to pause

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder=_("Company name or CVR number"),
            id="company-search",
            highlighter=ControlsShown(),
        )
        yield Static("", id="companies-status", markup=False)
        yield DataTable(id="company-list", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Companies"))
        table = self.query_one("#company-list", DataTable)
        fit_columns(
            table,
            (_("CVR"), "cvr", 8),
            (_("Name"), "name", 26, 16),
            (_("Postcode"), "postcode", 8, 0),
            (_("Industry"), "industry", 14, 10),
            (_("Contact"), "contact", 16, 0),
            (_("Phone"), "phone", 12, 0),
            (_("Agreement"), "agreement", 19, 10),
            (_("Open jobs"), "open", 9, 5),
        )
        self.query_one("#company-search", Input).focus()
        self.search("")

    @property
    def term(self) -> str:
        return self.query_one("#company-search", Input).value

    @on(Input.Changed, "#company-search")
    def term_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        term = event.value
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self.typing_paused(term))

    def typing_paused(self, term: str) -> None:
        self._timer = None
        self.search(term)

    @on(Input.Submitted, "#company-search")
    def term_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.search(event.value)
        self.action_to_results()

    @work(exclusive=True, group="companies")
    async def search(self, term: str) -> None:
        from jobbutik.services import companies

        try:
            hits = await asyncio.to_thread(companies.search_companies, self.ctx, term)
        except JobbutikError as error:
            self.query_one("#companies-status", Static).update(shown(str(error)))
            raise  # the app says it in a notice too
        if term == self.term:  # else a newer search is on its way
            self.show(term, hits)

    @property
    def caught_up(self) -> bool:
        """The list shows the hits for what the box holds: no search waits for the typing to
        pause (what a test waits for instead of the debounce's seconds)."""
        return self._timer is None and self.shown_term == self.term

    def show(self, term: str, hits: list[CompanyHit]) -> None:
        self.hits = hits
        self.shown_term = term
        table = self.query_one("#company-list", DataTable)
        table.clear()
        for hit in hits:
            # Typed text is shown as typed, never markup.
            cells = (hit.cvr, hit.name, hit.postcode, hit.industry, hit.contact_name, hit.phone)
            table.add_row(
                *map(shown, cells),
                Agreement.label_of(hit.agreement),
                str(hit.open_openings),
                key=str(hit.id),
            )
        status = self.query_one("#companies-status", Static)
        if hits:
            status.update(
                ngettext(
                    "{count} company. Enter shows openings and referrals.",
                    "{count} companies. Enter shows openings and referrals.",
                    len(hits),
                ).format(count=len(hits))
            )
        elif term.strip():
            status.update(
                _("No company matches {term!r}. Ctrl+N registers one.").format(term=term.strip())
            )
        else:
            status.update(_("No company is registered yet. Ctrl+N registers one."))
        self.refresh_bindings()

    @property
    def current(self) -> CompanyHit | None:
        table = self.query_one("#company-list", DataTable)
        index = table.cursor_row
        return self.hits[index] if self.hits and 0 <= index < len(self.hits) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit_company", "history"} and self.current is None:
            return None
        return True

    def action_to_results(self) -> None:
        if self.hits:
            self.query_one("#company-list", DataTable).focus()

    @on(DataTable.RowSelected, "#company-list")
    def _chosen(self) -> None:
        self.action_history()

    def action_history(self) -> None:
        if self.current is not None:
            self.app.push_screen(CompanyScreen(self.current.id))

    def action_new_company(self) -> None:
        self.app.push_screen(CompanyFormScreen(), self._saved)

    def action_edit_company(self) -> None:
        if self.current is not None:
            self.edit_company(self.current.id)

    @work(exclusive=True, group="company")
    async def edit_company(self, company_id: int) -> None:
        from jobbutik.services import companies

        form = await asyncio.to_thread(companies.get_company, self.ctx, company_id)
        self.app.push_screen(CompanyFormScreen(company_id, form), self._saved)

    def _saved(self, saved: CompanySaved | None) -> None:
        if saved is not None:
            self.notify(_("{name} is saved.").format(name=saved.name), title=_("Saved"))
            self.search(self.term)

    def action_new_opening(self) -> None:
        company_id = self.current.id if self.current else None
        self.app.push_screen(OpeningFormScreen(company_id=company_id), self._opening_saved)

    def _opening_saved(self, saved: OpeningSaved | None) -> None:
        if saved is not None:
            self.notify(opening_saved_text(saved), title=_("Saved"))
            self.search(self.term)

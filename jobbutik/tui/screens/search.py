"""Search by CPR number or name: results as you type (debounced, one worker at a time), Danish
letters folded (Møller = Moeller, Åse = Aase). CPR numbers are masked in the list."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.tui import shown as shown_log
from jobbutik.tui.messages import OpenCitizen
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import ControlsShown, add_columns, shown

if TYPE_CHECKING:
    from jobbutik.services.citizens import CitizenHit

DEBOUNCE_SECONDS = 0.25


class SearchScreen(BaseScreen):
    CSS_PATH = "search.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),  # here Esc does what F4 (shown) does
        Binding("f8", "citizen", "Citizen"),
    ]

    def __init__(self) -> None:
        super().__init__(id="search")
        self.hits: list[CitizenHit] = []
        self.shown_term = ""  # the term the list shows the hits for (the box starts empty)
        self._timer: Timer | None = None  # a search waiting for the typing to pause

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder=_("CPR number or name"), id="search-box", highlighter=ControlsShown()
        )
        yield Static(_("Type a CPR number or a name."), id="search-status", markup=False)
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Search"))
        table = self.query_one("#results", DataTable)
        add_columns(
            table,
            (_("CPR"), "cpr", 11),
            (_("Name"), "name", 40),
            (_("Age"), "age", 5),
            (_("Postcode"), "postcode", 10),
        )
        self.query_one("#search-box", Input).focus()

    @on(Input.Changed, "#search-box")
    def term_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        term = event.value
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self.typing_paused(term))

    def typing_paused(self, term: str) -> None:
        self._timer = None
        self.run_search(term)

    @on(Input.Submitted, "#search-box")
    def term_submitted(self, event: Input.Submitted) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.run_search(event.value)
        self.action_to_results()

    def run_search(self, term: str) -> None:
        if not term.strip():
            self.show([], term)
            return
        self.search(term)

    @work(exclusive=True, group="search")
    async def search(self, term: str) -> None:
        from jobbutik.services import citizens

        try:
            hits = await asyncio.to_thread(citizens.search, self.ctx, term)
        except JobbutikError as error:
            self.query_one("#search-status", Static).update(shown(str(error)))
            raise  # and the app says it in its one line
        if term != self.query_one("#search-box", Input).value:
            return  # typed on since: a newer search is coming
        self.show(hits, term)

    @property
    def caught_up(self) -> bool:
        """The list shows the hits for what the box holds: no search waits for the typing to
        pause (what a test waits for instead of the debounce's seconds)."""
        return self._timer is None and self.shown_term == self.query_one("#search-box", Input).value

    def show(self, hits: list[CitizenHit], term: str) -> None:
        self.hits = hits
        self.shown_term = term
        table = self.query_one("#results", DataTable)
        table.clear()
        for hit in hits:
            table.add_row(
                hit.cpr_masked,
                shown(hit.name),  # data, not markup
                str(hit.age),
                shown(hit.postcode),
                key=str(hit.id),
            )
        status = self.query_one("#search-status", Static)
        if not term.strip():
            status.update(_("Type a CPR number or a name."))
        elif hits:
            status.update(_("{count} found. Enter opens the citizen.").format(count=len(hits)))
        else:
            status.update(Content(_("No citizen matches {term!r}.").format(term=term.strip())))
        self.refresh_bindings()
        self.note_shown()

    def note_shown(self) -> None:
        """The citizens in the list go to the audit log (gathered: typing on writes nothing
        more for those already there)."""
        shown_log.note_shown(self, AuditEntity.SEARCH_RESULTS, "", [hit.id for hit in self.hits])

    def on_screen_resume(self) -> None:
        self.note_shown()

    def on_screen_suspend(self) -> None:
        shown_log.write_now(self.app)

    def action_to_results(self) -> None:
        if self.hits:
            self.query_one("#results", DataTable).focus()

    @on(DataTable.RowSelected, "#results")
    def result_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.post_message(OpenCitizen(int(event.row_key.value)))

    def action_citizen(self) -> None:
        table = self.query_one("#results", DataTable)
        if self.hits and 0 <= table.cursor_row < len(self.hits):
            self.post_message(OpenCitizen(self.hits[table.cursor_row].id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "citizen":
            return True if self.hits else None
        return True

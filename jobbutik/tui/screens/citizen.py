"""One citizen's history: requests, visitations, activations, referrals, follow-ups.

The only screen that shows the full CPR number (CPR-loven § 54)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.register import citizen_card_text
from jobbutik.tui.widgets.tables import add_columns

if TYPE_CHECKING:
    from jobbutik.services.citizens import CitizenHistory


class CitizenScreen(BaseScreen):
    CSS_PATH = "citizen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
    ]

    def __init__(self, citizen_id: int) -> None:
        super().__init__(id="citizen")
        self.citizen_id = citizen_id
        self.history: CitizenHistory | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading the citizen's history…"), id="citizen-head")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Citizen"))
        table = self.query_one("#history", DataTable)
        add_columns(
            table,
            (_("Date"), "on", 10),
            (_("What"), "kind", 18),
            (_("Details"), "text", 50),
            (_("Status"), "status", 24),
        )
        self.load()

    @work(exclusive=True, group="history")
    async def load(self) -> None:
        from jobbutik.services import citizens

        try:
            history = await asyncio.to_thread(citizens.history, self.ctx, self.citizen_id)
        except JobbutikError as error:
            self.query_one("#citizen-head", Static).update(Content(str(error)))
            raise  # and the app says it in its one line
        self.show(history)

    def show(self, history: CitizenHistory) -> None:
        self.history = history
        card = history.card
        cpr = f"{card.cpr[:6]}-{card.cpr[6:]}"  # full number: this is the citizen's own screen
        shown = citizen_card_text(card, cpr)  # Content: the card's data is never markup
        contact = [
            _("Phone: {phone}").format(phone=card.phone) if card.phone else "",
            _("E-mail: {email}").format(email=card.email) if card.email else "",
            _("Postcode: {postcode}").format(postcode=card.postcode) if card.postcode else "",
        ]
        contact_line = "  ".join(c for c in contact if c)
        if contact_line:
            shown += Content("\n" + contact_line)
        self.query_one("#citizen-head", Static).update(shown)
        table = self.query_one("#history", DataTable)
        table.clear()
        for event in history.events:
            table.add_row(
                format_day(event.on),
                event.kind_label,
                Content(event.text),  # names, notes: data, not markup
                Content(event.status),
            )
        if not history.events:
            table.add_row("", _("No history yet."), "", "")
        table.focus()

    def action_refresh(self) -> None:
        self.load()

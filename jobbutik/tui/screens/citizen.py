"""One citizen's history: requests, visitations, activations, referrals, follow-ups.

The only screen that shows the full CPR number (CPR-loven § 54)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Permission
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.register import citizen_card_text
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown

if TYPE_CHECKING:
    from jobbutik.services.citizens import CitizenHistory


class CitizenScreen(BaseScreen):
    CSS_PATH = "citizen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+r", "receipt", "Receipt"),
    ]

    def __init__(self, citizen_id: int) -> None:
        super().__init__(id="citizen")
        self.citizen_id = citizen_id
        self.history: CitizenHistory | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading the citizen's history…"), id="citizen-head")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Citizen"))
        table = self.query_one("#history", DataTable)
        fit_columns(
            table,
            (_("Date"), "on", 10),
            (_("What"), "kind", 18, 13),
            (_("Details"), "text", 50, 24),
            (_("Status"), "status", 30, 16),
        )
        self.load()

    @work(exclusive=True, group="history")
    async def load(self) -> None:
        from jobbutik.services import citizens

        try:
            history = await asyncio.to_thread(citizens.history, self.ctx, self.citizen_id)
        except JobbutikError as error:
            self.query_one("#citizen-head", Static).update(shown(str(error)))
            raise  # and the app says it in its one line
        self.show(history)

    def show(self, history: CitizenHistory) -> None:
        self.history = history
        card = history.card
        cpr = f"{card.cpr[:6]}-{card.cpr[6:]}"  # full number: this is the citizen's own screen
        head = citizen_card_text(card, cpr)  # Content: the card's data is never markup
        contact = [
            _("Phone: {phone}").format(phone=card.phone) if card.phone else "",
            _("E-mail: {email}").format(email=card.email) if card.email else "",
            _("Postcode: {postcode}").format(postcode=card.postcode) if card.postcode else "",
        ]
        contact_line = "  ".join(c for c in contact if c)
        if contact_line:
            head += Content("\n") + shown(contact_line)
        self.query_one("#citizen-head", Static).update(head)
        table = self.query_one("#history", DataTable)
        table.clear()
        for event in history.events:
            table.add_row(
                format_day(event.on),
                event.kind_label,
                shown(event.text),  # names, notes: data, not markup
                shown(event.status),
            )
        if not history.events:
            table.add_row("", _("No history yet."), "", "")
        table.focus()
        self.refresh_bindings()

    def action_refresh(self) -> None:
        self.load()

    # -- the receipt of a visitation, printed again ----------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "receipt":
            # Shown only where there is a receipt to print (the footer has little room).
            events = self.history.events if self.history else ()
            visited = any(e.kind == "visitation" for e in events)
            return visited and Permission.VISIT in self.japp.permissions
        return True

    def action_receipt(self) -> None:
        """The receipt of the visitation under the cursor, else of the latest one."""
        events = self.history.events if self.history else ()
        row = self.query_one("#history", DataTable).cursor_row
        day: date | None = None
        nth = 0
        if 0 <= row < len(events) and events[row].kind == "visitation":
            day = events[row].on
            # Two conversations on one day: the history lists them in the order they were held.
            nth = sum(1 for e in events[:row] if e.kind == "visitation" and e.on == day)
        self.choose_receipt(day, nth)

    @work(exclusive=True, group="receipt")
    async def choose_receipt(self, day: date | None, nth: int) -> None:
        from jobbutik.reports.receipt import receipts_of
        from jobbutik.tui.receipt import print_receipt

        ctx = self.ctx
        refs = await asyncio.to_thread(receipts_of, ctx, self.citizen_id)
        that_day = [ref for ref in refs if ref.held_on == day]
        chosen = refs[0] if refs else None  # the latest
        if that_day:
            chosen = that_day[min(nth, len(that_day) - 1)]
        if chosen is None:
            self.notify(_("No visitation conversation to print a receipt of."), markup=False)
            return
        print_receipt(self.app, ctx, chosen.visitation_id)

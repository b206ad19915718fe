"""One citizen's history: requests, visitations, activations, referrals, follow-ups.

The only screen that shows the full CPR number (CPR-loven § 54)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.register import citizen_card_text
from jobbutik.tui.screens.today import BENEFITS, status_text
from jobbutik.tui.widgets.fields import format_date

if TYPE_CHECKING:
    from jobbutik.services.citizens import CitizenHistory

KINDS = {
    "request": N_("Request"),
    "visitation": N_("Visitation"),
    "activation": N_("Activation"),
    "referral": N_("Referral"),
    "follow_up": N_("Follow-up"),
    "withdrawal": N_("Turned at the door"),
}

# Codes the history shows in its text and status columns.
CODES = {
    "open": N_("open"),
    "due": N_("due"),
    "planned": N_("planned"),
    "started": N_("started"),
    "ended": N_("ended"),
    "ended_early": N_("ended early"),
    "applied": N_("applied"),
    "interview": N_("interview"),
    "hired": N_("hired"),
    "rejected": N_("rejected"),
    "not_applied_good_reason": N_("did not apply (good reason)"),
    "not_applied_no_reason": N_("did not apply (no good reason)"),
    "cv_deadline": N_("CV deadline"),
    "activation_start": N_("activation start"),
    "category_review": N_("category review"),
    "nytteindsats_end": N_("end of nytteindsats period"),
    "job": N_("job"),
    "education": N_("education"),
    "other": N_("other"),
}


def code_text(code: str) -> str:
    if code in CODES:
        return _(CODES[code])
    return status_text(code)


class HistoryLoaded(Message):
    def __init__(self, history: CitizenHistory) -> None:
        super().__init__()
        self.history = history


class CitizenScreen(BaseScreen):
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
        table.add_column(_("Date"), key="on", width=10)
        table.add_column(_("What"), key="kind", width=18)
        table.add_column(_("Details"), key="text", width=50)
        table.add_column(_("Status"), key="status", width=24)
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def load(self) -> None:
        from jobbutik.services import citizens

        self.post_message(HistoryLoaded(citizens.history(self.ctx, self.citizen_id)))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        self.history = history = message.history
        card = history.card
        cpr = f"{card.cpr[:6]}-{card.cpr[6:]}"  # full number: this is the citizen's own screen
        head = citizen_card_text(card).replace(card.cpr_masked, cpr, 1)
        contact = [
            _("Phone: {phone}").format(phone=card.phone) if card.phone else "",
            _("E-mail: {email}").format(email=card.email) if card.email else "",
            _("Postcode: {postcode}").format(postcode=card.postcode) if card.postcode else "",
        ]
        contact_line = "  ".join(c for c in contact if c)
        self.query_one("#citizen-head", Static).update(
            Content.from_markup(head + ("\n" + contact_line if contact_line else ""))
        )
        table = self.query_one("#history", DataTable)
        table.clear()
        for event in history.events:
            if event.kind == "request":
                text = BENEFITS.get(event.text, event.text)
            elif event.kind in {"follow_up", "withdrawal"}:
                text = code_text(event.text)
            else:
                text = event.text
            status = event.status if event.kind == "withdrawal" else code_text(event.status)
            table.add_row(format_date(event.on), _(KINDS.get(event.kind, event.kind)), text, status)
        if not history.events:
            table.add_row("", _("No history yet."), "", "")
        table.focus()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        self.query_one("#citizen-head", Static).update(str(error))
        return True

"""Turned at the door (vendt i døren): the citizen withdraws the application, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import WithdrawalReason
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField, PlainText
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext

REASONS = tuple(WithdrawalReason)


@dataclass(frozen=True)
class Withdrawal:
    """What the form saves and dismisses with once saved."""

    request_id: int
    reason: str  # "" while not chosen
    note: str


class WithdrawForm(FormModal[Withdrawal, Withdrawal]):
    """Turned at the door: the reason (job, education, other) and a note."""

    CSS_PATH = "withdraw.tcss"

    def __init__(self, request_id: int, citizen_name: str = "") -> None:
        super().__init__(id="withdraw")
        self.request_id = request_id
        self.citizen_name = citizen_name
        self.draft_key = DraftKey[dict[str, object]]("withdraw", request_id)

    def compose(self) -> ComposeResult:
        labels = [reason.label for reason in REASONS]
        with Vertical(id="dialog", classes="dialog narrow"):
            yield Static(_("Turned at the door"), classes="dialog-title")
            if self.citizen_name:
                yield Static(
                    shown(_("{name} withdraws the application.").format(name=self.citizen_name))
                )
            yield FormField(
                _("Reason"), RadioSet(*(RadioButton(x) for x in labels), id="reason"), id="f-reason"
            )
            yield FormField(
                _("Note"), Input(id="note", max_length=500, validators=[PlainText()]), id="f-note"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", RadioSet).focus()

    def payload(self) -> Withdrawal:
        index = self.query_one("#reason", RadioSet).pressed_index
        return Withdrawal(
            self.request_id,
            REASONS[index].value if index >= 0 else "",
            self.query_one("#note", Input).value,
        )

    def check(self) -> bool:
        choice = self.payload()
        reason_field = self.query_one("#f-reason", FormField)
        note_field = self.query_one("#f-note", FormField)
        reason_field.set_error(
            None if choice.reason else _("Choose why the application is withdrawn.")
        )
        note_field.set_error(
            _("Write what the other reason is.")
            if choice.reason == "other" and not choice.note.strip()
            else None
        )
        for field in (reason_field, note_field):
            if field.has_error:
                field.widget.focus()
                return False
        return True

    def submit(self, ctx: ServiceContext, payload: Withdrawal) -> Withdrawal:
        from jobbutik.services import visitation

        visitation.withdraw(ctx, payload.request_id, payload.reason, payload.note)
        return payload

"""Turned at the door (vendt i døren): the citizen withdraws the application, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Footer, Input, RadioButton, RadioSet, Static

from jobbutik.domain.i18n import _
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField

REASONS = ("job", "education", "other")


@dataclass(frozen=True)
class WithdrawDraft:
    request_id: int
    citizen_name: str
    reason: str  # "" while not chosen
    note: str


class WithdrawForm(FormModal[WithdrawDraft]):
    def __init__(
        self,
        request_id: int,
        citizen_name: str = "",
        draft: WithdrawDraft | None = None,
        error: BaseException | None = None,
    ) -> None:
        super().__init__(id="withdraw")
        self.request_id = request_id
        self.citizen_name = citizen_name
        self.draft = draft
        self.error = error

    def compose(self) -> ComposeResult:
        labels = (_("Takes a job"), _("Starts an education"), _("Other reason"))
        with Vertical(id="dialog", classes="dialog narrow"):
            yield Static(_("Turned at the door"), classes="dialog-title")
            if self.citizen_name:
                yield Static(
                    _("{name} withdraws the application.").format(name=escape(self.citizen_name))
                )
            yield FormField(
                _("Reason"), RadioSet(*(RadioButton(x) for x in labels), id="reason"), id="f-reason"
            )
            yield FormField(_("Note"), Input(id="note", max_length=500), id="f-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.draft is not None:
            if self.draft.reason in REASONS:
                buttons = list(self.query(RadioButton))
                buttons[REASONS.index(self.draft.reason)].value = True
            self.query_one("#note", Input).value = self.draft.note
        self.query_one("#reason", RadioSet).focus()
        if self.error is not None:
            self.call_after_refresh(self.show_error, self.error)

    def current(self) -> WithdrawDraft:
        index = self.query_one("#reason", RadioSet).pressed_index
        return WithdrawDraft(
            self.request_id,
            self.citizen_name,
            REASONS[index] if index >= 0 else "",
            self.query_one("#note", Input).value,
        )

    def keep_draft(self) -> None:
        self.japp.drafts[("withdraw", self.request_id)] = self.current()

    def action_save(self) -> None:
        draft = self.current()
        reason_field = self.query_one("#f-reason", FormField)
        note_field = self.query_one("#f-note", FormField)
        reason_field.set_error(
            None if draft.reason else _("Choose why the application is withdrawn.")
        )
        note_field.set_error(
            _("Write what the other reason is.")
            if draft.reason == "other" and not draft.note.strip()
            else None
        )
        if reason_field.has_error:
            reason_field.widget.focus()
        elif note_field.has_error:
            note_field.widget.focus()
        else:
            self.dismiss(draft)

"""The drafts kept for the user, offered back after a crash or a restart (and from the palette,
"Drafts"): Enter opens one where it was left, D or Delete discards one (after asking), Escape
closes the list and keeps them all.

`REOPEN` is the one registry of the forms a kept draft can be opened again from, by form name
(the `DraftKey.form`); only those forms' drafts are kept in the database (tui/drafts.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from jobbutik.domain.dates import format_moment
from jobbutik.domain.i18n import _
from jobbutik.tui.drafts import KeptDraft
from jobbutik.tui.messages import DataChanged, StartConversation, Withdraw
from jobbutik.tui.screens.base import BaseModal
from jobbutik.tui.screens.confirm import ConfirmModal
from jobbutik.tui.widgets.tables import add_columns, shown


def _number(text: str) -> int | None:
    return int(text) if text else None


def _saved(app: App[Any]) -> Callable[[object], None]:
    """What a form opened from its draft does once it is saved: say so, and show it."""

    def done(result: object) -> None:
        if result is not None:
            app.notify(_("Saved."), title=_("Saved"))
            app.post_message(DataChanged("draft", result))

    return done


def _conversation(app: App[Any], subject: str) -> None:
    # The conversation claims the citizen again (the same desk's own claim is simply renewed).
    app.post_message(StartConversation(int(subject)))


def _register(app: App[Any], subject: str) -> None:
    app.call_next(app.run_action, "register")


def _withdraw(app: App[Any], subject: str) -> None:
    app.post_message(Withdraw(int(subject)))


def _company(app: App[Any], subject: str) -> None:
    from jobbutik.tui.screens.company_form import CompanyFormScreen

    app.push_screen(CompanyFormScreen(_number(subject)), _saved(app))


def _site(app: App[Any], subject: str) -> None:
    from jobbutik.tui.screens.site_form import SiteFormScreen

    app.push_screen(SiteFormScreen(_number(subject)), _saved(app))


def _opening(app: App[Any], subject: str) -> None:
    from jobbutik.tui.screens.openings import OpeningFormScreen

    opening_id, company_id = (_number(part) for part in subject.split(","))
    form = OpeningFormScreen(company_id=company_id, opening_id=opening_id)
    app.push_screen(form, _saved(app))


#: Form name → how to open it again with its draft, given the draft's subject as stored.
REOPEN: dict[str, Callable[[App[Any], str], None]] = {
    "conversation": _conversation,
    "register": _register,
    "withdraw": _withdraw,
    "company": _company,
    "site": _site,
    "opening": _opening,
}


class DraftsScreen(BaseModal[KeptDraft | None]):
    """The kept drafts, newest first; dismisses with the one to open (None: Escape)."""

    DEFAULT_CSS = """
    DraftsScreen DataTable { height: auto; max-height: 12; }
    DraftsScreen .hint { color: $text-muted; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True),
        Binding("d,delete", "discard", "Discard", key_display="D"),
        Binding("escape", "close", "Close (keeps them)"),
    ]

    def __init__(self, kept: list[KeptDraft]) -> None:
        super().__init__(id="drafts")
        self.kept = list(kept)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Unsaved input kept for you"), classes="dialog-title")
            yield Static(
                _("Enter opens it where you left it; D discards it; Escape keeps them for later."),
                classes="hint",
            )
            yield DataTable(id="drafts-list", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        add_columns(table, (_("Draft"), "title", 56), (_("Kept"), "saved", 17))
        self.show()
        table.focus()

    def show(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for draft in self.kept:
            table.add_row(shown(draft.title or draft.form), format_moment(draft.saved_at))
        if self.kept:
            table.move_cursor(row=min(row, len(self.kept) - 1))

    def chosen(self) -> KeptDraft | None:
        row = self.query_one(DataTable).cursor_row
        return self.kept[row] if 0 <= row < len(self.kept) else None

    def action_open(self) -> None:
        draft = self.chosen()
        if draft is not None:
            self.dismiss(draft)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_discard(self) -> None:
        draft = self.chosen()
        if draft is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.japp.drafts.drop(draft.key)
            self.kept.remove(draft)
            if self.kept:
                self.show()
            else:
                self.dismiss(None)

        question = _("Discard the draft “{title}”?").format(title=draft.title or draft.form)
        detail = _("What was typed into it is gone for good.")
        self.app.push_screen(
            ConfirmModal(question, detail, yes=_("Discard"), no=_("Keep it")), answered
        )

"""Staff and roles, for admins: the list, a form to add or edit a person, (de)activation.

The screen is offered only to a user with the manage_staff permission (the palette and the key
check it); the services check it again. The last active admin cannot lose the role or be
deactivated: the service refuses, and the refusal lands on the form's field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Static

from jobbutik.domain.contact import check_name
from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import Check, FormField, restore_values, snapshot_values

if TYPE_CHECKING:
    from jobbutik.services.staff import StaffRow
    from jobbutik.tui.app import JobbutikApp

ROLES = ("reception", "consultant", "supervisor", "admin")
ROLE_LABELS = {
    "reception": N_("Reception"),
    "consultant": N_("Consultant"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Admin"),
}


def check_initials(value: str) -> str | None:
    text = value.strip()
    if not text:
        return _("Initials are required.")
    if len(text) > 16 or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in text):
        return _("Initials are 1-16 letters or digits (a-z, 0-9).")
    return None


def check_login(value: str) -> str | None:
    text = value.strip()
    if len(text) > 64 or any(c.isspace() or c in ",;:/\\" for c in text):
        return _("An operating-system login is at most 64 characters without spaces.")
    return None


def roles_text(roles: tuple[str, ...]) -> str:
    return ", ".join(_(ROLE_LABELS.get(r, r)) for r in roles)


@dataclass(frozen=True)
class StaffDraft:
    initials: str
    name: str
    os_login: str
    roles: tuple[str, ...]


class StaffFormScreen(FormModal["StaffRow"]):
    """Add a member of staff (row None) or edit one (initials fixed)."""

    def __init__(self, row: StaffRow | None = None, draft: Any = None) -> None:
        super().__init__(id="staff-form")
        self.row = row
        self.draft: dict[str, object] | None = draft

    def compose(self) -> ComposeResult:
        title = _("New member of staff") if self.row is None else _("Edit member of staff")
        with Vertical(id="dialog", classes="dialog"), VerticalScroll():
            yield Static(title, classes="dialog-title")
            yield FormField(
                _("Initials"),
                Input(
                    id="initials",
                    max_length=16,
                    validators=[Check(check_initials)],
                    disabled=self.row is not None,
                ),
                id="f-initials",
            )
            yield FormField(
                _("Name"),
                Input(id="name", max_length=200, validators=[Check(check_name)]),
                id="f-name",
            )
            yield FormField(
                _("Login (optional)"),
                Input(id="os_login", max_length=64, validators=[Check(check_login)]),
                id="f-os_login",
            )
            held = set(self.row.roles) if self.row else set()
            boxes = [
                Checkbox(_(ROLE_LABELS[r]), r in held, id=f"role-{r}", compact=True) for r in ROLES
            ]
            yield FormField(_("Roles"), Vertical(*boxes, id="roles"), id="f-roles")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#roles", Vertical).styles.height = "auto"
        if self.row is not None:
            self.query_one("#initials", Input).value = self.row.initials
            self.query_one("#name", Input).value = self.row.name
            self.query_one("#os_login", Input).value = self.row.os_login or ""
        self.call_after_refresh(self._restore)

    def _restore(self) -> None:
        if self.draft:
            restore_values(self, self.draft)
        first = "#name" if self.row is not None else "#initials"
        self.query_one(first, Input).focus()

    @property
    def draft_key(self) -> tuple[str, str | None]:
        return ("staff", self.row.initials if self.row else None)

    def keep_draft(self) -> None:
        self.japp.drafts[self.draft_key] = snapshot_values(self)

    def current(self) -> StaffDraft:
        roles = tuple(r for r in ROLES if self.query_one(f"#role-{r}", Checkbox).value)
        return StaffDraft(
            self.query_one("#initials", Input).value,
            self.query_one("#name", Input).value,
            self.query_one("#os_login", Input).value,
            roles,
        )

    def action_save(self) -> None:
        if self.check_fields():
            return
        self.save(self.current())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save_staff")
    def save(self, draft: StaffDraft) -> None:
        from jobbutik.services import staff

        if self.row is None:
            row = staff.add_staff(
                self.ctx, draft.initials, draft.name, draft.roles, os_login=draft.os_login
            )
        else:
            row = staff.edit_staff(
                self.ctx,
                self.row.initials,
                name=draft.name,
                os_login=draft.os_login,
                roles=draft.roles,
            )
        self.app.call_from_thread(self._saved, row)

    def _saved(self, row: StaffRow) -> None:
        self.japp.drafts.pop(self.draft_key, None)
        self.dismiss(row)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        return self.show_error(error)


class StaffLoaded(Message):
    def __init__(self, rows: list[StaffRow]) -> None:
        super().__init__()
        self.rows = rows


class StaffScreen(BaseScreen):
    """Everyone who may use the program, with roles, login and whether active."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "new_staff", "New member of staff"),
        Binding("ctrl+e", "edit_staff", "Edit"),
        Binding("ctrl+d", "toggle_active", "Deactivate / activate"),
        Binding("f5", "refresh", "Refresh"),
    ]

    DEFAULT_CSS = """
    StaffScreen #staff-status { height: 1; padding: 0 1; color: $text-muted; }
    StaffScreen #staff-table { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(id="staff")
        self.rows: list[StaffRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="staff-status")
        yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Staff"))
        table = self.query_one("#staff-table", DataTable)
        table.add_column(_("Initials"), key="initials", width=8)
        table.add_column(_("Name"), key="name", width=30)
        table.add_column(_("Roles"), key="roles", width=40)
        table.add_column(_("Login"), key="login", width=16)
        table.add_column(_("Active"), key="active", width=6)
        table.focus()
        self.action_refresh()

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff")
    def action_refresh(self) -> None:
        from jobbutik.services import staff

        self.post_message(StaffLoaded(staff.list_staff(self.ctx)))

    def on_staff_loaded(self, message: StaffLoaded) -> None:
        table = self.query_one("#staff-table", DataTable)
        keep = self.current.initials if self.current else None
        self.rows = message.rows
        table.clear()
        for row in self.rows:
            table.add_row(
                row.initials.upper(),
                row.name,
                roles_text(row.roles),
                row.os_login or "",
                _("yes") if row.active else _("no"),
                key=row.initials,
            )
        for index, row in enumerate(self.rows):
            if row.initials == keep:
                table.move_cursor(row=index)
        self.query_one("#staff-status", Static).update(
            _("{count} members of staff. Ctrl+N adds one, Ctrl+E edits the selected one.").format(
                count=len(self.rows)
            )
        )
        self.refresh_bindings()

    @property
    def current(self) -> StaffRow | None:
        table = self.query_one("#staff-table", DataTable)
        index = table.cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit_staff", "toggle_active"} and self.current is None:
            return None
        return True

    @on(DataTable.RowSelected, "#staff-table")
    def _chosen(self) -> None:
        self.action_edit_staff()

    def action_back(self) -> None:
        self.dismiss()

    def action_new_staff(self) -> None:
        self.app.push_screen(
            StaffFormScreen(None, self.japp.drafts.get(("staff", None))), self._saved
        )

    def action_edit_staff(self) -> None:
        row = self.current
        if row is not None:
            draft = self.japp.drafts.get(("staff", row.initials))
            self.app.push_screen(StaffFormScreen(row, draft), self._saved)

    def _saved(self, row: StaffRow | None) -> None:
        if row is not None:
            self.notify(_("{initials} is saved.").format(initials=row.initials), title=_("Saved"))
            self.action_refresh()

    def action_toggle_active(self) -> None:
        row = self.current
        if row is not None:
            self.set_active(row.initials, not row.active)

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff_active")
    def set_active(self, initials: str, active: bool) -> None:
        from jobbutik.services import staff

        row = staff.set_active(self.ctx, initials, active)
        text = _("{initials} is active.") if row.active else _("{initials} is deactivated.")
        self.app.call_from_thread(self.notify, text.format(initials=row.initials))
        self.action_refresh()

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        self.query_one("#staff-status", Static).update(str(error))
        return True


def open_staff(app: JobbutikApp) -> None:
    """The staff screen, if the user may manage staff (else a warning, and nothing opens)."""
    if not app.allowed("staff"):
        app.notify(_("Only an admin can manage staff."), severity="warning")
        return
    if not isinstance(app.screen, StaffScreen):
        app.push_screen(StaffScreen())

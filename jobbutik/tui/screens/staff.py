"""Staff and roles, for admins: the list, a form to add or edit a person, (de)activation.

The screen is offered only to a user with the manage_staff permission (the palette and the key
check it); the services check it again. The last active admin cannot lose the role or be
deactivated: the service refuses, and the refusal lands on the form's field.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Static

from jobbutik.domain.contact import check_name
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.vocabulary import Role
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.fields import Check, FormField, text_field
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.staff import StaffRow

ROLES = Role.values()


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
    return ", ".join(Role.label_of(r) for r in roles)


@dataclass(frozen=True)
class StaffEntry:
    """What the staff form saves (read on the UI thread)."""

    initials: str
    name: str
    os_login: str
    roles: tuple[str, ...]


class StaffFormScreen(FormModal[StaffEntry, "StaffRow"]):
    """Add a member of staff (row None) or edit one (initials fixed)."""

    CSS_PATH = "staff.tcss"

    def __init__(self, row: StaffRow | None = None) -> None:
        super().__init__(id="staff-form")
        self.row = row
        self.draft_key = DraftKey("staff", row.initials if row else None)

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
            yield text_field(_("Name"), "name", 200, check_name)
            yield text_field(_("Login (optional)"), "os_login", 64, check_login)
            held = set(self.row.roles) if self.row else set()
            boxes = [
                Checkbox(Role.label_of(r), r in held, id=f"role-{r}", compact=True) for r in ROLES
            ]
            yield FormField(_("Roles"), Vertical(*boxes, id="roles"), id="f-roles")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.row is not None:
            self.query_one("#initials", Input).value = self.row.initials
            self.query_one("#name", Input).value = self.row.name
            self.query_one("#os_login", Input).value = self.row.os_login or ""
        first = "#name" if self.row is not None else "#initials"
        self.query_one(first, Input).focus()

    def payload(self) -> StaffEntry:
        return StaffEntry(
            self.query_one("#initials", Input).value,
            self.query_one("#name", Input).value,
            self.query_one("#os_login", Input).value,
            tuple(r for r in ROLES if self.query_one(f"#role-{r}", Checkbox).value),
        )

    def submit(self, ctx: ServiceContext, payload: StaffEntry) -> StaffRow:
        from jobbutik.services import staff

        if self.row is None:
            return staff.add_staff(
                ctx, payload.initials, payload.name, payload.roles, os_login=payload.os_login
            )
        return staff.edit_staff(
            ctx,
            self.row.initials,
            name=payload.name,
            os_login=payload.os_login,
            roles=payload.roles,
        )


class StaffScreen(BaseScreen):
    """Everyone who may use the program, with roles, login and whether active."""

    CSS_PATH = "staff.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),  # here Esc does what F4 (shown) does
        Binding("ctrl+n", "new_staff", "New member of staff"),
        Binding("ctrl+e", "edit_staff", "Edit"),
        Binding("ctrl+d", "toggle_active", "Deactivate / activate"),
        Binding("f5", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="staff")
        self.rows: list[StaffRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="staff-status")
        yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Staff"))
        table = self.query_one("#staff-table", DataTable)
        fit_columns(
            table,
            (_("Initials"), "initials", 8),
            (_("Name"), "name", 30, 18),
            (_("Roles"), "roles", 44, 24),
            (_("Login"), "login", 16, 0),
            (_("Active"), "active", 6),
        )
        table.focus()
        self.load()

    @work(exclusive=True, group="staff")
    async def load(self) -> None:
        from jobbutik.services import staff

        try:
            rows = await asyncio.to_thread(staff.list_staff, self.ctx)
        except JobbutikError as error:
            self.refused(error)
            raise  # and the app says it in its one line
        self.show_rows(rows)

    def show_rows(self, rows: list[StaffRow]) -> None:
        table = self.query_one("#staff-table", DataTable)
        keep = self.current.initials if self.current else None
        self.rows = rows
        table.clear()
        for row in rows:
            table.add_row(
                row.initials.upper(),
                shown(row.name),  # data, not markup
                roles_text(row.roles),
                shown(row.os_login),
                _("yes") if row.active else _("no"),
                key=row.initials,
            )
        for index, row in enumerate(rows):
            if row.initials == keep:
                table.move_cursor(row=index)
        self.query_one("#staff-status", Static).update(
            ngettext(
                "{count} member of staff. Ctrl+N adds one, Ctrl+E edits the selected one.",
                "{count} members of staff. Ctrl+N adds one, Ctrl+E edits the selected one.",
                len(rows),
            ).format(count=len(rows))
        )
        self.refresh_bindings()

    def refused(self, error: JobbutikError) -> None:
        self.query_one("#staff-status", Static).update(shown(str(error)))

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

    def action_refresh(self) -> None:
        self.load()

    def action_new_staff(self) -> None:
        self.app.push_screen(StaffFormScreen(), self._saved)

    def action_edit_staff(self) -> None:
        row = self.current
        if row is not None:
            self.app.push_screen(StaffFormScreen(row), self._saved)

    def _saved(self, row: StaffRow | None) -> None:
        if row is not None:
            self.notify(_("{initials} is saved.").format(initials=row.initials), title=_("Saved"))
            self.load()

    def action_toggle_active(self) -> None:
        row = self.current
        if row is not None:
            self.set_active(row.initials, not row.active)

    @work(exclusive=True, group="staff_active")
    async def set_active(self, initials: str, active: bool) -> None:
        from jobbutik.services import staff

        try:
            row = await asyncio.to_thread(staff.set_active, self.ctx, initials, active)
        except JobbutikError as error:
            self.refused(error)
            raise
        text = _("{initials} is active.") if row.active else _("{initials} is deactivated.")
        self.notify(text.format(initials=row.initials))
        self.load()

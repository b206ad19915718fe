"""Activation sites: the capacity view by working day ("seats left for tomorrow's start") and
booking a new start for a citizen from the Follow-ups screen. The site form is in site_form.

The seats shown are computed by the very rule the conversation enforces when it assigns a seat.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Permission, SiteKind
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.site_form import WEEKDAYS, SiteFormScreen, SiteSaved
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown

if TYPE_CHECKING:
    from jobbutik.services.sites import CapacityView

__all__ = ["SiteFormScreen", "SiteSaved", "SitesScreen"]


class SitesScreen(BaseScreen):
    """Sites down, working days across; each cell the seats left for a start that day.

    Opened with `book_for=(citizen_id, name)` (from a follow-up), Enter or Ctrl+S books the
    citizen's new start at the site and day under the cursor."""

    CSS_PATH = "sites.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+n", "new_site", "New site"),
        Binding("ctrl+e", "edit_site", "Edit site"),
        Binding("ctrl+s", "book", "Book start here", priority=True),
        Binding("w", "more_weeks", "More weeks"),
    ]

    FIXED_COLUMNS = 3  # name, kind, seats

    def __init__(self, book_for: tuple[int, str] | None = None) -> None:
        super().__init__(id="sites")
        self.book_for = book_for
        self.view: CapacityView | None = None
        self.saving = False  # a booking under way: the app keeps the screen until it is done
        self.weeks = 3

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading activation sites…"), id="sites-status")
        yield DataTable(id="capacity", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="sites-help", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Activation sites"))
        if self.book_for is not None:
            help_text = _(
                "Booking a new start for {name}: move to a site and a day, then Enter or Ctrl+S."
            ).format(name=self.book_for[1])
        else:
            help_text = _(
                "Seats left for a start on each working day. – : no starters that weekday."
            )
        self.query_one("#sites-help", Static).update(shown(help_text))  # a name: data
        self.load()

    @work(exclusive=True, group="capacity")
    async def load(self) -> None:
        from jobbutik.services import sites

        try:
            view = await asyncio.to_thread(sites.capacity, self.ctx, weeks=self.weeks)
        except JobbutikError as error:
            self.refused(error)
            raise  # and the app says it in its one line
        self.show_view(view)

    def show_view(self, view: CapacityView) -> None:
        self.view = view
        table = self.query_one("#capacity", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        fit_columns(
            table,
            (_("Site"), "name", 24, 16),
            (_("Kind"), "kind", 12, 8),
            (_("Seats"), "seats", 5),
        )
        for day in view.days:
            label = _(WEEKDAYS[day.weekday()]) + day.strftime(" %d.%m")
            table.add_column(label, key=day.isoformat(), width=9)
        for site in view.sites:
            cells: list[Content | str] = [
                shown(site.name),  # data, not markup
                SiteKind.label_of(site.kind),
                str(site.seats),
            ]
            for cell in site.days:
                if cell.free is None:
                    cells.append(Content.styled("–", "dim"))
                elif cell.free == 0:
                    cells.append(Content.styled(_("full"), "bold red"))
                else:
                    cells.append(str(cell.free))
            table.add_row(*cells, key=str(site.site_id))
        if view.sites:
            table.cursor_coordinate = cursor
            if table.cursor_column < self.FIXED_COLUMNS and view.days:
                table.move_cursor(column=self.FIXED_COLUMNS)
        self.show_tomorrow()
        table.focus()
        self.refresh_bindings()

    def show_tomorrow(self) -> None:
        view = self.view
        status = self.query_one("#sites-status", Static)
        status.remove_class("-refused")
        if view is None or not view.sites:
            status.update(_("No activation sites yet. Ctrl+N creates one."))
            return
        first = view.days[0]
        parts = []
        for site in view.sites:
            cell = site.on(first)
            if cell is not None and cell.free is not None:
                parts.append(f"{site.name} {cell.free}")
        status.update(
            shown(
                _("Seats left for a start {day}: {sites}").format(
                    day=format_day(first), sites=", ".join(parts) or "–"
                )
            )
        )

    def refused(self, error: JobbutikError, *, booking: bool = False) -> None:
        """A refusal on the status line, marked when a booking was refused."""
        status = self.query_one("#sites-status", Static)
        status.update(shown(str(error)))
        status.set_class(booking, "-refused")

    # -- the cell under the cursor ------------------------------------------------------------

    @property
    def current_site(self) -> int | None:
        table = self.query_one("#capacity", DataTable)
        if self.view is None or not self.view.sites:
            return None
        row = table.cursor_row
        return self.view.sites[row].site_id if 0 <= row < len(self.view.sites) else None

    @property
    def current_day(self) -> date | None:
        table = self.query_one("#capacity", DataTable)
        column = table.cursor_column - self.FIXED_COLUMNS
        if self.view is None or not 0 <= column < len(self.view.days):
            return None
        return self.view.days[column]

    @on(DataTable.CellHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.CellSelected)
    def _chosen(self) -> None:
        if self.book_for is not None:
            self.action_book()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permissions = self.japp.permissions
        if action in {"new_site", "edit_site"} and Permission.MANAGE_SITES not in permissions:
            return False
        if action == "edit_site" and self.current_site is None:
            return None
        if action == "book":
            if self.book_for is None or Permission.VISIT not in permissions:
                return False
            if self.current_site is None or self.current_day is None:
                return None
        return True

    # -- commands ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def action_more_weeks(self) -> None:
        self.weeks = 3 if self.weeks >= 8 else self.weeks + 2
        self.load()

    def action_new_site(self) -> None:
        self.app.push_screen(SiteFormScreen(), self._site_saved)

    def action_edit_site(self) -> None:
        site_id = self.current_site
        if site_id is not None:
            self.edit_site(site_id)

    @work(exclusive=True, group="site")
    async def edit_site(self, site_id: int) -> None:
        from jobbutik.services import sites

        try:
            form = await asyncio.to_thread(sites.get_site, self.ctx, site_id)
        except JobbutikError as error:
            self.refused(error)
            raise
        self.app.push_screen(SiteFormScreen(site_id, form), self._site_saved)

    def _site_saved(self, saved: SiteSaved | None) -> None:
        if saved is not None:
            text = _("{name} is saved.").format(name=saved.name)
            self.notify(text, title=_("Saved"), markup=False)
            self.load()

    def action_book(self) -> None:
        site_id, day = self.current_site, self.current_day
        if self.saving:  # booked once only
            return
        if self.book_for is not None and site_id is not None and day is not None:
            self.saving = True
            self.book(self.book_for, site_id, day)

    def action_back(self) -> None:
        if not self.japp.busy_saving():
            super().action_back()

    @work(group="book")
    async def book(self, who: tuple[int, str], site_id: int, day: date) -> None:
        from jobbutik.services import sites

        citizen_id, name = who
        try:
            booking = await asyncio.to_thread(sites.book_start, self.ctx, citizen_id, site_id, day)
        except JobbutikError as error:
            self.refused(error, booking=True)
            raise
        finally:
            self.saving = False
        self.notify(
            _("{name} starts at {site} on {day}.").format(
                name=name, site=booking.site, day=format_day(booking.start_date)
            ),
            title=_("Saved"),
            markup=False,
        )
        self.japp.dismiss_screen(self)

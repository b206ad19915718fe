"""Today (I dag): the queue board of the day's arrivals with live waiting time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static

from jobbutik.domain.clock import local
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.vocabulary import Benefit, RequestStatus
from jobbutik.tui.messages import OpenCitizen, StartConversation, Withdraw
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.widgets.tables import add_columns

if TYPE_CHECKING:
    from jobbutik.services.arrivals import BoardRow


def as_local(moment: datetime) -> datetime:
    """A stored time in Copenhagen time (a naive value is UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local(moment)


def waiting_minutes(row: BoardRow, now: datetime) -> int | None:
    if row.status != RequestStatus.WAITING or row.booked_earlier:
        return None
    return max(0, int((as_local(now) - as_local(row.arrived_at)).total_seconds() // 60))


# The statuses a command applies to (citizen view: any).
ACTION_STATUSES = {
    "start_conversation": {RequestStatus.WAITING, RequestStatus.IN_CONVERSATION},
    "no_show": {RequestStatus.WAITING},
    "withdraw": {RequestStatus.WAITING, RequestStatus.IN_CONVERSATION},
}


class TodayScreen(BaseScreen):
    """The queue board. Commands on the selected row: start conversation, no-show, citizen,
    turned at the door."""

    CSS_PATH = "today.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Refresh"),
        Binding("f6", "start_conversation", "Start conversation"),
        Binding("f7", "no_show", "No-show"),
        Binding("f8", "citizen", "Citizen"),
        Binding("f9", "withdraw", "Turned at the door"),
    ]

    def __init__(self) -> None:
        super().__init__(id="today")
        self.rows: list[BoardRow] = []
        self.select_next: int | None = None  # a request to put the cursor on after the next read
        self._shown_minutes: dict[int, int | None] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Opening database…"), id="board-status", markup=False)
        yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#board", DataTable)
        add_columns(
            table,
            (_("Arrived"), "time", 7),
            (_("Waiting"), "wait", 9),
            (_("CPR"), "cpr", 11),
            (_("Name"), "name", 30),
            (_("Age"), "age", 5),
            (_("Benefit"), "benefit", 17),
            (_("Status"), "status", 16),
        )
        self.title = _("Jobbutik")
        self.sub_title = _("Today")
        # Waiting time ticks without database work: only the minutes column is redrawn.
        self.set_interval(10, self.tick)
        if self.ready:
            self.load()

    def context_ready(self) -> None:
        self.sub_title = self.japp.header_text(_("Today"))
        self.load()

    def context_failed(self, reason: str) -> None:
        self.query_one("#board-status", Static).update(Content(reason))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"start_conversation", "no_show", "citizen", "withdraw", "refresh"}:
            if not self.japp.allowed(action):
                return False
            if action == "refresh":
                return True
            row = self.selected
            if row is None or row.status not in ACTION_STATUSES.get(action, {row.status}):
                return None  # shown dimmed: nothing (fitting) selected
        return True

    # -- data ----------------------------------------------------------------------------------

    @work(exclusive=True, group="board")
    async def load(self) -> None:
        from jobbutik.services import arrivals

        try:
            rows = await asyncio.to_thread(arrivals.today_board, self.ctx)
        except JobbutikError as error:
            if not self.rows:
                self.query_one("#board-status", Static).update(Content(str(error)))
            raise  # and the app says it in its one line
        self.show_rows(rows)

    def show_rows(self, rows: list[BoardRow]) -> None:
        table = self.query_one("#board", DataTable)
        keep = self.select_next or (self.selected.request_id if self.selected else None)
        self.select_next = None
        self.rows = rows
        table.clear()
        now = self.ctx.clock.now()
        self._shown_minutes = {}
        for row in self.rows:
            minutes = waiting_minutes(row, now)
            self._shown_minutes[row.request_id] = minutes
            if row.booked_earlier:
                arrived = _("booked")
            else:
                arrived = as_local(row.arrived_at).strftime("%H:%M")
            table.add_row(
                arrived,
                self._minutes_text(minutes),
                row.cpr_masked,
                Content(row.name),  # data, not markup
                str(row.age),
                Benefit.label_of(row.benefit),
                RequestStatus.label_of(row.status),
                key=str(row.request_id),
            )
        status = self.query_one("#board-status", Static)
        if self.rows:
            waiting = sum(1 for r in self.rows if r.status == RequestStatus.WAITING)
            status.update(
                ngettext(
                    "{count} arrival today, {waiting} waiting.",
                    "{count} arrivals today, {waiting} waiting.",
                    len(self.rows),
                ).format(count=len(self.rows), waiting=waiting)
            )
            table.add_class("-filled")
            if keep is not None:
                for index, row in enumerate(self.rows):
                    if row.request_id == keep:
                        table.move_cursor(row=index)
            table.focus()
        else:
            status.update(_("No arrivals yet today. Press F2 to register the first one."))
            table.remove_class("-filled")
        self.refresh_bindings()

    def tick(self) -> None:
        if not self.rows or not self.ready:
            return
        table = self.query_one("#board", DataTable)
        now = self.ctx.clock.now()
        for row in self.rows:
            minutes = waiting_minutes(row, now)
            if self._shown_minutes.get(row.request_id) != minutes:
                self._shown_minutes[row.request_id] = minutes
                table.update_cell(str(row.request_id), "wait", self._minutes_text(minutes))

    @staticmethod
    def _minutes_text(minutes: int | None) -> str:
        return "" if minutes is None else _("{n} min").format(n=minutes)

    @property
    def selected(self) -> BoardRow | None:
        if not self.rows:
            return None
        index = self.query_one("#board", DataTable).cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _row_moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        if self.check_action("start_conversation", ()) is True:
            self.action_start_conversation()

    # -- commands ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        if self.ready:
            self.load()

    def action_start_conversation(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(StartConversation(row.request_id))

    def action_no_show(self) -> None:
        row = self.selected
        if row is not None:
            self.set_status(row.request_id, RequestStatus.NO_SHOW)

    def action_citizen(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(OpenCitizen(row.citizen_id))

    def action_withdraw(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(Withdraw(row.request_id, row.name))

    @work(exclusive=True, group="status")
    async def set_status(self, request_id: int, status: RequestStatus) -> None:
        from jobbutik.services import arrivals

        await asyncio.to_thread(arrivals.set_status, self.ctx, request_id, status)
        self.load()

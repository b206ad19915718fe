"""Today (I dag): the queue board of the day's arrivals with live waiting time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from jobbutik.domain.clock import local
from jobbutik.domain.i18n import _
from jobbutik.tui.messages import MarkNoShow, OpenCitizen, StartConversation, Withdraw
from jobbutik.tui.screens.base import BaseScreen

if TYPE_CHECKING:
    from jobbutik.services.arrivals import BoardRow

# Danish domain terms stay Danish in both languages.
BENEFITS = {"kontanthjaelp": "kontanthjælp", "uddannelseshjaelp": "uddannelseshjælp"}


def status_text(status: str) -> str:
    return {
        "waiting": _("waiting"),
        "in_conversation": _("in conversation"),
        "done": _("done"),
        "no_show": _("no-show"),
        "withdrawn": _("withdrawn"),
    }.get(status, status)


def as_local(moment: datetime) -> datetime:
    """A stored time in Copenhagen time (a naive value is UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local(moment)


def waiting_minutes(row: BoardRow, now: datetime) -> int | None:
    if row.status != "waiting" or row.booked_earlier:
        return None
    return max(0, int((as_local(now) - as_local(row.arrived_at)).total_seconds() // 60))


# The statuses a command applies to (citizen view: any).
ACTION_STATUSES = {
    "start_conversation": {"waiting", "in_conversation"},
    "no_show": {"waiting"},
    "withdraw": {"waiting", "in_conversation"},
}


class BoardLoaded(Message):
    def __init__(self, rows: list[BoardRow]) -> None:
        super().__init__()
        self.rows = rows


class StatusSaved(Message):
    pass


class TodayScreen(BaseScreen):
    """The queue board. Commands on the selected row: start conversation, no-show, citizen,
    turned at the door."""

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
        yield Static(_("Opening database…"), id="board-status")
        yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#board", DataTable)
        table.add_column(_("Arrived"), key="time", width=7)
        table.add_column(_("Waiting"), key="wait", width=9)
        table.add_column(_("CPR"), key="cpr", width=11)
        table.add_column(_("Name"), key="name", width=30)
        table.add_column(_("Age"), key="age", width=5)
        table.add_column(_("Benefit"), key="benefit", width=17)
        table.add_column(_("Status"), key="status", width=16)
        table.display = False
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
        self.query_one("#board-status", Static).update(reason)

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

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def load(self) -> None:
        from jobbutik.services import arrivals

        rows = arrivals.today_board(self.ctx)
        if not get_current_worker().is_cancelled:
            self.post_message(BoardLoaded(rows))

    def on_board_loaded(self, message: BoardLoaded) -> None:
        table = self.query_one("#board", DataTable)
        keep = self.select_next or (self.selected.request_id if self.selected else None)
        self.select_next = None
        self.rows = message.rows
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
                row.name,
                str(row.age),
                BENEFITS.get(row.benefit, row.benefit),
                status_text(row.status),
                key=str(row.request_id),
            )
        status = self.query_one("#board-status", Static)
        if self.rows:
            waiting = sum(1 for r in self.rows if r.status == "waiting")
            status.update(
                _("{count} arrivals today, {waiting} waiting.").format(
                    count=len(self.rows), waiting=waiting
                )
            )
            table.display = True
            if keep is not None:
                for index, row in enumerate(self.rows):
                    if row.request_id == keep:
                        table.move_cursor(row=index)
            table.focus()
        else:
            status.update(_("No arrivals yet today. Press F2 to register the first one."))
            table.display = False
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
        table = self.query_one("#board", DataTable)
        if not self.rows or not table.display:
            return None
        index = table.cursor_row
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
            self.post_message(MarkNoShow(row.request_id))

    def action_citizen(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(OpenCitizen(row.citizen_id))

    def action_withdraw(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(Withdraw(row.request_id, row.name))

    def on_mark_no_show(self, message: MarkNoShow) -> None:
        message.stop()
        self.set_status(message.request_id, "no_show")

    @work(thread=True, exclusive=True, exit_on_error=False, group="status")
    def set_status(self, request_id: int, status: str) -> None:
        from jobbutik.services import arrivals

        arrivals.set_status(self.ctx, request_id, status)
        self.post_message(StatusSaved())

    def on_status_saved(self, _message: StatusSaved) -> None:
        self.load()

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        if worker.group == "board" and not self.rows:
            self.query_one("#board-status", Static).update(str(error))
        return False

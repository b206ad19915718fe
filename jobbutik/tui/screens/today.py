"""Today (I dag): the queue board of the day's arrivals, live across desks, with waiting time and
who has each conversation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static

from jobbutik.domain.clock import local
from jobbutik.domain.errors import ClaimHeld, JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.vocabulary import AuditEntity, Benefit, RequestStatus
from jobbutik.tui import shown as shown_log
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.messages import OpenCitizen, StartConversation, Withdraw
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField, PlainText
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown

if TYPE_CHECKING:
    from jobbutik.services.arrivals import BoardRow
    from jobbutik.services.context import ServiceContext

# How often the board asks whether another desk changed something (one cheap read).
POLL_SECONDS = 2
# How often the waiting minutes are redrawn (from the clock, no database work).
TICK_SECONDS = 10
# From this width on the board also shows age and benefit; below it, the columns that identify a
# row and its state (arrival, waiting, CPR, name, status, who has it) fit 80 columns.
WIDE = 110
NAME_MIN = 12


def as_local(moment: datetime) -> datetime:
    """A stored time in Copenhagen time (a naive value is UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local(moment)


def waiting_minutes(row: BoardRow, now: datetime) -> int | None:
    if not row.waiting_here or row.booked_earlier:
        return None
    return max(0, int((as_local(now) - as_local(row.arrived_at)).total_seconds() // 60))


def short_day(day: date) -> str:
    return f"{day.day}.{day.month}"


def status_text(row: BoardRow) -> str:
    if row.status == RequestStatus.WAITING and row.booked_later:
        return _("booked for {day}").format(day=short_day(row.slot_date))
    return RequestStatus.label_of(row.status)


def holder_text(row: BoardRow) -> str:
    """Who has the conversation, since when: "HM 10:14"."""
    if row.status != RequestStatus.IN_CONVERSATION or not row.claimed_by:
        return ""
    since = as_local(row.claimed_at).strftime("%H:%M") if row.claimed_at else ""
    return f"{row.claimed_by} {since}".strip()


@dataclass(frozen=True)
class Board:
    version: int  # the board counter the rows were read at
    rows: list[BoardRow]


def read_board(ctx: ServiceContext) -> Board:
    """The day's board (off the event loop: the screen's loads, and the start-up's first read)."""
    from jobbutik.services import arrivals

    # The counter and the rows of one transaction: a change after it is read at the next poll.
    return Board(*arrivals.board(ctx))


# The statuses a command applies to (citizen view: any).
ACTION_STATUSES = {
    "start_conversation": {RequestStatus.WAITING, RequestStatus.IN_CONVERSATION},
    "withdraw": {RequestStatus.WAITING, RequestStatus.IN_CONVERSATION},
    "release_claim": {RequestStatus.IN_CONVERSATION},
}
# No-show and its undo share F7, hide and show finished rows share H: `check_action` hides the one
# that does not fit the selected row (or the board), so the footer names the other.
_ROW_ACTIONS = {"start_conversation", "citizen", "withdraw", "release_claim"}


class TodayScreen(BaseScreen):
    """The queue board. Commands on the selected row: start conversation, no-show (and its undo),
    citizen, turned at the door, release a claim (supervisor); the next waiting citizen; hide or
    show finished rows."""

    CSS_PATH = "today.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Refresh", show=False),  # the board reads itself
        Binding("f6", "start_conversation", "Start conversation"),
        Binding("f7", "no_show", "No-show"),
        Binding("f7", "undo_no_show", "Undo no-show"),
        Binding("f8", "citizen", "Citizen"),
        Binding("f9", "withdraw", "Turned at the door"),
        Binding("n", "next_waiting", "Next waiting"),
        # A view, like the follow-ups' filters: in the keys panel, so F2 keeps its room.
        Binding("h", "hide_finished", "Hide finished", show=False),
        Binding("h", "show_finished", "Show finished", show=False),
        Binding("r", "release_claim", "Release"),
    ]

    def __init__(self) -> None:
        super().__init__(id="today")
        self.rows: list[BoardRow] = []  # every row of the day
        self.shown_rows: list[BoardRow] = []  # those in the table (finished rows may be hidden)
        self.hide_finished = False  # the desk's choice, kept for the session
        self.select_next: int | None = None  # a request to put the cursor on after the next read
        self._shown_minutes: dict[int, int | None] = {}
        self._version: int | None = None  # the board counter the rows were read at
        self._polling = False
        self._wide: bool | None = None
        self._name_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Opening database…"), id="board-status", markup=False)
        yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.fit_columns(self.app.size.width)
        self.title = _("Jobbutik")
        self.sub_title = _("Today")
        # Waiting time ticks without database work: only the minutes column is redrawn.
        self.set_interval(TICK_SECONDS, self.tick)
        # Other desks' changes: one cheap read every few seconds, the board only when it moved.
        self.set_interval(POLL_SECONDS, self.poll)
        if self.ready and self.japp.allowed("today"):
            self.load()

    def context_ready(self, board: Board | JobbutikError | None = None) -> None:
        """The database is open; `board`: its first read by the start-up, or why it failed (the
        polls read it until it succeeds); None: read it now."""
        self.sub_title = self.japp.header_text(_("Today"))
        if self.japp.allowed("today"):
            if board is None:
                self.load()
            elif isinstance(board, JobbutikError):
                self._read_failed(board)
                self.japp.handler_failed(board)  # the app says it in its one line
            else:
                self._version = board.version
                self.show_rows(board.rows)
        else:  # the app opens the user's own first section instead
            self.query_one("#board-status", Static).update(
                _("Your role does not use the queue board.")
            )

    def context_failed(self, reason: str) -> None:
        self.query_one("#board-status", Static).update(shown(reason))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"hide_finished", "show_finished"}:
            return self.hide_finished == (action == "show_finished")
        if action == "next_waiting":
            return True if any(r.waiting_here for r in self.shown_rows) else None
        if action in {"no_show", "undo_no_show"}:
            return self._no_show_state(action)
        if action in _ROW_ACTIONS or action == "refresh":
            if not self.japp.allowed(action):
                return False
            if action == "refresh":
                return True
            row = self.selected
            if row is None or row.status not in ACTION_STATUSES.get(action, {row.status}):
                return None  # shown dimmed: nothing (fitting) selected
        return True

    def _no_show_state(self, action: str) -> bool | None:
        """F7 is "No-show" on a waiting row and "Undo no-show" on today's no-show."""
        if not self.japp.allowed("no_show"):
            return False
        row = self.selected
        undoable = row is not None and self._undoable(row)
        if action == "undo_no_show":
            return undoable
        if undoable:
            return False
        return True if row is not None and row.waiting_here else None

    def _undoable(self, row: BoardRow) -> bool:
        from jobbutik.services.arrivals import no_show_undoable

        return row.status == RequestStatus.NO_SHOW and no_show_undoable(
            row.closed_at, self.ctx.clock.today()
        )

    # -- data ----------------------------------------------------------------------------------

    @work(exclusive=True, group="board")
    async def load(self) -> None:
        try:
            board = await asyncio.to_thread(read_board, self.ctx)
        except JobbutikError as error:
            self._read_failed(error)
            raise  # and the app says it in its one line
        self._version = board.version
        self.show_rows(board.rows)

    def _read_failed(self, error: JobbutikError) -> None:
        if not self.rows:
            self.query_one("#board-status", Static).update(shown(str(error)))

    @work(group="poll")
    async def poll(self) -> None:
        """Read the board again when another desk changed it (and release claims whose desk
        stopped answering). Never waits on the screen; a failed poll is tried at the next."""
        from jobbutik.services import claims

        if not self.ready or self._polling or not self.japp.allowed("today"):
            return
        if self._version is None:
            # The first read failed (or is under way): read the board until it succeeds.
            if not self._loading():
                self.load()
            return
        self._polling = True
        try:
            polled = await asyncio.to_thread(claims.poll, self.ctx)
        except JobbutikError:
            return  # busy or unreachable for a moment: the next poll asks again
        finally:
            self._polling = False
        if polled.version != self._version:
            self.load()

    def _loading(self) -> bool:
        return any(
            w.node is self and w.group == "board" and not w.is_finished for w in self.workers
        )

    def show_rows(self, rows: list[BoardRow]) -> None:
        table = self.query_one("#board", DataTable)
        keep = self.select_next or (self.selected.request_id if self.selected else None)
        old_index = table.cursor_row
        self.select_next = None
        self.rows = rows
        self.shown_rows = [r for r in rows if not (self.hide_finished and r.finished)]
        table.clear()
        now = self.ctx.clock.now()
        self._shown_minutes = {}
        for row in self.shown_rows:
            minutes = waiting_minutes(row, now)
            self._shown_minutes[row.request_id] = minutes
            table.add_row(*self._cells(row, minutes), key=str(row.request_id))
        self._show_counts()
        if self.shown_rows:
            table.add_class("-filled")
            ids = [r.request_id for r in self.shown_rows]
            index = ids.index(keep) if keep in ids else min(max(old_index, 0), len(ids) - 1)
            table.move_cursor(row=index)
            table.focus()
        else:
            table.remove_class("-filled")
        self.refresh_bindings()
        self.note_shown()

    def note_shown(self) -> None:
        """The citizens on the board go to the audit log, gathered: the polls that read the
        board again add only those not logged lately."""
        if self.ready and self.shown_rows:
            day = self.ctx.clock.today().isoformat()
            ids = [row.citizen_id for row in self.shown_rows]
            shown_log.note_shown(self, AuditEntity.TODAY_BOARD, day, ids)

    def on_screen_resume(self) -> None:
        self.note_shown()

    def on_screen_suspend(self) -> None:
        shown_log.write_now(self.app)

    def _cells(self, row: BoardRow, minutes: int | None) -> list[object]:
        arrived = as_local(row.arrived_at).strftime("%H:%M")
        if row.overdue:  # left open (or closed today) from an earlier day: that day
            arrived = short_day(as_local(row.arrived_at).date())
        elif row.booked_earlier:
            arrived = _("booked")
        cells: list[object] = [
            arrived,
            self._minutes_text(minutes),
            row.cpr_masked,
            shown(row.name),  # data, not markup
            status_text(row),
            shown(holder_text(row)),
        ]
        if self._wide:
            cells += [str(row.age), Benefit.label_of(row.benefit)]
        return cells

    def _show_counts(self) -> None:
        status = self.query_one("#board-status", Static)
        if not self.rows:
            status.update(_("No arrivals yet today. Press F2 to register the first one."))
            return
        # Waiting in the room now: a booking for another day is not counted.
        waiting = sum(1 for r in self.rows if r.waiting_here)
        line = ngettext(
            "{count} arrival today, {waiting} waiting.",
            "{count} arrivals today, {waiting} waiting.",
            len(self.rows),
        ).format(count=len(self.rows), waiting=waiting)
        hidden = len(self.rows) - len(self.shown_rows)
        if hidden:
            line += " " + ngettext(
                "{n} finished row hidden (H shows it).",
                "{n} finished rows hidden (H shows them).",
                hidden,
            ).format(n=hidden)
        status.update(line)

    def tick(self) -> None:
        if not self.shown_rows or not self.ready:
            return
        table = self.query_one("#board", DataTable)
        now = self.ctx.clock.now()
        for row in self.shown_rows:
            minutes = waiting_minutes(row, now)
            if self._shown_minutes.get(row.request_id) != minutes:
                self._shown_minutes[row.request_id] = minutes
                table.update_cell(str(row.request_id), "wait", self._minutes_text(minutes))

    @staticmethod
    def _minutes_text(minutes: int | None) -> str:
        return "" if minutes is None else _("{n} min").format(n=minutes)

    # -- columns that fit the terminal -----------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns(event.size.width)

    def fit_columns(self, width: int) -> None:
        """The identifying columns always; age and benefit from `WIDE` columns on; the name takes
        what is left."""
        wide = width >= WIDE
        columns = [
            (_("Arrived"), "time", 7),
            (_("Waiting"), "wait", 7),
            (_("CPR"), "cpr", 11),
            (_("Name"), "name", 0),
            (_("Status"), "status", 16),
            (_("With"), "holder", 9),
        ]
        if wide:
            columns += [(_("Age"), "age", 3), (_("Benefit"), "benefit", 16)]
        # Each column has a cell's padding on both sides; the scroll bar takes two.
        taken = sum(w for _label, _key, w in columns) + 2 * len(columns) + 2
        name_width = max(NAME_MIN, width - taken)
        if (wide, name_width) == (self._wide, self._name_width):
            return
        self._wide, self._name_width = wide, name_width
        # Clearing the columns moves the cursor to the top: keep the selected request.
        if self.select_next is None and (row := self.selected) is not None:
            self.select_next = row.request_id
        table = self.query_one("#board", DataTable)
        table.clear(columns=True)
        for label, key, column_width in columns:
            table.add_column(label, key=key, width=column_width or name_width)
        if self.rows:
            self.show_rows(self.rows)

    # -- selection -----------------------------------------------------------------------------

    @property
    def selected(self) -> BoardRow | None:
        if not self.shown_rows:
            return None
        index = self.query_one("#board", DataTable).cursor_row
        return self.shown_rows[index] if 0 <= index < len(self.shown_rows) else None

    @on(DataTable.RowHighlighted)
    def _row_moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        if self.check_action("start_conversation", ()) is True:
            self.action_start_conversation()

    # -- commands ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        # Also asked by the app after every save (a staff change by an admin too).
        if self.ready and self.japp.allowed("today"):
            self.load()

    def action_next_waiting(self) -> None:
        """The next waiting citizen below the cursor (from the top after the last)."""
        table = self.query_one("#board", DataTable)
        count = len(self.shown_rows)
        for step in range(1, count + 1):
            index = (table.cursor_row + step) % count
            if self.shown_rows[index].waiting_here:
                table.move_cursor(row=index)
                return

    def action_hide_finished(self) -> None:
        self.hide_finished = True
        self.show_rows(self.rows)

    def action_show_finished(self) -> None:
        self.hide_finished = False
        self.show_rows(self.rows)

    def action_start_conversation(self) -> None:
        row = self.selected
        if row is None:
            return
        me = self.ctx.staff.initials
        if row.status == RequestStatus.IN_CONVERSATION and row.claimed_by not in (None, me):
            # Another desk has it (a claim whose desk went silent is released by the polls,
            # so what the board shows is live; the conversation checks again when it opens).
            since = row.claimed_at or self.ctx.clock.now()
            self.notify(
                str(ClaimHeld(row.claimed_by or "", since)), severity="warning", markup=False
            )
            return
        self.post_message(StartConversation(row.request_id))

    def action_no_show(self) -> None:
        row = self.selected
        if row is not None:
            self.app.push_screen(NoShowForm(row.request_id, row.name), self._no_show_saved)

    def _no_show_saved(self, request_id: int | None) -> None:
        if request_id is not None:
            self.select_next = request_id  # the cursor stays on the row: F7 undoes it
            self.load()

    def action_undo_no_show(self) -> None:
        row = self.selected
        if row is not None:
            self.set_status(row.request_id, RequestStatus.WAITING)

    def action_release_claim(self) -> None:
        from jobbutik.tui.screens.confirm import ConfirmModal

        row = self.selected
        if row is None:
            return
        request_id, holder, since = row.request_id, row.claimed_by or "", row.claimed_at

        def answered(yes: bool | None) -> None:
            if yes:
                self.release_claim(request_id, row.claimed_by, since)

        self.app.push_screen(
            ConfirmModal(
                _("Release {holder}'s conversation with {name}?").format(
                    holder=holder, name=row.name
                ),
                _("The citizen waits again; {holder}'s unsaved input stays a draft.").format(
                    holder=holder
                ),
                yes=_("Release"),
            ),
            answered,
        )

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

    @work(exclusive=True, group="status")
    async def release_claim(
        self, request_id: int, holder: str | None, since: datetime | None
    ) -> None:
        from jobbutik.services import claims

        try:
            await asyncio.to_thread(claims.release_claim, self.ctx, request_id, holder, since)
        finally:
            self.load()  # released or not, the board shows who has it now


# -- marking a no-show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NoShow:
    request_id: int
    stated_reason: str  # "" when the citizen gave none


class NoShowForm(FormModal[NoShow, int]):
    """Mark a citizen as no-show, with the reason they stated if any (a no-show at the job
    conversation may raise a possible-sanction flag: the reason goes to the partshøring)."""

    CSS_PATH = "today.tcss"

    def __init__(self, request_id: int, citizen_name: str) -> None:
        super().__init__(id="no-show")
        self.request_id = request_id
        self.citizen_name = citizen_name
        self.draft_key = DraftKey[dict[str, object]]("no-show", request_id)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(
                shown(_("Mark {name} as no-show?").format(name=self.citizen_name)),
                classes="dialog-title",
            )
            yield Static(_("It can be undone today with F7."), id="no-show-undo")
            yield FormField(
                _("Stated reason"),
                Input(id="stated_reason", max_length=500, validators=[PlainText()]),
                id="f-stated_reason",
            )
            yield Static(
                _("What the citizen said, if anything; empty: no reason given."), classes="hint"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#stated_reason", Input).focus()

    def payload(self) -> NoShow:
        return NoShow(self.request_id, self.query_one("#stated_reason", Input).value)

    def submit(self, ctx: ServiceContext, payload: NoShow) -> int:
        from jobbutik.services import arrivals

        arrivals.set_status(
            ctx, payload.request_id, RequestStatus.NO_SHOW, stated_reason=payload.stated_reason
        )
        return payload.request_id

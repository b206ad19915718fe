"""Partshøringer: the possible sanctions still open, due first.

A flag is never a decision: the consultant sends the partshøring (marked here) and records the
decision a person made (sanktion / ingen sanktion) before the due day (aktivloven § 35 stk. 3).
A flag raised in error may be closed with ingen sanktion before any partshøring.
Consultants see their own; a supervisor sees everyone's and may narrow to their own (M).
Reception never opens this screen (Permission.HEARINGS).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Input, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.text import visible
from jobbutik.domain.vocabulary import (
    Category,
    HearingDecision,
    HearingEvent,
    HearingStatus,
    Permission,
)
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.messages import OpenCitizen
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.confirm import ConfirmModal
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.fields import FormField, PlainText
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.hearings import HearingRow

DECISIONS = tuple(HearingDecision)
OPEN = (HearingStatus.AWAITING, HearingStatus.SENT)


def status_text(row: HearingRow) -> str:
    if row.status == HearingStatus.SENT and row.sent_on is not None:
        return _("Partshøring sent {day}").format(day=format_day(row.sent_on))
    return HearingStatus.label_of(row.status)


def due_text(row: HearingRow) -> Content:
    """The day to decide by; past it, in red and said in words (not by colour alone)."""
    day = format_day(row.due)
    if row.overdue:
        return Content.styled(_("{day} overdue").format(day=day), "bold red")
    return Content(day)


class HearingsScreen(BaseScreen):
    """The open possible-sanction flags, due first."""

    CSS_PATH = "hearings.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh", show=False),
        Binding("f6", "mark_sent", "Partshøring sent"),
        Binding("f7", "decide", "Decide"),
        Binding("f8", "citizen", "Citizen"),
        Binding("m", "toggle_everyone", "Mine/everyone"),
    ]

    def __init__(self) -> None:
        super().__init__(id="hearings")
        self.rows: list[HearingRow] = []
        self.everyone = False  # set on mount: a supervisor starts with everyone's

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading partshøringer…"), id="hearings-status", markup=False)
        yield DataTable(id="hearings-table", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Partshøringer"))
        self.everyone = self.supervisor
        fit_columns(
            self.query_one("#hearings-table", DataTable),
            (_("Decide by"), "due", 18, 10),
            (_("CPR"), "cpr", 11, 0),
            (_("Name"), "name", 20, 12),
            (_("Event"), "event", 36, 14),
            (_("Category"), "category", 25, 0),
            (_("Event day"), "event_on", 10, 0),
            (_("Status"), "status", 27, 12),
            (_("Who"), "who", 4, 0),
        )
        self.load()

    @property
    def supervisor(self) -> bool:
        return Permission.REASSIGN in self.japp.permissions

    # -- data ----------------------------------------------------------------------------------

    @work(exclusive=True, group="hearings")
    async def load(self) -> None:
        from jobbutik.services import hearings

        ctx = self.ctx
        assignee = None if self.everyone else ctx.staff.initials
        try:
            rows = await asyncio.to_thread(hearings.hearings, ctx, assignee=assignee)
        except JobbutikError as error:
            if not self.rows:
                self.query_one("#hearings-status", Static).update(shown(str(error)))
            raise  # and the app says it in its one line
        self.show_rows(rows)

    def show_rows(self, rows: list[HearingRow]) -> None:
        table = self.query_one("#hearings-table", DataTable)
        keep = self.current.id if self.current else None
        place = table.cursor_row
        self.rows = rows
        table.clear()
        for row in rows:
            table.add_row(
                due_text(row),
                row.cpr_masked,
                shown(row.name),  # data, not markup
                HearingEvent.label_of(row.event),
                Category.label_of(row.category),
                format_day(row.event_on),
                status_text(row),
                row.assignee.upper(),
                key=str(row.id),
            )
        index = next((i for i, row in enumerate(rows) if row.id == keep), None)
        if rows:
            table.move_cursor(row=min(place, len(rows) - 1) if index is None else index)
        self.query_one("#hearings-status", Static).update(self.status_line())
        table.focus()
        self.refresh_bindings()

    def status_line(self) -> str:
        whose = _("everyone's") if self.everyone else _("yours")
        if not self.rows:
            return _("No open partshøringer ({whose}).").format(whose=whose)
        overdue = sum(1 for r in self.rows if r.overdue)
        return ngettext(
            "{count} open partshøring ({whose}), {overdue} overdue. Due first.",
            "{count} open partshøringer ({whose}), {overdue} overdue. Due first.",
            len(self.rows),
        ).format(count=len(self.rows), whose=whose, overdue=overdue)

    @property
    def current(self) -> HearingRow | None:
        index = self.query_one("#hearings-table", DataTable).cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_everyone":
            return self.supervisor
        row = self.current
        if action == "mark_sent":
            return True if row is not None and row.status == HearingStatus.AWAITING else None
        if action == "decide":
            # Ingen sanktion may close a flag still awaiting partshøring (one raised in error);
            # the service refuses a sanktion until the partshøring is sent.
            return True if row is not None and row.status in OPEN else None
        if action == "citizen" and row is None:
            return None
        return True

    # -- commands ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def action_toggle_everyone(self) -> None:
        self.everyone = not self.everyone
        self.load()

    def action_citizen(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(OpenCitizen(row.citizen_id))

    def action_mark_sent(self) -> None:
        row = self.current
        if row is None or row.status != HearingStatus.AWAITING:
            return
        hearing_id, name = row.id, row.name

        def answered(yes: bool | None) -> None:
            if yes:
                self.mark_sent(hearing_id, name)

        self.app.push_screen(
            ConfirmModal(
                _("Mark the partshøring to {name} as sent today?").format(name=name),
                _("{event}, {day}. The decision is due {due}.").format(
                    event=HearingEvent.label_of(row.event),
                    day=format_day(row.event_on),
                    due=format_day(row.due),
                ),
                yes=_("Sent"),
            ),
            answered,
        )

    @work(exclusive=True, group="hearing-save")
    async def mark_sent(self, hearing_id: int, name: str) -> None:
        from jobbutik.services import hearings

        row = await asyncio.to_thread(hearings.mark_sent, self.ctx, hearing_id)
        self.notify(
            _("Partshøring to {name} marked as sent; decide by {due}.").format(
                name=name, due=format_day(row.due)
            ),
            title=_("Saved"),
            markup=False,
        )
        self.load()

    def action_decide(self) -> None:
        row = self.current
        if row is not None and row.status in OPEN:
            self.app.push_screen(DecideForm(row), self._decided)

    def _decided(self, row: HearingRow | None) -> None:
        if row is None:
            return
        self.notify(
            _("{name}: {decision} recorded.").format(
                name=row.name, decision=HearingDecision.label_of(row.decision)
            ),
            title=_("Saved"),
            markup=False,
        )
        self.load()


# -- the decision ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What the decision form saves (read on the UI thread)."""

    hearing_id: int
    decision: str  # "" while not chosen
    note: str


class DecideForm(FormModal[Decision, "HearingRow"]):
    """Record the decision a person made after the partshøring: sanktion or ingen sanktion."""

    CSS_PATH = "hearings.tcss"

    def __init__(self, row: HearingRow) -> None:
        super().__init__(id="decide-form")
        self.row = row
        self.draft_key = DraftKey[dict[str, object]]("hearing-decision", row.id)

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="dialog", classes="dialog narrow"):
            yield Static(_("Decision after the partshøring"), classes="dialog-title")
            about = Content.assemble((visible(row.name), "bold"), f"  {row.cpr_masked}")
            about += "\n" + _("{event}, {day} ({category})").format(
                event=HearingEvent.label_of(row.event),
                day=format_day(row.event_on),
                category=Category.label_of(row.category),
            )
            if row.stated_reason:
                about += "\n" + Content(
                    _("Stated reason: {reason}").format(reason=visible(row.stated_reason))
                )
            about += "\n" + _("Due {day}").format(day=format_day(row.due))
            # Not sent yet: only ingen sanktion can be recorded (the service says so).
            about += "\n" + status_text(row)
            yield Static(about, id="decide-about")
            yield FormField(
                _("Decision"),
                RadioSet(*(RadioButton(d.label) for d in DECISIONS), id="decision"),
                id="f-decision",
            )
            yield FormField(
                _("Note"), Input(id="note", max_length=500, validators=[PlainText()]), id="f-note"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#decision", RadioSet).focus()

    @on(RadioSet.Changed, "#decision")
    def _chosen(self) -> None:
        self.query_one("#f-decision", FormField).set_error(None)

    def payload(self) -> Decision:
        index = self.query_one("#decision", RadioSet).pressed_index
        return Decision(
            self.row.id,
            DECISIONS[index].value if 0 <= index < len(DECISIONS) else "",
            self.query_one("#note", Input).value,
        )

    def check(self) -> bool:
        if self.check_fields():
            return False
        if not self.payload().decision:
            field = self.query_one("#f-decision", FormField)
            field.set_error(_("Choose the decision: sanction or no sanction."))
            field.widget.focus()
            return False
        return True

    def submit(self, ctx: ServiceContext, payload: Decision) -> HearingRow:
        from jobbutik.services import hearings

        return hearings.decide(ctx, payload.hearing_id, payload.decision, payload.note)

"""Follow-ups (Opfølgning): the consultant's due and overdue list, overdue first.

Enter records an outcome in a few keys (a digit picks it, Ctrl+S saves: followup_forms); the next
follow-up it creates is shown on the screen, and so is a possible-sanction flag (for a manual
partshøring, never a decision) with the day it must be decided by, or why the outcome raised none.
F6 opens the open partshøringer. A supervisor selects several rows with Space and reassigns them
to a consultant. K writes the open follow-ups (the consultant's whose list is shown, else your
own) as a calendar file to import in Outlook (reports.ics): the same file each time, so importing
it again updates the calendar.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.vocabulary import (
    AuditEntity,
    FollowUpKind,
    FollowUpOutcome,
    Permission,
    ReferralOutcome,
    follow_up_outcome_label,
)
from jobbutik.tui import shown as shown_log
from jobbutik.tui.messages import OpenCitizen
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.confirm import ConfirmModal
from jobbutik.tui.screens.followup_forms import (
    REBOOK_AFTER,
    ConsultantForm,
    OutcomeForm,
    OutcomeSaved,
    Reassigned,
    ReassignForm,
    detail_text,
    flag_text,
)
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.tables import shown

if TYPE_CHECKING:
    from jobbutik.services.followups import FollowUpRow, OpenReferral

__all__ = [
    "SHOWN",
    "ConsultantForm",
    "FollowUpsScreen",
    "OutcomeForm",
    "ReassignForm",
]

# The list shows at most this many rows (overdue first): more than a day's work, and a table of
# hundreds of thousands would make the screen wait.
SHOWN = 1000
# A hire's question names at most this many of the citizen's other referral follow-ups.
LISTED = 6


class FollowUpsScreen(BaseScreen):
    """Due and overdue follow-ups, overdue first. Consultants see their own; a supervisor may
    see everyone's (M) or one consultant's (C), and everything still open, also later (L)."""

    CSS_PATH = "followups.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),  # here Esc does what F4 (shown) does
        Binding("f5", "refresh", "Refresh", show=False),
        Binding("enter", "record", "Record outcome", priority=False),
        Binding("space", "toggle_select", "Select"),
        Binding("f7", "reassign", "Reassign"),
        Binding("f8", "citizen", "Citizen"),
        Binding("f9", "book_start", "Book new start"),
        Binding("m", "toggle_everyone", "Mine/everyone"),
        Binding("c", "one_consultant", "One consultant", show=False),
        Binding("l", "toggle_later", "Also later", show=False),
        Binding("k", "calendar", "Calendar file", show=False),
        # Last: at 80 columns the list's own keys come first (the palette names this one).
        Binding("f6", "hearings", "Partshøringer"),
    ]

    def __init__(self) -> None:
        super().__init__(id="followups")
        self.rows: list[FollowUpRow] = []
        self.selected_ids: set[int] = set()
        self.everyone = False
        self.consultant: str | None = None  # a supervisor looking at one consultant's list
        self.later = False
        self.last_result = ""
        self.last_assignee: str | None = None  # offered first when reassigning again
        # The citizen whose activation just ended (no-show, ended early): F9 books a new start.
        self.rebook: tuple[int, str] | None = None
        # After a save, where the cursor goes once the list is read again: the row that followed
        # the saved one (its id), else the saved one's place.
        self.after_save: tuple[int | None, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading follow-ups…"), id="followups-status", markup=False)
        yield DataTable(id="followups", cursor_type="row", zebra_stripes=True)
        yield Static("", id="last-result", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Follow-ups"))
        table = self.query_one("#followups", DataTable)
        fit_columns(
            table,
            ("", "mark", 1),
            (_("Due"), "due", 10),
            (_("Overdue"), "overdue", 8, 6),
            (_("Kind"), "kind", 19, 16),
            (_("CPR"), "cpr", 11, 0),
            (_("Name"), "name", 22, 14),
            (_("What"), "detail", 44, 12),
            (_("Who"), "who", 5, 0),
        )
        self.load()

    # -- data ----------------------------------------------------------------------------------

    @work(exclusive=True, group="followups")
    async def load(self) -> None:
        from jobbutik.services import followups

        try:
            ctx = self.ctx
            rows = await asyncio.to_thread(
                followups.due_list,
                ctx,
                assignee=self.listed_assignee() or None,
                all_open=self.later,
                limit=SHOWN + 1,
            )
        except JobbutikError as error:
            if not self.rows:
                self.query_one("#followups-status", Static).update(shown(str(error)))
            raise  # and the app says it in its one line
        self.show_rows(rows[:SHOWN], more=len(rows) > SHOWN)

    def show_rows(self, rows: list[FollowUpRow], *, more: bool) -> None:
        table = self.query_one("#followups", DataTable)
        if self.after_save is not None:
            keep, place = self.after_save
            self.after_save = None
        else:
            keep, place = (self.current.id if self.current else None), table.cursor_row
        self.rows = rows
        self.selected_ids &= {r.id for r in rows}
        table.clear()
        for row in rows:
            overdue = (
                Content.styled(_("{n} d").format(n=row.working_days_overdue), "bold red")
                if row.overdue
                else Content("")
            )
            table.add_row(
                "●" if row.id in self.selected_ids else "",
                format_day(row.due),
                overdue,
                FollowUpKind.label_of(row.kind),
                row.cpr_masked,
                shown(row.name),  # names and job titles: data, not markup
                shown(detail_text(row)),
                row.assignee.upper(),
                key=str(row.id),
            )
        # The same row when it is still there, else the row now in its place (the last one at
        # the end): a row recorded here or at another desk leaves the cursor where it was.
        index = next((i for i, row in enumerate(rows) if row.id == keep), None)
        if rows:
            table.move_cursor(row=min(place, len(rows) - 1) if index is None else index)
        self.query_one("#followups-status", Static).update(self.status_text(more=more))
        table.focus()
        self.refresh_bindings()
        self.note_shown()

    def note_shown(self) -> None:
        """The citizens in the list go to the audit log (gathered, once in a while)."""
        if self.rows:
            ids = [row.citizen_id for row in self.rows]
            shown_log.note_shown(self, AuditEntity.FOLLOW_UP_LIST, self.listed_assignee(), ids)

    def listed_assignee(self) -> str:
        """Whose follow-ups the list shows: a consultant's initials, "" for everyone's."""
        if self.consultant:
            return self.consultant
        return "" if self.everyone else self.ctx.staff.initials

    def on_screen_resume(self) -> None:
        self.note_shown()

    def on_screen_suspend(self) -> None:
        shown_log.write_now(self.app)

    def status_text(self, *, more: bool) -> str:
        overdue = sum(1 for r in self.rows if r.overdue)
        if self.consultant:
            whose = self.consultant.upper()
        else:
            whose = _("everyone's") if self.everyone else _("yours")
        if more:
            text = _(
                "The first {count} follow-ups ({whose}) are shown, overdue first; "
                "{overdue} of them overdue."
            ).format(count=len(self.rows), whose=whose, overdue=overdue)
        elif self.rows:
            text = ngettext(
                "{count} follow-up ({whose}), {overdue} overdue.",
                "{count} follow-ups ({whose}), {overdue} overdue.",
                len(self.rows),
            ).format(count=len(self.rows), whose=whose, overdue=overdue)
            text += " " + _("Enter records the outcome.")
        else:
            text = _("Nothing due ({whose}).").format(whose=whose)
        if self.later:
            text += " " + _("Later ones are shown too.")
        return text

    @property
    def current(self) -> FollowUpRow | None:
        table = self.query_one("#followups", DataTable)
        index = table.cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#followups")
    def _chosen(self) -> None:
        self.action_record()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        supervisor_only = {"reassign", "toggle_select", "toggle_everyone", "one_consultant"}
        if action in supervisor_only and Permission.REASSIGN not in self.japp.permissions:
            return False
        if action == "hearings":
            return Permission.HEARINGS in self.japp.permissions
        if action == "book_start":
            row = self.current
            if Permission.VISIT not in self.japp.permissions:
                return False
            if self.rebook is None and (row is None or row.kind != FollowUpKind.ACTIVATION_START):
                return None
        if action in {"record", "citizen", "toggle_select"} and self.current is None:
            return None
        if action == "reassign" and not (self.selected_ids or self.current):
            return None
        return True

    # -- commands ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def action_toggle_everyone(self) -> None:
        self.everyone = not self.everyone and self.consultant is None
        self.consultant = None
        self.load()

    def action_toggle_later(self) -> None:
        self.later = not self.later
        self.load()

    def action_hearings(self) -> None:
        self.japp.action_hearings()

    def action_calendar(self) -> None:
        self.write_calendar(self.consultant or self.ctx.staff.initials)

    @work(exclusive=True, group="calendar")
    async def write_calendar(self, initials: str) -> None:
        """The consultant's open follow-ups as an .ics in the reports folder; the notice names
        the file to import."""
        from jobbutik.reports import ics
        from jobbutik.services.retention_files import report_folder

        path, made = await asyncio.to_thread(
            ics.export_to_folder, self.ctx, report_folder(), initials
        )
        self.notify(
            ngettext(
                "{count} follow-up ({initials}) written to {path}: import it in your calendar.",
                "{count} follow-ups ({initials}) written to {path}: import it in your calendar.",
                made.count,
            ).format(count=made.count, initials=made.consultant.upper(), path=path),
            title=_("Calendar file"),
            markup=False,
        )

    def action_citizen(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(OpenCitizen(row.citizen_id))

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None:
            return
        self.selected_ids ^= {row.id}
        table = self.query_one("#followups", DataTable)
        table.update_cell(str(row.id), "mark", "●" if row.id in self.selected_ids else "")
        if table.cursor_row < len(self.rows) - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self.refresh_bindings()

    def action_record(self) -> None:
        row = self.current
        if row is not None:
            self.app.push_screen(OutcomeForm(row), partial(self._recorded, row))

    def _recorded(self, row: FollowUpRow, saved: OutcomeSaved | None) -> None:
        if saved is None:
            return
        place = next((i for i, r in enumerate(self.rows) if r.id == row.id), 0)
        follower = self.rows[place + 1].id if place + 1 < len(self.rows) else None
        self.after_save = (follower, place)
        result = saved.result
        lines = [
            _("{name}: {outcome} recorded.").format(
                name=row.name, outcome=follow_up_outcome_label(saved.outcome)
            )
        ]
        if result.next_due is not None:
            lines.append(_("Next follow-up: {day}.").format(day=format_day(result.next_due)))
        if result.durability_due is not None:
            lines.append(
                _("“Still in work?” follow-up: {day}.").format(
                    day=format_day(result.durability_due)
                )
            )
        flag = flag_text(saved)
        if flag:
            lines.append(flag)
        if saved.outcome in REBOOK_AFTER:
            self.rebook = (row.citizen_id, row.name)
            lines.append(_("F9 books a new start."))
        else:
            self.rebook = None
        self.last_result = "  ".join(lines)
        last = self.query_one("#last-result", Static)
        last.update(shown(self.last_result))  # a name: data, not markup
        last.set_class(result.hearing_id is not None, "-sanction")
        last.add_class("-shown")
        self.notify(self.last_result, title=_("Saved"), markup=False)
        self.load()
        if saved.outcome == ReferralOutcome.HIRED and result.other_referrals:
            self.offer_to_close(row, result.other_referrals)

    # -- after a hire: the other referrals -------------------------------------------------------

    def offer_to_close(self, row: FollowUpRow, others: tuple[OpenReferral, ...]) -> None:
        """A hired citizen's other referral follow-ups have lost their purpose: ask to close
        them (No keeps them, e.g. a second job alongside)."""
        question = ngettext(
            "Close {n} other referral follow-up for {name}?",
            "Close {n} other referral follow-ups for {name}?",
            len(others),
        ).format(n=len(others), name=row.name)
        lines = [
            _("{job}, due {day}").format(job=other.subject, day=format_day(other.due))
            for other in others[:LISTED]
        ]
        if len(others) > LISTED:  # the dialog fits an 80×24 window
            lines.append(_("… and {count} more.").format(count=len(others) - LISTED))
        lines.append(
            _("They will be marked “{outcome}”; the referrals keep what they recorded.").format(
                outcome=FollowUpOutcome.HIRED_ELSEWHERE.label
            )
        )
        modal = ConfirmModal(question, "\n".join(lines), yes=_("Close them"), no=_("Keep them"))
        ids = [other.follow_up_id for other in others]
        self.app.push_screen(modal, partial(self._close_answered, row, ids))

    def _close_answered(self, row: FollowUpRow, ids: list[int], yes: bool | None) -> None:
        if yes:
            self.close_others(row.citizen_id, row.name, ids)

    @work(exclusive=True, group="close-others")
    async def close_others(self, citizen_id: int, name: str, ids: list[int]) -> None:
        from jobbutik.services import followups

        closed = await asyncio.to_thread(followups.close_after_hire, self.ctx, citizen_id, ids)
        self.notify(
            ngettext(
                "{n} referral follow-up for {name} closed.",
                "{n} referral follow-ups for {name} closed.",
                closed,
            ).format(n=closed, name=name),
            title=_("Saved"),
            markup=False,
        )
        self.load()

    # -- whose list, and reassigning -------------------------------------------------------------

    def action_one_consultant(self) -> None:
        self.pick_consultant([])

    def action_reassign(self) -> None:
        ids = sorted(self.selected_ids) or ([self.current.id] if self.current else [])
        if ids:
            self.pick_consultant(ids)

    @work(exclusive=True, group="assignees")
    async def pick_consultant(self, ids: list[int]) -> None:
        """Ask for a consultant: with `ids`, the one to take them over; else whose list to show."""
        from jobbutik.services import followups

        people = await asyncio.to_thread(followups.assignees, self.ctx)
        if not ids:
            self.app.push_screen(ConsultantForm(people, self.consultant), self._show_consultant)
        else:
            self.app.push_screen(ReassignForm(ids, people, self.last_assignee), self._reassigned)

    def _show_consultant(self, initials: str | None) -> None:
        if initials is not None:
            self.consultant = initials
            self.load()

    def _reassigned(self, done: Reassigned | None) -> None:
        if done is None:
            return
        self.last_assignee = done.to
        self.selected_ids.clear()
        self.notify(
            ngettext(
                "{n} follow-up moved to {initials}.",
                "{n} follow-ups moved to {initials}.",
                done.count,
            ).format(n=done.count, initials=done.to.upper()),
            title=_("Saved"),
            markup=False,
        )
        self.load()

    # -- booking a new start -----------------------------------------------------------------------

    def action_book_start(self) -> None:
        from jobbutik.tui.screens.sites import SitesScreen

        row = self.current
        if self.rebook is not None:
            who = self.rebook
        elif row is not None and row.kind == FollowUpKind.ACTIVATION_START:
            who = (row.citizen_id, row.name)
        else:
            return
        self.app.push_screen(SitesScreen(book_for=who), self._booked)

    def _booked(self, _result: object = None) -> None:
        self.rebook = None
        self.load()

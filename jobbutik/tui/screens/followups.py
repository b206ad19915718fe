"""Follow-ups (Opfølgning): the consultant's due and overdue list, overdue first.

Enter records an outcome in a few keys (a digit picks it, Ctrl+S saves); the next follow-up it
creates and a possible-sanction flag (for a manual partshøring, never a decision) are shown on
the screen. A supervisor selects several rows with Space and reassigns them to a consultant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_, OpenCitizen
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField, format_date, parse_date
from jobbutik.tui.widgets.inputs import DateInput

if TYPE_CHECKING:
    from jobbutik.services.followups import Assignee, FollowUpRow, OutcomeResult
    from jobbutik.tui.app import JobbutikApp


def _service() -> Any:
    from jobbutik.services import followups

    return followups


def outcomes_for(kind: str) -> tuple[str, ...]:
    """The outcomes a follow-up of `kind` offers, in the order of their digit keys."""
    return tuple(_service().OUTCOMES.get(kind, ()))


def kind_text(kind: str) -> str:
    return str(_service().kind_label(kind))


def outcome_text(outcome: str) -> str:
    return str(_service().outcome_label(outcome))


def sanction_text() -> str:
    return str(_service().sanction_text())


def flags_sanction(outcome: str) -> bool:
    return outcome in _service().SANCTION_OUTCOMES


def asks_result(kind: str, outcome: str) -> bool:
    return bool(_service().asks_result(kind, outcome))


def activation_results() -> tuple[str, ...]:
    """What an ending activation may end in (job, education, stopped), in their order."""
    return tuple(_service().RESULTS)


def result_text(result: str) -> str:
    return str(_service().result_label(result))


def detail_text(row: FollowUpRow) -> str:
    """What to check, in a few words: the job and its dates, or the site and the start."""
    parts = [row.subject] if row.subject else []
    if row.kind == "referral":
        if row.interview_on:
            parts.append(_("interview {day}").format(day=format_date(row.interview_on)))
        elif row.apply_by:
            parts.append(_("apply by {day}").format(day=format_date(row.apply_by)))
        if row.last_outcome:
            parts.append(_("last: {outcome}").format(outcome=outcome_text(row.last_outcome)))
    elif row.start_date and row.kind == "activation_start":
        parts.append(_("start {day}").format(day=format_date(row.start_date)))
    return " · ".join(parts)


# The list shows at most this many rows (overdue first): more than a day's work, and a table of
# hundreds of thousands would make the screen wait.
SHOWN = 1000


# -- the outcome form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeDraft:
    follow_up_id: int
    outcome: str  # "" while not chosen
    interview_on: str
    note: str
    result: str = ""  # what an ending activation ended in; "" while not chosen


class OutcomeSaved(Message):
    def __init__(self, row: FollowUpRow, draft: OutcomeDraft, result: OutcomeResult) -> None:
        super().__init__()
        self.row = row
        self.draft = draft
        self.result = result


class OutcomeForm(FormModal["OutcomeSaved"]):
    """Record one follow-up's outcome: a digit picks it, Ctrl+S saves (in a worker). An error
    from the save lands at its field and the form stays open with what was typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(n), f"pick({n})", show=False) for n in range(1, 7)
    ]

    DEFAULT_CSS = """
    OutcomeForm #outcome-about { height: auto; margin-bottom: 1; }
    OutcomeForm #outcome-sanction { height: auto; color: $warning; padding-left: 24; }
    """

    def __init__(self, row: FollowUpRow, draft: OutcomeDraft | None = None) -> None:
        super().__init__(id="outcome-form")
        self.row = row
        self.draft = draft
        self.outcomes = outcomes_for(row.kind)
        self.results = activation_results()

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="dialog", classes="dialog"):
            yield Static(
                _("Record outcome: {kind}").format(kind=kind_text(row.kind)),
                classes="dialog-title",
            )
            about = f"[b]{escape(row.name)}[/b]  {row.cpr_masked}"
            detail = detail_text(row)
            if detail:
                about += "\n" + escape(detail)
            about += "\n" + _("Due {day}").format(day=format_date(row.due))
            yield Static(Content.from_markup(about), id="outcome-about")
            buttons = [
                RadioButton(f"{n}  {outcome_text(o)}") for n, o in enumerate(self.outcomes, 1)
            ]
            yield FormField(_("Outcome"), RadioSet(*buttons, id="outcome"), id="f-outcome")
            yield Static("", id="outcome-sanction")
            yield FormField(_("Interview date"), DateInput(id="interview_on"), id="f-interview_on")
            ends = RadioSet(*(RadioButton(result_text(r)) for r in self.results), id="result")
            yield FormField(_("Ended in"), ends, id="f-result")
            yield FormField(_("Note"), Input(id="note", max_length=500), id="f-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#outcome").styles.layout = "vertical"  # one outcome per line
        self.query_one("#result").styles.layout = "vertical"
        if self.draft is not None:
            if self.draft.outcome in self.outcomes:
                buttons = list(self.query_one("#outcome").query(RadioButton))
                buttons[self.outcomes.index(self.draft.outcome)].value = True
            if self.draft.result in self.results:
                buttons = list(self.query_one("#result").query(RadioButton))
                buttons[self.results.index(self.draft.result)].value = True
            self.query_one("#interview_on", DateInput).value = self.draft.interview_on
            self.query_one("#note", Input).value = self.draft.note
        self.outcome_changed()
        self.query_one("#outcome", RadioSet).focus()

    @property
    def chosen(self) -> str:
        index = self.query_one("#outcome", RadioSet).pressed_index
        return self.outcomes[index] if 0 <= index < len(self.outcomes) else ""

    @property
    def chosen_result(self) -> str:
        index = self.query_one("#result", RadioSet).pressed_index
        return self.results[index] if 0 <= index < len(self.results) else ""

    def action_pick(self, number: int) -> None:
        if not 1 <= number <= len(self.outcomes):
            return
        list(self.query_one("#outcome").query(RadioButton))[number - 1].value = True
        picked = self.outcomes[number - 1]
        if picked == "interview":
            self.query_one("#f-interview_on").display = True
            self.query_one("#interview_on", DateInput).focus()
        elif asks_result(self.row.kind, picked):
            self.query_one("#f-result").display = True
            self.query_one("#result", RadioSet).focus()

    @on(RadioSet.Changed, "#outcome")
    def outcome_changed(self) -> None:
        chosen = self.chosen
        self.query_one("#f-interview_on").display = chosen == "interview"
        self.query_one("#f-result").display = asks_result(self.row.kind, chosen)
        self.query_one("#f-outcome", FormField).set_error(None)
        self.query_one("#outcome-sanction", Static).update(
            "⚠ " + sanction_text() if flags_sanction(chosen) else ""
        )

    def current(self) -> OutcomeDraft:
        return OutcomeDraft(
            self.row.id,
            self.chosen,
            self.query_one("#interview_on", DateInput).value,
            self.query_one("#note", Input).value,
            self.chosen_result,
        )

    @on(RadioSet.Changed, "#result")
    def result_changed(self) -> None:
        self.query_one("#f-result", FormField).set_error(None)

    def keep_draft(self) -> None:
        self.japp.drafts[("outcome", self.row.id)] = self.current()

    def action_save(self) -> None:
        draft = self.current()
        outcome_field = self.query_one("#f-outcome", FormField)
        if not draft.outcome:
            outcome_field.set_error(_("Choose the outcome (press its number)."))
            outcome_field.widget.focus()
            return
        if asks_result(self.row.kind, draft.outcome) and not draft.result:
            result_field = self.query_one("#f-result", FormField)
            result_field.set_error(
                _("Choose what the activation ended in: job, education or stopped.")
            )
            result_field.widget.focus()
            return
        interview: date | None = None
        if draft.outcome == "interview":
            date_field = self.query_one("#f-interview_on", FormField)
            try:
                interview = parse_date(draft.interview_on)
            except ValueError as exc:
                date_field.set_error(
                    _("Give the interview date (today or later).")
                    if not draft.interview_on.strip()
                    else str(exc)
                )
                date_field.widget.focus()
                return
        self.save(draft, interview)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record_outcome")
    def save(self, draft: OutcomeDraft, interview: date | None) -> None:
        from jobbutik.services import followups

        result = followups.record_outcome(
            self.ctx,
            draft.follow_up_id,
            draft.outcome,
            interview_on=interview,
            result=draft.result or None,
            note=draft.note,
        )
        self.app.call_from_thread(self._saved, draft, result)

    def _saved(self, draft: OutcomeDraft, result: OutcomeResult) -> None:
        self.japp.drafts.pop(("outcome", self.row.id), None)
        self.dismiss(OutcomeSaved(self.row, draft, result))

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        return self.show_error(error)


# -- reassignment ---------------------------------------------------------------------------------


class ReassignForm(FormModal[str]):
    """Pick the consultant who takes over the selected follow-ups."""

    TITLE = N_("Reassign follow-ups")
    LABEL = N_("To consultant")
    MISSING = N_("Choose the consultant to take them over.")
    DRAFT = "reassign"

    def __init__(self, count: int, people: list[Assignee], draft: str | None = None) -> None:
        super().__init__(id=f"{self.DRAFT}-form")
        self.count = count
        self.people = people
        self.draft = draft

    def compose(self) -> ComposeResult:
        options = [
            (
                _("{initials} – {name} ({n} open)").format(
                    initials=p.initials.upper(), name=p.name, n=p.open_follow_ups
                ),
                p.initials,
            )
            for p in self.people
        ]
        with Vertical(id="dialog", classes="dialog narrow"):
            yield Static(_(self.TITLE), classes="dialog-title")
            if self.count:
                yield Static(_("{n} follow-up(s) selected.").format(n=self.count))
            yield FormField(
                _(self.LABEL),
                Select(options, id="assignee", prompt=_("Choose a consultant")),
                id="f-assignee",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        select = self.query_one("#assignee", Select)
        if self.draft and any(p.initials == self.draft for p in self.people):
            select.value = self.draft
        select.focus()

    def keep_draft(self) -> None:
        select = self.query_one("#assignee", Select)
        if not select.is_blank():
            self.japp.drafts[self.DRAFT] = str(select.value)

    def action_save(self) -> None:
        select = self.query_one("#assignee", Select)
        field = self.query_one("#f-assignee", FormField)
        if select.is_blank():
            field.set_error(_(self.MISSING))
            select.focus()
            return
        field.set_error(None)
        self.dismiss(str(select.value))


class ConsultantFilterForm(ReassignForm):
    """Pick the consultant whose follow-ups the list shows (one who is away, say)."""

    TITLE = N_("One consultant's follow-ups")
    LABEL = N_("Consultant")
    MISSING = N_("Choose the consultant whose follow-ups to show.")
    DRAFT = "followups-of"


# -- the list -------------------------------------------------------------------------------------


class FollowUpsLoaded(Message):
    def __init__(self, rows: list[FollowUpRow], *, more: bool) -> None:
        super().__init__()
        self.rows = rows
        self.more = more  # more are due than the list shows


class AssigneesLoaded(Message):
    def __init__(self, people: list[Assignee], ids: list[int]) -> None:
        super().__init__()
        self.people = people
        self.ids = ids


class Reassigned(Message):
    def __init__(self, count: int, to: str) -> None:
        super().__init__()
        self.count = count
        self.to = to


class FollowUpsScreen(BaseScreen):
    """Due and overdue follow-ups, overdue first. Consultants see their own; a supervisor may
    see everyone's (M) or one consultant's (C), and everything still open, also later (L)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
        Binding("enter", "record", "Record outcome", priority=False),
        Binding("space", "toggle_select", "Select"),
        Binding("f7", "reassign", "Reassign"),
        Binding("f8", "citizen", "Citizen"),
        Binding("f9", "book_start", "Book new start"),
        Binding("m", "toggle_everyone", "Mine/everyone"),
        Binding("c", "one_consultant", "One consultant"),
        Binding("l", "toggle_later", "Also later"),
    ]

    DEFAULT_CSS = """
    FollowUpsScreen #followups-status { height: auto; padding: 0 1; color: $text-muted; }
    FollowUpsScreen #followups { height: 1fr; }
    FollowUpsScreen #last-result { height: auto; padding: 0 1; background: $boost; }
    FollowUpsScreen #last-result.-sanction { border-left: thick $warning; }
    """

    def __init__(self) -> None:
        super().__init__(id="followups")
        self.rows: list[FollowUpRow] = []
        self.selected_ids: set[int] = set()
        self.everyone = False
        self.consultant: str | None = None  # a supervisor looking at one consultant's list
        self.later = False
        self.last_result = ""
        # The citizen whose activation just ended (no-show, ended early): F9 books a new start.
        self.rebook: tuple[int, str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading follow-ups…"), id="followups-status")
        yield DataTable(id="followups", cursor_type="row", zebra_stripes=True)
        yield Static("", id="last-result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Follow-ups"))
        table = self.query_one("#followups", DataTable)
        table.add_column("", key="mark", width=1)
        table.add_column(_("Due"), key="due", width=10)
        table.add_column(_("Overdue"), key="overdue", width=8)
        table.add_column(_("Kind"), key="kind", width=19)
        table.add_column(_("CPR"), key="cpr", width=11)
        table.add_column(_("Name"), key="name", width=22)
        table.add_column(_("What"), key="detail", width=44)
        table.add_column(_("Who"), key="who", width=5)
        self.query_one("#last-result").display = False
        self.load()

    # -- data ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="followups")
    def load(self) -> None:
        from jobbutik.services import followups

        ctx = self.ctx
        assignee = self.consultant or (None if self.everyone else ctx.staff().initials)
        rows = followups.due_list(ctx, assignee=assignee, all_open=self.later, limit=SHOWN + 1)
        self.post_message(FollowUpsLoaded(rows[:SHOWN], more=len(rows) > SHOWN))

    def on_follow_ups_loaded(self, message: FollowUpsLoaded) -> None:
        table = self.query_one("#followups", DataTable)
        keep = self.current.id if self.current else None
        self.rows = message.rows
        present = {r.id for r in self.rows}
        self.selected_ids &= present
        table.clear()
        for row in self.rows:
            overdue = (
                Content.styled(_("{n} d").format(n=row.working_days_overdue), "bold red")
                if row.overdue
                else Content("")
            )
            table.add_row(
                "●" if row.id in self.selected_ids else "",
                format_date(row.due),
                overdue,
                kind_text(row.kind),
                row.cpr_masked,
                row.name,
                detail_text(row),
                row.assignee.upper(),
                key=str(row.id),
            )
        if keep is not None:
            for index, row in enumerate(self.rows):
                if row.id == keep:
                    table.move_cursor(row=index)
        overdue_count = sum(1 for r in self.rows if r.overdue)
        if self.consultant:
            whose = self.consultant.upper()
        else:
            whose = _("everyone's") if self.everyone else _("yours")
        if message.more:
            text = _(
                "The first {count} follow-ups ({whose}) are shown, overdue first; "
                "{overdue} of them overdue."
            ).format(count=len(self.rows), whose=whose, overdue=overdue_count)
        elif self.rows:
            text = _("{count} follow-ups ({whose}), {overdue} overdue.").format(
                count=len(self.rows), whose=whose, overdue=overdue_count
            )
            text += " " + _("Enter records the outcome.")
        else:
            text = _("Nothing due ({whose}).").format(whose=whose)
        if self.later:
            text += " " + _("Later ones are shown too.")
        self.query_one("#followups-status", Static).update(text)
        table.focus()
        self.refresh_bindings()

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
        if action in supervisor_only and "reassign" not in self.japp.permissions:
            return False
        if action == "book_start":
            row = self.current
            if "visit" not in self.japp.permissions:
                return False
            if self.rebook is None and (row is None or row.kind != "activation_start"):
                return None
        if action in {"record", "citizen", "toggle_select"} and self.current is None:
            return None
        if action == "reassign" and not (self.selected_ids or self.current):
            return None
        return True

    # -- commands ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def action_toggle_everyone(self) -> None:
        self.everyone = not self.everyone and self.consultant is None
        self.consultant = None
        self.load()

    def action_one_consultant(self) -> None:
        self.load_assignees([])

    def action_toggle_later(self) -> None:
        self.later = not self.later
        self.load()

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
        if row is None:
            return
        draft = self.japp.drafts.get(("outcome", row.id))
        self.app.push_screen(OutcomeForm(row, draft), self._recorded)

    def _recorded(self, saved: OutcomeSaved | None) -> None:
        if saved is None:
            return
        result, row = saved.result, saved.row
        lines = [
            _("{name}: {outcome} recorded.").format(
                name=row.name, outcome=outcome_text(saved.draft.outcome)
            )
        ]
        if result.next_due is not None:
            lines.append(_("Next follow-up: {day}.").format(day=format_date(result.next_due)))
        if result.sanction_flag:
            lines.append("⚠ " + sanction_text())
        if saved.draft.outcome in ("did_not_show", "ended_early"):
            self.rebook = (row.citizen_id, row.name)
            lines.append(_("F9 books a new start."))
        else:
            self.rebook = None
        self.last_result = "  ".join(lines)
        last = self.query_one("#last-result", Static)
        last.update(self.last_result)
        last.set_class(result.sanction_flag, "-sanction")
        last.display = True
        self.notify(self.last_result, title=_("Saved"))
        self.load()

    def action_reassign(self) -> None:
        ids = sorted(self.selected_ids) or ([self.current.id] if self.current else [])
        if ids:
            self.load_assignees(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="assignees")
    def load_assignees(self, ids: list[int]) -> None:
        from jobbutik.services import followups

        self.post_message(AssigneesLoaded(followups.assignees(self.ctx), ids))

    def on_assignees_loaded(self, message: AssigneesLoaded) -> None:
        ids = message.ids
        if not ids:  # asked for by C: whose list to show

            def show(initials: str | None) -> None:
                if initials is not None:
                    self.consultant = initials
                    self.load()

            drafts = self.japp.drafts
            form = ConsultantFilterForm(0, message.people, drafts.get(ConsultantFilterForm.DRAFT))
            self.app.push_screen(form, show)
            return

        def chosen(initials: str | None) -> None:
            if initials is not None:
                self.japp.drafts["reassign"] = initials
                self.reassign(ids, initials)

        self.app.push_screen(
            ReassignForm(len(ids), message.people, self.japp.drafts.get("reassign")), chosen
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="reassign")
    def reassign(self, ids: list[int], initials: str) -> None:
        from jobbutik.services import followups

        count = followups.reassign(self.ctx, ids, initials)
        self.post_message(Reassigned(count, initials))

    def on_reassigned(self, message: Reassigned) -> None:
        self.selected_ids.clear()
        self.notify(
            _("{n} follow-up(s) moved to {initials}.").format(
                n=message.count, initials=message.to.upper()
            ),
            title=_("Saved"),
        )
        self.load()

    def action_book_start(self) -> None:
        from jobbutik.tui.screens.sites import SitesScreen

        row = self.current
        if self.rebook is not None:
            who = self.rebook
        elif row is not None and row.kind == "activation_start":
            who = (row.citizen_id, row.name)
        else:
            return
        self.app.push_screen(SitesScreen(book_for=who), self._booked)

    def _booked(self, _result: object = None) -> None:
        self.rebook = None
        self.load()

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        if worker.group == "followups" and not self.rows:
            self.query_one("#followups-status", Static).update(str(error))
            return True
        return False


def open_follow_ups(app: JobbutikApp) -> None:
    """Show the Follow-ups screen (from a key or the palette)."""
    from textual.screen import ModalScreen

    if app.context is None or isinstance(app.screen, ModalScreen | FollowUpsScreen):
        return
    app.push_screen(FollowUpsScreen())

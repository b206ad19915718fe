"""The Follow-ups screen's forms: recording an outcome (a digit picks it, Ctrl+S saves) and
picking a consultant (to reassign follow-ups to, or to show the list of).

Each saves through its service in its own worker (the FormModal contract): a refusal lands at its
field and the form stays open with what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Select, Static

from jobbutik.domain.dates import format_day, parse_day
from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import N_, _, ngettext
from jobbutik.domain.text import visible
from jobbutik.domain.vocabulary import (
    ActivationOutcome,
    FollowUpKind,
    FollowUpOutcome,
    ReferralOutcome,
    follow_up_outcome_label,
)
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField, PlainText
from jobbutik.tui.widgets.inputs import DateInput
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.followups import Assignee, FollowUpRow, OutcomeResult


def _rules() -> Any:
    """The follow-up rules (which outcomes a kind offers, which flag a sanction) live with the
    service; imported when a form opens, not when the app starts."""
    from jobbutik.services import followups

    return followups


def flag_text(saved: OutcomeSaved) -> str:
    """What the outcome did about a possible sanction: the flag raised and the day it must be
    decided by, or why none was raised ("" when the outcome is not one that may raise one)."""
    if saved.result.hearing_due is not None:
        return "⚠ " + _(
            "Possible-sanction flag raised: a partshøring is to be held; decide by {day}."
        ).format(day=format_day(saved.result.hearing_due))
    return saved.result.no_flag_reason or ""


def detail_text(row: FollowUpRow) -> str:
    """What to check, in a few words: the job and its dates, or the site and the start."""
    parts = [row.subject] if row.subject else []
    if row.kind == FollowUpKind.REFERRAL:
        if row.interview_on:
            parts.append(_("interview {day}").format(day=format_day(row.interview_on)))
        elif row.apply_by:
            parts.append(_("apply by {day}").format(day=format_day(row.apply_by)))
        if row.last_outcome:
            outcome = follow_up_outcome_label(row.last_outcome)
            parts.append(_("last: {outcome}").format(outcome=outcome))
    elif row.start_date and row.kind == FollowUpKind.ACTIVATION_START:
        parts.append(_("start {day}").format(day=format_day(row.start_date)))
    return " · ".join(parts)


# -- the outcome form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeChoice:
    """What the outcome form saves (read on the UI thread)."""

    follow_up_id: int
    outcome: str
    interview_on: date | None
    result: str  # what an ending activation ended in; "" when not asked
    note: str


@dataclass(frozen=True)
class OutcomeSaved:
    outcome: str
    result: OutcomeResult


class OutcomeForm(FormModal[OutcomeChoice, OutcomeSaved]):
    """Record one follow-up's outcome: a digit picks it, Ctrl+S saves."""

    CSS_PATH = "followup_forms.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)
    ]

    def __init__(self, row: FollowUpRow) -> None:
        super().__init__(id="outcome-form")
        self.row = row
        self.draft_key = DraftKey("outcome", row.id)
        self.outcomes: tuple[str, ...] = tuple(_rules().OUTCOMES.get(row.kind, ()))
        self.results = ActivationOutcome.values()

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="dialog", classes="dialog"):
            yield Static(
                _("Record outcome: {kind}").format(kind=FollowUpKind.label_of(row.kind)),
                classes="dialog-title",
            )
            about = Content.assemble((visible(row.name), "bold"), f"  {row.cpr_masked}")
            detail = detail_text(row)
            if detail:
                about += "\n" + visible(detail)
            about += "\n" + _("Due {day}").format(day=format_day(row.due))
            yield Static(about, id="outcome-about")
            buttons = [
                RadioButton(f"{n}  {follow_up_outcome_label(o)}")
                for n, o in enumerate(self.outcomes, 1)
            ]
            yield FormField(_("Outcome"), RadioSet(*buttons, id="outcome"), id="f-outcome")
            yield Static("", id="outcome-sanction")
            yield FormField(_("Interview date"), DateInput(id="interview_on"), id="f-interview_on")
            ends = RadioSet(
                *(RadioButton(ActivationOutcome.label_of(r)) for r in self.results), id="result"
            )
            yield FormField(_("Ended in"), ends, id="f-result")
            yield FormField(
                _("Note"), Input(id="note", max_length=500, validators=[PlainText()]), id="f-note"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
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

    def asks_result(self, outcome: str) -> bool:
        return bool(_rules().asks_result(self.row.kind, outcome))

    def action_pick(self, number: int) -> None:
        if not 1 <= number <= len(self.outcomes):
            return
        list(self.query_one("#outcome").query(RadioButton))[number - 1].value = True
        picked = self.outcomes[number - 1]
        self.show_fields_for(picked)
        if picked == ReferralOutcome.INTERVIEW:
            self.query_one("#interview_on", DateInput).focus()
        elif self.asks_result(picked):
            self.query_one("#result", RadioSet).focus()

    def show_fields_for(self, outcome: str) -> None:
        """Show the fields the outcome asks for (followup_forms.tcss): a date, an ending."""
        self.set_class(outcome == ReferralOutcome.INTERVIEW, "-interview")
        self.set_class(self.asks_result(outcome), "-ending")

    @on(RadioSet.Changed, "#outcome")
    def outcome_changed(self) -> None:
        chosen = self.chosen
        self.show_fields_for(chosen)
        self.query_one("#f-outcome", FormField).set_error(None)
        flagged = chosen in _rules().SANCTION_OUTCOMES
        # Whether it does depends on the category at the time and the guidance given: the
        # service says so once it is saved.
        self.query_one("#outcome-sanction", Static).update(
            "⚠ " + _("May raise a possible-sanction flag for a partshøring.") if flagged else ""
        )

    @on(RadioSet.Changed, "#result")
    def result_changed(self) -> None:
        self.query_one("#f-result", FormField).set_error(None)

    def _interview_day(self) -> date:
        typed = self.query_one("#interview_on", DateInput).value
        if not typed.strip():
            raise ValidationError(_("Give the interview date (today or later)."))
        return parse_day(typed, today=self.ctx.clock.today())

    def check(self) -> bool:
        outcome = self.chosen
        if not outcome:
            self._refuse_at("f-outcome", _("Choose the outcome (press its number)."))
            return False
        if self.asks_result(outcome) and not self.chosen_result:
            self._refuse_at(
                "f-result", _("Choose what the activation ended in: job, education or stopped.")
            )
            return False
        if outcome == ReferralOutcome.INTERVIEW:
            try:
                self._interview_day()
            except ValidationError as exc:
                self._refuse_at("f-interview_on", str(exc))
                return False
        return True

    def _refuse_at(self, field_id: str, message: str) -> None:
        field = self.query_one(f"#{field_id}", FormField)
        field.set_error(message)
        field.widget.focus()

    def payload(self) -> OutcomeChoice:
        outcome = self.chosen
        interview = self._interview_day() if outcome == ReferralOutcome.INTERVIEW else None
        return OutcomeChoice(
            self.row.id,
            outcome,
            interview,
            self.chosen_result if self.asks_result(outcome) else "",
            self.query_one("#note", Input).value,
        )

    def submit(self, ctx: ServiceContext, payload: OutcomeChoice) -> OutcomeSaved:
        result = _rules().record_outcome(
            ctx,
            payload.follow_up_id,
            payload.outcome,
            interview_on=payload.interview_on,
            result=payload.result or None,
            note=payload.note,
        )
        return OutcomeSaved(payload.outcome, result)


# Outcomes after which the citizen's activation has ended: F9 books a new start.
REBOOK_AFTER = frozenset({FollowUpOutcome.DID_NOT_SHOW, FollowUpOutcome.ENDED_EARLY})


# -- picking a consultant -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reassigned:
    count: int
    to: str


class ConsultantForm(FormModal[str, Any]):
    """Pick a consultant from the follow-up staff (the list shows how many each holds)."""

    TITLE = N_("One consultant's follow-ups")
    LABEL = N_("Consultant")
    MISSING = N_("Choose the consultant whose follow-ups to show.")
    DRAFT = "followups-of"

    def __init__(self, people: list[Assignee], suggested: str | None = None) -> None:
        super().__init__(id=f"{self.DRAFT}-form")
        self.people = people
        self.suggested = suggested
        self.draft_key = DraftKey(self.DRAFT)

    def intro(self) -> str:
        return ""

    def compose(self) -> ComposeResult:
        options = [
            (
                shown(  # names: data, not markup
                    _("{initials} – {name} ({n} open)").format(
                        initials=p.initials.upper(), name=p.name, n=p.open_follow_ups
                    )
                ),
                p.initials,
            )
            for p in self.people
        ]
        with Vertical(id="dialog", classes="dialog narrow"):
            yield Static(_(self.TITLE), classes="dialog-title")
            if self.intro():
                yield Static(self.intro())
            yield FormField(
                _(self.LABEL),
                Select(options, id="assignee", prompt=_("Choose a consultant")),
                id="f-assignee",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.restore({"assignee": self.suggested})
        self.query_one("#assignee", Select).focus()

    def restore(self, draft: Any) -> None:
        # Only someone still on the list: a draft may name a consultant since deactivated.
        initials = draft.get("assignee") if isinstance(draft, dict) else None
        if any(p.initials == initials for p in self.people):
            self.query_one("#assignee", Select).value = initials

    def check(self) -> bool:
        select = self.query_one("#assignee", Select)
        field = self.query_one("#f-assignee", FormField)
        if select.is_blank():
            field.set_error(_(self.MISSING))
            select.focus()
            return False
        field.set_error(None)
        return True

    def payload(self) -> str:
        return str(self.query_one("#assignee", Select).value)

    def submit(self, ctx: ServiceContext, payload: str) -> Any:
        return payload  # only a choice: the screen shows that consultant's list


class ReassignForm(ConsultantForm):
    """Pick the consultant who takes over the selected follow-ups, and move them."""

    TITLE = N_("Reassign follow-ups")
    LABEL = N_("To consultant")
    MISSING = N_("Choose the consultant to take them over.")
    DRAFT = "reassign"

    def __init__(
        self, ids: list[int], people: list[Assignee], suggested: str | None = None
    ) -> None:
        super().__init__(people, suggested)
        self.ids = ids

    def intro(self) -> str:
        return ngettext(
            "{n} follow-up selected.", "{n} follow-ups selected.", len(self.ids)
        ).format(n=len(self.ids))

    def submit(self, ctx: ServiceContext, payload: str) -> Reassigned:
        return Reassigned(_rules().reassign(ctx, self.ids, payload), payload)

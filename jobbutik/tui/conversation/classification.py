"""Step 2: the category the rules propose, the one chosen (only among the categories of the
citizen's target group), and the youth group's guidance and uddannelsespålæg."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Input, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import _
from jobbutik.domain.rules import category_needs_reason, propose_category
from jobbutik.domain.vocabulary import Category
from jobbutik.tui.conversation.parts import Classification
from jobbutik.tui.widgets.fields import FormField, PlainText, restore_values, snapshot_values
from jobbutik.tui.widgets.inputs import DateInput
from jobbutik.tui.widgets.toggles import RadioButton, RadioSet, YesNo

if TYPE_CHECKING:
    from jobbutik.domain.rules import Proposal, RuleSet
    from jobbutik.services.visitation import Facts


@dataclass
class ClassificationDraft:
    values: dict[str, object]  # the fields by widget id
    category: str | None
    touched: bool


def button_order(ruleset: RuleSet) -> tuple[str, ...]:
    """The categories as the radio buttons list them: the youth group's own first, then the
    others' in the set's order, so that each group sees its proposal's order (a youth group
    åbenlyst uddannelsesparat, uddannelsesparat, aktivitetsparat; the others jobparat first)."""
    others = ruleset.other_categories
    youth = ruleset.youth_categories if ruleset.youth_track else ()
    return (*(c for c in youth if c not in others), *others)


class ClassificationStep(VerticalScroll):
    """The rules' proposal (no database: computed here, on the UI thread) and the choice.

    Only the categories of the citizen's target group are offered (the others' buttons are
    hidden and cannot be reached); the proposal is chosen for the consultant until they choose
    a category themselves, and again when the facts move the citizen out of the chosen one's
    group."""

    def __init__(
        self, ruleset: RuleSet, age: int, final_visitation: date, *, id: str, classes: str
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ruleset = ruleset
        self.age = age
        self.final_visitation = final_visitation
        self.order = button_order(ruleset)
        self.proposal: Proposal | None = None
        # Kept here: the radio set knows its pressed button only once it has handled the press.
        self.category: str | None = None
        self.touched = False  # the consultant chose a category
        self.set_by_rules: str | None = None  # the category just chosen for the consultant

    def compose(self) -> ComposeResult:
        yield Static("", id="proposal", classes="reasons")
        yield FormField(
            _("Category"),
            RadioSet(*(RadioButton(Category.label_of(c)) for c in self.order), id="category"),
            id="f-category",
        )
        yield Static("", id="provisional", classes="hint -hidden")
        yield FormField(
            _("Written reason"),
            Input(id="override_reason", validators=[PlainText()]),
            id="f-override_reason",
        )
        yield Static("", id="reason-hint", classes="hint")
        with Vertical(id="youth", classes="guidance -hidden"):
            if self.ruleset.injunction:
                text = _(
                    "Young people under {limit} without an erhvervskompetencegivende uddannelse: "
                    "refer to education guidance (uddannelsesvejledning); an education "
                    "injunction (uddannelsespålæg) names a concrete education goal and a "
                    "deadline. This holds for aktivitetsparat young people too."
                )
            else:
                text = _(
                    "Young people under {limit} without an erhvervskompetencegivende uddannelse: "
                    "refer to education guidance (uddannelsesvejledning)."
                )
            yield Static(Content(text.format(limit=self.ruleset.youth_age_limit)))
            # Asked, never ticked in advance: each must be answered to save for the youth group.
            yield FormField(
                _("Referred to guidance"), YesNo(id="guidance", not_asked=False), id="f-guidance"
            )
            if self.ruleset.injunction:  # the uddannelsespålæg exists under the rules in force
                yield FormField(
                    _("Uddannelsespålæg given"),
                    YesNo(id="injunction", not_asked=False),
                    id="f-injunction",
                )
                with Vertical(id="injunction-details", classes="-hidden"):
                    yield FormField(
                        _("Education goal"),
                        Input(id="injunction_goal", validators=[PlainText()]),
                        id="f-injunction_goal",
                    )
                    yield FormField(
                        _("Deadline"),
                        DateInput(id="injunction_deadline"),
                        id="f-injunction_deadline",
                    )

    def propose(self, facts: Facts) -> None:
        """Ask the rules again (the facts changed), offer the group's categories and say why."""
        self.proposal = proposal = propose_category(
            self.ruleset, self.age, facts.has_qualifying_education, facts.integration_programme
        )
        label = escape(Category.label_of(proposal.category))
        if proposal.group.known:
            title = _("Proposal from the rules: [b]{category}[/b]").format(category=label)
        else:
            title = _(
                "Provisional proposal from the rules: [b]{category}[/b] — answer the questions "
                "in step 1"
            ).format(category=label)
        lines = [Content.from_markup(title)]
        lines += [Content(f"• {reason}") for reason in proposal.reasons]
        self.query_one("#proposal", Static).update(Content("\n").join(lines))
        offered = proposal.group.categories
        if not self.touched or self.category not in offered:
            self.touched = False  # the proposal again: the chosen category left the group
            self.set_category(proposal.category)
        buttons = list(self.query_one("#category", RadioSet).query(RadioButton))
        for category, button in zip(self.order, buttons, strict=True):
            # Hidden and disabled: the arrow keys pass over a category the group cannot have.
            button.disabled = category not in offered
            button.set_class(button.disabled, "-hidden")
        self.show_choice()

    def set_category(self, category: str) -> None:
        """Choose `category` for the consultant (the proposal, or a draft's choice)."""
        if category not in self.order:
            return
        self.category = category
        button = list(self.query_one("#category", RadioSet).query(RadioButton))[
            self.order.index(category)
        ]
        if not button.value:
            # Not prevented: the set's own answer to it moves its cursor there (the arrow keys
            # would otherwise start from a hidden button); `category_changed` knows it by this.
            self.set_by_rules = category
            button.value = True

    def chosen_category(self) -> str | None:
        return self.category

    @on(RadioSet.Changed, "#category")
    def category_changed(self, event: RadioSet.Changed) -> None:
        category = self.order[event.index]
        by_rules, self.set_by_rules = self.set_by_rules, None
        if category == by_rules:  # chosen for the consultant, not by them
            return
        self.category = category
        self.touched = True
        self.query_one("#f-category", FormField).set_error(None)
        self.show_choice()

    @on(RadioSet.Changed, "#injunction")
    def injunction_changed(self) -> None:
        self.show_choice()

    def youth(self) -> bool:
        """The citizen is in the youth target group (whatever its category)."""
        return bool(self.proposal and self.proposal.group.youth)

    def reason_needed(self) -> bool:
        category = self.chosen_category()
        if category is None or self.proposal is None:
            return False
        return category != self.proposal.category or category_needs_reason(
            self.ruleset, self.proposal.group, category
        )

    def _answer(self, question: str) -> bool | None:
        found = self.query(f"#{question}").results(YesNo)
        return next((q.answer for q in found), None)

    def show_choice(self) -> None:
        youth = self.youth()
        self.query_one("#youth").set_class(not youth, "-hidden")
        details = self.query("#injunction-details")
        if details:
            details.first().set_class(self._answer("injunction") is not True, "-hidden")
        provisional = self.query_one("#provisional", Static)
        provisional.set_class(not self.classification().provisional, "-hidden")
        provisional.update(
            Content(
                _("Provisional uddannelsesparat: final visitation by {day}").format(
                    day=format_day(self.final_visitation)
                )
            )
        )
        if self.reason_needed():
            hint = _("A written reason is required for this category.")
        else:
            hint = _("A reason is only needed when you choose another category.")
        self.query_one("#reason-hint", Static).update(Content(hint))

    def classification(self) -> Classification:
        goal = self.query("#injunction_goal").results(Input)
        deadline = self.query("#injunction_deadline").results(DateInput)
        return Classification(
            category=self.chosen_category(),
            proposal=self.proposal,
            override_reason=self.query_one("#override_reason", Input).value,
            youth=self.youth(),
            guidance=self._answer("guidance"),
            injunction=self._answer("injunction"),
            injunction_goal=next((g.value for g in goal), ""),
            injunction_deadline=next((d.day for d in deadline), None),
        )

    def snapshot(self) -> ClassificationDraft:
        return ClassificationDraft(snapshot_values(self), self.category, self.touched)

    def restore(self, draft: ClassificationDraft) -> None:
        # Putting the category back is not the consultant choosing it again.
        values = {k: v for k, v in draft.values.items() if k != "category"}
        with self.prevent(RadioSet.Changed):
            restore_values(self, values)
        if draft.category is not None:
            self.set_category(draft.category)
        self.touched = draft.touched
        self.show_choice()

    def errors(self) -> dict[str, str]:
        """The questions the save needs answered (as the service checks them), the category and
        a pålæg deadline that is not a date."""
        from jobbutik.services.visitation import unanswered

        c = self.classification()
        errors = (
            {}
            if c.proposal is None
            else unanswered(self.ruleset, c.proposal, c.guidance, c.injunction)
        )
        if c.category is None:
            errors["category"] = _("Choose a category.")
        if c.youth and c.injunction:
            deadline = self.query_one("#f-injunction_deadline", FormField)
            if deadline.query_one(DateInput).value.strip() and not deadline.check():
                errors["injunction_deadline"] = deadline.error
        return errors

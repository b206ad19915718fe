"""Step 2: the category the rules propose, the one chosen, and the youth track."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Input, Static

from jobbutik.domain.i18n import _
from jobbutik.domain.rules import propose_category
from jobbutik.domain.vocabulary import Category
from jobbutik.tui.conversation.parts import Classification
from jobbutik.tui.widgets.fields import FormField, PlainText, restore_values, snapshot_values
from jobbutik.tui.widgets.toggles import Checkbox, RadioButton, RadioSet, YesNo

if TYPE_CHECKING:
    from jobbutik.domain.rules import Proposal, RuleSet
    from jobbutik.services.visitation import Facts

EDUCATION_CATEGORIES = (Category.UDDANNELSESPARAT, Category.AABENLYST_UDDANNELSESPARAT)


@dataclass
class ClassificationDraft:
    values: dict[str, object]  # the fields by widget id
    category: str | None
    touched: bool


class ClassificationStep(VerticalScroll):
    """The rules' proposal (no database: computed here, on the UI thread) and the choice.

    The proposal is chosen for the consultant until they choose a category themselves."""

    def __init__(self, ruleset: RuleSet, age: int, *, id: str, classes: str) -> None:
        super().__init__(id=id, classes=classes)
        self.ruleset = ruleset
        self.age = age
        self.proposal: Proposal | None = None
        # Kept here: the radio set knows its pressed button only once it has handled the press.
        self.category: str | None = None
        self.touched = False  # the consultant chose a category

    def compose(self) -> ComposeResult:
        yield Static("", id="proposal", classes="reasons")
        yield FormField(
            _("Category"),
            RadioSet(
                *(RadioButton(Category.label_of(c)) for c in self.ruleset.categories),
                id="category",
            ),
            id="f-category",
        )
        yield FormField(
            _("Written reason"),
            Input(id="override_reason", validators=[PlainText()]),
            id="f-override_reason",
        )
        yield Static("", id="reason-hint", classes="hint")
        yield Checkbox(
            _("Provisional: review the category after {months} months").format(
                months=self.ruleset.provisional_review_months
            ),
            id="provisional",
            compact=True,
        )
        with Vertical(id="youth", classes="guidance"):
            yield Static(
                _(
                    "Youth track (under 30 without a vocational education): refer to "
                    "education guidance (uddannelsesvejledning) and give an education "
                    "injunction (uddannelsespålæg) with a concrete education goal."
                )
            )
            # Asked, never ticked in advance: each must be answered to save on this track.
            yield FormField(
                _("Referred to guidance"), YesNo(id="guidance", not_asked=False), id="f-guidance"
            )
            yield FormField(
                _("Injunction given"),
                YesNo(id="injunction", not_asked=False),
                id="f-injunction",
            )

    def propose(self, facts: Facts) -> None:
        """Ask the rules again (the facts changed) and show why."""
        self.proposal = proposal = propose_category(
            self.ruleset, self.age, facts.has_vocational_education
        )
        label = escape(Category.label_of(proposal.category))
        if proposal.asks_education:
            title = _(
                "Provisional proposal from the rules: [b]{category}[/b] — ask about education"
            ).format(category=label)
        else:
            title = _("Proposal from the rules: [b]{category}[/b]").format(category=label)
        lines = [Content.from_markup(title)]
        lines += [Content(f"• {reason}") for reason in proposal.reasons]
        self.query_one("#proposal", Static).update(Content("\n").join(lines))
        if not self.touched or self.chosen_category() is None:
            self.set_category(proposal.category)
        self.show_choice()

    def set_category(self, category: str) -> None:
        if category in self.ruleset.categories:
            self.category = category
            buttons = list(self.query_one("#category", RadioSet).query(RadioButton))
            with self.prevent(RadioSet.Changed):
                buttons[self.ruleset.categories.index(category)].value = True

    def chosen_category(self) -> str | None:
        return self.category

    @on(RadioSet.Changed, "#category")
    def category_changed(self, event: RadioSet.Changed) -> None:
        self.category = self.ruleset.categories[event.index]
        self.touched = True
        self.show_choice()

    def youth_track(self) -> bool:
        return bool(
            self.proposal
            and self.proposal.youth_track
            and self.chosen_category() in EDUCATION_CATEGORIES
        )

    def reason_needed(self) -> bool:
        category = self.chosen_category()
        if category is None or self.proposal is None:
            return False
        return category != self.proposal.category or category == Category.AKTIVITETSPARAT

    def show_choice(self) -> None:
        self.query_one("#youth").set_class(not self.youth_track(), "-hidden")
        self.query_one("#provisional").set_class(
            self.chosen_category() != Category.UDDANNELSESPARAT, "-hidden"
        )
        if self.reason_needed():
            hint = _("A written reason is required for this category.")
        else:
            hint = _("A reason is only needed when you choose another category.")
        self.query_one("#reason-hint", Static).update(Content(hint))

    def classification(self) -> Classification:
        category = self.chosen_category()
        return Classification(
            category=category,
            proposal=self.proposal,
            override_reason=self.query_one("#override_reason", Input).value,
            provisional=self.query_one("#provisional", Checkbox).value
            and category == Category.UDDANNELSESPARAT,
            youth_track=self.youth_track(),
            guidance=self.query_one("#guidance", YesNo).answer,
            injunction=self.query_one("#injunction", YesNo).answer,
        )

    def snapshot(self) -> ClassificationDraft:
        return ClassificationDraft(snapshot_values(self), self.category, self.touched)

    def restore(self, draft: ClassificationDraft) -> None:
        # Putting the category back is not the consultant choosing it again.
        with self.prevent(RadioSet.Changed):
            restore_values(self, draft.values)
        if draft.category is not None:
            self.set_category(draft.category)
        self.touched = draft.touched

    def errors(self) -> dict[str, str]:
        """The questions the save needs answered (as the service checks them) and the category."""
        from jobbutik.services.visitation import unanswered

        c = self.classification()
        errors = (
            {}
            if c.proposal is None
            else unanswered(c.proposal, c.youth_track, c.guidance, c.injunction)
        )
        if c.category is None:
            errors["category"] = _("Choose a category.")
        return errors

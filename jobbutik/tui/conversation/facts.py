"""Step 1: what the citizen tells about themselves."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Select, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import DigitalSkills
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    PlainText,
    check_hours,
    parse_hours,
    restore_values,
    snapshot_values,
)
from jobbutik.tui.widgets.inputs import IndustrySuggester
from jobbutik.tui.widgets.toggles import YesNo

if TYPE_CHECKING:
    from jobbutik.services.visitation import Facts, PreviousFacts


# The yes/no questions: each Ja / Nej / Ikke spurgt, "not asked" until the consultant answers.
QUESTIONS = ("has_qualifying_education", "driving_licence", "integration_programme")


def _question(label: str, question: str) -> FormField:
    return FormField(label, YesNo(id=question), id=f"f-{question}")


class FactsStep(VerticalScroll):
    """The facts; `facts()` reads them (on the UI thread). A returning citizen's are filled in
    from the last visitation (`prefill`), marked with its day, and stay editable."""

    def __init__(self, first_contact_on: date, *, id: str, classes: str) -> None:
        super().__init__(id=id, classes=classes)
        self.first_contact_on = first_contact_on

    def compose(self) -> ComposeResult:
        # Read-only: the deadlines (the final visitation among them) count from this day.
        yield Static(
            Content(_("First henvendelse: {day}").format(day=format_day(self.first_contact_on))),
            id="first-contact",
            classes="reasons",
        )
        yield Static("", id="previous-visit", classes="reasons -hidden")
        yield _question(
            _("Erhvervskompetencegivende uddannelse (vocational or higher)"),
            "has_qualifying_education",
        )
        yield Static(
            Content(
                _("Vocational or higher education counts; upper secondary school alone does not.")
            ),
            id="education-hint",
            classes="hint",
        )
        yield FormField(
            _("Job wishes"), Input(id="job_wishes", validators=[PlainText()]), id="f-job_wishes"
        )
        yield FormField(
            _("Industries"),
            Input(
                id="industries",
                validators=[PlainText()],
                suggester=IndustrySuggester(self.app),
                placeholder=_("comma-separated, e.g. Detail, Lager"),
            ),
            id="f-industries",
        )
        yield FormField(
            _("Hours a week wanted"),
            Input(id="hours_wanted", validators=[Check(check_hours)], max_length=2),
            id="f-hours_wanted",
        )
        yield FormField(
            _("Skånehensyn"),
            Input(id="restrictions", validators=[PlainText()]),
            id="f-restrictions",
        )
        yield FormField(
            _("Digital skills"),
            Select(
                [(skills.label, skills.value) for skills in DigitalSkills],
                prompt=_("Choose"),
                id="digital_skills",
            ),
            id="f-digital_skills",
        )
        yield _question(_("Driving licence"), "driving_licence")
        yield _question(_("Integration programme"), "integration_programme")

    def facts(self) -> Facts:
        """What is typed; hours that are not a number count as not given (`errors` says why)."""
        from jobbutik.services.visitation import Facts

        try:
            hours = parse_hours(self.query_one("#hours_wanted", Input).value)
        except ValueError:
            hours = None
        skills = self.query_one("#digital_skills", Select)
        industries = self.query_one("#industries", Input).value.split(",")
        return Facts(
            has_qualifying_education=self._answer("has_qualifying_education"),
            job_wishes=self.query_one("#job_wishes", Input).value.strip(),
            industries=tuple(i.strip() for i in industries if i.strip()),
            hours_wanted=hours,
            restrictions=self.query_one("#restrictions", Input).value.strip(),
            driving_licence=self._answer("driving_licence"),
            digital_skills="" if skills.is_blank() else str(skills.value),
            integration_programme=self._answer("integration_programme"),
        )

    def _answer(self, question: str) -> bool | None:
        return self.query_one(f"#{question}", YesNo).answer

    def prefill(self, previous: PreviousFacts) -> None:
        """The facts told at the last visitation, marked with its day."""
        facts = previous.facts
        for question in QUESTIONS:
            self.query_one(f"#{question}", YesNo).answer = getattr(facts, question)
        for name, value in (
            ("job_wishes", facts.job_wishes),
            ("industries", ", ".join(facts.industries)),
            ("hours_wanted", "" if facts.hours_wanted is None else str(facts.hours_wanted)),
            ("restrictions", facts.restrictions),
        ):
            self.query_one(f"#{name}", Input).value = value
        skills = self.query_one("#digital_skills", Select)
        if facts.digital_skills in {s.value for s in DigitalSkills}:
            skills.value = facts.digital_skills
        note = self.query_one("#previous-visit", Static)
        note.update(
            Content(
                _("From the visit {day}: change what is no longer so.").format(
                    day=format_day(previous.held_on)
                )
            )
        )
        note.remove_class("-hidden")

    def snapshot(self) -> dict[str, object]:
        return snapshot_values(self)

    def restore(self, values: dict[str, object]) -> None:
        restore_values(self, values)

    def errors(self) -> dict[str, str]:
        """Field → problem, checked as on save (and shown at the field)."""
        hours = self.query_one("#f-hours_wanted", FormField)
        return {} if hours.check() else {"hours_wanted": hours.error}

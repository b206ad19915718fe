"""Step 1: what the citizen tells about themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Select

from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import DigitalSkills
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    check_hours,
    parse_hours,
    restore_values,
    snapshot_values,
)

if TYPE_CHECKING:
    from jobbutik.services.visitation import Facts


class FactsStep(VerticalScroll):
    """The facts; `facts()` reads them (on the UI thread)."""

    def compose(self) -> ComposeResult:
        yield Checkbox(_("Has a vocational education"), id="has_vocational_education", compact=True)
        yield FormField(_("Job wishes"), Input(id="job_wishes"), id="f-job_wishes")
        yield FormField(
            _("Industries"),
            Input(id="industries", placeholder=_("comma-separated, e.g. Detail, Lager")),
            id="f-industries",
        )
        yield FormField(
            _("Hours a week wanted"),
            Input(id="hours_wanted", validators=[Check(check_hours)], max_length=2),
            id="f-hours_wanted",
        )
        yield FormField(_("Skånehensyn"), Input(id="restrictions"), id="f-restrictions")
        yield FormField(
            _("Digital skills"),
            Select(
                [(skills.label, skills.value) for skills in DigitalSkills],
                prompt=_("Choose"),
                id="digital_skills",
            ),
            id="f-digital_skills",
        )
        yield Checkbox(_("Driving licence"), id="driving_licence", compact=True)
        yield Checkbox(_("In the integration programme"), id="integration_programme", compact=True)

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
            has_vocational_education=self.query_one("#has_vocational_education", Checkbox).value,
            job_wishes=self.query_one("#job_wishes", Input).value.strip(),
            industries=tuple(i.strip() for i in industries if i.strip()),
            hours_wanted=hours,
            restrictions=self.query_one("#restrictions", Input).value.strip(),
            driving_licence=self.query_one("#driving_licence", Checkbox).value,
            digital_skills="" if skills.is_blank() else str(skills.value),
            integration_programme=self.query_one("#integration_programme", Checkbox).value,
        )

    def snapshot(self) -> dict[str, object]:
        return snapshot_values(self)

    def restore(self, values: dict[str, object]) -> None:
        restore_values(self, values)

    def errors(self) -> dict[str, str]:
        """Field → problem, checked as on save (and shown at the field)."""
        hours = self.query_one("#f-hours_wanted", FormField)
        return {} if hours.check() else {"hours_wanted": hours.error}

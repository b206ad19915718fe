"""Job opening entry: quick, from anywhere (Ctrl+O), when a company calls in.

The company is picked from the register (type to jump); a company not yet registered is created
on the spot with Ctrl+N without losing what was typed about the job.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Input, Select, Static

from jobbutik.domain.contact import check_postcode
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _
from jobbutik.domain.text import visible
from jobbutik.domain.vocabulary import DanishLevel, OpeningStatus
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.company_form import CompanyFormScreen, CompanySaved
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField, text_field
from jobbutik.tui.widgets.inputs import DateInput, IndustrySuggester
from jobbutik.tui.widgets.toggles import Checkbox, RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.companies import CompanyHit
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.openings import OpeningForm

DANISH_LEVELS = tuple(DanishLevel)
STATUSES = list(OpeningStatus)


def check_hours(value: str) -> str | None:
    v = value.strip()
    if not v:
        return _("Give the hours per week.")
    if not (v.isascii() and v.isdigit()) or not 1 <= int(v) <= 60:
        return _("Hours per week must be between 1 and 60.")
    return None


def check_title(value: str) -> str | None:
    return None if value.strip() else _("The job title is required.")


@dataclass(frozen=True)
class OpeningSaved:
    opening_id: int
    title: str
    company_id: int


class OpeningFormScreen(FormModal["OpeningForm", OpeningSaved]):
    """New or edited job opening. Saves in a worker; an error lands at its field."""

    CSS_PATH = "openings.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_company", "New company", priority=True),
    ]

    def __init__(
        self,
        *,
        company_id: int | None = None,
        opening_id: int | None = None,
        form: OpeningForm | None = None,
    ) -> None:
        super().__init__(id="opening-form")
        self.set_class(opening_id is None, "-new")
        self.company_id = company_id
        self.opening_id = opening_id
        self.form = form
        self.draft_key = DraftKey[dict[str, object]]("opening", (opening_id, company_id))
        self.companies: list[CompanyHit] = []
        # A draft's company is chosen once the company list has arrived (see `load_companies`).
        self._draft_company: object = None

    def compose(self) -> ComposeResult:
        title = _("New job opening") if self.opening_id is None else _("Edit job opening")
        with Vertical(id="dialog", classes="dialog"), VerticalScroll():
            yield Static(title, classes="dialog-title")
            yield FormField(
                _("Company"),
                Select[int]([], id="company", prompt=_("Choose the company (Ctrl+N: new)")),
                id="f-company",
            )
            yield text_field(_("Job title"), "title", 200, check_title)
            yield text_field(_("Industry"), "industry", 100)
            yield text_field(_("Hours per week"), "hours", 2, check_hours)
            yield text_field(_("Postcode"), "postcode", 4, check_postcode)
            yield FormField(_("Apply by"), DateInput(id="apply_by"), id="f-apply_by")
            yield text_field(_("Requirements"), "requirements", 500)
            yield Checkbox(_("Driving licence required"), id="licence", compact=True)
            yield Static(
                _("Driving licence required (from the requirements)"),
                id="licence-note",
                markup=False,
            )
            yield FormField(
                _("Danish needed"),
                RadioSet(*(RadioButton(level.label) for level in DANISH_LEVELS), id="danish_level"),
                id="f-danish_level",
            )
            yield Checkbox(_("Skånehensyn possible"), id="skaanehensyn", compact=True)
            yield FormField(
                _("Status"),
                RadioSet(*(RadioButton(status.label) for status in STATUSES), id="status"),
                id="f-status",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#industry", Input).suggester = IndustrySuggester(self.app)
        form = self.form
        if form is not None:
            for key, value in (
                ("title", form.title),
                ("industry", form.industry),
                ("hours", str(form.hours_per_week or "")),
                ("postcode", form.postcode),
                ("requirements", form.requirements),
            ):
                self.query_one(f"#{key}", Input).value = value
            self.query_one("#apply_by", DateInput).set_date(form.apply_by)
            self.query_one("#licence", Checkbox).value = form.driving_licence_required
            self.query_one("#skaanehensyn", Checkbox).value = form.skaanehensyn_possible
            self._press("#danish_level", DANISH_LEVELS.index(form.danish_level))
            self._press("#status", STATUSES.index(OpeningStatus(form.status)))
        else:
            self._press("#danish_level", 0)
            self._press("#status", 0)
        self.load_companies(self.company_id)
        if self.company_id is not None:
            self.query_one("#title", Input).focus()
        else:
            self.query_one("#company", Select).focus()

    @on(Input.Changed, "#requirements")
    @on(Checkbox.Changed, "#licence")
    def show_licence_note(self) -> None:
        """Requirements that ask for a driving licence make the opening require one on save
        (as a CSV import does); the note says so while the box is not ticked."""
        from jobbutik.domain.words import mentions_driving_licence

        mentioned = mentions_driving_licence(self.query_one("#requirements", Input).value)
        ticked = self.query_one("#licence", Checkbox).value
        self.query_one("#licence-note", Static).display = mentioned and not ticked

    def restore(self, draft: dict[str, object]) -> None:
        self._draft_company = draft.get("company")
        super().restore({k: v for k, v in draft.items() if k != "company"})

    def _press(self, selector: str, index: int) -> None:
        buttons = list(self.query_one(selector).query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True

    @work(exclusive=True, group="companies")
    async def load_companies(self, keep: int | None) -> None:
        """Fill the company list; choose `keep`, else what is chosen, else the draft's company."""
        from jobbutik.services import companies

        try:
            found = await asyncio.to_thread(companies.search_companies, self.ctx, "")
        except JobbutikError as error:
            self.query_one("#f-company", FormField).set_error(str(error))
            raise  # the app says it in a notice too
        self.companies = found
        select = self.query_one("#company", Select)
        if keep is None and not select.is_blank():
            keep = int(select.value)  # type: ignore[arg-type]
        if keep is None and isinstance(self._draft_company, int):
            keep = self._draft_company
        # Text, not markup: a company's name is shown as typed (and typing jumps to it).
        select.set_options(
            (Text(visible(f"{c.name}  ({c.cvr}{', ' + c.postcode if c.postcode else ''})")), c.id)
            for c in found
        )
        if keep is not None and any(c.id == keep for c in found):
            select.value = keep
        if not found:
            self.query_one("#f-company", FormField).set_error(
                _("No company is registered yet: Ctrl+N registers one.")
            )

    def action_new_company(self) -> None:
        self.app.push_screen(CompanyFormScreen(), self._company_saved)

    def _company_saved(self, saved: CompanySaved | None) -> None:
        if saved is not None:
            self.query_one("#f-company", FormField).set_error(None)
            self.load_companies(saved.company_id)
            self.query_one("#title", Input).focus()

    def check(self) -> bool:
        failed = self.check_fields()
        company_field = self.query_one("#f-company", FormField)
        if self.query_one("#company", Select).is_blank():
            company_field.set_error(_("Choose the company."))
            failed.insert(0, company_field)
        else:
            company_field.set_error(None)
        date_field = self.query_one("#f-apply_by", FormField)
        if not self.query_one("#apply_by", DateInput).value.strip():
            date_field.set_error(_("Give the apply-by date."))
            failed.append(date_field)
        if failed:
            failed[0].widget.focus()
        return not failed

    def payload(self) -> OpeningForm:
        from jobbutik.services.openings import OpeningForm

        def text(key: str) -> str:
            return self.query_one(f"#{key}", Input).value

        select = self.query_one("#company", Select)
        hours = text("hours").strip()
        danish = self.query_one("#danish_level", RadioSet).pressed_index
        status = self.query_one("#status", RadioSet).pressed_index
        return OpeningForm(
            company_id=None if select.is_blank() else int(select.value),  # type: ignore[arg-type]
            title=text("title"),
            hours_per_week=int(hours) if hours.isascii() and hours.isdigit() else None,
            apply_by=self.query_one("#apply_by", DateInput).day,
            industry=text("industry"),
            postcode=text("postcode"),
            requirements=text("requirements"),
            driving_licence_required=self.query_one("#licence", Checkbox).value,
            danish_level=DANISH_LEVELS[max(danish, 0)].value,
            skaanehensyn_possible=self.query_one("#skaanehensyn", Checkbox).value,
            status=STATUSES[max(status, 0)],
        )

    def submit(self, ctx: ServiceContext, payload: OpeningForm) -> OpeningSaved:
        from jobbutik.services import openings

        if self.opening_id is None:
            opening_id = openings.create_opening(ctx, payload)
        else:
            opening_id = self.opening_id
            openings.update_opening(ctx, opening_id, payload)
        assert payload.company_id is not None  # `check` made sure
        return OpeningSaved(opening_id, payload.title.strip(), payload.company_id)


def opening_saved_text(saved: OpeningSaved) -> str:
    return _("The job opening {title} is saved.").format(title=saved.title)


def open_new_opening(app: App[Any]) -> None:
    """Quick entry of a job opening from any screen (a company calls in); the app has checked
    that the database is open and the user may."""
    from textual.screen import ModalScreen

    if isinstance(app.screen, ModalScreen):
        return

    def saved(result: OpeningSaved | None) -> None:
        if result is not None:
            app.notify(opening_saved_text(result), title=_("Saved"))

    app.push_screen(OpeningFormScreen(), saved)

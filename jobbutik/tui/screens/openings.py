"""Job opening entry: quick, from anywhere (Ctrl+O), when a company calls in.

The company is picked from the register (type to jump); a company not yet registered is created
on the spot with Ctrl+N without losing what was typed about the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Footer, Input, RadioButton, RadioSet, Select, Static

from jobbutik.domain.contact import check_postcode
from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    format_date,
    parse_date,
    restore_values,
    snapshot_values,
)
from jobbutik.tui.widgets.inputs import DateInput

if TYPE_CHECKING:
    from jobbutik.services.companies import CompanyHit
    from jobbutik.services.openings import OpeningForm
    from jobbutik.tui.app import JobbutikApp
    from jobbutik.tui.screens.companies import CompanySaved

DANISH_LEVELS = ("", "some", "good", "fluent")
DANISH_LABELS = (N_("not needed"), N_("some"), N_("good"), N_("fluent"))
STATUSES = ("open", "filled", "closed")
STATUS_LABELS = (N_("open"), N_("filled"), N_("closed"))


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


class CompaniesListed(Message):
    def __init__(self, companies: list[CompanyHit], select: int | None) -> None:
        super().__init__()
        self.companies = companies
        self.select = select


class OpeningFormScreen(FormModal[OpeningSaved]):
    """New or edited job opening. Saves in a worker; an error lands at its field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_company", "New company", priority=True),
    ]

    DEFAULT_CSS = """
    OpeningFormScreen #danish_level, OpeningFormScreen #status { layout: horizontal; }
    """

    def __init__(
        self,
        *,
        company_id: int | None = None,
        opening_id: int | None = None,
        form: OpeningForm | None = None,
    ) -> None:
        super().__init__(id="opening-form")
        self.company_id = company_id
        self.opening_id = opening_id
        self.form = form
        self.companies: list[CompanyHit] = []

    @property
    def draft_key(self) -> tuple[str, int | None, int | None]:
        return ("opening", self.opening_id, self.company_id)

    def compose(self) -> ComposeResult:
        title = _("New job opening") if self.opening_id is None else _("Edit job opening")
        with Vertical(id="dialog", classes="dialog"), VerticalScroll():
            yield Static(title, classes="dialog-title")
            yield FormField(
                _("Company"),
                Select[int]([], id="company", prompt=_("Choose the company (Ctrl+N: new)")),
                id="f-company",
            )
            yield FormField(
                _("Job title"),
                Input(id="title", max_length=200, validators=[Check(check_title)]),
                id="f-title",
            )
            yield FormField(_("Industry"), Input(id="industry", max_length=100), id="f-industry")
            yield FormField(
                _("Hours per week"),
                Input(id="hours", max_length=2, validators=[Check(check_hours)]),
                id="f-hours",
            )
            yield FormField(
                _("Postcode"),
                Input(id="postcode", max_length=4, validators=[Check(check_postcode)]),
                id="f-postcode",
            )
            yield FormField(_("Apply by"), DateInput(id="apply_by"), id="f-apply_by")
            yield FormField(
                _("Requirements"), Input(id="requirements", max_length=500), id="f-requirements"
            )
            yield Checkbox(_("Driving licence required"), id="licence", compact=True)
            yield FormField(
                _("Danish needed"),
                RadioSet(*(RadioButton(_(label)) for label in DANISH_LABELS), id="danish_level"),
                id="f-danish_level",
            )
            yield Checkbox(_("Skånehensyn possible"), id="skaanehensyn", compact=True)
            yield FormField(
                _("Status"),
                RadioSet(*(RadioButton(_(label)) for label in STATUS_LABELS), id="status"),
                id="f-status",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
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
            self._press("#status", STATUSES.index(form.status))
        else:
            self._press("#danish_level", 0)
            self._press("#status", 0)
        self.query_one("#f-status").display = self.opening_id is not None
        draft = self.japp.drafts.get(self.draft_key)
        if draft:
            # The company list comes from a worker: its choice is restored when it arrives.
            restore_values(self, {k: v for k, v in draft.items() if k != "company"})
        self.load_companies(self.company_id)
        if self.company_id is not None:
            self.query_one("#title", Input).focus()
        else:
            self.query_one("#company", Select).focus()

    def _press(self, selector: str, index: int) -> None:
        buttons = list(self.query_one(selector).query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True

    @work(thread=True, exclusive=True, exit_on_error=False, group="companies")
    def load_companies(self, select: int | None) -> None:
        from jobbutik.services import companies

        self.post_message(CompaniesListed(companies.search_companies(self.ctx, ""), select))

    def on_companies_listed(self, message: CompaniesListed) -> None:
        self.companies = message.companies
        select = self.query_one("#company", Select)
        keep = message.select
        if keep is None and not select.is_blank():
            keep = int(select.value)  # type: ignore[arg-type]
        draft = self.japp.drafts.get(self.draft_key) or {}
        if keep is None and isinstance(draft.get("company"), int):
            keep = draft["company"]
        select.set_options(
            (f"{c.name}  ({c.cvr}{', ' + c.postcode if c.postcode else ''})", c.id)
            for c in message.companies
        )
        if keep is not None and any(c.id == keep for c in message.companies):
            select.value = keep
        if not message.companies:
            self.query_one("#f-company", FormField).set_error(
                _("No company is registered yet: Ctrl+N registers one.")
            )

    def action_new_company(self) -> None:
        from jobbutik.tui.screens.companies import CompanyFormScreen

        def saved(result: CompanySaved | None) -> None:
            if result is not None:
                self.query_one("#f-company", FormField).set_error(None)
                self.load_companies(result.company_id)
                self.query_one("#title", Input).focus()

        self.app.push_screen(
            CompanyFormScreen(None, None, self.japp.drafts.get(("company", None))), saved
        )

    def keep_draft(self) -> None:
        self.japp.drafts[self.draft_key] = snapshot_values(self)

    def current(self) -> OpeningForm:
        from jobbutik.services.openings import OpeningForm

        def text(key: str) -> str:
            return self.query_one(f"#{key}", Input).value

        select = self.query_one("#company", Select)
        hours = text("hours").strip()
        apply_by: date | None
        try:
            apply_by = parse_date(self.query_one("#apply_by", DateInput).value)
        except ValueError:
            apply_by = None
        danish = self.query_one("#danish_level", RadioSet).pressed_index
        status = self.query_one("#status", RadioSet).pressed_index
        return OpeningForm(
            company_id=None if select.is_blank() else int(select.value),  # type: ignore[arg-type]
            title=text("title"),
            hours_per_week=int(hours) if hours.isascii() and hours.isdigit() else None,
            apply_by=apply_by,
            industry=text("industry"),
            postcode=text("postcode"),
            requirements=text("requirements"),
            driving_licence_required=self.query_one("#licence", Checkbox).value,
            danish_level=DANISH_LEVELS[max(danish, 0)],
            skaanehensyn_possible=self.query_one("#skaanehensyn", Checkbox).value,
            status=STATUSES[max(status, 0)],
        )

    def action_save(self) -> None:
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
            return
        self.save(self.current())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save_opening")
    def save(self, form: OpeningForm) -> None:
        from jobbutik.services import openings

        if self.opening_id is None:
            opening_id = openings.create_opening(self.ctx, form)
        else:
            openings.update_opening(self.ctx, self.opening_id, form)
            opening_id = self.opening_id
        assert form.company_id is not None
        saved = OpeningSaved(opening_id, form.title.strip(), form.company_id)
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: OpeningSaved) -> None:
        self.japp.drafts.pop(self.draft_key, None)
        self.dismiss(saved)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        return self.show_error(error)


def opening_saved_text(saved: OpeningSaved, apply_by: date | None = None) -> str:
    text = _("The job opening {title} is saved.").format(title=saved.title)
    if apply_by is not None:
        text += " " + _("Apply by {day}.").format(day=format_date(apply_by))
    return text


def open_new_opening(app: JobbutikApp) -> None:
    """Quick entry of a job opening from any screen (a company calls in)."""
    from textual.screen import ModalScreen

    if app.context is None or isinstance(app.screen, ModalScreen):
        return

    def saved(result: OpeningSaved | None) -> None:
        if result is not None:
            app.notify(opening_saved_text(result), title=_("Saved"))

    app.push_screen(OpeningFormScreen(), saved)

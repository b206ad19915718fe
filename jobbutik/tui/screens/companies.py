"""Companies: the register (search by name or CVR), the company form, and one company's openings
with every referral there and who was hired."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, RadioButton, RadioSet, Static

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.screens.openings import OpeningFormScreen, OpeningSaved, opening_saved_text
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    format_date,
    restore_values,
    snapshot_values,
)

if TYPE_CHECKING:
    from jobbutik.services.companies import CompanyForm, CompanyHistory, CompanyHit
    from jobbutik.services.openings import OpeningForm
    from jobbutik.tui.app import JobbutikApp

AGREEMENTS = ("none", "trains", "hires", "both")
AGREEMENT_LABELS = (N_("none"), N_("trains"), N_("hires"), N_("both"))
STATUS_LABELS = {"open": N_("open"), "filled": N_("filled"), "closed": N_("closed")}
DEBOUNCE_SECONDS = 0.25


def agreement_text(agreement: str) -> str:
    if agreement in AGREEMENTS:
        return _(AGREEMENT_LABELS[AGREEMENTS.index(agreement)])
    return agreement


def check_cvr(value: str) -> str | None:
    from jobbutik.domain.identity import CvrError, parse_cvr

    try:
        parse_cvr(value)
    except CvrError as exc:
        return exc.reason
    return None


# -- the company form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySaved:
    company_id: int
    name: str


class CompanyFormScreen(FormModal[CompanySaved]):
    """Register or edit a company. The CVR number is checked as typed (8 digits, modulus 11);
    a CVR number already registered is refused at the field when saving."""

    DEFAULT_CSS = "CompanyFormScreen #agreement { layout: horizontal; }"

    def __init__(
        self, company_id: int | None = None, form: CompanyForm | None = None, draft: Any = None
    ) -> None:
        super().__init__(id="company-form")
        self.company_id = company_id
        self.form = form
        self.draft: dict[str, object] | None = draft

    def compose(self) -> ComposeResult:
        title = _("New company") if self.company_id is None else _("Edit company")
        with Vertical(id="dialog", classes="dialog"), VerticalScroll():
            yield Static(title, classes="dialog-title")
            yield FormField(
                _("CVR number"),
                Input(
                    id="cvr",
                    max_length=12,
                    placeholder="12345678",
                    validators=[Check(check_cvr)],
                    validate_on=["changed", "blur", "submitted"],
                ),
                id="f-cvr",
            )
            yield FormField(
                _("Name"),
                Input(id="name", max_length=200, validators=[Check(check_name)]),
                id="f-name",
            )
            yield FormField(_("Address"), Input(id="address", max_length=200), id="f-address")
            yield FormField(
                _("Postcode"),
                Input(id="postcode", max_length=4, validators=[Check(check_postcode)]),
                id="f-postcode",
            )
            yield FormField(_("Industry"), Input(id="industry", max_length=100), id="f-industry")
            yield FormField(
                _("Contact person"), Input(id="contact_name", max_length=200), id="f-contact_name"
            )
            yield FormField(
                _("Phone"),
                Input(id="phone", max_length=20, validators=[Check(check_phone)]),
                id="f-phone",
            )
            yield FormField(
                _("E-mail"),
                Input(id="email", max_length=200, validators=[Check(check_email)]),
                id="f-email",
            )
            yield FormField(
                _("Cooperation agreement"),
                RadioSet(*(RadioButton(_(a)) for a in AGREEMENT_LABELS), id="agreement"),
                id="f-agreement",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        form = self.form
        if form is not None:
            for key in ("cvr", "name", "address", "postcode", "industry", "contact_name"):
                self.query_one(f"#{key}", Input).value = str(getattr(form, key))
            self.query_one("#phone", Input).value = form.phone
            self.query_one("#email", Input).value = form.email
        index = AGREEMENTS.index(form.agreement) if form and form.agreement in AGREEMENTS else 0
        list(self.query_one("#agreement").query(RadioButton))[index].value = True
        if self.draft:
            restore_values(self, self.draft)
        self.query_one("#cvr", Input).focus()

    @property
    def draft_key(self) -> tuple[str, int | None]:
        return ("company", self.company_id)

    def keep_draft(self) -> None:
        self.japp.drafts[self.draft_key] = snapshot_values(self)

    def current(self) -> CompanyForm:
        from jobbutik.services.companies import CompanyForm

        def text(key: str) -> str:
            return self.query_one(f"#{key}", Input).value

        index = self.query_one("#agreement", RadioSet).pressed_index
        return CompanyForm(
            cvr=text("cvr"),
            name=text("name"),
            address=text("address"),
            postcode=text("postcode"),
            industry=text("industry"),
            contact_name=text("contact_name"),
            phone=text("phone"),
            email=text("email"),
            agreement=AGREEMENTS[max(index, 0)],
        )

    def action_save(self) -> None:
        if self.check_fields():
            return
        self.save(self.current())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save_company")
    def save(self, form: CompanyForm) -> None:
        from jobbutik.services import companies

        if self.company_id is None:
            company_id = companies.create_company(self.ctx, form)
        else:
            companies.update_company(self.ctx, self.company_id, form)
            company_id = self.company_id
        saved = CompanySaved(company_id, " ".join(form.name.split()))
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: CompanySaved) -> None:
        self.japp.drafts.pop(self.draft_key, None)
        self.dismiss(saved)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        return self.show_error(error)


# -- the register ---------------------------------------------------------------------------------


class CompaniesFound(Message):
    def __init__(self, term: str, hits: list[CompanyHit]) -> None:
        super().__init__()
        self.term = term
        self.hits = hits


class CompanyFetched(Message):
    def __init__(self, company_id: int, form: CompanyForm) -> None:
        super().__init__()
        self.company_id = company_id
        self.form = form


class CompaniesScreen(BaseScreen):
    """The company register: type to search (name with Danish letters folded, or CVR)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "new_company", "New company"),
        Binding("ctrl+e", "edit_company", "Edit company"),
        Binding("ctrl+o", "new_opening", "New job opening"),
        Binding("f8", "history", "Openings and referrals"),
        Binding("down", "to_results", "To the results"),
    ]

    DEFAULT_CSS = """
    CompaniesScreen #company-search { margin: 0 1; }
    CompaniesScreen #companies-status { height: 1; padding: 0 1; color: $text-muted; }
    CompaniesScreen #companies { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(id="companies")
        self.hits: list[CompanyHit] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=_("Company name or CVR number"), id="company-search")
        yield Static("", id="companies-status")
        yield DataTable(id="companies", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Companies"))
        table = self.query_one("#companies", DataTable)
        table.add_column(_("CVR"), key="cvr", width=8)
        table.add_column(_("Name"), key="name", width=30)
        table.add_column(_("Postcode"), key="postcode", width=8)
        table.add_column(_("Industry"), key="industry", width=16)
        table.add_column(_("Contact"), key="contact", width=18)
        table.add_column(_("Phone"), key="phone", width=12)
        table.add_column(_("Agreement"), key="agreement", width=9)
        table.add_column(_("Open jobs"), key="open", width=9)
        self.query_one("#company-search", Input).focus()
        self.search("")

    @on(Input.Changed, "#company-search")
    def term_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        term = event.value
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self.search(term))

    @on(Input.Submitted, "#company-search")
    def term_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self.search(event.value)
        self.action_to_results()

    @work(thread=True, exclusive=True, exit_on_error=False, group="companies")
    def search(self, term: str) -> None:
        from jobbutik.services import companies

        self.post_message(CompaniesFound(term, companies.search_companies(self.ctx, term)))

    def on_companies_found(self, message: CompaniesFound) -> None:
        if message.term != self.query_one("#company-search", Input).value:
            return
        self.hits = message.hits
        table = self.query_one("#companies", DataTable)
        table.clear()
        for hit in self.hits:
            table.add_row(
                hit.cvr,
                hit.name,
                hit.postcode,
                hit.industry,
                hit.contact_name,
                hit.phone,
                agreement_text(hit.agreement),
                str(hit.open_openings),
                key=str(hit.id),
            )
        status = self.query_one("#companies-status", Static)
        if self.hits:
            status.update(
                _("{count} companies. Enter shows openings and referrals.").format(
                    count=len(self.hits)
                )
            )
        elif message.term.strip():
            status.update(
                _("No company matches {term!r}. Ctrl+N registers one.").format(
                    term=message.term.strip()
                )
            )
        else:
            status.update(_("No company is registered yet. Ctrl+N registers one."))
        self.refresh_bindings()

    @property
    def current(self) -> CompanyHit | None:
        table = self.query_one("#companies", DataTable)
        index = table.cursor_row
        return self.hits[index] if self.hits and 0 <= index < len(self.hits) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit_company", "history"} and self.current is None:
            return None
        return True

    def action_to_results(self) -> None:
        if self.hits:
            self.query_one("#companies", DataTable).focus()

    @on(DataTable.RowSelected, "#companies")
    def _chosen(self) -> None:
        self.action_history()

    def action_back(self) -> None:
        self.dismiss()

    def action_history(self) -> None:
        if self.current is not None:
            self.app.push_screen(CompanyScreen(self.current.id))

    def action_new_company(self) -> None:
        self.app.push_screen(
            CompanyFormScreen(None, None, self.japp.drafts.get(("company", None))), self._saved
        )

    def action_edit_company(self) -> None:
        if self.current is not None:
            self.fetch(self.current.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="company")
    def fetch(self, company_id: int) -> None:
        from jobbutik.services import companies

        self.post_message(CompanyFetched(company_id, companies.get_company(self.ctx, company_id)))

    def on_company_fetched(self, message: CompanyFetched) -> None:
        draft = self.japp.drafts.get(("company", message.company_id))
        self.app.push_screen(
            CompanyFormScreen(message.company_id, message.form, draft), self._saved
        )

    def _saved(self, saved: CompanySaved | None) -> None:
        if saved is not None:
            self.notify(_("{name} is saved.").format(name=saved.name), title=_("Saved"))
            self.search(self.query_one("#company-search", Input).value)

    def action_new_opening(self) -> None:
        company_id = self.current.id if self.current else None

        def saved(result: OpeningSaved | None) -> None:
            if result is not None:
                self.notify(opening_saved_text(result), title=_("Saved"))
                self.search(self.query_one("#company-search", Input).value)

        self.app.push_screen(OpeningFormScreen(company_id=company_id), saved)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        self.query_one("#companies-status", Static).update(str(error))
        return True


# -- one company ----------------------------------------------------------------------------------


class HistoryLoaded(Message):
    def __init__(self, history: CompanyHistory) -> None:
        super().__init__()
        self.history = history


class OpeningFetched(Message):
    def __init__(self, opening_id: int, form: OpeningForm) -> None:
        super().__init__()
        self.opening_id = opening_id
        self.form = form


class CompanyScreen(BaseScreen):
    """One company: its details, its openings (with referrals and hires) and every referral."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+o", "new_opening", "New job opening"),
        Binding("ctrl+e", "edit_opening", "Edit opening"),
    ]

    DEFAULT_CSS = """
    CompanyScreen #company-head { height: auto; padding: 0 1; background: $boost; }
    CompanyScreen .section { height: 1; padding: 0 1; text-style: bold; margin-top: 1; }
    CompanyScreen #company-openings { height: 1fr; }
    CompanyScreen #company-referrals { height: 1fr; }
    """

    def __init__(self, company_id: int) -> None:
        super().__init__(id="company")
        self.company_id = company_id
        self.history: CompanyHistory | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading the company…"), id="company-head")
        yield Static(_("Job openings"), classes="section")
        yield DataTable(id="company-openings", cursor_type="row", zebra_stripes=True)
        yield Static(_("Referrals"), classes="section")
        yield DataTable(id="company-referrals", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Company"))
        openings = self.query_one("#company-openings", DataTable)
        openings.add_column(_("Job title"), key="title", width=30)
        openings.add_column(_("Hours"), key="hours", width=6)
        openings.add_column(_("Apply by"), key="apply_by", width=10)
        openings.add_column(_("Status"), key="status", width=8)
        openings.add_column(_("Referred"), key="referred", width=9)
        openings.add_column(_("Hired"), key="hired", width=6)
        referrals = self.query_one("#company-referrals", DataTable)
        referrals.add_column(_("Referred"), key="on", width=10)
        referrals.add_column(_("Job title"), key="title", width=28)
        referrals.add_column(_("CPR"), key="cpr", width=11)
        referrals.add_column(_("Name"), key="name", width=24)
        referrals.add_column(_("Outcome"), key="outcome", width=32)
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="company_history")
    def load(self) -> None:
        from jobbutik.services import companies

        self.post_message(HistoryLoaded(companies.company_history(self.ctx, self.company_id)))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        from jobbutik.tui.screens.followups import outcome_text

        self.history = history = message.history
        form = history.form
        lines = [
            f"[b]{escape(form.name)}[/b]  CVR {form.cvr}  "
            + _("Agreement: {agreement}").format(agreement=agreement_text(form.agreement))
        ]
        place = ", ".join(p for p in (form.address, form.postcode, form.industry) if p)
        contact = ", ".join(p for p in (form.contact_name, form.phone, form.email) if p)
        lines += [line for line in (place, contact) if line]
        lines.append(
            _("{referrals} referrals, {hires} hired.").format(
                referrals=history.referral_count, hires=history.hire_count
            )
        )
        self.query_one("#company-head", Static).update(Content.from_markup("\n".join(lines)))
        openings = self.query_one("#company-openings", DataTable)
        openings.clear()
        for o in history.openings:
            openings.add_row(
                o.title,
                str(o.hours_per_week),
                format_date(o.apply_by),
                _(STATUS_LABELS.get(o.status, o.status)),
                str(o.referrals),
                str(o.hires),
                key=str(o.id),
            )
        referrals = self.query_one("#company-referrals", DataTable)
        referrals.clear()
        for r in history.referrals:
            referrals.add_row(
                format_date(r.referred_on),
                r.title,
                r.cpr_masked,
                r.citizen_name,
                outcome_text(r.outcome) if r.outcome else _("not followed up yet"),
            )
        openings.focus()
        self.refresh_bindings()

    @property
    def current_opening(self) -> int | None:
        if self.history is None or not self.history.openings:
            return None
        index = self.query_one("#company-openings", DataTable).cursor_row
        openings = self.history.openings
        return openings[index].id if 0 <= index < len(openings) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_opening" and self.current_opening is None:
            return None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def action_new_opening(self) -> None:
        self.app.push_screen(OpeningFormScreen(company_id=self.company_id), self._opening_saved)

    def action_edit_opening(self) -> None:
        opening_id = self.current_opening
        if opening_id is not None:
            self.fetch_opening(opening_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="opening")
    def fetch_opening(self, opening_id: int) -> None:
        from jobbutik.services import openings

        self.post_message(OpeningFetched(opening_id, openings.get_opening(self.ctx, opening_id)))

    def on_opening_fetched(self, message: OpeningFetched) -> None:
        self.app.push_screen(
            OpeningFormScreen(
                company_id=self.company_id, opening_id=message.opening_id, form=message.form
            ),
            self._opening_saved,
        )

    def _opening_saved(self, saved: OpeningSaved | None) -> None:
        if saved is not None:
            self.notify(opening_saved_text(saved), title=_("Saved"))
            self.load()

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        self.query_one("#company-head", Static).update(str(error))
        return True


def open_companies(app: JobbutikApp) -> None:
    """Show the company register (from a key or the palette)."""
    from textual.screen import ModalScreen

    if app.context is None or isinstance(app.screen, ModalScreen | CompaniesScreen):
        return
    app.push_screen(CompaniesScreen())

"""The company form: register or edit a company. Opened from the register and, on the way, from
the job opening form (a company calls in that is not registered yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Input, Static

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Agreement
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import Check, FormField, text_field
from jobbutik.tui.widgets.toggles import RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.companies import CompanyForm
    from jobbutik.services.context import ServiceContext

AGREEMENTS = list(Agreement)


def check_cvr(value: str) -> str | None:
    from jobbutik.domain.identity import CvrError, parse_cvr

    try:
        parse_cvr(value)
    except CvrError as exc:
        return exc.reason
    return None


@dataclass(frozen=True)
class CompanySaved:
    company_id: int
    name: str


class CompanyFormScreen(FormModal["CompanyForm", CompanySaved]):
    """Register or edit a company. The CVR number is checked as typed (8 digits, modulus 11);
    a CVR number already registered is refused at the field when saving."""

    CSS_PATH = "company_form.tcss"

    def __init__(self, company_id: int | None = None, form: CompanyForm | None = None) -> None:
        super().__init__(id="company-form")
        self.company_id = company_id
        self.form = form
        self.draft_key = DraftKey[dict[str, object]]("company", company_id)

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
            yield text_field(_("Name"), "name", 200, check_name)
            yield text_field(_("Address"), "address", 200)
            yield text_field(_("Postcode"), "postcode", 4, check_postcode)
            yield text_field(_("Industry"), "industry", 100)
            yield text_field(_("Contact person"), "contact_name", 200)
            yield text_field(_("Phone"), "phone", 20, check_phone)
            yield text_field(_("E-mail"), "email", 200, check_email)
            yield FormField(
                _("Cooperation agreement"),
                RadioSet(*(RadioButton(a.label) for a in AGREEMENTS), id="agreement"),
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
        known = form is not None and form.agreement in Agreement.values()
        index = AGREEMENTS.index(Agreement(form.agreement)) if form and known else 0
        list(self.query_one("#agreement").query(RadioButton))[index].value = True
        self.query_one("#cvr", Input).focus()

    def payload(self) -> CompanyForm:
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

    def submit(self, ctx: ServiceContext, payload: CompanyForm) -> CompanySaved:
        from jobbutik.services import companies

        if self.company_id is None:
            company_id = companies.create_company(ctx, payload)
        else:
            company_id = self.company_id
            companies.update_company(ctx, company_id, payload)
        return CompanySaved(company_id, " ".join(payload.name.split()))

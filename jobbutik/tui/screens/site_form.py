"""The activation site form (supervisors): create or edit a site. It saves through the sites
service in its own worker (the FormModal contract); a refusal lands at its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Static

from jobbutik.domain.contact import check_email, check_phone, check_postcode
from jobbutik.domain.errors import FormErrors
from jobbutik.domain.i18n import N_, _, language
from jobbutik.domain.vocabulary import SiteKind
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import FormField, text_field
from jobbutik.tui.widgets.toggles import Checkbox, RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.sites import SiteForm

KINDS = SiteKind.values()
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"))


def check_count(what: str, low: int, high: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        v = value.strip()
        if not v:
            return _("Give the {what}.").format(what=_(what))
        if not (v.isascii() and v.isdigit()) or not low <= int(v) <= high:
            return _("Must be a whole number from {low} to {high}.").format(low=low, high=high)
        return None

    return check


def parse_percent(value: str) -> float | None:
    """A target typed in per cent ("40", "37,5", "40 %") as a share 0–1; None when empty;
    ValueError with the reason when it is not a per cent."""
    v = value.strip().removesuffix("%").strip().replace(",", ".")
    if not v:
        return None
    whole, _dot, decimals = v.partition(".")
    if not (whole.isascii() and whole.isdigit()) or not (
        decimals == "" or (decimals.isascii() and decimals.isdigit())
    ):
        raise ValueError(_("Type the target in per cent, e.g. 40."))
    percent = float(v)
    if percent > 100:
        raise ValueError(_("A target is a share from 0 to 100 %."))
    return round(percent / 100, 4)


def check_percent(value: str) -> str | None:
    try:
        parse_percent(value)
    except ValueError as exc:
        return str(exc)
    return None


def percent_text(share: float | None) -> str:
    """A stored share as typed: 0.4 → "40", 0.375 → "37,5" (Danish)."""
    if share is None:
        return ""
    percent = round(share * 100, 2)
    text = str(int(percent)) if percent.is_integer() else f"{percent:g}"
    return text.replace(".", ",") if language() == "da" else text


@dataclass(frozen=True)
class SiteSaved:
    site_id: int
    name: str


class SiteFormScreen(FormModal["SiteForm", SiteSaved]):
    """Create (`site_id` None) or edit a site; `form` holds the stored values when editing."""

    CSS_PATH = "site_form.tcss"

    def __init__(self, site_id: int | None = None, form: SiteForm | None = None) -> None:
        super().__init__(id="site-form")
        self.site_id = site_id
        self.form = form
        self.draft_key = DraftKey("site", site_id)

    def compose(self) -> ComposeResult:
        title = _("New activation site") if self.site_id is None else _("Edit activation site")
        with Vertical(id="dialog", classes="dialog"), VerticalScroll():
            yield Static(title, classes="dialog-title")
            yield text_field(_("Name"), "name", 200)
            yield FormField(
                _("Kind"),
                RadioSet(*(RadioButton(SiteKind.label_of(k)) for k in KINDS), id="kind"),
                id="f-kind",
            )
            yield text_field(_("Provider"), "provider", 200)
            yield text_field(_("Address"), "address", 200)
            yield text_field(_("Postcode"), "postcode", 4, check_postcode)
            yield text_field(_("Seats"), "seats", 3, check_count(N_("seats"), 1, 500))
            yield text_field(_("Hours per week"), "hours", 2, check_count(N_("hours"), 1, 60))
            days = [Checkbox(_(day), id=f"wd{n}", compact=True) for n, day in enumerate(WEEKDAYS)]
            yield FormField(_("Start weekdays"), Horizontal(*days, id="weekdays"), id="f-weekdays")
            yield text_field(_("Target: job (%)"), "target_job", 6, check_percent)
            yield text_field(
                _("Target: job/educ. (%)"), "target_job_or_education", 6, check_percent
            )
            yield text_field(_("Contact person"), "contact_name", 200)
            yield text_field(_("Contact phone"), "contact_phone", 20, check_phone)
            yield text_field(_("Contact e-mail"), "contact_email", 200, check_email)
            yield Checkbox(_("In use"), id="active", value=True, compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.form is not None:
            f = self.form
            for key, value in (
                ("name", f.name),
                ("provider", f.provider),
                ("address", f.address),
                ("postcode", f.postcode),
                ("seats", str(f.seats or "")),
                ("hours", str(f.hours_per_week or "")),
                ("contact_name", f.contact_name),
                ("contact_phone", f.contact_phone),
                ("contact_email", f.contact_email),
                ("target_job", percent_text(f.target_job_share)),
                ("target_job_or_education", percent_text(f.target_job_or_education_share)),
            ):
                self.query_one(f"#{key}", Input).value = value
            if f.kind in KINDS:
                list(self.query_one("#kind").query(RadioButton))[KINDS.index(f.kind)].value = True
            for n in range(len(WEEKDAYS)):
                self.query_one(f"#wd{n}", Checkbox).value = n in f.start_weekdays
            self.query_one("#active", Checkbox).value = f.active
        else:
            self.query_one("#kind").query(RadioButton).first().value = True
            for n in range(len(WEEKDAYS)):
                self.query_one(f"#wd{n}", Checkbox).value = True
        self.query_one("#name", Input).focus()

    def payload(self) -> SiteForm:
        from jobbutik.services.sites import SiteForm

        def text(key: str) -> str:
            return self.query_one(f"#{key}", Input).value

        def number(key: str) -> int | None:
            v = text(key).strip()
            return int(v) if v.isascii() and v.isdigit() else None

        def share(key: str) -> float | None:
            # The field's own check refused a bad value before this is read.
            try:
                return parse_percent(text(key))
            except ValueError:
                return None

        kind_index = self.query_one("#kind", RadioSet).pressed_index
        return SiteForm(
            name=text("name"),
            kind=KINDS[kind_index] if kind_index >= 0 else "",
            seats=number("seats"),
            hours_per_week=number("hours"),
            start_weekdays=tuple(
                n for n in range(len(WEEKDAYS)) if self.query_one(f"#wd{n}", Checkbox).value
            ),
            provider=text("provider"),
            address=text("address"),
            postcode=text("postcode"),
            contact_name=text("contact_name"),
            contact_phone=text("contact_phone"),
            contact_email=text("contact_email"),
            active=self.query_one("#active", Checkbox).value,
            target_job_share=share("target_job"),
            target_job_or_education_share=share("target_job_or_education"),
        )

    def submit(self, ctx: ServiceContext, payload: SiteForm) -> SiteSaved:
        from jobbutik.services import sites

        errors = sites.validate_site(payload)
        if errors:
            raise FormErrors(errors)
        if self.site_id is None:
            return SiteSaved(sites.create_site(ctx, payload), payload.name)
        sites.update_site(ctx, self.site_id, payload)
        return SiteSaved(self.site_id, payload.name)

"""Register arrival: CPR first; a known citizen appears at once, a new one gets the details."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Input, Static

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.dates import format_day, parse_day
from jobbutik.domain.errors import JobbutikError, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.text import visible
from jobbutik.domain.vocabulary import Benefit, Category
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import (
    FormField,
    snapshot_values,
    text_field,
)
from jobbutik.tui.widgets.inputs import CprInput, DateInput
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import Checkbox, RadioButton, RadioSet

if TYPE_CHECKING:
    from jobbutik.services.arrivals import ArrivalForm, ArrivalResult
    from jobbutik.services.citizens import CitizenCard, CitizenHit
    from jobbutik.services.context import ServiceContext

_UNKNOWN = object()  # lookup not done yet


class RegisterForm(FormModal["ArrivalForm", "ArrivalResult"]):
    """CPR, then the citizen (known: shown; new: name and contact), the request and the slot."""

    CSS_PATH = "register.tcss"

    draft_key = DraftKey[dict[str, object]]("register")

    def __init__(self) -> None:
        super().__init__(id="register")
        self.card: Any = _UNKNOWN  # CitizenCard | None (new) | _UNKNOWN
        self.looked_up_cpr: str | None = None
        # The benefits that can be applied for today (the rule set in force): the radio buttons.
        self.benefits: tuple[str, ...] = ()
        self.slot_asked_for: date | None = None  # the first henvendelse the slot is suggested for
        self.slot_suggested: date | None = None  # the slot last put into the field for the user

    def compose(self) -> ComposeResult:
        context = self.japp.context_or_raise()
        today = context.clock.today
        self.benefits = context.rulebook.benefits_on(today())
        with Vertical(id="dialog", classes="dialog"):
            yield Static(_("Register arrival"), classes="dialog-title")
            with VerticalScroll():
                yield FormField(_("CPR number"), CprInput(today, id="cpr"), id="f-cpr")
                yield Static(_("Type the CPR number first."), id="citizen-card")
                with Vertical(id="new-citizen"):
                    yield text_field(_("Name"), "name", 200, check_name)
                    yield text_field(_("Phone"), "phone", 20, check_phone)
                    yield text_field(_("E-mail"), "email", 200, check_email)
                    yield text_field(_("Postcode"), "postcode", 4, check_postcode)
                    yield text_field(_("Interpreter language"), "interpreter_language", 64)
                    yield Checkbox(_("Needs digital help"), id="needs_digital_help", compact=True)
                yield FormField(
                    _("Benefit sought"),
                    RadioSet(
                        *(RadioButton(Benefit.label_of(b)) for b in self.benefits), id="benefit"
                    ),
                    id="f-benefit",
                )
                yield Checkbox(
                    _("Told to apply for the benefit digitally"),
                    id="told_apply_digitally",
                    compact=True,
                )
                yield Checkbox(
                    _("Written guidance on rights and duties handed over"),
                    id="rights_guidance_given",
                    compact=True,
                )
                yield FormField(
                    _("First henvendelse"),
                    DateInput(today(), id="first_contact_on"),
                    id="f-first_contact_on",
                )
                yield FormField(_("Visitation day"), DateInput(id="slot_date"), id="f-slot_date")
                yield Static("", id="slot-hint", classes="hint")
                with Vertical(id="duplicates"):
                    yield Static("", id="duplicate-list")
                    yield Checkbox(
                        _("It is another person: register anyway"),
                        id="confirm_duplicate",
                        compact=True,
                    )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#new-citizen").add_class("-hidden")
        self.query_one("#duplicates").add_class("-hidden")
        self.query_one("#cpr", CprInput).focus()
        self.slot_asked_for = self.query_one("#first_contact_on", DateInput).day
        self.suggest_slot()

    # -- CPR lookup ----------------------------------------------------------------------------

    @on(Input.Changed, "#cpr")
    def cpr_changed(self, event: Input.Changed) -> None:
        cpr = self.query_one("#cpr", CprInput).cpr
        if cpr is None:
            self.card = _UNKNOWN
            self.looked_up_cpr = None
            self.query_one("#new-citizen").add_class("-hidden")
            self.query_one("#citizen-card", Static).update(_("Type the CPR number first."))
            return
        if cpr.digits == self.looked_up_cpr:
            return
        self.card = _UNKNOWN
        notice = "" if cpr.modulus11_ok else "  " + _("(no modulus-11 check: that is allowed)")
        self.query_one("#citizen-card", Static).update(
            _("Looking up {cpr}…").format(cpr=cpr.masked) + notice
        )
        self.lookup(cpr.digits)

    @work(exclusive=True, group="lookup")
    async def lookup(self, digits: str) -> None:
        from jobbutik.services import arrivals

        card = await asyncio.to_thread(arrivals.lookup, self.ctx, digits)
        current = self.query_one("#cpr", CprInput).cpr
        if current is None or current.digits != digits:
            return  # typed on since
        self.looked_up_cpr = digits
        self.card = card
        card_view = self.query_one("#citizen-card", Static)
        new_fields = self.query_one("#new-citizen")
        if card is None:
            card_view.update(_("New citizen: fill in name and contact details."))
            new_fields.remove_class("-hidden")
        else:
            card_view.update(citizen_card_text(card))
            new_fields.add_class("-hidden")

    # -- slot ----------------------------------------------------------------------------------

    @on(Input.Changed, "#first_contact_on")
    def first_contact_changed(self, event: Input.Changed) -> None:
        # An earlier first henvendelse may bring the slot forward. The field showing its
        # default is no change: asking again then would finish after the form counts as opened.
        day = self.query_one("#first_contact_on", DateInput).day
        if day != self.slot_asked_for:
            self.slot_asked_for = day
            self.suggest_slot()

    @work(exclusive=True, group="slot")
    async def suggest_slot(self) -> None:
        from jobbutik.services import arrivals

        first_contact = self.query_one("#first_contact_on", DateInput).day
        day = await asyncio.to_thread(arrivals.suggest_slot, self.ctx, first_contact)
        slot_input = self.query_one("#slot_date", DateInput)
        # A slot the user typed is theirs; one still showing the last suggestion follows the new.
        typed = slot_input.value.strip()
        if not typed or (self.slot_suggested is not None and slot_input.day == self.slot_suggested):
            slot_input.set_date(day)
            self.slot_suggested = day
        when = _("today") if day == self.ctx.clock.today() else _("next working day")
        self.query_one("#slot-hint", Static).update(
            _("Suggested: {when}, {day}").format(when=when, day=format_day(day))
        )

    # -- duplicates and errors -------------------------------------------------------------------

    def show_duplicates(self, candidates: tuple[CitizenHit, ...]) -> None:
        lines = [_("Possible duplicate (same name and birth date, another CPR number):")]
        lines += [f"  {c.name}, {c.cpr_masked}, {c.age} " + _("years") for c in candidates]
        self.query_one("#duplicate-list", Static).update(shown("\n".join(lines)))
        self.query_one("#duplicates").remove_class("-hidden")

    def refused(self, error: JobbutikError) -> None:
        candidates = getattr(error, "candidates", None)
        if candidates:
            self.show_duplicates(tuple(candidates))
            self.query_one("#confirm_duplicate", Checkbox).focus()
        else:
            super().refused(error)

    # -- save ------------------------------------------------------------------------------------

    def check(self) -> bool:
        failed = self.check_fields()
        benefit = self.query_one("#benefit", RadioSet)
        benefit_field = self.query_one("#f-benefit", FormField)
        if benefit.pressed_index < 0:
            benefit_field.set_error(_("Choose the benefit sought."))
            failed.append(benefit_field)
        else:
            benefit_field.set_error(None)
        cpr = self.query_one("#cpr", CprInput).cpr
        if cpr is not None and self.card is _UNKNOWN:
            if not any(w.group == "lookup" and w.is_running for w in self.workers):
                self.lookup(cpr.digits)  # the last lookup failed (e.g. database busy): again
            self.notify(_("Still looking up the citizen: save again in a moment."))
            return False
        if failed:
            failed[0].widget.focus()
        return not failed

    def payload(self) -> ArrivalForm:
        from jobbutik.services.arrivals import ArrivalForm, NewCitizen

        values = snapshot_values(self)

        def text(key: str) -> str:
            value = values.get(key, "")
            return value if isinstance(value, str) else ""

        new = None
        if self.card is None:
            new = NewCitizen(
                name=text("name"),
                phone=text("phone"),
                email=text("email"),
                postcode=text("postcode"),
                interpreter_language=text("interpreter_language"),
                needs_digital_help=values.get("needs_digital_help") is True,
            )
        benefit = values.get("benefit")
        chosen = isinstance(benefit, int) and 0 <= benefit < len(self.benefits)
        return ArrivalForm(
            cpr=text("cpr"),
            benefit=self.benefits[benefit] if chosen and isinstance(benefit, int) else "",
            told_apply_digitally=values.get("told_apply_digitally") is True,
            new_citizen=new,
            slot_date=self.typed_day(text("slot_date")),
            first_contact_on=self.typed_day(text("first_contact_on")),
            rights_guidance_given=values.get("rights_guidance_given") is True,
            # Only once the candidates are on screen: a confirmation restored from a draft, while
            # the list is hidden, must not register a duplicate unseen.
            confirm_duplicate=self.query_one("#duplicates").display
            and values.get("confirm_duplicate") is True,
        )

    def typed_day(self, typed: str) -> date | None:
        """A typed date; None when blank (the service's default: the suggested slot, today's
        first henvendelse). A date that cannot be read is stopped by the field's own check."""
        try:
            return parse_day(typed, today=self.ctx.clock.today()) if typed.strip() else None
        except ValidationError:
            return None

    def submit(self, ctx: ServiceContext, payload: ArrivalForm) -> ArrivalResult:
        from jobbutik.services import arrivals

        return arrivals.register_arrival(ctx, payload)


def citizen_card_text(card: CitizenCard, cpr: str | None = None) -> Content:
    """The card as Content: names, languages and notes are typed data, never markup. `cpr` is
    shown instead of the masked number where the full one may be seen."""
    lines = [
        Content.assemble(
            (visible(card.name), "bold"),
            f"  {cpr or card.cpr_masked}  " + _("{age} years").format(age=card.age),
        )
    ]
    if card.last_visit:
        lines.append(
            Content(
                _("Last visit: {day} ({category})").format(
                    day=format_day(card.last_visit),
                    category=Category.label_of(card.last_category) or "—",
                )
            )
        )
    else:
        lines.append(Content(_("No earlier visit.")))
    for ref in card.open_referrals:
        lines.append(
            shown(
                _("Open referral: {title}, {company}; apply by {day}").format(
                    title=ref.title, company=ref.company, day=format_day(ref.apply_by)
                )
            )
        )
    if card.flags:
        lines.append(shown(" · ".join(card.flags)))  # the interpreter language: data
    return Content("\n").join(lines)

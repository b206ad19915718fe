"""Register arrival: CPR first; a known citizen appears at once, a new one gets the details."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.widgets import Checkbox, Footer, Input, RadioButton, RadioSet, Static
from textual.worker import get_current_worker

from jobbutik.domain.contact import check_email, check_name, check_phone, check_postcode
from jobbutik.domain.i18n import _
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    format_date,
    parse_date,
    restore_values,
    snapshot_values,
)
from jobbutik.tui.widgets.inputs import CprInput, DateInput

if TYPE_CHECKING:
    from jobbutik.services.arrivals import ArrivalForm
    from jobbutik.services.citizens import CitizenCard, CitizenHit

BENEFIT_VALUES = ("kontanthjaelp", "uddannelseshjaelp")
BENEFIT_LABELS = ("kontanthjælp", "uddannelseshjælp")


@dataclass(frozen=True)
class RegisterDraft:
    """Everything typed into the form: what it dismisses with, and what a reopen restores."""

    values: dict[str, object] = field(default_factory=dict)
    known_citizen_id: int | None = None
    duplicates: tuple[CitizenHit, ...] = ()

    def text(self, key: str) -> str:
        value = self.values.get(key, "")
        return value if isinstance(value, str) else ""

    def flag(self, key: str) -> bool:
        return self.values.get(key) is True

    @property
    def benefit(self) -> str:
        index = self.values.get("benefit")
        return BENEFIT_VALUES[index] if isinstance(index, int) and index >= 0 else ""

    def to_form(self) -> ArrivalForm:
        from jobbutik.services.arrivals import ArrivalForm, NewCitizen

        new = None
        if self.known_citizen_id is None:
            new = NewCitizen(
                name=self.text("name"),
                phone=self.text("phone"),
                email=self.text("email"),
                postcode=self.text("postcode"),
                interpreter_language=self.text("interpreter_language"),
                needs_digital_help=self.flag("needs_digital_help"),
            )
        slot: date | None
        try:
            slot = parse_date(self.text("slot_date")) if self.text("slot_date").strip() else None
        except ValueError:
            slot = None
        return ArrivalForm(
            cpr=self.text("cpr"),
            benefit=self.benefit,
            told_apply_digitally=self.flag("told_apply_digitally"),
            new_citizen=new,
            slot_date=slot,
            confirm_duplicate=self.flag("confirm_duplicate"),
        )


class CitizenLookedUp(Message):
    def __init__(self, cpr: str, card: CitizenCard | None) -> None:
        super().__init__()
        self.cpr = cpr
        self.card = card


class SlotSuggested(Message):
    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day


_UNKNOWN = object()  # lookup not done yet


class RegisterForm(FormModal[RegisterDraft]):
    """CPR, then the citizen (known: shown; new: name and contact), the request and the slot."""

    def __init__(self, draft: RegisterDraft | None = None, error: BaseException | None = None):
        super().__init__(id="register")
        self.draft = draft
        self.error = error
        self.card: Any = _UNKNOWN  # CitizenCard | None (new) | _UNKNOWN
        self.looked_up_cpr: str | None = None

    def compose(self) -> ComposeResult:
        today = self.japp.context_or_raise().clock.today
        with Vertical(id="dialog", classes="dialog"):
            yield Static(_("Register arrival"), classes="dialog-title")
            with VerticalScroll():
                yield FormField(_("CPR number"), CprInput(today, id="cpr"), id="f-cpr")
                yield Static(_("Type the CPR number first."), id="citizen-card")
                with Vertical(id="new-citizen"):
                    yield FormField(
                        _("Name"),
                        Input(id="name", validators=[Check(check_name)], max_length=200),
                        id="f-name",
                    )
                    yield FormField(
                        _("Phone"),
                        Input(id="phone", validators=[Check(check_phone)], max_length=20),
                        id="f-phone",
                    )
                    yield FormField(
                        _("E-mail"),
                        Input(id="email", validators=[Check(check_email)], max_length=200),
                        id="f-email",
                    )
                    yield FormField(
                        _("Postcode"),
                        Input(id="postcode", validators=[Check(check_postcode)], max_length=4),
                        id="f-postcode",
                    )
                    yield FormField(
                        _("Interpreter language"),
                        Input(id="interpreter_language", max_length=64),
                        id="f-interpreter_language",
                    )
                    yield Checkbox(_("Needs digital help"), id="needs_digital_help", compact=True)
                yield FormField(
                    _("Benefit sought"),
                    RadioSet(*(RadioButton(label) for label in BENEFIT_LABELS), id="benefit"),
                    id="f-benefit",
                )
                yield Checkbox(
                    _("Told to apply for the benefit digitally"),
                    id="told_apply_digitally",
                    compact=True,
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
        self.query_one("#new-citizen").display = False
        self.query_one("#duplicates").display = False
        if self.draft is not None:
            restore_values(self, self.draft.values)
            if self.draft.duplicates:
                self.show_duplicates(self.draft.duplicates)
        if self.error is not None:
            self.call_after_refresh(self.show_error, self.error)
        else:
            self.query_one("#cpr", CprInput).focus()
        self.suggest_slot()

    def keep_draft(self) -> None:
        self.japp.drafts["register"] = self.current_draft()

    def current_draft(self) -> RegisterDraft:
        card = self.card if self.card is not _UNKNOWN else None
        return RegisterDraft(
            values=snapshot_values(self),
            known_citizen_id=card.id if card is not None else None,
            duplicates=self.draft.duplicates if self.draft else (),
        )

    # -- CPR lookup ----------------------------------------------------------------------------

    @on(Input.Changed, "#cpr")
    def cpr_changed(self, event: Input.Changed) -> None:
        cpr = self.query_one("#cpr", CprInput).cpr
        if cpr is None:
            self.card = _UNKNOWN
            self.looked_up_cpr = None
            self.query_one("#new-citizen").display = False
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def lookup(self, digits: str) -> None:
        from jobbutik.services import arrivals

        card = arrivals.lookup(self.ctx, digits)
        if not get_current_worker().is_cancelled:
            self.post_message(CitizenLookedUp(digits, card))

    def on_citizen_looked_up(self, message: CitizenLookedUp) -> None:
        current = self.query_one("#cpr", CprInput).cpr
        if current is None or current.digits != message.cpr:
            return  # typed on since
        self.looked_up_cpr = message.cpr
        self.card = message.card
        card_view = self.query_one("#citizen-card", Static)
        new_fields = self.query_one("#new-citizen")
        if message.card is None:
            card_view.update(_("New citizen: fill in name and contact details."))
            new_fields.display = True
        else:
            card_view.update(citizen_card_text(message.card))
            new_fields.display = False

    # -- slot ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="slot")
    def suggest_slot(self) -> None:
        from jobbutik.services import arrivals

        self.post_message(SlotSuggested(arrivals.suggest_slot(self.ctx)))

    def on_slot_suggested(self, message: SlotSuggested) -> None:
        today = self.ctx.clock.today()
        slot_input = self.query_one("#slot_date", DateInput)
        if not slot_input.value.strip():
            slot_input.set_date(message.day)
        when = _("today") if message.day == today else _("next working day")
        self.query_one("#slot-hint", Static).update(
            _("Suggested: {when}, {day}").format(when=when, day=format_date(message.day))
        )

    # -- duplicates and errors -------------------------------------------------------------------

    def show_duplicates(self, candidates: tuple[CitizenHit, ...]) -> None:
        lines = [_("Possible duplicate (same name and birth date, another CPR number):")]
        lines += [f"  {escape(c.name)}, {c.cpr_masked}, {c.age} " + _("years") for c in candidates]
        self.query_one("#duplicate-list", Static).update("\n".join(lines))
        self.query_one("#duplicates").display = True

    def show_error(self, error: BaseException) -> bool:
        candidates = getattr(error, "candidates", None)
        if candidates:
            self.draft = RegisterDraft(values=snapshot_values(self), duplicates=tuple(candidates))
            self.show_duplicates(tuple(candidates))
            self.query_one("#confirm_duplicate", Checkbox).focus()
            return True
        return super().show_error(error)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        return self.show_error(error)

    # -- save ------------------------------------------------------------------------------------

    def action_save(self) -> None:
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
            if not any(w.group == "lookup" and w.is_running for w in self.app.workers):
                self.lookup(cpr.digits)  # the last lookup failed (e.g. database busy): again
            self.notify(_("Still looking up the citizen: save again in a moment."))
            return
        if failed:
            failed[0].widget.focus()
            return
        self.dismiss(self.current_draft())


def citizen_card_text(card: CitizenCard) -> str:
    lines = [
        f"[b]{escape(card.name)}[/b]  {card.cpr_masked}  " + _("{age} years").format(age=card.age)
    ]
    if card.last_visit:
        lines.append(
            _("Last visit: {day} ({category})").format(
                day=format_date(card.last_visit), category=card.last_category or "—"
            )
        )
    else:
        lines.append(_("No earlier visit."))
    for ref in card.open_referrals:
        lines.append(
            _("Open referral: {title}, {company}; apply by {day}").format(
                title=escape(ref.title), company=escape(ref.company), day=format_date(ref.apply_by)
            )
        )
    if card.flags:
        lines.append(" · ".join(card.flags))
    return "\n".join(lines)

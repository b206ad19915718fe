"""The visitation conversation: five steps on one screen, free to move back and forth.

1 facts → 2 classification → 3 immediate activation → 4 job referrals → 5 summary. All steps stay
mounted (a ContentSwitcher shows one), so moving between them never loses input; Escape keeps a
draft the next open restores. Ctrl+S saves everything in ONE service call; a failed save keeps
every value and puts the reason at its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    ContentSwitcher,
    DataTable,
    Footer,
    Header,
    Input,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_, DataChanged, Withdraw
from jobbutik.tui.screens.base import ENTER_BINDING, BaseScreen, enter_moves_on
from jobbutik.tui.screens.forms import error_fields
from jobbutik.tui.screens.today import BENEFITS
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    check_hours,
    format_date,
    parse_hours,
    restore_values,
    show_errors,
    snapshot_values,
)
from jobbutik.tui.widgets.inputs import DateInput

if TYPE_CHECKING:
    from jobbutik.domain.rules import Proposal
    from jobbutik.services.matching import Match
    from jobbutik.services.visitation import (
        ConversationStart,
        Facts,
        SiteAvailability,
        VisitationPlan,
        VisitationResult,
    )

STEPS = (
    N_("Facts"),
    N_("Classification"),
    N_("Immediate activation"),
    N_("Job referrals"),
    N_("Summary"),
)
EDUCATION_CATEGORIES = ("uddannelsesparat", "åbenlyst uddannelsesparat")
AKTIVITETSPARAT = "aktivitetsparat"
DIGITAL_SKILLS = (("good", N_("Good")), ("some", N_("Some")), ("none", N_("None")))
# nytteindsats stays Danish in both languages.
SITE_KINDS = {
    "nytteindsats": "nytteindsats",
    "course": N_("course (anden aktør)"),
    "internship": N_("internship"),
}

# The step each field lives on: a failed save goes to the first step with an error.
FIELD_STEP = {
    "has_vocational_education": 1,
    "job_wishes": 1,
    "industries": 1,
    "hours_wanted": 1,
    "restrictions": 1,
    "digital_skills": 1,
    "category": 2,
    "override_reason": 2,
    "guidance": 2,
    "injunction": 2,
    "activation": 3,
    "start_date": 3,
    "exemption_reason": 3,
    "referrals": 4,
}


@dataclass
class ConversationDraft:
    values: dict[str, object]
    step: int
    site_id: int | None
    openings: list[int] = field(default_factory=list)
    category_touched: bool = False


class ConversationLoaded(Message):
    def __init__(self, start: ConversationStart) -> None:
        super().__init__()
        self.start = start


class ProposalReady(Message):
    def __init__(self, proposal: Proposal) -> None:
        super().__init__()
        self.proposal = proposal


class SitesLoaded(Message):
    def __init__(self, day: date, sites: list[SiteAvailability]) -> None:
        super().__init__()
        self.day = day
        self.sites = sites


class OpeningsLoaded(Message):
    def __init__(self, facts: Facts, matches: list[Match]) -> None:
        super().__init__()
        self.facts = facts
        self.matches = matches


class VisitationSaved(Message):
    def __init__(self, result: VisitationResult) -> None:
        super().__init__()
        self.result = result


class ReceiptDone(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def category_label(category: str) -> str:
    return category  # Danish domain terms stay Danish in both languages


class ConversationScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+pagedown", "next_step", "Next step", priority=True),
        Binding("ctrl+pageup", "previous_step", "Previous step", priority=True),
        Binding("ctrl+s", "save", "Save all", priority=True),
        Binding("ctrl+r", "receipt", "Receipt", priority=True),
        Binding("f9", "withdraw", "Turned at the door"),
        Binding("escape", "back", "Back (keeps input)"),
        ENTER_BINDING,
    ]

    def __init__(self, request_id: int) -> None:
        super().__init__(id="conversation")
        self.request_id = request_id
        self.start: ConversationStart | None = None
        self.step = 1
        self.proposal: Proposal | None = None
        self.category_touched = False
        self.sites: list[SiteAvailability] = []
        self.sites_day: date | None = None
        self.site_id: int | None = None
        self.matches: dict[int, Match] = {}
        self.ranked_for: Facts | None = None
        self.pending_openings: set[int] = set()
        self.result: VisitationResult | None = None
        self.saving = False
        self.draft: ConversationDraft | None = None

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Opening the conversation…"), id="conversation-citizen")
        yield Static("", id="steps")
        yield Vertical(id="conversation-holder")
        yield Footer(compact=True)

    def compose_steps(self, start: ConversationStart) -> ComposeResult:
        with ContentSwitcher(initial="step-1", id="conversation-body"):
            with VerticalScroll(id="step-1", classes="step"):
                yield Checkbox(
                    _("Has a vocational education"), id="has_vocational_education", compact=True
                )
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
                        [(_(label), value) for value, label in DIGITAL_SKILLS],
                        prompt=_("Choose"),
                        id="digital_skills",
                    ),
                    id="f-digital_skills",
                )
                yield Checkbox(_("Driving licence"), id="driving_licence", compact=True)
                yield Checkbox(
                    _("In the integration programme"), id="integration_programme", compact=True
                )
            with VerticalScroll(id="step-2", classes="step"):
                yield Static("", id="proposal", classes="reasons")
                yield FormField(
                    _("Category"),
                    RadioSet(
                        *(RadioButton(category_label(c)) for c in start.categories),
                        id="category",
                    ),
                    id="f-category",
                )
                yield FormField(
                    _("Written reason"), Input(id="override_reason"), id="f-override_reason"
                )
                yield Static("", id="reason-hint", classes="hint")
                yield Checkbox(
                    _("Provisional: review the category after {months} months").format(
                        months=self.ctx.rulebook.in_force(
                            self.ctx.clock.today()
                        ).provisional_review_months
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
                    yield Checkbox(
                        _("Referred to education guidance (uddannelsesvejledning)"),
                        id="guidance",
                        value=True,
                        compact=True,
                    )
                    yield Checkbox(
                        _("Education injunction (uddannelsespålæg) given"),
                        id="injunction",
                        value=True,
                        compact=True,
                    )
            with VerticalScroll(id="step-3", classes="step"):
                yield Static("", id="activation-note", classes="reasons")
                yield FormField(
                    _("Start date"),
                    DateInput(start.deadlines.default_activation_start, id="start_date"),
                    id="f-start_date",
                )
                yield Static(
                    _("Latest start: {day}").format(
                        day=format_date(start.deadlines.latest_activation_start)
                    ),
                    classes="hint",
                )
                yield FormField(
                    _("Free seats"),
                    DataTable(id="sites", cursor_type="row", zebra_stripes=True),
                    id="f-activation",
                )
                yield Static("", id="site-chosen", classes="hint")
                yield Checkbox(
                    _("Exempt from immediate activation (obviously pointless)"),
                    id="exempt",
                    compact=True,
                )
                yield FormField(
                    _("Reason for exemption"), Input(id="exemption_reason"), id="f-exemption_reason"
                )
            with VerticalScroll(id="step-4", classes="step"):
                yield Static(
                    _("Apply by {apply_by} and follow-up on {follow_up} (from the rules).").format(
                        apply_by=format_date(start.deadlines.apply_by),
                        follow_up=format_date(start.deadlines.follow_up_on),
                    ),
                    classes="reasons",
                )
                yield FormField(
                    _("Job openings"), SelectionList[int](id="openings"), id="f-referrals"
                )
                yield Static("", id="match-reasons")
                yield Static(_("Job-search help"), classes="field-label")
                yield Checkbox(_("CV on Jobnet"), id="help_cv", compact=True)
                yield Checkbox(_("Create an e-mail address"), id="help_email", compact=True)
                yield Checkbox(_("Help writing applications"), id="help_application", compact=True)
            with VerticalScroll(id="step-5", classes="step"):
                yield Static("", id="summary")
                yield Static("", id="save-result")

    # -- start -----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.draft = self.japp.drafts.get(("conversation", self.request_id))
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Visitation conversation"))
        self.show_steps()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="start")
    def load(self) -> None:
        from jobbutik.services import visitation

        self.post_message(ConversationLoaded(visitation.start(self.ctx, self.request_id)))

    async def on_conversation_loaded(self, message: ConversationLoaded) -> None:
        self.start = start = message.start
        card = start.citizen
        self.query_one("#conversation-citizen", Static).update(
            Content.from_markup(
                "[b]$name[/b]  $cpr  $age  $benefit",
                name=card.name,
                cpr=card.cpr_masked,
                age=_("{age} years").format(age=card.age),
                benefit=BENEFITS.get(start.benefit, start.benefit),
            )
        )
        holder = self.query_one("#conversation-holder")
        await holder.mount_compose(self.compose_steps(start))
        sites = self.query_one("#sites", DataTable)
        sites.add_column(_("Site or course"), key="name", width=30)
        sites.add_column(_("Kind"), key="kind", width=20)
        sites.add_column(_("Provider"), key="provider", width=16)
        sites.add_column(_("Hours"), key="hours", width=6)
        sites.add_column(_("Free"), key="free", width=5)
        if self.draft is not None:
            restore_values(self, self.draft.values)
            self.site_id = self.draft.site_id
            self.pending_openings = set(self.draft.openings)
            self.category_touched = self.draft.category_touched
        self.update_youth()
        self.update_exempt()
        self.refresh_proposal()
        self.load_sites()
        self.go_to(self.draft.step if self.draft else 1)

    # -- steps -----------------------------------------------------------------------------------

    def show_steps(self) -> None:
        parts = []
        for number, name in enumerate(STEPS, 1):
            label = f" {number} {_(name)} "
            parts.append(f"[reverse b]{label}[/]" if number == self.step else label)
        self.query_one("#steps", Static).update(Content.from_markup(" › ".join(parts)))

    def go_to(self, step: int) -> None:
        if self.start is None:
            return
        self.step = max(1, min(len(STEPS), step))
        self.query_one("#conversation-body", ContentSwitcher).current = f"step-{self.step}"
        self.show_steps()
        if self.step == 2:
            self.refresh_proposal()
        elif self.step == 3:
            self.update_activation_note()
        elif self.step == 4:
            self.rank_if_needed()
        elif self.step == 5:
            self.update_summary()
        self.focus_step()  # before the step is drawn: a key typed on sight lands in it

    def focus_step(self) -> None:
        step = self.query_one(f"#step-{self.step}")
        for widget in step.query("*"):
            if isinstance(widget, Widget) and widget.focusable and widget.display:
                widget.focus()
                return

    def action_next_step(self) -> None:
        self.go_to(self.step + 1)

    def action_previous_step(self) -> None:
        self.go_to(self.step - 1)

    def action_step(self, step: int) -> None:
        self.go_to(step)

    def action_next_field(self) -> None:
        self.focus_next()

    # -- step 1 → facts --------------------------------------------------------------------------

    def facts(self) -> Facts:
        from jobbutik.services.visitation import Facts

        try:
            hours = parse_hours(self.query_one("#hours_wanted", Input).value)
        except ValueError:
            hours = None
        skills = self.query_one("#digital_skills", Select)
        return Facts(
            has_vocational_education=self.query_one("#has_vocational_education", Checkbox).value,
            job_wishes=self.query_one("#job_wishes", Input).value.strip(),
            industries=tuple(
                i.strip()
                for i in self.query_one("#industries", Input).value.split(",")
                if i.strip()
            ),
            hours_wanted=hours,
            restrictions=self.query_one("#restrictions", Input).value.strip(),
            driving_licence=self.query_one("#driving_licence", Checkbox).value,
            digital_skills="" if skills.is_blank() else str(skills.value),
            integration_programme=self.query_one("#integration_programme", Checkbox).value,
        )

    # -- step 2: classification ------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="proposal")
    def refresh_proposal(self) -> None:
        from jobbutik.services import visitation

        if self.start is None:
            return
        proposal = visitation.propose(self.ctx, self.start.citizen.age, self.facts())
        self.post_message(ProposalReady(proposal))

    def on_proposal_ready(self, message: ProposalReady) -> None:
        self.proposal = proposal = message.proposal
        lines = [_("Proposal from the rules: [b]{category}[/b]").format(category=proposal.category)]
        lines += [f"• {escape(reason)}" for reason in proposal.reasons]
        self.query_one("#proposal", Static).update(Content.from_markup("\n".join(lines)))
        if not self.category_touched or self.chosen_category() is None:
            self.set_category(proposal.category)
        self.update_youth()

    def set_category(self, category: str) -> None:
        assert self.start is not None
        if category in self.start.categories:
            buttons = list(self.query_one("#category", RadioSet).query(RadioButton))
            with self.prevent(RadioSet.Changed):
                buttons[self.start.categories.index(category)].value = True

    def chosen_category(self) -> str | None:
        if self.start is None:
            return None
        index = self.query_one("#category", RadioSet).pressed_index
        return self.start.categories[index] if index >= 0 else None

    @on(RadioSet.Changed, "#category")
    def category_changed(self) -> None:
        self.category_touched = True
        self.update_youth()

    @on(Checkbox.Changed, "#has_vocational_education")
    def education_changed(self) -> None:
        self.refresh_proposal()

    def reason_needed(self) -> bool:
        category = self.chosen_category()
        if category is None or self.proposal is None:
            return False
        return category != self.proposal.category or category == AKTIVITETSPARAT

    def youth_track(self) -> bool:
        return bool(
            self.proposal
            and self.proposal.youth_track
            and self.chosen_category() in EDUCATION_CATEGORIES
        )

    def update_youth(self) -> None:
        if self.start is None:
            return
        self.query_one("#youth").display = self.youth_track()
        self.query_one("#provisional").display = self.chosen_category() == "uddannelsesparat"
        hint = self.query_one("#reason-hint", Static)
        if self.reason_needed():
            hint.update(_("A written reason is required for this category."))
        else:
            hint.update(_("A reason is only needed when you choose another category."))
        self.update_activation_note()

    # -- step 3: immediate activation ------------------------------------------------------------

    def update_activation_note(self) -> None:
        if self.start is None:
            return
        note = self.query_one("#activation-note", Static)
        if self.youth_track() and self.guided():
            note.update(
                _(
                    "Youth track: education guidance and the injunction are the offer; a site "
                    "or course is optional."
                )
            )
        else:
            note.update(
                _(
                    "Choose a site or course with a free seat on the start date (Enter), or an "
                    "exemption with a written reason."
                )
            )

    def guided(self) -> bool:
        return (
            self.query_one("#guidance", Checkbox).value
            and self.query_one("#injunction", Checkbox).value
        )

    @on(Input.Changed, "#start_date")
    def start_date_changed(self) -> None:
        self.load_sites()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sites")
    def load_sites(self) -> None:
        from jobbutik.services import visitation

        day = self.query_one("#start_date", DateInput).day
        if day is None:
            return
        sites = visitation.free_sites(self.ctx, day)
        if not get_current_worker().is_cancelled:
            self.post_message(SitesLoaded(day, sites))

    def on_sites_loaded(self, message: SitesLoaded) -> None:
        self.sites = message.sites
        self.sites_day = message.day
        table = self.query_one("#sites", DataTable)
        table.clear()
        for site in self.sites:
            table.add_row(
                site.name,
                _(SITE_KINDS.get(site.kind, site.kind)),
                site.provider,
                str(site.hours_per_week),
                str(site.free),
                key=str(site.site_id),
            )
        ids = [s.site_id for s in self.sites]
        if self.site_id is not None and self.site_id in ids:
            table.move_cursor(row=ids.index(self.site_id))
        self.show_site_choice()

    @on(DataTable.RowSelected, "#sites")
    def site_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        site_id = int(event.row_key.value)
        self.site_id = None if self.site_id == site_id else site_id
        if self.site_id is not None:
            self.query_one("#exempt", Checkbox).value = False
        self.query_one("#f-activation", FormField).set_error(None)
        self.show_site_choice()

    def chosen_site(self) -> SiteAvailability | None:
        return next((s for s in self.sites if s.site_id == self.site_id), None)

    def show_site_choice(self) -> None:
        chosen = self.query_one("#site-chosen", Static)
        site = self.chosen_site()
        if site is not None:
            chosen.update(
                _("Chosen: {site} from {day} (Enter again to undo)").format(
                    site=site.name, day=format_date(self.sites_day)
                )
            )
        elif self.site_id is not None:
            chosen.update(_("The chosen site has no free seat on this date: choose another."))
        elif not self.sites:
            chosen.update(_("No site or course has a free seat on this date."))
        else:
            chosen.update(_("No site chosen."))

    @on(Checkbox.Changed, "#exempt")
    def exempt_changed(self) -> None:
        if self.query_one("#exempt", Checkbox).value:
            self.site_id = None
            self.show_site_choice()
        self.update_exempt()

    @on(Checkbox.Changed, "#guidance, #injunction")
    def guidance_changed(self) -> None:
        self.update_activation_note()

    def update_exempt(self) -> None:
        self.query_one("#f-exemption_reason").display = self.query_one("#exempt", Checkbox).value

    # -- step 4: job referrals -------------------------------------------------------------------

    def rank_if_needed(self) -> None:
        facts = self.facts()
        if facts != self.ranked_for:
            self.pending_openings |= set(self.query_one("#openings", SelectionList).selected)
            self.rank(facts)

    @work(thread=True, exclusive=True, exit_on_error=False, group="openings")
    def rank(self, facts: Facts) -> None:
        from jobbutik.services import matching

        assert self.start is not None
        matches = matching.rank_openings(self.ctx, self.start.citizen.id, facts)
        if not get_current_worker().is_cancelled:
            self.post_message(OpeningsLoaded(facts, matches))

    def on_openings_loaded(self, message: OpeningsLoaded) -> None:
        assert self.start is not None
        self.ranked_for = message.facts
        self.matches = {m.opening_id: m for m in message.matches}
        openings = self.query_one("#openings", SelectionList)
        keep = self.pending_openings | set(openings.selected)
        openings.clear_options()
        rule_apply_by = self.start.deadlines.apply_by
        for m in message.matches:
            apply_by = min(rule_apply_by, m.apply_by)
            prompt = _("{score:>3}  {title}, {company} · {hours} h/week · apply by {day}").format(
                score=m.score,
                title=m.title,
                company=m.company,
                hours=m.hours_per_week,
                day=format_date(apply_by),
            )
            openings.add_option(Selection(Content(prompt), m.opening_id, m.opening_id in keep))
        self.pending_openings = set()
        if message.matches and openings.highlighted is None:
            openings.highlighted = 0
        if not message.matches:
            self.query_one("#match-reasons", Static).update(_("No open job openings."))
        else:
            self.show_reasons(message.matches[0].opening_id)

    @on(SelectionList.SelectionHighlighted, "#openings")
    def opening_highlighted(self, event: SelectionList.SelectionHighlighted[int]) -> None:
        self.show_reasons(event.selection.value)

    def show_reasons(self, opening_id: int) -> None:
        match = self.matches.get(opening_id)
        if match is not None:
            reasons = ", ".join(match.reasons) or _("no particular fit")
            self.query_one("#match-reasons", Static).update(
                Content(_("Why: {reasons}").format(reasons=reasons))
            )

    def chosen_openings(self) -> list[int]:
        if self.start is None:
            return []
        selected = list(self.query_one("#openings", SelectionList).selected)
        return selected + [o for o in self.pending_openings if o not in selected]

    # -- the plan and the summary ----------------------------------------------------------------

    def plan(self) -> VisitationPlan:
        from jobbutik.services.visitation import ActivationChoice, ReferralChoice, VisitationPlan

        assert self.start is not None
        exempt = self.query_one("#exempt", Checkbox).value
        start_date = self.query_one("#start_date", DateInput).day
        activation = None
        if not exempt and self.site_id is not None and start_date is not None:
            activation = ActivationChoice(self.site_id, start_date)
        youth = self.youth_track()
        return VisitationPlan(
            request_id=self.request_id,
            facts=self.facts(),
            category=self.chosen_category() or "",
            override_reason=self.query_one("#override_reason", Input).value,
            provisional=self.query_one("#provisional", Checkbox).value
            and self.chosen_category() == "uddannelsesparat",
            activation=activation,
            exempt=exempt,
            exemption_reason=self.query_one("#exemption_reason", Input).value if exempt else "",
            guidance=self.query_one("#guidance", Checkbox).value if youth else None,
            injunction=self.query_one("#injunction", Checkbox).value if youth else None,
            referrals=tuple(ReferralChoice(o) for o in self.chosen_openings()),
            help_cv=self.query_one("#help_cv", Checkbox).value,
            help_email=self.query_one("#help_email", Checkbox).value,
            help_application=self.query_one("#help_application", Checkbox).value,
        )

    def summary_lines(self) -> list[str]:
        assert self.start is not None
        start, card, plan = self.start, self.start.citizen, self.plan()
        yes, no = _("yes"), _("no")
        facts = plan.facts
        lines = [
            _("[b]Citizen[/b]: {name}, {cpr}, {age} years").format(
                name=escape(card.name), cpr=card.cpr_masked, age=card.age
            ),
            _(
                "[b]Facts[/b]: vocational education {edu}; wishes: {wishes}; industries: {ind}; "
                "hours: {hours}; skånehensyn: {restr}; driving licence {lic}"
            ).format(
                edu=yes if facts.has_vocational_education else no,
                wishes=escape(facts.job_wishes) or "—",
                ind=escape(", ".join(facts.industries)) or "—",
                hours=facts.hours_wanted or "—",
                restr=escape(facts.restrictions) or "—",
                lic=yes if facts.driving_licence else no,
            ),
        ]
        proposed = self.proposal.category if self.proposal else "—"
        category = plan.category or "—"
        line = _("[b]Category[/b]: {category} (proposed: {proposed})").format(
            category=category, proposed=proposed
        )
        if plan.override_reason.strip():
            line += " — " + escape(plan.override_reason.strip())
        lines.append(line)
        if plan.provisional:
            lines.append(
                _("Provisional: review on {day}").format(
                    day=format_date(start.deadlines.category_review)
                )
            )
        if self.youth_track():
            lines.append(
                _("[b]Youth track[/b]: education guidance {g}; education injunction {i}").format(
                    g=yes if plan.guidance else no, i=yes if plan.injunction else no
                )
            )
        site = self.chosen_site()
        if plan.exempt:
            lines.append(
                _("[b]Immediate activation[/b]: exempt — {reason}").format(
                    reason=escape(plan.exemption_reason.strip()) or "—"
                )
            )
        elif plan.activation is not None and site is not None:
            lines.append(
                _("[b]Immediate activation[/b]: {site} from {day}").format(
                    site=escape(site.name), day=format_date(plan.activation.start_date)
                )
            )
        else:
            lines.append(_("[b]Immediate activation[/b]: none chosen"))
        if plan.referrals:
            lines.append(_("[b]Job referrals[/b]:"))
            for choice in plan.referrals:
                m = self.matches.get(choice.opening_id)
                if m is None:
                    continue
                lines.append(
                    "  • "
                    + _("{title}, {company}: apply by {day}, follow-up {follow}").format(
                        title=escape(m.title),
                        company=escape(m.company),
                        day=format_date(min(start.deadlines.apply_by, m.apply_by)),
                        follow=format_date(start.deadlines.follow_up_on),
                    )
                )
        else:
            lines.append(_("[b]Job referrals[/b]: none"))
        helps = [
            label
            for flag, label in (
                (plan.help_cv, _("CV on Jobnet")),
                (plan.help_email, _("e-mail address")),
                (plan.help_application, _("applications")),
            )
            if flag
        ]
        lines.append(
            _("[b]Job-search help[/b]: {help}").format(help=", ".join(helps) if helps else "—")
        )
        if plan.category and self.ctx.rulebook.in_force(self.ctx.clock.today()).cv_required(
            plan.category
        ):
            lines.append(
                _("[b]CV on Jobnet by[/b]: {day}").format(
                    day=format_date(start.deadlines.cv_deadline)
                )
            )
        return lines

    def update_summary(self) -> None:
        if self.start is None:
            return
        self.query_one("#summary", Static).update(
            Content.from_markup("\n".join(self.summary_lines()))
        )
        result = self.query_one("#save-result", Static)
        if self.result is not None:
            result.update(_("Saved. Ctrl+R prints the citizen's receipt; Escape goes back."))
        else:
            result.update(_("Ctrl+S saves everything at once."))

    # -- save ------------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.start is None or self.saving:
            return
        if self.result is not None:
            self.notify(_("This conversation is already saved."))
            return
        errors: dict[str, str] = {}
        hours_field = self.query_one("#f-hours_wanted", FormField)
        if not hours_field.check():
            errors["hours_wanted"] = hours_field.error
        start_field = self.query_one("#f-start_date", FormField)
        if self.site_id is not None and not self.query_one("#exempt", Checkbox).value:
            if not start_field.check():
                errors["start_date"] = start_field.error
            elif self.chosen_site() is None:
                errors["activation"] = _(
                    "The chosen site has no free seat on this date: choose another."
                )
        if self.chosen_category() is None:
            errors["category"] = _("Choose a category.")
        if errors:
            self.show_field_errors(errors)
            return
        self.clear_errors()
        self.saving = True
        self.save(self.plan())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def save(self, plan: VisitationPlan) -> None:
        from jobbutik.services import visitation

        self.post_message(VisitationSaved(visitation.complete(self.ctx, plan)))

    def on_visitation_saved(self, message: VisitationSaved) -> None:
        self.saving = False
        self.result = message.result
        self.japp.drafts.pop(("conversation", self.request_id), None)
        self.notify(_("The visitation is saved."), title=_("Saved"))
        self.post_message(DataChanged("visitation", message.result))
        self.go_to(5)

    def clear_errors(self) -> None:
        for form_field in self.query(FormField):
            form_field.set_error(None)

    def show_field_errors(self, errors: dict[str, str]) -> None:
        self.clear_errors()
        shown = show_errors(self, errors)
        steps = [FIELD_STEP.get(name, 5) for name in errors]
        if steps:
            self.go_to(min(steps))
        if shown:
            target = next(
                (f for f in shown if FIELD_STEP.get(_field_name(f), 5) == self.step), shown[0]
            )
            self.call_after_refresh(target.widget.focus)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        if worker.group == "save":
            self.saving = False
            errors = error_fields(error)
            if errors:
                self.show_field_errors(errors)
                return True
            self.query_one("#save-result", Static).update(
                _("Not saved: {reason}").format(reason=str(error))
            )
        elif worker.group == "start":
            self.query_one("#conversation-citizen", Static).update(str(error))
        return False

    # -- receipt, withdrawal, back ---------------------------------------------------------------

    def action_receipt(self) -> None:
        if self.result is None:
            self.notify(_("Save the conversation first (Ctrl+S); then print the receipt."))
            return
        self.print_receipt(self.result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="receipt")
    def print_receipt(self, result: VisitationResult) -> None:
        from jobbutik.tui.screens.receipt import write_receipt

        self.post_message(ReceiptDone(write_receipt(self.ctx, result)))

    def on_receipt_done(self, message: ReceiptDone) -> None:
        self.notify(message.text, title=_("Receipt"), timeout=12)

    def action_withdraw(self) -> None:
        if self.result is not None:
            self.notify(_("The conversation is saved; it can no longer be withdrawn here."))
            return
        name = self.start.citizen.name if self.start else ""
        self.post_message(Withdraw(self.request_id, name))

    def keep_draft(self) -> None:
        if self.start is None or self.result is not None:
            return
        self.japp.drafts[("conversation", self.request_id)] = ConversationDraft(
            values=snapshot_values(self.query_one("#conversation-body")),
            step=self.step,
            site_id=self.site_id,
            openings=self.chosen_openings(),
            category_touched=self.category_touched,
        )

    def action_back(self) -> None:
        self.keep_draft()
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return enter_moves_on(self)
        if action == "receipt":
            return True if self.result is not None else None
        if action == "save":
            return None if self.result is not None else True
        if action == "withdraw":
            return self.japp.allowed("withdraw") and self.result is None
        return True


def _field_name(form_field: FormField) -> str:
    return (form_field.id or "").removeprefix("f-")

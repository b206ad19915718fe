"""The visitation conversation: five steps on one screen, free to move back and forth.

1 facts → 2 classification → 3 immediate activation → 4 job referrals → 5 summary; each step is a
widget in its own module that owns its fields and returns its part of the plan. All steps stay
mounted (a ContentSwitcher shows one), so moving between them never loses input; Escape keeps a
draft the next open restores. Ctrl+S saves everything in ONE service call; a refused save keeps
every value and puts the reason at its field.

Opening the conversation claims the citizen for this desk (`visitation.start`); the screen says it
is still there every so often (`claims.heartbeat`) and lets go when it closes unsaved
(`claims.release`): the citizen waits again on every board, and the draft stays with its author.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Header, RadioSet, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from jobbutik.domain.errors import ClaimHeld, ClaimLost, JobbutikError
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.text import visible
from jobbutik.domain.vocabulary import Benefit
from jobbutik.tui.conversation.activation import ActivationDraft, ActivationStep
from jobbutik.tui.conversation.classification import ClassificationDraft, ClassificationStep
from jobbutik.tui.conversation.facts import FactsStep
from jobbutik.tui.conversation.parts import PlanParts
from jobbutik.tui.conversation.referrals import ReferralsDraft, ReferralsStep
from jobbutik.tui.conversation.summary import SummaryStep, summary_lines
from jobbutik.tui.drafts import DraftKey, KeepsDraft
from jobbutik.tui.messages import DataChanged, Withdraw
from jobbutik.tui.screens.base import ENTER_BINDING, BaseScreen, enter_moves_on
from jobbutik.tui.screens.forms import error_fields
from jobbutik.tui.widgets.fields import FormField, keys_handled, show_errors
from jobbutik.tui.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from jobbutik.domain.rules import RuleSet
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.visitation import ConversationStart, VisitationPlan, VisitationResult

STEPS = (
    N_("Facts"),
    N_("Classification"),
    N_("Immediate activation"),
    N_("Job referrals"),
    N_("Summary"),
)

# The step each field lives on: a refused save goes to the first step with an error.
FIELD_STEP = {
    "has_qualifying_education": 1,
    "job_wishes": 1,
    "industries": 1,
    "hours_wanted": 1,
    "restrictions": 1,
    "digital_skills": 1,
    "driving_licence": 1,
    "integration_programme": 1,
    "category": 2,
    "override_reason": 2,
    "guidance": 2,
    "injunction": 2,
    "injunction_goal": 2,
    "injunction_deadline": 2,
    "activation": 3,
    "start_date": 3,
    "exemption_reason": 3,
    "referrals": 4,
}


@dataclass
class ConversationDraft:
    """What the draft store keeps (as `dataclasses.asdict`: plain JSON data)."""

    step: int
    facts: dict[str, object]
    classification: ClassificationDraft
    activation: ActivationDraft
    referrals: ReferralsDraft
    summary: dict[str, object]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ConversationDraft:
        return cls(
            step=int(data["step"]),
            facts=dict(data["facts"]),
            classification=ClassificationDraft(**data["classification"]),
            activation=ActivationDraft(**data["activation"]),
            referrals=ReferralsDraft(**data["referrals"]),
            summary=dict(data["summary"]),
        )


def draft_key(request_id: int) -> DraftKey[dict[str, Any]]:
    return DraftKey("conversation", request_id)


class ConversationScreen(BaseScreen, KeepsDraft):
    CSS_PATH = Path(__file__).with_name("conversation.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+pagedown", "next_step", "Next step", priority=True),
        Binding("ctrl+pageup", "previous_step", "Previous step", priority=True),
        Binding("ctrl+s", "save", "Save all", priority=True),
        # F9 before Ctrl+R: at 80 columns the footer has room for one of them; F9 goes at the
        # save, Ctrl+R (dimmed until then) takes its place.
        Binding("f9", "withdraw", "Turned at the door"),
        Binding("ctrl+r", "receipt", "Receipt", priority=True),
        Binding("escape", "back", "Back (keeps input)"),
        ENTER_BINDING,
    ]

    def __init__(self, request_id: int) -> None:
        super().__init__(id="conversation")
        self.request_id = request_id
        self.start: ConversationStart | None = None
        self.ruleset: RuleSet | None = None
        self.step = 1
        self.result: VisitationResult | None = None
        self.saving = False
        self.draft_key = draft_key(request_id)
        self.claimed = False  # this desk holds the claim (until saved or let go)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Opening the conversation…"), id="conversation-citizen")
        yield Static("", id="steps")
        yield Vertical(id="conversation-holder")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Visitation conversation"))
        self.show_steps()
        self.load()

    @work(exclusive=True, group="start")
    async def load(self) -> None:
        from jobbutik.services import claims, visitation

        ctx, request_id = self.ctx, self.request_id
        await self.japp.claim_released(request_id)  # this desk's last release first, not after
        opening = asyncio.ensure_future(asyncio.to_thread(visitation.start, ctx, request_id))
        try:
            start = await asyncio.shield(opening)
        except asyncio.CancelledError:
            # Closed while opening: the citizen is claimed all the same; the app (this screen is
            # going) lets go once it is.
            self.japp.release_claim(request_id, lambda: claims.release(ctx, request_id), opening)
            raise
        except ClaimHeld as held:  # another desk has the citizen: not opened here
            self.japp.dismiss_screen(self)
            self.app.notify(str(held), severity="warning", markup=False)
            return
        except JobbutikError as error:
            self.query_one("#conversation-citizen", Static).update(Content(str(error)))
            if not await asyncio.to_thread(_still_open, ctx, request_id):
                self.japp.drafts.drop(self.draft_key)  # saved or closed: nothing left to reopen
            raise  # and the app's one notice
        self.claimed = True
        self.set_interval(claims.HEARTBEAT_SECONDS, self.heartbeat)
        card = start.citizen
        self.ruleset = ctx.rulebook.in_force(ctx.clock.today())
        self.query_one("#conversation-citizen", Static).update(
            Content.from_markup(
                "[b]$name[/b]  $cpr  $age  $benefit",
                name=visible(card.name),
                cpr=card.cpr_masked,
                age=_("{age} years").format(age=card.age),
                benefit=Benefit.label_of(start.benefit),
            )
        )
        await self.query_one("#conversation-holder").mount(
            ContentSwitcher(
                FactsStep(start.first_contact_on, id="step-1", classes="step"),
                ClassificationStep(
                    self.ruleset,
                    card.age,
                    start.deadlines.final_visitation,
                    id="step-2",
                    classes="step",
                ),
                ActivationStep(
                    ctx,
                    start.deadlines,
                    self.ruleset.activation_for_all,
                    id="step-3",
                    classes="step",
                ),
                ReferralsStep(ctx, card.id, start.deadlines, id="step-4", classes="step"),
                SummaryStep(id="step-5", classes="step"),
                initial="step-1",
                id="conversation-body",
            )
        )
        self.start = start  # the steps are there: keys may move between them now
        draft = self.kept_draft()
        if draft is not None:
            self.restore(draft)
        elif start.previous is not None:
            self.facts_step.prefill(start.previous)
        self.classification_step.propose(self.facts_step.facts())
        sites = self.activation_step.load_sites()
        self.go_to(draft.step if draft else 1)
        if draft is not None:  # the summary names the chosen site and openings: read them now
            ranked = self.referrals_step.rank(self.facts_step.facts())
            self.show_summary_after(sites, ranked)
        self.draft_opened()

    # -- the steps -------------------------------------------------------------------------------

    @property
    def facts_step(self) -> FactsStep:
        return self.query_one(FactsStep)

    @property
    def classification_step(self) -> ClassificationStep:
        return self.query_one(ClassificationStep)

    @property
    def activation_step(self) -> ActivationStep:
        return self.query_one(ActivationStep)

    @property
    def referrals_step(self) -> ReferralsStep:
        return self.query_one(ReferralsStep)

    def parts(self) -> PlanParts:
        """The plan as the steps hold it now (UI thread)."""
        return PlanParts(
            facts=self.facts_step.facts(),
            classification=self.classification_step.classification(),
            activation=self.activation_step.activation(),
            referrals=self.referrals_step.referrals(),
            rights_guidance=self.query_one(SummaryStep).rights_guidance(),
        )

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
            self.classification_step.propose(self.facts_step.facts())
        elif self.step == 4:
            self.referrals_step.rank_if_needed(self.facts_step.facts())
        elif self.step == 5:
            self.show_summary()
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

    # -- what one step's fields mean for another -------------------------------------------------

    @on(RadioSet.Changed, "#has_qualifying_education, #integration_programme")
    def group_changed(self) -> None:
        """The target group follows these answers: the categories offered follow at once."""
        self.classification_step.propose(self.facts_step.facts())

    def show_summary(self) -> None:
        assert self.start is not None and self.ruleset is not None
        self.query_one(SummaryStep).show(
            summary_lines(self.start, self.parts(), self.ruleset), saved=self.result is not None
        )

    @work(group="summary")
    async def show_summary_after(self, *loads: Worker[None]) -> None:
        """The summary again once the free sites and the ranked openings have arrived (a draft
        restored at step 5 shows its summary before they are read)."""
        for load in loads:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await load.wait()
        if self.step == 5:
            self.show_summary()

    # -- save ------------------------------------------------------------------------------------

    async def action_save(self) -> None:
        if self.start is None or self.saving:
            return
        await keys_handled(self)  # the keys typed before Ctrl+S are in their fields first
        if self.result is not None:
            self.notify(_("This conversation is already saved."))
            return
        errors = {
            **self.facts_step.errors(),
            **self.activation_step.errors(),
            **self.classification_step.errors(),
        }
        if errors:
            self.show_field_errors(errors)
            return
        self.clear_errors()
        self.keep_draft()  # kept until saved: a failure of any kind loses nothing typed
        self.saving = True
        self.save(self.parts().plan(self.request_id))

    @work(exclusive=True, group="save")
    async def save(self, plan: VisitationPlan) -> None:
        from jobbutik.services import visitation

        try:
            result = await asyncio.to_thread(visitation.complete, self.ctx, plan)
        except JobbutikError as error:
            self.refused(error)
            raise  # and the app's one notice
        finally:
            self.saving = False
        self.result = result
        self.claimed = False  # the save ended the claim with the conversation
        self.draft_done()
        self.notify(_("The visitation is saved."), title=_("Saved"))
        self.post_message(DataChanged("visitation", result))
        self.go_to(5)

    def refused(self, error: JobbutikError) -> None:
        """Each reason at its field (on the first step with one), or on the summary."""
        errors = error_fields(error)
        if errors:
            self.show_field_errors(errors)
            return
        if isinstance(error, ClaimLost):
            self.claimed = False
        self.go_to(5)
        self.query_one(SummaryStep).show_result(_("Not saved: {reason}").format(reason=str(error)))

    def clear_errors(self) -> None:
        for form_field in self.query(FormField):
            form_field.set_error(None)

    def show_field_errors(self, errors: dict[str, str]) -> None:
        self.clear_errors()
        shown = show_errors(self, errors)
        self.go_to(min(FIELD_STEP.get(name, 5) for name in errors))
        if shown:
            target = next(
                (f for f in shown if FIELD_STEP.get(_field_name(f), 5) == self.step), shown[0]
            )
            self.call_after_refresh(target.widget.focus)

    # -- receipt, withdrawal, back ---------------------------------------------------------------

    def action_receipt(self) -> None:
        if self.result is None:
            self.notify(_("Save the conversation first (Ctrl+S); then print the receipt."))
            return
        from jobbutik.tui.receipt import print_receipt

        print_receipt(self.app, self.ctx, self.result.visitation_id)

    def action_withdraw(self) -> None:
        if self.result is not None:
            self.notify(_("The conversation is saved; it can no longer be withdrawn here."))
            return
        name = self.start.citizen.name if self.start else ""
        self.post_message(Withdraw(self.request_id, name))

    def draft(self) -> ConversationDraft | None:
        if self.start is None or self.result is not None:
            return None
        return ConversationDraft(
            step=self.step,
            facts=self.facts_step.snapshot(),
            classification=self.classification_step.snapshot(),
            activation=self.activation_step.snapshot(),
            referrals=self.referrals_step.snapshot(),
            summary=self.query_one(SummaryStep).snapshot(),
        )

    def draft_title(self) -> str:
        return _("Conversation: {name}").format(name=self.citizen_name)

    def leave_question(self) -> str:
        return _("Leave the conversation with {name}?").format(name=self.citizen_name)

    @property
    def citizen_name(self) -> str:
        return self.start.citizen.name if self.start is not None else ""

    def work_of(self, data: Any) -> Any:
        # Moving between the steps is not work to keep, nor the order the openings are listed
        # in, nor the category's radio button (it follows the chosen category a moment later).
        if not isinstance(data, dict):
            return data
        work = {k: v for k, v in data.items() if k != "step"}
        referrals = dict(work["referrals"])
        referrals["opening_ids"] = sorted(referrals["opening_ids"])
        classification = dict(work["classification"])
        classification["values"] = {
            k: v for k, v in classification["values"].items() if k != "category"
        }
        return {**work, "referrals": referrals, "classification": classification}

    # Choosing a site (Enter on its row) is a change like typing.
    on_data_table_row_selected = KeepsDraft._autosave_soon

    def kept_draft(self) -> ConversationDraft | None:
        kept = self.japp.drafts.get(self.draft_key)
        if kept is None:
            return None
        try:
            return ConversationDraft.from_data(kept)
        except (KeyError, TypeError, ValueError):  # kept by an older version of the program
            self.notify(
                _("The draft kept for this conversation could not be read: it starts afresh."),
                severity="warning",
            )
            return None

    def restore(self, draft: ConversationDraft) -> None:
        self.facts_step.restore(draft.facts)
        self.classification_step.restore(draft.classification)
        self.activation_step.restore(draft.activation)
        self.referrals_step.restore(draft.referrals)
        self.query_one(SummaryStep).restore(draft.summary)

    def action_back(self) -> None:
        # A save under way commits whatever happens to its worker: its ending must run here.
        if self.japp.busy_saving():
            return
        self.keep_draft()
        self.dismiss()

    # -- the claim -------------------------------------------------------------------------------

    @work(exclusive=True, group="heartbeat")
    async def heartbeat(self) -> None:
        from jobbutik.services import claims

        if not self.claimed or self.result is not None:
            return
        if await asyncio.to_thread(claims.heartbeat, self.ctx, self.request_id):
            return
        self.claimed = False
        text = _(
            "Another desk has this conversation now (or it was released): saving is refused; "
            "your input is kept as a draft."
        )
        self.query_one("#conversation-citizen", Static).update(Content(text))
        self.notify(text, severity="warning", timeout=12)

    def let_go(self) -> Callable[[], None] | None:
        """Give up the claim (closing unsaved): the work that releases it, for the caller to run
        (the app awaits it when quitting); None when there is nothing to release."""
        from jobbutik.services import claims

        if not self.claimed or self.result is not None:
            return None
        self.claimed = False
        ctx, request_id = self.ctx, self.request_id
        return lambda: claims.release(ctx, request_id)

    def on_unmount(self) -> None:
        # Closed unsaved, by Escape, a section key or another conversation opened: the citizen
        # waits again. The app runs it: this screen's own workers end with it.
        release = self.let_go()
        if release is not None:
            self.japp.release_claim(self.request_id, release)

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


def _still_open(ctx: ServiceContext, request_id: int) -> bool:
    """Whether the request can still be opened (True when that cannot be read now)."""
    from jobbutik.services import claims

    try:
        return request_id in claims.open_requests(ctx, {request_id})
    except JobbutikError:
        return True


def _field_name(form_field: FormField) -> str:
    return (form_field.id or "").removeprefix("f-")

"""The Textual app: global bindings, the command palette, screen routing and the one place that
handles worker failures.

Start-up: the Today screen paints first; then a thread worker imports the database layer and the
services, opens the database (upgrading the schema), builds the ServiceContext and posts
`ContextReady`. Nothing here imports SQLAlchemy, SQLModel, `jobbutik.store` or the services at
module level — a test checks that.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, set_language
from jobbutik.tui.messages import (
    COMMAND_BY_ACTION,
    COMMANDS,
    Command,
    ContextFailed,
    ContextReady,
    DataChanged,
    OpenCitizen,
    OpenSearch,
    OpenToday,
    RegisterArrival,
    StartConversation,
    Withdraw,
)
from jobbutik.tui.screens.base import translate_bindings
from jobbutik.tui.screens.today import TodayScreen

if TYPE_CHECKING:
    from jobbutik.domain.clock import Clock
    from jobbutik.services.config import Settings
    from jobbutik.services.context import ServiceContext
    from jobbutik.store.db import Database
    from jobbutik.tui.screens.register import RegisterDraft
    from jobbutik.tui.screens.withdraw import WithdrawDraft

log = logging.getLogger("jobbutik.tui")


class JobbutikCommands(Provider):
    """The palette lists the commands the user's role allows on the screen at hand."""

    def _commands(self) -> Iterator[Command]:
        app = self.app
        assert isinstance(app, JobbutikApp)
        yield from app.available_commands(self.screen)

    async def discover(self) -> Hits:
        app = self.app
        assert isinstance(app, JobbutikApp)
        for command in self._commands():
            yield DiscoveryHit(
                _(command.title),
                partial(app.run_command, command, self.screen),
                help=_(command.help),
            )

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, JobbutikApp)
        matcher = self.matcher(query)
        for command in self._commands():
            title = _(command.title)
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(app.run_command, command, self.screen),
                    help=_(command.help),
                )


class JobbutikApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Jobbutik"
    COMMANDS: ClassVar = App.COMMANDS | {JobbutikCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "register", "Register arrival"),
        Binding("f3", "search", "Search"),
        Binding("f4", "today", "Today"),
        Binding("f12", "reports", "Reports"),
        Binding("ctrl+f", "follow_ups", "Follow-ups"),
        Binding("ctrl+o", "new_opening", "New job opening"),
        Binding("ctrl+b", "companies", "Companies"),
        Binding("ctrl+t", "sites", "Activation sites"),
        Binding("ctrl+g", "staff", "Staff"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        database: Database | None = None,
        clock: Clock | None = None,
    ) -> None:
        set_language(settings.lang)
        super().__init__()
        translate_bindings(self)
        self.settings = settings
        self._database = database
        self._clock = clock
        self.context: ServiceContext | None = None
        self.permissions: frozenset[str] = frozenset()
        self.startup_error: str | None = None
        # What forms hold when closed with Escape or after a failed save, restored on next open.
        self.drafts: dict[Any, Any] = {}
        self.today_screen = TodayScreen()
        self._pending_withdrawal: WithdrawDraft | None = None

    # -- start-up ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(self.today_screen)
        self.call_after_refresh(self.open_database)

    @work(thread=True, exit_on_error=False, group="startup")
    def open_database(self) -> None:
        from jobbutik.services.config import build_context

        def tell(text: str) -> None:
            self.call_from_thread(self.notify, text, timeout=10)

        ctx = build_context(self.settings, self._database, notify=tell)
        if self._clock is not None:
            ctx.clock = self._clock
        ctx.staff()
        self.post_message(ContextReady(ctx))

    def on_context_ready(self, message: ContextReady) -> None:
        self.context = message.context
        self.permissions = frozenset(str(p) for p in message.context.staff().permissions)
        self.today_screen.context_ready()
        self.screen.refresh_bindings()

    def on_context_failed(self, message: ContextFailed) -> None:
        self.startup_error = message.reason
        self.today_screen.context_failed(message.reason)

    def header_text(self, section: str) -> str:
        parts = [section]
        if self.context is not None:
            staff = self.context.staff()
            parts.append(self.context.clock.today().strftime("%d.%m.%Y"))
            parts.append(staff.initials.upper())
        return " · ".join(parts)

    # -- worker failures: the one place -----------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.worker_failed(self, event.worker)

    def worker_failed(self, node: DOMNode, worker: Worker[Any]) -> None:
        """A worker failed: say why in one line; the node (a form) may also show it at its field.

        Nothing typed is lost: forms keep their values, and a failed save reopens its form."""
        error = worker.error
        if error is None:  # pragma: no cover - a failed worker always has one
            return
        if isinstance(error, JobbutikError):
            reason = str(error)
        else:
            log.error("worker %s failed", worker.name, exc_info=error)
            reason = _("Unexpected error: {error}").format(error=f"{type(error).__name__}: {error}")
        if node is self:
            self.own_worker_failed(worker, error, reason)
        else:
            hook = getattr(node, "worker_failed", None)
            if hook is not None:
                hook(worker, error)
        self.notify(reason, title=_("Not done"), severity="error", timeout=8)

    def own_worker_failed(self, worker: Worker[Any], error: BaseException, reason: str) -> None:
        if worker.group == "startup":
            self.post_message(ContextFailed(reason))
        elif worker.group == "save_arrival":
            pending = self.drafts.get("register")
            self.open_register(pending, error)
        elif worker.group == "withdraw":
            pending = self._pending_withdrawal
            if pending is not None:
                self._open_withdraw(pending.request_id, pending.citizen_name, error)

    # -- permissions and the palette -------------------------------------------------------------

    def allowed(self, action: str) -> bool:
        command = COMMAND_BY_ACTION.get(action)
        if command is None or command.permission is None:
            return True
        return command.permission in self.permissions

    def available_commands(self, screen: DOMNode) -> Iterator[Command]:
        for command in COMMANDS:
            if not self.allowed(command.action):
                continue
            target = self._command_target(command, screen)
            if target is None:
                continue
            check = getattr(target, "check_action", None)
            if check is not None and check(command.action, ()) is not True:
                continue
            yield command

    def _command_target(self, command: Command, screen: DOMNode) -> DOMNode | None:
        if hasattr(screen, f"action_{command.action}"):
            return screen
        if hasattr(self, f"action_{command.action}"):
            return self
        return None

    async def run_command(self, command: Command, screen: DOMNode) -> None:
        target = self._command_target(command, screen)
        if target is not None:
            await self.run_action(command.action, target)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"follow_ups", "new_opening", "companies", "sites", "staff"}:
            return self.context is not None and self.allowed(action)
        if action in {"register", "search", "today", "reports"}:
            return self.context is not None and self.allowed(action)
        return True

    # -- global commands -------------------------------------------------------------------------

    def action_register(self) -> None:
        self.post_message(RegisterArrival())

    def action_search(self) -> None:
        self.post_message(OpenSearch())

    def action_today(self) -> None:
        self.post_message(OpenToday())

    def action_reports(self) -> None:
        from jobbutik.tui.screens.reports import ReportsScreen

        if not isinstance(self.screen, (ReportsScreen, *_modal_types())):
            self.push_screen(ReportsScreen())

    def action_follow_ups(self) -> None:
        from jobbutik.tui.screens.followups import open_follow_ups

        open_follow_ups(self)

    def action_new_opening(self) -> None:
        from jobbutik.tui.screens.openings import open_new_opening

        open_new_opening(self)

    def action_companies(self) -> None:
        from jobbutik.tui.screens.companies import open_companies

        open_companies(self)

    def action_sites(self) -> None:
        from jobbutik.tui.screens.sites import open_sites

        open_sites(self)

    def action_staff(self) -> None:
        from jobbutik.tui.screens.staff import open_staff

        open_staff(self)

    def on_open_today(self, _message: OpenToday) -> None:
        while len(self.screen_stack) > 2 and self.screen is not self.today_screen:
            self.pop_screen()
        self.today_screen.action_refresh()

    def on_register_arrival(self, _message: RegisterArrival) -> None:
        if isinstance(self.screen, _modal_types()):
            return
        self.open_register(self.drafts.get("register"))

    def open_register(
        self, draft: RegisterDraft | None, error: BaseException | None = None
    ) -> None:
        from jobbutik.tui.screens.register import RegisterForm

        self.push_screen(RegisterForm(draft, error), self._register_closed)

    def _register_closed(self, result: RegisterDraft | None) -> None:
        if result is None:
            return  # Escape: the form kept its draft in self.drafts
        self.drafts["register"] = result
        self.save_arrival(result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save_arrival")
    def save_arrival(self, draft: RegisterDraft) -> None:
        from jobbutik.services import arrivals

        result = arrivals.register_arrival(self.context_or_raise(), draft.to_form())
        self.call_from_thread(self._arrival_saved, result)

    def _arrival_saved(self, result: Any) -> None:
        self.drafts.pop("register", None)
        self.notify(
            _("{name} is registered; visitation {day}.").format(
                name=result.citizen_name, day=result.slot_date.strftime("%d.%m.%Y")
            ),
            title=_("Saved"),
        )
        self.post_message(DataChanged("arrival", result))

    def on_data_changed(self, message: DataChanged) -> None:
        if message.what == "arrival":
            # The new arrival is selected: Register, then F6 starts the conversation.
            self.today_screen.select_next = message.detail.request_id
        self.today_screen.action_refresh()

    def on_open_search(self, _message: OpenSearch) -> None:
        from jobbutik.tui.screens.search import SearchScreen

        if isinstance(self.screen, SearchScreen):
            return
        if isinstance(self.screen, _modal_types()):
            return
        self.push_screen(SearchScreen())

    def on_open_citizen(self, message: OpenCitizen) -> None:
        from jobbutik.tui.screens.citizen import CitizenScreen

        self.push_screen(CitizenScreen(message.citizen_id))

    def on_start_conversation(self, message: StartConversation) -> None:
        from jobbutik.tui.screens.conversation import ConversationScreen

        if not self.allowed("start_conversation"):
            self.notify(_("Your role cannot hold visitation conversations."), severity="warning")
            return
        self.push_screen(ConversationScreen(message.request_id))

    def on_withdraw(self, message: Withdraw) -> None:
        self._open_withdraw(message.request_id, message.citizen_name)

    def _open_withdraw(
        self, request_id: int, citizen_name: str, error: BaseException | None = None
    ) -> None:
        from jobbutik.tui.screens.withdraw import WithdrawForm

        self.push_screen(
            WithdrawForm(
                request_id, citizen_name, self.drafts.get(("withdraw", request_id)), error
            ),
            self._withdraw_closed,
        )

    def _withdraw_closed(self, result: WithdrawDraft | None) -> None:
        if result is None:
            return
        self.drafts[("withdraw", result.request_id)] = result
        self._pending_withdrawal = result
        self.save_withdrawal(result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="withdraw")
    def save_withdrawal(self, draft: WithdrawDraft) -> None:
        from jobbutik.services import visitation

        visitation.withdraw(self.context_or_raise(), draft.request_id, draft.reason, draft.note)
        self.call_from_thread(self._withdrawal_saved, draft)

    def _withdrawal_saved(self, draft: WithdrawDraft) -> None:
        from jobbutik.tui.screens.conversation import ConversationScreen

        self.drafts.pop(("withdraw", draft.request_id), None)
        self.drafts.pop(("conversation", draft.request_id), None)
        screen = self.screen
        if isinstance(screen, ConversationScreen) and screen.request_id == draft.request_id:
            self.pop_screen()
        self.notify(_("The application is withdrawn (turned at the door)."), title=_("Saved"))
        self.post_message(DataChanged("withdrawal", draft.request_id))

    def context_or_raise(self) -> ServiceContext:
        if self.context is None:
            raise JobbutikError(_("The database is still opening: try again in a moment."))
        return self.context


def _modal_types() -> tuple[type, ...]:
    from textual.screen import ModalScreen

    return (ModalScreen,)


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> JobbutikApp:
    """The one factory for the command line and the tests.

    `settings` carries the database URL, the user, today's date and the language; tests may pass an
    open `database` and a `clock` with a fixed time of day."""
    return JobbutikApp(settings, database=database, clock=clock)

"""The Textual app: global bindings, start-up, the command palette and the commands that open
forms. Its sections (one Textual mode each) are in tui/sections.py; what goes wrong is handled in
one place, tui/crash.py.

Start-up: the Today screen paints first; then a worker imports the database layer and the
services, opens the database (upgrading the schema), builds the ServiceContext (the user known)
and reads the board, whose rows are shown at once; the drafts, the follow-ups due, the planner
statistics and the audit anchor follow (`after_start`). Nothing here imports SQLAlchemy, SQLModel,
`jobbutik.store` or the services at module level — a test checks it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.content import Content
from textual.dom import DOMNode
from textual.notifications import Notify, SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, set_language
from jobbutik.domain.text import visible
from jobbutik.tui.commands import JobbutikCommands, Palette
from jobbutik.tui.crash import CRASH_LINE, CrashHandling, crash_log_path
from jobbutik.tui.drafts import DraftKey, DraftStore, KeepsDraft, KeptDraft
from jobbutik.tui.messages import (
    COMMAND_BY_ACTION,
    COMMANDS,
    Command,
    DataChanged,
    OpenCitizen,
    StartConversation,
    Withdraw,
)
from jobbutik.tui.screens.base import translate_bindings
from jobbutik.tui.screens.confirm import ConfirmModal
from jobbutik.tui.screens.drafts import REOPEN, DraftsScreen
from jobbutik.tui.widgets.reminders import Reminders

if TYPE_CHECKING:
    from jobbutik.domain.clock import Clock
    from jobbutik.services.arrivals import ArrivalResult
    from jobbutik.services.config import Settings
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.drafts import SavedDraft
    from jobbutik.store.db import Database
    from jobbutik.tui.screens.today import Board
    from jobbutik.tui.screens.withdraw import Withdrawal


class JobbutikApp(CrashHandling):
    CSS_PATH = "app.tcss"
    TITLE = "Jobbutik"
    COMMANDS: ClassVar = App.COMMANDS | {JobbutikCommands}
    # Section keys work in forms too (priority: a modal screen stops other app bindings); the
    # form stays in its section, as typed. The footer shows the three every desk uses, after
    # the screen's own commands (tui/widgets/footer.py); the palette lists all, with their keys.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "register", "Register arrival"),
        Binding("f3", "search", "Search", priority=True),
        Binding("f4", "today", "Today", priority=True),
        Binding("f12", "reports", "Reports", show=False, priority=True),
        Binding("ctrl+f", "follow_ups", "Follow-ups", show=False, priority=True),
        Binding("ctrl+o", "new_opening", "New job opening", show=False),
        Binding("ctrl+b", "companies", "Companies", show=False, priority=True),
        Binding("ctrl+t", "sites", "Activation sites", show=False, priority=True),
        Binding("ctrl+g", "staff", "Staff", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        # Textual adds this one itself, described in English.
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True),
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
        self.drafts = DraftStore(persisted=REOPEN)
        self._asking_to_quit = False
        self._quit_without_drafts = False  # the drafts could not be written at quit: go anyway
        self._releases: dict[int, Worker[None]] = {}  # claims being let go, by request id
        self.crash_log = crash_log_path(settings.db)
        self._crash_times: list[float] = []
        self.reminders = Reminders(self)  # follow-ups due: the header's counts and notices

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice is plain text: a name or a reason typed as "[/]" is shown, never read as
        markup (Textual's default), from whichever screen it comes; a control character stored
        before input refused them is shown as a mark."""
        message, title = visible(message), visible(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _on_notify(self, event: Notify) -> None:
        # One failure can reach the desk by two ways at once (a form refused for a busy database,
        # and the draft written beside it), however far apart a loaded machine runs them: the same
        # words already on the board are taken down and shown afresh, never stacked. A repeat
        # (Ctrl+S again) still shows as a new notice, so the desk sees its try was answered.
        # Here, not in `notify`, because notices are added in the order of this message queue.
        new = event.notification
        for shown in list(self._notifications):
            if shown.message == new.message and shown.severity == new.severity:
                self._unnotify(shown, refresh=False)
        super()._on_notify(event)

    # -- start-up ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.call_after_refresh(self.open_database)

    @work(exclusive=True, group="startup")
    async def open_database(self) -> None:
        try:
            ctx, board = await asyncio.to_thread(self._build_context)
        except JobbutikError as error:
            self.startup_error = str(error)
        except Exception as error:
            self.report_crash(error)
            self.startup_error = _(CRASH_LINE)
        else:
            self.context = ctx
            self.permissions = frozenset(str(p) for p in ctx.staff.permissions)
            self.today_screen.context_ready(board)
            home = self.home_section()
            if home != "today":  # a role without the board starts where it works
                self._start_section(home)
            self.screen.refresh_bindings()
            # What else opening does waits until the rows are painted: its reads and imports
            # would slow the painting down (one interpreter lock).
            self.call_after_refresh(self.after_start, ctx)
            return
        self.today_screen.context_failed(self.startup_error)

    @work(exclusive=True, group="after-start")
    async def after_start(self, ctx: ServiceContext) -> None:
        """After the first screen: the drafts kept for the user, the follow-ups due, and the
        statistics and audit anchor (`services.config.upkeep`)."""
        from jobbutik.services.config import upkeep

        try:
            kept = await asyncio.to_thread(_drafts_to_offer, ctx)
        except JobbutikError:
            # The forms' drafts are written from now on all the same; those kept before are
            # offered at the next start. The app says why (its one line for a worker).
            self.drafts.attach(self, ctx, [])
            raise
        self.drafts.attach(self, ctx, kept.mine)
        for closed in kept.closed:  # their request was saved or closed meanwhile
            self.drafts.drop(closed)
        self.offer_drafts()
        self.reminders.start(ctx)
        await asyncio.to_thread(upkeep, ctx)

    # -- drafts --------------------------------------------------------------------------------

    def offer_drafts(self, *, asked: bool = False) -> None:
        """The drafts kept for the user and not open now, to open or discard (at start-up after a
        crash or a restart; `asked`: from the palette, which says when there are none)."""
        open_now = {screen.draft_key.stored for screen in self._open_screens()}
        kept = [d for d in self.drafts.kept() if d.key.stored not in open_now]
        if kept and not isinstance(self.screen, DraftsScreen):
            self.push_screen(DraftsScreen(kept), self._open_draft)
        elif not kept and asked:
            self.notify(_("No unsaved input is kept for you."))

    def _open_draft(self, draft: KeptDraft | None) -> None:
        if draft is not None:
            REOPEN[draft.form](self, draft.subject)

    def action_drafts(self) -> None:
        if self._may("drafts"):
            self.offer_drafts(asked=True)

    async def action_quit(self) -> None:
        """Quit; with unsaved work open ask first, saying which input is kept as drafts (the
        forms in REOPEN: in the database before the program ends) and which is lost. Open
        conversations are let go once the drafts are written."""
        if self.busy_saving() or self._asking_to_quit:
            return
        unsaved = [s for s in self._open_screens() if s.unsaved()]
        if not unsaved or self._quit_without_drafts:
            await self._quit()
            return
        kept = [f"• {s.draft_title()}" for s in unsaved if s.draft_key.form in REOPEN]
        lost = [f"• {s.draft_title()}" for s in unsaved if s.draft_key.form not in REOPEN]
        detail = []
        if kept:
            detail += [_("Kept as drafts, offered back when you start again:"), *kept]
        if lost:
            detail += [_("Not kept (lost when you quit):"), *lost]

        def answered(yes: bool | None) -> None:
            self._asking_to_quit = False
            if yes:
                self.run_worker(self._quit(), group="quit", exclusive=True)

        self._asking_to_quit = True
        self.push_screen(
            ConfirmModal(
                _("Quit with unsaved input?"),
                "\n".join(detail),
                yes=_("Quit"),
                no=_("Stay"),
            ),
            answered,
        )

    def _open_screens(self) -> list[KeepsDraft]:
        """The screens open in every section that keep a draft (forms, conversations)."""
        return [
            screen
            for stack in self._screen_stacks.values()
            for screen in stack
            if isinstance(screen, KeepsDraft)
        ]

    async def _quit(self) -> None:
        # The drafts first: a conversation lets go of its citizen only once its draft is safe
        # (quitting abandoned, it still holds the claim).
        screens = self._open_screens()
        for screen in screens:
            screen.keep_draft()
        try:
            await self.drafts.flush()
        except JobbutikError as error:
            if not self._quit_without_drafts:  # the database is away: say so, quit on a 2nd try
                self._quit_without_drafts = True
                self.notify(
                    _(
                        "Your input could not be kept as drafts: {reason} Ctrl+Q again quits "
                        "without them."
                    ).format(reason=error),
                    severity="error",
                    timeout=15,
                )
                return
        releases = [getattr(screen, "let_go", lambda: None)() for screen in screens]
        for release in releases:
            # Not released (the database is away): the claim goes stale and is released by the
            # next desk that looks.
            if release is not None:
                with contextlib.suppress(JobbutikError):
                    await asyncio.to_thread(release)
        for request_id in list(self._releases):
            await self.claim_released(request_id)
        from jobbutik.tui import shown

        with contextlib.suppress(JobbutikError):  # the citizens shown in the last seconds
            await shown.flush(self)
            await shown.written(self)
        self.exit()

    # -- claims ----------------------------------------------------------------------------------

    def release_claim(
        self, request_id: int, release: Callable[[], None], after: Awaitable[object] | None = None
    ) -> None:
        """Let go of this desk's claim on `request_id` in the background (a conversation closed
        unsaved; `after`: once its opening, still under way, has claimed it). The next opening of
        the same request waits for it (`claim_released`), so a late release never undoes it."""
        previous = self._releases.get(request_id)

        async def run() -> None:
            try:
                if previous is not None:
                    await self.claim_released_by(previous)
                if after is not None:
                    try:
                        await after
                    except Exception:  # not opened: nothing was claimed
                        return
                await asyncio.to_thread(release)
            finally:
                if self._releases.get(request_id) is worker:
                    del self._releases[request_id]

        worker: Worker[None] = self.run_worker(run(), group="claims")
        self._releases[request_id] = worker

    async def claim_released(self, request_id: int) -> None:
        """Wait for a release of `request_id` under way (if any)."""
        pending = self._releases.get(request_id)
        if pending is not None:
            await self.claim_released_by(pending)

    @staticmethod
    async def claim_released_by(worker: Worker[None]) -> None:
        with contextlib.suppress(WorkerCancelled, WorkerFailed):  # failed: the app's to report
            await worker.wait()

    def _build_context(self) -> tuple[ServiceContext, Board | JobbutikError | None]:
        """The context and, for a role that has the board, its first read (or why it failed):
        one trip off the event loop, as early as the database allows (the user is known before
        any row is read). The statistics and the audit anchor wait for `after_start`."""
        from jobbutik.services.config import build_context, open_database
        from jobbutik.tui.screens.today import read_board

        def tell(text: str) -> None:
            self.call_from_thread(self.notify, text, timeout=10)

        db = self._database or open_database(self.settings, notify=tell, statistics=False)
        ctx = build_context(self.settings, db, notify=tell, anchor=False)
        if self._clock is not None:
            ctx.clock = self._clock
        board_permission = COMMAND_BY_ACTION["today"].permission
        if board_permission is not None and not ctx.can(board_permission):
            return ctx, None
        try:
            return ctx, read_board(ctx)
        except JobbutikError as error:  # the desk opens all the same; the board tries again
            return ctx, error

    def header_text(self, section: str) -> str:
        parts = [section]
        if self.context is not None:
            parts.append(format_day(self.context.clock.today()))
            parts.append(self.context.staff.initials.upper())
        return " · ".join(parts)

    def format_title(self, title: str, sub_title: str) -> Content:
        # Every screen's header: the user's follow-ups due today and overdue after the title.
        return self.reminders.headline(super().format_title(title, sub_title), sub_title)

    def context_or_raise(self) -> ServiceContext:
        if self.context is None:
            raise JobbutikError(_("The database is still opening: try again in a moment."))
        return self.context

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
        # A section or form the database or the role does not allow yet: its key does nothing
        # and the palette does not offer it (reached another way, `_may` says why).
        if action in self.MODES or action in {"register", "new_opening"}:
            return self.context is not None and self.allowed(action)
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Of Textual's own commands only Quit and the keys panel, in the user's language; the
        # Screenshot command would write the screen, CPR numbers and all, to ~/Downloads.
        yield SystemCommand(_("Quit"), _("Quit the program"), self.action_quit)
        if screen.query("HelpPanel"):
            yield SystemCommand(_("Keys"), _("Hide the keys panel"), self.action_hide_help_panel)
        else:
            yield SystemCommand(
                _("Keys"), _("Show the keys of this screen"), self.action_show_help_panel
            )

    def action_help_quit(self) -> None:
        # Textual's answer to Ctrl+C, in the user's language.
        self.notify(
            _("Press {key} to quit the program.").format(key="Ctrl+Q"),
            title=_("Do you want to quit?"),
        )

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(Palette(id="--command-palette"))

    # -- commands that open forms and screens ---------------------------------------------------

    def action_register(self) -> None:
        from jobbutik.tui.screens.register import RegisterForm

        if self._may("register") and not isinstance(self.screen, ModalScreen):
            self.push_screen(RegisterForm(), self._arrival_saved)

    def _arrival_saved(self, result: ArrivalResult | None) -> None:
        if result is None:
            return  # Escape: the form kept its draft
        if result.existing:  # no second request: the open one is shown on the board
            self.notify(result.notice(), severity="warning", markup=False)
        else:
            self.notify(result.notice(), title=_("Saved"), markup=False)
        self.post_message(DataChanged("arrival", result))

    def action_hearings(self) -> None:
        from jobbutik.tui.screens.hearings import HearingsScreen

        if self._may("hearings") and not isinstance(self.screen, (ModalScreen, HearingsScreen)):
            self.push_screen(HearingsScreen())

    def action_new_opening(self) -> None:
        from jobbutik.tui.screens.openings import open_new_opening

        if self._may("new_opening"):
            open_new_opening(self)

    def on_data_changed(self, message: DataChanged) -> None:
        if message.what == "arrival":
            # The new arrival (or the citizen's open request) is selected: Register, then F6
            # starts the conversation.
            self.today_screen.select_next = message.detail.request_id
        self.today_screen.action_refresh()

    def on_open_citizen(self, message: OpenCitizen) -> None:
        from jobbutik.tui.screens.citizen import CitizenScreen

        self.push_screen(CitizenScreen(message.citizen_id))

    def on_start_conversation(self, message: StartConversation) -> None:
        from jobbutik.tui.conversation import ConversationScreen

        if not self.allowed("start_conversation"):
            self.notify(_("Your role cannot hold visitation conversations."), severity="warning")
            return
        self.push_screen(ConversationScreen(message.request_id))

    def on_withdraw(self, message: Withdraw) -> None:
        from jobbutik.tui.screens.withdraw import WithdrawForm

        self.push_screen(
            WithdrawForm(message.request_id, message.citizen_name), self._withdrawal_saved
        )

    def _withdrawal_saved(self, result: Withdrawal | None) -> None:
        from jobbutik.tui.conversation import ConversationScreen
        from jobbutik.tui.conversation.screen import draft_key

        if result is None:
            return
        self.drafts.drop(draft_key(result.request_id))
        screen = self.screen
        if isinstance(screen, ConversationScreen) and screen.request_id == result.request_id:
            self.pop_screen()
        self.notify(_("The application is withdrawn (turned at the door)."), title=_("Saved"))
        self.post_message(DataChanged("withdrawal", result.request_id))


@dataclass(frozen=True)
class _Kept:
    mine: list[SavedDraft]  # the user's drafts
    closed: list[DraftKey[Any]]  # those of them about a request closed meanwhile


def _drafts_to_offer(ctx: ServiceContext) -> _Kept:
    """The user's drafts, and which of them are about a request no longer open (one read)."""
    from jobbutik.services import claims, drafts

    mine = drafts.mine(ctx)
    about = {d.subject for d in mine if d.form in _ABOUT_A_REQUEST and d.subject.isdigit()}
    still_open = {str(i) for i in claims.open_requests(ctx, {int(s) for s in about})}
    closed: list[DraftKey[Any]] = [
        DraftKey(d.form, d.subject)
        for d in mine
        if d.form in _ABOUT_A_REQUEST and d.subject not in still_open
    ]
    return _Kept(mine, closed)


# The drafts whose subject is a request: nothing is left to open once it is closed.
_ABOUT_A_REQUEST = frozenset({"conversation", "withdraw"})


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> JobbutikApp:
    """The one factory for the command line and the tests.

    `settings` carries the database URL, the user, today's date and the language; tests may pass an
    open `database` and a `clock` with a fixed time of day."""
    return JobbutikApp(settings, database=database, clock=clock)

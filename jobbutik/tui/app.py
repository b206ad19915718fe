"""The Textual app: the sections (one Textual mode each), global bindings, the command palette and
the one place that handles what goes wrong.

Sections: Today, Search, Follow-ups, Companies, Sites, Reports and Staff are modes. A section key
brings its section forward from anywhere with the screens it had open; pressed in its own section
it goes back to the section's first screen. Details and forms are pushed onto the current section;
Escape goes back within it, and from a section's first screen to Today.

Start-up: the Today screen paints first; then a worker imports the database layer and the
services, opens the database (upgrading the schema) and builds the ServiceContext. Nothing here
imports SQLAlchemy, SQLModel, `jobbutik.store` or the services at module level — a test checks it.

What goes wrong: a `JobbutikError` is a one-line notice. Anything else is a bug: its traceback
goes to the crash log (tui/crash.py), the desk sees one line and goes on working with everything
typed kept; only when the app cannot go on does it stop, with exit status 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual._context import active_message_pump
from textual.app import App, ScreenStackError, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import WorkerFailed

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, set_language
from jobbutik.tui import crash
from jobbutik.tui.commands import JobbutikCommands, Palette
from jobbutik.tui.drafts import DraftStore
from jobbutik.tui.messages import (
    COMMAND_BY_ACTION,
    COMMANDS,
    N_,
    Command,
    DataChanged,
    OpenCitizen,
    StartConversation,
    Withdraw,
)
from jobbutik.tui.screens.base import translate_bindings
from jobbutik.tui.screens.today import TodayScreen

if TYPE_CHECKING:
    from jobbutik.domain.clock import Clock
    from jobbutik.services.arrivals import ArrivalResult
    from jobbutik.services.config import Settings
    from jobbutik.services.context import ServiceContext
    from jobbutik.store.db import Database
    from jobbutik.tui.screens.withdraw import Withdrawal

CRASH_LINE = N_("Something went wrong — it is saved in the error log")
# More unexpected errors than this within CRASH_WINDOW seconds: something fails over and over
# (a broken screen redrawn, a timer); the app stops rather than fill the log.
CRASH_LIMIT = 5
CRASH_WINDOW = 10.0


# -- the sections ------------------------------------------------------------------------------
# Each builds its first screen; the screens' modules are imported only when a section opens.


def _search_screen() -> Screen[Any]:
    from jobbutik.tui.screens.search import SearchScreen

    return SearchScreen()


def _follow_ups_screen() -> Screen[Any]:
    from jobbutik.tui.screens.followups import FollowUpsScreen

    return FollowUpsScreen()


def _companies_screen() -> Screen[Any]:
    from jobbutik.tui.screens.companies import CompaniesScreen

    return CompaniesScreen()


def _sites_screen() -> Screen[Any]:
    from jobbutik.tui.screens.sites import SitesScreen

    return SitesScreen()


def _reports_screen() -> Screen[Any]:
    from jobbutik.tui.screens.reports import ReportsScreen

    return ReportsScreen()


def _staff_screen() -> Screen[Any]:
    from jobbutik.tui.screens.staff import StaffScreen

    return StaffScreen()


class JobbutikApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Jobbutik"
    COMMANDS: ClassVar = App.COMMANDS | {JobbutikCommands}
    DEFAULT_MODE = "today"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "today": TodayScreen,
        "search": _search_screen,
        "follow_ups": _follow_ups_screen,
        "companies": _companies_screen,
        "sites": _sites_screen,
        "reports": _reports_screen,
        "staff": _staff_screen,
    }
    # Section keys work in forms too (priority: a modal screen stops other app bindings); the
    # form stays in its section, as typed.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "register", "Register arrival"),
        Binding("f3", "search", "Search", priority=True),
        Binding("f4", "today", "Today", priority=True),
        Binding("f12", "reports", "Reports", priority=True),
        Binding("ctrl+f", "follow_ups", "Follow-ups", priority=True),
        Binding("ctrl+o", "new_opening", "New job opening"),
        Binding("ctrl+b", "companies", "Companies", priority=True),
        Binding("ctrl+t", "sites", "Activation sites", priority=True),
        Binding("ctrl+g", "staff", "Staff", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
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
        self.drafts = DraftStore()
        self.crash_log = crash.crash_log_path(settings.db)
        self._crash_times: list[float] = []

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
        markup (Textual's default), from whichever screen it comes."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    @property
    def today_screen(self) -> TodayScreen:
        screen = self.get_screen_stack("today")[0]
        assert isinstance(screen, TodayScreen)
        return screen

    # -- start-up ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.call_after_refresh(self.open_database)

    @work(exclusive=True, group="startup")
    async def open_database(self) -> None:
        try:
            ctx = await asyncio.to_thread(self._build_context)
        except JobbutikError as error:
            self.startup_error = str(error)
        except Exception as error:
            self.report_crash(error)
            self.startup_error = _(CRASH_LINE)
        else:
            self.context = ctx
            self.permissions = frozenset(str(p) for p in ctx.staff.permissions)
            self.today_screen.context_ready()
            self.screen.refresh_bindings()
            return
        self.today_screen.context_failed(self.startup_error)

    def _build_context(self) -> ServiceContext:
        from jobbutik.services.config import build_context

        def tell(text: str) -> None:
            self.call_from_thread(self.notify, text, timeout=10)

        ctx = build_context(self.settings, self._database, notify=tell)
        if self._clock is not None:
            ctx.clock = self._clock
        return ctx

    def header_text(self, section: str) -> str:
        parts = [section]
        if self.context is not None:
            parts.append(format_day(self.context.clock.today()))
            parts.append(self.context.staff.initials.upper())
        return " · ".join(parts)

    def context_or_raise(self) -> ServiceContext:
        if self.context is None:
            raise JobbutikError(_("The database is still opening: try again in a moment."))
        return self.context

    # -- what goes wrong: the one place -----------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        # Textual calls this for an error in a worker, a timer, a callback, a widget's handler or
        # its own machinery, and would end the program with a traceback showing local variables.
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, JobbutikError):
            self.notify(str(cause), title=_("Not done"), severity="error", timeout=8)
            return
        if not self.is_running or not self.report_crash(cause):
            self.stop_after_crash(cause)
            return
        try:
            pump = active_message_pump.get()
        except LookupError:
            return
        if isinstance(pump, Widget) and pump is not self:
            # A widget's message loop stops at its first failing handler: close what it is on.
            self.call_later(self._close_if_stopped, pump)

    def handler_failed(self, error: Exception) -> None:
        """A handler of ours raised; its screen or the app goes on answering."""
        if isinstance(error, JobbutikError):
            self.notify(str(error), title=_("Not done"), severity="error", timeout=8)
        elif not self.report_crash(error):
            self.stop_after_crash(error)

    async def _dispatch_message(self, message: Message) -> None:
        # As for screens (ScreenMixin): the app's own handlers must not stop its message loop.
        try:
            await super()._dispatch_message(message)
        except Exception as error:
            self.handler_failed(error)

    def report_crash(self, error: BaseException) -> bool:
        """Write `error` to the crash log and show the one line; False when the app should stop
        (too many in a row)."""
        try:
            where = f"{type(self.screen).__name__} in {self.current_mode}"
        except ScreenStackError:
            where = ""
        try:
            crash.append_private(self.crash_log, crash.crash_entry(error, where))
        except OSError as problem:
            self.notify(
                _("The error log could not be written: {reason}").format(
                    reason=problem.strerror or problem
                ),
                severity="error",
                timeout=10,
            )
        self.notify(_(CRASH_LINE), severity="error", timeout=10)
        now = time.monotonic()
        self._crash_times = [t for t in self._crash_times if now - t < CRASH_WINDOW] + [now]
        return len(self._crash_times) <= CRASH_LIMIT

    def stop_after_crash(self, error: BaseException) -> None:
        """The app cannot go on: stop with exit status 1 and one line, never a traceback."""
        if not self._crash_times:  # not yet in the log (an error before the app ran)
            with contextlib.suppress(OSError):
                crash.append_private(self.crash_log, crash.crash_entry(error, "start-up"))
        # As Textual's own handler does: a test run (Pilot) re-raises the first error.
        if self._exception is None and isinstance(error, Exception):
            self._exception = error
            self._exception_event.set()
        self.exit(return_code=1)
        self.panic(Text(_(CRASH_LINE) + f": {self.crash_log}"))

    def _close_if_stopped(self, widget: Widget) -> None:
        if widget._running or not widget.is_attached:
            return
        screen = widget if isinstance(widget, Screen) else widget.screen
        for mode in list(self._screen_stacks):
            stack = self.get_screen_stack(mode)
            if screen in stack[1:]:
                self._close_screens(mode, stack.index(screen))
                return

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

    # -- sections ------------------------------------------------------------------------------

    def open_section(self, section: str) -> None:
        """Bring `section` forward as the user left it; in it already: back to its first screen
        (keeping drafts)."""
        if not self._may(section) or self.busy_saving():
            return
        if isinstance(self.screen, CommandPalette):
            self.screen.dismiss()  # not left open in the section behind
        if self.current_mode == section:
            self._close_screens(section, 1)
        elif section in self._screen_stacks:
            self.switch_mode(section)
        else:
            self._start_section(section)
        if section == "today":
            self.today_screen.action_refresh()

    def _start_section(self, section: str) -> None:
        """Open a section for the first time (or again after it was closed): its first screen is
        built here, so that one with the same id open elsewhere (Sites, opened from Follow-ups to
        book a start) is closed first, as `push_screen` does."""
        build = self.MODES[section]
        assert callable(build)
        base = build()

        def switch() -> None:
            # Textual builds a mode's first screen itself: hand it this one, then the factory back.
            self._modes[section] = lambda: base
            try:
                self.switch_mode(section)
            finally:
                self._modes[section] = build

        holder = self._holder(base)
        if holder is None:
            switch()
            return

        async def close_then_switch() -> None:
            await self._close_screens(*holder)
            switch()

        self.call_next(close_then_switch)

    def _may(self, action: str) -> bool:
        """Whether the database is open and the user's role allows `action`; else say why."""
        if self.context is None:
            reason = self.startup_error or _(
                "The database is still opening: try again in a moment."
            )
            self.notify(reason, severity="warning")
            return False
        permission = COMMAND_BY_ACTION[action].permission
        if permission is not None and not self.context.can(permission):
            # The services' own refusal, word for word.
            self.notify(
                _("{initials} may not do this ({permission}): ask a supervisor or admin.").format(
                    initials=self.context.staff.initials, permission=permission.label
                ),
                severity="warning",
            )
            return False
        return True

    def action_today(self) -> None:
        self.open_section("today")

    def action_search(self) -> None:
        self.open_section("search")

    def action_follow_ups(self) -> None:
        self.open_section("follow_ups")

    def action_companies(self) -> None:
        self.open_section("companies")

    def action_sites(self) -> None:
        self.open_section("sites")

    def action_reports(self) -> None:
        self.open_section("reports")

    def action_staff(self) -> None:
        self.open_section("staff")

    # -- the screen stack ------------------------------------------------------------------------

    def pop_screen(self) -> AwaitComplete:
        """Back within the section; from a section's first screen back to Today."""
        if len(self.screen_stack) > 1:
            return super().pop_screen()
        if self.current_mode != "today":
            self.switch_mode("today")
        return AwaitComplete.nothing()

    def push_screen(
        self,
        screen: Screen[Any] | str,
        callback: Any = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> Any:
        """As Textual's, but a screen shows in one place at a time: one with the same id left
        open in another section is closed there first (its draft kept), and one open in this
        section already is not opened twice. Nothing opens on a screen that is saving."""
        if self.busy_saving():
            return AwaitComplete.nothing()
        holder = self._holder(screen)
        if holder is None:
            return super().push_screen(screen, callback, wait_for_dismiss, mode=mode)  # type: ignore[call-overload]
        holder_mode, index = holder
        if holder_mode == (mode or self.current_mode):
            self.notify(_("That is open already: Escape goes back to it."), severity="warning")
            return AwaitComplete.nothing()

        async def close_then_push() -> None:
            await self._close_screens(holder_mode, index)
            super(JobbutikApp, self).push_screen(screen, callback, mode=mode)

        return AwaitComplete(close_then_push()).call_next(self)

    def busy_saving(self) -> bool:
        """Whether the screen in front is saving (say so): it is not left, closed or covered until
        the save is done, so that the save's own ending closes it and nothing else."""
        if not getattr(self.screen, "saving", False):
            return False
        self.notify(_("Saving… a moment."), severity="warning")
        return True

    def dismiss_screen(self, screen: Screen[Any], result: Any = None) -> None:
        """`screen.dismiss(result)`, but closing `screen` only: one that is no longer in front
        (another section shows) gets its callback and leaves its own section's stack."""
        if screen is self.screen:
            screen.dismiss(result)
            return
        holder = next(
            (
                (mode, stack.index(screen))
                for mode, stack in self._screen_stacks.items()
                if screen in stack[1:]
            ),
            None,
        )
        if holder is None:
            return  # closed already (or a section's first screen, which stays)
        if screen._result_callbacks:
            screen._result_callbacks[-1](result)
        mode, index = holder
        self._close_screens(mode, index, keep_from=index + 1)

    def _holder(self, screen: Screen[Any] | str) -> tuple[str, int] | None:
        """Where a screen with `screen`'s id is open: (mode, index in its stack)."""
        if not isinstance(screen, Screen) or screen.id is None:
            return None
        for mode, stack in self._screen_stacks.items():
            for index, other in enumerate(stack):
                if other.id == screen.id and other is not screen:
                    return mode, index
        return None

    def _close_screens(self, mode: str, index: int, keep_from: int | None = None) -> AwaitComplete:
        """Close the screens of `mode`'s stack from `index` up, keeping what their forms hold
        (those from `keep_from` up, when given: the one below has just saved)."""
        stack = self._screen_stacks.get(mode, [])
        closing = stack[index:]
        for screen in stack[index if keep_from is None else keep_from :]:
            keep = getattr(screen, "keep_draft", None)
            if keep is not None:
                keep()
        if mode == self.current_mode:
            pops = [super(JobbutikApp, self).pop_screen() for _screen in closing]
        else:
            # Textual pops only in the current mode; another section's stack is trimmed the way
            # its pop_screen does it, without showing that section.
            del stack[index:]
            if not stack:  # the section's first screen too: it starts afresh when opened
                del self._screen_stacks[mode]
            for screen in closing:
                if screen._result_callbacks:
                    screen._pop_result_callback()
            pops = [AwaitComplete(self._replace_screen(s)) for s in reversed(closing)]

        async def wait() -> None:
            for pop in pops:
                await pop

        return AwaitComplete(wait()).call_next(self)

    # -- commands that open forms and screens ---------------------------------------------------

    def action_register(self) -> None:
        from jobbutik.tui.screens.register import RegisterForm

        if self._may("register") and not isinstance(self.screen, ModalScreen):
            self.push_screen(RegisterForm(), self._arrival_saved)

    def _arrival_saved(self, result: ArrivalResult | None) -> None:
        if result is None:
            return  # Escape: the form kept its draft
        self.notify(
            _("{name} is registered; visitation {day}.").format(
                name=result.citizen_name, day=format_day(result.slot_date)
            ),
            title=_("Saved"),
        )
        self.post_message(DataChanged("arrival", result))

    def action_new_opening(self) -> None:
        from jobbutik.tui.screens.openings import open_new_opening

        if self._may("new_opening"):
            open_new_opening(self)

    def on_data_changed(self, message: DataChanged) -> None:
        if message.what == "arrival":
            # The new arrival is selected: Register, then F6 starts the conversation.
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


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> JobbutikApp:
    """The one factory for the command line and the tests.

    `settings` carries the database URL, the user, today's date and the language; tests may pass an
    open `database` and a `clock` with a fixed time of day."""
    return JobbutikApp(settings, database=database, clock=clock)

"""The sections: Today, Search, Follow-ups, Companies, Sites, Reports and Staff are Textual modes.

A section key brings its section forward from anywhere with the screens it had open; pressed in its
own section it goes back to the section's first screen — asking first when a form or a
conversation closed that way holds unsaved input (it is kept as a draft either way). Details and
forms are pushed onto the current section; Escape goes back within it, and from a section's first
screen to the user's home section: Today, or for a role that may not read the board (an admin
only) the first section the role may use, where the app starts too. A screen shows in one place
at a time (an id open in another section is closed there first, its draft kept), and a screen
that is saving is not left until its save is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.screen import Screen

from jobbutik.domain.i18n import _
from jobbutik.tui.drafts import KeepsDraft
from jobbutik.tui.messages import COMMAND_BY_ACTION
from jobbutik.tui.screens.confirm import ConfirmModal
from jobbutik.tui.screens.today import TodayScreen

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext

# Each builds its section's first screen; the screens' modules are imported only when it opens.


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


class Sections(App[None]):
    """The app's sections and their screen stacks."""

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

    # Set by the app once the database is open (or could not be).
    context: ServiceContext | None
    startup_error: str | None
    # The question "leave unsaved input?" while it is open.
    _leave_question: ConfirmModal | None = None

    @property
    def today_screen(self) -> TodayScreen:
        screen = self.get_screen_stack("today")[0]
        assert isinstance(screen, TodayScreen)
        return screen

    def home_section(self) -> str:
        """The first section (in the order of MODES, Today first) the user's roles may open; an
        admin who does no case work starts on Staff rather than on a board they may not read."""
        if self.context is None:
            return "today"
        for section in self.MODES:
            permission = COMMAND_BY_ACTION[section].permission
            if permission is None or self.context.can(permission):
                return section
        return "today"  # no section at all: the board says why

    def open_section(self, section: str) -> None:
        """Bring `section` forward as the user left it; in it already: back to its first screen
        (keeping drafts)."""
        if self._leave_question is not None:
            # Asked whether to leave: the same key again means yes; another waits for the answer.
            if section == self.current_mode:
                self._leave_question.action_answer(True)
            return
        if not self._may(section) or self.busy_saving():
            return
        if isinstance(self.screen, CommandPalette):
            self.screen.dismiss()  # not left open in the section behind
        if self.current_mode == section:
            if self._ask_before_leaving(section):
                return
            self._close_screens(section, 1)
        elif section in self._screen_stacks:
            self.switch_mode(section)
        else:
            self._start_section(section)
        if section == "today":
            self.today_screen.action_refresh()

    def _ask_before_leaving(self, section: str) -> bool:
        """Whether closing `section`'s screens down to its first would leave unsaved input: then
        ask, and close them (back to the first screen) only on yes."""
        unsaved = [
            screen
            for screen in self._screen_stacks.get(section, [])[1:]
            if isinstance(screen, KeepsDraft) and screen.unsaved()
        ]
        if not unsaved:
            return False

        def answered(yes: bool | None) -> None:
            self._leave_question = None
            if yes and self.current_mode == section:
                self._close_screens(section, 1)
                if section == "today":
                    self.today_screen.action_refresh()

        if len(unsaved) == 1:
            question = unsaved[0].leave_question()
        else:
            question = _("Leave {count} screens with unsaved input?").format(count=len(unsaved))
        self._leave_question = ConfirmModal(
            question, _("Your input is kept as a draft."), yes=_("Leave"), no=_("Stay")
        )
        self.push_screen(self._leave_question, answered)
        return True

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
        """Back within the section; from a section's first screen to the home section."""
        if len(self.screen_stack) > 1:
            return super().pop_screen()
        home = self.home_section()
        if home in self._screen_stacks:
            self.switch_mode(home)  # nothing to do when in it already
        else:
            self._start_section(home)  # its first screen was closed: it opens afresh
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
            super(Sections, self).push_screen(screen, callback, mode=mode)

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
            pops = [super(Sections, self).pop_screen() for _screen in closing]
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

"""Textual messages: one per user command, plus the few that carry worker results app-wide.

A command is reachable three ways that all meet here: its key binding (an `action_<name>` on the
screen or app that posts the message), the command palette (which runs the same action) and the
handler (`on_<message>` in the app or screen). `COMMANDS` lists them for the palette and the footer.

No database or service imports at module level: this module is loaded before the first paint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext


def N_(text: str) -> str:
    """Mark a message id for translation where it is defined; `_()` translates it when shown."""
    return text


@dataclass(frozen=True)
class Command:
    """A user command: its action name, key, title/help (English msgids) and permission.

    `permission` is a `services.context.Permission` value (None: anyone).
    """

    action: str
    key: str
    title: str
    help: str
    permission: str | None = None


# The order here is the order the palette shows them in.
COMMANDS: tuple[Command, ...] = (
    Command("register", "f2", "Register arrival", "Register a citizen at the desk", "register"),
    Command("search", "f3", "Search", "Find a citizen by CPR number or name", "search"),
    Command("today", "f4", "Today", "The queue board: today's arrivals", "search"),
    Command("refresh", "f5", "Refresh", "Read the queue board again", "search"),
    Command(
        "start_conversation",
        "f6",
        "Start conversation",
        "Start the visitation conversation with the selected citizen",
        "visit",
    ),
    Command("no_show", "f7", "No-show", "Mark the selected citizen as not showing up", "register"),
    Command("citizen", "f8", "Citizen", "Open the selected citizen's history", "read_citizen"),
    Command(
        "withdraw",
        "f9",
        "Turned at the door",
        "The citizen withdraws the application (job, education, other)",
        "register",
    ),
    Command(
        "reports",
        "f12",
        "Reports",
        "Daily list, starts per site, follow-ups due and statistics; print them",
        "reports",
    ),
    Command("follow_ups", "ctrl+f", "Follow-ups", "Due and overdue follow-ups", "follow_up"),
    Command(
        "new_opening",
        "ctrl+o",
        "New job opening",
        "A company calls in with a job opening",
        "manage_openings",
    ),
    Command(
        "companies",
        "ctrl+b",
        "Companies",
        "Company register, openings and referrals",
        "manage_openings",
    ),
    Command(
        "sites", "ctrl+t", "Activation sites", "Sites, courses and seats left per day", "search"
    ),
    Command("staff", "ctrl+g", "Staff", "Staff and their roles (admins)", "manage_staff"),
)

COMMAND_BY_ACTION = {c.action: c for c in COMMANDS}


# -- one message per command ---------------------------------------------------------------------


class RegisterArrival(Message):
    """Open the Register arrival form."""


class OpenSearch(Message):
    """Open the Search screen."""


class OpenToday(Message):
    """Go back to the Today board (closing screens above it)."""


class Refresh(Message):
    """Read the board again."""


class StartConversation(Message):
    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id


class MarkNoShow(Message):
    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id


class OpenCitizen(Message):
    def __init__(self, citizen_id: int) -> None:
        super().__init__()
        self.citizen_id = citizen_id


class Withdraw(Message):
    """'Turned at the door' for a request: ask for the reason, then save."""

    def __init__(self, request_id: int, citizen_name: str = "") -> None:
        super().__init__()
        self.request_id = request_id
        self.citizen_name = citizen_name


# -- app-wide results ----------------------------------------------------------------------------


class ContextReady(Message):
    """The database is open and the user known; services may be called."""

    def __init__(self, context: ServiceContext) -> None:
        super().__init__()
        self.context = context


class ContextFailed(Message):
    """The database could not be opened: `reason` is the one line to show."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class DataChanged(Message):
    """Something was saved; boards showing it should read again."""

    def __init__(self, what: str = "", detail: Any = None) -> None:
        super().__init__()
        self.what = what
        self.detail = detail

"""Textual messages: one per user command, plus `DataChanged` that boards listen to.

A command is reachable three ways that all meet here: its key binding (an `action_<name>` on the
screen or app), the command palette (which runs the same action) and, where a screen asks the app
to do it, one message (`StartConversation`, `OpenCitizen`, …) handled in one place. `COMMANDS`
lists them for the palette.

No database or service imports at module level: this module is loaded before the first paint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from jobbutik.domain.i18n import N_
from jobbutik.domain.vocabulary import Permission


@dataclass(frozen=True)
class Command:
    """A user command: its action name, title and help (English msgids) and the permission it
    needs (None: anyone)."""

    action: str
    title: str
    help: str
    permission: Permission | None = None


# The order here is the order the palette shows them in.
COMMANDS: tuple[Command, ...] = (
    Command(
        "register",
        N_("Register arrival"),
        N_("Register a citizen at the desk"),
        Permission.REGISTER,
    ),
    Command(
        "search",
        N_("Search"),
        N_("Find a citizen by CPR number or name"),
        Permission.SEARCH,
    ),
    Command(
        "today",
        N_("Today"),
        N_("The queue board: today's arrivals"),
        Permission.SEARCH,
    ),
    Command(
        "refresh",
        N_("Refresh"),
        N_("Read the queue board again"),
        Permission.SEARCH,
    ),
    Command(
        "start_conversation",
        N_("Start conversation"),
        N_("Start the visitation conversation with the selected citizen"),
        Permission.VISIT,
    ),
    Command(
        "no_show",
        N_("No-show"),
        N_("Mark the selected citizen as not showing up"),
        Permission.REGISTER,
    ),
    Command(
        "undo_no_show",
        N_("Undo no-show"),
        N_("The selected citizen came after all (the day the no-show was marked)"),
        Permission.REGISTER,
    ),
    Command(
        "next_waiting",
        N_("Next waiting"),
        N_("Move to the next waiting citizen on the board"),
        Permission.SEARCH,
    ),
    Command(
        "hide_finished",
        N_("Hide finished"),
        N_("Hide visited, no-show and turned-away rows on the board"),
        Permission.SEARCH,
    ),
    Command(
        "show_finished",
        N_("Show finished"),
        N_("Show the board's finished rows again"),
        Permission.SEARCH,
    ),
    Command(
        "release_claim",
        N_("Release conversation"),
        N_("Release another desk's conversation: the citizen waits again (supervisors)"),
        Permission.RELEASE_CLAIM,
    ),
    Command(
        "citizen",
        N_("Citizen"),
        N_("Open the selected citizen's history"),
        Permission.READ_CITIZEN,
    ),
    Command(
        "withdraw",
        N_("Turned at the door"),
        N_("The citizen withdraws the application (job, education, other)"),
        Permission.REGISTER,
    ),
    Command(
        "reports",
        N_("Reports"),
        N_("Daily list, starts per site, follow-ups due and statistics; print them"),
        Permission.REPORTS,
    ),
    Command(
        "follow_ups",
        N_("Follow-ups"),
        N_("Due and overdue follow-ups"),
        Permission.FOLLOW_UP,
    ),
    Command(
        "hearings",
        N_("Partshøringer"),
        N_("Possible sanctions awaiting a partshøring or a decision (from Follow-ups)"),
        Permission.HEARINGS,
    ),
    Command(
        "new_opening",
        N_("New job opening"),
        N_("A company calls in with a job opening"),
        Permission.MANAGE_OPENINGS,
    ),
    Command(
        "companies",
        N_("Companies"),
        N_("Company register, openings and referrals"),
        Permission.MANAGE_OPENINGS,
    ),
    Command(
        "sites",
        N_("Activation sites"),
        N_("Sites, courses and seats left per day"),
        Permission.SEARCH,
    ),
    Command(
        "staff",
        N_("Staff"),
        N_("Staff and their roles (admins)"),
        Permission.MANAGE_STAFF,
    ),
    Command(
        "drafts",
        N_("Drafts"),
        N_("Unsaved input kept for you: open it again or discard it"),
    ),
)

COMMAND_BY_ACTION = {c.action: c for c in COMMANDS}


# -- one message per command that a screen asks the app for ---------------------------------------


@dataclass
class StartConversation(Message):
    request_id: int


@dataclass
class OpenCitizen(Message):
    citizen_id: int


@dataclass
class Withdraw(Message):
    """'Turned at the door' for a request: ask for the reason, then save."""

    request_id: int
    citizen_name: str = ""


@dataclass
class DataChanged(Message):
    """Something was saved; boards showing it should read again."""

    what: str = ""
    detail: Any = None

"""A consultant's follow-ups as an iCalendar file (RFC 5545), for their own calendar (Outlook).

One event per open follow-up, on the day it is due. Only what identifies the task leaves the
program this way: the kind of follow-up, the citizen's masked CPR number and first name. Never
the full CPR number, the surname, a note or reason typed into the case, the job or the company.
A follow-up holds a day, not a time of day, so every event is an all-day one that keeps the
time free (TRANSP:TRANSPARENT).

Importing a newer file updates the events instead of adding them twice: an event's UID is the
follow-up's id at this database's calendar name, random letters made on the first export and
kept in the Setting table (a database moved or restored from a backup keeps it; two databases
never share one). What an event says never changes while its follow-up is open (its kind, day and
citizen are fixed; the next follow-up is a new one with a new UID), so SEQUENCE stays 0 and
DTSTAMP, the moment of the export, tells the calendar which copy is the newer.
"""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event
from sqlmodel import Session

from jobbutik.domain.errors import PermissionDenied
from jobbutik.domain.files import cannot_write, write_private
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import FollowUpKind
from jobbutik.reports.common import log_report
from jobbutik.services import followups
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.outputs import check_output
from jobbutik.store.models import AuditAction
from jobbutik.store.settings import put_setting, setting

__all__ = [
    "CALENDAR_KEY",
    "CalendarFile",
    "build_calendar",
    "export_calendar",
    "export_to_folder",
    "file_name",
    "log_calendar",
]

#: The Setting that holds this database's calendar name (the right-hand side of every UID).
CALENDAR_KEY = "calendar_id"
CALENDAR_ID_LENGTH = 20  # letters: 94 random bits
PRODID = "-//Jobbutik//Follow-ups//DA"


@dataclass(frozen=True)
class CalendarFile:
    content: bytes  # the .ics file
    consultant: str  # whose follow-ups (initials, lower case)
    count: int  # events
    citizens: frozenset[int]  # for the audit log
    detail: str  # what the audit entry says


def file_name(initials: str) -> str:
    """The name the Follow-ups screen gives the file: the same each time, so a calendar that
    subscribes to it, or a person who imports it again, gets the newest copy."""
    return f"opfoelgninger-{initials.lower()}.ics"


def uid(follow_up_id: int, calendar_id: str) -> str:
    return f"followup-{follow_up_id}@{calendar_id}.jobbutik"


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else ""


def summary(row: followups.FollowUpRow) -> str:
    """The kind, the masked CPR number and the first name: `Jobhenvisning: 010190-XXXX Jens`."""
    return f"{FollowUpKind.label_of(row.kind)}: {row.cpr_masked} {first_name(row.name)}".strip()


def _whose(ctx: ServiceContext, consultant: str | None) -> str:
    """Whose follow-ups: your own; another consultant's only with the supervisor's reports."""
    staff = ctx.require(Permission.FOLLOW_UP)
    own = staff.initials.strip().lower()
    who = (consultant or own).strip().lower()
    if who != own and not ctx.can(Permission.REPORTS):
        raise PermissionDenied(
            _("{initials} may export only their own follow-ups as a calendar.").format(
                initials=staff.initials
            )
        )
    return who


def _calendar_id(session: Session) -> str:
    """This database's calendar name, made (and kept) on the first export."""
    found = setting(session, CALENDAR_KEY)
    if found is not None:
        return found
    # Letters only: no run of digits a scanner (or a reader) could take for a CPR number.
    made = "".join(secrets.choice(string.ascii_lowercase) for _ in range(CALENDAR_ID_LENGTH))
    put_setting(session, CALENDAR_KEY, made)
    return made


def _event(row: followups.FollowUpRow, calendar_id: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid(row.id, calendar_id))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", 0)
    event.add("dtstart", row.due)
    event.add("dtend", row.due + timedelta(days=1))
    event.add("summary", summary(row))
    event.add("transp", "TRANSPARENT")
    event.add("class", "PRIVATE")
    return event


def build_calendar(
    ctx: ServiceContext, consultant: str | None = None, day: date | None = None
) -> CalendarFile:
    """The .ics of `consultant`'s open follow-ups (default: the signed-in consultant's): all of
    them, later ones too, or with `day` those due on or before it."""
    who = _whose(ctx, consultant)
    rows = followups.due_list(ctx, assignee=who, day=day, all_open=day is None)
    calendar_id = ctx.db.write(_calendar_id)
    stamp = ctx.clock.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Follow-ups {initials}").format(initials=who.upper()))
    for row in rows:
        calendar.add_component(_event(row, calendar_id, stamp))
    period = day.isoformat() if day is not None else "open"
    return CalendarFile(
        content=calendar.to_ical(),
        consultant=who,
        count=len(rows),
        citizens=frozenset(row.citizen_id for row in rows),
        detail=f"followups ics {period} {who}",
    )


def log_calendar(ctx: ServiceContext, made: CalendarFile) -> None:
    """The export in the audit log: one entry, and one per citizen the file names."""
    log_report(ctx, AuditAction.EXPORT, made.detail, made.citizens)


def export_calendar(
    ctx: ServiceContext,
    target: str | os.PathLike[str],
    consultant: str | None = None,
    day: date | None = None,
    *,
    overwrite: bool = False,
) -> tuple[Path, CalendarFile]:
    """Write the calendar to `target` (checked first like every report file: `check_output`),
    readable by its owner only and whole or not at all, and log the export."""
    path = check_output(ctx.db, target, overwrite=overwrite)
    made = build_calendar(ctx, consultant, day)
    try:
        written = write_private(path, made.content)
    except OSError as exc:  # a full disk, a folder not ours: the reason, never the temp name
        raise cannot_write(path, exc) from exc
    log_calendar(ctx, made)
    return written, made


def export_to_folder(
    ctx: ServiceContext, folder: Path, consultant: str | None = None
) -> tuple[Path, CalendarFile]:
    """Write the calendar to `folder` (made, private to its owner, when missing) under
    `file_name`, replacing the copy written before: importing it again updates the calendar."""
    who = _whose(ctx, consultant)
    target = folder / file_name(who)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    return export_calendar(ctx, target, who, overwrite=True)

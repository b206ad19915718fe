"""Follow-up reminders on every screen (services.reminders): the header's counts ("Ctrl+F: 3 today ·
2 overdue", nothing when none are due: a quiet header says there is nothing to do), the notice at
start, a notice for each follow-up that falls due while the program runs, and for a supervisor
the overdue follow-ups of consultants with no desk open today.

The counts are kept current like the board: every few seconds one read of the follow-ups counter,
and the counts read again only when it moved or the day changed. All database work runs in a
worker thread; the widgets are touched on the app's thread only. Only staff whose role follows up
(consultant, supervisor) see any of it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Header
from textual.widgets._header import HeaderTitle

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext

if TYPE_CHECKING:
    from textual.app import App

    from jobbutik.services.context import ServiceContext
    from jobbutik.services.reminders import AbsentOverdue, DueCounts, DueItem, FallenDue

# How often a desk asks whether follow-ups changed (one cheap read), as the board does.
POLL_SECONDS = 2
# The header's icon and the room at its right (Textual's Header): the title has the rest.
HEADER_SIDES = 18
# A supervisor's start notice names at most so many absent consultants.
ABSENT_NAMED = 5
NOTICE_SECONDS = 15


def counts_text(counts: DueCounts | None) -> str:
    """ "Ctrl+F: 3 today · 2 overdue"; "" when nothing is due."""
    if counts is None or not counts.total:
        return ""
    parts = []
    if counts.today:
        parts.append(_("{count} today").format(count=counts.today))
    if counts.overdue:
        parts.append(
            ngettext("{count} overdue", "{count} overdue", counts.overdue).format(
                count=counts.overdue
            )
        )
    return _("Ctrl+F: {counts}").format(counts=" · ".join(parts))


def item_text(item: DueItem) -> str:
    """ "Referral, 010190-XXXX Jens" (never the full CPR or the whole name)."""
    return f"{item.kind_label}, {item.cpr_masked} {item.first_name}".strip()


def start_notice(counts: DueCounts, oldest: DueItem | None) -> str:
    text = ngettext(
        "{count} follow-up is due ({today} today, {overdue} overdue).",
        "{count} follow-ups are due ({today} today, {overdue} overdue).",
        counts.total,
    ).format(count=counts.total, today=counts.today, overdue=counts.overdue)
    if oldest is not None:
        days = oldest.working_days_overdue
        late = (
            ngettext("{days} working day overdue", "{days} working days overdue", days).format(
                days=days
            )
            if days
            else _("due today")
        )
        text += " " + _("Oldest: {item}, {late}.").format(item=item_text(oldest), late=late)
    return text + " " + _("Ctrl+F opens them.")


def fallen_due_notices(fallen: FallenDue) -> list[str]:
    if fallen.new:
        return [
            _("Follow-up due now: {item}. Ctrl+F opens the follow-ups.").format(
                item=item_text(item)
            )
            for item in fallen.new
        ]
    if fallen.new_count:
        return [
            ngettext(
                "{count} more follow-up is due now. Ctrl+F opens the follow-ups.",
                "{count} more follow-ups are due now. Ctrl+F opens the follow-ups.",
                fallen.new_count,
            ).format(count=fallen.new_count)
        ]
    return []


def absent_notice(absent: list[AbsentOverdue]) -> str:
    named = [
        ngettext(
            "{initials}: {count} since {day}", "{initials}: {count} since {day}", a.overdue
        ).format(initials=a.initials, count=a.overdue, day=format_day(a.oldest_due))
        for a in absent[:ABSENT_NAMED]
    ]
    if len(absent) > ABSENT_NAMED:
        named.append(_("{count} more").format(count=len(absent) - ABSENT_NAMED))
    return _(
        "Overdue follow-ups of consultants with no desk open today: {who}. Reassign them in "
        "Follow-ups (Ctrl+F)."
    ).format(who="; ".join(named))


@dataclass
class _Start:
    version: int
    counts: DueCounts
    oldest: DueItem | None
    due_ids: frozenset[int]
    absent: list[AbsentOverdue]


def _read_start(ctx: ServiceContext) -> _Start:
    from jobbutik.services import reminders
    from jobbutik.services.context import Permission

    version = reminders.version(ctx)  # first: a change meanwhile is read at the next poll
    summary = reminders.start_summary(ctx)
    absent = reminders.absent_overdue(ctx) if ctx.can(Permission.REASSIGN) else []
    return _Start(version, summary.counts, summary.oldest, summary.due_ids, absent)


def _read_changes(ctx: ServiceContext, seen: frozenset[int]) -> tuple[DueCounts, FallenDue]:
    from jobbutik.services import reminders

    return reminders.counts(ctx), reminders.newly_due(ctx, seen)


class Reminders:
    """The app's follow-up reminders: started once the database is open."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.counts: DueCounts | None = None
        self._version: int | None = None  # the counter the counts were read at
        self._day: date | None = None
        self._seen: frozenset[int] = frozenset()  # told at start or as fallen due
        self._busy = True  # until the start is read

    def start(self, ctx: ServiceContext) -> None:
        """At start-up, once: the notices, then the polls (nothing for a role that does not
        follow up)."""
        from jobbutik.services.context import Permission

        if ctx.can(Permission.FOLLOW_UP):
            self.app.run_worker(self._start(ctx), group="reminders", exclusive=True)
            self.app.set_interval(POLL_SECONDS, self.poll)

    async def _start(self, ctx: ServiceContext) -> None:
        try:
            start = await asyncio.to_thread(_read_start, ctx)
        except JobbutikError:
            self._busy = False  # the polls read the counts when the database answers
            return
        self._version, self._day = start.version, ctx.clock.today()
        self._seen = start.due_ids
        self._show(start.counts)
        if start.counts.total:
            self.app.notify(start_notice(start.counts, start.oldest), timeout=NOTICE_SECONDS)
        if start.absent:
            self.app.notify(absent_notice(start.absent), severity="warning", timeout=NOTICE_SECONDS)
        self._busy = False

    def poll(self) -> None:
        if not self._busy:
            self._busy = True
            self.app.run_worker(self._poll(), group="reminders-poll")

    async def _poll(self) -> None:
        from jobbutik.services import reminders

        ctx = self.app.context  # type: ignore[attr-defined]
        try:
            today = ctx.clock.today()
            version = await asyncio.to_thread(reminders.version, ctx)
            if version == self._version and today == self._day:
                return
            counts, fallen = await asyncio.to_thread(_read_changes, ctx, self._seen)
        except JobbutikError:
            return  # busy or away for a moment: the next poll asks again
        finally:
            self._busy = False
        self._version, self._day = version, today
        self._seen = self._seen | fallen.due_ids
        self._show(counts)
        for text in fallen_due_notices(fallen):
            self.app.notify(text, timeout=NOTICE_SECONDS)

    def _show(self, counts: DueCounts) -> None:
        """New counts into the header of every screen open (a screen opened later reads them)."""
        if counts == self.counts:
            return
        self.counts = counts
        stacks: dict[str, list[Any]] = self.app._screen_stacks
        for stack in stacks.values():
            for screen in stack:
                for header in screen.query(Header):
                    # None yet on a screen still being composed (or taken down): its header
                    # writes its title, counts included, when it composes it.
                    for title in header.query(HeaderTitle):
                        title.update(header.format_title())

    def headline(self, title: Content, sub_title: str) -> Content:
        """The header's line: the app's title, and the counts after it; where they do not both
        fit, the counts first (the title is cut at the right)."""
        text = counts_text(self.counts)
        if not text:
            return title
        counts = Content.styled(text, "bold")
        room = self.app.size.width - HEADER_SIDES
        if title.cell_length + 5 + cell_len(text) <= room:
            return Content.assemble(title, ("  ·  ", "dim"), counts)
        return Content.assemble(counts, ("  ·  ", "dim"), Content(sub_title).stylize("dim"))

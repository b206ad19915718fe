"""Citizens shown in a list — search results, the Today board, the follow-up list — logged per
citizen, so a citizen's access log names every screen that carried their name.

A list is read again on every keystroke (search) or every change at another desk (the board), so
the screens do not write as they show: they hand the citizen ids to a `ShownBatch`, which keeps
those not logged for the same list in the last `AGAIN_AFTER_SECONDS`, and write what it gathered
now and then through `log_shown` — one transaction, one entry per list and citizen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from jobbutik.domain.vocabulary import AuditAction, AuditEntity, Permission
from jobbutik.services import audit
from jobbutik.services.context import ServiceContext

# A citizen shown again in the same list within this time (the board read again, the same hits
# typed again) is not logged again; after it, a list still on screen is logged afresh.
AGAIN_AFTER_SECONDS = 30 * 60

# The lists whose citizens are logged, each with what it takes to see the list: writing the entry
# needs nothing more (reception sees the board, so reception's desk logs it).
SHOWN_LISTS: dict[str, Permission] = {
    AuditEntity.SEARCH_RESULTS: Permission.SEARCH,
    AuditEntity.TODAY_BOARD: Permission.SEARCH,
    AuditEntity.FOLLOW_UP_LIST: Permission.FOLLOW_UP,
}


@dataclass(frozen=True, order=True)
class ShownList:
    """One list: what it is (an AuditEntity of SHOWN_LISTS) and which one (the board's day, the
    follow-up list's consultant; "" for search results, whose term the search entry holds)."""

    entity: str
    detail: str = ""


Batch = Mapping[ShownList, Iterable[int]]


def log_shown(ctx: ServiceContext, batch: Batch) -> int:
    """Log each citizen of each list as shown to the working staff member, all in one
    transaction. Returns how many entries were written."""
    for shown in batch:
        permission = SHOWN_LISTS.get(shown.entity)
        if permission is None:
            raise ValueError(f"{shown.entity!r} is not a list whose citizens are logged")
        ctx.require(permission)
    staff = ctx.staff
    now = ctx.clock.now()
    lists = [(shown, sorted(set(batch[shown]))) for shown in sorted(batch)]
    count = sum(len(citizen_ids) for _shown, citizen_ids in lists)
    if not count:
        return 0

    def work(session: Session) -> int:
        # A list's entries differ only by citizen: appended together, in one statement.
        for shown, citizen_ids in lists:
            if citizen_ids:
                audit.record_many(
                    session,
                    actor=staff.initials,
                    action=AuditAction.SHOWN,
                    entity=shown.entity,
                    ids=[(None, citizen_id) for citizen_id in citizen_ids],
                    detail=shown.detail,
                    at=now,
                )
        return count

    return ctx.db.write(work, logged_read=True)


class ShownBatch:
    """What one desk session has shown and not yet logged, and when each (list, citizen) was last
    logged. Not thread-safe: the screens' event loop calls it; `log_shown` runs elsewhere on what
    `take` returned."""

    def __init__(
        self,
        again_after: float = AGAIN_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.again_after = again_after
        self.clock = clock
        self._pending: dict[ShownList, set[int]] = {}
        self._logged: dict[tuple[ShownList, int], float] = {}  # → when it was taken to be logged

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def add(self, shown: ShownList, citizen_ids: Iterable[int]) -> bool:
        """Note the citizens on screen in `shown`; True when one of them is waiting to be logged."""
        now = self.clock()
        self._logged = {k: t for k, t in self._logged.items() if now - t < self.again_after}
        fresh = {c for c in citizen_ids if (shown, c) not in self._logged}
        if fresh:
            self._pending.setdefault(shown, set()).update(fresh)
        return self.pending

    def take(self) -> dict[ShownList, tuple[int, ...]]:
        """Everything waiting, counted as logged from now (so a list shown again meanwhile adds
        nothing); `failed` gives it back when the write did not happen."""
        now = self.clock()
        taken = {shown: tuple(sorted(ids)) for shown, ids in self._pending.items()}
        self._pending = {}
        for shown, ids in taken.items():
            for citizen_id in ids:
                self._logged[shown, citizen_id] = now
        return taken

    def failed(self, taken: Batch) -> None:
        """The write of `taken` failed: wait with it for the next."""
        for shown, ids in taken.items():
            for citizen_id in ids:
                self._logged.pop((shown, citizen_id), None)
            self._pending.setdefault(shown, set()).update(ids)

"""The desk's reads on a large database, through the real services and reports.

Every call is what the program does for a user, audit entry included (reads are audited, so each
is a write transaction): CPR lookup, name search typed letter by letter, a citizen's history, the
daily list, a year's statistics and one consultant's follow-up list.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from benchmarks.common import TODAY, Result, median, ms, percentile, say

SAMPLE_SEED = 7
T = TypeVar("T")


@dataclass(frozen=True)
class Sample:
    cprs: list[str]
    citizen_ids: list[int]
    typed: list[str]  # every prefix a desk types while searching for a name
    consultant: str  # initials of the consultant with the most open follow-ups due


def _sample(path: Path, rng: random.Random) -> Sample:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        highest = connection.execute("SELECT max(id) FROM citizen").fetchone()[0]
        ids = rng.sample(range(1, highest + 1), min(highest, 300))
        rows = connection.execute(
            f"SELECT id, cpr, name FROM citizen WHERE id IN ({','.join(map(str, ids))})"
        ).fetchall()
        consultant = connection.execute(
            "SELECT s.initials FROM followup f JOIN staff s ON s.id = f.assignee_id "
            "WHERE f.done_at IS NULL AND f.due <= ? GROUP BY s.initials "
            "ORDER BY count(*) DESC LIMIT 1",
            (TODAY.isoformat(),),
        ).fetchone()[0]
    finally:
        connection.close()
    rng.shuffle(rows)
    typed: list[str] = []
    for n, (_id, _cpr, name) in enumerate(rows[:40]):
        words = name.split()
        # As at the desk: half by surname (a later word), half by the start of the whole name,
        # typed with Danish letters; every keystroke from the first letter searches.
        text = words[-1] if n % 2 == 0 else name
        typed += [text[:k] for k in range(1, min(len(text), 10) + 1) if not text[k - 1].isspace()]
    return Sample(
        cprs=[cpr for _id, cpr, _name in rows[:200]],
        citizen_ids=[cid for cid, _cpr, _name in rows[:100]],
        typed=typed,
        consultant=consultant,
    )


def _times(fn: Callable[[T], object], items: list[T], warm: int = 3) -> list[float]:
    """Seconds per call of `fn` on each item, after `warm` calls that are not counted."""
    for item in items[:warm]:
        fn(item)
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - started)
    return times


def run(path: Path, *, full_scale: bool) -> list[Result]:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.reports.run import ReportRequest, run_report
    from jobbutik.services import citizens, followups
    from jobbutik.services.config import context_for
    from jobbutik.store.db import Database

    sample = _sample(path, random.Random(SAMPLE_SEED))
    db = Database(str(path))
    rules = load_rulebook()
    clock = Clock(TODAY)
    desk = context_for(db, "demo", clock, rules)
    consultant = context_for(db, sample.consultant, clock, rules)
    verdict: Callable[[bool], bool | None] = lambda ok: ok if full_scale else None  # noqa: E731
    results: list[Result] = []
    try:
        say("CPR lookup …")
        lookups = _times(lambda cpr: citizens.lookup_cpr(desk, cpr), sample.cprs)
        results.append(
            Result(
                "CPR lookup (card + audit)",
                f"median {ms(median(lookups))}, p95 {ms(percentile(lookups, 0.95))}",
                "≤ 2 ms",
                verdict(median(lookups) <= 0.002),
                f"{len(lookups)} citizens",
            )
        )
        say("name search as you type …")
        searches = _times(lambda term: citizens.search(desk, term), sample.typed)
        p95 = percentile(searches, 0.95)
        results.append(
            Result(
                "Name search as you type",
                f"median {ms(median(searches))}, p95 {ms(p95)}",
                "p95 ≤ 20 ms",
                verdict(p95 <= 0.020),
                f"{len(searches)} keystrokes, 40 names",
            )
        )
        say("citizen history …")
        histories = _times(lambda cid: citizens.history(desk, cid), sample.citizen_ids)
        results.append(
            Result(
                "Citizen history",
                f"median {ms(median(histories))}, p95 {ms(percentile(histories, 0.95))}",
                "≤ 50 ms",
                verdict(median(histories) <= 0.050),
                f"{len(histories)} citizens",
            )
        )
        say("daily list …")
        daily = ReportRequest("daily", TODAY)
        dailies = _times(lambda _n: run_report(desk, daily), list(range(5)), warm=1)
        results.append(
            Result(
                "Daily list (report)",
                f"median {ms(median(dailies))}",
                "≤ 1 s",
                verdict(median(dailies) <= 1.0),
                "5 runs",
            )
        )
        say("a year's statistics …")
        year = ReportRequest("stats", TODAY - timedelta(days=364), TODAY)
        stats = _times(lambda _n: run_report(desk, year), list(range(3)), warm=1)
        results.append(
            Result(
                "A year's statistics (report)",
                f"median {ms(median(stats))}",
                "≤ 3 s",
                verdict(median(stats) <= 3.0),
                "3 runs",
            )
        )
        say("one consultant's follow-up list …")
        # What the Follow-ups screen reads for a consultant: their own list.
        mine = sample.consultant
        rows = len(followups.due_list(consultant, assignee=mine))
        due = _times(lambda _n: followups.due_list(consultant, assignee=mine), list(range(30)))
        results.append(
            Result(
                "Follow-up list, one consultant",
                f"median {ms(median(due))}, p95 {ms(percentile(due, 0.95))}",
                "≤ 50 ms",
                verdict(median(due) <= 0.050),
                f"{sample.consultant}: {rows} due",
            )
        )
    finally:
        db.dispose()
    return results

"""The desk's reads on a large database, through the real services and reports.

Every call is what the program does for a user, audit entry included (reads are audited, so each
is a write transaction): CPR lookup, name search typed letter by letter with its hits logged, a
citizen's history, the daily list, a year's statistics and one consultant's follow-up list.

The anchor beside each figure: the statements that call sends (recorded from the same call made
dry, its commits rolled back), replayed on a plain sqlite3 connection to the same file
(benchmarks.replay). The replay rolls back, so it has no commit: no fsync.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from benchmarks.common import TODAY, Result, median, ms, percentile, say
from benchmarks.replay import record, replay

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.store.db import Database

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


def _raw(path: Path) -> sqlite3.Connection:
    """A plain connection to the database: transactions as the replayed statements say, and
    references checked as the program's connections do (it costs on inserts)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _replays(
    db: Database, raw: sqlite3.Connection, fn: Callable[[T], object], items: list[T], warm: int = 3
) -> list[float]:
    """Seconds per replay on `raw` of what `fn` sends for each item (recorded dry), after `warm`
    replays that are not counted."""
    times = []
    for n, item in enumerate([*items[:warm], *items]):
        _result, statements = record(db, partial(fn, item), dry=True)
        started = time.perf_counter()
        replay(raw, statements)
        if n >= warm:
            times.append(time.perf_counter() - started)
    return times


def _anchor(times: list[float]) -> str:
    return f"raw SQLite, same statements (rolled back, no commit): median {ms(median(times))}"


def _typing(desk: ServiceContext) -> Callable[[str], object]:
    """A keystroke in the search box as the TUI handles it: the search, its hits noted as shown
    (tui.shown), and — the worst case, a desk pausing longer than the flush interval — the
    noted hits not logged yet written at once (services.audit_shown)."""
    from jobbutik.domain.vocabulary import AuditEntity
    from jobbutik.services import citizens
    from jobbutik.services.audit_shown import ShownBatch, ShownList, log_shown

    batch = ShownBatch()

    def keystroke(term: str) -> object:
        hits = citizens.search(desk, term)
        if batch.add(ShownList(AuditEntity.SEARCH_RESULTS), [hit.id for hit in hits]):
            log_shown(desk, batch.take())
        return hits

    return keystroke


def run(path: Path, *, full_scale: bool) -> list[Result]:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.reports.run import ReportRequest, run_report
    from jobbutik.services import citizens, followups
    from jobbutik.services.config import context_for
    from jobbutik.store.db import MAX_READERS, Database

    sample = _sample(path, random.Random(SAMPLE_SEED))
    db = Database(str(path))
    rules = load_rulebook()
    clock = Clock(TODAY)
    desk = context_for(db, "demo", clock, rules)
    consultant = context_for(db, sample.consultant, clock, rules)
    verdict: Callable[[bool], bool | None] = lambda ok: ok if full_scale else None  # noqa: E731
    results: list[Result] = []
    raw = _raw(path)
    try:
        say("CPR lookup …")

        def lookup(cpr: str) -> object:
            return citizens.lookup_cpr(desk, cpr)

        lookups = _times(lookup, sample.cprs)
        results.append(
            Result(
                "CPR lookup (card + audit)",
                f"median {ms(median(lookups))}, p95 {ms(percentile(lookups, 0.95))}",
                "≤ 1 ms",
                verdict(median(lookups) <= 0.001),
                f"{len(lookups)} citizens; {_anchor(_replays(db, raw, lookup, sample.cprs))}",
            )
        )
        say("name search as you type, hits logged …")
        searches = _times(_typing(desk), sample.typed)
        p95 = percentile(searches, 0.95)
        results.append(
            Result(
                "Name search as you type, hits logged",
                f"median {ms(median(searches))}, p95 {ms(p95)}",
                "p95 ≤ 20 ms",
                verdict(p95 <= 0.020),
                f"{len(searches)} keystrokes, 40 names; each keystroke's new hits logged at "
                f"once; {_anchor(_replays(db, raw, _typing(desk), sample.typed))}",
            )
        )
        say("citizen history …")

        def read_history(citizen_id: int) -> object:
            return citizens.history(desk, citizen_id)

        histories = _times(read_history, sample.citizen_ids)
        anchor = _anchor(_replays(db, raw, read_history, sample.citizen_ids))
        results.append(
            Result(
                "Citizen history",
                f"median {ms(median(histories))}, p95 {ms(percentile(histories, 0.95))}",
                "≤ 50 ms",
                verdict(median(histories) <= 0.050),
                f"{len(histories)} citizens; {anchor}",
            )
        )
        say("daily list …")
        daily = ReportRequest("daily", TODAY)

        def daily_list(_n: int) -> object:
            return run_report(desk, daily)

        dailies = _times(daily_list, list(range(5)), warm=1)
        anchor = _anchor(_replays(db, raw, daily_list, list(range(5)), warm=1))
        results.append(
            Result(
                "Daily list (report)",
                f"median {ms(median(dailies))}",
                "≤ 1 s",
                verdict(median(dailies) <= 1.0),
                f"5 runs; {anchor}",
            )
        )
        say("a year's statistics …")
        year = ReportRequest("stats", TODAY - timedelta(days=364), TODAY)

        def statistics(_n: int) -> object:
            return run_report(desk, year)

        stats = _times(statistics, list(range(3)), warm=1)
        readers = min(os.cpu_count() or 1, MAX_READERS)  # as Database.read_together takes them
        anchor = _anchor(_replays(db, raw, statistics, list(range(3)), warm=1))
        results.append(
            Result(
                "A year's statistics (report)",
                f"median {ms(median(stats))}",
                "≤ 1 s",
                verdict(median(stats) <= 1.0),
                f"3 runs, its reads side by side in {readers} transactions; {anchor}, one after "
                "another on one connection",
            )
        )
        say("one consultant's follow-up list …")
        # What the Follow-ups screen reads for a consultant: their own list.
        mine = sample.consultant

        def due_list(_n: int) -> object:
            return followups.due_list(consultant, assignee=mine)

        rows = len(followups.due_list(consultant, assignee=mine))
        due = _times(due_list, list(range(30)))
        anchor = _anchor(_replays(db, raw, due_list, list(range(30))))
        results.append(
            Result(
                "Follow-up list, one consultant",
                f"median {ms(median(due))}, p95 {ms(percentile(due, 0.95))}",
                "≤ 50 ms",
                verdict(median(due) <= 0.050),
                f"{sample.consultant}: {rows} due; {anchor}",
            )
        )
    finally:
        raw.close()
        db.dispose()
    return results

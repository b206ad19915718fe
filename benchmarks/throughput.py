"""Throughput: desks (one process each) save whole visitations into one database at the same time.

Set-up (not timed): a roomy activation site; then each desk process registers its own arrivals
and opens their conversations (claims them) through the services, builds its plans, and waits
for the common start. From the start each desk saves its visitations with `visitation.complete`
(classification, activation, two job referrals, follow-ups and audit entries: one transaction
each), timing every save. The figure is all saved visitations divided by the time from the start
until the last desk is done; afterwards the database must hold exactly that many visitations,
and no desk may have met "busy".

The same code runs on SQLite (8 processes on one file, all as the demo user) and on PostgreSQL
(benchmarks/pg.py: each desk its own login role and member of staff, as in a jobcentre).
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from queue import Empty
from typing import Any

from benchmarks.common import CACHE, TODAY, Result, ms, percentile, say

PROCESSES = 8
PER_PROCESS = 100
MARK = "Bench Borger"


def _cpr(n: int) -> str:
    """Distinct valid CPR numbers of adults born 1960–1989 (seventh digit 0–3: 1900s)."""
    day, month, year = 1 + n % 28, 1 + (n // 28) % 12, 60 + (n // 336) % 30
    return f"{day:02d}{month:02d}{year:02d}{(n // 10_080) % 4}{n % 1000:03d}"


@dataclass(frozen=True)
class Desk:
    url: str  # the database as this desk reaches it
    initials: str  # the member of staff working at it
    first: int  # its arrivals are numbers first … first + count - 1
    count: int
    # The demo's day on SQLite; None: the real clock (a PostgreSQL server refuses audit entries
    # stamped far from its own clock, as it should).
    today: date | None = TODAY


@dataclass(frozen=True)
class Saved:
    saved: int
    failures: list[str]
    busy: int  # DatabaseBusy that reached the desk
    retries: int  # transactions run again after a conflict with another desk
    times: list[float]  # seconds per save
    done: float  # time.monotonic() when the desk finished
    cpu: float  # seconds of the desk process's CPU over its saves (its seal thread included)


def add_site_and_openings(url: str, today: date = TODAY) -> tuple[int, list[int]]:
    """A roomy activation site, and the open job openings to refer to (as the demo user)."""
    from jobbutik.store.db import Database
    from jobbutik.store.models import ActivationSite

    db = Database(url)

    def add_site(session: object) -> int:
        site = ActivationSite(
            name="Benchmark site", kind="nytteindsats", seats=100_000, hours_per_week=25
        )
        session.add(site)  # type: ignore[attr-defined]
        session.flush()  # type: ignore[attr-defined]
        assert site.id is not None
        return site.id

    try:
        site = db.write(add_site)
        openings = db.read(
            lambda session: [
                row[0]
                for row in session.connection().exec_driver_sql(
                    "SELECT id FROM jobopening WHERE status = 'open' AND apply_by >= %(day)s "
                    "ORDER BY id"
                    if db.backend == "postgresql"
                    else "SELECT id FROM jobopening WHERE status = 'open' AND apply_by >= ? "
                    "ORDER BY id",
                    {"day": today} if db.backend == "postgresql" else (today.isoformat(),),
                )
            ]
        )
    finally:
        db.dispose()
    return site, openings


def conversations(ctx: Any, numbers: range, site: int, openings: list[int]) -> list[Any]:
    """For each number an arrival registered and its conversation opened (claimed) at `ctx`'s
    desk, and the whole visitation planned: what a desk then saves."""
    from jobbutik.services import arrivals, visitation
    from jobbutik.services.arrivals import ArrivalForm, NewCitizen
    from jobbutik.services.visitation import ActivationChoice, Facts, ReferralChoice, VisitationPlan

    first_day: date = ctx.rulebook.default_activation_start(ctx.clock.today())
    plans = []
    for n in numbers:
        form = ArrivalForm(
            cpr=_cpr(n + 7),
            benefit="kontanthjaelp",
            told_apply_digitally=True,
            rights_guidance_given=True,
            new_citizen=NewCitizen(name=f"{MARK} {n}"),
            confirm_duplicate=True,
        )
        request_id = arrivals.register_arrival(ctx, form).request_id
        visitation.start(ctx, request_id)  # claimed by this desk before it can be saved
        plans.append(
            VisitationPlan(
                request_id=request_id,
                # Adults (born 1960–1989): the youth groups' questions do not arise.
                facts=Facts(
                    has_qualifying_education=True,
                    integration_programme=False,
                    industries=("Detailhandel",),
                ),
                category="jobparat",
                activation=ActivationChoice(site, first_day),
                referrals=(
                    ReferralChoice(openings[n % len(openings)]),
                    ReferralChoice(openings[(n + 1) % len(openings)]),
                ),
                help_cv=True,
                rights_guidance=True,
            )
        )
    return plans


def _desk(
    desk: Desk, site: int, openings: list[int], ready: object, start: object, out: object
) -> None:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.errors import DatabaseBusy
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import visitation
    from jobbutik.services.config import context_for
    from jobbutik.store.db import Database

    db = Database(desk.url)
    ctx = context_for(db, desk.initials, Clock(desk.today), load_rulebook())
    plans = conversations(ctx, range(desk.first, desk.first + desk.count), site, openings)
    ready.put(None)  # type: ignore[attr-defined]
    start.wait()  # type: ignore[attr-defined]
    cpu = time.process_time()
    failures: list[str] = []
    times: list[float] = []
    busy = 0
    db.retries = 0  # only the saves' retries count
    for plan in plans:
        began = time.perf_counter()
        try:
            visitation.complete(ctx, plan)
        except DatabaseBusy as exc:
            busy += 1
            failures.append(f"DatabaseBusy: {exc}")
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        else:
            times.append(time.perf_counter() - began)
    finished = time.monotonic()
    db.wait_for_seal()  # its last seal's CPU is the saves' too
    cpu = time.process_time() - cpu
    done = Saved(len(times), failures, busy, db.retries, times, finished, cpu)
    out.put(done)  # type: ignore[attr-defined]
    db.dispose()


def run_desks(
    desks: list[Desk],
    site: int,
    openings: list[int],
    server_cpu: Callable[[], float] | None = None,
) -> tuple[float, list[Saved], float | None]:
    """Start one process per desk; returns (seconds from the common start to the last done, each
    desk's report, and the seconds of CPU that `server_cpu` (a running total) grew meanwhile)."""
    spawn = multiprocessing.get_context("spawn")
    ready, start, out = spawn.Queue(), spawn.Event(), spawn.Queue()
    # Daemons: should one die before it reports, the others do not keep the benchmark alive.
    processes = [
        spawn.Process(target=_desk, args=(desk, site, openings, ready, start, out), daemon=True)
        for desk in desks
    ]
    for process in processes:
        process.start()
    try:
        _wait_for(ready, processes, "be ready")  # every desk has registered and built its plans
        cpu_before = server_cpu() if server_cpu is not None else 0.0
        began = time.monotonic()
        start.set()
        reports: list[Saved] = _wait_for(out, processes, "report")
        server = server_cpu() - cpu_before if server_cpu is not None else None
    finally:
        for process in processes:
            if process.is_alive() and not start.is_set():
                process.terminate()
            process.join(timeout=60)
    return max(r.done for r in reports) - began, reports, server


def _wait_for(queue: Any, processes: list[Any], what: str) -> list[Any]:
    """One item from each process; a process that died first is an error, not a long wait."""
    items: list[Any] = []
    deadline = time.monotonic() + 900
    while len(items) < len(processes):
        try:
            items.append(queue.get(timeout=1))
        except Empty:
            dead = [p.exitcode for p in processes if not p.is_alive() and p.exitcode != 0]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{len(processes) - len(items)} desk(s) did not {what}; exit codes {dead}"
                ) from None
    return items


def figures(
    name: str,
    desks: list[Desk],
    seconds: float,
    reports: list[Saved],
    stored: int,
    *,
    p95_target: float | None = None,
    server_cpu: float | None = None,
) -> list[Result]:
    """The throughput row (and, with `p95_target`, the row of one save's p95 time); the CPU a
    save took in the desks' processes (and, given, the server's) says what the rate is bound by."""
    expected = sum(d.count for d in desks)
    saved = sum(r.saved for r in reports)
    busy = sum(r.busy for r in reports)
    retries = sum(r.retries for r in reports)
    failures = [f for r in reports for f in r.failures]
    times = [t for r in reports for t in r.times]
    rate = saved / seconds
    lost = expected - stored
    p95 = percentile(times, 0.95) if times else float("inf")
    note = (
        f"{saved}/{expected} saved, {stored} stored, {lost} lost, {busy} busy, {retries} retried; "
        "one save: "
        f"median {ms(sorted(times)[len(times) // 2]) if times else '-'}, p95 {ms(p95)}"
    )
    if saved:
        note += f"; CPU a save: desk {ms(sum(r.cpu for r in reports) / saved)}"
        if server_cpu is not None:
            note += f", server {ms(server_cpu / saved)}"
    if failures:
        note += f"; first failure: {failures[0][:120]}"
    whole = saved == expected and lost == 0 and busy == 0
    rows = [
        Result(
            f"Throughput, {name}, {len(desks)} desks",
            f"{rate:.0f} visitations/s",
            "≥ 300/s, none lost, no busy" if p95_target is None else "none lost, no busy",
            (rate >= 300 if p95_target is None else True) and whole,
            note,
        )
    ]
    if p95_target is not None:
        rows.append(
            Result(
                f"One save, {name}, {len(desks)} desks",
                f"p95 {ms(p95)}",
                f"p95 ≤ {ms(p95_target)}",
                p95 <= p95_target and whole,
                f"{len(times)} saves",
            )
        )
    return rows


def stored_visitations(count: Callable[[str], int]) -> int:
    """Visitations of the benchmark's citizens, counted with `count(sql)`."""
    return count(
        "SELECT count(*) FROM visitation v JOIN citizen c ON c.id = v.citizen_id "
        f"WHERE c.name LIKE '{MARK} %'"
    )


def run(template: Path) -> list[Result]:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / "throughput.sqlite"
    say(f"throughput (SQLite): {PROCESSES} processes × {PER_PROCESS} visitations …")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    key = Path(f"{path}.auditkey")  # the template's key, so the copy's chain stays whole
    shutil.copyfile(f"{template}.auditkey", key)
    key.chmod(0o600)
    site, openings = add_site_and_openings(str(path))
    desks = [Desk(str(path), "demo", k * PER_PROCESS, PER_PROCESS) for k in range(PROCESSES)]
    seconds, reports, _ = run_desks(desks, site, openings)
    with closing(sqlite3.connect(path)) as connection:
        stored = stored_visitations(lambda sql: connection.execute(sql).fetchone()[0])
    return figures("SQLite", desks, seconds, reports, stored)

"""Throughput: 8 processes save whole visitations into one SQLite file at the same time.

Set-up (not timed): a small demo database, a roomy activation site, and for each process its own
arrivals registered and their conversations opened through the services. Then every process
builds its context, waits for the common start, and saves its visitations with
`visitation.complete` (classification, activation, two job referrals, follow-ups and audit
entries: one transaction each). The figure
is all saved visitations divided by the time from the start until the last process is done;
afterwards the file must hold exactly that many visitations.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from datetime import date
from pathlib import Path

from benchmarks.common import CACHE, TODAY, Result, say

PROCESSES = 8
PER_PROCESS = 100


def _cpr(n: int) -> str:
    """Distinct valid CPR numbers of adults born 1960–1989 (seventh digit 0–3: 1900s)."""
    day, month, year = 1 + n % 28, 1 + (n // 28) % 12, 60 + (n // 336) % 30
    return f"{day:02d}{month:02d}{year:02d}{(n // 10_080) % 4}{n % 1000:03d}"


def _prepare(template: Path, path: Path) -> tuple[int, list[int], list[list[int]]]:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import arrivals, visitation
    from jobbutik.services.arrivals import ArrivalForm, NewCitizen
    from jobbutik.services.config import context_for
    from jobbutik.store.db import Database
    from jobbutik.store.models import ActivationSite

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(template)
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    db = Database(str(path))
    ctx = context_for(db, "demo", Clock(TODAY), load_rulebook())

    def add_site(session: object) -> int:
        site = ActivationSite(
            name="Benchmark site", kind="nytteindsats", seats=100_000, hours_per_week=25
        )
        session.add(site)  # type: ignore[attr-defined]
        session.flush()  # type: ignore[attr-defined]
        assert site.id is not None
        return site.id

    site = db.write(add_site)
    openings = db.read(
        lambda session: [
            row[0]
            for row in session.connection().exec_driver_sql(
                "SELECT id FROM jobopening WHERE status = 'open' AND apply_by >= ? ORDER BY id",
                (TODAY.isoformat(),),
            )
        ]
    )
    requests: list[list[int]] = []
    for worker in range(PROCESSES):
        mine = []
        for k in range(PER_PROCESS):
            form = ArrivalForm(
                cpr=_cpr(worker * PER_PROCESS + k + 7),
                benefit="kontanthjaelp",
                told_apply_digitally=True,
                rights_guidance_given=True,
                new_citizen=NewCitizen(name=f"Bench Borger {worker}-{k}"),
                confirm_duplicate=True,
            )
            request_id = arrivals.register_arrival(ctx, form).request_id
            # The conversation is opened (claimed by this desk) before it can be saved.
            visitation.start(ctx, request_id)
            mine.append(request_id)
        requests.append(mine)
    db.dispose()
    return site, openings, requests


def _worker(
    path: str,
    site: int,
    openings: list[int],
    requests: list[int],
    ready: object,
    start: object,
    out: object,
) -> None:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import visitation
    from jobbutik.services.config import context_for
    from jobbutik.services.visitation import ActivationChoice, Facts, ReferralChoice, VisitationPlan
    from jobbutik.store.db import Database

    db = Database(path)
    rules = load_rulebook()
    ctx = context_for(db, "demo", Clock(TODAY), rules)
    first_day: date = rules.default_activation_start(TODAY)
    plans = [
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
        for n, request_id in enumerate(requests)
    ]
    ready.put(None)  # type: ignore[attr-defined]
    start.wait()  # type: ignore[attr-defined]
    saved, failed = 0, []
    for plan in plans:
        try:
            visitation.complete(ctx, plan)
            saved += 1
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc}")
    out.put((saved, failed, time.monotonic()))  # type: ignore[attr-defined]
    db.dispose()


def run(template: Path) -> list[Result]:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / "throughput.sqlite"
    say(f"throughput: {PROCESSES} processes × {PER_PROCESS} visitations …")
    site, openings, requests = _prepare(template, path)
    spawn = multiprocessing.get_context("spawn")
    ready, start, out = spawn.Queue(), spawn.Event(), spawn.Queue()
    # Daemons: should one die before it reports, the others do not keep the benchmark alive.
    workers = [
        spawn.Process(
            target=_worker, args=(str(path), site, openings, mine, ready, start, out), daemon=True
        )
        for mine in requests
    ]
    for process in workers:
        process.start()
    try:
        for _process in workers:  # every process has imported and built its plans
            ready.get(timeout=600)
        began = time.monotonic()
        start.set()
        reports = [out.get(timeout=600) for _ in workers]
    finally:
        for process in workers:
            if process.is_alive() and not start.is_set():
                process.terminate()
            process.join(timeout=60)
    finished = max(done for _saved, _failed, done in reports)
    saved = sum(s for s, _f, _d in reports)
    failures = [f for _s, failed, _d in reports for f in failed]
    connection = sqlite3.connect(path)
    stored = connection.execute(
        "SELECT count(*) FROM visitation v JOIN citizen c ON c.id = v.citizen_id "
        "WHERE c.name LIKE 'Bench Borger %'"
    ).fetchone()[0]
    connection.close()
    rate = saved / (finished - began)
    expected = PROCESSES * PER_PROCESS
    lost = expected - stored
    note = f"{saved}/{expected} saved, {stored} in the file, {lost} lost"
    if failures:
        note += f"; first failure: {failures[0][:120]}"
    return [
        Result(
            f"Throughput, {PROCESSES} processes",
            f"{rate:.0f} visitations/s",
            "≥ 300/s, none lost",
            rate >= 300 and lost == 0 and saved == expected,
            note,
        )
    ]

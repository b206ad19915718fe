"""Many desks, one SQLite file: 8 processes write visitations at once and nothing is lost.

Each process opens its own `Database` on the same file and writes N visitation-shaped
transactions (a citizen, a request, a visitation) through `Database.write`, all starting at the
same moment. Every write a process saw acknowledged must be in the file, the counts exact, and no
"database is locked" may reach a process: BEGIN IMMEDIATE plus busy_timeout queue the writers.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import date, datetime
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from sqlmodel import Session, func, select

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen, Request, Staff, Visitation

PROCESSES = 8
WRITES_EACH = 25

pytestmark = pytest.mark.slow


def desk(path: str, number: int, writes: int, barrier: Barrier, results: Any) -> None:
    """One desk (runs in a spawned process): report acknowledged CPRs and any error text."""
    acknowledged: list[str] = []
    errors: list[str] = []
    try:
        db = Database(path)
        consultant_id = db.read(lambda s: s.exec(select(Staff.id)).one())
        barrier.wait(60)
        began = time.monotonic()
        for i in range(writes):
            cpr = f"{number:02d}{i:04d}0000"[:10]
            now = datetime.now(LOCAL_TZ)

            def visitation(session: Session, cpr: str = cpr, now: datetime = now) -> str:
                citizen = Citizen(
                    cpr=cpr,
                    name=f"Borger {cpr}",
                    name_folded=f"borger {cpr}",
                    birth_date=date(1990, 1, 1),
                    created_at=now,
                )
                session.add(citizen)
                session.flush()
                assert citizen.id is not None
                request = Request(
                    citizen_id=citizen.id,
                    arrived_on=now.date(),
                    arrived_at=now,
                    benefit="kontanthjaelp",
                    slot_date=now.date(),
                    registered_by="ab",
                )
                session.add(request)
                session.flush()
                assert request.id is not None
                session.add(
                    Visitation(
                        request_id=request.id,
                        citizen_id=citizen.id,
                        consultant_id=consultant_id,
                        held_on=now.date(),
                        completed_at=now,
                        age=36,
                        proposed_category="jobparat",
                        category="jobparat",
                    )
                )
                return cpr

            try:
                acknowledged.append(db.write(visitation))
            except Exception as exc:  # recorded: the test fails on any error
                errors.append(f"{type(exc).__name__}: {exc}")
        db.dispose()
        writing = time.monotonic() - began
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        writing = 0.0
    results.put((number, acknowledged, errors, writing))


def test_eight_processes_write_visitations_into_one_sqlite_file(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    db.write(lambda s: s.add(Staff(initials="ab", name="Anne Berg", roles="consultant")))
    assert db.path is not None
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=desk, args=(str(db.path), n, WRITES_EACH, barrier, results))
        for n in range(PROCESSES)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    elapsed = time.monotonic() - started
    writing = max(t for *_rest, t in reports)
    print(f"{PROCESSES} desks x {WRITES_EACH}: {elapsed:.1f} s in all, {writing:.1f} s writing")

    errors = [error for _n, _ack, errs, _t in reports for error in errs]
    assert errors == [], errors
    acknowledged = {cpr for _n, ack, _errs, _t in reports for cpr in ack}
    assert len(acknowledged) == PROCESSES * WRITES_EACH

    def stored(session: Session) -> tuple[set[str], int, int, int]:
        cprs = set(session.exec(select(Citizen.cpr)).all())
        counts = [
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Citizen, Request, Visitation)
        ]
        return cprs, counts[0], counts[1], counts[2]

    cprs, citizens, requests, visitations = db.read(stored)
    assert cprs == acknowledged
    assert citizens == requests == visitations == PROCESSES * WRITES_EACH
    orphans = db.read(lambda s: s.connection().exec_driver_sql("PRAGMA foreign_key_check").all())
    assert orphans == []
    assert writing < 30, f"{writing:.1f} s writing"

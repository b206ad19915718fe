"""Shared by the trust tests: running the command line in-process, filling a database with work."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from factories import NOW, add_company, add_opening, add_site, make_ctx
from sqlalchemy.exc import DBAPIError

from jobbutik.cli.main import main
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import set_language
from jobbutik.services import arrivals, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.visitation import (
    ActivationChoice,
    Facts,
    ReferralChoice,
    VisitationPlan,
)
from jobbutik.store import schema
from jobbutik.store.db import Database, resolve_url, sqlite_path
from jobbutik.store.settings import mark_demo

TODAY = "2026-11-23"
# The desk that registers and visits: a consultant (who may register arrivals too), nothing more.
DESK_ROLES = "consultant"


def command(db: Database | str, *args: str, user: str = "boss") -> list[str]:
    """The real program as a separate process: `python -m jobbutik --db … --user USER --today
    TODAY --lang en ARGS` (the database must be demo-marked to take --user and --today)."""
    url = db.url if isinstance(db, Database) else db
    program = [sys.executable, "-m", "jobbutik", "--db", url, "--lang", "en"]
    return [*program, "--user", user, "--today", TODAY, *args]


def cli(db: Database | str, user: str, *args: str, today: str = TODAY, stdin: str = "") -> Result:
    """`jobbutik --user USER --today TODAY …` in-process; the database is marked as a demo first,
    since only a demo database lets a command line choose its user and day."""
    url = db if isinstance(db, str) else db.url
    _mark_demo(url)
    try:
        return CliRunner().invoke(
            main,
            ["--db", url, "--user", user, "--today", today, "--lang", "en", *args],
            input=stdin,
        )
    finally:
        set_language("en")


def _mark_demo(url: str) -> None:
    """Mark a healthy database as a demo; a missing, locked, damaged or foreign one is left as it
    is, for the command under test to meet."""
    path = sqlite_path(resolve_url(url))
    if path is not None and not path.exists():
        return
    marker = Database(url)
    try:
        if schema.current_revision(marker) is not None:
            marker.write(mark_demo)
    except (JobbutikError, DBAPIError, sqlite3.DatabaseError):
        pass
    finally:
        marker.dispose()


def one_line_error(result: Result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jobbutik: ")
    return lines[0]


def cpr_for(n: int, birth: date = date(1990, 1, 1)) -> str:
    """A distinct CPR number per n: births from 1990 (serials 1000-3999 keep the 1900s)."""
    day = birth + timedelta(days=n // 3000)
    return f"{day:%d%m%y}{1000 + n % 3000:04d}"


def setup_visits(db: Database, user: str = "demo", *, seats: int = 100_000) -> dict[str, Any]:
    """A consultant, a site with `seats` seats and a few open openings."""
    ctx = make_ctx(db, user, roles=DESK_ROLES)
    site = add_site(db, seats=seats)
    company = add_company(db)
    openings = [add_opening(db, company, f"Job {i}") for i in range(3)]
    return {"ctx": ctx, "site": site, "openings": openings}


def arrive_and_start(ctx: ServiceContext, n: int) -> tuple[int, int]:
    """Citizen number `n` registered and taken into conversation: (citizen id, request id)."""
    arrival = arrivals.register_arrival(
        ctx,
        ArrivalForm(
            cpr=cpr_for(n),
            benefit="kontanthjaelp",
            new_citizen=NewCitizen(f"Borger {n}"),
            confirm_duplicate=True,
        ),
    )
    visitation.start(ctx, arrival.request_id)
    return arrival.citizen_id, arrival.request_id


def first_start_day(ctx: ServiceContext) -> date:
    """The first working day from today: when an activation booked today starts."""
    start = ctx.clock.today()
    while not ctx.rulebook.calendar.is_working_day(start):
        start += timedelta(days=1)
    return start


def visit_plan(
    ctx: ServiceContext, request_id: int, site: int, openings: list[int]
) -> VisitationPlan:
    """The whole conversation: an activation at `site` and a referral to every opening."""
    return VisitationPlan(
        request_id=request_id,
        facts=Facts(has_qualifying_education=True, job_wishes="lager"),
        category="jobparat",
        activation=ActivationChoice(site, first_start_day(ctx)),
        referrals=tuple(ReferralChoice(o) for o in openings),
    )


def register_and_visit(
    ctx: ServiceContext, n: int, site: int, openings: list[int]
) -> tuple[int, int, visitation.VisitationResult]:
    """One citizen registered and visited whole: activation + referrals + follow-ups."""
    citizen_id, request_id = arrive_and_start(ctx, n)
    result = visitation.complete(ctx, visit_plan(ctx, request_id, site, openings))
    return citizen_id, request_id, result


# Activations holding a seat (visitation.SEAT_HOLDING: planned or started), per site, beside the
# site's seats. Written out in SQL so the check does not lean on the code it checks.
SEATS_HELD_SQL = """
    SELECT s.id, s.seats, count(a.id)
    FROM activationsite AS s
    LEFT JOIN activation AS a ON a.site_id = s.id AND a.status IN ('planned', 'started')
    GROUP BY s.id, s.seats
    ORDER BY s.id
"""


def seats_held(db: Database) -> dict[int, tuple[int, int]]:
    """Per site: (seats, activations holding one)."""
    from sqlalchemy import text

    rows = db.read(lambda s: s.connection().execute(text(SEATS_HELD_SQL)).all())
    return {int(site): (int(seats), int(held)) for site, seats, held in rows}


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `condition` in small steps until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def path_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


__all__ = [
    "DESK_ROLES",
    "NOW",
    "arrive_and_start",
    "cli",
    "cpr_for",
    "one_line_error",
    "path_mode",
    "register_and_visit",
    "seats_held",
    "setup_visits",
    "visit_plan",
    "wait_until",
]


@contextlib.contextmanager
def held_by_another_desk(path: Path) -> Iterator[None]:
    """Another desk holds SQLite's write lock (BEGIN IMMEDIATE, never committing)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()

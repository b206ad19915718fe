"""Shared by the trust tests: running the command line in-process, filling a database with work."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from factories import NOW, add_company, add_opening, add_site, make_ctx

from jobbutik.cli.main import main
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
from jobbutik.store.db import Database

TODAY = "2026-11-23"


def cli(db: Database | str, user: str, *args: str, today: str = TODAY, stdin: str = "") -> Result:
    url = db if isinstance(db, str) else db.url
    try:
        return CliRunner().invoke(
            main,
            ["--db", url, "--user", user, "--today", today, "--lang", "en", *args],
            input=stdin,
        )
    finally:
        set_language("en")


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


def setup_visits(db: Database, user: str = "demo") -> dict[str, Any]:
    """A consultant, a site with many seats and a few open openings."""
    ctx = make_ctx(db, user)
    site = add_site(db, seats=100_000)
    company = add_company(db)
    openings = [add_opening(db, company, f"Job {i}") for i in range(3)]
    return {"ctx": ctx, "site": site, "openings": openings}


def register_and_visit(
    ctx: ServiceContext, n: int, site: int, openings: list[int]
) -> tuple[int, int, visitation.VisitationResult]:
    """One citizen registered and visited whole: activation + referrals + follow-ups."""
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
    today = ctx.clock.today()
    start = today
    while not ctx.rulebook.calendar.is_working_day(start):
        start += timedelta(days=1)
    plan = VisitationPlan(
        request_id=arrival.request_id,
        facts=Facts(has_vocational_education=True, job_wishes="lager"),
        category="jobparat",
        activation=ActivationChoice(site, start),
        referrals=tuple(ReferralChoice(o) for o in openings),
    )
    result = visitation.complete(ctx, plan)
    return arrival.citizen_id, arrival.request_id, result


def path_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


__all__ = ["NOW", "cli", "cpr_for", "one_line_error", "path_mode", "register_and_visit"]

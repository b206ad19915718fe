"""The demo database: deterministic for a seed, realistic in shape, consistent with the rules."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, func, select

from jobbutik.cli import main
from jobbutik.clock import LOCAL_TZ
from jobbutik.db import Database
from jobbutik.demo import DEMO_USER, build_demo, cvr_check_digit
from jobbutik.identity import fold_name, parse_cpr, parse_cvr
from jobbutik.models import (
    Activation,
    ActivationSite,
    AuditEntry,
    Category,
    Citizen,
    Company,
    FollowUp,
    Referral,
    Request,
    RequestStatus,
    Role,
    Staff,
    Visitation,
    Withdrawal,
)
from jobbutik.services import audit
from jobbutik.services.staff import resolve_staff

TODAY = date(2026, 11, 23)  # a Monday
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=LOCAL_TZ)


def build(db: Database, seed: int = 1, citizens: int = 300) -> dict[str, int]:
    return build_demo(db, today=TODAY, seed=seed, citizens=citizens, now=NOW).counts


def first_citizen(db: Database) -> tuple[str, str]:
    row = db.read(lambda s: s.exec(select(Citizen).order_by(col(Citizen.id))).first())
    assert row is not None
    return row.cpr, row.name


def all_rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    return list(db.read(lambda s: s.exec(select(model)).all()))


@pytest.fixture
def demo_db(sqlite_database: Database) -> Database:
    build(sqlite_database)
    return sqlite_database


def test_same_seed_same_data(tmp_path: Path, sqlite_database: Database) -> None:
    from jobbutik import schema

    counts = build(sqlite_database)
    other = Database(str(tmp_path / "again.sqlite"))
    schema.upgrade(other, backup=False)
    assert build(other) == counts
    assert first_citizen(other) == first_citizen(sqlite_database)
    third = Database(str(tmp_path / "seed2.sqlite"))
    schema.upgrade(third, backup=False)
    build(third, seed=2)
    assert first_citizen(third) != first_citizen(sqlite_database)
    assert counts["citizen"] == 300
    assert counts["request"] > 300 and counts["referral"] > 300


def test_a_day_in_progress(demo_db: Database) -> None:
    today = [r for r in all_rows(demo_db, Request) if r.arrived_on == TODAY]
    statuses = Counter(r.status for r in today)
    assert statuses[RequestStatus.WAITING] >= 2
    assert statuses[RequestStatus.IN_CONVERSATION] >= 1
    assert statuses[RequestStatus.DONE] >= 1
    assert all(r.arrived_at <= NOW for r in today)
    assert all(r.arrived_at.astimezone(LOCAL_TZ).date() == TODAY for r in today)
    # Everyone seen today has a visitation held today; those waiting have none.
    held_today = {v.request_id for v in all_rows(demo_db, Visitation) if v.held_on == TODAY}
    assert {r.id for r in today if r.status == RequestStatus.DONE} <= held_today
    assert not {r.id for r in today if r.status == RequestStatus.WAITING} & held_today


def test_history_shape(demo_db: Database) -> None:
    follow_ups = all_rows(demo_db, FollowUp)
    overdue = [f for f in follow_ups if f.done_at is None and f.due < TODAY]
    assert overdue, "some follow-ups are overdue"
    assert any(f.done_at is None and f.due >= TODAY for f in follow_ups), "some are due later"
    assert any(f.sanction_flag for f in follow_ups)
    requests = all_rows(demo_db, Request)
    withdrawn = [r for r in requests if r.status == RequestStatus.WITHDRAWN]
    assert 0.12 <= len(withdrawn) / len(requests) <= 0.30
    assert len(all_rows(demo_db, Withdrawal)) == len(withdrawn)
    visits = all_rows(demo_db, Visitation)
    categories = Counter(v.category for v in visits)
    assert categories[Category.JOBPARAT] > len(visits) / 3
    assert categories[Category.AKTIVITETSPARAT] > 0
    for v in visits:
        if v.category == Category.AKTIVITETSPARAT or v.activation_exempt:
            assert v.override_reason or v.exemption_reason
        if v.age < 30 and not v.has_vocational_education:
            assert v.youth_track and v.guidance_referred and v.injunction_given
            assert v.category in (Category.AABENLYST_UDDANNELSESPARAT, Category.UDDANNELSESPARAT)
        else:
            assert not v.youth_track
    referrals = all_rows(demo_db, Referral)
    assert any(r.outcome for r in referrals) and any(r.outcome is None for r in referrals)
    assert all(r.referred_on <= r.apply_by <= r.follow_up_on for r in referrals)


def test_no_activation_site_is_over_capacity(demo_db: Database) -> None:
    sites = {s.id: s for s in all_rows(demo_db, ActivationSite)}
    activations = all_rows(demo_db, Activation)
    assert activations
    by_site: dict[int, list[Activation]] = {}
    for a in activations:
        by_site.setdefault(a.site_id, []).append(a)
    for site_id, items in by_site.items():
        seats = sites[site_id].seats
        # As services.visitation counts: planned or started activations hold a seat.
        holding = [a for a in items if a.status in ("planned", "started")]
        assert len(holding) <= seats, sites[site_id].name
        first = min(a.start_date for a in items)
        day = first
        while day <= TODAY + timedelta(days=14):
            present = sum(
                1
                for a in items
                if a.start_date <= day and (a.end_date is None or day <= a.end_date)
            )
            assert present <= seats, (sites[site_id].name, day)
            day += timedelta(days=1)
        for a in items:
            assert a.start_date.weekday() in sites[site_id].weekdays


def test_identity_numbers_are_valid(demo_db: Database) -> None:
    for citizen in all_rows(demo_db, Citizen):
        cpr = parse_cpr(citizen.cpr, TODAY)
        assert cpr.birth_date == citizen.birth_date
        assert 18 <= cpr.age(TODAY) <= 64
        assert citizen.name_folded == fold_name(citizen.name)
    for company in all_rows(demo_db, Company):
        assert parse_cvr(company.cvr) == company.cvr
    for prefix in ("1000000", "2987654", "3456789", "8123456"):
        check = cvr_check_digit(prefix)
        if check is not None:
            assert parse_cvr(prefix + str(check)) == prefix + str(check)


def test_demo_user_holds_every_role_and_the_audit_log_is_one_entry(demo_db: Database) -> None:
    staff = {s.initials: s for s in all_rows(demo_db, Staff)}
    assert staff[DEMO_USER].role_set == frozenset(Role)
    roles = Counter(r for s in staff.values() for r in s.role_set)
    assert roles[Role.RECEPTION] >= 3 and roles[Role.CONSULTANT] >= 5
    assert roles[Role.SUPERVISOR] >= 2
    assert resolve_staff(demo_db, DEMO_USER).initials == DEMO_USER
    entries = all_rows(demo_db, AuditEntry)
    assert len(entries) == 1 and "demo" in entries[0].detail
    assert audit.verify(demo_db).ok


def test_demo_on_both_backends_leaves_ids_usable(database: Database) -> None:
    """PostgreSQL sequences are moved past the demo's explicit ids, so new rows can be added."""
    counts = build(database, citizens=60)

    def add(session: Session) -> int:
        citizen = Citizen(
            cpr="0101900000",
            name="Ny Borger",
            name_folded="ny borger",
            birth_date=date(1990, 1, 1),
            created_at=NOW,
        )
        session.add(citizen)
        session.flush()
        assert citizen.id is not None
        return citizen.id

    assert database.write(add) == counts["citizen"] + 1
    total = database.read(lambda s: s.exec(select(func.count()).select_from(Citizen)).one())
    assert total == counts["citizen"] + 1


def test_db_check_passes_on_a_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    runner = CliRunner()
    args = ["--db", str(path), "--today", "2026-11-23", "--lang", "en"]
    built = runner.invoke(main, [*args, "demo", "--no-tui", "--citizens", "120"])
    assert built.exit_code == 0, built.output
    checked = runner.invoke(main, [*args, "db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "intact" in checked.stdout

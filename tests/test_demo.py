"""The demo database: deterministic for a seed, realistic in shape, consistent with the rules."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, func, select

from jobbutik import demo
from jobbutik.cli.main import main
from jobbutik.demo import DEMO_USER, HISTORY_WEEKS, build_demo, cvr_check_digit
from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.identity import fold_name, parse_cpr, parse_cvr
from jobbutik.domain.rules import load_rulebook, target_group
from jobbutik.services import audit
from jobbutik.services.staff import resolve_staff
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    AuditEntry,
    Benefit,
    Category,
    Citizen,
    CitizenNameTail,
    Company,
    FollowUp,
    FollowUpKind,
    FollowUpOutcome,
    Hearing,
    HearingStatus,
    JobOpening,
    Referral,
    Request,
    RequestStatus,
    Role,
    Staff,
    Visitation,
    Withdrawal,
)

TODAY = date(2026, 11, 23)  # a Monday
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=LOCAL_TZ)
RECENT = TODAY - timedelta(weeks=HISTORY_WEEKS)
MODELS = (
    Staff,
    Company,
    JobOpening,
    ActivationSite,
    Citizen,
    CitizenNameTail,
    Request,
    Withdrawal,
    Visitation,
    Activation,
    Referral,
    FollowUp,
    Hearing,
)


def build(
    db: Database, seed: int = 1, citizens: int = 300, in_worker: bool | None = None
) -> dict[str, int]:
    return build_demo(
        db, today=TODAY, seed=seed, citizens=citizens, now=NOW, in_worker=in_worker
    ).counts


def first_citizen(db: Database) -> tuple[str, str]:
    row = db.read(lambda s: s.exec(select(Citizen).order_by(col(Citizen.id))).first())
    assert row is not None
    return row.cpr, row.name


def all_rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    return list(db.read(lambda s: s.exec(select(model)).all()))


def contents(db: Database) -> dict[str, list[dict[str, object]]]:
    """Every demo row, as plain values in a fixed order."""

    def key(row: dict[str, object]) -> tuple[str, ...]:
        return tuple(str(value) for value in row.values())

    return {
        model.__name__: sorted((row.model_dump() for row in all_rows(db, model)), key=key)
        for model in MODELS
    }


@pytest.fixture
def demo_db(sqlite_database: Database) -> Database:
    build(sqlite_database)
    return sqlite_database


def test_same_seed_same_data(tmp_path: Path, sqlite_database: Database) -> None:
    from jobbutik.store import schema

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


def test_a_demo_built_at_night_shows_a_day_within_the_opening_hours(
    sqlite_database: Database,
) -> None:
    early = datetime(2026, 11, 23, 4, 0, tzinfo=LOCAL_TZ)
    build_demo(sqlite_database, today=TODAY, now=early, citizens=120, in_worker=False)
    today = [r for r in all_rows(sqlite_database, Request) if r.arrived_on == TODAY]
    assert len(today) >= 4
    opens, late_morning = (
        datetime(2026, 11, 23, h, m, tzinfo=LOCAL_TZ) for h, m in ((9, 0), (11, 30))
    )
    assert all(opens <= r.arrived_at < late_morning for r in today)
    assert min(r.arrived_at for r in today) < opens + timedelta(hours=1)  # from the opening on
    closed = [r for r in today if r.closed_at is not None]
    assert closed and all(r.arrived_at <= r.closed_at <= late_morning for r in closed)
    consultants = {
        s.initials for s in all_rows(sqlite_database, Staff) if Role.CONSULTANT.value in s.roles
    }
    talking = [r for r in today if r.status == RequestStatus.IN_CONVERSATION]
    assert talking and all(r.claimed_by in consultants for r in talking)
    assert len({r.claimed_by for r in talking}) == len(talking)  # one conversation per desk
    assert all(r.arrived_at <= r.claimed_at <= r.claim_seen_at for r in talking)
    waiting = [r for r in today if r.status == RequestStatus.WAITING]
    assert waiting and all(r.claimed_by is None for r in waiting)


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
    referrals = all_rows(demo_db, Referral)
    assert any(r.outcome for r in referrals) and any(r.outcome is None for r in referrals)
    assert all(r.referred_on <= r.apply_by <= r.follow_up_on for r in referrals)
    # A small demo's history is the last HISTORY_WEEKS weeks, with every week in it.
    first = min(r.arrived_on for r in requests)
    assert RECENT <= first < RECENT + timedelta(days=7)


def assert_lawful(db: Database, today: date = TODAY) -> None:
    """What issue 13 asks of every visitation, follow-up and hearing, checked against the rule
    set in force on the day."""
    rules = load_rulebook()
    requests = {r.id: r for r in all_rows(db, Request)}
    for r in requests.values():
        # Benefits by date: no uddannelseshjælp on an application from 1 July 2025.
        assert r.benefit in rules.benefits_on(r.arrived_on), (r.arrived_on, r.benefit)
        assert r.first_contact_on <= r.arrived_on <= r.slot_date
        assert r.slot_date <= rules.latest_first_conversation(r.first_contact_on)
        assert r.no_show_reason == "" or r.status == RequestStatus.NO_SHOW
    visits = {v.id: v for v in all_rows(db, Visitation)}
    activated = {a.visitation_id for a in all_rows(db, Activation)}
    reviews = {
        f.visitation_id: f for f in all_rows(db, FollowUp) if f.kind == FollowUpKind.CATEGORY_REVIEW
    }
    for v in visits.values():
        ruleset = rules.in_force(v.held_on)
        # Both questions the group depends on are answered, and the category is one of the group's.
        assert v.has_qualifying_education is not None and v.integration_programme is not None
        group = target_group(ruleset, v.age, v.has_qualifying_education, v.integration_programme)
        assert v.category in group.categories, (v.age, v.category, group.categories)
        assert v.youth_track == group.youth
        if v.category != v.proposed_category:
            assert v.override_reason
        # Straksaktivering for everyone, or an exemption with its reason.
        assert (v.id in activated) != v.activation_exempt
        assert not v.activation_exempt or v.exemption_reason
        # Young people: guidance, and a pålæg (goal and deadline) only where the set has one.
        assert v.guidance_referred == group.youth
        assert not v.injunction_given or (group.youth and ruleset.injunction)
        assert v.injunction_given == bool(v.injunction_goal) == (v.injunction_deadline is not None)
        if v.injunction_deadline is not None:
            assert v.injunction_deadline > v.held_on
        # A young uddannelsesparat is provisional; the final visitation counts from the first
        # henvendelse, and its follow-up is always there.
        provisional = group.youth and v.category == Category.UDDANNELSESPARAT
        assert v.provisional == provisional
        if provisional:
            due = rules.final_visitation(requests[v.request_id].first_contact_on)
            assert v.review_on == due
            assert reviews[v.id].due == due
        else:
            assert v.review_on is None and v.id not in reviews
    # Hearings only where the category at the time carried the duty, after written guidance;
    # due at the end of the third whole month; a follow-up is flagged exactly when it raised one.
    hearings = all_rows(db, Hearing)
    follow_ups = {f.id: f for f in all_rows(db, FollowUp)}
    guided: dict[int, list[date]] = {}
    for r in requests.values():
        if r.rights_guidance_given:
            guided.setdefault(r.citizen_id, []).append(r.arrived_on)
    for v in visits.values():
        if v.rights_guidance_given:
            guided.setdefault(v.citizen_id, []).append(v.held_on)
    for h in hearings:
        assert rules.in_force(h.event_on).carries(h.category, h.event), (h.category, h.event)
        assert any(day <= h.event_on for day in guided.get(h.citizen_id, ())), h.id
        assert h.due == rules.hearing_due(h.event_on)
        assert h.event_on < today and (h.follow_up_id is None) != (h.request_id is None)
        decided = h.status == HearingStatus.DECIDED
        assert (h.sent_on is not None) == (h.status != HearingStatus.AWAITING)
        assert (h.decision is not None) == decided == (h.decided_on is not None)
        if h.decided_on is not None and h.sent_on is not None:
            assert h.sent_on <= h.decided_on <= h.due
    raised = {h.follow_up_id for h in hearings if h.follow_up_id is not None}
    assert {f.id for f in follow_ups.values() if f.sanction_flag} == raised


def test_the_demo_follows_the_rules(demo_db: Database) -> None:
    assert_lawful(demo_db)
    visits = all_rows(demo_db, Visitation)
    requests = all_rows(demo_db, Request)
    hearings = all_rows(demo_db, Hearing)
    # Enough of each for the screens to show: young people, provisional ones, pålæg.
    assert sum(v.youth_track for v in visits) > 30
    assert any(v.provisional for v in visits)
    goals = {v.injunction_goal for v in visits if v.injunction_given}
    assert len(goals) >= 5
    assert 0.7 <= sum(v.rights_guidance_given for v in visits) / len(visits) < 1
    assert 0.7 <= sum(r.rights_guidance_given for r in requests) / len(requests) < 1
    assert any(r.first_contact_on < r.arrived_on for r in requests)
    assert any(r.no_show_reason for r in requests)
    # Every status of a hearing's life cycle, and a no-show at the job conversation among them.
    assert {h.status for h in hearings} == set(HearingStatus)
    assert any(h.request_id for h in hearings)
    # An uddannelsesparat citizen's "did not apply" raised nothing (no duty to apply for jobs).
    flagged = {f.id for f in all_rows(demo_db, FollowUp) if f.sanction_flag}
    by_visit = {v.id: v for v in visits}
    not_applied = [
        f
        for f in all_rows(demo_db, FollowUp)
        if f.outcome == "not_applied_no_reason" and f.visitation_id is not None
    ]
    udd = [f for f in not_applied if by_visit[f.visitation_id].category == "uddannelsesparat"]
    job = [f for f in not_applied if by_visit[f.visitation_id].category == "jobparat"]
    assert job and any(f.id in flagged for f in job)
    assert not any(f.id in flagged for f in udd)
    sites = all_rows(demo_db, ActivationSite)
    targets = [s for s in sites if s.target_employment_share is not None]
    assert targets and len(targets) < len(sites)
    for site in targets:
        assert site.target_job_or_education_share is not None
        assert 0 < site.target_employment_share < site.target_job_or_education_share <= 1


@pytest.mark.parametrize(
    ("today", "youth_track"),
    [(date(2025, 7, 15), True), (date(2027, 2, 1), False)],
    ids=["uddannelseshjaelp-ended", "reform-2027"],
)
def test_a_demo_across_a_rule_set_switch(
    sqlite_database: Database, today: date, youth_track: bool
) -> None:
    """Built as of a day just after a switch, the history spans two rule sets and each row
    follows the set in force on its own day."""
    build_demo(sqlite_database, today=today, citizens=150, in_worker=False)
    assert_lawful(sqlite_database, today)
    requests = all_rows(sqlite_database, Request)
    switch = load_rulebook().in_force(today).valid_from
    before = {r.benefit for r in requests if r.arrived_on < switch}
    after = {r.benefit for r in requests if r.arrived_on >= switch}
    if youth_track:
        assert Benefit.UDDANNELSESHJAELP in before
    assert after == {Benefit.KONTANTHJAELP}
    visits = all_rows(sqlite_database, Visitation)
    assert any(v.youth_track for v in visits if v.held_on < switch)
    assert any(v.youth_track for v in visits if v.held_on >= switch) == youth_track
    assert not any(v.injunction_given for v in visits if v.held_on >= switch) or youth_track


def test_no_activation_site_is_over_capacity(demo_db: Database) -> None:
    assert_within_seats(demo_db)


def assert_within_seats(db: Database) -> None:
    sites = {s.id: s for s in all_rows(db, ActivationSite)}
    activations = all_rows(db, Activation)
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


def test_seat_lanes_decide_as_a_plain_first_fit_does() -> None:
    """`_Lanes` remembers how much room a start day had; its answers stay those of looking at
    every lane every time."""
    import random

    rng = random.Random(7)
    lanes = demo._Lanes(3)
    plain: list[list[tuple[int, int]]] = [[], [], []]
    for _ in range(3000):
        start = rng.randrange(200)
        end = demo._Lanes.OPEN if rng.random() < 0.02 else start + rng.randrange(40)
        holds = end == demo._Lanes.OPEN
        expected = not (
            holds and sum(e == demo._Lanes.OPEN for lane in plain for _s, e in lane) >= 3
        )
        if expected:
            free = [lane for lane in plain if all(e < start or s > end for s, e in lane)]
            expected = bool(free)
            if free:
                free[0].append((start, end))
        assert lanes.take(start, end, holds) == expected


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


def test_a_demo_is_built_while_another_connection_has_the_file_open(
    sqlite_database: Database,
) -> None:
    """SQLite then keeps its WAL journal for the load (only slower) instead of waiting."""
    import sqlite3

    assert sqlite_database.path is not None
    other = sqlite3.connect(sqlite_database.path)
    try:
        other.execute("SELECT count(*) FROM staff").fetchall()
        counts = build(sqlite_database, citizens=40)
        assert other.execute("SELECT count(*) FROM citizen").fetchone() == (counts["citizen"],)
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        other.close()


def test_db_check_passes_on_a_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    runner = CliRunner()
    args = ["--db", str(path), "--today", "2026-11-23", "--lang", "en"]
    built = runner.invoke(main, [*args, "demo", "--no-tui", "--citizens", "120"])
    assert built.exit_code == 0, built.output
    checked = runner.invoke(main, [*args, "db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "intact" in checked.stdout


def test_a_worker_process_builds_the_same_rows(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built in a worker process chunk by chunk (as large demos are), on either backend, the
    rows are the ones built in this process."""
    from jobbutik.store import schema

    monkeypatch.setattr(demo, "CHUNK", 25)  # three chunks of citizens
    counts = build(database, citizens=60, in_worker=True)
    here = Database(str(tmp_path / "here.sqlite"))
    schema.upgrade(here, backup=False)
    assert build(here, citizens=60, in_worker=False) == counts
    assert contents(database) == contents(here)


@pytest.fixture
def long_history_db(sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """300 citizens spread as thinly as a million are: about 3 arrivals a working day, so the
    history reaches back beyond the last HISTORY_WEEKS weeks."""
    monkeypatch.setattr(demo, "ARRIVALS_PER_DAY", 3)
    counts = build(sqlite_database)
    assert 1.8 <= counts["request"] / counts["citizen"] <= 2.2
    assert 2.5 <= counts["referral"] / counts["citizen"] <= 3.5
    return sqlite_database


def test_a_large_demo_spreads_over_a_longer_history(long_history_db: Database) -> None:
    db = long_history_db
    requests = all_rows(db, Request)
    history = [r for r in requests if r.arrived_on < TODAY]
    days = Counter(r.arrived_on for r in history)
    assert min(days) < RECENT - timedelta(weeks=HISTORY_WEEKS)  # well beyond 16 weeks
    assert len(history) / len(days) <= 4  # about 3 a working day, not 600 / 80
    # Arrivals are spread evenly: the last weeks are as busy as the history before them.
    recent = sum(n for day, n in days.items() if day >= RECENT)
    older = len(history) - recent
    recent_days = sum(1 for day in days if day >= RECENT)
    assert 0.7 <= (recent / recent_days) / (older / (len(days) - recent_days)) <= 1.4
    # Everyone was 18–64 whenever they came.
    citizens = {c.id: c for c in all_rows(db, Citizen)}
    for r in requests:
        birth = citizens[r.citizen_id].birth_date
        assert r.arrived_on.replace(year=r.arrived_on.year - 18) >= birth
        assert birth > TODAY.replace(year=TODAY.year - 65)


def test_a_long_history_is_settled_but_for_the_last_weeks(long_history_db: Database) -> None:
    """What is open (follow-ups, referrals without an answer) comes from the recent weeks; the
    years before are done. The day in progress, openings and seats are as in a small demo."""
    db = long_history_db
    assert_lawful(db)
    held = {v.id: v.held_on for v in all_rows(db, Visitation)}
    open_follow_ups = [f for f in all_rows(db, FollowUp) if f.done_at is None]
    assert any(f.due < TODAY for f in open_follow_ups), "some are overdue"
    assert any(f.due >= TODAY for f in open_follow_ups), "some are due later"
    for f in open_follow_ups:
        assert f.visitation_id is not None
        # Only a "still in work?" check half a year after an older hire is not yet due.
        assert held[f.visitation_id] >= RECENT or (
            f.kind == FollowUpKind.DURABILITY and f.due >= TODAY
        )
    # Hires half a year ago were checked: mostly still in work.
    durable = Counter(f.outcome for f in all_rows(db, FollowUp) if f.kind == "durability")
    assert durable[FollowUpOutcome.STILL_IN_WORK] > durable[FollowUpOutcome.NO_LONGER_IN_WORK] > 0
    hired = {r.id: r.outcome_on for r in all_rows(db, Referral) if r.outcome == "hired"}
    checks = {f.referral_id: f for f in all_rows(db, FollowUp) if f.kind == "durability"}
    assert checks.keys() == hired.keys()
    rules = load_rulebook()
    assert all(checks[k].due == rules.durability_check(on) for k, on in hired.items() if on)
    unanswered = [r for r in all_rows(db, Referral) if r.outcome is None]
    assert unanswered and all(r.referred_on >= RECENT for r in unanswered)
    today = Counter(r.status for r in all_rows(db, Request) if r.arrived_on == TODAY)
    assert today[RequestStatus.WAITING] >= 2 and today[RequestStatus.IN_CONVERSATION] >= 1
    assert any(o.status == "open" and o.apply_by >= TODAY for o in all_rows(db, JobOpening))
    assert_within_seats(db)


def test_wishes_are_typed_as_consultants_type_them(demo_db: Database) -> None:
    """The citizens' industries read as consultants type them (the trade, the work, "og" and
    "/", plurals, the odd slip), not as copies of the openings' industry names or titles; the
    job wishes are the citizen's own words."""
    typed = {phrase for phrases in demo.WISHES_TYPED.values() for phrase in phrases}
    visits = all_rows(demo_db, Visitation)
    entries = [i for v in visits for i in v.industries.split(",")]
    assert entries and set(entries) <= typed
    assert len(set(entries)) >= 40  # seed 1 uses all 61 phrasings
    as_filed = {fold_name(industry) for industry in demo.INDUSTRIES}
    copied = sum(fold_name(entry) in as_filed for entry in entries)
    # Sometimes the industry's own name is what is typed ("Rengøring", "transport"): seed 1
    # has 140 of 921 (15 %).
    assert copied / len(entries) < 0.2
    titles = {fold_name(o.title) for o in all_rows(demo_db, JobOpening)}
    assert not any(fold_name(v.job_wishes) in titles for v in visits)
    names = [c.name for c in all_rows(demo_db, Citizen)]
    assert any("-" in name.split()[-1] for name in names)  # a double surname
    assert any(other in name for name in names for other in ("van der", "O'", "de la"))


@pytest.mark.parametrize("industry", list(demo.INDUSTRIES))
def test_every_typed_wish_finds_openings_of_its_industry(industry: str) -> None:
    """Each way the demo types a wish finds the openings it stands for, by their industry or
    at least one of their titles."""
    from jobbutik.domain.words import industry_matches

    for phrase in demo.WISHES_TYPED[industry]:
        assert industry_matches(phrase, industry) or any(
            industry_matches(phrase, title) for title in demo.INDUSTRIES[industry]
        ), phrase


def test_job_ready_citizens_with_a_wish_are_offered_wished_openings(demo_db: Database) -> None:
    """Matching on the demo, as a consultant sees it in a conversation: with the facts of the
    citizen's last visitation, nearly every job-ready citizen with a wish is offered at least
    one opening for it. Seed 1 gives 172 of 183 (94 %); the others wished only work no open
    opening they were not yet referred to offers ("tjener", "køkken"). Comparing words as
    before issue 12 (every word of the wish in the industry, no compounds, alternatives or
    words for the person) gave 133 of 164 (81 %) on the demo of issue 12."""
    from jobbutik.domain.clock import Clock
    from jobbutik.services import matching
    from jobbutik.services.config import context_for
    from jobbutik.services.visitation import previous_facts

    ctx = context_for(demo_db, DEMO_USER, Clock(fixed_now=NOW))
    wished = f"+{matching.W_INDUSTRY} wished"
    with_a_wish = offered = 0
    for v in all_rows(demo_db, Visitation):
        previous = demo_db.read(lambda s, cid=v.citizen_id: previous_facts(s, cid))
        assert previous is not None
        if previous.held_on != v.held_on or v.category != Category.JOBPARAT:
            continue  # only the citizen's last visitation, and only job-ready citizens
        assert previous.facts.industries
        with_a_wish += 1
        matches = matching.rank_openings(ctx, v.citizen_id, previous.facts)
        offered += any(r.startswith(wished) for m in matches for r in m.reasons)
    assert with_a_wish > 100
    assert offered / with_a_wish >= 0.9

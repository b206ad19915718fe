"""Retention: closed cases older than the period are listed (dry run), then anonymised or deleted;
open or recent cases are kept; everything is audited and the chain still verifies."""

from __future__ import annotations

from datetime import datetime, timedelta

from factories import NOW, make_ctx, on_day
from sqlmodel import Session, col, func, select
from trust_helpers import cli, cpr_for, one_line_error, register_and_visit, setup_visits

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.services import arrivals, audit, citizens, retention, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    AuditEntry,
    Citizen,
    FollowUp,
    Referral,
    Request,
    Setting,
    Visitation,
)

LATER = datetime(2032, 3, 1, 9, 0, tzinfo=LOCAL_TZ)  # more than 5 years after NOW


def _withdrawn(ctx, n: int) -> int:  # type: ignore[no-untyped-def]
    arrival = arrivals.register_arrival(
        ctx,
        ArrivalForm(cpr_for(n), "kontanthjaelp", new_citizen=NewCitizen(f"Borger {n}")),
    )
    visitation.withdraw(ctx, arrival.request_id, "job")
    return arrival.citizen_id


def _close_follow_ups(db: Database, citizen_id: int, when: datetime) -> None:
    def work(session: Session) -> None:
        for f in session.exec(select(FollowUp).where(FollowUp.citizen_id == citizen_id)).all():
            f.done_at = when
            session.add(f)
        for a in session.exec(select(Activation).where(Activation.citizen_id == citizen_id)).all():
            a.status, a.end_date = "ended", when.date()
            session.add(a)

    db.write(work)


def _scenario(db: Database) -> dict[str, int]:
    setup = setup_visits(db)
    ctx = setup["ctx"]
    old_withdrawn = _withdrawn(ctx, 1)
    visited, _request, _result = register_and_visit(ctx, 2, setup["site"], setup["openings"])
    _close_follow_ups(db, visited, NOW + timedelta(days=30))
    still_open, _r, _res = register_and_visit(ctx, 3, setup["site"], setup["openings"])
    waiting = arrivals.register_arrival(
        ctx, ArrivalForm(cpr_for(4), "kontanthjaelp", new_citizen=NewCitizen("Borger 4"))
    ).citizen_id
    came_back = _withdrawn(ctx, 5)
    recent = on_day(ctx, datetime(2029, 6, 4, 9, 0, tzinfo=LOCAL_TZ))
    again = arrivals.register_arrival(recent, ArrivalForm(cpr_for(5), "kontanthjaelp"))
    visitation.withdraw(recent, again.request_id, "education")
    return {
        "old_withdrawn": old_withdrawn,
        "visited": visited,
        "still_open": still_open,
        "waiting": waiting,
        "came_back": came_back,
    }


def test_dry_run_lists_and_changes_nothing(sqlite_database: Database) -> None:
    ids = _scenario(sqlite_database)
    admin = make_ctx(sqlite_database, "boss", roles="admin", now=LATER)
    result = retention.retention(admin)
    assert not result.applied
    assert {c.citizen_id for c in result.candidates} == {ids["old_withdrawn"], ids["visited"]}
    assert [c.cpr_masked for c in result.candidates] == ["010190-XXXX", "010190-XXXX"]
    names = sqlite_database.read(lambda s: [c.name for c in s.exec(select(Citizen)).all()])
    assert "Anonymiseret" not in names
    reviews = sqlite_database.read(
        lambda s: s.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.purpose == "retention review")
        ).one()
    )
    assert reviews == 2


def test_apply_anonymises_closed_cases_and_keeps_the_rest(database: Database) -> None:
    ids = _scenario(database)
    admin = make_ctx(database, "boss", roles="admin", now=LATER)
    result = retention.retention(admin, apply=True)
    assert result.applied and result.done == 2 and result.mode == "anonymise"

    def rows(session: Session) -> dict[int, Citizen]:
        return {c.id: c for c in session.exec(select(Citizen)).all() if c.id is not None}

    people = database.read(rows)
    for key in ("old_withdrawn", "visited"):
        gone = people[ids[key]]
        assert gone.name == "Anonymiseret"
        assert gone.anonymised_at is not None
        assert gone.anonymised_at.astimezone(LOCAL_TZ) == LATER
        assert gone.cpr.startswith("00") and gone.phone is None and gone.postcode is None
    for key in ("still_open", "waiting", "came_back"):
        assert people[ids[key]].name.startswith("Borger")
    # Statistics keep their rows; the free text about the person is gone.
    visit = database.read(
        lambda s: s.exec(select(Visitation).where(Visitation.citizen_id == ids["visited"])).one()
    )
    assert visit.job_wishes == "" and visit.category == "jobparat"
    # Nobody finds them any more.
    desk = make_ctx(database, "desk", roles="reception", now=LATER)
    assert citizens.search(desk, "Borger 2") == []
    assert citizens.lookup_cpr(desk, cpr_for(2)) is None
    deletions = database.read(
        lambda s: s.exec(
            select(AuditEntry).where(AuditEntry.action == "delete", AuditEntry.entity == "citizen")
        ).all()
    )
    assert sorted(e.citizen_id for e in deletions) == sorted([ids["old_withdrawn"], ids["visited"]])
    assert audit.verify(database).ok
    # Applying again finds nothing more.
    assert retention.retention(admin, apply=True).done == 0


def test_delete_mode_and_the_command(sqlite_database: Database) -> None:
    ids = _scenario(sqlite_database)
    sqlite_database.write(lambda s: s.add(Setting(key="retention_mode", value="delete")))
    make_ctx(sqlite_database, "boss", roles="admin")
    dry = cli(sqlite_database, "boss", "retention", today="2032-03-01")
    assert dry.exit_code == 0, dry.output
    assert "2 citizens would be deleted" in dry.stdout and "Nothing was changed" in dry.stdout
    done = cli(sqlite_database, "boss", "retention", "--apply", today="2032-03-01")
    assert done.exit_code == 0, done.output
    assert "2 citizens deleted" in done.stdout

    def left(session: Session) -> tuple[set[int], int, int]:
        people = {c.id for c in session.exec(select(Citizen)).all() if c.id is not None}
        requests = session.exec(
            select(func.count())
            .select_from(Request)
            .where(col(Request.citizen_id).in_([ids["old_withdrawn"], ids["visited"]]))
        ).one()
        referrals = session.exec(
            select(func.count()).select_from(Referral).where(Referral.citizen_id == ids["visited"])
        ).one()
        return people, requests, referrals

    people, requests, referrals = sqlite_database.read(left)
    assert ids["old_withdrawn"] not in people and ids["visited"] not in people
    assert ids["waiting"] in people
    assert requests == 0 and referrals == 0
    assert cli(sqlite_database, "boss", "db", "check").exit_code == 0


def test_a_bad_setting_is_refused(sqlite_database: Database) -> None:
    sqlite_database.write(lambda s: s.add(Setting(key="retention_years", value="five")))
    make_ctx(sqlite_database, "boss", roles="admin")
    result = cli(sqlite_database, "boss", "retention")
    assert result.exit_code == 1
    assert one_line_error(result) == (
        "jobbutik: The setting retention_years must be a whole number (1 or more), not 'five'."
    )

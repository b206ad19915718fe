"""Retention: closed cases older than the period are listed (dry run), then anonymised or deleted;
open or recent cases are kept; everything is audited and the chain still verifies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from factories import NOW, make_ctx, on_day
from sqlmodel import Session, col, func, select
from trust_helpers import cli, cpr_for, one_line_error, register_and_visit, setup_visits

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.rules import load_rulebook
from jobbutik.services import arrivals, audit, citizens, retention, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    AuditEntry,
    Citizen,
    FollowUp,
    Hearing,
    Referral,
    Request,
    Setting,
    Staff,
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


# -- the period comes from the local rules; a setting in the database still wins -----------------

AFTER_3_YEARS = datetime(2030, 3, 1, 9, 0, tzinfo=LOCAL_TZ)  # 3 but not 5 years after NOW


def _three_years(tmp_path: Path) -> Path:
    path = tmp_path / "herlev.toml"
    path.write_text("[local]\nretention_years = 3\n", encoding="utf-8")
    return path


def test_the_period_is_the_local_rule_value(sqlite_database: Database, tmp_path: Path) -> None:
    ids = _scenario(sqlite_database)
    admin = make_ctx(sqlite_database, "boss", roles="admin", now=AFTER_3_YEARS)
    bundled = retention.retention(admin)
    assert bundled.years == 5 and bundled.candidates == ()
    local = replace(admin, rulebook=load_rulebook(_three_years(tmp_path)))
    result = retention.retention(local)
    assert result.years == 3 and result.cutoff == date(2027, 3, 1)
    assert {c.citizen_id for c in result.candidates} == {ids["old_withdrawn"], ids["visited"]}


def test_the_setting_wins_over_the_rule_value(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario(sqlite_database)
    make_ctx(sqlite_database, "boss", roles="admin")
    monkeypatch.setenv("JOBBUTIK_RULES", str(_three_years(tmp_path)))
    by_rule = cli(sqlite_database, "boss", "retention", today="2030-03-01")
    assert by_rule.exit_code == 0, by_rule.output
    assert "2 citizens would be anonymised (cases closed before 01.03.2027, 3 years)" in (
        by_rule.stdout
    )
    sqlite_database.write(lambda s: s.add(Setting(key="retention_years", value="5")))
    by_setting = cli(sqlite_database, "boss", "retention", today="2030-03-01")
    assert by_setting.exit_code == 0, by_setting.output
    assert "0 citizens would be anonymised (cases closed before 01.03.2025, 5 years)" in (
        by_setting.stdout
    )


# -- hearings: an undecided one keeps the case open; deleting a citizen deletes them --------------


def _hearing(db: Database, citizen_id: int, *, decided_on: date | None) -> None:
    def work(session: Session) -> None:
        follow_up = session.exec(select(FollowUp).where(FollowUp.citizen_id == citizen_id)).first()
        staff = session.exec(select(Staff)).first()
        assert staff is not None and staff.id is not None
        session.add(
            Hearing(
                citizen_id=citizen_id,
                event="not_applied",
                event_on=date(2026, 12, 1),
                category="jobparat",
                stated_reason="Var syg",
                follow_up_id=follow_up.id if follow_up else None,
                assignee_id=staff.id,
                due=date(2027, 3, 31),
                status="decided" if decided_on else "awaiting",
                decision="no_sanction" if decided_on else None,
                decided_on=decided_on,
                note="Lægeerklæring",
                created_at=NOW,
                updated_at=NOW,
            )
        )

    db.write(work)


def test_open_hearings_keep_the_case_and_decided_ones_go_with_it(database: Database) -> None:
    ids = _scenario(database)
    _hearing(database, ids["visited"], decided_on=date(2027, 1, 15))
    _hearing(database, ids["old_withdrawn"], decided_on=None)
    database.write(lambda s: s.add(Setting(key="retention_mode", value="delete")))
    admin = make_ctx(database, "boss", roles="admin", now=LATER)
    result = retention.retention(admin, apply=True)
    assert [c.citizen_id for c in result.candidates] == [ids["visited"]]
    assert result.done == 1

    def left(session: Session) -> tuple[set[int], list[int]]:
        people = {c.id for c in session.exec(select(Citizen)).all() if c.id is not None}
        return people, [h.citizen_id for h in session.exec(select(Hearing)).all()]

    people, hearings = database.read(left)
    assert ids["visited"] not in people and ids["old_withdrawn"] in people
    assert hearings == [ids["old_withdrawn"]]


def test_anonymising_clears_what_the_citizen_said_at_a_hearing(database: Database) -> None:
    ids = _scenario(database)
    _hearing(database, ids["visited"], decided_on=date(2027, 1, 15))
    admin = make_ctx(database, "boss", roles="admin", now=LATER)
    assert retention.retention(admin, apply=True).done == 2
    hearing = database.read(lambda s: s.exec(select(Hearing)).one())
    assert hearing.citizen_id == ids["visited"] and hearing.decision == "no_sanction"
    assert hearing.stated_reason == "" and hearing.note == ""

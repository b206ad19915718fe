"""Retention finishes the job: after `retention --apply` nothing personal about the citizens who
went is left in the audit log's free text (which still verifies), their saved receipts are gone,
the program's own report and receipt folders are swept of old files (and only of those), and the
deleted text is overwritten in the database file itself (secure_delete)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import make_ctx, on_day
from sqlmodel import Session, select
from test_trust_retention import LATER, _scenario
from trust_helpers import cli, cpr_for

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.reports.receipt import save_and_print
from jobbutik.services import arrivals, citizens, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Setting, Visitation

TODAY = LATER.date().isoformat()
RECENTLY = datetime(2032, 2, 2, 10, 0, tzinfo=LOCAL_TZ)  # within the 6 months searches stay


def _apply(db: Database) -> str:
    done = cli(db, "boss", "retention", "--apply", today=TODAY)
    assert done.exit_code == 0, done.output
    return done.stdout


def _verified(db: Database) -> None:
    check = cli(db, "boss", "audit", "verify", today=TODAY)
    assert check.exit_code == 0, check.output


def _all_entries(session: Session) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry)).all())


def _details(db: Database) -> list[str]:
    return [e.detail for e in db.read(_all_entries)]


def _admin(db: Database) -> None:
    make_ctx(db, "boss", roles="admin")


def _search(ctx: ServiceContext, *terms: str) -> None:
    desk = on_day(ctx, RECENTLY)
    for term in terms:
        citizens.search(desk, term)


# -- the audit log ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_the_log_keeps_no_cpr_or_name_and_still_verifies(
    sqlite_database: Database, mode: str
) -> None:
    db = sqlite_database
    ids = _scenario(db)
    desk = make_ctx(db, "demo", roles="consultant")
    make_ctx(db, "boss", roles="admin")
    db.write(lambda s: s.add(Setting(key="retention_mode", value=mode)))
    gone = {1: "Borger 1", 2: "Borger 2"}
    _search(
        desk,
        "Borger 2",
        "borger   2",
        "2 BORGER",
        cpr_for(2),
        f"{cpr_for(1)[:6]}-{cpr_for(1)[6:]}",
        "Borger 1",
        "Borger 3",  # still here: kept
        "Borger",  # names nobody in full: kept
        cpr_for(2)[:6],  # a birth date, not a person: kept
    )
    out = _apply(db)
    assert "2 citizens" in out
    assert "Audit log: 6 search terms naming these citizens masked" in out
    _verified(db)
    details = _details(db)
    for n, name in gone.items():
        cpr = cpr_for(n)
        for detail in details:
            assert cpr not in detail.replace("-", "")
            assert name.lower() not in " ".join(detail.lower().split())
    assert {"Borger 3", "Borger", cpr_for(2)[:6]} <= set(details)
    # The search entries themselves stay, with who and when.
    searches = db.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "search")).all()
    )
    assert [e.detail for e in searches].count("***") == 6
    assert {(e.actor, e.at.astimezone(LOCAL_TZ)) for e in searches} == {("demo", RECENTLY)}
    assert any(e.citizen_id == ids["visited"] for e in db.read(_all_entries))
    # Applying again changes nothing and the log still verifies.
    assert "0 search terms naming these citizens masked" in _apply(db)
    _verified(db)


# -- receipts --------------------------------------------------------------------------------------


def _visitation_of(db: Database, citizen_id: int) -> int:
    found = db.read(
        lambda s: s.exec(select(Visitation.id).where(Visitation.citizen_id == citizen_id)).one()
    )
    assert found is not None
    return found


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_the_citizens_receipts_are_deleted(
    sqlite_database: Database, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_database
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp: saved, not printed
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ids = _scenario(db)
    desk = make_ctx(db, "demo", roles="consultant")
    make_ctx(db, "boss", roles="admin")
    db.write(lambda s: s.add(Setting(key="retention_mode", value=mode)))
    theirs = _visitation_of(db, ids["visited"])
    kept = _visitation_of(db, ids["still_open"])
    save_and_print(desk, theirs)
    save_and_print(desk, kept)
    assert db.path is not None
    folder = db.path.parent / "receipts"
    recent = (LATER - timedelta(days=1)).timestamp()
    for receipt in folder.iterdir():
        os.utime(receipt, (recent, recent))  # saved yesterday: not old enough to sweep
    assert {p.name.rsplit("-", 1)[1] for p in folder.iterdir()} == {
        f"{theirs}.pdf",
        f"{theirs}.txt",
        f"{kept}.pdf",
        f"{kept}.txt",
    }
    out = _apply(db)
    assert "2 saved receipts of these citizens deleted" in out
    assert sorted(p.name for p in folder.iterdir()) == [
        f"kvittering-2026-11-23-{kept}.pdf",
        f"kvittering-2026-11-23-{kept}.txt",
    ]
    _verified(db)


# -- the program's own folders -------------------------------------------------------------------


def _aged(path: Path, days: float, content: str = "x") -> Path:
    path.write_text(content, encoding="utf-8")
    moment = (LATER - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment), follow_symlinks=False)
    return path


def test_old_reports_are_swept_new_and_foreign_files_kept(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_database
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    reports = home / "jobbutik-reports"
    reports.mkdir(parents=True)
    _admin(db)
    assert db.path is not None
    receipts = db.path.parent / "receipts"
    receipts.mkdir()
    old = [
        _aged(reports / "daily-2032-01-02.pdf", 40),
        _aged(reports / "stats-2031-01-01_2031-12-31.csv", 60),
        _aged(receipts / "kvittering-2031-12-01-7.txt", 90),
        _aged(reports / "opfoelgninger-km.ics", 45),  # the Follow-ups screen's calendar file
    ]
    new = _aged(reports / "daily-2032-02-28.txt", 1)
    foreign = _aged(reports / "notes.txt", 400)
    renamed = _aged(reports / "daily-2032-01-02 (kopi).pdf", 400)
    (reports / "old").mkdir()
    nested = _aged(reports / "old" / "daily-2031-01-02.pdf", 400)
    outside = _aged(tmp_path / "daily-2030-01-02.pdf", 400)
    link = reports / "daily-2030-01-03.pdf"
    link.symlink_to(outside)

    dry = cli(db, "boss", "retention", today=TODAY)
    assert dry.exit_code == 0, dry.output
    assert "4 report or receipt files older than 30 days would be removed" in dry.stdout
    assert all(p.exists() for p in old)

    out = _apply(db)
    assert "4 report or receipt files older than 30 days removed" in out
    assert not any(p.exists() for p in old)
    for kept in (new, foreign, renamed, nested, outside):
        assert kept.exists(), kept
    assert link.is_symlink()


def test_the_age_is_a_setting(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_database
    monkeypatch.setenv("HOME", str(tmp_path))
    reports = tmp_path / "jobbutik-reports"
    reports.mkdir()
    _admin(db)
    db.write(lambda s: s.add(Setting(key="output_retention_days", value="90")))
    kept = _aged(reports / "daily-2032-01-02.pdf", 40)
    gone = _aged(reports / "daily-2031-10-02.pdf", 100)
    assert "1 report or receipt file older than 90 days removed" in _apply(db)
    assert kept.exists() and not gone.exists()


def test_a_linked_report_folder_is_left_alone(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_database
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (home / "jobbutik-reports").symlink_to(elsewhere)
    _admin(db)
    report = _aged(elsewhere / "daily-2031-01-02.pdf", 400)
    assert "0 report or receipt files older than 30 days removed" in _apply(db)
    assert report.exists()


# -- the database file -----------------------------------------------------------------------------


def test_secure_delete_is_on_for_every_connection(sqlite_database: Database) -> None:
    fresh = Database(sqlite_database.url)
    try:
        for _ in range(2):
            value = fresh.read(
                lambda s: s.connection().exec_driver_sql("PRAGMA secure_delete").scalar()
            )
            assert value == 1
    finally:
        fresh.dispose()


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_a_retained_name_is_gone_from_the_file_bytes(
    sqlite_database: Database, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_database
    monkeypatch.setenv("HOME", str(tmp_path))
    desk = make_ctx(db, "demo", roles="consultant")
    make_ctx(db, "boss", roles="admin")
    db.write(lambda s: s.add(Setting(key="retention_mode", value=mode)))
    name, cpr = "Zebulon Quaxwhistle", cpr_for(77)
    arrival = arrivals.register_arrival(
        desk, ArrivalForm(cpr, "kontanthjaelp", new_citizen=NewCitizen(name))
    )
    visitation.withdraw(desk, arrival.request_id, "job")
    _search(desk, name, cpr)
    path = db.path
    assert path is not None

    def in_file() -> bool:
        db.dispose()
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(p.read_bytes().lower() for p in (path, Path(f"{path}-wal")) if p.exists())
        return any(
            needle in raw for needle in (b"quaxwhistle", cpr.encode(), cpr[:6].encode() + b"-")
        )

    assert in_file()
    assert "1 citizen" in _apply(db)
    assert not in_file()
    _verified(db)

"""The audit log: tamper detection through `jobbutik audit verify`, retention that keeps the chain
verifiable, and the per-citizen export for an access request."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from audit_helpers import key_mac
from factories import NOW, make_ctx
from sqlalchemy import delete
from sqlmodel import Session, col, select
from trust_helpers import cli, one_line_error, path_mode

from jobbutik.services import arrivals, audit, citizens
from jobbutik.services.access_request import citizen_log
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry, Setting

CPR = "0101901234"


def fill(db: Database, now: datetime = NOW) -> None:
    ctx = make_ctx(db, "desk", roles="reception", now=now)
    arrivals.register_arrival(
        ctx, ArrivalForm(CPR, "kontanthjaelp", new_citizen=NewCitizen("Søren Ærø"))
    )
    arrivals.register_arrival(
        ctx, ArrivalForm("0202851236", "kontanthjaelp", new_citizen=NewCitizen("Mette Møller"))
    )
    citizens.search(ctx, "010190-1234")
    citizens.search(ctx, "søren ærø")
    citizens.search(ctx, "mette")
    citizens.lookup_cpr(ctx, CPR, purpose="registration")


def _edit(db: Database, seq: int, **changes: object) -> None:
    def work(session: Session) -> None:
        entry = session.exec(select(AuditEntry).where(AuditEntry.seq == seq)).one()
        for key, value in changes.items():
            setattr(entry, key, value)
        session.add(entry)

    db.write(work)


def test_an_edited_row_makes_audit_verify_fail(database: Database) -> None:
    fill(database)
    make_ctx(database, "boss", roles="admin")
    ok = cli(database.url, "boss", "audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == "The audit log is intact (8 entries).\n"
    _edit(database, 3, detail="something else")
    result = cli(database.url, "boss", "audit", "verify")
    assert result.exit_code == 1
    assert one_line_error(result) == (
        "jobbutik: The audit log is broken at entry 3: its content does not match its MAC "
        "(changed, or signed without the audit key)."
    )
    # `db check` names it too.
    assert "entry 3" in cli(database.url, "boss", "db", "check").stderr


def test_an_edited_row_resealed_with_the_key_is_found_at_the_next(database: Database) -> None:
    """Even whoever holds the key and seals an edited entry again breaks the link the next entry
    holds to it."""
    fill(database)
    make_ctx(database, "boss", roles="admin")

    def reseal(session: Session) -> None:
        entry = session.exec(select(AuditEntry).where(AuditEntry.seq == 3)).one()
        entry.detail = "something else"
        entry.detail_mac = key_mac(session, audit.detail_payload(entry.detail))
        entry.hash = key_mac(session, audit.entry_payload(entry))
        session.add(entry)

    database.write(reseal)
    result = cli(database.url, "boss", "audit", "verify")
    assert result.exit_code == 1
    assert (
        one_line_error(result)
        == "jobbutik: The audit log is broken at entry 4: changed or removed."
    )


def test_cutting_the_oldest_entries_is_found(sqlite_database: Database) -> None:
    """Without a recorded purge the chain must start at entry 1."""
    fill(sqlite_database)
    sqlite_database.write(lambda s: s.execute(delete(AuditEntry).where(col(AuditEntry.seq) <= 2)))
    result = audit.verify(sqlite_database)
    assert (result.ok, result.first_broken_seq, result.message) == (
        False,
        3,
        "The audit log is broken at entry 3: changed or removed.",
    )


def test_purge_keeps_the_chain_verifiable(database: Database) -> None:
    old = NOW - timedelta(days=6 * 366)
    fill(database, now=old)
    fill_recent = make_ctx(database, "desk", roles="reception")
    citizens.search(fill_recent, "recent")
    admin = make_ctx(database, "boss", roles="admin")
    dry = audit.purge(admin)
    assert (dry.purged, dry.applied) == (8, False)  # 2×(citizen+request) + 3 searches + 1 read
    assert audit.verify(database).ok
    done = audit.purge(admin, apply=True)
    assert (done.purged, done.anchor_seq) == (8, 8)
    remaining = database.read(lambda s: s.exec(select(AuditEntry)).all())
    assert [e.seq for e in remaining] == [9, 10]  # the recent search and the purge checkpoint
    assert remaining[-1].entity == "audit" and "anchor=8:" in remaining[-1].detail
    check = audit.verify(database)
    assert check.ok, check.message
    assert check.checked == 2
    assert audit.purge(admin, apply=True).purged == 0  # nothing more is old enough

    # Moving the anchor (to hide a cut) shows: it no longer matches the checkpoint in the chain.
    def move(session: Session) -> None:
        row = session.get(Setting, audit.ANCHOR_KEY)
        assert row is not None
        row.value = "9:" + remaining[0].hash
        session.add(row)

    database.write(move)
    moved = audit.verify(database)
    assert (moved.ok, moved.message) == (
        False,
        "The audit log's purge anchor was changed: it does not match the purge recorded in the "
        "log.",
    )


def test_retention_setting_for_the_log(sqlite_database: Database) -> None:
    fill(sqlite_database, now=NOW - timedelta(days=400))
    sqlite_database.write(lambda s: s.add(Setting(key=audit.AUDIT_RETENTION_KEY, value="1")))
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    assert audit.purge(admin, apply=True).purged == 8
    assert audit.verify(sqlite_database).ok


def test_citizen_export_lists_every_use_and_logs_itself(database: Database, tmp_path: Path) -> None:
    fill(database)
    admin = make_ctx(database, "boss", roles="admin")
    log = citizen_log(admin, CPR, action=AuditAction.EXPORT)
    kinds = [(e.action, e.entity) for e in log.entries]
    assert kinds == [
        ("create", "citizen"),
        ("create", "request"),
        ("search", "citizen"),  # by the CPR number
        ("search", "citizen"),  # by the full name
        ("read", "citizen"),
        ("export", "audit"),  # this export
    ]
    assert log.entries[4].purpose == "registration"
    assert log.cpr_masked == "010190-XXXX"
    # The other citizen's registration and the search for "mette" are not in it.
    assert all(e.detail != "mette" for e in log.entries)
    out = tmp_path / "indsigt.csv"
    result = cli(database.url, "boss", "audit", "citizen", CPR, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert path_mode(out) == 0o600
    assert "010190-XXXX" in text and CPR not in text and "010190-1234" not in text
    assert "Registration" in text and "Looked up" in text
    pdf = tmp_path / "indsigt.pdf"
    assert (
        cli(
            database.url, "boss", "audit", "citizen", CPR, "--format", "pdf", "-o", str(pdf)
        ).exit_code
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF") and path_mode(pdf) == 0o600
    shown = cli(database.url, "boss", "audit", "citizen", "010190-1234")
    assert shown.exit_code == 0 and "Søren Ærø" in shown.stdout
    assert audit.verify(database).ok


def test_citizen_export_refusals(sqlite_database: Database) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    assert one_line_error(cli(sqlite_database, "boss", "audit", "citizen", CPR)) == (
        "jobbutik: No citizen with CPR number 010190-XXXX (an anonymised one cannot be found)."
    )
    assert one_line_error(cli(sqlite_database, "boss", "audit", "citizen", "12")) == (
        "jobbutik: A CPR number has 10 digits; this has 2."
    )
    usage = cli(sqlite_database, "boss", "audit", "citizen", CPR, "--format", "pdf")
    assert usage.exit_code == 2


@pytest.mark.parametrize("lang", ["da"])
def test_export_in_danish(sqlite_database: Database, lang: str) -> None:
    fill(sqlite_database)
    make_ctx(sqlite_database, "boss", roles="admin")
    result = cli(sqlite_database, "boss", "--lang", lang, "audit", "citizen", CPR)
    assert result.exit_code == 0, result.output
    assert "Slået op" in result.stdout and "Registrering" in result.stdout


def test_the_citizens_export_leaves_out_the_staff_unless_asked(sqlite_database: Database) -> None:
    """The citizen gets dates, kinds of use and purposes, not who in the staff (Datatilsynet,
    after CJEU C-579/21); the admin's internal control may ask for the staff with --with-staff."""
    fill(sqlite_database)
    make_ctx(sqlite_database, "boss", roles="admin")
    export = cli(sqlite_database, "boss", "audit", "citizen", CPR, "--format", "csv")
    assert export.exit_code == 0, export.output
    header = next(line for line in export.stdout.splitlines() if line.startswith("When;"))
    assert header == "When;Use;What;Purpose" and "DESK" not in export.stdout
    assert "Registration" in export.stdout
    control = cli(
        sqlite_database, "boss", "audit", "citizen", CPR, "--format", "csv", "--with-staff"
    )
    assert control.exit_code == 0, control.output
    assert "When;Staff;Use;What;Purpose" in control.stdout.splitlines()
    assert "DESK" in control.stdout

"""Rewriting the audit log shows: cutting its tail and moving the head back, wiping it and
resetting the head, computing it again without the key (a guessed key, or plain SHA-256), even
computing it again with the key after an anchor. Each makes `audit verify` and `db check` exit 1
with the reason; a restore refuses a file whose log does not verify; masking search terms keeps
the log verifiable; a lost key is replaced without stopping the desk, and reported."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from audit_helpers import entries, key_mac, recompute, truncate, wipe
from factories import NOW, make_ctx
from sqlmodel import Session, select
from trust_helpers import cli, one_line_error, path_mode

from jobbutik.services import arrivals, audit, backup, citizens
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.identity import Channel
from jobbutik.store import audit_key
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry, Setting

WHEN = r"\d\d\.\d\d\.\d{4} \d\d:\d\d"


def fill(db: Database, *, days_ago: int = 0) -> None:
    ctx = make_ctx(db, "desk", roles="reception", now=NOW - timedelta(days=days_ago))
    for i in range(3):
        arrivals.register_arrival(
            ctx,
            ArrivalForm(f"01019012{i:02d}", "kontanthjaelp", new_citizen=NewCitizen(f"Borger {i}")),
        )
    citizens.search(ctx, "010190-1200")
    citizens.search(ctx, "borger")


# -- the service ---------------------------------------------------------------------------------


def test_truncating_and_moving_the_head_back_is_found(database: Database) -> None:
    fill(database)
    anchored = audit.anchor(database)
    assert anchored.seq == 8
    kept = truncate(database, 3)
    result = audit.verify(database)
    assert (result.ok, result.first_broken_seq) == (False, kept + 1)
    assert re.fullmatch(
        rf"The audit log ends at entry 5, but entry 8 was anchored outside the database on "
        rf"{WHEN}: entries were removed\.",
        result.message,
    ), result.message


def test_wiping_and_resetting_the_head_is_found(database: Database) -> None:
    fill(database)
    audit.anchor(database)
    wipe(database)
    result = audit.verify(database)
    assert not result.ok
    assert re.fullmatch(
        rf"The audit log ends at entry 0, but entry 8 was anchored outside the database on "
        rf"{WHEN}: entries were removed\.",
        result.message,
    ), result.message
    # New work on the wiped log does not hide it.
    citizens.search(make_ctx(database, "desk", roles="reception"), "after the wipe")
    again = audit.verify(database)
    assert re.fullmatch(
        rf"The audit log ends at entry 1, but entry 8 was anchored outside the database on "
        rf"{WHEN}: entries were removed\.",
        again.message,
    ), again.message


def test_a_chain_computed_again_with_a_guessed_key_is_found(database: Database) -> None:
    fill(database)
    recompute(database, edit_seq=4)
    result = audit.verify(database)
    assert (result.ok, result.first_broken_seq, result.message) == (
        False,
        1,
        "The audit log is broken at entry 1: its content does not match its MAC (changed, or "
        "signed without the audit key).",
    )


def test_a_chain_computed_again_with_plain_sha256_is_found(database: Database) -> None:
    fill(database)
    recompute(database, plain=True, edit_seq=4)
    result = audit.verify(database)
    assert (result.ok, result.first_broken_seq, result.message) == (
        False,
        1,
        "Entry 1 of the audit log carries a plain SHA-256 where the key's MAC belongs: the log "
        "was computed again without its key.",
    )


def test_a_chain_computed_again_with_the_key_differs_from_its_anchor(database: Database) -> None:
    """Whoever holds the key can compute a consistent chain, but not one that matches the head
    anchored outside the database before."""
    fill(database)
    audit.anchor(database)

    def reseal_all(session: Session) -> None:
        prev = audit.GENESIS
        for row in session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all():  # type: ignore[arg-type]
            if row.seq == 4:
                row.actor = "someone"
            row.prev_hash = prev
            row.hash = key_mac(session, audit.entry_payload(row))
            session.add(row)
            prev = row.hash
        head = session.get(audit.AuditHead, 1)
        assert head is not None
        head.hash = prev
        session.add(head)

    database.write(reseal_all)
    result = audit.verify(database)
    assert (result.ok, result.first_broken_seq) == (False, 8)
    assert re.fullmatch(
        rf"Entry 8 of the audit log is not the one anchored outside the database on {WHEN}: "
        r"the log was computed again\.",
        result.message,
    ), result.message


def test_each_entry_records_the_os_account_and_ssh_client(database: Database) -> None:
    database.channel = Channel("karla", "10.1.2.3", "ssh")
    fill(database)
    last = entries(database)[-1]
    assert (last.actor, last.os_account, last.client_address) == ("desk", "karla", "10.1.2.3")
    assert audit.verify(database).ok

    def claim(session: Session) -> None:
        row = session.exec(select(AuditEntry).where(AuditEntry.seq == last.seq)).one()
        row.os_account = "lat"
        session.add(row)

    database.write(claim)
    assert audit.verify(database).first_broken_seq == last.seq


# -- masking search terms ------------------------------------------------------------------------


def test_masking_old_search_terms_keeps_the_log_verifiable(database: Database) -> None:
    fill(database, days_ago=200)  # older than the default 6 months
    fill_recent = make_ctx(database, "desk", roles="reception")
    citizens.search(fill_recent, "recent term")
    admin = make_ctx(database, "boss", roles="admin")
    dry = audit.purge(admin)
    assert (dry.masked, dry.purged, dry.applied) == (2, 0, False)
    assert [e.detail for e in entries(database) if e.action == "search"] == [
        "010190-1200",
        "borger",
        "recent term",
    ]
    done = audit.purge(admin, apply=True)
    assert done.masked == 2
    rows = entries(database)
    assert [e.detail for e in rows if e.action == "search"] == ["***", "***", "recent term"]
    assert rows[-1].action == "update" and rows[-1].detail.startswith("masked 2 search terms")
    result = audit.verify(database)
    assert result.ok, result.message
    assert audit.purge(admin, apply=True).masked == 0

    # A masked entry still cannot be changed otherwise, nor another entry blanked as if masked.
    def edit(session: Session) -> None:
        row = session.exec(select(AuditEntry).where(AuditEntry.seq == 7)).one()
        row.actor = "someone"
        session.add(row)

    database.write(edit)
    assert audit.verify(database).first_broken_seq == 7


def test_only_search_terms_may_read_as_masked(sqlite_database: Database) -> None:
    fill(sqlite_database)

    def blank(session: Session) -> None:
        row = session.exec(select(AuditEntry).where(AuditEntry.seq == 1)).one()
        row.detail = audit.MASKED
        session.add(row)

    sqlite_database.write(blank)
    assert audit.verify(sqlite_database).first_broken_seq == 1


def test_the_masking_period_is_a_setting(sqlite_database: Database) -> None:
    fill(sqlite_database, days_ago=40)
    sqlite_database.write(lambda s: s.add(Setting(key=audit.SEARCH_MASK_KEY, value="1")))
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    assert audit.purge(admin, apply=True).masked == 2
    assert audit.verify(sqlite_database).ok


# -- the key -------------------------------------------------------------------------------------


def test_the_key_file_is_private_and_a_lost_key_is_replaced_and_reported(
    sqlite_database: Database,
) -> None:
    assert sqlite_database.path is not None
    key_file = audit_key.key_path(sqlite_database.path)
    assert path_mode(key_file) == 0o600
    assert json.loads(key_file.read_text())["from_seq"] == 1
    fill(sqlite_database)
    key_file.unlink()
    ctx = make_ctx(sqlite_database, "desk", roles="reception")
    citizens.search(ctx, "after the loss")  # the desk is not stopped
    rows = entries(sqlite_database)
    assert rows[-2].detail == "new audit key from entry 9: the key before it is missing"
    assert rows[-1].detail == "after the loss"
    assert path_mode(key_file) == 0o600
    assert json.loads(key_file.read_text())["from_seq"] == 9
    result = audit.verify(sqlite_database)
    assert (result.ok, result.first_broken_seq, result.message) == (
        False,
        1,
        "Entries 1–8 of the audit log were signed with a key that is gone: they cannot be "
        "verified.",
    )


def test_a_key_made_after_the_head_shows_a_wiped_log(sqlite_database: Database) -> None:
    """An older database's key signs from the entry after its head: a log wiped below that is cut,
    even before any anchor was written."""
    fill(sqlite_database)
    assert sqlite_database.path is not None
    key_file = audit_key.key_path(sqlite_database.path)
    data = json.loads(key_file.read_text())
    key_file.write_text(json.dumps({**data, "from_seq": 9}))
    wipe(sqlite_database)
    result = audit.verify(sqlite_database)
    assert result.message == (
        "The audit log ends at entry 0, but its key was made when entry 8 had been written: "
        "entries were removed."
    )


def test_anchor_if_due_writes_at_most_daily(sqlite_database: Database) -> None:
    fill(sqlite_database)
    first = audit.anchor_if_due(sqlite_database)
    assert first is not None and first.seq == 8
    assert audit.anchor_if_due(sqlite_database) is None
    anchor_file = audit.anchor_file(sqlite_database)
    assert path_mode(anchor_file) == 0o600
    assert len(anchor_file.read_text().splitlines()) == 1


# -- the command line ----------------------------------------------------------------------------

TAMPERING = {
    "truncate": (
        lambda db: truncate(db, 3),
        r"The audit log ends at entry 5, but entry 8 was anchored outside the database on "
        rf"{WHEN}: entries were removed\.",
    ),
    "wipe": (
        wipe,
        r"The audit log ends at entry 0, but entry 8 was anchored outside the database on "
        rf"{WHEN}: entries were removed\.",
    ),
    "guessed key": (
        lambda db: recompute(db, edit_seq=4),
        r"The audit log is broken at entry 1: its content does not match its MAC \(changed, or "
        r"signed without the audit key\)\.",
    ),
    "plain sha256": (
        lambda db: recompute(db, plain=True, edit_seq=4),
        r"Entry 1 of the audit log carries a plain SHA-256 where the key's MAC belongs: the log "
        r"was computed again without its key\.",
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_audit_verify_and_db_check_exit_1_naming_the_reason(
    sqlite_database: Database, how: str
) -> None:
    fill(sqlite_database)
    make_ctx(sqlite_database, "boss", roles="admin")
    good = cli(sqlite_database, "boss", "audit", "verify")  # anchors the head (entry 8)
    assert good.exit_code == 0, good.output
    tamper, reason = TAMPERING[how]
    tamper(sqlite_database)
    result = cli(sqlite_database, "boss", "audit", "verify")
    assert result.exit_code == 1
    assert re.fullmatch(f"jobbutik: {reason}", one_line_error(result)), result.stderr
    check = cli(sqlite_database, "boss", "db", "check")
    assert check.exit_code == 1
    assert re.search(reason, check.stderr), check.stderr


def test_audit_anchor_for_cron(sqlite_database: Database) -> None:
    fill(sqlite_database)
    make_ctx(sqlite_database, "boss", roles="admin")
    result = cli(sqlite_database, "boss", "audit", "anchor")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Audit log anchored at entry 8 in {audit.anchor_file(sqlite_database)}.\n"
    )
    truncate(sqlite_database, 1)
    assert "entries were removed" in cli(sqlite_database, "boss", "db", "check").stderr


# -- restore -------------------------------------------------------------------------------------


def test_a_restore_refuses_a_file_whose_log_does_not_verify(
    sqlite_database: Database, tmp_path: Path
) -> None:
    fill(sqlite_database)
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    taken = backup.backup(admin, tmp_path / "copy.sqlite")
    assert path_mode(audit_key.key_path(taken.path)) == 0o600  # the key goes with the copy
    copy = Database(str(taken.path))
    try:
        recompute(copy, edit_seq=4)
    finally:
        copy.dispose()
    before = len(entries(sqlite_database))
    refused = cli(sqlite_database, "boss", "restore", str(taken.path), "--yes")
    assert one_line_error(refused) == (
        f"jobbutik: {taken.path} was not restored, its audit log does not verify: The audit log "
        "is broken at entry 1: its content does not match its MAC (changed, or signed without "
        "the audit key). Restore it anyway with --force."
    )
    assert len(entries(sqlite_database)) == before  # nothing replaced

    forced = cli(sqlite_database, "boss", "restore", str(taken.path), "--yes", "--force")
    assert forced.exit_code == 0, forced.output
    assert f"{taken.path} was restored although its audit log is broken" in forced.stderr


def test_a_sound_backup_restores_and_verifies_with_its_anchors(
    sqlite_database: Database, tmp_path: Path
) -> None:
    """A restore moves the log back to where the backup stood: it is anchored anew, so the
    anchors written after the backup do not read as a cut."""
    fill(sqlite_database)
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    taken = backup.backup(admin, tmp_path / "copy.sqlite")
    citizens.search(make_ctx(sqlite_database, "desk", roles="reception"), "after the backup")
    assert cli(sqlite_database, "boss", "audit", "verify").exit_code == 0
    restored = cli(sqlite_database, "boss", "restore", str(taken.path), "--yes")
    assert restored.exit_code == 0, restored.output
    check = cli(sqlite_database, "boss", "db", "check")
    assert check.exit_code == 0, check.output
    assert [e.action for e in entries(sqlite_database)][-1] == AuditAction.IMPORT.value


# -- a database from before the keyed chain -------------------------------------------------------

BEFORE_KEY = "d13a7b2c9e01"


def _legacy_entries(db: Database) -> None:
    """Three entries as the earlier version chained them (plain SHA-256), two of them searches
    from a year ago."""
    from alembic import command
    from sqlalchemy import text

    from jobbutik.store import schema

    with db.engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), BEFORE_KEY)
    old = (NOW - timedelta(days=365)).astimezone(UTC).replace(microsecond=0)
    rows = [
        ("search", "citizen", "0101901200"),
        ("search", "citizen", "borger"),
        ("read", "citizen", ""),
    ]

    def work(session: Session) -> None:
        prev = audit.GENESIS
        for seq, (action, entity, detail) in enumerate(rows, start=1):
            digest = audit.chain_hash(seq, old, "km", action, entity, None, None, "", detail, prev)
            session.execute(
                text(
                    "INSERT INTO auditentry (seq, at, actor, action, entity, purpose, detail, "
                    "prev_hash, hash) VALUES (:seq, :at, 'km', :action, :entity, '', :detail, "
                    ":prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": old,
                    "action": action,
                    "entity": entity,
                    "detail": detail,
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
        session.execute(
            text("INSERT INTO audithead (id, seq, hash) VALUES (1, 3, :hash)"), {"hash": prev}
        )

    db.write(work)


def test_an_older_database_keeps_its_entries_and_is_keyed_from_its_head(
    database_url: str,
) -> None:
    from jobbutik.store import schema

    db = Database(database_url)
    try:
        _legacy_entries(db)
        schema.upgrade(db, backup=False)
        result = audit.verify(db)
        assert (result.ok, result.checked) == (True, 3), result.message
        fill(db)  # keyed from entry 4 on
        assert audit.verify(db).ok
        # The old searches are masked like new ones; their seal keeps the log verifiable.
        admin = make_ctx(db, "boss", roles="admin")
        assert audit.purge(admin, apply=True).masked == 2
        assert [e.detail for e in entries(db)][:3] == ["***", "***", ""]
        assert audit.verify(db).ok, audit.verify(db).message
        # The keyed part cannot be passed off as old entries.
        recompute(db, plain=True)
        assert audit.verify(db).message == (
            "Entry 4 of the audit log carries a plain SHA-256 where the key's MAC belongs: the "
            "log was computed again without its key."
        )
    finally:
        db.dispose()

"""The benchmark's anchor (benchmarks.replay): a service call's statements captured and run again
on a plain sqlite3 connection, leaving the database as it was; and the desk reads it measures."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from factories import TODAY, add_visited, make_ctx
from sqlmodel import Session, col, func, select

from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import citizens
from jobbutik.services.audit_shown import ShownList, log_shown
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.replay import record, replay


def _entries(db: Database) -> int:
    return db.read(lambda session: session.exec(select(func.count()).select_from(AuditEntry)).one())


def test_a_dry_call_is_recorded_and_replayed_without_leaving_a_trace(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    citizen_id, _visitation = add_visited(db, held_on=TODAY)
    desk = make_ctx(db)
    before = _entries(db)
    card, statements = record(db, lambda: citizens.lookup_cpr(desk, "0101901234"), dry=True)
    assert card is not None and card.id == citizen_id and card.last_visit == TODAY
    assert _entries(db) == before  # dry: its commit rolled back
    sql = [s.sql for s in statements]
    assert sql[0] == "BEGIN IMMEDIATE"
    assert any(s.startswith("INSERT INTO auditentry") for s in sql)
    assert db.path is not None
    raw = sqlite3.connect(db.path, isolation_level=None)
    try:
        replay(raw, statements)
        replay(raw, statements)  # it rolled back: the entry's number is free again
    finally:
        raw.close()
    assert _entries(db) == before
    # A real call is recorded as it commits.
    _card, committed = record(db, lambda: citizens.lookup_cpr(desk, "0101901234"))
    assert [s.sql for s in committed] == sql
    assert _entries(db) == before + 1


def test_the_card_from_one_statement_matches_the_card_of_the_citizen_row(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    citizen_id, _visitation = add_visited(db, held_on=TODAY)
    desk = make_ctx(db)
    looked_up = citizens.lookup_cpr(desk, "0101901234")
    history = citizens.history(desk, citizen_id)
    assert looked_up == history.card
    assert citizens.lookup_cpr(desk, "0202901234") is None


def test_shown_lists_are_logged_an_entry_per_citizen_in_order(sqlite_database: Database) -> None:
    db = sqlite_database
    desk = make_ctx(db)
    first, _v = add_visited(db, "0101901234", "Jens Møller")
    second, _v = add_visited(db, "0202901234", "Anna Møller")
    board = ShownList(AuditEntity.TODAY_BOARD, TODAY.isoformat())
    search = ShownList(AuditEntity.SEARCH_RESULTS)
    nobody = ShownList(AuditEntity.FOLLOW_UP_LIST, "kon")
    assert log_shown(desk, {search: [second, first, second], board: [first], nobody: []}) == 3

    def shown(session: Session) -> list[tuple[str, int | None, str]]:
        rows = session.exec(
            select(AuditEntry.entity, AuditEntry.citizen_id, AuditEntry.detail)
            .where(AuditEntry.action == AuditAction.SHOWN)
            .order_by(col(AuditEntry.seq))
        ).all()
        return [(entity, citizen_id, detail) for entity, citizen_id, detail in rows]

    expected = sorted([(search, first), (search, second), (board, first)])
    assert db.read(shown) == [(s.entity, c, s.detail) for s, c in expected]

"""The audit log is append-only and chained with a keyed MAC: tampering shows."""

from __future__ import annotations

from factories import make_ctx
from sqlmodel import col, select

from jobbutik.services import arrivals, audit, citizens
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry


def fill(db: Database) -> None:
    ctx = make_ctx(db)
    for i in range(3):
        form = ArrivalForm(
            cpr=f"01019012{i:02d}", benefit="kontanthjaelp", new_citizen=NewCitizen(f"Borger {i}")
        )
        arrivals.register_arrival(ctx, form)
    citizens.search(ctx, "borger")


def test_chain_is_intact_after_normal_work(database: Database) -> None:
    fill(database)
    result = audit.verify(database)
    assert (result.ok, result.checked, result.first_broken_seq, result.message) == (
        True,
        7,  # 3 × (citizen + request) + 1 search
        None,
        "The audit log is intact (7 entries).",
    )


def test_an_edited_entry_is_found(database: Database) -> None:
    fill(database)

    def tamper(session) -> None:  # type: ignore[no-untyped-def]
        entry = session.exec(select(AuditEntry).where(AuditEntry.seq == 4)).one()
        entry.actor = "someone"
        session.add(entry)

    database.write(tamper)
    result = audit.verify(database)
    assert (result.ok, result.checked, result.first_broken_seq, result.message) == (
        False,
        3,  # the entries before it fit
        4,
        "The audit log is broken at entry 4: its content does not match its MAC (changed, or "
        "signed without the audit key).",
    )


def test_a_deleted_entry_is_found(database: Database) -> None:
    fill(database)

    def delete(session) -> None:  # type: ignore[no-untyped-def]
        session.delete(session.exec(select(AuditEntry).where(AuditEntry.seq == 3)).one())

    database.write(delete)
    result = audit.verify(database)
    assert (result.ok, result.first_broken_seq, result.message) == (
        False,
        4,  # the entry after the gap no longer follows the one before it
        "The audit log is broken at entry 4: changed or removed.",
    )


def test_a_removed_tail_is_found(database: Database) -> None:
    fill(database)

    def cut(session) -> None:  # type: ignore[no-untyped-def]
        last = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).first()
        session.delete(last)

    database.write(cut)
    result = audit.verify(database)
    assert (result.ok, result.checked, result.first_broken_seq, result.message) == (
        False,
        6,
        7,  # the entry that is gone
        "The audit log ends at entry 6, but later entries were written.",
    )

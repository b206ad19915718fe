"""Tampering with the audit log the way someone with database access would, for the audit tests."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from jobbutik.services import audit
from jobbutik.store import audit_key
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, AuditHead


def key_mac(session: Session, payload: str) -> str:
    """A MAC with the database's own audit key: what its owner (not a desk) can compute."""
    if session.get_bind().dialect.name == "postgresql":
        mac = session.connection().execute(
            text(f"SELECT {audit.PG_MAC_FUNCTION}(:p)"), {"p": payload}
        )
        return str(mac.scalar_one())
    database = session.get_bind().url.database
    assert database
    key = audit_key.read_key(Path(database))
    assert key is not None
    return hmac.new(key.secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def guessed_mac(payload: str) -> str:
    return hmac.new(b"a guess" * 4, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def entries(db: Database) -> list[AuditEntry]:
    db.seal_audit()  # as every reader of the chain does (PostgreSQL seals after the commit)
    return list(db.read(lambda s: s.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()))


def set_head(session: Session, seq: int, mac: str) -> None:
    head = session.get(AuditHead, 1)
    assert head is not None
    head.seq, head.hash = seq, mac
    session.add(head)


def truncate(db: Database, count: int) -> int:
    """Delete the newest `count` entries and move the head back to the one before them."""
    db.seal_audit()

    def work(session: Session) -> int:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).all()
        keep = rows[count]
        session.execute(delete(AuditEntry).where(col(AuditEntry.seq) > keep.seq))
        set_head(session, keep.seq, keep.hash)
        return keep.seq

    return db.write(work)


def wipe(db: Database) -> None:
    """Delete every entry and reset the head to the genesis."""
    db.seal_audit()

    def work(session: Session) -> None:
        session.execute(delete(AuditEntry))
        set_head(session, 0, audit.GENESIS)

    db.write(work)


def recompute(db: Database, *, plain: bool = False, edit_seq: int | None = None) -> None:
    """Compute the whole chain again without the key, after changing entry `edit_seq`: with a
    guessed key, or (`plain`) as the plain SHA-256 chain of the old format."""
    db.seal_audit()

    def work(session: Session) -> None:
        prev = audit.GENESIS
        for row in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all():
            if row.seq == edit_seq:
                row.actor = "someone"
            row.prev_hash = prev
            if plain:
                row.detail_mac, row.os_account, row.client_address = "", "", None
                row.hash = audit.entry_hash(row)
            else:
                row.detail_mac = guessed_mac(audit.detail_payload(row.detail))
                row.hash = guessed_mac(audit.entry_payload(row))
            session.add(row)
            prev = row.hash
            session.flush()
            set_head(session, row.seq, row.hash)

    db.write(work)

"""The audit log: who used which citizen's data, when and how. Append-only and hash-chained.

Each entry's hash covers its content and the previous entry's hash, so editing or deleting a row
in the middle breaks every later link. Appends lock the single `AuditHead` row, which serialises
them on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from jobbutik.db import Database
from jobbutik.i18n import _
from jobbutik.models import AuditAction, AuditEntry, AuditHead

GENESIS = "0" * 64


def entry_hash(entry: AuditEntry) -> str:
    """The hash over an entry's content and its link to the previous entry."""
    payload = json.dumps(
        [
            entry.seq,
            entry.at.astimezone(UTC).isoformat(),  # as stored: databases give back UTC
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.citizen_id,
            entry.purpose,
            entry.detail,
            entry.prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    *,
    actor: str,
    action: AuditAction,
    entity: str,
    at: datetime,
    entity_id: int | None = None,
    citizen_id: int | None = None,
    detail: str = "",
    purpose: str = "",
) -> AuditEntry:
    """Append one entry inside the caller's transaction (so it commits with the work it logs)."""
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=at,
        actor=actor,
        action=action.value,
        entity=entity,
        entity_id=entity_id,
        citizen_id=citizen_id,
        purpose=purpose,
        detail=detail,
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.seq = entry.seq
    head.hash = entry.hash
    session.add(head)
    return entry


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_broken_seq: int | None
    message: str


_BATCH = 5000


def verify(db: Database) -> AuditVerification:
    """Walk the chain from the oldest kept entry; name the first entry that does not fit."""

    def work(session: Session) -> AuditVerification:
        head = session.get(AuditHead, 1)
        # The oldest kept entry anchors the chain: older ones may have been purged.
        prev: str | None = None
        expected_seq: int | None = None
        checked = 0
        last_seq = 0
        while True:
            rows = session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.seq) > last_seq)
                .order_by(col(AuditEntry.seq))
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            for row in rows:
                broken = (
                    (expected_seq is not None and row.seq != expected_seq)
                    or (prev is not None and row.prev_hash != prev)
                    or row.hash != entry_hash(row)
                )
                if broken:
                    return AuditVerification(
                        False,
                        checked,
                        row.seq,
                        _("The audit log is broken at entry {seq}: changed or removed.").format(
                            seq=row.seq
                        ),
                    )
                prev = row.hash
                expected_seq = row.seq + 1
                last_seq = row.seq
                checked += 1
        if head is not None and checked and (head.seq != last_seq or head.hash != prev):
            return AuditVerification(
                False,
                checked,
                last_seq,
                _("The audit log ends at entry {seq}, but later entries were written.").format(
                    seq=last_seq
                ),
            )
        intact = _("The audit log is intact ({count} entries).").format(count=checked)
        return AuditVerification(True, checked, None, intact)

    return db.read(work)

"""The audit log: who used which citizen's data, when and how. Append-only and hash-chained.

Each entry's hash covers its content and the previous entry's hash, so editing or deleting a row
in the middle breaks every later link. Appends lock the single `AuditHead` row, which serialises
them on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).

Retention (`purge`) deletes only a prefix of the chain: the entries older than the configured
period. The last purged entry's seq and hash become the *anchor*, stored in the `Setting` table
(`audit_anchor`) and, so that it cannot be moved unnoticed, in a checkpoint entry appended to the
chain in the same transaction. `verify` then demands that the oldest kept entry links to the
anchor (or, before any purge, that the chain starts at entry 1 from the genesis hash), and that
the newest checkpoint names the same anchor: cutting old entries without a purge shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Table, bindparam, delete, func, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry, AuditHead
from jobbutik.store.settings import put_setting, setting, setting_int

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext

GENESIS = "0" * 64
ANCHOR_KEY = "audit_anchor"
AUDIT_RETENTION_KEY = "audit_retention_years"
DEFAULT_AUDIT_RETENTION_YEARS = 5
CHECKPOINT_ENTITY = AuditEntity.AUDIT
_ANCHOR_MARK = "anchor="


def chain_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    citizen_id: int | None,
    purpose: str,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash over an entry's content and its link to the previous entry."""
    payload = json.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(),  # as stored: databases give back UTC
            actor,
            action,
            entity,
            entity_id,
            citizen_id,
            purpose,
            detail,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The hash a stored entry must carry (`chain_hash` over its columns)."""
    return chain_hash(
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.citizen_id,
        entry.purpose,
        entry.detail,
        entry.prev_hash,
    )


# Appends run as three Core statements (read the head, insert the entry, move the head) on the
# session's connection: the ORM's unit of work costs more than the database here, and every
# write transaction appends at least one entry.
_HEAD: Table = AuditHead.__table__  # type: ignore[attr-defined]
_ENTRY: Table = AuditEntry.__table__  # type: ignore[attr-defined]
_READ_HEAD = select_columns(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(_ENTRY)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def _lock_head(session: Session) -> tuple[int, str]:
    """The chain's tip (seq, hash), its row locked until the transaction ends."""
    connection = session.connection()
    row = connection.execute(_READ_HEAD).first()
    if row is None:
        connection.execute(insert(_HEAD).values(id=1, seq=0, hash=GENESIS))
        return 0, GENESIS
    return row[0], row[1]


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
) -> None:
    """Append one entry inside the caller's transaction (so it commits with the work it logs)."""
    seq, prev_hash = _lock_head(session)
    seq += 1
    digest = chain_hash(
        seq, at, actor, action.value, entity, entity_id, citizen_id, purpose, detail, prev_hash
    )
    connection = session.connection()
    connection.execute(
        _INSERT_ENTRY,
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action.value,
            "entity": entity,
            "entity_id": entity_id,
            "citizen_id": citizen_id,
            "purpose": purpose,
            "detail": detail,
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": digest})


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_broken_seq: int | None
    message: str


_BATCH = 5000


def _parse_anchor(text: str) -> tuple[int, str] | None:
    seq, _sep, digest = text.strip().partition(":")
    if not seq.isdigit() or len(digest) != 64:
        return None
    return int(seq), digest


def _anchor_text(seq: int, digest: str) -> str:
    return f"{seq}:{digest}"


def read_anchor(session: Session) -> tuple[int, str] | None:
    """(seq, hash) of the last purged entry; None when nothing was ever purged."""
    text = setting(session, ANCHOR_KEY)
    if text is None:
        return None
    return _parse_anchor(text) or (-1, "")


def _checkpoint_anchor(session: Session) -> tuple[int, str] | None:
    """The anchor the newest purge checkpoint in the chain names (None: no checkpoint kept)."""
    row = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity == CHECKPOINT_ENTITY,
            AuditEntry.action == AuditAction.DELETE.value,
            col(AuditEntry.detail).contains(_ANCHOR_MARK),
        )
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return _parse_anchor(row.detail.rsplit(_ANCHOR_MARK, 1)[1]) or (-1, "")


def _broken(checked: int, seq: int) -> AuditVerification:
    return AuditVerification(
        False,
        checked,
        seq,
        _("The audit log is broken at entry {seq}: changed or removed.").format(seq=seq),
    )


def verify(db: Database) -> AuditVerification:
    """Walk the chain from its anchor; name the first entry that does not fit."""

    def work(session: Session) -> AuditVerification:
        head = session.get(AuditHead, 1)
        anchor = read_anchor(session)
        if anchor is not None and anchor != _checkpoint_anchor(session):
            return AuditVerification(
                False,
                0,
                anchor[0] + 1 if anchor[0] >= 0 else None,
                _(
                    "The audit log's purge anchor was changed: it does not match the purge "
                    "recorded in the log."
                ),
            )
        start_seq, prev = anchor if anchor is not None else (0, GENESIS)
        expected_seq = start_seq + 1
        checked = 0
        last_seq = start_seq
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
                if row.seq != expected_seq or row.prev_hash != prev or row.hash != entry_hash(row):
                    # Changed, or the entry before it is gone (a gap, or a cut-away start).
                    return _broken(checked, row.seq)
                prev = row.hash
                expected_seq = row.seq + 1
                last_seq = row.seq
                checked += 1
        # Entries before the anchor must be gone (a purge deletes the whole prefix).
        stale = session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.seq) <= start_seq)
        ).one()
        if stale:
            return _broken(checked, start_seq)
        head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
        if head_seq != last_seq or head_hash != prev:
            return AuditVerification(
                False,
                checked,
                last_seq + 1,
                _("The audit log ends at entry {seq}, but later entries were written.").format(
                    seq=last_seq
                ),
            )
        intact = ngettext(
            "The audit log is intact ({count} entry).",
            "The audit log is intact ({count} entries).",
            checked,
        ).format(count=checked)
        return AuditVerification(True, checked, None, intact)

    return db.read(work)


# -- retention of the log itself -----------------------------------------------------------------


def retention_years(session: Session) -> int:
    return setting_int(session, AUDIT_RETENTION_KEY, DEFAULT_AUDIT_RETENTION_YEARS, minimum=1)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class AuditPurge:
    cutoff: date  # entries before this day (Copenhagen) are purged
    years: int
    purged: int  # how many entries were (or, in a dry run, would be) deleted
    anchor_seq: int | None  # the last purged entry
    applied: bool


def purge(ctx: ServiceContext, *, apply: bool = False) -> AuditPurge:
    """Delete the log's entries older than `audit_retention_years` (a dry run unless `apply`).

    Only a prefix of the chain goes, up to the first entry that must be kept, so the kept part
    still verifies from the anchor. Needs the retention permission; the purge is itself logged.
    """
    from jobbutik.domain.clock import LOCAL_TZ
    from jobbutik.services.context import Permission

    staff = ctx.require(Permission.RETENTION)
    now = ctx.clock.now()

    def work(session: Session) -> AuditPurge:
        years = retention_years(session)
        cutoff = years_before(ctx.clock.today(), years)
        limit = datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=LOCAL_TZ)
        first_kept = session.exec(
            select(func.min(AuditEntry.seq)).where(col(AuditEntry.at) >= limit)
        ).one()
        if first_kept is None:
            last = session.exec(select(func.max(AuditEntry.seq))).one()
        else:
            last = first_kept - 1
        anchor = read_anchor(session)
        floor = anchor[0] if anchor is not None else 0
        if last is None or last <= floor:
            return AuditPurge(cutoff, years, 0, None, apply)
        count = session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.seq) <= last)
        ).one()
        if not apply:
            return AuditPurge(cutoff, years, count, last, False)
        _lock_head(session)  # no append in between
        tail = session.exec(select(AuditEntry).where(AuditEntry.seq == last)).one()
        session.execute(delete(AuditEntry).where(col(AuditEntry.seq) <= last))
        anchor_text = _anchor_text(last, tail.hash)
        put_setting(session, ANCHOR_KEY, anchor_text)
        record(
            session,
            actor=staff.initials,
            action=AuditAction.DELETE,
            entity=CHECKPOINT_ENTITY,
            detail=(
                f"purged {count} entries before {cutoff.isoformat()} "
                f"({years} years); {_ANCHOR_MARK}{anchor_text}"
            ),
            purpose=AuditPurpose.RETENTION,
            at=now,
        )
        return AuditPurge(cutoff, years, count, last, True)

    return ctx.db.write(work) if apply else ctx.db.read(work)

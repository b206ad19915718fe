"""The audit log: who used which citizen's data, when and how. Append-only and chained with a keyed
MAC (HMAC-SHA256) whose key the desks cannot read.

Each entry's MAC covers its content and the previous entry's MAC, so editing or deleting a row in
the middle breaks every later link, and without the key nobody can compute the chain again. The
MAC covers a keyed digest of the detail (`detail_mac`) rather than the detail itself, so a search
term can be masked after a while (`purge`) and the entry still verifies. Where the key lives:
SQLite, a file beside the database (store.audit_key) owned by the account that owns the database;
PostgreSQL, the table `audit_key` that only the owner role reads: the owner's SECURITY DEFINER
function `jobbutik_audit_append(…)` numbers, signs and stores each entry (desks cannot write the
log's tables, and the function names the desk's own initials and login), and
`jobbutik_audit_mac(text)` signs texts for verification. Entries from before the keyed chain keep
their plain SHA-256 and are verified as before; the key's `from_seq` (kept with the key) says where
the keyed part begins. A key that went missing is replaced at the next write (the desk is never
stopped), and `verify` reports the entries signed with the lost key.

A chain computed again, cut short or wiped and restarted still links up, so the head (seq, MAC) is
also anchored outside the database: an append-only anchor file and syslog (`anchor`, at least
daily and at every good verification). `verify` demands that every anchored entry that was not
purged is still there with that MAC and that the head is never behind the newest anchor.

On SQLite an append locks the single `AuditHead` row (BEGIN IMMEDIATE already serialises writers)
and chains the entry at once. On PostgreSQL the owner's function stores a desk's entry, with its
detail's MAC, in `auditpending` without touching the head, so desks never wait for one another;
after the commit `Database.write` has it sealed into the chain, one sealer at a time, in the
order of the entries' numbers (the migration a17d5e1f0c01). `verify` and `anchor` seal first.

Retention (`purge`) deletes only a prefix of the chain: the entries older than the configured
period. The last purged entry's seq and hash become the *purge anchor*, stored in the `Setting`
table (`audit_anchor`) and, so that it cannot be moved unnoticed, in a checkpoint entry appended to
the chain in the same transaction. `verify` then demands that the oldest kept entry links to the
purge anchor (or, before any purge, that the chain starts at entry 1 from the genesis hash), and
that the newest checkpoint names the same anchor: cutting old entries without a purge shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Table, bindparam, delete, func, insert, text, update
from sqlalchemy import select as select_columns
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from jobbutik.domain.dates import format_moment
from jobbutik.domain.errors import DatabaseUnavailable
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.identity import name_key
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.store import audit_key
from jobbutik.store.audit_key import Anchor
from jobbutik.store.db import AUDIT_APPENDED, Database
from jobbutik.store.models import AuditAction, AuditEntry, AuditHead
from jobbutik.store.settings import put_setting, setting, setting_int

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext

GENESIS = "0" * 64
ANCHOR_KEY = "audit_anchor"
AUDIT_RETENTION_KEY = "audit_retention_years"
DEFAULT_AUDIT_RETENTION_YEARS = 5
SEARCH_MASK_KEY = "audit_search_mask_months"
DEFAULT_SEARCH_MASK_MONTHS = 6
MASKED = "***"  # what a masked search term reads as
CHECKPOINT_ENTITY = AuditEntity.AUDIT
_ANCHOR_MARK = "anchor="
# PostgreSQL: the functions desk roles may execute (the key table they may not read).
PG_MAC_FUNCTION = "jobbutik_audit_mac"
PG_KEY_FROM_FUNCTION = "jobbutik_audit_key_from_seq"
# How often the head is anchored at the least (`anchor_if_due`).
ANCHOR_INTERVAL = timedelta(days=1)


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
    """The plain SHA-256 an entry from before the keyed chain carries."""
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
    """The plain SHA-256 over a stored entry's columns (`chain_hash`): what an entry from before
    the keyed chain must carry, and all that someone without the key can compute."""
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


# -- what the key signs ----------------------------------------------------------------------------
# Three kinds of payload, each with its own prefix so one can never stand for another:
# "d:" a detail's digest, "e:" an entry, "m:" the seal over a masked entry from before the key.


def detail_payload(detail: str) -> str:
    return "d:" + detail


def entry_payload_parts(
    seq: int,
    at: datetime,
    actor: str,
    os_account: str,
    client_address: str | None,
    action: str,
    entity: str,
    entity_id: int | None,
    citizen_id: int | None,
    purpose: str,
    prev_hash: str,
) -> tuple[str, str]:
    """The entry payload before and after its detail digest (PostgreSQL computes the digest and
    the MAC in one query, putting the digest between the two)."""
    fields = json.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(),
            actor,
            os_account,
            client_address,
            action,
            entity,
            entity_id,
            citizen_id,
            purpose,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "e:" + fields[:-1] + ',"', '"]'


def entry_payload(entry: AuditEntry) -> str:
    head, tail = entry_payload_parts(
        entry.seq,
        entry.at,
        entry.actor,
        entry.os_account,
        entry.client_address,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.citizen_id,
        entry.purpose,
        entry.prev_hash,
    )
    return head + entry.detail_mac + tail


def _seal_payload(entry: AuditEntry) -> str:
    """What binds a masked entry from before the key to its plain hash (its detail is gone)."""
    return "m:" + json.dumps(
        [
            entry.seq,
            entry.at.astimezone(UTC).isoformat(),
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.citizen_id,
            entry.purpose,
            entry.prev_hash,
            entry.hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _hmac(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()


class _Signer:
    """MACs with the audit key: in this process (SQLite's key file) or by the database's
    SECURITY DEFINER function (PostgreSQL), a whole batch in one query."""

    def __init__(self, session: Session, secret: bytes | None) -> None:
        self.session = session
        self.secret = secret

    def macs(self, payloads: Sequence[str]) -> list[str | None]:
        if not payloads:
            return []
        if self.secret is not None:
            secret = self.secret
            return [_hmac(secret, p) for p in payloads]
        rows = self.session.connection().execute(
            text(
                f"SELECT {PG_MAC_FUNCTION}(p) FROM unnest(CAST(:payloads AS text[])) "
                "WITH ORDINALITY AS t(p, i) ORDER BY i"
            ),
            {"payloads": list(payloads)},
        )
        return [row[0] for row in rows]


# A database in memory (no file beside it) gets a key for the life of the process.
_MEMORY_SECRET = secrets.token_bytes(audit_key.KEY_BYTES)


def _sqlite_file(session: Session) -> Path | None:
    database = session.connection().engine.url.database
    return Path(database) if database and database != ":memory:" else None


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# Appends run as Core statements (read the head, insert the entry, move the head) on the
# session's connection: the ORM's unit of work costs more than the database here, and every
# write transaction appends at least one entry.
_HEAD: Table = AuditHead.__table__  # type: ignore[attr-defined]
_ENTRY: Table = AuditEntry.__table__  # type: ignore[attr-defined]
_READ_HEAD = select_columns(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(_ENTRY).inline()  # no RETURNING: desks may append, never read back
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


def _channel(session: Session) -> tuple[str, str | None]:
    """(OS account, SSH client address) of this run, from the channel the session carries."""
    channel = session.info.get("channel")
    if channel is None:
        return "", None
    address = channel.client_address
    return str(channel.os_account)[:64], str(address)[:64] if address else None


def _keyed_entries_exist(session: Session, head_seq: int) -> bool:
    """Does the chain end in an entry signed with a key (not one from before the keyed chain)?"""
    row = session.exec(
        select(AuditEntry.detail_mac, AuditEntry.detail).where(AuditEntry.seq == head_seq)
    ).first()
    return row is not None and row[0] != "" and row[1] != MASKED


def _write_signer(session: Session, *, actor: str, at: datetime) -> _Signer:
    """The signer for appending. SQLite without its key file: a new key signs from the next
    entry (the desk is never stopped); when keyed entries exist the loss is written to the chain,
    and `verify` reports the entries signed with the key that is gone."""
    if _is_postgresql(session):
        return _Signer(session, None)
    path = _sqlite_file(session)
    if path is None:
        return _Signer(session, _MEMORY_SECRET)
    key = audit_key.read_key(path)
    if key is not None:
        return _Signer(session, key.secret)
    seq, prev = _lock_head(session)
    lost = _keyed_entries_exist(session, seq)
    key = audit_key.create_key(path, seq + 1, previous_lost=lost)
    signer = _Signer(session, key.secret)
    if lost and key.previous_lost:
        _append(
            session,
            key.secret,
            (seq, prev),
            actor=actor,
            action=AuditAction.CREATE.value,
            entity=AuditEntity.DATABASE,
            ids=[(None, None)],
            purpose="",
            detail=f"new audit key from entry {seq + 1}: the key before it is missing",
            at=at,
        )
    return signer


def _append(
    session: Session,
    secret: bytes,
    last: tuple[int, str],
    *,
    actor: str,
    action: str,
    entity: str,
    ids: Sequence[tuple[int | None, int | None]],
    purpose: str,
    detail: str,
    at: datetime,
    channel: tuple[str, str | None] | None = None,
) -> None:
    """Sign and store one entry per (entity id, citizen id) after `last` (seq, MAC), alike but
    for the ids, in one statement, and move the head (SQLite: the key is in this process)."""
    seq, prev = last
    os_account, client_address = channel if channel is not None else _channel(session)
    detail_mac = _hmac(secret, detail_payload(detail))
    entries: list[dict[str, object]] = []
    for entity_id, citizen_id in ids:
        seq += 1
        head, tail = entry_payload_parts(
            seq,
            at,
            actor,
            os_account,
            client_address,
            action,
            entity,
            entity_id,
            citizen_id,
            purpose,
            prev,
        )
        mac = _hmac(secret, head + detail_mac + tail)
        entries.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "citizen_id": citizen_id,
                "purpose": purpose,
                "detail": detail,
                "os_account": os_account,
                "client_address": client_address,
                "detail_mac": detail_mac,
                "prev_hash": prev,
                "hash": mac,
            }
        )
        prev = mac
    if entries:
        connection = session.connection()
        connection.execute(_INSERT_ENTRY, entries)
        connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})


# PostgreSQL: the owner's function checks, signs and stores the entry for sealing (see the
# migrations f15a0a0d1e22 and a17d5e1f0c01); a desk can neither write the log's tables nor choose
# whom an entry names.
_APPEND_ON_SERVER = text(
    "SELECT jobbutik_audit_append(:at, :actor, :os_account, :client_address, :action, :entity, "
    "CAST(:entity_id AS bigint), CAST(:citizen_id AS bigint), :purpose, :detail)"
)
_NO_KEY, _FAR_TIME = "55000", "22023"


def _append_on_server(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    citizen_id: int | None,
    purpose: str,
    detail: str,
    at: datetime,
) -> None:
    os_account, client_address = _channel(session)
    session.info[AUDIT_APPENDED] = True  # sealed into the chain once the transaction commits
    try:
        session.connection().execute(
            _APPEND_ON_SERVER,
            {
                "at": at,
                "actor": actor,
                "os_account": os_account,
                "client_address": client_address,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "citizen_id": citizen_id,
                "purpose": purpose,
                "detail": detail,
            },
        )
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state == _NO_KEY:
            raise DatabaseUnavailable(
                _("The database holds no audit key (table audit_key): nothing can be logged.")
            ) from None
        if state == _FAR_TIME:
            raise DatabaseUnavailable(
                _(
                    "This machine's clock is more than an hour from the database server's: "
                    "nothing can be logged until it is set right."
                )
            ) from None
        raise


def seal_within(session: Session) -> None:
    """PostgreSQL: seal the entries waiting, this transaction's own included, so the log read next
    in the same transaction holds them (an export that lists itself). Rare work: the seal takes
    the chain's head inside the caller's transaction."""
    if _is_postgresql(session):
        session.execute(text("SELECT jobbutik_audit_seal()"))


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
    """Append one entry inside the caller's transaction (so it commits with the work it logs).

    The OS account and SSH client come from the channel the session carries."""
    record_many(
        session,
        actor=actor,
        action=action,
        entity=entity,
        at=at,
        ids=[(entity_id, citizen_id)],
        detail=detail,
        purpose=purpose,
    )


def record_many(
    session: Session,
    *,
    actor: str,
    action: AuditAction,
    entity: str,
    at: datetime,
    ids: Sequence[tuple[int | None, int | None]],
    detail: str,
    purpose: str = "",
    channel: tuple[str, str | None] | None = None,
) -> None:
    """One entry per (entity id, citizen id), alike but for the ids (an import logs every record
    it added in one statement). `channel` (OS account, SSH client) stands for the session's when
    the entries are finished for another process (an interrupted import). PostgreSQL appends on
    the server, entry by entry, and takes the account from the login."""
    if _is_postgresql(session):
        for entity_id, citizen_id in ids:
            _append_on_server(
                session,
                actor=actor,
                action=action.value,
                entity=entity,
                entity_id=entity_id,
                citizen_id=citizen_id,
                purpose=purpose,
                detail=detail,
                at=at,
            )
        return
    signer = _write_signer(session, actor=actor, at=at)
    assert signer.secret is not None  # SQLite: the key is in this process
    _append(
        session,
        signer.secret,
        _lock_head(session),
        actor=actor,
        action=action.value,
        entity=entity,
        ids=ids,
        purpose=purpose,
        detail=detail,
        at=at,
        channel=channel,
    )


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


def _unsealed(checked: int, row: AuditEntry, state: _KeyState) -> AuditVerification:
    """An entry whose content does not match its MAC: say how, when it can be told."""
    if not _is_legacy(row, state) and row.hash == entry_hash(row):
        message = _(
            "Entry {seq} of the audit log carries a plain SHA-256 where the key's MAC belongs: "
            "the log was computed again without its key."
        )
    else:
        message = _(
            "The audit log is broken at entry {seq}: its content does not match its MAC "
            "(changed, or signed without the audit key)."
        )
    return AuditVerification(False, checked, row.seq, message.format(seq=row.seq))


@dataclass(frozen=True)
class _KeyState:
    signer: _Signer | None  # None: the key is gone
    from_seq: int | None  # the first entry signed with the key (None: no key)
    previous_lost: bool


def _key_state(session: Session) -> _KeyState:
    if _is_postgresql(session):
        from_seq = session.connection().execute(text(f"SELECT {PG_KEY_FROM_FUNCTION}()")).scalar()
        if from_seq is None:
            return _KeyState(None, None, False)
        return _KeyState(_Signer(session, None), int(from_seq), False)
    path = _sqlite_file(session)
    if path is None:
        return _KeyState(_Signer(session, _MEMORY_SECRET), 1, False)
    key = audit_key.read_key(path)
    if key is None:
        return _KeyState(None, None, False)
    return _KeyState(_Signer(session, key.secret), key.from_seq, key.previous_lost)


def _masked(row: AuditEntry) -> bool:
    return row.action == AuditAction.SEARCH.value and row.detail == MASKED


def _is_legacy(row: AuditEntry, state: _KeyState) -> bool:
    return state.from_seq is None or row.seq < state.from_seq


def _payloads(row: AuditEntry, state: _KeyState) -> list[str]:
    """What the key must sign to check `row` (nothing when the key cannot check it)."""
    if state.signer is None:
        return []
    if not _is_legacy(row, state):
        return [entry_payload(row), detail_payload(row.detail)]
    if _masked(row) and row.detail_mac and not state.previous_lost:
        return [_seal_payload(row)]
    return []


def _entry_fits(row: AuditEntry, state: _KeyState, macs: list[str | None]) -> bool | None:
    """Does the entry's content match its MAC (or, from before the key, its hash)? None: it was
    signed with a key that is gone."""
    if not _is_legacy(row, state):
        mac, digest = macs
        return row.hash == mac and (row.detail_mac == digest or _masked(row))
    plain = (
        row.detail_mac == ""
        and row.os_account == ""
        and row.client_address is None
        and row.hash == entry_hash(row)
    )
    if plain:
        return True
    if macs:  # a masked entry from before the key, sealed when it was masked
        return row.detail_mac == macs[0]
    if row.detail_mac != "" and (state.signer is None or state.previous_lost):
        return None
    return False


def anchor_file(db: Database) -> Path:
    return audit_key.anchor_path(db.url, db.path)


def _anchors_to_check(db: Database) -> list[Anchor]:
    """The anchors written since the last restore (a restore starts the log where the backup
    stood; it anchors that)."""
    anchors = audit_key.read_anchors(anchor_file(db))
    restored = [i for i, a in enumerate(anchors) if a.restored]
    return anchors[restored[-1] :] if restored else anchors


def verify(db: Database, *, anchors: bool = True) -> AuditVerification:
    """Walk the chain from its purge anchor; name the first entry that does not fit, then compare
    the head with the key and with the anchors outside the database (`anchors=False`: a file
    that is not the live database, such as a backup to restore)."""
    outside = _anchors_to_check(db) if anchors else []
    db.seal_audit()

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
        state = _key_state(session)
        anchored: dict[int, list[Anchor]] = {}
        for item in outside:
            anchored.setdefault(item.seq, []).append(item)
        start_seq, prev = anchor if anchor is not None else (0, GENESIS)
        expected_seq = start_seq + 1
        checked = 0
        last_seq = start_seq
        lost: list[int] = []
        while True:
            rows = session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.seq) > last_seq)
                .order_by(col(AuditEntry.seq))
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            wanted = [_payloads(row, state) for row in rows]
            flat = [p for payloads in wanted for p in payloads]
            signed = state.signer.macs(flat) if state.signer is not None and flat else []
            position = 0
            for row, payloads in zip(rows, wanted, strict=True):
                macs = signed[position : position + len(payloads)]
                position += len(payloads)
                fits = _entry_fits(row, state, macs)
                if fits is None:
                    lost.append(row.seq)
                if row.seq != expected_seq or row.prev_hash != prev:
                    # The entry before it is gone (a gap, or a cut-away start), or was changed
                    # and sealed again.
                    return _broken(checked, row.seq)
                if fits is False:
                    return _unsealed(checked, row, state)
                for seen in anchored.get(row.seq, ()):
                    if seen.mac != row.hash:
                        return _anchor_differs(checked, seen)
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
        if state.from_seq is not None and head_seq < state.from_seq - 1:
            return AuditVerification(
                False,
                checked,
                head_seq + 1,
                _(
                    "The audit log ends at entry {seq}, but its key was made when entry {made} "
                    "had been written: entries were removed."
                ).format(seq=head_seq, made=state.from_seq - 1),
            )
        purged_at = anchor
        for item in outside:
            if item.seq > head_seq:
                return AuditVerification(
                    False,
                    checked,
                    head_seq + 1,
                    _(
                        "The audit log ends at entry {seq}, but entry {anchored} was anchored "
                        "outside the database on {when}: entries were removed."
                    ).format(seq=head_seq, anchored=item.seq, when=format_moment(item.at)),
                )
            if purged_at is not None and item.seq == purged_at[0] and item.mac != purged_at[1]:
                return _anchor_differs(checked, item)
        if lost:
            return AuditVerification(
                False,
                checked,
                lost[0],
                _(
                    "Entries {first}–{last} of the audit log were signed with a key that is "
                    "gone: they cannot be verified."
                ).format(first=lost[0], last=lost[-1]),
            )
        intact = ngettext(
            "The audit log is intact ({count} entry).",
            "The audit log is intact ({count} entries).",
            checked,
        ).format(count=checked)
        return AuditVerification(True, checked, None, intact)

    return db.read(work)


def _anchor_differs(checked: int, anchor: Anchor) -> AuditVerification:
    return AuditVerification(
        False,
        checked,
        anchor.seq,
        _(
            "Entry {seq} of the audit log is not the one anchored outside the database on "
            "{when}: the log was computed again."
        ).format(seq=anchor.seq, when=format_moment(anchor.at)),
    )


# -- anchors outside the database ------------------------------------------------------------------


def _head(db: Database) -> tuple[int, str]:
    db.seal_audit()

    def work(session: Session) -> tuple[int, str]:
        head = session.get(AuditHead, 1)
        return (head.seq, head.hash) if head is not None else (0, GENESIS)

    return db.read(work)


def _to_syslog(message: str) -> None:
    """Also tell syslog (the auth facility), when the machine has one to tell."""
    try:
        import syslog
    except ImportError:  # Windows
        return
    if not any(os.path.exists(p) for p in ("/dev/log", "/var/run/syslog", "/var/run/log")):
        return
    syslog.openlog("jobbutik", syslog.LOG_PID, syslog.LOG_AUTH)
    syslog.syslog(syslog.LOG_NOTICE, message)


def anchor(db: Database, *, restored: bool = False) -> Anchor:
    """Write the chain's head (time, seq, MAC) outside the database: appended to the anchor file
    and sent to syslog. `restored`: the log now starts again where a restored backup stood."""
    seq, mac = _head(db)
    item = Anchor(datetime.now(UTC), seq, mac, restored)
    audit_key.append_anchor(anchor_file(db), item)
    what = "restored" if restored else "head"
    _to_syslog(f"audit anchor {db.path or db.display_url}: {what} seq={seq} mac={mac}")
    return item


def anchor_after_verify(db: Database) -> str | None:
    """Anchor a head just verified; the reason when the anchor file cannot be written (the
    verification stands: saying so beats failing it)."""
    try:
        anchor(db)
    except OSError as exc:
        return _("The audit log's head was not anchored: {error}").format(error=exc.strerror or exc)
    return None


def anchor_if_due(db: Database) -> Anchor | None:
    """Anchor the head when the newest anchor is older than a day (reads only the file's tail)."""
    newest = audit_key.newest_anchor(anchor_file(db))
    if newest is not None and datetime.now(UTC) - newest.at < ANCHOR_INTERVAL:
        return None
    return anchor(db)


# -- retention of the log itself -----------------------------------------------------------------


def retention_years(session: Session) -> int:
    return setting_int(session, AUDIT_RETENTION_KEY, DEFAULT_AUDIT_RETENTION_YEARS, minimum=1)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def search_mask_months(session: Session) -> int:
    return setting_int(session, SEARCH_MASK_KEY, DEFAULT_SEARCH_MASK_MONTHS, minimum=1)


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class AuditPurge:
    cutoff: date  # entries before this day (Copenhagen) are purged
    years: int
    purged: int  # how many entries were (or, in a dry run, would be) deleted
    anchor_seq: int | None  # the last purged entry
    applied: bool
    masked: int = 0  # search terms masked (or, in a dry run, that would be)
    mask_cutoff: date | None = None  # search terms logged before this day are masked


def _mask_search_terms(session: Session, limit: datetime, *, after_seq: int, apply: bool) -> int:
    """Mask the search terms logged before `limit` (the entries stay). A keyed entry's MAC covers
    the detail's digest, not the text, so it still verifies; an entry from before the key gets a
    keyed seal over everything but its detail instead."""
    rows = session.exec(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.SEARCH.value,
            col(AuditEntry.at) < limit,
            col(AuditEntry.seq) > after_seq,
            col(AuditEntry.detail) != MASKED,
        )
    ).all()
    if apply:
        _mask_entries(session, rows)
    return len(rows)


def purge(ctx: ServiceContext, *, apply: bool = False) -> AuditPurge:
    """Delete the log's entries older than `audit_retention_years` and mask the search terms older
    than `audit_search_mask_months` (a dry run unless `apply`).

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
        mask_cutoff = months_before(ctx.clock.today(), search_mask_months(session))
        mask_limit = datetime(mask_cutoff.year, mask_cutoff.month, mask_cutoff.day, tzinfo=LOCAL_TZ)
        first_kept = session.exec(
            select(func.min(AuditEntry.seq)).where(col(AuditEntry.at) >= limit)
        ).one()
        newest: int | None = (
            session.exec(select(func.max(AuditEntry.seq))).one()
            if first_kept is None
            else first_kept - 1
        )
        anchor = read_anchor(session)
        floor = anchor[0] if anchor is not None else 0
        last = newest if newest is not None and newest > floor else None
        if apply:
            _write_signer(session, actor=staff.initials, at=now)  # the key is there to seal
            _lock_head(session)  # no append in between
        # Entries about to be purged need no masking.
        masked = _mask_search_terms(
            session, mask_limit, after_seq=max(floor, last or 0), apply=apply
        )
        if masked and apply:
            record(
                session,
                actor=staff.initials,
                action=AuditAction.UPDATE,
                entity=CHECKPOINT_ENTITY,
                detail=f"masked {masked} search terms before {mask_cutoff.isoformat()}",
                purpose=AuditPurpose.RETENTION,
                at=now,
            )
        if last is None:
            return AuditPurge(cutoff, years, 0, None, apply, masked, mask_cutoff)
        count = session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.seq) <= last)
        ).one()
        if not apply:
            return AuditPurge(cutoff, years, count, last, False, masked, mask_cutoff)
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
        return AuditPurge(cutoff, years, count, last, True, masked, mask_cutoff)

    return ctx.db.write(work) if apply else ctx.db.read(work)


# -- masking what the log says about a citizen (retention) ----------------------------------------


def _mask_entries(session: Session, rows: Sequence[AuditEntry]) -> None:
    """Replace the rows' details with MASKED. A keyed entry's MAC covers the detail's digest, not
    the text, so it still verifies; an entry from before the key gets a keyed seal over
    everything but its detail instead."""
    if not rows:
        return
    state = _key_state(session)
    legacy = [row for row in rows if _is_legacy(row, state)]
    for row in rows:
        row.detail = MASKED
    if legacy and state.signer is not None:
        seals = state.signer.macs([_seal_payload(row) for row in legacy])
        for row, seal in zip(legacy, seals, strict=True):
            row.detail_mac = seal or ""
    for row in rows:
        session.add(row)


@dataclass(frozen=True)
class Person:
    """A citizen as a search term may name them: a full CPR number (10 digits) and a name."""

    cpr: str
    name: str


# A full CPR number in a typed term: 10 digits, with or without the dash (or a space).
_FULL_CPR = re.compile(r"(?<!\d)(\d{6})[-\s]?(\d{4})(?!\d)")


def _names_someone(people: Sequence[Person]) -> Callable[[str], bool]:
    """Does a search term name one of `people`: their full CPR number, or every word of their
    name (folded as a search folds it, in any order)?"""
    cprs = {p.cpr for p in people}
    names: dict[str, list[frozenset[str]]] = {}
    for p in people:
        words = frozenset(name_key(p.name).split())
        if words:
            names.setdefault(min(words), []).append(words)

    def names_someone(term: str) -> bool:
        if any(day + serial in cprs for day, serial in _FULL_CPR.findall(term)):
            return True
        words = set(name_key(term).split())
        return any(name <= words for word in words for name in names.get(word, ()))

    return names_someone


def mask_citizens(session: Session, people: Sequence[Person], *, actor: str, at: datetime) -> int:
    """Mask every search term that holds the full CPR number or the whole name of one of
    `people`, before they are anonymised or deleted: the log's only free text about a citizen
    (the entries that name a citizen by id carry codes, never their words). The entries stay and
    the chain still verifies (`_mask_entries`). Returns how many were masked. Runs in the
    caller's transaction; on PostgreSQL only the owner may do it."""
    if not people:
        return 0
    _write_signer(session, actor=actor, at=at)  # the key is there to seal
    rows: list[AuditEntry] = []
    names_someone = _names_someone(people)
    terms = session.execute(
        select_columns(col(AuditEntry.seq), col(AuditEntry.detail)).where(
            col(AuditEntry.action) == AuditAction.SEARCH.value, col(AuditEntry.detail) != MASKED
        )
    ).all()
    hits = [seq for seq, term in terms if names_someone(term)]
    for start in range(0, len(hits), _BATCH):
        rows += session.exec(
            select(AuditEntry).where(col(AuditEntry.seq).in_(hits[start : start + _BATCH]))
        ).all()
    _mask_entries(session, rows)
    return len(rows)

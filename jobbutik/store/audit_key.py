"""Files beside a SQLite database that keep its audit log honest: the key and the anchors.

The key (`<database>.auditkey`, 0600, JSON) signs the audit chain; whoever can read it could
recompute the chain, so it belongs to the account that owns the database, never to a desk.
`from_seq` is the first entry signed with it: kept with the key, so a desk that can change the
database still cannot move where the keyed part begins. `previous_lost` says the key before this
one went missing, so the keyed entries before `from_seq` can no longer be verified.

The anchors (`<database>.anchors`, 0600, opened for appending only) hold the chain's head as it
stood at a moment: one JSON line per anchor. PostgreSQL's anchors live in the user data folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from jobbutik.domain.errors import DatabaseUnavailable
from jobbutik.domain.i18n import _
from jobbutik.store.db import create_private_file

KEY_BYTES = 32
# The tail of the anchor file read to find the newest anchor: many lines' worth.
_TAIL_BYTES = 4096


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    from_seq: int
    previous_lost: bool = False


def key_path(db_path: Path) -> Path:
    return Path(f"{db_path}.auditkey")


# Read once per file version: every write transaction signs an entry.
_cache: dict[Path, tuple[tuple[int, int, int], AuditKey]] = {}


def read_key(db_path: Path) -> AuditKey | None:
    """The database's audit key; None when the file is gone. A file that is there but cannot be
    read as a key is an error (writing a new key over it would lose the old one)."""
    path = key_path(db_path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == version:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = AuditKey(
            bytes.fromhex(data["key"]), int(data["from_seq"]), bool(data.get("previous_lost"))
        )
        if len(key.secret) != KEY_BYTES or key.from_seq < 1:
            raise ValueError(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatabaseUnavailable(
            _("The audit key {path} cannot be read ({error}).").format(path=path, error=exc)
        ) from exc
    _cache[path] = (version, key)
    return key


def create_key(db_path: Path, from_seq: int, *, previous_lost: bool = False) -> AuditKey:
    """Write a new random key that signs from entry `from_seq` on; an existing key is kept (two
    programs creating one at once end up with the same)."""
    path = key_path(db_path)
    key = AuditKey(secrets.token_bytes(KEY_BYTES), from_seq, previous_lost)
    text = json.dumps(
        {"key": key.secret.hex(), "from_seq": from_seq, "previous_lost": previous_lost}
    )
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    create_private_file(tmp)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # never replaces a key that is there
    finally:
        tmp.unlink(missing_ok=True)
    found = read_key(db_path)
    if found is None:  # removed again at once: nothing signs with a key that is not kept
        raise DatabaseUnavailable(
            _("The audit key {path} cannot be read ({error}).").format(
                path=path, error=_("removed while it was written")
            )
        )
    return found


# -- anchors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    at: datetime
    seq: int
    mac: str
    restored: bool = False  # a restore started the log again here: older anchors no longer hold


def anchor_path(url: str, db_path: Path | None) -> Path:
    """SQLite: beside the database. PostgreSQL: one file per server and database in the user
    data folder (the account that runs the anchoring, e.g. from cron)."""
    if db_path is not None:
        return Path(f"{db_path}.anchors")
    from platformdirs import user_data_path

    parsed = make_url(url)
    name = f"{parsed.host or 'local'}_{parsed.port or 5432}_{parsed.database or ''}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return user_data_path("jobbutik", appauthor=False) / "anchors" / f"{safe}.anchors"


def anchor_line(anchor: Anchor) -> str:
    data: dict[str, object] = {"at": anchor.at.isoformat(), "seq": anchor.seq, "mac": anchor.mac}
    if anchor.restored:
        data["restored"] = True
    return json.dumps(data, separators=(",", ":"))


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append one line; the file is only ever opened for appending."""
    create_private_file(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, (anchor_line(anchor) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse(line: str) -> Anchor | None:
    try:
        data = json.loads(line)
        return Anchor(
            datetime.fromisoformat(data["at"]),
            int(data["seq"]),
            str(data["mac"]),
            bool(data.get("restored")),
        )
    except (ValueError, KeyError, TypeError):
        return None  # a line cut short by a crash


def read_anchors(path: Path) -> list[Anchor]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [a for a in map(_parse, text.splitlines()) if a is not None]


def newest_anchor(path: Path) -> Anchor | None:
    """The last anchor, from the file's tail only (cheap enough for every program start)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - _TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    for line in reversed(tail.splitlines()):
        found = _parse(line)
        if found is not None:
            return found
    return None

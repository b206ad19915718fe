"""The crash log: where an unexpected error's traceback goes instead of the screen.

The file lies beside the database (an SQLite file's folder; the user data folder for a server
database), is readable by its owner only (0600) and is only ever appended to. A traceback here has
no local variables (they hold CPR numbers), and anything in it shaped like a CPR number is masked.
"""

from __future__ import annotations

import os
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path

CRASH_LOG_NAME = "jobbutik-crash.log"

_SQLITE_URL = re.compile(r"^sqlite(?:\+\w+)?:///(?P<path>[^?]*)")
_CPR = re.compile(r"(?<!\d)(\d{6})-?\d{4}(?!\d)")


def crash_log_path(db: str) -> Path:
    """The crash log for the database `db` (a file path or a SQLAlchemy URL)."""
    if "://" not in db:
        return Path(db).expanduser().resolve().parent / CRASH_LOG_NAME
    match = _SQLITE_URL.match(db)
    if match and match["path"] and match["path"] != ":memory:":
        return Path(match["path"]).expanduser().resolve().parent / CRASH_LOG_NAME
    from platformdirs import user_data_path

    return user_data_path("jobbutik", appauthor=False) / CRASH_LOG_NAME


def crash_entry(error: BaseException, where: str, now: datetime | None = None) -> str:
    """One log entry: a header line, then the traceback (with its causes, without locals)."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = "".join(traceback.format_exception(error))
    return _CPR.sub(r"\1-XXXX", f"=== {moment} {where}\n{body}\n")


def append_private(path: Path, text: str) -> None:
    """Append `text` to `path`, creating it 0600 (its folder 0700) if new, never following a
    symbolic link; a file found wider than 0600 is narrowed. One write per entry, so entries from
    several programs at once do not interleave."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        data = text.encode("utf-8", "replace")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)

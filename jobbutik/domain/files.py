"""Files that hold personal data (receipts, reports, exports, backups): one way to write them.

Each is written whole or not at all and readable by its owner only: the content goes to a new
0600 file beside the target, is flushed to disk and renamed over the target. A rename replaces a
symbolic link at the target instead of writing where it points, and the temporary file is created
exclusively, so no link planted beside the target can redirect the data either.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["private_file", "write_private"]


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A new, empty 0600 file beside `target` for a writer that wants a path (SQLite, the PDF
    renderer). When the block ends without an error it becomes `target`; otherwise it is removed
    and `target` is as it was."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o600)  # in case the writer made the file anew
        _sync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder
        _sync(folder)


def write_private(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `target` as a private file (see the module); return the path."""
    target = Path(target)
    with private_file(target) as tmp:
        fd = os.open(tmp, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    return target


def os_reason(exc: OSError) -> str:
    """What the system said, with the file it said it about when that is not the one asked for."""
    reason = exc.strerror or str(exc)
    return f"{reason} ({exc.filename})" if exc.filename else reason

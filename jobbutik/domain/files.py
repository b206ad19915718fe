"""Files that hold personal data (receipts, reports, exports, backups): one way to write them.

Each is written whole or not at all and readable by its owner only: the content goes to a new
0600 file beside the target, is flushed to disk and renamed over the target. A rename replaces a
symbolic link at the target instead of writing where it points, and the temporary file is created
exclusively, so no link planted beside the target can redirect the data either.

`check_output_target` is the one check before a file the user named is written (a report, an
export, an access-request log): never the database or a file beside it that keeps it, never
anything but a regular file, never over an existing file unless the user said so, never into an
SSH folder (a desk on a shared account must not replace the account's authorized_keys).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _

__all__ = [
    "STDOUT",
    "FolderMissing",
    "OutputExists",
    "OutputRefused",
    "cannot_write",
    "check_output_target",
    "private_file",
    "write_private",
]

#: The file name that means standard output (`-o -`).
STDOUT = "-"


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


class OutputRefused(ValidationError):
    """A file the user named may not be written there; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="output")


class OutputExists(OutputRefused):
    """The file is there already: replaced only when the user says so (--force, or yes)."""

    def __init__(self, path: Path) -> None:
        super().__init__(_("{path} already exists: give --force to replace it.").format(path=path))
        self.path = path


class FolderMissing(OutputRefused):
    """The folder to write in is not there (a dialog may offer to create it)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(_("The folder {folder} does not exist.").format(folder=folder))
        self.folder = folder


def cannot_write(target: Path, exc: OSError) -> OutputRefused:
    """Writing `target` failed: the system's reason, never the name of the temporary file."""
    return OutputRefused(
        _("Cannot write {path}: {reason}.").format(
            path=target, reason=exc.strerror or type(exc).__name__
        )
    )


def _kind(mode: int) -> str | None:
    """What a file that is not a regular one is, for the refusal (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a named pipe")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    return _("not a regular file")


def _stat(path: Path, *, follow: bool = True) -> os.stat_result | None:
    try:
        return path.stat() if follow else path.lstat()
    except OSError:
        return None


def _is_protected(target: Path, real: Path, protected: Iterable[Path]) -> bool:
    """`target` (resolved: `real`) is one of `protected`: the same path once links are resolved,
    or the same file on disk (a hard link, or a link to it)."""
    found = _stat(target)
    for path in protected:
        if real == Path(os.path.realpath(path)):
            return True
        other = _stat(path)
        if found is not None and other is not None and os.path.samestat(found, other):
            return True
    return False


def _in_ssh_folder(target: Path, real: Path) -> bool:
    """An authorized_keys file, or anything in a `.ssh` folder (this account's included, found
    from $HOME and from the password database, also when reached through a link)."""
    homes = (Path.home(), Path(pwd.getpwuid(os.getuid()).pw_dir))
    ssh_folders = [Path(os.path.realpath(home / ".ssh")) for home in homes]
    return any(
        path.name.startswith("authorized_keys")
        or ".ssh" in path.parts
        or any(path.is_relative_to(folder) for folder in ssh_folders)
        for path in (target.absolute(), real)
    )


def check_output_target(
    target: str | os.PathLike[str], *, protected: Iterable[Path], overwrite: bool
) -> Path:
    """The path to write a file the user named to, or `OutputRefused` saying why not.

    Refused: any of `protected` (the database and the files that keep it) however it is reached
    (a symbolic link, a hard link); anything that exists and is not a regular file (a folder, a
    named pipe, a device, a socket); an existing file unless `overwrite`; a name in an SSH folder
    or an authorized_keys file; a folder that does not exist."""
    path = Path(target).expanduser()
    real = Path(os.path.realpath(path))
    if _in_ssh_folder(path, real):
        raise OutputRefused(
            _("{path} is in an SSH folder: the program never writes there.").format(path=path)
        )
    if _is_protected(path, real, protected):
        raise OutputRefused(
            _("{path} is the database or a file that belongs to it: choose another name.").format(
                path=path
            )
        )
    here = _stat(path, follow=False)
    if here is not None:
        kind = _kind((_stat(path) or here).st_mode)
        if kind is not None:
            raise OutputRefused(
                _("{path} is {kind}: give the name of a file.").format(path=path, kind=kind)
            )
        if not overwrite:
            raise OutputExists(path)
    if not path.parent.is_dir():
        raise FolderMissing(path.parent)
    return path

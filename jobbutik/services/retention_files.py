"""Files the program wrote that retention removes: the receipts of a citizen who is anonymised or
deleted, and the old files in the program's own output folders.

The folders are `jobbutik-reports` in the home folder (where the TUI suggests to save reports)
and `receipts/` (beside a SQLite file; in the user data folder for a database server). Only files
whose names the program gives are touched (`<report>-<day>[_<day>].pdf|txt|csv`,
`kvittering-<day>-<visitation id>.pdf|txt`), only regular files directly in those folders: no link
is followed (a folder that is itself a link is left alone) and nothing outside is reached.

A file counts as old when it was last written more than `output_retention_days` (Setting table,
default 30) before now.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from jobbutik.store.settings import setting_int

DAYS_KEY = "output_retention_days"
DEFAULT_DAYS = 30
REPORT_FOLDER = "jobbutik-reports"
# What reports/receipt.py `save_and_print` and the TUI's print dialog name their files.
_RECEIPT = re.compile(r"kvittering-\d{4}-\d{2}-\d{2}-(\d+)\.(?:pdf|txt)")
# Reports the TUI saves (`<report>-<day>[_<day>].pdf|txt|csv`) and the follow-up calendars its
# Follow-ups screen writes (`opfoelgninger-<initials>.ics`, see reports.ics.file_name).
_REPORT = re.compile(
    r"[a-z]+-\d{4}-\d{2}-\d{2}(?:_\d{4}-\d{2}-\d{2})?\.(?:pdf|txt|csv)|opfoelgninger-[a-z0-9æøå]+\.ics"
)


def output_days(session: Session) -> int:
    return setting_int(session, DAYS_KEY, DEFAULT_DAYS, minimum=1)


def report_folder() -> Path:
    """Where the TUI saves reports unless told otherwise."""
    return Path.home() / REPORT_FOLDER


def receipt_folder(db_path: Path | None) -> Path:
    """`receipts/` beside a SQLite file; in the user data folder for a database server."""
    if db_path is not None:
        return db_path.parent / "receipts"
    from platformdirs import user_data_path

    return user_data_path("jobbutik", appauthor=False) / "receipts"


@dataclass(frozen=True)
class Removed:
    """What a sweep removed (or, in a dry run, would remove), and the files it could not."""

    count: int = 0
    failed: tuple[str, ...] = ()

    def __add__(self, other: Removed) -> Removed:
        return Removed(self.count + other.count, self.failed + other.failed)


def _own_files(folder: Path, pattern: re.Pattern[str]) -> Iterator[os.DirEntry[str]]:
    """The regular files directly in `folder` whose names match `pattern`; nothing when the
    folder is missing or is not a real folder (a link to one included)."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return
        with os.scandir(folder) as entries:
            for entry in entries:
                if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    yield entry
    except FileNotFoundError:
        return


def _remove(
    folder: Path,
    pattern: re.Pattern[str],
    chosen: Callable[[os.DirEntry[str]], bool],
    *,
    apply: bool,
) -> Removed:
    count, failed = 0, []
    for entry in _own_files(folder, pattern):
        try:
            if not chosen(entry):
                continue
            if apply:
                os.unlink(entry.path)  # a link put there meanwhile is removed, never followed
        except FileNotFoundError:
            continue
        except OSError:
            failed.append(entry.path)
            continue
        count += 1
    return Removed(count, tuple(failed))


def delete_receipts(db_path: Path | None, visitation_ids: Collection[int]) -> Removed:
    """Delete the saved receipts of these visitations."""
    wanted = {str(i) for i in visitation_ids}
    if not wanted:
        return Removed()

    def theirs(entry: os.DirEntry[str]) -> bool:
        found = _RECEIPT.fullmatch(entry.name)
        return found is not None and found.group(1) in wanted

    return _remove(receipt_folder(db_path), _RECEIPT, theirs, apply=True)


def sweep(db_path: Path | None, now: datetime, days: int, *, apply: bool) -> Removed:
    """Remove (`apply`) or count the program's report and receipt files older than `days`."""
    limit = (now - timedelta(days=days)).timestamp()

    def old(entry: os.DirEntry[str]) -> bool:
        return entry.stat(follow_symlinks=False).st_mtime < limit

    return _remove(report_folder(), _REPORT, old, apply=apply) + _remove(
        receipt_folder(db_path), _RECEIPT, old, apply=apply
    )

"""Where a file the user named may be written: never over the live database or the files that
keep it (see `jobbutik.domain.files.check_output_target`)."""

from __future__ import annotations

import os
from pathlib import Path

from jobbutik.domain.files import check_output_target
from jobbutik.store.audit_key import anchor_path, key_path
from jobbutik.store.db import SQLITE_SIDE_FILES, Database

__all__ = ["check_output", "database_files"]


def database_files(db: Database) -> tuple[Path, ...]:
    """The files that make up the database: for SQLite the file, its journals, its audit key
    and its anchors; for PostgreSQL (no file) the anchors kept in the user data folder."""
    anchors = anchor_path(db.url, db.path)
    if db.path is None:
        return (anchors,)
    path = db.path
    return (*(Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES), key_path(path), anchors)


def check_output(db: Database, target: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """`check_output_target` with this database's files protected."""
    return check_output_target(target, protected=database_files(db), overwrite=overwrite)

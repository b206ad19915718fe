"""The one writer of private files (receipts, reports, exports, backups)."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest

from jobbutik.domain.files import private_file, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_new_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0)  # even where the user's umask would share everything
    try:
        path = write_private(tmp_path / "report.csv", "Navn;CPR\r\n".encode("utf-8-sig"))
    finally:
        os.umask(old)
    assert path.read_bytes() == "Navn;CPR\r\n".encode("utf-8-sig")
    assert mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_an_existing_shared_file_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "receipt.txt"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, b"new")
    assert path.read_bytes() == b"new" and mode(path) == 0o600


def test_a_symbolic_link_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "bashrc"
    elsewhere.write_text("keep me")
    link = tmp_path / "export.csv"
    link.symlink_to(elsewhere)
    write_private(link, b"personal data")
    assert elsewhere.read_text() == "keep me"
    assert not link.is_symlink() and link.read_bytes() == b"personal data"
    assert mode(link) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    path = tmp_path / "backup.sqlite"
    path.write_bytes(b"the good copy")
    with pytest.raises(RuntimeError), private_file(path) as tmp:
        tmp.write_bytes(b"half a bac")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"the good copy"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.sqlite"]


def test_a_writer_that_wants_a_path_gets_a_private_file(tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite"
    with private_file(target) as tmp:
        assert tmp.parent == tmp_path and mode(tmp) == 0o600 and not target.exists()
        tmp.unlink()  # a writer that makes the file anew, with the usual 0644
        connection = sqlite3.connect(tmp)
        connection.execute("CREATE TABLE t (x)")
        connection.commit()
        connection.close()
        tmp.chmod(0o644)
    assert mode(target) == 0o600
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("SELECT count(*) FROM t").fetchone() == (0,)

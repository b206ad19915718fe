"""Where reports and exports may be written, through the command line as a user runs it: never
over the live database or the files beside it, never into a pipe or device, an existing file only
with --force, `-` for standard output, and a clear line for a folder that is not there."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from factories import make_ctx
from trust_helpers import cli, one_line_error

from jobbutik.domain.files import OutputExists, OutputRefused, check_output_target
from jobbutik.store.db import Database

DAY = ("--date", "23.11.2026")


@pytest.fixture
def db(sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    make_ctx(sqlite_database, "sup", roles="supervisor")
    return sqlite_database


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db_file(db: Database) -> Path:
    assert db.path is not None
    return db.path


def test_report_onto_the_database_is_refused_and_the_database_intact(db: Database) -> None:
    before = digest(db_file(db))
    for flags in ((), ("--force",)):
        result = cli(db, "sup", "report", "daily", *DAY, "-o", str(db_file(db)), *flags)
        assert "is the database or a file that belongs to it" in one_line_error(result)
    assert digest(db_file(db)) == before
    assert cli(db, "sup", "report", "daily", *DAY).exit_code == 0  # still the live database


@pytest.mark.parametrize("sibling", ["-wal", "-shm", ".auditkey", ".anchors"])
def test_report_onto_a_file_beside_the_database_is_refused(db: Database, sibling: str) -> None:
    target = Path(f"{db_file(db)}{sibling}")
    result = cli(db, "sup", "report", "daily", *DAY, "-o", str(target), "--force")
    assert "belongs to it" in one_line_error(result)
    assert not target.exists() or b"Daily list" not in target.read_bytes()


def test_links_to_the_database_are_refused(db: Database, tmp_path: Path) -> None:
    link = tmp_path / "report.txt"
    link.symlink_to(db_file(db))
    hard = tmp_path / "hard.txt"
    os.link(db_file(db), hard)
    dangling = tmp_path / "wal.txt"
    dangling.symlink_to(f"{db_file(db)}-wal")  # not there now: resolved, still refused
    before = digest(db_file(db))
    for target in (link, hard, dangling):
        result = cli(db, "sup", "export", "citizens", str(target), "--force")
        assert "belongs to it" in one_line_error(result), target
    assert link.is_symlink() and digest(db_file(db)) == before


def test_a_fifo_is_refused_and_stays_a_fifo(db: Database, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = cli(db, "sup", "report", "daily", *DAY, "-o", str(fifo), "--force")
    assert "is a named pipe" in one_line_error(result)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_device_is_refused(db: Database) -> None:
    result = cli(db, "sup", "export", "citizens", "/dev/null", "--force")
    assert "/dev/null is a device" in one_line_error(result)


def test_an_existing_file_needs_force(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "daily.txt"
    target.write_text("keep me\n")
    result = cli(db, "sup", "report", "daily", *DAY, "-o", str(target))
    assert "already exists: give --force" in one_line_error(result)
    assert target.read_text() == "keep me\n"
    result = cli(db, "sup", "report", "daily", *DAY, "-o", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert "Daily list" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_dash_writes_to_standard_output(db: Database) -> None:
    result = cli(db, "sup", "report", "daily", *DAY, "-o", "-")
    assert result.exit_code == 0, result.output
    assert "Daily list" in result.stdout and not Path("-").exists()
    pdf = cli(db, "sup", "report", "daily", *DAY, "--format", "pdf", "-o", "-")
    assert pdf.exit_code == 0, pdf.output
    assert pdf.stdout_bytes.startswith(b"%PDF")
    export = cli(db, "sup", "export", "citizens", "-")
    assert export.exit_code == 0, export.output
    assert export.stdout_bytes.startswith(b"\xef\xbb\xbfcpr;name")


def test_export_into_a_missing_folder_is_one_clear_line(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "citizens.csv"
    line = one_line_error(cli(db, "sup", "export", "citizens", str(target)))
    assert f"The folder {target.parent} does not exist." in line
    assert ".tmp" not in line


def test_export_into_a_folder_not_writable_names_no_temp_file(db: Database, tmp_path: Path) -> None:
    # Root writes in any folder of its own: /proc takes no new file from anyone.
    folder = Path("/proc") if os.geteuid() == 0 else tmp_path / "locked"
    if folder != Path("/proc"):
        folder.mkdir(mode=0o500)
    line = one_line_error(cli(db, "sup", "export", "companies", str(folder / "c.csv")))
    assert f"Cannot write {folder / 'c.csv'}: " in line
    assert ".tmp" not in line


def test_audit_citizen_output_is_checked_too(db: Database, tmp_path: Path) -> None:
    result = cli(db, "sup", "audit", "citizen", "0101901234", "-o", str(db_file(db)))
    assert result.exit_code != 0
    assert "belongs to it" in result.stderr or "admin" in result.stderr  # refused either way
    admin = make_ctx(db, "adm", roles="admin").staff
    assert admin is not None
    result = cli(db, "adm", "audit", "citizen", "0101901234", "-o", str(db_file(db)))
    assert "belongs to it" in one_line_error(result)


def test_ssh_folders_are_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    link = tmp_path / "innocent"
    link.symlink_to(home / ".ssh" / "authorized_keys")
    for target in (home / ".ssh" / "authorized_keys", home / ".ssh" / "x.txt", link,
                   tmp_path / "authorized_keys"):  # fmt: skip
        with pytest.raises(OutputRefused, match="SSH folder"):
            check_output_target(target, protected=(), overwrite=True)


def test_check_output_target_plain_cases(tmp_path: Path) -> None:
    new = tmp_path / "new.csv"
    assert check_output_target(new, protected=(), overwrite=False) == new
    new.write_text("")
    with pytest.raises(OutputExists):
        check_output_target(new, protected=(), overwrite=False)
    assert check_output_target(new, protected=(), overwrite=True) == new
    with pytest.raises(OutputRefused, match="is a folder"):
        check_output_target(tmp_path, protected=(), overwrite=True)

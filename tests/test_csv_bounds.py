"""Bounded input on import, as a user runs it (`jobbutik import citizens FILE`): a device, a pipe,
a file too large, a line too long, too many columns, rows or characters are each one clear line,
found quickly and with bounded memory, and nothing is imported."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
from click.testing import Result
from factories import add_staff, make_demo_db
from sqlmodel import select
from trust_helpers import cli

from jobbutik.services.csvio import MAX_BYTES, MAX_COLUMNS, MAX_FIELD, MAX_LINE, MAX_ROWS
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen


@pytest.fixture
def desk(tmp_path: Path) -> Database:
    db = make_demo_db(tmp_path / "jobbutik.sqlite")
    add_staff(db, "adm", "admin")
    return db


def run_import(db: Database, path: Path | str) -> Result:
    return cli(db, "adm", "import", "citizens", str(path))


def nothing_imported(db: Database) -> bool:
    return db.read(lambda s: s.exec(select(Citizen)).all()) == []


def error_line(db: Database, result: Result) -> str:
    """The one line a refused file ends in: not a crash, not "a bug", and nothing imported."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and "This is a bug" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("jobbutik: ")
    assert nothing_imported(db)
    return last


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_dev_zero_is_refused_without_reading_it(desk: Database) -> None:
    line = error_line(desk, run_import(desk, "/dev/zero"))
    assert "/dev/zero is not a regular file" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(
    desk: Database, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    assert "pipe.csv is not a regular file" in error_line(desk, run_import(desk, pipe))


def test_a_folder_is_refused(desk: Database, tmp_path: Path) -> None:
    (tmp_path / "folder.csv").mkdir()
    result = run_import(desk, tmp_path / "folder.csv")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "folder.csv" in result.stderr and "director" in result.stderr
    assert nothing_imported(desk)


def test_a_file_over_the_size_limit_is_refused_unread(desk: Database, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:  # sparse: costs no disk and no time
        handle.write(b"cpr;name\n")
        handle.truncate(MAX_BYTES + 1)
    line = error_line(desk, run_import(desk, big))
    assert f"is larger than {MAX_BYTES // (1024 * 1024)} MB" in line


def test_a_50_mb_line_is_refused_quickly_with_bounded_memory(
    desk: Database, tmp_path: Path
) -> None:
    one_line = tmp_path / "one-line.csv"
    with one_line.open("wb") as handle:
        for _chunk in range(50):
            handle.write(b"x" * 1_000_000)
    tracemalloc.start()
    try:
        result = run_import(desk, one_line)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    line = error_line(desk, result)
    assert f"line 1 is longer than {MAX_LINE} characters" in line
    assert peak < 400_000_000  # the file and its text once each, not gigabytes


def test_a_long_data_line_is_a_row_problem(desk: Database, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("cpr;name\n0101901234;Anna\n0202901234;" + "B" * MAX_LINE + "\n")
    result = run_import(desk, path)
    error_line(desk, result)
    assert f"row 3: the line is longer than {MAX_LINE} characters." in result.stderr


def test_a_field_over_the_limit_is_a_row_problem(desk: Database, tmp_path: Path) -> None:
    path = tmp_path / "field.csv"
    path.write_text("cpr;name;email\n0101901234;Anna;" + "e" * (MAX_FIELD + 1) + "@x.dk\n")
    result = run_import(desk, path)
    error_line(desk, result)
    assert f"row 2: column email is longer than {MAX_FIELD} characters." in result.stderr


def test_a_header_of_80000_columns_is_refused_at_once(desk: Database, tmp_path: Path) -> None:
    """Was 106 s (a quadratic duplicate check); now a count, whichever limit it meets first."""
    path = tmp_path / "wide.csv"
    path.write_text("cpr;name" + ";" * 80_000 + "\n0101901234;Anna\n")
    line = error_line(desk, run_import(desk, path))
    assert f"the header has 80002 columns, more than {MAX_COLUMNS}" in line
    path.write_text("cpr;name;" + ";".join(f"c{n}" for n in range(80_000)) + "\n")
    line = error_line(desk, run_import(desk, path))
    assert f"line 1 is longer than {MAX_LINE} characters" in line


def test_too_many_rows_are_refused_before_any_is_checked(desk: Database, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("cpr;name\n" + "0101901234;Anna\n" * (MAX_ROWS + 1))
    line = error_line(desk, run_import(desk, path))
    assert f"has {MAX_ROWS + 1} rows, more than {MAX_ROWS}" in line

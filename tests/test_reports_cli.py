"""`jobbutik report …`: formats, files, printing and one-line errors, on the known dataset.

Each command opens the database the way the program does (config.open_database): an older schema
is upgraded after a backup, and SQLite's planner statistics are refreshed.
"""

from __future__ import annotations

import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner, Result
from factories import make_ctx
from pypdf import PdfReader
from sqlmodel import select
from test_reports import CITIZENS, build_all

from jobbutik.cli.main import main
from jobbutik.domain.i18n import set_language
from jobbutik.store import schema
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry
from jobbutik.store.settings import mark_demo

ENV_NAMES = ("JOBBUTIK_DB", "JOBBUTIK_USER", "JOBBUTIK_TODAY", "JOBBUTIK_LANG", "JOBBUTIK_RULES")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield
    set_language("en")


@pytest.fixture
def db(sqlite_database: Database) -> Database:
    """The known dataset in a SQLite file at schema head, built through the services, marked as
    a demo: there --user and --today may name the reader and the day."""
    build_all(sqlite_database)
    sqlite_database.write(mark_demo)
    return sqlite_database


def tables(db: Database) -> set[str]:
    assert db.path is not None
    with sqlite3.connect(db.path) as raw:
        return {name for (name,) in raw.execute("SELECT name FROM sqlite_master")}


def planner_statistics(db: Database) -> dict[str, str]:
    """What ANALYZE left for the query planner: index name → its row estimates."""
    assert db.path is not None
    with sqlite3.connect(db.path) as raw:
        return dict(raw.execute("SELECT idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL"))


def run(db: Database, *args: str, user: str = "sup", env: dict[str, str] | None = None) -> Result:
    base = ["--db", db.url, "--user", user, "--today", "2026-12-01", "--lang", "en", "report"]
    return CliRunner().invoke(main, [*base, *args], env=env)


def one_line_error(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jobbutik: ")
    return lines[0]


@pytest.mark.parametrize("sub", [[], ["daily"], ["starts"], ["followups"], ["stats"]])
def test_help(sub: list[str]) -> None:
    result = CliRunner().invoke(main, ["report", *sub, "--help"])
    assert result.exit_code == 0, result.output
    assert "--format" in result.stdout or not sub


def test_daily_list_as_text_on_stdout(db: Database) -> None:
    result = run(db, "daily", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Herlev Kommune")
    assert "Daily list – 20.11.2026" in out
    assert "111180-XXXX" in out and "Turned at the" in out and "Education" in out
    assert all(len(line) <= 80 for line in out.splitlines())
    for cpr, _name in CITIZENS.values():
        assert cpr not in out


def test_stats_as_csv_file(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "stats.csv"
    result = run(db, "stats", "--from", "2026-11-16", "--to", "2026-11-30", "--format", "csv",
                 "-o", str(target))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Written to {target}." in result.stdout
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "Hire rate;25.0 %\r\n" in text
    assert "Visited the same or next working day;4 (57.1 %)" in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_pdf_needs_a_file(db: Database, tmp_path: Path) -> None:
    result = run(db, "starts", "--date", "2026-11-23", "--format", "pdf")
    assert result.exit_code == 2
    assert "--output" in one_line_error(result)
    target = tmp_path / "starts.pdf"
    result = run(db, "starts", "--date", "2026-11-23", "--format", "pdf", "--output", str(target))
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "Starts at activation sites" in text and "Mette Østergaard" in text


def test_print_without_lp_is_one_clear_line(db: Database, tmp_path: Path) -> None:
    empty = tmp_path / "nobin"
    empty.mkdir()
    result = run(db, "followups", "--print", env={"PATH": str(empty)})
    assert result.exit_code == 1
    assert "lp command is missing" in one_line_error(result)


def test_print_with_lp(db: Database, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "lp.log"
    lp = bin_dir / "lp"
    lp.write_text(f'#!/bin/sh\n/bin/cp "$2" {log}\necho "request id is Office-9"\n')
    lp.chmod(0o755)
    result = run(db, "daily", "--date", "2026-11-23", "--print",
                 env={"PATH": str(bin_dir), "PRINTER": "Office"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "request id is Office-9" in result.stdout
    assert "Daily list – 23.11.2026" in log.read_text()

    def printed(session: Any) -> list[str]:
        rows = session.exec(select(AuditEntry).where(AuditEntry.entity == "report")).all()
        return [e.detail for e in rows if e.action == "print" and e.citizen_id is None]

    assert db.read(printed) == ["daily 2026-11-23"]


def test_bad_date_is_a_usage_error(db: Database) -> None:
    result = run(db, "daily", "--date", "31-11-2026")
    assert result.exit_code == 2
    assert "DD.MM.YYYY" in one_line_error(result)


def test_backwards_period_is_one_line(db: Database) -> None:
    result = run(db, "stats", "--from", "2026-11-30", "--to", "2026-11-01")
    assert result.exit_code == 1
    assert "before it starts" in one_line_error(result)


def test_a_consultant_may_not_run_reports(db: Database) -> None:
    result = run(db, "daily", user="ab")
    assert result.exit_code == 1
    assert "may not" in one_line_error(result)


def test_an_empty_period_says_so(sqlite_database: Database) -> None:
    make_ctx(sqlite_database, "sup")
    sqlite_database.write(mark_demo)
    result = run(sqlite_database, "stats", "--from", "2026-01-01", "--to", "2026-01-31")
    assert result.exit_code == 0, result.output
    assert "There is no data for 01.01.2026–31.01.2026." in result.stdout


def test_opening_refreshes_the_planner_statistics(db: Database) -> None:
    assert "sqlite_stat1" not in tables(db)  # the dataset was never opened by the program
    result = run(db, "daily", "--date", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # at schema head: no upgrade, nothing to say
    found = planner_statistics(db)
    # The statistics report's covering index, sized from the dataset's nine requests.
    assert found["ix_request_arrived_status"].split()[0] == "9"
    assert schema.current_revision(db) == schema.head_revision()


def test_an_older_database_is_upgraded_after_a_backup(db: Database) -> None:
    assert db.path is not None
    with db.engine.begin() as connection:  # as a desk one release behind left it
        command.downgrade(schema.alembic_config(connection), "-1")
    older = schema.current_revision(db)
    assert older is not None and older != schema.head_revision()
    db.dispose()

    result = run(db, "stats", "--from", "2026-11-16", "--to", "2026-11-30")

    assert result.exit_code == 0, result.output
    assert re.search(r"^  Hire rate: +25\.0 %$", result.stdout, re.M), result.stdout
    [line] = result.stderr.splitlines()
    said = re.fullmatch(
        r"jobbutik: The database was upgraded; a backup of the old one is in (.+)\.", line
    )
    assert said is not None, line
    backup = Path(said.group(1))
    assert backup.parent == db.path.parent
    assert re.fullmatch(re.escape(db.path.name) + rf"\.before-{older}-\d{{14}}\.bak", backup.name)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as old:  # the copy is the database as it was, data and all
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(older,)]
        assert old.execute("SELECT count(*) FROM request").fetchone() == (9,)
    assert schema.current_revision(db) == schema.head_revision()
    assert schema.check(db) == []
    assert planner_statistics(db)["ix_request_arrived_status"].split()[0] == "9"
    # Opened again: nothing left to upgrade, no second backup.
    again = run(db, "daily", "--date", "2026-11-23")
    assert again.exit_code == 0 and again.stderr == ""
    assert sorted(db.path.parent.glob("*.bak")) == [backup]

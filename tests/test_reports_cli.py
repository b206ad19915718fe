"""`jobbutik report …`: formats, files, printing and one-line errors, on the known dataset."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from factories import make_ctx
from pypdf import PdfReader
from sqlmodel import select
from test_reports import CITIZENS, build_all

from jobbutik.cli.main import main
from jobbutik.domain.i18n import set_language
from jobbutik.services import config
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry

ENV_NAMES = ("JOBBUTIK_DB", "JOBBUTIK_USER", "JOBBUTIK_TODAY", "JOBBUTIK_LANG", "JOBBUTIK_RULES")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # The fixture's database is at schema head already: open it as it is.
    monkeypatch.setattr(config, "open_database", lambda settings, **_kw: Database(settings.db))
    yield
    set_language("en")


@pytest.fixture
def db(sqlite_database: Database) -> Database:
    build_all(sqlite_database)
    return sqlite_database


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
    result = run(sqlite_database, "stats", "--from", "2026-01-01", "--to", "2026-01-31")
    assert result.exit_code == 0, result.output
    assert "There is no data for 01.01.2026–31.01.2026." in result.stdout

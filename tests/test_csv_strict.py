"""Strict CSV on import, as a user runs it (`jobbutik import citizens FILE`): a quote left open, a
row with too many or too few fields, a NUL byte, a line break inside a field, a CPR number in the
name column are `row N: reason` and nothing is imported; a file the program wrote with its formula
guard reads back as the values it stood for."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import Result
from factories import add_staff, make_demo_db, valid_cvr
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlmodel import func, select
from trust_helpers import cli

import jobbutik.services.csv_companies  # noqa: F401  (registers the kinds)
from jobbutik.domain.csvcells import neutralise
from jobbutik.services import csvio
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry, Citizen, Company

LINE_BREAK = "a line break inside a field (an unclosed quote?)"


@pytest.fixture
def desk(tmp_path: Path) -> Database:
    db = make_demo_db(tmp_path / "jobbutik.sqlite")
    add_staff(db, "adm", "admin")
    return db


def import_file(db: Database, tmp_path: Path, text: str | bytes, *extra: str) -> Result:
    path = tmp_path / "in.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return cli(db, "adm", "import", "citizens", str(path), *extra)


def names(db: Database) -> list[str]:
    return sorted(db.read(lambda s: s.exec(select(Citizen.name)).all()))


def imports_audited(db: Database) -> int:
    return db.read(
        lambda s: s.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == AuditAction.IMPORT.value)
        ).one()
    )


def refused(db: Database, result: Result) -> list[str]:
    """The problem lines of a refused import; checks that it ended in one clear line and that
    nothing was imported."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and "This is a bug" not in result.stderr
    *problems, last = result.stderr.strip().splitlines()
    assert last.startswith("jobbutik: ") and "nothing imported" in last, result.stderr
    assert names(db) == [] and imports_audited(db) == 0
    return problems


def test_an_unterminated_quote_does_not_swallow_the_next_row(
    desk: Database, tmp_path: Path
) -> None:
    text = 'cpr;name\n1212801234;"Hansen\n1312801234;Kim\n'
    assert refused(desk, import_file(desk, tmp_path, text)) == [f"row 2: {LINE_BREAK}"]
    # Skipping the bad row keeps the next person whole, and no CPR number lands in a name.
    result = import_file(desk, tmp_path, text, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert names(desk) == ["Kim"]
    assert f"row 2: {LINE_BREAK}" in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        'cpr;name\n0101901234;"Anna\nAndersen"\n',  # legitimate CSV, but no field of ours has one
        'cpr;name\r\n0101901234;"Anna\r\nAndersen"\r\n',
        "cpr;name\n0101901234;Anna\rAndersen\n",  # a lone carriage return
    ],
)
def test_a_line_break_inside_a_field_is_refused(desk: Database, tmp_path: Path, text: str) -> None:
    assert refused(desk, import_file(desk, tmp_path, text))[0] == f"row 2: {LINE_BREAK}"


def test_too_many_and_too_few_fields(desk: Database, tmp_path: Path) -> None:
    text = "cpr;name\n0101901234;Anna;Andersen\n0202901234\n0303901234;Bo\n"
    assert refused(desk, import_file(desk, tmp_path, text)) == [
        "row 2: has 3 fields, the header has 2.",
        "row 3: has 1 field, the header has 2.",
    ]


def test_text_after_a_closing_quote_is_refused(desk: Database, tmp_path: Path) -> None:
    problems = refused(desk, import_file(desk, tmp_path, 'cpr;name\n0101901234;"Anna"x\n'))
    assert len(problems) == 1 and problems[0].startswith("row 2: cannot be read")


def test_a_nul_byte_is_refused(desk: Database, tmp_path: Path) -> None:
    text = b"cpr;name\n0101901234;Anna\x00\n0202901234;Bo\n"
    assert refused(desk, import_file(desk, tmp_path, text)) == [
        "row 2: holds a NUL byte: the file is damaged or not plain text."
    ]


def test_utf16_without_a_byte_order_mark_is_refused_at_the_header(
    desk: Database, tmp_path: Path
) -> None:
    result = import_file(desk, tmp_path, "cpr;name\n0101901234;Anna\n".encode("utf-16-le"))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "row 1: holds a NUL byte" in result.stderr
    assert names(desk) == []


@pytest.mark.parametrize(
    "name", ["Hansen 1312801234", "131280-1234", "Kim 131280", "Bo Berg 0101901234 Kim"]
)
def test_a_cpr_number_in_the_name_is_refused(desk: Database, tmp_path: Path, name: str) -> None:
    problems = refused(desk, import_file(desk, tmp_path, f"cpr;name\n0101901234;{name}\n"))
    assert problems == [
        "row 2: column name holds a run of 6 or more digits: almost always a CPR number in the "
        "wrong column."
    ]
    assert all(name not in line for line in problems)  # the number is not shown again


def test_short_digit_runs_in_a_name_are_fine(desk: Database, tmp_path: Path) -> None:
    result = import_file(desk, tmp_path, "cpr;name\n0101901234;Frederik 12345 den 2.\n")
    assert result.exit_code == 0, result.output
    assert names(desk) == ["Frederik 12345 den 2."]


def test_a_cpr_number_in_a_company_column_is_refused(desk: Database, tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_text(
        f"cvr;name;contact\n{valid_cvr(1)};Netto;Åse 1212801234\n{valid_cvr(2)};Bager;Bo\n",
        encoding="utf-8",
    )
    result = cli(desk, "adm", "import", "companies", str(path))
    assert result.exit_code != 0
    assert "row 2: column contact holds a run of 6 or more digits" in result.stderr
    assert desk.read(lambda s: s.exec(select(func.count()).select_from(Company)).one()) == 0


def test_many_bad_rows_are_listed_one_per_line_and_bounded(desk: Database, tmp_path: Path) -> None:
    text = "cpr;name\n" + "".join(f"01019{n:05d};Anna;x\n" for n in range(30))
    problems = refused(desk, import_file(desk, tmp_path, text))
    assert problems[:2] == [
        "row 2: has 3 fields, the header has 2.",
        "row 3: has 3 fields, the header has 2.",
    ]
    assert len(problems) == 21 and problems[-1] == "… and 10 more."


def test_formula_guarded_cells_import_as_their_values(desk: Database, tmp_path: Path) -> None:
    text = (
        "cpr;name\n"
        '0101901234;"\'=HYPERLINK(""http://x"";""klik"")"\n'
        "0202901234;'-2+3\n"
        "0303901234;  Anna  \n"  # a cell the program did not guard is trimmed, as always
        "0404901234;'Bo\n"  # an apostrophe before text that is no formula is kept
    )
    result = import_file(desk, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert names(desk) == ["'Bo", "-2+3", '=HYPERLINK("http://x";"klik")', "Anna"]


# -- the formula guard round trip, at the CSV level ------------------------------------------------

COLUMNS = ("cpr", "name", "phone", "email", "postcode")
# Any text without a line break or a NUL (those are refused); a cell the program writes unguarded
# must not begin or end with spaces, which an import trims (the program stores none).
cells = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00"))
values = cells.filter(lambda v: neutralise(v) != v or v == v.strip())


def write_guarded(rows: list[tuple[str, ...]]) -> str:
    """What the program's CSV export writes: `;`, CRLF, every cell through the formula guard."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    return buffer.getvalue()


@given(st.lists(st.tuples(*[values] * len(COLUMNS)), min_size=1, max_size=5))
def test_written_with_the_formula_guard_reads_back_the_same(rows: list[tuple[str, ...]]) -> None:
    assume(all(any(neutralise(v).strip() for v in row) for row in rows))  # no blank lines
    text = write_guarded(rows)
    read = list(csvio.read_rows(text, csvio.kind("citizens"), "x.csv"))
    assert read == [(n, dict(zip(COLUMNS, row, strict=True))) for n, row in enumerate(rows, 2)]


@pytest.mark.parametrize("value", ["\t=1+2", "=1+1", "+SUM(1;2)", "-2+3", "@SUM(1+1)", "'=x"])
def test_the_cases_from_the_issue_round_trip(value: str) -> None:
    text = write_guarded([("0101901234", value, "", "", "")])
    [(_row, values)] = list(csvio.read_rows(text, csvio.kind("citizens"), "x.csv"))
    assert isinstance(values, dict) and values["name"] == value

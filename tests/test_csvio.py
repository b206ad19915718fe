"""CSV import and export of citizens. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from factories import make_ctx
from sqlmodel import func, select

from jobbutik.domain.errors import PermissionDenied
from jobbutik.services import csvio
from jobbutik.services.csvio import ImportRefused
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry, Citizen

GOOD_SEMICOLON = (
    "cpr;name;phone;email;postcode\r\n"
    "010190-1234;Søren Ærø Åberg;44 52 00 00;soren@example.dk;2730\r\n"
    "0202851236;Mette Møller;;;\r\n"
)
GOOD_COMMA = 'name,cpr\n"Hansen, Jens",1505702341\nLise Kjær,2011993452\n'


def write(tmp_path: Path, text: str, *, bom: bool = False, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def citizens(db: Database) -> dict[str, Citizen]:
    return {c.cpr: c for c in db.read(lambda s: s.exec(select(Citizen)).all())}


def audit_count(db: Database, action: AuditAction) -> int:
    return db.read(
        lambda s: s.exec(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action.value)
        ).one()
    )


def test_semicolon_file_with_bom_and_danish_letters(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    result = csvio.import_csv(ctx, "citizens", write(tmp_path, GOOD_SEMICOLON, bom=True))
    assert result.imported == 2 and result.skipped == ()
    found = citizens(database)
    soren = found["0101901234"]
    assert soren.name == "Søren Ærø Åberg"
    assert soren.name_folded == "soren aero aberg"
    assert soren.phone == "44 52 00 00" and soren.email == "soren@example.dk"
    assert soren.postcode == "2730"
    assert str(soren.birth_date) == "1990-01-01"
    assert found["0202851236"].phone is None
    # One audit entry per imported citizen, naming the file.
    assert audit_count(database, AuditAction.IMPORT) == 2


def test_comma_file_with_quoted_field(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    result = csvio.import_csv(ctx, "citizens", write(tmp_path, GOOD_COMMA))
    assert result.imported == 2
    assert citizens(database)["1505702341"].name == "Hansen, Jens"


def test_bad_rows_refuse_the_whole_file(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    text = (
        "cpr;name\n"
        "0101901234;Anna Andersen\n"
        "3102901234;Bo Berg\n"  # 31 February
        "0303901234;\n"  # empty name
        "0101901234;Anna igen\n"  # twice in the file
        "0404901234;Dorte Dam\n"
    )
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "citizens", write(tmp_path, text))
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith("row 3: ") and "3102901234" in problems[0]
    assert problems[1].startswith("row 4: ") and "name" in problems[1]
    assert problems[2].startswith("row 5: ") and "twice" in problems[2]
    assert len(problems) == 3
    assert citizens(database) == {}
    assert audit_count(database, AuditAction.IMPORT) == 0


def test_skip_invalid_imports_the_good_rows(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    text = "cpr;name\n0101901234;Anna Andersen\n31029012;Bo Berg\n0303901234;\n0404901234;Dorte\n"
    result = csvio.import_csv(ctx, "citizens", write(tmp_path, text), skip_invalid=True)
    assert result.imported == 2
    assert [p.row for p in result.skipped] == [3, 4]
    assert set(citizens(database)) == {"0101901234", "0404901234"}


def test_an_already_registered_cpr_is_a_row_error(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    csvio.import_csv(ctx, "citizens", write(tmp_path, "cpr;name\n0101901234;Anna\n"))
    again = write(tmp_path, "cpr;name\n0202901234;Bent\n0101901234;Anna Andersen\n", name="b.csv")
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "citizens", again)
    assert [str(p) for p in caught.value.problems] == [
        "row 3: the CPR number is already registered."
    ]
    assert set(citizens(database)) == {"0101901234"}
    result = csvio.import_csv(ctx, "citizens", again, skip_invalid=True)
    assert result.imported == 1 and citizens(database)["0101901234"].name == "Anna"


def test_row_numbers_are_file_lines(database: Database, tmp_path: Path) -> None:
    """Every line is a row: a quote left open refuses its own line; a blank line still counts."""
    ctx = make_ctx(database)
    text = 'cpr;name\n0101901234;"Anna\nAndersen"\n\n0202901234;\n'
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "citizens", write(tmp_path, text))
    assert [p.row for p in caught.value.problems] == [2, 3, 5]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("name;phone\nAnna;12345678\n", "cpr"),
        ("cpr;name;fone\n0101901234;Anna;1\n", "fone"),
        ("cpr;name;name\n0101901234;Anna;Anna\n", "twice"),
    ],
)
def test_bad_header_refuses_the_file(
    database: Database, tmp_path: Path, text: str, fragment: str
) -> None:
    ctx = make_ctx(database)
    with pytest.raises(ImportRefused, match=fragment):
        csvio.import_csv(ctx, "citizens", write(tmp_path, text))


def test_not_utf8_is_refused_with_the_line(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    path = tmp_path / "latin1.csv"
    path.write_bytes("cpr;name\n0101901234;Søren\n".encode("latin-1"))
    with pytest.raises(ImportRefused, match="line 2"):
        csvio.import_csv(ctx, "citizens", path)


def test_optional_fields_are_checked(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    text = "cpr;name;phone;email;postcode\n0101901234;Anna;12;anna;27300\n"
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "citizens", write(tmp_path, text))
    reason = caught.value.problems[0].reason
    assert "phone" in reason and "e-mail" in reason and "postcode" in reason


def test_import_and_export_need_the_permission(database: Database, tmp_path: Path) -> None:
    make_ctx(database, "adm")  # the first staff member
    ctx = make_ctx(database, "rec", roles="reception")
    with pytest.raises(PermissionDenied):
        csvio.import_csv(ctx, "citizens", write(tmp_path, GOOD_SEMICOLON))
    with pytest.raises(PermissionDenied):
        csvio.export_csv(ctx, "citizens", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_export_then_import_round_trip(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    more = '1505702341;"Hansen; Jens";+45 20 30 40 50;;\n2011993452;Lise Kjær;;lise@example.dk;\n'
    csvio.import_csv(ctx, "citizens", write(tmp_path, GOOD_SEMICOLON + more))
    before = {cpr: (c.name, c.phone, c.email, c.postcode) for cpr, c in citizens(database).items()}
    out = tmp_path / "out.csv"
    result = csvio.export_csv(ctx, "citizens", out)
    assert result.exported == len(before) == 4
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data.splitlines()[0]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert audit_count(database, AuditAction.EXPORT) == 4

    # Into an empty database again: the same citizens come back.
    def wipe(session) -> None:  # type: ignore[no-untyped-def]
        for citizen in session.exec(select(Citizen)).all():
            session.delete(citizen)

    database.write(wipe)
    assert citizens(database) == {}
    csvio.import_csv(ctx, "citizens", out)
    after = {cpr: (c.name, c.phone, c.email, c.postcode) for cpr, c in citizens(database).items()}
    assert after == before


def test_unknown_kind(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    with pytest.raises(Exception, match="citizens"):
        csvio.import_csv(ctx, "spaceships", write(tmp_path, GOOD_SEMICOLON))


def test_registry_is_declarative() -> None:
    kind = csvio.kind("citizens")
    assert kind.column_names == ("cpr", "name", "phone", "email", "postcode")
    assert [c.name for c in kind.columns if c.required] == ["cpr", "name"]

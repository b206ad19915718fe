"""CSV import and export of companies and job openings. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factories import add_company, add_staff, make_ctx, make_demo_db, valid_cvr
from sqlmodel import func, select

import jobbutik.services.csv_companies  # noqa: F401  (registers the kinds)
from jobbutik.domain.i18n import set_language
from jobbutik.services import csvio
from jobbutik.services.companies import danish_sort_key
from jobbutik.services.csvio import ImportRefused
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Company, JobOpening

NETTO, BAGER = valid_cvr(1), valid_cvr(21)
COMPANIES = (
    "cvr;name;address;postcode;industry;contact;phone;email\r\n"
    f"{NETTO};Netto Herlev;Herlev Hovedgade 1;2730;Detail;Åse Østergård;44520000;"
    "herlev@netto.dk\r\n"
    f"DK{BAGER};Bæk & Søn Bageri;Torvet 2;2750;Bageri;Søren Bæk;;\r\n"
)
# As Excel in Danish saves "CSV UTF-8": BOM, semicolons, dd-mm-yyyy, æøå, CRLF.
OPENINGS = (
    "cvr;title;hours;postcode;apply_by;industry;requirements\r\n"
    f"{NETTO};Butiksassistent;30;2730;04-12-2026;Detail;Kørekort B\r\n"
    f"{NETTO};Lagermedarbejder;37;2730;2026-12-11;Lager;\r\n"
    f"{BAGER};Bagerlærling;37;2750;18.12.2026;Bageri;Kan møde kl. 5\r\n"
)


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def write(tmp_path: Path, text: str, name: str = "in.csv", *, bom: bool = True) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def count(db: Database, model: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


def test_companies_then_a_danish_excel_export_of_openings(
    database: Database, tmp_path: Path
) -> None:
    ctx = make_ctx(database)
    result = csvio.import_csv(ctx, "companies", write(tmp_path, COMPANIES, "firmaer.csv"))
    assert result.imported == 2
    bager = database.read(lambda s: s.exec(select(Company).where(Company.cvr == BAGER)).one())
    assert (bager.name, bager.name_folded, bager.contact_name) == (
        "Bæk & Søn Bageri",
        "baek & son bageri",
        "Søren Bæk",
    )
    result = csvio.import_csv(ctx, "openings", write(tmp_path, OPENINGS, "stillinger.csv"))
    assert (result.imported, result.skipped) == (3, ())
    saved = {
        o.title: o
        for o in database.read(lambda s: s.exec(select(JobOpening)).all())  # type: ignore[arg-type]
    }
    shop = saved["Butiksassistent"]
    assert (shop.apply_by, shop.hours_per_week, shop.postcode, shop.status) == (
        date(2026, 12, 4),
        30,
        "2730",
        "open",
    )
    assert shop.driving_licence_required  # "Kørekort B"
    assert saved["Lagermedarbejder"].apply_by == date(2026, 12, 11)
    assert saved["Bagerlærling"].requirements == "Kan møde kl. 5"
    assert saved["Bagerlærling"].company_id == bager.id
    imports = database.read(
        lambda s: s.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "import", AuditEntry.entity == "job_opening")
        ).one()
    )
    assert imports == 3


def test_bad_cvr_dates_and_unknown_company_refuse_the_file_with_row_numbers(
    database: Database, tmp_path: Path
) -> None:
    ctx = make_ctx(database)
    csvio.import_csv(ctx, "companies", write(tmp_path, COMPANIES, "firmaer.csv"))
    unknown = valid_cvr(41)
    text = (
        "cvr;title;hours;postcode;apply_by\n"
        f"{NETTO};Kassemedarbejder;25;2730;01-12-2026\n"  # row 2: fine
        "12345678;Kok;37;2730;01-12-2026\n"  # row 3: bad check digit
        f"{NETTO};Kok;37;2730;31-11-2026\n"  # row 4: no 31 November
        f"{NETTO};Tjener;37;2730;1/12\n"  # row 5: not a date format
        f"{unknown};Smed;37;2730;01-12-2026\n"  # row 6: company not registered
        f"{NETTO};Opvasker;99;27;20-11-2026\n"  # row 7: hours, postcode, date passed
    )
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "openings", write(tmp_path, text))
    problems = [str(p) for p in caught.value.problems]
    assert [p.row for p in caught.value.problems] == [3, 4, 5, 6, 7]
    assert problems[0] == (
        "row 3: CVR '12345678': This is not a valid CVR number (the check digit does not match)."
    )
    assert problems[1] == (
        "row 4: apply_by: 31-11-2026 is not a date: write it as DD.MM.YYYY, like 02.12.2026."
    )
    assert problems[2] == (
        "row 5: apply_by: 1/12 is not a date: write it as DD.MM.YYYY, like 02.12.2026."
    )
    assert problems[3] == (
        f"row 6: no company with CVR {unknown} is registered; import the company first."
    )
    assert "hours '99'" in problems[4] and "postcode '27'" in problems[4]
    assert "apply_by '20-11-2026' has passed" in problems[4]
    assert "nothing imported" in str(caught.value)
    assert count(database, JobOpening) == 0  # all or nothing


def test_skip_invalid_imports_the_good_rows(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    csvio.import_csv(ctx, "companies", write(tmp_path, COMPANIES, "firmaer.csv"))
    text = OPENINGS + f"{NETTO};Butiksassistent;30;2730;04-12-2026;Detail;\r\n"  # twice
    result = csvio.import_csv(ctx, "openings", write(tmp_path, text), skip_invalid=True)
    assert result.imported == 3
    assert [str(p) for p in result.skipped] == [
        "row 5: the same opening (CVR, title, apply_by) appears twice. (first on row 2)"
    ]
    again = csvio.import_csv(ctx, "openings", write(tmp_path, OPENINGS), skip_invalid=True)
    assert again.imported == 0 and len(again.skipped) == 3
    assert "already registered" in str(again.skipped[0])


def test_company_rows_are_checked(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    csvio.import_csv(ctx, "companies", write(tmp_path, COMPANIES, "firmaer.csv"))
    text = (
        "cvr,name,email,agreement\n"
        f"{NETTO},Netto igen,,\n"  # row 2: already registered
        f"{valid_cvr(51)},,x@y,maybe\n"  # row 3: no name, bad e-mail and agreement
        "1234,Mini,,\n"  # row 4: short CVR
    )
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "companies", write(tmp_path, text, bom=False))
    problems = {p.row: p.reason for p in caught.value.problems}
    assert "the name is empty" in problems[3] and "email 'x@y'" in problems[3]
    assert "agreement 'maybe'" in problems[3]
    assert problems[4] == "CVR '1234': A CVR number has 8 digits; this has 4."
    assert count(database, Company) == 2
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, "companies", write(tmp_path, "cvr,name\n" + f"{NETTO},Netto igen\n"))
    assert [str(p) for p in caught.value.problems] == [f"row 2: CVR {NETTO} is already registered."]


def test_export_round_trip(database: Database, tmp_path: Path) -> None:
    ctx = make_ctx(database)
    csvio.import_csv(ctx, "companies", write(tmp_path, COMPANIES, "firmaer.csv"))
    csvio.import_csv(ctx, "openings", write(tmp_path, OPENINGS, "stillinger.csv"))
    out = tmp_path / "ud.csv"
    assert csvio.export_csv(ctx, "openings", out).exported == 3
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "cvr;title;hours;postcode;apply_by;industry;requirements"
    assert lines[1] == f"{NETTO};Butiksassistent;30;2730;04-12-2026;Detail;Kørekort B"
    add_company(database, "Århus Rengøring", seed=77)
    companies_out = tmp_path / "firmaer-ud.csv"
    assert csvio.export_csv(ctx, "companies", companies_out).exported == 3
    names = [line.split(";")[1] for line in companies_out.read_text("utf-8-sig").splitlines()[1:]]
    assert names == sorted(names, key=danish_sort_key)  # Danish order: Å after Z
    assert names[0] == "Bæk & Søn Bageri" and names[-1] == "Århus Rengøring"


def test_command_line_import_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("jobbutik.store.schema")
    from click.testing import CliRunner

    from jobbutik.cli.main import main

    for name in ("JOBBUTIK_DB", "JOBBUTIK_USER", "JOBBUTIK_TODAY", "JOBBUTIK_LANG"):
        monkeypatch.delenv(name, raising=False)
    # A demo-marked database: there --user and --today may name the importer and the day.
    desk = make_demo_db(tmp_path / "j.sqlite")
    add_staff(desk, "ab", "admin")
    desk.dispose()
    base = ["--db", str(tmp_path / "j.sqlite"), "--user", "ab", "--today", "2026-11-23"]
    base += ["--lang", "en"]

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, [*base, *args])

    assert run("import", "companies", str(write(tmp_path, COMPANIES, "c.csv"))).exit_code == 0
    bad = OPENINGS + "12345678;Kok;37;2730;31-11-2026;;\r\n"
    refused = run("import", "openings", str(write(tmp_path, bad, "o.csv")))
    assert refused.exit_code == 1
    assert "row 5: CVR '12345678'" in refused.output
    assert "Traceback" not in refused.output
    done = run("import", "openings", str(write(tmp_path, bad, "o.csv")), "--skip-invalid")
    assert done.exit_code == 0 and "3 records imported" in done.output
    exported = run("export", "openings", str(tmp_path / "out.csv"))
    assert exported.exit_code == 0 and "3 records exported" in exported.output

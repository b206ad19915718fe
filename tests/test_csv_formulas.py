"""Spreadsheet formulas in the CSV files the program writes: a text cell that a spreadsheet would
run (`=`, `+`, `-`, `@`, tab, carriage return) is written with a leading apostrophe, numbers stay
numbers, and an export imports back to the original values."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from factories import NOW, make_ctx
from sqlmodel import Session, select

from jobbutik.domain.identity import fold_name, parse_cpr
from jobbutik.reports.csvout import render_csv
from jobbutik.reports.document import Column, Document, Figures, Section, Table
from jobbutik.services import csvio
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen

HOSTILE = (
    '=HYPERLINK("http://x";"klik")',
    "=1+1",
    "+SUM(1;2)",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+2",
    "'=1",
)
CPRS = ("0101901234", "0202902345", "0303903456", "0404904567", "0505905678", "0606906789",
        "0707907890")  # fmt: skip


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_report_csv_neutralises_text_and_keeps_numbers() -> None:
    doc = Document(
        "daily",
        "Daily list",
        "=Kommune",
        "23.11.2026",
        datetime(2026, 11, 23, 9, tzinfo=UTC),
        (
            Section(
                "Arrivals",
                (
                    Table((Column("Name"), Column("Waited")), tuple((n, "-3") for n in HOSTILE)),
                    Figures((("Hire rate", "25,0 %"), ("+ change", "+4"))),
                ),
            ),
        ),
    )
    rows = cells(render_csv(doc))
    assert rows[0][1] == "'=Kommune"
    names = [row[0] for row in rows[4:11]]
    assert names == ["'" + name for name in HOSTILE]
    assert {row[1] for row in rows[4:11]} == {"-3"}  # a number stays a number
    assert ["Hire rate", "25,0 %"] in rows and ["'+ change", "+4"] in rows


def test_export_of_hostile_names_imports_back_the_same(
    sqlite_database: Database, tmp_path: Path
) -> None:
    ctx = make_ctx(sqlite_database, "sup", roles="supervisor")
    with Session(sqlite_database.engine) as session:  # stored as typed, whatever a form allows
        for cpr, name in zip(CPRS, HOSTILE, strict=True):
            session.add(
                Citizen(
                    cpr=cpr,
                    name=name,
                    name_folded=fold_name(name),
                    birth_date=parse_cpr(cpr, NOW.date()).birth_date,
                    phone="+45 20 30 40 50",
                    created_at=NOW,
                )
            )
        session.commit()
    exported = tmp_path / "out.csv"
    csvio.export_csv(ctx, "citizens", exported)
    rows = cells(exported.read_text(encoding="utf-8-sig"))
    assert all(row[1].startswith("'") for row in rows[1:]), rows

    with Session(sqlite_database.engine) as session:
        for citizen in session.exec(select(Citizen)).all():
            session.delete(citizen)
        session.commit()
    csvio.import_csv(ctx, "citizens", exported)
    with Session(sqlite_database.engine) as session:
        names = {c.cpr: c.name for c in session.exec(select(Citizen)).all()}
    # A name's white space is tidied on import as in every form ("\t=1+2" is "=1+2"); the
    # apostrophe the export added is gone and nothing else changed.
    assert names == {cpr: " ".join(name.split()) for cpr, name in zip(CPRS, HOSTILE, strict=True)}
    with Session(sqlite_database.engine) as session:
        assert {c.phone for c in session.exec(select(Citizen)).all()} == {"+45 20 30 40 50"}

"""Name search by later word through the citizennametail index. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from factories import make_ctx, valid_cvr
from sqlalchemy import event
from sqlmodel import Session, col, select

from jobbutik.services import arrivals, citizens, companies
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.companies import CompanyForm
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen, CitizenNameTail, name_tails

NAMES = (
    ("0101901234", "Jens Peter Møller"),
    ("0202924321", "Anne Møllerup Hansen"),
    ("0303933456", "Mads Jensen"),
    ("0404944567", "Møller Sørensen"),
)


def register(db: Database) -> None:
    ctx = make_ctx(db)
    for cpr, name in NAMES:
        arrivals.register_arrival(
            ctx,
            ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name)),
        )


def names(db: Database, term: str) -> list[str]:
    return [h.name for h in citizens.search(make_ctx(db), term)]


def tails(db: Database) -> set[tuple[str, str]]:
    return set(
        db.read(
            lambda s: s.exec(
                select(Citizen.name, CitizenNameTail.tail).join(
                    Citizen, col(Citizen.id) == CitizenNameTail.citizen_id
                )
            ).all()
        )
    )


def test_name_tails_start_at_each_later_word() -> None:
    assert name_tails("jens peter moeller") == ["peter moeller", "moeller"]
    assert name_tails("aase") == []


@pytest.mark.parametrize("dense", [False, True], ids=["sorted-tails", "name-walk"])
def test_whole_name_or_later_word_in_name_order(
    database: Database, monkeypatch: pytest.MonkeyPatch, dense: bool
) -> None:
    if dense:  # the short-prefix plan must give the same answers as the sorted one
        monkeypatch.setattr(citizens, "DENSE_TAILS", 1)
    register(database)
    assert names(database, "møllerup") == ["Anne Møllerup Hansen"]
    assert names(database, "moell") == [
        "Anne Møllerup Hansen",
        "Jens Peter Møller",
        "Møller Sørensen",
    ]
    assert names(database, "peter m") == ["Jens Peter Møller"]
    assert names(database, "jens") == ["Jens Peter Møller", "Mads Jensen"]
    assert names(database, "sen") == []
    assert names(database, "hansen") == ["Anne Møllerup Hansen"]
    assert [h.name for h in citizens.search(make_ctx(database), "m", limit=2)] == [
        "Anne Møllerup Hansen",
        "Jens Peter Møller",
    ]


def test_tails_follow_the_name_and_anonymisation(database: Database) -> None:
    register(database)
    assert ("Mads Jensen", "jensen") in tails(database)

    def rename(session: Session) -> None:
        citizen = session.exec(select(Citizen).where(Citizen.cpr == "0303933456")).one()
        citizen.name, citizen.name_folded = "Mads Holm Olsen", "mads holm olsen"

    database.write(rename)
    assert {t for n, t in tails(database) if n == "Mads Holm Olsen"} == {"holm olsen", "olsen"}
    assert names(database, "jensen") == []
    assert names(database, "olsen") == ["Mads Holm Olsen"]

    def anonymise(session: Session) -> None:
        citizen = session.exec(select(Citizen).where(Citizen.cpr == "0303933456")).one()
        citizen.anonymised_at = datetime(2026, 1, 1, tzinfo=UTC)

    database.write(anonymise)
    assert not {t for n, t in tails(database) if n == "Mads Holm Olsen"}
    assert names(database, "olsen") == []


FORGIVING = (
    ("0505951234", "Hannah Møller"),
    ("0606961234", "Åse Aagaard"),
    ("0707971234", "Hans Jørgen Ærø"),
)


def register_forgiving(db: Database) -> None:
    ctx = make_ctx(db)
    for cpr, name in FORGIVING:
        arrivals.register_arrival(
            ctx,
            ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name)),
        )


@pytest.mark.parametrize("dense", [False, True], ids=["sorted-tails", "name-walk"])
@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("moller", ["Hannah Møller"]),
        ("Moeller", ["Hannah Møller"]),
        ("MØLLER", ["Hannah Møller"]),
        ("møller hannah", ["Hannah Møller"]),
        ("han møl", ["Hannah Møller"]),
        ("  moller   h ", ["Hannah Møller"]),
        ("han", ["Hannah Møller", "Hans Jørgen Ærø"]),
        ("ase agard", ["Åse Aagaard"]),
        ("aagaard aase", ["Åse Aagaard"]),
        ("aero jorg", ["Hans Jørgen Ærø"]),
        ("hannah hans", []),
        ("møller x", []),
        ("%", []),
        ("h_nnah", []),
    ],
)
def test_every_typed_word_starts_a_word_of_the_name_in_any_order(
    database: Database, monkeypatch: pytest.MonkeyPatch, dense: bool, term: str, found: list[str]
) -> None:
    if dense:
        monkeypatch.setattr(citizens, "DENSE_TAILS", 1)
    register_forgiving(database)
    assert names(database, term) == found


def test_more_words_are_looked_up_in_the_indexes(sqlite_database: Database) -> None:
    """Each statement of a search reads the citizen and tail tables through an index range
    (SEARCH), never by a whole-table SCAN, with one word or several."""
    register(sqlite_database)
    register_forgiving(sqlite_database)
    seen: list[tuple[str, Any]] = []

    def capture(
        _conn: object, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(sqlite_database.engine, "before_cursor_execute", capture)
    try:
        for term in ("møller", "møller hannah", "han møl", "peter jens m"):
            assert names(sqlite_database, term)
    finally:
        event.remove(sqlite_database.engine, "before_cursor_execute", capture)
    searches = [(s, p) for s, p in seen if "citizen" in s]
    assert searches
    with sqlite_database.engine.connect() as connection:
        for statement, parameters in searches:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = [row[-1] for row in plan]
            assert not [d for d in details if re.match(r"SCAN (citizen|citizennametail)\b", d)], (
                statement,
                details,
            )


def test_company_names_are_found_the_same_forgiving_way(database: Database) -> None:
    ctx = make_ctx(database)
    moller = companies.create_company(ctx, CompanyForm(cvr=valid_cvr(21), name="Møller VVS ApS"))
    aase = companies.create_company(ctx, CompanyForm(cvr=valid_cvr(31), name="Åse's Blomster"))
    herlev = companies.create_company(
        ctx, CompanyForm(cvr=valid_cvr(41), name="Herlev 100% Service")
    )

    def found(term: str) -> list[int]:
        return [h.id for h in companies.search_companies(ctx, term)]

    assert found("moller") == found("Moeller") == found("vvs møl") == [moller]
    assert found("blomster ase") == found("aase's") == [aase]
    assert found("møller blomster") == []
    assert found("service 100%") == [herlev]
    assert found("%") == found("s_rvice") == []


@pytest.mark.parametrize("letter", ["æ", "ß", "ﬃ"])
def test_a_name_longer_once_folded_is_saved_and_found(database: Database, letter: str) -> None:
    """A 200-letter name the form accepts may fold to more letters (æ → ae); it is still saved,
    on PostgreSQL too, whose column would refuse a key that long."""
    ctx = make_ctx(database, "ab")
    name = "Anne " + letter * 195
    form = ArrivalForm(cpr="0101901234", benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
    arrivals.register_arrival(ctx, form)
    assert names(database, "anne") == [name]
    assert names(database, name) == [name]

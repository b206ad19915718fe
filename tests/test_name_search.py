"""Name search by later word through the citizennametail index. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import make_ctx
from sqlmodel import Session, col, select

from jobbutik.services import arrivals, citizens
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
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

"""Revision c11e4f5a6b7d computes the name search keys again with the forgiving fold."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from factories import make_ctx
from sqlalchemy import insert, text
from sqlmodel import Session, select

from jobbutik.services import citizens
from jobbutik.store import schema
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen, CitizenNameTail, Company, citizen_tail_rows

BEFORE = "b11d2c3a4e5f"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
FILLER = 5_001  # more than one batch


def citizen_row(i: int, name: str, old_key: str, anonymised: bool = False) -> dict[str, object]:
    return {
        "id": i,
        "cpr": f"{i:010d}",
        "name": name,
        "name_folded": old_key,
        "birth_date": date(1990, 1, 1),
        "needs_digital_help": False,
        "created_at": NOW,
        "anonymised_at": NOW if anonymised else None,
    }


def fill_as_before(db: Database) -> None:
    """Citizens and a company with the keys the old fold gave (ø → oe, å → aa), tails included."""
    rows = [citizen_row(1, "Hannah Møller", "hannah moeller")]
    rows += [citizen_row(2, "Ærø Ø", "aeroe oe", anonymised=True)]  # left as it is
    rows += [citizen_row(10 + i, f"Åse Aagaard {i}", f"aase aagaard {i}") for i in range(FILLER)]

    def work(session: Session) -> None:
        session.execute(insert(Citizen), rows)
        tails = [
            t
            for r in rows
            if not r["anonymised_at"]
            for t in citizen_tail_rows(r["id"], r["name_folded"])
        ]
        session.execute(insert(CitizenNameTail), tails)
        session.execute(
            insert(Company),
            [{"cvr": "12345674", "name": "Bæk & Søn", "name_folded": "baek & soen"}],
        )

    db.write(work)


def test_upgrade_folds_the_keys_and_tails_again(database_url: str) -> None:
    db = Database(database_url)
    try:
        with db.engine.begin() as connection:
            command.upgrade(schema.alembic_config(connection), BEFORE)
        fill_as_before(db)
        # The old keys: a search for "moller" (the new fold) could not find Hannah Møller. (The
        # search itself writes today's audit entry, which this old schema cannot hold.)
        assert "moller" not in db.read(
            lambda s: s.exec(select(Citizen.name_folded).where(Citizen.id == 1)).one()
        )

        schema.upgrade(db, backup=False)

        def keys(session: Session) -> dict[int, tuple[str, set[str]]]:
            found: dict[int, tuple[str, set[str]]] = {}
            for citizen_id, key in session.exec(select(Citizen.id, Citizen.name_folded)).all():
                tails = session.exec(
                    select(CitizenNameTail.tail).where(CitizenNameTail.citizen_id == citizen_id)
                ).all()
                found[citizen_id] = (key, set(tails))
            return found

        after = db.read(keys)
        assert after[1] == ("hannah moller", {"moller"})
        assert after[2] == ("aeroe oe", set())
        assert after[10 + FILLER - 1] == (
            f"ase agard {FILLER - 1}",
            {f"agard {FILLER - 1}", f"{FILLER - 1}"},
        )
        assert all(key.startswith("ase agard ") for cid, (key, _) in after.items() if cid >= 10)
        assert db.read(
            lambda s: s.execute(
                text("SELECT count(*) FROM citizennametail WHERE tail LIKE 'aagaard%'")
            ).one()
        ) == (0,)
        assert db.read(lambda s: s.exec(select(Company.name_folded)).all()) == ["baek & son"]
        ctx = make_ctx(db)
        assert [h.name for h in citizens.search(ctx, "moller")] == ["Hannah Møller"]
        assert [h.name for h in citizens.search(ctx, "Møller hannah")] == ["Hannah Møller"]
    finally:
        db.dispose()

"""A saved visitation's receipt printed again from the citizen screen (Ctrl+R): the one under
the cursor, else the latest; read from what was stored, and audited as a read of the citizen."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import add_site, add_staff, at, make_ctx, on_day
from helpers import notices, screen_text, settle, start
from sqlmodel import select
from test_followups import visit

from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen
from jobbutik.tui.messages import OpenCitizen

JENS = "0101901234"


@pytest.fixture(autouse=True)
def no_printer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A desk without `lp` (tests/tui/test_receipt_print.py has one with a printer)."""
    nothing = tmp_path / "no-lp"
    nothing.mkdir()
    monkeypatch.setenv("PATH", str(nothing))


def two_visits(db: Database) -> tuple[int, int, int]:
    """Jens Møller: exempt in August, an activation at Materielgården in November.
    Returns (citizen id, August's visitation id, November's)."""
    ctx = make_ctx(db, "ab")
    august = visit(on_day(ctx, at(date(2026, 8, 17))), JENS, "Jens Møller")
    november = visit(ctx, JENS, "Jens Møller", site=add_site(db, "Materielgården"))
    return jens(db), august.visitation_id, november.visitation_id


def jens(db: Database) -> int:
    found = db.read(lambda s: s.exec(select(Citizen.id).where(Citizen.cpr == JENS)).one())
    assert found is not None
    return found


def receipts(db: Database) -> Path:
    assert db.path is not None
    return db.path.parent / "receipts"


async def open_citizen(pilot: Any, citizen_id: int) -> Any:
    await start(pilot)
    pilot.app.post_message(OpenCitizen(citizen_id))
    await settle(pilot)
    assert pilot.app.screen.id == "citizen"
    return pilot.app.screen


async def test_the_receipt_of_any_visitation_is_printed_again(
    make_app: Any, tui_database: Database
) -> None:
    citizen_id, august, november = two_visits(tui_database)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_citizen(pilot, citizen_id)
        assert "Receipt" in screen_text(app).splitlines()[-1]  # in the footer
        events = screen.history.events
        assert events[0].kind != "visitation"  # a follow-up due later is on top
        await pilot.press("ctrl+r")  # not on a visitation: the latest one
        await settle(pilot)
        latest = receipts(tui_database) / f"kvittering-2026-11-23-{november}.txt"
        text = latest.read_text(encoding="utf-8")
        assert "Materielgården" in text and "010190-XXXX" in text
        assert notices(app)[-1] == (
            f"Receipt saved: {latest.with_suffix('.pdf')} and {latest.name}. Not printed: There "
            "is no printing on this machine (the lp command is missing): save the report to a "
            "file instead."
        )
        # The older conversation, chosen with the cursor.
        row = next(
            i for i, e in enumerate(events) if e.kind == "visitation" and e.on == date(2026, 8, 17)
        )
        screen.query_one("#history").move_cursor(row=row)
        await pilot.press("ctrl+r")
        await settle(pilot)
        older = receipts(tui_database) / f"kvittering-2026-08-17-{august}.txt"
        text = older.read_text(encoding="utf-8")
        assert "You are not given immediate activation now." in text
        assert "Materielgården" not in text
        assert older.with_suffix(".pdf").exists()
    read = tui_database.read(
        lambda s: s.exec(
            select(AuditEntry).where(
                AuditEntry.entity == "receipt",
                AuditEntry.action == "read",
                AuditEntry.citizen_id == citizen_id,
            )
        ).all()
    )
    assert sorted(e.detail for e in read) == [
        f"receipt visitation {august}",
        f"receipt visitation {november}",
    ]
    assert {e.actor for e in read} == {"ab"}


async def test_reception_does_not_print_receipts(make_app: Any, tui_database: Database) -> None:
    citizen_id, _august, _november = two_visits(tui_database)
    add_staff(tui_database, "rec", "reception")
    app = make_app(user="rec", roles="reception", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_citizen(pilot, citizen_id)
        assert "Receipt" not in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+r")
        await settle(pilot)
    assert not receipts(tui_database).exists()


async def test_no_visitation_no_receipt(make_app: Any, tui_database: Database) -> None:
    from jobbutik.services import arrivals
    from jobbutik.services.arrivals import ArrivalForm, NewCitizen

    ctx = make_ctx(tui_database, "ab")
    form = ArrivalForm(cpr=JENS, benefit="kontanthjaelp", new_citizen=NewCitizen(name="Jens"))
    arrivals.register_arrival(ctx, form)
    citizen_id = jens(tui_database)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_citizen(pilot, citizen_id)
        assert "Receipt" not in screen_text(app).splitlines()[-1]  # nothing to print
        await pilot.press("ctrl+r")
        await settle(pilot)
    assert not receipts(tui_database).exists()

"""Snapshots of each screen in Danish and the main one in English: fixed size, fixed clock.

Update after a deliberate change: `pytest tests/tui/test_snapshots.py --snapshot-update`, then
look at the SVGs (pytest-textual-snapshot writes a report on failure)."""

from __future__ import annotations

from typing import Any

import pytest
from factories import add_company, add_opening, add_site, make_ctx
from helpers import search_done, settle
from textual.widgets import Input

from jobbutik.services import arrivals
from jobbutik.services.arrivals import ArrivalForm, NewCitizen

SIZE = (120, 40)


@pytest.fixture
def board(tui_database) -> None:
    """Three arrivals (one youth), two sites, two openings."""
    ctx = make_ctx(tui_database, "ab")
    add_site(tui_database, "Materielgården", seats=5)
    add_site(tui_database, "Afklaringsforløb", kind="course", seats=2)
    company = add_company(tui_database)
    add_opening(tui_database, company, "Butiksassistent", industry="Detail")
    add_opening(tui_database, company, "Lagerarbejder", industry="Lager", hours=37)
    for cpr, name, benefit in (
        ("0101901234", "Jens Møller", "kontanthjaelp"),
        ("0101024234", "Sofie Hansen", "kontanthjaelp"),
        ("0202851234", "Åse Sørensen", "kontanthjaelp"),
    ):
        arrivals.register_arrival(
            ctx, ArrivalForm(cpr=cpr, benefit=benefit, new_citizen=NewCitizen(name=name))
        )


def steady(app: Any) -> None:
    """No blinking cursor in a snapshot."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


def prepare(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            if key == "settle":
                await settle(pilot)
            else:
                await pilot.press(key)
        await settle(pilot)
        steady(pilot.app)

    return run_before


def test_today_da(snap_compare, make_app, board) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare())


def test_today_en(snap_compare, make_app, board) -> None:
    assert snap_compare(make_app(lang="en"), terminal_size=SIZE, run_before=prepare())


def test_today_empty_da(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare())


def test_register_new_citizen_da(snap_compare, make_app, board) -> None:
    keys = ["f2", "settle", *"0303801234", "settle", "tab", *"Peter Hansen", "tab", *"12ab"]
    keys += ["tab"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


def test_register_known_citizen_da(snap_compare, make_app, board) -> None:
    keys = ["f2", "settle", *"0101901234", "settle"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


def test_register_bad_cpr_da(snap_compare, make_app, board) -> None:
    keys = ["f2", "settle", *"3213901234", "settle"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


NEXT = "ctrl+pagedown"


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_conversation_steps_da(snap_compare, make_app, board, step: int) -> None:
    keys = ["f6", "settle", "tab", *"Butik", "tab", *"Detail", "tab", *"30"]
    keys += [NEXT, "settle"] * (step - 1)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


def test_conversation_youth_track_da(snap_compare, make_app, board) -> None:
    keys = ["down", "f6", "settle", NEXT, "settle"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


def test_withdraw_da(snap_compare, make_app, board) -> None:
    keys = ["f9", "settle", "space", "tab", *"Fastansat"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


def test_citizen_da(snap_compare, make_app, board) -> None:
    keys = ["f8", "settle"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=prepare(*keys))


def test_search_da(snap_compare, make_app, board) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"hansen")
        await search_done(pilot)
        steady(pilot.app)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

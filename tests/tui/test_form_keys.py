"""Forms behave the same everywhere, keys only: Enter moves to the next field in every kind of
field and never toggles, chooses or opens anything; Space toggles and chooses; a tick and a
chosen option read without colour; after a refused save the cursor is on the field with the
error, and keys typed in one burst (a fast typist, an SSH link) stay in the field they were typed
in."""

from __future__ import annotations

from typing import Any

import pytest
from factories import make_ctx, valid_cvr
from helpers import field_error, screen_text, settle, start, type_into
from sqlmodel import select
from textual import events
from textual.widgets import Input, Select

from jobbutik.services import arrivals, companies
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.companies import CompanyForm
from jobbutik.store.db import Database
from jobbutik.store.models import Company
from jobbutik.tui.screens.base import enter_moves_on
from jobbutik.tui.widgets.fields import snapshot_values
from jobbutik.tui.widgets.toggles import Checkbox, RadioSet


async def burst(pilot: Any, *keys: str) -> None:
    """Keys arriving together, as an SSH link delivers a fast typist's keys: all are queued
    before the first is handled (Pilot's `press` waits for each one)."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)
    await settle(pilot)


async def open_form(pilot: Any, keys: tuple[str, ...], screen_id: str) -> None:
    await start(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    assert pilot.app.screen.id == screen_id


FORMS = {
    "register": (("f2",), "register"),
    "company": (("ctrl+b", "ctrl+n"), "company-form"),
    "opening": (("ctrl+o",), "opening-form"),
    "site": (("ctrl+t", "ctrl+n"), "site-form"),
    "staff": (("ctrl+g", "ctrl+n"), "staff-form"),
    "withdraw": (("f9",), "withdraw"),
    "conversation": (("f6",), "conversation"),
}


@pytest.mark.parametrize("form", FORMS)
async def test_enter_walks_every_field_and_changes_nothing(
    make_app: Any, tui_database: Database, form: str
) -> None:
    companies.create_company(make_ctx(tui_database, "ab"), CompanyForm(valid_cvr(3), "Netto"))
    arrivals.register_arrival(
        make_ctx(tui_database, "ab"),
        ArrivalForm(cpr="0101901234", benefit="kontanthjaelp", new_citizen=NewCitizen("Jens")),
    )
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot, *FORMS[form])
        screen = app.screen
        before = snapshot_values(screen)
        visited: list[Any] = []
        kinds: set[str] = set()
        while enter_moves_on(screen) and screen.focused not in visited:
            visited.append(screen.focused)
            kinds.add(type(screen.focused).__name__)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen  # Enter neither saves, closes nor opens a list
            assert screen.focused is not visited[-1]  # it moved on
        assert snapshot_values(screen) == before  # nothing ticked, chosen or typed
        assert len(visited) >= 2
        assert kinds & {"Checkbox", "RadioSet", "YesNo", "Select"}, kinds


async def test_space_toggles_enter_moves_on_and_ticks_read_without_colour(
    make_app: Any, tui_database: Database
) -> None:
    companies.create_company(make_ctx(tui_database, "ab"), CompanyForm(valid_cvr(3), "Netto"))
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot, ("ctrl+o",), "opening-form")
        screen = app.screen
        licence = screen.query_one("#licence", Checkbox)
        assert "[ ] Driving licence required" in screen_text(app)
        licence.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not licence.value and screen.focused is not licence
        licence.focus()
        await pilot.press("space")
        await settle(pilot)
        assert licence.value and screen.focused is licence
        assert "[X] Driving licence required" in screen_text(app)
        # A set of options: the arrows move, Space chooses, Enter leaves the choice as it is.
        level = screen.query_one("#danish_level", RadioSet)
        chosen = level.pressed_index
        level.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert level.pressed_index == chosen and screen.focused is not level
        level.focus()
        await pilot.press("down", "space")
        await settle(pilot)
        assert level.pressed_index != chosen
        label = str(level.pressed_button.label)
        assert f"(•) {label}" in screen_text(app)
        # A closed list: Enter moves on, Space opens it.
        company = screen.query_one("#company", Select)
        company.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not company.expanded and screen.focused is not company
        company.focus()
        await pilot.press("space")
        await settle(pilot)
        assert company.expanded


async def test_a_refused_save_puts_the_cursor_on_the_error_and_nothing_shifts(
    make_app: Any, tui_database: Database
) -> None:
    taken = valid_cvr(21)
    companies.create_company(make_ctx(tui_database, "ab"), CompanyForm(taken, "Møller VVS ApS"))
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot, ("ctrl+b", "ctrl+n"), "company-form")
        screen = app.screen
        await burst(pilot, *taken, "enter", *"Blomster", "ctrl+s")
        cvr, name = screen.query_one("#cvr", Input), screen.query_one("#name", Input)
        assert "already registered" in field_error(pilot, "cvr")
        assert screen.focused is cvr  # on the field with the error
        assert (cvr.value, name.value) == (taken, "Blomster")
        # Corrected in one go, then Enter and on to the next field.
        fixed = valid_cvr(31)
        await burst(pilot, *["backspace"] * 8, *fixed, "enter", *" ApS")
        assert (cvr.value, name.value) == (fixed, "Blomster ApS")
        assert screen.focused is name
        await type_into(pilot, "#address", "")
        await burst(pilot, *"Ringvej", "left", "left", "backspace", "tab", *"2730", "ctrl+s")
        assert app.screen is not screen  # saved
    [_, saved] = tui_database.read(lambda s: list(s.exec(select(Company)).all()))
    assert (saved.cvr, saved.name, saved.address, saved.postcode) == (
        fixed, "Blomster ApS", "Ringej", "2730",
    )  # fmt: skip

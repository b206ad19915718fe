"""A form, the conversation or a booking that is saving is busy: a second Ctrl+S, Escape and the
section keys wait for the save, which then closes its own screen and nothing else. The service is
slowed by a gate the test opens (a real delay in the worker thread; the real database)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from factories import add_site, at, make_ctx, on_day, valid_cvr
from helpers import notices, settle, start, type_into
from sqlmodel import select
from test_followups import visit

from jobbutik.services import arrivals, companies, sites, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.db import Database
from jobbutik.store.models import Activation, Company, Visitation
from jobbutik.tui.conversation.screen import draft_key

SAVING = "Saving… a moment."


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set it to let `create_company` go on; until then the save is under way."""
    release = threading.Event()
    real = companies.create_company

    def slow_create(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=10)
        return real(*args, **kwargs)

    monkeypatch.setattr(companies, "create_company", slow_create)
    return release


def company_names(db: Database) -> list[str]:
    return db.read(lambda s: [c.name for c in s.exec(select(Company)).all()])


async def new_company_saving(pilot: Any, name: str) -> None:
    """Companies, Ctrl+N, a company typed, Ctrl+S: the save is under way."""
    await start(pilot)
    await pilot.press("ctrl+b")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert pilot.app.screen.id == "company-form"
    await pilot.press(*valid_cvr(77), "tab", *name)
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert pilot.app.screen.saving


async def reopened_form_is_empty(pilot: Any) -> None:
    """The draft went with the save: a new form starts empty."""
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert pilot.app.screen.id == "company-form"
    assert pilot.app.screen.query_one("#name").value == ""


async def test_ctrl_s_twice_saves_once(make_app, tui_database: Database, gate) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await new_company_saving(pilot, "Herlev Kantine")
        await pilot.press("ctrl+s")
        await pilot.pause()
        gate.set()
        await settle(pilot)
        assert app.screen.id == "companies"
        assert "Herlev Kantine is saved." in notices(app)
        assert not [n for n in notices(app) if "already registered" in n]
    assert company_names(tui_database) == ["Herlev Kantine"]


async def test_a_section_key_waits_for_the_save(make_app, tui_database: Database, gate) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await new_company_saving(pilot, "Herlev Kantine")
        await pilot.press("f3")  # Search, while saving: not yet
        await pilot.pause()
        assert app.current_mode == "companies"
        assert app.screen.id == "company-form"
        assert SAVING in notices(app)
        gate.set()
        await settle(pilot)
        assert app.current_mode == "companies"  # the save closed its own form, nothing else
        assert app.screen.id == "companies"
        assert "Herlev Kantine is saved." in notices(app)
        await pilot.press("f3")  # saved: Search opens
        await settle(pilot)
        assert app.current_mode == "search"
        await pilot.press("ctrl+b")
        await settle(pilot)
        await reopened_form_is_empty(pilot)
    assert company_names(tui_database) == ["Herlev Kantine"]


async def test_escape_waits_for_the_save(make_app, tui_database: Database, gate) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await new_company_saving(pilot, "Herlev Kantine")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.id == "company-form"
        assert SAVING in notices(app)
        gate.set()
        await settle(pilot)
        assert app.screen.id == "companies"
        assert "Herlev Kantine is saved." in notices(app)
        await reopened_form_is_empty(pilot)
    assert company_names(tui_database) == ["Herlev Kantine"]


async def test_a_save_ending_elsewhere_closes_only_its_form(
    make_app, tui_database: Database, gate
) -> None:
    # Should a section change ever get past the check, the save still closes its own form only.
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await new_company_saving(pilot, "Herlev Kantine")
        await app.switch_mode("search")
        await pilot.pause()
        gate.set()
        await settle(pilot)
        assert app.current_mode == "search"
        assert "Herlev Kantine is saved." in notices(app)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.screen.id == "companies"
        await reopened_form_is_empty(pilot)
    assert company_names(tui_database) == ["Herlev Kantine"]


async def test_the_conversation_waits_for_its_save(
    make_app, tui_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = arrivals.register_arrival(
        make_ctx(tui_database, "ab"),
        ArrivalForm(
            cpr="0101024234", benefit="kontanthjaelp", new_citizen=NewCitizen(name="Sofie Hansen")
        ),
    ).request_id
    release = threading.Event()
    real = visitation.complete

    def slow_complete(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=10)
        return real(*args, **kwargs)

    monkeypatch.setattr(visitation, "complete", slow_complete)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.id == "conversation"
        await pilot.press("right", "space")  # no erhvervskompetencegivende uddannelse
        await type_into(pilot, "#integration_programme", "")
        await pilot.press("right", "space", "ctrl+pagedown")  # not in the programme
        await settle(pilot)
        await type_into(pilot, "#guidance", "")
        await pilot.press("space", "tab", "right", "space")  # guidance: yes; no pålæg
        await pilot.press("ctrl+pagedown")
        await settle(pilot)
        await type_into(pilot, "#exempt", "")
        await pilot.press("space", "tab", *"Starter på HF 4. januar")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape", "f3")  # neither leaves a conversation that is saving
        await pilot.pause()
        assert app.screen is screen
        assert app.current_mode == "today"
        assert SAVING in notices(app)
        release.set()
        await settle(pilot)
        assert screen.result is not None
        assert "The visitation is saved." in notices(app)
        assert app.drafts.get(draft_key(request_id)) is None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "today"
    assert len(tui_database.read(lambda s: list(s.exec(select(Visitation)).all()))) == 1


async def test_a_booking_under_way_is_waited_for(
    make_app, tui_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(tui_database, "ab")
    site = add_site(tui_database, "Materielgården", seats=3)
    visit(on_day(ctx, at(date(2026, 11, 9))), "0101901234", "Jens Møller", site=site)
    release = threading.Event()
    real = sites.book_start

    def slow_book(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=10)
        return real(*args, **kwargs)

    monkeypatch.setattr(sites, "book_start", slow_book)
    app = make_app(lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("2")  # did not show
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen.id == "sites"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+s", "escape", "ctrl+t")  # once; and not left while booking
        await pilot.pause()
        assert app.screen.id == "sites" and app.current_mode == "follow_ups"
        assert SAVING in notices(app)
        release.set()
        await settle(pilot)
        assert app.screen.id == "followups"
        assert any("Jens Møller starts at Materielgården" in n for n in notices(app))
    planned = tui_database.read(
        lambda s: [a for a in s.exec(select(Activation)).all() if a.status == "planned"]
    )
    assert len(planned) == 1

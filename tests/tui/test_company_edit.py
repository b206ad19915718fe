"""Changing what is registered, keys only: a company edited from the register (its draft kept on
Escape), an opening edited from the company's page (the status chosen only there), and the
company's page showing typed text as typed."""

from __future__ import annotations

from factories import add_opening, make_ctx, valid_cvr
from helpers import field_error, notices, screen_text, search_done, settle, start, type_into
from sqlmodel import select

from jobbutik.services import companies
from jobbutik.services.companies import CompanyForm
from jobbutik.store.db import Database
from jobbutik.store.models import Company, JobOpening


def company_named(db: Database, company_id: int) -> str:
    return db.read(lambda s: s.get(Company, company_id).name)  # type: ignore[union-attr]


async def test_a_company_is_edited_and_its_draft_kept(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    company_id = companies.create_company(
        ctx, CompanyForm(cvr=valid_cvr(21), name="Møller VVS ApS", agreement="trains")
    )
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+b", "enter")  # the register; Enter goes to the results
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.id == "company-form"
        assert app.screen.query_one("#name").value == "Møller VVS ApS"
        assert app.screen.query_one("#agreement").pressed_index == 1  # trains
        await type_into(pilot, "#name", "Møller & Søn VVS")
        await pilot.press("escape")  # closed: what was typed is kept
        await settle(pilot)
        assert app.screen.id == "companies"
        assert company_named(tui_database, company_id) == "Møller VVS ApS"
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.query_one("#name").value == "Møller & Søn VVS"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "companies"
        assert "Møller & Søn VVS is saved." in notices(app)
        assert [h.name for h in app.screen.hits] == ["Møller & Søn VVS"]
        await pilot.press("ctrl+e")  # saved: the draft is gone, the form shows what is stored
        await settle(pilot)
        assert app.screen.query_one("#name").value == "Møller & Søn VVS"
    assert company_named(tui_database, company_id) == "Møller & Søn VVS"


async def test_an_opening_is_edited_from_its_company(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    company_id = companies.create_company(
        ctx,
        CompanyForm(cvr=valid_cvr(41), name="Herlev Kantine", address="Ringvej [b]3[/b]"),
    )
    opening_id = add_opening(tui_database, company_id, "Køkkenhjælp")
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+b", "enter", "enter")  # the register, its results, the company
        await settle(pilot)
        assert app.screen.id == "company"
        assert "Ringvej [b]3[/b]" in screen_text(app)  # typed text, not markup
        await pilot.press("ctrl+o")  # a new opening is open: no status to choose
        await settle(pilot)
        assert app.screen.id == "opening-form"
        assert not app.screen.query_one("#f-status").display
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.id == "opening-form"
        assert app.screen.query_one("#f-status").display
        assert app.screen.query_one("#title").value == "Køkkenhjælp"
        app.screen.query_one("#status").focus()
        await pilot.press("right", "space")  # filled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "company"
        assert "The job opening Køkkenhjælp is saved." in notices(app)
        assert "Filled" in screen_text(app)
    [opening] = tui_database.read(lambda s: list(s.exec(select(JobOpening)).all()))
    assert (opening.id, opening.status) == (opening_id, "filled")


async def test_typed_markup_is_shown_as_typed(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    companies.create_company(ctx, CompanyForm(cvr=valid_cvr(51), name="Bager [b]Jensen"))
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert "Bager [b]Jensen" in screen_text(app)
        await pilot.press(*"qq", "left_square_bracket", "slash", "right_square_bracket")
        await search_done(pilot)
        assert "No company matches 'qq[/]'" in screen_text(app)
        await pilot.press("ctrl+o")
        await settle(pilot)
        await type_into(pilot, "#apply_by", "[/]")
        await pilot.press("tab")
        await settle(pilot)
        assert field_error(pilot, "apply_by").startswith("[/] is not a date")
        app.screen.query_one("#company").focus()
        await pilot.press("space")  # the company list shows the name as typed
        await settle(pilot)
        assert "Bager [b]Jensen" in screen_text(app)
        assert not app.crash_log.exists()

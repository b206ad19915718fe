"""Companies and job openings, keys only: quick opening entry from Today when a company calls
(registering the company on the way), the register with search, bad input at its field."""

from __future__ import annotations

from datetime import date

from factories import add_company, make_ctx, valid_cvr
from helpers import field_error, screen_text, search_done, settle, start, type_into
from sqlmodel import select

from jobbutik.services import companies
from jobbutik.services.companies import CompanyForm
from jobbutik.store.db import Database
from jobbutik.store.models import Company, JobOpening


def openings(db: Database) -> list[JobOpening]:
    return db.read(lambda s: list(s.exec(select(JobOpening)).all()))


def all_companies(db: Database) -> list[Company]:
    return db.read(lambda s: list(s.exec(select(Company)).all()))


async def test_a_company_calls_in_with_an_opening(make_app, tui_database: Database) -> None:
    cvr = valid_cvr(77)
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await start(pilot)
        assert app.screen.id == "today"
        await pilot.press("ctrl+o")  # from the Today board
        await settle(pilot)
        assert app.screen.id == "opening-form"
        assert "No company is registered yet" in field_error(pilot, "company")
        # Type about the job first; the company is not registered yet.
        await type_into(pilot, "#title", "Køkkenhjælp")
        await pilot.press("ctrl+n")  # register the company on the way
        await settle(pilot)
        assert app.screen.id == "company-form"
        await pilot.press(*"12345678")  # a wrong check digit
        await pilot.press("tab")
        await settle(pilot)
        assert "check digit" in field_error(pilot, "cvr")
        await type_into(pilot, "#cvr", cvr)
        await pilot.press("tab", *"Herlev Kantine", "tab", *"Ringvej 3", "tab", *"2730")
        await pilot.press("tab", *"Køkken", "tab", *"Åse Øster", "tab", *"44445555")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "opening-form"  # back, with the job typed so far
        assert app.screen.query_one("#title").value == "Køkkenhjælp"
        assert app.screen.query_one("#company").value == all_companies(tui_database)[0].id
        await type_into(pilot, "#hours", "25")
        await type_into(pilot, "#apply_by", "04.12.2026")
        await type_into(pilot, "#requirements", "Hygiejnebevis")
        await pilot.press("tab", "space")  # driving licence required
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert any("Køkkenhjælp is saved" in n for n in _notices(app))
    [company] = all_companies(tui_database)
    assert (company.cvr, company.name, company.contact_name, company.postcode) == (
        cvr,
        "Herlev Kantine",
        "Åse Øster",
        "2730",
    )
    [opening] = openings(tui_database)
    assert (opening.title, opening.hours_per_week, opening.apply_by, opening.postcode) == (
        "Køkkenhjælp",
        25,
        date(2026, 12, 4),
        "2730",  # the company's postcode
    )
    assert (opening.industry, opening.requirements, opening.driving_licence_required) == (
        "Køkken",
        "Hygiejnebevis",
        True,
    )


def _notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


async def test_bad_opening_input_stays_with_its_reason(make_app, tui_database: Database) -> None:
    add_company(tui_database, "Netto Herlev")
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(pilot, "company") == "Choose the company."
        assert field_error(pilot, "title") == "The job title is required."
        assert field_error(pilot, "hours") == "Give the hours per week."
        assert field_error(pilot, "apply_by") == "Give the apply-by date."
        await pilot.press("space")  # open the company list (focus is on it; Enter moves on)
        await settle(pilot)
        await pilot.press("down", "enter")  # the first company
        await type_into(pilot, "#title", "Kasse")
        await type_into(pilot, "#hours", "80")
        await type_into(pilot, "#apply_by", "01.11.2026")  # passed: the service says so
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(pilot, "hours") == "Hours per week must be between 1 and 60."
        await type_into(pilot, "#hours", "30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "opening-form"
        assert field_error(pilot, "apply_by") == "The apply-by date 01.11.2026 has passed."
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+o")  # reopened: what was typed is still there
        await settle(pilot)
        assert app.screen.query_one("#title").value == "Kasse"
        assert app.screen.query_one("#apply_by").value == "01.11.2026"
    assert openings(tui_database) == []


async def test_register_search_and_history(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    companies.create_company(ctx, CompanyForm(cvr=valid_cvr(21), name="Møller VVS ApS"))
    companies.create_company(ctx, CompanyForm(cvr=valid_cvr(31), name="Åse's Blomster"))
    app = make_app(lang="en")
    async with app.run_test(size=(130, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.screen.id == "companies"
        assert [h.name for h in app.screen.hits] == ["Møller VVS ApS", "Åse's Blomster"]
        await pilot.press(*"moeller")
        await search_done(pilot)
        assert [h.name for h in app.screen.hits] == ["Møller VVS ApS"]
        # A CVR number already registered is refused at the field; nothing is lost.
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press(*valid_cvr(31), "tab", *"Blomsterbutikken")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "company-form"
        assert field_error(pilot, "cvr") == (
            f"CVR {valid_cvr(31)} is already registered (Åse's Blomster)."
        )
        assert app.screen.query_one("#name").value == "Blomsterbutikken"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # from the search box: to the results
        await pilot.press("enter")  # open the company
        await settle(pilot)
        assert app.screen.id == "company"
        text = screen_text(app)
        assert "Møller VVS ApS" in text and "0 referrals, 0 hired" in text
    assert len(all_companies(tui_database)) == 2

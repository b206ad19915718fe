"""Issue 11 point 10, keys only: search that forgives spelling and word order, industries
completed from a list, short dates, and a licence the requirements ask for."""

from __future__ import annotations

from datetime import date

from factories import add_company, add_opening, make_ctx
from helpers import screen_text, search_done, settle, start, type_into
from sqlmodel import select

from jobbutik.services import arrivals
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.models import Company, JobOpening


async def search_for(pilot, text: str) -> list[str]:
    """Type `text` into the search box key by key, as at the desk, and read the hits."""
    await type_into(pilot, "#search-box", text)
    await search_done(pilot)
    return [h.name for h in pilot.app.screen.hits]


async def test_search_forgives_the_spelling_and_the_order_of_words(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    for cpr, name in (
        ("0101901234", "Hannah Møller"),
        ("0202851234", "Hans Aagaard"),
        ("0303801234", "Mads Hannesen"),
    ):
        arrivals.register_arrival(
            ctx, ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
        )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.id == "search"
        assert await search_for(pilot, "moller") == ["Hannah Møller"]
        assert "Hannah Møller" in screen_text(app)
        assert await search_for(pilot, "Moeller") == ["Hannah Møller"]
        assert await search_for(pilot, "møller hannah") == ["Hannah Møller"]
        assert await search_for(pilot, "han møl") == ["Hannah Møller"]
        assert await search_for(pilot, "han") == ["Hannah Møller", "Hans Aagaard", "Mads Hannesen"]
        assert await search_for(pilot, "agard hans") == ["Hans Aagaard"]
        assert await search_for(pilot, "hannah hans") == []


async def test_an_opening_with_a_completed_industry_a_short_date_and_a_licence(
    make_demo_app,
) -> None:
    app = make_demo_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen.id == "opening-form"
        company = app.screen.query_one("#company")
        company.value = app.screen.companies[0].id  # choosing a company is tested elsewhere
        await type_into(pilot, "#title", "Kassemedarbejder")
        await type_into(pilot, "#industry", "det")
        await settle(pilot)
        assert "detailhandel" in screen_text(app)  # the rest is offered after what is typed
        await pilot.press("right")  # accepts it
        assert app.screen.query_one("#industry").value == "Detailhandel"
        await type_into(pilot, "#hours", "25")
        await type_into(pilot, "#apply_by", "7.12")
        await pilot.press("tab")
        await settle(pilot)
        assert "is not a date" not in screen_text(app)
        note = "Driving licence required (from the requirements)"
        assert note not in screen_text(app)
        await type_into(pilot, "#requirements", "Kørekort kat. B")
        await settle(pilot)
        assert note in screen_text(app)
        assert not app.screen.query_one("#licence").value  # nothing ticked for the user
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
    db = app.context.db
    saved = db.read(
        lambda s: s.exec(select(JobOpening).where(JobOpening.title == "Kassemedarbejder")).all()
    )
    new = [o for o in saved if o.requirements == "Kørekort kat. B"]
    assert [(o.industry, o.apply_by, o.driving_licence_required) for o in new] == [
        ("Detailhandel", date(2026, 12, 7), True)
    ]
    assert db.read(lambda s: s.get(Company, new[0].company_id)) is not None


async def test_the_facts_complete_the_last_industry_typed(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    company = add_company(tui_database)
    add_opening(tui_database, company, "Butiksassistent", industry="Detailhandel")
    add_opening(tui_database, company, "Lagerarbejder", industry="Lager og logistik")
    arrivals.register_arrival(
        ctx,
        ArrivalForm(
            cpr="0101901234", benefit="kontanthjaelp", new_citizen=NewCitizen(name="Jens Hansen")
        ),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f6")  # the waiting citizen
        await settle(pilot)
        assert app.screen.id == "conversation"
        await type_into(pilot, "#industries", "det")
        await settle(pilot)
        await pilot.press("right")
        assert app.screen.query_one("#industries").value == "Detailhandel"
        await pilot.press(*", lag")
        await settle(pilot)
        await pilot.press("right")
        assert app.screen.query_one("#industries").value == "Detailhandel, Lager og logistik"
        await pilot.press(*", xyz")
        await settle(pilot)
        await pilot.press("right")  # nothing to complete: the cursor stays at the end
        assert app.screen.query_one("#industries").value == "Detailhandel, Lager og logistik, xyz"

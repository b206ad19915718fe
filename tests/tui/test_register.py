"""Register arrival, typed as a user types: new and known citizens, duplicates, bad input."""

from __future__ import annotations

from datetime import date, timedelta

from factories import NOW, at, make_ctx, on_day
from helpers import field_error, notices, screen_text, settle, start, type_into
from sqlmodel import func, select

from jobbutik.services import arrivals
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.models import Citizen, Request
from jobbutik.tui.widgets.toggles import RadioButton


def count(db, model) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


async def open_form(pilot) -> None:
    await start(pilot)
    await pilot.press("f2")
    await settle(pilot)
    assert pilot.app.screen.id == "register"


async def test_register_a_new_citizen(make_app, tui_database) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"010190-1234")
        await settle(pilot)
        assert "Ny borger" in screen_text(app)
        await pilot.press("tab", *"Jens Møller", "tab", *"44520000", "tab", *"jens@example.dk")
        await pilot.press("tab", *"2730", "tab", *"arabisk", "tab", "space")  # digital help
        await pilot.press("tab", "space")  # benefit: kontanthjælp (first radio button)
        await pilot.press("tab", "space")  # told to apply digitally
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert [r.name for r in app.today_screen.rows] == ["Jens Møller"]
        assert "010190-XXXX" in screen_text(app)
        assert "010190-1234" not in screen_text(app)
    citizen = tui_database.read(lambda s: s.exec(select(Citizen)).one())
    request = tui_database.read(lambda s: s.exec(select(Request)).one())
    assert (citizen.cpr, citizen.name, citizen.phone, citizen.email, citizen.postcode) == (
        "0101901234",
        "Jens Møller",
        "44520000",
        "jens@example.dk",
        "2730",
    )
    assert citizen.interpreter_language == "arabisk"
    assert citizen.needs_digital_help
    assert (request.benefit, request.told_apply_digitally, request.status) == (
        "kontanthjaelp",
        True,
        "waiting",
    )


async def test_register_a_known_citizen_shows_the_card(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    first = arrivals.register_arrival(
        ctx,
        ArrivalForm(
            cpr="0101901234",
            benefit="kontanthjaelp",
            new_citizen=NewCitizen(name="Jens Møller", needs_digital_help=True),
        ),
    )
    arrivals.set_status(ctx, first.request_id, "no_show")  # no open request: a new one is made
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        text = screen_text(app)
        assert "Jens Møller" in text and "36 år" in text
        assert not app.screen.query_one("#new-citizen").display
        await type_into(pilot, "#benefit", "")
        await pilot.press("space")  # kontanthjælp
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        # The new arrival is selected, ready for F6.
        assert app.today_screen.selected.request_id == max(
            r.request_id for r in app.today_screen.rows
        )
    assert count(tui_database, Citizen) == 1
    assert count(tui_database, Request) == 2


async def test_a_citizen_with_an_open_request_is_shown_that_request(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    for cpr, name in (("0101901234", "Jens Møller"), ("0202902345", "Ane Berg")):
        form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
        arrivals.register_arrival(ctx, form)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        assert app.today_screen.selected.name == "Jens Møller"
        await pilot.press(*"0202902345")
        await settle(pilot)
        assert "Has an open request" in screen_text(app)
        await type_into(pilot, "#benefit", "")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert notices(app)[-1] == (
            "Ane Berg already has an open request from 23.11.2026 (visitation 23.11.2026, waiting)."
        )
        assert app.today_screen.selected.name == "Ane Berg"  # that request, ready for F6
    assert count(tui_database, Request) == 2


async def test_registering_again_selects_a_request_left_open_on_an_earlier_day(
    make_app, tui_database
) -> None:
    friday = on_day(make_ctx(tui_database, "ab"), NOW - timedelta(days=3))
    for cpr, name in (("0101901234", "Jens Møller"), ("0202902345", "Ane Berg")):
        form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
        arrivals.register_arrival(friday, form)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        assert [r.name for r in app.today_screen.rows] == ["Jens Møller", "Ane Berg"]
        await pilot.press(*"0202902345")
        await settle(pilot)
        await type_into(pilot, "#benefit", "")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert notices(app)[-1] == (
            "Ane Berg already has an open request from 20.11.2026 (visitation 20.11.2026, waiting)."
        )
        assert app.today_screen.selected.name == "Ane Berg"  # that request, ready for F6
    assert count(tui_database, Request) == 2


async def test_bad_cpr_numbers_are_explained_at_the_field(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"01019012")
        assert field_error(pilot, "cpr") == ""  # still typing: no error yet
        cases = {
            "3213901234": "not a valid date",
            "0101301234": "",  # 1930 (7th digit 1): valid
            "010130-4234": "in the future",  # 7th digit 4, year 30 → 2030
            "٠١٠١٩٠١٢٣٤": "digits that are not 0–9",
            "01019012": "10 digits; this has 8",  # once an error shows, it follows the typing
        }
        for typed, expected in cases.items():
            await type_into(pilot, "#cpr", typed)
            await settle(pilot)
            assert expected in field_error(pilot, "cpr"), typed
            if not expected:
                assert field_error(pilot, "cpr") == "", typed
        await pilot.press("ctrl+s")  # 8 digits: saving says why
        await settle(pilot)
        assert "10 digits" in field_error(pilot, "cpr")
        assert app.screen.id == "register"
        assert app.screen.query_one("#cpr").value == "01019012"  # nothing typed is lost
    assert count(tui_database, Request) == 0


async def test_empty_name_and_bad_contact_details(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        await type_into(pilot, "#phone", "12ab")
        await type_into(pilot, "#email", "jens.example.dk")
        await type_into(pilot, "#postcode", "27")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "register"
        assert field_error(pilot, "name") == "Name is required."
        assert "8 digits" in field_error(pilot, "phone")
        assert "name@example.dk" in field_error(pilot, "email")
        assert "4 digits" in field_error(pilot, "postcode")
        assert field_error(pilot, "benefit") == "Choose the benefit sought."
        assert app.screen.query_one("#email").value == "jens.example.dk"
        assert app.focused is app.screen.query_one("#name")
    assert count(tui_database, Request) == 0


async def test_escape_keeps_a_draft_for_the_next_open(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        await pilot.press("tab", *"Jens")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "today"
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen.query_one("#cpr").value == "0101901234"
        assert app.screen.query_one("#name").value == "Jens"
        assert app.screen.query_one("#new-citizen").display


async def test_a_likely_duplicate_is_shown_before_saving(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    arrivals.register_arrival(
        ctx,
        ArrivalForm(
            cpr="0101901234", benefit="kontanthjaelp", new_citizen=NewCitizen(name="Jens Møller")
        ),
    )
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901242")  # same birth date, another number
        await settle(pilot)
        await pilot.press("tab", *"Jens Moeller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert app.screen.id == "register"  # reopened with the candidates
        text = screen_text(app)
        assert "Possible duplicate" in text and "010190-XXXX" in text
        assert app.screen.query_one("#name").value == "Jens Moeller"
        assert count(tui_database, Citizen) == 1
        await pilot.press("space", "ctrl+s")  # confirm: another person
        await settle(pilot)
        assert app.screen.id == "today"
    assert count(tui_database, Citizen) == 2


async def test_a_name_that_looks_like_markup_is_shown_as_typed(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        await pilot.press("tab", *"Jens [/] Møller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert "Jens [/] Møller is registered" in notices(app)[-1]
        assert "Jens [/] Møller" in screen_text(app)
    assert app.return_code in (None, 0)


async def test_a_refused_save_keeps_the_form_open_and_its_draft(make_app, tui_database) -> None:
    from jobbutik.tui.drafts import DraftKey

    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        await pilot.press("tab", *"Jens Møller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space")
        await type_into(pilot, "#slot_date", "01.01.2020")  # a day gone by: the service refuses
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "register"
        assert field_error(pilot, "slot_date") != ""
        assert app.drafts.get(DraftKey("register"))["name"] == "Jens Møller"
        await type_into(pilot, "#slot_date", "23.11.2026")  # today
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert app.drafts.get(DraftKey("register")) is None
    assert count(tui_database, Request) == 1


async def test_the_card_shows_typed_text_as_typed(make_app, tui_database) -> None:
    # The interpreter language is typed at the desk: read as markup it broke the card.
    ctx = make_ctx(tui_database, "ab")
    new = NewCitizen(name="Jens [b]Møller", interpreter_language="arabisk [/]")
    arrivals.register_arrival(ctx, ArrivalForm("0101901234", "kontanthjaelp", new_citizen=new))
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        text = screen_text(app)
        assert "Jens [b]Møller" in text and "Interpreter: arabisk [/]" in text


async def test_the_card_names_the_last_category(make_demo_app) -> None:
    from sqlalchemy import text as sql

    app = make_demo_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        cpr = app.context.db.read(
            lambda s: s.execute(
                sql(
                    "SELECT c.cpr FROM visitation v JOIN citizen c"
                    " ON c.id = v.citizen_id WHERE v.category = 'aktivitetsparat'"
                    " AND NOT EXISTS (SELECT 1 FROM visitation w WHERE w.citizen_id ="
                    " v.citizen_id AND w.held_on > v.held_on) LIMIT 1"
                )
            ).scalar_one()
        )
        await pilot.press(*cpr)
        await settle(pilot)
        assert "(Aktivitetsparat)" in screen_text(app)  # the label, not the stored code


# -- issue 13: benefits by date, the first henvendelse, written guidance -----------------------


def benefit_labels(app) -> list[str]:
    return [str(b.label) for b in app.screen.query_one("#benefit").query(RadioButton)]


async def test_only_the_benefits_in_force_are_offered(make_app, tui_database) -> None:
    app = make_app()  # 23.11.2026: uddannelseshjælp ended for new applications 1 July 2025
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        assert benefit_labels(app) == ["Kontanthjælp"]
        assert "Uddannelseshjælp" not in screen_text(app)
    before = make_app(now=at(date(2025, 6, 30), 10), today=date(2025, 6, 30))
    async with before.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        assert benefit_labels(before) == ["Kontanthjælp", "Uddannelseshjælp"]


async def test_guidance_and_an_earlier_first_henvendelse_are_recorded(
    make_app, tui_database
) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        assert app.screen.query_one("#first_contact_on").value == "23.11.2026"  # today
        assert not app.screen.query_one("#rights_guidance_given").value  # never ticked for you
        await pilot.press(*"0101901234")
        await settle(pilot)
        await pilot.press("tab", *"Jens Møller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space", "tab", "tab", "space")  # the benefit; guidance handed over
        assert app.screen.query_one("#rights_guidance_given").value
        await type_into(pilot, "#first_contact_on", "20.11.2026")
        await type_into(pilot, "#slot_date", "30.11.2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # From Friday's first henvendelse the week ends on Friday 27.11.
        assert app.screen.id == "register"
        assert field_error(pilot, "slot_date") == (
            "The visitation must be between today and 27.11.2026."
        )
        await type_into(pilot, "#slot_date", "27.11.2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
    request = tui_database.read(lambda s: s.exec(select(Request)).one())
    assert (request.first_contact_on, request.slot_date, request.rights_guidance_given) == (
        date(2026, 11, 20),
        date(2026, 11, 27),
        True,
    )


async def test_an_earlier_first_henvendelse_moves_the_suggested_slot_not_a_typed_one(
    make_app, tui_database
) -> None:
    # Monday 23.11.2026 at 15:00, after the last same-day slot: the suggestion is tomorrow. A
    # first henvendelse a week ago (Monday 16.11) makes today the legal last day.
    app = make_app(lang="en", now=at(date(2026, 11, 23), 15))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        slot = app.screen.query_one("#slot_date")
        assert slot.value == "24.11.2026"
        await type_into(pilot, "#first_contact_on", "16.11.2026")
        await settle(pilot)
        assert slot.value == "23.11.2026"
        assert "Suggested: today, 23.11.2026" in screen_text(app)
        await type_into(pilot, "#first_contact_on", "23.11.2026")  # back to today: tomorrow again
        await settle(pilot)
        assert slot.value == "24.11.2026"
        await type_into(pilot, "#slot_date", "25.11.2026")  # the user's own day stays
        await type_into(pilot, "#first_contact_on", "16.11.2026")
        await settle(pilot)
        assert slot.value == "25.11.2026"
        assert "Suggested: today, 23.11.2026" in screen_text(app)
        await type_into(pilot, "#cpr", "0101901234")
        await settle(pilot)
        await pilot.press("tab", *"Jens Møller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert field_error(pilot, "slot_date") == (
            "The visitation must be between today and 23.11.2026."
        )
        await type_into(pilot, "#first_contact_on", "23.11.2026")
        await settle(pilot)
        assert slot.value == "25.11.2026"  # still the user's: not moved by a later suggestion
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
    request = tui_database.read(lambda s: s.exec(select(Request)).one())
    assert (request.first_contact_on, request.slot_date) == (
        date(2026, 11, 23),
        date(2026, 11, 25),
    )


async def test_a_first_henvendelse_in_the_future_is_explained_at_its_field(
    make_app, tui_database
) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        await pilot.press("tab", *"Jens Møller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space")
        await type_into(pilot, "#first_contact_on", "24.11.2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "register"
        assert field_error(pilot, "first_contact_on") == (
            "The first henvendelse must be between 23.10.2026 and today."
        )
        assert field_error(pilot, "slot_date") == ""
        assert app.screen.query_one("#first_contact_on").value == "24.11.2026"
    assert count(tui_database, Request) == 0


async def test_a_christmas_eve_arrival_cannot_be_booked_after_the_30th(
    make_app, tui_database
) -> None:
    app = make_app(lang="en", now=at(date(2025, 12, 24), 10), today=date(2025, 12, 24))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press(*"0101901234")
        await settle(pilot)
        assert app.screen.query_one("#slot_date").value == "29.12.2025"  # the next open day
        await pilot.press("tab", *"Jens Møller")
        await type_into(pilot, "#benefit", "")
        await pilot.press("space")
        await type_into(pilot, "#slot_date", "02.01.2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(pilot, "slot_date") == (
            "The visitation must be between today and 30.12.2025."
        )
        await type_into(pilot, "#slot_date", "30.12.2025")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
    request = tui_database.read(lambda s: s.exec(select(Request)).one())
    assert request.slot_date == date(2025, 12, 30)

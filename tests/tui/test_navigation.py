"""Sections as modes: a section key brings its section forward from anywhere, details and forms
are pushed onto it, Escape goes back within it. The four key sequences that ended the program
(issue 10) are here, typed as a user types them on the demo database."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import notices, search_done, settle, start, wait_until
from textual.command import CommandPalette

from jobbutik.tui.drafts import DraftKey


def a_citizen_name(app: Any) -> str:
    """The first name of a citizen on today's board (the demo has a day in progress)."""
    rows = app.today_screen.rows
    assert rows, "the demo has arrivals today"
    return str(rows[0].name).split()[0]


async def keys(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def search_for(pilot: Any, name: str) -> None:
    """Type a name into the search box and wait, as a user does, for the list to show."""
    await keys(pilot, *name)
    await search_done(pilot)


def where(app: Any) -> tuple[str, str]:
    return app.current_mode, type(app.screen).__name__


async def test_search_a_citizen_then_f3_goes_back_to_the_search_box(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        name = a_citizen_name(app)
        await keys(pilot, "f3")
        await search_for(pilot, name)
        await keys(pilot, "enter", "enter")
        assert where(app) == ("search", "CitizenScreen")
        await keys(pilot, "f3")
        assert where(app) == ("search", "SearchScreen")
        assert len(app.screen_stack) == 1
        await keys(pilot, "escape")  # from a section's first screen: back to Today
        assert where(app) == ("today", "TodayScreen")
    assert app.return_code in (None, 0)


async def test_reports_companies_reports(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await keys(pilot, "f12", "ctrl+b", "f12")
        assert where(app) == ("reports", "ReportsScreen")
        await keys(pilot, "ctrl+b")
        assert where(app) == ("companies", "CompaniesScreen")
    assert app.return_code in (None, 0)


async def test_follow_ups_citizen_then_search(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await keys(pilot, "ctrl+f", "f8", "f3", "enter", "enter")
        assert where(app) == ("search", "SearchScreen")
        await keys(pilot, "ctrl+f")  # the follow-ups section as it was left
        assert app.current_mode == "follow_ups"
    assert app.return_code in (None, 0)


async def test_follow_ups_search_citizen_follow_ups(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        name = a_citizen_name(app)
        await keys(pilot, "ctrl+f", "f3")
        await search_for(pilot, name)
        await keys(pilot, "enter", "enter")
        assert where(app) == ("search", "CitizenScreen")
        await keys(pilot, "ctrl+f")
        assert where(app) == ("follow_ups", "FollowUpsScreen")
        await keys(pilot, "f3")  # the citizen is still open where it was left
        assert where(app) == ("search", "CitizenScreen")
        await keys(pilot, "escape")
        assert where(app) == ("search", "SearchScreen")
    assert app.return_code in (None, 0)


async def test_one_citizen_open_in_two_sections_moves_to_the_newer(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        name = a_citizen_name(app)
        await keys(pilot, "f8")  # today's selected citizen
        assert where(app) == ("today", "CitizenScreen")
        await keys(pilot, "f3")
        await search_for(pilot, name)
        await keys(pilot, "enter", "enter")
        assert where(app) == ("search", "CitizenScreen")
        await keys(pilot, "f4")
        assert where(app) == ("today", "TodayScreen")
    assert app.return_code in (None, 0)


async def test_a_form_keeps_its_draft_across_sections(make_demo_app) -> None:
    app = make_demo_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await keys(pilot, "f2", *"0101901234")
        assert where(app) == ("today", "RegisterForm")
        await keys(pilot, "ctrl+b")  # a company calls in the middle of a registration
        assert where(app) == ("companies", "CompaniesScreen")
        await keys(pilot, "f4")  # the form is where it was left, as typed
        assert where(app) == ("today", "RegisterForm")
        assert app.screen.query_one("#cpr").value == "0101901234"
        await keys(pilot, "f3", "f2")  # opened from another section: moved, draft and all
        assert where(app) == ("search", "RegisterForm")
        assert app.screen.query_one("#cpr").value == "0101901234"
        assert [type(s).__name__ for s in app.get_screen_stack("today")] == ["TodayScreen"]
        await keys(pilot, "escape")
        assert where(app) == ("search", "SearchScreen")
        assert app.drafts.get(DraftKey("register")) is not None


async def test_a_section_the_role_does_not_allow_is_not_offered(make_app) -> None:
    app = make_app(user="rec", roles="reception", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await keys(pilot, "ctrl+g")
        assert where(app) == ("today", "TodayScreen")
        assert "staff" not in {c.action for c in app.available_commands(app.screen)}
        app.action_staff()  # reached another way: refused in one line
        await settle(pilot)
        assert where(app) == ("today", "TodayScreen")
        assert notices(app)[-1] == (
            "rec may not do this (Manage staff): ask a supervisor or admin."
        )


async def test_without_a_database_a_section_says_why(tui_database) -> None:
    from factories import add_staff

    from jobbutik.services.config import Settings
    from jobbutik.tui.app import create_app

    add_staff(tui_database, "boss")  # not an empty database: "nobody" is not taken on as admin
    settings = Settings(db=tui_database.url, user="nobody", lang="en")
    app = create_app(settings, database=tui_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.context is None
        await keys(pilot, "f3")
        assert where(app) == ("today", "TodayScreen")
        app.action_search()  # reached another way: the reason in one line
        await pilot.pause()
        assert "nobody is not a member of staff" in notices(app)[-1]


async def test_the_palette_offers_no_screenshot_and_speaks_danish(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await keys(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        palette_input = app.screen.query_one("CommandInput")
        assert palette_input.placeholder == "Søg efter kommandoer…"
        titles = await palette_options(pilot)
        assert "Søg" in titles and "Afslut" in titles
        for english in ("Theme", "Quit", "Keys", "Search"):
            assert english not in titles
        await keys(pilot, *"screens")
        assert not any("Screenshot" in title for title in await palette_options(pilot))
        # Textual says nothing matched once its countdown runs out: wait for it to say so.
        await wait_until(pilot, lambda: options_shown(app) == ["Ingen match"], what="'Ingen match'")


async def palette_options(pilot: Any) -> list[str]:
    """The first line of every option the palette shows once it has gathered its hits (`settle`
    waits for its gathering worker)."""
    await settle(pilot)
    return options_shown(pilot.app)


def options_shown(app: Any) -> list[str]:
    """The first line of every option the palette shows now."""
    options = app.screen.query_one("CommandList")
    prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
    return [str(getattr(p, "renderable", p)).split("\n")[0] for p in prompts]


async def test_a_section_screen_opened_from_another_section_gives_way(make_demo_app) -> None:
    """Follow-ups opens the Sites screen to book a start; Ctrl+T later opens the Sites section
    itself, with no second screen of the same name."""
    from jobbutik.tui.screens.sites import SitesScreen

    app = make_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await keys(pilot, "ctrl+t", "ctrl+f")
        app.push_screen(SitesScreen(book_for=(1, "Jens")))  # as Follow-ups' F9 does
        await settle(pilot)
        assert where(app) == ("follow_ups", "SitesScreen")
        with pytest.raises(KeyError):  # the section behind gave way
            app.get_screen_stack("sites")
        await keys(pilot, "ctrl+t")
        assert where(app) == ("sites", "SitesScreen")
        assert app.screen.book_for is None
        assert [type(s).__name__ for s in app.get_screen_stack("follow_ups")] == ["FollowUpsScreen"]
        await keys(pilot, "ctrl+f", "ctrl+t", "escape")
        assert where(app) == ("today", "TodayScreen")
    assert app.return_code in (None, 0)

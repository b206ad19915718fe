"""Search (as you type, Danish letters folded), the Citizen history, roles and the palette."""

from __future__ import annotations

from factories import make_ctx
from helpers import notices, screen_text, search_done, settle, start, type_into, wait_until

from jobbutik.services import arrivals
from jobbutik.services.arrivals import ArrivalForm, NewCitizen


def register(ctx, cpr: str, name: str) -> None:
    arrivals.register_arrival(
        ctx, ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
    )


async def test_search_as_you_type_folds_danish_letters(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    register(ctx, "0101901234", "Jens Møller")
    register(ctx, "0202851234", "Åse Sørensen")
    register(ctx, "0303801234", "Peter Hansen")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.id == "search"
        await pilot.press(*"moel")
        await search_done(pilot)
        assert [h.name for h in app.screen.hits] == ["Jens Møller"]
        await type_into(pilot, "#search-box", "aase")
        await search_done(pilot)
        assert [h.name for h in app.screen.hits] == ["Åse Sørensen"]
        await type_into(pilot, "#search-box", "0303")
        await search_done(pilot)
        assert [h.name for h in app.screen.hits] == ["Peter Hansen"]
        text = screen_text(app)
        assert "030380-XXXX" in text and "030380-1234" not in text
        # Enter opens the citizen: the only screen with the full CPR number.
        await pilot.press("enter")  # to the results
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.id == "citizen"
        text = screen_text(app)
        assert "030380-1234" in text and "Peter Hansen" in text
        assert "Henvendelse" in text and "Kontanthjælp" in text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "search"
        assert app.screen.query_one("#search-box").value == "0303"


async def test_no_show_from_the_board(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    register(ctx, "0101901234", "Jens Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f7", "ctrl+s")  # asked first (the reason it stated: none): saved
        await settle(pilot)
        assert app.today_screen.rows[0].status == "no_show"
        # On the citizen's row (the footer names the key "No-show" too).
        rows = [line for line in screen_text(app).splitlines() if "Jens Møller" in line]
        assert rows and all("No-show" in line for line in rows)


async def test_waiting_minutes_tick_without_reading_the_database(
    make_app, tui_database, monkeypatch
) -> None:
    from datetime import timedelta

    from factories import NOW
    from sqlalchemy import event

    from jobbutik.domain.clock import Clock
    from jobbutik.tui.screens import today

    # The board's own timer redraws the minutes, here soon; the poll for other desks' changes (a
    # read of its own) stays out of the way of the count.
    monkeypatch.setattr(today, "TICK_SECONDS", 0.05)
    monkeypatch.setattr(today, "POLL_SECONDS", 3600)
    ctx = make_ctx(tui_database, "ab")
    register(ctx, "0101901234", "Jens Møller")
    app = make_app()  # in Danish, as at the desk

    def waiting_shown() -> str:
        [row] = [line for line in screen_text(app).splitlines() if "Jens Møller" in line]
        return row

    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert "0 min" in waiting_shown()
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        engine = app.context.db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            app.context.clock = Clock(fixed_now=NOW + timedelta(minutes=17))
            await wait_until(pilot, lambda: "17 min" in waiting_shown(), what="17 minutes waiting")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert statements == []
        assert "17 min" in waiting_shown() and "0 min" not in waiting_shown()


async def test_reception_cannot_start_a_conversation(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    register(ctx, "0101901234", "Jens Møller")
    app = make_app(user="rec", roles="reception", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        titles = [c.title for c in app.available_commands(app.screen)]
        assert "Register arrival" in titles and "No-show" in titles
        assert "Start conversation" not in titles
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.id == "today"
        assert "Start conversation" not in screen_text(app)


async def test_command_palette_runs_the_same_command(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"register")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.id == "register"
        assert not notices(app)


async def test_board_commands_follow_the_selected_status(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    register(ctx, "0101901234", "Jens Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f7", "ctrl+s")  # no-show (asked first: no reason stated)
        await settle(pilot)
        assert app.today_screen.rows[0].status == "no_show"
        await pilot.press("f6", "enter")  # neither starts a conversation with a no-show
        await settle(pilot)
        assert app.screen.id == "today"
        titles = [c.title for c in app.available_commands(app.screen)]
        assert "Start conversation" not in titles and "Citizen" in titles


async def test_typed_text_that_looks_like_markup_is_shown_as_typed(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    new = NewCitizen(name="Peter [b]Hansen", interpreter_language="arabisk [/]")
    arrivals.register_arrival(ctx, ArrivalForm("0303801234", "kontanthjaelp", new_citizen=new))
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"x[/]")  # no match: the status repeats what was typed
        await search_done(pilot)
        assert "No citizen matches 'x[/]'." in screen_text(app)
        await type_into(pilot, "#search-box", "0303")
        await search_done(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert app.screen.id == "citizen"
        text = screen_text(app)
        assert "Peter [b]Hansen" in text and "030380-1234" in text
        assert "Interpreter: arabisk [/]" in text


async def open_citizen(pilot, typed: str) -> str:
    """Search for `typed`, open the first hit: the citizen screen's text."""
    await start(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await pilot.press(*typed)
    await search_done(pilot)
    await pilot.press("enter", "enter")  # to the results, then open
    await settle(pilot)
    assert pilot.app.screen.id == "citizen"
    return screen_text(pilot.app)


async def test_a_possible_sanction_shows_on_the_card_but_never_to_reception(
    make_app, tui_database
) -> None:
    from test_hearings_screen import flag_for

    flag_for(tui_database, "0101901234", "Jens Møller", "kon")
    reception = make_app(user="rec", roles="reception", lang="en")
    async with reception.run_test(size=(120, 40)) as pilot:
        text = await open_citizen(pilot, "0101")
        assert "Jens Møller" in text and "sanction" not in text and "partshøring" not in text
    consultant = make_app(user="kon", roles="consultant", lang="en")
    async with consultant.run_test(size=(120, 40)) as pilot:
        text = await open_citizen(pilot, "0101")
        assert "Possible sanction: awaiting partshøring" in text

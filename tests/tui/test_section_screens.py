"""What the section screens show is data, never markup: a name with square brackets reads as typed
on the board, in the search, on the citizen's screen, in the follow-ups and on the sites; and the
print dialog keeps what was typed when closed with Escape and prints on Enter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from factories import add_site, at, make_ctx, on_day
from helpers import notices, screen_text, search_done, settle, start, type_into
from test_followups import visit
from test_reports import D23, PHASE1_NOW, build_phase1

from jobbutik.store.db import Database

# Rich/Textual markup that would vanish, restyle or fail to parse if shown as markup.
NAME = "Ole [b]Fed[/b][/]Ib"  # fits the narrowest name column
SITE = "Værkstedet [red]"
CPR = "0101901234"


async def test_names_with_brackets_read_as_typed(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    site = add_site(tui_database, SITE, seats=4)
    visit(on_day(ctx, at(date(2026, 11, 9))), CPR, NAME, site=site)
    app = make_app(lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"0101")
        await search_done(pilot)
        assert NAME in screen_text(app)
        await pilot.press("enter", "enter")  # to the results, then the citizen
        await settle(pilot)
        assert app.screen.id == "citizen"
        text = screen_text(app)
        assert NAME in text and SITE in text  # the card and the activation in the history

        await pilot.press("ctrl+f")
        await settle(pilot)
        assert app.screen.id == "followups"
        assert NAME in screen_text(app)
        await pilot.press("enter")  # the outcome form names the citizen too
        await settle(pilot)
        assert app.screen.id == "outcome-form"
        assert NAME in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.screen.id == "sites"
        assert SITE in screen_text(app)


async def test_print_dialog_keeps_input_and_prints_on_enter(
    make_app, tui_database: Database, tmp_path: Path, monkeypatch
) -> None:
    build_phase1(tui_database)
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))  # no lp on this machine
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    target = tmp_path / "kept" / "daily.txt"
    async with app.run_test(size=(120, 45)) as pilot:
        await start(pilot)
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.id == "print-dialog"
        await type_into(pilot, "#print-path", str(target))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "reports" and not target.exists()
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.query_one("#print-path").value == str(target)  # kept
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.id == "reports"
        assert target.exists() and (target.stat().st_mode & 0o777) == 0o600
        assert f"Saved to {target}." in notices(app)[-1]

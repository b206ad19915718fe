"""The Reports screen's print dialog: an existing file is replaced only on yes, and the database
is never a place to save to (the dialog stays open with what was typed)."""

from __future__ import annotations

from pathlib import Path

from helpers import settle, start, type_into
from test_reports import D23, PHASE1_NOW, build_phase1
from textual.widgets import Checkbox, Input, Select

from jobbutik.store.db import Database


async def open_print_dialog(pilot, target: Path) -> None:  # type: ignore[no-untyped-def]
    await start(pilot)
    await pilot.press("f12")
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    assert pilot.app.screen.id == "print-dialog"
    pilot.app.screen.query_one("#print-format", Select).value = "text"
    pilot.app.screen.query_one("#print-lp", Checkbox).value = False
    await settle(pilot)
    await type_into(pilot, "#print-path", str(target))
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_an_existing_file_is_replaced_only_on_yes(
    make_app, tui_database: Database, tmp_path: Path
) -> None:
    build_phase1(tui_database)
    target = tmp_path / "daily.txt"
    target.write_text("keep me\n")
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    async with app.run_test(size=(120, 45)) as pilot:
        await open_print_dialog(pilot, target)
        assert "Replace" in str(app.screen.question)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.id == "print-dialog"
        assert app.screen.query_one("#print-path", Input).value == str(target)
        assert target.read_text() == "keep me\n"

        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.id == "reports"
    assert target.read_text(encoding="utf-8").startswith("Herlev Kommune")


async def test_the_database_is_refused_and_the_dialog_kept(
    make_app, tui_database: Database, tmp_path: Path
) -> None:
    build_phase1(tui_database)
    assert tui_database.path is not None
    before = tui_database.path.read_bytes()[:100]
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    async with app.run_test(size=(120, 45)) as pilot:
        await open_print_dialog(pilot, tui_database.path)
        assert app.screen.id == "print-dialog"
        said = str(app.screen.query_one("#print-error").render())
        assert "is the database or a file that belongs to it" in said
        assert app.screen.query_one("#print-path", Input).value == str(tui_database.path)
        assert app.focused is app.screen.query_one("#print-path")
    assert tui_database.path.read_bytes()[:100] == before

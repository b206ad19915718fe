"""At the desk, every citizen the search results, the Today board and the follow-up list put on
screen is in the audit log, per citizen — gathered, not written per keystroke or per poll; a report
the printer refused is not logged as printed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from factories import make_ctx
from helpers import notices, search_done, settle, start, type_into, wait_until
from sqlmodel import col, select
from test_followups_screen import build_everything_due
from test_reports import D23, PHASE1_NOW, build_phase1
from textual.widgets import Select

from jobbutik.services import arrivals
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry
from jobbutik.tui import shown

REFUSAL = "lp: The printer or class does not exist."


def register(db: Database, cpr: str, name: str) -> int:
    form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
    return arrivals.register_arrival(make_ctx(db, "ab"), form).citizen_id


def log(db: Database) -> list[AuditEntry]:
    return db.read(lambda s: list(s.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()))


def shown_in(db: Database, entity: str) -> list[AuditEntry]:
    return [e for e in log(db) if e.action == "shown" and e.entity == entity]


async def test_eight_characters_typed_are_one_write_of_every_citizen_shown(
    make_app: Any, tui_database: Database, monkeypatch: Any
) -> None:
    # The names gather for a while (here longer than the test) and go when the list leaves.
    monkeypatch.setattr(shown, "FLUSH_SECONDS", 600.0)
    people = {
        "0101901234": "Jens Møller",
        "0101851234": "Hans Jensen",
        "0112801234": "Åse Sørensen",
        "1505702341": "Ali Hassan",
    }
    ids = {name: register(tui_database, cpr, name) for cpr, name in people.items()}
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        seen: set[int] = set()
        # Eight characters, each list on screen before the next key.
        for key in "01019012":
            await pilot.press(key)
            await search_done(pilot)
            seen |= {hit.id for hit in app.screen.hits}
        assert app.screen.hits and [h.name for h in app.screen.hits] == ["Jens Møller"]
        assert seen == {ids["Jens Møller"], ids["Hans Jensen"], ids["Åse Sørensen"]}
        # Nothing written per keystroke: the names gather.
        assert shown_in(tui_database, "search_results") == []
        await pilot.press("f4")  # to the board: the list leaves the screen
        await settle(pilot)
        await shown.written(app)
    entries = log(tui_database)
    searches = [e for e in entries if e.action == "search"]
    hits = shown_in(tui_database, "search_results")
    assert len(searches) == 8  # each search as before, with its term
    # Every citizen shown, once, in one write after the typing.
    assert sorted(e.citizen_id for e in hits) == sorted(seen)
    assert [e.seq for e in hits] == list(range(hits[0].seq, hits[0].seq + len(hits)))
    assert hits[0].seq > searches[-1].seq
    assert {(e.actor, e.detail) for e in hits} == {("ab", "")}
    assert ids["Ali Hassan"] not in {e.citizen_id for e in hits}


async def test_the_search_results_go_to_the_log_by_themselves_and_only_once(
    make_app: Any, tui_database: Database
) -> None:
    jens = register(tui_database, "0101901234", "Jens Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await type_into(pilot, "#search-box", "jens")
        await search_done(pilot)
        await wait_until(  # the list stays on screen: written a few seconds later
            pilot,
            lambda: shown_in(tui_database, "search_results"),
            what="the citizen shown in the log",
        )
        assert [e.citizen_id for e in shown_in(tui_database, "search_results")] == [jens]
        await pilot.press("f3")
        await settle(pilot)
        await type_into(pilot, "#search-box", "møller")
        await search_done(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await shown.written(app)
    # Shown again within the half hour: already in the log.
    assert [e.citizen_id for e in shown_in(tui_database, "search_results")] == [jens]


async def test_the_board_logs_each_citizen_once_while_it_reads_itself_again(
    make_app: Any, tui_database: Database
) -> None:
    first = register(tui_database, "0101901234", "Jens Møller")
    second = register(tui_database, "0202851236", "Mette Hansen")
    app = make_app(user="rk", roles="reception", lang="en")  # reception sees the board
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        board = app.today_screen
        assert {r.citizen_id for r in board.rows} == {first, second}
        await wait_until(
            pilot, lambda: shown_in(tui_database, "today_board"), what="the board in the log"
        )
        # Another desk registers a third: the board reads itself again and logs only her.
        third = register(tui_database, "1505702341", "Ali Hassan")
        await wait_until(pilot, lambda: len(board.rows) == 3, what="the third arrival")
        await wait_until(
            pilot,
            lambda: len(shown_in(tui_database, "today_board")) == 3,
            what="the third citizen in the log",
        )
        await pilot.press("f5")  # read again by hand: nothing new to log
        await settle(pilot)
        await shown.written(app)
    board_entries = shown_in(tui_database, "today_board")
    assert sorted(e.citizen_id for e in board_entries) == sorted([first, second, third])
    assert {(e.actor, e.detail) for e in board_entries} == {("rk", "2026-11-23")}
    # Two writes: the first board together, then the newcomer after her registration.
    seqs = [e.seq for e in board_entries]
    assert seqs[1] == seqs[0] + 1 and seqs[2] > seqs[1] + 1
    assert board_entries[-1].citizen_id == third


async def test_the_follow_up_list_logs_the_citizens_on_it(
    make_app: Any, tui_database: Database
) -> None:
    build_everything_due(tui_database)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        listed = {row.citizen_id for row in app.screen.rows}
        assert len(listed) == 5
        await pilot.press("f4")
        await settle(pilot)
        await shown.written(app)
    logged = shown_in(tui_database, "follow_up_list")
    assert sorted(e.citizen_id for e in logged) == sorted(listed)
    assert {e.detail for e in logged} == {"ab"}


async def test_a_report_the_printer_refused_is_not_logged_as_printed(
    make_app: Any, tui_database: Database, tmp_path: Path, monkeypatch: Any
) -> None:
    build_phase1(tui_database)
    folder = tmp_path / "bin"
    folder.mkdir()
    lp = folder / "lp"
    lp.write_text(f'#!/bin/sh\necho "{REFUSAL}" >&2\nexit 1\n')
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '/bin')}")
    monkeypatch.setenv("PRINTER", "Skranke")
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    async with app.run_test(size=(120, 45)) as pilot:
        await start(pilot)
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.id == "print-dialog"
        app.screen.query_one("#print-format", Select).value = "text"
        await settle(pilot)
        target = tmp_path / "out" / "daily.txt"
        await type_into(pilot, "#print-path", str(target))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert REFUSAL in notices(app)[-1]
        assert target.exists()
        reports = [e for e in log(tui_database) if e.entity == "report"]
        assert "export" in {e.action for e in reports}
        assert "print" not in {e.action for e in reports}
        # The printer back: the same report printed is logged as a printout.
        lp.write_text('#!/bin/sh\necho "request id is Skranke-7"\n')
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "request id is Skranke-7" in notices(app)[-1]
    printed = [e for e in log(tui_database) if e.entity == "report" and e.action == "print"]
    assert [e.detail for e in printed] == ["daily 2026-11-23"]

"""The Reports screen: supervisors only; change period and report; plots; print to a file."""

from __future__ import annotations

import threading
from pathlib import Path

from helpers import notices, screen_text, settle, start, type_into
from test_reports import D23, PHASE1_NOW, build_phase1
from textual.widgets import Checkbox, Select
from textual_plotext import PlotextPlot

from jobbutik.store.db import Database


async def open_reports(pilot) -> None:  # type: ignore[no-untyped-def]
    await start(pilot)
    await pilot.press("f12")
    await settle(pilot)


async def test_supervisor_changes_period_and_report_and_prints_to_a_file(
    make_app, tui_database: Database, tmp_path: Path, monkeypatch
) -> None:
    build_phase1(tui_database)
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))  # no lp on this machine
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    async with app.run_test(size=(120, 45)) as pilot:
        await open_reports(pilot)
        screen = app.screen
        assert screen.id == "reports"
        assert (screen.doc.title, screen.doc.period) == ("Daily list", "23.11.2026")
        text = screen_text(app)
        assert "Daily list – 23.11.2026" in text and "040494-XXXX" in text
        assert "0404941234" not in text

        await pilot.press("f7")  # the working day before: Friday
        await settle(pilot)
        assert screen.doc.period == "20.11.2026"
        await pilot.press("f8")
        await settle(pilot)
        assert screen.doc.period == "23.11.2026"

        screen.query_one("#report-kind", Select).value = "stats"
        await settle(pilot)
        assert (screen.doc.name, screen.doc.period) == ("stats", "01.11.2026–30.11.2026")
        assert screen.query_one("#report-plots").has_class("shown")
        assert screen.query_one("#plot-funnel", PlotextPlot).display
        await type_into(pilot, "#report-from", "16.11.2026")
        await type_into(pilot, "#report-to", "23.11.2026")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.doc.period == "16.11.2026–23.11.2026"
        assert "Referral funnel" in str(screen.query_one("#report-text").render())

        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.id == "print-dialog"
        app.screen.query_one("#print-format", Select).value = "text"
        await settle(pilot)
        target = tmp_path / "out" / "stats.txt"
        await type_into(pilot, "#print-path", str(target))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "reports"
        assert target.read_text(encoding="utf-8").startswith("Herlev Kommune")
        assert "Statistics – 16.11.2026–23.11.2026" in target.read_text(encoding="utf-8")
        said = notices(app)[-1]
        assert f"Saved to {target}." in said and "lp command is missing" in said

        # Again, to a PDF and without the printer: the dialog remembers the folder.
        await pilot.press("f6")
        await settle(pilot)
        app.screen.query_one("#print-format", Select).value = "pdf"
        app.screen.query_one("#print-lp", Checkbox).value = False
        await settle(pilot)
        assert app.screen.query_one("#print-path").value == str(
            tmp_path / "out" / "stats-2026-11-16_2026-11-23.pdf"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (tmp_path / "out" / "stats-2026-11-16_2026-11-23.pdf").read_bytes()[:4] == b"%PDF"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "today"


async def test_followups_for_one_consultant(make_app, tui_database: Database) -> None:
    build_phase1(tui_database)
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    async with app.run_test(size=(120, 45)) as pilot:
        await open_reports(pilot)
        screen = app.screen
        screen.query_one("#report-kind", Select).value = "followups"
        await settle(pilot)
        assert screen.query_one("#report-consultant").display
        await type_into(pilot, "#report-consultant", "cd")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.doc.title == "Follow-ups due – CD"
        assert "Sofie Åberg" in screen_text(app)


async def test_a_consultant_has_no_reports(make_app, tui_database: Database) -> None:
    app = make_app(user="ab", roles="consultant", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(pilot)
        assert app.screen.id == "today"


async def test_a_path_that_cannot_be_written_is_refused_at_the_field(
    make_app, tui_database: Database, tmp_path: Path
) -> None:
    build_phase1(tui_database)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    async with app.run_test(size=(120, 45)) as pilot:
        await open_reports(pilot)
        await pilot.press("f6")
        await settle(pilot)
        app.screen.query_one(Checkbox).value = False
        target = blocker / "daily.pdf"  # under a file: no folder can be made there
        await type_into(pilot, "#print-path", str(target))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "print-dialog"  # kept open, the path there to correct
        said = str(app.screen.query_one("#print-error").render())
        assert f"Cannot write {target}" in said
        assert app.focused is app.screen.query_one("#print-path")
    assert not target.exists()


async def test_paging_through_the_days_reads_one_report_at_a_time_and_shows_the_last(
    make_app, tui_database: Database, monkeypatch
) -> None:
    """F7 held down while a report is still being read: the read under way finishes, the days
    passed over are never read, and the last one asked for is shown (a year's statistics
    reading in five threads at once would take every CPU from the desks)."""
    from jobbutik.tui.screens import reports

    build_phase1(tui_database)
    app = make_app(user="sup", lang="en", now=PHASE1_NOW, today=D23)
    real = reports.read_report
    slow = threading.Event()
    slow.set()
    lock = threading.Lock()
    running: list[int] = [0]
    most: list[int] = [0]
    read: list[str] = []

    def observed(ctx, request):  # type: ignore[no-untyped-def]
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            assert slow.wait(30)
            read.append(request.start.isoformat())
            return real(ctx, request)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(reports, "read_report", observed)
    async with app.run_test(size=(120, 45)) as pilot:
        await open_reports(pilot)
        screen = app.screen
        assert screen.doc.period == "23.11.2026"
        read.clear()
        slow.clear()  # the next read takes its time
        for _ in range(5):
            await pilot.press("f7")
        slow.set()
        await settle(pilot)
        assert screen.doc.period == "16.11.2026"  # five working days before
        assert "Daily list – 16.11.2026" in screen_text(app)
        # The day under way when F7 came again (the first, unless the desk was quicker still)
        # and the last one asked for.
        assert len(read) <= 2 and read[-1] == "2026-11-16", read
        assert most[0] == 1

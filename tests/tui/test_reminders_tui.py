"""Follow-up reminders at the desk: the header's counts follow other desks without a key, the start
notice is shown once, and a supervisor hears of an absent consultant's overdue follow-ups."""

from __future__ import annotations

from datetime import timedelta

from factories import TODAY, add_staff, add_visited, make_ctx
from helpers import notices, screen_text, settle, start, wait_until
from reminder_helpers import FRIDAY, add_follow_up

from jobbutik.services import followups, reminders


def header(app: object) -> str:
    return screen_text(app).splitlines()[0]


async def test_the_header_counts_follow_another_desks_recording(make_app, tui_database) -> None:
    db = tui_database
    citizen, _visit = add_visited(db, "0101901234", "Jens Møller", consultant="kon")
    first = add_follow_up(db, citizen, "kon", TODAY)
    add_follow_up(db, citizen, "kon", TODAY)
    add_follow_up(db, citizen, "kon", FRIDAY)
    other_desk = make_ctx(db, "hm", roles="consultant")
    app = make_app(user="kon", roles="consultant", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await wait_until(pilot, lambda: "Ctrl+F: 2 today · 1 overdue" in header(app))
        followups.record_outcome(other_desk, first, followups.CV_DONE)
        await wait_until(pilot, lambda: "Ctrl+F: 1 today · 1 overdue" in header(app))
        await pilot.press("f3")  # every screen's header shows them
        await settle(pilot)
        assert "Ctrl+F: 1 today · 1 overdue" in header(app)
        await pilot.press("ctrl+f")  # the key the header names opens them
        await settle(pilot)
        assert app.current_mode == "follow_ups"


async def test_the_header_fits_80_columns(make_app, tui_database) -> None:
    db = tui_database
    citizen, _visit = add_visited(db, consultant="kon")
    add_follow_up(db, citizen, "kon", TODAY)
    add_follow_up(db, citizen, "kon", FRIDAY)
    app = make_app(user="kon", roles="consultant", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        await wait_until(pilot, lambda: "Ctrl+F: 1 today · 1 overdue" in header(app))


async def test_the_start_notice_is_shown_once(make_app, tui_database) -> None:
    db = tui_database
    citizen, _visit = add_visited(db, "0101901234", "Jens Møller", consultant="kon")
    add_follow_up(db, citizen, "kon", TODAY)
    add_follow_up(db, citizen, "kon", FRIDAY - timedelta(days=1))
    app = make_app(user="kon", roles="consultant", lang="en")

    def told() -> list[str]:
        return [n for n in notices(app) if "follow-ups are due" in n]

    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await wait_until(pilot, told)
        assert told() == [
            "2 follow-ups are due (1 today, 1 overdue). Oldest: CV deadline, 010190-XXXX Jens, "
            "2 working days overdue. Ctrl+F opens them."
        ]
        for key in ("f3", "ctrl+f", "f4", "ctrl+f"):
            await pilot.press(key)
            await settle(pilot)
        assert len(told()) == 1
        assert "0101901234" not in "".join(notices(app))


async def test_reception_sees_no_follow_up_counts(make_app, tui_database) -> None:
    db = tui_database
    citizen, _visit = add_visited(db, consultant="kon")
    add_follow_up(db, citizen, "kon", TODAY)
    app = make_app(user="rec", roles="reception", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert "Ctrl+F:" not in header(app)
        assert not [n for n in notices(app) if "follow-up" in n]


async def test_an_absent_consultants_overdue_reach_the_supervisor(make_app, tui_database) -> None:
    db = tui_database
    citizen, _visit = add_visited(db, consultant="kon")
    add_staff(db, "hm", "consultant")
    add_follow_up(db, citizen, "hm", FRIDAY)
    add_follow_up(db, citizen, "hm", FRIDAY - timedelta(days=1))
    add_follow_up(db, citizen, "kon", FRIDAY)
    reminders.start_summary(make_ctx(db, "kon", roles="consultant"))  # kon's desk is open
    app = make_app(user="boss", roles="supervisor", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await wait_until(pilot, lambda: any("no desk open today" in n for n in notices(app)))
        told = [n for n in notices(app) if "no desk open today" in n]
        assert told == [
            "Overdue follow-ups of consultants with no desk open today: hm: 2 since "
            "19.11.2026. Reassign them in Follow-ups (Ctrl+F)."
        ]


async def test_new_counts_while_a_header_is_still_composing(make_app, tui_database) -> None:
    """The poll's counts can arrive while a screen is being put up, its header there but not yet
    its title (the crash a full test run met): that header shows the counts once composed."""
    from textual.widgets import Header
    from textual.widgets._header import HeaderTitle

    app = make_app(user="kon", roles="consultant", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        late = Header()
        app.screen.mount(late)  # not awaited: in the screen, its title not composed yet
        app.reminders._show(reminders.DueCounts(today=3, overdue=0))
        await settle(pilot)
        assert "Ctrl+F: 3 today" in str(late.query_one(HeaderTitle).render())
        assert "Ctrl+F: 3 today" in header(app)

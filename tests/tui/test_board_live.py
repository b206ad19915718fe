"""The Today board, live: other desks' arrivals and claims show without a key; the cursor stays;
next waiting; finished rows hidden; bookings for another day; no-show with care; 80×24."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from factories import NOW, TODAY, make_ctx, on_day
from helpers import notices, screen_text, settle, start, wait_until
from sqlmodel import select

from jobbutik.domain.errors import DatabaseBusy, ValidationError
from jobbutik.services import arrivals, claims, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.store.models import AuditEntry, Request

PEOPLE = {
    "0101901234": "Jens Møller",
    "0202902345": "Ane Berg",
    "0303903456": "Ali Hassan",
    "0404904567": "Sofie Holm",
}


def register(ctx: ServiceContext, cpr: str, **kw: Any) -> int:
    form = ArrivalForm(
        cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=PEOPLE[cpr]), **kw
    )
    return arrivals.register_arrival(ctx, form).request_id


async def until(pilot: Any, seen: Any) -> None:
    """Wait, without pressing a key, until `seen()` holds."""
    await wait_until(pilot, seen, what="the other desk's change")


def names(app: Any) -> list[str]:
    return [r.name for r in app.today_screen.shown_rows]


async def test_another_desks_arrivals_and_claims_show_without_a_key(make_app, tui_database) -> None:
    reception = make_ctx(tui_database, "rec", roles="reception")
    hm = make_ctx(tui_database, "hm", roles="consultant")
    first = register(reception, "0101901234")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert names(app) == ["Jens Møller"]
        register(on_day(reception, NOW + timedelta(minutes=2)), "0202902345")
        await pilot.press("down")  # nothing to move to yet: the cursor stays on Jens
        await until(pilot, lambda: len(app.today_screen.rows) == 2)
        assert app.today_screen.selected.name == "Jens Møller"  # the cursor stayed
        assert "2 arrivals today, 2 waiting." in screen_text(app)
        visitation.start(on_day(hm, NOW + timedelta(minutes=14)), first)
        await until(pilot, lambda: app.today_screen.rows[0].claimed_by == "hm")
        text = screen_text(app)
        assert "In conversation" in text and "hm 09:14" in text
        assert "2 arrivals today, 1 waiting." in text
        await pilot.press("f6")  # another desk has it: told who, not opened
        await settle(pilot)
        assert app.screen.id == "today"
        assert notices(app)[-1] == "hm has the citizen in conversation since 09:14."


async def test_a_conversation_claimed_meanwhile_is_not_opened(make_app, tui_database) -> None:
    hm = make_ctx(tui_database, "hm", roles="consultant")
    request_id = register(hm, "0101901234")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        visitation.start(hm, request_id)  # before this board's next poll
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.id == "today"
        assert notices(app)[-1] == "hm has the citizen in conversation since 09:00."
    assert tui_database.read(lambda s: s.get(Request, request_id)).claimed_by == "hm"


async def test_a_claim_whose_desk_went_silent_is_released_by_the_board(
    make_app, tui_database
) -> None:
    hm = make_ctx(tui_database, "hm", roles="consultant", now=NOW - timedelta(minutes=11))
    request_id = register(hm, "0101901234")
    visitation.start(hm, request_id)  # 11 minutes ago, never heard of since
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await until(pilot, lambda: app.today_screen.rows[0].status == "waiting")
        assert "1 waiting" in screen_text(app)
    audit = tui_database.read(lambda s: s.exec(select(AuditEntry.detail)).all())
    assert "stale claim of hm released" in audit


async def test_next_waiting_and_hiding_finished_rows(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    ids = [register(ctx, cpr) for cpr in PEOPLE]
    arrivals.set_status(ctx, ids[1], "no_show")
    visitation.start(ctx, ids[2])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        board = app.today_screen
        assert board.selected.name == "Jens Møller"
        await pilot.press("n")  # past the no-show and the conversation
        assert board.selected.name == "Sofie Holm"
        await pilot.press("n")  # from the top again
        assert board.selected.name == "Jens Møller"
        await pilot.press("down")
        assert board.selected.name == "Ane Berg"
        await pilot.press("h")
        await settle(pilot)
        assert names(app) == ["Jens Møller", "Ali Hassan", "Sofie Holm"]
        assert "1 finished row hidden (H shows it)." in screen_text(app)
        # The choice holds across refreshes (another desk's change).
        arrivals.set_status(ctx, ids[3], "no_show")
        await until(pilot, lambda: len(board.shown_rows) == 2)
        await pilot.press("h")
        await settle(pilot)
        assert len(board.shown_rows) == 4


async def test_a_booking_for_another_day_shows_as_booked(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    register(ctx, "0101901234", slot_date=TODAY + timedelta(days=1))
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        text = screen_text(app)
        assert "1 arrival today, 0 waiting." in text
        jens = next(line for line in text.splitlines() if "Jens Møller" in line)
        assert "booked for 24.11" in jens and "Waiting" not in jens


async def test_no_show_asks_first_and_is_undone_the_same_day(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    request_id = register(ctx, "0101901234")
    app = make_app(lang="en")

    def stored() -> Request:
        return tui_database.read(lambda s: s.get(Request, request_id))

    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f7")
        await settle(pilot)
        text = screen_text(app)
        assert "Mark Jens Møller as no-show?" in text
        assert "Stated reason" in text and "empty: no reason given" in text
        await pilot.press(*"Bussen kom ikke")
        await pilot.press("escape")  # changed their mind: nothing is saved
        await settle(pilot)
        assert app.screen.id == "today" and stored().status == "waiting"
        await pilot.press("f7")  # asked again, with what was typed
        await settle(pilot)
        assert app.screen.query_one("#stated_reason").value == "Bussen kom ikke"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert (stored().status, stored().no_show_reason) == ("no_show", "Bussen kom ikke")
        assert "f7 Undo no-show" in screen_text(app)
        await pilot.press("f7")  # undo: no question, the citizen came after all
        await settle(pilot)
        assert stored().status == "waiting"
    details = tui_database.read(
        lambda s: s.exec(select(AuditEntry.detail).where(AuditEntry.entity == "request")).all()
    )
    assert [d for d in details if d] == ["no_show", "waiting"]


async def test_a_supervisor_releases_a_claim_after_asking(make_app, tui_database) -> None:
    hm = make_ctx(tui_database, "hm", roles="consultant")
    request_id = register(hm, "0101901234")
    visitation.start(hm, request_id)
    consultant = make_app(user="jk", roles="consultant", lang="en")
    async with consultant.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert consultant.today_screen.check_action("release_claim", ()) is False  # not shown
    boss = make_app(user="boss", roles="supervisor", lang="en")
    async with boss.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert "Release hm's conversation with Jens Møller?" in screen_text(boss)
        await pilot.press("y")
        await settle(pilot)
        assert boss.today_screen.rows[0].status == "waiting"
    row = tui_database.read(lambda s: s.get(Request, request_id))
    assert (row.status, row.claimed_by) == ("waiting", None)


async def test_the_board_fits_80_by_24(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    hm = make_ctx(tui_database, "hm", roles="consultant")
    register(ctx, "0101901234")
    visitation.start(hm, register(ctx, "0202902345"))
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "CPR" in line)
        for column in ("Arrived", "Waiting", "CPR", "Name", "Status", "With"):
            assert column in header, column
        assert "Benefit" not in header  # dropped at this width
        jens = next(line for line in lines if "Jens Møller" in line)
        assert "010190-XXXX" in jens and "Waiting" in jens
        ane = next(line for line in lines if "Ane Berg" in line)
        assert "In conversation" in ane and "hm 09:00" in ane
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        header = next(line for line in screen_text(app).splitlines() if "CPR" in line)
        assert "Benefit" in header and "Age" in header
        assert app.today_screen.selected.name == "Jens Møller"


async def test_a_resize_keeps_the_cursor_on_the_selected_row(make_app, tui_database) -> None:
    ctx = make_ctx(tui_database, "ab")
    for cpr in PEOPLE:
        register(ctx, cpr)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("down", "down")
        assert app.today_screen.selected.name == "Ali Hassan"
        await pilot.resize_terminal(100, 40)  # age and benefit go
        await settle(pilot)
        assert "Benefit" not in screen_text(app)
        assert app.today_screen.selected.name == "Ali Hassan"
        await pilot.resize_terminal(90, 40)  # only the name column narrows
        await settle(pilot)
        assert app.today_screen.selected.name == "Ali Hassan"


async def test_a_failed_first_read_is_tried_again_by_the_board(
    make_app, tui_database, monkeypatch
) -> None:
    register(make_ctx(tui_database, "ab"), "0101901234")
    real = arrivals.board

    def busy(*args: Any) -> Any:
        raise DatabaseBusy("The database is busy.")

    monkeypatch.setattr(arrivals, "board", busy)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        shown = await start(pilot, expect_errors=(DatabaseBusy,))
        assert shown and {str(e) for e in shown} == {"The database is busy."}
        assert notices(app)[-1] == "The database is busy."
        assert "The database is busy." in screen_text(app)
        monkeypatch.setattr(arrivals, "board", real)  # the database is back
        # A retry by the poll that read the board before it was back may still fail.
        await settle(pilot, expect_errors=(DatabaseBusy,))
        await until(pilot, lambda: names(app) == ["Jens Møller"])
        assert "1 arrival today, 1 waiting." in screen_text(app)


async def test_a_request_left_open_from_an_earlier_day_shows_with_its_day(
    make_app, tui_database
) -> None:
    friday = on_day(make_ctx(tui_database, "ab"), NOW - timedelta(days=3))
    register(friday, "0101901234")
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        jens = next(line for line in screen_text(app).splitlines() if "Jens Møller" in line)
        assert "20.11" in jens and "Waiting" in jens and "min" not in jens
        await pilot.press("f7", "ctrl+s")  # resolved here: the no-show stays, undoable
        await settle(pilot)
        assert app.today_screen.rows[0].status == "no_show"
        assert "f7 Undo no-show" in screen_text(app)


async def test_a_claim_that_changed_hands_after_confirming_is_not_released(
    make_app, tui_database
) -> None:
    hm = make_ctx(tui_database, "hm", roles="consultant")
    jk = make_ctx(tui_database, "jk", roles="consultant")
    request_id = register(hm, "0101901234")
    visitation.start(hm, request_id)
    boss = make_app(user="boss", roles="supervisor", lang="en")
    async with boss.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert "Release hm's conversation with Jens Møller?" in screen_text(boss)
        claims.release(hm, request_id)  # while the question is open: hm lets go, jk starts
        visitation.start(on_day(jk, NOW + timedelta(minutes=1)), request_id)
        await pilot.press("y")
        shown = await settle(pilot, expect_errors=(ValidationError,))
        refusal = (
            "Nothing was released: the conversation is no longer the one you confirmed "
            "(it ended or another desk has it now)."
        )
        assert [str(e) for e in shown] == [refusal]
        assert notices(boss)[-1] == refusal
        assert boss.today_screen.rows[0].claimed_by == "jk"  # the board shows who has it now
    row = tui_database.read(lambda s: s.get(Request, request_id))
    assert (row.status, row.claimed_by) == ("in_conversation", "jk")


async def test_a_no_show_with_no_reason_stated_stores_none(make_app, tui_database) -> None:
    """Empty means the citizen gave no reason: stored empty, in Danish too."""
    request_id = register(make_ctx(tui_database, "ab"), "0202902345")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert "Markér Ane Berg som udeblevet?" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.today_screen.rows[0].status == "no_show"
    stored = tui_database.read(lambda s: s.get(Request, request_id))
    assert (stored.status, stored.no_show_reason) == ("no_show", "")

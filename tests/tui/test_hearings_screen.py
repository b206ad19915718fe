"""Partshøringer, keys only: an outcome that flags a possible sanction says so with the day it must
be decided by (or why there is no flag); the list shows it due first; the partshøring is marked
sent and the decision recorded; reception never reaches the list."""

from __future__ import annotations

from datetime import date
from typing import Any

from factories import add_company, add_opening, at, make_ctx, on_day
from helpers import field_error, notices, screen_text, settle, start
from sqlmodel import select
from test_followups import YOUNG, YOUTH_FACTS, visit

from jobbutik.domain.errors import PermissionDenied
from jobbutik.services import arrivals, followups
from jobbutik.services.arrivals import ArrivalForm
from jobbutik.store.db import Database
from jobbutik.store.models import FollowUp, Hearing
from jobbutik.tui.screens.confirm import ConfirmModal

JENS, METTE = "0101901234", "0202851236"
# The Tuesday before Easter 2026: the referral's apply-by day is Friday 27 March.
REFERRED = date(2026, 3, 24)
# After Easter: the referral's follow-up is due (Easter Monday 6 April is no working day).
AFTER_EASTER = date(2026, 4, 14)


def hearings(db: Database) -> list[Hearing]:
    return db.read(lambda s: list(s.exec(select(Hearing).order_by(Hearing.id)).all()))  # type: ignore[arg-type]


def referred(
    db: Database, cpr: str = JENS, name: str = "Jens Møller", consultant: str = "kon", **kw: Any
) -> None:
    """`cpr` visited by `consultant` on REFERRED and referred to one job of its own company."""
    ctx = on_day(make_ctx(db, consultant, roles="consultant"), at(REFERRED))
    company = add_company(db, f"Firma {name}", seed=int(cpr[:6]))
    visit(ctx, cpr, name, openings=(add_opening(db, company),), **kw)


async def record_did_not_apply(pilot: Any) -> Any:
    """On the Follow-ups list: the referral's outcome "did not apply – reason not given"."""
    await pilot.press("ctrl+f")
    await settle(pilot)
    screen = pilot.app.screen
    assert screen.id == "followups"
    referral = next(i for i, r in enumerate(screen.rows) if r.kind == "referral")
    screen.query_one("#followups").move_cursor(row=referral)
    await pilot.press("enter")
    await settle(pilot)
    assert "Did not apply – reason not given" in screen_text(pilot.app)
    await pilot.press("6", "ctrl+s")
    await settle(pilot)
    assert pilot.app.screen is screen
    return screen


async def test_a_raised_flag_is_listed_sent_and_decided(make_app, tui_database: Database) -> None:
    referred(tui_database)
    app = make_app(
        user="kon", roles="consultant", lang="en", now=at(AFTER_EASTER), today=AFTER_EASTER
    )
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        followups_screen = await record_did_not_apply(pilot)
        # April, May and June are the three whole months after 27 March.
        assert (
            "Jens Møller: Did not apply – reason not given recorded.  ⚠ Possible-sanction flag "
            "raised: a partshøring is to be held; decide by 30.06.2026."
        ) in followups_screen.last_result
        assert "Partshøringer" in screen_text(app)  # the key in the footer
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.id == "hearings"
        text = screen_text(app)
        assert "1 open partshøring (yours), 0 overdue. Due first." in text
        line = next(line for line in text.splitlines() if "Jens Møller" in line)
        for shown in ("30.06.2026", "010190-XXXX", "Did not apply – reason not given",
                      "Jobparat", "27.03.2026", "Awaiting partshøring"):  # fmt: skip
            assert shown in line, (shown, line)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question == "Mark the partshøring to Jens Møller as sent today?"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "Partshøring sent 14.04.2026" in screen_text(app)
        assert any(
            "Partshøring to Jens Møller marked as sent; decide by 30.06.2026." in n
            for n in notices(app)
        )
        await pilot.press("f7")
        await settle(pilot)
        assert app.screen.id == "decide-form"
        await pilot.press("ctrl+s")  # nothing chosen: refused at the field
        await settle(pilot)
        assert field_error(pilot, "decision") == "Choose the decision: sanction or no sanction."
        await pilot.press("down", "space")  # ingen sanktion
        await pilot.press("tab", *"Borgeren var syg")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.rows == []
        assert "No open partshøringer (yours)." in screen_text(app)
        assert any("Jens Møller: No sanction recorded." in n for n in notices(app))
        await pilot.press("escape")  # back to the follow-ups
        await settle(pilot)
        assert app.screen is followups_screen
    [hearing] = hearings(tui_database)
    assert (hearing.status, hearing.sent_on, hearing.decision, hearing.note) == (
        "decided",
        AFTER_EASTER,
        "no_sanction",
        "Borgeren var syg",
    )


async def test_a_flag_raised_in_error_is_closed_with_no_sanction_before_it_is_sent(
    make_app, tui_database: Database
) -> None:
    """F7 on a flag still awaiting partshøring: a sanktion is refused at the field (it must
    follow the partshøring); ingen sanktion closes it."""
    flag_for(tui_database, JENS, "Jens Møller", "kon")
    app = make_app(
        user="kon", roles="consultant", lang="en", now=at(AFTER_EASTER), today=AFTER_EASTER
    )
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.id == "hearings"
        assert "Awaiting partshøring" in screen_text(app)
        await pilot.press("f7")
        await settle(pilot)
        assert app.screen.id == "decide-form"
        assert "Awaiting partshøring" in screen_text(app)
        await pilot.press("space", "ctrl+s")  # sanktion
        await settle(pilot)
        assert app.screen.id == "decide-form"
        assert field_error(pilot, "decision") == (
            "Send the partshøring first: a sanction can only follow the citizen's chance to answer."
        )
        await pilot.press("down", "space")  # ingen sanktion
        await pilot.press("tab", *"Havde søgt, fejl")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.rows == []
        assert any("Jens Møller: No sanction recorded." in n for n in notices(app))
    [hearing] = hearings(tui_database)
    assert (hearing.status, hearing.sent_on, hearing.decision, hearing.note) == (
        "decided",
        None,
        "no_sanction",
        "Havde søgt, fejl",
    )


async def test_did_not_apply_for_an_uddannelsesparat_citizen_says_no_flag(
    make_app, tui_database: Database
) -> None:
    referred(
        tui_database, YOUNG, "Ida Holm", category="uddannelsesparat", facts=YOUTH_FACTS,
        guidance=True, override_reason="Har søgt ind på SOSU-skolen, mangler afklaring",
    )  # fmt: skip
    app = make_app(
        user="kon", roles="consultant", lang="en", now=at(AFTER_EASTER), today=AFTER_EASTER
    )
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        screen = await record_did_not_apply(pilot)
        assert screen.last_result == (
            "Ida Holm: Did not apply – reason not given recorded.  "
            "Uddannelsesparat carries no duty to apply for jobs: no possible-sanction flag."
        )
        assert "⚠" not in screen.last_result
    assert hearings(tui_database) == []


async def test_a_refused_offer_is_offered_and_flags(make_app, tui_database: Database) -> None:
    referred(tui_database)
    app = make_app(
        user="kon", roles="consultant", lang="en", now=at(AFTER_EASTER), today=AFTER_EASTER
    )
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        referral = next(i for i, r in enumerate(screen.rows) if r.kind == "referral")
        screen.query_one("#followups").move_cursor(row=referral)
        await pilot.press("enter")
        await settle(pilot)
        assert "7  Refused a job offer" in screen_text(app)
        await pilot.press("7", "ctrl+s")
        await settle(pilot)
        assert "Jens Møller: Refused a job offer recorded." in screen.last_result
        # Refused on the day it is recorded: May, June and July are the three whole months.
        assert "⚠ Possible-sanction flag raised" in screen.last_result
        assert "decide by 31.07.2026." in screen.last_result
    [hearing] = hearings(tui_database)
    assert (hearing.event, hearing.status) == ("refused_offer", "awaiting")


def flag_for(db: Database, cpr: str, name: str, consultant: str) -> None:
    """A hearing for `cpr`, assigned to `consultant`: did not apply after the referral."""
    referred(db, cpr, name, consultant)
    ctx = make_ctx(db, consultant, roles="consultant")
    follow_up = db.read(
        lambda s: s.exec(
            select(FollowUp).where(FollowUp.kind == "referral", FollowUp.done_at == None)  # noqa: E711
        ).first()
    )
    followups.record_outcome(on_day(ctx, at(AFTER_EASTER)), follow_up.id, "not_applied_no_reason")


async def test_a_supervisor_sees_everyones_overdue_and_narrows_to_own(
    make_app, tui_database: Database
) -> None:
    flag_for(tui_database, JENS, "Jens Møller", "kon")
    flag_for(tui_database, METTE, "Mette Hansen", "lis")
    app = make_app(user="chef", roles="supervisor", lang="en")  # 23 November 2026: overdue
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert [(r.name, r.assignee) for r in screen.rows] == [
            ("Jens Møller", "kon"),
            ("Mette Hansen", "lis"),
        ]
        text = screen_text(app)
        assert "2 open partshøringer (everyone's), 2 overdue." in text
        assert all(
            "overdue" in line for line in text.splitlines() if "Møller" in line or "Hansen" in line
        )
        await pilot.press("m")  # the supervisor's own: none
        await settle(pilot)
        assert screen.rows == []
        assert "No open partshøringer (yours)." in screen_text(app)


async def test_a_consultant_sees_only_their_own(make_app, tui_database: Database) -> None:
    flag_for(tui_database, JENS, "Jens Møller", "kon")
    flag_for(tui_database, METTE, "Mette Hansen", "lis")
    app = make_app(user="kon", roles="consultant", lang="en")
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "Partshøringer" in [c.title for c in app.available_commands(app.screen)]
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert [r.name for r in screen.rows] == ["Jens Møller"]
        assert "Mine/everyone" not in screen_text(app)
        await pilot.press("m")  # not theirs to use
        await settle(pilot)
        assert [r.name for r in screen.rows] == ["Jens Møller"]


async def test_reception_never_reaches_the_list(make_app, tui_database: Database) -> None:
    from jobbutik.tui.screens.hearings import HearingsScreen

    flag_for(tui_database, JENS, "Jens Møller", "kon")
    app = make_app(user="rec", roles="reception", lang="en")
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        assert "Partshøringer" not in [c.title for c in app.available_commands(app.screen)]
        assert "Partshøringer" not in screen_text(app)
        await pilot.press("ctrl+f")  # the way to it does nothing for reception
        await settle(pilot)
        assert app.screen.id == "today" and app.current_mode == "today"
        # Opened by any other way, the service refuses and the list stays empty.
        app.push_screen(HearingsScreen())
        [refused] = await settle(pilot, expect_errors=(PermissionDenied,))
        assert str(refused) == (
            "rec may not do this (See possible sanctions and partshøringer): ask a supervisor "
            "or admin."
        )
        assert app.screen.rows == []
        assert "Jens Møller" not in screen_text(app)


async def test_a_no_show_with_a_stated_reason_reaches_the_partshoering(
    make_app, tui_database: Database
) -> None:
    """A jobparat citizen who does not come to the job conversation: the reason typed at the
    board goes with the flag, and the decision form shows it."""
    kon = make_ctx(tui_database, "kon", roles="consultant")
    visit(on_day(kon, at(date(2026, 11, 9))), JENS, "Jens Møller")
    arrivals.register_arrival(kon, ArrivalForm(cpr=JENS, benefit="kontanthjaelp"))
    app = make_app(user="kon", roles="consultant", lang="en")
    async with app.run_test(size=(180, 40)) as pilot:
        await start(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press(*"Syg barn", "ctrl+s")
        await settle(pilot)
        assert app.today_screen.rows[0].status == "no_show"
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert "Did not come to the job conversation" in screen_text(app)
        await pilot.press("f6", "y")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert "Stated reason: Syg barn" in screen_text(app)
    [hearing] = hearings(tui_database)
    assert (hearing.event, hearing.stated_reason) == ("no_show_conversation", "Syg barn")

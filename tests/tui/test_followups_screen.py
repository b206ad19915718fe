"""The Follow-ups screen, keys only: every outcome recorded with a digit and Ctrl+S, the next
follow-up it creates, the possible-sanction flag with the day to decide by, the interview date,
bulk reassignment."""

from __future__ import annotations

from datetime import date
from typing import Any

from factories import add_company, add_opening, add_site, add_staff, at, make_ctx, on_day
from helpers import field_error, notices, screen_text, settle, start
from sqlmodel import select
from test_followups import YOUTH_FACTS, visit

from jobbutik.domain.dates import format_day
from jobbutik.store.db import Database
from jobbutik.store.models import Activation, AuditEntry, Citizen, FollowUp, Hearing
from jobbutik.tui.screens.confirm import ConfirmModal

JENS, METTE, ALI, LISE, PETER = (
    "0101901234",
    "0202851236",
    "1505702341",
    "2011993452",
    "0303801234",
)


def follow_ups(db: Database) -> list[FollowUp]:
    return db.read(lambda s: list(s.exec(select(FollowUp).order_by(FollowUp.id)).all()))


def build_everything_due(db: Database) -> None:
    """On 23.11.2026 every kind of follow-up is due or overdue for user `ab`."""
    ctx = make_ctx(db, "ab")
    site = add_site(db, seats=10)
    company = add_company(db)
    jobs = tuple(add_opening(db, company, f"Job {n}") for n in range(1, 7))
    summer = on_day(ctx, at(date(2026, 8, 17)))
    visit(
        summer,
        LISE,
        "Lise Kjær",
        site=site,
        category="uddannelsesparat",  # provisional: the final visitation is followed up
        override_reason="Har optagelse på SOSU-skolen til sommer",
        facts=YOUTH_FACTS,
        guidance=True,
    )
    visit(summer, PETER, "Peter Hansen", site=site)
    november = on_day(ctx, at(date(2026, 11, 2)))
    visit(november, METTE, "Mette Hansen", site=site)
    visit(november, ALI, "Ali Hassan", site=site)
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", site=site, openings=jobs)


# What to record, per citizen and kind, in the order the rows come up (digits pick outcomes).
PLAN = {
    ("Lise Kjær", "Activation start"): ["1"],  # started (uddannelsesparat: no CV deadline)
    ("Lise Kjær", "Nytteindsats period"): ["1"],  # continues
    ("Lise Kjær", "Final visitation"): ["1"],  # finally visited
    ("Peter Hansen", "Activation start"): ["1"],
    ("Peter Hansen", "CV on Jobnet"): ["1"],
    ("Peter Hansen", "Nytteindsats period"): ["2"],  # ended (in a job: see ENDED_IN)
    ("Mette Hansen", "Activation start"): ["2"],  # did not show
    ("Mette Hansen", "CV on Jobnet"): ["2"],  # cv missing
    ("Ali Hassan", "Activation start"): ["3"],  # ended early (in education)
    ("Ali Hassan", "CV on Jobnet"): ["1"],
    ("Jens Møller", "Activation start"): ["1"],
    # Six referrals: applied, interview, hired, rejected, not applied with / reason not given.
    ("Jens Møller", "Referral"): ["1", "2", "3", "4", "5", "6"],
}
# What an ending activation ended in, picked in the list that opens for it: the keys to press.
ENDED_IN = {"Peter Hansen": ["space"], "Ali Hassan": ["down", "space"]}


async def test_every_outcome_by_keys(make_app, tui_database: Database) -> None:
    build_everything_due(tui_database)
    app = make_app(lang="en")
    results: list[str] = []
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert app.screen.id == "followups"
        screen = app.screen
        assert len(screen.rows) == 17
        # Overdue first, oldest first; today's last.
        assert [r.due for r in screen.rows] == sorted(r.due for r in screen.rows)
        assert screen.rows[0].overdue and not screen.rows[-1].overdue
        text = screen_text(app)
        assert "17 follow-ups (yours), 9 overdue" in text
        assert "Activation start" in text and "Final visitation" in text
        plan = {key: list(digits) for key, digits in PLAN.items()}
        while screen.rows:
            row = screen.current
            assert row is not None
            digit = plan[(row.name, _kind(row.kind))].pop(0)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.id == "outcome-form"
            await pilot.press(digit)
            await settle(pilot)
            if row.kind == "referral" and digit == "2":
                await pilot.press(*"27.11.2026")  # the interview date: the field has focus
            if (row.kind, digit) in {("activation_start", "3"), ("nytteindsats_end", "2")}:
                await pilot.press("ctrl+s")  # not said what it ended in: refused at the field
                await settle(pilot)
                assert field_error(pilot, "result") == (
                    "Choose what the activation ended in: job, education or stopped."
                )
                await pilot.press(*ENDED_IN[row.name])  # the list has focus
            await pilot.press("ctrl+s")
            await settle(pilot)
            if row.kind == "referral" and digit == "3":  # hired: close the other referrals?
                # Three not yet recorded, and the next ones after "applied" and "interview".
                assert isinstance(app.screen, ConfirmModal)
                assert app.screen.question == "Close 5 other referral follow-ups for Jens Møller?"
                await pilot.press("n")  # kept: their own outcomes are recorded below
                await settle(pilot)
            assert app.screen.id == "followups", screen_text(app)
            results.append(screen.last_result)
        assert all(not digits for digits in plan.values())
        assert "Nothing due (yours)." in screen_text(app)
    by_text = "\n".join(results)
    # The next follow-up each outcome created is shown when it is recorded.
    assert "Jens Møller: Applied recorded.  Next follow-up: 07.12.2026." in by_text
    assert "Jens Møller: Interview recorded.  Next follow-up: 30.11.2026." in by_text
    # A hire is asked about again months later.
    assert "Jens Møller: Hired recorded.  “Still in work?” follow-up: " in by_text
    assert "Mette Hansen: CV still missing recorded.  Next follow-up: 26.11.2026." in by_text
    # The sanction flags: a partshøring to hold by its day, never a decision. Jobparat carries the
    # duties to attend activation, have a CV on Jobnet and apply for the jobs referred to.
    flagged_by = (
        "recorded.  ⚠ Possible-sanction flag raised: a partshøring is to be held; decide by"
    )
    assert f"Mette Hansen: Did not show {flagged_by}" in by_text
    assert "Mette Hansen: CV still missing recorded.  Next follow-up: 26.11.2026.  ⚠" in by_text
    assert f"Jens Møller: Did not apply – reason not given {flagged_by}" in by_text
    assert by_text.count("⚠") == 3
    raised = tui_database.read(lambda s: list(s.exec(select(Hearing)).all()))
    assert sorted(h.event for h in raised) == ["absent_activation", "cv_missing", "not_applied"]
    assert all(f"decide by {format_day(h.due)}." in by_text for h in raised)
    # The day comes with the saved outcome: no one read the list of partshøringer.
    read_lists = tui_database.read(
        lambda s: list(s.exec(select(AuditEntry).where(AuditEntry.entity == "hearing_list")).all())
    )
    assert read_lists == []
    rows = follow_ups(tui_database)
    done = {(f.kind, f.outcome) for f in rows if f.done_at is not None}
    assert {o for _k, o in done} >= {
        "applied", "interview", "hired", "rejected", "not_applied_good_reason",
        "not_applied_no_reason", "started", "did_not_show", "ended_early", "cv_done",
        "cv_missing", "reviewed", "continues", "ended",
    }  # fmt: skip
    flagged = sorted(f.outcome for f in rows if f.sanction_flag)
    assert flagged == ["cv_missing", "did_not_show", "not_applied_no_reason"]
    open_ones = sorted((f.kind, f.due) for f in rows if f.done_at is None)
    assert ("referral", date(2026, 12, 7)) in open_ones  # after "applied"
    assert ("referral", date(2026, 11, 30)) in open_ones  # after the interview on 27.11
    assert ("cv_deadline", date(2026, 11, 26)) in open_ones  # CV still missing
    # What each activation ended in; Jens was hired, so his ended in a job.
    ended = {
        name: outcome for name, outcome in activation_outcomes(tui_database) if outcome is not None
    }
    assert ended == {
        "Peter Hansen": "employed",
        "Ali Hassan": "education",
        "Jens Møller": "employed",
    }


def activation_outcomes(db: Database) -> list[tuple[str, str | None]]:
    return db.read(
        lambda s: list(
            s.exec(
                select(Citizen.name, Activation.outcome).join(
                    Citizen, Citizen.id == Activation.citizen_id
                )
            ).all()
        )
    )


async def choose_consultant(pilot: Any, initials: str) -> None:
    """In the consultant form: open the list, arrow down to `initials`, pick it and save."""
    await pilot.press("space")  # open the list (Enter moves on, as in every field)
    await settle(pilot)
    options = [str(o) for o in pilot.app.screen.query_one("#assignee")._options]
    wanted = next(i for i, o in enumerate(options) if initials in o)
    for _ in range(wanted):
        await pilot.press("down")
    await pilot.press("enter", "ctrl+s")
    await settle(pilot)


def _kind(kind: str) -> str:
    return {
        "referral": "Referral",
        "cv_deadline": "CV on Jobnet",
        "activation_start": "Activation start",
        "category_review": "Final visitation",
        "nytteindsats_end": "Nytteindsats period",
    }[kind]


async def test_interview_needs_its_date_and_escape_keeps_the_input(
    make_app, tui_database: Database
) -> None:
    ctx = make_ctx(tui_database, "ab")
    opening = add_opening(tui_database, add_company(tui_database))
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", openings=(opening,))
    app = make_app(lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        [row] = [r for r in app.screen.rows if r.kind == "referral"]
        app.screen.query_one("#followups").move_cursor(row=app.screen.rows.index(row))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("2")  # interview: the date field appears
        await settle(pilot)
        await pilot.press("ctrl+s")  # no date
        await settle(pilot)
        assert app.screen.id == "outcome-form"
        assert field_error(pilot, "interview_on") == "Give the interview date (today or later)."
        await pilot.press(*"20.11.2026", "ctrl+s")  # in the past: the service says so
        await settle(pilot)
        assert app.screen.id == "outcome-form"
        assert field_error(pilot, "interview_on") == "Give the interview date (today or later)."
        await pilot.press("tab", *"Ringer igen")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "followups"
        await pilot.press("enter")
        await settle(pilot)
        # Reopened with what was typed.
        assert app.screen.query_one("#interview_on").value == "20.11.2026"
        assert app.screen.query_one("#note").value == "Ringer igen"
    [referral_follow_up] = [f for f in follow_ups(tui_database) if f.kind == "referral"]
    assert referral_follow_up.done_at is None  # nothing saved


async def test_danish_sanction_notice(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", site=add_site(tui_database))
    app = make_app()  # Danish
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "Opfølgning" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("2")  # udeblev: may raise a flag, said before saving
        await settle(pilot)
        assert "⚠" in screen_text(app) and "partshøring" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Udeblev" in app.screen.last_result
        assert "⚠" in app.screen.last_result and "partshøring" in app.screen.last_result


async def test_supervisor_reassigns_several_at_once(make_app, tui_database: Database) -> None:
    consultant = make_ctx(tui_database, "kon", roles="consultant")
    add_staff(tui_database, "lis", "consultant", "Lis Lund")
    add_staff(tui_database, "rec", "reception")
    site = add_site(tui_database)
    opening = add_opening(tui_database, add_company(tui_database))
    visit(on_day(consultant, at(date(2026, 11, 9))), JENS, "Jens Møller", site=site,
          openings=(opening,))  # fmt: skip
    visit(on_day(consultant, at(date(2026, 11, 9))), METTE, "Mette Hansen", site=site)
    app = make_app(user="chef", roles="supervisor", lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        assert screen.rows == []  # the supervisor's own list is empty
        await pilot.press("m")  # everyone's
        await settle(pilot)
        assert [r.assignee for r in screen.rows] == ["kon", "kon", "kon"]
        await pilot.press("space", "space")  # select the first two (the cursor moves on)
        await settle(pilot)
        assert len(screen.selected_ids) == 2
        await pilot.press("f7")
        await settle(pilot)
        assert app.screen.id == "reassign-form"
        text = screen_text(app)
        assert "2 follow-ups selected" in text
        assert "REC" not in text  # reception does no follow-ups
        await pilot.press("ctrl+s")  # nothing chosen yet
        await settle(pilot)
        assert field_error(pilot, "assignee") == "Choose the consultant to take them over."
        await choose_consultant(pilot, "LIS")
        assert app.screen.id == "followups"
        assert sorted(r.assignee for r in screen.rows) == ["kon", "lis", "lis"]
        assert screen.selected_ids == set()
    moved = [
        f for f in follow_ups(tui_database) if f.done_at is None and f.due <= date(2026, 11, 23)
    ]
    assert len(moved) == 3


async def test_consultant_cannot_reassign(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "kon", roles="consultant")
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", site=add_site(tui_database))
    app = make_app(user="kon", roles="consultant", lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert len(app.screen.rows) == 1
        text = screen_text(app)
        assert "Reassign" not in text  # not in the footer
        await pilot.press("f7", "space")
        await settle(pilot)
        assert app.screen.id == "followups" and app.screen.selected_ids == set()


async def test_a_long_list_shows_the_first_rows_and_says_so(
    make_app, tui_database: Database, monkeypatch
) -> None:
    import jobbutik.tui.screens.followups as screen_module

    monkeypatch.setattr(screen_module, "SHOWN", 2)
    ctx = make_ctx(tui_database, "ab")
    site = add_site(tui_database)
    opening = add_opening(tui_database, add_company(tui_database))
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", site=site, openings=(opening,))
    visit(on_day(ctx, at(date(2026, 11, 9))), METTE, "Mette Hansen", site=site)
    app = make_app(lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        rows = app.screen.rows
        assert len(rows) == 2  # of three due
        assert [r.due for r in rows] == sorted(r.due for r in rows)
        assert "The first 2 follow-ups (yours) are shown, overdue first" in screen_text(app)


async def test_supervisor_shows_one_consultants_list(make_app, tui_database: Database) -> None:
    """Everyone's list may be longer than the screen shows: a supervisor picks the consultant
    who is away and sees (and can reassign) all of theirs."""
    consultant = make_ctx(tui_database, "kon", roles="consultant")
    other = make_ctx(tui_database, "lis", roles="consultant")
    site = add_site(tui_database, seats=10)
    visit(on_day(consultant, at(date(2026, 11, 9))), JENS, "Jens Møller", site=site)
    visit(on_day(other, at(date(2026, 11, 9))), METTE, "Mette Hansen", site=site)
    app = make_app(user="chef", roles="supervisor", lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.id == "followups-of-form"
        await pilot.press("ctrl+s")  # nobody chosen
        await settle(pilot)
        assert field_error(pilot, "assignee") == "Choose the consultant whose follow-ups to show."
        await choose_consultant(pilot, "LIS")
        assert app.screen is screen
        assert {r.assignee for r in screen.rows} == {"lis"}
        assert {r.name for r in screen.rows} == {"Mette Hansen"}
        assert "1 follow-up (LIS)" in screen_text(app), screen_text(app)
        await pilot.press("m")  # back to the supervisor's own list
        await settle(pilot)
        assert screen.rows == []


async def open_list(pilot: Any) -> Any:
    await start(pilot)
    await pilot.press("ctrl+f")
    await settle(pilot)
    assert pilot.app.screen.id == "followups"
    return pilot.app.screen


async def record(pilot: Any, digit: str) -> None:
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press(digit, "ctrl+s")
    await settle(pilot)


async def test_after_a_save_the_cursor_moves_to_the_next_row(
    make_app, tui_database: Database
) -> None:
    ctx = make_ctx(tui_database, "ab")
    company = add_company(tui_database)
    jobs = tuple(add_opening(tui_database, company, f"Job {n}") for n in range(1, 5))
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", openings=jobs)
    app = make_app(lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_list(pilot)
        table = screen.query_one("#followups")
        first, second, third, fourth = (r.id for r in screen.rows)
        await pilot.press("down")
        assert screen.current.id == second
        await record(pilot, "4")  # rejected
        assert [r.id for r in screen.rows] == [first, third, fourth]
        assert screen.current.id == third and table.cursor_row == 1  # not back at the top
        await pilot.press("down")
        await record(pilot, "4")  # the last row: the cursor is on the new last row
        assert [r.id for r in screen.rows] == [first, third]
        assert screen.current.id == third
        await pilot.press("f5")  # a refresh keeps it there
        await settle(pilot)
        assert screen.current.id == third


async def test_a_hire_offers_to_close_the_other_referral_follow_ups(
    make_app, tui_database: Database
) -> None:
    ctx = make_ctx(tui_database, "ab")
    company = add_company(tui_database)
    jobs = tuple(add_opening(tui_database, company, t) for t in ("Kok", "Tjener", "Opvasker"))
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", openings=jobs)
    visit(on_day(ctx, at(date(2026, 11, 9))), METTE, "Mette Hansen", openings=jobs[:1])
    app = make_app(lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_list(pilot)
        jens = [r for r in screen.rows if r.name == "Jens Møller"]
        assert [r.subject.split(",")[0] for r in jens] == ["Kok", "Tjener", "Opvasker"]
        screen.query_one("#followups").move_cursor(row=screen.rows.index(jens[1]))
        await record(pilot, "3")  # Tjener: hired
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question == "Close 2 other referral follow-ups for Jens Møller?"
        text = screen_text(app)
        assert "Close 2 other referral follow-ups" in text
        assert "Kok, Netto Herlev, due 23.11.2026" in text
        assert "Opvasker, Netto Herlev" in text
        assert "marked “Closed: hired elsewhere”" in text
        await pilot.press("enter")  # the safe default: No
        await settle(pilot)
        assert app.screen is screen
        assert [r.name for r in screen.rows].count("Jens Møller") == 2  # kept
        # Asked again on the next hire, answered Yes this time.
        screen.query_one("#followups").move_cursor(
            row=next(i for i, r in enumerate(screen.rows) if r.name == "Jens Møller")
        )
        await record(pilot, "3")
        assert app.screen.question == "Close 1 other referral follow-up for Jens Møller?"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert [r.name for r in screen.rows] == ["Mette Hansen"]  # hers are not touched
        assert any("1 referral follow-up for Jens Møller closed." in n for n in notices(app))
    outcomes = sorted((f.outcome or "") for f in follow_ups(tui_database) if f.kind == "referral")
    assert outcomes == ["", "hired", "hired", "hired_elsewhere"]


async def test_closing_after_a_hire_in_danish(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    company = add_company(tui_database)
    jobs = tuple(add_opening(tui_database, company, t) for t in ("Kok", "Tjener"))
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", openings=jobs)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(pilot)
        await record(pilot, "3")
        assert app.screen.question == "Luk 1 anden opfølgning på en jobhenvisning for Jens Møller?"
        text = screen_text(app)
        assert "Lukket: ansat andetsteds" in text
        await pilot.press("j")
        await settle(pilot)
        assert app.screen.rows == []


async def test_many_other_referrals_fit_an_80x24_window(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    company = add_company(tui_database)
    jobs = tuple(add_opening(tui_database, company, f"Job {n}") for n in range(1, 10))
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", openings=jobs)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(pilot)
        await record(pilot, "3")
        assert app.screen.question == "Close 8 other referral follow-ups for Jens Møller?"
        text = screen_text(app)
        assert "Job 7, Netto Herlev" in text
        assert "… and 2 more." in text
        assert "Close them" in text and "Keep them" in text  # both buttons on screen


async def test_still_in_work_six_months_after_a_hire(make_app, tui_database: Database) -> None:
    from jobbutik.services import followups

    ctx = make_ctx(tui_database, "ab")
    opening = add_opening(tui_database, add_company(tui_database))
    visit(on_day(ctx, at(date(2026, 5, 11))), JENS, "Jens Møller", openings=(opening,))
    [referral] = [f for f in follow_ups(tui_database) if f.kind == "referral"]
    hired = followups.record_outcome(on_day(ctx, at(date(2026, 5, 22))), referral.id, "hired")
    assert hired.durability_due is not None and hired.durability_due <= date(2026, 11, 23)
    app = make_app(lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_list(pilot)
        [row] = [r for r in screen.rows if r.kind == "durability"]
        screen.query_one("#followups").move_cursor(row=screen.rows.index(row))
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Record outcome: Still in work?" in text
        assert "1  Still in work" in text and "2  No longer in work" in text
        await pilot.press("1", "ctrl+s")
        await settle(pilot)
        assert screen.last_result == "Jens Møller: Still in work recorded."
    [done] = [f for f in follow_ups(tui_database) if f.kind == "durability"]
    assert (done.outcome, done.sanction_flag) == ("still_in_work", False)

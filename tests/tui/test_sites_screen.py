"""Activation sites, keys only: seats left per day, a full site refused with a clear message when
booking a new start after a no-show, the site form with its checks."""

from __future__ import annotations

from datetime import date

from factories import add_site, at, make_ctx, on_day
from helpers import field_error, notices, screen_text, settle, start, type_into
from sqlmodel import select
from test_followups import visit

from jobbutik.domain.errors import CapacityFull
from jobbutik.store.db import Database
from jobbutik.store.models import Activation, ActivationSite

JENS, METTE = "0101901234", "0202851236"


def activations(db: Database) -> list[Activation]:
    return db.read(lambda s: list(s.exec(select(Activation).order_by(Activation.id)).all()))


async def test_capacity_view_shows_seats_left_per_day(make_app, tui_database: Database) -> None:
    ctx = make_ctx(tui_database, "ab")
    full = add_site(tui_database, "Materielgården", seats=1)
    add_site(tui_database, "Kantinen", seats=3, weekdays="0")
    visit(ctx, JENS, "Jens Møller", site=full)  # takes the only seat from tomorrow
    app = make_app(lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.screen.id == "sites"
        text = screen_text(app)
        assert "Seats left for a start 24.11.2026: Materielgården 0" in text
        assert "Tue 24.11" in text and "Mon 30.11" in text and "Sat" not in text
        assert "full" in text and "–" in text  # Kantinen starts people on Mondays only
        assert "Book start here" not in text  # not booking for anyone


async def test_booking_after_a_no_show_refuses_a_full_site(
    make_app, tui_database: Database
) -> None:
    ctx = make_ctx(tui_database, "ab")
    full = add_site(tui_database, "Materielgården", seats=1)
    add_site(tui_database, "Genbrugspladsen", seats=2)
    visit(on_day(ctx, at(date(2026, 11, 9))), JENS, "Jens Møller", site=full)
    app = make_app(lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        [row] = [r for r in app.screen.rows if r.kind == "activation_start"]
        assert row.name == "Jens Møller"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("2")  # did not show: the seat is free again from tomorrow
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Possible-sanction flag raised: a partshøring" in app.screen.last_result
        assert "F9 books a new start." in app.screen.last_result
        # Meanwhile Mette takes Materielgården's only seat at another desk.
        visit(ctx, METTE, "Mette Hansen", site=full)
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen.id == "sites"
        assert "Booking a new start for Jens Møller" in screen_text(app)
        assert [s.name for s in app.screen.view.sites] == ["Genbrugspladsen", "Materielgården"]
        await pilot.press("down")  # Materielgården, tomorrow (the cursor starts on the 24th)
        await settle(pilot)
        await pilot.press("enter")
        shown = await settle(pilot, expect_errors=(CapacityFull,))
        assert app.screen.id == "sites"  # refused: the desk stays where it was
        full = "Materielgården has no free seat from 24.11.2026: choose another site or date."
        assert [str(e) for e in shown] == [full]
        assert notices(app)[-1] == full
        status = app.screen.query_one("#sites-status")
        assert status.has_class("-refused")
        assert str(status.content) == full
        await pilot.press("up", "ctrl+s")  # Genbrugspladsen, tomorrow
        await settle(pilot)
        assert app.screen.id == "followups"
        assert any(
            "Jens Møller starts at Genbrugspladsen on 24.11.2026" in str(n.message)
            for n in app._notifications
        )
    planned = [
        (a.citizen_id, a.site_id) for a in activations(tui_database) if a.status == "planned"
    ]
    assert (row.citizen_id, full) not in planned
    assert len(planned) == 2  # Mette at Materielgården, Jens at Genbrugspladsen


async def test_supervisor_creates_a_site_with_checks(make_app, tui_database: Database) -> None:
    app = make_app(user="chef", roles="supervisor", lang="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert "No activation sites yet" in screen_text(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.id == "site-form"
        await pilot.press(*"Genbrugspladsen")
        await type_into(pilot, "#seats", "0")
        await type_into(pilot, "#hours", "15")
        await type_into(pilot, "#contact_email", "per")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "site-form"
        assert field_error(pilot, "seats") == "Must be a whole number from 1 to 500."
        assert field_error(pilot, "contact_email") == "E-mail must look like name@example.dk."
        await type_into(pilot, "#seats", "4")
        await type_into(pilot, "#contact_email", "per@herlev.dk")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "sites"
        assert "Genbrugspladsen 4" in screen_text(app)
    [site] = tui_database.read(lambda s: list(s.exec(select(ActivationSite)).all()))
    assert (site.name, site.seats, site.hours_per_week, site.start_weekdays) == (
        "Genbrugspladsen",
        4,
        15,
        "0,1,2,3,4",
    )


async def test_seats_below_those_taken_are_refused_at_the_field(
    make_app, tui_database: Database
) -> None:
    ctx = make_ctx(tui_database, "ab")
    site = add_site(tui_database, "Materielgården", seats=2)
    visit(ctx, JENS, "Jens Møller", site=site)
    visit(ctx, METTE, "Mette Hansen", site=site)
    app = make_app(lang="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.id == "site-form"
        assert app.screen.query_one("#name").value == "Materielgården"
        await type_into(pilot, "#seats", "1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "site-form"
        assert field_error(pilot, "seats") == (
            "2 seats are taken from today on: the site needs at least 2 seats."
        )
    assert tui_database.read(lambda s: s.get(ActivationSite, site)).seats == 2


async def test_supervisor_sets_the_sites_targets_in_per_cent(
    make_app, tui_database: Database
) -> None:
    site = add_site(tui_database, "Materielgården", seats=4)
    app = make_app(user="chef", roles="supervisor", lang="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.id == "site-form"
        assert app.screen.query_one("#target_job").value == ""  # no target yet
        await type_into(pilot, "#target_job", "120")
        await type_into(pilot, "#target_job_or_education", "4O")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "site-form"
        assert field_error(pilot, "target_job") == "A target is a share from 0 to 100 %."
        assert field_error(pilot, "target_job_or_education") == (
            "Type the target in per cent, e.g. 40."
        )
        # Job or education includes job: a lower target is refused by the save, at its field.
        await type_into(pilot, "#target_job", "40")
        await type_into(pilot, "#target_job_or_education", "35")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "site-form"
        assert field_error(pilot, "target_job_or_education") == (
            "The job-or-education target cannot be below the job target."
        )
        await type_into(pilot, "#target_job_or_education", "55,5 %")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "sites"
        saved = tui_database.read(lambda s: s.get(ActivationSite, site))
        assert (saved.target_employment_share, saved.target_job_or_education_share) == (
            0.4,
            0.555,
        )
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.query_one("#target_job").value == "40"
        assert app.screen.query_one("#target_job_or_education").value == "55.5"
        await type_into(pilot, "#target_job", "")  # emptied: no job target any more
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "sites"
    saved = tui_database.read(lambda s: s.get(ActivationSite, site))
    assert (saved.target_employment_share, saved.target_job_or_education_share) == (None, 0.555)

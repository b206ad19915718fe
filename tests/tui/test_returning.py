"""Returning citizens and questions not asked, keys only: the facts of the last visit come back
marked with its day; what nobody asked is stored as unknown (NULL), never as "no"; the youth
group's guidance and uddannelsespålæg are answered by the consultant, never ticked for them."""

from __future__ import annotations

from datetime import date

from factories import add_site, at, make_ctx, on_day
from helpers import field_error, screen_text, settle, start, type_into
from sqlmodel import func, select

from jobbutik.services import arrivals, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.visitation import ActivationChoice, Facts, VisitationPlan
from jobbutik.store.models import Visitation
from jobbutik.tui.widgets.toggles import YesNo

ADULT = "0101901234"  # 36 on 2026-11-23
YOUNG = "0101024234"  # 24: the category depends on the education


def arrive(ctx, cpr: str = ADULT, name: str = "Jens Møller") -> int:
    return arrivals.register_arrival(
        ctx, ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
    ).request_id


def visitations(db) -> list[Visitation]:
    return db.read(lambda s: list(s.exec(select(Visitation).order_by(Visitation.id)).all()))


def count_visitations(db) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(Visitation)).one())


async def open_conversation(pilot) -> None:
    await start(pilot)
    await pilot.press("f6")
    await settle(pilot)
    assert pilot.app.screen.id == "conversation"
    assert pilot.app.screen.start is not None


def answer(app, question: str) -> bool | None:
    return app.screen.query_one(f"#{question}", YesNo).answer


async def test_a_returning_citizen_starts_from_the_last_visit(make_app, tui_database) -> None:
    site = add_site(tui_database, "Materielgården", seats=5)
    earlier = on_day(make_ctx(tui_database, "ab"), at(date(2026, 11, 3)))
    first = arrive(earlier)
    visitation.start(earlier, first)
    told = Facts(
        has_qualifying_education=True,
        job_wishes="Lager",
        industries=("Lager", "Transport"),
        hours_wanted=30,
        driving_licence=False,
    )
    visitation.complete(
        earlier,
        VisitationPlan(
            first, told, "jobparat", activation=ActivationChoice(site, date(2026, 11, 4))
        ),
    )
    arrive(make_ctx(tui_database, "ab"))  # back three weeks later
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        assert "From the visit 03.11.2026" in screen_text(app)
        assert screen.query_one("#job_wishes").value == "Lager"
        assert screen.query_one("#industries").value == "Lager, Transport"
        assert screen.query_one("#hours_wanted").value == "30"
        assert answer(app, "has_qualifying_education") is True
        assert answer(app, "driving_licence") is False
        assert answer(app, "integration_programme") is None  # not asked then: not asked now
        # Editable: the licence is new since; the rest stands as told.
        await type_into(pilot, "#driving_licence", "")
        await pilot.press("left", "space")  # "Nej" → "Ja"
        await type_into(pilot, "#hours_wanted", "37")
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "down", "enter")  # a site
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
    latest = visitations(tui_database)[-1]
    assert (latest.has_qualifying_education, latest.driving_licence, latest.hours_wanted) == (
        True, True, 37,
    )  # fmt: skip
    assert latest.job_wishes == "Lager" and latest.integration_programme is None


async def test_questions_not_asked_are_stored_as_unknown(make_app, tui_database) -> None:
    add_site(tui_database, "Materielgården", seats=5)
    arrive(make_ctx(tui_database, "ab"))
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        assert "From the visit" not in screen_text(app)  # first visit: nothing to offer
        text = screen_text(app)
        assert text.count("(•) Not asked") == 3  # the default, shown without colour
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "down", "enter")  # a site
        screen.action_step(5)
        await settle(pilot)
        assert "erhvervskompetencegivende uddannelse not asked" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
    [saved] = visitations(tui_database)
    assert (saved.has_qualifying_education, saved.driving_licence) == (None, None)
    assert saved.integration_programme is None


async def test_a_young_citizens_education_is_asked_before_saving(make_app, tui_database) -> None:
    arrive(make_ctx(tui_database, "ab"), YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        screen.action_step(2)
        await settle(pilot)
        assert "Provisional proposal from the rules" in screen_text(app)
        assert "answer the questions in step 1" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is None
        assert screen.step == 1  # the questions are on step 1
        assert "erhvervskompetencegivende uddannelse" in field_error(
            pilot, "has_qualifying_education"
        )
        assert "integration programme" in field_error(pilot, "integration_programme")
        assert app.focused is screen.query_one("#has_qualifying_education")
        await pilot.press("right", "space")  # "Nej"
        screen.action_step(2)
        await settle(pilot)
        assert "Provisional proposal" in screen_text(app)  # the integration programme still
        screen.action_step(1)
        await settle(pilot)
        await type_into(pilot, "#integration_programme", "")
        await pilot.press("right", "space")  # "Nej": the youth groups apply
        screen.action_step(2)
        await settle(pilot)
        assert "Provisional proposal" not in screen_text(app)
        assert screen.classification_step.chosen_category() == "åbenlyst uddannelsesparat"
    assert count_visitations(tui_database) == 0


async def test_youth_group_questions_are_answered_not_ticked(make_app, tui_database) -> None:
    add_site(tui_database, "Materielgården", seats=5)
    arrive(make_ctx(tui_database, "ab"), YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await pilot.press("right", "space")  # no erhvervskompetencegivende uddannelse
        await type_into(pilot, "#integration_programme", "")
        await pilot.press("right", "space")  # not in the integration programme: youth group
        await pilot.press("ctrl+pagedown")
        await settle(pilot)
        assert screen.query_one("#youth").display
        assert (answer(app, "guidance"), answer(app, "injunction")) == (None, None)
        text = screen_text(app)
        assert "(•) Yes" not in text and "(•) No" not in text  # nothing chosen for them
        await pilot.press("ctrl+s")  # untouched: refused at the fields
        await settle(pilot)
        assert screen.result is None and screen.step == 2
        assert "education guidance" in field_error(pilot, "guidance")
        assert "injunction" in field_error(pilot, "injunction")
        assert app.focused is screen.query_one("#guidance")
        assert count_visitations(tui_database) == 0
        await pilot.press("space", "tab", "right", "space")  # guidance "Ja", no pålæg: "Nej"
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "enter")  # a site: straksaktivering for the young too
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
    [saved] = visitations(tui_database)
    assert (saved.youth_track, saved.guidance_referred, saved.injunction_given) == (
        True, True, False,
    )  # fmt: skip
    assert (saved.has_qualifying_education, saved.integration_programme) == (False, False)
    assert (saved.injunction_goal, saved.injunction_deadline) == ("", None)

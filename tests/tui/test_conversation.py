"""The visitation conversation, keys only: adult, youth track, exemption, withdrawal, errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from factories import add_company, add_opening, add_site, make_ctx, on_day
from helpers import field_error, notices, screen_text, settle, start, type_into
from sqlmodel import func, select

from jobbutik.domain.errors import CapacityFull, FormErrors, ValidationError
from jobbutik.services import arrivals, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.visitation import ActivationChoice, Facts, VisitationPlan
from jobbutik.store.models import Activation, FollowUp, Referral, Request, Visitation, Withdrawal

ADULT = "0101901234"  # 36 on 2026-11-23
YOUNG = "0101024234"  # born 2002: 24, youth track


def rows(db, model) -> list:
    return db.read(lambda s: list(s.exec(select(model)).all()))


def count(db, model) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def seeded(tui_database):
    """Two sites, three openings, one waiting citizen; returns ids."""
    ctx = make_ctx(tui_database, "ab")
    ids = {
        "course": add_site(tui_database, "Afklaringsforløb", kind="course", seats=1),
        "site": add_site(tui_database, "Materielgården", seats=5),
        "company": add_company(tui_database),
    }
    ids["shop"] = add_opening(tui_database, ids["company"], "Butiksassistent", industry="Detail")
    ids["store"] = add_opening(
        tui_database, ids["company"], "Lagerarbejder", industry="Lager", hours=37
    )
    ids["driver"] = add_opening(tui_database, ids["company"], "Chauffør", licence=True)
    ids["ctx"] = ctx
    return ids


def arrive(ctx, cpr: str = ADULT, name: str = "Jens Møller") -> int:
    return arrivals.register_arrival(
        ctx, ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
    ).request_id


async def open_conversation(pilot) -> None:
    await start(pilot)
    await pilot.press("f6")
    await settle(pilot)
    assert pilot.app.screen.id == "conversation"
    assert pilot.app.screen.start is not None


async def next_step(pilot) -> None:
    await pilot.press("ctrl+pagedown")
    await settle(pilot)


async def test_adult_jobparat_with_activation_and_two_referrals(
    make_app, tui_database, seeded, monkeypatch, tmp_path
) -> None:
    from jobbutik.reports import printing

    monkeypatch.setattr(printing.shutil, "which", lambda _name: None)  # no printer here
    request_id = arrive(seeded["ctx"])
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        # 1 facts: erhvervskompetencegivende uddannelse, wishes, industries, hours, skånehensyn.
        await pilot.press("space", "tab", *"Butik eller lager", "tab", *"Detail, Lager")
        await pilot.press("tab", *"30", "tab", *"Ingen tunge løft")
        await next_step(pilot)
        # 2 classification: the rules propose jobparat, already chosen.
        assert screen.step == 2
        assert "Reglernes forslag: Jobparat" in screen_text(app)
        assert screen.classification_step.chosen_category() == "jobparat"
        await next_step(pilot)
        # 3 activation: start date defaults to the next working day; pick Materielgården.
        assert screen.query_one("#start_date").value == "24.11.2026"
        await pilot.press("tab")  # to the list of sites with a free seat
        assert app.focused is screen.query_one("#sites")
        await pilot.press("down", "enter")
        assert screen.activation_step.site_id == seeded["site"]
        await next_step(pilot)
        # 4 referrals: ranked by fit; choose the first two, then the CV help.
        titles = [m.title for m in screen.referrals_step.matches.values()]
        # The licence was not asked: the driver's job is not sunk for it (0 points, "ask"), and
        # with the wished industry and fitting hours it ranks above the warehouse job.
        assert titles == ["Butiksassistent", "Chauffør", "Lagerarbejder"]
        await pilot.press("space", "down", "space", "tab", "space")
        await next_step(pilot)
        text = screen_text(app)
        assert "Materielgården" in text and "Butiksassistent" in text
        # 5: the written guidance on rights and duties, never ticked for the consultant.
        assert app.focused is screen.query_one("#rights_guidance")
        assert not screen.query_one("#rights_guidance").value
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
        assert "Gemt" in screen_text(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Ikke udskrevet: Der kan ikke udskrives" in notices(app)[-1]
        [pdf] = (tui_database.path.parent / "receipts").glob("*.pdf")
        text = pdf.with_suffix(".txt").read_text(encoding="utf-8")
        assert "Materielgården" in text and "010190-XXXX" in text
        assert "0101901234" not in text and "010190-1234" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "today"
        assert app.today_screen.rows[0].status == "done"
    [saved] = rows(tui_database, Visitation)
    assert (saved.category, saved.has_qualifying_education, saved.hours_wanted) == (
        "jobparat",
        True,
        30,
    )
    assert saved.industries == "Detail,Lager" and saved.restrictions == "Ingen tunge løft"
    assert saved.help_cv and not saved.help_email
    assert saved.rights_guidance_given
    [activation] = rows(tui_database, Activation)
    assert (activation.site_id, activation.start_date) == (seeded["site"], date(2026, 11, 24))
    referrals = rows(tui_database, Referral)
    assert {r.opening_id for r in referrals} == {seeded["shop"], seeded["driver"]}
    assert {(r.apply_by, r.follow_up_on) for r in referrals} == {
        (date(2026, 11, 26), date(2026, 12, 7))
    }
    assert tui_database.read(lambda s: s.get(Request, request_id)).status == "done"


async def answer(pilot, question: str, yes: bool) -> None:
    """Answer a yes/no question (Ja, Nej, …) with the keys: down and Space until it says so."""
    await type_into(pilot, f"#{question}", "")
    field = pilot.app.screen.query_one(f"#{question}")
    for _ in range(3):
        await pilot.press("down", "space")
        if field.answer is yes:
            return
    raise AssertionError(f"{question} could not be answered {yes}")


async def youth_facts(pilot, integration: bool = False) -> None:
    """Step 1 for a young citizen: no erhvervskompetencegivende uddannelse, the integration
    programme asked."""
    await answer(pilot, "has_qualifying_education", False)
    await answer(pilot, "integration_programme", integration)


def offered(screen) -> list[str]:
    """The categories the radio set shows (the others are hidden and cannot be reached)."""
    buttons = screen.query_one("#category").query("RadioButton")
    return [str(b.label) for b in buttons if b.display and not b.disabled]


async def test_youth_group_gets_guidance_pålæg_and_straksaktivering(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        assert "First henvendelse: 23.11.2026" in screen_text(app)
        assert "Erhvervskompetencegivende uddannelse" in screen_text(app)
        assert "Vocational or higher education counts" in screen_text(app)
        await youth_facts(pilot)
        await next_step(pilot)
        text = screen_text(app)
        assert "Proposal from the rules: Åbenlyst uddannelsesparat" in text
        assert "uddannelsespålæg" in text and "uddannelsesvejledning" in text
        assert screen.query_one("#youth").display
        # Asked, never answered in advance; the goal and deadline only once a pålæg is given.
        assert screen.query_one("#guidance").answer is None
        assert screen.query_one("#injunction").answer is None
        assert not screen.query_one("#injunction-details").display
        await type_into(pilot, "#guidance", "")
        await pilot.press("space", "tab", "space")  # guidance and pålæg: yes, both asked
        await settle(pilot)
        assert screen.query_one("#injunction-details").display
        await pilot.press("tab", *"Pædagogisk assistent", "tab", *"31.03.2027")
        await pilot.press("ctrl+s")  # young people get straksaktivering too
        shown = await settle(pilot, expect_errors=(FormErrors,))
        need = "Choose a site or course for immediate activation, or an exemption with a reason."
        assert [str(e) for e in shown] == [need]
        assert screen.step == 3
        assert field_error(pilot, "activation") == need
        assert "Young people get straksaktivering too" in screen_text(app)
        assert app.focused is screen.query_one("#sites")
        await pilot.press("down", "enter")  # a site
        screen.action_step(5)
        await settle(pilot)
        text = screen_text(app)
        assert "Education goal: Pædagogisk assistent; deadline 31.03.2027" in text
        assert "Provisional uddannelsesparat" not in text  # åbenlyst: no final visitation
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
    [saved] = rows(tui_database, Visitation)
    assert saved.category == "åbenlyst uddannelsesparat"
    assert (saved.youth_track, saved.guidance_referred, saved.injunction_given) == (
        True,
        True,
        True,
    )
    assert (saved.injunction_goal, saved.injunction_deadline) == (
        "Pædagogisk assistent",
        date(2027, 3, 31),
    )
    assert not saved.rights_guidance_given
    [activation] = rows(tui_database, Activation)
    assert activation.site_id == seeded["site"]


async def test_a_young_person_is_offered_only_the_youth_categories(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await youth_facts(pilot)
        await next_step(pilot)
        assert offered(screen) == [
            "Åbenlyst uddannelsesparat",
            "Uddannelsesparat",
            "Aktivitetsparat",
        ]
        # The arrow keys go round the three; jobparat cannot be reached.
        await type_into(pilot, "#category", "")
        chosen = []
        for _ in range(4):
            await pilot.press("down", "space")
            chosen.append(screen.classification_step.chosen_category())
        assert chosen == [
            "uddannelsesparat",
            "aktivitetsparat",
            "åbenlyst uddannelsesparat",
            "uddannelsesparat",
        ]
        # A young uddannelsesparat is so provisionally: the final visitation is three months
        # from the first henvendelse (23.11.2026 → 23.02.2027), with no box to tick.
        assert not screen.query("#provisional").filter("Checkbox")
        assert "Provisional uddannelsesparat: final visitation by 23.02.2027" in screen_text(app)
        await pilot.press("down", "space")  # aktivitetsparat: a reason by law (bek. § 6 stk. 2)
        assert "Provisional uddannelsesparat" not in screen_text(app)
        assert "written reason is required" in screen_text(app)
        assert screen.query_one("#youth").display  # guidance and pålæg for aktivitetsparat too


async def test_a_35_year_old_is_offered_only_jobparat_and_aktivitetsparat(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], "0101911234", "Mads Holm")  # 35 on 23.11.2026
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await next_step(pilot)
        assert offered(screen) == ["Jobparat", "Aktivitetsparat"]
        assert not screen.query_one("#youth").display
        await type_into(pilot, "#category", "")
        chosen = []
        for _ in range(3):
            await pilot.press("down", "space")
            chosen.append(screen.classification_step.chosen_category())
        assert chosen == ["aktivitetsparat", "jobparat", "aktivitetsparat"]


async def test_the_integration_programme_switches_the_categories_offered(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await youth_facts(pilot)
        await next_step(pilot)
        await type_into(pilot, "#category", "")
        await pilot.press("down", "space")
        assert screen.classification_step.chosen_category() == "uddannelsesparat"
        await pilot.press("ctrl+pageup")
        await settle(pilot)
        await answer(pilot, "integration_programme", True)
        await next_step(pilot)
        # Out of the youth groups: the chosen category left with them; the proposal stands.
        assert offered(screen) == ["Jobparat", "Aktivitetsparat"]
        assert screen.classification_step.chosen_category() == "jobparat"
        assert "In the integration programme: the youth groups do not apply." in screen_text(app)
        assert not screen.query_one("#youth").display
        await pilot.press("ctrl+pageup")
        await settle(pilot)
        await answer(pilot, "integration_programme", False)
        await next_step(pilot)
        assert offered(screen)[0] == "Åbenlyst uddannelsesparat"
        assert screen.classification_step.chosen_category() == "åbenlyst uddannelsesparat"


async def test_a_pålæg_without_goal_or_deadline_is_refused_at_its_fields(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await youth_facts(pilot)
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "down", "enter")  # a site
        screen.action_step(2)
        await settle(pilot)
        await type_into(pilot, "#guidance", "")
        await pilot.press("right", "space", "tab", "space")  # guidance: no; pålæg: yes
        await pilot.press("ctrl+s")
        shown = await settle(pilot, expect_errors=(FormErrors,))
        goal = "Write the education goal of the uddannelsespålæg."
        deadline = "Give the deadline of the uddannelsespålæg."
        assert [str(e) for e in shown] == [f"{goal} {deadline}"]
        assert screen.step == 2
        assert field_error(pilot, "injunction_goal") == goal
        assert field_error(pilot, "injunction_deadline") == deadline
        assert count(tui_database, Visitation) == 0
        # A deadline that is no date is refused here, before the service is asked.
        await type_into(pilot, "#injunction_goal", "Tømrer")
        await type_into(pilot, "#injunction_deadline", "31.02.2027")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(pilot, "injunction_deadline").startswith("31.02.2027 is not a date")
        assert field_error(pilot, "injunction_goal") == ""
        # The day itself is not after today: refused too (24.12.2026: a closed day, no matter).
        await type_into(pilot, "#injunction_deadline", "23.11.2026")
        await pilot.press("ctrl+s")
        shown = await settle(pilot, expect_errors=(FormErrors,))
        after = "The deadline of the uddannelsespålæg must be after today."
        assert [str(e) for e in shown] == [after]
        assert field_error(pilot, "injunction_deadline") == after
        assert count(tui_database, Visitation) == 0
        await type_into(pilot, "#injunction_deadline", "23.11.2027")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
    [saved] = rows(tui_database, Visitation)
    assert (saved.guidance_referred, saved.injunction_given, saved.injunction_goal) == (
        False,
        True,
        "Tømrer",
    )
    assert saved.injunction_deadline == date(2027, 11, 23)


async def test_under_the_2027_rules_no_pålæg_is_asked(make_app, tui_database, seeded) -> None:
    from jobbutik.domain.clock import LOCAL_TZ

    monday = datetime(2027, 1, 4, 9, 0, tzinfo=LOCAL_TZ)  # the first working day of 2027
    arrive(on_day(seeded["ctx"], monday), YOUNG, "Sofie Hansen")
    app = make_app(lang="en", now=monday, today=monday.date())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await next_step(pilot)
        text = screen_text(app)
        # Young people come under the same rules as others: no youth groups, no pålæg.
        assert offered(screen) == ["Jobparat", "Aktivitetsparat"]
        assert screen.classification_step.chosen_category() == "jobparat"
        assert "pålæg" not in text.lower()
        assert not screen.query("#injunction")
        assert not screen.query_one("#youth").display
        screen.action_step(5)
        await settle(pilot)
        assert "pålæg" not in screen_text(app).lower()


async def test_exemption_needs_a_written_reason(make_app, tui_database, seeded) -> None:
    arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        screen.action_step(3)
        await settle(pilot)
        await type_into(pilot, "#exempt", "")
        await pilot.press("space", "tab", *"Syg")
        await pilot.press("ctrl+s")
        shown = await settle(pilot, expect_errors=(FormErrors,))
        assert screen.result is None
        assert screen.step == 3
        reason = (
            "An exemption from immediate activation needs a written reason (at least 10 "
            "characters)."
        )
        assert [str(e) for e in shown] == [reason]
        assert field_error(pilot, "exemption_reason") == reason
        assert screen.query_one("#exemption_reason").value == "Syg"  # nothing typed is lost
        assert count(tui_database, Visitation) == 0
        await pilot.press(*"emeldt med lægeerklæring til og med fredag")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
    [saved] = rows(tui_database, Visitation)
    assert saved.activation_exempt
    assert saved.exemption_reason == "Sygemeldt med lægeerklæring til og med fredag"


async def test_override_without_reason_is_refused_at_the_field(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await type_into(pilot, "#job_wishes", "Kontor")
        await next_step(pilot)
        await type_into(pilot, "#category", "")
        await pilot.press("down", "space")  # aktivitetsparat
        assert screen.classification_step.chosen_category() == "aktivitetsparat"
        assert "written reason is required" in screen_text(app)
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "down", "enter")  # a site
        await pilot.press("ctrl+s")
        shown = await settle(pilot, expect_errors=(FormErrors,))
        assert screen.step == 2
        reason = "The rules propose jobparat: choosing aktivitetsparat needs a written reason."
        assert [str(e) for e in shown] == [reason]
        assert field_error(pilot, "override_reason") == reason
        assert app.focused is screen.query_one("#override_reason")
        assert screen.query_one("#job_wishes").value == "Kontor"
        assert screen.activation_step.site_id == seeded["site"]
    assert count(tui_database, Visitation) == 0


async def test_a_site_that_filled_up_is_refused_and_nothing_saved(
    make_app, tui_database, seeded
) -> None:
    ctx = seeded["ctx"]
    arrive(ctx)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "enter")  # the course: one free seat
        assert screen.activation_step.site_id == seeded["course"]
        # Meanwhile another desk gives the last seat away.
        other = arrive(ctx, "0202851234", "Anna Berg")
        visitation.start(ctx, other)
        visitation.complete(
            ctx,
            VisitationPlan(
                request_id=other,
                facts=Facts(),
                category="jobparat",
                activation=ActivationChoice(seeded["course"], date(2026, 11, 24)),
            ),
        )
        await pilot.press("ctrl+s")
        shown = await settle(pilot, expect_errors=(CapacityFull,))
        assert screen.result is None
        assert screen.step == 3
        full = "Afklaringsforløb has no free seat from 24.11.2026: choose another site or date."
        assert [str(e) for e in shown] == [full]
        assert notices(app)[-1] == full
        assert field_error(pilot, "activation") == full
        # The list, read again for the date, no longer offers the full course.
        await type_into(pilot, "#start_date", "24.11.2026")
        await settle(pilot)
        assert [s.site_id for s in screen.activation_step.sites] == [seeded["site"]]
    assert count(tui_database, Visitation) == 1  # only the other desk's


async def test_withdrawal_from_the_conversation(make_app, tui_database, seeded) -> None:
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen.id == "withdraw"
        await pilot.press("ctrl+s")  # no reason chosen
        await settle(pilot)
        assert "Choose why" in field_error(pilot, "reason")
        await pilot.press("space", "tab", *"Fastansat hos Netto fra mandag", "ctrl+s")
        await settle(pilot)
        assert app.screen.id == "today"
        assert app.today_screen.rows[0].status == "withdrawn"
    [withdrawal] = rows(tui_database, Withdrawal)
    assert (withdrawal.request_id, withdrawal.reason, withdrawal.note) == (
        request_id,
        "job",
        "Fastansat hos Netto fra mandag",
    )
    assert count(tui_database, Visitation) == 0


async def test_escape_keeps_the_conversation_for_later(make_app, tui_database, seeded) -> None:
    arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await pilot.press("tab", *"Butik", "tab", *"Detail")
        screen = app.screen
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "down", "enter")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "today"
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.id == "conversation"
        assert screen.step == 3
        assert screen.query_one("#job_wishes").value == "Butik"
        assert screen.query_one("#industries").value == "Detail"
        assert screen.activation_step.site_id == seeded["site"]
    assert count(tui_database, FollowUp) == 0


async def test_bad_hours_and_start_date_are_explained_and_kept(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await type_into(pilot, "#hours_wanted", "ab")
        screen.action_step(3)
        await settle(pilot)
        await pilot.press("tab", "down", "enter")  # a site
        await type_into(pilot, "#start_date", "31.02.2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is None
        assert screen.step == 1  # the first step with a problem
        assert field_error(pilot, "hours_wanted") == "Hours wanted must be a whole number."
        assert field_error(pilot, "start_date") == (
            "31.02.2026 is not a date: write it as DD.MM.YYYY, like 02.12.2026, or as DD.MM "
            "for this year."
        )
        assert screen.query_one("#hours_wanted").value == "ab"
        assert screen.query_one("#start_date").value == "31.02.2026"
    assert count(tui_database, Visitation) == 0


async def test_a_kept_draft_keeps_the_category_chosen_against_the_proposal(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await next_step(pilot)
        await type_into(pilot, "#category", "")
        await pilot.press("down", "space", "tab", *"Lang sygemelding")  # aktivitetsparat
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.step == 2
        # The rules still propose jobparat; the consultant's choice and reason stand.
        assert screen.classification_step.proposal.category == "jobparat"
        assert screen.classification_step.chosen_category() == "aktivitetsparat"
        assert screen.query_one("#override_reason").value == "Lang sygemelding"
        assert "written reason is required" in screen_text(app)
        screen.action_step(5)
        await settle(pilot)
        assert "Category: Aktivitetsparat (proposed: Jobparat)" in screen_text(app)


async def test_a_qualifying_education_ends_the_youth_track_at_once(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await next_step(pilot)
        assert screen.classification_step.chosen_category() == "åbenlyst uddannelsesparat"
        assert screen.query_one("#youth").display
        await pilot.press(
            "ctrl+pageup", "space"
        )  # step 1: has an erhvervskompetencegivende uddannelse
        # The rules answer on the spot (no database): the proposal and the choice follow.
        assert screen.classification_step.proposal.category == "jobparat"
        await next_step(pilot)
        assert screen.classification_step.chosen_category() == "jobparat"
        assert not screen.query_one("#youth").display
        assert "Proposal from the rules: Jobparat" in screen_text(app)
        await next_step(pilot)
        assert "a site or course is optional" not in screen_text(app)


async def test_typed_site_names_and_an_unwritable_receipt_folder(
    make_app, tui_database, seeded
) -> None:
    from jobbutik.store.models import ActivationSite

    def rename(session) -> None:
        site = session.get(ActivationSite, seeded["site"])
        site.name, site.provider = "Byg [/] Anlæg", "[b]Kommunen"

    tui_database.write(rename)
    (tui_database.path.parent / "receipts").write_text("")  # a file where the folder goes
    arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await next_step(pilot)
        await next_step(pilot)
        text = screen_text(app)  # 3 activation: the names as typed, not read as markup
        assert "Byg [/] Anlæg" in text and "[b]Kommunen" in text
        await pilot.press("tab", "down", "enter")
        assert screen.activation_step.site_id == seeded["site"]
        await next_step(pilot)
        await next_step(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None
        await pilot.press("ctrl+r")
        shown = await settle(pilot, expect_errors=(ValidationError,))
        refusal = (
            "The receipt could not be saved: File exists "
            f"({tui_database.path.parent / 'receipts'}). The conversation itself is saved."
        )
        assert [str(e) for e in shown] == [refusal]
        assert notices(app)[-1] == refusal
    assert count(tui_database, Visitation) == 1


async def test_a_kept_draft_keeps_the_pålæg_and_the_written_guidance(
    make_app, tui_database, seeded
) -> None:
    arrive(seeded["ctx"], YOUNG, "Sofie Hansen")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await youth_facts(pilot)
        await next_step(pilot)
        await type_into(pilot, "#category", "")
        await pilot.press("down", "space")  # uddannelsesparat
        await type_into(pilot, "#guidance", "")
        await pilot.press("space", "tab", "space", "tab", *"Smed", "tab", *"24.12.2027")
        app.screen.action_step(5)
        await settle(pilot)
        await pilot.press("space")  # the written guidance handed over
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.step == 5
        assert screen.query_one("#rights_guidance").value
        c = screen.classification_step.classification()
        assert (c.category, c.guidance, c.injunction) == ("uddannelsesparat", True, True)
        assert (c.injunction_goal, c.injunction_deadline) == ("Smed", date(2027, 12, 24))
        assert screen.facts_step.facts().integration_programme is False
        text = screen_text(app)
        assert "Provisional uddannelsesparat: final visitation by 23.02.2027" in text
        assert "Education goal: Smed; deadline 24.12.2027" in text
        screen.action_step(2)
        await settle(pilot)
        assert screen.query_one("#injunction-details").display

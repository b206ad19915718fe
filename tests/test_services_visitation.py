"""The visitation conversation saved whole: classification, activation, referrals, follow-ups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import RULES, TODAY, add_company, add_opening, add_site, at, make_ctx
from sqlmodel import Session, func, select

from jobbutik.domain.errors import CapacityFull, FormErrors, ValidationError
from jobbutik.services import arrivals, audit, matching, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.visitation import ActivationChoice, Facts, ReferralChoice, VisitationPlan
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    FollowUp,
    Referral,
    Request,
    Visitation,
    Withdrawal,
)

ADULT = "0101901234"  # 36 on 2026-11-23
YOUNG = "0202024321"  # born 2002: 24


def register(ctx: ServiceContext, cpr: str, name: str = "Jens Møller") -> int:
    """Register an arrival and start its conversation (claimed by `ctx`'s consultant)."""
    form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
    request_id = arrivals.register_arrival(ctx, form).request_id
    visitation.start(ctx, request_id)
    return request_id


def rows(db: Database, model: type) -> list:
    return db.read(lambda s: list(s.exec(select(model)).all()))


def count(db: Database, model: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


def test_adult_conversation_saves_everything_in_one_go(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database, seats=2)
    company = add_company(database)
    shop = add_opening(database, company, "Butiksassistent", industry="Detail")
    store = add_opening(database, company, "Lagermedarbejder", industry="Lager", hours=37)
    request_id = register(ctx, ADULT)

    start = visitation.start(ctx, request_id)
    assert start.citizen.age == 36
    facts = Facts(industries=("Detail",), hours_wanted=30, driving_licence=True)
    proposal = visitation.propose(ctx, start.citizen.age, facts)
    assert (proposal.category, proposal.youth_track) == ("jobparat", False)
    assert [
        s.site_id for s in visitation.free_sites(ctx, start.deadlines.default_activation_start)
    ] == [site]
    ranked = matching.rank_openings(ctx, start.citizen.id, facts)
    assert [m.opening_id for m in ranked] == [shop, store]

    result = visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=facts,
            category="jobparat",
            activation=ActivationChoice(site, start.deadlines.default_activation_start),
            referrals=(ReferralChoice(shop), ReferralChoice(store)),
            help_cv=True,
        ),
    )
    [saved] = rows(database, Visitation)
    assert (saved.category, saved.proposed_category, saved.age, saved.help_cv) == (
        "jobparat", "jobparat", 36, True,
    )  # fmt: skip
    assert saved.cv_deadline == date(2026, 12, 14)  # 21 days, rolled onto a working day
    [activation] = rows(database, Activation)
    assert (activation.site_id, activation.start_date) == (site, date(2026, 11, 24))
    referrals = rows(database, Referral)
    assert {(r.opening_id, r.apply_by, r.follow_up_on) for r in referrals} == {
        (shop, date(2026, 11, 26), date(2026, 12, 7)),
        (store, date(2026, 11, 26), date(2026, 12, 7)),
    }
    kinds = sorted(f.kind for f in rows(database, FollowUp))
    assert kinds == [
        "activation_start", "cv_deadline", "nytteindsats_end", "referral", "referral",
    ]  # fmt: skip
    assert len(result.follow_up_ids) == 5
    assert database.read(lambda s: s.get(Request, request_id)).status == "done"
    assert audit.verify(database).ok


def test_young_without_education_gets_the_education_track(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    start = visitation.start(ctx, request_id)
    assert (start.citizen.age, start.first_contact_on) == (24, TODAY)
    facts = Facts(has_qualifying_education=False, integration_programme=False)
    proposal = visitation.propose(ctx, 24, facts)
    assert (proposal.category, proposal.youth_track) == ("åbenlyst uddannelsesparat", True)
    assert proposal.group.categories == (
        "åbenlyst uddannelsesparat", "uddannelsesparat", "aktivitetsparat",
    )  # fmt: skip
    assert not (proposal.asks_education or proposal.asks_integration)
    # Straksaktivering for the young too, with guidance and the pålæg alongside.
    result = visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=facts,
            category=proposal.category,
            activation=ActivationChoice(site, start.deadlines.default_activation_start),
            guidance=True,
            injunction=True,
            injunction_goal=" SOSU-hjælper ",
            injunction_deadline=date(2027, 1, 29),
            rights_guidance=True,
        ),
    )
    [saved] = rows(database, Visitation)
    assert (saved.youth_track, saved.guidance_referred, saved.injunction_given) == (
        True, True, True,
    )  # fmt: skip
    assert (saved.injunction_goal, saved.injunction_deadline) == ("SOSU-hjælper", date(2027, 1, 29))
    assert saved.rights_guidance_given
    assert (saved.provisional, saved.review_on) == (False, None)  # åbenlyst: no final visitation
    assert saved.cv_deadline is not None  # åbenlyst uddannelsesparat needs a CV too
    assert result.activation_id is not None


def test_unasked_questions_of_the_young_are_asked_before_saving(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    proposal = visitation.propose(ctx, 24, Facts())  # education not asked: never read as "no"
    assert (proposal.category, proposal.asks_education) == ("åbenlyst uddannelsesparat", True)
    assert proposal.asks_integration  # the integration programme decides the group too
    plan = VisitationPlan(request_id=request_id, facts=Facts(), category=proposal.category)
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert err.value.errors["has_qualifying_education"] == (
        "Ask whether the citizen has an erhvervskompetencegivende uddannelse (vocational or "
        "higher education): under the age limit the category depends on it."
    )
    assert err.value.errors["integration_programme"] == (
        "Ask whether the citizen is in the integration programme: under the age limit the "
        "category depends on it."
    )
    assert {"guidance", "injunction", "activation"} <= set(err.value.errors)
    answered = Facts(has_qualifying_education=False, integration_programme=False)
    activation = ActivationChoice(site, date(2026, 11, 24))
    plan = VisitationPlan(**{**plan.__dict__, "facts": answered, "activation": activation})
    with pytest.raises(FormErrors) as err:  # the youth group's two questions, never assumed
        visitation.complete(ctx, plan)
    assert set(err.value.errors) == {"guidance", "injunction"}
    assert count(database, Visitation) == 0
    visitation.complete(
        ctx, VisitationPlan(**{**plan.__dict__, "guidance": True, "injunction": False})
    )
    [saved] = rows(database, Visitation)
    assert (saved.guidance_referred, saved.injunction_given, saved.injunction_goal) == (
        True, False, "",
    )  # fmt: skip
    assert saved.rights_guidance_given is False  # never assumed either


def young_plan(request_id: int, **changes: object) -> VisitationPlan:
    """A 24-year-old without education, outside the integration programme, every question
    answered and exempt from activation: the parts under test are changed."""
    plan: dict[str, object] = {
        "request_id": request_id,
        "facts": Facts(has_qualifying_education=False, integration_programme=False),
        "category": "åbenlyst uddannelsesparat",
        "guidance": False,
        "injunction": False,
        "exempt": True,
        "exemption_reason": "Starter på VUC mandag",
    }
    return VisitationPlan(**{**plan, **changes})  # type: ignore[arg-type]


YOUNG_NOT_JOBPARAT = (
    "Jobparat is not for a young person under 30 without an erhvervskompetencegivende "
    "uddannelse (bek. § 1): choose Åbenlyst uddannelsesparat, Uddannelsesparat, Aktivitetsparat."
)


def test_a_young_person_without_qualifying_education_cannot_be_jobparat(
    database: Database,
) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    plan = young_plan(request_id, category="jobparat", override_reason="Vil gerne arbejde")
    with pytest.raises(FormErrors) as err:  # a reason does not make it lawful
        visitation.complete(ctx, plan)
    assert err.value.errors == {"category": YOUNG_NOT_JOBPARAT}
    assert count(database, Visitation) == 0
    # With an erhvervskompetencegivende uddannelse (higher education counts) jobparat is lawful.
    educated = Facts(has_qualifying_education=True, integration_programme=False)
    visitation.complete(ctx, VisitationPlan(**{**plan.__dict__, "facts": educated}))
    [saved] = rows(database, Visitation)
    assert (saved.category, saved.youth_track, saved.has_qualifying_education) == (
        "jobparat", False, True,
    )  # fmt: skip


def test_a_35_year_old_cannot_be_uddannelsesparat(database: Database) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, "0101914321", "Karen Olsen")  # 35 on 2026-11-23
    plan = VisitationPlan(
        request_id,
        Facts(has_qualifying_education=False),
        "uddannelsesparat",
        override_reason="Vil gerne tage en uddannelse",
        exempt=True,
        exemption_reason="Starter i fast job om tre dage",
    )
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert err.value.errors == {
        "category": "Uddannelsesparat is only for young people under 30 without an "
        "erhvervskompetencegivende uddannelse, outside the integration programme (bek. § 1): "
        "choose Jobparat, Aktivitetsparat."
    }
    assert count(database, Visitation) == 0


def test_a_young_person_in_the_integration_programme_is_offered_jobparat(
    database: Database,
) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    request_id = register(ctx, YOUNG, "Amina Yusuf")
    facts = Facts(has_qualifying_education=False, integration_programme=True)
    proposal = visitation.propose(ctx, 24, facts)
    assert (proposal.category, proposal.youth_track) == ("jobparat", False)
    assert proposal.group.categories == ("jobparat", "aktivitetsparat")
    plan = VisitationPlan(
        request_id, facts, "uddannelsesparat", override_reason="Vil gerne tage en uddannelse",
        activation=ActivationChoice(site, date(2026, 11, 24)),
    )  # fmt: skip
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert set(err.value.errors) == {"category"}  # no youth questions either
    visitation.complete(ctx, VisitationPlan(**{**plan.__dict__, "category": "jobparat"}))
    [saved] = rows(database, Visitation)
    assert (saved.category, saved.youth_track, saved.integration_programme) == (
        "jobparat", False, True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("first_contact", "visited", "final"),
    [
        # +3 months is Easter Monday 2027: back over Easter to the Wednesday before.
        (date(2026, 12, 29), date(2026, 12, 29), date(2027, 3, 24)),
        # Applied online on Saturday, visited Monday: +3 months is a Sunday, back to Friday;
        # counted from the first henvendelse, never from the conversation.
        (date(2026, 11, 21), date(2026, 11, 23), date(2027, 2, 19)),
    ],
)
def test_provisional_uddannelsesparat_is_finally_visited_from_the_first_contact(
    database: Database, first_contact: date, visited: date, final: date
) -> None:
    ctx = make_ctx(database, now=at(visited))
    request_id = register(ctx, YOUNG, "Sofie Hansen")

    def backdate(session: Session) -> None:
        request = session.get(Request, request_id)
        assert request is not None
        request.first_contact_on = first_contact
        session.add(request)

    database.write(backdate)
    start = visitation.start(ctx, request_id)  # reopened by the same desk
    assert (start.first_contact_on, start.deadlines.final_visitation) == (first_contact, final)
    plan = young_plan(
        request_id, category="uddannelsesparat", override_reason="Ikke klar til at vælge"
    )
    result = visitation.complete(ctx, plan)
    [saved] = rows(database, Visitation)
    assert (saved.provisional, saved.review_on, saved.youth_track) == (True, final, True)
    [review] = [f for f in rows(database, FollowUp) if f.kind == "category_review"]
    assert (review.due, review.visitation_id, review.id in result.follow_up_ids) == (
        final, saved.id, True,
    )  # fmt: skip


def test_aktivitetsparat_young_person_is_not_provisional_but_may_get_a_pålæg(
    database: Database,
) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    plan = young_plan(
        request_id,
        category="aktivitetsparat",
        override_reason="Svær depression, lægeerklæring",
        injunction=True,
        injunction_goal="Hf på VUC",
        injunction_deadline=date(2027, 8, 1),
    )
    visitation.complete(ctx, plan)
    [saved] = rows(database, Visitation)
    assert (saved.provisional, saved.youth_track, saved.injunction_given) == (False, True, True)
    assert saved.injunction_goal == "Hf på VUC"
    assert [f.kind for f in rows(database, FollowUp)] == []  # no final visitation, no CV


def test_a_young_person_with_guidance_still_needs_a_site_or_an_exemption(
    database: Database,
) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    plan = young_plan(request_id, guidance=True, injunction=False, exempt=False)
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert err.value.errors == {
        "activation": "Choose a site or course for immediate activation, or an exemption with "
        "a reason."
    }
    assert count(database, Visitation) == 0


def test_an_injunction_given_needs_its_goal_and_deadline(database: Database) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    plan = young_plan(request_id, injunction=True, injunction_goal="   ")
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert err.value.errors == {
        "injunction_goal": "Write the education goal of the uddannelsespålæg.",
        "injunction_deadline": "Give the deadline of the uddannelsespålæg.",
    }
    plan = young_plan(
        request_id, injunction=True, injunction_goal="Tømrer", injunction_deadline=TODAY
    )
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert err.value.errors == {
        "injunction_deadline": "The deadline of the uddannelsespålæg must be after today."
    }
    with pytest.raises(FormErrors) as err:  # the goal is plain text, like every typed field
        visitation.complete(
            ctx, VisitationPlan(**{**plan.__dict__, "injunction_goal": "Tømrer\x1b[31m"})
        )
    assert set(err.value.errors) == {"injunction_goal"}
    assert count(database, Visitation) == 0


def test_from_2027_young_people_come_under_the_same_rules(database: Database) -> None:
    monday = date(2027, 1, 4)  # the first working day of the 2027 rule set
    ctx = make_ctx(database, now=at(monday))
    site = add_site(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    start = visitation.start(ctx, request_id)
    assert start.citizen.age == 24
    assert ctx.rulebook.in_force(monday).categories == ("jobparat", "aktivitetsparat")
    facts = Facts(has_qualifying_education=False)  # the integration question no longer matters
    proposal = visitation.propose(ctx, 24, facts)
    assert (proposal.category, proposal.youth_track) == ("jobparat", False)
    assert proposal.group.categories == ("jobparat", "aktivitetsparat")
    ruleset = RULES.in_force(monday)
    assert visitation.unanswered(ruleset, proposal, None, None) == {}  # no pålæg question
    plan = VisitationPlan(
        request_id, facts, "jobparat", activation=ActivationChoice(site, date(2027, 1, 5)),
        injunction=True, injunction_goal="Tømrer", injunction_deadline=date(2027, 6, 1),
    )  # fmt: skip
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert err.value.errors == {
        "injunction": "The rules in force have no uddannelsespålæg: it cannot be given."
    }
    with pytest.raises(FormErrors) as err:
        visitation.complete(
            ctx, VisitationPlan(**{**plan.__dict__, "category": "uddannelsesparat"})
        )
    assert set(err.value.errors) == {"category", "injunction"}
    visitation.complete(ctx, VisitationPlan(**{**plan.__dict__, "injunction": None}))
    [saved] = rows(database, Visitation)
    assert (saved.category, saved.youth_track, saved.injunction_given, saved.provisional) == (
        "jobparat", False, False, False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("day", "rule_set", "youth"),
    [
        (date(2026, 6, 30), "kontanthjaelp_2025", True),
        (date(2026, 7, 1), "beskaeftigelsesreform_2026", True),  # phase 1 keeps the pålæg
        (date(2026, 12, 31), "beskaeftigelsesreform_2026", True),
        (date(2027, 1, 1), "beskaeftigelsesreform_2027", False),
    ],
)
def test_the_rule_set_of_the_day_decides_the_group(day: date, rule_set: str, youth: bool) -> None:
    assert RULES.in_force(day).name == rule_set
    facts = Facts(has_qualifying_education=False, integration_programme=False)
    exempt = {"exempt": True, "exemption_reason": "Starter i fast job om tre dage"}
    jobparat = VisitationPlan(1, facts, "jobparat", **exempt)  # type: ignore[arg-type]
    errors = visitation.validate_plan(RULES, day, jobparat, 24)
    assert set(errors) == ({"category", "guidance", "injunction"} if youth else set())
    education = VisitationPlan(1, facts, "åbenlyst uddannelsesparat", **exempt)  # type: ignore[arg-type]
    errors = visitation.validate_plan(RULES, day, education, 24)
    assert set(errors) == ({"guidance", "injunction"} if youth else {"category"})


def test_not_asked_is_stored_as_unknown_and_offered_back(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    request_id = register(ctx, ADULT)
    assert visitation.start(ctx, request_id).previous is None  # first visit: nothing to offer
    facts = Facts(driving_licence=True, job_wishes="lager", industries=("Lager", "Detail"))
    visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=facts,
            category="jobparat",
            activation=ActivationChoice(site, date(2026, 11, 24)),
        ),
    )
    [saved] = rows(database, Visitation)
    # Over 30 the education question may go unasked: NULL, not "no".
    assert (saved.has_qualifying_education, saved.driving_licence) == (None, True)
    assert saved.integration_programme is None
    again = register(ctx, ADULT)
    previous = visitation.start(ctx, again).previous
    assert previous is not None
    assert (previous.held_on, previous.facts) == (TODAY, facts)


def test_override_needs_a_written_reason(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    request_id = register(ctx, ADULT)
    plan = VisitationPlan(
        request_id=request_id,
        facts=Facts(),
        category="aktivitetsparat",
        activation=ActivationChoice(site, date(2026, 11, 24)),
    )
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert "override_reason" in err.value.errors
    assert count(database, Visitation) == 0
    visitation.complete(
        ctx,
        VisitationPlan(**{**plan.__dict__, "override_reason": "Svær depression, lægeerklæring"}),
    )
    assert rows(database, Visitation)[0].override_reason == "Svær depression, lægeerklæring"


def test_exemption_from_immediate_activation_needs_a_reason(database: Database) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, ADULT)
    plan = VisitationPlan(request_id=request_id, facts=Facts(), category="jobparat", exempt=True)
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert set(err.value.errors) == {"exemption_reason"}
    reason = "Starter i fast job om tre dage"
    visitation.complete(ctx, VisitationPlan(**{**plan.__dict__, "exemption_reason": reason}))
    [saved] = rows(database, Visitation)
    assert (saved.activation_exempt, saved.exemption_reason) == (True, reason)
    assert count(database, Activation) == 0


def test_no_activation_and_no_exemption_is_refused(database: Database) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, ADULT)
    with pytest.raises(FormErrors) as err:
        visitation.complete(
            ctx, VisitationPlan(request_id=request_id, facts=Facts(), category="jobparat")
        )
    assert set(err.value.errors) == {"activation"}


def test_full_site_is_refused_and_nothing_is_saved(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database, seats=1)
    company = add_company(database)
    opening = add_opening(database, company)
    first = register(ctx, ADULT)
    second = register(ctx, "0303804321", "Ali Hassan")
    start = date(2026, 11, 24)
    visitation.complete(
        ctx,
        VisitationPlan(first, Facts(), "jobparat", activation=ActivationChoice(site, start)),
    )
    assert visitation.free_sites(ctx, start) == []
    with pytest.raises(CapacityFull) as err:
        visitation.complete(
            ctx,
            VisitationPlan(
                second,
                Facts(),
                "jobparat",
                activation=ActivationChoice(site, start),
                referrals=(ReferralChoice(opening),),
            ),
        )
    assert "no free seat" in str(err.value)
    # One transaction: the referral made before the capacity check is gone too.
    assert count(database, Visitation) == 1
    assert count(database, Referral) == 0
    assert database.read(lambda s: s.get(Request, second)).status == "in_conversation"  # not done


def test_activation_start_must_be_a_working_day_within_the_rule(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    request_id = register(ctx, ADULT)
    for day, field in [
        (TODAY + timedelta(days=5), "start_date"),  # Saturday
        (TODAY + timedelta(days=14), "start_date"),  # later than 7 days
        (TODAY - timedelta(days=1), "start_date"),
    ]:
        plan = VisitationPlan(
            request_id, Facts(), "jobparat", activation=ActivationChoice(site, day)
        )
        with pytest.raises(FormErrors) as err:
            visitation.complete(ctx, plan)
        assert field in err.value.errors


def test_site_that_does_not_start_on_that_weekday(database: Database) -> None:
    ctx = make_ctx(database)
    mondays_only = add_site(database, "Kantinen", weekdays="0")
    request_id = register(ctx, ADULT)
    tuesday = TODAY + timedelta(days=1)
    assert visitation.free_sites(ctx, tuesday) == []
    with pytest.raises(ValidationError) as err:
        visitation.complete(
            ctx,
            VisitationPlan(
                request_id, Facts(), "jobparat", activation=ActivationChoice(mondays_only, tuesday)
            ),
        )
    assert err.value.field == "start_date"


def test_referring_twice_to_the_same_opening_is_refused(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database)
    opening = add_opening(database, add_company(database))
    first = register(ctx, ADULT)
    plan = VisitationPlan(
        first, Facts(), "jobparat", activation=ActivationChoice(site, date(2026, 11, 24)),
        referrals=(ReferralChoice(opening),),
    )  # fmt: skip
    visitation.complete(ctx, plan)
    second = register(ctx, ADULT)
    with pytest.raises(ValidationError) as err:
        visitation.complete(ctx, VisitationPlan(**{**plan.__dict__, "request_id": second}))
    assert "already referred" in str(err.value)


def test_withdrawal_turns_the_citizen_at_the_door(database: Database) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, ADULT)
    with pytest.raises(ValidationError):
        visitation.withdraw(ctx, request_id, "other")  # "other" needs a note
    visitation.withdraw(ctx, request_id, "job", "Starter hos Netto mandag")
    [w] = rows(database, Withdrawal)
    assert (w.reason, w.note, w.by) == ("job", "Starter hos Netto mandag", "demo")
    assert database.read(lambda s: s.get(Request, request_id)).status == "withdrawn"
    with pytest.raises(ValidationError):
        visitation.start(ctx, request_id)

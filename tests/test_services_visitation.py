"""The visitation conversation saved whole: classification, activation, referrals, follow-ups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import TODAY, add_company, add_opening, add_site, make_ctx
from sqlmodel import func, select

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
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    start = visitation.start(ctx, request_id)
    assert start.citizen.age == 24
    facts = Facts(has_vocational_education=False)
    proposal = visitation.propose(ctx, 24, facts)
    assert (proposal.category, proposal.youth_track) == ("åbenlyst uddannelsesparat", True)
    assert not proposal.asks_education
    # Guidance + injunction stand in for a site: no activation needed.
    visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=facts,
            category=proposal.category,
            guidance=True,
            injunction=True,
        ),
    )
    [saved] = rows(database, Visitation)
    assert (saved.youth_track, saved.guidance_referred, saved.injunction_given) == (
        True, True, True,
    )  # fmt: skip
    assert saved.cv_deadline is not None  # åbenlyst uddannelsesparat needs a CV too


def test_unasked_questions_of_the_young_are_asked_before_saving(database: Database) -> None:
    ctx = make_ctx(database)
    request_id = register(ctx, YOUNG, "Sofie Hansen")
    proposal = visitation.propose(ctx, 24, Facts())  # education not asked: never read as "no"
    assert (proposal.category, proposal.asks_education) == ("åbenlyst uddannelsesparat", True)
    plan = VisitationPlan(request_id=request_id, facts=Facts(), category=proposal.category)
    with pytest.raises(FormErrors) as err:
        visitation.complete(ctx, plan)
    assert {"has_vocational_education", "guidance", "injunction"} <= set(err.value.errors)
    answered = Facts(has_vocational_education=False)
    with pytest.raises(FormErrors) as err:  # the youth track's two questions, never assumed
        visitation.complete(ctx, VisitationPlan(**{**plan.__dict__, "facts": answered}))
    assert set(err.value.errors) == {"guidance", "injunction"}
    assert count(database, Visitation) == 0
    plan = VisitationPlan(
        **{**plan.__dict__, "facts": answered, "guidance": True, "injunction": False}
    )
    with pytest.raises(FormErrors) as err:  # without the injunction a site is needed again
        visitation.complete(ctx, plan)
    assert set(err.value.errors) == {"activation"}
    visitation.complete(
        ctx,
        VisitationPlan(
            **{**plan.__dict__, "exempt": True, "exemption_reason": "Starter på VUC mandag"}
        ),
    )
    [saved] = rows(database, Visitation)
    assert (saved.guidance_referred, saved.injunction_given) == (True, False)


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
    assert (saved.has_vocational_education, saved.driving_licence) == (None, True)
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

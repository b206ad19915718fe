"""Follow-ups: the due list, every outcome, the next follow-up it creates, the sanction flag and
(bulk) reassignment. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import (
    NOW,
    TODAY,
    add_company,
    add_opening,
    add_site,
    add_staff,
    at,
    make_ctx,
    on_day,
)
from sqlmodel import select

from jobbutik.domain.errors import NotFound, PermissionDenied, ValidationError
from jobbutik.domain.i18n import set_language
from jobbutik.domain.vocabulary import follow_up_outcome_label
from jobbutik.services import arrivals, audit, followups, hearings, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.visitation import (
    ActivationChoice,
    Facts,
    ReferralChoice,
    VisitationPlan,
    VisitationResult,
)
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    AuditEntry,
    FollowUp,
    FollowUpKind,
    Hearing,
    Referral,
    ReferralOutcome,
)

ADULT = "0101901234"
OTHER = "0202851236"
THIRD = "1505702341"
FAR_AWAY = date(2030, 1, 1)
YOUNG = "0202024321"  # 24 in 2026, no qualifying education: the youth group
YOUTH_FACTS = Facts(has_qualifying_education=False, integration_programme=False)


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def visit(
    ctx: ServiceContext,
    cpr: str = ADULT,
    name: str = "Jens Møller",
    *,
    site: int | None = None,
    openings: tuple[int, ...] = (),
    category: str = "jobparat",
    override_reason: str = "",
    postcode: str = "2730",
    facts: Facts | None = None,
    rights_guidance: bool = True,
    guidance: bool | None = None,
) -> VisitationResult:
    """Register `cpr` today and hold the whole conversation: activation at `site` (or an
    exemption), referrals to `openings`, written guidance on rights and duties handed over
    (unless told otherwise). `guidance` answers the youth group's question."""
    form = ArrivalForm(
        cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name, postcode=postcode)
    )
    request_id = arrivals.register_arrival(ctx, form).request_id
    start = visitation.start(ctx, request_id)
    activation = ActivationChoice(site, start.deadlines.default_activation_start) if site else None
    plan = VisitationPlan(
        request_id=request_id,
        facts=facts or Facts(has_qualifying_education=False),
        category=category,
        override_reason=override_reason,
        activation=activation,
        exempt=site is None,
        exemption_reason="" if site else "Starter i fast job på mandag",
        referrals=tuple(ReferralChoice(o) for o in openings),
        guidance=guidance,
        injunction=None if guidance is None else False,
        rights_guidance=rights_guidance,
    )
    return visitation.complete(ctx, plan)


def open_follow_up(db: Database, kind: str) -> FollowUp:
    found = db.read(
        lambda s: s.exec(
            select(FollowUp)
            .where(FollowUp.kind == kind, FollowUp.done_at == None)  # noqa: E711
            .order_by(FollowUp.id)  # type: ignore[arg-type]
        ).first()
    )
    assert found is not None, kind
    return found


def all_rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    return db.read(lambda s: list(s.exec(select(model).order_by(model.id)).all()))


def get(db: Database, model: type, row_id: int):  # type: ignore[no-untyped-def]
    return db.read(lambda s: s.get(model, row_id))


@pytest.fixture
def ctx(database: Database) -> ServiceContext:
    return make_ctx(database, "kon", roles="consultant")


@pytest.fixture
def opening(database: Database) -> int:
    return add_opening(database, add_company(database), "Butiksassistent")


def test_due_list_is_overdue_first_with_the_kind(database: Database, ctx: ServiceContext) -> None:
    site = add_site(database)
    shop = add_opening(database, add_company(database), "Butiksassistent")
    visit(ctx, site=site, openings=(shop,))
    # Three weeks on: the activation start (24.11) and the referral (07.12) are overdue, the CV
    # deadline (14.12) too; the nytteindsats warning (13 weeks) is not due yet.
    later = on_day(ctx, at(date(2026, 12, 14)))
    rows = followups.due_list(later)
    assert [(r.kind, r.due, r.overdue) for r in rows] == [
        ("activation_start", date(2026, 11, 24), True),
        ("referral", date(2026, 12, 7), True),
        ("cv_deadline", date(2026, 12, 14), False),
    ]
    first, referral, _cv = rows
    assert first.subject == "Materielgården" and first.start_date == date(2026, 11, 24)
    assert referral.subject == "Butiksassistent, Netto Herlev"
    assert referral.apply_by == date(2026, 11, 26)
    assert referral.cpr_masked == "010190-XXXX" and referral.name == "Jens Møller"
    assert referral.assignee == "kon"
    # Working days overdue, not calendar days: 07.12 → 14.12 is five working days.
    assert referral.working_days_overdue == 5
    # Everything open, for a supervisor sharing out an absent consultant's work.
    assert len(followups.due_list(later, all_open=True)) == 4
    assert followups.due_list(later, assignee="someone-else") == []


def test_applied_creates_the_next_follow_up_ten_working_days_on(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    visit(ctx, openings=(opening,))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    day = on_day(ctx, at(due.due))  # 07.12.2026
    result = followups.record_outcome(day, due.id, "applied")
    assert result.next_due == date(2026, 12, 21)  # 10 working days
    assert not result.sanction_flag
    successor = get(database, FollowUp, result.next_follow_up_id)
    assert (successor.kind, successor.due, successor.referral_id, successor.assignee_id) == (
        "referral",
        date(2026, 12, 21),
        due.referral_id,
        due.assignee_id,
    )
    done = get(database, FollowUp, due.id)
    assert (done.outcome, done.done_on_time, done.sanction_flag) == ("applied", True, False)
    referral = get(database, Referral, due.referral_id)
    assert (referral.outcome, referral.outcome_on) == ("applied", date(2026, 12, 7))


def test_interview_asks_for_the_date_and_follows_up_after_it(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    visit(ctx, openings=(opening,))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    day = on_day(ctx, at(date(2026, 12, 7)))
    for bad in (None, date(2026, 12, 4)):
        with pytest.raises(ValidationError) as err:
            followups.record_outcome(day, due.id, "interview", interview_on=bad)
        assert err.value.field == "interview_on"
        assert "interview date" in str(err.value)
    assert get(database, FollowUp, due.id).done_at is None  # nothing saved
    # Interview on Friday 11.12: follow up on the next working day, Monday 14.12.
    result = followups.record_outcome(day, due.id, "interview", interview_on=date(2026, 12, 11))
    assert result.next_due == date(2026, 12, 14)
    assert get(database, Referral, due.referral_id).interview_on == date(2026, 12, 11)
    # After the interview: hired. No further follow-up.
    after = on_day(ctx, at(date(2026, 12, 14)))
    final = followups.record_outcome(after, result.next_follow_up_id, "hired")
    assert (final.next_follow_up_id, final.next_due, final.sanction_flag) == (None, None, False)
    assert get(database, Referral, due.referral_id).outcome == "hired"


@pytest.mark.parametrize(
    ("outcome", "flag"),
    [
        ("rejected", False),
        ("not_applied_good_reason", False),
        ("not_applied_no_reason", True),
        ("refused_offer", True),
    ],
)
def test_closing_referral_outcomes_and_the_sanction_flag(
    database: Database, ctx: ServiceContext, opening: int, outcome: str, flag: bool
) -> None:
    visit(ctx, openings=(opening,))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    result = followups.record_outcome(ctx, due.id, outcome, note="Ringet til borgeren")
    assert (result.next_follow_up_id, result.sanction_flag) == (None, flag)
    done = get(database, FollowUp, due.id)
    assert (done.outcome, done.sanction_flag, done.note) == (outcome, flag, "Ringet til borgeren")
    assert (result.hearing_id is not None, result.no_flag_reason) == (flag, None)
    assert get(database, Referral, due.referral_id).outcome == outcome


def hearing_rows(db: Database) -> list[Hearing]:
    return db.read(lambda s: list(s.exec(select(Hearing).order_by(Hearing.id)).all()))  # type: ignore[arg-type]


def test_did_not_apply_flags_a_jobparat_citizen_with_a_due_date(
    database: Database, ctx: ServiceContext
) -> None:
    # Referred Tuesday 24 March 2026, to apply by Friday 27 March; followed up after Easter.
    day = on_day(ctx, at(date(2026, 3, 24)))
    visit(day, openings=(add_opening(database, add_company(database), apply_by=FAR_AWAY),))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    result = followups.record_outcome(on_day(ctx, at(due.due)), due.id, "not_applied_no_reason")
    assert (result.sanction_flag, result.no_flag_reason) == (True, None)
    [hearing] = hearing_rows(database)
    assert (hearing.id, hearing.event, hearing.event_on, hearing.category) == (
        result.hearing_id,
        "not_applied",
        date(2026, 3, 27),  # the apply-by day: the duty was not met then
        "jobparat",
    )
    # April, May, June: decided by the end of June; the result says so without a list read.
    assert (hearing.due, hearing.status, hearing.follow_up_id) == (
        date(2026, 6, 30),
        "awaiting",
        due.id,
    )
    assert result.hearing_due == date(2026, 6, 30)
    lists = database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.entity == "hearing_list")).all()
    )
    assert lists == []
    assert ReferralOutcome.NOT_APPLIED_NO_REASON.label == "Did not apply – reason not given"


def test_did_not_apply_gives_an_uddannelsesparat_citizen_no_flag(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    visit(
        ctx,
        YOUNG,
        "Ida Holm",
        category="uddannelsesparat",
        facts=YOUTH_FACTS,
        guidance=True,
        override_reason="Vil gerne i gang med SOSU-uddannelsen",
        site=add_site(database),
        openings=(opening,),
    )
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    result = followups.record_outcome(ctx, due.id, "not_applied_no_reason")
    assert (result.sanction_flag, result.hearing_id, result.hearing_due) == (False, None, None)
    assert result.no_flag_reason == (
        "Uddannelsesparat carries no duty to apply for jobs: no possible-sanction flag."
    )
    assert get(database, FollowUp, due.id).sanction_flag is False
    assert hearing_rows(database) == []


def test_no_flag_without_written_guidance_on_rights_and_duties(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    visit(ctx, openings=(opening,), rights_guidance=False)
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    result = followups.record_outcome(ctx, due.id, "not_applied_no_reason")
    assert (result.sanction_flag, result.no_flag_reason) == (
        False,
        "No written guidance on rights and duties is on record by 23.11.2026; a sanction needs "
        "it: no possible-sanction flag.",
    )
    assert hearing_rows(database) == []


def test_a_refused_job_offer_closes_the_referral_and_flags_a_jobparat_citizen(
    database: Database, ctx: ServiceContext
) -> None:
    day = on_day(ctx, at(date(2026, 9, 1)))
    visit(day, openings=(add_opening(database, add_company(database), apply_by=FAR_AWAY),))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    result = followups.record_outcome(on_day(ctx, at(date(2026, 9, 15))), due.id, "refused_offer")
    assert (result.next_follow_up_id, result.sanction_flag) == (None, True)
    [hearing] = hearing_rows(database)
    # October to December: 31 December is a closing day, so back to 30 December.
    assert (hearing.event, hearing.event_on, hearing.due) == (
        "refused_offer",
        date(2026, 9, 15),
        date(2026, 12, 30),
    )
    assert get(database, Referral, due.referral_id).outcome == "refused_offer"
    assert ReferralOutcome.REFUSED_OFFER.label == "Refused a job offer"


def test_activation_started(database: Database, ctx: ServiceContext) -> None:
    result = visit(ctx, site=add_site(database))
    due = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    outcome = followups.record_outcome(on_day(ctx, at(date(2026, 11, 24))), due.id, "started")
    assert (outcome.sanction_flag, outcome.next_follow_up_id, outcome.closed_with_it) == (
        False,
        None,
        (),
    )
    activation = get(database, Activation, result.activation_id)
    assert (activation.status, activation.end_date) == ("started", None)
    # The long-stay warning of the nytteindsats stays open.
    assert open_follow_up(database, FollowUpKind.NYTTEINDSATS_END).due == date(2027, 2, 23)


def test_did_not_show_flags_a_sanction_frees_the_seat_and_closes_the_warning(
    database: Database, ctx: ServiceContext
) -> None:
    site = add_site(database, seats=1)
    result = visit(ctx, site=site)
    tomorrow = date(2026, 11, 24)
    assert visitation.free_sites(ctx, tomorrow) == []
    due = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    warning = open_follow_up(database, FollowUpKind.NYTTEINDSATS_END)
    outcome = followups.record_outcome(on_day(ctx, at(tomorrow)), due.id, "did_not_show")
    assert outcome.sanction_flag
    [hearing] = hearing_rows(database)
    assert (hearing.id, hearing.event, hearing.event_on, hearing.due) == (
        outcome.hearing_id,
        "absent_activation",
        tomorrow,
        date(2027, 2, 26),  # Sunday 28 February back to Friday 26 February
    )
    assert outcome.closed_with_it == (warning.id,)
    activation = get(database, Activation, result.activation_id)
    assert (activation.status, activation.end_date) == ("no_show", tomorrow)
    assert get(database, FollowUp, warning.id).outcome == "activation_ended"
    # The seat is free again from the day after.
    assert [s.site_id for s in visitation.free_sites(ctx, date(2026, 11, 25))] == [site]


def test_ended_early_says_what_it_ended_in(database: Database, ctx: ServiceContext) -> None:
    result = visit(ctx, site=add_site(database))
    due = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    later = on_day(ctx, at(date(2026, 11, 26)))
    with pytest.raises(ValidationError) as err:
        followups.record_outcome(later, due.id, "ended_early")
    assert err.value.field == "result"
    assert "job, education or stopped" in str(err.value)
    assert get(database, FollowUp, due.id).done_at is None  # nothing saved
    outcome = followups.record_outcome(later, due.id, "ended_early", result="education")
    assert not outcome.sanction_flag
    activation = get(database, Activation, result.activation_id)
    assert (activation.status, activation.end_date, activation.outcome) == (
        "ended_early",
        date(2026, 11, 26),
        "education",
    )
    assert get(database, FollowUp, due.id).done_on_time is False  # due 24.11, recorded 26.11
    entry = database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.entity_id == due.id)).all()
    )
    assert [e.detail for e in entry if e.entity == "follow_up"] == ["ended_early: education"]


def test_a_hire_ends_the_running_activation_in_a_job(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    result = visit(ctx, site=add_site(database), openings=(opening,))
    start = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    followups.record_outcome(on_day(ctx, at(date(2026, 11, 24))), start.id, "started")
    warning = open_follow_up(database, FollowUpKind.NYTTEINDSATS_END)
    referral = open_follow_up(database, FollowUpKind.REFERRAL)
    hired_on = date(2026, 12, 3)
    outcome = followups.record_outcome(on_day(ctx, at(hired_on)), referral.id, "hired")
    assert outcome.closed_with_it == (warning.id,)
    activation = get(database, Activation, result.activation_id)
    assert (activation.status, activation.end_date, activation.outcome) == (
        "ended",
        hired_on,
        "employed",
    )
    assert get(database, FollowUp, warning.id).outcome == "activation_ended"
    # One job, one "still in work?" follow-up, six months on (a Thursday).
    [durable] = durability_follow_ups(database)
    assert (durable.due, durable.referral_id, durable.done_at) == (
        date(2027, 6, 3),
        referral.referral_id,
        None,
    )
    assert outcome.durability_due == date(2027, 6, 3)


def durability_follow_ups(db: Database) -> list[FollowUp]:
    return db.read(
        lambda s: list(s.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.DURABILITY)))
    )


def test_a_hire_is_followed_up_six_months_later(database: Database, ctx: ServiceContext) -> None:
    day = on_day(ctx, at(date(2025, 12, 1)))
    visit(day, openings=(add_opening(database, add_company(database), apply_by=FAR_AWAY),))
    referral = open_follow_up(database, FollowUpKind.REFERRAL)
    hired = followups.record_outcome(on_day(ctx, at(date(2025, 12, 5))), referral.id, "hired")
    # Six months on is Grundlovsdag, Friday 5 June 2026, a closing day: the next open day.
    assert hired.durability_due == date(2026, 6, 8)
    durable = open_follow_up(database, FollowUpKind.DURABILITY)
    assert (durable.due, durable.referral_id, durable.assignee_id) == (
        date(2026, 6, 8),
        referral.referral_id,
        referral.assignee_id,
    )
    rows = followups.due_list(on_day(ctx, at(date(2026, 6, 8))))
    assert [r.subject for r in rows if r.kind == "durability"] == ["Butiksassistent, Netto Herlev"]
    with pytest.raises(ValidationError):
        followups.record_outcome(ctx, durable.id, "reviewed")
    done = followups.record_outcome(on_day(ctx, at(date(2026, 6, 8))), durable.id, "still_in_work")
    assert (done.next_follow_up_id, done.sanction_flag, done.durability_due) == (None, False, None)
    assert get(database, FollowUp, durable.id).outcome == "still_in_work"
    assert follow_up_outcome_label("no_longer_in_work") == "No longer in work"


def test_an_activation_ending_in_a_job_is_followed_up_for_durability(
    database: Database, ctx: ServiceContext
) -> None:
    result = visit(ctx, site=add_site(database))
    start = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    ended = followups.record_outcome(
        on_day(ctx, at(date(2026, 12, 1))), start.id, "ended_early", result="employed"
    )
    assert ended.durability_due == date(2027, 6, 1)
    [durable] = durability_follow_ups(database)
    # It outlives the activation: not closed with the activation's other follow-ups.
    assert (durable.activation_id, durable.done_at) == (result.activation_id, None)
    # Ending in education is no job outcome.
    other = visit(ctx, OTHER, "Mette Hansen", site=add_site(database, "Genbrugspladsen"))
    start = database.read(
        lambda s: s.exec(
            select(FollowUp).where(FollowUp.activation_id == other.activation_id)
        ).first()
    )
    followups.record_outcome(ctx, start.id, "ended_early", result="education")
    assert len(durability_follow_ups(database)) == 1


def test_a_hire_before_the_start_calls_the_activation_off(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    site = add_site(database, seats=1)
    result = visit(ctx, site=site, openings=(opening,))
    start = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    referral = open_follow_up(database, FollowUpKind.REFERRAL)
    outcome = followups.record_outcome(ctx, referral.id, "hired")  # today, before the start
    activation = get(database, Activation, result.activation_id)
    # No job to credit the site with: the citizen never came; the seat is free again.
    assert (activation.status, activation.end_date, activation.outcome) == (
        "ended_early",
        TODAY,
        None,
    )
    assert start.id in outcome.closed_with_it
    assert [s.site_id for s in visitation.free_sites(ctx, date(2026, 11, 24))] == [site]
    logged = database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.entity == "activation")).all()
    )
    assert [(e.entity_id, e.detail) for e in logged] == [
        (result.activation_id, "ended_early: hired")
    ]


def test_a_hire_leaves_an_unrecorded_start_to_be_followed_up(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    result = visit(ctx, site=add_site(database), openings=(opening,))
    start = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    referral = open_follow_up(database, FollowUpKind.REFERRAL)
    later = on_day(ctx, at(date(2026, 12, 3)))  # the start (24.11) has passed, nothing recorded
    assert followups.record_outcome(later, referral.id, "hired").closed_with_it == ()
    assert get(database, Activation, result.activation_id).status == "planned"
    assert get(database, FollowUp, start.id).done_at is None  # did they show up? still asked


def test_a_hire_offers_the_other_referrals_and_closes_them_on_request(
    database: Database, ctx: ServiceContext
) -> None:
    company = add_company(database)
    jobs = [add_opening(database, company, title) for title in ("Kok", "Tjener", "Opvasker")]
    visit(ctx, openings=tuple(jobs))
    visit(ctx, OTHER, "Mette Hansen", openings=(jobs[0],))
    referrals = [f for f in all_rows(database, FollowUp) if f.kind == FollowUpKind.REFERRAL]
    kok, tjener, opvasker, mettes = referrals
    day = on_day(ctx, at(date(2026, 12, 3)))
    result = followups.record_outcome(day, tjener.id, "hired")
    assert [(o.follow_up_id, o.subject) for o in result.other_referrals] == [
        (kok.id, "Kok, Netto Herlev"),
        (opvasker.id, "Opvasker, Netto Herlev"),
    ]
    # Only a hire offers them.
    applied = followups.record_outcome(day, kok.id, "applied")
    assert applied.other_referrals == ()
    successor = get(database, FollowUp, applied.next_follow_up_id)
    # Another desk recorded opvasker meanwhile: what it recorded stays.
    followups.record_outcome(day, opvasker.id, "rejected")
    closed = followups.close_after_hire(
        day, tjener.citizen_id, [successor.id, opvasker.id, mettes.id]
    )
    assert closed == 1
    done = get(database, FollowUp, successor.id)
    assert (done.outcome, done.done_at, done.done_on_time) == (
        "hired_elsewhere",
        day.clock.now(),
        True,
    )
    assert get(database, FollowUp, opvasker.id).outcome == "rejected"
    assert get(database, FollowUp, mettes.id).done_at is None  # not this citizen's
    assert get(database, Referral, successor.referral_id).outcome == "applied"  # as it was
    logged = database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.entity_id == successor.id)).all()
    )
    assert [(e.action, e.actor, e.citizen_id, e.detail) for e in logged] == [
        ("update", "kon", tjener.citizen_id, "hired_elsewhere")
    ]
    assert follow_up_outcome_label("hired_elsewhere") == "Closed: hired elsewhere"


def test_closing_after_a_hire_needs_a_hire(database: Database, ctx: ServiceContext) -> None:
    company = add_company(database)
    visit(ctx, openings=(add_opening(database, company, "Kok"),))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    with pytest.raises(ValidationError, match="no referral recorded as hired"):
        followups.close_after_hire(ctx, due.citizen_id, [due.id])
    assert get(database, FollowUp, due.id).done_at is None
    reception = make_ctx(database, "rec", roles="reception")
    with pytest.raises(PermissionDenied) as refused:
        followups.close_after_hire(reception, due.citizen_id, [due.id])
    assert str(refused.value) == "rec may not do this (Follow up): ask a supervisor or admin."


def test_cv_deadline_missing_is_followed_up_again(database: Database, ctx: ServiceContext) -> None:
    visit(ctx)
    due = open_follow_up(database, FollowUpKind.CV_DEADLINE)
    assert due.due == date(2026, 12, 14)
    result = followups.record_outcome(on_day(ctx, at(due.due)), due.id, "cv_missing")
    assert result.next_due == date(2026, 12, 17)  # three working days
    # A jobparat citizen must have the CV on Jobnet: a possible sanction, due January–March.
    assert result.sanction_flag
    [hearing] = hearing_rows(database)
    assert (hearing.event, hearing.event_on, hearing.due) == (
        "cv_missing",
        date(2026, 12, 14),
        date(2027, 3, 31),
    )
    again = get(database, FollowUp, result.next_follow_up_id)
    assert (again.kind, again.visitation_id) == ("cv_deadline", due.visitation_id)
    # Still missing three days later: the same deadline, no second flag.
    still = followups.record_outcome(on_day(ctx, at(again.due)), again.id, "cv_missing")
    assert (still.sanction_flag, still.no_flag_reason) == (
        False,
        "A possible-sanction flag for this CV deadline was raised already: no new flag.",
    )
    last = get(database, FollowUp, still.next_follow_up_id)
    done = followups.record_outcome(on_day(ctx, at(last.due)), last.id, "cv_done")
    assert done.next_follow_up_id is None
    assert len(hearing_rows(database)) == 1


def test_category_review_and_nytteindsats_end(database: Database, ctx: ServiceContext) -> None:
    result = visit(
        ctx,
        YOUNG,
        "Ida Holm",
        site=add_site(database),
        category="uddannelsesparat",
        facts=YOUTH_FACTS,
        guidance=True,
        override_reason="Vil gerne i gang med SOSU-uddannelsen",
    )
    review = open_follow_up(database, FollowUpKind.CATEGORY_REVIEW)
    assert review.due == date(2027, 2, 23)  # the final visitation, three months on
    assert followups.record_outcome(ctx, review.id, "reviewed").next_follow_up_id is None
    warning = open_follow_up(database, FollowUpKind.NYTTEINDSATS_END)
    followups.record_outcome(on_day(ctx, at(warning.due)), warning.id, "ended", result="stopped")
    activation = get(database, Activation, result.activation_id)
    assert (activation.status, activation.end_date, activation.outcome) == (
        "ended",
        date(2027, 2, 23),
        "stopped",
    )
    # The start follow-up had no purpose left either.
    assert get(database, FollowUp, open_follow_up_id_of(result, database)).outcome == (
        "activation_ended"
    )


def open_follow_up_id_of(result: VisitationResult, db: Database) -> int:
    return db.read(
        lambda s: s.exec(
            select(FollowUp.id).where(
                FollowUp.activation_id == result.activation_id,
                FollowUp.kind == FollowUpKind.ACTIVATION_START,
            )
        ).one()
    )


def test_an_outcome_that_does_not_fit_the_kind_is_refused(
    database: Database, ctx: ServiceContext, opening: int
) -> None:
    visit(ctx, openings=(opening,))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    with pytest.raises(ValidationError) as err:
        followups.record_outcome(ctx, due.id, "started")
    assert err.value.field == "outcome"
    followups.record_outcome(ctx, due.id, "rejected")
    with pytest.raises(ValidationError, match="already recorded"):
        followups.record_outcome(ctx, due.id, "hired")
    with pytest.raises(NotFound):
        followups.record_outcome(ctx, 999_999, "hired")


def test_bulk_reassignment_by_a_supervisor(database: Database, ctx: ServiceContext) -> None:
    site = add_site(database)
    shop = add_opening(database, add_company(database), "Butiksassistent")
    visit(ctx, ADULT, site=site, openings=(shop,))
    visit(ctx, OTHER, "Mette Hansen", site=site)
    add_staff(database, "lis", "consultant", "Lis Lund")
    add_staff(database, "rec", "reception")
    boss = make_ctx(database, "chef", roles="supervisor")
    away = followups.due_list(boss, assignee="kon", all_open=True)
    assert len(away) == 7
    moved = followups.reassign(boss, [r.id for r in away[:5]], "LIS")
    assert moved == 5
    assert len(followups.due_list(boss, assignee="lis", all_open=True)) == 5
    assert len(followups.due_list(boss, assignee="kon", all_open=True)) == 2
    # Each move is in the audit log for the citizen concerned, and the chain holds.
    entries = database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.detail == "reassigned to lis")).all()
    )
    assert sorted(e.entity_id for e in entries) == sorted(r.id for r in away[:5])
    assert {e.actor for e in entries} == {"chef"}
    assert [e.citizen_id for e in entries] == [
        get(database, FollowUp, e.entity_id).citizen_id for e in entries
    ]
    assert audit.verify(database).ok
    # Choices that a supervisor gets told about at the field.
    with pytest.raises(ValidationError) as err:
        followups.reassign(boss, [away[5].id], "rec")
    assert (err.value.field, str(err.value)) == (
        "assignee",
        "rec does not do follow-ups (not a consultant).",
    )
    with pytest.raises(ValidationError) as err:
        followups.reassign(boss, [away[5].id], "nobody")
    assert (err.value.field, str(err.value)) == (
        "assignee",
        "nobody is not an active member of staff.",
    )
    with pytest.raises(ValidationError) as err:
        followups.reassign(boss, [], "lis")
    assert (err.value.field, str(err.value)) == ("follow_ups", "Select the follow-ups to reassign.")
    # A consultant cannot reassign.
    with pytest.raises(PermissionDenied) as refused:
        followups.reassign(ctx, [away[5].id], "lis")
    assert str(refused.value) == (
        "kon may not do this (Reassign follow-ups): ask a supervisor or admin."
    )
    people = {a.initials: a.open_follow_ups for a in followups.assignees(boss)}
    assert people == {"chef": 0, "kon": 2, "lis": 5}


def test_reassigning_a_case_moves_its_open_partshoeringer_too(
    database: Database, ctx: ServiceContext
) -> None:
    # Referred before Easter; both citizens did not apply, each has a flag awaiting partshøring.
    day = on_day(ctx, at(date(2026, 3, 24)))
    visit(day, ADULT, openings=(add_opening(database, add_company(database), apply_by=FAR_AWAY),))
    bakery = add_company(database, "Bageriet", seed=2)
    visit(day, OTHER, "Mette Hansen", openings=(add_opening(database, bakery, apply_by=FAR_AWAY),))
    after_easter = on_day(ctx, at(date(2026, 4, 14)))
    for row in followups.due_list(after_easter):
        if row.kind == FollowUpKind.REFERRAL:
            followups.record_outcome(after_easter, row.id, "not_applied_no_reason")
    jens, mette = hearing_rows(database)
    lis_id = add_staff(database, "lis", "consultant", "Lis Lund")
    boss = make_ctx(database, "chef", roles="supervisor")
    jens_open = [r.id for r in followups.due_list(boss, assignee="kon", all_open=True)
                 if r.citizen_id == jens.citizen_id]  # fmt: skip
    assert jens_open
    assert followups.reassign(boss, jens_open, "lis") == len(jens_open)
    # Jens's flag goes with his case; Mette's stays with her consultant.
    assert [(h.citizen_id, h.assignee_id) for h in hearing_rows(database)] == [
        (jens.citizen_id, lis_id),
        (mette.citizen_id, mette.assignee_id),
    ]
    lis = make_ctx(database, "lis", roles="consultant")
    assert [h.name for h in hearings.hearings(lis, assignee="lis")] == ["Jens Møller"]
    moved = database.read(
        lambda s: s.exec(
            select(AuditEntry).where(AuditEntry.entity == "hearing", AuditEntry.action == "update")
        ).all()
    )
    assert [(e.entity_id, e.citizen_id, e.actor, e.detail) for e in moved] == [
        (jens.id, jens.citizen_id, "chef", "reassigned to lis")
    ]
    assert audit.verify(database).ok


def test_reception_has_no_follow_up_list(database: Database) -> None:
    desk = make_ctx(database, "rec", roles="reception")
    with pytest.raises(PermissionDenied) as refused:
        followups.due_list(desk)
    assert str(refused.value) == "rec may not do this (Follow up): ask a supervisor or admin."


def test_the_list_read_is_audited(database: Database, ctx: ServiceContext) -> None:
    followups.due_list(ctx, day=TODAY + timedelta(days=1))
    [entry] = database.read(lambda s: s.exec(select(AuditEntry)).all())
    # At the fixed clock's moment (the backends hand it back in different zones: compare the
    # instant).
    assert (entry.action, entry.entity, entry.actor, entry.at.astimezone(NOW.tzinfo)) == (
        "read",
        "follow_up_list",
        "kon",
        NOW,
    )

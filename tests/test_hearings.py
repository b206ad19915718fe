"""Possible sanctions (issue 13 point 5): a flag only where the category at the time carried the
duty and written guidance was given; due at the end of the third whole calendar month after the
event, rolled back over a closed day; awaiting → sent → decided in that order only; never seen by
reception. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import add_staff, add_visited, at, make_ctx, on_day
from sqlmodel import Session, col, select

from jobbutik.domain.errors import PermissionDenied, ValidationError
from jobbutik.domain.i18n import set_language
from jobbutik.domain.vocabulary import HearingEvent
from jobbutik.services import citizens, hearings
from jobbutik.services.context import ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, FollowUp, Hearing, Request, Staff, Visitation

ADULT = "0101901234"
YOUNG = "0202024321"  # 24 in 2026


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


@pytest.fixture
def ctx(database: Database) -> ServiceContext:
    return make_ctx(database, "kon", roles="consultant")


def raise_(
    ctx: ServiceContext,
    citizen_id: int,
    event: str,
    event_on: date,
    *,
    assignee: str = "kon",
    stated_reason: str = "",
) -> int | str:
    def work(session: Session) -> int | str:
        staff_id = session.exec(select(Staff.id).where(Staff.initials == assignee)).one()
        assert staff_id is not None
        return hearings.raise_hearing(
            session,
            ctx.rulebook,
            citizen_id=citizen_id,
            event=event,
            event_on=event_on,
            assignee_id=staff_id,
            now=at(event_on),
            stated_reason=stated_reason,
        )

    return ctx.db.write(work)


@pytest.mark.parametrize(
    ("event_on", "due"),
    [
        # Late March: the end of June, a working day.
        (date(2026, 3, 27), date(2026, 6, 30)),
        # September: 31 December is a local closing day, so back to 30 December.
        (date(2026, 9, 15), date(2026, 12, 30)),
        # On the rule-set switch of 1 July 2026: August to October; Saturday 31 October is
        # closed, so back to Friday 30 October.
        (date(2026, 7, 1), date(2026, 10, 30)),
        # January 2026: the end of April (Thursday 30 April).
        (date(2026, 1, 2), date(2026, 4, 30)),
    ],
)
def test_a_jobparat_citizens_flag_is_due_at_the_end_of_the_third_whole_month(
    database: Database, ctx: ServiceContext, event_on: date, due: date
) -> None:
    citizen, _visit = add_visited(database, held_on=date(2026, 1, 2))
    hearing_id = raise_(ctx, citizen, HearingEvent.NOT_APPLIED, event_on)
    assert isinstance(hearing_id, int)
    [row] = hearings.hearings(on_day(ctx, at(event_on)))
    assert (row.id, row.event, row.event_on, row.category, row.due, row.status) == (
        hearing_id,
        "not_applied",
        event_on,
        "jobparat",
        due,
        "awaiting",
    )
    assert (row.cpr_masked, row.name, row.assignee, row.overdue) == (
        "010190-XXXX",
        "Jens Møller",
        "kon",
        False,
    )


def test_an_uddannelsesparat_citizen_has_no_duty_to_apply_for_jobs(
    database: Database, ctx: ServiceContext
) -> None:
    citizen, _visit = add_visited(database, YOUNG, "Ida Holm", category="uddannelsesparat")
    reason = raise_(ctx, citizen, HearingEvent.NOT_APPLIED, date(2026, 12, 1))
    assert (
        reason == "Uddannelsesparat carries no duty to apply for jobs: no possible-sanction flag."
    )
    # Attending the activation is a duty of the category: that flag is raised.
    assert isinstance(raise_(ctx, citizen, HearingEvent.ABSENT_ACTIVATION, date(2026, 12, 1)), int)
    assert [r.event for r in hearings.hearings(ctx)] == ["absent_activation"]


def test_the_category_is_the_one_held_on_the_day_of_the_event(
    database: Database, ctx: ServiceContext
) -> None:
    citizen, _ = add_visited(database, YOUNG, "Ida Holm", category="uddannelsesparat")
    # Later found jobparat (a new visitation): an event before that is still judged by the first.
    add_visited(database, YOUNG, category="jobparat", held_on=date(2026, 12, 10))
    assert "Uddannelsesparat carries no duty" in str(
        raise_(ctx, citizen, HearingEvent.CV_MISSING, date(2026, 12, 9))
    )
    assert isinstance(raise_(ctx, citizen, HearingEvent.CV_MISSING, date(2026, 12, 10)), int)


def test_no_flag_without_a_category_or_without_written_guidance(
    database: Database, ctx: ServiceContext
) -> None:
    citizen, _ = add_visited(database, held_on=date(2026, 12, 1), guidance_in_conversation=False)
    assert raise_(ctx, citizen, HearingEvent.NOT_APPLIED, date(2026, 11, 30)) == (
        "No category on record for the citizen on 30.11.2026: no possible-sanction flag."
    )
    assert raise_(ctx, citizen, HearingEvent.REFUSED_OFFER, date(2026, 12, 3)) == (
        "No written guidance on rights and duties is on record by 03.12.2026; a sanction needs "
        "it: no possible-sanction flag."
    )
    # Guidance given at a later registration counts from that day on, not before.
    add_visited(
        database, held_on=date(2026, 12, 7), guidance_at_registration=True,
        guidance_in_conversation=False,
    )  # fmt: skip
    assert "No written guidance" in str(
        raise_(ctx, citizen, HearingEvent.REFUSED_OFFER, date(2026, 12, 4))
    )
    assert isinstance(raise_(ctx, citizen, HearingEvent.REFUSED_OFFER, date(2026, 12, 7)), int)
    assert database.read(lambda s: len(s.exec(select(Hearing)).all())) == 1


def test_cv_missing_flags_only_for_the_categories_with_a_cv_duty(
    database: Database, ctx: ServiceContext
) -> None:
    jobparat, _ = add_visited(database)
    aktivitetsparat, _ = add_visited(
        database, "0202851236", "Mette Hansen", category="aktivitetsparat"
    )
    assert isinstance(raise_(ctx, jobparat, HearingEvent.CV_MISSING, date(2026, 12, 7)), int)
    assert raise_(ctx, aktivitetsparat, HearingEvent.CV_MISSING, date(2026, 12, 7)) == (
        "Aktivitetsparat carries no duty to have a CV on Jobnet: no possible-sanction flag."
    )


def test_life_cycle_awaiting_sent_decided_in_order_only(
    database: Database, ctx: ServiceContext
) -> None:
    citizen, _ = add_visited(database)
    hearing_id = raise_(ctx, citizen, HearingEvent.NOT_APPLIED, date(2026, 11, 23))
    assert isinstance(hearing_id, int)
    with pytest.raises(ValidationError) as early:
        hearings.decide(ctx, hearing_id, "sanction")
    assert (early.value.field, str(early.value)) == (
        "decision",
        "Send the partshøring first: a sanction can only follow the citizen's chance to answer.",
    )
    sent_day = on_day(ctx, at(date(2026, 11, 25)))
    sent = hearings.mark_sent(sent_day, hearing_id)
    assert (sent.status, sent.sent_on) == ("sent", date(2026, 11, 25))
    with pytest.raises(ValidationError) as twice:
        hearings.mark_sent(sent_day, hearing_id)
    assert str(twice.value) == "The partshøring was already sent on 25.11.2026."
    with pytest.raises(ValidationError) as unknown:
        hearings.decide(sent_day, hearing_id, "maybe")
    assert (unknown.value.field, str(unknown.value)) == (
        "decision",
        "Choose sanktion or ingen sanktion.",
    )
    decided_day = on_day(ctx, at(date(2026, 12, 14)))
    done = hearings.decide(decided_day, hearing_id, "no_sanction", note="Var syg, lægeerklæring")
    assert (done.status, done.decision, done.decided_on) == (
        "decided",
        "no_sanction",
        date(2026, 12, 14),
    )
    for again in (lambda: hearings.decide(decided_day, hearing_id, "sanction"),
                  lambda: hearings.mark_sent(decided_day, hearing_id)):  # fmt: skip
        with pytest.raises(ValidationError, match="already decided"):
            again()
    # Decided: off the open list, on the full one.
    assert hearings.hearings(decided_day) == []
    assert [r.decision for r in hearings.hearings(decided_day, open_only=False)] == ["no_sanction"]
    # Every step is in the audit log, with no free text.
    logged = database.read(
        lambda s: s.exec(
            select(AuditEntry).where(AuditEntry.entity == "hearing").order_by(AuditEntry.seq)  # type: ignore[arg-type]
        ).all()
    )
    assert [(e.action, e.detail, e.citizen_id) for e in logged] == [
        ("create", "not_applied", citizen),
        ("update", "sent", citizen),
        ("update", "no_sanction", citizen),
    ]


def test_a_flag_raised_in_error_is_closed_with_no_sanction_before_any_partshoering(
    database: Database, ctx: ServiceContext
) -> None:
    citizen, _ = add_visited(database)
    hearing_id = raise_(ctx, citizen, HearingEvent.NOT_APPLIED, date(2026, 11, 23))
    assert isinstance(hearing_id, int)
    done = hearings.decide(ctx, hearing_id, "no_sanction", note="Havde søgt, fejl i registrering")
    assert (done.status, done.decision, done.decided_on, done.sent_on) == (
        "decided",
        "no_sanction",
        date(2026, 11, 23),
        None,
    )
    assert hearings.hearings(ctx) == []


def followed_up(db: Database, citizen_id: int, visitation_id: int, *, done: bool) -> None:
    """The visitation's CV deadline is followed up: still open, or done (the case closed)."""

    def work(session: Session) -> None:
        visit = session.get(Visitation, visitation_id)
        assert visit is not None
        session.add(
            FollowUp(
                citizen_id=citizen_id,
                kind="cv_deadline",
                due=visit.held_on + timedelta(days=5),
                assignee_id=visit.consultant_id,
                visitation_id=visitation_id,
                created_at=at(visit.held_on),
                done_at=at(visit.held_on + timedelta(days=5)) if done else None,
            )
        )

    db.write(work)


def _no_show(ctx: ServiceContext, citizen_id: int, day: date) -> int | str:
    """A no-show at the job conversation of the citizen's newest request."""

    def work(session: Session) -> int | str:
        request_id = session.exec(
            select(Request.id)
            .where(Request.citizen_id == citizen_id)
            .order_by(col(Request.id).desc())
        ).first()
        assert ctx.staff.id is not None
        return hearings.raise_hearing(
            session,
            ctx.rulebook,
            citizen_id=citizen_id,
            event=HearingEvent.NO_SHOW_CONVERSATION,
            event_on=day,
            assignee_id=ctx.staff.id,
            now=at(day),
            request_id=request_id,
        )

    return ctx.db.write(work)


def test_a_no_show_flags_only_while_the_case_is_open(
    database: Database, ctx: ServiceContext
) -> None:
    """A category from a case whose follow-ups are all done (closed) says nothing about the
    duties now: a no-show at a new application's job conversation raises no flag."""
    citizen, visit_id = add_visited(database, held_on=date(2026, 6, 4))  # before Grundlovsdag
    followed_up(database, citizen, visit_id, done=True)
    assert _no_show(ctx, citizen, date(2026, 11, 23)) == (
        "The citizen has no ongoing case on record on 23.11.2026: no possible-sanction flag."
    )
    # An ongoing course: the category of its visitation counts.
    followed_up(database, citizen, visit_id, done=False)
    assert isinstance(_no_show(ctx, citizen, date(2026, 11, 23)), int)
    [row] = hearings.hearings(ctx)
    assert (row.event, row.category) == ("no_show_conversation", "jobparat")


def test_the_list_is_due_first_with_overdue_marked_and_per_consultant(
    database: Database, ctx: ServiceContext
) -> None:
    add_staff(database, "lis", "consultant")
    first, _ = add_visited(database, held_on=date(2026, 6, 1))
    second, _ = add_visited(database, "0202851236", "Mette Hansen", held_on=date(2026, 6, 1))
    late = raise_(ctx, first, HearingEvent.NOT_APPLIED, date(2026, 6, 2))  # due 30.09.2026
    soon = raise_(ctx, second, HearingEvent.REFUSED_OFFER, date(2026, 11, 2), assignee="lis")
    rows = hearings.hearings(ctx)
    assert [(r.id, r.due, r.overdue) for r in rows] == [
        (late, date(2026, 9, 30), True),
        (soon, date(2027, 2, 26), False),  # 28 Feb 2027 is a Sunday
    ]
    # Working days from today (Monday 23.11.2026): negative once overdue.
    assert rows[0].working_days_left < 0 < rows[1].working_days_left
    assert [r.id for r in hearings.hearings(ctx, assignee="lis")] == [soon]
    assert [r.id for r in hearings.hearings(ctx, assignee="KON")] == [late]
    entries = database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.entity == "hearing_list")).all()
    )
    assert [(e.actor, e.detail) for e in entries] == [("kon", ""), ("kon", "lis"), ("kon", "KON")]


def test_reception_never_sees_a_flag(database: Database, ctx: ServiceContext) -> None:
    citizen, _ = add_visited(database)
    desk = make_ctx(database, "rec", roles="reception")
    hearing_id = raise_(ctx, citizen, HearingEvent.NOT_APPLIED, date(2026, 11, 23))
    assert isinstance(hearing_id, int)
    with pytest.raises(PermissionDenied) as refused:
        hearings.hearings(desk)
    assert str(refused.value) == (
        "rec may not do this (See possible sanctions and partshøringer): ask a supervisor or admin."
    )
    for step in (lambda: hearings.mark_sent(desk, hearing_id),
                 lambda: hearings.decide(desk, hearing_id, "sanction")):  # fmt: skip
        with pytest.raises(PermissionDenied):
            step()
    card = citizens.lookup_cpr(desk, ADULT)
    assert card is not None and not any("sanction" in f for f in card.flags)
    assert "sanction" not in " ".join(citizens.history(desk, citizen).card.flags)
    # A consultant's card says where it stands, in neutral words.
    seen = citizens.lookup_cpr(ctx, ADULT)
    assert seen is not None and "Possible sanction: awaiting partshøring" in seen.flags
    hearings.mark_sent(ctx, hearing_id)
    seen = citizens.lookup_cpr(ctx, ADULT)
    assert seen is not None and "Possible sanction: partshøring sent" in seen.flags
    assert "Possible sanction: awaiting partshøring" not in seen.flags
    hearings.decide(ctx, hearing_id, "sanction")
    seen = citizens.lookup_cpr(ctx, ADULT)
    assert seen is not None and not any("sanction" in f for f in seen.flags)


def test_a_flag_raised_for_someone_who_cannot_see_it_goes_to_the_consultant(
    database: Database, ctx: ServiceContext
) -> None:
    citizen, _ = add_visited(database, consultant="kon")
    add_staff(database, "rec", "reception")
    raise_(ctx, citizen, HearingEvent.NO_SHOW_CONVERSATION, date(2026, 11, 30), assignee="rec",
           stated_reason="Syg")  # fmt: skip
    [row] = hearings.hearings(ctx)
    assert (row.assignee, row.stated_reason, row.event) == ("kon", "Syg", "no_show_conversation")


def test_an_undone_no_show_withdraws_its_flag(database: Database, ctx: ServiceContext) -> None:
    citizen, visit_id = add_visited(database)
    followed_up(database, citizen, visit_id, done=False)
    request_id = database.read(lambda s: s.exec(select(Request.id)).one())
    assert request_id is not None
    day = date(2026, 11, 23)

    def no_show(session: Session) -> int | str:
        return hearings.raise_hearing(
            session,
            ctx.rulebook,
            citizen_id=citizen,
            event=HearingEvent.NO_SHOW_CONVERSATION,
            event_on=day,
            assignee_id=ctx.staff.id,
            now=at(day),
            request_id=request_id,
        )

    assert isinstance(database.write(no_show), int)
    undone = database.write(
        lambda s: hearings.withdraw_for_request(s, request_id, actor="kon", now=at(day, 10))
    )
    assert undone == 1
    assert hearings.hearings(ctx, open_only=False) == []

"""Reception: registering arrivals, the queue, search. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from factories import NOW, RULES, TODAY, at, make_ctx, on_day
from sqlmodel import Session, func, select

from jobbutik.domain.errors import FormErrors, PermissionDenied, ValidationError
from jobbutik.services import arrivals, citizens
from jobbutik.services.arrivals import ArrivalForm, DuplicateSuspected, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.store import changes
from jobbutik.store.db import Database
from jobbutik.store.models import (
    AuditEntry,
    Citizen,
    FollowUp,
    Hearing,
    Request,
    RequestStatus,
    Staff,
    Visitation,
)


def count(db: Database, model: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


def new_arrival(
    cpr: str = "0101901234", name: str = "Jens Møller", benefit: str = "kontanthjaelp", **kw: object
) -> ArrivalForm:
    return ArrivalForm(
        cpr=cpr,
        benefit=benefit,
        told_apply_digitally=True,
        new_citizen=NewCitizen(name=name, postcode="2730", phone="44 52 00 00"),
        **kw,  # type: ignore[arg-type]
    )


def test_new_citizen_is_created_with_a_same_day_slot(database: Database) -> None:
    ctx = make_ctx(database)
    result = arrivals.register_arrival(ctx, new_arrival())
    assert result.created_citizen
    assert result.slot_date == TODAY
    citizen = database.read(lambda s: s.get(Citizen, result.citizen_id))
    assert citizen is not None
    assert (citizen.cpr, citizen.name, citizen.birth_date.isoformat()) == (
        "0101901234",
        "Jens Møller",
        "1990-01-01",
    )
    board = arrivals.board(ctx)[1]
    assert [(r.name, r.cpr_masked, r.age, r.status) for r in board] == [
        ("Jens Møller", "010190-XXXX", 36, "waiting")
    ]
    assert board[0].waiting_minutes(NOW + timedelta(minutes=12)) == 12


def test_known_citizen_is_found_and_gets_a_new_request(database: Database) -> None:
    ctx = make_ctx(database)
    first = arrivals.register_arrival(ctx, new_arrival())
    card = arrivals.lookup(ctx, "010190-1234")
    assert card is not None
    assert (card.name, card.cpr, card.cpr_masked) == ("Jens Møller", "0101901234", "010190-XXXX")
    assert "Has an open request" in card.flags
    arrivals.set_status(ctx, first.request_id, RequestStatus.NO_SHOW)  # no longer open
    again = arrivals.register_arrival(ctx, ArrivalForm(cpr="0101901234", benefit="kontanthjaelp"))
    assert not again.created_citizen and not again.existing
    assert again.citizen_id == first.citizen_id
    assert count(database, Citizen) == 1
    assert count(database, Request) == 2


def test_a_citizen_with_an_open_request_is_not_registered_twice(database: Database) -> None:
    ctx = make_ctx(database)
    first = arrivals.register_arrival(ctx, new_arrival(slot_date=TODAY + timedelta(days=1)))
    later = on_day(ctx, at(TODAY + timedelta(days=1), 10))
    again = arrivals.register_arrival(later, ArrivalForm(cpr="0101901234", benefit="kontanthjaelp"))
    assert (again.existing, again.request_id, again.arrived_on) == (True, first.request_id, TODAY)
    assert again.notice() == (
        "Jens Møller already has an open request from 23.11.2026 (visitation 24.11.2026, waiting)."
    )
    assert count(database, Request) == 1


def test_two_desks_registering_one_citizen_at_once_make_one_request(database: Database) -> None:
    ctx = make_ctx(database)
    arrivals.register_arrival(ctx, new_arrival())  # the citizen is known: both desks find them
    arrivals.set_status(ctx, arrivals.board(ctx)[1][0].request_id, RequestStatus.NO_SHOW)
    desks = [make_ctx(database, f"d{i}") for i in range(2)]
    start = threading.Barrier(len(desks))
    results: list[arrivals.ArrivalResult] = []

    def register(desk: ServiceContext) -> None:
        start.wait()
        results.append(
            arrivals.register_arrival(desk, ArrivalForm(cpr="0101901234", benefit="kontanthjaelp"))
        )

    threads = [threading.Thread(target=register, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.existing for r in results) == [False, True]
    assert len({r.request_id for r in results}) == 1
    open_requests = database.read(
        lambda s: s.exec(
            select(func.count()).select_from(Request).where(Request.status == "waiting")
        ).one()
    )
    assert open_requests == 1


def test_unknown_cpr_looks_up_as_new(database: Database) -> None:
    assert arrivals.lookup(make_ctx(database), "0202901234") is None


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("3102901234", "date"),
        ("0101364234", "future"),  # born 2036
        ("٠١٠١٩٠١٢٣٤", "digit"),
        ("01019", "10 digits"),
    ],
)
def test_bad_cpr_is_refused_at_the_field_and_nothing_saved(
    database: Database, typed: str, reason: str
) -> None:
    ctx = make_ctx(database)
    with pytest.raises(ValidationError) as err:
        arrivals.register_arrival(ctx, new_arrival(cpr=typed))
    assert err.value.field == "cpr"
    assert reason in str(err.value).lower()
    assert count(database, Citizen) == 0
    assert count(database, Request) == 0


def test_every_bad_field_of_a_new_citizen_is_reported_at_once(database: Database) -> None:
    ctx = make_ctx(database)
    form = ArrivalForm(
        cpr="0101901234",
        benefit="kontanthjaelp",
        new_citizen=NewCitizen(name="  ", phone="12", email="nope", postcode="27300"),
    )
    with pytest.raises(FormErrors) as err:
        arrivals.register_arrival(ctx, form)
    assert set(err.value.errors) == {"name", "phone", "email", "postcode"}
    assert count(database, Citizen) == 0


def test_likely_duplicate_is_shown_before_saving(database: Database) -> None:
    ctx = make_ctx(database)
    arrivals.register_arrival(ctx, new_arrival(cpr="0101901234", name="Jens Møller"))
    # Same name (folded) and birth date, another CPR: probably a typo at the desk.
    with pytest.raises(DuplicateSuspected) as err:
        arrivals.register_arrival(ctx, new_arrival(cpr="0101901235", name="Jens Moeller"))
    assert [c.cpr_masked for c in err.value.candidates] == ["010190-XXXX"]
    assert count(database, Citizen) == 1
    confirmed = arrivals.register_arrival(
        ctx, new_arrival(cpr="0101901235", name="Jens Moeller", confirm_duplicate=True)
    )
    assert confirmed.created_citizen
    assert count(database, Citizen) == 2


def test_late_arrival_is_slotted_next_working_day(database: Database) -> None:
    friday_afternoon = at(TODAY + timedelta(days=4), 15, 0)
    ctx = on_day(make_ctx(database), friday_afternoon)
    result = arrivals.register_arrival(ctx, new_arrival())
    assert result.slot_date == TODAY + timedelta(days=7)  # Monday after the weekend


def test_slot_is_next_day_when_consultants_are_fully_booked(database: Database) -> None:
    ctx = make_ctx(database)  # one consultant (demo) × 6 visits a day
    for i in range(6):
        form = new_arrival(cpr=f"01019012{i:02d}", name=f"Borger {i}")
        assert arrivals.register_arrival(ctx, form).slot_date == TODAY
    seventh = arrivals.register_arrival(ctx, new_arrival(cpr="0101901299", name="Borger 7"))
    assert seventh.slot_date == TODAY + timedelta(days=1)


def test_queue_status_moves_and_refuses_nonsense(database: Database) -> None:
    ctx = make_ctx(database)
    result = arrivals.register_arrival(ctx, new_arrival())
    with pytest.raises(ValidationError):  # conversations are claimed, not set by hand
        arrivals.set_status(ctx, result.request_id, RequestStatus.IN_CONVERSATION)
    before = ctx.db.read(changes.seq)
    arrivals.set_status(ctx, result.request_id, RequestStatus.NO_SHOW)
    assert ctx.db.read(changes.seq) > before  # every desk's board notices
    assert arrivals.board(ctx)[1][0].status == "no_show"
    with pytest.raises(ValidationError):
        arrivals.set_status(ctx, result.request_id, RequestStatus.DONE)


def test_a_no_show_is_undone_the_same_day_only(database: Database) -> None:
    ctx = make_ctx(database)
    first = arrivals.register_arrival(ctx, new_arrival())
    arrivals.set_status(ctx, first.request_id, RequestStatus.NO_SHOW)
    arrivals.set_status(on_day(ctx, NOW + timedelta(hours=3)), first.request_id, "waiting")
    [row] = arrivals.board(ctx)[1]
    assert (row.status, row.closed_at) == ("waiting", None)
    arrivals.set_status(ctx, first.request_id, RequestStatus.NO_SHOW)
    tomorrow = on_day(ctx, at(TODAY + timedelta(days=1), 9))
    with pytest.raises(ValidationError, match="same day"):
        arrivals.set_status(tomorrow, first.request_id, RequestStatus.WAITING)
    details = database.read(
        lambda s: list(
            s.exec(
                select(AuditEntry.detail).where(
                    AuditEntry.entity == "request", AuditEntry.action == "update"
                )
            ).all()
        )
    )
    assert details == ["no_show", "waiting", "no_show"]


def test_undoing_a_no_show_is_refused_when_the_citizen_was_registered_again(
    database: Database,
) -> None:
    ctx = make_ctx(database)
    first = arrivals.register_arrival(ctx, new_arrival())
    arrivals.set_status(ctx, first.request_id, RequestStatus.NO_SHOW)
    again = arrivals.register_arrival(ctx, new_arrival())
    assert not again.existing
    with pytest.raises(ValidationError, match="registered again"):
        arrivals.set_status(ctx, first.request_id, RequestStatus.WAITING)
    board = arrivals.board(ctx)[1]
    assert [(r.request_id, r.status) for r in board] == [
        (first.request_id, "no_show"),
        (again.request_id, "waiting"),
    ]


def test_a_request_left_open_from_an_earlier_day_is_on_todays_board(database: Database) -> None:
    friday = TODAY - timedelta(days=3)
    then = on_day(make_ctx(database), at(friday, 10))
    left = arrivals.register_arrival(then, new_arrival())
    closed = arrivals.register_arrival(then, new_arrival(cpr="0202902345", name="Ane Berg"))
    arrivals.set_status(then, closed.request_id, RequestStatus.NO_SHOW)  # closed that day
    ctx = on_day(then, NOW)
    [row] = arrivals.board(ctx)[1]
    assert (row.request_id, row.status, row.overdue, row.slot_date) == (
        left.request_id, "waiting", True, friday,
    )  # fmt: skip
    assert row.waiting_minutes(NOW) is None  # not waited since Friday
    again = arrivals.register_arrival(ctx, new_arrival())
    assert (again.existing, again.request_id) == (True, left.request_id)
    # Resolved today, it stays on today's board (a no-show can be undone), not on Friday's.
    arrivals.set_status(ctx, left.request_id, RequestStatus.NO_SHOW)
    assert [(r.request_id, r.status) for r in arrivals.board(ctx)[1]] == [
        (left.request_id, "no_show")
    ]
    assert [r.request_id for r in arrivals.board(ctx, TODAY + timedelta(days=1))[1]] == []
    assert [r.request_id for r in arrivals.board(then)[1]] == [
        left.request_id,
        closed.request_id,
    ]


def test_a_booking_for_another_day_is_not_waiting_today(database: Database) -> None:
    ctx = make_ctx(database)
    arrivals.register_arrival(ctx, new_arrival(slot_date=TODAY + timedelta(days=1)))
    arrivals.register_arrival(ctx, new_arrival(cpr="0202902345", name="Ane Berg"))
    booked, here = arrivals.board(ctx)[1]
    assert (booked.booked_later, booked.waiting_here, booked.waiting_minutes(NOW)) == (
        True, False, None,
    )  # fmt: skip
    assert (here.booked_later, here.waiting_here) == (False, True)


def test_search_by_name_folds_danish_letters_and_by_cpr_prefix(database: Database) -> None:
    ctx = make_ctx(database)
    arrivals.register_arrival(ctx, new_arrival(cpr="0101901234", name="Jens Møller"))
    arrivals.register_arrival(ctx, new_arrival(cpr="0202924321", name="Åse Nielsen"))
    arrivals.register_arrival(ctx, new_arrival(cpr="0303933456", name="Aase Hansen"))

    def names(term: str) -> list[str]:
        return [h.name for h in citizens.search(ctx, term)]

    assert names("moeller") == ["Jens Møller"]
    assert names("Møl") == ["Jens Møller"]
    assert names("jens m") == ["Jens Møller"]
    assert names("åse") == ["Aase Hansen", "Åse Nielsen"]
    assert names("Aase") == ["Aase Hansen", "Åse Nielsen"]
    assert names("020292") == ["Åse Nielsen"]
    assert names("%") == []  # LIKE wildcards are text, not patterns
    hits = citizens.search(ctx, "0101")
    assert [h.cpr_masked for h in hits] == ["010190-XXXX"]


def test_reads_and_searches_are_audited_with_the_search_term(database: Database) -> None:
    ctx = make_ctx(database)
    result = arrivals.register_arrival(ctx, new_arrival())
    citizens.search(ctx, "møller")
    citizens.history(ctx, result.citizen_id)
    entries = database.read(
        lambda s: [
            (e.action, e.entity, e.detail, e.citizen_id)
            for e in s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
        ]
    )
    assert ("search", "citizen", "møller", None) in entries
    assert ("read", "citizen_history", "", result.citizen_id) in entries
    assert ("create", "citizen", "", result.citizen_id) in entries


def test_reception_may_register_but_not_hold_a_conversation(database: Database) -> None:
    from jobbutik.services import visitation

    make_ctx(database)  # demo becomes staff first
    reception = make_ctx(database, "rec", roles="reception")
    result = arrivals.register_arrival(reception, new_arrival())
    with pytest.raises(PermissionDenied):
        visitation.start(reception, result.request_id)
    admin_only = make_ctx(database, "it", roles="admin")
    with pytest.raises(PermissionDenied):
        citizens.search(admin_only, "jens")


# -- issue 13: the first henvendelse, the legal date, guidance, benefits by date ---------------


def request_of(db: Database, request_id: int) -> Request:
    request = db.read(lambda s: s.get(Request, request_id))
    assert request is not None
    return request


def test_uddannelseshjaelp_ended_for_new_applications_on_1_july_2025(database: Database) -> None:
    form = new_arrival(benefit="uddannelseshjaelp")
    last_day = on_day(make_ctx(database), at(date(2025, 6, 30), 10))
    accepted = arrivals.register_arrival(last_day, form)
    assert request_of(database, accepted.request_id).benefit == "uddannelseshjaelp"
    with pytest.raises(ValidationError) as err:
        arrivals.register_arrival(
            on_day(last_day, at(date(2025, 7, 1), 10)),
            new_arrival(cpr="0202902345", name="Ane Berg", benefit="uddannelseshjaelp"),
        )
    assert str(err.value) == "Uddannelseshjælp ended for new applications on 01.07.2025."
    assert err.value.field == "benefit"
    assert count(database, Request) == 1


def test_a_day_arrival_is_visited_by_the_30th(database: Database) -> None:
    # 24.12.2025 + one week is the 31st, closed: the legal date rolls BACK to Tuesday the 30th.
    day = on_day(make_ctx(database), at(date(2025, 12, 24), 10))
    with pytest.raises(ValidationError) as err:
        arrivals.register_arrival(day, new_arrival(slot_date=date(2026, 1, 2)))
    assert str(err.value) == "The visitation must be between today and 30.12.2025."
    assert err.value.field == "slot_date"
    booked = arrivals.register_arrival(day, new_arrival(slot_date=date(2025, 12, 30)))
    assert booked.slot_date == date(2025, 12, 30)
    assert request_of(database, booked.request_id).first_contact_on == date(2025, 12, 24)


def test_an_arrival_before_grundlovsdag_is_visited_by_the_4th_of_june(database: Database) -> None:
    friday = on_day(make_ctx(database), at(date(2026, 5, 29), 15))  # after the last same-day slot
    assert arrivals.suggest_slot(friday) == date(2026, 6, 1)
    with pytest.raises(ValidationError, match=r"between today and 04\.06\.2026\.$"):
        arrivals.register_arrival(friday, new_arrival(slot_date=date(2026, 6, 8)))
    booked = arrivals.register_arrival(friday, new_arrival(slot_date=date(2026, 6, 4)))
    assert booked.slot_date == date(2026, 6, 4)


def test_an_earlier_first_henvendelse_shortens_the_window(database: Database) -> None:
    ctx = make_ctx(database)  # Monday 23.11.2026
    friday = TODAY - timedelta(days=3)
    with pytest.raises(ValidationError) as err:
        arrivals.register_arrival(
            ctx, new_arrival(first_contact_on=friday, slot_date=TODAY + timedelta(days=7))
        )
    assert str(err.value) == "The visitation must be between today and 27.11.2026."
    booked = arrivals.register_arrival(
        ctx, new_arrival(first_contact_on=friday, slot_date=TODAY + timedelta(days=4))
    )
    assert request_of(database, booked.request_id).first_contact_on == friday
    # From today's first henvendelse the same Monday a week on is within the week.
    other = new_arrival(cpr="0202902345", name="Ane Berg", slot_date=TODAY + timedelta(days=7))
    assert arrivals.register_arrival(ctx, other).slot_date == TODAY + timedelta(days=7)


def test_the_legal_date_beats_a_fully_booked_day(database: Database) -> None:
    ctx = make_ctx(database)  # one consultant × 6 visits a day
    for i in range(6):
        arrivals.register_arrival(ctx, new_arrival(cpr=f"01019012{i:02d}", name=f"Borger {i}"))
    a_week_ago = TODAY - timedelta(days=7)  # the first conversation is due today
    assert arrivals.suggest_slot(ctx, a_week_ago) == TODAY
    late = new_arrival(cpr="0101901299", name="Borger 7", first_contact_on=a_week_ago)
    assert arrivals.register_arrival(ctx, late).slot_date == TODAY
    # Long ago, the legal date has passed: as soon as possible, and no later.
    long_ago = new_arrival(
        cpr="0202902345",
        name="Ane Berg",
        first_contact_on=TODAY - timedelta(days=20),
        slot_date=TODAY + timedelta(days=1),
    )
    with pytest.raises(ValidationError, match=r"between today and 23\.11\.2026\.$"):
        arrivals.register_arrival(ctx, long_ago)


@pytest.mark.parametrize(
    "first_contact", [TODAY + timedelta(days=1), TODAY - timedelta(days=32)], ids=str
)
def test_a_first_henvendelse_in_the_future_or_over_a_month_ago_is_refused(
    database: Database, first_contact: date
) -> None:
    with pytest.raises(ValidationError) as err:
        arrivals.register_arrival(make_ctx(database), new_arrival(first_contact_on=first_contact))
    assert str(err.value) == "The first henvendelse must be between 23.10.2026 and today."
    assert err.value.field == "first_contact_on"
    assert count(database, Request) == 0


def test_written_guidance_at_the_desk_is_recorded(database: Database) -> None:
    ctx = make_ctx(database)
    given = arrivals.register_arrival(ctx, new_arrival(rights_guidance_given=True))
    not_given = arrivals.register_arrival(ctx, new_arrival(cpr="0202902345", name="Ane Berg"))
    assert request_of(database, given.request_id).rights_guidance_given
    assert not request_of(database, not_given.request_id).rights_guidance_given


def visited_as(
    db: Database, request_id: int, category: str, held_on: date, *, case_open: bool = True
) -> None:
    """The request was visited on `held_on` into `category` (as the conversation saves it), with
    its CV deadline still followed up (`case_open`) or done."""

    def work(session: Session) -> None:
        request = session.get(Request, request_id)
        consultant = session.exec(select(Staff).where(Staff.initials == "demo")).one()
        assert request is not None and consultant.id is not None
        request.status = RequestStatus.DONE
        session.add(request)
        visitation = Visitation(
            request_id=request_id,
            citizen_id=request.citizen_id,
            consultant_id=consultant.id,
            held_on=held_on,
            completed_at=at(held_on, 11),
            age=36,
            proposed_category=category,
            category=category,
        )
        session.add(visitation)
        session.flush()
        session.add(
            FollowUp(
                citizen_id=request.citizen_id,
                kind="cv_deadline",
                due=held_on + timedelta(days=3),
                assignee_id=consultant.id,
                visitation_id=visitation.id,
                created_at=at(held_on, 11),
                done_at=None if case_open else at(held_on + timedelta(days=3), 10),
            )
        )

    db.write(work)


def hearings_of(db: Database) -> list[tuple[str, date, str, str, date]]:
    return db.read(
        lambda s: [
            (h.event, h.event_on, h.category, h.stated_reason, h.due)
            for h in s.exec(select(Hearing)).all()
        ]
    )


def test_a_no_show_of_a_jobparat_citizen_raises_a_hearing_and_its_undo_withdraws_it(
    database: Database,
) -> None:
    ctx = make_ctx(database)
    earlier = TODAY - timedelta(days=14)
    first = arrivals.register_arrival(
        on_day(ctx, at(earlier, 9)), new_arrival(rights_guidance_given=True)
    )
    visited_as(database, first.request_id, "jobparat", earlier)
    again = arrivals.register_arrival(ctx, new_arrival())
    arrivals.set_status(ctx, again.request_id, RequestStatus.NO_SHOW, "  Syg søn  ")
    assert request_of(database, again.request_id).no_show_reason == "Syg søn"
    # Due at the end of the third whole month after November: 28.02.2027 is a Sunday.
    assert hearings_of(database) == [
        ("no_show_conversation", TODAY, "jobparat", "Syg søn", date(2027, 2, 26))
    ]
    assert RULES.hearing_due(TODAY) == date(2027, 2, 26)
    arrivals.set_status(ctx, again.request_id, RequestStatus.WAITING)
    assert hearings_of(database) == []
    assert request_of(database, again.request_id).no_show_reason == ""


def test_a_first_arrivals_no_show_raises_no_hearing(database: Database) -> None:
    ctx = make_ctx(database)
    result = arrivals.register_arrival(ctx, new_arrival(rights_guidance_given=True))
    arrivals.set_status(ctx, result.request_id, RequestStatus.NO_SHOW, "Glemte det")
    assert hearings_of(database) == []  # no category on record yet
    assert request_of(database, result.request_id).no_show_reason == "Glemte det"


def test_a_no_show_after_a_closed_case_raises_no_hearing(database: Database) -> None:
    """The category of a case whose follow-ups are all done says nothing about the citizen's
    duties now: a no-show at the new application's job conversation is no possible sanction."""
    ctx = make_ctx(database)
    earlier = date(2026, 6, 4)  # the day before Grundlovsdag: a case since closed
    first = arrivals.register_arrival(
        on_day(ctx, at(earlier, 9)), new_arrival(rights_guidance_given=True)
    )
    visited_as(database, first.request_id, "jobparat", earlier, case_open=False)
    again = arrivals.register_arrival(ctx, new_arrival())
    arrivals.set_status(ctx, again.request_id, RequestStatus.NO_SHOW, "Syg")
    assert hearings_of(database) == []
    assert request_of(database, again.request_id).status == "no_show"


def test_a_no_show_cannot_be_marked_before_the_citizens_day(database: Database) -> None:
    ctx = on_day(make_ctx(database), at(date(2026, 12, 18), 9))  # a Friday before Christmas
    day = date(2026, 12, 23)  # the day before Christmas Eve
    booked = arrivals.register_arrival(ctx, new_arrival(slot_date=day))
    assert booked.slot_date == day
    with pytest.raises(ValidationError) as early:
        arrivals.set_status(ctx, booked.request_id, RequestStatus.NO_SHOW)
    assert str(early.value) == (
        "The citizen's time is on 23.12.2026: a no-show can only be marked on that day or later."
    )
    assert request_of(database, booked.request_id).status == "waiting"
    on_the_day = on_day(ctx, at(day, 15))
    arrivals.set_status(on_the_day, booked.request_id, RequestStatus.NO_SHOW)
    assert request_of(database, booked.request_id).status == "no_show"

"""Reception: registering arrivals, the queue, search. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from factories import NOW, TODAY, at, make_ctx, on_day
from sqlmodel import func, select

from jobbutik.domain.errors import FormErrors, PermissionDenied, ValidationError
from jobbutik.services import arrivals, citizens
from jobbutik.services.arrivals import ArrivalForm, DuplicateSuspected, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, Request, RequestStatus


def count(db: Database, model: type) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


def new_arrival(cpr: str = "0101901234", name: str = "Jens Møller", **kw: object) -> ArrivalForm:
    return ArrivalForm(
        cpr=cpr,
        benefit="kontanthjaelp",
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
    board = arrivals.today_board(ctx)
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
    arrivals.set_status(ctx, arrivals.today_board(ctx)[0].request_id, RequestStatus.NO_SHOW)
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
    before = arrivals.board_version(ctx)
    arrivals.set_status(ctx, result.request_id, RequestStatus.NO_SHOW)
    assert arrivals.board_version(ctx) > before  # every desk's board notices
    assert arrivals.today_board(ctx)[0].status == "no_show"
    with pytest.raises(ValidationError):
        arrivals.set_status(ctx, result.request_id, RequestStatus.DONE)


def test_a_no_show_is_undone_the_same_day_only(database: Database) -> None:
    ctx = make_ctx(database)
    first = arrivals.register_arrival(ctx, new_arrival())
    arrivals.set_status(ctx, first.request_id, RequestStatus.NO_SHOW)
    arrivals.set_status(on_day(ctx, NOW + timedelta(hours=3)), first.request_id, "waiting")
    [row] = arrivals.today_board(ctx)
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
    board = arrivals.today_board(ctx)
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
    [row] = arrivals.today_board(ctx)
    assert (row.request_id, row.status, row.overdue, row.slot_date) == (
        left.request_id, "waiting", True, friday,
    )  # fmt: skip
    assert row.waiting_minutes(NOW) is None  # not waited since Friday
    again = arrivals.register_arrival(ctx, new_arrival())
    assert (again.existing, again.request_id) == (True, left.request_id)
    # Resolved today, it stays on today's board (a no-show can be undone), not on Friday's.
    arrivals.set_status(ctx, left.request_id, RequestStatus.NO_SHOW)
    assert [(r.request_id, r.status) for r in arrivals.today_board(ctx)] == [
        (left.request_id, "no_show")
    ]
    assert [r.request_id for r in arrivals.today_board(ctx, TODAY + timedelta(days=1))] == []
    assert [r.request_id for r in arrivals.today_board(then)] == [
        left.request_id,
        closed.request_id,
    ]


def test_a_booking_for_another_day_is_not_waiting_today(database: Database) -> None:
    ctx = make_ctx(database)
    arrivals.register_arrival(ctx, new_arrival(slot_date=TODAY + timedelta(days=1)))
    arrivals.register_arrival(ctx, new_arrival(cpr="0202902345", name="Ane Berg"))
    booked, here = arrivals.today_board(ctx)
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

"""db.py: private files, SQLite pragmas and write locking, foreign keys, retries, clear failures."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from threading import Thread

import pytest
from pgcluster import free_port
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.errors import DatabaseUnavailable
from jobbutik.services.context import ServiceContext
from jobbutik.store import schema
from jobbutik.store.db import SQLITE_BUSY_TIMEOUT_MS, Database
from jobbutik.store.models import Citizen, Request, Setting, Staff

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=LOCAL_TZ)


def staff_count(db: Database) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(Staff)).one())


def pragma(session: Session, name: str) -> object:
    return session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()


# -- SQLite file and pragmas ----------------------------------------------------------------------


def test_sqlite_file_and_its_wal_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "new" / "jobbutik.sqlite"
        db = Database(str(path))
        try:
            assert path.stat().st_mode & 0o777 == 0o600
            assert path.parent.stat().st_mode & 0o777 == 0o700
            schema.upgrade(db)
            db.write(lambda s: s.add(Staff(initials="ab", name="Anne")))
            wal = path.with_name(path.name + "-wal")
            assert wal.exists()
            assert wal.stat().st_mode & 0o777 == 0o600
            assert path.stat().st_mode & 0o777 == 0o600
        finally:
            db.dispose()
    finally:
        os.umask(old_umask)


def test_sqlite_pragmas_on_read_and_write_connections(sqlite_database: Database) -> None:
    expected = {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }

    def all_pragmas(session: Session) -> dict[str, object]:
        return {name: pragma(session, name) for name in expected}

    assert sqlite_database.read(all_pragmas) == expected
    assert sqlite_database.write(all_pragmas) == expected


def test_sqlite_write_takes_the_lock_at_begin_while_reads_go_on(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    db.write(lambda s: s.add(Staff(initials="ab", name="Anne")))
    seen: dict[str, object] = {}

    def work(session: Session) -> None:
        session.connection()  # the transaction has begun; nothing written yet
        other = sqlite3.connect(db.path, timeout=0)  # type: ignore[arg-type]
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO setting (key, value) VALUES ('x', 'y')")
            seen["raw read"] = other.execute("SELECT count(*) FROM staff").fetchone()[0]
        finally:
            other.close()
        seen["db.read"] = staff_count(db)  # a deferred read on another pooled connection
        session.add(Staff(initials="cd", name="Carl"))

    db.write(work)
    assert seen == {"raw read": 1, "db.read": 1}
    assert staff_count(db) == 2


def test_sqlite_second_writer_waits_then_succeeds(sqlite_database: Database) -> None:
    """A writer at another desk queues behind the lock instead of failing or losing its work.

    The second desk asks for the lock (BEGIN IMMEDIATE) while the first holds it; its BEGIN returns
    only after the first commits, and its row is saved beside the first's."""
    other = Database(sqlite_database.url)
    order: list[str] = []
    second_waits = threading.Event()
    errors: list[BaseException] = []

    @event.listens_for(other.engine, "before_cursor_execute")
    def trying(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement == "BEGIN IMMEDIATE":
            order.append("second asks for the lock")
            second_waits.set()

    @event.listens_for(other.engine, "after_cursor_execute")
    def began(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement == "BEGIN IMMEDIATE":
            order.append("second has the lock")

    @event.listens_for(sqlite_database.engine, "commit")
    def committing(_conn: object) -> None:
        order.append("first commits")

    def holding(session: Session) -> None:
        session.add(Staff(initials="ab", name="Anne"))
        session.flush()
        thread.start()
        # The lock is ours until the other desk has asked for it.
        assert second_waits.wait(30), "the second writer never asked for the lock"

    def second() -> None:
        try:
            other.write(lambda s: s.add(Staff(initials="cd", name="Carl")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=second)
    try:
        sqlite_database.write(holding)
        thread.join(30)
    finally:
        other.dispose()
    assert errors == []
    assert order == [
        "second asks for the lock",
        "first commits",
        "second has the lock",
    ]
    assert staff_count(sqlite_database) == 2


# -- both backends ------------------------------------------------------------------------------


def test_foreign_key_violation_is_refused(database: Database) -> None:
    def orphan(session: Session) -> None:
        session.add(
            Request(
                citizen_id=424242,
                arrived_on=NOW.date(),
                arrived_at=NOW,
                benefit="kontanthjaelp",
                slot_date=NOW.date(),
                registered_by="ab",
            )
        )

    with pytest.raises(IntegrityError):
        database.write(orphan)
    assert database.read(lambda s: s.exec(select(func.count()).select_from(Request)).one()) == 0


def test_failed_write_leaves_nothing_behind(database: Database) -> None:
    def half(session: Session) -> None:
        session.add(
            Citizen(
                cpr="0101901234",
                name="Ib",
                name_folded="ib",
                birth_date=date(1990, 1, 1),
                created_at=NOW,
            )
        )
        session.flush()
        raise RuntimeError("the desk crashed mid-visitation")

    with pytest.raises(RuntimeError):
        database.write(half)
    assert database.read(lambda s: s.exec(select(func.count()).select_from(Citizen)).one()) == 0


# -- PostgreSQL retries -------------------------------------------------------------------------


@pytest.mark.parametrize("db_backend", ["postgresql"], ids=["postgresql"])
def test_postgres_write_reruns_the_work_after_a_serialization_failure(database: Database) -> None:
    """`Database.write` on a real write skew: SQLSTATE 40001, and the work runs again.

    Generic rows (settings) stand in for any work: our transaction counts rows, another
    SERIALIZABLE transaction counts too, inserts and commits; our insert then fails with 40001 and
    `write()` runs the work a second time, which sees the other row. (The seat check itself is
    raced through `visitation.complete` in test_two_desks_book_the_last_seat_at_once.)
    """
    attempts: list[int] = []
    turns: list[tuple[str]] = []
    keys = col(Setting.key).startswith("race:")

    def other_desk_writes() -> None:
        with database.engine.connect() as other:
            other.execution_options(isolation_level="SERIALIZABLE")
            taken = other.execute(
                select(func.count()).select_from(Setting).where(keys)
            ).scalar_one()
            assert taken == 0
            other.execute(text("INSERT INTO setting (key, value) VALUES ('race:b', 'desk b')"))
            other.commit()

    def write_if_none(session: Session) -> int:
        attempts.append(len(attempts) + 1)
        turns.append(session.exec(_HOLDS_THE_TURN).one())  # type: ignore[call-overload]
        taken = session.exec(select(func.count()).select_from(Setting).where(keys)).one()
        if len(attempts) == 1:
            other_desk_writes()
        if taken == 0:
            session.add(Setting(key="race:a", value="desk a"))
        return taken

    assert database.write(write_if_none) == 1  # the rerun saw desk b's row
    assert attempts == [1, 2]
    # The first try runs side by side with other desks; the rerun runs alone (its lock is taken
    # before its snapshot, once the writes under way have ended), so it cannot conflict again.
    assert turns == [("RowShareLock",), ("ExclusiveLock",)]
    assert database.retries == 1
    # A read that is logged (its only write an audit entry) takes no turn on its first try.
    assert database.write(lambda s: s.exec(_HOLDS_THE_TURN).one(), logged_read=True) == (None,)  # type: ignore[call-overload]
    written = database.read(lambda s: s.exec(select(Setting.key).where(keys)).all())
    assert written == ["race:b"]


def test_two_desks_book_the_last_seat_at_once(database: Database, db_backend: str) -> None:
    """Two desks, each with its own connection, complete a conversation on a site with ONE seat.

    Both have seen the seat free. On PostgreSQL both write transactions are held together right
    after their first statement, so only the site's turn stands between them (the save runs
    READ COMMITTED: without the turn both would count the seat free); on SQLite the second desk
    cannot get that far (BEGIN IMMEDIATE waits for the first desk's commit). Either way exactly
    one gets the seat and the other is told the site is full, with nothing saved."""
    from factories import add_company, add_opening, add_site, make_ctx
    from trust_helpers import arrive_and_start, first_start_day, visit_plan

    from jobbutik.domain.errors import CapacityFull
    from jobbutik.services import visitation
    from jobbutik.store.models import Activation, AuditEntry, FollowUp, Referral, Visitation

    site = add_site(database, "Lille plads", seats=1)
    opening = add_opening(database, add_company(database), "Lagerarbejder")
    desks = {name: Database(database.url) for name in ("ka", "kb")}
    contexts = {name: make_ctx(db, name, roles="consultant") for name, db in desks.items()}
    requests = {name: arrive_and_start(ctx, n)[1] for n, (name, ctx) in enumerate(contexts.items())}
    both_saw_a_free_seat = threading.Barrier(2, timeout=30)
    both_inside = threading.Barrier(2, timeout=30)
    attempts: dict[str, int] = {"ka": 0, "kb": 0}
    results: dict[str, object] = {}

    def desk(name: str) -> None:
        ctx = contexts[name]
        try:
            free = visitation.free_sites(ctx, first_start_day(ctx))
            assert [(s.site_id, s.free) for s in free] == [(site, 1)]

            @event.listens_for(desks[name].engine, "after_cursor_execute")
            def attempt(_c: object, _cur: object, statement: str, *_args: object) -> None:
                if statement.startswith("UPDATE request SET status"):  # the write's first
                    attempts[name] += 1
                    if db_backend == "postgresql" and attempts[name] == 1:
                        both_inside.wait()

            both_saw_a_free_seat.wait()
            plan = visit_plan(ctx, requests[name], site, [opening])
            results[name] = visitation.complete(ctx, plan)
        except BaseException as exc:
            results[name] = exc

    threads = [threading.Thread(target=desk, args=(name,)) for name in desks]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for db in desks.values():
            db.dispose()

    won = [n for n, r in results.items() if isinstance(r, visitation.VisitationResult)]
    lost = [n for n, r in results.items() if isinstance(r, CapacityFull)]
    assert (len(won), len(lost)) == (1, 1), results
    winner, loser = won[0], lost[0]
    assert str(results[loser]) == (
        "Lille plads has no free seat from 23.11.2026: choose another site or date."
    )
    # One attempt each: PostgreSQL's loser waited for the site's turn and then counted the
    # winner's seat, instead of being rolled back and run again; SQLite's ran after the winner's.
    assert attempts == {winner: 1, loser: 1}

    def saved(session: Session) -> dict[str, object]:
        def count(model: type, *where: object) -> int:
            return session.exec(select(func.count()).select_from(model).where(*where)).one()

        loser_request = session.get(Request, requests[loser])
        assert loser_request is not None
        return {
            "activations on the site": count(Activation, Activation.site_id == site),
            "visitations": sorted(session.exec(select(Visitation.request_id)).all()),
            "referrals": count(Referral),
            "follow-ups of the refused citizen": count(
                FollowUp, FollowUp.citizen_id == loser_request.citizen_id
            ),
            "visitations logged": count(
                AuditEntry, AuditEntry.entity == "visitation", AuditEntry.action == "create"
            ),
            "refused request": (loser_request.status, loser_request.claimed_by),
        }

    assert database.read(saved) == {
        "activations on the site": 1,
        "visitations": [requests[winner]],
        "referrals": 1,
        "follow-ups of the refused citizen": 0,
        "visitations logged": 1,
        "refused request": ("in_conversation", loser),
    }


def _run_into(results: dict[str, object], name: str, action: Callable[[], object]) -> Thread:
    """A thread that runs `action` and puts its result, or what it raised, in `results`."""

    def run() -> None:
        try:
            results[name] = action()
        except BaseException as exc:
            results[name] = exc

    return threading.Thread(target=run)


def _hold_after(db: Database, prefix: str) -> tuple[threading.Event, threading.Event]:
    """(reached, release): `db`'s transactions stop after a statement starting with `prefix`,
    inside the transaction, until `release` is set."""
    reached, release = threading.Event(), threading.Event()

    @event.listens_for(db.engine, "after_cursor_execute")
    def hold(_c: object, _cur: object, statement: str, *_args: object) -> None:
        if statement.startswith(prefix):
            reached.set()
            assert release.wait(30)

    return reached, release


def _second_waits(
    database: Database,
    first: tuple[Thread, threading.Event],
    second: Thread,
    release: threading.Event,
) -> bool:
    """Start the first thread and let it reach its hold (`_hold_after`), then start the second:
    whether the second comes to wait on a lock. Both are let go and joined."""
    (holder, reached) = first
    try:
        holder.start()
        assert reached.wait(30)
        second.start()
        return _waits_on_a_lock(database, second)
    finally:
        release.set()
        for thread in (holder, second):
            if thread.ident is not None:  # started
                thread.join(30)


def _while_a_save_takes_a_seat(
    database: Database,
    desk: ServiceContext,
    request: int,
    site: int,
    other: tuple[str, Callable[[], object]],
) -> dict[str, object]:
    """The desk saves the conversation of `request`, taking a seat at `site`, and is held after
    the activation's INSERT while `other` runs (it must come to wait on a lock): the results by
    name, "save" and other's."""
    from trust_helpers import visit_plan

    from jobbutik.services import visitation

    booked, release = _hold_after(desk.db, "INSERT INTO activation")
    results: dict[str, object] = {}
    saving = _run_into(
        results, "save", lambda: visitation.complete(desk, visit_plan(desk, request, site, []))
    )
    name, action = other
    second = _run_into(results, name, action)
    assert _second_waits(database, (saving, booked), second, release), results
    return results


def _waits_on_a_lock(database: Database, thread: Thread) -> bool:
    """Whether `thread`'s transaction comes to wait on a lock on the server (PostgreSQL)."""
    with database.engine.connect() as watcher:
        for _ in range(3000):
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
            if waiting or not thread.is_alive():
                return bool(waiting)
            watcher.rollback()
            threading.Event().wait(0.01)
    return False


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_fewer_seats_wait_for_a_booking_under_way(database: Database) -> None:
    """A supervisor lowers a site's seats while a desk is saving a conversation that takes one.

    The desk's save has taken the site's turn and inserted its activation, and is held there,
    uncommitted. The change of seats must wait for it (PostgreSQL shows it waiting on a lock)
    and then count the new seat: two seats taken, so one seat is refused. Had it counted without
    the turn it would have seen one seat taken, allowed one, and left the site over capacity."""
    from factories import add_company, add_opening, add_site, make_ctx
    from trust_helpers import arrive_and_start, visit_plan

    from jobbutik.services import sites, visitation

    site = add_site(database, "To pladser", seats=2)
    opening = add_opening(database, add_company(database), "Lagerarbejder")
    desk_db, supervisor_db = Database(database.url), Database(database.url)
    desk = make_ctx(desk_db, "ka", roles="consultant")
    supervisor = make_ctx(supervisor_db, "sv", roles="supervisor,admin")
    first = arrive_and_start(desk, 1)[1]
    visitation.complete(desk, visit_plan(desk, first, site, [opening]))  # one seat taken
    second = arrive_and_start(desk, 2)[1]
    fewer = replace(sites.get_site(supervisor, site), seats=1)
    try:
        results = _while_a_save_takes_a_seat(
            database,
            desk,
            second,
            site,
            ("seats", lambda: sites.update_site(supervisor, site, fewer)),
        )
    finally:
        desk_db.dispose()
        supervisor_db.dispose()

    assert isinstance(results["save"], visitation.VisitationResult), results
    assert str(results["seats"]) == (
        "2 seats are taken from today on: the site needs at least 2 seats."
    )
    assert sites.get_site(supervisor, site).seats == 2


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_a_site_closed_while_a_desk_saves_is_not_booked(database: Database) -> None:
    """A supervisor takes a site out of use, and holds the site's turn uncommitted, while a desk
    saves a conversation that books a seat there. The save waits for the turn, reads the site as
    the supervisor left it, and must not book it: the desk is told the site is not in use, and
    its conversation is left open with nothing saved."""
    from factories import add_site, make_ctx
    from trust_helpers import arrive_and_start, visit_plan

    from jobbutik.services import sites, visitation
    from jobbutik.store.models import Activation, Visitation

    site = add_site(database, "Lukker nu", seats=5)
    desk_db, supervisor_db = Database(database.url), Database(database.url)
    desk = make_ctx(desk_db, "ka", roles="consultant")
    supervisor = make_ctx(supervisor_db, "sv", roles="supervisor,admin")
    request = arrive_and_start(desk, 1)[1]
    closing, release = _hold_after(supervisor_db, "UPDATE activationsite")
    results: dict[str, object] = {}
    closed = replace(sites.get_site(supervisor, site), active=False)
    changing = _run_into(results, "close", lambda: sites.update_site(supervisor, site, closed))
    saving = _run_into(
        results, "save", lambda: visitation.complete(desk, visit_plan(desk, request, site, []))
    )
    try:
        assert _second_waits(database, (changing, closing), saving, release), results
    finally:
        desk_db.dispose()
        supervisor_db.dispose()

    assert results["close"] is None, results
    assert str(results["save"]) == "That activation site is not in use.", results

    def saved(session: Session) -> tuple[int, int, str | None]:
        activations = session.exec(select(func.count()).select_from(Activation)).one()
        visitations = session.exec(select(func.count()).select_from(Visitation)).one()
        found = session.get(Request, request)
        return activations, visitations, found.status if found else None

    assert database.read(saved) == (0, 0, "in_conversation")


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_a_booking_waits_for_a_save_taking_the_last_seat(database: Database) -> None:
    """A desk saves a conversation that takes a site's last seat and holds it uncommitted; a
    second desk books a start there for another citizen (outside a conversation, SERIALIZABLE).
    The booking must wait for the site's turn and then find the site full: SERIALIZABLE alone
    would not see the save (it runs READ COMMITTED) and would book a seat too many."""
    from factories import add_site, make_ctx
    from trust_helpers import arrive_and_start, first_start_day, visit_plan

    from jobbutik.domain.errors import CapacityFull
    from jobbutik.services import sites, visitation
    from jobbutik.store.models import Activation

    site = add_site(database, "To pladser", seats=2)
    elsewhere = add_site(database, "Andet sted", seats=5)
    saving_db, booking_db = Database(database.url), Database(database.url)
    saver = make_ctx(saving_db, "ka", roles="consultant")
    booker = make_ctx(booking_db, "kb", roles="consultant")
    citizen, earlier = arrive_and_start(booker, 1)  # visited before: may be booked a new start
    visitation.complete(booker, visit_plan(booker, earlier, elsewhere, []))
    first = arrive_and_start(saver, 2)[1]
    visitation.complete(saver, visit_plan(saver, first, site, []))  # one of two seats taken
    second = arrive_and_start(saver, 3)[1]
    day = first_start_day(booker)
    try:
        results = _while_a_save_takes_a_seat(
            database,
            saver,
            second,
            site,
            ("book", lambda: sites.book_start(booker, citizen, site, day)),
        )
    finally:
        saving_db.dispose()
        booking_db.dispose()

    assert isinstance(results["save"], visitation.VisitationResult), results
    assert isinstance(results["book"], CapacityFull), results
    taken = database.read(
        lambda s: s.exec(
            select(func.count()).select_from(Activation).where(Activation.site_id == site)
        ).one()
    )
    assert taken == 2


# -- clear failures -----------------------------------------------------------------------------


def test_a_file_that_is_no_database(tmp_path: Path) -> None:
    path = tmp_path / "letter.sqlite"
    path.write_text("Kære borger, dette er et brev og ingen database.\n" * 100)
    db = Database(str(path))
    try:
        for attempt in (
            lambda: db.read(lambda s: s.exec(select(Staff)).all()),
            lambda: db.write(lambda s: s.add(Staff(initials="ab", name="Anne"))),
            lambda: schema.upgrade(db),
            lambda: schema.current_revision(db),
        ):
            with pytest.raises(DatabaseUnavailable) as err:
                attempt()
            assert str(err.value) == f"{path} is not a jobbutik database, or it is damaged."
    finally:
        db.dispose()
    assert path.read_text().startswith("Kære borger")  # untouched


_HOLDS_THE_TURN = text(
    "SELECT string_agg(mode, ',') FROM pg_locks WHERE pid = pg_backend_pid() "
    "AND relation = 'writeturn'::regclass AND granted"
)


@pytest.mark.parametrize("db_backend", ["postgresql"], ids=["postgresql"])
def test_postgres_connection_dropped_while_idle_is_replaced_unseen(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server restart or a firewall drops a desk's pooled connection during a quiet spell: the
    next action pings the idle connection, finds it dead and connects again; the desk sees
    nothing. (Busy connections are not pinged: that cost a round trip per transaction.)"""
    from jobbutik.store import db as store_db

    pid = database.read(lambda s: s.exec(text("SELECT pg_backend_pid()")).one()[0])  # type: ignore[call-overload]
    other = Database(database.url)  # another desk's pool: this one's connection stays idle
    try:
        other.read(lambda s: s.exec(text(f"SELECT pg_terminate_backend({int(pid)})")).one())  # type: ignore[call-overload]
    finally:
        other.dispose()
    monkeypatch.setattr(store_db, "PG_IDLE_PING_SECONDS", 0.0)
    again = database.read(lambda s: s.exec(text("SELECT pg_backend_pid()")).one()[0])  # type: ignore[call-overload]
    assert again != pid


@pytest.mark.parametrize("db_backend", ["postgresql"], ids=["postgresql"])
def test_postgres_desk_does_not_wait_for_the_seal_and_then_reads_its_entry(
    database: Database,
) -> None:
    """The seal that chains a commit's audit entries runs beside the desk, not in its way (a
    round trip less for every action on a server across town): while another sealer holds the
    seal's lock, a search still returns, its entry waits in `auditpending`; once the lock is
    free, the desk's next read finds its entry in the chain."""
    from factories import make_ctx

    from jobbutik.services import citizens
    from jobbutik.store.models import AuditEntry

    def searched(db: Database) -> list[str]:
        return db.read(
            lambda s: list(
                s.exec(select(AuditEntry.detail).where(AuditEntry.action == "search")).all()
            )
        )

    ctx = make_ctx(database, "ab")
    sealer = Database(database.url)  # another desk's program, sealing at this moment
    try:
        with sealer.engine.connect() as holder:
            holder.execute(text("BEGIN"))
            holder.execute(text("SELECT pg_advisory_xact_lock(1936023916)"))
            done = threading.Event()
            desk = threading.Thread(
                target=lambda: (citizens.search(ctx, "Jensen"), done.set()), daemon=True
            )
            desk.start()
            assert done.wait(30), "the search waited for the seal"
            waiting = holder.execute(text("SELECT detail FROM auditpending")).scalars().all()
            assert waiting == ["Jensen"]
            holder.execute(text("COMMIT"))
        assert searched(database) == ["Jensen"]
    finally:
        sealer.dispose()


def test_postgres_nobody_listens() -> None:
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/jobbutik")
    try:
        for attempt in (
            lambda: db.read(lambda s: s.exec(select(Staff)).all()),
            lambda: db.write(lambda s: s.add(Staff(initials="ab", name="Anne"))),
            lambda: schema.upgrade(db),
        ):
            with pytest.raises(DatabaseUnavailable, match="Cannot reach the database server"):
                attempt()
    finally:
        db.dispose()


def test_unsupported_url() -> None:
    with pytest.raises(DatabaseUnavailable, match="Unsupported database"):
        Database("mysql://someone@localhost/jobbutik")


# -- reads side by side on one snapshot (a long report) -------------------------------------------


def _settings_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Setting)).one()


def test_reads_side_by_side_share_one_snapshot_while_a_desk_commits(database: Database) -> None:
    """A report's reads run side by side, each in its own transaction: a desk that commits while
    they start is in none of them or in all (the report's figures agree), and its commit is
    kept. On SQLite it waits the instant the snapshots take; on PostgreSQL it does not wait and
    the readers take the first one's snapshot."""
    before = database.read(_settings_count)
    other = Database(database.url)  # another desk
    committed = threading.Event()
    desk: list[Thread] = []

    def commit() -> None:
        other.write(lambda s: s.add(Setting(key="committed meanwhile", value="1")))
        committed.set()

    def once_the_first_snapshot_is_taken(_conn, _cursor, statement: str, *_args: object) -> None:
        if desk or not ("sqlite_master" in statement or "pg_export_snapshot" in statement):
            return
        desk.append(Thread(target=commit, daemon=True))
        desk[0].start()
        # On PostgreSQL it commits at once; on SQLite it waits for the snapshots (this long
        # is enough for a commit that did not wait, and keeps the test short when it does).
        committed.wait(1.0 if database.backend == "sqlite" else 30)

    together = threading.Barrier(3, timeout=30)  # each reader runs one: none takes them all

    def count(session: Session) -> int:
        together.wait()
        return _settings_count(session)

    event.listen(database.engine, "after_cursor_execute", once_the_first_snapshot_is_taken)
    try:
        counts = database.read_together([count] * 3, readers=3)
    finally:
        event.remove(database.engine, "after_cursor_execute", once_the_first_snapshot_is_taken)
    try:
        assert desk, "no snapshot was taken"
        desk[0].join(30)
        assert committed.is_set()
        assert counts == [before] * 3
        assert database.read(_settings_count) == before + 1
    finally:
        other.dispose()


def test_reads_side_by_side_do_not_wait_for_a_desk_writing_a_while(
    sqlite_database: Database,
) -> None:
    """A desk holding SQLite's write lock (a long import) does not hold up a report: its reads
    run one after another on one snapshot instead, while the desk still writes; every pooled
    connection then waits for the write lock as long as before (a desk's save is never told
    "busy" sooner)."""
    database = sqlite_database
    before = database.read(_settings_count)
    assert database.path is not None
    desk = sqlite3.connect(database.path, isolation_level=None)
    try:
        desk.execute("BEGIN IMMEDIATE")
        desk.execute("INSERT INTO setting (key, value) VALUES ('being written', '1')")
        assert database.read_together([_settings_count] * 3, readers=3) == [before] * 3
        desk.execute("COMMIT")
    finally:
        desk.close()
    assert database.read_together([_settings_count] * 3, readers=3) == [before + 1] * 3
    pooled = [database.engine.connect() for _ in range(database.engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        timeouts = {
            c.connection.driver_connection.execute("PRAGMA busy_timeout").fetchone()[0]  # type: ignore[union-attr]
            for c in pooled
        }
    finally:
        for connection in pooled:
            connection.close()
    assert timeouts == {SQLITE_BUSY_TIMEOUT_MS}


def test_reads_side_by_side_return_in_order_and_a_failure_stops_them(
    database: Database,
) -> None:
    """Every work's result comes back in the order given, whichever reader ran it; one that
    fails is raised to the caller, the others stop, and the database serves the next read."""
    works = [lambda s, n=n: (n, _settings_count(s)) for n in range(7)]
    count = database.read(_settings_count)
    assert database.read_together(works, readers=3) == [(n, count) for n in range(7)]
    assert database.read_together(works, readers=1) == [(n, count) for n in range(7)]

    ran: list[int] = []

    def fails(_session: Session) -> None:
        raise ValueError("a report's bug")

    def later(session: Session) -> None:
        ran.append(_settings_count(session))

    for _ in range(3):  # the readers' connections go back to the pool each time
        with pytest.raises(ValueError, match="a report's bug"):
            database.read_together([fails] + [later] * 20, readers=2)
    assert len(ran) < 3 * 20
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert database.read_together([_settings_count] * 2, readers=2) == [count, count]


def test_reads_side_by_side_on_a_database_in_memory_run_in_its_one_connection() -> None:
    """A database in memory (`--db sqlite://`) lives in its one connection: the reads all see
    it (another connection would see an empty database of its own)."""
    db = Database("sqlite://")
    try:
        schema.upgrade(db)
        db.write(lambda s: s.add(Setting(key="written", value="1")))
        count = db.read(_settings_count)
        assert count > 0
        assert db.read_together([_settings_count] * 3, readers=3) == [count] * 3
    finally:
        db.dispose()

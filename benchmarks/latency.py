"""A server that is not local: the desk's actions against PostgreSQL with 5 ms of round-trip time.

A consultant's desk (its own login role) reaches the benchmark's server through the delaying
proxy (benchmarks/delay.py: 2.5 ms each way) and does what a desk does, through the services the
screens call: a CPR lookup, a name search typed letter by letter (each keystroke one search), a
citizen opened (the history), a whole visitation saved, and the Today board loaded (its change
counter and its rows, as the board reads them). For each action: its time (median and p95) and
its round trips (counted by the proxy), and as the anchor the same statements sent by plain
psycopg through the same proxy (benchmarks/replay.py; rolled back, so without a commit).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from benchmarks.common import Result, median, ms, percentile, say
from benchmarks.delay import Delayed, delayed
from benchmarks.pg import DATABASE, OWNER, Server, desk_initials, desk_login
from benchmarks.replay import record, replay
from benchmarks.throughput import add_site_and_openings, conversations

ROUND_TRIP = 0.005
ACTION_TARGET = 0.100
KEYSTROKE_TARGET = 0.050
DESK = 32  # the desk (login role and staff member) whose actions are timed
SAVES = 30
SAMPLE_SEED = 17
_SEAL = "jobbutik_audit_seal"


@dataclass(frozen=True)
class Action:
    name: str
    run: Callable[[Any], object]
    items: list[Any]
    target: float
    # A save's statements cannot be sent again as recorded: each insert names the ids the one
    # before it was given (a visitation's id in its activation), which a replay is not given.
    replayable: bool = True
    about: str = ""  # said in the figure's note


@dataclass
class Timing:
    seconds: list[float]
    trips: list[int]
    raw: list[float]


def _sample(found: Server) -> tuple[list[str], list[int], list[str]]:
    import psycopg

    rng = random.Random(SAMPLE_SEED)
    with psycopg.connect(
        host="127.0.0.1", port=found.port, user=OWNER, dbname=DATABASE, autocommit=True
    ) as connection:
        rows = connection.execute(
            "SELECT id, cpr, name FROM citizen WHERE name NOT LIKE 'Bench Borger %' ORDER BY id"
        ).fetchall()
    picked = rng.sample(rows, 40)
    typed: list[str] = []
    for _id, _cpr, name in picked[:10]:
        surname = str(name).split()[-1]
        typed += [surname[:k] for k in range(1, min(len(surname), 8) + 1)]
    return [str(cpr) for _i, cpr, _n in picked], [int(i) for i, _c, _n in picked], typed


def _timed(proxy: Delayed, db: Any, action: Action, raw_connection: Any) -> Timing:
    """The action's time and the round trips the desk waits for: the seal of its audit entries
    runs beside the desk after the commit (one round trip it does not wait for), so it is
    waited for before the next action and its round trip is not counted."""
    timing = Timing([], [], [])
    action.run(action.items[0])  # a warm connection and warm caches, as at a desk all day
    db.wait_for_seal()
    for item in action.items[1:]:
        before, seals = proxy.round_trips, db.seals
        started = time.perf_counter()
        action.run(item)
        timing.seconds.append(time.perf_counter() - started)
        db.wait_for_seal()
        timing.trips.append(proxy.round_trips - before - (db.seals - seals))
        if not action.replayable:
            continue

        def dry_run(item: Any = item) -> None:
            action.run(item)
            db.wait_for_seal()

        # Recorded again in a dry run (its commits roll back), so the replay can write them too;
        # without the seal, which the desk does not wait for.
        _result, statements = record(db, dry_run, dry=True)
        started = time.perf_counter()
        replay(raw_connection, [s for s in statements if _SEAL not in s.sql])
        timing.raw.append(time.perf_counter() - started)
    return timing


def _round_trip(found: Server, port: int) -> float:
    """The median time of a bare `SELECT 1` as a desk's login, to `port`."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=port, user=desk_login(DESK), dbname=DATABASE, autocommit=True
    ) as connection:
        times = []
        for _n in range(50):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchone()
            times.append(time.perf_counter() - started)
    return median(times)


def run(found: Server) -> list[Result]:
    import psycopg

    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import arrivals, citizens, visitation
    from jobbutik.services.config import context_for
    from jobbutik.store.db import Database

    cprs, ids, typed = _sample(found)
    rules = load_rulebook()
    near = Database(found.url(desk_login(DESK)))
    try:
        site, openings = add_site_and_openings(found.owner_url, date.today())  # the owner's work
        near_ctx = context_for(near, desk_initials(DESK), Clock(), rules)
        plans = conversations(near_ctx, range(900_000, 900_000 + SAVES), site, openings)
    finally:
        near.dispose()
    say(f"PostgreSQL through {ROUND_TRIP * 1000:.0f} ms of round trip: the desk's actions …")
    results: list[Result] = []
    with delayed(found.port, round_trip=ROUND_TRIP) as proxy:
        db = Database(found.url(desk_login(DESK), port=proxy.port))
        raw = psycopg.connect(
            host="127.0.0.1", port=proxy.port, user=desk_login(DESK), dbname=DATABASE
        )
        try:
            added = _round_trip(found, proxy.port) - _round_trip(found, found.port)
            results.append(
                Result(
                    "Added round trip (the proxy)",
                    ms(added),
                    f"{ms(ROUND_TRIP)}",
                    None,
                    "median of 50 bare SELECT 1 through the proxy, less the same straight to the "
                    "server",
                )
            )
            ctx = context_for(db, desk_initials(DESK), Clock(), rules)

            def board(_n: int) -> object:
                return arrivals.board(ctx)  # the counter and the rows, as the screen reads them

            actions = [
                Action(
                    "CPR lookup", lambda cpr: citizens.lookup_cpr(ctx, cpr), cprs, ACTION_TARGET
                ),
                Action(
                    "Search keystroke",
                    lambda term: citizens.search(ctx, term),
                    typed,
                    KEYSTROKE_TARGET,
                ),
                Action("Open the citizen", lambda i: citizens.history(ctx, i), ids, ACTION_TARGET),
                Action(
                    "Save a visitation",
                    lambda plan: visitation.complete(ctx, plan),
                    plans,
                    ACTION_TARGET,
                    replayable=False,
                ),
                Action(
                    "Load the board",
                    board,
                    list(range(30)),
                    ACTION_TARGET,
                    about=f"{len(arrivals.board(ctx)[1]):,} rows on the board; ",
                ),
            ]
            for action in actions:
                timing = _timed(proxy, db, action, raw)
                p95 = percentile(timing.seconds, 0.95)
                results.append(
                    Result(
                        f"{action.name}, PostgreSQL +5 ms RTT",
                        f"median {ms(median(timing.seconds))}, p95 {ms(p95)}",
                        f"p95 ≤ {ms(action.target)}",
                        p95 <= action.target,
                        action.about
                        + f"{median(timing.trips):.0f} round trips (max {max(timing.trips)}), "
                        "and the seal beside the desk; "
                        + (
                            f"raw PostgreSQL, same statements: median {ms(median(timing.raw))} "
                            "(rolled back)"
                            if timing.raw
                            else "no raw replay (new rows' ids)"
                        )
                        + f"; {len(timing.seconds)} runs",
                    )
                )
        finally:
            raw.close()
            db.dispose()
    return results

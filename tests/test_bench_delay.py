"""The benchmark's server across town (benchmarks.delay): every round trip through the proxy takes
the added time, and the proxy counts the round trips an action makes."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psycopg
from pgcluster import SUPERUSER, PgCluster

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.delay import delayed


def test_each_query_is_one_round_trip_and_waits_the_added_time(pg_cluster: PgCluster) -> None:
    with (
        delayed(pg_cluster.port, round_trip=0.020) as proxy,
        psycopg.connect(
            host="127.0.0.1", port=proxy.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection,
    ):
        assert proxy.round_trips >= 1  # the connection's start-up went through it
        before = proxy.round_trips
        started = time.perf_counter()
        for n in range(5):
            assert connection.execute("SELECT %s::int", (n,)).fetchone() == (n,)
        took = time.perf_counter() - started
        assert proxy.round_trips - before == 5
        assert took >= 5 * 0.020  # each one waited a whole added round trip
        with connection.transaction():  # BEGIN, the query, COMMIT: three
            connection.execute("SELECT 1")
        assert proxy.round_trips - before == 8

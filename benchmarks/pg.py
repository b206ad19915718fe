"""PostgreSQL as a whole jobcentre's engine: many desks at once, and a server that is not local.

The benchmark starts a throwaway cluster of its own (tests/pgcluster.py) with a real server's
settings (fsync, synchronous commit and full-page writes on), makes an owner role and a database,
builds the demo in it with the real command (`jobbutik demo --no-tui`, as the owner), and adds
32 consultants, each with a PostgreSQL login role of their own (`staff add --os-login`): every
desk connects as its own role, so the server's checks (the audit append function, row-level
security on drafts, the table privileges of a desk) are in every figure.

1. A server that is not local: the desk actions through a proxy on 127.0.0.1 that holds every
   packet 2.5 ms each way (5 ms round trip), counting round trips (benchmarks/latency.py).
2. Throughput: 8 and then 32 desks save whole visitations at once (benchmarks/throughput.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.common import PYTHON, ROOT, SEED, Result, jobbutik_env, measured, say
from benchmarks.throughput import (
    Desk,
    add_site_and_openings,
    figures,
    run_desks,
    stored_visitations,
)

DATABASE = "jobbutik_bench"
OWNER = "jbbench_owner"
DESKS = 32
DEMO_CITIZENS = 2_000
SAVE_P95 = 0.100


@dataclass(frozen=True)
class Server:
    port: int
    postmaster: int  # its process id

    def url(self, role: str, *, port: int | None = None) -> str:
        return f"postgresql+psycopg://{role}@127.0.0.1:{port or self.port}/{DATABASE}"

    @property
    def owner_url(self) -> str:
        return self.url(OWNER)

    def cpu(self) -> float:
        """Seconds of CPU the server has used so far (autovacuum and its other workers too): the
        postmaster's own and its ended children's, and each running child's. A backend's moves
        to the ended ones when it exits: read again should one move during the count."""

        def stat(pid: int | str) -> list[str]:  # the fields after the command's name
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

        # From the state on: ppid [1], utime [11], stime [12], cutime [13], cstime [14].
        while True:
            before = stat(self.postmaster)[11:15]
            ticks = 0
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        child = stat(entry.name)
                    except OSError:  # ended meanwhile
                        continue
                    if int(child[1]) == self.postmaster:
                        ticks += int(child[11]) + int(child[12])
            after = stat(self.postmaster)[11:15]
            if after[2:] == before[2:]:  # no child's time moved to the ended ones
                return (ticks + sum(int(n) for n in after)) / os.sysconf("SC_CLK_TCK")


def desk_login(n: int) -> str:
    return f"jbbench_desk{n:02d}"


def desk_initials(n: int) -> str:
    return f"d{n:02d}"


@contextmanager
def server() -> Iterator[Server]:
    """A durable throwaway cluster with the demo and the desks' staff and roles; removed after."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgcluster import PgCluster  # the tests' throwaway cluster (needs the server binaries)

    say("PostgreSQL: starting a throwaway cluster (fsync and synchronous commit on) …")
    cluster = PgCluster(name="jobbutik-bench", durable=True).start()
    try:
        cluster.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE")
        cluster.execute(f"CREATE DATABASE {DATABASE} OWNER {OWNER}")
        pid = (cluster.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        found = Server(cluster.port, int(pid))
        # As of the real day: desks stamp their audit entries with the real clock.
        say(f"PostgreSQL: building the {DEMO_CITIZENS:,}-citizen demo as the owner …")
        subprocess.run(
            [
                PYTHON,
                "-m",
                "jobbutik",
                "--db",
                found.owner_url,
                "demo",
                "--citizens",
                str(DEMO_CITIZENS),
                "--seed",
                str(SEED),
                "--no-tui",
            ],
            env={k: v for k, v in jobbutik_env().items() if k != "JOBBUTIK_TODAY"},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _add_desks(found)
        yield found
    finally:
        cluster.stop()


def _add_desks(found: Server) -> None:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import staff
    from jobbutik.services.config import context_for
    from jobbutik.services.pgroles import grant_privileges
    from jobbutik.store.db import Database

    db = Database(found.owner_url)
    try:
        grant_privileges(db)  # what `jobbutik db upgrade` does as the owner: the desks' groups
        admin = context_for(db, "demo", Clock(), load_rulebook())
        for n in range(1, DESKS + 1):
            staff.add_staff(
                admin,
                desk_initials(n),
                f"Desk Konsulent {n}",
                "consultant",
                os_login=desk_login(n),
            )
    finally:
        db.dispose()


def _stored(found: Server) -> int:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=found.port, user=OWNER, dbname=DATABASE, autocommit=True
    ) as connection:
        return stored_visitations(
            lambda sql: int(connection.execute(sql).fetchone()[0])  # type: ignore[index]
        )


def throughput(found: Server) -> list[Result]:
    site, openings = add_site_and_openings(found.owner_url, date.today())
    results: list[Result] = []
    first = 0
    for desks, per_desk in ((8, 100), (32, 40)):
        say(f"PostgreSQL throughput: {desks} desks × {per_desk} visitations …")
        before = _stored(found)
        plan = [
            Desk(
                found.url(desk_login(k + 1)),
                desk_initials(k + 1),
                first + k * per_desk,
                per_desk,
                today=None,
            )
            for k in range(desks)
        ]
        first += desks * per_desk
        seconds, reports, server_cpu = run_desks(plan, site, openings, found.cpu)
        stored = _stored(found) - before
        results += figures(
            "PostgreSQL",
            plan,
            seconds,
            reports,
            stored,
            p95_target=SAVE_P95 if desks == DESKS else None,
            server_cpu=server_cpu,
        )
    return results


def run() -> list[Result]:
    """Both PostgreSQL parts on one throwaway server; a part that cannot run says why."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgcluster import PostgresNotFound

    from benchmarks import latency

    try:
        with server() as found:
            # The desk's actions first, on a working day's data: the throughput runs then add
            # 2,080 visitations to one day, a day no Jobbutik has (its board would have them all).
            return measured("PostgreSQL +5 ms", lambda: latency.run(found)) + measured(
                "PostgreSQL throughput", lambda: throughput(found)
            )
    except PostgresNotFound as exc:
        return [Result("PostgreSQL parts (not run)", "-", "-", None, str(exc))]

"""Soak: 8 processes register and visit citizens at once for a bounded time, on one SQLite file
and on PostgreSQL. Every other visit books a seat on a site with only SEATS seats, so the seat
check runs under load: the site ends exactly full, never over, and each visit it refused (the one
error a desk may see here, CapacityFull) is known to its desk and left nothing behind. Nothing is
lost (every acknowledged visitation is there, whole) and no other error reaches a user (a child
that sees any other exception, even a one-line DatabaseBusy, fails the test).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROCESSES = 8
SECONDS = 6.0
SEATS = 5  # of the small site


def _child(url: str, acks: str, base: int, seconds: float) -> int:
    sys.path.insert(0, str(HERE))
    from factories import make_ctx
    from trust_helpers import DESK_ROLES, arrive_and_start, visit_plan

    from jobbutik.domain.errors import CapacityFull
    from jobbutik.services import citizens, visitation
    from jobbutik.store.db import Database

    db = Database(url)
    ctx = make_ctx(db, f"desk{base // 10_000}", roles=DESK_ROLES)
    small = int(os.environ["SOAK_SMALL_SITE"])
    big = int(os.environ["SOAK_BIG_SITE"])
    openings = [int(x) for x in os.environ["SOAK_OPENINGS"].split(",")]
    deadline = time.monotonic() + seconds
    n = base
    with open(acks, "w", encoding="utf-8") as out:
        try:
            while time.monotonic() < deadline:
                _citizen, request = arrive_and_start(ctx, n)
                site = small if n % 2 == 0 else big
                try:
                    result = visitation.complete(ctx, visit_plan(ctx, request, site, openings))
                except CapacityFull as refused:
                    out.write(f"refused {request} {refused}\n")
                else:
                    out.write(f"done {request} {result.visitation_id} {site}\n")
                citizens.search(ctx, f"Borger {n}")  # reads go on beside the writes
                out.flush()
                n += 1
        except BaseException as exc:
            out.write(f"ERROR {type(exc).__name__}: {exc}\n")
            return 1
        finally:
            db.dispose()
    return 0


def _soak(db_url: str, tmp_path: Path) -> None:
    from factories import add_site
    from sqlmodel import func, select
    from trust_helpers import cli, seats_held, setup_visits

    from jobbutik.services import audit
    from jobbutik.store.db import Database
    from jobbutik.store.models import AuditEntry, Referral, Request, Visitation

    db = Database(db_url)
    try:
        setup = setup_visits(db)
        small = add_site(db, "Lille plads", seats=SEATS)
        env = {
            **os.environ,
            "SOAK_SMALL_SITE": str(small),
            "SOAK_BIG_SITE": str(setup["site"]),
            "SOAK_OPENINGS": ",".join(str(o) for o in setup["openings"]),
        }
        acks = [tmp_path / f"soak-{i}.txt" for i in range(PROCESSES)]
        children = [
            subprocess.Popen(
                [sys.executable, __file__, db_url, str(acks[i]), str(i * 10_000), str(SECONDS)],
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(PROCESSES)
        ]
        problems = []
        for i, child in enumerate(children):
            _out, err = child.communicate(timeout=SECONDS + 60)
            if child.returncode != 0:
                last = acks[i].read_text()[-800:] if acks[i].exists() else ""
                problems.append((i, child.returncode, last, err[-2000:]))
        assert not problems, problems
        acked: dict[int, int] = {}
        on_small = 0
        refused: dict[int, str] = {}
        for path in acks:
            for line in path.read_text().splitlines():
                kind, request, rest = line.split(" ", 2)
                if kind == "refused":
                    refused[int(request)] = rest
                else:
                    visit, site = (int(x) for x in rest.split())
                    acked[visit] = int(request)
                    on_small += site == small
        lines = [len(path.read_text().splitlines()) for path in acks]
        assert min(lines) >= 1, f"a desk got no visit done: {lines}"
        # More desks wanted the small site than it had seats: exactly SEATS got one, the rest
        # were told it was full.
        assert on_small == SEATS
        assert refused, "no visit was refused: the seat limit was never reached"
        assert set(refused.values()) == {
            "Lille plads has no free seat from 23.11.2026: choose another site or date."
        }

        def state(session):  # type: ignore[no-untyped-def]
            visits = dict(session.exec(select(Visitation.id, Visitation.request_id)).all())
            refs = dict(
                session.exec(
                    select(Referral.visitation_id, func.count()).group_by(Referral.visitation_id)
                ).all()
            )
            audited = session.exec(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "visitation", AuditEntry.action == "create")
            ).one()
            status = dict(session.exec(select(Request.id, Request.status)).all())
            return visits, refs, audited, status

        visits, refs, audited, status = db.read(state)
        assert visits == acked  # nothing lost, nothing extra
        # A refused visit left nothing: no visitation, the request still in conversation.
        assert not set(refused) & set(visits.values())
        assert {status[r] for r in refused} == {"in_conversation"}
        held = seats_held(db)
        assert held[small] == (SEATS, SEATS)
        assert all(taken <= seats for seats, taken in held.values()), held
        assert all(refs.get(v) == len(setup["openings"]) for v in visits)
        assert audited == len(visits)
        verification = audit.verify(db)
        assert verification.ok, verification.message
        check = cli(db_url, "boss", "db", "check")
        assert check.exit_code == 0, check.output
    finally:
        db.dispose()


@pytest.mark.slow
def test_soak(database: object, tmp_path: Path) -> None:
    from jobbutik.store.db import Database

    assert isinstance(database, Database)
    _soak(database.url, tmp_path)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))

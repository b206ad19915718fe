"""Soak: 8 processes register and visit citizens at once for a bounded time, on one SQLite file
and on PostgreSQL. Nothing is lost (every acknowledged visitation is there, whole) and no error
reaches a user (a child that sees any exception, even a one-line DatabaseBusy, fails the test).
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


def _child(url: str, acks: str, base: int, seconds: float) -> int:
    sys.path.insert(0, str(HERE))
    from factories import make_ctx
    from trust_helpers import register_and_visit

    from jobbutik.services import citizens
    from jobbutik.store.db import Database

    db = Database(url)
    ctx = make_ctx(db, f"desk{base // 10_000}")
    site = int(os.environ["SOAK_SITE"])
    openings = [int(x) for x in os.environ["SOAK_OPENINGS"].split(",")]
    deadline = time.monotonic() + seconds
    n = base
    with open(acks, "w", encoding="utf-8") as out:
        try:
            while time.monotonic() < deadline:
                _citizen, request, result = register_and_visit(ctx, n, site, openings)
                citizens.search(ctx, f"Borger {n}")  # reads go on beside the writes
                out.write(f"{request} {result.visitation_id}\n")
                out.flush()
                n += 1
        except BaseException as exc:
            out.write(f"ERROR {type(exc).__name__}: {exc}\n")
            return 1
        finally:
            db.dispose()
    return 0


def _soak(db_url: str, tmp_path: Path) -> None:
    from sqlmodel import func, select
    from trust_helpers import cli, setup_visits

    from jobbutik.services import audit
    from jobbutik.store.db import Database
    from jobbutik.store.models import AuditEntry, Referral, Visitation

    db = Database(db_url)
    try:
        setup = setup_visits(db)
        env = {
            **os.environ,
            "SOAK_SITE": str(setup["site"]),
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
        for path in acks:
            for line in path.read_text().splitlines():
                request, visit = (int(x) for x in line.split())
                acked[visit] = request
        assert len(acked) >= PROCESSES, "too little work got done"

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
            return visits, refs, audited

        visits, refs, audited = db.read(state)
        assert visits == acked  # nothing lost, nothing extra
        assert all(refs.get(v) == len(setup["openings"]) for v in visits)
        assert audited == len(visits)
        verification = audit.verify(db)
        assert verification.ok, verification.message
        check = cli(db_url, "boss", "db", "check")
        assert check.exit_code == 0, check.output
    finally:
        db.dispose()


@pytest.mark.slow
def test_soak_sqlite(sqlite_database: object, tmp_path: Path) -> None:
    from jobbutik.store.db import Database

    assert isinstance(sqlite_database, Database)
    _soak(sqlite_database.url, tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_soak_postgresql(database: object, db_backend: str, tmp_path: Path) -> None:
    from jobbutik.store.db import Database

    if db_backend != "postgresql":
        pytest.skip("the SQLite soak is test_soak_sqlite")
    assert isinstance(database, Database)
    _soak(database.url, tmp_path)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))

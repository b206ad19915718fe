"""Crash safety: writers killed with SIGKILL mid-work, many times in a row, never leave half a
visitation; a CSV import killed mid-way leaves all of the file or none of it.

The child (this file run as a script) registers and visits citizens in a loop and, after each
`visitation.complete()` returns, appends one acknowledgement line to a file and fsyncs it. The
parent kills it at a random moment, again and again, then proves: `PRAGMA integrity_check` and
`jobbutik db check` pass; every acknowledged visitation is present whole (visitation, its
activation, referrals, follow-ups and audit entry); and no visitation anywhere is present half.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROUNDS = 14
WRITERS = 2
BUDGET_SECONDS = 25
REFERRALS = 3  # each visit refers to every opening set up below
# activation start + nytteindsats review + one per referral + CV deadline
FOLLOW_UPS = 2 + REFERRALS + 1


def _child(url: str, acks: str, base: int) -> None:
    sys.path.insert(0, str(HERE))
    from factories import make_ctx
    from trust_helpers import register_and_visit

    from jobbutik.store.db import Database

    db = Database(url)
    ctx = make_ctx(db, "demo")
    site = int(os.environ["CRASH_SITE"])
    openings = [int(x) for x in os.environ["CRASH_OPENINGS"].split(",")]
    with open(acks, "a", encoding="utf-8") as out:
        out.write("ready\n")
        out.flush()
        n = base
        while True:
            _citizen, request, result = register_and_visit(ctx, n, site, openings)
            out.write(
                f"{request} {result.visitation_id} {len(result.referral_ids)} "
                f"{len(result.follow_up_ids)}\n"
            )
            out.flush()
            os.fsync(out.fileno())
            n += 1


def _wait_ready(path: Path, before: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("ready") > before:
            return
        time.sleep(0.02)
    raise AssertionError("the writer did not start")


def _acked(paths: list[Path]) -> dict[int, tuple[int, int, int]]:
    found: dict[int, tuple[int, int, int]] = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 4:  # a torn last line is not an ack
                request, visit, refs, follow = (int(p) for p in parts)
                found[visit] = (request, refs, follow)
    return found


@pytest.mark.slow
def test_killed_writers_never_leave_half_a_visitation(
    sqlite_database: object, tmp_path: Path
) -> None:
    import sqlite3

    from sqlmodel import func, select
    from trust_helpers import cli, setup_visits

    from jobbutik.store.db import Database
    from jobbutik.store.models import (
        Activation,
        AuditEntry,
        FollowUp,
        Referral,
        Request,
        Visitation,
    )

    assert isinstance(sqlite_database, Database)
    db = sqlite_database
    setup = setup_visits(db)
    env = {
        **os.environ,
        "CRASH_SITE": str(setup["site"]),
        "CRASH_OPENINGS": ",".join(str(o) for o in setup["openings"]),
    }
    ack_files = [tmp_path / f"acks-{w}.txt" for w in range(WRITERS)]
    started = time.monotonic()
    rng = random.Random(6)
    kills = 0
    for round_no in range(ROUNDS):
        if time.monotonic() - started > BUDGET_SECONDS:
            break
        children = []
        for w in range(WRITERS):
            before = ack_files[w].read_text().count("ready") if ack_files[w].exists() else 0
            # far apart: a writer may run alone for a while before the other is ready
            base = (round_no * WRITERS + w) * 5_000
            child = subprocess.Popen(
                [sys.executable, __file__, db.url, str(ack_files[w]), str(base)], env=env
            )
            children.append((child, w, before))
        for _child_proc, w, before in children:
            _wait_ready(ack_files[w], before)
        time.sleep(rng.uniform(0.05, 0.6))
        for child, _w, _b in children:
            child.send_signal(signal.SIGKILL)
        for child, _w, _b in children:
            assert child.wait(timeout=10) == -signal.SIGKILL
            kills += 1
    assert kills >= 2 * WRITERS

    assert db.path is not None
    raw = sqlite3.connect(db.path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    check = cli(db.url, "boss", "db", "check")
    assert check.exit_code == 0, check.output

    acked = _acked(ack_files)
    assert acked, "no visitation was acknowledged: the writers never got going"

    def state(session):  # type: ignore[no-untyped-def]
        visits = {v.id: v for v in session.exec(select(Visitation)).all()}
        refs = dict(
            session.exec(
                select(Referral.visitation_id, func.count()).group_by(Referral.visitation_id)
            ).all()
        )
        acts = dict(
            session.exec(
                select(Activation.visitation_id, func.count()).group_by(Activation.visitation_id)
            ).all()
        )
        referral_follow = dict(
            session.exec(
                select(Referral.visitation_id, func.count())
                .join(FollowUp, FollowUp.referral_id == Referral.id)  # type: ignore[arg-type]
                .group_by(Referral.visitation_id)
            ).all()
        )
        activation_follow = dict(
            session.exec(
                select(Activation.visitation_id, func.count())
                .join(FollowUp, FollowUp.activation_id == Activation.id)  # type: ignore[arg-type]
                .group_by(Activation.visitation_id)
            ).all()
        )
        visit_follow = dict(
            session.exec(
                select(FollowUp.visitation_id, func.count()).group_by(FollowUp.visitation_id)
            ).all()
        )
        audited = set(
            session.exec(
                select(AuditEntry.entity_id).where(
                    AuditEntry.entity == "visitation", AuditEntry.action == "create"
                )
            ).all()
        )
        done = {r.id: r.status for r in session.exec(select(Request)).all()}
        return visits, refs, acts, referral_follow, activation_follow, visit_follow, audited, done

    visits, refs, acts, ref_fu, act_fu, visit_fu, audited, status = db.read(state)
    # Every acknowledged visitation is there, whole.
    for visit_id, (request_id, n_refs, n_follow) in acked.items():
        assert visit_id in visits, f"acknowledged visitation {visit_id} is lost"
        assert visits[visit_id].request_id == request_id
        assert refs.get(visit_id, 0) == n_refs == REFERRALS
        assert n_follow == FOLLOW_UPS
    # No visitation anywhere (acknowledged or not) is half there.
    for visit_id, visit in visits.items():
        follow = ref_fu.get(visit_id, 0) + act_fu.get(visit_id, 0) + visit_fu.get(visit_id, 0)
        assert refs.get(visit_id, 0) == REFERRALS, visit_id
        assert acts.get(visit_id, 0) == 1, visit_id
        assert follow == FOLLOW_UPS, visit_id
        assert visit_id in audited, visit_id
        assert status[visit.request_id] == "done", visit_id
    # And no request is "done" without its visitation.
    with_visit = {v.request_id for v in visits.values()}
    assert {r for r, s in status.items() if s == "done"} == with_visit
    assert len(visits) >= len(acked)


# -- a CSV import killed mid-way ----------------------------------------------------------------


@pytest.mark.slow
def test_a_killed_import_leaves_all_or_nothing(sqlite_database: object, tmp_path: Path) -> None:
    import sqlite3

    from factories import make_ctx
    from trust_helpers import cpr_for

    from jobbutik.store.db import Database

    assert isinstance(sqlite_database, Database)
    db = sqlite_database
    make_ctx(db, "boss", roles="admin")
    rows = 4000
    csv_path = tmp_path / "citizens.csv"
    lines = ["cpr;name;phone;postcode"]
    lines += [f"{cpr_for(n)};Borger Nummer {n};4452{n % 10000:04d};2730" for n in range(rows)]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert db.path is not None
    outcomes = set()
    rng = random.Random(7)
    cmd = [
        sys.executable,
        "-m",
        "jobbutik",
        "--db",
        db.url,
        "--user",
        "boss",
        "--today",
        "2026-11-23",
        "--lang",
        "en",
        "import",
        "citizens",
        str(csv_path),
    ]
    for attempt in range(4):
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        delay = rng.uniform(0.8, 3.0) if attempt < 3 else None
        try:
            child.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            killed = True
        raw = sqlite3.connect(db.path)
        count = raw.execute("SELECT count(*) FROM citizen").fetchone()[0]
        audited = raw.execute("SELECT count(*) FROM auditentry WHERE action = 'import'").fetchone()[
            0
        ]
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.close()
        assert count in (0, rows), f"a killed import left {count} of {rows} citizens"
        outcomes.add((killed, count))
        if count == rows:
            assert audited >= 1  # the import is in the log, with the rows
            break
    assert any(count == rows for _k, count in outcomes), outcomes


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))

"""Crash safety: writers killed with SIGKILL mid-work, many times in a row, never leave half a
visitation nor more activations on a site than it has seats; a CSV import killed mid-way leaves
none of the file, and one not killed saves all of it.

The writer (this file run as a script) registers and visits citizens in a loop, every other one
on a site with only SEATS seats (a fresh one each round, so the last seat is fought over in every
round). After each `visitation.complete()` returns it appends one line to its file and fsyncs it:
`done …` for a saved visitation, `refused …` with the message the desk would show when the site
was full. In every other round one writer pauses inside the commit of a visitation (all rows
written, COMMIT not yet sent) and says so; the parent kills it right there. In the other rounds
the parent kills both writers once each has written a few lines, wherever they are then.

Afterwards: `PRAGMA integrity_check` and `jobbutik db check` pass; every saved visitation is
present whole (visitation, its activation, referrals, follow-ups and audit entry); no visitation
anywhere is present half; a refused or killed visitation left nothing; and no site holds more
activations than seats.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROUNDS = 6
WRITERS = 2
SEATS = 2  # of each round's small site
REFERRALS = 3  # each visit refers to every opening set up below
# activation start + nytteindsats review + one per referral + CV deadline
FOLLOW_UPS = 2 + REFERRALS + 1


def _say(out: Any, line: str) -> None:
    out.write(line + "\n")
    out.flush()
    os.fsync(out.fileno())


def _writer(url: str, acks: str, base: int) -> None:
    sys.path.insert(0, str(HERE))
    from factories import make_ctx
    from sqlalchemy import event
    from trust_helpers import DESK_ROLES, arrive_and_start, visit_plan

    from jobbutik.domain.errors import CapacityFull
    from jobbutik.services import visitation
    from jobbutik.store.db import Database

    db = Database(url)
    ctx = make_ctx(db, "demo", roles=DESK_ROLES)
    small = int(os.environ["CRASH_SMALL_SITE"])
    big = int(os.environ["CRASH_BIG_SITE"])
    openings = [int(x) for x in os.environ["CRASH_OPENINGS"].split(",")]
    pause_at = int(os.environ.get("CRASH_PAUSE_AT") or -1)
    pausing: dict[str, int] = {}
    with open(acks, "a", encoding="utf-8") as out:

        def before_commit(_connection: Any) -> None:
            # Every row of the visitation is written; COMMIT is next. Wait here to be killed.
            if "request" in pausing:
                _say(out, f"paused {pausing['request']}")
                threading.Event().wait()

        event.listen(db.engine, "commit", before_commit)
        _say(out, "ready")
        sys.stdin.readline()  # all writers start together, once every one is ready
        n = base
        while True:
            _citizen, request = arrive_and_start(ctx, n)
            if n == pause_at:
                pausing["request"] = request
            site = small if n % 2 == 0 else big
            try:
                result = visitation.complete(ctx, visit_plan(ctx, request, site, openings))
            except CapacityFull as refused:
                _say(out, f"refused {request} {site} {refused}")
            else:
                _say(
                    out,
                    f"done {request} {result.visitation_id} {site} {len(result.referral_ids)} "
                    f"{len(result.follow_up_ids)}",
                )
            n += 1


def _lines(path: Path) -> list[list[str]]:
    """The whole lines written so far (a torn last line, cut by the kill, is left out)."""
    if not path.exists():
        return []
    return [line.split() for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def _count(path: Path, kind: str) -> int:
    return sum(1 for parts in _lines(path) if parts[0] == kind)


def _until(children: list[subprocess.Popen[bytes]], condition: Any, what: str) -> None:
    from trust_helpers import wait_until

    def check() -> bool:
        for child in children:
            if child.poll() is not None:
                raise AssertionError(f"a writer stopped by itself ({child.returncode}): {what}")
        return bool(condition())

    wait_until(check, what)


@pytest.mark.slow
def test_killed_writers_never_leave_half_a_visitation(
    sqlite_database: object, tmp_path: Path
) -> None:
    import sqlite3

    from factories import add_site
    from sqlmodel import func, select
    from trust_helpers import cli, seats_held, setup_visits

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
    ack_files = [tmp_path / f"acks-{w}.txt" for w in range(WRITERS)]
    rng = random.Random(6)
    kills = 0
    paused: list[int] = []  # requests killed inside their commit
    small_sites: dict[int, str] = {}
    for round_no in range(ROUNDS):
        name = f"Lille plads {round_no}"
        small = add_site(db, name, seats=SEATS)
        small_sites[small] = name
        pauser = round_no // 2 % WRITERS if round_no % 2 == 0 else None
        children = []
        for w in range(WRITERS):
            readies = _count(ack_files[w], "ready")
            # far apart: a writer may run alone for a while before the other is ready
            base = (round_no * WRITERS + w) * 5_000
            env = {
                **os.environ,
                "CRASH_SMALL_SITE": str(small),
                "CRASH_BIG_SITE": str(setup["site"]),
                "CRASH_OPENINGS": ",".join(str(o) for o in setup["openings"]),
                # an odd number: a visit on the big site, which always gets as far as its commit
                "CRASH_PAUSE_AT": str(base + 2 * rng.randint(0, 3) + 1) if w == pauser else "",
            }
            child = subprocess.Popen(
                [sys.executable, __file__, db.url, str(ack_files[w]), str(base)],
                env=env,
                stdin=subprocess.PIPE,
            )
            children.append(child)
            _until(
                children,
                lambda w=w, readies=readies: _count(ack_files[w], "ready") > readies,
                "the writer to start",
            )
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            child.stdin.close()
        if pauser is not None:
            before = _count(ack_files[pauser], "paused")
            _until(
                children,
                lambda f=ack_files[pauser], before=before: _count(f, "paused") > before,
                "the writer to pause inside its commit",
            )
            paused.append(int(_lines(ack_files[pauser])[-1][1]))
        else:
            # Both writers have done some work (the first visit goes to the small site).
            goals = [
                _count(f, "done") + _count(f, "refused") + rng.randint(3, 6) for f in ack_files
            ]
            _until(
                children,
                lambda goals=goals: all(
                    _count(f, "done") + _count(f, "refused") >= goal
                    for f, goal in zip(ack_files, goals, strict=True)
                ),
                "the writers to save some visitations",
            )
        for child in children:
            child.send_signal(signal.SIGKILL)
        for child in children:
            assert child.wait(timeout=10) == -signal.SIGKILL
            kills += 1
    assert kills == ROUNDS * WRITERS
    assert len(paused) == ROUNDS // 2

    assert db.path is not None
    raw = sqlite3.connect(db.path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    check = cli(db.url, "boss", "db", "check")
    assert check.exit_code == 0, check.output

    done: dict[int, tuple[int, int, int, int]] = {}
    refused: dict[int, tuple[int, str]] = {}
    for path in ack_files:
        for parts in _lines(path):
            if parts[0] == "done":
                request, visit, site, refs, follow = (int(p) for p in parts[1:])
                done[visit] = (request, site, refs, follow)
            elif parts[0] == "refused":
                refused[int(parts[1])] = (int(parts[2]), " ".join(parts[3:]))
    assert done, "no visitation was acknowledged: the writers never got going"
    assert refused, "no visit was refused: the seat limit was never reached"

    def state(session):  # type: ignore[no-untyped-def]
        visits = {v.id: v for v in session.exec(select(Visitation)).all()}
        refs = dict(
            session.exec(
                select(Referral.visitation_id, func.count()).group_by(Referral.visitation_id)
            ).all()
        )
        acts = {
            visit: (count, site)
            for visit, count, site in session.exec(
                select(
                    Activation.visitation_id, func.count(), func.max(Activation.site_id)
                ).group_by(Activation.visitation_id)
            ).all()
        }
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
        status = {r.id: r.status for r in session.exec(select(Request)).all()}
        return visits, refs, acts, referral_follow, activation_follow, visit_follow, audited, status

    visits, refs, acts, ref_fu, act_fu, visit_fu, audited, status = db.read(state)
    # Every acknowledged visitation is there, whole, with its seat where the writer booked it.
    for visit_id, (request_id, site, n_refs, n_follow) in done.items():
        assert visit_id in visits, f"acknowledged visitation {visit_id} is lost"
        assert visits[visit_id].request_id == request_id
        assert acts[visit_id] == (1, site)
        assert refs.get(visit_id, 0) == n_refs == REFERRALS
        assert n_follow == FOLLOW_UPS
    # No visitation anywhere (acknowledged or not) is half there.
    for visit_id, visit in visits.items():
        follow = ref_fu.get(visit_id, 0) + act_fu.get(visit_id, 0) + visit_fu.get(visit_id, 0)
        assert refs.get(visit_id, 0) == REFERRALS, visit_id
        assert acts.get(visit_id, (0, None))[0] == 1, visit_id
        assert follow == FOLLOW_UPS, visit_id
        assert visit_id in audited, visit_id
        assert status[visit.request_id] == "done", visit_id
    # And no request is "done" without its visitation.
    with_visit = {v.request_id for v in visits.values()}
    assert {r for r, s in status.items() if s == "done"} == with_visit
    # A visitation killed inside its commit, or refused for want of a seat, left nothing: the
    # request is still in conversation, as the desk left it.
    for request_id in [*paused, *refused]:
        assert request_id not in with_visit, request_id
        assert status[request_id] == "in_conversation", request_id
    # The desk was told why, in one line: the site by name and the day.
    for site, message in refused.values():
        assert message == (
            f"{small_sites[site]} has no free seat from 23.11.2026: choose another site or date."
        )
    # No site holds more activations than seats; a site that refused someone was full.
    held = seats_held(db)
    assert all(taken <= seats for seats, taken in held.values()), held
    for site, _message in refused.values():
        assert held[site] == (SEATS, SEATS)


# -- a CSV import killed mid-way ----------------------------------------------------------------

IMPORT_ROWS = 4000  # the import writes them in batches of 1000


def _importer(url: str, csv_path: str, kill_after: int) -> None:
    """Import `csv_path`, and once `kill_after` rows are written (uncommitted), wait to be killed.

    A small page cache makes SQLite spill the uncommitted rows into the -wal file, so the kill
    leaves written but uncommitted pages behind, which recovery must ignore."""
    sys.path.insert(0, str(HERE))
    from factories import make_ctx
    from sqlalchemy import event

    from jobbutik.services import csvio
    from jobbutik.store.db import Database

    db = Database(url)
    ctx = make_ctx(db, "boss", roles="admin")
    event.listen(db.engine, "connect", lambda conn, _r: conn.execute("PRAGMA cache_size = -64"))
    db.dispose()

    def progress(done: int, _total: int) -> None:
        if done >= kill_after:  # inside the write transaction, after a batch of inserts
            print(f"written {done}", flush=True)
            threading.Event().wait()

    csvio.import_csv(ctx, "citizens", csv_path, progress=progress)
    print("committed", flush=True)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1000, IMPORT_ROWS], ids=["first-batch", "before-commit"])
def test_a_killed_import_leaves_nothing_and_a_whole_one_saves_all(
    sqlite_database: object, tmp_path: Path, kill_after: int
) -> None:
    import sqlite3

    from factories import make_ctx
    from trust_helpers import cpr_for

    from jobbutik.store.db import Database

    assert isinstance(sqlite_database, Database)
    db = sqlite_database
    make_ctx(db, "boss", roles="admin")
    csv_path = tmp_path / "citizens.csv"
    lines = ["cpr;name;phone;postcode"]
    lines += [
        f"{cpr_for(n)};Borger Nummer {n};4452{n % 10000:04d};2730" for n in range(IMPORT_ROWS)
    ]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert db.path is not None
    wal = db.path.with_name(db.path.name + "-wal")

    def counts() -> tuple[int, int]:
        raw = sqlite3.connect(db.path)  # type: ignore[arg-type]
        try:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            citizens = raw.execute("SELECT count(*) FROM citizen").fetchone()[0]
            imported = raw.execute(
                "SELECT count(*) FROM auditentry WHERE action = 'import'"
            ).fetchone()[0]
        finally:
            raw.close()
        return citizens, imported

    # Killed inside the transaction, with rows written: nothing of the file is saved.
    wal_before = wal.stat().st_size
    child = subprocess.Popen(
        [sys.executable, __file__, "import", db.url, str(csv_path), str(kill_after)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    said = child.stdout.readline()
    assert said == f"written {kill_after}\n", said
    assert wal.stat().st_size > wal_before  # uncommitted rows reached the file
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL
    child.stdout.close()
    assert counts() == (0, 0)

    # The same import, not killed, through the command line: all of it, each row in the log
    # (a demo-marked database, where --user and --today may name the importer and the day).
    from trust_helpers import command

    from jobbutik.store.settings import mark_demo

    db.write(mark_demo)

    whole = subprocess.run(
        command(db, "import", "citizens", str(csv_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout == f"{IMPORT_ROWS} records imported from {csv_path}.\n"
    assert counts() == (IMPORT_ROWS, IMPORT_ROWS)


if __name__ == "__main__":
    if sys.argv[1] == "import":
        _importer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        _writer(sys.argv[1], sys.argv[2], int(sys.argv[3]))

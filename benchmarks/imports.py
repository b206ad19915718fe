"""Imports: 100,000 citizens imported while four desks work.

Set-up (not timed): a copy of the small demo database, an import user, and a CSV file of
100,000 new citizens with ordinary names (one in three with a middle name). Then four desk
processes each repeat a desk's three steps: look a citizen up by CPR number, search by name (both
write an audit entry) and save a draft, with `PACE` between steps (far busier than a person).
For `BASELINE` seconds they work alone; then the real command line imports the file (`jobbutik
import citizens FILE`). The figures: the import's time, and each desk's worst wait for one step
while the import ran (the target: about a second at the most), beside the worst wait before it.
Afterwards the file must hold every imported citizen with its IMPORT audit entry.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.common import CACHE, PYTHON, ROOT, TODAY, Result, jobbutik_env, say

ROWS = 100_000
DESKS = 4
TARGET_WAIT = 1.0  # seconds
PACE = 0.2  # seconds between a desk's steps
BASELINE = 10.0  # seconds the desks work before the import starts
_FIRST = (
    "Anna",
    "Bo",
    "Mette",
    "Jens",
    "Søren",
    "Lise",
    "Kim",
    "Ole",
    "Hanne",
    "Peter",
    "Karen",
    "Lars",
    "Maja",
    "Emil",
    "Ida",
    "Noah",
    "Freja",
    "Oscar",
    "Sofie",
    "Ali",
)
_MIDDLE = ("Marie", "Juul", "Bach", "Holm", "Lund", "Kjær", "Dal", "Winther")
_LAST = (
    "Hansen",
    "Jensen",
    "Nielsen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Østergaard",
)


def _cpr(n: int) -> str:
    """Distinct CPR numbers of people born from 1930 (older than any demo citizen)."""
    day = date(1930, 1, 1) + timedelta(days=n // 3000)
    return f"{day:%d%m%y}{1000 + n % 3000:04d}"


def _name(n: int) -> str:
    first = _FIRST[n % len(_FIRST)]
    last = _LAST[(n // len(_FIRST)) % len(_LAST)]
    middle = f" {_MIDDLE[(n // 7) % len(_MIDDLE)]}" if n % 3 == 0 else ""
    return f"{first}{middle} {last}"


def _prepare(template: Path, path: Path, csv_path: Path) -> list[str]:
    """The database and the file; the CPR numbers the desks look up."""
    from jobbutik.store.db import Database
    from jobbutik.store.models import Staff

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    db = Database(str(path))
    db.write(lambda session: session.add(Staff(initials="imp", name="Import", roles="admin")))
    cprs = db.read(
        lambda session: [
            row[0]
            for row in session.connection().exec_driver_sql(
                "SELECT cpr FROM citizen WHERE anonymised_at IS NULL ORDER BY id LIMIT 200"
            )
        ]
    )
    db.dispose()
    lines = ["cpr;name;phone;postcode"]
    lines += [f"{_cpr(n)};{_name(n)};4452{n % 10000:04d};2730" for n in range(ROWS)]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cprs


def _desk(
    path: str, desk: int, cprs: list[str], ready: object, start: object, stop: object, out: object
) -> None:
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import citizens, drafts
    from jobbutik.services.config import context_for
    from jobbutik.store.db import Database

    db = Database(path)
    ctx = context_for(db, "demo", Clock(fixed_today=TODAY), load_rulebook())
    terms = ("hansen", "anna", "møller", "jens peter", "sørensen", "lise")
    ready.put(None)  # type: ignore[attr-defined]
    start.wait()  # type: ignore[attr-defined]
    steps: list[tuple[float, float, str]] = []  # (began, took, step)
    failures: list[str] = []
    n = desk
    while not stop.is_set():  # type: ignore[attr-defined]
        for step in ("lookup", "search", "save"):
            began = time.monotonic()
            try:
                if step == "lookup":
                    citizens.lookup_cpr(ctx, cprs[n % len(cprs)])
                elif step == "search":
                    citizens.search(ctx, terms[n % len(terms)])
                else:
                    drafts.save(ctx, "arrival", f"desk{desk}", "Bench", {"n": n})
            except Exception as exc:
                failures.append(f"{step}: {type(exc).__name__}: {exc}")
            steps.append((began, time.monotonic() - began, step))
            time.sleep(PACE)
        n += DESKS
    out.put((desk, steps, failures))  # type: ignore[attr-defined]
    db.dispose()


def run(template: Path) -> list[Result]:
    CACHE.mkdir(exist_ok=True)
    path, csv_path = CACHE / "imports.sqlite", CACHE / "imports.csv"
    say(f"imports: {ROWS:,} citizens with {DESKS} desks working …")
    cprs = _prepare(template, path, csv_path)
    spawn = multiprocessing.get_context("spawn")
    ready, start, stop, out = spawn.Queue(), spawn.Event(), spawn.Event(), spawn.Queue()
    desks = [
        spawn.Process(target=_desk, args=(str(path), d, cprs, ready, start, stop, out), daemon=True)
        for d in range(DESKS)
    ]
    for process in desks:
        process.start()
    try:
        for _process in desks:
            ready.get(timeout=600)
        start.set()
        time.sleep(BASELINE)
        began = time.monotonic()
        imported = subprocess.run(
            [
                PYTHON,
                "-m",
                "jobbutik",
                "--db",
                str(path),
                "--user",
                "imp",
                "--lang",
                "en",
                "import",
                "citizens",
                str(csv_path),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=jobbutik_env(),
            timeout=1800,
        )
        ended = time.monotonic()
        stop.set()
        reports = sorted(out.get(timeout=600) for _ in desks)
    finally:
        stop.set()
        for process in desks:
            process.join(timeout=60)
    connection = sqlite3.connect(path)
    stored = connection.execute(
        "SELECT count(*) FROM auditentry WHERE action = 'import' AND detail = 'imports.csv'"
    ).fetchone()[0]
    connection.close()
    worst_during, worst_before, during_steps = [], [], 0
    for _desk_number, steps, _failed in reports:
        during = [(took, step) for at, took, step in steps if began <= at + took and at <= ended]
        during_steps += len(during)
        worst_during.append(max(during, default=(0.0, "-")))
        worst_before.append(max((took for at, took, _s in steps if at + took < began), default=0))
    worst = max(took for took, _step in worst_during)
    failures = [f for *_rest, failed in reports for f in failed]
    per_desk = ", ".join(
        f"desk {d + 1}: {took:.2f} s ({step})" for d, (took, step) in enumerate(worst_during)
    )
    note = (
        f"{stored:,}/{ROWS:,} imported and logged; {during_steps:,} desk steps during the import;"
        f" worst wait before it {max(worst_before):.2f} s"
    )
    if imported.returncode != 0:
        note += f"; import failed: {imported.stderr.strip()[-200:]}"
    if failures:
        note += f"; {len(failures)} desk steps failed, first: {failures[0][:120]}"
    ok = imported.returncode == 0 and stored == ROWS
    return [
        Result(
            f"Import {ROWS:,} citizens, {DESKS} desks working",
            f"{ended - began:.1f} s",
            "-",
            ok,
            note,
        ),
        Result(
            "Worst desk wait during the import",
            f"{worst:.2f} s",
            f"≤ {TARGET_WAIT:.0f} s, none refused",
            ok and worst <= TARGET_WAIT and not failures,
            per_desk,
        ),
    ]


if __name__ == "__main__":
    from benchmarks import database
    from benchmarks.__main__ import SMALL, table

    small = database.demo_database(SMALL, show_progress=False)
    print(table(run(small.path)))

"""Memory over a day at a desk: the screens a desk uses, cycled, must not make the program grow.

Runs in its own process (`python -m benchmarks.memory_cycle DB [--rounds N] [--warmup W]`), so
only the program is counted. It starts the real app headless with `run_test` and goes round:
Today → F3 Search, a name typed and sent → Enter opens a citizen → back (Escape, or F3 in Search)
→ Ctrl+F Follow-ups → F12 Reports, the statistics with their plots shown again → F4 Today → a
conversation started and left with Escape (its claim released). Resident memory (VmRSS, after a
garbage collection) is read after the warm-up rounds and at the end; the growth between them is
the figure. `--trace` also prints where Python's own allocations grew (tracemalloc) and which
object types multiplied: how a leak is found.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import PYTHON, ROOT, TODAY, Result, jobbutik_env, say

ROUNDS = 1000
WARMUP = 20
LIMIT_MB = 10.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS")


def search_terms(db: str, count: int = 5) -> list[str]:
    """Surnames in the database (each search finds someone)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [n for (n,) in connection.execute("SELECT name FROM citizen ORDER BY id LIMIT 50")]
    finally:
        connection.close()
    # Plain letters only: what is typed is what is stored (folding is tested elsewhere).
    surnames = [n.split()[-1].lower() for n in names if n.isascii() and n.split()[-1].isalpha()]
    surnames = list(dict.fromkeys(surnames))
    if not surnames:
        raise RuntimeError(f"no citizens in {db}")
    return surnames[:count]


async def settle(pilot: Any, timeout: float = 30.0) -> None:
    """Let the workers finish and their messages land (workers start workers: until none runs)."""
    from textual.worker import WorkerFailed

    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        running = [w for w in pilot.app.workers if not w.is_finished]
        if not running or time.monotonic() > deadline:
            return
        for worker in running:
            # A worker that failed or hangs: the round's checks say what the desk missed.
            with contextlib.suppress(WorkerFailed, TimeoutError):
                await asyncio.wait_for(worker.wait(), max(0.1, deadline - time.monotonic()))


async def press(pilot: Any, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def expect(app: Any, screen_id: str, step: str) -> None:
    if app.screen.id != screen_id:
        raise RuntimeError(f"{step}: expected the {screen_id} screen, {app.screen.id} is shown")


async def one_round(pilot: Any, term: str, n: int) -> None:
    from textual.widgets import DataTable, Input, Select

    app = pilot.app
    await press(pilot, "f3")
    expect(app, "search", "F3")
    box = app.screen.query_one("#search-box", Input)
    box.focus()
    box.value = ""
    await pilot.press(*term)
    await press(pilot, "enter")  # the search at once
    if not app.screen.hits:
        status = app.screen.query_one("#search-status").render()
        raise RuntimeError(f"the search for {term!r} ({box.value!r}) found nobody: {status}")
    app.screen.query_one("#results", DataTable).focus()
    await press(pilot, "enter")  # the first hit
    expect(app, "citizen", "Enter on a result")
    # Back to the results the two ways a desk does it: Escape, or the section's own key.
    await press(pilot, "escape" if n % 2 else "f3")
    expect(app, "search", "back from the citizen")

    await press(pilot, "ctrl+f")
    expect(app, "followups", "Ctrl+F")

    await press(pilot, "f12")
    expect(app, "reports", "F12")
    kind = app.screen.query_one("#report-kind", Select)
    if kind.value != "stats":
        kind.value = "stats"
        await settle(pilot)
    await press(pilot, "f7" if n % 2 else "f8")  # another month: read and plotted again
    if not app.screen.query_one("#report-plots").has_class("shown"):
        raise RuntimeError("the statistics showed no plots")

    await press(pilot, "f4")
    expect(app, "today", "F4")
    board = app.screen
    waiting = [i for i, row in enumerate(board.rows) if row.status == "waiting"]
    if not waiting:
        raise RuntimeError("nobody is waiting on the board: no conversation to open")
    board.query_one("#board", DataTable).move_cursor(row=waiting[n % len(waiting)])
    await press(pilot, "f6")
    expect(app, "conversation", "F6")
    await press(pilot, "escape")  # left unsaved: the claim released, the draft kept
    expect(app, "today", "Escape from the conversation")


def _types() -> Counter[str]:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def widget_count() -> int:
    """Widgets alive, shown or not: the screens' own and whatever still holds closed ones."""
    from textual.widget import Widget

    gc.collect()
    return sum(isinstance(o, Widget) for o in gc.get_objects())


async def drive(db: str, rounds: int, warmup: int, *, trace: bool = False) -> dict[str, Any]:
    from jobbutik.services.config import Settings
    from jobbutik.tui.app import create_app

    terms = search_terms(db)
    settings = Settings(db=db, user="demo", today=TODAY, lang="da")
    app = create_app(settings)
    figures: dict[str, Any] = {"rounds": rounds, "warmup": warmup, "samples": []}
    every = max(1, rounds // 20)  # the course of it: a leak climbs, the allocator levels off
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):
            await pilot.pause(0.1)
            if app.context is not None and not app.workers:
                break
        if app.context is None:
            raise RuntimeError(f"the database did not open: {app.startup_error}")
        await settle(pilot)
        figures["start"] = rss_mb()
        started = time.perf_counter()
        for n in range(rounds):
            if n == warmup:
                figures["widgets_after_warmup"] = widget_count()
                figures["after_warmup"] = rss_mb()
                if trace:
                    import tracemalloc

                    tracemalloc.start(12)
                    before, types_before = tracemalloc.take_snapshot(), _types()
                warmed = time.perf_counter()
            await one_round(pilot, terms[n % len(terms)], n)
            if (n + 1) % every == 0:
                figures["samples"].append((n + 1, round(rss_mb(), 1)))
                say(f"round {n + 1:,}: RSS {figures['samples'][-1][1]} MB")
        figures["widgets_end"] = widget_count()
        figures["end"] = rss_mb()
        figures["seconds_per_round"] = (time.perf_counter() - warmed) / max(1, rounds - warmup)
        figures["seconds"] = time.perf_counter() - started
        figures["crashes"] = len(app._crash_times)
        if trace:
            _report_growth(before, types_before)
    figures["growth"] = figures["end"] - figures["after_warmup"]
    return figures


def _report_growth(before: Any, types_before: Counter[str]) -> None:
    import tracemalloc

    after = tracemalloc.take_snapshot()
    print("-- allocations that grew most (by traceback) --", file=sys.stderr)
    for stat in after.compare_to(before, "traceback")[:15]:
        print(f"{stat.size_diff / 1024:+.0f} KiB, {stat.count_diff:+d} blocks", file=sys.stderr)
        for line in stat.traceback.format()[-16:]:
            print("   ", line, file=sys.stderr)
    grown = _types() - types_before
    print("-- object types that multiplied --", file=sys.stderr)
    for name, count in grown.most_common(25):
        print(f"{count:+8d} {name}", file=sys.stderr)


def run(db: Path, rounds: int = ROUNDS) -> list[Result]:
    say(f"memory of the TUI over {rounds:,} rounds of the desk's screens …")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / db.name  # the conversations leave drafts: not in the cache's file
        shutil.copyfile(db, copy)
        command = [PYTHON, "-m", "benchmarks.memory_cycle", str(copy), "--rounds", str(rounds)]
        command += ["--warmup", str(min(WARMUP, rounds // 5))]
        output = subprocess.run(
            command,
            cwd=ROOT,
            env=jobbutik_env(),
            check=True,
            stdout=subprocess.PIPE,  # the figures; its progress goes on to the terminal
            text=True,
        ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    growth = figures["growth"]
    per_round = growth / max(1, figures["rounds"] - figures["warmup"]) * 1024
    return [
        Result(
            f"TUI memory growth over {figures['rounds']:,} rounds",
            f"{growth:+.1f} MB",
            f"≤ {LIMIT_MB:.0f} MB",
            # The target is for the full count; a crash fails any run.
            False if figures["crashes"] else growth <= LIMIT_MB if rounds >= ROUNDS else None,
            f"RSS {figures['after_warmup']:.0f} MB after {figures['warmup']} rounds, "
            f"{figures['end']:.0f} MB at the end ({per_round:+.1f} KB a round, "
            f"{figures['seconds_per_round']:.2f} s a round; widgets alive "
            f"{figures['widgets_after_warmup']} → {figures['widgets_end']}"
            + (f"; {figures['crashes']} crashes logged" if figures["crashes"] else "")
            + "); search, citizen, follow-ups, statistics with plots, Today, a conversation",
        )
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory_cycle")
    parser.add_argument("db")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--trace", action="store_true", help="where the memory grew (slower)")
    args = parser.parse_args(argv)
    if not 0 <= args.warmup < args.rounds:
        parser.error("the warm-up must be shorter than the run")
    figures = asyncio.run(drive(args.db, args.rounds, args.warmup, trace=args.trace))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

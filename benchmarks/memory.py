"""Memory: the TUI on the large database, headless, after Today and a name search.

Runs in its own process (`python -m benchmarks.memory DB`), so only the program is counted: it
starts the real app with `run_test`, waits until the database is open and Today has loaded,
opens Search (F3), types a name letter by letter, waits for the results, and reports its peak
resident memory (VmHWM) and current resident memory (VmRSS) as JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import PYTHON, ROOT, TODAY, Result, jobbutik_env, say

LIMIT_MB = 150


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


async def _drive(db: str) -> dict[str, float]:
    from jobbutik.services.config import Settings
    from jobbutik.tui.app import create_app

    settings = Settings(db=db, user="demo", today=TODAY, lang="da")
    app = create_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):
            await pilot.pause(0.1)
            if app.context is not None and not app.workers:
                break
        if app.context is None:
            raise RuntimeError(f"the database did not open: {app.startup_error}")
        await pilot.pause(0.5)
        after_today = _status_mb("VmRSS")
        await pilot.press("f3")
        for letter in "jensen":
            await pilot.press(letter)
            await pilot.pause(0.05)
        from textual.widgets import DataTable

        # Until the hits are shown: the search starts after a pause in the typing, and on a cold
        # file (a demo just built) it may take longer than that pause.
        results = app.screen.query_one("#results", DataTable)
        for _ in range(100):
            await pilot.pause(0.1)
            if results.row_count and not app.workers:
                break
        await pilot.pause(0.3)
        return {
            "hits": float(results.row_count),
            "today_rss": after_today,
            "rss": _status_mb("VmRSS"),
            "peak": _status_mb("VmHWM"),
        }


def run(db: Path, *, full_scale: bool) -> list[Result]:
    say("memory of the TUI (Today, then a search) …")
    output = subprocess.run(
        [PYTHON, "-m", "benchmarks.memory", str(db)],
        cwd=ROOT,
        env=jobbutik_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    peak = figures["peak"]
    return [
        Result(
            "TUI resident memory",
            f"peak {peak:.0f} MB",
            f"< {LIMIT_MB} MB",
            peak < LIMIT_MB if full_scale else None,
            f"RSS {figures['today_rss']:.0f} MB on Today, {figures['rss']:.0f} MB after a "
            f"search for 'jensen' ({figures['hits']:.0f} hits shown)",
        )
    ]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_drive(sys.argv[1]))))

"""The demo databases the benchmark runs on, built with the real command and kept in a cache.

`jobbutik demo --citizens N --no-tui` builds them, timed from outside (the scale figure). A built
database is reused while the code that decides its content is unchanged (`common.code_key`);
the timing of the build that made it is kept beside it, so a later run still reports it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import CACHE, PYTHON, SEED, TODAY, code_key, jobbutik_env, say


@dataclass(frozen=True)
class Built:
    path: Path
    citizens: int
    seconds: float  # how long `jobbutik demo` took when this file was built
    counts: dict[str, int]
    reused: bool
    load: str  # load average when it was built


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            table: connection.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
            for table in ("citizen", "request", "visitation", "referral", "followup")
        }
    finally:
        connection.close()


def demo_database(citizens: int, *, rebuild: bool = False, show_progress: bool = True) -> Built:
    """A demo database with `citizens` citizens as of TODAY, built if the cache lacks it."""
    from benchmarks.common import load_average

    CACHE.mkdir(exist_ok=True)
    stem = CACHE / f"demo-{citizens}-{code_key()}"
    path, meta = stem.with_suffix(".sqlite"), stem.with_suffix(".json")
    if not rebuild and path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        return Built(path, citizens, info["seconds"], info["counts"], True, info["load"])
    for old in CACHE.glob(f"demo-{citizens}-*"):
        old.unlink()
    _remove(path)
    say(f"building the {citizens:,}-citizen demo database (jobbutik demo --no-tui) …")
    command = [
        PYTHON, "-m", "jobbutik", "--db", str(path), "demo",
        "--citizens", str(citizens), "--seed", str(SEED), "--no-tui",
    ]  # fmt: skip
    load = load_average()
    started = time.perf_counter()
    subprocess.run(
        command,
        env=jobbutik_env(JOBBUTIK_TODAY=TODAY.isoformat()),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=None if show_progress else subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    counts = _counts(path)
    meta.write_text(json.dumps({"seconds": seconds, "counts": counts, "load": load}))
    return Built(path, citizens, seconds, counts, False, load)

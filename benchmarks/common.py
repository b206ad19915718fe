"""Shared pieces: where the benchmark keeps its databases, timing statistics, result rows."""

from __future__ import annotations

import hashlib
import math
import os
import statistics
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
PYTHON = sys.executable
# The demo databases are built as of this day (a Monday), so every run sees the same data.
TODAY = date(2026, 11, 23)
SEED = 1
FULL_SCALE = 1_000_000
# What the database content depends on: a change to any of these builds the cache again.
_CONTENT_SOURCES = (
    "jobbutik/demo.py",
    "jobbutik/store/models.py",
    "jobbutik/domain/identity.py",
    "jobbutik/domain/rules/rulesets.toml",
    "jobbutik/domain/rules/local.toml",
    "jobbutik/domain/rules/ruleset.py",
    "jobbutik/domain/rules/calendar.py",
)


def code_key() -> str:
    """A short hash of the code that decides what a demo database holds (and its schema)."""
    digest = hashlib.sha256()
    paths = [ROOT / p for p in _CONTENT_SOURCES]
    paths += sorted((ROOT / "jobbutik" / "store" / "migrations" / "versions").glob("*.py"))
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def jobbutik_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JOBBUTIK_USER="demo",
        JOBBUTIK_TODAY=TODAY.isoformat(),
        JOBBUTIK_LANG="da",
        TERM="xterm-256color",
    )
    env.pop("JOBBUTIK_DB", None)
    env.update(extra)
    return env


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95 → p95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


@dataclass
class Result:
    figure: str
    measured: str
    target: str
    passed: bool | None  # None: not measured at the target's scale
    note: str = ""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def say(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def measured(part: str, run: Callable[[], list[Result]]) -> list[Result]:
    """The part's rows; a part that breaks is one FAIL row, and the other parts still run."""
    try:
        return run()
    except Exception as exc:  # reported in the table, with the traceback above
        traceback.print_exc()
        return [
            Result(f"{part} (did not finish)", "error", "-", False, f"{type(exc).__name__}: {exc}")
        ]

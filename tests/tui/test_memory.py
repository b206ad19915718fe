"""Flat memory: cycling the screens a desk uses does not make the program grow.

The benchmark's own cycle (benchmarks/memory_cycle.py: search and a citizen, follow-ups, the
statistics with their plots, Today and a conversation left unsaved) runs on a copy of the demo in
a process of its own, so only the program is counted, not what other tests hold. It reports the
resident memory and the widgets alive after a warm-up and at the end. Before the fix every round
kept the footer keys and headers of the screens it passed (about 4 MB a round).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WARMUP = 8
ROUNDS = 12  # measured, after the warm-up
GROWTH_LIMIT_MB = 12.0
# The count varies a little: a closed conversation is held until its stopped heartbeat timer's
# turn in the event loop has passed (up to claims.HEARTBEAT_SECONDS). Unfixed: +180 a round.
WIDGET_SLACK = 500


@pytest.mark.slow
@pytest.mark.xdist_group("memory")
def test_cycling_the_desks_screens_keeps_memory_flat(demo_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, db)
    command = [sys.executable, "-m", "benchmarks.memory_cycle", str(db)]
    command += ["--rounds", str(WARMUP + ROUNDS), "--warmup", str(WARMUP)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])

    assert figures["crashes"] == 0, figures
    widgets = figures["widgets_end"] - figures["widgets_after_warmup"]
    assert widgets < WIDGET_SLACK, figures
    assert figures["growth"] < GROWTH_LIMIT_MB, figures

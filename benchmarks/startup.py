"""Cold start: from launching a program to its first screen painted, and to the Today board's rows
on screen, in a pseudo-terminal, on an installed copy of jobbutik as users get it.

Both programs are launched the same way (a fresh Python process in a 120×40 pty) and timed from
the launch to the end of the first burst of output that reaches the terminal's last row: the
first full frame. For `jobbutik` the watch goes on until a row of the Today board is on screen:
the escape sequences are taken out of what reached the terminal, and a masked CPR number of one of
the day's rows (read from the database beforehand) marks it. The minimal Textual app (Header,
Input, Footer) and `jobbutik` take turns, so both see the same load on the machine.

`jobbutik` runs from a copy installed by pip (not editable, byte-compiled) into
`.cache/installed/`, built afresh from a copy of the sources at every run, and started by the
installed `jobbutik` script outside the source tree: imports, lazy loads and package data are
found as on a desk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import tempfile
import termios
import time
from pathlib import Path

from benchmarks.common import CACHE, PYTHON, ROOT, TODAY, Result, jobbutik_env, median, say

ROWS, COLUMNS = 40, 120
QUIET = 0.03  # a frame has ended when the terminal gets nothing for this long
LIMIT = 60.0
INSTALLED = CACHE / "installed"
# CSI sequences (colours, cursor moves, modes), OSC strings and the two-byte escapes.
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


def install() -> Path:
    """A fresh non-editable install of the working tree into INSTALLED; returns its directory.

    Built in a copy of the sources, so setuptools' `build/` never carries a deleted module over.
    With pip's build isolation: the venv's own setuptools may be older than pyproject.toml asks
    (`--no-build-isolation` then fails on the `license` field); pip takes a newer one from its
    index or wheel directory."""
    shutil.rmtree(INSTALLED, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        shutil.copytree(
            ROOT / "jobbutik", source / "jobbutik", ignore=shutil.ignore_patterns("__pycache__")
        )
        subprocess.run(
            [PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(INSTALLED),
             str(source)],
            check=True,
        )  # fmt: skip
    return INSTALLED


def installed_env(directory: Path) -> dict[str, str]:
    """The benchmark's environment with `import jobbutik` resolving to the copy in `directory`
    (checked: a wrong copy would time the source tree)."""
    env = jobbutik_env(PYTHONPATH=str(directory))
    found = subprocess.run(
        [PYTHON, "-c", "import jobbutik; print(jobbutik.__file__)"],
        env=env,
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(directory.resolve()):
        raise RuntimeError(f"jobbutik is imported from {found}, not from the install {directory}")
    return env


def board_marks(db: Path) -> list[bytes]:
    """The masked CPR numbers (`DDMMYY-XXXX`) of the rows the Today board shows on TODAY: only
    a board row puts one on the screen at start."""
    day = TODAY.isoformat()
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        cprs = connection.execute(
            "SELECT citizen.cpr FROM request JOIN citizen ON citizen.id = request.citizen_id"
            " WHERE request.arrived_on = ? OR request.slot_date = ?"
            " OR (request.slot_date < ? AND request.status IN ('waiting', 'in_conversation'))",
            (day, day, day),
        ).fetchall()
    if not cprs:
        raise RuntimeError(f"{db} has no rows on the Today board of {day}")
    return [f"{cpr[:6]}-XXXX".encode() for (cpr,) in cprs]


def watch(
    command: list[str], env: dict[str, str], cwd: Path, marks: list[bytes] | None = None
) -> tuple[float, float | None]:
    """Seconds from launching `command` in a fresh pty to its first full frame, and (with
    `marks`) to the first output that puts one of `marks` on the screen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    last_row = f"\x1b[{ROWS};".encode()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
    )
    os.close(slave)
    painted: float | None = None
    frame_ended: float | None = None
    seen = b""
    text = b""
    try:
        while time.perf_counter() - started < LIMIT:
            waiting = QUIET if painted is not None and frame_ended is None else 0.5
            ready, _, _ = select.select([master], [], [], waiting)
            if not ready:
                if painted is not None and frame_ended is None:
                    frame_ended = painted
                    if marks is None:
                        return frame_ended - started, None
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            now = time.perf_counter()
            seen = (seen + chunk)[-65536:]
            if frame_ended is None and (painted is not None or last_row in seen[-4096:]):
                painted = now  # the frame goes on until the terminal falls quiet
            if marks is not None:
                # The whole tail again: an escape sequence may be split between two reads.
                text = _ESCAPES.sub(b"", seen)
                if any(mark in text for mark in marks):
                    first = (frame_ended or now) - started
                    return first, now - started
        raise RuntimeError(
            f"{command[-1]} showed no {'screen' if painted is None else 'board row'}: "
            f"{(text or seen)[-300:]!r}"
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


def run(db: Path, runs: int) -> tuple[list[Result], dict[str, float]]:
    say("installing jobbutik (pip, not editable) for the start-up runs …")
    installed = install()
    env = installed_env(installed)
    marks = board_marks(db)
    minimal = [PYTHON, str(ROOT / "benchmarks" / "minimal_app.py")]
    jobbutik = [PYTHON, str(installed / "bin" / "jobbutik"), "--db", str(db)]
    say(f"cold start, {runs} runs each …")
    watch(minimal, env, installed)  # warm the file cache for both; not counted
    watch(jobbutik, env, installed, marks)
    base: list[float] = []
    ours: list[float] = []
    rows: list[float] = []
    for _ in range(runs):
        base.append(watch(minimal, env, installed)[0])
        painted, shown = watch(jobbutik, env, installed, marks)
        ours.append(painted)
        rows.append(shown or LIMIT)
    b, o, r = median(base), median(ours), median(rows)
    anchor = f"minimal Textual app: median {b:.3f} s; {runs} runs each, alternating"
    where = f"jobbutik installed by pip (not editable) in {installed.relative_to(ROOT)}, checked"
    results = [
        Result(
            "Cold start to first paint",
            f"median {o:.3f} s ({o / b:.2f} × minimal)",
            "≤ 1.3 × minimal",
            o / b <= 1.3,
            f"{anchor}; {where}",
        ),
        Result(
            "Today rows on screen",
            f"median {r:.3f} s ({r / b:.2f} × minimal)",
            "≤ 2 × minimal first paint",
            r / b <= 2,
            f"{anchor}; from launch to a board row's masked CPR on the pty screen, "
            f"{len(marks)} rows on the board of {TODAY.isoformat()}",
        ),
    ]
    return results, {"minimal": b, "jobbutik": o, "today_rows": r}

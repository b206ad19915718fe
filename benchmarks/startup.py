"""Cold start: from launching a program to its first screen painted, in a pseudo-terminal.

Both programs are launched the same way (a fresh Python process in a 120×40 pty) and timed from
the launch to the end of the first burst of output that reaches the terminal's last row: the
first full frame. The minimal Textual app (Header, Input, Footer) and `jobbutik` take turns, so
both see the same load on the machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

from benchmarks.common import PYTHON, ROOT, Result, jobbutik_env, median, say

ROWS, COLUMNS = 40, 120
QUIET = 0.03  # a frame has ended when the terminal gets nothing for this long
LIMIT = 60.0


def first_paint(command: list[str], env: dict[str, str]) -> float:
    """Seconds from launching `command` in a fresh pty to its first full frame."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    last_row = f"\x1b[{ROWS};".encode()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    painted: float | None = None
    seen = b""
    try:
        while time.perf_counter() - started < LIMIT:
            ready, _, _ = select.select([master], [], [], QUIET if painted else 0.5)
            if not ready:
                if painted is not None:
                    return painted - started
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            now = time.perf_counter()
            seen = (seen + chunk)[-4096:]
            if painted is not None or last_row in seen:
                painted = now  # the frame goes on until the terminal falls quiet
        raise RuntimeError(f"{command[-1]} painted no screen: {seen[-300:]!r}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


def run(db: Path, runs: int) -> tuple[list[Result], dict[str, float]]:
    minimal = [PYTHON, str(ROOT / "benchmarks" / "minimal_app.py")]
    jobbutik = [PYTHON, "-m", "jobbutik", "--db", str(db)]
    env = jobbutik_env()
    say(f"cold start, {runs} runs each …")
    first_paint(minimal, env)  # warm the file cache for both; not counted
    first_paint(jobbutik, env)
    base: list[float] = []
    ours: list[float] = []
    for _ in range(runs):
        base.append(first_paint(minimal, env))
        ours.append(first_paint(jobbutik, env))
    b, o = median(base), median(ours)
    ratio = o / b
    result = Result(
        "Cold start to first paint",
        f"median {o:.3f} s ({ratio:.2f} × minimal)",
        "≤ 1.3 × minimal",
        ratio <= 1.3,
        f"minimal Textual app: median {b:.3f} s; {runs} runs each, alternating",
    )
    return [result], {"minimal": b, "jobbutik": o}

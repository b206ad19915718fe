"""Driving the installed `jobbutik` program in a real terminal: a private tmux server (its own
socket) with one session per desk, keys typed as a person types them, the screen read as text."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

TIMEOUT = 30.0
KEY_GAP = 0.25


def program() -> str | None:
    beside = Path(sys.executable).parent / "jobbutik"
    return str(beside) if beside.exists() else shutil.which("jobbutik")


class Tmux:
    """One private tmux server; `start` opens a session (a desk) on it."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0 and args[0] not in {"kill-server", "has-session"}:
            raise AssertionError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(
        self, command: list[str], env: dict[str, str], name: str = "e2e", *, exec_: bool = False
    ) -> Desk:
        """Run `command` in a new 120x40 session `name`. With `exec_` the program replaces the
        shell, so the pane's process is the program itself (to kill it) and the session ends
        with it."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS/LINES (set under pytest) would override the pane's real 120x40.
        shell = f"env -u COLUMNS -u LINES {exports} {shlex.join(command)}"
        shell = f"exec {shell}" if exec_ else f"{shell}; sleep 0.2"
        self.run("new-session", "-d", "-x", "120", "-y", "40", "-s", name, shell)
        return Desk(self, name)

    def kill(self) -> None:
        self.run("kill-server")


class Desk:
    """One session of the server: one program at one desk."""

    def __init__(self, tmux: Tmux, name: str) -> None:
        self.tmux = tmux
        self.name = name

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux.run("send-keys", "-t", self.name, key)
            self.typing_pause()

    def type(self, text: str) -> None:
        """Type `text` and wait until it shows (once more than before) on the screen."""
        before = self.screen().count(text)
        self.tmux.run("send-keys", "-t", self.name, "-l", text)
        self.wait_for(lambda screen: screen.count(text) > before)
        self.typing_pause()

    @staticmethod
    def typing_pause() -> None:
        # A terminal read that holds a key *and* the text after it is taken as pasted text, where
        # Tab is dropped; a person never types that fast, so neither does the test.
        time.sleep(KEY_GAP)

    def screen(self) -> str:
        return self.tmux.run("capture-pane", "-p", "-t", self.name)

    def pid(self) -> int:
        """The process in the pane (the program itself when started with `exec_`)."""
        return int(self.tmux.run("display", "-p", "-t", self.name, "#{pane_pid}").strip())

    def alive(self) -> bool:
        done = subprocess.run(
            ["tmux", "-L", self.tmux.socket, "has-session", "-t", f"={self.name}"],
            capture_output=True,
        )
        return done.returncode == 0

    def wait_ended(self, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not self.alive(), self.screen()

    def wait_for(self, what: str | Callable[[str], bool], timeout: float = TIMEOUT) -> str:
        """Poll the screen until `what` shows (bounded); the screen text on failure."""
        check = what if callable(what) else (lambda text: what in text)
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.1)
        size = self.tmux.run(
            "display", "-p", "-t", self.name, "#{window_width}x#{window_height}"
        ).strip()
        raise AssertionError(
            f"{self.name}: waited {timeout} s for {what!r}; the {size} screen shows:\n{text}"
        )

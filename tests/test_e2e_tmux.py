"""End to end in a real terminal: the installed `jobbutik` program in tmux on a demo database.

Registers an arrival and runs the whole visitation conversation with keys only, quits, then checks
what was saved through the services. Needs tmux (CI installs it); marked slow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TODAY = "2026-11-23"
USER = "demo"
TIMEOUT = 30.0
KEY_GAP = 0.25


def program() -> str | None:
    beside = Path(sys.executable).parent / "jobbutik"
    return str(beside) if beside.exists() else shutil.which("jobbutik")


class Tmux:
    """One private tmux server (its own socket) running one session."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0 and args[0] not in {"kill-server", "has-session"}:
            raise AssertionError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        # COLUMNS/LINES (set under pytest) would override the pane's real 120x40.
        shell = f"env -u COLUMNS -u LINES {exports} {' '.join(_quote(c) for c in command)}"
        shell += "; sleep 0.2"
        self.run("new-session", "-d", "-x", "120", "-y", "40", "-s", "e2e", shell)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "e2e", key)
            self.typing_pause()

    def type(self, text: str) -> None:
        """Type `text` and wait until it shows (once more than before) on the screen."""
        before = self.screen().count(text)
        self.run("send-keys", "-t", "e2e", "-l", text)
        self.wait_for(lambda screen: screen.count(text) > before)
        self.typing_pause()

    @staticmethod
    def typing_pause() -> None:
        # A terminal read that holds a key *and* the text after it is taken as pasted text, where
        # Tab is dropped; a person never types that fast, so neither does the test.
        time.sleep(KEY_GAP)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def alive(self) -> bool:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", "e2e"], capture_output=True
        )
        return done.returncode == 0

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
        size = self.run("display", "-p", "-t", "e2e", "#{window_width}x#{window_height}").strip()
        raise AssertionError(f"waited {timeout} s for {what!r}; the {size} screen shows:\n{text}")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


@pytest.fixture
def tmux(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    t = Tmux(f"jobbutik-e2e-{os.getpid()}-{tmp_path.name}")
    yield t
    t.run("kill-server")


def free_cpr(db_url: str) -> str:
    """A CPR number (born 1 Jan 1990) no demo citizen has."""
    from sqlmodel import select

    from jobbutik.store.db import Database
    from jobbutik.store.models import Citizen

    db = Database(db_url)
    try:
        taken = set(db.read(lambda s: list(s.exec(select(Citizen.cpr)).all())))
    finally:
        db.dispose()
    for serial in range(1000, 9999):
        cpr = f"010190{serial}"
        if cpr not in taken:
            return cpr
    raise AssertionError("no free CPR number")


def test_register_and_hold_the_conversation_with_keys_only(tmp_path: Path, tmux: Tmux) -> None:
    exe = program()
    if exe is None:
        pytest.skip("the jobbutik program is not installed")
    db_file = tmp_path / "demo.sqlite"
    common = ["--db", str(db_file), "--today", TODAY, "--user", USER]
    built = subprocess.run(
        [exe, *common, "demo", "--no-tui"], capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr
    cpr = free_cpr(str(db_file))
    env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
    env["PATH"] = os.environ.get("PATH", "")
    env["HOME"] = str(tmp_path)
    tmux.start([exe, *common, "--lang", "da"], env)

    tmux.wait_for("ankomster i dag")
    # Register arrival: CPR, then the new citizen's name, the benefit, told to apply digitally.
    tmux.keys("F2")
    tmux.wait_for("CPR-nummer")
    tmux.type(cpr)
    tmux.wait_for("Ny borger")
    tmux.keys("Tab")
    tmux.type("Testa Tmuxsen")
    for _ in range(6):  # phone, e-mail, postcode, interpreter, digital help → benefit
        tmux.keys("Tab")
    tmux.keys("Enter", "Tab", "Space", "C-s")
    tmux.wait_for(lambda s: "Testa Tmuxsen" in s and "CPR-nummer" not in s)

    # The new arrival is selected: F6 starts the conversation.
    tmux.keys("F6")
    tmux.wait_for("Jobønsker")  # the steps are mounted once the conversation is read
    tmux.keys("Tab")
    tmux.type("Lagerarbejde")
    tmux.keys("Tab")
    tmux.type("Lager,Transport")
    tmux.keys("Tab")
    tmux.type("37")
    tmux.keys("C-NPage")
    tmux.wait_for("Reglernes forslag: Jobparat")
    tmux.keys("C-NPage")
    tmux.wait_for("Startdato")
    tmux.wait_for(lambda s: "Ledig" in s and "Intet sted valgt" in s)
    tmux.keys("Tab", "Enter")
    tmux.wait_for("Valgt:")
    tmux.keys("C-NPage")
    tmux.wait_for("Hvorfor:")
    tmux.keys("Space", "Down", "Space")
    tmux.keys("C-NPage")
    tmux.wait_for("Opsummering")
    tmux.keys("C-s")
    tmux.wait_for("Gemt. Ctrl+R")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "ankomster i dag" in s and "Testa Tmuxsen" in s)
    tmux.keys("C-q")
    deadline = time.monotonic() + TIMEOUT
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), tmux.screen()

    # What was saved, read through the services.
    from jobbutik.domain.clock import Clock
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services import citizens
    from jobbutik.services.config import context_for
    from jobbutik.store.db import Database

    db = Database(str(db_file))
    try:
        from datetime import date

        from jobbutik.domain.vocabulary import Category, RequestStatus

        ctx = context_for(db, USER, Clock(date.fromisoformat(TODAY)), load_rulebook())
        [hit] = citizens.search(ctx, cpr)
        assert hit.name == "Testa Tmuxsen"
        history = citizens.history(ctx, hit.id)
        kinds = sorted(e.kind for e in history.events)
        assert kinds.count("visitation") == 1
        assert kinds.count("activation") == 1
        assert kinds.count("referral") == 2
        [request] = [e for e in history.events if e.kind == "request"]
        assert request.status == RequestStatus.DONE.label
        [visit] = [e for e in history.events if e.kind == "visitation"]
        assert visit.text.startswith(Category.JOBPARAT.label)
    finally:
        db.dispose()

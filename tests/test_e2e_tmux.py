"""End to end in a real terminal: the installed `jobbutik` program in tmux on a demo database.

Registers an arrival and runs the whole visitation conversation with keys only, quits, then checks
what was saved through the services. Needs tmux (CI installs it); marked slow."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tmux_helpers import Desk, Tmux, program

pytestmark = pytest.mark.slow

TODAY = "2026-11-23"
USER = "demo"


@pytest.fixture
def tmux(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    t = Tmux(f"jobbutik-e2e-{os.getpid()}-{tmp_path.name}")
    yield t
    t.kill()


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
    desk: Desk = tmux.start([exe, *common, "--lang", "da"], env)

    desk.wait_for("ankomster i dag")
    # Register arrival: CPR, then the new citizen's name, the benefit, told to apply digitally.
    desk.keys("F2")
    desk.wait_for("CPR-nummer")
    desk.type(cpr)
    desk.wait_for("Ny borger")
    desk.keys("Tab")
    desk.type("Testa Tmuxsen")
    for _ in range(6):  # phone, e-mail, postcode, interpreter, digital help → benefit
        desk.keys("Tab")
    desk.keys("Space", "Tab", "Space", "C-s")  # Space chooses and ticks; Enter moves on
    desk.wait_for(lambda s: "Testa Tmuxsen" in s and "CPR-nummer" not in s)

    # The new arrival is selected: F6 starts the conversation.
    desk.keys("F6")
    desk.wait_for("Jobønsker")  # the steps are mounted once the conversation is read
    desk.keys("Tab")
    desk.type("Lagerarbejde")
    desk.keys("Tab")
    desk.type("Lager,Transport")
    desk.keys("Tab")
    desk.type("37")
    desk.keys("C-NPage")
    desk.wait_for("Reglernes forslag: Jobparat")
    desk.keys("C-NPage")
    desk.wait_for("Startdato")
    desk.wait_for(lambda s: "Ledig" in s and "Intet sted valgt" in s)
    desk.keys("Tab", "Enter")
    desk.wait_for("Valgt:")
    desk.keys("C-NPage")
    desk.wait_for("Hvorfor:")
    desk.keys("Space", "Down", "Space")
    desk.keys("C-NPage")
    desk.wait_for("Opsummering")
    desk.keys("C-s")
    desk.wait_for("Gemt. Ctrl+R")
    desk.keys("Escape")
    desk.wait_for(lambda s: "ankomster i dag" in s and "Testa Tmuxsen" in s)
    desk.keys("C-q")
    desk.wait_ended()

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

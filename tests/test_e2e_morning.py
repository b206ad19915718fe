"""End to end in real terminals: a morning at the Jobbutik with three desks on one database file.

Reception registers ten arrivals (new and known citizens) by typing into the arrival form; two
consultants, each running the installed program in their own tmux session on the same SQLite file,
see the arrivals appear on their boards without a key and each start a conversation with a
different citizen (the other desk is told who has it). One consultant's program is killed with
SIGKILL mid-conversation, after the autosave; started again, it offers the draft back and the
conversation comes back with every value typed. Both conversations are saved, and what was saved is
read from the database afterwards. Needs tmux (CI installs it); marked slow."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from stdnum.dk import cpr as stdnum_cpr
from tmux_helpers import Desk, Tmux, program

from jobbutik.domain.i18n import translations
from jobbutik.domain.identity import mask_cpr
from jobbutik.domain.vocabulary import RequestStatus, Role
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen, Draft, Request, Staff, Visitation

pytestmark = pytest.mark.slow

TODAY = "2026-11-23"
# What the issue promises: another desk's change shows within 5 s, without a key.
LIVE_WITHIN = 5.0
NEW_NAMES = ("Alma Tmuxdal", "Bent Tmuxdal", "Cilla Tmuxdal", "Dan Tmuxdal", "Eja Tmuxdal")


def da(message: str) -> str:
    """`message` as the Danish program shows it (read from the compiled catalog, so the test
    follows the translations instead of copying them)."""
    return translations("da").gettext(message)


@dataclass(frozen=True)
class Arrival:
    cpr: str
    name: str
    known: bool

    @property
    def masked(self) -> str:
        return mask_cpr(self.cpr)


@dataclass(frozen=True)
class Facts:
    job_wishes: str
    industries: str
    hours: str
    restrictions: str
    licence: bool  # answered Ja (True) or Nej (False); the education question is left unasked


@dataclass(frozen=True)
class Morning:
    reception: str
    consultants: tuple[str, str]
    consultant_ids: tuple[int, int]
    arrivals: tuple[Arrival, ...]
    requests_before: int  # the demo's own arrivals today


@pytest.fixture
def tmux(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    t = Tmux(f"jobbutik-morning-{os.getpid()}-{tmp_path.name}")
    yield t
    t.kill()


def plan_morning(db_url: str) -> Morning:
    """The demo's receptionist and two consultants, five new CPR numbers (modulus 11, born in
    January 1990) and five known citizens aged 30 or over, never visited, with nothing open and
    nothing today."""
    db = Database(db_url)
    try:

        def read(session: Session) -> Morning:
            staff = session.exec(select(Staff).order_by(col(Staff.initials))).all()
            reception = next(s.initials for s in staff if s.roles == Role.RECEPTION.value)
            consultants = [s for s in staff if s.roles == Role.CONSULTANT.value][:2]
            taken = set(session.exec(select(Citizen.cpr)).all())
            new: list[Arrival] = []
            for day, name in enumerate(NEW_NAMES, start=1):
                cpr = next(
                    digits
                    for serial in range(1000, 4000)
                    if (digits := f"{day:02d}0190{serial}") not in taken
                    and stdnum_cpr.checksum(digits) == 0
                )
                new.append(Arrival(cpr, name, known=False))
            today = date.fromisoformat(TODAY)
            busy = select(Request.citizen_id).where(
                (col(Request.arrived_on) == today)
                | col(Request.status).in_([RequestStatus.WAITING, RequestStatus.IN_CONVERSATION])
            )
            # Never visited: step 1 starts empty, as the typing below expects (a returning
            # citizen's last facts are filled in).
            visited = select(Visitation.citizen_id)
            citizens = session.exec(
                select(Citizen)
                .where(
                    col(Citizen.id).not_in(busy),
                    col(Citizen.id).not_in(visited),
                    col(Citizen.anonymised_at).is_(None),
                )
                .order_by(col(Citizen.id))
            ).all()
            names = Counter(session.exec(select(Citizen.name)).all())
            # Short, unique names: found on a board row by name and masked CPR, never clipped.
            # Aged 30 or over: the youth groups' questions (guidance, pålæg) do not arise.
            thirty = today.replace(year=today.year - 30)
            known = [
                Arrival(c.cpr, c.name, known=True)
                for c in citizens
                if len(c.name) <= 22 and names[c.name] == 1 and c.birth_date <= thirty
            ][:5]
            return Morning(
                reception,
                (consultants[0].initials, consultants[1].initials),
                (consultants[0].id or 0, consultants[1].id or 0),
                tuple(a for pair in zip(new, known, strict=True) for a in pair),
                len(session.exec(select(Request.id).where(Request.arrived_on == today)).all()),
            )

        return db.read(read)
    finally:
        db.dispose()


def on_board(arrival: Arrival) -> Callable[[str], bool]:
    """True once a board row shows the arrival (name and masked CPR on one line)."""

    def shows(screen: str) -> bool:
        return any(arrival.name in line and arrival.masked in line for line in screen.splitlines())

    return shows


def board_line(screen: str, arrival: Arrival) -> str:
    return next(
        (line for line in screen.splitlines() if on_board(arrival)(line)),
        f"(no row for {arrival.name})",
    )


def everyone_on_board(arrivals: tuple[Arrival, ...]) -> Callable[[str], bool]:
    return lambda screen: all(on_board(a)(screen) for a in arrivals)


def register(desk: Desk, arrival: Arrival) -> None:
    """F2, the CPR number; a new citizen's name; the benefit (Kontanthjælp); save."""
    desk.keys("F2")
    desk.wait_for("CPR-nummer")
    desk.type(arrival.cpr)
    if arrival.known:
        desk.wait_for(arrival.name)  # the citizen's card
        desk.keys("Tab")  # → benefit
    else:
        desk.wait_for("Ny borger")
        desk.keys("Tab")
        desk.type(arrival.name)
        for _ in range(6):  # phone, e-mail, postcode, interpreter, digital help → benefit
            desk.keys("Tab")
    desk.keys("Space", "C-s")
    desk.wait_for(lambda s: "CPR-nummer" not in s and on_board(arrival)(s))


def select_row(desk: Desk, arrival: Arrival) -> None:
    """Put the board's cursor on the arrival's row: to the top, then down to it."""
    screen = desk.wait_for(on_board(arrival))
    lines = screen.splitlines()
    header = next(i for i, line in enumerate(lines) if "CPR" in line and "Navn" in line)
    rows = lines[header + 1 :]
    index = next(i for i, line in enumerate(rows) if on_board(arrival)(line))
    desk.keys("C-Home", *(["Down"] * index))


def open_conversation(desk: Desk, arrival: Arrival) -> None:
    select_row(desk, arrival)
    desk.keys("F6")
    desk.wait_for(lambda s: "Jobønsker" in s and arrival.name in s.splitlines()[1])


def type_facts(desk: Desk, facts: Facts) -> None:
    """Step 1 from its first question (erhvervskompetencegivende uddannelse, left unasked)."""
    for text in (facts.job_wishes, facts.industries, facts.hours, facts.restrictions):
        desk.keys("Tab")
        desk.type(text)
    desk.keys("Tab", "Tab")  # digital skills → driving licence (Ja first, then Nej)
    desk.keys(*([] if facts.licence else ["Right"]), "Space")
    desk.wait_for(lambda s: facts_shown(s, facts))


def facts_shown(screen: str, facts: Facts) -> bool:
    """Step 1 shows every typed fact and the licence answer."""
    typed = (facts.job_wishes, facts.industries, facts.hours, facts.restrictions)
    answer = "(•) " + da("Yes" if facts.licence else "No")
    licence = next((line for line in screen.splitlines() if da("Driving licence") in line), "")
    return all(text in screen for text in typed) and answer in licence


def finish_and_save(desk: Desk, facts: Facts, site_row: int) -> None:
    """Steps 2 to 5 (the rules' category, the seat in row `site_row` of the free seats — the two
    desks take different rows: the demo's first site may have one seat left — the two best
    openings), save."""
    desk.keys("C-NPage")
    desk.wait_for("Reglernes forslag")
    desk.keys("C-NPage")
    desk.wait_for(lambda s: "Startdato" in s and "Intet sted valgt" in s)
    desk.keys("Tab", *(["Down"] * site_row), "Enter")
    desk.wait_for("Valgt:")
    desk.keys("C-NPage")
    desk.wait_for("Hvorfor:")
    desk.keys("Space", "Down", "Space")
    desk.keys("C-NPage")
    # The summary holds what was typed at step 1 (read across its wrapped lines).
    desk.wait_for(
        lambda s: all(
            text in " ".join(s.split())
            for text in (f": {facts.job_wishes};", f": {facts.restrictions};")
        )
    )
    desk.keys("C-s")
    desk.wait_for("Gemt. Ctrl+R")
    desk.keys("Escape")
    desk.wait_for("ankomster i dag")


def wait_for_draft(db_url: str, staff_id: int, request_id: int, text: str) -> dict[str, object]:
    """The conversation's draft as kept in the database, once it holds `text` (bounded)."""
    db = Database(db_url)
    try:
        deadline = time.monotonic() + 10
        while True:
            data = db.read(
                lambda s: s.exec(
                    select(Draft.data).where(
                        Draft.staff_id == staff_id,
                        Draft.form == "conversation",
                        Draft.subject == str(request_id),
                    )
                ).first()
            )
            if data and text in data:
                return json.loads(data)
            assert time.monotonic() < deadline, f"no draft holding {text!r}: {data!r}"
            time.sleep(0.2)
    finally:
        db.dispose()


def request_of(db_url: str, cpr: str) -> Request:
    db = Database(db_url)
    try:
        return db.read(
            lambda s: s.exec(
                select(Request)
                .join(Citizen, col(Citizen.id) == col(Request.citizen_id))
                .where(Citizen.cpr == cpr, Request.arrived_on == date.fromisoformat(TODAY))
            ).one()
        )
    finally:
        db.dispose()


def test_a_morning_with_three_desks_and_a_killed_program(tmp_path: Path, tmux: Tmux) -> None:
    exe = program()
    if exe is None:
        pytest.skip("the jobbutik program is not installed")
    db_file = tmp_path / "demo.sqlite"
    db_url = str(db_file)
    base = ["--db", db_url, "--today", TODAY, "--lang", "da"]
    built = subprocess.run(
        [exe, *base, "--user", "demo", "demo", "--no-tui"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    morning = plan_morning(db_url)
    env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
    env["PATH"] = os.environ.get("PATH", "")
    env["HOME"] = str(tmp_path)

    def open_desk(user: str, name: str) -> Desk:
        # exec: the pane's process is the program, so it can be killed and its session ends.
        return tmux.start([exe, *base, "--user", user], env, name, exec_=True)

    reception = open_desk(morning.reception, "reception")
    a_user, b_user = morning.consultants
    desk_a, desk_b = open_desk(a_user, "desk-a"), open_desk(b_user, "desk-b")
    for desk in (reception, desk_a, desk_b):
        desk.wait_for("ankomster i dag")

    # Reception registers ten arrivals; the consultants' boards show them without a key.
    first, *others = morning.arrivals
    register(reception, first)
    for desk in (desk_a, desk_b):
        desk.wait_for(on_board(first), timeout=LIVE_WITHIN)
    for arrival in others:
        register(reception, arrival)
    for desk in (desk_a, desk_b):
        desk.wait_for(everyone_on_board(morning.arrivals), timeout=LIVE_WITHIN)

    # A takes the first citizen; B's board and reception's show who has it.
    citizen_a, citizen_b = morning.arrivals[0], morning.arrivals[3]
    open_conversation(desk_a, citizen_a)
    for desk in (desk_b, reception):
        desk.wait_for(
            lambda s: all(t in board_line(s, citizen_a) for t in (a_user, da("In conversation"))),
            timeout=LIVE_WITHIN,
        )
    # B cannot open A's citizen and is told who has it; B takes another citizen.
    select_row(desk_b, citizen_a)
    desk_b.keys("F6")
    held = da("{holder} has the citizen in conversation since {since}.")
    desk_b.wait_for(held.split("{since}")[0].format(holder=a_user))
    assert "Jobønsker" not in desk_b.screen()
    open_conversation(desk_b, citizen_b)

    # A types the facts; the autosave keeps them; then A's program is killed outright.
    facts_a = Facts("Lagerarbejde", "Lager,Transport", "37", "Ingen tunge løft", licence=True)
    type_facts(desk_a, facts_a)
    request_a = request_of(db_url, citizen_a.cpr)
    assert request_a.id is not None
    wait_for_draft(db_url, morning.consultant_ids[0], request_a.id, facts_a.restrictions)
    pid = desk_a.pid()
    assert "jobbutik" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    os.kill(pid, signal.SIGKILL)
    desk_a.wait_ended()

    # Started again, the program offers the draft back; opening it restores every value.
    desk_a = open_desk(a_user, "desk-a2")
    title = da("Conversation: {name}").format(name=citizen_a.name)
    desk_a.wait_for(lambda s: da("Unsaved input kept for you") in s and title in s)
    desk_a.keys("Enter")
    desk_a.wait_for(lambda s: facts_shown(s, facts_a) and citizen_a.name in s.splitlines()[1])
    finish_and_save(desk_a, facts_a, site_row=0)

    # B, who went on meanwhile, types and saves too.
    facts_b = Facts("Kok", "Hotel,Restauration", "25", "Ingen nattevagter", licence=False)
    type_facts(desk_b, facts_b)
    finish_and_save(desk_b, facts_b, site_row=2)

    visited = da("Visited")
    reception.wait_for(
        lambda s: visited in board_line(s, citizen_a) and visited in board_line(s, citizen_b),
        timeout=LIVE_WITHIN,
    )
    for desk in (reception, desk_a, desk_b):
        desk.keys("C-q")
        desk.wait_ended()

    # What was kept, read from the database.
    db = Database(db_url)
    try:
        today = date.fromisoformat(TODAY)
        requests = db.read(
            lambda s: s.exec(
                select(Request, Citizen.cpr)
                .join(Citizen, col(Citizen.id) == col(Request.citizen_id))
                .where(Request.arrived_on == today)
            ).all()
        )
        # Ten requests, one for each arrival registered, and no other.
        assert len(requests) == morning.requests_before + 10
        cprs = {a.cpr for a in morning.arrivals}
        ours = [(request, cpr) for request, cpr in requests if cpr in cprs]
        by_cpr = {cpr: request for request, cpr in ours}
        assert len(ours) == len(by_cpr) == 10
        assert {r.registered_by for r in by_cpr.values()} == {morning.reception}
        visits = {
            v.request_id: v
            for v in db.read(
                lambda s: s.exec(select(Visitation).where(Visitation.held_on == today)).all()
            )
        }
        for arrival, facts, consultant in (
            (citizen_a, facts_a, morning.consultant_ids[0]),
            (citizen_b, facts_b, morning.consultant_ids[1]),
        ):
            request = by_cpr[arrival.cpr]
            assert request.status == RequestStatus.DONE
            visit = visits[request.id]
            assert visit.consultant_id == consultant
            assert (visit.job_wishes, visit.hours_wanted, visit.restrictions) == (
                facts.job_wishes,
                int(facts.hours),
                facts.restrictions,
            )
            assert [part.strip() for part in visit.industries.split(",")] == (
                facts.industries.split(",")
            )
            assert visit.driving_licence is facts.licence
            assert visit.has_qualifying_education is None  # not asked, never "no"
        # The other eight wait, claimed by no one; the drafts went with the saves.
        rest = [r for cpr, r in by_cpr.items() if cpr not in {citizen_a.cpr, citizen_b.cpr}]
        assert {(r.status, r.claimed_by) for r in rest} == {(RequestStatus.WAITING, None)}
        drafts = db.read(
            lambda s: s.exec(
                select(Draft).where(col(Draft.staff_id).in_(morning.consultant_ids))
            ).all()
        )
        assert drafts == []
    finally:
        db.dispose()

"""What the audit log covers: every citizen shown in a list is logged per citizen, in one write
per batch; a report printed is logged only once `lp` took the job.

On SQLite and PostgreSQL (the `database` fixture) where the data layer is touched; the command
line runs on a demo-marked SQLite file (where `--user` and `--today` are accepted).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import make_ctx, make_demo_db
from sqlmodel import col, select

from jobbutik.cli.main import main
from jobbutik.domain.errors import PermissionDenied
from jobbutik.domain.i18n import set_language
from jobbutik.domain.vocabulary import AuditAction, AuditEntity
from jobbutik.reports.printing import PrintError
from jobbutik.reports.run import ReportRequest, print_report
from jobbutik.services import access_request, arrivals
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.audit_shown import ShownBatch, ShownList, log_shown
from jobbutik.services.context import ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry

PEOPLE = {
    "0101901234": "Jens Møller",
    "0202851236": "Mette Hansen",
    "1505702341": "Ali Hassan",
}
REFUSAL = "lp: The printer or class does not exist."


def register(ctx: ServiceContext) -> dict[str, int]:
    """The three arrive today: name → citizen id."""
    ids = {}
    for cpr, name in PEOPLE.items():
        form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name=name))
        ids[name] = arrivals.register_arrival(ctx, form).citizen_id
    return ids


def entries(db: Database, action: str) -> list[AuditEntry]:
    return db.read(
        lambda s: list(
            s.exec(
                select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.seq))
            ).all()
        )
    )


def one_run(rows: list[AuditEntry]) -> bool:
    """The entries were appended together: their sequence numbers follow one another."""
    seqs = [e.seq for e in rows]
    return seqs == list(range(seqs[0], seqs[0] + len(seqs)))


# -- citizens shown in a list ----------------------------------------------------------------------


def test_each_citizen_shown_is_logged_in_one_write(database: Database) -> None:
    ctx = make_ctx(database, "ab")
    ids = register(ctx)
    board = ShownList(AuditEntity.TODAY_BOARD, "2026-11-23")
    hits = ShownList(AuditEntity.SEARCH_RESULTS)
    written = log_shown(ctx, {board: ids.values(), hits: [ids["Jens Møller"], ids["Jens Møller"]]})
    assert written == 4  # a citizen twice in one list is one entry
    shown = entries(database, AuditAction.SHOWN)
    assert one_run(shown)
    assert sorted((e.entity, e.citizen_id, e.detail, e.actor) for e in shown) == sorted(
        [(AuditEntity.TODAY_BOARD.value, i, "2026-11-23", "ab") for i in ids.values()]
        + [(AuditEntity.SEARCH_RESULTS.value, ids["Jens Møller"], "", "ab")]
    )
    # The citizen's own log (an access request) names the lists that showed them.
    admin = make_ctx(database, "adm", roles="admin")
    log = access_request.citizen_log(admin, "0101901234", action=AuditAction.EXPORT)
    assert {(a.action, a.entity) for a in log.entries} >= {
        ("shown", "today_board"),
        ("shown", "search_results"),
    }
    assert log_shown(ctx, {}) == 0


def test_reception_logs_the_board_it_sees_but_no_follow_up_list(database: Database) -> None:
    ids = register(make_ctx(database, "ab"))
    reception = make_ctx(database, "rk", roles="reception")
    assert log_shown(reception, {ShownList(AuditEntity.TODAY_BOARD, "x"): ids.values()}) == 3
    with pytest.raises(PermissionDenied):
        log_shown(reception, {ShownList(AuditEntity.FOLLOW_UP_LIST, "rk"): ids.values()})
    with pytest.raises(ValueError, match="not a list"):
        log_shown(reception, {ShownList(AuditEntity.CITIZEN): ids.values()})
    assert [e.actor for e in entries(database, AuditAction.SHOWN)] == ["rk"] * 3


def test_a_batch_logs_a_citizen_again_only_after_a_while() -> None:
    now = [0.0]
    batch = ShownBatch(again_after=600, clock=lambda: now[0])
    board, hits = ShownList(AuditEntity.TODAY_BOARD, "d"), ShownList(AuditEntity.SEARCH_RESULTS)
    assert not batch.add(board, [])
    assert batch.add(board, [1, 2])
    assert batch.add(board, [2, 3])  # the board read again: one more
    assert batch.add(hits, [2])  # another list: logged for it too
    assert batch.take() == {board: (1, 2, 3), hits: (2,)}
    now[0] = 599
    assert not batch.add(board, [1, 2, 3])  # still on screen: nothing new
    now[0] = 600
    assert batch.add(board, [1])  # a while later: again
    taken = batch.take()
    assert taken == {board: (1,)}
    batch.failed(taken)  # the database was away: kept for the next write
    assert batch.pending
    batch.add(board, [1])  # shown meanwhile: still once
    assert batch.take() == {board: (1,)}
    assert not batch.pending


# -- printing ------------------------------------------------------------------------------------


@pytest.fixture
def lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `lp` first on PATH that takes the job; `refuse(lp)` makes it refuse."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "lp"
    script.write_text('#!/bin/sh\necho "request id is Skranke-3 (1 file(s))"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '/bin')}")
    monkeypatch.setenv("PRINTER", "Skranke")
    return script


def refuse(script: Path) -> None:
    script.write_text(f'#!/bin/sh\necho "{REFUSAL}" >&2\nexit 1\n')


def test_a_refused_printout_is_not_logged_as_printed(
    database: Database, lp: Path, tmp_path: Path
) -> None:
    ids = register(make_ctx(database, "ab"))
    sup = make_ctx(database, "sup", roles="supervisor")
    request = ReportRequest("daily", sup.clock.today())
    said: list[str] = []
    refuse(lp)
    with pytest.raises(PrintError, match="The printer refused the job"):
        print_report(sup, request, "text", None, said.append)
    assert entries(database, AuditAction.PRINT) == []
    # Written to a file first: the file is an export, still no printout.
    target = tmp_path / "daily.txt"
    with pytest.raises(PrintError):
        print_report(sup, request, "text", target, said.append)
    assert said == [f"Written to {target}."]
    exported = entries(database, AuditAction.EXPORT)
    assert {e.citizen_id for e in exported} == {None, *ids.values()}
    assert entries(database, AuditAction.PRINT) == []
    # The printer back: the printout is logged, with every citizen on it, in one write.
    lp.write_text('#!/bin/sh\necho "request id is Skranke-3 (1 file(s))"\n')
    print_report(sup, request, "text", None, said.append)
    assert said[-1] == "Sent daily.txt to the printer. (request id is Skranke-3 (1 file(s)))"
    printed = entries(database, AuditAction.PRINT)
    assert one_run(printed)
    assert [e.citizen_id for e in printed] == [None, *sorted(ids.values())]
    assert {e.detail for e in printed} == {request.detail}


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def demo_db(tmp_path: Path) -> Iterator[Database]:
    db = make_demo_db(tmp_path / "desk.sqlite")
    yield db
    db.dispose()


def run(db: Database, *args: str) -> Result:
    base = ["--db", db.url, "--user", "sup", "--today", "2026-11-23", "--lang", "en"]
    try:
        return CliRunner().invoke(main, [*base, "report", *args])
    finally:
        set_language("en")


def test_cli_report_logs_each_citizen_listed_in_one_write(demo_db: Database) -> None:
    ids = register(make_ctx(demo_db, "ab"))
    make_ctx(demo_db, "sup", roles="supervisor")
    result = run(demo_db, "daily", "--date", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert "Jens Møller" in result.stdout
    logged = [e for e in entries(demo_db, AuditAction.EXPORT) if e.entity == "report"]
    assert one_run(logged)
    assert [e.citizen_id for e in logged] == [None, *sorted(ids.values())]


def test_cli_report_print_refused_logs_no_printout(demo_db: Database, lp: Path) -> None:
    register(make_ctx(demo_db, "ab"))
    make_ctx(demo_db, "sup", roles="supervisor")
    refuse(lp)
    result = run(demo_db, "daily", "--date", "2026-11-23", "--print")
    assert result.exit_code == 1
    assert REFUSAL in result.stderr
    assert entries(demo_db, AuditAction.PRINT) == []
    lp.write_text('#!/bin/sh\necho "request id is Skranke-4"\n')
    result = run(demo_db, "daily", "--date", "2026-11-23", "--print")
    assert result.exit_code == 0, result.output
    assert "request id is Skranke-4" in result.stdout
    assert len(entries(demo_db, AuditAction.PRINT)) == 1 + len(PEOPLE)

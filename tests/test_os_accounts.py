"""Model 1, one machine, one user, run for real as two unprivileged OS accounts.

A creates a database (`db init`) and is its admin; B is a receptionist. Who is working is the real
OS account of the process, never LOGNAME/USER, `--user` or JOBBUTIK_USER; the file belongs to its
account alone, so another account cannot open it at all, and a copy that others may read is
tightened (by its owner) or refused (by anyone else). `--today` cannot move a real database's
clock years ahead to anonymise citizens early. Each run is `setpriv` as the account (osaccounts).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from factories import on_day
from osaccounts import Account, OsAccounts, os_accounts
from trust_helpers import cpr_for

from jobbutik.domain.clock import LOCAL_TZ, Clock
from jobbutik.services.config import context_for
from jobbutik.services.retention import retention
from jobbutik.store.db import Database

# Every step starts the program afresh (a second or two each): keep them on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("os_accounts")]

__all__ = ["os_accounts"]  # the session fixture, used by the tests below


@dataclass
class Desk:
    """A's database, A and B, and the session to run the program as either."""

    session: OsAccounts
    a: Account
    b: Account
    db: Path

    def run(
        self,
        who: Account,
        *args: str,
        db: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return self.session.run_as(
            who, ["--lang", "en", "--db", str(db or self.db), *args], env=env
        )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_line(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single error line of a refused run (exit `code`), without its `jobbutik: ` prefix."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("jobbutik: ")
    return lines[0].removeprefix("jobbutik: ")


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def database_files(db: Path) -> list[Path]:
    """The database and the files beside it (audit key, anchors, WAL/SHM when present)."""
    return sorted(db.parent.glob(db.name + "*"))


def hand_over(session: OsAccounts, db: Path, to: Account) -> Path:
    """A copy of `db` (and the files beside it) in a new 0700 folder of `to`, owned by `to`."""
    folder = session.folder(to)
    for file in database_files(db):
        target = folder / file.name
        shutil.copy2(file, target)
        shutil.chown(target, to.uid, to.gid)
    return folder / db.name


def copy_out(db: Path, tmp_path: Path) -> Path:
    """A copy of `db` and the files beside it, for root to read (root opening the account's own
    file would leave root-owned WAL/SHM files beside it, which the account could not open)."""
    folder = tmp_path / "copy"
    folder.mkdir()
    for file in database_files(db):
        shutil.copy2(file, folder / file.name)
    return folder / db.name


def read_copy(db: Path, tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(copy_out(db, tmp_path)) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def desk(os_accounts: OsAccounts) -> Desk:
    """A's new database, made by A with `db init`; B added by A as reception, by OS login."""
    a, b = os_accounts.make_account(), os_accounts.make_account()
    db = os_accounts.folder(a) / "jobbutik.sqlite"
    made = Desk(os_accounts, a, b, db)
    assert "aa is its admin" in ok(made.run(a, "db", "init", "--initials", "aa", "--name", "A"))
    ok(made.run(a, "staff", "add", "bb", "B", "--roles", "reception", "--os-login", b.name))
    return made


def test_db_init_makes_the_os_account_its_admin_in_a_private_file(desk: Desk) -> None:
    assert mode(desk.db.parent) == 0o700
    for file in database_files(desk.db):
        assert (file.stat().st_uid, mode(file)) == (desk.a.uid, 0o600), file
    rows = {
        line.split()[0]: line.split() for line in ok(desk.run(desk.a, "staff", "list")).splitlines()
    }
    assert rows["aa"][1:3] == ["admin", desk.a.name]
    assert rows["bb"][1:3] == ["reception", desk.b.name]


def test_a_mistyped_path_is_refused_not_created(desk: Desk) -> None:
    wrong = desk.db.with_name("jobbutk.sqlite")
    line = one_line(desk.run(desk.a, "staff", "list", db=wrong))
    assert str(wrong) in line
    assert not wrong.exists()


def test_another_account_cannot_open_the_database(desk: Desk) -> None:
    """One machine, one user: B is staff in A's database and still cannot even open the file."""
    line = one_line(desk.run(desk.b, "staff", "list"))
    assert "Permission denied" in line
    assert str(desk.db) in line


def test_a_copy_others_may_read_is_tightened_by_its_owner_and_refused_to_others(
    desk: Desk,
) -> None:
    """Point 8: a copy in a folder A and B share, left group-readable and -writable (0660)."""
    shared = desk.session.make_group([desk.a, desk.b])
    folder = desk.session.folder(desk.a, mode=0o2770, group=shared)
    copy = folder / desk.db.name
    for file in database_files(desk.db):
        target = folder / file.name
        shutil.copy2(file, target)
        shutil.chown(target, desk.a.uid, shared.gid)
        target.chmod(0o660 if target == copy else 0o600)

    # B may read and write the file but is not its owner: refused with the reason, left as found.
    line = one_line(desk.run(desk.b, "staff", "list", db=copy))
    assert str(copy) in line and "660" in line and "chmod 600" in line
    assert mode(copy) == 0o660

    # A, its owner, works on it after it was tightened; then B cannot open it at all.
    assert "aa" in ok(desk.run(desk.a, "staff", "list", db=copy))
    assert mode(copy) == 0o600
    assert "Permission denied" in one_line(desk.run(desk.b, "staff", "list", db=copy))


@pytest.fixture(scope="module")
def b_copy(desk: Desk) -> Path:
    """A copy of A's database that B owns, in B's 0700 folder: B works on it as `bb`."""
    return hand_over(desk.session, desk.db, desk.b)


@pytest.mark.parametrize("claimed", [None, "aa", "a's account"])
def test_the_os_account_decides_who_works_not_the_environment(
    desk: Desk, b_copy: Path, claimed: str | None
) -> None:
    """B is `bb` (reception) whatever LOGNAME and USER claim: staff list needs an admin."""
    name = desk.a.name if claimed == "a's account" else claimed
    env = {"LOGNAME": name, "USER": name} if name else {}
    line = one_line(desk.run(desk.b, "staff", "list", db=b_copy, env=env))
    assert line.startswith("bb may not do this"), line


def test_the_receptionist_cannot_make_herself_admin(desk: Desk, b_copy: Path) -> None:
    """Not by claiming A's login in the environment, nor by --user or JOBBUTIK_USER."""
    promote = ("staff", "set-roles", "bb", "reception,admin")
    a_login = {"LOGNAME": desk.a.name, "USER": desk.a.name}
    line = one_line(desk.run(desk.b, *promote, db=b_copy, env=a_login))
    assert line.startswith("bb may not do this"), line
    line = one_line(desk.run(desk.b, "--user", "aa", *promote, db=b_copy), code=2)
    assert line.startswith("--user works only on a demo database"), line
    line = one_line(desk.run(desk.b, *promote, db=b_copy, env={"JOBBUTIK_USER": "aa"}), code=2)
    assert line.startswith("--user works only on a demo database"), line
    # Still reception, though B owns this copy of the file: who works is what the login maps to.
    assert one_line(desk.run(desk.b, "staff", "list", db=b_copy)).startswith("bb may not do this")


def test_the_audit_log_names_the_staff_member_and_the_os_account(
    desk: Desk, tmp_path: Path
) -> None:
    """A's staff changes are logged as aa from A's account; B's export as bb from B's."""
    ok(desk.run(desk.a, "staff", "set-roles", "bb", "reception,supervisor"))
    copy = hand_over(desk.session, desk.db, desk.b)
    out = desk.session.folder(desk.b) / "companies.csv"
    ok(desk.run(desk.b, "export", "companies", str(out), db=copy))
    forged = {"LOGNAME": desk.a.name, "USER": desk.a.name}
    ok(desk.run(desk.b, "export", "companies", str(out), "--force", db=copy, env=forged))

    rows = read_copy(
        copy, tmp_path, "SELECT actor, os_account, action, entity FROM auditentry ORDER BY seq"
    )
    by_actor = {(actor, account) for actor, account, _action, _entity in rows}
    assert ("aa", desk.a.name) in by_actor
    exports = [(actor, account) for actor, account, action, _entity in rows if action == "export"]
    assert exports == [("bb", desk.b.name)] * 2, rows
    assert by_actor <= {("aa", desk.a.name), ("bb", desk.b.name)}, rows
    assert "intact" in ok(desk.run(desk.a, "audit", "verify")).lower()


def test_today_cannot_run_retention_years_early_on_the_real_database(
    desk: Desk, tmp_path: Path
) -> None:
    """The incident of issue 14: `--today 2032-12-02 retention --apply` anonymised citizens."""
    folder = desk.db.parent
    source = folder / "citizens.csv"
    source.write_text(
        "cpr;name\n" + "".join(f"{cpr_for(n)};Borger {n}\n" for n in range(1, 4)),
        encoding="utf-8",
    )
    shutil.chown(source, desk.a.uid, desk.a.gid)
    ok(desk.run(desk.a, "import", "citizens", str(source)))

    line = one_line(desk.run(desk.a, "--today", "2032-12-02", "retention", "--apply"), code=2)
    assert line.startswith("--today works only on a demo database"), line
    line = one_line(
        desk.run(desk.a, "retention", "--apply", env={"JOBBUTIK_TODAY": "2032-12-02"}), code=2
    )
    assert "works only on a demo database" in line

    copy = copy_out(desk.db, tmp_path)
    with sqlite3.connect(copy) as connection:
        names = [name for (name,) in connection.execute("SELECT name FROM citizen ORDER BY id")]
    assert names == ["Borger 1", "Borger 2", "Borger 3"]
    # They were what the refused run would have anonymised: due on that day, not on the real one.
    db = Database(str(copy))
    try:
        admin = context_for(db, "aa", Clock(fixed_now=datetime(2032, 12, 2, 9, tzinfo=LOCAL_TZ)))
        assert len(retention(admin).candidates) == 3
        assert retention(on_day(admin, datetime.now(LOCAL_TZ))).candidates == ()
    finally:
        db.dispose()

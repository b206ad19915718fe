"""Who is working comes from the channel, not from what the caller types (issue 14).

`--user`, `--today` and their environment variables work only on a demo-marked database; the
default identity is the passwd name of the real user id, whatever LOGNAME/USER say; a name means
one member of staff across initials and OS logins; a mistyped --db never starts a database; and a
database file others could read is made private, or refused with the reason.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from factories import add_staff, make_ctx
from sqlmodel import Session, col, select
from test_trust_retention import _scenario

from jobbutik.cli.main import Frontend, main
from jobbutik.domain.errors import DatabaseUnavailable, FormErrors, ValidationError
from jobbutik.services import staff
from jobbutik.services.config import resolve_settings
from jobbutik.services.identity import current_channel, os_account
from jobbutik.store import schema
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, Role, Staff
from jobbutik.store.settings import mark_demo

ME = pwd.getpwuid(os.getuid()).pw_name
ENV_NAMES = ("JOBBUTIK_DB", "JOBBUTIK_USER", "JOBBUTIK_TODAY", "JOBBUTIK_LANG", "JOBBUTIK_RULES")


@pytest.fixture(autouse=True)
def _no_jobbutik_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def run(where: Database | str, *args: str, env: dict[str, str] | None = None, **kw: Any) -> Result:
    """`jobbutik --db WHERE --lang en …` in-process, with no --user or --today unless given."""
    url = where.url if isinstance(where, Database) else where
    return CliRunner().invoke(main, ["--db", url, "--lang", "en", *args], env=env, **kw)


def one_line_error(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jobbutik: ")
    return lines[0]


def roles_of(db: Database, initials: str) -> frozenset[Role]:
    row = db.read(lambda s: s.exec(select(Staff).where(Staff.initials == initials)).one())
    return row.role_set


def last_entry(db: Database) -> AuditEntry:
    entry = db.read(
        lambda s: s.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).first()
    )
    assert entry is not None
    return entry


def audit_count(db: Database) -> int:
    return len(db.read(lambda s: s.exec(select(AuditEntry.seq)).all()))


# -- --user / JOBBUTIK_USER: another identity only on a demo database ----------------------------


@pytest.fixture
def desk(database: Database) -> Database:
    """A real (not demo) database: lat is an admin, km (Karla) a receptionist at this OS account."""
    admin = make_ctx(database, "lat", roles="admin")
    staff.add_staff(admin, "km", "Karla Mortensen", "reception", os_login=ME)
    return database


def test_a_chosen_user_is_refused_on_a_real_database(desk: Database) -> None:
    before = audit_count(desk)
    karla = {"LOGNAME": "karla", "USER": "karla"}
    by_flag = run(desk, "--user", "lat", "staff", "set-roles", "km", "reception,admin", env=karla)
    assert by_flag.exit_code == 2
    line = one_line_error(by_flag)
    assert "--user" in line and "demo database" in line and ME in line
    by_env = run(
        desk, "staff", "set-roles", "km", "reception,admin", env={**karla, "JOBBUTIK_USER": "lat"}
    )
    assert by_env.exit_code == 2
    assert "--user" in one_line_error(by_env)
    assert roles_of(desk, "km") == {Role.RECEPTION}
    assert audit_count(desk) == before  # refused before any work, nothing logged as lat


@pytest.mark.parametrize(
    ("args", "env", "exit_code"),
    [
        ([], {}, 1),  # as herself: a receptionist may not manage staff
        ([], {"LOGNAME": "lat", "USER": "lat"}, 1),  # the login variables are not read
        (["--user", "lat"], {}, 2),
        ([], {"JOBBUTIK_USER": "lat"}, 2),
        (["--today", "2026-11-23"], {}, 2),
        ([], {"JOBBUTIK_TODAY": "2026-11-23", "JOBBUTIK_USER": "lat"}, 2),
        (["--user", "lat", "--create"], {"LOGNAME": "lat"}, 2),
    ],
    ids=["herself", "login-vars", "flag", "env", "today", "env-today", "create"],
)
def test_a_receptionist_cannot_become_admin(
    desk: Database, args: list[str], env: dict[str, str], exit_code: int
) -> None:
    result = run(desk, *args, "staff", "set-roles", "km", "reception,admin", env=env)
    assert result.exit_code == exit_code, result.output
    line = one_line_error(result)
    if exit_code == 1:
        assert "km may not do this (Manage staff)" in line
    assert roles_of(desk, "km") == {Role.RECEPTION}


def test_on_a_demo_database_user_and_today_choose(desk: Database) -> None:
    desk.write(mark_demo)
    result = run(desk, "--user", "lat", "staff", "set-roles", "km", "reception,admin")
    assert result.exit_code == 0, result.output
    assert roles_of(desk, "km") == {Role.RECEPTION, Role.ADMIN}
    assert last_entry(desk).actor == "lat"


# -- --today: the real date, except on a demo --------------------------------------------------


def test_today_is_refused_on_a_real_database_and_retention_anonymises_nobody(
    database: Database,
) -> None:
    _scenario(database)
    make_ctx(database, "boss", roles="admin")
    database.write(lambda s: _map_login(s, "boss", ME))  # the admin at this OS account
    result = run(database, "--today", "2032-12-02", "retention", "--apply")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "--today" in line and "demo database" in line
    names = database.read(lambda s: [c.name for c in s.exec(select(Citizen)).all()])
    assert names and "Anonymiseret" not in names

    # On a demo the same command may pick its day (the admin is still found by the OS login).
    database.write(mark_demo)
    demo = run(database, "--today", "2032-12-02", "retention", "--apply")
    assert demo.exit_code == 0, demo.output
    names = database.read(lambda s: [c.name for c in s.exec(select(Citizen)).all()])
    assert names.count("Anonymiseret") == 2


def _map_login(session: Session, initials: str, login: str) -> None:
    row = session.exec(select(Staff).where(Staff.initials == initials)).one()
    row.os_login = login
    session.add(row)


# -- the default identity is the real account ------------------------------------------------------


def test_the_default_identity_is_the_passwd_name_of_the_real_uid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "karla")
    assert os_account() == ME != "karla"
    settings = resolve_settings(environ={"LOGNAME": "karla", "USER": "karla"})
    assert settings.user == ME and settings.user_source == "default"
    assert current_channel().os_account == ME


def test_the_command_line_works_as_the_real_account(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    staff.add_staff(admin, "km", "Karla Mortensen", "reception", os_login="karla")
    staff.add_staff(admin, "me", "Me Myself", "admin", os_login=ME)
    monkeypatch.setenv("LOGNAME", "karla")
    monkeypatch.setenv("USER", "karla")
    result = run(sqlite_database, "staff", "set-roles", "km", "reception,consultant")
    assert result.exit_code == 0, result.output
    entry = last_entry(sqlite_database)
    assert (entry.actor, entry.os_account) == ("me", ME)


# -- one name, one person -----------------------------------------------------------------------


def test_initials_and_logins_are_unique_across_both_columns(sqlite_database: Database) -> None:
    admin = make_ctx(sqlite_database, "boss", roles="admin")
    staff.add_staff(admin, "kh", "Karla Hansen", "reception", os_login="karla")
    # Initials equal to another's login.
    with pytest.raises(ValidationError, match="karla is already a member of staff") as refused:
        staff.add_staff(admin, "karla", "Karla Other", "reception")
    assert refused.value.field == "initials"
    # A login equal to another's initials, on add, update and the screen's edit.
    with pytest.raises(ValidationError, match="boss already belongs"):
        staff.add_staff(admin, "ib", "Ib Holm", "reception", os_login="boss")
    staff.add_staff(admin, "ib", "Ib Holm", "reception")
    with pytest.raises(ValidationError, match="kh already belongs"):
        staff.update_staff(admin, "ib", os_login="kh")
    with pytest.raises((ValidationError, FormErrors), match="karla already belongs"):
        staff.edit_staff(admin, "ib", name="Ib Holm", os_login="karla", roles="reception")
    # A member's own initials as their login is no clash.
    staff.update_staff(admin, "ib", os_login="ib")
    assert staff.resolve_staff(sqlite_database, "ib", by="os_login").initials == "ib"
    rows = sqlite_database.read(lambda s: s.exec(select(Staff).order_by(Staff.initials)).all())
    assert [r.initials for r in rows] == ["boss", "ib", "kh"]


@pytest.mark.parametrize("login_row_first", [True, False], ids=["login-first", "initials-first"])
def test_a_legacy_collision_is_resolved_by_the_column_not_the_row_order(
    sqlite_database: Database, login_row_first: bool
) -> None:
    # Written directly, as an older release allowed: karla's initials and kh's login collide.
    by_initials = Staff(initials="karla", name="KARLA", roles="admin")
    by_login = Staff(initials="kh", name="Karla Hansen", roles="reception", os_login="karla")
    rows = [by_login, by_initials] if login_row_first else [by_initials, by_login]

    def insert(session: Session) -> None:
        for row in rows:
            session.add(row)
            session.flush()

    sqlite_database.write(insert)
    assert staff.resolve_staff(sqlite_database, "karla", by="os_login").initials == "kh"
    assert staff.resolve_staff(sqlite_database, "karla", by="initials").initials == "karla"


# -- a database is created on purpose -------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["report", "daily"], ["staff", "list"], ["db", "check"]], ids=" ".join
)
def test_a_mistyped_db_is_refused_and_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "typo" / "path.sqlite"
    result = run(str(typo), *command)
    assert result.exit_code == 1, result.output
    line = one_line_error(result)
    assert str(typo) in line and "jobbutik db init" in line
    assert not typo.parent.exists()
    near = tmp_path / "jobbutk.sqlite"  # the folder exists, the file does not
    assert run(str(near), *command).exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_a_file_without_our_schema_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    Database(str(empty)).dispose()  # a SQLite file, but not a jobbutik database
    result = run(str(empty), "staff", "list")
    assert result.exit_code == 1
    assert "jobbutik db init" in one_line_error(result)


def test_db_init_makes_the_os_account_the_first_admin(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    made = run(str(path), "db", "init", "--initials", "ab", "--name", "Anne Bech")
    assert made.exit_code == 0, made.output
    assert "ab is its admin" in made.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    db = Database(str(path))
    rows = db.read(lambda s: s.exec(select(Staff)).all())
    assert [(r.initials, r.name, r.os_login, r.role_set) for r in rows] == [
        ("ab", "Anne Bech", ME if ME != "ab" else None, frozenset({Role.ADMIN}))
    ]
    # The OS account now works without any option, as that admin.
    listed = run(str(path), "staff", "list")
    assert listed.exit_code == 0, listed.output
    assert "Anne Bech" in listed.stdout
    # A second init is refused: the database has staff.
    again = run(str(path), "db", "init", "--initials", "zz")
    assert again.exit_code == 1
    assert "already has staff" in one_line_error(again)
    assert len(db.read(lambda s: s.exec(select(Staff)).all())) == 1
    # Nor may init choose another person or day.
    chosen = run(str(tmp_path / "other.sqlite"), "--user", "zz", "db", "init")
    assert chosen.exit_code == 1 and "own OS login" in one_line_error(chosen)
    assert not (tmp_path / "other.sqlite").exists()


def test_db_init_defaults_to_the_os_account_as_initials(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    made = run(str(path), "db", "init")
    assert made.exit_code == 0, made.output
    db = Database(str(path))
    (row,) = db.read(lambda s: s.exec(select(Staff)).all())
    assert row.initials == ME[:16] and row.role_set == {Role.ADMIN}


def test_create_starts_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite"
    result = run(str(path), "--create", "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "upgraded from empty to" in result.stdout
    db = Database(str(path))
    assert schema.current_revision(db) == schema.head_revision()
    # Nobody became its admin by opening it.
    assert db.read(lambda s: s.exec(select(Staff)).all()) == []
    refused = run(str(path), "staff", "list")
    assert refused.exit_code == 1 and ME in one_line_error(refused)


def test_the_program_at_a_non_terminal_refuses_a_missing_database(tmp_path: Path) -> None:
    opened: list[object] = []

    def open_program(settings: object) -> int:
        opened.append(settings)
        return 0

    typo = tmp_path / "typo.sqlite"
    result = CliRunner().invoke(
        main, ["--db", str(typo), "--lang", "en"], obj=Frontend(open_program)
    )
    assert result.exit_code == 1
    assert str(typo) in one_line_error(result)
    assert opened == [] and not typo.exists()


@pytest.mark.postgres
def test_a_server_database_without_our_schema_is_refused(pg_url: str) -> None:
    result = run(pg_url, "staff", "list")
    assert result.exit_code == 1
    assert "jobbutik db init" in one_line_error(result)
    db = Database(pg_url)
    try:
        assert schema.current_revision(db) is None  # nothing was created there
    finally:
        db.dispose()


# -- file permissions --------------------------------------------------------------------------


def _loose(path: Path) -> list[Path]:
    """The database, its WAL and SHM and its audit key, each readable by everyone."""
    db = Database(str(path))
    schema.upgrade(db)
    add_staff(db, "ab")
    db.write(lambda s: _map_login(s, "ab", ME))
    db.dispose()  # the last connection closed: SQLite removes its -wal and -shm
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.auditkey")]
    assert files[-1].exists()  # the key was written with the database
    for file in files:
        file.touch()
        file.chmod(0o644)
    return files


def test_a_readable_database_is_made_private_on_opening(tmp_path: Path) -> None:
    files = _loose(tmp_path / "j.sqlite")
    db = Database(str(files[0]))
    try:
        assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {
            f.name: 0o600 for f in files
        }
    finally:
        db.dispose()


def test_the_command_line_tightens_a_readable_database(tmp_path: Path) -> None:
    files = _loose(tmp_path / "j.sqlite")
    files[0].chmod(0o664)
    result = run(str(files[0]), "db", "check")
    assert result.exit_code == 0, result.output
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files if f.exists()} == {
        f.name: 0o600 for f in files if f.exists()
    }


def test_a_database_that_cannot_be_made_private_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _loose(tmp_path / "j.sqlite")
    Path(files[0]).chmod(0o600)  # only the WAL stays readable

    def refuse(path: Any, mode: int, **_kw: Any) -> None:
        raise PermissionError(1, "Operation not permitted", str(path))

    with monkeypatch.context() as patched:
        patched.setattr(os, "chmod", refuse)
        with pytest.raises(DatabaseUnavailable) as refused:
            Database(str(files[0]))
        text = str(refused.value)
        assert str(files[1]) in text and "644" in text and "Operation not permitted" in text
        result = run(str(files[0]), "db", "check")
    assert result.exit_code == 1
    line = one_line_error(result)
    assert str(files[1]) in line and "chmod 600" in line
    assert stat.S_IMODE(files[1].stat().st_mode) == 0o644  # left for its owner, not used

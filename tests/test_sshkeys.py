"""SSH keys bound to staff initials (issue 14, model 2): `staff add-key` / `staff remove-key` write
the service account's authorized_keys, and `desk --staff` believes its initials only when a key's
forced command ran it. The real sshd is in test_ssh.py; here the file, the audit log and the
refusals, on a real SQLite database (and PostgreSQL, which SSH desks do not use)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import add_staff, make_demo_db
from sqlmodel import Session, col, select
from trust_helpers import cli, one_line_error

from jobbutik.cli.main import Frontend, main
from jobbutik.domain.errors import PermissionDenied, ValidationError
from jobbutik.services import sshkeys
from jobbutik.services.config import Settings
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry

PROGRAM = "/opt/jobbutik/bin/jobbutik"

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="ssh-keygen (OpenSSH client) is not installed"
)


def keygen(folder: Path, name: str) -> Path:
    """A new ed25519 key pair without passphrase; the .pub file's path."""
    private = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@pc", "-f", str(private)],
        check=True,
    )
    return folder / f"{name}.pub"


def ssh_keygen_fingerprint(pub: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(pub)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[1]


@dataclass(frozen=True)
class Office:
    db: Database
    a: Path  # public key files
    a2: Path
    b: Path
    file: Path  # the service account's authorized_keys


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """A demo-marked database with an admin `adm`, staff aa and bb (reception) and their keys."""
    db = make_demo_db(tmp_path / "jobbutik.sqlite")
    add_staff(db, "adm", "admin")
    add_staff(db, "aa", "reception")
    add_staff(db, "bb", "reception")
    keys = tmp_path / "keys"
    keys.mkdir()
    return Office(
        db,
        keygen(keys, "a"),
        keygen(keys, "a2"),
        keygen(keys, "b"),
        tmp_path / "service" / ".ssh" / "authorized_keys",
    )


def add_key(office: Office, initials: str, pub: Path, *extra: str) -> Result:
    db = office.db
    return cli(
        db,
        "adm",
        "staff",
        "add-key",
        initials,
        str(pub),
        "--authorized-keys",
        str(office.file),
        "--program",
        PROGRAM,
        *extra,
    )


def audit_details(db: Database) -> list[str]:
    def work(session: Session) -> list[str]:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
        return [f"{row.action} {row.detail}" for row in rows]

    return db.read(work)


def test_fingerprint_is_the_one_ssh_keygen_shows(tmp_path: Path) -> None:
    pub = keygen(tmp_path, "k")
    key = sshkeys.parse_public_key(pub.read_text())
    assert key.kind == "ssh-ed25519"
    assert key.fingerprint == ssh_keygen_fingerprint(pub)


def test_add_key_appends_a_forced_command_line(office: Office) -> None:
    db, path = office.db, office.file
    path.parent.parent.mkdir()
    path.parent.mkdir(mode=0o755)
    own = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOwn+own+key+of+the+service+account000000 me@srv"
    path.write_text(f"# the admin's own key\n{own}\n")

    result = add_key(office, "AA", office.a)

    assert result.exit_code == 0, result.output
    fingerprint = ssh_keygen_fingerprint(office.a)
    assert fingerprint in result.stdout
    blob = office.a.read_text().split()[1]
    assert db.path is not None
    assert path.read_text().splitlines() == [
        "# the admin's own key",
        own,
        f'restrict,pty,command="{PROGRAM} --db {db.path.absolute()} desk --staff aa" '
        f"ssh-ed25519 {blob} jobbutik:aa",
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [d for d in audit_details(db) if "ssh key" in d] == [
        f"create aa: ssh key added {fingerprint} ({path})"
    ]


def test_add_key_creates_the_ssh_folder_private(office: Office) -> None:
    path = office.file
    old = os.umask(0o022)
    try:
        assert add_key(office, "aa", office.a).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_forced_command_survives_the_shell_whatever_the_paths(tmp_path: Path) -> None:
    """sshd hands the command to the account's shell: paths with blanks and quotes arrive as
    they are, and nothing in them runs."""
    folder = tmp_path / "it's a $(touch pwned) folder"
    folder.mkdir()
    program = folder / "job butik"
    program.write_text('#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n')
    program.chmod(0o755)
    db_path = folder / "the db;rm -rf x.sqlite"
    pub = keygen(tmp_path, "k")
    line = sshkeys.authorized_line(
        sshkeys.parse_public_key(pub.read_text()),
        "a.b-c_1",
        sshkeys.forced_command([str(program)], "a.b-c_1", db_path),
    )
    parsed = sshkeys.parse_line(line)
    assert parsed.desk_staff() == ("a.b-c_1", str(db_path))
    command = parsed.option("command")
    assert command is not None
    out = subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.splitlines() == ["[--db]", f"[{db_path}]", "[desk]", "[--staff]", "[a.b-c_1]"]
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("program", ['/opt/job"butik', "/opt/job\\butik"])
def test_a_program_path_that_cannot_be_quoted_is_refused(office: Office, program: str) -> None:
    result = cli(
        office.db,
        "adm",
        "staff",
        "add-key",
        "aa",
        str(office.a),
        "--authorized-keys",
        str(office.file),
        "--program",
        program,
    )
    assert "forced command" in one_line_error(result)
    assert not office.file.exists()


def test_the_forced_command_names_absolute_paths_only() -> None:
    with pytest.raises(ValidationError, match="absolute"):
        sshkeys.forced_command(["jobbutik"], "aa", None)
    with pytest.raises(ValidationError, match="absolute"):
        sshkeys.forced_command([PROGRAM], "aa", Path("db.sqlite"))


KEY_LINE_PROBLEMS = {
    "options": 'command="/bin/sh" {key}',
    "restrict": "restrict {key}",
    "two lines": "{key}\n{key}",
    "control character": "{key}\x1b[2J",
    "carriage return": "{key}\rssh-ed25519 AAAA",
    "empty": "",
    "private key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n",
    "bad base64": "ssh-ed25519 AAAA%%%% x",
    "no key": "ssh-ed25519",
    "wrong type": "ssh-rsa {blob} x",
}


@pytest.mark.parametrize("problem", sorted(KEY_LINE_PROBLEMS))
def test_a_key_file_that_is_not_one_public_key_is_refused(
    office: Office, tmp_path: Path, problem: str
) -> None:
    text = office.a.read_text().strip()
    bad = tmp_path / "bad.pub"
    bad.write_text(KEY_LINE_PROBLEMS[problem].format(key=text, blob=text.split()[1]))

    message = one_line_error(add_key(office, "aa", bad))

    assert "key" in message.lower()
    assert not office.file.exists()


def test_a_key_already_present_is_refused_for_anyone(office: Office) -> None:
    path = office.file
    assert add_key(office, "aa", office.a).exit_code == 0
    before = path.read_bytes()

    for initials in ("aa", "bb"):
        message = one_line_error(add_key(office, initials, office.a))
        assert "already" in message and "aa" in message
    assert path.read_bytes() == before


def test_a_key_in_a_line_of_its_own_is_refused_too(office: Office) -> None:
    path = office.file
    path.parent.mkdir(parents=True)
    path.write_text(f'from="10.0.0.1" {office.b.read_text()}')
    message = one_line_error(add_key(office, "aa", office.b))
    assert "already" in message


@pytest.mark.parametrize("initials", ['a"b', "aa bb", "nobody"])
def test_only_existing_initials_get_a_key(office: Office, initials: str) -> None:
    one_line_error(add_key(office, initials, office.a))
    assert not office.file.exists()


def test_only_an_admin_adds_or_removes_keys(office: Office) -> None:
    db = office.db
    path = str(office.file)
    added = cli(db, "aa", "staff", "add-key", "aa", str(office.a), "--authorized-keys", path)
    assert "may not" in one_line_error(added)
    assert not Path(path).exists()
    assert add_key(office, "bb", office.b).exit_code == 0
    removed = cli(db, "aa", "staff", "remove-key", "bb", "--authorized-keys", path)
    assert "may not" in one_line_error(removed)
    assert "jobbutik:bb" in Path(path).read_text()


def test_remove_key_one_by_fingerprint_or_all(office: Office) -> None:
    db, path = office.db, office.file
    path.parent.mkdir(parents=True)
    path.write_text("# kept as it is\n")
    for initials, pub in (("aa", office.a), ("aa", office.a2), ("bb", office.b)):
        assert add_key(office, initials, pub).exit_code == 0
    a, a2 = ssh_keygen_fingerprint(office.a), ssh_keygen_fingerprint(office.a2)
    lines = path.read_text().splitlines()

    one = cli(db, "adm", "staff", "remove-key", "aa", a2, "--authorized-keys", str(path))
    assert one.exit_code == 0, one.output
    assert a2 in one.stdout
    assert path.read_text().splitlines() == [lines[0], lines[1], lines[3]]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    everything = cli(db, "adm", "staff", "remove-key", "aa", "--authorized-keys", str(path))
    assert everything.exit_code == 0, everything.output
    assert path.read_text().splitlines() == ["# kept as it is", lines[3]]

    again = one_line_error(
        cli(db, "adm", "staff", "remove-key", "aa", "--authorized-keys", str(path))
    )
    assert "no key" in again
    assert [d.split(" (")[0] for d in audit_details(db) if "ssh key removed" in d] == [
        f"delete aa: ssh key removed {a2}",
        f"delete aa: ssh key removed {a}",
    ]
    assert path.read_text().splitlines()[1].endswith("jobbutik:bb")


def test_remove_key_with_an_unknown_fingerprint_changes_nothing(office: Office) -> None:
    db, path = office.db, office.file
    assert add_key(office, "aa", office.a).exit_code == 0
    before = path.read_bytes()
    wrong = ssh_keygen_fingerprint(office.b)
    result = cli(db, "adm", "staff", "remove-key", "aa", wrong, "--authorized-keys", str(path))
    assert wrong in one_line_error(result)
    assert path.read_bytes() == before


# -- the desk's check ------------------------------------------------------------------------------

SSH_ENV = {"SSH_CONNECTION": "192.0.2.7 50022 127.0.0.1 22"}


def bound_file(tmp_path: Path, initials: str, db_path: Path | None, *, options: str = "") -> Path:
    pub = keygen(tmp_path, f"key-{initials}")
    key = sshkeys.parse_public_key(pub.read_text())
    line = sshkeys.authorized_line(
        key, initials, sshkeys.forced_command([PROGRAM], initials, db_path)
    )
    if options:
        line = line.replace("restrict,", options, 1)
    path = tmp_path / "authorized_keys"
    path.write_text(line + "\n")
    return path


def test_the_desk_believes_a_key_line_for_its_initials(
    sqlite_database: Database, tmp_path: Path
) -> None:
    assert sqlite_database.path is not None
    keys = bound_file(tmp_path, "aa", sqlite_database.path)
    sshkeys.require_forced_command(sqlite_database, "aa", environ=SSH_ENV, keys_file=keys)
    sshkeys.require_forced_command(sqlite_database, "AA ", environ=SSH_ENV, keys_file=keys)


@pytest.mark.parametrize(
    ("why", "initials", "environ", "options", "other_db"),
    [
        ("not over ssh", "aa", {}, "", False),
        ("a key for someone else", "bb", SSH_ENV, "", False),
        ("forwarding not restricted", "aa", SSH_ENV, "pty,", False),
        ("another database", "aa", SSH_ENV, "", True),
    ],
)
def test_the_desk_refuses_without_its_key_line(
    sqlite_database: Database,
    tmp_path: Path,
    why: str,
    initials: str,
    environ: dict[str, str],
    options: str,
    other_db: bool,
) -> None:
    assert sqlite_database.path is not None
    db_path = tmp_path / "other.sqlite" if other_db else sqlite_database.path
    keys = bound_file(tmp_path, "aa", db_path, options=options)
    with pytest.raises(PermissionDenied, match="refused"):
        sshkeys.require_forced_command(sqlite_database, initials, environ=environ, keys_file=keys)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another account needs root")
def test_the_desk_runs_only_as_the_account_that_owns_the_database(
    sqlite_database: Database, tmp_path: Path
) -> None:
    assert sqlite_database.path is not None
    keys = bound_file(tmp_path, "aa", sqlite_database.path)
    os.chown(sqlite_database.path, 65534, 65534)
    with pytest.raises(PermissionDenied, match="owns the database"):
        sshkeys.require_forced_command(sqlite_database, "aa", environ=SSH_ENV, keys_file=keys)


def test_ssh_desks_are_for_sqlite_only(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        with pytest.raises(PermissionDenied, match="PostgreSQL"):
            sshkeys.require_forced_command(db, "aa", environ=SSH_ENV)
    finally:
        db.dispose()


def test_desk_by_hand_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_demo_db(tmp_path / "jobbutik.sqlite")
    add_staff(db, "aa", "reception")
    opened: list[Settings] = []

    def open_program(settings: Settings) -> int:
        opened.append(settings)
        return 0

    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    runner = CliRunner()
    by_hand = runner.invoke(
        main, ["--db", db.url, "--lang", "en", "desk", "--staff", "aa"], obj=Frontend(open_program)
    )
    assert "forced command" in one_line_error(by_hand)
    assert by_hand.exit_code == 1

    monkeypatch.setenv("SSH_CONNECTION", SSH_ENV["SSH_CONNECTION"])
    other_user = runner.invoke(
        main,
        ["--db", db.url, "--user", "bb", "--lang", "en", "desk", "--staff", "aa"],
        obj=Frontend(open_program),
    )
    assert "--staff only" in one_line_error(other_user)
    assert other_user.exit_code == 2
    assert opened == []

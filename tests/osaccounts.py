"""Throwaway OS accounts for a test session, and the real program run as them.

Model 1 of issue 14 (one machine, one user) and the SSH set-up both decide who is working from the
real OS account, so their tests need real accounts: `OsAccounts` creates them (`useradd`, names
`jbt-<random>`, homes in the session's folder) and removes them again (`userdel`). Only root can;
elsewhere the `os_accounts` fixture skips with the reason (CI runs as root).

The accounts cannot read root's Python (pyenv under /root) or a checkout under /root, so once per
session the program and its dependencies are laid out in a world-readable folder: the checkout's
`jobbutik/` package is copied, and the installed distributions it needs (its requirements and the
`postgres` extra, followed transitively through their metadata) are hard-linked from the venv's
site-packages (copied where a link is not possible). The editable install's finder is left out: it
points into the checkout. A system interpreter of the same minor version runs it (the ABI of the
compiled wheels and of the .pyc files is the same within a minor version), through the wrapper
script `OsAccounts.jobbutik`, which an account (or sshd's forced command) can execute directly.

    def test_something(os_accounts: OsAccounts) -> None:
        a = os_accounts.make_account()
        own = os_accounts.folder(a)                        # 0700, owned by a
        done = os_accounts.run_as(a, ["--db", str(own / "x.sqlite"), "db", "init"])

`run_as` starts `setpriv --reuid --regid --init-groups` with a clean environment: the account's
HOME, USER and LOGNAME, a plain PATH, no JOBBUTIK_* variables; `env=` adds or replaces variables
(e.g. a forged LOGNAME), `cwd=` defaults to the account's home.
"""

from __future__ import annotations

import grp
import importlib.metadata
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import jobbutik

# Installed alongside the program's own requirements: PostgreSQL desks log in as OS accounts too.
EXTRAS = ("postgres",)
PREFIX = "jbt-"
COMMENT = "jobbutik test account"


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int
    home: Path


@dataclass(frozen=True)
class Group:
    name: str
    gid: int


def why_not_available() -> str | None:
    """Why throwaway accounts cannot be made here (None: they can)."""
    if os.geteuid() != 0:
        return "creating OS accounts needs root (CI runs the tests as root)"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "gpasswd", "setpriv"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if readable_python() is None:
        return (
            f"no Python {sys.version_info.major}.{sys.version_info.minor} that other accounts "
            "can run (e.g. Debian's /usr/bin/python3.11)"
        )
    return None


def open_to_all(path: Path) -> bool:
    """Whether any account can reach `path`: every folder above it searchable by others."""
    path = path.resolve()
    if not path.exists() or not path.stat().st_mode & 0o005:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in path.parents)


def readable_python() -> Path | None:
    """An interpreter of this minor version that every account can run, with its library."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        Path(getattr(sys, "_base_executable", sys.executable)),
        Path(f"/usr/bin/python{version}"),
        Path(f"/usr/local/bin/python{version}"),
    ]
    for candidate in candidates:
        if not candidate.exists() or not open_to_all(candidate):
            continue
        probe = subprocess.run(
            [str(candidate), "-c", "import sys; print(sys.version_info[:2], sys.prefix)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode != 0:
            continue
        numbers, prefix = probe.stdout.split(")", 1)
        if numbers.strip("( ") == f"{sys.version_info.major}, {sys.version_info.minor}" and (
            open_to_all(Path(prefix.strip()))
        ):
            return candidate.resolve()
    return None


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(root: str = "jobbutik", extras: Sequence[str] = EXTRAS) -> list[str]:
    """The distributions `root` needs at run time (with `extras`), transitively, from metadata."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo: list[tuple[str, tuple[str, ...]]] = [(root, tuple(extras))]
    while todo:
        name, wanted = todo.pop()
        if _key(name) in found:
            continue
        dist = importlib.metadata.distribution(name)
        found[_key(name)] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in ("", *wanted)):
                todo.append((requirement.name, tuple(requirement.extras)))
    return sorted(found)


def _publish(source: Path, target: Path) -> None:
    """`target` becomes `source`, readable by all: a hard link when possible, else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.stat().st_mode & 0o004:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    shutil.copy2(source, target)
    os.chmod(target, target.stat().st_mode | 0o444)


def lay_out_program(lib: Path) -> None:
    """The checkout's package and its installed dependencies, under `lib`, readable by all."""
    package = Path(jobbutik.__file__).resolve().parent
    shutil.copytree(package, lib / "jobbutik")
    for name in runtime_distributions():
        if name == "jobbutik":
            continue  # its files are the editable finder, which points into the checkout
        dist = importlib.metadata.distribution(name)
        site = Path(str(dist.locate_file(""))).resolve()
        for entry in dist.files or []:
            source = Path(str(dist.locate_file(entry))).resolve()
            if not source.is_relative_to(site) or not source.is_file():
                continue  # scripts in bin/, or a file the RECORD lists but the install lacks
            _publish(source, lib / source.relative_to(site))


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


@dataclass
class OsAccounts:
    """One test session's accounts, groups and world-readable program; `close()` removes all."""

    root: Path = field(init=False)
    lib: Path = field(init=False)
    python: Path = field(init=False)
    jobbutik: Path = field(init=False)
    setup_seconds: float = field(init=False)
    accounts: list[Account] = field(default_factory=list, init=False)
    groups: list[Group] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        reason = why_not_available()
        if reason is not None:
            raise RuntimeError(reason)
        python = readable_python()
        assert python is not None
        self.python = python
        started = time.monotonic()
        self.root = Path(tempfile.mkdtemp(prefix="jobbutik-osaccounts-", dir="/tmp"))
        old_umask = os.umask(0o022)  # the folders made here must be searchable by every account
        try:
            os.chmod(self.root, 0o755)
            self.lib = self.root / "lib"
            lay_out_program(self.lib)
            self.jobbutik = self.root / "bin" / "jobbutik"
            self.jobbutik.parent.mkdir()
            # Absolute paths only: sshd's forced command and setpriv both run it as it is.
            self.jobbutik.write_text(
                "#!/bin/sh\n"
                f"PYTHONPATH='{self.lib}' PYTHONDONTWRITEBYTECODE=1 "
                f"exec '{self.python}' -s -m jobbutik \"$@\"\n"
            )
            os.chmod(self.jobbutik, 0o755)
            (self.root / "home").mkdir(mode=0o755)
            (self.root / "folders").mkdir(mode=0o755)
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        finally:
            os.umask(old_umask)
        self.setup_seconds = time.monotonic() - started

    def make_account(self) -> Account:
        """A new unprivileged account with its own group and a 0700 home in the session folder."""
        name = PREFIX + secrets.token_hex(4)
        home = self.root / "home" / name
        _run(
            "useradd",
            "--system",
            "--user-group",
            "--create-home",
            "--home-dir",
            str(home),
            "--shell",
            "/bin/sh",
            "--comment",
            COMMENT,
            name,
        )
        entry = pwd.getpwnam(name)
        account = Account(name, entry.pw_uid, entry.pw_gid, home)
        self.accounts.append(account)
        os.chmod(home, 0o700)
        return account

    def make_group(self, members: Iterable[Account]) -> Group:
        """A new group with `members` as supplementary members."""
        name = PREFIX + secrets.token_hex(4)
        _run("groupadd", "--system", name)
        group = Group(name, grp.getgrnam(name).gr_gid)
        self.groups.append(group)
        _run("gpasswd", "-M", ",".join(a.name for a in members), name)
        return group

    def folder(self, owner: Account, *, mode: int = 0o700, group: Group | None = None) -> Path:
        """A new folder of `owner` (group: `group` when given, else the owner's own).

        Beside the homes, not in one (a home is 0700): `mode` alone decides who gets in."""
        path = Path(tempfile.mkdtemp(prefix=owner.name + "-", dir=self.root / "folders"))
        os.chown(path, owner.uid, group.gid if group else owner.gid)
        os.chmod(path, mode)
        return path

    def environment(self, account: Account, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """What a fresh login of `account` has (no JOBBUTIK_* variables), then `env` on top."""
        base = {
            "HOME": str(account.home),
            "USER": account.name,
            "LOGNAME": account.name,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }
        return base | dict(env or {})

    def command_as(self, account: Account, argv: Sequence[str]) -> list[str]:
        """`argv` run as `account` (real and effective ids, its groups), for subprocess."""
        return [
            "setpriv",
            f"--reuid={account.uid}",
            f"--regid={account.gid}",
            "--init-groups",
            *argv,
        ]

    def run_as(
        self,
        account: Account,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stdin: str = "",
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """`jobbutik ARGS` as `account`, to completion; stdout and stderr captured as text."""
        return subprocess.run(
            self.command_as(account, [str(self.jobbutik), *args]),
            env=self.environment(account, env),
            cwd=cwd or account.home,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def close(self) -> None:
        """Remove the groups, the accounts (with their own groups) and the session folder."""
        problems = []
        for group in self.groups:
            done = subprocess.run(["groupdel", group.name], capture_output=True, text=True)
            if done.returncode != 0:
                problems.append(f"groupdel {group.name}: {done.stderr.strip()}")
        for account in self.accounts:
            done = subprocess.run(["userdel", account.name], capture_output=True, text=True)
            if done.returncode != 0:
                problems.append(f"userdel {account.name}: {done.stderr.strip()}")
        self.groups.clear()
        self.accounts.clear()
        shutil.rmtree(self.root, ignore_errors=True)
        if problems:
            raise RuntimeError("; ".join(problems))


@pytest.fixture(scope="session")
def os_accounts() -> Iterator[OsAccounts]:
    """This session's OsAccounts (skips where accounts cannot be made); removed at the end.

    Import it into a test module (`from osaccounts import os_accounts`) to use it there."""
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    session = OsAccounts()
    try:
        yield session
    finally:
        session.close()

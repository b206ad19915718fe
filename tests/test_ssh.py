"""The shared server with SSH (issue 14, model 2), with OpenSSH's real sshd on 127.0.0.1.

A throwaway service account owns the database (0600 in a 0700 folder) and is its admin; it binds
each member of staff's key to their initials with `jobbutik staff add-key`. Proved here as real
processes: each key opens the desk as its own member (the screen's header, in tmux), the command
the client asks for is ignored, no shell runs, forwarding is refused, a deactivated member's key
and a removed key get nowhere.

Needs root (the accounts, sshd) and openssh-server, which CI installs; without sshd the tests fail
when run as root and skip otherwise.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from osaccounts import Account, OsAccounts, os_accounts
from tmux_helpers import Tmux

__all__ = ["os_accounts"]  # the fixture, imported to be used here

pytestmark = pytest.mark.slow

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
STARTUP = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until(what: str, ready: Callable[[], bool], timeout: float = STARTUP) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


@dataclass
class Server:
    """sshd on 127.0.0.1:port letting staff keys in to the service account."""

    accounts: OsAccounts
    service: Account
    db: Path
    port: int
    log: Path
    keys: Path  # the clients' private keys, one per initials

    def jobbutik(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`jobbutik --db DB ARGS` as the service account (the admin), which must succeed."""
        done = self.accounts.run_as(self.service, ["--db", str(self.db), "--lang", "en", *args])
        assert done.returncode == 0, done.stderr
        return done

    def staff_with_key(self, initials: str) -> Path:
        """A new reception member `initials` whose new key is added; the private key's path."""
        self.jobbutik(
            "staff", "add", initials, f"Member {initials.upper()}", "--roles", "reception"
        )
        private = self.keys / initials
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                f"{initials}@pc",
                "-f",
                str(private),
            ],
            check=True,
        )
        # The admin gets the .pub file from the member, where the service account can read it.
        handed_in = self.db.parent / f"{initials}.pub"
        shutil.copy(f"{private}.pub", handed_in)
        os.chown(handed_in, self.service.uid, self.service.gid)
        self.jobbutik(
            "staff", "add-key", initials, str(handed_in), "--program", str(self.accounts.jobbutik)
        )
        return private

    def ssh(self, key: Path, *extra: str) -> list[str]:
        return [
            "ssh",
            "-F",
            "/dev/null",
            "-p",
            str(self.port),
            "-i",
            str(key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            *extra,
            f"{self.service.name}@127.0.0.1",
        ]

    def run(self, key: Path, *remote: str) -> subprocess.CompletedProcess[str]:
        """Log in with `key` without a terminal, asking the server to run `remote`."""
        return subprocess.run(
            [*self.ssh(key, "-T"), *remote],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )


@pytest.fixture(scope="module")
def server(os_accounts: OsAccounts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(SSHD).exists():
        if os.geteuid() != 0:
            pytest.skip("OpenSSH's sshd is not installed (and only root could install it)")
        pytest.fail(
            "OpenSSH's sshd is not installed: apt-get install openssh-server (.ci/run does)"
        )
    service = os_accounts.make_account()
    # A locked password ("!") makes sshd refuse even a key when PAM is off; "*" is no password.
    subprocess.run(["usermod", "-p", "*", service.name], check=True)
    folder = os_accounts.folder(service)
    db = folder / "jobbutik.sqlite"
    done = os_accounts.run_as(service, ["--db", str(db), "db", "init", "--initials", "adm"])
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

    work = tmp_path_factory.mktemp("sshd")
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / "host")], check=True
    )
    port = _free_port()
    config = work / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {work / 'host'}\nPidFile none\n"
        f"UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        f"PermitRootLogin no\nAllowUsers {service.name}\nLogLevel VERBOSE\n"
        # The desk speaks Danish by default; the tests read its English.
        "SetEnv JOBBUTIK_LANG=en\n"
        f"AuthorizedKeysFile {service.home / '.ssh' / 'authorized_keys'}\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation folder
    log = work / "sshd.log"
    with log.open("w") as out:
        sshd = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_until(
            f"sshd on port {port}",
            lambda: sshd.poll() is not None or "Server listening" in log.read_text(),
        )
        assert sshd.poll() is None, log.read_text()
        keys = work / "clients"
        keys.mkdir(mode=0o700)
        yield Server(os_accounts, service, db, port, log, keys)
    finally:
        sshd.terminate()
        sshd.wait(timeout=30)


def _desk_refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one line the desk said when it did not open (no terminal, or refused)."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jobbutik: "), done.stderr
    return lines[0]


def test_each_key_opens_the_desk_as_its_own_member(server: Server) -> None:
    """Key A gets A's desk; key B gets B's desk even when the client asks for A."""
    a = server.staff_with_key("aa")
    b = server.staff_with_key("bb")
    lines = (server.service.home / ".ssh" / "authorized_keys").read_text().splitlines()
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["jobbutik:aa", "jobbutik:bb"]
    assert all(line.startswith('restrict,pty,command="') for line in lines)
    assert f"--db {server.db} desk --staff aa" in lines[0]

    tmux = Tmux(f"jobbutik-ssh-{secrets.token_hex(4)}")
    try:
        desk_a = tmux.start([*server.ssh(a, "-tt")], {"TERM": "xterm-256color"}, "a")
        desk_b = tmux.start(
            [*server.ssh(b, "-tt"), "jobbutik", "--user", "aa"], {"TERM": "xterm-256color"}, "b"
        )
        screen_a = desk_a.wait_for("· AA", timeout=90)
        screen_b = desk_b.wait_for("· BB", timeout=90)
    finally:
        tmux.kill()
    assert "· BB" not in screen_a
    assert "· AA" not in screen_b


def test_a_key_runs_nothing_but_the_desk(server: Server) -> None:
    key = server.staff_with_key("cc")
    plain = _desk_refused(server.run(key))
    assert "needs a terminal" in plain

    for remote in (["bash", "-c", "id"], ["jobbutik", "--user", "adm", "staff", "list"]):
        done = server.run(key, *remote)
        assert _desk_refused(done) == plain  # the forced command ran, not the client's
        assert "uid=" not in done.stdout + done.stderr
        assert "adm" not in done.stdout


def test_forwarding_is_refused(server: Server) -> None:
    key = server.staff_with_key("dd")
    target = socket.create_server(("127.0.0.1", 0))
    local = _free_port()
    tunnel = subprocess.Popen(
        [*server.ssh(key, "-N", "-L", f"{local}:127.0.0.1:{target.getsockname()[1]}")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    connections: list[socket.socket] = []

    def connected() -> bool:
        assert tunnel.poll() is None, tunnel.stderr.read() if tunnel.stderr else ""
        try:
            connections.append(socket.create_connection(("127.0.0.1", local), timeout=5))
        except ConnectionRefusedError:
            return False
        return True

    try:
        _wait_until("the ssh client's local forward", connected)
        through = connections[0]
        through.settimeout(60)
        assert through.recv(16) == b""  # the client closes it: the server refused the channel
        target.setblocking(False)
        with pytest.raises(BlockingIOError):
            target.accept()  # sshd never connected to the target
    finally:
        for open_socket in (*connections, target):
            open_socket.close()
        tunnel.kill()  # a client waiting on a refused channel may not heed SIGTERM at once
        tunnel.communicate(timeout=30)
    assert "refused local port forward" in server.log.read_text()


def test_a_deactivated_members_key_gets_nowhere(server: Server) -> None:
    key = server.staff_with_key("ee")
    assert "needs a terminal" in _desk_refused(server.run(key))

    server.jobbutik("staff", "deactivate", "ee")

    assert "ee is no longer active" in _desk_refused(server.run(key))
    tmux = Tmux(f"jobbutik-ssh-{secrets.token_hex(4)}")
    try:
        desk = tmux.start([*server.ssh(key, "-tt")], {"TERM": "xterm-256color"}, "ee", exec_=True)
        desk.wait_ended(timeout=90)
    finally:
        tmux.kill()


def test_a_removed_key_is_shut_out(server: Server) -> None:
    key = server.staff_with_key("ff")
    other = server.staff_with_key("gg")
    keys_file = server.service.home / ".ssh" / "authorized_keys"

    server.jobbutik("staff", "remove-key", "ff")

    assert "jobbutik:ff" not in keys_file.read_text()
    assert "jobbutik:gg" in keys_file.read_text()
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert keys_file.stat().st_uid == server.service.uid
    done = server.run(key)
    assert done.returncode == 255 and "Permission denied" in done.stderr
    assert "needs a terminal" in _desk_refused(server.run(other))

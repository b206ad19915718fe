"""A throwaway PostgreSQL cluster for the tests: initdb into a temp folder, start, stop, remove.

PostgreSQL refuses to run as root, so when the tests run as root (CI, containers) the server
binaries run as an unprivileged system user (`jobbutik-pg`, created with `useradd --system` if
missing, else `nobody`): the child process drops to that user through `subprocess`'s
`user=`/`group=` (setresuid/setresgid in the child, like `setpriv`), and the cluster folder is
owned by it. The server listens on 127.0.0.1 on a free port and on a private unix socket folder,
with trust authentication, fsync off and small buffers: it holds nothing worth keeping. The
benchmark (benchmarks/pg.py) starts one with `durable=True`: the settings of a real server (fsync,
synchronous commit, full-page writes on), so its figures are what a jobcentre would see.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
SYSTEM_USER = "jobbutik-pg"
ROOT_MARK = "-pg-"
OWNER_FILE = "owner.pid"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresNotFound(RuntimeError):
    pass


def find_bin_dir() -> Path:
    """The folder holding `initdb`, `pg_ctl` and `postgres` (newest version wins)."""
    candidates: list[Path] = []
    if env := os.environ.get("JOBBUTIK_PG_BIN"):
        candidates.append(Path(env))
    if found := shutil.which("pg_ctl"):
        candidates.append(Path(found).resolve().parent)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    candidates += [Path("/usr/local/pgsql/bin"), Path("/opt/homebrew/bin"), Path("/usr/bin")]
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found: install the "
        "`postgresql` package (Debian/Ubuntu: apt-get install postgresql) or set JOBBUTIK_PG_BIN "
        "to their folder. To skip the PostgreSQL tests on purpose set JOBBUTIK_TEST_NO_PG=1."
    )


def _server_user() -> tuple[int, int] | None:
    """(uid, gid) to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        if shutil.which("useradd"):
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    "--user-group",
                    SYSTEM_USER,
                ],
                check=False,
                capture_output=True,
            )
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(bin_dir: Path) -> None:
    """Stop and remove clusters whose test process died without cleaning up (killed, timeout)."""
    for root in Path(tempfile.gettempdir()).glob(f"jobbutik*{ROOT_MARK}*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
            info = root.stat()
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        if os.geteuid() not in (0, info.st_uid):
            continue
        kwargs: dict[str, object] = {}
        if os.geteuid() == 0 and info.st_uid != 0:
            kwargs.update(user=info.st_uid, group=info.st_gid, extra_groups=[])
        if (root / "data" / "postmaster.pid").exists():
            subprocess.run(
                [
                    str(bin_dir / "pg_ctl"),
                    "stop",
                    "--pgdata",
                    str(root / "data"),
                    "-m",
                    "immediate",
                ],
                cwd=root,
                capture_output=True,
                timeout=60,
                check=False,
                **kwargs,  # type: ignore[arg-type]
            )
        shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """One cluster; `start()` it, make databases, `stop()` it (which also removes its files)."""

    name: str = "jobbutik"
    bin_dir: Path = field(default_factory=find_bin_dir)
    root: Path | None = None
    port: int = 0
    durable: bool = False
    _owner: tuple[int, int] | None = None
    _started: bool = False

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        if self._owner is not None:
            uid, gid = self._owner
            kwargs.update(user=uid, group=gid, extra_groups=[])
            env["HOME"] = str(self.root)
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = ""
            with contextlib.suppress(OSError):
                log = self.log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(
                f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> PgCluster:
        self._owner = _server_user()
        atexit.register(self.stop)  # a safety net; the session fixture stops it first
        reap_orphans(self.bin_dir)
        # A folder in the system temp dir, not pytest's tmp_path: that one is 0700 root and the
        # server user could not enter it.
        self.root = Path(tempfile.mkdtemp(prefix=f"{self.name}{ROOT_MARK}"))
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        self.socket_dir.mkdir(mode=0o700)
        if self._owner is not None:
            uid, gid = self._owner
            os.chown(self.root, uid, gid)
            os.chown(self.socket_dir, uid, gid)
        self._check(
            self._run(
                "initdb",
                "--pgdata",
                str(self.data_dir),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ),
            "initdb",
        )
        switch = "on" if self.durable else "off"
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": switch,
            "synchronous_commit": switch,
            "full_page_writes": switch,
            "shared_buffers": "128MB" if self.durable else "16MB",
            "max_connections": "100" if self.durable else "60",
            "max_wal_size": "256MB",
            "logging_collector": "off",
            "log_min_messages": "warning",
            "timezone": "'Europe/Copenhagen'",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# jobbutik test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        last: Exception | None = None
        for _attempt in range(5):  # another worker may grab the port between probe and bind
            self.port = free_port()
            result = self._run(
                "pg_ctl",
                "start",
                "--pgdata",
                str(self.data_dir),
                "--wait",
                "--timeout",
                "60",
                "--log",
                str(self.log_file),
                "-o",
                f"-p {self.port}",
                timeout=90,
            )
            try:
                self._check(result, "pg_ctl start")
            except RuntimeError as exc:
                last = exc
                time.sleep(0.2)
                continue
            self._started = True
            return self
        self.stop()
        raise RuntimeError(f"could not start the test PostgreSQL cluster: {last}")

    def stop(self) -> None:
        """Stop the server (immediately: nothing to save) and remove its files. Idempotent."""
        if self.root is None:
            return
        if self._started:
            self._run("pg_ctl", "stop", "--pgdata", str(self.data_dir), "-m", "immediate", "-w")
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    # -- databases ---------------------------------------------------------------------------

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser, outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str, *, template: str | None = None) -> str:
        _valid(name)
        sql = f'CREATE DATABASE "{name}" STRATEGY FILE_COPY'
        if template:
            _valid(template)
            sql += f' TEMPLATE "{template}"'
        self.execute(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        _valid(name)
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _valid(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"bad database name {name!r}")

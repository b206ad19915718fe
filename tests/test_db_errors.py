"""A database error says what is wrong and nothing more: never any part of a password, however the
URL is written; a wrong password, an unknown database, an unreachable server and bad data each have
their own message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import make_ctx, make_demo_db
from pgcluster import PgCluster, free_port
from trust_helpers import cli, one_line_error

from jobbutik.cli.main import main
from jobbutik.domain.errors import ValidationError
from jobbutik.store.db import safe_url
from jobbutik.store.models import Setting

# A password with every character that breaks a URL written by hand.
PASSWORD = "Pq7x@Zx9k:Wv4m/Rk2j"
PIECES = ("Pq7x", "Zx9k", "Wv4m", "Rk2j")
ROLE = "jb_pw_login"


def _shows_no_password(result: Result) -> None:
    shown = result.stdout + result.stderr
    assert not [piece for piece in PIECES if piece in shown], shown


@pytest.fixture(scope="module")
def password_role(pg_cluster: PgCluster) -> Iterator[str]:
    """A login role that must give its password (the test cluster trusts everyone else)."""
    escaped = PASSWORD.replace("'", "''")
    pg_cluster.execute(f"DROP ROLE IF EXISTS {ROLE}")
    pg_cluster.execute(f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{escaped}'")
    hba = pg_cluster.data_dir / "pg_hba.conf"
    rules = hba.read_text()
    hba.write_text(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n{rules}")
    pg_cluster.execute("SELECT pg_reload_conf()")
    try:
        yield ROLE
    finally:
        hba.write_text(rules)
        pg_cluster.execute("SELECT pg_reload_conf()")
        pg_cluster.execute(f"DROP ROLE IF EXISTS {ROLE}")


def _server(cluster: PgCluster, password: str, database: str) -> str:
    """A URL written by hand: the password as it is, not percent-encoded."""
    return f"postgresql+psycopg://{ROLE}:{password}@127.0.0.1:{cluster.port}/{database}"


def test_a_wrong_password_says_so_and_shows_no_password(
    pg_cluster: PgCluster, password_role: str, pg_url: str
) -> None:
    database = pg_url.rsplit("/", 1)[1]
    result = cli(_server(pg_cluster, "Pq7x@Zx9k:Wv4m/Rk2j-not", database), "boss", "db", "check")
    line = one_line_error(result)
    assert "refused the login: wrong user name or password" in line
    assert f"{ROLE}:***@127.0.0.1:{pg_cluster.port}/{database}" in line
    _shows_no_password(result)


def test_the_right_password_written_unencoded_logs_in(
    pg_cluster: PgCluster, password_role: str, pg_url: str
) -> None:
    database = pg_url.rsplit("/", 1)[1]
    make_demo_db(pg_url).dispose()
    result = cli(_server(pg_cluster, PASSWORD, database), "boss", "db", "check")
    assert "refused the login" not in result.output
    assert "Cannot reach" not in result.output
    _shows_no_password(result)


def test_an_unknown_database_is_named(pg_cluster: PgCluster, password_role: str) -> None:
    result = cli(_server(pg_cluster, PASSWORD, "no_such_db"), "boss", "db", "check")
    line = one_line_error(result)
    assert "The database server has no database no_such_db" in line
    assert "Cannot reach" not in line
    _shows_no_password(result)


def test_an_unreachable_server_says_so() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{port}/jobbutik"
    result = cli(url, "boss", "db", "check")
    assert one_line_error(result) == (
        f"jobbutik: Cannot reach the database server "
        f"postgresql+psycopg://{ROLE}:***@127.0.0.1:{port}/jobbutik."
    )
    _shows_no_password(result)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://u:{PASSWORD}@[::1/x",  # SQLAlchemy cannot read it at all
        f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:{{port}}/x",
        f"postgresql+psycopg://{PASSWORD}@127.0.0.1:{{port}}/x",  # no user name: all of it hidden
        f"postgresql+psycopg://127.0.0.1:{{port}}/x?password={PASSWORD.replace('@', '%40')}",
        f"mysql://u:{PASSWORD}@127.0.0.1/x",
    ],
)
def test_no_part_of_a_password_is_shown_however_the_url_is_written(url: str) -> None:
    result = CliRunner().invoke(main, ["--db", url.format(port=free_port()), "db", "check"])
    one_line_error(result)
    _shows_no_password(result)


def test_safe_url_keeps_what_helps() -> None:
    assert safe_url("postgresql+psycopg://desk:p@ss@db.local:5433/jobbutik") == (
        "postgresql+psycopg://desk:***@db.local:5433/jobbutik"
    )
    assert safe_url("sqlite:////srv/a@b.sqlite") == "sqlite:////srv/a@b.sqlite"
    assert safe_url("/srv/a@b:c.sqlite") == "/srv/a@b:c.sqlite"


def test_a_nul_byte_in_data_is_bad_data_not_an_unreachable_server(pg_url: str) -> None:
    """The forms refuse control characters; whatever else carries one to the server gets this
    sentence, and nothing is saved."""
    db = make_demo_db(pg_url)
    try:
        with pytest.raises(ValidationError) as refused:
            db.write(lambda session: session.add(Setting(key="note", value="Na\x00me")))
        assert str(refused.value) == (
            "The text holds a NUL character (\\0), which the database cannot store: nothing was "
            "saved. Remove it and try again."
        )
        assert db.read(lambda session: session.get(Setting, "note")) is None
    finally:
        db.dispose()


def test_a_backup_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    db = make_demo_db(tmp_path / "jobbutik.sqlite")
    make_ctx(db, "boss", roles="admin")
    target = tmp_path / "no such folder" / "copy.sqlite"
    result = cli(db, "boss", "backup", str(target))
    db.dispose()
    assert one_line_error(result) == f"jobbutik: The folder {target.parent} does not exist."
    assert ".tmp" not in result.stderr

"""The schema's version: migrations agree with the models, upgrades are safe, newer ones refused."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, func, select

from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.errors import DatabaseUnavailable
from jobbutik.store import schema
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen, Request, Staff, Visitation

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=LOCAL_TZ)

NEXT_REVISION = "ffff00000001"
NEXT_SCRIPT = '''
"""a later release adds staff.nickname and rebuilds the table"""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def RECREATE() -> str:
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    # SQLite copies the whole table (while visitation rows point at it); PostgreSQL just alters it
    with op.batch_alter_table("staff", recreate=RECREATE()) as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", recreate=RECREATE()) as batch_op:
        batch_op.drop_column("nickname")
'''


@dataclass
class NewerProgram:
    """This program made 'newer': `apply()` adds one revision after the shipped head."""

    old_head: str
    new_head: str
    folder: Path
    monkeypatch: pytest.MonkeyPatch

    def apply(self) -> None:
        shutil.copytree(
            schema.MIGRATIONS_DIR, self.folder, ignore=shutil.ignore_patterns("__pycache__")
        )
        (self.folder / "versions" / f"{self.new_head}_add_staff_nickname.py").write_text(
            NEXT_SCRIPT.format(rev=self.new_head, down=self.old_head)
        )
        self.monkeypatch.setattr(schema, "MIGRATIONS_DIR", self.folder)


@pytest.fixture
def newer_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NewerProgram:
    """A database upgraded before `apply()` is an older database afterwards."""
    return NewerProgram(schema.head_revision(), NEXT_REVISION, tmp_path / "migrations", monkeypatch)


def add_visitation(db: Database, cpr: str = "0101901234") -> None:
    def work(session):  # type: ignore[no-untyped-def]
        staff = Staff(initials="ab", name="Anne Berg", roles="consultant")
        citizen = Citizen(
            cpr=cpr,
            name="Ib Ørsted",
            name_folded="ib oersted",
            birth_date=date(1990, 1, 1),
            created_at=NOW,
        )
        session.add(staff)
        session.add(citizen)
        session.flush()
        request = Request(
            citizen_id=citizen.id,
            arrived_on=NOW.date(),
            arrived_at=NOW,
            benefit="kontanthjaelp",
            slot_date=NOW.date(),
            registered_by="ab",
        )
        session.add(request)
        session.flush()
        session.add(
            Visitation(
                request_id=request.id,
                citizen_id=citizen.id,
                consultant_id=staff.id,
                held_on=NOW.date(),
                completed_at=NOW,
                age=36,
                proposed_category="jobparat",
                category="jobparat",
            )
        )

    db.write(work)


def count(db: Database, model: type[SQLModel]) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


# -- models and migrations agree ----------------------------------------------------------------


def test_models_and_migrations_agree(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = Database(database_url)
    try:
        assert schema.upgrade(db) is None
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        db.dispose()
    assert differences == [], (
        "jobbutik.store.models and the migrations disagree. Before the first release regenerate "
        "the "
        "initial revision: python -m jobbutik.store.schema --regenerate-initial; after it add one: "
        'python -m jobbutik.store.schema --revision "what changed".'
    )


def test_there_is_one_head_and_env_is_shipped() -> None:
    assert re.fullmatch(r"[0-9a-f]{12}", schema.head_revision())
    assert (schema.MIGRATIONS_DIR / "env.py").is_file()
    assert (schema.MIGRATIONS_DIR / "script.py.mako").is_file()


def test_importing_schema_loads_neither_alembic_nor_textual() -> None:
    code = (
        "import sys, jobbutik.store.schema\n"
        "print(sorted(m for m in ('alembic', 'textual', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- upgrade ------------------------------------------------------------------------------------


def test_empty_database_is_created_at_head_and_upgrade_is_idempotent(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert schema.current_revision(db) is None
        assert schema.needs_upgrade(db)
        assert schema.upgrade(db) is None  # nothing to back up
        head = schema.head_revision()
        assert schema.current_revision(db) == head
        assert not schema.needs_upgrade(db)
        add_visitation(db)
        assert schema.upgrade(db) is None
        assert schema.upgrade(db) is None
        assert schema.current_revision(db) == head
        assert count(db, Visitation) == 1
        assert schema.check(db) == []
    finally:
        db.dispose()
    if db.path is not None:
        assert list(db.path.parent.glob("*.bak")) == []


def test_sqlite_upgrade_leaves_the_connection_clean(sqlite_database: Database) -> None:
    """After upgrade: no lock held, foreign keys on again, db.py's BEGIN IMMEDIATE still works."""
    db = Database(str(sqlite_database.path.with_name("fresh.sqlite")))  # type: ignore[union-attr]
    try:
        schema.upgrade(db)
        other = sqlite3.connect(db.path, timeout=0)  # type: ignore[arg-type]
        try:
            other.execute("BEGIN IMMEDIATE")  # would fail "database is locked" if left open
            other.rollback()
        finally:
            other.close()
        pragma = "PRAGMA foreign_keys"
        assert db.read(lambda s: s.connection().exec_driver_sql(pragma).scalar()) == 1
        assert db.write(lambda s: s.connection().exec_driver_sql(pragma).scalar()) == 1
        add_visitation(db)
        with pytest.raises(Exception, match="FOREIGN KEY"):
            db.write(
                lambda s: s.connection().exec_driver_sql(
                    "INSERT INTO request (citizen_id, arrived_on, arrived_at, first_contact_on, "
                    "benefit, told_apply_digitally, slot_date, status, registered_by) "
                    "VALUES (999, '2026-03-02', '2026-03-02 09:00:00', '2026-03-02', 'x', 0, "
                    "'2026-03-02', 'waiting', 'ab')"
                )
            )
    finally:
        db.dispose()


def test_older_database_is_backed_up_then_upgraded(
    database_url: str, newer_program: NewerProgram
) -> None:
    old_head, new_head = newer_program.old_head, newer_program.new_head
    db = Database(database_url)
    try:
        schema.upgrade(db)
        add_visitation(db)  # staff rows referenced by a visitation: the rebuild must keep them
        newer_program.apply()
        assert schema.head_revision() == new_head
        assert schema.needs_upgrade(db)
        problems = schema.check(db)
        assert any(old_head in p and "upgrade" in p for p in problems), problems

        backup = schema.upgrade(db)

        assert schema.current_revision(db) == new_head
        assert schema.check(db) == []
        assert count(db, Visitation) == 1
        assert db.read(lambda s: s.execute(text("SELECT nickname FROM staff")).all()) == [(None,)]
        assert schema.upgrade(db) is None  # idempotent at the new head
    finally:
        db.dispose()

    if db.path is None:  # PostgreSQL: the DBA's backups, not ours
        assert backup is None
        return
    assert backup is not None
    path = Path(backup)
    assert re.fullmatch(
        re.escape(db.path.name) + rf"\.before-{old_head}-\d{{14}}\.bak", path.name
    ), path.name
    assert path.parent == db.path.parent
    assert path.stat().st_mode & 0o777 == 0o600
    assert not path.with_name(path.name + "-wal").exists()
    old = sqlite3.connect(path)
    try:
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(old_head,)]
        assert old.execute("SELECT initials FROM staff").fetchall() == [("ab",)]
        assert old.execute("SELECT count(*) FROM visitation").fetchone() == (1,)
        columns = [row[1] for row in old.execute("PRAGMA table_info(staff)")]
        assert "nickname" not in columns
        assert old.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        old.close()


def test_no_backup_when_asked_not_to(
    sqlite_database: Database, newer_program: NewerProgram
) -> None:
    add_visitation(sqlite_database)
    newer_program.apply()
    assert schema.upgrade(sqlite_database, backup=False) is None
    assert schema.current_revision(sqlite_database) == NEXT_REVISION
    assert list(sqlite_database.path.parent.glob("*.bak")) == []  # type: ignore[union-attr]


def test_database_from_a_newer_program_is_refused(database: Database) -> None:
    add_visitation(database)
    database.write(
        lambda s: s.execute(text("UPDATE alembic_version SET version_num = 'abcdef123456'"))
    )
    with pytest.raises(DatabaseUnavailable, match="newer version of jobbutik") as err:
        schema.upgrade(database)
    assert "abcdef123456" in str(err.value)
    assert "Traceback" not in str(err.value)
    with pytest.raises(DatabaseUnavailable, match="newer version of jobbutik"):
        schema.needs_upgrade(database)
    problems = schema.check(database)
    assert len(problems) == 1 and "newer version of jobbutik" in problems[0]
    assert schema.current_revision(database) == "abcdef123456"  # untouched
    assert count(database, Visitation) == 1
    if database.path is not None:
        assert list(database.path.parent.glob("*.bak")) == []


def test_foreign_tables_without_a_revision_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    raw.execute("INSERT INTO recipes (name) VALUES ('æblekage')")
    raw.commit()
    raw.close()
    db = Database(str(path))
    try:
        with pytest.raises(DatabaseUnavailable, match="not a jobbutik database"):
            schema.upgrade(db)
    finally:
        db.dispose()
    raw = sqlite3.connect(path)
    tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    raw.close()
    assert tables == ["recipes"]


def test_two_programs_upgrading_at_once(database_url: str) -> None:
    """Both finish; the second finds the work done under the lock."""
    results: list[object] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        db = Database(database_url)
        try:
            barrier.wait()
            results.append(schema.upgrade(db))
        except Exception as exc:  # pragma: no cover - shown in the assertion
            results.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [None, None]
    db = Database(database_url)
    try:
        assert schema.current_revision(db) == schema.head_revision()
    finally:
        db.dispose()


# -- check --------------------------------------------------------------------------------------


def test_check_is_clean_on_a_fresh_database(database: Database) -> None:
    assert schema.check(database) == []


def test_check_reports_an_empty_database(database_url: str) -> None:
    db = Database(database_url)
    try:
        problems = schema.check(db)
    finally:
        db.dispose()
    assert len(problems) == 1 and "no jobbutik schema" in problems[0]


def test_check_reports_broken_references(sqlite_database: Database) -> None:
    raw = sqlite3.connect(sqlite_database.path)  # type: ignore[arg-type]
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute(
        "INSERT INTO request (citizen_id, arrived_on, arrived_at, first_contact_on, benefit,"
        " told_apply_digitally, slot_date, status, registered_by) VALUES (42, '2026-03-02',"
        " '2026-03-02 09:00:00', '2026-03-02', 'kontanthjaelp', 0, '2026-03-02', 'waiting', 'ab')"
    )
    raw.commit()
    raw.close()
    problems = schema.check(sqlite_database)
    assert problems == ["Row 1 of table request refers to a row of citizen that does not exist."]


def test_check_and_upgrade_of_a_file_that_is_no_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text(textwrap.dedent("Dear diary, this is not a database.\n") * 200)
    db = Database(str(path))
    try:
        with pytest.raises(DatabaseUnavailable, match="not a jobbutik database"):
            schema.upgrade(db)
        problems = schema.check(db)
    finally:
        db.dispose()
    assert len(problems) == 1 and "not a jobbutik database" in problems[0]
    assert str(path) in problems[0]


def test_opening_refreshes_the_planner_statistics(tmp_path: Path) -> None:
    """Without statistics SQLite's planner reads the wide visitation rows through the unique
    index instead of the covering one the statistics were given; opening the database (as the
    program and every command do) measures the tables."""
    from factories import make_ctx

    from jobbutik.services import arrivals
    from jobbutik.services.arrivals import ArrivalForm, NewCitizen
    from jobbutik.services.config import Settings, open_database

    path = tmp_path / "j.sqlite"
    settings = Settings(db=str(path), user="ab", lang="en", create=True)
    db = open_database(settings)
    ctx = make_ctx(db)
    for n in range(30):
        form = ArrivalForm(
            cpr=f"{n + 1:02d}01901234",  # 1–30 January 1990
            benefit="kontanthjaelp",
            new_citizen=NewCitizen(name=f"Borger {n}"),
        )
        arrivals.register_arrival(ctx, form)
    db.dispose()
    db = open_database(settings)
    try:
        with sqlite3.connect(path) as raw:
            measured = dict(raw.execute("SELECT idx, stat FROM sqlite_stat1").fetchall())
        assert measured["ix_request_arrived_status"].startswith("30 ")
    finally:
        db.dispose()


def test_statistics_wait_for_nobody(sqlite_database: Database) -> None:
    """Another desk holding the write lock: the refresh is skipped, without an error."""
    assert sqlite_database.path is not None
    other = sqlite3.connect(sqlite_database.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        schema.refresh_statistics(sqlite_database)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "sqlite_stat1" not in _tables(sqlite_database.path)  # left for the next start
    schema.refresh_statistics(sqlite_database)
    assert "sqlite_stat1" in _tables(sqlite_database.path)


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}

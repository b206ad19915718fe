"""Start-up's schema check: the revisions known without Alembic are Alembic's, and a database
already at head is opened without loading Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jobbutik.store import schema
from jobbutik.store.db import Database


def test_the_revisions_read_from_the_scripts_are_alembics() -> None:
    from alembic.util import to_tuple

    script = schema._script()
    assert schema.head_revision() == script.get_current_head()
    assert schema._known_revisions() == {s.revision for s in script.walk_revisions()}
    assert schema._chain() == {
        s.revision: to_tuple(s.down_revision, default=()) for s in script.walk_revisions()
    }


def test_the_stored_revision_is_read_as_alembic_reads_it(sqlite_database: Database) -> None:
    from alembic.runtime.migration import MigrationContext

    with sqlite_database.engine.connect() as connection:
        by_alembic = MigrationContext.configure(connection).get_current_revision()
    assert schema.current_revision(sqlite_database) == by_alembic == schema.head_revision()


def test_an_empty_database_has_no_revision(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "empty.sqlite"), create=True)
    try:
        assert schema.current_revision(db) is None
    finally:
        db.dispose()


def test_opening_a_database_at_head_loads_no_alembic(sqlite_database: Database) -> None:
    code = (
        "import sys\n"
        "from jobbutik.services.config import Settings, open_database\n"
        f"open_database(Settings(db={str(sqlite_database.path)!r}, user='ab')).dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"

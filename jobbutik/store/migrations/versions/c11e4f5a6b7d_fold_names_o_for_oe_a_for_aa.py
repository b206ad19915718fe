"""name search keys fold ø/oe to o and å/aa to a

Search used to fold "Møller" to "moeller", so "moller" (typed without the Danish letter) found
nobody. The key is now "moller" for Møller, Moeller and Moller, and "ase" for Åse, Aase and Ase
(see `fold_name`). Here the keys of existing citizens (and their name tails) and companies are
computed again, in batches so a database with a million citizens upgrades in minutes.
Anonymised citizens keep their placeholder and have no tails.

Revision ID: c11e4f5a6b7d
Revises: b11d2c3a4e5f
Create Date: 2026-12-02 08:40:00.000000
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

# The program's fold: a later change to it comes with its own migration.
from jobbutik.domain.identity import fold_name

# revision identifiers, used by Alembic.
revision: str = "c11e4f5a6b7d"
down_revision: str | Sequence[str] | None = "b11d2c3a4e5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000

citizen = sa.table(
    "citizen",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_folded", sa.String),
    sa.column("anonymised_at", sa.DateTime),
)
company = sa.table(
    "company",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_folded", sa.String),
)
tail_table = sa.table(
    "citizennametail",
    sa.column("citizen_id", sa.Integer),
    sa.column("tail", sa.String),
    sa.column("name_folded", sa.String),
)


def upgrade() -> None:
    _refold(fold_name)


def downgrade() -> None:
    _refold(_fold_before)


_BEFORE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe"})


def _fold_before(name: str) -> str:
    """The key before this revision: Møller → moeller, Åse → aase."""
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_BEFORE)
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
    )
    return " ".join(stripped.split())


def _refold(fold: Callable[[str], str]) -> None:
    connection = op.get_bind()
    _refold_table(connection, company, fold, tails=False)
    _refold_table(connection, citizen, fold, tails=True)


def _refold_table(
    connection: sa.Connection, table: sa.TableClause, fold: Callable[[str], str], *, tails: bool
) -> None:
    """Store `fold(name)` where it differs, `BATCH` rows at a time in id order; for citizens also
    their tails (one row per later word of the key, as `models.name_tails`)."""
    query = sa.select(table.c.id, table.c.name, table.c.name_folded).order_by(table.c.id)
    if tails:
        query = query.where(table.c.anonymised_at.is_(None))
    set_key = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(name_folded=sa.bindparam("key"))
    )
    last = 0
    while batch := connection.execute(query.where(table.c.id > last).limit(BATCH)).all():
        last = batch[-1].id
        changed = [
            {"row_id": row.id, "key": key}
            for row in batch
            if (key := fold(row.name)) != row.name_folded
        ]
        if not changed:
            continue
        connection.execute(set_key, changed)
        if tails:
            ids = [row["row_id"] for row in changed]
            connection.execute(sa.delete(tail_table).where(tail_table.c.citizen_id.in_(ids)))
            rows = [
                {"citizen_id": row["row_id"], "tail": key[i + 1 :], "name_folded": key}
                for row in changed
                for key in (row["key"],)
                for i, ch in enumerate(key)
                if ch == " "
            ]
            if rows:
                connection.execute(sa.insert(tail_table), rows)

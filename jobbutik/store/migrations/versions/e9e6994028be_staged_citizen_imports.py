"""staged citizen imports

A citizen import stages its rows (`importrow`, `importtail`) under one `importrun` in short
transactions and publishes them into `citizen` in one, so the desks are never kept waiting long;
a run whose process died is finished or removed by the next import and by `db check`.

Revision ID: e9e6994028be
Revises: f15a0a0d1e22
Create Date: 2026-12-03 06:23:30.105310
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e9e6994028be"
down_revision: str | Sequence[str] | None = "f15a0a0d1e22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "importrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("os_account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("client_address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("touched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("logged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "importrow",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("cpr", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_folded", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["importrun.id"],
        ),
        sa.PrimaryKeyConstraint("run_id", "n"),
    )
    op.create_table(
        "importtail",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("cpr", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("tail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_folded", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["importrun.id"],
        ),
        sa.PrimaryKeyConstraint("run_id", "cpr", "tail"),
    )


def downgrade() -> None:
    op.drop_table("importtail")
    op.drop_table("importrow")
    op.drop_table("importrun")

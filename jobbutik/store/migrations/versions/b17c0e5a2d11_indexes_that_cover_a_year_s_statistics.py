"""indexes that cover a year's statistics

A year's statistics at 1,000,000 citizens took 5 s, most of it fetching wide rows for one or two
columns (issue 17: at most 1 s). The "still in work?" follow-ups are found by their kind and due
day, with their outcome, instead of reading a year of all follow-ups (2 s of it); the arrivals'
first henvendelse and the activations' status, outcome and end are read from the indexes that
find them. Each widened index keeps its name and leading columns, so what used it still does.

Revision ID: b17c0e5a2d11
Revises: a17d5e1f0c01
Create Date: 2026-12-03 09:45:00
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b17c0e5a2d11"
down_revision: str | Sequence[str] | None = "a17d5e1f0c01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.create_index("ix_followup_kind_due", ["kind", "due", "outcome"], unique=False)

    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_arrived_status")
        batch_op.create_index(
            "ix_request_arrived_status",
            ["arrived_on", "arrived_at", "status", "first_contact_on"],
            unique=False,
        )

    with op.batch_alter_table("activation", schema=None) as batch_op:
        batch_op.drop_index("ix_activation_site_start")
        batch_op.create_index(
            "ix_activation_site_start",
            ["site_id", "start_date", "status", "outcome", "end_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("activation", schema=None) as batch_op:
        batch_op.drop_index("ix_activation_site_start")
        batch_op.create_index("ix_activation_site_start", ["site_id", "start_date"], unique=False)

    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_arrived_status")
        batch_op.create_index(
            "ix_request_arrived_status", ["arrived_on", "arrived_at", "status"], unique=False
        )

    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_kind_due")

"""lawful visitation: first henvendelse, erhvervskompetencegivende uddannelse, hearings, targets

`request.first_contact_on` (the first henvendelse; existing rows: the arrival day),
`request.rights_guidance_given` and `request.no_show_reason`; the visitation's education fact is
stored under the law's meaning, *erhvervskompetencegivende uddannelse*
(`has_qualifying_education`): a recorded "yes" (a vocational education) stays yes, a recorded
"no" becomes "not asked", since a citizen without a vocational education may hold a higher one;
the uddannelsespålæg's goal and deadline and the guidance on rights and duties; a site's
job-or-education target; and `hearing`, the life cycle of a possible-sanction flag.

A follow-up flagged by an earlier version becomes a hearing awaiting partshøring where the flag
would still be raised: the citizen's category on the day it was recorded carries the duty that was
not met (by the bundled rules). Due at the end of the third whole calendar month after that day
(moved back over the bundled closing days). Other flags are cleared: the earlier version flagged
every category. Whether written guidance was given was not recorded before, so it is not asked
here; the consultant checks it before the partshøring.

Revision ID: d13a7b2c9e01
Revises: c11e4f5a6b7d
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from jobbutik.domain.rules import load_rulebook

# revision identifiers, used by Alembic.
revision: str = "d13a7b2c9e01"
down_revision: str | Sequence[str] | None = "c11e4f5a6b7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_contact_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "rights_guidance_given", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "no_show_reason",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
    request = sa.table(
        "request", sa.column("first_contact_on", sa.Date), sa.column("arrived_on", sa.Date)
    )
    op.execute(request.update().values(first_contact_on=request.c.arrived_on))
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.alter_column("first_contact_on", existing_type=sa.Date(), nullable=False)

    with op.batch_alter_table("visitation", schema=None) as batch_op:
        batch_op.alter_column(
            "has_vocational_education",
            new_column_name="has_qualifying_education",
            existing_type=sa.Boolean(),
            existing_nullable=True,
        )
        batch_op.add_column(
            sa.Column(
                "injunction_goal",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("injunction_deadline", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "rights_guidance_given", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    visitation = sa.table("visitation", sa.column("has_qualifying_education", sa.Boolean))
    op.execute(
        visitation.update()
        .where(visitation.c.has_qualifying_education.is_(sa.false()))
        .values(has_qualifying_education=None)
    )

    with op.batch_alter_table("activationsite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_job_or_education_share", sa.Float(), nullable=True))

    op.create_table(
        "hearing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_on", sa.Date(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("stated_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"]),
        sa.ForeignKeyConstraint(["follow_up_id"], ["followup.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hearing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_follow_up_id"), ["follow_up_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_request_id"), ["request_id"], unique=False)
        batch_op.create_index("ix_hearing_open_due", ["status", "due", "assignee_id"], unique=False)

    _hearings_from_flags()


def _hearings_from_flags() -> None:
    """Each follow-up flagged by an earlier version becomes a hearing awaiting partshøring."""
    bind = op.get_bind()
    followup = sa.table(
        "followup",
        sa.column("id", sa.Integer),
        sa.column("citizen_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("outcome", sa.String),
        sa.column("assignee_id", sa.Integer),
        sa.column("done_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("visitation_id", sa.Integer),
        sa.column("sanction_flag", sa.Boolean),
    )
    visitation = sa.table(
        "visitation",
        sa.column("citizen_id", sa.Integer),
        sa.column("held_on", sa.Date),
        sa.column("category", sa.String),
    )
    hearing = sa.table(
        "hearing",
        sa.column("citizen_id", sa.Integer),
        sa.column("event", sa.String),
        sa.column("event_on", sa.Date),
        sa.column("category", sa.String),
        sa.column("stated_reason", sa.String),
        sa.column("follow_up_id", sa.Integer),
        sa.column("assignee_id", sa.Integer),
        sa.column("due", sa.Date),
        sa.column("status", sa.String),
        sa.column("note", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    flagged = bind.execute(
        sa.select(
            followup.c.id,
            followup.c.citizen_id,
            followup.c.kind,
            followup.c.outcome,
            followup.c.assignee_id,
            followup.c.done_at,
        ).where(followup.c.sanction_flag.is_(sa.true()))
    ).all()
    events = {
        "not_applied_no_reason": "not_applied",
        "did_not_show": "absent_activation",
        "cv_missing": "cv_missing",
    }
    # The bundled rules: a municipality's closing days are not known here.
    rules = load_rulebook()
    rows = []
    cleared = []
    for fid, citizen_id, _kind, outcome, assignee_id, done_at in flagged:
        at: datetime = done_at or datetime.now().astimezone()
        event = events.get(outcome or "")
        category = bind.execute(
            sa.select(visitation.c.category)
            .where(
                visitation.c.citizen_id == citizen_id,
                visitation.c.held_on <= at.date(),
            )
            .order_by(visitation.c.held_on.desc())
            .limit(1)
        ).scalar()
        if event is None or not category or not rules.in_force(at.date()).carries(category, event):
            cleared.append(fid)
            continue
        rows.append(
            {
                "citizen_id": citizen_id,
                "event": event,
                "event_on": at.date(),
                "category": category,
                "stated_reason": "",
                "follow_up_id": fid,
                "assignee_id": assignee_id,
                "due": rules.hearing_due(at.date()),
                "status": "awaiting",
                "note": "",
                "created_at": at,
                "updated_at": at,
            }
        )
    if cleared:
        op.execute(followup.update().where(followup.c.id.in_(cleared)).values(sanction_flag=False))
    if rows:
        op.bulk_insert(hearing, rows)


def downgrade() -> None:
    # ALTER TABLE in place (SQLite 3.35+): recreating a table that others refer to fails while
    # foreign keys are on.
    with op.batch_alter_table("hearing", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_hearing_open_due")
        batch_op.drop_index(batch_op.f("ix_hearing_request_id"))
        batch_op.drop_index(batch_op.f("ix_hearing_follow_up_id"))
        batch_op.drop_index(batch_op.f("ix_hearing_citizen_id"))
    op.drop_table("hearing")
    with op.batch_alter_table("activationsite", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("target_job_or_education_share")
    with op.batch_alter_table("visitation", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("rights_guidance_given")
        batch_op.drop_column("injunction_deadline")
        batch_op.drop_column("injunction_goal")
        batch_op.alter_column(
            "has_qualifying_education",
            new_column_name="has_vocational_education",
            existing_type=sa.Boolean(),
            existing_nullable=True,
        )
    with op.batch_alter_table("request", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("no_show_reason")
        batch_op.drop_column("rights_guidance_given")
        batch_op.drop_column("first_contact_on")

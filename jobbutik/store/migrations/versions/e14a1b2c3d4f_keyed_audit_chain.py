"""keyed audit chain: HMAC-SHA256 with a key the desks cannot read; OS account and SSH client

`auditentry.os_account`, `auditentry.client_address` and `auditentry.detail_mac` (a keyed digest of
the detail, which the MAC covers, so a search term can be masked later). Existing entries stay as
they are (plain SHA-256, verified as before); the key signs from the entry after the current head.

SQLite: the key is a file beside the database (`<database>.auditkey`, 0600). PostgreSQL: the
table `audit_key`, readable by the owner only, and the SECURITY DEFINER functions
`jobbutik_audit_mac(text)` (HMAC-SHA256 with pgcrypto) and `jobbutik_audit_key_from_seq()`, which
desk roles may execute.

Revision ID: e14a1b2c3d4f
Revises: d13a7b2c9e01
Create Date: 2026-12-02 20:40:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e14a1b2c3d4f"
down_revision: str | Sequence[str] | None = "d13a7b2c9e01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEXT_SEQ = "coalesce((SELECT seq FROM audithead WHERE id = 1), 0) + 1"


def upgrade() -> None:
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "os_account",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("client_address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "detail_mac",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
    op.create_table(
        "audit_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgresql_key()
    else:
        _sqlite_key(bind)


def _postgresql_key() -> None:
    # pgcrypto is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    op.execute("REVOKE ALL ON audit_key FROM PUBLIC")
    op.execute(
        "INSERT INTO audit_key (id, secret, from_seq) "
        f"VALUES (1, gen_random_bytes(32), {_NEXT_SEQ})"
    )
    # SECURITY DEFINER: runs as the owner, who may read the key; the desk only gets the MAC.
    # A fixed search_path (pg_temp last) so no desk's object can stand in for ours.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION jobbutik_audit_mac(payload text) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public, pg_temp
        AS $$
            SELECT encode(hmac(convert_to(payload, 'UTF8'), k.secret, 'sha256'), 'hex')
            FROM public.audit_key k WHERE k.id = 1
        $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION jobbutik_audit_key_from_seq() RETURNS bigint
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public, pg_temp
        AS $$ SELECT k.from_seq FROM public.audit_key k WHERE k.id = 1 $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION jobbutik_audit_mac(text) FROM PUBLIC")
    op.execute("REVOKE ALL ON FUNCTION jobbutik_audit_key_from_seq() FROM PUBLIC")


def _sqlite_key(bind: sa.Connection) -> None:
    from jobbutik.store.audit_key import create_key, read_key

    database = bind.engine.url.database
    if not database or database == ":memory:":
        return
    path = Path(database)
    if read_key(path) is None:
        next_seq = bind.execute(sa.text(f"SELECT {_NEXT_SEQ}")).scalar_one()
        create_key(path, int(next_seq))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS jobbutik_audit_key_from_seq()")
        op.execute("DROP FUNCTION IF EXISTS jobbutik_audit_mac(text)")
    # The SQLite key file stays: keyed entries written meanwhile still need it to be verified.
    op.drop_table("audit_key")
    with op.batch_alter_table("auditentry", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("detail_mac")
        batch_op.drop_column("client_address")
        batch_op.drop_column("os_account")

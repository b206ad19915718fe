"""audit entries sealed into the chain by one writer; change counters one row per connection

For many desks on PostgreSQL (issue 17). Before, every audited write locked the one `audithead`
row until it committed, and every write that desks must notice moved one counter row per topic:
under SERIALIZABLE all desks' writes conflicted on those rows, were retried, and at eight desks
some still failed with "busy".

Audit (PostgreSQL only; SQLite's BEGIN IMMEDIATE already serialises its writers):
`jobbutik_audit_append(…)` keeps every check of f15a0a0d1e22 (the server names the desk's staff
member, login and address; the time must be near the server's clock; checkpoints are the
owner's) and computes the detail's digest, but stores the entry in `auditpending`, numbered by
its sequence, without touching the head: desks no longer wait for one another. After the commit
the program calls `jobbutik_audit_seal()`, which, one sealer at a time (an advisory lock),
takes the committed pending entries in the order of their numbers, gives each the next place in
the chain, signs it exactly as before (so `audit verify` checks it like any other entry), moves it
into `auditentry` and moves the head, in one short transaction. Desks may call it; they can still
neither read the log nor write its tables. An entry waits in `auditpending` only between its
commit and the next seal (a desk that died in between: the next seal of any desk, or `audit
verify`, takes it).

Retried writes take turns: a write that SERIALIZABLE refused for a conflict with another desk's
runs again after locking `writeturn` (store.db), which needs a table every desk may lock.

Change counters: the counter of a topic is the sum of one row per shard; a writer moves the
row of its own connection's shard (PostgreSQL: the backend's process id modulo 64; SQLite: 0), so
two desks never update the same row. A desk polling the sum sees it move exactly when a change
commits, as before.

Revision ID: a17d5e1f0c01
Revises: e9e6994028be
Create Date: 2026-12-03 09:40:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a17d5e1f0c01"
down_revision: str | Sequence[str] | None = "e9e6994028be"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND = (
    "jobbutik_audit_append(timestamptz, text, text, text, text, text, bigint, bigint, text, text)"
)
SEAL = "jobbutik_audit_seal()"
OPEN_DESKS = "jobbutik_open_desks(timestamptz)"

_APPEND = r"""
CREATE OR REPLACE FUNCTION jobbutik_audit_append(
    p_at timestamptz, p_actor text, p_os_account text, p_client_address text, p_action text,
    p_entity text, p_entity_id bigint, p_citizen_id bigint, p_purpose text, p_detail text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    secret bytea;
    actor text := p_actor;
    account text := p_os_account;
    client text := p_client_address;
    number bigint;
BEGIN
    SELECT k.secret INTO secret FROM public.audit_key k WHERE k.id = 1;
    IF secret IS NULL THEN
        RAISE EXCEPTION 'jobbutik: the database holds no audit key' USING ERRCODE = '55000';
    END IF;
    IF session_user <> current_user
        AND NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user) THEN
        -- A desk: the server, not the program, says who and when.
        SELECT s.initials INTO actor FROM public.staff s
            WHERE s.os_login = session_user AND s.active;
        IF actor IS NULL OR actor IS DISTINCT FROM p_actor THEN
            RAISE EXCEPTION 'jobbutik: the login % may not log as %', session_user, p_actor
                USING ERRCODE = '42501';
        END IF;
        IF abs(extract(epoch FROM p_at - now())) > 3600 THEN
            RAISE EXCEPTION 'jobbutik: an audit time far from the server''s clock'
                USING ERRCODE = '22023';
        END IF;
        -- Checkpoints (a purge, a masking) are the owner's: one from a desk would move the
        -- purge anchor `audit verify` checks against.
        IF p_entity = 'audit' AND p_action IN ('delete', 'update') THEN
            RAISE EXCEPTION 'jobbutik: only the owner writes audit checkpoints'
                USING ERRCODE = '42501';
        END IF;
        account := session_user;
        client := host(inet_client_addr());  -- NULL on the server's own socket
    END IF;
    INSERT INTO public.auditpending (at, actor, action, entity, entity_id, citizen_id, purpose,
        detail, os_account, client_address, detail_mac)
    VALUES (p_at, actor, p_action, p_entity, p_entity_id, p_citizen_id, p_purpose, p_detail,
        account, client,
        encode(hmac(convert_to('d:' || p_detail, 'UTF8'), secret, 'sha256'), 'hex'))
    RETURNING id INTO number;
    RETURN number;
END
$$
"""

# The payload is that of f15a0a0d1e22 (and of services.audit.entry_payload_parts).
_SEAL = r"""
CREATE OR REPLACE FUNCTION jobbutik_audit_seal() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    secret bytea;
    last_seq bigint;
    prev text;
    moment text;
    mac text;
    sealed integer := 0;
    e record;
BEGIN
    PERFORM pg_advisory_xact_lock(1936023916);  -- 'seal'
    IF NOT EXISTS (SELECT 1 FROM public.auditpending) THEN
        RETURN 0;
    END IF;
    SELECT k.secret INTO secret FROM public.audit_key k WHERE k.id = 1;
    IF secret IS NULL THEN
        RAISE EXCEPTION 'jobbutik: the database holds no audit key' USING ERRCODE = '55000';
    END IF;
    SELECT h.seq, h.hash INTO last_seq, prev FROM public.audithead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        last_seq := 0;
        prev := repeat('0', 64);
        INSERT INTO public.audithead (id, seq, hash) VALUES (1, 0, prev);
    END IF;
    FOR e IN SELECT * FROM public.auditpending p ORDER BY p.id FOR UPDATE LOOP
        last_seq := last_seq + 1;
        -- Python's datetime.isoformat() of the moment in UTC: microseconds only when any.
        moment := to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN extract(microseconds FROM e.at)::bigint % 1000000 <> 0
                THEN '.' || to_char(e.at AT TIME ZONE 'UTC', 'US') ELSE '' END
            || '+00:00';
        mac := encode(hmac(convert_to(
            'e:[' || last_seq::text
            || ',' || to_json(moment)::text
            || ',' || to_json(e.actor)::text
            || ',' || to_json(e.os_account)::text
            || ',' || coalesce(to_json(e.client_address)::text, 'null')
            || ',' || to_json(e.action)::text
            || ',' || to_json(e.entity)::text
            || ',' || coalesce(e.entity_id::text, 'null')
            || ',' || coalesce(e.citizen_id::text, 'null')
            || ',' || to_json(e.purpose)::text
            || ',' || to_json(prev)::text
            || ',' || to_json(e.detail_mac)::text || ']',
            'UTF8'), secret, 'sha256'), 'hex');
        INSERT INTO public.auditentry (seq, at, actor, action, entity, entity_id, citizen_id,
            purpose, detail, os_account, client_address, detail_mac, prev_hash, hash)
        VALUES (last_seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.citizen_id,
            e.purpose, e.detail, e.os_account, e.client_address, e.detail_mac, prev, mac);
        DELETE FROM public.auditpending WHERE id = e.id;
        prev := mac;
        sealed := sealed + 1;
    END LOOP;
    UPDATE public.audithead SET seq = last_seq, hash = prev WHERE id = 1;
    RETURN sealed;
END
$$
"""

# Who used the program since a moment: the sealed entries and those waiting for the seal.
_OPEN_DESKS = """
CREATE OR REPLACE FUNCTION jobbutik_open_desks(since timestamptz) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT e.actor FROM public.auditentry e WHERE e.at >= since
      UNION SELECT p.actor FROM public.auditpending p WHERE p.at >= since $$
"""

_OLD_OPEN_DESKS = """
CREATE OR REPLACE FUNCTION jobbutik_open_desks(since timestamptz) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT DISTINCT e.actor FROM public.auditentry e WHERE e.at >= since $$
"""


def upgrade() -> None:
    op.create_table(
        "auditpending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("os_account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("client_address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("detail_mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "writeturn", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id")
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # ALTER keeps the desks' grants on the table
        op.execute("ALTER TABLE changecounter ADD COLUMN shard integer NOT NULL DEFAULT 0")
        op.execute("ALTER TABLE changecounter DROP CONSTRAINT changecounter_pkey")
        op.execute("ALTER TABLE changecounter ADD PRIMARY KEY (topic, shard)")
        op.execute("ALTER TABLE changecounter ALTER COLUMN shard DROP DEFAULT")
    else:  # SQLite cannot change a primary key: a new table takes the rows over
        op.create_table(
            "changecounter_new",
            sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
            sa.Column("shard", sa.Integer(), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("topic", "shard"),
        )
        op.execute(
            "INSERT INTO changecounter_new (topic, shard, seq) SELECT topic, 0, seq "
            "FROM changecounter"
        )
        op.drop_table("changecounter")
        op.rename_table("changecounter_new", "changecounter")
    if not postgresql:
        return
    op.execute(_APPEND)
    op.execute(_SEAL)
    op.execute(f"REVOKE ALL ON FUNCTION {SEAL} FROM PUBLIC")
    op.execute(_OPEN_DESKS)
    # Entries already waiting cannot exist (the table is new); the head is sealed as it stands.


def _previous() -> ModuleType:
    """The revision before this one, whose function texts a downgrade puts back."""
    path = Path(__file__).with_name("f15a0a0d1e22_audit_appended_by_the_server.py")
    spec = importlib.util.spec_from_file_location("jobbutik_migration_f15a0a0d1e22", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.execute(f"SELECT {SEAL}")  # nothing may stay behind in the table dropped below
        previous = _previous()
        op.execute(previous._APPEND)
        op.execute(previous._OPEN_DESKS)
        op.execute(f"DROP FUNCTION IF EXISTS {SEAL}")
    totals = bind.execute(sa.text("SELECT topic, sum(seq) FROM changecounter GROUP BY topic")).all()
    if postgresql:  # ALTER keeps the desks' grants on the table
        op.execute("DELETE FROM changecounter")
        op.execute("ALTER TABLE changecounter DROP CONSTRAINT changecounter_pkey")
        op.execute("ALTER TABLE changecounter DROP COLUMN shard")
        op.execute("ALTER TABLE changecounter ADD PRIMARY KEY (topic)")
    else:
        op.drop_table("changecounter")
        op.create_table(
            "changecounter",
            sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("topic"),
        )
    for topic, total in totals:
        bind.execute(
            sa.text("INSERT INTO changecounter (topic, seq) VALUES (:topic, :seq)"),
            {"topic": topic, "seq": int(total)},
        )
    op.drop_table("auditpending")
    op.drop_table("writeturn")

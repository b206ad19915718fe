"""audit entries appended by the server; each desk sees only its own drafts

PostgreSQL only (SQLite: nothing). `jobbutik_audit_append(…)` is a SECURITY DEFINER function of the
owner that takes the next number from the head, computes the detail digest and the entry's MAC
with the key, inserts the entry and moves the head, all in the caller's transaction. Desk roles
lose INSERT on `auditentry` and UPDATE on `audithead` (services.pgroles), so a desk cannot append
an entry of its own making even though it may ask the MAC function to sign a text (which
verification needs). For a desk the function also decides who is logged — the initials of the
staff member whose login is `session_user`, `session_user` as the account and the connection's
address as the client — refuses a time more than an hour from the server's clock, and leaves
checkpoints (purges, maskings) to the owner.

`jobbutik_open_desks(since)` tells a desk which staff used the program since a moment (a
supervisor's reminder of absent consultants) without letting it read the log.

Every database gets its calendar name (the UIDs of the follow-ups' calendar events) here, as the
owner: a desk may not add settings.

Drafts hold what a member of staff typed and has not saved (names, CPR numbers, notes). Every
read in the program already filters on the author; a row-level security policy makes the server
do the same for a desk that reads the table by other means. The owner is not bound by it.

The payload is the one `services.audit.entry_payload` builds (compact JSON, non-ASCII kept, the
same escapes as PostgreSQL's `to_json`), so `audit verify` checks these entries like any other.

Revision ID: f15a0a0d1e22
Revises: e14a1b2c3d4f
Create Date: 2026-12-03 07:20:00
"""

import secrets
import string
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f15a0a0d1e22"
down_revision: str | Sequence[str] | None = "e14a1b2c3d4f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = (
    "jobbutik_audit_append(timestamptz, text, text, text, text, text, bigint, bigint, text, text)"
)

# A fixed search_path with pg_temp last: no desk object can stand in for ours (desks cannot
# create in `public`, where pgcrypto's hmac lives).
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
    last_seq bigint;
    prev text;
    actor text := p_actor;
    account text := p_os_account;
    client text := p_client_address;
    moment text;
    digest text;
    mac text;
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
    SELECT h.seq, h.hash INTO last_seq, prev FROM public.audithead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        last_seq := 0;
        prev := repeat('0', 64);
        INSERT INTO public.audithead (id, seq, hash) VALUES (1, 0, prev);
    END IF;
    -- Python's datetime.isoformat() of the moment in UTC: microseconds only when there are any.
    moment := to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN extract(microseconds FROM p_at)::bigint % 1000000 <> 0
            THEN '.' || to_char(p_at AT TIME ZONE 'UTC', 'US') ELSE '' END
        || '+00:00';
    digest := encode(hmac(convert_to('d:' || p_detail, 'UTF8'), secret, 'sha256'), 'hex');
    mac := encode(hmac(convert_to(
        'e:[' || (last_seq + 1)::text
        || ',' || to_json(moment)::text
        || ',' || to_json(actor)::text
        || ',' || to_json(account)::text
        || ',' || coalesce(to_json(client)::text, 'null')
        || ',' || to_json(p_action)::text
        || ',' || to_json(p_entity)::text
        || ',' || coalesce(p_entity_id::text, 'null')
        || ',' || coalesce(p_citizen_id::text, 'null')
        || ',' || to_json(p_purpose)::text
        || ',' || to_json(prev)::text
        || ',' || to_json(digest)::text || ']',
        'UTF8'), secret, 'sha256'), 'hex');
    INSERT INTO public.auditentry (seq, at, actor, action, entity, entity_id, citizen_id, purpose,
        detail, os_account, client_address, detail_mac, prev_hash, hash)
    VALUES (last_seq + 1, p_at, actor, p_action, p_entity, p_entity_id, p_citizen_id, p_purpose,
        p_detail, account, client, digest, prev, mac);
    UPDATE public.audithead SET seq = last_seq + 1, hash = mac WHERE id = 1;
    RETURN last_seq + 1;
END
$$
"""


OPEN_DESKS = "jobbutik_open_desks(timestamptz)"
_OPEN_DESKS = """
CREATE OR REPLACE FUNCTION jobbutik_open_desks(since timestamptz) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT DISTINCT e.actor FROM public.auditentry e WHERE e.at >= since $$
"""

_OWN_DRAFTS = """
CREATE POLICY draft_own ON draft
USING (staff_id = (SELECT s.id FROM staff s WHERE s.os_login = session_user))
"""


CALENDAR_KEY = "calendar_id"  # reports.ics.CALENDAR_KEY


def upgrade() -> None:
    # Letters only: no run of digits a scanner (or a reader) could take for a CPR number.
    name = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    bind = op.get_bind()
    found = bind.execute(sa.text("SELECT 1 FROM setting WHERE key = :key"), {"key": CALENDAR_KEY})
    if found.first() is None:
        bind.execute(
            sa.text("INSERT INTO setting (key, value) VALUES (:key, :name)"),
            {"key": CALENDAR_KEY, "name": name},
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_APPEND)
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(_OPEN_DESKS)
    op.execute(f"REVOKE ALL ON FUNCTION {OPEN_DESKS} FROM PUBLIC")
    op.execute(_OWN_DRAFTS)
    op.execute("ALTER TABLE draft ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE draft DISABLE ROW LEVEL SECURITY")
        op.execute("DROP POLICY IF EXISTS draft_own ON draft")
        op.execute(f"DROP FUNCTION IF EXISTS {OPEN_DESKS}")
        op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")

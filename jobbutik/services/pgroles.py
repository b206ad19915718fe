"""PostgreSQL for many desks: each member of staff is a login role, and identity is `session_user`.

The tables belong to an owner role no desk logs in as. A connection as any other role is a desk,
and the server has already authenticated it (peer on the socket, or scram over TCP).

What a desk may do is enforced by the server, not only by the program: each jobbutik role has a
group role per database (`<database>_reception`, `…_consultant`, `…_supervisor`, `…_admin`,
NOLOGIN) holding exactly the table privileges its permissions need (`PRIVILEGES` below), and a
member of staff's login role is granted the groups of their roles. Every desk appends to the audit
log only through the owner's function `jobbutik_audit_append`, which signs and stores the entry
(sealed into the chain after the commit by `jobbutik_audit_seal`) and logs the desk's own initials
and login whatever the program sends; no desk may INSERT,
UPDATE or DELETE an audit entry or move the head, and only the audit permission (admin) may read
them.

An admin desk is no owner and has no CREATEROLE: creating login roles, granting the groups and
revoking LOGIN go through `jobbutik_desk_sync`, a SECURITY DEFINER function owned by the owner,
executable by the admin group only, which checks the name and quotes it itself (`format('%I')`)
and refuses roles with powers beyond a desk's (superuser, CREATEROLE, members of pg_* roles, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from jobbutik.domain.errors import PermissionDenied, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.permissions import ROLE_PERMISSIONS
from jobbutik.domain.vocabulary import Permission, Role
from jobbutik.store.db import Database

if TYPE_CHECKING:
    from psycopg import sql

_WHO = text(
    "SELECT session_user, pg_get_userbyid(c.relowner) FROM pg_class c "
    "WHERE c.oid = to_regclass('staff')"
)


def desk_login(db: Database) -> str | None:
    """The desk's login role when it is not the tables' owner; None for the owner (set-up and
    maintenance run as the owner, identified by the OS account like a single machine)."""

    def work(session: Session) -> str | None:
        row = session.execute(_WHO).first()
        if row is None or row[0] == row[1]:
            return None
        return str(row[0])

    return db.read(work)


# -- privileges --------------------------------------------------------------------------------

R, A, W, D = "SELECT", "INSERT", "UPDATE", "DELETE"

# The tables that hold a citizen's case (their rows go with the citizen at retention).
_CASE = (
    "citizen",
    "citizennametail",  # kept in step with citizen.name by ORM events: the writer's privileges
    "request",
    "visitation",
    "activation",
    "referral",
    "followup",
    "hearing",
    "withdrawal",
)
# The rest of what a desk reads around a case.
_AROUND = ("activationsite", "company", "jobopening", "staff")


def _read(*tables: str) -> dict[str, tuple[str, ...]]:
    return {table: (R,) for table in tables}


# What every desk needs whatever its role: the schema revision, settings and staff (who is who),
# its own drafts (row-level security keeps them its own), the change counters, the turn that
# retried writes take (store.db), and the audit
# head (read only: entries are appended by the owner's `jobbutik_audit_append`, and no desk
# touches `auditentry` itself).
EVERY_DESK: dict[str, tuple[str, ...]] = {
    "alembic_version": (R,),
    "setting": (R,),
    "staff": (R,),
    "draft": (R, A, W, D),
    "changecounter": (R, A, W),
    "audithead": (R,),
    "writeturn": (W,),  # LOCK TABLE … IN EXCLUSIVE MODE needs UPDATE: retried writes take turns
}

# Per permission, table -> privileges, from what the services behind it touch. Citizen rows are
# read FOR UPDATE by the writers (which needs UPDATE), and an insert through the ORM reads its new
# id back (RETURNING, which needs SELECT).
PRIVILEGES: dict[Permission, dict[str, tuple[str, ...]]] = {
    # The arrival (a new citizen, their request), its status (a no-show raises or withdraws a
    # possible-sanction flag, which reads the category on record) and a withdrawal.
    Permission.REGISTER: {
        "citizen": (R, A, W),
        "citizennametail": (R, A, D),
        "request": (R, A, W),
        "hearing": (R, A, D),
        "withdrawal": (R, A),
        **_read("visitation", "followup"),
    },
    # The hit list, the Today board (which releases stale claims) and the sites' capacity.
    Permission.SEARCH: {
        **_read("citizen", "citizennametail", "visitation", "activation", "activationsite"),
        "request": (R, W),
    },
    # The card and the history: the whole case, read only (the card's flags read `hearing`).
    Permission.READ_CITIZEN: _read(*_CASE, *_AROUND),
    Permission.MANAGE_OPENINGS: {
        "company": (R, A, W),
        "jobopening": (R, A, W),
        **_read("referral", "citizen"),
    },
    # The conversation: claim the request, record the visitation, book a seat, refer to jobs,
    # schedule the follow-ups; a printed receipt marks the guidance as given.
    Permission.VISIT: {
        "request": (R, W),
        "visitation": (R, A, W),
        "activation": (R, A),
        "referral": (R, A),
        "followup": (R, A),
        **_read("citizen", "activationsite", "company", "jobopening", "hearing", "withdrawal"),
    },
    Permission.FOLLOW_UP: {
        "followup": (R, A, W),
        "referral": (R, A, W),
        "activation": (R, A, W),
        "hearing": (R, A),
        **_read("citizen", "request", "visitation", "activationsite", "company", "jobopening"),
    },
    Permission.HEARINGS: {
        "hearing": (R, A, W, D),
        **_read("citizen", "request", "visitation", "referral", "followup", "activation"),
    },
    Permission.REASSIGN: {"followup": (R, W), "hearing": (R, W)},
    Permission.RELEASE_CLAIM: {"request": (R, W)},
    Permission.MANAGE_SITES: {"activationsite": (R, A, W), **_read("activation", "visitation")},
    Permission.REPORTS: _read(*_CASE, *_AROUND),
    # A citizen import stages its rows in its own tables and publishes them in one step.
    Permission.IMPORT: {
        "citizen": (R, A, W),
        "citizennametail": (R, A, D),
        "company": (R, A, W),
        "jobopening": (R, A, W),
        "importrun": (R, A, W, D),
        "importrow": (R, A, D),
        "importtail": (R, A, D),
    },
    Permission.EXPORT: _read("citizen", "company", "jobopening"),
    Permission.MANAGE_STAFF: {"staff": (R, A, W)},
    # Reading the log (verify, a citizen's access request). Purging and masking old entries
    # change them: that is the owner's job (cron), never a desk's.
    Permission.AUDIT: _read("auditentry", "citizen"),
    # On PostgreSQL the dump itself is pg_dump's, run by the DBA or the owner.
    Permission.BACKUP: {},
    # Anonymising or deleting old cases.
    Permission.RETENTION: {
        **{table: (R, W, D) for table in _CASE},
        **_read("activationsite", "company", "jobopening"),
    },
}

# Tables no desk touches at all: the audit chain's key, the entries waiting to be sealed.
OWNER_ONLY = ("audit_key", "auditpending")

# Functions of the owner that every desk may call: appending to the audit log, and the chain's MAC
# for verifying it (the key stays hidden, and a desk can store nothing it signs).
_DESK_FUNCTIONS = (
    "jobbutik_audit_append(timestamptz, text, text, text, text, text, bigint, bigint, text, text)",
    "jobbutik_audit_mac(text)",
    "jobbutik_audit_key_from_seq()",
    "jobbutik_open_desks(timestamptz)",  # who used the program today, not what they did
    "jobbutik_audit_seal()",  # chains the entries waiting, as they were stored
)
_SYNC_FUNCTION = "jobbutik_desk_sync(text, text[], boolean)"
_SYNC_QUALIFIED = f"public.{_SYNC_FUNCTION}"
_ORDER = (R, A, W, D)


def table_privileges(role: Role) -> dict[str, tuple[str, ...]]:
    """Table -> privileges (SELECT, INSERT, UPDATE, DELETE order) of `role`'s group role."""
    found: dict[str, set[str]] = {table: set(privs) for table, privs in EVERY_DESK.items()}
    for permission in ROLE_PERMISSIONS[role]:
        for table, privs in PRIVILEGES[permission].items():
            found.setdefault(table, set()).update(privs)
    return {table: tuple(p for p in _ORDER if p in privs) for table, privs in found.items()}


# -- SQL run by the owner ------------------------------------------------------------------------

# The group role's name for this database: the database name and the role, or (when that would
# pass PostgreSQL's 63-byte limit) a digest of the database name, so two databases on one cluster
# never share a group.
_GROUP_ROLE_FUNCTION = """
CREATE OR REPLACE FUNCTION public.jobbutik_group_role(kind text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN octet_length(current_database()) + 1 + octet_length(kind) <= 63
            THEN current_database() || '_' || kind
        ELSE 'jobbutik_' || left(md5(current_database()), 12) || '_' || kind
    END
$$
"""

# Login role names jobbutik creates or changes (checked again here, whoever calls).
LOGIN_PATTERN = r"^[a-z_][a-z0-9_.@-]{0,62}$"
_ROLE_KINDS = "ARRAY['reception', 'consultant', 'supervisor', 'admin']"
_OURS = "jobbutik desk login"  # the comment on a login role jobbutik created

# Give the login role `desk` exactly the groups `kinds` of this database while `active` (none
# when not: without a group it cannot even connect here), creating the role when it is missing
# (without a password: peer on the socket, or the DBA sets one). LOGIN and NOLOGIN are set only
# on a role jobbutik created (marked by its comment): a role that was there before may serve
# other systems, which an admin desk must not open or close. With no kinds it only takes this
# database's groups away (a login that no longer belongs to staff here). SECURITY DEFINER: runs
# as the owner, so an admin desk needs no CREATEROLE; a fixed search_path so no desk object
# stands in.
_SYNC_SQL = f"""
CREATE OR REPLACE FUNCTION public.jobbutik_desk_sync(desk text, kinds text[], active boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind text;
    grp text;
    target record;
    held boolean;
    ours boolean;
BEGIN
    IF desk IS NULL OR desk !~ '{LOGIN_PATTERN}' THEN
        RAISE EXCEPTION 'jobbutik: "%" is not a login role name jobbutik manages', desk
            USING ERRCODE = '22023';
    END IF;
    IF kinds IS NULL OR NOT kinds <@ {_ROLE_KINDS} THEN
        RAISE EXCEPTION 'jobbutik: unknown roles %', kinds USING ERRCODE = '22023';
    END IF;
    IF desk = current_user THEN
        RETURN;  -- the tables' owner holds every privilege and is no desk
    END IF;
    SELECT r.oid, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls
        INTO target FROM pg_roles r WHERE r.rolname = desk;
    IF NOT FOUND THEN
        IF cardinality(kinds) = 0 THEN
            RETURN;
        END IF;
        EXECUTE format('CREATE ROLE %I NOLOGIN', desk);
        EXECUTE format('COMMENT ON ROLE %I IS %L', desk, '{_OURS}');
        ours := true;
    ELSIF target.rolsuper OR target.rolcreaterole OR target.rolcreatedb
        OR target.rolreplication OR target.rolbypassrls
        OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = target.oid)
        OR EXISTS (
            SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
            WHERE m.member = target.oid AND g.rolname LIKE 'pg\\_%'
        )
    THEN
        RAISE EXCEPTION 'jobbutik: the role "%" has powers beyond a desk''s', desk
            USING ERRCODE = '42501';
    ELSE
        ours := shobj_description(target.oid, 'pg_authid') IS NOT DISTINCT FROM '{_OURS}';
    END IF;
    FOREACH kind IN ARRAY {_ROLE_KINDS} LOOP
        grp := public.jobbutik_group_role(kind);
        held := EXISTS (
            SELECT 1 FROM pg_auth_members m
            JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
            WHERE g.rolname = grp AND u.rolname = desk
        );
        IF active AND kind = ANY (kinds) AND NOT held THEN
            EXECUTE format('GRANT %I TO %I', grp, desk);
        ELSIF held AND NOT (active AND kind = ANY (kinds)) THEN
            EXECUTE format('REVOKE %I FROM %I', grp, desk);
        END IF;
    END LOOP;
    IF cardinality(kinds) > 0 AND ours THEN
        EXECUTE format('ALTER ROLE %I %s', desk, CASE WHEN active THEN 'LOGIN' ELSE 'NOLOGIN' END);
    END IF;
END
$$
"""


def group_role(session: Session, role: Role) -> str:
    """The name of `role`'s group role in this database."""
    name = session.execute(
        text("SELECT public.jobbutik_group_role(:kind)"), {"kind": role.value}
    ).scalar_one()
    return str(name)


def _run(session: Session, statement: sql.Composable) -> None:
    """Run DDL composed with psycopg's quoting (names are never pasted into SQL as text)."""
    connection = session.connection()
    raw = connection.connection.driver_connection
    connection.exec_driver_sql(statement.as_string(raw))


def _exists(session: Session, query: str, name: str) -> bool:
    return session.execute(text(query), {"name": name}).scalar() is not None


def grant_privileges(db: Database) -> None:
    """Create the group roles and give them exactly their privileges, idempotently.

    Runs as the tables' owner at `db init` and after `db upgrade` (new tables start with no
    grants: a table missing from the map stays closed to every desk). Not PostgreSQL: nothing."""
    if db.backend != "postgresql":
        return
    db.write(_grant)


def _grant(session: Session) -> None:
    from psycopg import sql

    who = session.execute(_WHO).first()
    if who is None or who[0] != who[1]:
        raise PermissionDenied(
            _(
                "Only the role that owns the tables ({owner}) can set up the desk roles; you are "
                "connected as {user}."
            ).format(owner=who[1] if who else "?", user=who[0] if who else "?")
        )
    session.execute(text(_GROUP_ROLE_FUNCTION))
    database = session.execute(text("SELECT current_database()")).scalar_one()
    groups = {role: group_role(session, role) for role in Role}
    for name in groups.values():
        if not _exists(session, "SELECT 1 FROM pg_roles WHERE rolname = :name", name):
            _create_group(session, sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
    everyone = sql.SQL(", ").join(sql.Identifier(name) for name in groups.values())
    # Only jobbutik's desks (and the owner) connect to this database at all.
    _run(
        session,
        sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)),
    )
    _run(
        session,
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), everyone),
    )
    # No desk may plant functions or operators that the owner's code would then run as the owner
    # (clusters from before PostgreSQL 15 still let PUBLIC create in the public schema).
    _run(session, sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    _run(session, sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(everyone))
    for role, name in groups.items():
        _grant_tables(session, name, table_privileges(role))
    for function in _DESK_FUNCTIONS:
        if _exists(session, "SELECT to_regprocedure(:name)::oid", function):
            signature = sql.SQL(function)  # a constant of ours, with its argument types
            _run(session, sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(signature))
            _run(
                session,
                sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(signature, everyone),
            )
    session.execute(text(_SYNC_SQL))
    sync = sql.SQL(_SYNC_FUNCTION)
    _run(session, sql.SQL("REVOKE ALL ON FUNCTION public.{} FROM PUBLIC").format(sync))
    _run(
        session,
        sql.SQL("GRANT EXECUTE ON FUNCTION public.{} TO {}").format(
            sync, sql.Identifier(groups[Role.ADMIN])
        ),
    )


def _create_group(session: Session, statement: sql.Composable) -> None:
    try:
        with session.begin_nested():
            _run(session, statement)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":
            raise PermissionDenied(
                _(
                    "The owner role may not create roles: the DBA gives it CREATEROLE "
                    "(ALTER ROLE … CREATEROLE)."
                )
            ) from None
        raise


def _grant_tables(session: Session, group: str, privileges: Mapping[str, Iterable[str]]) -> None:
    """Take everything away, then grant exactly `privileges` (one transaction: no gap)."""
    from psycopg import sql

    who = sql.Identifier(group)
    _run(session, sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(who))
    _run(session, sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(who))
    for table, privs in privileges.items():
        if not _exists(session, "SELECT to_regclass(:name)::oid", f"public.{table}"):
            continue  # an older schema without it; `db upgrade` grants again
        _run(
            session,
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                sql.SQL(", ").join(sql.SQL(p) for p in privs),
                sql.Identifier("public", table),
                who,
            ),
        )
    # The id sequences of the tables a desk inserts into.
    _run(session, sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(who))


# -- login roles of staff ------------------------------------------------------------------------


def check_login(login: str) -> None:
    """A login must be a role name jobbutik can manage (ValidationError on `os_login`)."""
    if not re.match(LOGIN_PATTERN, login):
        raise ValidationError(
            _(
                "On PostgreSQL the login is a role name: up to 63 lowercase letters, digits and "
                "_ . @ -, starting with a letter or _, got {login!r}."
            ).format(login=login),
            field="os_login",
        )


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def sync_login(session: Session, login: str, roles: Iterable[Role], *, active: bool) -> None:
    """Make the login role `login` hold exactly the groups of `roles` here, LOGIN when `active`
    (created when missing); with no roles, take this database's groups from it. In the caller's
    transaction, so the staff row and the role change commit together. PostgreSQL only."""
    found = session.execute(text("SELECT to_regprocedure(:name)"), {"name": _SYNC_QUALIFIED})
    if found.scalar() is None:
        return  # a database never set up for desk roles (`db init` / `db upgrade` as its owner)
    check_login(login)
    kinds = [role.value for role in Role if role in set(roles)]
    try:
        with session.begin_nested():
            session.execute(
                text("SELECT public.jobbutik_desk_sync(:desk, CAST(:kinds AS text[]), :active)"),
                {"desk": login, "kinds": kinds, "active": active},
            )
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state == "42501":
            raise ValidationError(
                _(
                    "The PostgreSQL role {login} has powers beyond a desk's (or the owner may "
                    "not change it): jobbutik leaves it alone. Choose another login."
                ).format(login=login),
                field="os_login",
            ) from None
        raise

"""PostgreSQL for many desks: every member of staff is a login role and the server enforces roles.

On the throwaway cluster: an owner role (CREATEROLE, no superuser) owns a database and runs
`db init` and `staff add` over TCP (the cluster trusts 127.0.0.1, so a role's name is enough to
connect, as peer authentication gives the OS account's own role on a server's socket). The desks
then connect as their own login roles: identity is `session_user`, and the server refuses what
their jobbutik role does not allow, whatever a program sends.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result
from factories import add_company, add_opening, add_site
from pgcluster import PgCluster
from sqlalchemy import text
from sqlmodel import SQLModel
from trust_helpers import arrive_and_start, cpr_for, visit_plan

from jobbutik.cli.main import main
from jobbutik.domain.errors import PermissionDenied
from jobbutik.services import access_request, arrivals, citizens, followups, visitation
from jobbutik.services.config import SettingsError, build_context, resolve_settings
from jobbutik.services.context import ServiceContext
from jobbutik.services.pgroles import EVERY_DESK, OWNER_ONLY, PRIVILEGES, table_privileges
from jobbutik.store import changes
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, Role

_numbers = itertools.count(1)
_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass
class Desks:
    cluster: PgCluster
    database: str
    owner: str
    consultant: str  # login role of km
    reception: str  # login role of lr

    def url(self, role: str) -> str:
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.cluster.port}/{self.database}"

    def connect(self, role: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.cluster.port, user=role, dbname=self.database
        )

    def cli(self, role: str, *args: str) -> Result:
        return CliRunner().invoke(main, ["--db", self.url(role), "--lang", "en", *args])

    def context(self, role: str) -> ServiceContext:
        """The context a desk program builds when it starts as `role` (no --user)."""
        return build_context(resolve_settings(db=self.url(role)))


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.output


@pytest.fixture
def desks(pg_cluster: PgCluster) -> Iterator[Desks]:
    n = f"{os.getpid()}_{next(_numbers)}"
    setup = Desks(pg_cluster, f"jbdesks_{n}", f"jbowner_{n}", f"karla_{n}", f"lars_{n}")
    pg_cluster.execute(f"CREATE ROLE {setup.owner} LOGIN CREATEROLE")
    pg_cluster.execute(f"CREATE DATABASE {setup.database} OWNER {setup.owner}")
    try:
        _ok(setup.cli(setup.owner, "db", "init", "--initials", "adm", "--name", "Ada Admin"))
        _ok(
            setup.cli(
                setup.owner,
                *("staff", "add", "km", "Karla Madsen", "--roles", "consultant"),
                *("--os-login", setup.consultant),
            )
        )
        _ok(
            setup.cli(
                setup.owner,
                *("staff", "add", "lr", "Lars Rasmussen", "--roles", "reception"),
                *("--os-login", setup.reception),
            )
        )
        yield setup
    finally:
        pg_cluster.drop_database(setup.database)
        _drop_roles(pg_cluster, setup)


def _drop_roles(cluster: PgCluster, setup: Desks) -> None:
    """The cluster outlives the test: its roles go (the logins, the groups, the owner)."""
    with psycopg.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s OR rolname LIKE %s",
                (f"{setup.database}\\_%", f"%\\_{setup.owner.removeprefix('jbowner_')}"),
            )
        ]
        for name in [*names, setup.owner]:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def _refused(conn: psycopg.Connection[tuple[object, ...]], statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)
    conn.rollback()


def _owner_db(desks: Desks) -> Database:
    return Database(desks.url(desks.owner), create=False)


def test_each_desk_is_its_login_role_and_cannot_choose_another(desks: Desks) -> None:
    consultant = desks.context(desks.consultant)
    reception = desks.context(desks.reception)
    try:
        assert consultant.staff.initials == "km"
        assert reception.staff.initials == "lr"
        assert consultant.db.channel.how == "postgres"
    finally:
        consultant.db.dispose()
        reception.db.dispose()
    # --user is for demo databases only; here the server already said who this is.
    with pytest.raises(SettingsError, match="demo"):
        build_context(resolve_settings(db=desks.url(desks.reception), user="adm"))
    refused = desks.cli(desks.reception, "--user", "adm", "staff", "list")
    assert refused.exit_code != 0
    assert "demo" in refused.output


def test_no_desk_may_rewrite_the_audit_log_and_reception_cannot_read_it(desks: Desks) -> None:
    for role in (desks.consultant, desks.reception):
        with desks.connect(role) as conn:
            _refused(conn, "UPDATE auditentry SET detail = 'x'")
            _refused(conn, "DELETE FROM auditentry")
            _refused(conn, "TRUNCATE auditentry")
            _refused(conn, "SELECT secret FROM audit_key")
    with desks.connect(desks.reception) as conn:
        _refused(conn, "SELECT * FROM auditentry")
        _refused(conn, "SELECT count(*) FROM auditentry")


def test_the_consultant_works_through_the_services_and_every_step_is_logged(
    desks: Desks,
) -> None:
    owner = _owner_db(desks)
    try:
        site = add_site(owner)
        company = add_company(owner)
        openings = [add_opening(owner, company, f"Job {i}") for i in range(2)]
    finally:
        owner.dispose()
    ctx = desks.context(desks.consultant)
    try:
        citizen_id, request_id = arrive_and_start(ctx, 1)
        visitation.complete(ctx, visit_plan(ctx, request_id, site, openings))
        assert citizens.history(ctx, citizen_id).card.id == citizen_id
    finally:
        ctx.db.dispose()
    with desks.connect(desks.owner) as conn:
        logged = conn.execute(
            "SELECT actor, os_account, action, entity FROM auditentry "
            "WHERE citizen_id = %s ORDER BY seq",
            (citizen_id,),
        ).fetchall()
    assert logged, "nothing was logged"
    assert {row[0] for row in logged} == {"km"}
    assert ("km", "create", "request") in {(r[0], r[2], r[3]) for r in logged}


def test_reception_registers_searches_and_sees_the_board(desks: Desks) -> None:
    ctx = desks.context(desks.reception)
    try:
        arrival = arrivals.register_arrival(
            ctx,
            arrivals.ArrivalForm(
                cpr=cpr_for(7),
                benefit="kontanthjaelp",
                new_citizen=arrivals.NewCitizen("Birte Hansen"),
                confirm_duplicate=True,
            ),
        )
        assert [hit.name for hit in citizens.search(ctx, "Birte Hansen")] == ["Birte Hansen"]
        card = citizens.lookup_cpr(ctx, cpr_for(7))
        assert card is not None and card.id == arrival.citizen_id
        assert [row.request_id for row in arrivals.board(ctx)[1]] == [arrival.request_id]
        # The program refuses case work to reception, and so does the server.
        with pytest.raises(PermissionDenied):
            visitation.start(ctx, arrival.request_id)
    finally:
        ctx.db.dispose()
    with desks.connect(desks.reception) as conn:
        _refused(conn, "INSERT INTO visitation (citizen_id) VALUES (1)")
        _refused(conn, "UPDATE staff SET roles = 'admin'")
        _refused(conn, "DELETE FROM citizen")


def test_deactivate_revokes_login_and_activate_restores_it(desks: Desks) -> None:
    _ok(desks.cli(desks.owner, "staff", "deactivate", "km"))
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        desks.connect(desks.consultant)
    _ok(desks.cli(desks.owner, "staff", "activate", "km"))
    with desks.connect(desks.consultant) as conn:
        assert conn.execute("SELECT session_user").fetchone() == (desks.consultant,)


def test_set_roles_changes_what_the_server_allows(desks: Desks) -> None:
    with desks.connect(desks.consultant) as conn:
        conn.execute("SELECT count(*) FROM visitation")
    _ok(desks.cli(desks.owner, "staff", "set-roles", "km", "reception"))
    with desks.connect(desks.consultant) as conn:
        _refused(conn, "INSERT INTO visitation (citizen_id) VALUES (1)")
        assert _groups(conn, desks.consultant) == {f"{desks.database}_reception"}
    _ok(desks.cli(desks.owner, "staff", "set-roles", "km", "consultant,supervisor"))
    with desks.connect(desks.consultant) as conn:
        assert _groups(conn, desks.consultant) == {
            f"{desks.database}_consultant",
            f"{desks.database}_supervisor",
        }


def _groups(conn: psycopg.Connection[tuple[object, ...]], role: str) -> set[str]:
    rows = conn.execute(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
        (role,),
    )
    return {str(row[0]) for row in rows}


def test_an_admin_desk_manages_staff_without_createrole_but_not_other_roles(
    desks: Desks,
) -> None:
    admin = f"{desks.database}_x_ada"  # dropped with the database's roles
    _ok(
        desks.cli(
            desks.owner,
            *("staff", "add", "ab", "Anna Berg", "--roles", "admin", "--os-login", admin),
        )
    )
    newcomer = f"{desks.database}_x_new"
    _ok(
        desks.cli(
            admin,
            "staff",
            "add",
            "nn",
            "Niels Nielsen",
            "--roles",
            "consultant",
            "--os-login",
            newcomer,
        )
    )
    with desks.connect(newcomer) as conn:
        assert _groups(conn, newcomer) == {f"{desks.database}_consultant"}
        role = conn.execute(
            "SELECT rolcreaterole, rolsuper FROM pg_roles WHERE rolname = %s", (admin,)
        ).fetchone()
        assert role == (False, False)
    # The superuser (or any role with powers beyond a desk's) is no login staff can be given.
    refused = desks.cli(
        admin, "staff", "add", "pg", "Post Gres", "--roles", "reception", "--os-login", "postgres"
    )
    assert refused.exit_code == 1
    assert "powers beyond a desk" in refused.output
    # Nor can a desk call the function that does it.
    with desks.connect(desks.consultant) as conn:
        _refused(conn, f"SELECT jobbutik_desk_sync('{desks.reception}', '{{}}', false)")


def test_the_groups_hold_exactly_the_mapped_privileges_after_upgrade(desks: Desks) -> None:
    _ok(desks.cli(desks.owner, "db", "upgrade"))  # again: idempotent
    with desks.connect(desks.owner) as conn:
        tables = [
            str(row[0])
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for role in Role:
            group = f"{desks.database}_{role.value}"
            wanted = table_privileges(role)
            for table in tables:
                held = tuple(
                    p
                    for p in _PRIVILEGES
                    if conn.execute(
                        "SELECT has_table_privilege(%s, %s, %s)", (group, table, p)
                    ).fetchone()
                    == (True,)
                )
                assert held == wanted.get(table, ()), (group, table)


def test_every_table_is_either_granted_or_kept_for_the_owner() -> None:
    mapped = set(EVERY_DESK) | {t for grants in PRIVILEGES.values() for t in grants}
    tables = set(SQLModel.metadata.tables) | {"alembic_version"}
    assert mapped | set(OWNER_ONLY) == tables
    assert not mapped & set(OWNER_ONLY)


def test_the_owner_alone_sets_up_the_desk_roles(desks: Desks) -> None:
    from jobbutik.services.pgroles import grant_privileges

    db = Database(desks.url(desks.consultant), create=False)
    try:
        with pytest.raises(PermissionDenied, match="owns the tables"):
            grant_privileges(db)
        rows = db.read(lambda s: s.execute(text("SELECT count(*) FROM staff")).scalar_one())
        assert rows == 3
    finally:
        db.dispose()


def _visited_at_kms_desk(desks: Desks, n: int) -> ServiceContext:
    """Citizen `n` registered and visited at km's desk (the owner set up a site and an opening);
    km's context stays open for the caller, who disposes of it."""
    owner = _owner_db(desks)
    try:
        site = add_site(owner)
        openings = [add_opening(owner, add_company(owner), "Lagerarbejder")]
    finally:
        owner.dispose()
    ctx = desks.context(desks.consultant)
    _citizen, request_id = arrive_and_start(ctx, n)
    visitation.complete(ctx, visit_plan(ctx, request_id, site, openings))
    return ctx


def test_supervisor_and_admin_desks_do_their_work_through_the_command_line(
    desks: Desks, tmp_path: Path
) -> None:
    ctx = _visited_at_kms_desk(desks, 3)
    try:
        assert followups.due_list(ctx, all_open=True)
    finally:
        ctx.db.dispose()
    supervisor, admin = f"{desks.database}_x_sup", f"{desks.database}_x_adm"
    for initials, roles, login in (("sv", "supervisor", supervisor), ("ad", "admin", admin)):
        _ok(
            desks.cli(
                desks.owner,
                *("staff", "add", initials, initials.upper(), "--roles", roles),
                *("--os-login", login),
            )
        )
    for report in ("daily", "stats", "followups", "starts"):
        _ok(desks.cli(supervisor, "report", report))
    _ok(desks.cli(supervisor, "export", "citizens", str(tmp_path / "citizens.csv")))
    assert "km" in _ok(desks.cli(admin, "staff", "list"))
    _ok(desks.cli(admin, "audit", "verify"))
    audit_desk = desks.context(admin)
    try:
        log = access_request.citizen_log(audit_desk, cpr_for(3), action=AuditAction.EXPORT)
        assert len(log.entries) > 1
    finally:
        audit_desk.db.dispose()
    _ok(desks.cli(admin, "retention"))
    # Reports are the supervisor's: the server refuses the consultant what the program refuses.
    assert desks.cli(desks.consultant, "report", "daily").exit_code == 1
    with desks.connect(desks.consultant) as conn:
        _refused(conn, "SELECT * FROM auditentry")
        _refused(conn, "INSERT INTO activationsite (name) VALUES ('x')")


_APPEND_AS = (
    "SELECT jobbutik_audit_append(now(), %s, 'x', NULL, 'read', 'citizen', 1, NULL, '', %s)"
)


def test_a_desk_appends_only_through_the_server_and_only_as_itself(desks: Desks) -> None:
    """A desk holding the MAC function could sign entries of its own making: it may not store
    them, and the server's own append names the desk whatever the caller says."""
    with desks.connect(desks.consultant) as conn:
        _refused(
            conn,
            "INSERT INTO auditentry (seq, at, actor, action, entity, purpose, detail, os_account,"
            " detail_mac, prev_hash, hash) VALUES (999, now(), 'lr', 'read', 'citizen', '', '',"
            " '', '', '', '')",
        )
        _refused(conn, "UPDATE audithead SET seq = 0")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="may not log as"):
            conn.execute(_APPEND_AS, ("lr", "made up by km"))
        conn.rollback()
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="clock"):
            conn.execute(
                "SELECT jobbutik_audit_append(now() - interval '7 years', 'km', 'x', NULL, "
                "'read', 'citizen', 1, NULL, '', 'backdated')"
            )
        conn.rollback()
        conn.execute(_APPEND_AS, ("km", "by hand"))
        conn.commit()
        # Entries waiting for the seal are as closed to a desk as the log itself.
        _refused(conn, "SELECT * FROM auditpending")
        _refused(conn, "DELETE FROM auditpending")
    with desks.connect(desks.owner) as conn:
        waiting = conn.execute(
            "SELECT actor, os_account FROM auditpending WHERE detail = 'by hand'"
        ).fetchone()
    assert waiting == ("km", desks.consultant)  # the login, not the 'x' the caller sent
    with desks.connect(desks.consultant) as conn:  # what the program does after each commit
        assert conn.execute("SELECT jobbutik_audit_seal()").fetchone() == (1,)
        conn.commit()
    with desks.connect(desks.owner) as conn:
        row = conn.execute(
            "SELECT actor, os_account FROM auditentry WHERE detail = 'by hand'"
        ).fetchone()
        assert conn.execute("SELECT count(*) FROM auditpending").fetchone() == (0,)
    assert row == ("km", desks.consultant)
    assert "intact" in _ok(desks.cli(desks.owner, "--lang", "en", "audit", "verify"))


def _two_desk_connections(desks: Desks) -> tuple[psycopg.Connection[Any], psycopg.Connection[Any]]:
    """Two of km's connections whose change-counter shards differ (two desks, as the server
    sees them), each in a SERIALIZABLE transaction, as the program writes."""
    first = desks.connect(desks.consultant)
    for _attempt in range(20):
        second = desks.connect(desks.consultant)
        if (first.info.backend_pid - second.info.backend_pid) % changes.SHARDS:
            break
        second.close()
    for conn in (first, second):
        conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
        conn.execute("SET lock_timeout = '2s'")  # a desk made to wait would fail, not hang
        conn.commit()
    return first, second


def test_desks_saving_at_once_neither_wait_nor_conflict_and_the_chain_stays_whole(
    desks: Desks,
) -> None:
    """Before, every audited save locked the one head row and moved one counter row per topic:
    two desks saving at once waited for each other and, under SERIALIZABLE, one failed. Now both
    commit in either order, and the seal chains their entries in the order of their numbers."""
    first, second = _two_desk_connections(desks)
    try:
        for conn, text in ((first, "first desk"), (second, "second desk")):
            conn.execute(_APPEND_AS, ("km", text))
            conn.execute(
                "INSERT INTO changecounter (topic, shard, seq) VALUES ('board', "
                f"pg_backend_pid() % {changes.SHARDS}, 1) ON CONFLICT (topic, shard) "
                "DO UPDATE SET seq = changecounter.seq + 1"  # as changes.bump does
            )
        second.commit()  # the later one commits first: no lock to wait for, nothing to retry
        first.commit()
        first.execute("SELECT jobbutik_audit_seal()")
        first.commit()
    finally:
        first.close()
        second.close()
    with desks.connect(desks.owner) as conn:
        details = [
            row[0]
            for row in conn.execute(
                "SELECT detail FROM auditentry WHERE detail LIKE '% desk' ORDER BY seq"
            )
        ]
        total = conn.execute("SELECT sum(seq) FROM changecounter WHERE topic = 'board'").fetchone()
    assert details == ["first desk", "second desk"]  # numbered in the order they were made
    assert total is not None and total[0] >= 2
    assert "intact" in _ok(desks.cli(desks.owner, "--lang", "en", "audit", "verify"))


def test_an_entry_left_waiting_is_sealed_by_the_next_verify(desks: Desks) -> None:
    """A desk that died between its commit and the seal leaves its entry waiting: `audit
    verify` seals it before it walks the chain."""
    with desks.connect(desks.consultant) as conn:
        conn.execute(_APPEND_AS, ("km", "the desk died"))
        conn.commit()
    assert "intact" in _ok(desks.cli(desks.owner, "--lang", "en", "audit", "verify"))
    with desks.connect(desks.owner) as conn:
        assert conn.execute("SELECT count(*) FROM auditpending").fetchone() == (0,)
        assert conn.execute(
            "SELECT actor FROM auditentry WHERE detail = 'the desk died'"
        ).fetchone() == ("km",)


def test_entries_the_server_signs_verify_whatever_their_text(desks: Desks) -> None:
    """The server builds the payload the verifier rebuilds: escapes, Danish letters, no ids,
    a moment with and without microseconds."""
    from datetime import UTC, datetime

    from jobbutik.services import audit

    hostile = ['"q" \\ [/] \x01\x1f\t\n\r', "Æblø Ørsted 🙂 \u2028", '=HYPERLINK("x")', ""]
    moments = [datetime.now(UTC), datetime.now(UTC).replace(microsecond=0)]
    owner = _owner_db(desks)
    try:
        for i, detail in enumerate(hostile):
            owner.write(
                lambda s, d=detail, i=i: audit.record(
                    s,
                    actor="adm",
                    action=AuditAction.READ,
                    entity="citizen",
                    entity_id=None if i % 2 else i,
                    citizen_id=i if i % 2 else None,
                    detail=d,
                    purpose=d,
                    at=moments[i % 2],
                )
            )
        result = audit.verify(owner)
        assert result.ok, result
    finally:
        owner.dispose()


def test_a_login_that_was_there_before_is_let_in_and_out_but_never_opened_or_closed(
    desks: Desks,
) -> None:
    """A role the DBA made for other systems: jobbutik grants and takes its groups here, and
    leaves its LOGIN alone (deactivating it must not lock it out of anything else)."""
    other = f"{desks.database}_x_other"  # dropped with the database's roles
    desks.cluster.execute(f"CREATE ROLE {other} LOGIN")
    _ok(
        desks.cli(
            desks.owner,
            *("staff", "add", "ot", "Ole Thomsen", "--roles", "consultant", "--os-login", other),
        )
    )
    with desks.connect(other) as conn:
        assert _groups(conn, other) == {f"{desks.database}_consultant"}
    _ok(desks.cli(desks.owner, "staff", "deactivate", "ot"))
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        desks.connect(other)
    with psycopg.connect(
        host="127.0.0.1", port=desks.cluster.port, user=other, dbname="postgres"
    ) as conn:  # still a login elsewhere
        row = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (other,))
        assert row.fetchone() == (True,)
        assert _groups(conn, other) == set()
    _ok(desks.cli(desks.owner, "staff", "activate", "ot"))
    with desks.connect(other) as conn:
        assert _groups(conn, other) == {f"{desks.database}_consultant"}


def test_each_desk_sees_and_writes_only_its_own_drafts(desks: Desks) -> None:
    """What a member of staff typed and has not saved is theirs, also to a desk reading the
    table by hand (row-level security; the program itself filters on the author too)."""
    insert = (
        "INSERT INTO draft (staff_id, form, subject, title, data, saved_at) "
        "VALUES ((SELECT id FROM staff WHERE initials = %s), 'register', '', 't', "
        '\'{"cpr": "0101901234"}\', now())'
    )
    with desks.connect(desks.consultant) as conn:
        conn.execute(insert, ("km",))
        conn.commit()
        assert conn.execute("SELECT count(*) FROM draft").fetchone() == (1,)
    with desks.connect(desks.reception) as conn:
        assert conn.execute("SELECT count(*) FROM draft").fetchone() == (0,)
        conn.execute("UPDATE draft SET data = '{}'")  # touches nothing it cannot see
        conn.execute("DELETE FROM draft")
        conn.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(insert, ("km",))  # nor writes one in another's name
    with desks.connect(desks.owner) as conn:
        assert conn.execute("SELECT data FROM draft").fetchone() == ('{"cpr": "0101901234"}',)


def test_a_desk_may_not_write_an_audit_checkpoint(desks: Desks) -> None:
    """A purge checkpoint names the anchor `audit verify` checks: only the owner writes one."""
    with (
        desks.connect(desks.consultant) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="checkpoints"),
    ):
        conn.execute(
            "SELECT jobbutik_audit_append(now(), 'km', 'x', NULL, 'delete', 'audit', NULL, "
            "NULL, '', 'anchor=1:' || repeat('0', 64))"
        )


def test_the_supervisors_desk_work_the_log_allows_without_reading_it(
    desks: Desks, tmp_path: Path
) -> None:
    """A supervisor desk hears of absent consultants, exports a calendar, and (as an admin too)
    is told that applying retention is the owner's: the log is the owner's to change."""
    from jobbutik.services import import_batches, reminders
    from jobbutik.store.models import ImportRun

    _visited_at_kms_desk(desks, 5).db.dispose()
    boss = f"{desks.database}_x_boss"
    _ok(
        desks.cli(
            desks.owner,
            *("staff", "add", "bo", "Bo Boss", "--roles", "supervisor,admin", "--os-login", boss),
        )
    )
    supervisor = desks.context(boss)
    try:
        assert reminders.absent_overdue(supervisor) == []  # km worked today; nothing overdue
        # An interrupted import of km's, published and its process gone: the owner finishes it.
        supervisor.db.write(
            lambda s: s.add(
                ImportRun(
                    source="k.csv",
                    actor="km",
                    pid=2**22 + 1,
                    host=os.uname().nodename[:255],
                    started_at=supervisor.clock.now(),
                    touched_at=supervisor.clock.now(),
                    published=True,
                )
            )
        )
        said = import_batches.sweep(supervisor.db)
        assert said and "waits for the database owner" in said[0]
    finally:
        supervisor.db.dispose()
    calendar = tmp_path / "km.ics"
    _ok(desks.cli(boss, "report", "followups", "--format", "ics", "--consultant", "km", "-o",
                  str(calendar)))  # fmt: skip
    assert "BEGIN:VEVENT" in calendar.read_text(encoding="utf-8")
    refused = desks.cli(boss, "retention", "--apply")
    assert refused.exit_code == 1 and "runs as the database owner" in refused.output
    assert "owner" in _ok(desks.cli(desks.owner, "db", "check"))

"""Who is working and what each role may do: staff identity, management, and every boundary."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from factories import add_site, make_ctx
from sqlmodel import select
from trust_helpers import cli, one_line_error, setup_visits

from jobbutik.cli.main import main
from jobbutik.domain.errors import FormErrors, PermissionDenied, ValidationError
from jobbutik.services import (
    access_request,
    arrivals,
    audit,
    backup,
    citizens,
    config,
    hearings,
    retention,
    staff,
    visitation,
)
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ROLE_PERMISSIONS, Permission, ServiceContext
from jobbutik.services.identity import os_account
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, AuditEntry, Role, Staff

SERVICES = Path(__file__).resolve().parents[1] / "jobbutik" / "services"
# Public ctx functions that need no permission of their own: pure computations, or a thin wrapper
# around one that checks.
NO_PERMISSION_NEEDED = {
    ("citizens.py", "parse_cpr_field"),  # parses text
    ("visitation.py", "propose"),  # applies the rules to given facts
    ("arrivals.py", "lookup"),  # calls citizens.lookup_cpr, which requires READ_CITIZEN
    ("arrivals.py", "suggest_slot"),  # a date from counts, no personal data
    # Any member of staff keeps their own drafts; every query filters on ctx.staff (see drafts.py).
    ("drafts.py", "save"),
    ("drafts.py", "drop"),
    ("drafts.py", "mine"),
    # Opening's upkeep (planner statistics, the audit anchor): every desk's start, no one's data.
    ("config.py", "upkeep"),
}


def test_every_service_function_requires_a_permission() -> None:
    """A public service function taking the context checks a permission (or is listed above)."""
    missing = []
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if not node.args.args or node.args.args[0].arg != "ctx":
                continue
            if "require(" in ast.unparse(node) or (path.name, node.name) in NO_PERMISSION_NEEDED:
                continue
            missing.append(f"{path.name}:{node.name}")
    assert not missing, missing


# -- the boundaries ------------------------------------------------------------------------------

Call = Callable[[ServiceContext, Path], Any]


def _register(ctx: ServiceContext, _tmp: Path) -> Any:
    form = ArrivalForm("0202851236", "kontanthjaelp", new_citizen=NewCitizen("Mette Møller"))
    return arrivals.register_arrival(ctx, form)


# Each call, and what it gives a role that may make it (the boss registered "Søren Ærø", CPR
# 0101901234, and set up one site; "who" is the only other member of staff).
CALLS: dict[Permission, tuple[Call, Callable[[Any], Any], Any]] = {
    Permission.REGISTER: (
        _register,
        lambda arrival: (arrival.citizen_name, arrival.created_citizen),
        ("Mette Møller", True),
    ),
    Permission.SEARCH: (
        lambda ctx, _t: citizens.search(ctx, "søren"),
        lambda hits: [(h.name, h.cpr_masked) for h in hits],
        [("Søren Ærø", "010190-XXXX")],
    ),
    Permission.READ_CITIZEN: (
        lambda ctx, _t: citizens.lookup_cpr(ctx, "0101901234"),
        lambda card: card.name,
        "Søren Ærø",
    ),
    Permission.VISIT: (
        lambda ctx, _t: visitation.free_sites(ctx, ctx.clock.today()),
        lambda sites: [(s.name, s.free) for s in sites],
        [("Materielgården", 5)],
    ),
    Permission.HEARINGS: (
        lambda ctx, _t: hearings.hearings(ctx),
        lambda rows: rows,
        [],
    ),
    Permission.MANAGE_STAFF: (
        lambda ctx, _t: staff.list_staff(ctx),
        lambda rows: sorted(r.initials for r in rows),
        ["boss", "who"],
    ),
    Permission.AUDIT: (
        lambda ctx, _t: access_request.citizen_log(ctx, "0101901234", action=AuditAction.READ),
        lambda log: (log.cpr_masked, [(e.action, e.entity) for e in log.entries][:2]),
        ("010190-XXXX", [("create", "citizen"), ("create", "request")]),
    ),
    Permission.BACKUP: (
        lambda ctx, tmp: backup.backup(ctx, tmp / "b.sqlite"),
        lambda result: (result.path.name, result.path.is_file()),
        ("b.sqlite", True),
    ),
    Permission.RETENTION: (
        lambda ctx, _t: retention.retention(ctx),
        lambda result: (result.applied, result.candidates),
        (False, ()),
    ),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(CALLS))
def test_role_boundary(
    sqlite_database: Database, tmp_path: Path, role: Role, permission: Permission
) -> None:
    """A member of staff with ONLY `role` may make the call exactly when the program's permission
    table gives the role that permission; otherwise the call is refused, in one sentence."""
    boss = make_ctx(sqlite_database, "boss", roles="admin,reception")
    arrivals.register_arrival(
        boss, ArrivalForm("0101901234", "kontanthjaelp", new_citizen=NewCitizen("Søren Ærø"))
    )
    add_site(sqlite_database)
    ctx = make_ctx(sqlite_database, "who", roles=role.value)
    assert ctx.staff.roles == frozenset({role})
    call, shown, expected = CALLS[permission]
    if permission in ROLE_PERMISSIONS[role]:
        assert shown(call(ctx, tmp_path)) == expected
    else:
        with pytest.raises(PermissionDenied) as refused:
            call(ctx, tmp_path)
        assert str(refused.value) == (
            f"who may not do this ({permission.label}): ask a supervisor or admin."
        )


# Who does what at the Jobbutik, written out here rather than read from the program's table, so
# that a permission slipped into a role (reception following up, an admin reading cases) fails.
_FRONT_DESK = {"register", "search", "read_citizen", "manage_openings"}
EXPECTED_ROLES = {
    Role.RECEPTION: _FRONT_DESK,
    Role.CONSULTANT: _FRONT_DESK | {"visit", "follow_up", "hearings"},
    Role.SUPERVISOR: _FRONT_DESK
    | {"visit", "follow_up", "hearings", "reassign", "release_claim", "manage_sites", "reports"}
    | {"import", "export"},
    Role.ADMIN: {"manage_staff", "audit", "backup", "retention", "import", "export"},
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_holds_exactly_its_duties(role: Role) -> None:
    assert {p.value for p in ROLE_PERMISSIONS[role]} == EXPECTED_ROLES[role]


def test_the_role_table() -> None:
    """Case work and system duties are apart: an admin does not read citizens by default."""
    assert Permission.READ_CITIZEN not in ROLE_PERMISSIONS[Role.ADMIN]
    assert Permission.VISIT not in ROLE_PERMISSIONS[Role.RECEPTION]
    assert Permission.REPORTS not in ROLE_PERMISSIONS[Role.CONSULTANT]
    for role in (Role.RECEPTION, Role.CONSULTANT, Role.SUPERVISOR):
        assert (
            not {Permission.MANAGE_STAFF, Permission.AUDIT, Permission.BACKUP}
            & ROLE_PERMISSIONS[role]
        )


@pytest.mark.parametrize(
    ("args", "permission"),
    [
        (["audit", "verify"], Permission.AUDIT),
        (["audit", "citizen", "0101901234"], Permission.AUDIT),
        (["backup", "x.sqlite"], Permission.BACKUP),
        (["retention"], Permission.RETENTION),
        (["staff", "list"], Permission.MANAGE_STAFF),
        (["staff", "add", "zz", "Zed", "--roles", "admin"], Permission.MANAGE_STAFF),
    ],
)
def test_a_command_the_role_may_not_run_says_so(
    sqlite_database: Database, args: list[str], permission: Permission
) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    make_ctx(sqlite_database, "rec", roles="reception,consultant,supervisor")
    assert not any(permission in ROLE_PERMISSIONS[r] for r in Role if r != Role.ADMIN)
    result = cli(sqlite_database, "rec", *args)
    assert result.exit_code == 1
    assert one_line_error(result) == (
        f"jobbutik: rec may not do this ({permission.label}): ask a supervisor or admin."
    )


# -- identity and first run ----------------------------------------------------------------------


def test_db_init_makes_the_os_account_admin_then_others_are_refused(tmp_path: Path) -> None:
    url = str(tmp_path / "new.sqlite")
    made = CliRunner().invoke(main, ["--db", url, "--lang", "en", "db", "init", "--initials", "ab"])
    assert made.exit_code == 0, made.output
    first = cli(url, "ab", "staff", "list")
    assert first.exit_code == 0, first.output
    assert "admin" in first.stdout and os_account() in first.stdout
    refused = cli(url, "cd", "staff", "list")
    assert one_line_error(refused) == (
        "jobbutik: cd is not a member of staff in this database: an admin adds you with "
        "`jobbutik staff add` (your OS login is set with --os-login)."
    )


def test_os_login_maps_to_staff(sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_ctx(sqlite_database, "boss", roles="admin")
    staff.add_staff(
        ctx, "jph", "Jens Peter Hansen", "consultant", os_login="Jens.Peter.Hansen.long"
    )
    info = staff.resolve_staff(sqlite_database, "jens.peter.hansen.long", by="os_login")
    assert info.initials == "jph"
    assert info.roles == frozenset({Role.CONSULTANT})
    # The command line's user is the OS account (> 16 characters), mapped by its os_login.
    monkeypatch.setattr(config, "os_account", lambda: "jens.peter.hansen.long")
    result = CliRunner().invoke(
        main, ["--db", sqlite_database.url, "--lang", "en", "staff", "list"]
    )
    assert one_line_error(result) == (
        "jobbutik: jph may not do this (Manage staff): ask a supervisor or admin."
    )


def test_staff_management_is_audited_and_protects_the_last_admin(sqlite_database: Database) -> None:
    ctx = make_ctx(sqlite_database, "boss", roles="admin")
    row = staff.add_staff(ctx, "KM", "  Karla   Mortensen ", "reception, consultant")
    assert (row.initials, row.name, row.roles) == (
        "km",
        "Karla Mortensen",
        ("reception", "consultant"),
    )
    with pytest.raises(ValidationError, match="already"):
        staff.add_staff(ctx, "km", "Other", "reception")
    with pytest.raises(FormErrors) as refused:
        staff.add_staff(ctx, "k m", "", "chief")
    assert set(refused.value.errors) == {"initials", "name", "roles"}
    with pytest.raises(ValidationError, match="only admin"):
        staff.set_roles(ctx, "boss", "supervisor")
    with pytest.raises(ValidationError, match="yourself"):
        staff.set_active(ctx, "boss", False)
    staff.set_roles(ctx, "km", "consultant,admin")
    staff.set_active(ctx, "km", False)
    with pytest.raises(PermissionDenied, match="no longer active"):
        staff.resolve_staff(sqlite_database, "km")
    staff.set_active(ctx, "km", True)
    assert staff.resolve_staff(sqlite_database, "km").roles == {Role.CONSULTANT, Role.ADMIN}
    staff.set_roles(ctx, "boss", "supervisor")  # km is an admin now
    entries = sqlite_database.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.entity == "staff")).all()
    )
    assert [e.detail for e in entries] == [
        "km: reception,consultant",
        "km: roles consultant,admin",
        "km: deactivated",
        "km: activated",
        "boss: roles supervisor",
    ]
    assert audit.verify(sqlite_database).ok


def test_staff_commands(sqlite_database: Database) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    added = cli(sqlite_database, "boss", "staff", "add", "rk", "Ruth Kure", "--roles", "reception")
    assert added.exit_code == 0, added.output
    assert cli(sqlite_database, "boss", "staff", "set-roles", "rk", "consultant").exit_code == 0
    assert cli(sqlite_database, "boss", "staff", "set-login", "rk", "ruth").exit_code == 0
    assert cli(sqlite_database, "boss", "staff", "deactivate", "rk").exit_code == 0
    listing = cli(sqlite_database, "boss", "staff", "list").stdout
    assert "rk" in listing and "consultant" in listing and "ruth" in listing
    assert "inactive" in listing
    bad = cli(sqlite_database, "boss", "staff", "set-roles", "rk", "chief")
    assert one_line_error(bad) == (
        "jobbutik: Unknown role 'chief': choose from reception, consultant, supervisor, admin."
    )
    rows = sqlite_database.read(lambda s: s.exec(select(Staff)).all())
    assert {r.initials for r in rows} == {"boss", "rk"}


def test_the_desk_of_the_trust_tests_holds_only_what_it_needs(sqlite_database: Database) -> None:
    """The crash, soak and backup tests register and visit as a consultant, and only that: the
    program's table lets a consultant do both, and refuses the system duties."""
    setup = setup_visits(sqlite_database)
    desk: ServiceContext = setup["ctx"]
    assert desk.staff.roles == frozenset({Role.CONSULTANT})
    assert {Permission.REGISTER, Permission.VISIT} <= ROLE_PERMISSIONS[Role.CONSULTANT]
    for duty in (Permission.MANAGE_STAFF, Permission.BACKUP, Permission.RETENTION):
        with pytest.raises(PermissionDenied) as refused:
            desk.require(duty)
        assert str(refused.value) == (
            f"demo may not do this ({duty.label}): ask a supervisor or admin."
        )

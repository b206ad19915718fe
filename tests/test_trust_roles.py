"""Who is working and what each role may do: staff identity, management, and every boundary."""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import make_ctx
from sqlmodel import select
from trust_helpers import cli, one_line_error, setup_visits

from jobbutik.domain.errors import FormErrors, PermissionDenied, ValidationError
from jobbutik.services import (
    access_request,
    arrivals,
    audit,
    backup,
    citizens,
    retention,
    staff,
    visitation,
)
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ROLE_PERMISSIONS, Permission, ServiceContext
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
    form = ArrivalForm("0101901234", "kontanthjaelp", new_citizen=NewCitizen("A B"))
    return arrivals.register_arrival(ctx, form)


CALLS: dict[Permission, Call] = {
    Permission.REGISTER: _register,
    Permission.SEARCH: lambda ctx, _t: citizens.search(ctx, "ab"),
    Permission.READ_CITIZEN: lambda ctx, _t: citizens.lookup_cpr(ctx, "0101901234"),
    Permission.VISIT: lambda ctx, _t: visitation.free_sites(ctx, ctx.clock.today()),
    Permission.MANAGE_STAFF: lambda ctx, _t: staff.list_staff(ctx),
    Permission.AUDIT: lambda ctx, _t: access_request.citizen_log(
        ctx, "0101901234", action=AuditAction.READ
    ),
    Permission.BACKUP: lambda ctx, tmp: backup.backup(ctx, tmp / "b.sqlite"),
    Permission.RETENTION: lambda ctx, _t: retention.retention(ctx),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(CALLS))
def test_role_boundary(
    sqlite_database: Database, tmp_path: Path, role: Role, permission: Permission
) -> None:
    make_ctx(sqlite_database, "boss", roles="admin,reception")  # the citizen for the reads
    _register(make_ctx(sqlite_database, "boss", roles="admin,reception"), tmp_path)
    ctx = make_ctx(sqlite_database, "who", roles=role.value)
    call = CALLS[permission]
    if permission in ROLE_PERMISSIONS[role]:
        # Allowed; the data may still say no (e.g. the citizen is registered already).
        with contextlib.suppress(ValidationError):
            call(ctx, tmp_path)
    else:
        with pytest.raises(PermissionDenied, match="may not"):
            call(ctx, tmp_path)


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
    "args",
    [
        ["audit", "verify"],
        ["audit", "citizen", "0101901234"],
        ["backup", "x.sqlite"],
        ["retention"],
        ["staff", "list"],
        ["staff", "add", "zz", "Zed", "--roles", "admin"],
    ],
)
def test_a_command_the_role_may_not_run_says_so(sqlite_database: Database, args: list[str]) -> None:
    make_ctx(sqlite_database, "boss", roles="admin")
    make_ctx(sqlite_database, "rec", roles="reception,consultant,supervisor")
    result = cli(sqlite_database, "rec", *args)
    assert result.exit_code == 1
    assert "may not" in one_line_error(result)


# -- identity and first run ----------------------------------------------------------------------


def test_first_user_becomes_admin_then_others_are_refused(tmp_path: Path) -> None:
    url = str(tmp_path / "new.sqlite")
    first = cli(url, "ab", "staff", "list")
    assert first.exit_code == 0, first.output
    assert "admin" in first.stdout
    refused = cli(url, "cd", "staff", "list")
    assert "cd is not a member of staff" in one_line_error(refused)


def test_os_login_maps_to_staff(sqlite_database: Database) -> None:
    ctx = make_ctx(sqlite_database, "boss", roles="admin")
    staff.add_staff(
        ctx, "jph", "Jens Peter Hansen", "consultant", os_login="Jens.Peter.Hansen.long"
    )
    info = staff.resolve_staff(sqlite_database, "jens.peter.hansen.long")  # > 16 characters
    assert info.initials == "jph"
    assert info.roles == frozenset({Role.CONSULTANT})
    result = cli(sqlite_database, "jens.peter.hansen.long", "staff", "list")
    assert "may not" in one_line_error(result)


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
    assert "Unknown role" in one_line_error(bad)
    rows = sqlite_database.read(lambda s: s.exec(select(Staff)).all())
    assert {r.initials for r in rows} == {"boss", "rk"}


def test_setup_visits_helper_is_usable(sqlite_database: Database) -> None:
    # The crash and soak tests build on this: a consultant may do the whole conversation.
    setup = setup_visits(sqlite_database)
    assert setup["ctx"].can(Permission.VISIT)

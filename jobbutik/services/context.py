"""Who is working, on which database, on which day, under which rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from jobbutik.domain.clock import Clock
from jobbutik.domain.errors import PermissionDenied
from jobbutik.domain.i18n import _
from jobbutik.store.models import Role

if TYPE_CHECKING:
    from jobbutik.domain.rules import RuleBook
    from jobbutik.store.db import Database


class Permission(StrEnum):
    REGISTER = "register"
    SEARCH = "search"
    READ_CITIZEN = "read_citizen"
    VISIT = "visit"
    FOLLOW_UP = "follow_up"
    REASSIGN = "reassign"
    MANAGE_OPENINGS = "manage_openings"
    MANAGE_SITES = "manage_sites"
    REPORTS = "reports"
    IMPORT = "import"
    EXPORT = "export"
    MANAGE_STAFF = "manage_staff"
    AUDIT = "audit"
    BACKUP = "backup"
    RETENTION = "retention"


_RECEPTION = frozenset(
    {Permission.REGISTER, Permission.SEARCH, Permission.READ_CITIZEN, Permission.MANAGE_OPENINGS}
)
_CONSULTANT = _RECEPTION | {Permission.VISIT, Permission.FOLLOW_UP}
_SUPERVISOR = _CONSULTANT | {
    Permission.REASSIGN,
    Permission.MANAGE_SITES,
    Permission.REPORTS,
    Permission.IMPORT,
    Permission.EXPORT,
}
# Admin runs the system (staff, audit, backups, retention), not case work: a data-protection
# officer expects those duties apart. A person who does both holds both roles.
_ADMIN = frozenset(
    {
        Permission.MANAGE_STAFF,
        Permission.AUDIT,
        Permission.BACKUP,
        Permission.RETENTION,
        Permission.IMPORT,
        Permission.EXPORT,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RECEPTION: _RECEPTION,
    Role.CONSULTANT: _CONSULTANT,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _ADMIN,
}


@dataclass(frozen=True)
class StaffInfo:
    id: int
    initials: str
    name: str
    roles: frozenset[Role]

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset().union(*(ROLE_PERMISSIONS[r] for r in self.roles))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass
class ServiceContext:
    """Everything a service call needs. Built once per program run (or per test)."""

    db: Database
    user: str
    clock: Clock = field(default_factory=Clock)
    rules: RuleBook | None = None
    _staff: StaffInfo | None = field(default=None, init=False, repr=False)

    @property
    def rulebook(self) -> RuleBook:
        if self.rules is None:
            from jobbutik.domain.rules import load_rulebook

            self.rules = load_rulebook()
        return self.rules

    def staff(self) -> StaffInfo:
        """The staff member working; resolved (and on an empty database, created) once."""
        if self._staff is None:
            from jobbutik.services.staff import resolve_staff

            self._staff = resolve_staff(self.db, self.user)
        return self._staff

    def can(self, permission: Permission) -> bool:
        return self.staff().can(permission)

    def require(self, permission: Permission) -> StaffInfo:
        staff = self.staff()
        if not staff.can(permission):
            raise PermissionDenied(
                _("{initials} may not do this ({permission}): ask a supervisor or admin.").format(
                    initials=staff.initials, permission=permission.value
                )
            )
        return staff

"""Who is working, on which database, on which day, under which rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jobbutik.domain.clock import Clock
from jobbutik.domain.errors import PermissionDenied
from jobbutik.domain.i18n import _
from jobbutik.domain.permissions import ROLE_PERMISSIONS as ROLE_PERMISSIONS  # re-export
from jobbutik.domain.permissions import permissions_of
from jobbutik.domain.vocabulary import Permission, Role

if TYPE_CHECKING:
    from jobbutik.domain.rules import RuleBook
    from jobbutik.store.db import Database


@dataclass(frozen=True)
class StaffInfo:
    id: int
    initials: str
    name: str
    roles: frozenset[Role]

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass
class ServiceContext:
    """Everything a service call needs, as plain data: built once per program run (or per test)
    by `services.config.build_context` / `context_for`, which look up the staff member."""

    db: Database
    staff: StaffInfo  # who is working
    clock: Clock
    rulebook: RuleBook

    def can(self, permission: Permission) -> bool:
        return self.staff.can(permission)

    def require(self, permission: Permission) -> StaffInfo:
        staff = self.staff
        if not staff.can(permission):
            raise PermissionDenied(
                _("{initials} may not do this ({permission}): ask a supervisor or admin.").format(
                    initials=staff.initials, permission=permission.label
                )
            )
        return staff

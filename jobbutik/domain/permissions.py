"""What each role may do."""

from __future__ import annotations

from jobbutik.domain.vocabulary import Permission, Role

_RECEPTION = frozenset(
    {Permission.REGISTER, Permission.SEARCH, Permission.READ_CITIZEN, Permission.MANAGE_OPENINGS}
)
# Possible-sanction flags and their hearings are case work: reception never sees them.
_CONSULTANT = _RECEPTION | {Permission.VISIT, Permission.FOLLOW_UP, Permission.HEARINGS}
_SUPERVISOR = _CONSULTANT | {
    Permission.REASSIGN,
    Permission.RELEASE_CLAIM,
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


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    return frozenset().union(*(ROLE_PERMISSIONS[r] for r in roles))

"""Staff identity and roles."""

from __future__ import annotations

from sqlmodel import Session, func, select

from jobbutik.db import Database
from jobbutik.errors import PermissionDenied, ValidationError
from jobbutik.i18n import _
from jobbutik.models import Role, Staff
from jobbutik.services.context import StaffInfo


def staff_info(staff: Staff) -> StaffInfo:
    assert staff.id is not None
    return StaffInfo(staff.id, staff.initials, staff.name, staff.role_set)


def normalise_initials(initials: str) -> str:
    text = initials.strip().lower()
    if not text or len(text) > 16 or not all(c.isalnum() or c in "-_." for c in text):
        raise ValidationError(
            _("Initials must be 1-16 letters or digits, got {value!r}.").format(value=initials),
            field="initials",
        )
    return text


def resolve_staff(db: Database, initials: str) -> StaffInfo:
    """The staff record for `initials` (or an OS login mapped to one).

    On a database with no staff yet, the first user becomes its admin, so a scripted set-up works.
    """
    key = normalise_initials(initials)

    def find(session: Session) -> Staff | None:
        return session.exec(
            select(Staff).where((Staff.initials == key) | (Staff.os_login == key))
        ).first()

    staff = db.read(find)
    if staff is None:

        def bootstrap(session: Session) -> Staff | None:
            existing = find(session)
            if existing is not None:
                return existing
            if session.exec(select(func.count()).select_from(Staff)).one() > 0:
                return None
            first = Staff(initials=key, name=key.upper(), roles=Role.ADMIN.value)
            session.add(first)
            session.flush()
            return first

        staff = db.write(bootstrap)
    if staff is None:
        raise PermissionDenied(
            _("{initials} is not a member of staff in this database.").format(initials=key)
        )
    if not staff.active:
        raise PermissionDenied(_("{initials} is no longer active.").format(initials=key))
    return staff_info(staff)

"""Staff identity, roles and their management.

Who is working comes from the channel (services.config / services.identity): the real OS account is
matched against a staff record's `os_login`, or its initials when it has no login of its own; SSH
keys and demo databases give initials. Initials and OS logins are unique across both columns, so a
name can never mean two people. A new database gets its first admin in `db init` (or the demo),
never by whoever opens it first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, func, select

from jobbutik.domain.contact import check_name
from jobbutik.domain.errors import FormErrors, NotFound, PermissionDenied, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.text import require_plain_text
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import pgroles
from jobbutik.services.context import Permission, ServiceContext, StaffInfo
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, Role, Staff

Lookup = Literal["initials", "os_login"]


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


def _lookup(session: Session, key: str, by: Lookup) -> Staff | None:
    """The one staff row `key` names. An OS login matches `os_login` first, then the initials of
    a row without a login; initials match initials only. Never "whichever row comes first"."""
    if by == "os_login":
        row = session.exec(select(Staff).where(Staff.os_login == key)).first()
        if row is not None:
            return row
        return session.exec(
            select(Staff).where(Staff.initials == key, col(Staff.os_login).is_(None))
        ).first()
    return session.exec(select(Staff).where(Staff.initials == key)).first()


def resolve_staff(db: Database, key: str, *, by: Lookup = "initials") -> StaffInfo:
    """The active staff member `key` names (initials, or an OS login with `by="os_login"`)."""
    text = key.strip().lower()
    try:
        wanted = normalise_initials(text) if by == "initials" else normalise_login(text) or ""
    except ValidationError:
        wanted = ""
    staff = db.read(lambda session: _lookup(session, wanted, by)) if wanted else None
    if staff is None:
        raise PermissionDenied(
            _(
                "{name} is not a member of staff in this database: an admin adds you with "
                "`jobbutik staff add` (your OS login is set with --os-login)."
            ).format(name=text or "?")
        )
    if not staff.active:
        raise PermissionDenied(_("{initials} is no longer active.").format(initials=staff.initials))
    return staff_info(staff)


def create_first_admin(
    db: Database, initials: str, name: str, os_login: str | None, *, at: datetime
) -> StaffInfo:
    """The new database's first admin (`db init`); refused when the database has staff."""
    from jobbutik.services import audit

    key = normalise_initials(initials)
    login = normalise_login(os_login)
    clean_name = " ".join(name.split()) or key.upper()
    if problem := check_name(clean_name):
        raise ValidationError(problem, field="name")

    def work(session: Session) -> Staff:
        if session.exec(select(func.count()).select_from(Staff)).one() > 0:
            raise ValidationError(
                _(
                    "This database already has staff: an admin adds people with "
                    "`jobbutik staff add`."
                )
            )
        first = Staff(
            initials=key,
            name=clean_name,
            roles=Role.ADMIN.value,
            os_login=login if login != key else None,
        )
        session.add(first)
        session.flush()
        audit.record(
            session,
            actor=key,
            action=AuditAction.CREATE,
            entity=AuditEntity.STAFF,
            entity_id=first.id,
            detail=f"{key}: first admin of a new database",
            at=at,
        )
        return first

    return staff_info(db.write(work))


# -- management (admins) -----------------------------------------------------------------------
#
# Every change is audited (entity "staff", no citizen), and the database is never left without an
# active admin: removing the role from, or deactivating, the last one is refused.


@dataclass(frozen=True)
class StaffRow:
    id: int
    initials: str
    name: str
    roles: tuple[str, ...]  # in Role order
    os_login: str | None
    active: bool


def _row(staff: Staff) -> StaffRow:
    assert staff.id is not None
    order = list(Role)
    roles = tuple(r.value for r in sorted(staff.role_set, key=order.index))
    return StaffRow(staff.id, staff.initials, staff.name, roles, staff.os_login, staff.active)


def parse_roles(roles: str | Iterable[str]) -> frozenset[Role]:
    """Roles from `reception,consultant` (or a list); ValidationError names the unknown one."""
    items = roles.split(",") if isinstance(roles, str) else list(roles)
    found: set[Role] = set()
    for item in items:
        text = item.strip().lower()
        if not text:
            continue
        try:
            found.add(Role(text))
        except ValueError:
            raise ValidationError(
                _("Unknown role {role!r}: choose from {roles}.").format(
                    role=text, roles=", ".join(r.value for r in Role)
                ),
                field="roles",
            ) from None
    if not found:
        raise ValidationError(_("Give the person at least one role."), field="roles")
    return frozenset(found)


def _role_text(roles: frozenset[Role]) -> str:
    return ",".join(r.value for r in Role if r in roles)


def normalise_login(login: str | None) -> str | None:
    if login is None or not login.strip():
        return None
    text = login.strip().lower()
    if len(text) > 64 or any(c.isspace() or c in ",;:/\\" for c in text):
        raise ValidationError(
            _("An operating-system login is at most 64 characters without spaces."),
            field="os_login",
        )
    return text


def _find(session: Session, initials: str) -> Staff:
    key = normalise_initials(initials)
    staff = session.exec(select(Staff).where(Staff.initials == key)).first()
    if staff is None:
        raise NotFound(_("There is no member of staff {initials}.").format(initials=key))
    return staff


def _other_active_admins(session: Session, staff_id: int | None) -> int:
    rows = session.exec(select(Staff).where(col(Staff.active).is_(True))).all()
    return sum(1 for s in rows if s.id != staff_id and Role.ADMIN in s.role_set)


def _keep_an_admin(session: Session, row: Staff, *, field: str) -> None:
    """Refuse to let `row` stop being an admin (role taken away, or deactivated) when it is the
    only active admin: a ValidationError on `field`."""
    if row.active and Role.ADMIN in row.role_set and _other_active_admins(session, row.id) == 0:
        raise ValidationError(
            _("{initials} is the only admin: make someone else admin first.").format(
                initials=row.initials
            ),
            field=field,
        )


def _audit(
    session: Session, ctx: ServiceContext, actor: str, action: AuditAction, row: Staff, detail: str
) -> None:
    from jobbutik.services import audit

    audit.record(
        session,
        actor=actor,
        action=action,
        entity=AuditEntity.STAFF,
        entity_id=row.id,
        detail=f"{row.initials}: {detail}",
        at=ctx.clock.now(),
    )


def _follow_login_role(session: Session, old_login: str | None, row: Staff) -> None:
    """PostgreSQL: the member's login role follows the row, in the same transaction (created
    with the groups of their roles, NOLOGIN while inactive); a login taken off the row loses this
    database's groups. Elsewhere the channel gives identity and nothing is done here."""
    if not pgroles.is_postgresql(session):
        return
    if old_login and old_login != row.os_login:
        pgroles.sync_login(session, old_login, (), active=False)
    if row.os_login:
        pgroles.sync_login(session, row.os_login, row.role_set, active=row.active)


def list_staff(ctx: ServiceContext, *, include_inactive: bool = True) -> list[StaffRow]:
    ctx.require(Permission.MANAGE_STAFF)

    def work(session: Session) -> list[StaffRow]:
        query = select(Staff).order_by(col(Staff.initials))
        if not include_inactive:
            query = query.where(col(Staff.active).is_(True))
        return [_row(s) for s in session.exec(query).all()]

    return ctx.db.read(work)


def add_staff(
    ctx: ServiceContext,
    initials: str,
    name: str,
    roles: str | Iterable[str],
    *,
    os_login: str | None = None,
) -> StaffRow:
    """A new member of staff. Initials and OS login are unique (case-insensitive)."""
    me = ctx.require(Permission.MANAGE_STAFF)
    require_plain_text({"initials": initials, "name": name, "os_login": os_login})
    errors: dict[str, str] = {}
    key = ""
    try:
        key = normalise_initials(initials)
    except ValidationError as exc:
        errors["initials"] = str(exc)
    clean_name = " ".join(name.split())
    if problem := check_name(clean_name):
        errors["name"] = problem
    role_set: frozenset[Role] = frozenset()
    try:
        role_set = parse_roles(roles)
    except ValidationError as exc:
        errors["roles"] = str(exc)
    login: str | None = None
    try:
        login = normalise_login(os_login)
    except ValidationError as exc:
        errors["os_login"] = str(exc)
    if errors:
        raise FormErrors(errors)

    def work(session: Session) -> StaffRow:
        if _login_taken(session, key, None):
            raise ValidationError(
                _("{initials} is already a member of staff (or another one's login).").format(
                    initials=key
                ),
                field="initials",
            )
        if login is not None and _login_taken(session, login, None):
            raise ValidationError(
                _("The login {login} already belongs to another member of staff.").format(
                    login=login
                ),
                field="os_login",
            )
        row = Staff(initials=key, name=clean_name, roles=_role_text(role_set), os_login=login)
        session.add(row)
        session.flush()
        _audit(session, ctx, me.initials, AuditAction.CREATE, row, row.roles)
        _follow_login_role(session, None, row)
        return _row(row)

    return ctx.db.write(work)


def _login_taken(session: Session, name: str, staff_id: int | None) -> bool:
    """Whether another member of staff has `name` as initials or OS login: one name, one
    person, across both columns."""
    query = select(Staff.id).where((Staff.os_login == name) | (Staff.initials == name))
    if staff_id is not None:
        query = query.where(Staff.id != staff_id)
    return session.exec(query).first() is not None


def set_roles(ctx: ServiceContext, initials: str, roles: str | Iterable[str]) -> StaffRow:
    me = ctx.require(Permission.MANAGE_STAFF)
    role_set = parse_roles(roles)

    def work(session: Session) -> StaffRow:
        row = _find(session, initials)
        if Role.ADMIN not in role_set:
            _keep_an_admin(session, row, field="roles")
        row.roles = _role_text(role_set)
        session.add(row)
        _audit(session, ctx, me.initials, AuditAction.UPDATE, row, f"roles {row.roles}")
        _follow_login_role(session, row.os_login, row)
        return _row(row)

    return ctx.db.write(work)


def set_active(ctx: ServiceContext, initials: str, active: bool) -> StaffRow:
    """Deactivate (the person can no longer work; their history stays) or reactivate."""
    me = ctx.require(Permission.MANAGE_STAFF)

    def work(session: Session) -> StaffRow:
        row = _find(session, initials)
        if not active and row.id == me.id:
            raise ValidationError(
                _("You cannot deactivate yourself: ask another admin."), field="active"
            )
        if not active:
            _keep_an_admin(session, row, field="active")
        if row.active != active:
            row.active = active
            session.add(row)
            what = "activated" if active else "deactivated"
            _audit(session, ctx, me.initials, AuditAction.UPDATE, row, what)
        _follow_login_role(session, row.os_login, row)
        return _row(row)

    return ctx.db.write(work)


def update_staff(
    ctx: ServiceContext, initials: str, *, name: str | None = None, os_login: str | None = None
) -> StaffRow:
    """Change the name and/or the operating-system login (`""` removes the login)."""
    me = ctx.require(Permission.MANAGE_STAFF)
    require_plain_text({"name": name, "os_login": os_login})
    clean_name = None if name is None else " ".join(name.split())
    if clean_name is not None and (problem := check_name(clean_name)):
        raise ValidationError(problem, field="name")
    login = normalise_login(os_login) if os_login is not None else None

    def work(session: Session) -> StaffRow:
        row = _find(session, initials)
        old_login = row.os_login
        changes = []
        if clean_name is not None and clean_name != row.name:
            row.name = clean_name
            changes.append("name")
        if os_login is not None and login != row.os_login:
            if login is not None and _login_taken(session, login, row.id):
                raise ValidationError(
                    _("The login {login} already belongs to another member of staff.").format(
                        login=login
                    ),
                    field="os_login",
                )
            row.os_login = login
            changes.append(f"os_login {login or '-'}")
        if changes:
            session.add(row)
            _audit(session, ctx, me.initials, AuditAction.UPDATE, row, ", ".join(changes))
        _follow_login_role(session, old_login, row)
        return _row(row)

    return ctx.db.write(work)


def edit_staff(
    ctx: ServiceContext, initials: str, *, name: str, os_login: str, roles: str | Iterable[str]
) -> StaffRow:
    """Name, login and roles in one transaction (the staff screen's form)."""
    me = ctx.require(Permission.MANAGE_STAFF)
    require_plain_text({"name": name, "os_login": os_login})
    errors: dict[str, str] = {}
    clean_name = " ".join(name.split())
    if problem := check_name(clean_name):
        errors["name"] = problem
    login: str | None = None
    try:
        login = normalise_login(os_login)
    except ValidationError as exc:
        errors["os_login"] = str(exc)
    role_set: frozenset[Role] = frozenset()
    try:
        role_set = parse_roles(roles)
    except ValidationError as exc:
        errors["roles"] = str(exc)
    if errors:
        raise FormErrors(errors)

    def work(session: Session) -> StaffRow:
        row = _find(session, initials)
        if Role.ADMIN not in role_set:
            _keep_an_admin(session, row, field="roles")
        if login is not None and _login_taken(session, login, row.id):
            raise ValidationError(
                _("The login {login} already belongs to another member of staff.").format(
                    login=login
                ),
                field="os_login",
            )
        changes = []
        if clean_name != row.name:
            changes.append("name")
        if login != row.os_login:
            changes.append(f"os_login {login or '-'}")
        if _role_text(role_set) != row.roles:
            changes.append(f"roles {_role_text(role_set)}")
        old_login = row.os_login
        row.name, row.os_login, row.roles = clean_name, login, _role_text(role_set)
        if changes:
            session.add(row)
            _audit(session, ctx, me.initials, AuditAction.UPDATE, row, ", ".join(changes))
        _follow_login_role(session, old_login, row)
        return _row(row)

    return ctx.db.write(work)

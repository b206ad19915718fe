"""A citizen's own log for an access request (indsigt, GDPR art. 15): every logged use of their
data, read from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from jobbutik.domain.errors import NotFound
from jobbutik.domain.i18n import _
from jobbutik.domain.identity import fold_name, mask_cpr
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.services.audit import read_anchor, record, seal_within
from jobbutik.services.citizens import parse_cpr_field
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.store.models import AuditAction, AuditEntry, Citizen


@dataclass(frozen=True)
class CitizenAccess:
    at: datetime
    actor: str
    action: str
    entity: str
    purpose: str
    detail: str


@dataclass(frozen=True)
class CitizenLog:
    citizen_id: int
    name: str
    cpr_masked: str
    entries: tuple[CitizenAccess, ...]  # oldest first
    generated: datetime
    kept_since: date | None  # the log holds nothing older (retention); None: never purged


def citizen_log(ctx: ServiceContext, cpr_text: str, *, action: AuditAction) -> CitizenLog:
    """Every logged use of one citizen's data, for an access request (indsigt).

    Entries carrying the citizen, plus searches for their exact CPR number or full name (a search
    is logged with its term, not its hits). The export is logged first, in the same transaction,
    so it lists itself. Needs the audit permission (admin).
    """
    staff = ctx.require(Permission.AUDIT)
    digits = parse_cpr_field(ctx, cpr_text)
    now = ctx.clock.now()

    def work(session: Session) -> CitizenLog:
        citizen = session.exec(select(Citizen).where(Citizen.cpr == digits)).first()
        if citizen is None or citizen.id is None:
            raise NotFound(
                _("No citizen with CPR number {cpr} (an anonymised one cannot be found).").format(
                    cpr=mask_cpr(digits)
                )
            )
        record(
            session,
            actor=staff.initials,
            action=action,
            entity=AuditEntity.AUDIT,
            entity_id=citizen.id,
            citizen_id=citizen.id,
            purpose=AuditPurpose.ACCESS_REQUEST,
            at=now,
        )
        session.flush()
        seal_within(session)
        terms = {digits, f"{digits[:6]}-{digits[6:]}"}
        rows = session.exec(
            select(AuditEntry)
            .where(
                or_(
                    col(AuditEntry.citizen_id) == citizen.id,
                    (col(AuditEntry.action) == AuditAction.SEARCH.value)
                    & col(AuditEntry.citizen_id).is_(None)
                    & col(AuditEntry.detail).in_(terms | {citizen.name, citizen.name.lower()}),
                )
            )
            .order_by(col(AuditEntry.seq))
        ).all()
        folded = fold_name(citizen.name)
        entries = tuple(
            CitizenAccess(r.at, r.actor, r.action, r.entity, r.purpose, r.detail)
            for r in rows
            if r.action != AuditAction.SEARCH.value
            or r.citizen_id is not None
            or r.detail in terms
            or fold_name(r.detail) == folded
        )
        anchor = read_anchor(session)
        kept_since = None
        if anchor is not None:
            oldest = session.exec(select(func.min(AuditEntry.at))).one()
            kept_since = oldest.date() if oldest is not None else None
        return CitizenLog(citizen.id, citizen.name, mask_cpr(digits), entries, now, kept_since)

    return ctx.db.write(work)

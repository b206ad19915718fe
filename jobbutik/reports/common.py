"""What every report shares: the municipality's name and the audit entry for each run."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit
from jobbutik.services.context import ServiceContext
from jobbutik.store.models import AuditAction
from jobbutik.store.settings import setting

MUNICIPALITY_KEY = "municipality"
DEFAULT_MUNICIPALITY = "Jobcentret"


def municipality(session: Session) -> str:
    return setting(session, MUNICIPALITY_KEY) or DEFAULT_MUNICIPALITY


def log_report(
    ctx: ServiceContext,
    action: AuditAction,
    detail: str,
    citizen_ids: Iterable[int] = (),
    *,
    entity: str = AuditEntity.REPORT,
) -> None:
    """Write the audit entry for a report shown, exported or printed.

    One entry for the report (`detail`: its name and period), plus one per citizen it shows, so a
    citizen's own log (an access request) lists every report that carried their data."""
    staff = ctx.staff
    now = ctx.clock.now()
    ids = sorted(set(citizen_ids))

    def work(session: Session) -> None:
        audit.record(
            session, actor=staff.initials, action=action, entity=entity, detail=detail, at=now
        )
        for citizen_id in ids:
            audit.record(
                session,
                actor=staff.initials,
                action=action,
                entity=entity,
                citizen_id=citizen_id,
                detail=detail,
                at=now,
            )

    ctx.db.write(work)

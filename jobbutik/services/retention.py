"""Retention: citizens whose cases closed longer ago than the configured period are anonymised
(default) or deleted (DESIGN §5), and the audit log's own old entries are purged.

A citizen's case is closed when every request is closed (visitation done, no-show or withdrawn),
no activation is planned or running, no follow-up is open and no hearing is undecided. It closed
on the latest of those events (a request closed, a follow-up done, an activation ended, a
referral's outcome, a hearing decided); a citizen with no case at all counts from their
registration. Nothing may have happened since the cut-off.

Settings (the `Setting` table): `retention_years` (when missing, the local rule value
`retention_years` of the rule set in force: 5 in the bundled local.toml), `retention_mode`
(`anonymise` — the rows that statistics count stay, every personal detail and free text goes — or
`delete`), `audit_retention_years` (see services/audit.py), `draft_retention_days`
(services/drafts.py: unsaved drafts not kept again for that long are deleted when the run is
applied).

`retention()` is a dry run unless `apply`: it lists who would go. Applying works in batches, each
its own short transaction that checks each citizen again (someone may have arrived meanwhile), so
the desks keep working. Every citizen listed or changed is written to the audit log.

Nothing personal about them is left behind: in the same transaction the audit log's details about
them is masked (`audit.mask_citizens`: the search terms holding their full CPR number or name;
the chain still verifies), and once it commits their saved receipts are
deleted. Applying also sweeps the program's own report and receipt folders of files older than
`output_retention_days` (services/retention_files.py). On PostgreSQL applying runs as the owner:
it changes the audit log and every desk's drafts, which no desk role may (a desk may list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, delete, exists, func, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.clock import LOCAL_TZ, local
from jobbutik.domain.errors import PermissionDenied
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditEntity, AuditPurpose
from jobbutik.services import audit, drafts, retention_files
from jobbutik.services.audit import AuditPurge, Person, years_before
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.pgroles import desk_login
from jobbutik.services.retention_files import Removed
from jobbutik.store.models import (
    Activation,
    ActivationStatus,
    AuditAction,
    Citizen,
    FollowUp,
    Hearing,
    HearingStatus,
    Referral,
    Request,
    Visitation,
    Withdrawal,
)
from jobbutik.store.settings import setting_choice, setting_int

YEARS_KEY = "retention_years"
MODE_KEY = "retention_mode"
MODES = ("anonymise", "delete")
ANONYMOUS_NAME = "Anonymiseret"
BATCH = 100
_OPEN_ACTIVATION = (ActivationStatus.PLANNED.value, ActivationStatus.STARTED.value)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Candidate:
    citizen_id: int
    cpr_masked: str
    name: str
    closed_on: date


@dataclass(frozen=True)
class RetentionResult:
    cutoff: date
    years: int
    mode: str
    candidates: tuple[Candidate, ...]
    applied: bool
    done: int  # citizens anonymised or deleted (0 in a dry run)
    audit: AuditPurge | None
    drafts: int = 0  # old drafts deleted (0 in a dry run)
    masked: int = 0  # search terms naming these citizens masked in the audit log
    receipts: Removed = field(default_factory=Removed)  # the citizens' receipts deleted
    swept: Removed = field(default_factory=Removed)  # old output files removed (dry: to remove)
    output_days: int = retention_files.DEFAULT_DAYS


def settings(session: Session, default_years: int) -> tuple[int, str]:
    """(years, mode) from the Setting table, `default_years` when the years are not set; a bad
    value is refused, never guessed."""
    return (
        setting_int(session, YEARS_KEY, default_years, minimum=1),
        setting_choice(session, MODE_KEY, MODES),
    )


def _eligible(cutoff_at: datetime, cutoff_day: date) -> Any:
    """A WHERE clause: the citizen's case is closed, and closed before the cut-off."""
    cid = col(Citizen.id)
    return and_(
        col(Citizen.anonymised_at).is_(None),
        col(Citizen.created_at) < cutoff_at,
        ~exists().where(
            col(Request.citizen_id) == cid,
            (col(Request.closed_at).is_(None)) | (col(Request.closed_at) >= cutoff_at),
        ),
        ~exists().where(
            col(FollowUp.citizen_id) == cid,
            (col(FollowUp.done_at).is_(None)) | (col(FollowUp.done_at) >= cutoff_at),
        ),
        ~exists().where(
            col(Activation.citizen_id) == cid,
            col(Activation.status).in_(_OPEN_ACTIVATION)
            | (col(Activation.created_at) >= cutoff_at)
            | (col(Activation.end_date) >= cutoff_day),
        ),
        ~exists().where(
            col(Referral.citizen_id) == cid,
            (col(Referral.referred_on) >= cutoff_day) | (col(Referral.outcome_on) >= cutoff_day),
        ),
        ~exists().where(col(Visitation.citizen_id) == cid, col(Visitation.held_on) >= cutoff_day),
        ~exists().where(
            col(Hearing.citizen_id) == cid,
            (col(Hearing.status) != HearingStatus.DECIDED.value)
            | (col(Hearing.decided_on) >= cutoff_day),
        ),
    )


def _as_day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return local(moment).date()
    if isinstance(value, date):
        return value
    return _as_day(datetime.fromisoformat(str(value)))


def _closed_on(session: Session, ids: list[int]) -> dict[int, date]:
    latest: dict[int, date] = {}

    def take(rows: Any) -> None:
        for citizen_id, value in rows:
            day = _as_day(value)
            if day is not None and (citizen_id not in latest or day > latest[citizen_id]):
                latest[citizen_id] = day

    for column, key in (
        (Citizen.created_at, Citizen.id),
        (Request.closed_at, Request.citizen_id),
        (FollowUp.done_at, FollowUp.citizen_id),
        (Activation.end_date, Activation.citizen_id),
        (Referral.outcome_on, Referral.citizen_id),
        (Hearing.decided_on, Hearing.citizen_id),
    ):
        take(
            session.execute(
                select_columns(col(key), func.max(col(column)))
                .where(col(key).in_(ids))
                .group_by(col(key))
            ).all()
        )
    return latest


def _candidates(session: Session, cutoff_at: datetime, cutoff_day: date) -> list[Candidate]:
    from jobbutik.domain.identity import mask_cpr

    rows = session.execute(
        select_columns(col(Citizen.id), col(Citizen.cpr), col(Citizen.name))
        .where(_eligible(cutoff_at, cutoff_day))
        .order_by(col(Citizen.id))
    ).all()
    found: list[Candidate] = []
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        closed = _closed_on(session, [r[0] for r in chunk])
        for citizen_id, cpr, name in chunk:
            found.append(Candidate(citizen_id, mask_cpr(cpr), name, closed[citizen_id]))
    return found


def _anonymise(session: Session, ids: list[int], now: datetime) -> None:
    for citizen in session.exec(select(Citizen).where(col(Citizen.id).in_(ids))).all():
        assert citizen.id is not None
        citizen.cpr = f"00{citizen.id:08d}"  # day 00: never a real CPR number, still unique
        citizen.name = ANONYMOUS_NAME
        citizen.name_folded = ANONYMOUS_NAME.lower()
        citizen.birth_date = date(citizen.birth_date.year, 1, 1)  # age statistics stay right
        citizen.phone = None
        citizen.email = None
        citizen.postcode = None
        citizen.interpreter_language = None
        citizen.needs_digital_help = False
        citizen.anonymised_at = now
        session.add(citizen)
    session.flush()
    session.execute(
        update(Visitation)
        .where(col(Visitation.citizen_id).in_(ids))
        .values(
            job_wishes="",
            restrictions="",
            digital_skills="",
            override_reason="",
            exemption_reason="",
            injunction_goal="",
        )
    )
    session.execute(
        update(Request).where(col(Request.citizen_id).in_(ids)).values(no_show_reason="")
    )
    session.execute(
        update(Hearing).where(col(Hearing.citizen_id).in_(ids)).values(stated_reason="", note="")
    )
    session.execute(update(FollowUp).where(col(FollowUp.citizen_id).in_(ids)).values(note=""))
    session.execute(update(Withdrawal).where(col(Withdrawal.citizen_id).in_(ids)).values(note=""))


def _delete(session: Session, ids: list[int]) -> None:
    # Hearings first: they point at follow-ups and requests.
    for table in (Hearing, FollowUp, Referral, Activation, Withdrawal, Visitation, Request):
        session.execute(delete(table).where(col(table.citizen_id).in_(ids)))
    session.execute(delete(Citizen).where(col(Citizen.id).in_(ids)))


def retention(
    ctx: ServiceContext, *, apply: bool = False, progress: Progress | None = None
) -> RetentionResult:
    """List (dry run) or anonymise/delete the citizens whose cases closed before the period."""
    staff = ctx.require(Permission.RETENTION)
    today, now = ctx.clock.today(), ctx.clock.now()
    # The local rule value is the default; a setting in the database still wins.
    default_years = ctx.rulebook.in_force(today).retention_years
    years, mode, output_days = ctx.db.read(
        lambda session: (*settings(session, default_years), retention_files.output_days(session))
    )
    cutoff_day = years_before(today, years)
    cutoff_at = datetime.combine(cutoff_day, time(), tzinfo=LOCAL_TZ)

    def listing(session: Session) -> list[Candidate]:
        found = _candidates(session, cutoff_at, cutoff_day)
        if not apply:
            audit.record(
                session,
                actor=staff.initials,
                action=AuditAction.READ,
                entity=AuditEntity.RETENTION,
                detail=f"dry run: {len(found)} citizens closed before {cutoff_day.isoformat()}",
                purpose=AuditPurpose.RETENTION,
                at=now,
            )
            for c in found:
                audit.record(
                    session,
                    actor=staff.initials,
                    action=AuditAction.READ,
                    entity=AuditEntity.CITIZEN,
                    entity_id=c.citizen_id,
                    citizen_id=c.citizen_id,
                    purpose=AuditPurpose.RETENTION_REVIEW,
                    at=now,
                )
        return found

    candidates = ctx.db.write(listing)
    if not apply:
        swept = retention_files.sweep(ctx.db.path, now, output_days, apply=False)
        return RetentionResult(
            cutoff_day,
            years,
            mode,
            tuple(candidates),
            False,
            0,
            None,
            swept=swept,
            output_days=output_days,
        )

    if ctx.db.backend == "postgresql" and desk_login(ctx.db) is not None:
        # A desk would anonymise the citizens and leave the search terms naming them unmasked
        # for good (nothing left to match them by), and purge only its own drafts.
        raise PermissionDenied(
            _(
                "On PostgreSQL, `jobbutik retention --apply` runs as the database owner: it "
                "changes the audit log and every desk's drafts (e.g. from the owner's cron)."
            )
        )
    done, masked, visits = 0, 0, []
    ids = [c.citizen_id for c in candidates]
    closed = {c.citizen_id: c.closed_on for c in candidates}
    if progress is not None:
        progress(0, len(ids))
    # PostgreSQL: the searches committed so far into the chain, where they are masked (sealed
    # before the batches, not in them: a seal inside would keep every desk's seal waiting).
    ctx.db.seal_audit()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]

        def work(session: Session, chunk: list[int] = chunk) -> tuple[int, int, list[int]]:
            # Checked again under the write lock: a citizen who came back is kept.
            still = list(
                session.execute(
                    select_columns(col(Citizen.id)).where(
                        col(Citizen.id).in_(chunk), _eligible(cutoff_at, cutoff_day)
                    )
                ).scalars()
            )
            if not still:
                return 0, 0, []
            people = [
                Person(*row)
                for row in session.execute(
                    select_columns(col(Citizen.cpr), col(Citizen.name)).where(
                        col(Citizen.id).in_(still)
                    )
                ).all()
            ]
            seen = list(
                session.execute(
                    select_columns(col(Visitation.id)).where(col(Visitation.citizen_id).in_(still))
                ).scalars()
            )
            hidden = audit.mask_citizens(session, people, actor=staff.initials, at=now)
            if mode == "delete":
                _delete(session, still)
            else:
                _anonymise(session, still, now)
            for citizen_id in still:
                audit.record(
                    session,
                    actor=staff.initials,
                    action=AuditAction.DELETE,
                    entity=AuditEntity.CITIZEN,
                    entity_id=citizen_id,
                    citizen_id=citizen_id,
                    detail=f"{'deleted' if mode == 'delete' else 'anonymised'}; case closed "
                    f"{closed[citizen_id].isoformat()}",
                    purpose=AuditPurpose.RETENTION,
                    at=now,
                )
            if hidden:
                audit.record(
                    session,
                    actor=staff.initials,
                    action=AuditAction.UPDATE,
                    entity=audit.CHECKPOINT_ENTITY,
                    detail=f"masked {hidden} search terms naming {len(still)} citizens",
                    purpose=AuditPurpose.RETENTION,
                    at=now,
                )
            return len(still), hidden, seen

        changed, hidden, gone = ctx.db.write(work)
        done, masked = done + changed, masked + hidden
        visits += gone
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    receipts = retention_files.delete_receipts(ctx.db.path, visits)
    swept = retention_files.sweep(ctx.db.path, now, output_days, apply=True)
    purged = audit.purge(ctx, apply=True)
    old_drafts = ctx.db.write(lambda session: drafts.purge(session, now))
    return RetentionResult(
        cutoff_day,
        years,
        mode,
        tuple(candidates),
        True,
        done,
        purged,
        old_drafts,
        masked,
        receipts,
        swept,
        output_days,
    )

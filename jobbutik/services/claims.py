"""Claims: a conversation under way belongs to the desk that started it.

`visitation.start` claims a waiting request (status in_conversation, `claimed_by` = the
consultant); the holder lets go with `release` (back to waiting), a supervisor with
`release_claim`, and a claim whose desk stopped saying it is there (`heartbeat`) is released by
`release_stale`, which any desk's board poll runs when it sees one. Every change bumps the board
counter in its own transaction, so every desk's board shows it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, or_

from jobbutik.domain.errors import NotFound, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditAction, AuditEntity, Permission, RequestStatus
from jobbutik.services import audit
from jobbutik.services.context import ServiceContext
from jobbutik.store import changes
from jobbutik.store.models import Request
from jobbutik.store.settings import setting_int

# A LOCAL CHOICE, overridable with the setting `claim_timeout_minutes`: a desk silent this long
# (program killed, network gone) loses its claim so the citizen can be seen at another desk.
CLAIM_TIMEOUT_MINUTES = 10
# How often a desk holding a claim says it is still there: well within the shortest timeout.
HEARTBEAT_SECONDS = 30

# Audit details (the request's entry says what happened to the claim and whose it was).
RELEASED = "claim released"
RELEASED_BY_SUPERVISOR = "claim of {holder} released"
RELEASED_STALE = "stale claim of {holder} released"
TAKEN_OVER = "stale claim of {holder} taken over"


def claim_timeout(session: Session) -> timedelta:
    minutes = setting_int(session, "claim_timeout_minutes", CLAIM_TIMEOUT_MINUTES, minimum=1)
    return timedelta(minutes=minutes)


def is_stale(session: Session, request: Request, now: datetime) -> bool:
    """The holding desk has not been heard of within the timeout (or never: an old claim)."""
    seen = request.claim_seen_at
    return seen is None or seen < now - claim_timeout(session)


def _stale_condition(cutoff: datetime) -> ColumnElement[bool]:
    return (col(Request.status) == RequestStatus.IN_CONVERSATION) & or_(
        col(Request.claim_seen_at).is_(None), col(Request.claim_seen_at) < cutoff
    )


def back_to_waiting(request: Request) -> None:
    request.status = RequestStatus.WAITING
    request.claimed_by = None
    request.claimed_at = None
    request.claim_seen_at = None


def _audit(session: Session, ctx: ServiceContext, request: Request, detail: str) -> None:
    assert request.id is not None
    audit.record(
        session,
        actor=ctx.staff.initials,
        action=AuditAction.UPDATE,
        entity=AuditEntity.REQUEST,
        entity_id=request.id,
        citizen_id=request.citizen_id,
        detail=detail,
        at=ctx.clock.now(),
    )


def release(ctx: ServiceContext, request_id: int) -> None:
    """The holder lets go (Escape without saving): the citizen waits again. A no-op when the
    request is not this desk's conversation (already released, taken over or saved)."""
    me = ctx.require(Permission.VISIT).initials

    def work(session: Session) -> None:
        request = session.get(Request, request_id)
        if (
            request is None
            or request.status != RequestStatus.IN_CONVERSATION
            or request.claimed_by != me
        ):
            return
        back_to_waiting(request)
        session.add(request)
        _audit(session, ctx, request, RELEASED)
        changes.bump(session)

    ctx.db.write(work)


def open_requests(ctx: ServiceContext, request_ids: Collection[int]) -> set[int]:
    """Which of `request_ids` are still open (waiting or in conversation): a draft kept for a
    closed one has nothing left to open."""
    if not request_ids:  # asked at every start-up, by every role (admin included)
        return set()
    ctx.require(Permission.SEARCH)
    ids = list(request_ids)

    def look(session: Session) -> set[int]:
        found = session.scalars(
            select_columns(col(Request.id)).where(
                col(Request.id).in_(ids),
                col(Request.status).in_((RequestStatus.WAITING, RequestStatus.IN_CONVERSATION)),
            )
        )
        return {request_id for request_id in found if request_id is not None}

    return ctx.db.read(look)


def heartbeat(ctx: ServiceContext, request_id: int) -> bool:
    """The holding desk is still there. False: the claim is no longer this desk's."""
    me, now = ctx.require(Permission.VISIT).initials, ctx.clock.now()

    def work(session: Session) -> bool:
        seen = session.execute(
            update(Request)
            .where(
                col(Request.id) == request_id,
                col(Request.status) == RequestStatus.IN_CONVERSATION,
                col(Request.claimed_by) == me,
            )
            .values(claim_seen_at=now)
        )
        return bool(seen.rowcount)  # type: ignore[attr-defined]

    return ctx.db.write(work)


def release_claim(
    ctx: ServiceContext, request_id: int, holder: str | None, claimed_at: datetime | None
) -> None:
    """A supervisor releases another desk's conversation: the citizen waits again. `holder` and
    `claimed_at` are the claim the supervisor confirmed; when the request no longer has that
    claim (released, finished or started again meanwhile) nothing changes and ValidationError
    says so."""
    ctx.require(Permission.RELEASE_CLAIM)

    def work(session: Session) -> None:
        request = session.get(Request, request_id, with_for_update=True)
        if request is None:
            raise NotFound(_("No such request."))
        if (request.status, request.claimed_by, request.claimed_at) != (
            RequestStatus.IN_CONVERSATION,
            holder,
            claimed_at,
        ):
            raise ValidationError(
                _(
                    "Nothing was released: the conversation is no longer the one you confirmed "
                    "(it ended or another desk has it now)."
                )
            )
        back_to_waiting(request)
        session.add(request)
        _audit(session, ctx, request, RELEASED_BY_SUPERVISOR.format(holder=holder or ""))
        changes.bump(session)

    ctx.db.write(work)


def release_stale(ctx: ServiceContext) -> int:
    """Release every claim whose desk stopped answering; how many were released. Any desk that
    shows the board may (reception included): it only frees what nobody holds any more."""
    ctx.require(Permission.SEARCH)
    now = ctx.clock.now()

    def work(session: Session) -> int:
        cutoff = now - claim_timeout(session)
        stale = session.scalars(
            select_columns(Request).where(_stale_condition(cutoff)).with_for_update()
        ).all()
        for request in stale:
            holder = request.claimed_by or ""
            back_to_waiting(request)
            session.add(request)
            _audit(session, ctx, request, RELEASED_STALE.format(holder=holder))
        if stale:
            changes.bump(session)
        return len(stale)

    return ctx.db.write(work)


@dataclass(frozen=True)
class Poll:
    version: int  # the board counter: a change means "read the board again"
    released: int  # stale claims released by this poll


def poll(ctx: ServiceContext) -> Poll:
    """What a desk's board asks every few seconds, in one cheap read: the board counter, and
    whether a stale claim exists (the index on status and claim_seen_at answers it). Only then
    is there a write: the stale claims are released."""
    ctx.require(Permission.SEARCH)
    now = ctx.clock.now()

    def look(session: Session) -> tuple[int, bool]:
        cutoff = now - claim_timeout(session)
        any_stale = session.execute(select_columns(exists().where(_stale_condition(cutoff))))
        return changes.seq(session), bool(any_stale.scalar())

    version, any_stale = ctx.db.read(look)
    if not any_stale:
        return Poll(version, 0)
    released = release_stale(ctx)
    return Poll(ctx.db.read(changes.seq), released)

"""Claims: a conversation belongs to the desk that started it, until it is saved, released, or
its desk stops answering. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import NOW, make_ctx, on_day
from sqlmodel import func, select

from jobbutik.domain.errors import ClaimHeld, ClaimLost, PermissionDenied, ValidationError
from jobbutik.services import arrivals, claims, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.visitation import Facts, VisitationPlan
from jobbutik.store import changes
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Request, Visitation
from jobbutik.store.settings import put_setting

YOUNG = "0202024321"  # 24 on the test day: the youth group, exempt from activation


def register(ctx: ServiceContext) -> int:
    form = ArrivalForm(cpr=YOUNG, benefit="kontanthjaelp", new_citizen=NewCitizen("Sofie Hansen"))
    return arrivals.register_arrival(ctx, form).request_id


def plan(ctx: ServiceContext, request_id: int) -> VisitationPlan:
    facts = Facts(has_qualifying_education=False, integration_programme=False)  # the youth group
    category = visitation.propose(ctx, 24, facts).category
    return VisitationPlan(
        request_id=request_id,
        facts=facts,
        category=category,
        guidance=True,
        injunction=False,
        exempt=True,
        exemption_reason="Starter på VUC mandag",
    )


def request(db: Database, request_id: int) -> Request:
    row = db.read(lambda s: s.get(Request, request_id))
    assert row is not None
    return row


def later(ctx: ServiceContext, minutes: int) -> ServiceContext:
    return on_day(ctx, NOW + timedelta(minutes=minutes))


def claim_audit(db: Database) -> list[tuple[str, str]]:
    return db.read(
        lambda s: [
            (actor, detail)
            for actor, detail in s.exec(
                select(AuditEntry.actor, AuditEntry.detail).where(
                    AuditEntry.entity == "request", AuditEntry.detail.contains("claim")
                )
            ).all()
        ]
    )


def test_starting_claims_and_another_desk_is_told_who_has_it(database: Database) -> None:
    hm = make_ctx(database, "hm")
    jk = make_ctx(database, "jk")
    request_id = register(hm)
    before = hm.db.read(changes.seq)
    visitation.start(hm, request_id)
    assert hm.db.read(changes.seq) > before
    row = request(database, request_id)
    assert (row.status, row.claimed_by) == ("in_conversation", "hm")
    [board_row] = arrivals.board(jk)[1]
    assert (board_row.claimed_by, board_row.claimed_at) == ("hm", NOW)
    with pytest.raises(ClaimHeld) as held:
        visitation.start(later(jk, 4), request_id)
    assert (held.value.holder, held.value.since) == ("hm", NOW)
    assert str(held.value) == "hm has the citizen in conversation since 09:00."
    with pytest.raises(ClaimHeld):
        visitation.withdraw(jk, request_id, "job")
    # The holder reopening its own conversation (also after a restart) keeps the claim.
    visitation.start(later(hm, 3), request_id)
    row = request(database, request_id)
    assert (row.claimed_by, row.claimed_at, row.claim_seen_at) == (
        "hm", NOW, NOW + timedelta(minutes=3),
    )  # fmt: skip


def test_release_lets_the_next_desk_open_it(database: Database) -> None:
    hm = make_ctx(database, "hm")
    jk = make_ctx(database, "jk")
    request_id = register(hm)
    visitation.start(hm, request_id)
    claims.release(jk, request_id)  # not jk's: nothing happens
    assert request(database, request_id).claimed_by == "hm"
    claims.release(hm, request_id)
    row = request(database, request_id)
    assert (row.status, row.claimed_by, row.claimed_at) == ("waiting", None, None)
    assert not claims.heartbeat(hm, request_id)
    visitation.start(jk, request_id)
    assert request(database, request_id).claimed_by == "jk"
    assert claim_audit(database) == [("hm", claims.RELEASED)]


def test_a_save_after_another_desk_took_over_is_refused_and_nothing_is_saved(
    database: Database,
) -> None:
    hm = make_ctx(database, "hm")
    jk = make_ctx(database, "jk")
    request_id = register(hm)
    visitation.start(hm, request_id)
    # hm's desk stops answering; after the timeout jk may take the citizen over.
    with pytest.raises(ClaimHeld):
        visitation.start(later(jk, claims.CLAIM_TIMEOUT_MINUTES), request_id)
    visitation.start(later(jk, claims.CLAIM_TIMEOUT_MINUTES + 1), request_id)
    assert claim_audit(database) == [("jk", claims.TAKEN_OVER.format(holder="hm"))]
    with pytest.raises(ClaimLost):
        visitation.complete(later(hm, 12), plan(hm, request_id))
    assert database.read(lambda s: s.exec(select(func.count()).select_from(Visitation)).one()) == 0
    assert request(database, request_id).claimed_by == "jk"
    visitation.complete(later(jk, 20), plan(jk, request_id))
    with pytest.raises(ValidationError) as closed:
        visitation.start(later(hm, 21), request_id)
    assert str(closed.value) == "This request is already closed (Visited)."


def test_complete_checks_the_claim_of_a_released_conversation(database: Database) -> None:
    hm = make_ctx(database, "hm")
    request_id = register(hm)
    visitation.start(hm, request_id)
    claims.release(hm, request_id)
    with pytest.raises(ClaimLost):
        visitation.complete(hm, plan(hm, request_id))
    assert request(database, request_id).status == "waiting"


def test_heartbeat_keeps_a_long_conversation_and_silence_releases_it(database: Database) -> None:
    hm = make_ctx(database, "hm")
    jk = make_ctx(database, "jk")
    request_id = register(hm)
    visitation.start(hm, request_id)
    assert claims.heartbeat(later(hm, 8), request_id)
    assert claims.poll(later(jk, 15)) == claims.Poll(jk.db.read(changes.seq), 0)
    version = jk.db.read(changes.seq)
    polled = claims.poll(later(jk, 19))  # 11 minutes since hm's desk was last heard of
    assert (polled.released, polled.version > version) == (1, True)
    row = request(database, request_id)
    assert (row.status, row.claimed_by) == ("waiting", None)
    assert claim_audit(database) == [("jk", claims.RELEASED_STALE.format(holder="hm"))]
    assert not claims.heartbeat(later(hm, 20), request_id)
    with pytest.raises(ClaimLost):
        visitation.complete(later(hm, 21), plan(hm, request_id))


def test_the_timeout_is_a_setting(database: Database) -> None:
    hm = make_ctx(database, "hm")
    request_id = register(hm)
    visitation.start(hm, request_id)
    database.write(lambda s: put_setting(s, "claim_timeout_minutes", "30"))
    assert claims.release_stale(later(hm, 29)) == 0
    assert claims.release_stale(later(hm, 31)) == 1


def test_a_supervisor_releases_another_desks_claim(database: Database) -> None:
    hm = make_ctx(database, "hm", roles="consultant")
    jk = make_ctx(database, "jk", roles="consultant")
    boss = make_ctx(database, "boss", roles="supervisor")
    request_id = register(hm)
    visitation.start(hm, request_id)
    claim = request(database, request_id)
    with pytest.raises(PermissionDenied):
        claims.release_claim(jk, request_id, claim.claimed_by, claim.claimed_at)
    claims.release_claim(boss, request_id, claim.claimed_by, claim.claimed_at)
    assert request(database, request_id).status == "waiting"
    assert claim_audit(database) == [("boss", claims.RELEASED_BY_SUPERVISOR.format(holder="hm"))]
    with pytest.raises(ClaimLost):
        visitation.complete(hm, plan(hm, request_id))


def test_a_supervisor_releases_only_the_claim_confirmed(database: Database) -> None:
    hm = make_ctx(database, "hm", roles="consultant")
    jk = make_ctx(database, "jk", roles="consultant")
    boss = make_ctx(database, "boss", roles="supervisor")
    request_id = register(hm)
    visitation.start(hm, request_id)
    confirmed = request(database, request_id)  # what the supervisor's board showed
    claims.release(hm, request_id)
    visitation.start(later(jk, 1), request_id)  # meanwhile: hm let go, jk took the citizen
    with pytest.raises(ValidationError, match="Nothing was released"):
        claims.release_claim(boss, request_id, confirmed.claimed_by, confirmed.claimed_at)
    now = request(database, request_id)
    assert (now.status, now.claimed_by) == ("in_conversation", "jk")
    # hm again, later: the same holder but another claim is not the one confirmed either.
    claims.release(jk, request_id)
    visitation.start(later(hm, 2), request_id)
    with pytest.raises(ValidationError, match="Nothing was released"):
        claims.release_claim(boss, request_id, confirmed.claimed_by, confirmed.claimed_at)
    assert request(database, request_id).claimed_by == "hm"
    assert ("boss", claims.RELEASED_BY_SUPERVISOR.format(holder="hm")) not in claim_audit(database)


def test_claim_times_compare_across_backends(database: Database) -> None:
    """Stored claim times come back as the same moment on both backends."""
    hm = make_ctx(database, "hm")
    request_id = register(hm)
    visitation.start(hm, request_id)
    claimed_at = request(database, request_id).claimed_at
    assert isinstance(claimed_at, datetime) and claimed_at == NOW


def test_open_requests_names_those_still_waiting_or_in_conversation(database: Database) -> None:
    hm = make_ctx(database, "hm")
    request_id = register(hm)
    assert claims.open_requests(hm, {request_id, 999}) == {request_id}  # waiting
    visitation.start(hm, request_id)
    assert claims.open_requests(hm, {request_id}) == {request_id}  # in conversation
    visitation.withdraw(hm, request_id, "job")
    assert claims.open_requests(hm, {request_id}) == set()
    assert claims.open_requests(hm, set()) == set()

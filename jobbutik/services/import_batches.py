"""Citizen imports that let the desks work: staged in short transactions, published in one.

A large import written in one transaction holds the write lock for its whole length (100,000
citizens: about 40 s), and every desk that looks someone up (which writes an audit entry) waits
for it. So an import runs in steps, each its own short transaction, under one `ImportRun`:

1. *stage*: the checked rows, names folded and search tails cut beforehand, go into `ImportRow`
   and `ImportTail` in batches of `STAGE_BATCH`. Nothing of them is visible to the desks.
2. *publish*: one transaction checks again that no CPR number was registered meanwhile and copies
   the staged rows into `citizen` with INSERT … SELECT. This is the only step whose length grows
   with the file: about 0.4 s for 100,000 citizens on SQLite.
3. *log*: in batches of `LOG_BATCH`, the citizens' name-search tails (`citizennametail`; until
   then a search by a later word of the name does not find them, a search by the first word or
   the CPR number does) and one IMPORT audit entry per citizen, naming the file (so each
   citizen's own log shows where the record came from); `ImportRun.logged` says how far.
4. the staged rows and the run are removed, in batches.

All or nothing: a failure or a kill before step 2 leaves only staged rows, which nobody sees; the
importer removes them on a failure, and after a kill the next import or `db check` does (`sweep`).
After step 2 the citizens are there, and an interrupted step 3 is finished by the next import or
`db check`, with the importer's name, time and OS account (the audit chain is append-only, so its
entries can only come after the data they log, never be taken back).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Table, delete, func, insert, literal, select, update
from sqlmodel import Session

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.identity import name_key
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit, pgroles
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import (
    AuditAction,
    Citizen,
    CitizenNameTail,
    ImportRow,
    ImportRun,
    ImportTail,
    name_tails,
)

__all__ = [
    "LOG_BATCH",
    "STAGE_BATCH",
    "CitizenRow",
    "ImportInterrupted",
    "import_staged",
    "sweep",
]

STAGE_BATCH = 5000  # rows staged per transaction
STAGE_CHUNK = 1000  # rows per insert statement, and per progress report
LOG_BATCH = 2000  # citizens' tails and audit entries per transaction
CLEAN_BATCH = 20_000  # staged rows removed per transaction
# SQLite: the pause after each of the import's transactions. A desk waiting for the write lock
# tries again every 100 ms at the longest (SQLite's busy handler); an import that began its next
# transaction at once would take the lock again and again before the desk woke up.
GIVE_WAY = 0.1
# A run on another machine (PostgreSQL) whose staging has not moved for this long was abandoned.
STALE = timedelta(hours=1)

_CITIZEN: Table = Citizen.__table__  # type: ignore[attr-defined]
_TAIL: Table = CitizenNameTail.__table__  # type: ignore[attr-defined]
_RUN: Table = ImportRun.__table__  # type: ignore[attr-defined]
_ROW: Table = ImportRow.__table__  # type: ignore[attr-defined]
_STAGED_TAIL: Table = ImportTail.__table__  # type: ignore[attr-defined]
_COPIED = ("cpr", "name", "name_folded", "birth_date", "phone", "email", "postcode")

Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class CitizenRow:
    """A checked citizen row of a file (services.csvio), as it is staged."""

    cpr: str
    name: str
    birth_date: date
    phone: str
    email: str
    postcode: str


def _wall_clock() -> datetime:
    """Real time (not the context's clock, which a demo may fix): what staleness is judged by."""
    return datetime.now(UTC)


def import_staged(
    ctx: ServiceContext,
    rows: Sequence[tuple[int, CitizenRow]],
    source: str,
    *,
    skip_invalid: bool,
    progress: Progress | None = None,
) -> tuple[int, list[int]]:
    """Import `rows` in steps (see the module); (citizens imported, rows whose CPR number was
    registered at a desk while they were staged). Without `skip_invalid` such a row imports
    nothing at all."""
    ctx.require(Permission.IMPORT)
    sweep(ctx.db)
    run = ImportRun(
        source=source[:255],
        actor=ctx.staff.initials,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=ctx.clock.now(),
        touched_at=_wall_clock(),
    )

    def begin(session: Session) -> int:
        # Who imports, as the audit entries name them even when another process writes them.
        run.os_account, run.client_address = audit._channel(session)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id

    run_id = ctx.db.write(begin)
    try:
        _stage(ctx.db, run_id, rows, progress)
        imported, registered = ctx.db.write(
            lambda session: _publish(session, run_id, skip_invalid=skip_invalid)
        )
    except BaseException:
        with contextlib.suppress(Exception):  # else `sweep` removes them later
            _discard(ctx.db, run_id)
        raise
    if registered and not skip_invalid:
        _discard(ctx.db, run_id)
        return 0, registered
    _log_and_remove(ctx.db, run_id)
    return imported, registered


def _stage(
    db: Database, run_id: int, rows: Sequence[tuple[int, CitizenRow]], progress: Progress | None
) -> None:
    total = len(rows)
    if progress is not None:
        progress(0, total)
    chunks = []  # (rows, tails) of STAGE_CHUNK citizens, made before any lock is taken
    for start in range(0, total, STAGE_CHUNK):
        staged = [
            {"run_id": run_id, **_values(n, r), "name_folded": name_key(r.name)}
            for n, r in rows[start : start + STAGE_CHUNK]
        ]
        tails = [
            {"run_id": run_id, "cpr": s["cpr"], "tail": tail, "name_folded": s["name_folded"]}
            for s in staged
            for tail in name_tails(s["name_folded"])
        ]
        chunks.append((staged, tails))
    per_batch = STAGE_BATCH // STAGE_CHUNK
    for first in range(0, len(chunks), per_batch):

        def work(session: Session, first: int = first) -> None:
            connection = session.connection()
            moved = connection.execute(
                update(_RUN).where(_RUN.c.id == run_id).values(touched_at=_wall_clock())
            )
            if moved.rowcount != 1:
                raise ImportInterrupted(run_id)
            for index in range(first, min(first + per_batch, len(chunks))):
                staged, tails = chunks[index]
                connection.execute(insert(_ROW), staged)
                if tails:
                    connection.execute(insert(_STAGED_TAIL), tails)
                if progress is not None:
                    progress(min((index + 1) * STAGE_CHUNK, total), total)

        _write_and_give_way(db, work)


def _write_and_give_way(db: Database, work: Callable[[Session], T]) -> T:
    """`db.write(work)`, then (SQLite) a pause in which a desk waiting for the lock gets it."""
    result = db.write(work)
    if db.backend == "sqlite":
        time.sleep(GIVE_WAY)
    return result


def _values(n: int, row: CitizenRow) -> dict[str, Any]:
    return {
        "n": n,
        "cpr": row.cpr,
        "name": row.name,
        "birth_date": row.birth_date,
        "phone": row.phone or None,
        "email": row.email or None,
        "postcode": row.postcode or None,
    }


class ImportInterrupted(JobbutikError):
    """The run's staged rows were removed under it (taken for abandoned): import again."""

    def __init__(self, run_id: int) -> None:
        super().__init__(
            _("The import was interrupted (its staged rows were removed): import the file again.")
        )
        self.run_id = run_id


def _publish(session: Session, run_id: int, *, skip_invalid: bool) -> tuple[int, list[int]]:
    """Copy the staged rows into `citizen`: (citizens imported, rows already registered). Without
    `skip_invalid` a registered one copies nothing."""
    connection = session.connection()
    started = connection.execute(select(_RUN.c.started_at).where(_RUN.c.id == run_id)).scalar()
    if started is None:
        raise ImportInterrupted(run_id)
    registered = list(
        connection.execute(
            select(_ROW.c.n)
            .join(_CITIZEN, _CITIZEN.c.cpr == _ROW.c.cpr)
            .where(_ROW.c.run_id == run_id)
            .order_by(_ROW.c.n)
        ).scalars()
    )
    if registered and not skip_invalid:
        return 0, registered
    if registered:
        cprs = select(_ROW.c.cpr).where(_ROW.c.run_id == run_id, _ROW.c.n.in_(registered))
        connection.execute(
            delete(_STAGED_TAIL).where(
                _STAGED_TAIL.c.run_id == run_id, _STAGED_TAIL.c.cpr.in_(cprs)
            )
        )
        connection.execute(delete(_ROW).where(_ROW.c.run_id == run_id, _ROW.c.n.in_(registered)))
    copied = connection.execute(
        select(func.count()).select_from(_ROW).where(_ROW.c.run_id == run_id)
    ).scalar_one()
    connection.execute(
        insert(_CITIZEN).from_select(
            [*_COPIED, "needs_digital_help", "created_at"],
            select(
                *(_ROW.c[name] for name in _COPIED),
                literal(False, _CITIZEN.c.needs_digital_help.type),
                literal(started, _CITIZEN.c.created_at.type),
            )
            .where(_ROW.c.run_id == run_id)
            .order_by(_ROW.c.n),
        )
    )
    connection.execute(update(_RUN).where(_RUN.c.id == run_id).values(published=True))
    return copied, registered


def _log_and_remove(db: Database, run_id: int) -> int:
    """Write the search tails and IMPORT entries of a published run's citizens that are not
    written yet, then remove the run; how many entries were written."""
    written = 0
    while True:
        done = _write_and_give_way(db, lambda session: _log_batch(session, run_id))
        if done is None:
            break
        written += done
    _discard(db, run_id)
    return written


def _log_batch(session: Session, run_id: int) -> int | None:
    """The next LOG_BATCH staged rows' tails and IMPORT entries; how many entries (None: none
    left). A citizen gone meanwhile (deleted at a desk) is passed over."""
    connection = session.connection()
    # Locked: an import still logging and another's sweep never write the same batch twice.
    run = connection.execute(select(_RUN).where(_RUN.c.id == run_id).with_for_update()).first()
    if run is None:
        return None
    batch = (
        select(_ROW.c.n, _ROW.c.cpr)
        .where(_ROW.c.run_id == run_id, _ROW.c.n > run.logged)
        .order_by(_ROW.c.n)
        .limit(LOG_BATCH)
        .subquery()
    )
    rows = connection.execute(
        select(batch.c.n, _CITIZEN.c.id)
        .outerjoin(_CITIZEN, _CITIZEN.c.cpr == batch.c.cpr)
        .order_by(batch.c.n)
    ).all()
    if not rows:
        return None
    found = [citizen_id for _n, citizen_id in rows if citizen_id is not None]
    # The search tails of a name a desk changed meanwhile were written with the change.
    connection.execute(
        insert(_TAIL).from_select(
            ["citizen_id", "tail", "name_folded"],
            select(_CITIZEN.c.id, _STAGED_TAIL.c.tail, _STAGED_TAIL.c.name_folded)
            .join(_CITIZEN, _CITIZEN.c.cpr == _STAGED_TAIL.c.cpr)
            .where(
                _STAGED_TAIL.c.run_id == run_id,
                _STAGED_TAIL.c.cpr.in_(select(batch.c.cpr)),
                _CITIZEN.c.name_folded == _STAGED_TAIL.c.name_folded,
            )
            .order_by(_STAGED_TAIL.c.tail, _STAGED_TAIL.c.name_folded),
        )
    )
    audit.record_many(
        session,
        actor=run.actor,
        action=AuditAction.IMPORT,
        entity=AuditEntity.CITIZEN,
        at=run.started_at,
        ids=[(citizen_id, citizen_id) for citizen_id in found],
        detail=run.source,
        channel=(run.os_account, run.client_address),
    )
    connection.execute(update(_RUN).where(_RUN.c.id == run_id).values(logged=rows[-1][0]))
    return len(found)


def _discard(db: Database, run_id: int) -> int:
    """Remove a run and its staged rows, a batch per transaction; how many rows were staged."""

    def batch(session: Session) -> int:
        connection = session.connection()
        first = select(_ROW.c.n).where(_ROW.c.run_id == run_id).order_by(_ROW.c.n)
        cprs = select(_ROW.c.cpr).where(
            _ROW.c.run_id == run_id, _ROW.c.n.in_(first.limit(CLEAN_BATCH))
        )
        connection.execute(
            delete(_STAGED_TAIL).where(
                _STAGED_TAIL.c.run_id == run_id, _STAGED_TAIL.c.cpr.in_(cprs)
            )
        )
        removed = connection.execute(
            delete(_ROW).where(_ROW.c.run_id == run_id, _ROW.c.n.in_(first.limit(CLEAN_BATCH)))
        ).rowcount
        if removed == 0:
            connection.execute(delete(_STAGED_TAIL).where(_STAGED_TAIL.c.run_id == run_id))
            connection.execute(delete(_RUN).where(_RUN.c.id == run_id))
        return int(removed)

    total = 0
    while removed := _write_and_give_way(db, batch):
        total += removed
    return total


def _process_gone(host: str, pid: int) -> bool:
    if host != socket.gethostname()[:255]:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another account
    return False


def sweep(db: Database) -> list[str]:
    """Finish or remove the imports whose process died (see the module): a published run gets
    its missing audit entries, an unpublished one is removed. One line per run, saying what was
    done, or that an import is under way."""
    runs = db.read(
        lambda session: (
            session.connection()
            .execute(
                select(
                    _RUN.c.id,
                    _RUN.c.source,
                    _RUN.c.host,
                    _RUN.c.pid,
                    _RUN.c.touched_at,
                    _RUN.c.published,
                ).order_by(_RUN.c.id)
            )
            .all()
        )
    )
    said: list[str] = []
    # On PostgreSQL the server logs a desk's entries as that desk, now: another desk's
    # interrupted import is finished by the owner (`db check`), who may write them as the importer.
    owner = db.backend != "postgresql" or pgroles.desk_login(db) is None
    for run_id, source, host, pid, touched, published in runs:
        gone = _process_gone(host, pid) or _wall_clock() - _aware(touched) > STALE
        if published and gone and not owner:
            said.append(
                _(
                    "An interrupted import of {file} waits for the database owner: `jobbutik db "
                    "check` as the owner writes its audit entries."
                ).format(file=source)
            )
        elif published and gone:
            written = _log_and_remove(db, run_id)
            said.append(
                ngettext(
                    "An interrupted import of {file} is finished: {count} audit entry written.",
                    "An interrupted import of {file} is finished: {count} audit entries written.",
                    written,
                ).format(file=source, count=written)
            )
        elif gone:
            staged = _discard(db, run_id)
            said.append(
                ngettext(
                    "An interrupted import of {file} is removed: {count} staged row, none of "
                    "it imported.",
                    "An interrupted import of {file} is removed: {count} staged rows, none of "
                    "them imported.",
                    staged,
                ).format(file=source, count=staged)
            )
        else:
            said.append(
                _("An import of {file} is under way (process {pid} on {host}).").format(
                    file=source, pid=pid, host=host
                )
            )
    return said


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

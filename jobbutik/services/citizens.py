"""Finding citizens and reading their history. Every read and search is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    union_all,
)
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.errors import NotFound, ValidationError
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.identity import CprError, mask_cpr, name_key, parse_cpr
from jobbutik.domain.vocabulary import (
    ActivationOutcome,
    ActivationStatus,
    AuditEntity,
    Benefit,
    Category,
    FollowUpKind,
    HearingStatus,
    ReferralOutcome,
    WithdrawalReason,
    follow_up_outcome_label,
)
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.name_words import search_words, starts_words
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    AuditAction,
    Citizen,
    CitizenNameTail,
    Company,
    FollowUp,
    Hearing,
    JobOpening,
    Referral,
    Request,
    RequestStatus,
    Visitation,
    Withdrawal,
)

SEARCH_LIMIT = 50


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class CitizenHit:
    id: int
    cpr_masked: str
    name: str
    age: int
    postcode: str | None


@dataclass(frozen=True)
class OpenReferral:
    referral_id: int
    title: str
    company: str
    apply_by: date
    follow_up_on: date


@dataclass(frozen=True)
class CitizenCard:
    """What the desk sees of one citizen: the full CPR belongs to this card only."""

    id: int
    cpr: str
    cpr_masked: str
    name: str
    birth_date: date
    age: int
    sex: str
    phone: str | None
    email: str | None
    postcode: str | None
    interpreter_language: str | None
    needs_digital_help: bool
    last_visit: date | None
    last_category: str | None
    open_referrals: tuple[OpenReferral, ...]
    flags: tuple[str, ...]


def parse_cpr_field(ctx: ServiceContext, text: str) -> str:
    """The ten digits of a typed CPR, or a ValidationError for the `cpr` field saying why."""
    try:
        return parse_cpr(text, ctx.clock.today()).digits
    except CprError as exc:
        raise ValidationError(exc.reason, field="cpr") from exc


def hit(citizen: Citizen, today: date) -> CitizenHit:
    assert citizen.id is not None
    return CitizenHit(
        citizen.id,
        mask_cpr(citizen.cpr),
        citizen.name,
        age_on(citizen.birth_date, today),
        citizen.postcode,
    )


# The card's reads, built once (a lookup runs for every CPR typed at the desk). The facts (last
# visit, flags, whether any referral is open) for a citizen id, as columns of one statement; the
# open referrals, a few citizens' only, are read when there are some.
_CARD_CITIZEN = bindparam("citizen_id", type_=Integer)


def _card_facts(citizen_id: Any) -> tuple[Any, ...]:
    # Each column of the last visit as a scalar subquery of its own: a shared derived table
    # would not be correlated with the citizen's row.
    last_visit = [
        select_columns(column)
        .where(col(Visitation.citizen_id) == citizen_id)
        .order_by(col(Visitation.held_on).desc(), col(Visitation.id).desc())
        .limit(1)
        .scalar_subquery()
        for column in (col(Visitation.held_on), col(Visitation.category))
    ]
    return (
        *last_visit,
        exists().where(
            col(Hearing.citizen_id) == citizen_id, col(Hearing.status) == HearingStatus.AWAITING
        ),
        exists().where(
            col(Hearing.citizen_id) == citizen_id, col(Hearing.status) == HearingStatus.SENT
        ),
        # Not IN (…): an expanding list is compiled again at every execution.
        exists().where(
            col(Request.citizen_id) == citizen_id,
            or_(
                col(Request.status) == RequestStatus.WAITING,
                col(Request.status) == RequestStatus.IN_CONVERSATION,
            ),
        ),
        exists().where(col(Referral.citizen_id) == citizen_id, col(Referral.outcome).is_(None)),
    )


_CARD_FACTS = select_columns(*_card_facts(_CARD_CITIZEN))
# The citizen's columns the card shows, then the facts: a lookup by CPR in one statement.
_CARD_FIELDS = (
    "id",
    "cpr",
    "name",
    "birth_date",
    "phone",
    "email",
    "postcode",
    "interpreter_language",
    "needs_digital_help",
)
_CARD_BY_CPR = select_columns(
    *(getattr(Citizen, field) for field in _CARD_FIELDS), *_card_facts(col(Citizen.id))
).where(col(Citizen.cpr) == bindparam("cpr"))
_OPEN_REFERRALS = (
    select_columns(
        col(Referral.id),
        col(JobOpening.title),
        col(Company.name),
        col(Referral.apply_by),
        col(Referral.follow_up_on),
    )
    .join(JobOpening, col(JobOpening.id) == Referral.opening_id)
    .join(Company, col(Company.id) == JobOpening.company_id)
    .where(col(Referral.citizen_id) == _CARD_CITIZEN, col(Referral.outcome).is_(None))
    .order_by(col(Referral.apply_by))
)


def load_card(
    session: Session, citizen: Citizen, today: date, *, show_sanctions: bool = False
) -> CitizenCard:
    """The card; possible sanctions only with `show_sanctions` (the reader may see hearings:
    reception never does)."""
    assert citizen.id is not None
    facts = session.connection().execute(_CARD_FACTS, {"citizen_id": citizen.id}).one()
    row = tuple(getattr(citizen, field) for field in _CARD_FIELDS)
    return _card(session, (*row, *facts), today, show_sanctions=show_sanctions)


def _card(session: Session, row: Any, today: date, *, show_sanctions: bool) -> CitizenCard:
    """The card from a row of `_CARD_BY_CPR`'s columns."""
    (
        citizen_id,
        cpr,
        name,
        birth_date,
        phone,
        email,
        postcode,
        interpreter_language,
        needs_digital_help,
        last_visit,
        last_category,
        awaiting,
        sent,
        open_request,
        open_referral,
    ) = row
    referrals: list[Any] = (
        list(session.connection().execute(_OPEN_REFERRALS, {"citizen_id": citizen_id}))
        if open_referral
        else []
    )
    flags: list[str] = []
    if needs_digital_help:
        flags.append(_("Needs digital help"))
    if interpreter_language:
        flags.append(_("Interpreter: {language}").format(language=interpreter_language))
    if show_sanctions and awaiting:
        flags.append(_("Possible sanction: awaiting partshøring"))
    if show_sanctions and sent:
        flags.append(_("Possible sanction: partshøring sent"))
    if open_request:
        flags.append(_("Has an open request"))
    # From the stored row, not a re-parse: a fixed --today may precede a birth date.
    return CitizenCard(
        id=citizen_id,
        cpr=cpr,
        cpr_masked=mask_cpr(cpr),
        name=name,
        birth_date=birth_date,
        age=age_on(birth_date, today),
        sex="M" if int(cpr[-1]) % 2 else "F",
        phone=phone,
        email=email,
        postcode=postcode,
        interpreter_language=interpreter_language,
        needs_digital_help=needs_digital_help,
        last_visit=last_visit,
        last_category=last_category,
        open_referrals=tuple(OpenReferral(*r) for r in referrals),
        flags=tuple(flags),
    )


def lookup_cpr(ctx: ServiceContext, text: str, *, purpose: str = "") -> CitizenCard | None:
    """The citizen with this CPR, or None for a new one. Raises ValidationError on a bad CPR."""
    staff = ctx.require(Permission.READ_CITIZEN)
    digits = parse_cpr_field(ctx, text)
    today, now = ctx.clock.today(), ctx.clock.now()
    show_sanctions = ctx.can(Permission.HEARINGS)

    def work(session: Session) -> CitizenCard | None:
        # The citizen and the card's facts in one statement; the entry logs the read.
        row = session.connection().execute(_CARD_BY_CPR, {"cpr": digits}).first()
        if row is None:
            return None
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.CITIZEN,
            entity_id=row.id,
            citizen_id=row.id,
            purpose=purpose,
            at=now,
        )
        return _card(session, row, today, show_sanctions=show_sanctions)

    return ctx.db.write(work, logged_read=True)


# Above this many later-word matches a search walks the names in order instead of sorting them.
DENSE_TAILS = 20_000


def _prefix(column: Any, term: str, *, sqlite: bool) -> Any:
    """`column` starts with `term`. On SQLite also as a range, which the index serves (SQLite's
    LIKE is case-insensitive, so it cannot use a plain index; folded text is lower case anyway)."""
    condition = col(column).startswith(term, autoescape=True)
    if sqlite:
        condition = and_(column >= term, column < term + "\U0010ffff", condition)
    return condition


# What a search hit needs, read as columns (no ORM objects: a search runs on every keystroke).
_HIT_COLUMNS = (
    col(Citizen.id),
    col(Citizen.cpr),
    col(Citizen.name),
    col(Citizen.birth_date),
    col(Citizen.postcode),
    col(Citizen.name_folded),
)


def _hit_row(row: Any, today: date) -> CitizenHit:
    citizen_id, cpr, name, birth_date, postcode, _folded = row
    return CitizenHit(citizen_id, mask_cpr(cpr), name, age_on(birth_date, today), postcode)


def _name_matches(session: Session, words: list[str], limit: int, *, sqlite: bool) -> list[Any]:
    """Citizens whose folded name has a word starting with each of `words` (longest first), in
    (name_folded, id) order. The first word is looked up in an index, as the start of the whole
    name or of a later word; the rest filter those rows. Both halves come from an index in that
    order or from a bounded sort, and are merged here."""
    first, rest = words[0], words[1:]
    live = col(Citizen.anonymised_at).is_(None)
    order = (col(Citizen.name_folded), col(Citizen.id))
    whole = session.execute(
        select_columns(*_HIT_COLUMNS)
        .where(
            live,
            _prefix(Citizen.name_folded, first, sqlite=sqlite),
            *starts_words(Citizen.name_folded, rest),
        )
        .order_by(*order)
        .limit(limit)
    ).all()
    # The tail index repeats the folded name, so the other words filter within the index.
    tail_match = and_(
        _prefix(CitizenNameTail.tail, first, sqlite=sqlite),
        *starts_words(CitizenNameTail.name_folded, rest),
    )
    many = session.exec(
        select(func.count()).select_from(
            select(CitizenNameTail.citizen_id).where(tail_match).limit(DENSE_TAILS).subquery()
        )
    ).one()
    if many < DENSE_TAILS:
        # Few: the first `limit` in name order straight from the tail index, and their rows
        # (one statement: one round trip to a server across town).
        first_tails = (
            select(CitizenNameTail.name_folded, CitizenNameTail.citizen_id)
            .distinct()
            .where(tail_match)
            .order_by(col(CitizenNameTail.name_folded), col(CitizenNameTail.citizen_id))
            .limit(limit)
            .subquery()
        )
        later = session.execute(
            select_columns(*_HIT_COLUMNS).where(
                live, col(Citizen.id).in_(select_columns(first_tails.c.citizen_id))
            )
        ).all()
    else:
        # Many (a short prefix): they are everywhere, so walking the names in order finds
        # `limit` of them quickly.
        later = session.execute(
            select_columns(*_HIT_COLUMNS)
            .where(live, *starts_words(Citizen.name_folded, words))
            .order_by(*order)
            .limit(limit)
        ).all()
    merged = {row[0]: row for row in (*whole, *later)}
    return sorted(merged.values(), key=lambda row: (row[5], row[0]))[:limit]


def search(ctx: ServiceContext, term: str, *, limit: int = SEARCH_LIMIT) -> list[CitizenHit]:
    """Citizens by CPR prefix (digits) or by name: each typed word starts some word of the name,
    in any order, with Danish letters folded ("moller hannah" finds "Hannah Møller")."""
    staff = ctx.require(Permission.SEARCH)
    text = term.strip()
    digits = text.replace("-", "")
    words = search_words(text)
    if not words:
        return []
    today, now = ctx.clock.today(), ctx.clock.now()
    sqlite = ctx.db.backend == "sqlite"

    def work(session: Session) -> list[CitizenHit]:
        if digits.isascii() and digits.isdigit():
            rows = list(
                session.execute(
                    select_columns(*_HIT_COLUMNS)
                    .where(
                        col(Citizen.anonymised_at).is_(None),
                        _prefix(Citizen.cpr, digits, sqlite=sqlite),
                    )
                    .order_by(col(Citizen.cpr))
                    .limit(limit)
                ).all()
            )
        else:
            rows = _name_matches(session, words, limit, sqlite=sqlite)
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.SEARCH,
            entity=AuditEntity.CITIZEN,
            detail=text,
            at=now,
        )
        return [_hit_row(row, today) for row in rows]

    return ctx.db.write(work, logged_read=True)


# What each history row is a record of.
_HISTORY_KINDS = {
    "request": N_("Request"),
    "visitation": N_("Visitation"),
    "activation": N_("Activation"),
    "referral": N_("Job referral"),
    "follow_up": N_("Follow-up"),
    "withdrawal": N_("Turned at the door"),
}


@dataclass(frozen=True)
class HistoryEvent:
    """One row of a citizen's history; `kind_label`, `text` and `status` are in the language of
    the call (stored values as their labels, never codes)."""

    on: date
    kind: str  # request, visitation, activation, referral, follow_up, withdrawal
    text: str
    status: str

    @property
    def kind_label(self) -> str:
        return _(_HISTORY_KINDS[self.kind])


@dataclass(frozen=True)
class CitizenHistory:
    card: CitizenCard
    events: tuple[HistoryEvent, ...]  # newest first


# The kinds of record in a citizen's history, in the order they are listed within one day.
_HISTORY_ORDER = ("request", "visitation", "activation", "referral", "follow_up", "withdrawal")
_NO_DAY = cast(null(), Date)
_NO_MOMENT = cast(null(), DateTime)
_NO_TEXT = cast(null(), String)


def _history_part(kind: str, row_id: Any, day: Any, moment: Any, a: Any, b: Any, c: Any) -> Any:
    """One kind's records as the history's common columns (NULLs typed, so the server can
    match the parts' columns)."""
    return select_columns(
        literal(_HISTORY_ORDER.index(kind)).label("part"),
        col(row_id).label("row_id"),
        day.label("day"),
        moment.label("moment"),
        a.label("a"),
        b.label("b"),
        c.label("c"),
    )


def _history_rows(session: Session, citizen_id: int) -> list[Any]:
    """Every record of the citizen in one statement: one round trip, not one per kind."""
    done = case((col(FollowUp.done_at).is_not(None), "done"), else_=_NO_TEXT)
    parts = (
        _history_part(
            "request",
            Request.id,
            col(Request.arrived_on),
            _NO_MOMENT,
            col(Request.benefit),
            col(Request.status),
            _NO_TEXT,
        ).where(Request.citizen_id == citizen_id),
        _history_part(
            "visitation",
            Visitation.id,
            col(Visitation.held_on),
            _NO_MOMENT,
            col(Visitation.category),
            col(Visitation.override_reason),
            _NO_TEXT,
        ).where(Visitation.citizen_id == citizen_id),
        _history_part(
            "activation",
            Activation.id,
            col(Activation.start_date),
            _NO_MOMENT,
            col(Activation.status),
            col(Activation.outcome),
            col(ActivationSite.name),
        )
        .join(ActivationSite, col(ActivationSite.id) == Activation.site_id)
        .where(Activation.citizen_id == citizen_id),
        _history_part(
            "referral",
            Referral.id,
            col(Referral.referred_on),
            _NO_MOMENT,
            col(Referral.outcome),
            col(JobOpening.title),
            col(Company.name),
        )
        .join(JobOpening, col(JobOpening.id) == Referral.opening_id)
        .join(Company, col(Company.id) == JobOpening.company_id)
        .where(Referral.citizen_id == citizen_id),
        _history_part(
            "follow_up",
            FollowUp.id,
            col(FollowUp.due),
            _NO_MOMENT,
            col(FollowUp.kind),
            col(FollowUp.outcome),
            done,
        ).where(FollowUp.citizen_id == citizen_id),
        _history_part(
            "withdrawal",
            Withdrawal.id,
            _NO_DAY,
            col(Withdrawal.at),
            col(Withdrawal.reason),
            col(Withdrawal.note),
            _NO_TEXT,
        ).where(Withdrawal.citizen_id == citizen_id),
    )
    everything = union_all(*parts).subquery()
    return list(
        session.execute(
            select_columns(everything).order_by(everything.c.part, everything.c.row_id)
        ).all()
    )


def _history_event(kind: str, day: Any, moment: Any, a: Any, b: Any, c: Any) -> HistoryEvent:
    if kind == "request":
        return HistoryEvent(day, kind, Benefit.label_of(a), RequestStatus.label_of(b))
    if kind == "visitation":
        text = Category.label_of(a) + (f" ({b})" if b else "")
        return HistoryEvent(day, kind, text, RequestStatus.DONE.label)
    if kind == "activation":
        status = ActivationStatus.label_of(a)
        if b:
            status += f" ({ActivationOutcome.label_of(b)})"
        return HistoryEvent(day, kind, c, status)
    if kind == "referral":
        status = ReferralOutcome.label_of(a) if a else _("Awaiting an outcome")
        return HistoryEvent(day, kind, f"{b}, {c}", status)
    if kind == "follow_up":
        open_status = _("Done") if c else _("Due")
        status = follow_up_outcome_label(b) if b else open_status
        return HistoryEvent(day, kind, FollowUpKind.label_of(a), status)
    return HistoryEvent(moment.date(), kind, WithdrawalReason.label_of(a), b)


def _history_events(session: Session, citizen_id: int) -> list[HistoryEvent]:
    events = [
        _history_event(_HISTORY_ORDER[part], day, moment, a, b, c)
        for part, _row_id, day, moment, a, b, c in _history_rows(session, citizen_id)
    ]
    events.sort(key=lambda e: e.on, reverse=True)
    return events


def history(ctx: ServiceContext, citizen_id: int) -> CitizenHistory:
    staff = ctx.require(Permission.READ_CITIZEN)
    today, now = ctx.clock.today(), ctx.clock.now()

    def work(session: Session) -> CitizenHistory:
        citizen = session.get(Citizen, citizen_id)
        if citizen is None:
            raise NotFound(_("No such citizen."))
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.READ,
            entity=AuditEntity.CITIZEN_HISTORY,
            entity_id=citizen_id,
            citizen_id=citizen_id,
            at=now,
        )
        return CitizenHistory(
            load_card(session, citizen, today, show_sanctions=ctx.can(Permission.HEARINGS)),
            tuple(_history_events(session, citizen_id)),
        )

    return ctx.db.write(work, logged_read=True)


def citizen_at(session: Session, citizen_id: int) -> Citizen:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound(_("No such citizen."))
    return citizen


def new_citizen_row(
    *,
    cpr: str,
    name: str,
    birth_date: date,
    created_at: datetime,
    phone: str | None = None,
    email: str | None = None,
    postcode: str | None = None,
    interpreter_language: str | None = None,
    needs_digital_help: bool = False,
) -> Citizen:
    return Citizen(
        cpr=cpr,
        name=name,
        name_folded=name_key(name),
        birth_date=birth_date,
        phone=phone or None,
        email=email or None,
        postcode=postcode or None,
        interpreter_language=interpreter_language or None,
        needs_digital_help=needs_digital_help,
        created_at=created_at,
    )

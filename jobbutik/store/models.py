"""Database tables (SQLModel).

Enumerated values are stored as plain strings (the StrEnums of jobbutik.domain.vocabulary name the
legal values and their labels) so the schema stays portable between SQLite and PostgreSQL and a
new value needs no type migration.
Datetimes are timezone-aware (stored as UTC; see clock.py); dates are Copenhagen calendar dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, delete, event, insert, inspect
from sqlmodel import Field, SQLModel

from jobbutik.domain.identity import NAME_KEY_LENGTH

# The stored values live in the vocabulary; re-exported for the callers that import them with the
# tables.
from jobbutik.domain.vocabulary import (  # noqa: F401
    ActivationOutcome,
    ActivationStatus,
    Agreement,
    AuditAction,
    Benefit,
    Category,
    DanishLevel,
    DigitalSkills,
    FollowUpKind,
    FollowUpOutcome,
    HearingDecision,
    HearingEvent,
    HearingStatus,
    OpeningStatus,
    ReferralOutcome,
    RequestStatus,
    Role,
    SiteKind,
    WithdrawalReason,
)


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    initials: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=200)
    roles: str = Field(default="", max_length=200)  # comma-separated Role values
    os_login: str | None = Field(default=None, max_length=64, unique=True)
    active: bool = True

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split(",") if r)


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="")


class Citizen(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    cpr: str = Field(max_length=10, unique=True)  # ten digits, no hyphen
    name: str = Field(max_length=200)
    # Lower-case, spellings folded (ø/oe→o, å/aa→a, æ→ae; see fold_name): what search matches.
    name_folded: str = Field(max_length=NAME_KEY_LENGTH, index=True)
    birth_date: date = Field(index=True)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=4)
    interpreter_language: str | None = Field(default=None, max_length=64)
    needs_digital_help: bool = False
    created_at: datetime
    anonymised_at: datetime | None = None


def name_tails(name_folded: str) -> list[str]:
    """The folded name from the start of each of its later words.

    "jens peter moller" → ["peter moller", "moller"]: a prefix of a tail is exactly a match
    of `" " + term` inside the name, which is what name search offers besides the whole name.
    """
    return [name_folded[i + 1 :] for i, ch in enumerate(name_folded) if ch == " "]


class CitizenNameTail(SQLModel, table=True):
    """Name search by later word, with an index: one row per tail (see `name_tails`).

    `name_folded` is repeated so a search can put the matches in name order from the index
    alone. Rows follow the citizen's name through the ORM events below; bulk loaders that write
    citizens with Core (the demo) write the tails themselves. Anonymised citizens have none.
    """

    __table_args__ = (Index("ix_citizennametail_tail", "tail", "name_folded", "citizen_id"),)

    citizen_id: int = Field(foreign_key="citizen.id", primary_key=True, ondelete="CASCADE")
    tail: str = Field(max_length=NAME_KEY_LENGTH, primary_key=True)
    name_folded: str = Field(max_length=NAME_KEY_LENGTH)


def citizen_tail_rows(citizen_id: int, name_folded: str) -> list[dict[str, Any]]:
    return [
        {"citizen_id": citizen_id, "tail": tail, "name_folded": name_folded}
        for tail in name_tails(name_folded)
    ]


@event.listens_for(Citizen, "after_insert")
def _citizen_inserted(_mapper: Any, connection: Any, citizen: Citizen) -> None:
    assert citizen.id is not None
    rows = [] if citizen.anonymised_at else citizen_tail_rows(citizen.id, citizen.name_folded)
    if rows:
        connection.execute(insert(CitizenNameTail), rows)


@event.listens_for(Citizen, "after_update")
def _citizen_updated(_mapper: Any, connection: Any, citizen: Citizen) -> None:
    state = inspect(citizen)
    if not (
        state.attrs.name_folded.history.has_changes()
        or state.attrs.anonymised_at.history.has_changes()
    ):
        return
    connection.execute(
        delete(CitizenNameTail).where(CitizenNameTail.citizen_id == citizen.id)  # type: ignore[arg-type]
    )
    _citizen_inserted(_mapper, connection, citizen)


class Request(SQLModel, table=True):
    """A henvendelse: the citizen asks for a benefit and is sent to a visitation slot."""

    # The day's queue in arrival order; the statistics count arrivals per day and status from
    # the index alone.
    __table_args__ = (
        # What a year's statistics read, without the rows (also first contact).
        Index(
            "ix_request_arrived_status", "arrived_on", "arrived_at", "status", "first_contact_on"
        ),
        # Visits booked for a day: the slot suggestion counts them at every registration.
        Index("ix_request_slot_status", "slot_date", "status"),
        # Claims whose desk stopped answering: found without reading the day's rows.
        Index("ix_request_status_claim_seen", "status", "claim_seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    arrived_on: date
    arrived_at: datetime
    # The first henvendelse (LAB § 31 stk. 5, bek. § 6 stk. 3): the arrival day unless the
    # citizen asked earlier; the first conversation and the final visitation count from it.
    first_contact_on: date
    benefit: str = Field(max_length=32)
    told_apply_digitally: bool = False
    # Written guidance on rights and duties handed over at registration (aktivloven § 35 stk. 1).
    rights_guidance_given: bool = False
    # A no-show at the job conversation: the reason the citizen gave ("" = not given).
    no_show_reason: str = ""
    slot_date: date
    status: str = Field(default=RequestStatus.WAITING, max_length=32)
    registered_by: str = Field(max_length=16)
    closed_at: datetime | None = None
    # The claim of a conversation under way (status in_conversation): who holds it, since when,
    # and when the holding desk last said it is still there (a stale claim is released).
    claimed_by: str | None = Field(default=None, max_length=16)
    claimed_at: datetime | None = None
    claim_seen_at: datetime | None = None


@event.listens_for(Request, "before_insert")
def _first_contact_defaults_to_arrival(_mapper: Any, _connection: Any, request: Request) -> None:
    """The first henvendelse is the arrival unless a desk recorded an earlier one."""
    if request.first_contact_on is None:
        request.first_contact_on = request.arrived_on


class Visitation(SQLModel, table=True):
    # Covering indexes for the statistics: the category mix by day held, and the day held per
    # request (how soon after arrival), each read from the index without the wide rows.
    __table_args__ = (
        Index(
            "ix_visitation_held_stats", "held_on", "category", "youth_track", "activation_exempt"
        ),
        Index("ix_visitation_request_held", "request_id", "held_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", unique=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    consultant_id: int = Field(foreign_key="staff.id", index=True)
    held_on: date
    completed_at: datetime
    # Facts (step 1).
    age: int
    # An erhvervskompetencegivende uddannelse (vocational or higher education; bek. § 1).
    has_qualifying_education: bool | None = None  # None: not asked
    job_wishes: str = ""
    industries: str = ""  # comma-separated
    hours_wanted: int | None = None
    restrictions: str = ""  # skånehensyn
    driving_licence: bool | None = None  # None: not asked
    digital_skills: str = ""
    integration_programme: bool | None = None  # None: not asked
    # Classification (step 2).
    proposed_category: str = Field(max_length=40)
    category: str = Field(max_length=40, index=True)
    override_reason: str = ""
    provisional: bool = False
    review_on: date | None = None
    # Youth track and activation decision (step 3).
    youth_track: bool = False
    guidance_referred: bool = False
    injunction_given: bool = False  # uddannelsespålæg, where the rule set has one
    injunction_goal: str = ""  # the education the pålæg points to
    injunction_deadline: date | None = None  # when the citizen must have applied/started
    # Written guidance on rights and duties handed over in the conversation (aktivloven § 35).
    rights_guidance_given: bool = False
    activation_exempt: bool = False
    exemption_reason: str = ""
    # Job-search help (step 4).
    cv_deadline: date | None = None
    help_cv: bool = False
    help_email: bool = False
    help_application: bool = False


class ActivationSite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    provider: str = ""
    address: str = ""
    postcode: str | None = Field(default=None, max_length=4)
    seats: int
    hours_per_week: int
    start_weekdays: str = "0,1,2,3,4"  # Monday=0; comma-separated
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    # The site's targets (0–1): the share of participants ending in a job, and in job or
    # education. None: no target set.
    target_employment_share: float | None = None
    target_job_or_education_share: float | None = None
    active: bool = True

    @property
    def weekdays(self) -> frozenset[int]:
        return parse_weekdays(self.start_weekdays)


def parse_weekdays(start_weekdays: str) -> frozenset[int]:
    """The weekdays (0 = Monday) in an `ActivationSite.start_weekdays` column value."""
    return frozenset(int(d) for d in start_weekdays.split(",") if d != "")


class Activation(SQLModel, table=True):
    __table_args__ = (
        Index("ix_activation_site_start", "site_id", "start_date", "status", "outcome", "end_date"),
        # Days from visitation to start, for the statistics, from the index alone.
        Index("ix_activation_visitation_start", "visitation_id", "start_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    visitation_id: int | None = Field(default=None, foreign_key="visitation.id")
    site_id: int = Field(foreign_key="activationsite.id")
    start_date: date = Field(index=True)
    end_date: date | None = None
    status: str = Field(default=ActivationStatus.PLANNED, max_length=32)
    outcome: str | None = Field(default=None, max_length=32)
    created_at: datetime


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    cvr: str = Field(max_length=8, unique=True)
    name: str = Field(max_length=200)
    name_folded: str = Field(max_length=NAME_KEY_LENGTH, index=True)
    address: str = ""
    postcode: str | None = Field(default=None, max_length=4)
    industry: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    agreement: str = Field(default=Agreement.NONE, max_length=16)


class JobOpening(SQLModel, table=True):
    __table_args__ = (Index("ix_jobopening_status_apply_by", "status", "apply_by"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    title: str = Field(max_length=200)
    industry: str = ""
    hours_per_week: int
    postcode: str | None = Field(default=None, max_length=4)
    apply_by: date
    requirements: str = ""
    driving_licence_required: bool = False
    danish_level: str = ""
    skaanehensyn_possible: bool = False
    status: str = Field(default=OpeningStatus.OPEN, max_length=16)
    created_at: datetime


class Referral(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("citizen_id", "opening_id"),
        # The referral funnel of the statistics, from the index alone.
        Index("ix_referral_referred_stats", "referred_on", "outcome", "interview_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    opening_id: int = Field(foreign_key="jobopening.id", index=True)
    visitation_id: int | None = Field(default=None, foreign_key="visitation.id", index=True)
    consultant_id: int = Field(foreign_key="staff.id")
    referred_on: date
    apply_by: date
    follow_up_on: date
    outcome: str | None = Field(default=None, max_length=32)
    outcome_on: date | None = None
    interview_on: date | None = None


class FollowUp(SQLModel, table=True):
    __table_args__ = (
        Index("ix_followup_assignee_open", "assignee_id", "done_at", "due"),
        # The daily list counts open follow-ups due by a day per consultant from this alone.
        Index("ix_followup_open_due", "done_at", "due", "assignee_id"),
        # Follow-ups done on time, for the statistics, from the index alone.
        Index("ix_followup_due_stats", "due", "done_on_time", "done_at"),
        Index("ix_followup_kind_due", "kind", "due", "outcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    kind: str = Field(max_length=32)
    due: date
    assignee_id: int = Field(foreign_key="staff.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    activation_id: int | None = Field(default=None, foreign_key="activation.id", index=True)
    visitation_id: int | None = Field(default=None, foreign_key="visitation.id", index=True)
    created_at: datetime
    done_at: datetime | None = None
    done_on_time: bool | None = None
    outcome: str | None = Field(default=None, max_length=32)
    sanction_flag: bool = (
        False  # this outcome raised a Hearing (a possible sanction, never decided)
    )
    note: str = ""


class Hearing(SQLModel, table=True):
    """A possible sanction: an event where a duty the citizen's category carries was not met,
    awaiting a manual partshøring. The program never decides; a person records the decision.

    Raised only where the category at the time carried the duty and written guidance on rights
    and duties had been given (aktivloven § 35 stk. 1); `due` is when it must be decided
    (§ 35 stk. 3: the end of the third whole calendar month after the event).
    """

    __table_args__ = (Index("ix_hearing_open_due", "status", "due", "assignee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    event: str = Field(max_length=32)  # HearingEvent
    event_on: date
    category: str = Field(max_length=40)  # the category at the time of the event
    stated_reason: str = ""  # what the citizen said, if anything
    follow_up_id: int | None = Field(default=None, foreign_key="followup.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    assignee_id: int = Field(foreign_key="staff.id")
    due: date
    status: str = Field(default=HearingStatus.AWAITING, max_length=16)
    sent_on: date | None = None
    decision: str | None = Field(default=None, max_length=16)  # HearingDecision
    decided_on: date | None = None
    note: str = ""
    created_at: datetime
    updated_at: datetime


class Withdrawal(SQLModel, table=True):
    """'Turned at the door': the citizen withdraws the application."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", unique=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    reason: str = Field(max_length=16)
    note: str = ""
    at: datetime
    by: str = Field(max_length=16)


class Draft(SQLModel, table=True):
    """Unsaved input of one member of staff: a form or conversation kept until saved or discarded.

    Private to its author (every read filters on `staff_id`). `data` is JSON written by the TUI's
    draft store; `subject` names what the form is about ("" for a new record).
    """

    __table_args__ = (UniqueConstraint("staff_id", "form", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True, ondelete="CASCADE")
    form: str = Field(max_length=64)
    subject: str = Field(default="", max_length=64)
    title: str = Field(default="", max_length=200)  # what the offer-back list shows
    data: str = ""
    saved_at: datetime


class ChangeCounter(SQLModel, table=True):
    """A counter per topic, bumped in the same transaction as every change desks must see at once
    (topic "board": arrivals, claims, statuses). A topic's value is the sum over its shards: each
    connection bumps its own shard's row, so concurrent writers never update the same row. A turn
    (`changes.seats`) has one row that its writers do update, to take turns on it."""

    topic: str = Field(primary_key=True, max_length=32)
    shard: int = Field(default=0, primary_key=True)
    seq: int = 0


class AuditEntry(SQLModel, table=True):
    """Append-only, hash-chained log of every use of personal data.

    `actor` and `citizen_cpr` are text, not foreign keys: the log must outlive staff records
    and anonymised citizens.
    """

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=16)
    action: str = Field(max_length=16)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    citizen_id: int | None = Field(default=None, index=True)
    purpose: str = ""
    detail: str = ""  # e.g. the search term (masked after a while: detail_mac keeps the chain)
    os_account: str = Field(default="", max_length=64)  # who ran the program, by the channel
    client_address: str | None = Field(default=None, max_length=64)  # the SSH client, if any
    # A keyed digest of `detail`, which the entry's MAC covers instead of the text itself, so a
    # masked search term leaves the chain whole. "" on entries from before the keyed chain.
    detail_mac: str = Field(default="", max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)  # HMAC-SHA256 (plain SHA-256 before the keyed chain)


class WriteTurn(SQLModel, table=True):
    """PostgreSQL: no rows; a write retried after a conflict locks it first, so retried writes
    take turns (store.db). Unused on SQLite, whose writers always take turns."""

    id: int = Field(primary_key=True)


class AuditPending(SQLModel, table=True):
    """PostgreSQL: an entry a desk appended, committed with its work and waiting to be sealed
    into the chain (numbered, signed, moved to `AuditEntry`) by `jobbutik_audit_seal()`, one
    sealer at a time; see the migration a17d5e1f0c01. Unused on SQLite."""

    id: int | None = Field(default=None, primary_key=True)  # the order of sealing
    at: datetime
    actor: str = Field(max_length=16)
    action: str = Field(max_length=16)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    citizen_id: int | None = None
    purpose: str = ""
    detail: str = ""
    os_account: str = Field(default="", max_length=64)
    client_address: str | None = Field(default=None, max_length=64)
    detail_mac: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """One row: the chain's tip. Locking it serialises appends on PostgreSQL too."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class AuditKey(SQLModel, table=True):
    """PostgreSQL: the audit chain's key, readable by the owner role only (desks reach it through
    the SECURITY DEFINER function `jobbutik_audit_mac`). SQLite keeps the key in a file beside the
    database (store.audit_key) and leaves this table empty."""

    __tablename__ = "audit_key"

    id: int = Field(default=1, primary_key=True)
    secret: bytes
    from_seq: int  # the first entry signed with this key


class ImportRun(SQLModel, table=True):
    """A citizen import under way (services.import_batches): its rows are staged in `ImportRow`
    and `ImportTail` in short transactions, then published into `citizen` in one; the IMPORT
    audit entries follow in short transactions (`logged` counts them). A run whose process died
    is finished or removed by the next import and by `db check`."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=255)  # the file's name, as the audit entries name it
    actor: str = Field(max_length=16)
    os_account: str = Field(default="", max_length=64)
    client_address: str | None = Field(default=None, max_length=64)
    host: str = Field(default="", max_length=255)  # where the importing process runs
    pid: int = 0
    started_at: datetime
    touched_at: datetime  # the last batch staged: a run still moving is not abandoned
    published: bool = False
    logged: int = 0  # the staged row number up to which the IMPORT entries are written


class ImportRow(SQLModel, table=True):
    """One staged citizen of an `ImportRun` (`n`: its place in the file)."""

    run_id: int = Field(foreign_key="importrun.id", primary_key=True)
    n: int = Field(primary_key=True)
    cpr: str = Field(max_length=10)
    name: str = Field(max_length=200)
    name_folded: str = Field(max_length=NAME_KEY_LENGTH)
    birth_date: date
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=4)


class ImportTail(SQLModel, table=True):
    """The name-search tails (`CitizenNameTail`) of a staged citizen, by its CPR number."""

    run_id: int = Field(foreign_key="importrun.id", primary_key=True)
    cpr: str = Field(max_length=10, primary_key=True)
    tail: str = Field(max_length=NAME_KEY_LENGTH, primary_key=True)
    name_folded: str = Field(max_length=NAME_KEY_LENGTH)

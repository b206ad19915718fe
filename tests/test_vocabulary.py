"""The vocabulary: every stored value as the database stores it, each with one label that has a
Danish translation, and the labels (never the codes) in what the program shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from factories import add_company, add_opening, add_site, make_ctx
from sqlalchemy import select as select_columns

from jobbutik.demo import build_demo
from jobbutik.domain import vocabulary
from jobbutik.domain.clock import LOCAL_TZ
from jobbutik.domain.i18n import load_catalog, set_language
from jobbutik.domain.vocabulary import (
    ActivationOutcome,
    ActivationStatus,
    Agreement,
    AuditAction,
    AuditEntity,
    AuditPurpose,
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
    Permission,
    ReferralOutcome,
    RequestStatus,
    Role,
    SiteKind,
    Vocabulary,
    WithdrawalReason,
    follow_up_outcome_label,
)
from jobbutik.services import arrivals, citizens, followups, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.visitation import ActivationChoice, Facts, ReferralChoice, VisitationPlan
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    ActivationSite,
    AuditEntry,
    Company,
    FollowUp,
    Hearing,
    JobOpening,
    Referral,
    Request,
    Staff,
    Visitation,
    Withdrawal,
)

VOCABULARIES: tuple[type[Vocabulary], ...] = tuple(
    v
    for v in vars(vocabulary).values()
    if isinstance(v, type) and issubclass(v, Vocabulary) and v is not Vocabulary
)

# The values as the database stores them. Changing one needs a data migration: this list changes
# only together with one.
STORED = {
    Role: ("reception", "consultant", "supervisor", "admin"),
    Benefit: ("kontanthjaelp", "uddannelseshjaelp"),
    RequestStatus: ("waiting", "in_conversation", "done", "no_show", "withdrawn"),
    WithdrawalReason: ("job", "education", "other"),
    Category: ("jobparat", "aktivitetsparat", "uddannelsesparat", "åbenlyst uddannelsesparat"),
    DigitalSkills: ("good", "some", "none"),
    SiteKind: ("nytteindsats", "course", "internship"),
    ActivationStatus: ("planned", "started", "no_show", "ended", "ended_early"),
    ActivationOutcome: ("employed", "education", "stopped"),
    Agreement: ("none", "trains", "hires", "both"),
    OpeningStatus: ("open", "filled", "closed"),
    DanishLevel: ("", "some", "good", "fluent"),
    ReferralOutcome: (
        "applied",
        "interview",
        "hired",
        "rejected",
        "not_applied_good_reason",
        "not_applied_no_reason",
        "refused_offer",
    ),
    FollowUpKind: (
        "referral",
        "cv_deadline",
        "activation_start",
        "category_review",
        "nytteindsats_end",
        "durability",
    ),
    FollowUpOutcome: (
        "started",
        "did_not_show",
        "ended_early",
        "cv_done",
        "cv_missing",
        "reviewed",
        "continues",
        "ended",
        "activation_ended",
        "hired_elsewhere",
        "still_in_work",
        "no_longer_in_work",
    ),
    HearingEvent: (
        "not_applied",
        "refused_offer",
        "no_show_conversation",
        "absent_activation",
        "cv_missing",
    ),
    HearingStatus: ("awaiting", "sent", "decided"),
    HearingDecision: ("sanction", "no_sanction"),
    AuditAction: (
        "read",
        "search",
        "create",
        "update",
        "delete",
        "export",
        "print",
        "import",
        "shown",
    ),
    AuditEntity: (
        "citizen",
        "citizen_history",
        "request",
        "visitation",
        "activation",
        "follow_up",
        "follow_up_list",
        "hearing",
        "hearing_list",
        "withdrawal",
        "report",
        "receipt",
        "audit",
        "today_board",
        "search_results",
        "company",
        "company_history",
        "job_opening",
        "activation_site",
        "staff",
        "backup",
        "retention",
        "database",
    ),
    AuditPurpose: (
        "registration",
        "visitation",
        "access request",
        "backup",
        "restore",
        "retention",
        "retention review",
    ),
    # Not stored, but named in the staff screen and in refusals.
    Permission: (
        "register",
        "search",
        "read_citizen",
        "visit",
        "follow_up",
        "hearings",
        "reassign",
        "release_claim",
        "manage_openings",
        "manage_sites",
        "reports",
        "import",
        "export",
        "manage_staff",
        "audit",
        "backup",
        "retention",
    ),
}

# The columns each vocabulary fills.
COLUMNS: dict[type[Vocabulary], list[Any]] = {
    Benefit: [Request.benefit],
    RequestStatus: [Request.status],
    WithdrawalReason: [Withdrawal.reason],
    Category: [Visitation.category, Visitation.proposed_category, Hearing.category],
    DigitalSkills: [Visitation.digital_skills],
    SiteKind: [ActivationSite.kind],
    ActivationStatus: [Activation.status],
    ActivationOutcome: [Activation.outcome],
    Agreement: [Company.agreement],
    OpeningStatus: [JobOpening.status],
    DanishLevel: [JobOpening.danish_level],
    ReferralOutcome: [Referral.outcome, FollowUp.outcome],
    FollowUpKind: [FollowUp.kind],
    FollowUpOutcome: [FollowUp.outcome],
    HearingEvent: [Hearing.event],
    HearingStatus: [Hearing.status],
    HearingDecision: [Hearing.decision],
    AuditAction: [AuditEntry.action],
    AuditEntity: [AuditEntry.entity],
}
# What else a column may hold: nothing yet (NULL), or not asked ("").
UNSET: dict[object, set[object]] = {
    Activation.outcome: {None},
    Referral.outcome: {None},
    FollowUp.outcome: {None},
    Hearing.decision: {None},
    Visitation.digital_skills: {""},
}

ADULT = "0101901234"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ)


def test_every_vocabulary_is_listed_here() -> None:
    assert set(VOCABULARIES) == set(STORED)


@pytest.mark.parametrize("kind", VOCABULARIES, ids=lambda v: v.__name__)
def test_values_are_what_the_database_stores(kind: type[Vocabulary]) -> None:
    assert kind.values() == STORED[kind]
    for value in STORED[kind]:
        assert kind(value) == value and str(kind(value)) == value and f"{kind(value)}" == value


@pytest.mark.parametrize("kind", list(COLUMNS), ids=lambda v: v.__name__)
def test_every_value_fits_its_columns(kind: type[Vocabulary]) -> None:
    for column in COLUMNS[kind]:
        length = column.property.columns[0].type.length
        assert length is None or max(len(v) for v in kind.values()) <= length, column


def test_roles_fit_the_staff_column_together() -> None:
    length = Staff.roles.property.columns[0].type.length  # type: ignore[attr-defined]
    assert len(",".join(Role.values())) <= length


@pytest.mark.parametrize("kind", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_value_has_one_label_translated_into_danish(kind: type[Vocabulary]) -> None:
    danish = load_catalog("da")
    labels = [member.label for member in kind]
    assert all(labels) and len(set(labels)) == len(labels), labels  # no two values read alike
    for member in kind:
        assert member.label == member.msgid  # the tests run in English
        assert danish.get(member.msgid), f"{kind.__name__}.{member.name}: {member.msgid!r}"
    set_language("da")
    assert [member.label for member in kind] == [danish[m.msgid] for m in kind]


def test_an_unknown_value_is_shown_as_stored() -> None:
    assert RequestStatus.label_of("done") == "Visited"
    assert RequestStatus.label_of("archived") == "archived"
    assert Category.label_of(None) == ""


def test_follow_up_outcomes_are_vocabulary_values_with_their_labels() -> None:
    """What the follow-up service accepts per kind is in the vocabulary, so each has a label."""
    assert set(followups.OUTCOMES) == set(FollowUpKind.values())
    assert followups.OUTCOMES[FollowUpKind.REFERRAL] == ReferralOutcome.values()
    others = {o for k, os in followups.OUTCOMES.items() if k != FollowUpKind.REFERRAL for o in os}
    assert others <= set(FollowUpOutcome.values())
    assert follow_up_outcome_label("applied") == "Applied"
    assert follow_up_outcome_label("did_not_show") == "Did not show"
    assert follow_up_outcome_label(FollowUpOutcome.ACTIVATION_ENDED) == "Activation ended"
    assert FollowUpKind.CV_DEADLINE.label == "CV deadline"  # not also "CV on Jobnet"


def test_the_demo_stores_only_vocabulary_values(sqlite_database: Database) -> None:
    build_demo(sqlite_database, today=NOW.date(), citizens=200, now=NOW, in_worker=False)

    def distinct(column: Any) -> set[Any]:
        return set(
            sqlite_database.read(
                lambda s: s.execute(select_columns(column).distinct()).scalars().all()
            )
        )

    for kind, columns in COLUMNS.items():
        for column in columns:
            allowed = set(kind.values()) | UNSET.get(column, set())
            if column is FollowUp.outcome:
                allowed |= set(ReferralOutcome.values()) | set(FollowUpOutcome.values())
            elif column is Referral.outcome:
                allowed = set(ReferralOutcome.values()) | {None}
            found = distinct(column)
            assert found and found <= allowed, (column, found - allowed)
    roles = {r for value in distinct(Staff.roles) for r in str(value).split(",")}
    assert roles == set(Role.values())
    purposes = distinct(AuditEntry.purpose) - {""}
    assert purposes <= set(AuditPurpose.values())


def _citizen_with_a_history(db: Database) -> int:
    """A citizen who has been visited (activation, referral, CV deadline), whose follow-ups are
    recorded (CV on Jobnet, did not show at the start, applied), and who was turned at the door
    when they came again."""
    ctx = make_ctx(db, "kon", now=NOW)
    site = add_site(db)
    opening = add_opening(db, add_company(db))
    form = ArrivalForm(
        cpr=ADULT, benefit="kontanthjaelp", new_citizen=NewCitizen(name="Jens Møller")
    )
    registered = arrivals.register_arrival(ctx, form)
    start = visitation.start(ctx, registered.request_id)
    plan = VisitationPlan(
        request_id=registered.request_id,
        facts=Facts(),
        category="jobparat",
        activation=ActivationChoice(site, start.deadlines.default_activation_start),
        referrals=(ReferralChoice(opening),),
    )
    visitation.complete(ctx, plan)
    due = {row.kind: row.id for row in followups.due_list(ctx, all_open=True)}
    followups.record_outcome(ctx, due[FollowUpKind.CV_DEADLINE], FollowUpOutcome.CV_DONE)
    followups.record_outcome(ctx, due[FollowUpKind.ACTIVATION_START], FollowUpOutcome.DID_NOT_SHOW)
    followups.record_outcome(ctx, due[FollowUpKind.REFERRAL], ReferralOutcome.APPLIED)
    again = arrivals.register_arrival(ctx, ArrivalForm(cpr=ADULT, benefit="kontanthjaelp"))
    visitation.withdraw(ctx, again.request_id, WithdrawalReason.JOB)
    return registered.citizen_id


def test_the_citizen_history_shows_labels_not_codes(database: Database) -> None:
    citizen_id = _citizen_with_a_history(database)
    codes = {value for kind in VOCABULARIES for value in kind.values()} - {""} | {"open", "due"}
    ctx = make_ctx(database, "kon", now=NOW)

    events = citizens.history(ctx, citizen_id).events
    rows = {(e.kind_label, e.text, e.status) for e in events}
    for event in events:
        assert event.text not in codes and event.status not in codes, event
    assert {
        ("Request", "Kontanthjælp", "Visited"),
        ("Request", "Kontanthjælp", "Turned at the door"),
        ("Visitation", "Jobparat", "Visited"),
        ("Follow-up", "CV deadline", "CV is on Jobnet"),
        ("Follow-up", "Activation start", "Did not show"),
        ("Follow-up", "Job referral", "Applied"),
        ("Follow-up", "Job referral", "Due"),  # the next one, after "applied"
        ("Job referral", "Butiksassistent, Netto Herlev", "Applied"),
        ("Activation", "Materielgården", "No-show"),
        ("Turned at the door", "Job", ""),
    } <= rows

    set_language("da")
    danish = {(e.kind_label, e.text, e.status) for e in citizens.history(ctx, citizen_id).events}
    assert {
        ("Opfølgning", "CV-frist", "CV er på Jobnet"),
        ("Opfølgning", "Aktiveringsstart", "Udeblev"),
        ("Henvendelse", "Kontanthjælp", "Visiteret"),
    } <= danish


def test_reports_show_labels(database: Database) -> None:
    """The daily list names the status and the withdrawal reason by their labels."""
    from jobbutik.reports.daily import build_daily

    _citizen_with_a_history(database)
    ctx = make_ctx(database, "kon", now=NOW)
    doc, _ids = build_daily(ctx, date(2026, 11, 23))
    text = repr(doc)
    assert "Turned at the door: Job" in text and "Jobparat" in text
    assert "'done'" not in text and "'withdrawn'" not in text

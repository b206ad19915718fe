"""Follow-up reminders (services.reminders): the header's counts, the start summary, follow-ups
fallen due since, and the overdue follow-ups of consultants with no desk open today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import NOW, TODAY, add_staff, add_visited, make_ctx, on_day
from reminder_helpers import FRIDAY, add_follow_up
from sqlmodel import select

from jobbutik.domain.errors import PermissionDenied
from jobbutik.domain.i18n import set_language
from jobbutik.services import followups, reminders
from jobbutik.services.reminders import DueCounts
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, FollowUpKind


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def test_the_counts_are_the_users_open_follow_ups_due_today_and_overdue(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    kon = make_ctx(db, "kon", roles="consultant")
    citizen, _visit = add_visited(db)
    add_staff(db, "hm", "consultant")
    add_follow_up(db, citizen, "kon", TODAY)
    add_follow_up(db, citizen, "kon", TODAY, FollowUpKind.REFERRAL)
    add_follow_up(db, citizen, "kon", FRIDAY)
    add_follow_up(db, citizen, "kon", TODAY + timedelta(days=1))  # not due yet
    add_follow_up(db, citizen, "kon", FRIDAY, done=True)
    add_follow_up(db, citizen, "hm", FRIDAY)  # someone else's
    assert reminders.counts(kon) == DueCounts(today=2, overdue=1)
    # The next day, today's are overdue and tomorrow's is due.
    assert reminders.counts(on_day(kon, NOW + timedelta(days=1))) == DueCounts(1, 3)


def test_reception_has_no_follow_up_reminders(sqlite_database: Database) -> None:
    with pytest.raises(PermissionDenied):
        reminders.counts(make_ctx(sqlite_database, "rec", roles="reception"))


def test_the_start_summary_names_the_oldest_masked_and_logs_it(sqlite_database: Database) -> None:
    db = sqlite_database
    kon = make_ctx(db, "kon", roles="consultant")
    citizen, _visit = add_visited(db, "0101901234", "Jens Peter Møller")
    today_id = add_follow_up(db, citizen, "kon", TODAY)
    oldest_id = add_follow_up(db, citizen, "kon", FRIDAY, FollowUpKind.REFERRAL)
    summary = reminders.start_summary(kon)
    assert summary.counts == DueCounts(1, 1)
    assert summary.due_ids == {today_id, oldest_id}
    oldest = summary.oldest
    assert oldest is not None
    assert (oldest.id, oldest.kind_label) == (oldest_id, "Job referral")
    assert (oldest.cpr_masked, oldest.first_name) == ("010190-XXXX", "Jens")
    assert oldest.working_days_overdue == 1
    logged = db.read(lambda s: s.exec(select(AuditEntry).where(AuditEntry.actor == "kon")).all())
    assert [(e.entity, e.entity_id, e.citizen_id) for e in logged] == [
        ("follow_up", oldest_id, citizen)
    ]


def test_nothing_due_is_a_quiet_start(sqlite_database: Database) -> None:
    kon = make_ctx(sqlite_database, "kon", roles="consultant")
    summary = reminders.start_summary(kon)
    assert (summary.counts.total, summary.oldest, summary.due_ids) == (0, None, frozenset())


def test_a_follow_up_falls_due_once_by_a_new_day_or_another_desk(sqlite_database: Database) -> None:
    db = sqlite_database
    kon = make_ctx(db, "kon", roles="consultant")
    citizen, _visit = add_visited(db)
    add_follow_up(db, citizen, "kon", FRIDAY)
    tomorrow_id = add_follow_up(db, citizen, "kon", TODAY + timedelta(days=1))
    seen = reminders.start_summary(kon).due_ids
    assert reminders.newly_due(kon, seen).new_count == 0
    # Another desk makes one due today for kon.
    made_id = add_follow_up(db, citizen, "kon", TODAY, FollowUpKind.ACTIVATION_START)
    fallen = reminders.newly_due(kon, seen)
    assert [(i.id, i.kind_label, i.first_name) for i in fallen.new] == [
        (made_id, "Activation start", "Jens")
    ]
    seen = seen | fallen.due_ids
    assert reminders.newly_due(kon, seen).new == []  # told once
    # After midnight, tomorrow's falls due.
    fallen = reminders.newly_due(on_day(kon, NOW + timedelta(days=1)), seen)
    assert [i.id for i in fallen.new] == [tomorrow_id]


def test_many_fallen_due_at_once_are_told_as_a_count(sqlite_database: Database) -> None:
    db = sqlite_database
    kon = make_ctx(db, "kon", roles="consultant")
    citizen, _visit = add_visited(db)
    for _n in range(reminders.TOLD_ONE_BY_ONE + 1):
        add_follow_up(db, citizen, "kon", TODAY)
    fallen = reminders.newly_due(kon, frozenset())
    assert (fallen.new, fallen.new_count) == ([], reminders.TOLD_ONE_BY_ONE + 1)


def test_recording_and_reassigning_move_the_follow_ups_counter(sqlite_database: Database) -> None:
    db = sqlite_database
    kon = make_ctx(db, "kon", roles="consultant")
    boss = make_ctx(db, "boss", roles="supervisor")
    add_staff(db, "hm", "consultant")
    citizen, _visit = add_visited(db)
    first = add_follow_up(db, citizen, "kon", TODAY)
    second = add_follow_up(db, citizen, "kon", TODAY)
    before = reminders.version(kon)
    followups.record_outcome(kon, first, followups.CV_DONE)
    after_record = reminders.version(kon)
    assert after_record > before
    assert reminders.counts(kon) == DueCounts(1, 0)
    followups.reassign(boss, [second], "hm")
    assert reminders.version(kon) > after_record
    assert reminders.counts(kon) == DueCounts(0, 0)


def test_overdue_follow_ups_of_consultants_with_no_desk_open_reach_the_supervisor(
    sqlite_database: Database,
) -> None:
    db = sqlite_database
    boss = make_ctx(db, "boss", roles="supervisor")
    kon = make_ctx(db, "kon", roles="consultant")
    add_staff(db, "hm", "consultant", name="Hanne Mik")
    citizen, _visit = add_visited(db)
    add_follow_up(db, citizen, "hm", FRIDAY)
    add_follow_up(db, citizen, "hm", FRIDAY - timedelta(days=1))
    add_follow_up(db, citizen, "hm", TODAY)  # due today: not overdue
    add_follow_up(db, citizen, "kon", FRIDAY)
    absent = reminders.absent_overdue(boss)
    assert [(a.initials, a.name, a.overdue, a.oldest_due) for a in absent] == [
        ("hm", "Hanne Mik", 2, FRIDAY - timedelta(days=1)),
        ("kon", "KON", 1, FRIDAY),
    ]
    reminders.start_summary(kon)  # kon's desk opens: told at start, and logged
    assert [a.initials for a in reminders.absent_overdue(boss)] == ["hm"]
    # A desk open yesterday is not open today.
    tomorrow = on_day(boss, NOW + timedelta(days=1))
    assert [a.initials for a in reminders.absent_overdue(tomorrow)] == ["hm", "kon"]
    with pytest.raises(PermissionDenied):
        reminders.absent_overdue(kon)

"""Follow-up due dates count working days: weekends, Easter, Christmas, Grundlovsdag and the
local closing days are skipped; Store Bededag is a working day from 2024.

Each case holds a real conversation (or records a real outcome) on the day in question and reads
the dates the program saved. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from factories import add_company, add_opening, at, make_ctx, on_day
from sqlmodel import select
from test_followups import open_follow_up, visit

from jobbutik.services import followups
from jobbutik.store.db import Database
from jobbutik.store.models import FollowUp, FollowUpKind, Referral

FAR_AWAY = date(2030, 1, 1)


@pytest.mark.parametrize(
    ("referred_on", "apply_by", "follow_up_on"),
    [
        # Friday: the weekend is skipped.
        (date(2026, 11, 27), date(2026, 12, 2), date(2026, 12, 11)),
        # Before Easter 2027: Skærtorsdag 25.3, Langfredag 26.3, 2. påskedag 29.3 are closed.
        (date(2027, 3, 22), date(2027, 3, 30), date(2027, 4, 8)),
        # Before Christmas: 24.12 and 31.12 are local closing days, 25-26.12 and 1.1 holidays.
        (date(2026, 12, 18), date(2026, 12, 23), date(2027, 1, 7)),
        # Before Grundlovsdag, Friday 5 June 2026 (a local closing day).
        (date(2026, 6, 2), date(2026, 6, 8), date(2026, 6, 17)),
        # 2024: Store Bededag, Friday 26 April, is an ordinary working day.
        (date(2024, 4, 22), date(2024, 4, 25), date(2024, 5, 6)),
        # 2023: it was still a holiday (Friday 5 May).
        (date(2023, 5, 1), date(2023, 5, 4), date(2023, 5, 16)),
    ],
)
def test_referral_apply_by_and_follow_up_dates(
    database: Database, referred_on: date, apply_by: date, follow_up_on: date
) -> None:
    ctx = on_day(make_ctx(database, "kon", roles="consultant"), at(referred_on))
    opening = add_opening(database, add_company(database), apply_by=FAR_AWAY)
    visit(ctx, openings=(opening,))
    referral = database.read(lambda s: s.exec(select(Referral)).one())
    assert (referral.apply_by, referral.follow_up_on) == (apply_by, follow_up_on)
    follow_up = open_follow_up(database, FollowUpKind.REFERRAL)
    assert follow_up.due == follow_up_on


@pytest.mark.parametrize(
    ("interview_on", "follow_up_on"),
    [
        (date(2026, 6, 4), date(2026, 6, 8)),  # Thursday before Grundlovsdag and a weekend
        (date(2026, 12, 23), date(2026, 12, 28)),  # Christmas
        (date(2027, 3, 24), date(2027, 3, 30)),  # Easter
        (date(2024, 4, 25), date(2024, 4, 26)),  # Store Bededag 2024: a working day
        (date(2023, 5, 4), date(2023, 5, 8)),  # Store Bededag 2023: still a holiday
    ],
)
def test_follow_up_after_an_interview(
    database: Database, interview_on: date, follow_up_on: date
) -> None:
    ctx = on_day(make_ctx(database, "kon", roles="consultant"), at(interview_on))
    opening = add_opening(database, add_company(database), apply_by=FAR_AWAY)
    visit(ctx, openings=(opening,))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    result = followups.record_outcome(ctx, due.id, "interview", interview_on=interview_on)
    assert result.next_due == follow_up_on


def test_applied_over_christmas_and_new_year(database: Database) -> None:
    ctx = on_day(make_ctx(database, "kon", roles="consultant"), at(date(2026, 12, 4)))
    opening = add_opening(database, add_company(database), apply_by=FAR_AWAY)
    visit(ctx, openings=(opening,))
    due = open_follow_up(database, FollowUpKind.REFERRAL)
    assert due.due == date(2026, 12, 18)
    result = followups.record_outcome(on_day(ctx, at(due.due)), due.id, "applied")
    assert result.next_due == date(2027, 1, 7)  # ten working days, holidays left out
    successor = database.read(lambda s: s.get(FollowUp, result.next_follow_up_id))
    assert successor.due == date(2027, 1, 7)


def test_cv_missing_over_easter(database: Database) -> None:
    ctx = on_day(make_ctx(database, "kon", roles="consultant"), at(date(2027, 3, 1)))
    visit(ctx)
    due = open_follow_up(database, FollowUpKind.CV_DEADLINE)
    assert due.due == date(2027, 3, 22)  # 21 calendar days, a Monday
    late = on_day(ctx, at(date(2027, 3, 24)))
    result = followups.record_outcome(late, due.id, "cv_missing")
    assert result.next_due == date(2027, 4, 1)  # three working days around Easter


def test_overdue_counts_working_days(database: Database) -> None:
    ctx = on_day(make_ctx(database, "kon", roles="consultant"), at(date(2026, 12, 4)))
    opening = add_opening(database, add_company(database), apply_by=FAR_AWAY)
    visit(ctx, openings=(opening,))
    after_new_year = on_day(ctx, at(date(2027, 1, 4)))
    [row] = [r for r in followups.due_list(after_new_year) if r.kind == "referral"]
    # Due 18.12.2026; open days since: 21, 22, 23, 28, 29, 30.12 and 4.1.
    assert (row.overdue, row.working_days_overdue) == (True, 7)

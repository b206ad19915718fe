"""Working days around Danish holidays and the Jobbutik's own closing days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobbutik.domain import i18n
from jobbutik.domain.rules import Calendar, load_rulebook

RULES = load_rulebook()


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return Calendar()  # default local closing days: 5 June, 24 and 31 December


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are compared in English unless a test asks for Danish; the language is global."""
    before = i18n.language()
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language(before)


@pytest.fixture
def danish(english: None) -> None:
    i18n.set_language("da")


def naive_is_working_day(cal: Calendar, d: date) -> bool:
    return cal.closed_reason(d) is None


# -- which days are closed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 4, 2), "Maundy Thursday"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 5), "Easter Sunday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 14), "Ascension Day"),
        (date(2026, 5, 25), "Pentecost Monday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 26), "Second Day of Christmas"),
        (date(2027, 1, 1), "New Year's Day"),
        (date(2026, 6, 5), "Local closing day"),  # Grundlovsdag
        (date(2026, 12, 24), "Local closing day"),
        (date(2026, 12, 31), "Local closing day"),
        (date(2026, 3, 14), "Weekend"),
        (date(2026, 3, 15), "Weekend"),
        (date(2023, 5, 5), "Great Prayer Day"),  # Store Bededag, still a holiday in 2023
    ],
)
def test_closed_days_and_why(cal: Calendar, day: date, reason: str) -> None:
    assert not cal.is_working_day(day)
    assert cal.closed_reason(day) == reason


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 4, 26),  # Store Bededag abolished from 2024
        date(2025, 5, 16),
        date(2026, 5, 1),  # 4th Friday after Easter 2026; also 1 May is no public holiday
        date(2026, 4, 1),
        date(2026, 4, 7),
        date(2026, 6, 4),
        date(2026, 12, 23),
        date(2026, 12, 28),
    ],
)
def test_open_days(cal: Calendar, day: date) -> None:
    assert cal.is_working_day(day)
    assert cal.closed_reason(day) is None


@pytest.mark.usefixtures("danish")
def test_reasons_in_danish(cal: Calendar) -> None:
    assert cal.closed_reason(date(2026, 4, 3)) == "Langfredag"
    assert cal.closed_reason(date(2026, 12, 26)) == "Anden juledag"
    assert cal.closed_reason(date(2026, 6, 5)) == "Lokal lukkedag"


def test_without_local_closing_days_grundlovsdag_and_christmas_eve_are_open() -> None:
    bare = Calendar(closing_days=())
    assert bare.is_working_day(date(2026, 6, 5))
    assert bare.is_working_day(date(2026, 12, 24))
    assert not bare.is_working_day(date(2026, 12, 25))


def test_extra_closing_dates() -> None:
    cal = Calendar(extra_closing_dates=[date(2026, 3, 16)])
    assert cal.closed_reason(date(2026, 3, 16)) == "Local closing day"
    assert cal.next_working_day(date(2026, 3, 13)) == date(2026, 3, 17)
    assert cal.is_working_day(date(2027, 3, 16))


def test_leap_day_closing_day_only_closes_leap_years() -> None:
    cal = Calendar(closing_days=[(2, 29)])
    assert not cal.is_working_day(date(2028, 2, 29))
    assert cal.is_working_day(date(2027, 3, 1))


# -- moving between days -----------------------------------------------------------------------


def test_easter_2026(cal: Calendar) -> None:
    wednesday = date(2026, 4, 1)
    assert cal.next_working_day(wednesday) == date(2026, 4, 7)  # Thu, Fri, weekend, Mon closed
    assert cal.add_working_days(wednesday, 3) == date(2026, 4, 9)
    assert cal.working_days_between(wednesday, date(2026, 4, 9)) == 3
    assert cal.add_working_days(date(2026, 4, 7), -1) == wednesday


def test_christmas_and_new_year_2026(cal: Calendar) -> None:
    # 24 (local), 25, 26 (Sat), 27 (Sun) closed; 28-30 open; 31 (local), 1 Jan, 2-3 weekend closed.
    assert cal.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert cal.add_working_days(date(2026, 12, 23), 4) == date(2027, 1, 4)
    assert cal.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 4
    assert cal.roll_forward(date(2026, 12, 31)) == date(2027, 1, 4)


def test_grundlovsdag(cal: Calendar) -> None:
    assert cal.next_working_day(date(2026, 6, 4)) == date(2026, 6, 8)  # a Friday in 2026
    assert cal.next_working_day(date(2025, 6, 4)) == date(2025, 6, 6)  # a Thursday in 2025
    assert cal.add_working_days(date(2025, 6, 4), 2) == date(2025, 6, 10)  # 9 Jun: Pentecost Mon
    assert cal.add_working_days(date(2025, 6, 4), 3) == date(2025, 6, 11)
    assert cal.closed_reason(date(2025, 6, 9)) == "Pentecost Monday"


def test_weekend(cal: Calendar) -> None:
    friday = date(2026, 3, 13)
    assert cal.next_working_day(friday) == date(2026, 3, 16)
    assert cal.add_working_days(friday, 5) == date(2026, 3, 20)
    assert cal.roll_forward(date(2026, 3, 14)) == date(2026, 3, 16)
    assert cal.working_days_between(friday, date(2026, 3, 16)) == 1
    assert cal.working_days_between(date(2026, 3, 16), friday) == -1


def test_store_bededag(cal: Calendar) -> None:
    assert cal.next_working_day(date(2023, 5, 4)) == date(2023, 5, 8)  # holiday in 2023
    assert cal.next_working_day(date(2024, 4, 25)) == date(2024, 4, 26)  # working day from 2024
    assert cal.next_working_day(date(2025, 5, 15)) == date(2025, 5, 16)
    assert cal.working_days_between(date(2023, 5, 1), date(2023, 5, 8)) == 4
    assert cal.working_days_between(date(2025, 5, 12), date(2025, 5, 19)) == 5


def test_roll_forward_leaves_a_working_day_alone(cal: Calendar) -> None:
    assert cal.roll_forward(date(2026, 4, 7)) == date(2026, 4, 7)
    assert cal.roll_forward(date(2026, 4, 3)) == date(2026, 4, 7)
    assert cal.add_working_days(date(2026, 4, 3), 0) == date(2026, 4, 7)


def test_working_days_in(cal: Calendar) -> None:
    days = cal.working_days_in(date(2026, 12, 20), date(2027, 1, 6))
    assert days == [date(2026, 12, d) for d in (21, 22, 23, 28, 29, 30)] + [
        date(2027, 1, d) for d in (4, 5, 6)
    ]


def test_a_citizens_deadline_on_a_closed_day_moves_forward() -> None:
    rules = RULES
    # Registered Friday 13 March 2026: 21 days later is Good Friday 3 April → Tuesday 7 April.
    assert rules.cv_deadline(date(2026, 3, 13)) == date(2026, 4, 7)
    # Referred 22 December: 3 working days are 23, 28 and 29 December.
    assert rules.apply_by(date(2026, 12, 22)) == date(2026, 12, 29)


def test_the_jobcentres_deadline_on_a_closed_day_moves_back() -> None:
    rules = RULES
    # First henvendelse Thursday 17 December 2026: a week later is 24 December (closed
    # locally) → Wednesday 23 December; the legal week never stretches.
    assert rules.latest_first_conversation(date(2026, 12, 17)) == date(2026, 12, 23)
    # Thursday 24 December 2026 itself: 31 December is closed too → Wednesday 30 December.
    assert rules.latest_first_conversation(date(2026, 12, 24)) == date(2026, 12, 30)
    # Friday 29 May 2026: a week later is Grundlovsdag (closed locally) → Thursday 4 June.
    assert rules.latest_first_conversation(date(2026, 5, 29)) == date(2026, 6, 4)
    # Easter 2026: Monday 30 March + 7 is Easter Monday → back past Good Friday and Maundy
    # Thursday to Wednesday 1 April.
    assert rules.latest_first_conversation(date(2026, 3, 30)) == date(2026, 4, 1)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)))
def test_the_first_conversation_is_never_later_than_a_week(d: date) -> None:
    due = RULES.latest_first_conversation(d)
    assert d <= due <= d + timedelta(days=7)
    # On an open day, unless nothing within the week is open after the arrival day.
    assert RULES.calendar.is_working_day(due) or due == d


# -- properties against a day-by-day count -----------------------------------------------------

days = st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31))


@given(days, st.integers(min_value=1, max_value=400))
def test_add_working_days_agrees_with_counting_day_by_day(start: date, n: int) -> None:
    cal = Calendar()
    expected, left = start, n
    while left:
        expected += timedelta(days=1)
        if naive_is_working_day(cal, expected):
            left -= 1
    assert cal.add_working_days(start, n) == expected
    assert cal.working_days_between(start, expected) == n
    if cal.is_working_day(start):
        assert cal.add_working_days(expected, -n) == start


@given(days, days)
def test_working_days_between_counts_the_open_days(a: date, b: date) -> None:
    cal = Calendar()
    lo, hi = min(a, b), max(a, b)
    count = sum(
        naive_is_working_day(cal, lo + timedelta(days=k)) for k in range(1, (hi - lo).days + 1)
    )
    assert cal.working_days_between(lo, hi) == count
    assert cal.working_days_between(hi, lo) == -count


@given(days)
def test_next_working_day_is_the_first_open_day_after(d: date) -> None:
    cal = Calendar()
    nxt = cal.next_working_day(d)
    assert nxt > d
    assert cal.is_working_day(nxt)
    assert all(not cal.is_working_day(d + timedelta(days=k)) for k in range(1, (nxt - d).days))
    rolled = cal.roll_forward(d)
    assert rolled == (d if cal.is_working_day(d) else nxt)

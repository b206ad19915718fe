"""One way to write and read dates (issue 10 point 11)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jobbutik.domain.clock import Clock
from jobbutik.domain.dates import format_day, format_moment, parse_day
from jobbutik.domain.errors import ValidationError


def test_a_day_is_written_the_danish_way() -> None:
    assert format_day(date(2026, 12, 2)) == "02.12.2026"
    assert format_day(None) == ""


def test_a_moment_is_written_in_copenhagen_time() -> None:
    # 13:05 UTC is 14:05 in Copenhagen in winter, 15:05 in summer
    assert format_moment(datetime(2026, 12, 2, 13, 5, tzinfo=UTC)) == "02.12.2026 14:05"
    assert format_moment(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == "01.07.2026 00:30"


@pytest.mark.parametrize(
    "text",
    [
        "02.12.2026",
        "2.12.2026",
        " 02-12-2026 ",
        "02/12/2026",
        "2-12-2026",
        "02122026",
        "2026-12-02",
        "2026-12-2",
    ],
)
def test_every_way_the_desk_csv_and_command_line_write_a_date(text: str) -> None:
    assert parse_day(text) == date(2026, 12, 2)


def test_written_and_read_back_is_the_same_day() -> None:
    for day in (date(2026, 1, 1), date(2028, 2, 29), date(2026, 12, 31)):
        assert parse_day(format_day(day)) == day


@pytest.mark.parametrize(
    "text",
    ["31.02.2026", "2.12.26", "2026/12/02", "tomorrow", "٠٢.١٢.٢٠٢٦", "00.12.2026", "20261202x"],
)
def test_anything_else_is_refused_with_the_way_to_write_it(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_day(text)
    assert str(refused.value) == (
        f"{text.strip()} is not a date: write it as DD.MM.YYYY, like 02.12.2026, or as DD.MM "
        "for this year."
    )


def test_an_empty_date_asks_for_one() -> None:
    with pytest.raises(ValidationError, match=r"Enter a date \(DD.MM.YYYY, or DD.MM for this"):
        parse_day("  ")


@pytest.mark.parametrize("text", ["7.12", "07.12", "7/12", "7-12", " 07/12 "])
def test_a_day_without_its_year_is_in_this_year(text: str) -> None:
    assert parse_day(text, today=date(2027, 1, 15)) == date(2027, 12, 7)
    assert parse_day(text, today=date(2026, 12, 31)) == date(2026, 12, 7)


def test_without_a_today_this_year_is_copenhagens() -> None:
    assert parse_day("1.1").year == Clock().today().year


@pytest.mark.parametrize("text", ["29.2", "31.4", "0.12", "7.13", "7.", ".12", "7..12", "712"])
def test_a_short_date_that_is_no_day_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match=r"DD\.MM for this year"):
        parse_day(text, today=date(2027, 6, 1))


def test_29_february_without_a_year_in_a_leap_year() -> None:
    assert parse_day("29.2", today=date(2028, 6, 1)) == date(2028, 2, 29)


def test_a_file_writes_the_year() -> None:
    assert parse_day("07.12.2026", short=False) == date(2026, 12, 7)
    with pytest.raises(ValidationError) as refused:
        parse_day("7.12", short=False)
    assert str(refused.value) == "7.12 is not a date: write it as DD.MM.YYYY, like 02.12.2026."
    with pytest.raises(ValidationError, match=r"^Enter a date \(DD\.MM\.YYYY\)\.$"):
        parse_day(" ", short=False)

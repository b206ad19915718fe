"""Working days: not a weekend, not a Danish public holiday, not a local closing day.

Public holidays come from the `holidays` package (Denmark). Store Bededag (the fourth Friday after
Easter) was abolished as a public holiday from 2024; the package knows this, and the calendar drops
it again for 2024 onwards in case an older package version does not.

Everything is precomputed lazily per year (closed days, the sorted working days and a running
count), so the common calls are a dictionary lookup or an index into a list.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from jobbutik.domain.i18n import N_, _

__all__ = ["DEFAULT_CLOSING_DAYS", "Calendar", "danish_public_holidays"]

DEFAULT_CLOSING_DAYS: Final[tuple[tuple[int, int], ...]] = ((6, 5), (12, 24), (12, 31))
"""Local closing days as (month, day): Grundlovsdag, Christmas Eve, New Year's Eve."""

_STORE_BEDEDAG_ABOLISHED: Final = 2024
_STORE_BEDEDAG: Final = "Great Prayer Day"

# The names the `holidays` package gives Denmark's holidays (en_US), marked here for the catalog:
# they reach `_()` only at run time. tests/test_i18n.py checks that every year's names are listed.
HOLIDAY_NAMES: Final = (
    N_("New Year's Day"),
    N_("Maundy Thursday"),
    N_("Good Friday"),
    N_("Easter Sunday"),
    N_("Easter Monday"),
    N_("Great Prayer Day"),
    N_("Ascension Day"),
    N_("Pentecost"),
    N_("Pentecost Monday"),
    N_("Christmas Day"),
    N_("Second Day of Christmas"),
)


@lru_cache(maxsize=512)
def danish_public_holidays(year: int) -> MappingProxyType[date, str]:
    """Denmark's public holidays in `year` → English name (a msgid, translated by the caller)."""
    import holidays  # here, not at the top: ~70 ms the desk's first screen does not need

    found = holidays.country_holidays("DK", years=year, language="en_US")
    result = {
        d: str(name)
        for d, name in sorted(found.items())
        if d.year == year and not (year >= _STORE_BEDEDAG_ABOLISHED and _STORE_BEDEDAG in str(name))
    }
    return MappingProxyType(result)


@dataclass(frozen=True, slots=True)
class _Year:
    closed: frozenset[date]  # Monday–Friday days closed for a holiday or locally
    working: list[date]  # the working days of the year, ascending
    prefix: list[int]  # prefix[k] = working days among the first k days of the year
    first_ordinal: int  # date(year, 1, 1).toordinal()


class Calendar:
    """Working days for one jobcentre: weekends, Danish public holidays and local closing days.

    `closing_days` are (month, day) pairs closed every year (29 February only in leap years);
    `extra_closing_dates` are one-off closed dates.
    """

    def __init__(
        self,
        closing_days: Iterable[tuple[int, int]] = DEFAULT_CLOSING_DAYS,
        extra_closing_dates: Iterable[date] = (),
    ) -> None:
        self.closing_days: tuple[tuple[int, int], ...] = tuple(sorted(set(closing_days)))
        self.extra_closing_dates: frozenset[date] = frozenset(extra_closing_dates)
        self._years: dict[int, _Year] = {}

    def __repr__(self) -> str:
        days = ", ".join(f"{m:02d}-{d:02d}" for m, d in self.closing_days)
        return f"Calendar(closing_days=[{days}], extra={len(self.extra_closing_dates)})"

    # -- per-year tables -------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        info = self._years.get(year)
        if info is None:
            info = self._years[year] = self._build(year)
        return info

    def _build(self, year: int) -> _Year:
        closed: set[date] = set(danish_public_holidays(year))
        for month, day in self.closing_days:
            with contextlib.suppress(ValueError):  # 29 February in a common year
                closed.add(date(year, month, day))
        closed.update(d for d in self.extra_closing_dates if d.year == year)
        first = date(year, 1, 1)
        n_days = (date(year + 1, 1, 1) - first).days if year < date.max.year else 365
        working: list[date] = []
        prefix = [0]
        for k in range(n_days):
            d = first + timedelta(days=k)
            if d.weekday() < 5 and d not in closed:
                working.append(d)
            prefix.append(len(working))
        weekday_closed = frozenset(d for d in closed if d.weekday() < 5)
        return _Year(weekday_closed, working, prefix, first.toordinal())

    # -- questions about one day -------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        if d.weekday() >= 5:
            return False
        info = self._years.get(d.year) or self._year(d.year)
        return d not in info.closed

    def closed_reason(self, d: date) -> str | None:
        """Why `d` is closed (translated), or None on a working day."""
        holiday = danish_public_holidays(d.year).get(d)
        if holiday is not None:
            return _(holiday)
        if d in self._year(d.year).closed:
            return _("Local closing day")
        if d.weekday() >= 5:
            return _("Weekend")
        return None

    # -- moving between days -----------------------------------------------------------------

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        return self.add_working_days(d, -1)

    def roll_forward(self, d: date) -> date:
        """`d` if it is a working day, else the next working day."""
        return d if self.is_working_day(d) else self.add_working_days(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """The `n`th working day after `d` (before `d` when `n` is negative).

        `d` itself never counts, so `add_working_days(friday, 1)` is the next Monday (if open).
        `n == 0` gives `roll_forward(d)`. Always: `working_days_between(d, result) == n` for n≥1.
        """
        if n == 0:
            return self.roll_forward(d)
        year = d.year
        info = self._year(year)
        doy = d.toordinal() - info.first_ordinal
        if n > 0:
            index = info.prefix[doy + 1] + n - 1  # working days up to and including d, then n on
            while index >= len(info.working):
                index -= len(info.working)
                year += 1
                info = self._year(year)
            return info.working[index]
        index = info.prefix[doy] + n  # working days strictly before d, then |n| back
        while index < 0:
            year -= 1
            info = self._year(year)
            index += len(info.working)
        return info.working[index]

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`.

        So a Friday to the following Monday is 1 working day (if Monday is open)."""
        if b < a:
            return -self.working_days_between(b, a)
        count = self._through(b) - self._through(a)
        for year in range(a.year, b.year):
            count += len(self._year(year).working)
        return count

    def _through(self, d: date) -> int:
        """Working days from 1 January of `d.year` through `d`."""
        info = self._year(d.year)
        return info.prefix[d.toordinal() - info.first_ordinal + 1]

    def working_days_in(self, start: date, end: date) -> list[date]:
        """The working days from `start` through `end`, ascending."""
        days: list[date] = []
        for year in range(start.year, end.year + 1):
            working = self._year(year).working
            lo = bisect.bisect_left(working, start) if year == start.year else 0
            hi = bisect.bisect_right(working, end) if year == end.year else len(working)
            days.extend(working[lo:hi])
        return days

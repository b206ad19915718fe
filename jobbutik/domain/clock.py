"""The program's idea of today. `--today` fixes the date (tests, demos); time of day stays real.

Times are timezone-aware: the database stores UTC, the desk sees Copenhagen time (`local()`).
Dates (arrival day, deadlines) are Copenhagen calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def local(moment: datetime) -> datetime:
    """`moment` in Copenhagen time, for display."""
    return moment.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class Clock:
    fixed_today: date | None = None
    fixed_now: datetime | None = None  # aware; tests that need a fixed time of day too

    def today(self) -> date:
        if self.fixed_now is not None:
            return local(self.fixed_now).date()
        return self.fixed_today or datetime.now(LOCAL_TZ).date()

    def now(self) -> datetime:
        if self.fixed_now is not None:
            return self.fixed_now
        now = datetime.now(LOCAL_TZ).replace(microsecond=0)
        if self.fixed_today is not None:
            return datetime.combine(self.fixed_today, now.time(), tzinfo=LOCAL_TZ)
        return now

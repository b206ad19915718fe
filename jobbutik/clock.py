"""The program's idea of today. `--today` fixes the date (tests, demos); time of day stays real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Clock:
    fixed_today: date | None = None
    fixed_now: datetime | None = None

    def today(self) -> date:
        if self.fixed_now is not None:
            return self.fixed_now.date()
        return self.fixed_today or date.today()

    def now(self) -> datetime:
        if self.fixed_now is not None:
            return self.fixed_now
        now = datetime.now().replace(microsecond=0)
        if self.fixed_today is not None:
            return datetime.combine(self.fixed_today, now.time())
        return now

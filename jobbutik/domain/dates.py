"""How the program writes and reads dates: one formatter, one parser, everywhere.

Dates are written the Danish way (02.12.2026) in every message, screen, receipt and report.
`parse_day` accepts what a person at the desk, a CSV file or the command line may type.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from jobbutik.domain.clock import Clock, local
from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _

__all__ = ["format_day", "format_moment", "parse_day"]

_FORMATS = (
    # 2.12.2026, 02-12-2026, 02/12/2026
    re.compile(r"(?P<d>\d{1,2})[.\-/](?P<m>\d{1,2})[.\-/](?P<y>\d{4})"),
    # 2026-12-02 (ISO, as the command line and CSV files have always accepted)
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    # 02122026
    re.compile(r"(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{4})"),
    # 7.12, 07/12, 7-12: this year (last: `parse_day(short=False)` leaves it out)
    re.compile(r"(?P<d>\d{1,2})[.\-/](?P<m>\d{1,2})"),
)


def format_day(day: date | None) -> str:
    """`day` as 02.12.2026; '' for no date."""
    return day.strftime("%d.%m.%Y") if day is not None else ""


def format_moment(moment: datetime) -> str:
    """An aware `moment` in Copenhagen time as 02.12.2026 14:05."""
    return local(moment).strftime("%d.%m.%Y %H:%M")


def parse_day(text: str, *, today: date | None = None, short: bool = True) -> date:
    """A date typed as 02.12.2026 (also with - or /, one-digit day or month), 02122026 or
    2026-12-02; with `short`, also without the year (7.12, 7/12, 7-12) for a day in `today`'s
    year (by default the Copenhagen calendar's today). A file is read with `short=False`: it may
    be imported in another year than it was written. ValidationError with one sentence when it
    is not a real date."""
    value = text.strip()
    if not value:
        raise ValidationError(
            _("Enter a date (DD.MM.YYYY, or DD.MM for this year).")
            if short
            else _("Enter a date (DD.MM.YYYY).")
        )
    if value.isascii():
        for pattern in _FORMATS if short else _FORMATS[:-1]:
            if match := pattern.fullmatch(value):
                year = match.groupdict().get("y") or (today or Clock().today()).year
                try:
                    return date(int(year), int(match["m"]), int(match["d"]))
                except ValueError:
                    break
    if not short:
        raise ValidationError(
            _("{value} is not a date: write it as DD.MM.YYYY, like 02.12.2026.").format(value=value)
        )
    raise ValidationError(
        _(
            "{value} is not a date: write it as DD.MM.YYYY, like 02.12.2026, or as DD.MM for "
            "this year."
        ).format(value=value)
    )

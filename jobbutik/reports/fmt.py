"""How reports write dates, times, counts and shares (the same in every format)."""

from __future__ import annotations

from datetime import date, datetime

from jobbutik.domain.clock import local
from jobbutik.domain.dates import format_day, format_moment
from jobbutik.domain.i18n import _, language
from jobbutik.domain.identity import mask_cpr

DASH = "–"


day = format_day  # reports write dates as everywhere else


def short_day(d: date | None) -> str:
    return d.strftime("%d.%m.") if d is not None else ""


def period(start: date, end: date) -> str:
    return day(start) if start == end else f"{day(start)}{DASH}{day(end)}"


def clock_time(moment: datetime | None) -> str:
    return local(moment).strftime("%H:%M") if moment is not None else ""


stamp = format_moment


def cpr(digits: str) -> str:
    """Always masked: reports never show a full CPR number (CPR-loven § 54)."""
    return mask_cpr(digits)


def number(value: float, decimals: int = 1) -> str:
    """`value` with a decimal comma in Danish; whole numbers without decimals."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.{decimals}f}"
    return text.replace(".", ",") if language() == "da" else text


def share_value(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def share(part: int, whole: int) -> str:
    """`part` of `whole` in per cent with one decimal ("37,5 %"); a dash when `whole` is 0."""
    value = share_value(part, whole)
    if value is None:
        return DASH
    text = f"{value:.1f}"
    if language() == "da":
        text = text.replace(".", ",")
    return f"{text} %"


def count_and_share(part: int, whole: int) -> str:
    return f"{part} ({share(part, whole)})"


def yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


def median(counts: dict[int, int]) -> float | None:
    """The median of values given as value → how many times (None when there are none)."""
    total = sum(counts.values())
    if total == 0:
        return None
    ordered = sorted(counts.items())

    def nth(k: int) -> int:  # the k-th value (0-based) in sorted order
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        raise AssertionError("unreachable")  # pragma: no cover

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2

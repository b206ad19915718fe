"""Danish identity numbers (CPR, CVR) and name folding for search.

CPR rules (DESIGN §4): 10 ASCII digits with an optional hyphen after the sixth, a valid birth date
by the century table (7th digit) and not in the future. A number is never refused for failing the
modulus-11 check — numbers without it have been issued since 2007 — it is only recorded
(`Cpr.modulus11_ok`) so the screen can show a notice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumValidationError

from jobbutik.domain.dates import format_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _

__all__ = [
    "Cpr",
    "CprError",
    "CvrError",
    "IdentityError",
    "fold_name",
    "mask_cpr",
    "parse_cpr",
    "parse_cvr",
]

_ASCII_DIGITS = frozenset("0123456789")


class IdentityError(ValueError, JobbutikError):
    """An identity number was refused. `reason` is one translated, user-facing sentence;
    `code` is a stable machine-readable name for the kind of problem."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class CprError(IdentityError):
    """codes: empty, non_ascii_digit, characters, length, hyphen, date, future"""


class CvrError(IdentityError):
    """codes: empty, non_ascii_digit, characters, length, leading_zero, checksum"""


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _has_non_ascii_digit(text: str) -> bool:
    """True for digits outside 0-9: Arabic-Indic, full-width, superscripts, circled, … —
    characters `str.isdigit()` accepts but which are not ASCII digits."""
    return any(
        ch not in _ASCII_DIGITS
        and (ch.isdigit() or ch.isdecimal() or unicodedata.digit(ch, None) is not None)
        for ch in text
    )


@dataclass(frozen=True)
class Cpr:
    """A checked CPR number. Build it with `parse_cpr`."""

    digits: str
    birth_date: date
    modulus11_ok: bool

    def __post_init__(self) -> None:
        if len(self.digits) != 10 or not _is_ascii_digits(self.digits):
            raise ValueError(f"Cpr.digits must be 10 ASCII digits, got {self.digits!r}")

    @property
    def sex(self) -> Literal["F", "M"]:
        """Legal sex from the parity of the last digit: odd is male, even is female."""
        return "M" if int(self.digits[-1]) % 2 else "F"

    @property
    def masked(self) -> str:
        """`DDMMYY-XXXX`: the form for lists, reports and printouts (CPR-loven § 54)."""
        return f"{self.digits[:6]}-XXXX"

    @property
    def formatted(self) -> str:
        """`DDMMYY-SSSS`: the full number, only for the citizen's own screen."""
        return f"{self.digits[:6]}-{self.digits[6:]}"

    def age(self, on: date) -> int:
        """Completed years on `on`. Someone born on 29 February turns a year older on 1 March
        in years without a 29 February."""
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def __str__(self) -> str:
        # Never leak the full number through str() or f-strings in logs.
        return self.masked

    def __repr__(self) -> str:
        return f"Cpr(masked={self.masked!r}, modulus11_ok={self.modulus11_ok})"


def parse_cpr(text: str, today: date) -> Cpr:
    """Check `text` as a CPR number as of `today`; raise `CprError` with the reason if refused."""
    s = text.strip()
    if not s:
        raise CprError(_("Enter a CPR number (10 digits, DDMMYY-SSSS)."), "empty")
    if _has_non_ascii_digit(s):
        raise CprError(
            _("The CPR number contains digits that are not 0–9; type it with ordinary digits."),
            "non_ascii_digit",
        )
    if any(ch not in _ASCII_DIGITS and ch != "-" for ch in s):
        raise CprError(
            _("A CPR number may only contain the digits 0–9 and one hyphen (DDMMYY-SSSS)."),
            "characters",
        )
    digits = s.replace("-", "")
    if len(digits) != 10:
        raise CprError(
            _("A CPR number has 10 digits; this has {count}.").format(count=len(digits)),
            "length",
        )
    if s.count("-") > 1 or ("-" in s and s.index("-") != 6):
        raise CprError(
            _("The hyphen in a CPR number can only come after the sixth digit (DDMMYY-SSSS)."),
            "hyphen",
        )
    try:
        birth_date = stdnum_cpr.get_birth_date(digits)
    except StdnumValidationError:
        raise CprError(
            _("The first six digits of the CPR number are not a valid date (DDMMYY)."), "date"
        ) from None
    if birth_date > today:
        raise CprError(
            _("The birth date in the CPR number ({date}) is in the future.").format(
                date=format_day(birth_date)
            ),
            "future",
        )
    return Cpr(
        digits=digits,
        birth_date=birth_date,
        modulus11_ok=stdnum_cpr.checksum(digits) == 0,
    )


def mask_cpr(digits: str) -> str:
    """`DDMMYY-XXXX` from a stored CPR number (`DDMMYYSSSS`; `DDMMYY-SSSS` is accepted too)."""
    if len(digits) == 11 and digits[6] == "-":
        digits = digits[:6] + digits[7:]
    if len(digits) != 10 or not _is_ascii_digits(digits):
        raise CprError(_("A CPR number has 10 digits (DDMMYY-SSSS)."), "length")
    return f"{digits[:6]}-XXXX"


def parse_cvr(text: str) -> str:
    """Check `text` as a CVR number (8 digits, modulus 11) and return the 8 digits.

    Spaces inside the number and a leading `DK` (as on invoices) are allowed."""
    s = "".join(text.split())
    if s[:2].upper() == "DK":
        s = s[2:]
    if not s:
        raise CvrError(_("Enter a CVR number (8 digits)."), "empty")
    if _has_non_ascii_digit(s):
        raise CvrError(
            _("The CVR number contains digits that are not 0–9; type it with ordinary digits."),
            "non_ascii_digit",
        )
    if not _is_ascii_digits(s):
        raise CvrError(_("A CVR number may only contain the digits 0–9."), "characters")
    if len(s) != 8:
        raise CvrError(
            _("A CVR number has 8 digits; this has {count}.").format(count=len(s)), "length"
        )
    if s[0] == "0":
        raise CvrError(_("A CVR number cannot start with 0."), "leading_zero")
    try:
        return stdnum_cvr.validate(s)
    except StdnumValidationError:
        raise CvrError(
            _("This is not a valid CVR number (the check digit does not match)."), "checksum"
        ) from None


_DANISH_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "ae", "ö": "o"})
# The old spellings of ø and å ("Moeller", "Aase") meet the letters and the plain forms people
# type without them ("Moller", "Ase"). A run collapses whole so folding a folded name changes
# nothing.
_SPELLED_OUT = ((re.compile("oe+"), "o"), (re.compile("a{2,}"), "a"))


# The stored search key of a name is kept in a column of this width.
NAME_KEY_LENGTH = 200


def fold_name(name: str) -> str:
    """A search key for a name: `Møller`, `Moeller`, `Moller` and `MØLLER` all give `moller`;
    `Åse`, `Aase` and `Ase` give `ase`; `Ærø` and `Aero` give `aero`; other accents are
    dropped (`José` → `jose`)."""
    # NFKC first so a decomposed "a + ring above" is folded as å (not stripped to a) and
    # compatibility forms (full-width letters, ligatures) become ordinary letters.
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_DANISH_FOLD)
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
    )
    for pattern, letter in _SPELLED_OUT:
        stripped = pattern.sub(letter, stripped)
    return " ".join(stripped.split())


def name_key(name: str) -> str:
    """The stored search key of a name: `fold_name`, cut to `NAME_KEY_LENGTH`. Folding can make a
    name longer than it was typed (æ → ae, ß → ss), and the column would refuse it; two names
    alike in their first 200 folded letters are found together, which a search can bear. Free
    text (requirements, wishes) is folded whole with `fold_name`."""
    return fold_name(name)[:NAME_KEY_LENGTH].rstrip()

"""Shared hypothesis strategies: text a desk may type or paste, valid and invalid CPR numbers.

The rules here are written out from the documented behaviour (DESIGN §4, `jobbutik.domain.text`
docstring, the field messages), not imported from the program, so a test using them notices when
the program drifts from what it promises.
"""

from __future__ import annotations

import re
from datetime import date

from hypothesis import strategies as st

# -- characters ------------------------------------------------------------------------------------

# Refused in typed text (domain/text.py): C0 controls, DEL, C1 controls, the line and paragraph
# separators, and the invisible direction marks, embeddings, overrides and isolates.
CONTROL_CHARS = (
    "".join(map(chr, range(0x20))) + "".join(map(chr, range(0x7F, 0xA0))) + "\u2028\u2029"
)
DIRECTION_CHARS = "\u061c\u200e\u200f" + "".join(map(chr, range(0x202A, 0x202F)))
DIRECTION_CHARS += "".join(map(chr, range(0x2066, 0x206A)))
REFUSED_CHARS = CONTROL_CHARS + DIRECTION_CHARS


def refusal(value: str) -> str | None:
    """The message a field shows for text holding a refused character (the first one), or None."""
    for char in value:
        if char in CONTROL_CHARS:
            return f"Remove the control character (U+{ord(char):04X}) from the text."
        if char in DIRECTION_CHARS:
            return f"Remove the text direction character (U+{ord(char):04X}) from the text."
    return None


# Keys on a Danish keyboard that type themselves: printable ASCII and the Danish letters.
KEYBOARD = "".join(map(chr, range(0x20, 0x7F))) + "æøåÆØÅéÉüÜöÖäÄ"

ANY_CHAR = st.characters(exclude_categories=["Cs"])  # all of Unicode but lone surrogates
PLAIN_CHAR = st.characters(exclude_categories=["Cs"], exclude_characters=REFUSED_CHARS)
KEY_CHAR = st.sampled_from(KEYBOARD)

# -- explicit samples ------------------------------------------------------------------------------

MARKUP = (
    "[b]x[/b]",
    "[red]",
    "[@click=app.quit]",
    "[link=http://x]y[/]",
    "[/]",
    "[$accent]",
    "[b",
    "\\[b]",
    "x\\",
)
FORMULAS = ("=1+1", "+SUM(1;2)", "-2+3", "@SUM(1+1)", '=HYPERLINK("http://x";"k")')
SYMBOLS = ("<", ">", "|", "\\", "<b>", "a|b", "&amp;", "%s", "{0}", "{name}", "$x", "'", '"')
COMBINING = ("e\u0301", "A\u030a", "Z\u0351\u0329\u0361", "\u0301", "n\u0303a")
SCRIPTS = ("Ærø Åse Øster", "שלום", "مرحبا", "日本語", "🙂", "👩\u200d👩\u200d👧", "ǅ", "ß", "İ")
# Allowed: data, to be shown and stored as typed.
PLAIN_SAMPLES = MARKUP + FORMULAS + SYMBOLS + COMBINING + SCRIPTS
# Refused: control characters, escape sequences, direction marks.
REFUSED_SAMPLES = (
    "\x1b[31m",
    "\x1b]0;x\x07",
    "\x1b[2J",
    "\x07",
    "\x00",
    "\t",
    "\r",
    "\n",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u202e",
    "\u200f",
    "\u200e",
    "\u061c",
    "\u2067",
)
ANY_SAMPLES = PLAIN_SAMPLES + REFUSED_SAMPLES

# Whitespace a strip() removes around a value (Unicode spaces too), all of it allowed text.
SPACES = st.text(st.sampled_from(" \u00a0\u2003\u3000"), max_size=2)


def _pieces(chars: st.SearchStrategy[str], samples: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(chars, min_size=1, max_size=8),
        st.text(KEY_CHAR, min_size=1, max_size=6),
        st.sampled_from(samples),
    )


def texts(*, max_size: int, plain: bool = True, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text made of pieces: runs of any (plain) Unicode, runs a keyboard types, and the samples;
    at most `max_size` characters (what the field takes)."""
    piece = _pieces(PLAIN_CHAR, PLAIN_SAMPLES) if plain else _pieces(ANY_CHAR, ANY_SAMPLES)
    return (
        st.lists(piece, max_size=4)
        .map("".join)
        .map(lambda value: value[:max_size])
        .filter(lambda value: len(value) >= min_size)
    )


def names(max_size: int = 200) -> st.SearchStrategy[str]:
    """A name a form accepts: plain text that is not blank, surrounding spaces included."""
    return st.builds(
        lambda before, core, after: (before + core + after)[:max_size],
        SPACES,
        texts(max_size=max_size - 4).filter(lambda value: value.strip() != ""),
        SPACES,
    )


def with_refused(value: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    """`value` with one refused character or escape sequence put in somewhere, the whole at
    most `max_size` characters."""
    fitting = [bad for bad in REFUSED_SAMPLES if len(bad) <= max_size]

    @st.composite
    def build(draw: st.DrawFn) -> str:
        bad = draw(st.one_of(st.sampled_from(fitting), st.sampled_from(REFUSED_CHARS)))
        text = draw(value)[: max_size - len(bad)]
        at = draw(st.integers(0, len(text)))
        return text[:at] + bad + text[at:]

    return build()


def blanks(max_size: int) -> st.SearchStrategy[str]:
    """Nothing, or only whitespace that is allowed text."""
    return st.text(st.sampled_from(" \u00a0\u2003\u3000"), max_size=min(max_size, 6))


# -- phone, e-mail, postcode -----------------------------------------------------------------------

PHONE_RULE = re.compile(r"\+?[0-9 ]{8,15}")  # "8 digits, optionally with +country code"
EMAIL_RULE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def phone_ok(value: str) -> bool:
    v = value.strip()
    return not v or (v.isascii() and PHONE_RULE.fullmatch(v) is not None)


def email_ok(value: str) -> bool:
    v = value.strip()
    return not v or EMAIL_RULE.fullmatch(v) is not None


def postcode_ok(value: str) -> bool:
    v = value.strip()
    return not v or (len(v) == 4 and v.isascii() and v.isdigit())


PHONES = st.one_of(
    st.just(""),
    st.from_regex(r"\A\+?[0-9][0-9 ]{6,12}[0-9]\Z"),
    st.from_regex(r"\A\+45 [0-9]{2} [0-9]{2} [0-9]{2} [0-9]{2}\Z"),
).filter(phone_ok)
EMAIL_PART = st.text(
    st.characters(
        exclude_categories=("Cs", "Zs", "Zl", "Zp"),
        exclude_characters=REFUSED_CHARS + "@\x1c\x1d\x1e\x1f\x85",
    ),
    min_size=1,
    max_size=12,
).filter(lambda part: not any(c.isspace() for c in part))
EMAILS = st.one_of(
    st.just(""),
    st.builds(lambda a, b, c: f"{a}@{b}.{c}", EMAIL_PART, EMAIL_PART, EMAIL_PART),
    st.sampled_from(("ib@x.dk", "[b]ib[/b]@x.dk", "=1+1@x.dk", "æø@å.dk")),
).filter(email_ok)
POSTCODES = st.one_of(st.just(""), st.from_regex(r"\A[0-9]{4}\Z"))

BAD_PHONES = texts(max_size=20).filter(lambda v: not phone_ok(v))
BAD_EMAILS = texts(max_size=40).filter(lambda v: not email_ok(v))
BAD_POSTCODES = texts(max_size=4).filter(lambda v: not postcode_ok(v))

# -- CPR -------------------------------------------------------------------------------------------


def _century_digits(born: date) -> str:
    """The 7th digits that give `born`'s century (the CPR century table)."""
    yy = born.year % 100
    if born.year < 1900:
        return "5678" if yy >= 58 else ""
    if born.year < 2000:
        return "0123" + ("49" if yy >= 37 else "")
    return ("49" if yy < 37 else "") + ("5678" if yy < 58 else "")


@st.composite
def valid_cprs(draw: st.DrawFn, today: date) -> str:
    """A CPR number the desk must take: a real birth date up to `today`, the 7th digit from the
    century table, any last three digits (no modulus-11 check), with or without the hyphen."""
    born = draw(st.dates(min_value=date(1858, 1, 1), max_value=today))
    century = draw(st.sampled_from(_century_digits(born)))
    rest = draw(st.from_regex(r"\A[0-9]{3}\Z"))
    hyphen = draw(st.sampled_from(("", "-")))
    return f"{born:%d%m%y}{hyphen}{century}{rest}"


def cpr_digits(cpr: str) -> str:
    return cpr.replace("-", "")


# (typed CPR, the message the CPR field shows)
BAD_CPRS = st.one_of(
    st.just(("", "Enter a CPR number (10 digits, DDMMYY-SSSS).")),
    st.from_regex(r"\A[0-9]{1,9}\Z").map(
        lambda v: (v, f"A CPR number has 10 digits; this has {len(v)}.")
    ),
    st.tuples(st.integers(32, 99), st.integers(1, 12), st.from_regex(r"\A[0-9]{6}\Z")).map(
        lambda t: (
            f"{t[0]:02d}{t[1]:02d}{t[2]}",
            "The first six digits of the CPR number are not a valid date (DDMMYY).",
        )
    ),
    st.from_regex(r"\A[0-9]{0,5}[a-zA-Z.+][0-9]{0,4}\Z")
    .filter(lambda v: v.strip() != "")
    .map(
        lambda v: (v, "A CPR number may only contain the digits 0–9 and one hyphen (DDMMYY-SSSS).")
    ),
    st.from_regex(r"\A[0-9]{0,5}[١٢٣０１９²][0-9]{0,4}\Z").map(
        lambda v: (
            v,
            "The CPR number contains digits that are not 0–9; type it with ordinary digits.",
        )
    ),
)

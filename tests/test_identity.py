"""CPR and CVR checking and name folding, as the front desk meets them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jobbutik.domain import i18n
from jobbutik.domain.identity import (
    Cpr,
    CprError,
    CvrError,
    IdentityError,
    fold_name,
    mask_cpr,
    parse_cpr,
    parse_cvr,
)

TODAY = date(2026, 3, 15)
CPR_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


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


def century_digits(born: date) -> list[str]:
    """The 7th digits that give `born`'s century (CPR office's table), written out independently."""
    yy = born.year % 100
    if 1858 <= born.year <= 1899:
        return ["5", "6", "7", "8"]
    if 1900 <= born.year <= 1999:
        return ["0", "1", "2", "3"] + (["4", "9"] if yy >= 37 else [])
    if 2000 <= born.year <= 2036:
        return ["4", "9", "5", "6", "7", "8"]
    if 2037 <= born.year <= 2057:
        return ["5", "6", "7", "8"]
    return []


@st.composite
def valid_cprs(draw: st.DrawFn) -> tuple[str, date]:
    born = draw(st.dates(min_value=date(1858, 1, 1), max_value=TODAY))
    seventh = draw(st.sampled_from(century_digits(born)))
    rest = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    return f"{born:%d%m%y}{seventh}{rest}", born


def mod11(digits: str) -> bool:
    return sum(w * int(c) for w, c in zip(CPR_WEIGHTS, digits, strict=True)) % 11 == 0


# -- valid numbers -----------------------------------------------------------------------------


@given(
    valid_cprs(),
    st.booleans(),
    st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0"]),
    st.sampled_from(["", " ", "\t "]),
)
def test_valid_cpr_is_accepted_and_round_trips(
    cpr_and_born: tuple[str, date], hyphen: bool, before: str, after: str
) -> None:
    digits, born = cpr_and_born
    typed = f"{digits[:6]}-{digits[6:]}" if hyphen else digits
    cpr = parse_cpr(f"{before}{typed}{after}", TODAY)
    assert cpr.digits == digits
    assert cpr.birth_date == born
    assert cpr.sex == ("M" if int(digits[-1]) % 2 else "F")
    assert cpr.masked == f"{digits[:6]}-XXXX"
    assert cpr.formatted == f"{digits[:6]}-{digits[6:]}"
    assert cpr.modulus11_ok == mod11(digits)
    assert mask_cpr(digits) == cpr.masked
    assert parse_cpr(cpr.formatted, TODAY) == cpr
    assert 0 <= cpr.age(TODAY) <= TODAY.year - 1858


def test_known_number_with_modulus_11() -> None:
    cpr = parse_cpr("010190-1238", TODAY)  # weighted sum 88 = 8 * 11
    assert cpr.birth_date == date(1990, 1, 1)
    assert cpr.modulus11_ok
    assert cpr.sex == "F"


def test_number_failing_modulus_11_is_accepted_with_a_notice_flag() -> None:
    cpr = parse_cpr("010190-1234", TODAY)  # weighted sum 84, not divisible by 11
    assert cpr.birth_date == date(1990, 1, 1)
    assert cpr.modulus11_ok is False
    assert cpr.sex == "F"


def test_century_comes_from_the_seventh_digit() -> None:
    assert parse_cpr("010160-0001", TODAY).birth_date == date(1960, 1, 1)
    assert parse_cpr("010160-5001", TODAY).birth_date == date(1860, 1, 1)
    assert parse_cpr("010110-4001", TODAY).birth_date == date(2010, 1, 1)
    assert parse_cpr("010150-4001", TODAY).birth_date == date(1950, 1, 1)
    assert parse_cpr("010110-9001", TODAY).birth_date == date(2010, 1, 1)
    assert parse_cpr("211062-5629", TODAY).birth_date == date(1862, 10, 21)  # 5 and 62 ≥ 58


def test_full_number_never_leaks_through_str_or_repr() -> None:
    cpr = parse_cpr("211062-5629", TODAY)
    assert "5629" not in str(cpr)
    assert "5629" not in repr(cpr)
    assert f"{cpr}" == "211062-XXXX"


# -- age ---------------------------------------------------------------------------------------


def test_age_turns_on_the_birthday() -> None:
    cpr = parse_cpr("150390-1234", TODAY)
    assert cpr.age(date(2026, 3, 14)) == 35
    assert cpr.age(date(2026, 3, 15)) == 36


def test_age_of_someone_born_on_29_february() -> None:
    cpr = parse_cpr("290204-4321", TODAY)
    assert cpr.birth_date == date(2004, 2, 29)
    assert cpr.age(date(2024, 2, 29)) == 20
    assert cpr.age(date(2025, 2, 28)) == 20
    assert cpr.age(date(2025, 3, 1)) == 21


def test_born_today_is_accepted_at_age_0_and_tomorrow_is_future() -> None:
    assert parse_cpr("150326-4001", TODAY).age(TODAY) == 0
    with pytest.raises(CprError) as exc:
        parse_cpr("160326-4001", TODAY)
    assert exc.value.code == "future"
    assert "16.03.2026" in exc.value.reason


# -- refusals ----------------------------------------------------------------------------------

NON_ASCII_DIGITS = (
    "٠١٢٣٤٥٦٧٨٩"  # Arabic-Indic
    "۰۱۲۳۴۵۶۷۸۹"  # Extended Arabic-Indic (Persian)
    "０１２３４５６７８９"  # full-width
    "०१२३४५६७८९"  # Devanagari
    "¹²³⁰⁴⁵₀₁₂"  # superscripts and subscripts
    "①②③"  # circled
)


@given(valid_cprs(), st.data())
def test_unicode_digits_are_refused_with_their_own_reason(
    cpr_and_born: tuple[str, date], data: st.DataObject
) -> None:
    digits, _born = cpr_and_born
    position = data.draw(st.integers(min_value=0, max_value=9))
    foreign = data.draw(
        st.sampled_from(NON_ASCII_DIGITS)
        | st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
    )
    typed = digits[:position] + foreign + digits[position + 1 :]
    with pytest.raises(CprError) as exc:
        parse_cpr(typed, TODAY)
    assert exc.value.code == "non_ascii_digit"


@pytest.mark.parametrize(
    "text",
    [
        "٢١١٠٦٢٥٦٢٩",  # 2110625629 in Arabic-Indic digits: stdnum alone would take it
        "２１１０６２－５６２９",  # full-width, with a full-width hyphen
        "211062-562９",
        "2110625629²",
    ],
)
def test_whole_numbers_in_foreign_digits_are_refused(text: str) -> None:
    with pytest.raises(CprError) as exc:
        parse_cpr(text, TODAY)
    assert exc.value.code == "non_ascii_digit"


@given(st.text())
@example("")
@example("0101901234\x00")
@example("-" * 11)
def test_arbitrary_text_only_ever_gives_a_cpr_or_a_cpr_error(text: str) -> None:
    try:
        cpr = parse_cpr(text, TODAY)
    except CprError as exc:
        assert exc.reason
        assert str(exc) == exc.reason
    else:
        assert isinstance(cpr, Cpr)
        assert cpr.birth_date <= TODAY


@given(st.text(alphabet="0123456789- x", max_size=14))
def test_digit_like_text_only_ever_gives_a_cpr_or_a_cpr_error(text: str) -> None:
    try:
        parse_cpr(text, TODAY)
    except CprError as exc:
        assert exc.code in {"empty", "characters", "length", "hyphen", "date", "future"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("123", "length"),
        ("010190123", "length"),
        ("01019012345", "length"),
        ("010190-12345", "length"),
        ("010190 1234", "characters"),
        ("01O190-1234", "characters"),
        ("010190/1234", "characters"),
        ("+4512345678", "characters"),
        ("01019-01234", "hyphen"),
        ("0101901-234", "hyphen"),
        ("010190--1234", "hyphen"),
        ("-0101901234", "hyphen"),
        ("310299-1234", "date"),  # 31 February
        ("001290-1234", "date"),  # day 0
        ("011390-1234", "date"),  # month 13
        ("290223-4111", "date"),  # 2023 was no leap year
        ("290200-1111", "date"),  # 1900 was no leap year (7th digit 1 → 1900s)
        ("010130-4123", "future"),  # 7th digit 4 and year 30 → 2030
    ],
)
def test_refusals_carry_a_specific_reason(text: str, code: str) -> None:
    with pytest.raises(CprError) as exc:
        parse_cpr(text, TODAY)
    assert exc.value.code == code
    assert isinstance(exc.value, IdentityError)
    assert isinstance(exc.value, ValueError)


def test_leap_day_in_a_leap_year_is_fine() -> None:
    assert parse_cpr("290200-4111", TODAY).birth_date == date(2000, 2, 29)
    assert parse_cpr("290224-4111", TODAY).birth_date == date(2024, 2, 29)


def test_each_kind_of_refusal_reads_differently() -> None:
    samples = ["", "٠١٠١٩٠١٢٣٤", "01O190-1234", "123", "0101901-234", "310299-1234", "010130-4123"]
    reasons = []
    for text in samples:
        with pytest.raises(CprError) as exc:
            parse_cpr(text, TODAY)
        reasons.append(exc.value.reason)
    assert len(set(reasons)) == len(samples)
    assert all(r.endswith(".") for r in reasons)


def test_wrong_length_says_how_many_digits_were_typed() -> None:
    with pytest.raises(CprError, match="this has 9"):
        parse_cpr("010190-123", TODAY)


@pytest.mark.usefixtures("danish")
def test_refusal_reason_is_in_danish_when_danish_is_chosen() -> None:
    with pytest.raises(CprError) as exc:
        parse_cpr("310299-1234", TODAY)
    assert (
        exc.value.reason == "De første seks cifre i CPR-nummeret er ikke en gyldig dato (DDMMÅÅ)."
    )


def test_mask_cpr() -> None:
    assert mask_cpr("0101901234") == "010190-XXXX"
    assert mask_cpr("010190-1234") == "010190-XXXX"
    with pytest.raises(CprError):
        mask_cpr("01019012")
    with pytest.raises(CprError):
        mask_cpr("٠١٠١٩٠١٢٣٤")


def test_cpr_cannot_be_built_with_bad_digits() -> None:
    with pytest.raises(ValueError):
        Cpr(digits="٠١٠١٩٠١٢٣٤", birth_date=date(1990, 1, 1), modulus11_ok=False)


# -- CVR ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13585628", "13585628"),
        ("24256790", "24256790"),  # Novo Nordisk A/S
        ("61056416", "61056416"),  # Carlsberg A/S
        (" 1358 5628 ", "13585628"),
        ("DK13585628", "13585628"),
        ("dk 24256790", "24256790"),
    ],
)
def test_valid_cvr(text: str, expected: str) -> None:
    assert parse_cvr(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("DK", "empty"),
        ("13585627", "checksum"),
        ("24256791", "checksum"),
        ("1358562", "length"),
        ("135856280", "length"),
        ("01234567", "leading_zero"),
        ("1358-5628", "characters"),
        ("A3585628", "characters"),
        ("١٣٥٨٥٦٢٨", "non_ascii_digit"),
        ("１３５８５６２８", "non_ascii_digit"),
    ],
)
def test_invalid_cvr(text: str, code: str) -> None:
    with pytest.raises(CvrError) as exc:
        parse_cvr(text)
    assert exc.value.code == code
    assert exc.value.reason


@given(st.text(alphabet="0123456789", min_size=8, max_size=8).filter(lambda s: s[0] != "0"))
def test_cvr_accepted_exactly_when_modulus_11_holds(digits: str) -> None:
    ok = sum(w * int(c) for w, c in zip(CVR_WEIGHTS, digits, strict=True)) % 11 == 0
    try:
        assert parse_cvr(digits) == digits
        assert ok
    except CvrError as exc:
        assert not ok
        assert exc.code == "checksum"


@given(st.text())
def test_arbitrary_text_only_ever_gives_a_cvr_or_a_cvr_error(text: str) -> None:
    try:
        result = parse_cvr(text)
    except CvrError:
        return
    assert len(result) == 8
    assert result.isascii()
    assert result.isdigit()


# -- name folding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "folded"),
    [
        ("Møller", "Moeller", "moller"),
        ("MØLLER", "moller", "moller"),
        ("Åse", "Aase", "ase"),
        ("Aase", "Ase", "ase"),
        ("A\u030ase", "Aase", "ase"),  # Å typed as A + combining ring
        ("\u212bse", "Aase", "ase"),  # Å typed as the Ångström sign
        ("Ærø", "Aeroe", "aero"),
        ("Ærø", "Aero", "aero"),
        ("Jäger", "Jaeger", "jaeger"),
        ("Björk", "Bjoerk", "bjork"),
        ("José  Ñúñez", "jose nunez", "jose nunez"),
        ("  Jens\tPeter \n Hansen ", "jens peter hansen", "jens peter hansen"),
        ("Straße", "strasse", "strasse"),
    ],
)
def test_fold_name_matches_the_spellings_people_type(a: str, b: str, folded: str) -> None:
    assert fold_name(a) == fold_name(b) == folded


@given(st.text())
def test_fold_name_is_stable(name: str) -> None:
    once = fold_name(name)
    assert fold_name(once) == once
    assert once == once.strip()
    assert "  " not in once

"""Rule sets with validity dates, the local override file, deadlines and category proposals."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from jobbutik.domain import i18n
from jobbutik.domain.rules import (
    Proposal,
    RuleBook,
    RulesError,
    category_needs_reason,
    danish_public_holidays,
    load_rulebook,
    override_needs_reason,
    propose_category,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rulebook()


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


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "local-rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- bundled rule sets -------------------------------------------------------------------------


def test_bundled_values_follow_the_design_table(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    assert rs.categories == (
        "jobparat",
        "aktivitetsparat",
        "uddannelsesparat",
        "åbenlyst uddannelsesparat",
    )
    assert rs.youth_age_limit == 30
    assert rs.first_conversation_max_days == 7
    assert rs.provisional_review_months == 3
    assert rs.cv_deadline_days == 21
    assert rs.cv_categories == ("jobparat", "åbenlyst uddannelsesparat")
    assert rs.cv_required("jobparat") and not rs.cv_required("aktivitetsparat")
    assert rs.activation_start_max_days == 7
    assert rs.nytteindsats_warn_weeks == 13
    assert rs.referral_apply_by_working_days == 3
    assert rs.referral_follow_up_working_days == 10
    assert rs.aktivitetsparat_needs_reason is True


def test_bundled_sets_switch_on_their_valid_from(rules: RuleBook) -> None:
    assert len(rules.rulesets) >= 2
    first, second = rules.rulesets[0], rules.rulesets[1]
    assert first.valid_from == date(2025, 7, 1)
    day_before = date.fromordinal(second.valid_from.toordinal() - 1)
    assert rules.in_force(day_before) == first
    assert rules.in_force(second.valid_from) == second
    assert rules.in_force(date(2024, 1, 1)) == first  # before any set: the earliest applies


def test_set_in_force_changes_the_deadlines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [rulesets.reform_2027]
        cv_deadline_days = 14
        referral_apply_by_working_days = 5
        nytteindsats_warn_weeks = 0
        """,
    )
    rules = load_rulebook(path)
    # Wednesday 30 Dec 2026, old set: 21 days → Wednesday 20 Jan 2027.
    assert rules.cv_deadline(date(2026, 12, 30)) == date(2027, 1, 20)
    # Monday 4 Jan 2027, new set: 14 days → Monday 18 Jan 2027 — earlier than the old deadline.
    assert rules.cv_deadline(date(2027, 1, 4)) == date(2027, 1, 18)
    # Apply-by: 3 working days under the old set (31 Dec, 1 Jan and the weekend are closed) ...
    assert rules.apply_by(date(2026, 12, 30)) == date(2027, 1, 6)
    # ... 5 under the new one.
    assert rules.apply_by(date(2027, 1, 4)) == date(2027, 1, 11)
    assert rules.nytteindsats_warning(date(2026, 12, 30)) is not None
    assert rules.nytteindsats_warning(date(2027, 1, 4)) is None


# -- deadlines ---------------------------------------------------------------------------------


def test_deadlines(rules: RuleBook) -> None:
    # Referral follow-up: 10 working days from Wednesday 1 April 2026 across Easter.
    assert rules.referral_follow_up(date(2026, 4, 1)) == date(2026, 4, 20)
    # Provisional category review after 3 months: 6 June 2026 is a Saturday → Monday 8 June.
    assert rules.category_review(date(2026, 3, 6)) == date(2026, 6, 8)
    # ... and the month end is kept: 30 November + 3 months is 28 February.
    assert rules.category_review(date(2026, 11, 30)) == date(2027, 3, 1)  # 28 Feb is a Sunday
    # Activation: latest 7 days after (Good Friday → Tuesday), default the next working day.
    assert rules.latest_activation_start(date(2026, 3, 27)) == date(2026, 4, 7)
    assert rules.default_activation_start(date(2026, 3, 27)) == date(2026, 3, 30)
    assert rules.default_activation_start(date(2026, 4, 1)) == date(2026, 4, 7)
    # Nytteindsats started Friday 6 March 2026: 13 weeks is Grundlovsdag → Monday 8 June.
    assert rules.nytteindsats_warning(date(2026, 3, 6)) == date(2026, 6, 8)


def test_visitation_slot(rules: RuleBook) -> None:
    monday = date(2026, 3, 16)
    assert rules.visitation_slot(monday, consultant_free=True) == monday
    assert rules.visitation_slot(monday, consultant_free=False) == date(2026, 3, 17)
    assert rules.visitation_slot(date(2026, 3, 14), consultant_free=True) == monday
    assert rules.visitation_slot(date(2026, 4, 2), consultant_free=True) == date(2026, 4, 7)


def test_first_conversation_deadline(rules: RuleBook) -> None:
    assert rules.latest_first_conversation(date(2026, 3, 16)) == date(2026, 3, 23)
    assert rules.latest_first_conversation(date(2026, 3, 27)) == date(2026, 4, 7)


# -- the local override file -------------------------------------------------------------------


def test_override_changes_a_value_and_the_closing_days(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [calendar]
        closing_days = ["12-24"]
        extra_closing_dates = [2026-03-16, "2026-03-17"]

        [rulesets.reform_2025]
        activation_start_max_days = 10
        """,
    )
    rules = load_rulebook(path)
    assert rules.in_force(date(2026, 3, 1)).activation_start_max_days == 10
    assert rules.in_force(date(2026, 3, 1)).cv_deadline_days == 21  # untouched values stay
    cal = rules.calendar
    assert cal.is_working_day(date(2026, 6, 5))  # Grundlovsdag no longer closed locally
    assert not cal.is_working_day(date(2026, 12, 24))
    assert cal.is_working_day(date(2026, 12, 31))
    assert cal.closed_reason(date(2026, 3, 16)) == "Local closing day"
    assert rules.visitation_slot(date(2026, 3, 13), consultant_free=False) == date(2026, 3, 18)
    # Friday 27 March + 10 days = Monday 6 April (Easter Monday) → Tuesday 7 April.
    assert rules.latest_activation_start(date(2026, 3, 27)) == date(2026, 4, 7)


def test_override_adds_a_rule_set(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [rulesets.herlev_2026]
        valid_from = 2026-01-01
        categories = ["jobparat", "aktivitetsparat", "uddannelsesparat",
                      "åbenlyst uddannelsesparat"]
        youth_age_limit = 30
        first_conversation_max_days = 5
        provisional_review_months = 3
        cv_deadline_days = 21
        cv_categories = ["jobparat"]
        activation_start_max_days = 7
        referral_apply_by_working_days = 2
        referral_follow_up_working_days = 10
        aktivitetsparat_needs_reason = true
        """,
    )
    rules = load_rulebook(path)
    assert [r.name for r in rules.rulesets] == ["reform_2025", "herlev_2026", "reform_2027"]
    assert rules.in_force(date(2025, 12, 31)).name == "reform_2025"
    herlev = rules.in_force(date(2026, 6, 1))
    assert herlev.name == "herlev_2026"
    assert herlev.nytteindsats_warn_weeks is None  # absent means off
    assert rules.apply_by(date(2026, 3, 16)) == date(2026, 3, 18)
    assert rules.nytteindsats_warning(date(2026, 3, 16)) is None


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        (
            "[rulesets.reform_2025]\ncv_deadline_dayz = 14\n",
            "rulesets.reform_2025.cv_deadline_dayz",
        ),
        (
            '[rulesets.reform_2025]\ncv_deadline_days = "14"\n',
            "rulesets.reform_2025.cv_deadline_days",
        ),
        (
            "[rulesets.reform_2025]\ncv_deadline_days = 14.5\n",
            "rulesets.reform_2025.cv_deadline_days",
        ),
        (
            "[rulesets.reform_2025]\nyouth_age_limit = true\n",
            "rulesets.reform_2025.youth_age_limit",
        ),
        (
            "[rulesets.reform_2025]\ncv_deadline_days = -1\n",
            "rulesets.reform_2025.cv_deadline_days",
        ),
        (
            "[rulesets.reform_2025]\naktivitetsparat_needs_reason = 1\n",
            "rulesets.reform_2025.aktivitetsparat_needs_reason",
        ),
        ('[rulesets.reform_2025]\nvalid_from = "July"\n', "rulesets.reform_2025.valid_from"),
        ('[rulesets.reform_2025]\ncategories = "jobparat"\n', "rulesets.reform_2025.categories"),
        (
            '[rulesets.reform_2025]\ncv_categories = ["jobparat", "ledig"]\n',
            "rulesets.reform_2025.cv_categories",
        ),
        ('[calendar]\nclosing_days = ["13-01"]\n', "calendar.closing_days"),
        ('[calendar]\nclosing_days = "12-24"\n', "calendar.closing_days"),
        ('[calendar]\nopening_days = ["12-24"]\n', "calendar.opening_days"),
        ("[calendar]\nextra_closing_dates = [2026-02-30]\n", "not valid TOML"),
        ("[rules]\ncv_deadline_days = 14\n", "rules"),
        ("[rulesets.new_set]\nvalid_from = 2026-01-01\n", "rulesets.new_set"),
        ("rulesets = 3\n", "rulesets"),
        ("[rulesets.dup]\nvalid_from = 2025-07-01\n", "rulesets.dup"),
    ],
)
def test_bad_override_names_the_key_and_the_file(tmp_path: Path, toml: str, named: str) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(RulesError) as exc:
        load_rulebook(path)
    message = str(exc.value)
    assert str(path) in message
    assert named in message


def test_unknown_key_error_lists_the_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "[rulesets.reform_2025]\ncv_deadline_dayz = 14\n")
    with pytest.raises(RulesError, match="cv_deadline_days"):
        load_rulebook(path)


def test_new_set_without_all_values_lists_what_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "[rulesets.new_set]\nvalid_from = 2026-01-01\ncv_deadline_days = 1\n")
    with pytest.raises(RulesError) as exc:
        load_rulebook(path)
    assert "missing keys" in str(exc.value)
    assert "youth_age_limit" in str(exc.value)
    assert "nytteindsats_warn_weeks" not in str(exc.value)  # optional: absent means off


def test_two_sets_starting_the_same_day_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[rulesets.reform_2027]\nvalid_from = 2025-07-01\n")
    with pytest.raises(RulesError, match="both start on 2025-07-01"):
        load_rulebook(path)


def test_missing_override_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(RulesError, match="does not exist") as exc:
        load_rulebook(missing)
    assert str(missing) in str(exc.value)


@pytest.mark.usefixtures("danish")
def test_rule_file_errors_in_danish(tmp_path: Path) -> None:
    path = write(tmp_path, '[rulesets.reform_2025]\ncv_deadline_days = "14"\n')
    with pytest.raises(RulesError) as exc:
        load_rulebook(path)
    assert str(exc.value) == (
        f"Regelfil {path}: rulesets.reform_2025.cv_deadline_days: forventede et helt tal."
    )


# -- category proposal -------------------------------------------------------------------------


def test_age_24_without_education_gets_the_youth_track(rules: RuleBook) -> None:
    proposal = propose_category(rules.in_force(date(2026, 3, 15)), 24, False)
    assert proposal.category == "åbenlyst uddannelsesparat"
    assert proposal.youth_track is True
    assert any("24" in r and "30" in r for r in proposal.reasons)
    assert any("injunction" in r for r in proposal.reasons)


def test_age_24_with_education_is_jobparat(rules: RuleBook) -> None:
    proposal = propose_category(rules.in_force(date(2026, 3, 15)), 24, True)
    assert proposal == Proposal(
        category="jobparat",
        youth_track=False,
        reasons=(
            "Has a vocational education, so the youth education track does not apply.",
            "Proposed category: jobparat.",
        ),
    )


def test_age_35_is_jobparat(rules: RuleBook) -> None:
    proposal = propose_category(rules.in_force(date(2026, 3, 15)), 35, False)
    assert proposal.category == "jobparat"
    assert proposal.youth_track is False
    assert "35" in proposal.reasons[0]


def test_youth_limit_boundary(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    assert propose_category(rs, 29, False).youth_track is True
    assert propose_category(rs, 30, False).youth_track is False


@pytest.mark.usefixtures("danish")
def test_proposal_reasons_in_danish(rules: RuleBook) -> None:
    proposal = propose_category(rules.in_force(date(2026, 3, 15)), 24, False)
    assert proposal.reasons[1] == "Foreslået kategori: åbenlyst uddannelsesparat."
    assert "uddannelsespålæg" in proposal.reasons[0]


def test_reasons_needed_for_a_changed_or_aktivitetsparat_category(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    proposal = propose_category(rs, 35, False)
    assert override_needs_reason(proposal, "aktivitetsparat")
    assert not override_needs_reason(proposal, "jobparat")
    assert override_needs_reason("jobparat", "uddannelsesparat")
    assert category_needs_reason(rs, "aktivitetsparat")
    assert not category_needs_reason(rs, "jobparat")


def test_aktivitetsparat_reason_rule_can_be_switched_off(tmp_path: Path) -> None:
    path = write(tmp_path, "[rulesets.reform_2025]\naktivitetsparat_needs_reason = false\n")
    rs = load_rulebook(path).in_force(date(2026, 3, 15))
    assert not category_needs_reason(rs, "aktivitetsparat")


# -- translations ------------------------------------------------------------------------------


def test_every_message_has_a_danish_translation() -> None:
    catalog = i18n.load_catalog("da")
    wanted: set[str] = set()
    for module in ("domain/identity.py", "domain/rules/calendar.py", "domain/rules/ruleset.py"):
        tree = ast.parse((REPO / "jobbutik" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                wanted.add(node.args[0].value)
    for year in range(2020, 2031):
        wanted.update(danish_public_holidays(year).values())
    wanted.add("Great Prayer Day")
    missing = sorted(m for m in wanted if not catalog.get(m))
    assert not missing
    for msgid, msgstr in catalog.items():
        placeholders = {p.split("}")[0] for p in msgid.split("{")[1:]}
        assert placeholders == {p.split("}")[0] for p in msgstr.split("{")[1:]}, msgid

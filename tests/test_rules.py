"""Rule sets as dated data: the law file and the local file, a municipality's --rules file that can
change only local values, target groups, deadlines that never stretch (jobcentre) or roll forward
(citizen), and `jobbutik rules show|deadlines`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobbutik.cli.main import main
from jobbutik.cli.translated import speak
from jobbutik.domain import i18n
from jobbutik.domain.rules import (
    RuleBook,
    RulesError,
    category_needs_reason,
    category_refusal,
    load_rulebook,
    override_needs_reason,
    parse_rules,
    propose_category,
    target_group,
)

LAW = "jobbutik/domain/rules/rulesets.toml"
LOCAL = "jobbutik/domain/rules/local.toml"
ENV_NAMES = ("JOBBUTIK_DB", "JOBBUTIK_USER", "JOBBUTIK_TODAY", "JOBBUTIK_LANG", "JOBBUTIK_RULES")


def bundled(name: str) -> str:
    return resources.files("jobbutik.domain.rules").joinpath(name).read_text(encoding="utf-8")


LAW_TEXT = bundled("rulesets.toml")
LOCAL_TEXT = bundled("local.toml")


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


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "herlev.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_law(extra: str) -> RuleBook:
    """The bundled law file with `extra` rule sets added, and the bundled local file."""
    return parse_rules((LAW, f"{LAW_TEXT}\n{extra}"), [(LOCAL, LOCAL_TEXT)])


def refusal(call: object) -> str:
    assert callable(call)
    with pytest.raises(RulesError) as exc:
        call()
    return str(exc.value)


# -- the bundled sets ----------------------------------------------------------------------------


def test_the_sets_switch_on_their_dates(rules: RuleBook) -> None:
    assert [r.name for r in rules.rulesets] == [
        "foer_2025",
        "kontanthjaelp_2025",
        "beskaeftigelsesreform_2026",
        "beskaeftigelsesreform_2027",
    ]
    for last_day, first_day, before, after in (
        (date(2025, 6, 30), date(2025, 7, 1), "foer_2025", "kontanthjaelp_2025"),
        (date(2026, 6, 30), date(2026, 7, 1), "kontanthjaelp_2025", "beskaeftigelsesreform_2026"),
        (
            date(2026, 12, 31),
            date(2027, 1, 1),
            "beskaeftigelsesreform_2026",
            "beskaeftigelsesreform_2027",
        ),
    ):
        assert rules.in_force(last_day).name == before
        assert rules.in_force(first_day).name == after
    assert rules.in_force(date(2018, 5, 1)).name == "foer_2025"  # before any set: the earliest


def test_uddannelseshjaelp_ends_for_applications_on_1_july_2025(rules: RuleBook) -> None:
    assert rules.benefits_on(date(2025, 6, 30)) == ("kontanthjaelp", "uddannelseshjaelp")
    assert rules.benefits_on(date(2025, 7, 1)) == ("kontanthjaelp",)
    assert rules.benefits_on(date(2027, 1, 4)) == ("kontanthjaelp",)


def test_the_2026_set_keeps_the_youth_track_and_the_injunction(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 7, 1))
    assert rs.youth_track and rs.injunction and rs.youth_age_limit == 30
    assert rs.categories == (
        "åbenlyst uddannelsesparat",
        "uddannelsesparat",
        "aktivitetsparat",
        "jobparat",
    )
    assert [c for c in rs.categories if rs.cv_required(c)] == [
        "åbenlyst uddannelsesparat",
        "jobparat",
    ]
    assert rs.cv_required("jobparat") and not rs.cv_required("uddannelsesparat")
    assert rs.carries("jobparat", "not_applied")
    assert not rs.carries("uddannelsesparat", "not_applied")
    assert rs.carries("uddannelsesparat", "absent_activation")


def test_the_2027_set_loads_with_the_youth_track_off(rules: RuleBook) -> None:
    rs = rules.in_force(date(2027, 1, 4))
    assert rs.name == "beskaeftigelsesreform_2027"
    assert rs.youth_track is False and rs.injunction is False
    assert rs.categories == ("jobparat", "aktivitetsparat")
    proposal = propose_category(rs, 24, False, False)
    assert proposal.category == "jobparat" and proposal.youth_track is False
    assert proposal.reasons[0] == (
        "Under the rules in force young people come under the same rules as others."
    )


def test_pending_values_are_marked_and_each_value_has_a_source(rules: RuleBook) -> None:
    reform = {e.key: e for e in rules.in_force(date(2027, 1, 4)).entries}
    # What the new main act will say is not confirmed: every value the Jobbutik uses is pending.
    assert {k for k, e in reform.items() if e.pending} == {
        "youth_track",
        "injunction",
        "other_categories",
        "hearing_decision_months",
        "first_conversation_max_days",
        "cv_deadline_days",
        "provisional_months",
        "aktivitetsparat_reason_youth",
        "guidance_required",
        "duties",
    }
    assert reform["youth_track"].source.startswith("Aftalen, pkt. 2")
    assert reform["cv_deadline_days"].source.startswith("Forventet uændret")
    assert reform["injunction"].from_set == "beskaeftigelsesreform_2027"
    # Inherited through 2026 from 2025, with its source.
    reform_2026 = {e.key: e for e in rules.in_force(date(2026, 7, 1)).entries}
    assert reform_2026["cv_deadline_days"].from_set == "kontanthjaelp_2025"
    assert reform_2026["cv_deadline_days"].source.startswith("LAB § 23")
    now = {e.key: e for e in rules.in_force(date(2026, 3, 15)).entries}
    assert not any(e.pending for e in now.values())
    assert all(e.source for e in now.values())


def test_law_and_local_values_are_told_apart(rules: RuleBook) -> None:
    kinds = {e.key: e.kind for e in rules.in_force(date(2026, 3, 15)).entries}
    local = {k for k, kind in kinds.items() if kind == "local"}
    assert local == {
        "youth_proposal",
        "other_proposal",
        "activation_for_all",
        "activation_start_max_days",
        "aktivitetsparat_reason_others",
        "nytteindsats_warn_weeks",
        "referral_apply_by_working_days",
        "referral_follow_up_working_days",
        "durability_months",
        "retention_years",
        "rights_text",
    }
    assert kinds["first_conversation_max_days"] == "law"
    assert kinds["aktivitetsparat_reason_youth"] == "law"


# -- a municipality's rule file ------------------------------------------------------------------


def test_a_municipality_changes_local_values_with_plain_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [calendar]
        closing_days = ["12-24"]
        extra_closing_dates = [2026-03-16]

        [local]
        activation_start_max_days = 10
        retention_years = { value = 3, source = "Byrådet 2026" }
        """,
    )
    rules = load_rulebook(path)
    for day in (date(2026, 3, 1), date(2027, 3, 1)):  # every set
        rs = rules.in_force(day)
        assert rs.activation_start_max_days == 10 and rs.retention_years == 3
        assert rs.cv_deadline_days == 21  # untouched values stay
    entries = {e.key: e for e in rules.in_force(date(2026, 3, 1)).entries}
    assert entries["activation_start_max_days"].source == str(path)  # a plain value: the file
    assert entries["activation_start_max_days"].kind == "local"
    assert entries["retention_years"].source == "Byrådet 2026"
    cal = rules.calendar
    assert cal.is_working_day(date(2026, 6, 5))  # Grundlovsdag no longer closed locally
    assert not cal.is_working_day(date(2026, 12, 24))
    assert cal.closed_reason(date(2026, 3, 16)) == "Local closing day"
    # Friday 27 March 2026 + 10 days = Easter Monday 6 April → back past Good Friday and
    # Maundy Thursday to Wednesday 1 April.
    assert rules.latest_activation_start(date(2026, 3, 27)) == date(2026, 4, 1)


def test_a_law_value_in_a_municipality_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[local]\nfirst_conversation_max_days = 14\n")
    assert refusal(lambda: load_rulebook(path)) == (
        f"Rule file {path}: local.first_conversation_max_days: law, not a local choice: a "
        "municipality's rule file cannot change it."
    )


def test_rule_sets_in_a_municipality_file_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[rulesets.herlev]\nvalid_from = 2026-01-01\n")
    assert refusal(lambda: load_rulebook(path)) == (
        f"Rule file {path}: rulesets: a municipality's rule file can change only local choices "
        "([local] and [calendar]); the rule sets are law."
    )


def test_a_local_value_in_a_law_set_is_refused() -> None:
    message = refusal(
        lambda: with_law(
            '[rulesets.x]\nvalid_from = 2028-01-01\nbased_on = "kontanthjaelp_2025"\n'
            'retention_years = { value = 3, source = "x" }\n'
        )
    )
    assert message == (
        f"Rule file {LAW}: rulesets.x.retention_years: a local choice: give it in the local file "
        "([local]), not a law set."
    )


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[local]\nretention_yeras = 3\n", "local.retention_yeras: unknown key; allowed here: "),
        ('[local]\nretention_years = "3"\n', "local.retention_years: expected a whole number."),
        ("[local]\nretention_years = -1\n", "local.retention_years: must not be negative."),
        ("[local]\nactivation_for_all = 1\n", "local.activation_for_all: expected true or false."),
        (
            '[local]\nother_proposal = "ledig"\n',
            "local.other_proposal: unknown: ledig; known: ",
        ),
        (
            '[local]\nother_proposal = "uddannelsesparat"\n',
            "local.other_proposal: uddannelsesparat is not one of the group's categories in ",
        ),
        (
            '[local]\nretention_years = { value = 3, sauce = "x" }\n',
            "local.retention_years.sauce: unknown key",
        ),
        ('[calendar]\nclosing_days = ["13-01"]\n', "calendar.closing_days: expected a month"),
        ('[calendar]\nopening_days = ["12-24"]\n', "calendar.opening_days: unknown key"),
        ("[calendar]\nextra_closing_dates = [2026-02-30]\n", "is not valid TOML"),
        ("[rules]\ncv_deadline_days = 14\n", "rules: unknown key; allowed here: calendar, local."),
    ],
)
def test_a_bad_municipality_file_names_the_key_and_the_file(
    tmp_path: Path, toml: str, named: str
) -> None:
    path = write(tmp_path, toml)
    message = refusal(lambda: load_rulebook(path))
    assert str(path) in message
    assert named in message


def test_a_missing_municipality_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert refusal(lambda: load_rulebook(missing)) == f"Rule file {missing} does not exist."


def test_rule_file_errors_in_danish(tmp_path: Path) -> None:
    path = write(tmp_path, '[local]\nretention_years = "5"\n')
    i18n.set_language("da")
    assert refusal(lambda: load_rulebook(path)) == (
        f"Regelfil {path}: local.retention_years: forventede et helt tal."
    )


# -- the law file: sources, bases, pending marks -------------------------------------------------


def test_a_set_takes_what_it_does_not_give_from_its_base() -> None:
    rules = with_law(
        "[rulesets.reform_2028]\n"
        "valid_from = 2028-01-01\n"
        'based_on = "beskaeftigelsesreform_2027"\n'
        'cv_deadline_days = { value = 14, source = "Ny lov § 1" }\n'
    )
    rs = rules.in_force(date(2028, 1, 3))
    assert rs.cv_deadline_days == 14 and rs.youth_track is False  # the 2027 set's value
    assert rs.title == "reform_2028" and rs.source == ""  # metadata is not inherited
    # Each deadline uses the set in force on the day it counts from.
    assert rules.cv_deadline(date(2027, 12, 30)) == date(2028, 1, 20)  # 21 days
    assert rules.cv_deadline(date(2028, 1, 3)) == date(2028, 1, 17)  # 14 days


def test_bases_in_a_loop_or_missing_are_refused() -> None:
    loop = refusal(
        lambda: with_law(
            '[rulesets.a]\nvalid_from = 2028-01-01\nbased_on = "b"\n'
            '[rulesets.b]\nvalid_from = 2029-01-01\nbased_on = "a"\n'
        )
    )
    assert loop.startswith(f"Rule file {LAW}: rulesets.")
    assert loop.endswith(".based_on: the sets are based on each other in a loop.")
    missing = refusal(
        lambda: with_law('[rulesets.a]\nvalid_from = 2028-01-01\nbased_on = "nowhere"\n')
    )
    assert missing == f"Rule file {LAW}: rulesets.a.based_on: no rule set named nowhere."


def test_a_law_value_without_a_source_is_refused() -> None:
    base = '[rulesets.a]\nvalid_from = 2028-01-01\nbased_on = "kontanthjaelp_2025"\n'
    assert refusal(lambda: with_law(f"{base}cv_deadline_days = {{ value = 14 }}\n")) == (
        f'Rule file {LAW}: rulesets.a.cv_deadline_days: give the value\'s source (source = "…").'
    )


def test_a_plain_law_value_is_refused() -> None:
    base = '[rulesets.a]\nvalid_from = 2028-01-01\nbased_on = "kontanthjaelp_2025"\n'
    assert refusal(lambda: with_law(f"{base}cv_deadline_days = 14\n")) == (
        f"Rule file {LAW}: rulesets.a.cv_deadline_days: write the value with its source: "
        '{ value = …, source = "…" }.'
    )


def test_pending_must_be_true_or_false_and_marks_the_value() -> None:
    base = '[rulesets.a]\nvalid_from = 2028-01-01\nbased_on = "kontanthjaelp_2025"\n'
    rules = with_law(f'{base}cv_deadline_days = {{ value = 14, pending = true, source = "x" }}\n')
    entry = next(e for e in rules.in_force(date(2028, 1, 3)).entries if e.key == "cv_deadline_days")
    assert entry.pending and entry.source == "x" and entry.kind == "law"
    bad = refusal(
        lambda: with_law(f'{base}cv_deadline_days = {{ value = 14, pending = 1, source = "x" }}\n')
    )
    assert bad == f"Rule file {LAW}: rulesets.a.cv_deadline_days.pending: expected true or false."


def test_a_set_without_every_law_value_lists_what_is_missing() -> None:
    message = refusal(
        lambda: with_law(
            "[rulesets.a]\nvalid_from = 2028-01-01\n"
            'cv_deadline_days = { value = 1, source = "x" }\n'
        )
    )
    assert message.startswith(f"Rule file {LAW}: rulesets.a: missing keys: ")
    assert "youth_age_limit" in message and "cv_deadline_days" not in message


def test_two_sets_starting_the_same_day_are_refused() -> None:
    message = refusal(
        lambda: with_law('[rulesets.a]\nvalid_from = 2025-07-01\nbased_on = "foer_2025"\n')
    )
    assert message == "Rule sets kontanthjaelp_2025 and a both start on 2025-07-01."


# -- target groups (bek. § 1 nr. 2–5) ------------------------------------------------------------


def test_the_youth_groups_end_at_30(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    young = target_group(rs, 29, False, False)
    assert young.youth and young.known
    assert young.categories == ("åbenlyst uddannelsesparat", "uddannelsesparat", "aktivitetsparat")
    adult = target_group(rs, 30, False, False)
    assert not adult.youth and adult.categories == ("jobparat", "aktivitetsparat")
    assert adult.reasons == ("Aged 30, which is 30 or over: the youth groups do not apply.",)


def test_integration_programme_and_education_take_a_young_person_out(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    integration = target_group(rs, 24, False, True)
    assert not integration.youth
    assert integration.reasons == ("In the integration programme: the youth groups do not apply.",)
    educated = target_group(rs, 24, True, False)
    assert not educated.youth and educated.categories == ("jobparat", "aktivitetsparat")
    assert "erhvervskompetencegivende" in educated.reasons[0]


def test_an_unanswered_question_is_asked_never_read_as_no(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    group = target_group(rs, 24, None, False)
    assert group.asks_education and not group.asks_integration and not group.known
    proposal = propose_category(rs, 24, None, None)
    assert proposal.asks_education and proposal.asks_integration
    assert proposal.reasons[-1] == (
        "Provisional proposal until that is answered: Åbenlyst uddannelsesparat."
    )
    # Over the limit neither question matters.
    assert target_group(rs, 35, None, None).known


def test_categories_outside_the_group_are_refused_with_the_reason(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    young = target_group(rs, 24, False, False)
    assert category_refusal(rs, young, "jobparat") == (
        "Jobparat is not for a young person under 30 without an erhvervskompetencegivende "
        "uddannelse (bek. § 1): choose Åbenlyst uddannelsesparat, Uddannelsesparat, "
        "Aktivitetsparat."
    )
    adult = target_group(rs, 35, False, False)
    assert category_refusal(rs, adult, "uddannelsesparat") == (
        "Uddannelsesparat is only for young people under 30 without an erhvervskompetencegivende "
        "uddannelse, outside the integration programme (bek. § 1): choose Jobparat, "
        "Aktivitetsparat."
    )
    assert category_refusal(rs, adult, "aktivitetsparat") is None
    reform = rules.in_force(date(2027, 1, 4))
    assert category_refusal(reform, target_group(reform, 24, False, False), "uddannelsesparat") == (
        "Uddannelsesparat is not a category under the rules in force: choose Jobparat, "
        "Aktivitetsparat."
    )


def test_reasons_needed_for_a_changed_or_aktivitetsparat_category(rules: RuleBook) -> None:
    rs = rules.in_force(date(2026, 3, 15))
    proposal = propose_category(rs, 35, False, False)
    assert proposal.category == "jobparat"
    assert override_needs_reason(proposal, "aktivitetsparat")
    assert not override_needs_reason(proposal, "jobparat")
    young, adult = target_group(rs, 24, False, False), proposal.group
    assert category_needs_reason(rs, young, "aktivitetsparat")  # law (bek. § 6 stk. 2)
    assert category_needs_reason(rs, adult, "aktivitetsparat")  # local choice
    assert not category_needs_reason(rs, adult, "jobparat")


def test_the_local_reason_for_adults_can_be_switched_off(tmp_path: Path) -> None:
    rules = load_rulebook(write(tmp_path, "[local]\naktivitetsparat_reason_others = false\n"))
    rs = rules.in_force(date(2026, 3, 15))
    assert not category_needs_reason(rs, target_group(rs, 35, False, False), "aktivitetsparat")
    assert category_needs_reason(rs, target_group(rs, 24, False, False), "aktivitetsparat")


# -- deadlines: the jobcentre's roll back, the citizen's roll forward ----------------------------


def test_first_conversation_around_christmas(rules: RuleBook) -> None:
    # Wednesday 24 Dec 2025 + 7 = 31 Dec (closed) → back to Tuesday 30 Dec, not 2 Jan 2026.
    assert rules.latest_first_conversation(date(2025, 12, 24)) == date(2025, 12, 30)
    # Wednesday 17 Dec 2025 + 7 = 24 Dec (closed) → Tuesday 23 Dec.
    assert rules.latest_first_conversation(date(2025, 12, 17)) == date(2025, 12, 23)
    # Every day around Christmas: within the week, on an open day.
    day = date(2025, 12, 10)
    while day <= date(2026, 1, 10):
        due = rules.latest_first_conversation(day)
        assert day <= due <= day + timedelta(days=7), day
        assert rules.calendar.is_working_day(due) or due == day, day
        day += timedelta(days=1)


def test_first_conversation_around_easter_and_grundlovsdag(rules: RuleBook) -> None:
    # Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April 2026 → Wednesday 1 April.
    assert rules.latest_first_conversation(date(2026, 3, 26)) == date(2026, 4, 1)
    assert rules.latest_first_conversation(date(2026, 3, 30)) == date(2026, 4, 1)
    # Friday 29 May 2026 + 7 = Grundlovsdag, Friday 5 June → Thursday 4 June (not 8 June).
    assert rules.latest_first_conversation(date(2026, 5, 29)) == date(2026, 6, 4)
    assert rules.latest_first_conversation(date(2026, 3, 16)) == date(2026, 3, 23)


def test_final_visitation_rolls_back(rules: RuleBook) -> None:
    # 3 months from the first henvendelse: 5 June 2026 is Grundlovsdag → Thursday 4 June.
    assert rules.final_visitation(date(2026, 3, 5)) == date(2026, 6, 4)
    # 24 Sep 2025 → 24 Dec (closed) → Tuesday 23 Dec.
    assert rules.final_visitation(date(2025, 9, 24)) == date(2025, 12, 23)
    # The month's end is kept: 30 Nov 2026 → 28 Feb 2027, a Sunday → Friday 26 Feb.
    assert rules.final_visitation(date(2026, 11, 30)) == date(2027, 2, 26)


def test_hearing_due_at_the_end_of_the_third_whole_month_rolls_back(rules: RuleBook) -> None:
    # An event in September 2025: October, November, December → 31 Dec (closed) → 30 Dec.
    assert rules.hearing_due(date(2025, 9, 1)) == date(2025, 12, 30)
    assert rules.hearing_due(date(2025, 9, 30)) == date(2025, 12, 30)
    # February 2026 → 31 May 2026, a Sunday → Friday 29 May.
    assert rules.hearing_due(date(2026, 2, 15)) == date(2026, 5, 29)
    # January 2026 → Thursday 30 April, open.
    assert rules.hearing_due(date(2026, 1, 20)) == date(2026, 4, 30)


def test_the_citizens_deadlines_roll_forward(rules: RuleBook) -> None:
    # CV: Friday 13 March 2026 + 21 days = Good Friday 3 April → Tuesday 7 April.
    assert rules.cv_deadline(date(2026, 3, 13)) == date(2026, 4, 7)
    # Wednesday 3 Dec 2025 + 21 = 24 Dec → after Christmas and the weekend: Monday 29 Dec.
    assert rules.cv_deadline(date(2025, 12, 3)) == date(2025, 12, 29)
    # Apply-by: 3 working days from Monday 22 Dec 2025 are 23, 29 and 30 December.
    assert rules.apply_by(date(2025, 12, 22)) == date(2025, 12, 30)


def test_the_jobcentres_own_follow_up_days(rules: RuleBook) -> None:
    # Referral follow-up: 10 working days from Wednesday 1 April 2026 across Easter.
    assert rules.referral_follow_up(date(2026, 4, 1)) == date(2026, 4, 20)
    # Activation: Friday 27 March + 7 days = Good Friday 3 April → back to Wednesday 1 April;
    # the default is the next working day.
    assert rules.latest_activation_start(date(2026, 3, 27)) == date(2026, 4, 1)
    assert rules.default_activation_start(date(2026, 3, 27)) == date(2026, 3, 30)
    # Nytteindsats started Friday 6 March 2026: 13 weeks is Grundlovsdag → Monday 8 June.
    assert rules.nytteindsats_warning(date(2026, 3, 6)) == date(2026, 6, 8)
    # Durability: six months after a job on 5 Dec 2025 is 5 June 2026 → Monday 8 June.
    assert rules.durability_check(date(2025, 12, 5)) == date(2026, 6, 8)


def test_visitation_slot(rules: RuleBook) -> None:
    monday = date(2026, 3, 16)
    assert rules.visitation_slot(monday, consultant_free=True) == monday
    assert rules.visitation_slot(monday, consultant_free=False) == date(2026, 3, 17)
    assert rules.visitation_slot(date(2026, 3, 14), consultant_free=True) == monday
    assert rules.visitation_slot(date(2026, 4, 2), consultant_free=True) == date(2026, 4, 7)


def test_nytteindsats_warning_can_be_switched_off(tmp_path: Path) -> None:
    rules = load_rulebook(write(tmp_path, "[local]\nnytteindsats_warn_weeks = 0\n"))
    assert rules.nytteindsats_warning(date(2026, 3, 6)) is None


# -- jobbutik rules ------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    yield
    speak("en")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["--lang", "en", *args])


@pytest.mark.usefixtures("clean_env")
def test_deadlines_of_a_christmas_eve_arrival_as_json(tmp_path: Path) -> None:
    result = run("rules", "deadlines", "--arrived", "2025-12-24", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found == {
        "rule_set": "kontanthjaelp_2025",
        "first_conversation_by": "2025-12-30",
        "cv_by": "2026-01-14",
        "activation_start_by": "2025-12-30",
        "final_visitation_by": "2026-03-24",
        "referral_apply_by": "2026-01-02",
        "referral_follow_up_on": "2026-01-13",
    }
    assert found["first_conversation_by"] <= "2025-12-31"
    assert not list(tmp_path.rglob("*.sqlite"))  # no database was made


@pytest.mark.usefixtures("clean_env")
def test_deadlines_count_from_the_conversation_and_skip_the_youth_track() -> None:
    # Arrived Friday 29 May 2026, conversation Monday 1 June, aged 35.
    result = run(
        "rules",
        "deadlines",
        "--arrived",
        "29.05.2026",
        "--conversation",
        "01.06.2026",
        "--age",
        "35",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "rule_set": "kontanthjaelp_2025",
        "first_conversation_by": "2026-06-04",
        "cv_by": "2026-06-19",
        "activation_start_by": "2026-06-08",
        "final_visitation_by": None,
        "referral_apply_by": "2026-06-04",
        "referral_follow_up_on": "2026-06-16",
    }
    young = json.loads(
        run(
            "rules", "deadlines", "--arrived", "29.05.2026", "--age", "29", "--format", "json"
        ).stdout
    )
    assert young["final_visitation_by"] == "2026-08-28"  # 29 Aug is a Saturday: back


@pytest.mark.usefixtures("clean_env")
def test_no_final_visitation_under_the_2027_set() -> None:
    # Arrived 30 Dec 2026 (2026 set), visited 4 Jan 2027: no youth track any more.
    result = run("rules", "deadlines", "--arrived", "2026-12-30", "--conversation", "2027-01-04")
    assert result.exit_code == 0, result.output
    assert "Rule set: beskaeftigelsesreform_2026 – Beskæftigelsesreformen, fase 1" in result.stdout
    assert "On the conversation day the rule set beskaeftigelsesreform_2027 is in force." in (
        result.stdout
    )
    assert "First job conversation by:    06.01.2027" in result.stdout
    assert "Final visitation by:          – (the youth track does not apply)" in result.stdout


@pytest.mark.usefixtures("clean_env")
def test_deadlines_use_the_municipality_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[local]\nreferral_apply_by_working_days = 5\n")
    result = run(
        "--rules", str(path), "rules", "deadlines", "--arrived", "2026-03-16", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["referral_apply_by"] == "2026-03-23"


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--arrived", "2026-03-16", "--conversation", "2026-03-13"],
            2,
            "The conversation (13.03.2026) cannot be before the arrival (16.03.2026).",
        ),
        (["--arrived", "2026-02-30"], 2, "2026-02-30 is not a date"),
        ([], 2, "--arrived"),
        (["--arrived", "2026-03-16", "--age", "-1"], 2, "--age"),
    ],
)
def test_deadlines_errors_are_one_line(args: list[str], code: int, message: str) -> None:
    result = run("rules", "deadlines", *args)
    assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jobbutik: ") and message in lines[0]


@pytest.mark.usefixtures("clean_env")
def test_a_bad_municipality_file_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[local]\nyouth_age_limit = 25\n")
    result = run("--rules", str(path), "rules", "show")
    assert result.exit_code == 1
    assert result.stderr == (
        f"jobbutik: Rule file {path}: local.youth_age_limit: law, not a local choice: a "
        "municipality's rule file cannot change it.\n"
    )


@pytest.mark.usefixtures("clean_env")
def test_show_lists_the_2027_values_with_kind_pending_and_source() -> None:
    result = run("rules", "show", "--date", "2027-01-04")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Rule set in force on 04.01.2027: beskaeftigelsesreform_2027 – Beskæftigelsesreformen, "
        "fase 2 (ny hovedlov)"
    )
    assert lines[1] == "Valid from: 01.01.2027"
    assert "law    pending  youth_track = no" in lines
    assert "law    pending  injunction = no" in lines
    assert "law    pending  other_categories = Jobparat, Aktivitetsparat" in lines
    assert "law    pending  first_conversation_max_days = 7" in lines
    assert "local           activation_start_max_days = 7" in lines
    assert "local           retention_years = 5" in lines
    text = " ".join(result.stdout.split())
    assert "Source: Aftalen, pkt. 2: uddannelsespålægget afskaffes" in text
    assert "Source: Forventet uændret i den nye lov om en aktiv beskæftigelsesindsats" in text
    assert "Closing days (local, every year): 05.06, 24.12, 31.12" in lines
    assert "28.03.2027 Easter Sunday" in text


@pytest.mark.usefixtures("clean_env")
def test_show_today_with_the_municipality_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[calendar]\nclosing_days = ["12-24"]\n[local]\nretention_years = 3\n')
    result = run("--today", "2026-03-16", "--rules", str(path), "rules", "show")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Rule set in force on 16.03.2026: kontanthjaelp_2025 – ")
    assert "law    pending" not in result.stdout  # nothing pending in force
    assert "local           retention_years = 3" in result.stdout
    assert f"Source: {path}" in result.stdout
    assert "Closing days (local, every year): 24.12" in result.stdout

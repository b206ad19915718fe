"""The conversation's summary (step 5) and plan from the steps' parts: pure, exact text."""

from __future__ import annotations

from datetime import date

import pytest

from jobbutik.domain.i18n import set_language
from jobbutik.domain.rules import load_rulebook, propose_category
from jobbutik.services.citizens import CitizenCard
from jobbutik.services.matching import Match
from jobbutik.services.visitation import (
    ActivationChoice,
    ConversationStart,
    Deadlines,
    Facts,
    ReferralChoice,
    SiteAvailability,
)
from jobbutik.tui.conversation.parts import (
    ActivationPart,
    Classification,
    PlanParts,
    ReferralsPart,
)
from jobbutik.tui.conversation.summary import summary_lines

TODAY = date(2026, 11, 23)
RULESET = load_rulebook().in_force(TODAY)
DEADLINES = Deadlines(
    default_activation_start=date(2026, 11, 24),
    latest_activation_start=date(2026, 12, 7),
    cv_deadline=date(2026, 12, 7),
    apply_by=date(2026, 11, 26),
    follow_up_on=date(2026, 12, 7),
    final_visitation=date(2027, 2, 23),
)
SITE = SiteAvailability(
    site_id=2,
    name="Materielgården",
    kind="nytteindsats",
    provider="Kommunen",
    hours_per_week=20,
    seats=5,
    taken=1,
    starts_on_weekday=True,
)


def card(name: str = "Jens Møller", age: int = 36) -> CitizenCard:
    return CitizenCard(
        id=1,
        cpr="0101901234",
        cpr_masked="010190-XXXX",
        name=name,
        birth_date=date(1990, 1, 1),
        age=age,
        sex="M",
        phone=None,
        email=None,
        postcode=None,
        interpreter_language=None,
        needs_digital_help=False,
        last_visit=None,
        last_category=None,
        open_referrals=(),
        flags=(),
    )


def start(name: str = "Jens Møller", age: int = 36) -> ConversationStart:
    return ConversationStart(
        request_id=9,
        benefit="kontanthjaelp",
        citizen=card(name, age),
        deadlines=DEADLINES,
        first_contact_on=date(2026, 11, 23),
    )


def match(opening_id: int, title: str, apply_by: date) -> Match:
    return Match(
        opening_id=opening_id,
        title=title,
        company="Netto",
        industry="Detail",
        hours_per_week=30,
        postcode=None,
        apply_by=apply_by,
        score=80,
        reasons=(),
    )


def classified(category: str | None, age: int = 36, **more: object) -> Classification:
    proposal = propose_category(RULESET, age, has_qualifying_education=True)
    return Classification(category=category, proposal=proposal, **more)  # type: ignore[arg-type]


def text(lines) -> list[str]:
    return [line.plain for line in lines]


def test_an_adult_with_a_site_two_referrals_and_help() -> None:
    parts = PlanParts(
        facts=Facts(
            has_qualifying_education=True,
            job_wishes="Butik eller lager",
            industries=("Detail", "Lager"),
            hours_wanted=30,
            restrictions="Ingen tunge løft",
            driving_licence=False,
        ),
        classification=classified("jobparat"),
        activation=ActivationPart(date(2026, 11, 24), site_id=2, site=SITE),
        referrals=ReferralsPart(
            opening_ids=(7, 8),
            # The opening's own deadline counts when it is sooner than the rule's.
            matches={
                7: match(7, "Butiksassistent", date(2026, 11, 25)),
                8: match(8, "Lagerarbejder", date(2026, 12, 31)),
            },
            help_cv=True,
            help_application=True,
        ),
    )
    assert text(summary_lines(start(), parts, RULESET)) == [
        "Citizen: Jens Møller, 010190-XXXX, 36 years",
        "Facts: erhvervskompetencegivende uddannelse yes; integration programme not asked; "
        "wishes: Butik eller lager; industries: Detail, Lager; hours: 30; "
        "skånehensyn: Ingen tunge løft; driving licence no",
        "Category: Jobparat (proposed: Jobparat)",
        "Immediate activation: Materielgården from 24.11.2026",
        "Job referrals:",
        "  • Butiksassistent, Netto: apply by 25.11.2026, follow-up 07.12.2026",
        "  • Lagerarbejder, Netto: apply by 26.11.2026, follow-up 07.12.2026",
        "Job-search help: CV on Jobnet, applications",
        "CV on Jobnet by: 07.12.2026",
    ]


def test_nothing_chosen_yet() -> None:
    parts = PlanParts(Facts(), Classification(None, None), ActivationPart(None), ReferralsPart())
    assert text(summary_lines(start(), parts, RULESET)) == [
        "Citizen: Jens Møller, 010190-XXXX, 36 years",
        "Facts: erhvervskompetencegivende uddannelse not asked; integration programme not "
        "asked; wishes: —; industries: —; hours: —; skånehensyn: —; driving licence not asked",
        "Category: — (proposed: —)",
        "Immediate activation: none chosen",
        "Job referrals: none",
        "Job-search help: —",
    ]


def test_youth_group_provisional_category_and_override_reason() -> None:
    young = start("Sofie Hansen", 24)
    proposal = propose_category(RULESET, 24, False, integration_programme=False)
    assert proposal.group.youth
    parts = PlanParts(
        Facts(has_qualifying_education=False, integration_programme=False),
        Classification(
            category="uddannelsesparat",
            proposal=proposal,
            override_reason="  Har en konkret plan  ",
            youth=True,
            guidance=True,
            injunction=True,
            injunction_goal=" SOSU-hjælper ",
            injunction_deadline=date(2027, 3, 31),
        ),
        ActivationPart(date(2026, 11, 24), exempt=True, exemption_reason="Starter på HF"),
        ReferralsPart(),
    )
    lines = text(summary_lines(young, parts, RULESET))
    assert lines[2:8] == [
        "Category: Uddannelsesparat (proposed: Åbenlyst uddannelsesparat) — Har en konkret plan",
        "Provisional uddannelsesparat: final visitation by 23.02.2027",
        "Education guidance: yes",
        "Uddannelsespålæg given: yes",
        "  Education goal: SOSU-hjælper; deadline 31.03.2027",
        "Immediate activation: exempt — Starter på HF",
    ]
    assert not any(line.startswith("CV on Jobnet by") for line in lines)  # not for this category


def test_an_aktivitetsparat_young_person_is_not_provisional_and_may_have_no_pålæg() -> None:
    proposal = propose_category(RULESET, 24, False, integration_programme=False)
    parts = PlanParts(
        Facts(),
        Classification("aktivitetsparat", proposal, "Misbrug", youth=True, guidance=False),
        ActivationPart(None),
        ReferralsPart(),
    )
    assert not parts.classification.provisional
    assert text(summary_lines(start("Sofie Hansen", 24), parts, RULESET))[3:5] == [
        "Education guidance: no",
        "Uddannelsespålæg given: not asked",
    ]


def test_an_exemption_and_a_site_without_a_free_seat() -> None:
    exempt = ActivationPart(date(2026, 11, 24), exempt=True, exemption_reason=" Sygemeldt ")
    full = ActivationPart(date(2026, 11, 24), site_id=2, site=None)  # the seat went meanwhile
    lines = {
        name: text(
            summary_lines(
                start(), PlanParts(Facts(), classified("jobparat"), part, ReferralsPart()), RULESET
            )
        )[3]
        for name, part in (("exempt", exempt), ("full", full))
    }
    assert lines == {
        "exempt": "Immediate activation: exempt — Sygemeldt",
        "full": "Immediate activation: none chosen",
    }


def test_typed_text_is_shown_as_typed_never_as_markup() -> None:
    parts = PlanParts(
        Facts(job_wishes="[b]Kok[/b]", restrictions="$name [/]"),
        classified("jobparat", override_reason="[red]x"),
        ActivationPart(None),
        ReferralsPart(opening_ids=(7, 99), matches={7: match(7, "[i]Kok", date(2026, 12, 1))}),
    )
    lines = summary_lines(start("Ib [b]Å[/b]"), parts, RULESET)
    plain = text(lines)
    assert plain[0] == "Citizen: Ib [b]Å[/b], 010190-XXXX, 36 years"
    assert "wishes: [b]Kok[/b];" in plain[1] and "skånehensyn: $name [/];" in plain[1]
    assert plain[2].endswith("— [red]x")
    # The opening chosen in a draft and not ranked yet (99) is not listed.
    assert plain[4:6] == [
        "Job referrals:",
        "  • [i]Kok, Netto: apply by 26.11.2026, follow-up 07.12.2026",
    ]
    # Only the labels are bold: none of the typed text is styled.
    citizen = lines[0]
    bold = [citizen.plain[s.start : s.end] for s in citizen.spans if "b" in str(s.style)]
    assert bold == ["Citizen"]


def test_the_summary_in_danish() -> None:
    parts = PlanParts(Facts(), classified("jobparat"), ActivationPart(None), ReferralsPart())
    set_language("da")
    try:
        lines = text(summary_lines(start(), parts, RULESET))
    finally:
        set_language("en")
    assert lines[0] == "Borger: Jens Møller, 010190-XXXX, 36 år"
    assert lines[-1] == "CV på Jobnet senest: 07.12.2026"


@pytest.mark.parametrize("youth", [False, True])
def test_the_plan_from_the_parts(youth: bool) -> None:
    parts = PlanParts(
        Facts(job_wishes="Lager"),
        classified(
            "jobparat",
            youth=youth,
            guidance=True,
            injunction=False,
            injunction_goal="ignored: no pålæg",
            injunction_deadline=date(2027, 1, 4),
        ),
        ActivationPart(date(2026, 11, 24), site_id=2, site=SITE, exemption_reason="ignored"),
        ReferralsPart(opening_ids=(7,), help_email=True),
        rights_guidance=True,
    )
    plan = parts.plan(9)
    assert (plan.request_id, plan.category, plan.facts.job_wishes) == (9, "jobparat", "Lager")
    assert plan.activation == ActivationChoice(2, date(2026, 11, 24))
    assert (plan.exempt, plan.exemption_reason) == (False, "")
    assert plan.referrals == (ReferralChoice(7),)
    assert (plan.help_cv, plan.help_email, plan.help_application) == (False, True, False)
    # Outside the youth group guidance and pålæg are not asked (None).
    assert (plan.guidance, plan.injunction) == ((True, False) if youth else (None, None))
    assert (plan.injunction_goal, plan.injunction_deadline) == ("", None)
    assert plan.rights_guidance


def test_the_plan_keeps_the_pålæg_goal_and_deadline() -> None:
    proposal = propose_category(RULESET, 24, False, integration_programme=False)
    c = Classification(
        "aktivitetsparat",
        proposal,
        "Misbrug",
        youth=True,
        guidance=True,
        injunction=True,
        injunction_goal=" Tømrer ",
        injunction_deadline=date(2027, 6, 4),  # the day before Grundlovsdag
    )
    plan = PlanParts(Facts(), c, ActivationPart(None), ReferralsPart()).plan(9)
    assert (plan.injunction, plan.injunction_goal, plan.injunction_deadline) == (
        True,
        "Tømrer",
        date(2027, 6, 4),
    )
    assert not plan.rights_guidance  # never ticked for the consultant


def test_an_exemption_drops_the_site_from_the_plan() -> None:
    activation = ActivationPart(
        date(2026, 11, 24), site_id=2, site=SITE, exempt=True, exemption_reason="Sygemeldt"
    )
    parts = PlanParts(Facts(), classified("jobparat"), activation, ReferralsPart())
    plan = parts.plan(9)
    assert (plan.activation, plan.exempt, plan.exemption_reason) == (None, True, "Sygemeldt")

"""The conversation's plan in parts: each step returns its part, read on the UI thread.

Plain data only (no widgets): the summary and the save both work from these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from jobbutik.domain.vocabulary import Category

if TYPE_CHECKING:
    from jobbutik.domain.rules import Proposal
    from jobbutik.services.matching import Match
    from jobbutik.services.visitation import Facts, SiteAvailability, VisitationPlan


@dataclass(frozen=True)
class Classification:
    """Step 2: the category chosen, the rules' proposal and, for the youth group, the guidance
    and the uddannelsespålæg."""

    category: str | None
    proposal: Proposal | None
    override_reason: str = ""
    youth: bool = False  # the youth target group (any of its categories)
    guidance: bool | None = None  # None: not answered
    injunction: bool | None = None
    injunction_goal: str = ""
    injunction_deadline: date | None = None

    @property
    def provisional(self) -> bool:
        """A young uddannelsesparat is so provisionally until the final visitation (bek. § 6
        stk. 3): never a choice."""
        return self.youth and self.category == Category.UDDANNELSESPARAT


@dataclass(frozen=True)
class ActivationPart:
    """Step 3: a site with a free seat from a start date, or an exemption."""

    start_date: date | None
    site_id: int | None = None
    site: SiteAvailability | None = None  # the chosen site, while it has a free seat that day
    exempt: bool = False
    exemption_reason: str = ""


@dataclass(frozen=True)
class ReferralsPart:
    """Step 4: the openings chosen (those ranked so far are in `matches`) and job-search help."""

    opening_ids: tuple[int, ...] = ()
    matches: Mapping[int, Match] = field(default_factory=dict)
    help_cv: bool = False
    help_email: bool = False
    help_application: bool = False


@dataclass(frozen=True)
class PlanParts:
    facts: Facts
    classification: Classification
    activation: ActivationPart
    referrals: ReferralsPart
    rights_guidance: bool = False  # step 5: written guidance on rights and duties handed over

    def plan(self, request_id: int) -> VisitationPlan:
        """The whole plan for `visitation.complete`."""
        from jobbutik.services.visitation import ActivationChoice, ReferralChoice, VisitationPlan

        c, a, r = self.classification, self.activation, self.referrals
        choice = None
        if not a.exempt and a.site_id is not None and a.start_date is not None:
            choice = ActivationChoice(a.site_id, a.start_date)
        injunction = c.injunction if c.youth else None
        return VisitationPlan(
            request_id=request_id,
            facts=self.facts,
            category=c.category or "",
            override_reason=c.override_reason,
            activation=choice,
            exempt=a.exempt,
            exemption_reason=a.exemption_reason if a.exempt else "",
            guidance=c.guidance if c.youth else None,
            injunction=injunction,
            injunction_goal=c.injunction_goal.strip() if injunction else "",
            injunction_deadline=c.injunction_deadline if injunction else None,
            rights_guidance=self.rights_guidance,
            referrals=tuple(ReferralChoice(o) for o in r.opening_ids),
            help_cv=r.help_cv,
            help_email=r.help_email,
            help_application=r.help_application,
        )

"""Job openings ranked by fit to one citizen, each with the reasons for its place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlmodel import Session, col, select

from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import DanishLevel
from jobbutik.domain.words import industry_matches
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.visitation import Facts
from jobbutik.store.models import Citizen, Company, JobOpening, OpeningStatus, Referral

# Weights: a wished industry matters most; a requirement the citizen cannot meet sinks an opening.
W_INDUSTRY = 40
W_HOURS_CLOSE = 20
W_HOURS_FAR = -15
W_SKAANEHENSYN = 15
W_NO_SKAANEHENSYN = -30
W_LICENCE_MISSING = -50
W_LICENCE_HELD = 5
W_DANISH = -20
W_SAME_POSTCODE = 15
W_NEAR = 10
W_REGION = 5
W_FAR = -10
W_DEADLINE_SOON = 5
HOURS_CLOSE = 5  # hours offered within this many of those wanted count as a fit

# Distance by postcode. Danish postcodes run roughly by geography: the first two digits are a
# town and its neighbours, the first digit a region, except Bornholm (37xx), an island far from
# the other 3xxx (North Zealand), and Copenhagen and its suburbs, which span 1xxx and 2xxx.
SAME, NEAR, REGION, FAR = 0, 1, 2, 3


def _area(postcode: str) -> str:
    if postcode.startswith("37"):
        return "bornholm"
    if postcode[:1] in ("1", "2"):
        return "copenhagen"
    return postcode[:1]


def postcode_distance(a: str | None, b: str | None) -> int | None:
    """SAME, NEAR (same first two digits), REGION (same area) or FAR; None when unknown."""
    if not a or not b or len(a) != 4 or len(b) != 4:
        return None
    if a == b:
        return SAME
    if a[:2] == b[:2]:
        return NEAR
    if _area(a) == _area(b):
        return REGION
    return FAR


def wished_in(industries: Sequence[str]) -> Callable[[str], bool]:
    """Tells whether one of the wished `industries` matches an industry or a title. Each text is
    compared once: openings repeat industries and titles, and ranking scores every one."""

    @cache
    def wished(text: str) -> bool:
        return any(industry_matches(industry, text) for industry in industries)

    return wished


@dataclass(frozen=True)
class Match:
    opening_id: int
    title: str
    company: str
    industry: str
    hours_per_week: int
    postcode: str | None
    apply_by: date
    score: int
    reasons: tuple[str, ...]
    company_id: int = 0
    requirements: str = ""


def score_opening(
    opening: JobOpening,
    facts: Facts,
    citizen_postcode: str | None,
    today: date,
    *,
    needs_interpreter: bool = False,
    wished: Callable[[str], bool] | None = None,
) -> tuple[int, list[str]]:
    """The opening's score for this citizen and the reasons, one per point given or taken;
    `wished` is `wished_in(facts.industries)`, made once when scoring many openings."""
    wished = wished or wished_in(facts.industries)
    score = 0
    reasons: list[str] = []
    if wished(opening.industry):
        score += W_INDUSTRY
        reasons.append(
            _("+{n} wished industry ({industry})").format(n=W_INDUSTRY, industry=opening.industry)
        )
    elif wished(opening.title):
        # Consultants type the work wished ("chauffør", "kassedame") as often as its industry,
        # and employers file "Chauffør" under "Vognmand" as often as under "Transport".
        score += W_INDUSTRY
        reasons.append(_("+{n} wished work ({title})").format(n=W_INDUSTRY, title=opening.title))
    if facts.hours_wanted:
        if abs(facts.hours_wanted - opening.hours_per_week) <= HOURS_CLOSE:
            score += W_HOURS_CLOSE
            reasons.append(
                _("+{n} hours fit ({hours} h/week)").format(
                    n=W_HOURS_CLOSE, hours=opening.hours_per_week
                )
            )
        else:
            score += W_HOURS_FAR
            reasons.append(
                _("{n} hours differ ({hours} h/week offered, {wanted} wanted)").format(
                    n=W_HOURS_FAR, hours=opening.hours_per_week, wanted=facts.hours_wanted
                )
            )
    if facts.restrictions.strip():
        if opening.skaanehensyn_possible:
            score += W_SKAANEHENSYN
            reasons.append(_("+{n} skånehensyn possible").format(n=W_SKAANEHENSYN))
        else:
            score += W_NO_SKAANEHENSYN
            reasons.append(_("{n} no skånehensyn possible").format(n=W_NO_SKAANEHENSYN))
    if opening.driving_licence_required:
        if facts.driving_licence:
            score += W_LICENCE_HELD
            reasons.append(_("+{n} has the driving licence needed").format(n=W_LICENCE_HELD))
        elif facts.driving_licence is None:  # not asked: unknown, not "no"
            reasons.append(_("0 needs a driving licence: ask whether the citizen has one"))
        else:
            score += W_LICENCE_MISSING
            reasons.append(_("{n} needs a driving licence").format(n=W_LICENCE_MISSING))
    if needs_interpreter and opening.danish_level in (DanishLevel.GOOD, DanishLevel.FLUENT):
        score += W_DANISH
        reasons.append(
            _("{n} needs good Danish (the citizen uses an interpreter)").format(n=W_DANISH)
        )
    distance = postcode_distance(citizen_postcode, opening.postcode)
    if distance == SAME:
        score += W_SAME_POSTCODE
        reasons.append(_("+{n} same postcode").format(n=W_SAME_POSTCODE))
    elif distance == NEAR:
        score += W_NEAR
        reasons.append(_("+{n} nearby ({postcode})").format(n=W_NEAR, postcode=opening.postcode))
    elif distance == REGION:
        score += W_REGION
        reasons.append(
            _("+{n} same region ({postcode})").format(n=W_REGION, postcode=opening.postcode)
        )
    elif distance == FAR:
        score += W_FAR
        reasons.append(_("{n} far away ({postcode})").format(n=W_FAR, postcode=opening.postcode))
    if (opening.apply_by - today).days <= 7:
        score += W_DEADLINE_SOON
        reasons.append(
            _("+{n} apply soon (by {day})").format(
                n=W_DEADLINE_SOON, day=format_day(opening.apply_by)
            )
        )
    return score, reasons


def rank_openings(
    ctx: ServiceContext, citizen_id: int, facts: Facts, *, limit: int = 30
) -> list[Match]:
    """Open openings not yet passed and not already referred, best fit first (ties: the
    soonest apply-by date first)."""
    ctx.require(Permission.VISIT)
    today = ctx.clock.today()

    def work(session: Session) -> list[Match]:
        citizen = session.get(Citizen, citizen_id)
        postcode = citizen.postcode if citizen else None
        interpreter = bool(citizen and citizen.interpreter_language)
        referred = select(Referral.opening_id).where(Referral.citizen_id == citizen_id)
        rows = session.exec(
            select(JobOpening, Company.name)
            .join(Company, col(Company.id) == JobOpening.company_id)
            .where(
                JobOpening.status == OpeningStatus.OPEN,
                col(JobOpening.apply_by) >= today,
                col(JobOpening.id).notin_(referred),
            )
        ).all()
        matches = []
        wished = wished_in(facts.industries)
        for opening, company in rows:
            assert opening.id is not None
            score, reasons = score_opening(
                opening, facts, postcode, today, needs_interpreter=interpreter, wished=wished
            )
            matches.append(
                Match(
                    opening.id,
                    opening.title,
                    company,
                    opening.industry,
                    opening.hours_per_week,
                    opening.postcode,
                    opening.apply_by,
                    score,
                    tuple(reasons),
                    opening.company_id,
                    opening.requirements,
                )
            )
        matches.sort(key=lambda m: (-m.score, m.apply_by, m.opening_id))
        return matches[:limit]

    return ctx.db.read(work)

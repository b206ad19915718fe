"""Job openings ranked by fit to one citizen, each with the reasons for its place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from jobbutik.i18n import _
from jobbutik.identity import fold_name
from jobbutik.models import Citizen, Company, JobOpening, OpeningStatus, Referral
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.visitation import Facts

# Weights: a wished industry matters most; a requirement the citizen cannot meet sinks an opening.
W_INDUSTRY = 40
W_HOURS_CLOSE = 20
W_HOURS_FAR = -15
W_SKAANEHENSYN = 15
W_NO_SKAANEHENSYN = -30
W_LICENCE_MISSING = -50
W_SAME_POSTCODE = 15
W_NEAR = 10
W_REGION = 5
W_DEADLINE_SOON = 5


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


def score_opening(
    opening: JobOpening, facts: Facts, citizen_postcode: str | None, today: date
) -> tuple[int, list[str]]:
    score = 0
    reasons: list[str] = []
    wished = {fold_name(i) for i in facts.industries if i.strip()}
    if wished and fold_name(opening.industry) in wished:
        score += W_INDUSTRY
        reasons.append(
            _("+{n} wished industry ({industry})").format(n=W_INDUSTRY, industry=opening.industry)
        )
    if facts.hours_wanted:
        if abs(facts.hours_wanted - opening.hours_per_week) <= 5:
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
    if opening.driving_licence_required and not facts.driving_licence:
        score += W_LICENCE_MISSING
        reasons.append(_("{n} needs a driving licence").format(n=W_LICENCE_MISSING))
    if citizen_postcode and opening.postcode:
        if citizen_postcode == opening.postcode:
            score += W_SAME_POSTCODE
            reasons.append(_("+{n} same postcode").format(n=W_SAME_POSTCODE))
        elif citizen_postcode[:2] == opening.postcode[:2]:
            score += W_NEAR
            reasons.append(
                _("+{n} nearby ({postcode})").format(n=W_NEAR, postcode=opening.postcode)
            )
        elif citizen_postcode[:1] == opening.postcode[:1]:
            score += W_REGION
            reasons.append(
                _("+{n} same region ({postcode})").format(n=W_REGION, postcode=opening.postcode)
            )
    if (opening.apply_by - today).days <= 7:
        score += W_DEADLINE_SOON
        reasons.append(
            _("+{n} apply soon (by {day})").format(
                n=W_DEADLINE_SOON, day=opening.apply_by.isoformat()
            )
        )
    return score, reasons


def rank_openings(
    ctx: ServiceContext, citizen_id: int, facts: Facts, *, limit: int = 30
) -> list[Match]:
    """Open openings not yet passed and not already referred, best fit first."""
    ctx.require(Permission.VISIT)
    today = ctx.clock.today()

    def work(session: Session) -> list[Match]:
        citizen = session.get(Citizen, citizen_id)
        postcode = citizen.postcode if citizen else None
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
        for opening, company in rows:
            assert opening.id is not None
            score, reasons = score_opening(opening, facts, postcode, today)
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
                )
            )
        matches.sort(key=lambda m: (-m.score, m.apply_by, m.opening_id))
        return matches[:limit]

    return ctx.db.read(work)

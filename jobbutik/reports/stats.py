"""Statistics for a period: the Jobbutik's figures, each aggregated in SQL.

Definitions (each cohort by the date in brackets falling in the period):
- arrivals [arrival day]: requests registered at the desk.
- visited or turned at the door [arrival day]: Herlev's headline — the arrivals visited onto
  benefit (a visitation conversation held) and those turned at the door (the application
  withdrawn), each as a share of the arrivals; the withdrawals by reason.
- time to the conversation [arrival day]: of the arrivals *not turned at the door*, the share
  visited the same day, on the same or the next working day, and within the legal limit: on or
  before the latest day for the first job conversation counted from the first henvendelse by
  the rules in force then, moved back to the last open day (a legal limit never stretches).
- category mix, immediate activation, youth target group, exemptions [conversation day]: per
  visitation conversation held. Youth target group = the citizen was in it (under the age
  limit without an erhvervskompetencegivende uddannelse, aktivitetsparat ones too). Immediate
  activation = an activation was assigned in the conversation; days to start = calendar days
  from the conversation to the first day; the median of those.
- referral funnel [referral day]: referred → applied (applied, interview, hired, rejected or
  refused a job offer) → interview (an interview date or outcome; a refused offer followed an
  interview) → hired; hire rate = hired / referred.
- follow-ups [due day]: those done on time (on or before their due day), done late, open and
  overdue; those not yet due (due today or later and open) are not counted in the share.
- activation sites [first day]: booked (activations created to start in the period) and started
  (of those, the ones the citizen started: not the no-shows, those called off before their
  first day, or those still to start); of the started, still running, ended in a job, in
  education, or stopped (ended early or without a recorded outcome).
- outcomes against the site's targets [first day]: of the participants who have finished (started
  and ended), the share in a job and the share in a job or education, each with the site's target
  and whether it is met.
- durable outcomes [due day]: the "still in work?" follow-ups after a job outcome, answered still
  in work or no longer in work (shares of those answered), and those not answered yet.

Every share of nothing is shown as a dash, never a division by zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from sqlalchemy import and_, case, func, not_
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Category, FollowUpKind, FollowUpOutcome
from jobbutik.reports import fmt
from jobbutik.reports.common import municipality
from jobbutik.reports.document import (
    Bar,
    Chart,
    Column,
    Document,
    Figures,
    Note,
    Section,
    Table,
)
from jobbutik.services.context import ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    ActivationOutcome,
    ActivationSite,
    ActivationStatus,
    FollowUp,
    Referral,
    ReferralOutcome,
    Request,
    RequestStatus,
    Visitation,
    Withdrawal,
    WithdrawalReason,
)

MAX_DAYS = 3 * 366  # a longer period is refused: ask for it a year at a time
WEEKLY_AFTER_DAYS = 31  # the arrivals chart shows weeks beyond a month, months beyond half a year
MONTHLY_AFTER_DAYS = 183

APPLIED = (
    ReferralOutcome.APPLIED,
    ReferralOutcome.INTERVIEW,
    ReferralOutcome.HIRED,
    ReferralOutcome.REJECTED,
    ReferralOutcome.REFUSED_OFFER,
)
# Outcomes that come only after an interview: an offer follows one.
INTERVIEWED = (ReferralOutcome.INTERVIEW, ReferralOutcome.HIRED, ReferralOutcome.REFUSED_OFFER)
# An activation the citizen began: ended early counts only if it ended on or after its first day
# (one called off before it, e.g. for a hire, never began).
BEGAN = (ActivationStatus.STARTED, ActivationStatus.ENDED)


@dataclass
class SiteOutcome:
    site_id: int
    name: str
    target_job: float | None  # shares 0–1, or None: no target set
    target_job_or_education: float | None
    booked: int = 0  # activations booked to start in the period
    started: int = 0  # of those, begun by the citizen
    running: int = 0  # of the started, still under way
    employed: int = 0
    education: int = 0

    @property
    def finished(self) -> int:
        """Participants who have finished: started and ended."""
        return self.started - self.running

    @property
    def stopped(self) -> int:
        return self.finished - self.employed - self.education


@dataclass(frozen=True)
class Durability:
    due: int  # "still in work?" follow-ups due in the period
    still_in_work: int
    no_longer_in_work: int
    open: int  # not answered yet

    @property
    def answered(self) -> int:
        return self.still_in_work + self.no_longer_in_work


@dataclass
class StatsData:
    start: date
    end: date
    today: date
    municipality: str = ""
    arrivals_per_day: dict[date, int] = field(default_factory=dict)
    # (arrival day, first henvendelse, conversation day or None) → count, for arrivals not
    # turned at the door
    visit_timing: dict[tuple[date, date, date | None], int] = field(default_factory=dict)
    withdrawals: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    youth_track: int = 0
    exempt: int = 0
    activated: int = 0
    days_to_start: dict[int, int] = field(default_factory=dict)
    # (outcome or None, has an interview date) → count
    referrals: dict[tuple[str | None, bool], int] = field(default_factory=dict)
    # (done, on time, overdue) → count
    follow_ups: dict[tuple[bool, bool, bool], int] = field(default_factory=dict)
    sites: list[SiteOutcome] = field(default_factory=list)
    # the outcome of each "still in work?" follow-up due in the period (None: not answered)
    durability: dict[str | None, int] = field(default_factory=dict)

    @property
    def arrivals(self) -> int:
        return sum(self.arrivals_per_day.values())

    @property
    def visitations(self) -> int:
        return sum(self.categories.values())


def read_stats(db: Database, start: date, end: date, today: date) -> StatsData:
    """Every figure's counts for the period, its reads side by side on one snapshot (a year at
    a large jobcentre takes seconds one after the other)."""
    data = StatsData(start, end, today)
    db.read_together([partial(part, data=data) for part in _READS])
    return data


# Each part of the statistics fills fields of its own in StatsData, in its own read transaction.


def _municipality(session: Session, data: StatsData) -> None:
    data.municipality = municipality(session)


def _arrivals_per_day(session: Session, data: StatsData) -> None:
    data.arrivals_per_day = {
        day: n
        for day, n in session.execute(
            select_columns(col(Request.arrived_on), func.count())
            .where(col(Request.arrived_on).between(data.start, data.end))
            .group_by(col(Request.arrived_on))
        ).all()
    }


def _visit_timing(session: Session, data: StatsData) -> None:
    data.visit_timing = {
        (arrived, first_contact, held): n
        for arrived, first_contact, held, n in session.execute(
            select_columns(
                col(Request.arrived_on),
                col(Request.first_contact_on),
                col(Visitation.held_on),
                func.count(),
            )
            .select_from(Request)
            .outerjoin(Visitation, col(Visitation.request_id) == Request.id)
            .where(
                col(Request.arrived_on).between(data.start, data.end),
                col(Request.status) != RequestStatus.WITHDRAWN,
            )
            .group_by(
                col(Request.arrived_on), col(Request.first_contact_on), col(Visitation.held_on)
            )
        ).all()
    }


def _withdrawals(session: Session, data: StatsData) -> None:
    data.withdrawals = {
        reason: n
        for reason, n in session.execute(
            select_columns(col(Withdrawal.reason), func.count())
            .select_from(Withdrawal)
            .join(Request, col(Request.id) == Withdrawal.request_id)
            # Redundant (a withdrawal marks its request withdrawn) but lets the request index
            # skip all the others before any withdrawal is looked up. Wrapped, so SQLite's
            # planner cannot take the status index instead (every withdrawn request ever, each
            # row read): the period's index holds the status too.
            .where(
                col(Request.arrived_on).between(data.start, data.end),
                func.coalesce(col(Request.status), "") == RequestStatus.WITHDRAWN,
            )
            .group_by(col(Withdrawal.reason))
        ).all()
    }


def _categories(session: Session, data: StatsData) -> None:
    for category, n, youth, exempt in session.execute(
        select_columns(
            col(Visitation.category),
            func.count(),
            func.sum(case((col(Visitation.youth_track).is_(True), 1), else_=0)),
            func.sum(case((col(Visitation.activation_exempt).is_(True), 1), else_=0)),
        )
        .where(col(Visitation.held_on).between(data.start, data.end))
        .group_by(col(Visitation.category))
    ).all():
        data.categories[category] = n
        data.youth_track += int(youth or 0)
        data.exempt += int(exempt or 0)


def _days_to_start(session: Session, data: StatsData) -> None:
    # Days to start per activation, and the visitations with any: each counted at its first
    # activation (none of the visitation's has a lower id), in the same pass over the join.
    earlier = aliased(Activation)
    # Selecting the id keeps the check within the index (`SELECT *` would read each row).
    first = ~(
        select_columns(col(earlier.id))
        .where(col(earlier.visitation_id) == Visitation.id, col(earlier.id) < Activation.id)
        .exists()
    )
    days: dict[int, int] = defaultdict(int)
    for held_on, start_date, n, firsts in session.execute(
        select_columns(
            col(Visitation.held_on),
            col(Activation.start_date),
            func.count(),
            func.sum(case((first, 1), else_=0)),
        )
        .select_from(Visitation)
        .join(Activation, col(Activation.visitation_id) == Visitation.id)
        .where(col(Visitation.held_on).between(data.start, data.end))
        .group_by(col(Visitation.held_on), col(Activation.start_date))
    ).all():
        days[(start_date - held_on).days] += n
        data.activated += int(firsts)
    data.days_to_start = dict(days)


def _referrals(session: Session, data: StatsData) -> None:
    # Each grouped expression is one object, used in both SELECT and GROUP BY, so PostgreSQL
    # sees the same bound parameters in both.
    interviewed = case((col(Referral.interview_on).is_not(None), 1), else_=0)
    data.referrals = {
        (outcome, bool(has_interview)): n
        for outcome, has_interview, n in session.execute(
            select_columns(col(Referral.outcome), interviewed, func.count())
            .where(col(Referral.referred_on).between(data.start, data.end))
            .group_by(col(Referral.outcome), interviewed)
        ).all()
    }


def _follow_ups(session: Session, data: StatsData) -> None:
    # Each (done, on time, overdue) counted by a sum of its own: one pass, no sort of the rows.
    done = col(FollowUp.done_at).is_not(None)
    on_time = col(FollowUp.done_on_time).is_(True)
    overdue = col(FollowUp.due) < data.today
    conditions = (done, on_time, overdue)
    keys = [(d, t, o) for d in (False, True) for t in (False, True) for o in (False, True)]
    matches = [
        and_(*(c if k else not_(c) for c, k in zip(conditions, key, strict=True))) for key in keys
    ]
    counts = session.execute(
        select_columns(*(func.sum(case((match, 1), else_=0)) for match in matches)).where(
            col(FollowUp.due).between(data.start, data.end)
        )
    ).one()
    data.follow_ups = {key: int(n) for key, n in zip(keys, counts, strict=True) if n}


def _durability(session: Session, data: StatsData) -> None:
    durable = col(FollowUp.kind) == FollowUpKind.DURABILITY
    data.durability = {
        outcome: n
        for outcome, n in session.execute(
            select_columns(col(FollowUp.outcome), func.count())
            .where(durable, col(FollowUp.due).between(data.start, data.end))
            .group_by(col(FollowUp.outcome))
        ).all()
    }


def _sites(session: Session, data: StatsData) -> None:
    began = case(
        (col(Activation.status).in_(BEGAN), 1),
        (
            (col(Activation.status) == ActivationStatus.ENDED_EARLY)
            & (col(Activation.end_date) >= col(Activation.start_date)),
            1,
        ),
        else_=0,
    )
    sites: dict[int, SiteOutcome] = {}
    for site_id, name, target_job, target_either, status, outcome, started, n in session.execute(
        select_columns(
            col(ActivationSite.id),
            col(ActivationSite.name),
            col(ActivationSite.target_employment_share),
            col(ActivationSite.target_job_or_education_share),
            col(Activation.status),
            col(Activation.outcome),
            began,
            func.count(),
        )
        .select_from(Activation)
        .join(ActivationSite, col(ActivationSite.id) == Activation.site_id)
        .where(col(Activation.start_date).between(data.start, data.end))
        .group_by(
            col(ActivationSite.id),
            col(ActivationSite.name),
            col(ActivationSite.target_employment_share),
            col(ActivationSite.target_job_or_education_share),
            col(Activation.status),
            col(Activation.outcome),
            began,
        )
    ).all():
        site = sites.setdefault(site_id, SiteOutcome(site_id, name, target_job, target_either))
        site.booked += n
        if not started:
            continue
        site.started += n
        if outcome == ActivationOutcome.EMPLOYED:
            site.employed += n
        elif outcome == ActivationOutcome.EDUCATION:
            site.education += n
        elif outcome is None and status == ActivationStatus.STARTED:
            site.running += n
    data.sites = sorted(sites.values(), key=lambda s: (s.name, s.site_id))


# The longest first (a year at 1,000,000 citizens on SQLite: the visits' timing ~0.45 s, the
# days to start ~0.35 s, the follow-ups ~0.25 s, the withdrawals and the referrals ~0.15 s each).
_READS = (
    _visit_timing,
    _days_to_start,
    _follow_ups,
    _withdrawals,
    _referrals,
    _sites,
    _categories,
    _arrivals_per_day,
    _durability,
    _municipality,
)


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    considered: int  # arrivals not turned at the door
    same_day: int
    next_working_day: int  # same or next working day
    within_limit: int
    not_visited: int


def timing(data: StatsData, ctx: ServiceContext) -> Timing:
    calendar = ctx.rulebook.calendar
    same = within_next = within_limit = not_visited = considered = 0
    for (arrived, first_contact, held), n in data.visit_timing.items():
        considered += n
        if held is None:
            not_visited += n
            continue
        if held <= arrived:
            same += n
        if held <= calendar.next_working_day(arrived):
            within_next += n
        # The legal date, counted from the first henvendelse and never stretched by a closed day.
        if held <= ctx.rulebook.latest_first_conversation(first_contact):
            within_limit += n
    return Timing(considered, same, within_next, within_limit, not_visited)


def durability(data: StatsData) -> Durability:
    return Durability(
        due=sum(data.durability.values()),
        still_in_work=data.durability.get(FollowUpOutcome.STILL_IN_WORK, 0),
        no_longer_in_work=data.durability.get(FollowUpOutcome.NO_LONGER_IN_WORK, 0),
        open=data.durability.get(None, 0),
    )


@dataclass(frozen=True)
class Funnel:
    referred: int
    applied: int
    interview: int
    hired: int
    rejected: int
    refused_offer: int
    not_applied_good_reason: int
    not_applied_no_reason: int
    awaiting: int


def funnel(data: StatsData) -> Funnel:
    counts: dict[str, int] = defaultdict(int)
    interview = 0
    for (outcome, has_interview), n in data.referrals.items():
        counts[outcome or ""] += n
        if outcome in INTERVIEWED or (has_interview and outcome in APPLIED):
            interview += n
    return Funnel(
        referred=sum(counts.values()),
        applied=sum(counts[o] for o in APPLIED),
        interview=interview,
        hired=counts[ReferralOutcome.HIRED],
        rejected=counts[ReferralOutcome.REJECTED],
        refused_offer=counts[ReferralOutcome.REFUSED_OFFER],
        not_applied_good_reason=counts[ReferralOutcome.NOT_APPLIED_GOOD_REASON],
        not_applied_no_reason=counts[ReferralOutcome.NOT_APPLIED_NO_REASON],
        awaiting=counts[""],
    )


def _bars(items: list[tuple[str, int]], whole: int | None = None) -> tuple[Bar, ...]:
    """Bars for counts; with `whole`, each labelled with its share too."""
    return tuple(
        Bar(label, float(n), f"{n} ({fmt.share(n, whole)})" if whole is not None else str(n))
        for label, n in items
    )


def arrivals_series(data: StatsData) -> tuple[str, list[tuple[str, int]]]:
    """The chart's title and bars: arrivals per day — per ISO week beyond a month, per month
    beyond half a year."""
    span = (data.end - data.start).days + 1
    if span > MONTHLY_AFTER_DAYS:
        title = _("Arrivals per month")
    elif span > WEEKLY_AFTER_DAYS:
        title = _("Arrivals per week")
    else:
        title = _("Arrivals per day")
    buckets: dict[str, int] = {}
    day = data.start
    while day <= data.end:
        if span > MONTHLY_AFTER_DAYS:
            key = day.strftime("%m.%Y")
        elif span > WEEKLY_AFTER_DAYS:
            year, week, _weekday = day.isocalendar()
            key = _("week {week} {year}").format(week=week, year=year)
        else:
            key = day.strftime("%d.%m.")
        buckets[key] = buckets.get(key, 0) + data.arrivals_per_day.get(day, 0)
        day += timedelta(days=1)
    return title, list(buckets.items())


def check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError(
            _("The period ends ({end}) before it starts ({start}).").format(
                start=fmt.day(start), end=fmt.day(end)
            ),
            field="period",
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError(
            _("The period is longer than three years: choose a shorter one."), field="period"
        )


def build_stats(ctx: ServiceContext, start: date, end: date) -> tuple[Document, set[int]]:
    check_period(start, end)
    today = ctx.clock.today()
    data = read_stats(ctx.db, start, end, today)
    t = timing(data, ctx)
    f = funnel(data)
    dur = durability(data)
    arrivals, visits = data.arrivals, data.visitations
    withdrawn = sum(data.withdrawals.values())
    visited = t.considered - t.not_visited
    working_days = len(ctx.rulebook.calendar.working_days_in(start, end))
    median = fmt.median(data.days_to_start)
    fu = data.follow_ups
    fu_on_time = sum(n for (d, ot, _o), n in fu.items() if d and ot)
    fu_late = sum(n for (d, ot, _o), n in fu.items() if d and not ot)
    fu_overdue = sum(n for (d, _ot, o), n in fu.items() if not d and o)
    fu_pending = sum(n for (d, _ot, o), n in fu.items() if not d and not o)
    fu_counted = fu_on_time + fu_late + fu_overdue
    empty = not (
        arrivals
        or visits
        or data.referrals
        or sum(fu.values())
        or data.sites
        or withdrawn
        or dur.due
    )

    series_title, series = arrivals_series(data)
    category_items = sorted(data.categories.items(), key=lambda kv: (-kv[1], kv[0]))
    category_labels = [(Category.label_of(c), n) for c, n in category_items]
    funnel_items = [
        (_("Referred"), f.referred),
        (ReferralOutcome.APPLIED.label, f.applied),
        (ReferralOutcome.INTERVIEW.label, f.interview),
        (ReferralOutcome.HIRED.label, f.hired),
    ]
    reason_order = WithdrawalReason.values()
    reasons = sorted(
        data.withdrawals.items(),
        key=lambda kv: (reason_order.index(kv[0]) if kv[0] in reason_order else 99, kv[0]),
    )
    per_day = arrivals / working_days if working_days else 0.0

    sections: list[Section] = []
    if empty:
        sections.append(
            Section(
                _("No data"),
                (Note(_("There is no data for {period}.").format(period=fmt.period(start, end))),),
            )
        )
    else:
        sections += [
            Section(
                _("Arrivals"),
                (
                    Figures(
                        (
                            (_("Arrivals"), str(arrivals)),
                            (_("Working days"), str(working_days)),
                            (
                                _("Arrivals per working day"),
                                fmt.number(round(per_day, 1)) if working_days else fmt.DASH,
                            ),
                        )
                    ),
                    Chart(series_title, _bars(series)),
                ),
            ),
            Section(
                _("Visited or turned at the door"),
                (
                    Figures(
                        (
                            (
                                _("Visited onto benefit (visitation held)"),
                                fmt.count_and_share(visited, arrivals),
                            ),
                            (_("Turned at the door"), fmt.count_and_share(withdrawn, arrivals)),
                        )
                    ),
                    Chart(
                        _("Visited or turned at the door, share of arrivals"),
                        _bars(
                            [
                                (_("Visited onto benefit"), visited),
                                (_("Turned at the door"), withdrawn),
                            ],
                            arrivals,
                        )
                        if arrivals
                        else (),
                    ),
                    Table(
                        (
                            Column(_("Turned at the door: reason")),
                            Column(_("Count"), align="right"),
                            Column(_("Share of arrivals"), align="right"),
                        ),
                        tuple(
                            (WithdrawalReason.label_of(r), str(n), fmt.share(n, arrivals))
                            for r, n in reasons
                        ),
                        empty=_("Nobody was turned at the door."),
                    ),
                ),
            ),
            Section(
                _("Time to the visitation conversation"),
                (
                    Figures(
                        (
                            (_("Arrivals not turned at the door"), str(t.considered)),
                            (
                                _("Visited the same day"),
                                fmt.count_and_share(t.same_day, t.considered),
                            ),
                            (
                                _("Visited the same or next working day"),
                                fmt.count_and_share(t.next_working_day, t.considered),
                            ),
                            (
                                _("Visited within the legal limit"),
                                fmt.count_and_share(t.within_limit, t.considered),
                            ),
                            (_("Not visited"), fmt.count_and_share(t.not_visited, t.considered)),
                        )
                    ),
                    Note(
                        _(
                            "Within the legal limit: on or before the last day for the first job "
                            "conversation, counted from the first henvendelse by the rules in "
                            "force then; a closed day moves it back, never later."
                        )
                    ),
                ),
            ),
            Section(
                _("Category mix"),
                (
                    Table(
                        (
                            Column(_("Category"), shrink=True),
                            Column(_("Conversations"), align="right"),
                            Column(_("Share"), align="right"),
                        ),
                        tuple(
                            (Category.label_of(c), str(n), fmt.share(n, visits))
                            for c, n in category_items
                        ),
                        empty=_("No visitation conversations."),
                    ),
                    Chart(
                        _("Category mix"),
                        tuple(
                            Bar(Category.label_of(c), 100.0 * n / visits, fmt.share(n, visits))
                            for c, n in category_items
                        )
                        if visits
                        else (),
                        scale=100.0,
                    ),
                ),
            ),
            Section(
                _("Immediate activation"),
                (
                    Figures(
                        (
                            (_("Visitation conversations"), str(visits)),
                            (
                                _("With immediate activation"),
                                fmt.count_and_share(data.activated, visits),
                            ),
                            (
                                _("Median days from conversation to start"),
                                fmt.number(median) if median is not None else fmt.DASH,
                            ),
                            (
                                _("Youth target group"),
                                fmt.count_and_share(data.youth_track, visits),
                            ),
                            (
                                _("Exempt from immediate activation"),
                                fmt.count_and_share(data.exempt, visits),
                            ),
                        )
                    ),
                ),
            ),
            Section(
                _("Referrals to jobs"),
                (
                    Table(
                        (
                            Column(_("Stage")),
                            Column(_("Count"), align="right"),
                            Column(_("Share of referred"), align="right"),
                        ),
                        tuple(
                            (label, str(n), fmt.share(n, f.referred)) for label, n in funnel_items
                        ),
                    ),
                    Figures(
                        (
                            (_("Hire rate"), fmt.share(f.hired, f.referred)),
                            (ReferralOutcome.REJECTED.label, str(f.rejected)),
                            (ReferralOutcome.REFUSED_OFFER.label, str(f.refused_offer)),
                            (
                                ReferralOutcome.NOT_APPLIED_GOOD_REASON.label,
                                str(f.not_applied_good_reason),
                            ),
                            (
                                ReferralOutcome.NOT_APPLIED_NO_REASON.label,
                                str(f.not_applied_no_reason),
                            ),
                            (_("Awaiting an outcome"), str(f.awaiting)),
                        )
                    ),
                    Chart(
                        _("Referral funnel"),
                        _bars(funnel_items, f.referred) if f.referred else (),
                    ),
                ),
            ),
            Section(
                _("Follow-ups"),
                (
                    Figures(
                        (
                            (_("Due in the period (until today)"), str(fu_counted)),
                            (_("Done on time"), fmt.count_and_share(fu_on_time, fu_counted)),
                            (_("Done late"), fmt.count_and_share(fu_late, fu_counted)),
                            (
                                _("Open and overdue"),
                                fmt.count_and_share(fu_overdue, fu_counted),
                            ),
                            (_("Not yet due"), str(fu_pending)),
                        )
                    ),
                ),
            ),
            Section(
                _("Activation sites: booked and started"),
                (
                    Table(
                        (
                            Column(_("Site"), shrink=True),
                            Column(_("Booked"), align="right"),
                            Column(_("Started"), align="right"),
                            Column(_("Running"), align="right"),
                            Column(_("Job"), align="right"),
                            Column(_("Educ."), align="right"),
                            Column(_("Stopped"), align="right"),
                        ),
                        tuple(_site_row(s) for s in data.sites),
                        empty=_("No activations booked to start in the period."),
                    ),
                    Note(
                        _(
                            "Booked = activations booked to start in the period; started = those "
                            "the citizen began (not no-shows, not those called off or still to "
                            "start). Running, job, education and stopped are of the started."
                        )
                    ),
                ),
            ),
            Section(
                _("Outcomes against the sites' targets"),
                (
                    Table(
                        (
                            Column(_("Site"), shrink=True),
                            Column(_("Finished"), align="right"),
                            Column(_("In job"), align="right"),
                            Column(_("Target"), align="right"),
                            Column(_("Met")),
                            Column(_("Job or educ."), align="right"),
                            Column(_("Target"), align="right"),
                            Column(_("Met")),
                        ),
                        tuple(_target_row(s) for s in data.sites),
                        empty=_("No activations booked to start in the period."),
                    ),
                    Note(
                        _(
                            "Shares of the participants who have finished (started and ended); "
                            "met = the share reaches the site's target."
                        )
                    ),
                ),
            ),
            Section(
                _("Durable outcomes"),
                (
                    Figures(
                        (
                            (_("Still-in-work checks due in the period"), str(dur.due)),
                            (
                                FollowUpOutcome.STILL_IN_WORK.label,
                                fmt.count_and_share(dur.still_in_work, dur.answered),
                            ),
                            (
                                FollowUpOutcome.NO_LONGER_IN_WORK.label,
                                fmt.count_and_share(dur.no_longer_in_work, dur.answered),
                            ),
                            (_("Not answered yet"), str(dur.open)),
                        )
                    ),
                    Note(
                        _(
                            'The "still in work?" follow-ups after a job outcome, by their due '
                            "day; shares of those answered."
                        )
                    ),
                ),
            ),
        ]
    doc = Document(
        name="stats",
        title=_("Statistics"),
        municipality=data.municipality,
        period=fmt.period(start, end),
        generated=ctx.clock.now(),
        sections=tuple(sections),
        empty=empty,
        chart_data={
            "arrivals": tuple(
                Bar(
                    d.strftime("%d.%m."),
                    float(data.arrivals_per_day.get(d, 0)),
                    str(data.arrivals_per_day.get(d, 0)),
                )
                for d in _days(start, end)
            ),
            "categories": _bars(category_labels, visits) if visits else (),
            "funnel": _bars(funnel_items, f.referred) if f.referred else (),
        },
    )
    return doc, set()


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def _site_row(site: SiteOutcome) -> tuple[str, ...]:
    return (
        site.name,
        str(site.booked),
        str(site.started),
        str(site.running),
        str(site.employed),
        str(site.education),
        str(site.stopped),
    )


def _against(part: int, whole: int, target: float | None) -> tuple[str, str, str]:
    """The share, the target and whether it is met (a dash where either is missing)."""
    share = fmt.share_value(part, whole)
    if target is None:
        return fmt.share(part, whole), fmt.DASH, fmt.DASH
    shown = fmt.share(round(target * 1000), 1000)
    met = fmt.DASH if share is None else fmt.yes_no(share + 1e-9 >= target * 100)
    return fmt.share(part, whole), shown, met


def _target_row(site: SiteOutcome) -> tuple[str, ...]:
    return (
        site.name,
        str(site.finished),
        *_against(site.employed, site.finished, site.target_job),
        *_against(site.employed + site.education, site.finished, site.target_job_or_education),
    )

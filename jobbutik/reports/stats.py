"""Statistics for a period: the Jobbutik's figures, each aggregated in SQL.

Definitions (each cohort by the date in brackets falling in the period):
- arrivals [arrival day]: requests registered at the desk.
- time to the conversation [arrival day]: of the arrivals *not turned at the door*, the share
  visited the same day, on the same or the next working day, and within the legal limit
  (7 calendar days, from the rules in force).
- category mix, immediate activation, education track, exemptions [conversation day]: per
  visitation conversation held. Immediate activation = an activation was assigned in the
  conversation; days to start = calendar days from the conversation to the first day; the median
  of those.
- turned at the door [arrival day]: withdrawn applications, their share of the arrivals, by reason.
- referral funnel [referral day]: referred → applied (applied, interview, hired or rejected) →
  interview (an interview date or outcome) → hired; hire rate = hired / referred.
- follow-ups [due day]: those done on time (on or before their due day), done late, open and
  overdue; those not yet due (due today or later and open) are not counted in the share.
- outcomes per activation site [first day]: employed, education, stopped (also: ended without a
  recorded outcome, no-show, ended early) and still running; the employment share is employed /
  finished (all but the running), compared with the site's target.

Every share of nothing is shown as a dash, never a division by zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Category
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
)
RUNNING = (ActivationStatus.PLANNED, ActivationStatus.STARTED)


@dataclass
class SiteOutcome:
    site_id: int
    name: str
    target: float | None  # share 0–1, or None
    total: int = 0
    employed: int = 0
    education: int = 0
    stopped: int = 0
    running: int = 0

    @property
    def finished(self) -> int:
        return self.total - self.running


@dataclass
class StatsData:
    start: date
    end: date
    today: date
    municipality: str = ""
    arrivals_per_day: dict[date, int] = field(default_factory=dict)
    # (arrival day, conversation day or None) → count, for arrivals not turned at the door
    visit_timing: dict[tuple[date, date | None], int] = field(default_factory=dict)
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

    @property
    def arrivals(self) -> int:
        return sum(self.arrivals_per_day.values())

    @property
    def visitations(self) -> int:
        return sum(self.categories.values())


def read_stats(session: Session, start: date, end: date, today: date) -> StatsData:
    data = StatsData(start, end, today, municipality(session))
    in_period = col(Request.arrived_on).between(start, end)

    data.arrivals_per_day = {
        day: n
        for day, n in session.execute(
            select_columns(col(Request.arrived_on), func.count())
            .where(in_period)
            .group_by(col(Request.arrived_on))
        ).all()
    }
    data.visit_timing = {
        (arrived, held): n
        for arrived, held, n in session.execute(
            select_columns(col(Request.arrived_on), col(Visitation.held_on), func.count())
            .select_from(Request)
            .outerjoin(Visitation, col(Visitation.request_id) == Request.id)
            .where(in_period, col(Request.status) != RequestStatus.WITHDRAWN)
            .group_by(col(Request.arrived_on), col(Visitation.held_on))
        ).all()
    }
    data.withdrawals = {
        reason: n
        for reason, n in session.execute(
            select_columns(col(Withdrawal.reason), func.count())
            .select_from(Withdrawal)
            .join(Request, col(Request.id) == Withdrawal.request_id)
            # Redundant (a withdrawal marks its request withdrawn) but lets the request index
            # skip all the others before any withdrawal is looked up.
            .where(in_period, col(Request.status) == RequestStatus.WITHDRAWN)
            .group_by(col(Withdrawal.reason))
        ).all()
    }

    held = col(Visitation.held_on).between(start, end)
    for category, n, youth, exempt in session.execute(
        select_columns(
            col(Visitation.category),
            func.count(),
            func.sum(case((col(Visitation.youth_track).is_(True), 1), else_=0)),
            func.sum(case((col(Visitation.activation_exempt).is_(True), 1), else_=0)),
        )
        .where(held)
        .group_by(col(Visitation.category))
    ).all():
        data.categories[category] = n
        data.youth_track += int(youth or 0)
        data.exempt += int(exempt or 0)
    data.activated = int(
        session.execute(
            select_columns(func.count(func.distinct(col(Visitation.id))))
            .select_from(Visitation)
            .join(Activation, col(Activation.visitation_id) == Visitation.id)
            .where(held)
        ).scalar_one()
    )
    days: dict[int, int] = defaultdict(int)
    for held_on, start_date, n in session.execute(
        select_columns(col(Visitation.held_on), col(Activation.start_date), func.count())
        .select_from(Visitation)
        .join(Activation, col(Activation.visitation_id) == Visitation.id)
        .where(held)
        .group_by(col(Visitation.held_on), col(Activation.start_date))
    ).all():
        days[(start_date - held_on).days] += n
    data.days_to_start = dict(days)

    # Each grouped expression is one object, used in both SELECT and GROUP BY, so PostgreSQL
    # sees the same bound parameters in both.
    interviewed = case((col(Referral.interview_on).is_not(None), 1), else_=0)
    data.referrals = {
        (outcome, bool(has_interview)): n
        for outcome, has_interview, n in session.execute(
            select_columns(col(Referral.outcome), interviewed, func.count())
            .where(col(Referral.referred_on).between(start, end))
            .group_by(col(Referral.outcome), interviewed)
        ).all()
    }

    done = case((col(FollowUp.done_at).is_not(None), 1), else_=0)
    on_time = case((col(FollowUp.done_on_time).is_(True), 1), else_=0)
    overdue = case((col(FollowUp.due) < today, 1), else_=0)
    data.follow_ups = {
        (bool(d), bool(t), bool(o)): n
        for d, t, o, n in session.execute(
            select_columns(done, on_time, overdue, func.count())
            .where(col(FollowUp.due).between(start, end))
            .group_by(done, on_time, overdue)
        ).all()
    }

    sites: dict[int, SiteOutcome] = {}
    for site_id, name, target, status, outcome, n in session.execute(
        select_columns(
            col(ActivationSite.id),
            col(ActivationSite.name),
            col(ActivationSite.target_employment_share),
            col(Activation.status),
            col(Activation.outcome),
            func.count(),
        )
        .select_from(Activation)
        .join(ActivationSite, col(ActivationSite.id) == Activation.site_id)
        .where(col(Activation.start_date).between(start, end))
        .group_by(
            col(ActivationSite.id),
            col(ActivationSite.name),
            col(ActivationSite.target_employment_share),
            col(Activation.status),
            col(Activation.outcome),
        )
    ).all():
        site = sites.setdefault(site_id, SiteOutcome(site_id, name, target))
        site.total += n
        if outcome == ActivationOutcome.EMPLOYED:
            site.employed += n
        elif outcome == ActivationOutcome.EDUCATION:
            site.education += n
        elif outcome is None and status in RUNNING:
            site.running += n
        else:
            site.stopped += n
    data.sites = sorted(sites.values(), key=lambda s: (s.name, s.site_id))
    return data


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
    for (arrived, held), n in data.visit_timing.items():
        considered += n
        if held is None:
            not_visited += n
            continue
        if held <= arrived:
            same += n
        if held <= calendar.next_working_day(arrived):
            within_next += n
        if held <= ctx.rulebook.latest_first_conversation(arrived):
            within_limit += n
    return Timing(considered, same, within_next, within_limit, not_visited)


@dataclass(frozen=True)
class Funnel:
    referred: int
    applied: int
    interview: int
    hired: int
    rejected: int
    not_applied_good_reason: int
    not_applied_no_reason: int
    awaiting: int


def funnel(data: StatsData) -> Funnel:
    counts: dict[str, int] = defaultdict(int)
    interview = 0
    for (outcome, has_interview), n in data.referrals.items():
        counts[outcome or ""] += n
        if outcome in (ReferralOutcome.INTERVIEW, ReferralOutcome.HIRED) or (
            has_interview and outcome in APPLIED
        ):
            interview += n
    return Funnel(
        referred=sum(counts.values()),
        applied=sum(counts[o] for o in APPLIED),
        interview=interview,
        hired=counts[ReferralOutcome.HIRED],
        rejected=counts[ReferralOutcome.REJECTED],
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
    data = ctx.db.read(lambda session: read_stats(session, start, end, today))
    t = timing(data, ctx)
    f = funnel(data)
    arrivals, visits = data.arrivals, data.visitations
    withdrawn = sum(data.withdrawals.values())
    working_days = len(ctx.rulebook.calendar.working_days_in(start, end))
    median = fmt.median(data.days_to_start)
    fu = data.follow_ups
    fu_on_time = sum(n for (d, ot, _o), n in fu.items() if d and ot)
    fu_late = sum(n for (d, ot, _o), n in fu.items() if d and not ot)
    fu_overdue = sum(n for (d, _ot, o), n in fu.items() if not d and o)
    fu_pending = sum(n for (d, _ot, o), n in fu.items() if not d and not o)
    fu_counted = fu_on_time + fu_late + fu_overdue
    empty = not (
        arrivals or visits or data.referrals or sum(fu.values()) or data.sites or withdrawn
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
                                _("Visited within the legal limit (7 days)"),
                                fmt.count_and_share(t.within_limit, t.considered),
                            ),
                            (_("Not visited"), fmt.count_and_share(t.not_visited, t.considered)),
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
                                _("Education track (guidance and injunction)"),
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
                _("Turned at the door"),
                (
                    Figures(
                        (
                            (
                                _("Turned at the door (share of arrivals)"),
                                fmt.count_and_share(withdrawn, arrivals),
                            ),
                        )
                    ),
                    Table(
                        (
                            Column(_("Reason")),
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
                _("Outcomes per activation site"),
                (
                    Table(
                        (
                            Column(_("Site"), shrink=True),
                            Column(_("Started"), align="right"),
                            Column(_("Job"), align="right"),
                            Column(_("Educ."), align="right"),
                            Column(_("Stopped"), align="right"),
                            Column(_("Running"), align="right"),
                            Column(_("In job"), align="right"),
                            Column(_("Target"), align="right"),
                            Column(_("Met")),
                        ),
                        tuple(_site_row(s) for s in data.sites),
                        empty=_("No activations started in the period."),
                    ),
                    Note(
                        _(
                            "In job = employed of those finished (all but the running); "
                            "stopped includes no-shows and activations ended without an outcome."
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
    share = fmt.share_value(site.employed, site.finished)
    if site.target is None:
        target, met = fmt.DASH, fmt.DASH
    else:
        target = fmt.share(round(site.target * 1000), 1000)
        met = fmt.DASH if share is None else fmt.yes_no(share + 1e-9 >= site.target * 100)
    return (
        site.name,
        str(site.total),
        str(site.employed),
        str(site.education),
        str(site.stopped),
        str(site.running),
        fmt.share(site.employed, site.finished),
        target,
        met,
    )

"""The daily list: the day's arrivals and visits, tomorrow's starts per site, the referrals made,
the follow-ups due and overdue per consultant, and the day's totals.

Arrivals: every request that arrived on the day, plus those booked for a visit that day from an
earlier day (marked with their arrival date). "Min." is the minutes from arrival until the request
was closed that day — the conversation saved, the application withdrawn or a no-show — or, for
someone still waiting on today's list, until now. (The program stores no separate time for the
start of the conversation, so for a visit it includes the conversation itself.)

Follow-ups are counted as they stood at the end of the day: open then (not done, or done only
later), and due on the day ("due") or before it ("overdue").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from jobbutik.domain.clock import LOCAL_TZ, local
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import Category, WithdrawalReason
from jobbutik.reports import fmt
from jobbutik.reports.common import municipality
from jobbutik.reports.document import Column, Document, Figures, Note, Section, Table
from jobbutik.reports.starts import SiteStarts, site_contact, starters_table, starts_on
from jobbutik.services.context import ServiceContext
from jobbutik.store.models import (
    Citizen,
    Company,
    FollowUp,
    JobOpening,
    Referral,
    Request,
    RequestStatus,
    Staff,
    Visitation,
    Withdrawal,
)

# A visit is booked at most this many days after the arrival (the legal limit is a week).
BOOKING_LOOKBACK_DAYS = 31


@dataclass(frozen=True)
class ArrivalLine:
    citizen_id: int
    arrived_on: date
    arrived_at: datetime
    slot_date: date
    status: str
    closed_at: datetime | None
    cpr_masked: str
    name: str
    category: str
    consultant: str
    withdrawal_reason: str


@dataclass(frozen=True)
class ReferralLine:
    citizen_id: int
    cpr_masked: str
    name: str
    title: str
    company: str
    apply_by: date
    follow_up_on: date
    consultant: str


@dataclass(frozen=True)
class FollowUpCount:
    consultant: str
    due: int
    overdue: int


@dataclass(frozen=True)
class DailyData:
    day: date
    start_day: date
    municipality: str
    arrivals: list[ArrivalLine]
    visits_held: int
    starts: list[SiteStarts]
    referrals: list[ReferralLine]
    follow_ups: list[FollowUpCount]


def day_start(day: date) -> datetime:
    """Midnight at the start of `day`, Copenhagen time (aware)."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _arrival_query() -> Any:
    return (
        select_columns(
            col(Request.citizen_id),
            col(Request.arrived_on),
            col(Request.arrived_at),
            col(Request.slot_date),
            col(Request.status),
            col(Request.closed_at),
            col(Citizen.cpr),
            col(Citizen.name),
            col(Visitation.category),
            col(Staff.initials),
            col(Withdrawal.reason),
        )
        .select_from(Request)
        .join(Citizen, col(Citizen.id) == Request.citizen_id)
        .outerjoin(Visitation, col(Visitation.request_id) == Request.id)
        .outerjoin(Staff, col(Staff.id) == Visitation.consultant_id)
        .outerjoin(Withdrawal, col(Withdrawal.request_id) == Request.id)
    )


def read_arrivals(session: Session, day: date) -> list[ArrivalLine]:
    base = _arrival_query()
    # Two index range scans on (arrived_on, arrived_at) rather than one OR over the whole table.
    today_rows = session.execute(base.where(col(Request.arrived_on) == day)).all()
    booked_rows = session.execute(
        base.where(
            col(Request.arrived_on) >= day - timedelta(days=BOOKING_LOOKBACK_DAYS),
            col(Request.arrived_on) < day,
            col(Request.slot_date) == day,
        )
    ).all()
    lines = [
        ArrivalLine(
            citizen_id=cid,
            arrived_on=arrived_on,
            arrived_at=arrived_at,
            slot_date=slot,
            status=status,
            closed_at=closed_at,
            cpr_masked=fmt.cpr(cpr),
            name=name,
            category=category or "",
            consultant=(initials or "").upper(),
            withdrawal_reason=reason or "",
        )
        for (
            cid,
            arrived_on,
            arrived_at,
            slot,
            status,
            closed_at,
            cpr,
            name,
            category,
            initials,
            reason,
        ) in [*booked_rows, *today_rows]
    ]
    lines.sort(key=lambda a: (a.arrived_on, a.arrived_at))
    return lines


def read_referrals(session: Session, day: date) -> list[ReferralLine]:
    rows = session.execute(
        select_columns(
            col(Referral.citizen_id),
            col(Citizen.cpr),
            col(Citizen.name),
            col(JobOpening.title),
            col(Company.name),
            col(Referral.apply_by),
            col(Referral.follow_up_on),
            col(Staff.initials),
        )
        .select_from(Referral)
        .join(Citizen, col(Citizen.id) == Referral.citizen_id)
        .join(JobOpening, col(JobOpening.id) == Referral.opening_id)
        .join(Company, col(Company.id) == JobOpening.company_id)
        .join(Staff, col(Staff.id) == Referral.consultant_id)
        .where(col(Referral.referred_on) == day)
        .order_by(col(Staff.initials), col(Citizen.name), col(JobOpening.title))
    ).all()
    return [
        ReferralLine(cid, fmt.cpr(cpr), name, title, company, by, follow, initials.upper())
        for cid, cpr, name, title, company, by, follow, initials in rows
    ]


def read_follow_up_counts(session: Session, day: date, now: datetime) -> list[FollowUpCount]:
    """Open follow-ups at the end of `day`, due that day or overdue, per consultant."""
    end_of_day = day_start(day + timedelta(days=1))
    still_open: ColumnElement[bool] = col(FollowUp.done_at).is_(None)
    if end_of_day <= now:  # a past day: those done only later were open then too
        still_open = or_(still_open, col(FollowUp.done_at) >= end_of_day)
    overdue = case((col(FollowUp.due) < day, 1), else_=0)
    rows = session.execute(
        select_columns(col(Staff.initials), func.count(), func.sum(overdue))
        .select_from(FollowUp)
        .join(Staff, col(Staff.id) == FollowUp.assignee_id)
        .where(col(FollowUp.due) <= day, still_open)
        .group_by(col(Staff.initials))
        .order_by(col(Staff.initials))
    ).all()
    return [
        FollowUpCount(initials.upper(), total - int(late or 0), int(late or 0))
        for initials, total, late in rows
    ]


def read_daily(ctx: ServiceContext, day: date) -> DailyData:
    start_day = ctx.rulebook.calendar.next_working_day(day)
    now = ctx.clock.now()

    def read(session: Session) -> DailyData:
        visits = session.execute(
            select_columns(func.count())
            .select_from(Visitation)
            .where(col(Visitation.held_on) == day)
        ).scalar_one()
        return DailyData(
            day=day,
            start_day=start_day,
            municipality=municipality(session),
            arrivals=read_arrivals(session, day),
            visits_held=int(visits),
            starts=starts_on(session, start_day),
            referrals=read_referrals(session, day),
            follow_ups=read_follow_up_counts(session, day, now),
        )

    return ctx.db.read(read)


def waited_minutes(line: ArrivalLine, day: date, now: datetime, today: date) -> int | None:
    if line.arrived_on != day:
        return None
    if line.status in (RequestStatus.WAITING, RequestStatus.IN_CONVERSATION):
        if day == today and line.slot_date == day:
            return max(0, int((now - line.arrived_at).total_seconds() // 60))
        return None
    if line.closed_at is None or local(line.closed_at).date() != day:
        return None
    return max(0, int((line.closed_at - line.arrived_at).total_seconds() // 60))


def outcome_text(line: ArrivalLine, day: date) -> str:
    if line.status == RequestStatus.WITHDRAWN and line.withdrawal_reason:
        reason = WithdrawalReason.label_of(line.withdrawal_reason)
        return f"{RequestStatus.WITHDRAWN.label}: {reason}"
    if line.status == RequestStatus.WAITING and line.slot_date > day:
        return _("visit {day}").format(day=fmt.short_day(line.slot_date))
    return RequestStatus.label_of(line.status)


def build_daily(ctx: ServiceContext, day: date) -> tuple[Document, set[int]]:
    data = read_daily(ctx, day)
    now, today = ctx.clock.now(), ctx.clock.today()
    arrived = [a for a in data.arrivals if a.arrived_on == day]
    on_list = data.arrivals
    arrivals_table = Table(
        (
            Column(_("Arrived")),
            Column(_("Min."), align="right"),
            Column(_("CPR")),
            Column(_("Name"), shrink=True),
            Column(_("Category"), shrink=True),
            Column(_("Cons.")),
            Column(_("Outcome"), shrink=True),
        ),
        tuple(
            (
                fmt.clock_time(a.arrived_at)
                if a.arrived_on == day
                else fmt.short_day(a.arrived_on),
                "" if (m := waited_minutes(a, day, now, today)) is None else str(m),
                a.cpr_masked,
                a.name,
                Category.label_of(a.category),
                a.consultant,
                outcome_text(a, day),
            )
            for a in on_list
        ),
        empty=_("No arrivals."),
    )
    starting = sum(len(s.starters) for s in data.starts)
    start_blocks: list[Table | Note] = [
        starters_table(
            site,
            title=f"{site.name} {fmt.DASH} {site_contact(site) or fmt.DASH}, "
            + _("{hours} hours/week").format(hours=site.hours_per_week),
        )
        for site in data.starts
    ]
    if not start_blocks:
        start_blocks.append(Note(_("Nobody starts.")))
    referrals_table = Table(
        (
            Column(_("CPR")),
            Column(_("Name"), shrink=True),
            Column(_("Job"), shrink=True),
            Column(_("Company"), shrink=True),
            Column(_("Apply by")),
            Column(_("Follow-up")),
            Column(_("Cons.")),
        ),
        tuple(
            (
                r.cpr_masked,
                r.name,
                r.title,
                r.company,
                fmt.short_day(r.apply_by),
                fmt.short_day(r.follow_up_on),
                r.consultant,
            )
            for r in data.referrals
        ),
        empty=_("No referrals."),
    )
    due_total = sum(f.due for f in data.follow_ups)
    overdue_total = sum(f.overdue for f in data.follow_ups)
    follow_up_table = Table(
        (
            Column(_("Consultant")),
            Column(_("Due"), align="right"),
            Column(_("Overdue"), align="right"),
            Column(_("Total"), align="right"),
        ),
        tuple(
            (f.consultant, str(f.due), str(f.overdue), str(f.due + f.overdue))
            for f in data.follow_ups
        ),
        empty=_("No follow-ups due."),
    )
    withdrawn = sum(1 for a in on_list if a.status == RequestStatus.WITHDRAWN)
    no_shows = sum(1 for a in on_list if a.status == RequestStatus.NO_SHOW)
    waiting = sum(
        1
        for a in on_list
        if a.slot_date == day and a.status in (RequestStatus.WAITING, RequestStatus.IN_CONVERSATION)
    )
    booked_later = sum(1 for a in arrived if a.slot_date > day)
    totals = Figures(
        (
            (_("Arrivals"), str(len(arrived))),
            (_("Booked for a later day"), str(booked_later)),
            (_("Visitation conversations held"), str(data.visits_held)),
            (_("Turned at the door"), str(withdrawn)),
            (_("No-shows"), str(no_shows)),
            (_("Still waiting"), str(waiting)),
            (
                _("Starting on {day}").format(day=fmt.day(data.start_day)),
                str(starting),
            ),
            (_("Referrals made"), str(len(data.referrals))),
            (_("Follow-ups due"), str(due_total)),
            (_("Follow-ups overdue"), str(overdue_total)),
        )
    )
    empty = not (on_list or data.visits_held or data.starts or data.referrals or data.follow_ups)
    sections: list[Section] = []
    if empty:
        sections.append(
            Section(
                _("No data"),
                (Note(_("Nothing was registered on {day}.").format(day=fmt.day(day))),),
            )
        )
    sections += [
        Section(_("Arrivals and visits"), (arrivals_table,)),
        Section(_("Starting on {day}").format(day=fmt.day(data.start_day)), tuple(start_blocks)),
        Section(_("Referrals made"), (referrals_table,)),
        Section(_("Follow-ups due and overdue"), (follow_up_table,)),
        Section(_("Totals"), (totals,)),
    ]
    doc = Document(
        name="daily",
        title=_("Daily list"),
        municipality=data.municipality,
        period=fmt.day(day),
        generated=now,
        sections=tuple(sections),
        empty=empty,
    )
    citizens = {a.citizen_id for a in on_list} | {r.citizen_id for r in data.referrals}
    citizens |= {s.citizen_id for site in data.starts for s in site.starters}
    return doc, citizens

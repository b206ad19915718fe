"""Small builders for service and UI tests: staff, sites, companies, openings, a fixed clock.

The defaults ("Netto Herlev", "Butiksassistent" in "Detail") are what many tests assert on;
data written the way people write it is in `life` (`add_life_board`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from life import BOARD, COMPANIES
from sqlmodel import Session, select

from jobbutik.domain.clock import LOCAL_TZ, Clock
from jobbutik.domain.identity import fold_name, parse_cpr
from jobbutik.domain.rules import load_rulebook
from jobbutik.services.citizens import age_on, new_citizen_row
from jobbutik.services.config import context_for
from jobbutik.services.context import ServiceContext
from jobbutik.store.db import Database
from jobbutik.store.models import (
    ActivationSite,
    Citizen,
    Company,
    JobOpening,
    Request,
    Role,
    SiteKind,
    Staff,
    Visitation,
)

TODAY = date(2026, 11, 23)  # a Monday
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ)
ALL_ROLES = ",".join(r.value for r in Role)
RULES = load_rulebook()


def make_demo_db(where: str | Path) -> Database:
    """A database at schema head, marked as a demo: there the command line accepts --user and
    --today, which tests use to act as someone else on a fixed day (a real one refuses them)."""
    from jobbutik.store import schema
    from jobbutik.store.settings import mark_demo

    db = Database(str(where))
    schema.upgrade(db)
    db.write(mark_demo)
    return db


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def add_staff(db: Database, initials: str, roles: str = ALL_ROLES, name: str = "") -> int:
    def work(session: Session) -> int:
        staff = session.exec(select(Staff).where(Staff.initials == initials)).first()
        if staff is None:
            staff = Staff(initials=initials, name=name or initials.upper(), roles=roles)
        staff.roles = roles
        session.add(staff)
        session.flush()
        assert staff.id is not None
        return staff.id

    return db.write(work)


def make_ctx(
    db: Database, user: str = "demo", *, roles: str = ALL_ROLES, now: datetime = NOW
) -> ServiceContext:
    """A context for `user` (created with `roles`) on a fixed clock."""
    add_staff(db, user, roles)
    return context_for(db, user, Clock(fixed_now=now), RULES)


def on_day(ctx: ServiceContext, now: datetime) -> ServiceContext:
    """The same user and database at another moment."""
    return replace(ctx, clock=Clock(fixed_now=now))


def valid_cvr(seed: int) -> str:
    """A CVR number with a correct modulus-11 check digit, from a 7-digit seed."""
    base = f"{10_000_00 + seed % 9_000_000:07d}"
    weights = (2, 7, 6, 5, 4, 3, 2)
    for candidate in range(10):
        digits = base + str(candidate)
        total = sum(int(d) * w for d, w in zip(digits, (*weights, 1), strict=True))
        if total % 11 == 0:
            return digits
    return valid_cvr(seed + 1)


def add_site(
    db: Database,
    name: str = "Materielgården",
    *,
    seats: int = 5,
    kind: str = SiteKind.NYTTEINDSATS,
    weekdays: str = "0,1,2,3,4",
    hours: int = 15,
) -> int:
    def work(session: Session) -> int:
        site = ActivationSite(
            name=name, kind=kind, seats=seats, hours_per_week=hours, start_weekdays=weekdays
        )
        session.add(site)
        session.flush()
        assert site.id is not None
        return site.id

    return db.write(work)


def add_company(
    db: Database,
    name: str = "Netto Herlev",
    *,
    seed: int = 1,
    address: str = "",
    postcode: str | None = None,
    industry: str = "",
) -> int:
    def work(session: Session) -> int:
        company = Company(
            cvr=valid_cvr(seed),
            name=name,
            name_folded=fold_name(name),
            address=address,
            postcode=postcode,
            industry=industry,
        )
        session.add(company)
        session.flush()
        assert company.id is not None
        return company.id

    return db.write(work)


def add_opening(
    db: Database,
    company_id: int,
    title: str = "Butiksassistent",
    *,
    industry: str = "Detail",
    hours: int = 30,
    postcode: str = "2730",
    apply_by: date = date(2026, 12, 18),
    licence: bool = False,
    skaanehensyn: bool = False,
) -> int:
    def work(session: Session) -> int:
        opening = JobOpening(
            company_id=company_id,
            title=title,
            industry=industry,
            hours_per_week=hours,
            postcode=postcode,
            apply_by=apply_by,
            driving_licence_required=licence,
            skaanehensyn_possible=skaanehensyn,
            created_at=NOW,
        )
        session.add(opening)
        session.flush()
        assert opening.id is not None
        return opening.id

    return db.write(work)


def add_life_board(db: Database, *, hours: int = 37) -> dict[str, int]:
    """Every company of `life.COMPANIES` and every opening of `life.BOARD`, as employers filed
    them (their own titles and industry words); returns the openings' ids by key."""
    companies = {
        key: add_company(
            db,
            c.name,
            seed=100 + 10 * n,
            address=c.address,
            postcode=c.postcode,
            industry=c.industry,
        )
        for n, (key, c) in enumerate(COMPANIES.items())
    }
    return {
        key: add_opening(
            db,
            companies[o.company],
            o.title,
            industry=o.industry,
            hours=hours,
            postcode=o.postcode,
        )
        for key, o in BOARD.items()
    }


def add_visited(
    db: Database,
    cpr: str = "0101901234",
    name: str = "Jens Møller",
    *,
    category: str = "jobparat",
    held_on: date = TODAY,
    consultant: str = "kon",
    guidance_at_registration: bool = False,
    guidance_in_conversation: bool = True,
) -> tuple[int, int]:
    """A citizen (created if new) registered and visited on `held_on` into `category`, written
    straight to the database (for tests of what follows a visitation). Returns (citizen id,
    visitation id)."""
    consultant_id = add_staff(db, consultant, "consultant")

    def work(session: Session) -> tuple[int, int]:
        citizen = session.exec(select(Citizen).where(Citizen.cpr == cpr)).first()
        if citizen is None:
            citizen = new_citizen_row(
                cpr=cpr,
                name=name,
                birth_date=parse_cpr(cpr, held_on).birth_date,
                created_at=at(held_on),
            )
            session.add(citizen)
            session.flush()
        assert citizen.id is not None
        request = Request(
            citizen_id=citizen.id,
            arrived_on=held_on,
            arrived_at=at(held_on),
            first_contact_on=held_on,
            benefit="kontanthjaelp",
            rights_guidance_given=guidance_at_registration,
            slot_date=held_on,
            status="done",
            registered_by=consultant,
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        visit = Visitation(
            request_id=request.id,
            citizen_id=citizen.id,
            consultant_id=consultant_id,
            held_on=held_on,
            completed_at=at(held_on, 10),
            age=age_on(citizen.birth_date, held_on),
            proposed_category=category,
            category=category,
            rights_guidance_given=guidance_in_conversation,
        )
        session.add(visit)
        session.flush()
        assert visit.id is not None
        return citizen.id, visit.id

    return db.write(work)

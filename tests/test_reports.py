"""Reports on a known dataset: every figure of the daily list, starts, follow-ups and statistics,
asserted exactly in text, CSV and PDF; no full CPR number anywhere; an empty period says so.

The dataset is built through the services, day by day on fixed clocks (Nov 2026):

  Mon 16  A9 arrives, booked for Thu 19 (3 days later)
  Thu 19  A1 arrives 09:00, visited by AB 09:40: jobparat, Materielgården from Fri 20, referred
          to Butiksassistent and Lagermedarbejder.  A2 arrives 09:10, withdraws 09:30 (job).
          A3 (24 y) arrives 10:00, visited by CD 10:50: education track (exempt from activation:
          starts school), referred to Chauffør with a follow-up on Mon 23.  A9 visited by CD
          11:30: jobparat, exempt.
          A4 arrives 15:00 (after the last same-day slot): booked for Fri 20.
  Fri 20  A6 arrives 09:30, withdraws 09:45 (education).  A4 visited by AB 10:00:
          aktivitetsparat (with a reason), Café Kompasset from Tue 24.  A5 arrives 11:00,
          no-show at 13:00.
  Mon 23  A7 arrives 08:30, visited by CD 09:15: jobparat, Materielgården from Tue 24,
          referred to Lagermedarbejder.  A8 arrives 09:00 and is still waiting at noon.
          AB records A1's referrals: Butiksassistent applied, Lagermedarbejder not applied.
  -- phase 1 ends: the daily list of Mon 23 is read at 12:00 --
  Tue 24  AB: A1 started (late: due Fri 20), A4 did not show (on time), A1's Butiksassistent
          interview on Thu 26.  CD: A3's Chauffør rejected (late: due Mon 23).
  Fri 27  AB: A1 hired, which ends A1's started activation at Materielgården in a job.
  -- the statistics are read on Tue 1 December --

Sites (with their targets), outcomes and the hire go through the services the desk calls; only
the municipality's name is written directly (IT sets it; no screen does).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import pytest
from factories import ALL_ROLES, add_company, add_opening, add_visited, at, make_ctx, on_day
from pypdf import PdfReader
from sqlmodel import Session, col, select

from jobbutik.domain.clock import Clock
from jobbutik.domain.errors import PermissionDenied, ValidationError
from jobbutik.domain.i18n import language, set_language
from jobbutik.reports import fmt
from jobbutik.reports.document import Document, Figures, Table
from jobbutik.reports.run import ReportRequest, render, run_report, to_bytes
from jobbutik.services import arrivals, followups, sites, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.sites import SiteForm
from jobbutik.services.visitation import ActivationChoice, Facts, ReferralChoice, VisitationPlan
from jobbutik.store.db import Database
from jobbutik.store.models import (
    Activation,
    AuditEntry,
    FollowUp,
    Referral,
    Setting,
    SiteKind,
    Staff,
)

CITIZENS = {
    "A1": ("0101901234", "Jens Møller"),
    "A2": ("1505851238", "Ida Ærø"),
    "A3": ("0202024321", "Sofie Åberg"),
    "A4": ("2012881234", "Ole Sørensen"),
    "A5": ("0303931234", "Karin Holm"),
    "A6": ("1111801234", "Peter Bæk"),
    "A7": ("0404941234", "Mette Østergaard"),
    "A8": ("0505951234", "Lars Kjær"),
    "A9": ("0606961234", "Hanne Blå"),
}
D16, D19, D20, D23 = date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23)
D24, D27 = date(2026, 11, 24), date(2026, 11, 27)
PHASE1_NOW = at(D23, 12, 0)
REPORT_NOW = at(date(2026, 12, 1), 10, 0)


@pytest.fixture
def english() -> Iterator[None]:
    before = language()
    set_language("en")
    yield
    set_language(before)


@dataclass
class World:
    db: Database
    sup: ServiceContext
    ab: ServiceContext
    cd: ServiceContext
    rec: ServiceContext
    site1: int = 0
    site2: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)
    activations: dict[str, int] = field(default_factory=dict)

    def at(self, who: ServiceContext, moment: datetime) -> ServiceContext:
        return on_day(who, moment)

    def arrive(self, key: str, moment: datetime, **form: object) -> None:
        cpr, name = CITIZENS[key]
        new = NewCitizen(name=name, phone=str(form.pop("phone", "")))
        result = arrivals.register_arrival(
            self.at(self.rec, moment),
            ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=new, **form),  # type: ignore[arg-type]
        )
        self.requests[key] = result.request_id

    def visit(self, key: str, who: ServiceContext, moment: datetime, **plan: object) -> None:
        ctx = self.at(who, moment)
        visitation.start(ctx, self.requests[key])
        result = visitation.complete(
            ctx,
            # Asked and answered: no qualifying education, not in the integration programme; on
            # the youth track guidance and a pålæg given (the adults are not asked).
            VisitationPlan(
                request_id=self.requests[key],
                facts=Facts(has_qualifying_education=False, integration_programme=False),
                **{  # type: ignore[arg-type]
                    "guidance": True,
                    "injunction": True,
                    "injunction_goal": "Social- og sundhedshjælper",
                    "injunction_deadline": date(2027, 1, 29),
                    **plan,
                },
            ),
        )
        self.visits[key] = result.visitation_id
        if result.activation_id is not None:
            self.activations[key] = result.activation_id
        for referral_id in result.referral_ids:

            def opening(session: Session, r: int = referral_id) -> int:
                referral = session.get(Referral, r)
                assert referral is not None
                return referral.opening_id

            self.referrals[f"{key}-{self.db.read(opening)}"] = referral_id

    def open_follow_up(self, **where: int | str) -> int:
        def read(session: Session) -> int:
            query = select(FollowUp.id).where(col(FollowUp.done_at).is_(None))
            for name, value in where.items():
                query = query.where(getattr(FollowUp, name) == value)
            ids = list(session.exec(query).all())
            assert len(ids) == 1, (where, ids)
            return ids[0]  # type: ignore[return-value]

        return self.db.read(read)

    def outcome(
        self, who: ServiceContext, moment: datetime, outcome: str, **where: int | str
    ) -> None:
        interview_on = where.pop("interview_on", None)
        followups.record_outcome(
            self.at(who, moment),
            self.open_follow_up(**where),
            outcome,
            interview_on=interview_on,  # type: ignore[arg-type]
        )


def build_phase1(db: Database) -> World:
    sup = make_ctx(db, "sup", roles=ALL_ROLES, now=REPORT_NOW)
    world = World(
        db,
        sup,
        ab=make_ctx(db, "ab", roles="consultant", now=at(D19)),
        cd=make_ctx(db, "cd", roles="consultant", now=at(D19)),
        rec=make_ctx(db, "rec", roles="reception", now=at(D19)),
    )
    world.site1 = sites.create_site(
        on_day(sup, at(D16, 8)),
        SiteForm(
            "Materielgården", SiteKind.NYTTEINDSATS, seats=10, hours_per_week=20,
            address="Ågade 4", postcode="2730", contact_name="Søren Ærø",
            contact_phone="44 52 00 00", target_job_share=0.4,
            target_job_or_education_share=0.5,
        ),
    )  # fmt: skip
    world.site2 = sites.create_site(
        on_day(sup, at(D16, 8)),
        SiteForm(
            "Café Kompasset", SiteKind.COURSE, seats=10, hours_per_week=15,
            provider="Kompasset ApS", address="Hovedgaden 1", contact_name="Bo Lund",
            contact_email="bo@kompasset.dk", target_job_share=0.3,
        ),
    )  # fmt: skip

    def configured(session: Session) -> None:
        # No screen sets it (IT does): the only row this dataset writes directly.
        session.add(Setting(key="municipality", value="Herlev Kommune"))

    db.write(configured)
    company = add_company(db, "Netto Herlev")
    shop = add_opening(db, company, "Butiksassistent")
    store = add_opening(db, company, "Lagermedarbejder", industry="Lager")
    driver = add_opening(db, add_company(db, "Fragt A/S", seed=2), "Chauffør", industry="Transport")
    w = world

    w.arrive("A9", at(D16, 10), slot_date=D19)
    w.arrive("A1", at(D19, 9, 0))
    w.arrive("A2", at(D19, 9, 10))
    visitation.withdraw(w.at(w.rec, at(D19, 9, 30)), w.requests["A2"], "job")
    w.visit(
        "A1",
        w.ab,
        at(D19, 9, 40),
        category="jobparat",
        activation=ActivationChoice(w.site1, D20),
        referrals=(ReferralChoice(shop), ReferralChoice(store)),
        help_cv=True,
    )
    w.arrive("A3", at(D19, 10, 0))
    w.visit(
        "A3",
        w.cd,
        at(D19, 10, 50),
        category="åbenlyst uddannelsesparat",
        exempt=True,
        exemption_reason="Starter på grundforløb i januar",
        referrals=(ReferralChoice(driver, follow_up_on=D23),),
    )
    w.visit(
        "A9",
        w.cd,
        at(D19, 11, 30),
        category="jobparat",
        exempt=True,
        exemption_reason="Starter i fast job mandag",
    )
    w.arrive("A4", at(D19, 15, 0))

    w.arrive("A6", at(D20, 9, 30))
    visitation.withdraw(w.at(w.rec, at(D20, 9, 45)), w.requests["A6"], "education")
    w.visit(
        "A4",
        w.ab,
        at(D20, 10, 0),
        category="aktivitetsparat",
        override_reason="Svær angst, lægeerklæring",
        activation=ActivationChoice(w.site2, D24),
    )
    w.arrive("A5", at(D20, 11, 0))
    arrivals.set_status(w.at(w.rec, at(D20, 13, 0)), w.requests["A5"], "no_show")

    w.arrive("A7", at(D23, 8, 30), phone="20304050")
    w.arrive("A8", at(D23, 9, 0))
    w.visit(
        "A7",
        w.cd,
        at(D23, 9, 15),
        category="jobparat",
        activation=ActivationChoice(w.site1, D24),
        referrals=(ReferralChoice(store),),
    )
    w.outcome(w.ab, at(D23, 10), "applied", referral_id=w.referrals[f"A1-{shop}"])
    w.outcome(w.ab, at(D23, 10), "not_applied_no_reason", referral_id=w.referrals[f"A1-{store}"])
    w.referrals["shop"], w.referrals["store"], w.referrals["driver"] = shop, store, driver
    return w


def build_all(db: Database) -> World:
    w = build_phase1(db)
    shop = w.referrals["shop"]
    w.outcome(w.ab, at(D24, 9), "started", activation_id=w.activations["A1"],
              kind="activation_start")  # fmt: skip
    w.outcome(w.ab, at(D24, 9), "did_not_show", activation_id=w.activations["A4"],
              kind="activation_start")  # fmt: skip
    w.outcome(w.cd, at(D24, 9), "rejected", referral_id=w.referrals[f"A3-{w.referrals['driver']}"])
    w.outcome(
        w.ab,
        at(D24, 10),
        "interview",
        referral_id=w.referrals[f"A1-{shop}"],
        interview_on=date(2026, 11, 26),  # type: ignore[arg-type]
    )
    # The hire ends A1's started activation in a job (followups._end_for_hire), as at the desk.
    w.outcome(w.ab, at(D27, 10), "hired", referral_id=w.referrals[f"A1-{shop}"])
    return w


def sup_at(w: World, moment: datetime) -> ServiceContext:
    return replace(w.sup, clock=Clock(fixed_now=moment))


# -- reading the three formats back ------------------------------------------------------------


def pdf_text(doc: Document, tmp_path: Path) -> str:
    path = tmp_path / f"{doc.name}.pdf"
    path.write_bytes(to_bytes(doc, "pdf"))
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def csv_rows(doc: Document) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(render(doc, "csv")), delimiter=";"))


def figures(doc: Document) -> dict[str, str]:
    return {label: value for block in doc.blocks() if isinstance(block, Figures)
            for label, value in block.items}  # fmt: skip


def table(doc: Document, heading: str) -> Table:
    for section in doc.sections:
        if section.heading == heading:
            return next(b for b in section.blocks if isinstance(b, Table))
    raise KeyError(heading)


def assert_in_all_formats(doc: Document, tmp_path: Path, pairs: dict[str, str]) -> None:
    """Each label and its value on one line of the text, one row of the CSV, one line of the PDF."""
    text = render(doc, "text")
    rows = csv_rows(doc)
    pdf = pdf_text(doc, tmp_path).replace("-", "–")
    for label, value in pairs.items():
        assert re.search(rf"{re.escape(label)}:\s+{re.escape(value)}\s*$", text, re.M), (
            label, value,
        )  # fmt: skip
        assert [label, value] in rows, (label, value)
        assert f"{label} {value}".replace("-", "–") in pdf, (label, value)


def assert_row_everywhere(doc: Document, tmp_path: Path, cells: tuple[str, ...]) -> None:
    text = render(doc, "text")
    assert re.search(r"\s+".join(re.escape(c) for c in cells if c), text), cells
    assert list(cells) in csv_rows(doc), cells
    pdf = " ".join(pdf_text(doc, tmp_path).split())
    assert " ".join(c for c in cells if c) in pdf, cells


# -- the daily list ----------------------------------------------------------------------------


def test_daily_list_of_a_day_in_progress(database: Database, english: None, tmp_path: Path) -> None:
    w = build_phase1(database)
    doc = run_report(sup_at(w, PHASE1_NOW), ReportRequest("daily", D23))
    assert (doc.title, doc.municipality, doc.period, doc.empty) == (
        "Daily list", "Herlev Kommune", "23.11.2026", False,
    )  # fmt: skip
    assert table(doc, "Arrivals and visits").rows == (
        ("08:30", "45", "040494-XXXX", "Mette Østergaard", "Jobparat", "CD", "Visited"),
        ("09:00", "180", "050595-XXXX", "Lars Kjær", "", "", "Waiting"),
    )
    starts = [b for b in doc.sections[1].blocks if isinstance(b, Table)]
    assert doc.sections[1].heading == "Starting on 24.11.2026"
    assert [t.title for t in starts] == [
        "Café Kompasset – Bo Lund, bo@kompasset.dk, 15 hours/week",
        "Materielgården – Søren Ærø, 44 52 00 00, 20 hours/week",
    ]
    assert starts[0].rows == (("201288-XXXX", "Ole Sørensen", "", "", "AB"),)
    assert starts[1].rows == (("040494-XXXX", "Mette Østergaard", "20304050", "", "CD"),)
    assert table(doc, "Referrals made").rows == (
        ("040494-XXXX", "Mette Østergaard", "Lagermedarbejder", "Netto Herlev", "26.11.",
         "07.12.", "CD"),
    )  # fmt: skip
    assert table(doc, "Follow-ups due and overdue").rows == (
        ("AB", "0", "1", "1"),
        ("CD", "1", "0", "1"),
    )
    totals = {
        "Arrivals": "2",
        "Booked for a later day": "0",
        "Visitation conversations held": "1",
        "Turned at the door": "0",
        "No-shows": "0",
        "Still waiting": "1",
        "Starting on 24.11.2026": "2",
        "Referrals made": "1",
        "Follow-ups due": "1",
        "Follow-ups overdue": "1",
    }
    assert figures(doc) == totals
    assert_in_all_formats(doc, tmp_path, totals)
    assert_row_everywhere(
        doc, tmp_path, ("08:30", "45", "040494-XXXX", "Mette Østergaard", "Jobparat", "CD",
                        "Visited"),
    )  # fmt: skip
    assert_row_everywhere(doc, tmp_path, ("AB", "0", "1", "1"))
    text = render(doc, "text")
    assert all(len(line) <= 80 for line in text.splitlines())


def test_daily_list_of_a_past_day_counts_follow_ups_as_they_stood(
    database: Database, english: None, tmp_path: Path
) -> None:
    w = build_all(database)
    doc = run_report(sup_at(w, REPORT_NOW), ReportRequest("daily", D20))
    assert table(doc, "Arrivals and visits").rows == (
        ("19.11.", "", "201288-XXXX", "Ole Sørensen", "Aktivitetsparat", "AB", "Visited"),
        ("09:30", "15", "111180-XXXX", "Peter Bæk", "", "", "Turned at the door: Education"),
        ("11:00", "120", "030393-XXXX", "Karin Holm", "", "", "No-show"),
    )
    # A1's activation start was due on the 20th and recorded only on the 24th: open that evening.
    assert table(doc, "Follow-ups due and overdue").rows == (("AB", "1", "0", "1"),)
    totals = {
        "Arrivals": "2",
        "Booked for a later day": "0",
        "Visitation conversations held": "1",
        "Turned at the door": "1",
        "No-shows": "1",
        "Still waiting": "0",
        "Starting on 23.11.2026": "0",
        "Referrals made": "0",
        "Follow-ups due": "1",
        "Follow-ups overdue": "0",
    }
    assert figures(doc) == totals
    assert_in_all_formats(doc, tmp_path, totals)
    assert "Nobody starts." in render(doc, "text")

    doc19 = run_report(sup_at(w, REPORT_NOW), ReportRequest("daily", D19))
    rows = table(doc19, "Arrivals and visits").rows
    assert [r[:2] + r[6:] for r in rows] == [
        ("16.11.", "", "Visited"),
        ("09:00", "40", "Visited"),
        ("09:10", "20", "Turned at the door: Job"),
        ("10:00", "50", "Visited"),
        ("15:00", "", "Visited"),
    ]
    assert figures(doc19)["Booked for a later day"] == "1"
    assert figures(doc19)["Visitation conversations held"] == "3"
    assert figures(doc19)["Referrals made"] == "3"


# -- starts and follow-ups ---------------------------------------------------------------------


def test_starts_one_page_per_site(database: Database, english: None, tmp_path: Path) -> None:
    w = build_phase1(database)
    doc = run_report(sup_at(w, PHASE1_NOW), ReportRequest("starts", D23))
    assert doc.period == "24.11.2026"
    assert [(s.heading, s.new_page) for s in doc.sections] == [
        ("Café Kompasset", True),
        ("Materielgården", True),
    ]
    first = dict(next(b for b in doc.sections[0].blocks if isinstance(b, Figures)).items)
    assert first == {
        "Site": "Café Kompasset",
        "Provider": "Kompasset ApS",
        "Address": "Hovedgaden 1",
        "Contact": "Bo Lund, bo@kompasset.dk",
        "First day": "24.11.2026",
        "Hours per week": "15",
        "Starting": "1",
    }
    target = tmp_path / "starts.pdf"
    target.write_bytes(to_bytes(doc, "pdf"))
    reader = PdfReader(target)
    assert len(reader.pages) == 2
    page2 = reader.pages[1].extract_text()
    assert "Materielgården" in page2 and "Mette Østergaard" in page2 and "Page 2 of 2" in page2
    assert render(doc, "text").count("\f") == 1


def test_follow_ups_per_consultant(database: Database, english: None, tmp_path: Path) -> None:
    w = build_phase1(database)
    doc = run_report(sup_at(w, PHASE1_NOW), ReportRequest("followups", D23))
    assert table(doc, "Summary").rows == (("AB", "0", "1", "1"), ("CD", "1", "0", "1"))
    assert table(doc, "Consultant AB").rows == (
        ("20.11.", "overdue", "Activation start", "010190-XXXX", "Jens Møller", "Materielgården"),
    )
    assert table(doc, "Consultant CD").rows == (
        ("23.11.", "", "Job referral", "020202-XXXX", "Sofie Åberg", "Chauffør, Fragt A/S"),
    )
    only_cd = run_report(sup_at(w, PHASE1_NOW), ReportRequest("followups", D23, consultant="cd"))
    assert [s.heading for s in only_cd.sections] == ["Summary", "Consultant CD"]
    assert only_cd.title == "Follow-ups due – CD"
    assert_row_everywhere(only_cd, tmp_path, ("CD", "1", "0", "1"))


# -- statistics --------------------------------------------------------------------------------

# 16.11.–30.11., read on 1.12. Worked out by hand from the scenario in the module docstring:
# - Arrivals: A9 (16th), A1 A2 A3 A4 (19th), A6 A5 (20th), A7 A8 (23rd) = 9. Working days:
#   16–20 (5) + 23–27 (5) + 30 (1) = 11; 9 / 11 = 0.818 → 0.8.
# - Herlev's headline: visited onto benefit A1, A3, A9, A4, A7 = 5 of 9 arrivals (55.6 %); turned
#   at the door A2 (job), A6 (education) = 2 (22.2 %; 11.1 % each).
# - Not turned at the door: 9 − A2 − A6 = 7. Same day: A1, A3, A7 = 3 (3/7 = 42.9 %). Same or
#   next working day: + A4 (Thu 19 → Fri 20) = 4 (57.1 %). Within the legal limit (first
#   henvendelse + 7 days, all open days): + A9 (Mon 16 → Thu 19) = 5 (71.4 %). Not visited: A5
#   (no-show), A8 (waiting) = 2 (28.6 %).
# - Conversations: A1, A3, A9, A4, A7 = 5. Immediate activation: A1, A4, A7 = 3 (60 %); days to
#   start 1 (19→20), 4 (20→24), 1 (23→24): median 1. Youth target group: A3 = 1 (20 %). Exempt:
#   A3, A9 = 2 (40 %). Categories: jobparat A1 A9 A7 = 3 (60 %), aktivitetsparat A4,
#   uddannelsesparat A3 = 1 each (20 %).
# - Referrals: A1 shop, A1 store, A3 driver, A7 store = 4. A1 shop hired (after an interview),
#   A3 rejected: applied = 2 (50 %); interview = hired = 1 (25 %); A1 store not applied without
#   reason = 1; A7 store awaiting = 1.
# - Follow-ups due 16.–30.11.: A1's start (due 20, done 24: late), A3's Chauffør (due 23, done
#   24: late), A4's start (due 24, done 24: on time), A1's interview follow-up (due 27, hired on
#   27: on time), A7's start (due 24, open: overdue) = 5: 2 on time, 2 late, 1 overdue (40/40/20 %).
# - Sites (by first day): Café Kompasset: A4 booked, no-show: started 0, finished 0: shares "–"
#   against the 30 % job target, no job-or-education target. Materielgården: A1 and A7 booked;
#   A1 started and ended in a job by the hire, A7's start never recorded: booked 2, started 1,
#   finished 1, in job 100 % ≥ 40 %, job or education 100 % ≥ 50 %.
# - Durable outcomes: no "still in work?" follow-up is due in the period.
STATS = {
    "Arrivals": "9",
    "Working days": "11",
    "Arrivals per working day": "0.8",
    "Visited onto benefit (visitation held)": "5 (55.6 %)",
    "Turned at the door": "2 (22.2 %)",
    "Arrivals not turned at the door": "7",
    "Visited the same day": "3 (42.9 %)",
    "Visited the same or next working day": "4 (57.1 %)",
    "Visited within the legal limit": "5 (71.4 %)",
    "Not visited": "2 (28.6 %)",
    "Visitation conversations": "5",
    "With immediate activation": "3 (60.0 %)",
    "Median days from conversation to start": "1",
    "Youth target group": "1 (20.0 %)",
    "Exempt from immediate activation": "2 (40.0 %)",
    "Hire rate": "25.0 %",
    "Rejected": "1",
    "Refused a job offer": "0",
    "Did not apply, with good reason": "0",
    "Did not apply – reason not given": "1",
    "Awaiting an outcome": "1",
    "Due in the period (until today)": "5",
    "Done on time": "2 (40.0 %)",
    "Done late": "2 (40.0 %)",
    "Open and overdue": "1 (20.0 %)",
    "Not yet due": "0",
    "Still-in-work checks due in the period": "0",
    "Still in work": "0 (–)",
    "No longer in work": "0 (–)",
    "Not answered yet": "0",
}


def test_statistics_figures_in_all_formats(
    database: Database, english: None, tmp_path: Path
) -> None:
    w = build_all(database)
    doc = run_report(sup_at(w, REPORT_NOW), ReportRequest("stats", D16, date(2026, 11, 30)))
    assert doc.period == "16.11.2026–30.11.2026"
    assert figures(doc) == STATS
    assert_in_all_formats(doc, tmp_path, STATS)
    assert table(doc, "Category mix").rows == (
        ("Jobparat", "3", "60.0 %"),
        ("Aktivitetsparat", "1", "20.0 %"),
        ("Åbenlyst uddannelsesparat", "1", "20.0 %"),
    )
    assert table(doc, "Visited or turned at the door").rows == (
        ("Job", "1", "11.1 %"),
        ("Education", "1", "11.1 %"),
    )
    assert table(doc, "Referrals to jobs").rows == (
        ("Referred", "4", "100.0 %"),
        ("Applied", "2", "50.0 %"),
        ("Interview", "1", "25.0 %"),
        ("Hired", "1", "25.0 %"),
    )
    sites_table = table(doc, "Activation sites: booked and started")
    assert [c.title for c in sites_table.columns] == [
        "Site", "Booked", "Started", "Running", "Job", "Educ.", "Stopped",
    ]  # fmt: skip
    assert sites_table.rows == (
        ("Café Kompasset", "1", "0", "0", "0", "0", "0"),
        ("Materielgården", "2", "1", "0", "1", "0", "0"),
    )
    targets = table(doc, "Outcomes against the sites' targets")
    assert [c.title for c in targets.columns] == [
        "Site", "Finished", "In job", "Target", "Met", "Job or educ.", "Target", "Met",
    ]  # fmt: skip
    assert targets.rows == (
        ("Café Kompasset", "0", "–", "30.0 %", "–", "–", "–", "–"),
        ("Materielgården", "1", "100.0 %", "40.0 %", "yes", "100.0 %", "50.0 %", "yes"),
    )
    for row in (
        *sites_table.rows,
        targets.rows[1],  # (the PDF's font prints a dash as a hyphen)
        ("Jobparat", "3", "60.0 %"),
        ("Interview", "1", "25.0 %"),
    ):
        assert_row_everywhere(doc, tmp_path, row)
    assert [(b.label, b.value) for b in doc.chart_data["funnel"]] == [
        ("Referred", 4.0), ("Applied", 2.0), ("Interview", 1.0), ("Hired", 1.0),
    ]  # fmt: skip
    assert [b.label for b in doc.chart_data["categories"]] == [
        "Jobparat", "Aktivitetsparat", "Åbenlyst uddannelsesparat",
    ]  # fmt: skip
    per_day = {b.label: b.value for b in doc.chart_data["arrivals"]}
    assert (per_day["16.11."], per_day["19.11."], per_day["20.11."], per_day["23.11."]) == (
        1.0, 4.0, 2.0, 2.0,
    )  # fmt: skip
    assert sum(per_day.values()) == 9 and len(per_day) == 15
    text = render(doc, "text")
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "Referral funnel" in text and "###" in text


def test_a_refused_job_offer_counts_as_applied_and_interviewed(
    database: Database, english: None, tmp_path: Path
) -> None:
    """An offer follows an interview: A7's Lagermedarbejder refused without an interview date
    recorded still counts as applied and interviewed, and has its own row."""
    w = build_all(database)
    a7_store = w.referrals[f"A7-{w.referrals['store']}"]

    def refused(session: Session) -> None:
        referral = session.get(Referral, a7_store)
        assert referral is not None and referral.interview_on is None
        referral.outcome = "refused_offer"
        session.add(referral)

    database.write(refused)
    doc = run_report(sup_at(w, REPORT_NOW), ReportRequest("stats", D16, date(2026, 11, 30)))
    assert table(doc, "Referrals to jobs").rows == (
        ("Referred", "4", "100.0 %"),
        ("Applied", "3", "75.0 %"),
        ("Interview", "2", "50.0 %"),
        ("Hired", "1", "25.0 %"),
    )
    pairs = {"Refused a job offer": "1", "Awaiting an outcome": "0", "Hire rate": "25.0 %"}
    assert {k: figures(doc)[k] for k in pairs} == pairs
    assert_in_all_formats(doc, tmp_path, pairs)
    assert_row_everywhere(doc, tmp_path, ("Applied", "3", "75.0 %"))


def test_statistics_in_danish(database: Database, english: None, tmp_path: Path) -> None:
    w = build_all(database)
    set_language("da")
    doc = run_report(sup_at(w, REPORT_NOW), ReportRequest("stats", D16, date(2026, 11, 30)))
    assert doc.title == "Statistik"
    pairs = {"Ankomster pr. arbejdsdag": "0,8", "Ansættelsesrate": "25,0 %"}
    assert {k: figures(doc)[k] for k in pairs} == pairs
    assert_in_all_formats(doc, tmp_path, pairs)


def test_statistics_new_figures_in_danish(
    database: Database, english: None, tmp_path: Path
) -> None:
    w = build_all(database)
    set_language("da")
    doc = run_report(sup_at(w, REPORT_NOW), ReportRequest("stats", D16, date(2026, 11, 30)))
    pairs = {
        "Visiteret til ydelse (visitation holdt)": "5 (55,6 %)",
        "Vendt i døren": "2 (22,2 %)",
        "Visiteret inden for lovens frist": "5 (71,4 %)",
        'Opfølgninger "stadig i job?" i perioden': "0",
    }
    assert {k: figures(doc)[k] for k in pairs} == pairs
    assert_in_all_formats(doc, tmp_path, pairs)
    sites_table = table(doc, "Aktiveringssteder: booket og startet")
    assert [c.title for c in sites_table.columns] == [
        "Sted", "Booket", "Startet", "I gang", "Job", "Udd.", "Stoppet",
    ]  # fmt: skip
    targets = table(doc, "Resultater målt mod stedernes mål")
    assert [c.title for c in targets.columns] == [
        "Sted", "Afsluttet", "I job", "Mål", "Nået", "Job el. udd.", "Mål", "Nået",
    ]  # fmt: skip
    assert targets.rows[1] == (
        "Materielgården", "1", "100,0 %", "40,0 %", "ja", "100,0 %", "50,0 %", "ja",
    )  # fmt: skip


def _visit_adult(ctx: ServiceContext, request_id: int) -> None:
    visitation.start(ctx, request_id)
    visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=Facts(has_qualifying_education=True, integration_programme=False),
            category="jobparat",
            exempt=True,
            exemption_reason="Starter i fast job i januar",
        ),
    )


def test_within_the_legal_limit_counts_from_the_first_henvendelse_and_never_stretches(
    database: Database, english: None
) -> None:
    """Wed 24 Dec 2025: a week later is Wed 31 Dec, closed like the 24th, so the legal date
    moves back to Tue 30 Dec, never on to Fri 2 Jan."""
    christmas_eve, dec30, jan2, jan5 = (
        date(2025, 12, 24), date(2025, 12, 30), date(2026, 1, 2), date(2026, 1, 5),
    )  # fmt: skip
    rec = make_ctx(database, "rec", roles="reception", now=at(christmas_eve))
    ab = make_ctx(database, "ab", roles="consultant", now=at(dec30))
    requests = {}
    for key, cpr, name, arrived, first_contact in (
        ("in time", "0101901234", "Jens Møller", christmas_eve, None),
        ("late", "1505851238", "Ida Ærø", christmas_eve, None),
        # Came in on 5 Jan having first asked on Christmas Eve: same day, yet past the limit.
        ("asked before", "2012881234", "Ole Sørensen", jan5, christmas_eve),
    ):
        requests[key] = arrivals.register_arrival(
            on_day(rec, at(arrived, 9)),
            ArrivalForm(
                cpr=cpr,
                benefit="kontanthjaelp",
                new_citizen=NewCitizen(name),
                slot_date=jan5 if arrived == jan5 else dec30,
                first_contact_on=first_contact,
            ),
        ).request_id
    _visit_adult(on_day(ab, at(dec30, 10)), requests["in time"])
    _visit_adult(on_day(ab, at(jan2, 10)), requests["late"])
    _visit_adult(on_day(ab, at(jan5, 10)), requests["asked before"])
    sup = make_ctx(database, "sup", now=at(date(2026, 1, 12)))
    found = figures(run_report(sup, ReportRequest("stats", date(2025, 12, 22), jan5)))
    assert {k: found[k] for k in (
        "Arrivals not turned at the door",
        "Visited the same day",
        "Visited the same or next working day",
        "Visited within the legal limit",
        "Visited onto benefit (visitation held)",
    )} == {
        "Arrivals not turned at the door": "3",
        "Visited the same day": "1 (33.3 %)",
        "Visited the same or next working day": "1 (33.3 %)",  # 24 Dec's next is 29 Dec
        "Visited within the legal limit": "1 (33.3 %)",  # only the 30 Dec visit
        "Visited onto benefit (visitation held)": "3 (100.0 %)",
    }  # fmt: skip


def test_booked_started_targets_met_and_durable_outcomes(
    database: Database, english: None, tmp_path: Path
) -> None:
    """Activations and "still in work?" follow-ups in every state, written straight to the
    database (how each state arises through the desk is tested with the follow-ups): June 2026,
    around Grundlovsdag, at a site whose targets are 30 % in job and 80 % in job or education."""
    sup = make_ctx(database, "sup", now=at(date(2026, 7, 1)))
    boss = make_ctx(database, "chef", roles="supervisor", now=at(date(2026, 5, 25)))
    site = sites.create_site(
        boss,
        SiteForm("Genbrugspladsen", SiteKind.NYTTEINDSATS, seats=10, hours_per_week=20,
                 target_job_share=0.3, target_job_or_education_share=0.8),
    )  # fmt: skip
    june1, june4, june8 = date(2026, 6, 1), date(2026, 6, 4), date(2026, 6, 8)
    activations = (  # status, outcome, first day, end
        ("ended", "employed", june1, date(2026, 6, 19)),
        ("ended", "education", june1, date(2026, 6, 26)),
        ("ended_early", "stopped", june4, june8),  # came, then stopped
        ("ended_early", None, june8, june4),  # called off before its first day (a hire)
        ("no_show", None, june8, june8),
        ("started", None, june8, None),  # still running
        ("planned", None, date(2026, 6, 29), None),  # whether they came is not recorded yet
    )
    durability = (  # due, outcome
        (june4, "still_in_work"),
        (date(2026, 6, 12), "still_in_work"),
        (date(2026, 6, 19), "no_longer_in_work"),
        (date(2026, 6, 26), None),  # not answered yet
        (date(2026, 7, 3), None),  # due after the period: not counted
    )

    visited = [
        add_visited(database, f"{n:02d}0190123{n}", f"Borger {n}", held_on=date(2026, 5, 28))
        for n in range(1, len(activations) + 1)
    ]

    def write_rows(session: Session) -> None:
        staff_id = session.exec(select(Staff.id).where(Staff.initials == "sup")).one()
        for n, (status, outcome, first, end) in enumerate(activations):
            citizen_id, visitation_id = visited[n]
            session.add(
                Activation(
                    citizen_id=citizen_id, visitation_id=visitation_id, site_id=site,
                    start_date=first, end_date=end, status=status, outcome=outcome,
                    created_at=at(date(2026, 5, 28)),
                )
            )  # fmt: skip
            if n < len(durability):
                due, answer = durability[n]
                session.add(
                    FollowUp(
                        citizen_id=citizen_id, kind="durability", due=due,
                        assignee_id=staff_id, created_at=at(date(2025, 12, 4)),
                        done_at=at(due, 10) if answer else None,
                        done_on_time=True if answer else None, outcome=answer,
                    )
                )  # fmt: skip

    database.write(write_rows)
    doc = run_report(sup, ReportRequest("stats", june1, date(2026, 6, 30)))
    durable = {
        "Still-in-work checks due in the period": "4",
        "Still in work": "2 (66.7 %)",
        "No longer in work": "1 (33.3 %)",
        "Not answered yet": "1",
    }
    assert {k: figures(doc)[k] for k in durable} == durable
    assert_in_all_formats(doc, tmp_path, durable)
    booked = ("Genbrugspladsen", "7", "4", "1", "1", "1", "1")
    assert table(doc, "Activation sites: booked and started").rows == (booked,)
    # Finished: 3 of the 4 started; job 1 / 3 = 33.3 % ≥ 30 %, job or education 2 / 3 < 80 %.
    met = ("Genbrugspladsen", "3", "33.3 %", "30.0 %", "yes", "66.7 %", "80.0 %", "no")
    assert table(doc, "Outcomes against the sites' targets").rows == (met,)
    for row in (booked, met):
        assert_row_everywhere(doc, tmp_path, row)


def test_median_of_an_even_count() -> None:
    assert fmt.median({1: 2, 4: 1, 6: 1}) == 2.5
    assert fmt.median({}) is None
    assert fmt.median({3: 1}) == 3.0


# -- empty periods, privacy, audit, permission ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title", "period", "says"),
    [
        ("daily", "Daily list", "16.11.2026", "Nothing was registered on 16.11.2026."),
        (
            "starts",
            "Starts at activation sites",
            "17.11.2026",
            "Nobody starts at an activation site on 17.11.2026.",
        ),
        (
            "followups",
            "Follow-ups due",
            "16.11.2026",
            "No follow-ups are due for anyone on or before 16.11.2026.",
        ),
        (
            "stats",
            "Statistics",
            "16.11.2026–30.11.2026",
            "There is no data for 16.11.2026–30.11.2026.",
        ),
    ],
    ids=["daily", "starts", "followups", "stats"],
)
def test_a_period_without_data_says_so(
    database: Database,
    english: None,
    tmp_path: Path,
    name: str,
    title: str,
    period: str,
    says: str,
) -> None:
    ctx = make_ctx(database, "sup", now=REPORT_NOW)
    doc = run_report(ctx, ReportRequest(name, D16, date(2026, 11, 30)))
    assert (doc.empty, doc.title, doc.period) == (True, title, period)
    lines = render(doc, "text").splitlines()
    assert lines[0] == "Jobcentret" + " " * 46 + "Printed 01.12.2026 10:00"
    assert lines[1] == f"{title} – {period}"
    assert says in lines
    assert csv_rows(doc)[0] == [title, "Jobcentret", period, "01.12.2026 10:00"]
    assert [says] in csv_rows(doc)
    # Helvetica has no en dash: the PDF prints it as a hyphen.
    pdf = pdf_text(doc, tmp_path).splitlines()
    assert pdf[:3] == [
        "Jobcentret",
        title,
        f"{period}    Printed 01.12.2026 10:00".replace("–", "-"),
    ]
    assert says.replace("–", "-") in pdf
    if name == "daily":  # its totals are all there, each 0
        assert set(figures(doc).values()) == {"0"} and len(figures(doc)) == 10


def test_stats_with_arrivals_only_shows_dashes_not_errors(
    database: Database, english: None
) -> None:
    ctx = make_ctx(database, "sup", now=at(D23, 9))
    arrivals.register_arrival(
        ctx, ArrivalForm(cpr="0101901234", benefit="kontanthjaelp", new_citizen=NewCitizen("X"))
    )
    doc = run_report(ctx, ReportRequest("stats", D23, D23))
    found = figures(doc)
    assert found["Arrivals"] == "1"
    assert found["With immediate activation"] == "0 (–)"
    assert found["Median days from conversation to start"] == "–"
    assert found["Hire rate"] == "–"


def test_no_full_cpr_number_in_any_report_in_any_format(
    database: Database, english: None, tmp_path: Path
) -> None:
    w = build_all(database)
    ctx = sup_at(w, REPORT_NOW)
    requests = [ReportRequest("daily", day) for day in (D16, D19, D20, D23, D24)] + [
        ReportRequest("starts", D19),
        ReportRequest("starts", D23),
        ReportRequest("followups", date(2026, 12, 31)),
        ReportRequest("stats", D16, date(2026, 11, 30)),
    ]
    full = [cpr for cpr, _name in CITIZENS.values()]
    full += [f"{c[:6]}-{c[6:]}" for c in full]
    shown = 0
    for request in requests:
        doc = run_report(ctx, request)
        outputs = [render(doc, "text"), render(doc, "csv"), pdf_text(doc, tmp_path)]
        for output in outputs:
            for number in full:
                assert number not in output, (request, number)
            shown += output.count("-XXXX")
    assert shown > 30


def test_every_report_run_is_audited(database: Database, english: None, tmp_path: Path) -> None:
    from jobbutik.store.models import AuditAction

    w = build_phase1(database)
    ctx = sup_at(w, PHASE1_NOW)
    run_report(ctx, ReportRequest("daily", D23), AuditAction.EXPORT)
    run_report(ctx, ReportRequest("stats", D16, D23), AuditAction.PRINT)
    entries = database.read(
        lambda s: list(
            s.exec(select(AuditEntry).where(AuditEntry.entity == "report").order_by(
                col(AuditEntry.seq)
            )).all()
        )
    )  # fmt: skip
    summary = [(e.action, e.detail) for e in entries if e.citizen_id is None]
    assert summary == [
        ("export", "daily 2026-11-23"),
        ("print", "stats 2026-11-16..2026-11-23"),
    ]
    # The daily list shows A7, A8 (arrivals), A4 and A7 (starts): one entry per citizen.
    per_citizen = [e for e in entries if e.citizen_id is not None]
    assert len(per_citizen) == 3
    assert {e.actor for e in entries} == {"sup"}


def test_reports_need_the_supervisor_role(database: Database, english: None) -> None:
    ctx = make_ctx(database, "ab", roles="consultant", now=REPORT_NOW)
    with pytest.raises(PermissionDenied):
        run_report(ctx, ReportRequest("daily", D23))


def test_a_backwards_period_is_refused(database: Database, english: None) -> None:
    ctx = make_ctx(database, "sup", now=REPORT_NOW)
    with pytest.raises(ValidationError, match="ends"):
        run_report(ctx, ReportRequest("stats", D23, D16))

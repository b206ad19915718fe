"""A realistic demo database: staff, activation sites, companies and openings, citizens with weeks
of history, and a day in progress on "today".

The history is HISTORY_WEEKS weeks, or longer for a large demo so that a working day keeps about
ARRIVALS_PER_DAY arrivals: years, at a million citizens. Only the last weeks hold open work
(follow-ups due and overdue, referrals awaiting an answer); everything older is settled.

Everything is derived from one seeded `random.Random` (and a Faker('da_DK') seeded the same), so a
seed always gives the same database. Rows are built as plain dicts with explicit ids and written
with SQLAlchemy Core `insert(table)` executemany in large batches, a chunk of citizens per
transaction: a million citizens must stay within minutes. With more than one chunk, a worker
process builds the next chunks while this one writes. Faker is only asked for small pools of
names and streets at the start; the rows then draw from the pools.

Seats are never over-booked: every site has one lane per seat, an activation takes a lane whose
earlier activations end before it starts, and open-ended (planned or started) activations never
outnumber the seats, the way `services.visitation` counts a seat as taken.

Every row follows the rule set in force on its own day, as the services would have written it:
benefits by date, categories within the citizen's target group, a provisional uddannelsesparat's
final visitation counted from the first henvendelse, activation or a reasoned exemption for
everyone, and a possible-sanction hearing only where the category carried the duty that was
broken and written guidance on rights and duties had been given (tests/test_demo.py checks it).

Domain code: no Textual here.
"""

from __future__ import annotations

import bisect
import multiprocessing
import operator
import os
import random
import signal
import sqlite3
import time as _time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Boolean, Connection, Index, Table, insert, text
from sqlmodel import Session

from jobbutik.domain.clock import LOCAL_TZ, Clock
from jobbutik.domain.identity import name_key
from jobbutik.domain.rules import Proposal, RuleBook, RuleSet, load_rulebook, propose_category
from jobbutik.store.db import Database, switch_to_wal
from jobbutik.store.models import (
    Activation,
    ActivationOutcome,
    ActivationSite,
    ActivationStatus,
    Agreement,
    AuditAction,
    Benefit,
    Category,
    Citizen,
    CitizenNameTail,
    Company,
    DanishLevel,
    DigitalSkills,
    FollowUp,
    FollowUpKind,
    FollowUpOutcome,
    Hearing,
    HearingDecision,
    HearingEvent,
    HearingStatus,
    JobOpening,
    OpeningStatus,
    Referral,
    ReferralOutcome,
    Request,
    RequestStatus,
    Role,
    SiteKind,
    Staff,
    Visitation,
    Withdrawal,
    WithdrawalReason,
    citizen_tail_rows,
)
from jobbutik.store.settings import mark_demo

__all__ = ["DEMO_USER", "DemoSummary", "build_demo"]

DEMO_USER = "demo"
# A citizen's requests fall within HISTORY_WEEKS weeks, and the history is at least that long. A
# large demo's history reaches back further (years, at a million citizens), so that a working day
# still sees about ARRIVALS_PER_DAY arrivals (peaks near 1,000) instead of tens of thousands.
HISTORY_WEEKS = 16
ARRIVALS_PER_DAY = 900
REQUESTS_PER_CITIZEN = 2  # about: 1–3, at least 10 working days apart
MAX_HISTORY_YEARS = 10  # beyond this the days get busier instead (ages stay inside their bands)
CHUNK = 20_000  # citizens per transaction
BATCH = 10_000  # rows per executemany
CITIZENS_PER_CONSULTANT = 1_000
# The day in progress lies within the Jobbutik's opening hours (a local choice for the demo): it
# opens at DEMO_OPENS; a demo built outside DEMO_OPENS + 1 h .. DEMO_CLOSES shows the day as at
# DEMO_LATE_MORNING.
DEMO_OPENS = time(9, 0)
DEMO_CLOSES = time(15, 0)
DEMO_LATE_MORNING = time(11, 30)
BULK_CACHE_KIB = 256 * 1024  # SQLite page cache while loading (the default is 2 MiB)
# Rows are written in the order of these ids, so an index they lead grows at its end, which costs
# little: such indexes stay while loading; the others are built once at the end.
WRITTEN_IN_ORDER = frozenset(
    {"citizen_id", "request_id", "visitation_id", "referral_id", "activation_id"}
)

Progress = Callable[[int, int], None]

STARTED, DID_NOT_SHOW, ENDED_EARLY = (
    FollowUpOutcome.STARTED,
    FollowUpOutcome.DID_NOT_SHOW,
    FollowUpOutcome.ENDED_EARLY,
)
CV_DONE, CV_MISSING, REVIEWED, CONTINUES, ENDED = (
    FollowUpOutcome.CV_DONE,
    FollowUpOutcome.CV_MISSING,
    FollowUpOutcome.REVIEWED,
    FollowUpOutcome.CONTINUES,
    FollowUpOutcome.ENDED,
)
STILL_IN_WORK, NO_LONGER_IN_WORK = FollowUpOutcome.STILL_IN_WORK, FollowUpOutcome.NO_LONGER_IN_WORK
# A referral outcome that breaks a duty, and the event of the possible sanction it may raise.
REFERRAL_EVENTS = {
    ReferralOutcome.NOT_APPLIED_NO_REASON: HearingEvent.NOT_APPLIED,
    ReferralOutcome.REFUSED_OFFER: HearingEvent.REFUSED_OFFER,
}

POSTCODES = ("2730", "2730", "2730", "2750", "2740", "2860", "2610", "2600", "2700", "2760")
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "outlook.dk", "live.dk", "yahoo.dk", "mail.dk")
INTERPRETER_NAMES = {
    "arabisk": (("Ahmad", "Mohammed", "Omar", "Yusuf", "Khaled"), ("Fatima", "Aisha", "Layla")),
    "somali": (("Abdi", "Hassan", "Mahad"), ("Hodan", "Amina", "Faadumo")),
    "ukrainsk": (("Oleksandr", "Andrii", "Dmytro"), ("Olena", "Iryna", "Kateryna")),
    "tigrinya": (("Yonas", "Tesfay", "Dawit"), ("Helen", "Selam", "Senait")),
    "dari": (("Ahmad", "Jawad", "Farid"), ("Zahra", "Maryam", "Shabnam")),
}
INTERPRETER_SURNAMES = {
    "arabisk": ("Al-Hassan", "Haddad", "Khalil", "Nasser"),
    "somali": ("Warsame", "Abdullahi", "Farah"),
    "ukrainsk": ("Kovalenko", "Shevchenko", "Bondarenko"),
    "tigrinya": ("Tesfamariam", "Gebremedhin", "Haile"),
    "dari": ("Rahimi", "Ahmadi", "Karimi"),
}
# Surnames the Faker pool lacks but a desk in the suburbs meets: "van der", apostrophes, æøå.
OTHER_SURNAMES = (
    "van der Berg",
    "O'Connor",
    "Nguyen",
    "Al-Khatib",
    "Kowalski",
    "Yilmaz",
    "Østergård",
    "Kjærsgaard",
    "Bøgh",
    "de la Cour",
)
# What follows the house number as people write an address (mostly nothing).
ADDRESS_TAILS = ("",) * 12 + ("A", "B", "C", ", st.", ", 1. sal", ", 2. th.", ", bygning 4")

INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Rengøring": ("Rengøringsassistent", "Erhvervsrengøring, deltid", "Hospitalsserviceassistent"),
    "Lager og logistik": ("Lagermedarbejder", "Truckfører", "Pakkemedarbejder"),
    "Detailhandel": ("Butiksassistent", "Kassemedarbejder", "Varepåfylder"),
    "Hotel og restaurant": ("Opvasker", "Køkkenmedhjælper", "Tjener", "Stuepige"),
    "Byggeri": ("Håndlanger", "Byggepladsmedarbejder", "Malerhjælper"),
    "Transport": ("Chauffør (kat. B)", "Budchauffør", "Flyttemand"),
    "Pleje og omsorg": ("Social- og sundhedshjælper, vikar", "Køkkenassistent på plejecenter"),
    "Kontor og administration": ("Kontorassistent", "Receptionist", "Kundeservicemedarbejder"),
    "Industri": ("Produktionsmedarbejder", "Maskinoperatør", "Montør"),
    "Grønne områder": ("Gartnermedhjælper", "Anlægsgartner, sæson", "Kirkegårdsmedarbejder"),
}

# How a consultant types a wish into the industries field: the trade, the work, a plural, an
# "og" or a "/", the odd slip; not the industry's name as the openings file it. Each finds
# openings of its industry (by their industry or title), as tests/test_demo.py checks.
WISHES_TYPED: dict[str, tuple[str, ...]] = {
    "Rengøring": (
        "rengøring",
        "Rengøring",
        "rengøringsjob",
        "erhvervsrengøring",
        "rengøring/vask",
        "Rengøringsassistent",
        "rengørring",
    ),
    "Lager og logistik": (
        "lager",
        "Lager",
        "lagerarbejde",
        "lager og logistik",
        "Lager/logistik",
        "pakkeri",
        "truckfører",
        "lageret",
    ),
    "Detailhandel": (
        "detail",
        "detailhandel",
        "butik",
        "Butiksarbejde",
        "kassedame",
        "Detail-/butik",
        "butikker",
    ),
    "Hotel og restaurant": (
        "køkken",
        "hotel/restaurant",
        "Køkken/kantine",
        "opvask",
        "restaurant",
        "tjener",
        "Hotel",
    ),
    "Byggeri": ("byggeri", "Bygge og anlæg", "håndlanger", "byggeplads", "maler"),
    "Transport": (
        "chauffør",
        "Chauffør (B-kort)",
        "transport",
        "Transport/chauffør",
        "budchauffør",
        "chaufør",
    ),
    "Pleje og omsorg": (
        "pleje",
        "ældrepleje",
        "pleje og omsorg",
        "Hjemmepleje",
        "omsorg",
        "plejehjem",
    ),
    "Kontor og administration": (
        "kontor",
        "Kontorarbejde",
        "administration",
        "reception",
        "kundeservice",
        "Kontor/adm.",
    ),
    "Industri": ("industri", "produktion", "Produktionsarbejde", "Industri/produktion"),
    "Grønne områder": ("gartner", "Grønne områder", "anlægsgartner", "kirkegård", "grønne"),
}
# What the citizen says they want, as the consultant writes it down in the job wishes.
WISHES_SAID: dict[str, tuple[str, ...]] = {
    "Rengøring": ("rengøring, gerne tidligt om morgenen", "har gjort rent på et hotel før"),
    "Lager og logistik": ("noget på et lager", "lagerarbejde, har truckcertifikat", "pakning"),
    "Detailhandel": ("butik, gerne med kunder", "kassen i et supermarked", "tøjbutik"),
    "Hotel og restaurant": ("køkken, har været opvasker", "kantine eller køkken", "tjener på café"),
    "Byggeri": ("håndværk, udendørs", "håndlanger på byggeplads", "maler"),
    "Transport": ("chauffør, har B-kørekort", "kører gerne varebil", "budkørsel"),
    "Pleje og omsorg": ("arbejde med ældre", "vil gerne være SOSU-hjælper", "hjemmeplejen"),
    "Kontor og administration": ("kontorjob", "reception eller kundeservice", "kontor, IT"),
    "Industri": ("fabrik, produktion", "noget ved en maskine", "montage"),
    "Grønne områder": ("udendørs, gerne gartner", "park og vej", "kirkegården"),
}

# (name, kind, provider, seats, hours per week, start weekdays)
BASE_SITES: tuple[tuple[str, str, str, int, int, str], ...] = (
    ("Materielgården", SiteKind.NYTTEINDSATS, "", 14, 25, "0,2"),
    ("Kantinen på Rådhuset", SiteKind.NYTTEINDSATS, "", 6, 20, "0"),
    ("Genbrugspladsen", SiteKind.NYTTEINDSATS, "", 10, 25, "0,1,2,3"),
    ("Parkafdelingen", SiteKind.NYTTEINDSATS, "", 12, 25, "0,2,4"),
    ("Vaskeriet, Plejecenter Lindegården", SiteKind.NYTTEINDSATS, "", 5, 20, "1"),
    ("Kirkegården og kapellet", SiteKind.NYTTEINDSATS, "", 6, 25, "0"),
    ("Pedelgruppen, kommunens skoler", SiteKind.NYTTEINDSATS, "", 8, 25, "0,1,2,3,4"),
    ("Afklaringsforløb", SiteKind.COURSE, "Jobvejen ApS", 12, 20, "0"),
    ("Mentor og sundhed", SiteKind.COURSE, "Fremad Aktiv ApS", 10, 15, "0,2"),
    ("Dansk på arbejdspladsen", SiteKind.COURSE, "Sprogcenter Vestegnen", 16, 18, "0"),
)
INTERNSHIP_SITES = 6
# A further nytteindsats site of 20 seats per this many citizens arriving in a stretch of
# HISTORY_WEEKS weeks: with the base sites, a small demo seats nearly everyone at once (a large
# one records more exemptions: more sites would cost build time).
CITIZENS_PER_SCALE_SITE = 100
SCALE_SITE_NAMES = ("Materielgården", "Genbrugspladsen", "Parkafdelingen", "Kantine")

WITHDRAWAL_NOTES = {
    WithdrawalReason.JOB: ("Har fået job", "Fast job fra næste mandag", "Vikarjob via bureau"),
    WithdrawalReason.EDUCATION: ("Starter på uddannelse", "Optaget på SOSU-skolen", "Starter HF"),
    WithdrawalReason.OTHER: (
        "Flytter fra kommunen",
        "Ønsker ikke at søge",
        "Forsørges af ægtefælle",
    ),
}
RESTRICTIONS = ("Kan ikke løfte tungt", "Ikke arbejde før kl. 9 (børn)", "Rygproblemer", "")
OVERRIDE_REASONS_AKT = (
    "Misbrug, behandling opstartet; ikke i stand til at tage et job nu",
    "Svære psykiske problemer, dokumenteret af egen læge",
    "Hjemløs; boligsituationen skal løses først",
)
OVERRIDE_REASONS_UDD = (
    "Ordblind og usikker på valg af uddannelse; afklaring nødvendig",
    "Ustabil boligsituation; har brug for støtte før uddannelse",
)
EXEMPTION_REASONS = (
    "Starter i fast job om 5 dage (åbenlyst formålsløst)",
    "Har skriftlig jobaftale fra den 1. i næste måned",
    "Indlagt; aktivering åbenlyst formålsløs lige nu",
)
YOUTH_EXEMPTION_REASONS = (
    "Starter på HF om en uge (åbenlyst formålsløst)",
    "Optaget på erhvervsuddannelse med start næste mandag",
)
# Education goals of an uddannelsespålæg, as a consultant writes them.
INJUNCTION_GOALS = (
    "Tømreruddannelse",
    "HF",
    "SOSU-hjælper",
    "Elektriker",
    "Pædagogisk assistent",
    "Ernæringsassistent",
    "Lager- og logistikuddannelsen",
    "Frisør",
    "Hhx",
    "Murer",
)
NO_SHOW_REASONS = ("Syg", "Barn syg", "Glemte tiden", "Bussen kom ikke", "Troede det var i morgen")
HEARING_NOTES = {
    HearingDecision.SANCTION: "Ingen rimelig grund oplyst i partshøringen",
    HearingDecision.NO_SANCTION: "Rimelig grund: lægeerklæring modtaget",
}
DIGITAL_SKILLS = (
    DigitalSkills.GOOD,
    DigitalSkills.GOOD,
    DigitalSkills.GOOD,
    DigitalSkills.SOME,
    DigitalSkills.SOME,
    DigitalSkills.NONE,
)
REFERRAL_OUTCOMES = tuple(ReferralOutcome)
ACTIVATION_OUTCOMES = tuple(ActivationOutcome)
ACTIVATION_WEEKS = {  # shortest and longest, by kind of site
    SiteKind.NYTTEINDSATS: (4, 16),
    SiteKind.COURSE: (6, 8),
    SiteKind.INTERNSHIP: (4, 4),
}


@dataclass
class _Record:
    """What the rows so far say about one citizen, as the rules ask it later: the openings
    already referred to, the category on record (and whose case it is), and whether written
    guidance on rights and duties has been given (aktivloven § 35 stk. 1)."""

    referred: set[int] = field(default_factory=set)
    category: str | None = None
    consultant: int | None = None
    guided: bool = False


@dataclass
class DemoSummary:
    seed: int
    today: date
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# -- small helpers --------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def cvr_check_digit(first7: str) -> int | None:
    """The eighth digit that makes `first7` a valid CVR number (None: no digit does)."""
    total = sum(int(d) * w for d, w in zip(first7, (2, 7, 6, 5, 4, 3, 2), strict=True))
    check = (-total) % 11
    return None if check == 10 else check


_CPR_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2)


def _century_digits(year: int) -> str:
    """Seventh CPR digits that give `year` by the century table."""
    yy = year % 100
    if 1900 <= year <= 1999:
        return "0123" + ("49" if yy >= 37 else "")
    if 2000 <= year <= 2036:
        return "49" + ("5678" if yy <= 57 else "")
    if 2037 <= year <= 2057:
        return "5678"
    raise ValueError(year)  # pragma: no cover - demo ages stay inside


def make_cpr(rng: random.Random, birth: date, male: bool, modulus11: bool) -> str:
    head = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    digit7 = rng.choice(_century_digits(birth.year))
    for _attempt in range(20):
        body = head + digit7 + f"{rng.randrange(100):02d}"
        if modulus11:
            total = sum(int(d) * w for d, w in zip(body, _CPR_WEIGHTS, strict=True))
            last = (-total) % 11
            if last == 10 or (last % 2 == 1) != male:
                continue
        else:
            last = rng.randrange(1 if male else 0, 10, 2)
        return body + str(last)
    last = rng.randrange(1 if male else 0, 10, 2)
    return head + digit7 + f"{rng.randrange(100):02d}" + str(last)


def _converter(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process` remembered per value: a million rows hold only a few thousand distinct dates
    and times, and converting an aware datetime to the stored UTC text is the costly part."""
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = process(value)
            return result

    return convert


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Core `insert(table)` run as one DBAPI executemany per batch.

    The values go through each column type's own bind processor (so dates and aware datetimes
    are stored exactly as the ORM stores them), remembered per value, but without SQLAlchemy's
    per-row parameter machinery, which costs more than the database itself at a million rows.
    """
    if not rows:
        return
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup or ()) if compiled.positional else keys
    convert: list[tuple[int, Callable[[Any], Any]]] = []
    for position, key in enumerate(order):
        column_type = table.c[key].type
        if dialect.name == "sqlite" and isinstance(column_type, Boolean):
            continue  # sqlite3 stores True/False as 1/0, just as the processor does
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            convert.append((position, _converter(process)))
    values = operator.itemgetter(*order)
    sql = str(compiled)
    for start in range(0, len(rows), BATCH):
        params: list[Any] = []
        for row in rows[start : start + BATCH]:
            value = values(row)
            if len(order) == 1:
                value = (value,)
            if convert:
                converted = list(value)
                for position, convert_value in convert:
                    converted[position] = convert_value(converted[position])
                value = tuple(converted)
            params.append(value if compiled.positional else dict(zip(order, value, strict=True)))
        connection.exec_driver_sql(sql, params)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class _Lanes:
    """One lane per seat. A lane holds non-overlapping [start, end] intervals (ordinals), kept
    as two sorted lists: the starts and, at the same places, the ends."""

    OPEN = date.max.toordinal()

    def __init__(self, seats: int) -> None:
        self.seats = seats
        self.lanes: list[tuple[list[int], list[int]]] = [([], []) for _ in range(seats)]
        self.holding = 0  # planned or started (open-ended) activations
        # Start day -> the last day any lane was free through from it, when last looked at. Lanes
        # only fill up, so that bounds it: a longer stretch is refused without looking again
        # (a long history's seats are mostly taken, and this is then most of the asking).
        self.room: dict[int, int] = {}

    def take(self, start: int, end: int, holds_seat: bool) -> bool:
        if holds_seat and self.holding >= self.seats:
            return False
        if end > self.room.get(start, self.OPEN):
            return False
        room = start - 1
        for starts, ends in self.lanes:
            i = bisect.bisect_left(starts, start)
            if i > 0 and ends[i - 1] >= start:
                continue
            free_through = starts[i] - 1 if i < len(starts) else self.OPEN
            if free_through < end:
                room = max(room, free_through)
                continue
            starts.insert(i, start)
            ends.insert(i, end)
            if holds_seat:
                self.holding += 1
            return True
        self.room[start] = room
        return False


# -- the builder ----------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self, *, today: date, now: datetime, seed: int, citizens: int, rules: RuleBook
    ) -> None:
        from faker import Faker

        self.today = today
        self.today_ord = today.toordinal()
        self.now = now
        self.seed = seed
        self.n_citizens = citizens
        self.rules = rules
        self.cal = rules.calendar
        self.rng = random.Random(seed)
        # Wording (wishes as typed, the odd surname or address tail) draws from its own
        # stream, so that rephrasing it leaves every other row of a seed as it was.
        self.wording = random.Random(f"{seed} wording")
        self.fake = Faker("da_DK")
        self.fake.seed_instance(seed)
        self.ids: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self._memo: dict[tuple[str, date], Any] = {}
        self._proposals: dict[tuple[str, int, bool, bool], Proposal] = {}
        self._folded: dict[str, str] = {}
        self._start_days: dict[tuple[frozenset[int], date], date] = {}
        # Everything from before the last HISTORY_WEEKS weeks is settled: its follow-ups are done
        # and its referrals answered, so what is open or overdue is recent, as at a real desk.
        self.recent = today - timedelta(weeks=HISTORY_WEEKS)
        self.history_days = self._history_days()
        self.window = sum(1 for day in self.history_days if day >= self.recent)
        # Citizens arriving in any one stretch of HISTORY_WEEKS weeks: what staffs the desk and
        # fills the activation sites (all of them in a history no longer than that).
        self.citizens_per_window = citizens * self.window // len(self.history_days)
        self.today_open = self.cal.is_working_day(today)
        self.day_now = self._day_moment()
        self.used_cprs: set[str] = set()
        self._pools()

    def _day_moment(self) -> datetime:
        """The moment of today the day in progress is shown at: now, when the demo is built
        during opening hours, else late morning. Built at night, it still shows a day within
        the opening hours, not arrivals from midnight on."""
        opens = datetime.combine(self.today, DEMO_OPENS, tzinfo=LOCAL_TZ)
        closes = datetime.combine(self.today, DEMO_CLOSES, tzinfo=LOCAL_TZ)
        if opens + timedelta(hours=1) <= self.now <= closes:
            return self.now
        return datetime.combine(self.today, DEMO_LATE_MORNING, tzinfo=LOCAL_TZ)

    def _history_days(self) -> list[date]:
        """The working days before today that the history covers: the last HISTORY_WEEKS weeks,
        then further back until ARRIVALS_PER_DAY arrivals a day hold every citizen's requests
        (at most MAX_HISTORY_YEARS)."""
        is_working_day = self.cal.is_working_day
        day = self.recent
        days = [day + timedelta(days=i) for i in range((self.today - day).days)]
        days = [d for d in days if is_working_day(d)]
        needed = -(-self.n_citizens * REQUESTS_PER_CITIZEN // ARRIVALS_PER_DAY)
        earliest = _years_before(self.today, MAX_HISTORY_YEARS)
        older: list[date] = []
        while len(days) + len(older) < needed and day > earliest:
            day -= timedelta(days=1)
            if is_working_day(day):
                older.append(day)
        return older[::-1] + days

    # ids and memoised rule look-ups
    def next_id(self, table: str) -> int:
        value = self.ids.get(table, 0) + 1
        self.ids[table] = value
        self.counts[table] = value
        return value

    def memo(self, name: str, day: date) -> Any:
        key = (name, day)
        if key not in self._memo:
            if name == "next_working_day":
                self._memo[key] = self.cal.next_working_day(day)
            else:
                self._memo[key] = getattr(self.rules, name)(day)
        return self._memo[key]

    def proposal(self, ruleset: RuleSet, age: int, education: bool, integration: bool) -> Proposal:
        """The rules' proposal, remembered: a few hundred distinct answers for a million
        visitations."""
        key = (ruleset.name, age, education, integration)
        found = self._proposals.get(key)
        if found is None:
            found = self._proposals[key] = propose_category(ruleset, age, education, integration)
        return found

    def folded(self, name: str) -> str:
        value = self._folded.get(name)
        if value is None:
            value = self._folded[name] = name_key(name)
        return value

    def _pools(self) -> None:
        fake = self.fake
        self.male_names = sorted({fake.first_name_male() for _ in range(1500)})
        self.female_names = sorted({fake.first_name_female() for _ in range(1500)})
        self.last_names = sorted({fake.last_name() for _ in range(1500)})
        self.streets = sorted({fake.street_name() for _ in range(400)})

    def person_name(self, male: bool, language: str | None = None, *, varied: bool = False) -> str:
        """`varied`: now and then a hyphenated double surname or one from OTHER_SURNAMES (drawn
        from the wording stream, so the other rows stay as they were)."""
        rng = self.rng
        if language is not None:
            firsts = INTERPRETER_NAMES[language][0 if male else 1]
            return f"{rng.choice(firsts)} {rng.choice(INTERPRETER_SURNAMES[language])}"
        first = rng.choice(self.male_names if male else self.female_names)
        last = rng.choice(self.last_names)
        if varied:
            roll = self.wording.random()
            if roll < 0.05:
                last = f"{last}-{self.wording.choice(self.last_names)}"
            elif roll < 0.10:
                last = self.wording.choice(OTHER_SURNAMES)
        if rng.random() < 0.25:
            middle = rng.choice(self.last_names)
            if middle != last:
                return f"{first} {middle} {last}"
        return f"{first} {last}"

    def phone(self) -> str:
        return str(self.rng.choice("23456789")) + f"{self.rng.randrange(10_000_000):07d}"

    def at(self, day: date, minutes_from_8: int) -> datetime:
        return datetime.combine(day, time(8), tzinfo=LOCAL_TZ) + timedelta(minutes=minutes_from_8)

    # -- what build_demo asks for, in this order ---------------------------------------------------

    def reference_rows(self, first_chunk: int) -> tuple[dict[str, list[Any]], dict[str, int]]:
        """Staff, companies, openings and sites, and the row counts so far; and who of the
        first `first_chunk` citizens arrives today."""
        rows = {
            "staff": self.staff_rows(),
            "company": self.company_rows(),
            "jobopening": self.opening_rows(),
            "activationsite": self.site_rows(),
        }
        n_today = min(40, max(8, self.n_citizens // 20)) if self.today_open else 0
        self.today_idx = set(self.rng.sample(range(first_chunk), min(n_today, first_chunk)))
        return rows, dict(self.counts)

    def chunk(self, first: int, count: int) -> tuple[dict[str, list[Any]], dict[str, int]]:
        """Citizens `first` to `first + count - 1` with their history (and today's arrivals
        among them, in arrival order), and the row counts so far."""
        rows = self.citizen_chunk(first, count, self.today_idx)
        if "_today" in rows:
            self.day_in_progress(rows, rows.pop("_today"))
        return rows, dict(self.counts)

    # -- reference data ---------------------------------------------------------------------------

    def staff_rows(self) -> list[dict[str, Any]]:
        all_roles = ",".join(r.value for r in Role)
        plan = (
            (Role.RECEPTION.value, 3),
            # A consultant per thousand citizens (at least six), so a large demo has realistic
            # caseloads rather than six consultants with a hundred thousand follow-ups each.
            (Role.CONSULTANT.value, max(6, self.n_citizens // CITIZENS_PER_CONSULTANT)),
            (f"{Role.CONSULTANT.value},{Role.SUPERVISOR.value}", 1),
            (Role.ADMIN.value, 1),
        )
        rows = [
            {
                "id": self.next_id("staff"),
                "initials": DEMO_USER,
                "name": "Demo Bruger",
                "roles": all_roles,
                "os_login": None,
                "active": True,
            }
        ]
        used = {DEMO_USER}
        self.receptionists: list[str] = []
        self.consultants: list[int] = []
        self.consultant_initials: list[str] = []
        for roles, n in plan:
            for _ in range(n):
                male = self.rng.random() < 0.4
                name = self.person_name(male)
                parts = self.folded(name).split()
                initials = (parts[0][:2] + parts[-1][:1]).lower()
                k = 1
                while initials in used:
                    k += 1
                    initials = (parts[0][:2] + parts[-1][:1]).lower() + str(k)
                used.add(initials)
                staff_id = self.next_id("staff")
                rows.append(
                    {
                        "id": staff_id,
                        "initials": initials,
                        "name": name,
                        "roles": roles,
                        "os_login": None,
                        "active": True,
                    }
                )
                if Role.RECEPTION.value in roles:
                    self.receptionists.append(initials)
                if Role.CONSULTANT.value in roles:
                    self.consultants.append(staff_id)
                    self.consultant_initials.append(initials)
        return rows

    def company_rows(self) -> list[dict[str, Any]]:
        rng = self.rng
        n = max(40, self.n_citizens // 25)
        names = sorted({self.fake.company() for _ in range(min(n, 3000))})
        used: set[str] = set()
        rows = []
        industries = list(INDUSTRIES)
        self.company_industry: list[tuple[int, str, str]] = []
        for i in range(n):
            while True:
                first7 = str(rng.randrange(1_000_000, 10_000_000))
                check = cvr_check_digit(first7)
                if check is not None and first7 + str(check) not in used:
                    cvr = first7 + str(check)
                    used.add(cvr)
                    break
            base = names[i % len(names)]
            name = base if i < len(names) else f"{base} ({i // len(names) + 1})"
            industry = industries[i % len(industries)]
            company_id = self.next_id("company")
            postcode = rng.choice(POSTCODES)
            rows.append(
                {
                    "id": company_id,
                    "cvr": cvr,
                    "name": name,
                    "name_folded": self.folded(name),
                    "address": f"{rng.choice(self.streets)} {rng.randint(1, 120)}"
                    + self.wording.choice(ADDRESS_TAILS),
                    "postcode": postcode,
                    "industry": industry,
                    "contact_name": self.person_name(rng.random() < 0.5),
                    "phone": self.phone(),
                    "email": f"job@{self.folded(base).split()[0].strip('&,.')}.dk",
                    "agreement": rng.choice(
                        (
                            Agreement.NONE,
                            Agreement.NONE,
                            Agreement.TRAINS,
                            Agreement.HIRES,
                            Agreement.BOTH,
                        )
                    ).value,
                }
            )
            self.company_industry.append((company_id, industry, postcode))
        return rows

    def opening_rows(self) -> list[dict[str, Any]]:
        """Openings created every day over the history (at least 80 in each stretch of
        HISTORY_WEEKS weeks); each is open 14–42 days."""
        rng = self.rng
        n = max(80 * len(self.history_days) // self.window, self.n_citizens // 20)
        first = min(self.recent, self.history_days[0]) - timedelta(days=14)
        span = (self.today - first).days + 1
        self.openings_by_day: dict[int, list[int]] = {}
        self.opening_info: dict[int, tuple[int, str]] = {}  # id -> (apply_by ordinal, industry)
        rows = []
        for _ in range(n):
            company_id, industry, postcode = rng.choice(self.company_industry)
            created = first + timedelta(days=rng.randrange(span))
            apply_by = created + timedelta(days=rng.randint(14, 42))
            if apply_by >= self.today:
                status = OpeningStatus.OPEN
            else:
                status = OpeningStatus.FILLED if rng.random() < 0.3 else OpeningStatus.CLOSED
            opening_id = self.next_id("jobopening")
            hours = rng.choice((37, 37, 37, 30, 25, 20, 15))
            rows.append(
                {
                    "id": opening_id,
                    "company_id": company_id,
                    "title": rng.choice(INDUSTRIES[industry]),
                    "industry": industry,
                    "hours_per_week": hours,
                    "postcode": postcode,
                    "apply_by": apply_by,
                    "requirements": rng.choice(
                        ("", "", "Ren straffeattest", "Kan tale dansk", "Erfaring er en fordel")
                    ),
                    "driving_licence_required": industry == "Transport" or rng.random() < 0.05,
                    "danish_level": rng.choice(
                        (
                            DanishLevel.NOT_NEEDED,
                            DanishLevel.NOT_NEEDED,
                            DanishLevel.SOME,
                            DanishLevel.GOOD,
                        )
                    ).value,
                    "skaanehensyn_possible": rng.random() < 0.2,
                    "status": status.value,
                    "created_at": datetime.combine(created, time(9), tzinfo=LOCAL_TZ),
                }
            )
            self.openings_by_day.setdefault(created.toordinal(), []).append(opening_id)
            self.opening_info[opening_id] = (apply_by.toordinal(), industry)
        return rows

    def site_rows(self) -> list[dict[str, Any]]:
        rng = self.rng
        specs = list(BASE_SITES)
        for company_id, industry, _postcode in rng.sample(self.company_industry, INTERNSHIP_SITES):
            del company_id
            specs.append(
                (
                    f"Virksomhedspraktik, {industry.lower()}",
                    SiteKind.INTERNSHIP,
                    "",
                    rng.randint(2, 4),
                    30,
                    "0,1,2,3,4",
                )
            )
        # Seats for the citizens of one stretch of weeks: a long history fills them for years.
        for i in range(self.citizens_per_window // CITIZENS_PER_SCALE_SITE):
            base = SCALE_SITE_NAMES[i % len(SCALE_SITE_NAMES)]
            specs.append(
                (f"{base} {i // len(SCALE_SITE_NAMES) + 2}", SiteKind.NYTTEINDSATS, "", 20, 25, "0")
            )
        rows = []
        self.sites_by_kind: dict[str, list[int]] = {}
        self.site_lanes: dict[int, _Lanes] = {}
        self.site_weekdays: dict[int, frozenset[int]] = {}
        self.site_kind: dict[int, str] = {}
        self.site_order: list[int] = []
        for name, kind, provider, seats, hours, weekdays in specs:
            site_id = self.next_id("activationsite")
            # Some sites have targets (the projects' shares ending in a job, and in job or
            # education), so the statistics can say whether they are met.
            job_share = job_or_education_share = None
            if rng.random() < 0.4:
                job_share = rng.choice((0.2, 0.25, 0.3, 0.4))
                job_or_education_share = job_share + rng.choice((0.1, 0.15, 0.2))
            rows.append(
                {
                    "id": site_id,
                    "name": name,
                    "kind": str(kind),
                    "provider": provider,
                    "address": f"{rng.choice(self.streets)} {rng.randint(1, 80)}",
                    "postcode": rng.choice(POSTCODES[:3]),
                    "seats": seats,
                    "hours_per_week": hours,
                    "start_weekdays": weekdays,
                    "contact_name": self.person_name(rng.random() < 0.5),
                    "contact_phone": self.phone(),
                    "contact_email": "",
                    "target_employment_share": job_share,
                    "target_job_or_education_share": job_or_education_share,
                    "active": True,
                }
            )
            self.sites_by_kind.setdefault(str(kind), []).append(site_id)
            self.site_lanes[site_id] = _Lanes(seats)
            self.site_weekdays[site_id] = frozenset(int(d) for d in weekdays.split(","))
            self.site_kind[site_id] = str(kind)
            self.site_order.append(site_id)
        return rows

    # -- citizens and their history ---------------------------------------------------------------

    def citizen_chunk(self, first: int, count: int, today_idx: set[int]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {
            k: []
            for k in (
                "citizen",
                "citizennametail",
                "request",
                "withdrawal",
                "visitation",
                "activation",
                "referral",
                "followup",
                "hearing",
            )
        }
        rng = self.rng
        today = self.today
        oldest = _years_before(today, 65) + timedelta(days=1)
        bands = (
            (18, 29, 0.38),
            (30, 49, 0.40),
            (50, 64, 0.22),
        )
        n_days = len(self.history_days)
        long_history = n_days > self.window
        for i in range(first, first + count):
            # The citizen's requests fall in a stretch of `self.window` working days (the last
            # HISTORY_WEEKS weeks in a short history). In a longer one the stretch starts on any
            # of its days; one that would run past today goes on at the history's first days
            # (the citizen came back years later), so every day sees as many arrivals.
            start = rng.randrange(n_days) if long_history else 0
            if not long_history:
                weeks_from, weeks_to = self.recent, today
            elif start + self.window > n_days:
                weeks_from, weeks_to = self.history_days[0], today
            else:
                weeks_from = self.history_days[start]
                weeks_to = weeks_from + timedelta(weeks=HISTORY_WEEKS)

            # Who: aged within the band all through that stretch, and under 65 today.
            roll = rng.random()
            low, high = bands[-1][:2]
            for band_low, band_high, share in bands:
                if roll < share:
                    low, high = band_low, band_high
                    break
                roll -= share
            young = _years_before(weeks_to, low) - (weeks_to - weeks_from) - timedelta(days=1)
            old = max(oldest, _years_before(weeks_to, high + 1) + timedelta(days=1))
            birth = date.fromordinal(rng.randint(old.toordinal(), young.toordinal()))
            male = rng.random() < 0.52
            cpr = make_cpr(rng, birth, male, modulus11=rng.random() < 0.8)
            while cpr in self.used_cprs:
                cpr = make_cpr(rng, birth, male, modulus11=rng.random() < 0.8)
            self.used_cprs.add(cpr)
            language = rng.choice(tuple(INTERPRETER_NAMES)) if rng.random() < 0.08 else None
            name = self.person_name(male, language, varied=True)
            email = None
            if rng.random() < 0.7:
                parts = self.folded(name).replace("-", "").replace("'", "").split()
                email = f"{parts[0]}.{parts[-1]}{rng.randrange(100)}@{rng.choice(EMAIL_DOMAINS)}"

            # When: 1–3 requests in the stretch, at least 10 working days apart.
            k = rng.choices((1, 2, 3), weights=(15, 35, 50))[0]
            picks = sorted(rng.sample(range(self.window), min(k, self.window)))
            indices: list[int] = []
            for p in picks:
                if not indices or p - indices[-1] >= 10:
                    indices.append(p)
            days = sorted(self.history_days[(start + p) % n_days] for p in indices)
            arrives_today = i in today_idx
            if arrives_today:
                days = [d for d in days if (today - d).days >= 14] + [today]
            citizen_id = self.next_id("citizen")
            folded = self.folded(name)
            out["citizennametail"] += citizen_tail_rows(citizen_id, folded)
            out["citizen"].append(
                {
                    "id": citizen_id,
                    "cpr": cpr,
                    "name": name,
                    "name_folded": folded,
                    "birth_date": birth,
                    "phone": self.phone() if rng.random() < 0.85 else None,
                    "email": email,
                    "postcode": rng.choice(POSTCODES),
                    "interpreter_language": language,
                    "needs_digital_help": rng.random() < (0.35 if birth.year < 1970 else 0.12),
                    "created_at": self.at(days[0], rng.randrange(420)),
                    "anonymised_at": None,
                }
            )
            record = _Record()
            for j, day in enumerate(days):
                last = j == len(days) - 1
                next_day = None if last else days[j + 1]
                if arrives_today and last:
                    continue  # the day in progress is built afterwards, in arrival order
                self.request(out, citizen_id, birth, language, day, next_day, record)
            if arrives_today:
                out.setdefault("_today", []).append((citizen_id, birth, language, record))
        return out

    def request(
        self,
        out: dict[str, list[Any]],
        citizen_id: int,
        birth: date,
        language: str | None,
        day: date,
        next_day: date | None,
        record: _Record,
        *,
        arrived_at: datetime | None = None,
        status: str | None = None,
    ) -> None:
        rng = self.rng
        request_id = self.next_id("request")
        if arrived_at is None:
            arrived_at = self.at(day, rng.randrange(0, 360))
        age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        # Only the benefits in force on the day: uddannelseshjælp for young people before
        # 1 July 2025 (and then not always), kontanthjælp for everyone after.
        benefit = Benefit.KONTANTHJAELP
        if (
            age < 30
            and Benefit.UDDANNELSESHJAELP in self.memo("benefits_on", day)
            and rng.random() >= 0.15
        ):
            benefit = Benefit.UDDANNELSESHJAELP
        if status is None:
            roll = rng.random()
            status = (
                RequestStatus.WITHDRAWN
                if roll < 0.20
                else RequestStatus.NO_SHOW
                if roll < 0.24
                else RequestStatus.DONE
            )
        slot = day
        if status == RequestStatus.NO_SHOW or (
            status == RequestStatus.DONE and day < self.today and rng.random() < 0.3
        ):
            slot = self.memo("next_working_day", day)
            if slot >= self.today:
                slot = day
        # The first henvendelse: mostly the arrival, now and then a call or a message a few
        # days before; the slot stays within the legal week counted from it.
        first_contact = day
        if rng.random() < 0.15:
            earlier = day - timedelta(days=rng.randint(1, 4))
            if slot <= self.memo("latest_first_conversation", earlier):
                first_contact = earlier
        guided = rng.random() < 0.85
        record.guided = record.guided or guided
        closed_at: datetime | None = None
        row = {
            "id": request_id,
            "citizen_id": citizen_id,
            "arrived_on": day,
            "first_contact_on": first_contact,
            "arrived_at": arrived_at,
            "benefit": benefit.value,
            "told_apply_digitally": rng.random() < 0.95,
            "rights_guidance_given": guided,
            "no_show_reason": "",
            "slot_date": slot,
            "status": str(status),
            "registered_by": rng.choice(self.receptionists),
            "closed_at": None,
            "claimed_by": None,
            "claimed_at": None,
            "claim_seen_at": None,
        }
        out["request"].append(row)
        if status == RequestStatus.WITHDRAWN:
            reason = rng.choices(
                (WithdrawalReason.JOB, WithdrawalReason.EDUCATION, WithdrawalReason.OTHER),
                weights=(50, 30, 20),
            )[0]
            at = arrived_at + timedelta(minutes=rng.randint(5, 40))
            if day == self.today:
                at = min(at, self.day_now)
            closed_at = at
            out["withdrawal"].append(
                {
                    "id": self.next_id("withdrawal"),
                    "request_id": request_id,
                    "citizen_id": citizen_id,
                    "reason": reason.value,
                    "note": rng.choice(WITHDRAWAL_NOTES[reason]),
                    "at": at,
                    "by": row["registered_by"],
                }
            )
        elif status == RequestStatus.NO_SHOW:
            closed_at = datetime.combine(slot, time(15), tzinfo=LOCAL_TZ)
            reason_given = rng.choice(NO_SHOW_REASONS) if rng.random() < 0.4 else ""
            row["no_show_reason"] = reason_given
            # A citizen with a category on record did not come to the job conversation.
            if record.category is not None and record.consultant is not None:
                self.hearing(
                    out,
                    record,
                    citizen_id,
                    HearingEvent.NO_SHOW_CONVERSATION,
                    slot,
                    record.category,
                    record.consultant,
                    closed_at,
                    settled=next_day is not None or slot < self.recent,
                    request_id=request_id,
                    stated_reason=reason_given,
                )
        elif status == RequestStatus.DONE:
            completed = datetime.combine(slot, time(9), tzinfo=LOCAL_TZ) + timedelta(
                minutes=rng.randrange(360)
            )
            if slot == day:
                completed = arrived_at + timedelta(minutes=rng.randint(25, 80))
            if slot == self.today:
                completed = min(completed, self.day_now)
            closed_at = completed
            self.visitation(
                out,
                citizen_id,
                request_id,
                language,
                day,
                first_contact,
                slot,
                completed,
                next_day,
                record,
                age=slot.year - birth.year - ((slot.month, slot.day) < (birth.month, birth.day)),
            )
        row["closed_at"] = closed_at

    def hearing(
        self,
        out: dict[str, list[Any]],
        record: _Record,
        citizen_id: int,
        event: HearingEvent,
        event_on: date,
        category: str,
        assignee: int,
        at: datetime,
        *,
        settled: bool,
        follow_up: dict[str, Any] | None = None,
        request_id: int | None = None,
        stated_reason: str = "",
    ) -> None:
        """A possible sanction awaiting a partshøring, raised as the program raises one: only
        where the category at the time carried the duty the event broke and written guidance
        had been given. A settled one is decided; a recent one may still await or be sent."""
        ruleset = self.rules.in_force(event_on)
        if not ruleset.carries(category, event) or (
            ruleset.guidance_required and not record.guided
        ):
            return
        rng = self.rng
        due = self.memo("hearing_due", event_on)
        yesterday = self.today - timedelta(days=1)
        status = HearingStatus.DECIDED
        if not settled:
            status = rng.choices(tuple(HearingStatus), weights=(40, 30, 30))[0]
        sent_on: date | None = None
        decided_on: date | None = None
        decision: HearingDecision | None = None
        note = ""
        updated = at
        if status != HearingStatus.AWAITING:
            raised_on = max(event_on, at.astimezone(LOCAL_TZ).date())
            sent_on = min(raised_on + timedelta(days=rng.randint(1, 10)), yesterday)
            updated = datetime.combine(sent_on, time(11), tzinfo=LOCAL_TZ)
        if status == HearingStatus.DECIDED and sent_on is not None:
            decided_on = min(sent_on + timedelta(days=rng.randint(14, 30)), due, yesterday)
            decided_on = max(decided_on, sent_on)
            decision = rng.choices(tuple(HearingDecision), weights=(45, 55))[0]
            note = HEARING_NOTES[decision]
            updated = datetime.combine(decided_on, time(13), tzinfo=LOCAL_TZ)
        out["hearing"].append(
            {
                "id": self.next_id("hearing"),
                "citizen_id": citizen_id,
                "event": event.value,
                "event_on": event_on,
                "category": category,
                "stated_reason": stated_reason,
                "follow_up_id": follow_up["id"] if follow_up is not None else None,
                "request_id": request_id,
                "assignee_id": assignee,
                "due": due,
                "status": status.value,
                "sent_on": sent_on,
                "decision": decision.value if decision is not None else None,
                "decided_on": decided_on,
                "note": note,
                "created_at": at,
                "updated_at": max(updated, at),
            }
        )
        if follow_up is not None:
            follow_up["sanction_flag"] = True

    def visitation(
        self,
        out: dict[str, list[Any]],
        citizen_id: int,
        request_id: int,
        language: str | None,
        arrived_on: date,
        first_contact: date,
        held_on: date,
        completed_at: datetime,
        next_day: date | None,
        record: _Record,
        *,
        age: int,
    ) -> None:
        rng = self.rng
        today = self.today
        ruleset = self.rules.in_force(held_on)
        consultant = rng.choice(self.consultants)
        visitation_id = self.next_id("visitation")
        # Both questions the target group depends on are answered, for young people too.
        education = rng.random() < (0.35 if age < 30 else 0.55)
        integration = language is not None
        proposal = self.proposal(ruleset, age, education, integration)
        group = proposal.group
        youth = group.youth
        # Overrides stay within the group's categories, each with its reason.
        category, override = proposal.category, ""
        roll = rng.random()
        if youth and roll < 0.15 and Category.UDDANNELSESPARAT in group.categories:
            category, override = Category.UDDANNELSESPARAT, rng.choice(OVERRIDE_REASONS_UDD)
        elif roll < (0.30 if language else 0.13) + (0.15 if youth else 0.0):
            category, override = Category.AKTIVITETSPARAT, rng.choice(OVERRIDE_REASONS_AKT)
        if category == proposal.category:
            override = ""
        # A young person not found åbenlyst uddannelsesparat or aktivitetsparat is
        # uddannelsesparat until the final visitation, counted from the first henvendelse.
        provisional = youth and category == Category.UDDANNELSESPARAT
        review_on = self.memo("final_visitation", first_contact) if provisional else None
        # Straksaktivering for everyone (young people too, with guidance alongside), unless
        # it is obviously pointless, which needs a reason.
        exempt, exemption = False, ""
        if category == Category.AKTIVITETSPARAT and rng.random() < 0.35:
            exempt, exemption = True, rng.choice(OVERRIDE_REASONS_AKT)
        elif category == Category.JOBPARAT and rng.random() < 0.06:
            exempt, exemption = True, rng.choice(EXEMPTION_REASONS)
        elif youth and rng.random() < 0.05:
            exempt, exemption = True, rng.choice(YOUTH_EXEMPTION_REASONS)
        injunction = youth and ruleset.injunction and rng.random() < 0.9
        injunction_goal, injunction_deadline = "", None
        if injunction:
            injunction_goal = rng.choice(INJUNCTION_GOALS)
            injunction_deadline = self.cal.roll_forward(
                held_on + timedelta(weeks=rng.randint(4, 16))
            )
        guided = rng.random() < 0.9
        record.guided = record.guided or guided
        record.category, record.consultant = str(category), consultant
        cv_deadline = (
            self.memo("cv_deadline", arrived_on) if ruleset.cv_required(str(category)) else None
        )
        # Settled: the citizen came again since, or it is older than the recent weeks.
        closed = next_day is not None or held_on < self.recent
        row = {
            "id": visitation_id,
            "request_id": request_id,
            "citizen_id": citizen_id,
            "consultant_id": consultant,
            "held_on": held_on,
            "completed_at": completed_at,
            "age": age,
            "has_qualifying_education": education,
            "job_wishes": "",
            "industries": "",
            "hours_wanted": rng.choice((37, 37, 30, 25, None)),
            "restrictions": rng.choice(RESTRICTIONS) if rng.random() < 0.15 else "",
            "driving_licence": rng.random() < 0.55,
            "digital_skills": rng.choice(DIGITAL_SKILLS),
            "integration_programme": integration,
            "proposed_category": proposal.category,
            "category": str(category),
            "override_reason": override,
            "provisional": provisional,
            "review_on": review_on,
            "youth_track": youth,
            "guidance_referred": youth,
            "injunction_given": injunction,
            "injunction_goal": injunction_goal,
            "injunction_deadline": injunction_deadline,
            "rights_guidance_given": guided,
            "activation_exempt": exempt,
            "exemption_reason": exemption,
            "cv_deadline": cv_deadline,
            "help_cv": rng.random() < 0.3,
            "help_email": rng.random() < 0.1,
            "help_application": rng.random() < 0.25,
        }
        out["visitation"].append(row)

        def follow_up(kind: FollowUpKind, due: date, **extra: Any) -> dict[str, Any]:
            item = {
                "id": self.next_id("followup"),
                "citizen_id": citizen_id,
                "kind": kind.value,
                "due": due,
                "assignee_id": consultant,
                "referral_id": None,
                "activation_id": None,
                "visitation_id": visitation_id,
                "created_at": completed_at,
                "done_at": None,
                "done_on_time": None,
                "outcome": None,
                "sanction_flag": False,
                "note": "",
            }
            item.update(extra)
            out["followup"].append(item)
            return item

        def close(item: dict[str, Any], outcome: str, on: date) -> None:
            item["done_at"] = datetime.combine(on, time(10), tzinfo=LOCAL_TZ) + timedelta(
                minutes=rng.randrange(300)
            )
            item["done_on_time"] = on <= item["due"]
            item["outcome"] = outcome

        def done_day(due: date) -> date:
            """When a due follow-up was handled: mostly on time, some days late, never future."""
            late = 0 if rng.random() < 0.8 else rng.randint(1, 5)
            return min(due + timedelta(days=late), today - timedelta(days=1))

        def flag(item: dict[str, Any], event: HearingEvent, event_on: date) -> None:
            """The outcome just recorded broke a duty: a hearing, where the rules allow one."""
            self.hearing(
                out,
                record,
                citizen_id,
                event,
                event_on,
                str(category),
                consultant,
                item["done_at"],
                settled=closed,
                follow_up=item,
            )

        if cv_deadline is not None:
            item = follow_up(FollowUpKind.CV_DEADLINE, cv_deadline)
            if cv_deadline < today and (closed or rng.random() < 0.85):
                done = CV_DONE if rng.random() < 0.9 else CV_MISSING
                close(item, done, done_day(cv_deadline))
                if done == CV_MISSING:
                    flag(item, HearingEvent.CV_MISSING, cv_deadline)
        if review_on is not None:
            item = follow_up(FollowUpKind.CATEGORY_REVIEW, review_on)
            if review_on < today and (closed or rng.random() < 0.85):
                close(item, REVIEWED, done_day(review_on))

        if not exempt and not self.activation(
            out, row, category, next_day, closed, follow_up, close, done_day, flag
        ):
            # No seat before the citizen came again, or none free: the consultant recorded why
            # activation was pointless instead (nobody leaves without either).
            row["activation_exempt"] = True
            row["exemption_reason"] = rng.choice(
                OVERRIDE_REASONS_AKT
                if category == Category.AKTIVITETSPARAT
                else YOUTH_EXEMPTION_REASONS
                if youth
                else EXEMPTION_REASONS
            )

        # Job referrals (none for a withdrawal before the conversation).
        n_refs = {
            Category.JOBPARAT: (1, 2, 3, 3, 4, 4),
            Category.AKTIVITETSPARAT: (0, 0, 1),
            Category.AABENLYST_UDDANNELSESPARAT: (0, 1, 1, 2),
            Category.UDDANNELSESPARAT: (0, 1),
        }[Category(category)]
        wanted = rng.choice(n_refs)
        industries: list[str] = []
        held_ord = held_on.toordinal()
        apply_by = self.memo("apply_by", held_on)
        follow_up_on = self.memo("referral_follow_up", held_on)
        for _ in range(wanted * 4):
            if wanted == 0:
                break
            bucket = self.openings_by_day.get(held_ord - rng.randrange(14))
            if not bucket:
                continue
            opening_id = rng.choice(bucket)
            if opening_id in record.referred:
                continue
            opening_apply_by, industry = self.opening_info[opening_id]
            if opening_apply_by < held_ord:
                continue
            record.referred.add(opening_id)
            wanted -= 1
            if industry not in industries:
                industries.append(industry)
            referral_id = self.next_id("referral")
            referral = {
                "id": referral_id,
                "citizen_id": citizen_id,
                "opening_id": opening_id,
                "visitation_id": visitation_id,
                "consultant_id": consultant,
                "referred_on": held_on,
                "apply_by": min(apply_by, date.fromordinal(opening_apply_by)),
                "follow_up_on": follow_up_on,
                "outcome": None,
                "outcome_on": None,
                "interview_on": None,
            }
            out["referral"].append(referral)
            item = follow_up(FollowUpKind.REFERRAL, follow_up_on, referral_id=referral_id)
            if follow_up_on < today and (closed or rng.random() < 0.82):
                outcome = rng.choices(
                    REFERRAL_OUTCOMES,
                    weights=(30, 14, 8, 24, 10, 10, 4),
                )[0]
                on = done_day(follow_up_on)
                referral["outcome"] = outcome.value
                referral["outcome_on"] = on
                if outcome in (ReferralOutcome.INTERVIEW, ReferralOutcome.HIRED):
                    referral["interview_on"] = date.fromordinal(
                        min(apply_by.toordinal() + rng.randint(1, 6), on.toordinal())
                    )
                close(item, outcome.value, on)
                if outcome in REFERRAL_EVENTS:
                    flag(item, REFERRAL_EVENTS[outcome], on)
                elif outcome == ReferralOutcome.HIRED:
                    self.durability(follow_up, close, closed, on, referral_id)
        # The rng draws stay those of the opening titles once chosen here (the rows after
        # depend on them); the words come from the wording stream.
        if not industries:
            industries = [rng.choice(tuple(INDUSTRIES))]
        for ind in industries[:2]:
            rng.choice(INDUSTRIES[ind])
        words = self.wording
        row["industries"] = ",".join(words.choice(WISHES_TYPED[ind]) for ind in industries)
        row["job_wishes"] = "; ".join(words.choice(WISHES_SAID[ind]) for ind in industries[:2])

    def durability(
        self,
        follow_up: Callable[..., dict[str, Any]],
        close: Callable[[dict[str, Any], str, date], None],
        closed: bool,
        hired_on: date,
        referral_id: int,
    ) -> None:
        """The "still in work?" check six months after a hire; the ones due are mostly
        answered, most of them still in work."""
        due = self.memo("durability_check", hired_on)
        item = follow_up(FollowUpKind.DURABILITY, due, referral_id=referral_id)
        if due < self.today and (closed or self.rng.random() < 0.85):
            answer = STILL_IN_WORK if self.rng.random() < 0.7 else NO_LONGER_IN_WORK
            on = min(due + timedelta(days=self.rng.randint(0, 5)), self.today - timedelta(days=1))
            close(item, answer, on)

    def start_on(self, site_id: int, earliest: date) -> date:
        """The site's first start day on or after `earliest` (remembered: sites share them)."""
        weekdays = self.site_weekdays[site_id]
        key = (weekdays, earliest)
        found = self._start_days.get(key)
        if found is None:
            found = self._start_days[key] = earliest
            day = earliest
            for _ in range(21):
                if day.weekday() in weekdays and self.cal.is_working_day(day):
                    found = self._start_days[key] = day
                    break
                day += timedelta(days=1)
        return found

    def activation(
        self,
        out: dict[str, list[Any]],
        visitation: dict[str, Any],
        category: str,
        next_day: date | None,
        closed: bool,
        follow_up: Callable[..., dict[str, Any]],
        close: Callable[[dict[str, Any], str, date], None],
        done_day: Callable[[date], date],
        flag: Callable[[dict[str, Any], HearingEvent, date], None],
    ) -> bool:
        """An activation at a site with a free seat; False when none could be had."""
        rng = self.rng
        today = self.today
        held_on: date = visitation["held_on"]
        if category == Category.AKTIVITETSPARAT:
            kind = SiteKind.COURSE
        elif category == Category.JOBPARAT and rng.random() < 0.15:
            kind = SiteKind.INTERNSHIP
        else:
            kind = SiteKind.NYTTEINDSATS
        earliest = self.memo("default_activation_start", held_on)
        low, high = ACTIVATION_WEEKS[kind]
        length = timedelta(weeks=rng.randint(low, high)) - timedelta(days=3)
        no_show = rng.random() < 0.08
        candidates = self.sites_by_kind[kind.value]
        tried = rng.sample(candidates, min(len(candidates), 3))
        # Full there: a seat at a few sites of any kind (straksaktivering matters more than
        # the kind of site).
        others = rng.sample(self.site_order, min(len(self.site_order), 4))
        for site_id in (*tried, *(site for site in others if site not in tried)):
            start = self.start_on(site_id, earliest)
            end = start + length
            status, outcome = ActivationStatus.STARTED, None
            if next_day is not None and end >= next_day:
                end = next_day - timedelta(days=1)
                status = ActivationStatus.ENDED_EARLY
                outcome = rng.choice((ActivationOutcome.EMPLOYED, ActivationOutcome.EDUCATION))
            if end < start:
                return False  # the next request came before a start
            if start > today:
                status, end_date = ActivationStatus.PLANNED, None
            elif no_show:
                status, end_date, outcome = ActivationStatus.NO_SHOW, start, None
            elif end < today:
                if status != ActivationStatus.ENDED_EARLY:
                    status = ActivationStatus.ENDED
                    outcome = rng.choices(ACTIVATION_OUTCOMES, weights=(30, 10, 60))[0]
                end_date = end
            else:
                status, end_date = ActivationStatus.STARTED, None
            holds = status in (ActivationStatus.PLANNED, ActivationStatus.STARTED)
            lane_end = _Lanes.OPEN if end_date is None else end_date.toordinal()
            if not self.site_lanes[site_id].take(start.toordinal(), lane_end, holds):
                continue
            activation_id = self.next_id("activation")
            out["activation"].append(
                {
                    "id": activation_id,
                    "citizen_id": visitation["citizen_id"],
                    "visitation_id": visitation["id"],
                    "site_id": site_id,
                    "start_date": start,
                    "end_date": end_date,
                    "status": status.value,
                    "outcome": outcome.value if outcome else None,
                    "created_at": visitation["completed_at"],
                }
            )
            item = follow_up(FollowUpKind.ACTIVATION_START, start, activation_id=activation_id)
            if start < today:
                if status == ActivationStatus.NO_SHOW:
                    close(item, DID_NOT_SHOW, done_day(start))
                    flag(item, HearingEvent.ABSENT_ACTIVATION, start)
                elif status == ActivationStatus.ENDED_EARLY and end_date == start:
                    close(item, ENDED_EARLY, done_day(start))
                elif closed or rng.random() < 0.9:
                    close(item, STARTED, done_day(start))
            warn = self.rules.nytteindsats_warning(start)
            if kind == SiteKind.NYTTEINDSATS and warn is not None:
                end_item = follow_up(
                    FollowUpKind.NYTTEINDSATS_END, warn, activation_id=activation_id
                )
                if end_date is not None and end_date <= warn:
                    close(end_item, ENDED, min(end_date, today - timedelta(days=1)))
                elif warn < today and (closed or rng.random() < 0.8):
                    close(end_item, CONTINUES, done_day(warn))
            return True
        return False

    def day_in_progress(self, out: dict[str, list[Any]], arrivals: list[tuple[Any, ...]]) -> None:
        """Today's arrivals, in arrival order: done, withdrawn, in conversation (claimed by a
        consultant each), then waiting; from the opening until a little before `day_now`."""
        rng = self.rng
        today = self.today
        begin = datetime.combine(today, DEMO_OPENS, tzinfo=LOCAL_TZ)
        end = self.day_now - timedelta(minutes=2)
        span = max(1, int((end - begin).total_seconds()))
        times = sorted(begin + timedelta(seconds=rng.randrange(span)) for _ in arrivals)
        n = len(arrivals)
        n_done = round(n * 0.35)
        n_withdrawn = max(1, round(n * 0.1))
        n_talking = min(len(self.consultants), max(2, round(n * 0.15)))
        for k, ((citizen_id, birth, language, record), at) in enumerate(
            zip(arrivals, times, strict=True)
        ):
            if k < n_done:
                status = RequestStatus.DONE
            elif k < n_done + n_withdrawn:
                status = RequestStatus.WITHDRAWN
            elif k < n_done + n_withdrawn + n_talking:
                status = RequestStatus.IN_CONVERSATION
            else:
                status = RequestStatus.WAITING
            self.request(
                out,
                citizen_id,
                birth,
                language,
                today,
                None,
                record,
                arrived_at=at,
                status=status,
            )
            if status == RequestStatus.IN_CONVERSATION:
                claimed_at = min(at + timedelta(minutes=rng.randint(2, 20)), self.day_now)
                out["request"][-1] |= {
                    "claimed_by": self.consultant_initials[k % len(self.consultant_initials)],
                    "claimed_at": claimed_at,
                    "claim_seen_at": self.day_now,
                }


def _reset_sequences(session: Session, tables: Sequence[Table]) -> None:
    """PostgreSQL: move each id sequence past the explicit ids the demo wrote."""
    for table in tables:
        session.connection().execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


@contextmanager
def _bulk_load(connection: Connection, models: Sequence[Any]) -> Iterator[None]:
    """Load the big tables fast: their indexes are dropped first and built once at the end
    (also when the load fails). The unique constraints stay.

    On SQLite the file is not synced after every chunk, and the pages go straight into the file
    with the rollback journal in memory, instead of into the WAL and again into the file at each
    checkpoint. A crash or power cut half-way may leave the file damaged: a demo that is cut off
    is thrown away and built again anyway. WAL is back on afterwards."""
    indexes: list[Index] = [
        index
        for model in models
        for index in _table(model).indexes
        if next(iter(index.columns)).name not in WRITTEN_IN_ORDER
    ]
    sqlite = connection.dialect.name == "sqlite"
    raw: Any = connection.connection.driver_connection if sqlite else None
    if sqlite:
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        journal_in_memory = _journal_in_memory(raw)
    try:
        with connection.begin():
            for index in indexes:
                index.drop(connection)
        yield
    finally:
        try:
            with connection.begin():
                for index in indexes:
                    index.create(connection, checkfirst=True)
        finally:
            if sqlite:  # the pooled connection goes back as db.py made it
                raw.execute("PRAGMA cache_size = -2000")
                raw.execute("PRAGMA synchronous = FULL")
                if journal_in_memory:
                    switch_to_wal(raw)
                else:
                    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _journal_in_memory(raw: sqlite3.Connection) -> bool:
    """Leave WAL for the rollback journal in memory; False, staying in WAL (only slower), when
    another connection has the file open: SQLite needs it to itself for that (and refuses at
    once, without waiting)."""
    try:
        raw.execute("PRAGMA journal_mode = MEMORY").fetchall()
    except sqlite3.OperationalError:
        return False
    return True


# -- where the builder runs ------------------------------------------------------------------------

_worker_builder: _Builder | None = None  # in a worker process: its one builder


def _start_worker(settings: dict[str, Any]) -> None:
    global _worker_builder
    # Ctrl+C is the main process's to handle (it stops the worker and says one line); the
    # worker shares the terminal's process group and would print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_builder = _Builder(**settings)


def _call_worker(method: str, *args: Any) -> Any:
    assert _worker_builder is not None
    return getattr(_worker_builder, method)(*args)


@contextmanager
def _builder(settings: dict[str, Any], *, in_worker: bool) -> Iterator[Callable[..., Future[Any]]]:
    """`call(method, *args)`: a builder method's answer, as a future.

    `in_worker`: the builder runs in a worker process and makes the next chunks of citizens
    while this process writes the last one, on the second core. (A thread would not do: sqlite3
    lets go of the GIL for every row written and then waits to get it back from the builder,
    which makes writing several times slower.) The builder gets the same calls in the same order
    either way, so the rows are the same. A script calling this needs the usual
    `if __name__ == "__main__":` guard, as with any spawned process."""
    if in_worker:
        pool = ProcessPoolExecutor(
            max_workers=1,
            # Not fork: the caller may be running threads (a progress bar's).
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(settings,),
        )

        def submit(method: str, *args: Any) -> Future[Any]:
            return pool.submit(_call_worker, method, *args)

        try:
            yield submit
        finally:
            pool.shutdown(cancel_futures=True)  # chunks asked for ahead, if the build failed
        return
    builder = _Builder(**settings)

    def call(method: str, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(getattr(builder, method)(*args))
        return future

    yield call


REFERENCE_TABLES: tuple[tuple[str, Any], ...] = (
    ("staff", Staff),
    ("company", Company),
    ("jobopening", JobOpening),
    ("activationsite", ActivationSite),
)
CITIZEN_TABLES: tuple[tuple[str, Any], ...] = (  # in the order their foreign keys need
    ("citizen", Citizen),
    ("citizennametail", CitizenNameTail),
    ("request", Request),
    ("withdrawal", Withdrawal),
    ("visitation", Visitation),
    ("activation", Activation),
    ("referral", Referral),
    ("followup", FollowUp),
    ("hearing", Hearing),
)


def build_demo(
    db: Database,
    *,
    today: date,
    seed: int = 1,
    citizens: int = 300,
    progress: Progress | None = None,
    rules: RuleBook | None = None,
    now: datetime | None = None,
    in_worker: bool | None = None,
) -> DemoSummary:
    """Fill an empty database with demo data as of `today`; `progress(done, total)` counts
    citizens written. Returns the row counts and the time taken.

    `in_worker`: build the rows in a worker process while this one writes them; by default when
    there is more than one chunk of citizens and more than one core."""
    from jobbutik.services import audit

    started = _time.perf_counter()
    if citizens < 0:
        raise ValueError("citizens must not be negative")
    if now is None:
        now = Clock(today).now()
    settings = {
        "today": today,
        "now": now,
        "seed": seed,
        "citizens": citizens,
        "rules": rules or load_rulebook(),
    }
    if in_worker is None:
        in_worker = citizens > CHUNK and (os.cpu_count() or 1) > 1
    chunks = [(first, min(CHUNK, citizens - first)) for first in range(0, citizens, CHUNK)]
    if progress is not None:
        progress(0, citizens)
    with (
        _builder(settings, in_worker=in_worker) as call,
        db.engine.connect() as connection,
        _bulk_load(connection, [model for _name, model in CITIZEN_TABLES]),
    ):
        reference = call("reference_rows", chunks[0][1] if chunks else 0)
        # A worker is asked for two chunks ahead: it goes on with the next one while the last
        # one travels here and this one is written.
        ahead = 2 if in_worker else 0
        upcoming = deque(call("chunk", *chunk) for chunk in chunks[:ahead])
        rows, counts = reference.result()
        with connection.begin():
            for name, model in REFERENCE_TABLES:
                _insert(connection, _table(model), rows[name])
        for k, (first, count) in enumerate(chunks):
            if k + ahead < len(chunks):
                upcoming.append(call("chunk", *chunks[k + ahead]))
            rows, counts = upcoming.popleft().result()
            with connection.begin():
                for name, model in CITIZEN_TABLES:
                    _insert(connection, _table(model), rows[name])
            del rows
            if progress is not None:
                progress(first + count, citizens)

    def finish(session: Session) -> None:
        # Only a database marked as a demo lets --user and --today pick another person or day.
        mark_demo(session)
        if db.backend == "postgresql":
            _reset_sequences(
                session,
                [
                    _table(model)
                    for name, model in (*REFERENCE_TABLES, *CITIZEN_TABLES)
                    if name != "citizennametail"
                ],
            )
        audit.record(
            session,
            actor=DEMO_USER,
            action=AuditAction.CREATE,
            entity="database",
            at=now,
            detail=f"demo database built: seed {seed}, {citizens} citizens, today {today}",
        )

    db.write(finish)
    return DemoSummary(
        seed=seed, today=today, counts=counts, seconds=_time.perf_counter() - started
    )

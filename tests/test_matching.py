"""Matching: open openings ranked for a handful of citizens, with the reasons for each place.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from factories import add_company, add_opening, make_ctx
from sqlmodel import select
from test_followups import visit

from jobbutik.domain.i18n import set_language
from jobbutik.services import arrivals, matching
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.matching import (
    FAR,
    NEAR,
    REGION,
    SAME,
    postcode_distance,
    score_opening,
)
from jobbutik.services.visitation import Facts
from jobbutik.store.db import Database
from jobbutik.store.models import Citizen, JobOpening


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def citizen(ctx: ServiceContext, cpr: str, name: str, postcode: str, interpreter: str = "") -> int:
    form = ArrivalForm(
        cpr=cpr,
        benefit="kontanthjaelp",
        new_citizen=NewCitizen(name=name, postcode=postcode, interpreter_language=interpreter),
    )
    return arrivals.register_arrival(ctx, form).citizen_id


@pytest.fixture
def board(database: Database) -> dict[str, int]:
    """Seven openings; three of them must never be offered."""
    netto = add_company(database, "Netto Herlev", seed=1)
    movia = add_company(database, "Movia", seed=21)
    kantine = add_company(database, "Herlev Kantine", seed=31)
    arla = add_company(database, "Arla Aarhus", seed=41)
    ids = {
        "shop": add_opening(database, netto, "Butiksassistent", industry="Detail", hours=30),
        "driver": add_opening(
            database, movia, "Chauffør", industry="Transport", hours=37, postcode="2750",
            licence=True,
        ),
        "kitchen": add_opening(
            database, kantine, "Køkkenhjælp", industry="Køkken", hours=20, skaanehensyn=True,
        ),
        "store": add_opening(
            database, arla, "Lagermedarbejder", industry="Lager", hours=37, postcode="8000",
            apply_by=date(2026, 11, 27),
        ),
        "passed": add_opening(database, netto, "Kassemedarbejder", apply_by=date(2026, 11, 20)),
        "closed": add_opening(database, netto, "Souschef"),
        "referred": add_opening(database, netto, "Bager", industry="Detail", hours=30),
    }  # fmt: skip

    def finish(session):  # type: ignore[no-untyped-def]
        closed = session.get(JobOpening, ids["closed"])
        closed.status = "closed"
        shop = session.get(JobOpening, ids["shop"])
        shop.danish_level = "good"
        session.add_all([closed, shop])

    database.write(finish)
    return ids


def ranked(ctx: ServiceContext, citizen_id: int, facts: Facts) -> list[tuple[str, int, tuple]]:
    return [(m.title, m.score, m.reasons) for m in matching.rank_openings(ctx, citizen_id, facts)]


def test_a_job_ready_citizen_wanting_retail(database: Database, board: dict[str, int]) -> None:
    ctx = make_ctx(database)
    facts = Facts(industries=("detail",), hours_wanted=30, driving_licence=True)
    visit(ctx, "0101901234", openings=(board["referred"],), facts=facts)
    jens = database.read(lambda s: s.exec(select(Citizen.id)).one())
    assert ranked(ctx, jens, facts) == [
        (
            "Butiksassistent",
            75,
            ("+40 wished industry (Detail)", "+20 hours fit (30 h/week)", "+15 same postcode"),
        ),
        (
            "Chauffør",
            0,
            (
                "-15 hours differ (37 h/week offered, 30 wanted)",
                "+5 has the driving licence needed",
                "+10 nearby (2750)",
            ),
        ),
        (
            "Køkkenhjælp",
            0,
            ("-15 hours differ (20 h/week offered, 30 wanted)", "+15 same postcode"),
        ),
        (
            "Lagermedarbejder",
            -20,
            (
                "-15 hours differ (37 h/week offered, 30 wanted)",
                "-10 far away (8000)",
                "+5 apply soon (by 27.11.2026)",
            ),
        ),
    ]  # already referred to Bager; Kassemedarbejder's date has passed; Souschef is closed


def test_a_citizen_with_restrictions_and_no_licence(
    database: Database, board: dict[str, int]
) -> None:
    ctx = make_ctx(database)
    mette = citizen(ctx, "0202851236", "Mette Hansen", "2750")
    facts = Facts(
        industries=("Køkken",),
        hours_wanted=20,
        restrictions="Kan ikke løfte tungt",
        driving_licence=False,  # asked: no licence (not asked would not count against)
    )
    result = ranked(ctx, mette, facts)
    assert [(title, score) for title, score, _r in result] == [
        ("Køkkenhjælp", 85),
        ("Butiksassistent", -35),  # a tie, same apply-by date: the older opening first
        ("Bager", -35),
        ("Lagermedarbejder", -50),
        ("Chauffør", -80),
    ]
    assert result[0][2] == (
        "+40 wished industry (Køkken)",
        "+20 hours fit (20 h/week)",
        "+15 skånehensyn possible",
        "+10 nearby (2730)",
    )
    assert "-50 needs a driving licence" in result[-1][2]
    assert "-30 no skånehensyn possible" in result[-1][2]
    # Not asked is unknown: the licence neither counts for nor against; the reason says ask.
    unknown = ranked(ctx, mette, replace(facts, driving_licence=None))
    driver = next(reasons for title, _score, reasons in unknown if title == "Chauffør")
    assert "0 needs a driving licence: ask whether the citizen has one" in driver
    assert dict((t, s) for t, s, _r in unknown)["Chauffør"] == -30


def test_a_citizen_with_an_interpreter_and_no_wishes(
    database: Database, board: dict[str, int]
) -> None:
    ctx = make_ctx(database)
    ali = citizen(ctx, "1505702341", "Ali Hassan", "2730", interpreter="arabisk")
    result = ranked(ctx, ali, Facts(driving_licence=False))
    assert [(title, score) for title, score, _r in result] == [
        ("Køkkenhjælp", 15),
        ("Bager", 15),
        ("Lagermedarbejder", -5),  # a tie: the sooner apply-by date first
        ("Butiksassistent", -5),
        ("Chauffør", -40),
    ]
    assert result[3][2] == (
        "-20 needs good Danish (the citizen uses an interpreter)",
        "+15 same postcode",
    )


def test_a_citizen_without_postcode_gets_no_distance_reason(
    database: Database, board: dict[str, int]
) -> None:
    ctx = make_ctx(database)
    lise = citizen(ctx, "2011993452", "Lise Kjær", "")
    result = ranked(ctx, lise, Facts(hours_wanted=37, driving_licence=True))
    assert [r[:2] for r in result[:2]] == [("Lagermedarbejder", 25), ("Chauffør", 25)]
    assert result[1][2] == ("+20 hours fit (37 h/week)", "+5 has the driving licence needed")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2730", "2730", SAME),
        ("2730", "2750", NEAR),
        ("2730", "1050", REGION),  # Herlev and inner Copenhagen
        ("3000", "3700", FAR),  # Helsingør and Rønne (Bornholm)
        ("5000", "8000", FAR),
        ("2730", None, None),
        ("2730", "27", None),
    ],
)
def test_postcode_distance(a: str, b: str | None, expected: int | None) -> None:
    assert postcode_distance(a, b) == expected


def test_the_industry_fields_own_example_matches_demo_openings(
    sqlite_database: Database,
) -> None:
    """The example the facts field shows, "Detail, Lager", finds the demo's "Detailhandel" and
    "Lager og logistik" openings, and only those, as wished industries."""
    from jobbutik.demo import build_demo

    today = date(2026, 11, 23)
    build_demo(sqlite_database, today=today, citizens=60, in_worker=False)
    facts = Facts(industries=("Detail", "Lager"))
    demo_openings = sqlite_database.read(lambda s: s.exec(select(JobOpening)).all())
    wished = {
        opening.industry
        for opening in demo_openings
        if "+40 wished industry" in " ".join(score_opening(opening, facts, None, today)[1])
    }
    assert wished == {"Detailhandel", "Lager og logistik"}
    assert len({o.industry for o in demo_openings}) > 5


# -- wishes as people phrase them --------------------------------------------------------------
# A consultant's judgement of which openings of `life.BOARD` (titles and industry words as
# employers file them) a citizen's wish, typed as the consultant types it, should find. A wish
# finds an opening when it names the opening's industry or its work (the title).
# Decided, and asserted below:
# * "og", "/" and "eller" separate alternatives: "lager og logistik" wants either, so it finds
#   "Transport og logistik" too; words in parentheses only qualify ("chauffør (C-kort)").
# * Endings, plurals and definite forms do not matter ("butikker", "lageret", "hjemmeplejen"),
#   nor the first part of a compound ("rengøring" finds "Erhvervsrengøring"), nor the word for
#   the person ("kassedame" finds "Kassemedarbejder"), nor one typing slip in a long word.
# * A trade is not its leader's job, with a linking s or not: "lager" and "lagerarbejder" do
#   not find the titles "Lagerchef" (only its industry "… og logistik" can) and "Lagerformand",
#   "butik" not "Butikschef", "rengøring" not "Rengøringschef".
# * "Social- og sundhedshjælper" is one word sharing its ending, not the alternatives "social"
#   and "sundhedshjælper": it finds itself, not "Socialrådgiver", and "socialrådgiver" does not
#   find it.
# * Words only: another word for the same trade is not found ("detailhandel" does not find
#   Netto's "Dagligvarehandel", "SOSU" not "Social- og sundhedshjælper", "chauffør" not GLS's
#   "Transport" except through its title "Budchauffør"). A slip and a compound together are
#   not forgiven either ("chaufør" misses "Budchauffør").
WISHES_AS_TYPED: list[tuple[str, set[str]]] = [
    ("detailhandel", {"butik"}),
    ("Detail-/butik", {"butik"}),
    ("butiksarbejde", {"butik"}),
    ("butikker", {"butik"}),
    ("kassedame", {"kasse"}),
    ("Kasse", {"kasse"}),
    ("lager og logistik", {"lager", "lagerchef"}),
    ("Lager/logistik", {"lager", "lagerchef"}),
    ("lagerarbejder", {"lager"}),
    ("lageret", {"lager"}),
    ("LAGER", {"lager"}),
    ("Logstik", {"lager", "lagerchef"}),  # a slip
    ("lagerchef", {"lagerchef"}),
    ("chauffør (C-kort)", {"chauffoer", "bud"}),
    ("chauffør/vognmand", {"chauffoer", "bud"}),
    ("chaufør", {"chauffoer"}),
    ("rengøring", {"rengoering"}),
    ("Rengøringsdame", {"rengoering"}),
    ("rengørring", {"rengoering"}),
    ("køkken/kantine", {"koekken", "kantine"}),
    ("Køkken, kantine", {"koekken", "kantine"}),
    ("kantinen", {"kantine"}),
    ("pædagogmedhjælper", {"paedagog"}),
    ("paedagogmedhjaelper", {"paedagog"}),
    ("pædagokmedhjælper", {"paedagog"}),
    ("SOSU", {"sosu"}),
    ("sosu-hjælper", {"sosu"}),
    ("pleje og omsorg", {"sosu", "hjemmepleje"}),
    ("hjemmeplejen", {"hjemmepleje"}),
    ("kontor", {"kontor"}),
    ("transport", {"bud", "lagerchef"}),
    ("butik", {"butik"}),
    ("lagerformand", {"lagerformand"}),
    ("Social- og sundhedshjælper", {"hjemmepleje"}),
    ("socialrådgiver", {"socialraadgiver"}),
    ("kørekort B", set()),  # a licence, not work: the facts have a field for it
    ("hotel", set()),
    ("IT", set()),
    ("(C-kort)", set()),
]


def wished_on_board(wish: str) -> set[str]:
    from life import BOARD

    from jobbutik.domain.words import industry_matches

    return {
        key
        for key, o in BOARD.items()
        if industry_matches(wish, o.industry) or industry_matches(wish, o.title)
    }


@pytest.mark.parametrize(("wish", "expected"), WISHES_AS_TYPED)
def test_a_wish_as_typed_finds_the_openings_a_consultant_would(
    wish: str, expected: set[str]
) -> None:
    assert wished_on_board(wish) == expected


def test_wishes_as_typed_rank_the_board(database: Database) -> None:
    """Søren, who wants "kassedame" or "lager og logistik", sees the Netto cash desk (found by
    its title) and the warehouse jobs (found by their industries) above the rest, nearest first;
    Anne-Sofie's "køkken/kantine" finds the kitchen and the canteen, not the Lagerchef."""
    from factories import add_life_board
    from life import NAMES

    ids = add_life_board(database, hours=30)
    ctx = make_ctx(database)
    soeren = citizen(ctx, "0101901234", NAMES[0], "2730")
    facts = Facts(industries=("kassedame", "lager og logistik"), hours_wanted=30)
    result = matching.rank_openings(ctx, soeren, facts)
    assert [(m.title, m.score) for m in result[:4]] == [
        ("Kassemedarbejder, deltid", 75),  # +40 work, +20 hours, +15 same postcode
        ("Lagermedarbejder", 65),  # +40 industry, +20 hours, +5 region (2600)
        ("Lagerchef", 65),
        ("Butiksassistent", 35),  # not wished: hours and postcode only
    ]
    assert result[0].reasons == (
        "+40 wished work (Kassemedarbejder, deltid)",
        "+20 hours fit (30 h/week)",
        "+15 same postcode",
    )
    assert result[1].reasons[0] == "+40 wished industry (Lager & logistik)"
    assert result[2].reasons[0] == "+40 wished industry (Transport og logistik)"
    assert {m.opening_id for m in result} == set(ids.values())

    anne = citizen(ctx, "0202851236", NAMES[1], "2605")
    kitchen = matching.rank_openings(ctx, anne, Facts(industries=("køkken/kantine",)))
    assert [(m.title, m.score) for m in kitchen[:2]] == [
        ("Kantinemedarbejder", 55),  # +40 industry, +15 same postcode
        ("Køkkenmedhjælper", 45),  # +40 work, +5 region (2730)
    ]
    assert kitchen[1].reasons[0] == "+40 wished work (Køkkenmedhjælper)"
    assert all("wished" not in " ".join(m.reasons) for m in kitchen[2:])

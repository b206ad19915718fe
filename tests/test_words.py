"""Forgiving word comparison: industries and the licence the requirements mention."""

from __future__ import annotations

import pytest

from jobbutik.domain.words import industry_matches, mentions_driving_licence, same_word


@pytest.mark.parametrize(
    ("wished", "industry"),
    [
        ("detail", "Detailhandel"),
        ("Detail", "Detail"),
        ("DETAILHANDEL", "Detail"),
        ("Lager", "Lager og logistik"),
        ("lager og logis", "Lager og logistik"),
        ("rengøring", "Rengøring"),
        ("rengoering", "Rengøring"),
        ("Rengør", "Rengøring"),
        ("grønne", "Grønne områder"),
        ("omrader gronne", "Grønne områder"),
        ("Hotel/restaurant", "Hotel og restaurant"),
        ("Lager og logistik", "Lager"),  # "og" between alternatives: either is wished
        ("køkken/kantine", "Kantine"),
        ("detail eller butik", "Butik"),
        ("chauffør (C-kort)", "Chauffør"),  # the parentheses only qualify the wish
        ("rengøring", "Erhvervsrengøring"),  # a compound names its kind last
        ("kassedame", "Kassemedarbejder"),  # another word for the person, the same trade
        ("Detailhandle", "Detailhandel"),  # one slip
        ("It", "IT"),
        ("chaufør", "Chauffør"),  # a slip in a word of seven letters
        ("Social- og sundhedshjælper", "Social- og sundhedshjælper, vikar"),
        ("Social- og sundhedshjælper", "Social- og sundhedsassistent"),
        ("social", "Social- og sundhedshjælper"),  # the first part alone
        ("socialhjælper", "Social- og sundhedshjælper"),  # the first part with its ending
        ("hotelbranchen", "Hotel- og restaurantbranchen"),
        ("Detail-/butik", "Detailhandel"),  # a hyphen before "/" shares nothing
        ("lagerformand", "Lagerformand"),
        # Decided: a master of a trade works in it (a leader's ending would be "-chef" etc.).
        ("bager", "Bagermester"),
    ],
)
def test_a_wished_industry_matches(wished: str, industry: str) -> None:
    assert industry_matches(wished, industry)


@pytest.mark.parametrize(
    ("wished", "industry"),
    [
        ("det", "Detailhandel"),  # too short to stand for a word
        ("lag", "Lager og logistik"),
        ("Hotel", "Hospital"),
        ("og", "Omsorg"),
        ("grønne områder", "Grønne arealer"),  # within one alternative every word counts
        ("lager", "Lagerchef"),  # the leader's job is not the trade's
        ("lagerarbejder", "Lagerchef"),
        ("hotel", "Motel"),  # too short to forgive a slip
        ("kørekort B", "Transport"),
        ("(Detail)", "Detail"),  # only a qualifier, nothing wished
        ("", "Detail"),
        (" , ", "Detail"),
        ("Detail", ""),
        ("gartner", "Partner"),  # a slip in the first letter is another word
        ("pakker", "Parker"),  # six letters: too short to forgive a slip
        ("tømrer", "Tømmer"),
        ("lærer", "Læser"),  # five letters as typed, though "laerer" has six folded
        ("butik", "Butikschef"),  # a leader, after a linking s
        ("rengøring", "Rengøringschef"),
        ("butiksassistent", "Butiksleder"),
        ("lager", "Lagerformand"),
        ("lagerarbejder", "Lagerformand"),
        ("Social- og sundhedshjælper", "Socialrådgiver"),  # one word sharing "-hjælper"
        ("Social- og sundhedshjælper", "Sundhedshjælper"),  # every part of it counts
        ("socialrådgiver", "Social- og sundhedshjælper"),
    ],
)
def test_a_wished_industry_does_not_match(wished: str, industry: str) -> None:
    assert not industry_matches(wished, industry)


def test_words_are_the_same_when_one_starts_the_other_with_four_letters() -> None:
    assert same_word("deta", "detailhandel") and same_word("detailhandel", "deta")
    assert not same_word("det", "detailhandel")
    assert same_word("og", "og")


def test_words_are_the_same_across_compounds_persons_and_slips() -> None:
    assert same_word("budchauffor", "chauffor") and same_word("pleje", "aeldrepleje")
    assert same_word("lagerarbejder", "lagermedarbejder")
    assert same_word("sosuhjaelper", "sosuassistent")
    assert same_word("chaufor", "chauffor") and same_word("logstik", "logistik")
    assert same_word("detialhandel", "detailhandel")  # two letters swapped
    assert not same_word("lager", "lagerchef") and not same_word("lagerchefen", "lager")
    assert not same_word("hotel", "motel") and not same_word("kasse", "kantine")
    assert not same_word("gartner", "partner") and not same_word("pakker", "parker")
    assert same_word("gartnre", "gartner")  # a slip after the first letter
    assert not same_word("laerer", "laeser") and not same_word("butik", "butikschef")
    assert not same_word("lagerformand", "lager") and not same_word("lagerformand", "lagerarbejder")
    assert not same_word("detailhandel", "dagligvarehandel")  # the same head is not enough


@pytest.mark.parametrize(
    ("requirements", "mentioned"),
    [
        ("Kørekort kat. B", True),
        ("kørekortet skal være gyldigt", True),
        ("B-KØREKORT", True),
        ("Koerekort", True),
        ("Driving license", True),
        ("driving licence, C", True),
        # Said last, after a long description: the whole text counts, not a search key's worth.
        (
            "Du skal kunne løfte tungt, arbejde i skiftehold og tale dansk. " * 4
            + "Kørekort kat. B er et krav.",
            True,
        ),
        ("Kan løfte 20 kg", False),
        ("Kort", False),
        ("", False),
    ],
)
def test_the_requirements_mention_a_driving_licence(requirements: str, mentioned: bool) -> None:
    assert mentions_driving_licence(requirements) is mentioned

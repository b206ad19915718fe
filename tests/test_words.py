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
        ("It", "IT"),
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
        ("Lager og logistik", "Lager"),  # every word wished must be there
        ("", "Detail"),
        (" , ", "Detail"),
        ("Detail", ""),
    ],
)
def test_a_wished_industry_does_not_match(wished: str, industry: str) -> None:
    assert not industry_matches(wished, industry)


def test_words_are_the_same_when_one_starts_the_other_with_four_letters() -> None:
    assert same_word("deta", "detailhandel") and same_word("detailhandel", "deta")
    assert not same_word("det", "detailhandel")
    assert same_word("og", "og")


@pytest.mark.parametrize(
    ("requirements", "mentioned"),
    [
        ("Kørekort kat. B", True),
        ("kørekortet skal være gyldigt", True),
        ("B-KØREKORT", True),
        ("Koerekort", True),
        ("Driving license", True),
        ("driving licence, C", True),
        ("Kan løfte 20 kg", False),
        ("Kort", False),
        ("", False),
    ],
)
def test_the_requirements_mention_a_driving_licence(requirements: str, mentioned: bool) -> None:
    assert mentions_driving_licence(requirements) is mentioned

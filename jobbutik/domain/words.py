"""Forgiving comparison of typed words: an industry as a consultant types it, and what an
opening's requirements say about a driving licence.

Words are compared folded (`fold_name`: case, accents and the Danish letters do not matter).
Two words are the same when they are equal or one starts the other and the shorter has at least
`MIN_STEM` letters, so word endings do not matter either: "detail" is "Detailhandel",
"rengøring" is "Rengøringsassistent", but "og" is not "omsorg".
"""

from __future__ import annotations

import re

from jobbutik.domain.identity import fold_name

__all__ = ["MIN_STEM", "industry_matches", "mentions_driving_licence", "same_word"]

MIN_STEM = 4

_WORD = re.compile(r"\w+")
# Folded, so "kørekort", "koerekort" and "KØREKORT" (also inside "B-kørekortet") all count.
_LICENCE = re.compile(r"korekort|driving licen[cs]e")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold_name(text))


def same_word(a: str, b: str) -> bool:
    """`a` and `b` (folded) are one word, perhaps with different endings."""
    shorter, longer = sorted((a, b), key=len)
    return shorter == longer or (len(shorter) >= MIN_STEM and longer.startswith(shorter))


def industry_matches(wished: str, industry: str) -> bool:
    """Every word of `wished` is a word of `industry`: "Lager" and "lager og logis" match
    "Lager og logistik"; "Detail" matches "Detailhandel"; "Hotel" does not match "Hospital"."""
    wanted = _words(wished)
    offered = _words(industry)
    return bool(wanted) and all(any(same_word(w, o) for o in offered) for w in wanted)


def mentions_driving_licence(requirements: str) -> bool:
    """The requirements ask for a driving licence ("Kørekort kat. B", "driving licence")."""
    return _LICENCE.search(fold_name(requirements)) is not None

"""Forgiving comparison of typed words: a wish as a consultant types it, against what an
employer wrote (an opening's industry or title), and what an opening's requirements say about a
driving licence.

Words are compared folded (`fold_name`: case, accents and the Danish letters do not matter).
Two words are the same when

* they are equal, or one starts the other and the shorter has at least `MIN_STEM` letters, so
  endings do not matter: "detail" is "Detailhandel", "lageret" is "Lager", but "og" is not
  "omsorg". A leader's title is not its trade, though: "lager" is neither "Lagerchef" nor
  "Lagerformand", and "butik" is not "Butikschef" (a linking s between);
* one ends the other (a Danish compound names its kind last): "rengøring" is
  "Erhvervsrengøring", "chauffør" is "Budchauffør";
* without the ending that names the person doing the work ("-medarbejder", "-dame",
  "-hjælper", …) they are the same: "kassedame" is "Kassemedarbejder", "SOSU-hjælper" is
  "SOSU-assistent";
* they differ by one typing slip (a letter missing, extra, wrong or two swapped) after the
  first letter and both have at least `MIN_TYPO` letters: "chaufør" is "Chauffør",
  "detalhandel" is "Detailhandel", but "gartner" is not "Partner".

A wish may name alternatives: "køkken/kantine", "lager og logistik", "detail eller butik" want
either; words in parentheses only qualify it ("chauffør (C-kort)"). A first part with a hyphen
shares the ending of the word after "og": "Social- og sundhedshjælper" is one wish, not
"social" or "sundhedshjælper", and as a title "social" and "socialhjælper" find it,
"socialrådgiver" does not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from jobbutik.domain.identity import fold_name

__all__ = [
    "MIN_STEM",
    "MIN_TYPO",
    "industry_matches",
    "mentions_driving_licence",
    "same_word",
]

MIN_STEM = 4
# Shorter words are too close to others to forgive a slip ("hotel" and "motel", "pakker" and
# "Parker", "tømrer" and "tømmer"); counted in letters as typed, so folding "æ" to "ae" does not
# lengthen "lærer" into a neighbour of "Læser".
MIN_TYPO = 7

# Hyphenated words are one compound ("SOSU-hjælper"). A trailing hyphen before "og"/"eller"
# makes a first part sharing the next word's ending ("Social- og sundhedshjælper"); before
# anything else ("Detail-/butik") the hyphen is dropped.
_TOKEN = re.compile(r"(\w+(?:-\w+)*)(-?)|[/&+;,]")
_QUALIFIER = re.compile(r"\([^)]*\)?")
# Folded: "og", "eller" and the signs of `_TOKEN` separate the alternatives of one wish.
_CONNECTORS = frozenset(("og", "eller"))
# Endings naming the person, not the trade (folded, longest first so "medhjaelper" wins).
_PERSON_ENDINGS = (
    "medarbejder",
    "medhjaelper",
    "assistent",
    "arbejder",
    "hjaelper",
    "arbejde",
    "dame",
    "mand",
)
# What follows a trade (perhaps after a linking s) to name the one leading it: another job than
# the trade's own. Not "mester": a "Bagermester" bakes, and a wish "bager" may find the opening;
# the consultant sees the title and the requirements.
_LEADER_ENDINGS = ("chef", "leder", "direktor", "ansvarlig", "formand")
# Folded, so "kørekort", "koerekort" and "KØREKORT" (also inside "B-kørekortet") all count.
_LICENCE = re.compile(r"korekort|driving licen[cs]e")
# Matching runs over every open opening, and the wishes, industries, titles and words that differ
# are few; bounded so a day's session cannot grow the caches without end.
_CACHE_SIZE = 4096


class _Word(NamedTuple):
    """A folded word; a first part ("social" of "Social- og sundhedshjælper") carries the word
    whose ending it shares (`shares`), else `shares` is empty."""

    text: str
    shares: str = ""


def _parse(text: str) -> list[list[_Word]]:
    """The alternatives of folded `text`, each its words."""
    # A sign is None; a word is (the word without hyphens, whether a hyphen ends it).
    tokens = [(m[1].replace("-", ""), bool(m[2])) if m[1] else None for m in _TOKEN.finditer(text)]
    alternatives: list[list[_Word]] = [[]]
    joins = False  # the word before was a first part: the "og" after it joins, not separates
    for i, token in enumerate(tokens):
        if token is None or token[0] in _CONNECTORS:
            if not joins:
                alternatives.append([])
            joins = False
            continue
        word, hyphen = token
        connector, shared = [*tokens, None, None][i + 1 : i + 3]
        joins = (
            hyphen
            and connector is not None
            and connector[0] in _CONNECTORS
            and shared is not None
            and shared[0] not in _CONNECTORS
        )
        alternatives[-1].append(_Word(word, shared[0] if joins and shared else ""))
    return [words for words in alternatives if words]


def _letters(word: str) -> int:
    """How many letters `word` had as typed: folding made "æ" two."""
    return len(word) - word.count("ae")


@lru_cache(maxsize=_CACHE_SIZE)
def _trade(word: str) -> str:
    """`word` without an ending naming the person (and the linking s before it):
    "butiksassistent" → "butik"; the word itself when too little would be left or the ending
    is a leader's ("lagerformand")."""
    if word.endswith(_LEADER_ENDINGS):
        return word
    for ending in _PERSON_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if stem.endswith("s") and len(stem) > MIN_STEM:
                stem = stem[:-1]
            if len(stem) >= MIN_STEM:
                return stem
    return word


def _one_slip(a: str, b: str) -> bool:
    """`a` and `b` differ by one letter missing, extra or wrong, or two letters swapped, and
    not in the first letter: people rarely mistype it, and "gartner" is not "Partner"."""
    if abs(len(a) - len(b)) > 1 or min(_letters(a), _letters(b)) < MIN_TYPO:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (
        i > 0
        and (
            a[i + 1 :] == b[i + 1 :]  # wrong letter
            or a[i + 1 :] == b[i:]  # extra letter in a
            or a[i:] == b[i + 1 :]  # missing letter in a
            or (a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])  # swapped
        )
    )


def _leads(rest: str) -> bool:
    """`rest`, following a trade, names its leader: "chef", "schef", "sleder", "formand"."""
    return rest.startswith(_LEADER_ENDINGS) or rest.removeprefix("s").startswith(_LEADER_ENDINGS)


def _same_form(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    if shorter == longer:
        return True
    if len(shorter) < MIN_STEM:
        return False
    if longer.startswith(shorter):
        return not _leads(longer[len(shorter) :])
    return longer.endswith(shorter) or _one_slip(a, b)


@lru_cache(maxsize=4 * _CACHE_SIZE)
def same_word(a: str, b: str) -> bool:
    """`a` and `b` (folded) are one word, perhaps with different endings, another first part
    of a compound, another word for the person doing the work, or a typing slip."""
    return _same_form(a, b) or _same_form(_trade(a), _trade(b))


def _completes(part: _Word, word: str) -> bool:
    """`word` is the first part `part` alone ("social") or with the ending it shares
    ("socialhjaelper" for "Social- og sundhedshjælper"), not another compound ("socialradgiver")."""
    rest = word[len(part.text) :]
    return word.startswith(part.text) and (not rest or part.shares.endswith(rest))


def _same(wanted: _Word, offered: _Word) -> bool:
    if wanted.shares and offered.shares:
        return wanted.text == offered.text
    if offered.shares:
        return _completes(offered, wanted.text)
    if wanted.shares:
        return _completes(wanted, offered.text)
    return same_word(wanted.text, offered.text)


@lru_cache(maxsize=_CACHE_SIZE)
def _wish(wished: str) -> tuple[tuple[_Word, ...], ...]:
    """The alternatives of a wish; words in parentheses only qualify it."""
    return tuple(map(tuple, _parse(_QUALIFIER.sub(" ", fold_name(wished)))))


@lru_cache(maxsize=_CACHE_SIZE)
def _offered(industry: str) -> tuple[_Word, ...]:
    """Every word of an industry or a title, alternatives or not."""
    return tuple(word for words in _parse(fold_name(industry)) for word in words)


def industry_matches(wished: str, industry: str) -> bool:
    """Every word of one alternative of `wished` is a word of `industry` (or of an opening's
    title): "Lager" and "lager og logis" match "Lager og logistik"; "Detail" matches
    "Detailhandel"; "køkken/kantine" matches "Kantine"; "Hotel" does not match "Hospital";
    "Social- og sundhedshjælper" matches itself, not "Socialrådgiver"."""
    offered = _offered(industry)
    return any(all(any(_same(w, o) for o in offered) for w in words) for words in _wish(wished))


def mentions_driving_licence(requirements: str) -> bool:
    """The requirements ask for a driving licence ("Kørekort kat. B", "driving licence")."""
    return _LICENCE.search(fold_name(requirements)) is not None

"""Name search by words: every typed word must start some word of the folded name, in any order
("møller hannah" and "han møl" both find Hannah Møller)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, literal

from jobbutik.domain.identity import name_key


def search_words(term: str) -> list[str]:
    """The folded words of `term`, longest first: the longest narrows most, so it is the one a
    search looks up in an index; the others filter what that finds. Folded as the stored keys are
    (cut to their length), so a whole long name typed still finds itself."""
    return sorted(name_key(term).split(), key=len, reverse=True)


def starts_words(column: Any, words: list[str]) -> list[Any]:
    """One condition per word: it starts some word of `column` (`' ' || column LIKE '% w%'`,
    with LIKE's wildcards in `w` escaped and `w` a bound parameter)."""
    spaced = literal(" ", String) + column
    return [spaced.contains(" " + word, autoescape=True) for word in words]

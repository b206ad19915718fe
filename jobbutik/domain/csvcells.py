"""Spreadsheet-safe CSV cells: a text cell that a spreadsheet would read as a formula is written
with a leading apostrophe, and read back without it (OWASP's CSV-injection rule).

Danish Excel evaluates a cell beginning with `=`, `+`, `-` or `@` (and one beginning with a tab or
carriage return once trimmed), so a name such as `=HYPERLINK(…)` in a file full of CPR numbers
would run. The apostrophe makes the spreadsheet show the text as typed. The pair is a bijection:
a value that already begins with apostrophes before such a character gets one more, so every
value the program writes reads back as it was.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "neutralise", "restore"]

FORMULA_STARTS = frozenset("=+-@\t\r")


def _looks_like_formula(text: str) -> bool:
    return text.lstrip("'")[:1] in FORMULA_STARTS


def neutralise(value: str) -> str:
    """The cell to write for the text `value`."""
    return "'" + value if _looks_like_formula(value) else value


def restore(cell: str) -> str:
    """The text a cell written by `neutralise` stood for."""
    return cell[1:] if cell.startswith("'") and _looks_like_formula(cell) else cell

"""Typed and stored text is plain text: what may be typed, and how a stored value is shown safely.

Control characters (C0, DEL, C1, the line and paragraph separators) and the invisible direction
marks, embeddings, overrides and isolates are refused at input: an escape sequence would reach the
terminal, and a direction override makes a name read differently from what is stored. Every form
field is one line, so newline and tab are refused too. Long text, accents and combining marks,
emoji and markup-like text such as ``[b]`` are data and allowed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from jobbutik.domain.errors import FormErrors
from jobbutik.domain.i18n import _

__all__ = ["require_plain_text", "text_errors", "text_problem", "visible"]

_LATER_CONTROL = "\x7f-\x9f\u2028\u2029"  # DEL, C1, the line and paragraph separators
_CONTROL = "\x00-\x1f" + _LATER_CONTROL
_DIRECTION = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_REFUSED = re.compile(f"[{_CONTROL}{_DIRECTION}]")
_IS_CONTROL = re.compile(f"[{_CONTROL}]")
_MARKED = re.compile(f"[\x00-\x09\x0b-\x1f{_LATER_CONTROL}{_DIRECTION}]")  # all but newline


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def text_problem(value: str) -> str | None:
    """The sentence saying which character to remove, or None when the text is plain."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    char = found.group()
    if _IS_CONTROL.match(char):
        return _("Remove the control character ({code}) from the text.").format(code=_code(char))
    return _("Remove the text direction character ({code}) from the text.").format(code=_code(char))


def _problems(name: str, value: object) -> dict[str, str]:
    if isinstance(value, str):
        problem = text_problem(value)
        return {name: problem} if problem else {}
    if isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            if isinstance(item, str) and (problem := text_problem(item)):
                return {name: problem}
        return {}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return text_errors(value)
    return {}


def text_errors(form: object) -> dict[str, str]:
    """Field name → message for every text field that is not plain text.

    `form` is a dataclass instance (a nested one, like `NewCitizen` inside `ArrivalForm`,
    reports under its own field names, as the form shows them) or a mapping of field name to
    value; tuples of text report under the tuple's field name."""
    if isinstance(form, Mapping):
        items = list(form.items())
    else:
        assert dataclasses.is_dataclass(form) and not isinstance(form, type)
        items = [(f.name, getattr(form, f.name)) for f in dataclasses.fields(form)]
    errors: dict[str, str] = {}
    for name, value in items:
        errors.update(_problems(str(name), value))
    return errors


def require_plain_text(form: object) -> None:
    """Raise FormErrors naming every field of `form` (see `text_errors`) that is not plain text."""
    if errors := text_errors(form):
        raise FormErrors(errors)


def _mark(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␀ for NUL …
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(value: str) -> str:
    """`value` with each refused character but newline replaced by a visible mark: a value
    stored before the input check (an old import) never sends an escape sequence or an override
    to the screen; a multi-line text (a report) keeps its lines."""
    return _MARKED.sub(_mark, value)

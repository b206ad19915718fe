"""gettext catalogs: English message ids, Danish by default.

Each area of the program keeps its own `.po` file under `locale/<lang>/LC_MESSAGES/`; they are
merged when a language is chosen. The `.po` text is read directly (a few hundred entries parse in
about a millisecond), so there is no compiled `.mo` to keep in step.
"""

from __future__ import annotations

import ast
import functools
import gettext
import json
from pathlib import Path

LOCALE_DIR = Path(__file__).parent.parent / "locale"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


class _Catalog(gettext.NullTranslations):
    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message


_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _unquote(quoted: str) -> str:
    """A .po string literal's text. JSON reads the usual escapes (\\" \\\\ \\n \\t) in C,
    far faster than Python's parser, which stays for anything JSON does not know."""
    try:
        text = json.loads(quoted)
    except ValueError:
        text = ast.literal_eval(quoted)
    return str(text)


def parse_po(text: str) -> dict[str, str]:
    """The msgid → msgstr pairs of a .po file (no plural forms; fuzzy entries skipped)."""
    messages: dict[str, str] = {}
    field: str | None = None
    parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}
    fuzzy = False

    def flush() -> None:
        msgid = "".join(parts["msgid"])
        msgstr = "".join(parts["msgstr"])
        if msgid and msgstr and not fuzzy:
            messages[msgid] = msgstr
        parts["msgid"].clear()
        parts["msgstr"].clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            flush()
            field = "msgid"
            parts[field].append(_unquote(line[6:]))
        elif line.startswith("msgstr "):
            field = "msgstr"
            parts[field].append(_unquote(line[7:]))
        elif line.startswith('"') and field:
            parts[field].append(_unquote(line))
        elif not line:
            flush()
            field = None
            fuzzy = False
    flush()
    return messages


@functools.cache  # the language is set early (for --help) and again once the options are read
def load_catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for po in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        messages.update(parse_po(po.read_text(encoding="utf-8")))
    return messages


def set_language(language: str) -> None:
    """Switch every later `_()` call to `language` ('da' or 'en')."""
    global _current, _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _language = language
    _current = _Catalog(load_catalog(language)) if language != "en" else gettext.NullTranslations()


def language() -> str:
    return _language


def _(message: str) -> str:
    return _current.gettext(message)

"""gettext catalogs: English message ids, Danish by default.

The standard library's `gettext` reads compiled catalogs: `locale/<lang>/LC_MESSAGES/jobbutik.mo`,
compiled from the `.po` beside it and checked in (tests/test_i18n.py fails when a `.mo` is not what
its `.po` compiles to, when a message in the code has no translation, or when a catalog entry is
stale). `make messages` extracts the messages with Babel, updates the catalogs and compiles them.
Click's own texts (help, usage errors) have their own domain, `click`.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "jobbutik"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


@functools.cache  # the language is set early (for --help) and again once the options are read
def translations(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalog of `domain` in `language`; English is the message ids themselves."""
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, LOCALE_DIR, languages=[language])


def load_catalog(language: str, domain: str = DOMAIN) -> dict[str, str]:
    """msgid → translation of every singular message in the catalog (for checks and tests)."""
    catalog = getattr(translations(language, domain), "_catalog", {})
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k}


_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(language: str) -> None:
    """Switch every later `_()` and `ngettext()` call to `language` ('da' or 'en')."""
    global _current, _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _language = language
    _current = translations(language)


def language() -> str:
    return _language


def _(message: str) -> str:
    # gettext("") is the catalog's header, never a text to show
    return _current.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for `n` things, by the language's plural rule."""
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message id for the catalog where it is defined; `_()` translates it when shown."""
    return message

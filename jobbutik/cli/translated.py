"""The command line in the chosen language: our help texts and Click's own texts.

Help texts are English message ids (`N_()`, so Babel extracts them) kept as written and translated
each time Click reads them, so one process can show help in either language. Click translates its
own texts (Usage:, Options:, usage errors) through the `gettext` module's functions, imported into
each of its modules, which take their catalog from the environment; `speak()` points those names
at our `click` catalog instead, so Click speaks the language chosen here.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import click

from jobbutik.domain.i18n import N_, _, language, set_language, translations

# Click's modules that translate a text (`from gettext import gettext as _`, and `ngettext`).
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")


def speak(lang: str) -> None:
    """Switch the program, and Click's own texts with it, to `lang` ('da' or 'en')."""
    set_language(lang)
    catalog = translations(lang, "click")
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        module._ = catalog.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = catalog.ngettext  # type: ignore[attr-defined]


def click_text(message: str) -> str:
    """One of Click's own texts in the current language."""
    return translations(language(), "click").gettext(message)


# The placeholders Click writes in a usage line (its defaults, untranslated by Click), marked here
# for the catalog; the classes below translate them when the usage line is made.
_USAGE_PLACEHOLDERS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("[COMMAND] [ARGS]..."))


def _translated(msgid: str | None) -> str | None:
    return _(msgid) if msgid else msgid


class _TranslatedHelp:
    """`help` holds an English msgid; reading it gives the current language's text."""

    _help_msgid: str | None = None

    @property
    def help(self) -> str | None:
        return _translated(self._help_msgid)

    @help.setter
    def help(self, value: str | None) -> None:
        self._help_msgid = value


class _TranslatedCommand(_TranslatedHelp):
    _options_metavar_msgid: str | None = None

    @property
    def options_metavar(self) -> str | None:
        return _translated(self._options_metavar_msgid)

    @options_metavar.setter
    def options_metavar(self, value: str | None) -> None:
        self._options_metavar_msgid = value

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option: click.Option | None = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:  # Click keeps it once made: give it today's language
            option.help = click_text("Show this message and exit.")
        return option


class _TranslatedMetavar:
    """`metavar` (the placeholder for a value: FILE, INITIALS) is a msgid too."""

    _metavar_msgid: str | None = None

    @property
    def metavar(self) -> str | None:
        return _translated(self._metavar_msgid)

    @metavar.setter
    def metavar(self, value: str | None) -> None:
        self._metavar_msgid = value


class Command(_TranslatedCommand, click.Command):
    pass


class Group(_TranslatedCommand, click.Group):
    command_class = Command
    _subcommand_metavar_msgid = ""

    @property
    def subcommand_metavar(self) -> str:
        return _(self._subcommand_metavar_msgid)

    @subcommand_metavar.setter
    def subcommand_metavar(self, value: str) -> None:
        self._subcommand_metavar_msgid = value


# Subgroups translate too, and do not inherit the extras of a subclass (the main group's).
Group.group_class = Group


class Option(_TranslatedMetavar, _TranslatedHelp, click.Option):
    pass


class Argument(_TranslatedMetavar, click.Argument):
    pass


command = functools.partial(click.command, cls=Command)
group = functools.partial(click.group, cls=Group)


def option(*param_decls: str, **attrs: Any) -> Any:
    """`click.option` whose help and metavar are msgids shown in the current language."""
    return click.option(*param_decls, cls=Option, **attrs)


def argument(*param_decls: str, metavar: str, **attrs: Any) -> Any:
    """`click.argument` whose placeholder (a msgid, such as N_("FILE")) is translated."""
    return click.argument(*param_decls, cls=Argument, metavar=metavar, **attrs)

"""Checks of a name and contact details (phone, e-mail, postcode): the error sentence, or None.

One copy for the services, which check a form again on save, and for the form fields, which run
them on every keystroke. Kept to `re` and `i18n` so a form can use them before the database layer
is imported.
"""

from __future__ import annotations

import re

from jobbutik.domain.i18n import _

__all__ = ["check_email", "check_name", "check_phone", "check_postcode"]

_MAX_NAME = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ]{8,15}$")


def check_name(value: str) -> str | None:
    """Required, at most 200 characters (surrounding spaces not counted)."""
    v = value.strip()
    if not v:
        return _("Name is required.")
    if len(v) > _MAX_NAME:
        return _("Name is too long (at most 200 characters).")
    return None


def check_phone(value: str) -> str | None:
    v = value.strip()
    if v and not (v.isascii() and _PHONE.match(v)):
        return _("Phone must be 8 digits, optionally with +country code.")
    return None


def check_email(value: str) -> str | None:
    v = value.strip()
    if v and not _EMAIL.match(v):
        return _("E-mail must look like name@example.dk.")
    return None


def check_postcode(value: str) -> str | None:
    v = value.strip()
    if v and not (len(v) == 4 and v.isascii() and v.isdigit()):
        return _("Postcode must be 4 digits.")
    return None

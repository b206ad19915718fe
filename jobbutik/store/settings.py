"""The `Setting` table, read one way: the jobcentre's local choices (the municipality's name,
visitation capacity, retention periods) and the audit log's anchor, each under its key.

A missing or blank setting means the default. A value that is there but cannot be used is refused
with a sentence naming the setting, never guessed: a typo in a retention period must not delete
anything early.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from sqlmodel import Session

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _
from jobbutik.store.models import Setting

__all__ = [
    "DEMO_KEY",
    "is_demo",
    "mark_demo",
    "put_setting",
    "setting",
    "setting_choice",
    "setting_int",
    "setting_time",
]


def setting(session: Session, key: str) -> str | None:
    """The setting's value without surrounding spaces; None when it is missing or blank."""
    row = session.get(Setting, key)
    value = row.value.strip() if row is not None else ""
    return value or None


def setting_int(session: Session, key: str, default: int, *, minimum: int = 0) -> int:
    text = setting(session, key)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise ValidationError(
            _(
                "The setting {key} must be a whole number ({minimum} or more), not {value!r}."
            ).format(key=key, minimum=minimum, value=text)
        )
    return int(text)


def setting_time(session: Session, key: str, default: time) -> time:
    text = setting(session, key)
    if text is None:
        return default
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("The setting {key} must be a time of day such as 14:00, not {value!r}.").format(
                key=key, value=text
            )
        ) from None


def setting_choice(session: Session, key: str, choices: Sequence[str]) -> str:
    """One of `choices` (any letter case); the first when the setting is missing."""
    text = setting(session, key)
    if text is None:
        return choices[0]
    if text.lower() not in choices:
        raise ValidationError(
            _("The setting {key} must be one of {choices}, not {value!r}.").format(
                key=key, choices=", ".join(choices), value=text
            )
        )
    return text.lower()


def put_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key) or Setting(key=key)
    row.value = value
    session.add(row)


# The demo marks its database; only there may --user and --today choose another identity or day.
DEMO_KEY = "demo_database"


def is_demo(session: Session) -> bool:
    return setting(session, DEMO_KEY) == "1"


def mark_demo(session: Session) -> None:
    put_setting(session, DEMO_KEY, "1")

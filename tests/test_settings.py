"""The one reader of the `Setting` table: defaults when missing, refusals when unusable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from sqlmodel import Session

from jobbutik.domain.errors import ValidationError
from jobbutik.store.db import Database
from jobbutik.store.settings import (
    put_setting,
    setting,
    setting_choice,
    setting_int,
    setting_time,
)


def stored(db: Database, **values: str) -> Database:
    def work(session: Session) -> None:
        for key, value in values.items():
            put_setting(session, key, value)

    db.write(work)
    return db


def test_missing_or_blank_settings_mean_the_default(sqlite_database: Database) -> None:
    db = stored(sqlite_database, blank="   ")

    def read(session: Session) -> tuple[object, ...]:
        return (
            setting(session, "blank"),
            setting(session, "missing"),
            setting_int(session, "blank", 5, minimum=1),
            setting_time(session, "missing", time(14, 30)),
            setting_choice(session, "missing", ("anonymise", "delete")),
        )

    assert db.read(read) == (None, None, 5, time(14, 30), "anonymise")


def test_usable_values_are_read(sqlite_database: Database) -> None:
    db = stored(
        sqlite_database,
        municipality=" Herlev Kommune ",
        years="7",
        slot="13:15",
        mode="Delete",
    )

    def read(session: Session) -> tuple[object, ...]:
        return (
            setting(session, "municipality"),
            setting_int(session, "years", 5, minimum=1),
            setting_time(session, "slot", time(14, 30)),
            setting_choice(session, "mode", ("anonymise", "delete")),
        )

    assert db.read(read) == ("Herlev Kommune", 7, time(13, 15), "delete")


def test_a_value_written_again_replaces_the_old_one(sqlite_database: Database) -> None:
    db = stored(stored(sqlite_database, audit_anchor="1:abc"), audit_anchor="2:def")
    assert db.read(lambda session: setting(session, "audit_anchor")) == "2:def"


@pytest.mark.parametrize(
    ("value", "read", "message"),
    [
        ("five", lambda s: setting_int(s, "key", 5, minimum=1), "a whole number (1 or more)"),
        ("0", lambda s: setting_int(s, "key", 5, minimum=1), "a whole number (1 or more)"),
        ("-3", lambda s: setting_int(s, "key", 5), "a whole number (0 or more)"),
        (
            "half past two",
            lambda s: setting_time(s, "key", time(14)),
            "a time of day such as 14:00",
        ),
        (
            "shred",
            lambda s: setting_choice(s, "key", ("anonymise", "delete")),
            "one of anonymise, delete",
        ),
    ],
)
def test_an_unusable_value_is_refused_never_guessed(
    sqlite_database: Database, value: str, read: Callable[[Session], object], message: str
) -> None:
    db = stored(sqlite_database, key=value)
    with pytest.raises(ValidationError) as refused:
        db.read(read)
    assert f"The setting key must be {message}, not {value!r}." == str(refused.value)

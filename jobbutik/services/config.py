"""Global settings: each option comes from its flag, else its environment variable, else a default.

| option     | environment variable | default                                      |
|------------|----------------------|----------------------------------------------|
| `--db`     | `JOBBUTIK_DB`        | `jobbutik.sqlite` in the user data directory |
| `--user`   | `JOBBUTIK_USER`      | the real OS account (demo databases only)    |
| `--today`  | `JOBBUTIK_TODAY`     | the real date (demo databases only)          |
| `--lang`   | `JOBBUTIK_LANG`      | `da`                                         |
| `--rules`  | `JOBBUTIK_RULES`     | none (the bundled rules only)                |

Who is working comes from the channel (services.identity): the real OS account, an SSH key's
forced command, or the PostgreSQL login. `--user` and `--today` are honoured only on a database the
demo marked; anywhere else `build_context` refuses them, so no option or environment variable a
desk user can set chooses another identity or date.

No Textual and no SQLAlchemy at import time: the TUI and the scripted commands both start here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from jobbutik.domain.clock import Clock
from jobbutik.domain.dates import parse_day
from jobbutik.domain.errors import DatabaseMissing, JobbutikError, ValidationError
from jobbutik.domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, _
from jobbutik.services.identity import How, current_channel, os_account

if TYPE_CHECKING:
    from jobbutik.domain.rules import RuleBook
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.staff import Lookup
    from jobbutik.store.db import Database

ENV_DB = "JOBBUTIK_DB"
ENV_USER = "JOBBUTIK_USER"
ENV_TODAY = "JOBBUTIK_TODAY"
ENV_LANG = "JOBBUTIK_LANG"
ENV_RULES = "JOBBUTIK_RULES"

# "ssh": the initials an SSH key's forced command gave (`jobbutik desk --staff`).
Source = Literal["flag", "env", "default", "ssh"]


class SettingsError(JobbutikError):
    """A global option (flag or environment variable) has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """The resolved global options. `*_source` says where a value came from."""

    db: str  # a file path or a SQLAlchemy URL
    user: str
    today: date | None = None  # None: the real date
    lang: str = DEFAULT_LANGUAGE
    rules: Path | None = None
    db_source: Source = "default"
    user_source: Source = "default"
    today_source: Source = "default"
    create: bool = False  # --create: start a new database where none exists

    def with_defaults(self, *, db: str | None = None, user: str | None = None) -> Settings:
        """A copy where `db` / `user` replace the values that were only defaults (a demo
        database and its `demo` user replace the defaults, never an explicit choice)."""
        changed = self
        if db is not None and self.db_source == "default":
            changed = replace(changed, db=db)
        if user is not None and self.user_source == "default":
            changed = replace(changed, user=user)
        return changed


def _pick(flag: str | None, environ: Mapping[str, str], name: str) -> tuple[str | None, Source]:
    if flag is not None and flag != "":
        return flag, "flag"
    value = environ.get(name, "")
    if value.strip():
        return value.strip(), "env"
    return None, "default"


def resolve_settings(
    *,
    db: str | None = None,
    user: str | None = None,
    today: str | date | None = None,
    lang: str | None = None,
    rules: str | Path | None = None,
    create: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from flag values (None: not given), the environment, then the defaults."""
    env = os.environ if environ is None else environ

    db_value, db_source = _pick(db, env, ENV_DB)
    if db_value is None:
        from jobbutik.store.db import default_db_path

        db_value = str(default_db_path())

    user_value, user_source = _pick(user, env, ENV_USER)
    if user_value is None:
        user_value = os_account()

    today_source: Source = "default"
    if isinstance(today, date):
        today_value: date | None = today
        today_source = "flag"
    else:
        today_text, today_source = _pick(today, env, ENV_TODAY)
        today_value = None
        if today_text is not None:
            try:
                today_value = parse_day(today_text)
            except ValidationError as exc:
                where = "--today" if today_source == "flag" else ENV_TODAY
                raise SettingsError(f"{where}: {exc}") from None

    lang_value, lang_source = _pick(lang, env, ENV_LANG)
    lang_value = (lang_value or DEFAULT_LANGUAGE).lower()
    if lang_value not in LANGUAGES:
        where = "--lang" if lang_source == "flag" else ENV_LANG
        raise SettingsError(
            _("{where}: unknown language {value!r}; choose one of {choices}.").format(
                where=where, value=lang_value, choices=", ".join(LANGUAGES)
            )
        )

    rules_value, _rules_source = _pick(None if rules is None else str(rules), env, ENV_RULES)
    return Settings(
        db=db_value,
        user=user_value,
        today=today_value,
        lang=lang_value,
        rules=Path(rules_value).expanduser() if rules_value else None,
        db_source=db_source,
        user_source=user_source,
        today_source=today_source,
        create=create,
    )


Notify = Callable[[str], None]


def open_database(
    settings: Settings,
    *,
    upgrade: bool = True,
    notify: Notify | None = None,
    statistics: bool = True,
) -> Database:
    """Open the database and bring its schema up to date (after a backup of an older file).

    `notify` gets one sentence when a backup was taken, saying where it went. `statistics`:
    refresh SQLite's planner statistics now (the TUI does it once its first screen is shown,
    `upkeep`).
    """
    from jobbutik.store import schema
    from jobbutik.store.db import Database

    db = Database(settings.db, create=settings.create)
    current = schema.current_revision(db)
    if not settings.create and current is None and not schema.has_tables(db):
        # An empty file or server database: a mistyped --db, not a new start. (One that holds
        # someone else's tables is refused by the upgrade, which says so.)
        db.dispose()
        raise DatabaseMissing(db.path or db.display_url)
    if upgrade:
        if current != schema.head_revision():  # at head: no lock taken, no Alembic loaded
            upgrade_schema(db, notify=notify)
        if statistics:
            schema.refresh_statistics(db)
    return db


def upgrade_schema(db: Database, *, notify: Notify | None = None) -> Path | None:
    """Run the schema upgrade; tell `notify` where the backup of the older database went."""
    from jobbutik.store import schema

    backup = schema.upgrade(db)
    if backup is not None and notify is not None:
        notify(
            _("The database was upgraded; a backup of the old one is in {path}.").format(
                path=backup
            )
        )
    return Path(backup) if backup is not None else None


def build_context(
    settings: Settings,
    db: Database | None = None,
    *,
    notify: Notify | None = None,
    anchor: bool = True,
) -> ServiceContext:
    """The ServiceContext for `settings`: database (upgraded), user, clock and rule book.

    The user is the channel's (see the module's note) and is checked at once, so an unknown user
    is refused before any work starts. `anchor`: anchor the audit log now if due (the TUI does it
    once its first screen is shown, `upkeep`).
    """
    from jobbutik.domain.rules import load_rulebook

    rules = load_rulebook(settings.rules)
    if db is None:
        db = open_database(settings, notify=notify)
    how, user = _identity(settings, db)
    if not user:
        raise SettingsError(_("This OS account has no name: jobbutik cannot tell who you are."))
    db.channel = current_channel(how)
    # A demo's --today alone leaves the user the OS account, found by its login like anywhere.
    chose_user = how == "demo" and settings.user_source in ("flag", "env")
    ctx = context_for(
        db,
        user,
        Clock(settings.today),
        rules,
        by="initials" if how == "ssh" or chose_user else "os_login",
    )
    if anchor:
        _anchor_if_due(ctx)
    return ctx


def upkeep(ctx: ServiceContext) -> None:
    """What opening a database does besides what the first screen needs (`open_database` with
    `statistics=False`, `build_context` with `anchor=False`): SQLite's planner statistics and
    the audit log's anchor."""
    from jobbutik.store.schema import refresh_statistics

    refresh_statistics(ctx.db)
    _anchor_if_due(ctx)


def _anchor_if_due(ctx: ServiceContext) -> None:
    """Anchor the audit log's head outside the database at least daily, as the program opens;
    an anchor file that cannot be written never stops a desk (`audit verify` says so)."""
    from jobbutik.services import audit

    if ctx.db.channel.how == "postgres":  # a PostgreSQL desk's anchors are the owner's cron job
        return
    with contextlib.suppress(OSError, JobbutikError):
        audit.anchor_if_due(ctx.db)


def _identity(settings: Settings, db: Database) -> tuple[How, str]:
    """Who is working and how the channel said so; refuses --user/--today outside a demo."""
    from jobbutik.services.pgroles import desk_login
    from jobbutik.store.settings import is_demo

    chosen = [
        name
        for name, source in (("--user", settings.user_source), ("--today", settings.today_source))
        if source in ("flag", "env")
    ]
    if chosen and not db.read(is_demo):
        raise SettingsError(
            _(
                "{options} works only on a demo database; here you work as your own login "
                "({account}) on the real date."
            ).format(options=" / ".join(chosen), account=os_account() or "?")
        )
    if settings.user_source == "ssh":
        from jobbutik.services.sshkeys import require_forced_command

        require_forced_command(db, settings.user)
        return "ssh", settings.user
    if db.backend == "postgresql" and (login := desk_login(db)) is not None:
        # Each member of staff is a login role: the server already knows who this is.
        return "postgres", login
    return ("demo" if chosen else "os"), settings.user


def context_for(
    db: Database,
    user: str,
    clock: Clock | None = None,
    rules: RuleBook | None = None,
    *,
    by: Lookup = "initials",
) -> ServiceContext:
    """A ServiceContext for `user` on an open database (the bundled rules unless `rules`).

    The Python API for tests and the commands: the caller vouches for `user`. Looks the staff
    member up now; PermissionDenied when `user` is not active staff."""
    from jobbutik.domain.rules import load_rulebook
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.staff import resolve_staff

    return ServiceContext(
        db=db,
        staff=resolve_staff(db, user, by=by),
        clock=clock or Clock(),
        rulebook=rules or load_rulebook(),
    )

"""The command line. `jobbutik` alone opens the program; subcommands are for scripts and set-up.

Every failure is one line on stderr and a non-zero exit code, never a traceback: 1 when the work
was refused or failed, 2 for a usage error. Heavy modules (SQLAlchemy, Textual, Faker) are imported
inside the commands, so `jobbutik --help` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from jobbutik import __version__
from jobbutik.cli.translated import Group, Option, argument, option, speak
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import N_, _, ngettext
from jobbutik.services.config import (
    ENV_LANG,
    Settings,
    SettingsError,
    resolve_settings,
)

if TYPE_CHECKING:
    from jobbutik.store.db import Database

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEBUG_ENV = "JOBBUTIK_DEBUG"
PROBLEMS_SHOWN = 20


def _say(message: str) -> None:
    click.echo(f"jobbutik: {message}", err=True)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# Commands kept in their own modules, imported only when one of them runs (or --help lists
# them): opening the program at the desk does not pay for them.
LAZY_COMMANDS = {
    "report": "jobbutik.cli.report:report",
    "audit": "jobbutik.cli.admin:audit_group",
    "desk": "jobbutik.cli.desk:desk_command",
    "backup": "jobbutik.cli.admin:backup_command",
    "restore": "jobbutik.cli.admin:restore_command",
    "retention": "jobbutik.cli.admin:retention_command",
    "rules": "jobbutik.cli.rules:rules_group",
    "staff": "jobbutik.cli.admin:staff_group",
}


class JobbutikGroup(Group):
    """A click group whose errors are one line each, whatever goes wrong."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, name = LAZY_COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _early_language(sys.argv[1:] if args is None else list(args))
        try:
            result = super().main(
                args, prog_name or "jobbutik", complete_var, standalone_mode=False, **extra
            )
            code = result if isinstance(result, int) else 0
        except click.UsageError as exc:
            hint = f"{exc.ctx.command_path} --help" if exc.ctx is not None else "jobbutik --help"
            _say(_one_line(_("{error} (see {hint})").format(error=exc.format_message(), hint=hint)))
            code = EXIT_USAGE
        except click.ClickException as exc:
            _say(_one_line(exc.format_message()))
            code = exc.exit_code
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except (click.Abort, KeyboardInterrupt, EOFError):
            _say(_("interrupted."))
            code = EXIT_INTERRUPTED
        except SettingsError as exc:
            _say(_one_line(str(exc)))
            code = EXIT_USAGE
        except JobbutikError as exc:
            _say(_one_line(str(exc)))
            code = EXIT_FAILED
        except OSError as exc:
            _say(_one_line(_os_error(exc)))
            code = EXIT_FAILED
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            _say(
                _one_line(
                    _(
                        "unexpected error ({kind}: {message}). This is a bug: please report it "
                        "with the command you ran; {env}=1 shows the details."
                    ).format(kind=type(exc).__name__, message=exc, env=DEBUG_ENV)
                )
            )
            code = EXIT_FAILED
        if standalone_mode:
            sys.exit(code)
        return code


def _early_language(args: Sequence[str]) -> None:
    """Choose the language before parsing, so even a usage error speaks it."""
    choice = os.environ.get(ENV_LANG, "").strip().lower()
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            choice = args[i + 1].lower()
        elif arg.startswith("--lang="):
            choice = arg.split("=", 1)[1].lower()
    try:
        speak(choice or "da")
    except ValueError:
        speak("da")


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename:
        return f"{exc.filename}: {reason}"
    return reason


def _settings() -> Settings:
    ctx = click.get_current_context()
    settings = ctx.find_object(Settings)
    if settings is None:  # pragma: no cover - the group callback always sets it
        raise click.UsageError("no settings")
    return settings


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress callback `(done, total)`: a bar on stderr when it is a terminal, else silent."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _done, _total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _open(settings: Settings) -> Database:
    """Open the database named by the settings and upgrade it (with a backup) if it is older."""
    from jobbutik.services.config import open_database

    return open_database(settings, notify=_say)


# -- the group -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frontend:
    """What `jobbutik` without a command opens: the program's entry (`jobbutik.__main__`) hands
    it in, so the command line never imports the TUI (the layers are checked)."""

    open_program: Callable[[Settings], int]  # returns the exit status


FRONTEND = "jobbutik.frontend"


GLOBAL_HELP = N_(
    "Front desk of a Danish jobcentre's Jobbutik, in the terminal.\n\n"
    "Without a command, opens the program. You work as your own OS login (or the SSH key or "
    "PostgreSQL login you came in with); an admin maps it to your initials. Each global option "
    "can also be set by an environment variable (the option wins): JOBBUTIK_DB, JOBBUTIK_USER, "
    "JOBBUTIK_TODAY, JOBBUTIK_LANG, JOBBUTIK_RULES. Errors are one line on stderr; exit code 1 "
    "means refused or failed, 2 a usage error."
)


@click.group(
    cls=JobbutikGroup,
    invoke_without_command=True,
    help=GLOBAL_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@option(
    "--db",
    "db",
    metavar=N_("PATH-or-URL"),
    help=N_(
        "SQLite file or postgresql+psycopg://… URL [env JOBBUTIK_DB; default: jobbutik.sqlite "
        "in the user data directory]."
    ),
)
@option(
    "--user",
    metavar=N_("INITIALS"),
    help=N_(
        "Work as this member of staff [env JOBBUTIK_USER]. Only on a demo database: elsewhere you "
        "are your OS login, and this option is refused."
    ),
)
@option(
    "--today",
    metavar=N_("DD.MM.YYYY"),
    help=N_(
        "Work as if today were this date [env JOBBUTIK_TODAY]. Only on a demo database: "
        "elsewhere it is refused."
    ),
)
@option(
    "--create",
    is_flag=True,
    help=N_(
        "Create the database if there is none at --db (else a missing database is refused, so a "
        "mistyped path never starts an empty one). `jobbutik db init` does the same."
    ),
)
@option(
    "--lang",
    type=click.Choice(["da", "en"], case_sensitive=False),
    default=None,
    help=N_("Language of the program: da (Danish) or en [env JOBBUTIK_LANG; default: da]."),
)
@option(
    "--rules",
    metavar=N_("FILE"),
    help=N_("Local rule overrides (TOML) on top of the bundled rules [env JOBBUTIK_RULES]."),
)
@click.version_option(
    __version__,
    "--version",
    prog_name="jobbutik",
    cls=Option,
    help=N_("Show the version and exit."),
)
@click.pass_context
def main(
    ctx: click.Context,
    db: str | None,
    user: str | None,
    today: str | None,
    create: bool,
    lang: str | None,
    rules: str | None,
) -> None:
    if isinstance(ctx.obj, Frontend):
        ctx.meta[FRONTEND] = ctx.obj
    settings = resolve_settings(
        db=db, user=user, today=today, lang=lang, rules=rules, create=create
    )
    speak(settings.lang)
    ctx.obj = settings
    if ctx.invoked_subcommand is None:
        _open_program(settings)


def _open_program(settings: Settings) -> None:
    ctx = click.get_current_context()
    frontend = ctx.meta.get(FRONTEND)
    if frontend is None:
        raise click.UsageError(_("Only the commands are available here; see --help."))
    if not settings.create and _no_database_file(settings):
        settings = _ask_to_create(settings)
    status = frontend.open_program(settings)
    if status:
        ctx.exit(status)


# -- demo ------------------------------------------------------------------------------------------


def demo_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("jobbutik", appauthor=False) / "demo.sqlite"


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@main.command(
    help=N_(
        "Build a realistic demo database, then open the program on it.\n\n"
        "Without --db (or JOBBUTIK_DB) the demo lives in its own file, demo.sqlite in the user "
        "data directory, rebuilt fresh each time; your real database is never touched. With --db "
        "the database must be empty. Without --user (or JOBBUTIK_USER) you are `demo`, who holds "
        "every role."
    )
)
@option(
    "--seed",
    type=int,
    metavar=N_("NUMBER"),
    default=1,
    show_default=True,
    help=N_("Seed: same seed, same data."),
)
@option(
    "--citizens",
    type=click.IntRange(min=0),
    metavar=N_("NUMBER"),
    default=300,
    show_default=True,
    help=N_("How many citizens to create."),
)
@option("--no-tui", is_flag=True, help=N_("Only build the database; do not open the program."))
def demo(seed: int, citizens: int, no_tui: bool) -> None:
    from jobbutik.demo import DEMO_USER, build_demo
    from jobbutik.domain.clock import Clock
    from jobbutik.services.config import build_context
    from jobbutik.store.schema import refresh_statistics

    settings = replace(
        _settings().with_defaults(db=str(demo_db_path()), user=DEMO_USER), create=True
    )
    if settings.db_source == "default":
        _remove_sqlite(Path(settings.db))
    db = _open(settings)
    if not _is_empty(db):
        _fail(
            _(
                "{where} already holds data; the demo is built only into an empty database "
                "(leave out --db to use the demo's own file)."
            ).format(where=db.path or db.display_url)
        )
    clock = Clock(settings.today)
    started = time.perf_counter()
    with _progress(_("Building the demo database"), enabled=True) as progress:
        summary = build_demo(
            db, today=clock.today(), seed=seed, citizens=citizens, progress=progress
        )
    refresh_statistics(db)  # measured now that the tables are full
    seconds = time.perf_counter() - started
    click.echo(
        ngettext(
            "Demo database with {citizens} citizen built in {seconds:.1f} s: {where}",
            "Demo database with {citizens} citizens built in {seconds:.1f} s: {where}",
            summary.counts.get("citizen", 0),
        ).format(
            citizens=summary.counts.get("citizen", 0),
            seconds=seconds,
            where=db.path or db.display_url,
        ),
        err=True,
    )
    build_context(settings, db)  # the user must exist here before the program opens
    db.dispose()
    if not no_tui:
        _open_program(settings)


def _is_empty(db: Database) -> bool:
    from sqlmodel import Session, func, select

    from jobbutik.store.models import Citizen, Staff

    def work(session: Session) -> bool:
        staff = session.exec(select(func.count()).select_from(Staff)).one()
        citizens = session.exec(select(func.count()).select_from(Citizen)).one()
        return staff == 0 and citizens == 0

    return db.read(work)


# -- import / export -------------------------------------------------------------------------------


@main.group(
    name="import",
    help=N_("Import records from a CSV file (header row; ; or , between fields; UTF-8)."),
)
def import_group() -> None:
    pass


_SKIP_HELP = N_(
    "Import the good rows and report the bad ones (default: a bad row refuses the file)."
)


@import_group.command(
    name="citizens",
    help=N_(
        "Import citizens from FILE.csv.\n\n"
        "Columns: cpr and name (required); phone, email, postcode (optional). Every row is checked "
        "first; a bad CPR number, an empty name, a CPR number twice in the file or one already "
        "registered is reported as `row N: reason` (N is the line in the file; the header is row "
        "1). Nothing is imported unless every row is good, or --skip-invalid is given. Needs the "
        "import permission (supervisor or admin)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--skip-invalid", is_flag=True, help=_SKIP_HELP)
def import_citizens(file: Path, skip_invalid: bool) -> None:
    _import("citizens", file, skip_invalid)


def _import(kind: str, file: Path, skip_invalid: bool) -> None:
    from jobbutik.services import csvio
    from jobbutik.services.config import build_context

    settings = _settings()
    ctx = build_context(settings, notify=_say)
    try:
        with _progress(_("Importing {kind}").format(kind=kind), enabled=True) as progress:
            result = csvio.import_csv(ctx, kind, file, skip_invalid=skip_invalid, progress=progress)
    except csvio.ImportRefused as exc:
        _report_problems(exc.problems)
        raise
    _report_problems(result.skipped)
    click.echo(
        ngettext(
            "{count} record imported from {file}.",
            "{count} records imported from {file}.",
            result.imported,
        ).format(count=result.imported, file=file)
    )
    if result.skipped:
        count = len(result.skipped)
        click.echo(
            ngettext("{count} row skipped.", "{count} rows skipped.", count).format(count=count)
        )


def _report_problems(problems: Sequence[Any]) -> None:
    for problem in problems[:PROBLEMS_SHOWN]:
        click.echo(str(problem), err=True)
    if len(problems) > PROBLEMS_SHOWN:
        click.echo(_("… and {count} more.").format(count=len(problems) - PROBLEMS_SHOWN), err=True)


@main.group(
    name="export",
    help=N_(
        "Export records to a CSV file (; between fields, UTF-8 with BOM, readable by you only)."
    ),
)
def export_group() -> None:
    pass


_FORCE_HELP = N_(
    "Replace FILE if it exists (never the database or a file that is not a file). "
    "FILE - writes to standard output."
)


@export_group.command(
    name="citizens",
    help=N_(
        "Export every citizen (cpr, name, phone, email, postcode) to FILE.csv.\n\n"
        "The file holds full CPR numbers: it is created readable by you only, and the export is "
        "written to the audit log for each citizen. Needs the export permission (supervisor or "
        "admin)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(dir_okay=False, path_type=Path))
@option("--force", "overwrite", is_flag=True, help=_FORCE_HELP)
def export_citizens(file: Path, overwrite: bool) -> None:
    _export_kind("citizens", file, overwrite)


@import_group.command(
    name="companies",
    help=N_(
        "Import companies from FILE.csv.\n\n"
        "Columns: cvr and name (required); address, postcode, industry, contact, phone, email, "
        "agreement (none/trains/hires/both). A bad CVR number or one already registered is "
        "reported as `row N: reason`; nothing is imported unless every row is good, or "
        "--skip-invalid is given. Needs the import permission (supervisor or admin)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--skip-invalid", is_flag=True, help=_SKIP_HELP)
def import_companies(file: Path, skip_invalid: bool) -> None:
    import jobbutik.services.csv_companies  # noqa: F401  (registers the kinds)

    _import("companies", file, skip_invalid)


@import_group.command(
    name="openings",
    help=N_(
        "Import job openings from FILE.csv.\n\n"
        "Columns: cvr, title, hours, postcode, apply_by (dd-mm-yyyy or yyyy-mm-dd) required; "
        "industry, requirements optional. The company (by CVR) must be registered. Bad rows are "
        "reported as `row N: reason`; nothing is imported unless every row is good, or "
        "--skip-invalid is given. Needs the import permission (supervisor or admin)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--skip-invalid", is_flag=True, help=_SKIP_HELP)
def import_openings(file: Path, skip_invalid: bool) -> None:
    import jobbutik.services.csv_companies  # noqa: F401  (registers the kinds)

    _import("openings", file, skip_invalid)


@export_group.command(
    name="companies",
    help=N_(
        "Export every company to FILE.csv (the columns the import reads).\n\n"
        "Needs the export permission (supervisor or admin)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(dir_okay=False, path_type=Path))
@option("--force", "overwrite", is_flag=True, help=_FORCE_HELP)
def export_companies(file: Path, overwrite: bool) -> None:
    _export_kind("companies", file, overwrite)


@export_group.command(
    name="openings",
    help=N_(
        "Export the open job openings to FILE.csv (the columns the import reads).\n\n"
        "Needs the export permission (supervisor or admin)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(dir_okay=False, path_type=Path))
@option("--force", "overwrite", is_flag=True, help=_FORCE_HELP)
def export_openings(file: Path, overwrite: bool) -> None:
    _export_kind("openings", file, overwrite)


def _export_kind(kind: str, file: Path, overwrite: bool) -> None:
    import jobbutik.services.csv_companies  # noqa: F401  (registers the kinds)
    from jobbutik.domain.files import STDOUT
    from jobbutik.services import csvio
    from jobbutik.services.config import build_context

    ctx = build_context(_settings(), notify=_say)
    if str(file) == STDOUT:
        result = csvio.export_csv(ctx, kind, sys.stdout.buffer)
        _say(_count_exported(kind, result.exported, _("standard output")))
        return
    result = csvio.export_csv(ctx, kind, file, overwrite=overwrite)
    click.echo(_count_exported(kind, result.exported, str(file)))


def _count_exported(kind: str, count: int, file: str) -> str:
    if kind == "citizens":
        text = ngettext(
            "{count} citizen exported to {file}.", "{count} citizens exported to {file}.", count
        )
    else:
        text = ngettext(
            "{count} record exported to {file}.", "{count} records exported to {file}.", count
        )
    return text.format(count=count, file=file)


# -- db --------------------------------------------------------------------------------------------


@main.group(name="db", help=N_("Database maintenance: schema upgrade and integrity check."))
def db_group() -> None:
    pass


@db_group.command(
    name="upgrade",
    help=N_(
        "Bring the database schema up to date (after a backup of an older database).\n\n"
        "The program does this by itself on start; this command does only that."
    ),
)
def db_upgrade() -> None:
    from jobbutik.services.config import open_database, upgrade_schema
    from jobbutik.services.pgroles import desk_login, grant_privileges
    from jobbutik.store import schema

    db = open_database(_settings(), upgrade=False)
    before = schema.current_revision(db)
    backup = upgrade_schema(db, notify=_say)
    after = schema.current_revision(db)
    if db.backend == "postgresql" and desk_login(db) is None:
        grant_privileges(db)  # as the owner: new tables get their desk grants
    where = db.path or db.display_url
    if before == after and backup is None:
        click.echo(_("{where} is up to date ({revision}).").format(where=where, revision=after))
    else:
        click.echo(
            _("{where} upgraded from {before} to {after}.").format(
                where=where, before=before or _("empty"), after=after
            )
        )


@db_group.command(
    name="init",
    help=N_(
        "Create a new, empty database at --db and make you its first admin.\n\n"
        "You are your OS login; --initials and --name say how the program shows you. Refused "
        "where a database with staff already exists."
    ),
)
@option(
    "--initials",
    metavar=N_("INITIALS"),
    help=N_("Your initials in the program [default: your OS login]."),
)
@option("--name", metavar=N_("NAME"), default="", help=N_("Your full name."))
def db_init(initials: str | None, name: str) -> None:
    settings = replace(_settings(), create=True)
    from jobbutik.store.db import safe_url

    admin = _init_database(settings, initials, name)
    click.echo(
        _("{where}: a new jobbutik database; {initials} is its admin.").format(
            where=safe_url(settings.db), initials=admin
        )
    )


def _init_database(settings: Settings, initials: str | None, name: str) -> str:
    """Create the database and its first admin, the real OS account; the admin's initials."""
    from jobbutik.domain.clock import Clock
    from jobbutik.services import audit
    from jobbutik.services.identity import current_channel, os_account
    from jobbutik.services.pgroles import grant_privileges
    from jobbutik.services.staff import create_first_admin

    if settings.user_source != "default" or settings.today_source != "default":
        _fail(_("db init: the first admin is your own OS login, on the real date."))
    account = os_account()
    if not account:
        _fail(_("This OS account has no name: jobbutik cannot tell who you are."))
    db = _open(settings)
    db.channel = current_channel()  # the first admin's entry names the OS account too
    try:
        admin = create_first_admin(
            db, initials or _initials_of(account), name, account, at=Clock().now()
        )
        audit.anchor(db)  # the first anchor: from here on a cut or wiped log shows
        grant_privileges(db)  # PostgreSQL: the desks' group roles and their privileges
    finally:
        db.dispose()
    return admin.initials


def _initials_of(account: str) -> str:
    """Default initials from an OS account (`karla@kommune.dk` → `karla`)."""
    local = account.split("@", 1)[0].lower()
    return "".join(c for c in local if c.isalnum() or c in "-_.")[:16] or "admin"


def _no_database_file(settings: Settings) -> bool:
    """Whether --db names a SQLite file that does not exist, checked without importing the
    database layer (the first screen paints before it loads). A server database, or a file
    without our schema, is refused by `open_database` when the program opens it."""
    url = settings.db
    if "://" in url:
        if not url.startswith("sqlite:///"):
            return False
        url = url.removeprefix("sqlite:///")
    return url not in ("", ":memory:") and not Path(url).expanduser().exists()


def _ask_to_create(settings: Settings) -> Settings:
    """At a terminal, offer to start a new database where none is; elsewhere refuse."""
    from jobbutik.domain.errors import DatabaseMissing

    if not sys.stdin.isatty():
        raise DatabaseMissing(settings.db)
    answer = click.prompt(
        _(
            "There is no jobbutik database at {where}. Create a new one, with you as its "
            "admin? [y/N]"
        ).format(where=settings.db),
        default="",
        show_default=False,
        prompt_suffix=" ",
        err=True,
    )
    if answer.strip().lower() not in {_("y"), _("yes"), "y", "yes"}:
        raise DatabaseMissing(settings.db)
    created = replace(settings, create=True)
    _init_database(created, None, "")
    return created


@db_group.command(
    name="check",
    help=N_(
        "Check the database: the schema against the program, and the audit log's keyed chain "
        "and the anchors written outside the database.\n\n"
        "Exits with 1 when anything is wrong, naming each problem on its own line; anchors the "
        "audit log's head when all is well."
    ),
)
def db_check() -> None:
    from jobbutik.services import audit, import_batches
    from jobbutik.store import schema

    db = _open(_settings())
    problems = [str(p) for p in schema.check(db)]
    if not problems:
        # An import whose process died: finished or removed (said on stderr, not a problem).
        for line in import_batches.sweep(db):
            _say(line)
    verification = audit.verify(db)
    if not verification.ok:
        problems.append(verification.message)
    where = db.path or db.display_url
    for problem in problems:
        click.echo(f"{where}: {_one_line(problem)}", err=True)
    if problems:
        _fail(
            ngettext(
                "{count} problem found in {where}.",
                "{count} problems found in {where}.",
                len(problems),
            ).format(count=len(problems), where=where)
        )
    # A verified head: what a later cut or rewrite is compared with.
    not_anchored = audit.anchor_after_verify(db)
    if not_anchored is not None:
        _say(not_anchored)
    click.echo(
        _("{where}: schema up to date; {audit}").format(where=where, audit=verification.message)
    )


if __name__ == "__main__":  # pragma: no cover
    main()

"""The admin's commands: `audit verify|citizen`, `backup`, `restore`, `retention`, `staff …`.

Light at import (click and the settings only); the services load when a command runs, so
`jobbutik --help` stays fast. Errors reach the main group's handler: one line, a non-zero exit.
Each command checks the role in its service: a user without it is told so and the exit code is 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jobbutik.cli.translated import argument, command, group, option
from jobbutik.domain.i18n import N_, _, ngettext
from jobbutik.services.config import Settings

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext


def _say(message: str) -> None:
    click.echo(f"jobbutik: {message}", err=True)


def _settings() -> Settings:
    settings = click.get_current_context().find_object(Settings)
    if settings is None:  # pragma: no cover - the main group always sets it
        raise click.UsageError("run this through `jobbutik`")
    return settings


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str) -> None:
    """Ask a yes/no question in the program's language (Click's own confirm wants y/n); anything
    but yes stops the command."""
    answer = click.prompt(
        _("{question} [y/N]").format(question=question),
        default="",
        show_default=False,
        prompt_suffix=" ",
    )
    if answer.strip().lower() not in {_("y"), _("yes"), "y", "yes"}:
        raise click.Abort


def _context() -> ServiceContext:
    from jobbutik.services.config import build_context

    return build_context(_settings(), notify=_say)


# -- audit -----------------------------------------------------------------------------------------


@group(
    name="audit",
    help=N_(
        "The audit log: check its chain against its key and its anchors, anchor its head, or "
        "export one citizen's log (access request)."
    ),
)
def audit_group() -> None:
    pass


@audit_group.command(
    name="verify",
    help=N_(
        "Check the audit log's keyed chain from its oldest kept entry to the newest, and compare "
        "it with the anchors written outside the database.\n\n"
        "Names the first entry that was changed or removed, or the anchor the log no longer "
        "reaches, and exits with 1; prints how many entries were checked when the log is intact "
        "and then anchors its head. Needs the admin role."
    ),
)
def audit_verify() -> None:
    from jobbutik.services import audit
    from jobbutik.services.context import Permission

    ctx = _context()
    ctx.require(Permission.AUDIT)
    result = audit.verify(ctx.db)
    if not result.ok:
        raise click.ClickException(result.message)
    problem = audit.anchor_after_verify(ctx.db)
    if problem is not None:
        _say(problem)
    click.echo(result.message)


@audit_group.command(
    name="anchor",
    help=N_(
        "Write the audit log's head (entry number and MAC) outside the database: appended to "
        "the anchor file and sent to syslog.\n\n"
        "For cron, at least daily, as the account that owns the database, e.g. "
        "`17 3 * * * jobbutik --db FILE audit anchor`. A log cut short, wiped or computed again "
        "after an anchor no longer matches it, and `audit verify` and `db check` say so. Needs "
        "no role: it only reads the head."
    ),
)
def audit_anchor() -> None:
    from jobbutik.cli.main import _open
    from jobbutik.services import audit

    db = _open(_settings())
    try:
        item = audit.anchor(db)
        click.echo(
            _("Audit log anchored at entry {seq} in {path}.").format(
                seq=item.seq, path=audit.anchor_file(db)
            )
        )
    finally:
        db.dispose()


@audit_group.command(
    name="citizen",
    help=N_(
        "Every logged use of one citizen's data, for an access request (indsigt).\n\n"
        "Lists when, what kind of use and for what purpose, not who in the staff (the citizen "
        "has a right to the uses, not to the staff's identities). The CPR number is masked in "
        "the export like on every printout. The export is itself written to the log. Needs the "
        "admin role."
    ),
)
@argument("cpr", metavar=N_("CPR"))
@option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "pdf"], case_sensitive=False),
    default="text",
    show_default=True,
    help=N_("text, csv (; between fields) or pdf."),
)
@option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar=N_("FILE"),
    help=N_(
        "Write to FILE (readable by you only) instead of standard output; an existing FILE only "
        "with --force; - is standard output (a PDF too). Needed for pdf."
    ),
)
@option(
    "--force",
    "overwrite",
    is_flag=True,
    help=N_("Replace FILE if it exists (never the database or a file that is not a file)."),
)
@option(
    "--with-staff",
    is_flag=True,
    help=N_("Also show who in the staff used the data: for internal control, not for the citizen."),
)
def audit_citizen(
    cpr: str, fmt: str, output: Path | None, overwrite: bool, with_staff: bool
) -> None:
    from sqlmodel import Session

    from jobbutik.domain.files import STDOUT
    from jobbutik.reports import run
    from jobbutik.reports.access_request import citizen_log_document
    from jobbutik.reports.common import municipality
    from jobbutik.services.access_request import citizen_log
    from jobbutik.services.outputs import check_output
    from jobbutik.store.models import AuditAction

    fmt = fmt.lower()
    file = output if output is not None and str(output) != STDOUT else None
    if fmt == "pdf" and output is None:
        raise click.UsageError(_("A PDF needs --output FILE."))
    ctx = _context()
    if file is not None:
        check_output(ctx.db, file, overwrite=overwrite)  # refused before the audit entry
    action = AuditAction.EXPORT if output is not None else AuditAction.READ
    log = citizen_log(ctx, cpr, action=action)

    def name(session: Session) -> str:
        return municipality(session)

    doc = citizen_log_document(log, ctx.db.read(name), with_staff=with_staff)
    if file is not None:
        path = run.write(doc, fmt, file, ctx.db, overwrite=overwrite)
        click.echo(
            ngettext(
                "{count} logged use written to {path}.",
                "{count} logged uses written to {path}.",
                len(log.entries),
            ).format(count=len(log.entries), path=path)
        )
    elif fmt == "pdf":
        click.echo(run.to_bytes(doc, fmt), nl=False)
    else:
        click.echo(run.render(doc, fmt), nl=False)


# -- backup / restore ------------------------------------------------------------------------------


def _pg_guidance(exc: Exception) -> None:
    from jobbutik.services.backup import PgDumpNeeded

    if isinstance(exc, PgDumpNeeded):
        click.echo(exc.command)
        raise click.ClickException(str(exc))
    raise exc


@command(
    name="backup",
    help=N_(
        "Copy the live database to FILE (or, for a folder, to a dated file in it).\n\n"
        "The copy is consistent while the desks keep working, readable by you only (0600), "
        "and written whole or not at all. For PostgreSQL it prints the pg_dump command to use "
        "instead and exits with 1. Needs the admin role."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(path_type=Path))
def backup_command(file: Path) -> None:
    from jobbutik.cli.main import _progress
    from jobbutik.services import backup
    from jobbutik.services.context import Permission

    ctx = _context()
    ctx.require(Permission.BACKUP)
    try:
        with _progress(_("Backing up"), enabled=True) as progress:
            result = backup.backup(ctx, file, progress=progress)
    except backup.PgDumpNeeded as exc:
        _pg_guidance(exc)
        return
    click.echo(
        _("Backup written to {path} ({size} kB in {seconds:.1f} s).").format(
            path=result.path, size=max(1, result.size // 1024), seconds=result.seconds
        )
    )


@command(
    name="restore",
    help=N_(
        "Replace the database by the backup FILE, after checking it and keeping a safety "
        "copy.\n\n"
        "FILE must be a sound jobbutik database that this version can open. The current "
        "database is first copied beside itself (…before-restore-<time>.bak). A file whose "
        "audit log does not verify is refused unless --force. Asks for confirmation unless "
        "--yes. Needs the admin role (when the current database cannot be opened at all, the "
        "right to its file is enough)."
    ),
)
@argument("file", metavar=N_("FILE"), type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--yes", "-y", is_flag=True, help=N_("Do not ask for confirmation (for scripts)."))
@option(
    "--force",
    is_flag=True,
    help=N_("Restore FILE even though its audit log does not verify (it is said so)."),
)
def restore_command(file: Path, yes: bool, force: bool) -> None:
    from sqlalchemy.exc import DBAPIError

    from jobbutik.domain.clock import Clock
    from jobbutik.domain.dates import format_moment
    from jobbutik.domain.errors import DatabaseUnavailable
    from jobbutik.services import backup
    from jobbutik.services.config import build_context
    from jobbutik.services.context import Permission
    from jobbutik.services.identity import os_account
    from jobbutik.store.db import Database, resolve_url, sqlite_path

    settings = _settings()

    current = sqlite_path(resolve_url(settings.db))
    existed = current is not None and current.exists() and current.stat().st_size > 0
    db = Database(settings.db)
    if db.backend != "sqlite" or db.path is None:
        _pg_guidance(
            backup.PgDumpNeeded(
                _("A PostgreSQL database is restored with PostgreSQL's own pg_restore; run:"),
                backup.pg_restore_command(db, file),
            )
        )
        return
    summary = backup.inspect_file(file)
    # Without a database to ask, the OS account and the real clock say who and when: --user and
    # --today are a demo database's, and there is none to check.
    actor, clock = os_account(), Clock()
    if existed:
        try:
            ctx = build_context(settings, db, notify=_say)
            actor, clock = ctx.require(Permission.BACKUP).initials, ctx.clock
        except (DatabaseUnavailable, DBAPIError) as exc:
            # Damaged, foreign or from another version: the role cannot be read from it, and the
            # right to its file is what counts (the file is kept in the safety copy).
            reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).rstrip(".")
            _say(
                _(
                    "The current database cannot be opened ({reason}); it is replaced as it is."
                ).format(reason=reason)
            )
    when = format_moment(summary.last_change) if summary.last_change else "?"
    click.echo(
        _("{file}: {citizens}, {staff}, last change {when} (schema {revision}).").format(
            file=file,
            citizens=ngettext("{count} citizen", "{count} citizens", summary.citizens).format(
                count=summary.citizens
            ),
            staff=ngettext(
                "{count} member of staff", "{count} members of staff", summary.staff
            ).format(count=summary.staff),
            when=when,
            revision=summary.revision,
        )
    )
    # Refused before anything is asked: a file whose log does not verify is not restored.
    checked = backup.check_audit_log(file, db.path)
    if not force:
        backup.refuse_broken(file, checked)
    if not yes:
        if not _interactive():
            raise click.UsageError(_("Restoring replaces the database: confirm with --yes."))
        _confirm(
            _("Replace {db} by {file}? A safety copy of the current database is kept.").format(
                db=db.path, file=file
            )
        )
    result = backup.restore(
        db,
        file,
        actor=actor,
        now=clock.now(),
        force=force,
        checked=checked,
        waiting=lambda: _say(_("Waiting for the desks that are saving to finish…")),
    )
    if result.broken_log is not None:
        _say(
            _("{file} was restored although its audit log is broken: {problem}").format(
                file=file, problem=result.broken_log
            )
        )
    if result.safety_copy is not None:
        click.echo(_("The previous database is kept in {path}.").format(path=result.safety_copy))
    click.echo(_("{db} restored from {file}.").format(db=db.path, file=file))
    db.dispose()


# -- retention -------------------------------------------------------------------------------------


@command(
    name="retention",
    help=N_(
        "List the citizens whose cases closed longer ago than the retention period; with "
        "--apply, anonymise them (or delete them, if the setting retention_mode is delete) "
        "and purge audit entries older than audit_retention_years and drafts not touched for "
        "draft_retention_days.\n\n"
        "The audit log's search terms holding those citizens' CPR numbers or names are masked "
        "and their saved receipts deleted; report and "
        "receipt files the program saved more than output_retention_days (30) ago are removed "
        "from its folders (jobbutik-reports in the home folder, receipts).\n\n"
        "A dry run is the default. Both the listing and the changes are written to the audit "
        "log. Needs the admin role."
    ),
)
@option("--apply", is_flag=True, help=N_("Anonymise/delete them (default: only list them)."))
def retention_command(apply: bool) -> None:
    from jobbutik.cli.main import _progress
    from jobbutik.reports import fmt
    from jobbutik.services import audit, retention

    ctx = _context()
    with _progress(_("Applying retention"), enabled=apply) as progress:
        result = retention.retention(ctx, apply=apply, progress=progress)
    for c in result.candidates:
        click.echo(f"{c.cpr_masked}  {fmt.day(c.closed_on)}  {c.name}")
    mode = _("anonymised") if result.mode == "anonymise" else _("deleted")
    if apply:
        click.echo(
            ngettext(
                "{count} citizen {mode} (cases closed before {cutoff}, {years} years).",
                "{count} citizens {mode} (cases closed before {cutoff}, {years} years).",
                result.done,
            ).format(
                count=result.done, mode=mode, cutoff=fmt.day(result.cutoff), years=result.years
            )
        )
        purged = result.audit
        click.echo(
            ngettext(
                "{count} draft not touched for a long time deleted.",
                "{count} drafts not touched for a long time deleted.",
                result.drafts,
            ).format(count=result.drafts)
        )
        click.echo(
            ngettext(
                "Audit log: {count} search term naming these citizens masked; the entry stays.",
                "Audit log: {count} search terms naming these citizens masked; the entries stay.",
                result.masked,
            ).format(count=result.masked)
        )
        click.echo(
            ngettext(
                "{count} saved receipt of these citizens deleted.",
                "{count} saved receipts of these citizens deleted.",
                result.receipts.count,
            ).format(count=result.receipts.count)
        )
    else:
        click.echo(
            ngettext(
                "{count} citizen would be {mode} (cases closed before {cutoff}, {years} years). "
                "Nothing was changed: run with --apply to do it.",
                "{count} citizens would be {mode} (cases closed before {cutoff}, {years} years). "
                "Nothing was changed: run with --apply to do it.",
                len(result.candidates),
            ).format(
                count=len(result.candidates),
                mode=mode,
                cutoff=fmt.day(result.cutoff),
                years=result.years,
            )
        )
        purged = audit.purge(ctx, apply=False)
    swept = _("removed") if apply else _("would be removed")
    click.echo(
        ngettext(
            "{count} report or receipt file older than {days} days {verb}.",
            "{count} report or receipt files older than {days} days {verb}.",
            result.swept.count,
        ).format(count=result.swept.count, days=result.output_days, verb=swept)
    )
    for path in (*result.receipts.failed, *result.swept.failed):
        _say(_("{path} could not be removed.").format(path=path))
    if purged is not None:
        verb = _("purged") if purged.applied else _("would be purged")
        click.echo(
            ngettext(
                "Audit log: {count} entry before {cutoff} {verb} ({years} years).",
                "Audit log: {count} entries before {cutoff} {verb} ({years} years).",
                purged.purged,
            ).format(
                count=purged.purged, cutoff=fmt.day(purged.cutoff), verb=verb, years=purged.years
            )
        )
        if purged.mask_cutoff is not None:
            masked_verb = _("masked") if purged.applied else _("would be masked")
            click.echo(
                ngettext(
                    "Audit log: {count} search term before {cutoff} {verb}; the entry stays.",
                    "Audit log: {count} search terms before {cutoff} {verb}; the entries stay.",
                    purged.masked,
                ).format(count=purged.masked, cutoff=fmt.day(purged.mask_cutoff), verb=masked_verb)
            )


# -- staff -----------------------------------------------------------------------------------------


@group(
    name="staff",
    help=N_(
        "Staff and roles (reception, consultant, supervisor, admin). Needs the admin role.\n\n"
        "A new database gets its first admin from `jobbutik db init`; that admin then adds the "
        "others. Each member of staff is known by the channel: the OS login (--os-login), an SSH "
        "key (add-key) or a PostgreSQL login role."
    ),
)
def staff_group() -> None:
    pass


@staff_group.command(
    name="list",
    help=N_("Every member of staff with roles, login and whether active."),
)
def staff_list() -> None:
    from jobbutik.services import staff

    for row in staff.list_staff(_context()):
        state = "" if row.active else _(" (inactive)")
        login = row.os_login or "-"
        click.echo(f"{row.initials:<8} {','.join(row.roles):<40} {login:<16} {row.name}{state}")


@staff_group.command(
    name="add",
    help=N_("Add a member of staff: INITIALS and NAME, with --roles."),
)
@argument("initials", metavar=N_("INITIALS"))
@argument("name", metavar=N_("NAME"))
@option(
    "--roles",
    metavar=N_("ROLES"),
    required=True,
    help=N_("Comma-separated: reception,consultant,…"),
)
@option(
    "--os-login",
    metavar=N_("LOGIN"),
    help=N_("The person's operating-system login, mapped to these initials."),
)
def staff_add(initials: str, name: str, roles: str, os_login: str | None) -> None:
    from jobbutik.services import staff

    row = staff.add_staff(_context(), initials, name, roles, os_login=os_login)
    click.echo(
        _("{initials} added ({roles}).").format(initials=row.initials, roles=",".join(row.roles))
    )


@staff_group.command(
    name="set-roles",
    help=N_("Give INITIALS exactly ROLES (comma-separated)."),
)
@argument("initials", metavar=N_("INITIALS"))
@argument("roles", metavar=N_("ROLES"))
def staff_set_roles(initials: str, roles: str) -> None:
    from jobbutik.services import staff

    row = staff.set_roles(_context(), initials, roles)
    click.echo(
        _("{initials} now has {roles}.").format(initials=row.initials, roles=",".join(row.roles))
    )


@staff_group.command(
    name="set-login",
    help=N_('Map the operating-system LOGIN to INITIALS ("" removes it).'),
)
@argument("initials", metavar=N_("INITIALS"))
@argument("login", metavar=N_("LOGIN"))
def staff_set_login(initials: str, login: str) -> None:
    from jobbutik.services import staff

    row = staff.update_staff(_context(), initials, os_login=login)
    click.echo(
        _("{initials}: login {login}.").format(initials=row.initials, login=row.os_login or "-")
    )


@staff_group.command(
    name="deactivate",
    help=N_("INITIALS can no longer work in the program; their history stays."),
)
@argument("initials", metavar=N_("INITIALS"))
def staff_deactivate(initials: str) -> None:
    from jobbutik.services import staff

    row = staff.set_active(_context(), initials, False)
    click.echo(_("{initials} is deactivated.").format(initials=row.initials))


@staff_group.command(
    name="activate",
    help=N_("Let a deactivated INITIALS work again."),
)
@argument("initials", metavar=N_("INITIALS"))
def staff_activate(initials: str) -> None:
    from jobbutik.services import staff

    row = staff.set_active(_context(), initials, True)
    click.echo(_("{initials} is active.").format(initials=row.initials))


# SSH keys bound to initials (the shared-server set-up); their module says how.
from jobbutik.cli.sshkeys import add_key_command, remove_key_command  # noqa: E402

staff_group.add_command(add_key_command)
staff_group.add_command(remove_key_command)

"""`jobbutik report daily|starts|followups|stats`: the supervisor's reports on the command line.

Light at import (click and the settings only): the report code loads when a report runs, so
`jobbutik --help` stays fast. Errors reach the main group's handler: one line, a non-zero exit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from jobbutik.cli.translated import group, option
from jobbutik.domain.dates import parse_day
from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import N_, _
from jobbutik.services.config import Settings

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType):
    name = "DD.MM.YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except JobbutikError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()


def _output_options(
    command: F,
    formats: tuple[str, ...] = ("text", "csv", "pdf"),
    fmt_help: str = N_("text (80 columns, fits A4), csv (; between fields) or pdf."),
) -> F:
    command = option(
        "--print",
        "to_printer",
        is_flag=True,
        help=N_("Send the report to the default printer with lp (says so when there is none)."),
    )(command)
    command = option(
        "--force",
        "overwrite",
        is_flag=True,
        help=N_("Replace FILE if it exists (never the database or a file that is not a file)."),
    )(command)
    command = option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar=N_("FILE"),
        help=N_(
            "Write the report to FILE (readable by you only) instead of standard output; "
            "an existing FILE only with --force; - is standard output (a PDF too). "
            "Needed for pdf unless --print."
        ),
    )(command)
    command = option(
        "--format",
        "fmt",
        type=click.Choice(list(formats), case_sensitive=False),
        default="text",
        show_default=True,
        help=fmt_help,
    )(command)
    return command


def _followups_output_options(command: F) -> F:
    """The report's formats, and ics: the consultant's follow-ups for their own calendar."""
    return _output_options(
        command,
        ("text", "csv", "pdf", "ics"),
        N_(
            "text (80 columns, fits A4), csv (; between fields), pdf, or ics: an iCalendar "
            "file for Outlook with one all-day event per open follow-up of --consultant "
            "(default: you), naming the kind, the masked CPR number and the first name only; "
            "all open follow-ups, later ones too, unless --date is given."
        ),
    )


@group(
    name="report",
    help=N_(
        "Supervisor reports: daily list, starts per site, follow-ups due, statistics.\n\n"
        "Every report masks CPR numbers and is written to the audit log. Needs the supervisor "
        "role."
    ),
)
def report() -> None:
    pass


def _settings() -> Settings:
    settings = click.get_current_context().find_object(Settings)
    if settings is None:
        raise click.UsageError("run this through `jobbutik report …`")
    return settings


def _today(settings: Settings) -> date:
    from jobbutik.domain.clock import Clock

    return Clock(settings.today).today()


def _run(
    name: str,
    start: date,
    end: date | None,
    consultant: str | None,
    fmt: str,
    output: Path | None,
    to_printer: bool,
    overwrite: bool,
    *,
    split: bool = False,
) -> None:
    from jobbutik.domain.files import STDOUT
    from jobbutik.reports import run
    from jobbutik.services.config import build_context
    from jobbutik.services.outputs import check_output
    from jobbutik.store.models import AuditAction

    fmt = fmt.lower()
    to_stdout = output is not None and str(output) == STDOUT
    file = None if to_stdout else output
    if to_stdout and to_printer:
        raise click.UsageError(_("--print needs a file: --output - cannot be printed."))
    if fmt == "pdf" and output is None and not to_printer:
        raise click.UsageError(_("A PDF needs --output FILE (or --print)."))
    settings = _settings()
    ctx = build_context(settings, notify=lambda text: click.echo(f"jobbutik: {text}", err=True))
    request = run.ReportRequest(name, start, end, consultant, split=split)
    if to_printer:
        run.print_report(ctx, request, fmt, output, click.echo, overwrite=overwrite)
        return
    if file is not None:
        check_output(ctx.db, file, overwrite=overwrite)  # refused before the audit entry
    doc = run.run_report(ctx, request, AuditAction.EXPORT)
    if to_stdout and fmt == "pdf":
        click.echo(run.to_bytes(doc, fmt), nl=False)
    elif file is not None:
        path = run.write(doc, fmt, file, ctx.db, overwrite=overwrite)
        click.echo(_("Written to {path}.").format(path=path))
    else:
        click.echo(run.render(doc, fmt), nl=False)


@report.command(
    help=N_(
        "The daily list: the day's arrivals and visits (times, waiting, masked CPR, category, "
        "consultant, outcome), the next working day's starts per site, referrals made, "
        "follow-ups due and overdue per consultant, and the day's totals."
    ),
)
@option("--date", "day", type=DATE, metavar=N_("DD.MM.YYYY"), help=N_("The day [default: today]."))
@_output_options
def daily(
    day: date | None, fmt: str, output: Path | None, overwrite: bool, to_printer: bool
) -> None:
    _run("daily", day or _today(_settings()), None, None, fmt, output, to_printer, overwrite)


@report.command(
    help=N_(
        "Who starts at each activation site on the next working day after --date: one page "
        "per site with its contact, hours and the citizens starting, ready to send to the "
        "site."
    ),
)
@option(
    "--date",
    "day",
    type=DATE,
    help=N_("List who starts on the first working day after this day [default: today]."),
)
@_output_options
def starts(
    day: date | None, fmt: str, output: Path | None, overwrite: bool, to_printer: bool
) -> None:
    _run("starts", day or _today(_settings()), None, None, fmt, output, to_printer, overwrite)


@report.command(
    help=N_(
        "Follow-ups due and overdue per consultant, overdue first. With --split each "
        "consultant's list starts a page of its own: the morning list to hand each "
        "consultant. With --format ics: a consultant's follow-ups for their own calendar."
    ),
)
@option("--consultant", metavar=N_("INITIALS"), help=N_("Only this consultant's follow-ups."))
@option(
    "--date",
    "day",
    type=DATE,
    metavar=N_("DD.MM.YYYY"),
    help=N_("Due on or before this day [default: today]."),
)
@option(
    "--split",
    is_flag=True,
    help=N_("Each consultant on a page of their own (a form feed in text, a new PDF page)."),
)
@_followups_output_options
def followups(
    consultant: str | None,
    day: date | None,
    split: bool,
    fmt: str,
    output: Path | None,
    overwrite: bool,
    to_printer: bool,
) -> None:
    if fmt.lower() == "ics":
        from jobbutik.cli.report_ics import export_calendar

        export_calendar(
            _settings(), consultant, day, output, overwrite=overwrite, to_printer=to_printer
        )
        return
    day = day or _today(_settings())
    _run("followups", day, None, consultant, fmt, output, to_printer, overwrite, split=split)


@report.command(
    help=N_(
        "Statistics for a period: arrivals, time to the visitation conversation, category "
        "mix, immediate activation, turned at the door, the referral funnel, follow-ups on "
        "time and outcomes per activation site against its target."
    ),
)
@option(
    "--from",
    "start",
    type=DATE,
    metavar=N_("DD.MM.YYYY"),
    help=N_("First day [default: the first of --to's month]."),
)
@option("--to", "end", type=DATE, metavar=N_("DD.MM.YYYY"), help=N_("Last day [default: today]."))
@_output_options
def stats(
    start: date | None,
    end: date | None,
    fmt: str,
    output: Path | None,
    overwrite: bool,
    to_printer: bool,
) -> None:
    last = end or _today(_settings())
    first = start or last.replace(day=1)
    _run("stats", first, last, None, fmt, output, to_printer, overwrite)

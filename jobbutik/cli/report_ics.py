"""`jobbutik report followups --format ics`: a consultant's follow-ups for their own calendar.

Light at import like `jobbutik.cli.report`: the calendar code loads when the command runs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from jobbutik.domain.i18n import _, ngettext
from jobbutik.services.config import Settings


def export_calendar(
    settings: Settings,
    consultant: str | None,
    day: date | None,
    output: Path | None,
    *,
    overwrite: bool,
    to_printer: bool,
) -> None:
    """Write the .ics to `output` (standard output when none, or `-`), logged as an export."""
    from jobbutik.domain.files import STDOUT
    from jobbutik.reports import ics
    from jobbutik.services.config import build_context

    if to_printer:
        raise click.UsageError(
            _("A calendar file is not printed: give --output FILE and import it in your calendar.")
        )
    ctx = build_context(settings, notify=lambda text: click.echo(f"jobbutik: {text}", err=True))
    if output is None or str(output) == STDOUT:
        made = ics.build_calendar(ctx, consultant, day)
        click.echo(made.content, nl=False)
        ics.log_calendar(ctx, made)
        return
    path, made = ics.export_calendar(ctx, output, consultant, day, overwrite=overwrite)
    click.echo(
        ngettext(
            "{count} follow-up written to {path} (import it in your calendar).",
            "{count} follow-ups written to {path} (import it in your calendar).",
            made.count,
        ).format(count=made.count, path=path)
    )

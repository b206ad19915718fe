"""Run a report by name: check the role, build its document, write the audit entry, render it.

The command line and the Reports screen both come through here, so every report shown, exported
or printed is in the audit log (entity "report", detail: the report's name and period, plus one
entry per citizen a list shows).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.files import cannot_write, private_file, write_private
from jobbutik.domain.i18n import _
from jobbutik.reports.common import log_report
from jobbutik.reports.document import Document
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.outputs import check_output
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction

REPORTS = ("daily", "starts", "followups", "stats")
FORMATS = ("text", "csv", "pdf")


@dataclass(frozen=True)
class ReportRequest:
    name: str  # one of REPORTS
    start: date
    end: date | None = None  # stats only; the other reports cover `start`
    consultant: str | None = None  # followups only
    split: bool = False  # followups only: each consultant on a page of their own

    @property
    def detail(self) -> str:
        """What the audit entry says: the report and its period."""
        period = self.start.isoformat()
        if self.end is not None and self.end != self.start:
            period = f"{period}..{self.end.isoformat()}"
        who = f" {self.consultant.lower()}" if self.consultant else ""
        return f"{self.name} {period}{who}"


Builder = Callable[[ServiceContext, ReportRequest], tuple[Document, set[int]]]


def _daily(ctx: ServiceContext, req: ReportRequest) -> tuple[Document, set[int]]:
    from jobbutik.reports.daily import build_daily

    return build_daily(ctx, req.start)


def _starts(ctx: ServiceContext, req: ReportRequest) -> tuple[Document, set[int]]:
    from jobbutik.reports.starts import build_starts

    return build_starts(ctx, req.start)


def _followups(ctx: ServiceContext, req: ReportRequest) -> tuple[Document, set[int]]:
    from jobbutik.reports.followups import build_followups

    return build_followups(ctx, req.start, req.consultant, split=req.split)


def _stats(ctx: ServiceContext, req: ReportRequest) -> tuple[Document, set[int]]:
    from jobbutik.reports.stats import build_stats

    return build_stats(ctx, req.start, req.end or req.start)


BUILDERS: dict[str, Builder] = {
    "daily": _daily,
    "starts": _starts,
    "followups": _followups,
    "stats": _stats,
}


def run_report(
    ctx: ServiceContext, request: ReportRequest, action: AuditAction = AuditAction.READ
) -> Document:
    """Build the report and log it (READ: shown on screen, EXPORT: written out). A printout is
    logged by `print_report`, once the printer took it."""
    doc, citizens = _build(ctx, request)
    log_report(ctx, action, request.detail, citizens)
    return doc


def _build(ctx: ServiceContext, request: ReportRequest) -> tuple[Document, set[int]]:
    ctx.require(Permission.REPORTS)
    builder = BUILDERS.get(request.name)
    if builder is None:
        raise ValidationError(
            _("Unknown report {name}: choose one of {names}.").format(
                name=request.name, names=", ".join(REPORTS)
            )
        )
    return builder(ctx, request)


def print_report(
    ctx: ServiceContext,
    request: ReportRequest,
    fmt: str,
    output: Path | None,
    say: Callable[[str], None],
    *,
    overwrite: bool = False,
) -> None:
    """Build the report, write it (to `output`, or to a private folder removed afterwards) and
    send it to the default printer, telling `say` what happened.

    A file written to `output` is logged as an export at once; the printout, with every citizen
    it carries, only once `lp` accepted the job: a refused job printed nothing. Raises
    `printing.PrintError` when it was refused (or there is no printer)."""
    from jobbutik.reports.printing import print_file

    doc, citizens = _build(ctx, request)
    if output is not None:
        path = write(doc, fmt, output, ctx.db, overwrite=overwrite)
        log_report(ctx, AuditAction.EXPORT, request.detail, citizens)
        say(_("Written to {path}.").format(path=path))
        say(print_file(path))
    else:
        folder = Path(tempfile.mkdtemp(prefix="jobbutik-"))
        try:
            path = write(doc, fmt, folder / f"{request.name}{suffix(fmt)}", ctx.db, overwrite=False)
            say(print_file(path))
        finally:
            for leftover in folder.iterdir():
                leftover.unlink(missing_ok=True)
            folder.rmdir()
    log_report(ctx, AuditAction.PRINT, request.detail, citizens)


def log_output(ctx: ServiceContext, request: ReportRequest, action: AuditAction) -> None:
    """Log a report that was already shown being exported or printed afterwards (the screen's
    print key). The citizens were logged when it was shown; this entry records the printout."""
    log_report(ctx, action, request.detail)


def render(doc: Document, fmt: str) -> str:
    """Text or CSV as a string (PDF: use `write`)."""
    if fmt == "text":
        from jobbutik.reports.text import render_text

        return render_text(doc)
    if fmt == "csv":
        from jobbutik.reports.csvout import render_csv

        return render_csv(doc)
    raise ValidationError(_("A PDF cannot be shown as text: give a file to write it to."))


def write(
    doc: Document, fmt: str, path: str | os.PathLike[str], db: Database, *, overwrite: bool
) -> Path:
    """Write `doc` to `path` in `fmt`, created readable by its owner only (it holds personal data).

    The path is checked first (`check_output`: never the database, never anything but a regular
    file, an existing file only when `overwrite`). The file is written beside the target and
    renamed into place, so a failed write never leaves half a report."""
    _check_format(fmt)
    target = check_output(db, path, overwrite=overwrite)
    try:
        if fmt == "pdf":
            from jobbutik.reports.pdf import render_pdf

            with private_file(target) as tmp:
                render_pdf(doc, tmp)
            return target
        return write_private(target, _encoded(doc, fmt))
    except OSError as exc:  # a full disk, a folder not ours: the reason, never the temp name
        raise cannot_write(target, exc) from exc


def to_bytes(doc: Document, fmt: str) -> bytes:
    """The file `write` would write, as bytes (for standard output: `-o -`)."""
    _check_format(fmt)
    if fmt != "pdf":
        return _encoded(doc, fmt)
    from jobbutik.reports.pdf import render_pdf

    with tempfile.TemporaryDirectory(prefix="jobbutik-") as folder:
        return render_pdf(doc, Path(folder) / "report.pdf").read_bytes()


def _encoded(doc: Document, fmt: str) -> bytes:
    from jobbutik.reports.csvout import ENCODING

    return render(doc, fmt).encode(ENCODING if fmt == "csv" else "utf-8")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError(
            _("Unknown format {fmt}: choose text, csv or pdf.").format(fmt=fmt), field="format"
        )


def suffix(fmt: str) -> str:
    return {"text": ".txt", "csv": ".csv", "pdf": ".pdf"}[fmt]

"""Writing and printing the citizen's receipt after the conversation (runs in a worker thread).

The receipt is saved as PDF and plain text next to the database (the same private folder, 0600
files), then the PDF goes to the default printer with `lp` where there is one; when there is none
the message says so and where the files are."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.files import private_file, write_private
from jobbutik.domain.i18n import _

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.visitation import VisitationResult


def receipt_dir(ctx: ServiceContext) -> Path:
    """`receipts/` beside a SQLite file; in the user data folder for a database server."""
    if ctx.db.path is not None:
        base = ctx.db.path.parent
    else:
        from platformdirs import user_data_path

        base = user_data_path("jobbutik", appauthor=False)
    folder = base / "receipts"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def write_receipt(ctx: ServiceContext, result: VisitationResult) -> str:
    """Save the receipt (PDF + text) and print it; return the one line to show."""
    from jobbutik.reports.printing import PrintError, print_file
    from jobbutik.reports.receipt import log_receipt, receipt_for, render_pdf, render_text
    from jobbutik.store.models import AuditAction

    receipt = receipt_for(ctx, result.visitation_id)
    stem = f"kvittering-{receipt.held_on.isoformat()}-{result.visitation_id}"
    try:
        folder = receipt_dir(ctx)
        text_path = folder / f"{stem}.txt"
        pdf_path = folder / f"{stem}.pdf"
        write_private(text_path, render_text(receipt).encode("utf-8"))
        with private_file(pdf_path) as tmp:
            render_pdf(receipt, tmp)
    except OSError as exc:  # a full disk, a folder not ours: a reason, not a crash
        from jobbutik.domain.files import os_reason

        raise ValidationError(
            _("The receipt could not be saved: {reason}. The conversation itself is saved.").format(
                reason=os_reason(exc)
            )
        ) from exc
    log_receipt(ctx, receipt, AuditAction.EXPORT)
    saved = _("Receipt saved: {pdf} and {text}.").format(pdf=pdf_path, text=text_path.name)
    try:
        printed = print_file(pdf_path)
    except PrintError as exc:
        return _("{saved} Not printed: {error}").format(saved=saved, error=exc)
    log_receipt(ctx, receipt, AuditAction.PRINT)
    return f"{saved} {printed}"

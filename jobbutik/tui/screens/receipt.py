"""Writing and printing the citizen's receipt from the conversation screen (called in a worker).

The receipt is saved as PDF and plain text next to the database (the same private folder, 0600
files), then the PDF goes to the default printer with `lp` where there is one; when there is none
the message says so and where the files are."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

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


def _private_write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_receipt(ctx: ServiceContext, result: VisitationResult) -> str:
    """Save the receipt (PDF + text) and print it; return the one line to show."""
    from jobbutik.reports.printing import PrintError, print_file
    from jobbutik.reports.receipt import log_receipt, receipt_for, render_pdf, render_text
    from jobbutik.store.models import AuditAction

    receipt = receipt_for(ctx, result.visitation_id)
    stem = f"kvittering-{receipt.held_on.isoformat()}-{result.visitation_id}"
    folder = receipt_dir(ctx)
    text_path = folder / f"{stem}.txt"
    pdf_path = folder / f"{stem}.pdf"
    _private_write(text_path, render_text(receipt))
    render_pdf(receipt, pdf_path)
    os.chmod(pdf_path, 0o600)
    log_receipt(ctx, receipt, AuditAction.EXPORT)
    saved = _("Receipt saved: {pdf} and {text}.").format(pdf=pdf_path, text=text_path.name)
    try:
        printed = print_file(pdf_path)
    except PrintError as exc:
        return f"{saved} {_('Not printed')}: {exc}"
    log_receipt(ctx, receipt, AuditAction.PRINT)
    return f"{saved} {printed}"

"""The citizen's receipt after the conversation (runs in a worker thread): saved beside the
database and printed where there is a printer (jobbutik.reports.receipt.save_and_print, which the
citizen screen uses to print any saved visitation's receipt again)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.services.visitation import VisitationResult


def write_receipt(ctx: ServiceContext, result: VisitationResult) -> str:
    """Save and print the receipt of the conversation just saved; the one line to show."""
    from jobbutik.reports.receipt import save_and_print

    return save_and_print(ctx, result.visitation_id)

"""The citizen's receipt, after the conversation or again from the citizen screen: saved beside
the database and printed where there is a printer (jobbutik.reports.receipt.save_and_print, in a
worker thread), and what became of it told to the desk."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from jobbutik.domain.i18n import _

if TYPE_CHECKING:
    from textual.app import App

    from jobbutik.services.context import ServiceContext


def print_receipt(app: App[Any], ctx: ServiceContext, visitation_id: int) -> None:
    """Save and print the receipt of a saved visitation in a worker of the app's own: `lp` may
    take a while, and a screen closed meanwhile must not lose what became of it (a receipt that
    did not print is a warning, so the citizen does not leave without it)."""

    async def save_and_tell() -> None:
        from jobbutik.reports.receipt import save_and_print

        done = await asyncio.to_thread(save_and_print, ctx, visitation_id)
        app.notify(
            done.line,
            title=_("Receipt"),
            severity="information" if done.printed else "warning",
            timeout=12,
            markup=False,
        )

    app.run_worker(save_and_tell(), group="receipt")

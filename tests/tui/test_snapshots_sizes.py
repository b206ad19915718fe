"""Snapshots of the screens a desk uses, at 80×24 (a common SSH window) and at 120×40, on the demo
database with a fixed clock.

Update after a deliberate change: `pytest tests/tui/test_snapshots_sizes.py --snapshot-update`,
then look at the SVGs (pytest-textual-snapshot writes a report on failure)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import start
from test_small_terminal import Steps, company_with_openings, conversation, keys, search
from textual.pilot import Pilot
from textual.widgets import Input

SCREENS: dict[str, Steps] = {
    "today": lambda pilot: keys(pilot),
    "search": search,
    "citizen": lambda pilot: keys(pilot, "f8"),
    "conversation_step_1": conversation,
    "conversation_step_3": lambda pilot: conversation(pilot, step=3),
    "follow_ups": lambda pilot: keys(pilot, "ctrl+f", "m"),
    "companies": lambda pilot: keys(pilot, "ctrl+b"),
    "company_openings": company_with_openings,
    "sites": lambda pilot: keys(pilot, "ctrl+t"),
    "staff": lambda pilot: keys(pilot, "ctrl+g"),
    "reports": lambda pilot: keys(pilot, "f12"),
    "register": lambda pilot: keys(pilot, "f2", *"0303801234", "tab", *"Peter Hansen"),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, make_demo_app, name: str, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await start(pilot)
        await SCREENS[name](pilot)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False  # no blinking cursor in a snapshot
        # The start notices (follow-ups due) pass; the screen under them is what is compared.
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_demo_app(), terminal_size=size, run_before=run_before)

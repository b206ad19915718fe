"""Each role alone starts where it works, with no error: the board for case work, Staff for an
admin who does none (the board's read needs "search", which admin alone lacks)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import notices, screen_text, settle, start

CASE_WORK = ["reception", "consultant", "supervisor"]


@pytest.mark.parametrize("role", CASE_WORK)
async def test_a_case_worker_starts_on_the_board_in_danish(make_app: Any, role: str) -> None:
    app = make_app(user="kk", roles=role, lang="da")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)  # strict: an error of ours on the way fails here
        assert app.current_mode == "today"
        assert app.screen.id == "today"
        assert app.screen.sub_title == "I dag · 23.11.2026 · KK"
        text = screen_text(app)
        assert "Ingen ankomster endnu i dag. Tryk F2 for at registrere den første." in text, text
        assert notices(app) == []


async def test_an_admin_alone_starts_on_staff_in_danish_and_stays_there(make_app: Any) -> None:
    app = make_app(user="boss", roles="admin", lang="da")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert app.current_mode == "staff"
        assert app.screen.id == "staff"
        assert app.screen.sub_title == "Medarbejdere · 23.11.2026 · BOSS"
        assert [r.initials for r in app.screen.rows] == ["boss"]
        assert "1 medarbejder." in screen_text(app)
        assert notices(app) == []  # no refusal, not even a warning
        # The board is not offered: neither its key nor the palette, nor Escape as a way back.
        offered = {c.action for c in app.available_commands(app.screen)}
        assert {"today", "search", "refresh", "register"}.isdisjoint(offered), offered
        assert "staff" in offered
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.id == "staff"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "staff"
        # Waiting out the board's poll asks nothing of the database the role may not read.
        app.today_screen.poll()
        await settle(pilot)
        assert notices(app) == []

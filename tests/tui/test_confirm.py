"""The confirmation dialog: which answer each key gives, the safe default, text shown literally."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import screen_text, settle, start
from textual.widgets import Button

from jobbutik.tui.screens.confirm import ConfirmModal


async def ask(pilot: Any, modal: ConfirmModal) -> list[bool | None]:
    answers: list[bool | None] = []
    pilot.app.push_screen(modal, answers.append)
    await settle(pilot)
    return answers


@pytest.mark.parametrize(
    ("keys", "default_yes", "answer"),
    [
        (["enter"], False, False),  # the safe default: Enter on a destructive question is "no"
        (["enter"], True, True),
        (["left", "enter"], False, True),
        (["right", "enter"], True, False),
        (["tab", "enter"], False, True),
        (["y"], False, True),
        (["j"], False, True),
        (["n"], True, False),
        (["escape"], True, False),
    ],
)
async def test_keys_answer(make_app: Any, keys: list[str], default_yes: bool, answer: bool) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        answers = await ask(pilot, ConfirmModal("Close them?", default_yes=default_yes))
        await pilot.press(*keys)
        await settle(pilot)
        assert answers == [answer]
        assert not isinstance(app.screen, ConfirmModal)


async def test_click_and_own_words(make_app: Any) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        answers = await ask(
            pilot, ConfirmModal("Close 2?", "They are marked.", yes="Close them", no="Keep them")
        )
        shown = screen_text(app)
        assert "Close them" in shown and "Keep them" in shown
        assert "They are marked." in shown
        footer = shown.splitlines()[-1]
        assert "Close them" in footer and "Keep them" in footer
        assert app.screen.focused is app.screen.query_one("#no", Button)
        await pilot.click("#yes")
        await settle(pilot)
        assert answers == [True]


async def test_danish_by_default(make_app: Any) -> None:
    app = make_app(lang="da")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        await ask(pilot, ConfirmModal("Spørgsmål"))
        assert app.screen.query_one("#yes", Button).label.plain == "Ja"
        assert app.screen.query_one("#no", Button).label.plain == "Nej"


async def test_text_is_data(make_app: Any) -> None:
    hostile = "[/] [link=https://x.dk]x[/link] [@click=app.quit]q[/]"
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        answers = await ask(pilot, ConfirmModal(hostile, hostile, yes="[b]ja[/]", no="[/]"))
        shown = screen_text(app)
        assert "[/] [link=https://x.dk]x[/link]" in shown
        assert "[b]ja[/]" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert answers == [False]
        assert app.is_running

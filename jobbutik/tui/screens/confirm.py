"""A question with two answers: the one confirmation dialog every screen uses.

`push_screen(ConfirmModal(question, detail), callback)` calls `callback(True)` for yes and
`callback(False)` for no (Escape included). The button focused at first is "No" unless
`default_yes`: Enter on a destructive question never acts by accident.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Static

from jobbutik.domain.i18n import _
from jobbutik.domain.text import visible
from jobbutik.tui.screens.base import FOCUS_BINDINGS, BaseModal


class ConfirmModal(BaseModal[bool]):
    """Yes or no; dismisses True (yes) or False (no, Escape)."""

    DEFAULT_CSS = """
    ConfirmModal .confirm-question {
        height: auto; margin-bottom: 1; text-style: bold; color: $primary;
    }
    ConfirmModal .confirm-detail { height: auto; margin-bottom: 1; }
    ConfirmModal .confirm-buttons { height: auto; align-horizontal: center; }
    ConfirmModal .confirm-buttons Button { margin: 0 2; min-width: 12; }
    """

    AUTO_FOCUS = None  # on_mount focuses the default answer

    BINDINGS: ClassVar[list[BindingType]] = [
        *FOCUS_BINDINGS,
        # "j" for the Danish "ja"; "n" is both "no" and "nej".
        Binding("y,j", "answer(True)", "Yes", key_display="J/Y"),
        Binding("n", "answer(False)", "No", key_display="N"),
        Binding("escape", "answer(False)", "No", show=False),
        Binding("left", "app.focus_previous", "Other answer", show=False),
        Binding("right", "app.focus_next", "Other answer", show=False),
    ]

    def __init__(
        self,
        question: str,
        detail: str = "",
        yes: str | None = None,
        no: str | None = None,
        *,
        default_yes: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.question = question
        self.detail = detail
        # Translated when built, not at import (the language is chosen after the imports).
        self.yes_label = yes if yes is not None else _("Yes")
        self.no_label = no if no is not None else _("No")
        self.default_yes = default_yes
        self._name_answers_in_footer()

    def _name_answers_in_footer(self) -> None:
        """The footer calls the keys by the buttons' own words ("Close them", not "Yes")."""
        named = BindingsMap()
        for bindings in self._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.action == "answer(True)":
                    binding = dataclasses.replace(binding, description=self.yes_label)
                elif binding.action == "answer(False)":
                    binding = dataclasses.replace(binding, description=self.no_label)
                named._add_binding(binding)
        self._bindings = named

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog narrow"):
            yield Static(Content(visible(self.question)), classes="confirm-question")
            if self.detail:
                yield Static(Content(visible(self.detail)), classes="confirm-detail")
            with Horizontal(classes="confirm-buttons"):
                yield Button(Content(self.yes_label), id="yes", variant="primary")
                yield Button(Content(self.no_label), id="no")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes" if self.default_yes else "#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

"""Checkboxes and choices that read the same without colour and answer the same keys everywhere.

A ticked box shows `[X]` and an empty one `[ ]`; the chosen option `(•)` and the others `( )`, so
a tick is seen on a monochrome terminal, in a screenshot or through a screen reader. Space
toggles or chooses; Enter is the form's "next field" and never toggles. The keys are priority
bindings of the focused widget: they act as the key is read, in the order typed, so a Space
typed just before an Enter can never land on the field Enter moves to.
"""

from __future__ import annotations

from typing import ClassVar

from textual import widgets
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets._toggle_button import ToggleButton

from jobbutik.domain.i18n import _

__all__ = ["Checkbox", "RadioButton", "RadioSet", "YesNo"]


class _Marked(ToggleButton):
    """A toggle drawn with text marks, `MARKS` = (on, off), in the button's own style."""

    MARKS: ClassVar[tuple[str, str]]

    @property
    def _button(self) -> Content:
        mark = self.MARKS[0] if self.value else self.MARKS[1]
        return Content.assemble((mark, self.get_visual_style("toggle--button")))


class Checkbox(_Marked, widgets.Checkbox, inherit_bindings=False):
    """A checkbox showing `[X]` or `[ ]`; Space toggles it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False, priority=True),
    ]
    MARKS = ("[X]", "[ ]")


class RadioButton(_Marked, widgets.RadioButton, inherit_bindings=False):
    """One option of a `RadioSet`, showing `(•)` when chosen and `( )` when not (its set
    answers the keys)."""

    BINDINGS: ClassVar[list[BindingType]] = []
    MARKS = ("(•)", "( )")


class RadioSet(widgets.RadioSet, inherit_bindings=False):
    """A set of options (labels become our `RadioButton`s); the arrows move, Space chooses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", "Next option", show=False, priority=True),
        Binding("up,left", "previous_button", "Previous option", show=False, priority=True),
        Binding("space", "toggle_button", "Choose", show=False, priority=True),
    ]

    def __init__(
        self,
        *buttons: str | widgets.RadioButton,
        id: str | None = None,
        classes: str | None = None,
        compact: bool = False,
    ) -> None:
        super().__init__(
            *(RadioButton(b) if isinstance(b, str) else b for b in buttons),
            id=id,
            classes=classes,
            compact=compact,
        )


class YesNo(RadioSet):
    """A yes/no question: Ja, Nej and — where a question may go unasked — Ikke spurgt.

    `answer` is True, False or None: "not asked" chosen, or (without that option) nothing
    chosen yet. Nothing is chosen for the consultant but "not asked"."""

    def __init__(self, *, id: str, not_asked: bool = True, classes: str | None = None) -> None:
        options = [RadioButton(_("Yes")), RadioButton(_("No"))]
        if not_asked:
            options.append(RadioButton(_("Not asked"), value=True))
        super().__init__(*options, id=id, classes=classes, compact=True)

    @property
    def answer(self) -> bool | None:
        # Read from the buttons: the set learns of a press only when it handles the button's
        # message, and the answer is asked for at once (the proposal follows the facts).
        buttons = list(self.query(widgets.RadioButton))
        on = [i for i, button in enumerate(buttons) if button.value]
        pressed = [i for i in on if buttons[i] is not self.pressed_button] or on
        return {0: True, 1: False}.get(pressed[0]) if pressed else None

    @answer.setter
    def answer(self, answer: bool | None) -> None:
        buttons = list(self.query(widgets.RadioButton))
        index = 2 if answer is None else (0 if answer else 1)
        if index < len(buttons):
            buttons[index].value = True

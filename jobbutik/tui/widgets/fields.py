"""Form fields: a label, an input and the field's own error line, plus the validators.

Validators here are small and self-contained (no service imports) so they run on every keystroke;
the name and contact checks live in `jobbutik.domain.contact` (as light), shared with the
services. The services check everything again on save and their `ValidationError(field=…)`
lands on the same error line via `Form.show_errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal, Vertical
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    Input,
    Label,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from jobbutik.domain.dates import parse_day
from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.text import text_problem
from jobbutik.tui.widgets.tables import ControlsShown

__all__ = [
    "Check",
    "FormField",
    "PlainText",
    "parse_hours",
    "restore_values",
    "snapshot_values",
    "text_field",
]


class Check(Validator):
    """A validator from a function returning the error sentence, or None when the value is fine."""

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        problem = self.check(value)
        return self.success() if problem is None else self.failure(problem)


# -- simple checks ---------------------------------------------------------------------------------


def parse_hours(value: str) -> int | None:
    """Hours a week from a field: None when empty; ValueError with the reason when bad."""
    v = value.strip()
    if not v:
        return None
    if not (v.isascii() and v.isdigit()):
        raise ValueError(_("Hours wanted must be a whole number."))
    hours = int(v)
    if not 0 < hours <= 60:
        raise ValueError(_("Hours wanted must be between 1 and 60."))
    return hours


def check_hours(value: str) -> str | None:
    try:
        parse_hours(value)
    except ValueError as exc:
        return str(exc)
    return None


def check_date(value: str, *, today: date | None = None) -> str | None:
    try:
        parse_day(value, today=today)
    except ValidationError as exc:
        return str(exc)
    return None


# -- the field container ---------------------------------------------------------------------------


def _keys_bound_by(*classes: type[Widget]) -> list[str]:
    """The keys the fields bind themselves (editing keys, opening a list); not Enter, Tab or
    Escape, which the form keeps."""
    keys = {key for cls in classes for key in BindingsMap(cls.BINDINGS).key_to_bindings}
    return sorted(keys - {"enter", "tab", "shift+tab", "escape"})


class FormField(Vertical):
    """One labelled field with an error line under it.

    The error line shows the input's own validation after the user has typed into it or left it,
    and any error a save sends back (`set_error`).

    Keys reach the field in the order typed. Textual resolves a field's own bindings (Backspace,
    the arrows, Home, …) only after the key has bubbled up to the app, against whatever has focus
    by then, while letters are typed in at once and Enter and Tab move on as they are read: a
    burst such as "Backspace ×8, a new CVR number, Enter" (a fast typist, or an SSH link
    delivering keys together) put the digits in the CVR field and ran the Backspaces in Navn.
    The field's keys are therefore taken as they are read and run in the field's own queue,
    after the keys typed before them and on the field they were typed in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"field_key('{key}')", show=False, priority=True)
        for key in _keys_bound_by(Input, Select)
    ]

    DEFAULT_CSS = """
    FormField { height: auto; }
    FormField > .field-row { height: auto; }
    FormField .field-label { width: 24; color: $text-muted; padding-right: 1; }
    FormField > .field-error { color: $error; height: auto; display: none; padding-left: 24; }
    FormField.-has-error > .field-error { display: block; }
    FormField.-has-error .field-label { color: $error; }
    FormField Input, FormField Select { width: 1fr; }
    FormField.-has-error Input { background: $error 20%; }
    """

    def __init__(
        self, label: str, widget: Widget, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.widget = widget
        if hasattr(widget, "compact"):
            widget.compact = True  # one line per field: forms fit a 24-line terminal
        if isinstance(widget, Input):
            # Entering a field puts the cursor at the end: one stray key never wipes what is there.
            widget.select_on_focus = False
            widget.highlighter = ControlsShown()  # a pasted escape never reaches the terminal

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "field_key":
            widget = self.widget
            bound = widget._bindings.key_to_bindings.get(str(parameters[0]), ())
            return widget.has_focus and any(not binding.priority for binding in bound)
        return True

    def action_field_key(self, key: str) -> None:
        self.widget.call_later(self._run_key, key)

    async def _run_key(self, key: str) -> None:
        """The key's binding, looked up from this field upwards as Textual would."""
        for node in self.widget.ancestors_with_self:
            for binding in node._bindings.key_to_bindings.get(key, ()):
                if not binding.priority and await self.app.run_action(binding.action, node):
                    return

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(self.label, classes="field-label")
            yield self.widget
        yield Static("", classes="field-error", markup=False)  # messages may quote input

    def set_error(self, message: str | None) -> None:
        self.query_one(".field-error", Static).update(message or "")
        self.set_class(bool(message), "-has-error")

    @property
    def error(self) -> str:
        return str(self.query_one(".field-error", Static).content) if self.has_error else ""

    @property
    def has_error(self) -> bool:
        return self.has_class("-has-error")

    def check(self) -> bool:
        """Validate the input now (as on save); show the problem; True when it is fine."""
        if isinstance(self.widget, Input):
            result = self.widget.validate(self.widget.value)
            if result is not None and not result.is_valid:
                self.set_error(result.failure_descriptions[0])
                return False
        self.set_error(None)
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        # While typing, clear an error as soon as the value is fine; show a new one only once the
        # value looks finished (see `_show_while_typing`) or on leaving the field.
        result = event.validation_result
        if result is None or result.is_valid:
            self.set_error(None)
        elif self.has_error or self._show_while_typing(event.value):
            self.set_error(result.failure_descriptions[0])

    def on_input_blurred(self, event: Input.Blurred) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid and event.value.strip():
            self.set_error(result.failure_descriptions[0])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.set_error(result.failure_descriptions[0])

    def _show_while_typing(self, value: str) -> bool:
        return bool(getattr(self.widget, "show_error_while_typing", lambda _v: False)(value))


async def keys_handled(root: Widget, timeout: float = 1.0) -> None:
    """Wait until every field under `root` has handled the keys already sent to it.

    A priority key such as Ctrl+S is acted on as the app reads it, while letters typed just
    before it may still wait in their field's queue: a burst "CVR, Tab, name, Ctrl+S" read the
    form before the name was in. Each field's queue is first in, first out, so a callback queued
    now runs after those keys."""
    waits = []
    for widget in root.query("*"):
        if widget.can_focus:
            handled = asyncio.Event()
            if widget.call_later(handled.set):
                waits.append(handled.wait())
    with contextlib.suppress(TimeoutError):  # a field that never answers does not stop a save
        await asyncio.wait_for(asyncio.gather(*waits), timeout)


def text_field(
    label: str, id: str, max_length: int, check: Callable[[str], str | None] | None = None
) -> FormField:
    """A one-line text field: the Input `id` (checked as typed by `check`, if given) in the
    FormField `f-<id>`, where a save's error for `id` lands."""
    validators: list[Validator] = [PlainText()]
    if check is not None:
        validators.append(Check(check))
    return FormField(
        label, Input(id=id, max_length=max_length, validators=validators), id=f"f-{id}"
    )


def show_errors(root: Widget, errors: dict[str, str]) -> list[FormField]:
    """Put each `field → message` on that field's error line under `root` (the field's widget id
    or the FormField's id `f-<field>`); returns the fields that got one."""
    shown: list[FormField] = []
    for field_name, message in errors.items():
        for candidate in (f"#f-{field_name}", f"#{field_name}"):
            found = root.query(candidate)
            if found:
                node = found.first()
                target = node if isinstance(node, FormField) else node.parent
                if isinstance(target, FormField):
                    target.set_error(message)
                    shown.append(target)
                    break
    return shown


# -- keeping what was typed ----------------------------------------------------------------------


def _value_widgets(root: Widget) -> Iterable[Widget]:
    for widget in root.query("Input, Checkbox, RadioSet, Select, SelectionList, TextArea"):
        if widget.id:
            yield widget


def snapshot_values(root: Widget) -> dict[str, object]:
    """Every input's value under `root` by widget id: what a draft keeps."""
    values: dict[str, object] = {}
    for widget in _value_widgets(root):
        assert widget.id is not None
        if isinstance(widget, (Input, Checkbox)):
            values[widget.id] = widget.value
        elif isinstance(widget, RadioSet):
            values[widget.id] = widget.pressed_index
        elif isinstance(widget, Select):
            values[widget.id] = None if widget.is_blank() else widget.value
        elif isinstance(widget, SelectionList):
            values[widget.id] = list(widget.selected)
        elif isinstance(widget, TextArea):
            values[widget.id] = widget.text
    return values


def restore_values(root: Widget, values: dict[str, object]) -> None:
    """Put a draft's values back (ids not found are ignored)."""
    for widget in _value_widgets(root):
        if widget.id not in values:
            continue
        value = values[widget.id]
        if isinstance(widget, Input) and isinstance(value, str):
            widget.value = value
        elif isinstance(widget, Checkbox):
            widget.value = value is True
        elif isinstance(widget, RadioSet) and isinstance(value, int):
            buttons = list(widget.query("RadioButton"))
            if 0 <= value < len(buttons):
                buttons[value].value = True  # type: ignore[attr-defined]
        elif isinstance(widget, Select):
            if value is None:
                widget.clear()
            else:
                widget.value = value
        elif isinstance(widget, SelectionList) and isinstance(value, list):
            widget.deselect_all()
            for item in value:
                widget.select(item)
        elif isinstance(widget, TextArea) and isinstance(value, str):
            widget.text = value


class PlainText(Check):
    """Typed text is plain text: no control characters or direction marks (`domain.text`)."""

    def __init__(self) -> None:
        super().__init__(text_problem)

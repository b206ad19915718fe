"""Form fields: a label, an input and the field's own error line, plus the validators.

Validators here are small and self-contained (no service imports) so they run on every keystroke;
the name and contact checks live in `jobbutik.domain.contact` (as light), shared with the
services. The services check everything again on save and their `ValidationError(field=…)`
lands on the same error line via `Form.show_errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import ComposeResult
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

__all__ = [
    "Check",
    "FormField",
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


def check_date(value: str) -> str | None:
    try:
        parse_day(value)
    except ValidationError as exc:
        return str(exc)
    return None


# -- the field container ---------------------------------------------------------------------------


class FormField(Vertical):
    """One labelled field with an error line under it.

    The error line shows the input's own validation after the user has typed into it or left it,
    and any error a save sends back (`set_error`)."""

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


def text_field(
    label: str, id: str, max_length: int, check: Callable[[str], str | None] | None = None
) -> FormField:
    """A one-line text field: the Input `id` (checked as typed by `check`, if given) in the
    FormField `f-<id>`, where a save's error for `id` lands."""
    validators = [Check(check)] if check is not None else None
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

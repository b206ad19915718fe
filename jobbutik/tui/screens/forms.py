"""The habits every form shares: Ctrl+S saves, Escape closes keeping a draft, Enter moves on,
and an error from a save lands on its field's own error line."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget

from jobbutik.domain.errors import FormErrors, ValidationError
from jobbutik.tui.screens.base import ENTER_BINDING, BaseModal, ResultT, enter_moves_on
from jobbutik.tui.widgets.fields import FormField, show_errors


def shown(widget: Widget) -> bool:
    """Whether `widget` is displayed: it and every container above it."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


def error_fields(error: BaseException) -> dict[str, str]:
    """Field → message from a service error (empty: not about a field)."""
    if isinstance(error, FormErrors):
        return dict(error.errors)
    if isinstance(error, ValidationError) and error.field:
        return {error.field: str(error)}
    return {}


class FormModal(BaseModal[ResultT]):
    """A modal form dismissing plain data (or None on Escape, after keeping a draft)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Back (keeps input)"),
        ENTER_BINDING,
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return enter_moves_on(self)
        return True

    def action_next_field(self) -> None:
        self.focus_next()

    def keep_draft(self) -> None:
        """Store what is typed so the next open restores it."""

    def action_cancel(self) -> None:
        self.keep_draft()
        self.dismiss(None)

    def action_save(self) -> None:  # pragma: no cover - each form has its own
        raise NotImplementedError

    def show_error(self, error: BaseException) -> bool:
        """Put a save's error at its fields; True when at least one field showed it."""
        shown = show_errors(self, error_fields(error))
        if shown:
            first = shown[0]
            first.widget.focus()
        return bool(shown)

    def check_fields(self) -> list[FormField]:
        """Run every visible field's validators; the fields that failed, first one focused."""
        failed = [f for f in self.query(FormField) if shown(f) and not f.check()]
        if failed:
            failed[0].widget.focus()
        return failed

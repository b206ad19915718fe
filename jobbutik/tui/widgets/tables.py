"""Table helpers shared by the screens that list rows in a DataTable, and how a stored or typed
value is shown: `shown` (a cell or a line), `filled` (a translated line with markup of our own),
`ControlsShown` (an input's value)."""

from __future__ import annotations

from typing import Any

from rich.highlighter import Highlighter
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable

from jobbutik.domain.text import visible


def add_columns(table: DataTable[Any], *columns: tuple[str, str, int]) -> None:
    """Add the columns, in order, each given as (label, key, width)."""
    for label, key, width in columns:
        table.add_column(label, key=key, width=width)


def shown(value: str | None) -> Content:
    """A stored or typed value as the screen shows it: literal text, never markup (a plain str
    in a DataTable cell or a Static is read as markup), and a control character or direction
    mark stored before input refused them (an old import) shown as a visible mark."""
    return Content(visible(value or ""))


def filled(template: str, **values: object) -> Content:
    """A translated line whose markup is ours (``[b]…[/b]``), its ``{name}`` fields filled with
    `values` as plain text: data never reaches the markup parser (escaping it does not cover
    ``[$x]``, ``[B]`` or a trailing backslash)."""
    slots = {name: f"${{{name}}}" for name in values}
    plain = {name: visible(str(value)) for name, value in values.items()}
    return Content.from_markup(template.format(**slots), **plain)


class ControlsShown(Highlighter):
    """An Input's highlighter: a control character or direction mark in the value (pasted, or in
    a draft from before the check) is drawn as a visible mark while the field refuses it; the
    value itself is unchanged, and each mark takes the place of one character."""

    def highlight(self, text: Text) -> None:
        text.plain = visible(text.plain)

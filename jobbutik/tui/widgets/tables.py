"""Table helpers shared by the screens that list rows in a DataTable."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable


def add_columns(table: DataTable[Any], *columns: tuple[str, str, int]) -> None:
    """Add the columns, in order, each given as (label, key, width)."""
    for label, key, width in columns:
        table.add_column(label, key=key, width=width)

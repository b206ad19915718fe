"""DataTable columns that fit the table's width (80 columns: a common SSH window).

Each column is given as (label, key, width) or (label, key, width, least). When the table is too
narrow for the widths, the columns with a least width give up room, each in proportion to what it
can give, down to their least; a column whose least is 0 is left out whole where even that is not
enough (the rightmost first). They get the room back when the table widens. The columns without a
least, those that identify a row and its state, keep their width, so they stay on screen without
scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import DataTable

ColumnSpec = tuple[str, str, int] | tuple[str, str, int, int]


def fit_columns(table: DataTable[Any], *columns: ColumnSpec) -> None:
    """Add the columns, in order, and keep them fitted to the table's width from now on (other
    columns the table has, added after these, keep their own width)."""
    widths = [(spec[2], spec[3] if len(spec) == 4 else spec[2]) for spec in columns]
    keys = [table.add_column(spec[0], key=spec[1], width=spec[2]) for spec in columns]

    def refit(message: Message) -> None:
        if not isinstance(message, events.Resize):
            return
        others = sum(
            column.get_render_width(table)
            for key, column in table.columns.items()
            if key not in keys
        )
        room = table.size.width - table.styles.scrollbar_size_vertical - others
        room -= 2 * table.cell_padding * len(keys)
        changed = False
        for key, width in zip(keys, fitted(widths, room), strict=True):
            column = table.columns[key]
            changed = changed or column.width != width
            column.width = width
        if changed:
            # What DataTable.add_column does after a change of widths (Textual has no public
            # call to set a column's width).
            table._require_update_dimensions = True
            table._update_count += 1
            table.check_idle()
            table.refresh()

    # A table is resized with its screen and when the widgets beside it change; the Resize event
    # goes to the table alone, so listen to the table's messages.
    table.message_signal.subscribe(table, refit, immediate=True)


def fitted(widths: Sequence[tuple[int, int]], room: int) -> list[int]:
    """The widths, each given as (width, least), made to add up to at most `room` where they can
    (see the module's docstring)."""
    kept = list(range(len(widths)))
    droppable = [index for index, (_width, least) in enumerate(widths) if least == 0]
    for index in [None, *reversed(droppable)]:
        if index is not None:
            kept.remove(index)
        if sum(least or widths[i][0] for i, (_w, least) in enumerate(widths) if i in kept) <= room:
            break
    result = [width if index in kept else 0 for index, (width, _least) in enumerate(widths)]
    slack = [width - least if least and i in kept else 0 for i, (width, least) in enumerate(widths)]
    give = min(max(sum(result) - room, 0), sum(slack))
    if not give:
        return result
    cuts = [give * s // sum(slack) for s in slack]
    left = give - sum(cuts)  # rounding: less than one for each column with slack
    for index, s in enumerate(slack):
        if left and cuts[index] < s:
            cuts[index] += 1
            left -= 1
    return [width - cut for width, cut in zip(result, cuts, strict=True)]

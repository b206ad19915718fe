"""Plain text: fits A4 in a monospaced font, at most 80 characters a line.

Sections that start a new page are preceded by a form feed, which `lp` and every printer obey.
Table columns holding text shrink (widest first) to fit; their text then continues on the next
line of the row rather than being cut.
"""

from __future__ import annotations

import textwrap

from jobbutik.domain.i18n import _
from jobbutik.reports import fmt
from jobbutik.reports.document import Chart, Column, Document, Figures, Note, Section, Table

WIDTH = 80
GAP = 2
MIN_SHRUNK = 6
MAX_WORD = 18  # a longer word may be broken to fit
FORM_FEED = "\f"


def render_text(doc: Document, width: int = WIDTH) -> str:
    lines: list[str] = []
    generated = _("Printed {stamp}").format(stamp=fmt.stamp(doc.generated))
    lines.append(_side_by_side(doc.municipality, generated, width))
    lines.append(fit(f"{doc.title} {fmt.DASH} {doc.period}", width))
    lines.append("=" * width)
    for index, section in enumerate(doc.sections):
        if section.new_page and index > 0:
            lines.append(FORM_FEED + fit(f"{doc.title} {fmt.DASH} {doc.period}", width))
            lines.append("=" * width)
        lines.extend(_section(section, width))
    return "\n".join(lines).rstrip() + "\n"


def _side_by_side(left: str, right: str, width: int) -> str:
    room = width - len(right) - 1
    if room < 10:
        return fit(left, width)
    return f"{fit(left, room):<{room}} {right}"


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters, ending in … when cut."""
    text = " ".join(text.split()) if "\n" in text else text
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…"


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent) or [""]


def _section(section: Section, width: int) -> list[str]:
    lines = ["", fit(section.heading, width), "-" * min(width, max(len(section.heading), 1))]
    previous: object = None
    for block in section.blocks:
        if previous is not None and not (isinstance(block, Note) and isinstance(previous, Note)):
            lines.append("")
        previous = block
        if isinstance(block, Table):
            lines.extend(_table(block, width))
        elif isinstance(block, Figures):
            lines.extend(_figures(block, width))
        elif isinstance(block, Chart):
            lines.extend(_chart(block, width))
        elif isinstance(block, Note):
            lines.extend(wrap(block.text, width))
    return lines


def column_widths(table: Table, width: int) -> list[int]:
    """Each column's natural width; text columns shrink (widest first) until the row fits —
    first down to their longest word, so text wraps between words, then further if need be."""
    widths = [
        max([len(c.title), *(len(row[i]) for row in table.rows)])
        for i, c in enumerate(table.columns)
    ]
    room = width - GAP * (len(widths) - 1)
    shrinkable = [i for i, c in enumerate(table.columns) if c.shrink]
    longest_word = {
        i: min(
            MAX_WORD,
            max(
                len(w)
                for text in (table.columns[i].title, *(r[i] for r in table.rows))
                for w in (text.split() or [""])
            ),
        )
        for i in shrinkable
    }
    for floor in (lambda i: max(MIN_SHRUNK, longest_word[i]), lambda i: MIN_SHRUNK):
        while sum(widths) > room:
            candidates = [i for i in shrinkable if widths[i] > floor(i)]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
    while sum(widths) > room:  # nothing left to shrink gently: cut the widest column
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 1:
            break
        widths[widest] -= 1
    return widths


def _table(table: Table, width: int) -> list[str]:
    lines: list[str] = []
    if table.title:
        lines.append(fit(table.title, width))
    if not table.rows:
        lines.extend(wrap(table.empty or _("None."), width, "  "))
        return lines
    widths = column_widths(table, width)

    def cell_lines(text: str, w: int, column: Column) -> list[str]:
        if len(text) <= w:
            return [text]
        if not column.shrink:
            return [fit(text, w)]
        return textwrap.wrap(text, w, break_on_hyphens=False) or [""]

    def line(cells: tuple[str, ...]) -> list[str]:
        """One row; a text cell too wide for its column continues on the next lines."""
        wrapped = [
            cell_lines(cell, w, column)
            for cell, w, column in zip(cells, widths, table.columns, strict=True)
        ]
        out = []
        for k in range(max(len(parts) for parts in wrapped)):
            parts = []
            for part, w, column in zip(wrapped, widths, table.columns, strict=True):
                text = part[k] if k < len(part) else ""
                parts.append(f"{text:>{w}}" if column.align == "right" else f"{text:<{w}}")
            out.append((" " * GAP).join(parts).rstrip())
        return out

    lines.extend(line(tuple(c.title for c in table.columns)))
    lines.append((" " * GAP).join("-" * w for w in widths))
    for row in table.rows:
        lines.extend(line(row))
    return lines


def _figures(figures: Figures, width: int) -> list[str]:
    lines: list[str] = []
    if figures.title:
        lines.append(fit(figures.title, width))
    if not figures.items:
        return lines
    label_width = min(max(len(label) for label, _v in figures.items) + 1, width // 2 + 6)
    for label, value in figures.items:
        lead = f"  {fit(label + ':', label_width):<{label_width}} "
        lines.extend(_hanging(lead, value, width))
    return lines


def _hanging(lead: str, value: str, width: int) -> list[str]:
    room = max(10, width - len(lead))
    wrapped = wrap(value, room)
    return [lead + wrapped[0], *(" " * len(lead) + rest for rest in wrapped[1:])]


def _chart(chart: Chart, width: int) -> list[str]:
    if not chart.bars:
        return []
    lines = [fit(chart.title, width)]
    label_width = min(max(len(b.label) for b in chart.bars), 24)
    text_width = max(len(b.text) for b in chart.bars)
    bar_room = max(10, width - label_width - text_width - 6)
    top = chart.scale or max((b.value for b in chart.bars), default=0)
    for bar in chart.bars:
        length = 0 if top <= 0 else round(bar_room * max(0.0, bar.value) / top)
        length = min(length, bar_room)
        lines.append(
            f"  {fit(bar.label, label_width):<{label_width}} "
            f"{'#' * length:<{bar_room}} {bar.text:>{text_width}}".rstrip()
        )
    return lines

"""Plain text: fits A4 in a monospaced font, at most 80 characters a line.

Sections that start a new page are preceded by a form feed, which `lp` and every printer obey.
"""

from __future__ import annotations

from jobbutik.i18n import _
from jobbutik.reports import fmt
from jobbutik.reports.document import Chart, Document, Figures, Note, Section, Table

WIDTH = 80
GAP = 2
MIN_SHRUNK = 6
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
    import textwrap

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
    """Each column's natural width; text columns shrink (widest first) until the row fits."""
    widths = [
        max([len(c.title), *(len(row[i]) for row in table.rows)])
        for i, c in enumerate(table.columns)
    ]
    room = width - GAP * (len(widths) - 1)
    shrinkable = [i for i, c in enumerate(table.columns) if c.shrink]
    while sum(widths) > room:
        candidates = [i for i in shrinkable if widths[i] > MIN_SHRUNK] or [
            i for i in range(len(widths)) if widths[i] > 1
        ]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
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

    def line(cells: tuple[str, ...]) -> str:
        parts = []
        for cell, w, column in zip(cells, widths, table.columns, strict=True):
            text = fit(cell, w)
            parts.append(f"{text:>{w}}" if column.align == "right" else f"{text:<{w}}")
        return (" " * GAP).join(parts).rstrip()

    lines.append(line(tuple(c.title for c in table.columns)))
    lines.append((" " * GAP).join("-" * w for w in widths))
    lines.extend(line(row) for row in table.rows)
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

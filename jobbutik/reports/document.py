"""The small document model every report is built as, and the one renderer per format reads.

A report is a `Document`: a title, the municipality, the date or period it covers, and sections
of blocks — tables, key figures (label → value), bar charts and plain notes. Cells are already
formatted text (dates as DD.MM.YYYY, shares as "37,5 %"), so text, CSV and PDF show the same
figures. CPR numbers are put into documents masked only (see `fmt.cpr`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Align = Literal["left", "right"]


@dataclass(frozen=True)
class Column:
    title: str
    align: Align = "left"
    # Text may shorten this column (with …) to fit 80 characters; numbers and dates never shrink.
    shrink: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    empty: str = ""  # shown instead of the table when there are no rows

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {row!r} has {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class Figures:
    """Key figures: label → value, one a line."""

    items: tuple[tuple[str, str], ...]
    title: str = ""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown next to the bar ("12", "37,5 %")


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart; `bars` may be empty (the chart is then left out)."""

    title: str
    bars: tuple[Bar, ...]
    # The value a full bar stands for (e.g. 100 for shares); None: the largest bar.
    scale: float | None = None


@dataclass(frozen=True)
class Note:
    text: str


Block = Table | Figures | Chart | Note


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...] = ()
    new_page: bool = False  # start on a new page (PDF) / after a form feed (text)


@dataclass(frozen=True)
class Document:
    name: str  # machine name: "daily", "starts", "stats", "followups", "receipt"
    title: str
    municipality: str
    period: str  # as shown: "23.11.2026" or "01.11.2026–30.11.2026"
    generated: datetime  # aware; shown in Copenhagen time
    sections: tuple[Section, ...] = ()
    empty: bool = False  # the period holds no data (the sections then say so)
    chart_data: dict[str, tuple[Bar, ...]] = field(default_factory=dict)  # for the TUI's plots

    def blocks(self) -> Iterator[Block]:
        for section in self.sections:
            yield from section.blocks

    def all_text(self) -> Iterator[str]:
        """Every string the document shows (to choose a font, to check for CPR numbers)."""
        yield from (self.title, self.municipality, self.period)
        for section in self.sections:
            yield section.heading
            for block in section.blocks:
                if isinstance(block, Table):
                    yield block.title
                    yield block.empty
                    yield from (c.title for c in block.columns)
                    for row in block.rows:
                        yield from row
                elif isinstance(block, Figures):
                    yield block.title
                    for label, value in block.items:
                        yield label
                        yield value
                elif isinstance(block, Chart):
                    yield block.title
                    for bar in block.bars:
                        yield bar.label
                        yield bar.text
                else:
                    yield block.text

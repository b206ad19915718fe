"""CSV: `;` between fields (what Danish spreadsheet programs expect), one block after another.

The first row names the report, the municipality, the period and when it was made. A blank
row comes before each section, then a row holding its heading; a table follows as a header row
and its rows; key figures and charts as label;value rows; a note as one cell. Files are written
as UTF-8 with a byte-order mark (`ENCODING`) so spreadsheets show æøå.

Every text cell is spreadsheet-safe (`csvcells.neutralise`): a name such as `=HYPERLINK(…)` is
written with a leading apostrophe and shown as typed, never run. A cell that is a plain number
(`-3`, `12,5`, `+4 %`) stays a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from jobbutik.domain.csvcells import neutralise
from jobbutik.reports import fmt
from jobbutik.reports.document import Chart, Document, Figures, Note, Table

DELIMITER = ";"
ENCODING = "utf-8-sig"

_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?: ?%)?")


def cell(value: str) -> str:
    """What to write for `value`: a number as it is, any other text spreadsheet-safe."""
    return value if _NUMBER.fullmatch(value) else neutralise(value)


class _SafeWriter:
    """A CSV writer that passes every cell through `cell`."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")

    def writerow(self, row: Iterable[str]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[str]]) -> None:
        for row in rows:
            self.writerow(row)


def render_csv(doc: Document) -> str:
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow([doc.title, doc.municipality, doc.period, fmt.stamp(doc.generated)])
    for section in doc.sections:
        writer.writerow([])
        writer.writerow([section.heading])
        for block in section.blocks:
            if isinstance(block, Table):
                if block.title:
                    writer.writerow([block.title])
                if block.rows:
                    writer.writerow([c.title for c in block.columns])
                    writer.writerows(block.rows)
                elif block.empty:
                    writer.writerow([block.empty])
            elif isinstance(block, Figures):
                if block.title:
                    writer.writerow([block.title])
                writer.writerows([label, value] for label, value in block.items)
            elif isinstance(block, Chart):
                if block.bars:
                    writer.writerow([block.title])
                    writer.writerows([bar.label, bar.text] for bar in block.bars)
            elif isinstance(block, Note):
                writer.writerow([block.text])
    return out.getvalue()

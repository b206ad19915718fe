"""CSV: `;` between fields (what Danish spreadsheet programs expect), one block after another.

The first row names the report, the municipality, the period and when it was made. A blank
row comes before each section, then a row holding its heading; a table follows as a header row
and its rows; key figures and charts as label;value rows; a note as one cell. Files are written
as UTF-8 with a byte-order mark (`ENCODING`) so spreadsheets show æøå.
"""

from __future__ import annotations

import csv
import io

from jobbutik.reports import fmt
from jobbutik.reports.document import Chart, Document, Figures, Note, Table

DELIMITER = ";"
ENCODING = "utf-8-sig"


def render_csv(doc: Document) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
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

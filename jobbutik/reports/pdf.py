"""PDF (fpdf2): a title with the municipality and the date on every page, page numbers, tables,
key figures and simple bar charts.

Font: the PDF core font Helvetica covers Latin-1, so all Danish text (æøå) prints without any
font file and the output is the same on every machine. Only when a document holds letters beyond
Latin-1 (a name in Polish or Turkish, say) is a Unicode TrueType font used — DejaVu Sans, found on
the system; where there is none, such letters are written without their accents (Ł → L) rather
than failing.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from jobbutik.domain.i18n import _
from jobbutik.reports import fmt
from jobbutik.reports.document import Chart, Document, Figures, Note, Section, Table

MARGIN = 15.0
LINE = 5.0
# Typographic punctuation outside Latin-1 that has a plain equivalent: no font needed for it.
_PLAIN = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "…": "...",
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "•": "·",
        "€": "EUR",
        "≥": ">=",
        "≤": "<=",
        "→": "->",
        "\u00a0": " ",
    }
)
# Letters that Unicode does not decompose into a base letter and an accent.
_UNACCENTED = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "ı": "i",
        "Œ": "OE",
        "œ": "oe",
        "Ŋ": "N",
        "ŋ": "n",
    }
)
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/fonts/truetype",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)


@dataclass(frozen=True)
class Fonts:
    family: str
    unicode: bool  # a TrueType font that holds every letter


def plain(text: str) -> str:
    return text.translate(_PLAIN)


def needs_unicode(texts: Iterable[str]) -> bool:
    for text in texts:
        try:
            plain(text).encode("latin-1")
        except UnicodeEncodeError:
            return True
    return False


def to_latin1(text: str) -> str:
    """`text` in Latin-1: punctuation made plain, other letters without their accents, or ?."""
    out: list[str] = []
    for ch in plain(text).translate(_UNACCENTED):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(
            c
            for c in unicodedata.normalize("NFKD", ch)
            if not unicodedata.combining(c) and ord(c) < 256
        )
        out.append(base or "?")
    return "".join(out)


@lru_cache(maxsize=1)
def find_unicode_font() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold) from the system, or None."""
    names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    extra = os.environ.get("JOBBUTIK_FONT_DIR")
    for folder in ((extra,) if extra else ()) + _FONT_DIRS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for regular in root.rglob(names[0]):
            bold = regular.with_name(names[1])
            return regular, bold if bold.exists() else regular
    return None


class _Pdf(FPDF):
    def __init__(self, doc: Document, fonts: Fonts) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.font_choice = fonts
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)
        self.set_title(self.t(f"{doc.title} {doc.period}"))
        self.set_author(self.t(doc.municipality))
        self.set_creator("jobbutik")

    def t(self, text: str) -> str:
        return text if self.font_choice.unicode else to_latin1(text)

    def font(self, style: str = "", size: float = 10) -> None:
        self.set_font(self.font_choice.family, style, size)

    def header(self) -> None:
        doc = self.doc
        self.font("B", 11)
        self.cell(0, 6, self.t(doc.municipality), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font("B", 15)
        self.cell(0, 8, self.t(doc.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font("", 10)
        printed = _("Printed {stamp}").format(stamp=fmt.stamp(doc.generated))
        self.cell(0, 5, self.t(f"{doc.period}    {printed}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y() + 1
        self.line(MARGIN, y, self.w - MARGIN, y)
        self.set_y(y + 3)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.font("", 8)
        text = _("Page {page} of {pages}").format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, self.t(text), align="C")


def render_pdf(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write `doc` as a PDF to `path` and return the path."""
    fonts = Fonts("Helvetica", False)
    pdf: _Pdf
    if needs_unicode(doc.all_text()):
        found = find_unicode_font()
        if found is not None:
            fonts = Fonts("DejaVu", True)
    pdf = _Pdf(doc, fonts)
    if fonts.unicode:
        regular, bold = find_unicode_font() or (Path(), Path())
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()
    for index, section in enumerate(doc.sections):
        if section.new_page and index > 0:
            pdf.add_page()
        _section(pdf, section)
    target = Path(path)
    pdf.output(str(target))
    return target


def _section(pdf: _Pdf, section: Section) -> None:
    _keep(pdf, 20)
    pdf.ln(2)
    pdf.font("B", 12)
    pdf.multi_cell(0, 6, pdf.t(section.heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    for block in section.blocks:
        if isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Figures):
            _figures(pdf, block)
        elif isinstance(block, Chart):
            _chart(pdf, block)
        elif isinstance(block, Note):
            pdf.font("", 10)
            pdf.multi_cell(0, LINE, pdf.t(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)


def _keep(pdf: _Pdf, height: float) -> None:
    """Start a new page unless `height` mm still fit on this one."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _subtitle(pdf: _Pdf, text: str) -> None:
    if text:
        _keep(pdf, 15)
        pdf.font("B", 10)
        pdf.multi_cell(0, LINE, pdf.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: _Pdf, table: Table) -> None:
    _subtitle(pdf, table.title)
    if not table.rows:
        pdf.font("", 10)
        pdf.multi_cell(
            0, LINE, pdf.t(table.empty or _("None.")), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        return
    size = 9 if len(table.columns) <= 6 else 8
    pdf.font("", size)
    widths = _column_widths(pdf, table, pdf.epw - 0.01, size)
    align: Any = tuple("RIGHT" if c.align == "right" else "LEFT" for c in table.columns)
    with pdf.table(
        col_widths=widths,
        width=min(sum(widths), pdf.epw),
        align="LEFT",
        text_align=align,
        line_height=4.2,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=True,
        padding=0.8,
    ) as pdf_table:
        heading = pdf_table.row()
        for column in table.columns:
            heading.cell(pdf.t(column.title))
        for cells in table.rows:
            row = pdf_table.row()
            for cell in cells:
                row.cell(pdf.t(cell))


def _column_widths(pdf: _Pdf, table: Table, room: float, size: float) -> list[float]:
    natural = []
    for i, column in enumerate(table.columns):
        pdf.font("B", size)
        title = pdf.get_string_width(pdf.t(column.title))
        pdf.font("", size)
        cells = max((pdf.get_string_width(pdf.t(row[i])) for row in table.rows), default=0)
        natural.append(max(title, cells) + 3.5)
    total = sum(natural)
    if total <= room:
        return natural
    # Shrink the text columns that may wrap; the others keep their width.
    fixed = sum(w for w, c in zip(natural, table.columns, strict=True) if not c.shrink)
    flexible = total - fixed
    if flexible <= 0 or fixed >= room:
        return [w * room / total for w in natural]
    factor = (room - fixed) / flexible
    return [w * factor if c.shrink else w for w, c in zip(natural, table.columns, strict=True)]


def _figures(pdf: _Pdf, figures: Figures) -> None:
    _subtitle(pdf, figures.title)
    pdf.font("", 10)
    room = pdf.w - 2 * MARGIN
    label_width = min(
        max((pdf.get_string_width(pdf.t(label)) for label, _v in figures.items), default=0) + 4,
        room * 0.6,
    )
    for label, value in figures.items:
        _keep(pdf, LINE)
        y = pdf.get_y()
        pdf.multi_cell(label_width, LINE, pdf.t(label), new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.multi_cell(room - label_width, LINE, pdf.t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), y + LINE))


def _chart(pdf: _Pdf, chart: Chart) -> None:
    if not chart.bars:
        return
    bar_height = 4.5
    _keep(pdf, 8 + bar_height * min(len(chart.bars), 4))
    _subtitle(pdf, chart.title)
    pdf.font("", 9)
    room = pdf.w - 2 * MARGIN
    label_width = min(
        max(pdf.get_string_width(pdf.t(b.label)) for b in chart.bars) + 3, room * 0.35
    )
    text_width = max(pdf.get_string_width(pdf.t(b.text)) for b in chart.bars) + 3
    bar_room = room - label_width - text_width
    top = chart.scale or max((b.value for b in chart.bars), default=0)
    pdf.set_fill_color(70, 110, 160)
    for bar in chart.bars:
        _keep(pdf, bar_height + 1)
        y = pdf.get_y()
        pdf.cell(label_width, bar_height, pdf.t(bar.label))
        length = 0.0 if top <= 0 else bar_room * max(0.0, bar.value) / top
        length = min(length, bar_room)
        if length > 0:
            pdf.rect(MARGIN + label_width, y + 0.6, length, bar_height - 1.2, style="F")
        pdf.set_x(MARGIN + label_width + length + 1.5)
        pdf.cell(text_width, bar_height, pdf.t(bar.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(y + bar_height + 0.6)
    pdf.set_fill_color(255, 255, 255)

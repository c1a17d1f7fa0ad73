"""The spreadsheets ipq writes: reports, the board and fill-in forms, with XlsxWriter.

XlsxWriter writes a sheet's text once, as UTF-8, in the shared-string table; openpyxl wrote
every cell's text inline as character references (each Chinese character ``&#20219;``): a
1,000-task report took 3.8 MB of XML, 0.3 s to write and 0.1 s to import openpyxl, where
XlsxWriter takes 0.1 s in all and the file is a seventh of the size. openpyxl still reads
what comes back (:mod:`ipq.forms`). Rows and columns here count from 0, as XlsxWriter's do.
"""

from __future__ import annotations

import io
import re
from typing import Any

from .errors import UserError

#: What no cell may hold (XML 1.0 cannot): control characters other than tab and line breaks.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: The most characters an Excel cell holds.
CELL_MAX = 32767
#: Excel's number for A4 paper.
A4 = 9
#: On every printed page, in the middle of its footer.
PAGE_NUMBERS = "第 &P 页 共 &N 页"
#: The borders of a table's cells.
BORDER = {"border": 1, "border_color": "#999999"}
#: A sheet's title.
TITLE = {"bold": True, "font_size": 14}
#: A table's header row.
HEAD = {"bold": True, "bg_color": "#DCE6F1", "align": "center", "valign": "vcenter",
        "text_wrap": True, **BORDER}  # fmt: skip


class Book:
    """A workbook made in memory. Every text is written as text: a note beginning ``=``
    is no formula, ``0012`` no number, an address no link."""

    def __init__(self) -> None:
        import xlsxwriter

        self._buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self._buffer,
            {
                "in_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}

    def sheet(self, name: str) -> Any:
        return self.workbook.add_worksheet(name)

    def style(self, **props: Any) -> Any:
        """A cell format, made once for each set of properties (XlsxWriter's names)."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def bytes(self) -> bytes:
        self.workbook.close()
        return self._buffer.getvalue()


def cell_text(value: str, row: int, col: int) -> str:
    """``value`` as a cell can hold it: control characters dropped; longer than a cell
    holds is refused, never cut."""
    clean = ILLEGAL.sub("", value)
    if len(clean) > CELL_MAX:
        from xlsxwriter.utility import xl_rowcol_to_cell

        raise UserError(
            f"单元格 {xl_rowcol_to_cell(row, col)} 有 {len(clean)} 个字，超过 Excel 一个单元格"
            f"能容纳的 {CELL_MAX} 个字；请改为导出 docx、csv 或 html"
        )
    return clean


def text(ws: Any, row: int, col: int, value: str, style: Any = None) -> None:
    """A cell of text (an empty one keeps its style)."""
    put(ws, row, col, cell_text(value, row, col), style)


def put(ws: Any, row: int, col: int, clean: str, style: Any = None) -> None:
    """:func:`text` of text already made fit for a cell (:func:`cell_text`)."""
    if clean:
        ws.write_string(row, col, clean, style)
    else:
        ws.write_blank(row, col, None, style)


def header(book: Book, ws: Any, row: int, headers: list[str], widths: list[int]) -> None:
    """A table's header row, and its columns' widths."""
    style = book.style(**HEAD)
    for i, (name, width) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(row, i, name, style)
        ws.set_column(i, i, width)


def print_setup(ws: Any, footer: str, title_row: int, fit_width: bool = True) -> None:
    """A4 landscape (as wide as the page, unless not ``fit_width``), row ``title_row`` (the
    header) on every page, and on every page its number (第 N 页 共 M 页) and whose it is."""
    ws.set_landscape()
    ws.set_paper(A4)
    if fit_width:
        ws.fit_to_pages(1, 0)
    ws.repeat_rows(title_row)
    ws.set_footer(f"&L{footer.replace('&', '&&')}&C{PAGE_NUMBERS}")

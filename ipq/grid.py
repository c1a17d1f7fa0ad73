"""Long tables printed as Rich prints them, without Rich's work per cell.

A province's obligations on a 1,000-task list is a table of thousands of lines,
the board one of 38 rows by a thousand columns; Rich renders each cell through
its general machinery (measuring, padding, segments, cropping), which took most
of those commands' time. For a table whose columns all have fixed widths and
whose cells are plain text, :class:`Grid` lets Rich print a *frame* -- the
title, header, rules and edges, with the first row -- and lays out the rows
itself, with Rich's rules: cells wrapped by :func:`ipq.typeset.terminal_breaks` as
:func:`~ipq.typeset.cjk` text is, or kept on one line, justified, cropped or
padded to the column's width; the column's padding (none at the table's edges
without ``pad_edge``); the box's own vertical lines, and its line before a
last section (a board's totals). The first row is laid out both ways: where
the two differ, or anything is not recognised (a control character, text Rich
reads as markup, a style), Rich prints the whole table. Tables made alike (the
blocks of one board) are checked once (:class:`Checked`); the others ask Rich
for their header alone. The tests hold the two outputs equal, byte for byte,
with and without colour, at several widths.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.segment import Segment
    from rich.table import Column, Table

#: Characters a no-wrap cell may not hold: Rich reads markup ([…]), emoji codes (:…:)
#: and escapes (\) in a plain string.
_MARKUP = frozenset("[]:\\")


@lru_cache(maxsize=4096)  # a board repeats a dozen marks thousands of times
def _plain(text: str, wrapped: bool) -> bool:
    """Text whose cell the grid lays out exactly as Rich would."""
    if not text.isprintable():
        # only line breaks are allowed, and only in wrapped cells
        return wrapped and text.replace("\n", "").isprintable()
    return wrapped or not _MARKUP.intersection(text)


class Checked:
    """Whether the grid's layout of a table's first row, and of its header, was Rich's
    (None: not yet asked); tables made alike -- the blocks of one board -- ask once."""

    ok: bool | None = None
    header: bool | None = None


class Grid:
    """The table ``make`` makes (every column's width set, no rows) with ``rows`` of
    plain text, then, after a section line, ``tail`` rows. A no-wrap column's cells
    are strings as Rich reads them; a wrapped column's are :func:`ipq.typeset.cjk` text."""

    def __init__(
        self,
        make: Callable[[], Table],
        rows: list[list[str]],
        tail: list[list[str]] | None = None,
        checked: Checked | None = None,
    ) -> None:
        self.make = make
        self.table = make()
        self.rows = rows
        self.tail = tail or []
        self.checked = checked or Checked()

    def usable(self) -> bool:
        t = self.table
        columns = t.columns
        top, _, bottom, _ = t.padding
        shape = (
            not t.show_footer
            and not t.show_lines
            and not t.leading
            and not t.row_styles
            and not t.collapse_padding
            and t.style in ("", "none")
            and not t.border_style
            and not top
            and not bottom
            and all(c.width is not None and not c.ratio and not c.style for c in columns)
            and all(c.no_wrap or c.justify == "left" for c in columns)
            and all(c.vertical == "top" for c in columns)
        )
        return shape and all(
            len(row) == len(columns)
            and all(_plain(text, not c.no_wrap) for text, c in zip(row, columns, strict=True))
            for row in (*self.rows, *self.tail)
        )

    def _cells(self, row: list[str]) -> list[Any]:
        from .typeset import cjk

        return [
            text if c.no_wrap else cjk(text)
            for text, c in zip(row, self.table.columns, strict=True)
        ]

    def _table(self, rows: list[list[str]], tail: list[list[str]]) -> Table:
        """The table with ``rows``, a section and ``tail``."""
        table = self.make()
        for row in rows:
            table.add_row(*self._cells(row))
        if tail and rows:
            table.add_section()
        for row in tail:
            table.add_row(*self._cells(row))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        if not self.rows or not self.usable():
            yield self._table(self.rows, self.tail)
            return

        def lines(table: Table) -> list[list[Segment]]:
            return [list(line) for line in Segment.split_lines(console.render(table, options))]

        layout = _Layout(self.table, console, options)
        bottom = 1 if layout.box and layout.edge else 0
        header = layout.header(console, self.table)
        if self.checked.ok is None:
            # Rich prints the table with its first row; that row's lines end it, but for
            # the bottom edge; they must be what the grid makes of the row
            mine = layout.row(self.rows[0], last=True)
            frame = lines(self._table(self.rows[:1], []))
            split = len(frame) - bottom - len(mine)
            theirs = frame[split : len(frame) - bottom]
            self.checked.ok = (
                split >= 0
                and ["".join(s.text for s in line) for line in theirs] == mine
                and not any(s.style or s.control for line in theirs for s in line)
            )
            head = frame[:split] + frame[len(frame) - bottom :]
            # and the header just above it, segment by segment, styles and all
            self.checked.header = (
                header is not None and head[max(0, split - len(header)) : split] == header
            )
        elif self.checked.header and header is not None and self.table.title is None:
            head = header  # a table like one already checked (a block of one board)
        else:  # the same, where the grid does not make headers: Rich's header alone
            head = lines(self._table([], []))
        if not self.checked.ok:
            yield self._table(self.rows, self.tail)  # laid out otherwise: Rich prints it all
            return
        split = len(head) - bottom
        new_line = Segment.line()
        for line in head[:split]:
            yield from line
            yield new_line
        texts: list[str] = []
        for index, row in enumerate(self.rows, start=1):
            texts += layout.row(row, last=not self.tail and index == len(self.rows))
        if self.tail and layout.box:
            texts.append(layout.box.get_row(layout.sizes, "row", edge=layout.edge))
        for index, row in enumerate(self.tail, start=1):
            texts += layout.row(row, last=index == len(self.tail))
        for text in texts:
            yield Segment(text)
            yield new_line
        for line in head[split:]:
            yield from line
            yield new_line


class _Layout:
    """How Rich lays out a body row of ``table`` (its columns' widths fixed)."""

    def __init__(self, table: Table, console: Console, options: ConsoleOptions) -> None:
        self.columns: list[Column] = table.columns
        _, right, _, left = table.padding
        count = len(self.columns)
        self.pads = [
            (
                0 if i == 0 and not table.pad_edge else left,
                0 if i == count - 1 and not table.pad_edge else right,
            )
            for i in range(count)
        ]
        self.box = (
            table.box.substitute(
                options, safe=console.safe_box if table.safe_box is None else table.safe_box
            )
            if table.box
            else None
        )
        self.edge = table.show_edge
        self.sizes = [
            left + (c.width or 0) + right
            for c, (left, right) in zip(self.columns, self.pads, strict=True)
        ]

    def header(self, console: Console, table: Table) -> list[list[Segment]] | None:
        """The header as Rich prints it (one line of single-line headers and the rule
        under it, for a table without edges), or None where the grid does not make it."""
        from rich.segment import Segment

        if self.edge or not table.show_header or not all(c.no_wrap for c in self.columns):
            return None
        if not all(isinstance(c.header, str) and _plain(c.header, False) for c in self.columns):
            return None
        get = console.get_style
        border = get(table.style or "") + get(table.border_style or "")
        line: list[Segment] = []
        for i, (column, (left, right)) in enumerate(zip(self.columns, self.pads, strict=True)):
            style = get(table.header_style or "") + get(column.header_style)
            if i and self.box:
                line.append(Segment(self.box.head_vertical, border))
            if left:
                line.append(Segment(" " * left, style))
            line.append(
                Segment(_single(str(column.header), column.width or 0, column.justify)[0], style)
            )
            if right:
                line.append(Segment(" " * right, style))
        rule = (
            [Segment(self.box.get_row(self.sizes, "head", edge=False), border)] if self.box else []
        )
        return [line, rule] if rule else [line]

    def row(self, row: list[str], last: bool) -> list[str]:
        cells = []
        for text, column, (left, right) in zip(row, self.columns, self.pads, strict=True):
            width = column.width or 0
            lines = (
                _single(text, width, column.justify) if column.no_wrap else _wrapped(text, width)
            )
            cells.append([" " * left + line + " " * right for line in lines])
        out = []
        for i in range(max(map(len, cells))):
            parts = [
                cell[i] if i < len(cell) else " " * size
                for cell, size in zip(cells, self.sizes, strict=True)
            ]
            if self.box is None:
                out.append("".join(parts))
                continue
            b = self.box
            edges = (b.foot_left, b.foot_right) if last else (b.mid_left, b.mid_right)
            line = (b.foot_vertical if last else b.mid_vertical).join(parts)
            out.append(edges[0] + line + edges[1] if self.edge else line)
        return out


def _fit(line: str, width: int) -> str:
    """A line cropped or padded to ``width`` cells, as Rich's Text.truncate(pad=True)."""
    from rich.cells import cell_len, set_cell_size

    size = cell_len(line)
    if size > width:
        return set_cell_size(line, width)
    return line + " " * (width - size)


def _wrapped(text: str, width: int) -> list[str]:
    """A cjk cell's lines, as KinsokuText.wrap and a left-justified column make them."""
    from .typeset import terminal_breaks

    lines = []
    for paragraph in text.split("\n"):
        cuts = [0, *terminal_breaks(paragraph, width), len(paragraph)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            lines.append(_fit(paragraph[start:end].rstrip().lstrip(" "), width))
    return lines


@lru_cache(maxsize=4096)
def _single(text: str, width: int, justify: str | None) -> tuple[str]:
    """A no-wrap cell's one line (Rich's ellipsis where it overflows)."""
    from rich.cells import cell_len, set_cell_size

    line = text.rstrip() if justify in ("right", "center") else text
    size = cell_len(line)
    if size > width:
        line = set_cell_size(line, width - 1) + "…"
        size = cell_len(line)
    if justify == "right":
        return (" " * (width - size) + line,)
    if justify == "center":
        left = (width - size) // 2
        return (" " * left + line + " " * (width - size - left),)
    return (_fit(line, width),)

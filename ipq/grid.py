"""Long tables printed as Rich prints them, without Rich's work per cell.

A province's obligations on a 1,000-task list is a table of some 25,000 lines;
Rich renders each cell through its general machinery (padding, segments,
cropping), which took most of the command's time. For a table whose columns
all have fixed widths and whose body cells are plain text, :class:`Grid` asks
Rich for the title, the header and the borders (an empty copy of the table),
and lays out the body itself, line by line, with the same rules: cells wrapped
by :func:`ipq.typeset.line_breaks` as :class:`~ipq.typeset.cjk` text is, cropped
or padded to the column's width, one space of padding each side, the box's own
vertical lines. Anything it does not recognise -- a control character, text
Rich would read as markup, a layout Rich changed (the bottom border is not the
one these widths give) -- is handed to Rich whole. The tests hold the two
outputs equal, byte for byte, with and without colour, at several widths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table

#: Characters a no-wrap cell may not hold: Rich reads markup ([…]), emoji codes (:…:)
#: and escapes (\) in a plain string.
_MARKUP = frozenset("[]:\\")


def _plain(text: str, wrapped: bool) -> bool:
    """Text whose cell the grid lays out exactly as Rich would."""
    if not text.isprintable():
        # only line breaks are allowed, and only in wrapped cells
        return wrapped and text.replace("\n", "").isprintable()
    return wrapped or not _MARKUP.intersection(text)


class Grid:
    """``table`` (fixed widths, no rows yet) with ``rows`` of plain text: a wrapped
    column's cells as :func:`ipq.typeset.cjk` text, a no-wrap column's as a string."""

    def __init__(self, table: Table, rows: list[list[str]]) -> None:
        self.table = table
        self.rows = rows

    def usable(self) -> bool:
        t = self.table
        columns = t.columns
        shape = (
            t.box is not None
            and t.show_header
            and t.show_edge
            and not t.show_footer
            and not t.show_lines
            and not t.leading
            and not t.caption
            and not t.row_styles
            and t.style in ("", "none")
            and not t.border_style
            and t.padding == (0, 1, 0, 1)
            and t.pad_edge
            and all(c.width is not None and not c.ratio and not c.style for c in columns)
            and all(c.no_wrap or c.justify == "left" for c in columns)
            and all(c.vertical == "top" for c in columns)
        )
        return shape and all(
            _plain(text, not c.no_wrap)
            for row in self.rows
            for text, c in zip(row, columns, strict=True)
        )

    def _whole(self) -> Table:
        """The table with its rows, for Rich to print."""
        from .typeset import cjk

        for row in self.rows:
            cells = [
                text if c.no_wrap else cjk(text)
                for text, c in zip(row, self.table.columns, strict=True)
            ]
            self.table.add_row(*cells)
        self.rows = []
        return self.table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        table = self.table
        if not self.usable():
            yield self._whole()
            return
        widths = [c.width or 0 for c in table.columns]
        box = table.box.substitute(  # type: ignore[union-attr]
            options, safe=console.safe_box if table.safe_box is None else table.safe_box
        )
        head = [list(line) for line in Segment.split_lines(console.render(table, options))]
        bottom = box.get_bottom([w + 2 for w in widths])
        if not head or "".join(s.text for s in head[-1]) != bottom:
            yield self._whole()  # Rich laid it out otherwise (too narrow a console …)
            return
        new_line = Segment.line()
        for line in head[:-1]:
            yield from line
            yield new_line
        for index, row in enumerate(self.rows):
            last = index == len(self.rows) - 1
            left, divider, right = (
                (box.foot_left, box.foot_vertical, box.foot_right)
                if last
                else (box.mid_left, box.mid_vertical, box.mid_right)
            )
            cells = [
                _single(text, w, c.justify) if c.no_wrap else _wrapped(text, w)
                for text, w, c in zip(row, widths, table.columns, strict=True)
            ]
            for i in range(max(map(len, cells))):
                parts = [
                    f" {c[i]} " if i < len(c) else " " * (w + 2)
                    for c, w in zip(cells, widths, strict=True)
                ]
                yield Segment(left + divider.join(parts) + right)
                yield new_line
        yield from head[-1]
        yield new_line


def _fit(line: str, width: int) -> str:
    """A line cropped or padded to ``width`` cells, as Rich's Text.truncate(pad=True)."""
    from rich.cells import cell_len, set_cell_size

    size = cell_len(line)
    if size > width:
        return set_cell_size(line, width)
    return line + " " * (width - size)


def _wrapped(text: str, width: int) -> list[str]:
    """A cjk cell's lines, as KinsokuText.wrap and a left-justified column make them."""
    from .typeset import line_breaks

    lines = []
    for paragraph in text.split("\n"):
        cuts = [0, *line_breaks(paragraph, width), len(paragraph)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            lines.append(_fit(paragraph[start:end].rstrip().lstrip(" "), width))
    return lines


def _single(text: str, width: int, justify: str | None) -> list[str]:
    """A no-wrap cell's one line (Rich's ellipsis where it overflows)."""
    from rich.cells import cell_len, set_cell_size

    line = text.rstrip() if justify in ("right", "center") else text
    size = cell_len(line)
    if size > width:
        line = set_cell_size(line, width - 1) + "…"
        size = cell_len(line)
    if justify == "right":
        return [" " * (width - size) + line]
    if justify == "center":
        left = (width - size) // 2
        return [" " * left + line + " " * (width - size - left)]
    return [_fit(line, width)]

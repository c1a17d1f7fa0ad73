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
without ``pad_edge``); the box's own vertical lines, and its line after a row
that ends a section (a board's totals, a task list's categories). A wrapped
cell may be :class:`Styled` (a task list's category, in bold): its text is
printed in that style, as Rich prints a styled text. A table whose widths Rich
would work out from its cells (``fit``) gets them from Rich's own measuring of
every cell, which is a small part of its work, and is then laid out as one with
those widths set. The first row is laid out both ways (and, where it is styled,
the rows through the first that is not), compared segment by segment with their
styles: where the two differ, or anything is not recognised (a control
character, text Rich reads as markup, a style elsewhere), Rich prints the whole
table. Tables made alike (the blocks of one board) are checked once
(:class:`Checked`); the others ask Rich for their header alone. The same rules
print the paragraphs of a narrow layout, the obligations' cards (:class:`Paragraphs`).
The tests hold the two outputs equal, byte for byte, with and without colour, at
several widths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.segment import Segment
    from rich.table import Column, Table

#: Characters a no-wrap cell may not hold: Rich reads markup ([…]), emoji codes (:…:)
#: and escapes (\) in a plain string.
_MARKUP = frozenset("[]:\\")


@dataclass(frozen=True, slots=True)
class Styled:
    """A wrapped cell's text in ``style``, printed as ``cjk(text, style=style)`` is."""

    text: str
    style: str


#: A cell: a no-wrap column's string as Rich reads it, or a wrapped column's text.
Cell = str | Styled


@lru_cache(maxsize=4096)  # a board repeats a dozen marks thousands of times
def _plain(text: str, wrapped: bool) -> bool:
    """Text whose cell the grid lays out exactly as Rich would."""
    if not text.isprintable():
        # only line breaks are allowed, and only in wrapped cells
        return wrapped and text.replace("\n", "").isprintable()
    return wrapped or not _MARKUP.intersection(text)


@lru_cache(maxsize=4096)
def _usable_cell(cell: Cell, wrapped: bool) -> bool:
    """A cell the grid lays out as Rich would: plain text; a style only where wrapped."""
    if isinstance(cell, Styled):
        return wrapped and _plain(cell.text, True)
    return _plain(cell, wrapped)


class Checked:
    """Whether the grid's layout of a table's first row, and of its header, was Rich's
    (None: not yet asked); tables made alike -- the blocks of one board -- ask once."""

    ok: bool | None = None
    header: bool | None = None


class Grid:
    """The table ``make`` makes (no rows; every column's width set, unless ``fit``)
    with ``rows``, then, after a section line, ``tail`` rows; a section also ends after
    each row whose index is in ``ends``. A no-wrap column's cells are strings as Rich
    reads them; a wrapped column's are :func:`ipq.typeset.cjk` text, or :class:`Styled`.
    ``fit``: the columns' widths are Rich's, worked out from the cells when printed."""

    def __init__(
        self,
        make: Callable[[], Table],
        rows: Sequence[Sequence[Cell]],
        tail: Sequence[Sequence[Cell]] | None = None,
        checked: Checked | None = None,
        ends: set[int] | None = None,
        fit: bool = False,
    ) -> None:
        self.make = make
        self.table = make()
        self.rows = [*rows, *(tail or [])]  # the tail is the last section
        self.ends = set(ends or ()) | ({len(rows) - 1} if tail and rows else set())
        self.fit = fit
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
            and all(c.width is not None or self.fit for c in columns)
            and all(self.fit or not c.ratio for c in columns)
            and not any(c.style for c in columns)
            and all(c.no_wrap or c.justify == "left" for c in columns)
            and all(c.vertical == "top" for c in columns)
        )
        wraps = [not c.no_wrap for c in columns]
        return shape and all(
            len(row) == len(columns)
            and all(map(_usable_cell, row, wraps))  # (the lengths are equal)
            for row in self.rows
        )

    def _cells(self, row: Sequence[Cell]) -> list[Any]:
        from .typeset import cjk

        return [
            cell
            if c.no_wrap
            else (cjk(cell.text, style=cell.style) if isinstance(cell, Styled) else cjk(cell))
            for cell, c in zip(row, self.table.columns, strict=True)
        ]

    def _table(self, count: int | None = None, only: Sequence[int] | None = None) -> Table:
        """The table with its first ``count`` rows (all: None), and their sections; or
        with the rows ``only`` names."""
        table = self.make()
        picked = range(len(self.rows) if count is None else count) if only is None else only
        for i in picked:
            table.add_row(*self._cells(self.rows[i]), end_section=i in self.ends)
        return table

    def _deciding(self) -> list[int]:
        """The rows whose cells decide Rich's widths for the columns.

        Rich measures every cell of a column (a text's widest word and longest line, in
        cells: ``Text.__rich_measure__``), adds the column's padding, bounds both by
        the room, and takes the largest of each; every step keeps the order. So, per
        column, the row with the widest word and the row with the longest line give
        Rich the same widths as all the rows: Rich measures those alone.
        """
        picks: set[int] = set()
        for k in range(len(self.table.columns)):
            widest = longest = (-1, 0)
            for i, row in enumerate(self.rows):
                cell = row[k]
                word, line = _measure(cell.text if isinstance(cell, Styled) else cell)
                widest = max(widest, (word, -i))
                longest = max(longest, (line, -i))
            picks.update((-widest[1], -longest[1]))
        return sorted(picks)

    def _fitted(self, console: Console, options: ConsoleOptions) -> bool:
        """Set the widths Rich gives the columns for these rows (False: it would not say)."""
        full = self._table(only=self._deciding())
        widths = getattr(full, "_calculate_column_widths", None)
        padding = getattr(full, "_get_padding_width", None)
        borders = getattr(full, "_extra_width", None)
        if widths is None or padding is None or not isinstance(borders, int):
            return False
        # as Table.__rich_console__ asks: the room inside the borders; each width it
        # gives counts the column's padding, which a column's own width does not
        room = options.update_width((full.width or options.max_width) - borders)
        found = [w - padding(i) for i, w in enumerate(widths(console, room))]
        make = self.make

        def fixed() -> Table:
            table = make()
            table.expand = False
            for column, width in zip(table.columns, found, strict=True):
                column.width, column.ratio, column.min_width = width, None, None
            return table

        self.make, self.table, self.fit = fixed, fixed(), False
        return True

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        if not self.rows or not self.usable():
            yield self._table()
            return
        if self.fit and not self._fitted(console, options):
            yield self._table()
            return

        def lines(table: Table) -> list[list[Segment]]:
            return [list(line) for line in Segment.split_lines(console.render(table, options))]

        layout = _Layout(self.table, console, options)
        bottom = 1 if layout.box and layout.edge else 0
        header = layout.header(console, self.table)
        if self.checked.ok is None:
            # Rich prints the table with its first rows (the first, or through the first
            # that has no style); those rows' lines end it, but for the bottom edge: they
            # must be what the grid makes of them, segment for segment, styles and all
            count = 1 + next(
                (i for i, row in enumerate(self.rows) if not any(map(_is_styled, row))),
                len(self.rows) - 1,
            )
            mine = self._lines(layout, console, count)
            frame = lines(self._table(count))
            split = len(frame) - bottom - len(mine)
            theirs = frame[split : len(frame) - bottom]
            self.checked.ok = split >= 0 and [_merged(line) for line in theirs] == [
                _merged(line) for line in mine
            ]
            head = frame[:split] + frame[len(frame) - bottom :]
            # and the header just above it, segment by segment, styles and all
            self.checked.header = (
                header is not None and head[max(0, split - len(header)) : split] == header
            )
        elif self.checked.header and header is not None and self.table.title is None:
            head = header  # a table like one already checked (a block of one board)
        else:  # the same, where the grid does not make headers: Rich's header alone
            head = lines(self._table(0))
        if not self.checked.ok:
            yield self._table()  # laid out otherwise: Rich prints it all
            return
        split = len(head) - bottom
        new_line = Segment.line()
        for line in head[:split]:
            yield from line
            yield new_line
        for text in self._lines(layout, console):
            if isinstance(text, str):
                yield Segment(text)
            else:
                yield from text
            yield new_line
        for line in head[split:]:
            yield from line
            yield new_line

    def _lines(
        self, layout: _Layout, console: Console, count: int | None = None
    ) -> list[str | list[Segment]]:
        """The body's lines (of its first ``count`` rows): a plain line as its text."""
        rows = self.rows if count is None else self.rows[:count]
        last = len(rows) - 1
        rule = layout.box.get_row(layout.sizes, "row", edge=layout.edge) if layout.box else None
        out: list[str | list[Segment]] = []
        for i, row in enumerate(rows):
            out += layout.row(row, i == last, console)
            if rule is not None and i in self.ends and i != last:
                out.append(rule)
        return out


def _is_styled(cell: Cell) -> bool:
    return isinstance(cell, Styled)


def _merged(line: str | list[Segment]) -> list[tuple[str, Any]]:
    """A line's (text, style) pieces with its unstyled neighbours joined: how they are
    split does not change what is printed (a styled piece's does: kept as it is)."""
    pieces: list[tuple[str, Any]] = []
    for text, style, control in [(line, None, None)] if isinstance(line, str) else line:
        if control:
            return [("", control)]  # never the grid's: compared unequal
        if not style and pieces and not pieces[-1][1]:
            pieces[-1] = (pieces[-1][0] + text, None)
        else:
            pieces.append((text, style or None))
    return pieces


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

    def row(self, row: Sequence[Cell], last: bool, console: Console) -> list[str | list[Segment]]:
        """The row's lines: text, or where a cell is styled, segments."""
        cells = []
        styled: dict[int, str] = {}
        for k, (cell, column, (left, right)) in enumerate(
            zip(row, self.columns, self.pads, strict=True)
        ):
            width = column.width or 0
            if isinstance(cell, Styled):
                styled[k], cell = cell.style, cell.text
            lines = (
                _single(cell, width, column.justify) if column.no_wrap else _wrapped(cell, width)
            )
            cells.append([" " * left + line + " " * right for line in lines])
        out: list[str | list[Segment]] = []
        for i in range(max(map(len, cells))):
            parts = [
                cell[i] if i < len(cell) else " " * size
                for cell, size in zip(cells, self.sizes, strict=True)
            ]
            if self.box is None:
                line, joint, edges = "".join(parts), "", ("", "")
            else:
                b = self.box
                edges = (b.foot_left, b.foot_right) if last else (b.mid_left, b.mid_right)
                joint = b.foot_vertical if last else b.mid_vertical
                line = joint.join(parts)
                if not self.edge:
                    edges = ("", "")
            if not styled or not any(len(cells[k]) > i for k in styled):
                out.append(edges[0] + line + edges[1])
                continue
            out.append(self._segments(parts, cells, styled, i, joint, edges, console))
        return out

    def _segments(
        self,
        parts: list[str],
        cells: list[list[str]],
        styled: dict[int, str],
        i: int,
        joint: str,
        edges: tuple[str, str],
        console: Console,
    ) -> list[Segment]:
        """Line ``i`` of a row with a styled cell: that cell's text in its style, as
        Rich prints it (its padding and every other cell's text, plain)."""
        from rich.segment import Segment

        out = [Segment(edges[0])]
        for k, part in enumerate(parts):
            if k:
                out.append(Segment(joint))
            if k in styled and i < len(cells[k]):
                left, right = self.pads[k]
                text = part[left : len(part) - right]
                out += [
                    Segment(" " * left),
                    Segment(text, console.get_style(styled[k])),
                    Segment(" " * right),
                ]
            else:
                out.append(Segment(part))
        out.append(Segment(edges[1]))
        return out


def _fit(line: str, width: int) -> str:
    """A line cropped or padded to ``width`` cells, as Rich's Text.truncate(pad=True)."""
    from rich.cells import cell_len, set_cell_size

    size = cell_len(line)
    if size > width:
        return set_cell_size(line, width)
    return line + " " * (width - size)


def _measure(text: str) -> tuple[int, int]:
    """Rich's measure of a text (``Text.__rich_measure__``): its widest word and its
    longest line, in cells."""
    from rich.cells import cell_len

    lines = text.splitlines()
    line = max(map(cell_len, lines)) if lines else 0
    words = text.split()
    return (max(map(cell_len, words)) if words else line), line


def _wrapped(text: str, width: int) -> list[str]:
    """A cjk cell's lines, as KinsokuText.wrap and a left-justified column make them."""
    return [_fit(line, width) for line in _broken(text, width)]


def _broken(text: str, width: int) -> list[str]:
    """Plain text's lines as KinsokuText.wrap makes them (not padded)."""
    from .typeset import terminal_breaks

    lines = []
    for paragraph in text.split("\n"):
        cuts = [0, *terminal_breaks(paragraph, width), len(paragraph)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            lines.append(paragraph[start:end].rstrip().lstrip(" "))
    return lines


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of :func:`~ipq.typeset.cjk` text in ``style``, printed as ``layout``
    says: ``"text"``, the text itself (an empty one: an empty line); ``"fit"``, as wide
    as its longest line (:func:`~ipq.typeset.para`); ``"indent"``, indented by
    ``indent`` cells and as wide as the terminal (Rich's ``Padding``); ``"plain"``, a
    plain Rich ``Text``, broken as Rich breaks Latin text (which Rich prints)."""

    text: str
    style: str = ""
    layout: str = "text"
    indent: int = 0

    def rich(self) -> Any:
        """What Rich prints for it."""
        from rich.padding import Padding

        from .typeset import cjk, para

        if self.layout == "fit":
            return para(self.text, self.style)
        if self.layout == "indent":
            return Padding(cjk(self.text, self.style), (0, 0, 0, self.indent))
        if self.layout == "plain":
            from rich.text import Text

            return Text(self.text, self.style)
        return cjk(self.text, self.style)


class Paragraphs:
    """Paragraphs (the cards of a narrow layout: thousands of lines) printed one after
    another as Rich prints them as a group, without its work per paragraph (a Text, a
    Padding, their measuring, lines and padding: most of the layout's time). Laid out
    by the grid's rules (:func:`_broken`, padding to the width as Rich's ``Padding``
    pads); where a text is not plain (a control character), the width too narrow for
    a wide character, or the first ``check`` paragraphs not what Rich makes of them,
    segment by segment with their styles, Rich prints them all."""

    def __init__(self, paragraphs: Sequence[Paragraph], check: int = 5) -> None:
        self.paragraphs = list(paragraphs)
        self.check = check

    def _rich(self) -> Any:
        from rich.console import Group

        return Group(*(p.rich() for p in self.paragraphs))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        width = options.max_width
        usable = all(
            p.layout != "plain"
            and (p.text or p.layout == "text")  # an empty padded one: Rich prints no line
            and _plain(p.text, True)
            and width - p.indent >= 2
            for p in self.paragraphs
        )
        made = [self._lines(p, console, width) for p in self.paragraphs] if usable else []
        mine = [lines for lines in made if lines is not None]
        usable = usable and len(mine) == len(made)
        if usable:
            for p, lines in zip(self.paragraphs[: self.check], mine, strict=False):
                rendered = Segment.split_lines(console.render(p.rich(), options))
                if [_merged(line) for line in rendered] != [_merged(line) for line in lines]:
                    usable = False
                    break
        if not usable:
            yield self._rich()
            return
        new_line = Segment.line()
        for lines in mine:
            for line in lines:
                yield from line
                yield new_line

    @staticmethod
    def _lines(p: Paragraph, console: Console, width: int) -> list[list[Segment]] | None:
        """The paragraph's lines; None where Rich is to print it (one that would be
        as wide as nothing: Rich prints no line of it)."""
        from rich.cells import cell_len
        from rich.segment import Segment
        from rich.style import Style

        style = console.get_style(p.style) if p.style else None
        if p.layout == "text":
            return [[Segment(line, style)] for line in _broken(p.text, width)]
        left: list[Segment] = []
        if p.layout == "fit":
            widest = _measure(p.text)[1]
            if widest < 1:
                return None
            width = min(widest, width)
        else:
            width -= p.indent
            left = [Segment(" " * p.indent, Style())]
        out = []
        for line in _broken(p.text, width):
            pad = width - cell_len(line)
            text = [Segment(line, style)] if line else []
            out.append([*left, *text, *([Segment(" " * pad, Style())] if pad else [])])
        return out


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

"""Chinese text on the terminal: a console, and lines broken as Chinese is typeset.

Kept apart from :mod:`ipq.render` (which needs the models) so that help pages and the
print-width model load only this.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def console(stderr: bool = False) -> Console:
    """A console that writes no escape codes when piped or when NO_COLOR is set."""
    import os

    from rich.console import Console

    if os.environ.get("NO_COLOR"):
        return Console(stderr=stderr, highlight=False, color_system=None)
    return Console(stderr=stderr, highlight=False)


def rich_width() -> int | None:
    """The width a :func:`console` takes (``rich.console.Console.size``), worked out as
    Rich does where that is plain: ``COLUMNS``, else the first of stdin, stdout and
    stderr that is a terminal, else 80. None where Rich would weigh more (a dumb
    terminal, Windows). The tests hold it equal to Rich's."""
    import os
    import sys

    if sys.platform == "win32" or os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):  # not a terminal
            continue
        return width or 80
    return 80


def print_lines(lines: list[str]) -> None:
    """Print each line as a paragraph (:func:`para`), as the console prints it.

    Where every line is plain text that fits the terminal (:func:`_plain_fits`), Rich
    would print each as it is: so it is, without importing Rich
    (a mark's whole report is a line; Rich's import was 6% of a mark's time).
    """
    width = rich_width()
    if width is not None and all(_plain_fits(line, width) for line in lines):
        import sys

        sys.stdout.write("".join(f"{line}\n" for line in lines))
        sys.stdout.flush()
        return
    out = console()
    for line in lines:
        out.print(para(line))


def _plain_fits(line: str, width: int) -> bool:
    """Printable, not empty, no spaces at its ends, every character one or two cells
    (none that joins another: a combining mark, a zero-width joiner), within ``width``."""
    if not line or not line.isprintable() or line != line.strip():
        return False
    cells = [_cells(ch) for ch in line]
    return min(cells) > 0 and sum(cells) <= width


# -- Chinese line breaking (避头尾) ----------------------------------------------------

#: No line may start with these: the character before moves down with them.
NO_START = frozenset("、，。；：？！）》」』”’〉】〕…·%,.;:?!)]}）］｝．")
#: No line may end with these: they move down to the text they open.
NO_END = frozenset("（《「『“‘〈【〔([{（［｛")


def _may_break(a: str, b: str, before: str) -> bool:
    """May a line end between ``a`` and ``b``? (``before``: the last character before the
    break that is not a space.) After a space, yes; between two Chinese characters, yes --
    unless a closing mark would start the line or an opening one end it; inside a run of
    Latin letters, digits and ASCII marks (a number, ``--dept``, ``8.2``), or between a
    number and the Chinese word after it (``1 项``), no."""
    if b.isspace() or b in NO_START or before in NO_END:
        return False  # (at spaces, the break comes after them, and they go)
    if before.isdigit() and before.isascii() and not b.isascii():
        return False  # a number keeps its measure word: 1 项, 2019年, 12 行
    return a.isspace() or not (a.isascii() and b.isascii())


class _Cells(dict[str, int]):
    """Terminal cells of each character met so far (line_breaks asks for every one)."""

    def __missing__(self, ch: str) -> int:
        from rich.cells import cell_len

        size = self[ch] = cell_len(ch)
        return size


_cells = _Cells().__getitem__


def _last_break(text: str, start: int, end: int) -> int:
    """The last place in ``text[start + 1 : end + 1]`` where a line may end, or -1."""
    for k in range(end, start, -1):
        before = text[start:k].rstrip()[-1:]  # the last character before k that is not a space
        if _may_break(text[k - 1], text[k], before):
            return k
    return -1


@lru_cache(maxsize=1 << 12)  # a column's width is chosen by breaking its texts at many
def _ends(text: str, measure: Any) -> list[float]:
    return list(accumulate(map(measure, text), initial=0))


def line_breaks(
    text: str, width: float, measure: Any = None, keep_widow: bool = False
) -> list[int]:
    """Offsets where ``text`` (one paragraph) is broken to fit ``width`` cells: lines are
    filled as Chinese is typeset, 避头尾 kept; a run that cannot break is folded; a last
    line of one character takes one or two more with it from the line before (unless
    ``keep_widow``: to model an office suite, which does not). ``measure`` gives a
    character's width (default: its terminal cells)."""
    if measure is None:
        measure = _cells
    # ends[k]: the width of text[:k]. From a line's start, the line is full at the first
    # character (not a space: spaces only count when text follows them) that takes it past
    # ``width``; the widths only grow, so that is a bisection, not a walk over the line.
    ends = _ends(text, measure)
    breaks: list[int] = []
    start = 0
    size_of = len(text)
    while True:
        i = max(bisect_right(ends, ends[start] + width, start + 1) - 1, start + 1)
        while i < size_of and text[i].isspace():
            i += 1
        if i >= size_of:
            break
        # the line is full: end it at the last place it may end (where a line may end is
        # asked only here, from the end back, not at every character)
        last = _last_break(text, start, i)
        cut = last if last > start else i
        breaks.append(cut)
        start = cut
        while start < size_of and text[start].isspace():  # spaces at a break go
            start += 1
        if start >= size_of:
            break
    if breaks and not keep_widow:
        _no_widow(text, breaks, width, measure)
    return breaks


def terminal_breaks(text: str, width: int) -> list[int]:
    """:func:`line_breaks` for the terminal, where every line is printed without the
    ASCII spaces it begins with: the paragraph's own leading spaces are not counted
    either, so they never leave its first line empty (`` 《、、`` in six cells)."""
    lead = len(text) - len(text.lstrip(" "))
    return [lead + cut for cut in line_breaks(text[lead:], width)]


def _no_widow(text: str, breaks: list[int], width: float, measure: Any) -> None:
    """Move the last break back by up to three characters if the last line would hold
    only one (marks aside), where a break is allowed there and the line before keeps more."""
    tail = text[breaks[-1] :].strip().rstrip("".join(NO_START))
    if len(tail) > 1:
        return
    floor = breaks[-2] if len(breaks) > 1 else 0
    for back in (1, 2, 3):
        at = breaks[-1] - back
        if at - floor < 2:
            return
        before = text[:at].rstrip()[-1:]
        if _may_break(text[at - 1], text[at], before):
            if sum(measure(ch) for ch in text[at:].strip()) <= width:
                breaks[-1] = at
            return


def _lstripped(line: Any) -> Any:
    plain = line.plain
    skip = len(plain) - len(plain.lstrip(" "))
    return line[skip:] if skip else line


@lru_cache(maxsize=1)
def _kinsoku_text() -> type:
    from rich.containers import Lines
    from rich.text import Text

    class KinsokuText(Text):
        """Rich Text that breaks Chinese lines as Chinese typesetting does."""

        def wrap(self, console: Any, width: int, **kwargs: Any) -> Lines:
            if kwargs.get("no_wrap"):
                return Text.wrap(self, console, width, **kwargs)
            justify = kwargs.get("justify")
            lines = Lines()
            for paragraph in self.split("\n", allow_blank=True):
                for line in paragraph.divide(terminal_breaks(paragraph.plain, width)):
                    line.rstrip()
                    lines.append(_lstripped(line))
            if justify:
                lines.justify(
                    console, width, justify=justify, overflow=kwargs.get("overflow") or "fold"
                )
            return lines

    return KinsokuText


def cjk(text: str, style: str = "") -> Any:
    """Text for a wrapped cell or paragraph: folded, never cut, broken per 避头尾."""
    return _kinsoku_text()(text, style=style)


def para(text: str, style: str = "") -> Any:
    """A paragraph to print: ``console.print`` joins bare Text pieces into a plain Text
    (which would lose the line breaking), so it is handed over inside a Padding."""
    from rich.padding import Padding

    return Padding(cjk(text, style), 0, expand=False)

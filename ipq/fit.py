"""Column widths for printed tables: wide enough that no paragraph ends on a line holding a
single character (a "widow" that wastes a line and reads badly in Chinese).

Widths are in cell units: a Chinese character takes 2, a Latin letter or digit 1 -- the
way Excel counts column width, and close to how Word sets 仿宋 beside Times New Roman.
Lines are broken as the terminal breaks them (:func:`ipq.typeset.line_breaks`: 避头尾 kept,
numbers whole), which is how Word, WPS and LibreOffice break Chinese too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache

from rich.cells import cell_len

from .typeset import NO_START, line_breaks

#: Marks that may not begin a line, which a widow may carry.
_MARKS = "".join(NO_START)


class _Widths(dict[str, float]):
    """A character's width in a proportional office font, in cell units: a Chinese
    character 2, a digit or letter about 1, a space about half of one. Looked up, and
    worked out once per character (choosing a table's widths asks some 400,000 times)."""

    def __missing__(self, ch: str) -> float:
        import unicodedata

        width = 0.5 if ch == " " else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        self[ch] = width
        return width


#: ``width_of(ch)``: see :class:`_Widths`.
width_of = _Widths().__getitem__


@lru_cache(maxsize=1 << 16)
def _span(paragraph: str) -> float:
    """The width of a paragraph set on one line."""
    return sum(map(width_of, paragraph.strip()))


@lru_cache(maxsize=1 << 16)
def _broken(paragraph: str, width: float) -> tuple[str, ...]:
    cuts = [0, *line_breaks(paragraph, max(width, 2), width_of, keep_widow=True), len(paragraph)]
    return tuple(paragraph[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False))


def lines(text: str, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out += [paragraph.strip()] if _span(paragraph) <= width else _broken(paragraph, width)
    return out


def _lonely(line: str) -> bool:
    return cell_len(line.rstrip(_MARKS)) <= 2


#: How many distinct paragraphs a column's width is chosen by: a sample, evenly spread,
#: of a larger table (a 1,000-task export has some 30,000 across its columns).
SAMPLE = 100


def _paragraphs(texts: Collection[str]) -> list[str]:
    """The distinct paragraphs of ``texts`` (a table repeats many), or an even sample of
    :data:`SAMPLE` of them."""
    every = sorted({p for text in set(texts) for p in text.split("\n") if p.strip()})
    step = max(1, -(-len(every) // SAMPLE))
    return every[::step]


def _widows(paragraphs: Collection[str], width: float) -> int:
    count = 0
    for paragraph in paragraphs:
        if _span(paragraph) <= width - 0.6:
            continue  # one line at either width: no widow
        for near in (width - 0.6, width):
            broken = lines(paragraph, near)
            count += len(broken) > 1 and _lonely(broken[-1])
    return count


def widows(texts: Collection[str], width: float) -> int:
    """How many distinct paragraphs of ``texts`` end on a line with one character (or
    none but marks), at ``width`` or were the column a little narrower: office suites
    measure Latin letters, spaces and borders a little differently, and the choice must
    hold for each of them."""
    return _widows(_paragraphs(texts), width)


def best_width(texts: Collection[str], base: int, below: int, above: int) -> int:
    """The width from ``base - below`` to ``base + above`` that leaves the fewest widows,
    the nearest to ``base`` among equals."""
    candidates = sorted(range(max(base - below, 4), base + above + 1), key=lambda w: abs(w - base))
    paragraphs = _paragraphs(texts)
    return min(candidates, key=lambda w: _widows(paragraphs, w))


def fit(columns: Sequence[Sequence[str]], widths: Sequence[int], spread: int = 8) -> list[int]:
    """Widths for a table as wide as ``widths`` together (or up to ``spread`` narrower),
    each within ``spread`` of its own, that leave the fewest widows in all columns
    together (the nearest to the given widths among equals). A small dynamic programme
    over the columns and the width used so far."""
    total = sum(widths)
    # best[used] = ((widows, distance), widths so far)
    best: dict[int, tuple[tuple[int, int], list[int]]] = {0: ((0, 0), [])}
    for texts, base in zip(columns, widths, strict=True):
        paragraphs = _paragraphs(texts)
        options = [
            (w, _widows(paragraphs, w), abs(w - base))
            for w in range(max(base - spread, 4), base + spread + 1)
        ]
        step: dict[int, tuple[tuple[int, int], list[int]]] = {}
        for used, ((bad, far), chosen) in best.items():
            for w, bad_w, far_w in options:
                key = used + w
                score = (bad + bad_w, far + far_w)
                if key not in step or score < step[key][0]:
                    step[key] = (score, [*chosen, w])
        best = step
    fitting = [best[t] for t in range(total - spread, total + 1) if t in best]
    return min(fitting)[1] if fitting else list(widths)

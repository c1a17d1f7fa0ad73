"""ipq.grid prints a long table exactly as Rich prints it, byte for byte."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from ipq.grid import Grid, Paragraph, Paragraphs, Styled
from ipq.render import FOLD, SHORT, fix_widths, new_table
from ipq.typeset import cjk

from .conftest import invoke

PIECES = [
    "中文", "知识产权", "，", "。", "、", "（", "）", "“", "”", " ", "　", "\n", "\n\n",
    "2019", "年", "8.2", "--dept", "abc", "⚠", "…", "逾期", "a" * 30, "长" * 30, "[b]", ":x:",
    "\\", "\t", "\x1b", "é", "\u0301", "😀",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
numbers = st.sampled_from(["1", "8.2", "12", "999", "1000.3", "[x]"])

COLUMNS = (
    ("编号", {**SHORT, "justify": "right", "width": 6}),
    ("任务", {**FOLD, "ratio": 2}),
    ("要求", {**FOLD, "width": 6}),
    ("地方落实举措", {**FOLD, "ratio": 6}),
    ("状态", {**FOLD, "width": 8}),
)


def _printed(renderable: object, width: int, color: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=color, color_system="standard" if color else None
    )
    console.print(renderable)
    return out.getvalue()


def _both(rows: list[list[str]], width: int, color: bool) -> tuple[str, str]:
    rich_table = new_table(*COLUMNS, title="浙江省的任务（标题）")
    fix_widths(rich_table, width)
    for row in rows:
        rich_table.add_row(row[0], *(cjk(text) for text in row[1:]))

    def grid_table() -> Table:
        made = new_table(*COLUMNS, title="浙江省的任务（标题）")
        fix_widths(made, width)
        return made

    return _printed(rich_table, width, color), _printed(Grid(grid_table, rows), width, color)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(numbers, texts, texts, texts, texts).map(list), min_size=1, max_size=6),
    st.sampled_from([100, 120, 160]),
    st.booleans(),
)
def test_the_grid_prints_what_rich_prints(rows: list[list[str]], width: int, color: bool) -> None:
    by_rich, by_grid = _both(rows, width, color)
    assert by_grid == by_rich


def test_the_grid_lays_out_plain_text_itself() -> None:
    rows = [
        ["8.2", "深入实施专利质量提升工程", "必做", "各地要积极采取措施。" * 9, "未开始 ⚠\n逾期"]
    ]

    def table() -> Table:
        made = new_table(*COLUMNS)
        fix_widths(made, 100)
        return made

    grid = Grid(table, rows)
    assert grid.usable()
    _printed(grid, 100, False)
    assert grid.rows == rows and not grid.table.rows  # Rich never saw the rows
    for odd in ("带\x1b[31m控制字符", "a\tb"):
        assert not Grid(table, [[*rows[0][:3], odd, "x"]]).usable()
    assert not Grid(table, [["[red]1", *rows[0][1:]]]).usable()  # markup, to Rich


@pytest.mark.parametrize("columns", ["100", "120", "160"])
def test_obligations_print_as_rich_printed_them(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """The whole command, with the grid and with Rich alone, on a list with progress."""
    f = ["-f", str(data_copy)]
    assert (
        invoke("mark", "8", "-p", "浙江", "-s", "done", "-n", "已完成，见附件。", *f).exit_code == 0
    )
    args = ["obligations", "--province", "浙江", "--as-of", "2019-09-01", *f]
    used = []
    usable = Grid.usable

    def watched(self: Grid) -> bool:
        used.append(usable(self))
        return used[-1]

    monkeypatch.setattr(Grid, "usable", watched)
    by_grid = invoke(*args, env={"COLUMNS": columns})
    assert by_grid.exit_code == 0 and used == [True]
    monkeypatch.setattr(Grid, "usable", lambda self: False)
    by_rich = invoke(*args, env={"COLUMNS": columns})
    assert by_rich.stdout == by_grid.stdout
    assert "│" in by_grid.stdout and "已完成" in by_grid.stdout


def _generated(tmp_path: Path, tasks: int) -> Path:
    import subprocess
    import sys

    path = tmp_path / "big.yaml"
    done = subprocess.run(
        [sys.executable, "bench/generate.py", "--tasks", str(tasks), "-o", str(path)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return path


def _always_cropped(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every print crop its lines; what was to be printed uncropped is listed."""
    printed = Console.print
    uncropped: list[object] = []

    def cropped(self: Console, *objects: object, **kwargs: object) -> None:
        if kwargs.pop("crop", True) is False:
            uncropped.append(objects[0])
        printed(self, *objects, crop=True, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Console, "print", cropped)
    return uncropped


@pytest.mark.parametrize("columns", ["80", "100", "120"])
def test_a_board_wider_than_the_terminal_is_printed_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """60 tasks make some 70 duty columns: each block fits, has the provinces down its
    side, every duty once, the totals in the last; and reads as Rich prints it."""
    from rich.cells import cell_len

    path = _generated(tmp_path, 60)
    args = ["board", "--as-of", "2019-09-01", "-f", str(path)]
    res = invoke(*args, env={"COLUMNS": columns})
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= int(columns)
    narrow = int(columns) < 120
    headers = [line.split() for line in lines if line.split()[:1] == ["省份"]]
    assert len(headers) > 1  # blocks
    numbers = [n for h in headers for n in h[1:] if n not in ("完成", "逾期")]
    board = json.loads(invoke(*args, "--json").stdout)
    assert numbers == board["duties"]  # every duty once, in order
    assert [h[-2:] == ["完成", "逾期"] for h in headers] == [False] * (len(headers) - 1) + [True]
    province = "浙" if narrow else "浙江"
    assert sum(line.split()[:1] == [province] for line in lines) == len(headers)
    coloured = invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"}).stdout
    assert "\x1b[1m" in coloured  # bold headers: the grid makes them after the first block
    monkeypatch.setattr(Grid, "usable", lambda self: False)
    assert invoke(*args, env={"COLUMNS": columns}).stdout == res.stdout
    assert invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"}).stdout == coloured
    # a block that fits is printed uncropped: cropping it changes nothing
    monkeypatch.undo()
    uncropped = _always_cropped(monkeypatch)
    assert invoke(*args, env={"COLUMNS": columns}).stdout == res.stdout
    assert invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"}).stdout == coloured
    assert len(uncropped) == 2 * len(headers)  # every block, each run
    assert all(isinstance(block, Grid) for block in uncropped)


@pytest.mark.parametrize("columns", ["100", "120", "161"])
def test_obligations_fit_the_terminal_and_print_uncropped_as_cropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """The obligations table is laid out to the terminal's width, so its lines need no
    cropping: printed without (fast), they are the bytes cropping gives."""
    from rich.cells import cell_len

    path = _generated(tmp_path, 60)
    args = ["obligations", "-p", "浙江", "--as-of", "2019-09-01", "-f", str(path)]
    plain = invoke(*args, env={"COLUMNS": columns})
    coloured = invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"})
    assert plain.exit_code == coloured.exit_code == 0
    lines = plain.stdout.splitlines()
    assert len(lines) > 100 and max(map(cell_len, lines)) == int(columns)
    uncropped = _always_cropped(monkeypatch)
    assert invoke(*args, env={"COLUMNS": columns}).stdout == plain.stdout
    assert invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"}).stdout == coloured.stdout
    assert len(uncropped) == 2 and all(isinstance(g, Grid) for g in uncropped)


@pytest.mark.parametrize(("width", "color"), [(60, False), (80, True), (99, False)])
def test_the_narrow_obligations_print_as_one_group_as_they_did_piece_by_piece(
    tl: object, width: int, color: bool
) -> None:
    """Printed as one group of paragraphs laid out by the grid (fast), the cards are
    the bytes printing each piece with Rich gave."""
    from ipq.query import obligations
    from ipq.render import narrow_obligations

    parts = narrow_obligations(obligations(tl, "浙江省"), date(2019, 9, 1))  # type: ignore[arg-type]
    piece_by_piece = "".join(_printed(part.rich(), width, color) for part in parts)
    assert _printed(Paragraphs(parts), width, color) == piece_by_piece
    assert "【" in piece_by_piece


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            texts,
            st.sampled_from(["", "bold", "dim"]),
            st.sampled_from(["text", "fit", "indent", "plain"]),
            st.sampled_from([0, 2, 4]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([3, 7, 20, 60, 80, 99]),
    st.booleans(),
    st.sampled_from([0, 1, 5]),
)
def test_paragraphs_print_what_rich_prints(
    specs: list[tuple[str, str, str, int]], width: int, color: bool, check: int
) -> None:
    """Any texts (control characters, markup, wide and combining characters), any
    layout, any width, checked against Rich or not: the bytes of Rich's group."""
    from rich.console import Group

    parts = [
        Paragraph(text, style, layout, indent if layout == "indent" else 0)
        for text, style, layout, indent in specs
    ]
    by_rich = _printed(Group(*(p.rich() for p in parts)), width, color)
    assert _printed(Paragraphs(parts, check), width, color) == by_rich


def test_paragraphs_lay_out_plain_text_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain paragraphs that fit are laid out by the grid, not by Rich (and the same)."""
    parts = [
        Paragraph("浙江省的任务", "bold"),
        Paragraph(""),
        Paragraph("8.2  深入实施专利质量提升工程  【未开始】", "bold", "fit"),
        Paragraph("必做（全部省份）· 年底前完成", "dim", "indent", 4),
        Paragraph("各地要积极采取措施，" * 9, layout="indent", indent=4),
    ]
    by_rich = _printed(Paragraphs(parts)._rich(), 40, True)
    monkeypatch.setattr(Paragraphs, "_rich", lambda self: pytest.fail("Rich printed them"))
    assert _printed(Paragraphs(parts * 50), 40, True) == by_rich * 50


LIST_COLUMNS = (
    ("编号", {**SHORT, "justify": "right"}),
    ("任务", {**FOLD, "ratio": 3}),
    ("执行部门", {**FOLD, "ratio": 2}),
    ("完成时间", {**FOLD, "min_width": 8}),
    ("状态", {**FOLD, "min_width": 6}),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), numbers, texts, texts, texts, texts), min_size=1, max_size=8),
    st.sets(st.integers(0, 7)),
    st.sampled_from([80, 100, 120]),
    st.booleans(),
)
def test_sections_styled_cells_and_rich_widths_print_as_rich_prints_them(
    rows: list[tuple[bool, str, str, str, str, str]], ends: set[int], width: int, color: bool
) -> None:
    """A task list's table: widths Rich works out from the cells, a section after
    some rows, a category's row with its text in bold."""
    cells: list[list[str | Styled]] = [
        ["", Styled(a, "bold"), "", "", ""] if heading else [number, a, b, c, d]
        for heading, number, a, b, c, d in rows
    ]
    ends = {i for i in ends if i < len(cells)}
    rich_table = new_table(*LIST_COLUMNS, title="任务清单")
    for i, row in enumerate(cells):
        rich_table.add_row(
            row[0],
            *(
                cjk(cell.text, style=cell.style) if isinstance(cell, Styled) else cjk(cell)
                for cell in row[1:]
            ),
            end_section=i in ends,
        )
    grid = Grid(lambda: new_table(*LIST_COLUMNS, title="任务清单"), cells, ends=ends, fit=True)
    assert _printed(grid, width, color) == _printed(rich_table, width, color)


@pytest.mark.parametrize("columns", ["80", "100", "120"])
@pytest.mark.parametrize("filters", [[], ["--dept", "商标局", "--status", "done"]])
def test_a_task_list_prints_as_rich_printed_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str, filters: list[str]
) -> None:
    """The whole command on 60 tasks (a category's row before each run of its tasks), with
    and without colour: the grid lays the body out, and prints what Rich alone prints."""
    path = _generated(tmp_path, 60)
    args = ["list", *filters, "--as-of", "2019-09-01", "-f", str(path)]
    laid_out = []
    lines = Grid._lines

    def watched(self: Grid, layout: object, console: object, count: int | None = None) -> object:
        laid_out.append(count)
        return lines(self, layout, console, count)  # type: ignore[arg-type]

    monkeypatch.setattr(Grid, "_lines", watched)
    plain = invoke(*args, env={"COLUMNS": columns})
    coloured = invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"})
    assert plain.exit_code == 0 and coloured.exit_code == 0
    assert laid_out.count(None) == 2  # the body, by the grid, both times (its check passed)
    assert "\x1b[1m" in coloured.stdout and "项任务" in plain.stdout
    assert plain.stdout.count("├") >= 3  # the header's rule, and one before each new category
    monkeypatch.setattr(Grid, "usable", lambda self: False)
    assert invoke(*args, env={"COLUMNS": columns}).stdout == plain.stdout
    assert invoke(*args, env={"COLUMNS": columns, "FORCE_COLOR": "1"}).stdout == coloured.stdout


usable_texts = st.lists(
    st.sampled_from(["中文", "知识产权", "，", "（", " ", "\n", "2019", "8.2", "--dept", "abc",
                     "a" * 30, "长" * 30, "⚠", "😀", "é"]),
    max_size=10,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), numbers, usable_texts, usable_texts, usable_texts, usable_texts),
        min_size=1,
        max_size=12,
    ),
    st.integers(10, 160),
)
def test_the_rows_that_decide_the_widths_give_richs_widths(
    rows: list[tuple[bool, str, str, str, str, str]], width: int
) -> None:
    """Rich works a list's widths out from every cell; the grid has it measure the few
    rows whose cells decide them, for the same widths, narrow tables (columns folded
    below their texts' widths) included."""
    cells: list[list[str | Styled]] = [
        ["", Styled(a, "bold"), "", "", ""] if heading else [number, a, b, c, d]
        for heading, number, a, b, c, d in rows
    ]
    grid = Grid(lambda: new_table(*LIST_COLUMNS, title="任务清单"), cells, fit=True)
    console = Console(file=io.StringIO(), width=width)
    options = console.options
    full = grid._table()
    room = options.update_width((full.width or options.max_width) - full._extra_width)
    assert len(grid._deciding()) <= 2 * len(LIST_COLUMNS)
    picked = grid._table(only=grid._deciding())
    assert picked._calculate_column_widths(console, room) == full._calculate_column_widths(
        console, room
    )

"""避头尾 in every wrapped cell and paragraph, at 80, 100 and 120 columns (part of issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipq.typeset import NO_END, NO_START, _may_break

from .conftest import invoke

SCREENS = [
    ["list"],
    ["list", "-p", "浙江"],
    ["show", "16"],
    ["show", "8"],
    ["obligations", "-p", "浙江"],
    ["obligations", "-p", "西藏"],
    ["depts"],
    ["groups"],
    ["summary"],
    ["history"],
    ["board"],
    ["provinces"],
    ["list", "-d", "商标局"],
]


def cells(line: str) -> list[str]:
    """The text of each cell of a table line (the whole line outside tables)."""
    parts = line.split("│")
    return [p.strip() for p in (parts[1:-1] if len(parts) > 2 else parts)]


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("args", SCREENS, ids=lambda a: " ".join(a))
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(
    data_copy: Path, width: int, args: list[str]
) -> None:
    invoke(
        "mark", "3", "-s", "done", "-n", "已按要求（第二批）报送，见附件。", "-f", str(data_copy)
    )
    res = invoke(*args, "-f", str(data_copy), env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.stderr
    for line in res.stdout.splitlines():
        for text in cells(line):
            if text:
                assert text[0] not in NO_START, (width, line)
                assert text[-1] not in NO_END, (width, line)
    assert "…" not in res.stdout


def test_a_list_of_task_numbers_never_splits_a_number(data_copy: Path) -> None:
    res = invoke("depts", "-f", str(data_copy), env={"COLUMNS": "80"})
    rows = [cells(line) for line in res.stdout.splitlines() if line.startswith("│")]
    for above, below in zip(rows, rows[1:], strict=False):
        if not below[0] and above[2] and below[2]:  # the same row, on its next line
            assert not (above[2][-1].isdigit() and below[2][0].isdigit()), (above, below)
    assert "Strategic" not in res.stdout  # below 100 columns the English names go
    wide = invoke("depts", "-f", str(data_copy), env={"COLUMNS": "120"})
    assert "Department of Strategic Planning" in wide.stdout


@pytest.mark.parametrize("width", [80, 100, 120])
def test_obligations_at_80_columns_put_the_measures_under_the_row(
    data_copy: Path, width: int, tl: object
) -> None:
    res = invoke("obligations", "-p", "浙江", "-f", str(data_copy), env={"COLUMNS": str(width)})
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert all(len(line) <= width for line in lines)
    flat = "".join(line.strip().strip("│").strip() for line in lines)
    import json

    items = json.loads(invoke("obligations", "-p", "浙江", "--json").stdout)["obligations"]
    if width < 100:  # no table: every measure whole, as one paragraph under its heading
        assert "┌" not in res.stdout and len(lines) < 130, len(lines)
        for item in items:
            assert "".join(item["measures"].split()) in "".join(flat.split())
            assert any(line.startswith(f"{item['number']}  ") for line in lines)
    else:
        assert "┌" in res.stdout  # wide enough for the table


PUNCTUATED = st.text(
    alphabet=st.sampled_from(list("知识产权保护中心建设工作") + list("、，。；：（）《》“”12 ab")),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(PUNCTUATED, st.integers(min_value=6, max_value=40))
def test_the_line_breaking_loses_nothing_and_keeps_every_rule(text: str, width: int) -> None:
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from ipq.typeset import cjk

    console = Console(width=width, file=io.StringIO(), color_system=None)
    lines = [line.plain for line in cjk(text).wrap(console, width, overflow="fold")]
    assert "".join("".join(lines).split()) == "".join(text.split())  # nothing lost or added
    assert all(cell_len(line) <= width for line in lines)
    at = 0
    for above, below in zip(lines, lines[1:], strict=False):
        at = text.index(above, at) + len(above)
        spaced = text[at].isspace()
        joined = above + " " + below if spaced else above + below
        legal = [
            j
            for j in range(1, len(above) + 1 + spaced)
            if _may_break(joined[j - 1], joined[j], joined[:j].rstrip()[-1:])
        ]
        if not legal:  # nowhere to break: the run is folded for want of room
            continue
        assert below[0] not in NO_START and above[-1] not in NO_END, (above, below)
        if not text[at].isspace():  # broken inside a word: never inside a number
            assert not (above[-1].isascii() and above[-1].isalnum() and below[0].isdigit())
        assert not (above[-1].isdigit() and not below[0].isascii()), (above, below)  # 1 项


def test_a_paragraph_never_ends_on_a_line_of_one_character() -> None:
    from rich.cells import cell_len

    from ipq.typeset import line_breaks

    text = "落实举措全文（国家和地方）、执行部门、完成时间、各部门的状态和备注、各省份的进度。"
    widowed = [
        w
        for w in range(10, 80)
        if len(text[(line_breaks(text, w, keep_widow=True) or [0])[-1] :].rstrip("。")) == 1
    ]
    assert widowed  # the plain filling leaves 度。 alone at some widths
    for w in widowed:
        cuts = line_breaks(text, w)
        last = text[cuts[-1] :]
        assert len(last.rstrip("。")) >= 2, (w, last)
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        assert all(cell_len(p) <= w for p in pieces)


def _breaks_by_every_character(
    text: str, width: float, keep_widow: bool, cell_len: Any = None
) -> list[int]:
    """The line filling written plainly: a walk over every character, asking at each
    where a line may end. ipq.typeset.line_breaks finds where a line is full by bisection
    and asks only there, from its end back; the two must agree."""
    from rich.cells import cell_len as terminal_cells

    from ipq.typeset import _no_widow

    cell_len = cell_len or terminal_cells

    breaks: list[int] = []
    start = used = pending = 0
    last = -1
    before = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if i > start and _may_break(text[i - 1], ch, before):
            last = i
        if ch.isspace():
            pending += cell_len(ch)
            i += 1
            continue
        size = cell_len(ch)
        if used + pending + size > width and i > start:
            cut = last if last > start else i
            breaks.append(cut)
            start, used, pending, last = cut, 0, 0, -1
            while start < len(text) and text[start].isspace():
                start += 1
            i = start
            continue
        used += pending + size
        pending = 0
        before = ch
        i += 1
    if breaks and not keep_widow:
        _no_widow(text, breaks, width, cell_len)
    return breaks


PIECES = list("中文字，。、；：？！（）《》“”‘’ 　abc12-.%[]…·\t") + [
    "2019", "8.2", "--dept", "  ", "e\u0301", "\u200b",  # no width: a combining mark, ZWSP
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.sampled_from([1, 2, 3, 4, 5, 7, 10, 16, 30, 5.5]),
    st.booleans(),
)
def test_lines_are_filled_as_the_plain_rule_fills_them(
    text: str, width: float, keep_widow: bool
) -> None:
    from ipq.fit import width_of
    from ipq.typeset import line_breaks

    assert line_breaks(text, width, keep_widow=keep_widow) == _breaks_by_every_character(
        text, width, keep_widow
    )
    # as an office suite's columns are measured (ipq.fit: a space half a cell)
    assert line_breaks(text, width, width_of, keep_widow) == _breaks_by_every_character(
        text, width, keep_widow, width_of
    )


def test_a_paragraphs_leading_spaces_never_leave_its_first_line_empty() -> None:
    """Found by the property above: " 《、、" in six cells broke after the space (the only
    break 避头尾 allows), and the line, printed without it, was empty."""
    import io

    from rich.console import Console

    from ipq.typeset import cjk, terminal_breaks

    console = Console(width=6, file=io.StringIO(), color_system=None)
    assert [line.plain for line in cjk(" 《、、").wrap(console, 6)] == ["《、、"]
    assert terminal_breaks("  甲乙丙丁", 4) == [4]  # 甲乙 / 丙丁: the spaces are not counted
    assert terminal_breaks("\u3000\u3000各地要积极", 6)[0] == 3  # an ideographic indent counts


# -- lines printed without Rich where Rich would print them as they are ----------------

_LINE_TEXT = st.text(
    st.sampled_from(
        list("任务进度备注，。、（）《》abc 12.-")
        + ["\t", "\x1b", "\u3000", "\u200b", "é", "👍", "\u0301"]
    ),
    max_size=50,
)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(_LINE_TEXT, min_size=1, max_size=3), width=st.integers(1, 120))
def test_lines_print_as_rich_prints_them(lines: list[str], width: int) -> None:
    """Byte for byte what the console prints, whether Rich is asked or not."""
    import contextlib
    import io

    from rich.console import Console

    from ipq.typeset import para, print_lines

    got = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(got):
        mp.setenv("COLUMNS", str(width))
        mp.setenv("TERM", "xterm")
        print_lines(lines)
    rich = Console(file=io.StringIO(), width=width, highlight=False, color_system=None)
    for line in lines:
        rich.print(para(line))
    assert got.getvalue() == rich.file.getvalue()  # type: ignore[attr-defined]


def test_a_line_that_fits_is_printed_without_rich() -> None:
    """A mark's report, in a real process: where its lines fit, Rich's console is never
    imported; a line that does not is folded by Rich."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from ipq.typeset import print_lines\n"
        "print_lines(['任务 3（商标局）：未开始 → 已完成（备注：已印发）', 'x' * 200])\n"
        "print('rich.console' in sys.modules)\n"
    )
    for columns, printed in (("300", ["x" * 200, "False"]), ("100", ["x" * 100] * 2 + ["True"])):
        env = {"PATH": "/usr/bin:/bin", "COLUMNS": columns, "PYTHONIOENCODING": "utf-8"}
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True, text=True, encoding="utf-8", env=env, check=True,
        ).stdout.splitlines()  # fmt: skip
        assert out == ["任务 3（商标局）：未开始 → 已完成（备注：已印发）", *printed], columns


def _widths_in(stdin: str, stdout: str, stderr: str, env: dict[str, str]) -> tuple[int, Any]:
    """Rich's console width and ipq's rich_width() in a process whose streams are a
    terminal of 77 columns or pipes, as given."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import tempfile
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 77, 0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        result = os.path.join(tmp, "widths")
        script = (
            "import sys\nfrom rich.console import Console\nfrom ipq.typeset import rich_width\n"
            f"open({result!r}, 'w').write(repr((Console().width, rich_width())))\n"
        )
        streams = {
            name: slave if kind == "tty" else subprocess.PIPE
            for name, kind in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr))
        }
        subprocess.run(
            [sys.executable, "-c", script], env={"PATH": "/usr/bin:/bin", **env}, check=True,
            timeout=60, **streams,  # type: ignore[arg-type]
        )  # fmt: skip
        os.close(slave)
        os.close(master)
        with open(result) as fh:
            rich, ours = eval(fh.read())
    return rich, ours


@pytest.mark.parametrize(
    "streams", [("pipe", "pipe", "pipe"), ("tty", "pipe", "pipe"), ("pipe", "tty", "pipe"),
                ("pipe", "pipe", "tty"), ("tty", "tty", "tty")],
)  # fmt: skip
@pytest.mark.parametrize(
    "env", [{}, {"COLUMNS": "123"}, {"COLUMNS": "0"}, {"COLUMNS": "wide"}, {"LINES": "9"},
            {"COLUMNS": "50", "LINES": "9"}, {"TERM": "xterm-256color"}, {"TERM": "dumb"},
            {"TERM": "unknown", "COLUMNS": "60"}, {"FORCE_COLOR": "1", "TERM": "dumb"},
            {"TTY_COMPATIBLE": "0"}],
)  # fmt: skip
def test_the_width_is_richs(streams: tuple[str, str, str], env: dict[str, str]) -> None:
    rich, ours = _widths_in(*streams, env)
    assert ours == rich or (ours is None and env.get("TERM") in ("dumb", "unknown"))


def test_on_a_colour_terminal_the_lines_are_richs_too() -> None:
    """On a terminal (where Rich would colour), the lines printed without Rich are the
    bytes Rich writes."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    script = (
        "import sys\nfrom ipq.typeset import console, para, print_lines\n"
        "lines = ['任务 3（商标局）：未开始 → 已完成（备注：已印发）', 'abc def']\n"
        "if sys.argv[1] == 'plain':\n    print_lines(lines)\n"
        "else:\n    out = console()\n    for line in lines:\n        out.print(para(line))\n"
    )

    def on_a_terminal(mode: str) -> bytes:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0))
        proc = subprocess.Popen(
            [sys.executable, "-c", script, mode], stdin=slave, stdout=slave, stderr=slave,
            env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color"},
        )  # fmt: skip
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait(timeout=60) == 0
        os.close(master)
        return out

    plain = on_a_terminal("plain")
    assert plain.startswith("任务 3（商标局）".encode())
    assert plain == on_a_terminal("rich")

"""Reports to hand on: Excel 台账, CSV, Markdown, JSON and HTML.

Every format is built from the same rows (:func:`task_rows` or
:func:`obligation_rows`), so they agree with each other and with ``ipq list``.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import UserError
from .models import STATUS_LABELS, Deadline, Progress, Task, TaskList
from .query import (
    LEVEL_LABELS,
    Board,
    DutyState,
    Obligations,
    Tally,
    duty_tally,
    national_overdue,
    national_status,
    national_tally,
)
from .render import departments_progress, latest_time, status_text
from .util import formula_like, visible

FORMATS: tuple[str, ...] = ("xlsx", "docx", "csv", "md", "json", "html")
BINARY = {"xlsx", "docx"}
_SUFFIXES = {
    ".xlsx": "xlsx",
    ".docx": "docx",
    ".csv": "csv",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
}


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in Excel character units; a Chinese character takes about 2
    wrap: bool = True


@dataclass(frozen=True)
class Report:
    """What any format writes: a title, the date, the columns and the rows."""

    title: str
    subtitle: str
    as_of: date
    columns: list[Column]
    rows: list[list[str]]
    statuses: list[str]  # one per row, for the summary
    overdue: list[bool]
    json: Callable[[], Any]  # makes what --json prints (only the JSON writer asks)
    tally: Tally  # counted as ipq summary counts: the same figures for the same day
    unit: str = ""  # whose report: the footer says it, with the date it was made
    made: date | None = None
    headline: str = ""  # the line under the title, where the statuses do not say it

    @property
    def footer(self) -> str:
        return f"报告单位：{self.unit} · 报告日期：{(self.made or date.today()).isoformat()}"


def human_time(stamp: str | None) -> str:
    """2019-06-30T10:00:00+08:00 as people write it: 2019-06-30 10:00."""
    if not stamp:
        return ""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def filter_words(tl: TaskList, q: Any, level: str | None = None) -> list[str]:
    """What a report was narrowed to, in words for its title (部门、类别、状态 …)."""
    from .query import DEADLINE_REGISTRY, resolve_level, resolve_status

    words = []
    if q.dept:
        words.append(f"部门：{tl.department_registry().resolve(q.dept)}")
    if q.category:
        words.append(f"类别：{tl.category_registry().resolve(q.category)}")
    if q.status:
        words.append(f"状态：{STATUS_LABELS[resolve_status(q.status)]}")
    if q.deadline:
        kind = DEADLINE_REGISTRY.resolve(q.deadline)
        words.append("完成时间：" + ("年内有阶段性成果" if kind == "milestone" else "年底前完成"))
    if q.grep:
        words.append(f"含“{q.grep}”")
    if level:
        words.append(f"要求：{LEVEL_LABELS[resolve_level(level)]}")
    if q.overdue:
        words.append("仅逾期")
    return words


def _titled(base: str, filters: list[str], as_of: date) -> str:
    return f"{base}（{'；'.join([*filters, f'截至 {as_of.isoformat()}'])}）"


def choose_format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        wanted = fmt.strip().lower().lstrip(".")
        wanted = {"markdown": "md", "excel": "xlsx", "htm": "html", "word": "docx"}.get(
            wanted, wanted
        )
        if wanted not in FORMATS:
            raise UserError(f"未知的格式“{fmt}”，可用：{'、'.join(FORMATS)}")
        implied = _SUFFIXES.get(output.suffix.lower()) if output is not None else None
        if implied is not None and implied != wanted:
            raise UserError(
                f"--format {wanted} 与输出文件 {output} 的扩展名不符（那是 {implied}）；"
                f"请改用 .{wanted} 结尾的文件名，或去掉 --format"
            )
        return wanted
    if output is not None and output.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[output.suffix.lower()]
    raise UserError(f"请用 --format 指定格式（{'、'.join(FORMATS)}），或用 -o 给出带扩展名的文件名")


#: The columns every report ends with: when, how far, what was said, when said.
_PROGRESS_COLUMNS = [
    Column("完成时间", 12),
    Column("状态", 10),
    Column("备注", 24),
    Column("更新时间", 20),
]


def _progress_cells(
    deadline: Deadline, progress: Progress, as_of: date, level: str | None = "must"
) -> list[str]:
    status = status_text(progress.status, deadline, as_of, level, overdue="（逾期）")
    return [deadline.text, status, progress.note or "", human_time(progress.updated)]


def _national_cells(t: Task, as_of: date) -> list[str]:
    """The roll-up, and each department's part where a task has several."""
    status = STATUS_LABELS[national_status(t)] + ("（逾期）" if national_overdue(t, as_of) else "")
    parts = departments_progress(t)
    if len(parts) == 1:
        return _progress_cells(t.deadline, parts[0], as_of)
    lines = [status] + [
        f"{d}：{status_text(p.status, t.deadline, as_of, overdue='（逾期）')}"
        for d, p in zip(t.departments, parts, strict=True)
    ]
    said = {p.note for p in parts}
    notes = (
        [n for n in said if n]  # every department says the same (or nothing)
        if len(said) == 1
        else [f"{d}：{p.note}" for d, p in zip(t.departments, parts, strict=True) if p.note]
    )

    updated = human_time(latest_time([p.updated for p in parts]))
    return [t.deadline.text, "\n".join(lines), "\n".join(notes), updated]


def national_status_text(t: Task, as_of: date) -> str:
    """The status cell of a task, with its notes: what a Word report shows in 状态."""
    _, status, notes, _ = _national_cells(t, as_of)
    return status + (f"\n备注：{notes}" if notes else "")


def task_report(
    tl: TaskList,
    tasks: list[Task],
    as_of: date,
    json_rows: Callable[[], list[Any]],
    filters: list[str] | None = None,
) -> Report:
    columns = [
        Column("编号", 6, wrap=False),
        Column("类别", 16),
        Column("任务清单", 22),
        Column("落实举措", 70),
        Column("执行部门", 22),
        *_PROGRESS_COLUMNS,
    ]
    rows = []
    for t in tasks:
        cat = tl.category(t.category)
        measures = "\n".join([t.national_measures, *(d.measures for d in t.duties)])
        units = "\n".join(
            ["局内：" + "、".join(t.departments), *(f"省份：{d.rule.text}" for d in t.duties)]
        )
        rows.append(
            [
                str(t.id),
                f"{cat.numeral}、{cat.title}",
                t.title,
                measures,
                units,
                *_national_cells(t, as_of),
            ]
        )
    return Report(
        _titled(tl.meta.title, filters or [], as_of),
        f"{tl.meta.issuer} · 共 {len(tasks)} 项任务",
        as_of,
        columns,
        rows,
        [national_status(t) for t in tasks],
        [national_overdue(t, as_of) for t in tasks],
        json_rows,
        national_tally(tl.meta.issuer, tasks, as_of),
        tl.meta.issuer,
    )


#: The verbatim columns of a province's duties, in its report and in its form.
DUTY_COLUMNS = [
    Column("编号", 6, wrap=False),
    Column("任务", 20),
    Column("要求", 10),
    Column("依据", 18),
    Column("地方落实举措", 64),
]


def duty_cells(o: DutyState) -> list[str]:
    return [o.number, o.task.title, LEVEL_LABELS[o.level], o.duty.rule.text, o.duty.measures]


def obligation_report(
    tl: TaskList,
    obs: Obligations,
    as_of: date,
    json_obj: Callable[[], Any],
    filters: list[str] | None = None,
) -> Report:
    columns = [*DUTY_COLUMNS, *_PROGRESS_COLUMNS]
    rows = []
    for o in obs.items:
        rows.append([*duty_cells(o), *_progress_cells(o.task.deadline, o.progress, as_of, o.level)])
    return Report(
        _titled(f"{tl.meta.title}：{obs.province}", filters or [], as_of),
        f"{obs.province} · 共 {len(obs.items)} 项地方落实举措",
        as_of,
        columns,
        rows,
        [o.progress.status for o in obs.items],
        [o.overdue(as_of) for o in obs.items],
        json_obj,
        duty_tally(obs.province, obs.items, as_of),
        obs.province,
    )


SUMMARY_COLUMNS = [
    Column("分组", 12, wrap=False),
    Column("名称", 36),
    Column("已完成", 8, wrap=False),
    Column("应做", 8, wrap=False),
    Column("完成率", 8, wrap=False),
    Column("逾期", 8, wrap=False),
    Column("待确认", 8, wrap=False),
]


def summary_report(tl: TaskList, s: Any, json_obj: Callable[[], Any]) -> Report:
    """``ipq summary`` as a report: one row per category, department and province."""
    rows, late = [], []
    for group, tallies in (
        ("按类别", s.categories),
        ("按牵头部门", s.departments),
        ("按省份", s.provinces),
    ):
        for t in tallies:
            rate = f"{100 * t.done / t.binding:.0f}%" if t.binding else "－"
            confirm = str(t.to_confirm) if group == "按省份" else ""
            rows.append([group, t.name, str(t.done), str(t.binding), rate, str(t.overdue), confirm])
            late.append(t.overdue > 0)
    total = sum(s.statuses.values())
    counts = "，".join(
        f"{STATUS_LABELS[k]} {v}" for k, v in s.statuses.items() if v or k != "not_applicable"
    )
    return Report(
        _titled(f"{tl.meta.title}：进度汇总", [], s.as_of),
        tl.meta.issuer,
        s.as_of,
        SUMMARY_COLUMNS,
        rows,
        [],
        late,
        json_obj,
        national_tally(tl.meta.issuer, tl.tasks, s.as_of),
        tl.meta.issuer,
        headline=(
            f"共 {total} 项任务：{counts}；逾期 {s.overdue} 项（截至 {s.as_of.isoformat()}）"
        ),
    )


def progress_line(report: Report) -> str:
    if report.headline:
        return report.headline
    counts = {s: report.statuses.count(s) for s in STATUS_LABELS}
    parts = "，".join(
        f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n or s != "not_applicable"
    )
    t = report.tally
    confirm = f"，待确认 {t.to_confirm} 项" if t.to_confirm else ""
    return (
        f"共 {len(report.rows)} 项：{parts}；应做 {t.binding} 项，已完成 {t.done} 项，"
        f"逾期 {t.overdue} 项{confirm}（截至 {report.as_of.isoformat()}）"
    )


# -- writers ----------------------------------------------------------------


def csv_cell(text: str) -> str:
    """Control characters shown, and a cell a spreadsheet would run as a formula made text.

    The apostrophe is how Excel and LibreOffice mark a cell as text.
    """
    text = visible(text)
    return "'" + text if formula_like(text) else text


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in report.columns])
    writer.writerows([csv_cell(v) for v in row] for row in report.rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def _md_cell(text: str) -> str:
    return html.escape(visible(text), quote=False).replace("|", "\\|").replace("\n", "<br>") or " "


def to_markdown(report: Report) -> bytes:
    lines = [
        f"# {report.title}",
        "",
        f"{report.subtitle}。{progress_line(report)}。",
        "",
        "| " + " | ".join(c.header for c in report.columns) + " |",
        "|" + "|".join("---" for _ in report.columns) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in report.rows]
    lines += ["", report.footer]
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_json(report: Report) -> bytes:
    return (json.dumps(report.json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimSun", sans-serif;
       margin: 2em; color: #222; line-height: 1.5; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta { color: #555; margin: 0 0 1em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #e8eef7; }
td { white-space: pre-wrap; line-break: strict; text-wrap: pretty; }
td.nowrap { white-space: nowrap; }
tr.overdue td.status { color: #b00020; font-weight: bold; }
.summary td, .summary th { text-align: center; }
@page { size: A4 landscape; margin: 12mm 12mm 16mm;
        @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; } }
.footer { color: #555; margin-top: 1em; }
@media print {
  body { margin: 0; font-size: 10pt; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; }
  th { background: none; }
}
"""


def _html_counts(report: Report) -> str:
    """The small table of statuses above the rows (a summary report has its own figures)."""
    if not report.statuses:
        return ""
    e = html.escape
    counts = {s: report.statuses.count(s) for s in STATUS_LABELS}
    summary = (
        "".join(f"<th>{e(STATUS_LABELS[s])}</th>" for s in counts) + "<th>逾期</th><th>合计</th>"
    )
    numbers = "".join(f"<td>{n}</td>" for n in counts.values())
    numbers += f"<td>{sum(report.overdue)}</td><td>{len(report.rows)}</td>"
    return (
        f'<table class="summary"><thead><tr>{summary}</tr></thead>'
        f"<tbody><tr>{numbers}</tr></tbody></table>"
    )


def to_html(report: Report) -> bytes:
    e = html.escape
    total = sum(c.width for c in report.columns)
    cols = "".join(f'<col style="width:{100 * c.width / total:.1f}%">' for c in report.columns)
    head = "".join(f"<th>{e(c.header)}</th>" for c in report.columns)
    body = []
    for row, late in zip(report.rows, report.overdue, strict=True):
        cells = []
        for c, value in zip(report.columns, row, strict=True):
            classes = [
                name for name, on in (("status", c.header == "状态"), ("nowrap", not c.wrap)) if on
            ]
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{e(visible(value))}</td>")
        row_attr = ' class="overdue"' if late else ""
        body.append(f"<tr{row_attr}>" + "".join(cells) + "</tr>")
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(report.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(report.title)}</h1>
<p class="meta">{e(report.subtitle)}</p>
{_html_counts(report)}
<p class="meta">{e(progress_line(report))}</p>
<table class="tasks">
<colgroup>{cols}</colgroup>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<p class="footer">{e(report.footer)}</p>
</body>
</html>
"""
    return page.encode("utf-8")


#: The height of one line of 11-point text in a spreadsheet row, in points.
LINE_POINTS = 15


def wrapped_lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a column ``width`` characters wide (a Chinese
    character takes two of Excel's character units; about one goes to the padding)."""
    from .fit import lines

    return len(lines(text, width - 1))


def row_height(columns: list[Column], values: list[str], widths: list[int]) -> int:
    """The height of a row of ``values`` in points: as many lines as its longest wrapped
    cell takes (LibreOffice and WPS do not fit wrapped rows on opening), at most Excel's
    409."""
    wrapped = [
        wrapped_lines(v, w) for c, v, w in zip(columns, values, widths, strict=True) if c.wrap
    ]
    lines = max([1, *wrapped])
    return min(409, LINE_POINTS * lines + 4)


def fitted_widths(columns: list[Column], rows: list[list[str]]) -> list[int]:
    """Each wrapped column's width, moved a little (more often wider: the sheet is
    scaled to the page's width when printed) so that no cell's text ends on a line
    holding one character (see :mod:`ipq.fit`)."""
    from .fit import best_width

    return [
        best_width([row[i] for row in rows], c.width - 1, 3, 10) + 1 if c.wrap else c.width
        for i, c in enumerate(columns)
    ]


def to_xlsx(report: Report) -> bytes:
    from .xlsx import BORDER, TITLE, Book, cell_text, header, print_setup, put

    book = Book()
    ws = book.sheet("台账")
    last = len(report.columns) - 1
    ws.merge_range(0, 0, 0, last, report.title, book.style(**TITLE))
    ws.merge_range(1, 0, 1, last, f"{report.subtitle}。{progress_line(report)}。")
    header_row = 2
    widths = fitted_widths(report.columns, report.rows)
    header(book, ws, header_row, [c.header for c in report.columns], widths)
    styles = [book.style(valign="top", text_wrap=c.wrap, **BORDER) for c in report.columns]
    for r, row in enumerate(report.rows, start=header_row + 1):
        clean = [cell_text(value, r, i) for i, value in enumerate(row)]
        for i, (value, style) in enumerate(zip(clean, styles, strict=True)):
            if value.isascii() and value.isdigit() and len(value) < 10:
                ws.write_number(r, i, int(value), style)
            else:
                put(ws, r, i, value, style)
        ws.set_row(r, row_height(report.columns, clean, widths))
    ws.freeze_panes(header_row + 1, 0)
    ws.autofilter(header_row, 0, header_row + len(report.rows), last)
    print_setup(ws, report.footer, header_row)
    return book.bytes()


WRITERS: dict[str, Callable[[Report], bytes]] = {
    "xlsx": to_xlsx,
    "csv": to_csv,
    "md": to_markdown,
    "json": to_json,
    "html": to_html,
}


def render(report: Report, fmt: str) -> bytes:
    if fmt == "docx":
        from .word import report_document

        return report_document(report)
    return WRITERS[fmt](report)


def check_output(fmt: str, output: Path | None, force: bool) -> None:
    """Refuse what would surprise: binary to a terminal, overwriting without --force."""
    if output is None:
        if fmt in BINARY:
            raise UserError(
                f"{fmt} 是二进制文件，不能输出到终端；请用 -o 指定文件，如 -o 台账.{fmt}"
            )
        return
    if output.is_dir():
        raise UserError(f"{output} 是一个目录，请给出文件名，如 {output / ('台账.' + fmt)}")
    if output.exists() and not force:
        raise UserError(f"{output} 已存在；要覆盖请加 --force")
    if not output.parent.exists():
        raise UserError(f"目录 {output.parent} 不存在")


#: Cell colours of the board export, by status (light, so the text stays readable in print).
BOARD_FILLS = {
    "done": "C6EFCE",
    "in_progress": "FFEB9C",
    "todo": "FFFFFF",
    "blocked": "F4B6B6",
    "not_applicable": "D9D9D9",
}
TO_CONFIRM_FILL = "DDEBF7"
OVERDUE_FONT = "C00000"


def board_xlsx(b: Board) -> bytes:
    """Provinces × duties, a cell per duty with its status in words, coloured by status."""
    from .xlsx import TITLE, Book, print_setup

    book = Book()
    ws = book.sheet("进度一览")
    title = f"各省份的地方落实举措进度一览（截至 {b.as_of.isoformat()}）"
    ws.write_string(0, 0, title, book.style(**TITLE))
    heads = ["省份", *b.duties, "完成", "应做", "逾期", "待确认"]
    top = book.style(bold=True, align="center")
    for i, head in enumerate(heads):
        ws.write_string(2, i, head, top)
        ws.set_column(i, i, 18 if i == 0 else 9)
    center = {"align": "center", "valign": "vcenter", "text_wrap": True}
    late = {"font_color": "#" + OVERDUE_FONT, "bold": True}
    for r, row in enumerate(b.rows, start=3):
        ws.write_string(r, 0, row.province)
        for c, state in enumerate(row.cells.values(), start=1):
            if state is None:
                continue
            if state.to_confirm:
                value, fill = "待确认", TO_CONFIRM_FILL
            else:
                value = STATUS_LABELS[state.progress.status]
                value += "（选做）" if state.level == "optional" else ""
                fill = BOARD_FILLS[state.progress.status]
            overdue = state.overdue(b.as_of)
            style = book.style(bg_color="#" + fill, **center, **(late if overdue else {}))
            ws.write_string(r, c, value + ("（逾期）" if overdue else ""), style)
        t = row.tally
        for c, count in enumerate(
            (t.done, t.binding, t.overdue, t.to_confirm), start=len(b.duties) + 1
        ):
            ws.write_number(r, c, count)
    ws.freeze_panes(3, 1)
    print_setup(ws, f"报告日期：{date.today().isoformat()}", 2, fit_width=False)
    return book.bytes()

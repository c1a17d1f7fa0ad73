"""All output: Rich tables for people, JSON shapes for scripts.

The JSON shapes are a promise (documented in README.md, tested exactly):
keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from .models import STATUS_LABELS, Change, Deadline, Progress, Task, TaskList
from .query import (
    LEVEL_LABELS,
    Board,
    DutyState,
    Obligations,
    Summary,
    Tally,
    duty_states,
    is_overdue,
    national_overdue,
    national_status,
    overdue_key,
    to_confirm,
)
from .typeset import cjk, console, para, print_lines
from .util import visible

__all__ = ["cjk", "console", "para"]  # (cli and helpdoc print through these)

if TYPE_CHECKING:
    from rich.table import Table

    from .grid import Cell, Paragraph


# -- JSON -------------------------------------------------------------------


def emit_json(obj: Any) -> None:
    import json

    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def latest_time(values: list[str | None]) -> str | None:
    """The latest of several ISO times (with offsets), or None."""
    from datetime import datetime

    given = [v for v in values if v]
    return max(given, key=datetime.fromisoformat) if given else None


def departments_progress(t: Task) -> list[Progress]:
    return [t.department_progress(d) for d in t.departments]


def task_json(
    tl: TaskList, t: Task, as_of: date | None = None, province: str | None = None
) -> dict[str, Any]:
    """A task; its national ``status`` is the roll-up of its departments' parts."""
    day = as_of or date.today()
    cat = tl.category(t.category)
    parts = departments_progress(t)
    notes = {p.note for p in parts}
    obj: dict[str, Any] = {
        "id": t.id,
        "title": t.title,
        "category": cat.title,
        "category_number": cat.number,
        "departments": list(t.departments),
        "deadline": t.deadline.text,
        "deadline_kind": t.deadline.kind,
        "due": t.deadline.due.isoformat(),
        "status": national_status(t),
        "note": notes.pop() if len(notes) == 1 else None,  # only when every part says the same
        "updated": latest_time([p.updated for p in parts]),
        "overdue": national_overdue(t, day),
        "national_measures": t.national_measures,
        "local_measures": [
            {
                "measures": d.measures,
                "rule": d.rule.text,
                "binds": d.rule.binds,
                "group": d.rule.group,
            }
            for d in t.duties
        ],
        "departments_progress": [
            {"department": d, "status": p.status, "note": p.note, "updated": p.updated}
            for d, p in zip(t.departments, parts, strict=True)
        ],
    }
    if province is not None:
        obj["province"] = {
            "name": province,
            "duties": [duty_json(s, day) for s in duty_states(tl, t, province)],
        }
    return obj


def duty_json(state: DutyState, as_of: date) -> dict[str, Any]:
    p = state.progress
    return {
        "duty": state.duty_number,
        "number": state.number,
        "level": state.level,
        "status": p.status,
        "note": p.note,
        "updated": p.updated,
        "overdue": state.overdue(as_of),
        "to_confirm": state.to_confirm,
    }


def provinces_progress_json(tl: TaskList, t: Task, as_of: date) -> list[dict[str, Any]]:
    """Every province's recorded progress on the task, duty by duty."""
    from .query import duty_label, duty_level

    out = []
    for province, duties in t.progress.provinces.items():
        for number, p in sorted(duties.items()):
            level = duty_level(tl, t.duties[number - 1], province)
            out.append(
                {
                    "province": province,
                    "duty": number,
                    "number": duty_label(t, number),
                    "level": level,
                    "status": p.status,
                    "note": p.note,
                    "updated": p.updated,
                    "overdue": is_overdue(t.deadline, p.status, as_of, level),
                }
            )
    return out


def obligation_json(ob: DutyState, as_of: date | None = None) -> dict[str, Any]:
    t = ob.task
    return {
        "task": t.id,
        "title": t.title,
        "duty": ob.duty_number,
        "level": ob.level,
        "rule": ob.duty.rule.text,
        "group": ob.duty.rule.group,
        "measures": ob.duty.measures,
        "deadline": t.deadline.text,
        "due": t.deadline.due.isoformat(),
        "status": ob.progress.status,
        "note": ob.progress.note,
        "updated": ob.progress.updated,
        "overdue": ob.overdue(as_of or date.today()),
        "number": ob.number,
        "to_confirm": ob.to_confirm,
    }


def obligations_json(obs: Obligations, as_of: date | None = None) -> dict[str, Any]:
    return {
        "province": obs.province,
        "obligations": [obligation_json(o, as_of) for o in obs.items],
        "counts": {**obs.counts, "not_concerned": obs.not_concerned},
    }


# -- Rich -------------------------------------------------------------------


def new_table(*columns: tuple[str, dict[str, Any]], title: str | None = None) -> Table:
    from rich import box
    from rich.table import Table

    expand = any("ratio" in opts for _, opts in columns)
    table = Table(title=title, box=box.SQUARE, title_justify="left", expand=expand)
    for header, opts in columns:
        table.add_column(header, **opts)
    return table


SHORT = {"no_wrap": True}
FOLD = {"overflow": "fold"}


def glyph(symbol: str, fallback: str) -> str:
    """``symbol`` where standard output can show it, else ``fallback`` (⚠ in GBK: !)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        symbol.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return fallback
    return symbol


def status_text(
    status: str,
    deadline: Deadline,
    as_of: date,
    level: str | None = "must",
    overdue: str | None = None,
) -> str:
    """未开始 / 进行中 … ; 待确认 for an unanswered if_member duty; the overdue mark where due."""
    if to_confirm(level, status):
        return "待确认"
    label = STATUS_LABELS[status]
    if not is_overdue(deadline, status, as_of, level):
        return label
    return label + (overdue if overdue is not None else overdue_mark())


def overdue_mark() -> str:
    return f" {glyph('⚠', '!')}逾期"


def _unit_status(tl: TaskList, t: Task, as_of: date, unit: str | None, dept: bool) -> str:
    """The status column of a task list: a province's duties, a department's part, or CNIPA's."""
    if unit is None:  # the roll-up; overdue when any department's part is
        label = STATUS_LABELS[national_status(t)]
        return label + overdue_mark() if national_overdue(t, as_of) else label
    if dept:
        return status_text(t.department_progress(unit).status, t.deadline, as_of)
    states = duty_states(tl, t, unit)
    if len(states) == 1:
        s = states[0]
        return status_text(s.progress.status, t.deadline, as_of, s.level)
    return "；".join(
        f"{s.number} {status_text(s.progress.status, t.deadline, as_of, s.level)}" for s in states
    )


def tasks_frame(tl: TaskList, unit: str | None = None, dept: bool = False) -> Table:
    """A task list's table: its title and columns, no rows."""
    status_head = f"状态（{unit}）" if unit and not dept else "状态"
    title = f"{tl.meta.title}（{unit}的部分）" if dept and unit else tl.meta.title
    return new_table(
        ("编号", {**SHORT, "justify": "right"}),
        ("任务", {**FOLD, "ratio": 3}),
        ("执行部门", {**FOLD, "ratio": 2}),
        ("完成时间", {**FOLD, "min_width": 8}),
        (status_head, {**FOLD, "min_width": 6}),
        title=title,
    )


def task_rows(
    tl: TaskList, tasks: list[Task], as_of: date, unit: str | None = None, dept: bool = False
) -> tuple[list[list[Cell]], set[int]]:
    """The table's rows, a category's (in bold) before its tasks, and the rows that end
    a section (the last of each category's run)."""
    from .grid import Styled

    rows: list[list[Cell]] = []
    ends: set[int] = set()
    current = None
    for t in tasks:
        if t.category != current:
            if current is not None:
                ends.add(len(rows) - 1)
            cat = tl.category(t.category)
            rows.append(["", Styled(f"{cat.numeral}、{cat.title}", "bold"), "", "", ""])
            current = t.category
        rows.append(
            [
                str(t.id),
                t.title,
                "、".join(t.departments),
                t.deadline.text,
                _unit_status(tl, t, as_of, unit, dept),
            ]
        )
    return rows, ends


def print_tasks(
    tl: TaskList, tasks: list[Task], as_of: date, unit: str | None = None, dept: bool = False
) -> None:
    """The tasks as a table, laid out by the grid with the widths Rich gives its columns
    (a list of hundreds of tasks took Rich most of the command's time)."""
    from functools import partial

    from .grid import Grid

    out = console()
    if not tasks:
        out.print("没有符合条件的任务。")
        return
    rows, ends = task_rows(tl, tasks, as_of, unit, dept)
    out.print(Grid(partial(tasks_frame, tl, unit, dept), rows, ends=ends, fit=True))
    out.print(f"共 {len(tasks)} 项任务。")


def print_task(tl: TaskList, t: Task, as_of: date) -> None:

    out = console()
    cat = tl.category(t.category)
    out.print(para(f"任务 {t.id}：{t.title}", style="bold"))
    lines = [
        ("类别", f"{cat.numeral}、{cat.title}"),
        ("执行部门", "、".join(t.departments)),
        ("完成时间", f"{t.deadline.text}（{t.deadline.due.isoformat()} 前）"),
        ("状态", _unit_status(tl, t, as_of, None, False)),
    ]
    for label, value in lines:
        out.print(para(f"{label}：{value}"))
    if len(t.departments) > 1 or t.progress.departments:
        for d in t.departments:
            p = t.department_progress(d)
            note = f"（{visible(p.note)}）" if p.note else ""
            when = f" {p.updated.replace('T', ' ')[:16]}" if p.updated else ""
            out.print(para(f"  {d}：{status_text(p.status, t.deadline, as_of)}{note}{when}"))
    out.print()
    out.print(para("落实举措（国家知识产权局）", style="bold"))
    out.print(para(t.national_measures))
    for i, duty in enumerate(t.duties, start=1):
        out.print()
        out.print(para(f"地方落实举措 {i}（省份：{duty.rule.text}）", style="bold"))
        out.print(para(duty.measures))
    if not t.duties:
        out.print()
        out.print("本任务没有地方落实举措，对省份没有要求。")
    recorded = provinces_progress_json(tl, t, as_of)
    if recorded:
        out.print()
        out.print(para("省份进度", style="bold"))
        for r in recorded:
            note = f"（{visible(r['note'])}）" if r["note"] else ""
            label = f"{r['number']} " if len(t.duties) > 1 else ""
            text = status_text(r["status"], t.deadline, as_of, r["level"])
            out.print(para(f"{r['province']}：{label}{text}{note}"))


def print_departments(rows: list[tuple[str, str, list[Task], Tally]]) -> None:
    out = console()
    wide = out.width >= NARROW  # narrower: the English names go (they are in --json)
    columns: list[tuple[str, dict[str, Any]]] = [("部门", {**FOLD, "min_width": 8})]
    if wide:
        columns.append(("英文名", {**FOLD, "ratio": 2}))
    columns += [
        ("牵头任务", {**FOLD, "ratio": 1}),
        ("数量", {**SHORT, "justify": "right"}),
        ("完成", {**SHORT, "justify": "right"}),
    ]
    table = new_table(*columns, title="国家知识产权局各部门牵头的任务")
    for name, english, tasks, tally in rows:
        table.add_row(
            cjk(name),
            *([cjk(english)] if wide else []),
            cjk("、".join(str(t.id) for t in tasks)),
            str(len(tasks)),
            f"{tally.done}/{tally.total}",
        )
    out.print(table)


#: Below this width a table of long Chinese text is 200 lines of narrow columns: the
#: screens that carry it print each row as a heading with its long text under it.
NARROW = 100


def print_obligations(obs: Obligations, as_of: date) -> None:
    out = console()
    if out.width < NARROW:
        _print_obligations_narrow(obs, as_of)
        return
    numbers = [o.number for o in obs.items]
    width = 0  # the cells the table takes (fix_widths)

    def table() -> Table:
        nonlocal width
        made = new_table(
            ("编号", {**SHORT, "justify": "right", "width": max(4, *map(len, numbers))}),
            ("任务", {**FOLD, "ratio": 2}),
            ("要求", {**FOLD, "width": 6}),
            ("依据", {**FOLD, "ratio": 2}),
            ("地方落实举措", {**FOLD, "ratio": 6}),
            ("完成时间", {**FOLD, "width": 8}),
            ("状态", {**FOLD, "width": 8}),
            title=f"{obs.province}的任务（《2019年推动知识产权高质量发展任务清单》）",
        )
        width = fix_widths(made, out.width)
        return made

    rows = [
        [
            number,
            ob.task.title,
            LEVEL_LABELS[ob.level],
            ob.duty.rule.text,
            ob.duty.measures,
            ob.task.deadline.text,
            status_text(ob.progress.status, ob.task.deadline, as_of, ob.level),
        ]
        for number, ob in zip(numbers, obs.items, strict=True)
    ]
    if obs.items:
        from .grid import Grid

        grid = Grid(table, rows)  # as Rich prints the table, in a fraction of the time
        # a table that fits has no line to crop: Rich need not measure its lines again
        out.print(grid, crop=width > out.width)
    else:
        out.print("没有符合条件的地方举措。")
    out.print(para(obligations_summary(obs)))


def _print_obligations_narrow(obs: Obligations, as_of: date) -> None:
    """Each duty as a heading line (number, task, status) with its requirement and
    deadline under it, and the measures as a paragraph under those. Printed as one
    group of paragraphs: a print per line asked the terminal its size thousands of
    times, and Rich's work per paragraph was most of the rest (see
    :class:`ipq.grid.Paragraphs`)."""
    from .grid import Paragraphs

    out = console()
    # wrapped to the width: no line to crop, unless one too narrow for a wide character
    out.print(Paragraphs(narrow_obligations(obs, as_of)), crop=out.width < 8)


def narrow_obligations(obs: Obligations, as_of: date) -> list[Paragraph]:
    """The narrow layout's paragraphs, in order (an empty text: an empty line)."""
    from .grid import Paragraph

    title = f"{obs.province}的任务（《2019年推动知识产权高质量发展任务清单》）"
    parts = [Paragraph(title, "bold")]
    if not obs.items:
        parts.append(Paragraph("没有符合条件的地方举措。", layout="plain"))
    for ob in obs.items:
        t = ob.task
        status = status_text(ob.progress.status, t.deadline, as_of, ob.level)
        rule = f"{LEVEL_LABELS[ob.level]}（{ob.duty.rule.text}）· {t.deadline.text}"
        parts += [
            Paragraph(""),
            Paragraph(f"{ob.number}  {t.title}  【{status}】", "bold", "fit"),
            Paragraph(rule, "dim", "indent", 4),
            Paragraph(ob.duty.measures, layout="indent", indent=4),
        ]
    return [*parts, Paragraph(""), Paragraph(obligations_summary(obs), layout="fit")]


def fix_widths(table: Table, total: int) -> int:
    """Give the ratio columns their widths up front, as Rich would share them out;
    returns the cells the table then takes (``total``, where its columns fit in it).

    Rich otherwise measures every cell of every row to lay the table out; for a
    province's obligations on a large list that is a tenth of the time.
    """
    columns = table.columns
    borders = len(columns) + 1 + 2 * len(columns)  # rules and one space of padding each side
    fixed = sum(c.width or 0 for c in columns if not c.ratio)
    ratios = sum(c.ratio or 0 for c in columns)
    room = max(total - borders - fixed, ratios)
    given = 0
    flexible = [c for c in columns if c.ratio]
    for c in flexible:
        c.width = max(1, room * (c.ratio or 0) // ratios)
        given += c.width
    flexible[-1].width = (flexible[-1].width or 0) + room - given  # the rounding remainder
    for c in flexible:
        c.ratio = None
    table.expand = False
    return borders + fixed + room


def obligations_summary(obs: Obligations) -> str:
    parts = "，".join(f"{LEVEL_LABELS[lv]} {n} 项" for lv, n in obs.counts.items())
    if len(obs.items) != sum(obs.counts.values()):
        parts += f"（本表列出其中 {len(obs.items)} 项）"
    tail = f"；另有 {obs.not_concerned} 项仅约束特定省份，与本省无关" if obs.not_concerned else ""
    return f"{obs.province}：{parts}{tail}。"


def print_provinces(rows: list[tuple[str, dict[str, int], Tally]]) -> None:
    table = new_table(
        ("省份", {**FOLD, "min_width": 8}),
        ("必做", {**SHORT, "justify": "right"}),
        ("选做", {**SHORT, "justify": "right"}),
        ("涉及则必做", {**SHORT, "justify": "right"}),
        ("进度", {"no_wrap": True, "width": 12}),
        ("完成", {**SHORT, "justify": "right"}),
        title="各省份的地方落实举措",
    )
    for name, counts, tally in rows:
        table.add_row(
            name,
            str(counts["must"]),
            str(counts["optional"]),
            str(counts["if_member"]),
            _bar(tally.done, tally.binding),
            f"{tally.done}/{tally.binding}",
        )
    console().print(table)


def groups_json(tl: TaskList) -> list[dict[str, Any]]:
    from .query import tasks_of_group

    return [
        {
            "name": g.name,
            "description": g.description,
            "complete": g.complete,
            "tasks": tasks_of_group(tl, g.name),
            "members": [{"province": m.province, "source": m.source} for m in g.members],
            "non_members": [{"province": m.province, "source": m.source} for m in g.non_members],
        }
        for g in tl.groups
    ]


def print_groups(tl: TaskList) -> None:

    out = console()
    for g in groups_json(tl):
        state = "名单完整" if g["complete"] else "名单不完整：未列出的省份涉及则必做"
        tasks = "、".join(str(n) for n in g["tasks"])
        out.print(para(f"{g['name']}（任务 {tasks}；{state}）", style="bold"))
        out.print(para(visible(g["description"])))
        if g["members"]:
            table = new_table(("成员", {**FOLD, "min_width": 8}), ("出处", {**FOLD, "ratio": 1}))
            for m in g["members"]:
                table.add_row(cjk(m["province"]), cjk(visible(m["source"])))
            out.print(table)
        else:
            out.print("（尚无已知成员）")
        if g["non_members"]:
            table = new_table(
                ("已声明不属于", {**FOLD, "min_width": 8}), ("出处", {**FOLD, "ratio": 1})
            )
            for m in g["non_members"]:
                table.add_row(cjk(m["province"]), cjk(visible(m["source"])))
            out.print(table)
        out.print()


# -- progress ---------------------------------------------------------------


def change_json(ch: Change) -> dict[str, Any]:
    return {
        "seq": ch.seq,
        "at": ch.at,
        "action": ch.action,
        "task": ch.task,
        "unit": ch.unit,
        "group": ch.group,
        "old": ch.old,
        "new": ch.new,
        "note": ch.note,
        "duty": ch.duty,
        "source": ch.source,
        "id": ch.key(),
        "by": ch.by,
    }


def print_changes(lines: list[str], empty: str) -> None:
    print_lines(lines or [empty])


def print_history(changes: list[Change], tl: TaskList | None = None) -> None:

    from .ledger import describe

    if not changes:
        console().print("没有变更记录。")
        return
    table = new_table(
        ("序号", {**SHORT, "justify": "right"}),
        ("时间", {**FOLD, "min_width": 10, "max_width": 25}),
        ("变更", {**FOLD, "ratio": 3}),
        title="变更记录（最新在前）",
    )
    for ch in changes:
        table.add_row(str(ch.seq), ch.at.replace("T", " "), cjk(describe(ch, tl)))
    console().print(table)


def _bar(done: int, total: int) -> Any:
    from rich.progress_bar import ProgressBar

    return ProgressBar(total=max(total, 1), completed=done, width=12)


def tally_json(t: Tally, key: str) -> dict[str, Any]:
    return {
        key: t.name,
        "done": t.done,
        "total": t.total,
        "overdue": t.overdue,
        "binding": t.binding,
        "to_confirm": t.to_confirm,
        "not_applicable": t.not_applicable,
    }


def summary_json(s: Summary) -> dict[str, Any]:
    def rows(tallies: list[Tally], key: str) -> list[dict[str, Any]]:
        return [tally_json(t, key) for t in tallies]

    return {
        "as_of": s.as_of.isoformat(),
        "tasks": {**s.statuses, "total": sum(s.statuses.values()), "overdue": s.overdue},
        "categories": rows(s.categories, "category"),
        "departments": rows(s.departments, "department"),
        "provinces": rows(s.provinces, "province"),
    }


def print_summary(s: Summary) -> None:

    out = console()
    total = sum(s.statuses.values())
    counts = "，".join(
        f"{STATUS_LABELS[k]} {v}" for k, v in s.statuses.items() if v or k != "not_applicable"
    )
    out.print(
        cjk(f"截至 {s.as_of.isoformat()} 共 {total} 项任务，逾期 {s.overdue} 项。", style="bold")
    )
    out.print(para(f"{counts}。"))
    for title, head, tallies in (
        ("按类别（国家知识产权局进度）", "类别", s.categories),
        ("按牵头部门（该部门自己的部分）", "部门", s.departments),
        ("按省份（应做：必做及已承担的举措）", "省份", s.provinces),
    ):
        provinces = tallies is s.provinces
        columns: list[tuple[str, dict[str, Any]]] = [
            (head, {**FOLD, "ratio": 3}),
            ("进度", {"no_wrap": True, "width": 12}),
            ("完成" if not provinces else "完成/应做", {**SHORT, "justify": "right"}),
            ("逾期", {**SHORT, "justify": "right"}),
        ]
        if provinces:
            columns.append(("待确认", {**SHORT, "justify": "right"}))
        table = new_table(*columns, title=title)
        for t in tallies:
            cells = [cjk(t.name), _bar(t.done, t.binding), f"{t.done}/{t.binding}", str(t.overdue)]
            table.add_row(*cells, *([str(t.to_confirm)] if provinces else []))
        out.print(table)


# -- the board ------------------------------------------------------------------

#: One mark per status on the board; blank: the duty does not concern the province.
BOARD_MARKS = {
    "done": ("✓", "v"),
    "in_progress": ("◐", "~"),
    "todo": ("○", "o"),
    "blocked": ("✗", "x"),
    "not_applicable": ("－", "-"),
}


def board_cell(state: DutyState | None, as_of: date, overdue: bool | None = None) -> str:
    """A compact cell: the status mark, ! when overdue; 选 on an optional duty
    (alone while it is not taken up); ? for an if_member duty not yet answered (待确认).
    ``overdue``: whether it is, where the caller knows already."""
    if state is None:
        return ""
    if state.to_confirm:
        return "?"
    if state.level == "optional" and state.progress.status == "todo":
        return "选"
    symbol, ascii_ = BOARD_MARKS[state.progress.status]
    mark = glyph(symbol, ascii_)
    if state.overdue(as_of) if overdue is None else overdue:
        mark += "!"
    if state.level == "optional" and state.binding:
        mark += "选"
    return mark


def board_json(b: Board) -> dict[str, Any]:
    return {
        "as_of": b.as_of.isoformat(),
        "level": b.level,
        "duties": b.duties,
        "provinces": [
            {
                "province": row.province,
                "cells": {
                    number: (
                        {
                            "level": c.level,
                            "status": c.progress.status,
                            "overdue": c.overdue(b.as_of),
                        }
                        if c is not None
                        else {"level": None, "status": None, "overdue": False}
                    )
                    for number, c in row.cells.items()
                },
                "done": row.tally.done,
                "binding": row.tally.binding,
                "overdue": row.tally.overdue,
                "to_confirm": row.tally.to_confirm,
            }
            for row in b.rows
        ],
    }


def print_board(b: Board) -> None:
    """Provinces × duties. Under 120 columns, one-character abbreviations and no rules.
    A board wider than the terminal is printed in blocks of duties, each with the
    provinces down its side, the totals in the last."""
    from functools import partial

    from rich.cells import cell_len

    from .grid import Checked, Grid
    from .names import PROVINCES

    out = console()
    narrow = out.width < 120
    short = {p.name: (p.abbr if narrow else p.short) for p in PROVINCES}
    headers = ["省份", *b.duties, "完成", "逾期"]
    body = []
    done = [0] * len(b.duties)
    late = [0] * len(b.duties)
    # a cell's text and lateness follow from what decides whether it is late (its
    # level, status and deadline): made once for each of the twenty or so there are, not
    # for each of the board's 30,000 cells
    texts: dict[tuple[Any, ...], tuple[str, bool]] = {}
    for row in b.rows:
        cells = []
        for i, state in enumerate(row.cells.values()):
            if state is None:
                cells.append("")
                continue
            status = state.progress.status
            key = overdue_key(state.task.deadline, status, b.as_of, state.level)
            made = texts.get(key)
            if made is None:
                overdue = is_overdue(state.task.deadline, status, b.as_of, state.level)
                made = texts[key] = (board_cell(state, b.as_of, overdue), overdue)
            text, overdue = made
            cells.append(text)
            done[i] += status == "done"
            late[i] += overdue
        tally = row.tally
        body.append(
            [short[row.province], *cells, f"{tally.done}/{tally.binding}", str(tally.overdue)]
        )
    tail = [
        ["完成", *map(str, done), str(sum(r.tally.done for r in b.rows)), ""],
        ["逾期", *map(str, late), "", str(sum(r.tally.overdue for r in b.rows))],
    ]
    # a dozen distinct marks among 40,000 cells: each measured once
    cells_of = {text: cell_len(text) for text in {text for row in (*body, *tail) for text in row}}
    widths = [
        max(cell_len(header), len(header), *(cells_of[row[i]] for row in (*body, *tail)))
        for i, header in enumerate(headers)
    ]
    checked = Checked()  # the blocks are laid out alike: the first is checked against Rich
    for k, block in enumerate(_board_blocks(widths, out.width, narrow)):
        if k:
            out.print()
        table = partial(
            _board_table,
            [headers[i] for i in block],
            [widths[i] for i in block],
            narrow,
            f"各省份的地方落实举措（截至 {b.as_of.isoformat()}）" if k == 0 else None,
        )
        rows = [[r[i] for i in block] for r in body]
        grid = Grid(table, rows, [[r[i] for i in block] for r in tail], checked)
        # a block that fits has no line to crop: Rich need not measure its 1,500 lines again
        out.print(grid, crop=_board_width(widths, block, narrow) > out.width)
    legend = "、".join(
        f"{glyph(sym, asc)} {STATUS_LABELS[st]}" for st, (sym, asc) in BOARD_MARKS.items()
    )
    out.print(
        cjk(f"{legend}；! 逾期；? 待确认（涉及则必做，尚未答复）；选 选做；空白 与该省份无关。")
    )


def _board_blocks(widths: list[int], total: int, narrow: bool) -> list[list[int]]:
    """Column indexes of each block of the board: the province column, as many duty
    columns as fit in ``total`` cells, and the two totals in the last block."""

    def fits(block: list[int]) -> bool:
        return _board_width(widths, block, narrow) <= total

    first, totals = [0], [len(widths) - 2, len(widths) - 1]
    blocks: list[list[int]] = []
    block = list(first)
    for i in range(1, len(widths) - 2):
        if len(block) > 1 and not fits([*block, i]):
            blocks.append(block)
            block = [*first]
        block.append(i)
    if len(block) > 1 and not fits([*block, *totals]):
        blocks.append(block)
        block = [*first]
    blocks.append([*block, *totals])
    return blocks


def _board_width(widths: list[int], block: list[int], narrow: bool) -> int:
    """The cells a block of the board's columns takes."""
    gap = 1 if narrow else 3  # a column's padding and rule beyond its width
    return sum(widths[i] for i in block) + gap * (len(block) - 1)


def _board_table(headers: list[str], widths: list[int], narrow: bool, title: str | None) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        box=None if narrow else box.SIMPLE_HEAD,
        padding=(0, 0, 0, 1) if narrow else (0, 1),
        title=title,
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    last = len(headers) - 1
    for i, (header, width) in enumerate(zip(headers, widths, strict=True)):
        if i == 0:
            table.add_column(header, no_wrap=True, width=width)
        elif header in ("完成", "逾期") and i >= last - 1:
            table.add_column(header, no_wrap=True, justify="right", width=width)
        else:
            table.add_column(
                header, no_wrap=True, justify="center", min_width=len(header), width=width
            )
    return table


def print_import_plan(name: str, planned: list[Any]) -> None:
    """What an import would change (--dry-run): unit, number, old → new, note."""
    out = console()
    if not planned:
        out.print(f"{name}：与台账一致，没有变化。")
        return
    table = new_table(
        ("单位", {**SHORT}),
        ("编号", {**SHORT, "justify": "right"}),
        ("原状态 → 新状态", {**FOLD, "min_width": 12}),
        ("备注", {**FOLD, "ratio": 1}),
        title=f"{name}：将导入 {len(planned)} 项变更（未写入）",
    )
    from .query import duty_label

    for p in planned:
        target, new = p.part.target, p.part.status or p.old.status
        number = duty_label(target.task, target.duty) if target.duty else str(target.task.id)
        if p.part.note == p.old.note:
            note = "（不变）"
        else:
            note = visible(p.part.note) if p.part.note else "（清除）"
        table.add_row(
            target.unit,
            number,
            f"{STATUS_LABELS[p.old.status]} → {STATUS_LABELS[new]}",
            cjk(note),
        )
    out.print(table)

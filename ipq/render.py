"""All output: Rich tables for people, JSON shapes for scripts.

The JSON shapes are a promise (documented in README.md, tested exactly):
keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from .models import STATUS_LABELS, Change, Progress, Task, TaskList
from .query import LEVEL_LABELS, Obligation, Obligations, Summary, Tally, is_overdue
from .util import visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


# -- JSON -------------------------------------------------------------------


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _progress_json(p: Progress, due: date, as_of: date | None) -> dict[str, Any]:
    return {
        "status": p.status,
        "note": p.note,
        "updated": p.updated,
        "overdue": is_overdue(due, p.status, as_of or date.today()),
    }


def task_json(tl: TaskList, t: Task, as_of: date | None = None) -> dict[str, Any]:
    cat = tl.category(t.category)
    return {
        "id": t.id,
        "title": t.title,
        "category": cat.title,
        "category_number": cat.number,
        "departments": list(t.departments),
        "deadline": t.deadline.text,
        "deadline_kind": t.deadline.kind,
        "due": t.deadline.due.isoformat(),
        **_progress_json(t.progress, t.deadline.due, as_of),
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
    }


def obligation_json(ob: Obligation, as_of: date | None = None) -> dict[str, Any]:
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
        **_progress_json(ob.progress, t.deadline.due, as_of),
    }


def obligations_json(obs: Obligations, as_of: date | None = None) -> dict[str, Any]:
    return {
        "province": obs.province,
        "obligations": [obligation_json(o, as_of) for o in obs.items],
        "counts": {**obs.counts, "not_concerned": obs.not_concerned},
    }


# -- Rich -------------------------------------------------------------------


def console(stderr: bool = False) -> Console:
    """A console that writes no escape codes when piped or when NO_COLOR is set."""
    import os

    from rich.console import Console

    if os.environ.get("NO_COLOR"):
        return Console(stderr=stderr, highlight=False, color_system=None)
    return Console(stderr=stderr, highlight=False)


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


def status_text(progress: Progress, due: date, as_of: date, overdue: str | None = None) -> str:
    label = STATUS_LABELS[progress.status]
    if not is_overdue(due, progress.status, as_of):
        return label
    return label + (overdue if overdue is not None else f" {glyph('⚠', '!')}逾期")


def tasks_table(tl: TaskList, tasks: list[Task], as_of: date, province: str | None = None) -> Table:
    from rich.text import Text

    status_head = f"状态（{province}）" if province else "状态"
    table = new_table(
        ("编号", {**SHORT, "justify": "right"}),
        ("任务", {**FOLD, "ratio": 3}),
        ("执行部门", {**FOLD, "ratio": 2}),
        ("完成时间", {**FOLD, "min_width": 8}),
        (status_head, {**FOLD, "min_width": 6}),
        title=tl.meta.title,
    )
    current = None
    for t in tasks:
        if t.category != current:
            if current is not None:
                table.add_section()
            cat = tl.category(t.category)
            table.add_row("", Text(f"{cat.numeral}、{cat.title}", style="bold"), "", "", "")
            current = t.category
        progress = t.province_progress(province) if province else t.progress
        table.add_row(
            str(t.id),
            Text(t.title),
            Text("、".join(t.departments)),
            Text(t.deadline.text),
            Text(status_text(progress, t.deadline.due, as_of)),
        )
    return table


def print_tasks(tl: TaskList, tasks: list[Task], as_of: date, province: str | None = None) -> None:
    out = console()
    if not tasks:
        out.print("没有符合条件的任务。")
        return
    out.print(tasks_table(tl, tasks, as_of, province))
    out.print(f"共 {len(tasks)} 项任务。")


def print_task(tl: TaskList, t: Task, as_of: date) -> None:
    from rich.text import Text

    out = console()
    cat = tl.category(t.category)
    p = t.progress
    out.print(Text(f"任务 {t.id}：{t.title}", style="bold"))
    lines = [
        ("类别", f"{cat.numeral}、{cat.title}"),
        ("执行部门", "、".join(t.departments)),
        ("完成时间", f"{t.deadline.text}（{t.deadline.due.isoformat()} 前）"),
        ("状态", status_text(p, t.deadline.due, as_of)),
    ]
    if p.note:
        lines.append(("备注", visible(p.note)))
    if p.updated:
        lines.append(("更新时间", p.updated))
    for label, value in lines:
        out.print(Text(f"{label}：{value}"))
    out.print()
    out.print(Text("落实举措（国家知识产权局）", style="bold"))
    out.print(Text(t.national_measures))
    for i, d in enumerate(t.duties, start=1):
        out.print()
        out.print(Text(f"地方落实举措 {i}（省份：{d.rule.text}）", style="bold"))
        out.print(Text(d.measures))
    if not t.duties:
        out.print()
        out.print("本任务没有地方落实举措，对省份没有要求。")
    if p.provinces:
        out.print()
        out.print(Text("省份进度", style="bold"))
        for name, pp in p.provinces.items():
            note = f"（{visible(pp.note)}）" if pp.note else ""
            out.print(Text(f"{name}：{status_text(pp, t.deadline.due, as_of)}{note}"))


def print_departments(rows: list[tuple[str, str, list[Task], Tally]]) -> None:
    table = new_table(
        ("部门", {**FOLD, "min_width": 8}),
        ("英文名", {**FOLD, "ratio": 2}),
        ("牵头任务", {**FOLD, "ratio": 1}),
        ("数量", {**SHORT, "justify": "right"}),
        ("完成", {**SHORT, "justify": "right"}),
        title="国家知识产权局各部门牵头的任务",
    )
    for name, english, tasks, tally in rows:
        table.add_row(
            name,
            english,
            "、".join(str(t.id) for t in tasks),
            str(len(tasks)),
            f"{tally.done}/{tally.total}",
        )
    console().print(table)


def print_obligations(obs: Obligations, as_of: date) -> None:
    from rich.text import Text

    out = console()
    numbers = [o.number for o in obs.items]
    table = new_table(
        ("编号", {**SHORT, "justify": "right", "width": max(4, *map(len, numbers))}),
        ("任务", {**FOLD, "ratio": 2}),
        ("要求", {**FOLD, "width": 6}),
        ("依据", {**FOLD, "ratio": 2}),
        ("地方落实举措", {**FOLD, "ratio": 6}),
        ("完成时间", {**FOLD, "width": 8}),
        ("状态", {**FOLD, "width": 8}),
        title=f"{obs.province}的任务（《2019年推动知识产权高质量发展任务清单》）",
    )
    fix_widths(table, out.width)
    for number, ob in zip(numbers, obs.items, strict=True):
        t = ob.task
        table.add_row(
            number,
            Text(t.title),
            Text(LEVEL_LABELS[ob.level]),
            Text(ob.duty.rule.text),
            Text(ob.duty.measures),
            Text(t.deadline.text),
            Text(status_text(ob.progress, t.deadline.due, as_of)),
        )
    if obs.items:
        out.print(table)
    else:
        out.print("没有符合条件的地方举措。")
    out.print(Text(obligations_summary(obs)))


def fix_widths(table: Table, total: int) -> None:
    """Give the ratio columns their widths up front, as Rich would share them out.

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


def obligations_summary(obs: Obligations) -> str:
    parts = "，".join(f"{LEVEL_LABELS[lv]} {n} 项" for lv, n in obs.counts.items())
    if len(obs.items) != sum(obs.counts.values()):
        parts += f"（本表列出其中 {len(obs.items)} 项）"
    tail = (
        f"；另有 {obs.not_concerned} 项仅约束特定省份，与{obs.province}无关"
        if obs.not_concerned
        else ""
    )
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
            _bar(tally.done, tally.total),
            f"{tally.done}/{tally.total}",
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
        }
        for g in tl.groups
    ]


def print_groups(tl: TaskList) -> None:
    from rich.text import Text

    out = console()
    for g in groups_json(tl):
        state = "名单完整" if g["complete"] else "名单不完整：未列出的省份涉及则必做"
        tasks = "、".join(str(n) for n in g["tasks"])
        out.print(Text(f"{g['name']}（任务 {tasks}；{state}）", style="bold"))
        out.print(Text(visible(g["description"])))
        if g["members"]:
            table = new_table(("成员", {**FOLD, "min_width": 8}), ("出处", {**FOLD, "ratio": 1}))
            for m in g["members"]:
                table.add_row(Text(m["province"]), Text(visible(m["source"])))
            out.print(table)
        else:
            out.print("（尚无已知成员）")
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
    }


def print_changes(lines: list[str], empty: str) -> None:
    from rich.text import Text

    out = console()
    if not lines:
        out.print(empty)
    for line in lines:
        out.print(Text(line))


def print_history(changes: list[Change]) -> None:
    from rich.text import Text

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
        table.add_row(str(ch.seq), ch.at.replace("T", " "), Text(describe(ch)))
    console().print(table)


def _bar(done: int, total: int) -> Any:
    from rich.progress_bar import ProgressBar

    return ProgressBar(total=max(total, 1), completed=done, width=12)


def summary_json(s: Summary) -> dict[str, Any]:
    def rows(tallies: list[Tally], key: str) -> list[dict[str, Any]]:
        return [
            {key: t.name, "done": t.done, "total": t.total, "overdue": t.overdue} for t in tallies
        ]

    return {
        "as_of": s.as_of.isoformat(),
        "tasks": {**s.statuses, "total": sum(s.statuses.values()), "overdue": s.overdue},
        "categories": rows(s.categories, "category"),
        "departments": rows(s.departments, "department"),
        "provinces": rows(s.provinces, "province"),
    }


def print_summary(s: Summary) -> None:
    from rich.text import Text

    out = console()
    total = sum(s.statuses.values())
    counts = "，".join(f"{STATUS_LABELS[k]} {v}" for k, v in s.statuses.items())
    out.print(
        Text(f"截至 {s.as_of.isoformat()} 共 {total} 项任务，逾期 {s.overdue} 项。", style="bold")
    )
    out.print(Text(f"{counts}。"))
    for title, head, tallies in (
        ("按类别（国家知识产权局进度）", "类别", s.categories),
        ("按牵头部门", "部门", s.departments),
        ("按省份（对该省份有要求的任务）", "省份", s.provinces),
    ):
        table = new_table(
            (head, {**FOLD, "ratio": 3}),
            ("进度", {"no_wrap": True, "width": 12}),
            ("完成", {**SHORT, "justify": "right"}),
            ("逾期", {**SHORT, "justify": "right"}),
            title=title,
        )
        for t in tallies:
            table.add_row(
                Text(t.name), _bar(t.done, t.total), f"{t.done}/{t.total}", str(t.overdue)
            )
        out.print(table)

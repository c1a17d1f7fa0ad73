"""Filters and views as plain functions over a TaskList (no I/O, no output)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .errors import UserError
from .models import STATUS_LABELS, STATUSES, Duty, Progress, Task, TaskList
from .names import PROVINCE_NAMES, Registry, resolve_province

Level = Literal["must", "optional", "if_member"]
LEVELS: tuple[str, ...] = ("must", "optional", "if_member")
LEVEL_LABELS: dict[str, str] = {"must": "必做", "optional": "选做", "if_member": "涉及则必做"}

STATUS_REGISTRY = Registry(
    "状态",
    ((s, (STATUS_LABELS[s], s.replace("_", "-"))) for s in STATUSES),
    hint="可用：todo、in_progress、done、blocked，或 未开始、进行中、已完成、受阻",
)
LEVEL_REGISTRY = Registry(
    "要求",
    ((lv, (LEVEL_LABELS[lv], lv.replace("_", "-"))) for lv in LEVELS),
    hint="可用：must（必做）、optional（选做）、if_member（涉及则必做）",
)
DEADLINE_REGISTRY = Registry(
    "完成时间",
    (
        ("milestone", ("年内有阶段性成果", "阶段性成果", "阶段性")),
        ("completion", ("年底前完成", "完成")),
    ),
    hint="可用：年内有阶段性成果（milestone）、年底前完成（completion）",
)


def resolve_status(text: str) -> str:
    return STATUS_REGISTRY.resolve(text)


def resolve_level(text: str) -> str:
    return LEVEL_REGISTRY.resolve(text)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"日期“{text}”无效，请写作 年-月-日，如 2019-12-31") from None


# -- tasks ------------------------------------------------------------------


def find_task(tl: TaskList, text: str) -> Task:
    """A task by its number as typed ("12", " 12 ", "12."), or a UserError."""
    cleaned = text.strip().rstrip(".、")
    span = f"本清单任务编号为 1–{len(tl.tasks)}"
    if not cleaned.isascii() or not cleaned.isdigit():
        raise UserError(f"任务编号“{text}”无效：请写阿拉伯数字（{span}）")
    if len(cleaned.lstrip("0")) > 9:
        raise UserError(f"任务编号过大（{len(cleaned)} 位数字；{span}）")
    t = tl.task(int(cleaned))
    if t is None:
        raise UserError(f"没有编号为 {int(cleaned)} 的任务（{span}）")
    return t


def is_overdue(due: date, status: str, as_of: date) -> bool:
    return status != "done" and due < as_of


@dataclass(frozen=True)
class TaskQuery:
    """What `ipq list` (and `ipq export`) can filter on; names as people type them."""

    dept: str | None = None
    category: str | None = None
    status: str | None = None
    deadline: str | None = None
    grep: str | None = None
    province: str | None = None
    overdue: bool = False
    as_of: date | None = None


def select_tasks(tl: TaskList, q: TaskQuery) -> list[Task]:
    dept = tl.department_registry().resolve(q.dept) if q.dept else None
    category = tl.category_registry().resolve(q.category) if q.category else None
    cat_number = next(c.number for c in tl.categories if c.title == category) if category else None
    status = resolve_status(q.status) if q.status else None
    kind = DEADLINE_REGISTRY.resolve(q.deadline) if q.deadline else None
    province = resolve_province(q.province) if q.province else None
    needle = "".join(q.grep.split()).casefold() if q.grep else None
    as_of = q.as_of or date.today()

    out = []
    for t in tl.tasks:
        if dept and dept not in t.departments:
            continue
        if cat_number and t.category != cat_number:
            continue
        if kind and t.deadline.kind != kind:
            continue
        if province and not any(duty_level(tl, d, province) for d in t.duties):
            continue
        current = t.province_progress(province).status if province else t.progress.status
        if status and current != status:
            continue
        if q.overdue and not is_overdue(t.deadline.due, current, as_of):
            continue
        if needle and needle not in _haystack(t):
            continue
        out.append(t)
    return out


def _haystack(t: Task) -> str:
    parts = [t.title, t.national_measures, *(d.measures for d in t.duties)]
    return "".join("".join(parts).split()).casefold()


def departments_overview(tl: TaskList) -> list[tuple[str, list[Task]]]:
    return [(d.name, [t for t in tl.tasks if d.name in t.departments]) for d in tl.departments]


# -- provinces --------------------------------------------------------------


def duty_level(tl: TaskList, duty: Duty, province: str) -> Level | None:
    """What ``duty`` asks of ``province``: must, optional, if_member, or nothing."""
    rule = duty.rule
    if rule.binds == "all":
        return "must"
    assert rule.group is not None
    group = tl.group(rule.group)
    if province in group.member_names():
        return "must"
    if not group.complete:
        return "if_member"
    return "optional" if rule.binds == "group_others_optional" else None


@dataclass(frozen=True)
class Obligation:
    task: Task
    duty_number: int  # 1-based among the task's duties
    duty: Duty
    level: Level
    progress: Progress

    @property
    def number(self) -> str:
        """How tables number it: "5", or "8.2" for the second duty of task 8."""
        t = self.task
        return str(t.id) if len(t.duties) == 1 else f"{t.id}.{self.duty_number}"


@dataclass(frozen=True)
class Obligations:
    province: str
    items: list[Obligation]  # those asked for (all, or one level)
    counts: dict[str, int]  # every level, whatever was asked for
    not_concerned: int  # duties of a complete group the province is not in


def obligations(tl: TaskList, province: str, level: str | None = None) -> Obligations:
    name = resolve_province(province)
    wanted = resolve_level(level) if level else None
    items: list[Obligation] = []
    counts = dict.fromkeys(LEVELS, 0)
    skipped = 0
    for t in tl.tasks:
        for i, duty in enumerate(t.duties, start=1):
            lv = duty_level(tl, duty, name)
            if lv is None:
                skipped += 1
                continue
            counts[lv] += 1
            if wanted is None or lv == wanted:
                items.append(Obligation(t, i, duty, lv, t.province_progress(name)))
    return Obligations(name, items, counts, skipped)


def provinces_overview(tl: TaskList) -> list[tuple[str, dict[str, int]]]:
    return [(p, obligations(tl, p).counts) for p in PROVINCE_NAMES]


def group_of(tl: TaskList, text: str) -> str:
    return tl.group_registry().resolve(text)


def tasks_of_group(tl: TaskList, group: str) -> list[int]:
    return [t.id for t in tl.tasks if any(d.rule.group == group for d in t.duties)]


# -- progress ---------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    name: str
    done: int
    total: int
    overdue: int


def _tally(name: str, statuses: Sequence[tuple[str, date]], as_of: date) -> Tally:
    done = sum(1 for s, _ in statuses if s == "done")
    late = sum(1 for s, due in statuses if is_overdue(due, s, as_of))
    return Tally(name, done, len(statuses), late)


def province_tasks(tl: TaskList, province: str) -> list[Task]:
    """Tasks that place a duty (of any level) on the province."""
    return [t for t in tl.tasks if any(duty_level(tl, d, province) for d in t.duties)]


def province_tally(tl: TaskList, province: str, as_of: date) -> Tally:
    statuses = [
        (t.province_progress(province).status, t.deadline.due) for t in province_tasks(tl, province)
    ]
    return _tally(province, statuses, as_of)


def department_tally(tl: TaskList, department: str, as_of: date) -> Tally:
    statuses = [
        (t.progress.status, t.deadline.due) for t in tl.tasks if department in t.departments
    ]
    return _tally(department, statuses, as_of)


@dataclass(frozen=True)
class Summary:
    as_of: date
    statuses: dict[str, int]
    overdue: int
    categories: list[Tally]
    departments: list[Tally]
    provinces: list[Tally]


def summary(tl: TaskList, as_of: date) -> Summary:
    statuses = {s: sum(1 for t in tl.tasks if t.progress.status == s) for s in STATUSES}
    overdue = sum(1 for t in tl.tasks if is_overdue(t.deadline.due, t.progress.status, as_of))
    categories = [
        _tally(
            f"{c.numeral}、{c.title}",
            [(t.progress.status, t.deadline.due) for t in tl.tasks if t.category == c.number],
            as_of,
        )
        for c in tl.categories
    ]
    departments = [department_tally(tl, d.name, as_of) for d in tl.departments]
    provinces = [province_tally(tl, p, as_of) for p in PROVINCE_NAMES]
    return Summary(as_of, statuses, overdue, categories, departments, provinces)

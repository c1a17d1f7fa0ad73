"""Filters and views as plain functions over a TaskList (no I/O, no output)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from .errors import UserError
from .models import STATUS_LABELS, STATUSES, Deadline, Duty, Progress, Task, TaskList
from .names import PROVINCE_NAMES, Registry, resolve_province

Level = Literal["must", "optional", "if_member"]
LEVELS: tuple[str, ...] = ("must", "optional", "if_member")
LEVEL_LABELS: dict[str, str] = {"must": "必做", "optional": "选做", "if_member": "涉及则必做"}

STATUS_REGISTRY = Registry(
    "状态",
    (
        (
            s,
            (
                STATUS_LABELS[s],
                s.replace("_", "-"),
                *(("不适用", "n/a") if s == "not_applicable" else ()),
            ),
        )
        for s in STATUSES
    ),
    hint="可用：未开始、进行中、已完成、受阻、不涉及（或 todo、in_progress、done、blocked、not_applicable）",
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


_DATE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))")


def parse_date(text: str) -> date:
    """A date as people write it: 2019-12-31, 2019/12/31, 2019.12.31, 2019年12月31日,
    2019-2-3, 20191231; full-width digits too (２０１９-１２-３１)."""
    m = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    try:
        if m is None:
            raise ValueError
        year, month, day = m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
        return date(int(year), int(month), int(day))
    except ValueError:
        raise UserError(
            f"日期“{text}”无效，请写作 年-月-日，如 2019-12-31、2019/12/31 或 2019年12月31日"
        ) from None


# -- tasks ------------------------------------------------------------------


def find_task(tl: TaskList, text: str) -> Task:
    """A task by its number as typed ("12", " 12 ", "12."), or a UserError."""
    task, duty = find_number(tl, text)
    if duty is not None:
        raise UserError(f"“{text.strip()}”是地方落实举措的编号，这里请写任务编号 {task.id}")
    return task


def find_number(tl: TaskList, text: str) -> tuple[Task, int | None]:
    """A task, or one of its local duties, by the number tables show: "8", "8.2".

    "5.1" is accepted for the only duty of task 5, which tables show as "5".
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().rstrip(".、")  # ８．２ is 8.2
    span = f"本清单任务编号为 1–{len(tl.tasks)}；地方落实举措如 8.1、8.2"
    head, dot, tail = cleaned.partition(".")
    parts = [head, tail] if dot else [head]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise UserError(f"任务编号“{text}”无效：请写阿拉伯数字（{span}）")
    if any(len(p.lstrip("0")) > 9 for p in parts):
        raise UserError(f"任务编号过大（{len(cleaned)} 位；{span}）")
    task = tl.task(int(head))
    if task is None:
        raise UserError(f"没有编号为 {int(head)} 的任务（{span}）")
    if not dot:
        return task, None
    duty = int(tail)
    if not 1 <= duty <= len(task.duties):
        have = "没有地方落实举措" if not task.duties else f"只有 {len(task.duties)} 条地方落实举措"
        raise UserError(f"任务 {task.id} {have}，没有 {task.id}.{duty}")
    return task, duty


def duty_label(task: Task, duty: int) -> str:
    """How tables number a duty: "5", or "8.2" for the second duty of task 8."""
    return str(task.id) if len(task.duties) == 1 else f"{task.id}.{duty}"


# -- statuses and deadlines ---------------------------------------------------


def rollup(statuses: Iterable[str]) -> str:
    """One status for several parts: all done -> done; any blocked -> blocked;
    all todo -> todo; otherwise in_progress. Parts that do not apply are left
    out (all of them not applying -> not_applicable)."""
    given = list(statuses)
    counted = [s for s in given if s != "not_applicable"]
    if not counted:
        return "not_applicable" if given else "todo"
    if all(s == "done" for s in counted):
        return "done"
    if "blocked" in counted:
        return "blocked"
    if all(s == "todo" for s in counted):
        return "todo"
    return "in_progress"


def binds(level: str | None, status: str) -> bool:
    """A must duty binds; an optional or if_member one once it is taken up."""
    return level == "must" or (level is not None and status not in ("todo", "not_applicable"))


def to_confirm(level: str | None, status: str) -> bool:
    """An if_member duty nobody has answered yet: 待确认, never overdue."""
    return level == "if_member" and status == "todo"


def deadline_met(deadline: Deadline, status: str) -> bool:
    """年底前完成 is met by done; 年内有阶段性成果 by a stage result too (in_progress)."""
    return status == "done" or (deadline.kind == "milestone" and status == "in_progress")


def is_overdue(deadline: Deadline, status: str, as_of: date, level: str | None = "must") -> bool:
    """Past its deadline, unmet, and binding (only duties that bind are ever overdue)."""
    return deadline.due < as_of and binds(level, status) and not deadline_met(deadline, status)


def overdue_key(deadline: Deadline, status: str, as_of: date, level: str | None) -> tuple[Any, ...]:
    """All :func:`is_overdue` reads of its arguments: equal keys, equal answers (a board
    asks 30,000 times, of some twenty keys)."""
    return (deadline.kind if deadline.due < as_of else None, status, level)


def national_status(t: Task) -> str:
    return rollup(t.department_progress(d).status for d in t.departments)


def national_overdue(t: Task, as_of: date) -> bool:
    """Any department's part of the task overdue."""
    return any(
        is_overdue(t.deadline, t.department_progress(d).status, as_of) for d in t.departments
    )


@dataclass  # this and the records below are only read, but not frozen: frozen ones take
# twice as long to define, and the six cost every start 3 ms more
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
    """Tasks matching every filter. ``status`` and ``overdue`` look at the part of
    the unit asked about: the department's own with ``dept``, the province's
    duties with ``province``, otherwise the national roll-up."""
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
        if province:
            states = duty_states(tl, t, province)
            if not states:
                continue
            current = rollup(d.progress.status for d in states)
            late = any(d.overdue(as_of) for d in states)
        elif dept:
            current = t.department_progress(dept).status
            late = is_overdue(t.deadline, current, as_of)
        else:
            current = national_status(t)
            late = national_overdue(t, as_of)
        if status and current != status:
            continue
        if q.overdue and not late:
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


def duty_level(
    tl: TaskList,
    duty: Duty,
    province: str,
    memberships: dict[tuple[str, str], bool | None] | None = None,
) -> Level | None:
    """What ``duty`` asks of ``province``: must, optional, if_member, or nothing.

    A member of the rule's group must; a known non-member may (其他省份选做) or is
    not concerned (the rule binds the group only); where membership is unknown,
    the province must if it is concerned (涉及则必做).
    """
    rule = duty.rule
    if rule.binds == "all":
        return "must"
    assert rule.group is not None
    if memberships is None:
        member = tl.group(rule.group).membership(province)
    else:  # looked up once per group and province (a board asks 34 × every duty)
        known = (rule.group, province)
        if known not in memberships:
            memberships[known] = tl.group(rule.group).membership(province)
        member = memberships[known]
    if member:
        return "must"
    if member is None:
        return "if_member"
    return "optional" if rule.binds == "group_others_optional" else None


@dataclass(slots=True)  # not frozen: a board makes 30,000 and frozen ones take 4x as long
class DutyState:
    """One local duty as it stands for one province (made by a query, only read after)."""

    task: Task
    duty_number: int  # 1-based among the task's duties
    duty: Duty
    level: Level
    progress: Progress

    @property
    def number(self) -> str:
        """How tables number it: "5", or "8.2" for the second duty of task 8."""
        return duty_label(self.task, self.duty_number)

    def overdue(self, as_of: date) -> bool:
        return is_overdue(self.task.deadline, self.progress.status, as_of, self.level)

    @property
    def binding(self) -> bool:
        return binds(self.level, self.progress.status)

    @property
    def to_confirm(self) -> bool:
        return to_confirm(self.level, self.progress.status)


def duty_states(
    tl: TaskList,
    t: Task,
    province: str,
    memberships: dict[tuple[str, str], bool | None] | None = None,
) -> list[DutyState]:
    """The duties of ``t`` that concern ``province``, with its progress on each."""
    out: list[DutyState] = []
    if not t.duties:
        return out
    recorded = t.progress.provinces.get(province)  # as Task.duty_progress, looked up once
    for i, duty in enumerate(t.duties, start=1):
        level = duty_level(tl, duty, province, memberships)
        if level is not None:
            progress = recorded.get(i) if recorded else None
            out.append(DutyState(t, i, duty, level, progress or Progress()))
    return out


@dataclass
class Obligations:
    province: str
    items: list[DutyState]  # those asked for (all, or one level)
    counts: dict[str, int]  # every level, whatever was asked for
    not_concerned: int  # duties of a complete group the province is not in


def obligations(tl: TaskList, province: str, level: str | None = None) -> Obligations:
    name = resolve_province(province)
    wanted = resolve_level(level) if level else None
    items: list[DutyState] = []
    counts = dict.fromkeys(LEVELS, 0)
    total = 0
    for t in tl.tasks:
        total += len(t.duties)
        for state in duty_states(tl, t, name):
            counts[state.level] += 1
            if wanted is None or state.level == wanted:
                items.append(state)
    return Obligations(name, items, counts, total - sum(counts.values()))


def provinces_overview(tl: TaskList) -> list[tuple[str, dict[str, int]]]:
    return [(p, obligations(tl, p).counts) for p in PROVINCE_NAMES]


def group_of(tl: TaskList, text: str) -> str:
    return tl.group_registry().resolve(text)


def tasks_of_group(tl: TaskList, group: str) -> list[int]:
    return [t.id for t in tl.tasks if any(d.rule.group == group for d in t.duties)]


# -- progress ---------------------------------------------------------------


@dataclass
class Tally:
    """Progress of one unit (or a category), counted the same way everywhere.

    For a province the items are its duties: ``total`` those that concern it,
    ``binding`` those that bind it (must, or taken up), ``done`` and ``overdue``
    among those, ``to_confirm`` if_member duties not yet answered,
    ``not_applicable`` duties it declared 不涉及. For a department or category
    the items are tasks (the department's own part; the national roll-up).
    """

    name: str
    done: int
    total: int
    overdue: int
    binding: int = 0
    to_confirm: int = 0
    not_applicable: int = 0


def province_tally(tl: TaskList, province: str, as_of: date) -> Tally:
    return duty_tally(province, [s for t in tl.tasks for s in duty_states(tl, t, province)], as_of)


def duty_tally(name: str, states: list[DutyState], as_of: date) -> Tally:
    done = overdue = binding = confirm = declined = 0
    # what a state adds, by what decides it (overdue_key): worked out once for each
    seen: dict[tuple[Any, ...], tuple[bool, bool, bool]] = {}
    for s in states:  # one pass: a board tallies 30,000 states
        status = s.progress.status
        deadline = s.task.deadline
        key = overdue_key(deadline, status, as_of, s.level)
        counts = seen.get(key)
        if counts is None:
            counts = seen[key] = (
                binds(s.level, status),
                is_overdue(deadline, status, as_of, s.level),
                to_confirm(s.level, status),
            )
        bound, late, asked = counts
        if bound:
            binding += 1
            done += status == "done"
        overdue += late
        confirm += asked
        declined += status == "not_applicable"
    return Tally(name, done, len(states), overdue, binding, confirm, declined)


def province_tasks(tl: TaskList, province: str) -> list[Task]:
    """Tasks that place a duty (of any level) on the province."""
    return [t for t in tl.tasks if duty_states(tl, t, province)]


def department_tally(tl: TaskList, department: str, as_of: date) -> Tally:
    statuses = [
        t.department_progress(department).status for t in tl.tasks if department in t.departments
    ]
    late = sum(
        is_overdue(t.deadline, t.department_progress(department).status, as_of)
        for t in tl.tasks
        if department in t.departments
    )
    done = statuses.count("done")
    return Tally(department, done, len(statuses), late, binding=len(statuses))


def national_tally(name: str, tasks: list[Task], as_of: date) -> Tally:
    done = sum(national_status(t) == "done" for t in tasks)
    late = sum(national_overdue(t, as_of) for t in tasks)
    return Tally(name, done, len(tasks), late, binding=len(tasks))


@dataclass
class Summary:
    as_of: date
    statuses: dict[str, int]
    overdue: int
    categories: list[Tally]
    departments: list[Tally]
    provinces: list[Tally]


def summary(tl: TaskList, as_of: date) -> Summary:
    rolled = [national_status(t) for t in tl.tasks]
    statuses = {s: rolled.count(s) for s in STATUSES}
    overdue = sum(national_overdue(t, as_of) for t in tl.tasks)
    categories = [
        national_tally(
            f"{c.numeral}、{c.title}", [t for t in tl.tasks if t.category == c.number], as_of
        )
        for c in tl.categories
    ]
    departments = [department_tally(tl, d.name, as_of) for d in tl.departments]
    provinces = [province_tally(tl, p, as_of) for p in PROVINCE_NAMES]
    return Summary(as_of, statuses, overdue, categories, departments, provinces)


# -- the board -----------------------------------------------------------------


@dataclass
class BoardRow:
    province: str
    cells: dict[str, DutyState | None]  # by duty number; None: not concerned
    tally: Tally


@dataclass
class Board:
    as_of: date
    duties: list[str]  # "2", "3", …, "8.1", "8.2", …
    rows: list[BoardRow]
    level: str | None


def board(tl: TaskList, as_of: date, level: str | None = None) -> Board:
    """Provinces × local duties: what each owes on each, and how far it is.

    With ``level``, only cells at that level are shown and counted.
    """
    wanted = resolve_level(level) if level else None
    # each task's duty labels made once, not once per province (34 × 1,000 at 1,000 tasks)
    named = [(t, [duty_label(t, i) for i in range(1, len(t.duties) + 1)]) for t in tl.tasks]
    labels = [label for _, names in named for label in names]
    rows = []
    memberships: dict[tuple[str, str], bool | None] = {}
    for province in PROVINCE_NAMES:
        cells: dict[str, DutyState | None] = dict.fromkeys(labels)
        shown = []  # in the board's order, as the cells
        for t, names in named:
            for state in duty_states(tl, t, province, memberships):
                if wanted is None or state.level == wanted:
                    cells[names[state.duty_number - 1]] = state
                    shown.append(state)
        rows.append(BoardRow(province, cells, duty_tally(province, shown, as_of)))
    return Board(as_of, labels, rows, wanted)

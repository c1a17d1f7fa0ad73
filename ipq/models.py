"""The task list as plain dataclasses, validated strictly by pydantic.

The classes mirror ``data/tasks_2019.yaml`` field for field. They are stdlib
dataclasses so that importing them is cheap (a read served from the cache
never imports pydantic); :mod:`ipq.validation` validates data into them with
pydantic v2: unknown keys refused, no type coercion (``_Strict``), values from
fixed sets (``Literal``). :func:`reference_problems` checks what a single field
cannot: contiguous numbers, names that must exist, timestamps, rule/group pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal

from .names import PROVINCE_NAMES, Registry

Status = Literal["todo", "in_progress", "done", "blocked"]
STATUSES: tuple[str, ...] = ("todo", "in_progress", "done", "blocked")
STATUS_LABELS: dict[str, str] = {
    "todo": "未开始",
    "in_progress": "进行中",
    "done": "已完成",
    "blocked": "受阻",
}
Binds = Literal["all", "group_only", "group_others_optional"]
DeadlineKind = Literal["milestone", "completion"]
ChangeAction = Literal["mark", "group_add", "group_remove"]

#: The unit that marks the national (CNIPA) status of a task.
NATIONAL = "国家知识产权局"


class _Strict:
    """Annotated marker: pydantic validates this scalar strictly (no coercion).

    Uses pydantic's ``__get_pydantic_core_schema__`` protocol, so this module
    does not import pydantic.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["strict"] = True
        return schema


_STRICT = _Strict()
Str = Annotated[str, _STRICT]
Int = Annotated[int, _STRICT]
Bool = Annotated[bool, _STRICT]
Date = Annotated[date, _STRICT]

#: pydantic's configuration for every class here: unknown keys are refused.
_CONFIG = {"extra": "forbid"}


@dataclass(slots=True, kw_only=True)
class Meta:
    title: Str
    document: Str
    issuer: Str
    year: Int
    source: Str
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Category:
    number: Int
    numeral: Str
    title: Str
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Department:
    name: Str
    english: Str
    aliases: list[Str] = field(default_factory=list)
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Member:
    province: Str
    source: Str
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Group:
    name: Str
    description: Str
    complete: Bool
    members: list[Member] = field(default_factory=list)
    aliases: list[Str] = field(default_factory=list)
    __pydantic_config__ = _CONFIG

    def member_names(self) -> list[str]:
        return [m.province for m in self.members]


@dataclass(slots=True, kw_only=True)
class Rule:
    text: Str
    binds: Binds
    group: Str | None = None
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Duty:
    measures: Str
    rule: Rule
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Deadline:
    text: Str
    due: Date
    kind: DeadlineKind
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Progress:
    status: Status = "todo"
    note: Str | None = None
    updated: Str | None = None
    __pydantic_config__ = _CONFIG

    def plain(self) -> Progress:
        """The status, note and time alone, as a new object."""
        return Progress(status=self.status, note=self.note, updated=self.updated)


@dataclass(slots=True, kw_only=True)
class TaskProgress(Progress):
    provinces: dict[Str, Progress] = field(default_factory=dict)
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class Task:
    id: Int
    title: Str
    category: Int
    departments: list[Str]
    national_measures: Str
    duties: list[Duty] = field(default_factory=list)
    deadline: Deadline
    progress: TaskProgress = field(default_factory=TaskProgress)
    __pydantic_config__ = _CONFIG

    def province_progress(self, province: str) -> Progress:
        return self.progress.provinces.get(province) or Progress()


@dataclass(slots=True, kw_only=True)
class Change:
    """One recorded change; the changes of one command share ``seq``."""

    seq: Int
    at: Str
    action: ChangeAction = "mark"
    task: Int | None = None
    unit: Str = NATIONAL
    group: Str | None = None
    old: Status | None = None
    new: Status | None = None
    note: Str | None = None
    before: Progress | None = None
    member: Member | None = None
    index: Int | None = None
    __pydantic_config__ = _CONFIG


@dataclass(slots=True, kw_only=True)
class TaskList:
    meta: Meta
    categories: list[Category]
    departments: list[Department]
    groups: list[Group] = field(default_factory=list)
    tasks: list[Task]
    history: list[Change] = field(default_factory=list)
    __pydantic_config__ = _CONFIG

    # -- lookups -------------------------------------------------------------
    def task(self, task_id: int) -> Task | None:
        index = task_id - 1
        if 0 <= index < len(self.tasks) and self.tasks[index].id == task_id:
            return self.tasks[index]
        return next((t for t in self.tasks if t.id == task_id), None)

    def category(self, number: int) -> Category:
        return next(c for c in self.categories if c.number == number)

    def group(self, name: str) -> Group:
        return next(g for g in self.groups if g.name == name)

    def department_registry(self) -> Registry:
        return Registry("部门", ((d.name, (*d.aliases, d.english)) for d in self.departments))

    def category_registry(self) -> Registry:
        return Registry(
            "类别",
            (
                (c.title, (str(c.number), c.numeral, f"{c.numeral}、", f"{c.numeral}、{c.title}"))
                for c in self.categories
            ),
            hint=f"可用：1–{len(self.categories)}、一–{self.categories[-1].numeral} 或类别名称",
        )

    def group_registry(self) -> Registry:
        return Registry("省份组", ((g.name, g.aliases) for g in self.groups))


Loc = tuple[str | int, ...]


def _timestamp_problem(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"时间“{value}”不是 ISO 8601 格式（如 2019-06-30T10:00:00+08:00）"
    if parsed.tzinfo is None:
        return f"时间“{value}”缺少时区（如 +08:00）"
    return None


def reference_problems(tl: TaskList) -> list[tuple[Loc, str]]:
    """Problems no single field can see: (location, message) pairs."""
    problems: list[tuple[Loc, str]] = []

    def add(loc: Loc, message: str) -> None:
        problems.append((loc, message))

    for key in ("categories", "departments", "tasks"):
        if not getattr(tl, key):
            add((key,), "至少应有 1 项")
    for i, c in enumerate(tl.categories):
        if c.number != i + 1:
            add(("categories", i, "number"), f"类别编号应连续为 {i + 1}，实为 {c.number}")
    for i, t in enumerate(tl.tasks):
        if t.id != i + 1:
            add(("tasks", i, "id"), f"任务编号应唯一且连续，此处应为 {i + 1}，实为 {t.id}")

    depts = tl.department_registry()
    group_names = [g.name for g in tl.groups]
    provinces = Registry(
        "省份", ((p, ()) for p in PROVINCE_NAMES), hint="请写省级单位的全称，如 浙江省"
    )

    def check_name(reg: Registry, loc: Loc, name: str) -> None:
        if name in reg.names:
            return
        try:
            right = reg.resolve(name)
            add(loc, f"请写全称：“{name}”应写作“{right}”")
        except Exception as exc:  # UnknownName, with its "did you mean"
            add(loc, str(exc))

    def check_time(loc: Loc, value: str | None) -> None:
        problem = _timestamp_problem(value)
        if problem:
            add(loc, problem)

    for gi, g in enumerate(tl.groups):
        seen: set[str] = set()
        for mi, m in enumerate(g.members):
            check_name(provinces, ("groups", gi, "members", mi, "province"), m.province)
            if m.province in seen:
                add(("groups", gi, "members", mi, "province"), f"“{m.province}”重复列出")
            seen.add(m.province)

    groups = Registry("省份组", ((n, ()) for n in group_names))
    for ti, t in enumerate(tl.tasks):
        if not 1 <= t.category <= len(tl.categories):
            add(
                ("tasks", ti, "category"),
                f"未知的类别编号 {t.category}（应为 1–{len(tl.categories)}）",
            )
        if not t.departments:
            add(("tasks", ti, "departments"), "至少应有 1 个执行部门")
        for di, d in enumerate(t.departments):
            check_name(depts, ("tasks", ti, "departments", di), d)
        for ui, duty in enumerate(t.duties):
            rule, at = duty.rule, ("tasks", ti, "duties", ui, "rule")
            if rule.binds == "all" and rule.group is not None:
                add(at, "binds 为 all 的规则不应指定 group")
            elif rule.binds != "all" and rule.group is None:
                add(at, f"binds 为 {rule.binds} 的规则必须指定 group")
            elif rule.group is not None:
                check_name(groups, (*at, "group"), rule.group)
        p = t.progress
        check_time(("tasks", ti, "progress", "updated"), p.updated)
        for name, pp in p.provinces.items():
            loc = ("tasks", ti, "progress", "provinces", name)
            check_name(provinces, loc, name)
            if name in provinces.names and not t.duties:
                add(loc, f"任务 {t.id} 对省份没有要求，不应有省份进度")
            check_time((*loc, "updated"), pp.updated)

    last = 0
    for hi, ch in enumerate(tl.history):
        if ch.seq < max(last, 1):
            add(("history", hi, "seq"), f"变更序号应从 1 起按顺序递增，实为 {ch.seq}")
        last = ch.seq
        check_time(("history", hi, "at"), ch.at)
        for where, message in _undo_problems(tl, ch, groups.names):
            add(("history", hi, *where), message)
    return problems


def _undo_problems(tl: TaskList, ch: Change, group_names: list[str]) -> list[tuple[Loc, str]]:
    """What in a history entry would keep ``ipq undo`` from applying it."""
    out: list[tuple[Loc, str]] = []
    if ch.action == "mark":
        if ch.task is None:
            out.append((("task",), "缺少必填字段（进度变更须写明任务编号）"))
        elif tl.task(ch.task) is None:
            out.append((("task",), f"不存在的任务编号 {ch.task}"))
        if ch.new is None:
            out.append((("new",), "缺少必填字段（进度变更须写明新状态）"))
        if ch.unit != NATIONAL and ch.unit not in PROVINCE_NAMES:
            out.append((("unit",), f"未知的单位“{ch.unit}”（应为{NATIONAL}或省份全称）"))
        return out
    if ch.task is not None and tl.task(ch.task) is None:
        out.append((("task",), f"不存在的任务编号 {ch.task}"))
    if ch.group is None:
        out.append((("group",), "缺少必填字段（省份组变更须写明省份组）"))
    elif ch.group not in group_names:
        out.append((("group",), f"未知的省份组“{ch.group}”"))
    if ch.member is None:
        out.append((("member",), "缺少必填字段（省份组变更须写明成员）"))
    elif ch.member.province not in PROVINCE_NAMES:
        out.append((("member", "province"), f"未知的省份“{ch.member.province}”（请写全称）"))
    if ch.index is not None and ch.index < 0:
        out.append((("index",), f"应不小于 0，实为 {ch.index}"))
    return out

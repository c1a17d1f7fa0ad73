"""The task list as pydantic models, validated strictly.

The models mirror ``data/tasks_2019.yaml`` field for field: unknown keys are
refused, types are not coerced, and :func:`reference_problems` checks what a
single field cannot (unique, contiguous task numbers; every department,
category, group and province that is named exists).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=False)


def _check_timestamp(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"时间“{value}”不是 ISO 8601 格式（如 2019-06-30T10:00:00+08:00）") from None
    if parsed.tzinfo is None:
        raise ValueError(f"时间“{value}”缺少时区（如 +08:00）")
    return value


class Meta(Model):
    title: str
    document: str
    issuer: str
    year: int
    source: str


class Category(Model):
    number: int = Field(ge=1)
    numeral: str
    title: str


class Department(Model):
    name: str
    english: str
    aliases: list[str] = []


class Member(Model):
    province: str
    source: str


class Group(Model):
    name: str
    description: str
    complete: bool
    members: list[Member] = []
    aliases: list[str] = []

    def member_names(self) -> list[str]:
        return [m.province for m in self.members]


class Rule(Model):
    text: str
    binds: Binds
    group: str | None = None

    @model_validator(mode="after")
    def _group_matches_binds(self) -> Rule:
        if self.binds == "all" and self.group is not None:
            raise ValueError("binds 为 all 的规则不应指定 group")
        if self.binds != "all" and self.group is None:
            raise ValueError(f"binds 为 {self.binds} 的规则必须指定 group")
        return self


class Duty(Model):
    measures: str
    rule: Rule


class Deadline(Model):
    text: str
    due: date
    kind: DeadlineKind


class Progress(Model):
    status: Status = "todo"
    note: str | None = None
    updated: str | None = None

    _ts = field_validator("updated")(_check_timestamp)


class TaskProgress(Progress):
    provinces: dict[str, Progress] = {}


class Task(Model):
    id: int = Field(ge=1)
    title: str
    category: int
    departments: list[str] = Field(min_length=1)
    national_measures: str
    duties: list[Duty] = []
    deadline: Deadline
    progress: TaskProgress = TaskProgress()

    def province_progress(self, province: str) -> Progress:
        return self.progress.provinces.get(province) or Progress()


class Change(Model):
    """One recorded change; the changes of one command share ``seq``."""

    seq: int = Field(ge=1)
    at: str
    action: ChangeAction = "mark"
    task: int | None = None
    unit: str = NATIONAL
    group: str | None = None
    old: Status | None = None
    new: Status | None = None
    note: str | None = None
    before: Progress | None = None
    member: Member | None = None
    index: int | None = None

    _ts = field_validator("at")(_check_timestamp)


class TaskList(Model):
    meta: Meta
    categories: list[Category] = Field(min_length=1)
    departments: list[Department] = Field(min_length=1)
    groups: list[Group] = []
    tasks: list[Task] = Field(min_length=1)
    history: list[Change] = []

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
        )

    def group_registry(self) -> Registry:
        return Registry("省份组", ((g.name, g.aliases) for g in self.groups))


def reference_problems(tl: TaskList) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems no single field can see: (location, message) pairs."""
    problems: list[tuple[tuple[str | int, ...], str]] = []

    def add(loc: tuple[str | int, ...], message: str) -> None:
        problems.append((loc, message))

    numbers = [c.number for c in tl.categories]
    for i, c in enumerate(tl.categories):
        if c.number != i + 1:
            add(("categories", i, "number"), f"类别编号应连续为 {i + 1}，实为 {c.number}")
    for i, t in enumerate(tl.tasks):
        if t.id != i + 1:
            add(("tasks", i, "id"), f"任务编号应唯一且连续，此处应为 {i + 1}，实为 {t.id}")

    depts = tl.department_registry()
    group_names = {g.name for g in tl.groups}
    provinces = Registry("省份", ((p, ()) for p in PROVINCE_NAMES))

    def check_name(reg: Registry, loc: tuple[str | int, ...], name: str) -> None:
        if name in reg.names:
            return
        try:
            right = reg.resolve(name)
            add(loc, f"请写全称：“{name}”应写作“{right}”")
        except Exception as exc:  # UnknownName, with its "did you mean"
            add(loc, str(exc))

    for gi, g in enumerate(tl.groups):
        seen: set[str] = set()
        for mi, m in enumerate(g.members):
            check_name(provinces, ("groups", gi, "members", mi, "province"), m.province)
            if m.province in seen:
                add(("groups", gi, "members", mi, "province"), f"“{m.province}”重复列出")
            seen.add(m.province)

    for ti, t in enumerate(tl.tasks):
        if t.category not in numbers:
            add(("tasks", ti, "category"), f"未知的类别编号 {t.category}（应为 1–{len(numbers)}）")
        for di, d in enumerate(t.departments):
            check_name(depts, ("tasks", ti, "departments", di), d)
        for ui, duty in enumerate(t.duties):
            g_name = duty.rule.group
            if g_name is not None and g_name not in group_names:
                known = Registry("省份组", ((n, ()) for n in group_names))
                check_name(known, ("tasks", ti, "duties", ui, "rule", "group"), g_name)
        for p in t.progress.provinces:
            check_name(provinces, ("tasks", ti, "progress", "provinces", p), p)
            if p in provinces.names and not t.duties:
                add(("tasks", ti, "progress", "provinces", p), f"任务 {t.id} 对省份没有要求，不应有省份进度")

    seqs = [c.seq for c in tl.history]
    if seqs != sorted(seqs):
        add(("history",), "变更记录的 seq 应按顺序递增")
    for hi, ch in enumerate(tl.history):
        if ch.task is not None and tl.task(ch.task) is None:
            add(("history", hi, "task"), f"不存在的任务编号 {ch.task}")
    return problems

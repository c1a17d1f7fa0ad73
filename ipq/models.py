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
from typing import TYPE_CHECKING, Annotated, Any, Literal

from .names import PROVINCE_NAMES, Registry

if TYPE_CHECKING:
    from collections.abc import Sequence

Status = Literal["todo", "in_progress", "done", "blocked", "not_applicable"]
STATUSES: tuple[str, ...] = ("todo", "in_progress", "done", "blocked", "not_applicable")
STATUS_LABELS: dict[str, str] = {
    "todo": "未开始",
    "in_progress": "进行中",
    "done": "已完成",
    "blocked": "受阻",
    "not_applicable": "不涉及",
}
Binds = Literal["all", "group_only", "group_others_optional"]
DeadlineKind = Literal["milestone", "completion"]
ChangeAction = Literal["mark", "group_add", "group_remove", "group_exclude"]

#: CNIPA as a whole: a task's national status is the roll-up of its departments'.
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
    """A named group of provinces. Membership is three-valued per province:
    a member (listed, with a source), not a member (listed in ``non_members``,
    with a source, e.g. the province's own declaration), or unknown. A complete
    group answers "not a member" for everyone it does not list."""

    name: Str
    description: Str
    complete: Bool
    members: list[Member] = field(default_factory=list)
    non_members: list[Member] = field(default_factory=list)
    aliases: list[Str] = field(default_factory=list)
    __pydantic_config__ = _CONFIG

    def member_names(self) -> list[str]:
        return [m.province for m in self.members]

    def membership(self, province: str) -> bool | None:
        """True (member), False (not a member), None (unknown)."""
        if any(m.province == province for m in self.members):
            return True
        if self.complete or any(m.province == province for m in self.non_members):
            return False
        return None


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
class TaskProgress:
    """Progress per unit that owes part of the task.

    ``departments``: each CNIPA department of the task, by name. ``provinces``:
    each province, by name, then by the number of the local duty (1-based).
    A unit with nothing recorded is at ``todo``.
    """

    departments: dict[Str, Progress] = field(default_factory=dict)
    provinces: dict[Str, dict[Int, Progress]] = field(default_factory=dict)
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

    def department_progress(self, department: str) -> Progress:
        return self.progress.departments.get(department) or Progress()

    def duty_progress(self, province: str, duty: int) -> Progress:
        return self.progress.provinces.get(province, {}).get(duty) or Progress()


@dataclass(slots=True, kw_only=True)
class Change:
    """One recorded change; the changes of one command share ``seq``.

    A mark names its task and unit: a department, or a province and its duty.
    A group change names its group and province (``unit``); ``member`` is the
    record it added (add, exclude) or removed (remove), ``replaced`` the record
    an add or exclude took from the other list, ``index`` where the record
    that undo puts back stood.
    """

    seq: Int
    at: Str
    action: ChangeAction = "mark"
    task: Int | None = None
    unit: Str = NATIONAL
    duty: Int | None = None
    group: Str | None = None
    old: Status | None = None
    new: Status | None = None
    note: Str | None = None
    before: Progress | None = None
    member: Member | None = None
    index: Int | None = None
    replaced: Member | None = None
    source: Str | None = None  # where a change came from: a returned form and who filled it
    id: Str | None = None  # globally unique; entries written before ids have one derived (key())
    by: Str | None = None  # who made it: user@host, or IPQ_USER
    __pydantic_config__ = _CONFIG

    def key(self) -> str:
        """The change's identity: its id, or for an entry written before ids, a hash of
        what it says (the same in every copy of the file, so copies still merge)."""
        if self.id:
            return self.id
        import hashlib

        member = self.member.province if self.member else ""
        said = "|".join(
            str(x)
            for x in (self.seq, self.at, self.action, self.task, self.unit, self.duty,
                      self.group, self.old, self.new, self.note, member)
        )  # fmt: skip
        return "h" + hashlib.blake2b(said.encode(), digest_size=10).hexdigest()


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


def reference_problems(
    tl: TaskList,
    tasks: set[int] | None = None,
    groups: set[int] | None = None,
    history_from: int = 0,
) -> list[tuple[Loc, str]]:
    """Problems no single field can see: (location, message) pairs.

    By default the whole list. A write that changed only some tasks and groups
    (indexes) and added history after ``history_from`` entries may check only
    those, where the rest was valid and is unchanged, and the changed tasks
    kept their departments and number of duties and the groups their names --
    what the rest's rules read (see :func:`ipq.parts.prove`).
    """
    problems: list[tuple[Loc, str]] = []

    def add(loc: Loc, message: str) -> None:
        problems.append((loc, message))

    for key in ("categories", "departments", "tasks"):
        if not getattr(tl, key):
            add((key,), "至少应有 1 项")
    for i, c in enumerate(tl.categories):
        if c.number != i + 1:
            add(("categories", i, "number"), f"类别编号应连续为 {i + 1}，实为 {c.number}")
    task_indexes = range(len(tl.tasks)) if tasks is None else sorted(tasks)
    group_indexes = range(len(tl.groups)) if groups is None else sorted(groups)
    for i in task_indexes:
        if tl.tasks[i].id != i + 1:
            add(
                ("tasks", i, "id"), f"任务编号应唯一且连续，此处应为 {i + 1}，实为 {tl.tasks[i].id}"
            )

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

    for gi in group_indexes:
        g = tl.groups[gi]
        seen: set[str] = set()
        for key, listed in (("members", g.members), ("non_members", g.non_members)):
            for mi, m in enumerate(listed):
                at_ = ("groups", gi, key, mi, "province")
                check_name(provinces, at_, m.province)
                if m.province in seen:
                    add(at_, f"“{m.province}”重复列出（一个省份只能是成员或非成员之一）")
                seen.add(m.province)
        if g.complete and g.non_members:
            add(("groups", gi, "non_members"), "名单完整的组不需要列出非成员")

    group_registry = Registry("省份组", ((n, ()) for n in group_names))
    for ti in task_indexes:
        t = tl.tasks[ti]
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
                check_name(group_registry, (*at, "group"), rule.group)
        p = t.progress
        for name, dp in p.departments.items():
            loc = ("tasks", ti, "progress", "departments", name)
            if name not in t.departments:
                add(loc, f"“{name}”不是任务 {t.id} 的执行部门（{'、'.join(t.departments)}）")
            elif dp.status == "not_applicable":
                add((*loc, "status"), "国家知识产权局各部门的任务都须完成，不能为不涉及")
            check_time((*loc, "updated"), dp.updated)
        for name, duties in p.provinces.items():
            loc = ("tasks", ti, "progress", "provinces", name)
            check_name(provinces, loc, name)
            if name in provinces.names and not t.duties:
                add(loc, f"任务 {t.id} 对省份没有要求，不应有省份进度")
            for number, pp in duties.items():
                if not 1 <= number <= len(t.duties):
                    add((*loc, number), f"任务 {t.id} 没有第 {number} 条地方落实举措")
                check_time((*loc, number, "updated"), pp.updated)

    last = tl.history[history_from - 1].seq if history_from else 0
    added = tl.history[history_from:]
    seen_ids: set[str] = set()
    if history_from:
        seen_ids = earlier_keys(tl.history, history_from, {ch.key() for ch in added})
    for hi, ch in enumerate(added, history_from):
        key = ch.key()  # derived (a hash) for an entry written before ids: made once
        if key in seen_ids:
            add(("history", hi, "id"), f"变更记录的 id 重复：{key}")
        seen_ids.add(key)
        if ch.seq < max(last, 1):
            add(("history", hi, "seq"), f"变更序号应从 1 起按顺序递增，实为 {ch.seq}")
        last = ch.seq
        check_time(("history", hi, "at"), ch.at)
        for where, message in _undo_problems(tl, ch, group_registry.names):
            add(("history", hi, *where), message)
    return problems


def earlier_keys(history: Sequence[Change], upto: int, keys: set[str]) -> set[str]:
    """Which of ``keys`` are the keys of the first ``upto`` entries of ``history``."""
    from .lazyhistory import EncodedHistory

    if isinstance(history, EncodedHistory):
        return history.keys_among(upto, keys)
    before = history[:upto]
    if any(key.startswith("h") for key in keys):
        return {ch.key() for ch in before} & keys
    # a derived key begins with h (key()), so only the ids written out can collide
    return {ch.id for ch in before if ch.id} & keys


def _undo_problems(tl: TaskList, ch: Change, group_names: list[str]) -> list[tuple[Loc, str]]:
    """What in a history entry would keep ``ipq undo`` from applying it."""
    out: list[tuple[Loc, str]] = []
    if ch.action == "mark":
        task = tl.task(ch.task) if ch.task is not None else None
        if ch.task is None:
            out.append((("task",), "缺少必填字段（进度变更须写明任务编号）"))
        elif task is None:
            out.append((("task",), f"不存在的任务编号 {ch.task}"))
        if ch.new is None:
            out.append((("new",), "缺少必填字段（进度变更须写明新状态）"))
        if ch.unit in PROVINCE_NAMES:
            if ch.duty is None:
                out.append((("duty",), "缺少必填字段（省份的进度变更须写明第几条地方落实举措）"))
            elif task is not None and not 1 <= ch.duty <= len(task.duties):
                out.append((("duty",), f"任务 {ch.task} 没有第 {ch.duty} 条地方落实举措"))
        elif task is not None and ch.unit not in task.departments:
            out.append((("unit",), f"“{ch.unit}”不是任务 {ch.task} 的执行部门，也不是省份"))
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

"""Three-way merge of ledgers, for git's merge driver (``ipq merge %O %A %B``).

Progress and history are merged by meaning, not by lines:

* **progress**, per part (task, department) or (task, province, duty): one side
  changed it -> that side's; both changed it alike -> that; both changed it
  differently -> the later change (by its time) wins, with a warning; the
  history keeps both changes, so nothing is lost and the decision is visible;
* **history**: the entries of both sides, by id (an entry removed on one side
  -- an undo -- stays removed); the common ones first, then the new ones in
  time order, numbered on so each side's commands keep their own ``seq``;
* **group membership**, per province: one side's change is taken; both
  sides changing the same province differently is decided by the later
  history entry;
* **the list itself** (meta, categories, departments, task texts, group
  descriptions): one side's change is taken; both sides changing the same
  field differently is a real conflict -- the merge fails and says where.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from .models import STATUS_LABELS, Change, Group, Member, Progress, Task, TaskList

T = TypeVar("T")


@dataclass
class Merged:
    ledger: TaskList | None  # None when there were conflicts
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _when(text: str | None) -> datetime:
    if not text:
        return datetime.min.replace(tzinfo=datetime.now().astimezone().tzinfo)
    return datetime.fromisoformat(text)


def _three(base: T | None, ours: T | None, theirs: T | None) -> tuple[bool, T | None]:
    """(clean, value) of a three-way choice; not clean when both sides changed it apart."""
    if ours == theirs:
        return True, ours
    if ours == base:
        return True, theirs
    if theirs == base:
        return True, ours
    return False, ours


# -- the list itself ----------------------------------------------------------------


_TASK_TEXT = ("title", "category", "departments", "national_measures", "duties", "deadline")
_FIELD_NAMES = {
    "title": "任务名称",
    "category": "类别",
    "departments": "执行部门",
    "national_measures": "落实举措",
    "duties": "地方落实举措",
    "deadline": "完成时间",
    "description": "说明",
    "complete": "名单是否完整",
    "aliases": "别名",
}


def _data(value: Any) -> Any:
    from .validation import dump_part

    if isinstance(value, list):
        return dump_part(value) if value else []
    return dump_part([value])[0] if value is not None else None


_PART_NAMES = {"meta": "清单信息", "categories": "类别", "departments": "部门"}


def _merge_static(base: TaskList, ours: TaskList, theirs: TaskList, out: Merged) -> None:
    """The list's own text: one side's change taken; both changed apart is a conflict."""
    for name in ("meta", "categories", "departments"):
        clean, _ = _three(
            _data(getattr(base, name)), _data(getattr(ours, name)), _data(getattr(theirs, name))
        )
        if not clean:
            out.conflicts.append(f"冲突：{_PART_NAMES[name]}两边都改了，且改得不同")
        elif _data(getattr(ours, name)) == _data(getattr(base, name)):
            setattr(ours, name, getattr(theirs, name))
    ids = [[t.id for t in x.tasks] for x in (base, ours, theirs)]
    if not ids[0] == ids[1] == ids[2]:
        clean, _ = _three(ids[0], ids[1], ids[2])
        if not clean:
            out.conflicts.append("冲突：两边都增删了任务，且不一样")
        elif ids[1] == ids[0]:  # only theirs added or removed tasks: take their tasks' text
            ours.tasks = [_with_progress(t, ours.task(t.id)) for t in theirs.tasks]
        return
    for b, o, t in zip(base.tasks, ours.tasks, theirs.tasks, strict=True):
        for name in _TASK_TEXT:
            bv, ov, tv = (_data(getattr(x, name)) for x in (b, o, t))
            clean, _ = _three(bv, ov, tv)
            if not clean:
                out.conflicts.append(
                    f"冲突：任务 {o.id} 的{_FIELD_NAMES[name]}两边都改了，且改得不同"
                )
            elif ov == bv and tv != bv:
                setattr(o, name, getattr(t, name))


def _with_progress(task: Task, mine: Task | None) -> Task:
    if mine is not None:
        task.progress = mine.progress
    return task


# -- progress -------------------------------------------------------------------------


def _merge_parts(
    where: Callable[[Any], str],
    base: dict[Any, Progress],
    ours: dict[Any, Progress],
    theirs: dict[Any, Progress],
    out: Merged,
) -> dict[Any, Progress]:
    merged: dict[Any, Progress] = {}
    for key in [
        *ours,
        *(k for k in theirs if k not in ours),
        *(k for k in base if k not in ours and k not in theirs),
    ]:
        b, o, t = base.get(key), ours.get(key), theirs.get(key)
        clean, value = _three(b, o, t)
        if not clean:
            assert o is not None and t is not None  # both changed: both exist
            value = o if _when(o.updated) >= _when(t.updated) else t
            other = t if value is o else o
            out.warnings.append(
                f"{where(key)}：两边都改了，采用较晚的“{STATUS_LABELS[value.status]}”"
                f"（{value.updated}），另一边的“{STATUS_LABELS[other.status]}”留在变更记录中"
            )
        if value is not None:
            merged[key] = value
    return merged


def _merge_progress(base: TaskList, ours: TaskList, theirs: TaskList, out: Merged) -> None:
    for o in ours.tasks:
        b, t = base.task(o.id), theirs.task(o.id)
        if t is None:
            continue
        bp = b.progress if b is not None else None
        number = o.id

        def dept_label(d: Any, n: int = number) -> str:
            return f"任务 {n}（{d}）"

        o.progress.departments = _merge_parts(
            dept_label,
            bp.departments if bp else {},
            o.progress.departments,
            t.progress.departments,
            out,
        )
        provinces: dict[str, dict[int, Progress]] = {}
        names = [
            *o.progress.provinces,
            *(p for p in t.progress.provinces if p not in o.progress.provinces),
        ]
        for name in names:

            def label(duty: int, n: int = number, p: str = name, task: Task = o) -> str:
                return f"任务 {n if len(task.duties) == 1 else f'{n}.{duty}'}（{p}）"

            duties = _merge_parts(
                label,
                (bp.provinces.get(name, {}) if bp else {}),
                o.progress.provinces.get(name, {}),
                t.progress.provinces.get(name, {}),
                out,
            )
            if duties:
                provinces[name] = duties
        o.progress.provinces = provinces


# -- history -----------------------------------------------------------------------------


def _merge_history(base: TaskList, ours: TaskList, theirs: TaskList) -> list[Change]:
    """Both sides' entries by id; an entry one side removed (undid) stays removed."""
    base_keys = {c.key() for c in base.history}
    ours_keys = {c.key() for c in ours.history}
    theirs_keys = {c.key() for c in theirs.history}
    # a common entry survives unless a side removed it (an undo)
    kept = [c for c in ours.history if c.key() in base_keys and c.key() in theirs_keys]
    new: list[tuple[datetime, int, int, Change]] = []
    for side, changes in enumerate((ours.history, theirs.history)):
        for i, c in enumerate(changes):
            if c.key() in base_keys or (side == 1 and c.key() in ours_keys):
                continue  # common, or new on both sides: taken once, from ours
            new.append((_when(c.at), side, i, c))
    new.sort(key=lambda x: (x[0], x[1], x[2]))
    seq = kept[-1].seq if kept else 0
    last: tuple[int, int] | None = None
    result = list(kept)
    for _, side, _, c in new:
        group = (side, c.seq)
        if group != last:
            seq += 1
            last = group
        c.seq = seq
        result.append(c)
    return result


# -- groups ----------------------------------------------------------------------------------


def _states(g: Group) -> dict[str, tuple[bool, str]]:
    out = {m.province: (True, m.source) for m in g.members}
    out.update({m.province: (False, m.source) for m in g.non_members})
    return out


def _latest_group_change(history: list[Change], group: str, province: str) -> datetime | None:
    times = [_when(c.at) for c in history if c.group == group and c.unit == province]
    return max(times) if times else None


def _merge_groups(base: TaskList, ours: TaskList, theirs: TaskList, out: Merged) -> None:
    for o in ours.groups:
        t = next((g for g in theirs.groups if g.name == o.name), None)
        b = next((g for g in base.groups if g.name == o.name), None)
        if t is None:
            continue
        for name in ("description", "complete", "aliases"):
            clean, value = _three(
                getattr(b, name) if b else None, getattr(o, name), getattr(t, name)
            )
            if not clean:
                out.conflicts.append(
                    f"冲突：省份组“{o.name}”的{_FIELD_NAMES[name]}两边都改了，且改得不同"
                )
            else:
                setattr(o, name, value)
        bs, os_, ts = (_states(b) if b else {}), _states(o), _states(t)
        order = [*os_, *(p for p in ts if p not in os_)]
        members: list[Member] = []
        non_members: list[Member] = []
        for province in order:
            clean, state = _three(bs.get(province), os_.get(province), ts.get(province))
            if not clean:  # both changed this province differently: the later change decides
                theirs_time = _latest_group_change(theirs.history, o.name, province)
                ours_time = _latest_group_change(ours.history, o.name, province)
                later = theirs_time is not None and (ours_time is None or theirs_time > ours_time)
                state = ts.get(province) if later else os_.get(province)
                out.warnings.append(f"{province}在“{o.name}”中的成员资格两边都改了，采用较晚的一边")
            if state is None:
                continue
            (members if state[0] else non_members).append(
                Member(province=province, source=state[1])
            )
        o.members, o.non_members = members, non_members


# -- the whole ----------------------------------------------------------------------------------


def merge(base: TaskList, ours: TaskList, theirs: TaskList) -> Merged:
    """Merge ``theirs`` into ``ours`` (changed in place) against their common ``base``."""
    out = Merged(None)
    _merge_static(base, ours, theirs, out)
    if out.conflicts:
        return out
    history = _merge_history(base, ours, theirs)
    _merge_groups(base, ours, theirs, out)
    if out.conflicts:
        return out
    _merge_progress(base, ours, theirs, out)
    ours.history = history
    out.ledger = ours
    return out

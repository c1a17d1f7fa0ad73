"""Changes to the ledger: marking progress, group membership, undo.

Every function here changes a TaskList in memory and returns what it did;
:func:`ipq.store.modify` wraps it in the locked, validated, atomic write.
Each change is recorded in ``history`` with what undo needs to restore the
previous state exactly, so marks followed by as many undos give the original
bytes back.
"""

from __future__ import annotations

from datetime import datetime

from .errors import UserError
from .models import NATIONAL, STATUS_LABELS, Change, Member, Progress, Task, TaskList
from .names import resolve_province
from .query import duty_level, find_task, group_of, resolve_status


def now() -> str:
    """Local time with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _next_seq(tl: TaskList) -> int:
    return tl.history[-1].seq + 1 if tl.history else 1


def _snapshot(p: Progress) -> Progress | None:
    plain = p.plain()
    return None if plain == Progress() else plain


def tasks_from(tl: TaskList, numbers: list[str]) -> list[Task]:
    """Tasks by number, each once, in the order given; all checked before any change."""
    tasks: list[Task] = []
    for text in numbers:
        t = find_task(tl, text)
        if t not in tasks:
            tasks.append(t)
    return tasks


def mark(
    tl: TaskList,
    numbers: list[str],
    status: str,
    note: str | None = None,
    province: str | None = None,
    at: str | None = None,
) -> list[Change]:
    """Set the national status of tasks, or one province's progress on them.

    The note replaces the previous one (no note clears it); the history keeps
    every note. Marking what is already so changes nothing and records nothing.
    """
    new = resolve_status(status)
    unit = resolve_province(province) if province else NATIONAL
    tasks = tasks_from(tl, numbers)
    if note is not None and not note.strip():
        note = None
    if province:
        for t in tasks:
            if not any(duty_level(tl, d, unit) for d in t.duties):
                reason = "没有地方落实举措" if not t.duties else "的地方落实举措不约束该省份"
                raise UserError(
                    f"任务 {t.id} {reason}，不能为{unit}记录进度（可用 ipq obligations -p {unit} 查看）"
                )
    stamp = at or now()
    seq = _next_seq(tl)
    changes: list[Change] = []
    for t in tasks:
        current = t.province_progress(unit) if province else t.progress
        if current.status == new and current.note == note:
            continue
        before = t.progress.provinces.get(unit) if province else _snapshot(t.progress)
        change = Change(
            seq=seq,
            at=stamp,
            task=t.id,
            unit=unit,
            old=current.status,
            new=new,  # type: ignore[arg-type]
            note=note,
            before=before.plain() if before else None,
        )
        if province:
            t.progress.provinces[unit] = Progress(status=new, note=note, updated=stamp)  # type: ignore[arg-type]
        else:
            t.progress.status = new  # type: ignore[assignment]
            t.progress.note = note
            t.progress.updated = stamp
        tl.history.append(change)
        changes.append(change)
    return changes


def group_add(
    tl: TaskList, group: str, provinces: list[str], source: str | None, at: str | None = None
) -> list[Change]:
    name = group_of(tl, group)
    g = tl.group(name)
    stamp = at or now()
    seq = _next_seq(tl)
    text = (
        source.strip()
        if source and source.strip()
        else f"由 ipq groups add 添加（{stamp[:10]}），出处未注明"
    )
    wanted = [resolve_province(p) for p in provinces]
    changes = []
    for p in dict.fromkeys(wanted):
        if p in g.member_names():
            raise UserError(f"{p}已是“{name}”的成员")
        member = Member(province=p, source=text)
        g.members.append(member)
        change = Change(
            seq=seq,
            at=stamp,
            action="group_add",
            unit=p,
            group=name,
            member=member,
            index=len(g.members) - 1,
        )
        tl.history.append(change)
        changes.append(change)
    return changes


def group_remove(
    tl: TaskList, group: str, provinces: list[str], at: str | None = None
) -> list[Change]:
    name = group_of(tl, group)
    g = tl.group(name)
    stamp = at or now()
    seq = _next_seq(tl)
    changes = []
    for p in dict.fromkeys(resolve_province(x) for x in provinces):
        if p not in g.member_names():
            raise UserError(f"{p}不是“{name}”的成员（成员：{'、'.join(g.member_names()) or '无'}）")
        index = g.member_names().index(p)
        member = g.members.pop(index)
        change = Change(
            seq=seq, at=stamp, action="group_remove", unit=p, group=name, member=member, index=index
        )
        tl.history.append(change)
        changes.append(change)
    return changes


def undo(tl: TaskList) -> list[Change]:
    """Revert the latest command's changes (all entries sharing its seq)."""
    if not tl.history:
        raise UserError("没有可以撤销的变更")
    seq = tl.history[-1].seq
    undone: list[Change] = []
    while tl.history and tl.history[-1].seq == seq:
        change = tl.history.pop()
        _revert(tl, change)
        undone.append(change)
    undone.reverse()  # in the order they were made
    return undone


def _revert(tl: TaskList, ch: Change) -> None:
    if ch.action == "mark":
        assert ch.task is not None
        t = tl.task(ch.task)
        assert t is not None
        before = ch.before or Progress()
        if ch.unit == NATIONAL:
            t.progress.status = before.status
            t.progress.note = before.note
            t.progress.updated = before.updated
        elif ch.before is None:
            t.progress.provinces.pop(ch.unit, None)
        else:
            t.progress.provinces[ch.unit] = ch.before.plain()
    else:
        assert ch.group is not None and ch.member is not None and ch.index is not None
        g = tl.group(ch.group)
        if ch.action == "group_add":
            g.members.pop(ch.index)
        else:
            g.members.insert(ch.index, Member(province=ch.member.province, source=ch.member.source))


def describe(ch: Change) -> str:
    """One line for a change, in the user's words."""
    if ch.action == "group_add":
        return f"{ch.unit}加入“{ch.group}”"
    if ch.action == "group_remove":
        return f"{ch.unit}移出“{ch.group}”"
    old = STATUS_LABELS[ch.old] if ch.old else "?"
    new = STATUS_LABELS[ch.new] if ch.new else "?"
    note = f"（备注：{ch.note}）" if ch.note else ""
    return f"任务 {ch.task}（{ch.unit}）：{old} → {new}{note}"


def history(tl: TaskList, task: str | None = None, province: str | None = None) -> list[Change]:
    """Recorded changes, newest first, optionally for one task and/or one unit."""
    number = find_task(tl, task).id if task else None
    unit = resolve_province(province) if province else None
    return [
        ch
        for ch in reversed(tl.history)
        if (number is None or ch.task == number) and (unit is None or ch.unit == unit)
    ]

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
from .util import visible


def now() -> str:
    """Local time with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def clean_text(text: str | None, what: str) -> str | None:
    """User text to record: None when blank; refused when it is not valid Unicode.

    Bytes that are not UTF-8 in an argument (a GBK terminal over SSH) reach
    Python as lone surrogates, which no file can store.
    """
    if text is None or not text.strip():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(
            f"{what}含有无法识别的字节（不是 UTF-8 编码）；请把终端设为 UTF-8 后重新输入"
        ) from None
    return text


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
    note = clean_text(note, "备注")
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
    given = clean_text(source, "出处")
    text = given.strip() if given else f"由 ipq groups add 添加（{stamp[:10]}），出处未注明"
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
            member=Member(province=p, source=text),  # its own copy: the record stays as made
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


def undo(tl: TaskList, force: bool = False) -> list[Change]:
    """Revert the latest command's changes (all entries sharing its seq).

    Each change is undone by what it names -- the task and unit of a mark, the
    group and province of a membership change -- never by position. If what a
    change set is no longer so (edited by hand or by someone else since), undo
    refuses and says what changed, unless ``force``; nothing is undone then.
    """
    if not tl.history:
        raise UserError("没有可以撤销的变更")
    seq = tl.history[-1].seq
    count = 0
    while count < len(tl.history) and tl.history[-1 - count].seq == seq:
        count += 1
    undone = tl.history[len(tl.history) - count :]
    if not force:
        problems = [p for ch in undone if (p := _changed_since(tl, ch))]
        if problems:
            raise UserError("；".join(problems) + "。仍要撤销请加 --force")
    del tl.history[len(tl.history) - count :]
    for change in reversed(undone):
        _revert(tl, change)
    return undone


def _progress_of(tl: TaskList, ch: Change) -> Progress:
    t = tl.task(ch.task or 0)
    assert t is not None  # validation holds every mark's task to exist
    return t.progress if ch.unit == NATIONAL else t.province_progress(ch.unit)


def _label(status: str | None, note: str | None) -> str:
    text = STATUS_LABELS.get(status or "", "?")
    return f"{text}（备注：{note}）" if note else text


def _changed_since(tl: TaskList, ch: Change) -> str | None:
    """Why ``ch`` can no longer be undone as it stands, or None."""
    if ch.action == "mark":
        now = _progress_of(tl, ch)
        if (now.status, now.note, now.updated) != (ch.new, ch.note, ch.at):
            return (
                f"任务 {ch.task}（{ch.unit}）在这次修改后又有变化："
                f"现在是“{_label(now.status, now.note)}”，这次修改设为“{_label(ch.new, ch.note)}”"
            )
        return None
    assert ch.group is not None and ch.member is not None
    members = {m.province: m for m in tl.group(ch.group).members}
    current = members.get(ch.member.province)
    if ch.action == "group_add":
        if current is None:
            return f"{ch.member.province}已不在“{ch.group}”中"
        if current.source != ch.member.source:
            return f"{ch.member.province}在“{ch.group}”中的出处已改为“{current.source}”"
    elif current is not None:
        return f"{ch.member.province}已重新加入“{ch.group}”"
    return None


def _revert(tl: TaskList, ch: Change) -> None:
    if ch.action == "mark":
        t = tl.task(ch.task or 0)
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
        return
    assert ch.group is not None and ch.member is not None
    g = tl.group(ch.group)
    at = next((i for i, m in enumerate(g.members) if m.province == ch.member.province), None)
    if ch.action == "group_add":
        if at is not None:
            del g.members[at]
    elif at is None:  # put it back where it was, as far as that place still exists
        place = len(g.members) if ch.index is None else min(ch.index, len(g.members))
        g.members.insert(place, Member(province=ch.member.province, source=ch.member.source))


def describe(ch: Change) -> str:
    """One line for a change, in the user's words."""
    if ch.action == "group_add":
        return f"{ch.unit}加入“{ch.group}”"
    if ch.action == "group_remove":
        return f"{ch.unit}移出“{ch.group}”"
    old = STATUS_LABELS[ch.old] if ch.old else "?"
    new = STATUS_LABELS[ch.new] if ch.new else "?"
    note = f"（备注：{visible(ch.note)}）" if ch.note else ""
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

"""Changes to the ledger: marking progress, notes, group membership, undo.

Every function here changes a TaskList in memory and returns what it did;
:func:`ipq.store.modify` wraps it in the locked, verified, atomic write.
Progress is kept per unit that owes something: each CNIPA department of a
task, and each province on each local duty. Each change is recorded in
``history`` with what undo needs to restore the previous state exactly, so
marks followed by as many undos give the original bytes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .errors import UserError
from .models import STATUS_LABELS, Change, Member, Progress, Task, TaskList
from .names import resolve_province
from .query import duty_label, duty_level, find_number, group_of, resolve_status
from .util import visible


def now() -> str:
    """Local time with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def new_id() -> str:
    """A globally unique id for a change: time-ordered hex, then randomness."""
    import secrets
    import time

    return f"{time.time_ns():x}{secrets.token_hex(6)}"


def who() -> str:
    """Who makes a change: IPQ_USER, else user@host."""
    import getpass
    import os

    given = os.environ.get("IPQ_USER", "").strip()
    if given:
        return given
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "?"
    return f"{user}@{_host()}"


def _host() -> str:
    """The machine's name: socket.gethostname(), which is uname's node name on POSIX
    (socket's import was 2 ms of every write)."""
    import os

    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _stamped(changes: list[Change]) -> list[Change]:
    """Give each new change its id and author, in the history."""
    by = who() if changes else None
    for ch in changes:
        ch.id = new_id()
        ch.by = by
    return changes


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


@dataclass(frozen=True)
class Target:
    """One unit's part of one task: a department's, or a province's duty."""

    task: Task
    unit: str
    duty: int | None  # set for a province
    level: str  # must, optional, if_member (departments: must)

    def stored(self) -> Progress | None:
        p = self.task.progress
        if self.duty is None:
            return p.departments.get(self.unit)
        return p.provinces.get(self.unit, {}).get(self.duty)

    def put(self, progress: Progress | None) -> None:
        p = self.task.progress
        if self.duty is None:
            if progress is None:
                p.departments.pop(self.unit, None)
            else:
                p.departments[self.unit] = progress
            return
        duties = p.provinces.setdefault(self.unit, {})
        if progress is None:
            duties.pop(self.duty, None)
        else:
            duties[self.duty] = progress
        if not duties:
            del p.provinces[self.unit]


def targets_of(
    tl: TaskList, numbers: list[str], province: str | None, departments: list[str]
) -> list[Target]:
    """The units' parts the numbers name; every number checked before any change."""
    unit = resolve_province(province) if province else None
    depts = [tl.department_registry().resolve(d) for d in departments]
    out: list[Target] = []
    for text in numbers:
        t, duty = find_number(tl, text)
        if unit is not None:
            chosen = []
            for i, one in enumerate(t.duties, start=1):
                level = duty_level(tl, one, unit)
                if (duty is None or duty == i) and level is not None:
                    chosen.append(Target(t, unit, i, level))
            if not chosen:
                if not t.duties:
                    reason = f"任务 {t.id} 没有地方落实举措"
                elif duty is None:
                    reason = f"任务 {t.id} 的地方落实举措不约束该省份"
                else:
                    reason = f"{duty_label(t, duty)} 不约束该省份"
                raise UserError(
                    f"{reason}，不能为{unit}记录进度（可用 ipq obligations -p {unit} 查看）"
                )
            out += chosen
            continue
        if duty is not None:
            raise UserError(
                f"“{text.strip()}”是地方落实举措的编号：记录省份的进度请加 --province；"
                f"国家知识产权局各部门的进度请写任务编号 {t.id}"
            )
        for name in depts:
            if name not in t.departments:
                raise UserError(
                    f"{name}不是任务 {t.id} 的执行部门（执行部门：{'、'.join(t.departments)}）"
                )
        out += [Target(t, name, None, "must") for name in (depts or t.departments)]
    unique = {(x.task.id, x.unit, x.duty): x for x in reversed(out)}  # each part once,
    return sorted(unique.values(), key=out.index)  # in the order first given


def mark(
    tl: TaskList,
    numbers: list[str],
    status: str | None,
    note: str | None = None,
    province: str | None = None,
    at: str | None = None,
    departments: list[str] | None = None,
    clear_note: bool = False,
) -> list[Change]:
    """Set the status (and note) of parts of tasks, all or nothing.

    Without ``province`` or ``departments``, every department of each task.
    ``status`` None keeps each part's status (a change of note alone). A note
    replaces the part's note, ``clear_note`` clears it, neither keeps it; the
    history keeps every note. 不涉及 (not_applicable) is refused where the duty
    binds the province; on an if_member duty it also records the province as
    not a member of that group. What is already so changes nothing.
    """
    new = resolve_status(status) if status is not None else None
    note = clean_text(note, "备注")
    if clear_note and note is not None:
        raise UserError("--note 与 --clear-note 只能选一个")
    targets = targets_of(tl, numbers, province, departments or [])
    if new == "not_applicable":
        for target in targets:
            problem = not_applicable_problem(target)
            if problem:
                raise UserError(problem)
    parts = [Part(target, new, note, clear_note) for target in targets]
    return record(tl, parts, at or now())


def not_applicable_problem(target: Target) -> str | None:
    """Why this part may not be marked 不涉及, or None."""
    if target.duty is None:
        return f"任务 {target.task.id} 是{target.unit}的职责，国家知识产权局各部门的任务都须完成，不能标为不涉及"
    if target.level == "must":
        rule = target.task.duties[target.duty - 1].rule.text
        return f"{duty_label(target.task, target.duty)} 对{target.unit}是必做（{rule}），不能标为不涉及"
    return None


@dataclass(frozen=True)
class Part:
    """What to record on one part: a status (None: keep), a note (None: keep)."""

    target: Target
    status: str | None
    note: str | None
    clear_note: bool = False


def record(tl: TaskList, parts: list[Part], stamp: str, source: str | None = None) -> list[Change]:
    """Record parts as one change (one seq); what is already so is left out.

    不涉及 on an if_member duty also records the province as not a member of
    the duty's group (the province's own declaration, dated).
    """
    seq = _next_seq(tl)
    changes: list[Change] = []
    for part in parts:
        target = part.target
        stored = target.stored()
        current = stored or Progress()
        status_now = part.status or current.status
        note_now = (
            None if part.clear_note else (part.note if part.note is not None else current.note)
        )
        if (status_now, note_now) == (current.status, current.note):
            continue
        changes.append(
            Change(
                seq=seq,
                at=stamp,
                task=target.task.id,
                unit=target.unit,
                duty=target.duty,
                old=current.status,
                new=status_now,  # type: ignore[arg-type]
                note=note_now,
                before=stored.plain() if stored else None,
                source=source,
            )
        )
        target.put(Progress(status=status_now, note=note_now, updated=stamp))  # type: ignore[arg-type]
        if status_now == "not_applicable" and target.level == "if_member" and target.duty:
            group = target.task.duties[target.duty - 1].rule.group
            assert group is not None
            if tl.group(group).membership(target.unit) is None:
                label = duty_label(target.task, target.duty)
                how = source or f"ipq mark {label} 不涉及"
                said = f"{target.unit}自行声明不涉及（{how}，{stamp[:10]}）"
                changes.append(_set_membership(tl, group, target.unit, False, said, seq, stamp))
    tl.history.extend(_stamped(changes))
    return changes


# -- group membership ------------------------------------------------------------


def _set_membership(
    tl: TaskList, group: str, province: str, member: bool | None, source: str, seq: int, at: str
) -> Change:
    """Make ``province`` a member (True), a non-member (False) or unknown (None)."""
    g = tl.group(group)
    in_members = next((m for m in g.members if m.province == province), None)
    in_others = next((m for m in g.non_members if m.province == province), None)
    record = Member(province=province, source=source)
    if member is None:
        assert in_members is not None
        place = g.members.index(in_members)
        g.members.remove(in_members)
        return Change(
            seq=seq,
            at=at,
            action="group_remove",
            unit=province,
            group=group,
            member=in_members,
            index=place,
        )
    # index: where the record undo puts back stood (the one this change takes away)
    index: int | None
    if member:
        index = g.non_members.index(in_others) if in_others is not None else None
        if in_others is not None:
            g.non_members.remove(in_others)
        g.members.append(record)
        action, replaced = "group_add", in_others
    else:
        index = g.members.index(in_members) if in_members is not None else None
        if in_members is not None:
            g.members.remove(in_members)
        g.non_members.append(record)
        action, replaced = "group_exclude", in_members
    return Change(
        seq=seq,
        at=at,
        action=action,  # type: ignore[arg-type]
        unit=province,
        group=group,
        member=Member(province=province, source=source),  # its own copy: the record stays as made
        index=index,
        replaced=replaced,
    )


def _group_change(
    tl: TaskList,
    group: str,
    provinces: list[str],
    member: bool | None,
    source: str | None,
    at: str | None,
) -> list[Change]:
    name = group_of(tl, group)
    g = tl.group(name)
    stamp = at or now()
    seq = _next_seq(tl)
    verb = {True: "add", False: "exclude", None: "remove"}[member]
    given = clean_text(source, "出处")
    text = given.strip() if given else f"由 ipq groups {verb} 记录（{stamp[:10]}），出处未注明"
    changes = []
    for p in dict.fromkeys(resolve_province(x) for x in provinces):
        state = g.membership(p)
        if member is None and state is not True:
            listed = "、".join(g.member_names()) or "无"
            raise UserError(f"{p}不是“{name}”的成员（成员：{listed}）")
        if member is not None and g.complete:
            raise UserError(
                f"“{name}”的名单是完整的，不能再声明成员或非成员（可用 ipq groups 查看）"
            )
        if member is True and state is True:
            raise UserError(f"{p}已是“{name}”的成员")
        if member is False and state is False:
            raise UserError(f"{p}已声明不是“{name}”的成员")
        changes.append(_set_membership(tl, name, p, member, text, seq, stamp))
    tl.history.extend(_stamped(changes))
    return changes


def group_add(
    tl: TaskList, group: str, provinces: list[str], source: str | None, at: str | None = None
) -> list[Change]:
    """Declare provinces members of a group (a non-member becomes a member)."""
    return _group_change(tl, group, provinces, True, source, at)


def group_exclude(
    tl: TaskList, group: str, provinces: list[str], source: str | None, at: str | None = None
) -> list[Change]:
    """Declare provinces not members of a group (a member stops being one)."""
    return _group_change(tl, group, provinces, False, source, at)


def group_remove(
    tl: TaskList, group: str, provinces: list[str], at: str | None = None
) -> list[Change]:
    """Take members off a group's list: whether they belong is unknown again."""
    return _group_change(tl, group, provinces, None, None, at)


# -- undo ----------------------------------------------------------------------------


def undo(tl: TaskList, force: bool = False) -> list[Change]:
    """Revert the latest command's changes (all entries sharing its seq).

    Each change is undone by what it names -- the task and unit (and duty) of
    a mark, the group and province of a membership change -- never by
    position. If what a change set is no longer so (edited by hand or by
    someone else since), undo refuses and says what changed, unless ``force``;
    nothing is undone then.
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


def _target_of(tl: TaskList, ch: Change) -> Target:
    t = tl.task(ch.task or 0)
    assert t is not None  # validation holds every mark's task to exist
    return Target(t, ch.unit, ch.duty, "must")


def _label(status: str | None, note: str | None) -> str:
    text = STATUS_LABELS.get(status or "", "?")
    return f"{text}（备注：{visible(note)}）" if note else text


def _where(tl: TaskList, ch: Change) -> str:
    t = tl.task(ch.task or 0)
    number = duty_label(t, ch.duty) if t is not None and ch.duty else str(ch.task)
    return f"任务 {number}（{ch.unit}）"


def _changed_since(tl: TaskList, ch: Change) -> str | None:
    """Why ``ch`` can no longer be undone as it stands, or None."""
    if ch.action == "mark":
        now_ = _target_of(tl, ch).stored() or Progress()
        if (now_.status, now_.note, now_.updated) != (ch.new, ch.note, ch.at):
            return (
                f"{_where(tl, ch)}在这次修改后又有变化："
                f"现在是“{_label(now_.status, now_.note)}”，这次修改设为“{_label(ch.new, ch.note)}”"
            )
        return None
    assert ch.group is not None and ch.member is not None
    g = tl.group(ch.group)
    p = ch.member.province
    listed = {m.province: m for m in (g.non_members if ch.action == "group_exclude" else g.members)}
    current = listed.get(p)
    if ch.action == "group_remove":
        return (
            f"{p}已重新列入“{ch.group}”" if g.membership(p) is not None and not g.complete else None
        )
    kind = "成员" if ch.action == "group_add" else "非成员"
    if current is None:
        return f"{p}已不是“{ch.group}”的{kind}"
    if current.source != ch.member.source:
        return f"{p}作为“{ch.group}”{kind}的出处已改为“{visible(current.source)}”"
    return None


def _revert(tl: TaskList, ch: Change) -> None:
    if ch.action == "mark":
        _target_of(tl, ch).put(ch.before.plain() if ch.before else None)
        return
    assert ch.group is not None and ch.member is not None
    g = tl.group(ch.group)
    p = ch.member.province
    g.members = [m for m in g.members if m.province != p]
    g.non_members = [m for m in g.non_members if m.province != p]
    restore = {"group_remove": (g.members, ch.member), "group_add": (g.non_members, ch.replaced)}
    restore["group_exclude"] = (g.members, ch.replaced)
    into, record = restore[ch.action]
    if record is not None:  # put it back where it was, as far as that place still exists
        place = len(into) if ch.index is None else min(ch.index, len(into))
        into.insert(place, Member(province=record.province, source=record.source))


# -- reading the history ---------------------------------------------------------------


def describe(ch: Change, tl: TaskList | None = None) -> str:
    """One line for a change, in the user's words (what happened to the note too)."""
    if ch.action == "group_add":
        return f"{ch.unit}加入“{ch.group}”"
    if ch.action == "group_remove":
        return f"{ch.unit}移出“{ch.group}”（是否属于该组未知）"
    if ch.action == "group_exclude":
        return f"{ch.unit}声明不属于“{ch.group}”"
    old = STATUS_LABELS[ch.old] if ch.old else "?"
    new = STATUS_LABELS[ch.new] if ch.new else "?"
    before = ch.before.note if ch.before else None
    if ch.note == before:
        note = f"（备注不变：{visible(ch.note)}）" if ch.note else ""
    elif ch.note:
        note = f"（备注：{visible(ch.note)}）"
    else:
        note = "（备注已清除）"
    where = (
        _where(tl, ch)
        if tl is not None
        else f"任务 {ch.task}{f'.{ch.duty}' if ch.duty else ''}（{ch.unit}）"
    )
    came = f"〔来自 {visible(ch.source)}〕" if ch.source else ""
    return f"{where}：{old} → {new}{note}{came}"


def history(tl: TaskList, number: str | None = None, unit: str | None = None) -> list[Change]:
    """Recorded changes, newest first, optionally for one task (or duty, "8.2")
    and/or one unit (a province or a department)."""
    task, duty = find_number(tl, number) if number else (None, None)
    who = resolve_unit(tl, unit) if unit else None
    return [
        ch
        for ch in reversed(tl.history)
        if (task is None or ch.task == task.id)
        and (duty is None or ch.duty == duty)
        and (who is None or ch.unit == who)
    ]


def resolve_unit(tl: TaskList, text: str) -> str:
    """A province or a CNIPA department, by any accepted name."""
    from .errors import UnknownName

    try:
        return resolve_province(text)
    except UnknownName as province_error:
        try:
            return tl.department_registry().resolve(text)
        except UnknownName:
            raise province_error from None

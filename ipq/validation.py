"""Python data -> TaskList, with every problem as one located, plain line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from pydantic_core import ValidationError

from .errors import DataFileError
from .models import NATIONAL, TaskList, reference_problems
from .names import PROVINCE_NAMES
from .schemas import serializer, validator
from .util import no_gc

#: At most this many problems are listed; the rest are counted.
MAX_PROBLEMS = 20

Loc = tuple[str | int, ...]


def validate_part(kind: type, data: Any) -> list[Any]:
    """A list of tasks, groups or changes, validated as they are within a list."""
    result: list[Any] = validator(list[kind]).validate_python(data)  # type: ignore[valid-type]
    return result


def _settled(items: Iterable[Any]) -> None:
    """Decode a write's deferred province progress (:func:`ipq.lazyhistory.settle`):
    pydantic reads a task's in C, where it would find no dict."""
    lazy = sys.modules.get("ipq.lazyhistory")  # until it is imported, none was deferred
    if lazy is not None:
        lazy.settle(items)


def dump_part(items: list[Any]) -> list[Any]:
    """A list of parts of a list (tasks, changes ...) as plain data, as :func:`to_data`
    writes them."""
    if not items:
        return []
    _settled(items)
    kind = list[type(items[0])]  # type: ignore[misc,valid-type]
    result: list[Any] = serializer(kind).to_python(items, exclude_defaults=True)
    return result


def to_data(tl: TaskList) -> dict[str, Any]:
    """A TaskList as plain data, leaving out fields that hold their default."""
    _settled(tl.tasks)
    with no_gc():
        data: dict[str, Any] = serializer(TaskList).to_python(tl, exclude_defaults=True)
    return data


def validate(data: Any, name: str, raw: bytes | None = None) -> TaskList:
    return validate_upgrading(data, name, raw)[0]


def validate_upgrading(
    data: Any, name: str, raw: bytes | Callable[[], bytes | None] | None = None
) -> tuple[TaskList, bool]:
    """:func:`validate`, and whether ``data`` was in an older layout (see :func:`upgrade`).
    ``raw``: the bytes ``data`` was parsed from, or a function that gives them (None:
    they are not to be had), read again only for the lines of an error."""
    if not isinstance(data, dict):
        kind = {list: "列表", str: "文本", int: "数字"}.get(type(data), type(data).__name__)
        raise DataFileError(
            f"{name}: 不是任务清单：顶层应为 meta、categories、tasks 等字段，实为{kind}"
        )
    upgraded = upgrade(data)
    try:
        with no_gc():
            tl = validator(TaskList).validate_python(data)
    except ValidationError as exc:
        problems = [(_clean_loc(e["loc"]), _message(e)) for e in exc.errors()]
    except RecursionError:
        raise DataFileError(f"{name}: 嵌套过深，不是任务清单") from None
    else:
        problems = reference_problems(tl)
        if not problems:
            return tl, upgraded
    raise DataFileError(f"{name}: 数据文件有 {len(problems)} 处问题", _format(problems, name, raw))


_PLAIN = ("status", "note", "updated")


def upgrade(data: dict[str, Any]) -> bool:
    """Read a file written before per-department and per-duty progress, in place.

    Then a task had one national status, and a province one status per task.
    The national status becomes each department's; a province's becomes its
    status on each of the task's duties; history entries are split the same
    way, so undo still reverts them. Anything not shaped as expected is left
    for validation to report. Returns whether anything was upgraded.
    """
    tasks = data.get("tasks")
    if not isinstance(tasks, list):
        return False
    upgraded = False
    by_id: dict[Any, dict[str, Any]] = {}
    for t in tasks:
        if not isinstance(t, dict):
            continue
        if isinstance(t.get("id"), int):
            by_id[t["id"]] = t
        p = t.get("progress")
        if isinstance(p, dict) and _is_old_progress(p):
            t["progress"] = _upgraded_progress(p, t)
            upgraded = True
    history = data.get("history")
    if not isinstance(history, list) or not any(_is_old_mark(ch) for ch in history):
        return upgraded
    entries: list[Any] = []
    for ch in history:
        task = by_id.get(ch.get("task")) if isinstance(ch, dict) else None
        if not _is_old_mark(ch) or task is None:
            entries.append(ch)
        elif ch.get("unit", NATIONAL) == NATIONAL:
            entries += [{**ch, "unit": d} for d in _list(task.get("departments"))]
        else:
            entries += [{**ch, "duty": i} for i in range(1, len(_list(task.get("duties"))) + 1)]
    data["history"] = entries
    return True


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_old_progress(p: dict[str, Any]) -> bool:
    provinces = p.get("provinces")
    old_provinces = isinstance(provinces, dict) and any(
        isinstance(v, dict) and any(k in v for k in _PLAIN) for v in provinces.values()
    )
    return any(k in p for k in _PLAIN) or old_provinces


def _upgraded_progress(p: dict[str, Any], task: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    plain = {k: p[k] for k in _PLAIN if k in p}
    if plain and plain != {"status": "todo"}:
        out["departments"] = {d: dict(plain) for d in _list(task.get("departments"))}
    provinces = p.get("provinces")
    if isinstance(provinces, dict) and provinces:
        count = len(_list(task.get("duties")))
        out["provinces"] = {
            name: {i: dict(v) for i in range(1, count + 1)} if isinstance(v, dict) else v
            for name, v in provinces.items()
        }
    return out


def _is_old_mark(ch: Any) -> bool:
    if not isinstance(ch, dict) or ch.get("action", "mark") != "mark":
        return False
    unit = ch.get("unit", NATIONAL)
    return unit == NATIONAL or (unit in PROVINCE_NAMES and "duty" not in ch)


def _clean_loc(loc: tuple[Any, ...]) -> Loc:
    # drop the tags pydantic adds for members of a union ("literal['todo', ...]", "str")
    return tuple(p for p in loc if isinstance(p, int) or "[" not in p and p not in ("str", "int"))


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(顶层)"


_TEMPLATES = {
    "missing": "缺少必填字段",
    "missing_argument": "缺少必填字段",
    "missing_keyword_only_argument": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "unexpected_keyword_argument": "不认识的字段（拼写错误？）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "bool_type": "应为 true 或 false",
    "date_type": "应为日期，如 2019-12-31",
    "list_type": "应为列表",
    "dict_type": "应为映射（字段: 值）",
    "model_type": "应为映射（字段: 值）",
    "model_attributes_type": "应为映射（字段: 值）",
    "dataclass_type": "应为映射（字段: 值）",
    "dataclass_args_type": "应为映射（字段: 值）",
}


def _message(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    shown = repr(given) if not isinstance(given, (dict, list)) else type(given).__name__
    if kind in _TEMPLATES:
        text = _TEMPLATES[kind]
        return text if text.startswith(("缺少", "不认识")) else f"{text}，实为 {shown[:60]}"
    if kind == "literal_error":
        return f"取值 {shown[:60]} 无效，应为 {ctx.get('expected', '')}"
    if kind == "greater_than_equal":
        return f"应不小于 {ctx.get('ge')}，实为 {shown}"
    if kind == "too_short":
        return f"至少应有 {ctx.get('min_length')} 项"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def _format(
    problems: list[tuple[Loc, str]], name: str, raw: bytes | Callable[[], bytes | None] | None
) -> list[str]:
    lines_of = _line_finder(raw() if callable(raw) else raw)
    out = []
    for loc, message in problems[:MAX_PROBLEMS]:
        line = lines_of(loc)
        where = f"{name}:{line}" if line else name
        out.append(f"{where}: {format_loc(loc)}: {message}")
    if len(problems) > MAX_PROBLEMS:
        out.append(f"{name}: ……另有 {len(problems) - MAX_PROBLEMS} 处问题未列出")
    return out


def _line_finder(raw: bytes | None) -> Any:
    """loc -> 1-based line of that node in the YAML text (only on the error path)."""
    if raw is None:
        return lambda loc: None
    import yaml

    try:
        root = yaml.compose(raw.lstrip(b"\xef\xbb\xbf").decode("utf-8"), Loader=yaml.SafeLoader)
    except Exception:  # the text parsed once already; be safe on the error path
        return lambda loc: None

    def find(loc: Loc) -> int | None:
        node = root
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        child = value
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node = child
        return node.start_mark.line + 1 if node is not None else None

    return find

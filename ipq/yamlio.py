"""YAML in and out: a safe loader without aliases, a stable block-style dumper."""

from __future__ import annotations

from typing import Any

import yaml

from .errors import DataFileError
from .util import no_gc

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _AliasRefused(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


class _UnhashableKey(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


class _BadScalar(Exception):
    """A scalar the safe constructor cannot build (2019-02-30, an int of 5,000 digits)."""

    def __init__(self, mark: Any, text: str) -> None:
        self.mark = mark
        self.text = text


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, with the tag of each plain scalar value looked up once.

    libyaml asks the resolver for the tag of every scalar it composes (half a
    million times for a 1,000-task list), and the resolver tries its regular
    expressions each time. The answer depends only on the value and its style
    (the safe loader has no path resolvers), so it is kept per load.
    """

    def __init__(self, raw: bytes) -> None:
        super().__init__(raw)
        self._tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag


#: On which lines (numbered from 0, as the parser counts them) the top level's parts
#: begin: for a mapping, each key's (name, line, its block sequence's item lines or
#: None); for a sequence, its items' lines. Every one is at column 0 (an item's ``-``,
#: its content at column 2). See :func:`_marks`; :mod:`ipq.parts` finds the lines.
Marks = list[tuple[str, int, "list[int] | None"]] | list[int] | None


def _item_lines(seq: Any) -> list[int] | None:
    """The line of each item of a block sequence whose items' content begins at
    column 2 (after ``- `` at column 0, which :mod:`ipq.parts` checks where it uses
    them); None for any other shape."""
    if seq.flow_style:
        return None
    lines = []
    for item in seq.value:
        m = item.start_mark
        if m.column != 2:
            return None
        lines.append(m.line)
    return lines


def _marks(node: Any) -> Marks:
    """Where the parser found each top-level key and each item of a top-level block
    sequence (see :mod:`ipq.parts`, which proves writes with them); None where the
    top level is not laid out so (a key not at column 0, a quoted key, flow style)."""
    if isinstance(node, yaml.SequenceNode):
        return _item_lines(node)
    if not isinstance(node, yaml.MappingNode):
        return None
    out: list[tuple[str, int, list[int] | None]] = []
    for key, value in node.value:
        m = key.start_mark
        plain = isinstance(key, yaml.ScalarNode) and not key.style  # libyaml: "", PyYAML: None
        if not plain or m.column != 0:
            return None
        items = _item_lines(value) if isinstance(value, yaml.SequenceNode) else None
        out.append((key.value, m.line, items))
    return out


def _load(raw: bytes, marks: bool = False) -> Any:
    """The safe loader's result for ``raw`` (UTF-8, no byte-order mark), built faster, refusing aliases
    (with ``marks``: and where its parts begin, see :func:`_marks`).

    libyaml composes the node tree (in C); plain mappings, sequences and strings
    -- nearly every node of a task list -- are then built directly, and every
    other node by the safe constructor itself. That skips the constructor's
    per-node bookkeeping. A node met twice is an alias, refused (no "billion
    laughs"); a text without "*" can have no alias, and is not checked.
    """
    loader = _Loader(raw)
    aliases_possible = b"*" in raw
    seen: set[int] = set()

    def build(node: Any) -> Any:
        if aliases_possible:
            if id(node) in seen:
                raise _AliasRefused(node.start_mark)
            seen.add(id(node))
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key, value = build(key_node), build(value_node)
                try:
                    out[key] = value
                except TypeError:  # a list or mapping as a key
                    raise _UnhashableKey(key_node.start_mark) from None
            return out
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return [build(item) for item in node.value]
        try:  # ints, dates, null, …; unsafe tags refused
            return loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            raise _BadScalar(node.start_mark, str(node.value)[:40]) from None

    try:
        node = loader.get_single_node()
        data = None if node is None else build(node)
        return (data, _marks(node)) if marks else data
    finally:
        loader.dispose()


class _Unusual(Exception):
    """Something the event builder leaves to :func:`_load` (which then reads or refuses it)."""


_INT = "tag:yaml.org,2002:int"


def _load_events(raw: bytes, marks: bool = False) -> Any:
    """:func:`_load`'s result, built from the parser's events without a node tree.

    libyaml's node tree for a 1,000-task list is millions of Python objects (2.7 GB
    at 10,000 tasks), built only to be walked once. Here mappings, sequences and
    strings are built as the events arrive, every other scalar by the safe
    constructor from a node of its own, and the top level's marks are taken from
    the events that :func:`_marks` would read them from. Anything unusual -- an
    anchor, an alias, an explicit tag on a collection, a collection as a key, more
    than one document, and any error -- is handed to :func:`_load`, which reads it
    (or refuses it) exactly as before; the tests hold the two equal.

    A mapping key, a string of at most :data:`_SHARED` characters and an ASCII one of
    at most :data:`_SHARED_ASCII` (a timestamp: the marks of one returned form share
    theirs) is one object for all its occurrences: a ledger repeats its keys,
    statuses, names, dates and times hundreds of thousands of times (at 10,000 tasks
    the parsed data took 250 MB less). Notes and measures, longer and in Chinese, are
    not looked up: they rarely repeat.
    """
    loader = _Loader(raw)
    try:
        return _build_from_events(loader, marks)
    except Exception:  # _Unusual, or an error: _load reads or reports it as it always has
        pass
    finally:
        loader.dispose()
    return _load(raw, marks)


#: Strings up to this long are shared between their occurrences (see :func:`_load_events`),
#: and ASCII ones up to the second (an ISO timestamp with its offset is 25 characters).
_SHARED, _SHARED_ASCII = 12, 32


def _build_from_events(loader: Any, marks: bool) -> Any:
    scalar, seq_start, map_start = yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent
    seq_end, map_end = yaml.SequenceEndEvent, yaml.MappingEndEvent
    get = loader.get_event
    resolve = loader.resolve
    tags = loader._tags  # the loader's memo of scalar tags, read here without a call per scalar
    get()  # stream start
    event = get()
    if isinstance(event, yaml.StreamEndEvent):
        return (None, None) if marks else None
    if not isinstance(event, yaml.DocumentStartEvent):
        raise _Unusual
    nokey = object()
    shared: dict[str, str] = {}
    share = shared.setdefault
    root: Any = nokey
    skeleton = _Skeleton() if marks else None
    stack: list[tuple[Any, bool, Any]] = []
    current: Any = None
    in_map = False
    key: Any = nokey
    while True:
        event = get()
        kind = event.__class__
        if kind is scalar:
            if event.anchor is not None:
                raise _Unusual
            tag = event.tag
            value = event.value
            if tag is None or tag == "!":
                known = (value, event.implicit)
                tag = tags.get(known)
                if tag is None:
                    tag = resolve(yaml.ScalarNode, value, event.implicit)  # and remembers it
            if tag == _STR:
                made: Any = (
                    share(value, value)
                    if (in_map and key is nokey)  # a key
                    or len(value) <= _SHARED
                    or (len(value) <= _SHARED_ASCII and value.isascii())
                    else value
                )
            elif tag == _INT and value.isascii() and value.isdigit() and value[:1] != "0":
                made = int(value)  # plain decimal digits; 0…, signs, _ and 1:30 go the long way
            else:
                node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
                made = loader.construct_object(node, deep=True)
        elif kind is map_start or kind is seq_start:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _Unusual
            made = {} if kind is map_start else []
        elif kind is map_end or kind is seq_end:
            current, in_map, key = stack.pop()
            if not stack:
                break
            continue
        else:  # an alias
            raise _Unusual
        is_key = in_map and key is nokey
        if skeleton is not None and len(stack) < 3:  # the top level and its sequences' items
            skeleton.see(event, current, is_key, made)
        if current is None:
            root = made
        elif is_key:
            if kind is not scalar:
                raise _Unusual  # a collection as a key
            key = made  # a string key is shared already
            continue
        elif in_map:
            current[key] = made
            key = nokey
        else:
            current.append(made)
        if kind is not scalar:
            stack.append((current, in_map, key))
            current, in_map, key = made, kind is map_start, nokey
    if root is nokey:
        raise _Unusual
    if not isinstance(get(), yaml.DocumentEndEvent) or not isinstance(get(), yaml.StreamEndEvent):
        raise _Unusual  # more than one document: _load says so
    return (root, _marks(skeleton.top if skeleton else None)) if marks else root


class _Skeleton:
    """The top level as nodes that hold only what :func:`_marks` reads: each top-level
    key (its text, style, start), the kind of its value, and where each item of a
    top-level sequence starts."""

    def __init__(self) -> None:
        self.top: Any = None
        self.root: Any = None
        self.sequence: Any = None  # the top-level sequence being read
        self.items: list[Any] = []

    def see(self, event: Any, parent: Any, is_key: bool, made: Any) -> None:
        start = event.start_mark
        if parent is None:  # the root
            if isinstance(event, yaml.MappingStartEvent):
                self.top = yaml.MappingNode("", [], start, start, flow_style=event.flow_style)
            elif isinstance(event, yaml.SequenceStartEvent):
                self.top = yaml.SequenceNode("", [], start, start, flow_style=event.flow_style)
                self.sequence, self.items = made, self.top.value
            self.root = made
        elif parent is self.root and isinstance(self.top, yaml.MappingNode):
            if is_key:
                style = event.style if isinstance(event, yaml.ScalarEvent) else "?"
                value = event.value if isinstance(event, yaml.ScalarEvent) else ""
                self.top.value.append([yaml.ScalarNode("", value, start, start, style), None])
            elif isinstance(event, yaml.SequenceStartEvent):
                node = yaml.SequenceNode("", [], start, start, flow_style=event.flow_style)
                self.top.value[-1][1] = node
                self.sequence, self.items = made, node.value
            else:
                kind = (
                    yaml.MappingNode
                    if isinstance(event, yaml.MappingStartEvent)
                    else yaml.ScalarNode
                )
                self.top.value[-1][1] = kind(
                    "", [] if kind is yaml.MappingNode else "", start, start
                )
        elif parent is self.sequence and parent is not None:
            self.items.append(yaml.ScalarNode("", "", start, start))


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Block style, Chinese unescaped; multi-line text as literal blocks; no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: Any, data: str) -> Any:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)


def parse_yaml(raw: bytes, name: str) -> Any:
    """Safe YAML -> Python data; errors become one line with line and column."""
    return _parse(raw, name, False)


def parse_yaml_marked(raw: bytes, name: str) -> tuple[Any, Marks]:
    """:func:`parse_yaml`, with the lines where the parser found the top level's parts
    (:func:`_marks`)."""
    data, marks = _parse(raw, name, True)
    return data, marks


def _parse(raw: bytes, name: str, marks: bool) -> Any:
    """The parser reads the bytes themselves: the text decoded from them is only
    checked and dropped (libyaml would otherwise be given another UTF-8 copy of it:
    with the text, 250 MB at 10,000 tasks)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM, as Windows editors write it
    try:
        blank = raw.decode("utf-8").isspace() or not raw
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"{name}:{line}: 文件不是 UTF-8 编码（第 {exc.start} 字节），请以 UTF-8 保存"
        ) from None
    if blank:
        raise DataFileError(f"{name}: 文件是空的，没有任务清单")
    if _may_nest_deeply(raw):
        _check_depth(raw, name)
    try:
        with no_gc():
            return _load_events(raw, marks)
    except _AliasRefused as exc:
        m = exc.mark
        raise DataFileError(
            f"{name}:{m.line + 1}:{m.column + 1}: 不支持 YAML 锚点与别名（& 和 *），请写出完整内容"
        ) from None
    except _BadScalar as exc:
        m = exc.mark
        raise DataFileError(
            f"{name}:{m.line + 1}:{m.column + 1}: 无效的值“{exc.text}”"
            "（日期须真实存在，如 2019-12-31；整数不能超过 4300 位）"
        ) from None
    except _UnhashableKey as exc:
        m = exc.mark
        raise DataFileError(
            f"{name}:{m.line + 1}:{m.column + 1}: 映射的键不能是列表或映射"
        ) from None
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark or exc.context_mark
        where = f"{name}:{m.line + 1}:{m.column + 1}" if m is not None else name
        problem = exc.problem or exc.context or "无法解析"
        raise DataFileError(f"{where}: YAML 语法错误：{problem}") from None
    except yaml.reader.ReaderError as exc:
        line = raw[: exc.position].count(b"\n") + 1  # libyaml's position counts bytes
        raise DataFileError(
            f"{name}:{line}: 文件含有不允许的控制字符（#x{exc.character:04x}），请删去"
            if isinstance(exc.character, int)
            else f"{name}:{line}: 文件含有不允许的字符"
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFileError(f"{name}: YAML 错误：{first}") from None
    except RecursionError:
        raise DataFileError(f"{name}: YAML 嵌套过深，不是任务清单") from None


def dump_data(data: Any) -> bytes:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
        indent=2,
    )
    return text.encode("utf-8")


#: Deeper nesting than this is refused (a task list needs 7 levels). libyaml's
#: composer recurses in C: about 100,000 levels crash the process.
MAX_DEPTH = 100
#: A file whose lines are all shorter than this cannot nest deeper than about
#: twice as many levels in block style (each level needs a column or two).
_SAFE_LINE = 4000


def _may_nest_deeply(raw: bytes) -> bool:
    """A cheap test that no collection can nest more than a few thousand levels deep.

    Flow collections need a bracket per level, block ones a column or two per
    level. Only a file that fails this test is checked exactly (which costs a
    second pass of the parser); the crash needs about 30,000 levels.
    """
    if raw.count(b"[") + raw.count(b"{") > 1000:
        return True
    return max(map(len, raw.split(b"\n"))) > _SAFE_LINE


def _check_depth(raw: bytes, name: str) -> None:
    depth = 0
    try:
        for event in yaml.parse(raw, Loader=_BaseLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    m = event.start_mark
                    where = f"{name}:{m.line + 1}:{m.column + 1}" if m is not None else name
                    raise DataFileError(f"{where}: 嵌套超过 {MAX_DEPTH} 层，不是任务清单")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the real parse reports it, with its place

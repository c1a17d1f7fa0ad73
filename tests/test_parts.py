"""Writes proven by their parts (ipq.parts): what they write, and what they file in
the cache, is exactly what a parse of the whole new file gives."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipq import cache, parts
from ipq.errors import UserError
from ipq.lazyhistory import array_header, array_items
from ipq.ledger import group_add, group_exclude, group_remove, mark, undo
from ipq.models import PROVINCE_NAMES, TaskList
from ipq.store import Location, bundled_path, modify, parse_fresh_spans, read_bytes

#: Texts that mean something to YAML, and line breaks of every kind.
PIECES = [
    "中文", "备注", " ", "\n", "\n\n", "- ", "-", "# ", "#", ": ", ":", '"', "'", "...", "---",
    "|", "|+", "> ", "\\", "*a", "&a", "!!str ", "%YAML 1.1", "\t", "  ", "? ", "[", "{", "}",
    "@", "`", "yes", "1e3", "2019-06-30", "~", "null", "\u2028", "\u0085", "\r\n", "\r", "x",
]  # fmt: skip
notes = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
STATUSES = ["todo", "in_progress", "done", "blocked"]
GROUP = "知识产权保护中心涉及省份"

op = st.one_of(
    st.tuples(
        st.just("mark"),
        st.integers(1, 18),
        st.sampled_from([None, "浙江省", "北京市", "广东省"]),
        st.sampled_from(STATUSES),
        notes,
    ),
    st.tuples(st.just("undo")),
    st.tuples(
        st.sampled_from(["group_add", "group_exclude", "group_remove"]),
        st.sampled_from(["浙江省", "广东省", "西藏自治区"]),
        notes,
    ),
)


def _change(step: tuple[Any, ...]) -> Any:
    kind = step[0]

    def change(tl: TaskList) -> list[Any]:
        if kind == "mark":
            _, number, province, status, note = step
            return mark(tl, [str(number)], status, note or None, province)
        if kind == "undo":
            return undo(tl, force=True)
        province, source = step[1], step[2] or "来源"
        if kind == "group_add":
            return group_add(tl, GROUP, [province], source)
        if kind == "group_exclude":
            return group_exclude(tl, GROUP, [province], source)
        return group_remove(tl, GROUP, [province])

    return change


def _entry_is_a_full_parse(path: Path) -> tuple[TaskList, parts.Spans | None]:
    raw = read_bytes(path)
    fresh = parse_fresh_spans(raw, path.name)
    entry = cache.get_for_write(raw)
    assert entry is not None
    assert entry[:2] == fresh  # the list and the spans a full parse gives
    assert entry[2] == msgspec.msgpack.encode(fresh[0].history)
    # byte for byte the entry a full parse files (a write reuses the old entry's pieces
    # of the tasks it did not change)
    filed = (cache.directory() / f"{cache.key(raw)}{cache.SUFFIX}").read_bytes()
    assert filed == cache.encode_entry(*fresh)
    return fresh


def _run(path: Path, steps: list[tuple[Any, ...]]) -> int:
    """Apply the steps; after each, the file and its cache entry are a full parse's.
    Returns how many writes were proven by their parts."""
    by_parts = 0
    for step in steps:
        before = read_bytes(path)
        try:
            changes, saved = modify(Location(path, "option"), _change(step))
        except UserError:  # nothing to undo, a refused status…: nothing written
            assert read_bytes(path) == before
            continue
        if not changes:
            continue
        fresh, _ = _entry_is_a_full_parse(path)
        assert saved.ledger == fresh
        by_parts += saved.by_parts
    return by_parts


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(op, min_size=1, max_size=6))
def test_writes_by_parts_are_what_a_full_parse_gives(tmp_path: Path, steps: list[Any]) -> None:
    path = tmp_path / "tasks.yaml"
    shutil.copyfile(bundled_path(), path)
    _run(path, steps)


@pytest.mark.parametrize("keep", ["pieces", "digests"])
def test_marks_and_undos_are_proven_by_their_parts(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, keep: str
) -> None:
    """The common writes take the short way, and write what the slow way would: from
    the old entry's pieces kept, or (a snapshot without them, as from a fresh parse)
    their digests."""
    import itertools

    from ipq import ledger

    if keep == "digests":
        of = parts.Snapshot.of.__func__  # type: ignore[attr-defined]

        def without_pieces(cls: type, tl: TaskList, history: Any = None, pieces: Any = None) -> Any:
            return of(cls, tl, history)

        monkeypatch.setattr(parts.Snapshot, "of", classmethod(without_pieces))

    def same_stamps() -> None:  # the two runs' entries alike: same times, same ids
        counter = itertools.count()
        monkeypatch.setattr(ledger, "now", lambda: "2019-06-30T10:00:00+08:00")
        monkeypatch.setattr(ledger, "new_id", lambda: f"id{next(counter)}")

    same_stamps()
    steps: list[tuple[Any, ...]] = [
        ("mark", 3, None, "done", "第一次"),
        ("mark", 8, "浙江省", "in_progress", '带 "引号" 和\n第二行'),
        ("group_add", "浙江省", "浙江省知识产权局来函"),
        ("undo",),
        ("mark", 18, None, "blocked", ""),
        ("undo",),
        ("undo",),
    ]
    # the bundled list has no history yet: the first mark adds the section, proven whole
    assert _run(data_copy, steps[:1]) == 0
    assert _run(data_copy, steps[1:]) == len(steps) - 1
    # the same steps, each proven by a full parse, leave the same bytes
    slow = data_copy.with_name("slow.yaml")
    shutil.copyfile(bundled_path(), slow)
    same_stamps()
    for step in steps:
        original = parts.prove
        try:
            parts.prove = lambda *a, **k: None  # type: ignore[assignment]
            _, saved = modify(Location(slow, "option"), _change(step))
        finally:
            parts.prove = original
        assert not saved.by_parts
    assert slow.read_bytes() == data_copy.read_bytes()


def test_a_write_with_no_cache_is_proven_by_parts_too(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPQ_NO_CACHE", "1")
    _, saved = modify(Location(data_copy, "option"), _change(("mark", 5, None, "done", "")))
    assert not saved.by_parts  # the first mark adds the history section
    _, saved = modify(Location(data_copy, "option"), _change(("mark", 6, None, "done", "")))
    assert saved.by_parts
    assert not list(cache.directory().glob("*"))
    assert parse_fresh_spans(read_bytes(data_copy), "x")[0] == saved.ledger


def _indent_tasks(raw: bytes) -> bytes:
    head, tasks = raw.split(b"\ntasks:\n")
    return head + b"\ntasks:\n" + b"".join(b"  " + line for line in tasks.splitlines(True))


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        (
            "a comment after a task",
            lambda raw: raw.replace(b"\n- id: 4\n", "\n# 注释\n- id: 4\n".encode()),
        ),
        ("CRLF line endings", lambda raw: raw.replace(b"\n", b"\r\n")),
        ("a byte-order mark", lambda raw: b"\xef\xbb\xbf" + raw),
        ("no final newline", lambda raw: raw.rstrip(b"\n")),
        ("an indented sequence", lambda raw: _indent_tasks(raw)),
        ("a closing ...", lambda raw: raw + b"...\n"),
        ("a directive", lambda raw: b"%YAML 1.1\n---\n" + raw),
    ],
)
def test_files_not_laid_out_plainly_are_proven_whole_and_keep_their_layout(
    data_copy: Path, name: str, edit: Any
) -> None:
    raw = edit(data_copy.read_bytes())
    data_copy.write_bytes(raw)
    steps = [("mark", 3, None, "done", "备注"), ("mark", 3, None, "in_progress", "")]
    for step in steps:
        _, saved = modify(Location(data_copy, "option"), _change(step))
        _entry_is_a_full_parse(data_copy)
        # an indented sequence cannot be spliced: the first write dumps the whole list,
        # plainly, and the next is short
        assert saved.by_parts == (name == "an indented sequence" and step is steps[1]), name
    new = data_copy.read_bytes()
    if name == "a comment after a task":
        assert "\n# 注释\n- id: 4\n".encode() in new
    if name == "CRLF line endings":
        assert new.count(b"\n") == new.count(b"\r\n")
    if name == "a byte-order mark":
        assert new.startswith(b"\xef\xbb\xbf")


def test_a_change_that_touches_what_it_does_not_report_is_not_proven_by_parts(
    data_copy: Path,
) -> None:
    """The parts outside the edits are compared with the list as read: a change that
    mutates a task it does not name is caught, and the whole file proves the write."""
    modify(Location(data_copy, "option"), _change(("mark", 5, None, "done", "")))
    raw = read_bytes(data_copy)
    tl, spans = parse_fresh_spans(raw, "x")
    assert spans is not None
    before = parts.Snapshot.of(tl)
    kept = len(tl.history)
    changes = mark(tl, ["3"], "done")
    tasks = {ch.task for ch in changes if ch.task is not None}

    def proven() -> bool:
        return parts.prove(raw, spans, before, tl, tasks, set(), kept, "x") is not None

    assert proven()
    tl.tasks[6].title += "。"  # not reported
    assert not proven()
    tl.tasks[6].title = tl.tasks[6].title[:-1]
    assert proven()
    tl.history[0].note = "改过"  # an old entry
    assert not proven()
    tl.history[0].note = None
    tl.meta.year = 2020  # not reported
    assert not proven()
    tl.meta.year = 2019
    assert proven()


def test_spans_are_where_the_parser_found_the_parts(data_copy: Path) -> None:
    modify(Location(data_copy, "option"), _change(("mark", 5, None, "done", "")))
    raw = read_bytes(data_copy)
    _, spans = parse_fresh_spans(raw, "x")
    assert spans is not None and spans.size == len(raw)
    assert [s.key for s in spans.sections] == [
        "meta", "categories", "departments", "groups", "tasks", "history",
    ]  # fmt: skip
    for section in spans.sections:
        assert raw[section.start :].startswith(section.key.encode() + b":")
        for start in section.items or []:
            assert raw[start : start + 2] == b"- "
    tasks = spans.find("tasks")
    assert tasks is not None and tasks[0].items is not None and len(tasks[0].items) == 18
    assert raw[tasks[0].items[11] :].startswith(b"- id: 12\n")


def test_a_quoted_line_that_looks_like_an_item_is_not_an_item(data_copy: Path) -> None:
    """A double-quoted scalar may run over lines at column 0: only the parser knows
    where items begin, and the spans are the parser's."""
    assert _run(data_copy, [("mark", 5, None, "done", "")]) == 0  # adds the history
    raw = read_bytes(data_copy)
    odd = raw.replace(
        "    text: 年内有阶段性成果\n    due: 2019-12-31\n    kind: milestone\n- id: 2\n".encode(),
        '    text: "年内\n- id: 99\n  title: x"\n    due: 2019-12-31\n    kind: milestone\n'
        "- id: 2\n".encode(),
        1,
    )
    assert odd != raw
    data_copy.write_bytes(odd)
    tl, spans = parse_fresh_spans(odd, "x")
    assert tl.tasks[0].deadline.text == "年内 - id: 99 title: x" and len(tl.tasks) == 18
    assert spans is not None
    tasks = spans.find("tasks")
    assert tasks is not None and odd[tasks[0].items[1] :].startswith(b"- id: 2\n")  # type: ignore[index]
    assert _run(data_copy, [("mark", 2, None, "done", "y")]) == 1
    assert read_bytes(data_copy).count(b"\n- id: 99") == 1  # task 1 as it was
    assert _run(data_copy, [("mark", 1, None, "done", "x"), ("undo",), ("undo",)]) == 3
    assert read_bytes(data_copy).count(b"\n- id: 99") == 0  # task 1 rewritten by the dumper


def test_notes_that_end_in_blank_lines_are_proven_whole(data_copy: Path) -> None:
    """A kept literal block at an item's end: the conservative rule sends it the slow way."""
    _, saved = modify(
        Location(data_copy, "option"), _change(("mark", 3, None, "done", "两行\n\n\n"))
    )
    assert not saved.by_parts
    _entry_is_a_full_parse(data_copy)
    _, saved = modify(Location(data_copy, "option"), _change(("mark", 4, None, "done", "x")))
    assert saved.by_parts  # the file stays plain: the next write is short again
    _entry_is_a_full_parse(data_copy)


def test_every_province_name_survives_the_round_trip(data_copy: Path) -> None:
    for province in PROVINCE_NAMES[:5]:
        modify(Location(data_copy, "option"), _change(("mark", 8, province, "done", province)))
    _entry_is_a_full_parse(data_copy)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 255, 65535, 65536, 70000])
def test_a_history_encoded_in_pieces_is_what_msgspec_encodes(size: int) -> None:
    """The cache's history after a write is built from the old encoding's items and the
    new ones' (parts.Snapshot.history_after): the same bytes as encoding it whole."""
    items = [{"seq": i} for i in range(size)]
    whole = msgspec.msgpack.encode(items)
    for kept in {0, size // 2, size}:
        pieces = (
            array_header(size)
            + array_items(msgspec.msgpack.encode(items[:kept]))
            + array_items(msgspec.msgpack.encode(items[kept:]))
        )
        assert pieces == whole


def test_a_new_entry_may_not_take_an_old_entrys_id(data_copy: Path) -> None:
    """Checked by parts as in full: against ids written out and keys derived alike."""
    from dataclasses import replace

    from ipq.errors import DataFileError

    modify(Location(data_copy, "option"), _change(("mark", 5, None, "done", "")))
    modify(Location(data_copy, "option"), _change(("mark", 6, None, "done", "")))
    raw = read_bytes(data_copy)
    # the first entry as an older ipq wrote it: no id, so its key is derived (h…)
    old_id = parse_fresh_spans(raw, "x")[0].history[0].id
    assert old_id is not None
    data_copy.write_bytes(raw.replace(f"  id: {old_id}\n".encode(), b"", 1))
    derived = parse_fresh_spans(read_bytes(data_copy), "x")[0].history[0].key()
    assert derived.startswith("h")
    taken = parse_fresh_spans(read_bytes(data_copy), "x")[0].history[1].id
    for clash in (taken, derived):

        def again(tl: TaskList, clash: Any = clash) -> list[Any]:
            changes = mark(tl, ["7"], "done")
            tl.history[-1] = replace(tl.history[-1], id=clash)
            return changes

        before = read_bytes(data_copy)
        with pytest.raises(DataFileError) as caught:
            modify(Location(data_copy, "option"), again)
        assert "id 重复" in "\n".join(caught.value.problems or [caught.value.message])
        assert read_bytes(data_copy) == before


def test_a_comment_after_the_history_stays_last(data_copy: Path) -> None:
    """The layout-keeping splice keeps a trailing comment after new entries: such a
    write is proven whole, and the comment is still the file's last line."""
    modify(Location(data_copy, "option"), _change(("mark", 5, None, "done", "")))
    data_copy.write_bytes(read_bytes(data_copy) + "# 以上为变更记录\n".encode())
    _, saved = modify(Location(data_copy, "option"), _change(("mark", 6, None, "done", "")))
    assert not saved.by_parts
    assert read_bytes(data_copy).endswith("\n# 以上为变更记录\n".encode())
    _entry_is_a_full_parse(data_copy)


def _line_starts_by_walking(raw: bytes) -> list[int]:
    """Every line's start, one line at a time (the reference)."""
    return [0, *(i + 1 for i, byte in enumerate(raw) if byte == ord("\n"))]


LINES = st.lists(st.sampled_from(["- ", "-", " - ", "- x", "中文", "", "a: b", "  - 备注"]))


@settings(max_examples=300, deadline=None)
@given(lines=LINES, data=st.data())
def test_line_starts_are_where_the_lines_begin(lines: list[str], data: Any) -> None:
    raw = "".join(f"{line}\n" for line in lines).encode()
    every = _line_starts_by_walking(raw)
    wanted = sorted(data.draw(st.sets(st.integers(0, len(every) - 1))))
    assert parts.line_starts(raw, wanted) == [every[n] for n in wanted]
    if len(wanted) >= 2:  # not increasing
        assert parts.line_starts(raw, [wanted[1], wanted[0]]) is None
    assert parts.line_starts(raw, [len(every)]) is None  # past the end


def test_spans_are_the_pure_parsers_marks_in_bytes(tmp_path: Path) -> None:
    """The spans (found from the lines libyaml reports) are where PyYAML's own pure-Python
    composer finds each key and item, counted in characters and turned into bytes."""
    import yaml

    path = tmp_path / "hist.yaml"
    shutil.copyfile(bundled_path(), path)
    steps = [("mark", n, p, "done", f"备注{n}") for n in (5, 8, 12) for p in (None, "浙江省")]
    assert _run(path, steps) == len(steps) - 1  # the first adds the history: proven whole
    raw = read_bytes(path)
    text = raw.decode()
    _, spans = parse_fresh_spans(raw, "x")
    assert spans is not None
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # the pure-Python composer

    def at(chars: int) -> int:
        return len(text[:chars].encode())

    expected = [
        (key.value, at(key.start_mark.index), [at(i.start_mark.index - 2) for i in value.value])
        if isinstance(value, yaml.SequenceNode)
        else (key.value, at(key.start_mark.index), None)
        for key, value in root.value
    ]
    assert [(s.key, s.start, s.items) for s in spans.sections] == expected

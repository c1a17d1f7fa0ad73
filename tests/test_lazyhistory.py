"""A write's history decoded one entry at a time (ipq.lazyhistory): it behaves as the
plain list would, and the encoding it gives a write is what encoding the list gives."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipq import cache, parts
from ipq.lazyhistory import EncodedHistory
from ipq.ledger import mark, undo
from ipq.models import Change, Progress, TaskList, earlier_keys
from ipq.store import Location, modify, parse_fresh_spans, read_bytes


def _entries(size: int) -> list[Change]:
    return [
        Change(seq=i // 2 + 1, at="2019-03-01T10:00:00+08:00", task=1 + i % 18, id=f"id{i:04d}",
               note=None if i % 3 else f"备注 {i}")
        for i in range(size)
    ]  # fmt: skip


def _fresh(size: int) -> Change:
    return Change(seq=1000 + size, at="2019-04-01T10:00:00+08:00", task=2, id=f"new{size}")


_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["get", "slice", "set", "del", "del_tail", "insert", "append", "mutate"]),
        st.integers(-40, 40),
        st.integers(-40, 40),
    ),
    max_size=8,
)


def _apply(seq: Any, operation: tuple[str, int, int], counter: list[int]) -> Any:
    """One operation on a list or an EncodedHistory; returns what it read, or the error."""
    kind, a, b = operation
    counter[0] += 1
    try:
        if kind == "get":
            return seq[a]
        if kind == "slice":
            return seq[a:b]
        if kind == "set":
            seq[a] = _fresh(counter[0])
        elif kind == "del":
            del seq[a]
        elif kind == "del_tail":
            del seq[len(seq) - abs(a) % (len(seq) + 1) :]
        elif kind == "insert":
            seq.insert(a, _fresh(counter[0]))
        elif kind == "append":
            seq.extend([_fresh(counter[0]), _fresh(-counter[0])])
        elif kind == "mutate":  # an entry read, then changed in place
            seq[a].note = "改过"
    except IndexError as exc:
        return type(exc)
    return None


@settings(max_examples=300, deadline=None)
@given(size=st.integers(0, 30), operations=_OPERATIONS, kept=st.integers(0, 40))
def test_it_behaves_as_the_list_and_encodes_as_it(
    size: int, operations: list[tuple[str, int, int]], kept: int
) -> None:
    original = _entries(size)
    encoded = msgspec.msgpack.encode(original)
    plain = [replace(ch) for ch in original]
    lazy = EncodedHistory(b"prefix" + encoded, len(b"prefix"))
    for operation in operations:
        assert _apply(lazy, operation, [0]) == _apply(plain, operation, [0])
        assert len(lazy) == len(plain)
    assert lazy.decoded() == plain
    result = _joined(lazy, kept)
    if kept <= size and kept <= len(plain) and plain[:kept] == original[:kept]:
        assert result == msgspec.msgpack.encode(plain)
    else:
        assert result is None


def _joined(lazy: EncodedHistory, kept: int) -> bytes | None:
    """The history's MessagePack (:meth:`EncodedHistory.pieces`, joined)."""
    pieces = lazy.pieces(kept)
    return None if pieces is None else b"".join(pieces)


def test_only_what_is_read_is_decoded() -> None:
    """A mark reads the last entry and appends: the other 9,999 stay encoded, and the
    new encoding reuses their bytes."""
    original = _entries(10_000)
    lazy = EncodedHistory(msgspec.msgpack.encode(original))
    assert lazy[-1].seq == original[-1].seq
    lazy.append(_fresh(1))
    assert sum(isinstance(item, Change) for item in lazy._items) == 2
    assert _joined(lazy, 10_000) == msgspec.msgpack.encode([*original, _fresh(1)])


@pytest.mark.parametrize(
    ("keys", "found"),
    [
        ({"new1"}, set()),
        ({"id0003"}, {"id0003"}),
        ({"id0020", "new1"}, {"id0020"}),
        ({"备注 3"}, set()),  # its encoding is in the bytes (a note), but it is no entry's key
        (set(), set()),
    ],
)
def test_keys_among_the_earlier_entries(keys: set[str], found: set[str]) -> None:
    original = _entries(30)
    lazy = EncodedHistory(msgspec.msgpack.encode(original))
    assert lazy.keys_among(25, keys) == found
    assert earlier_keys(original, 25, keys) == found
    assert lazy.keys_among(3, {"id0020"}) == set()  # only the first ``upto``


def test_a_derived_key_is_found_among_the_earlier_entries() -> None:
    """An entry written before ids has a key derived from what it says (h…)."""
    original = [replace(ch, id=None) for ch in _entries(10)]
    derived = original[4].key()
    assert derived.startswith("h")
    lazy = EncodedHistory(msgspec.msgpack.encode(original))
    assert lazy.keys_among(10, {derived, "new1"}) == {derived}
    assert lazy.keys_among(4, {derived}) == set()


@pytest.fixture
def long_history(tmp_path: Path, data_copy: Path) -> Path:
    """The real list after 60 marks: its cache entry is what a write reads."""
    for i in range(60):
        modify(
            Location(data_copy, "option"),
            lambda tl, i=i: mark(tl, [str(1 + i % 18)], ["done", "todo"][i % 2], note=f"n{i}"),
        )
    return data_copy


@pytest.mark.parametrize("keep", ["pieces", "digests"])
def test_a_write_that_changes_an_old_entry_is_proven_whole(long_history: Path, keep: str) -> None:
    """The entries never read keep their bytes; one that is read and changed is seen,
    and the whole file proves (and keeps) the change. A task the change does not
    report is seen too, against the entry's pieces kept or (a snapshot without them, as
    from a fresh parse) their digests."""
    raw = read_bytes(long_history)
    found = cache.get_for_write(raw)
    assert found is not None
    tl, spans = found.tl, found.spans
    assert isinstance(tl.history, EncodedHistory) and spans is not None
    assert found.pieces is not None and found.history is not None
    before = parts.Snapshot.of(tl, found.history, found.pieces if keep == "pieces" else None)
    digests = keep == "digests"
    assert (before.pieces is None) is digests and len(before.tasks) == digests * 18
    kept = len(tl.history)
    changes = mark(tl, ["3"], "in_progress")
    tasks = {ch.task for ch in changes if ch.task is not None}

    def proven() -> bool:
        return parts.prove(raw, spans, before, tl, tasks, set(), kept, "x") is not None

    assert proven()
    # a task it does not report, against the entry's own bytes of it
    provinces = tl.tasks[6].progress.provinces
    was_provinces = dict(provinces)
    provinces["浙江省"] = {1: Progress(status="done", note="未报告")}
    assert not proven()
    provinces.clear()
    provinces.update(was_provinces)
    assert proven()
    tl.tasks[7].title += "。"
    assert not proven()
    tl.tasks[7].title = tl.tasks[7].title[:-1]
    assert proven()
    was = tl.history[7].note
    tl.history[7].note = "改过"
    assert not proven()
    tl.history[7].note = was
    assert proven()

    def rewrite_old_note(tl: TaskList) -> list[Change]:
        done = mark(tl, ["4"], "done")
        tl.history[7].note = "后来改的"
        return done

    _, saved = modify(Location(long_history, "option"), rewrite_old_note)
    assert not saved.by_parts
    reread, _ = parse_fresh_spans(read_bytes(long_history), "x")
    assert reread.history[7].note == "后来改的"
    assert reread.history[-1].task == 4


def test_a_mark_on_a_long_history_is_proven_by_parts_and_cached_whole(
    long_history: Path, tmp_path: Path
) -> None:
    _, saved = modify(
        Location(long_history, "option"), lambda tl: mark(tl, ["9"], "blocked", note="受阻")
    )
    assert saved.by_parts
    raw = read_bytes(long_history)
    fresh, spans = parse_fresh_spans(raw, "x")
    found = cache.get_for_write(raw)
    assert found is not None
    assert found[0] == fresh and found[1] == spans
    assert bytes(found[2]) == msgspec.msgpack.encode(fresh.history)
    assert len(fresh.history) > 60 and fresh.history[-1].new == "blocked"
    shutil.copyfile(long_history, tmp_path / "copy.yaml")  # and it reads back plainly
    assert cache.get_by_key(cache.key(read_bytes(tmp_path / "copy.yaml"))) == fresh


# -- a task's province progress, decoded when first used ------------------------------

_PROVINCES = {
    "浙江省": {1: Progress(status="done", note="已印发"), 2: Progress()},
    "北京市": {1: Progress(status="blocked", updated="2019-05-01T10:00:00+08:00")},
}
_KEYS = st.sampled_from(["浙江省", "北京市", "广东省"])
_DICT_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["get", "getitem", "in", "len", "iter", "reversed", "items", "keys", "values",
             "setdefault", "pop", "popitem", "update", "set", "del", "eq", "ne", "or", "ror",
             "ior", "clear", "copy", "deepcopy", "bool", "repr", "mutate"]
        ),
        _KEYS,
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


def _deferred(provinces: dict[str, Any]) -> tuple[Any, Any]:
    """A TaskProgress holding ``provinces`` as a write's list holds them: its bytes."""
    from ipq.lazyhistory import DeferredProvinces
    from ipq.models import TaskProgress

    owner = TaskProgress()
    owner.provinces = DeferredProvinces(owner, memoryview(msgspec.msgpack.encode(provinces)))  # type: ignore[assignment]
    return owner, owner.provinces


def _use(d: Any, operation: tuple[str, str]) -> Any:
    """One use of a dict (or a DeferredProvinces); what it gave, or the error's type."""
    import copy

    kind, key = operation
    try:
        result: Any = {
            "get": lambda: d.get(key),
            "getitem": lambda: d[key],
            "in": lambda: key in d,
            "len": lambda: len(d),
            "iter": lambda: list(d),
            "reversed": lambda: list(reversed(d)),
            "items": lambda: list(d.items()),
            "keys": lambda: list(d.keys()),
            "values": lambda: list(d.values()),
            "setdefault": lambda: d.setdefault(key, {}),
            "pop": lambda: d.pop(key),
            "popitem": lambda: d.popitem(),
            "update": lambda: d.update({key: {3: Progress(status="done")}}),
            "set": lambda: d.__setitem__(key, {1: Progress(note="新")}),
            "del": lambda: d.__delitem__(key),
            "eq": lambda: d == dict(_PROVINCES),
            "ne": lambda: d != {},
            "or": lambda: d | {key: {}},
            "ror": lambda: {key: {}} | d,
            "ior": lambda: None,
            "clear": lambda: d.clear(),
            "copy": lambda: copy.copy(d),
            "deepcopy": lambda: copy.deepcopy(d),
            "bool": lambda: bool(d),
            "repr": lambda: repr(d),
            "mutate": lambda: d[key].setdefault(1, Progress()).__setattr__("note", "改"),
        }[kind]()
        if kind == "ior":
            d |= {key: {}}
            result = d
    except KeyError as exc:
        return type(exc)
    return result


@settings(max_examples=300, deadline=None)
@given(operations=_DICT_OPERATIONS)
def test_deferred_province_progress_behaves_as_the_dict(
    operations: list[tuple[str, str]],
) -> None:
    """Any use decodes it, puts the plain dict in its place, and answers as that dict;
    a reference held from before (``d``) goes on answering as it."""
    from ipq.lazyhistory import DeferredProvinces

    plain = msgspec.msgpack.decode(
        msgspec.msgpack.encode(_PROVINCES), type=dict[str, dict[int, Progress]]
    )
    owner, d = _deferred(_PROVINCES)
    for operation in operations:
        assert _use(d, operation) == _use(plain, operation)
        if operation[0] == "ior":
            d = owner.provinces  # ``d |= x`` binds the dict, as for a dict
        assert type(owner.provinces) is dict
        assert owner.provinces == plain
        assert d == plain and plain == d
    if isinstance(d, DeferredProvinces):
        assert d.value() is owner.provinces  # one dict


def test_unused_province_progress_is_its_bytes_and_no_dict_to_c_code() -> None:
    """A task's progress no change used is the bytes it was read from (a write files
    them as they are); msgspec refuses it rather than read it as empty; pydantic's
    serializer gets it decoded (validation.to_data, dump_part)."""
    from ipq.lazyhistory import DeferredProvinces, settle
    from ipq.store import bundled_path, parse_fresh
    from ipq.validation import dump_part

    task = next(t for t in parse_fresh(read_bytes(bundled_path()), "x").tasks if t.duties)
    task.progress.provinces = {k: v for k, v in _PROVINCES.items() if 1 in v}
    plain = dump_part([task])
    owner, deferred = _deferred(task.progress.provinces)
    task.progress = owner
    assert cache.task_pieces(task)[1] is deferred.piece
    assert not deferred.is_decoded
    with pytest.raises(TypeError):
        msgspec.msgpack.encode(task)
    assert dump_part([task]) == plain  # decoded first
    assert type(task.progress.provinces) is dict
    # once decoded, a copy that still holds it is encoded from the dict
    copied = replace(task, progress=replace(owner, provinces=deferred))
    assert isinstance(copied.progress.provinces, DeferredProvinces)
    assert cache.task_pieces(copied) == cache.task_pieces(task)
    settle([copied, "not a task"])
    assert type(copied.progress.provinces) is dict


def _province_marks(data_copy: Path) -> Path:
    """The real list with province progress and a history, filed in the cache."""
    for number, province in (("8.2", "浙江省"), ("8.1", "北京市"), ("3", None)):
        modify(
            Location(data_copy, "option"),
            lambda tl, n=number, p=province: mark(tl, [n], "done", note="已办", province=p),
        )
    return data_copy


def test_a_write_decodes_only_the_province_progress_it_uses(data_copy: Path) -> None:
    from ipq.lazyhistory import DeferredProvinces

    from .test_parts import _entry_is_a_full_parse

    path = _province_marks(data_copy)
    _, saved = modify(Location(path, "option"), lambda tl: mark(tl, ["5"], "blocked"))
    assert saved.by_parts and saved.ledger is not None

    def decoded(tl: TaskList) -> list[int]:
        return [t.id for t in tl.tasks if not isinstance(t.progress.provinces, DeferredProvinces)]

    # a department's mark reads no province's progress: only its task's, to write it out
    assert decoded(saved.ledger) == [5]
    _, saved = modify(
        Location(path, "option"),
        lambda tl: mark(tl, ["8.2"], "in_progress", note="进行中", province="浙江"),
    )
    assert saved.by_parts and saved.ledger is not None
    assert decoded(saved.ledger) == [8]
    fresh, _ = _entry_is_a_full_parse(path)  # the entry, the old bytes reused, is a parse's
    assert saved.ledger == fresh
    assert fresh.tasks[7].progress.provinces["北京市"][1].note == "已办"


def _damage(path: Path, section: str) -> None:
    """Make a Literal's value in the file's cache entry, in its province progress or its
    last history entry, one that does not decode: the entry's framing stays whole, so
    only decoding that part shows the damage."""
    entry = cache.directory() / f"{cache.key(read_bytes(path))}{cache.SUFFIX}"
    data = entry.read_bytes()
    main, progress, _ = cache._sizes(data)
    if section == "provinces":
        find, at = b"\xa4done", data.find(b"\xa4done", cache._HEAD + main)
        assert cache._HEAD + main < at < cache._HEAD + main + progress
    else:
        find, at = b"\xa4mark", data.rfind(b"\xa4mark")
    entry.write_bytes(data[:at] + find[:-1] + b"x" + data[at + len(find) :])


@pytest.mark.parametrize(
    ("section", "step"),
    [
        ("provinces", lambda tl: mark(tl, ["8.2"], "blocked", province="浙江")),
        ("history", lambda tl: undo(tl)),
    ],
)
def test_a_damaged_entry_found_in_the_middle_of_a_write_starts_it_again(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, section: str, step: Any
) -> None:
    from ipq import store
    from ipq.lazyhistory import Damaged

    from .test_parts import _entry_is_a_full_parse

    path = _province_marks(data_copy)
    _damage(path, section)
    found = cache.get_for_write(read_bytes(path))
    assert found is not None  # the entry is read, and the damage is found in use
    with pytest.raises(Damaged):
        _ = found.tl.tasks[7].progress.provinces.get("浙江省"), found.tl.history[-1]
    reads: list[bool] = []
    real = store.parse_for_write

    def spy(raw: bytes, name: str, use_cache: bool = True) -> Any:
        reads.append(use_cache)
        return real(raw, name, use_cache)

    monkeypatch.setattr(store, "parse_for_write", spy)
    changes, saved = modify(Location(path, "option"), step)
    assert reads == [True, False]  # from the entry, then again from the file
    assert changes and saved.ledger is not None
    fresh, _ = _entry_is_a_full_parse(path)
    assert saved.ledger == fresh

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
from ipq.ledger import mark
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


@pytest.mark.parametrize("keep", [parts.KEEP_PIECES, 0])
def test_a_write_that_changes_an_old_entry_is_proven_whole(
    long_history: Path, monkeypatch: pytest.MonkeyPatch, keep: int
) -> None:
    """The entries never read keep their bytes; one that is read and changed is seen,
    and the whole file proves (and keeps) the change. A task the change does not
    report is seen too, against the entry's pieces kept or their digests."""
    monkeypatch.setattr(parts, "KEEP_PIECES", keep)
    raw = read_bytes(long_history)
    found = cache.get_for_write(raw)
    assert found is not None
    tl, spans = found.tl, found.spans
    assert isinstance(tl.history, EncodedHistory) and spans is not None
    assert found.pieces is not None and found.history is not None
    before = parts.Snapshot.of(tl, found.history, found.pieces)
    assert (before.pieces is None) is (keep == 0) and len(before.tasks) == (keep == 0) * 18
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

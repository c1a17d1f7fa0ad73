"""Proving a write by its parts, where the parser has said where the parts are.

Every write is proven before it replaces the file: the new bytes must load to
exactly the intended list. :func:`ipq.store.proven_content` proves it by
parsing the whole new file; on a large list that parse is most of a mark's
time (1.3 s of 2.2 s at 1,000 tasks; 5 s with a year's history), though a mark
changes one task and appends a few history entries. This module proves the
same from the parts that changed, and the caller falls back to the whole parse
whenever any condition below does not hold.

**Where the parts are.** When a file is parsed, the parser's own marks say
where each top-level key begins and, for a block sequence whose items are
written ``- `` at column 0, where each item's line begins (:class:`Spans`,
kept with the list in the cache). They are recorded only for a file in the
plain layout -- no byte-order mark, no line break but LF (no CR, NEL, LS, PS),
a final newline, no directive -- read without upgrading an older layout.

**Why parts suffice.** At the start of an item's line the parser is at the
start of a line, in block context, inside the sequence, with nothing pending:
its state there depends only on the bytes before it. The next token at column
0 -- the next item's ``-``, the next key, or the end of the stream -- closes
everything an item opened. So replacing whole items (from one item's line to
the next item's, the next key's, or the end) with a text that

* parses by itself to a sequence of items,
* has every line begin with ``- `` or a space, or be empty -- no token at column
  0 but its items' entries (no key, comment or document marker) -- with no
  empty last line (a kept literal block would take it in at the end of a stream
  and in front of another item alike, but the rule keeps the argument short),
* ends with LF and holds no other kind of line break,

gives a file whose parse is the old parse with those items replaced by the
text's own parse, and whose items begin where the old ones did, shifted, and
where the text's do. Writing at the end of the history also needs no
document-end marker (``...``) after its last item (new items after it would
begin another document); replacing items needs no comment line at column 0
among them. The layout-keeping :mod:`ipq.splice` keeps such lines, so those
writes take the slow way, and keep them.

**What is checked, on every write** (:func:`prove`): the conditions above; that
every part outside the edits is unchanged from the parse -- encoded after the
change, byte for byte the same as before (each task against the bytes of the
cache entry it was read from, where it was, which the new entry then reuses; a
task's province progress that no change used is still those bytes, never
decoded: :class:`ipq.lazyhistory.DeferredProvinces`) --
and so is what the rules of those parts read of the changed ones (group names, a
changed task's departments and number of duties); that each new text parses
alone (the same YAML loader) to items that the same pydantic validation turns
into exactly the intended ones; and that the changed parts break none of the
rules no single field can see, which then hold for the whole list. The result
goes to the cache with the derived spans, as a full parse's would. The tests
check it against a full parse of the same bytes after random sequences of writes
with hostile notes.

**The history**, where the list came from the cache, is an
:class:`ipq.lazyhistory.EncodedHistory`: the entries a change never read are
its old bytes, in place, by construction; those it read are encoded and
compared with the old ones, and a new entry's id is looked for in the old
bytes before any entry is decoded to check that it is new. So a year's history
is neither decoded nor encoded again to append to it.

Not by parts (the whole parse proves these): the first write to a file without
a history section, an undo of its first change, a file in any other layout,
anything else this module does not recognise.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .splice import BOM

if TYPE_CHECKING:
    from .lazyhistory import Encoded
    from .models import TaskList
    from .yamlio import Marks

#: Line breaks YAML 1.1 knows besides LF: CR, NEL, LS, PS (UTF-8).
_OTHER_BREAKS = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_DIRECTIVE = re.compile(rb"^%", re.M)
_DOCUMENT_MARKER = re.compile(rb"^(?:\.\.\.|---)(?:[ \t\n]|$)", re.M)


@dataclass(slots=True)
class Section:
    """A top-level key: where its line begins, and its items' lines (byte offsets)."""

    key: str
    start: int
    items: list[int] | None = None  # None: not a block sequence of "- " items at column 0


@dataclass(slots=True)
class Spans:
    """Where the parser found the top level's parts of a file of ``size`` bytes."""

    size: int
    sections: list[Section] = field(default_factory=list)

    def find(self, key: str) -> tuple[Section, int] | None:
        """The section named ``key`` and where it ends (the next key, or the end)."""
        for i, section in enumerate(self.sections):
            if section.key == key:
                end = self.sections[i + 1].start if i + 1 < len(self.sections) else self.size
                return section, end
        return None


def _plain(raw: bytes) -> bool:
    """LF line breaks only, a final one, no byte-order mark."""
    return (
        raw.endswith(b"\n")
        and not raw.startswith(BOM)
        and not any(mark in raw for mark in _OTHER_BREAKS)
    )


def line_starts(raw: bytes, lines: list[int]) -> list[int] | None:
    """Where each of ``lines`` (numbered from 0, increasing) begins in ``raw``, whose
    only line break is LF; None if they do not increase or one is past the end.

    Nearly every line asked for is an item's, beginning with ``- ``: the walk jumps
    from one such line to the next, counting the line breaks between, and steps a
    line at a time only towards any other (a key's).
    """
    out = []
    line = pos = 0  # line number ``line`` begins at byte ``pos``
    ahead = ahead_line = -1  # the next line found to begin with "- " (where, which)
    for want in lines:
        if want < line:
            return None
        while line < want:
            if ahead <= pos:
                hit = raw.find(b"\n- ", pos)
                if hit < 0:
                    ahead, ahead_line = len(raw) + 1, -1
                else:
                    ahead, ahead_line = hit + 1, line + raw.count(b"\n", pos, hit + 1)
            if 0 <= ahead_line <= want:
                line, pos = ahead_line, ahead
                continue
            end = raw.find(b"\n", pos)
            if end < 0:
                return None
            line, pos = line + 1, end + 1
        out.append(pos)
    return out


def _items(raw: bytes, starts: list[int] | None) -> list[int] | None:
    """``starts``, if an item begins with ``- `` at each (else None)."""
    if starts is None or not all(raw.startswith(b"- ", at) for at in starts):
        return None
    return starts


def spans_of(raw: bytes, marks: Marks, upgraded: bool) -> Spans | None:
    """The spans of a file just parsed from ``raw`` (``marks`` from
    :func:`ipq.yamlio.parse_yaml_marked`), or None where they may not be used."""
    if upgraded or not marks or not isinstance(marks[0], tuple) or not _plain(raw):
        return None
    keyed: list[tuple[str, int, list[int] | None]] = marks
    flat: list[int] = []
    for _, start, items in keyed:
        flat.append(start)
        flat.extend(items or ())
    offsets = line_starts(raw, flat)
    if offsets is None or _DIRECTIVE.search(raw, 0, offsets[0]):
        return None
    it = iter(offsets)
    sections = []
    for key, _, items in keyed:
        start = next(it)
        starts = None if items is None else _items(raw, [next(it) for _ in items])
        sections.append(Section(key, start, starts))  # None: not "- " items at column 0
    return Spans(len(raw), sections)


@lru_cache(maxsize=1)
def _encode() -> Any:
    import msgspec

    return msgspec.msgpack.Encoder().encode


@lru_cache(maxsize=1)
def _hash() -> Any:
    from blake3 import blake3

    return blake3


def _digest(part: Any) -> bytes:
    """A part's MessagePack encoding, as a BLAKE3 digest: two parts with one digest
    encode alike (a 10,000-task list's encodings took 150 MB to keep; the digests 320 KB)."""
    return bytes(_hash()(_encode()(part)).digest())


def _same(now: Encoded, before: Encoded) -> bool:
    """Two encodings alike: the same bytes, or the very view of them (a task's province
    progress never decoded: :class:`ipq.lazyhistory.DeferredProvinces`)."""
    if now is before:
        return True
    # memoryview compares a byte at a time, bytes with memcmp: 20 ms against 2 for 10 MB
    return bytes(now) == bytes(before)


def _pair_digest(pieces: tuple[Encoded, Encoded]) -> bytes:
    """A task's two pieces of a cache entry (:func:`ipq.cache.task_pieces`) as one digest."""
    main, provinces = pieces
    h = _hash()(len(main).to_bytes(8, "big"))
    h.update(main)
    h.update(provinces)
    return bytes(h.digest())


@dataclass
class Snapshot:
    """A list's parts as they were before a change, to tell what the change touched;
    and what the rules of the untouched parts read of the others (see
    :func:`ipq.models.reference_problems`).

    Each task as its pieces of a cache entry (:func:`ipq.cache.task_pieces`): where the
    list came from an entry, that entry's own bytes (nothing encoded before the change;
    after it, each task's pieces are compared with them and, where equal, reused by the
    new entry); from a fresh parse, the digests of their encodings."""

    head: bytes
    tasks: list[bytes]  # each task's pieces' digest (empty where ``pieces`` are kept)
    pieces: list[tuple[Encoded, Encoded]] | None  # each task's pieces, views of its entry
    groups: list[bytes]
    history: Encoded
    group_names: list[str]
    task_outlines: list[tuple[list[str], int]]  # each task's departments and number of duties

    @classmethod
    def of(
        cls,
        tl: TaskList,
        history: Encoded | None = None,
        pieces: list[tuple[Encoded, Encoded]] | None = None,
    ) -> Snapshot:
        """``history``: the history as MessagePack, and ``pieces`` each task's pieces,
        where they are at hand (the cache's: views of the entry, which the list's
        deferred province progress keeps in memory anyway)."""
        from .cache import task_pieces

        digests = [] if pieces is not None else [_pair_digest(task_pieces(t)) for t in tl.tasks]
        return cls(
            _digest((tl.meta, tl.categories, tl.departments)),
            digests,
            pieces,
            [_digest(g) for g in tl.groups],
            _encode()(tl.history) if history is None else history,
            [g.name for g in tl.groups],
            [(list(t.departments), len(t.duties)) for t in tl.tasks],
        )

    def kept_pieces(
        self, tl: TaskList, tasks: set[int], groups: set[int]
    ) -> list[tuple[Encoded, Encoded] | None] | None:
        """None unless all of ``tl`` but the given task and group indexes (and the
        history) is as it was, and what the rules of those parts read of the changed
        ones too; then each task's pieces of a cache entry where they are at hand: the
        old ones of every task not changed, where they were kept (None where not)."""
        from .cache import task_pieces

        count = len(self.tasks) if self.pieces is None else len(self.pieces)
        if len(tl.tasks) != count or len(tl.groups) != len(self.groups):
            return None
        if _digest((tl.meta, tl.categories, tl.departments)) != self.head:
            return None
        if [g.name for g in tl.groups] != self.group_names:
            return None
        if any(
            (tl.tasks[i].departments, len(tl.tasks[i].duties)) != self.task_outlines[i]
            for i in tasks
        ):
            return None
        if any(i not in groups and _digest(g) != self.groups[i] for i, g in enumerate(tl.groups)):
            return None
        kept: list[tuple[Encoded, Encoded] | None] = [None] * len(tl.tasks)
        for i, task in enumerate(tl.tasks):
            if i in tasks:
                continue
            now = task_pieces(task)
            if self.pieces is None:
                if _pair_digest(now) != self.tasks[i]:
                    return None
                continue
            before = self.pieces[i]  # read-only views of the entry
            if not (_same(now[0], before[0]) and _same(now[1], before[1])):
                return None
            kept[i] = before
        return kept

    def history_after(self, tl: TaskList, kept: int) -> list[Encoded] | None:
        """``tl``'s history as MessagePack, in pieces, if its first ``kept`` entries are
        as they were."""
        from .lazyhistory import EncodedHistory, array_header, array_items

        if isinstance(tl.history, EncodedHistory) and tl.history.source is self.history:
            return tl.history.pieces(kept)  # the entries never read are their old bytes
        # a MessagePack array is a header and its items' encodings, one after another:
        # the first ``kept`` are unchanged when their encodings begin the old ones'
        encode = _encode()
        now = array_items(encode(tl.history[:kept]))
        if array_items(self.history)[: len(now)] != now:
            return None
        return [array_header(len(tl.history)), now, array_items(encode(tl.history[kept:]))]


@dataclass
class _Edit:
    """Replace ``raw[start:end]`` with ``text``, which must load to ``items``."""

    start: int
    end: int
    text: bytes
    kind: type
    items: list[Any]
    offsets: list[int] = field(default_factory=list)  # where text's items begin


def _edits(
    raw: bytes, spans: Spans, tl: TaskList, tasks: set[int], groups: set[int], kept: int
) -> list[_Edit] | None:
    from .models import Change, Group, Task
    from .splice import dump_items

    edits: list[_Edit] = []
    for key, parts, kind, changed in (
        ("tasks", tl.tasks, Task, tasks),
        ("groups", tl.groups, Group, groups),
    ):
        if not changed:
            continue
        found = spans.find(key)
        if found is None or found[0].items is None or len(found[0].items) != len(parts):
            return None
        section, end = found
        items = section.items or []
        for i in sorted(changed):
            start, stop = items[i], items[i + 1] if i + 1 < len(items) else end
            edits.append(_Edit(start, stop, dump_items([parts[i]]), kind, [parts[i]]))
    added = tl.history[kept:]
    found = spans.find("history")
    if found is None or found[0].items is None:
        return edits if not added and not kept else None
    section, end = found
    items = section.items or []
    if not 0 < kept <= len(items):
        return None
    start = items[kept] if kept < len(items) else end
    if start != end or added:
        text = dump_items(list(added)) if added else b""
        edits.append(_Edit(start, end, text, Change, list(added)))
        # a "..." after the last item: the new items would begin another document, and
        # dropping it (with the items undo removes) the splice keeps it; comments after it
        # the splice keeps last, after new items
        if _DOCUMENT_MARKER.search(raw, items[-1], end) or raw.find(b"\n#", items[-1], end) >= 0:
            return None
    edits.sort(key=lambda e: e.start)
    for before, after in zip(edits, edits[1:], strict=False):
        if after.start < before.end:
            return None
    for edit in edits:
        if raw.find(b"\n#", edit.start, edit.end) >= 0:
            return None  # a comment among the items: the splice keeps it
    return edits


def _shaped(text: bytes) -> bool:
    """Items at column 0, nothing else there, ending in one LF, no other line break."""
    if not text:
        return True
    if not text.startswith(b"- ") or not text.endswith(b"\n") or text.endswith(b"\n\n"):
        return False
    if any(mark in text for mark in _OTHER_BREAKS):
        return False
    return all(not line or line.startswith((b"- ", b" ")) for line in text[:-1].split(b"\n"))


def _loads_to(edit: _Edit, name: str) -> bool:
    """The edit's text, parsed and validated alone, is exactly its items."""
    if not edit.text:
        return not edit.items
    from pydantic_core import ValidationError

    from .errors import DataFileError
    from .models import Change, Task
    from .validation import _is_old_mark, _is_old_progress, validate_part
    from .yamlio import parse_yaml_marked

    try:
        data, marks = parse_yaml_marked(edit.text, name)
    except DataFileError:
        return False
    if not isinstance(data, list) or not isinstance(marks, list) or len(marks) != len(data):
        return False
    if any(not isinstance(d, dict) for d in data):
        return False
    if edit.kind is Task:
        if any(
            isinstance(d.get("progress"), dict) and _is_old_progress(d["progress"]) for d in data
        ):
            return False
    elif edit.kind is Change and any(_is_old_mark(d) for d in data):
        return False
    try:
        loaded = validate_part(edit.kind, data)
    except (ValidationError, RecursionError):
        return False
    offsets = _items(edit.text, line_starts(edit.text, marks))  # type: ignore[arg-type]
    if loaded != edit.items or offsets is None:
        return False
    edit.offsets = offsets
    return True


def _moved(spans: Spans, edits: list[_Edit], kept: int) -> Spans:
    """The spans of the file the edits make."""
    from .models import Change

    ends = [e.end for e in edits]
    shift = [0]
    for e in edits:
        shift.append(shift[-1] + len(e.text) - (e.end - e.start))

    def moved(offset: int) -> int:
        """Where a byte outside every edited region went (an edit's end moves with it)."""
        return offset + shift[bisect_right(ends, offset)]

    def all_moved(offsets: list[int]) -> list[int]:
        """:func:`moved` of each offset: of ascending ones (as the parser gives them), a
        run at a time between the edits' ends (13,000 at 1,000 tasks, 10 ms one by one)."""
        if offsets != sorted(offsets):
            return [moved(x) for x in offsets]
        out: list[int] = []
        lo = 0
        for k, end in enumerate([*ends, None]):
            hi = len(offsets) if end is None else bisect_left(offsets, end, lo)
            out += map(shift[k].__add__, offsets[lo:hi])
            lo = hi
        return out

    sections = []
    for section in spans.sections:
        items = section.items
        if items is not None and section.key == "history":
            items = all_moved(items[:kept])
            for k, e in enumerate(edits):
                if e.kind is Change:
                    items += [e.start + shift[k] + offset for offset in e.offsets]
        elif items is not None:
            items = all_moved(items)
        sections.append(Section(section.key, moved(section.start), items))
    return Spans(spans.size + shift[-1], sections)


@dataclass
class Proven:
    """Bytes that load to the intended list, in the pieces they are joined from (views
    of the old file and the new text: the file is never copied whole), where their
    parts are, and its history as MessagePack in pieces (as the cache keeps it)."""

    content: list[Encoded]
    spans: Spans
    history: list[Encoded]
    reuse: list[tuple[Encoded, Encoded] | None]  # each task's pieces of its entry, where known


def prove(
    raw: bytes,
    spans: Spans,
    before: Snapshot,
    tl: TaskList,
    tasks: set[int],
    groups: set[str],
    kept: int,
    name: str,
) -> Proven | None:
    """New bytes for ``tl``, proven by parts; None: prove it whole.

    ``raw`` and ``spans`` are the file as parsed, ``before`` its list before
    the change, ``tl`` the list after it; ``tasks`` (numbers) and ``groups``
    (names) are what changed, and the first ``kept`` history entries are the
    old ones.
    """
    from .models import reference_problems

    if spans.size != len(raw):
        return None
    task_index = {t.id: i for i, t in enumerate(tl.tasks)}
    group_index = {g.name: i for i, g in enumerate(tl.groups)}
    if not tasks <= task_index.keys() or not groups <= group_index.keys():
        return None
    changed_tasks = {task_index[n] for n in tasks}
    changed_groups = {group_index[n] for n in groups}
    reuse = before.kept_pieces(tl, changed_tasks, changed_groups)
    if reuse is None:
        return None
    history = before.history_after(tl, kept)
    if history is None:
        return None
    edits = _edits(raw, spans, tl, changed_tasks, changed_groups, kept)
    if edits is None:
        return None
    for edit in edits:
        if not _shaped(edit.text) or not _loads_to(edit, name):
            return None
    # the rest was valid, is unchanged, and what its rules read of the changed parts is
    # too (Snapshot.kept_pieces): the changed parts' problems are the whole list's
    if reference_problems(tl, changed_tasks, changed_groups, kept):
        return None
    view = memoryview(raw)  # slices of it are not copies
    out: list[Encoded] = []
    pos = 0
    for edit in edits:
        out += [view[pos : edit.start], edit.text]
        pos = edit.end
    out.append(view[pos:])
    return Proven(out, _moved(spans, edits, kept), history, reuse)

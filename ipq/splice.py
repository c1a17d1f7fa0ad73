"""Writes that keep a file's layout: only what changed is rewritten.

A mark changes one task and adds to the history; rewriting the whole file for
it would cost time on a large list and, for a file edited by hand, would drop
its comments and line endings from every diff. :func:`splice` rewrites only
the changed items of the top-level ``tasks`` and ``groups`` sequences and the
end of ``history``, and keeps every other byte: comments, CRLF line endings, a
byte-order mark, a missing final newline, a closing ``...``.

Its result is only a proposal. :func:`ipq.store.proven_content` parses it back
and compares it with the intended list before anything is written, and falls
back to a full dump when the two differ; so this module may give up (return
None) or even be wrong without any risk to the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .models import TaskList

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Layout:
    """What of a file's bytes is not YAML content: BOM, line endings, final newline."""

    bom: bool
    crlf: bool
    final_newline: bool

    @classmethod
    def of(cls, raw: bytes) -> Layout:
        body = raw[len(BOM) :] if raw.startswith(BOM) else raw
        lf = body.count(b"\n")
        return cls(
            bom=raw.startswith(BOM),
            crlf=lf > 0 and body.count(b"\r\n") == lf,
            final_newline=not body or body.endswith(b"\n"),
        )

    def normalize(self, raw: bytes) -> bytes:
        """LF line endings, no BOM, a final newline."""
        body = raw[len(BOM) :] if self.bom else raw
        if self.crlf:
            body = body.replace(b"\r\n", b"\n")
        return body if self.final_newline else body + b"\n"

    def restore(self, text: bytes) -> bytes:
        """The inverse of :meth:`normalize`, for new text."""
        if not self.final_newline and text.endswith(b"\n"):
            text = text[:-1]
        if self.crlf:
            text = text.replace(b"\n", b"\r\n")
        return BOM + text if self.bom else text


_KEY = re.compile(rb"^([A-Za-z_][A-Za-z0-9_]*):[ \n]", re.M)
_ITEM = re.compile(rb"^-[ \n]", re.M)
_DOC_END = b"...\n"


def _lines_back(text: bytes, end: int, start: int) -> Iterator[int]:
    """Start offsets of the lines before ``end`` (which is a line start), back to ``start``,
    the nearest first -- found one at a time: callers stop at the first line of content."""
    pos = end
    while pos > start:
        prev = text.rfind(b"\n", start, pos - 1) + 1
        prev = max(prev, start)
        yield prev
        pos = prev


def _is_filler(line: bytes, doc_end: bool) -> bool:
    """A comment at the start of a line (indented text may be inside a literal block)."""
    if line.startswith(b"#"):
        return True
    return doc_end and (line.rstrip() == b"..." or line.startswith(b"... #"))


def _filler_start(text: bytes, start: int, end: int, doc_end: bool = False) -> int:
    """Where trailing comment lines (and blank lines among them) begin, before ``end``.

    Blank lines right after content are left to the content: they may belong
    to a literal block kept with ``|+``. ``doc_end`` also counts ``...`` lines.
    """
    cut = end
    for line_start in _lines_back(text, end, start):
        line_end = text.find(b"\n", line_start, end)
        line = text[line_start : line_end if line_end >= 0 else end]
        if _is_filler(line, doc_end):
            cut = line_start
        elif line.strip():
            break
    return cut


@dataclass
class _Section:
    key: bytes
    start: int  # the key's line
    body: int  # after the key's line
    end: int

    def header(self, text: bytes) -> bytes:
        return text[self.start : self.body]


def _item_starts(text: bytes, section: _Section) -> list[int]:
    """Where each top-level item of a block sequence begins."""
    return [m.start() for m in _ITEM.finditer(text, section.body, section.end)]


def _item_span(text: bytes, section: _Section, starts: list[int], i: int) -> tuple[int, int]:
    """(start, end) of item ``i``; comment lines after it are not part of it."""
    end = starts[i + 1] if i + 1 < len(starts) else section.end
    return starts[i], _filler_start(text, starts[i], end)


def dump_items(items: list[object]) -> bytes:
    """Items of a top-level sequence as the file holds them: ``- `` at column 0."""
    from .validation import dump_part
    from .yamlio import dump_data

    out = dump_data(dump_part(items))
    # the dumper closes a document that ends in a kept block scalar with "..."; inside
    # a file the next item closes it
    return out[: -len(_DOC_END)] if out.endswith(b"\n" + _DOC_END) else out


def _replace_items(
    text: bytes, section: _Section, items: list[object], changed: set[int]
) -> bytes | None:
    starts = _item_starts(text, section)
    if len(starts) != len(items) or not section.header(text).endswith(b":\n"):
        return None
    out = [text[section.start : section.body]]
    pos = section.body
    for index in sorted(changed):
        start, end = _item_span(text, section, starts, index)
        out += [text[pos:start], dump_items([items[index]])]
        pos = end
    out.append(text[pos : section.end])
    return b"".join(out)


def _history(text: bytes, section: _Section | None, tl: TaskList, kept: int) -> bytes | None:
    added = tl.history[kept:]
    fresh = b"history:\n" + dump_items(list(added)) if added else b""
    if section is None:
        return None if kept else fresh
    if section.header(text) != b"history:\n":  # flow style, or a comment on the key's line
        return fresh if not kept else None
    starts = _item_starts(text, section)
    if kept > len(starts):
        return None
    if kept == 0:
        return fresh
    cut = starts[kept] if kept < len(starts) else section.end
    return text[section.start : cut] + (dump_items(list(added)) if added else b"")


def splice(
    raw: bytes,
    tl: TaskList,
    tasks: set[int],
    groups: set[str],
    history_kept: int,
    layout: Layout | None = None,
) -> bytes | None:
    """``raw`` with the given tasks and groups rewritten from ``tl`` and its history's tail.

    ``tasks`` are task numbers, ``groups`` group names; the first
    ``history_kept`` entries of the history are as in ``raw``, the rest are
    ``tl``'s. Returns None where the file is not laid out so that this can be
    done safely (the caller then dumps the whole list). ``layout`` is the
    layout to write, by default the file's own.
    """
    text = Layout.of(raw).normalize(raw)
    layout = layout or Layout.of(raw)
    trailer_at = _filler_start(text, 0, len(text), doc_end=True)
    body, trailer = text[:trailer_at], text[trailer_at:]
    if not body.endswith(b"\n"):
        return None
    keys = [(m.group(1), m.start(), m.end()) for m in _KEY.finditer(body)]
    names = [k for k, _, _ in keys]
    if len(set(names)) != len(names) or b"tasks" not in names:
        return None
    sections: list[_Section] = []
    for i, (key, start, _) in enumerate(keys):
        line_end = body.find(b"\n", start) + 1
        end = keys[i + 1][1] if i + 1 < len(keys) else len(body)
        sections.append(_Section(key, start, line_end, end))

    index_of_task = {t.id: i for i, t in enumerate(tl.tasks)}
    index_of_group = {g.name: i for i, g in enumerate(tl.groups)}
    if not tasks <= index_of_task.keys() or not groups <= index_of_group.keys():
        return None
    out = [body[: sections[0].start]] if sections else [body]
    history_done = False
    for section in sections:
        piece: bytes | None
        if section.key == b"tasks" and tasks:
            changed = {index_of_task[n] for n in tasks}
            piece = _replace_items(body, section, list(tl.tasks), changed)
        elif section.key == b"groups" and groups:
            changed = {index_of_group[n] for n in groups}
            piece = _replace_items(body, section, list(tl.groups), changed)
        elif section.key == b"history":
            piece = _history(body, section, tl, history_kept)
            history_done = True
        else:
            piece = body[section.start : section.end]
        if piece is None:
            return None
        out.append(piece)
    if not history_done:
        tail = _history(body, None, tl, history_kept)
        if tail is None:
            return None
        out.append(tail)
    out.append(trailer)
    return layout.restore(b"".join(out))

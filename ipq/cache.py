"""A cache of validated task lists, keyed by the bytes of the data file.

Parsing YAML and validating it is the slow part of every command (about a
second for a 1,000-task list); the result for the same bytes never changes, so
it is kept in the user's cache directory. What makes it safe to trust:

* **Data only.** Entries are MessagePack decoded by msgspec straight into the
  models, with every field's type checked; decoding runs no code (no pickle).
* **Only what was parsed.** :func:`put` is called with a list that was parsed
  and validated from exactly the bytes it is filed under, or, after a write,
  with the list :mod:`ipq.parts` proved those bytes parse to: every byte of
  them parsed, the old ones when the file was read, the new ones alone by the
  same parser, under conditions that make the two parses one (see there). Its
  entry may take the old entry's bytes of the tasks the write did not change,
  only where they equal those tasks' encodings byte for byte
  (:meth:`ipq.parts.Snapshot.kept_pieces`): the entry is the one the list encodes to.
* **The key covers the rules.** A key is a hash of the file's bytes together
  with ipq's version and the source of the modules that decide what a valid
  list is (models, validation, names, YAML reading), so a changed rule never
  meets an entry made under the old one.
* **Only the user's own.** The directory is created 0700; a directory or entry
  that is not owned by the user, or that others may write, is ignored.

**What a read decodes.** An entry holds the list without its history and its tasks'
province progress, then that progress, the parts' spans and the history, so each
command decodes what it reads: ``list`` the list alone (each task's province
progress :data:`WITHHELD`, which refuses any use), ``obligations`` one province's
(:class:`Withheld` answering for it alone), a write everything but its tasks'
province progress and history, which it holds as their bytes here, each decoded when a
change uses it (:class:`ipq.lazyhistory.DeferredProvinces`,
:class:`ipq.lazyhistory.EncodedHistory`): the new entry takes the bytes of those never
used as they are.

The same directory keeps the core schemas pydantic builds for the models (see
:mod:`ipq.schemas`, which says why they are safe to use): :func:`keep`,
:func:`read_kept`.

Any trouble with the cache is ignored: it is only ever a shortcut.
``IPQ_NO_CACHE=1`` turns it off; ``ipq validate`` never uses it.
"""

from __future__ import annotations

import os
import stat
import time
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from io import BufferedReader
    from typing import BinaryIO, TypeAlias

    from .lazyhistory import Encoded
    from .models import Task, TaskList
    from .parts import Spans

    #: Each task's pieces of an entry where they are at hand, None where not.
    Reuse: TypeAlias = Sequence[tuple[Encoded, Encoded] | None] | None
    #: What _decode gives: the list, its spans, its history as MessagePack, and (for a
    #: write) each task's pieces.
    Decoded: TypeAlias = tuple[
        TaskList, Spans | None, Encoded | None, list[tuple[Encoded, Encoded]] | None
    ]

#: How many lists are kept (the newest by use).
KEEP = 8
SUFFIX = ".msgpack"
#: The modules whose source decides what a valid list is.
RULE_MODULES = (
    "lazyhistory.py", "models.py", "names.py", "parts.py", "schemas.py", "validation.py",
    "yamlio.py",
)  # fmt: skip
#: The layout of an entry (see _decode); a new layout never meets an entry of an old one.
ENTRY_FORMAT = b"list, provinces, spans, then history"
#: A temporary file older than this was left by a killed writer.
STALE_SECONDS = 3600


def enabled() -> bool:
    return os.environ.get("IPQ_NO_CACHE", "") in ("", "0")


def directory() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("ipq", appauthor=False) / "parsed"


@lru_cache(maxsize=1)
def rules_digest() -> bytes:
    """ipq's version and the source of every module that decides what loads."""
    from blake3 import blake3  # the keys' hash (hashlib's import costs a read 3 ms)

    from . import __version__

    h = blake3(__version__.encode())
    for module in RULE_MODULES:  # read beside this file: a warm read imports none of them
        h.update(Path(__file__).with_name(module).read_bytes())
    return bytes(h.digest(20))


#: Files larger than this are hashed on every core.
_MANY_THREADS = 1 << 20
#: How much of a file is read at a time to hash it. A piece that stays in the core's
#: cache between the copy and the hash: a new process hashing a 24 MB file here spent
#: 11 ms with 64 or 128 KB pieces, 19 ms with 256 KB (CPU time, medians of 41 pairs).
_CHUNK = 1 << 17


def _hasher(size: int) -> Any:
    # BLAKE3: a cryptographic hash (a crafted file cannot collide with another's entry),
    # 5 ms for a 24 MB file on one core here, against SHA-256's 14 ms
    from blake3 import blake3

    threads = blake3.AUTO if size > _MANY_THREADS else 1
    return blake3(rules_digest() + ENTRY_FORMAT, max_threads=threads)


def key(raw: bytes | Sequence[Encoded]) -> str:
    """The key of a file's bytes, whole or in the pieces a write joins them from."""
    pieces = [raw] if isinstance(raw, bytes) else raw
    h = _hasher(sum(map(len, pieces)))
    for piece in pieces:
        h.update(piece)
    return str(h.hexdigest())


def key_of_file(fd: int) -> str:
    """The key of the bytes an open file holds, read in small pieces from where it stands.

    A read that finds its entry never needs the whole file in memory: for a file
    with a long history, allocating and filling that copy cost more than the hash.
    """
    h = _hasher(0)
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with open(fd, "rb", buffering=0, closefd=False) as fh:
        while n := fh.readinto(buffer):
            h.update(view[:n])
    return str(h.hexdigest())


def _trusted(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    own = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
    return own and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted_directory(create: bool) -> Path | None:
    path = directory()
    if create:
        with suppress(OSError):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return path if stat.S_ISDIR(st.st_mode) and _trusted(st) else None


@lru_cache(maxsize=8)  # every kind (a write asks for five: four evicted one another)
def _decoder(kind: str) -> Any:
    """msgspec's decoder of one section of an entry (each made only where it is read:
    a read of the list alone needs neither the history's nor the spans')."""
    import msgspec

    from .models import Change, Progress, TaskList

    if kind == "list":
        return msgspec.msgpack.Decoder(TaskList)
    if kind == "provinces":
        return msgspec.msgpack.Decoder(list[dict[str, dict[int, Progress]]])
    if kind == "provinces, raw":  # each province's progress left undecoded
        return msgspec.msgpack.Decoder(list[dict[str, msgspec.Raw]])
    if kind == "province":
        return msgspec.msgpack.Decoder(dict[int, Progress])
    if kind == "list, raw":  # each field left undecoded
        return msgspec.msgpack.Decoder(dict[str, msgspec.Raw])
    if kind == "raw items":
        return msgspec.msgpack.Decoder(list[msgspec.Raw])
    if kind == "history":
        return msgspec.msgpack.Decoder(list[Change])
    from .parts import Spans

    return msgspec.msgpack.Decoder(Spans | None)


class Withheld(dict):  # type: ignore[type-arg]
    """A task's province progress where the read asked for the list without it, or
    with one province's alone (:func:`get_by_key`): any other use of it is a mistake,
    and says so."""

    __slots__ = ("only",)

    def __init__(self, only: str | None = None, progress: Any = None) -> None:
        super().__init__({only: progress} if progress is not None else {})
        self.only = only

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("province progress was not read from the cache")

    def _asked(self, name: Any) -> None:
        if self.only is None or name != self.only:
            self._refuse()

    def get(self, name: Any, default: Any = None) -> Any:
        self._asked(name)
        return dict.get(self, name, default)

    def __getitem__(self, name: Any) -> Any:
        self._asked(name)
        return dict.__getitem__(self, name)

    def __contains__(self, name: Any) -> bool:
        self._asked(name)
        return dict.__contains__(self, name)

    __iter__ = __len__ = __eq__ = __reversed__ = _refuse
    keys = values = items = copy = __or__ = setdefault = pop = update = _refuse
    __hash__ = None


WITHHELD = Withheld()

#: An entry: the lengths (4 bytes each, big-endian) of the list without its history and
#: its tasks' province progress, of that progress (a list, in the tasks' order), and of
#: the spans (see ipq.parts); then those three and the history -- so a command that
#: reads no history decodes (and reads) neither spans nor history, and one that reads
#: no province's progress (``list``) not that either: at 1,000 tasks it is 78% of
#: the bytes and 86% of the time to decode them.
_LENGTH = 4
_HEAD = 3 * _LENGTH


def encode_entry(
    tl: TaskList,
    spans: Spans | None = None,
    history: Sequence[Encoded] | None = None,
    reuse: Reuse = None,
) -> bytes:
    """``history``: ``tl.history`` already encoded (in pieces), where a write has it;
    ``reuse``: its tasks' pieces where it has them (see :func:`_pieces`)."""
    import io

    out = io.BytesIO()
    _write_entry(out, tl, spans, history, reuse)
    return out.getvalue()


@lru_cache(maxsize=1)
def _encoder() -> Any:
    import msgspec

    return msgspec.msgpack.Encoder()


def _encode(obj: Any) -> bytes:
    return _encoder().encode(obj)  # type: ignore[no-any-return]


#: How msgspec ends the encoding of a TaskList whose last two fields, tasks and
#: history, are empty: fixstr "tasks", empty array, fixstr "history", empty array.
_EMPTY_END = b"\xa5tasks\x90\xa7history\x90"


def _main_piece(task: Task) -> bytes:
    """A task's encoding without its province progress."""
    progress = task.progress
    provinces, progress.provinces = progress.provinces, {}
    try:
        return _encode(task)
    finally:
        progress.provinces = provinces


def _province_piece(task: Task) -> Encoded:
    from .lazyhistory import DeferredProvinces

    provinces = task.progress.provinces
    if isinstance(provinces, Withheld):  # never filed as "none recorded"
        raise TypeError("a list read without its province progress")
    if isinstance(provinces, DeferredProvinces):
        if not provinces.is_decoded:  # a write's, never used: the bytes it was read from
            return provinces.piece
        provinces = provinces.value()  # used, and held elsewhere too (a copy's)
    return _encode(provinces)


def task_pieces(task: Task) -> tuple[bytes, Encoded]:
    """A task's two pieces of an entry: its encoding without its province progress (in
    the list), and that progress's (in the progress)."""
    return _main_piece(task), _province_piece(task)


def _pieces(tl: TaskList, reuse: Reuse, which: int) -> Iterator[Encoded]:
    """Each task's piece ``which`` (0: in the list, 1: its province progress); ``reuse``:
    each task's pieces where they are at hand (None where not): the entry a write read
    holds those of every task it did not change."""
    make = _province_piece if which else _main_piece
    for i, task in enumerate(tl.tasks):
        known = reuse[i] if reuse is not None else None
        yield make(task) if known is None else known[which]


def _list_pieces(tl: TaskList, reuse: Reuse = None) -> Iterator[Encoded]:
    """The encoding of ``tl`` without its history and its tasks' province progress, a
    task at a time: the bytes msgspec gives it whole (the tests hold them equal), never
    all in memory at once (75 MB at 10,000 tasks)."""
    from dataclasses import replace

    from .lazyhistory import array_header

    rest = _encode(replace(tl, tasks=[], history=[]))
    if not rest.endswith(_EMPTY_END):  # fields in another order: whole, then
        from .lazyhistory import settle

        settle(tl.tasks)
        yield _encode(replace(tl, history=[]))
        return
    yield rest[: -len(_EMPTY_END)]
    yield b"\xa5tasks" + array_header(len(tl.tasks))
    yield from _pieces(tl, reuse, 0)
    yield b"\xa7history\x90"


def _province_pieces(tl: TaskList, reuse: Reuse = None) -> Iterator[Encoded]:
    """Each task's province progress, a list in the tasks' order, a task at a time."""
    from .lazyhistory import array_header

    yield array_header(len(tl.tasks))
    yield from _pieces(tl, reuse, 1)


def _write_entry(
    fh: BinaryIO,
    tl: TaskList,
    spans: Spans | None,
    history: Sequence[Encoded] | None,
    reuse: Reuse = None,
) -> None:
    """Write an entry, its pieces as they are made; the head, which gives their
    lengths, is filled in last."""
    start = fh.tell()
    fh.write(bytes(_HEAD))
    main = sum(fh.write(piece) for piece in _list_pieces(tl, reuse))
    provinces = sum(fh.write(piece) for piece in _province_pieces(tl, reuse))
    where = fh.write(_encode(spans))
    if history is None:
        from .lazyhistory import array_header

        fh.write(array_header(len(tl.history)))
        for change in tl.history:
            fh.write(_encode(change))
    else:
        for piece in history:
            fh.write(piece)
    end = fh.tell()
    fh.seek(start)
    fh.write(b"".join(n.to_bytes(_LENGTH, "big") for n in (main, provinces, where)))
    fh.seek(end)


def _sizes(data: bytes | bytearray) -> tuple[int, int, int]:
    """The lengths of an entry's list, province progress and spans."""
    a, b, c = (int.from_bytes(data[i : i + _LENGTH], "big") for i in range(0, _HEAD, _LENGTH))
    return a, b, c


def decode_entry(data: bytes, history: bool = True) -> TaskList:
    """An entry's list (without its history unless asked); a damaged one raises."""
    return _decode(data, history, False, True)[0]


def _decode(
    data: bytes | bytearray,
    history: bool,
    spans: bool,
    provinces: bool | str,
    tail: bytes | None = None,
) -> Decoded:
    """``tail``: the history, where it was read apart from the rest of ``data``; with
    ``spans`` (for a write), each task's pieces too."""
    main, progress, where = _sizes(data)
    if len(data) < _needed(data, history, spans, provinces):
        raise ValueError("a truncated entry")
    view = memoryview(data).toreadonly()  # what a write reuses of it stays as read
    at = _HEAD + main
    tl: TaskList = _decoder("list").decode(view[_HEAD:at])
    pieces = _task_pieces_of(view[_HEAD:], main, progress) if spans else None
    if pieces is not None:  # for a write: each task's decoded when a change uses it
        from .lazyhistory import DeferredProvinces

        # (zip's strict check: an entry with progress for other tasks raises, as below)
        for task, (_, piece) in zip(tl.tasks, pieces, strict=True):
            task.progress.provinces = DeferredProvinces(task.progress, piece)  # type: ignore[assignment]
    elif provinces or history:
        only = provinces if isinstance(provinces, str) and not history else None
        # one province's alone: each task's provinces as raw bytes, that one's decoded
        each = _decoder("provinces, raw" if only else "provinces").decode(view[at : at + progress])
        for task, found in zip(tl.tasks, each, strict=True):  # (ValueError: for other tasks)
            if only:
                mine = found.get(only)
                decoded = None if mine is None else _decoder("province").decode(mine)
                found = Withheld(only, decoded)
            task.progress.provinces = found
    else:
        for task in tl.tasks:
            task.progress.provinces = WITHHELD
    at += progress
    layout = _decoder("spans").decode(view[at : at + where]) if spans else None
    encoded = None
    if history:
        buffer, start = (data, at + where) if tail is None else (tail, 0)
        if spans:  # for a write: each entry decoded when read (see ipq.lazyhistory)
            from .lazyhistory import EncodedHistory

            lazy = EncodedHistory(buffer, start)
            tl.history, encoded = lazy, lazy.source  # type: ignore[assignment]
        else:
            encoded = memoryview(buffer)[start:]
            tl.history = _decoder("history").decode(encoded)
    return tl, layout, encoded, pieces


def _task_pieces_of(view: memoryview, main: int, progress: int) -> list[tuple[Encoded, Encoded]]:
    """Each task's pieces (:func:`task_pieces`) in an entry's list and progress, as views
    of them (left undecoded: msgspec steps over them)."""
    tasks = _decoder("list, raw").decode(view[:main]).get("tasks")
    each = zip(
        _decoder("raw items").decode(tasks),
        _decoder("raw items").decode(view[main : main + progress]),
        strict=True,
    )
    return [(memoryview(a), memoryview(b)) for a, b in each]


def _needed(head: bytes | bytearray, history: bool, spans: bool, provinces: bool | str) -> int:
    """How much of an entry (head included) a read of these parts needs before its
    history."""
    main, progress, where = _sizes(head)
    return (
        _HEAD
        + main
        + (progress if provinces or spans or history else 0)
        + (where if spans or history else 0)
    )


def get_by_key(digest: str, history: bool = True, provinces: bool | str = True) -> TaskList | None:
    """The entry filed under ``digest`` (see :func:`key`), if there is a sound one.
    ``provinces=False``: without the tasks' province progress (each task's is
    :data:`WITHHELD`), for a read that uses none; a province's full name: with that
    province's alone (a :class:`Withheld` that answers for it only)."""
    found = _entry(digest, history, False, provinces)
    return found[0] if found else None


class ForWrite(NamedTuple):
    """What a write reads: the whole list, the spans of its parts; where it came from
    an entry, its history as MessagePack (the list's history an
    :class:`ipq.lazyhistory.EncodedHistory` of it) and each task's pieces
    (:func:`task_pieces`, views of the entry's bytes); the key of the bytes read (None
    with the cache off)."""

    tl: TaskList
    spans: Spans | None
    history: Encoded | None
    pieces: list[tuple[Encoded, Encoded]] | None
    key: str | None


def get_for_write(raw: bytes, digest: str | None = None) -> ForWrite | None:
    """The entry filed under ``raw`` (whose key is ``digest``, where it is known)."""
    if not enabled():
        return None
    digest = digest or key(raw)
    found = _entry(digest, True, True, True)
    return None if found is None else ForWrite(*found, digest)


def _entry(digest: str, history: bool, spans: bool, provinces: bool | str) -> Decoded | None:
    from .util import no_gc

    try:
        with _trusted_file(f"{digest}{SUFFIX}") as fh:
            if fh is None:
                return None
            head = fh.read(_HEAD)
            if len(head) != _HEAD:
                raise ValueError("a truncated entry")
            front = bytearray(_needed(head, history, spans, provinces))
            front[:_HEAD] = head
            if fh.readinto(memoryview(front)[_HEAD:]) != len(front) - _HEAD:
                raise ValueError("a truncated entry")
            # the history in a buffer of its own: what a write keeps of the entry (its
            # entries' encodings, see ipq.lazyhistory) is then only the history's
            tail = fh.read() if history or spans else None
            with no_gc():
                found = _decode(front, history, spans, provinces, tail)
            with suppress(OSError):
                os.utime(fh.fileno())
            return found
    except Exception:  # a damaged entry, an old format: parse the file instead
        return None


@contextmanager
def _trusted_file(name: str) -> Iterator[BufferedReader | None]:
    """The file ``name`` in the cache directory, open to read; None if there is none, or
    if it or the directory is not the user's own or others may write it."""
    folder = _trusted_directory(create=False) if enabled() else None
    try:
        fd = os.open(folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)) if folder else -1
    except OSError:
        fd = -1
    if fd < 0:
        yield None
        return
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _trusted(st):
            yield None
            return
        with open(fd, "rb", closefd=False) as fh:
            yield fh
    finally:
        os.close(fd)


def discard(digest: str) -> None:
    """Forget the entry for bytes that no file holds any more (after a write), by their
    key (:func:`key`)."""
    folder = _trusted_directory(create=False) if enabled() else None
    if folder is not None:
        with suppress(OSError):
            (folder / f"{digest}{SUFFIX}").unlink()


def put(
    raw: bytes | Sequence[Encoded],
    parsed: TaskList,
    spans: Spans | None = None,
    history: Sequence[Encoded] | None = None,
    reuse: Reuse = None,
) -> None:
    """File ``parsed`` under ``raw`` (the bytes, or the pieces they are written from):
    call only with a list parsed from exactly those bytes (or proven by
    :mod:`ipq.parts` to be what their parse gives), ``spans`` its parts; ``history``
    and ``reuse``: see :func:`encode_entry`."""
    if enabled():
        put_under(key(raw), parsed, spans, history, reuse)


def put_under(
    digest: str,
    parsed: TaskList,
    spans: Spans | None = None,
    history: Sequence[Encoded] | None = None,
    reuse: Reuse = None,
) -> None:
    """:func:`put` under the key of those bytes (:func:`key`)."""
    if enabled():
        _replace(f"{digest}{SUFFIX}", lambda fh: _write_entry(fh, parsed, spans, history, reuse))


def _replace(name: str, write: Callable[[BinaryIO], object]) -> None:
    """Replace the file ``name`` in the cache directory with what ``write`` writes (to a
    temporary, renamed over it: a reader sees the old file or the new one)."""
    folder = _trusted_directory(create=True)
    if folder is None:
        return
    import tempfile

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, folder / name)
        tmp = None
        _prune(folder)
    except Exception:
        return
    finally:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)


def keep(name: str, data: bytes) -> None:
    """Keep ``data`` as the file ``name`` in the cache directory (see :func:`read_kept`)."""
    if enabled():
        _replace(name, lambda fh: fh.write(data))


def read_kept(name: str) -> bytes | None:
    """What :func:`keep` kept as ``name``: None if there is none, or if the file or its
    directory is not the user's own or others may write it."""
    try:
        with _trusted_file(name) as fh:
            return None if fh is None else fh.read()
    except OSError:
        return None


def _prune(folder: Path) -> None:
    """Keep the newest entries; remove temporaries that killed writers left."""
    now = time.time()
    entries = []
    for entry in os.scandir(folder):
        with suppress(OSError):
            mtime = entry.stat(follow_symlinks=False).st_mtime
            if entry.name.endswith(SUFFIX):
                entries.append((mtime, entry.path))
            elif entry.name.endswith(".pickle") or (  # the old, unsafe format
                entry.name.endswith(".tmp") and now - mtime > STALE_SECONDS
            ):
                os.unlink(entry.path)
    entries.sort(reverse=True)
    for _, old in entries[KEEP:]:
        with suppress(OSError):
            os.unlink(old)

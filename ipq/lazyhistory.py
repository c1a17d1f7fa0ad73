"""A history kept as its MessagePack items, each decoded when it is first read.

A write takes the list from the cache, changes a task or two and appends a few
history entries; undo reads the last command's entries and removes them. With
a year's history (50,000 entries, 25 MB) decoding every entry, and encoding
them all again to show they were not changed, was most of a mark's time.

:class:`EncodedHistory` is what such a write's list holds instead of a plain
list: the entries' encodings, split (not decoded) by msgspec, each decoded on
first access. Every entry before the lowest index ever read, replaced,
removed or inserted at is still the very encoding the cache held, in its
place, never handed out -- so the new history's encoding can reuse those bytes
as they are (:meth:`EncodedHistory.encoded`), and the rest is encoded and
compared. It is a full :class:`~collections.abc.MutableSequence`: code that
reads anything gets decoded entries, and :meth:`EncodedHistory.decoded` gives
the plain list where one is needed (the whole-file proof, pydantic).

:class:`DeferredProvinces` does the same for a task's province progress, most of a
list's bytes: a write's list holds each task's as its bytes in the entry, decoded
when a change first uses it. A task whose progress no change used is, by
construction, the very bytes the cache held, which the new entry takes as they are;
only the tasks a change read are decoded, encoded and compared.

Either, when its bytes turn out not to decode, raises :class:`Damaged`: the write
starts again from the file (:func:`ipq.store.modify`).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, overload

import msgspec

if TYPE_CHECKING:
    from .models import Change

#: A MessagePack encoding, or a view of one in a larger buffer (a cache entry's).
Encoded = bytes | bytearray | memoryview


class Damaged(Exception):
    """Bytes of a cache entry, decoded late, that do not decode: the entry is not sound."""


@lru_cache(maxsize=1)
def _codec() -> tuple[Any, Any, Any, Any]:
    from .models import Change, Progress

    return (
        msgspec.msgpack.Decoder(list[msgspec.Raw]).decode,
        msgspec.msgpack.Decoder(Change).decode,
        msgspec.msgpack.Encoder().encode,
        msgspec.msgpack.Decoder(dict[str, dict[int, Progress]]).decode,
    )


def _decode(kind: int, encoded: Encoded) -> Any:
    try:
        return _codec()[kind](encoded)
    except msgspec.MsgspecError as exc:
        raise Damaged(str(exc)) from None


def array_header(size: int) -> bytes:
    """The header MessagePack (and msgspec) gives an array of ``size`` items."""
    if size < 16:
        return bytes([0x90 | size])
    if size < 1 << 16:
        return b"\xdc" + size.to_bytes(2, "big")
    return b"\xdd" + size.to_bytes(4, "big")


def header_size(encoded: Encoded) -> int:
    """How long a MessagePack array's header is (fixarray, array 16, array 32)."""
    first = encoded[0]
    return 1 if first & 0xF0 == 0x90 else {0xDC: 3, 0xDD: 5}[first]


def array_items(encoded: Encoded) -> Encoded:
    """A MessagePack array's items, its header dropped."""
    return encoded[header_size(encoded) :]


class EncodedHistory(MutableSequence["Change"]):
    """The history entries of the MessagePack array that fills ``buffer`` from ``start``."""

    __slots__ = ("source", "_buffer", "_start", "_raws", "_items", "_low")

    def __init__(self, buffer: bytes | bytearray, start: int = 0) -> None:
        split = _codec()[0]
        self.source = memoryview(buffer)[start:]  # the array as the cache held it
        self._buffer = buffer
        self._start = start + header_size(self.source)  # where its items begin in buffer
        self._raws: list[Any] = split(self.source)  # each entry's encoding (msgspec.Raw)
        self._items: list[Any] = list(self._raws)  # a Raw until read, then the Change
        self._low = len(self._raws)  # entries before it: the original encodings, in place

    # -- the sequence ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def _touch(self, index: int) -> None:
        self._low = min(self._low, index)

    def _entry(self, index: int) -> Change:
        item = self._items[index]
        if isinstance(item, msgspec.Raw):
            item = self._items[index] = _decode(1, item)
        return item  # type: ignore[no-any-return]

    @overload
    def __getitem__(self, index: int) -> Change: ...
    @overload
    def __getitem__(self, index: slice) -> list[Change]: ...
    def __getitem__(self, index: int | slice) -> Change | list[Change]:
        if isinstance(index, slice):
            picked = range(*index.indices(len(self._items)))
            if picked:
                self._touch(min(picked[0], picked[-1]))
            return [self._entry(i) for i in picked]
        i = range(len(self._items))[index]  # IndexError as a list gives it
        self._touch(i)
        return self._entry(i)

    @overload
    def __setitem__(self, index: int, value: Change) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[Change]) -> None: ...
    def __setitem__(self, index: int | slice, value: Any) -> None:
        if isinstance(index, slice):
            self._touch(index.indices(len(self._items))[0] if index.step in (None, 1) else 0)
        else:
            self._touch(range(len(self._items))[index])
        self._items[index] = value

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            picked = range(*index.indices(len(self._items)))
            if picked:
                self._touch(min(picked[0], picked[-1]))
        else:
            self._touch(range(len(self._items))[index])
        del self._items[index]

    def insert(self, index: int, value: Change) -> None:
        size = len(self._items)
        at = max(0, min(size, index + size if index < 0 else index))
        self._touch(at)
        self._items.insert(at, value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EncodedHistory | list):
            return self.decoded() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __repr__(self) -> str:
        return f"EncodedHistory({len(self._items)} entries, {self._low} as read)"

    def decoded(self) -> list[Change]:
        """The entries as a plain list (each decoded now if it was not yet)."""
        return self[:]

    # -- what a write needs ------------------------------------------------------------
    def _offset(self, index: int) -> int:
        """Where the original ``index``-th entry's encoding begins in the buffer."""
        return len(self._buffer) - sum(len(r) for r in self._raws[index:])

    def pieces(self, kept: int) -> list[Encoded] | None:
        """The history as a MessagePack array, in pieces (the kept entries a view of the
        original bytes: a year's history is 25 MB not copied again), if its first
        ``kept`` entries encode as the original's first ``kept`` did (else None)."""
        encode = _codec()[2]
        if kept > len(self._raws) or kept > len(self._items):
            return None

        def bytes_of(item: Any) -> bytes:
            return bytes(item) if isinstance(item, msgspec.Raw) else encode(item)

        low = min(self._low, kept)
        for i in range(low, kept):  # read, or moved: compare with the original's
            if bytes_of(self._items[i]) != bytes(self._raws[i]):
                return None
        kept_items = memoryview(self._buffer)[self._start : self._offset(kept)]
        added = [bytes_of(item) for item in self._items[kept:]]
        return [array_header(len(self._items)), kept_items, *added]

    def keys_among(self, upto: int, keys: set[str]) -> set[str]:
        """Which of ``keys`` are keys (:meth:`ipq.models.Change.key`) of the first ``upto``
        entries.

        An entry with ``id`` X holds X's encoding among its bytes; where no key's
        encoding is found in the entries still encoded, none of them has it. A key
        that may be derived (``h…``: an entry without id) or an encoding that is
        found is settled by decoding the entries.
        """
        if not keys:
            return set()
        upto = min(upto, len(self._items))
        low = min(self._low, upto)
        if any(key.startswith("h") for key in keys):
            low = 0
        else:
            encode, end = _codec()[2], self._offset(low)
            if any(self._buffer.find(encode(key), self._start, end) >= 0 for key in keys):
                low = 0
        found = set()
        for i in range(low, upto):
            key = self._entry(i).key()
            if key in keys:
                found.add(key)
        return found


class DeferredProvinces:
    """A task's province progress (``TaskProgress.provinces``) as its MessagePack bytes in
    a cache entry, decoded when it is first used.

    It answers as the dict would (it decodes itself, then hands every use to the dict),
    and on decoding puts the dict in its place in ``owner``, so what a change holds,
    and what is encoded after it, is that plain dict. Code that reads a mapping
    without asking it (msgspec's and pydantic's, in C) would meet no dict: msgspec
    refuses it (``TypeError``), and :func:`settle` decodes a list's before pydantic
    serializes it. Undecoded, :attr:`piece` is what encoding the dict gives, byte for
    byte: the bytes it was read from.
    """

    __slots__ = ("owner", "piece", "_value")

    def __init__(self, owner: Any, piece: Encoded) -> None:
        self.owner = owner  # the TaskProgress that holds it
        self.piece = piece
        self._value: dict[str, Any] | None = None

    @property
    def is_decoded(self) -> bool:
        return self._value is not None

    def value(self) -> dict[str, Any]:
        """The dict (decoded now if it was not yet), in its place in the owner."""
        if self._value is None:
            self._value = _decode(3, self.piece)
            if self.owner.provinces is self:
                self.owner.provinces = self._value
        return self._value

    def __getattr__(self, name: str) -> Any:  # get, items, setdefault, pop, update …
        if name.startswith("_"):  # a dict's methods are public; this object's own are not
            raise AttributeError(name)
        return getattr(self.value(), name)

    def __getitem__(self, key: Any) -> Any:
        return self.value()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.value()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.value()[key]

    def __contains__(self, key: Any) -> bool:
        return key in self.value()

    def __iter__(self) -> Any:
        return iter(self.value())

    def __reversed__(self) -> Any:
        return reversed(self.value())

    def __len__(self) -> int:
        return len(self.value())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DeferredProvinces):
            other = other.value()
        return self.value() == other

    def __or__(self, other: Any) -> Any:
        return self.value() | other

    def __ror__(self, other: Any) -> Any:
        return other | self.value()

    def __ior__(self, other: Any) -> Any:
        value = self.value()
        value |= other
        return value  # ``x |= y`` binds the dict

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dict

    def __copy__(self) -> dict[str, Any]:
        return self.value().copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        from copy import deepcopy

        return deepcopy(self.value(), memo)

    def __reduce__(self) -> Any:
        return dict, (self.value(),)

    def __repr__(self) -> str:
        return repr(self.value())


def settle(tasks: Iterable[Any]) -> None:
    """Decode every task's :class:`DeferredProvinces` (before C code reads the tasks)."""
    for task in tasks:
        provinces = getattr(getattr(task, "progress", None), "provinces", None)
        if isinstance(provinces, DeferredProvinces):
            task.progress.provinces = provinces.value()

"""Small helpers shared by loading paths and by every output."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic GC while building many objects that are all kept.

    Each collection would walk the growing object graph again: for a large list
    this makes loading about three times slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # what was built is kept: later collections need not walk it again (the first
            # one after a large load walked millions of objects, a third of a second)
            gc.freeze()
            gc.enable()


#: Characters that steer a terminal or reorder text rather than show: C0 and C1
#: controls (but tab and newline), DEL, the bidirectional overrides, the BOM.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (ESC -> ``\\x1b``).

    Notes and sources are typed by people and read by others: on a terminal an
    escape sequence in a note could rewrite the screen, in a report hide text.
    """
    return _INVISIBLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: A spreadsheet reads a cell that begins with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)

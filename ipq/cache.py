"""A cache of validated task lists, keyed by the bytes of the data file.

Parsing YAML and validating it is the slow part of every command (about a
second for a 1,000-task list); the result for the same bytes never changes, so
it is kept, pickled, in the user's cache directory (private to the user). A
key is a hash of the file's bytes together with the shape of the models, so an
edited file or a changed ipq never meets a stale entry. Any trouble with the
cache is ignored: it is only ever a shortcut. ``IPQ_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from contextlib import suppress
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import TaskList

#: How many lists are kept (the newest by use).
KEEP = 8


def _enabled() -> bool:
    return os.environ.get("IPQ_NO_CACHE", "") in ("", "0")


def _directory() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("ipq", appauthor=False) / "parsed"


def _shape() -> bytes:
    """The package version and every model's fields: a change invalidates the cache."""
    from . import __version__, models

    parts = [__version__]
    for name in sorted(vars(models)):
        cls = getattr(models, name)
        if isinstance(cls, type) and is_dataclass(cls) and cls.__module__ == models.__name__:
            parts.append(name + ":" + ",".join(f.name for f in fields(cls)))
    return "|".join(parts).encode()


def _key(raw: bytes) -> str:
    h = hashlib.blake2b(_shape(), digest_size=20)
    h.update(raw)
    return h.hexdigest()


def get(raw: bytes) -> TaskList | None:
    if not _enabled():
        return None
    path = _directory() / f"{_key(raw)}.pickle"
    from .util import no_gc

    try:
        with open(path, "rb") as fh, no_gc():
            tl = pickle.load(fh)  # noqa: S301 -- our own file, in the user's private cache
        os.utime(path)
    except Exception:
        return None
    from .models import TaskList

    return tl if isinstance(tl, TaskList) else None


def discard(raw: bytes) -> None:
    """Forget the entry for bytes that no file holds any more (after a write)."""
    if _enabled():
        with suppress(OSError):
            (_directory() / f"{_key(raw)}.pickle").unlink()


def put(raw: bytes, tl: TaskList) -> None:
    if not _enabled():
        return
    directory = _directory()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        final = directory / f"{_key(raw)}.pickle"
        tmp = final.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(tl, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, final)
        entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink()
    except Exception:
        return

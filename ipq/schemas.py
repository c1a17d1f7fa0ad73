"""pydantic's validators and serializers for the models, built once and kept.

Validation is pydantic's (see :mod:`ipq.models`), but pydantic builds it anew in
every process: importing its ``TypeAdapter`` and building the core schema of a
task list cost a write 0.13 s here, about a third of a 1,000-task mark, though
the result is the same every time. What pydantic builds is a *core schema*: plain
data (dicts, lists, strings, numbers) naming the model classes, from which
pydantic-core makes the validator and the serializer in a fraction of a
millisecond. So the core schemas are kept in ipq's cache directory, as JSON, and
a process that finds them imports only pydantic-core.

What makes them safe to use:

* **Exactly what pydantic built.** They are the arguments pydantic gave
  pydantic-core (``SchemaValidator.__reduce__``); the tests hold them equal to
  what pydantic builds in the same environment.
* **The key covers everything they come from**: ipq's version and the source of
  the modules that decide what a valid list is (the cache's own rules digest,
  models included), the pydantic and pydantic-core versions, and Python's. Any
  other key finds nothing, and pydantic builds them again.
* **Data, not code.** JSON; a class is written as its name and read back only as
  ``list``, ``dict`` or a dataclass of :mod:`ipq.models`. Anything else, or a
  file that is not the user's own (:mod:`ipq.cache`'s checks), and pydantic
  builds them again.

With ``IPQ_NO_CACHE=1`` nothing is kept and pydantic builds them every time.
pydantic plugins (none is installed with ipq) are not run on validators read back.
"""

from __future__ import annotations

import sys
from dataclasses import is_dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic_core import SchemaSerializer, SchemaValidator

_T = TypeVar("_T")

#: The file in the cache directory; it holds one environment's schemas at a time.
FILE = "schemas.json"
#: The layout of that file; a new layout never meets an old file.
FORMAT = "ipq core schemas 1"
#: How a class is written in the JSON (no key of a core schema begins with "$").
_CLASS = "$class"
_BUILTINS: dict[str, type] = {"list": list, "dict": dict}


def _kinds() -> dict[str, Any]:
    """The types ipq validates and dumps, by the name they are kept under: the list,
    and a list of each kind of its parts (a write's edits, a merge's sides)."""
    from .models import Category, Change, Department, Group, Meta, Task, TaskList

    parts = (Meta, Category, Department, Group, Task, Change)
    return {"TaskList": TaskList} | {f"list[{p.__name__}]": list[p] for p in parts}  # type: ignore[valid-type]


def name_of(kind: Any) -> str:
    """The name ``kind`` (:class:`ipq.models.TaskList`, or a list of one of its parts)
    is kept under."""
    if isinstance(kind, type):
        return kind.__name__
    (item,) = kind.__args__
    return f"list[{item.__name__}]"


@lru_cache(maxsize=1)
def _environment() -> str:
    """What the schemas are built from, besides ipq's rules: pydantic's and
    pydantic-core's versions and Python's. pydantic's is read from its version module's
    source, not imported (importing pydantic costs what this module saves)."""
    import pydantic_core

    spec = find_spec("pydantic")
    where = spec.submodule_search_locations if spec is not None else None
    if not where:
        raise LookupError("pydantic is not installed")
    version = (Path(next(iter(where))) / "version.py").read_bytes()
    from blake3 import blake3  # as the cache's keys (hashlib's import costs 3 ms)

    return "|".join(
        (FORMAT, sys.version, pydantic_core.__version__, str(blake3(version).hexdigest(16)))
    )


def _key() -> str:
    from .cache import rules_digest

    return f"{rules_digest().hex()}|{_environment()}"


def _built() -> dict[str, tuple[Any, Any]]:
    """Each kind's core schema and config, as pydantic builds them."""
    return {name: _build(kind) for name, kind in _kinds().items()}


def _build(kind: Any) -> tuple[Any, Any]:
    """``kind``'s core schema and config: the arguments pydantic gives pydantic-core."""
    from pydantic import TypeAdapter

    args = TypeAdapter(kind).validator.__reduce__()[1]
    return args[0], args[1]


def to_json_data(value: Any) -> Any:
    """A core schema as JSON data; ValueError for anything it cannot hold exactly."""
    if isinstance(value, dict):
        if _CLASS in value or not all(isinstance(k, str) for k in value):
            raise ValueError("a key JSON cannot hold")
        return {k: to_json_data(v) for k, v in value.items()}
    if type(value) is list:
        return [to_json_data(v) for v in value]
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, type) and _class(value.__name__) is value:
        return {_CLASS: value.__name__}
    raise ValueError(f"a value JSON cannot hold: {type(value).__name__}")


def from_json_data(value: Any) -> Any:
    """:func:`to_json_data` undone; ValueError for a class it would not write."""
    if isinstance(value, dict):
        if _CLASS in value:
            if len(value) != 1:
                raise ValueError("a class with other keys")
            found = _class(value[_CLASS])
            if found is None:
                raise ValueError(f"not a class of the models: {value[_CLASS]!r}")
            return found
        return {k: from_json_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_data(v) for v in value]
    return value


def _class(name: Any) -> type | None:
    """``list``, ``dict``, or the dataclass of :mod:`ipq.models` named ``name``."""
    from . import models

    if not isinstance(name, str):
        return None
    if name in _BUILTINS:
        return _BUILTINS[name]
    found = getattr(models, name, None)
    if isinstance(found, type) and is_dataclass(found) and found.__module__ == models.__name__:
        return found
    return None


def _read(key: str) -> dict[str, tuple[Any, Any]] | None:
    import msgspec

    from .cache import read_kept

    raw = read_kept(FILE)
    if raw is None:
        return None
    try:
        data = msgspec.json.decode(raw)
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        kinds = data["kinds"]
        out = {}
        for name in _kinds():
            schema, config = kinds[name]
            out[name] = (from_json_data(schema), from_json_data(config))
        return out
    except (msgspec.DecodeError, KeyError, TypeError, ValueError, RecursionError):
        return None


def _write(key: str, built: dict[str, tuple[Any, Any]]) -> None:
    import msgspec

    from .cache import keep

    try:
        kinds = {name: [to_json_data(s), to_json_data(c)] for name, (s, c) in built.items()}
    except ValueError:  # a pydantic that builds what JSON cannot hold: built every time
        return
    keep(FILE, msgspec.json.encode({"key": key, "kinds": kinds}))


@lru_cache(maxsize=1)
def _schemas() -> dict[str, tuple[Any, Any]]:
    from .cache import enabled

    if not enabled():
        return _built()
    try:
        key = _key()
    except (OSError, LookupError):
        return _built()
    found = _read(key)
    if found is None:
        found = _built()
        _write(key, found)
    return found


def _schema(kind: Any) -> tuple[Any, Any]:
    found = _schemas().get(name_of(kind))
    return _build(kind) if found is None else found  # a kind not kept (a merge's fields)


@cache
def validator(kind: Any) -> SchemaValidator:
    """pydantic's validator for ``kind`` (see :func:`name_of`)."""
    from pydantic_core import SchemaValidator

    return _made(SchemaValidator, kind)


@cache
def serializer(kind: Any) -> SchemaSerializer:
    """pydantic's serializer for ``kind`` (see :func:`name_of`)."""
    from pydantic_core import SchemaSerializer

    return _made(SchemaSerializer, kind)


def _made(make: Callable[..., _T], kind: Any) -> _T:
    """``make`` (pydantic-core's validator or serializer) of ``kind``'s schema; where a
    kept one is not a schema pydantic-core takes (a damaged file), of pydantic's own."""
    from pydantic_core import SchemaError

    try:
        return make(*_schema(kind))
    except SchemaError:
        return make(*_build(kind))

"""The validators pydantic builds, kept in the cache directory (ipq.schemas)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from ipq import cache, schemas
from ipq.errors import DataFileError
from ipq.models import Task
from ipq.store import bundled_path, read_bytes
from ipq.validation import dump_part, to_data, validate
from ipq.yamlio import parse_yaml

from .conftest import invoke


def _forget() -> None:
    for cached in (schemas._schemas, schemas.validator, schemas.serializer):
        cached.cache_clear()


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    """Each test reads (or builds) the schemas in its own cache directory."""
    _forget()
    yield
    _forget()


def _kept() -> Path:
    return cache.directory() / schemas.FILE


def _no_ids(value: Any) -> Any:
    """A core schema with the process's ids taken out of its refs ("ipq.models.Rule:1234")."""
    return json.loads(re.sub(r'(ipq\.models\.\w+):\d+"', r'\1"', json.dumps(_named(value))))


def _named(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _named(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_named(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return value


def test_what_is_kept_is_what_pydantic_builds_for_every_kind() -> None:
    schemas.validator(list[Task])  # builds them all, and keeps them
    assert _kept().is_file()
    _forget()
    read_back = schemas._schemas()
    assert set(read_back) == set(schemas._kinds())
    for name, kind in schemas._kinds().items():
        fresh = TypeAdapter(kind).validator.__reduce__()[1]
        assert _no_ids(read_back[name][0]) == _no_ids(fresh[0]), name
        assert read_back[name][1] == fresh[1], name
        assert schemas.name_of(kind) == name


def test_validation_and_dumps_are_the_same_read_back() -> None:
    raw = read_bytes(bundled_path())
    built = validate(parse_yaml(raw, "tasks.yaml"), "tasks.yaml")
    data = to_data(built)
    parts = [dump_part(built.tasks), dump_part(built.groups), dump_part(built.categories)]
    _forget()
    assert _kept().is_file()
    again = validate(parse_yaml(raw, "tasks.yaml"), "tasks.yaml")
    assert again == built
    assert to_data(again) == data
    assert [dump_part(again.tasks), dump_part(again.groups), dump_part(again.categories)] == parts


def _weaken_kept() -> None:
    """The kept schemas, with a task's id no longer strict (it would take "7")."""
    text = _kept().read_text()
    weaker = text.replace('{"type":"int","strict":true}', '{"type":"int"}')
    assert weaker != text
    _kept().write_text(weaker)
    os.chmod(_kept(), 0o600)


def _an_id_as_text() -> Any:
    data = parse_yaml(read_bytes(bundled_path()), "tasks.yaml")
    data["tasks"][0]["id"] = "1"
    return data


def test_kept_schemas_are_used_where_they_are_the_users_own() -> None:
    # the control for the tests below: a kept file is what validation uses
    validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml")
    _weaken_kept()
    _forget()
    assert validate(_an_id_as_text(), "t.yaml").tasks[0].id == 1


def test_a_kept_file_others_may_write_is_not_used() -> None:
    validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml")
    _weaken_kept()
    os.chmod(_kept(), 0o620)
    _forget()
    with pytest.raises(DataFileError) as err:
        validate(_an_id_as_text(), "t.yaml")
    assert "tasks[0].id: 应为整数" in "\n".join(err.value.problems)


def test_kept_schemas_of_another_environment_are_built_again() -> None:
    validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml")
    _weaken_kept()
    data = json.loads(_kept().read_text())
    data["key"] = data["key"].replace(schemas._environment(), "pydantic-core 0.0.1")
    _kept().write_text(json.dumps(data))
    _forget()
    with pytest.raises(DataFileError):
        validate(_an_id_as_text(), "t.yaml")
    assert json.loads(_kept().read_text())["key"] == schemas._key()  # rebuilt, kept anew


@pytest.mark.parametrize("name", ["os", "Path", "_Strict", "NATIONAL", 7])
def test_a_class_is_read_back_only_as_a_model_or_list_or_dict(name: Any) -> None:
    with pytest.raises(ValueError):
        schemas.from_json_data({"type": "dataclass", "cls": {"$class": name}})
    assert schemas.from_json_data({"cls": {"$class": "Task"}})["cls"].__name__ == "Task"
    assert schemas.from_json_data({"f": {"$class": "list"}}) == {"f": list}


def test_a_file_naming_another_class_is_not_used() -> None:
    validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml")
    text = _kept().read_text()
    _kept().write_text(text.replace('{"$class":"Meta"}', '{"$class":"subprocess.Popen"}', 1))
    _forget()
    assert schemas._read(schemas._key()) is None
    assert validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml").meta.year == 2019


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text.replace('"type":"dataclass"', '"type":"nonsense"'),
        lambda text: text.replace(
            '"kinds":{', '"kinds":{"x":' + "[" * 100_000 + "]" * 100_000 + ",", 1
        ),
        lambda text: text[: len(text) // 2],
        lambda text: text.replace('"kinds"', '"kinds_"'),
    ],
)
def test_a_damaged_kept_file_is_built_again(damage: Any) -> None:
    """Whatever is in the file, validation is pydantic's: never a traceback."""
    validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml")
    _kept().write_text(damage(_kept().read_text()))
    os.chmod(_kept(), 0o600)
    _forget()
    assert validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml").meta.year == 2019
    assert dump_part(validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t").tasks)
    with pytest.raises(DataFileError):
        validate(_an_id_as_text(), "t.yaml")


@pytest.mark.parametrize("value", [(1, 2), 1.5, b"x", {1: "a"}, {"$class": "Task"}])
def test_what_json_cannot_hold_exactly_is_not_kept(value: Any) -> None:
    with pytest.raises(ValueError):
        schemas.to_json_data({"type": "x", "v": value})


def test_nothing_is_kept_with_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPQ_NO_CACHE", "1")
    validate(parse_yaml(read_bytes(bundled_path()), "t.yaml"), "t.yaml")
    assert not _kept().exists()


def test_a_write_with_kept_schemas_imports_no_pydantic(data_copy: Path) -> None:
    """The point of keeping them: a mark's process loads pydantic-core only."""
    assert invoke("mark", "3", "-s", "done", "-f", str(data_copy)).exit_code == 0  # keeps
    probe = (
        "import sys\n"
        "from ipq.cli import main\n"
        "sys.argv = ['ipq', 'mark', '3', '-s', 'blocked', '-n', 'x', '-f', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(data_copy)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "status: blocked" in data_copy.read_text(encoding="utf-8")

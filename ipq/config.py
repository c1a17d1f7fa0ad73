"""The user's settings: a small TOML file in the user config directory.

One setting today, ``unit``: the province or CNIPA department the user works
for. ``IPQ_UNIT`` overrides the file (``IPQ_UNIT=`` with nothing turns it off).
Commands that act for a unit (``list``, ``obligations``, ``mark``, ``note``)
use it unless told otherwise with ``--province`` or ``--dept``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataFileError, UserError

ENV_UNIT = "IPQ_UNIT"
#: Every setting, with what it means (shown by `ipq config`).
KEYS: dict[str, str] = {"unit": "默认单位：省份（如 浙江省）或国家知识产权局的部门（如 商标局）"}


def path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("ipq", appauthor=False) / "config.toml"


def read() -> dict[str, Any]:
    file = path()
    if not file.exists():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the tests run on 3.11
        import tomli as tomllib  # type: ignore[import-not-found]
    from .store import read_bytes

    try:
        data: dict[str, Any] = tomllib.loads(read_bytes(file).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(
            f"{file}: 配置文件无法解析（{exc}）；可删除后重新 ipq config set"
        ) from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise DataFileError(f"{file}: 不认识的设置 {'、'.join(unknown)}（可用：{'、'.join(KEYS)}）")
    if not all(isinstance(v, str) for v in data.values()):
        raise DataFileError(f"{file}: 设置的值应为文本")
    return data


def _write(values: dict[str, Any]) -> Path:
    import tomli_w

    from .store import locked, make_dir, resolved, write_atomic

    file = path()
    make_dir(file.parent, "配置目录")
    real = resolved(file)
    with locked(real):
        write_atomic(real, tomli_w.dumps(values).encode("utf-8"))
    return file


def _key(name: str) -> str:
    if name not in KEYS:
        raise UserError(f"未知的设置“{name}”（可用：{'、'.join(KEYS)}）")
    return name


def set_value(name: str, value: str) -> Path:
    values = read()
    values[_key(name)] = value
    return _write(values)


def unset(name: str) -> bool:
    values = read()
    if values.pop(_key(name), None) is None:
        return False
    _write(values)
    return True


@dataclass(frozen=True)
class Setting:
    value: str
    origin: str  # where it came from, in words


def default_unit() -> Setting | None:
    """The unit from IPQ_UNIT, else from the config file, else None."""
    if ENV_UNIT in os.environ:
        value = os.environ[ENV_UNIT].strip()
        return Setting(value, f"环境变量 {ENV_UNIT}") if value else None
    stored = read().get("unit")
    return Setting(stored, f"配置文件 {path()}") if stored else None

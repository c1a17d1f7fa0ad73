"""Finding, loading and saving the data file.

* **Finding**: ``--file``/``IPQ_FILE`` > the user's working copy (made by the
  first change) > the bundled 2019 list, which is never modified.
* **Loading**: a safe YAML loader (libyaml's when present) that refuses aliases,
  then the pydantic models, then cross-references; every problem is reported as
  one line with its location, as a :class:`~ipq.errors.DataFileError`.
* **Saving**: under an exclusive lock, the new content is validated, written to
  a temporary file beside the old one, flushed and fsynced, and atomically
  replaces it; the directory is fsynced and the file's permissions are kept.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataFileError

if TYPE_CHECKING:
    from .models import Change, TaskList

BUNDLED_NAME = "tasks_2019.yaml"
ENV_FILE = "IPQ_FILE"
#: A data file larger than this is refused before it is read (the 10,000-task
#: benchmark list is about 100 MB).
MAX_FILE_BYTES = 512 * 1024 * 1024
#: How long a writer waits for another writer's lock before giving up.
LOCK_TIMEOUT = 60.0

# -- finding ----------------------------------------------------------------


def bundled_path() -> Path:
    """The bundled 2019 list, in a wheel (ipq/data/) or a source tree (data/)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / BUNDLED_NAME, here.parent / "data" / BUNDLED_NAME):
        if candidate.is_file():
            return candidate
    raise DataFileError(f"找不到内置任务清单 {BUNDLED_NAME}：安装不完整，请重新安装 ipq")


def working_copy_path() -> Path:
    """Where the first change to the bundled list puts the user's copy."""
    from platformdirs import user_data_path

    return user_data_path("ipq", appauthor=False) / BUNDLED_NAME


@dataclass(frozen=True)
class Location:
    """Which data file a command uses, and why."""

    path: Path
    origin: str  # "option", "env", "working-copy", "bundled"

    @property
    def is_bundled(self) -> bool:
        return self.origin == "bundled"

    def describe(self) -> str:
        return {
            "option": "由 --file 指定",
            "env": f"由环境变量 {ENV_FILE} 指定",
            "working-copy": "工作副本（首次修改时由内置清单复制）",
            "bundled": "内置的 2019 年任务清单（只读；首次修改时会复制为工作副本）",
        }[self.origin]


def locate(file: Path | None) -> Location:
    if file is not None:
        return Location(file, "option")
    env = os.environ.get(ENV_FILE)
    if env:
        return Location(Path(env), "env")
    copy = working_copy_path()
    if copy.exists():
        return Location(copy, "working-copy")
    return Location(bundled_path(), "bundled")


# -- loading ----------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise DataFileError(f"{path}: 这是一个目录，不是数据文件")
        if st.st_size > MAX_FILE_BYTES:
            raise DataFileError(
                f"{path.name or path}: 文件过大（{st.st_size // 2**20} MB，"
                f"上限 {MAX_FILE_BYTES // 2**20} MB）"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(f"{path}: 数据文件不存在") from None
    except PermissionError:
        raise DataFileError(f"{path}: 没有权限读取数据文件") from None
    except OSError as exc:
        raise DataFileError(f"{path}: 无法读取数据文件（{exc.strerror}）") from None


def parse(raw: bytes, name: str) -> TaskList:
    """Bytes of a data file -> a validated TaskList, or a DataFileError.

    The result for the same bytes is kept in the user's cache, so a read that
    finds it there needs neither YAML nor pydantic.
    """
    from . import cache

    cached = cache.get(raw)
    if cached is not None:
        return cached
    from .validation import validate
    from .yamlio import parse_yaml

    tl = validate(parse_yaml(raw, name), name, raw)
    cache.put(raw, tl)
    return tl


def load(path: Path) -> TaskList:
    return parse(read_bytes(path), path.name)


# -- saving -----------------------------------------------------------------


def dump(tl: TaskList) -> bytes:
    from .validation import to_data
    from .yamlio import dump_data

    return dump_data(to_data(tl))


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock for one read-modify-write of ``path``."""
    from filelock import FileLock, Timeout

    lock_path = path.with_name(f".{path.name}.lock")
    lock = FileLock(str(lock_path), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        raise DataFileError(
            f"{path}: 等待其他写入者超时（{LOCK_TIMEOUT:.0f} 秒），请稍后再试"
        ) from None
    except PermissionError:
        raise DataFileError(f"{path.parent}: 目录不可写，无法修改数据文件") from None
    except OSError as exc:
        raise DataFileError(f"{path.parent}: 无法创建锁文件（{exc.strerror}）") from None
    try:
        yield
    finally:
        lock.release()


#: Test hook: called with the name of each step of an atomic write.
_step_hook: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if _step_hook is not None:
        _step_hook(name)


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` so that a crash leaves old or new, never half."""
    directory = path.parent
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        _step("created")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            _step("written")
            fh.flush()
            os.fsync(fh.fileno())
        _step("synced")
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
        tmp_name = None
        _step("replaced")
        _fsync_dir(directory)
    except PermissionError:
        raise DataFileError(f"{path}: 没有写入权限，数据文件未修改") from None
    except OSError as exc:
        raise DataFileError(f"{path}: 写入失败（{exc.strerror}），数据文件未修改") from None
    finally:
        if tmp_name is not None:
            with suppress(OSError):
                os.unlink(tmp_name)


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files left by a writer that crashed (we hold the lock: none is live)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with suppress(OSError):
            stale.unlink()


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some file systems cannot, and the file is in place anyway."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def init_copy(path: Path | None, force: bool) -> Path:
    """Copy the bundled list to ``path`` (default: the working copy)."""
    from .errors import UserError

    target = path if path is not None else working_copy_path()
    if target.is_dir():
        raise UserError(f"{target} 是一个目录，请给出文件路径，如 {target / BUNDLED_NAME}")
    if target.exists() and not force:
        raise UserError(f"{target} 已存在；要覆盖请加 --force（原有进度会丢失）")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFileError(f"{target.parent}: 无法创建目录（{exc.strerror}）") from None
    content = read_bytes(bundled_path())
    with locked(target):
        write_atomic(target, content)
    return target


@dataclass
class Saved:
    path: Path
    created_copy: bool


def modify(
    location: Location, change: Callable[[TaskList], list[Change]]
) -> tuple[list[Change], Saved]:
    """Load, apply ``change`` (which may raise UserError), validate, save atomically.

    ``change`` returns the changes it made (marks touch their tasks; group
    changes their group); only those parts of the file are rewritten. Changes
    to the bundled list go to the user's working copy instead, created here
    under the same lock.
    """
    target = location.path
    if location.is_bundled:
        target = working_copy_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataFileError(
                f"{target.parent}: 无法创建工作副本目录（{exc.strerror}）"
            ) from None
    from . import cache
    from .validation import to_data, validate
    from .yamlio import dump_data, splice

    with locked(target):
        source = target if target.exists() else location.path
        created = source != target
        raw = read_bytes(source)
        tl = parse(raw, source.name)
        history_before = len(tl.history)
        changes = change(tl)
        if not changes:  # nothing changed: nothing is written, no copy is made
            return changes, Saved(target, False)
        data = to_data(tl)
        checked = validate(data, target.name)  # never write what would not load back
        content = None
        if all(ch.action == "mark" for ch in changes):
            touched = {ch.task for ch in changes if ch.task is not None}
            content = splice(raw, checked, touched, min(history_before, len(tl.history)))
        if content is None:
            content = dump_data(data)
        _remove_stale_temporaries(target)
        write_atomic(target, content)
        cache.put(content, checked)
        if source == target:
            cache.discard(raw)  # the old bytes are gone: their entry would only take room
    return changes, Saved(target, created)

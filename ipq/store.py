"""Finding, loading and saving the data file.

* **Finding**: ``--file``/``IPQ_FILE`` > the user's working copy (made by the
  first change) > the bundled 2019 list, which is never modified.
* **Loading**: a safe YAML loader (libyaml's when present) that refuses aliases,
  then the pydantic models, then cross-references; every problem is reported as
  one line with its location, as a :class:`~ipq.errors.DataFileError`.
* **Saving**: under an exclusive lock (beside the real file, symlinks
  resolved), the new bytes are proven -- parsed back and compared with the
  intended list -- then written to a temporary file beside the old one,
  flushed and fsynced, and atomically replace it; the directory is fsynced and
  the file's mode, owner and group are kept. Files an atomic replace would
  damage (several hard links) or that the user may not write are refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataFileError

if TYPE_CHECKING:
    from .cache import ForWrite
    from .lazyhistory import Encoded
    from .models import Change, TaskList
    from .parts import Spans

BUNDLED_NAME = "tasks_2019.yaml"
ENV_FILE = "IPQ_FILE"
#: A data file larger than this is refused before it is read (the 10,000-task
#: benchmark list is about 100 MB; the real list 33 KB).
MAX_FILE_BYTES = 256 * 1024 * 1024
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


def make_dir(folder: Path, what: str = "目录") -> None:
    """Create ``folder`` (and its parents), or say in one line why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFileError(f"{folder}: 无法创建{what}（{exc.strerror}）") from None


# -- loading ----------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[tuple[int, os.stat_result]]:
    """A descriptor of a regular file of sane size, and its status; anything else is refused.

    The file is opened without blocking (a FIFO would otherwise wait for a
    writer) and checked on the open descriptor, so what is checked is what is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise DataFileError(f"{path}: 数据文件不存在") from None
    except IsADirectoryError:
        raise DataFileError(f"{path}: 这是一个目录，不是数据文件") from None
    except PermissionError:
        raise DataFileError(f"{path}: 没有权限读取数据文件") from None
    except OSError as exc:
        raise DataFileError(f"{path}: 无法读取数据文件（{exc.strerror}）") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise DataFileError(f"{path}: 这是一个目录，不是数据文件")
        if not stat.S_ISREG(st.st_mode):
            raise DataFileError(f"{path}: 不是普通文件（设备、管道或套接字），不能作为数据文件")
        if st.st_size > MAX_FILE_BYTES:
            raise DataFileError(_too_large(path, st.st_size))
        yield fd, st
    except PermissionError:
        raise DataFileError(f"{path}: 没有权限读取数据文件") from None
    except OSError as exc:
        raise DataFileError(f"{path}: 无法读取数据文件（{exc.strerror}）") from None
    finally:
        os.close(fd)


def _read_all(path: Path, fd: int, st: os.stat_result) -> bytes:
    chunks = []
    size = 0
    want = st.st_size + 1  # the whole file in one read (one copy), if it stays as it is
    while chunk := os.read(fd, want):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_FILE_BYTES:  # it grew while being read
            raise DataFileError(_too_large(path, size))
        want = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of sane size; anything else is refused before reading."""
    with _opened(path) as (fd, st):
        return _read_all(path, fd, st)


def _too_large(path: Path, size: int) -> str:
    return (
        f"{path.name or path}: 文件过大（{size // 2**20} MB，上限 {MAX_FILE_BYTES // 2**20} MB），"
        "不是任务清单"
    )


def parse(raw: bytes, name: str, use_cache: bool = True, history: bool = True) -> TaskList:
    """Bytes of a data file -> a validated TaskList, or a DataFileError.

    With ``use_cache``, the result for the same bytes may come from the user's
    cache (which holds only lists parsed from exactly those bytes), so such a
    read needs neither YAML nor pydantic; a fresh parse is filed there.
    ``history=False``: a list from the cache comes without its history (for a
    command that reads none and writes nothing); a fresh parse has it anyway.
    """
    return _parse_taken([raw], name, use_cache, history, lambda: raw)


def _parse_taken(
    box: list[bytes],
    name: str,
    use_cache: bool,
    history: bool,
    again: Callable[[], bytes | None],
    digest: str | None = None,
    provinces: bool | str = True,
) -> TaskList:
    """:func:`parse` of the bytes ``box`` holds (see :func:`_parse_fresh_taken`);
    ``digest``: their cache key, where the caller has it."""
    from . import cache

    if use_cache and cache.enabled():
        digest = digest or cache.key(box[0])
        cached = cache.get_by_key(digest, history, provinces)
        if cached is not None:
            return cached
    tl, spans = _parse_fresh_taken(box, name, again)
    if use_cache and digest is not None:
        cache.put_under(digest, tl, spans)
    return tl


def parse_for_write(raw: bytes, name: str, use_cache: bool = True) -> ForWrite:
    """:func:`parse` with its history, where its parts are (see :mod:`ipq.parts`), and
    what the cache has of it (:class:`ipq.cache.ForWrite`). ``use_cache=False``: not
    from the cache (the parse is filed there all the same)."""
    from . import cache

    digest = cache.key(raw) if cache.enabled() else None
    found = cache.get_for_write(raw, digest) if digest and use_cache else None
    if found is not None:
        return found
    tl, spans = parse_fresh_spans(raw, name)
    if digest:
        cache.put_under(digest, tl, spans)
    return cache.ForWrite(tl, spans, None, None, digest)


def parse_fresh(raw: bytes, name: str) -> TaskList:
    """YAML and every validation rule, never the cache."""
    return parse_fresh_spans(raw, name)[0]


def parse_fresh_spans(raw: bytes, name: str) -> tuple[TaskList, Spans | None]:
    """:func:`parse_fresh`, and where the parser found its parts (None where they may
    not be used: see :func:`ipq.parts.spans_of`)."""
    return _parse_fresh_taken([raw], name, lambda: raw)


def _parse_fresh_taken(
    box: list[bytes], name: str, again: Callable[[], bytes | None]
) -> tuple[TaskList, Spans | None]:
    """:func:`parse_fresh_spans` of the bytes ``box`` holds. They are taken out of it
    and let go once parsed, before validation (where the caller holds them no more,
    their memory is free then: 112 MB at 10,000 tasks); a validation error gets them
    back from ``again`` for its lines (None: without)."""
    from .parts import spans_of
    from .validation import validate_upgrading
    from .yamlio import parse_yaml_marked

    raw = box.pop()
    data, marks = parse_yaml_marked(raw, name)
    spans = spans_of(raw, marks, False)
    del raw
    tl, upgraded = validate_upgrading(data, name, again)
    return tl, None if upgraded else spans


def load(
    path: Path, use_cache: bool = True, history: bool = True, provinces: bool | str = True
) -> TaskList:
    """:func:`parse` of the file's bytes; an entry in the cache is found without reading
    the whole file into memory (it is hashed a piece at a time). Its bytes are let go
    before validation; an error reads the file again for its lines, if it still
    holds the same bytes. ``provinces=False``: a list from the cache comes without its
    tasks' province progress, or with one province's alone where it is that province's
    full name (see :func:`ipq.cache.get_by_key`), for a read that uses no other; a
    fresh parse has it all anyway."""
    from . import cache

    with _opened(path) as (fd, st):
        if use_cache and cache.enabled():
            found = None
            with suppress(OSError):
                found = cache.get_by_key(cache.key_of_file(fd), history, provinces)
            if found is not None:
                return found
            os.lseek(fd, 0, os.SEEK_SET)
        box = [_read_all(path, fd, st)]
    # hashed again: the file may have changed since it was hashed in pieces, and an
    # entry is only ever filed under the bytes that were parsed
    digest = cache.key(box[0])

    def again() -> bytes | None:
        with suppress(DataFileError):
            raw = read_bytes(path)
            if cache.key(raw) == digest:
                return raw
        return None

    return _parse_taken(box, path.name, use_cache, history, again, digest, provinces)


# -- saving -----------------------------------------------------------------


def dump(tl: TaskList) -> bytes:
    from .validation import to_data
    from .yamlio import dump_data

    return dump_data(to_data(tl))


def _lock_mode(data: os.stat_result | None, directory: os.stat_result | None) -> int:
    """The lock file may be used by whoever may write the data file.

    In a shared team directory (group-writable, often setgid) the data file is
    group-writable, and so is its lock: otherwise the first member to lock would
    shut every other member out for good.
    """
    basis = data or directory
    return 0o644 | (stat.S_IMODE(basis.st_mode) & 0o022 if basis else 0)


def _prepare_lock(lock_path: Path, data_path: Path) -> None:
    """Create the lock file with the data file's group and group write bit."""
    try:
        data: os.stat_result | None = os.stat(data_path)
    except OSError:
        data = None
    try:
        directory: os.stat_result | None = os.stat(data_path.parent)
    except OSError:
        directory = None
    mode = _lock_mode(data, directory)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(lock_path, flags, mode)
    except FileExistsError:
        # made by an older ipq with 0644: let the group in, if it is ours to change
        with suppress(OSError):
            st = os.stat(lock_path, follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) & mode != mode:
                os.chmod(lock_path, stat.S_IMODE(st.st_mode) | mode)
        return
    except OSError:
        return  # the lock itself reports why
    try:
        with suppress(OSError):
            os.fchmod(fd, mode)  # the umask does not apply
            if data is not None and os.fstat(fd).st_gid != data.st_gid:
                os.fchown(fd, -1, data.st_gid)
    finally:
        os.close(fd)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock for one read-modify-write of ``path`` (a resolved path)."""
    from filelock import FileLock, Timeout

    lock_path = path.with_name(f".{path.name}.lock")
    _prepare_lock(lock_path, path)
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


#: Temporary files of a write: ``.NAME.ipq-XXXXXXXX.tmp`` beside the file.
_TMP_INFIX = ".ipq-"


def resolved(path: Path) -> Path:
    """The file a path names: a symlink is written through to its target."""
    return Path(os.path.realpath(path))


def check_replaceable(path: Path) -> None:
    """Refuse what an atomic replace would damage, or what the user may not write."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DataFileError(f"{path}: 无法读取文件信息（{exc.strerror}）") from None
    if not stat.S_ISREG(st.st_mode):
        raise DataFileError(f"{path}: 不是普通文件，不能写入")
    if st.st_nlink > 1:
        raise DataFileError(
            f"{path}: 这个文件有 {st.st_nlink} 个硬链接，替换它会使其他链接停在旧内容；"
            "请先复制为独立的文件（cp）再修改，数据文件未修改"
        )
    effective = os.access in os.supports_effective_ids
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK, effective_ids=effective):
        raise DataFileError(f"{path}: 没有写入这个文件的权限（文件为只读），数据文件未修改")


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """The old file's owner and group, as far as this user may set them."""
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except OSError:
        with suppress(OSError):
            os.fchown(fd, -1, st.st_gid)


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, content: bytes | Sequence[Encoded]) -> None:
    """Replace ``path`` with ``content`` (bytes, or the pieces they are joined from) so
    that a crash leaves old or new, never half.

    ``path`` is the file itself (symlinks resolved by the caller); its mode,
    owner and group are kept where the user may keep them.
    """
    directory = path.parent
    try:
        old: os.stat_result | None = os.stat(path)
    except OSError:
        old = None
    mode = stat.S_IMODE(old.st_mode) if old else _new_file_mode()
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}{_TMP_INFIX}", suffix=".tmp", dir=directory
        )
        _step("created")
        with os.fdopen(fd, "wb") as fh:
            for piece in [content] if isinstance(content, bytes) else content:
                fh.write(piece)
            _step("written")
            fh.flush()
            os.fsync(fh.fileno())
            if old is not None and hasattr(os, "fchown"):
                _keep_owner(fh.fileno(), old)
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)  # after chown, which may clear bits
        _step("synced")
        if not hasattr(os, "fchmod"):
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
    import re

    pattern = re.compile(re.escape(f".{path.name}{_TMP_INFIX}") + r"[A-Za-z0-9_]{8}\.tmp")
    with suppress(OSError):
        for entry in os.scandir(path.parent):
            if pattern.fullmatch(entry.name):
                with suppress(OSError):
                    os.unlink(entry.path)


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
    make_dir(target.parent)
    content = read_bytes(bundled_path())
    real = resolved(target)
    with locked(real):
        check_replaceable(real)
        write_atomic(real, content)
    return target


@dataclass
class Saved:
    path: Path
    created_copy: bool
    # what the file now holds, as read back (its history may be an ipq.lazyhistory
    # EncodedHistory: a sequence of the entries, each decoded when read)
    ledger: TaskList | None = None
    by_parts: bool = False  # proven by its parts (ipq.parts), not by a parse of all of it


def proven_content(
    raw: bytes,
    intended: TaskList,
    name: str,
    tasks: set[int],
    groups: set[str],
    history_kept: int,
) -> tuple[bytes, TaskList, Spans | None]:
    """Bytes that load to exactly ``intended``, what they load to, and its spans.

    Candidates, in order: ``raw`` with only what changed rewritten (keeping
    line endings, comments and the rest of the layout), the whole list dumped
    in the file's line endings, the whole list dumped plainly. A file without a
    final newline gets one where the text needs it (a note that ends in a
    newline, last in the file). Each candidate is parsed back -- YAML and every
    rule, no cache -- and compared with ``intended``; the first that matches is
    the one to write. None matching is refused.
    """
    from dataclasses import replace

    from .splice import Layout, splice
    from .validation import to_data
    from .yamlio import dump_data

    layout = Layout.of(raw)
    layouts = [layout] if layout.final_newline else [layout, replace(layout, final_newline=True)]

    def candidates() -> Iterator[bytes | None]:
        for kept in layouts:
            yield splice(raw, intended, tasks, groups, history_kept, kept)
        whole = dump_data(to_data(intended))
        for kept in layouts:
            yield kept.restore(whole)
        yield whole

    for content in candidates():
        if content is None:
            continue
        try:
            proof, spans = parse_fresh_spans(content, name)
        except DataFileError:
            continue
        if proof == intended:
            return content, proof, spans
    raise DataFileError(
        f"{name}: 写出的内容读回后与预期不符，为安全起见没有写入；数据文件未修改（请报告此问题）"
    )


def modify(
    location: Location, change: Callable[[TaskList], list[Change]]
) -> tuple[list[Change], Saved]:
    """Load, apply ``change`` (which may raise UserError), prove, save atomically.

    ``change`` returns the changes it made. The new bytes are proven to load
    to the intended list before they replace the file: by the parts that
    changed where the file's layout allows (:func:`ipq.parts.prove`), else by
    parsing all of them (:func:`proven_content`).
    A symlinked file is written through to its target and locked there.
    Changes to the bundled list go to the user's working copy instead, created
    here under the same lock.

    Where the cache entry read turns out damaged in the middle (bytes of it are
    decoded only when the change uses them: :mod:`ipq.lazyhistory`), nothing has been
    written: the whole write starts again from the file, whose parse replaces the entry.
    """
    from .lazyhistory import Damaged

    try:
        return _modify(location, change, use_cache=True)
    except Damaged:
        return _modify(location, change, use_cache=False)


def _modify(
    location: Location, change: Callable[[TaskList], list[Change]], use_cache: bool
) -> tuple[list[Change], Saved]:
    if location.is_bundled:
        copy = working_copy_path()
        make_dir(copy.parent, "工作副本目录")
        target = resolved(copy)
    else:
        target = resolved(location.path)
    from . import cache
    from .lazyhistory import EncodedHistory
    from .parts import Snapshot, prove
    from .validation import to_data, validate

    if os.path.lexists(target):
        check_replaceable(target)  # say so before the lock, which such a user may not take
    with locked(target):
        exists = os.path.lexists(target)
        source = target if exists else location.path
        if exists:
            check_replaceable(target)
        raw = read_bytes(source)
        read = parse_for_write(raw, source.name, use_cache)
        tl, spans, old_key = read.tl, read.spans, read.key
        before = Snapshot.of(tl, read.history, read.pieces) if spans is not None else None
        history_before = len(tl.history)
        changes = change(tl)
        if not changes:  # nothing changed: nothing is written, no copy is made
            return changes, Saved(target, False)
        tasks = {ch.task for ch in changes if ch.task is not None}
        groups = {ch.group for ch in changes if ch.group is not None}
        kept = min(history_before, len(tl.history))
        by_parts = None
        if spans is not None and before is not None:
            by_parts = prove(raw, spans, before, tl, tasks, groups, kept, target.name)
        encoded = reuse = None
        content: bytes | list[Encoded]
        if by_parts is not None:
            content, spans, proof = by_parts.content, by_parts.spans, tl
            encoded, reuse = by_parts.history, by_parts.reuse
        else:
            if isinstance(tl.history, EncodedHistory):
                tl.history = tl.history.decoded()  # the whole list, for pydantic
            intended = validate(to_data(tl), target.name)  # never write what would not load back
            content, proof, spans = proven_content(raw, intended, target.name, tasks, groups, kept)
        _remove_stale_temporaries(target)
        write_atomic(target, content)
        cache.put(content, proof, spans, encoded, reuse)  # what exactly these bytes parse to
        if source == target and old_key is not None:
            cache.discard(old_key)  # the old bytes are gone: their entry would only take room
    return changes, Saved(target, not exists, proof, by_parts is not None)


def merge_files(base: Path, ours: Path, theirs: Path) -> Any:
    """git's merge driver: merge three versions; a clean result replaces ``ours``.

    The result is validated and proven like any write (and keeps ``ours``'s
    layout where it can). With conflicts, ``ours`` is left as it was.
    """
    from .merge import merge
    from .validation import to_data, validate

    raw = read_bytes(ours)
    original = parse(raw, ours.name)
    mine = parse(raw, ours.name)
    result = merge(load(base), mine, load(theirs))
    if result.ledger is None:
        return result
    try:
        intended = validate(to_data(result.ledger), ours.name)
    except DataFileError as exc:
        result.conflicts += exc.problems or [exc.message]
        result.ledger = None
        return result
    kept = 0
    for a, b in zip(original.history, intended.history, strict=False):
        if a != b:
            break
        kept += 1
    # what the merge changed in ours, for the splice (the proof checks it all anyway)
    tasks_before = {t.id: t for t in original.tasks}
    groups_before = {g.name: g for g in original.groups}
    tasks = {t.id for t in intended.tasks if tasks_before.get(t.id) != t}
    groups = {g.name for g in intended.groups if groups_before.get(g.name) != g}
    content, proof, spans = proven_content(raw, intended, ours.name, tasks, groups, kept)
    write_atomic(resolved(ours), content)
    from . import cache

    cache.put(content, proof, spans)
    result.ledger = proof
    return result

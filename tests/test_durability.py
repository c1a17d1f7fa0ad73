"""Nothing is lost: concurrent writers, crashes at every step, failures, undo."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipq import store
from ipq.errors import DataFileError, UserError
from ipq.ledger import mark, undo
from ipq.models import Change
from ipq.names import PROVINCE_NAMES
from ipq.query import duty_level, national_status
from ipq.store import bundled_path, dump, load, parse

from .conftest import invoke


def test_concurrent_marks_all_land(data_copy: Path) -> None:
    def one(task: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "ipq",
                "mark",
                str(task),
                "-s",
                "done",
                "-n",
                f"n{task}",
                "-f",
                str(data_copy),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )

    with ThreadPoolExecutor(max_workers=18) as pool:
        results = list(pool.map(one, range(1, 19)))
    assert [r.returncode for r in results] == [0] * 18, [r.stderr for r in results]
    tl = load(data_copy)
    assert all(national_status(t) == "done" for t in tl.tasks)
    assert all(t.department_progress(d).note == f"n{t.id}" for t in tl.tasks for d in t.departments)
    # one entry per department of each task, the entries of one command sharing its seq
    assert len(tl.history) == sum(len(t.departments) for t in tl.tasks)
    assert (
        sorted({(ch.seq, ch.task) for ch in tl.history})
        == sorted(
            zip(
                sorted({ch.seq for ch in tl.history}),
                sorted({ch.task for ch in tl.history}),
                strict=True,
            )
        )
        or len({ch.seq for ch in tl.history}) == 18
    )
    assert sorted({ch.seq for ch in tl.history}) == list(range(1, 19))
    assert all(len({ch.task for ch in tl.history if ch.seq == s}) == 1 for s in range(1, 19))


CRASH = """
import os, sys
import ipq.store as store
crash_at, path = sys.argv[1], sys.argv[2]
def hook(step):
    if step == crash_at:
        os._exit(99)
store._step_hook = hook
from ipq.cli import main
sys.argv = ["ipq", "mark", "12", "-s", "done", "-f", path]
main()
"""


@pytest.mark.parametrize("step", ["created", "written", "synced", "replaced"])
def test_a_crash_at_any_step_leaves_old_or_new(data_copy: Path, step: str) -> None:
    old = data_copy.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, step, str(data_copy)], capture_output=True, timeout=60
    )
    assert proc.returncode == 99
    now = data_copy.read_bytes()
    tl = parse(now, "x")  # always a valid file
    if step == "replaced":
        assert national_status(tl.task(12)) == "done"
    else:
        assert now == old
    # the next writer is not blocked by the crashed one, and gets its change in
    assert invoke("mark", "13", "-s", "done", "-f", str(data_copy)).exit_code == 0
    assert national_status(load(data_copy).task(13)) == "done"
    assert list(data_copy.parent.glob("*.tmp")) == []  # the crashed writer's leftovers are gone


@pytest.mark.parametrize(
    ("where", "error", "message"),
    [
        (
            "mkstemp",
            PermissionError(errno.EACCES, "Permission denied"),
            "没有写入权限，数据文件未修改",
        ),
        (
            "fsync",
            OSError(errno.ENOSPC, "No space left on device"),
            "写入失败（No space left on device），数据文件未修改",
        ),
        (
            "replace",
            OSError(errno.EIO, "Input/output error"),
            "写入失败（Input/output error），数据文件未修改",
        ),
    ],
)
def test_write_failures_leave_the_file_intact(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, where: str, error: OSError, message: str
) -> None:
    old = data_copy.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    target = store.tempfile if where == "mkstemp" else store.os
    monkeypatch.setattr(target, where, fail)
    res = invoke("mark", "12", "-s", "done", "-f", str(data_copy))
    monkeypatch.undo()
    assert res.exit_code == 2
    assert res.stderr.strip().endswith(message)
    assert len(res.stderr.strip().splitlines()) == 1
    assert data_copy.read_bytes() == old
    assert sorted(p.name for p in data_copy.parent.iterdir() if not p.name.endswith(".lock")) == [
        data_copy.name
    ]


def test_permissions_are_kept(data_copy: Path) -> None:
    data_copy.chmod(0o640)
    invoke("mark", "12", "-s", "done", "-f", str(data_copy))
    assert data_copy.stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions"
)
def test_read_only_directory(data_copy: Path) -> None:
    old = data_copy.read_bytes()
    data_copy.parent.chmod(0o555)
    try:
        res = invoke("mark", "12", "-s", "done", "-f", str(data_copy))
    finally:
        data_copy.parent.chmod(0o755)
    assert res.exit_code == 2 and "不可写" in res.stderr or "没有写入权限" in res.stderr
    assert data_copy.read_bytes() == old


def test_an_invalid_result_is_never_written(data_copy: Path) -> None:
    old = data_copy.read_bytes()

    def breaks(tl):  # type: ignore[no-untyped-def]
        tl.tasks[0].departments.append("商标处")
        return [Change(seq=1, at="2019-06-30T10:00:00+08:00", task=1, old="todo", new="done")]

    with pytest.raises(DataFileError) as info:
        store.modify(store.Location(data_copy, "option"), breaks)
    assert any("未知的部门“商标处”" in line for line in info.value.problems)
    assert data_copy.read_bytes() == old


ORIGINAL = bundled_path().read_bytes()


def asks_something(tl, task: int, province: str | None) -> bool:  # type: ignore[no-untyped-def]
    return province is None or any(duty_level(tl, d, province) for d in tl.task(task).duties)


ops = st.lists(
    st.tuples(
        st.integers(1, 18),
        st.sampled_from(["todo", "in_progress", "done", "blocked"]),
        st.one_of(st.none(), st.sampled_from(PROVINCE_NAMES)),
        st.one_of(st.none(), st.text(min_size=1, max_size=20)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_marks_then_as_many_undos_give_the_original_bytes(sequence: list[tuple]) -> None:
    tl = parse(ORIGINAL, "tasks_2019.yaml")
    made = 0
    for task, status, province, note in sequence:
        if not asks_something(tl, task, province):
            with pytest.raises(UserError):
                mark(tl, [str(task)], status, note, province)
            continue
        if mark(tl, [str(task)], status, note, province):
            made += 1
        content = dump(tl)
        assert (
            dump(parse(content, "x")) == content
        )  # every state loads and saves back byte for byte
    for _ in range(made):
        undo(tl)
    assert tl.history == []
    assert dump(tl) == ORIGINAL


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops)
def test_the_same_through_the_file(tmp_path: Path, sequence: list[tuple]) -> None:
    path = tmp_path / "ledger.yaml"
    path.write_bytes(ORIGINAL)
    location = store.Location(path, "option")
    made = 0
    for task, status, province, note in sequence:
        if not asks_something(load(path), task, province):
            continue

        def one_mark(tl, task=task, status=status, note=note, province=province):  # type: ignore[no-untyped-def]
            return mark(tl, [str(task)], status, note, province)

        changes, _ = store.modify(location, one_mark)
        made += bool(changes)
        # what was spliced in is exactly what a full dump writes
        assert path.read_bytes() == dump(parse(path.read_bytes(), "x"))
    for _ in range(made):
        store.modify(location, undo)
        assert path.read_bytes() == dump(parse(path.read_bytes(), "x"))
    assert path.read_bytes() == ORIGINAL


def test_notes_with_any_text_round_trip(data_copy: Path) -> None:
    note = "第一行\n第二行：包含 'quotes'、\"双引号\"、#号、: 冒号 [] {} & * ! | > % @ `"
    res = invoke("mark", "12", "-s", "blocked", "-n", note, "-f", str(data_copy))
    assert res.exit_code == 0
    assert json.loads(invoke("show", "12", "--json", "-f", str(data_copy)).stdout)["note"] == note
    raw = data_copy.read_bytes()
    assert dump(parse(raw, "x")) == raw


@pytest.mark.parametrize(
    "layout",
    ["groups after tasks", "history before tasks", "a comment line between tasks"],
)
def test_marks_on_files_laid_out_by_hand_lose_nothing(
    data_copy: Path, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file in another order is rewritten whole, never spliced into the wrong place."""
    monkeypatch.setenv("IPQ_NO_CACHE", "1")  # read what the file holds, not what was cached
    text = data_copy.read_text(encoding="utf-8")
    groups = text[text.index("groups:\n") : text.index("tasks:\n")]
    if layout == "groups after tasks":
        text = text.replace(groups, "") + groups
    elif layout == "history before tasks":
        text = text.replace("tasks:\n", "history: []\ntasks:\n")
    else:
        text = text.replace("- id: 18\n", "# the last one\n- id: 18\n")
    data_copy.write_text(text, encoding="utf-8")
    before = load(data_copy)
    assert invoke("mark", "18", "-s", "done", "-f", str(data_copy)).exit_code == 0
    after = load(data_copy)
    assert after.groups == before.groups
    assert national_status(after.task(18)) == "done"
    assert [t.id for t in after.tasks] == list(range(1, 19))
    assert len(after.history) == 1

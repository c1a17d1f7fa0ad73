"""One ledger, many offices (issue 12): real git repositories, no mocks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ipq.store import bundled_path, parse_fresh

from .conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

LEDGER = "ledger.yaml"


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc


def ipq(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "IPQ_FILE": str(cwd / LEDGER), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ipq", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def clone(origin: Path, where: Path, name: str) -> Path:
    git(where.parent, "clone", "-q", str(origin), str(where))
    git(where, "config", "user.name", name)
    git(where, "config", "user.email", f"{name}@example.org")
    git(where, "config", "pull.rebase", "false")
    ok(ipq(where, "git-setup"))
    return where


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    git(seed, "config", "user.name", "seed")
    git(seed, "config", "user.email", "seed@example.org")
    shutil.copyfile(bundled_path(), seed / LEDGER)
    out = ok(ipq(seed, "git-setup"))
    assert ".gitattributes" in out and "merge.ipq.driver" in out
    assert ok(ipq(seed, "git-setup")).strip() == "合并驱动已登记，无需改动。"  # twice: nothing more
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "the ledger")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def history(where: Path) -> list[dict[str, object]]:
    return json.loads(ok(ipq(where, "history", "--json")))


def test_where_tells_the_repository_the_driver_and_uncommitted_changes(
    origin: Path, tmp_path: Path
) -> None:
    a = tmp_path / "a"
    git(tmp_path, "clone", "-q", str(origin), str(a))
    res = ipq(a, "where")
    assert (
        "合并驱动未启用（运行 ipq git-setup）" in res.stderr
    )  # the attribute came along, not the config
    ok(ipq(a, "git-setup"))
    assert "合并驱动已启用；台账没有未提交的修改" in ipq(a, "where").stderr
    for read in (["list"], ["show", "3"], ["board"], ["summary"], ["where"]):
        ok(ipq(a, *read))
    assert git(a, "status", "--porcelain").stdout == ""  # read commands never write
    ok(ipq(a, "mark", "3", "-s", "done"))
    assert "台账有未提交的修改" in ipq(a, "where").stderr
    assert git(a, "log", "--oneline").stdout.count("\n") == 1  # a write never commits


@pytest.mark.parametrize("pull", ["merge", "rebase"])
def test_marks_made_apart_merge_without_conflict(origin: Path, tmp_path: Path, pull: str) -> None:
    a, b = clone(origin, tmp_path / "a", "a"), clone(origin, tmp_path / "b", "b")
    ok(ipq(a, "mark", "5", "-p", "浙江", "-s", "done", "-n", "A 的备注"))
    ok(ipq(a, "groups", "add", "保护中心", "浙江", "--source", "批复"))
    git(a, "commit", "-qam", "a")
    git(a, "push", "-q")
    ok(ipq(b, "mark", "6", "-p", "江苏", "-s", "blocked"))
    ok(ipq(b, "groups", "exclude", "保护中心", "西藏", "--source", "声明"))
    git(b, "commit", "-qam", "b")
    git(b, "pull", "-q", "--no-edit", *(["--rebase"] if pull == "rebase" else []))
    tl = parse_fresh((b / LEDGER).read_bytes(), LEDGER)
    assert tl.task(5).duty_progress("浙江省", 1).status == "done"
    assert tl.task(6).duty_progress("江苏省", 1).status == "blocked"
    g = tl.group("知识产权保护中心涉及省份")
    assert (g.membership("浙江省"), g.membership("西藏自治区")) == (True, False)
    assert len(tl.history) == 4 and len({c.key() for c in tl.history}) == 4
    assert sorted({c.seq for c in tl.history}) == [1, 2, 3, 4]  # each command its own seq
    ok(ipq(b, "validate"))
    git(b, "push", "-q")


def test_the_same_part_changed_on_both_sides_takes_the_later_and_keeps_both(
    origin: Path, tmp_path: Path
) -> None:
    a, b = clone(origin, tmp_path / "a", "a"), clone(origin, tmp_path / "b", "b")
    ok(ipq(a, "mark", "3", "-s", "in_progress", "-n", "A"))
    ok(ipq(b, "mark", "8.2", "-p", "浙江", "-s", "blocked", "-n", "B 先"))
    time.sleep(1.1)  # the times are to the second
    ok(ipq(a, "mark", "8.2", "-p", "浙江", "-s", "done", "-n", "A 后"))
    git(a, "commit", "-qam", "a")
    git(a, "push", "-q")
    time.sleep(1.1)
    ok(ipq(b, "mark", "3", "-s", "done", "-n", "B"))
    git(b, "commit", "-qam", "b")
    res = git(b, "pull", "--no-edit")
    said = res.stderr + res.stdout
    assert "任务 3（商标局）：两边都改了，采用较晚的“已完成”" in said
    assert "任务 8.2（浙江省）：两边都改了，采用较晚的“已完成”" in said  # a province's duty too
    shown = json.loads(ok(ipq(b, "show", "3", "--json")))
    assert (shown["status"], shown["note"]) == ("done", "B")
    duty = json.loads(ok(ipq(b, "show", "8", "--json")))["provinces_progress"]
    assert [(d["number"], d["status"], d["note"]) for d in duty] == [("8.2", "done", "A 后")]
    said = [(h["new"], h["note"]) for h in history(b)]  # both sides' changes, in time order
    assert said[:2] == [("done", "B"), ("done", "A 后")]  # (the first two came in one second)
    assert set(said[2:]) == {("blocked", "B 先"), ("in_progress", "A")}
    # and the other way round: A pulls, B's later mark still wins
    git(b, "push", "-q")
    git(a, "pull", "-q", "--no-edit")
    assert json.loads(ok(ipq(a, "show", "3", "--json")))["status"] == "done"


def test_the_list_text_changed_apart_is_a_real_conflict(origin: Path, tmp_path: Path) -> None:
    a, b = clone(origin, tmp_path / "a", "a"), clone(origin, tmp_path / "b", "b")
    for where, words in ((a, "（甲改）"), (b, "（乙改）")):
        path = where / LEDGER
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("title: 全力压减审查周期", f"title: 全力压减审查周期{words}", 1),
            encoding="utf-8",
        )
        git(where, "commit", "-qam", f"edit {words}")
    git(a, "push", "-q")
    ours = (b / LEDGER).read_bytes()
    res = git(b, "pull", "--no-edit", check=False)
    assert res.returncode != 0 and "CONFLICT" in res.stdout
    assert "冲突：任务 1 的任务名称两边都改了，且改得不同" in res.stderr + res.stdout
    assert (b / LEDGER).read_bytes() == ours  # OURS left as it was
    git(b, "merge", "--abort")


def test_the_merge_driver_as_git_calls_it(tmp_path: Path) -> None:
    """ipq merge BASE OURS THEIRS: the result replaces OURS; exit 0 clean, 1 with conflicts."""
    base = tmp_path / "base.yaml"
    shutil.copyfile(bundled_path(), base)
    ours, theirs = tmp_path / "ours.yaml", tmp_path / "theirs.yaml"
    shutil.copyfile(base, ours)
    shutil.copyfile(base, theirs)
    env = {"IPQ_FILE": ""}
    for path, args in (
        (ours, ["mark", "2", "-p", "浙江", "-s", "done"]),
        (theirs, ["mark", "4", "-s", "done"]),
    ):
        assert ipq(tmp_path, *args, "-f", str(path), env=env).returncode == 0
    res = ipq(tmp_path, "merge", str(base), str(ours), str(theirs), env=env)
    assert res.returncode == 0, res.stderr
    tl = parse_fresh(ours.read_bytes(), "x")
    assert tl.task(2).duty_progress("浙江省", 1).status == "done"
    assert {tl.task(4).department_progress(d).status for d in tl.task(4).departments} == {"done"}


def test_an_undo_on_one_side_stays_undone(origin: Path, tmp_path: Path) -> None:
    a = clone(origin, tmp_path / "a", "a")
    ok(ipq(a, "mark", "3", "-s", "done"))
    git(a, "commit", "-qam", "mark")
    git(a, "push", "-q")
    b = clone(origin, tmp_path / "b", "b")
    ok(ipq(a, "undo"))
    git(a, "commit", "-qam", "undo")
    ok(ipq(b, "mark", "6", "-s", "done"))
    git(b, "commit", "-qam", "b")
    git(b, "push", "-q")
    git(a, "pull", "-q", "--no-edit")
    tl = parse_fresh((a / LEDGER).read_bytes(), LEDGER)
    assert [c.task for c in tl.history] == [6]
    assert tl.task(3).department_progress("商标局").status == "todo"


# -- at scale ----------------------------------------------------------------------------------


ROUNDS = 2


def _office(origin: Path, root: Path, i: int, province: str) -> dict[str, object]:
    """One office: mark its duties each round, commit, pull (merge or rebase), push until it lands."""
    where = root / f"c{i:02d}"
    pull = ["--rebase"] if i % 2 else ["--no-rebase"]
    pushes = 0
    for r in range(ROUNDS):
        note = f"c{i}r{r}"
        numbers = ["2", "4"] if r == 0 else ["6", "9"]
        ok(
            ipq(
                where,
                "mark",
                *numbers,
                "-p",
                province,
                "-s",
                ("in_progress", "done")[r],
                "-n",
                note,
            )
        )
        if i % 8 == 0:  # some offices mark national parts too
            ok(ipq(where, "mark", str(1 + (i // 8) % 18), "-s", "in_progress", "-n", f"{note}n"))
        git(where, "commit", "-qam", note)
        for _ in range(200):
            res = git(where, "pull", "-q", "--no-edit", *pull, check=False)
            assert res.returncode == 0, res.stderr + res.stdout  # never a conflict
            pushes += 1
            if git(where, "push", "-q", check=False).returncode == 0:
                break
        else:
            raise AssertionError(f"office {i} never landed")
    return {"province": province, "pushes": pushes}


@pytest.mark.slow
def test_32_offices_share_one_ledger_through_git(origin: Path, tmp_path: Path) -> None:
    from ipq.names import PROVINCE_NAMES

    root = tmp_path / "offices"
    root.mkdir()
    for i in range(32):
        clone(origin, root / f"c{i:02d}", f"office{i}")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: _office(origin, root, i, PROVINCE_NAMES[i]), range(32)))
    seconds = time.perf_counter() - start
    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(origin), str(final))
    tl = parse_fresh((final / LEDGER).read_bytes(), LEDGER)
    notes = {c.note for c in tl.history}
    issued = {f"c{i}r{r}" for i in range(32) for r in range(ROUNDS)}
    assert issued <= notes  # 0 lost marks: every mark issued is in the history
    for province in PROVINCE_NAMES:
        for number in (6, 9):
            assert tl.task(number).duty_progress(province, 1).status == "done"
        for number in (2, 4):
            assert tl.task(number).duty_progress(province, 1).status == "in_progress"
    assert len({c.key() for c in tl.history}) == len(tl.history)
    ok(ipq(final, "validate", env={"IPQ_NO_CACHE": "1"}))
    record = ROOT / "bench" / "work" / "git_scale.json"
    record.parent.mkdir(exist_ok=True)
    record.write_text(
        json.dumps(
            {"offices": 32, "rounds": ROUNDS, "seconds": round(seconds, 1), "history": len(tl.history),
             "pull_push_attempts": sum(int(r["pushes"]) for r in results)},  # type: ignore[call-overload]
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )  # fmt: skip

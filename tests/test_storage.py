"""Trustworthy storage (issue 9): each test is named after the defect it holds fixed.

d1 spliced writes, d2 the cache, d3 validate, d4 groups -f, d5 links and
permissions, d6 tracebacks, d7 undo by identity, d8 exports and screens,
d9 layouts of hand-edited files, d10 leftover temporaries.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipq import cache, store
from ipq.ledger import group_add, mark, undo
from ipq.models import TaskList
from ipq.query import national_status
from ipq.splice import Layout
from ipq.store import bundled_path, parse_fresh

from .conftest import can_switch_users, invoke, run_as, run_ipq

ORIGINAL = bundled_path().read_bytes()
AT = "2019-06-30T10:00:00+08:00"


def fresh(path: Path) -> TaskList:
    """What the file holds, read past any cache."""
    return parse_fresh(path.read_bytes(), path.name)


def without_ids(tl: TaskList) -> TaskList:
    from dataclasses import replace

    return replace(tl, history=[replace(c, id=None) for c in tl.history])


def no_cache_env() -> dict[str, str]:
    return {"IPQ_NO_CACHE": "1"}


# -- d1: no write without proof ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "prepare", "note"),
    [
        ("note ending in two newlines", lambda raw: raw, "x\n\n"),
        ("no final newline", lambda raw: raw.rstrip(b"\n"), "n"),
        ("file ending in ...", lambda raw: raw + b"...\n", "n"),
        ("comment without a newline at the end", lambda raw: raw + b"# end", "n"),
    ],
)
def test_d1_marks_on_awkward_files_write_what_loads(
    data_copy: Path, name: str, prepare: object, note: str
) -> None:
    data_copy.write_bytes(prepare(ORIGINAL))  # type: ignore[operator]
    f = ["-f", str(data_copy)]
    assert invoke("mark", "3", "-s", "done", "--note", note, *f).exit_code == 0
    assert invoke("mark", "6", "-s", "done", *f).exit_code == 0
    assert invoke("mark", "7", "-s", "in_progress", *f).exit_code == 0
    tl = fresh(data_copy)  # without any cache
    assert [(ch.task, ch.new, ch.note) for ch in tl.history] == [  # one department each
        (3, "done", note),
        (6, "done", None),
        (7, "in_progress", None),
    ]
    assert tl.task(3).department_progress("商标局").note == note
    res = run_ipq("validate", str(data_copy), env=no_cache_env())
    assert res.returncode == 0, res.stderr


# Layouts a hand edit gives a file; each keeps the list's content.
LAYOUTS = {
    "as ipq writes it": lambda raw: raw,
    "no final newline": lambda raw: raw.rstrip(b"\n"),
    "trailing comment": lambda raw: raw + b"# last line\n",
    "trailing comment, no newline": lambda raw: raw + b"# last line",
    "document end": lambda raw: raw + b"...\n",
    "document start and end": lambda raw: b"---\n" + raw + b"...\n",
    "CRLF": lambda raw: raw.replace(b"\n", b"\r\n"),
    "BOM": lambda raw: b"\xef\xbb\xbf" + raw,
    "BOM and CRLF, no final newline": lambda raw: (
        b"\xef\xbb\xbf" + raw.rstrip(b"\n").replace(b"\n", b"\r\n")
    ),
    "comments outside the tasks": lambda raw: (
        b"# header\n" + raw.replace(b"tasks:\n", b"# the tasks\ntasks:\n")
    ),
    "comments between tasks": lambda raw: raw.replace(b"- id: 5\n", b"# five\n- id: 5\n"),
    "comment inside a task": lambda raw: raw.replace(
        b"- id: 5\n  title:", b"- id: 5\n  # inside\n  title:"
    ),
    "comment on a key's line": lambda raw: raw.replace(b"- id: 5\n", b"- id: 5  # five\n"),
    "empty history": lambda raw: raw + b"history: []\n",
}

REWRITTEN = {"comment inside a task", "comment on a key's line", "empty history"}
COMMENTS = (b"# last line", b"# header", b"# the tasks", b"# five")

notes = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["...", "---", "x\n\n", "\n\n\n", "a\n...\n", "# no comment", "- item", "\t"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Zl", "Po"]), max_size=8),
)
marks = st.lists(
    st.tuples(
        st.sampled_from([2, 4, 5, 6, 18]),
        st.sampled_from(["todo", "in_progress", "done", "blocked"]),
        st.sampled_from([None, "浙江省", "西藏自治区"]),
        notes,
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(sorted(LAYOUTS)), marks)
def test_d1_every_write_loads_to_exactly_the_intended_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, sequence: list[tuple]
) -> None:
    monkeypatch.setenv("IPQ_NO_CACHE", "1")  # every read in here is of the file itself
    path = tmp_path / "ledger.yaml"
    start = LAYOUTS[layout](ORIGINAL)
    path.write_bytes(start)
    location = store.Location(path, "option")
    made = 0
    kept = True  # every write kept the layout (where one cannot, a full dump is fine)
    for task, status, unit, note in sequence:
        before = fresh(path)
        expected = fresh(path)
        mark(expected, [str(task)], status, note, unit, at=AT)

        def one(tl, task=task, status=status, unit=unit, note=note):  # type: ignore[no-untyped-def]
            return mark(tl, [str(task)], status, note, unit, at=AT)

        changes, _ = store.modify(location, one)
        made += bool(changes)
        after = fresh(path)
        # exactly the intended ledger, read without any cache (each change's id is its own)
        assert without_ids(after) == without_ids(expected)
        assert len(after.history) == len(before.history) + len(changes)  # no entry lost
        if "CRLF" in layout:
            raw = path.read_bytes()
            assert raw.count(b"\n") == raw.count(b"\r\n")  # CRLF stays CRLF, always
        kept = kept and Layout.of(path.read_bytes()) == Layout.of(start)
        kept = kept and all(c in path.read_bytes() for c in COMMENTS if c in start)
    for _ in range(made):
        store.modify(location, undo)
    assert fresh(path) == parse_fresh(start, "x")
    # undo gives the bytes back, where the changed part is all that was rewritten: not for
    # comments inside the changed task, nor for `history: []`, which a mark must rewrite
    if kept and layout not in REWRITTEN:
        assert path.read_bytes() == start


def test_d1_a_write_that_would_not_load_back_is_refused(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every candidate is proven: if none loads to the intended list, nothing is written."""
    from ipq import validation

    old = data_copy.read_bytes()
    real = validation.to_data

    def corrupting(tl):  # type: ignore[no-untyped-def]
        data = real(tl)
        data["tasks"][0]["title"] += "（改）"  # what would be dumped differs from what was meant
        return data

    monkeypatch.setattr(validation, "to_data", corrupting)
    res = invoke("mark", "12", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 2
    assert "写出的内容读回后与预期不符" in res.stderr
    assert data_copy.read_bytes() == old


def test_d1_the_cache_never_holds_what_was_not_parsed(data_copy: Path) -> None:
    invoke("mark", "5", "-s", "done", "--note", "x\n\n", "-f", str(data_copy))
    raw = data_copy.read_bytes()
    entry = cache.directory() / f"{cache.key(raw)}{cache.SUFFIX}"
    decoded = cache.decode_entry(entry.read_bytes())
    assert decoded == parse_fresh(raw, "x")


# -- d2: the cache is data, keyed by the rules, and the user's own --------------


def plant(raw: bytes, falsified: TaskList) -> Path:
    folder = cache.directory()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    entry = folder / f"{cache.key(raw)}{cache.SUFFIX}"
    entry.write_bytes(cache.encode_entry(falsified))
    entry.chmod(0o600)
    return entry


def falsified_list() -> TaskList:
    tl = parse_fresh(ORIGINAL, "x")
    tl.tasks[2].title = "伪造的任务"
    return tl


def shown_title(path: Path) -> str:
    return str(json.loads(invoke("show", "3", "--json", "-f", str(path)).stdout)["title"])


def test_d2_a_planted_pickle_runs_no_code(data_copy: Path, tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    folder = cache.directory()
    folder.mkdir(parents=True, mode=0o700)
    raw = data_copy.read_bytes()
    for name in (f"{cache.key(raw)}.pickle", f"{cache.key(raw)}{cache.SUFFIX}"):
        (folder / name).write_bytes(pickle.dumps(Boom()))
    assert invoke("list", "-f", str(data_copy)).exit_code == 0
    assert not marker.exists()
    assert shown_title(data_copy) == "开展“商标审查质量提升年”行动"


@pytest.mark.parametrize("how", ["writable by others", "writable by the group", "not the user's"])
def test_d2_an_entry_others_could_have_planted_is_ignored(data_copy: Path, how: str) -> None:
    entry = plant(data_copy.read_bytes(), falsified_list())
    if how == "writable by others":
        entry.chmod(0o602)
    elif how == "writable by the group":
        entry.chmod(0o620)
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to another uid")
        os.chown(entry, 4001, 4001)
    assert shown_title(data_copy) == "开展“商标审查质量提升年”行动"


@pytest.mark.parametrize("how", ["writable by others", "not the user's"])
def test_d2_a_cache_directory_others_could_write_is_ignored(data_copy: Path, how: str) -> None:
    entry = plant(data_copy.read_bytes(), falsified_list())
    if how == "writable by others":
        entry.parent.chmod(0o777)
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can give a directory to another uid")
        os.chown(entry.parent, 4001, 4001)
    assert shown_title(data_copy) == "开展“商标审查质量提升年”行动"
    # and a write neither uses nor feeds it
    assert invoke("mark", "3", "-s", "done", "-f", str(data_copy)).exit_code == 0
    assert fresh(data_copy).task(3).title == "开展“商标审查质量提升年”行动"
    assert sorted(p.name for p in entry.parent.iterdir()) == [entry.name]


def test_d2_the_users_own_entry_is_used_and_the_directory_is_private(data_copy: Path) -> None:
    invoke("list", "-f", str(data_copy))
    assert stat.S_IMODE(cache.directory().stat().st_mode) == 0o700
    plant(data_copy.read_bytes(), falsified_list())  # what only the user could do
    assert shown_title(data_copy) == "伪造的任务"  # proves the entry is what a read uses


def test_d2_a_change_in_the_rules_changes_every_key(tmp_path: Path) -> None:
    copy = tmp_path / "pkg"
    shutil.copytree(Path(cache.__file__).parent, copy / "ipq")
    code = "import sys; from ipq import cache; print(cache.key(sys.stdin.buffer.read()))"

    def key() -> str:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            input=ORIGINAL,
            capture_output=True,
            cwd=tmp_path,  # not the source tree, whose ipq would come first
            env={**os.environ, "PYTHONPATH": str(copy)},
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.decode().strip()

    keys = [key()]
    for module in cache.RULE_MODULES:
        with open(copy / "ipq" / module, "a", encoding="utf-8") as fh:
            fh.write("\n# a rule changed\n")
        keys.append(key())
    assert len(set(keys)) == len(keys)


def test_d2_stale_temporaries_and_old_pickles_are_removed(data_copy: Path) -> None:
    folder = cache.directory()
    folder.mkdir(parents=True, mode=0o700)
    stale, live, old = folder / ".entry-a.tmp", folder / ".entry-b.tmp", folder / "x.pickle"
    for p in (stale, live, old):
        p.write_bytes(b"x")
    long_ago = time.time() - 2 * cache.STALE_SECONDS
    os.utime(stale, (long_ago, long_ago))
    invoke("list", "-f", str(data_copy))
    assert not stale.exists() and not old.exists()
    assert live.exists()  # another ipq may be writing it right now


# -- d3: validate answers from the file -----------------------------------------


def test_d3_validate_never_answers_from_the_cache(data_copy: Path) -> None:
    broken = ORIGINAL.replace("  - 商标局\n".encode(), "  - 商标处\n".encode(), 1)
    assert broken != ORIGINAL
    data_copy.write_bytes(broken)
    plant(broken, parse_fresh(ORIGINAL, "x"))  # a cache that would say all is well
    assert invoke("list", "-f", str(data_copy)).exit_code == 0  # a read would believe it
    res = invoke("validate", str(data_copy))
    assert res.exit_code == 2
    assert "未知的部门“商标处”" in res.stderr


# -- d4: -f means the same everywhere ---------------------------------------------


@pytest.mark.parametrize("where", ["before the subcommand", "after it"])
def test_d4_groups_subcommands_honour_file(data_copy: Path, where: str) -> None:
    f = ["-f", str(data_copy)]
    args = ["add", "保护中心", "浙江", "--source", "测试"]
    res = (
        invoke("groups", *f, *args)
        if where == "before the subcommand"
        else invoke("groups", *args, *f)
    )
    assert res.exit_code == 0, res.stderr
    assert "浙江省" in fresh(data_copy).group("知识产权保护中心涉及省份").member_names()
    assert not store.working_copy_path().exists()
    res = invoke("groups", *f, "remove", "保护中心", "浙江")
    assert res.exit_code == 0
    assert fresh(data_copy).group("知识产权保护中心涉及省份").member_names() == []


def test_d4_two_different_files_are_refused(data_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_bytes(ORIGINAL)
    res = invoke("groups", "-f", str(other), "add", "保护中心", "浙江", "-f", str(data_copy))
    assert res.exit_code == 1 and res.stderr.startswith("错误：选项 --file 只能写一次")
    assert data_copy.read_bytes() == other.read_bytes() == ORIGINAL


# -- d5: links and permissions ------------------------------------------------------


def test_d5_a_symlinked_file_is_written_through_and_locked_at_its_target(tmp_path: Path) -> None:
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "ledger.yaml"
    target.write_bytes(ORIGINAL)
    one, two = link_dir / "a.yaml", link_dir / "b.yaml"
    one.symlink_to(target)
    two.symlink_to(target)
    assert invoke("mark", "3", "-s", "done", "-f", str(one)).exit_code == 0
    assert invoke("mark", "6", "-s", "done", "-f", str(two)).exit_code == 0
    assert one.is_symlink() and two.is_symlink()
    tl = fresh(target)
    assert [ch.task for ch in tl.history] == [3, 6]
    assert (real_dir / ".ledger.yaml.lock").exists()  # one lock, beside the target
    assert sorted(p.name for p in link_dir.iterdir()) == ["a.yaml", "b.yaml"]


def test_d5_a_file_with_several_hard_links_is_refused(data_copy: Path) -> None:
    other = data_copy.with_name("also.yaml")
    os.link(data_copy, other)
    res = invoke("mark", "3", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 2
    assert (
        res.stderr
        == f"{data_copy}: 这个文件有 2 个硬链接，替换它会使其他链接停在旧内容；请先复制为独立的文件（cp）再修改，数据文件未修改\n"
    )
    assert data_copy.read_bytes() == ORIGINAL and os.stat(data_copy).st_nlink == 2


def test_d5_a_read_only_file_is_refused_even_in_a_writable_directory(data_copy: Path) -> None:
    data_copy.chmod(0o444)
    res = invoke("mark", "3", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 2
    assert res.stderr == f"{data_copy}: 没有写入这个文件的权限（文件为只读），数据文件未修改\n"
    assert data_copy.read_bytes() == ORIGINAL


def test_d5_mode_owner_and_group_are_kept(data_copy: Path) -> None:
    data_copy.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(data_copy, 4001, 4242)
    before = data_copy.stat()
    assert invoke("mark", "3", "-s", "done", "-f", str(data_copy)).exit_code == 0
    after = data_copy.stat()
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # it was replaced, atomically


TEAM, ALICE, BOB, EVE = 4242, 4001, 4002, 4003


@pytest.fixture
def team_dir() -> object:
    why = can_switch_users()
    if why:
        pytest.skip(why)
    folder = Path(tempfile.mkdtemp(prefix="ipq-team-"))
    os.chown(folder, ALICE, TEAM)
    folder.chmod(0o2775)  # a setgid team directory
    yield folder
    shutil.rmtree(folder)


@pytest.mark.slow
def test_d5_two_members_of_a_team_share_one_ledger(team_dir: Path) -> None:
    ledger = team_dir / "ledger.yaml"
    res = run_as(ALICE, ALICE, [TEAM], "init", str(ledger))
    assert res.returncode == 0, res.stderr
    for who, task in ((ALICE, "3"), (BOB, "6"), (ALICE, "7"), (BOB, "9")):  # one department each
        res = run_as(who, who, [TEAM], "mark", task, "-s", "done", "-f", str(ledger))
        assert res.returncode == 0, (who, res.stderr)
    assert [ch.task for ch in fresh(ledger).history] == [3, 6, 7, 9]
    lock = team_dir / ".ledger.yaml.lock"
    assert lock.stat().st_gid == TEAM and lock.stat().st_mode & stat.S_IWGRP
    assert ledger.stat().st_gid == TEAM and ledger.stat().st_mode & stat.S_IWGRP
    # someone outside the team may read, but not write, and is told so
    res = run_as(EVE, EVE, [], "mark", "7", "-s", "done", "-f", str(ledger))
    assert res.returncode == 2 and "没有写入这个文件的权限" in res.stderr, res.stderr
    assert [ch.task for ch in fresh(ledger).history] == [3, 6, 7, 9]


@pytest.mark.slow
def test_d5_a_lock_left_0644_by_an_older_ipq_is_opened_to_the_group(team_dir: Path) -> None:
    ledger = team_dir / "ledger.yaml"
    ledger.write_bytes(ORIGINAL)
    os.chown(ledger, ALICE, TEAM)
    ledger.chmod(0o664)
    lock = team_dir / ".ledger.yaml.lock"
    lock.touch(mode=0o644)
    os.chown(lock, ALICE, TEAM)
    lock.chmod(0o644)
    assert (
        run_as(ALICE, ALICE, [TEAM], "mark", "3", "-s", "done", "-f", str(ledger)).returncode == 0
    )
    res = run_as(BOB, BOB, [TEAM], "mark", "4", "-s", "done", "-f", str(ledger))
    assert res.returncode == 0, res.stderr


@pytest.mark.slow
def test_d5_a_file_another_user_owns_is_refused_not_replaced(team_dir: Path) -> None:
    ledger = team_dir / "ledger.yaml"
    ledger.write_bytes(ORIGINAL)
    os.chown(ledger, ALICE, TEAM)
    ledger.chmod(0o644)  # the directory lets Bob replace it; the file says no
    res = run_as(BOB, BOB, [TEAM], "mark", "3", "-s", "done", "-f", str(ledger))
    assert res.returncode == 2
    assert res.stderr.strip() == f"{ledger}: 没有写入这个文件的权限（文件为只读），数据文件未修改"
    assert ledger.read_bytes() == ORIGINAL and ledger.stat().st_uid == ALICE


# -- d6: no traceback -------------------------------------------------------------


def one_clean_line(res: subprocess.CompletedProcess[str], code: int) -> str:
    assert res.returncode == code, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_d6_an_impossible_date_in_the_file(data_copy: Path) -> None:
    data_copy.write_bytes(ORIGINAL.replace(b"due: 2019-12-31", b"due: 2019-02-30", 1))
    before = data_copy.read_bytes()
    for args in (["list"], ["mark", "3", "-s", "done"], ["validate"]):
        line = one_clean_line(run_ipq(*args, "-f", str(data_copy)), 2)
        assert "无效的值“2019-02-30”" in line and line.startswith(f"{data_copy.name}:")
    assert data_copy.read_bytes() == before


def test_d6_an_integer_of_5000_digits(data_copy: Path) -> None:
    huge = "9" * 5000
    line = one_clean_line(run_ipq("mark", huge, "-s", "done", "-f", str(data_copy)), 1)
    assert line == "错误：任务编号过大（5000 位；本清单任务编号为 1–18；地方落实举措如 8.1、8.2）"
    one_clean_line(run_ipq("show", huge, "-f", str(data_copy)), 1)
    data_copy.write_bytes(ORIGINAL.replace(b"- id: 3\n", f"- id: {huge}\n".encode(), 1))
    line = one_clean_line(run_ipq("list", "-f", str(data_copy)), 2)
    assert "无效的值" in line


@pytest.mark.parametrize("option", ["--note", "--source"])
def test_d6_bytes_that_are_not_utf8_in_an_argument(data_copy: Path, option: str) -> None:
    gbk = "中文".encode("gbk")
    args = (
        ["mark", "3", "-s", "done", "--note"]
        if option == "--note"
        else ["groups", "add", "保护中心", "浙江", "--source"]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "ipq", *args, gbk, "-f", str(data_copy)],
        capture_output=True,
    )
    assert proc.returncode == 1
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "不是 UTF-8 编码" in err
    assert data_copy.read_bytes() == ORIGINAL


@pytest.mark.parametrize("encoding", ["gbk", "cp936", "ascii"])
def test_d6_output_the_terminal_cannot_encode_degrades(data_copy: Path, encoding: str) -> None:
    invoke("mark", "3", "-s", "blocked", "-n", "⚠ 注意", "-f", str(data_copy))
    env = {**os.environ, "PYTHONIOENCODING": encoding}

    def run(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "ipq", *args, "-f", str(data_copy)], capture_output=True, env=env
        )
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
        return proc.stdout.decode(encoding)  # what the terminal shows: its own encoding

    for args in (["show", "3"], ["history"], ["list", "--json"]):
        run(*args)
    table = run("list", "--as-of", "2020-01-01")
    assert "⚠" not in table
    if encoding == "ascii":
        assert "!??" in table  # the encoding's replacement for what it cannot show
    else:
        assert "!逾期" in table and "受阻" in table


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["show", "3"]])
def test_d6_a_full_disk_on_stdout(data_copy: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "ipq", *args, "-f", str(data_copy)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert one_clean_line(proc, 3) == "错误：无法写出结果（No space left on device）"


def test_d6_a_reader_that_goes_away_is_no_error(data_copy: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipq", "list", "--json", "-f", str(data_copy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    assert proc.wait(timeout=60) in (0, 1)
    assert proc.stderr.read() == b""


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_d6_special_files_are_refused_before_reading(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        path = tmp_path / "ledger.yaml"
        os.mkfifo(path)
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip(f"no {special} here")
    start = time.perf_counter()
    res = run_ipq("validate", str(path), timeout=30)
    assert time.perf_counter() - start < 20
    assert one_clean_line(res, 2) == f"{path}: 不是普通文件（设备、管道或套接字），不能作为数据文件"


def test_d6_a_file_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.truncate(store.MAX_FILE_BYTES + 1)  # sparse: nothing is really written
    res = invoke("list", "-f", str(path))
    assert res.exit_code == 2 and "文件过大" in res.stderr


def edited_history(data_copy: Path, old: bytes, new: bytes) -> None:
    raw = data_copy.read_bytes()
    assert old in raw
    data_copy.write_bytes(raw.replace(old, new, 1))


@pytest.mark.parametrize(
    ("setup", "old", "new", "message"),
    [
        (
            ["mark", "3", "-s", "done"],
            b"  task: 3\n",
            b"",
            "缺少必填字段（进度变更须写明任务编号）",
        ),
        (["mark", "3", "-s", "done"], b"  task: 3\n", b"  task: 30\n", "不存在的任务编号 30"),
        (
            ["mark", "3", "-s", "done"],
            b"  new: done\n",
            b"",
            "缺少必填字段（进度变更须写明新状态）",
        ),
        (
            ["groups", "add", "保护中心", "浙江"],
            "  group: 知识产权保护中心涉及省份\n".encode(),
            "  group: 保护中心\n".encode(),
            "请写全称：“保护中心”应写作“知识产权保护中心涉及省份”",
        ),
        (
            ["groups", "remove", "一带一路", "浙江"],
            b"  index: 16\n",
            b"  index: -1\n",
            "应不小于 0",
        ),
    ],
)
def test_d6_history_entries_undo_could_not_apply_are_refused(
    data_copy: Path, setup: list[str], old: bytes, new: bytes, message: str
) -> None:
    assert invoke(*setup, "-f", str(data_copy)).exit_code == 0
    edited_history(data_copy, old, new)
    before = data_copy.read_bytes()
    line = one_clean_line(run_ipq("undo", "-f", str(data_copy)), 2)
    assert message in line and line.startswith(f"{data_copy.name}:")
    assert data_copy.read_bytes() == before


def test_d6_an_index_beyond_the_members_is_harmless(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]
    assert invoke("groups", "remove", "一带一路", "浙江", *f).exit_code == 0
    edited_history(data_copy, b"  index: 16\n", b"  index: 999\n")
    assert invoke("undo", *f).exit_code == 0
    assert fresh(data_copy).group("“一带一路”相关省份").member_names()[-1] == "浙江省"


# -- d7: undo by identity ---------------------------------------------------------


def test_d7_undo_of_a_group_change_removes_the_member_it_added(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]
    assert invoke("groups", "add", "强省试点", "浙江", "--source", "测试", *f).exit_code == 0
    text = data_copy.read_text(encoding="utf-8")
    by_hand = "  - province: 江苏省\n    source: 引领型试点省；国家知识产权局 2016 年新闻\n"
    text = text.replace(by_hand, "  - province: 山东省\n    source: 手工加入\n" + by_hand, 1)
    data_copy.write_text(text, encoding="utf-8")
    assert invoke("undo", *f).exit_code == 0
    members = fresh(data_copy).group("知识产权强省建设试点省").member_names()
    assert members[0] == "山东省" and "浙江省" not in members and "江苏省" in members


def test_d7_undo_refuses_when_the_mark_was_changed_since(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]
    assert invoke("mark", "3", "-s", "done", "-n", "完成", *f).exit_code == 0
    edited_history_text = data_copy.read_text(encoding="utf-8").replace(
        "    note: 完成\n", "    note: 手工改过\n", 1
    )
    data_copy.write_text(edited_history_text, encoding="utf-8")
    before = data_copy.read_bytes()
    res = invoke("undo", *f)
    assert res.exit_code == 1
    assert res.stderr == (
        "错误：任务 3（商标局）在这次修改后又有变化：现在是“已完成（备注：手工改过）”，"
        "这次修改设为“已完成（备注：完成）”。仍要撤销请加 --force\n"
    )
    assert data_copy.read_bytes() == before
    res = invoke("undo", "--force", *f)
    assert res.exit_code == 0
    assert national_status(fresh(data_copy).task(3)) == "todo" and fresh(data_copy).history == []


def test_d7_undo_refuses_to_remove_a_member_gone_or_changed(data_copy: Path) -> None:
    tl = parse_fresh(ORIGINAL, "x")
    group_add(tl, "保护中心", ["浙江"], "测试", at=AT)
    tl.group("知识产权保护中心涉及省份").members[0].source = "改过的出处"
    with pytest.raises(Exception, match="出处已改为“改过的出处”"):
        undo(tl)
    tl.group("知识产权保护中心涉及省份").members.clear()
    with pytest.raises(Exception, match="浙江省已不是“知识产权保护中心涉及省份”的成员"):
        undo(tl)
    assert len(undo(tl, force=True)) == 1 and tl.history == []


# -- d8: notes reach other people as text -------------------------------------------

HOSTILE_NOTE = '=HYPERLINK("http://x","点我")\x1b[2J\x1b]0;title\x07'


@pytest.fixture
def hostile(data_copy: Path) -> Path:
    assert (
        invoke("mark", "3", "-s", "blocked", "-n", HOSTILE_NOTE, "-f", str(data_copy)).exit_code
        == 0
    )
    assert (
        invoke(
            "mark", "5", "-p", "浙江", "-s", "done", "-n", "+1 @x -y", "-f", str(data_copy)
        ).exit_code
        == 0
    )
    return data_copy


def test_d8_no_escape_reaches_the_terminal(hostile: Path) -> None:
    for args in (["show", "3"], ["history"], ["history", "3"], ["undo"]):
        res = invoke(*args, "-f", str(hostile))
        assert res.exit_code == 0
        assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert "\\x1b[2J" in invoke("show", "3", "-f", str(hostile)).stdout.replace("\n", "")


@pytest.mark.parametrize("fmt", ["md", "html", "csv"])
def test_d8_text_exports_show_control_characters_escaped(hostile: Path, fmt: str) -> None:
    res = invoke("export", "-F", fmt, "-f", str(hostile))
    assert res.exit_code == 0
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert "\\x1b" in res.stdout


def test_d8_csv_cells_that_look_like_formulas_are_text(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    assert invoke("export", "-o", str(out), "-f", str(hostile)).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    notes = [r[rows[0].index("备注")] for r in rows[1:]]
    assert notes[2].startswith("'=HYPERLINK(")
    out = tmp_path / "p.csv"
    assert invoke("export", "-o", str(out), "-p", "浙江", "-f", str(hostile)).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert "'+1 @x -y" in [r[rows[0].index("备注")] for r in rows[1:]]


def test_d8_xlsx_cells_that_look_like_formulas_are_text(hostile: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert invoke("export", "-o", str(out), "-f", str(hostile)).exit_code == 0
    ws = load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    formula = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert formula and all(c.data_type == "s" for c in formula)
    assert not any(c.data_type == "f" for c in cells)


# -- d9: hand-edited files keep their layout ---------------------------------------


def test_d9_crlf_and_comments_survive_and_undo_gives_the_bytes_back(data_copy: Path) -> None:
    text = ORIGINAL.decode("utf-8").replace("- id: 5\n", "# 第五项\n- id: 5\n")
    start = ("# 手工编辑\n" + text + "# 结束\n").replace("\n", "\r\n").encode("utf-8")
    data_copy.write_bytes(start)
    f = ["-f", str(data_copy)]
    assert invoke("mark", "5", "-s", "done", "-n", "备注", *f).exit_code == 0
    assert invoke("groups", "add", "保护中心", "浙江", *f).exit_code == 0
    raw = data_copy.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")
    for comment in ("# 手工编辑\r\n", "# 第五项\r\n- id: 5\r\n", "# 结束\r\n"):
        assert comment.encode("utf-8") in raw
    assert raw.endswith("# 结束\r\n".encode())
    assert invoke("undo", *f).exit_code == 0 and invoke("undo", *f).exit_code == 0
    assert data_copy.read_bytes() == start


# -- d10: temporaries ---------------------------------------------------------------


def test_d10_leftovers_of_a_name_with_glob_characters_are_found(tmp_path: Path) -> None:
    path = tmp_path / "t[1]*.yaml"
    path.write_bytes(ORIGINAL)
    other = tmp_path / "t1x.yaml"  # the glob t[1]* would match its temporaries
    other.write_bytes(ORIGINAL)
    mine = tmp_path / ".t[1]*.yaml.ipq-abcd1234.tmp"
    theirs = tmp_path / ".t1x.yaml.ipq-abcd1234.tmp"
    mine.write_bytes(b"half")
    theirs.write_bytes(b"half")
    assert invoke("mark", "3", "-s", "done", "-f", str(path)).exit_code == 0
    assert not mine.exists() and theirs.exists()


def test_a_read_that_needs_no_history_decodes_none(data_copy: Path) -> None:
    """The cache keeps the history apart: list/show/obligations… read only the list."""
    for i in range(3):
        assert (
            invoke("mark", "5", "-s", "done", "-n", f"第 {i} 次", "-f", str(data_copy)).exit_code
            == 0
        )
    raw = data_copy.read_bytes()
    full = parse_fresh(raw, "x")
    assert len(full.history) >= 3
    light = cache.get_by_key(cache.key(raw), history=False)
    assert light is not None and light.history == [] and light.tasks == full.tasks
    assert cache.get_by_key(cache.key(raw)) == full
    entry = cache.directory() / f"{cache.key(raw)}{cache.SUFFIX}"
    data = entry.read_bytes()
    entry.write_bytes(data[:-5])  # the history cut short: a reader of history parses instead
    assert cache.get_by_key(cache.key(raw)) is None
    res = invoke("history", "-f", str(data_copy), "--json")
    assert res.exit_code == 0 and len(json.loads(res.stdout)) == len(full.history)
    assert invoke("undo", "-f", str(data_copy)).exit_code == 0


def test_a_file_read_in_pieces_has_the_key_of_its_bytes(tmp_path: Path) -> None:
    """A warm read hashes the file a piece at a time (on one core); a write hashes the
    bytes it holds (on every core, when large): both must name the same entry."""
    for size in (0, 1, cache._CHUNK, cache._CHUNK + 1, cache._MANY_THREADS * 3 + 7):
        raw = os.urandom(size)
        path = tmp_path / f"{size}.bin"
        path.write_bytes(raw)
        fd = os.open(path, os.O_RDONLY)
        try:
            assert cache.key_of_file(fd) == cache.key(raw), size
        finally:
            os.close(fd)
    assert cache.key(b"a") != cache.key(b"b")


def test_a_warm_read_is_answered_by_the_entry_of_the_files_bytes(data_copy: Path) -> None:
    """store.load finds the entry without reading the whole file; a changed byte misses."""
    assert invoke("mark", "5", "-s", "done", "-f", str(data_copy)).exit_code == 0
    raw = data_copy.read_bytes()
    entry = cache.directory() / f"{cache.key(raw)}{cache.SUFFIX}"
    assert entry.exists()
    marked = store.load(data_copy)
    # an entry that says something else, under the file's key: the read believes it
    other = parse_fresh(bundled_path().read_bytes(), "x")
    entry.write_bytes(cache.encode_entry(other))
    assert store.load(data_copy, history=False).tasks == other.tasks
    # one byte more in the file: another key, so a fresh parse, never the old entry
    data_copy.write_bytes(raw + b"\n")
    assert store.load(data_copy).tasks == marked.tasks != other.tasks


@pytest.mark.parametrize("count", [0, 1, 15, 16, 300])
def test_a_cache_entry_written_in_pieces_is_what_msgspec_encodes_whole(
    tl: TaskList, count: int
) -> None:
    """The entry is written a task at a time (never the whole list's encoding in memory):
    its bytes are the lengths, then msgspec's encoding of the list without its history
    and its tasks' province progress, of that progress, of the spans and of the history,
    each as msgspec gives it whole."""
    from copy import deepcopy
    from dataclasses import replace

    import msgspec

    from ipq.ledger import mark

    big = deepcopy(replace(tl, tasks=(tl.tasks * (count // len(tl.tasks) + 1))[:count], history=[]))
    if count:
        mark(big, [str(big.tasks[0].id)], "done", "备注", None)
        local = next((t for t in big.tasks if t.duties and t.duties[0].rule.binds == "all"), None)
        if local is not None:
            mark(big, [f"{local.id}.1"], "blocked", "待协调", "浙江")
    provinces = [t.progress.provinces for t in big.tasks]
    assert count < 15 or any(provinces)  # the test sees province progress split off
    bare = deepcopy(big)
    for t in bare.tasks:
        t.progress.provinces = {}
    main = msgspec.msgpack.encode(replace(bare, history=[]))
    apart = msgspec.msgpack.encode(provinces)
    where = msgspec.msgpack.encode(None)
    head = b"".join(len(x).to_bytes(4, "big") for x in (main, apart, where))
    entry = cache.encode_entry(big)
    assert entry == head + main + apart + where + msgspec.msgpack.encode(big.history)
    assert cache.decode_entry(entry) == big
    assert [t.progress.provinces for t in big.tasks] == provinces  # put back after writing


def test_a_key_of_pieces_is_the_key_of_their_bytes() -> None:
    assert cache.key([b"ab", memoryview(b"xcd")[1:], bytearray(b"e")]) == cache.key(b"abcde")


def _with_province_progress(path: Path) -> None:
    for args in (
        ["mark", "2", "-p", "浙江", "-s", "done", "-n", "已完成"],
        ["mark", "8.2", "-p", "广东", "-s", "blocked"],
        ["mark", "12", "-s", "in_progress"],
    ):
        res = invoke(*args, "-f", str(path))
        assert res.exit_code == 0, res.stderr


def test_a_read_without_province_progress_withholds_it_loudly(data_copy: Path) -> None:
    """``list`` reads the list without its tasks' province progress (most of the bytes);
    any use of what was not read raises instead of reading as "nothing recorded"."""
    _with_province_progress(data_copy)
    full = store.load(data_copy)
    light = store.load(data_copy, history=False, provinces=False)
    assert any(t.progress.provinces for t in full.tasks)
    for t in light.tasks:
        assert t.progress.provinces is cache.WITHHELD
    for use in (
        lambda p: p.get("浙江省"),
        lambda p: "浙江省" in p,
        lambda p: list(p),
        lambda p: len(p),
        lambda p: bool(p),
        lambda p: p.items(),
        lambda p: p == {},
        lambda p: p["浙江省"],
    ):
        with pytest.raises(RuntimeError):
            use(light.tasks[1].progress.provinces)
    assert [t.progress.departments for t in light.tasks] == [
        t.progress.departments for t in full.tasks
    ]
    with pytest.raises(TypeError):  # never filed as a list with no province progress
        cache.encode_entry(light)
    assert store.load(data_copy) == store.parse_fresh(data_copy.read_bytes(), "x")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--dept", "商标局", "--status", "done"],
        ["-s", "进行中", "--json"],
        ["--overdue", "--as-of", "2020-06-01"],
        ["-p", "浙江"],
        ["-p", "广东", "--json"],
        ["-p", "浙江", "-s", "done"],
    ],
)
def test_list_reads_the_same_with_and_without_the_cache(data_copy: Path, args: list[str]) -> None:
    _with_province_progress(data_copy)
    fresh = invoke("list", *args, "-f", str(data_copy), env={"IPQ_NO_CACHE": "1"})
    assert fresh.exit_code == 0, fresh.stderr
    invoke("list", "-f", str(data_copy))  # files the list, if not yet
    warm = invoke("list", *args, "-f", str(data_copy))
    assert (warm.exit_code, warm.stdout, warm.stderr) == (0, fresh.stdout, fresh.stderr)


def test_list_for_a_default_province_reads_its_progress(data_copy: Path) -> None:
    """A province set with ``ipq config`` is only known after the list is read: that
    read comes without province progress, so ``list`` (and ``obligations``) read it
    again with that province's."""
    _with_province_progress(data_copy)
    invoke("list", "-f", str(data_copy))
    env = {"IPQ_UNIT": "浙江"}
    warm = invoke("list", "-s", "done", "-f", str(data_copy), env=env)
    mine = invoke("list", "-s", "done", "-p", "浙江", "-f", str(data_copy))
    assert warm.exit_code == 0, warm.stderr
    assert warm.stdout == mine.stdout
    assert "2" in [line.split("│")[1].strip() for line in warm.stdout.splitlines() if "│" in line]
    owed = invoke("obligations", "-f", str(data_copy), env=env)
    assert owed.exit_code == 0, owed.stderr
    assert owed.stdout == invoke("obligations", "-p", "浙江", "-f", str(data_copy)).stdout
    assert "已完成" in owed.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["-p", "浙江"],
        ["-p", "zhejiang", "--json"],
        ["-p", "广东省", "--level", "must"],
        ["-p", "西藏"],
    ],
)
def test_obligations_read_the_same_with_and_without_the_cache(
    data_copy: Path, args: list[str]
) -> None:
    """obligations reads one province's progress alone from the cache."""
    _with_province_progress(data_copy)
    fresh = invoke("obligations", *args, "-f", str(data_copy), env={"IPQ_NO_CACHE": "1"})
    assert fresh.exit_code == 0, fresh.stderr
    invoke("list", "-f", str(data_copy))
    warm = invoke("obligations", *args, "-f", str(data_copy))
    assert (warm.exit_code, warm.stdout, warm.stderr) == (0, fresh.stdout, fresh.stderr)


def test_a_read_of_one_province_answers_for_that_province_alone(data_copy: Path) -> None:
    _with_province_progress(data_copy)
    full = store.load(data_copy)
    mine = store.load(data_copy, history=False, provinces="浙江省")
    task = next(t for t in full.tasks if "浙江省" in t.progress.provinces)
    one = mine.tasks[full.tasks.index(task)].progress.provinces
    assert one.get("浙江省") == task.progress.provinces["浙江省"] == one["浙江省"]
    assert "浙江省" in one
    assert mine.tasks[0].progress.provinces.get("浙江省") is None
    for use in (lambda p: p.get("广东省"), lambda p: "广东省" in p, lambda p: list(p)):
        with pytest.raises(RuntimeError):
            use(one)
    with pytest.raises(TypeError):
        cache.encode_entry(mine)


def _sheet_values(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    return [list(row) for ws in load_workbook(path) for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "args", [[], ["-s", "todo"], ["-d", "商标局"], ["-p", "浙江"], ["--board"]]
)
def test_xlsx_exports_read_the_same_with_and_without_the_cache(
    data_copy: Path, tmp_path: Path, args: list[str]
) -> None:
    """The national report and a department's form read no province's progress from the
    cache; what they hold is what a read of the whole file gives."""
    _with_province_progress(data_copy)
    sheets = []
    for name, env in (("fresh", {"IPQ_NO_CACHE": "1"}), ("warm", {})):
        invoke("list", "-f", str(data_copy))  # files the list, if not yet
        out = tmp_path / f"{name}.xlsx"
        res = invoke("export", *args, "-o", str(out), "-f", str(data_copy), env=env)
        assert res.exit_code == 0, res.stderr
        sheets.append(_sheet_values(out))
    fresh, warm = sheets
    made = re.compile(r"本表由 ipq 于 .* 生成|\d{4}-\d{2}-\d{2}T\S+")  # a form's own time
    assert [[made.sub("", v) if isinstance(v, str) else v for v in r] for r in warm] == [
        [made.sub("", v) if isinstance(v, str) else v for v in r] for r in fresh
    ]
    assert len(fresh) > 10

"""Marking progress, history, undo, working copies, summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipq.store import bundled_path, working_copy_path

from .conftest import invoke


def test_mark_national_status_with_note(data_copy: Path) -> None:
    res = invoke("mark", "12", "--status", "done", "--note", "已完成筛查", "-f", str(data_copy))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [  # every department of the task, each its own part
        "任务 12（保护司）：未开始 → 已完成（备注：已完成筛查）",
        "任务 12（专利局审业部）：未开始 → 已完成（备注：已完成筛查）",
    ]
    shown = json.loads(invoke("show", "12", "--json", "-f", str(data_copy)).stdout)
    assert shown["status"] == "done" and shown["note"] == "已完成筛查"
    assert shown["updated"] and shown["updated"][19] in "+-"  # local time with its offset


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("未开始", "todo"),
        ("进行中", "in_progress"),
        ("已完成", "done"),
        ("受阻", "blocked"),
        ("in-progress", "in_progress"),
        ("DONE", "done"),
    ],
)
def test_statuses_in_both_languages(data_copy: Path, typed: str, status: str) -> None:
    invoke("mark", "3", "--status", "blocked", "-f", str(data_copy))
    res = invoke("mark", "3", "-s", typed, "-f", str(data_copy))
    assert res.exit_code == 0
    assert (
        json.loads(invoke("show", "3", "--json", "-f", str(data_copy)).stdout)["status"] == status
    )


def test_several_tasks_in_one_mark_and_one_undo(data_copy: Path) -> None:
    original = data_copy.read_bytes()
    res = invoke("mark", "1", "2", "3", "-s", "in_progress", "-f", str(data_copy))
    assert res.stdout.count("→ 进行中") == 4 + 5 + 1  # the departments of tasks 1, 2, 3
    assert [
        t["id"]
        for t in json.loads(invoke("list", "-s", "进行中", "--json", "-f", str(data_copy)).stdout)
    ] == [1, 2, 3]
    res = invoke("undo", "-f", str(data_copy))
    assert res.exit_code == 0 and res.stdout.count("已撤销") == 10
    assert data_copy.read_bytes() == original


def test_province_marks_show_in_obligations_and_list(data_copy: Path) -> None:
    res = invoke(
        "mark",
        "5",
        "8",
        "-p",
        "zhejiang",
        "-s",
        "done",
        "-n",
        "保护中心已运行",
        "-f",
        str(data_copy),
    )
    assert res.exit_code == 0
    assert "任务 5（浙江省）：未开始 → 已完成" in res.stdout
    obs = json.loads(invoke("obligations", "-p", "浙江", "--json", "-f", str(data_copy)).stdout)[
        "obligations"
    ]
    statuses = {(o["task"], o["duty"]): o["status"] for o in obs}
    assert statuses[(5, 1)] == statuses[(8, 1)] == statuses[(8, 2)] == "done"
    assert statuses[(2, 1)] == "todo"
    assert [o["note"] for o in obs if o["task"] == 5] == ["保护中心已运行"]
    done = json.loads(
        invoke("list", "-p", "浙", "-s", "done", "--json", "-f", str(data_copy)).stdout
    )
    assert [t["id"] for t in done] == [5, 8]
    assert all(t["status"] == "todo" for t in done)  # the national status is untouched
    other = json.loads(
        invoke("list", "-p", "江苏", "-s", "done", "--json", "-f", str(data_copy)).stdout
    )
    assert other == []
    table = invoke("obligations", "-p", "浙江", "-f", str(data_copy)).stdout
    assert "已完成" in table


def test_marking_a_province_where_the_task_asks_nothing_is_an_error(data_copy: Path) -> None:
    before = data_copy.read_bytes()
    res = invoke("mark", "1", "-p", "浙江", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 1
    assert (
        res.stderr
        == "错误：任务 1 没有地方落实举措，不能为浙江省记录进度（可用 ipq obligations -p 浙江省 查看）\n"
    )
    res = invoke("mark", "3", "-p", "浙江", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 1 and "任务 3 的地方落实举措不约束该省份" in res.stderr
    res = invoke("mark", "12", "1", "-p", "浙江", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 1  # all or nothing: task 12 was not marked either
    assert data_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["mark", "19", "-s", "done"],
            "错误：没有编号为 19 的任务（本清单任务编号为 1–18；地方落实举措如 8.1、8.2）",
        ),
        (
            ["mark", "x", "-s", "done"],
            "错误：任务编号“x”无效：请写阿拉伯数字（本清单任务编号为 1–18；地方落实举措如 8.1、8.2）",
        ),
        (["mark", "1", "-s", "finished"], "错误：未知的状态“finished”"),
        (["mark", "1"], "错误：缺少选项 --status/-s（状态）"),
        (["mark", "1", "-s", "done", "-p", "火星"], "错误：未知的省份“火星”"),
        (["mark", "2", "19", "-s", "done"], "错误：没有编号为 19 的任务"),
    ],
)
def test_wrong_marks_leave_the_file_untouched(
    data_copy: Path, args: list[str], message: str
) -> None:
    before = data_copy.read_bytes()
    res = invoke(*args, "-f", str(data_copy))
    assert res.exit_code == 1
    assert res.stderr.startswith(message)
    assert len(res.stderr.strip().splitlines()) == 1
    assert data_copy.read_bytes() == before


def test_marking_what_is_already_so_writes_nothing(data_copy: Path) -> None:
    invoke("mark", "4", "-s", "done", "-f", str(data_copy))
    before = data_copy.read_bytes()
    res = invoke("mark", "4", "-s", "done", "-f", str(data_copy))
    assert res.exit_code == 0 and "没有变化" in res.stdout
    assert data_copy.read_bytes() == before


def test_history_newest_first_and_filters(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]
    invoke("mark", "12", "-s", "in_progress", *f)
    invoke("mark", "12", "-s", "done", "-n", "完成", *f)
    invoke("mark", "6", "-p", "江苏", "-s", "blocked", "-n", "人手不足", *f)
    items = json.loads(invoke("history", "--json", *f).stdout)
    assert [(h["task"], h["unit"], h["old"], h["new"]) for h in items] == [
        (6, "江苏省", "todo", "blocked"),
        (12, "专利局审业部", "in_progress", "done"),
        (12, "保护司", "in_progress", "done"),
        (12, "专利局审业部", "todo", "in_progress"),
        (12, "保护司", "todo", "in_progress"),
    ]
    assert list(items[0]) == [
        *["seq", "at", "action", "task", "unit", "group", "old", "new", "note", "duty", "source"],
        *["id", "by"],
    ]
    assert items[0]["duty"] == 1 and items[1]["duty"] is None
    assert [h["task"] for h in json.loads(invoke("history", "12", "--json", *f).stdout)] == [12] * 4
    assert len(json.loads(invoke("history", "-d", "审业部", "--json", *f).stdout)) == 2
    assert [h["note"] for h in json.loads(invoke("history", "-p", "苏", "--json", *f).stdout)] == [
        "人手不足"
    ]
    table = invoke("history", *f).stdout
    assert table.index("江苏省") < table.index("任务 12")


def test_undo_repeats_back_to_the_original_bytes(data_copy: Path) -> None:
    original = data_copy.read_bytes()
    f = ["-f", str(data_copy)]
    invoke("mark", "12", "-s", "in_progress", "-n", "a", *f)
    invoke("mark", "12", "-s", "done", *f)
    invoke("mark", "7", "-p", "广东", "-s", "done", *f)
    invoke("mark", "7", "-p", "广东", "-s", "blocked", "-n", "b", *f)
    invoke("groups", "add", "知识产权保护中心", "浙江", "江苏", "--source", "浙知发〔2019〕1号", *f)
    invoke("groups", "remove", "一带一路", "浙江", *f)
    for _ in range(6):
        assert invoke("undo", *f).exit_code == 0
    assert data_copy.read_bytes() == original
    res = invoke("undo", *f)
    assert res.exit_code == 1 and res.stderr == "错误：没有可以撤销的变更\n"


def test_a_mark_changes_only_that_tasks_progress_and_the_history(data_copy: Path) -> None:
    import difflib

    before = data_copy.read_text(encoding="utf-8").splitlines()
    invoke("mark", "14", "-s", "done", "-f", str(data_copy))  # one department leads 14
    after = data_copy.read_text(encoding="utf-8").splitlines()
    added = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert all(line.startswith("+") for line in added)
    assert [line[1:].split(":")[0] for line in added] == [
        "  progress",
        "    departments",
        "      运用促进司",
        "        status",
        "        updated",
        "history",
        "- seq",
        "  at",
        "  task",
        "  unit",
        "  old",
        "  new",
        "  id",
        "  by",
    ]
    progress = after.index("  progress:")
    assert after[progress - 1] == "    kind: milestone" and after[progress + 5] == "- id: 15"
    assert after[-9:] == [line[1:] for line in added[-9:]]  # the history is at the end


def test_groups_add_and_remove(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]

    def obs() -> dict[int, str]:
        result = json.loads(invoke("obligations", "-p", "浙江", "--json", *f).stdout)
        return {o["task"]: o["level"] for o in result["obligations"]}

    assert obs()[5] == "if_member"
    res = invoke(
        "groups", "add", "知识产权保护中心", "浙江", "--source", "浙江省知识产权保护中心批复", *f
    )
    assert res.exit_code == 0 and "浙江省加入“知识产权保护中心涉及省份”" in res.stdout
    assert obs()[5] == "must"
    groups = {g["name"]: g for g in json.loads(invoke("groups", "--json", *f).stdout)}
    assert groups["知识产权保护中心涉及省份"]["members"] == [
        {"province": "浙江省", "source": "浙江省知识产权保护中心批复"}
    ]
    res = invoke("groups", "add", "保护中心", "zhejiang", *f)
    assert res.exit_code == 1 and "浙江省已是“知识产权保护中心涉及省份”的成员" in res.stderr
    res = invoke("groups", "remove", "一带一路", "河北", *f)
    assert res.exit_code == 1 and "河北省不是“" in res.stderr
    res = invoke("groups", "add", "没有这个组", "浙江", *f)
    assert res.exit_code == 1 and res.stderr.startswith("错误：未知的省份组“没有这个组”")
    assert invoke("groups", "remove", "知识产权保护中心", "浙", *f).exit_code == 0
    assert obs()[5] == "if_member"


def test_first_change_makes_a_working_copy_and_leaves_the_bundled_list(tmp_path: Path) -> None:
    bundled = bundled_path()
    before = bundled.read_bytes()
    assert invoke("where").stdout.strip() == str(bundled)
    res = invoke("mark", "12", "-s", "done")
    copy = working_copy_path()
    assert res.exit_code == 0
    assert res.stderr.count("已创建工作副本") == 1 and str(copy) in res.stderr
    assert bundled.read_bytes() == before
    assert invoke("where").stdout.strip() == str(copy)
    assert json.loads(invoke("show", "12", "--json").stdout)["status"] == "done"
    res = invoke("mark", "13", "-s", "done")
    assert "已创建工作副本" not in res.stderr
    assert bundled.read_bytes() == before


def test_read_commands_never_write(data_copy: Path) -> None:
    invoke("mark", "2", "-s", "done", "-f", str(data_copy))
    before = data_copy.read_bytes()
    mtime = data_copy.stat().st_mtime_ns
    for args in (
        ["list"],
        ["show", "2"],
        ["depts"],
        ["obligations", "-p", "浙江"],
        ["provinces"],
        ["groups"],
        ["history"],
        ["summary"],
        ["validate"],
        ["where"],
    ):
        assert invoke(*args, "-f", str(data_copy)).exit_code == 0, args
    assert data_copy.read_bytes() == before and data_copy.stat().st_mtime_ns == mtime
    assert not working_copy_path().exists()


def test_init_and_ipq_file(tmp_path: Path) -> None:
    target = tmp_path / "team" / "ledger.yaml"
    res = invoke("init", str(target))
    assert res.exit_code == 0 and target.read_bytes() == bundled_path().read_bytes()
    res = invoke("init", str(target))
    assert res.exit_code == 1 and "已存在" in res.stderr
    env = {"IPQ_FILE": str(target)}
    assert invoke("where", env=env).stdout.strip() == str(target)
    invoke("mark", "9", "-s", "done", env=env)
    assert json.loads(invoke("show", "9", "--json", "-f", str(target)).stdout)["status"] == "done"
    assert invoke("init", str(target), "--force").exit_code == 0
    assert target.read_bytes() == bundled_path().read_bytes()
    assert invoke("init").exit_code == 0 and working_copy_path().exists()


def test_overdue_and_as_of(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]
    invoke("mark", "3", "-s", "done", *f)
    before = json.loads(invoke("list", "--overdue", "--as-of", "2019-12-31", "--json", *f).stdout)
    assert before == []
    after = [
        t["id"]
        for t in json.loads(
            invoke("list", "--overdue", "--as-of", "2020-01-01", "--json", *f).stdout
        )
    ]
    assert after == [i for i in range(1, 19) if i != 3]
    table = invoke("list", "--as-of", "2020-01-01", *f).stdout
    assert "逾期" in table
    assert "逾期" not in invoke("list", "--as-of", "2019-06-01", *f).stdout
    res = invoke("list", "--overdue", "--as-of", "明天", *f)
    assert res.exit_code == 1 and "日期“明天”无效" in res.stderr


def test_summary(data_copy: Path) -> None:
    f = ["-f", str(data_copy)]
    invoke("mark", "1", "3", "-s", "done", *f)
    invoke("mark", "2", "-p", "浙江", "-s", "done", *f)
    s = json.loads(invoke("summary", "--as-of", "2020-01-01", "--json", *f).stdout)
    assert s["tasks"] == {
        "todo": 16,
        "in_progress": 0,
        "done": 2,
        "blocked": 0,
        "not_applicable": 0,
        "total": 18,
        "overdue": 16,
    }
    cat1 = s["categories"][0]
    assert cat1 == {
        "category": "一、提高知识产权审查质量和审查效率",
        "done": 2,
        "total": 3,
        "overdue": 1,
        "binding": 3,
        "to_confirm": 0,
        "not_applicable": 0,
    }
    tm = next(d for d in s["departments"] if d["department"] == "商标局")
    assert (tm["done"], tm["total"]) == (2, 5)
    zj = next(p for p in s["provinces"] if p["province"] == "浙江省")
    # 17 duties concern 浙江 (task 8 has two); 11 bind it, 6 wait for it to confirm
    assert (zj["done"], zj["total"], zj["binding"], zj["to_confirm"]) == (1, 17, 11, 6)
    text = invoke("summary", "--as-of", "2020-01-01", *f).stdout
    assert "逾期16项" in "".join(text.split()) and "2/3" in text and "…" not in text
    depts = json.loads(invoke("depts", "--json", *f).stdout)
    assert next(d for d in depts if d["name"] == "商标局")["done"] == 2
    provs = json.loads(invoke("provinces", "--json", *f).stdout)
    assert next(p for p in provs if p["province"] == "浙江省")["done"] == 1


def test_the_cache_keeps_one_entry_per_file(data_copy: Path, isolated_home: Path) -> None:
    f = ["-f", str(data_copy)]
    invoke("list", *f)
    for status in ("in_progress", "done", "blocked"):
        invoke("mark", "12", "-s", status, *f)
    invoke("undo", *f)
    from ipq import cache

    entries = list((isolated_home / "cache").rglob("*" + cache.SUFFIX))
    assert [e.stem for e in entries] == [cache.key(data_copy.read_bytes())]  # the current bytes'
    assert json.loads(invoke("show", "12", "--json", *f).stdout)["status"] == "done"


def test_a_change_is_signed_with_the_users_name_and_the_machines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import getpass
    import socket

    from ipq.ledger import who

    monkeypatch.delenv("IPQ_USER", raising=False)
    assert who() == f"{getpass.getuser()}@{socket.gethostname()}"
    monkeypatch.setenv("IPQ_USER", " 浙江省知识产权局 张三 ")
    assert who() == "浙江省知识产权局 张三"

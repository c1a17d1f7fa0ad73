"""The read commands: list, show, depts, validate, as a user drives them."""

from __future__ import annotations

import json
import re

import pytest
from rich.cells import cell_len

from ipq.models import TaskList

from .conftest import invoke, run_ipq


def ids(*args: str) -> list[int]:
    res = invoke("list", *args, "--json")
    assert res.exit_code == 0, res.stderr
    return [t["id"] for t in json.loads(res.stdout)]


def test_trademark_office_leads_tasks_1_3_4_10_13() -> None:
    assert ids("--dept", "商标局") == [1, 3, 4, 10, 13]
    res = invoke("list", "--dept", "商标局")
    assert res.exit_code == 0
    rows = [int(m) for m in re.findall(r"^│\s+(\d+) │", res.stdout, flags=re.M)]
    assert rows == [1, 3, 4, 10, 13]


def test_every_department_and_its_short_forms(tl: TaskList) -> None:
    for d in tl.departments:
        expected = [t.id for t in tl.tasks if d.name in t.departments]
        assert expected, d.name
        assert ids("--dept", d.name) == expected
        for alias in d.aliases:
            assert ids("--dept", alias) == expected, alias
    assert ids("--dept", "审业部") == [1, 2, 4, 5, 12]


@pytest.mark.parametrize("form", ["3", "三", "三、", "促进知识产权综合运用", "综合运用"])
def test_category_forms_select_the_same_tasks(tl: TaskList, form: str) -> None:
    assert ids("--category", form) == [t.id for t in tl.tasks if t.category == 3]


def test_filters_combine(tl: TaskList) -> None:
    expected = [t.id for t in tl.tasks if "运用促进司" in t.departments and t.category == 3]
    assert expected and ids("--dept", "运用促进司", "--category", "3") == expected
    completion = [t.id for t in tl.tasks if t.deadline.text == "年底前完成"]
    assert ids("--deadline", "年底前完成") == completion
    assert ids("--deadline", "completion") == completion
    assert ids("--deadline", "completion", "--dept", "商标局") == [
        i for i in completion if i in (1, 3, 4, 10, 13)
    ]
    assert ids("--status", "todo") == [t.id for t in tl.tasks]
    assert ids("--status", "已完成") == []


def test_grep_searches_titles_and_measures_ignoring_layout_spaces(tl: TaskList) -> None:
    assert ids("--grep", "马德里") == [t.id for t in tl.tasks if "马德里" in t.national_measures]
    assert ids("--grep", "TISC") == [16]
    assert ids("--grep", "做好2018年") == [6]  # the source writes "做好 2018年"
    assert ids("--grep", "囤积") == [13]
    res = invoke("list", "--grep", "区块链")
    assert res.exit_code == 0 and "没有符合条件的任务" in res.stdout


def test_list_json_shape(tl: TaskList) -> None:
    res = invoke("list", "--json", "--as-of", "2019-06-30")
    tasks = json.loads(res.stdout)
    assert len(tasks) == 18
    first = tasks[0]
    assert list(first) == [
        "id",
        "title",
        "category",
        "category_number",
        "departments",
        "deadline",
        "deadline_kind",
        "due",
        "status",
        "note",
        "updated",
        "overdue",
        "national_measures",
        "local_measures",
        "departments_progress",
    ]
    assert first["category"] == "提高知识产权审查质量和审查效率"
    assert first["departments"] == ["条法司", "专利局审业部", "专利局自动化部", "商标局"]
    assert first["deadline"] == "年内有阶段性成果" and first["due"] == "2019-12-31"
    assert first["status"] == "todo" and first["overdue"] is False
    assert first["local_measures"] == []
    eight = tasks[7]
    assert [m["rule"] for m in eight["local_measures"]] == [d.rule.text for d in tl.task(8).duties]
    assert list(eight["local_measures"][0]) == ["measures", "rule", "binds", "group"]
    assert not any(m["rule"].startswith("省份：") for t in tasks for m in t["local_measures"])


def test_show_prints_everything_in_full(tl: TaskList) -> None:
    for width in (80, 120):
        res = invoke("show", "16", env={"COLUMNS": str(width)})
        assert res.exit_code == 0
        flat = "".join(res.stdout.split())
        t = tl.task(16)
        for text in (
            t.title,
            t.national_measures,
            *t.duties[0].measures.split("\n"),
            "涉及省份必做；其他省份选做",
        ):
            assert "".join(text.split()) in flat
        assert "国际合作司、公共服务司、专利局文献部" in flat
        assert "…" not in res.stdout


def test_show_json_is_the_list_shape(tl: TaskList) -> None:
    one = json.loads(invoke("show", "8", "--json").stdout)
    listed = json.loads(invoke("list", "--json").stdout)[7]
    assert one.pop("provinces_progress") == []  # show adds every province's recorded progress
    assert one == listed
    assert len(one["local_measures"]) == 2


@pytest.mark.parametrize("bad", ["0", "19", "99"])
def test_show_unknown_task(bad: str) -> None:
    res = invoke("show", bad)
    assert res.exit_code == 1
    assert (
        res.stderr.strip()
        == f"错误：没有编号为 {bad} 的任务（本清单任务编号为 1–18；地方落实举措如 8.1、8.2）"
    )


def test_show_needs_a_number() -> None:
    res = invoke("show", "十二")
    assert res.exit_code == 1
    assert (
        res.stderr
        == "错误：任务编号“十二”无效：请写阿拉伯数字（本清单任务编号为 1–18；地方落实举措如 8.1、8.2）\n"
    )


def test_depts(tl: TaskList) -> None:
    data = json.loads(invoke("depts", "--json").stdout)
    assert [d["name"] for d in data] == [d.name for d in tl.departments]
    by_name = {d["name"]: d["tasks"] for d in data}
    assert by_name["商标局"] == [1, 3, 4, 10, 13]
    assert by_name["专利局审业部"] == [1, 2, 4, 5, 12]
    assert list(data[0]) == ["name", "english", "aliases", "tasks", "done", "overdue"]
    table = invoke("depts").stdout
    assert "专利局自动化部" in table and "1、10" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--dept", "商标处"], "错误：未知的部门“商标处”（您是不是要找：商标局？）"),
        (
            ["list", "--dept", "专利局"],
            "错误：部门“专利局”不明确，可能是：专利局审业部、专利局自动化部、专利局文献部",
        ),
        (["list", "--category", "9"], "错误：未知的类别“9”"),
        (["list", "--status", "finished"], "错误：未知的状态“finished”"),
        (["list", "--deadline", "明年"], "错误：未知的完成时间“明年”"),
        (
            ["list", "--as-of", "2019-13-01"],
            "错误：日期“2019-13-01”无效，请写作 年-月-日，如 2019-12-31",
        ),
        (
            ["list", "--dpt", "x"],
            "错误：ipq list 没有选项 --dpt（您是不是要找 --dept？）（运行 ipq list --help",
        ),
        (["show"], "错误：缺少参数 任务编号（运行 ipq show --help 查看用法）"),
        (
            ["obligations"],
            "错误：请用 --province 指定省份（或用 ipq config set unit 浙江 设定默认单位）",
        ),
        (["lst"], "错误：没有这个命令：lst（您是不是要找 list？）（运行 ipq --help 查看用法）"),
    ],
)
def test_bad_options_get_one_line(args: list[str], message: str) -> None:
    res = invoke(*args)
    assert res.exit_code == 1
    assert res.stderr.startswith(message)
    assert len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""


WIDE = re.compile(r"…")


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("args", [["list"], ["list", "--dept", "商标局"], ["show", "5"], ["depts"]])
def test_tables_fit_the_width_and_cut_nothing(width: int, args: list[str], tl: TaskList) -> None:
    res = invoke(*args, env={"COLUMNS": str(width)})
    assert res.exit_code == 0
    assert "…" not in res.stdout
    assert max(cell_len(line) for line in res.stdout.splitlines()) <= width
    if args[0] == "list":
        titles = "".join(
            line.split("│")[2].strip() for line in res.stdout.splitlines() if line.startswith("│")
        )
        for t in tl.tasks:
            if len(args) == 1 or "商标局" in t.departments:
                assert t.title in titles


def test_real_process_from_another_directory_without_colour(tmp_path) -> None:
    proc = run_ipq("list", "--dept", "审业部", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    assert "全力压减审查周期" in proc.stdout
    forced = run_ipq("list", cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in forced.stdout
    coloured = run_ipq("list", cwd=tmp_path, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.stdout  # the NO_COLOR check above is not vacuous


@pytest.mark.parametrize(
    ("args", "valid"),
    [
        (
            ["list", "--status", "finished"],
            "可用：未开始、进行中、已完成、受阻、不涉及（或 todo、in_progress、done、blocked、not_applicable）",
        ),
        (["list", "--category", "9"], "可用：1–7、一–七 或类别名称"),
        (
            ["list", "--deadline", "明年"],
            "可用：年内有阶段性成果（milestone）、年底前完成（completion）",
        ),
        (["list", "--dept", "xyz"], "可用：条法司、战略规划司"),
        (["obligations", "-p", "火星"], "如 浙江、浙江省、浙、zhejiang"),
        (
            ["obligations", "-p", "浙", "-l", "sometimes"],
            "可用：must（必做）、optional（选做）、if_member（涉及则必做）",
        ),
    ],
)
def test_a_wrong_name_with_nothing_near_says_what_is_valid(args: list[str], valid: str) -> None:
    res = invoke(*args)
    assert res.exit_code == 1
    assert valid in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_command_collects_cycles_rarely_and_still_does() -> None:
    """The ipq process raises the collector's first threshold (a command keeps almost
    all it makes); a cycle made after that is still collected."""
    import subprocess
    import sys

    script = (
        "import gc, sys, weakref\n"
        "from ipq import cli\n"
        "sys.argv = ['ipq', 'where']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "class Node: pass\n"
        "a = Node(); a.me = a; seen = weakref.ref(a); del a\n"
        "kept = [[] for _ in range(cli.GC_THRESHOLD * 2)]\n"
        "print(gc.get_threshold()[0], seen() is None)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["100000", "True"]

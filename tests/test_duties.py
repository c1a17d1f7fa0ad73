"""Progress shaped like the duties offices report (issue 10).

Per duty and per department, 不涉及, three-valued membership, honest overdue,
notes that are kept, a default unit, the board, the corrected groups, and
place names that contain a province's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ipq.errors import UnknownName
from ipq.models import STATUSES
from ipq.names import PROVINCE_NAMES, resolve_province
from ipq.store import parse_fresh

from .conftest import invoke


def run(data: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    res = invoke(*args, "-f", str(data), env=env)
    assert res.exit_code == 0, res.stderr
    return res


def as_json(data: Path, *args: str) -> Any:
    return json.loads(run(data, *args, "--json").stdout)


def duties_of(data: Path, task: str, province: str) -> dict[str, Any]:
    [obj] = [t for t in as_json(data, "list", "-p", province) if str(t["id"]) == task]
    return {d["number"]: d for d in obj["province"]["duties"]}


# -- units of progress ------------------------------------------------------------


def test_a_duty_number_marks_that_duty_only_and_a_task_number_all(data_copy: Path) -> None:
    res = run(data_copy, "mark", "8.2", "--province", "浙江", "-s", "done")
    assert res.stdout.strip() == "任务 8.2（浙江省）：未开始 → 已完成"
    duties = duties_of(data_copy, "8", "浙江")
    assert (duties["8.1"]["status"], duties["8.2"]["status"]) == ("todo", "done")
    run(data_copy, "mark", "8", "--province", "浙江", "-s", "in_progress")
    duties = duties_of(data_copy, "8", "浙江")
    assert duties["8.1"]["status"] == duties["8.2"]["status"] == "in_progress"
    assert list(duties["8.1"]) == [
        *["duty", "number", "level", "status", "note", "updated", "overdue", "to_confirm"]
    ]
    assert [h["duty"] for h in as_json(data_copy, "history", "8.2")] == [2, 2]
    shown = as_json(data_copy, "show", "8.2")  # the shown number is accepted by show too
    assert [(p["province"], p["number"], p["status"]) for p in shown["provinces_progress"]] == [
        ("浙江省", "8.1", "in_progress"),
        ("浙江省", "8.2", "in_progress"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mark", "8.3", "-p", "浙江", "-s", "done"], "任务 8 只有 2 条地方落实举措，没有 8.3"),
        (["mark", "8.2", "-s", "done"], "“8.2”是地方落实举措的编号"),
        (["mark", "1", "--dept", "商标局", "-p", "浙江", "-s", "done"], "任务 1 没有地方落实举措"),
        (
            ["mark", "3", "--dept", "保护司", "-s", "done"],
            "保护司不是任务 3 的执行部门（执行部门：商标局）",
        ),
        (["mark", "3", "-s", "不涉及"], "国家知识产权局各部门的任务都须完成，不能标为不涉及"),
        (
            ["mark", "2", "-p", "浙江", "-s", "不涉及"],
            "2 对浙江省是必做（各省份必做），不能标为不涉及",
        ),
        (["mark", "15", "-p", "浙江", "-s", "n/a"], "15 对浙江省是必做"),
        (["mark", "3", "-p", "浙江", "-s", "done"], "任务 3 的地方落实举措不约束该省份"),
        (
            ["mark", "3", "-s", "done", "-n", "x", "--clear-note"],
            "--note 与 --clear-note 只能选一个",
        ),
    ],
)
def test_marks_that_cannot_be_are_refused_with_a_reason(
    data_copy: Path, args: list[str], message: str
) -> None:
    before = data_copy.read_bytes()
    res = invoke(*args, "-f", str(data_copy))
    assert res.exit_code == 1 and message in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert data_copy.read_bytes() == before


def test_each_department_keeps_its_own_status_and_the_task_rolls_up(data_copy: Path) -> None:
    run(data_copy, "mark", "1", "--dept", "商标局", "-s", "done")
    task = as_json(data_copy, "show", "1")
    assert [(p["department"], p["status"]) for p in task["departments_progress"]] == [
        ("条法司", "todo"),
        ("专利局审业部", "todo"),
        ("专利局自动化部", "todo"),
        ("商标局", "done"),
    ]
    assert task["status"] == "in_progress"  # some done, some not
    assert [t["id"] for t in as_json(data_copy, "list", "--dept", "商标局", "-s", "done")] == [1]
    assert as_json(data_copy, "list", "--dept", "条法司", "-s", "done") == []
    run(data_copy, "mark", "1", "-d", "审业部", "-d", "自动化部", "-s", "blocked")
    assert as_json(data_copy, "show", "1")["status"] == "blocked"  # any blocked
    run(data_copy, "mark", "1", "-s", "done")  # no --dept: every department
    task = as_json(data_copy, "show", "1")
    assert task["status"] == "done" and {p["status"] for p in task["departments_progress"]} == {
        "done"
    }
    table = run(data_copy, "show", "1").stdout
    assert "商标局：已完成" in table and "条法司：已完成" in table


def test_the_status_filter_and_the_table_agree_for_a_province(data_copy: Path) -> None:
    run(data_copy, "mark", "5", "-p", "浙江", "-s", "done")
    run(data_copy, "mark", "8.1", "-p", "浙江", "-s", "done")
    done = as_json(data_copy, "list", "-p", "浙江", "-s", "done")
    assert [t["id"] for t in done] == [5]  # 8 is half done: in progress
    assert [t["id"] for t in as_json(data_copy, "list", "-p", "浙江", "-s", "进行中")] == [8]
    table = invoke(
        "list", "-p", "浙江", "-s", "done", "-f", str(data_copy), env={"COLUMNS": "120"}
    ).stdout
    assert "完善快速协同保护体系" in table and "助力产业转型升级" not in table
    assert all(t["status"] == "todo" for t in done)  # the national status is untouched


# -- 不涉及 and group membership ------------------------------------------------------


def test_not_applicable_on_an_if_member_duty_records_non_membership_and_undo_reverts_both(
    data_copy: Path,
) -> None:
    original = data_copy.read_bytes()
    res = run(data_copy, "mark", "5", "-p", "西藏", "-s", "不涉及", "-n", "无保护中心")
    assert res.stdout.splitlines() == [
        "任务 5（西藏自治区）：未开始 → 不涉及（备注：无保护中心）",
        "西藏自治区声明不属于“知识产权保护中心涉及省份”",
    ]
    group = next(g for g in as_json(data_copy, "groups") if g["name"] == "知识产权保护中心涉及省份")
    [declared] = group["non_members"]
    assert declared["province"] == "西藏自治区" and "自行声明不涉及" in declared["source"]
    assert "已声明不属于" in run(data_copy, "groups").stdout
    levels = {
        o["number"]: o["level"]
        for o in as_json(data_copy, "obligations", "-p", "西藏")["obligations"]
    }
    assert levels["5"] == "optional"  # a known non-member may: 其他省份选做
    run(data_copy, "undo")
    assert data_copy.read_bytes() == original


def test_not_applicable_on_an_optional_duty_changes_no_group(data_copy: Path) -> None:
    run(data_copy, "groups", "exclude", "保护中心", "西藏", "--source", "藏知函〔2019〕1号")
    res = run(data_copy, "mark", "5", "-p", "西藏", "-s", "不涉及")
    assert res.stdout.strip() == "任务 5（西藏自治区）：未开始 → 不涉及"
    tl = parse_fresh(data_copy.read_bytes(), "x")
    assert [m.source for m in tl.group("知识产权保护中心涉及省份").non_members] == [
        "藏知函〔2019〕1号"
    ]


def test_membership_is_three_valued_and_every_change_undoes(data_copy: Path) -> None:
    f = "知识产权强省建设试点省"
    g = parse_fresh(data_copy.read_bytes(), "x").group(f)
    assert (g.membership("江苏省"), g.membership("浙江省")) == (True, None)
    run(data_copy, "groups", "exclude", "强省试点", "浙江", "江苏", "--source", "声明")
    g = parse_fresh(data_copy.read_bytes(), "x").group(f)
    assert (g.membership("江苏省"), g.membership("浙江省")) == (False, False)
    run(data_copy, "groups", "add", "强省试点", "浙江", "--source", "批复")  # moves back
    g = parse_fresh(data_copy.read_bytes(), "x").group(f)
    assert g.membership("浙江省") and g.non_members[0].province == "江苏省"
    for _ in range(2):
        run(data_copy, "undo")
    g = parse_fresh(data_copy.read_bytes(), "x").group(f)
    assert (g.membership("江苏省"), g.membership("浙江省")) == (True, None)
    assert g.member_names()[0] == "江苏省"  # back in its place
    res = invoke("groups", "exclude", "商标审查协作中心", "浙江", "-f", str(data_copy))
    assert res.exit_code == 1 and "名单是完整的" in res.stderr


# -- overdue ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "status", "as_of", "overdue"),
    [
        ("2", "in_progress", "2020-01-01", False),  # milestone: a stage result meets it
        ("2", "todo", "2020-01-01", True),
        ("2", "blocked", "2020-01-01", True),
        ("2", "todo", "2019-12-31", False),  # not yet past
        ("4", "in_progress", "2020-01-01", True),  # completion: only done meets it
        ("4", "done", "2020-01-01", False),
        ("4", "in_progress", "2019-06-30", False),
    ],
)
def test_overdue_by_kind_of_deadline(
    data_copy: Path, task: str, status: str, as_of: str, overdue: bool
) -> None:
    if status != "todo":
        run(data_copy, "mark", task, "-p", "浙江", "-s", status)
        run(data_copy, "mark", task, "-s", status)
    duty = next(iter(duties_of(data_copy, task, "浙江").values()))
    [obj] = [
        t
        for t in as_json(data_copy, "list", "-p", "浙江", "--as-of", as_of)
        if str(t["id"]) == task
    ]
    assert obj["province"]["duties"][0]["overdue"] is overdue
    assert as_json(data_copy, "show", task, "--as-of", as_of)["overdue"] is overdue
    assert duty["level"] == "must"


def test_only_binding_duties_are_ever_overdue(data_copy: Path) -> None:
    """西藏 showed 16 of 16 overdue: now only what binds it."""
    day = ["--as-of", "2020-01-01"]
    summary = as_json(data_copy, "summary", *day)
    xz = next(p for p in summary["provinces"] if p["province"] == "西藏自治区")
    assert (xz["total"], xz["binding"], xz["overdue"], xz["to_confirm"]) == (17, 11, 11, 6)
    obs = as_json(data_copy, "obligations", "-p", "西藏", *day)["obligations"]
    assert {o["number"] for o in obs if o["to_confirm"]} == {"5", "7", "8.1", "8.2", "10", "16"}
    assert not any(o["overdue"] for o in obs if o["to_confirm"])
    table = run(data_copy, "obligations", "-p", "西藏", *day).stdout
    assert table.count("待确认") >= 6
    # taken up, an optional duty binds and can be overdue; declared 不涉及, never
    run(data_copy, "groups", "exclude", "保护中心", "西藏")
    run(data_copy, "mark", "5", "-p", "西藏", "-s", "blocked")
    run(data_copy, "mark", "7", "-p", "西藏", "-s", "不涉及")
    obs = {
        o["number"]: o for o in as_json(data_copy, "obligations", "-p", "西藏", *day)["obligations"]
    }
    assert (obs["5"]["level"], obs["5"]["overdue"]) == ("optional", True)
    assert (obs["7"]["status"], obs["7"]["overdue"]) == ("not_applicable", False)


def test_summary_provinces_board_and_the_province_export_count_alike(data_copy: Path) -> None:
    day = ["--as-of", "2020-01-01"]
    run(data_copy, "mark", "2", "4", "-p", "浙江", "-s", "done")
    run(data_copy, "mark", "5", "-p", "浙江", "-s", "in_progress")
    run(data_copy, "mark", "7", "-p", "浙江", "-s", "不涉及")
    s = next(
        p for p in as_json(data_copy, "summary", *day)["provinces"] if p["province"] == "浙江省"
    )
    p = next(p for p in as_json(data_copy, "provinces", *day) if p["province"] == "浙江省")
    b = next(r for r in as_json(data_copy, "board", *day)["provinces"] if r["province"] == "浙江省")
    assert (s["done"], s["binding"], s["overdue"]) == (2, 12, 9)
    assert (p["done"], p["binding"], p["overdue"]) == (s["done"], s["binding"], s["overdue"])
    assert (b["done"], b["binding"], b["overdue"]) == (s["done"], s["binding"], s["overdue"])
    md = run(data_copy, "export", "-F", "md", "-p", "浙江", *day).stdout
    assert "应做 12 项，已完成 2 项，逾期 9 项，待确认 4 项" in md


# -- notes -------------------------------------------------------------------------------


def test_notes_are_kept_replaced_cleared_and_changed_alone(data_copy: Path) -> None:
    def note() -> str | None:
        return as_json(data_copy, "show", "3")["note"]

    out = run(data_copy, "mark", "3", "-s", "in_progress", "-n", "第一条").stdout
    assert out.strip() == "任务 3（商标局）：未开始 → 进行中（备注：第一条）"
    out = run(data_copy, "mark", "3", "-s", "done").stdout
    assert (
        out.strip() == "任务 3（商标局）：进行中 → 已完成（备注不变：第一条）"
        and note() == "第一条"
    )
    out = run(data_copy, "note", "3", "第二条").stdout
    assert out.strip() == "任务 3（商标局）：已完成 → 已完成（备注：第二条）" and note() == "第二条"
    out = run(data_copy, "mark", "3", "-s", "done", "--clear-note").stdout
    assert out.strip() == "任务 3（商标局）：已完成 → 已完成（备注已清除）" and note() is None
    assert [h["note"] for h in as_json(data_copy, "history", "3")] == [
        None,
        "第二条",
        "第一条",
        "第一条",
    ]
    assert "没有变化" in run(data_copy, "mark", "3", "-s", "done").stdout


# -- who I am ------------------------------------------------------------------------------


def test_a_default_unit_from_the_config_file(data_copy: Path, isolated_home: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(isolated_home / "config")}
    res = run(data_copy, "config", "set", "unit", "zhejiang", env=env)
    assert "已设定 unit = 浙江省" in res.stdout
    config = isolated_home / "config" / "ipq" / "config.toml"
    assert config.read_text(encoding="utf-8") == 'unit = "浙江省"\n'
    res = invoke("mark", "5", "-s", "done", "-f", str(data_copy), env=env)
    assert res.exit_code == 0 and res.stdout.strip() == "任务 5（浙江省）：未开始 → 已完成"
    assert "以 浙江省 的身份" in res.stderr and str(config) in res.stderr
    obs = json.loads(invoke("obligations", "--json", "-f", str(data_copy), env=env).stdout)
    assert obs["province"] == "浙江省"
    listed = json.loads(invoke("list", "--json", "-f", str(data_copy), env=env).stdout)
    assert all(t["province"]["name"] == "浙江省" for t in listed) and len(listed) == 16
    where = invoke("where", "-f", str(data_copy), env=env)
    assert f"默认单位：浙江省（来自配置文件 {config}）" in where.stderr
    assert "unit = 浙江省" in invoke("config", env=env).stdout
    # the environment wins; empty turns the default off
    res = invoke("mark", "3", "-s", "done", "-f", str(data_copy), env={**env, "IPQ_UNIT": "商标局"})
    assert res.stdout.strip() == "任务 3（商标局）：未开始 → 已完成"
    res = invoke("mark", "6", "-s", "done", "-f", str(data_copy), env={**env, "IPQ_UNIT": ""})
    assert res.stdout.strip() == "任务 6（保护司）：未开始 → 已完成" and "身份" not in res.stderr
    assert "已取消 unit" in invoke("config", "unset", "unit", env=env).stdout
    assert "默认单位：未设定" in invoke("where", env=env).stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["config", "set", "colour", "x"], "未知的设置“colour”（可用：unit）"),
        (["config", "set", "unit", "火星"], "未知的省份“火星”"),
    ],
)
def test_bad_settings_are_refused(data_copy: Path, args: list[str], message: str) -> None:
    res = invoke(*args, "-f", str(data_copy))
    assert res.exit_code == 1 and message in res.stderr


def test_a_broken_config_file_is_one_line(isolated_home: Path) -> None:
    config = isolated_home / "config" / "ipq" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("unit = \n", encoding="utf-8")
    res = invoke("where", env={"XDG_CONFIG_HOME": str(isolated_home / "config")})
    assert res.exit_code == 2 and res.stderr.strip().splitlines()[-1].startswith(
        f"{config}: 配置文件无法解析"
    )


# -- the board ---------------------------------------------------------------------------


def test_the_board_json_agrees_with_each_provinces_obligations(data_copy: Path) -> None:
    day = ["--as-of", "2020-01-01"]
    run(data_copy, "mark", "8.2", "-p", "浙江", "-s", "done")
    run(data_copy, "mark", "5", "-p", "广东", "-s", "in_progress")
    b = as_json(data_copy, "board", *day)
    assert (
        b["duties"][:8] == ["2", "3", "4", "5", "6", "7", "8.1", "8.2"] and len(b["duties"]) == 18
    )
    assert [r["province"] for r in b["provinces"]] == list(PROVINCE_NAMES)
    for row in b["provinces"]:
        if row["province"] not in ("浙江省", "广东省", "西藏自治区", "北京市"):
            continue
        obs = as_json(data_copy, "obligations", "-p", row["province"], *day)["obligations"]
        by_number = {o["number"]: o for o in obs}
        for number, cell in row["cells"].items():
            o = by_number.get(number)
            if o is None:
                assert cell == {"level": None, "status": None, "overdue": False}
            else:
                assert cell == {"level": o["level"], "status": o["status"], "overdue": o["overdue"]}
    zj = next(r for r in b["provinces"] if r["province"] == "浙江省")
    assert zj["cells"]["8.2"]["status"] == "done" and zj["cells"]["3"]["level"] is None


@pytest.mark.parametrize("width", [80, 100, 120])
def test_the_board_fits_the_terminal(data_copy: Path, width: int) -> None:
    res = invoke(
        "board", "--as-of", "2020-01-01", "-f", str(data_copy), env={"COLUMNS": str(width)}
    )
    from rich.cells import cell_len

    lines = res.stdout.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= width
    row = next(line for line in lines if line.startswith(("浙 ", "浙江 ")))
    assert row.split()[0] == ("浙" if width < 120 else "浙江")
    assert "…" not in res.stdout
    assert (
        len([line for line in lines if line.split() and line.split()[0] in ("完成", "逾期")]) >= 2
    )


def test_the_board_exports_as_coloured_xlsx(data_copy: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from ipq.export import BOARD_FILLS

    run(data_copy, "mark", "2", "-p", "浙江", "-s", "done")
    out = tmp_path / "board.xlsx"
    run(data_copy, "export", "--board", "-o", str(out), "--as-of", "2020-01-01")
    ws = load_workbook(out).active
    heads = [c.value for c in ws[3]]
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "浙江省")
    done = row[heads.index("2")]
    assert done.value == "已完成" and done.fill.fgColor.rgb.endswith(BOARD_FILLS["done"])
    late = row[heads.index("4")]
    assert late.value == "未开始（逾期）" and late.font.color.rgb.endswith("C00000")
    assert row[heads.index("3")].value is None  # not concerned
    res = invoke("export", "--board", "-F", "csv", "-f", str(data_copy))
    assert res.exit_code == 1 and "--board 只能导出为 xlsx 或 json" in res.stderr


# -- names and old files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "place", ["海南藏族自治州", "河南蒙古族自治县", "吉林市", "Mongolia", "吉林市知识产权局"]
)
def test_a_smaller_place_is_not_the_province_in_its_name(place: str) -> None:
    with pytest.raises(UnknownName) as info:
        resolve_province(place)
    assert info.value.candidates != [] or "更小的地方" in str(info.value)
    res = invoke("obligations", "-p", place)
    assert res.exit_code == 1 and res.stderr.startswith(f"错误：未知的省份“{place}”")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("浙江省知识产权局", "浙江省"),
        ("浙江知识产权局", "浙江省"),
        ("内蒙古自治区知识产权局", "内蒙古自治区"),
    ],
)
def test_an_office_of_a_province_still_resolves(text: str, name: str) -> None:
    assert resolve_province(text) == name


OLD_FILE_TAIL = """  progress:
    status: done
    note: 旧备注
    updated: '2019-06-30T10:00:00+08:00'
    provinces:
      浙江省:
        status: in_progress
        updated: '2019-06-30T10:00:00+08:00'
"""
OLD_HISTORY = """history:
- seq: 1
  at: '2019-06-30T10:00:00+08:00'
  task: 8
  old: todo
  new: done
  note: 旧备注
- seq: 2
  at: '2019-06-30T10:00:00+08:00'
  task: 8
  unit: 浙江省
  old: todo
  new: in_progress
"""


def test_a_file_in_the_old_shape_loads_and_undoes(data_copy: Path) -> None:
    raw = data_copy.read_text(encoding="utf-8")
    old = raw.replace("- id: 9\n", OLD_FILE_TAIL + "- id: 9\n") + OLD_HISTORY
    data_copy.write_text(old, encoding="utf-8")
    shown = as_json(data_copy, "show", "8")
    assert shown["status"] == "done" and shown["note"] == "旧备注"
    assert [(p["number"], p["status"]) for p in shown["provinces_progress"]] == [
        ("8.1", "in_progress"),
        ("8.2", "in_progress"),
    ]
    run(data_copy, "undo")  # the province's old entry, split per duty
    assert as_json(data_copy, "show", "8")["provinces_progress"] == []
    run(data_copy, "undo")
    assert as_json(data_copy, "show", "8")["status"] == "todo"
    assert parse_fresh(data_copy.read_bytes(), "x").history == []


def test_what_decides_lateness_is_all_that_does() -> None:
    """Board and tally work out a state's lateness once per overdue_key: every input
    with one key has one answer, whatever else differs (the date, the deadline's text)."""
    from datetime import date, timedelta
    from itertools import product

    from ipq.models import Deadline
    from ipq.query import LEVELS, is_overdue, overdue_key

    as_of = date(2019, 9, 1)
    answers: dict[tuple[Any, ...], set[bool]] = {}
    for days, kind, status, level in product(
        (-400, -1, 0, 1, 30), ("milestone", "completion"), STATUSES, (*LEVELS, None)
    ):
        deadline = Deadline(text=f"{days}", due=as_of + timedelta(days=days), kind=kind)
        key = overdue_key(deadline, status, as_of, level)
        answers.setdefault(key, set()).add(is_overdue(deadline, status, as_of, level))
    assert all(len(found) == 1 for found in answers.values())
    assert {True, False} <= set().union(*answers.values())

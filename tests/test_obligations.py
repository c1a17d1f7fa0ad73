"""Province obligations: who must, who may, who must if concerned."""

from __future__ import annotations

import json
import re

import pytest
from rich.cells import cell_len

from ipq.models import TaskList
from ipq.names import PROVINCE_NAMES, PROVINCES
from ipq.query import duty_level, obligations

from .conftest import invoke


def obligations_json(province: str, *extra: str) -> dict:
    res = invoke("obligations", "--province", province, "--json", *extra)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.parametrize(
    "province", ["浙江省", "内蒙古自治区", "广东省", "北京市", "新疆生产建设兵团"]
)
def test_every_accepted_form_gives_the_same_answer(province: str) -> None:
    p = next(x for x in PROVINCES if x.name == province)
    expected = obligations_json(province)
    assert expected["province"] == province
    for form in (p.short, p.abbr, p.pinyin, p.english, p.english.lower(), p.english.upper()):
        assert obligations_json(form) == expected, form


def test_every_all_provinces_duty_is_must_everywhere(tl: TaskList) -> None:
    all_duties = [
        (t.id, i) for t in tl.tasks for i, d in enumerate(t.duties, 1) if d.rule.binds == "all"
    ]
    assert len(all_duties) >= 10
    for name in PROVINCE_NAMES:
        got = {(o.task.id, o.duty_number): o.level for o in obligations(tl, name).items}
        for key in all_duties:
            assert got[key] == "must", (name, key)


def test_task_1_never_appears(tl: TaskList) -> None:
    for name in PROVINCE_NAMES:
        assert all(o.task.id != 1 for o in obligations(tl, name).items)
        assert 1 not in [t["id"] for t in json.loads(invoke("list", "-p", name, "--json").stdout)]


def test_levels_follow_group_membership_and_completeness(tl: TaskList) -> None:
    checked = set()
    for t in tl.tasks:
        for d in t.duties:
            if d.rule.group is None:
                continue
            group = tl.group(d.rule.group)
            for name in PROVINCE_NAMES:
                level = duty_level(tl, d, name)
                member = group.membership(name)
                if member:
                    assert level == "must"
                elif member is None:
                    assert level == "if_member" and not group.complete
                elif d.rule.binds == "group_others_optional":
                    assert level == "optional"
                else:
                    assert level is None
                checked.add((group.complete, d.rule.binds, member))
    # every branch the real list has was exercised (a known non-member of an
    # incomplete group, which makes "optional", is declared in test_duties.py)
    assert {
        (True, "group_only", True),
        (True, "group_only", False),
        (False, "group_others_optional", True),
        (False, "group_others_optional", None),
    } <= checked


def test_known_answers_for_three_provinces() -> None:
    zj = obligations_json("浙江")
    levels = {(o["task"], o["duty"]): o["level"] for o in zj["obligations"]}
    assert levels[(15, 1)] == "must"  # 一带一路 member
    assert levels[(5, 1)] == "if_member"  # 保护中心: roster unknown
    assert (3, 1) not in levels  # 商标审查协作中心: complete, 浙江 not in it
    assert zj["counts"]["not_concerned"] == 1
    gd = {(o["task"], o["duty"]): o["level"] for o in obligations_json("粤")["obligations"]}
    assert gd[(3, 1)] == gd[(8, 1)] == gd[(8, 2)] == gd[(10, 1)] == gd[(15, 1)] == "must"
    bj = {(o["task"], o["duty"]): o["level"] for o in obligations_json("beijing")["obligations"]}
    assert bj[(15, 1)] == "must" and bj[(8, 2)] == "must" and bj[(8, 1)] == "if_member"
    xz = {(o["task"], o["duty"]): o["level"] for o in obligations_json("西藏")["obligations"]}
    assert xz[(15, 1)] == "must" and xz[(5, 1)] == "if_member" and (3, 1) not in xz


def test_obligation_json_shape() -> None:
    data = obligations_json("zhejiang")
    assert list(data) == ["province", "obligations", "counts"]
    first = data["obligations"][0]
    assert list(first) == [
        "task",
        "title",
        "duty",
        "level",
        "rule",
        "group",
        "measures",
        "deadline",
        "due",
        "status",
        "note",
        "updated",
        "overdue",
        "number",
        "to_confirm",
    ]
    assert first["status"] == "todo" and first["due"] == "2019-12-31"
    assert not first["rule"].startswith("省份：")
    counts = data["counts"]
    assert sum(counts[k] for k in ("must", "optional", "if_member")) == len(data["obligations"])
    only_must = obligations_json("zhejiang", "--level", "must")
    assert only_must["counts"] == counts  # the counts are the province's, whatever is listed
    assert len(only_must["obligations"]) == counts["must"]
    closing = "".join(invoke("obligations", "-p", "浙江", "-l", "must").stdout.splitlines()[-3:])
    closing = "".join(closing.split())
    assert "涉及则必做6项" in closing and "本表列出其中11项" in closing


def test_level_filter(tl: TaskList) -> None:
    everything = obligations_json("浙江")["obligations"]
    for level, typed in (("must", "必做"), ("if_member", "if-member"), ("optional", "optional")):
        only = obligations_json("浙江", "--level", typed)["obligations"]
        assert only == [o for o in everything if o["level"] == level]
    res = invoke("obligations", "-p", "浙江", "--level", "sometimes")
    assert res.exit_code == 1 and res.stderr.startswith("错误：未知的要求“sometimes”")


def test_unknown_province_fails_cleanly() -> None:
    res = invoke("obligations", "--province", "浙将")
    assert res.exit_code == 1
    assert res.stderr.startswith("错误：未知的省份“浙将”（您是不是要找：浙江省")
    assert "Traceback" not in res.stderr
    res = invoke("list", "--province", "Taiwan")
    assert res.exit_code == 1 and "未知的省份“Taiwan”" in res.stderr


@pytest.mark.parametrize("width", [100, 120])  # (80: see test_typography)
def test_obligations_table_shows_full_measures(width: int, tl: TaskList) -> None:
    res = invoke("obligations", "-p", "浙江", env={"COLUMNS": str(width)})
    assert res.exit_code == 0
    assert "…" not in res.stdout
    lines = res.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    column = "".join("".join(line.split("│")[5].split()) for line in lines if line.startswith("│"))
    for o in obligations(tl, "浙江省").items:
        assert "".join(o.duty.measures.split()) in column
    assert lines[-1].startswith("浙江省：必做 11 项，选做 0 项，涉及则必做 6 项") or "".join(
        lines[-2:]
    ).startswith("浙江省：必做 11 项，选做 0 项，涉及则必做 6 项")


def test_provinces_overview_agrees_with_obligations(tl: TaskList) -> None:
    rows = json.loads(invoke("provinces", "--json").stdout)
    assert [r["province"] for r in rows] == list(PROVINCE_NAMES)
    for row in rows:
        obs = obligations(tl, row["province"]).items
        for level in ("must", "optional", "if_member"):
            assert row["counts"][level] == sum(1 for o in obs if o.level == level)
    table = invoke("provinces").stdout
    assert re.search(r"浙江省\s+│\s+11 │\s+0 │\s+6 │", table)


def test_groups_declare_members_sources_and_completeness(tl: TaskList) -> None:
    data = json.loads(invoke("groups", "--json").stdout)
    by_name = {g["name"]: g for g in data}
    assert len(data) == 7
    cm = by_name["商标审查协作中心涉及省份"]
    assert cm["complete"] and cm["tasks"] == [3]
    assert {m["province"] for m in cm["members"]} == {
        "广东省",
        "上海市",
        "重庆市",
        "山东省",
        "河南省",
    }
    ydyl = by_name["“一带一路”相关省份"]
    assert not ydyl["complete"] and len(ydyl["members"]) == 27 and "青岛" in ydyl["description"]
    sources = {m["province"]: m["source"] for m in ydyl["members"]}
    assert "青岛、烟台" in sources["山东省"] and "北京－莫斯科" in sources["北京市"]
    assert "合肥" in sources["安徽省"] and "天津、宁波－舟山" in sources["天津市"]
    jm = by_name["军民融合试点及中小企业战略推进工程涉及省份"]
    assert "闵行区" in {m["province"]: m["source"] for m in jm["members"]}["上海市"]
    assert by_name["知识产权强省建设试点省"]["tasks"] == [8, 10]
    assert not by_name["知识产权强省建设试点省"]["complete"]
    assert not by_name["军民融合试点及中小企业战略推进工程涉及省份"]["complete"]
    for empty in ("知识产权保护中心涉及省份", "知识产权运营涉及省份", "TISC涉及省份"):
        assert by_name[empty]["members"] == [] and not by_name[empty]["complete"]
    for g in data:
        assert g["description"] and g["tasks"]
        for m in g["members"]:
            assert m["province"] in PROVINCE_NAMES and m["source"]
    text = invoke("groups").stdout
    assert "名单不完整" in text and "名单完整" in text and "…" not in text


def test_list_province_filters_and_shows_its_status(tl: TaskList) -> None:
    res = invoke("list", "--province", "上海", "--json")
    listed = [t["id"] for t in json.loads(res.stdout)]
    assert listed == sorted({o.task.id for o in obligations(tl, "上海市").items})
    assert 3 in listed and 1 not in listed
    table = invoke("list", "--province", "上海").stdout
    assert "状态（上海市）" in table

"""The reporting loop (issue 11): forms out, returns in, the whole country collected.

Forms are read back with openpyxl, filled as an office would, and -- where
LibreOffice is installed -- re-saved by it before they come back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from ipq.names import PROVINCE_NAMES
from ipq.store import parse_fresh

from .conftest import invoke

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
)


def run(data: Path, *args: str) -> Any:
    res = invoke(*args, "-f", str(data))
    assert res.exit_code == 0, res.stderr
    return res


def export_form(data: Path, folder: Path, unit: str = "浙江", option: str = "--province") -> Path:
    out = folder / f"{unit}.xlsx"
    run(data, "export", option, unit, "-o", str(out))
    return out


def fill(path: Path, cells: dict[str, str | None], out: Path | None = None) -> Path:
    wb = load_workbook(path)
    ws = wb["台账"]
    for ref, value in cells.items():
        ws[ref] = value
    target = out or path
    wb.save(target)
    return target


def row_of(path: Path, number: str) -> int:
    ws = load_workbook(path)["台账"]
    return next(r for r in range(7, ws.max_row + 1) if ws.cell(row=r, column=1).value == number)


def resave_with_libreoffice(path: Path, folder: Path) -> Path:
    assert SOFFICE is not None
    out = folder / "lo"
    proc = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{folder / 'lo-profile'}",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out / path.name


def statuses(data: Path, province: str) -> dict[str, str]:
    obs = json.loads(run(data, "obligations", "-p", province, "--json").stdout)["obligations"]
    return {o["number"]: o["status"] for o in obs}


# -- out -------------------------------------------------------------------------


def test_the_form_is_a_protected_fill_in_form(data_copy: Path, tmp_path: Path) -> None:
    path = export_form(data_copy, tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["台账", "ipq"] and wb["ipq"].sheet_state == "hidden"
    ws = wb["台账"]
    assert ws.protection.sheet and not ws.protection.password
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == [
        "填报单位",
        "填报人",
        "联系电话",
        "填报日期",
    ]
    assert ws["B2"].value == "浙江省" and ws["B2"].protection.locked
    assert not any(ws[f"B{r}"].protection.locked for r in (3, 4, 5))
    heads = [c.value for c in ws[6]]
    assert heads == ["编号", "任务", "要求", "依据", "地方落实举措", "完成时间", "状态", "备注"]
    tl = parse_fresh(data_copy.read_bytes(), "x")
    r = row_of(path, "8.2")
    assert ws.cell(row=r, column=5).value == tl.task(8).duties[1].measures  # verbatim
    assert all(ws.cell(row=r, column=c).protection.locked for c in range(1, 7))
    assert not ws[f"G{r}"].protection.locked and not ws[f"H{r}"].protection.locked
    lists = {
        dv.formula1: {str(c) for c in dv.sqref.ranges} for dv in ws.data_validations.dataValidation
    }
    every, must = '"未开始,进行中,已完成,受阻,不涉及"', '"未开始,进行中,已完成,受阻"'
    assert f"G{r}" in lists[every]  # 8.2 is if_member for 浙江: 不涉及 allowed
    assert f"G{row_of(path, '2')}" in lists[must]  # 各省份必做: not
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$6:$6"


def test_a_form_for_every_province_and_every_department(data_copy: Path, tmp_path: Path) -> None:
    res = invoke(
        "export", "--province", "all", "-F", "xlsx", "-o", str(tmp_path / "p"), "-f", str(data_copy)
    )
    assert res.exit_code == 0, res.stderr
    assert sorted(p.stem for p in (tmp_path / "p").iterdir()) == sorted(PROVINCE_NAMES)
    res = invoke(
        "export", "--province", "all", "-F", "xlsx", "-o", str(tmp_path / "p"), "-f", str(data_copy)
    )
    assert res.exit_code == 1 and "要覆盖请加 --force" in res.stderr
    run(data_copy, "export", "--dept", "all", "-F", "xlsx", "-o", str(tmp_path / "d"))
    assert "商标局.xlsx" in {p.name for p in (tmp_path / "d").iterdir()}
    res = invoke(
        "export", "--province", "all", "-F", "csv", "-o", str(tmp_path / "c"), "-f", str(data_copy)
    )
    assert res.exit_code == 1 and "只能导出 xlsx 表格到一个目录" in res.stderr


@needs_libreoffice
@pytest.mark.slow
def test_the_form_opens_in_libreoffice(data_copy: Path, tmp_path: Path) -> None:
    back = resave_with_libreoffice(export_form(data_copy, tmp_path), tmp_path)
    wb = load_workbook(back)
    assert wb["ipq"].sheet_state == "hidden" and wb["台账"]["B2"].value == "浙江省"
    assert wb["台账"].protection.sheet


# -- in --------------------------------------------------------------------------


def test_a_return_is_applied_as_one_change_with_its_source(data_copy: Path, tmp_path: Path) -> None:
    path = export_form(data_copy, tmp_path)
    r2, r5, r82 = row_of(path, "2"), row_of(path, "5"), row_of(path, "8.2")
    fill(
        path,
        {
            "B3": "张三",
            f"G{r2}": "已完成",
            f"H{r2}": "资助台账已建立",
            f"G{r5}": "in_progress",
            f"G{r82}": "不涉及",
        },
    )
    res = run(data_copy, "import", str(path))
    assert (
        "任务2（浙江省）：未开始→已完成（备注：资助台账已建立）〔来自浙江.xlsx，填报人张三〕"
        in "".join(res.stdout.split())
    )
    assert (
        statuses(data_copy, "浙江")["2"] == "done"
        and statuses(data_copy, "浙江")["5"] == "in_progress"
    )
    history = json.loads(run(data_copy, "history", "--json").stdout)
    assert {h["seq"] for h in history} == {1} and history[-1]["source"] == "浙江.xlsx，填报人 张三"
    assert any(h["action"] == "group_exclude" for h in history)  # 8.2 不涉及: not in that group
    assert "没有变化" in run(data_copy, "import", str(path)).stdout  # the same return twice
    run(data_copy, "undo")
    assert (
        set(statuses(data_copy, "浙江").values()) == {"todo"}
        and parse_fresh(data_copy.read_bytes(), "x").history == []
    )


def test_a_dry_run_shows_the_changes_and_writes_nothing(data_copy: Path, tmp_path: Path) -> None:
    path = export_form(data_copy, tmp_path)
    fill(path, {f"G{row_of(path, '4')}": "受阻", f"H{row_of(path, '4')}": "人手不足"})
    before = data_copy.read_bytes()
    out = run(data_copy, "import", str(path), "--dry-run").stdout
    assert "将导入 1 项变更（未写入）" in out and "未开始 → 受阻" in out and "人手不足" in out
    assert data_copy.read_bytes() == before


def test_every_problem_is_reported_and_nothing_applied(data_copy: Path, tmp_path: Path) -> None:
    path = export_form(data_copy, tmp_path, "浙江省")
    r2, r4, r6 = row_of(path, "2"), row_of(path, "4"), row_of(path, "6")
    fill(path, {f"G{r2}": "完成了", f"G{r4}": "不涉及", f"G{r6}": "已完成"})
    before = data_copy.read_bytes()
    res = invoke("import", str(path), "-f", str(data_copy))
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"浙江省.xlsx!台账!G{r2}: 未知的状态“完成了”（可用：未开始、进行中、已完成、受阻）",
        f"浙江省.xlsx!台账!G{r4}: 4 对浙江省是必做（各省份必做），不能标为不涉及",
        "浙江省.xlsx：有 2 处问题，整份未导入",
    ]
    assert data_copy.read_bytes() == before  # not even row 6


def test_a_conflict_is_never_silent(data_copy: Path, tmp_path: Path) -> None:
    path = export_form(data_copy, tmp_path)
    run(
        data_copy, "mark", "4", "-p", "浙江", "-s", "blocked", "-n", "等经费"
    )  # someone, in between
    r4, r6 = row_of(path, "4"), row_of(path, "6")
    fill(path, {f"G{r4}": "进行中", f"G{r6}": "已完成"})
    res = invoke("import", str(path), "-f", str(data_copy))
    assert res.exit_code == 1
    assert res.stderr.splitlines()[0] == (
        f"浙江.xlsx!台账!G{r4}: 冲突：表格生成后这一项已改为“受阻，备注：等经费”，"
        "交回的表格填的是“进行中，备注：等经费”；要以表格为准请加 --force"
    )
    assert statuses(data_copy, "浙江")["6"] == "todo"
    run(data_copy, "import", str(path), "--force")
    assert (
        statuses(data_copy, "浙江")["4"] == "in_progress"
        and statuses(data_copy, "浙江")["6"] == "done"
    )


def test_a_row_the_office_left_alone_does_not_override_the_ledger(
    data_copy: Path, tmp_path: Path
) -> None:
    path = export_form(data_copy, tmp_path)
    run(data_copy, "mark", "4", "-p", "浙江", "-s", "done")
    fill(path, {f"G{row_of(path, '6')}": "进行中"})  # row 4 untouched on the form
    run(data_copy, "import", str(path))
    assert (
        statuses(data_copy, "浙江")["4"] == "done"
        and statuses(data_copy, "浙江")["6"] == "in_progress"
    )


@pytest.mark.parametrize(
    "what",
    [
        "another list",
        "not a form",
        "unit conflicts",
        "corrupt",
        "encrypted",
        "a row not the unit's",
    ],
)
def test_wrong_files_get_one_line_and_nothing_applied(
    data_copy: Path, tmp_path: Path, what: str
) -> None:
    path = export_form(data_copy, tmp_path)
    target = data_copy
    if what == "another list":
        other = tmp_path / "other.yaml"
        text = data_copy.read_text(encoding="utf-8")
        other.write_text(
            text.replace("title: 全力压减审查周期", "title: 另一项", 1), encoding="utf-8"
        )
        (tmp_path / "other").mkdir()
        path = export_form(other, tmp_path / "other")
        expected = "这份表格属于另一份任务清单"
    elif what == "not a form":
        wb = Workbook()
        wb.active["A1"] = "随便什么"
        wb.save(path)
        expected = "找不到工作表“台账”"
    elif what == "unit conflicts":
        wb = load_workbook(path)
        wb["台账"]["B2"] = "江苏省"
        wb.save(path)
        expected = "填报单位写的是“江苏省”，表格却是浙江省的台账"
    elif what == "corrupt":
        path.write_bytes(path.read_bytes()[:500])
        expected = "无法读取的 xlsx 文件"
    elif what == "encrypted":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
        expected = "文件已加密或是旧版 xls 格式"
    else:
        wb = load_workbook(path)
        wb["台账"]["A7"] = "3"  # task 3 asks nothing of 浙江
        wb["ipq"]["B9"] = "3"
        wb.save(path)
        expected = "3 不约束该省份，不能为浙江省记录进度"
    before = target.read_bytes()
    res = invoke("import", str(path), "-f", str(target))
    assert res.exit_code == 1 and "Traceback" not in res.stderr
    assert expected in res.stderr.splitlines()[0], res.stderr
    assert target.read_bytes() == before


def test_a_form_retyped_by_hand_imports_with_the_province(data_copy: Path, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["浙江省台账（手工重建）"])
    ws.append(["编号", "任务", "状态", "备注"])
    ws.append([8.2, "助力产业转型升级", "已完成", "已上报"])  # Excel turns 8.2 into a number
    ws.append([5, "完善快速协同保护体系", "进行中", None])
    path = tmp_path / "手工.xlsx"
    wb.save(path)
    res = invoke("import", str(path), "-f", str(data_copy))
    assert res.exit_code == 1 and "手工重建的表格请用 --province" in res.stderr
    run(data_copy, "import", str(path), "--province", "浙江")
    got = statuses(data_copy, "浙江")
    assert (got["8.2"], got["5"], got["8.1"]) == ("done", "in_progress", "todo")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_the_csv_export_filled_in_imports(data_copy: Path, tmp_path: Path, encoding: str) -> None:
    text = run(data_copy, "export", "-p", "广东", "-F", "csv").stdout
    lines = text.lstrip("\ufeff").splitlines()
    head = lines[0].split(",")
    row = next(i for i, line in enumerate(lines) if line.startswith("3,"))
    cells = lines[row].split(",")
    cells[head.index("状态")] = "已完成"
    cells[head.index("备注")] = "'=已通报"  # the apostrophe the export puts before a formula
    lines[row] = ",".join(cells)
    path = tmp_path / "广东省.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    run(data_copy, "import", str(path), "-p", "广东")
    obs = json.loads(run(data_copy, "obligations", "-p", "广东", "--json").stdout)["obligations"]
    three = next(o for o in obs if o["number"] == "3")
    assert (three["status"], three["note"]) == ("done", "=已通报")


def test_a_department_form(data_copy: Path, tmp_path: Path) -> None:
    path = export_form(data_copy, tmp_path, "商标局", "--dept")
    ws = load_workbook(path)["台账"]
    assert [c.value for c in ws[6]] == ["编号", "任务", "落实举措", "完成时间", "状态", "备注"]
    numbers = [ws.cell(row=r, column=1).value for r in range(7, ws.max_row + 1)]
    tl = parse_fresh(data_copy.read_bytes(), "x")
    assert numbers == [str(t.id) for t in tl.tasks if "商标局" in t.departments]
    fill(path, {"E7": "已完成", "E8": "进行中"})
    run(data_copy, "import", str(path))
    task1 = json.loads(run(data_copy, "show", "1", "--json").stdout)
    assert {p["department"]: p["status"] for p in task1["departments_progress"]}["商标局"] == "done"
    assert json.loads(run(data_copy, "show", "3", "--json").stdout)["status"] == "in_progress"


# -- the whole loop -------------------------------------------------------------------


@pytest.mark.slow
def test_the_loop_end_to_end(data_copy: Path, tmp_path: Path) -> None:
    """32 forms out, filled as offices would, collected; summary and board agree with them."""
    forms, returns = tmp_path / "forms", tmp_path / "returns"
    run(data_copy, "export", "--province", "all", "-F", "xlsx", "-o", str(forms))
    returns.mkdir()
    filled: dict[str, dict[str, str]] = {}
    for i, province in enumerate(PROVINCE_NAMES):
        if province in ("西藏自治区", "青海省"):
            continue  # these two do not return theirs
        path = forms / f"{province}.xlsx"
        ws = load_workbook(path)["台账"]
        numbers = [ws.cell(row=r, column=1).value for r in range(7, ws.max_row + 1)]
        cells: dict[str, str | None] = {"B3": f"填报人{i}"}
        mine: dict[str, str] = {}
        for r, number in enumerate(numbers, start=7):
            level = ws.cell(row=r, column=3).value
            if level == "涉及则必做" and i % 3 == 0:
                cells[f"G{r}"], mine[number] = "不涉及", "not_applicable"
            elif (r + i) % 4 == 0:
                cells[f"G{r}"], cells[f"H{r}"], mine[number] = (
                    "已完成",
                    f"{province}第{r}行",
                    "done",
                )
            elif (r + i) % 4 == 1:
                cells[f"G{r}"], mine[number] = "进行中", "in_progress"
        if province == "河北省":
            cells["G7"] = "差不多了"  # a bad cell: the whole file is refused
        if province == "山西省":
            cells["G7"] = "已完成"  # task 2, which someone marks blocked before it comes back
        fill(path, cells, returns / path.name)
        filled[province] = mine
    run(data_copy, "mark", "2", "-p", "山西", "-s", "blocked")  # a conflicting mark in between
    if SOFFICE is not None:
        resaved = resave_with_libreoffice(returns / "江苏省.xlsx", tmp_path)
        shutil.copyfile(resaved, returns / "江苏省.xlsx")
    res = invoke("collect", str(returns), "-f", str(data_copy))
    assert res.exit_code == 1  # two files refused
    flat = "".join(res.stdout.split())
    assert "已导入28份，拒绝2份：山西省.xlsx、河北省.xlsx。" in flat, res.stderr[-3000:]
    assert "未交回（4 个省份）" in res.stdout and "西藏自治区" in res.stdout
    assert "冲突" in res.stderr and "差不多了" in res.stderr
    board = json.loads(run(data_copy, "board", "--json").stdout)
    rows = {r["province"]: r for r in board["provinces"]}
    for province, mine in filled.items():
        if province in ("河北省", "山西省"):
            continue
        for number, status in mine.items():
            assert rows[province]["cells"][number]["status"] == status, (province, number)
        assert rows[province]["done"] == sum(s == "done" for s in mine.values())
    assert all(c["status"] in ("todo", None) for c in rows["河北省"]["cells"].values())
    summary = json.loads(run(data_copy, "summary", "--json").stdout)
    for p in summary["provinces"]:
        assert (
            p["done"] == rows[p["province"]]["done"]
            and p["binding"] == rows[p["province"]]["binding"]
        )
    history = json.loads(run(data_copy, "history", "--json").stdout)
    assert len({h["seq"] for h in history if h["source"]}) == 28  # one change per accepted file

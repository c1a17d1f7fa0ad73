"""Reports: every format from a list with some progress."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from ipq.models import TaskList

from .conftest import invoke


@pytest.fixture
def ledger(data_copy: Path) -> Path:
    f = ["-f", str(data_copy)]
    assert invoke("mark", "3", "-s", "done", "-n", "已完成 | 含竖线", *f).exit_code == 0
    assert invoke("mark", "12", "-s", "blocked", "-n", "等待\n第二行", *f).exit_code == 0
    assert invoke("mark", "13", "-s", "in_progress", *f).exit_code == 0
    assert invoke("mark", "5", "-p", "浙江", "-s", "done", "-n", "中心已运行", *f).exit_code == 0
    return data_copy


def export(ledger: Path, *args: str) -> bytes:
    from typer.testing import CliRunner

    from ipq.cli import app

    res = CliRunner().invoke(app, ["export", *args, "-f", str(ledger), "--as-of", "2019-10-01"])
    assert res.exit_code == 0, res.stderr
    return res.stdout_bytes


def test_xlsx_reads_back_with_every_title_and_status(
    ledger: Path, tmp_path: Path, tl: TaskList
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "台账.xlsx"
    res = invoke("export", "-o", str(out), "-f", str(ledger))
    assert res.exit_code == 0 and "已导出 18 行" in res.stderr
    ws = load_workbook(out).active
    assert (
        ws["A1"].value == f"{tl.meta.title}（截至 {date.today().isoformat()}）" and ws["A1"].font.b
    )
    headers = [c.value for c in ws[3]]
    assert headers == [
        "编号",
        "类别",
        "任务清单",
        "落实举措",
        "执行部门",
        "完成时间",
        "状态",
        "备注",
        "更新时间",
    ]
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:I21"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows] == list(range(1, 19))
    assert [r[2] for r in rows] == [t.title for t in tl.tasks]
    status = {r[0]: r[6] for r in rows}
    assert (
        status[3] == "已完成" and status[12].startswith("受阻") and status[13].startswith("进行中")
    )
    assert {r[0]: r[7] for r in rows}[12] == "等待\n第二行"
    for r, t in zip(rows, tl.tasks, strict=True):
        assert t.national_measures in r[3]
        for d in t.duties:
            assert d.measures in r[3] and f"省份：{d.rule.text}" in r[4]
    assert ws.cell(row=4, column=4).alignment.wrap_text
    # every body cell: wrapped text columns wrap, all bordered, aligned to the top
    from ipq.export import task_report

    wrapping = {
        c.header for c in task_report(tl, tl.tasks, date(2019, 6, 1), list).columns if c.wrap
    }
    for row in ws.iter_rows(min_row=4, max_row=21):
        for cell in row:
            wraps = ws.cell(row=3, column=cell.column).value in wrapping
            assert bool(cell.alignment.wrap_text) is wraps, cell.coordinate
            assert cell.alignment.vertical == "top", cell.coordinate
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.column_dimensions["D"].width >= 60
    # rows carry their height: LibreOffice and WPS do not fit wrapped rows themselves
    heights = [ws.row_dimensions[r].height for r in range(4, 22)]
    assert all(h and h >= 15 * 4 for h in heights)
    assert heights[1] > heights[0]  # task 2 has a longer text than task 1


def test_xlsx_for_a_province(ledger: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "zj.xlsx"
    assert invoke("export", "-p", "浙江", "-o", str(out), "-f", str(ledger)).exit_code == 0
    ws = load_workbook(out).active  # the fill-in form (test_forms.py), still a report
    assert "浙江省" in ws["A1"].value
    assert [c.value for c in ws[6]][:5] == ["编号", "任务", "要求", "依据", "地方落实举措"]
    rows = list(ws.iter_rows(min_row=7, values_only=True))
    by_task = {str(r[0]): r for r in rows}
    assert by_task["5"][6] == "已完成" or by_task["5"][6].startswith("已完成")
    assert by_task["5"][7] == "中心已运行"
    assert {"8.1", "8.2"} <= set(by_task)
    assert by_task["2"][2] == "必做" and by_task["5"][2] == "涉及则必做"


def test_csv_has_a_bom_and_one_row_per_task(ledger: Path, tl: TaskList) -> None:
    raw = export(ledger, "--format", "csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1 + 18
    assert rows[0][:4] == ["编号", "类别", "任务清单", "落实举措"]
    assert rows[12][7] == "等待\n第二行"  # multi-line text is quoted, not split
    assert [r[2] for r in rows[1:]] == [t.title for t in tl.tasks]
    per_duty = list(
        csv.reader(io.StringIO(export(ledger, "-F", "csv", "-p", "浙江").decode("utf-8-sig")))
    )
    assert len(per_duty) == 1 + 17  # one row per duty: 浙江 has 17, task 8 counts twice


def test_markdown_renders_as_a_table(ledger: Path) -> None:
    from markdown_it import MarkdownIt

    text = export(ledger, "-F", "md", "--dept", "商标局").decode("utf-8")
    # the title says what the report holds; the footer whose it is and when it was made
    assert text.startswith(
        "# 2019年推动知识产权高质量发展任务清单（部门：商标局；截至 2019-10-01）\n"
    )
    assert text.rstrip().endswith(
        f"报告单位：国家知识产权局 · 报告日期：{date.today().isoformat()}"
    )
    page = MarkdownIt("commonmark").enable("table").render(text)
    assert page.count("<tr>") == 1 + 5
    assert page.count("<td>") == 5 * 9  # a pipe in a note did not add a cell
    assert "已完成 | 含竖线" in page
    assert "<h1>" in page


def test_json_is_the_list_shape(ledger: Path) -> None:
    exported = json.loads(export(ledger, "-F", "json", "-s", "done"))
    listed = json.loads(
        invoke("list", "-s", "done", "--json", "--as-of", "2019-10-01", "-f", str(ledger)).stdout
    )
    assert exported == listed and [t["id"] for t in exported] == [3]
    province = json.loads(export(ledger, "-F", "json", "-p", "浙江"))
    assert province["province"] == "浙江省" and len(province["obligations"]) == 17


def test_html_is_self_contained(ledger: Path, tl: TaskList) -> None:
    page = export(ledger, "-F", "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert f"<title>{tl.meta.title}（截至 2019-10-01）</title>" in page
    assert f"报告日期：{date.today().isoformat()}" in page
    assert 'counter(page) " 页 共 " counter(pages)' in page  # 第 N 页 共 M 页 when printed
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "@media print" in page
    for t in tl.tasks:
        assert t.title in page
    assert (
        page.count("<tr") == 2 + 1 + 18
    )  # the summary's header and row, the table's header, 18 rows
    assert "<td>1</td><td>1</td><td>1</td>" in page  # 进行中 1, 已完成 1, 受阻 1


def test_filters_apply_to_export(ledger: Path) -> None:
    rows = list(
        csv.reader(io.StringIO(export(ledger, "-F", "csv", "--dept", "审业部").decode("utf-8-sig")))
    )
    assert [r[0] for r in rows[1:]] == ["1", "2", "4", "5", "12"]


def test_output_rules(ledger: Path, tmp_path: Path) -> None:
    f = ["-f", str(ledger)]
    res = invoke("export", "-F", "xlsx", *f)
    assert res.exit_code == 1 and "请用 -o 指定文件" in res.stderr and res.stdout == ""
    out = tmp_path / "report.md"
    out.write_text("keep me", encoding="utf-8")
    res = invoke("export", "-o", str(out), *f)
    assert res.exit_code == 1 and "已存在；要覆盖请加 --force" in res.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    assert invoke("export", "-o", str(out), "--force", *f).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# ")
    res = invoke("export", "-F", "pdf", *f)
    assert res.exit_code == 1 and res.stderr.startswith("错误：未知的格式“pdf”")
    res = invoke("export", *f)
    assert res.exit_code == 1 and "请用 --format 指定格式" in res.stderr
    res = invoke("export", "-o", str(tmp_path / "no" / "x.csv"), *f)
    assert res.exit_code == 1 and "不存在" in res.stderr
    res = invoke("export", "-F", "csv", "--level", "must", *f)
    assert res.exit_code == 1 and "--level 只能与 --province 或 --board 一起使用" in res.stderr


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_html_opens_in_a_real_browser(ledger: Path, tmp_path: Path, tl: TaskList) -> None:
    page = tmp_path / "report.html"
    assert invoke("export", "-o", str(page), "-f", str(ledger)).exit_code == 0
    proc = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = proc.stdout
    assert f"<title>{tl.meta.title}</title>" in dom
    assert dom.count("<tr") == 2 + 1 + 18
    assert all(t.title in dom for t in tl.tasks)


def test_printed_sheets_are_a4_with_page_numbers_and_times_for_people(
    ledger: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    for args, name in (
        (["-s", "进行中"], "t.xlsx"),
        (["-p", "浙江"], "p.xlsx"),
        (["--board"], "b.xlsx"),
    ):
        out = tmp_path / name
        assert invoke("export", *args, "-o", str(out), "-f", str(ledger)).exit_code == 0
        ws = load_workbook(out).active
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.orientation == "landscape"
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws["A1"].value.endswith(f"（状态：进行中；截至 {date.today().isoformat()}）")
    column = [c.value for c in ws[3]].index("更新时间") + 1
    times = [
        r[0] for r in ws.iter_rows(min_row=4, min_col=column, max_col=column, values_only=True)
    ]
    times = [t for t in times if t]
    assert times and all(len(t) == 16 and "T" not in t for t in times)  # 2019-06-30 10:00

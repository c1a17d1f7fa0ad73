"""Every xlsx ipq writes (reports, the board, forms) is written by XlsxWriter (ipq.xlsx) and
read back here with openpyxl, as the forms that come back are."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import load_workbook

from ipq.xlsx import CELL_MAX

from .conftest import invoke
from .test_forms import export_form, row_of, run

#: Text a cell must give back as it was given: Excel's escape for a character (``_x0041_``
#: is "A" to Excel unless escaped), digits with a leading zero, a formula, spaces at the ends.
TRICKY = "_x0041_ 0012 =1+1  "


def test_text_reads_back_verbatim_from_a_report_and_a_form(data_copy: Path, tmp_path: Path) -> None:
    run(data_copy, "mark", "3", "-s", "in_progress", "-n", TRICKY + "\x1b[2J")
    run(data_copy, "mark", "4", "-p", "浙江", "-s", "in_progress", "-n", TRICKY)
    out = tmp_path / "t.xlsx"
    run(data_copy, "export", "-o", str(out))
    ws = load_workbook(out).active
    notes = [c.value for c in ws["H"][3:]]
    assert notes[2] == TRICKY + "[2J"  # the escape's control character dropped, no more
    assert ws["A6"].value == 3 and ws["A6"].data_type == "n"  # a task's number is a number
    assert all(c.data_type == "s" for c in ws["H"][3:] if c.value is not None)
    form = export_form(data_copy, tmp_path)
    assert load_workbook(form)["台账"][f"H{row_of(form, '4')}"].value == TRICKY
    before = data_copy.read_bytes()
    assert "没有变化" in run(data_copy, "import", str(form)).stdout  # nothing read back changed
    assert data_copy.read_bytes() == before


def test_text_is_stored_once_as_utf8(data_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    run(data_copy, "export", "-o", str(out))
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert b"&#" not in sheet and b"inlineStr" not in sheet
    assert "2019年推动知识产权高质量发展任务清单" in strings


def refused(data: Path, out: Path, *args: str) -> None:
    res = invoke("export", *args, "-o", str(out), "-f", str(data))
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "32767" in lines[0] and "docx" in lines[0], res.stderr
    assert "Traceback" not in res.stderr and not out.exists()


def test_a_cell_longer_than_excel_holds_is_refused_not_cut(data_copy: Path, tmp_path: Path) -> None:
    note = "长" * (CELL_MAX + 1)
    run(data_copy, "mark", "4", "-p", "浙江", "-s", "in_progress", "-n", note)
    report = tmp_path / "t.xlsx"  # the national report holds no province's notes
    assert invoke("export", "-o", str(report), "-f", str(data_copy)).exit_code == 0
    refused(data_copy, tmp_path / "浙江.xlsx", "-p", "浙江")  # the province's form
    run(data_copy, "mark", "3", "-s", "in_progress", "-n", note)
    before = data_copy.read_bytes()
    refused(data_copy, tmp_path / "全部.xlsx")  # the national report
    csv = tmp_path / "t.csv"  # what the message offers instead holds it whole
    assert invoke("export", "-o", str(csv), "-f", str(data_copy)).exit_code == 0
    assert note in csv.read_text(encoding="utf-8-sig")
    assert data_copy.read_bytes() == before


def test_a_form_for_every_province_says_whose_note_is_too_long(
    data_copy: Path, tmp_path: Path
) -> None:
    run(data_copy, "mark", "4", "-p", "浙江", "-s", "in_progress", "-n", "长" * (CELL_MAX + 1))
    folder = tmp_path / "表格"
    res = invoke(
        "export", "--province", "all", "-F", "xlsx", "-o", str(folder), "-f", str(data_copy)
    )
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].count("浙江省的表格") == 1 and "32767" in lines[0]
    written = sorted(p.name for p in folder.iterdir())
    assert "浙江省.xlsx" not in written and f"已导出 {len(written)} 份" in lines[0]
    assert all(load_workbook(folder / name)["台账"]["B2"].value for name in written)

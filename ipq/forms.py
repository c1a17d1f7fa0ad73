"""The reporting loop: fill-in forms out, returned forms in.

**Out.** :func:`form_of` builds the 台账 an office fills in -- a province's
local duties, or a CNIPA department's parts -- and :func:`form_xlsx` writes it
as a protected workbook: the verbatim columns locked, 状态 a drop-down of the
Chinese statuses (不涉及 only where it is allowed), 备注 free text, and the
填报单位 / 填报人 / 联系电话 / 填报日期 fields. A hidden sheet carries what
import needs: the ledger's identity, the unit, and each row's task, duty and
state when the form was made.

**In.** :func:`read_return` reads a returned workbook (or the CSV export, or
a form retyped by hand with the same visible columns) into rows, collecting
every problem with its file, sheet and cell; :func:`plan` compares each row
with the ledger -- a row whose part changed since the form was made, and
whose return differs from it, is a conflict. Nothing here writes: the CLI
applies a clean plan through :func:`ipq.store.modify`, one file per change.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import UserError
from .export import (
    DUTY_COLUMNS,
    Column,
    duty_cells,
    fitted_widths,
    row_height,
)
from .ledger import Part, Target, not_applicable_problem, targets_of
from .models import STATUS_LABELS, STATUSES, Progress, TaskList
from .query import duty_states, find_number, resolve_status
from .util import FORMULA_START, visible

FORM_SHEET = "台账"
ID_SHEET = "ipq"
FORMAT = "ipq-form-1"
FIELDS = ("填报单位", "填报人", "联系电话", "填报日期")
#: The first data row; the header is the row above.
FIRST_ROW = 7
CHOICES = [STATUS_LABELS[s] for s in STATUSES]
MUST_CHOICES = [STATUS_LABELS[s] for s in STATUSES if s != "not_applicable"]


def ledger_id(tl: TaskList) -> str:
    """What makes a form belong to this list: its title, year and the shape of its tasks."""
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{tl.meta.title}|{tl.meta.year}".encode())
    for t in tl.tasks:
        h.update(f"|{t.id}:{t.title}:{len(t.duties)}:{','.join(t.departments)}".encode())
    return h.hexdigest()


# -- out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    number: str  # as tables show it: "5", "8.2"; a department's rows: the task number
    cells: list[str]  # the verbatim columns
    progress: Progress  # when the form was made
    allow_na: bool


@dataclass(frozen=True)
class Form:
    kind: str  # "province" or "dept"
    unit: str
    title: str
    columns: list[Column]
    rows: list[FormRow]
    ledger: str
    made: str
    as_of: date


def form_of(tl: TaskList, unit: str, kind: str, as_of: date, made: str) -> Form:
    """The form of a province's duties, or of a department's parts of its tasks."""
    rows: list[FormRow] = []
    if kind == "province":
        columns = [*DUTY_COLUMNS, Column("完成时间", 12)]
        for t in tl.tasks:
            for s in duty_states(tl, t, unit):
                cells = [*duty_cells(s), t.deadline.text]
                rows.append(FormRow(s.number, cells, s.progress, s.level != "must"))
    else:
        columns = [
            Column("编号", 6, wrap=False),
            Column("任务", 18),
            Column("落实举措", 70),
            Column("完成时间", 12),
        ]
        for t in tl.tasks:
            if unit in t.departments:
                cells = [str(t.id), t.title, t.national_measures, t.deadline.text]
                rows.append(FormRow(str(t.id), cells, t.department_progress(unit), False))
    title = f"{tl.meta.title}：{unit}台账"
    return Form(kind, unit, title, columns, rows, ledger_id(tl), made, as_of)


def form_xlsx(form: Form) -> bytes:
    from xlsxwriter.utility import xl_rowcol_to_cell

    from .xlsx import BORDER, TITLE, Book, header, print_setup, text

    book = Book()
    ws = book.sheet(FORM_SHEET)
    columns = [*form.columns, Column("状态", 12), Column("备注", 40)]
    last = len(columns) - 1
    status_col = len(form.columns)
    typed = {"locked": False, "bg_color": "#FFF2CC"}  # where one types

    ws.merge_range(0, 0, 0, last, form.title, book.style(**TITLE))
    bold = book.style(bold=True)
    for i, name in enumerate(FIELDS, start=1):
        ws.write_string(i, 0, name, bold)
        if name == "填报单位":
            ws.merge_range(i, 1, i, 2, form.unit, book.style(**BORDER))
        else:
            ws.merge_range(i, 1, i, 2, "", book.style(**BORDER, **typed))
    ws.merge_range(
        1,
        3,
        4,
        last,
        f"说明：请在“状态”列选择进展，在“备注”列填写进展情况，并填写填报人、联系电话和填报日期；"
        f"其余各列为原文，已锁定。本表由 ipq 于 {form.made[:16].replace('T', ' ')} 生成"
        f"（截至 {form.as_of.isoformat()}），填好后交回即可导入（ipq import）。",
        book.style(text_wrap=True, valign="top"),
    )
    head_row = FIRST_ROW - 2  # (FIRST_ROW counts from 1, as Excel shows rows)
    values_of = [
        [*row.cells, STATUS_LABELS[row.progress.status], row.progress.note or ""]
        for row in form.rows
    ]
    widths = fitted_widths(columns, values_of)
    header(book, ws, head_row, [c.header for c in columns], widths)
    styles = [
        book.style(valign="top", text_wrap=c.wrap, **BORDER, **(typed if i >= status_col else {}))
        for i, c in enumerate(columns)
    ]
    status_cells: dict[bool, list[str]] = {True: [], False: []}  # by whether 不涉及 is allowed
    for r, (row, values) in enumerate(zip(form.rows, values_of, strict=True), start=head_row + 1):
        for i, (value, style) in enumerate(zip(values, styles, strict=True)):
            text(ws, r, i, value, style)
        status_cells[row.allow_na].append(xl_rowcol_to_cell(r, status_col))
        ws.set_row(r, row_height(columns, values, widths))
    for allow_na, cells in status_cells.items():
        if not cells:
            continue
        allowed = CHOICES if allow_na else MUST_CHOICES
        ws.data_validation(
            cells[0],
            {
                "validate": "list",
                "source": allowed,
                "multi_range": " ".join(cells),
                "ignore_blank": True,
                "show_error": True,
                "error_title": "状态",
                "error_message": "请从下拉列表中选择：" + "、".join(allowed),
            },
        )
    ws.freeze_panes(head_row + 1, 0)
    print_setup(ws, f"{form.unit} · 截至 {form.as_of.isoformat()}", head_row)
    ws.protect()  # no password: it keeps hands off the text, it is no lock

    ids = book.sheet(ID_SHEET)
    ids.hide()
    meta = [("format", FORMAT), ("ledger", form.ledger), ("kind", form.kind), ("unit", form.unit),
            ("made", form.made), ("as_of", form.as_of.isoformat())]  # fmt: skip
    for i, (k, v) in enumerate(meta):
        ids.write_string(i, 0, k)
        text(ids, i, 1, v)
    top = len(meta) + 1  # a blank row, then the table
    for i, name in enumerate(["row", "number", "status", "note", "updated"]):
        ids.write_string(top, i, name)
    for n, row in enumerate(form.rows):
        p = row.progress
        ids.write_number(top + 1 + n, 0, FIRST_ROW + n)  # the row it is on the form
        for i, value in enumerate((row.number, p.status, p.note or "", p.updated or ""), start=1):
            text(ids, top + 1 + n, i, value)
    ids.protect()
    return book.bytes()


# -- in ---------------------------------------------------------------------------------


@dataclass
class ReturnRow:
    where: str  # 浙江省.xlsx!台账!G7
    number: str
    status_text: str  # as typed
    note: str | None  # as typed ("" or None: empty)
    then: Progress | None  # the row's state when the form was made (None: no identity)


@dataclass
class Return:
    path: Path
    unit: str | None = None
    kind: str = "province"
    filler: str | None = None
    rows: list[ReturnRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


def _text(value: Any) -> str:
    """A cell as text: 8.1 typed into Excel comes back a number; 5.0 means 5."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _untext(text: str) -> str:
    """The apostrophe the CSV export puts before what a spreadsheet would run, removed."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def read_return(
    path: Path, tl: TaskList, province: str | None = None, dept: str | None = None
) -> Return:
    """Rows of a returned form, and every problem found reading it (never raises for the file)."""
    ret = Return(path)
    try:
        raw = _read_file(path)
    except UserError as exc:
        ret.problems.append(f"{path.name}: {exc.message}")
        return ret
    if raw[:4] == b"PK\x03\x04":
        _read_xlsx(ret, raw, tl)
    elif raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        ret.problems.append(
            f"{path.name}: 文件已加密或是旧版 xls 格式；请另存为不加密的 xlsx 后再导入"
        )
    elif path.suffix.lower() == ".csv":
        _read_csv(ret, raw)
    else:
        ret.problems.append(f"{path.name}: 不是 xlsx 或 CSV 文件，无法导入")
    if ret.problems:
        return ret
    given = _given_unit(tl, province, dept)
    if given is not None:
        if ret.unit is not None and ret.unit != given[0]:
            ret.problems.append(f"{path.name}: 这是{ret.unit}的台账，不是{given[0]}的")
        ret.unit, ret.kind = given
    if ret.unit is None:
        ret.problems.append(
            f"{path.name}: 表格中没有 ipq 的识别信息；手工重建的表格请用 --province（或 --dept）说明是哪个单位的"
        )
    return ret


def _given_unit(tl: TaskList, province: str | None, dept: str | None) -> tuple[str, str] | None:
    from .names import resolve_province

    if province:
        return resolve_province(province), "province"
    if dept:
        return tl.department_registry().resolve(dept), "dept"
    return None


def _read_file(path: Path) -> bytes:
    from .errors import DataFileError
    from .store import read_bytes

    try:
        return read_bytes(path)
    except DataFileError as exc:
        # read_bytes speaks of the data file; this is a returned form
        raise UserError(exc.message.removeprefix(f"{path}: ").replace("数据文件", "文件")) from None


def _read_xlsx(ret: Return, raw: bytes, tl: TaskList) -> None:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        ret.problems.append(
            f"{ret.name}: 无法读取的 xlsx 文件（{type(exc).__name__}），文件可能已损坏"
        )
        return
    if FORM_SHEET not in wb.sheetnames:
        ret.problems.append(f"{ret.name}: 找不到工作表“{FORM_SHEET}”，不是 ipq 的台账表格")
        return
    ws = wb[FORM_SHEET]
    fields = {
        _text(ws.cell(row=r, column=1).value): _text(ws.cell(row=r, column=2).value)
        for r in range(2, 6)
    }
    ret.filler = fields.get("填报人") or None
    written_unit = fields.get("填报单位") or None
    header_row, heads = _find_header(ws)
    if header_row is None:
        ret.problems.append(f"{ret.name}!{FORM_SHEET}: 找不到表头（应有“编号”“状态”“备注”三列）")
        return
    then: dict[int, tuple[str, Progress]] = {}
    if ID_SHEET in wb.sheetnames:
        meta, then = _identity(wb[ID_SHEET])
        if meta.get("format") != FORMAT or meta.get("ledger") != ledger_id(tl):
            ret.problems.append(
                f"{ret.name}: 这份表格属于另一份任务清单（或另一版本的 ipq），不能导入到这里"
            )
            return
        ret.unit, ret.kind = meta.get("unit"), meta.get("kind", "province")
        if written_unit and ret.unit and written_unit != ret.unit:
            ret.problems.append(
                f"{ret.name}!{FORM_SHEET}!B2: 填报单位写的是“{written_unit}”，表格却是{ret.unit}的台账"
            )
    elif written_unit:
        ret.unit = _unit_named(tl, written_unit)
    from openpyxl.utils import get_column_letter

    status_col, note_col, number_col = heads["状态"], heads["备注"], heads["编号"]
    for r in range(header_row + 1, ws.max_row + 1):
        number = _text(ws.cell(row=r, column=number_col).value)
        if not number:
            continue
        at = f"{ret.name}!{FORM_SHEET}!{get_column_letter(status_col)}{r}"
        expected = then.get(r)
        if then and (expected is None or expected[0] != number):
            ret.problems.append(
                f"{ret.name}!{FORM_SHEET}!A{r}: 这一行的编号与生成时不同（表格的行被移动或改过）"
            )
            continue
        ret.rows.append(
            ReturnRow(
                at,
                number,
                _text(ws.cell(row=r, column=status_col).value),
                _text(ws.cell(row=r, column=note_col).value),
                expected[1] if expected else None,
            )
        )


def _unit_named(tl: TaskList, text: str) -> str | None:
    from .errors import UnknownName
    from .ledger import resolve_unit

    try:
        return resolve_unit(tl, text)
    except UnknownName:
        return None


def _find_header(ws: Any) -> tuple[int | None, dict[str, int]]:
    for r in range(1, min(ws.max_row, 30) + 1):
        heads = {_text(c.value).split("（")[0]: c.column for c in ws[r] if c.value is not None}
        if {"编号", "状态", "备注"} <= heads.keys():
            return r, heads
    return None, {}


def _identity(ws: Any) -> tuple[dict[str, str], dict[int, tuple[str, Progress]]]:
    meta: dict[str, str] = {}
    then: dict[int, tuple[str, Progress]] = {}
    rows = list(ws.iter_rows(values_only=True))
    for values in rows:
        if values and values[0] == "row":
            break
        if values and values[0]:
            meta[str(values[0])] = _text(values[1] if len(values) > 1 else None)
    table = False
    for values in rows:
        if values and values[0] == "row":
            table = True
            continue
        if table and values and values[0] is not None:
            r, number, status, note, updated = (list(values) + [None] * 5)[:5]
            status_text = _text(status)
            then[int(r)] = (
                _text(number),
                Progress(
                    status=status_text if status_text in STATUSES else "todo",  # type: ignore[arg-type]
                    note=_text(note) or None,
                    updated=_text(updated) or None,
                ),
            )
    return meta, then


def _read_csv(ret: Return, raw: bytes) -> None:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GB18030/GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        ret.problems.append(f"{ret.name}: 无法识别文件的编码")
        return
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = next((i for i, row in enumerate(rows) if {"编号", "状态", "备注"} <= set(row)), None)
    if header is None:
        ret.problems.append(f"{ret.name}: 找不到表头（应有“编号”“状态”“备注”三列）")
        return
    heads = {name: i for i, name in enumerate(rows[header])}
    for i, row in enumerate(rows[header + 1 :], start=header + 2):
        cells = row + [""] * (len(rows[header]) - len(row))
        number = cells[heads["编号"]].strip()
        if number:
            at = f"{ret.name}!第 {i} 行“状态”"
            status = _untext(cells[heads["状态"]].strip())
            ret.rows.append(
                ReturnRow(at, number, status, _untext(cells[heads["备注"]].strip()), None)
            )


# -- checking a return against the ledger ---------------------------------------------------


@dataclass(frozen=True)
class Planned:
    part: Part
    old: Progress
    where: str


def parse_status(text: str) -> str | None:
    """A status cell as people leave it: a label, an English name, the report's
    own forms ("未开始（逾期）", "待确认"); empty means unchanged (None)."""
    cleaned = text.replace("⚠", "").replace("（逾期）", "").replace("逾期", "").strip()
    if not cleaned:
        return None
    if cleaned == "待确认":
        return "todo"
    return resolve_status(cleaned)


def plan(tl: TaskList, ret: Return, force: bool = False) -> list[Planned]:
    """The parts a clean return changes; every problem goes to ``ret.problems``."""
    assert ret.unit is not None
    planned: list[Planned] = []
    seen: set[tuple[int, str, int | None]] = set()
    for row in ret.rows:
        try:
            target = _target(tl, ret, row)
        except UserError as exc:
            ret.problems.append(f"{row.where}: {exc.message}")
            continue
        key = (target.task.id, target.unit, target.duty)
        if key in seen:
            ret.problems.append(f"{row.where}: 编号 {row.number} 出现了不止一次")
            continue
        seen.add(key)
        try:
            status = parse_status(row.status_text)
        except UserError:
            allowed = CHOICES if target.level != "must" else MUST_CHOICES
            ret.problems.append(
                f"{row.where}: 未知的状态“{row.status_text}”（可用：{'、'.join(allowed)}）"
            )
            continue
        if status == "not_applicable":
            problem = not_applicable_problem(target)
            if problem:
                ret.problems.append(f"{row.where}: {problem}")
                continue
        now = target.stored() or Progress()
        note = row.note or None
        if row.then is not None:  # what the office changed on the form, and only that
            status_said = status is not None and status != row.then.status
            note_said = note != row.then.note
        else:  # a retyped form or a CSV: every cell is what the office says
            status_said, note_said = status is not None, True
        new_status = status if status_said and status else now.status
        new_note = note if note_said else now.note
        if (new_status, new_note) == (now.status, now.note):
            continue
        then = row.then
        changed_since = then is not None and (then.status, then.note) != (now.status, now.note)
        if changed_since and not force:
            ret.problems.append(
                f"{row.where}: 冲突：表格生成后这一项已改为“{_label(now)}”，交回的表格填的是“{_label(Progress(status=new_status, note=new_note))}”"  # type: ignore[arg-type]
                "；要以表格为准请加 --force"
            )
            continue
        planned.append(
            Planned(Part(target, new_status, new_note, new_note is None), now, row.where)
        )
    return planned


def _label(p: Progress) -> str:
    return STATUS_LABELS[p.status] + (f"，备注：{visible(p.note)}" if p.note else "")


def _target(tl: TaskList, ret: Return, row: ReturnRow) -> Target:
    task, duty = find_number(tl, row.number)
    if ret.kind == "dept":
        if duty is not None:
            raise UserError(f"编号 {row.number} 是地方落实举措，不属于部门的台账")
        [target] = targets_of(tl, [str(task.id)], None, [ret.unit or ""])
        return target
    number = row.number if duty is not None or len(task.duties) != 1 else f"{task.id}.1"
    if duty is None and len(task.duties) > 1:
        raise UserError(
            f"任务 {task.id} 有 {len(task.duties)} 条地方落实举措，请写 {task.id}.1、{task.id}.2"
        )
    found = [t for t in targets_of(tl, [number], ret.unit, []) if t.duty is not None]
    return found[0]

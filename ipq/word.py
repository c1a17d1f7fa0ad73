"""Word (.docx) exports laid out as the source document is: the title, then one table
任务清单 | 落实举措 | 执行部门 | 完成时间 grouped under the seven categories, with 局内：/
省份： in the department cell -- and a 状态 column for the progress.

A4 landscape; 仿宋 for the text and 宋体 for the title, each declared in the font table
with its English name and the GB2312 character set, so Word and WPS on a machine without
those fonts (and LibreOffice, through fontconfig) substitute a Chinese font rather than
showing boxes; the header row repeats on every page; the footer says whose report it is
and 第 N 页 共 M 页.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from .models import Task, TaskList
from .names import PROVINCE_NAMES
from .query import LEVEL_LABELS, Obligations, duty_states, national_overdue, national_status

#: The fonts of the document: body and title, each with the names Word knows it by.
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
_FONT_TABLE = {  # name -> (English alternative name, panose, family, pitch)
    "仿宋": ("FangSong", "02010609060101010101", "modern", "fixed"),
    "宋体": ("SimSun", "02010600030101010101", "auto", "variable"),
}

#: Column widths in centimetres; they add up to the A4 landscape text width (25.7 cm).
TASK_WIDTHS = (3.6, 11.4, 4.0, 2.6, 4.1)
DUTY_WIDTHS = (3.4, 10.0, 3.4, 2.4, 2.6, 3.9)


@dataclass(frozen=True)
class Row:
    """One line of the table. Consecutive rows of the same ``task`` share the cells of the
    document's ``merged`` columns (task title, deadline), as in the source."""

    cells: list[str]
    task: int


@dataclass(frozen=True)
class Section:
    heading: str  # "一、提高知识产权审查质量和审查效率"
    rows: list[Row]


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    headers: list[str]
    widths: tuple[float, ...]
    merged: tuple[int, ...]  # columns whose cells one task's rows share
    sections: list[Section]
    footer: str


def _sections(tl: TaskList, rows_of: Any, tasks: list[Task]) -> list[Section]:
    sections = []
    for c in tl.categories:
        rows = [row for t in tasks if t.category == c.number for row in rows_of(t)]
        if rows:
            sections.append(Section(f"{c.numeral}、{c.title}", rows))
    return sections


def _duty_progress(tl: TaskList, t: Task, as_of: date) -> list[str]:
    """Per local duty, how the provinces stand: done of those it binds, and overdue."""
    done = [0] * len(t.duties)
    binding = [0] * len(t.duties)
    late = [0] * len(t.duties)
    for province in PROVINCE_NAMES:
        for state in duty_states(tl, t, province):
            i = state.duty_number - 1
            if state.binding:
                binding[i] += 1
                done[i] += state.progress.status == "done"
                late[i] += state.overdue(as_of)
    return [
        f"省份已完成 {d}/{b}" + (f"，逾期 {n}" if n else "") if b else "暂无省份须做"
        for d, b, n in zip(done, binding, late, strict=True)
    ]


def task_document(tl: TaskList, tasks: list[Task], as_of: date, title: str, footer: str) -> bytes:
    """The list (or the tasks chosen) as the source lays it out, with their progress."""
    from .export import national_status_text

    def rows_of(t: Task) -> list[Row]:
        head = f"{t.id}.{t.title}"
        status = national_status_text(t, as_of)
        rows = [
            Row(
                [
                    head,
                    t.national_measures,
                    "局内：" + "、".join(t.departments),
                    t.deadline.text,
                    status,
                ],
                t.id,
            )
        ]
        for d, progress in zip(t.duties, _duty_progress(tl, t, as_of), strict=True):
            rows.append(
                Row([head, d.measures, f"省份：{d.rule.text}", t.deadline.text, progress], t.id)
            )
        return rows

    done = sum(national_status(t) == "done" for t in tasks)
    late = sum(national_overdue(t, as_of) for t in tasks)
    doc = Document(
        title,
        f"{tl.meta.issuer} · 共 {len(tasks)} 项任务，已完成 {done} 项，逾期 {late} 项",
        ["任务清单", "落实举措", "执行部门", "完成时间", "状态"],
        TASK_WIDTHS,
        (0, 3),
        _sections(tl, rows_of, tasks),
        footer,
    )
    return write(doc)


def obligation_document(
    tl: TaskList, obs: Obligations, as_of: date, title: str, footer: str
) -> bytes:
    """One province's 台账: its local duties under their categories, with its progress."""
    from .render import status_text

    by_task: dict[int, list[Any]] = {}
    tasks: list[Task] = []
    for o in obs.items:
        if o.task.id not in by_task:
            tasks.append(o.task)
        by_task.setdefault(o.task.id, []).append(o)

    def rows_of(t: Task) -> list[Row]:
        return [
            Row(
                [
                    f"{t.id}.{t.title}",
                    f"（{o.number}）{o.duty.measures}",
                    f"{LEVEL_LABELS[o.level]}（{o.duty.rule.text}）",
                    t.deadline.text,
                    status_text(o.progress.status, t.deadline, as_of, o.level, overdue="（逾期）"),
                    o.progress.note or "",
                ],
                t.id,
            )
            for o in by_task[t.id]
        ]

    doc = Document(
        title,
        f"{obs.province} · 共 {len(obs.items)} 项地方落实举措",
        ["任务清单", "地方落实举措", "要求（依据）", "完成时间", "状态", "备注"],
        DUTY_WIDTHS,
        (0, 3),
        _sections(tl, rows_of, tasks),
        footer,
    )
    return write(doc)


def report_document(report: Any) -> bytes:
    """Any other report (the summary) as a plain table with the same frame."""
    total = sum(c.width for c in report.columns)
    widths = tuple(25.7 * c.width / total for c in report.columns)
    from .export import progress_line

    doc = Document(
        report.title,
        f"{report.subtitle}。{progress_line(report)}。",
        [c.header for c in report.columns],
        widths,
        (),
        [Section("", [Row(list(r), i) for i, r in enumerate(report.rows)])],
        report.footer,
    )
    return write(doc)


# -- writing --------------------------------------------------------------------------------


def _fonts(run_or_style: Any, east_asia: str, size: float | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _declare_fonts(document: Any) -> None:
    """Name 仿宋 and 宋体 in the font table with their English names and GB2312 (86):
    what Word and WPS use to find a substitute where the font itself is missing."""
    from xml.sax.saxutils import quoteattr

    part = next(
        p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml"
    )
    entries = "".join(
        f"<w:font w:name={quoteattr(name)}><w:altName w:val={quoteattr(alt)}/>"
        f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
        for name, (alt, panose, family, pitch) in _FONT_TABLE.items()
    )
    xml = part.blob.decode("utf-8")
    part._blob = xml.replace("</w:fonts>", entries + "</w:fonts>").encode("utf-8")


def _no_autospace(style: Any) -> None:
    """No extra space between Chinese and Latin text: the government documents set none,
    and the column widths are measured without it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = style.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "0")
        ppr.append(element)


def _field(paragraph: Any, code: str) -> None:
    """A field Word and LibreOffice compute when the page is laid out (PAGE, NUMPAGES)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (
        ("begin", None),
        (None, code),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {code} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    _fonts(run, BODY_FONT)


def _set_cell(cell: Any, text: str, bold: bool = False, center: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            paragraph = cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = bold
        _fonts(run, BODY_FONT)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


#: Half the width of a 10.5 pt (五号) Chinese character, and a cell's inner margins, in cm.
UNIT_CM = 10.5 / 72 * 2.54 / 2
PADDING_CM = 0.38


def fitted_cm(doc: Document) -> list[float]:
    """Column widths (cm) keeping the page's total, moved so that no paragraph of a cell
    ends on a line of one character."""
    from .fit import fit

    texts: list[list[str]] = [[h] for h in doc.headers]
    for section in doc.sections:
        for row in section.rows:
            for i, text in enumerate(row.cells):
                texts[i].append(text)
    units = [round((w - PADDING_CM) / UNIT_CM) for w in doc.widths]
    fitted = fit(texts, units)
    return [u * UNIT_CM + PADDING_CM for u in fitted]


def write(doc: Document) -> bytes:
    from docx import Document as NewDocument
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = NewDocument()
    _declare_fonts(document)
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT, 10.5)
    _no_autospace(normal)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold = True
    _fonts(run, TITLE_FONT, 16)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(subtitle.add_run(doc.subtitle), BODY_FONT, 10.5)

    widths = fitted_cm(doc)
    columns = len(doc.headers)
    table = document.add_table(rows=1, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, header in zip(table.rows[0].cells, doc.headers, strict=True):
        _set_cell(cell, header, bold=True, center=True)
    _repeat_header(table.rows[0])
    for section_ in doc.sections:
        if section_.heading:
            row = table.add_row()
            merged = row.cells[0].merge(row.cells[-1])
            _set_cell(merged, section_.heading, bold=True)
        first: dict[int, Any] = {}  # column -> the cell a task's rows merge into
        previous = None
        for item in section_.rows:
            cells = table.add_row().cells
            same = previous is not None and previous.task == item.task
            for i, text in enumerate(item.cells):
                if i in doc.merged and same:
                    first[i] = first[i].merge(cells[i])
                    continue
                _set_cell(cells[i], text)
                if i in doc.merged:
                    first[i] = cells[i]
            previous = item
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)  # each cell, which Word follows

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(footer.add_run(f"{doc.footer}    第 "), BODY_FONT, 9)
    _field(footer, "PAGE")
    _fonts(footer.add_run(" 页 共 "), BODY_FONT, 9)
    _field(footer, "NUMPAGES")
    _fonts(footer.add_run(" 页"), BODY_FONT, 9)
    for run in footer.runs:
        run.font.size = Pt(9)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

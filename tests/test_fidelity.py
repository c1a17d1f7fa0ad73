"""Every text of the data file is verbatim in the source, and together they
cover the source's 落实举措 column; titles, departments, rules and deadlines
agree with the source.

The source is a flattened four-column table. It is split into its
whitespace-separated pieces; each piece is classified by what it can be (a
header word, a category heading, a piece of a title, of a 执行部门 cell, of a
省份 rule, of a deadline), and what is left is the 落实举措 column. The
checks compare streams in document order, whitespace-insensitively.
"""

from __future__ import annotations

import re

import pytest

from ipq.models import TaskList

from .conftest import SOURCE

HEADER = "任务清单 落实举措 执行部门 完成时间"


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def pieces() -> list[str]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == HEADER)
    return [p for line in lines[start:] for p in line.split()]


def classify(tl: TaskList, pieces: list[str]) -> list[str]:
    """The kind of each piece; a 省份 rule continues over the pieces that extend it."""
    rules = [d.rule.text for t in tl.tasks for d in t.duties]
    kinds = []
    rule: str | None = None
    for piece in pieces:
        if piece.startswith("省份："):
            rule = piece.removeprefix("省份：")
        elif rule is not None and any(r.startswith(rule + piece) for r in rules):
            rule += piece
        else:
            rule = None
            kinds.append(classify_piece(tl, piece))
            continue
        kinds.append("rule")
    return kinds


def classify_piece(tl: TaskList, piece: str) -> str:
    titles = [f"{t.id}.{t.title}" for t in tl.tasks]
    deadlines = {t.deadline.text for t in tl.tasks}
    dept_chars = set("".join(d.name for d in tl.departments)) | set("，、")
    if piece in HEADER.split():
        return "header"
    if re.fullmatch("[一二三四五六七]、", piece) or piece in {c.title for c in tl.categories}:
        return "category"
    if any(piece in d for d in deadlines):
        return "deadline"
    if piece.startswith("局内：") or set(piece) <= dept_chars:
        return "dept"
    if re.match(r"\d+\.", piece) or any(piece in t for t in titles):
        return "title"
    return "measures"


def stream(tl: TaskList, pieces: list[str], kind: str) -> str:
    return "".join(p for p, k in zip(pieces, classify(tl, pieces), strict=True) if k == kind)


def test_measures_column_is_covered_verbatim_and_in_order(tl: TaskList, pieces: list[str]) -> None:
    ours = "".join(
        squash(t.national_measures) + "".join(squash(d.measures) for d in t.duties)
        for t in tl.tasks
    )
    assert ours == stream(tl, pieces, "measures")


def test_every_text_is_verbatim_in_the_source(tl: TaskList, pieces: list[str]) -> None:
    column = stream(tl, pieces, "measures")
    for t in tl.tasks:
        assert squash(t.national_measures) in column, t.id
        for d in t.duties:
            for paragraph in d.measures.split("\n"):
                assert squash(paragraph) in column, t.id


def test_texts_keep_the_sources_spaces_and_drop_only_line_breaks(tl: TaskList) -> None:
    source = SOURCE.read_text(encoding="utf-8")
    spaced = 0
    for t in tl.tasks:
        for text in [t.national_measures, *(d.measures for d in t.duties)]:
            for paragraph in text.split("\n"):
                assert paragraph == paragraph.strip()
                assert "  " not in paragraph
                # an internal space stands where the source has one (e.g. "做好 2018年")
                for m in re.finditer(" ", paragraph):
                    assert paragraph[m.start() - 1 : m.end() + 1] in source
                    spaced += 1
    assert spaced > 0


def test_national_and_local_parts(tl: TaskList) -> None:
    for t in tl.tasks:
        assert t.national_measures.startswith("国家知识产权局：")
        assert "\n" not in t.national_measures
        for d in t.duties:
            assert not d.measures.startswith("国家知识产权局：")
            for paragraph in d.measures.split("\n"):
                assert paragraph.startswith(("各地", "获批")), paragraph[:10]


def test_titles_agree_with_the_source(tl: TaskList, pieces: list[str]) -> None:
    titles = re.split(r"\d+\.", stream(tl, pieces, "title"))[1:]
    assert titles == [squash(t.title) for t in tl.tasks]


def test_departments_agree_with_the_source(tl: TaskList, pieces: list[str]) -> None:
    cells = stream(tl, pieces, "dept").split("局内：")[1:]
    assert len(cells) == len(tl.tasks)
    for t, cell in zip(tl.tasks, cells, strict=True):
        names = []
        for part in re.split("[，,]", cell):
            units = part.split("、")
            if units[0].startswith("专利局"):  # 专利局审业部、自动化部 -> 专利局…, 专利局…
                units = [units[0]] + ["专利局" + u for u in units[1:]]
            names += [u for u in units if u]
        assert names == t.departments, t.id


def test_rules_agree_with_the_source(tl: TaskList, pieces: list[str]) -> None:
    rules = stream(tl, pieces, "rule").split("省份：")[1:]
    assert rules == [d.rule.text for t in tl.tasks for d in t.duties]


def test_structured_rules_follow_the_verbatim_rules(tl: TaskList) -> None:
    for t in tl.tasks:
        for d in t.duties:
            r = d.rule
            if r.text == "各省份必做":
                assert r.binds == "all" and r.group is None
            elif r.text.endswith("其他省份选做"):
                assert r.binds == "group_others_optional" and r.group
            else:
                assert r.text.endswith("必做") and r.binds == "group_only" and r.group


def test_deadlines_agree_with_the_source(tl: TaskList, pieces: list[str]) -> None:
    assert stream(tl, pieces, "deadline") == "".join(t.deadline.text for t in tl.tasks)
    for t in tl.tasks:
        assert t.deadline.due.isoformat() == "2019-12-31"
        assert t.deadline.kind == (
            "milestone" if t.deadline.text == "年内有阶段性成果" else "completion"
        )
        assert t.deadline.text in ("年内有阶段性成果", "年底前完成")


def test_categories_agree_with_the_source(tl: TaskList) -> None:
    source = SOURCE.read_text(encoding="utf-8")
    headings = re.findall(r"^([一二三四五六七])、\s*(\S+)", source, flags=re.M)
    assert [(c.numeral, c.title) for c in tl.categories] == headings
    assert [c.number for c in tl.categories] == list(range(1, 8))
    # each task sits under the heading that precedes it in the source
    current = None
    under: dict[int, str] = {}
    for line in source.splitlines():
        heading = re.match(r"([一二三四五六七])、", line)
        if heading:
            current = heading.group(1)
        number = re.match(r"(\d+)\.", line)
        if number:
            under[int(number.group(1))] = current
    assert under == {t.id: tl.category(t.category).numeral for t in tl.tasks}


def test_shape_of_the_list(tl: TaskList) -> None:
    assert tl.meta.issuer == "国家知识产权局"
    assert tl.meta.year == 2019
    assert [t.id for t in tl.tasks] == list(range(1, 19))
    assert tl.task(1) is not None and tl.task(1).duties == []
    assert len(tl.task(8).duties) == 2
    assert len(tl.task(16).duties) == 1 and tl.task(16).duties[0].measures.count("\n") == 1
    assert len(tl.departments) == 12

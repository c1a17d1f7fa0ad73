"""Broken data files: one located line per problem, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipq.errors import DataFileError
from ipq.store import bundled_path, dump, load, parse

from .conftest import invoke


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = bundled_path().read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "tasks_2019.yaml"
    target.write_text(text.replace(old, new, count), encoding="utf-8")
    return target


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DataFileError) as info:
        load(path)
    return info.value.problems or [info.value.message]


def test_bundled_file_is_valid_and_round_trips_byte_for_byte() -> None:
    raw = bundled_path().read_bytes()
    assert dump(parse(raw, "tasks_2019.yaml")) == raw


def test_unknown_department_is_located_with_a_suggestion(tmp_path: Path) -> None:
    text = bundled_path().read_text(encoding="utf-8")
    start = text.index("- id: 13")
    target = tmp_path / "tasks_2019.yaml"
    head, tail = text[:start], text[start:]
    target.write_text(head + tail.replace("  - 商标局", "  - 商标处", 1), encoding="utf-8")
    [line] = problems_of(target)
    lineno = (head + tail[: tail.index("  - 商标局")]).count("\n") + 1
    assert line == (
        f"tasks_2019.yaml:{lineno}: tasks[12].departments[2]: 未知的部门“商标处”（您是不是要找：商标局？）"
    )


def test_short_department_name_in_file_asks_for_the_full_name(tmp_path: Path) -> None:
    [line] = problems_of(broken(tmp_path, "  - 专利局审业部", "  - 审业部"))
    assert line.endswith("tasks[0].departments[1]: 请写全称：“审业部”应写作“专利局审业部”")


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    [line] = problems_of(broken(tmp_path, "- id: 2\n", "- id: 2\n  owner: 张三\n"))
    assert "tasks[1].owner: 不认识的字段" in line


def test_task_numbers_must_be_unique_and_contiguous(tmp_path: Path) -> None:
    [line] = problems_of(broken(tmp_path, "- id: 5\n", "- id: 4\n"))
    assert "tasks[4].id: 任务编号应唯一且连续，此处应为 5，实为 4" in line


def test_unknown_group_and_category(tmp_path: Path) -> None:
    path = broken(tmp_path, "group: TISC涉及省份", "group: TISC省份")
    text = path.read_text(encoding="utf-8").replace("category: 7", "category: 9", 1)
    path.write_text(text, encoding="utf-8")
    lines = problems_of(path)
    assert any("tasks[16].category: 未知的类别编号 9" in x for x in lines)
    assert any("tasks[15].duties[0].rule.group: 未知的省份组“TISC省份”" in x for x in lines)


def test_status_from_a_fixed_set(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "    kind: completion\n",
        "    kind: completion\n  progress:\n    departments:\n      商标局:\n        status: finished\n",
    )
    [line] = problems_of(path)
    assert "tasks[2].progress.departments.商标局.status: 取值 'finished' 无效" in line
    assert "'todo', 'in_progress', 'done', 'blocked' or 'not_applicable'" in line


def test_rule_needs_its_group(tmp_path: Path) -> None:
    [line] = problems_of(
        broken(
            tmp_path,
            "      binds: group_only\n      group: 商标审查协作中心涉及省份\n",
            "      binds: group_only\n",
        )
    )
    assert "tasks[2].duties[0].rule: binds 为 group_only 的规则必须指定 group" in line


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = broken(tmp_path, "- id: 3\n  title: ", "- id: 3\n  title: [")
    lines = problems_of(path)
    assert len(lines) == 1
    assert lines[0].startswith("tasks_2019.yaml:")
    where, rest = lines[0].split(": ", 1)
    _, line, col = where.split(":")
    assert int(line) > 1 and int(col) >= 1
    assert rest.startswith("YAML 语法错误")


def test_all_problems_are_reported(tmp_path: Path) -> None:
    path = broken(tmp_path, "  - 商标局", "  - 商标处", count=5)
    lines = problems_of(path)
    assert len(lines) == 5
    assert all("未知的部门“商标处”" in x for x in lines)


def test_cli_reports_broken_file_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    path = broken(tmp_path, "  - 商标局", "  - 商标处")
    before = path.read_bytes()
    for args in (
        ["list", "-f", str(path)],
        ["validate", str(path)],
        ["show", "1", "-f", str(path)],
    ):
        res = invoke(*args)
        assert res.exit_code == 2
        assert "Traceback" not in res.stderr + res.stdout
        assert "tasks[0].departments[3]: 未知的部门“商标处”（您是不是要找：商标局？）" in res.stderr
    assert path.read_bytes() == before


def test_validate_reports_ok_with_counts() -> None:
    res = invoke("validate", str(bundled_path()))
    assert res.exit_code == 0
    assert res.stdout.strip() == (
        "OK：tasks_2019.yaml — 7 个类别，18 项任务，18 项地方落实举措，12 个部门，7 个省份组，0 条变更记录"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"- a\n- b\n", "不是任务清单"),
        (b"\xff\xfe bad", "不是 UTF-8 编码"),
        (b"a: &x [1]\nb: *x\n", "不支持 YAML 锚点与别名"),
    ],
)
def test_files_that_are_not_task_lists(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    res = invoke("validate", str(path))
    assert res.exit_code == 2
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_missing_file_and_directory(tmp_path: Path) -> None:
    res = invoke("list", "-f", str(tmp_path / "nope.yaml"))
    assert res.exit_code == 2 and "数据文件不存在" in res.stderr
    res = invoke("list", "-f", str(tmp_path))
    assert res.exit_code == 2 and "这是一个目录" in res.stderr


def test_a_changed_file_gives_its_errors_no_lines_of_other_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load lets the file's bytes go before validating and reads the file again for
    an error's lines: only if it still holds the bytes that were parsed."""
    import ipq.store as store

    target = broken(tmp_path, "  - 专利局审业部", "  - 审业部")
    [line] = problems_of(target)
    assert line.startswith("tasks_2019.yaml:") and line.split(":")[1].isdigit()
    read = store.read_bytes
    monkeypatch.setattr(store, "read_bytes", lambda path: read(path) + b"\n# changed\n")
    [line] = problems_of(target)
    assert line.startswith("tasks_2019.yaml: tasks[0].departments[1]: 请写全称")


def test_a_load_holds_the_files_bytes_no_more_while_validating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing on the stack keeps the bytes (112 MB at 10,000 tasks) once they are parsed."""
    import sys

    import ipq.validation as validation

    target = tmp_path / "t.yaml"
    target.write_bytes(bundled_path().read_bytes() + b"# unique\n")
    size = target.stat().st_size
    validate = validation.validate_upgrading
    held: list[str] = []

    def watched(data: object, name: str, raw: object = None) -> object:
        frame = sys._getframe(1)
        while frame is not None:
            for key, value in frame.f_locals.items():
                inside = value if isinstance(value, list) else [value]
                if any(isinstance(v, bytes) and len(v) == size for v in inside):
                    held.append(f"{frame.f_code.co_name}.{key}")
            frame = frame.f_back
        return validate(data, name, raw)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "validate_upgrading", watched)
    monkeypatch.setenv("IPQ_NO_CACHE", "1")
    assert len(load(target).tasks) == 18
    assert held == []

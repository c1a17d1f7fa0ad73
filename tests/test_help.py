"""Every command's help is Chinese throughout, folded not cut, with examples that run
(part of issue 13)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.main import get_command

from ipq import helpdoc
from ipq.cli import app
from ipq.render import NO_END, NO_START

from .conftest import invoke
from .test_docs import commands

ENGLISH_FRAME = (
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "[required]",
    "[default",
    "Show this message",
    "<str>",
    "<list",
    "<path>",
    "<bool>",
    "…",
)
PATHS = ["", *[path for path, _ in commands()]]


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p or "ipq")
def test_help_is_chinese_folded_and_has_examples(path: str, width: int) -> None:
    res = invoke(*path.split(), "--help", env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.stderr
    text = res.stdout
    assert text.startswith(f"用法：{' '.join(['ipq', *path.split()])}"), text
    for word in ENGLISH_FRAME:
        assert word not in text, (word, text)
    assert "显示此帮助并退出" in text
    assert "示例" in text or path in ("", "groups", "config"), text
    command = _command(path)
    for param in command.params:  # internal names never show, labels always do
        if param.name in ("tasks", "json_", "fmt", "as_of", "clear_note", "dry_run"):
            assert f" {param.name}" not in text.replace(f"--{param.name}", "")
        if param.required:
            assert "[必填]" in text
    for line in text.splitlines():
        assert len(line) <= width
        inner = line.strip("│╭╮╰╯─ ")
        if inner:
            assert inner[0] not in NO_START and inner[-1] not in NO_END, line


def _command(path: str) -> object:
    command = get_command(app)
    for word in path.split():
        command = command.commands[word]  # type: ignore[attr-defined]
    return command


def test_every_parameter_has_a_chinese_label() -> None:
    for path, command in [("", get_command(app)), *commands()]:
        for param in command.params:  # type: ignore[attr-defined]
            assert param.name in helpdoc.LABELS, f"ipq {path}: {param.name} has no label"


@pytest.mark.parametrize("path", [p for p in PATHS if p not in ("", "groups", "config")])
def test_every_example_is_a_valid_command_line(path: str) -> None:
    """Each example parses against the command it documents: options and arguments exist."""
    command = _command(path)
    lines = helpdoc.examples(command)
    assert lines, f"ipq {path} has no examples"
    for line in lines:
        words = shlex.split(line)
        assert words[: 1 + len(path.split())] == ["ipq", *path.split()], line
        args = words[1 + len(path.split()) :]
        ctx = command.make_context(path.split()[-1], args)  # type: ignore[attr-defined]
        assert ctx.params is not None


def test_read_examples_run(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The examples of the reading commands run and succeed on the real list."""
    monkeypatch.chdir(tmp_path)
    for path in ("list", "show", "depts", "obligations", "provinces", "summary", "board"):
        for line in helpdoc.examples(_command(path)):
            res = invoke(*shlex.split(line)[1:], "-f", str(data_copy))
            assert res.exit_code == 0, (line, res.stderr)
            assert res.stdout.strip(), line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mark"], "错误：缺少参数 任务编号...（运行 ipq mark --help 查看用法）"),
        (["mark", "3"], "错误：缺少选项 --status/-s（状态）（运行 ipq mark --help 查看用法）"),
        (["mark", "3", "-s"], "错误：选项 -s 后面缺少值（状态）（运行 ipq mark --help 查看用法）"),
        (
            ["mark", "3", "--statu", "done"],
            "错误：ipq mark 没有选项 --statu（您是不是要找 --status？）",
        ),
        (["list", "--overdue=yes"], "错误：选项 --overdue 是开关，不带值"),
        (["show", "3", "4"], "错误：多余的参数：4（运行 ipq show --help 查看用法）"),
        (["groups", "ad"], "错误：没有这个命令：ad（您是不是要找 add？）（运行 ipq groups --help"),
        (["nothing"], "错误：没有这个命令：nothing（运行 ipq --help 查看用法）"),
        (["note", "3"], "错误：缺少参数 备注（运行 ipq note --help 查看用法）"),
    ],
)
def test_parse_errors_by_kind(args: list[str], message: str) -> None:
    res = invoke(*args)
    assert res.exit_code == 1
    assert res.stderr.startswith(message), res.stderr
    assert len(res.stderr.splitlines()) == 1
    assert "'" not in res.stderr and "tasks" not in res.stderr


def test_ipq_alone_is_the_overview_and_version_has_one_source() -> None:
    from ipq import __version__

    alone = invoke()
    assert alone.exit_code == 0
    assert alone.stdout.startswith("用法：ipq [选项] 命令 [参数]...")
    assert "命令" in alone.stdout and "obligations" in alone.stdout
    for flag in ("--version", "-V"):
        res = invoke(flag)
        assert res.exit_code == 0 and res.stdout.strip() == f"ipq {__version__}"

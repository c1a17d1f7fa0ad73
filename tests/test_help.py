"""Every command's help is Chinese throughout, folded not cut, with examples that run
(part of issue 13)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from ipq import helpdoc
from ipq.cli import app
from ipq.typeset import NO_END, NO_START

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
    assert "示例" in text, text
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


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p or "ipq")
def test_every_example_is_a_valid_command_line(path: str) -> None:
    """Each example parses against the command line it documents: the command exists and
    so do its options and arguments (a group's examples may name its sub-commands)."""
    lines = helpdoc.examples(_command(path))
    assert lines, f"ipq {path} has no examples"
    for line in lines:
        words = shlex.split(line)
        assert words[: 1 + len(path.split())] == ["ipq", *path.split()], line
        command, rest = get_command(app), words[1:]
        while rest and rest[0] in getattr(command, "commands", {}):
            command, rest = command.commands[rest[0]], rest[1:]  # type: ignore[attr-defined]
        if rest == ["--help"]:
            continue
        ctx = command.make_context("ipq", rest, resilient_parsing=False)
        assert ctx.params is not None


def test_read_examples_run(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The examples of the reading commands run and succeed on the real list."""
    monkeypatch.chdir(tmp_path)
    for path in ("list", "show", "depts", "obligations", "provinces", "summary", "board", "export"):
        for line in helpdoc.examples(_command(path)):
            res = invoke(*shlex.split(line)[1:], "-f", str(data_copy))
            assert res.exit_code == 0, (line, res.stderr)
            assert res.stdout.strip() or "已导出" in res.stderr, line


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


IPQ = str(Path(sys.executable).parent / "ipq")


def complete(words: str, shell: str = "bash", **env: str) -> list[str]:
    """What the installed ipq offers at the end of ``words`` (as the shell would ask)."""
    parts = shlex.split(words)
    if words.endswith(" "):
        parts.append("")
    full = {**os.environ, "_IPQ_COMPLETE": f"complete_{shell}", **env}
    if shell == "bash":
        full |= {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    else:
        full["_TYPER_COMPLETE_ARGS"] = words
    res = subprocess.run([IPQ], capture_output=True, text=True, env=full, timeout=60)
    assert res.returncode == 0 and not res.stderr, res.stderr
    return res.stdout.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("ipq obligations --province 浙", ["浙江"]),
        ("ipq obligations -p zhe", ["zhejiang"]),
        ("ipq list --dept 商", ["商标局"]),
        ("ipq list --dept 审", ["审业部"]),
        ("ipq mark 3 -s 已", ["已完成"]),
        ("ipq mark 3 --status in", ["in_progress"]),
        ("ipq mark 8.", ["8.1", "8.2"]),
        ("ipq show 1", ["1", "10", "11", "12", "13", "14", "15", "16", "17", "18"]),
        ("ipq groups add 知识产权保护", ["知识产权保护中心涉及省份"]),
        ("ipq groups add 军民融合 西", ["西藏", "西藏自治区"][:1]),
        ("ipq config set unit 商标", ["商标局"]),
        ("ipq export -F d", ["docx"]),
        ("ipq obligations -p 浙江 -l m", ["must"]),
    ],
)
def test_completion_offers_names_statuses_and_numbers(words: str, offered: list[str]) -> None:
    if not Path(IPQ).exists():
        pytest.skip("ipq is not installed beside this Python")
    got = complete(words)
    assert got[: len(offered)] == offered or set(offered) <= set(got), got


def test_completion_in_zsh_carries_the_meaning_and_a_bad_file_offers_nothing(
    tmp_path: Path,
) -> None:
    if not Path(IPQ).exists():
        pytest.skip("ipq is not installed beside this Python")
    zsh = " ".join(complete("ipq obligations -p zhe", shell="zsh"))
    assert "zhejiang" in zsh and "浙江省" in zsh
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks: [", encoding="utf-8")
    assert complete(f"ipq list -f {bad} --dept 商") == []
    assert complete(f"ipq show -f {bad} 1") == []


def test_completion_scripts_install_and_show(tmp_path: Path) -> None:
    if not Path(IPQ).exists():
        pytest.skip("ipq is not installed beside this Python")
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    shown = subprocess.run(
        [IPQ, "--show-completion", "bash"], capture_output=True, text=True, env=env
    )
    assert shown.returncode == 0 and "_IPQ_COMPLETE=complete_bash" in shown.stdout
    installed = subprocess.run(
        [IPQ, "--install-completion", "bash"], capture_output=True, text=True, env=env
    )
    assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "ipq.sh"
    assert "_IPQ_COMPLETE=complete_bash" in script.read_text(encoding="utf-8")
    assert str(script) in (tmp_path / ".bashrc").read_text(encoding="utf-8")


def test_write_examples_run(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The examples of the commands that change the ledger run, in order, on a copy."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("IPQ_UNIT", raising=False)
    paths = ("mark", "note", "history", "undo", "groups add", "groups exclude", "groups remove")
    for path in paths:
        for line in helpdoc.examples(_command(path)):
            res = invoke(*shlex.split(line)[1:], "-f", str(data_copy))
            assert res.exit_code == 0, (line, res.stderr)
    for path in ("config set", "config unset"):
        for line in helpdoc.examples(_command(path)):
            res = invoke(*shlex.split(line)[1:])
            assert res.exit_code == 0, (line, res.stderr)


def test_help_loads_neither_the_list_nor_its_models() -> None:
    """Startup: a help page needs the parameters, not the task list or its models."""
    code = (
        "import sys\n"
        "from ipq.cli import main\n"
        "sys.argv = ['ipq', 'mark', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('ipq.models', 'ipq.query', 'ipq.store', 'ipq.render', 'json',"
        " 'msgspec', 'yaml', 'pydantic') if m in sys.modules), file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stderr.strip().splitlines()[-1] == "[]", res.stderr
    assert res.stdout.startswith("用法：ipq mark")


def test_a_process_builds_only_its_command_and_reads_the_same(tmp_path: Path) -> None:
    """ipq registers only the command it runs (startup); what it prints does not change."""
    from .conftest import run_ipq

    env = {"COLUMNS": "100"}
    for args in ([], ["--help"], ["-h"], ["mark", "--help"], ["groups", "--help"], ["list"]):
        real = run_ipq(*args, env=env)
        here = invoke(*args, env=env)
        assert real.returncode == here.exit_code == 0, (args, real.stderr)
        assert real.stdout == here.stdout, args
    typo = run_ipq("lst")
    assert typo.returncode == 1 and "您是不是要找 list" in typo.stderr  # every name was there
    code = (
        "import sys\n"
        "from ipq import cli\n"
        "sys.argv = ['ipq', '-f', 'x.yaml', 'show', '--help']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print([c.name for c in cli.app.registered_commands], file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert res.stderr.strip().splitlines()[-1] == "['show']"

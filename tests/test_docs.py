"""The README's promises: its commands are the ones CI runs, every command is documented."""

from __future__ import annotations

import re

from typer.main import get_command

from ipq.cli import app

from .conftest import ROOT, invoke

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    section = README.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    run, test = quick_start()
    assert run.endswith("ipq list --dept 商标局") and "pip install ." in run
    assert '".[test]"' in test and "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


def commands() -> list[tuple[str, object]]:
    """Every command, sub-commands included, as ("groups add", command)."""
    found = []

    def walk(prefix: str, group: object) -> None:
        for name, command in sorted(getattr(group, "commands", {}).items()):
            path = f"{prefix} {name}".strip()
            found.append((path, command))
            walk(path, command)

    walk("", get_command(app))
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    names = [path for path, _ in commands()]
    assert {"list", "show", "mark", "undo", "export", "groups add", "groups remove"} <= set(names)
    for path, command in commands():
        assert (getattr(command, "help", None) or "").strip(), f"{path} has no help text"
        assert f"`ipq {path}" in README, f"ipq {path} is missing from README.md"
        res = invoke(*path.split(), "--help")
        assert res.exit_code == 0, res.stderr
        assert res.stdout.startswith(f"用法：ipq {path} "), res.stdout
        for param in getattr(command, "params", []):
            if getattr(param, "param_type_name", "") == "option" and param.name != "help":
                assert (param.help or "").strip(), f"ipq {path} {param.opts[0]} has no help text"


def test_exit_codes_are_documented() -> None:
    from ipq import errors

    table = README.split("### 退出码", 1)[1]
    for code in (errors.EXIT_OK, errors.EXIT_USER, errors.EXIT_DATA, errors.EXIT_OUTPUT):
        assert f"| {code} |" in table

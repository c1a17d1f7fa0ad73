"""Conventions of a good command line (part of issue 13): what is done so far."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ipq.errors import UserError
from ipq.query import parse_date

from .conftest import ROOT, invoke, run_ipq


def test_ipq_alone_prints_the_overview_and_exits_0() -> None:
    proc = run_ipq()
    assert proc.returncode == 0 and "list" in proc.stdout and "mark" in proc.stdout


def test_version_comes_from_one_place() -> None:
    from ipq import __version__

    for flag in ("--version", "-V"):
        proc = run_ipq(flag)
        assert proc.returncode == 0 and proc.stdout == f"ipq {__version__}\n"
    from importlib.metadata import version

    assert version("ipq") == __version__  # the installed package's, from the same line
    assert "\nversion = " not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_global_options_may_stand_before_the_command(data_copy: Path) -> None:
    invoke("mark", "3", "-s", "done", "-f", str(data_copy))
    before = json.loads(invoke("-f", str(data_copy), "--json", "list", "-s", "done").stdout)
    after = json.loads(invoke("list", "-s", "done", "--json", "-f", str(data_copy)).stdout)
    assert [t["id"] for t in before] == [t["id"] for t in after] == [3]
    res = invoke("-f", str(data_copy), "groups", "add", "保护中心", "浙江")
    assert res.exit_code == 0 and "浙江省加入" in res.stdout
    res = invoke("-f", str(data_copy))
    assert res.exit_code == 1 and "全局选项之后请写命令" in res.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--dept", "商标局", "--dept", "保护司"],
        ["list", "--status", "done", "-s", "todo"],
        ["show", "3", "--as-of", "2019-01-01", "--as-of=2020-01-01"],
    ],
)
def test_a_single_valued_option_given_twice_is_refused(args: list[str]) -> None:
    res = invoke(*args)
    assert res.exit_code == 1 and "只能写一次" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_repeatable_option_means_all_of_them(data_copy: Path) -> None:
    res = invoke(
        "mark", "1", "--dept", "商标局", "--dept", "条法司", "-s", "done", "-f", str(data_copy)
    )
    assert res.exit_code == 0 and res.stdout.count("→ 已完成") == 2


@pytest.mark.parametrize(
    "text",
    [
        "2019-12-31",
        "2019/12/31",
        "2019.12.31",
        "2019年12月31日",
        "20191231",
        "２０１９－１２－３１",
        " 2019-12-31 ",
    ],
)
def test_dates_as_people_write_them(text: str) -> None:
    assert parse_date(text) == date(2019, 12, 31)


def test_short_months_and_days() -> None:
    assert parse_date("2019-2-3") == date(2019, 2, 3)
    for bad in ("2019-02-30", "31.12.2019", "2019", "明天", "2019-13-01"):
        with pytest.raises(UserError):
            parse_date(bad)


@pytest.mark.parametrize(("typed", "shown"), [("１２", "任务 12："), ("８．２", "任务 8：")])
def test_full_width_digits_in_task_numbers(typed: str, shown: str) -> None:
    res = invoke("show", typed)
    assert res.exit_code == 0 and res.stdout.startswith(shown)


def test_a_format_that_contradicts_the_file_name_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    res = invoke("export", "--format", "csv", "-o", str(out))
    assert res.exit_code == 1 and "与输出文件" in res.stderr and "扩展名不符" in res.stderr
    assert not out.exists()

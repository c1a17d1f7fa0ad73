"""The bundled list is found however ipq was installed, from any directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, run_ipq


def test_console_script_from_another_directory(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "ipq"
    if not script.exists():
        pytest.skip("the ipq console script is not installed in this environment")
    proc = subprocess.run(
        [str(script), "list", "--dept", "商标局", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [t["id"] for t in json.loads(proc.stdout)] == [1, 3, 4, 10, 13]


def test_python_dash_m_from_another_directory(tmp_path: Path) -> None:
    proc = run_ipq("show", "13", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"] == "严厉打击商标囤积和恶意注册行为"


def test_wheel_carries_the_bundled_list(tmp_path: Path) -> None:
    """`pip install .` builds a wheel; ipq from that wheel finds its own copy."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed: {build.stderr[-2000:]}")
    [wheel] = wheels.glob("ipq-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (target / "ipq" / "data" / "tasks_2019.yaml").read_bytes() == (
        ROOT / "data" / "tasks_2019.yaml"
    ).read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import ipq, ipq.store as s; print(ipq.__file__); print(s.bundled_path())"
    where = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module, bundled = where.stdout.split()
    assert module.startswith(str(target)) and bundled.startswith(str(target))
    proc = subprocess.run(
        [sys.executable, "-m", "ipq", "list", "--dept", "商标局", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [t["id"] for t in json.loads(proc.stdout)] == [1, 3, 4, 10, 13]


def test_source_tree_finds_data_dir(tmp_path: Path) -> None:
    """An editable install (or a checkout on sys.path) uses data/ beside ipq/."""
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT / "ipq", tree / "ipq", ignore=shutil.ignore_patterns("__pycache__", "data")
    )
    (tree / "data").mkdir()
    shutil.copyfile(ROOT / "data" / "tasks_2019.yaml", tree / "data" / "tasks_2019.yaml")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = "import ipq.store as s; print(s.bundled_path())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == str(tree / "data" / "tasks_2019.yaml")

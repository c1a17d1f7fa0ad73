from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipq.cli import app
from ipq.models import TaskList
from ipq.store import bundled_path, load

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "source" / "cnipa_2019_task_list.txt"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own user data dir and no IPQ_FILE from the outside."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("IPQ_FILE", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture(scope="session")
def tl() -> TaskList:
    return load(bundled_path())


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled list, to change."""
    target = tmp_path / "tasks.yaml"
    shutil.copyfile(bundled_path(), target)
    return target


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.exit_code = code
        self.stdout = stdout
        self.stderr = stderr


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process with Typer's CliRunner; stdout and stderr apart."""
    runner = CliRunner()
    res = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return Result(res.exit_code, res.stdout, res.stderr)


def run_ipq(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m ipq` as a real process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ipq", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )


def can_switch_users() -> str | None:
    """Why tests cannot run ipq as two other uids here, or None when they can."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to switch uids with setpriv"
    if shutil.which("setpriv") is None:
        return "setpriv is not installed"
    probe = subprocess.run(
        [
            "setpriv",
            "--reuid=4001",
            "--regid=4001",
            "--clear-groups",
            sys.executable,
            "-c",
            "import ipq",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"another uid cannot import ipq here: {probe.stderr.strip()[-200:]}"
    return None


#: Runs ipq in a process whose umask is given first (setpriv executes it directly:
#: a shell between them could not reach an interpreter under /root as another uid).
_AS_USER = (
    "import os, sys; os.umask(int(sys.argv[1], 8)); sys.argv = ['ipq', *sys.argv[2:]]\n"
    "from ipq.cli import main\n"
    "main()"
)


def run_as(
    uid: int,
    gid: int,
    groups: list[int],
    *args: str,
    umask: str = "002",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ipq as another user, in the given groups, with that umask."""
    full_env = {**os.environ, "IPQ_NO_CACHE": "1", "HOME": "/tmp", **(env or {})}
    full_env.pop("XDG_DATA_HOME", None)
    groups_opt = "--groups=" + ",".join(map(str, groups)) if groups else "--clear-groups"
    return subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={gid}", groups_opt, sys.executable, "-c", _AS_USER]
        + [umask, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )

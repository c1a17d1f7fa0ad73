"""The ledger in a git repository: the merge driver's setup, and what `ipq where` says.

ipq stays out of the user's git workflow: it never commits, and read commands
never write. ``git-setup`` writes the ``.gitattributes`` line (committed, so
every clone has it) and the ``merge.ipq.*`` configuration (per clone).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

DRIVER = "ipq"


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise UserError("找不到 git 命令；请先安装 git") from None


def repository(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None."""
    folder = path.resolve().parent
    if not folder.is_dir():
        return None
    try:
        proc = _git("rev-parse", "--show-toplevel", cwd=folder)
    except UserError:
        return None
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


def driver_command() -> str:
    """How git runs ipq's merge: this very interpreter, so a venv needs no PATH."""
    return f"{shlex.quote(sys.executable)} -m ipq merge %O %A %B"


@dataclass(frozen=True)
class State:
    repo: Path
    attribute: bool  # .gitattributes sends the file to the driver
    configured: bool  # this clone has merge.ipq.driver
    uncommitted: bool  # the ledger has changes git has not committed

    @property
    def active(self) -> bool:
        return self.attribute and self.configured


def state(path: Path) -> State | None:
    repo = repository(path)
    if repo is None:
        return None
    rel = path.resolve().relative_to(repo).as_posix()
    attr = _git("check-attr", "merge", "--", rel, cwd=repo).stdout.strip()
    configured = _git("config", "--get", f"merge.{DRIVER}.driver", cwd=repo).returncode == 0
    status = _git("status", "--porcelain", "--", rel, cwd=repo).stdout.strip()
    return State(repo, attr.endswith(f": {DRIVER}"), configured, bool(status))


def setup(path: Path) -> list[str]:
    """Register the merge driver for ``path``; what was done, one line each (nothing: all set)."""
    repo = repository(path)
    if repo is None:
        raise UserError(f"{path} 不在 git 仓库中；请先 git init 或 git clone")
    rel = path.resolve().relative_to(repo).as_posix()
    done: list[str] = []
    attributes = repo / ".gitattributes"
    line = f"{rel} merge={DRIVER}"
    existing = attributes.read_text(encoding="utf-8").splitlines() if attributes.exists() else []
    if line not in existing:
        text = "\n".join([*existing, line]) + "\n"
        attributes.write_text(text, encoding="utf-8")
        done.append(f"已在 .gitattributes 中加入“{line}”（请提交这个文件，其他副本就都会用它）")
    for key, value in (("name", "ipq 台账的语义合并"), ("driver", driver_command())):
        now = _git("config", "--get", f"merge.{DRIVER}.{key}", cwd=repo).stdout.strip()
        if now != value:
            _git("config", f"merge.{DRIVER}.{key}", value, cwd=repo)
            done.append(
                f"已设置 git config merge.{DRIVER}.{key} = {value}（只对这个副本有效，每个副本运行一次 ipq git-setup）"
            )
    return done

"""Startup against the floors, as CPU time of paired runs (issue 14's measure).

    /path/to/venv/bin/python bench/startup.py [--pairs 21]

Run it with the Python of an environment where ipq is installed as users install it (a
wheel: ``python -m venv v && v/bin/pip install .``), so that ``.pyc`` files exist. Each
pair runs the floor and then the command, one right after the other; the figure is the
median of the per-pair ratios of CPU time (user + system, from ``os.wait4``), which a
busy machine moves much less than wall time. Floors: ``python -c pass``, the stack's
imports (``import typer, rich.table, pydantic, yaml``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

COMMANDS = (
    ("list", "--dept", "商标局"),
    ("obligations", "--province", "浙江"),
    ("show", "3"),
    ("--help",),
    ("list", "--help"),
)
STACK = "import typer, rich.table, pydantic, yaml"


def cpu(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds of one process, its output discarded."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.execve(cmd[0], cmd, os.environ if env is None else env)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    args = parser.parse_args()
    python = sys.executable
    ipq = str(Path(python).parent / "ipq")
    cpu([ipq, *COMMANDS[0]])  # the cache filled once, as after any earlier command
    bare = statistics.median(cpu([python, "-c", "pass"]) for _ in range(args.pairs))
    print(f"python -c pass: {bare:.3f} s CPU (median of {args.pairs})")
    print("| command | ipq (CPU) | floor: the stack's imports | ratio (median of pairs) |")
    print("|---|---|---|---|")
    for command in COMMANDS:
        ratios, ours, floors = [], [], []
        for _ in range(args.pairs):
            floor = cpu([python, "-c", STACK])
            mine = cpu([ipq, *command])
            ratios.append(mine / floor)
            ours.append(mine)
            floors.append(floor)
        print(
            f"| `ipq {' '.join(command)}` | {statistics.median(ours):.3f} s "
            f"| {statistics.median(floors):.3f} s | {statistics.median(ratios):.2f}× |"
        )


if __name__ == "__main__":
    main()

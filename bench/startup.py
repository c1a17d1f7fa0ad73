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


#: Runs a command (its output discarded, its errors passed on) and prints its wall time,
#: CPU time, peak memory (KB) and exit code. Every measured command starts from this small
#: process, not from the benchmark's: Linux counts in a process's peak memory the peak of
#: the one it was forked from (exec keeps it: the benchmark's own, over 600 MB once it has
#: read a 10,000-task list for Taskwarrior), and a child forked from a large process spends
#: system time unmapping its copy when it execs.
_LAUNCH = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
      os.waitstatus_to_exitcode(status))
"""


def launched(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak memory (KB) of one process, its
    output discarded; a failure ends the benchmark with the command's error."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _LAUNCH, *cmd],
        env=os.environ if env is None else env,
        capture_output=True,
        check=False,
    )
    try:
        wall, used, peak, code = done.stdout.split()
    except ValueError:
        code = b"-1"
    if int(code) != 0 or done.returncode != 0:
        raise SystemExit(f"failed ({code.decode()}): {' '.join(cmd)}\n{done.stderr.decode()}")
    return float(wall), float(used), int(peak)


def cpu(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds of one process, its output discarded."""
    return launched(cmd, env)[1]


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

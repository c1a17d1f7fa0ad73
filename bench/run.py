"""The ipq benchmark: whole processes, timed with the stdlib, medians of several runs.

    python bench/run.py                 # everything; writes bench/RESULTS.md
    python bench/run.py --sizes 1000    # only the 1,000-task list
    python bench/run.py --runs 3        # fewer runs per figure

It measures, side by side:

* startup: ``ipq list --dept 商标局`` on the bundled list against the floor, a
  Python process that only imports typer, rich.table, pydantic and yaml;
* scale: generated lists of 1,000 and 10,000 tasks (``bench/generate.py``):
  ``list`` with a filter, ``obligations``, ``show``, ``summary``, ``board``,
  ``export --format xlsx``, ``mark`` and ``undo``, with
  their peak memory (at 100 columns; ``obligations`` and ``board`` at 80 too, where
  they lay out otherwise); reads both warm (the validated list in ipq's cache, as after
  any ipq command) and cold (the first read after the file changed outside ipq:
  an empty cache, so the file is parsed and what was parsed is filed);
* taskwarrior's ``task list`` on as many tasks, where Debian's package is installed.

It runs ipq as users install it: it builds a wheel of this checkout, installs it (with
its dependencies, ``.pyc`` compiled) into ``bench/work/venv``, and re-runs itself with that
environment's Python, so ipq, the floors and Typer all come from there
(``--here`` skips this and uses the running Python's ipq).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
ROOT = HERE.parent
INSTALLED = "IPQ_BENCH_INSTALLED"


def run_installed() -> None:
    """Build a wheel, install it into a fresh venv, and run this script there instead."""
    dist, venv = WORK / "dist", WORK / "venv"
    shutil.rmtree(dist, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    WORK.mkdir(exist_ok=True)
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)]
    subprocess.run(pip, **quiet)  # type: ignore[call-overload]
    wheel = next(dist.glob("ipq-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], **quiet)  # type: ignore[call-overload]
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "--compile", str(wheel)]
    subprocess.run(install, **quiet)  # type: ignore[call-overload]
    env = {**os.environ, INSTALLED: str(wheel.name)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    os.execve(str(python), [str(python), __file__, *sys.argv[1:]], env)


FLOOR = "import typer, rich.table, pydantic, yaml"
#: Issue 14's targets, in seconds (and ratios).
STARTUP_RATIO_MAX, STARTUP_RATIO_AIM = 1.2, 1.0
READ_MAX_1000, COLD_MAX_1000, MARK_MAX_1000, GROWTH_MAX = 0.4, 1.0, 0.8, 10.0
EXPORT_MAX_1000 = 0.6
#: Against Taskwarrior on the same data, at 1,000 tasks: a list within 1.5x, a mark within 2x.
TW_LIST_MAX, TW_MARK_MAX = 1.5, 2.0
PEAK_MAX_MB = 500


def ipq_command() -> list[str]:
    script = Path(sys.executable).parent / "ipq"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ipq"]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak memory (KB) of one process; its output is discarded (see
    ``startup.launched``: the peak is the process's own, not the benchmark's)."""
    from startup import launched

    wall, _, peak = launched(cmd, env)
    return wall, peak


def measure(
    cmd: list[str] | list[list[str]], env: dict[str, str], runs: int, cold: bool = False
) -> dict:
    """Median and minimum over ``runs`` (of one command, or of one command per run).

    ``cold``: reads that find no parsed list in ipq's cache, as the first read after the
    file changed outside ipq (an editor, ``git pull``) does: each run has a cache
    directory of its own, so it parses the file and files what it parsed. The directory
    holds what any earlier command left there for every file (the core schemas, see
    ``ipq.schemas``), as a user's does."""
    per_run = cmd if cmd and isinstance(cmd[0], list) else [cmd] * runs
    times, peaks = [], []
    for one in per_run[:runs]:
        with tempfile.TemporaryDirectory() as cache:
            if cold:
                _keep_schemas(env, Path(cache))
            t, kb = timed(one, {**env, "XDG_CACHE_HOME": cache} if cold else env)  # type: ignore[arg-type]
        times.append(t)
        peaks.append(kb)
    return {"median": statistics.median(times), "min": min(times), "peak_mb": max(peaks) / 1024}


def _keep_schemas(env: dict[str, str], cache: Path) -> None:
    """Copy the core schemas ipq keeps from ``env``'s cache directory to ``cache``."""
    kept = Path(env["XDG_CACHE_HOME"]) / "ipq" / "parsed" / "schemas.json"
    if not kept.is_file():
        raise SystemExit(f"no core schemas kept in {kept.parent}: run a command first")
    (cache / "ipq" / "parsed").mkdir(parents=True, mode=0o700)
    shutil.copy2(kept, cache / "ipq" / "parsed" / "schemas.json")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import yaml

    versions = {name: metadata.version(name) for name in ("typer", "rich", "pydantic", "PyYAML")}
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        **versions,
    }


def bench_startup(env: dict[str, str], runs: int) -> dict:
    ipq = ipq_command()
    timed([*ipq, "list", "--dept", "商标局"], env)  # fill the cache once
    typer_only = [sys.executable, str(HERE / "typer_floor.py"), "list", "--dept", "商标局"]
    bare = measure([sys.executable, "-c", "pass"], env, runs)
    floor = measure([sys.executable, "-c", FLOOR], env, runs)
    typer_floor = measure(typer_only, env, runs)
    warm = measure([*ipq, "list", "--dept", "商标局"], env, runs)
    cold = measure([*ipq, "list", "--dept", "商标局"], {**env, "IPQ_NO_CACHE": "1"}, runs)
    from startup import COMMANDS, cpu

    paired = {}
    for command in COMMANDS:  # CPU time, each run paired with a floor run just before it
        ratios = [
            cpu([*ipq, *command]) / cpu([sys.executable, "-c", FLOOR]) for _ in range(max(runs, 21))
        ]
        paired[" ".join(command)] = statistics.median(ratios)
    typer_ratios = [
        cpu(typer_only) / cpu([sys.executable, "-c", FLOOR]) for _ in range(max(runs, 21))
    ]
    return {
        "bare": bare,
        "paired": paired,
        "typer_paired": statistics.median(typer_ratios),
        "floor": floor,
        "typer_floor": typer_floor,
        "ipq": warm,
        "ipq_no_cache": cold,
        "ratio": warm["median"] / floor["median"],
        "typer_ratio": typer_floor["median"] / floor["median"],
    }


def generated(name: str, *options: str) -> Path:
    """``bench/work/NAME``, made once by generate.py with ``options`` (in its own process,
    so that this one stays small: a child's peak memory counts what it inherited)."""
    WORK.mkdir(exist_ok=True)
    path = WORK / name
    if not path.exists():
        command = [sys.executable, str(HERE / "generate.py"), *options, "-o", str(path)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return path


def list_file(size: int) -> Path:
    """The generated list of ``size`` tasks."""
    return generated(f"tasks_{size}.yaml", "--tasks", str(size))


def bench_scale(size: int, env: dict[str, str], runs: int) -> dict:
    ipq = ipq_command()
    source = list_file(size)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / source.name
        shutil.copyfile(source, path)
        f = ["-f", str(path)]
        middle = str(size // 2)
        timed([*ipq, "list", *f], env)  # fill the cache, as any read would (validate never does)
        cmds = {
            "list --dept 商标局 --status done": [
                *ipq,
                "list",
                "--dept",
                "商标局",
                "--status",
                "done",
                *f,
            ],
            "obligations --province 浙江": [*ipq, "obligations", "--province", "浙江", *f],
            "obligations --province 浙江 --json": [
                *ipq,
                "obligations",
                "--province",
                "浙江",
                "--json",
                *f,
            ],
            "show (the middle task)": [*ipq, "show", middle, *f],
            "summary": [*ipq, "summary", *f],
            "board": [*ipq, "board", *f],
            "export --format xlsx": [
                *ipq,
                "export",
                "--format",
                "xlsx",
                "-o",
                str(Path(tmp) / "out.xlsx"),
                "--force",
                *f,
            ],
        }
        results = {name: measure(cmd, env, runs) for name, cmd in cmds.items()}
        # the rest at 100 columns; these lay out otherwise at a terminal's usual 80 (and at
        # Rich's 80 when the output is piped): the obligations as cards, the board narrower
        narrow = {**env, "COLUMNS": "80"}
        for name in ("obligations --province 浙江", "board"):
            results[f"{name} (80 columns)"] = measure(cmds[name], narrow, runs)
        results["list --dept 商标局 --status done (cold)"] = measure(
            cmds["list --dept 商标局 --status done"], env, max(1, runs // 2), cold=True
        )
        # each mark writes (a new note each time); then as many undos take them back
        marks = [
            [*ipq, "mark", middle, "--status", "blocked", "--note", f"bench {i}", *f]
            for i in range(runs)
        ]
        results["mark"] = measure(marks, env, runs)
        results["undo"] = measure([*ipq, "undo", *f], env, runs)
        if path.read_bytes() != source.read_bytes():
            raise SystemExit("marks and as many undos did not give the original file back")
        results["size_mb"] = path.stat().st_size / 2**20
    return results


HISTORY_READS = {
    "list --dept 商标局": ["list", "--dept", "商标局"],
    "show 8": ["show", "8"],
    "obligations --province 浙江": ["obligations", "--province", "浙江"],
    "summary": ["summary"],
    "board": ["board"],
}


def history_file(entries: int, drop: bool = False) -> Path:
    """The real list with exactly ``entries`` history entries (``drop``: the same list,
    the progress those marks left in it, with the history removed)."""
    if drop:
        name, more = f"history_{entries}_dropped.yaml", ["--drop-history"]
    else:
        name, more = f"history_{entries}.yaml", []
    return generated(name, "--history", str(entries), *more)


def bench_history(entries: int, env: dict[str, str], runs: int) -> dict:
    """Every read and mark/undo on the real list with ``entries`` history entries and the
    same list with its history removed (the progress the entries record kept, so that both
    print the same), as CPU time of paired runs (the one with none right before): the
    ratio says what the history costs."""
    from startup import cpu

    ipq = ipq_command()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for n in (0, entries):
            files[n] = Path(tmp) / f"h{n}.yaml"
            shutil.copyfile(history_file(entries, drop=n == 0), files[n])
            timed([*ipq, "list", "-f", str(files[n])], env)  # cached, as after any command

        def pair(args: list[str]) -> tuple[float, float]:
            return tuple(cpu([*ipq, *args, "-f", str(files[n])], env) for n in (0, entries))  # type: ignore[return-value]

        def summary(pairs: list[tuple[float, float]]) -> dict:
            return {
                "none": statistics.median(a for a, _ in pairs),
                "with": statistics.median(b for _, b in pairs),
                "ratio": statistics.median(b / a for a, b in pairs),
            }

        def mark(note: str) -> list[str]:
            return ["mark", "8.2", "-p", "浙江", "-s", "blocked", "-n", note]

        for name, args in HISTORY_READS.items():
            out[name] = summary([pair(args) for _ in range(runs)])
        out["mark"] = summary([pair(mark(f"bench {i}")) for i in range(runs)])
        undos = []
        for i in range(runs):
            for f in files.values():  # something to undo in both files first
                timed([*ipq, *mark(f"u{i}"), "-f", str(f)], env)
            undos.append(pair(["undo"]))
        out["undo"] = summary(undos)
        out["size_mb"] = files[entries].stat().st_size / 2**20
    return out


def taskwarrior_items(path: Path) -> list[dict]:
    """The list at ``path`` as Taskwarrior tasks holding the same texts, notes and history:
    the title as description, the lead department as project, and as annotations the
    measures, every department's and province's status and note, and every history entry."""
    from ipq.models import STATUS_LABELS
    from ipq.store import load

    tl = load(path)
    trail: dict[int, list[str]] = {}
    for ch in tl.history:
        if ch.task is not None:
            said = f"{ch.at} {ch.unit} {ch.old}→{ch.new} {ch.note or ''}"
            trail.setdefault(ch.task, []).append(said)
    entry = "20190301T000000Z"
    items = []
    for t in tl.tasks:
        notes = [t.national_measures, *(d.measures for d in t.duties)]
        for dept, part in t.progress.departments.items():
            notes.append(f"{dept}：{STATUS_LABELS[part.status]}：{part.note or ''}")
        for province, duties in t.progress.provinces.items():
            for duty, part in duties.items():
                notes.append(
                    f"{province} {t.id}.{duty}：{STATUS_LABELS[part.status]}：{part.note or ''}"
                )
        notes += trail.get(t.id, [])
        items.append(
            {
                "description": f"{t.id}.{t.title}",
                "project": t.departments[0],
                "status": "pending",
                "entry": entry,
                "annotations": [{"entry": entry, "description": n} for n in notes],
            }
        )
    return items


def bench_taskwarrior(size: int, env: dict[str, str], runs: int) -> dict | None:
    """Taskwarrior on the same data: a filtered list, and a change with a note; and
    ipq's list and mark against them as CPU time of paired runs (each ipq run right
    after the Taskwarrior run it is compared with: median of the ratios)."""
    from startup import cpu

    task = shutil.which("task")
    if task is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tw_env = {**os.environ, "TASKDATA": tmp, "TASKRC": str(Path(tmp) / "taskrc")}
        Path(tw_env["TASKRC"]).write_text("confirmation=off\nverbose=nothing\n")
        data = Path(tmp) / "import.json"
        items = taskwarrior_items(list_file(size))
        data.write_text(json.dumps(items, ensure_ascii=False))
        subprocess.run([task, "import", str(data)], env=tw_env, capture_output=True, check=True)
        middle = str(size // 2)
        listing = [task, "rc.gc=off", "project:商标局", "list"]
        marks = [[task, "rc.gc=off", middle, "annotate", f"bench {i}"] for i in range(runs)]
        out = {
            "list project:商标局": measure(listing, tw_env, runs),
            "annotate (a mark with a note)": measure(marks, tw_env, runs),
            "data_mb": sum(f.stat().st_size for f in Path(tmp).glob("*.data")) / 2**20,
        }
        ipq = ipq_command()
        path = Path(tmp) / "ipq.yaml"
        shutil.copyfile(list_file(size), path)
        f = ["-f", str(path)]
        timed([*ipq, "list", *f], env)  # cached, as after any command
        mine = [*ipq, "list", "--dept", "商标局", "--status", "done", *f]
        out["paired_list"] = statistics.median(
            cpu(mine, env) / cpu(listing, tw_env) for _ in range(runs)
        )
        out["paired_mark"] = statistics.median(
            cpu([*ipq, "mark", middle, "-s", "blocked", "-n", f"p{i}", *f], env)
            / cpu([task, "rc.gc=off", middle, "annotate", f"p{i}"], tw_env)
            for i in range(runs)
        )
        return out


def fmt(r: dict) -> str:
    return f"{r['median']:.3f} s (min {r['min']:.3f}, peak {r['peak_mb']:.0f} MB)"


def report(results: dict) -> str:
    m = results["machine"]
    s = results["startup"]
    lines = [
        "# ipq benchmark results",
        "",
        f"Recorded {results['date']} by `python bench/run.py` ({results['runs']} runs per figure, medians),"
        f" ipq installed from the wheel `{results.get('installed') or 'this checkout'}`.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}",
        f"- OS: {m['os']}",
        f"- Python {m['python']}; typer {m['typer']}, rich {m['rich']}, pydantic {m['pydantic']},"
        f" PyYAML {m['PyYAML']} (libyaml: {'yes' if m['libyaml'] else 'no'})",
        "",
        "## Startup: `ipq list --dept 商标局` on the bundled list",
        "",
        "| what | median | min | peak memory |",
        "|---|---|---|---|",
        f"| `python -c pass` | {s['bare']['median']:.3f} s | {s['bare']['min']:.3f} s | {s['bare']['peak_mb']:.0f} MB |",
        f'| floor: `python -c "{FLOOR}"` | {s["floor"]["median"]:.3f} s | {s["floor"]["min"]:.3f} s | {s["floor"]["peak_mb"]:.0f} MB |',
        f"| Typer alone: `bench/typer_floor.py list --dept 商标局` (the options of `ipq list`; prints a line) | {s['typer_floor']['median']:.3f} s | {s['typer_floor']['min']:.3f} s | {s['typer_floor']['peak_mb']:.0f} MB |",
        f"| ipq (validated list cached) | {s['ipq']['median']:.3f} s | {s['ipq']['min']:.3f} s | {s['ipq']['peak_mb']:.0f} MB |",
        f"| ipq with `IPQ_NO_CACHE=1` | {s['ipq_no_cache']['median']:.3f} s | {s['ipq_no_cache']['min']:.3f} s | {s['ipq_no_cache']['peak_mb']:.0f} MB |",
        "",
        f"Ratio of the wall-time medians, ipq / floor: **{s['ratio']:.2f}×**."
        f" A Typer app with the same options that does nothing is already {s['typer_ratio']:.2f}× the floor:"
        f" ipq's own work (loading the cached list, the query, the table) is the difference,"
        f" {1000 * (s['ipq']['median'] - s['typer_floor']['median']):.0f} ms.",
        "",
        "CPU time of paired runs (each command right after a floor run; median of the ratios),"
        f" the measure of issue 14 (targets: {STARTUP_RATIO_MAX}× for the reads,"
        f" {STARTUP_RATIO_AIM}× for `--help`):",
        "",
        "| command | ratio to the floor |",
        "|---|---|",
        *(
            f"| `ipq {name}` | {ratio:.2f}× — "
            + (
                "met"
                if ratio <= (STARTUP_RATIO_AIM if "help" in name else STARTUP_RATIO_MAX)
                else "missed"
            )
            + " |"
            for name, ratio in s["paired"].items()
        ),
        f"| Typer alone (`typer_floor.py`) | {s['typer_paired']:.2f}× |",
        "",
    ]
    sizes = results["scale"]
    if sizes:
        names = [k for k in next(iter(sizes.values())) if k != "size_mb"]
        header = (
            "| command | "
            + " | ".join(f"{n:,} tasks ({sizes[n]['size_mb']:.1f} MB)" for n in sizes)
            + " |"
        )
        lines += ["## Scale", "", header, "|---|" + "---|" * len(sizes)]
        for name in names:
            lines.append(f"| `{name}` | " + " | ".join(fmt(sizes[n][name]) for n in sizes) + " |")
        tw = results.get("taskwarrior") or {}
        if tw:
            for what in ("list project:商标局", "annotate (a mark with a note)"):
                lines.append(
                    f"| Taskwarrior `task {what}`, the same data | "
                    + " | ".join(fmt(tw[n][what]) if n in tw else "–" for n in sizes)
                    + " |"
                )
        lines += ["", "### Against the targets", ""]
        if 1000 in sizes:
            small = sizes[1000]
            reads = [
                k
                for k in names
                if k not in ("mark", "undo") and "(cold)" not in k and not k.startswith("export")
            ]
            worst = max(reads, key=lambda k: small[k]["median"])
            lines.append(
                f"- 1,000 tasks, every warm read ≤ {READ_MAX_1000} s: slowest `{worst}` "
                f"{small[worst]['median']:.3f} s — {'met' if small[worst]['median'] <= READ_MAX_1000 else 'missed'}."
            )
            xlsx = small["export --format xlsx"]["median"]
            lines.append(
                f"- 1,000 tasks, `export --format xlsx` ≤ {EXPORT_MAX_1000} s:"
                f" {xlsx:.3f} s — {'met' if xlsx <= EXPORT_MAX_1000 else 'missed'}."
            )
            cold = small["list --dept 商标局 --status done (cold)"]["median"]
            lines.append(
                f"- 1,000 tasks, a cold read (first after an outside change) ≤ {COLD_MAX_1000} s:"
                f" {cold:.3f} s — {'met' if cold <= COLD_MAX_1000 else 'missed'}."
            )
            tw = (results.get("taskwarrior") or {}).get(1000)
            if tw:
                mine = small["list --dept 商标局 --status done"]["median"]
                theirs = tw["list project:商标局"]["median"]
                ratio = tw["paired_list"]
                lines.append(
                    f"- 1,000 tasks, a filtered list within {TW_LIST_MAX}× Taskwarrior's:"
                    f" {ratio:.2f}× paired CPU ({mine / theirs:.2f}× of the wall medians) — "
                    f"{'met' if ratio <= TW_LIST_MAX else 'missed'}."
                )
                ratio = tw["paired_mark"]
                wall = small["mark"]["median"] / tw["annotate (a mark with a note)"]["median"]
                lines.append(
                    f"- 1,000 tasks, a mark within {TW_MARK_MAX}× Taskwarrior's:"
                    f" {ratio:.2f}× paired CPU ({wall:.2f}× of the wall medians) — "
                    f"{'met' if ratio <= TW_MARK_MAX else 'missed'}."
                )
            for k in ("mark", "undo"):
                v = small[k]["median"]
                lines.append(
                    f"- 1,000 tasks, `{k}` ≤ {MARK_MAX_1000} s: {v:.3f} s — {'met' if v <= MARK_MAX_1000 else 'missed'}."
                )
        tw_big = (results.get("taskwarrior") or {}).get(10000)
        if tw_big and 10000 in sizes:
            big = sizes[10000]
            mine = big["list --dept 商标局 --status done"]["median"]
            theirs = tw_big["list project:商标局"]["median"]
            ratio = tw_big["paired_list"]
            lines.append(
                f"- 10,000 tasks, a filtered list faster than Taskwarrior's: {ratio:.2f}× paired"
                f" CPU ({mine:.2f} s against {theirs:.2f} s wall) — {'met' if ratio < 1 else 'missed'}."
            )
            ratio = tw_big["paired_mark"]
            wall = big["mark"]["median"] / tw_big["annotate (a mark with a note)"]["median"]
            lines.append(
                f"- 10,000 tasks, a mark within {TW_MARK_MAX}× Taskwarrior's: {ratio:.2f}× paired"
                f" CPU ({wall:.2f}× of the wall medians) — {'met' if ratio <= TW_MARK_MAX else 'missed'}."
            )
        if 1000 in sizes and 10000 in sizes:
            worst = max(names, key=lambda k: sizes[10000][k]["peak_mb"])
            peak = sizes[10000][worst]["peak_mb"]
            lines.append(
                f"- 10,000 tasks, peak memory ≤ {PEAK_MAX_MB} MB for every command: highest"
                f" `{worst}` {peak:.0f} MB — {'met' if peak <= PEAK_MAX_MB else 'missed'}."
            )
            for k in names:
                growth = sizes[10000][k]["median"] / sizes[1000][k]["median"]
                lines.append(
                    f"- `{k}`: 10,000 / 1,000 = {growth:.1f}× — {'met' if growth <= GROWTH_MAX else 'missed'}"
                    f" (≤ {GROWTH_MAX:.0f}×)."
                )
        lines.append("")
    hist = results.get("history")
    if hist:
        lines += [
            f"## History: the real list with {results['history_entries']:,} history entries"
            f" ({hist['size_mb']:.1f} MB) against the same list without them",
            "",
            "The same ledger both times: the progress the entries record is in both files, only"
            " the history section is removed from one (`generate.py --drop-history`), so both"
            " print the same. CPU time of paired runs (the file without the history right before"
            " the one with it), medians; issue 14's targets: every read ≤ 1.1×, `mark` and `undo` ≤ 2×.",
            "",
            "| command | no history | with the history | ratio |",
            "|---|---|---|---|",
        ]
        for name, r in hist.items():
            if name == "size_mb":
                continue
            limit = 2.0 if name in ("mark", "undo") else 1.1
            verdict = "met" if r["ratio"] <= limit else "missed"
            lines.append(
                f"| `{name}` | {r['none']:.3f} s | {r['with']:.3f} s | {r['ratio']:.2f}× — {verdict} |"
            )
        lines.append("")
    lines += ["## Notes", "", NOTES_MD.strip(), ""]
    return "\n".join(lines)


NOTES_MD = """
See the section *Findings* in bench/README.md for what these figures changed in ipq.
"""

#: Below this line RESULTS.md is written by hand (what moved and why, other measurements);
#: a new run replaces only what is above it.
HAND = "<!-- written by hand below: bench/run.py keeps it -->"


def write_report(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = old[old.index(HAND) :] if HAND in old else HAND + "\n"
    path.write_text(text.rstrip("\n") + "\n\n" + kept, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from work/results.json"
    )
    parser.add_argument(
        "--here", action="store_true", help="use the running Python's ipq, not a fresh wheel"
    )
    parser.add_argument(
        "--history",
        type=int,
        default=50000,
        help="history entries for the history figures (0: skip)",
    )
    args = parser.parse_args()
    if not (args.here or args.report_only or os.environ.get(INSTALLED)):
        run_installed()  # does not return
    if args.report_only:
        results = json.loads((WORK / "results.json").read_text())
        results["scale"] = {int(k): v for k, v in results["scale"].items()}
        results["taskwarrior"] = {int(k): v for k, v in results.get("taskwarrior", {}).items()}
        write_report(args.output, report(results))
        print(f"written: {args.output}")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]

    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "XDG_CACHE_HOME": f"{home}/cache",
            "XDG_DATA_HOME": f"{home}/data",
            "COLUMNS": "100",
        }
        env.pop("IPQ_FILE", None)
        env.pop("IPQ_NO_CACHE", None)
        results: dict = {
            "date": date.today().isoformat(),
            "runs": args.runs,
            "machine": machine(),
            "installed": os.environ.get(INSTALLED),
        }
        print("machine:", results["machine"], flush=True)
        results["startup"] = bench_startup(env, max(args.runs, 11))
        s = results["startup"]
        print(
            f"startup: floor {fmt(s['floor'])}; typer alone {fmt(s['typer_floor'])};"
            f" ipq {fmt(s['ipq'])}; ratio {s['ratio']:.2f}",
            flush=True,
        )
        if args.history:
            results["history_entries"] = args.history
            results["history"] = bench_history(args.history, env, max(3, args.runs))
            for name, r in results["history"].items():
                if name != "size_mb":
                    print(
                        f"history {name:<40} {r['none']:.3f} s → {r['with']:.3f} s ({r['ratio']:.2f}×)",
                        flush=True,
                    )
        results["scale"] = {}
        results["taskwarrior"] = {}
        for size in sizes:
            runs = args.runs if size <= 1000 else max(3, args.runs // 2)
            results["scale"][size] = bench_scale(size, env, runs)
            for name, r in results["scale"][size].items():
                if name != "size_mb":
                    print(f"{size:>6} {name:<45} {fmt(r)}", flush=True)
            tw = bench_taskwarrior(size, env, runs)
            if tw:
                results["taskwarrior"][size] = tw
                for what, r in tw.items():
                    if what == "data_mb":
                        continue
                    if isinstance(r, float):  # a paired ratio
                        print(f"{size:>6} {what:<45} {r:.2f}x", flush=True)
                    else:
                        print(f"{size:>6} {'taskwarrior ' + what:<45} {fmt(r)}", flush=True)
    (WORK / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2, default=str)
    )
    write_report(args.output, report(results))
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()

"""Generate task lists of any size for the benchmark, shaped like real use.

    python bench/generate.py --tasks 1000 -o bench/work/tasks_1000.yaml
    python bench/generate.py --history 50000 -o bench/work/history_50000.yaml
    python bench/generate.py --tasks 10000 --history 0 -o big.yaml
    python bench/generate.py --history 50000 --drop-history -o same_without.yaml

``--tasks N``: copies of the 18 real tasks (texts as long as the real texts), each with
progress for every province its duties concern and about ten marks of history behind it;
without ``--tasks``, the real list itself. ``--history M``: the history holds exactly M
entries, made by ipq's own ``mark`` (provinces marking their duties, with notes, a day
apart), so the file is what M marks would leave: every entry undoable, ids and authors
as ipq writes them. ``--history 0``: no history at all. ``--drop-history``: the marks are
made (their progress stays in the tasks), then the history is removed: the same ledger
with no history, against which a read of the one with it measures what the history costs.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ipq.models import STATUSES  # noqa: E402

#: What a generated part is marked with (不涉及 only where a duty allows it: left out here)
MARKS = tuple(s for s in STATUSES if s != "not_applicable")
from ipq.names import PROVINCE_NAMES  # noqa: E402
from ipq.query import duty_level  # noqa: E402
from ipq.store import bundled_path, load  # noqa: E402
from ipq.validation import to_data, validate  # noqa: E402
from ipq.yamlio import dump_data  # noqa: E402

NOTES = [
    "已按要求报送阶段性进展材料，待局内审核",
    "受疫情影响线下培训推迟，改为线上开展，已完成三期",
    "已与省市场监管局联合印发实施方案，正在组织落实",
    "经费尚未到位，等待财政批复后启动",
    "已完成年度目标任务，总结材料已上报",
]


def note(rng: random.Random) -> str:
    """A note as long as people write them: one to three sentences."""
    return "；".join(rng.sample(NOTES, rng.randint(1, 3)))


def generate(n_tasks: int, seed: int = 2019) -> bytes:
    rng = random.Random(seed)
    base = load(bundled_path())
    data = to_data(base)
    templates = data["tasks"]
    concerned = {
        t.id: [p for p in PROVINCE_NAMES if any(duty_level(base, d, p) for d in t.duties)]
        for t in base.tasks
    }
    tasks, history = [], []
    seq = 0
    for i in range(1, n_tasks + 1):
        template = templates[(i - 1) % len(templates)]
        source_id = template["id"]
        task = {**template, "id": i, "title": f"{template['title']}（{i}）"}
        stamp = f"2019-{rng.randint(3, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(8, 18):02d}:00:00+08:00"
        status = rng.choice(MARKS)
        progress: dict = {"status": status, "note": note(rng), "updated": stamp}
        provinces = {}
        for p in concerned[source_id]:
            provinces[p] = {
                "status": rng.choice(MARKS),
                "note": note(rng),
                "updated": stamp,
            }
        if provinces:
            progress["provinces"] = provinces
        task["progress"] = progress
        tasks.append(task)
        # a realistic trail: the national status reached in two steps, eight provinces' marks
        seq += 1
        history.append({"seq": seq, "at": stamp, "task": i, "old": "todo", "new": "in_progress"})
        seq += 1
        history.append(
            {
                "seq": seq,
                "at": stamp,
                "task": i,
                "old": "in_progress",
                "new": status,
                "note": progress["note"],
                "before": {"status": "in_progress", "updated": stamp},
            }
        )
        for p in list(provinces)[:8]:
            seq += 1
            history.append(
                {
                    "seq": seq,
                    "at": stamp,
                    "task": i,
                    "unit": p,
                    "old": "todo",
                    "new": provinces[p]["status"],
                    "note": provinces[p]["note"],
                }
            )
    data["tasks"] = tasks
    data["history"] = history
    # through the models, so the file is in the form ipq itself writes (this shape is
    # the one before per-department and per-duty progress: loading upgrades it)
    return dump_data(to_data(validate(data, "generated")))


def with_history(raw: bytes | None, entries: int, seed: int = 2019, drop: bool = False) -> bytes:
    """The list (``raw``, or the real one) with a history of exactly ``entries`` marks
    (``drop``: the progress those marks left, with the history itself removed)."""
    from ipq.ledger import mark
    from ipq.query import duty_label, duty_states
    from ipq.store import parse_fresh

    tl = parse_fresh(raw, "generated") if raw is not None else load(bundled_path())
    tl.history.clear()
    rng = random.Random(seed)
    duties = [  # (duty number, province): one mark each, one history entry each
        (duty_label(t, s.duty_number), p)
        for t in tl.tasks
        for p in PROVINCE_NAMES
        for s in duty_states(tl, t, p)
    ]
    day = datetime(2019, 3, 1, 9, 0).astimezone()
    while len(tl.history) < entries:
        number, province = rng.choice(duties)
        status = rng.choice(MARKS)
        day += timedelta(minutes=rng.randint(5, 600))
        mark(tl, [number], status, note(rng), province, at=day.isoformat(timespec="seconds"))
    if drop:
        tl.history.clear()
    return dump_data(to_data(tl))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a task list for the benchmark.")
    parser.add_argument(
        "--tasks", type=int, help="copies of the real tasks (default: the real list)"
    )
    parser.add_argument("--history", type=int, help="exactly this many history entries")
    parser.add_argument(
        "--drop-history",
        action="store_true",
        help="with --history: keep the marks' progress, remove the history itself",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="the YAML file to write")
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args(argv)
    raw = generate(args.tasks, args.seed) if args.tasks else None
    if args.drop_history and not args.history:
        parser.error("--drop-history needs --history M (M > 0)")
    if args.history is not None:
        raw = with_history(raw, args.history, args.seed, args.drop_history)
    elif raw is None:
        raw = bundled_path().read_bytes()
    args.output.write_bytes(raw)
    print(f"{args.output}: {args.output.stat().st_size / 2**20:.1f} MB")


if __name__ == "__main__":
    main()

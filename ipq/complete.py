"""Shell completion of the names ipq knows: provinces, departments, groups, statuses,
task numbers, categories, levels, formats.

Each function takes what the shell has typed so far and returns ``(value, help)`` pairs
(Typer's ``autocompletion``). A name is completed in the spelling the user began -- 浙
gives 浙江, zhe gives zhejiang (浙江省 as its help), both of which ipq accepts -- and
completion never fails: a data file that cannot be read offers nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import TaskList

Items = list[tuple[str, str]]


def _spelled(incomplete: str, help_: str, *spellings: str) -> Items:
    """The first spelling that continues what was typed, with ``help_``; else nothing."""
    for spelling in spellings:
        if spelling and spelling.startswith(incomplete):
            return [(spelling, help_)]
    return []


def _data(ctx: Any) -> TaskList:
    """The task list the command line refers to (its -f, else the usual one)."""
    from .store import load, locate

    params = getattr(ctx, "params", None) or {}
    return load(locate(params.get("file")).path, history=False)


def _quiet(complete: Callable[..., Items]) -> Callable[..., Items]:
    """Completion offers nothing, and says nothing, where it cannot read what it needs."""

    @functools.wraps(complete)
    def offer(*args: Any, **kwargs: Any) -> Items:
        try:
            return complete(*args, **kwargs)
        except Exception:
            return []

    return offer


def provinces(incomplete: str) -> Items:
    from .names import PROVINCES

    return [
        item
        for p in PROVINCES
        for item in _spelled(incomplete, p.name, p.short, p.name, p.abbr, p.pinyin, p.english)
    ]


@_quiet
def departments(ctx: Any, incomplete: str) -> Items:
    tl = _data(ctx)
    return [
        item
        for d in tl.departments
        for item in _spelled(incomplete, d.english or d.name, d.name, *d.aliases)
    ]


def units(ctx: Any, incomplete: str) -> Items:
    """A province or a department: the default unit (ipq config set unit …)."""
    return provinces(incomplete) + departments(ctx, incomplete)


@_quiet
def groups(ctx: Any, incomplete: str) -> Items:
    tl = _data(ctx)
    return [item for g in tl.groups for item in _spelled(incomplete, g.description, g.name)]


def statuses(incomplete: str) -> Items:
    from .models import STATUS_LABELS

    return [
        item
        for key, label in STATUS_LABELS.items()
        for item in _spelled(incomplete, f"{label} {key}", label, key)
    ]


@_quiet
def tasks(ctx: Any, incomplete: str) -> Items:
    """Task numbers with their titles; after ``8.``, the local duties of task 8."""
    from .query import duty_label

    tl = _data(ctx)
    typed = incomplete
    out: Items = []
    for t in tl.tasks:
        if "." in typed:
            out += [
                (duty_label(t, i), d.rule.text)
                for i, d in enumerate(t.duties, start=1)
                if duty_label(t, i).startswith(typed)
            ]
        elif str(t.id).startswith(typed):
            out.append((str(t.id), t.title))
    return out


@_quiet
def categories(ctx: Any, incomplete: str) -> Items:
    tl = _data(ctx)
    return [
        item
        for c in tl.categories
        for item in _spelled(incomplete, c.title, str(c.number), c.numeral, c.title)
    ]


def levels(incomplete: str) -> Items:
    from .query import LEVEL_LABELS

    return [item for k, v in LEVEL_LABELS.items() for item in _spelled(incomplete, v, k, v)]


def formats(incomplete: str) -> Items:
    from .export import FORMATS

    return [(f, "") for f in FORMATS if f.startswith(incomplete.strip().lower())]


def deadlines(incomplete: str) -> Items:
    return [
        item
        for k, v in (("milestone", "年内有阶段性成果"), ("completion", "年底前完成"))
        for item in _spelled(incomplete, v, k, v)
    ]

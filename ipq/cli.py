"""The `ipq` command line: options -> one library call -> one renderer.

Errors from the library (:mod:`ipq.errors`) and from option parsing become one
line on stderr and an exit code; never a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from . import complete, helpdoc
from .errors import EXIT_OUTPUT, EXIT_USER, DataFileError, IpqError, ReturnRefused, UserError


class _Chinese:
    """Help drawn by :mod:`ipq.helpdoc`; parsing errors raised as one Chinese line."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        helpdoc.print_help(ctx)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = helpdoc.HELP_TEXT
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # extra arguments are reported below, by kind
        try:
            rest: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        except helpdoc.UsageError as exc:
            raise helpdoc.usage_error(exc, ctx) from None
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise helpdoc.usage_error(helpdoc.ExtraArguments(rest, ctx), ctx)
        return rest


class IpqCommand(_Chinese, TyperCommand):
    """A command whose help and parsing errors are Chinese."""


def examples(*lines: str) -> str:
    """A command's examples, shown under 示例 in its help (and checked by the tests)."""
    return "\n".join(lines)


class IpqGroup(_Chinese, TyperGroup):
    """Turns every error into one plain line and a documented exit code."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and self.get_command(ctx, name) is None
            and not ctx.resilient_parsing
        ):
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx))
            raise helpdoc.usage_error(helpdoc.UnknownCommand(name, close, ctx), ctx)
        return super().resolve_command(ctx, args)

    def arranged(self, args: list[str]) -> list[str]:
        return _arranged(self, args)

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _tolerant_streams()
        try:
            args = self.arranged(list(sys.argv[1:] if args is None else args))
            if args == ["--version"]:
                from . import __version__

                print(f"ipq {__version__}")
                args = None
                result = 0
            else:
                result = super().main(
                    args=args, prog_name=prog_name, standalone_mode=False, **extra
                )
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        except OSError as exc:  # data files raise IpqError: this is the output failing
            code = _output_failed(exc)
        except IpqError as exc:
            _report(exc)
            code = exc.exit_code
        except typer.Abort:  # end of input at a prompt
            print("已取消", file=sys.stderr)
            code = EXIT_USER
        except Exception as exc:  # a usage error raised outside parsing (none is known)
            if not hasattr(exc, "format_message"):
                raise
            _report(helpdoc.usage_error(exc))
            code = EXIT_USER
        else:
            code = result if isinstance(result, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


#: Options every command (or its group) takes, which may also stand before the command.
GLOBAL_VALUED = ("-f", "--file")
GLOBAL_FLAGS = ("--json",)


def _arranged(group: Any, args: list[str]) -> list[str]:
    """``ipq`` alone is its overview; global options before the command move after it;
    an option that takes one value, given twice, is refused rather than the last kept."""
    if not args:
        return ["--help"]
    if args[0] in ("--version", "-V"):
        return ["--version"]
    moved: list[str] = []
    while args and (args[0] in (*GLOBAL_VALUED, *GLOBAL_FLAGS) or args[0].startswith("--file=")):
        take = 2 if args[0] in GLOBAL_VALUED else 1
        moved += args[:take]
        args = args[take:]
    if moved and (not args or args[0].startswith("-")):
        raise UserError("全局选项之后请写命令，如 ipq -f 台账.yaml list 或 ipq --json board")
    args = [*args, *moved]
    _refuse_repeats(group, args)
    return args


def _refuse_repeats(group: Any, args: list[str]) -> None:
    command, rest = group, args
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option" or param.multiple or param.is_flag:
            continue
        given = [
            a
            for a in rest
            if a in param.opts
            or a.startswith(tuple(f"{o}=" for o in param.opts if o.startswith("--")))
        ]
        if len(given) > 1:
            raise UserError(
                f"选项 {param.opts[0]} 只能写一次（这里写了 {len(given)} 次：{'、'.join(given)}）"
            )


def _tolerant_streams() -> None:
    """Characters the terminal's encoding cannot show degrade instead of failing.

    Redirected output on Chinese Windows is GBK, which has no ⚠; a note may hold
    bytes that were not UTF-8. Both are written with the encoding's replacement.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # one that cannot be: left as it is
                reconfigure(errors="replace")


def _output_failed(exc: OSError) -> int:
    """stdout cannot be written: one line, unless the reader simply went away."""
    import errno
    import os

    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more to flush at exit
    if exc.errno == errno.EPIPE:  # `ipq list | head`: quietly, with Click's code for it
        return EXIT_USER
    with contextlib.suppress(OSError):
        print(f"错误：无法写出结果（{exc.strerror or exc}）", file=sys.stderr)
    return EXIT_OUTPUT


def _report(exc: IpqError) -> None:
    """A data-file error names its file first, as a compiler would; a user error says 错误."""
    if isinstance(exc, (DataFileError, ReturnRefused)):
        for line in exc.problems or [exc.message]:
            print(line, file=sys.stderr)
    else:
        print(f"错误：{exc.message}", file=sys.stderr)


app = typer.Typer(
    cls=IpqGroup,
    no_args_is_help=False,
    help="ipq：《2019年推动知识产权高质量发展任务清单》的查询与进度台账。",
    epilog=examples(
        "ipq list --dept 商标局",
        "ipq obligations --province 浙江",
        "ipq mark 12 --status done",
        "ipq export -p 浙江 -o 浙江台账.xlsx",
        "ipq mark --help",
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _group() -> None:
    # No options of its own: it keeps ipq a group of commands when only the command being
    # run is registered (see _only_the_command_run); Typer would make a lone command the app.
    pass


FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        help="数据文件（YAML）。默认：环境变量 IPQ_FILE，否则工作副本，否则内置的 2019 年清单。",
        show_default=False,
        readable=False,  # ipq says itself, in Chinese, what is wrong with the file
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（格式见 README）。")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="判断逾期的日期（年-月-日），默认今天。", show_default=False),
]


def _load(file: Path | None, history: bool = True, provinces: bool | str = True) -> Any:
    """The task list; ``history=False`` where the command reads no history, which then
    need not be decoded from the cache (a year's history can outweigh the list);
    ``provinces=False`` where it reads no province's progress (most of a list's bytes),
    a province's full name where it reads that one's alone."""
    from .store import load, locate

    return load(locate(file).path, history=history, provinces=provinces)


def _as_of(text: str | None) -> date:
    from .query import parse_date

    return parse_date(text) if text else date.today()


DeptOpt = Annotated[
    str | None,
    typer.Option(
        "--dept", "-d", autocompletion=complete.departments, help="牵头部门，如 商标局、审业部。"
    ),
]
CategoryOpt = Annotated[
    str | None,
    typer.Option(
        "--category", "-c", autocompletion=complete.categories, help="类别：1–7、一–七或类别名称。"
    ),
]
STATUS_HELP = (
    "未开始、进行中、已完成、受阻、不涉及（或 todo、in_progress、done、blocked、not_applicable）。"
)
StatusOpt = Annotated[
    str | None,
    typer.Option("--status", "-s", autocompletion=complete.statuses, help="状态：" + STATUS_HELP),
]
DeadlineOpt = Annotated[
    str | None,
    typer.Option(
        "--deadline",
        autocompletion=complete.deadlines,
        help="完成时间：年内有阶段性成果（milestone）或 年底前完成（completion）。",
    ),
]
GrepOpt = Annotated[
    str | None, typer.Option("--grep", "-g", help="在任务名称和落实举措中查找文字。")
]
ProvinceFilterOpt = Annotated[
    str | None,
    typer.Option(
        "--province",
        "-p",
        autocompletion=complete.provinces,
        help="只列出对该省份有要求的任务；--status 按该省份的进度筛选。",
    ),
]
DeptsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--dept",
        "-d",
        autocompletion=complete.departments,
        help="国家知识产权局的部门，可写多次；默认为任务的全部执行部门。",
    ),
]


def _acting(tl: Any, province: str | None, depts: list[str] | None) -> tuple[str | None, list[str]]:
    """The unit a command acts for: the options, else the default unit (ipq config)."""
    if province or depts:
        return province, list(depts or [])
    from . import config
    from .ledger import resolve_unit
    from .names import PROVINCE_NAMES

    default = config.default_unit()
    if default is None:
        return None, []
    name = resolve_unit(tl, default.value)
    print(f"（以 {name} 的身份：默认单位，来自{default.origin}）", file=sys.stderr)
    return (name, []) if name in PROVINCE_NAMES else (None, [name])


def _load_acting(
    file: Path | None, province: str | None, depts: list[str] | None
) -> tuple[Any, str | None, list[str]]:
    """The list (without its history) and the unit the command acts for (see
    :func:`_acting`), with that province's progress alone, or none where it acts for no
    province: a province's is about 1/34 of a list's bytes, all of them most of it."""
    from .names import resolve_province

    if province is not None:
        province = resolve_province(province)
    tl = _load(file, history=False, provinces=province or False)
    acting, depts = _acting(tl, province, depts)
    if acting and not province:  # a province by default (ipq config): read with its own
        tl = _load(file, history=False, provinces=acting)
    return tl, acting, depts


OverdueOpt = Annotated[
    bool, typer.Option("--overdue", help="只列出逾期（已过完成时间且未完成）的任务。")
]


@app.command(
    "list",
    cls=IpqCommand,
    epilog=examples(
        "ipq list --dept 商标局",
        "ipq list -c 3 -s 进行中",
        "ipq list -p 浙江 --overdue",
        "ipq list --grep 地理标志 --json",
    ),
)
def list_tasks(
    dept: DeptOpt = None,
    category: CategoryOpt = None,
    status: StatusOpt = None,
    deadline: DeadlineOpt = None,
    grep: GrepOpt = None,
    province: ProvinceFilterOpt = None,
    overdue: OverdueOpt = False,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    file: FileOpt = None,
) -> None:
    """列出任务，可按部门、类别、状态、完成时间、省份和文字筛选。

    --dept 时状态是该部门自己的部分；--province 时是该省份各条举措的进度；
    都不写时按默认单位（ipq config），没有默认单位则是国家知识产权局的汇总状态。
    """
    from . import render
    from .query import TaskQuery, select_tasks

    day = _as_of(as_of)
    tl, province, depts = _load_acting(file, province, [dept] if dept else None)
    dept = depts[0] if depts else None
    query = TaskQuery(dept, category, status, deadline, grep, province, overdue, day)
    tasks = select_tasks(tl, query)
    if json_:
        render.emit_json([render.task_json(tl, t, day, province) for t in tasks])
    elif province:
        render.print_tasks(tl, tasks, day, province)
    else:
        name = tl.department_registry().resolve(dept) if dept else None
        render.print_tasks(tl, tasks, day, name, dept=True)


@app.command(
    "show",
    cls=IpqCommand,
    epilog=examples(
        "ipq show 3",
        "ipq show 8.2",
        "ipq show 12 --json",
    ),
)
def show(
    task: Annotated[
        str,
        typer.Argument(
            autocompletion=complete.tasks,
            help="任务编号（1–18，或 8.2 这样的举措编号）。",
            show_default=False,
        ),
    ],
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    file: FileOpt = None,
) -> None:
    """显示一项任务的全部内容。

    落实举措全文（国家和地方）、执行部门、完成时间、各部门的状态和备注、各省份的进度。
    """
    from . import render
    from .query import find_number

    day = _as_of(as_of)
    tl = _load(file, history=False)
    t, _ = find_number(tl, task)
    if json_:
        render.emit_json(
            {
                **render.task_json(tl, t, day),
                "provinces_progress": render.provinces_progress_json(tl, t, day),
            }
        )
    else:
        render.print_task(tl, t, day)


@app.command(
    "depts",
    cls=IpqCommand,
    epilog=examples(
        "ipq depts",
        "ipq depts --as-of 2019-12-31 --json",
    ),
)
def depts(as_of: AsOfOpt = None, json_: JsonOpt = False, file: FileOpt = None) -> None:
    """列出国家知识产权局各部门及其牵头的任务。"""
    from . import render
    from .query import department_tally, departments_overview

    day = _as_of(as_of)
    tl = _load(file, history=False)
    overview = departments_overview(tl)
    info = {d.name: d for d in tl.departments}
    tallies = {name: department_tally(tl, name, day) for name, _ in overview}
    if json_:
        render.emit_json(
            [
                {
                    "name": name,
                    "english": info[name].english,
                    "aliases": info[name].aliases,
                    "tasks": [t.id for t in tasks],
                    "done": tallies[name].done,
                    "overdue": tallies[name].overdue,
                }
                for name, tasks in overview
            ]
        )
    else:
        render.print_departments(
            [(name, info[name].english, tasks, tallies[name]) for name, tasks in overview]
        )


@app.command(
    "validate",
    cls=IpqCommand,
    epilog=examples(
        "ipq validate",
        "ipq validate 台账.yaml",
    ),
)
def validate(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="要检查的数据文件；默认为当前使用的数据文件。", show_default=False, readable=False
        ),
    ] = None,
    file: FileOpt = None,
) -> None:
    """检查数据文件，列出全部问题；没有问题时报告 OK 及数量。"""
    from .store import load, locate

    target = path or locate(file).path
    tl = load(target, use_cache=False)  # a check answers from the bytes, never the cache
    duties = sum(len(t.duties) for t in tl.tasks)
    print(
        f"OK：{target.name} — {len(tl.categories)} 个类别，{len(tl.tasks)} 项任务，"
        f"{duties} 项地方落实举措，{len(tl.departments)} 个部门，{len(tl.groups)} 个省份组，"
        f"{len(tl.history)} 条变更记录"
    )


@app.command(
    "obligations",
    cls=IpqCommand,
    epilog=examples(
        "ipq obligations --province 浙江",
        "ipq obligations -p zhejiang -l must",
        "ipq obligations -p 浙 --as-of 2019年12月31日",
    ),
)
def obligations(
    province: Annotated[
        str | None,
        typer.Option(
            "--province",
            "-p",
            autocompletion=complete.provinces,
            help="省份，如 浙江、浙江省、浙、zhejiang；默认为默认单位。",
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            autocompletion=complete.levels,
            help="要求：must（必做）、optional（选做）、if_member（涉及则必做）。",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    file: FileOpt = None,
) -> None:
    """一个省份须做（必做）、可做（选做）和涉及则必做的地方落实举措。"""
    from . import query, render

    day = _as_of(as_of)
    tl, province, depts = _load_acting(file, province, None)
    if province is None:
        held = (
            f"（默认单位是部门：{depts[0]}）"
            if depts
            else "（或用 ipq config set unit 浙江 设定默认单位）"
        )
        raise UserError(f"请用 --province 指定省份{held}")
    result = query.obligations(tl, province, level)
    if json_:
        render.emit_json(render.obligations_json(result, day))
    else:
        render.print_obligations(result, day)


@app.command(
    "provinces",
    cls=IpqCommand,
    epilog=examples(
        "ipq provinces",
        "ipq provinces --as-of 2019/12/31 --json",
    ),
)
def provinces(as_of: AsOfOpt = None, json_: JsonOpt = False, file: FileOpt = None) -> None:
    """各省份必做、选做、涉及则必做的举措数及进度。

    31 个省级单位和新疆生产建设兵团，每个一行。
    """
    from . import render
    from .names import PROVINCES
    from .query import province_tally, province_tasks, provinces_overview

    day = _as_of(as_of)
    tl = _load(file, history=False)
    rows = provinces_overview(tl)
    tallies = {name: province_tally(tl, name, day) for name, _ in rows}
    if json_:
        info = {p.name: p for p in PROVINCES}
        render.emit_json(
            [
                {
                    "province": name,
                    "short": info[name].short,
                    "abbr": info[name].abbr,
                    "pinyin": info[name].pinyin,
                    "english": info[name].english,
                    "counts": counts,
                    "tasks": len(province_tasks(tl, name)),
                    "done": tallies[name].done,
                    "overdue": tallies[name].overdue,
                    "duties": tallies[name].total,
                    "binding": tallies[name].binding,
                    "to_confirm": tallies[name].to_confirm,
                    "not_applicable": tallies[name].not_applicable,
                }
                for name, counts in rows
            ]
        )
    else:
        render.print_provinces([(name, counts, tallies[name]) for name, counts in rows])


GroupArg = Annotated[
    str, typer.Argument(autocompletion=complete.groups, help="省份组。", show_default=False)
]
ProvincesArg = Annotated[
    list[str],
    typer.Argument(autocompletion=complete.provinces, help="一个或多个省份。", show_default=False),
]

groups_app = typer.Typer(
    cls=IpqGroup,
    help="省份组：成员、含义与出处。",
    invoke_without_command=True,
    epilog=examples("ipq groups", "ipq groups --json", "ipq groups add --help"),
)
app.add_typer(groups_app, name="groups")


@groups_app.callback()
def groups(ctx: typer.Context, json_: JsonOpt = False, file: FileOpt = None) -> None:
    """列出各省份组：含义、已知成员及出处、名单是否完整。"""
    if ctx.invoked_subcommand is not None:
        ctx.obj = file  # `ipq groups -f F add …` means F, as `ipq groups add … -f F` does
        return
    from . import render

    tl = _load(file, history=False)
    if json_:
        render.emit_json(render.groups_json(tl))
    else:
        render.print_groups(tl)


@groups_app.command(
    "add",
    cls=IpqCommand,
    epilog=examples(
        "ipq groups add 知识产权保护中心 浙江 江苏 --source 国知局2019年批复",
    ),
)
def groups_add(
    ctx: typer.Context,
    group: Annotated[
        str,
        typer.Argument(
            autocompletion=complete.groups, help="省份组，如 知识产权保护中心。", show_default=False
        ),
    ],
    provinces: ProvincesArg,
    source: Annotated[
        str | None,
        typer.Option("--source", help="成员的出处（文件、新闻），建议填写。", show_default=False),
    ] = None,
    file: FileOpt = None,
) -> None:
    """把省份加入一个省份组（记入变更记录，可撤销）。"""
    from .ledger import group_add

    _change(_group_file(ctx, file), lambda tl: group_add(tl, group, provinces, source))


@groups_app.command(
    "remove",
    cls=IpqCommand,
    epilog=examples(
        "ipq groups remove 知识产权保护中心 浙江",
    ),
)
def groups_remove(
    ctx: typer.Context,
    group: GroupArg,
    provinces: ProvincesArg,
    file: FileOpt = None,
) -> None:
    """把省份移出一个省份组（记入变更记录，可撤销）。"""
    from .ledger import group_remove

    _change(_group_file(ctx, file), lambda tl: group_remove(tl, group, provinces))


@groups_app.command(
    "exclude",
    cls=IpqCommand,
    epilog=examples(
        "ipq groups exclude 军民融合 西藏 --source 西藏自治区知识产权局说明",
    ),
)
def groups_exclude(
    ctx: typer.Context,
    group: GroupArg,
    provinces: ProvincesArg,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="依据（如该省份的声明、文件），建议填写。", show_default=False
        ),
    ] = None,
    file: FileOpt = None,
) -> None:
    """声明省份不属于一个省份组（记入变更记录，可撤销）。

    名单不完整的组里，未列出的省份涉及则必做；声明不属于之后，改为选做（或与该省份无关）。
    """
    from .ledger import group_exclude

    _change(_group_file(ctx, file), lambda tl: group_exclude(tl, group, provinces, source))


def _group_file(ctx: typer.Context, file: Path | None) -> Path | None:
    """-f before or after the subcommand (both at once is refused as a repeated option)."""
    outer: Path | None = ctx.obj
    return file if file is not None else outer


def _change(file: Path | None, change: Any, prefix: str = "") -> None:
    """Run one change through the locked, atomic write and report it."""
    from . import render
    from .ledger import describe
    from .store import locate, modify

    changes, saved = modify(locate(file), change)
    if saved.created_copy:
        print(
            f"已创建工作副本：{saved.path}（内置清单保持不变；以后的命令都使用这个副本）",
            file=sys.stderr,
        )
    lines = [prefix + describe(ch, saved.ledger) for ch in changes]
    render.print_changes(lines, "没有变化，数据文件未修改。")


NumbersArg = Annotated[
    list[str],
    typer.Argument(
        autocompletion=complete.tasks,
        help="一个或多个任务编号；省份的某条地方举措写作 8.2（8 即该省份在任务 8 的全部举措）。",
        show_default=False,
    ),
]
ProvinceUnitOpt = Annotated[
    str | None,
    typer.Option(
        "--province",
        "-p",
        autocompletion=complete.provinces,
        help="记录该省份的进度（默认：默认单位）。",
        show_default=False,
    ),
]


@app.command(
    "mark",
    cls=IpqCommand,
    epilog=examples(
        "ipq mark 12 --status done",
        "ipq mark 8.2 -p 浙江 -s 进行中 -n 已印发实施方案",
        "ipq mark 3 13 -d 商标局 -s 已完成",
        "ipq mark 12 -s 进行中 --clear-note",
    ),
)
def mark(
    tasks: NumbersArg,
    status: Annotated[
        str,
        typer.Option(
            "--status", "-s", autocompletion=complete.statuses, help=STATUS_HELP, show_default=False
        ),
    ],
    note: Annotated[
        str | None,
        typer.Option(
            "--note", "-n", help="备注（替换原备注；不写则保留原备注）。", show_default=False
        ),
    ] = None,
    clear_note: Annotated[bool, typer.Option("--clear-note", help="清除原备注。")] = False,
    province: ProvinceUnitOpt = None,
    dept: DeptsOpt = None,
    file: FileOpt = None,
) -> None:
    """记录进度：设定任务的状态。

    不写 --province/--dept 时按默认单位（ipq config）；没有默认单位则设定任务全部执行部门的状态。
    任务的国家状态是各部门状态的汇总。不涉及只能用于省份的选做和涉及则必做的举措；
    涉及则必做的举措标为不涉及，同时记下该省份不属于相应的省份组。
    """
    from .ledger import mark as do_mark

    def change(tl: Any) -> Any:
        unit, depts = _acting(tl, province, dept)
        return do_mark(tl, tasks, status, note, unit, departments=depts, clear_note=clear_note)

    _change(file, change)


@app.command(
    "note",
    cls=IpqCommand,
    epilog=examples(
        "ipq note 12 已报送年度总结",
        "ipq note 8.2 已召开推进会 -p 浙江",
        'ipq note 12 ""',
    ),
)
def note(
    task: Annotated[
        str,
        typer.Argument(
            autocompletion=complete.tasks,
            help="任务编号，或 8.2 这样的举措编号。",
            show_default=False,
        ),
    ],
    text: Annotated[
        str, typer.Argument(help='新的备注；写空字符串 "" 则清除。', show_default=False)
    ],
    province: ProvinceUnitOpt = None,
    dept: DeptsOpt = None,
    file: FileOpt = None,
) -> None:
    """只改备注，不改状态（记入变更记录，可撤销）。"""
    from .ledger import mark as do_mark

    def change(tl: Any) -> Any:
        unit, depts = _acting(tl, province, dept)
        clear = not text.strip()
        return do_mark(
            tl, [task], None, None if clear else text, unit, departments=depts, clear_note=clear
        )

    _change(file, change)


@app.command(
    "undo",
    cls=IpqCommand,
    epilog=examples(
        "ipq undo",
        "ipq undo --force",
    ),
)
def undo(
    force: Annotated[
        bool,
        typer.Option("--force", help="即使这次修改之后又有变化（手工编辑或他人修改），也撤销。"),
    ] = False,
    file: FileOpt = None,
) -> None:
    """撤销最近一次修改（mark 或 groups add/remove）；可重复。

    按修改所指的任务、单位或省份撤销；若之后又有变化，会说明并拒绝，除非加 --force。
    """
    from .ledger import undo as do_undo

    _change(file, lambda tl: do_undo(tl, force), prefix="已撤销：")


@app.command(
    "history",
    cls=IpqCommand,
    epilog=examples(
        "ipq history",
        "ipq history 12",
        "ipq history -p 浙江 --json",
    ),
)
def history(
    task: Annotated[
        str | None,
        typer.Argument(
            autocompletion=complete.tasks,
            help="只看这项任务（或 8.2 这样的举措）。",
            show_default=False,
        ),
    ] = None,
    province: Annotated[
        str | None,
        typer.Option(
            "--province", "-p", autocompletion=complete.provinces, help="只看这个省份的变更。"
        ),
    ] = None,
    dept: Annotated[
        str | None,
        typer.Option(
            "--dept", "-d", autocompletion=complete.departments, help="只看这个部门的变更。"
        ),
    ] = None,
    json_: JsonOpt = False,
    file: FileOpt = None,
) -> None:
    """变更记录，最新的在前：时间、单位、原状态 → 新状态、备注。"""
    from . import render
    from .ledger import history as changes_of

    if province and dept:
        raise UserError("--province 与 --dept 只能选一个")
    tl = _load(file)
    who = province or (tl.department_registry().resolve(dept) if dept else None)
    changes = changes_of(tl, task, who)
    if json_:
        render.emit_json([render.change_json(ch) for ch in changes])
    else:
        render.print_history(changes, tl)


@app.command(
    "summary",
    cls=IpqCommand,
    epilog=examples(
        "ipq summary",
        "ipq summary --as-of 2019-12-31 --json",
    ),
)
def summary(as_of: AsOfOpt = None, json_: JsonOpt = False, file: FileOpt = None) -> None:
    """进度汇总：按类别、牵头部门和省份统计完成数，以及逾期数。"""
    from . import render
    from .query import summary as make_summary

    day = _as_of(as_of)
    result = make_summary(_load(file, history=False), day)
    if json_:
        render.emit_json(render.summary_json(result))
    else:
        render.print_summary(result)


@app.command(
    "board",
    cls=IpqCommand,
    epilog=examples(
        "ipq board",
        "ipq board -l must",
        "ipq board --json",
    ),
)
def board(
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            autocompletion=complete.levels,
            help="只看 must（必做）、optional（选做）或 if_member（涉及则必做）。",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    file: FileOpt = None,
) -> None:
    """各省份 × 各条地方落实举措的进度一览，带行列合计。

    每格一个符号：✓ 已完成、◐ 进行中、○ 未开始、✗ 受阻、－ 不涉及，! 逾期，? 待确认；
    不足 120 列时用省份的一字简称。
    """
    from . import render
    from .query import board as make_board

    day = _as_of(as_of)
    result = make_board(_load(file, history=False), day, level)
    if json_:
        render.emit_json(render.board_json(result))
    else:
        render.print_board(result)


@app.command(
    "where",
    cls=IpqCommand,
    epilog=examples(
        "ipq where",
        "ipq where -f 台账.yaml",
    ),
)
def where(file: FileOpt = None) -> None:
    """显示正在使用的数据文件和默认单位。

    路径在标准输出，说明在标准错误。
    """
    from . import config
    from .store import locate

    location = locate(file)
    print(location.path)
    print(location.describe(), file=sys.stderr)
    unit = config.default_unit()
    if unit is None:
        print("默认单位：未设定（可用 ipq config set unit 浙江 设定）", file=sys.stderr)
    else:
        print(f"默认单位：{unit.value}（来自{unit.origin}）", file=sys.stderr)
    if location.is_bundled:
        return
    from . import gitrepo

    git = gitrepo.state(location.path)
    if git is not None:
        driver = "已启用" if git.active else "未启用（运行 ipq git-setup）"
        changed = "有未提交的修改" if git.uncommitted else "没有未提交的修改"
        print(f"git 仓库：{git.repo}；合并驱动{driver}；台账{changed}", file=sys.stderr)


config_app = typer.Typer(
    cls=IpqGroup,
    help="设置：默认单位等。",
    invoke_without_command=True,
    epilog=examples("ipq config", "ipq config set unit 浙江", "ipq config unset unit"),
)
app.add_typer(config_app, name="config")


@config_app.callback()
def config_list(ctx: typer.Context) -> None:
    """列出设置及其来源（配置文件在用户配置目录）。"""
    if ctx.invoked_subcommand is not None:
        return
    from . import config

    values = config.read()
    print(f"配置文件：{config.path()}")
    for key, meaning in config.KEYS.items():
        print(f"{key} = {values.get(key, '（未设定）')}    # {meaning}")
    unit = config.default_unit()
    if unit is not None and unit.value != values.get("unit"):
        print(f"（环境变量 {config.ENV_UNIT}={unit.value} 优先于配置文件）")


@config_app.command(
    "set",
    cls=IpqCommand,
    epilog=examples(
        "ipq config set unit 浙江",
        "ipq config set unit 商标局",
    ),
)
def config_set(
    key: Annotated[str, typer.Argument(help="设置名：unit。", show_default=False)],
    value: Annotated[
        str,
        typer.Argument(
            autocompletion=complete.units, help="值，如 浙江、商标局。", show_default=False
        ),
    ],
    file: FileOpt = None,
) -> None:
    """设定一项设置，如 ipq config set unit 浙江。"""
    from . import config
    from .ledger import resolve_unit

    if key == "unit":
        value = resolve_unit(_load(file, history=False), value)  # stored by its full name
    path = config.set_value(key, value)
    print(f"已设定 {key} = {value}（{path}）")


@config_app.command(
    "unset",
    cls=IpqCommand,
    epilog=examples(
        "ipq config unset unit",
    ),
)
def config_unset(
    key: Annotated[str, typer.Argument(help="设置名：unit。", show_default=False)],
) -> None:
    """取消一项设置。"""
    from . import config

    print(f"已取消 {key}" if config.unset(key) else f"{key} 本来就没有设定")


@app.command(
    "init",
    cls=IpqCommand,
    epilog=examples(
        "ipq init 台账.yaml",
        "ipq init 台账.yaml --force",
    ),
)
def init(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="副本的位置；默认为用户数据目录中的工作副本。", show_default=False, readable=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的文件。")] = False,
) -> None:
    """把内置的 2019 年清单复制一份，以便记录进度。"""
    from .store import init_copy

    target = init_copy(path, force)
    print(f"已创建：{target}")
    if path is not None:
        print(
            f"使用方法：ipq list --file {target}（每个命令都可加 --file），或设置环境变量 IPQ_FILE={target}",
            file=sys.stderr,
        )


@app.command(
    "export",
    cls=IpqCommand,
    epilog=examples(
        "ipq export -o 台账.xlsx",
        "ipq export --format docx -o 任务清单.docx",
        "ipq export -p 浙江 -o 浙江台账.docx",
        "ipq export --province all -F xlsx -o 各省表格",
        "ipq export --summary -o 汇总.html",
        "ipq export -d 商标局 -F md",
    ),
)
def export(
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-F",
            autocompletion=complete.formats,
            help="xlsx、docx、csv、md、json 或 html；省略时按 -o 的扩展名。",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="输出文件；省略时文本格式输出到标准输出。",
            show_default=False,
            readable=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的输出文件。")] = False,
    dept: DeptOpt = None,
    category: CategoryOpt = None,
    status: StatusOpt = None,
    deadline: DeadlineOpt = None,
    grep: GrepOpt = None,
    province: Annotated[
        str | None,
        typer.Option(
            "--province",
            "-p",
            autocompletion=complete.provinces,
            help="导出该省份的地方落实举措台账（要求、依据、状态）。",
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            autocompletion=complete.levels,
            help="与 --province 一起：只导出 must、optional 或 if_member。",
        ),
    ] = None,
    overdue: OverdueOpt = False,
    board: Annotated[
        bool,
        typer.Option(
            "--board", help="导出各省份 × 各条举措的进度一览（xlsx 按状态着色，或 json）。"
        ),
    ] = False,
    summary: Annotated[
        bool,
        typer.Option("--summary", help="导出 ipq summary 的汇总：按类别、牵头部门和省份的进度。"),
    ] = False,
    as_of: AsOfOpt = None,
    file: FileOpt = None,
) -> None:
    """导出台账：xlsx、docx、csv、md、json 或 html。

    筛选条件与 ipq list 相同；--province 导出该省份的台账；--board 导出进度一览；
    --summary 导出汇总。docx 按原文件的版式：四栏表格按七个类别分组，另加状态栏。
    """
    from dataclasses import replace

    from . import export as ex
    from . import render
    from .query import TaskQuery, obligations, select_tasks

    kind = ex.choose_format(fmt, output)
    day = _as_of(as_of)
    every = "province" if _is_all(province) else "dept" if _is_all(dept) else None
    if every is not None:
        if kind != "xlsx" or output is None:
            raise UserError(f"--{every} all 只能导出 xlsx 表格到一个目录，如 -F xlsx -o 台账/")
        _export_forms(_load(file, history=False), every, output, day, force)
        return
    ex.check_output(kind, output, force)
    # the national report in xlsx and a department's form read no province's progress
    national = kind == "xlsx" and not (summary or board or province)
    tl = _load(file, history=False, provinces=not national)
    if summary:
        from .query import summary as make_summary

        if board or province or dept or category or status or deadline or grep or overdue:
            raise UserError("--summary 汇总的是整份清单，不能与筛选条件或 --board 一起使用")
        totals = make_summary(tl, day)
        report = ex.summary_report(tl, totals, lambda: render.summary_json(totals))
        _write_output(output, ex.render(report, kind), f"已导出汇总（{len(report.rows)} 行）")
        return
    if kind == "xlsx" and (province or dept) and not board:
        from .forms import form_of, form_xlsx
        from .ledger import now

        one = "province" if province else "dept"
        unit = _unit_of(tl, one, province or dept or "")
        form = form_of(tl, unit, one, day, now())
        _write_output(output, form_xlsx(form), f"已导出{unit}的台账表格（{len(form.rows)} 行）")
        return
    if board:
        import json

        from .query import board as make_board

        if kind not in ("xlsx", "json"):
            raise UserError("--board 只能导出为 xlsx 或 json")
        result = make_board(tl, day, level)
        data = (
            ex.board_xlsx(result)
            if kind == "xlsx"
            else (
                json.dumps(render.board_json(result), ensure_ascii=False, indent=2) + "\n"
            ).encode()
        )
        _write_output(output, data, f"已导出 {len(result.rows)} 个省份的进度一览")
        return
    tasks = select_tasks(
        tl, TaskQuery(dept, category, status, deadline, grep, province, overdue, day)
    )
    if province:
        obs = obligations(tl, province, level)
        chosen = {t.id for t in tasks}
        obs = replace(obs, items=[o for o in obs.items if o.task.id in chosen])
        query = TaskQuery(dept, category, status, deadline, grep, None, overdue, day)
        words = ex.filter_words(tl, query, level)
        report = ex.obligation_report(
            tl, obs, day, lambda: render.obligations_json(obs, day), words
        )
        if kind == "docx":
            from .word import obligation_document

            data = obligation_document(tl, obs, day, report.title, report.footer)
            _write_output(output, data, f"已导出 {len(report.rows)} 行")
            return
    else:
        if level:
            raise UserError("--level 只能与 --province 或 --board 一起使用")
        query = TaskQuery(dept, category, status, deadline, grep, None, overdue, day)
        words = ex.filter_words(tl, query)
        report = ex.task_report(
            tl, tasks, day, lambda: [render.task_json(tl, t, day) for t in tasks], words
        )
        if kind == "docx":
            from .word import task_document

            data = task_document(tl, tasks, day, report.title, report.footer)
            _write_output(output, data, f"已导出 {len(tasks)} 项任务")
            return
    _write_output(output, ex.render(report, kind), f"已导出 {len(report.rows)} 行")


def _is_all(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("all", "全部")


def _unit_of(tl: Any, kind: str, text: str) -> str:
    from .names import resolve_province

    return (
        resolve_province(text)
        if kind == "province"
        else str(tl.department_registry().resolve(text))
    )


def _export_forms(tl: Any, kind: str, folder: Path, day: date, force: bool) -> None:
    """One fill-in form per province (or department), named by it, into ``folder``."""
    from . import render
    from .forms import form_of, form_xlsx
    from .ledger import now
    from .names import PROVINCE_NAMES
    from .store import make_dir, write_atomic

    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} 不是目录；--{kind} all 需要一个目录，如 -o 台账/")
    make_dir(folder)
    units = list(PROVINCE_NAMES) if kind == "province" else [d.name for d in tl.departments]
    targets = [folder / f"{unit}.xlsx" for unit in units]
    existing = [p.name for p in targets if p.exists()]
    if existing and not force:
        raise UserError(
            f"{folder} 中已有 {len(existing)} 个同名文件（如 {existing[0]}）；要覆盖请加 --force"
        )
    made = now()
    steps: Any = zip(units, targets, strict=True)
    if sys.stderr.isatty():
        from rich.progress import track

        steps = track(list(steps), description="导出表格", console=render.console(stderr=True))
    for done, (unit, path) in enumerate(steps):
        try:
            content = form_xlsx(form_of(tl, unit, kind, day, made))
        except UserError as exc:  # a note longer than a cell holds: say whose, and how far
            raise UserError(
                f"{unit}的表格：{exc.message}（已导出 {done} 份，其余未导出）"
            ) from None
        write_atomic(path, content)
    print(f"已导出 {len(units)} 份台账表格到 {folder}", file=sys.stderr)


def _write_output(output: Path | None, content: bytes, done: str) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    from .store import resolved, write_atomic

    write_atomic(resolved(output), content)
    print(f"{done}到 {output}", file=sys.stderr)


@app.command(
    "import",
    cls=IpqCommand,
    epilog=examples(
        "ipq import 浙江台账.xlsx --dry-run",
        "ipq import 浙江台账.xlsx",
        "ipq import 旧表格.xlsx -p 浙江",
    ),
)
def import_returns(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="交回的台账表格（xlsx，或按导出格式填写的 CSV）。",
            show_default=False,
            readable=False,
        ),
    ],
    province: Annotated[
        str | None,
        typer.Option(
            "--province",
            "-p",
            help="手工重建的表格（没有识别信息）属于哪个省份。",
            show_default=False,
        ),
    ] = None,
    dept: Annotated[
        str | None,
        typer.Option(
            "--dept",
            "-d",
            autocompletion=complete.departments,
            help="手工重建的表格属于哪个部门。",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="表格生成后又有变化的项，也以表格为准（覆盖冲突）。")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只列出将要做的变更，不写入。")
    ] = False,
    file: FileOpt = None,
) -> None:
    """导入交回的台账表格：状态、备注和填报人记入台账。

    每个文件全部导入或全部不导入：有任何问题（未知的状态、冲突、不属于该单位的行等）
    就逐条列出（文件!工作表!单元格），该文件一项也不导入，退出码为 1。
    一个文件是一次变更，ipq undo 可撤销。
    """
    results = [_import_one(path, province, dept, force, dry_run, file) for path in files]
    if None in results:
        raise typer.Exit(EXIT_USER)


def _import_one(
    path: Path,
    province: str | None,
    dept: str | None,
    force: bool,
    dry_run: bool,
    file: Path | None,
) -> str | None:
    """Import one returned form: its unit when it was clean (and applied, unless a dry
    run), None when it was refused. The file is read once; the plan is made against the
    ledger as it is under the write lock."""
    from . import render
    from .forms import plan, read_return
    from .ledger import describe, now, record
    from .store import locate, modify

    if province and dept:
        raise UserError("--province 与 --dept 只能选一个")
    tl = _load(file)
    ret = read_return(path, tl, province, dept)
    if ret.problems:
        _refused(ret.name, ret.problems)
        return None
    if dry_run:
        planned = plan(tl, ret, force)
        if ret.problems:
            _refused(ret.name, ret.problems)
            return None
        render.print_import_plan(ret.name, planned)
        return ret.unit
    source = ret.name + (f"，填报人 {ret.filler}" if ret.filler else "")

    def change(current: Any) -> Any:
        ret.problems.clear()  # none before; a write that starts again plans again
        parts = plan(current, ret, force)
        if ret.problems:
            raise ReturnRefused(f"{ret.name}: 未导入", ret.problems)
        return record(current, [p.part for p in parts], now(), source)

    try:
        changes, saved = modify(locate(file), change)
    except ReturnRefused as exc:
        _refused(ret.name, exc.problems)
        return None
    lines = [describe(ch, saved.ledger) for ch in changes]
    render.print_changes(lines, f"{ret.name}：与台账一致，没有变化。")
    if changes:
        print(f"{ret.name}：已导入 {len(changes)} 项变更（可用 ipq undo 撤销）", file=sys.stderr)
    return ret.unit


def _refused(name: str, problems: list[str]) -> None:
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{name}：有 {len(problems)} 处问题，整份未导入", file=sys.stderr)


@app.command(
    "collect",
    cls=IpqCommand,
    epilog=examples(
        "ipq collect 交回表格",
        "ipq collect 交回表格 --force",
    ),
)
def collect(
    folder: Annotated[
        Path, typer.Argument(help="存放交回表格的目录。", show_default=False, readable=False)
    ],
    force: Annotated[bool, typer.Option("--force", help="冲突的项也以表格为准。")] = False,
    as_of: AsOfOpt = None,
    file: FileOpt = None,
) -> None:
    """导入一个目录中所有交回的表格，然后列出未交回的单位、被拒绝的文件和进度一览。

    CSV 文件按文件名（如 浙江省.csv）确定省份。
    """
    from . import render
    from .names import PROVINCE_NAMES, resolve_province
    from .query import board as make_board

    if not folder.is_dir():
        raise UserError(f"{folder} 不是目录")
    paths = sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith(("~$", "."))
    )
    accepted: list[str] = []
    refused: list[str] = []
    for path in paths:
        province = None
        if path.suffix.lower() == ".csv":
            with contextlib.suppress(IpqError):
                province = resolve_province(path.stem)
        unit = _import_one(path, province, None, force, False, file)
        if unit is None:
            refused.append(path.name)
        else:
            accepted.append(unit)
    missing = [p for p in PROVINCE_NAMES if p not in accepted]
    out = render.console()
    out.print(f"已导入 {len(accepted)} 份，拒绝 {len(refused)} 份：{'、'.join(refused) or '无'}。")
    out.print(f"未交回（{len(missing)} 个省份）：{'、'.join(missing) or '无'}。")
    render.print_board(make_board(_load(file, history=False), _as_of(as_of)))
    if refused:
        raise typer.Exit(EXIT_USER)


@app.command(
    "merge",
    cls=IpqCommand,
    epilog=examples(
        "ipq merge %O %A %B",
    ),
)
def merge(
    base: Annotated[
        Path,
        typer.Argument(help="共同的祖先版本（git 的 %O）。", show_default=False, readable=False),
    ],
    ours: Annotated[
        Path,
        typer.Argument(
            help="我们的版本，合并结果写回这里（%A）。", show_default=False, readable=False
        ),
    ],
    theirs: Annotated[
        Path, typer.Argument(help="他们的版本（%B）。", show_default=False, readable=False)
    ],
) -> None:
    """三方合并台账（git 的合并驱动）：结果写回 OURS。

    进度按单位合并，两边都改的取较晚的一次（变更记录两边都保留，并给出提示）；
    变更记录按 id 取并集；清单本身的文字两边改得不同则是冲突：OURS 不变，退出码 1。
    """
    from .store import merge_files

    result = merge_files(base, ours, theirs)
    for line in result.warnings:
        print(f"提示：{line}", file=sys.stderr)
    if result.conflicts:
        for line in result.conflicts:
            print(line, file=sys.stderr)
        raise typer.Exit(EXIT_USER)


@app.command(
    "git-setup",
    cls=IpqCommand,
    epilog=examples(
        "ipq git-setup",
        "ipq git-setup -f 台账.yaml",
    ),
)
def git_setup(file: FileOpt = None) -> None:
    """在 git 仓库中登记台账的合并驱动（可重复运行）。

    写入 .gitattributes（请提交）和本副本的 git config merge.ipq.*（每个副本运行一次）。
    """
    from . import gitrepo
    from .store import locate

    location = locate(file)
    done = gitrepo.setup(location.path)
    for line in done or ["合并驱动已登记，无需改动。"]:
        print(line)


#: The cyclic garbage collector's first threshold for a command's process (Python's: 700).
GC_THRESHOLD = 100_000


def main() -> None:
    import gc

    # One command, one short process, which keeps almost all it makes until it exits:
    # a collection every 700 new objects walked the same young objects again and again
    # while a board or a table was built (2-4% of a command's CPU time at 1,000 tasks,
    # paired). Cycles are still collected, every 100,000 new objects.
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    _only_the_command_run(sys.argv[1:])
    app()


def _only_the_command_run(args: list[str]) -> None:
    """Register only the command this process runs (Typer otherwise turns every
    command's signature into options on every start: a fifth of a read's time).

    The overview (``ipq``, ``ipq --help``) lists the commands from their docstrings
    instead of building them. Where the command line names no known command -- an unknown
    name (which needs every name for "did you mean"), shell completion -- everything stays.
    """
    import os

    if any(key.endswith("_COMPLETE") for key in os.environ):
        return
    rest = list(args)
    while rest and (rest[0] in (*GLOBAL_VALUED, *GLOBAL_FLAGS) or rest[0].startswith("--file=")):
        rest = rest[2:] if rest[0] in GLOBAL_VALUED else rest[1:]
    if rest in ([], ["--help"], ["-h"]) and len(args) == len(rest):  # the overview
        helpdoc.OVERVIEW[:] = [
            *((c.name or "", c.callback.__doc__ or "") for c in app.registered_commands),
            *(
                (g.name or "", str(g.typer_instance.info.help or ""))
                for g in app.registered_groups
                if g.typer_instance is not None
            ),
        ]
        app.registered_commands = []
        app.registered_groups = []
        return
    if not rest:
        return
    name = rest[0]
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands = commands
        app.registered_groups = groups


if __name__ == "__main__":
    main()

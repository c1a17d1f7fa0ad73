"""Help pages and option-parsing errors, written in Chinese from the parameters.

Typer draws its help in an English frame (Usage, Options, ``[required]``, type labels such
as ``<list[str]>``) and cuts option help with "…" on a narrow terminal. ipq draws its own
from the same parameter objects: every label comes from :data:`LABELS`, so an internal
name (``tasks``) never reaches a user, and help text is folded with 避头尾, never cut.
Parsing errors are built from the error's kind (see :func:`usage_error`), not by
rewriting Click's English sentences.
"""

from __future__ import annotations

import inspect
from typing import Any

from .errors import UserError

try:  # Typer 0.22 and later carry their own copy of Click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click import exceptions as click_errors  # type: ignore[no-redef,import-not-found,unused-ignore]

UsageError = click_errors.UsageError

#: What each parameter is called where users read it: usage line, help, error messages.
LABELS: dict[str, str] = {
    "as_of": "日期",
    "base": "祖先版本",
    "board": "",
    "category": "类别",
    "clear_note": "",
    "deadline": "完成时间",
    "dept": "部门",
    "dry_run": "",
    "file": "文件",
    "files": "表格",
    "fmt": "格式",
    "folder": "目录",
    "force": "",
    "grep": "文字",
    "group": "省份组",
    "json_": "",
    "key": "设置名",
    "level": "要求",
    "note": "备注",
    "ours": "我们的版本",
    "output": "文件",
    "overdue": "",
    "path": "文件",
    "province": "省份",
    "provinces": "省份",
    "source": "出处",
    "status": "状态",
    "summary": "",
    "task": "任务编号",
    "tasks": "任务编号",
    "text": "备注",
    "theirs": "他们的版本",
    "value": "值",
    "help": "",
    "install_completion": "外壳",
    "show_completion": "外壳",
}

HELP_TEXT = "显示此帮助并退出。"

#: The commands of the overview as (name, help) when the process did not build them
#: (``ipq --help`` lists names and first lines only; see ``cli._only_the_command_run``).
OVERVIEW: list[tuple[str, str]] = []

#: Help for the options Typer adds itself (its own words are English).
BUILT_IN_HELP = {
    "help": HELP_TEXT,
    "install_completion": "为当前的 shell（bash、zsh、fish、PowerShell）安装命令补全。",
    "show_completion": "显示当前 shell 的补全脚本，可复制后自行安装。",
}


def label(param: Any) -> str:
    """The Chinese name of a parameter's value (``任务编号...`` for several)."""
    name = LABELS.get(param.name or "", "值")
    if param.param_type_name == "argument" and param.nargs == -1:
        return f"{name}..."
    return name


def _is_option(param: Any) -> bool:
    return bool(param.param_type_name == "option")


def _takes_value(param: Any) -> bool:
    return not getattr(param, "is_flag", False) and not getattr(param, "count", False)


def _visible(ctx: Any) -> list[Any]:
    return [p for p in ctx.command.get_params(ctx) if not getattr(p, "hidden", False)]


def _command_path(ctx: Any) -> str:
    """``ipq mark``, whatever name the program was started under (``python -m ipq``)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["ipq", *reversed(names)])


def usage(ctx: Any) -> str:
    params = _visible(ctx)
    pieces = [_command_path(ctx)]
    if any(_is_option(p) for p in params):
        pieces.append("[选项]")
    for p in params:
        if not _is_option(p):
            pieces.append(label(p) if p.required else f"[{label(p)}]")
    if hasattr(ctx.command, "commands"):
        pieces.append("命令 [参数]...")
    return " ".join(pieces)


def _names(param: Any) -> str:
    shorts = [o for o in param.opts if not o.startswith("--")]
    longs = [o for o in param.opts if o.startswith("--")]
    names = ", ".join([*shorts, *longs])
    if _takes_value(param):
        names += f" {label(param)}"
    return names


def _extras(ctx: Any, param: Any) -> str:
    """[必填], [默认：…], [可写多次]: what a user needs besides the help sentence."""
    extras = []
    if param.required:
        extras.append("[必填]")
    if _is_option(param) and getattr(param, "multiple", False) and "可写多次" not in param.help:
        extras.append("[可写多次]")
    default = param.get_default(ctx, call=False) if param.name != "help" else None
    shown = getattr(param, "show_default", None)
    if shown and default not in (None, False, (), []) and not callable(default):
        extras.append(f"[默认：{default}]")
    return " ".join(extras)


def _param_help(ctx: Any, param: Any) -> str:
    text = BUILT_IN_HELP.get(param.name) or inspect.cleandoc(param.help or "")
    extras = _extras(ctx, param)
    return f"{text} {extras}".strip()


def examples(command: Any) -> list[str]:
    """The command lines under 示例 (the command's epilog, one per line)."""
    return [line.strip() for line in (command.epilog or "").splitlines() if line.strip()]


def _short_help(command: Any) -> str:
    return _first_paragraph(command.short_help or command.help or "")


def _first_paragraph(text: str) -> str:
    return inspect.cleandoc(text).split("\n\n")[0].replace("\n", "")


def print_help(ctx: Any) -> None:
    """Write ``ctx.command``'s help to standard output: usage, text, 参数, 选项, 命令, 示例."""
    from rich import box
    from rich.panel import Panel
    from rich.table import Table

    from . import typeset as render

    out = render.console()
    command = ctx.command
    out.print(render.para(f"用法：{usage(ctx)}"))
    for paragraph in inspect.cleandoc(command.help or "").split("\n\n"):
        out.print()
        out.print(render.para(paragraph.replace("\n", "")))

    def panel(title: str, rows: list[tuple[str, str]]) -> None:
        if not rows:
            return
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1), pad_edge=False)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1, overflow="fold")
        for left, right in rows:
            table.add_row(left, render.cjk(right))
        out.print(Panel(table, title=title, title_align="left", box=box.ROUNDED))

    params = _visible(ctx)
    out.print()
    panel("参数", [(label(p), _param_help(ctx, p)) for p in params if not _is_option(p)])
    panel("选项", [(_names(p), _param_help(ctx, p)) for p in params if _is_option(p)])
    commands = getattr(command, "commands", {})
    listed = [(name, _short_help(sub)) for name, sub in commands.items() if not sub.hidden]
    if not listed and ctx.parent is None:
        listed = [(name, _first_paragraph(text)) for name, text in OVERVIEW]
    panel("命令", listed)
    lines = examples(command)
    if lines:
        from rich.text import Text

        body = Text("\n".join(lines), no_wrap=True, overflow="fold")
        out.print(Panel(body, title="示例", title_align="left", box=box.ROUNDED))


# -- parsing errors ------------------------------------------------------------------------


def _hint(ctx: Any) -> str:
    return f"（运行 {_command_path(ctx)} --help 查看用法）" if ctx is not None else ""


def _param_named(ctx: Any, option: str) -> Any:
    for p in ctx.command.get_params(ctx) if ctx is not None else []:
        if option in (*p.opts, *p.secondary_opts):
            return p
    return None


def _describe(param: Any) -> str:
    if _is_option(param):
        name = "/".join(param.opts)
        return f"选项 {name}" + (f"（{label(param)}）" if _takes_value(param) else "")
    return f"参数 {label(param)}"


def usage_error(exc: Any, ctx: Any = None) -> UserError:
    """One Chinese line for an option-parsing error, chosen by the error's kind."""
    ce = click_errors
    ctx = getattr(exc, "ctx", None) or ctx
    if isinstance(exc, ce.NoSuchOption):
        maybe = sorted(getattr(exc, "possibilities", None) or [])
        guess = f"（您是不是要找 {'、'.join(maybe)}？）" if maybe else ""
        where = _command_path(ctx) if ctx is not None else "ipq"
        message = f"{where} 没有选项 {exc.option_name}{guess}"
    elif isinstance(exc, ce.MissingParameter):
        message = f"缺少{_describe(exc.param)}" if exc.param is not None else "缺少参数"
    elif isinstance(exc, ce.BadOptionUsage):
        param = _param_named(ctx, exc.option_name)
        if param is not None and not _takes_value(param):
            message = f"选项 {exc.option_name} 是开关，不带值"
        else:
            what = f"（{label(param)}）" if param is not None else ""
            message = f"选项 {exc.option_name} 后面缺少值{what}"
    elif isinstance(exc, ce.BadParameter):
        what = _describe(exc.param) if exc.param is not None else "参数"
        message = f"{what} 的值不对：{exc.message}"
    elif isinstance(exc, ExtraArguments):
        message = f"多余的参数：{' '.join(exc.extra)}"
    elif isinstance(exc, UnknownCommand):
        guess = f"（您是不是要找 {'、'.join(exc.close)}？）" if exc.close else ""
        message = f"没有这个命令：{exc.name}{guess}"
    else:  # a kind ipq does not know: Click's own words, still one line
        message = exc.format_message()
    return UserError(message + _hint(ctx))


class ExtraArguments(Exception):
    """More arguments than the command takes."""

    def __init__(self, extra: list[str], ctx: Any) -> None:
        super().__init__(" ".join(extra))
        self.extra = extra
        self.ctx = ctx


class UnknownCommand(Exception):
    """A command name the group does not have."""

    def __init__(self, name: str, close: list[str], ctx: Any) -> None:
        super().__init__(name)
        self.name = name
        self.close = close
        self.ctx = ctx

"""Hostile and broken data files: a clear answer, quickly, and nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipq.errors import DataFileError
from ipq.store import bundled_path, parse

from .conftest import invoke, run_ipq

ORIGINAL = bundled_path().read_bytes()


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every mutated file is parsed and validated for real."""
    monkeypatch.setenv("IPQ_NO_CACHE", "1")


def loads_or_fails_cleanly(raw: bytes) -> None:
    start = time.perf_counter()
    try:
        parse(raw, "tasks_2019.yaml")
    except DataFileError as exc:
        lines = exc.problems or [exc.message]
        assert lines and all(line.strip() and "\n" not in line for line in lines)
        assert all(line.startswith("tasks_2019.yaml") for line in lines)
    assert time.perf_counter() - start < 5


edits = st.lists(
    st.one_of(
        st.tuples(
            st.just("replace"), st.integers(0, len(ORIGINAL) - 1), st.binary(min_size=1, max_size=4)
        ),
        st.tuples(st.just("delete"), st.integers(0, len(ORIGINAL) - 1), st.integers(1, 200)),
        st.tuples(st.just("truncate"), st.integers(0, len(ORIGINAL) - 1), st.just(0)),
        st.tuples(
            st.just("insert"),
            st.integers(0, len(ORIGINAL) - 1),
            st.sampled_from(
                [
                    b"\n",
                    b": ",
                    b"- ",
                    b"&a ",
                    b"*a",
                    b"!!python/object:os.system ",
                    b"\t",
                    b"'",
                    b'"',
                    b"{",
                    b"[",
                ]
            ),
        ),
    ),
    min_size=1,
    max_size=5,
)


def apply(raw: bytes, ops: list[tuple]) -> bytes:
    for kind, at, arg in ops:
        at = min(at, max(len(raw) - 1, 0))
        if kind == "replace":
            raw = raw[:at] + arg + raw[at + len(arg) :]
        elif kind == "delete":
            raw = raw[:at] + raw[at + arg :]
        elif kind == "truncate":
            raw = raw[:at]
        else:
            raw = raw[:at] + arg + raw[at:]
    return raw


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_mutated_files_load_or_fail_with_ipqs_own_error(ops: list[tuple]) -> None:
    loads_or_fails_cleanly(apply(ORIGINAL, ops))


KEYS = [
    b"id:",
    b"title:",
    b"category:",
    b"departments:",
    b"national_measures:",
    b"duties:",
    b"deadline:",
    b"text:",
    b"due:",
    b"kind:",
    b"rule:",
    b"binds:",
    b"group:",
    b"measures:",
    b"name:",
    b"members:",
    b"province:",
    b"complete:",
    b"number:",
    b"numeral:",
]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KEYS), st.sampled_from(KEYS), st.integers(1, 3))
def test_swapped_keys(a: bytes, b: bytes, count: int) -> None:
    raw = ORIGINAL.replace(a, b"\0").replace(b, a, count).replace(b"\0", b)
    loads_or_fails_cleanly(raw)


def test_the_cli_never_shows_a_traceback_on_mutated_files(tmp_path: Path) -> None:
    path = tmp_path / "tasks_2019.yaml"
    for raw in (
        ORIGINAL[: len(ORIGINAL) // 2],
        ORIGINAL.replace(b"- id: 7", b"- id: x"),
        ORIGINAL.replace(b"title:", b"titel:", 1),
        b"\x00\x01\x02",
    ):
        path.write_bytes(raw)
        proc = run_ipq("list", "-f", str(path), env={"IPQ_NO_CACHE": "1"})
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.strip()
        assert proc.stdout == ""


BILLION_LAUGHS = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def hostile_files() -> dict[str, bytes]:
    return {
        "billion laughs": BILLION_LAUGHS,
        "deep nesting (flow)": b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "deep nesting (block)": b"".join(b"  " * i + b"k:\n" for i in range(5_000))
        + b"  " * 5_000
        + b"v\n",
        "huge string": b"meta: '" + b"x" * 10_000_000 + b"'\n",
        "python object tag": b"meta: !!python/object/apply:os.system ['echo pwned']\n",
        "non-UTF-8": ORIGINAL.replace("国家知识产权局".encode(), "国家知识产权局".encode("gbk"), 1),
        "empty": b"",
        "only a comment": b"# nothing here\n",
        "a list": b"- 1\n- 2\n",
        "a scalar": b"hello\n",
        "null bytes": b"meta:\0\n",
        "tabs": b"meta:\n\ttitle: x\n",
    }


@pytest.mark.parametrize("name", list(hostile_files()))
def test_hostile_files_get_a_clear_error_quickly_with_bounded_memory(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "tasks_2019.yaml"
    path.write_bytes(hostile_files()[name])
    before = path.read_bytes()
    code = (
        "import sys, time\n"
        "from ipq.cli import main\n"
        "sys.argv = ['ipq', 'mark', '3', '-s', 'done', '-f', sys.argv[1]]\n"
        "start = time.perf_counter()\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        # this process's own peak: ru_maxrss would count the pytest process it was
        # started from (Linux carries the parent's peak across fork and exec)
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(code, time.perf_counter() - start, peak, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "IPQ_NO_CACHE": "1"},
    )
    *message, last = proc.stderr.strip().splitlines()
    exit_code, seconds, peak_kb = last.split()
    assert exit_code == "2", proc.stderr
    assert message and "Traceback" not in proc.stderr
    assert all(line.startswith(("tasks_2019.yaml", str(path))) for line in message), message
    assert float(seconds) < 20
    assert int(peak_kb) < 1_500_000  # KB: bounded, not exponential
    assert path.read_bytes() == before


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + ORIGINAL)
    res = invoke("list", "--dept", "商标局", "--json", "-f", str(path))
    assert res.exit_code == 0


def test_unreadable_file(tmp_path: Path) -> None:
    """A file the user may not read: as another uid where the tests run as root."""
    from .conftest import can_switch_users, run_as

    folder = Path(tempfile.mkdtemp(prefix="ipq-unreadable-"))  # not under root's private tmp
    try:
        folder.chmod(0o755)
        path = folder / "tasks.yaml"
        path.write_bytes(ORIGINAL)
        path.chmod(0o600)
        if os.geteuid() == 0:
            why = can_switch_users()
            if why:
                pytest.skip(why)
            res = run_as(4001, 4001, [], "list", "-f", str(path))
            code, err = res.returncode, res.stderr
        else:
            path.chmod(0o000)
            result = invoke("list", "-f", str(path))
            code, err = result.exit_code, result.stderr
        assert code == 2 and err.strip() == f"{path}: 没有权限读取数据文件"
    finally:
        shutil.rmtree(folder)


def test_read_only_directory_for_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root the kernel ignores the mode, so the refusal is simulated at the lock."""
    from ipq import store

    path = tmp_path / "tasks.yaml"
    path.write_bytes(ORIGINAL)
    if os.geteuid() == 0:
        import filelock

        def refuse(self: object, *args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(filelock.FileLock, "acquire", refuse)
    else:
        tmp_path.chmod(0o555)
    try:
        res = invoke("mark", "3", "-s", "done", "-f", str(path))
    finally:
        tmp_path.chmod(0o755)
    assert res.exit_code == 2
    assert res.stderr.strip() == f"{tmp_path}: 目录不可写，无法修改数据文件"
    assert path.read_bytes() == ORIGINAL
    assert store  # the module under test


def test_a_warm_read_needs_neither_yaml_nor_validation(tmp_path: Path) -> None:
    """Startup: a read of a list ipq has seen imports only what it needs."""
    code = (
        "import sys\n"
        "from ipq.cli import main\n"
        "sys.argv = ['ipq', 'list', '--dept', '商标局']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('ipq.yamlio', 'ipq.validation', 'yaml', 'openpyxl', 'ipq.export')"
        " if m in sys.modules), file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("IPQ_NO_CACHE", None)
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "ipq.yamlio" in first.stderr  # the first read parses the YAML
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert warm.stderr.strip().splitlines()[-1] == "[]"
    assert "商标局" in warm.stdout


def test_many_brackets_in_text_are_not_mistaken_for_nesting(tmp_path: Path) -> None:
    from ipq.yamlio import _may_nest_deeply

    note = "参见[1]" * 600
    path = tmp_path / "tasks.yaml"
    path.write_bytes(ORIGINAL)
    assert invoke("mark", "3", "-s", "done", "-n", note, "-f", str(path)).exit_code == 0
    assert _may_nest_deeply(path.read_bytes())  # the exact check runs, and lets it through
    res = invoke("show", "3", "--json", "-f", str(path))
    assert res.exit_code == 0 and note in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "99"], "错误：没有编号为 99 的任务"),
        (["history", "-p", "火星"], "错误：未知的省份“火星”"),
        (["summary", "--as-of", "2019-02-30"], "错误：日期“2019-02-30”无效"),
        (["depts", "--as-of", "yesterday"], "错误：日期“yesterday”无效"),
        (["provinces", "--as-of", "1.1.2019"], "错误：日期“1.1.2019”无效"),
        (["obligations", "-p", "浙江", "--as-of", "x"], "错误：日期“x”无效"),
        (["export", "-F", "csv", "-p", "火星"], "错误：未知的省份“火星”"),
        (
            ["export", "-F", "csv", "--dept", "商标处"],
            "错误：未知的部门“商标处”（您是不是要找：商标局？）",
        ),
        (["groups", "add", "一带一路", "火星"], "错误：未知的省份“火星”"),
        (
            ["groups", "remove", "一带"],
            "错误：缺少参数 省份...（运行 ipq groups remove --help 查看用法）",
        ),
        (["show", "3", "--json", "--as-of", "2019/13/31"], "错误：日期“2019/13/31”无效"),
        (["mark", "3", "-s", ""], "错误：未知的状态“”"),
    ],
)
def test_every_wrong_value_gets_its_message(data_copy: Path, args: list[str], message: str) -> None:
    before = data_copy.read_bytes()
    res = invoke(*args, "-f", str(data_copy))
    assert res.exit_code == 1, res.stderr
    assert res.stderr.startswith(message), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert data_copy.read_bytes() == before


def test_init_refuses_a_directory(tmp_path: Path) -> None:
    res = invoke("init", str(tmp_path))
    assert res.exit_code == 1 and res.stderr.startswith(f"错误：{tmp_path} 是一个目录")


def reference_load(raw: bytes) -> object:
    import yaml

    # the same scanner as ipq's (libyaml's, when present): only construction is compared
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(raw.lstrip(b"\xef\xbb\xbf").decode("utf-8"), Loader=loader)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_the_fast_loader_agrees_with_pyyamls_safe_loader(ops: list[tuple]) -> None:
    """Whatever ipq's loader accepts, it reads exactly as PyYAML's safe loader does."""
    from ipq.yamlio import parse_yaml

    raw = apply(ORIGINAL, ops)
    try:
        ours = parse_yaml(raw, "x")
    except DataFileError:
        return
    assert ours == reference_load(raw)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: 1.5\nc: true\nd: ~\ne: 2019-12-31\nf: '2019-12-31'\ng: 2019-12-31T10:00:00+08:00\n",
        "a: !!set {x, y}\nb: !!omap [{p: 1}, {q: 2}]\nc: !!binary aGVsbG8=\nd: !!str 12\n",
        "a: [1, [2, [3, {b: c}]]]\n? x\n: y\n",
        "a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\n",
        "a: 1\na: 2\n",
        "0o17: octal\n0x1F: hex\n1_000: n\n",
    ],
)
def test_the_fast_loader_reads_every_safe_yaml_type(text: str) -> None:
    from ipq.yamlio import parse_yaml

    assert parse_yaml(text.encode(), "x") == reference_load(text.encode())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!python/object/apply:os.system ['true']\n", "YAML 语法错误"),
        ("? [1, 2]\n: x\n", "映射的键不能是列表或映射"),
        ("a: &x 1\nb: *x\n", "不支持 YAML 锚点与别名"),
        ("--- 1\n--- 2\n", "YAML 语法错误"),
    ],
)
def test_the_fast_loader_refuses_what_it_should(text: str, message: str) -> None:
    from ipq.yamlio import parse_yaml

    with pytest.raises(DataFileError) as info:
        parse_yaml(text.encode(), "x")
    assert message in info.value.message


def _both_loaders(text: str) -> tuple[object, object]:
    """The event builder's and the node builder's results (or errors), with marks."""
    from ipq.yamlio import _load, _load_events

    def run(load: object) -> object:
        try:
            return load(text.encode(), True)  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 -- the errors must agree too
            mark = getattr(exc, "mark", None)
            if mark is not None:  # ipq's own: where, and what
                return (type(exc).__name__, mark.line, mark.column, getattr(exc, "text", None))
            return (type(exc).__name__, str(exc))

    return _comparable(run(_load_events)), _comparable(run(_load))


def _comparable(found: object) -> object:
    """``found`` with PyYAML's nodes as what they hold (a tag a collection cannot take,
    ``!!str`` on a mapping, leaves them in the data; nodes compare by identity)."""
    import yaml

    if isinstance(found, yaml.Node):
        return (type(found).__name__, found.tag, _comparable(found.value))
    if isinstance(found, (list, tuple)):
        return type(found)(_comparable(x) for x in found)
    if isinstance(found, dict):
        return {_comparable(k): _comparable(v) for k, v in found.items()}
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_the_event_builder_reads_what_the_node_builder_reads(ops: list[tuple]) -> None:
    raw = apply(ORIGINAL, ops)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    events, nodes = _both_loaders(text)
    assert events == nodes


YAML_PIECES = [
    "a: ", "b: ", "- ", "-\n", "  ", "\n", "&x ", "*x", "!!str ", "!!int ", "!!set ", "!!omap ",
    "!!binary ", "!x ", "? ", ": ", "[", "]", "{", "}", ", ", "'", '"', "|", "|+", ">", "# c",
    "---", "...", "1", "012", "0x1F", "1_000", "1:30", "-5", "1e3", "2019-12-31", "2019-02-30",
    "~", "true", "no", "<<: ", "中文", "\t", "%YAML 1.1\n", "x" * 3,
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=25).map("".join))
def test_the_event_builder_agrees_on_hostile_texts(text: str) -> None:
    """Anchors, aliases, tags, keys that are collections, several documents, bad dates,
    YAML 1.1 integers: read (or refused) as the node builder reads them, marks and all."""
    events, nodes = _both_loaders(text)
    assert events == nodes


def test_repeated_keys_and_short_strings_are_one_object() -> None:
    """A ledger repeats its keys, statuses and names hundreds of thousands of times: the
    parser keeps one object for each (memory), and notes, longer, are left as they are."""
    from ipq.yamlio import parse_yaml

    long_note = "已与省市场监管局联合印发实施方案，正在组织落实"
    at = "2019-06-30T09:00:00+08:00"
    entry = {"status": "done", "province": "浙江省", "at": at, "note": long_note}
    raw = "".join(
        f"- status: done\n  province: 浙江省\n  at: '{at}'\n  note: {long_note}\n" for _ in range(3)
    ).encode()
    items = parse_yaml(raw, "x")
    assert items == [entry] * 3
    first, *others = items
    for other in others:
        for (key, value), (other_key, other_value) in zip(
            first.items(), other.items(), strict=True
        ):
            assert key is other_key
            assert (value is other_value) is (value != long_note)  # the note is not looked up


def test_a_control_character_is_found_on_its_line_after_chinese_text() -> None:
    """libyaml says where in bytes: counted as characters, the line was one too far."""
    from ipq.yamlio import parse_yaml

    raw = ("a: " + "中文" * 40 + "\nb: 说明\nc: x\x07\n").encode()
    with pytest.raises(DataFileError) as info:
        parse_yaml(raw, "f.yaml")
    assert info.value.message == "f.yaml:3: 文件含有不允许的控制字符（#x0007），请删去"

"""The `warehouse` command (contract section 5). Thin: parse, call, print.

Each subcommand is one `cmd_<name>(args)` function registered in `COMMANDS` with its argument parser, so adding
a command touches nothing else. Heavy modules are imported inside the functions: `warehouse --help` stays quick.

Exit status: 0 when the run completed, whatever it found; 2 for input that stops the run; 1 for anything else.
What a command prints goes through warehouse.core.console: a short account, `--quiet` for its last line only,
`--verbose` for dbt's log as well.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from warehouse.core.console import NORMAL, QUIET, VERBOSE, configure, console
from warehouse.core.paths import PROJECT_DIR

if TYPE_CHECKING:
    from warehouse.inputs.user_rulebook import Rulebook

DEMO_DIR = PROJECT_DIR / "demo"
"""The demo county's input files (shipped inside the package too), named in `warehouse run`'s hint."""
DEMO_AS_OF = "2026-06-30"


class UsageError(Exception):
    """Input that stops the run (exit status 2) found by the command line itself."""


def as_of_date(text: str) -> date:
    """A date option in any spelling the inputs' date cells accept (warehouse.inputs.parse, the one parser)."""
    from warehouse.inputs.parse import parse_one_date

    try:
        return parse_one_date(text)
    except ValueError as error:
        no_such_day = str(error) == "no_such_date"
        raise argparse.ArgumentTypeError(
            (f"没有这一天：{text!r} / no such day: {text!r}" if no_such_day else
             f"无法识别的日期 {text!r}，可写作 2026-06-30、2026/6/30、2026.6.30、2026年6月30日 或 20260630 / "
             f"not a date: {text!r}; write it as 2026-06-30, 2026/6/30, 2026.6.30, 2026年6月30日 or 20260630")
        )


def days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"天数应为不小于 0 的整数 / expected a whole number of days (0 or more), got {text!r}")
    return value


def print_summary(result) -> None:
    say = console().line
    say(f"\n核查基准日 / as of {result.as_of}: 检查乡镇 {result.townships} 个 / townships checked")
    say(f"发现问题 {result.violations} 条 / violations: " + ", ".join(f"{k} {v}" for k, v in result.by_severity.items()))
    for rule_id, count in result.by_rule.items():
        say(f"  {rule_id:<28} {count}")
    say(f"拒收行 / rejected rows: {result.rejects}")
    say(f"到期提醒 {result.deadlines} 条 / deadlines: deadlines.csv")
    if result.unused_waivers:
        from warehouse.outputs.waivers import describe_unused

        say(f"未覆盖任何问题的批准例外 {len(result.unused_waivers)} 条 / waivers covering no finding:")
        for waiver in result.unused_waivers:
            say(f"  {describe_unused(waiver)}")
    say(f"结果文件 / outputs: {result.out_dir.resolve()}（工作簿 / workbook {result.workbook}）")


def command_rulebook(args: argparse.Namespace) -> Rulebook:
    """The command's rulebook, validated before anything is loaded or built (a bad file stops it with exit status 2
    and the warehouse as it was): --rulebook, else $WAREHOUSE_RULEBOOK, else the shipped one."""
    from warehouse.inputs.user_rulebook import resolve_rulebook

    rulebook = resolve_rulebook(args.rulebook)
    console().line(rulebook.describe())
    return rulebook


def do_build(args: argparse.Namespace, rulebook: Rulebook) -> None:
    from warehouse.engine.build import build

    result = build(args.as_of, engine=args.engine, data_tests=not args.skip_data_tests, rulebook=rulebook)
    console().line(
        f"dbt build 完成 / done ({args.engine}): {result.nodes} 个节点 / nodes in {result.seconds:.1f} s, as of {result.as_of}"
        f"；dbt 日志 / log: {result.log}"
    )


def cmd_load(args: argparse.Namespace) -> None:
    from warehouse.inputs.load import load_inputs

    load_inputs(args.input_dir)


def cmd_build(args: argparse.Namespace) -> None:
    do_build(args, command_rulebook(args))


def cmd_export(args: argparse.Namespace) -> None:
    from warehouse.outputs.export import export

    print_summary(export(args.out_dir, engine=args.engine, within_days=args.within))


def cmd_run(args: argparse.Namespace) -> None:
    from warehouse.engine.build import dbt_ready
    from warehouse.inputs.load import load_inputs
    from warehouse.outputs.export import export

    if args.validate and args.engine != "duckdb":
        raise UsageError(
            "--validate 仅用于 DuckDB 引擎；请在 DuckDB 构建后运行 warehouse validate。 / --validate runs on the DuckDB "
            "engine: run `warehouse validate` after a DuckDB build."
        )
    if args.input is None:
        raise UsageError(
            "请用 --input 指定输入文件夹（乡镇、机构、人员、任职、考核五个文件）。试用演示县：\n"
            f"  warehouse run --input {DEMO_DIR} --as-of {DEMO_AS_OF} --out out/demo\n"
            "Give the input folder (the five files) with --input. To try the demo county:\n"
            f"  warehouse run --input {DEMO_DIR} --as-of {DEMO_AS_OF} --out out/demo"
        )
    started_at = datetime.now(timezone.utc)
    rulebook = command_rulebook(args)
    with dbt_ready():  # dbt's child imports dbt while this process loads
        load_inputs(args.input)
        do_build(args, rulebook)
    extra = {"validation": do_validate(args.out / "validation").manifest()} if args.validate else None
    print_summary(export(args.out, started_at=started_at, extra_manifest=extra, engine=args.engine))


def do_validate(out_dir: Path):
    from warehouse.checks.validate import validate

    result = validate(out_dir)
    for line in result.lines():
        console().line(line)
    return result


def cmd_validate(args: argparse.Namespace) -> None:
    do_validate(args.out)


def cmd_generate(args: argparse.Namespace) -> None:
    from warehouse.synthetic.generate import AS_OF, generate

    if args.townships < 1:
        raise UsageError("乡镇数应至少为 1 / --townships must be at least 1")
    result = generate(args.townships, args.seed, args.out, fmt=args.format, as_of=args.as_of or AS_OF)
    counts = ", ".join(f"{name} {rows:,}" for name, rows in result.counts.items())
    console().line(f"合成数据 / synthetic data ({result.seconds:.1f} s): {counts}")
    console().line(f"预置问题 {result.planted:,} 条 / planted findings as of {result.as_of}: {result.planted_path.resolve()}")


def cmd_report(args: argparse.Namespace) -> None:
    from warehouse.outputs.report import LEVEL_NAMES, ReportInputError, report

    say = console().line
    say("生成报告页面 / writing the report pages …")
    try:
        result = report(args.out, scope=args.province or args.city or args.county, townships=args.township,
                        persons=args.person, png=args.png, progress=say)
    except ReportInputError as error:
        raise UsageError(str(error)) from error
    levels = "，".join(f"{LEVEL_NAMES[level]} {count}" for level, count in result.by_level.items())
    say(f"报告 / report ({result.seconds:.1f} s), 核查基准日 / as of {result.as_of}:")
    say(f"  HTML {len(result.pages)} 页 / pages（{levels}），最大 / largest {result.largest[0] / 1e6:.2f} MB "
        f"({result.largest[1]})")
    say(f"  PNG {len(result.pngs)} 张 / charts, 字体 / font {result.font}")
    say(f"  打开 / open {(result.out_dir / 'index.html').resolve()}")


def cmd_snapshot(args: argparse.Namespace) -> None:
    from warehouse.history.snapshot import series, snapshot

    if args.date_from is None:
        if args.date_to is not None or args.every is not None:
            raise UsageError("--to/--every 需与 --from 一起使用 / --to and --every go with --from")
        dates = [args.as_of or date.today()]
    else:
        if args.as_of is not None:
            raise UsageError("--as-of 与 --from 不能同时使用 / use either --as-of or --from/--to")
        try:
            dates = series(args.date_from, args.date_to or date.today(), args.every or "month")
        except ValueError as error:
            raise UsageError(str(error)) from error
    result = snapshot(dates, engine=args.engine, rulebook_path=args.rulebook)
    console().line(
        f"快照 新增 {len(result.added)} 个、已有保留 {len(result.kept)} 个，追加问题 {result.findings} 条 / "
        f"snapshots added {len(result.added)}, kept {len(result.kept)}; findings appended {result.findings} "
        f"(rulebook {result.rulebook_version}, {result.seconds:.1f} s)"
    )


def cmd_check(args: argparse.Namespace) -> None:
    from warehouse.outputs.preclearance import check

    say = console().line
    result = check(args.planned, args.as_of, args.out, rulebook=command_rulebook(args), log=say)
    say(f"\n任前审查 / pre-clearance as of {result.as_of}: 计划任职 {result.postings} 条 / planned postings")
    for row in result.rows.iter_rows(named=True):
        allowed = row["allowed_from"].isoformat() if row["allowed_from"] else "无 / none"
        verdict = f"{row['rule_id']} ({row['severity']})" if row["rule_id"] else "不违反规则 / breaks no rule"
        say(f"  {row['posting_id']:<12} {row['person_id']:<10} {verdict:<36} 最早可行 / allowed from {allowed}")
    say(f"结果文件 / outputs: {(result.out_dir / 'preclearance.csv').resolve()}（工作簿 / workbook 任前审查.xlsx）")


def cmd_history(args: argparse.Namespace) -> None:
    from warehouse.history.snapshot import history

    result = history(args.out_dir, version=args.rulebook_version)
    statuses = ", ".join(f"{status} {count}" for status, count in result.by_status.items())
    console().line(f"快照 {result.snapshots} 个 / snapshots (rulebook {result.rulebook_version}): {statuses}")
    console().line(f"结果文件 / outputs: {result.out_dir.resolve()}")


def add_engine(parser: argparse.ArgumentParser, *, building: bool = False) -> None:
    from warehouse.engine.build import ENGINES  # light: build.py imports nothing heavy

    parser.add_argument(
        "--engine", choices=ENGINES, default="duckdb",
        help="计算引擎（默认 duckdb；spark 见 README）/ engine (default duckdb; spark: see the README)",
    )
    if building:
        parser.add_argument(
            "--skip-data-tests", action="store_true",
            help="只建模型，不跑 dbt 数据测试 / build the models without dbt's data tests (quicker on Spark)",
        )


def add_rulebook(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rulebook", type=Path, default=None, metavar="PATH",
        help="用户规则库（CSV 或 XLSX，列同 seeds/rulebook/rulebook_parameters.csv），加在内置规则库之上；默认 "
        "$WAREHOUSE_RULEBOOK / a user rulebook (CSV or XLSX with the columns of "
        "seeds/rulebook/rulebook_parameters.csv) added to the shipped one; default $WAREHOUSE_RULEBOOK",
    )


def add_load(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("load", help="校验并载入输入文件 / validate and load the inputs")
    parser.add_argument("input_dir", type=Path)
    return parser


def add_build(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("build", help="按核查基准日运行 dbt build / dbt build with the as-of date")
    parser.add_argument("--as-of", type=as_of_date, default=date.today())
    add_engine(parser, building=True)
    add_rulebook(parser)
    return parser


def add_export(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("export", help="写出结果文件 / write the outputs")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--within", type=days, metavar="DAYS",
        help="deadlines.csv 只列核查基准日后 DAYS 天内到期的事项 / deadlines.csv lists what falls due within DAYS days",
    )
    add_engine(parser)
    return parser


def add_run(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("run", help="载入、检查并写出 / load, build and export in one go")
    parser.add_argument(
        "--input", type=Path, default=None, help=f"输入文件夹（必需；演示县在 {DEMO_DIR}）/ input folder (required; the demo county is {DEMO_DIR})"
    )
    parser.add_argument("--as-of", type=as_of_date, default=date.today())
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument(
        "--validate", action="store_true",
        help="另以 Great Expectations 校验，写入 OUT/validation / also run the GX suites into OUT/validation",
    )
    add_engine(parser, building=True)
    add_rulebook(parser)
    return parser


def add_validate(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "validate", help="Great Expectations 校验并生成 Data Docs / GX suites over the warehouse, with Data Docs"
    )
    parser.add_argument("--out", type=Path, default=Path("out/validation"), help="输出文件夹 / output folder")
    return parser


def add_generate(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "generate", help="生成合成数据及预置问题 / write a synthetic data set with its planted findings"
    )
    parser.add_argument("--townships", type=int, required=True, help="乡镇数 / number of townships")
    parser.add_argument("--seed", type=int, default=0, help="随机种子 / random seed")
    parser.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="文件格式 / file format")
    parser.add_argument(
        "--as-of", type=as_of_date, default=None, help="预置问题的核查基准日（默认 2026-06-30）/ as-of date of the plants"
    )
    return parser


def add_report(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "report", help="写出各级 HTML 报告页面和图表 PNG / write the HTML pages, nation to person, and chart PNGs"
    )
    parser.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--province", help="省级代码（2 位；默认全部）/ province code (2 digits; default: all)")
    scope.add_argument("--city", help="市级代码（4 位）/ city code (4 digits)")
    scope.add_argument("--county", help="县级代码（6 位）/ county code (6 digits)")
    parser.add_argument(
        "--township", action="append", help="另加此乡镇的页面，可重复 / also a page for this township, repeatable"
    )
    parser.add_argument(
        "--person", action="append", help="另加此人员的页面，可重复 / also a page for this person, repeatable"
    )
    parser.add_argument(
        "--png", choices=("summary", "all", "none"), default="summary",
        help="画 PNG 的页面：summary 本级及下一级和指定的页面（默认），all 全部，none 不画 / which pages get chart "
        "PNGs: summary (the scope's page, the level below and pages asked for; default), all, none",
    )
    return parser


def add_snapshot(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "snapshot", help="追加某日的合规快照 / append a dated compliance snapshot to the history (or backfill a series)"
    )
    parser.add_argument("--as-of", type=as_of_date, help="核查基准日（默认：今天）/ as-of date (default: today)")
    parser.add_argument("--from", dest="date_from", type=as_of_date, help="补录起始日 / first date of a backfill")
    parser.add_argument("--to", dest="date_to", type=as_of_date, help="补录截止日（默认：今天）/ last date (default: today)")
    parser.add_argument("--every", choices=("month", "quarter", "year"), help="间隔（默认：month）/ step (default: month)")
    add_engine(parser)
    add_rulebook(parser)
    return parser


def add_check(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "check", help="任前审查：按已载入的数据审查计划任职 / pre-clear planned postings against the loaded data"
    )
    parser.add_argument("--planned", type=Path, required=True, help="计划任职文件（任职格式）/ planned postings (postings format)")
    parser.add_argument("--as-of", type=as_of_date, default=date.today(), help="核查基准日（默认：今天）/ as-of date (default: today)")
    parser.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    add_rulebook(parser)
    return parser


def add_history(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "history", help="写出问题生命周期与乡镇趋势 / write violation_history.csv and township_trend.csv"
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--rulebook-version", default=None,
        help="规则库版本（默认：最近一次快照的；all 为全部）/ rulebook version (default: the last snapshot's; all)"
    )
    return parser


COMMANDS: dict[str, tuple[Callable, Callable]] = {
    "load": (add_load, cmd_load),
    "build": (add_build, cmd_build),
    "export": (add_export, cmd_export),
    "run": (add_run, cmd_run),
    "snapshot": (add_snapshot, cmd_snapshot),
    "history": (add_history, cmd_history),
    "check": (add_check, cmd_check),
    "validate": (add_validate, cmd_validate),
    "generate": (add_generate, cmd_generate),
    "report": (add_report, cmd_report),
}
"""name → (adds the subcommand's arguments, runs it)."""

LOCKED = ("load", "build", "export", "run", "snapshot", "history", "validate", "report", "check")
"""Commands that write (the load, the warehouse file or an output folder): each holds the warehouse lock for its
whole run (warehouse.lock), so two of them never interleave; a second one waits (--wait) or stops at once."""


class ShowVersion(argparse.Action):
    """`warehouse --version`: this package's version and the software a run records (imported only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from warehouse.engine.provenance import software_versions

        versions = software_versions()
        own = versions.pop("township-warehouse")
        # stdout, as argparse's own version action does (parser.exit's message goes to stderr): `$(warehouse --version)`
        print(f"warehouse {own} (" + ", ".join(f"{name} {v}" for name, v in versions.items()) + ")")
        parser.exit()


def add_verbosity(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--quiet / --verbose, before or after the command name (a command's own flag leaves the top one alone)."""
    default = {} if top else {"default": argparse.SUPPRESS}
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", **default,
        help="只输出错误和摘要的最后一行 / print only errors and the last line of the summary",
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", **default,
        help="同时实时显示 dbt 日志 / also show dbt's log as it runs",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="warehouse", description="乡镇政府机构编制合规检查 / Township compliance checker")
    top.add_argument("--version", action=ShowVersion, help="显示版本 / show the version and exit")
    add_verbosity(top, top=True)
    commands = top.add_subparsers(dest="command", required=True)
    for name, (add_arguments, _) in COMMANDS.items():
        command = add_arguments(commands)
        add_verbosity(command)
        if name in LOCKED:
            command.add_argument(
                "--wait", type=float, default=0.0, metavar="SECONDS",
                help="仓库被另一个命令占用时最多等待的秒数（默认不等，立即退出）/ seconds to wait while another command "
                "holds the warehouse (default: stop at once)",
            )
    return top


def run_command(args: argparse.Namespace, argv: Sequence[str] | None) -> None:
    """The command, under the warehouse lock when it writes."""
    if args.command not in LOCKED:
        COMMANDS[args.command][1](args)
        return
    from warehouse.core import lock

    on_busy = None
    if args.command == "snapshot":
        from warehouse.history.snapshot import log_busy as on_busy
    with lock.exclusive(lock.command_line(list(argv) if argv is not None else None), wait=args.wait, on_busy=on_busy):
        COMMANDS[args.command][1](args)


def internal_error(error: BaseException) -> str:
    """A failure no check foresaw: the traceback goes to a log file beside the warehouse (it may quote data), the
    user gets one message saying where. WAREHOUSE_DEBUG=1 shows it instead."""
    import traceback

    from warehouse.core.paths import beside_warehouse

    detail = "".join(traceback.format_exception(error))
    where = "stderr"
    try:
        path = beside_warehouse(".error.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now(timezone.utc).isoformat(timespec='seconds')} {' '.join(sys.argv)}\n{detail}")
        where = str(path)
    except OSError:
        print(detail, file=sys.stderr)
    return (
        f"内部错误（{type(error).__name__}）：命令未能完成，详情已写入 {where}。请把该文件交给维护人员。\n"
        f"Internal error ({type(error).__name__}): the command did not finish; the details are in {where}. "
        "Please pass that file to the maintainers."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    shown = configure(QUIET if args.quiet else VERBOSE if args.verbose else NORMAL)
    from warehouse.core.errors import UserError
    from warehouse.engine.build import BuildError
    from warehouse.inputs.load import InputError

    try:
        run_command(args, argv)
    except (InputError, UsageError) as error:
        print(f"输入错误 / input error:\n{error}", file=sys.stderr)
        return 2
    except (UserError, BuildError, FileNotFoundError) as error:
        print(str(error), file=sys.stderr)
        return getattr(error, "exit_status", 1)
    except KeyboardInterrupt:
        print("已中断，未完成的改动均已丢弃。 / Interrupted: nothing half-done was kept.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for the user
        if os.environ.get("WAREHOUSE_DEBUG"):
            raise
        print(internal_error(error), file=sys.stderr)
        return 1
    shown.finish()
    return 0

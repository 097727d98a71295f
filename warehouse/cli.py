"""The `warehouse` command (contract section 5). Thin: parse, call, print.

Each subcommand is one `cmd_<name>(args)` function registered in `COMMANDS` with its argument parser, so adding
a command touches nothing else. Heavy modules are imported inside the functions: `warehouse --help` stays quick.

Exit status: 0 when the run completed, whatever it found; 2 for input that stops the run; 1 for anything else.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from warehouse.db import PROJECT_DIR

DEMO_DIR = PROJECT_DIR / "demo"


class UsageError(Exception):
    """Input that stops the run (exit status 2) found by the command line itself."""


def as_of_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / expected a date like 2026-06-30, got {text!r}")


def print_summary(result) -> None:
    print(f"\n核查基准日 / as of {result.as_of}: 检查乡镇 {result.townships} 个 / townships checked")
    print(f"发现问题 {result.violations} 条 / violations: " + ", ".join(f"{k} {v}" for k, v in result.by_severity.items()))
    for rule_id, count in result.by_rule.items():
        print(f"  {rule_id:<28} {count}")
    print(f"拒收行 / rejected rows: {result.rejects}")
    print(f"结果文件 / outputs: {result.out_dir.resolve()}")


def do_build(as_of: date) -> None:
    from warehouse.build import build

    result = build(as_of)
    print(f"dbt build 完成 / done: {result.nodes} 个节点 / nodes in {result.seconds:.1f} s, as of {result.as_of}")


def cmd_load(args: argparse.Namespace) -> None:
    from warehouse.load import load_inputs

    load_inputs(args.input_dir)


def cmd_build(args: argparse.Namespace) -> None:
    do_build(args.as_of)


def cmd_export(args: argparse.Namespace) -> None:
    from warehouse.export import export

    print_summary(export(args.out_dir))


def cmd_run(args: argparse.Namespace) -> None:
    from warehouse.export import export
    from warehouse.load import load_inputs

    started_at = datetime.now(timezone.utc)
    load_inputs(args.input)
    do_build(args.as_of)
    print_summary(export(args.out, started_at=started_at))


def add_load(commands) -> None:
    parser = commands.add_parser("load", help="校验并载入输入文件 / validate and load the inputs")
    parser.add_argument("input_dir", type=Path)


def add_build(commands) -> None:
    parser = commands.add_parser("build", help="按核查基准日运行 dbt build / dbt build with the as-of date")
    parser.add_argument("--as-of", type=as_of_date, default=date.today())


def add_export(commands) -> None:
    parser = commands.add_parser("export", help="写出结果文件 / write the outputs")
    parser.add_argument("out_dir", type=Path)


def add_run(commands) -> None:
    parser = commands.add_parser("run", help="载入、检查并写出 / load, build and export in one go")
    parser.add_argument("--input", type=Path, default=DEMO_DIR, help="输入文件夹（默认：演示县）/ input folder (default: the demo county)")
    parser.add_argument("--as-of", type=as_of_date, default=date.today())
    parser.add_argument("--out", type=Path, default=Path("out"))


COMMANDS: dict[str, tuple[Callable, Callable]] = {
    "load": (add_load, cmd_load),
    "build": (add_build, cmd_build),
    "export": (add_export, cmd_export),
    "run": (add_run, cmd_run),
}
"""name → (adds the subcommand's arguments, runs it)."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="warehouse", description="乡镇政府机构编制合规检查 / Township compliance checker")
    commands = top.add_subparsers(dest="command", required=True)
    for add_arguments, _ in COMMANDS.values():
        add_arguments(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from warehouse.build import BuildError
    from warehouse.load import InputError

    try:
        COMMANDS[args.command][1](args)
    except (InputError, UsageError) as error:
        print(f"输入错误 / input error:\n{error}", file=sys.stderr)
        return 2
    except (BuildError, FileNotFoundError) as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0

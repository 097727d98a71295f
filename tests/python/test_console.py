"""Issue 15, "a console a person reads": what `warehouse` prints when a scheduler or a pipe reads it.

Written from the issue: `warehouse run` on the demo prints at most about 30 lines when not on a terminal, with no
escape codes and no warnings; dbt's full log goes to a log file the summary names; `--verbose` shows it live;
`--quiet` prints only errors and the summary's last line; `warehouse --version`; `warehouse run` without `--input`
is an error with a hint; `--as-of` accepts every date style the inputs accept (one parser for both).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import DEMO_AS_OF, copy_warehouse, warehouse_cli
from warehouse import cli
from warehouse.inputs.parse import parse_date

import polars as pl

ESCAPE = "\x1b"
LOG_NAMED = re.compile(r"dbt 日志 / log: (\S+)")


def printed(result) -> str:
    return result.stdout + result.stderr


def test_the_demo_run_prints_a_short_account_without_escape_codes_or_warnings(demo_run):
    lines = demo_run.result.stdout.splitlines()
    assert 10 <= len(lines) <= 30, demo_run.result.stdout
    assert ESCAPE not in printed(demo_run.result)
    assert "Warning" not in printed(demo_run.result), printed(demo_run.result)
    assert demo_run.result.stderr == ""  # no progress bar when stderr is not a terminal
    assert lines[-1].startswith("结果文件 / outputs: ")


def test_the_demo_runs_summary_names_the_log_file_holding_dbts_full_output(demo_run):
    named = LOG_NAMED.search(demo_run.result.stdout)
    assert named, demo_run.result.stdout
    log = named.group(1)
    text = open(log, encoding="utf-8").read()
    assert "OK created sql table model rules." in text and "Completed successfully" in text
    assert "OK created sql table model" not in demo_run.result.stdout
    assert ESCAPE not in text  # read in files and editors, not on a terminal


@pytest.fixture(scope="module")
def copied(demo_run, tmp_path_factory):
    """A copy of the demo's warehouse, for the commands these tests run on it."""
    root = tmp_path_factory.mktemp("console")
    copy_warehouse(demo_run.db, root)
    return root


def test_verbose_shows_dbts_log_as_it_runs_without_escape_codes(copied):
    result = warehouse_cli("build", "--verbose", "--as-of", DEMO_AS_OF, root=copied)
    assert result.returncode == 0, printed(result)
    assert "START sql table model rules." in result.stdout and "OK created sql table model rules." in result.stdout
    assert ESCAPE not in printed(result)
    assert "Warning" not in printed(result)
    assert result.stdout.splitlines()[-1].startswith("dbt build 完成 / done")


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_only_the_last_line_of_the_summary(copied, tmp_path, where):
    out = tmp_path / "out"
    args = ["--quiet", "export", str(out)] if where == "before" else ["export", str(out), "--quiet"]
    result = warehouse_cli(*args, root=copied)
    assert result.returncode == 0, printed(result)
    assert result.stdout.splitlines() == [f"结果文件 / outputs: {out.resolve()}（工作簿 / workbook 核查结果.xlsx）"]
    assert result.stderr == ""


def test_quiet_still_prints_errors(tmp_path):
    result = warehouse_cli("--quiet", "run", "--as-of", DEMO_AS_OF, "--out", str(tmp_path / "out"), root=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--input" in result.stderr


def test_run_without_input_is_an_error_with_a_hint_and_checks_nothing(tmp_path):
    result = warehouse_cli("run", "--as-of", DEMO_AS_OF, "--out", str(tmp_path / "out"), root=tmp_path)
    assert result.returncode == 2
    assert "请用 --input 指定输入文件夹" in result.stderr and "Give the input folder" in result.stderr
    assert f"warehouse run --input {cli.DEMO_DIR} --as-of {DEMO_AS_OF}" in result.stderr  # the hint runs the demo
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "warehouse.duckdb").exists()


def test_version_names_the_package_and_what_it_runs_on(tmp_path):
    result = warehouse_cli("--version", root=tmp_path)
    assert result.returncode == 0, printed(result)
    assert re.match(r"warehouse \d+\.\d+", result.stdout)
    assert "dbt-core" in result.stdout and "duckdb" in result.stdout


SPELLINGS = ["2026-06-30", "2026/6/30", "2026/06/30", "2026.6.30", "2026年6月30日", "20260630"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_as_of_takes_every_date_spelling_the_inputs_take(spelling):
    assert parse_date(pl.Series([spelling])).value[0] == date(2026, 6, 30)  # an input cell reads it so
    for command in (["run", "--input", "demo"], ["build"], ["snapshot"], ["generate", "--townships", "1", "--seed", "1", "--out", "x"]):
        assert cli.parser().parse_args([*command, "--as-of", spelling]).as_of == date(2026, 6, 30), command
    assert cli.parser().parse_args(["snapshot", "--from", spelling]).date_from == date(2026, 6, 30)


@pytest.mark.parametrize("given, said", [("2026-02-30", "没有这一天"), ("30/6/2026x", "无法识别的日期"), ("yesterday", "无法识别的日期")])
def test_an_as_of_that_is_not_a_date_stops_before_anything_runs_saying_why(tmp_path, given, said):
    result = warehouse_cli("run", "--input", "demo", "--as-of", given, root=tmp_path)
    assert result.returncode == 2
    assert said in result.stderr and given in result.stderr
    assert "Traceback" not in result.stderr

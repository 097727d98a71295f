"""`warehouse build`: dbt build of the project with the run's as-of date, all or nothing.

On DuckDB the build writes a new warehouse file beside the current one and swaps it in when dbt has finished
without an error (warehouse.db.staged): a build killed at any moment, or one whose models or data tests fail,
leaves the previous build for every reader, and a reader holding the current file never blocks it. The new file
starts from the loaded data (its `raw` views over the load folder the build starts from) and the history of the
file it replaces (macros/history.sql carry_history).

dbt runs in a child process: dbt-duckdb keeps its connection to the warehouse file open for the life of the
process, and the file must be free again for export, notebooks and the next build. Its output (several hundred
lines) goes to a log file beside the warehouse, which the command's summary names; the console shows a bar by node
count on a terminal, and the log itself only under --verbose (warehouse.core.console).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.core.console import console
from warehouse.core.loads import remove_unused_loads
from warehouse.core.paths import PROJECT_DIR, beside_warehouse, dbt_dir, loaded_path, spark_dir, warehouse_path
from warehouse.engine.db import connect, staged

if TYPE_CHECKING:
    from warehouse.inputs.user_rulebook import Rulebook

ENGINES = ("duckdb", "spark")
"""`--engine`: DuckDB (the default, the warehouse file) or Apache Spark (dbt-spark; profiles.yml target `spark`)."""

UNIT_TESTS_ELSEWHERE = ("unit_test",)
"""A build runs the models and their data tests; the dbt unit tests test the SQL, not the data, and run in the test
suite (tests/test_dbt_unit_tests.py), which saves about 20 s on every build."""

LOADER_GUARANTEED = "tag:loader_guaranteed"
"""The data tests a build (and a snapshot's) leaves out: those of the staging models and the shipped seeds (tagged
in dbt_project.yml), which re-check what the loader guarantees (keys, references, codes, enumerations, dates) and
the shipped files. The test suite runs them, and `warehouse validate`'s input suites restate the same checks. 151
of the build's 410 data tests, about 2 s of every demo build (bench/REPORT.md)."""

PARSE_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "seeds")
PARSE_SUFFIXES = (".sql", ".yml", ".yaml", ".csv", ".md")
"""What dbt parses: partial parsing's state is kept only while these files are as they were (forget_stale_parse)."""


RULEBOOK_TOLD = (
    "WAREHOUSE_RULEBOOK_ROWS", "WAREHOUSE_RULEBOOK_VERSION", "WAREHOUSE_RULEBOOK_FILE", "WAREHOUSE_RULEBOOK_SHA256",
)
"""What rulebook_env tells dbt; never inherited from the caller's environment."""

AS_OF_TOLD = ("WAREHOUSE_AS_OF_DATE", "WAREHOUSE_AS_OF_DATES")
"""What as_of_env tells dbt; never inherited either."""


NODE_DONE = re.compile(r"^\S*\s+(\d+) of (\d+) (?!START )(.*)$")
"""A line of dbt's log saying a node finished: `02:32:06  12 of 340 OK created sql table model rules.rule_x ...`
(hooks count apart, `1 of 5 OK hook: …`, and are left out)."""

DBT_LOG_NAME = "dbt-console.log"
"""dbt's output of the command's dbt runs, in the log folder (dbt's own dbt.log, with its warnings and errors only,
sits beside it: warehouse.engine.dbt_child)."""

_LOGS_STARTED: set[Path] = set()
"""Log files this process has already begun: the first dbt run of a command replaces the file, later ones (a
snapshot runs dbt several times) append to it."""


class BuildError(Exception):
    """dbt reported failing models or tests, or could not run."""


@dataclass(frozen=True)
class BuildResult:
    as_of: date
    nodes: int
    seconds: float
    run_results: Path
    rulebook: Rulebook | None = None
    log: Path | None = None
    """dbt's output of the build."""


def target_path() -> Path:
    """dbt's target folder: $DBT_TARGET_PATH, else `target/` in the folder beside the warehouse (paths.dbt_dir),
    never inside the project, which an installed package may not allow writing to."""
    return Path(os.environ.get("DBT_TARGET_PATH") or dbt_dir() / "target")


def log_dir() -> Path:
    """dbt's log folder: $DBT_LOG_PATH, else `logs/` beside the target folder."""
    return Path(os.environ.get("DBT_LOG_PATH") or dbt_dir() / "logs")


def dbt_log_path() -> Path:
    return log_dir() / DBT_LOG_NAME


def dbt_env(**overrides: str) -> dict[str, str]:
    """The child's environment: the warehouse file reaches profiles.yml through WAREHOUSE_DB, the load folder the
    build judges through WAREHOUSE_LOADED (macros/engine.sql), the file whose history it carries through
    WAREHOUSE_PREVIOUS_DB (macros/history.sql), the rulebook through WAREHOUSE_RULEBOOK_* (rulebook_env; only a
    build sets them). `overrides` win; an empty value means "not set"."""
    env = dict(os.environ)
    env["WAREHOUSE_DB"] = str(warehouse_path())
    env["WAREHOUSE_SPARK_DIR"] = str(spark_dir())
    for told in ("WAREHOUSE_PREVIOUS_DB", *RULEBOOK_TOLD, *AS_OF_TOLD):
        env.pop(told, None)
    env.setdefault("SPARK_CONF_DIR", str(PROJECT_DIR / "spark"))  # log4j2.properties: the local Spark's logging
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # a local Spark serves this machine only
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_LOG_PATH"] = str(log_dir())
    env["DBT_TARGET_PATH"] = str(target_path())
    env["DBT_USE_COLORS"] = env["DBT_USE_COLORS_FILE"] = "false"  # the log is read in files and editors, not a terminal
    env.update(overrides)
    return env


def as_of_env(as_of: date, series: Sequence[date] = ()) -> dict[str, str]:
    """What a build judging `as_of` (and, a snapshot's or a check's, every date of `series`) tells dbt: environment
    variables, which dbt reads only when it runs a node (macros as_of_date and as_of_dates). A date passed as a var
    made dbt parse the whole project again for every new date (about 5 s of every such build)."""
    return {
        "WAREHOUSE_AS_OF_DATE": as_of.isoformat(),
        "WAREHOUSE_AS_OF_DATES": ",".join(sorted({day.isoformat() for day in series})),
    }


def dbt_args(
    command: str, as_of: date | None = None, *extra: str, project_dir: Path = PROJECT_DIR, target: str | None = None
) -> list[str]:
    """Arguments for a dbt invocation against a project, its committed profile and the warehouse file; `as_of` as a
    var, for dbt run by hand or by a test (the commands here tell it with as_of_env)."""
    args = [command, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if target is not None:
        args += ["--target", target]
    if as_of is not None:
        args += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
    return args + list(extra)


def _die_with_parent() -> None:
    """In the dbt child: be killed when the `warehouse` process dies (Linux), so a killed run leaves no dbt behind
    holding the warehouse file."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        pass


def failures(run_results: dict) -> list[str]:
    return [
        f"{result['unique_id']}: {result['status']} {result.get('message') or ''}".strip()
        for result in run_results.get("results", [])
        if result["status"] in ("error", "fail", "runtime error")
    ]


def project_fingerprint(project_dir: Path) -> str:
    """SHA-256 over the path and bytes of every file dbt parses in the project."""
    digest = hashlib.sha256()
    for name in PARSE_INPUTS:
        path = project_dir / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in PARSE_SUFFIXES:
                digest.update(file.relative_to(project_dir).as_posix().encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def forget_stale_parse(target_dir: Path, project_dir: Path = PROJECT_DIR) -> None:
    """dbt's partial parsing (partial_parse.msgpack in the target folder) saves 2-4 s a build, but after an update
    of the project it has kept a stale view: a new generic test calling a new macro failed with "'year_bit' is
    undefined" until the state was deleted. So the state is kept only while the project's files are byte for byte
    the ones of the build that wrote it."""
    stamp = target_dir / "project_fingerprint.txt"
    fingerprint = project_fingerprint(project_dir)
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != fingerprint:
        (target_dir / "partial_parse.msgpack").unlink(missing_ok=True)
        target_dir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(fingerprint, encoding="utf-8")


DBT_CHILD = [sys.executable, "-P", str(Path(__file__).with_name("dbt_child.py"))]
"""The child process that runs dbt (warehouse.engine.dbt_child: dbt's entry point with less to import and write),
by the path of this package's own file, so the child is always this version's, however the package is installed
or found (a `dbt` script need not sit beside this Python: a wheel installed with --no-deps into an environment that
borrows another's packages). `-P`: neither the script's folder nor the working directory goes first on the child's
path, so a folder there named like a package dbt imports is not imported in its place."""

_READY: list[subprocess.Popen] = []
"""The dbt child dbt_ready started, until a run_dbt takes it."""


def _start_child(arguments: list[str], env: dict[str, str], stdin: int | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        DBT_CHILD + arguments,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


@contextmanager
def dbt_ready() -> Iterator[None]:
    """Start the dbt child now, to import dbt (about 2 s) while this process does other work (`warehouse run`: the
    load, on the other core); the block's first run_dbt hands it its run. A child the block did not use is stopped
    when it ends (a load that stopped on a bad file)."""
    child = _start_child(["--wait"], dbt_env(), stdin=subprocess.PIPE)
    _READY.append(child)
    try:
        yield
    finally:
        if child in _READY:
            _READY.remove(child)
            child.kill()
            child.wait()
            for pipe in (child.stdin, child.stdout):
                pipe.close()


def _child_for(args: list[str], results: Path, env: dict[str, str]) -> subprocess.Popen:
    """The child that runs dbt with `args` and writes its run results to `results`: the one dbt_ready started,
    told its run on its stdin, else a new one."""
    if not _READY:
        return _start_child([str(results), *args], env)
    child = _READY.pop()
    try:
        child.stdin.write(json.dumps({"results": str(results), "args": args, "env": env}) + "\n")
        child.stdin.close()
    except BrokenPipeError:  # it died while starting; its output says why
        pass
    return child


def run_dbt(args: list[str], target_dir: Path | None = None, **env: str) -> dict:
    """Run dbt in a child process (its own target folder if given, `env` over dbt_env's); its run results, or
    BuildError. Its output goes to the log file (dbt_log_path), and to the console under --verbose; a bar counts
    the nodes on a terminal."""
    target_dir = target_dir or target_path()
    project_dir = Path(args[args.index("--project-dir") + 1]) if "--project-dir" in args else PROJECT_DIR
    forget_stale_parse(target_dir, project_dir)
    results_path = target_dir / "run_results.json"
    results_path.unlink(missing_ok=True)
    (target_dir / "manifest.json").unlink(missing_ok=True)  # an earlier dbt's, of another build (dbt_child)
    log = dbt_log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    mode = "a" if log in _LOGS_STARTED else "w"
    _LOGS_STARTED.add(log)
    shown = console()
    tail: deque[str] = deque(maxlen=20)
    with open(log, mode, encoding="utf-8") as handle, shown.progress(f"dbt {args[0]}", unit="节点 nodes") as bar:
        handle.write(f"--- {datetime.now(timezone.utc).isoformat(timespec='seconds')} dbt {' '.join(args)}\n")
        with _child_for(args, results_path, dbt_env(DBT_TARGET_PATH=str(target_dir), **env)) as child:
            for line in child.stdout:
                handle.write(line)
                line = line.rstrip("\n")
                tail.append(line)
                shown.detail(line)
                finished = NODE_DONE.match(line)
                if finished and "hook:" not in line:
                    node = re.sub(r"\s*(\.{3,}|\[).*$", "", finished.group(3)).split()[-1:]
                    bar.update(bar.done + 1, int(finished.group(2)), item=node[0] if node else None)
        status = child.returncode
    if not results_path.exists():
        raise BuildError(
            f"dbt 未能运行（退出码 {status}）/ dbt did not run (exit status {status}). 日志 / log: {log}\n  "
            + "\n  ".join(tail)
        )
    run_results = json.loads(results_path.read_text(encoding="utf-8"))
    failed = failures(run_results)
    if status != 0 or failed:
        raise BuildError(
            "dbt build 未通过 / dbt build failed:\n  "
            + "\n  ".join(failed or list(tail))
            + f"\n完整日志 / full log: {log}"
        )
    return run_results


def check_loaded() -> Path:
    """The load folder a build judges (what `current` points to now); stops before dbt when nothing is loaded."""
    current = loaded_path()
    if not current.exists():
        raise BuildError(
            f"没有已载入的数据：{current}，请先运行 warehouse load。 / "
            f"Nothing loaded at {current}: run `warehouse load` first."
        )
    return current.resolve()


def build_env(loaded: Path, stage: Path | None) -> dict[str, str]:
    """What a build of `loaded` into `stage` (a new DuckDB file; None: Spark builds its tables in place) tells dbt.
    A $WAREHOUSE_LOADED the user set (a cluster's copy of the load, README) is kept."""
    env = {"WAREHOUSE_LOADED": os.environ.get("WAREHOUSE_LOADED") or str(loaded)}
    if stage is not None:
        current = warehouse_path()
        env |= {"WAREHOUSE_DB": str(stage), "WAREHOUSE_PREVIOUS_DB": str(current) if current.exists() else ""}
    return env


RULEBOOK_ROWS_SUFFIX = ".rulebook.parquet"
"""Beside the warehouse file: the user rulebook's rows while a build reads them (removed when it ends)."""


@contextmanager
def rulebook_env(rulebook: Rulebook) -> Iterator[dict[str, str]]:
    """What a build tells dbt about its rulebook: the Parquet file of the user rulebook's validated rows, which the
    on-run-start hook copies into `rulebook_user.parameters` (macros/rulebook_user.sql), and what marts.run_info
    records (the version, the user file and its SHA-256; empty without one). The file lives while the block runs."""
    from warehouse.inputs.user_rulebook import write_rows  # polars and the readers: not for `warehouse --help`

    rows = write_rows(rulebook, beside_warehouse(RULEBOOK_ROWS_SUFFIX))
    user = rulebook.user
    try:
        yield {
            "WAREHOUSE_RULEBOOK_ROWS": str(rows),
            "WAREHOUSE_RULEBOOK_VERSION": rulebook.version,
            "WAREHOUSE_RULEBOOK_FILE": str(user.path) if user is not None else "",
            "WAREHOUSE_RULEBOOK_SHA256": user.sha256 if user is not None else "",
        }
    finally:
        rows.unlink(missing_ok=True)


def engine_target_path(engine: str = "duckdb") -> Path:
    """dbt's target folder for an engine: each keeps its own, so switching engines does not make dbt parse the
    project again."""
    return target_path() if engine == "duckdb" else target_path() / engine


def build(
    as_of: date, *extra: str, engine: str = "duckdb", data_tests: bool = True, rulebook: Rulebook | None = None
) -> BuildResult:
    """dbt build on an engine; `data_tests=False` builds the models only (their data tests cost a local Spark about
    a minute on the demo, and check what the loader already guarantees). `rulebook`: the shipped one with the
    user rulebook already validated (warehouse.inputs.user_rulebook.resolve_rulebook; by default that of
    $WAREHOUSE_RULEBOOK). Callers hold the warehouse lock."""
    from warehouse.inputs.user_rulebook import resolve_rulebook

    rulebook = rulebook or resolve_rulebook()
    loaded = check_loaded()
    target = None if engine == "duckdb" else engine
    target_dir = engine_target_path(engine)
    excluded = UNIT_TESTS_ELSEWHERE + (() if data_tests else ("test",))
    args = dbt_args(
        "build", None, "--exclude-resource-type", *excluded, "--exclude", LOADER_GUARANTEED, *extra, target=target
    )
    if engine == "duckdb":
        if warehouse_path().exists():
            with connect(read_only=True):  # held for writing by another program, dbt could not copy its history
                pass
        with staged(copy=False) as stage, rulebook_env(rulebook) as told:
            run_results = run_dbt(args, target_dir, **build_env(loaded, stage), **told, **as_of_env(as_of))
    else:
        with rulebook_env(rulebook) as told:
            run_results = run_dbt(args, target_dir, **build_env(loaded, None), **told, **as_of_env(as_of))
    remove_unused_loads()
    return BuildResult(
        as_of=as_of,
        nodes=len(run_results.get("results", [])),
        seconds=float(run_results.get("elapsed_time", 0.0)),
        run_results=target_dir / "run_results.json",
        rulebook=rulebook,
        log=dbt_log_path(),
    )

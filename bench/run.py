"""Benchmark the checker against the engine's floor, at national scale, and write bench/REPORT.md.

    python bench/run.py [--sizes 1000,10000,40000] [--repeat 3] [--work /tmp/warehouse-bench]
                        [--spark-sizes 10000,40000] [--spark-repeat 1] [--report bench/REPORT.md]

For each size N: `warehouse generate` a synthetic country of N townships (warehouse/generate.py); time the floor —
one DuckDB query that reads every column of every input file once; then, `--repeat` times on a fresh warehouse,
time `warehouse load`, `warehouse build`, `warehouse export` and `warehouse validate` (when the command exists) as
a user runs them, each in its own process, sampling the peak memory of its whole process tree (dbt runs in a
child). Medians are reported, with each step as a multiple of the floor. dbt's fixed overhead is the build of a
warehouse loaded from empty files. The last run's findings are compared with the generator's planted findings,
and its dbt run_results.json gives the per-model profile.

Sizes of 20,000 townships and more run `--repeat-large` times (default 1): the national size takes minutes.

At the `--spark-sizes` (default 10,000 and 40,000, those of them among `--sizes`; `''` for none) the same models
run on a local Spark session (dbt-spark, `warehouse build --engine spark`) over the same loaded data as the last
DuckDB run of that size, each Spark build on a fresh Spark warehouse: the full build, at `--spark-models-only-sizes`
also the build without data tests on both engines, and `warehouse export --engine spark`, whose violations.csv,
township_scorecard.csv and rejects.csv must be byte-identical to DuckDB's. Spark's fixed overhead is its build of the
empty data set. Each Spark step is stopped after `--spark-timeout` seconds and recorded as timed out.

The project benchmarked is the one this file sits in (its own `warehouse` package and dbt models), so a
throwaway copy of the project benchmarks itself: `python /tmp/copy/bench/run.py --report /tmp/copy.md`.

REPORT.md is rewritten from the measurements; everything after the line ANALYSIS_MARKER is kept as it is, so the
hand-written analysis (what moved each figure, recommended model changes) survives a re-run.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl
import psutil

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # the benchmarked project's own package, also for the empty data set
AS_OF = "2026-06-30"
SEED = 1
ANALYSIS_MARKER = "<!-- analysis: everything below this line is written by hand and kept by bench/run.py -->"
LARGE = 20_000
STEPS = ("load", "build", "export", "validate")
KEY = ["rule_id", "township_code", "person_id", "period"]
SOFTWARE = ("duckdb", "dbt-core", "dbt-duckdb", "dbt-spark", "pyspark", "polars", "numpy", "pyarrow",
            "great-expectations")
SPARK_SIZES = (10_000, 40_000)
SPARK_COMPARED = ("violations.csv", "township_scorecard.csv", "rejects.csv")
SPARK_STEPS = {
    "build": "build (models and data tests)",
    "build_models": "build, models only (`--skip-data-tests`)",
    "export": "export",
}
"""The Spark steps in the report, each beside DuckDB's step of the same name."""
ENTITIES = ("townships", "units", "people", "postings", "appraisals")


@dataclass
class Measure:
    seconds: float
    peak_mib: float
    status: int
    cpu_seconds: float = float("nan")
    """User + system time of the whole process tree: much less sensitive than wall time to other work on the
    machine (it still grows a little when cores and caches are shared). It includes descendants their parent never
    waited for (Spark's JVM), which the benchmark reaps itself as their subreaper (see `measure`)."""
    orphan_cpu_seconds: float = 0.0
    """The part of `cpu_seconds` from descendants orphaned by their parent and reaped by the benchmark: for a
    Spark step, the JVM, which pyspark starts and never waits for."""


@dataclass
class SparkResult:
    """The same build on a local Spark session, over the data loaded for the DuckDB run of the same size."""

    townships: int
    steps: dict[str, list[Measure]] = field(default_factory=dict)
    """build, build_models, export: Spark; duckdb_build_models: DuckDB's build without data tests, for the ratio."""
    identical: dict[str, bool] = field(default_factory=dict)
    nodes: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, float] = field(default_factory=dict)
    dbt_elapsed: float = 0.0


@dataclass
class SizeResult:
    townships: int
    rows: dict[str, int] = field(default_factory=dict)
    input_mib: float = 0.0
    generate: Measure | None = None
    floor: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)
    least_work: dict[str, dict[str, float]] = field(default_factory=dict)
    """{variant: {query label: seconds}}: the least work a build under the contract must do (LEAST_WORK)."""
    steps: dict[str, list[Measure]] = field(default_factory=dict)
    planted: int = 0
    found: int = 0
    missing: list[dict] = field(default_factory=list)
    extra: list[dict] = field(default_factory=list)
    profile: list[dict] = field(default_factory=list)
    by_kind: dict[str, float] = field(default_factory=dict)
    dbt_elapsed: float = 0.0
    spark: SparkResult | None = None
    peer_found: int = 0
    peer_missing: list[dict] = field(default_factory=list)
    """Findings of the checker the peer (bench/peer.py) does not report, and the reverse (peer_extra)."""
    peer_extra: list[dict] = field(default_factory=list)
    backfill_dates: int = 0


@dataclass
class Overhead:
    """Builds of the empty data set: what each engine costs with no data."""

    builds: list[Measure] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, float] = field(default_factory=dict)
    spark: SparkResult | None = None


# --- running a command and measuring it --------------------------------------------------------------------------


def become_subreaper() -> bool:
    """Make this process the child subreaper of everything it starts (Linux): a descendant whose parent exits
    without waiting for it is reparented here instead of to init, so `measure` can reap it and count its CPU time.
    pyspark starts the JVM and never waits for it (the JVM exits when dbt's Python process, its parent, is gone), so
    without this the JVM's CPU time would be missing from a Spark step's."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (AttributeError, OSError):
        return False


def _reap() -> list[tuple[int, int, float]]:
    """(pid, wait status, user + system seconds) of every child of this process that has ended."""
    reaped = []
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if not pid:
            return reaped
        reaped.append((pid, status, usage.ru_utime + usage.ru_stime))


def measure(args: list[str], env: dict[str, str], log: Path, timeout: float | None = None,
            orphan_grace: float = 120.0) -> Measure:
    """Wall time, CPU time and peak resident memory of the command's whole process tree (memory sampled every
    50 ms; CPU time from the kernel's accounting of the command and the children it waited for, plus that of the
    descendants orphaned on the way and reaped here, see `become_subreaper`). Wall time ends when the command
    exits; orphans still running then (a JVM shutting down) are waited for, up to `orphan_grace` seconds, before
    the next command starts. A command still running after `timeout` seconds is killed with its process tree and
    reported with status -9."""
    started = time.perf_counter()
    cpu = orphan_cpu = 0.0
    status: int | None = None
    timed_out = False
    me = psutil.Process()
    with open(log, "ab") as out:
        process = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)
        watched = psutil.Process(process.pid)
        peak = 0
        while status is None:
            for pid, wait_status, seconds in _reap():
                cpu += seconds
                if pid == process.pid:
                    status = wait_status
                else:
                    orphan_cpu += seconds
            if status is not None:
                break
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(_rss(p) for p in tree))
            except psutil.Error:
                pass
            if timeout is not None and not timed_out and time.perf_counter() - started > timeout:
                timed_out = True
                _kill([*_children(watched), watched])
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    deadline = time.perf_counter() + orphan_grace
    while True:
        for pid, _, used in _reap():
            cpu += used
            orphan_cpu += used
        left = _children(me)
        if not left:
            break
        if time.perf_counter() > deadline:
            _kill(left)
        time.sleep(0.05)
    process.returncode = -9 if timed_out else os.waitstatus_to_exitcode(status)
    return Measure(seconds, peak / 2**20, process.returncode, cpu, orphan_cpu)


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def warehouse(*args: str) -> list[str]:
    return [sys.executable, "-m", "warehouse", *args]


def isolated_env(root: Path) -> dict[str, str]:
    """The warehouse, its loaded Parquet folders (`warehouse_loaded/`), the local Spark warehouse
    (`warehouse_spark/`), dbt's target and logs of one run under `root`; the benchmarked project's package first."""
    env = dict(os.environ)
    for name in ("WAREHOUSE_LOADED", "WAREHOUSE_LOADED_DIR", "WAREHOUSE_SPARK_DIR"):  # beside WAREHOUSE_DB instead
        env.pop(name, None)
    env.update(
        WAREHOUSE_DB=str(root / "warehouse.duckdb"),
        DBT_TARGET_PATH=str(root / "target"),
        DBT_LOG_PATH=str(root / "logs"),
        PYTHONPATH=str(PROJECT) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONIOENCODING="utf-8",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def has_validate() -> bool:
    result = subprocess.run(warehouse("validate", "--help"), cwd=PROJECT, env=isolated_env(Path("/tmp")),
                            capture_output=True)
    return result.returncode == 0


# --- the floor ---------------------------------------------------------------------------------------------------


def floor_query(input_dir: Path) -> str:
    """One query reading every column of every input file once: min() of each column forces each value to be
    decoded, and the aggregates leave nothing to write."""
    parts = []
    with duckdb.connect() as con:
        for i, entity in enumerate(ENTITIES):
            reader = _reader(input_dir, entity)
            columns = [row[0] for row in con.sql(f"describe select * from {reader}").fetchall()]
            aggregates = ", ".join(f'min("{c}") as c{j}' for j, c in enumerate(columns))
            parts.append(f"(select count(*) as n, {aggregates} from {reader}) as e{i}")
    return "select * from " + ", ".join(parts)


def _reader(input_dir: Path, entity: str) -> str:
    parquet = input_dir / f"{entity}.parquet"
    if parquet.exists():
        return f"read_parquet('{parquet}')"
    return f"read_csv('{input_dir / f'{entity}.csv'}', all_varchar = true)"


def time_floor(input_dir: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the floor query, in a fresh process like the steps it is compared with; only the
    query is timed."""
    script = (
        "import duckdb, resource, sys, time\n"
        "query = sys.stdin.read()\n"
        "con = duckdb.connect()\n"
        "cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])\n"
        "started, cpu_started = time.perf_counter(), cpu()\n"
        "con.sql(query).fetchall()\n"
        "print(time.perf_counter() - started, cpu() - cpu_started)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=floor_query(input_dir), capture_output=True,
                            text=True, check=True)
    wall, cpu = result.stdout.split()
    return float(wall), float(cpu)


# The least work any build under the contract must do, as bare DuckDB queries on the inputs already in memory
# (their reading is not timed): the key checks issue 2 asks of staging (unique people, postings and
# (person, year) appraisals; every posting and appraisal's person exists), one ordering of each person's postings
# with the next posting beside each (what moves, transfer locks and merged experience need) and the appraisal
# tallies by township and year (the excellent ratio). No rule logic, no writing to a file, no dbt: a lower bound
# for "build less dbt's overhead", to set beside the floor and the 5× goal. Run twice: with person_id as loaded
# (text), and with a dense integer person key that the loader does not make (assigned untimed).
LEAST_WORK = (
    ("unique (person, year) of appraisals, two passes as tests/generic/unique_per_year.sql",
     "select count(*) from (select {person}, year from {appraisals} where {person} in (select {person} from "
     "{appraisals} group by {person} having count(*) > coalesce(bit_count(bit_or(1::ubigint << (year % 64)::integer)), "
     "0)) or {person} is null group by all having count(*) > 1)"),
    ("unique posting_id", "select count(*) from (select posting_id from {postings} group by all having count(*) > 1)"),
    ("unique person_id", "select count(*) from (select {person} from {people} group by all having count(*) > 1)"),
    ("appraisals' people exist", "select count(*) from {appraisals} anti join {people} using ({person})"),
    ("postings' people exist", "select count(*) from {postings} anti join {people} using ({person})"),
    ("postings ordered per person, next beside each",
     "create or replace temp table ordered as select {person}, posting_id, org_level, township_code, county_code, "
     "start_date, end_date, lead(start_date) over (partition by {person} order by start_date, posting_id) "
     "as next_start from {postings}"),
    ("appraisal tallies by township and year",
     "create or replace temp table tallies as select township_code, year, "
     "count(*) filter (where grade <> 'not_graded') as graded, count(*) filter (where grade = 'excellent') "
     "as excellent from {appraisals} semi join (select {person} from {people} where staff_category = 'civil_servant') "
     "as civil_servants using ({person}) group by township_code, year"),
)


def time_least_work(input_dir: Path) -> dict[str, dict[str, float]]:
    """Seconds of each LEAST_WORK query, in a fresh process, once with person_id and once with an integer key."""
    readers = {entity: _reader(input_dir, entity) for entity in ("people", "postings", "appraisals")}
    script = (
        "import duckdb, json, sys, time\n"
        "readers, queries = json.load(sys.stdin)\n"
        "con = duckdb.connect()\n"
        "con.sql('set enable_progress_bar = false')\n"
        "for entity, reader in readers.items():\n"
        "    con.sql(f'create temp table {entity} as select * from {reader}')\n"
        "con.sql('create temp table person_keys as select person_id, row_number() over () :: integer as person_key '\n"
        "        'from people')\n"
        "for entity in readers:\n"
        "    con.sql(f'create temp table {entity}_keyed as select {entity}.*, person_key from {entity} '\n"
        "            'join person_keys using (person_id)')\n"
        "result = {}\n"
        "for variant, person, suffix in (('person_id', 'person_id', ''), ('integer key', 'person_key', '_keyed')):\n"
        "    tables = {entity: entity + suffix for entity in readers}\n"
        "    timed = {}\n"
        "    for label, query in queries:\n"
        "        sql = query.format(person=person, **tables)\n"
        "        started = time.perf_counter()\n"
        "        con.sql(sql).fetchall() if sql.startswith('select') else con.sql(sql)\n"
        "        timed[label] = time.perf_counter() - started\n"
        "    result[variant] = timed\n"
        "print(json.dumps(result))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps([readers, LEAST_WORK]),
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# --- one size ----------------------------------------------------------------------------------------------------


def backfill_from(months: int) -> str:
    """The first of `months` month-end as-of dates that end at AS_OF (`warehouse snapshot --every month`)."""
    year, month = int(AS_OF[:4]), int(AS_OF[5:7]) - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).isoformat()


def compare_peer(result: SizeResult, peer: Path, violations: Path) -> None:
    """The lean peer's findings against the checker's violations.csv, by key."""
    theirs = pl.read_parquet(peer).select(KEY).cast({"period": pl.Int32})
    ours = pl.read_csv(violations, schema_overrides={"township_code": pl.String, "person_id": pl.String,
                                                     "period": pl.Int32}).select(KEY)
    result.peer_found = theirs.height
    result.peer_missing = ours.join(theirs, on=KEY, how="anti", nulls_equal=True).head(20).to_dicts()
    result.peer_extra = theirs.join(ours, on=KEY, how="anti", nulls_equal=True).head(20).to_dicts()


def bench_size(n: int, repeat: int, work: Path, validate: bool, validate_timeout: float, seed: int,
               spark: dict | None = None, backfill_months: int = 0) -> SizeResult:
    """One size on DuckDB; then, when `spark` is given (repeat, timeout, models_only), on Spark over the last
    DuckDB run's loaded data."""
    result = SizeResult(townships=n)
    data = work / f"data_{n}"
    shutil.rmtree(data, ignore_errors=True)
    gen_root = work / f"gen_{n}"
    gen_root.mkdir(parents=True, exist_ok=True)
    log = work / f"bench_{n}.log"
    log.unlink(missing_ok=True)
    print(f"[{n:,}] generate", flush=True)
    result.generate = measure(
        warehouse("generate", "--townships", str(n), "--seed", str(seed), "--out", str(data), "--as-of", AS_OF),
        isolated_env(gen_root), log,
    )
    if result.generate.status != 0:
        raise SystemExit(f"warehouse generate failed; see {log}")
    manifest = json.loads((data / "generate_manifest.json").read_text(encoding="utf-8"))
    result.rows = manifest["counts"]
    result.input_mib = sum(p.stat().st_size for p in data.iterdir() if p.stem in ENTITIES) / 2**20
    result.planted = manifest["planted_findings"]
    print(f"[{n:,}] least work", flush=True)
    result.least_work = time_least_work(data)
    for i in range(repeat):
        print(f"[{n:,}] floor, run {i + 1}/{repeat}", flush=True)
        wall, cpu = time_floor(data)
        result.floor.append(wall)
        result.floor_cpu.append(cpu)
        root = work / f"run_{n}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        env = isolated_env(root)
        commands = {
            "load": warehouse("load", str(data)),
            "build": warehouse("build", "--as-of", AS_OF),
            "export": warehouse("export", str(root / "out")),
        }
        if validate:
            commands["validate"] = warehouse("validate", "--out", str(root / "validation"))
        # Issue 18: the one command an analyst runs, on a warehouse of its own, beside the lean peer over the same
        # load (interleaved, so both see the same machine), and a backfill of `backfill_months` month-ends.
        run_root = work / f"run_command_{n}"
        shutil.rmtree(run_root, ignore_errors=True)
        run_root.mkdir(parents=True)
        commands["run"] = warehouse("run", "--input", str(data), "--as-of", AS_OF, "--out", str(run_root / "out"))
        commands["peer"] = [sys.executable, str(PROJECT / "bench" / "peer.py"),
                            str(root / "warehouse_loaded" / "current"), "--as-of", AS_OF,
                            "--out", str(root / "peer.parquet")]
        if backfill_months:
            result.backfill_dates = backfill_months
            commands["backfill"] = warehouse("snapshot", "--from", backfill_from(backfill_months), "--to", AS_OF,
                                             "--every", "month")
        for step, args in commands.items():
            print(f"[{n:,}] {step}, run {i + 1}/{repeat}", flush=True)
            timeout = validate_timeout if step == "validate" else None
            measured = measure(args, isolated_env(run_root) if step == "run" else env, log, timeout=timeout)
            result.steps.setdefault(step, []).append(measured)
            if measured.status != 0 and step != "validate":
                raise SystemExit(f"warehouse {step} failed at N = {n:,}; see {log}")
        if i == repeat - 1:
            compare(result, data, root / "out" / "violations.csv")
            compare_peer(result, root / "peer.parquet", run_root / "out" / "violations.csv")
            profile(result, root / "target" / "run_results.json")
            if spark is not None:
                result.spark = bench_spark(n, root, log, **spark)
    return result


def bench_spark(n: int, root: Path, log: Path, repeat: int, timeout: float, models_only: bool) -> SparkResult:
    """The Spark steps over the warehouse under `root`, already loaded (and built and exported by DuckDB, in
    `root/out`): each Spark build on a fresh Spark warehouse (`root/warehouse_spark`, as a first build, like the
    DuckDB builds on a fresh warehouse), then the export of the last full build, compared byte for byte with
    DuckDB's. With `models_only`, both engines also build without data tests (DuckDB's run after its export)."""
    label = f"{n:,}" if n else "empty"
    spark = SparkResult(townships=n)
    env = isolated_env(root)
    steps: dict[str, list[str]] = {}
    if models_only:
        steps["duckdb_build_models"] = warehouse("build", "--skip-data-tests", "--as-of", AS_OF)
        steps["build_models"] = warehouse("build", "--engine", "spark", "--skip-data-tests", "--as-of", AS_OF)
    steps["build"] = warehouse("build", "--engine", "spark", "--as-of", AS_OF)
    for i in range(repeat):
        for step, args in steps.items():
            if step != "duckdb_build_models":
                shutil.rmtree(root / "warehouse_spark", ignore_errors=True)
            print(f"[{label}] spark {step}, run {i + 1}/{repeat}", flush=True)
            measured = measure(args, env, log, timeout=None if step.startswith("duckdb") else timeout)
            spark.steps.setdefault(step, []).append(measured)
            _report_failure(label, step, measured, timeout, log)
    run_results = root / "target" / "spark" / "run_results.json"
    if spark.steps["build"][-1].status == 0 and run_results.exists():
        document = json.loads(run_results.read_text(encoding="utf-8"))
        spark.dbt_elapsed = float(document.get("elapsed_time", 0.0))
        spark.nodes, spark.by_kind = _kinds(document)
    if not n:
        return spark
    out = root / "out_spark"
    for i in range(repeat):
        if spark.steps["build"][-1].status != 0:
            break  # nothing to export: the last build failed or timed out
        shutil.rmtree(out, ignore_errors=True)
        print(f"[{label}] spark export, run {i + 1}/{repeat}", flush=True)
        measured = measure(warehouse("export", "--engine", "spark", str(out)), env, log, timeout=timeout)
        spark.steps.setdefault("export", []).append(measured)
        _report_failure(label, "export", measured, timeout, log)
    if spark.steps.get("export") and spark.steps["export"][-1].status == 0:
        for name in SPARK_COMPARED:
            duck, other = root / "out" / name, out / name
            if duck.exists() or other.exists():
                spark.identical[name] = duck.exists() and other.exists() and duck.read_bytes() == other.read_bytes()
    return spark


def _report_failure(label: str, step: str, measured: Measure, timeout: float, log: Path) -> None:
    if measured.status == -9:
        print(f"[{label}] spark {step} timed out after {timeout:.0f} s", file=sys.stderr, flush=True)
    elif measured.status != 0:
        print(f"[{label}] spark {step} failed (exit status {measured.status}); see {log}", file=sys.stderr, flush=True)


def _kinds(run_results: dict) -> tuple[dict[str, int], dict[str, float]]:
    """Nodes and summed node seconds by kind (model, test, seed, …) of a dbt run_results.json."""
    nodes: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for node in run_results.get("results", []):
        kind, _ = _node(node["unique_id"])
        nodes[kind] = nodes.get(kind, 0) + 1
        seconds[kind] = seconds.get(kind, 0.0) + float(node["execution_time"])
    return nodes, seconds


def compare(result: SizeResult, data: Path, violations: Path) -> None:
    planted = pl.read_parquet(data / "planted_violations.parquet").select(KEY)
    found = pl.read_csv(violations, schema_overrides={"township_code": pl.String, "person_id": pl.String,
                                                      "period": pl.Int32}).select(KEY)
    result.found = found.height
    result.missing = planted.join(found, on=KEY, how="anti", nulls_equal=True).head(20).to_dicts()
    result.extra = found.join(planted, on=KEY, how="anti", nulls_equal=True).head(20).to_dicts()


def profile(result: SizeResult, run_results: Path) -> None:
    document = json.loads(run_results.read_text(encoding="utf-8"))
    result.dbt_elapsed = float(document.get("elapsed_time", 0.0))
    nodes = []
    for node in document["results"]:
        kind, name = _node(node["unique_id"])
        nodes.append({"node": name, "kind": kind, "seconds": float(node["execution_time"])})
    result.by_kind = {}
    for node in nodes:
        result.by_kind[node["kind"]] = result.by_kind.get(node["kind"], 0.0) + node["seconds"]
    result.profile = sorted(nodes, key=lambda n: -n["seconds"])


def _node(unique_id: str) -> tuple[str, str]:
    kind, _, rest = unique_id.split(".", 2)
    name = rest.split(".")[0] if kind == "test" else rest
    return kind, name


def dbt_overhead(work: Path, repeat: int, spark: dict | None = None) -> Overhead:
    """`warehouse build` of a warehouse loaded from empty input files: what dbt costs with no data; with `spark`,
    also on Spark (and both engines without data tests) over the same empty load."""
    from warehouse.inputs.write import write_inputs
    from warehouse.synthetic.generate import synthesise

    empty = work / "data_empty"
    shutil.rmtree(empty, ignore_errors=True)
    frames = {name: frame.clear() for name, frame in synthesise(1, SEED).frames.items()}
    write_inputs(frames, empty, style="english", formats={name: "parquet" for name in frames})
    log = work / "bench_empty.log"
    log.unlink(missing_ok=True)
    builds = []
    for i in range(repeat):
        print(f"[empty] load and build, run {i + 1}/{repeat}", flush=True)
        root = work / "run_empty"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        env = isolated_env(root)
        if measure(warehouse("load", str(empty)), env, log).status != 0:
            raise SystemExit(f"warehouse load of empty files failed; see {log}")
        builds.append(measure(warehouse("build", "--as-of", AS_OF), env, log))
    overhead = Overhead(builds=builds)
    run_results = root / "target" / "run_results.json"
    if run_results.exists():
        overhead.nodes, overhead.by_kind = _kinds(json.loads(run_results.read_text(encoding="utf-8")))
    if spark is not None:
        overhead.spark = bench_spark(0, root, log, **spark)
    return overhead


# --- the machine -------------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from warehouse.engine.provenance import software_versions

    versions = software_versions(SOFTWARE)
    versions["java"] = java_version()
    commit = _git("rev-parse", "--short", "HEAD") or "?"
    dirty = bool(_git("status", "--porcelain", "--", "models", "macros", "warehouse"))
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "commit": commit + (" with uncommitted changes to models/, macros/ or warehouse/" if dirty else ""),
        "spark_settings": {
            "master": f"local[{os.environ.get('WAREHOUSE_SPARK_CORES', '*')}]",
            "driver memory": os.environ.get("WAREHOUSE_SPARK_MEMORY", "8g"),
            "shuffle partitions": os.environ.get("WAREHOUSE_SPARK_PARTITIONS", "8"),
        },
    }


def java_version() -> str:
    """The first line of `java -version` (the JVM pyspark starts: $JAVA_HOME/bin/java, else java on the PATH)."""
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else "java"
    try:
        result = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[0].replace('"', "") if lines else "unknown"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


# --- the report --------------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def step_median(result: SizeResult, step: str) -> tuple[float, float] | None:
    runs = [m for m in result.steps.get(step, []) if m.status == 0]
    if not runs:
        return None
    return median([m.seconds for m in runs]), max(m.peak_mib for m in runs)


def step_cpu(result: SizeResult, step: str) -> float | None:
    runs = [m.cpu_seconds for m in result.steps.get(step, []) if m.status == 0]
    return median(runs) if runs else None


def render(results: list[SizeResult], overhead_result: Overhead, info: dict, args: argparse.Namespace,
           validate: bool) -> str:
    overhead = overhead_result.builds
    fixed = median([m.seconds for m in overhead])
    lines = [
        "# Benchmark: the checker against the engine's floor",
        "",
        "Written by `python bench/run.py "
        f"--sizes {','.join(str(r.townships) for r in results)} --repeat {args.repeat} "
        f"--spark-sizes '{args.spark_sizes}'"
        + (f" --spark-repeat {args.spark_repeat}" if args.spark_sizes else "") + "` "
        f"on {info['date']} (see bench/README.md). Do not edit above the analysis marker: a re-run rewrites it.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory_gib']} GiB; {info['os']}",
        f"- Load average when the benchmark started: {', '.join(map(str, info['load_average']))} "
        "(the machine is shared with other engineers: timings are noisy, compare medians)",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
        f"- Project: commit {info['commit']}",
        "- Spark (local session): " + ", ".join(f"{k} {v}" for k, v in info["spark_settings"].items())
        + " (WAREHOUSE_SPARK_CORES, WAREHOUSE_SPARK_MEMORY, WAREHOUSE_SPARK_PARTITIONS)",
        f"- As-of date {AS_OF}, seed {args.seed}; runs per size: {args.repeat} "
        f"({args.repeat_large} at {LARGE:,} townships and more)",
        "",
        "## Data sets (`warehouse generate`, Parquet)",
        "",
        "| townships | units | people | postings | appraisals | input MiB | generate s | generate peak MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        g = r.generate
        assert g is not None
        lines.append(
            f"| {r.townships:,} | {r.rows['units']:,} | {r.rows['people']:,} | {r.rows['postings']:,} | "
            f"{r.rows['appraisals']:,} | {r.input_mib:,.0f} | {g.seconds:.1f} | {g.peak_mib:,.0f} |"
        )
    lines += render_every_command(results, overhead_result)
    lines += [
        "",
        "## Steps against the floor",
        "",
        "Median seconds (× the floor) and the peak memory of the step's process tree over its runs. The floor is "
        "one DuckDB query reading every column of every input file once. Each step is a separate command, "
        "started as a user starts it (Python start-up and imports included).",
        "",
        "| townships | runs | floor s | load | build | export | validate | load+build+export | "
        "build − dbt overhead |",
        "|---:|---:|---:|---|---|---|---|---|---|",
    ]
    for r in results:
        floor = median(r.floor)
        cells = []
        total = 0.0
        for step in STEPS:
            measured = step_median(r, step)
            if step == "validate" and not validate:
                cells.append("not available")
                continue
            if measured is None:
                failed = r.steps.get(step, [])
                cells.append("timed out" if failed and failed[0].status == -9 else "failed")
                continue
            seconds, peak = measured
            if step != "validate":
                total += seconds
            cells.append(f"{seconds:.1f} s (×{seconds / floor:.0f}), {peak:,.0f} MiB")
        build = step_median(r, "build")
        net = (build[0] - fixed) if build else float("nan")
        runs = len(r.floor)
        lines.append(
            f"| {r.townships:,} | {runs} | {floor:.2f} | " + " | ".join(cells)
            + f" | {total:.1f} s | {net:.1f} s (×{net / floor:.1f}) |"
        )
    fixed_cpu = median([m.cpu_seconds for m in overhead])
    lines += [
        "",
        f"dbt's fixed overhead (`warehouse build` of a warehouse loaded from empty files, median of "
        f"{len(overhead)}): **{fixed:.1f} s** wall, {fixed_cpu:.1f} s CPU, peak "
        f"{max(m.peak_mib for m in overhead):,.0f} MiB. It holds dbt's start-up and parsing and "
        + (_node_counts(overhead_result.nodes) if overhead_result.nodes else "every node of the build")
        + " on no rows.",
        "",
        "The same medians in CPU seconds (user + system of the whole process tree, × the floor's CPU seconds). Wall "
        "time on a shared 2-core machine moves with whatever else runs; CPU time moves much less, so this is the "
        "table to compare runs and changes with.",
        "",
        "| townships | floor CPU s | load | build | export | validate | build − dbt overhead |",
        "|---:|---:|---|---|---|---|---|",
    ]
    for r in results:
        floor_cpu = median(r.floor_cpu)
        cells = []
        for step in STEPS:
            cpu = step_cpu(r, step)
            cells.append("–" if cpu is None else f"{cpu:.1f} (×{cpu / floor_cpu:.0f})")
        build_cpu = step_cpu(r, "build")
        net_cpu = build_cpu - fixed_cpu if build_cpu is not None else float("nan")
        lines.append(f"| {r.townships:,} | {floor_cpu:.2f} | " + " | ".join(cells)
                     + f" | {net_cpu:.1f} (×{net_cpu / floor_cpu:.1f}) |")
    lines.append("")
    largest = results[-1]
    build = step_median(largest, "build")
    load, export = step_median(largest, "load"), step_median(largest, "export")
    if build and load and export:
        end_to_end = load[0] + build[0] + export[0]
        peak = max(load[1], build[1], export[1])
        net = build[0] - fixed
        floor = median(largest.floor)
        lines += [
            f"## Goals at N = {largest.townships:,} on this machine",
            "",
            "| goal | measured | met |",
            "|---|---|---|",
            f"| `warehouse run` (load, build, export) under 60 s | {end_to_end:.1f} s | "
            f"{'yes' if end_to_end < 60 else 'no'} |",
            f"| peak memory under 6 GiB | {peak / 1024:.1f} GiB | {'yes' if peak < 6 * 1024 else 'no'} |",
            f"| build less dbt's overhead under 5× the floor (wall) | {net:.1f} s = ×{net / floor:.1f} | "
            f"{'yes' if net < 5 * floor else 'no'} |",
        ]
        build_cpu, floor_cpu = step_cpu(largest, "build"), median(largest.floor_cpu)
        if build_cpu is not None:
            net_cpu = build_cpu - fixed_cpu
            lines.append(
                f"| the same in CPU time | {net_cpu:.1f} s = ×{net_cpu / floor_cpu:.1f} | "
                f"{'yes' if net_cpu < 5 * floor_cpu else 'no'} |"
            )
            for variant in largest.least_work:
                least = _least_total(largest, variant)
                lines.append(
                    f"| (for scale) the least work a build must do (`LEAST_WORK` below), {variant} | {least:.1f} s = "
                    f"×{least / floor:.1f} | {'below' if least < 5 * floor else 'above'} the 5× goal |"
                )
        lines.append("")
    lines += render_least_work(results)
    lines += render_spark(results, overhead_result, info, args)
    lines += [
        "## Correctness: planted findings against the violations found",
        "",
        "| townships | planted | found | planted, not found | found, not planted | equal |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        equal = not r.missing and not r.extra and r.planted == r.found
        lines.append(f"| {r.townships:,} | {r.planted:,} | {r.found:,} | {len(r.missing)} | {len(r.extra)} | "
                     f"{'yes' if equal else '**no**'} |")
    for r in results:
        for label, rows in (("planted, not found", r.missing), ("found, not planted", r.extra)):
            if rows:
                lines += ["", f"N = {r.townships:,}, {label} (first 20):", ""]
                lines += [f"- {row}" for row in rows]
    lines += [
        "",
        f"## Profile of the build at N = {largest.townships:,} (dbt run_results.json, last run)",
        "",
        f"dbt's elapsed time {largest.dbt_elapsed:.1f} s with 2 threads; summed node time by kind: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(largest.by_kind.items(), key=lambda kv: -kv[1])) + ".",
        "",
        "| node | kind | seconds |",
        "|---|---|---:|",
    ]
    for node in largest.profile[:20]:
        lines.append(f"| {node['node']} | {node['kind']} | {node['seconds']:.2f} |")
    lines += ["", "Slowest models at every size:", "", "| model | " + " | ".join(
        f"N = {r.townships:,}" for r in results) + " |", "|---|" + "---:|" * len(results)]
    top = [n["node"] for n in largest.profile if n["kind"] == "model"][:10]
    for name in top:
        cells = []
        for r in results:
            seconds = next((n["seconds"] for n in r.profile if n["node"] == name and n["kind"] == "model"), None)
            cells.append(f"{seconds:.2f}" if seconds is not None else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def _cell(result: SizeResult, step: str) -> str:
    """`wall s / CPU s / peak MiB` of a step's median run, or why there is none."""
    measured, cpu = step_median(result, step), step_cpu(result, step)
    if measured is None or cpu is None:
        runs = result.steps.get(step, [])
        return "not run" if not runs else ("timed out" if runs[0].status == -9 else "failed")
    return f"{measured[0]:.1f} s / {cpu:.1f} s / {measured[1]:,.0f} MiB"


def _times(result: SizeResult, step: str, than: str) -> str:
    mine, theirs = step_median(result, step), step_median(result, than)
    return f"×{mine[0] / theirs[0]:.2f}" if mine and theirs and theirs[0] else "–"


def render_every_command(results: list[SizeResult], overhead: Overhead) -> list[str]:
    """Issue 18's table: each command's wall, CPU and peak memory, `run` against the lean peer, validate against
    the build, the backfill against one run."""
    fixed = median([m.seconds for m in overhead.builds])
    months = max((r.backfill_dates for r in results), default=0)
    lines = [
        "",
        "## Every command, and `warehouse run` against the lean peer",
        "",
        "Each cell: median wall seconds / CPU seconds / peak MiB of the command's process tree. `run` is "
        "`warehouse run --input … --out …` on a fresh warehouse (load, build, export: what an analyst types); the "
        "peer is `bench/peer.py`, the twelve shipped rules in one plain DuckDB script over the same load, timed "
        "beside it; its findings are checked equal to the checker's by key (rule, township, person, period). "
        + (f"The backfill is `warehouse snapshot --every month` over {months} month-ends ending {AS_OF}, "
           "on the build's warehouse. " if months else "")
        + f"dbt's fixed cost (a build of empty inputs) is {fixed:.1f} s.",
        "",
        "| townships | run | peer | run ÷ peer | peer findings equal | load | build | export | validate | "
        "validate ÷ build | backfill | backfill ÷ run |",
        "|---:|---|---|---:|---|---|---|---|---|---:|---|---:|",
    ]
    for r in results:
        equal = ("yes" if not (r.peer_missing or r.peer_extra) else
                 f"no: {len(r.peer_missing)} missing, {len(r.peer_extra)} extra") + f" ({r.peer_found:,})"
        lines.append(
            f"| {r.townships:,} | {_cell(r, 'run')} | {_cell(r, 'peer')} | {_times(r, 'run', 'peer')} | {equal} | "
            + " | ".join(_cell(r, step) for step in STEPS)
            + f" | {_times(r, 'validate', 'build')} | {_cell(r, 'backfill')} | {_times(r, 'backfill', 'run')} |"
        )
    return lines


def _least_total(result: SizeResult, variant: str) -> float | None:
    timed = result.least_work.get(variant)
    return sum(timed.values()) if timed else None


def render_least_work(results: list[SizeResult]) -> list[str]:
    """The lower bound of LEAST_WORK against the floor, query by query."""
    measured = [r for r in results if r.least_work]
    if not measured:
        return []
    variants = list(measured[0].least_work)
    lines = [
        "## The least work a build must do",
        "",
        "Bare DuckDB queries for what any build under the contract has to compute, on the inputs already in memory "
        "(reading them is not timed), one after another in a fresh process: the key checks issue 2 asks of staging, "
        "one ordering of every person's postings with the next posting beside each (moves, transfer locks and "
        "merged experience all need it) and the appraisal tallies (the excellent ratio). No rule logic, nothing "
        "written to a file, no dbt. Once with person_id as loaded (text) and once with a dense integer person key "
        "(assigned untimed; the loader does not make one). Seconds, one run each.",
        "",
        "| query | " + " | ".join(f"N = {r.townships:,}, {v}" for r in measured for v in variants) + " |",
        "|---|" + "---:|" * (len(measured) * len(variants)),
    ]
    for label, _ in LEAST_WORK:
        cells = [f"{r.least_work[v].get(label, float('nan')):.2f}" for r in measured for v in variants]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    totals = [f"**{_least_total(r, v):.2f}** (×{_least_total(r, v) / median(r.floor):.1f} the floor)"
              for r in measured for v in variants]
    lines += ["| total | " + " | ".join(totals) + " |", ""]
    return lines


KIND_NAMES = {"model": "models", "test": "data tests", "seed": "seeds", "unit_test": "unit tests",
              "operation": "operations", "snapshot": "snapshots"}


def _node_counts(nodes: dict[str, int]) -> str:
    """"52 models, 201 data tests and 9 seeds"."""
    parts = [f"{count} {KIND_NAMES.get(kind, kind)}" for kind, count in sorted(nodes.items(), key=lambda kv: -kv[1])]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


@dataclass
class Summary:
    seconds: float
    cpu: float
    peak_mib: float
    orphan_cpu: float
    runs: int


def summarise(runs: list[Measure] | None) -> Summary | None:
    """Medians of the runs that succeeded (peak: the largest), or None."""
    ok = [m for m in runs or [] if m.status == 0]
    if not ok:
        return None
    return Summary(median([m.seconds for m in ok]), median([m.cpu_seconds for m in ok]), max(m.peak_mib for m in ok),
                   median([m.orphan_cpu_seconds for m in ok]), len(ok))


def _state(runs: list[Measure] | None, timeout: float) -> str:
    if not runs:
        return "not run"
    if all(m.status == -9 for m in runs):
        return f"timed out (> {timeout:,.0f} s)"
    return "failed"


def _ratio(spark: float, duck: float) -> str:
    return f"×{spark / duck:.1f}" if duck > 0 else "–"


def render_spark(results: list[SizeResult], overhead: Overhead, info: dict, args: argparse.Namespace) -> list[str]:
    """Section "Spark (local session) beside DuckDB": the fixed overhead, a table per size, the outputs compared,
    and a paragraph written from the figures."""
    spark_results = [r for r in results if r.spark is not None]
    if not spark_results:
        return []
    settings = info["spark_settings"]
    timeout = args.spark_timeout
    empty = overhead.spark
    lines = [
        "## Spark (local session) beside DuckDB",
        "",
        "The same dbt models on Apache Spark through dbt-spark: `warehouse build --engine spark` (profiles.yml target "
        f"`spark`, `method: session`: Spark runs inside dbt's Python process, `{settings['master']}` on this "
        f"machine's {info['cores']} cores, driver memory {settings['driver memory']}, "
        f"{settings['shuffle partitions']} shuffle partitions) and `warehouse export --engine spark`, over the same "
        "loaded Parquet folders as the last DuckDB run of the same size (the load is shared by both engines and not "
        "repeated). Every Spark build starts on a fresh Spark warehouse and metastore, as every DuckDB build starts on "
        f"a freshly loaded warehouse. Spark: median of {args.spark_repeat} run(s), each step stopped after "
        f"{timeout:,.0f} s; DuckDB: the medians above, and for the build without data tests, a build of the same "
        "warehouse right after the DuckDB export, as many times as Spark's. \"Fixed overhead\" is each engine's build "
        "of the empty data set.",
        "",
        "CPU is user + system seconds of the command's whole process tree, the JVM included: pyspark starts the JVM "
        "and never waits for it, so the kernel does not add its time to dbt's; the benchmark makes itself the "
        "children's subreaper, reaps the JVM when it is orphaned and adds its time"
        + ("" if info.get("subreaper") else " (**not available on this machine: the JVM is missing from CPU**)")
        + ". Peak memory is the largest sum of resident memory over the tree, JVM included; the JVM grows its heap "
        "towards the driver memory before it collects garbage, so Spark's peak is what it took, not what it needed.",
        "",
    ]

    def row(label: str, duck: Summary | None, duck_state: str, spark: Summary | None, spark_state: str,
            peak: bool = True) -> str:
        cells = [label]
        cells.append(f"{duck.seconds:.1f} s" if duck else duck_state)
        cells.append(f"{spark.seconds:.1f} s" if spark else spark_state)
        if duck and spark:
            cells.append(_ratio(spark.seconds, duck.seconds))
        elif duck and spark_state.startswith("timed out"):
            cells.append(f"> ×{timeout / duck.seconds:.0f}")
        else:
            cells.append("–")
        cells.append(f"{duck.cpu:.1f}" if duck else "–")
        reaped = f" ({spark.orphan_cpu:.1f})" if spark and spark.orphan_cpu else ""
        cells.append(f"{spark.cpu:.1f}{reaped}" if spark else "–")
        cells.append(_ratio(spark.cpu, duck.cpu) if duck and spark else "–")
        cells.append((f"{duck.peak_mib:,.0f}" if duck else "–") if peak else "")
        cells.append((f"{spark.peak_mib:,.0f}" if spark else "–") if peak else "")
        return "| " + " | ".join(cells) + " |"

    header = [
        "| step | DuckDB | Spark | Spark ÷ DuckDB | DuckDB CPU s | Spark CPU s (JVM reaped) | CPU ratio | "
        "DuckDB peak MiB | Spark peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    duck_empty = summarise(overhead.builds)
    duck_empty_models = summarise(empty.steps.get("duckdb_build_models")) if empty else None
    spark_empty = summarise(empty.steps.get("build")) if empty else None
    spark_empty_models = summarise(empty.steps.get("build_models")) if empty else None
    if empty is not None:
        lines += ["### Fixed overhead: the empty data set", "", *header]
        lines.append(row(SPARK_STEPS["build"], duck_empty, "–", spark_empty,
                         _state(empty.steps.get("build"), timeout)))
        if "build_models" in empty.steps:
            lines.append(row(SPARK_STEPS["build_models"], duck_empty_models,
                             _state(empty.steps.get("duckdb_build_models"), timeout), spark_empty_models,
                             _state(empty.steps.get("build_models"), timeout)))
        lines.append("")
        if empty.nodes and overhead.by_kind:
            count = sum(empty.nodes.values())
            spark_nodes, duck_nodes = sum(empty.by_kind.values()), sum(overhead.by_kind.values())
            lines += [
                f"The build has {count} dbt nodes ({_node_counts(empty.nodes)}). On no rows their summed node time "
                f"is {spark_nodes:.1f} s on Spark ({spark_nodes / count:.2f} s a node) and {duck_nodes:.1f} s on "
                f"DuckDB ({duck_nodes / count:.3f} s a node); dbt's elapsed time on Spark {empty.dbt_elapsed:.1f} s "
                "with 2 threads.",
                "",
            ]
    for r in spark_results:
        sp = r.spark
        assert sp is not None
        duck = {
            "build": summarise(r.steps.get("build")),
            "build_models": summarise(sp.steps.get("duckdb_build_models")),
            "export": summarise(r.steps.get("export")),
        }
        lines += [f"### N = {r.townships:,} townships", "", *header]
        for key, label in SPARK_STEPS.items():
            if key == "build_models" and key not in sp.steps:
                continue
            spark = summarise(sp.steps.get(key))
            lines.append(row(label, duck[key], "–", spark, _state(sp.steps.get(key), timeout)))
            if key == "build":
                net_duck = net_spark = None
                if duck["build"] and duck_empty:
                    net_duck = Summary(duck["build"].seconds - duck_empty.seconds, duck["build"].cpu - duck_empty.cpu,
                                       float("nan"), 0.0, 0)
                if spark and spark_empty:
                    net_spark = Summary(spark.seconds - spark_empty.seconds, spark.cpu - spark_empty.cpu, float("nan"),
                                        spark.orphan_cpu - spark_empty.orphan_cpu, 0)
                lines.append(row("build less its engine's fixed overhead", net_duck, "–", net_spark, "–",
                                 peak=False))
        lines.append("")
    lines += [
        "Spark's export against DuckDB's of the same size, byte for byte:",
        "",
        "| townships | " + " | ".join(SPARK_COMPARED) + " |",
        "|---:|" + "---|" * len(SPARK_COMPARED),
    ]
    for r in spark_results:
        assert r.spark is not None
        cells = []
        for name in SPARK_COMPARED:
            same = r.spark.identical.get(name)
            cells.append("not compared" if same is None else "identical" if same else "**differs**")
        lines.append(f"| {r.townships:,} | " + " | ".join(cells) + " |")
    lines += ["", "### What the figures say", ""]
    lines += [_spark_prose(spark_results, overhead, info, timeout), ""]
    return lines


def _spark_prose(results: list[SizeResult], overhead: Overhead, info: dict, timeout: float) -> str:
    """A paragraph computed from the measurements: every figure in it comes from the tables above."""
    sentences = []
    duck_empty = summarise(overhead.builds)
    empty = overhead.spark
    spark_empty = summarise(empty.steps.get("build")) if empty else None
    pairs = []  # (N, DuckDB build, Spark build) where both finished
    comparisons = []
    for r in results:
        assert r.spark is not None
        duck, spark = summarise(r.steps.get("build")), summarise(r.spark.steps.get("build"))
        if duck and spark:
            pairs.append((r.townships, duck, spark))
            word = "slower" if spark.seconds > duck.seconds else "faster"
            factor = spark.seconds / duck.seconds if word == "slower" else duck.seconds / spark.seconds
            comparisons.append(f"{factor:.1f}× {word} at {r.townships:,} townships ({spark.seconds:.0f} s against "
                               f"{duck.seconds:.0f} s; ×{spark.cpu / duck.cpu:.1f} in CPU time)")
        elif duck:
            comparisons.append(f"{_state(r.spark.steps.get('build'), timeout)} at {r.townships:,} townships "
                               f"against DuckDB's {duck.seconds:.0f} s")
    if comparisons:
        sentences.append(f"On this {info['cores']}-core machine Spark's full build is "
                         + "; ".join(comparisons) + ".")
    if spark_empty and duck_empty and empty and empty.nodes:
        count = sum(empty.nodes.values())
        tests = empty.nodes.get("test", 0)
        sentence = (f"On the empty data set Spark's build already takes {spark_empty.seconds:.0f} s against "
                    f"DuckDB's {duck_empty.seconds:.0f} s: each of its {count} dbt nodes "
                    f"({empty.nodes.get('model', 0)} models, {tests} data tests) runs as Spark jobs with their own "
                    "planning, scheduling and metastore calls, whatever the rows")
        if tests and empty.by_kind.get("test") and overhead.by_kind.get("test"):
            sentence += (f"; a data test on no rows takes {empty.by_kind['test'] / tests:.2f} s of node time on Spark "
                         f"against {overhead.by_kind['test'] / overhead.nodes.get('test', tests):.3f} s on DuckDB")
        sentences.append(sentence + ".")
        shares = [((spark_empty.seconds - duck_empty.seconds) / (spark.seconds - duck.seconds), n)
                  for n, duck, spark in pairs if spark.seconds > duck.seconds]
        if shares and spark_empty.seconds > duck_empty.seconds:
            sentences.append(
                f"This gap on no rows ({spark_empty.seconds - duck_empty.seconds:.0f} s) makes up {shares[0][0]:.0%} "
                f"of the gap between the two builds at {shares[0][1]:,} townships"
                + "".join(f" and {share:.0%} at {n:,}" for share, n in shares[1:]) + "."
            )
    slopes = crossover = None
    if len(pairs) >= 2 and spark_empty and duck_empty:
        (n1, d1, s1), (n2, d2, s2) = pairs[0], pairs[-1]
        net = [x.seconds - f.seconds for x, f in ((d1, duck_empty), (d2, duck_empty), (s1, spark_empty),
                                                   (s2, spark_empty))]
        slope_duck, slope_spark = (net[1] - net[0]) / (n2 - n1), (net[3] - net[2]) / (n2 - n1)
        sentence = (f"From {n1:,} to {n2:,} townships ({n2 / n1:.0f}× the data) the build less the fixed overhead "
                    f"went from {net[2]:.0f} to {net[3]:.0f} s on Spark and from {net[0]:.0f} to {net[1]:.0f} s on "
                    "DuckDB")
        if slope_duck > 0 and slope_spark > 0:
            slopes = (slope_duck, slope_spark, n2)
            sentence += (f": each further 10,000 townships cost Spark {slope_spark * 1e4:,.0f} s and DuckDB "
                         f"{slope_duck * 1e4:,.0f} s on the same cores, ×{slope_spark / slope_duck:.1f}")
        sentences.append(sentence + ".")
    largest = results[-1]
    peaks = [(measured[1], step) for step in ("load", "build", "export")
             if (measured := step_median(largest, step)) is not None]
    memory = info["memory_gib"] * 1024
    capacity = memory / max(peaks)[0] * largest.townships if peaks else None
    if slopes and spark_empty and duck_empty:
        slope_duck, slope_spark, n2 = slopes
        ratio = slope_spark / slope_duck
        machines = max(2, int(2 * ratio + 0.999))
        gap = spark_empty.seconds - duck_empty.seconds
        if ratio > 1:
            crossover = gap / (slope_duck - slope_spark / machines) if gap > 0 else 0.0
            sentences.append(
                "A cluster divides at best the part that grows with the data by its number of machines (and adds "
                "shuffles over the network), and leaves the per-statement overhead as it is: extrapolating these two "
                f"sizes linearly, it would need more than {ratio:.1f} machines like this one just to grow as slowly "
                f"as DuckDB on one, and with {machines} it would make up Spark's larger fixed overhead only beyond "
                f"about {crossover:,.0f} townships' worth of data, {crossover / n2:.0f}× the {n2:,} measured here"
                + (f", {'beyond' if crossover > capacity else 'within'} the roughly {capacity:,.0f} that one "
                   "machine holds in memory (next sentence)" if capacity else "") + "."
            )
        else:
            sentences.append("Spark's part that grows with the data grows no faster than DuckDB's here: its extra time "
                             "is the fixed overhead.")
    if peaks and capacity:
        peak, step = max(peaks)
        sentences.append(
            f"One machine's hard limit is memory: at {largest.townships:,} townships DuckDB's load, "
            "build and export peak at "
            f"{peak / 1024:.1f} GiB ({step}), {peak / memory:.0%} of this machine's {info['memory_gib']} GiB, so "
            f"(linearly) one such machine holds about {capacity:,.0f} townships' worth of data in one build "
            f"({capacity / largest.townships:.0f}× this size), and DuckDB can spill to disk beyond its memory limit. "
            + (f"A cluster of {machines} such machines would pay off beyond the crossover above, and a cluster is the "
               "way once the data outgrows one machine" if crossover is not None and crossover < capacity
               else "A cluster pays off when the data outgrows one machine")
            + ": decades of monthly as-of dates judged in one build, or the marts joined with other national data "
            "already on the cluster"
            + (", not one national check." if crossover is None or crossover > largest.townships else ".")
        )
    sentences.append(
        f"{len(results)} size{'s' if len(results) > 1 else ''}, {len(results[0].spark.steps['build'])} Spark "
        f"run(s) each, on a shared machine (load average {', '.join(map(str, info['load_average']))} at the start): "
        "the extrapolations are rough; the order of magnitude is what they show."
    )
    return " ".join(sentences)


def write_report(path: Path, text: str) -> None:
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if ANALYSIS_MARKER in old:
            kept = old.split(ANALYSIS_MARKER, 1)[1]
    path.write_text(text + "\n" + ANALYSIS_MARKER + (kept or "\n\n## Analysis\n\n(to be written)\n"),
                    encoding="utf-8")


def load_results(path: Path) -> tuple[list[SizeResult], Overhead, dict]:
    """A run's results.json back into its measurements, to write the report again without measuring."""
    data = json.loads(path.read_text(encoding="utf-8"))

    def runs(steps: dict) -> dict[str, list[Measure]]:
        return {step: [Measure(**m) for m in measured] for step, measured in steps.items()}

    def spark(d: dict | None) -> SparkResult | None:
        return None if d is None else SparkResult(**(d | {"steps": runs(d["steps"])}))

    sizes = [
        SizeResult(**(d | {"generate": d["generate"] and Measure(**d["generate"]), "steps": runs(d["steps"]),
                           "spark": spark(d["spark"])}))
        for d in data["sizes"]
    ]
    o = data["overhead"]
    overhead = Overhead(**(o | {"builds": [Measure(**m) for m in o["builds"]], "spark": spark(o["spark"])}))
    return sizes, overhead, data["machine"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,40000", help="townships per data set, comma separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median reported)")
    parser.add_argument("--repeat-large", type=int, default=1, help=f"runs per size of {LARGE:,} townships or more")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--work", type=Path, default=Path("/tmp/warehouse-bench"), help="data and warehouses")
    parser.add_argument("--report", type=Path, default=PROJECT / "bench" / "REPORT.md")
    parser.add_argument("--validate-timeout", type=float, default=1800, help="seconds before validate is stopped")
    parser.add_argument("--no-validate", action="store_true", help="skip `warehouse validate`")
    parser.add_argument("--backfill-months", type=int, default=120,
                        help="month-end dates of the timed backfill (`warehouse snapshot --every month`); 0: none")
    parser.add_argument(
        "--spark-sizes", default=None,
        help="sizes (among --sizes) also built on a local Spark session; default those of "
        f"{','.join(map(str, SPARK_SIZES))} among --sizes; '' for none",
    )
    parser.add_argument("--spark-repeat", type=int, default=1, help="runs of each Spark step (median reported)")
    parser.add_argument(
        "--spark-models-only-sizes", default=str(SPARK_SIZES[0]),
        help="Spark sizes at which both engines also build without data tests (--skip-data-tests); '' for none",
    )
    parser.add_argument("--spark-timeout", type=float, default=2700, help="seconds before a Spark step is stopped")
    parser.add_argument("--from-results", type=Path, metavar="RESULTS_JSON",
                        help="measure nothing: write the report from a run's results.json (give that run's options)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.spark_sizes is None:
        args.spark_sizes = ",".join(str(n) for n in SPARK_SIZES if n in sizes)
    spark_sizes = [int(s) for s in args.spark_sizes.split(",") if s.strip()]
    models_only = {int(s) for s in args.spark_models_only_sizes.split(",") if s.strip()}
    if not set(spark_sizes) <= set(sizes):
        parser.error(f"--spark-sizes {args.spark_sizes}: every Spark size must be among --sizes {args.sizes} "
                     "(Spark reuses the data and the load of the DuckDB run)")
    if args.from_results:
        results, overhead, info = load_results(args.from_results)
        validate = any("validate" in r.steps for r in results)
        write_report(args.report, render(results, overhead, info, args, validate))
        print(f"report: {args.report} (from {args.from_results})")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["subreaper"] = become_subreaper()
    if spark_sizes and not info["subreaper"]:
        print("warning: cannot become a child subreaper: Spark's CPU time will leave out the JVM", file=sys.stderr)
    validate = has_validate() and not args.no_validate
    print(f"benchmarking {PROJECT} (validate: {'yes' if validate else 'not available'}; Spark at "
          f"{', '.join(f'{n:,}' for n in spark_sizes) or 'no size'})", flush=True)

    def spark_at(n: int | None) -> dict | None:
        if n is not None and n not in spark_sizes or not spark_sizes:
            return None
        return {"repeat": args.spark_repeat, "timeout": args.spark_timeout,
                "models_only": n is None or n in models_only}

    overhead = dbt_overhead(args.work, args.repeat, spark_at(None))
    results = []
    for n in sorted(sizes):
        repeat = args.repeat_large if n >= LARGE else args.repeat
        results.append(bench_size(n, repeat, args.work, validate, args.validate_timeout, args.seed, spark_at(n),
                                  args.backfill_months))
        (args.work / "results.json").write_text(
            json.dumps({"machine": info, "overhead": asdict(overhead),
                        "sizes": [asdict(r) for r in results]}, indent=2, default=str),
            encoding="utf-8",
        )
    write_report(args.report, render(results, overhead, info, args, validate))
    print(f"report: {args.report}")
    status = 0
    failed = [r.townships for r in results if r.missing or r.extra]
    if failed:
        print(f"planted findings differ from those found at N = {failed}", file=sys.stderr)
        status = 1
    unequal = [r.townships for r in results if r.peer_missing or r.peer_extra]
    if unequal:
        print(f"the lean peer's findings differ from the checker's at N = {unequal}", file=sys.stderr)
        status = 1
    differing = [r.townships for r in results if r.spark and not all(r.spark.identical.values())]
    if differing:
        print(f"Spark's outputs differ from DuckDB's at N = {differing}", file=sys.stderr)
        status = 1
    broken = [r.townships for r in [*results, SizeResult(0, spark=overhead.spark)] if r.spark
              for runs in r.spark.steps.values() for m in runs if m.status not in (0, -9)]
    if broken:
        print(f"a Spark step failed at N = {sorted(set(broken))}", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the checker against the engine's floor, at national scale, and write bench/REPORT.md.

    python bench/run.py [--sizes 1000,10000,40000] [--repeat 3] [--work /tmp/warehouse-bench]

For each size N: `warehouse generate` a synthetic country of N townships (warehouse/generate.py); time the floor —
one DuckDB query that reads every column of every input file once; then, `--repeat` times on a fresh warehouse,
time `warehouse load`, `warehouse build`, `warehouse export` and `warehouse validate` (when the command exists) as
a user runs them, each in its own process, sampling the peak memory of its whole process tree (dbt runs in a
child). Medians are reported, with each step as a multiple of the floor. dbt's fixed overhead is the build of a
warehouse loaded from empty files. The last run's findings are compared with the generator's planted findings,
and its dbt run_results.json gives the per-model profile.

Sizes of 20,000 townships and more run `--repeat-large` times (default 1): the national size takes minutes.
The project benchmarked is the one this file sits in (its own `warehouse` package and dbt models), so a
throwaway copy of the project benchmarks itself: `python /tmp/copy/bench/run.py --report /tmp/copy.md`.

REPORT.md is rewritten from the measurements; everything after the line ANALYSIS_MARKER is kept as it is, so the
hand-written analysis (what moved each figure, recommended model changes) survives a re-run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
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
SOFTWARE = ("duckdb", "dbt-core", "dbt-duckdb", "polars", "numpy", "pyarrow", "great-expectations")
ENTITIES = ("townships", "units", "people", "postings", "appraisals")


@dataclass
class Measure:
    seconds: float
    peak_mib: float
    status: int
    cpu_seconds: float = float("nan")
    """User + system time of the whole process tree: much less sensitive than wall time to other work on the
    machine (it still grows a little when cores and caches are shared)."""


@dataclass
class SizeResult:
    townships: int
    rows: dict[str, int] = field(default_factory=dict)
    input_mib: float = 0.0
    generate: Measure | None = None
    floor: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)
    steps: dict[str, list[Measure]] = field(default_factory=dict)
    planted: int = 0
    found: int = 0
    missing: list[dict] = field(default_factory=list)
    extra: list[dict] = field(default_factory=list)
    profile: list[dict] = field(default_factory=list)
    by_kind: dict[str, float] = field(default_factory=dict)
    dbt_elapsed: float = 0.0


# --- running a command and measuring it --------------------------------------------------------------------------


def measure(args: list[str], env: dict[str, str], log: Path, timeout: float | None = None) -> Measure:
    """Wall time, CPU time and peak resident memory of the command's whole process tree (memory sampled every
    50 ms; CPU time from the kernel's accounting of the command and the children it waited for)."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)
        watched = psutil.Process(process.pid)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(_rss(p) for p in tree))
            except psutil.Error:
                pass
            if timeout is not None and time.perf_counter() - started > timeout:
                for child in watched.children(recursive=True):
                    child.kill()
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                return Measure(time.perf_counter() - started, peak / 2**20, -9, usage.ru_utime + usage.ru_stime)
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measure(time.perf_counter() - started, peak / 2**20, process.returncode, usage.ru_utime + usage.ru_stime)


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def warehouse(*args: str) -> list[str]:
    return [sys.executable, "-m", "warehouse", *args]


def isolated_env(root: Path) -> dict[str, str]:
    """The warehouse, dbt target and logs of one run under `root`; the benchmarked project's package first."""
    env = dict(os.environ)
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


# --- one size ----------------------------------------------------------------------------------------------------


def bench_size(n: int, repeat: int, work: Path, validate: bool, validate_timeout: float, seed: int) -> SizeResult:
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
        for step, args in commands.items():
            print(f"[{n:,}] {step}, run {i + 1}/{repeat}", flush=True)
            timeout = validate_timeout if step == "validate" else None
            measured = measure(args, env, log, timeout=timeout)
            result.steps.setdefault(step, []).append(measured)
            if measured.status != 0 and step != "validate":
                raise SystemExit(f"warehouse {step} failed at N = {n:,}; see {log}")
        if i == repeat - 1:
            compare(result, data, root / "out" / "violations.csv")
            profile(result, root / "target" / "run_results.json")
    return result


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


def dbt_overhead(work: Path, repeat: int) -> list[Measure]:
    """`warehouse build` of a warehouse loaded from empty input files: what dbt costs with no data."""
    from warehouse.generate import synthesise
    from warehouse.write import write_inputs

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
    return builds


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
    from warehouse.export import software_versions

    versions = software_versions(SOFTWARE)
    commit = _git("rev-parse", "--short", "HEAD")
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
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True).stdout.strip() or "?"
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


def render(results: list[SizeResult], overhead: list[Measure], info: dict, args: argparse.Namespace,
           validate: bool) -> str:
    fixed = median([m.seconds for m in overhead])
    lines = [
        "# Benchmark: the checker against the engine's floor",
        "",
        "Written by `python bench/run.py "
        f"--sizes {','.join(str(r.townships) for r in results)} --repeat {args.repeat}` "
        f"on {info['date']} (see bench/README.md). Do not edit above the analysis marker: a re-run rewrites it.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory_gib']} GiB; {info['os']}",
        f"- Load average when the benchmark started: {', '.join(map(str, info['load_average']))} "
        "(the machine is shared with other engineers: timings are noisy, compare medians)",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
        f"- Project: commit {info['commit']}",
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
        f"{max(m.peak_mib for m in overhead):,.0f} MiB. It holds dbt's start-up and parsing, the seeds, every model "
        "on no rows, the data tests and the unit tests.",
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
        lines.append("")
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


def write_report(path: Path, text: str) -> None:
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if ANALYSIS_MARKER in old:
            kept = old.split(ANALYSIS_MARKER, 1)[1]
    path.write_text(text + "\n" + ANALYSIS_MARKER + (kept or "\n\n## Analysis\n\n(to be written)\n"),
                    encoding="utf-8")


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
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    info = machine()
    validate = has_validate() and not args.no_validate
    print(f"benchmarking {PROJECT} (validate: {'yes' if validate else 'not available'})", flush=True)
    overhead = dbt_overhead(args.work, args.repeat)
    results = []
    for n in sorted(sizes):
        repeat = args.repeat_large if n >= LARGE else args.repeat
        results.append(bench_size(n, repeat, args.work, validate, args.validate_timeout, args.seed))
        (args.work / "results.json").write_text(
            json.dumps({"machine": info, "overhead": [asdict(m) for m in overhead],
                        "sizes": [asdict(r) for r in results]}, indent=2, default=str),
            encoding="utf-8",
        )
    write_report(args.report, render(results, overhead, info, args, validate))
    print(f"report: {args.report}")
    failed = [r.townships for r in results if r.missing or r.extra]
    if failed:
        print(f"planted findings differ from those found at N = {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

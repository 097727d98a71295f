"""`warehouse snapshot` and `warehouse history`: dated compliance snapshots kept in an append-only history.

Establishment offices check every month and must show what was found when, what was fixed and what came back.
A snapshot judges the rules on an as-of date and appends the findings to the warehouse's `history` schema
(tables created by macros/history.sql), stamped with the date, the rulebook version, the input checksums and the
time it ran. Why it is built this way:

- The dates are judged by one dbt build of target `history` (profiles.yml) into a scratch DuckDB file beside the
  warehouse (its layers are `history_staging` … `history_marts`), over the current load: the marts `warehouse
  export` and the notebooks read stay as they are. The models judge a whole series of as-of dates in one build
  (macro as_of_dates()), so a ten-year monthly backfill costs about one build, not 120.
- One (snapshot_date, rulebook_version) is one snapshot: a date already in the history for this rulebook is kept
  as it is and not rebuilt; another rulebook version of the same date is a snapshot of its own. The version covers
  a user rulebook (`--rulebook`, $WAREHOUSE_RULEBOOK), so a snapshot with another one is another timeline; it is
  the version the scratch build records (its run_info), which the findings are stamped with.
- Everything one command appends is written in one DuckDB transaction, after dbt has finished, into a copy of the
  warehouse file, whose lifecycle marts are then rebuilt, and the copy replaces the warehouse file in one rename
  (warehouse.db.staged): a run killed at any moment leaves the history exactly as it was, and a reader holding
  the warehouse file never blocks a snapshot.
- Safe to run unattended: the warehouse lock (warehouse.lock, taken by the command) keeps two commands from
  interleaving, dbt dies with its parent, and every run appends one line to the log beside the warehouse (and
  prints it).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import signal
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from warehouse.core import atomic
from warehouse.core.console import console
from warehouse.core.lock import WarehouseBusy
from warehouse.core.paths import PROJECT_DIR, beside_warehouse, spark_table, warehouse_path
from warehouse.engine.build import (
    LOADER_GUARANTEED,
    UNIT_TESTS_ELSEWHERE,
    BuildError,
    as_of_env,
    build_env,
    check_loaded,
    dbt_args,
    engine_target_path,
    rulebook_env,
    run_dbt,
    target_path,
)
from warehouse.engine.db import connect, discard, parquet_view, reading_load, staged
from warehouse.inputs.rulebook import rulebook_version
from warehouse.inputs.user_rulebook import Rulebook, resolve_rulebook
from warehouse.core.safe_cells import write_csv

EVERY_MONTHS = {"month": 1, "quarter": 3, "year": 12}

HISTORY_SELECTION = ("+violations", "+township_scorecard", "run_info")
"""What a snapshot reads from the `history` target: the violations and the townships judged, and what they need,
and the build's run_info (the rulebook version it judged with)."""

SCRATCH_SUFFIX = ".snapshot-build"
"""The scratch DuckDB file beside the warehouse that a snapshot's dates are judged in (removed afterwards)."""

KILL_DURING_WRITE = "WAREHOUSE_TEST_KILL_DURING_WRITE"
"""Tests only: when set, the process kills itself (SIGKILL) inside the write transaction, after the findings of the
first date are inserted and before the commit, to show that a killed run leaves the history as it was."""


@dataclass(frozen=True)
class SnapshotResult:
    rulebook_version: str
    inputs_checksum: str
    added: list[date]
    kept: list[date]
    findings: int
    seconds: float
    build_seconds: float = 0.0
    kept_other_inputs: list[date] = field(default_factory=list)
    """Kept dates whose snapshot was taken from other inputs than the ones loaded now (it is kept all the same:
    a snapshot records what was known when it was taken)."""


@dataclass(frozen=True)
class HistoryResult:
    out_dir: Path
    rulebook_version: str
    snapshots: int
    rows: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- dates


def add_months(start: date, months: int) -> date:
    """`start` plus whole months; a month end stays a month end (2016-02-29 + 1 → 2016-03-31), else the day is
    kept where the month has it (01-31 + 1 → 02-28)."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    last = calendar.monthrange(year, month)[1]
    is_month_end = start.day == calendar.monthrange(start.year, start.month)[1]
    return date(year, month, last if is_month_end else min(start.day, last))


def series(start: date, end: date, every: str) -> list[date]:
    """The as-of dates of a backfill: start, then every month, quarter or year after it, up to end inclusive."""
    if end < start:
        raise ValueError(f"--to {end} 早于 --from {start} / --to is before --from")
    step = EVERY_MONTHS[every]
    dates, n = [], 0
    while (day := add_months(start, n * step)) <= end:
        dates.append(day)
        n += 1
    return dates


def describe_dates(dates: Sequence[date]) -> str:
    if not dates:
        return "-"
    if len(dates) == 1:
        return dates[0].isoformat()
    return f"{dates[0].isoformat()}..{dates[-1].isoformat()}({len(dates)})"


# ------------------------------------------------------------------------------------------- lock and log


def log_path() -> Path:
    return beside_warehouse(".snapshot.log")


def log_busy(error: WarehouseBusy) -> None:
    """A snapshot that finds the warehouse taken logs and prints its refusal too (a scheduler's log shows why a
    month is missing)."""
    console().line(log_line("snapshot", "busy", error=json.dumps(error.en, ensure_ascii=False)))


def log_line(command: str, status: str, **fields: object) -> str:
    """Append one line for this run to the log beside the warehouse and return it."""
    stamp = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    text = " ".join([stamp, command, status, *(f"{key}={value}" for key, value in fields.items())])
    text = text.replace("\n", " ")
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return text


# ------------------------------------------------------------------------------------------------- reading


def inputs_of(con: duckdb.DuckDBPyConnection) -> tuple[str, list[dict]]:
    """The input files of a load (raw.load_files) and one checksum over theirs."""
    rows = con.execute(
        "select entity, file, sha256, rows_read, rows_loaded, rows_rejected from raw.load_files order by entity"
    ).fetchall()
    inputs = [
        dict(zip(("entity", "file", "sha256", "rows_read", "rows_loaded", "rows_rejected"), row)) for row in rows
    ]
    digest = hashlib.sha256("".join(f"{row['entity']}:{row['sha256']}\n" for row in inputs).encode()).hexdigest()
    return digest, inputs


def has_history(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'history' and table_name = 'snapshots'"
        ).fetchall()[0][0]
    )


def taken(con: duckdb.DuckDBPyConnection, version: str) -> dict[date, str]:
    """The dates the history holds for a rulebook version, with the inputs checksum of each snapshot."""
    if not has_history(con):
        return {}
    rows = con.execute(
        "select snapshot_date, inputs_checksum from history.snapshots where rulebook_version = ?", [version]
    ).fetchall()
    return dict(rows)


# ---------------------------------------------------------------------------------------------------- dbt


def build_history(
    dates: Sequence[date], loaded: Path, scratch: Path, project_dir: Path = PROJECT_DIR, engine: str = "duckdb",
    rulebook: dict[str, str] | None = None,
) -> float:
    """Judge the dates in one dbt build of target `history` into the scratch file (`spark_history` on Spark, in its
    own tables): the models snapshots read and, on DuckDB, the data tests wholly on them (unit tests are the test
    suite's business; on a local Spark the data tests would cost minutes, and they check what the loader
    guarantees). `rulebook`: what rulebook_env tells dbt. Returns dbt's elapsed seconds."""
    if engine == "duckdb":
        target, excluded = "history", (
            "--exclude", "test_type:unit", LOADER_GUARANTEED, "--indirect-selection", "cautious"
        )
        env = build_env(loaded, scratch) | {"WAREHOUSE_PREVIOUS_DB": ""}
    else:
        target, excluded = f"{engine}_history", ("--exclude-resource-type", *UNIT_TESTS_ELSEWHERE, "test")
        env = build_env(loaded, None)
    args = dbt_args(
        "build", None, "--select", *HISTORY_SELECTION, *excluded, "--quiet",
        project_dir=project_dir, target=target,
    )
    env |= (rulebook or {}) | as_of_env(max(dates), dates)
    return float(run_dbt(args, engine_target_path(engine) / "history", **env).get("elapsed_time", 0.0))


def history_marts(con: duckdb.DuckDBPyConnection, engine: str, scratch: Path) -> str:
    """The schema (or prefix) the snapshot's findings are read from: the `history_marts` schema of the scratch
    file, attached, or, after a Spark build, temporary views over its Parquet tables (the history itself stays in
    the warehouse file, which holds findings only, whatever engine judged them)."""
    if engine == "duckdb":
        con.execute(f"attach '{str(scratch).replace(chr(39), chr(39) * 2)}' as snapshot_build (read_only)")
        return "snapshot_build.history_marts."
    for table in ("violations", "township_scorecard", "run_info"):
        parquet_view(con, f"history_marts_{table}", spark_table("history_marts", table), temporary=True)
    return "history_marts_"


NEWEST_HISTORY_COLUMN = ("snapshot_findings", "waiver_no")
"""The column last added to the history tables (macros/history.sql): a warehouse file without it is from before,
and its tables get the new columns before anything is appended."""


def history_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    table, column = NEWEST_HISTORY_COLUMN
    return has_history(con) and bool(
        con.execute(
            "select count(*) from information_schema.columns where table_schema = 'history' and table_name = ? "
            "and column_name = ?",
            [table, column],
        ).fetchall()[0][0]
    )


def ensure_history_tables(stage: Path, project_dir: Path = PROJECT_DIR) -> None:
    """The history tables in a new warehouse file that no build has written yet (a first snapshot), or the columns
    added since in the copy of a warehouse file built before them."""
    with connect(stage) as con:
        if history_is_current(con):
            return
    run_dbt(dbt_args("run-operation", None, "ensure_history_tables", "--quiet", project_dir=project_dir),
            target_path() / "history_marts", WAREHOUSE_DB=str(stage))


def build_history_marts(stage: Path, project_dir: Path = PROJECT_DIR, engine: str = "duckdb") -> None:
    """(Re)build the lifecycle marts from the history, with their data and unit tests, in the new warehouse file
    (its `raw` views are left as they are: they belong to the build the file holds). After a Spark judgement the
    file holds the history only, not the staging and dashboard tables the dashboards' trend models join to (those
    are DuckDB builds' and `warehouse report` reads them there): they are left out."""
    elsewhere = ("--exclude", "path:models/marts/dashboards") if engine != "duckdb" else ()
    args = dbt_args("build", None, "--select", "source:history+", *elsewhere, "--quiet", project_dir=project_dir)
    run_dbt(args, target_path() / "history_marts", WAREHOUSE_DB=str(stage), WAREHOUSE_LOADED="")


# --------------------------------------------------------------------------------------------------- write


def software() -> dict[str, str]:
    from warehouse.engine.provenance import software_versions

    return software_versions()


def append(
    stage: Path, scratch: Path, dates: Sequence[date], version: str, inputs_checksum: str, inputs: list[dict],
    run_id: str, engine: str = "duckdb",
) -> tuple[list[date], int]:
    """Append a snapshot per date from the `history_marts` build to the new warehouse file, in one transaction.
    Dates the history already holds for this rulebook version are skipped (checked again under the transaction).
    Returns the dates added and the findings appended."""
    added, findings = [], 0
    versions = json.dumps(software(), ensure_ascii=False)
    inputs_text = json.dumps(inputs, ensure_ascii=False)
    with connect(stage) as con:
        marts = history_marts(con, engine, scratch)
        judged_with = con.sql(f"select rulebook_version from {marts}run_info").fetchall()[0][0]
        if judged_with != version:
            raise BuildError(
                f"快照构建所用规则库版本 {judged_with} 不是 {version} / the history build judged with rulebook "
                f"{judged_with}, not {version}"
            )
        built = {row[0] for row in con.sql(f"select distinct as_of from {marts}township_scorecard").fetchall()}
        missing = sorted(set(dates) - built)
        if missing:
            raise BuildError(
                "快照构建缺少日期 / the history build lacks dates: " + ", ".join(day.isoformat() for day in missing)
            )
        con.execute("begin transaction")
        try:
            present = taken(con, version)
            for day in sorted(set(dates) - set(present)):
                snapshot_id = f"{day.isoformat()}@{version}"
                con.execute(
                    f"""
                    insert into history.snapshot_findings (
                        snapshot_id, rule_id, severity, township_code, person_id, period, county_code,
                        township_name, param_id, observed, limit_value, message_zh, citation, event_on, waiver_no
                    )
                    select
                        ?, rule_id, severity, township_code, person_id, period, county_code, township_name,
                        param_id, observed, limit_value, message_zh, citation, event_on, waiver_no
                    from {marts}violations
                    where as_of = ?
                    """,
                    [snapshot_id, day],
                )
                if os.environ.get(KILL_DURING_WRITE):
                    os.kill(os.getpid(), signal.SIGKILL)
                con.execute(
                    f"""
                    insert into history.snapshot_townships (snapshot_id, township_code, county_code, township_name)
                    select ?, township_code, county_code, township_name
                    from {marts}township_scorecard
                    where as_of = ?
                    """,
                    [snapshot_id, day],
                )
                found, townships = con.execute(
                    """
                    select
                        (select count(*) from history.snapshot_findings where snapshot_id = $1),
                        (select count(*) from history.snapshot_townships where snapshot_id = $1)
                    """,
                    [snapshot_id],
                ).fetchall()[0]
                con.execute(
                    """
                    insert into history.snapshots (
                        snapshot_id, rulebook_version, inputs_checksum, inputs, software, run_id, findings,
                        townships, snapshot_date, taken_at
                    )
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        snapshot_id, version, inputs_checksum, inputs_text, versions, run_id, found, townships, day,
                        datetime.now(timezone.utc),
                    ],
                )
                added.append(day)
                findings += found
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return added, findings


# ------------------------------------------------------------------------------------------------ commands


def present_snapshots(version: str) -> dict[date, str]:
    """The dates the warehouse's history holds for a rulebook version (none before the first build)."""
    if not warehouse_path().exists():
        return {}
    with connect(read_only=True) as con:
        return taken(con, version)


def take(
    dates: Sequence[date], *, project_dir: Path = PROJECT_DIR, engine: str = "duckdb", rulebook: Rulebook | None = None
) -> SnapshotResult:
    """Take a snapshot for each date not yet in the history for the rulebook (default: that of $WAREHOUSE_RULEBOOK,
    validated; callers hold the lock)."""
    started = time.monotonic()
    rulebook = rulebook or resolve_rulebook()
    loaded = check_loaded()
    version = rulebook.version
    wanted = sorted(set(dates))
    with reading_load(loaded) as con:
        inputs_checksum, inputs = inputs_of(con)
    present = present_snapshots(version)
    kept = sorted(set(wanted) & set(present))
    kept_other_inputs = [day for day in kept if present[day] != inputs_checksum]
    to_build = [day for day in wanted if day not in kept]
    added, findings, build_seconds = [], 0, 0.0
    if to_build:
        console().line(
            f"构建 {len(to_build)} 个核查基准日 / judging {len(to_build)} as-of dates "
            f"({describe_dates(to_build)}) …"
        )
        scratch = beside_warehouse(SCRATCH_SUFFIX)
        discard(scratch)
        try:
            with rulebook_env(rulebook) as told:
                build_seconds = build_history(to_build, loaded, scratch, project_dir, engine, told)
            with staged(copy=True) as stage:
                ensure_history_tables(stage, project_dir)
                added, findings = append(
                    stage, scratch, to_build, version, inputs_checksum, inputs, uuid.uuid4().hex, engine
                )
                build_history_marts(stage, project_dir, engine)
        finally:
            discard(scratch)
        kept = sorted(set(wanted) - set(added))
    return SnapshotResult(
        rulebook_version=version,
        inputs_checksum=inputs_checksum,
        added=added,
        kept=kept,
        findings=findings,
        seconds=time.monotonic() - started,
        build_seconds=build_seconds,
        kept_other_inputs=kept_other_inputs,
    )


def snapshot(dates: Sequence[date], *, rulebook_path: Path | None = None, **options) -> SnapshotResult:
    """`warehouse snapshot`: take() with the rulebook of `rulebook_path` (its --rulebook; else $WAREHOUSE_RULEBOOK),
    validated first, and one log line whatever happens, a refused rulebook included (callers hold the warehouse
    lock)."""
    started = time.monotonic()
    fields = {"as_of": describe_dates(sorted(set(dates)))}
    try:
        rulebook = resolve_rulebook(rulebook_path)
        console().line(rulebook.describe())
        result = take(dates, rulebook=rulebook, **options)
    except BaseException as error:
        reason = json.dumps(f"{type(error).__name__}: {error}"[:300], ensure_ascii=False)
        console().line(log_line("snapshot", "failed", **fields, seconds=f"{time.monotonic() - started:.1f}", error=reason))
        raise
    console().line(
        log_line(
            "snapshot",
            "ok",
            **fields,
            rulebook=result.rulebook_version,
            **({"rulebook_file": json.dumps(str(rulebook.user.path), ensure_ascii=False)} if rulebook.user else {}),
            inputs=result.inputs_checksum[:16],
            added=len(result.added),
            kept=len(result.kept),
            kept_other_inputs=len(result.kept_other_inputs),
            findings=result.findings,
            seconds=f"{result.seconds:.1f}",
        )
    )
    return result


VIOLATION_HISTORY_COLUMNS = ("snapshot_date", "rule_id", "township_code", "person_id", "period", "status")
TOWNSHIP_TREND_COLUMNS = ("snapshot_date", "township_code", "violations_error", "violations_warn", "violations_info")


HISTORY_ORDER = {
    "violation_history": "snapshot_date, rule_id, township_code, person_id nulls first, period nulls first",
    "violation_lifecycle": "first_seen_on, rule_id, township_code, person_id nulls first, period nulls first",
    "township_trend": "snapshot_date, township_code",
}


def read_history(version: str) -> tuple[dict[str, pl.DataFrame], int, list[str]]:
    """The lifecycle marts of one rulebook version ("all": every version) in a stable order, how many snapshots
    that version has, and the versions the history holds."""
    where = "where $version = 'all' or rulebook_version = $version"
    with connect(read_only=True) as con:
        if not has_history(con):
            return {}, 0, []
        frames = {
            name: con.sql(
                f"select * from marts.{name} {where} order by rulebook_version, {order}", params={"version": version}
            ).pl()
            for name, order in HISTORY_ORDER.items()
        }
        counted = con.execute(f"select count(*) from history.snapshots {where}", {"version": version}).fetchall()
        snapshots = counted[0][0]
        listed = con.sql("select distinct rulebook_version from history.snapshots order by 1").fetchall()
        versions = [row[0] for row in listed]
    return frames, snapshots, versions


def latest_version() -> str:
    """The rulebook version of the last snapshot taken: the timeline `warehouse history` writes by default, whatever
    rulebook (shipped, or an office's own) the snapshots were taken with. The shipped rulebook's before any."""
    if warehouse_path().exists():
        with connect(read_only=True) as con:
            if has_history(con):
                last = "select rulebook_version from history.snapshots order by taken_at desc limit 1"
                rows = con.sql(last).fetchall()
                if rows:
                    return rows[0][0]
    return rulebook_version()


def history(out_dir: Path, *, version: str | None = None) -> HistoryResult:
    """`warehouse history OUT_DIR`: write the lifecycle marts (rebuilt by every snapshot and build) as CSV and
    Parquet, all or nothing; by default the timeline of the rulebook the last snapshot was taken with."""
    version = version or latest_version()
    frames, snapshots, versions = read_history(version)
    if not snapshots:
        raise FileNotFoundError(
            f"历史中没有规则库版本 {version} 的快照（已有：{', '.join(versions) or '无'}）。请先运行 warehouse snapshot。 / "
            f"No snapshot of rulebook version {version} in the history (present: {', '.join(versions) or 'none'}): "
            "run `warehouse snapshot` first, or pass --rulebook-version."
        )
    violation_history = frames["violation_history"]
    leading = {"violation_history": VIOLATION_HISTORY_COLUMNS, "township_trend": TOWNSHIP_TREND_COLUMNS}
    with atomic.outputs(out_dir) as files:
        for name, frame in frames.items():
            first = leading.get(name, ())
            ordered = frame.select([*first, *(column for column in frame.columns if column not in first)])
            write_csv(ordered, files.path(f"{name}.csv"))
            ordered.write_parquet(files.path(f"parquet/{name}.parquet"))
    return HistoryResult(
        out_dir=out_dir,
        rulebook_version=version,
        snapshots=snapshots,
        rows={name: frame.height for name, frame in frames.items()},
        by_status=dict(violation_history.group_by("status").len().sort("status").iter_rows()),
    )

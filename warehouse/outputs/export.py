"""`warehouse export`: the outputs of contract section 4, and the workbook beside them (contract v1.1, "Excel"),
read from the built warehouse.

The warehouse file is opened read-only, read, and closed before anything is written, so a build can follow. Only
the marts of one complete build are exported (warehouse.db.check_built), and the folder gets all the new files or
keeps its previous ones (warehouse.atomic: temporary names, renamed into place, the manifest last).
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from warehouse.core import atomic
from warehouse.core.console import console
from warehouse.core.safe_cells import write_csv
from warehouse.engine.db import reading
from warehouse.outputs import deadlines, waivers
from warehouse.engine.provenance import software_versions
from warehouse.inputs.contract import REJECT_COLUMNS
from warehouse.outputs.workbook import WORKBOOK, sheets_of_export, write_workbook

VIOLATION_COLUMNS = (
    "rule_id", "severity", "township_code", "person_id", "period", "observed", "limit", "as_of", "message_zh",
    "citation", "waiver_no",
)
"""violations.csv, exactly as contract section 4 lists them, and waiver_no after citation (contract v1.1)."""

PARQUET_TABLES = ("violations", "township_scorecard", "township_rule_status", "rule_coverage", "deadlines", "waiver_use")
"""Marts also written as Parquet under OUT_DIR/parquet for notebooks, which must not hold the DuckDB file."""


MANIFEST = "run_manifest.json"

KILL_BEFORE_MANIFEST = "WAREHOUSE_TEST_KILL_BEFORE_MANIFEST"
"""Tests only: when set, export kills itself (SIGKILL) after every output but the manifest is written, to show that
a killed export leaves the previous outputs."""


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    as_of: str
    violations: int
    townships: int
    rejects: int
    by_rule: dict[str, int]
    by_severity: dict[str, int]
    workbook: str = WORKBOOK
    deadlines: int = 0
    unused_waivers: tuple[dict, ...] = ()
    """Waivers covering no finding on the as-of date (contract v1.1): listed in the summary and the manifest."""


def read_outputs(engine: str = "duckdb") -> dict[str, pl.DataFrame]:
    with reading(engine) as con:
        frames = {
            "violations": con.sql(
                f"""
                select rule_id, severity, township_code, person_id, period, observed, limit_value as "limit",
                    strftime(as_of, '%Y-%m-%d') as as_of, message_zh, citation, waiver_no
                from marts.violations
                order by rule_id, township_code, person_id nulls first, period nulls first
                """
            ).pl(),
            "township_scorecard": con.sql("select * from marts.township_scorecard order by township_code").pl(),
            "rejects": con.sql(
                "select " + ", ".join(f'"{c}"' for c in REJECT_COLUMNS) + " from raw.rejects order by file, \"row\""
            ).pl(),
            "load_files": con.sql("select * from raw.load_files order by entity").pl(),
            "run_info": con.sql("select * from marts.run_info").pl(),
            # The workbook's: the findings with their dates as dates and in words, the rulebook as judged.
            "workbook/violations": con.sql(
                """
                select * from marts.violations
                order by rule_id, township_code, person_id nulls first, period nulls first
                """
            ).pl(),
            "workbook/rulebook": con.sql("select * from marts.rule_version_parameters").pl(),
            "workbook/documents": con.sql("select * from rulebook.rulebook_documents").pl(),
            "deadlines": deadlines.read_deadlines(con),
            "waiver_use": waivers.read_waiver_use(con),
        }
        for table in PARQUET_TABLES:
            frames[f"parquet/{table}"] = con.sql(f"select * from marts.{table}").pl()
    return frames


def manifest(frames: dict[str, pl.DataFrame], started_at: datetime, finished_at: datetime) -> dict:
    """The run's record. The rulebook is the one the build judged with, as marts.run_info recorded it (a rulebook
    file changed or gone since does not change what the findings were judged with)."""
    run_info = frames["run_info"].row(0, named=True)
    user_file = run_info.get("rulebook_file")
    return {
        "as_of": run_info["as_of"].isoformat(),
        "rulebook_version": run_info.get("rulebook_version"),
        "user_rulebook": {"file": user_file, "sha256": run_info.get("rulebook_sha256")} if user_file else None,
        "built_at": run_info["built_at"].isoformat(),
        "inputs": [
            {
                "entity": row["entity"],
                "file": row["file"],
                "sha256": row["sha256"],
                "rows_read": row["rows_read"],
                "rows_loaded": row["rows_loaded"],
                "rows_rejected": row["rows_rejected"],
            }
            for row in frames["load_files"].iter_rows(named=True)
        ],
        "outputs": {
            "violations": frames["violations"].height,
            "townships": frames["township_scorecard"].height,
            "rejects": frames["rejects"].height,
            "deadlines": frames["deadlines"].height,
        },
        "waivers": {
            "waivers": frames["waiver_use"].height,
            "covering_no_finding": waivers.unused(frames["waiver_use"]),
        },
        "software": software_versions(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
    }


def export(
    out_dir: Path, *, started_at: datetime | None = None, extra_manifest: dict | None = None, engine: str = "duckdb",
    within_days: int | None = None,
) -> ExportResult:
    """`within_days`: deadlines.csv lists only what falls due in that many days after the as-of date."""
    started_at = started_at or datetime.now(timezone.utc)
    frames = read_outputs(engine)
    frames["deadlines"] = deadlines.within(frames["deadlines"], frames["run_info"]["as_of"][0], within_days)
    violations = frames["violations"]
    with atomic.outputs(out_dir, manifest=MANIFEST) as files:
        write_csv(violations.select(VIOLATION_COLUMNS), files.path("violations.csv"))
        write_csv(frames["township_scorecard"], files.path("township_scorecard.csv"))
        write_csv(frames["rejects"], files.path("rejects.csv"))
        deadlines.write_deadlines(frames["deadlines"], files.path("deadlines.csv"))
        for table in PARQUET_TABLES:
            frames[f"parquet/{table}"].write_parquet(files.path(f"parquet/{table}.parquet"))
        document = manifest(frames, started_at, datetime.now(timezone.utc)) | {"engine": engine} | (extra_manifest or {})
        if within_days is not None:
            document["outputs"]["deadlines_within_days"] = within_days
        sheets = sheets_of_export(frames)
        with console().progress(f"写出 / writing {WORKBOOK}", total=len(sheets) + 1, unit="表 sheets") as bar:
            write_workbook(files.path(WORKBOOK), sheets, document, progress=bar.advance)
        if os.environ.get(KILL_BEFORE_MANIFEST):
            os.kill(os.getpid(), signal.SIGKILL)
        document["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        files.path(MANIFEST).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    count = lambda column: dict(violations.group_by(column).len().sort(column).iter_rows())  # noqa: E731
    return ExportResult(
        out_dir=out_dir,
        as_of=document["as_of"],
        violations=violations.height,
        townships=frames["township_scorecard"].height,
        rejects=frames["rejects"].height,
        by_rule=count("rule_id"),
        by_severity=count("severity"),
        deadlines=frames["deadlines"].height,
        unused_waivers=tuple(document["waivers"]["covering_no_finding"]),
    )

"""`warehouse build`: dbt build of the project with the run's as-of date."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from warehouse.db import PROJECT_DIR, warehouse_path


class BuildError(Exception):
    """dbt reported failing models or tests."""


@dataclass(frozen=True)
class BuildResult:
    as_of: date
    nodes: int
    failures: list[str]


def dbt_args(command: str, as_of: date | None = None, *extra: str) -> list[str]:
    """Arguments for a dbt invocation against this project, its committed profile and the warehouse file."""
    args = [command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if as_of is not None:
        args += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
    return args + list(extra)


def run_dbt(args: list[str]):
    """Invoke dbt in this process; the warehouse path reaches profiles.yml through WAREHOUSE_DB."""
    from dbt.cli.main import dbtRunner  # imported here: dbt's import costs a second or two

    os.environ["WAREHOUSE_DB"] = str(warehouse_path())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DBT_LOG_PATH", str(PROJECT_DIR / "logs"))
    os.environ.setdefault("DBT_TARGET_PATH", str(PROJECT_DIR / "target"))
    return dbtRunner().invoke(args)


def build(as_of: date, *extra: str) -> BuildResult:
    if not Path(warehouse_path()).exists():
        raise BuildError(
            f"仓库文件不存在：{warehouse_path()}，请先运行 warehouse load。 / "
            f"No warehouse at {warehouse_path()}: run `warehouse load` first."
        )
    outcome = run_dbt(dbt_args("build", as_of, *extra))
    results = list(getattr(outcome.result, "results", None) or [])
    failures = [
        f"{r.node.unique_id}: {r.status}" for r in results if str(r.status) in ("error", "fail", "runtime error")
    ]
    if outcome.exception is not None:
        raise BuildError(f"dbt 运行出错 / dbt failed: {outcome.exception}")
    if failures or not outcome.success:
        raise BuildError(
            "dbt build 未通过 / dbt build failed:\n  " + "\n  ".join(failures or ["see the dbt log above"])
        )
    return BuildResult(as_of=as_of, nodes=len(results), failures=failures)

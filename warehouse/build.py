"""`warehouse build`: dbt build of the project with the run's as-of date.

dbt runs in a child process: dbt-duckdb keeps its connection to the warehouse file open for the life of the
process, and the file must be free again for export, notebooks and the next build.
"""

from __future__ import annotations

import json
import os
import ctypes
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from warehouse.db import PROJECT_DIR, warehouse_path


class BuildError(Exception):
    """dbt reported failing models or tests, or could not run."""


@dataclass(frozen=True)
class BuildResult:
    as_of: date
    nodes: int
    seconds: float
    run_results: Path


def target_path() -> Path:
    return Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target")


def dbt_env() -> dict[str, str]:
    """The child's environment: the warehouse path reaches profiles.yml through WAREHOUSE_DB."""
    env = dict(os.environ)
    env["WAREHOUSE_DB"] = str(warehouse_path())
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DBT_LOG_PATH", str(PROJECT_DIR / "logs"))
    env["DBT_TARGET_PATH"] = str(target_path())
    return env


def dbt_args(command: str, as_of: date | None = None, *extra: str, project_dir: Path = PROJECT_DIR) -> list[str]:
    """Arguments for a dbt invocation against a project, its committed profile and the warehouse file."""
    args = [command, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
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


def run_dbt(args: list[str], target_dir: Path | None = None) -> dict:
    """Run dbt in a child process (its own target folder if given); its run results, or BuildError."""
    target_dir = target_dir or target_path()
    env = dbt_env() | {"DBT_TARGET_PATH": str(target_dir)}
    results_path = target_dir / "run_results.json"
    results_path.unlink(missing_ok=True)
    status = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *args],
        env=env,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    ).returncode
    if not results_path.exists():
        raise BuildError(f"dbt 未能运行（退出码 {status}）/ dbt did not run (exit status {status}); see the log above.")
    run_results = json.loads(results_path.read_text(encoding="utf-8"))
    failed = failures(run_results)
    if status != 0 or failed:
        raise BuildError("dbt build 未通过 / dbt build failed:\n  " + "\n  ".join(failed or ["see the dbt log above"]))
    return run_results


def build(as_of: date, *extra: str) -> BuildResult:
    if not warehouse_path().exists():
        raise BuildError(
            f"仓库文件不存在：{warehouse_path()}，请先运行 warehouse load。 / "
            f"No warehouse at {warehouse_path()}: run `warehouse load` first."
        )
    run_results = run_dbt(dbt_args("build", as_of, *extra))
    return BuildResult(
        as_of=as_of,
        nodes=len(run_results.get("results", [])),
        seconds=float(run_results.get("elapsed_time", 0.0)),
        run_results=target_path() / "run_results.json",
    )

"""Shared fixtures: each test session builds the demo warehouse once, in its own temporary files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT_DIR / "demo"
DEMO_AS_OF = "2026-06-30"


@dataclass(frozen=True)
class Run:
    """A finished `warehouse run`: where its warehouse file and outputs are, and what it printed."""

    db: Path
    out: Path
    result: subprocess.CompletedProcess


def isolated_env(root: Path) -> dict[str, str]:
    """Environment for a CLI run whose warehouse, dbt target and logs live under root. An id_number key (or the
    retired salt) of the developer's own shell stays out: the run's key is the key file beside its warehouse; so
    does a user rulebook of the shell ($WAREHOUSE_RULEBOOK): a test that wants one says so."""
    left_out = ("WAREHOUSE_ID_KEY", "WAREHOUSE_ID_SALT", "WAREHOUSE_RULEBOOK")
    env = {name: value for name, value in os.environ.items() if name not in left_out}
    env.update(
        WAREHOUSE_DB=str(root / "warehouse.duckdb"),
        DBT_TARGET_PATH=str(root / "target"),
        DBT_LOG_PATH=str(root / "logs"),
        PYTHONIOENCODING="utf-8",
    )
    return env


def warehouse_cli(
    *args: str, root: Path, check: bool = False, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m warehouse ARGS` as a user would, isolated under root (`env` added to its environment)."""
    result = subprocess.run(
        [sys.executable, "-m", "warehouse", *args],
        cwd=root,
        env=isolated_env(root) | (env or {}),
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if check and result.returncode != 0:
        raise AssertionError(f"warehouse {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def copy_warehouse(db: Path, root: Path) -> Path:
    """A copy of a built warehouse under root: the file and its loaded data (the load folders beside it, with the
    `current` link), so commands run on the copy as on the original. Returns the copy's warehouse file."""
    root.mkdir(parents=True, exist_ok=True)
    copy = root / db.name
    shutil.copy(db, copy)
    loaded = db.with_name(db.stem + "_loaded")
    if loaded.exists():
        shutil.copytree(loaded, root / loaded.name, symlinks=True)
    return copy


def run_warehouse(input_dir: Path, root: Path, as_of: str = DEMO_AS_OF) -> Run:
    root.mkdir(parents=True, exist_ok=True)
    out = root / "out"
    result = warehouse_cli("run", "--input", str(input_dir), "--as-of", as_of, "--out", str(out), root=root, check=True)
    return Run(db=root / "warehouse.duckdb", out=out, result=result)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Run:
    """`warehouse run` on the shipped demo county at its as-of date, built once per session."""
    return run_warehouse(DEMO_DIR, tmp_path_factory.mktemp("demo_run"))


GENERATED_TOWNSHIPS, GENERATED_SEED = 40, 7
"""The generated data set the tests share: small, yet every rule in force is planted in it."""


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """`warehouse generate` output (Parquet) with its planted findings, made once per session."""
    from warehouse.synthetic.generate import generate

    return generate(townships=GENERATED_TOWNSHIPS, seed=GENERATED_SEED, out_dir=tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def generated_run(generated, tmp_path_factory) -> Run:
    """`warehouse run` on the generated data set at its as-of date."""
    return run_warehouse(generated.out_dir, tmp_path_factory.mktemp("generated_run"), as_of=generated.as_of.isoformat())

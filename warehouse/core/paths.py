"""Where the warehouse's files are: the warehouse file, what lies beside it (the lock, the key, the load folders,
the local Spark engine's tables, dbt's target and logs), and the dbt project.

The dbt project is read, never written: installed from a wheel it sits inside the package, which may be read-only
and is shared by every user of the environment, so everything a run writes lives beside the warehouse file."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
"""The `warehouse` package."""

SHIPPED_PROJECT = PACKAGE_DIR / "project"
"""Where an installed package holds the dbt project: pyproject.toml maps the repository root to the subpackage
`warehouse.project` (dbt_project.yml, profiles.yml, models/, macros/, seeds/, tests/dbt/, notebooks/, spark/, demo/),
so `pip install .` and the wheel carry it without moving a file of the repository."""

PROJECT_DIR = SHIPPED_PROJECT if (SHIPPED_PROJECT / "dbt_project.yml").is_file() else PACKAGE_DIR.parent
"""The dbt project: the package's `project/` folder when installed, the repository root in a clone (and in an
editable install, which runs the clone's files)."""

RULEBOOK_DIR = PROJECT_DIR / "seeds" / "rulebook"
"""The shipped rulebook's seeds: rules, parameters (and, with them, documents and parameter definitions)."""


def warehouse_path() -> Path:
    """`$WAREHOUSE_DB`, else `warehouse.duckdb` in the current folder (never inside the installed package)."""
    return Path(os.environ.get("WAREHOUSE_DB") or "warehouse.duckdb").resolve()


def beside_warehouse(suffix: str, db_path: Path | None = None) -> Path:
    """`<warehouse file name><suffix>` in the warehouse's folder (`warehouse.duckdb.lock`, …)."""
    db = db_path or warehouse_path()
    return db.with_name(db.name + suffix)


def _beside_warehouse(variable: str, suffix: str, db_path: Path | None) -> Path:
    """`$variable`, else the folder `<warehouse file stem><suffix>` beside the warehouse file."""
    if os.environ.get(variable):
        return Path(os.environ[variable]).resolve()
    db = db_path or warehouse_path()
    return db.with_name(db.stem + suffix)


def dbt_dir(db_path: Path | None = None) -> Path:
    """`<warehouse file stem>_dbt` beside the warehouse file: dbt's `target/` (compiled SQL, run results, the
    partial-parse state) and `logs/` (dbt's own log and the output of the last command's dbt runs), unless
    $DBT_TARGET_PATH / $DBT_LOG_PATH say otherwise (warehouse.engine.build)."""
    db = db_path or warehouse_path()
    return db.with_name(db.stem + "_dbt")


def loaded_root(db_path: Path | None = None) -> Path:
    """`$WAREHOUSE_LOADED_DIR`, else `<warehouse file name>_loaded` beside the warehouse file: the loader's
    validated output, the one copy of the loaded data both engines read (see `loaded_path`)."""
    return _beside_warehouse("WAREHOUSE_LOADED_DIR", "_loaded", db_path)


def loaded_path(db_path: Path | None = None) -> Path:
    """The current load: `<loaded_root>/current`, a symbolic link to the folder of the last complete load, which
    holds one Parquet folder per entity (townships/, units/, people/, postings/, appraisals/, rejects/,
    load_files/). A build reads the folder the link resolves to when it starts (its `raw` views, or Spark's `raw`
    tables, name that folder), so a later load never changes what a finished build shows."""
    return loaded_root(db_path) / "current"


def spark_dir(db_path: Path | None = None) -> Path:
    """`$WAREHOUSE_SPARK_DIR`, else `<warehouse file name>_spark` beside the warehouse file: the local Spark
    engine's tables (`tables/<schema>.db/<table>`, Parquet) and its metastore."""
    return _beside_warehouse("WAREHOUSE_SPARK_DIR", "_spark", db_path)


def spark_tables() -> Path:
    """The local Spark warehouse (profiles.yml: spark.sql.warehouse.dir): one `<schema>.db/<table>/` folder of
    Parquet files per table."""
    return spark_dir() / "tables"


def spark_table(schema: str, table: str) -> Path:
    return spark_tables() / f"{schema}.db" / table

"""The load folders beside the warehouse: which ones a built warehouse still reads, and removing the others."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from warehouse.core.paths import loaded_path, loaded_root, spark_table, warehouse_path


def referenced_loads(db_path: Path | None = None) -> set[str] | None:
    """The load folders (names under loaded_root) that the built warehouses read: the DuckDB warehouse's and the
    local Spark engine's `raw` (their run_info records the folder); None when a warehouse cannot be read now (held
    by a writer), so nothing is removed on a guess. A new load must not remove them: an export reads the rejects
    of the load its build judged."""
    names: set[str] = set()
    db = db_path or warehouse_path()
    spark_run_info = spark_table("marts", "run_info")
    sources = []
    if db.exists():
        sources.append((str(db), "marts.run_info"))
    if spark_run_info.exists():
        sources.append((":memory:", "read_parquet('" + str(spark_run_info / "*.parquet").replace("'", "''") + "')"))
    for path, relation in sources:
        try:
            con = duckdb.connect(path, read_only=path != ":memory:")
        except duckdb.Error:
            return None
        try:
            names |= {Path(row[0]).name for row in con.execute(f"select loaded_from from {relation}").fetchall() if row[0]}
        except duckdb.Error:
            pass  # no build yet, or a warehouse from before run_info.loaded_from: it reads no load folder
        finally:
            con.close()
    return names


LOAD_PREFIX = "load-"


def remove_unused_loads(db_path: Path | None = None) -> None:
    """Remove the load folders that neither `current` points to nor a built warehouse reads (referenced_loads).
    Callers hold the warehouse lock."""
    root = loaded_root(db_path)
    current = loaded_path(db_path)
    referenced = referenced_loads(db_path)
    if referenced is None:
        return
    keep = referenced | ({current.resolve().name} if current.exists() else set())
    for folder in root.glob(f"{LOAD_PREFIX}*"):
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)

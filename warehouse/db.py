"""Where the warehouse file lives, and short-lived connections to it.

DuckDB allows one writing process, and any process holding the file blocks `dbt build`, so every caller opens
the file, does its work and closes it again.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The dbt project (dbt_project.yml, models/, seeds/) sits beside the package."""


def warehouse_path() -> Path:
    """`$WAREHOUSE_DB`, else `warehouse.duckdb` in the project folder (ignored by git)."""
    return Path(os.environ.get("WAREHOUSE_DB") or PROJECT_DIR / "warehouse.duckdb").resolve()


@contextmanager
def connect(path: Path | None = None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    target = path or warehouse_path()
    if read_only and not target.exists():
        raise FileNotFoundError(
            f"仓库文件不存在：{target}。请先运行 warehouse load。 / The warehouse file {target} does not exist: "
            "run `warehouse load` first."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), read_only=read_only)
    try:
        yield con
    finally:
        con.close()

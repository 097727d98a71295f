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


def _beside_warehouse(variable: str, suffix: str, db_path: Path | None) -> Path:
    """`$variable`, else the folder `<warehouse file name><suffix>` beside the warehouse file."""
    if os.environ.get(variable):
        return Path(os.environ[variable]).resolve()
    db = db_path or warehouse_path()
    return db.with_name(db.stem + suffix)


def loaded_root(db_path: Path | None = None) -> Path:
    """`$WAREHOUSE_LOADED_DIR`, else `<warehouse file name>_loaded` beside the warehouse file: the loader's
    validated output, the one copy of the loaded data both engines read (see `loaded_path`)."""
    return _beside_warehouse("WAREHOUSE_LOADED_DIR", "_loaded", db_path)


def loaded_path(db_path: Path | None = None) -> Path:
    """The current load: `<loaded_root>/current`, a symbolic link to the folder of the last complete load, which
    holds one Parquet folder per entity (townships/, units/, people/, postings/, appraisals/, rejects/,
    load_files/). The DuckDB `raw` views and the Spark `raw` tables read these files."""
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


def parquet_view(con: duckdb.DuckDBPyConnection, relation: str, folder: Path, *, temporary: bool = False) -> None:
    """(Re)create a DuckDB view `relation` (already quoted) over the Parquet files of `folder`."""
    files = str(folder / "*.parquet").replace("'", "''")
    kind = "temp view" if temporary else "view"
    con.execute(f"create or replace {kind} {relation} as select * from read_parquet('{files}')")


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


@contextmanager
def reading(engine: str = "duckdb") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for reading the built warehouse, whichever engine built it, with the same schema and table
    names: the warehouse file opened read-only, or, for Spark, an in-memory DuckDB with a view over each Parquet
    table of the local Spark warehouse (`<schema>.db/<table>`; Spark's views have no files and are left out) and
    `raw` over the current load."""
    if engine == "duckdb":
        with connect(read_only=True) as con:
            yield con
        return
    tables = spark_tables()
    if not tables.exists():
        raise FileNotFoundError(
            f"Spark 仓库不存在：{tables}。请先运行 warehouse build --engine spark。 / The Spark warehouse {tables} "
            "does not exist: run `warehouse build --engine spark` first."
        )
    folders = [(d.name.removesuffix(".db"), t) for d in tables.glob("*.db") for t in d.iterdir() if t.is_dir()]
    folders += [("raw", t) for t in loaded_path().glob("*") if t.is_dir()]
    con = duckdb.connect()
    try:
        for schema, folder in folders:
            if not any(folder.glob("*.parquet")):
                continue
            con.execute(f'create schema if not exists "{schema}"')
            parquet_view(con, f'"{schema}"."{folder.name}"', folder)
        yield con
    finally:
        con.close()

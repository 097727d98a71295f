"""Short-lived connections to the warehouse file, and how a new build replaces it.

DuckDB allows one writing process, and a process holding the file, even read-only, blocks a writer. So nothing
ever writes the warehouse file in place: a build (or a snapshot) writes a new file beside it and swaps it in with
one rename (`staged`). A reader (an export, a notebook, an analyst's DuckDB session) keeps the file it opened,
whole, and never blocks a build; a build killed at any moment leaves the previous one for every reader.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from warehouse.core.atomic import fsync
from warehouse.core.errors import UserError
from warehouse.core.paths import beside_warehouse, loaded_path, spark_tables, warehouse_path

STAGE_SUFFIX = ".building"
"""The file a build writes before it becomes the warehouse: one name (builds hold the lock, so there is only ever
one), which also keeps dbt's partial parsing valid from build to build (its profile names the file)."""


class WarehouseUnavailable(UserError):
    """The warehouse file cannot be read now (exit status 1): missing, not built, or held by another program."""


def parquet_view(con: duckdb.DuckDBPyConnection, relation: str, folder: Path, *, temporary: bool = False) -> None:
    """(Re)create a DuckDB view `relation` (already quoted) over the Parquet files of `folder`."""
    files = str(folder / "*.parquet").replace("'", "''")
    kind = "temp view" if temporary else "view"
    con.execute(f"create or replace {kind} {relation} as select * from read_parquet('{files}')")


def _in_use(target: Path, error: duckdb.Error) -> WarehouseUnavailable:
    """DuckDB's lock message names the process holding the file: say it in words a user can act on."""
    holder = re.search(r"PID (\d+)", str(error))
    pid = holder.group(1) if holder else "?"
    return WarehouseUnavailable(
        f"仓库文件 {target} 正被另一个程序（进程 {pid}）以写方式打开，无法读取。请关闭该程序（如 DuckDB 命令行、"
        "数据库工具）后重试。",
        f"The warehouse file {target} is open for writing in another program (pid {pid}): close it (a DuckDB shell, "
        "a database tool) and run again.",
    )


@contextmanager
def connect(path: Path | None = None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file (`path`: a stage being built). Read-only is how everything but a build
    opens the warehouse: it never blocks a build, which writes a new file."""
    target = path or warehouse_path()
    if read_only and not target.exists():
        raise WarehouseUnavailable(
            f"仓库文件不存在：{target}。请先运行 warehouse run（或 warehouse load 和 warehouse build）。",
            f"The warehouse file {target} does not exist: run `warehouse run` (or `warehouse load` and "
            "`warehouse build`) first.",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise _in_use(target, error) from None
        raise
    try:
        yield con
    finally:
        con.close()


BUILD_STATES_ZH = {"running": "未完成（被中断）", "failed": "失败"}


def check_built(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse marts that are not those of one complete build (marts.build_status, written by the build's
    on-run-start and on-run-end hooks: macros/build_status.sql): a Spark build killed half-way, or one that
    failed, leaves marts of two builds side by side."""
    tables = {
        row[0]
        for row in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    }
    if "run_info" not in tables:
        raise WarehouseUnavailable(
            "仓库中还没有构建结果。请先运行 warehouse build（或 warehouse run）。",
            "The warehouse holds no build yet: run `warehouse build` (or `warehouse run`) first.",
        )
    rows = con.execute("select status from marts.build_status").fetchall() if "build_status" in tables else []
    status = rows[0][0] if rows else None
    if status != "complete":
        state_zh = BUILD_STATES_ZH.get(status, "没有完成记录")
        state_en = {"running": "did not finish (it was interrupted)", "failed": "failed"}.get(
            status, "left no record of finishing"
        )
        raise WarehouseUnavailable(
            f"仓库中的结果不属于一次完整的构建：上次构建{state_zh}，结果表可能来自不同的构建或核查基准日。"
            "本次未写出任何文件。请重新运行 warehouse build。",
            f"The warehouse's marts do not belong to one complete build: the last build {state_en}, so its tables "
            "may come from different builds or as-of dates. Nothing was written: run `warehouse build` again.",
        )


def discard(path: Path) -> None:
    """A DuckDB file that will not become the warehouse, with its write-ahead log and spill folder."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


@contextmanager
def staged(*, copy: bool, suffix: str = STAGE_SUFFIX) -> Iterator[Path]:
    """A new warehouse file to write instead of the current one (empty, or a copy of it); when the block ends
    normally it is checkpointed, flushed and renamed over the warehouse file, all at once. If the block fails, or
    the process is killed, the warehouse file is as it was (a stale stage is removed by the next command).
    Callers hold the warehouse lock (warehouse.lock)."""
    current = warehouse_path()
    stage = beside_warehouse(suffix)
    discard(stage)
    try:
        if copy and current.exists():
            shutil.copyfile(current, stage)
            wal = current.with_name(current.name + ".wal")
            if wal.exists():  # left by a program killed while writing the warehouse in place
                shutil.copyfile(wal, stage.with_name(stage.name + ".wal"))
        yield stage
        with duckdb.connect(str(stage)) as con:
            con.execute("checkpoint")
        fsync(stage)
        os.replace(stage, current)
        current.with_name(current.name + ".wal").unlink(missing_ok=True)
        fsync(current.parent)
    finally:
        discard(stage)


@contextmanager
def reading(engine: str = "duckdb") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for reading the built warehouse, whichever engine built it, with the same schema and table
    names: the warehouse file opened read-only, or, for Spark, an in-memory DuckDB with a view over each Parquet
    table of the local Spark warehouse (`<schema>.db/<table>`; Spark's views have no files and are left out) and
    `raw` over the load that Spark build read (its run_info.loaded_from). Either way the marts must be those of one
    complete build (check_built)."""
    if engine == "duckdb":
        with connect(read_only=True) as con:
            check_built(con)
            yield con
        return
    tables = spark_tables()
    if not tables.exists():
        raise WarehouseUnavailable(
            f"Spark 仓库不存在：{tables}。请先运行 warehouse build --engine spark。",
            f"The Spark warehouse {tables} does not exist: run `warehouse build --engine spark` first.",
        )
    folders = [(d.name.removesuffix(".db"), t) for d in tables.glob("*.db") for t in d.iterdir() if t.is_dir()]
    con = duckdb.connect()
    try:
        for schema, folder in folders:
            if not any(folder.glob("*.parquet")):
                continue
            con.execute(f'create schema if not exists "{schema}"')
            parquet_view(con, f'"{schema}"."{folder.name}"', folder)
        check_built(con)
        loaded = con.execute("select loaded_from from marts.run_info").fetchall()[0][0]
        load = Path(loaded) if loaded and Path(loaded).is_dir() else loaded_path()
        con.execute('create schema if not exists "raw"')
        for folder in load.glob("*"):
            if folder.is_dir() and any(folder.glob("*.parquet")):
                parquet_view(con, f'"raw"."{folder.name}"', folder)
        yield con
    finally:
        con.close()


@contextmanager
def reading_load(load: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with `raw.<entity>` views over a load folder (default: the current load), for what reads
    the loaded data before a build has judged it (a snapshot's input checksums, tests)."""
    folder = (load or loaded_path()).resolve()
    con = duckdb.connect()
    try:
        con.execute('create schema "raw"')
        for table in sorted(folder.iterdir()):
            # An optional table's folder may be empty (Spark creates it with its declared columns and no file).
            if table.is_dir() and any(table.glob("*.parquet")):
                parquet_view(con, f'"raw"."{table.name}"', table)
        yield con
    finally:
        con.close()

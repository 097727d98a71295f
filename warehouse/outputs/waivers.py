"""Approved exceptions (批准例外, contract v1.1) in the outputs: the ones that cover no finding, for the run's summary
and manifest (stale approvals surface), and the workbook sheet of every waiver and its use.

Whether a waiver is in force and which findings it covers is judged in dbt (marts.waiver_use, the violations
mart's waiver_no); this module only reads and names it.
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.inputs.contract import WAIVERS

STATES_ZH = {"in_force": "有效", "expired": "已过期", "not_yet_in_force": "尚未生效"}

UNUSED_FIELDS = ("waiver_id", "approval_no", "rule_id", "township_code", "person_id", "period", "state")
"""What the manifest says of a waiver that covers no finding."""

SHEET_NAME = "批准例外"


def read_waiver_use(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every waiver on the build's as-of date: its state and the findings it covers."""
    return con.sql(
        """
        select * exclude (as_of) from marts.waiver_use
        where as_of = (select as_of from marts.run_info)
        order by waiver_id
        """
    ).pl()


def unused(waiver_use: pl.DataFrame) -> list[dict]:
    """The waivers that cover no finding on the as-of date (expired, not yet in force, or matching none)."""
    return waiver_use.filter(pl.col("findings_covered") == 0).select(UNUSED_FIELDS).to_dicts()


def describe_unused(waiver: dict) -> str:
    """One line of the run's summary for a waiver that covers no finding, Chinese first."""
    where = " ".join(str(waiver[k]) for k in ("rule_id", "township_code", "person_id", "period") if waiver[k])
    state = waiver["state"]
    why_zh = STATES_ZH[state] if state != "in_force" else "未匹配任何问题"
    why_en = state.replace("_", " ") if state != "in_force" else "matches no finding"
    return f"{waiver['waiver_id']}（{waiver['approval_no']}，{where}）：{why_zh} / {why_en}"


def waivers_sheet(waiver_use: pl.DataFrame) -> pl.DataFrame:
    """The workbook's 批准例外 sheet: every waiver under its input headers, with its state and the findings covered."""
    aliases = {column.name: column.alias for column in WAIVERS.columns}
    columns = [name for name in aliases if name in waiver_use.columns]
    return waiver_use.select(
        *(pl.col(name).alias(aliases[name]) for name in columns),
        pl.col("state").replace_strict(STATES_ZH).alias("状态"),
        pl.col("findings_covered").alias("覆盖问题数"),
    )

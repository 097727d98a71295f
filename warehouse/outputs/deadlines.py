"""The calendar of deadlines (到期提醒, contract v1.1): `deadlines.csv` on every export, and its workbook sheet.

The dates are judged in dbt (marts.deadlines, from the rulebook rows in force); this module only selects the
export's as-of date, cuts the list to `--within DAYS` and writes it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from warehouse.core.safe_cells import write_csv

DEADLINE_COLUMNS = ("rule_id", "township_code", "person_id", "due_on", "what_zh", "citation")
"""deadlines.csv, as contract v1.1 lists them."""

HEADERS_ZH = {
    "rule_id": "规则编号", "township_code": "乡镇代码", "person_id": "人员编号", "due_on": "到期日", "what_zh": "到期事项",
    "citation": "依据",
}
"""The workbook sheet's headers (the input aliases where the column is an input's)."""

SHEET_NAME = "到期提醒"


def read_deadlines(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The deadlines of the build's as-of date, in date order (then rule, township, person)."""
    return con.sql(
        """
        select rule_id, township_code, person_id, due_on, what_zh, citation, township_name, county_code, as_of
        from marts.deadlines
        where as_of = (select as_of from marts.run_info)
        order by due_on, rule_id, township_code, person_id nulls first
        """
    ).pl()


def within(deadlines: pl.DataFrame, as_of: date, days: int | None) -> pl.DataFrame:
    """The deadlines falling due in the `days` after the as-of date (`--within DAYS`; the as-of date itself and the
    last day included); all of them when `days` is None."""
    if days is None:
        return deadlines
    return deadlines.filter(pl.col("due_on") <= as_of + timedelta(days=days))


def write_deadlines(deadlines: pl.DataFrame, path: Path) -> None:
    """deadlines.csv, UTF-8 with a BOM (contract v1.1 "Excel"), text cells formula-safe."""
    write_csv(deadlines.select(DEADLINE_COLUMNS), path)


def deadlines_sheet(deadlines: pl.DataFrame, titles: dict[str, str] | None = None) -> pl.DataFrame:
    """The workbook's 到期提醒 sheet: deadlines.csv's columns under Chinese headers, dates as dates, with the
    township's name, the rule's title and the days left beside them."""
    titles = titles or {}
    extra = [
        pl.col("rule_id").replace_strict(titles, default=pl.col("rule_id"), return_dtype=pl.String).alias("规则"),
        pl.col("township_name").alias("乡镇名称"),
        (pl.col("due_on") - pl.col("as_of")).dt.total_days().alias("剩余天数"),
    ]
    return deadlines.select(*(pl.col(name).alias(HEADERS_ZH[name]) for name in DEADLINE_COLUMNS), *extra)

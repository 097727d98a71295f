"""Trend charts of the snapshot history, for the dashboard notebook.

The data are the Parquet files `warehouse history OUT_DIR` writes under `OUT_DIR/parquet/` (violation_history,
violation_lifecycle, township_trend), so a notebook never holds the DuckDB file. Nothing here judges a rule or a
lifecycle: the statuses come from the dbt marts; this module only counts what they say, names it and draws.

In a notebook cell:

    from warehouse.outputs import trend
    history = trend.load(OUT_DIR)
    trend.violations_by_rule_chart(history)
    trend.oldest_open_chart(history)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import altair as alt
import polars as pl

from warehouse.core.paths import PROJECT_DIR
from warehouse.outputs.dashboard import finish, severity_color

SEVERITY_ZH = {"error": "严重", "warn": "警示", "info": "提示"}
STANDING = ("new", "open", "reopened")
"""Statuses of a finding that the snapshot finds (resolved: the first snapshot that no longer finds it)."""


@dataclass(frozen=True)
class History:
    violation_history: pl.DataFrame
    violation_lifecycle: pl.DataFrame
    township_trend: pl.DataFrame
    rules: pl.DataFrame
    """rule_id, title_zh, rule_order: the rulebook's rules in the contract's order."""


def rule_titles(project_dir: Path = PROJECT_DIR) -> pl.DataFrame:
    return (
        pl.read_csv(project_dir / "seeds" / "rulebook" / "rulebook_rules.csv", infer_schema=False)
        .select("rule_id", "title_zh")
        .with_row_index("rule_order")
    )


def load(out_dir: str | Path) -> History:
    """The history as `warehouse history OUT_DIR` wrote it."""
    parquet = Path(out_dir) / "parquet"
    read = lambda name: pl.read_parquet(parquet / f"{name}.parquet")  # noqa: E731
    return History(
        violation_history=read("violation_history"),
        violation_lifecycle=read("violation_lifecycle"),
        township_trend=read("township_trend"),
        rules=rule_titles(),
    )


def violations_by_rule(history: History) -> pl.DataFrame:
    """Findings standing in each snapshot, per rule: one row per snapshot date and rule that has ever had a
    finding, zero where the snapshot found none (so a line drops to zero instead of skipping the date)."""
    rows = history.violation_history
    dates = pl.concat([history.township_trend.select("snapshot_date"), rows.select("snapshot_date")]).unique()
    rules = rows.select("rule_id").unique().join(history.rules, on="rule_id", how="left")
    counts = (
        rows.filter(pl.col("status").is_in(STANDING))
        .group_by("snapshot_date", "rule_id")
        .agg(pl.len().cast(pl.Int64).alias("violations"))
    )
    return (
        dates.join(rules, how="cross")
        .join(counts, on=["snapshot_date", "rule_id"], how="left")
        .with_columns(
            pl.col("violations").fill_null(0),
            pl.coalesce("title_zh", "rule_id").alias("title_zh"),
        )
        .sort("snapshot_date", "rule_order")
        .select("snapshot_date", "rule_id", "title_zh", "violations", "rule_order")
    )


def violations_by_rule_chart(history: History) -> alt.TopLevelMixin:
    """Line chart: how many findings of each rule each snapshot found."""
    frame = violations_by_rule(history)
    order = frame.sort("rule_order")["title_zh"].unique(maintain_order=True).to_list()
    selection = alt.selection_point(fields=["title_zh"], bind="legend")
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=14), interpolate="step-after")
        .encode(
            x=alt.X("snapshot_date:T", title="快照日期", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("violations:Q", title="违规条数", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("title_zh:N", title="规则", sort=order, scale=alt.Scale(scheme="tableau20")),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("snapshot_date:T", title="快照日期", format="%Y-%m-%d"),
                alt.Tooltip("title_zh:N", title="规则"),
                alt.Tooltip("rule_id:N", title="规则编号"),
                alt.Tooltip("violations:Q", title="违规条数"),
            ],
        )
        .add_params(selection)
        .properties(width=620, height=300)
    )
    first, last = frame["snapshot_date"].min(), frame["snapshot_date"].max()
    return finish(
        lines,
        "violations_by_rule_over_snapshots",
        "各规则违规条数随快照的变化",
        f"{first} 至 {last}，共 {frame['snapshot_date'].n_unique()} 次快照；点击图例可突出某条规则",
    )


def oldest_open_findings(history: History, limit: int = 10) -> pl.DataFrame:
    """Findings the latest snapshot still finds, longest-standing first (by the snapshot that first found them)."""
    lifecycle = history.violation_lifecycle.filter(pl.col("status") == "open")
    return (
        lifecycle.join(history.rules.select("rule_id", "title_zh"), on="rule_id", how="left")
        .with_columns(
            (pl.col("latest_snapshot_on") - pl.col("first_seen_on")).dt.total_days().alias("days_open"),
            pl.col("severity").replace_strict(SEVERITY_ZH, default=pl.col("severity")).alias("severity_zh"),
            pl.concat_str(
                [
                    pl.col("township_name").fill_null(pl.col("township_code")),
                    pl.coalesce("title_zh", "rule_id"),
                    pl.col("person_id").fill_null(pl.col("period").cast(pl.String)).fill_null(""),
                ],
                separator=" · ",
            )
            .str.strip_chars(" ·")
            .alias("label"),
        )
        .sort(["first_seen_on", "rule_id", "township_code", "person_id", "period"], nulls_last=False)
        .head(limit)
        .select(
            "label", "township_code", "township_name", "rule_id", "title_zh", "person_id", "period", "severity_zh",
            "first_seen_on", "open_since_on", "latest_snapshot_on", "days_open", "times_reopened", "message_zh",
        )
    )


def oldest_open_table(history: History, limit: int = 10) -> pl.DataFrame:
    """The same findings with Chinese headers, for display as a table."""
    return oldest_open_findings(history, limit).select(
        pl.col("township_name").alias("乡镇"),
        pl.col("title_zh").alias("规则"),
        pl.col("person_id").alias("人员编号"),
        pl.col("period").alias("年度"),
        pl.col("severity_zh").alias("严重程度"),
        pl.col("first_seen_on").alias("首次发现"),
        pl.col("days_open").alias("已持续天数"),
        pl.col("times_reopened").alias("重新出现次数"),
        pl.col("message_zh").alias("问题"),
    )


def oldest_open_chart(history: History, limit: int = 10) -> alt.TopLevelMixin:
    """Bars: how long each of the oldest open findings has stood, from first found to the latest snapshot."""
    frame = oldest_open_findings(history, limit)
    order = frame["label"].to_list()
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title="问题（乡镇 · 规则 · 人员/年度）", sort=order, axis=alt.Axis(labelLimit=320)),
            x=alt.X("days_open:Q", title="自首次发现起的天数"),
            color=severity_color(),
            tooltip=[
                alt.Tooltip("township_name:N", title="乡镇"),
                alt.Tooltip("title_zh:N", title="规则"),
                alt.Tooltip("person_id:N", title="人员编号"),
                alt.Tooltip("first_seen_on:T", title="首次发现", format="%Y-%m-%d"),
                alt.Tooltip("open_since_on:T", title="本次出现自", format="%Y-%m-%d"),
                alt.Tooltip("days_open:Q", title="已持续天数"),
                alt.Tooltip("times_reopened:Q", title="重新出现次数"),
                alt.Tooltip("message_zh:N", title="问题"),
            ],
        )
        .properties(width=480, height=alt.Step(24))
    )
    latest = frame["latest_snapshot_on"].max() if frame.height else "—"
    return finish(
        bars,
        "oldest_open_findings",
        "持续时间最长的未整改问题",
        f"截至最近一次快照 {latest}，按首次发现日期排序的前 {frame.height} 条",
    )


def severity_trend(history: History, township_code: str | None = None) -> pl.DataFrame:
    """Findings standing in each snapshot by severity, for the county (or one township): long form."""
    rows = history.township_trend
    if township_code:
        rows = rows.filter(pl.col("township_code") == township_code)
    return (
        rows.group_by("snapshot_date")
        .agg(pl.col(f"violations_{key}").sum().alias(label) for key, label in SEVERITY_ZH.items())
        .unpivot(index="snapshot_date", variable_name="severity_zh", value_name="violations")
        .sort("snapshot_date", "severity_zh")
    )


def severity_trend_chart(history: History, township_code: str | None = None) -> alt.TopLevelMixin:
    """Stacked areas: the findings standing in each snapshot by severity."""
    frame = severity_trend(history, township_code)
    area = (
        alt.Chart(frame)
        .mark_area(interpolate="step-after", opacity=0.85)
        .encode(
            x=alt.X("snapshot_date:T", title="快照日期", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("violations:Q", title="违规条数", stack=True, axis=alt.Axis(tickMinStep=1, format="d")),
            color=severity_color(),
            tooltip=[
                alt.Tooltip("snapshot_date:T", title="快照日期", format="%Y-%m-%d"),
                alt.Tooltip("severity_zh:N", title="严重程度"),
                alt.Tooltip("violations:Q", title="违规条数"),
            ],
        )
        .properties(width=620, height=220)
    )
    where = township_code or "全部乡镇"
    return finish(area, "severity_trend", "违规条数（按严重程度）随快照的变化", where)

"""What the snapshots say about a page's own scope: what changed since the previous snapshot, the trend, and the
findings that have stood longest.

The rows come from dbt models over the snapshot history (dash_trend, dash_trend_rules, dash_changes,
dash_open_findings; the current rulebook version only, page_data), each already counted per division, so a
county's page draws its county and nothing else. Nothing here judges a lifecycle: the statuses are the history
marts'; this module picks the scope's rows, names them and draws. An age that starts at the first snapshot is
only known to be at least that long (the finding may be older than the history), and says so.

In a notebook cell:

    from warehouse.outputs import dashboard as d, trend as t
    data = d.load(data_dir)
    t.changes_table(data, "360799")
    t.severity_trend(data, "360799")
"""

from __future__ import annotations

import polars as pl

from warehouse.outputs.charts import WHOLE_NUMBERS, Chart, chart, field, tooltips, values
from warehouse.outputs.dashboard import (
    SEVERITIES,
    Data,
    Html,
    _note,
    _rule_titles,
    _table,
    _text,
    division,
    label,
    severity_colour,
    township_and_person,
)

CHANGES = {"new": "新发现", "reopened": "再次出现", "resolved": "已整改"}
NO_HISTORY = "尚无快照历史：运行 warehouse snapshot（可用 --from --to --every month 回溯）后再生成报告。"
OLDEST = 10
"""Open findings listed, longest-standing first."""
BARS_UP_TO = 24
"""Snapshots drawn as bars (a few dates); more as a stepped area."""


def _scoped(data: Data, table: str, area: str | None, person: str | None) -> pl.DataFrame:
    return data.rows(table, "person_id", person) if person else data.within(table, area)


def snapshot_dates(data: Data) -> list:
    """The snapshots of the current rulebook version, in date order (the nation's trend has one row each)."""
    return data.rows("trend", "division_prefix", "")["snapshot_date"].sort().to_list()


def _where(data: Data, area: str | None, person: str | None) -> str:
    if person:
        return f"人员 {person}"
    return label(data, division(data, area))


def changes_table(data: Data, area: str | None = None, *, person: str | None = None) -> Html:
    """New, reopened and resolved findings of the latest snapshot against the one before it, for the page's scope."""
    dates = snapshot_dates(data)
    if not dates:
        return _note(_text(NO_HISTORY))
    latest = dates[-1]
    if len(dates) == 1:
        return _note(f"只有一次快照（{latest:%Y-%m-%d}），尚无上一次快照可比较。")
    previous = dates[-2]
    frame = (
        _scoped(data, "changes", area, person)
        .join(_rule_titles(data), on="rule_id", how="left")
        .with_columns(
            change=pl.col("status").replace_strict(CHANGES, default=pl.col("status")),
            change_rank=pl.col("status").replace_strict({k: i for i, k in enumerate(CHANGES)}, default=9),
        )
        .sort("change_rank", "rule_order", "township_code", "person_id", "period", nulls_last=True)
    )
    counts = "、".join(f"{name} {frame.filter(pl.col('status') == code).height} 条" for code, name in CHANGES.items())
    head = (f"<p>{_text(_where(data, area, person))}：{latest:%Y-%m-%d} 的快照与上一次（{previous:%Y-%m-%d}）相比，"
            f"{counts}。</p>")
    if frame.is_empty():
        return Html(head)
    rows = []
    for r in frame.iter_rows(named=True):
        township, who = township_and_person(data, r)
        rows.append([
            f'<span class="wh-tag wh-change-{r["status"]}">{_text(r["change"])}</span>',
            _text(r["title_zh"] or r["rule_id"]), township, who, _text(r["message_zh"]),
            f"{r['first_seen_on']:%Y-%m-%d}", str(r["times_reopened"]),
        ])
    return Html(head + _table(["变化", "规则", "乡镇", "人员", "说明（最近一次发现时）", "首次发现", "再次出现次数"], rows))


def severity_trend_data(data: Data, area: str | None) -> pl.DataFrame:
    rows = data.rows("trend", "division_prefix", area or "")
    return (
        rows.select("snapshot_date", *(pl.col(f"violations_{code}").alias(name) for code, name in SEVERITIES.items()))
        .unpivot(index="snapshot_date", variable_name="severity_zh", value_name="violations")
        .with_columns(snapshot=pl.col("snapshot_date").dt.strftime("%Y-%m-%d"))
        .sort("snapshot_date", "severity_zh")
    )


def severity_trend(data: Data, area: str | None = None) -> Chart | Html:
    """The findings standing in each snapshot by severity, for the page's division or township only."""
    frame = severity_trend_data(data, area)
    if frame.is_empty():
        return _note("尚无快照。" if not snapshot_dates(data) else "本范围内的快照没有记录。")
    dates = frame["snapshot_date"].n_unique()
    x = (field("snapshot_date", "temporal", "快照日期", axis={"format": "%Y-%m"}) if dates > BARS_UP_TO
         else field("snapshot", "ordinal", "快照日期", axis={"labelAngle": -40}))
    mark = {"type": "area", "interpolate": "step-after", "opacity": 0.85} if dates > BARS_UP_TO else {"type": "bar"}
    return chart("severity_trend", "违规条数（按严重程度）随快照的变化", [
        f"{_where(data, area, None)} · {frame['snapshot_date'].min():%Y-%m-%d} 至 {frame['snapshot_date'].max():%Y-%m-%d}，"
        f"共 {dates} 次快照",
    ], {
        "data": values(frame),
        "width": 620 if dates > BARS_UP_TO else {"step": max(18, min(48, 620 // dates))},
        "height": 220,
        "mark": mark,
        "encoding": {
            "x": x,
            "y": field("violations", "quantitative", "违规条数", stack="zero", axis=WHOLE_NUMBERS),
            "color": severity_colour(),
            "tooltip": [{"field": "snapshot_date", "type": "temporal", "title": "快照日期", "format": "%Y-%m-%d"},
                        *tooltips(("severity_zh", "nominal", "严重程度"), ("violations", "quantitative", "违规条数"))],
        },
    })


def rule_trend_data(data: Data, area: str | None) -> pl.DataFrame:
    """Findings standing in each snapshot per rule that has any in the scope, zero where a snapshot found none
    (so a line drops to zero instead of skipping the date)."""
    rows = data.rows("trend_rules", "division_prefix", area or "")
    if rows.is_empty():
        return rows
    dates = pl.DataFrame({"snapshot_date": snapshot_dates(data)})
    rules = rows.select("rule_id").unique().join(_rule_titles(data), on="rule_id", how="left")
    return (
        dates.join(rules, how="cross")
        .join(rows.select("snapshot_date", "rule_id", "violations"), on=["snapshot_date", "rule_id"], how="left")
        .with_columns(pl.col("violations").fill_null(0), pl.coalesce("title_zh", "rule_id").alias("title_zh"))
        .sort("snapshot_date", "rule_order")
    )


def rule_trend(data: Data, area: str | None = None) -> Chart | Html:
    """One line per rule: how many of its findings each snapshot found in the page's scope."""
    frame = rule_trend_data(data, area)
    if frame.is_empty():
        return _note("尚无快照。" if not snapshot_dates(data) else "本范围内的快照没有发现违规。")
    order = frame.sort("rule_order")["title_zh"].unique(maintain_order=True).to_list()
    return chart("rule_trend", "各规则违规条数随快照的变化", [
        f"{_where(data, area, None)} · 共 {frame['snapshot_date'].n_unique()} 次快照；点击图例可突出某条规则",
    ], {
        "data": values(frame),
        "width": 620,
        "height": 300,
        "params": [{"name": "rule", "select": {"type": "point", "fields": ["title_zh"]}, "bind": "legend"}],
        "mark": {"type": "line", "point": {"size": 14}, "interpolate": "step-after"},
        "encoding": {
            "x": field("snapshot_date", "temporal", "快照日期", axis={"format": "%Y-%m"}),
            "y": field("violations", "quantitative", "违规条数", axis=WHOLE_NUMBERS),
            "color": field("title_zh", "nominal", "规则", sort=order, scale={"scheme": "tableau20"}),
            "opacity": {"condition": {"param": "rule", "value": 1.0}, "value": 0.15},
            "tooltip": [{"field": "snapshot_date", "type": "temporal", "title": "快照日期", "format": "%Y-%m-%d"},
                        *tooltips(("title_zh", "nominal", "规则"), ("rule_id", "nominal", "规则编号"),
                                  ("violations", "quantitative", "违规条数"))],
        },
    })


def oldest_open_findings(data: Data, area: str | None = None, *, person: str | None = None,
                         limit: int = OLDEST) -> pl.DataFrame:
    """Findings the latest snapshot still finds in the scope, longest-standing first, with their age in words:
    "至少 N 天" where they were first found by the first snapshot (they may be older)."""
    return (
        _scoped(data, "open_findings", area, person)
        .join(_rule_titles(data), on="rule_id", how="left")
        .with_columns(
            severity_zh=pl.col("severity").replace_strict(SEVERITIES, default=pl.col("severity")),
            age_zh=pl.when(pl.col("is_age_at_least")).then(pl.format("至少 {} 天", pl.col("days_open")))
            .otherwise(pl.format("{} 天", pl.col("days_open"))),
        )
        .sort(["days_open", "rule_order", "township_code", "person_id", "period"],
              descending=[True, False, False, False, False], nulls_last=True)
        .head(limit)
    )


def oldest_open(data: Data, area: str | None = None, *, person: str | None = None, limit: int = OLDEST) -> Html:
    """The open findings that have stood longest in the scope, as a table."""
    if not snapshot_dates(data):
        return _note("尚无快照。")
    frame = oldest_open_findings(data, area, person=person, limit=limit)
    if frame.is_empty():
        return _note("最近一次快照在本范围内没有未整改的问题。")
    first = frame["first_snapshot_on"][0]
    rows = []
    for r in frame.iter_rows(named=True):
        township, who = township_and_person(data, r)
        rows.append([
            township, _text(r["title_zh"] or r["rule_id"]), who,
            f'<span class="wh-tag wh-{_text(r["severity"])}">{_text(r["severity_zh"])}</span>',
            f"{r['first_seen_on']:%Y-%m-%d}", _text(r["age_zh"]), str(r["times_reopened"]), _text(r["message_zh"]),
        ])
    note = (f"<p>截至最近一次快照 {frame['latest_snapshot_on'][0]:%Y-%m-%d}，按持续时间列出前 {frame.height} 条。"
            f"首次快照为 {first:%Y-%m-%d}：在首次快照就已发现的问题，实际存在时间可能更长，记为“至少”。</p>")
    return Html(note + _table(["乡镇", "规则", "人员", "严重程度", "首次发现", "已持续", "再次出现次数", "说明"], rows))


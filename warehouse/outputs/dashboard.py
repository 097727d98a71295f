"""The dashboards' charts and tables, one function per notebook cell (notebooks/*.ipynb).

The notebooks stay thin: each cell calls one function here with the page's parameters. One notebook draws every
level above a township — the nation, a province, a city, a county (`dashboard.ipynb`, parameter `area_code`) —
each chart aggregated to the level below it (a province charts its cities: never one bar per township above a
county); `township.ipynb` and `cadre.ipynb` draw one township and one person. Nothing here judges a rule or
aggregates rows into figures: the findings, their sentences and evidence, the statuses and every count come from
dbt models (page_data); this module only selects a page's rows, names them and draws.
"""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import polars as pl

from warehouse.inputs.contract import END_REASONS, ORG_LEVELS, STAFF_CATEGORIES, TOWNSHIP_TYPES, UNIT_KINDS
from warehouse.outputs.charts import WHOLE_NUMBERS, Chart, chart, colour, field, tooltips, values
from warehouse.outputs.page_data import Data, level_of, load  # noqa: F401  (the notebooks call d.load)
from warehouse.outputs.pages import PARTS_CSS

# ---------------------------------------------------------------------------------------------------------------
# Labels and colours
# ---------------------------------------------------------------------------------------------------------------

SEVERITIES = {"error": "严重", "warn": "警示", "info": "提示"}
SEVERITY_COLOURS = {"严重": "#c0392b", "警示": "#e67e22", "提示": "#2980b9"}
STATUSES = {"failed": "违规", "waived": "已批准例外", "passed": "通过", "not_covered": "不适用"}
STATUS_COLOURS = {"违规": "#c0392b", "已批准例外": "#8e44ad", "通过": "#27ae60", "不适用": "#d0d0d0"}
TOWNSHIP_STATES = {"有违规": "#c0392b", "无违规": "#27ae60", "无生效规则": "#d0d0d0"}
EVENT_KINDS = {"move": "调动", "resignation": "辞职"}
EVIDENCE_KINDS = {"unit": "机构", "posting": "任职", "recruitment": "录用", "appraisal": "考核"}

TOP_UNITS = 25
"""Units below drawn in a ranking; the rest are in the table under it."""
GRID_UNITS = 30
"""Units below drawn in the unit × rule grid."""
LEADERS = 5
"""Units shown for each rule in the small multiples."""
FINDINGS_LISTED = 100
"""Findings listed on a page above a township (the most severe); the township pages list all of theirs."""
EVIDENCE_SHOWN = 3
"""Records shown under a finding; more are folded (click to show)."""


class VegaBundle:
    """The Vega libraries and the pages' styles for a notebook, shown once at its top (a report page links them
    instead)."""

    is_vega_bundle = True

    def _repr_html_(self) -> str:
        import vl_convert

        return f'<style>{PARTS_CSS}</style><script type="text/javascript">{vl_convert.javascript_bundle()}</script>'


class Html:
    """A piece of HTML a cell shows (IPython shows it as HTML; a report page embeds it)."""

    def __init__(self, text: str):
        self.data = text

    def _repr_html_(self) -> str:
        return self.data


def setup() -> VegaBundle:
    """Draw charts offline: the notebook's first output carries the Vega bundle the charts draw with."""
    return VegaBundle()


def _text(value: object) -> str:
    """A value as HTML text: names, ids and positions come from the inputs and may hold markup."""
    return html.escape("" if value is None else str(value))


def _note(text: str) -> Html:
    return Html(f'<p class="wh-note">{text}</p>')


def severity_colour() -> dict:
    """Severity in the same three colours on every chart (严重 / 警示 / 提示)."""
    return colour("severity_zh", "严重程度", SEVERITY_COLOURS)


def status_colour(present: set[str] | None = None) -> dict:
    """Rule statuses in fixed colours; 已批准例外 only where some status is one."""
    palette = {k: v for k, v in STATUS_COLOURS.items() if k != "已批准例外" or (present and k in present)}
    return colour("status_zh", "状态", palette)


_SEVERITY_ZH = pl.col("severity").replace_strict(SEVERITIES, default=pl.col("severity"))
_STATUS_ZH = pl.col("status").replace_strict(STATUSES, default=pl.col("status"))


def _severity_zh() -> pl.Expr:
    return _SEVERITY_ZH


def _status_zh() -> pl.Expr:
    return _STATUS_ZH


def _iso(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m-%d").fill_null("")


def _rule_titles(data: Data) -> pl.DataFrame:
    return data.memo(("rule_titles",), lambda: data.rules.select("rule_id", "title_zh").with_row_index("rule_order"))


def _link(data: Data, kind: str, key: str | None, text: str) -> str:
    """text (HTML already), linked to the report's page about (kind, key) when there is one."""
    target = data.link(kind, key)
    return f'<a href="{html.escape(target)}">{text}</a>' if target else text


def township_and_person(data: Data, row: dict, nobody: str = "") -> tuple[str, str]:
    """A finding's township and person as table cells, each linked to its page; nobody for a township's own."""
    township = _link(data, "township", row["township_code"], _text(row["township_name"] or row["township_code"]))
    if row["person_id"] is None:
        return township, nobody
    return township, _link(data, "cadre", row["person_id"], _text(f"{row['person_name'] or ''}（{row['person_id']}）"))


# ---------------------------------------------------------------------------------------------------------------
# Divisions: the nation, provinces, cities, counties, townships
# ---------------------------------------------------------------------------------------------------------------


def division(data: Data, prefix: str | None) -> dict:
    """The division a code prefix names ('' or None: the nation), with its figures (dash_divisions)."""
    level_of(prefix)
    rows = data.rows("divisions", "division_prefix", prefix or "")
    if rows.is_empty():
        raise ValueError(f"没有代码以 {prefix} 开头的乡镇 / no township code starts with {prefix}")
    return rows.row(0, named=True)


def level_zh(data: Data, level: str) -> str:
    names = data.memo(("level_zh",), lambda: dict(data.levels.select("level", "level_zh").iter_rows()))
    return names.get(level, level)


def unit_word(data: Data, level: str | None) -> str:
    """What a unit of a level is called in a sentence: 乡镇, or 县级单位 …"""
    return "乡镇" if level == "township" else f"{level_zh(data, level)}单位"


def child_level(data: Data, level: str) -> str | None:
    order = data.levels["level"].to_list()
    index = order.index(level)
    return order[index + 1] if index + 1 < len(order) else None


def label(data: Data, row: dict) -> str:
    """How a division is called on a page: its name and code where the data names it, else its level and code
    (no name is made up)."""
    if row["level"] == "nation":
        return "全国"
    if row["level"] == "township":
        return row["division_name"] or row["division_prefix"]
    if row["division_name"]:
        return f"{row['division_name']}（{row['division_prefix']}）"
    return f"{level_zh(data, row['level'])} {row['division_prefix']}"


def children(data: Data, prefix: str | None) -> pl.DataFrame:
    """The divisions one level below, most findings first, with their labels (as label() writes them)."""
    return data.memo(("children", prefix or ""), lambda: _children(data, prefix or ""))


def _children(data: Data, prefix: str) -> pl.DataFrame:
    rows = data.rows("divisions", "parent_prefix", prefix)
    level = pl.col("level").replace_strict(data.memo(("level_zh",), lambda: dict(
        data.levels.select("level", "level_zh").iter_rows())), default=pl.col("level"))
    rows = rows.with_columns(
        label=pl.when(pl.col("level") == "township").then(pl.coalesce("division_name", "division_prefix"))
        .when(pl.col("division_name").is_not_null()).then(pl.col("division_name") + "（" + pl.col("division_prefix") + "）")
        .otherwise(level + " " + pl.col("division_prefix"))
    )
    duplicated = pl.col("label").is_duplicated()
    return rows.with_columns(
        label=pl.when(duplicated).then(pl.col("label") + "（" + pl.col("division_prefix") + "）").otherwise("label")
    ).sort(["findings", "townships_with_findings", "division_prefix"], descending=[True, True, False])


def _ancestors(prefix: str) -> list[str]:
    return [p for p in ("", prefix[:2], prefix[:4], prefix[:6]) if len(p) < len(prefix)]



def judged_with(data: Data) -> str:
    """The rulebook the build judged with, as a reader needs it to trust the numbers: the version recorded by the
    build and, when an office's own rulebook was added, that file's name (never its folder)."""
    info = data.run_info.row(0, named=True)
    version = _text(info.get("rulebook_version") or "")
    if info.get("rulebook_file"):
        return f"规则库版本 {version}（内置规则库＋本地规则库 {_text(Path(info['rulebook_file']).name)}）"
    return f"规则库版本 {version}（内置规则库）"


def crumbs(data: Data, prefix: str | None, *, person: str | None = None) -> str:
    """The way up from a page to the top of the report: 全国 › 江西省（36） › …, linked where pages exist (only
    in a report)."""
    if not data.links:
        return ""
    steps = []
    for up in _ancestors(prefix or "") if prefix is not None else []:
        rows = data.rows("divisions", "division_prefix", up)
        if rows.height:
            steps.append(_link(data, "area", up, _text(label(data, rows.row(0, named=True)))))
    if person is not None and prefix:
        steps.append(_link(data, "township", prefix, _text(label(data, division(data, prefix)))))
    if not steps:
        return ""
    return '<nav class="wh-crumbs">' + " › ".join(steps) + "</nav>\n"


def _figure(number: int, caption: str, tone: str = "") -> str:
    return (f'<div class="wh-figure {tone}"><div class="wh-number">{number:,}</div>'
            f'<div class="wh-caption">{caption}</div></div>')


def _figures(*cards: str) -> str:
    return '<div class="wh-figures">' + "".join(cards) + "</div>"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def overview(data: Data, area: str | None) -> Html:
    """The headline of a page above a township: what it covers and its figures."""
    row = division(data, area)
    below = child_level(data, row["level"])
    unnamed = ""
    if row["level"] not in ("nation", "township") and not row["division_name"]:
        unnamed = (f"<p>资料中没有该{_text(level_zh(data, row['level']))}单位的名称，以代码表示；辖"
                   f"{_text(row['example_townships'])}等 {row['townships']} 个乡镇。</p>")
    rules = division_rule_counts(data, area).filter(pl.col("findings") > 0)
    worst = "、".join(f"{_text(r['title_zh'])} {r['findings']} 条" for r in rules.head(3).iter_rows(named=True))
    severity = "，".join(f"{label_} {row[f'findings_{code}']} 条" for code, label_ in SEVERITIES.items())
    cards = [
        _figure(row["townships"], "检查乡镇（个）"),
        _figure(row["townships_with_findings"], f"有违规的乡镇（{_share(row['townships_with_findings'], row['townships'])}）",
                "wh-bad" if row["townships_with_findings"] else ""),
        _figure(row["townships_not_covered"], "无生效规则的乡镇（不适用，不是通过）"),
        _figure(row["findings"], f"违规（{severity}）", "wh-bad" if row["findings"] else ""),
        _figure(row["people_with_findings"], "涉及人员（人）"),
    ]
    if below and below != "township":
        cards.append(_figure(row["subdivisions"], f"下辖{_text(level_zh(data, below))}单位（个）"))
    return Html(
        crumbs(data, area)
        + f"<h1>乡镇机构编制合规概览 · {_text(label(data, row))}</h1>\n"
        + f"<p>核查基准日 <strong>{data.as_of:%Y-%m-%d}</strong>；{judged_with(data)}。{unnamed}</p>\n"
        + _figures(*cards)
        + (f"<p>违规最多的规则：{worst}。</p>" if worst else "<p>未发现违规。</p>")
    )


# ---------------------------------------------------------------------------------------------------------------
# dashboard.ipynb: any level above a township
# ---------------------------------------------------------------------------------------------------------------


def division_rule_counts(data: Data, area: str | None) -> pl.DataFrame:
    """One row per rule of the rulebook for the division: findings, townships covered and failing (0 included),
    most findings first."""
    counts = data.rows("division_rules", "division_prefix", area or "")
    return (
        _rule_titles(data)
        .join(data.rules.select("rule_id", "severity"), on="rule_id")
        .join(counts.drop("level"), on="rule_id", how="left")
        .with_columns(
            pl.col("findings", "townships_covered", "townships_failed", "townships_not_covered").fill_null(0),
            severity_zh=_severity_zh(),
        )
        .with_columns(
            count_label=pl.when(pl.col("findings") > 0).then(pl.col("findings").cast(pl.String))
            .when(pl.col("townships_covered") > 0).then(pl.lit("0"))
            .otherwise(pl.lit("不适用")),
        )
        .sort(["findings", "rule_order"], descending=[True, False])
    )


def rule_bars(data: Data, area: str | None) -> Chart:
    frame = division_rule_counts(data, area)
    row = division(data, area)
    encoding = {
        "y": field("title_zh", "nominal", None, sort=frame["title_zh"].to_list()),
        "x": field("findings", "quantitative", "违规条数", axis=WHOLE_NUMBERS),
    }
    tips = tooltips(("title_zh", "nominal", "规则"), ("rule_id", "nominal", "规则编号"), ("severity_zh", "nominal", "严重程度"),
                    ("findings", "quantitative", "违规条数"), ("townships_failed", "quantitative", "违规乡镇"),
                    ("townships_covered", "quantitative", "适用乡镇"), ("townships_not_covered", "quantitative", "不适用乡镇"))
    return chart("rule_bars", "各规则违规条数", [
        f"{label(data, row)} · 核查基准日 {data.as_of:%Y-%m-%d}",
        "颜色为规则的严重程度；“不适用”表示本辖区没有任何乡镇适用该规则",
    ], {
        "data": values(frame),
        "width": 480,
        "height": {"step": 24},
        "encoding": encoding,
        "layer": [
            {"mark": {"type": "bar"}, "encoding": {"color": severity_colour(), "tooltip": tips}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
             "encoding": {"text": field("count_label", "nominal")}},
        ],
    })


def _ranked(data: Data, area: str | None, top: int) -> tuple[pl.DataFrame, int]:
    below = children(data, area)
    return below.head(top), below.height


def units_below(data: Data, area: str | None, top: int = TOP_UNITS) -> Chart | Html:
    """The units one level below ranked by findings (by severity); above a county, beside them how many of each
    one's townships have findings, none, or no rule in force."""
    row = division(data, area)
    ranked, total = _ranked(data, area, top)
    if ranked.is_empty():
        return _note("没有下级单位。")
    below = unit_word(data, child_level(data, row["level"]))
    order = ranked["label"].to_list()
    findings = ranked.select(
        "label", "division_prefix", "findings",
        *(pl.col(f"findings_{code}").alias(label_) for code, label_ in SEVERITIES.items()),
    ).unpivot(index=["label", "division_prefix", "findings"], variable_name="severity_zh", value_name="count")
    y = field("label", "nominal", None, sort=order)
    panels = [{
        "data": values(findings),
        "width": 360,
        "height": {"step": 22},
        "mark": {"type": "bar"},
        "encoding": {
            "y": y,
            "x": field("count", "quantitative", "违规条数", stack="zero", axis=WHOLE_NUMBERS),
            "color": severity_colour(),
            "tooltip": tooltips(("label", "nominal", below), ("severity_zh", "nominal", "严重程度"),
                                ("count", "quantitative", "条数"), ("findings", "quantitative", "合计")),
        },
    }]
    if row["level"] not in ("county",):
        states = ranked.select(
            "label", "townships",
            pl.col("townships_with_findings").alias("有违规"),
            (pl.col("townships") - pl.col("townships_with_findings") - pl.col("townships_not_covered")).alias("无违规"),
            pl.col("townships_not_covered").alias("无生效规则"),
        ).unpivot(index=["label", "townships"], variable_name="state", value_name="count")
        panels.append({
            "data": values(states),
            "width": 300,
            "height": {"step": 22},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {**y, "axis": None},
                "x": field("count", "quantitative", "乡镇数", stack="zero", axis=WHOLE_NUMBERS),
                "color": colour("state", "乡镇", TOWNSHIP_STATES),
                "tooltip": tooltips(("label", "nominal", below), ("state", "nominal", "乡镇"),
                                    ("count", "quantitative", "个数"), ("townships", "quantitative", "乡镇合计")),
            },
        })
    shown = f"违规最多的前 {ranked.height} 个（共 {total} 个，全部见下表）" if total > ranked.height else f"共 {total} 个"
    subtitle = [f"{label(data, row)}的{below}，{shown}；按违规条数排序，颜色为严重程度"]
    if len(panels) > 1:
        subtitle.append("右：各单位的乡镇中有违规、无违规和没有生效规则（不适用）的个数")
    body = {"hconcat": panels, "spacing": 16, "resolve": {"scale": {"color": "independent"}}} if len(panels) > 1 else panels[0]
    return chart("units_below", f"各{below}的违规", subtitle, body)


def grid_data(data: Data, area: str | None, top: int = GRID_UNITS) -> pl.DataFrame:
    ranked, _ = _ranked(data, area, top)
    parts = [data.rows("division_rules", "division_prefix", prefix).with_columns(label=pl.lit(name))
             for prefix, name in ranked.select("division_prefix", "label").iter_rows()]
    if not parts:
        return pl.DataFrame()
    return (
        pl.concat(parts)
        .join(_rule_titles(data), on="rule_id")
        .with_columns(
            status_zh=_status_zh(),
            count_label=pl.when(pl.col("findings") > 0).then(pl.col("findings").cast(pl.String)).otherwise(pl.lit("")),
            in_force=_iso("first_in_force_on"),
        )
    )


def rule_grid(data: Data, area: str | None, top: int = GRID_UNITS) -> Chart | Html:
    """Units below × rules: red where a township breaks the rule (the number of findings), green where the rule
    covers townships and none breaks it, grey where it covers none (not covered, not passing)."""
    row = division(data, area)
    frame = grid_data(data, area, top)
    if frame.is_empty():
        return _note("没有下级单位。")
    below = unit_word(data, child_level(data, row["level"]))
    units = frame.unique("label", maintain_order=True)["label"].to_list()
    _, total = _ranked(data, area, top)
    encoding = {
        "x": field("title_zh", "nominal", None, sort=_rule_titles(data)["title_zh"].to_list(),
                   axis={"labelAngle": -40, "labelLimit": 200, "orient": "top"}),
        "y": field("label", "nominal", None, sort=units),
    }
    tips = tooltips(("label", "nominal", below), ("title_zh", "nominal", "规则"), ("status_zh", "nominal", "状态"),
                    ("findings", "quantitative", "违规条数"), ("townships_failed", "quantitative", "违规乡镇"),
                    ("townships_covered", "quantitative", "适用乡镇"), ("in_force", "nominal", "最早生效日"))
    shown = f"违规最多的前 {len(units)} 个（共 {total} 个）" if total > len(units) else f"全部 {total} 个"
    return chart("rule_grid", f"{below} × 规则：违规、通过、不适用", [
            f"{label(data, row)}的{below}，{shown}；红格中的数字为违规条数",
        "绿色：规则适用且没有违规；灰色：没有乡镇适用该规则（不适用，不是通过）",
    ], {
        "data": values(frame),
        "width": {"step": 40},
        "height": {"step": 24},
        "encoding": encoding,
        "layer": [
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
             "encoding": {"color": status_colour(set(frame["status_zh"])), "tooltip": tips}},
            {"mark": {"type": "text", "color": "white", "fontWeight": "bold"},
             "encoding": {"text": field("count_label", "nominal")}},
        ],
    })


def rule_leaders(data: Data, area: str | None, top: int = LEADERS) -> Chart | Html:
    """Small multiples: for each rule broken here, the units below with most of its findings."""
    row = division(data, area)
    below = unit_word(data, child_level(data, row["level"]))
    units = children(data, area).select("division_prefix", "label")
    if units.is_empty():
        return _note("没有下级单位。")
    parts = [data.rows("division_rules", "division_prefix", prefix) for prefix in units["division_prefix"]]
    frame = (
        pl.concat(parts)
        .filter(pl.col("findings") > 0)
        .join(units, on="division_prefix")
        .join(_rule_titles(data), on="rule_id")
        .join(data.rules.select("rule_id", "severity"), on="rule_id")
        .with_columns(severity_zh=_severity_zh())
        .sort(["rule_order", "findings", "division_prefix"], descending=[False, True, False])
        .with_columns(rank=pl.int_range(pl.len()).over("rule_id"))
        .filter(pl.col("rank") < top)
    )
    if frame.is_empty():
        return _note(f"各{_text(below)}均未发现违规。")
    rules = frame.unique("title_zh", maintain_order=True)["title_zh"].to_list()
    return chart("rule_leaders", f"各规则违规最多的{below}", [
        f"{label(data, row)}：每个小图是一条有违规的规则，列出该规则违规条数最多的前 {top} 个{below}",
    ], {
        "data": values(frame),
        "columns": 3,
        "facet": field("title_zh", "nominal", None, sort=rules,
                       header={"labelAnchor": "start", "labelFontWeight": "bold", "labelPadding": 4}),
        "spec": {
            "width": 200,
            "height": {"step": 18},
            "mark": {"type": "bar"},
            "encoding": {
                "y": field("label", "nominal", None, sort="-x", axis={"labelLimit": 160}),
                "x": field("findings", "quantitative", "违规条数", axis=WHOLE_NUMBERS),
                "color": {**severity_colour(), "legend": None},
                "tooltip": tooltips(("title_zh", "nominal", "规则"), ("label", "nominal", below),
                                    ("findings", "quantitative", "违规条数"), ("townships_failed", "quantitative", "违规乡镇")),
            },
        },
        "resolve": {"scale": {"y": "independent", "x": "independent"}},
    })


def _parameter(data: Data, area: str, rule_id: str, parameter: str, name: str) -> pl.DataFrame:
    return (
        data.within("parameters", area)
        .filter((pl.col("rule_id") == rule_id) & (pl.col("parameter") == parameter))
        .select("township_code", pl.col("value").cast(pl.Int64, strict=False).alias(name))
    )


def _status(data: Data, area: str, rule_id: str, name: str) -> pl.DataFrame:
    rows = data.within("division_rules", area, column="division_prefix")
    return rows.filter((pl.col("level") == "township") & (pl.col("rule_id") == rule_id)).select(
        pl.col("division_prefix").alias("township_code"), _status_zh().alias(name)
    )


NO_RULE = "无生效规则"


def org_limits_data(data: Data, area: str) -> pl.DataFrame:
    return (
        data.within("scorecard", area)
        .select("township_code", "township_name", "offices", "posts", "stations", "is_small")
        .join(_parameter(data, area, "ORG_OFFICE_COUNT", "min_offices", "min_offices"), on="township_code", how="left")
        .join(_parameter(data, area, "ORG_OFFICE_COUNT", "max_offices", "max_offices"), on="township_code", how="left")
        .join(_parameter(data, area, "ORG_STATION_MAX", "max_stations", "max_stations"), on="township_code", how="left")
        .join(_status(data, area, "ORG_OFFICE_COUNT", "office_status"), on="township_code", how="left")
        .join(_status(data, area, "ORG_STATION_MAX", "station_status"), on="township_code", how="left")
        .with_columns(
            zero=pl.lit(0),
            small=pl.when(pl.col("is_small")).then(pl.lit("是")).otherwise(pl.lit("否")),
            office_band=pl.when(pl.col("min_offices").is_not_null())
            .then(pl.format("{}–{} 个", pl.col("min_offices"), pl.col("max_offices")))
            .otherwise(pl.lit(NO_RULE)),
            station_band=pl.when(pl.col("max_stations").is_not_null())
            .then(pl.format("≤ {} 个", pl.col("max_stations")))
            .otherwise(pl.lit(NO_RULE)),
        )
        .sort("township_code")
    )


def _limits_in_force(frame: pl.DataFrame, band: str) -> str:
    """The limit the rulebook sets for the townships drawn, in words: one value when they share it."""
    bands = frame.filter(pl.col(band) != NO_RULE)[band].unique().to_list()
    if not bands:
        return NO_RULE
    return f"规定 {bands[0]}" if len(bands) == 1 else "各乡镇按其生效规定"


def _limit_panel(frame: pl.DataFrame, order: list[str], *, low: str, high: str, value: str, status: str,
                 band: str, title: str, heading: str, extra: list[dict]) -> dict:
    x = field("township_name", "nominal", "乡镇", sort=order, axis={"labelAngle": -40, "labelLimit": 120})
    return {
        "title": {"text": heading, "fontSize": 13, "anchor": "start"},
        "width": {"step": 38},
        "height": 220,
        "layer": [
            {"mark": {"type": "bar", "color": "#3498db", "opacity": 0.18, "width": {"band": 0.8}},
             "encoding": {"x": x, "y": field(low, "quantitative"), "y2": {"field": high},
                          "tooltip": tooltips((band, "nominal", "规定范围"))}},
            {"mark": {"type": "point", "filled": True, "size": 110, "shape": "diamond"},
             "encoding": {
                 "x": x,
                 "y": field(value, "quantitative", title, axis=WHOLE_NUMBERS, scale={"zero": True}),
                 "color": {**status_colour(set(frame[status].drop_nulls())), "field": status},
                 "tooltip": tooltips(("township_name", "nominal", "乡镇"), (value, "quantitative", title),
                                     (band, "nominal", "规定范围"), (status, "nominal", "状态")) + extra,
             }},
        ],
    }


def org_limits(data: Data, area: str | None) -> Chart | Html:
    """Offices and stations against their limits: one diamond per township on a county's page; above, how many
    townships have each count."""
    row = division(data, area)
    if row["level"] != "county":
        return _unit_count_histogram(data, area)
    frame = org_limits_data(data, area).head(60)
    order = frame["township_name"].to_list()
    data_values = values(frame)
    offices = _limit_panel(
        frame, order, low="min_offices", high="max_offices", value="offices", status="office_status",
        band="office_band", title="综合性办公室（个）",
        heading=f"综合性办公室：{_limits_in_force(frame, 'office_band')}（蓝带）",
        extra=tooltips(("posts", "quantitative", "综合性岗位"), ("small", "nominal", "规模较小")),
    )
    stations = _limit_panel(
        frame, order, low="zero", high="max_stations", value="stations", status="station_status",
        band="station_band", title="事业站所（个）", heading=f"事业站所：{_limits_in_force(frame, 'station_band')}（蓝带）",
        extra=[],
    )
    return chart("org_limits", "机构设置与限额", [
        "每个菱形是一个乡镇，落在蓝带外且为红色即违规",
        "规模较小且设综合性岗位的乡镇，综合性办公室可少于下限",
    ], {"data": data_values, "vconcat": [offices, stations], "spacing": 30})


UNIT_MEASURES = {"offices": "综合性办公室", "stations": "事业站所"}


def _unit_count_histogram(data: Data, area: str | None) -> Chart | Html:
    row = division(data, area)
    frame = data.rows("unit_counts", "division_prefix", area or "").with_columns(
        status_zh=_status_zh(), measure_zh=pl.col("measure").replace_strict(UNIT_MEASURES, default=pl.col("measure"))
    )
    if frame.is_empty():
        return _note("没有机构数据。")
    panels = []
    for measure, title in UNIT_MEASURES.items():
        part = frame.filter(pl.col("measure") == measure)
        panels.append({
            "data": values(part),
            "title": {"text": f"在用{title}的个数", "fontSize": 13, "anchor": "start"},
            "width": {"step": 30},
            "height": 200,
            "mark": {"type": "bar"},
            "encoding": {
                "x": field("units", "ordinal", f"{title}（个）", axis={"labelAngle": 0}),
                "y": field("townships", "quantitative", "乡镇数", stack="zero", axis=WHOLE_NUMBERS),
                "color": status_colour(set(frame["status_zh"])),
                "tooltip": tooltips(("measure_zh", "nominal", "机构"), ("units", "ordinal", "个数"),
                                    ("status_zh", "nominal", "状态"), ("townships", "quantitative", "乡镇数")),
            },
        })
    return chart("org_limits", "机构设置与限额", [
        f"{label(data, row)}：有多少乡镇在用几个综合性办公室、几个事业站所",
        "颜色为各乡镇按其生效规定的结论：红色违规，灰色没有生效规则（不适用）；各乡镇的限额见县级页面",
    ], {"hconcat": panels, "spacing": 30})


def excellent_share_data(data: Data, area: str) -> pl.DataFrame:
    names = data.within("townships", area).select("township_code", "township_name")
    flagged = (
        data.within("findings", area).filter(pl.col("rule_id") == "APPR_EXCELLENT_RATIO")
        .select("township_code", pl.col("period").cast(pl.Int64).alias("appraisal_year"), flagged=pl.lit(True))
    )
    return (
        data.within("appraisals", area).filter(pl.col("graded") > 0)
        .with_columns(pl.col("appraisal_year").cast(pl.Int64))
        .join(names, on="township_code")
        .join(_parameter(data, area, "APPR_EXCELLENT_RATIO", "max_excellent_pct", "limit_pct"), on="township_code", how="left")
        .join(flagged, on=["township_code", "appraisal_year"], how="left")
        .with_columns(
            share=(100 * pl.col("excellent") / pl.col("graded")).round(1),
            finding=pl.when(pl.col("flagged")).then(pl.lit("违规")).otherwise(pl.lit("未记违规")),
            ratio=pl.format("{}/{}", pl.col("excellent"), pl.col("graded")),
        )
        .drop("flagged")
        .sort("township_code", "appraisal_year")
    )


def excellent_share(data: Data, area: str | None) -> Chart | Html:
    """The excellent share of each township and year on a county's page; above, how many townships exceeded the
    share in force each year."""
    row = division(data, area)
    if row["level"] != "county":
        return _appraisal_years(data, area)
    frame = excellent_share_data(data, area)
    if frame.is_empty():
        return _note("没有考核数据。")
    limits = frame.select(pl.col("limit_pct").drop_nulls().unique().sort()).with_columns(
        label=pl.format("上限 {}%", pl.col("limit_pct"))
    )
    top = max(40.0, float(frame["share"].max() or 0) + 5)
    x = field("appraisal_year", "ordinal", "考核年度", axis={"labelAngle": 0})
    y = field("share", "quantitative", "优秀比例（%）", scale={"domain": [0, top]})
    layers = [
        {"mark": {"type": "circle", "size": 90, "opacity": 0.75},
         "encoding": {"x": x, "y": y, "xOffset": field("township_name", "nominal"),
                      "color": colour("finding", "结论", {"违规": "#c0392b", "未记违规": "#7f8c8d"}),
                      "tooltip": tooltips(("township_name", "nominal", "乡镇"), ("appraisal_year", "ordinal", "年度"),
                                          ("ratio", "nominal", "优秀/定等次（公务员）"), ("share", "quantitative", "优秀比例（%）"),
                                          ("not_graded", "quantitative", "不定等次（不计入）"), ("finding", "nominal", "结论"))}},
        {"transform": [{"filter": "datum.finding === '违规'"}],
         "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 11, "color": "#c0392b"},
         "encoding": {"x": x, "y": y, "xOffset": field("township_name", "nominal"), "text": field("township_name", "nominal")}},
    ]
    if limits.height:
        layers += [
            {"data": values(limits), "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [6, 4]},
             "encoding": {"y": field("limit_pct", "quantitative")}},
            {"data": values(limits), "mark": {"type": "text", "align": "right", "baseline": "bottom", "dy": -3,
                                              "color": "#c0392b"},
             "encoding": {"y": field("limit_pct", "quantitative"), "x": {"value": 800}, "text": field("label", "nominal")}},
        ]
    return chart("excellent_share", "年度考核优秀比例（公务员，按乡镇和年度）", [
        "每个点是一个乡镇一年；虚线为规定上限，红点为已记违规",
        "虚线以上的灰点为规则生效前的年度或本辖区不适用",
    ], {"data": values(frame), "width": 800, "height": 300, "layer": layers})


def _appraisal_years(data: Data, area: str | None) -> Chart | Html:
    row = division(data, area)
    frame = data.rows("appraisal_years", "division_prefix", area or "").sort("appraisal_year")
    if frame.is_empty():
        return _note("没有考核数据。")
    long = frame.with_columns(
        share=(100 * pl.col("excellent") / pl.col("graded")).round(1),
        others=pl.col("townships_graded") - pl.col("townships_over_limit"),
    ).select(
        "appraisal_year", "townships_graded", "share",
        pl.col("townships_over_limit").alias("超过上限（已记违规）"), pl.col("others").alias("未记违规"),
    ).unpivot(index=["appraisal_year", "townships_graded", "share"], variable_name="finding", value_name="townships")
    return chart("excellent_share", "年度考核优秀比例：超过上限的乡镇", [
        f"{label(data, row)}：每年定等次的乡镇中，优秀比例超过其生效上限（已记违规）的个数",
        "未记违规包括规则生效前的年度和不适用该规则的乡镇；各乡镇的比例见县级页面",
    ], {
        "data": values(long),
        "width": {"step": 40},
        "height": 240,
        "mark": {"type": "bar"},
        "encoding": {
            "x": field("appraisal_year", "ordinal", "考核年度", axis={"labelAngle": 0}),
            "y": field("townships", "quantitative", "乡镇数", stack="zero", axis=WHOLE_NUMBERS),
            "color": colour("finding", "结论", {"超过上限（已记违规）": "#c0392b", "未记违规": "#bdc3c7"}),
            "tooltip": tooltips(("appraisal_year", "ordinal", "年度"), ("finding", "nominal", "结论"),
                                ("townships", "quantitative", "乡镇数"), ("townships_graded", "quantitative", "定等次的乡镇"),
                                ("share", "quantitative", "全部定等次公务员中优秀比例（%）")),
        },
    })


# ---------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------


_TAGS = re.compile(r"<[^>]+>")
SHORT_CELL = 16
"""A cell with no more characters than this is never wrapped (a date, a name, an id), so that a long sentence
beside it cannot squeeze it into a column one character wide."""


def _cell(content: str) -> str:
    shown = html.unescape(_TAGS.sub("", content))
    return f'<td class="wh-nowrap">{content}</td>' if len(shown) <= SHORT_CELL and "<br>" not in content else f"<td>{content}</td>"


def _table(head: list[str], rows: list[list[str]], css: str = "") -> str:
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<div class="wh-scroll"><table class="wh-table {css}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>'


def units_table(data: Data, area: str | None) -> Html:
    """Every unit one level below, with its figures and a link to its page."""
    row = division(data, area)
    below_level = child_level(data, row["level"])
    below = children(data, area)
    if below.is_empty():
        return _note("没有下级单位。")
    kind = "township" if below_level == "township" else "area"
    rows = []
    for unit in below.iter_rows(named=True):
        name = _link(data, kind, unit["division_prefix"], _text(unit["label"]))
        findings = f"{unit['findings']}" + (
            f"（严重 {unit['findings_error']}、警示 {unit['findings_warn']}、提示 {unit['findings_info']}）" if unit["findings"] else ""
        )
        cells = [name, _text(unit["division_prefix"])]
        if below_level != "township":
            cells += [str(unit["townships"]), str(unit["townships_with_findings"]), str(unit["townships_not_covered"])]
        else:
            cells += ["无生效规则（不适用）" if unit["townships_not_covered"] else "有生效规则"]
        cells += [findings, str(unit["people_with_findings"])]
        if below_level != "township":
            cells.append(_text(unit["example_townships"]))
        rows.append(cells)
    head = [unit_word(data, below_level), "代码"]
    head += ["乡镇", "有违规的乡镇", "无生效规则的乡镇"] if below_level != "township" else ["适用情况"]
    head += ["违规（条）", "涉及人员"]
    if below_level != "township":
        head.append("所辖乡镇（前三个）")
    return Html(_table(head, rows))


FINDINGS_ORDER = ["severity_rank", "rule_order", "township_code", "person_id", "period"]


def findings_frame(data: Data, area: str | None = None, *, person: str | None = None) -> pl.DataFrame:
    """A page's findings (dash_findings): of a division or township (area), or of a person; most severe first."""
    return data.memo(("findings", area, person), lambda: _findings_frame(data, area, person))


def _findings_frame(data: Data, area: str | None, person: str | None) -> pl.DataFrame:
    rows = data.rows("findings", "person_id", person) if person else data.within("findings", area)
    return (
        rows.filter(pl.col("waiver_no").is_null())  # the findings that stand; waived ones are listed apart
        .join(_rule_titles(data).drop("title_zh"), on="rule_id", how="left")
        .with_columns(
            severity_rank=pl.col("severity").replace_strict({k: i for i, k in enumerate(SEVERITIES)}, default=9),
            severity_zh=_severity_zh(),
            event_date=_iso("event_on"),
            person_label=pl.when(pl.col("person_id").is_null()).then(pl.lit("（乡镇）"))
            .otherwise(pl.col("person_name").fill_null("") + "（" + pl.col("person_id") + "）"),
        )
        .sort(FINDINGS_ORDER, nulls_last=True)
    )


def _evidence(data: Data, finding: dict) -> str:
    rows = data.rows("evidence", "township_code", finding["township_code"]).filter(
        (pl.col("rule_id") == finding["rule_id"])
        & pl.col("person_id").eq_missing(finding["person_id"])
        & pl.col("period").eq_missing(finding["period"])
    ).sort("evidence_kind", "evidence_on", "evidence_id", nulls_last=True)
    if rows.is_empty():
        return '<span class="wh-muted">（无相关记录）</span>'
    items = [
        f'<li><span class="wh-muted">{EVIDENCE_KINDS.get(r["evidence_kind"], _text(r["evidence_kind"]))} '
        f'{_text(r["evidence_id"])}</span> {_text(r["detail_zh"])}</li>'
        for r in rows.iter_rows(named=True)
    ]
    shown = f'<ul class="wh-evidence">{"".join(items[:EVIDENCE_SHOWN])}</ul>'
    if len(items) > EVIDENCE_SHOWN + 1:
        shown += (f'<details><summary>另 {len(items) - EVIDENCE_SHOWN} 条记录</summary>'
                  f'<ul class="wh-evidence">{"".join(items[EVIDENCE_SHOWN:])}</ul></details>')
    elif len(items) > EVIDENCE_SHOWN:
        shown = f'<ul class="wh-evidence">{"".join(items)}</ul>'
    return shown


def findings_table(data: Data, area: str | None = None, *, person: str | None = None,
                   limit: int | None = None) -> Html:
    """The findings with what was observed, the limit, the clause and the records each rests on: every one of a
    township's or a person's, the most severe `limit` (FINDINGS_LISTED) of a larger division."""
    frame = findings_frame(data, area, person=person)
    if frame.is_empty():
        return _note("未发现违规。")
    if limit is None and person is None and (area is None or len(area) < 12):
        limit = FINDINGS_LISTED
    shown = frame.head(limit) if limit else frame
    rows = []
    for f in shown.iter_rows(named=True):
        severity = f'<span class="wh-tag wh-{_text(f["severity"])}">{_text(f["severity_zh"])}</span>'
        township, who = township_and_person(data, f, "（乡镇）")
        when = _text(f["event_date"]) + (f"<br>{f['period']} 年度" if f["period"] is not None else "")
        clause = (f'{_text(f["clause_zh"])}<details><summary>原文</summary>{_text(f["citation"])}</details>'
                  if f["clause_zh"] else _text(f["citation"]))
        rows.append([f"{_text(f['title_zh'])}<br>{severity}", township, who, when, _text(f["observed_zh"]),
                     _text(f["limit_zh"]), clause, _evidence(data, f)])
    head = ["规则", "乡镇", "人员", "事件日期", "发现", "规定", "依据", "所依据的记录"]
    note = ""
    if shown.height < frame.height:
        note = (f'<p class="wh-note">共 {frame.height} 条违规，按严重程度列出前 {shown.height} 条；其余见下级单位的页面'
                "（或 violations.csv）。</p>")
    return Html(note + _table(head, rows, "wh-findings"))


# ---------------------------------------------------------------------------------------------------------------
# township.ipynb
# ---------------------------------------------------------------------------------------------------------------


def township(data: Data, township_code: str) -> dict:
    rows = data.within("scorecard", township_code) if len(township_code or "") == 12 else data.scorecard.clear()
    if rows.is_empty():
        raise ValueError(f"仓库中没有乡镇 {township_code} / no township {township_code} in the warehouse")
    return rows.row(0, named=True)


def _township_name(data: Data, code: str | None) -> str:
    rows = data.rows("townships", "township_code", code) if code else data.townships.clear()
    return rows["township_name"][0] if rows.height else (code or "")


def township_overview(data: Data, township_code: str) -> Html:
    row = township(data, township_code)
    kind = TOWNSHIP_TYPES.get(row["township_type"], row["township_type"] or "")
    flags = "、".join(label_ for flag, label_ in (("is_small", "规模较小"), ("is_developed_town", "经济发达镇")) if row[flag])
    experienced = row["leadership_team_experienced"]
    statuses = data.rows("division_rules", "division_prefix", township_code)
    counted = {code: statuses.filter(pl.col("status") == code).height for code in STATUSES}
    people = data.rows("findings", "township_code", township_code)["person_id"].drop_nulls().n_unique()
    findings = row["violations_error"] + row["violations_warn"] + row["violations_info"]
    county = division(data, township_code[:6])
    cards = [
        _figure(findings, f"违规（严重 {row['violations_error']}、警示 {row['violations_warn']}、提示 {row['violations_info']}）",
                "wh-bad" if findings else ""),
        _figure(counted["failed"], "违反的规则（条）", "wh-bad" if counted["failed"] else ""),
        _figure(counted["passed"], "适用且未违反的规则（条）"),
        _figure(counted["not_covered"], "无生效版本的规则（不适用）"),
        _figure(people, "涉及人员（人）"),
    ]
    return Html(
        crumbs(data, township_code)
        + f"<h1>{_text(row['township_name'])}（{_text(township_code)}）</h1>\n"
        + f"<p>类型：{_text(kind)}{'，' + flags if flags else ''}；所属{_text(label(data, county))}；核查基准日 "
        f"<strong>{data.as_of:%Y-%m-%d}</strong>；{judged_with(data)}。</p>\n"
        + _figures(*cards)
        + f"<p>在用机构：综合性办公室 {row['offices']} 个、综合性岗位 {row['posts']} 个、行政所 {row['institutes']} 个、"
        f"事业站所 {row['stations']} 个、便民服务中心 {row['centers']} 个、派驻机构 {row['dispatched']} 个。"
        f"领导班子 {row['leadership_team_size']} 人"
        + (f"（满乡镇工作年限 {experienced} 人）" if experienced is not None else "")
        + (f"，核定领导职数 {row['approved_leader_posts']} 名" if row["approved_leader_posts"] is not None else "")
        + f"；在岗社会工作人员 {row['social_workers']} 人。</p>"
    )


def rule_status_table(data: Data, township_code: str) -> Html:
    """Each rule of the rulebook for the township: broken (how often), passed, or not covered (no version in
    force: not a pass), with the date it is in force from."""
    township(data, township_code)
    frame = (
        _rule_titles(data)
        .join(data.rules.select("rule_id", "severity"), on="rule_id")
        .join(data.rows("division_rules", "division_prefix", township_code).drop("level"), on="rule_id", how="left")
        .with_columns(status_zh=_status_zh(), severity_zh=_severity_zh())
        .sort("rule_order")
    )
    rows = []
    for r in frame.iter_rows(named=True):
        status = f'<span class="wh-tag wh-{_text(r["status"])}">{_text(r["status_zh"])}</span>'
        count = f"{r['findings']} 条" if r["findings"] else ""
        since = f"{r['first_in_force_on']:%Y-%m-%d}" if r["first_in_force_on"] else ""
        rows.append([_text(r["title_zh"]), _text(r["severity_zh"]), status, count, since])
    return Html(_table(["规则", "严重程度", "结论", "违规", "最早生效日"], rows, "wh-compact"))


def units_timeline_data(data: Data, township_code: str) -> pl.DataFrame:
    kinds = list(UNIT_KINDS)
    frame = (
        data.within("units", township_code)
        .with_columns(
            kind_zh=pl.col("unit_kind").replace_strict(UNIT_KINDS, default=pl.col("unit_kind")),
            kind_order=pl.col("unit_kind").replace_strict({k: i for i, k in enumerate(kinds)}, default=len(kinds)),
            end_on=pl.coalesce(pl.col("abolished_on"), pl.lit(data.as_of)),
            established=_iso("established_on"),
            abolished=pl.when(pl.col("abolished_on").is_null()).then(pl.lit("（在用）")).otherwise(_iso("abolished_on")),
            status=pl.when(pl.col("abolished_on").is_null() | (pl.col("abolished_on") > data.as_of))
            .then(pl.lit("基准日在用"))
            .otherwise(pl.lit("已撤销")),
        )
        .with_columns(label=pl.col("unit_name") + "（" + pl.col("established_on").dt.year().cast(pl.String) + "）")
        .sort("kind_order", "established_on", "unit_id")
    )
    duplicated = pl.col("label").is_duplicated()
    return frame.with_columns(label=pl.when(duplicated).then(pl.col("label") + " " + pl.col("unit_id")).otherwise(pl.col("label")))


def units_timeline(data: Data, township_code: str) -> Chart | Html:
    frame = units_timeline_data(data, township_code)
    name = township(data, township_code)["township_name"]
    if frame.is_empty():
        return _note("该乡镇没有机构记录。")
    as_of = pl.DataFrame({"as_of": [data.as_of], "label": [f"核查基准日 {data.as_of:%Y-%m-%d}"]})
    x = field("established_on", "temporal", "时间", axis={"format": "%Y", "tickCount": {"interval": "year", "step": 2}})
    return chart("units_timeline", f"{name}的机构设置沿革", [
        "每条横条是一个机构从设立到撤销；虚线为核查基准日，与虚线相交的是当日在用机构",
    ], {
        "width": 640,
        "height": {"step": 18},
        "layer": [
            {"data": values(frame), "mark": {"type": "bar", "height": 14, "cornerRadius": 2},
             "encoding": {
                 "y": field("label", "nominal", None, sort=frame["label"].to_list(), axis={"labelLimit": 260}),
                 "x": x,
                 "x2": {"field": "end_on"},
                 "color": field("kind_zh", "nominal", "机构类别", sort=list(UNIT_KINDS.values())),
                 "opacity": field("status", "nominal", "状态", scale={"domain": ["基准日在用", "已撤销"], "range": [1.0, 0.4]}),
                 "tooltip": tooltips(("unit_name", "nominal", "机构"), ("kind_zh", "nominal", "类别"),
                                     ("established", "nominal", "设立日期"), ("abolished", "nominal", "撤销日期"),
                                     ("unit_id", "nominal", "机构编号")),
             }},
            {"data": values(as_of), "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [6, 4]},
             "encoding": {"x": field("as_of", "temporal")}},
            {"data": values(as_of), "mark": {"type": "text", "align": "right", "dx": -4, "dy": -6, "baseline": "bottom",
                                             "color": "#c0392b"},
             "encoding": {"x": field("as_of", "temporal"), "y": {"value": 0}, "text": field("label", "nominal")}},
        ],
    })


NOT_JUDGED = "规则不适用"


def leadership_data(data: Data, township_code: str) -> pl.DataFrame:
    return (
        data.within("leadership", township_code)
        .with_columns(
            years=(pl.col("township_days") / 365).round(2),
            leadership_years=(pl.col("leadership_days") / 365).round(2),
            label=pl.col("name").fill_null(pl.col("person_id")) + "（" + pl.col("positions").fill_null("") + "）",
            reached=pl.when(pl.col("is_experienced").is_null()).then(pl.lit(NOT_JUDGED))
            .when(pl.col("is_experienced")).then(pl.format("满 {} 年", pl.col("min_township_years")))
            .otherwise(pl.format("不满 {} 年", pl.col("min_township_years"))),
        )
        .sort("is_chief", "township_days", descending=[True, True])
    )


def leadership_team(data: Data, township_code: str) -> Chart | Html:
    frame = leadership_data(data, township_code)
    row = township(data, township_code)
    if frame.is_empty():
        return _note("核查基准日该乡镇没有在任的领导班子成员。")
    covered = frame.filter(pl.col("is_rule_covered"))
    experienced = int(covered["is_experienced"].sum()) if covered.height else 0
    members = frame.height
    if covered.height:
        rule = covered.row(0, named=True)
        years, share = rule["min_township_years"], f"{rule['share_numerator']}/{rule['share_denominator']}"
        domain, colours = [f"满 {years} 年", f"不满 {years} 年"], ["#27ae60", "#c0392b"]
        subtitle = f"班子 {members} 人，满 {years} 年乡镇工作经历 {experienced} 人；规则要求不少于 {share}"
    else:
        years, domain, colours = None, [NOT_JUDGED], ["#7f8c8d"]
        subtitle = f"班子 {members} 人；本辖区无生效的班子经历规则，只列出各人的乡镇工作经历"
    layers = [{
        "data": values(frame),
        "mark": {"type": "bar", "height": 16},
        "encoding": {
            "y": field("label", "nominal", None, sort=frame["label"].to_list(), axis={"labelLimit": 300}),
            "x": field("years", "quantitative", "累计乡镇工作经历（年）"),
            "color": field("reached", "nominal", f"{years} 年线" if years else "班子经历规则",
                           scale={"domain": domain, "range": colours}),
            "tooltip": tooltips(("name", "nominal", "姓名"), ("person_id", "nominal", "人员编号"),
                                ("positions", "nominal", "职务"), ("township_days", "quantitative", "乡镇工作（天）"),
                                ("leadership_days", "quantitative", "乡镇领导工作（天）"), ("years", "quantitative", "乡镇工作（年）"),
                                ("reached", "nominal", "是否满年限")),
        },
    }]
    if years is not None:
        line = pl.DataFrame({"years": [years], "label": [f"{years} 年（{rule['min_township_days']} 天）"]})
        layers += [
            {"data": values(line), "mark": {"type": "rule", "color": "#2c3e50", "strokeDash": [6, 4], "size": 2},
             "encoding": {"x": field("years", "quantitative")}},
            {"data": values(line), "mark": {"type": "text", "align": "left", "dx": 4, "dy": -4, "baseline": "bottom"},
             "encoding": {"x": field("years", "quantitative"), "y": {"value": 0}, "text": field("label", "nominal")}},
        ]
    return chart("leadership_team", f"{row['township_name']}领导班子的乡镇工作经历（截至 {data.as_of:%Y-%m-%d}）",
                 [subtitle], {"width": 560, "height": {"step": 24}, "layer": layers})


def findings_timeline(data: Data, area: str | None = None, *, person: str | None = None,
                      name: str = "findings") -> Chart | Html:
    """Each finding as a mark on its event date, with what was found, the limit and the clause in the tooltip; a
    sentence when there is none."""
    frame = findings_frame(data, area, person=person)
    if frame.is_empty():
        return _note("<strong>未发现违规。</strong>")
    order = frame.sort("rule_order").unique("title_zh", maintain_order=True)["title_zh"].to_list()
    first, last = frame["event_on"].min(), frame["event_on"].max()
    span_years = (last - first).days / 365
    axis = {"format": "%Y" if span_years > 3 else "%Y-%m", "labelAngle": 0, "labelOverlap": "greedy",
            "labelSeparation": 10, "tickCount": {"interval": "year", "step": 1} if span_years > 3 else 6}
    return chart(name, f"违规发现（{frame.height} 条）", [
        "每个菱形是一条违规，位于所判事件的日期（状态类规则为核查基准日）；悬停查看发现、规定和依据",
    ], {
        "data": values(frame),
        "width": 600,
        "height": {"step": 30},
        "mark": {"type": "point", "filled": True, "size": 160, "shape": "diamond"},
        "encoding": {
            "x": field("event_on", "temporal", "事件日期", scale={"padding": 16}, axis=axis),
            "y": field("title_zh", "nominal", None, sort=order),
            "color": severity_colour(),
            "tooltip": tooltips(("title_zh", "nominal", "规则"), ("severity_zh", "nominal", "严重程度"),
                                ("township_name", "nominal", "乡镇"), ("person_label", "nominal", "人员"),
                                ("event_date", "nominal", "事件日期"), ("observed_zh", "nominal", "发现"),
                                ("limit_zh", "nominal", "规定"), ("clause_zh", "nominal", "依据")),
        },
    })


# ---------------------------------------------------------------------------------------------------------------
# cadre.ipynb
# ---------------------------------------------------------------------------------------------------------------


ANNIVERSARIES = (
    ("lock_years", "lock_anniversary_on", "此前不得调离"),
    ("min_service_years", "min_service_anniversary_on", "此前只能在本县乡镇间流动"),
)
"""The anniversaries of recruitment the rules in force set (dbt model dash_recruit_anniversaries): the years, the
date, and what changes on that date."""


def person(data: Data, person_id: str) -> dict:
    rows = data.rows("people", "person_id", person_id)
    if rows.is_empty():
        raise ValueError(f"仓库中没有人员 {person_id} / no person {person_id} in the warehouse")
    return rows.row(0, named=True)


def _home_township(data: Data, person_id: str) -> str | None:
    """The township a person's page hangs under: of their findings, else of their latest township posting."""
    found = data.rows("findings", "person_id", person_id)
    if found.height:
        return found.sort("event_on")["township_code"][-1]
    postings = data.rows("postings", "person_id", person_id).filter(pl.col("is_township")).sort("start_date")
    return postings["township_code"][-1] if postings.height else None


def person_overview(data: Data, person_id: str) -> Html:
    row = person(data, person_id)
    recruit = data.rows("recruits", "person_id", person_id)
    category = STAFF_CATEGORIES.get(row["staff_category"], row["staff_category"] or "")
    facts = f"{_text(category)}；核查基准日 <strong>{data.as_of:%Y-%m-%d}</strong>；{judged_with(data)}。"
    if row["recruited_on"] is not None:
        facts += f"录用日期 {row['recruited_on']:%Y-%m-%d}。"
    anniversaries = [
        f"满 {r[years]} 年为 {r[on]:%Y-%m-%d}"
        for r in recruit.iter_rows(named=True)
        for years, on, _ in ANNIVERSARIES
        if r[on] is not None
    ]
    if anniversaries:
        r = recruit.row(0, named=True)
        facts += (
            f"录用时在{_text(_township_name(data, r['recruitment_township_code']))}（新录用乡镇公务员）："
            + "，".join(anniversaries) + "。"
        )
    found = findings_frame(data, person=person_id)
    home = _home_township(data, person_id)
    by_rule = "、".join(_text(t) for t in found["title_zh"].unique(maintain_order=True))
    return Html(
        (crumbs(data, home, person=person_id) if home else "")
        + f"<h1>{_text(row['name'])}（{_text(person_id)}）</h1>\n<p>{facts}</p>\n"
        + _figures(_figure(found.height, "涉及本人的违规（条）", "wh-bad" if found.height else ""))
        + (f"<p>涉及规则：{by_rule}。</p>" if by_rule else "")
    )


def _posting_kind() -> pl.Expr:
    return (
        pl.when(pl.col("is_secondment")).then(pl.lit("借调"))
        .when(pl.col("is_township") & pl.col("is_chief")).then(pl.lit("乡镇党政正职"))
        .when(pl.col("is_township") & pl.col("is_leadership")).then(pl.lit("乡镇领导"))
        .when(pl.col("is_township")).then(pl.lit("乡镇"))
        .otherwise(pl.col("org_level").replace_strict(ORG_LEVELS, default=pl.col("org_level")) + "机关")
    )


POSTING_COLOURS = {
    "乡镇": "#5dade2",
    "乡镇领导": "#2874a6",
    "乡镇党政正职": "#1b4f72",
    "县级机关": "#a569bd",
    "市级机关": "#7d3c98",
    "省级机关": "#4a235a",
    "其他机关": "#95a5a6",
    "借调": "#f5b041",
}


def career_data(data: Data, person_id: str) -> pl.DataFrame:
    person(data, person_id)
    postings = data.rows("postings", "person_id", person_id)
    codes = postings["township_code"].drop_nulls().unique().to_list()
    names = pl.DataFrame({"township_code": codes, "township_name": [_township_name(data, c) for c in codes]},
                         schema={"township_code": pl.String, "township_name": pl.String})
    unit_ids = set(postings["unit_id"].drop_nulls())
    units = pl.concat([data.within("units", c) for c in codes]) if codes else data.units.clear()
    units = units.filter(pl.col("unit_id").is_in(list(unit_ids))).select("unit_id", "unit_name")
    return (
        postings
        .join(names, on="township_code", how="left")
        .join(units, on="unit_id", how="left")
        .with_columns(
            kind=_posting_kind(),
            end_on=pl.coalesce(pl.col("end_date"), pl.lit(data.as_of)),
            start=_iso("start_date"),
            end=pl.when(pl.col("end_date").is_null()).then(pl.lit("（在任）")).otherwise(_iso("end_date")),
            reason=pl.col("end_reason").replace_strict(END_REASONS, default=""),
            place=pl.coalesce(pl.col("township_name") + pl.col("unit_name").fill_null(""), pl.col("township_name"), pl.lit("")),
        )
        .sort("start_date", "posting_id")
        .with_columns(
            label=pl.col("start_date").dt.strftime("%Y.%m") + " " + pl.col("place") + pl.when(pl.col("place") != "")
            .then(pl.lit("·")).otherwise(pl.lit("")) + pl.col("position").fill_null("")
        )
    )


def career_events(data: Data, person_id: str) -> pl.DataFrame:
    """Recruitment, its anniversaries, moves, resignation, secondments and findings as dated marks."""
    row = person(data, person_id)
    events: list[dict] = []
    if row["recruited_on"] is not None:
        events.append({"on": row["recruited_on"], "event": "录用", "detail": f"录用 {row['recruited_on']:%Y-%m-%d}"})
    for r in data.rows("recruits", "person_id", person_id).iter_rows(named=True):
        for years, on, meaning in ANNIVERSARIES:
            if r[on] is not None:
                events.append({"on": r[on], "event": f"满 {r[years]} 年",
                               "detail": f"录用满 {r[years]} 年：{meaning}（{r[on]:%Y-%m-%d}）"})
    postings = data.rows("postings", "person_id", person_id)
    destinations = dict(postings.select("posting_id", "position").iter_rows())
    for r in data.rows("moves", "person_id", person_id).iter_rows(named=True):
        kind = EVENT_KINDS.get(r["event_kind"], r["event_kind"])
        source = _township_name(data, r["township_code"])
        target = (_township_name(data, r["to_township_code"]) if r["to_township_code"] else "") or destinations.get(r["to_posting_id"]) or ""
        detail = f"{kind}：{source}" + (f" → {target}" if target else "") + f"（{r['event_on']:%Y-%m-%d}）"
        events.append({"on": r["event_on"], "event": kind, "detail": detail})
    for r in postings.filter(pl.col("is_secondment")).iter_rows(named=True):
        events.append({"on": r["start_date"], "event": "借调", "detail": f"借调：{r['position'] or ''}（{r['start_date']:%Y-%m-%d}）"})
    for r in findings_frame(data, person=person_id).iter_rows(named=True):
        events.append({"on": r["event_on"], "event": "违规", "detail": f"{r['title_zh']}：{r['observed_zh']}"})
    frame = pl.DataFrame(events, schema={"on": pl.Date, "event": pl.String, "detail": pl.String}, orient="row")
    return frame.with_columns(date=_iso("on")).sort("on")


EVENT_COLOURS = {"录用": "#2c3e50", "调动": "#8e44ad", "辞职": "#8e44ad", "借调": "#d68910", "违规": "#c0392b"}
ANNIVERSARY_COLOUR = "#16a085"


def _lanes(events: pl.DataFrame, span_days: int, width: int, label_px: int = 70) -> list[int]:
    """A row for each event label so that labels close in time do not overprint each other."""
    gap = span_days * label_px / width
    ends: list[date] = []
    lanes = []
    for on in events["on"]:
        lane = next((i for i, end in enumerate(ends) if (on - end).days > gap), len(ends))
        if lane == len(ends):
            ends.append(on)
        ends[lane] = on
        lanes.append(lane)
    return lanes


def career_timeline(data: Data, person_id: str) -> Chart:
    postings = career_data(data, person_id)
    events = career_events(data, person_id)
    row = person(data, person_id)
    width = 680
    first = min([*postings["start_date"].to_list(), *events["on"].to_list()], default=data.as_of)
    last = max([data.as_of, *events["on"].to_list()])  # an anniversary still to come is drawn too
    events = events.with_columns(lane=pl.Series(_lanes(events, max((last - first).days, 365), width), dtype=pl.Int64))
    kinds = events["event"].unique(maintain_order=True).to_list()
    event_colour = {"field": "event", "type": "nominal", "title": "事件", "legend": None,
                    "scale": {"domain": kinds, "range": [EVENT_COLOURS.get(k, ANNIVERSARY_COLOUR) for k in kinds]}}
    dash = {"field": "event", "type": "nominal", "legend": None,
            "scale": {"domain": kinds, "range": [[1, 0] if k in EVENT_COLOURS else [6, 3] for k in kinds]}}
    domain = {"domain": [first.isoformat(), last.isoformat()], "nice": "year"}
    time = field("start_date", "temporal", "时间", scale=domain,
                 axis={"format": "%Y", "tickCount": {"interval": "year", "step": 1}, "labelOverlap": "greedy"})
    event_tips = tooltips(("event", "nominal", "事件"), ("date", "nominal", "日期"), ("detail", "nominal", "说明"))
    present = [k for k in POSTING_COLOURS if k in set(postings["kind"])] + sorted(set(postings["kind"]) - set(POSTING_COLOURS))
    bars = {
        "data": values(postings),
        "mark": {"type": "bar", "height": 16, "cornerRadius": 2},
        "encoding": {
            "y": field("label", "nominal", None, sort=postings["label"].to_list(), axis={"labelLimit": 320}),
            "x": time,
            "x2": {"field": "end_on"},
            "color": field("kind", "nominal", "任职类别",
                           scale={"domain": present, "range": [POSTING_COLOURS.get(k, "#95a5a6") for k in present]}),
            "tooltip": tooltips(("position", "nominal", "职务"), ("place", "nominal", "乡镇/机构"), ("kind", "nominal", "类别"),
                                ("start", "nominal", "任职日期"), ("end", "nominal", "离任日期"), ("reason", "nominal", "离任原因"),
                                ("posting_id", "nominal", "任职编号")),
        },
    }
    lines = {
        "data": values(events),
        "mark": {"type": "rule", "size": 2, "opacity": 0.8},
        "encoding": {"x": field("on", "temporal"), "color": event_colour, "strokeDash": dash, "tooltip": event_tips},
    }
    career = {"layer": [bars, lines], "resolve": {"scale": {"color": "independent"}}, "width": width,
              "height": {"step": 26}}
    marks = {"x": field("on", "temporal", None, axis=None, scale=domain), "y": field("lane", "ordinal", axis=None, sort="descending"),
             "color": event_colour, "tooltip": event_tips}
    strip = {
        "data": values(events),
        "width": width,
        "height": 18 * (int(events["lane"].max() or 0) + 1),
        "layer": [
            {"mark": {"type": "point", "shape": "triangle-down", "filled": True, "size": 70}, "encoding": marks},
            {"mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 12},
             "encoding": {**marks, "text": field("event", "nominal")}},
        ],
    }
    return chart("career_timeline", f"{row['name']}的任职经历", [
        "横条为每段任职（颜色为类别）；竖线和上方标记为录用、录用满锁定年限和最低服务年限（虚线，年限取自生效规则）",
        "以及调动、辞职、借调和违规，悬停查看说明",
    ], {"vconcat": [strip, career], "spacing": 4, "resolve": {"scale": {"x": "shared", "color": "independent"}}})


# ---------------------------------------------------------------------------------------------------------------
# township.ipynb: approved exceptions and deadlines
# ---------------------------------------------------------------------------------------------------------------


def waived_findings_data(data: Data, township_code: str) -> pl.DataFrame:
    """The township's findings covered by an approved exception in force (dash_waived_findings), by rule."""
    return (
        data.within("waived", township_code)
        .join(_rule_titles(data), on="rule_id", how="left")
        .sort("rule_order", "person_id", "period", nulls_last=True)
    )


def deadlines_data(data: Data, township_code: str) -> pl.DataFrame:
    """The township's deadlines due in the dashboards' window after the as-of date (dash_deadlines), in
    deadlines.csv's order."""
    return (
        data.within("deadlines", township_code)
        .join(_rule_titles(data), on="rule_id", how="left")
        .sort("due_on", "rule_id", "person_id", nulls_last=True)
    )


def waived_findings_table(data: Data, township_code: str) -> Html:
    """The findings an approved exception covers, apart from those that stand, each with its approval."""
    frame = waived_findings_data(data, township_code)
    if frame.is_empty():
        return _note("没有批准例外覆盖的问题。")
    rows = [
        [_text(r["title_zh"]), township_and_person(data, r, "（乡镇）")[1], _text(r["period"]), _text(r["message_zh"]),
         _text(r["waiver_no"]), _text(r["approved_by"]), _text(f"{r['approved_on']:%Y-%m-%d}"),
         _text(f"{r['valid_until']:%Y-%m-%d}" if r["valid_until"] else "长期"), _text(r["reason"])]
        for r in frame.iter_rows(named=True)
    ]
    head = ["规则", "人员", "年度", "说明", "批准文号", "批准机关", "批准日期", "有效期至", "理由"]
    return Html(_table(head, rows, "wh-waived"))


def deadlines_table(data: Data, township_code: str) -> Html:
    """What falls due in the township soon: locks and minimum service ending, terms reached, shares reached."""
    frame = deadlines_data(data, township_code)
    if frame.is_empty():
        return _note("近期没有到期事项。")
    rows = [
        [_text(f"{r['due_on']:%Y-%m-%d}"), _text(r["days_left"]), _text(r["title_zh"]),
         township_and_person(data, r, "（乡镇）")[1], _text(r["what_zh"]), _text(r["citation"])]
        for r in frame.iter_rows(named=True)
    ]
    return Html(_table(["到期日", "剩余天数", "规则", "人员", "事项", "依据"], rows, "wh-deadlines"))

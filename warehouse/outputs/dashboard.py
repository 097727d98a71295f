"""Data and charts for the inspection teams' notebooks (notebooks/*.ipynb).

The notebooks stay thin: each cell calls one function here. Data comes either from Parquet files written by
`warehouse report` (`data_dir`), or from one short read of the warehouse that closes the file before returning,
so an open notebook never holds the DuckDB file while `warehouse build` runs. Nothing here judges a rule: the
findings, statuses and parameters in force come from the dbt models; this module only selects, joins for names
and draws.
"""

from __future__ import annotations

import html
import json
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import altair as alt
import polars as pl

from warehouse.engine.db import check_built, connect
from warehouse.inputs.contract import END_REASONS, ORG_LEVELS, STAFF_CATEGORIES, TOWNSHIP_TYPES, UNIT_KINDS

# ---------------------------------------------------------------------------------------------------------------
# Data: what the notebooks read
# ---------------------------------------------------------------------------------------------------------------

TABLES: dict[str, str] = {
    "run_info": "select as_of, built_at from marts.run_info",
} | {
    name: f"select * from {relation}"
    for name, relation in {
        "townships": "dashboards.dash_townships",
        "rules": "rulebook.rulebook_rules",
        "violations": "marts.violations",
        "rule_status": "marts.township_rule_status",
        "scorecard": "marts.township_scorecard",
        "parameters": "dashboards.dash_parameters_in_force",
        "units": "dashboards.dash_units",
        "people": "dashboards.dash_people",
        "postings": "dashboards.dash_postings",
        "moves": "dashboards.dash_moves",
        "recruits": "dashboards.dash_recruit_anniversaries",
        "leadership": "dashboards.dash_leadership_members",
        "appraisals": "dashboards.dash_appraisal_tallies",
    }.items()
}
"""name → query. The notebooks' whole input, read in one short connection or written as Parquet: tables built by
dbt (models/marts, declared as exposures in models/marts/dashboards/_marts_dashboards.yml), so every limit, date
and "experienced" a chart shows is the rule models' own."""

TABLES |= {
    "waived": "select * from dashboards.dash_waived_findings",
    "deadlines": "select * from dashboards.dash_deadlines",
}
"""Issue 17: the findings an approved exception covers, and the deadlines of the dashboards' window (the tables of
the `waivers_and_deadlines` exposure), read by waived_findings_table and deadlines_table."""


@dataclass(frozen=True)
class Data:
    """The warehouse's tables as the notebooks see them."""

    frames: dict[str, pl.DataFrame]

    def __getattr__(self, name: str) -> pl.DataFrame:
        try:
            return self.frames[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def as_of(self) -> date:
        return self.frames["run_info"]["as_of"][0]


def read_warehouse(path: Path | None = None) -> dict[str, pl.DataFrame]:
    """Every table of TABLES in one read-only connection, closed before returning; only the marts of one complete
    build (a build never writes this file in place, so a notebook never waits for one)."""
    with connect(path, read_only=True) as con:
        check_built(con)
        return {name: con.sql(query).pl() for name, query in TABLES.items()}


def write_data(frames: dict[str, pl.DataFrame], data_dir: Path) -> list[Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        frame.write_parquet(data_dir / f"{name}.parquet")
        written.append(data_dir / f"{name}.parquet")
    return written


def load(data_dir: str | Path | None = None) -> Data:
    """The notebooks' data: Parquet under data_dir (as `warehouse report` writes it), else the warehouse itself."""
    if data_dir is None:
        return Data(read_warehouse())
    folder = Path(data_dir)
    missing = [name for name in TABLES if not (folder / f"{name}.parquet").exists()]
    if missing:
        raise FileNotFoundError(
            f"数据文件夹 {folder} 缺少 {', '.join(missing)}.parquet：请先运行 warehouse report，或把 data_dir 设为 None"
            f"直接读取仓库。 / {folder} lacks {', '.join(missing)}.parquet: run `warehouse report`, or set data_dir = "
            "None to read the warehouse."
        )
    return Data({name: pl.read_parquet(folder / f"{name}.parquet") for name in TABLES})


# ---------------------------------------------------------------------------------------------------------------
# Labels, colours, the offline renderer
# ---------------------------------------------------------------------------------------------------------------

SEVERITIES = {"error": "严重", "warn": "警示", "info": "提示"}
SEVERITY_COLOURS = {"严重": "#c0392b", "警示": "#e67e22", "提示": "#2980b9"}
STATUSES = {"failed": "违规", "passed": "通过", "not_covered": "不适用"}
STATUS_COLOURS = {"违规": "#c0392b", "通过": "#27ae60", "不适用": "#d0d0d0"}
EVENT_KINDS = {"move": "调动", "resignation": "辞职"}

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif"
"""The charts' font: the bundled Noto Sans CJK SC (PNG, and the HTML report embeds it), else the reader's own."""

VEGALITE_MIMETYPE = "application/vnd.vegalite.v6+json"
CHART_CLASS = "warehouse-chart"


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value: object) -> str:
    """JSON that can stand inside a `<script>` element of an HTML page whatever the names in it hold.

    A township, unit or person name is user input: `</script><script>…` in it would end the element and run
    as script, `<!--` would change how the rest is parsed, and U+2028/U+2029 end a line in older JavaScript.
    Each is written as its JSON escape (`\\u003c` …), which reads back as the same string."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_SAFE)


def _text(value: object) -> str:
    """A value as HTML text: names, ids and positions come from the inputs and may hold markup."""
    return html.escape("" if value is None else str(value))


def _vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle()


def chart_html(spec: dict) -> str:
    """A div and a script that draws the spec with the page's own vegaEmbed (no CDN): it waits for the bundle and
    for the CJK font, so the first paint measures Chinese text with the font it shows. Every chart of every
    notebook and report page is embedded here, so this is where the spec's names are made safe (script_json);
    Vega draws them as text and its tooltips escape them."""
    div = f"wh-{uuid.uuid4().hex[:12]}"
    options = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}
    return f"""<div id="{div}" class="{CHART_CLASS}"></div>
<script type="text/javascript">
(function () {{
  var spec = {script_json(spec)};
  var options = {script_json(options)};
  var tries = 0;
  function draw() {{
    var target = document.getElementById("{div}");
    if (!target) {{ return; }}
    if (typeof window.vegaEmbed !== "function") {{
      if (++tries > 200) {{
        target.textContent = "图表库未加载：请先运行笔记本开头的单元格。/ The chart library is not loaded: run the first cells.";
        return;
      }}
      return setTimeout(draw, 50);
    }}
    var fonts = (document.fonts && document.fonts.load) ? document.fonts.load('12px "Noto Sans CJK SC"', "中") : Promise.resolve();
    fonts.catch(function () {{}}).then(function () {{ window.vegaEmbed(target, spec, options).catch(console.error); }});
  }}
  draw();
}})();
</script>"""


def _renderer(spec: dict, **metadata) -> dict:
    return {"text/html": chart_html(spec), VEGALITE_MIMETYPE: spec, "text/plain": f"<图表 {spec.get('name', '')}>"}


def setup() -> None:
    """Draw charts offline: put the Vega bundle in the notebook once, then render each chart against it."""
    from IPython.display import HTML, display

    alt.renderers.register("warehouse", _renderer)
    alt.renderers.enable("warehouse")
    alt.data_transformers.disable_max_rows()
    display(HTML(f'<script type="text/javascript">{_vega_bundle()}</script>'), metadata={"warehouse": "vega-bundle"})


def severity_color() -> alt.Color:
    """Severity in the same three colours on every chart (严重 / 警示 / 提示)."""
    return alt.Color(
        "severity_zh:N",
        title="严重程度",
        scale=alt.Scale(domain=list(SEVERITY_COLOURS), range=list(SEVERITY_COLOURS.values())),
    )


def finish(chart, name: str, title: str, subtitle: str | list[str] = "") -> alt.TopLevelMixin:
    """Title, font and sizes shared by every chart of the dashboards and the trend."""
    return chart.properties(
        name=name,
        title=alt.TitleParams(text=title, subtitle=subtitle, anchor="start", fontSize=16),
    ).configure(font=FONT).configure_axis(labelFontSize=12, titleFontSize=12).configure_legend(
        labelFontSize=12, titleFontSize=12
    ).configure_view(stroke=None)


def _iso(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m-%d").fill_null("")


# ---------------------------------------------------------------------------------------------------------------
# Selections
# ---------------------------------------------------------------------------------------------------------------


def townships_in(data: Data, area: str | None) -> pl.DataFrame:
    """Townships whose 12-digit code starts with area (a county's 6 digits, a city's 4, a province's 2); all when
    area is None."""
    townships = data.townships
    if area:
        townships = townships.filter(pl.col("township_code").str.starts_with(area))
    if townships.is_empty():
        raise ValueError(f"没有代码以 {area} 开头的乡镇 / no township code starts with {area}")
    return townships.sort("township_code")


def area_name(data: Data, area: str | None) -> str:
    townships = townships_in(data, area)
    if not area:
        return "全部乡镇"
    if len(area) <= 6 and townships.height:
        return f"{area} 辖区（{townships.height} 个乡镇）"
    return area


def township(data: Data, township_code: str) -> dict:
    rows = data.scorecard.filter(pl.col("township_code") == township_code)
    if rows.is_empty():
        raise ValueError(f"仓库中没有乡镇 {township_code} / no township {township_code} in the warehouse")
    return rows.row(0, named=True)


def person(data: Data, person_id: str) -> dict:
    rows = data.people.filter(pl.col("person_id") == person_id)
    if rows.is_empty():
        raise ValueError(f"仓库中没有人员 {person_id} / no person {person_id} in the warehouse")
    return rows.row(0, named=True)


def _names(data: Data) -> pl.DataFrame:
    return data.townships.select("township_code", "township_name")


def _rule_titles(data: Data) -> pl.DataFrame:
    return data.rules.select("rule_id", "title_zh").with_row_index("rule_order")


def findings(data: Data, *, township_code: str | None = None, person_id: str | None = None) -> pl.DataFrame:
    """The violations mart's rows for one township or one person, with rule titles and people's names: the findings
    that stand (those an approved exception covers are shown apart, waived_findings_table)."""
    rows = data.violations.filter(pl.col("waiver_no").is_null())
    if township_code:
        rows = rows.filter(pl.col("township_code") == township_code)
    if person_id:
        rows = rows.filter(pl.col("person_id") == person_id)
    return (
        rows.join(_rule_titles(data), on="rule_id", how="left")
        .join(data.people.select("person_id", "name"), on="person_id", how="left")
        .with_columns(
            severity_zh=pl.col("severity").replace_strict(SEVERITIES, default=pl.col("severity")),
            event_date=_iso("event_on"),
            person_label=pl.when(pl.col("person_id").is_null()).then(pl.lit("（乡镇）"))
            .otherwise(pl.col("name").fill_null("") + "（" + pl.col("person_id") + "）"),
        )
        .sort("event_on", "rule_order", "person_id", nulls_last=True)
    )


# ---------------------------------------------------------------------------------------------------------------
# dashboard.ipynb
# ---------------------------------------------------------------------------------------------------------------


def overview(data: Data, area: str | None):
    """A headline for the area: townships checked, findings by severity, the as-of date."""
    from IPython.display import HTML

    codes = townships_in(data, area)["township_code"]
    rows = data.violations.filter(pl.col("township_code").is_in(codes.implode()))
    by_severity = "，".join(
        f"{label} {rows.filter(pl.col('severity') == code).height} 条" for code, label in SEVERITIES.items()
    )
    failing = rows["township_code"].n_unique()
    return HTML(
        f"<h1>乡镇机构编制合规概览 · {_text(area_name(data, area))}</h1>\n"
        f"<p>核查基准日 <strong>{data.as_of:%Y-%m-%d}</strong>；检查乡镇 <strong>{codes.len()}</strong> 个，其中 "
        f"<strong>{failing}</strong> 个有违规；发现问题 <strong>{rows.height}</strong> 条（{by_severity}）。</p>"
    )


def violations_by_rule(data: Data, area: str | None) -> pl.DataFrame:
    """One row per rule of the rulebook with its severity and the count of violations in the area (0 included)."""
    codes = townships_in(data, area)["township_code"]
    counts = (
        data.violations.filter(pl.col("township_code").is_in(codes.implode()))
        .group_by("rule_id")
        .agg(violations=pl.len())
    )
    return (
        data.rules.join(_rule_titles(data).drop("title_zh"), on="rule_id")
        .join(counts, on="rule_id", how="left")
        .with_columns(
            violations=pl.col("violations").fill_null(0).cast(pl.Int64),
            severity_zh=pl.col("severity").replace_strict(SEVERITIES, default=pl.col("severity")),
        )
        .select("rule_id", "title_zh", "severity", "severity_zh", "violations", "rule_order")
        .sort("violations", "rule_order", descending=[True, False])
    )


def rule_bars(data: Data, area: str | None) -> alt.TopLevelMixin:
    frame = violations_by_rule(data, area)
    order = frame["title_zh"].to_list()
    base = alt.Chart(frame).encode(
        y=alt.Y("title_zh:N", title="规则", sort=order, axis=alt.Axis(labelLimit=260)),
        x=alt.X("violations:Q", title="违规条数", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[
            alt.Tooltip("title_zh:N", title="规则"),
            alt.Tooltip("rule_id:N", title="规则编号"),
            alt.Tooltip("severity_zh:N", title="严重程度"),
            alt.Tooltip("violations:Q", title="违规条数"),
        ],
    )
    bars = base.mark_bar().encode(
        color=severity_color()
    )
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text="violations:Q")
    return finish(
        (bars + labels).properties(width=480, height=alt.Step(24)),
        "rule_bars",
        "各规则违规条数",
        f"{area_name(data, area)} · 核查基准日 {data.as_of:%Y-%m-%d} · 颜色为规则的严重程度",
    )


def status_grid_data(data: Data, area: str | None) -> pl.DataFrame:
    codes = townships_in(data, area)["township_code"]
    return (
        data.rule_status.filter(pl.col("township_code").is_in(codes.implode()))
        .join(_names(data), on="township_code")
        .join(_rule_titles(data), on="rule_id")
        .with_columns(
            status_zh=pl.col("status").replace_strict(STATUSES, default=pl.col("status")),
            in_force=_iso("first_in_force_on"),
            count_label=pl.when(pl.col("violations") > 0).then(pl.col("violations").cast(pl.String)).otherwise(pl.lit("")),
        )
        .sort("township_code", "rule_order")
    )


def status_grid(data: Data, area: str | None) -> alt.TopLevelMixin:
    frame = status_grid_data(data, area)
    rule_order = _rule_titles(data)["title_zh"].to_list()
    township_order = frame.unique("township_code").sort("township_code")["township_name"].to_list()
    base = alt.Chart(frame).encode(
        x=alt.X("title_zh:N", title="规则", sort=rule_order, axis=alt.Axis(labelAngle=-40, labelLimit=200)),
        y=alt.Y("township_name:N", title="乡镇", sort=township_order),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "status_zh:N",
            title="状态",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
        ),
        tooltip=[
            alt.Tooltip("township_name:N", title="乡镇"),
            alt.Tooltip("township_code:N", title="代码"),
            alt.Tooltip("title_zh:N", title="规则"),
            alt.Tooltip("status_zh:N", title="状态"),
            alt.Tooltip("violations:Q", title="违规条数"),
            alt.Tooltip("in_force:N", title="规则生效日"),
        ],
    )
    counts = base.mark_text(color="white", fontWeight="bold").encode(text="count_label:N")
    return finish(
        (cells + counts).properties(width=alt.Step(40), height=alt.Step(24)),
        "status_grid",
        "乡镇 × 规则：违规、通过、不适用",
        "红格中的数字为违规条数；灰色表示该辖区没有生效的规则版本（不是通过）",
    )


def worst_townships_data(data: Data, area: str | None, top: int = 10) -> pl.DataFrame:
    codes = townships_in(data, area)["township_code"]
    rows = findings(data).filter(pl.col("township_code").is_in(codes.implode()))
    totals = rows.group_by("township_code").agg(total=pl.len()).sort("total", "township_code", descending=[True, False]).head(top)
    return (
        rows.filter(pl.col("township_code").is_in(totals["township_code"].implode()))
        .group_by("township_code", "township_name", "severity_zh")
        .agg(violations=pl.len(), rules=pl.col("title_zh").unique().sort().str.join("、"))
        .join(totals, on="township_code")
        .sort("total", "township_code", descending=[True, False])
    )


def worst_townships(data: Data, area: str | None, top: int = 10) -> alt.TopLevelMixin:
    frame = worst_townships_data(data, area, top)
    order = frame.unique("township_code", maintain_order=True)["township_name"].to_list()
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("township_name:N", title="乡镇", sort=order),
        x=alt.X("violations:Q", title="违规条数", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=severity_color(),
        tooltip=[
            alt.Tooltip("township_name:N", title="乡镇"),
            alt.Tooltip("severity_zh:N", title="严重程度"),
            alt.Tooltip("violations:Q", title="条数"),
            alt.Tooltip("total:Q", title="合计"),
            alt.Tooltip("rules:N", title="涉及规则"),
        ],
    )
    return finish(
        chart.properties(width=480, height=alt.Step(26)),
        "worst_townships",
        f"违规最多的乡镇（前 {top} 名）",
        "按违规条数排序，颜色为严重程度",
    )


def _parameter(data: Data, rule_id: str, parameter: str, name: str) -> pl.DataFrame:
    return (
        data.parameters.filter((pl.col("rule_id") == rule_id) & (pl.col("parameter") == parameter))
        .select("township_code", pl.col("value").cast(pl.Int64, strict=False).alias(name))
    )


def _status(data: Data, rule_id: str, name: str) -> pl.DataFrame:
    return data.rule_status.filter(pl.col("rule_id") == rule_id).select(
        "township_code", pl.col("status").replace_strict(STATUSES, default=pl.col("status")).alias(name)
    )


NO_RULE = "无生效规则"


def org_limits_data(data: Data, area: str | None) -> pl.DataFrame:
    codes = townships_in(data, area)["township_code"]
    return (
        data.scorecard.filter(pl.col("township_code").is_in(codes.implode()))
        .select("township_code", "township_name", "offices", "posts", "stations", "is_small")
        .join(_parameter(data, "ORG_OFFICE_COUNT", "min_offices", "min_offices"), on="township_code", how="left")
        .join(_parameter(data, "ORG_OFFICE_COUNT", "max_offices", "max_offices"), on="township_code", how="left")
        .join(_parameter(data, "ORG_STATION_MAX", "max_stations", "max_stations"), on="township_code", how="left")
        .join(_status(data, "ORG_OFFICE_COUNT", "office_status"), on="township_code", how="left")
        .join(_status(data, "ORG_STATION_MAX", "station_status"), on="township_code", how="left")
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
                 band: str, title: str, tooltip_extra: list) -> alt.LayerChart:
    base = alt.Chart(frame).encode(x=alt.X("township_name:N", title="乡镇", sort=order, axis=alt.Axis(labelAngle=-40)))
    limits = base.mark_bar(color="#3498db", opacity=0.18, width=alt.RelativeBandSize(0.8)).encode(
        y=alt.Y(f"{low}:Q"), y2=f"{high}:Q", tooltip=[alt.Tooltip(f"{band}:N", title="规定范围")]
    )
    marks = base.mark_point(filled=True, size=110, shape="diamond").encode(
        y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(tickMinStep=1, format="d"), scale=alt.Scale(zero=True)),
        color=alt.Color(
            f"{status}:N",
            title="状态",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
        ),
        tooltip=[
            alt.Tooltip("township_name:N", title="乡镇"),
            alt.Tooltip(f"{value}:Q", title=title),
            alt.Tooltip(f"{band}:N", title="规定范围"),
            alt.Tooltip(f"{status}:N", title="状态"),
            *tooltip_extra,
        ],
    )
    return (limits + marks).properties(width=alt.Step(38), height=220)


def org_limits(data: Data, area: str | None) -> alt.TopLevelMixin:
    frame = org_limits_data(data, area)
    order = frame["township_name"].to_list()
    offices = _limit_panel(
        frame, order, low="min_offices", high="max_offices", value="offices", status="office_status",
        band="office_band", title="综合性办公室（个）",
        tooltip_extra=[alt.Tooltip("posts:Q", title="综合性岗位"), alt.Tooltip("small:N", title="规模较小")],
    ).properties(title=alt.TitleParams(f"综合性办公室：{_limits_in_force(frame, 'office_band')}（蓝带）", fontSize=13, anchor="start"))
    stations = _limit_panel(
        frame, order, low="zero", high="max_stations", value="stations", status="station_status",
        band="station_band", title="事业站所（个）", tooltip_extra=[],
    ).properties(title=alt.TitleParams(f"事业站所：{_limits_in_force(frame, 'station_band')}（蓝带）", fontSize=13, anchor="start"))
    return finish(
        alt.vconcat(offices, stations, spacing=30),
        "org_limits",
        "机构设置与限额",
        "每个菱形是一个乡镇，落在蓝带外且为红色即违规；规模较小且设综合性岗位的乡镇办公室可少于下限",
    )


def excellent_share_data(data: Data, area: str | None) -> pl.DataFrame:
    codes = townships_in(data, area)["township_code"]
    flagged = (
        data.violations.filter(pl.col("rule_id") == "APPR_EXCELLENT_RATIO")
        .select("township_code", pl.col("period").cast(pl.Int64).alias("appraisal_year"), flagged=pl.lit(True))
    )
    return (
        data.appraisals.filter(pl.col("township_code").is_in(codes.implode()) & (pl.col("graded") > 0))
        .with_columns(pl.col("appraisal_year").cast(pl.Int64))
        .join(_names(data), on="township_code")
        .join(_parameter(data, "APPR_EXCELLENT_RATIO", "max_excellent_pct", "limit_pct"), on="township_code", how="left")
        .join(flagged, on=["township_code", "appraisal_year"], how="left")
        .with_columns(
            share=(100 * pl.col("excellent") / pl.col("graded")).round(1),
            finding=pl.when(pl.col("flagged")).then(pl.lit("违规")).otherwise(pl.lit("未记违规")),
            ratio=pl.format("{}/{}", pl.col("excellent"), pl.col("graded")),
        )
        .drop("flagged")
        .sort("township_code", "appraisal_year")
    )


def excellent_share(data: Data, area: str | None) -> alt.TopLevelMixin:
    frame = excellent_share_data(data, area)
    limits = frame.select(pl.col("limit_pct").drop_nulls().unique().sort()).with_columns(
        label=pl.format("上限 {}%", pl.col("limit_pct"))
    )
    base = alt.Chart(frame).encode(
        x=alt.X("appraisal_year:O", title="考核年度", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="优秀比例（%）", scale=alt.Scale(domain=[0, max(40.0, float(frame["share"].max() or 0) + 5)])),
    )
    points = base.mark_circle(size=90, opacity=0.75).encode(
        xOffset=alt.XOffset("township_name:N"),
        color=alt.Color(
            "finding:N", title="结论", scale=alt.Scale(domain=["违规", "未记违规"], range=["#c0392b", "#7f8c8d"])
        ),
        tooltip=[
            alt.Tooltip("township_name:N", title="乡镇"),
            alt.Tooltip("appraisal_year:O", title="年度"),
            alt.Tooltip("ratio:N", title="优秀/定等次（公务员）"),
            alt.Tooltip("share:Q", title="优秀比例（%）"),
            alt.Tooltip("not_graded:Q", title="不定等次（不计入）"),
            alt.Tooltip("finding:N", title="结论"),
        ],
    )
    names = base.transform_filter(alt.datum.finding == "违规").mark_text(align="left", dx=7, fontSize=11, color="#c0392b").encode(
        xOffset=alt.XOffset("township_name:N"), text="township_name:N"
    )
    line = alt.Chart(limits).mark_rule(color="#c0392b", strokeDash=[6, 4]).encode(y="limit_pct:Q")
    line_label = alt.Chart(limits).mark_text(align="right", baseline="bottom", dy=-3, color="#c0392b").encode(
        y="limit_pct:Q", x=alt.value(800), text="label:N"
    )
    return finish(
        (points + names + line + line_label).properties(width=800, height=300),
        "excellent_share",
        "年度考核优秀比例（公务员，按乡镇和年度）",
        "每个点是一个乡镇一年；虚线为规定上限。红点为已记违规；线上的灰点为规则生效前或本辖区不适用的年份",
    )


# ---------------------------------------------------------------------------------------------------------------
# township.ipynb
# ---------------------------------------------------------------------------------------------------------------


def township_overview(data: Data, township_code: str):
    from IPython.display import HTML

    row = township(data, township_code)
    kind = TOWNSHIP_TYPES.get(row["township_type"], row["township_type"] or "")
    flags = "、".join(label for flag, label in (("is_small", "规模较小"), ("is_developed_town", "经济发达镇")) if row[flag])
    experienced = row["leadership_team_experienced"]
    return HTML(
        f"<h1>{_text(row['township_name'])}（{_text(township_code)}）</h1>\n"
        f"<p>{_text(kind)}{'，' + flags if flags else ''}；县级代码 {_text(row['county_code'])}；核查基准日 "
        f"<strong>{data.as_of:%Y-%m-%d}</strong>。</p>\n"
        f"<p>在用机构：综合性办公室 {row['offices']} 个、综合性岗位 {row['posts']} 个、行政所 {row['institutes']} 个、"
        f"事业站所 {row['stations']} 个、便民服务中心 {row['centers']} 个、派驻机构 {row['dispatched']} 个。"
        f"领导班子 {row['leadership_team_size']} 人"
        + (f"（满乡镇工作年限 {experienced} 人）" if experienced is not None else "")
        + (f"，核定领导职数 {row['approved_leader_posts']} 名" if row["approved_leader_posts"] is not None else "")
        + f"；在岗社会工作人员 {row['social_workers']} 人。</p>\n"
        f"<p>违规：严重 <strong>{row['violations_error']}</strong> 条，警示 <strong>{row['violations_warn']}</strong> 条，"
        f"提示 {row['violations_info']} 条。</p>"
    )


def units_timeline_data(data: Data, township_code: str) -> pl.DataFrame:
    kinds = list(UNIT_KINDS)
    frame = (
        data.units.filter(pl.col("township_code") == township_code)
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


def units_timeline(data: Data, township_code: str) -> alt.TopLevelMixin:
    frame = units_timeline_data(data, township_code)
    name = township(data, township_code)["township_name"]
    bars = alt.Chart(frame).mark_bar(height=14, cornerRadius=2).encode(
        y=alt.Y("label:N", title=None, sort=frame["label"].to_list(), axis=alt.Axis(labelLimit=260)),
        x=alt.X("established_on:T", title="时间", axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 2})),
        x2="end_on:T",
        color=alt.Color("kind_zh:N", title="机构类别", sort=list(UNIT_KINDS.values())),
        opacity=alt.Opacity("status:N", title="状态", scale=alt.Scale(domain=["基准日在用", "已撤销"], range=[1.0, 0.4])),
        tooltip=[
            alt.Tooltip("unit_name:N", title="机构"),
            alt.Tooltip("kind_zh:N", title="类别"),
            alt.Tooltip("established:N", title="设立日期"),
            alt.Tooltip("abolished:N", title="撤销日期"),
            alt.Tooltip("unit_id:N", title="机构编号"),
        ],
    )
    as_of = pl.DataFrame({"as_of": [data.as_of], "label": [f"核查基准日 {data.as_of:%Y-%m-%d}"]})
    rule = alt.Chart(as_of).mark_rule(color="#c0392b", strokeDash=[6, 4]).encode(x="as_of:T")
    rule_label = alt.Chart(as_of).mark_text(align="right", dx=-4, dy=-6, baseline="bottom", color="#c0392b").encode(
        x="as_of:T", y=alt.value(0), text="label:N"
    )
    return finish(
        (bars + rule + rule_label).properties(width=640, height=alt.Step(18)),
        "units_timeline",
        f"{name}的机构设置沿革",
        "每条横条是一个机构从设立到撤销；虚线为核查基准日，与虚线相交的是当日在用机构",
    )


NOT_JUDGED = "规则不适用"


def leadership_data(data: Data, township_code: str) -> pl.DataFrame:
    return (
        data.leadership.filter(pl.col("township_code") == township_code)
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


def leadership_team(data: Data, township_code: str) -> alt.TopLevelMixin:
    frame = leadership_data(data, township_code)
    row = township(data, township_code)
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
    bars = alt.Chart(frame).mark_bar(height=16).encode(
        y=alt.Y("label:N", title=None, sort=frame["label"].to_list(), axis=alt.Axis(labelLimit=300)),
        x=alt.X("years:Q", title="累计乡镇工作经历（年）"),
        color=alt.Color(
            "reached:N", title=f"{years} 年线" if years else "班子经历规则", scale=alt.Scale(domain=domain, range=colours)
        ),
        tooltip=[
            alt.Tooltip("name:N", title="姓名"),
            alt.Tooltip("person_id:N", title="人员编号"),
            alt.Tooltip("positions:N", title="职务"),
            alt.Tooltip("township_days:Q", title="乡镇工作（天）"),
            alt.Tooltip("leadership_days:Q", title="乡镇领导工作（天）"),
            alt.Tooltip("years:Q", title="乡镇工作（年）"),
            alt.Tooltip("reached:N", title="是否满年限"),
        ],
    )
    layers = bars
    if years is not None:
        line_frame = pl.DataFrame({"years": [years], "label": [f"{years} 年（{rule['min_township_days']} 天）"]})
        line = alt.Chart(line_frame).mark_rule(color="#2c3e50", strokeDash=[6, 4], size=2).encode(x="years:Q")
        line_label = alt.Chart(line_frame).mark_text(align="left", dx=4, dy=-4, baseline="bottom").encode(
            x="years:Q", y=alt.value(0), text="label:N"
        )
        layers = bars + line + line_label
    return finish(
        layers.properties(width=560, height=alt.Step(24)),
        "leadership_team",
        f"{row['township_name']}领导班子的乡镇工作经历（截至 {data.as_of:%Y-%m-%d}）",
        subtitle,
    )


def findings_timeline(data: Data, *, township_code: str | None = None, person_id: str | None = None, name: str = "findings"):
    """Each finding as a mark on its event date, with the message and citation in the tooltip; a sentence when
    there is none."""
    from IPython.display import Markdown

    frame = findings(data, township_code=township_code, person_id=person_id)
    if frame.is_empty():
        return Markdown("**未发现违规。** / No findings.")
    order = frame.sort("rule_order").unique("title_zh", maintain_order=True)["title_zh"].to_list()
    chart = alt.Chart(frame).mark_point(filled=True, size=160, shape="diamond").encode(
        x=alt.X("event_on:T", title="事件日期", scale=alt.Scale(padding=16), axis=alt.Axis(format="%Y-%m", labelAngle=0)),
        y=alt.Y("title_zh:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
        color=severity_color(),
        tooltip=[
            alt.Tooltip("title_zh:N", title="规则"),
            alt.Tooltip("severity_zh:N", title="严重程度"),
            alt.Tooltip("township_name:N", title="乡镇"),
            alt.Tooltip("person_label:N", title="人员"),
            alt.Tooltip("event_date:N", title="事件日期"),
            alt.Tooltip("observed:N", title="发现"),
            alt.Tooltip("limit_value:N", title="限值"),
            alt.Tooltip("message_zh:N", title="说明"),
            alt.Tooltip("citation:N", title="依据"),
        ],
    )
    return finish(
        chart.properties(width=600, height=alt.Step(30)),
        name,
        f"违规发现（{frame.height} 条）",
        "每个菱形是一条违规，位于所判事件的日期（状态类规则为核查基准日）；悬停查看说明和依据",
    )


FINDING_COLUMNS = {
    "title_zh": "规则",
    "severity_zh": "严重程度",
    "township_name": "乡镇",
    "person_label": "人员",
    "period": "年度",
    "event_date": "事件日期",
    "observed": "发现",
    "limit_value": "限值",
    "message_zh": "说明",
    "citation": "依据",
}


def findings_table(data: Data, *, township_code: str | None = None, person_id: str | None = None):
    """The findings as a table with their citations, for reading and copying into a report."""
    from IPython.display import HTML, Markdown

    frame = findings(data, township_code=township_code, person_id=person_id)
    if frame.is_empty():
        return Markdown("未发现违规。")
    wide = {"message_zh", "citation"}
    cell = "border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left;"

    def style(column: str) -> str:
        return cell + ("min-width:16em;" if column in wide else "white-space:nowrap;")

    head = "".join(f'<th style="{style(c)}background:#f4f6f7">{label}</th>' for c, label in FINDING_COLUMNS.items())
    rows = []
    for row in frame.select(list(FINDING_COLUMNS)).iter_rows(named=True):
        cells = "".join(
            f'<td style="{style(c)}">{_text(row[c])}</td>' for c in FINDING_COLUMNS
        )
        rows.append(f"<tr>{cells}</tr>")
    return HTML(
        '<table class="warehouse-findings" style="font-size:13px;border-collapse:collapse;table-layout:auto">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


# ---------------------------------------------------------------------------------------------------------------
# cadre.ipynb
# ---------------------------------------------------------------------------------------------------------------


ANNIVERSARIES = (
    ("lock_years", "lock_anniversary_on", "此前不得调离"),
    ("min_service_years", "min_service_anniversary_on", "此前只能在本县乡镇间流动"),
)
"""The anniversaries of recruitment the rules in force set (dbt model dash_recruit_anniversaries): the years, the
date, and what changes on that date."""


def person_overview(data: Data, person_id: str):
    from IPython.display import HTML

    row = person(data, person_id)
    recruit = data.recruits.filter(pl.col("person_id") == person_id)
    category = STAFF_CATEGORIES.get(row["staff_category"], row["staff_category"] or "")
    facts = f"{_text(category)}；核查基准日 <strong>{data.as_of:%Y-%m-%d}</strong>。"
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
        names = dict(_names(data).iter_rows())
        facts += (
            f"录用时在{_text(names.get(r['recruitment_township_code'], r['recruitment_township_code']))}（新录用乡镇公务员）："
            + "，".join(anniversaries) + "。"
        )
    count = findings(data, person_id=person_id).height
    return HTML(
        f"<h1>{_text(row['name'])}（{_text(person_id)}）</h1>\n<p>{facts}</p>\n<p>涉及本人的违规 <strong>{count}</strong> 条。</p>"
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
    units = data.units.select("unit_id", "unit_name")
    return (
        data.postings.filter(pl.col("person_id") == person_id)
        .join(_names(data), on="township_code", how="left")
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
    names = dict(_names(data).iter_rows())
    row = person(data, person_id)
    events: list[dict] = []
    if row["recruited_on"] is not None:
        events.append({"on": row["recruited_on"], "event": "录用", "detail": f"录用 {row['recruited_on']:%Y-%m-%d}"})
    for r in data.recruits.filter(pl.col("person_id") == person_id).iter_rows(named=True):
        for years, on, meaning in ANNIVERSARIES:
            if r[on] is not None:
                events.append({"on": r[on], "event": f"满 {r[years]} 年",
                               "detail": f"录用满 {r[years]} 年：{meaning}（{r[on]:%Y-%m-%d}）"})
    postings = data.postings.filter(pl.col("person_id") == person_id)
    destinations = dict(postings.select("posting_id", "position").iter_rows())
    for r in data.moves.filter(pl.col("person_id") == person_id).iter_rows(named=True):
        kind = EVENT_KINDS.get(r["event_kind"], r["event_kind"])
        source = names.get(r["township_code"], r["township_code"] or "")
        target = names.get(r["to_township_code"]) or destinations.get(r["to_posting_id"]) or ""
        detail = f"{kind}：{source}" + (f" → {target}" if target else "") + f"（{r['event_on']:%Y-%m-%d}）"
        events.append({"on": r["event_on"], "event": kind, "detail": detail})
    for r in postings.filter(pl.col("is_secondment")).iter_rows(named=True):
        events.append({"on": r["start_date"], "event": "借调", "detail": f"借调：{r['position'] or ''}（{r['start_date']:%Y-%m-%d}）"})
    for r in findings(data, person_id=person_id).iter_rows(named=True):
        events.append({"on": r["event_on"], "event": "违规", "detail": f"{r['title_zh']}：{r['message_zh']}"})
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


def career_timeline(data: Data, person_id: str) -> alt.TopLevelMixin:
    postings = career_data(data, person_id)
    events = career_events(data, person_id)
    row = person(data, person_id)
    width = 680
    first = min([*postings["start_date"].to_list(), *events["on"].to_list()], default=data.as_of)
    last = max([data.as_of, *events["on"].to_list()])  # an anniversary still to come is drawn too
    events = events.with_columns(lane=pl.Series(_lanes(events, max((last - first).days, 365), width), dtype=pl.Int64))
    kinds = events["event"].unique(maintain_order=True).to_list()
    colour = alt.Color(
        "event:N",
        title="事件",
        scale=alt.Scale(domain=kinds, range=[EVENT_COLOURS.get(k, ANNIVERSARY_COLOUR) for k in kinds]),
        legend=None,
    )
    dash = alt.StrokeDash(
        "event:N", scale=alt.Scale(domain=kinds, range=[[1, 0] if k in EVENT_COLOURS else [6, 3] for k in kinds]), legend=None
    )
    time = alt.X(
        "start_date:T", title="时间", scale=alt.Scale(domain=[first.isoformat(), last.isoformat()], nice="year"),
        axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}),
    )
    event_tooltip = [alt.Tooltip("event:N", title="事件"), alt.Tooltip("date:N", title="日期"), alt.Tooltip("detail:N", title="说明")]
    present = [k for k in POSTING_COLOURS if k in set(postings["kind"])] + sorted(set(postings["kind"]) - set(POSTING_COLOURS))
    bars = alt.Chart(postings).mark_bar(height=16, cornerRadius=2).encode(
        y=alt.Y("label:N", title=None, sort=postings["label"].to_list(), axis=alt.Axis(labelLimit=320)),
        x=time,
        x2="end_on:T",
        color=alt.Color(
            "kind:N", title="任职类别", scale=alt.Scale(domain=present, range=[POSTING_COLOURS.get(k, "#95a5a6") for k in present])
        ),
        tooltip=[
            alt.Tooltip("position:N", title="职务"),
            alt.Tooltip("place:N", title="乡镇/机构"),
            alt.Tooltip("kind:N", title="类别"),
            alt.Tooltip("start:N", title="任职日期"),
            alt.Tooltip("end:N", title="离任日期"),
            alt.Tooltip("reason:N", title="离任原因"),
            alt.Tooltip("posting_id:N", title="任职编号"),
        ],
    )
    lines = alt.Chart(events).mark_rule(size=2, opacity=0.8).encode(
        x=alt.X("on:T"), color=colour, strokeDash=dash, tooltip=event_tooltip
    )
    career = alt.layer(bars, lines).resolve_scale(color="independent").properties(width=width, height=alt.Step(26))
    marks = alt.Chart(events).encode(
        x=alt.X("on:T", title=None, axis=None),
        y=alt.Y("lane:O", axis=None, sort="descending"),
        color=colour,
        tooltip=event_tooltip,
    )
    strip = (
        marks.mark_point(shape="triangle-down", filled=True, size=70)
        + marks.mark_text(align="left", dx=6, fontSize=12).encode(text="event:N")
    ).properties(width=width, height=18 * (int(events["lane"].max() or 0) + 1))
    return finish(
        alt.vconcat(strip, career, spacing=4).resolve_scale(x="shared", color="independent"),
        "career_timeline",
        f"{row['name']}的任职经历",
        "横条为每段任职（颜色为类别）；竖线和上方标记为录用、录用满锁定年限和最低服务年限（虚线，年限取自生效规则）、调动、辞职、借调和违规，悬停查看说明",
    )


# ---------------------------------------------------------------------------------------------------------------
# township.ipynb: approved exceptions and deadlines (issue 17)
# ---------------------------------------------------------------------------------------------------------------

WAIVED_COLUMNS = {
    "title_zh": "规则",
    "person_label": "人员",
    "period": "年度",
    "message_zh": "说明",
    "waiver_no": "批准文号",
    "approved_by": "批准机关",
    "approved_on": "批准日期",
    "valid_until": "有效期至",
    "reason": "理由",
}

DEADLINE_COLUMNS = {
    "due_on": "到期日",
    "days_left": "剩余天数",
    "title_zh": "规则",
    "person_label": "人员",
    "what_zh": "事项",
    "citation": "依据",
}


def _labelled(frame: pl.DataFrame, data: Data) -> pl.DataFrame:
    """Rule titles and people's names beside a dashboard table's rule_id and person_id."""
    return (
        frame.join(_rule_titles(data), on="rule_id", how="left")
        .join(data.people.select("person_id", "name"), on="person_id", how="left")
        .with_columns(
            person_label=pl.when(pl.col("person_id").is_null()).then(pl.lit("（乡镇）"))
            .otherwise(pl.col("name").fill_null("") + "（" + pl.col("person_id") + "）"),
        )
    )


def waived_findings_data(data: Data, township_code: str) -> pl.DataFrame:
    """The township's findings covered by an approved exception in force (dash_waived_findings), by rule."""
    frame = data.waived.filter(pl.col("township_code") == township_code)
    return _labelled(frame, data).sort("rule_order", "person_id", "period", nulls_last=True)


def deadlines_data(data: Data, township_code: str) -> pl.DataFrame:
    """The township's deadlines due in the dashboards' window after the as-of date (dash_deadlines), in deadlines.csv's
    order."""
    frame = data.deadlines.filter(pl.col("township_code") == township_code)
    return _labelled(frame, data).sort("due_on", "rule_id", "person_id", nulls_last=True)  # as deadlines.csv


def _html_table(frame: pl.DataFrame, columns: dict[str, str], css_class: str, wide: set[str]):
    """A plain HTML table of `columns` (name → header), every cell escaped; `wide` columns may wrap."""
    from IPython.display import HTML

    cell = "border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left;"
    style = {c: cell + ("min-width:16em;" if c in wide else "white-space:nowrap;") for c in columns}
    head = "".join(f'<th style="{style[c]}background:#f4f6f7">{label}</th>' for c, label in columns.items())
    body = "".join(
        "<tr>" + "".join(f'<td style="{style[c]}">{_text(row[c])}</td>' for c in columns) + "</tr>"
        for row in frame.select(list(columns)).iter_rows(named=True)
    )
    return HTML(
        f'<table class="{css_class}" style="font-size:13px;border-collapse:collapse;table-layout:auto">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def waived_findings_table(data: Data, township_code: str):
    """The findings an approved exception covers, apart from those that stand, each with its approval."""
    from IPython.display import Markdown

    frame = waived_findings_data(data, township_code)
    if frame.is_empty():
        return Markdown("没有批准例外覆盖的问题。")
    return _html_table(frame, WAIVED_COLUMNS, "warehouse-waived", {"message_zh", "reason"})


def deadlines_table(data: Data, township_code: str):
    """What falls due in the township soon: locks and minimum service ending, terms reached, shares reached."""
    from IPython.display import Markdown

    frame = deadlines_data(data, township_code)
    if frame.is_empty():
        return Markdown("近期没有到期事项。")
    return _html_table(frame, DEADLINE_COLUMNS, "warehouse-deadlines", {"what_zh", "citation"})

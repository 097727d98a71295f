"""Vega-Lite charts as plain specs, and the HTML that draws them offline.

The dashboards write their Vega-Lite specs as dictionaries rather than through Altair: Altair validates and wraps
every channel as it builds a chart (0.1–0.8 s a chart on the machines this runs on), which is nothing in a notebook
and hours for the several thousand pages of a national report; a dictionary costs microseconds. The specs are the
same Vega-Lite (tests validate every chart of the demo's pages against Altair's schema), and `Chart` displays in
Jupyter exactly as an Altair chart would with the `warehouse` renderer.
"""

from __future__ import annotations

import json
import uuid
import polars as pl

VEGALITE_MIMETYPE = "application/vnd.vegalite.v6+json"
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
CHART_CLASS = "warehouse-chart"

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif"
"""The charts' font: the bundled Noto Sans CJK SC (PNG, and the HTML report embeds it), else the reader's own."""

CONFIG = {
    "font": FONT,
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320},
    "axisTemporal": {"labelOverlap": "greedy", "labelSeparation": 8},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320},
    "header": {"labelFontSize": 13, "titleFontSize": 13, "labelLimit": 320},
    "view": {"stroke": None},
    "title": {"anchor": "start", "fontSize": 16, "subtitleFontSize": 12, "subtitleColor": "#555555", "offset": 10},
}


class Chart:
    """A Vega-Lite spec that shows as a chart in Jupyter and on the report's pages."""

    def __init__(self, spec: dict):
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.get("name", "chart")

    def to_dict(self) -> dict:
        return self.spec

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": chart_html(self.spec), VEGALITE_MIMETYPE: self.spec, "text/plain": f"<图表 {self.name}>"}


WHOLE_NUMBERS = {"format": "d", "tickMinStep": 1, "labelExpr": "datum.value == floor(datum.value) ? datum.label : ''"}
"""An axis of counts labelled at whole numbers only: tickMinStep alone is not always kept (small multiples, a
short stacked axis), and "d" then prints 0.5 and 1.5 as 1 and 2, so a reader would see 0 1 1 2 2."""


def chart(name: str, title: str, subtitle: str | list[str], body: dict) -> Chart:
    """A whole chart: the body (mark, encoding, layers, concatenations …) with its name, title and the shared
    font and sizes. A subtitle given as a list is drawn one line per item, so a long one never runs past the
    chart."""
    spec = {"$schema": SCHEMA, "name": name, **body}
    spec["title"] = {"text": title, "subtitle": subtitle if subtitle else ""}
    spec["config"] = CONFIG
    return Chart(spec)


def values(frame: pl.DataFrame) -> dict:
    """A frame as inline Vega-Lite data: dates as ISO text (as Altair writes them), nulls as null."""
    temporal = [name for name, dtype in frame.schema.items() if dtype in (pl.Date, pl.Datetime)]
    if temporal:
        frame = frame.with_columns(pl.col(name).cast(pl.String) for name in temporal)
    return {"values": frame.to_dicts()}


_DEFAULT = object()


def field(name: str, kind: str, title: str | None = _DEFAULT, **extra) -> dict:  # type: ignore[assignment]
    """One encoding channel: `field("violations", "quantitative", "违规条数", sort=...)`. A title of None draws no
    axis or legend title; without one, Vega-Lite's default (the field name) would show."""
    channel = {"field": name, "type": kind, **extra}
    if title is not _DEFAULT:
        channel["title"] = title
    return channel


def tooltips(*items: tuple[str, str, str]) -> list[dict]:
    """Tooltip channels from (field, type, title) triples."""
    return [{"field": name, "type": kind, "title": title} for name, kind, title in items]


def colour(name: str, title: str, palette: dict[str, str], **extra) -> dict:
    """A nominal colour channel with fixed colours per label (severities, statuses)."""
    return field(name, "nominal", title, scale={"domain": list(palette), "range": list(palette.values())}, **extra)


_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(value: object) -> str:
    """JSON that can stand inside a `<script>` element of an HTML page whatever the names in it hold.

    A township, unit or person name is user input: `</script><script>…` in it would end the element and run
    as script, `<!--` would change how the rest is parsed, and U+2028/U+2029 end a line in older JavaScript.
    Each is written as its JSON escape (`\\u003c` …), which reads back as the same string."""
    text = json.dumps(value, ensure_ascii=False)
    for character, escaped in _SCRIPT_SAFE:
        text = text.replace(character, escaped)
    return text


def chart_html(spec: dict) -> str:
    """A div and a script that draws the spec with the page's own vegaEmbed (no CDN): it waits for the bundle and
    for the CJK font, so the first paint measures Chinese text with the font it shows. Every chart of every
    notebook and report page is embedded here, so this is where the spec's names are made safe (script_json);
    Vega draws them as text and its tooltips escape them. A chart that fails to draw says so in its place."""
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
    fonts.catch(function () {{}}).then(function () {{
      return window.vegaEmbed(target, spec, options);
    }}).catch(function (error) {{
      target.setAttribute("data-error", String(error));
      console.error(error);
    }});
  }}
  draw();
}})();
</script>"""

"""`warehouse report`: the dashboards as HTML pages and chart PNGs an inspection team opens without Jupyter or a
network, from one township up to the whole country.

Pages, for the scope chosen (`--county`, `--city`, `--province`; by default everything loaded):
- one per division at every level in scope — the nation, each province, city and county — its figures, its
  charts aggregated to the level below, a table of the units below linking to their pages, its findings, what
  changed since the previous snapshot and its trend; the top of the scope is `index.html`;
- one per township with findings (every township of a county report), and per person a finding names, so that
  each finding is reachable by links from `index.html`; `--township` / `--person` add pages for others.

How it scales: the warehouse is read once (page_data: aggregated dbt tables, and careers only for the people
shown), kept in memory and indexed; each page runs its notebook's cells in this process (pages.run: the
notebooks stay the source, but no kernel per page), and the pages share one copy of the Vega libraries and of
the font subset (assets/), so a page weighs tens of kilobytes. PNGs take vl-convert a fraction of a second each:
by default they are drawn for the pages a team at the scope's level prints — its own page and those of the units
one level down — and for the pages asked for by name (`--png all` draws every page's, `--png none` none).
"""

from __future__ import annotations

import hashlib
import html
import re
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import polars as pl

from warehouse.core.fonts import FONT_FAMILY, font_face_css, font_path, subset_font  # noqa: F401
from warehouse.outputs import dashboard, page_data, pages

PNG_CHOICES = ("summary", "all", "none")
MAX_PNG_SIDE = 4000
"""No chart PNG is drawn larger than this many pixels on a side (a large chart is drawn at a smaller scale)."""
PNG_SCALE = 2.0
NOTEBOOKS = {"area": "dashboard", "township": "township", "cadre": "cadre"}
"""Page kind → the notebook it is made from."""
PROGRESS_EVERY = 500


class ReportInputError(Exception):
    """A scope, township or person that is not in the warehouse (exit status 2)."""


@dataclass(frozen=True)
class Page:
    kind: str
    key: str
    stem: str
    title: str
    level: str
    png: bool = False

    @property
    def notebook(self) -> str:
        return NOTEBOOKS[self.kind]

    @property
    def file(self) -> str:
        return f"{self.stem}.html"


@dataclass
class ReportResult:
    out_dir: Path
    as_of: str
    pages: list[Path] = field(default_factory=list)
    pngs: list[Path] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)
    largest: tuple[int, str] = (0, "")
    seconds: float = 0.0
    font: Path | None = None


# ---------------------------------------------------------------------------------------------------------------
# Page names
# ---------------------------------------------------------------------------------------------------------------

PLAIN_KEY = re.compile(r"[\w-]{1,40}")
"""A code or id that is a file name as it is: letters (Chinese too), digits, `_` and `-`, not too long."""


def page_stem(kind: str, key: str) -> str:
    """`township-<code>` or `cadre-<id>`. An id is user input: with `/`, `..`, markup or a character a file system
    refuses, it would write outside the output folder, fail, or break its link. Such a key keeps its plain
    characters, for reading, and gets a hash of the whole key, so that two keys still get two pages."""
    if PLAIN_KEY.fullmatch(key):
        return f"{kind}-{key}"
    plain = re.sub(r"[^\w-]+", "_", key).strip("_")[:40]
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    return f"{kind}-{plain}-{digest}" if plain else f"{kind}-{digest}"


def _unique(stem: str, taken: set[str]) -> str:
    """The stem, or the stem and a number when a page of this report already has it (a key crafted to look like
    another one's hashed stem)."""
    unique, number = stem, 1
    while unique in taken:
        number += 1
        unique = f"{stem}-{number}"
    taken.add(unique)
    return unique


# ---------------------------------------------------------------------------------------------------------------
# The plan: which pages
# ---------------------------------------------------------------------------------------------------------------


def scope_division(data: page_data.Data, scope: str | None) -> dict:
    if scope and not (scope.isdigit() and len(scope) in (2, 4, 6)):
        raise ReportInputError(
            f"范围 {scope} 不是省（2 位）、市（4 位）或县（6 位）代码 / {scope} is not a province (2 digits), city (4) "
            "or county (6) code"
        )
    try:
        return dashboard.division(data, scope)
    except ValueError as error:
        raise ReportInputError(str(error)) from error


def plan(data: page_data.Data, scope: str | None = None, townships: list[str] | None = None,
         persons: list[str] | None = None, png: str = "summary") -> list[Page]:
    """The pages to write, the scope's own first (index.html): its divisions level by level, its townships with
    findings (all of a county's), the people its findings name, and the townships and people asked for."""
    top = scope_division(data, scope)
    scope = scope or ""
    top_rank = top["level_rank"]
    divisions = data.divisions
    in_scope = divisions.filter(pl.col("division_prefix").str.starts_with(scope))
    areas = in_scope.filter(pl.col("level") != "township").sort("level_rank", "division_prefix")
    shown_townships = in_scope.filter(pl.col("level") == "township")
    if top["level"] != "county":
        shown_townships = shown_townships.filter(pl.col("findings") > 0)
    named_townships = list(dict.fromkeys(townships or []))
    for code in named_townships:
        if divisions.filter((pl.col("level") == "township") & (pl.col("division_prefix") == code)).is_empty():
            raise ReportInputError(f"仓库中没有乡镇 {code} / no township {code} in the warehouse")
    township_codes = list(dict.fromkeys(shown_townships.sort("division_prefix")["division_prefix"].to_list() + named_townships))
    found_people = (
        data.within("findings", scope).filter(pl.col("person_id").is_not_null())
        .select("person_id").unique().sort("person_id")["person_id"].to_list()
    )
    named_people = list(dict.fromkeys(persons or []))
    for person_id in named_people:
        if data.rows("people", "person_id", person_id).is_empty():
            raise ReportInputError(f"仓库中没有人员 {person_id} / no person {person_id} in the warehouse")
    person_ids = list(dict.fromkeys(found_people + named_people))

    def draws_png(rank: int, named: bool = False) -> bool:
        return png == "all" or (png == "summary" and (named or rank <= top_rank + 1))

    result: list[Page] = []
    taken: set[str] = {"index"}
    for row in areas.iter_rows(named=True):
        is_top = row["division_prefix"] == scope
        stem = "index" if is_top else _unique(f"{row['level']}-{row['division_prefix']}", taken)
        result.append(Page("area", row["division_prefix"], stem,
                           f"乡镇机构编制合规概览 · {dashboard.label(data, row)}", row["level"], draws_png(row["level_rank"])))
    for code in township_codes:
        name = data.rows("divisions", "division_prefix", code)["division_name"][0]
        result.append(Page("township", code, _unique(page_stem("township", code), taken), f"乡镇详情 · {name or code}",
                           "township", draws_png(4, code in named_townships)))
    for person_id in person_ids:
        name = data.rows("people", "person_id", person_id)["name"][0]
        result.append(Page("cadre", person_id, _unique(page_stem("cadre", person_id), taken), f"干部任职经历 · {name}",
                           "person", draws_png(5, person_id in named_people)))
    return result


def parameters(page: Page, data_dir: Path) -> dict:
    key = {"area": "area_code", "township": "township_code", "cadre": "person_id"}[page.kind]
    return {"data_dir": str(data_dir), key: page.key or None}


# ---------------------------------------------------------------------------------------------------------------
# PNGs
# ---------------------------------------------------------------------------------------------------------------


def register_font(folder: Path | None = None) -> Path:
    """Give vl-convert a CJK font (the folder of a subset, else the whole font's); without one, PNGs draw
    Chinese as empty boxes."""
    import vl_convert

    font = font_path()
    vl_convert.register_font_directory(str(folder or font.parent))
    return font


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    return struct.unpack(">II", png[16:24])


def chart_png(spec: dict, scale: float = PNG_SCALE) -> bytes:
    """The chart as PNG at scale, or smaller so that neither side exceeds MAX_PNG_SIDE."""
    import vl_convert

    png = vl_convert.vegalite_to_png(spec, scale=scale)
    side = max(png_size(png))
    if side > MAX_PNG_SIDE:
        png = vl_convert.vegalite_to_png(spec, scale=scale * MAX_PNG_SIDE / side * 0.995)
    return png


def write_pngs(charts: list[tuple[Path, dict]], otf: bytes) -> list[Path]:
    """Draw the charts with the pages' font subset registered (a temporary folder holding it)."""
    if not charts:
        return []
    with tempfile.TemporaryDirectory(prefix="warehouse-font-") as folder:
        (Path(folder) / "NotoSansCJKSC-subset.otf").write_bytes(otf)
        register_font(Path(folder))
        for path, spec in charts:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(chart_png(spec))
    return [path for path, _ in charts]


# ---------------------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------------------

LEVEL_NAMES = {"nation": "全国", "province": "省级", "city": "市级", "county": "县级", "township": "乡镇", "person": "人员"}


def _href(path: str) -> str:
    return html.escape(quote(path))


def _png_list(pngs: list[Path]) -> str:
    if not pngs:
        return ""
    items = "".join(f'<li><a href="{_href("png/" + p.name)}">{html.escape(p.name)}</a></li>' for p in pngs)
    return (f"<h2>图表图片（PNG）</h2><details><summary>{len(pngs)} 张图表的 PNG，可插入文字报告</summary>"
            f"<ul>{items}</ul></details>")


def report(out_dir: Path, *, scope: str | None = None, townships: list[str] | None = None,
           persons: list[str] | None = None, png: str = "summary", progress=print) -> ReportResult:
    started = time.monotonic()
    frames = page_data.read_warehouse(people=persons or [])  # the only time the warehouse file is open, briefly
    data = page_data.Data(frames)
    planned = plan(data, scope, townships, persons, png)
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dir = (out_dir / "data").resolve()
    data.links = {(page.kind, page.key): page.file for page in planned}
    page_data.write_data(frames, data_dir)
    page_data.keep_in_memory(data_dir, data)
    font = font_path()
    result = ReportResult(out_dir=out_dir, as_of=f"{data.as_of:%Y-%m-%d}", font=font)
    progress(f"  {len(planned)} 页 / pages: " + "，".join(
        f"{LEVEL_NAMES[level]} {count}" for level, count in _count_levels(planned).items()))
    footer = (f"核查基准日 {result.as_of} · 由 warehouse report 生成 · 页面数据见 data/（可在 JupyterLab 中用 notebooks/ "
              "打开同一页面）")
    characters: set[str] = set(pages.PAGE_CSS + pages.PARTS_CSS)
    charts: list[tuple[Path, dict]] = []
    try:
        # The scope's own page last: it lists every PNG.
        for number, page in enumerate(planned[1:] + planned[:1], start=1):
            body, specs = pages.layout(pages.run(page.notebook, parameters(page, data_dir)))
            if page.png:
                charts += [(out_dir / "png" / f"{page.stem}-{index:02d}-{spec.get('name') or 'chart'}.png", spec)
                           for index, spec in enumerate(specs, start=1)]
            if page.stem == "index":
                body += _png_list([path for path, _ in charts])
            text = pages.page_html(page.title, body, footer=footer)
            path = out_dir / page.file
            path.write_text(text, encoding="utf-8")
            characters.update(text)
            result.pages.append(path)
            size = len(text.encode("utf-8"))
            if size > result.largest[0]:
                result.largest = (size, page.file)
            if number % PROGRESS_EVERY == 0:
                progress(f"  {number}/{len(planned)} 页 / pages, {time.monotonic() - started:.0f} s")
    finally:
        page_data.forget(data_dir)
    woff, otf = subset_font(font, "".join(characters), flavors=("woff", None))
    pages.write_assets(out_dir, font_face_css("", woff=woff))
    if charts:
        progress(f"  PNG {len(charts)} 张 / charts …")
    result.pngs = write_pngs(charts, otf)
    result.pages.sort(key=lambda p: (p.name != "index.html", p.name))
    result.by_level = _count_levels(planned)
    result.seconds = time.monotonic() - started
    return result


def _count_levels(planned: list[Page]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in planned:
        counts[page.level] = counts.get(page.level, 0) + 1
    return counts

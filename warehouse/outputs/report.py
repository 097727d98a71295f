"""`warehouse report`: run the notebooks headless and write HTML pages and chart PNGs an inspection team can open
without Jupyter or a network.

The warehouse is read once (dashboard.read_warehouse: open, read, close) into Parquet under OUT/data, and the
notebooks read that, so a build can run while the report is being made. Each page is one executed notebook with
its code hidden; the Vega libraries and a subset of the Noto Sans CJK font are embedded in the page, and each
chart is also drawn to PNG by vl-convert with the same font, so Chinese shows as Chinese in both.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import nbformat
import polars as pl

from warehouse.core.paths import PROJECT_DIR
from warehouse.engine.db import connect
from warehouse.inputs.rulebook import rulebook_version
from warehouse.outputs import dashboard

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"

FONT_FAMILY = "Noto Sans CJK SC"
SYSTEM_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
"""Debian's fonts-noto-cjk and fonts-wqy-*: used when the PyPI font package is missing."""

PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}{{ resources.report_head }}{%- endblock extra_css -%}
"""
"""JupyterLab's HTML template without the scripts it would fetch from a CDN (require.js, MathJax, Mermaid)."""


class ReportInputError(Exception):
    """A county, township or person that is not in the warehouse (exit status 2)."""


@dataclass(frozen=True)
class Page:
    notebook: str
    stem: str
    title: str
    parameters: dict


@dataclass
class ReportResult:
    out_dir: Path
    as_of: str
    pages: list[Path] = field(default_factory=list)
    pngs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    font: Path | None = None


# ---------------------------------------------------------------------------------------------------------------
# Font
# ---------------------------------------------------------------------------------------------------------------


def font_path() -> Path:
    """The CJK font: the PyPI package noto-cjk-sans-otc (a dependency), else a Debian font package."""
    try:
        import noto_cjk_sans_otc

        packaged = Path(str(noto_cjk_sans_otc.FONT_PATH))
        if packaged.exists():
            return packaged
    except ImportError:
        pass
    for candidate in SYSTEM_FONTS:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        "找不到中文字体，图表中的中文会显示为方框。请运行 pip install noto-cjk-sans-otc（或 apt-get install "
        "fonts-noto-cjk）。 / No CJK font found, Chinese would show as boxes: pip install noto-cjk-sans-otc "
        "(or apt-get install fonts-noto-cjk)."
    )


def register_font() -> Path:
    """Give vl-convert the CJK font; without it, PNGs draw Chinese as empty boxes."""
    import vl_convert

    font = font_path()
    vl_convert.register_font_directory(str(font.parent))
    return font


def _collection_index(font: Path) -> int:
    from fontTools.ttLib import TTCollection

    if font.suffix.lower() not in {".ttc", ".otc"}:
        return -1
    collection = TTCollection(str(font), lazy=True)
    names = [f["name"].getDebugName(1) or "" for f in collection.fonts]
    return next((i for i, name in enumerate(names) if name == FONT_FAMILY), 0)


def font_face_css(font: Path, text: str) -> str:
    """An @font-face with the font cut down to the characters the pages use, so a page shows Chinese even on a
    machine without a CJK font (a few hundred kilobytes instead of 19 MB)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    index = _collection_index(font)
    loaded = TTFont(str(font), fontNumber=index) if index >= 0 else TTFont(str(font))
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text) | {chr(c) for c in range(32, 127)})))
    subsetter.subset(loaded)
    buffer = io.BytesIO()
    loaded.flavor = "woff"
    loaded.save(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff;base64,{encoded}) format("woff"); }}'
    )


# ---------------------------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------------------------


def inject_parameters(notebook: nbformat.NotebookNode, parameters: dict) -> nbformat.NotebookNode:
    """Papermill's convention: a cell tagged `injected-parameters` right after the one tagged `parameters`."""
    source = "# 注入的参数 / injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    position = next(
        (i + 1 for i, c in enumerate(notebook.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0
    )
    notebook.cells.insert(position, cell)
    return notebook


def execute(name: str, parameters: dict, *, timeout: int = 600) -> nbformat.NotebookNode:
    """Run notebooks/NAME.ipynb in a fresh kernel (this Python) with the parameters injected."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = inject_parameters(nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4), parameters)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    try:
        client.execute(stderr=subprocess.DEVNULL)  # ipykernel's warning about TCP on localhost; errors come back as outputs
    except CellExecutionError as error:
        raise RuntimeError(f"笔记本 {name}.ipynb 执行失败 / notebook {name}.ipynb failed:\n{error}") from error
    return notebook


def chart_specs(notebook: nbformat.NotebookNode) -> list[dict]:
    """The Vega-Lite specs the notebook displayed, in order."""
    specs = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            spec = output.get("data", {}).get(dashboard.VEGALITE_MIMETYPE)
            if spec:
                specs.append(spec if isinstance(spec, dict) else json.loads(spec))
    return specs


def write_pngs(notebook: nbformat.NotebookNode, stem: str, png_dir: Path, *, scale: float = 2.0) -> list[Path]:
    import vl_convert

    png_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, spec in enumerate(chart_specs(notebook), start=1):
        path = png_dir / f"{stem}-{number:02d}-{spec.get('name') or 'chart'}.png"
        path.write_bytes(vl_convert.vegalite_to_png(spec, scale=scale))
        written.append(path)
    return written


def page_html(notebook: nbformat.NotebookNode, title: str, head: str) -> str:
    """The executed notebook as one HTML file, code hidden, nothing fetched from outside."""
    from nbconvert import HTMLExporter

    notebook.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="lab",
        raw_template=PAGE_TEMPLATE,
        language_code="zh-CN",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook, resources={"report_head": head})
    return body


def page_head(font_css: str) -> str:
    family = f'"{FONT_FAMILY}", "Microsoft YaHei", "PingFang SC", sans-serif'
    return f"""<style type="text/css">
{font_css}
html:root {{
  --jp-content-font-family: {family};
  --jp-ui-font-family: {family};
}}
body, #vg-tooltip-element {{ font-family: var(--jp-content-font-family) !important; }}
.jp-Notebook {{ max-width: 1200px; margin: 0 auto; }}
</style>"""


def index_html(pages: list[tuple[str, str]], pngs: list[Path], as_of: str, head: str) -> str:
    links = "\n".join(f'<li><a href="{_href(href)}">{html.escape(title)}</a></li>' for href, title in pages)
    images = "\n".join(f'<li><a href="{_href("png/" + p.name)}">{html.escape(p.name)}</a></li>' for p in pngs)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>乡镇机构编制合规检查报告</title>{head}</head>
<body style="margin: 2em">
<h1>乡镇机构编制合规检查报告</h1>
<p>核查基准日 {html.escape(as_of)}。以下页面可直接在浏览器中打开，无需 Jupyter 或网络。</p>
<h2>页面</h2><ul>{links}</ul>
<h2>图表（PNG）</h2><ul>{images}</ul>
</body></html>
"""


def _href(path: str) -> str:
    return html.escape(quote(path))


# ---------------------------------------------------------------------------------------------------------------
# The report
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


def _default_township(data: dashboard.Data, county: str | None) -> str:
    codes = dashboard.townships_in(data, county)["township_code"]
    counts = (
        data.violations.filter(pl.col("township_code").is_in(codes.implode()))
        .group_by("township_code")
        .agg(n=pl.len())
        .sort(["n", "township_code"], descending=[True, False])
    )
    return counts["township_code"][0] if counts.height else codes[0]


def _default_person(data: dashboard.Data, county: str | None) -> str | None:
    codes = dashboard.townships_in(data, county)["township_code"]
    counts = (
        data.violations.filter(pl.col("township_code").is_in(codes.implode()) & pl.col("person_id").is_not_null())
        .group_by("person_id")
        .agg(n=pl.len())
        .sort(["n", "person_id"], descending=[True, False])
    )
    return counts["person_id"][0] if counts.height else None


def plan(data: dashboard.Data, data_dir: Path, county: str | None, townships: list[str] | None,
         persons: list[str] | None) -> list[Page]:
    """The pages to write: the overview, then one page per township and per person (by default the township
    and the person with the most findings)."""
    try:
        area = dashboard.area_name(data, county)
    except ValueError as error:
        raise ReportInputError(str(error)) from error
    townships = list(dict.fromkeys(townships or [_default_township(data, county)]))
    default_person = _default_person(data, county)
    persons = list(dict.fromkeys(persons or ([default_person] if default_person else [])))
    pages = [Page("dashboard", "dashboard", f"乡镇机构编制合规概览 · {area}", {"data_dir": str(data_dir), "county_code": county})]
    taken: set[str] = set()
    for code in townships:
        name = _named(dashboard.township, data, code, "township_name")
        stem = _unique(page_stem("township", code), taken)
        pages.append(Page("township", stem, f"乡镇详情 · {name}", {"data_dir": str(data_dir), "township_code": code}))
    for person_id in persons:
        name = _named(dashboard.person, data, person_id, "name")
        stem = _unique(page_stem("cadre", person_id), taken)
        pages.append(Page("cadre", stem, f"干部任职经历 · {name}", {"data_dir": str(data_dir), "person_id": person_id}))
    return pages


def _named(lookup, data, key: str, field: str) -> str:
    """The name of the township or person a page is about; an unknown code stops the report (exit status 2)."""
    try:
        return lookup(data, key)[field]
    except ValueError as error:
        raise ReportInputError(str(error)) from error


def write_history(out_dir: Path) -> Path | None:
    """The snapshot history for the dashboard's trend charts, when the warehouse holds snapshots of the current
    rulebook; None otherwise (the dashboard then says how to take them)."""
    from warehouse.history import snapshot

    with connect(read_only=True) as con:
        if not snapshot.has_history(con):
            return None
        version = rulebook_version()
        count = con.execute("select count(*) from history.snapshots where rulebook_version = ?", [version]).fetchone()[0]
    if not count:
        return None
    snapshot.history(out_dir, version=version)
    return out_dir.resolve()


def report(out_dir: Path, *, county: str | None = None, townships: list[str] | None = None,
           persons: list[str] | None = None, progress=print) -> ReportResult:
    started = time.monotonic()
    data_dir = (out_dir / "data").resolve()
    frames = dashboard.read_warehouse()  # the only time the warehouse file is open, briefly
    data = dashboard.Data(frames)
    pages = plan(data, data_dir, county, townships, persons)
    dashboard.write_data(frames, data_dir)
    history_dir = write_history(out_dir / "history")
    for page in pages:
        if page.notebook == "dashboard":
            page.parameters["history_dir"] = str(history_dir) if history_dir else None
    font = register_font()
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ReportResult(out_dir=out_dir, as_of=f"{data.as_of:%Y-%m-%d}", font=font)

    executed = []
    for page in pages:
        step = time.monotonic()
        notebook = execute(page.notebook, page.parameters)
        pngs = write_pngs(notebook, page.stem, out_dir / "png")
        result.pngs.extend(pngs)
        executed.append((page, notebook))
        progress(f"  {page.stem}: {len(pngs)} 张图 / charts, {time.monotonic() - step:.1f} s")

    text = "".join(nbformat.writes(notebook) for _, notebook in executed) + "".join(p.title for p in pages)
    text += "乡镇机构编制合规检查报告核查基准日以下页面可直接在浏览器中打开无需或网络图表"
    head = page_head(font_face_css(font, text))
    for page, notebook in executed:
        path = out_dir / f"{page.stem}.html"
        path.write_text(page_html(notebook, page.title, head), encoding="utf-8")
        result.pages.append(path)
    index = out_dir / "index.html"
    index.write_text(
        index_html([(p.name, page.title) for p, (page, _) in zip(result.pages, executed)], result.pngs, result.as_of, head),
        encoding="utf-8",
    )
    result.pages.insert(0, index)
    result.seconds = time.monotonic() - started
    return result

"""Report pages from the notebooks, without a kernel per page.

A national report has thousands of township and person pages; executing a notebook per page (a Jupyter kernel,
nbclient, nbconvert) costs seconds each, hours in all. The notebooks stay the source of every page: the report
reads each notebook once and compiles its cells, and for each page runs those same cells in this process — the
parameters cell, then the page's parameters put over it (papermill's convention), then each cell, keeping the
value of its last expression as Jupyter shows it — and lays out what they show: the markdown cells' text, the
charts, the tables. A notebook opened in JupyterLab runs the same cells and shows the same things.
"""

from __future__ import annotations

import ast
import functools
import html
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

import nbformat

from warehouse.core.fonts import FONT_STACK
from warehouse.core.paths import PROJECT_DIR
from warehouse.outputs.charts import Chart, chart_html

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"
ASSETS = "assets"
"""The folder beside the pages holding what every page shares: the Vega libraries and the styles with the font."""

PARTS_CSS = f"""
.wh-crumbs {{ font-size: 14px; color: #555; margin-bottom: 4px; }}
.wh-figures {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }}
.wh-figure {{ border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 140px; max-width: 280px;
  background: #fafafa; }}
.wh-number {{ font-size: 26px; font-weight: bold; line-height: 1.2; }}
.wh-bad .wh-number {{ color: #c0392b; }}
.wh-caption {{ font-size: 13px; color: #555; }}
.wh-scroll {{ overflow-x: auto; max-width: 100%; }}
table.wh-table {{ border-collapse: collapse; font-size: 13px; width: 100%; }}
.wh-table th, .wh-table td {{ border: 1px solid #ddd; padding: 4px 8px; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; }}
.wh-table th {{ background: #f4f6f7; white-space: nowrap; }}
table.wh-compact {{ width: auto; }}
.wh-table td.wh-nowrap {{ white-space: nowrap; }}
.wh-findings td:nth-child(1) {{ min-width: 7em; }}
.wh-findings td:nth-child(2) {{ min-width: 4.5em; }}
.wh-findings td:nth-child(3) {{ min-width: 7em; }}
.wh-findings td:nth-child(4) {{ white-space: nowrap; }}
.wh-findings td:nth-child(5), .wh-findings td:nth-child(6) {{ min-width: 11em; }}
.wh-findings td:nth-child(7) {{ min-width: 9em; }}
.wh-findings td:nth-child(8) {{ min-width: 18em; }}
.wh-evidence {{ margin: 0; padding-left: 1.1em; }}
.wh-muted {{ color: #777; }}
.wh-tag {{ display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; color: #fff; background: #7f8c8d;
  white-space: nowrap; }}
.wh-error, .wh-failed, .wh-change-new, .wh-change-reopened {{ background: #c0392b; }}
.wh-warn {{ background: #e67e22; }}
.wh-info {{ background: #2980b9; }}
.wh-passed, .wh-change-resolved {{ background: #27ae60; }}
.wh-waived {{ background: #8e44ad; }}
.wh-not_covered {{ background: #d0d0d0; color: #222; }}
.wh-note {{ color: #444; }}
.warehouse-chart {{ margin: 8px 0 16px; overflow-x: auto; }}
details summary {{ cursor: pointer; color: #1f5f99; }}
#vg-tooltip-element {{ font-family: {FONT_STACK} !important; }}
"""
"""The styles of what the cells show (figures, tables, tags): on the pages, and in a notebook with the Vega bundle
(dashboard.setup), where they touch nothing of JupyterLab's own."""

PAGE_CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 0; color: #222; background: #fff; line-height: 1.55; }}
main.wh-page {{ max-width: 1280px; margin: 0 auto; padding: 20px 32px 64px; }}
h1 {{ font-size: 26px; margin: 8px 0 4px; line-height: 1.3; }}
h2 {{ font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #e5e5e5; }}
a {{ color: #1f5f99; }}
footer {{ margin-top: 48px; font-size: 12px; color: #777; }}
"""
"""The page's own styles (a report page, not a notebook)."""


class NotebookError(RuntimeError):
    """A cell of a notebook failed while a page was made from it."""


@dataclass(frozen=True)
class Cell:
    markdown: str | None = None
    """A markdown cell, as HTML."""
    body: CodeType | None = None
    """A code cell's statements before its last expression."""
    last: CodeType | None = None
    """Its last expression: what the cell shows."""
    is_parameters: bool = False


@dataclass(frozen=True)
class Markdown:
    html: str


@functools.cache
def cells(name: str) -> tuple[Cell, ...]:
    """notebooks/NAME.ipynb, read and compiled once per process."""
    import mistune

    notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    compiled = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            compiled.append(Cell(markdown=mistune.html(cell.source)))
        elif cell.cell_type == "code":
            tree = ast.parse(cell.source, filename=f"{name}.ipynb[{index}]")
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = compile(ast.Expression(tree.body.pop().value), f"{name}.ipynb[{index}]", "eval")
            compiled.append(Cell(
                body=compile(tree, f"{name}.ipynb[{index}]", "exec"),
                last=last,
                is_parameters="parameters" in cell.metadata.get("tags", []),
            ))
    return tuple(compiled)


def run(name: str, parameters: dict) -> list[object]:
    """What notebooks/NAME.ipynb shows when run with parameters: one item per markdown cell and per code cell
    whose last expression has a value."""
    namespace: dict = {"__name__": f"notebook_{name}"}
    shown: list[object] = []
    for index, cell in enumerate(cells(name)):
        if cell.markdown is not None:
            shown.append(Markdown(cell.markdown))
            continue
        try:
            exec(cell.body, namespace)
            if cell.is_parameters:
                namespace.update(parameters)
            value = eval(cell.last, namespace) if cell.last is not None else None
        except Exception as error:
            raise NotebookError(
                f"笔记本 {name}.ipynb 第 {index + 1} 个单元格出错（参数 {parameters}）/ cell {index + 1} of "
                f"{name}.ipynb failed ({parameters}): {type(error).__name__}: {error}"
            ) from error
        if value is not None:
            shown.append(value)
    return shown


def layout(shown: list[object]) -> tuple[str, list[dict]]:
    """The page's body from what its cells showed, and the specs of its charts in order."""
    parts, specs = [], []
    for value in shown:
        if getattr(value, "is_vega_bundle", False):
            continue  # the page links the bundle once, in its head
        if isinstance(value, Chart):
            parts.append(chart_html(value.spec))
            specs.append(value.spec)
        elif isinstance(value, Markdown):
            parts.append(value.html)
        elif hasattr(value, "_repr_html_"):
            parts.append(value._repr_html_())
        else:
            parts.append(f"<pre>{html.escape(repr(value))}</pre>")
    return "\n".join(parts), specs


def page_html(title: str, body: str, *, footer: str = "") -> str:
    """A whole page: its body with the shared styles, font and Vega libraries linked from assets/ (nothing
    fetched from outside: the page opens from the disk, offline)."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{ASSETS}/report.css">
<script type="text/javascript" src="{ASSETS}/vega.js"></script>
</head>
<body>
<main class="wh-page">
{body}
<footer>{footer}</footer>
</main>
</body>
</html>
"""


def write_assets(out_dir: Path, font_css: str) -> list[Path]:
    """assets/vega.js (the Vega, Vega-Lite and vega-embed bundle) and assets/report.css (the font and styles)."""
    import vl_convert

    folder = out_dir / ASSETS
    folder.mkdir(parents=True, exist_ok=True)
    script, styles = folder / "vega.js", folder / "report.css"
    script.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
    styles.write_text(font_css + "\n" + PAGE_CSS + PARTS_CSS, encoding="utf-8")
    return [script, styles]


def execute_in_kernel(name: str, parameters: dict, *, timeout: int = 600) -> nbformat.NotebookNode:
    """Run notebooks/NAME.ipynb in a Jupyter kernel (this Python), as JupyterLab or papermill would, with the
    parameters in a cell tagged `injected-parameters` after the `parameters` cell: what the tests use to show the
    notebooks run in Jupyter as they run here."""
    import subprocess

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    source = "# 注入的参数 / injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    position = next(
        (i + 1 for i, c in enumerate(notebook.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0
    )
    notebook.cells.insert(position, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    try:
        client.execute(stderr=subprocess.DEVNULL)  # ipykernel's warning about TCP on localhost
    except CellExecutionError as error:
        raise NotebookError(f"笔记本 {name}.ipynb 执行失败 / notebook {name}.ipynb failed:\n{error}") from error
    return notebook


def chart_specs(notebook: nbformat.NotebookNode) -> list[dict]:
    """The Vega-Lite specs an executed notebook displayed, in order."""
    import json

    from warehouse.outputs.charts import VEGALITE_MIMETYPE

    specs = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            spec = output.get("data", {}).get(VEGALITE_MIMETYPE)
            if spec:
                specs.append(spec if isinstance(spec, dict) else json.loads(spec))
    return specs

"""The inspection teams' notebooks and `warehouse report` on the demo county: every notebook runs in Jupyter and in
the report's own process alike, the report writes the county's page, a page per township and per person with
findings and PNGs drawn with a CJK font, the charts count what the marts say, and reading the data never keeps the
warehouse file from being written."""

from __future__ import annotations

import re
import shutil

import altair as alt
import duckdb
import nbformat
import pytest
from conftest import PROJECT_DIR, warehouse_cli

from warehouse.outputs import charts, dashboard, page_data, pages, report

NOTEBOOKS = ("dashboard", "township", "cadre")
CHARTS = {
    "dashboard": ["rule_bars", "units_below", "rule_grid", "rule_leaders", "org_limits", "excellent_share"],
    "township": ["units_timeline", "leadership_team", "township_findings"],
    "cadre": ["career_timeline", "person_findings"],
}
"""The charts of each notebook, in the order they appear (without snapshots: the trend draws none)."""

COUNTY, CHAYUAN, P0038 = "360799", "360799201000", "P0038"
PAGES = {"dashboard": "index", "township": f"township-{CHAYUAN}", "cadre": f"cadre-{P0038}"}


@pytest.fixture(scope="module")
def report_run(demo_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report"
    result = warehouse_cli("report", "--out", str(out), "--county", COUNTY, "--person", P0038,
                           root=demo_run.db.parent, check=True)
    return out, result


@pytest.fixture(scope="module")
def data(demo_run) -> page_data.Data:
    return page_data.Data(page_data.read_warehouse(demo_run.db, people=[P0038]))


def test_committed_notebooks_have_no_outputs_and_start_with_a_parameters_cell():
    for name in NOTEBOOKS:
        notebook = nbformat.read(PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert "parameters" in notebook.cells[0].metadata.get("tags", []), name
        assert "data_dir = None" in notebook.cells[0].source, name
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs not stripped"


CHART_BUILDERS = {"rule_bars", "units_below", "rule_grid", "rule_leaders", "org_limits", "excellent_share",
                  "units_timeline", "leadership_team", "findings_timeline", "career_timeline", "severity_trend",
                  "rule_trend"}


def test_every_chart_has_a_sentence_above_it_saying_what_to_look_at():
    for name in NOTEBOOKS:
        cells = nbformat.read(PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4).cells
        drawn = [(before, cell) for before, cell in zip(cells, cells[1:])
                 if cell.cell_type == "code" and (m := re.match(r"[dt]\.(\w+)\(", cell.source)) and m.group(1) in CHART_BUILDERS]
        assert len(drawn) >= len(CHARTS[name])
        for before, cell in drawn:
            assert before.cell_type == "markdown" and "看什么" in before.source, f"{name}: {cell.source}"


def test_notebook_cells_only_call_the_package():
    """Thin cells: an import, the data, one call per cell; no loops, no definitions, no frames built in a cell."""
    for name in NOTEBOOKS:
        for cell in nbformat.read(PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4).cells:
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
                continue
            for line in cell.source.splitlines():
                assert re.match(r"^(from warehouse\.outputs import .*|data = d\.load\(.*\)|[dt]\.\w+\(.*\)|)$", line), \
                    f"{name}: {line}"


def test_the_report_writes_the_county_page_a_page_per_township_and_person_with_findings(report_run, demo_run):
    out, result = report_run
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        townships = {row[0] for row in con.sql("select township_code from marts.township_scorecard "
                                                f"where county_code = '{COUNTY}'").fetchall()}
        people = {row[0] for row in con.sql("select distinct person_id from marts.violations where "
                                             f"county_code = '{COUNTY}' and person_id is not null").fetchall()}
    written = {p.name for p in out.glob("*.html")}
    assert written == {"index.html"} | {f"township-{code}.html" for code in townships} | {f"cadre-{p}.html" for p in people}
    assert "HTML" in result.stdout and "县级 1" in result.stdout and f"乡镇 {len(townships)}" in result.stdout


def test_pngs_are_drawn_for_the_county_its_townships_and_the_person_asked_for_only(report_run):
    """--png summary: the scope's page and the level below (a county's townships), and pages named."""
    out, _ = report_run
    pngs = sorted((out / "png").glob("*.png"))
    for kind, page in PAGES.items():
        drawn = [re.sub(r"^.*-\d\d-", "", p.stem) for p in pngs if p.name.startswith(page + "-")]
        assert drawn == CHARTS[kind], page
    assert not [p for p in pngs if p.name.startswith("cadre-") and not p.name.startswith(f"cadre-{P0038}-")]
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert max(report.png_size(png.read_bytes())) <= report.MAX_PNG_SIDE


def test_report_pages_open_offline_with_code_hidden_and_chinese_labels(report_run):
    out, _ = report_run
    assert (out / "assets" / "vega.js").read_text(encoding="utf-8").count("vegaEmbed") > 0
    assert '@font-face { font-family: "Noto Sans CJK SC"' in (out / "assets" / "report.css").read_text(encoding="utf-8")
    for notebook, page in PAGES.items():
        text = (out / f"{page}.html").read_text(encoding="utf-8")
        sources = re.findall(r"<script[^>]+src=\"([^\"]+)\"", text) + re.findall(r"<link[^>]+href=\"([^\"]+)\"", text)
        assert sources == ["assets/vega.js", "assets/report.css"], "only the shared assets are loaded"
        assert "d.setup()" not in text and "from warehouse" not in text, "code is shown"
        assert "看什么" in text
        for chart in CHARTS[notebook]:
            assert f'"name": "{chart}"' in text, f"{page}: chart {chart} missing"


def test_the_pages_link_down_to_every_township_and_person_of_the_report(report_run):
    out, _ = report_run
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in out.glob("township-*.html"):
        assert f'href="{page.name}"' in index
    townships = "".join(p.read_text(encoding="utf-8") for p in out.glob("township-*.html"))
    for page in out.glob("cadre-*.html"):
        assert f'href="{page.name}"' in index + townships


def test_a_notebook_draws_the_same_page_from_a_reports_data_folder(report_run):
    """data_dir = OUT/data: what the report read, as Parquet, for opening any page in JupyterLab."""
    out, _ = report_run
    _, specs = pages.layout(pages.run("township", {"data_dir": str(out / "data"), "township_code": CHAYUAN}))
    assert [spec["name"] for spec in specs] == CHARTS["township"]
    assert page_data.load(out / "data").rows("findings", "township_code", CHAYUAN).height == 2


def test_pngs_draw_chinese_with_the_cjk_font_not_as_boxes():
    """Missing glyphs are all drawn as the same empty box, so two different Chinese labels give identical
    pictures without the font and different ones with it."""
    import vl_convert

    font = report.register_font()
    assert font.exists()

    def png(label: str) -> bytes:
        spec = {"data": {"values": [{"a": label}]}, "mark": "text", "encoding": {"text": {"field": "a"}},
                "config": {"font": charts.FONT}}
        return vl_convert.vegalite_to_png(spec)

    assert png("乡镇违规") != png("机构编制")


def test_a_chart_larger_than_the_png_limit_is_drawn_smaller():
    spec = {"data": {"values": [{"a": i} for i in range(5)]}, "mark": "point", "width": 3000, "height": 100,
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    width, height = report.png_size(report.chart_png(spec))
    assert width <= report.MAX_PNG_SIDE and width > 3000


def test_rule_bar_chart_counts_are_the_violations_mart_counts(demo_run, data):
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        everything = dict(con.sql("select rule_id, count(*) from marts.violations group by rule_id").fetchall())
        county = dict(con.sql(f"select rule_id, count(*) from marts.violations where county_code = '{COUNTY}' "
                              "group by rule_id").fetchall())
    for area, expected in ((None, everything), (COUNTY, county)):
        rows = dashboard.rule_bars(data, area).to_dict()["data"]["values"]
        assert {row["rule_id"]: row["findings"] for row in rows if row["findings"]} == expected
        assert {row["rule_id"] for row in rows} == set(data.rules["rule_id"]), "a rule without findings is left out"


def test_the_county_grid_shows_every_township_and_rule_with_the_marts_status(demo_run, data):
    rows = dashboard.rule_grid(data, COUNTY).to_dict()["data"]["values"]
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        statuses = dict(((t, r), s) for t, r, s in con.sql(
            f"select township_code, rule_id, status from marts.township_rule_status where township_code like '{COUNTY}%'"
        ).fetchall())
    assert {(r["division_prefix"], r["rule_id"]): r["status"] for r in rows} == statuses
    labels = {(r["division_prefix"], r["rule_id"]): r["status_zh"] for r in rows}
    assert labels[("360799105000", "ORG_STATION_MAX")] == "违规"  # 长岗镇, 8 stations
    assert labels[("360799105000", "ORG_DEVELOPED_TOWN_BODIES")] == "不适用"  # a Jiangsu rule


def test_every_chart_of_the_demos_pages_is_valid_vega_lite(data):
    """The specs are written as dictionaries (charts.py): Altair's schema checks them."""
    shown = []
    for name, parameters in (("dashboard", {"area_code": None}), ("dashboard", {"area_code": "36"}),
                             ("dashboard", {"area_code": COUNTY}), ("township", {"township_code": CHAYUAN}),
                             ("cadre", {"person_id": P0038})):
        page_data.keep_in_memory(PROJECT_DIR / "no-such-folder", data)
        try:
            shown += pages.layout(pages.run(name, {"data_dir": str(PROJECT_DIR / "no-such-folder"), **parameters}))[1]
        finally:
            page_data.forget(PROJECT_DIR / "no-such-folder")
    assert len(shown) > 15
    for spec in shown:
        alt.Chart.from_dict(spec, validate=True)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_a_kernel_with_its_default_parameters_reading_the_warehouse(name, demo_run, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(demo_run.db))
    notebook = pages.execute_in_kernel(name, {})
    assert [spec["name"] for spec in pages.chart_specs(notebook)] == CHARTS[name]
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_the_report_runs_the_same_cells_as_the_kernel(data):
    """pages.run executes the notebook's cells in this process: the charts it shows are the kernel's."""
    page_data.keep_in_memory(PROJECT_DIR / "no-such-folder", data)
    try:
        _, specs = pages.layout(pages.run("township", {"data_dir": str(PROJECT_DIR / "no-such-folder"),
                                                       "township_code": CHAYUAN}))
    finally:
        page_data.forget(PROJECT_DIR / "no-such-folder")
    assert [spec["name"] for spec in specs] == CHARTS["township"]


def test_a_failing_cell_names_the_notebook_and_the_page(data):
    with pytest.raises(pages.NotebookError, match=r"township\.ipynb.*999999999999"):
        page_data.keep_in_memory(PROJECT_DIR / "no-such-folder", data)
        try:
            pages.run("township", {"data_dir": str(PROJECT_DIR / "no-such-folder"), "township_code": "999999999999"})
        finally:
            page_data.forget(PROJECT_DIR / "no-such-folder")


def test_warehouse_can_be_written_right_after_the_data_functions_read_it(demo_run, tmp_path, monkeypatch):
    """In-process: DuckDB refuses a write connection while a read-only one to the same file is open."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.db, copy)
    monkeypatch.setenv("WAREHOUSE_DB", str(copy))
    data = dashboard.load(None)
    assert data.findings.height > 0
    with duckdb.connect(str(copy)) as con:
        con.execute("create table main.written_after_reading as select 1 as one")


def test_warehouse_can_be_written_while_a_notebook_is_open(demo_run, tmp_path, monkeypatch):
    """A kernel that has run the dashboard on the warehouse itself (data_dir None) and stays alive, as in
    JupyterLab, holds no lock: another process can write the file, as `warehouse build` does."""
    from nbclient import NotebookClient

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.db, copy)
    monkeypatch.setenv("WAREHOUSE_DB", str(copy))
    notebook = nbformat.read(PROJECT_DIR / "notebooks" / "dashboard.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(PROJECT_DIR / "notebooks")}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        assert len(pages.chart_specs(notebook)) == len(CHARTS["dashboard"])
        with duckdb.connect(str(copy)) as con:
            con.execute("create table main.written_while_open as select 1 as one")

"""The inspection teams' notebooks and `warehouse report` on the demo county: every notebook runs, the report
writes pages that open offline and PNGs drawn with a CJK font, the charts count what the marts say, and reading
the data never keeps the warehouse file from being written."""

from __future__ import annotations

import re
import shutil

import duckdb
import nbformat
import pytest
from conftest import PROJECT_DIR, warehouse_cli

from warehouse.outputs import dashboard, report

NOTEBOOKS = ("dashboard", "township", "cadre")
CHARTS = {
    "dashboard": ["rule_bars", "status_grid", "worst_townships", "org_limits", "excellent_share"],
    "township": ["units_timeline", "leadership_team", "township_findings"],
    "cadre": ["career_timeline", "person_findings"],
}
"""The charts the issue asks for, by notebook, in the order they appear."""

PAGES = {"dashboard": "dashboard", "township": "township-360799201000", "cadre": "cadre-P0038"}


@pytest.fixture(scope="module")
def report_run(demo_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report"
    result = warehouse_cli(
        "report", "--out", str(out), "--county", "360799", "--township", "360799201000", "--person", "P0038",
        root=demo_run.db.parent, check=True,
    )
    return out, result


def test_committed_notebooks_have_no_outputs_and_start_with_a_parameters_cell():
    for name in NOTEBOOKS:
        notebook = nbformat.read(PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert "parameters" in notebook.cells[0].metadata.get("tags", []), name
        assert "data_dir = None" in notebook.cells[0].source, name
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs not stripped"


def test_every_chart_has_a_sentence_above_it_saying_what_to_look_at():
    builders = {"rule_bars", "status_grid", "worst_townships", "org_limits", "excellent_share", "units_timeline",
                "leadership_team", "findings_timeline", "career_timeline"}
    for name in NOTEBOOKS:
        cells = nbformat.read(PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4).cells
        charts = [(before, cell) for before, cell in zip(cells, cells[1:])
                  if cell.cell_type == "code" and (m := re.match(r"d\.(\w+)\(", cell.source)) and m.group(1) in builders]
        assert len(charts) == len(CHARTS[name])
        for before, cell in charts:
            assert before.cell_type == "markdown" and "看什么" in before.source, f"{name}: {cell.source}"


def test_report_writes_an_html_page_per_notebook_and_a_png_per_chart(report_run):
    out, result = report_run
    assert (out / "index.html").exists()
    for notebook, page in PAGES.items():
        assert (out / f"{page}.html").stat().st_size > 0
        pngs = sorted((out / "png").glob(f"{page}-*.png"))
        assert [re.sub(r"^.*-\d\d-", "", p.stem) for p in pngs] == CHARTS[notebook]
        for png in pngs:
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "HTML 4 页" in result.stdout and "PNG 10 张" in result.stdout


def test_report_pages_open_offline_with_code_hidden_and_chinese_labels(report_run):
    out, _ = report_run
    for notebook, page in PAGES.items():
        text = (out / f"{page}.html").read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", text), "a script is fetched"
        assert not re.search(r"<link[^>]+href=[\"']?https?:", text), "a stylesheet is fetched"
        assert "window.vegaEmbed=" in text, "the Vega bundle is not inlined"
        assert '@font-face { font-family: "Noto Sans CJK SC"' in text, "the CJK font is not embedded"
        assert "d.setup()" not in text and "from warehouse import" not in text, "code is shown"
        assert "看什么" in text
        for chart in CHARTS[notebook]:
            assert f'"name": "{chart}"' in text, f"{page}: chart {chart} missing"
    dashboard_page = (out / "dashboard.html").read_text(encoding="utf-8")
    for label in ("各规则违规条数", "乡镇 × 规则", "违规最多的乡镇", "机构设置与限额", "年度考核优秀比例"):
        assert label in dashboard_page


def test_pngs_draw_chinese_with_the_cjk_font_not_as_boxes():
    """Missing glyphs are all drawn as the same empty box, so two different Chinese labels give identical
    pictures without the font and different ones with it."""
    import vl_convert

    font = report.register_font()
    assert font.exists()

    def png(label: str) -> bytes:
        spec = {"data": {"values": [{"a": label}]}, "mark": "text", "encoding": {"text": {"field": "a"}},
                "config": {"font": dashboard.FONT}}
        return vl_convert.vegalite_to_png(spec)

    assert png("乡镇违规") != png("机构编制")


def test_rule_bar_chart_counts_are_the_violations_mart_counts(demo_run):
    data = dashboard.Data(dashboard.read_warehouse(demo_run.db))
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        mart = dict(con.sql("select rule_id, count(*) from marts.violations group by rule_id").fetchall())
        county = dict(
            con.sql(
                "select rule_id, count(*) from marts.violations where county_code = '360799' group by rule_id"
            ).fetchall()
        )
    for area, expected in ((None, mart), ("360799", county)):
        spec = dashboard.rule_bars(data, area).to_dict()
        (rows,) = spec["datasets"].values()
        drawn = {row["rule_id"]: row["violations"] for row in rows if row["violations"]}
        assert drawn == expected
        assert {row["rule_id"] for row in rows} == set(data.rules["rule_id"]), "a rule without findings is left out"


def test_status_grid_shows_every_township_and_rule_with_the_marts_status(demo_run):
    data = dashboard.Data(dashboard.read_warehouse(demo_run.db))
    (rows,) = dashboard.status_grid(data, None).to_dict()["datasets"].values()
    assert len(rows) == data.rule_status.height == data.townships.height * data.rules.height
    labels = {(r["township_code"], r["rule_id"]): r["status_zh"] for r in rows}
    assert labels[("360799105000", "ORG_STATION_MAX")] == "违规"  # 长岗镇, 8 stations
    assert labels[("320599100000", "ORG_OFFICE_COUNT")] == "不适用"  # a Jiangsu town, a 赣州 rule


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_its_default_parameters_reading_the_warehouse(name, demo_run, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(demo_run.db))
    notebook = report.execute(name, {})
    assert [spec["name"] for spec in report.chart_specs(notebook)] == CHARTS[name]
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_warehouse_can_be_written_right_after_the_data_functions_read_it(demo_run, tmp_path, monkeypatch):
    """In-process: DuckDB refuses a write connection while a read-only one to the same file is open."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.db, copy)
    monkeypatch.setenv("WAREHOUSE_DB", str(copy))
    data = dashboard.load(None)
    assert data.violations.height > 0
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
        assert len(report.chart_specs(notebook)) == len(CHARTS["dashboard"])
        with duckdb.connect(str(copy)) as con:
            con.execute("create table main.written_while_open as select 1 as one")

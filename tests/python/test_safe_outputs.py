"""No output can run code (issue 13, section 2): a name that is a spreadsheet formula stays text in every CSV, and a
name that is markup or script stays text on every HTML page, which a real headless browser loads and checks.

The demo county is rewritten with hostile names (townships, units, people, positions, a person id with `/` and
`..`) and rejected rows whose cells start with each formula character; one `warehouse run --validate` and one
`warehouse report` of it are shared by the tests below, and the browser loads each page written once.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import DEMO_AS_OF, warehouse_cli

from warehouse.inputs.write import write_inputs
from warehouse.outputs import charts, report
from warehouse.core.safe_cells import FORMULA_STARTS, is_formula_text, neutralised
from warehouse.synthetic.demo import build_demo

# ---------------------------------------------------------------------------------------------------------------
# The hostile inputs
# ---------------------------------------------------------------------------------------------------------------

CHAYUAN, MEIJIANG, LONGTANG = "360799201000", "360799100000", "360799101000"

SCRIPT_PAYLOADS = {
    # township names: on the dashboard (charts), their township page (and its <title>) and the cadre page (findings)
    ("townships", CHAYUAN): "茶园乡</title></script><script>window.__pwned='township-script'</script>",
    ("townships", MEIJIANG): "梅江镇<img src=x onerror=\"window.__pwned='township-img'\">",
    ("townships", LONGTANG): "龙塘镇\"'><svg onload=\"window.__pwned='township-svg'\">",
    ("townships", "360799202000"): "[竹林乡](javascript:window.__pwned='markdown-link')",
    # units of 茶园乡 (its units timeline)
    ("units", "360799201-17"): "党政综合办公室<script>window.__pwned='unit-script'</script>",
    ("units", "360799201-21"): "农业站\"'><img src=x onerror=window.__pwned='unit-img'>",
    # 茶园乡's head (its leadership chart and findings), her post, and the cadre P0038 (the cadre page)
    ("people", "P0016"): "<svg/onload=window.__pwned='leader-name'>赖雪",
    ("postings", "R00029"): "乡长</script><img src=x onerror=window.__pwned='position'>",
    ("people", "P0038"): "邹亮兴<img src=x onerror=window.__pwned='person-name'>",
}
"""(entity, key) → the name given. Each payload, if it ever ran, would set window.__pwned to its own tag."""

CADRE_ID = "../P0038/\"<svg onload=window.__pwned='person-id'>"
"""P0038's person_id: `/` and `..` for the page's file name, markup for every place the id is shown."""

FORMULA_TOWNSHIPS = {
    "360799102000": '=HYPERLINK("http://example.invalid/?leak","石门镇")',
    "360799103000": "+黄陂镇",
    "360799105000": "-长岗镇",
    "360799106000": "@SUM(1+1)*cmd|' /C calc'!A0",
}
"""Townships with findings, named as formulas: their name leads `message_zh` and the scorecard's township_name."""

FORMULA_PERSON_IDS = {"P0020": "=P0020", "P0032": "+P0032"}
"""People with findings whose person_id is a formula (violations.csv's person_id column)."""

REJECTED_CELLS = ("=1+1", "+2+2", "-3+3", "@SUM(4)", "\t=5+5", "\r=6+6")
"""Birth dates of extra people rows, one per formula character: each row is rejected, its cell in rejects.csv."""


def hostile_inputs(folder: Path) -> Path:
    """The demo county with the names above, as plain UTF-8 CSV, and one rejected people row per formula start."""
    frames = build_demo()
    names = {"townships": "township_name", "units": "unit_name", "people": "name", "postings": "position"}
    keys = {"townships": "township_code", "units": "unit_id", "people": "person_id", "postings": "posting_id"}
    for (entity, key), value in SCRIPT_PAYLOADS.items():
        frame, column = frames[entity], names[entity]
        frames[entity] = frame.with_columns(
            pl.when(pl.col(keys[entity]) == key).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        )
    frames["townships"] = frames["townships"].with_columns(
        township_name=pl.col("township_code").replace_strict(FORMULA_TOWNSHIPS, default=pl.col("township_name"))
    )
    # P0038 born "in 1899" too: Great Expectations' plausible-birth check fails on it, so Data Docs list its id.
    frames["people"] = frames["people"].with_columns(
        birth_date=pl.when(pl.col("person_id") == "P0038").then(pl.lit(date(1899, 12, 31))).otherwise("birth_date")
    )
    renamed = FORMULA_PERSON_IDS | {"P0038": CADRE_ID}
    for entity in ("people", "postings", "appraisals"):
        frames[entity] = frames[entity].with_columns(pl.col("person_id").replace(renamed))
    write_inputs(frames, folder, style="english")
    with open(folder / "people.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for number, cell in enumerate(REJECTED_CELLS, start=1):
            writer.writerow([f"PX{number}", "拒收测试", "", "male", cell, "other", ""])
    return folder


# ---------------------------------------------------------------------------------------------------------------
# The functions that make outputs safe
# ---------------------------------------------------------------------------------------------------------------


def test_a_text_cell_starting_with_a_formula_character_gets_a_leading_quote():
    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "石门镇", "a=b", "'=already", "", None]
    frame = pl.DataFrame({"name": cells})
    assert neutralised(frame)["name"].to_list() == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "'\r=1", "石门镇", "a=b", "'=already", "", None
    ]


def test_number_date_and_boolean_columns_are_left_as_they_are():
    frame = pl.DataFrame({
        "count": [-3, 4], "share": [-0.5, 1.0], "on": [date(2026, 6, 30), None], "ok": [True, False],
        "kind": pl.Series(["-x", "y"], dtype=pl.Categorical),
    })
    guarded = neutralised(frame)
    assert guarded.drop("kind").equals(frame.drop("kind"))
    assert guarded.schema["count"] == pl.Int64 and guarded["kind"].to_list() == ["'-x", "y"]


def test_the_frame_guard_and_the_cell_predicate_agree_on_every_character():
    cells = [chr(c) + "x" for c in range(0, 0x3000)]
    guarded = neutralised(pl.DataFrame({"cell": cells}))["cell"].to_list()
    assert [g != c for g, c in zip(guarded, cells)] == [is_formula_text(c) for c in cells]
    assert sorted(c for c in cells if is_formula_text(c)) == sorted(start + "x" for start in FORMULA_STARTS)


def test_every_csv_the_package_writes_goes_through_the_guard():
    """Any `.write_csv(` outside safe_cells.py would be a CSV output written unguarded; write.py writes inputs."""
    package = Path(report.__file__).parents[1]
    unguarded = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py")) if path.name not in {"safe_cells.py", "write.py"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ".write_csv(" in line
    ]
    assert unguarded == []


def test_json_in_a_script_element_can_neither_close_it_nor_break_a_line():
    value = {"name": '</script><script>alert(1)</script><!-- & \u2028\u2029 "'}
    text = charts.script_json(value)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


def test_page_file_names_are_plain_and_distinct_whatever_the_id_holds():
    ids = ["P0038", "a/b", "a_b", "../P0038", "..", "", "a\\b", 'x"<svg>', "张三01", "x" * 300]
    stems = [report.page_stem("cadre", key) for key in ids]
    assert stems[0] == "cadre-P0038" and stems[2] == "cadre-a_b" and stems[8] == "cadre-张三01"
    assert len(set(stems)) == len(ids)
    for stem in stems:
        assert re.fullmatch(r"cadre-[\w-]+", stem) and len(stem) < 80, stem


def test_data_docs_show_a_hostile_label_value_and_key_as_text(tmp_path):
    """Great Expectations writes an expectation's description, the unexpected values and the failing rows' keys
    into Data Docs as HTML; a label names a rulebook's jurisdiction (a user rulebook gives it), a key is an id."""
    from warehouse.checks.expectations import Suite, _expectation
    from warehouse.checks.validate import gx_context, run_suite

    label, value, key = "<b id=label>县</b>", "<img src=x onerror=alert(1)>", '"<svg onload=alert(2)>'
    suite = Suite("hostile", "frame", ("person_id",), [
        _expectation("ExpectColumnValuesToMatchRegex", label, column="code", regex=r"^\d+$"),
    ])
    context = gx_context(tmp_path / "data_docs")
    result = run_suite(context, suite, pl.DataFrame({"person_id": [key, "P1"], "code": [value, "1"]}), tmp_path)
    context.build_data_docs()
    assert result.failures[0].keys == ((key,),) and result.failures[0].label == label
    written = "".join(page.read_text(encoding="utf-8") for page in (tmp_path / "data_docs").rglob("*.html"))
    for hostile in (label, value, key):
        assert hostile not in written
        assert html.escape(hostile) in written


# ---------------------------------------------------------------------------------------------------------------
# One run and one report of the hostile inputs
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileRun:
    root: Path
    out: Path
    report: Path
    report_result: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> HostileRun:
    """`warehouse run --validate` and `warehouse report` (the payload township and cadre) of the hostile inputs."""
    root = tmp_path_factory.mktemp("hostile")
    inputs = hostile_inputs(root / "input")
    out = root / "out"
    warehouse_cli("run", "--input", str(inputs), "--as-of", DEMO_AS_OF, "--out", str(out), "--validate",
                  root=root, check=True)
    pages = root / "report"
    result = warehouse_cli("report", "--out", str(pages), "--county", "360799", "--township", CHAYUAN,
                           "--person", CADRE_ID, root=root, check=True)
    return HostileRun(root, out, pages, result)


def test_no_csv_output_has_a_cell_a_spreadsheet_would_run_and_the_values_stay_readable(hostile_run):
    shown: set[str] = set()
    for name in ("violations.csv", "township_scorecard.csv", "rejects.csv"):
        with open(hostile_run.out / name, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(FORMULA_STARTS), f"{name}: {cell!r}"
                    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
                        shown.add(cell[1:])
    for value in (*FORMULA_TOWNSHIPS.values(), *FORMULA_PERSON_IDS.values(), *REJECTED_CELLS):
        assert value in shown or any(cell.startswith(value + " ") for cell in shown), value


def test_a_report_for_a_person_id_with_slashes_writes_its_page_inside_the_output_folder(hostile_run):
    stem = report.page_stem("cadre", CADRE_ID)
    assert (hostile_run.report / f"{stem}.html").is_file()
    assert sorted(p.name for p in (hostile_run.report / "png").glob(f"{stem}-*.png")) == [
        f"{stem}-01-career_timeline.png", f"{stem}-02-person_findings.png"
    ]
    outside = [p for p in hostile_run.root.rglob("*") if "P0038" in p.name and hostile_run.report not in p.parents]
    assert outside == []
    index = (hostile_run.report / "index.html").read_text(encoding="utf-8")
    for href in re.findall(r'href="([^"]+)"', index):
        assert (hostile_run.report / urllib.parse.unquote(html.unescape(href))).is_file(), href
    assert "Traceback" not in hostile_run.report_result.stderr


# ---------------------------------------------------------------------------------------------------------------
# The pages in a real browser (the session's Chromium, conftest.browser)
# ---------------------------------------------------------------------------------------------------------------

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
"""What a page may load: itself and what it embeds. Anything else is blocked and recorded."""

CHARTS_DRAWN = """() => [...document.querySelectorAll('.warehouse-chart')].every(
    chart => chart.querySelector('svg, canvas') || chart.textContent.trim())"""

LOOK = """async () => {
    await document.fonts.ready;
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        if (!walker.currentNode.parentElement.closest('script, style, noscript, template')) {
            texts.push(walker.currentNode.textContent);
        }
    }
    return {
        text: texts.join('\\n'),
        charts: [...document.querySelectorAll('.warehouse-chart')].map(chart => {
            const drawn = chart.querySelector('svg, canvas');
            const box = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0};
            return {width: box.width, height: box.height, text: drawn ? '' : chart.textContent.trim()};
        }),
        fonts: [...document.fonts].map(face => [face.family.replace(/"/g, ''), face.status]),
        javascript_links: document.querySelectorAll('a[href^="javascript:" i]').length,
    };
}"""


@dataclass
class Seen:
    """What the browser saw on one page: errors, requests it blocked, whether a payload ran, the text it shows
    (outside scripts, SVG text included), each chart's size, the fonts and the tooltips of hostile marks."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    pwned: object = None
    text: str = ""
    charts: list[dict] = field(default_factory=list)
    fonts: list[list[str]] = field(default_factory=list)
    javascript_links: int = 0
    tooltips: list[str] = field(default_factory=list)


def look(context, path: Path, *, hover: int = 8) -> Seen:
    """Open one page offline, let its charts draw, read what it shows, and hover over up to `hover` marks whose
    data holds a payload (their tooltips)."""
    seen = Seen()
    page = context.new_page()

    def route(request_route):
        if request_route.request.url.startswith(LOCAL_SCHEMES):
            request_route.continue_()
        else:
            seen.blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: seen.errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: message.type == "error" and seen.errors.append(f"console: {message.text}"))
    page.goto(path.as_uri(), wait_until="load")
    try:
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    except Exception as error:  # a chart that never draws is reported by the chart test, not here
        seen.errors.append(f"charts not drawn: {error}")
    for key, value in page.evaluate(LOOK).items():
        setattr(seen, key, value)
    for mark in page.query_selector_all('.warehouse-chart path[aria-label*="pwned"]')[:hover]:
        try:
            mark.hover(force=True)
            page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
        except Exception:  # the mark lies under another one (a label) that has no tooltip, or is drawn empty
            continue
        seen.tooltips.append(page.inner_text("#vg-tooltip-element"))
        page.mouse.move(0, 0)
        page.wait_for_selector("#vg-tooltip-element.visible", state="detached", timeout=5_000)
    seen.pwned = page.evaluate("() => window.__pwned === undefined ? null : String(window.__pwned)")
    page.close()
    return seen


@pytest.fixture(scope="module")
def pages(hostile_run) -> dict[str, Path]:
    """Every HTML page the run and the report wrote, by its path under the run's folder."""
    found = sorted(hostile_run.report.glob("*.html")) + sorted((hostile_run.out / "validation").rglob("*.html"))
    return {path.relative_to(hostile_run.root).as_posix(): path for path in found}


@pytest.fixture(scope="module")
def seen(browser, pages) -> dict[str, Seen]:
    return {name: look(browser, path) for name, path in pages.items()}


def ours(seen: dict[str, Seen]) -> dict[str, Seen]:
    """The pages the project writes itself (Data Docs are Great Expectations' and load their scripts from CDNs)."""
    return {name: s for name, s in seen.items() if "/data_docs/" not in name}


def payload(entity: str, key: str) -> str:
    return SCRIPT_PAYLOADS[(entity, key)]


def shown_on(pages: dict[str, Path]) -> dict[str, list[str]]:
    """Page → the hostile names it must show in full, as text."""
    cadre = f"report/{report.page_stem('cadre', CADRE_ID)}.html"
    (people_docs,) = [name for name in pages if re.search(r"validations/inputs/people/failed/.*\.html$", name)]
    return {
        "report/index.html": [payload("townships", CHAYUAN), payload("people", "P0038")],
        f"report/township-{CHAYUAN}.html": [
            payload("townships", CHAYUAN), payload("people", "P0016"), payload("postings", "R00029")
        ],
        cadre: [payload("people", "P0038"), CADRE_ID, payload("townships", MEIJIANG), payload("townships", LONGTANG)],
        "out/validation/index.html": [CADRE_ID],
        people_docs: [CADRE_ID],
    }


def test_no_payload_runs_on_any_page_written(seen):
    assert len(seen) > 10, "the report and Data Docs pages were not all found"
    ran = {name: s.pwned for name, s in seen.items() if s.pwned is not None}
    assert ran == {}
    assert {name: s.javascript_links for name, s in seen.items() if s.javascript_links} == {}


def test_hostile_names_are_shown_as_text_where_they_belong(seen, pages):
    for name, names in shown_on(pages).items():
        missing = [value for value in names if value not in seen[name].text]
        assert missing == [], f"{name} does not show {missing}"


def test_chart_tooltips_show_hostile_names_as_text(seen):
    tooltips = {name: "\n".join(s.tooltips) for name, s in seen.items() if name.startswith("report/")}
    assert payload("townships", MEIJIANG) in tooltips["report/index.html"]
    township = tooltips[f"report/township-{CHAYUAN}.html"]
    for value in (payload("units", "360799201-17"), payload("units", "360799201-21"), payload("people", "P0016")):
        assert value in township
    assert payload("townships", LONGTANG) in tooltips[f"report/{report.page_stem('cadre', CADRE_ID)}.html"]


def test_the_projects_own_pages_raise_no_javascript_error_and_fetch_nothing(seen):
    for name, s in ours(seen).items():
        assert s.errors == [], name
        assert s.blocked == [], name


def test_every_chart_of_every_report_page_draws(seen):
    charts = {name: s.charts for name, s in seen.items() if name.startswith("report/")}
    assert len(charts) > 10 and all(charts.values()), "the county's, each township's and each person's page"
    for name, drawn in charts.items():
        for chart in drawn:
            assert chart["width"] > 0 and chart["height"] > 0 and chart["text"] == "", f"{name}: {chart}"


def test_chinese_on_report_pages_and_the_validation_index_is_drawn_with_the_embedded_font(seen, pages, hostile_run):
    """The report pages share the font subset of assets/report.css; `warehouse validate`'s index embeds its own."""
    from fontTools.ttLib import TTFont

    shared = (hostile_run.report / "assets" / "report.css").read_text(encoding="utf-8")
    for name, s in seen.items():
        if not (name.startswith("report/") or name == "out/validation/index.html"):
            continue
        assert [report.FONT_FAMILY, "loaded"] in s.fonts, f"{name}: {s.fonts}"
        css = shared if name.startswith("report/") else pages[name].read_text(encoding="utf-8")
        embedded = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css)
        covered = set(TTFont(io.BytesIO(base64.b64decode(embedded.group(1)))).getBestCmap())
        shown = s.text + "".join(s.tooltips)
        chinese = {ch for ch in shown if re.match(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", ch)}
        assert len(chinese) > 30, name
        assert sorted(ch for ch in chinese if ord(ch) not in covered) == [], name

"""Dashboards from one township to the whole country (issue 16), on the small generated data set (several
provinces, cities and counties) and on the demo: the divisions and their figures, the findings' sentences and
evidence, a report whose every township and person with findings is reachable by links from the national page, and
those pages in a real browser (headless Chromium, offline): no JavaScript error, every chart drawn, Chinese drawn
with the embedded font.

One `warehouse report` of the generated set is shared by the tests below; the browser opens one page per level.
"""

from __future__ import annotations

import base64
import html
import io
import re
import urllib.parse
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import PROJECT_DIR, warehouse_cli

from warehouse.inputs.contract import ORG_LEVELS, UNIT_KINDS
from warehouse.outputs import dashboard, page_data, report

MAX_PAGE_BYTES = 5_000_000


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def generated_data(generated_run) -> page_data.Data:
    return page_data.Data(page_data.read_warehouse(generated_run.db))


@pytest.fixture(scope="module")
def demo_data(demo_run) -> page_data.Data:
    return page_data.Data(page_data.read_warehouse(demo_run.db))


@pytest.fixture(scope="module")
def national(generated_run, tmp_path_factory):
    """`warehouse report` of the generated set with no scope: everything, at every level it holds."""
    out = tmp_path_factory.mktemp("national") / "report"
    result = warehouse_cli("report", "--out", str(out), root=generated_run.db.parent, check=True)
    return out, result


# ---------------------------------------------------------------------------------------------------------------
# Divisions
# ---------------------------------------------------------------------------------------------------------------


def test_divisions_are_the_code_prefixes_of_the_townships_and_add_up_level_by_level(generated_run):
    townships = [row[0] for row in query(generated_run.db, "select township_code from marts.township_scorecard")]
    rows = query(generated_run.db, "select level, division_prefix, parent_prefix, townships, findings, "
                                   "townships_with_findings from dashboards.dash_divisions")
    by_level: dict[str, dict[str, tuple]] = {}
    for level, prefix, parent, count, findings, failing in rows:
        by_level.setdefault(level, {})[prefix] = (parent, count, findings, failing)
    for level, digits in (("province", 2), ("city", 4), ("county", 6), ("township", 12)):
        assert set(by_level[level]) == {code[:digits] for code in townships}, level
    assert by_level["nation"][""][1] == len(townships)
    for lower, upper in (("province", "nation"), ("city", "province"), ("county", "city"), ("township", "county")):
        for prefix, (_, count, findings, failing) in by_level[upper].items():
            below = [v for v in by_level[lower].values() if v[0] == prefix]
            assert sum(v[1] for v in below) == count and sum(v[2] for v in below) == findings
            assert sum(v[3] for v in below) == failing, (upper, prefix)
    (total,) = query(generated_run.db, "select count(*) from marts.violations")[0]
    assert by_level["nation"][""][2] == total


def test_provinces_are_named_from_the_seed_and_other_divisions_only_where_the_data_names_them(generated_run, demo_data):
    names = dict(((level, prefix), name) for level, prefix, name in query(
        generated_run.db, "select level, division_prefix, division_name from dashboards.dash_divisions"))
    assert names[("province", "32")] == "江苏省" and names[("province", "36")] == "江西省"
    assert names[("city", "3607")] == "赣州市", "the rulebook names 3607"
    assert names[("county", "360701")] is None, "no county is named by the data: none is made up"
    county = dashboard.division(demo_data, "360799")
    assert dashboard.label(demo_data, county) == "县级 360799"
    assert "资料中没有该县级单位的名称" in dashboard.overview(demo_data, "360799").data


def test_a_division_rule_is_not_covered_where_no_township_of_it_is(generated_run):
    rows = dict(((level, prefix, rule), status) for level, prefix, rule, status in query(
        generated_run.db, "select level, division_prefix, rule_id, status from dashboards.dash_division_rules"))
    assert rows[("province", "32", "ORG_STATION_MAX")] == "not_covered"  # a 赣州 rule
    assert rows[("province", "36", "ORG_STATION_MAX")] in ("failed", "passed")
    assert rows[("nation", "", "ORG_STATION_MAX")] in ("failed", "passed")
    assert rows[("nation", "", "ORG_STANDARD_STRUCTURE")] == "not_covered", "no version anywhere: not a pass"


# ---------------------------------------------------------------------------------------------------------------
# Findings in words, with their evidence
# ---------------------------------------------------------------------------------------------------------------


def test_observed_and_limit_read_as_chinese_sentences_not_code(demo_run, generated_run):
    for db in (demo_run.db, generated_run.db):
        rows = query(db, "select rule_id, observed_zh, limit_zh from dashboards.dash_findings")
        assert {rule for rule, *_ in rows} >= {"LEAD_CHIEF_EXPERIENCE", "STAFF_MIN_SERVICE", "APPR_EXCELLENT_RATIO"}
        for rule, observed, limit in rows:
            for text in (observed, limit):
                assert not re.search(r"[a-z_]+(=|>=)|\bor\b|;", text), (rule, text)
                assert re.search(r"[\u4e00-\u9fff]", text), (rule, text)


def test_a_chief_finding_says_the_days_and_the_years_the_rule_asks(demo_run):
    (observed, limit), = query(demo_run.db, "select observed_zh, limit_zh from dashboards.dash_findings "
                                            "where rule_id = 'LEAD_CHIEF_EXPERIENCE' and person_id = 'P0016'")
    assert observed == "2023-09-01 任乡长时，乡镇领导工作经历 608 天、乡镇工作经历 608 天"
    assert limit == "乡镇领导工作经历满 2 年（730 天）或乡镇工作经历满 3 年（1095 天），至少其一"


def test_each_finding_names_the_records_it_rests_on(demo_run):
    evidence = {}
    for rule, township, person, kind, key in query(demo_run.db, "select rule_id, township_code, person_id, "
                                                   "evidence_kind, evidence_id from dashboards.dash_finding_evidence"):
        evidence.setdefault((rule, township, person), set()).add((kind, key))
    # P0038 moved out of 龙塘镇 (posting R00092) to a county office (R00093) before five years of service.
    assert evidence[("STAFF_MIN_SERVICE", "360799101000", "P0038")] == {
        ("posting", "R00092"), ("posting", "R00093"), ("recruitment", "P0038")}
    assert evidence[("LEAD_CHIEF_EXPERIENCE", "360799201000", "P0016")] == {("posting", "R00029")}
    stations = {key for kind, key in evidence[("ORG_STATION_MAX", "360799105000", None)]}
    assert len(stations) == 8, "长岗镇's eight active stations"
    found = query(demo_run.db, "select rule_id, township_code, person_id from marts.violations")
    assert {tuple(row) for row in found} == set(evidence), "every finding rests on some record"


def test_the_sentence_labels_of_the_sql_are_the_contracts():
    macros = (PROJECT_DIR / "macros" / "dashboards.sql").read_text(encoding="utf-8")
    for labels in (UNIT_KINDS, ORG_LEVELS):
        for code, label in labels.items():
            assert f"when '{code}' then '{label}'" in macros, code


# ---------------------------------------------------------------------------------------------------------------
# Charts above a county: aggregated to the level below
# ---------------------------------------------------------------------------------------------------------------


def test_charts_above_a_county_draw_the_units_below_never_a_township_each(generated_data):
    rows = dashboard.units_below(generated_data, None).to_dict()["hconcat"][0]["data"]["values"]
    assert {row["division_prefix"] for row in rows} <= set(generated_data.divisions.filter(
        pl.col("level") == "province")["division_prefix"])
    histogram = dashboard.org_limits(generated_data, None).to_dict()
    assert "hconcat" in histogram and all("township_name" not in str(p["encoding"]) for p in histogram["hconcat"])


def test_a_ranking_shows_the_top_units_and_says_how_many_there_are(generated_data):
    spec = dashboard.units_below(generated_data, None, top=1).to_dict()
    assert len({row["division_prefix"] for row in spec["hconcat"][0]["data"]["values"]}) == 1
    provinces = generated_data.divisions.filter(pl.col("level") == "province").height
    assert f"违规最多的前 1 个（共 {provinces} 个" in spec["title"]["subtitle"][0]
    grid = dashboard.rule_grid(generated_data, None, top=2).to_dict()["data"]["values"]
    assert len({row["label"] for row in grid}) == 2


def test_the_findings_table_of_a_large_area_lists_the_most_severe_and_says_so(generated_data):
    total = generated_data.findings.height
    table = dashboard.findings_table(generated_data, None, limit=3).data
    assert table.count('class="wh-tag wh-') == 3
    assert f"共 {total} 条违规，按严重程度列出前 3 条" in table
    assert "wh-error" in table and "wh-warn" not in table


# ---------------------------------------------------------------------------------------------------------------
# The national report
# ---------------------------------------------------------------------------------------------------------------


def links(page: Path) -> set[str]:
    return {urllib.parse.unquote(html.unescape(href)) for href in re.findall(r'href="([^"#]+\.html)"',
                                                                             page.read_text(encoding="utf-8"))}


def test_every_township_and_person_with_findings_is_reachable_from_the_national_page(national, generated_run):
    out, _ = national
    reached, queue = set(), ["index.html"]
    while queue:
        name = queue.pop()
        if name in reached:
            continue
        reached.add(name)
        assert (out / name).is_file(), name
        queue += [target for target in links(out / name) if target not in reached]
    townships = {row[0] for row in query(generated_run.db, "select distinct township_code from marts.violations")}
    people = {row[0] for row in query(generated_run.db, "select distinct person_id from marts.violations "
                                                        "where person_id is not null")}
    assert {f"township-{code}.html" for code in townships} <= reached
    assert {f"cadre-{person}.html" for person in people} <= reached
    assert reached == {p.name for p in out.glob("*.html")}, "no page is an orphan"


def test_the_report_writes_a_page_per_division_and_stays_within_its_limits(national, generated_run):
    out, result = national
    counts = dict(query(generated_run.db, "select level, count(*) from dashboards.dash_divisions group by level"))
    assert len(list(out.glob("province-*.html"))) == counts["province"]
    assert len(list(out.glob("city-*.html"))) == counts["city"]
    assert len(list(out.glob("county-*.html"))) == counts["county"]
    for page in out.glob("*.html"):
        assert page.stat().st_size < MAX_PAGE_BYTES, page.name
    pngs = list((out / "png").glob("*.png"))
    assert pngs and all(max(report.png_size(p.read_bytes())) <= report.MAX_PNG_SIDE for p in pngs)
    assert {p.name.split("-")[0] for p in pngs} == {"index", "province"}, "--png summary: the nation and provinces"
    assert f"省级 {counts['province']}" in result.stdout


@pytest.mark.parametrize("option, code, index_title", [("--province", "32", "江苏省（32）"), ("--city", "3607", "赣州市（3607）")])
def test_a_scope_option_writes_that_division_and_what_lies_below_it(option, code, index_title, generated_run, tmp_path):
    out = tmp_path / "report"
    warehouse_cli("report", "--out", str(out), option, code, "--png", "none", root=generated_run.db.parent, check=True)
    assert index_title in (out / "index.html").read_text(encoding="utf-8")
    codes = [re.sub(r"^[a-z]+-", "", p.stem) for p in out.glob("*.html") if not p.name.startswith(("index", "cadre"))]
    assert codes and all(c.startswith(code) for c in codes)
    assert not (out / "png").exists()


@pytest.mark.parametrize("args, says", [
    (("--county", "3607011"), "不是省（2 位）、市（4 位）或县（6 位）代码"),
    (("--province", "99"), "没有代码以 99 开头的乡镇"),
    (("--person", "NOBODY"), "仓库中没有人员 NOBODY"),
    (("--county", "360701", "--city", "3607"), "not allowed with argument"),
])
def test_a_scope_or_name_not_in_the_warehouse_stops_the_report_with_exit_2(args, says, generated_run, tmp_path):
    result = warehouse_cli("report", "--out", str(tmp_path / "r"), *args, root=generated_run.db.parent)
    assert result.returncode == 2 and says in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------------------------


LOOK = """async () => {
    await document.fonts.ready;
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        if (!walker.currentNode.parentElement.closest('script, style')) { texts.push(walker.currentNode.textContent); }
    }
    return {
        text: texts.join('\\n'),
        charts: [...document.querySelectorAll('.warehouse-chart')].map(chart => {
            const svg = chart.querySelector('svg');
            const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
            return {width: box.width, height: box.height, marks: svg ? svg.querySelectorAll('path, text').length : 0,
                    error: chart.getAttribute('data-error') || (svg ? '' : chart.textContent.trim())};
        }),
        fonts: [...document.fonts].map(face => [face.family.replace(/"/g, ''), face.status]),
        overlapping: [...document.querySelectorAll('.warehouse-chart g.role-axis-label')].flatMap(axis => {
            // Each label as the rectangle it is drawn in (rotated labels too), compared by separating axes.
            const corners = t => {
                const b = t.getBBox(), m = t.getScreenCTM();
                return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
                    .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
            };
            const apart = (p, q) => [p, q].some(poly => poly.some((point, i) => {
                const next = poly[(i + 1) % 4], nx = next[1] - point[1], ny = point[0] - next[0];
                const project = pts => pts.map(([x, y]) => x * nx + y * ny);
                const a = project(p), b = project(q), gap = 1 * Math.hypot(nx, ny);
                return Math.max(...a) - gap <= Math.min(...b) || Math.max(...b) - gap <= Math.min(...a);
            }));
            const labels = [...axis.querySelectorAll('text')].filter(t => t.textContent.trim() && t.getBBox().width > 0);
            const boxes = labels.map(t => [t.textContent, corners(t)]);
            const clashes = [];
            for (let i = 0; i < boxes.length; i++) {
                for (let j = i + 1; j < boxes.length; j++) {
                    if (!apart(boxes[i][1], boxes[j][1])) { clashes.push(boxes[i][0] + ' / ' + boxes[j][0]); }
                }
            }
            return clashes;
        }),
        repeated: [...document.querySelectorAll('.warehouse-chart g.role-axis')]
            .filter(axis => (axis.getAttribute('aria-label') || '').includes('linear scale'))
            .flatMap(axis => {
                // A count axis labelled 0 1 1 2 2: fractional ticks printed as whole numbers.
                const labels = [...axis.querySelectorAll('g.role-axis-label text')].map(t => t.textContent.trim())
                    .filter(text => text);
                return labels.filter((text, i) => labels.indexOf(text) !== i)
                    .map(text => (axis.getAttribute('aria-label') || '') + ': ' + text);
            }),
    };
}"""


def one_page_per_level(out: Path) -> list[str]:
    chosen = ["index.html"]
    for prefix in ("province-", "city-", "county-", "township-", "cadre-"):
        chosen.append(sorted(p.name for p in out.glob(f"{prefix}*.html"))[0])
    return chosen


def look(browser, path: Path) -> dict:
    """Open one page offline, let its charts draw, and read what it shows (LOOK), its errors and what it asked for
    from outside (blocked)."""
    page = browser.new_page()
    errors, blocked = [], []

    def route(request_route):
        if request_route.request.url.startswith(("file:", "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    page.goto(path.as_uri(), wait_until="load")
    try:
        page.wait_for_function("() => [...document.querySelectorAll('.warehouse-chart')].every("
                               "c => c.querySelector('svg') || c.textContent.trim() || c.getAttribute('data-error'))",
                               timeout=60_000)
    except Exception as error:
        errors.append(f"charts not drawn: {error}")
    seen = {**page.evaluate(LOOK), "errors": errors, "blocked": blocked}
    page.close()
    return seen


@pytest.fixture(scope="module")
def seen(browser, national) -> dict[str, dict]:
    out, _ = national
    return {name: look(browser, out / name) for name in one_page_per_level(out)}


def test_no_page_of_any_level_raises_a_javascript_error_or_fetches_anything(seen):
    assert len(seen) == 6
    for name, s in seen.items():
        assert s["errors"] == [] and s["blocked"] == [], name


def test_every_chart_of_every_level_draws(seen):
    for name, s in seen.items():
        assert s["charts"], f"{name} has no chart"
        for chart in s["charts"]:
            assert chart["width"] > 0 and chart["height"] > 0 and chart["marks"] > 0 and chart["error"] == "", (name, chart)


def test_no_axis_labels_run_into_each_other_on_any_level(seen):
    """Dates and names along an axis: each label clear of its neighbours (Vega drops or wraps what would not fit)."""
    for name, s in seen.items():
        assert s["overlapping"] == [], name


def test_no_count_axis_repeats_a_label_on_any_level(seen):
    for name, s in seen.items():
        assert s["repeated"] == [], name


def count_axis_chart(name: str, axis: dict):
    """Two bars of 1 and 2 stacked on a short axis: Vega ticks it at halves."""
    from warehouse.outputs import charts

    return charts.chart(name, "条数", "", {
        "data": {"values": [{"n": 1, "k": "a"}, {"n": 2, "k": "b"}]}, "height": 120, "mark": "bar",
        "encoding": {"x": {"field": "k", "type": "nominal"},
                     "y": {"field": "n", "type": "quantitative", "stack": "zero", "axis": axis}}})


def test_a_count_axis_is_labelled_at_whole_numbers_only(browser, national):
    """The check above can fail (a count axis formatted "d" alone reads 0 1 1 2 2), and WHOLE_NUMBERS passes it."""
    from warehouse.outputs import charts, pages

    out, _ = national
    repeated = {}
    for name, axis in (("plain", {"format": "d"}), ("whole", charts.WHOLE_NUMBERS)):
        page = out / f"count-axis-{name}.html"
        page.write_text(pages.page_html("检查", charts.chart_html(count_axis_chart(name, axis).spec)), encoding="utf-8")
        try:
            s = look(browser, page)
        finally:
            page.unlink()
        assert s["errors"] == [] and s["charts"][0]["marks"] > 0, name
        repeated[name] = s["repeated"]
    assert repeated["plain"], "a count axis that repeats its labels is seen"
    assert repeated["whole"] == []


def test_the_browser_checks_see_a_crowded_axis_and_a_chart_that_fails(browser, national):
    """The checks above can fail: dates packed along a narrow axis with overlap allowed, and a broken spec."""
    from warehouse.outputs import charts, pages

    out, _ = national
    crowded = charts.chart("crowded", "日期", "", {
        "data": {"values": [{"on": f"2024-{month:02d}-01"} for month in range(1, 13)]}, "width": 120, "mark": "point",
        "encoding": {"x": {"field": "on", "type": "temporal", "axis": {"format": "%Y-%m-%d", "labelOverlap": False,
                                                                       "tickCount": 12}}}})
    broken = charts.chart("broken", "坏图", "", {"mark": "no-such-mark"})
    page = out / "crowded-check.html"
    page.write_text(pages.page_html("检查", charts.chart_html(crowded.spec) + charts.chart_html(broken.spec)),
                    encoding="utf-8")
    try:
        s = look(browser, page)
    finally:
        page.unlink()
    assert s["overlapping"], "overlapping date labels are seen"
    assert [c["error"] != "" for c in s["charts"]] == [False, True], "a chart that does not draw is seen"


def test_chinese_on_every_level_is_drawn_with_the_embedded_font(seen, national):
    from fontTools.ttLib import TTFont

    out, _ = national
    css = (out / "assets" / "report.css").read_text(encoding="utf-8")
    embedded = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css)
    covered = set(TTFont(io.BytesIO(base64.b64decode(embedded.group(1)))).getBestCmap())
    for name, s in seen.items():
        assert [report.FONT_FAMILY, "loaded"] in s["fonts"], f"{name}: {s['fonts']}"
        chinese = {ch for ch in s["text"] if re.match(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", ch)}
        assert len(chinese) > 30, name
        assert sorted(ch for ch in chinese if ord(ch) not in covered) == [], name

"""A user rulebook (contract section 6, issue 14 §1): an office's own parameter rows, added to the shipped rulebook
by `--rulebook PATH` (or $WAREHOUSE_RULEBOOK) and validated like an input before anything is built.

The county case: 青岚县 (360799, the demo county) keeps its own 实施细则, with other limits than 赣州's (3607) for five
rules, in force from 2024-01-01. What must change follows from the contract and the demo's facts (the townships'
counts on the scorecard, the dates of the shipped findings), worked out rule by rule below; every other finding
must stay exactly as it was.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import DEMO_AS_OF, DEMO_DIR, PROJECT_DIR, Run, copy_warehouse, warehouse_cli

from warehouse.inputs.contract import USER_RULEBOOK
from warehouse.inputs.load import InputError

HEADER = [column.name for column in USER_RULEBOOK.columns if column.name != "param_id"]
CHINESE = {column.name: column.alias for column in USER_RULEBOOK.columns}

COUNTY, COUNTY_NAME, COUNTY_FROM = "360799", "青岚县", "2024-01-01"
COUNTY_DOCUMENT, COUNTY_SHORT = "青岚县《乡镇机构编制管理实施细则》", "青岚县实施细则"
SERVICE_QUOTE = "新录用公务员在乡镇机关最低服务4年，2年内不得调动。"
COUNTY_PARAMETERS = [
    # rule, parameter, value as the office types it, clause, quote
    ("ORG_OFFICE_COUNT", "min_offices", "4", "第五条", "乡镇党政机关设4—6个综合性办公室。"),
    ("ORG_OFFICE_COUNT", "max_offices", "6", "第五条", "乡镇党政机关设4—6个综合性办公室。"),
    ("ORG_OFFICE_COUNT", "small_township_posts_exempt", "是", "第五条", "乡镇党政机关设4—6个综合性办公室。"),
    ("ORG_STATION_MAX", "max_stations", "6", "第六条", "每个乡镇事业站所不超过6个。"),
    ("STAFF_SOCIAL_WORKERS", "min_social_workers", "4", "第九条", "每个乡镇配备社会工作人员不少于4名。"),
    ("STAFF_TRANSFER_LOCK", "lock_years", "2", "第十二条", SERVICE_QUOTE),
    ("STAFF_MIN_SERVICE", "lock_years", "2", "第十二条", SERVICE_QUOTE),
    ("STAFF_MIN_SERVICE", "min_service_years", "4", "第十二条", SERVICE_QUOTE),
    ("APPR_EXCELLENT_RATIO", "max_excellent_pct", "25%", "第十五条", "乡镇机关年度考核优秀比例不超过25%。"),
]
COUNTY_RULES = {rule for rule, *_ in COUNTY_PARAMETERS}
CLAUSES = {rule: (clause, quote) for rule, _, _, clause, quote in COUNTY_PARAMETERS}
KEY = ("rule_id", "township_code", "person_id", "period")


def county_rows(valid_from: str = COUNTY_FROM) -> list[dict[str, str]]:
    return [
        {"rule_id": rule, "jurisdiction_prefix": COUNTY, "jurisdiction_name": COUNTY_NAME, "valid_from": valid_from,
         "valid_until": "", "parameter": parameter, "value": value, "document": COUNTY_DOCUMENT,
         "document_short": COUNTY_SHORT, "clause": clause, "quote_zh": quote}
        for rule, parameter, value, clause, quote in COUNTY_PARAMETERS
    ]


def write_csv(path: Path, rows: list[dict[str, str]], *, header=None, chinese=False, encoding="utf-8") -> Path:
    header = header or [name for name in HEADER if any(name in row for row in rows)]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([CHINESE[name] if chinese else name for name in header])
        writer.writerows([[row.get(name, "") for name in header] for row in rows])
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    """Chinese headers, on a sheet named like the rulebook; valid_from as real date cells, as Excel keeps them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = USER_RULEBOOK.alias
    sheet.append([CHINESE[name] for name in HEADER])
    for row in rows:
        cells = {**row, "valid_from": date.fromisoformat(row["valid_from"])}
        sheet.append([cells[name] or None for name in HEADER])
    workbook.save(path)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def keyed(rows: list[dict[str, str]]) -> dict[tuple[str, ...], dict[str, str]]:
    return {tuple(row[column] for column in KEY): row for row in rows}


def judged_with_the_county_version(row: dict[str, str]) -> bool:
    """A finding of one of the county's rules in the county, judged on a date its version is in force: state rules
    on the as-of date; moves and resignations on their date (observed); a year's appraisal on its 31 December."""
    if row["rule_id"] not in COUNTY_RULES or not row["township_code"].startswith(COUNTY):
        return False
    if row["rule_id"] in ("STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE"):
        return row["observed"] >= COUNTY_FROM
    if row["rule_id"] == "APPR_EXCELLENT_RATIO":
        return f"{row['period']}-12-31" >= COUNTY_FROM
    return True


def one_year_earlier(text: str) -> str:
    day = date.fromisoformat(text)
    return day.replace(year=day.year - 1).isoformat()


@pytest.fixture(scope="module")
def county_files(tmp_path_factory) -> dict[str, Path]:
    """The county's rulebook three ways: CSV with English headers, XLSX and GB18030 CSV with Chinese ones."""
    folder = tmp_path_factory.mktemp("county_rulebook")
    rows = county_rows()
    gb18030 = [{**row, "valid_from": "2024年1月1日"} for row in rows]
    return {
        "csv": write_csv(folder / "qinglan.csv", rows),
        "xlsx": write_xlsx(folder / "青岚县规则库.xlsx", rows),
        "gb18030": write_csv(folder / "青岚县规则库.csv", gb18030, chinese=True, encoding="gb18030"),
    }


@pytest.fixture(scope="module")
def county(demo_run, county_files, tmp_path_factory) -> Run:
    """The demo warehouse built again at its as-of date with the county's rulebook (CSV), and exported."""
    root = tmp_path_factory.mktemp("county")
    copy_warehouse(demo_run.db, root)
    built = warehouse_cli("build", "--as-of", DEMO_AS_OF, "--rulebook", str(county_files["csv"]), root=root,
                          check=True)
    warehouse_cli("export", str(root / "out"), root=root, check=True)
    return Run(db=root / "warehouse.duckdb", out=root / "out", result=built)


@pytest.fixture(scope="module")
def county_history(county, county_files):
    """Yearly snapshots from before the county's version to the as-of date (2023-06-30 … 2026-06-30), the rulebook
    given as $WAREHOUSE_RULEBOOK (the XLSX with Chinese headers)."""
    return warehouse_cli(
        "snapshot", "--from", "2023-06-30", "--to", DEMO_AS_OF, "--every", "year", root=county.db.parent,
        check=True, env={"WAREHOUSE_RULEBOOK": str(county_files["xlsx"])},
    )


# --- the county's own rulebook ---------------------------------------------------------------------------------


def test_a_county_rulebook_changes_exactly_the_findings_it_should(demo_run, county):
    shipped = read_csv(demo_run.out / "violations.csv")
    townships = {row["township_code"]: row for row in read_csv(demo_run.out / "township_scorecard.csv")}
    expected: dict[tuple[str, ...], str] = {}
    for row in shipped:
        key = tuple(row[column] for column in KEY)
        if row["rule_id"] not in COUNTY_RULES or not row["township_code"].startswith(COUNTY):
            expected[key] = row["limit"]  # other rules, other counties: as they were
        elif row["rule_id"] in ("STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE") and row["observed"] < COUNTY_FROM:
            expected[key] = row["limit"]  # an event before the county's version is judged with 赣州's value
        elif row["rule_id"] == "STAFF_TRANSFER_LOCK":
            expected[key] = row["limit"]  # the county keeps lock_years 2
        elif row["rule_id"] == "STAFF_MIN_SERVICE":
            # 4 years instead of 5: the limit is the 4th anniversary; an event before it still breaks the rule
            # (a 4-year rule flags a subset of what a 5-year one does, so nothing new can appear)
            limit = one_year_earlier(row["limit"])
            if row["observed"] < limit:
                expected[key] = limit
        elif row["rule_id"] == "APPR_EXCELLENT_RATIO":
            # a year's appraisal is an event on its 31 December: 2024 on is judged with 25 %, earlier years with 20 %
            excellent, graded = map(int, row["observed"].split("/"))
            if int(row["period"]) < 2024:
                expected[key] = row["limit"]
            elif 100 * excellent > 25 * graded:
                expected[key] = "25%"
    for code, township in townships.items():
        if not code.startswith(COUNTY):
            continue
        offices, posts, small = int(township["offices"]), int(township["posts"]), township["is_small"] == "true"
        if offices > 6:
            expected[("ORG_OFFICE_COUNT", code, "", "")] = "6"
        elif offices < 4 and not (small and posts >= 1):
            expected[("ORG_OFFICE_COUNT", code, "", "")] = "4"
        if int(township["stations"]) > 6:
            expected[("ORG_STATION_MAX", code, "", "")] = "6"
        if int(township["social_workers"]) < 4:
            expected[("STAFF_SOCIAL_WORKERS", code, "", "")] = "4"

    found = {key: row["limit"] for key, row in keyed(read_csv(county.out / "violations.csv")).items()}
    assert found == expected
    assert ("ORG_OFFICE_COUNT", "360799103000", "", "") in keyed(shipped), "6 offices broke 赣州's limit of 5"
    assert ("ORG_OFFICE_COUNT", "360799103000", "", "") not in found, "and keep the county's limit of 6"
    assert ("ORG_STATION_MAX", "360799102000", "", "") in found, "7 stations break the county's limit of 6"


def test_findings_outside_the_county_version_are_unchanged_row_for_row(demo_run, county):
    shipped = keyed(read_csv(demo_run.out / "violations.csv"))
    outside = {key: row for key, row in keyed(read_csv(county.out / "violations.csv")).items()
               if not judged_with_the_county_version(row)}
    assert outside and all(row == shipped[key] for key, row in outside.items())


def test_findings_judged_with_the_county_version_carry_its_numbers_and_quotes(county):
    phrases = {
        "ORG_OFFICE_COUNT": "少于 4 个", "ORG_STATION_MAX": "多于 6 个", "STAFF_SOCIAL_WORKERS": "少于 4 名",
        "STAFF_MIN_SERVICE": "未满最低服务年限4年",
    }
    judged = [row for row in read_csv(county.out / "violations.csv") if judged_with_the_county_version(row)]
    assert {row["rule_id"] for row in judged} == set(phrases)
    for row in judged:
        clause, quote = CLAUSES[row["rule_id"]]
        assert row["citation"] == f"{COUNTY_DOCUMENT} {clause}：{quote}"
        assert row["message_zh"].endswith(f"（{COUNTY_SHORT} {clause}：{quote}）")
        assert phrases[row["rule_id"]] in row["message_zh"], row["message_zh"]
    service = [row for row in judged if row["rule_id"] == "STAFF_MIN_SERVICE"]
    assert service and all(f"4年（{row['limit']} 方满）" in row["message_zh"] for row in service)


def test_an_event_before_the_county_version_keeps_the_shipped_value_and_citation(county):
    before = [
        row for row in read_csv(county.out / "violations.csv")
        if row["rule_id"] == "STAFF_MIN_SERVICE" and row["township_code"].startswith(COUNTY)
        and row["observed"] < COUNTY_FROM
    ]
    assert before
    for row in before:
        assert "未满最低服务年限5年" in row["message_zh"]
        assert row["citation"].startswith("赣州市《关于加强乡镇政府服务能力建设的实施方案》 三(三)：")


def test_an_as_of_date_before_the_county_version_is_judged_with_the_shipped_rulebook(county, county_history):
    shipped_ids = {row["param_id"] for row in read_csv(PROJECT_DIR / "seeds" / "rulebook" / "rulebook_parameters.csv")}
    with duckdb.connect(str(county.db), read_only=True) as con:
        rows = con.execute(
            "select f.param_id, f.citation, f.message_zh from history.snapshot_findings as f "
            "join history.snapshots as s using (snapshot_id) where s.snapshot_date = '2023-06-30'"
        ).fetchall()
    assert rows
    assert {param_id for param_id, _, _ in rows} <= shipped_ids
    assert not [message for _, citation, message in rows if COUNTY_SHORT in message or COUNTY_DOCUMENT in citation]


def test_the_manifest_names_the_rulebook_file_and_its_checksum_and_has_another_version(demo_run, county, county_files):
    manifest = json.loads((county.out / "run_manifest.json").read_text(encoding="utf-8"))
    shipped = json.loads((demo_run.out / "run_manifest.json").read_text(encoding="utf-8"))
    path = county_files["csv"]
    assert manifest["user_rulebook"] == {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert shipped["user_rulebook"] is None
    assert len(manifest["rulebook_version"]) == 16
    assert manifest["rulebook_version"] != shipped["rulebook_version"]
    with duckdb.connect(str(county.db), read_only=True) as con:
        recorded = con.execute("select rulebook_version, rulebook_file, rulebook_sha256 from marts.run_info").fetchone()
    assert recorded == (manifest["rulebook_version"], str(path), manifest["user_rulebook"]["sha256"])
    assert "用户规则库 / shipped + user rulebook" in county.result.stdout


def test_a_snapshot_with_the_rulebook_from_the_environment_is_that_versions_timeline(county, county_history):
    manifest = json.loads((county.out / "run_manifest.json").read_text(encoding="utf-8"))
    findings_columns = "f.rule_id, f.township_code, f.person_id, f.period, f.message_zh, f.citation"
    with duckdb.connect(str(county.db), read_only=True) as con:
        versions = con.execute("select distinct rulebook_version from history.snapshots").fetchall()
        on_as_of = con.execute(
            f"select {findings_columns} from history.snapshot_findings as f join history.snapshots as s "
            "using (snapshot_id) where s.snapshot_date = ?", [DEMO_AS_OF],
        ).fetchall()
    # the same rows as XLSX with Chinese headers are the same rulebook as the CSV the build was given
    assert versions == [(manifest["rulebook_version"],)]
    exported = {
        (row["rule_id"], row["township_code"], row["person_id"], row["period"], row["message_zh"], row["citation"])
        for row in read_csv(county.out / "violations.csv")
    }
    assert {tuple("" if value is None else str(value) for value in row) for row in on_as_of} == exported
    assert "rulebook_file=" in county_history.stdout and "青岚县规则库.xlsx" in county_history.stdout


def test_csv_xlsx_gb18030_and_chinese_headers_read_as_the_same_rulebook(county_files):
    from warehouse.inputs.user_rulebook import read_user_rulebook, resolve_rulebook

    read = {kind: read_user_rulebook(path) for kind, path in county_files.items()}
    assert read["csv"].rows == read["xlsx"].rows == read["gb18030"].rows
    assert read["csv"].rows[2]["value"] == "true", "是 is true"
    assert read["csv"].rows[-1]["value"] == "25", "25% is 25"
    assert read["csv"].rows[0]["param_id"] == "ORG_OFFICE_COUNT@360799@2024-01-01#min_offices"
    versions = {resolve_rulebook(path).version for path in county_files.values()}
    assert len(versions) == 1
    assert len({user.sha256 for user in read.values()}) == 3


def test_the_rulebook_comes_from_the_environment_when_no_option_is_given(county_files, monkeypatch):
    from warehouse.inputs.rulebook import rulebook_version
    from warehouse.inputs.user_rulebook import resolve_rulebook

    monkeypatch.delenv("WAREHOUSE_RULEBOOK", raising=False)
    assert resolve_rulebook().user is None
    assert resolve_rulebook().version == rulebook_version()
    monkeypatch.setenv("WAREHOUSE_RULEBOOK", str(county_files["xlsx"]))
    assert resolve_rulebook().user.path == county_files["xlsx"]
    assert resolve_rulebook(county_files["csv"]).user.path == county_files["csv"], "the option wins"


# --- every parameter changed ---------------------------------------------------------------------------------

EVERY_DOCUMENT, EVERY_SHORT = "某省《乡镇机构编制管理规定》", "某省规定"
EVERY_PARAMETERS = [
    # rule, prefix, valid_from (the shipped version's), parameter, value, quote (with the new numbers only)
    ("ORG_OFFICE_COUNT", "3607", "2018-01-01", "min_offices", "2", "乡镇党政机关设2—4个综合性办公室。"),
    ("ORG_OFFICE_COUNT", "3607", "2018-01-01", "max_offices", "4", "乡镇党政机关设2—4个综合性办公室。"),
    ("ORG_OFFICE_COUNT", "3607", "2018-01-01", "small_township_posts_exempt", "false", "乡镇党政机关设2—4个综合性办公室。"),
    ("ORG_STATION_MAX", "3607", "2018-01-01", "max_stations", "6", "事业站所数量严格控制在6个以内。"),
    ("ORG_STANDARD_STRUCTURE", "3607", "2018-01-01", "standard_offices", "5", "统一设置五办一所二站一中心。"),
    ("ORG_STANDARD_STRUCTURE", "3607", "2018-01-01", "standard_institutes", "1", "统一设置五办一所二站一中心。"),
    ("ORG_STANDARD_STRUCTURE", "3607", "2018-01-01", "standard_stations", "2", "统一设置五办一所二站一中心。"),
    ("ORG_STANDARD_STRUCTURE", "3607", "2018-01-01", "standard_centers", "1", "统一设置五办一所二站一中心。"),
    ("STAFF_TRANSFER_LOCK", "3607", "2018-01-01", "lock_years", "3", "最低服务年限为 6 年，3 年内一律不得调动。"),
    ("STAFF_MIN_SERVICE", "3607", "2018-01-01", "lock_years", "3", "最低服务年限为 6 年，3 年内一律不得调动。"),
    ("STAFF_MIN_SERVICE", "3607", "2018-01-01", "min_service_years", "6", "最低服务年限为 6 年，3 年内一律不得调动。"),
    ("STAFF_SECONDMENT", "3607", "2018-01-01", "enabled", "true", "上级机关不得借调（用）乡镇干部。"),
    ("LEAD_CHIEF_EXPERIENCE", "3607", "2018-01-01", "min_leadership_years", "1", "应有 1 年以上乡镇领导工作经历或 4 年以上乡镇工作经历"),
    ("LEAD_CHIEF_EXPERIENCE", "3607", "2018-01-01", "min_township_years", "4", "应有 1 年以上乡镇领导工作经历或 4 年以上乡镇工作经历"),
    ("LEAD_TEAM_EXPERIENCE", "3607", "2018-01-01", "min_township_years", "3", "具有 3 年以上乡镇工作经历的应不少于四分之三"),
    ("LEAD_TEAM_EXPERIENCE", "3607", "2018-01-01", "min_share_numerator", "3", "具有 3 年以上乡镇工作经历的应不少于四分之三"),
    ("LEAD_TEAM_EXPERIENCE", "3607", "2018-01-01", "min_share_denominator", "4", "具有 3 年以上乡镇工作经历的应不少于四分之三"),
    ("LEAD_CHIEF_TERM", "3607", "2018-01-01", "term_years", "6", "乡镇党政正职一般应任满 6 年。"),
    ("APPR_EXCELLENT_RATIO", "3607", "2018-01-01", "max_excellent_pct", "15", "年度考核优秀比例不超过 15%。"),
    ("STAFF_SOCIAL_WORKERS", "3607", "2020-12-31", "min_social_workers", "4", "每个乡镇拥有4—6名社会工作人员。"),
    ("ORG_DEVELOPED_TOWN_BODIES", "32", "2017-08-25", "max_bodies", "9", "综合设置9个以内职能机构"),
    ("ORG_DEVELOPED_TOWN_BODIES", "32", "2017-08-25", "only_developed_towns", "false", "综合设置9个以内职能机构"),
    ("STAFF_OVER_LEADER_QUOTA", "32", "2017-08-25", "enabled", "true", "不得超职数配备干部。"),
]
"""Every number of every rule in force for the demo's prefixes (3607, 32), and ORG_STANDARD_STRUCTURE, which the
shipped rulebook leaves out; the booleans that narrow a rule flip. `enabled` stays true: false would switch the rule
off and leave no message to read."""

MESSAGE_NUMBERS = {
    "ORG_OFFICE_COUNT": ("少于 {min_offices} 个", "多于 {max_offices} 个"),
    "ORG_STATION_MAX": ("多于 {max_stations} 个",),
    "ORG_DEVELOPED_TOWN_BODIES": ("多于 {max_bodies} 个",),
    "ORG_STANDARD_STRUCTURE": (
        "与标准设置 {standard_offices} 办 {standard_institutes} 所 {standard_stations} 站 {standard_centers} 中心不符",
    ),
    "STAFF_TRANSFER_LOCK": ("未满{lock_years}年",),
    "STAFF_MIN_SERVICE": ("未满最低服务年限{min_service_years}年",),
    "LEAD_CHIEF_EXPERIENCE": ("不足{min_leadership_years}年领导经历或{min_township_years}年乡镇工作经历",),
    "LEAD_TEAM_EXPERIENCE": ("具有{min_township_years}年以上乡镇工作经历的 * 人，不足 {min_share_numerator}/{min_share_denominator}",),
    "LEAD_CHIEF_TERM": ("方满{term_years}年",),
    "APPR_EXCELLENT_RATIO": ("超过 {max_excellent_pct}%",),
    "STAFF_SOCIAL_WORKERS": ("少于 {min_social_workers} 名",),
}
"""The number phrases of each rule's sentence; a finding's message holds one of its rule's (`*`: any count)."""


def phrase_found(template: str, values: dict[str, str], message: str) -> bool:
    import re

    pattern = re.escape(template.format(**values)).replace(r"\*", r"\d+")
    return re.search(pattern, message) is not None


@pytest.fixture(scope="module")
def every_parameter(demo_run, tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("every_parameter")
    rows = [
        {"rule_id": rule, "jurisdiction_prefix": prefix, "jurisdiction_name": "赣州市" if prefix == "3607" else "江苏省",
         "valid_from": valid_from, "valid_until": "", "parameter": parameter, "value": value,
         "document": EVERY_DOCUMENT, "document_short": EVERY_SHORT, "clause": "第三条", "quote_zh": quote}
        for rule, prefix, valid_from, parameter, value, quote in EVERY_PARAMETERS
    ]
    rulebook = write_csv(root / "every_parameter.csv", rows)
    copy_warehouse(demo_run.db, root)
    built = warehouse_cli("build", "--as-of", DEMO_AS_OF, "--rulebook", str(rulebook), root=root, check=True)
    warehouse_cli("export", str(root / "out"), root=root, check=True)
    return Run(db=root / "warehouse.duckdb", out=root / "out", result=built)


def test_every_parameter_changed_gives_messages_with_the_new_numbers_and_none_of_the_old(every_parameter):
    new: dict[str, dict[str, str]] = {}
    for rule, _, _, parameter, value, _ in EVERY_PARAMETERS:
        new.setdefault(rule, {})[parameter] = value
    old: dict[str, dict[str, str]] = {}
    for row in read_csv(PROJECT_DIR / "seeds" / "rulebook" / "rulebook_parameters.csv"):
        old.setdefault(row["rule_id"], {})[row["parameter"]] = row["value"]
    old["ORG_STANDARD_STRUCTURE"] = {"standard_offices": "4", "standard_institutes": "2", "standard_stations": "3",
                                     "standard_centers": "1"}  # 001's 四办二所三站一中心, the usual adoption
    violations = read_csv(every_parameter.out / "violations.csv")
    assert {row["rule_id"] for row in violations} == set(new), "every rule has findings to read"
    for row in violations:
        rule = row["rule_id"]
        assert row["citation"].startswith(f"{EVERY_DOCUMENT} 第三条："), row
        templates = MESSAGE_NUMBERS.get(rule, ())
        if templates:
            assert any(phrase_found(t, new[rule], row["message_zh"]) for t in templates), row["message_zh"]
            assert not any(phrase_found(t, old[rule], row["message_zh"]) for t in templates), row["message_zh"]
        for shipped_words in ("20%", "三分之二", "3—5", "赣州市实施方案", "江苏省经济发达镇意见"):
            assert shipped_words not in row["message_zh"], row["message_zh"]


def test_a_flipped_boolean_is_read_from_the_row_used(every_parameter):
    """small_township_posts_exempt false: 杨梅乡, small with 0 offices and 3 posts, is no longer exempt;
    only_developed_towns false: 北庄镇, not a developed town, is covered (and passes: the rule is about developed
    towns)."""
    violations = keyed(read_csv(every_parameter.out / "violations.csv"))
    assert violations[("ORG_OFFICE_COUNT", "360799203000", "", "")]["limit"] == "2"
    scorecard = {row["township_code"]: row for row in read_csv(every_parameter.out / "township_scorecard.csv")}
    assert scorecard["320599102000"]["status_org_developed_town_bodies"] == "passed"


# --- a malformed rulebook --------------------------------------------------------------------------------------

STATION = {
    "rule_id": "ORG_STATION_MAX", "jurisdiction_prefix": COUNTY, "jurisdiction_name": COUNTY_NAME,
    "valid_from": COUNTY_FROM, "valid_until": "", "parameter": "max_stations", "value": "6",
    "document": COUNTY_DOCUMENT, "document_short": COUNTY_SHORT, "clause": "第六条", "quote_zh": "每个乡镇事业站所不超过6个。",
}


def version(rule: str, **values: str) -> list[dict[str, str]]:
    return [{**STATION, "rule_id": rule, "parameter": name, "value": value} for name, value in values.items()]


MALFORMED = {
    # case: (rows, Excel row, column, what the message must also say)
    "unknown_rule": ([{**STATION, "rule_id": "ORG_STATION_MAXIMUM"}], 2, "rule_id", "ORG_STATION_MAXIMUM"),
    "unknown_parameter": ([{**STATION, "parameter": "max_station"}], 2, "parameter", "max_station"),
    "integer_of_the_wrong_type": ([{**STATION, "value": "六"}], 2, "value", "不是不小于 0 的整数"),
    "boolean_of_the_wrong_type": (
        version("ORG_OFFICE_COUNT", min_offices="4", max_offices="6", small_township_posts_exempt="maybe"),
        4, "value", "不是是否值",
    ),
    "percent_over_100": (version("APPR_EXCELLENT_RATIO", max_excellent_pct="120%"), 2, "value", "0 到 100"),
    "missing_document": ([{**STATION, "document": ""}], 2, "document", "文件不能为空"),
    "missing_clause": ([{**STATION, "clause": " "}], 2, "clause", "条款不能为空"),
    "missing_quote": ([{**STATION, "quote_zh": ""}], 2, "quote_zh", "原文不能为空"),
    "prefix_not_digits": ([{**STATION, "jurisdiction_prefix": "3607-99"}], 2, "jurisdiction_prefix", "不是数字"),
    "unreadable_date": ([{**STATION, "valid_from": "明年元旦"}], 2, "valid_from", "日期无法识别"),
    "valid_until_not_after_valid_from": ([{**STATION, "valid_until": "2024/1/1"}], 2, "valid_until", "不晚于生效日期"),
    "version_missing_a_parameter": (
        [*version("ORG_OFFICE_COUNT", min_offices="4", max_offices="6"), STATION], 2, "parameter",
        "缺少参数 small_township_posts_exempt",
    ),
    "two_rows_overlapping": (
        [STATION, {**STATION, "valid_from": "2025-01-01", "value": "5"}], 3, "valid_from", "与第 2 行",
    ),
    "lock_years_set_differently_for_one_prefix_and_period": (
        [*version("STAFF_TRANSFER_LOCK", lock_years="3"),
         *version("STAFF_MIN_SERVICE", lock_years="2", min_service_years="5")],
        3, "value", "STAFF_TRANSFER_LOCK 的 lock_years 为 3",
    ),
    "lock_years_set_for_one_rule_only": (
        version("STAFF_MIN_SERVICE", lock_years="2", min_service_years="5"), 2, "rule_id", "须一同设置",
    ),
    "param_id_of_another_row": (
        [{"param_id": "ORG_STATION_MAX@3607@2024-01-01#max_stations", **STATION}], 2, "param_id",
        "ORG_STATION_MAX@360799@2024-01-01#max_stations",
    ),
}


def tree(root: Path) -> dict[str, str]:
    """Every file under the warehouse's folder with its checksum; the lock file (made by any command) and the
    snapshot log (a refused snapshot logs why) aside."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.endswith((".lock", ".snapshot.log"))
    }


@pytest.fixture(scope="module")
def untouched(demo_run, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("untouched")
    copy_warehouse(demo_run.db, root)
    return root, tree(root)


@pytest.mark.parametrize("case", MALFORMED, ids=str)
def test_a_malformed_rulebook_exits_2_naming_file_row_and_column_and_changes_nothing(case, untouched, tmp_path):
    rows, row, column, detail = MALFORMED[case]
    root, before = untouched
    header = (["param_id"] if "param_id" in rows[0] else []) + HEADER
    path = write_csv(tmp_path / f"{case}.csv", rows, header=header)
    result = warehouse_cli("build", "--as-of", DEMO_AS_OF, "--rulebook", str(path), root=root)
    assert result.returncode == 2, result.stdout + result.stderr
    alias = CHINESE[column]
    assert f"{path.name} 第 {row} 行，{column}（{alias}）列：" in result.stderr, result.stderr
    assert f"{path.name} row {row}, column {column} ({alias}): " in result.stderr, result.stderr
    assert detail in result.stderr, result.stderr
    assert result.stderr.index("规则库文件") < result.stderr.index("The rulebook file"), "Chinese first"
    assert "Traceback" not in result.stderr
    assert tree(root) == before


def test_a_rulebook_without_a_required_column_exits_2_naming_it(untouched, tmp_path):
    root, before = untouched
    path = write_csv(tmp_path / "no_quote.csv", [STATION], header=[name for name in HEADER if name != "quote_zh"])
    result = warehouse_cli("build", "--as-of", DEMO_AS_OF, "--rulebook", str(path), root=root)
    assert result.returncode == 2
    assert "no_quote.csv 缺少必需的列：原文（quote_zh）" in result.stderr
    assert tree(root) == before


def test_a_missing_rulebook_file_exits_2(untouched, tmp_path):
    root, before = untouched
    result = warehouse_cli("build", "--rulebook", str(tmp_path / "nowhere.csv"), root=root)
    assert result.returncode == 2 and "规则库文件不存在" in result.stderr
    assert tree(root) == before


def test_a_malformed_rulebook_stops_run_before_the_load_and_snapshot_before_judging(untouched, tmp_path):
    root, before = untouched
    bad, _, _, _ = MALFORMED["unknown_parameter"]
    path = write_csv(tmp_path / "bad.csv", bad)
    ran = warehouse_cli("run", "--input", str(DEMO_DIR), "--as-of", DEMO_AS_OF, "--out", str(root / "out"),
                        "--rulebook", str(path), root=root)
    assert ran.returncode == 2 and "bad.csv 第 2 行，parameter（参数）列" in ran.stderr
    snapped = warehouse_cli("snapshot", "--as-of", DEMO_AS_OF, root=root, env={"WAREHOUSE_RULEBOOK": str(path)})
    assert snapped.returncode == 2 and "bad.csv row 2, column parameter" in snapped.stderr
    assert tree(root) == before, "no load, no output folder, no history"
    log = (root / "warehouse.duckdb.snapshot.log").read_text(encoding="utf-8").splitlines()
    assert " snapshot failed " in log[-1] and "InputError" in log[-1], "a scheduler's log says why"


def test_every_problem_of_a_file_is_listed_at_once(tmp_path):
    from warehouse.inputs.user_rulebook import read_user_rulebook

    rows = [
        {**STATION, "value": "六"}, {**STATION, "rule_id": "NO_SUCH_RULE"},
        {**STATION, "jurisdiction_prefix": "360798", "document": ""},
    ]
    path = write_csv(tmp_path / "three.csv", rows)
    with pytest.raises(InputError) as raised:
        read_user_rulebook(path)
    assert raised.value.exit_status == 2
    assert "有 3 处问题" in raised.value.zh and "has 3 problems" in raised.value.en
    assert [line.split("，")[0] for line in raised.value.zh.splitlines()[1:]] == [
        "  three.csv 第 2 行", "  three.csv 第 3 行", "  three.csv 第 4 行",
    ]


def test_the_gx_line_reads_the_rulebook_the_build_judged_with(county, monkeypatch):
    """warehouse validate restates the limits from the rulebook the warehouse was built with, the user's rows
    included, so its cross-check with dbt holds for a county's own rulebook too."""
    from warehouse.checks.validate import read_warehouse

    monkeypatch.setenv("WAREHOUSE_DB", str(county.db))
    parameters = read_warehouse().parameters
    county_rows_read = parameters.filter(parameters["jurisdiction_prefix"] == COUNTY)
    assert sorted(county_rows_read["parameter"].to_list()) == sorted(name for _, name, *_ in COUNTY_PARAMETERS)
    assert set(county_rows_read["origin"].to_list()) == {"user"}


def test_a_report_after_a_build_with_the_county_rulebook_shows_that_builds_version_and_snapshots(county,
                                                                                              county_history):
    """The county's snapshots were taken with its own rulebook, so they carry its version, not the shipped seeds':
    the report must read the version the build recorded, or every page would say there is no history."""
    manifest = json.loads((county.out / "run_manifest.json").read_text(encoding="utf-8"))
    out = county.db.parent / "report"
    warehouse_cli("report", "--out", str(out), "--county", COUNTY, "--png", "none", root=county.db.parent, check=True)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"规则库版本 {manifest['rulebook_version']}" in index
    assert "qinglan.csv" in index and str(county.out.parent) not in index
    assert "尚无快照" not in index
    assert f"{DEMO_AS_OF} 的快照与上一次" in index


def test_the_deadlines_are_dated_and_worded_by_the_row_used(every_parameter):
    """lock_years 3, min_service_years 6, term_years 6 (shipped: 2, 5, 5): P0447 (recruited 2024-09-01 into 龙塘镇)
    and P0168 (长岗镇's party secretary since 2022-04-01) fall due later, and say the new years."""
    rows = read_csv(every_parameter.out / "deadlines.csv")
    mine = {(r["rule_id"], r["person_id"]): r for r in rows if r["person_id"] in ("P0447", "P0168")}
    assert {key: r["due_on"] for key, r in mine.items()} == {
        ("STAFF_TRANSFER_LOCK", "P0447"): "2027-09-01",
        ("STAFF_MIN_SERVICE", "P0447"): "2030-09-01",
        ("LEAD_CHIEF_TERM", "P0168"): "2028-04-01",
    }
    assert "录用满 3 年" in mine[("STAFF_TRANSFER_LOCK", "P0447")]["what_zh"]
    assert "录用满 6 年" in mine[("STAFF_MIN_SERVICE", "P0447")]["what_zh"]
    assert "任满 6 年" in mine[("LEAD_CHIEF_TERM", "P0168")]["what_zh"]
    assert all(r["citation"].startswith(f"{EVERY_DOCUMENT} 第三条") for r in mine.values())

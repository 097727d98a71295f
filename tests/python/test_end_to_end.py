"""`warehouse run` on the demo county, as a user runs it: outputs, findings, privacy, exit statuses."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import DEMO_DIR, PROJECT_DIR, copy_warehouse, isolated_env, run_warehouse, warehouse_cli

from warehouse.core.paths import loaded_path
from warehouse.engine.db import reading_load

CONTRACT_VIOLATION_COLUMNS = [
    "rule_id", "severity", "township_code", "person_id", "period", "observed", "limit", "as_of", "message_zh",
    "citation", "waiver_no",
]
"""Contract section 4, and waiver_no after citation (v1.1, approved exceptions)."""
KEY = ["rule_id", "township_code", "person_id", "period"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def finding_keys(rows: list[dict[str, str]]) -> set[tuple[str, ...]]:
    return {tuple(row[column] or "" for column in KEY) for row in rows}


def test_run_writes_the_four_outputs(demo_run):
    for name in ("violations.csv", "township_scorecard.csv", "rejects.csv", "run_manifest.json"):
        assert (demo_run.out / name).is_file(), name


def test_violations_csv_has_exactly_the_contract_columns(demo_run):
    with open(demo_run.out / "violations.csv", encoding="utf-8-sig") as handle:
        header = handle.readline().strip().split(",")
    assert header == CONTRACT_VIOLATION_COLUMNS


def test_demo_findings_are_the_hand_checked_expected_ones(demo_run):
    found = finding_keys(read_csv(demo_run.out / "violations.csv"))
    expected = finding_keys(read_csv(DEMO_DIR / "expected_violations.csv"))
    assert sorted(found - expected) == [], "found but not expected"
    assert sorted(expected - found) == [], "expected but not found"


def test_every_rule_in_force_fires_somewhere_in_the_demo(demo_run):
    fired = {row["rule_id"] for row in read_csv(demo_run.out / "violations.csv")}
    rules = {row["rule_id"] for row in read_csv(PROJECT_DIR / "seeds" / "rulebook" / "rulebook_rules.csv")}
    assert rules - fired == {"ORG_STANDARD_STRUCTURE"}, "only the rule with no jurisdiction by default stays silent"


def test_every_finding_carries_as_of_message_and_citation(demo_run):
    for row in read_csv(demo_run.out / "violations.csv"):
        assert row["as_of"] == "2026-06-30"
        assert row["message_zh"] and row["citation"], row
        assert row["severity"] in {"error", "warn", "info"}
        assert (row["period"] != "") == (row["rule_id"] == "APPR_EXCELLENT_RATIO"), row


def test_scorecard_says_not_covered_where_no_rule_is_in_force(demo_run):
    scorecard = read_csv(demo_run.out / "township_scorecard.csv")
    for row in scorecard:
        assert row["status_org_standard_structure"] == "not_covered"
        if row["township_code"].startswith("32"):
            assert row["status_org_office_count"] == "not_covered"
            developed = row["is_developed_town"] == "true"
            assert (row["status_org_developed_town_bodies"] != "not_covered") == developed, "only is_developed_town"
            assert row["status_staff_over_leader_quota"] in {"passed", "failed"}
        if row["township_code"].startswith("3607"):
            assert row["status_org_developed_town_bodies"] == "not_covered"
            assert row["status_org_office_count"] in {"passed", "failed"}


def test_scorecard_counts_match_the_violations(demo_run):
    violations = read_csv(demo_run.out / "violations.csv")
    for row in read_csv(demo_run.out / "township_scorecard.csv"):
        mine = [v for v in violations if v["township_code"] == row["township_code"]]
        assert int(row["violations_error"]) == sum(v["severity"] == "error" for v in mine)
        assert int(row["violations_warn"]) == sum(v["severity"] == "warn" for v in mine)
        failed = {v["rule_id"].lower() for v in mine}
        for rule in failed:
            covered = all(v["waiver_no"] for v in mine if v["rule_id"].lower() == rule)
            assert row[f"status_{rule}"] == ("waived" if covered else "failed")


def test_manifest_records_inputs_rulebook_and_times(demo_run):
    manifest = json.loads((demo_run.out / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == "2026-06-30"
    assert len(manifest["rulebook_version"]) == 16
    assert {entry["entity"] for entry in manifest["inputs"]} == {
        "townships", "units", "people", "postings", "appraisals", "waivers",
    }
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
        assert len(entry["sha256"]) == 64
    assert manifest["started_at"] <= manifest["finished_at"]
    assert {"python", "duckdb", "dbt-core", "polars"} <= set(manifest["software"])


def test_run_prints_a_summary_with_counts(demo_run):
    assert "townships checked" in demo_run.result.stdout
    assert "ORG_OFFICE_COUNT" in demo_run.result.stdout


def demo_id_numbers() -> list[str]:
    from warehouse.synthetic.demo import build_demo

    return [value for value in build_demo()["people"]["id_number"].to_list() if value]


def test_no_output_file_holds_an_id_number_in_clear(demo_run):
    ids = demo_id_numbers()
    assert ids, "the demo has id numbers to look for"
    for path in demo_run.out.rglob("*"):
        if path.is_file() and path.suffix in {".csv", ".json"}:
            text = path.read_text(encoding="utf-8")
            assert not any(value in text for value in ids), path


def test_no_warehouse_table_holds_an_id_number_in_clear(demo_run):
    ids = pl.DataFrame({"id_number": demo_id_numbers()})
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" t join ids on strpos(t."{column}", ids.id_number) > 0'
            ).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column}"


@pytest.fixture(scope="module")
def english_run(tmp_path_factory):
    from warehouse.synthetic.demo import write_demo

    root = tmp_path_factory.mktemp("english_run")
    write_demo(root / "input", style="english")
    return run_warehouse(root / "input", root)


def test_chinese_xlsx_gb18030_and_english_utf8_inputs_give_identical_outputs(demo_run, english_run):
    for name in ("violations.csv", "township_scorecard.csv", "rejects.csv"):
        assert (english_run.out / name).read_bytes() == (demo_run.out / name).read_bytes(), name


def test_a_missing_file_exits_2_and_leaves_the_previous_load_whole(demo_run, tmp_path):
    copy = copy_warehouse(demo_run.db, tmp_path)
    incomplete = tmp_path / "incomplete"
    shutil.copytree(DEMO_DIR, incomplete)
    for path in incomplete.glob("考核.*"):
        path.unlink()
    result = warehouse_cli("load", str(incomplete), root=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "考核" in result.stderr and "appraisals" in result.stderr
    with reading_load(loaded_path(demo_run.db)) as before, reading_load(loaded_path(copy)) as after:
        for table in ("townships", "units", "people", "postings", "appraisals", "rejects", "load_files"):
            query = f"select count(*) from raw.{table}"
            assert after.execute(query).fetchall() == before.execute(query).fetchall(), table


def copy_project(target: Path) -> Path:
    """The dbt project's files, copied so a test can change the rulebook without touching the repository."""
    target.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, target / name)
    for folder in ("models", "macros", "seeds"):
        shutil.copytree(PROJECT_DIR / folder, target / folder)
    shutil.copytree(PROJECT_DIR / "tests", target / "tests", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_a_new_jurisdiction_is_added_by_seed_rows_only(demo_run, tmp_path):
    project = copy_project(tmp_path / "project")
    parameters = project / "seeds" / "rulebook" / "rulebook_parameters.csv"
    quote_001 = "镇统一设置“四办二所三站一中心〞"
    quote_004 = "加强乡镇干部日常考核，可将乡镇机关年度考核优秀比例提高到 20%。"
    rows = [
        *(
            [f"ORG_STANDARD_STRUCTURE@360799@2023-01-01#{name}", "ORG_STANDARD_STRUCTURE", "360799", "青岚县",
             "2023-01-01", "", name, value, "某县《加强镇政府服务能力建设实施方案》", "某县实施方案", "二(一)4", quote_001]
            for name, value in (
                ("standard_offices", "4"), ("standard_institutes", "2"), ("standard_stations", "3"),
                ("standard_centers", "1"),
            )
        ),
        ["APPR_EXCELLENT_RATIO@32@2017-08-25#max_excellent_pct", "APPR_EXCELLENT_RATIO", "32", "江苏省",
         "2017-08-25", "", "max_excellent_pct", "20", "（测试用）示例文件", "示例文件", "一", quote_004],
    ]
    with open(parameters, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.db, db)
    env = isolated_env(tmp_path) | {"WAREHOUSE_DB": str(db)}
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "build", "--project-dir", str(project), "--profiles-dir", str(project),
         "--vars", '{"as_of_date": "2026-06-30"}', "--exclude", "test_type:unit"],
        env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]

    with duckdb.connect(str(db), read_only=True) as con:
        found = {
            (rule_id, township_code, "", "")
            for rule_id, township_code in con.execute(
                "select rule_id, township_code from marts.violations where rule_id = 'ORG_STANDARD_STRUCTURE'"
            ).fetchall()
        }
        statuses = dict(
            con.execute(
                "select township_code, status_appr_excellent_ratio from marts.township_scorecard "
                "where township_code like '32%'"
            ).fetchall()
        )
    expected = finding_keys(read_csv(DEMO_DIR / "expected_violations_standard_structure.csv"))
    assert found == expected
    assert statuses and all(status in {"passed", "failed"} for status in statuses.values())


def test_a_file_in_another_encoding_exits_2_naming_the_file_and_its_likely_encoding(demo_run, tmp_path):
    """The issue's case: the demo's people saved as Shift-JIS were read as GB18030 and loaded as garbage."""
    shutil.copy(demo_run.db, tmp_path / "warehouse.duckdb")
    inputs = tmp_path / "shift_jis"
    shutil.copytree(DEMO_DIR, inputs)
    people = inputs / "人员.csv"
    people.write_bytes(people.read_bytes().decode("utf-8-sig").encode("shift_jis", errors="replace"))
    result = warehouse_cli("load", str(inputs), root=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "人员.csv：" in result.stderr and "Shift-JIS（日文）" in result.stderr
    assert "人员.csv: " in result.stderr and "Shift-JIS (Japanese)" in result.stderr
    assert "Traceback" not in result.stderr


# A county of 赣州 (3607, where the rules are in force) with one township in the file: 甲镇 of county 360702.
# Other townships appear only in work histories: 440305100000 (深圳, another province), 360702101000 (the same
# county) and 360721100000 (another 赣州 county). The contract's postings are the whole work history.
ELSEWHERE_AS_OF = "2026-06-30"
ELSEWHERE = {
    "townships.csv": [
        ["township_code", "township_name", "township_type", "county_code"],
        ["360702100000", "甲镇", "town", "360702"],
    ],
    "units.csv": [
        ["unit_id", "township_code", "unit_name", "unit_kind", "established_on"],
        ["U1", "360702100000", "党政综合办公室", "office", "2019-01-01"],
    ],
    "people.csv": [
        ["person_id", "name", "staff_category", "recruited_on"],
        ["C1", "赵一", "civil_servant", "2010-07-01"],
        ["C2", "钱二", "civil_servant", "2010-07-01"],
        ["R1", "孙三", "civil_servant", "2023-03-01"],
        ["R2", "李四", "civil_servant", "2021-03-01"],
        ["R3", "周五", "civil_servant", "2021-03-01"],
    ],
    "postings.csv": [
        ["posting_id", "person_id", "org_level", "township_code", "county_code", "unit_id", "position",
         "is_leadership", "is_chief", "start_date", "end_date", "end_reason"],
        # C1: three years and more of township work in another province (1,155 days), then chief of 甲镇.
        ["C1-1", "C1", "township", "440305100000", "", "", "科员", "false", "false", "2019-01-01", "2022-03-01",
         "transfer"],
        ["C1-2", "C1", "township", "360702100000", "", "U1", "党委书记", "true", "true", "2022-03-01", "", ""],
        # C2: the same chief posting without that earlier township work.
        ["C2-2", "C2", "township", "360702100000", "", "U1", "镇长", "true", "true", "2022-03-01", "", ""],
        # R1: recruited into 甲镇, moves within two years to a township of another county not in the file.
        ["R1-1", "R1", "township", "360702100000", "", "", "科员", "false", "false", "2023-03-01", "2024-03-01",
         "transfer"],
        ["R1-2", "R1", "township", "360721100000", "", "", "科员", "false", "false", "2024-03-01", "", ""],
        # R2 and R3: in their third year, to a township of the same county (allowed) or of another (not).
        ["R2-1", "R2", "township", "360702100000", "", "", "科员", "false", "false", "2021-03-01", "2024-01-01",
         "transfer"],
        ["R2-2", "R2", "township", "360702101000", "", "", "科员", "false", "false", "2024-01-01", "", ""],
        ["R3-1", "R3", "township", "360702100000", "", "", "科员", "false", "false", "2021-03-01", "2024-01-01",
         "transfer"],
        ["R3-2", "R3", "township", "360721100000", "", "", "科员", "false", "false", "2024-01-01", "", ""],
    ],
    "appraisals.csv": [
        ["person_id", "year", "township_code", "grade"],
        ["C1", "2020", "440305100000", "excellent"],
        ["R1", "2023", "360702100000", "competent"],
        ["R1", "2024", "360721100000", "excellent"],  # 1 of 1 excellent, in a 赣州 township not in the file
    ],
}


@pytest.fixture(scope="module")
def elsewhere_run(tmp_path_factory):
    inputs = tmp_path_factory.mktemp("elsewhere_inputs")
    for name, rows in ELSEWHERE.items():
        with open(inputs / name, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return run_warehouse(inputs, tmp_path_factory.mktemp("elsewhere_run"), as_of=ELSEWHERE_AS_OF)


def test_postings_and_appraisals_in_townships_not_in_the_file_are_loaded_not_rejected(elsewhere_run):
    assert read_csv(elsewhere_run.out / "rejects.csv") == []
    files = {f["entity"]: f for f in json.loads((elsewhere_run.out / "run_manifest.json").read_text())["inputs"]}
    assert (files["postings"]["rows_loaded"], files["appraisals"]["rows_loaded"]) == (9, 3)


def test_township_work_in_another_province_counts_towards_a_chiefs_experience(elsewhere_run):
    """LEAD_CHIEF_EXPERIENCE: less than 2 years of township leadership and less than 3 years of township work."""
    chiefs = {row["person_id"] for row in read_csv(elsewhere_run.out / "violations.csv")
              if row["rule_id"] == "LEAD_CHIEF_EXPERIENCE"}
    assert chiefs == {"C2"}


def test_a_move_to_a_township_not_in_the_file_is_a_move_named_for_the_township_left(elsewhere_run):
    found = {(row["rule_id"], row["township_code"], row["person_id"])
             for row in read_csv(elsewhere_run.out / "violations.csv") if row["person_id"]}
    assert ("STAFF_TRANSFER_LOCK", "360702100000", "R1") in found
    assert ("STAFF_MIN_SERVICE", "360702100000", "R3") in found
    # R2's township is in the county its code begins with, the county of the township left.
    assert not {finding for finding in found if finding[2] == "R2"}


def test_findings_and_scorecard_name_only_the_townships_in_the_file(elsewhere_run):
    assert {row["township_code"] for row in read_csv(elsewhere_run.out / "violations.csv")} == {"360702100000"}
    assert [row["township_code"] for row in read_csv(elsewhere_run.out / "township_scorecard.csv")] == [
        "360702100000"
    ]


def test_gx_and_dbt_agree_that_an_appraisal_by_a_township_not_in_the_file_is_judged_nowhere(
    elsewhere_run, tmp_path, monkeypatch
):
    from warehouse.checks.validate import validate

    monkeypatch.setenv("WAREHOUSE_DB", str(elsewhere_run.db))
    result = validate(tmp_path / "validation")
    assert [d.message() for d in result.disagreements] == []
    assert not any("360721100000" in str(keys) for keys in result.gx_failing.values())

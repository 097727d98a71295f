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

from warehouse.db import loaded_path, reading_load

CONTRACT_VIOLATION_COLUMNS = [
    "rule_id", "severity", "township_code", "person_id", "period", "observed", "limit", "as_of", "message_zh",
    "citation",
]
KEY = ["rule_id", "township_code", "person_id", "period"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def finding_keys(rows: list[dict[str, str]]) -> set[tuple[str, ...]]:
    return {tuple(row[column] or "" for column in KEY) for row in rows}


def test_run_writes_the_four_outputs(demo_run):
    for name in ("violations.csv", "township_scorecard.csv", "rejects.csv", "run_manifest.json"):
        assert (demo_run.out / name).is_file(), name


def test_violations_csv_has_exactly_the_contract_columns(demo_run):
    with open(demo_run.out / "violations.csv", encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header == CONTRACT_VIOLATION_COLUMNS


def test_demo_findings_are_the_hand_checked_expected_ones(demo_run):
    found = finding_keys(read_csv(demo_run.out / "violations.csv"))
    expected = finding_keys(read_csv(DEMO_DIR / "expected_violations.csv"))
    assert sorted(found - expected) == [], "found but not expected"
    assert sorted(expected - found) == [], "expected but not found"


def test_every_rule_in_force_fires_somewhere_in_the_demo(demo_run):
    fired = {row["rule_id"] for row in read_csv(demo_run.out / "violations.csv")}
    rules = {row["rule_id"] for row in read_csv(PROJECT_DIR / "seeds" / "rulebook_rules.csv")}
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
            assert row[f"status_{rule}"] == "failed"


def test_manifest_records_inputs_rulebook_and_times(demo_run):
    manifest = json.loads((demo_run.out / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == "2026-06-30"
    assert len(manifest["rulebook_version"]) == 16
    assert {entry["entity"] for entry in manifest["inputs"]} == {
        "townships", "units", "people", "postings", "appraisals",
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
    from warehouse.demo import build_demo

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
    from warehouse.demo import write_demo

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
    parameters = project / "seeds" / "rulebook_parameters.csv"
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

"""Approved exceptions (批准例外, contract v1.1 / issue 17 §1): an optional sixth input, loaded and rejected like the
others; a waiver in force puts its approval number beside the findings it covers (which stay), the scorecard says
`waived` where every finding of a rule and township is covered, and one covering nothing is listed in the summary
and the manifest. The demo's waivers (warehouse/synthetic/demo.py WAIVERS) hold one of each case the issue names:
in force, expired the day before the as-of date, valid to the as-of date itself, matching no finding."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import PROJECT_DIR, copy_warehouse, isolated_env
from test_load import db, load_quietly, rejects, table, write_csv, write_folder  # noqa: F401 (db: a fixture)

from warehouse.core.paths import loaded_path
from warehouse.engine.build import dbt_args
from warehouse.history.snapshot import ensure_history_tables, history_is_current
from warehouse.outputs import dashboard, page_data
from warehouse.outputs.waivers import waivers_sheet

DAPING, FENGKENG, QINGLAN, SHIMEN = "360799200000", "360799106000", "360799001000", "360799102000"

WAIVER = {
    "waiver_id": "W1", "rule_id": "LEAD_CHIEF_EXPERIENCE", "township_code": "360799100000", "person_id": "P1",
    "period": "", "approval_no": "青编委〔2026〕1号", "approved_by": "县编委", "approved_on": "2026-01-01",
    "valid_until": "", "reason": "",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def violation(run, rule_id: str, township_code: str, person_id: str = "") -> dict[str, str]:
    (row,) = [
        r for r in read_csv(run.out / "violations.csv")
        if (r["rule_id"], r["township_code"], r["person_id"]) == (rule_id, township_code, person_id)
    ]
    return row


def scorecard(run, township_code: str) -> dict[str, str]:
    (row,) = [r for r in read_csv(run.out / "township_scorecard.csv") if r["township_code"] == township_code]
    return row


# ---- the input ---------------------------------------------------------------------------------------------------


def test_without_a_waivers_file_the_load_has_no_waivers_and_the_five_files_only(tmp_path, db):
    reports = load_quietly(write_folder(tmp_path / "in"))
    assert [r.entity for r in reports] == ["townships", "units", "people", "postings", "appraisals"]
    assert table(db, "waivers") == []


def test_a_waivers_file_under_its_chinese_name_and_headers_is_loaded(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    aliases = {"waiver_id": "例外编号", "rule_id": "规则编号", "township_code": "乡镇代码", "person_id": "人员编号",
               "period": "期间", "approval_no": "批准文号", "approved_by": "批准机关", "approved_on": "批准日期",
               "valid_until": "有效期至", "reason": "理由"}
    write_csv(folder / "批准例外.csv", [{aliases[k]: v for k, v in WAIVER.items()}], encoding="utf-8-sig")
    reports = load_quietly(folder)
    assert reports[-1].entity == "waivers" and reports[-1].rows_loaded == 1
    (loaded,) = table(db, "waivers")
    assert loaded["approval_no"] == "青编委〔2026〕1号" and loaded["approved_on"] == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"rule_id": "LEAD_CHIEF_EXPERIENCES"}, "rule_id", "规则编号不是已知规则"),
        ({"township_code": "360799999000"}, "township_code", "乡镇代码在已载入的乡镇中不存在"),
        ({"person_id": "P9"}, "person_id", "人员编号在已载入的人员中不存在"),
        ({"approval_no": ""}, "approval_no", "批准文号不能为空"),
        ({"approved_on": ""}, "approved_on", "批准日期不能为空"),
        ({"valid_until": "2025-12-31"}, "valid_until", "有效期至不能早于批准日期"),
    ],
    ids=["unknown rule", "township not in the file", "unknown person", "no approval number", "no approval date",
         "lapses before approved"],
)
def test_a_bad_waiver_row_is_rejected_with_its_reason(tmp_path, db, cells, column, reason):
    folder = write_folder(tmp_path / "in")
    write_csv(folder / "waivers.csv", [WAIVER, WAIVER | {"waiver_id": "W2"} | cells])
    reports = load_quietly(folder)
    assert (reports[-1].rows_read, reports[-1].rows_loaded, reports[-1].rows_rejected) == (2, 1, 1)
    (reject,) = [r for r in rejects(db) if r["file"] == "waivers.csv"]
    assert reject["row"] == 3 and reject["column"] == column and reason in reject["reason_zh"]


def test_two_waivers_with_one_id_keep_the_first(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    write_csv(folder / "waivers.csv", [WAIVER, WAIVER | {"approval_no": "另一文号"}])
    load_quietly(folder)
    assert [w["approval_no"] for w in table(db, "waivers")] == ["青编委〔2026〕1号"]
    assert "例外编号重复" in rejects(db)[0]["reason_zh"]


def test_a_load_from_before_waivers_existed_builds_with_none(demo_run, tmp_path):
    """A load folder without `waivers/` (written before the input existed) is read as having none."""
    root = tmp_path / "old"
    copy_warehouse(demo_run.db, root)
    current = loaded_path(root / "warehouse.duckdb").resolve()
    shutil.rmtree(current / "waivers")
    env = isolated_env(root) | {"WAREHOUSE_LOADED": str(current)}
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args("build", date(2026, 6, 30), "--select", "stg_waivers", "--indirect-selection", "cautious")],
        env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_waivers").fetchone() == (0,)


# ---- findings, scorecard, summary, manifest (the demo) -------------------------------------------------------------


def test_violations_csv_has_waiver_no_after_citation(demo_run):
    with open(demo_run.out / "violations.csv", encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header[header.index("citation") + 1] == "waiver_no" == header[-1]


def test_a_waiver_in_force_puts_its_approval_number_beside_the_finding_which_stays(demo_run):
    assert violation(demo_run, "LEAD_CHIEF_EXPERIENCE", DAPING, "P0015")["waiver_no"] == "青编委〔2021〕3号"


def test_a_waiver_valid_to_the_as_of_date_itself_covers_the_finding(demo_run):
    assert violation(demo_run, "STAFF_SECONDMENT", QINGLAN, "P0041")["waiver_no"] == "青组干〔2024〕12号"


def test_a_waiver_that_expired_the_day_before_the_as_of_date_covers_nothing(demo_run):
    assert violation(demo_run, "LEAD_TEAM_EXPERIENCE", FENGKENG)["waiver_no"] == ""
    assert scorecard(demo_run, FENGKENG)["status_lead_team_experience"] == "failed"


def test_only_the_covered_findings_carry_a_waiver_number(demo_run):
    waived = {(r["rule_id"], r["township_code"]) for r in read_csv(demo_run.out / "violations.csv") if r["waiver_no"]}
    assert waived == {("LEAD_CHIEF_EXPERIENCE", DAPING), ("STAFF_SECONDMENT", QINGLAN)}


def test_the_scorecard_says_waived_where_every_finding_of_the_rule_is_covered(demo_run):
    assert scorecard(demo_run, DAPING)["status_lead_chief_experience"] == "waived"
    assert scorecard(demo_run, QINGLAN)["status_staff_secondment"] == "waived"
    assert scorecard(demo_run, SHIMEN)["status_org_station_max"] == "passed"


def test_waivers_covering_no_finding_are_listed_in_the_manifest_and_the_summary(demo_run):
    manifest = json.loads((demo_run.out / "run_manifest.json").read_text(encoding="utf-8"))
    listed = {w["waiver_id"]: w["state"] for w in manifest["waivers"]["covering_no_finding"]}
    assert listed == {"LW-2023-04": "in_force", "LW-2025-02": "expired"}
    assert manifest["waivers"]["waivers"] == 4
    assert "waivers covering no finding" in demo_run.result.stdout
    assert "LW-2023-04" in demo_run.result.stdout and "LW-2025-02" in demo_run.result.stdout
    assert "LW-2021-01" not in demo_run.result.stdout


def test_the_waivers_sheet_lists_every_waiver_under_chinese_headers(demo_run):
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        use = con.sql("select * exclude (as_of) from marts.waiver_use order by waiver_id").pl()
    sheet = waivers_sheet(use)
    assert sheet.columns[:3] == ["例外编号", "规则编号", "乡镇代码"] and sheet.columns[-2:] == ["状态", "覆盖问题数"]
    assert dict(zip(sheet["例外编号"], sheet["状态"])) == {
        "LW-2021-01": "有效", "LW-2023-04": "有效", "LW-2024-03": "有效", "LW-2025-02": "已过期"}


# ---- the history keeps waiver_no, and warehouses from before it still work ------------------------------------------


def old_warehouse(demo_run, root: Path) -> Path:
    """A copy of the demo warehouse as an older version wrote it: snapshot_findings without waiver_no, holding a
    snapshot."""
    db = copy_warehouse(demo_run.db, root)
    with duckdb.connect(str(db)) as con:
        con.execute("alter table history.snapshot_findings drop column waiver_no")
        con.execute(
            "insert into history.snapshots values ('2026-05-31@old', 'old', 'x', '[]', '{}', 'r', 1, 1, "
            "'2026-05-31', now())"
        )
        con.execute(
            "insert into history.snapshot_findings (snapshot_id, rule_id, severity, township_code, param_id, "
            "message_zh, citation, event_on) values ('2026-05-31@old', 'ORG_STATION_MAX', 'error', '360799105000', "
            "'ORG_STATION_MAX@3607@2018-01-01#max_stations', '长岗镇', '赣州', '2026-05-31')"
        )
    return db


def test_a_build_carries_the_history_of_a_warehouse_from_before_waiver_no(demo_run, tmp_path):
    previous = old_warehouse(demo_run, tmp_path / "old")
    new = tmp_path / "new.duckdb"
    env = isolated_env(tmp_path) | {
        "WAREHOUSE_DB": str(new), "WAREHOUSE_PREVIOUS_DB": str(previous),
        "WAREHOUSE_LOADED": str(loaded_path(previous).resolve()),
    }
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args("build", date(2026, 6, 30), "--select", "run_info")],
        env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(new), read_only=True) as con:
        carried = con.execute("select snapshot_id, rule_id, waiver_no from history.snapshot_findings").fetchall()
    assert carried == [("2026-05-31@old", "ORG_STATION_MAX", None)]


def test_a_snapshot_into_a_warehouse_from_before_waiver_no_adds_the_column_first(demo_run, tmp_path):
    db = old_warehouse(demo_run, tmp_path)
    with duckdb.connect(str(db), read_only=True) as con:
        assert not history_is_current(con)
    ensure_history_tables(db, PROJECT_DIR)
    with duckdb.connect(str(db), read_only=True) as con:
        assert history_is_current(con)
        assert con.execute("select count(*), count(waiver_no) from history.snapshot_findings").fetchone() == (1, 0)


def test_the_sheet_of_waivers_keeps_every_contract_column_it_has():
    frame = pl.DataFrame({
        "waiver_id": ["W"], "rule_id": ["R"], "township_code": ["T"], "person_id": [None], "period": [None],
        "approval_no": ["N"], "approved_by": ["B"], "reason": ["原因"], "state": ["not_yet_in_force"],
        "findings_covered": [0], "approved_on": [date(2027, 1, 1)], "valid_until": [None],
    })
    sheet = waivers_sheet(frame)
    assert sheet.row(0, named=True)["状态"] == "尚未生效" and sheet.row(0, named=True)["理由"] == "原因"


# ---- the dashboards ------------------------------------------------------------------------------------------------


def test_the_township_page_shows_waived_findings_apart_from_the_findings_that_stand(demo_run):
    data = page_data.Data(page_data.read_warehouse(demo_run.db))
    waived = dashboard.waived_findings_data(data, DAPING)
    assert waived.select("rule_id", "person_id", "waiver_no").rows() == [
        ("LEAD_CHIEF_EXPERIENCE", "P0015", "青编委〔2021〕3号")
    ]
    standing = dashboard.findings_frame(data, DAPING).select("rule_id", "person_id").rows()
    assert ("LEAD_CHIEF_EXPERIENCE", "P0015") not in standing
    page = dashboard.waived_findings_table(data, DAPING).data
    assert "青编委〔2021〕3号" in page and "青岚县机构编制委员会" in page


def test_a_finding_whose_waiver_expired_stands_on_the_township_page(demo_run):
    data = page_data.Data(page_data.read_warehouse(demo_run.db))
    assert dashboard.waived_findings_data(data, FENGKENG).is_empty()
    assert "LEAD_TEAM_EXPERIENCE" in dashboard.findings_frame(data, FENGKENG)["rule_id"].to_list()


def test_a_waivers_own_words_reach_the_township_page_as_text_not_markup():
    hostile = '<img src=x onerror="alert(1)">'
    data = page_data.Data({
        "waived": pl.DataFrame({
            "rule_id": ["LEAD_CHIEF_EXPERIENCE"], "township_code": [DAPING], "township_name": ["大坪乡"],
            "person_id": ["P1"], "person_name": ["张三"], "period": [None],
            "message_zh": ["大坪乡 P1 …"], "waiver_no": [hostile], "approved_by": ["县编委"],
            "approved_on": [date(2021, 2, 20)], "valid_until": [None], "reason": [hostile],
        }),
        "rules": pl.DataFrame({"rule_id": ["LEAD_CHIEF_EXPERIENCE"], "title_zh": ["党政正职任职经历"]}),
        "people": pl.DataFrame({"person_id": ["P1"], "name": ["张三"]}),
    })
    page = dashboard.waived_findings_table(data, DAPING).data
    assert hostile not in page and page.count("&lt;img") == 2

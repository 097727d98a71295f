"""The calendar of deadlines (到期提醒, contract v1.1 / issue 17 §3) on the demo: every run writes deadlines.csv —
the ends of new recruits' lock and minimum service, chiefs' terms reaching the rule's years, the day a team below
the leadership share reaches it — ordered by date, and `export --within DAYS` keeps what falls due soon. The
anniversary boundaries (the day itself, the day before, 29 February) are the dbt unit tests of
models/intermediate/deadlines; the dates below are derived by hand from demo/README.md's scenarios."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from conftest import copy_warehouse, warehouse_cli

from warehouse.outputs import dashboard, page_data
from warehouse.outputs.deadlines import DEADLINE_COLUMNS
from warehouse.outputs.workbook import WORKBOOK

AS_OF = date(2026, 6, 30)
LONGTANG, FENGKENG, CHANGGANG = "360799101000", "360799106000", "360799105000"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def deadlines(out: Path) -> list[dict[str, str]]:
    return read_csv(out / "deadlines.csv")


def due(rows, rule_id: str, township_code: str, person_id: str = "") -> list[str]:
    return [
        r["due_on"] for r in rows
        if (r["rule_id"], r["township_code"], r["person_id"]) == (rule_id, township_code, person_id)
    ]


def test_every_run_writes_deadlines_csv_with_the_contracts_columns_and_a_bom(demo_run):
    raw = (demo_run.out / "deadlines.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0].split(",") == list(DEADLINE_COLUMNS)


def test_deadlines_are_ordered_by_date_and_none_is_already_past(demo_run):
    days = [r["due_on"] for r in deadlines(demo_run.out)]
    assert days and days == sorted(days) and days[0] >= AS_OF.isoformat()
    for row in deadlines(demo_run.out):
        assert row["what_zh"] and row["citation"].startswith("赣州市《")


def test_a_recruit_still_in_a_township_has_the_ends_of_the_lock_and_of_the_minimum_service(demo_run):
    # P0447, recruited 2024-09-01 into 龙塘镇 and still there: lock_years 2 and min_service_years 5.
    rows = deadlines(demo_run.out)
    assert due(rows, "STAFF_TRANSFER_LOCK", LONGTANG, "P0447") == ["2026-09-01"]
    assert due(rows, "STAFF_MIN_SERVICE", LONGTANG, "P0447") == ["2029-09-01"]


def test_a_recruit_who_left_the_townships_has_no_deadline(demo_run):
    # P0035 (杨梅乡, recruited 2024-09-01) resigned on 2025-12-31: nothing falls due for them.
    assert [r for r in deadlines(demo_run.out) if r["person_id"] == "P0035"] == []


def test_a_chief_in_post_has_the_day_the_term_reaches_the_rules_years(demo_run):
    # P0168 has been 长岗镇's party secretary since 2022-04-01: term_years 5.
    assert due(deadlines(demo_run.out), "LEAD_CHIEF_TERM", CHANGGANG, "P0168") == ["2027-04-01"]


def test_a_team_below_the_share_has_the_day_it_reaches_it_if_it_stays_as_it_is(demo_run):
    # 枫坑镇: 8 members, 5 with 730 days; 6 are needed (3 × 6 >= 2 × 8). Of the three short of them, P0013 came
    # first, on 2025-01-10, and has 730 days on 2027-01-10.
    assert due(deadlines(demo_run.out), "LEAD_TEAM_EXPERIENCE", FENGKENG) == ["2027-01-10"]


def test_export_within_days_keeps_what_falls_due_up_to_that_day(demo_run, tmp_path):
    copy_warehouse(demo_run.db, tmp_path)
    warehouse_cli("export", str(tmp_path / "63"), "--within", "63", root=tmp_path, check=True)
    warehouse_cli("export", str(tmp_path / "62"), "--within", "62", root=tmp_path, check=True)
    longer, shorter = deadlines(tmp_path / "63"), deadlines(tmp_path / "62")
    assert due(longer, "STAFF_TRANSFER_LOCK", LONGTANG, "P0447") == ["2026-09-01"]  # 63 days after the as-of date
    assert due(shorter, "STAFF_TRANSFER_LOCK", LONGTANG, "P0447") == []
    assert max(r["due_on"] for r in shorter) <= "2026-08-31"
    assert shorter == [r for r in deadlines(demo_run.out) if r["due_on"] <= "2026-08-31"]


def test_within_must_be_a_number_of_days(demo_run, tmp_path):
    copy_warehouse(demo_run.db, tmp_path)
    result = warehouse_cli("export", str(tmp_path / "out"), "--within", "soon", root=tmp_path)
    assert result.returncode == 2 and "--within" in result.stderr


def test_the_deadlines_sheet_has_the_csvs_columns_under_chinese_headers(demo_run):
    """到期提醒 of the run's workbook: deadlines.csv's rows and columns under Chinese headers, due dates as date cells,
    then the rule's title, the township's name and the days left."""
    import openpyxl

    frame = pl.read_csv(demo_run.out / "deadlines.csv", try_parse_dates=True,
                        schema_overrides={"township_code": pl.String, "person_id": pl.String})
    sheet = openpyxl.load_workbook(demo_run.out / WORKBOOK, read_only=True)["到期提醒"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["规则编号", "乡镇代码", "人员编号", "到期日", "到期事项", "依据", "规则", "乡镇名称", "剩余天数"]
    assert len(rows) - 1 == frame.height
    first = dict(zip(rows[0], rows[1]))
    assert first["到期日"].date() == frame["due_on"][0] and first["乡镇代码"] == frame["township_code"][0]
    assert first["剩余天数"] == (frame["due_on"][0] - AS_OF).days


def test_the_township_page_lists_the_deadlines_due_in_the_next_90_days(demo_run):
    data = page_data.Data(page_data.read_warehouse(demo_run.db))
    shown = [
        (r["rule_id"], r["person_id"], r["due_on"].isoformat())
        for r in dashboard.deadlines_data(data, LONGTANG).iter_rows(named=True)
    ]
    soon = [
        (r["rule_id"], r["person_id"] or None, r["due_on"]) for r in deadlines(demo_run.out)
        if r["township_code"] == LONGTANG and r["due_on"] <= (AS_OF + timedelta(days=90)).isoformat()
    ]
    assert ("STAFF_TRANSFER_LOCK", "P0447", "2026-09-01") in shown  # 63 days after the as-of date
    assert ("STAFF_MIN_SERVICE", "P0447", "2029-09-01") not in shown  # in deadlines.csv, years away
    assert shown == soon
    assert "2026-09-01" in dashboard.deadlines_table(data, LONGTANG).data

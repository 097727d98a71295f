"""Pre-clearance of planned postings (任前审查, contract v1.1 / issue 17 §2), the issue's examples on the demo:

- a recruit of 2024-09-01 (P0447, 龙塘镇) planned to move to a county organ on 2026-07-15 is blocked by the 2-year
  lock, and such a move is allowed only from the 5-year anniversary, 2029-09-01;
- the same recruit planned to move to a township of the same county is allowed from 2026-09-01;
- a planned chief appointment of someone short of the experience rule (P0012, 枫坑镇's deputy head since
  2025-04-01, before that in a county organ: 470 days of township leadership and work on 2026-07-15) gets the day
  their leadership, continuing as now, reaches 2 years (730 days): 2027-04-01;
- a posting that breaks nothing has one row with an empty rule_id; one that no date makes right (a secondment to a
  higher organ) has an empty allowed_from; a malformed file exits 2 with its rejects and judges nothing.

The check runs once (module fixture) on a copy of the demo warehouse; it must leave that copy as it was."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import polars as pl
import pytest
from conftest import DEMO_AS_OF, copy_warehouse, warehouse_cli

from warehouse.outputs.preclearance import PRECLEARANCE_COLUMNS, preclearance_sheet

HEADER = "任职编号,人员编号,单位层级,乡镇代码,县级代码,职务,领导班子成员,党政正职,借调,任职日期"
PLANNED = {
    "TO-COUNTY": "TO-COUNTY,P0447,县级,,360799,县发展和改革委员会科员,否,否,否,2026-07-15",
    "TO-TOWNSHIP": "TO-TOWNSHIP,P0447,乡镇,360799100000,,科员,否,否,否,2026-07-15",
    "CHIEF": "CHIEF,P0012,乡镇,360799106000,,镇长,是,是,否,2026-07-15",
    "FREE": "FREE,P0426,乡镇,360799101000,,科员,否,否,否,2026-07-15",
    "LENT": "LENT,P0470,县级,,360799,县委办公室（借调）,否,否,是,2026-07-15",
}
"""P0426 was recruited on 2023-07-15 into 梅江镇: on 2026-07-15 another township of the county may have them.
P0470 (石门镇) lent to a county organ breaks STAFF_SECONDMENT on any date."""


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def digest(folder: Path) -> dict[str, str]:
    """Every file of the warehouse and its load (the lock file, which the command holds, aside)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock") and "target" not in p.parts
        and "logs" not in p.parts and "out" not in p.parts
    }


@pytest.fixture(scope="module")
def checked(demo_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("check")
    copy_warehouse(demo_run.db, root)
    planned = root / "计划任职.csv"
    planned.write_text("\n".join([HEADER, *PLANNED.values()]) + "\n", encoding="utf-8-sig")
    before = digest(root)
    result = warehouse_cli("check", "--planned", str(planned), "--as-of", DEMO_AS_OF, "--out", str(root / "out"), root=root)
    rows = read_csv(root / "out" / "preclearance.csv") if result.returncode == 0 else []
    return root, result, rows, before


def rows_of(checked, posting_id: str) -> list[dict[str, str]]:
    return [row for row in checked[2] if row["posting_id"] == posting_id]


def test_the_check_exits_0_whatever_it_found(checked):
    _, result, rows, _ = checked
    assert result.returncode == 0, result.stdout + result.stderr
    assert {row["posting_id"] for row in rows} == set(PLANNED)


def test_preclearance_csv_has_the_contracts_columns_and_a_bom(checked):
    raw = (checked[0] / "out" / "preclearance.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0].split(",") == list(PRECLEARANCE_COLUMNS)


def test_a_recruit_moving_to_a_county_organ_within_two_years_is_blocked_until_the_fifth_anniversary(checked):
    (row,) = rows_of(checked, "TO-COUNTY")
    assert (row["person_id"], row["rule_id"], row["severity"]) == ("P0447", "STAFF_TRANSFER_LOCK", "error")
    assert row["allowed_from"] == "2029-09-01"
    assert "P0447" in row["message_zh"] and "2026-07-15" in row["message_zh"] and row["citation"]


def test_the_same_recruit_moving_to_a_township_of_the_same_county_is_allowed_from_the_second_anniversary(checked):
    (row,) = rows_of(checked, "TO-TOWNSHIP")
    assert row["rule_id"] == "STAFF_TRANSFER_LOCK" and row["allowed_from"] == "2026-09-01"


def test_a_chief_short_of_experience_is_allowed_when_leadership_continuing_as_now_reaches_the_rule(checked):
    (row,) = rows_of(checked, "CHIEF")
    assert row["rule_id"] == "LEAD_CHIEF_EXPERIENCE" and row["allowed_from"] == "2027-04-01"
    assert "470" in row["message_zh"]


def test_a_planned_posting_that_breaks_nothing_has_one_row_with_an_empty_rule_id(checked):
    (row,) = rows_of(checked, "FREE")
    assert (row["rule_id"], row["severity"], row["citation"]) == ("", "", "")
    assert row["allowed_from"] == "2026-07-15"


def test_a_posting_no_date_makes_right_has_an_empty_allowed_from(checked):
    (row,) = rows_of(checked, "LENT")
    assert row["rule_id"] == "STAFF_SECONDMENT" and row["allowed_from"] == ""


def test_the_check_leaves_the_warehouse_and_the_load_exactly_as_they_were(checked):
    root, _, _, before = checked
    assert digest(root) == before
    assert not (root / "warehouse.duckdb.check").exists(), "the scratch files are removed"


def test_the_check_prints_each_planned_posting_with_its_verdict(checked):
    out = checked[1].stdout
    assert "TO-COUNTY" in out and "2029-09-01" in out and "breaks no rule" in out


def test_the_preclearance_sheet_has_the_csvs_columns_under_chinese_headers(checked):
    frame = pl.read_csv(checked[0] / "out" / "preclearance.csv", infer_schema=False)
    sheet = preclearance_sheet(frame)
    assert sheet.columns == ["任职编号", "人员编号", "规则编号", "严重程度", "最早可行日期", "审查意见", "依据"]
    assert sheet.height == len(checked[2])


def test_malformed_planned_rows_exit_2_with_their_rejects_and_nothing_judged(demo_run, tmp_path):
    copy_warehouse(demo_run.db, tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "preclearance.csv").write_text("an earlier answer\n", encoding="utf-8")
    planned = tmp_path / "planned.csv"
    planned.write_text("\n".join([
        HEADER,
        PLANNED["FREE"],
        "R00001,P0426,乡镇,360799101000,,科员,否,否,否,2026-07-15",  # a loaded posting's id
        "NOBODY,P9999,乡镇,360799101000,,科员,否,否,否,2026-07-15",  # no such person
        "BEGUN,P0426,乡镇,360799101000,,科员,否,否,否,2026-06-29",  # before the as-of date
        "NODATE,P0426,乡镇,360799101000,,科员,否,否,否,2026-02-30",
    ]) + "\n", encoding="utf-8")
    result = warehouse_cli("check", "--planned", str(planned), "--as-of", DEMO_AS_OF, "--out", str(tmp_path / "out"),
                           root=tmp_path)
    assert result.returncode == 2
    rejects = read_csv(tmp_path / "out" / "preclearance_rejects.csv")
    assert [(r["row"], r["column"]) for r in rejects] == [
        ("3", "posting_id"), ("4", "person_id"), ("5", "start_date"), ("6", "start_date")]
    assert "row 3" in result.stderr and "任职编号已在已载入的任职中" in result.stderr
    assert not (tmp_path / "out" / "preclearance.csv").exists(), "no answer beside the rejects"
    assert "round" not in result.stdout, "nothing was judged"


def test_a_planned_file_without_a_required_column_exits_2(demo_run, tmp_path):
    copy_warehouse(demo_run.db, tmp_path)
    planned = tmp_path / "planned.csv"
    planned.write_text("任职编号,人员编号,单位层级\nX,P0426,乡镇\n", encoding="utf-8")
    result = warehouse_cli("check", "--planned", str(planned), "--out", str(tmp_path / "out"), root=tmp_path)
    assert result.returncode == 2 and "start_date" in result.stderr


def test_a_check_with_a_rulebook_judges_and_dates_by_its_numbers(demo_run, tmp_path):
    """The shipped lock is 2 years (allowed from 2026-09-01, above); a rulebook of 3 moves the date and the message."""
    copy_warehouse(demo_run.db, tmp_path)
    rows = [
        {"rule_id": rule, "jurisdiction_prefix": "3607", "jurisdiction_name": "赣州市", "valid_from": "2018-01-01",
         "valid_until": "", "parameter": parameter, "value": value, "document": "某省《乡镇机构编制管理规定》",
         "document_short": "某省规定", "clause": "第三条", "quote_zh": "最低服务年限为 6 年，3 年内一律不得调动。"}
        for rule, parameter, value in (
            ("STAFF_TRANSFER_LOCK", "lock_years", "3"), ("STAFF_MIN_SERVICE", "lock_years", "3"),
            ("STAFF_MIN_SERVICE", "min_service_years", "6"),
        )
    ]
    rulebook = tmp_path / "rulebook.csv"
    with open(rulebook, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    planned = tmp_path / "planned.csv"
    planned.write_text("\n".join([HEADER, PLANNED["TO-TOWNSHIP"]]) + "\n", encoding="utf-8")
    result = warehouse_cli("check", "--planned", str(planned), "--as-of", DEMO_AS_OF, "--out", str(tmp_path / "out"),
                           "--rulebook", str(rulebook), root=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (row,) = read_csv(tmp_path / "out" / "preclearance.csv")
    assert (row["rule_id"], row["allowed_from"]) == ("STAFF_TRANSFER_LOCK", "2027-09-01")
    assert "未满3年" in row["message_zh"] and "未满2年" not in row["message_zh"]
    assert row["citation"].startswith("某省《乡镇机构编制管理规定》 第三条")

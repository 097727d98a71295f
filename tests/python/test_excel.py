"""Issue 15 / contract v1.1 "Excel": the workbook beside the CSVs, and CSVs Excel opens with the Chinese intact.

Written from the issue: from a fresh clone the demo writes the workbook; opened with openpyxl its code cells are
text, it has no formula cell, its sheets and headers are Chinese; each CSV starts with a BOM and still parses to
the contract's columns.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from warehouse.core.safe_cells import write_csv
from warehouse.inputs.contract import REJECT_COLUMNS
from warehouse.outputs import workbook
from warehouse.outputs.deadlines import DEADLINE_COLUMNS
from warehouse.outputs.workbook import WORKBOOK, Sheet, write_workbook

CONTRACT_VIOLATION_COLUMNS = [
    "rule_id", "severity", "township_code", "person_id", "period", "observed", "limit", "as_of", "message_zh",
    "citation", "waiver_no",
]
"""Contract section 4's columns, and waiver_no (issue 17: added after them)."""
SHEETS = ["违规明细", "乡镇情况", "拒收行", "批准例外", "到期提醒", "规则与依据", "说明"]
BOM = b"\xef\xbb\xbf"
HAN = re.compile(r"[\u4e00-\u9fff]")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def book(demo_run) -> openpyxl.Workbook:
    return openpyxl.load_workbook(demo_run.out / WORKBOOK)


def table(sheet) -> list[dict[str, object]]:
    """The sheet's first table as rows keyed by header (stops at the first empty row)."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    found = []
    for row in rows:
        if all(value is None for value in row):
            break
        found.append(dict(zip(header, row)))
    return found


def cells(sheet, header: str):
    column = [cell.value for cell in sheet[1]].index(header) + 1
    return [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column) if row[0].value is not None]


# --- the workbook ------------------------------------------------------------------------------------------------


def test_the_demo_writes_the_workbook_beside_the_csvs_with_the_seven_chinese_sheets(demo_run, book):
    assert (demo_run.out / WORKBOOK).parent == (demo_run.out / "violations.csv").parent
    assert book.sheetnames == SHEETS


def test_every_header_of_the_workbook_is_chinese(book):
    for sheet in book.worksheets:
        headers = [cell.value for cell in sheet[1] if cell.value is not None]
        assert headers, sheet.title
        english = [header for header in headers if not HAN.search(header) and header != "SHA-256"]
        assert english == [], f"{sheet.title}: {english}"


def test_code_and_id_cells_are_text_keeping_every_digit(demo_run, book):
    findings = book["违规明细"]
    for header in ("乡镇代码", "县级代码", "人员编号", "规则编号"):
        column = cells(findings, header)
        assert column and all(cell.data_type == "s" for cell in column), header
    codes = [cell.value for cell in cells(findings, "乡镇代码")]
    assert codes == [row["township_code"] for row in read_csv(demo_run.out / "violations.csv")]
    assert all(re.fullmatch(r"\d{12}", code) for code in codes)
    scorecard = cells(book["乡镇情况"], "乡镇代码")
    assert [cell.value for cell in scorecard] == [row["township_code"] for row in read_csv(demo_run.out / "township_scorecard.csv")]
    assert all(cell.data_type == "s" for cell in scorecard)


def test_no_cell_of_the_workbook_is_a_formula(demo_run, book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
    with zipfile.ZipFile(demo_run.out / WORKBOOK) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_dates_are_date_cells_and_counts_are_numbers(book):
    findings = book["违规明细"]
    for header in ("核查基准日", "发生日期"):
        column = cells(findings, header)
        assert column and all(cell.is_date for cell in column), header
    assert {cell.value for cell in cells(findings, "核查基准日")} == {datetime(2026, 6, 30)}
    assert all(cell.data_type == "n" for cell in cells(findings, "期间（年度）"))
    assert all(cell.data_type == "n" for cell in cells(book["乡镇情况"], "综合性办公室"))


def test_each_finding_is_one_row_with_what_was_observed_and_the_limit_in_words(demo_run, book):
    rows = table(book["违规明细"])
    found = read_csv(demo_run.out / "violations.csv")
    assert [(r["规则编号"], r["乡镇代码"], r["人员编号"] or "", str(r["期间（年度）"] or "")) for r in rows] == [
        (f["rule_id"], f["township_code"], f["person_id"], f["period"]) for f in found
    ]
    ratio = next(r for r in rows if r["规则编号"] == "APPR_EXCELLENT_RATIO" and r["乡镇名称"] == "石门镇")
    assert (ratio["发现情况"], ratio["标准"]) == ("19 人中优秀 4 人", "优秀不超过 20%")
    assert ratio["规则"] == "年度考核优秀比例" and ratio["严重程度"] == "错误"
    assert ratio["问题说明"].startswith("石门镇 2020 年度") and ratio["依据"].startswith("赣州市《")
    assert all(r["发现情况"] and r["标准"] for r in rows)
    assert {r["严重程度"] for r in rows} == {"错误", "警告"}


def test_the_scorecard_says_passed_failed_or_not_covered_in_chinese_for_every_rule(demo_run, book):
    rows = table(book["乡镇情况"])
    scorecard = read_csv(demo_run.out / "township_scorecard.csv")
    labels = {"passed": "通过", "failed": "违规", "not_covered": "不适用"}
    assert len(rows) == len(scorecard)
    for row, csv_row in zip(rows, scorecard):
        assert row["乡镇代码"] == csv_row["township_code"]
        assert row["综合性办公室数量"] == labels[csv_row["status_org_office_count"]]
        assert row["标准机构设置"] == "不适用"  # no version of ORG_STANDARD_STRUCTURE ships
        assert row["类型"] in {"镇", "乡", "民族乡", "街道"}
        assert row["规模较小"] in {"是", "否"}
    statuses = {value for row in rows for key, value in row.items() if key in {"综合性办公室数量", "年度考核优秀比例"}}
    assert statuses == {"通过", "违规", "不适用"}  # 赣州's rules do not cover 江苏's townships


def test_every_sheet_has_its_header_row_frozen_a_filter_and_fitted_widths(book):
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        widths = [dimension.width for dimension in sheet.column_dimensions.values()]
        # the file stores a width with Excel's cell padding added (xlsxwriter: +0.71 of a character)
        assert widths and all(4 <= width <= workbook.WIDEST + 1 for width in widths), sheet.title
    findings = book["违规明细"].column_dimensions
    assert findings["A"].width > findings["E"].width  # a rule title is wider than a county code


def test_the_rules_sheet_lists_each_parameter_with_its_unit_meaning_and_citation_then_the_documents(book):
    sheet = book["规则与依据"]
    rows = table(sheet)
    station = next(r for r in rows if r["参数"] == "max_stations")
    assert (station["取值"], station["单位"], station["辖区"]) == ("7", "个", "赣州市")
    assert station["参数含义"] and station["原文"] and station["条款"] == "二(一)4"
    assert station["生效日期"] == datetime(2018, 1, 1)
    assert next(r for r in rows if r["参数"] == "small_township_posts_exempt")["取值"] == "是"
    standard = [r for r in rows if r["规则编号"] == "ORG_STANDARD_STRUCTURE"]
    assert len(standard) == 1 and "不适用" in standard[0]["辖区"]
    texts = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert "依据文件 / documents" in texts
    assert any(str(text).startswith("004") for text in texts)  # 赣州市's plan, as rulebook_documents.csv lists it


def test_the_notes_sheet_says_the_manifest_in_words(demo_run, book):
    notes = dict(row for row in book["说明"].iter_rows(min_row=2, values_only=True))
    assert notes["核查基准日"] == "2026-06-30"
    assert notes["用户规则库"].startswith("无")
    assert "读取 18 行，载入 18 行，拒收 0 行" in notes["输入文件：乡镇"]
    assert notes["结果"].startswith("违规 22 条，检查乡镇 18 个")
    assert "不适用" in notes["状态"] and notes["工作表：违规明细"].endswith("共 22 行")
    assert "township-warehouse" in notes["软件版本"]


def test_a_table_longer_than_a_sheet_goes_on_into_numbered_sheets_and_the_notes_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 4)  # a header and three rows a sheet
    frame = pl.DataFrame({"乡镇代码": [f"36079910{n:04d}" for n in range(7)], "数量": list(range(7))})
    path = tmp_path / WORKBOOK
    written = write_workbook(path, [Sheet("违规明细", frame, about="每条违规一行")], {"as_of": "2026-06-30"})
    assert written.names["违规明细"] == ["违规明细", "违规明细（2）", "违规明细（3）"]
    book = openpyxl.load_workbook(path)
    # 说明 is longer than three rows too, so at this limit it goes on into 说明（2） … as well
    assert book.sheetnames[:4] == ["违规明细", "违规明细（2）", "违规明细（3）", "说明"]
    assert [[c for c, _ in book[name].iter_rows(min_row=2, values_only=True)] for name in written.names["违规明细"]] == [
        frame["乡镇代码"][0:3].to_list(), frame["乡镇代码"][3:6].to_list(), frame["乡镇代码"][6:].to_list()
    ]
    assert all(book[name]["A1"].value == "乡镇代码" for name in written.names["违规明细"])
    notes = dict(row for name in book.sheetnames if name.startswith("说明")
                 for row in book[name].iter_rows(min_row=2, values_only=True))
    assert "违规明细（2）" in notes["工作表：违规明细"] and "上限" in notes["工作表：违规明细"]


def test_a_text_longer_than_a_cell_holds_is_cut_to_fit_and_dates_and_booleans_keep_their_kind(tmp_path):
    frame = pl.DataFrame(
        {"记录": ["甲" * 40_000], "日期": [date(2026, 6, 30)], "是否": [True], "数量": [None]},
        schema_overrides={"数量": pl.Int32},
    )
    path = tmp_path / WORKBOOK
    write_workbook(path, [Sheet("拒收行", frame)], {"as_of": "2026-06-30"})
    row = list(openpyxl.load_workbook(path)["拒收行"].iter_rows(min_row=2, max_row=2))[0]
    assert len(row[0].value) == workbook.MAX_TEXT and row[0].value.endswith("…")
    assert row[1].is_date and row[2].value == "是" and row[3].value is None


# --- Excel-safe CSVs ----------------------------------------------------------------------------------------------


def test_each_csv_output_starts_with_a_bom_and_still_parses_to_the_contracts_columns(demo_run):
    expected = {
        "violations.csv": CONTRACT_VIOLATION_COLUMNS,
        "rejects.csv": list(REJECT_COLUMNS),
        "deadlines.csv": list(DEADLINE_COLUMNS),
    }
    for name in ("violations.csv", "township_scorecard.csv", "rejects.csv", "deadlines.csv"):
        raw = (demo_run.out / name).read_bytes()
        assert raw.startswith(BOM), name
        assert not raw[len(BOM):].startswith(BOM), name
        with open(demo_run.out / name, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
        if name in expected:
            assert header == expected[name], name
        else:
            assert header[:3] == ["township_code", "county_code", "township_name"], name
        assert pl.read_csv(demo_run.out / name, infer_schema=False).columns == header, name
    assert "石门镇".encode("utf-8") in (demo_run.out / "violations.csv").read_bytes()


def test_the_one_csv_writer_puts_the_bom_before_utf8_text_and_reads_back_the_same(tmp_path):
    frame = pl.DataFrame({"township_code": ["360799102000"], "township_name": ["石门镇"], "observed": ["4/19"]})
    write_csv(frame, tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(BOM + b"township_code,")
    assert raw[len(BOM):].decode("utf-8").splitlines()[1] == "360799102000,石门镇,4/19"
    assert pl.read_csv(tmp_path / "out.csv", infer_schema=False).equals(frame)

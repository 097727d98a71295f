"""`warehouse load` (contract sections 1 and 5): every input format, every kind of bad row, and the guarantees
around the warehouse file (one transaction, nothing in clear)."""

from __future__ import annotations

import copy
import csv
import hashlib
import hmac
import io
import json
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from conftest import DEMO_DIR

from warehouse.core.paths import loaded_path, loaded_root
from warehouse.engine.db import reading_load
from warehouse.inputs import load as load_module
from warehouse.inputs.contract import ENTITIES, ENTITY_BY_NAME, REJECT_COLUMNS
from warehouse.inputs.load import FileReport, InputError, decode_csv, load_inputs

Rows = list[dict[str, str]]

# A small county in the contract's words: two townships, two units, three people, their postings and appraisals.
# Every value is written the plainest way (English codes, ISO dates, 12-digit codes); the other tests write the
# same facts the other ways the contract accepts and expect the same warehouse.
GOOD: dict[str, Rows] = {
    "townships": [
        {"township_code": "360799100000", "township_name": "梅江镇", "township_type": "town",
         "county_code": "360799", "is_small": "false", "is_developed_town": "false", "approved_leader_posts": "9"},
        {"township_code": "360799101000", "township_name": "黄石乡", "township_type": "township",
         "county_code": "360799", "is_small": "true", "is_developed_town": "false", "approved_leader_posts": ""},
    ],
    "units": [
        {"unit_id": "U1", "township_code": "360799100000", "unit_name": "党政综合办公室", "unit_kind": "office",
         "established_on": "2019-03-01", "abolished_on": ""},
        {"unit_id": "U2", "township_code": "360799101000", "unit_name": "便民服务中心", "unit_kind": "center",
         "established_on": "2019-03-01", "abolished_on": "2024-01-01"},
    ],
    "people": [
        {"person_id": "P1", "name": "张三", "id_number": "11010519491231002X", "gender": "male",
         "birth_date": "1949-12-31", "staff_category": "civil_servant", "recruited_on": "2015-03-01"},
        {"person_id": "P2", "name": "李四", "id_number": "440524188001010014", "gender": "female",
         "birth_date": "", "staff_category": "social_worker", "recruited_on": ""},
        {"person_id": "P3", "name": "王五", "id_number": "", "gender": "", "birth_date": "",
         "staff_category": "other", "recruited_on": ""},
    ],
    "postings": [
        {"posting_id": "T1", "person_id": "P1", "org_level": "township", "township_code": "360799100000",
         "county_code": "", "unit_id": "U1", "position": "党委书记", "is_leadership": "true", "is_chief": "true",
         "is_secondment": "false", "start_date": "2018-01-01", "end_date": "", "end_reason": ""},
        {"posting_id": "T2", "person_id": "P2", "org_level": "county", "township_code": "",
         "county_code": "360799", "unit_id": "", "position": "科员", "is_leadership": "false", "is_chief": "false",
         "is_secondment": "false", "start_date": "2015-03-01", "end_date": "2018-02-28", "end_reason": "transfer"},
        {"posting_id": "T3", "person_id": "P2", "org_level": "township", "township_code": "360799101000",
         "county_code": "360799", "unit_id": "U2", "position": "科员", "is_leadership": "false",
         "is_chief": "false", "is_secondment": "false", "start_date": "2018-03-01", "end_date": "",
         "end_reason": ""},
        {"posting_id": "T4", "person_id": "P3", "org_level": "township", "township_code": "360799100000",
         "county_code": "", "unit_id": "", "position": "", "is_leadership": "", "is_chief": "",
         "is_secondment": "", "start_date": "2020-01-01", "end_date": "", "end_reason": ""},
    ],
    "appraisals": [
        {"person_id": "P1", "year": "2020", "township_code": "360799100000", "grade": "excellent"},
        {"person_id": "P1", "year": "2021", "township_code": "360799100000", "grade": "competent"},
        {"person_id": "P2", "year": "2020", "township_code": "360799101000", "grade": "not_graded"},
    ],
}
CLEAR_IDS = ("11010519491231002X", "440524188001010014")


# --- writing input folders ---------------------------------------------------------------------------------------


def write_csv(path: Path, rows: Rows, *, encoding: str = "utf-8", headers: list[str] | None = None) -> Path:
    headers = headers or list(rows[0])
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows([row.get(h, "") for h in headers] for row in rows)
    return path


def write_folder(folder: Path, data: dict[str, Rows] = GOOD, *, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for entity, rows in data.items():
        write_csv(folder / f"{entity}.csv", rows, encoding=encoding)
    return folder


def changed(entity: str, row: int, **cells: str) -> dict[str, Rows]:
    """GOOD with some cells of one row replaced (row 0 is the first data row, Excel row 2)."""
    data = copy.deepcopy(GOOD)
    data[entity][row].update(cells)
    return data


def with_rows(entity: str, *rows: dict[str, str]) -> dict[str, Rows]:
    data = copy.deepcopy(GOOD)
    data[entity].extend(rows)
    return data


def in_chinese(data: dict[str, Rows]) -> dict[str, Rows]:
    """The same facts as an office on Chinese Windows types them: Chinese file names, headers, labels and
    booleans, dates like 2019年3月1日, and 9-digit township codes."""
    out: dict[str, Rows] = {}
    for name, rows in data.items():
        entity = ENTITY_BY_NAME[name]
        out[entity.alias] = [
            {entity.column(k).alias: chinese_value(entity.column(k), v) for k, v in row.items()} for row in rows
        ]
    return out


def chinese_value(column, value: str) -> str:
    if value == "":
        return value
    if column.kind == "enum":
        return column.enum[value]
    if column.kind == "bool":
        return {"true": "是", "false": "否"}[value]
    if column.kind == "date":
        day = date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日"
    if column.kind == "code" and len(value) == 12 and value.endswith("000"):
        return value[:9]
    return value


def typed_cell(column, value: str):
    """A cell as Excel stores what an office types: dates as dates, codes and numbers as numbers."""
    if value == "" or not value.isascii():
        return value or None
    if column.kind == "date":
        return date.fromisoformat(value)
    if column.kind in ("code", "int"):
        return int(value)
    if column.kind == "bool":
        return value == "true"
    return value


def write_xlsx(path: Path, entity_name: str, rows: Rows, *, sheet: str | None = None, before: str | None = None,
               blank_row_after: int | None = None) -> Path:
    entity = ENTITY_BY_NAME[entity_name]
    column_of = {c.name: c for c in entity.columns} | {c.alias: c for c in entity.columns}
    workbook = openpyxl.Workbook()
    first = workbook.active
    if before is not None:
        first.title = before
        first.append(["说明"])
        target = workbook.create_sheet(sheet or entity.alias)
    else:
        target = first
        target.title = sheet or "Sheet1"
    headers = list(rows[0])
    target.append(headers)
    for number, row in enumerate(rows):
        target.append([typed_cell(column_of[h], row[h]) for h in headers])
        if number == blank_row_after:
            target.append([])
    for cells in target.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy/m/d"
    workbook.save(path)
    return path


def write_parquet(path: Path, entity_name: str, rows: Rows) -> Path:
    """Typed columns as a data pipeline writes them: Date, Boolean and integer columns, codes as numbers."""
    entity = ENTITY_BY_NAME[entity_name]
    columns = {}
    for column in entity.columns:
        values = [typed_cell(column, row[column.name]) for row in rows]
        dtype = {"date": pl.Date, "bool": pl.Boolean, "int": pl.Int32, "code": pl.Int64}.get(column.kind, pl.String)
        columns[column.name] = pl.Series(values, dtype=dtype)
    pl.DataFrame(columns).write_parquet(path)
    return path


# --- reading the warehouse ---------------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    """The warehouse of one test; its id_number key is the key file beside it."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_DB", str(path))
    monkeypatch.delenv("WAREHOUSE_ID_KEY", raising=False)
    monkeypatch.delenv("WAREHOUSE_ID_SALT", raising=False)
    return path


def load_quietly(folder: Path) -> list[FileReport]:
    return load_inputs(folder, log=lambda line: None)


def query(db: Path, sql: str) -> list[tuple]:
    """SQL over the current load of the warehouse at `db`, its tables as `raw.<name>` (what a build reads)."""
    with reading_load(loaded_path(db)) as con:
        return con.sql(sql).fetchall()


def table(db: Path, name: str) -> list[dict]:
    with reading_load(loaded_path(db)) as con:
        return con.sql(f"select * from raw.{name} order by all").pl().to_dicts()


def entity_tables(db: Path) -> dict[str, list[dict]]:
    return {entity.name: table(db, entity.name) for entity in ENTITIES}


def rejects(db: Path) -> list[dict]:
    return table(db, "rejects")


def only_reject(db: Path, file: str) -> dict:
    lines = [r for r in rejects(db) if r["file"] == file]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def english_warehouse(tmp_path_factory, db) -> dict[str, list[dict]]:
    """The warehouse GOOD gives as English UTF-8 CSV: what every other way of writing it must give too. Loaded
    with the test's own key (the key file beside `db`, the warehouse of `$WAREHOUSE_DB`), so the hashes compare."""
    root = tmp_path_factory.mktemp("english")
    path = root / "warehouse.duckdb"
    load_inputs(write_folder(root / "in"), path, log=lambda line: None)
    return entity_tables(path)


# --- formats -----------------------------------------------------------------------------------------------------


def test_english_utf8_csv_loads_every_row(tmp_path, db):
    reports = load_quietly(write_folder(tmp_path / "in"))
    assert [(r.entity, r.rows_read, r.rows_loaded, r.rows_rejected) for r in reports] == [
        ("townships", 2, 2, 0), ("units", 2, 2, 0), ("people", 3, 3, 0), ("postings", 4, 4, 0),
        ("appraisals", 3, 3, 0),
    ]
    assert rejects(db) == []
    township = table(db, "townships")[0]
    assert township == {
        "township_code": "360799100000", "township_name": "梅江镇", "township_type": "town",
        "county_code": "360799", "is_small": False, "is_developed_town": False, "approved_leader_posts": 9,
        "source_row": 2,
    }


def test_utf8_bom_csv_loads_like_utf8(tmp_path, db, english_warehouse):
    load_quietly(write_folder(tmp_path / "in", encoding="utf-8-sig"))
    assert entity_tables(db) == english_warehouse


def test_gb18030_csv_loads_like_utf8(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in", encoding="gb18030")
    assert "梅江镇".encode("gb18030") in (folder / "townships.csv").read_bytes()
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_chinese_file_names_headers_labels_booleans_and_dates_load_like_english(tmp_path, db, english_warehouse):
    folder = tmp_path / "in"
    write_folder(folder, in_chinese(GOOD), encoding="gb18030")
    assert (folder / "乡镇.csv").read_text(encoding="gb18030").splitlines()[0].startswith("乡镇代码,乡镇名称,类型")
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_xlsx_with_date_cells_and_numeric_code_cells_loads_like_csv(tmp_path, db, english_warehouse):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, rows in GOOD.items():
        write_xlsx(folder / f"{name}.xlsx", name, rows)
    sheet = openpyxl.load_workbook(folder / "units.xlsx").active
    assert isinstance(sheet["B2"].value, int) and sheet["E2"].is_date
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_chinese_xlsx_loads_like_english_csv(tmp_path, db, english_warehouse):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, rows in in_chinese(GOOD).items():
        entity = next(e for e in ENTITIES if e.alias == name)
        write_xlsx(folder / f"{name}.xlsx", entity.name, rows, sheet=name)
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_xlsx_row_numbers_are_the_sheets_own(tmp_path, db):
    folder = write_folder(tmp_path / "in", changed("people", 2, name=""))
    (folder / "people.csv").unlink()
    people = changed("people", 2, name="")["people"]
    write_xlsx(folder / "people.xlsx", "people", people, blank_row_after=0)
    reports = load_quietly(folder)
    assert next(r for r in reports if r.entity == "people").rows_read == 3
    assert only_reject(db, "people.xlsx")["row"] == 5
    assert [row["source_row"] for row in table(db, "people")] == [2, 4]


def test_xlsx_sheet_named_like_the_entity_is_read_rather_than_the_first(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in")
    (folder / "townships.csv").unlink()
    write_xlsx(folder / "乡镇.xlsx", "townships", GOOD["townships"], sheet="乡镇", before="填表说明")
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_parquet_with_typed_columns_loads_like_csv(tmp_path, db, english_warehouse):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, rows in GOOD.items():
        write_parquet(folder / f"{name}.parquet", name, rows)
    assert pl.read_parquet(folder / "units.parquet").schema["established_on"] == pl.Date
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_parquet_strings_are_parsed_like_csv_cells(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in")
    (folder / "appraisals.csv").unlink()
    pl.DataFrame(GOOD["appraisals"]).write_parquet(folder / "appraisals.parquet")
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


@pytest.mark.parametrize("given", ["2019-03-01", "2019/3/1", "2019.3.1", "2019年3月1日", "20190301",
                                   "２０１９－０３－０１", "43525"])
def test_every_date_style_loads_as_the_same_day(tmp_path, db, given):
    load_quietly(write_folder(tmp_path / "in", changed("units", 0, established_on=given)))
    assert table(db, "units")[0]["established_on"] == date(2019, 3, 1)
    assert rejects(db) == []


def test_full_width_digits_and_padding_spaces_are_normalised(tmp_path, db, english_warehouse):
    data = changed("townships", 0, township_code="３６０７９９１００", township_name=" 梅江镇\u3000",
                   approved_leader_posts="９")
    load_quietly(write_folder(tmp_path / "in", data))
    assert entity_tables(db) == english_warehouse


def test_nine_digit_township_codes_are_padded_with_000_everywhere(tmp_path, db):
    data = copy.deepcopy(GOOD)
    for rows in data.values():
        for row in rows:
            if row.get("township_code"):
                row["township_code"] = row["township_code"][:9]
    load_quietly(write_folder(tmp_path / "in", data))
    assert rejects(db) == []
    for name in ("townships", "units", "postings", "appraisals"):
        codes = {row["township_code"] for row in table(db, name)} - {None}
        assert codes <= {"360799100000", "360799101000"}, name


def test_english_file_names_and_extensions_are_matched_in_any_case(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in")
    (folder / "townships.csv").rename(folder / "Townships.CSV")
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_extra_columns_are_kept_as_extra_varchar_columns(tmp_path, db):
    data = copy.deepcopy(GOOD)
    data["townships"][0]["备注"] = "试点镇"
    folder = write_folder(tmp_path / "in", data)
    write_csv(folder / "townships.csv", data["townships"], headers=[*GOOD["townships"][0], "备注"])
    load_quietly(folder)
    columns = query(db, "select column_name, data_type from information_schema.columns "
                        "where table_schema = 'raw' and table_name = 'townships' order by ordinal_position")
    assert columns[-1] == ("extra__备注", "VARCHAR")
    assert [row["extra__备注"] for row in table(db, "townships")] == ["试点镇", None]


def test_raw_tables_have_the_contract_columns_in_order_with_their_types(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in"))
    columns = query(db, "select column_name, data_type from information_schema.columns "
                        "where table_schema = 'raw' and table_name = 'people' order by ordinal_position")
    assert columns == [
        ("person_id", "VARCHAR"), ("name", "VARCHAR"), ("id_number_hash", "VARCHAR"),
        ("id_number_masked", "VARCHAR"), ("gender", "VARCHAR"), ("birth_date", "DATE"),
        ("staff_category", "VARCHAR"), ("recruited_on", "DATE"), ("source_row", "INTEGER"),
    ]
    reject_columns = query(db, "select column_name from information_schema.columns where table_schema = 'raw' "
                               "and table_name = 'rejects' order by ordinal_position")
    assert tuple(name for (name,) in reject_columns) == REJECT_COLUMNS


def test_a_township_posting_without_county_code_takes_the_townships_county(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in"))
    postings = {row["posting_id"]: row for row in table(db, "postings")}
    assert postings["T1"]["county_code"] == "360799"
    assert postings["T2"]["county_code"] == "360799"
    assert postings["T2"]["township_code"] is None


def test_blank_rows_are_not_rows_and_row_numbers_stay_those_of_the_file(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    lines = (folder / "people.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[3].replace("王五", "")
    (folder / "people.csv").write_text("\n".join([lines[0], lines[1], "", ",,,,,,", lines[2], bad]) + "\n",
                                       encoding="utf-8")
    reports = load_quietly(folder)
    people = next(r for r in reports if r.entity == "people")
    assert (people.rows_read, people.rows_loaded, people.rows_rejected) == (3, 2, 1)
    assert only_reject(db, "people.csv")["row"] == 6
    assert [row["source_row"] for row in table(db, "people")] == [2, 5]


# --- bad rows ----------------------------------------------------------------------------------------------------

BAD_CELLS = [
    # entity, row, cells, column blamed, part of reason_zh, part of reason_en
    ("townships", 1, {"township_code": "3607991010"}, "township_code", "应为 9 或 12 位数字", "9 or 12 digits"),
    ("townships", 1, {"township_code": "36079910100A"}, "township_code", "应为数字代码", "code of digits"),
    ("townships", 1, {"township_name": ""}, "township_name", "乡镇名称不能为空", "township_name is required"),
    ("townships", 1, {"county_code": "36079"}, "county_code", "应为 6 位数字", "6 digits"),
    ("townships", 1, {"township_type": "city"}, "township_type", "类型取值无法识别", "unrecognised value"),
    ("townships", 1, {"is_small": "maybe"}, "is_small", "无法识别的是否值", "unrecognised yes/no value"),
    ("townships", 1, {"approved_leader_posts": "nine"}, "approved_leader_posts", "应为整数", "whole number"),
    ("units", 1, {"established_on": "2019-02-30"}, "established_on", "日期不存在", "no such date"),
    ("units", 1, {"established_on": "March 2019"}, "established_on",
     "日期无法识别：应为 2019-03-01、2019/3/1、2019年3月1日 等格式",
     "unrecognised date: expected a form like 2019-03-01, 2019/3/1 or 2019年3月1日"),
    ("units", 1, {"established_on": ""}, "established_on", "设立日期不能为空", "established_on is required"),
    ("units", 1, {"abolished_on": "2019-03-01"}, "abolished_on", "撤销日期应晚于设立日期",
     "abolished_on must be after established_on"),
    ("units", 1, {"township_code": "360799199000"}, "township_code", "在已载入的乡镇中不存在",
     "not found among the loaded townships"),
    ("people", 1, {"id_number": "440524188001010015"}, "id_number", "校验位不正确", "wrong check digit"),
    ("people", 1, {"id_number": "44052418800101001"}, "id_number", "应为 18 位", "18 characters"),
    ("people", 1, {"gender": "M"}, "gender", "性别取值无法识别", "unrecognised value"),
    ("postings", 1, {"end_date": "2015-02-28"}, "end_date", "离任日期不能早于任职日期",
     "end_date must not be before start_date"),
    ("postings", 2, {"township_code": ""}, "township_code", "单位层级为乡镇时，乡镇代码不能为空",
     "required when org_level is township"),
    ("postings", 1, {"township_code": "360799100000"}, "township_code", "单位层级不是乡镇时，乡镇代码应为空",
     "must be empty when org_level is not township"),
    ("postings", 2, {"county_code": "360700"}, "county_code", "与该乡镇所属县级代码 360799 不一致",
     "differs from the township's county 360799"),
    ("postings", 2, {"unit_id": "U1"}, "unit_id", "机构属于乡镇 360799100000", "belongs to township 360799100000"),
    ("postings", 1, {"unit_id": "U1"}, "unit_id", "单位层级不是乡镇", "org_level is not township"),
    ("postings", 2, {"unit_id": "U9"}, "unit_id", "在已载入的机构中不存在", "not found among the loaded units"),
    ("postings", 2, {"person_id": "P9"}, "person_id", "在已载入的人员中不存在", "not found among the loaded people"),
    ("postings", 2, {"org_level": "village"}, "org_level", "单位层级取值无法识别", "unrecognised value"),
    ("appraisals", 2, {"grade": "good"}, "grade", "等次取值无法识别", "unrecognised value"),
    ("appraisals", 2, {"year": "2020.5"}, "year", "年度应为整数", "whole number"),
    ("appraisals", 2, {"person_id": "P9"}, "person_id", "在已载入的人员中不存在", "not found among the loaded people"),
    # Every code column: a code Excel showed in scientific notation has lost digits.
    *((entity, row, {column: value}, column, "科学计数法", "scientific notation") for entity, row, column, value in (
        ("townships", 1, "township_code", "3.60799E+11"),
        ("townships", 1, "county_code", "3.607E+05"),
        ("units", 1, "township_code", "3.607991E+11"),
        ("postings", 2, "township_code", "3.60799e11"),
        ("postings", 1, "county_code", "3.607E+05"),
        ("appraisals", 2, "township_code", "３.６０７９９Ｅ＋１１"),
    )),
]


@pytest.mark.parametrize("entity, row, cells, column, zh, en", BAD_CELLS,
                         ids=[f"{e}.{c}={next(iter(v.values()))!r}" for e, _, v, c, _, _ in BAD_CELLS])
def test_a_bad_row_lands_in_rejects_with_file_row_column_value_and_reason(tmp_path, db, entity, row, cells,
                                                                          column, zh, en):
    load_quietly(write_folder(tmp_path / "in", changed(entity, row, **cells)))
    reject = only_reject(db, f"{entity}.csv")
    assert (reject["entity"], reject["row"], reject["column"]) == (entity, row + 2, column)
    given = next(iter(cells.values()))
    shown = given if column != "id_number" else "*" * len(given)
    assert reject["value"] == shown
    assert json.loads(reject["record"])[column] == (shown or None)
    assert zh in reject["reason_zh"] and en in reject["reason_en"]
    loaded = [r["source_row"] for r in table(db, entity)]
    assert row + 2 not in loaded and len(loaded) == len(GOOD[entity]) - 1


def test_a_row_with_several_problems_names_every_column_and_every_reason(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in", changed("units", 1, township_code="12", unit_kind="shop",
                                                       established_on="2019-02-30")))
    reject = only_reject(db, "units.csv")
    assert reject["column"] == "township_code; unit_kind; established_on"
    assert reject["value"] == "12; shop; 2019-02-30"
    assert reject["reason_zh"].count("；") == 2 and reject["reason_en"].count("; ") == 2
    assert reject["reason_zh"].startswith("乡镇代码应为 9 或 12 位数字；机构类别取值无法识别")


def test_a_duplicate_key_loads_the_first_row_and_rejects_the_later_naming_the_first(tmp_path, db):
    data = with_rows("appraisals", {"person_id": "P1", "year": "2020", "township_code": "360799100000",
                                    "grade": "competent"})
    load_quietly(write_folder(tmp_path / "in", data))
    reject = only_reject(db, "appraisals.csv")
    assert (reject["row"], reject["column"], reject["value"]) == (5, "person_id; year", "P1; 2020")
    assert "第 2 行" in reject["reason_zh"] and "row 2" in reject["reason_en"]
    assert [(r["person_id"], r["year"], r["grade"]) for r in table(db, "appraisals") if r["year"] == 2020] == [
        ("P1", 2020, "excellent"), ("P2", 2020, "not_graded"),
    ]


def test_a_reference_to_a_rejected_row_is_rejected_too(tmp_path, db):
    """A unit must belong to a loaded township, and a posting's unit must be loaded. The township itself is not a
    reference of postings and appraisals (contract section 1): its appraisal is kept, for no loaded township."""
    load_quietly(write_folder(tmp_path / "in", changed("townships", 1, county_code="bad")))
    assert only_reject(db, "townships.csv")["row"] == 3
    assert only_reject(db, "units.csv")["column"] == "township_code"
    assert {r["row"] for r in rejects(db) if r["file"] == "postings.csv"} == {4}
    assert {r["row"] for r in rejects(db) if r["file"] == "appraisals.csv"} == set()
    assert ("P2", "360799101000") in {(r["person_id"], r["township_code"]) for r in table(db, "appraisals")}


def test_a_rejected_person_takes_their_postings_and_appraisals_with_them(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in", changed("people", 0, id_number="11010519491231002Y")))
    assert {(r["file"], r["row"], r["column"]) for r in rejects(db)} == {
        ("people.csv", 2, "id_number"), ("postings.csv", 2, "person_id"),
        ("appraisals.csv", 2, "person_id"), ("appraisals.csv", 3, "person_id"),
    }


def test_a_scientific_code_cell_is_rejected_saying_digits_were_lost_and_how_to_fix_it(tmp_path, db):
    """Excel shows 360799101000 as 3.60799E+11 (and so every code from 360799000000 to 360799499999): read as
    the digits, it would be 360799000000 — another township's identity. Never guessed."""
    load_quietly(write_folder(tmp_path / "in", changed("townships", 1, township_code="3.60799E+11")))
    reject = only_reject(db, "townships.csv")
    assert (reject["row"], reject["column"], reject["value"]) == (3, "township_code", "3.60799E+11")
    assert reject["reason_zh"].startswith("乡镇代码是科学计数法")
    assert "丢失" in reject["reason_zh"] and "“文本”格式" in reject["reason_zh"]
    assert "重新导出" in reject["reason_zh"]
    assert "lost" in reject["reason_en"] and "format the column as Text" in reject["reason_en"]
    assert "re-export the codes" in reject["reason_en"]
    assert {row["township_code"] for row in table(db, "townships")} == {"360799100000"}


def test_an_integer_valued_decimal_code_cell_is_read_as_its_digits(tmp_path, db, english_warehouse):
    """360799101000.0 is exact: every digit is there."""
    load_quietly(write_folder(tmp_path / "in", changed("townships", 1, township_code="360799101000.0")))
    assert entity_tables(db) == english_warehouse


def test_an_id_number_in_scientific_notation_is_rejected_saying_excel_cannot_hold_18_digits(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in", changed("people", 1, id_number="4.40524E+17")))
    reject = only_reject(db, "people.csv")
    assert (reject["row"], reject["column"]) == (3, "id_number")
    assert "科学计数法" in reject["reason_zh"]
    assert "18 位" in reject["reason_zh"] and "15 位" in reject["reason_zh"]
    assert "scientific notation" in reject["reason_en"] and "18-digit" in reject["reason_en"]
    assert "format the column as Text" in reject["reason_en"]


def test_a_csv_row_with_cells_beyond_the_header_is_rejected_with_its_row_number(tmp_path, db):
    """An unquoted comma in 张,三 shifts every later cell of the row one column to the right."""
    folder = write_folder(tmp_path / "in")
    lines = (folder / "people.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("张三", "张,三")
    (folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reports = load_quietly(folder)
    assert next(r for r in reports if r.entity == "people").rows_rejected == 1
    reject = only_reject(db, "people.csv")
    assert reject["row"] == 2
    assert reject["column"].endswith("; column_8") and reject["value"].endswith("; 2015-03-01")
    assert "本行比表头多 1 个单元格，各列可能错位" in reject["reason_zh"]
    assert "1 more cells than the header, so its columns may be shifted" in reject["reason_en"]
    assert json.loads(reject["record"])["column_8"] == "2015-03-01"
    assert [row["person_id"] for row in table(db, "people")] == ["P2", "P3"]


def test_a_shifted_row_shows_no_id_number_in_clear_under_any_header(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    lines = (folder / "people.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("张三", "张,三")  # the id_number moves under 性别 (gender)
    (folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_quietly(folder)
    reject = only_reject(db, "people.csv")
    assert CLEAR_IDS[0] not in reject["value"] and CLEAR_IDS[0] not in reject["record"]
    assert json.loads(reject["record"])["gender"] == "*" * 18


def test_empty_cells_beyond_the_header_are_harmless(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in")
    lines = (folder / "people.csv").read_text(encoding="utf-8").splitlines()
    (folder / "people.csv").write_text("\n".join([lines[0], lines[1] + ",,", lines[2] + ", ,", lines[3]]) + "\n",
                                       encoding="utf-8")
    load_quietly(folder)
    assert rejects(db) == []
    assert entity_tables(db) == english_warehouse


def test_an_xlsx_value_under_no_header_is_kept_as_an_extra_column(tmp_path, db):
    """In a workbook a cell is addressed, not delimited: a value right of the header row shifts nothing, so it is
    an extra column (kept, ignored by the rules), as the contract keeps every extra column (docs/rules.md)."""
    folder = write_folder(tmp_path / "in")
    (folder / "townships.csv").unlink()
    path = write_xlsx(folder / "townships.xlsx", "townships", GOOD["townships"])
    workbook = openpyxl.load_workbook(path)
    workbook.active.cell(row=3, column=9, value="备注：撤并中")
    workbook.save(path)
    load_quietly(folder)
    assert rejects(db) == []
    assert [row["extra__column_9"] for row in table(db, "townships")] == [None, "备注：撤并中"]


def test_a_posting_in_a_township_not_in_the_file_is_loaded_in_the_county_its_code_begins_with(tmp_path, db):
    """Contract section 1: postings are the whole work history, township and elsewhere. A cadre from another
    province has township postings there; the 12-digit statistical division code begins with the county's six."""
    data = with_rows("postings", {
        "posting_id": "T5", "person_id": "P1", "org_level": "township", "township_code": "440305100000",
        "county_code": "", "unit_id": "", "position": "副镇长", "is_leadership": "true", "is_chief": "",
        "is_secondment": "", "start_date": "2012-01-01", "end_date": "2018-01-01", "end_reason": "transfer",
    })
    load_quietly(write_folder(tmp_path / "in", data))
    assert rejects(db) == []
    posting = next(row for row in table(db, "postings") if row["posting_id"] == "T5")
    assert (posting["township_code"], posting["county_code"], posting["is_leadership"]) == (
        "440305100000", "440305", True)


def test_a_posting_in_a_township_not_in_the_file_keeps_the_county_code_it_gives(tmp_path, db):
    data = changed("postings", 2, township_code="440305100000", county_code="440306", unit_id="")
    load_quietly(write_folder(tmp_path / "in", data))
    assert rejects(db) == []
    assert next(r for r in table(db, "postings") if r["posting_id"] == "T3")["county_code"] == "440306"


def test_a_posting_in_a_township_not_in_the_file_may_not_name_a_unit_of_a_loaded_one(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in", changed("postings", 2, township_code="440305100000")))
    reject = only_reject(db, "postings.csv")
    assert (reject["row"], reject["column"], reject["value"]) == (4, "unit_id", "U2")
    assert "机构属于乡镇 360799101000" in reject["reason_zh"]


def test_an_appraisal_by_a_township_not_in_the_file_is_loaded(tmp_path, db):
    load_quietly(write_folder(tmp_path / "in", changed("appraisals", 2, township_code="440305100")))
    assert rejects(db) == []
    assert ("P2", 2020, "440305100000") in {
        (row["person_id"], row["year"], row["township_code"]) for row in table(db, "appraisals")
    }


def test_rows_read_are_rows_loaded_plus_rows_rejected_for_every_file(tmp_path, db):
    data = changed("postings", 1, end_date="2000-01-01")
    data["appraisals"].append({"person_id": "P9", "year": "x", "township_code": "", "grade": ""})
    reports = load_quietly(write_folder(tmp_path / "in", data))
    for report in reports:
        assert report.rows_read == report.rows_loaded + report.rows_rejected
        assert report.rows_loaded == len(table(db, report.entity))
        assert report.rows_rejected == len([r for r in rejects(db) if r["entity"] == report.entity])
    files = query(db, "select entity, file, sha256, rows_read, rows_loaded, rows_rejected from raw.load_files")
    assert [f[0] for f in files] == [e.name for e in ENTITIES]
    assert [(r.entity, r.file, r.sha256, r.rows_read, r.rows_loaded, r.rows_rejected) for r in reports] == files
    folder = tmp_path / "in"
    assert files[0][2] == hashlib.sha256((folder / "townships.csv").read_bytes()).hexdigest()


def test_the_run_prints_one_short_line_per_file(tmp_path, db):
    lines: list[str] = []
    load_inputs(write_folder(tmp_path / "in", changed("townships", 1, county_code="bad")), log=lines.append)
    assert lines[0] == "townships.csv: 读取 2 行，载入 1 行，拒收 1 行 / read 2, loaded 1, rejected 1"
    assert len(lines) == 5


# --- privacy -----------------------------------------------------------------------------------------------------


def every_text_cell(db: Path) -> list[str]:
    with reading_load(loaded_path(db)) as con:
        columns = con.sql("select table_name, column_name from information_schema.columns "
                          "where table_schema = 'raw' and data_type = 'VARCHAR'").fetchall()
        return [
            value
            for name, column in columns
            for (value,) in con.sql(f'select "{column}" from raw."{name}" where "{column}" is not null').fetchall()
        ]


def test_id_number_is_never_in_clear_in_any_raw_table_or_reject(tmp_path, db):
    wrong = "440524188001010015"
    data = with_rows("people", {"person_id": "P4", "name": "赵六", "id_number": wrong, "gender": "男",
                                "birth_date": "", "staff_category": "其他", "recruited_on": ""})
    load_quietly(write_folder(tmp_path / "in", data))
    cells = every_text_cell(db)
    for clear in (*CLEAR_IDS, wrong, "11010519491231002x"):
        assert not any(clear.upper() in cell.upper() for cell in cells), clear
    reject = only_reject(db, "people.csv")
    assert reject["value"] == "*" * 18
    assert json.loads(reject["record"])["id_number"] == "*" * 18


def test_people_keep_a_keyed_hash_and_the_fully_masked_form(tmp_path, db, monkeypatch):
    key = "county-secret-of-thirty-two-chars"
    monkeypatch.setenv("WAREHOUSE_ID_KEY", key)
    load_quietly(write_folder(tmp_path / "in", changed("people", 0, id_number="11010519491231002x")))
    person = next(r for r in table(db, "people") if r["person_id"] == "P1")
    assert person["id_number_masked"] == "*" * 18
    assert person["id_number_hash"] == hmac.new(key.encode(), b"11010519491231002X", hashlib.sha256).hexdigest()
    assert "id_number" not in person


# --- text encodings ----------------------------------------------------------------------------------------------


def csv_text(rows: Rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(rows[0]))
    writer.writerows([list(row.values()) for row in rows])
    return out.getvalue()


DEMO_PEOPLE = (DEMO_DIR / "人员.csv").read_bytes().decode("utf-8-sig")
DEMO_UNITS = (DEMO_DIR / "机构.csv").read_bytes().decode("gb18030")
RARE = (
    "person_id,name,position\r\n"
    "P1,王䶮,党委书记（兼）\r\nP2,李𠮷,“副镇长”、主任：；\r\n"
    "P3,欧阳喆,乡长——《条例》〔2019〕\r\nP4,钱镕基,科员。\r\n"
)
"""Characters outside GB2312 (䶮 and 𠮷 are four bytes in GB18030) and full-width punctuation."""
JAPANESE = (
    "person_id,name,position\nJ1,山田太郎,東京都千代田区役所の総務課長\nJ2,鈴木花子,大阪府堺市役所・市民課（かかりちょう）\n"
    "J3,佐藤一郎,横浜市役所で働いています\nJ4,高橋美咲,さいたま市役所の子ども家庭課\n"
)
TRADITIONAL = "unit_id,township_code,unit_name\n" + "".join(
    f"U{i},360799100000,{name}\n" for i, name in enumerate(
        ["黨政綜合辦公室", "經濟發展辦公室", "社會事務辦公室", "農業綜合服務站", "退役軍人服務站", "便民服務中心", "綜合行政執法隊"])
)
KOREAN = (
    "person_id,name,position\nK1,김철수,서울특별시 종로구청 총무과장\nK2,이영희,부산광역시 해운대구 주민센터 주무관\n"
    "K3,박민준,대구광역시 수성구청 행정지원과\nK4,최지우,인천광역시 남동구 복지정책과 팀장\n"
)
WESTERN = (
    "person_id,name,position\nW1,José Müller,Bürgermeister\nW2,Françoise Ærø,Conseillère municipale\n"
    "W3,Zoë Ñúñez,Jefa de sección\nW4,Søren Kierkegård,Fællesrådet\n"
)
"""The foreign fixtures are small, but each holds the 40 non-ASCII characters charset-normalizer needs to judge
(warehouse/encoding.py); a file with fewer keeps the contract's GB18030."""

READ_AS_IS = [
    ("demo 机构.csv as shipped (GB18030)", (DEMO_DIR / "机构.csv").read_bytes(), DEMO_UNITS),
    ("demo 考核.csv as shipped (GB18030)", (DEMO_DIR / "考核.csv").read_bytes(),
     (DEMO_DIR / "考核.csv").read_bytes().decode("gb18030")),
    ("demo 人员.csv as shipped (UTF-8 with BOM)", (DEMO_DIR / "人员.csv").read_bytes(), DEMO_PEOPLE),
    ("demo 人员.csv in GB18030", DEMO_PEOPLE.encode("gb18030"), DEMO_PEOPLE),
    ("demo 人员.csv in UTF-8", DEMO_PEOPLE.encode("utf-8"), DEMO_PEOPLE),
    *((f"{name}.csv fixture in GB18030", csv_text(rows).encode("gb18030"), csv_text(rows))
      for name, rows in GOOD.items()),
    *((f"{name}.csv Chinese fixture in GB18030", csv_text(rows).encode("gb18030"), csv_text(rows))
      for name, rows in in_chinese(GOOD).items()),
    *((f"{name}.csv Chinese fixture in UTF-8 with BOM", csv_text(rows).encode("utf-8-sig"), csv_text(rows))
      for name, rows in in_chinese(GOOD).items()),
    ("rare characters and full-width punctuation in GB18030", RARE.encode("gb18030"), RARE),
    ("rare characters and full-width punctuation in UTF-8", RARE.encode("utf-8"), RARE),
    ("ASCII", csv_text(GOOD["appraisals"]).encode("ascii"), csv_text(GOOD["appraisals"])),
]

STOPPED = [
    # The demo's simplified Chinese has characters these encodings lack: saved anyway, they become "?".
    *((f"demo {name} in {codec}", text.encode(codec, errors="replace"), likely)
      for name, text in (("人员.csv", DEMO_PEOPLE), ("机构.csv", DEMO_UNITS))
      for codec, likely in (("shift_jis", "Shift-JIS"), ("big5", "Big5"), ("euc_kr", "EUC-KR"))),
    ("Japanese fixture in Shift-JIS", JAPANESE.encode("shift_jis"), "Shift-JIS"),
    ("Japanese fixture in cp932", JAPANESE.encode("cp932"), "Shift-JIS"),
    ("traditional Chinese fixture in Big5", TRADITIONAL.encode("big5"), "Big5"),
    ("Korean fixture in EUC-KR", KOREAN.encode("euc_kr"), "EUC-KR"),
    ("accented Western fixture in cp1252", WESTERN.encode("cp1252"), "Latin-1"),
    ("accented Western fixture in Latin-1", WESTERN.encode("latin-1"), "Latin-1"),
    ("demo 人员 as Excel's Unicode Text (UTF-16 with BOM, tabs)", DEMO_PEOPLE.replace(",", "\t").encode("utf-16"),
     "UTF-16"),
    ("demo 人员 in UTF-16 without BOM", DEMO_PEOPLE.encode("utf-16-le"), "UTF-16"),
    ("townships fixture in UTF-16 without BOM", csv_text(GOOD["townships"]).encode("utf-16-le"), "UTF-16"),
]


@pytest.mark.parametrize("raw, text", [case[1:] for case in READ_AS_IS], ids=[case[0] for case in READ_AS_IS])
def test_every_genuine_utf8_or_gb18030_csv_is_read_as_its_text(raw, text):
    assert decode_csv(raw).decode("utf-8") == text


@pytest.mark.parametrize("raw, likely", [case[1:] for case in STOPPED], ids=[case[0] for case in STOPPED])
def test_a_csv_in_another_encoding_stops_the_load_naming_its_likely_encoding(raw, likely):
    with pytest.raises(InputError) as raised:
        decode_csv(raw)
    assert likely in raised.value.zh and likely in raised.value.en
    assert "既不是 UTF-8 也不是 GB18030" in raised.value.zh and "“CSV（逗号分隔）”" in raised.value.zh
    assert "neither UTF-8 nor GB18030" in raised.value.en and 'save it as "CSV UTF-8' in raised.value.en


def test_a_shift_jis_file_stops_the_load_naming_the_file_and_keeps_the_previous_load(tmp_path, db, previous_load):
    folder = write_folder(tmp_path / "in")
    (folder / "people.csv").unlink()
    (folder / "人员.csv").write_bytes(DEMO_PEOPLE.encode("shift_jis", errors="replace"))
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    assert raised.value.zh.startswith("人员.csv：") and "Shift-JIS（日文）" in raised.value.zh
    assert raised.value.en.startswith("人员.csv: ") and "Shift-JIS (Japanese)" in raised.value.en
    assert current_load(db) == previous_load


def test_a_file_that_turns_from_utf8_to_another_encoding_further_on_stops_the_load(tmp_path, db):
    """The encoding is judged on a sample (a national file is gigabytes); the rest is still read strictly."""
    folder = write_folder(tmp_path / "in")
    rows = [f"P{i},张三{i},,male,,civil_servant,\r\n".encode("utf-8") for i in range(4, 30000)]
    rows[2000] = "P2004,赵六,,male,,civil_servant,\r\n".encode("gb18030")  # past the first sampled lines
    (folder / "people.csv").write_bytes(csv_text(GOOD["people"]).encode("utf-8") + b"".join(rows))
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    assert raised.value.zh.startswith("people.csv：") and "不是 UTF-8" in raised.value.zh
    assert "begins as UTF-8 text but holds bytes further on that are not UTF-8" in raised.value.en


# --- input that stops the run ------------------------------------------------------------------------------------


@pytest.fixture
def previous_load(tmp_path, db) -> dict[str, list[dict]]:
    load_quietly(write_folder(tmp_path / "previous"))
    return {**entity_tables(db), "rejects": rejects(db), "load_files": table(db, "load_files")}


def current_load(db: Path) -> dict[str, list[dict]]:
    return {**entity_tables(db), "rejects": rejects(db), "load_files": table(db, "load_files")}


def test_a_missing_file_stops_the_run_naming_the_accepted_names_and_keeps_the_previous_load(
    tmp_path, db, previous_load
):
    folder = write_folder(tmp_path / "in", changed("townships", 0, township_name="新名字"))
    (folder / "postings.csv").unlink()
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    message = str(raised.value)
    assert message == f"{raised.value.zh}\n{raised.value.en}"
    assert "任职" in raised.value.zh and "postings.csv" in raised.value.zh and "任职.xlsx" in raised.value.zh
    assert "postings" in raised.value.en and "postings.parquet" in raised.value.en
    assert current_load(db) == previous_load


def test_a_missing_required_column_stops_the_run_naming_file_and_column_in_both_languages(
    tmp_path, db, previous_load
):
    folder = write_folder(tmp_path / "in")
    headers = [h for h in GOOD["units"][0] if h != "established_on"]
    write_csv(folder / "units.csv", GOOD["units"], headers=headers)
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    assert "units.csv" in raised.value.zh and "设立日期（established_on）" in raised.value.zh
    assert "units.csv" in raised.value.en and "established_on (设立日期)" in raised.value.en
    assert current_load(db) == previous_load


def test_a_column_given_twice_stops_the_run(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    rows = [{**row, "乡镇代码": row["township_code"]} for row in GOOD["townships"]]
    write_csv(folder / "townships.csv", rows)
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    assert "township_code" in raised.value.en and "乡镇代码" in raised.value.zh


def test_other_files_in_the_folder_are_ignored(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in")
    (folder / "说明.txt").write_text("填表说明", encoding="utf-8")
    (folder / "~$townships.xlsx").write_bytes(b"lock")
    (folder / "townships_old.csv").write_text("x", encoding="utf-8")
    load_quietly(folder)
    assert entity_tables(db) == english_warehouse


def test_a_missing_optional_column_is_read_as_empty(tmp_path, db, english_warehouse):
    folder = write_folder(tmp_path / "in")
    write_csv(folder / "units.csv", GOOD["units"], headers=[h for h in GOOD["units"][0] if h != "abolished_on"])
    load_quietly(folder)
    assert [row["abolished_on"] for row in table(db, "units")] == [None, None]


def test_two_files_for_one_entity_stop_the_run(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    write_csv(folder / "乡镇.csv", GOOD["townships"])
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    assert "townships.csv" in raised.value.en and "乡镇.csv" in raised.value.en
    assert not db.exists()


def test_an_unreadable_file_stops_the_run(tmp_path, db):
    folder = write_folder(tmp_path / "in")
    (folder / "units.csv").unlink()
    (folder / "units.xlsx").write_bytes(b"this is not a workbook")
    with pytest.raises(InputError) as raised:
        load_quietly(folder)
    assert "units.xlsx" in raised.value.zh and "units.xlsx" in raised.value.en


def test_a_failure_while_writing_rolls_back_to_the_previous_load(tmp_path, db, previous_load, monkeypatch):
    original = load_module.write_table
    loads_before = sorted(p.name for p in loaded_root(db).iterdir())

    def fail_on_rejects(folder, name, frame, types):
        if name == "rejects":  # after every entity's Parquet is written
            raise RuntimeError("disk full")
        original(folder, name, frame, types)

    monkeypatch.setattr(load_module, "write_table", fail_on_rejects)
    with pytest.raises(RuntimeError):
        load_quietly(write_folder(tmp_path / "in", changed("townships", 0, township_name="新名字")))
    assert current_load(db) == previous_load
    assert sorted(p.name for p in loaded_root(db).iterdir()) == loads_before  # the half-written load is gone


def test_a_load_is_parquet_one_folder_per_entity_and_replaces_the_previous_files(tmp_path, db, previous_load):
    first = loaded_path(db).resolve()
    load_quietly(write_folder(tmp_path / "in"))
    current = loaded_path(db).resolve()
    assert current != first and not first.exists()
    assert sorted(p.name for p in current.iterdir()) == [
        "appraisals", "load_files", "people", "postings", "rejects", "townships", "units", "waivers"
    ]  # waivers: the optional input, an empty table when the folder has no file for it
    assert [p.name for p in (current / "people").iterdir()] == ["part-0.parquet"]


def test_a_new_load_replaces_the_previous_one_whole(tmp_path, db, previous_load):
    data = copy.deepcopy(GOOD)
    data["appraisals"] = data["appraisals"][:1]
    load_quietly(write_folder(tmp_path / "in", data))
    assert len(table(db, "appraisals")) == 1
    assert query(db, "select rows_read from raw.load_files where entity = 'appraisals'") == [(1,)]


def test_load_never_touches_the_warehouse_file(tmp_path, db):
    # The warehouse file holds the last build, which every reader and export keep seeing until the next build:
    # a load only writes its Parquet folder.
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts; create table marts.kept as select 42 as answer")
    before = db.read_bytes()
    load_quietly(write_folder(tmp_path / "in"))
    assert db.read_bytes() == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql("select answer from marts.kept").fetchall() == [(42,)]

"""The workbook an establishment office opens: `核查结果.xlsx`, beside the CSVs of every export (contract v1.1, "Excel").

Offices exchange Excel, and the CSVs, opened there, lose what matters: a 12-digit township code becomes
`3.60799E+11`, `4/19` becomes a date, the headers and statuses are English codes. The workbook holds the same
findings with Chinese sheet names and headers, written cell by cell with the cell's type chosen here, never
guessed by a spreadsheet: codes and ids (every text column) as text cells, dates as dates, counts as numbers,
yes/no and statuses as Chinese words. No cell is a formula: text is always written as a string cell, so a name such
as `=HYPERLINK(…)` stays the text it is (core.safe_cells.is_formula_text names such text; unlike the CSVs, which
need a `'` in front of it, a string cell needs nothing).

Sheets: 违规明细 (one row per finding, what was observed and the limit in the rule model's own words, and the
approval number of an exception that covers it), 乡镇情况 (the scorecard, 通过/违规/已批准例外/不适用 per rule),
拒收行 (the rejected input rows), 批准例外 (every approved exception, its state and the findings it covers),
到期提醒 (deadlines.csv), 规则与依据 (every rule version's parameters with their units, meanings and citations, and
the documents cited), 说明 (the run manifest in words). `warehouse check` writes its own workbook, 任前审查.xlsx:
任前审查 and 说明. Each sheet
has its header row frozen, a filter on it and column widths fitted to its contents.

A national run stays inside Excel's limits and in little memory: xlsxwriter's constant-memory mode writes each row
to disk as it goes, and a table longer than a sheet's 1,048,576 rows continues on `违规明细（2）` …, which 说明 says.
Sheets that other parts of the export add (their frames already with Chinese headers) are written the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from warehouse.inputs.contract import ENTITIES, TOWNSHIP_TYPES, UNIT_KINDS
from warehouse.outputs import deadlines, waivers

WORKBOOK = "核查结果.xlsx"
"""The workbook's name in the output folder: what an office calls these results."""

MAX_ROWS = 1_048_576
"""Rows of one Excel sheet, the header row included."""

MAX_TEXT = 32_767
"""Characters of one Excel cell."""

WIDEST = 60
"""Widest column (in Excel's character widths): text longer than that wraps in its cell (Styles.wrapped)."""

SEVERITY_ZH = {"error": "错误", "warn": "警告", "info": "提示"}
STATUS_ZH = {"passed": "通过", "failed": "违规", "not_covered": "不适用", "waived": "已批准例外"}
"""A township's status for a rule (township_scorecard's status_* columns)."""
RULE_KIND_ZH = {"state": "状态", "event": "事件"}
ORIGIN_ZH = {"shipped": "内置规则库", "user": "用户规则库"}
ENTITY_ZH = {entity.name: entity.alias for entity in ENTITIES}

SCORECARD_HEADERS = {
    "township_code": "乡镇代码",
    "county_code": "县级代码",
    "township_name": "乡镇名称",
    "township_type": "类型",
    "offices": UNIT_KINDS["office"],
    "posts": UNIT_KINDS["post"],
    "institutes": UNIT_KINDS["institute"],
    "stations": UNIT_KINDS["station"],
    "centers": UNIT_KINDS["center"],
    "dispatched": UNIT_KINDS["dispatched"],
    "leadership_team_size": "领导班子人数",
    "leadership_team_experienced": "其中乡镇工作经历达到要求",
    "approved_leader_posts": "核定领导职数",
    "social_workers": "在岗社会工作人员",
    "violations_error": "错误数",
    "violations_warn": "警告数",
    "violations_info": "提示数",
    "is_small": "规模较小",
    "is_developed_town": "经济发达镇",
    "as_of": "核查基准日",
}
"""township_scorecard's columns in Chinese (the status_* columns take their rule's title)."""

REJECT_HEADERS = {
    "entity": "数据类别",
    "file": "文件",
    "row": "行号",
    "column": "列",
    "value": "值",
    "reason_zh": "原因",
    "reason_en": "原因（英文）",
    "record": "原始记录（身份证号已遮盖）",
}


@dataclass(frozen=True)
class Sheet:
    """One sheet: a frame whose column names are the Chinese headers and whose column types say how the cells are
    written (text, date, number; a Boolean column as 是/否), and optionally a smaller table below it (its title,
    its frame)."""

    name: str
    frame: pl.DataFrame
    below: tuple[tuple[str, pl.DataFrame], ...] = ()
    about: str = ""
    """What one row is, for 说明."""


@dataclass
class Written:
    """Per sheet asked for, the sheet names it was written to (more than one when it was split)."""

    names: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


# --- the sheets --------------------------------------------------------------------------------------------------


def _labels(column: str, labels: dict[str, str]) -> pl.Expr:
    """A code column shown with its Chinese label (a code without one is shown as it is)."""
    return pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)


def rule_titles(rulebook: pl.DataFrame) -> dict[str, str]:
    """rule_id → its Chinese title, from the rulebook the build judged with."""
    return dict(rulebook.select("rule_id", "title_zh").unique("rule_id").iter_rows())


def violations_sheet(violations: pl.DataFrame, titles: dict[str, str]) -> Sheet:
    """One row per finding, in violations.csv's order; `waiver_no` (an approved exception) when the export has it."""
    columns = [
        _labels("rule_id", titles).alias("规则"),
        _labels("severity", SEVERITY_ZH).alias("严重程度"),
        pl.col("township_name").alias("乡镇名称"),
        pl.col("township_code").alias("乡镇代码"),
        pl.col("county_code").alias("县级代码"),
        pl.col("person_id").alias("人员编号"),
        pl.col("period").alias("期间（年度）"),
        pl.col("observed_zh").alias("发现情况"),
        pl.col("limit_zh").alias("标准"),
        pl.col("event_on").alias("发生日期"),
        pl.col("as_of").alias("核查基准日"),
        pl.col("message_zh").alias("问题说明"),
        pl.col("citation").alias("依据"),
        pl.col("rule_id").alias("规则编号"),
    ]
    if "waiver_no" in violations.columns:
        columns.append(pl.col("waiver_no").alias("批准例外文号"))
    return Sheet("违规明细", violations.select(columns), about="每条违规一行 / one row per finding")


def scorecard_sheet(scorecard: pl.DataFrame, titles: dict[str, str]) -> Sheet:
    """The scorecard with Chinese headers and labels; each rule's status column is headed by the rule's title."""
    columns = []
    for name in scorecard.columns:
        if name.startswith("status_"):
            rule_id = name.removeprefix("status_").upper()
            columns.append(_labels(name, STATUS_ZH).alias(titles.get(rule_id, rule_id)))
        elif name == "township_type":
            columns.append(_labels(name, TOWNSHIP_TYPES).alias(SCORECARD_HEADERS[name]))
        else:
            columns.append(pl.col(name).alias(SCORECARD_HEADERS.get(name, name)))
    return Sheet("乡镇情况", scorecard.select(columns), about="每个乡镇一行 / one row per township")


def rejects_sheet(rejects: pl.DataFrame) -> Sheet:
    columns = [
        (_labels(name, ENTITY_ZH) if name == "entity" else pl.col(name)).alias(header)
        for name, header in REJECT_HEADERS.items()
        if name in rejects.columns
    ]
    return Sheet("拒收行", rejects.select(columns), about="每个被拒收的输入行一行 / one row per rejected input row")


def rulebook_sheet(parameters: pl.DataFrame, documents: pl.DataFrame) -> Sheet:
    """Every rule with each version's parameters (a rule with no version on a row of its own: not covered
    anywhere), then the documents cited."""
    boolean = pl.col("value_type") == "boolean"
    value = (
        pl.when(boolean & (pl.col("value") == "true")).then(pl.lit("是"))
        .when(boolean & (pl.col("value") == "false")).then(pl.lit("否"))
        .otherwise(pl.col("value"))
    )
    table = parameters.sort("rule_id", "jurisdiction_prefix", "valid_from", "parameter", nulls_last=True).select(
        pl.col("rule_id").alias("规则编号"),
        pl.col("title_zh").alias("规则"),
        _labels("severity", SEVERITY_ZH).alias("严重程度"),
        _labels("rule_kind", RULE_KIND_ZH).alias("类型"),
        pl.col("description_zh").alias("违规情形"),
        pl.col("jurisdiction_prefix").alias("辖区代码前缀"),
        pl.when(pl.col("version_key").is_null()).then(pl.lit("未设版本：各乡镇均不适用"))
        .otherwise(pl.col("jurisdiction_name")).alias("辖区"),
        pl.col("valid_from").alias("生效日期"),
        pl.col("valid_until").alias("失效日期（当日起不再生效）"),
        pl.when(pl.col("version_key").is_not_null()).then(pl.col("is_enabled")).alias("启用"),
        pl.col("townships_covered_on_as_of").alias("基准日适用乡镇数"),
        pl.col("parameter").alias("参数"),
        pl.col("meaning_zh").alias("参数含义"),
        value.alias("取值"),
        pl.col("unit").alias("单位"),
        pl.col("document").alias("文件"),
        pl.col("clause").alias("条款"),
        pl.col("quote_zh").alias("原文"),
        _labels("origin", ORIGIN_ZH).alias("来源"),
    )
    cited = documents.sort("document_id").select(
        pl.col("document_id").alias("编号"),
        pl.col("title").alias("文件"),
        pl.col("issuer").alias("发布机关"),
        pl.col("issued_on").alias("发布日期"),
        pl.col("file").alias("原文文件"),
        pl.col("sha256").alias("SHA-256"),
    )
    return Sheet(
        "规则与依据", table, below=(("依据文件 / documents", cited),),
        about="每个规则版本的每个参数一行，其下为依据文件 / one row per parameter of each rule version, then the documents",
    )


EXPORT_ABOUT = ("乡镇政府机构编制合规检查结果，内容与同一文件夹中的 violations.csv、township_scorecard.csv、"
                "rejects.csv、deadlines.csv 相同，表头和取值为中文。")


def notes_sheet(document: dict, written: Written, sheets: Sequence[Sheet]) -> Sheet:
    """The run manifest (run_manifest.json) in words, with what each sheet holds and how to read it."""
    rows: list[tuple[str, str]] = [
        ("本工作簿", document.get("about_zh", EXPORT_ABOUT)),
        ("核查基准日", document["as_of"]),
        ("规则库版本", str(document.get("rulebook_version") or "")),
    ]
    user = document.get("user_rulebook")
    rows.append(("用户规则库", f"{user['file']}（SHA-256 {user['sha256']}）" if user else "无（仅内置规则库）"))
    rows += [
        ("计算引擎", str(document.get("engine", "duckdb"))),
        ("构建时间", str(document.get("built_at", ""))),
        ("导出开始时间", str(document.get("started_at", ""))),
    ]
    for item in document.get("inputs", []):
        rows.append((
            f"输入文件：{ENTITY_ZH.get(item['entity'], item['entity'])}",
            f"{item['file']}：读取 {item['rows_read']:,} 行，载入 {item['rows_loaded']:,} 行，拒收 {item['rows_rejected']:,} 行"
            f"（SHA-256 {item['sha256']}）",
        ))
    outputs = document.get("outputs", {})
    if "violations" in outputs:
        rows.append((
            "结果",
            f"违规 {outputs.get('violations', 0):,} 条，检查乡镇 {outputs.get('townships', 0):,} 个，"
            f"拒收行 {outputs.get('rejects', 0):,} 行，到期提醒 {outputs.get('deadlines', 0):,} 条"
            + (f"（基准日起 {outputs['deadlines_within_days']} 天内）" if "deadlines_within_days" in outputs else ""),
        ))
    waivers = document.get("waivers")
    if waivers:
        unused = waivers.get("covering_no_finding", [])
        rows.append((
            "批准例外",
            f"共 {waivers.get('waivers', 0):,} 条，其中未覆盖任何问题（已过期、尚未生效或未匹配）{len(unused):,} 条"
            + ("：" + "、".join(str(w["waiver_id"]) for w in unused[:20]) + ("等" if len(unused) > 20 else "") if unused else ""),
        ))
    for sheet in sheets:
        names = written.names.get(sheet.name, [sheet.name])
        text = f"{sheet.about}，共 {written.rows.get(sheet.name, sheet.frame.height):,} 行"
        if len(names) > 1:
            text += (f"；超过 Excel 每个工作表 {MAX_ROWS:,} 行的上限，依次分在 " + "、".join(names)
                     + " 中（各表表头相同）")
        rows.append((f"工作表：{sheet.name}", text))
    rows += [
        ("状态", "通过：该乡镇适用此规则且未发现违规；违规：发现违规；不适用：该乡镇没有生效的规则版本（不算通过）"
               + ("；已批准例外：每条违规均有生效的批准例外" if any("批准例外文号" in s.frame.columns for s in sheets) else "")),
        ("严重程度", "错误（error）、警告（warn）、提示（info），见规则库"),
        ("代码", "乡镇代码、县级代码、人员编号等代码均为文本单元格，不会被 Excel 改成科学计数法或丢失位数"),
        ("身份证号", "任何结果文件都不含明文身份证号"),
    ]
    if document.get("validation"):
        rows.append(("Great Expectations 校验", "见 validation/index.html"))
    software = document.get("software", {})
    rows.append(("软件版本", "，".join(f"{name} {version}" for name, version in software.items())))
    rows = [(item, text) for item, text in rows if text]  # what this workbook's run does not record
    frame = pl.DataFrame(rows, schema={"项目": pl.String, "内容": pl.String}, orient="row")
    return Sheet("说明", frame, about="")


def sheets_of_export(frames: dict[str, pl.DataFrame]) -> list[Sheet]:
    """The six data sheets of an export, from the frames export.read_outputs read (说明 comes last, once the
    others are written: it says how they were split)."""
    titles = rule_titles(frames["workbook/rulebook"])
    return [
        violations_sheet(frames["workbook/violations"], titles),
        scorecard_sheet(frames["township_scorecard"], titles),
        rejects_sheet(frames["rejects"]),
        Sheet(waivers.SHEET_NAME, waivers.waivers_sheet(frames["waiver_use"]),
              about="每条批准例外一行，含其在基准日的状态和覆盖的问题数 / one row per approved exception"),
        Sheet(deadlines.SHEET_NAME, deadlines.deadlines_sheet(frames["deadlines"], titles),
              about="每个到期事项一行，按到期日排列 / one row per deadline, by date"),
        rulebook_sheet(frames["workbook/rulebook"], frames["workbook/documents"]),
    ]


# --- writing -----------------------------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: Sequence[Sheet], document: dict, *, progress=None) -> Written:
    """Write the sheets and, last, 说明 (the manifest `document` in words) to `path`. OSError when the file cannot
    be written (core.atomic turns it into a message)."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(path.parent),  # a full disk shows up writing the output, not in /tmp
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    styles = Styles(workbook)
    written = Written()
    for sheet in sheets:
        written.names[sheet.name] = write_sheet(workbook, styles, sheet)
        written.rows[sheet.name] = sheet.frame.height
        if progress is not None:
            progress(sheet.name)
    write_sheet(workbook, styles, notes_sheet(document, written, sheets))
    try:
        workbook.close()
    except FileCreateError as error:
        cause = error.args[0] if error.args else None
        raise cause if isinstance(cause, OSError) else OSError(str(error)) from None
    return written


class Styles:
    def __init__(self, workbook: xlsxwriter.Workbook):
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "valign": "top"})
        self.title = workbook.add_format({"bold": True})
        self.top = workbook.add_format({"valign": "top"})
        self.wrapped = workbook.add_format({"valign": "top", "text_wrap": True})
        """The widest columns (messages, citations) wrap: their rows grow, the text stays readable."""
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "valign": "top"})


def sheet_names(name: str, rows: int) -> list[str]:
    """The sheets a table of `rows` data rows needs: its name, then `name（2）` … (Excel allows 31 characters)."""
    parts = max(1, -(-rows // (MAX_ROWS - 1)))
    return [name[:31]] + [f"{name[:26]}（{part}）" for part in range(2, parts + 1)]


def write_sheet(workbook: xlsxwriter.Workbook, styles: Styles, sheet: Sheet) -> list[str]:
    """The sheet (split over several when longer than Excel allows); the names it was written to."""
    names = sheet_names(sheet.name, sheet.frame.height)
    widths = column_widths(sheet.frame)
    for part, name in enumerate(names):
        chunk = sheet.frame.slice(part * (MAX_ROWS - 1), MAX_ROWS - 1)
        worksheet = workbook.add_worksheet(name)
        for index, width in enumerate(widths):
            worksheet.set_column(index, index, width, styles.wrapped if width >= WIDEST else styles.top)
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, max(chunk.height, 1), max(len(chunk.columns) - 1, 0))
        # Printed, as offices do: A4 landscape, the header on every page, with gridlines.
        worksheet.set_landscape()
        worksheet.set_paper(9)
        worksheet.repeat_rows(0)
        worksheet.hide_gridlines(0)
        row = write_table(worksheet, styles, chunk, 0)
        if part == len(names) - 1:
            for title, frame in sheet.below:
                row += 1
                worksheet.write_string(row, 0, title, styles.title)
                row = write_table(worksheet, styles, frame, row + 1)
    return names


def write_table(worksheet, styles: Styles, frame: pl.DataFrame, first_row: int) -> int:
    """Header at `first_row`, then the rows; returns the row after the last one written."""
    for index, header in enumerate(frame.columns):
        worksheet.write_string(first_row, index, header, styles.header)
    writers = [cell_writer(worksheet, styles, dtype) for dtype in frame.dtypes]
    row = first_row
    for row, values in enumerate(frame.iter_rows(), start=first_row + 1):
        for column, value in enumerate(values):
            if value is not None:
                writers[column](row, column, value)
    return row + 1


def cell_writer(worksheet, styles: Styles, dtype: pl.DataType):
    """How a column's cells are written: the column's type decides, never the text (no formula, no number, no URL
    is ever read out of a string)."""
    if dtype == pl.Boolean:
        return lambda row, column, value: worksheet.write_string(row, column, "是" if value else "否")
    if dtype == pl.Date:
        return lambda row, column, value: worksheet.write_datetime(row, column, value, styles.date)
    if isinstance(dtype, pl.Datetime):
        return lambda row, column, value: worksheet.write_datetime(row, column, value, styles.datetime)
    if dtype.is_numeric():
        return lambda row, column, value: worksheet.write_number(row, column, value)
    return lambda row, column, value: worksheet.write_string(row, column, text_cell(value))


def text_cell(value: object) -> str:
    """A cell's text, cut to what one Excel cell holds (a longer record would otherwise be cut with a warning)."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def display_width(values: pl.Expr) -> pl.Expr:
    """Characters as a spreadsheet column counts them: a CJK character (three UTF-8 bytes) is two wide."""
    return values.str.len_chars() + (values.str.len_bytes() - values.str.len_chars()) // 2


def column_widths(frame: pl.DataFrame) -> list[float]:
    """Each column as wide as its header or its widest cell (dates 11), at most WIDEST."""
    widths = []
    for name, dtype in frame.schema.items():
        header = pl.select(display_width(pl.lit(name))).item()
        if dtype in (pl.Date,) or isinstance(dtype, pl.Datetime):
            widest = 11 if dtype == pl.Date else 20
        elif frame.height:
            text = pl.col(name).cast(pl.String)
            widest = frame.select(display_width(text).max()).item() or 0
        else:
            widest = 0
        widths.append(min(max(header, widest) + 2, WIDEST))
    return widths

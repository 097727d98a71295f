"""`warehouse load`: validate an input folder and make it the warehouse's `raw` schema (contract sections 1 and 5).

Everything is read and checked in memory first. The checked tables are written as Parquet, one folder per
entity, into a new folder beside the warehouse; only a complete load becomes `current` (one atomic rename), so a
run that stops (a missing file, a missing column, a crash) leaves the previous load whole. Both engines read these
files: DuckDB through the `raw` views of the warehouse file, Spark through `raw` tables over the same folders.
A bad row never stops the run: it lands in `raw.rejects` with the file, the row number the analyst sees in
Excel, the column, the value and the reason, Chinese first.

The checks are vectorised (polars) so that a national load from Parquet (millions of people, postings and
appraisals) takes seconds; per-row Python runs only when reading XLSX cells.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
from openpyxl.utils.exceptions import InvalidFileException

from warehouse.core.atomic import fsync, write_failure
from warehouse.core.console import console
from warehouse.core.errors import UserError
from warehouse.core.loads import LOAD_PREFIX, remove_unused_loads
from warehouse.core.paths import RULEBOOK_DIR, loaded_root, warehouse_path
from warehouse.inputs import encoding, privacy
from warehouse.inputs.contract import (
    DUCKDB_TYPES,
    ENTITIES,
    ENTITY_BY_NAME,
    INPUT_ENTITIES,
    ID_NUMBER_STORED_AS,
    REJECT_COLUMNS,
    Column,
    Entity,
)
from warehouse.inputs.parse import SCIENTIFIC, Parsed, parse_column

SUFFIXES = (".csv", ".xlsx", ".parquet")
UNREADABLE = (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException, pl.exceptions.PolarsError)
"""What the readers raise for a damaged or mislabelled file (openpyxl raises KeyError for a missing part)."""
EXTRA_PREFIX = "extra__"
GIVEN = "_given__"
COUNTY_DIGITS = ENTITY_BY_NAME["townships"].column("county_code").digits[0]
"""A township's statistical division code begins with its county-level division's code."""
ROW = "source_row"
"""The row number as the analyst sees it in Excel: the header is row 1, the first data row is row 2."""

REJECT_TYPES = {name: "integer" if name == "row" else "varchar" for name in REJECT_COLUMNS}
"""`record` is JSON text (the input row, id_number masked), kept as varchar so rejects.csv is a plain export."""
LOAD_FILE_TYPES = {
    "entity": "varchar",
    "file": "varchar",
    "sha256": "varchar",
    "rows_read": "integer",
    "rows_loaded": "integer",
    "rows_rejected": "integer",
    "loaded_at": "timestamp with time zone",
}
_POLARS_TYPES = {"varchar": pl.String, "integer": pl.Int32, "boolean": pl.Boolean, "date": pl.Date}
_PARQUET_TYPES = _POLARS_TYPES | {"timestamp with time zone": pl.Datetime("us", "UTC")}


class InputError(UserError):
    """Input that stops the run (exit status 2): a missing file, a missing required column, an unreadable file,
    two files for one entity."""

    exit_status = 2


@dataclass(frozen=True)
class FileReport:
    entity: str
    file: str
    sha256: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int

    def summary(self) -> str:
        return (
            f"{self.file}: 读取 {self.rows_read} 行，载入 {self.rows_loaded} 行，拒收 {self.rows_rejected} 行 / "
            f"read {self.rows_read}, loaded {self.rows_loaded}, rejected {self.rows_rejected}"
        )


@dataclass(frozen=True)
class Source:
    """One input file as read: `data` has `source_row`, every contract column (null where the file lacks an
    optional one) with its values as given, and the extra columns as `extra__<header>`."""

    entity: Entity
    path: Path
    sha256: str
    data: pl.DataFrame
    headers: dict[str, str]
    """Column of `data` → the header as written in the file, in file order (the keys of a reject's record)."""
    beyond: dict[str, int] = field(default_factory=dict)
    """The extra columns of `data` that lie beyond the header row, each with how many cells beyond its last column
    it is: a row with a value there is rejected."""


@dataclass(frozen=True)
class Checked:
    source: Source
    """The file as read; once checked, its cells are dropped (`without_cells`) to free memory at national scale."""
    table: pl.DataFrame
    """The rows that passed, as the raw table stores them."""
    rejects: pl.DataFrame
    rows_read: int

    @property
    def report(self) -> FileReport:
        return FileReport(
            entity=self.source.entity.name,
            file=self.source.path.name,
            sha256=self.source.sha256,
            rows_read=self.rows_read,
            rows_loaded=self.table.height,
            rows_rejected=self.rejects.height,
        )

    def without_cells(self) -> Checked:
        return replace(self, source=replace(self.source, data=self.source.data.clear()))


@dataclass(frozen=True)
class Check:
    """One rule over a row: where it fails, the columns it blames and its reason (evaluated on failures only)."""

    columns: tuple[str, ...]
    failed: pl.Expr
    reason_zh: pl.Expr
    reason_en: pl.Expr


def load_inputs(
    input_dir: Path, db_path: Path | None = None, *, log: Callable[[str], None] | None = None
) -> list[FileReport]:
    """Validate the five input files of `input_dir` (and the optional waivers) and make them the current load
    (Parquet, read by both engines).

    Files are read one at a time, in load order; each file's table is written into the new load folder as soon as
    it is checked, and only the columns later files are checked against (CONTEXT_COLUMNS) are kept: a national load
    holds one file's cells at a time, not every table (4.1 GiB at 40,000 townships when every table was kept to the
    end). The folder becomes the current load only when every file is written (NewLoad.finish). An optional input
    without a file is loaded as an empty table, so every build finds it."""
    log = log or console().line
    db_path = db_path or warehouse_path()
    paths = find_inputs(Path(input_dir))
    loaded: dict[str, pl.DataFrame] = {}
    reports: list[FileReport] = []
    rejects: list[pl.DataFrame] = []
    present = [entity for entity in INPUT_ENTITIES if entity.name in paths]
    with new_load(db_path) as folder, console().progress("载入 / loading", total=len(present), unit="个文件 files") as bar:
        for entity in present:
            bar.update(bar.done, item=paths[entity.name].name)
            result = check_source(read_source(entity, paths[entity.name]), loaded).without_cells()
            folder.write(result)
            loaded[entity.name] = result.table.select(CONTEXT_COLUMNS.get(entity.name, ()))
            reports.append(result.report)
            rejects.append(result.rejects)
            del result  # its table is written: only the columns above stay
            bar.advance()
        del loaded
        folder.finish(reports, rejects, absent=[e for e in INPUT_ENTITIES if e.name not in paths])
    for report in reports:
        log(report.summary())
    return reports


CONTEXT_COLUMNS = {
    "townships": ("township_code", "county_code"),
    "units": ("unit_id", "township_code"),
    "people": ("person_id",),
}
"""What the checks of later files read of an earlier file's table (add_context: references, a posting's township's
county and unit's township): all a load keeps of a table once it is written."""


# --- finding the files -------------------------------------------------------------------------------------------


def accepted_names(entity: Entity) -> list[str]:
    return [f"{stem}{suffix}" for stem in (entity.name, entity.alias) for suffix in SUFFIXES]


def entity_of(path: Path) -> Entity | None:
    """The entity a file stands for: its stem is the English name (any case) or the Chinese alias."""
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        return None
    stem = unicodedata.normalize("NFKC", path.stem).strip()
    return next((e for e in INPUT_ENTITIES if stem.casefold() == e.name or stem == e.alias), None)


def find_inputs(input_dir: Path) -> dict[str, Path]:
    if not input_dir.is_dir():
        raise InputError(f"输入文件夹不存在：{input_dir}", f"The input folder {input_dir} does not exist.")
    found: dict[str, list[Path]] = {entity.name: [] for entity in INPUT_ENTITIES}
    for path in sorted(input_dir.iterdir()):
        entity = entity_of(path)
        if entity is not None:
            found[entity.name].append(path)
    missing = [e for e in ENTITIES if not found[e.name]]
    if missing:
        raise InputError(
            "缺少输入文件："
            + "；".join(f"{e.alias}（可用文件名 {'、'.join(accepted_names(e))}）" for e in missing)
            + f"。请把文件放进 {input_dir} 后重试。",
            "Missing input file: "
            + "; ".join(f"{e.name} (one of {', '.join(accepted_names(e))})" for e in missing)
            + f". Put the file in {input_dir} and run again.",
        )
    doubled = {name: paths for name, paths in found.items() if len(paths) > 1}
    if doubled:
        names = "; ".join(", ".join(p.name for p in paths) for paths in doubled.values())
        raise InputError(
            f"同一类数据有多个文件：{names}。每类只能提供一个文件，请删除或改名多余的文件。",
            f"More than one file for one entity: {names}. Keep one file per entity; remove or rename the others.",
        )
    return {name: paths[0] for name, paths in found.items() if paths}


# --- reading -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A file's cells before the contract is applied: headers, one column per header, Excel row numbers."""

    headers: list[str]
    data: pl.DataFrame
    rows: pl.Series
    positions: tuple[int, ...] = ()
    """Each column's position in the file (1 for the first), once blank columns are left out; empty: 1, 2, …"""
    header_width: int | None = None
    """Set when some rows are longer than the header row (CSV): the columns at later positions hold cells beyond
    the header, under blank headers."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_source(entity: Entity, path: Path) -> Source:
    table = read_table(entity, path)
    names = column_names(entity, table.headers, path.name, table.positions)
    columns = {name: table.data.to_series(i).alias(name) for i, name in enumerate(names)}
    absent = {c.name: pl.repeat(None, table.data.height, dtype=pl.String, eager=True) for c in entity.columns}
    data = pl.DataFrame(
        {ROW: table.rows} | {c.name: columns.get(c.name, absent[c.name]) for c in entity.columns}
        | {name: series for name, series in columns.items() if name.startswith(EXTRA_PREFIX)}
    )
    headers = {name: record_key(name, header) for name, header in zip(names, table.headers, strict=True)}
    width = table.header_width
    positions = table.positions or range(1, len(names) + 1)
    beyond = {name: at - width for name, at in zip(names, positions) if width is not None and at > width}
    return Source(entity, path, file_sha256(path), data, headers, beyond)


def read_table(entity: Entity, path: Path) -> Table:
    try:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            table = read_csv(path.read_bytes())
        elif suffix == ".xlsx":
            table = read_xlsx(path, entity)
        else:
            table = read_parquet(path)
    except InputError as error:
        raise InputError(f"{path.name}：{error.zh}", f"{path.name}: {error.en}") from None
    except UNREADABLE as error:
        # The library's message is left out: it may quote cell contents, an id_number among them.
        raise InputError(
            f"无法读取文件 {path.name}（{type(error).__name__}）：文件可能已损坏，"
            "或不是有效的 CSV、XLSX、Parquet 文件。",
            f"Cannot read {path.name} ({type(error).__name__}): the file may be damaged or not a valid CSV, "
            "XLSX or Parquet file.",
        ) from None
    return without_blanks(table)


def without_blanks(table: Table) -> Table:
    """Rows with no value at all are not rows, and a column with neither header nor value is not a column:
    Excel leaves both behind when cells are cleared. Row numbers stay those of the file."""
    if table.data.width == 0:
        return table
    blank = table.data.select(pl.all_horizontal(pl.all().is_null())).to_series()
    if blank.any():
        table = replace(table, data=table.data.filter(~blank), rows=table.rows.filter(~blank))
    keep = [
        i for i, header in enumerate(table.headers)
        if header.strip() or table.data.to_series(i).null_count() < table.data.height
    ]
    if len(keep) == len(table.headers):
        return table
    positions = table.positions or tuple(range(1, len(table.headers) + 1))
    return replace(
        table, headers=[table.headers[i] for i in keep], data=table.data.select(pl.nth(keep)),
        positions=tuple(positions[i] for i in keep),
    )


SAVE_AS = (
    "请用 Excel 打开后另存为“CSV UTF-8（逗号分隔）”，或在中文 Windows 上另存为“CSV（逗号分隔）”，然后重试。",
    'Open it in Excel and save it as "CSV UTF-8 (Comma delimited)", or as "CSV (Comma delimited)" on Chinese '
    "Windows, then run again.",
)


def decode_csv(raw: bytes) -> bytes:
    """The text as UTF-8, whatever Excel saved: UTF-8 with or without BOM, or GB18030 on Chinese Windows.

    The encoding is told from the bytes, never from the file name (warehouse.encoding); a file in any other
    encoding stops the run rather than load as garbage. Only a GB18030 file is converted; UTF-8 is checked whole
    by the CSV reader.
    """
    verdict = encoding.detect(raw)
    if verdict.encoding == encoding.UTF_8_SIG:
        return raw[3:]
    if verdict.encoding == encoding.UTF_8:
        return raw
    if verdict.encoding == encoding.GB18030:
        try:
            return raw.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"文件按 GB18030 读取，但第 {error.start + 1} 个字节起不是 GB18030 文本"
                "（文件可能由不同编码的部分拼成）。" + SAVE_AS[0],
                f"the file reads as GB18030, but from byte {error.start + 1} on it is not GB18030 text (parts saved "
                "in different encodings?). " + SAVE_AS[1],
            ) from None
    if verdict.likely is None:
        raise InputError(
            "文本编码既不是 UTF-8 也不是 GB18030，也无法判断是哪一种（文件可能由不同编码的部分拼成）。" + SAVE_AS[0],
            "the text is neither UTF-8 nor GB18030, nor any encoding that can be told (parts saved in different "
            "encodings?). " + SAVE_AS[1],
        )
    zh, en = verdict.describe()
    raise InputError(
        f"文本编码既不是 UTF-8 也不是 GB18030，看起来是 {zh}；按 GB18030 读取只会得到乱码。" + SAVE_AS[0],
        f"the text is neither UTF-8 nor GB18030: it looks like {en}, and read as GB18030 it would be garbage. "
        + SAVE_AS[1],
    )


def read_csv(raw: bytes) -> Table:
    """Every cell as text, so `0360` stays `0360`; the header row is read as data to keep it exactly as typed.

    Cells beyond the header's last column are kept as columns of their own (Table.header_width) so their rows can
    be rejected: they mean the row's columns may be shifted."""
    text = decode_csv(raw)
    if not text or text.isspace():
        raise InputError("文件是空的。", "the file is empty.")
    try:
        frame, header_width = csv_cells(text)
    except pl.exceptions.ComputeError as error:
        if "utf-8" not in str(error).lower():
            raise
        raise InputError(
            "文件开头是 UTF-8 文本，后面却有不是 UTF-8 的字节（文件可能由不同编码的部分拼成）。" + SAVE_AS[0],
            "the file begins as UTF-8 text but holds bytes further on that are not UTF-8 (parts saved in different "
            "encodings?). " + SAVE_AS[1],
        ) from None
    headers = [value or "" for value in frame.row(0)]
    data = frame.slice(1)
    rows = pl.int_range(2, data.height + 2, dtype=pl.Int32, eager=True)
    return Table(headers, data, rows, header_width=header_width)


WIDEST_ROW = 1 << 14
"""Cells per row beyond which a CSV is not a table (the widening read below gives up)."""


def csv_cells(text: bytes) -> tuple[pl.DataFrame, int | None]:
    """Every row's cells, and the header row's width where some rows are longer (None where none is).

    polars takes the first row's width for the file's and fails on a longer row. That failure is the rare case
    (an unquoted comma in a value): only then is the file read again, behind a blank first line wide enough for
    the longest row, so the same CSV parser reads every cell; the columns beyond the header that hold no value
    (trailing commas) are dropped.
    """
    try:
        return _read_cells(text), None
    except pl.exceptions.ComputeError as error:
        if "more fields" not in str(error):
            raise
    width = pl.read_csv(
        BytesIO(text), has_header=False, infer_schema=False, n_rows=1, truncate_ragged_lines=True
    ).width
    extra = 1
    while True:
        extra *= 4  # a shifted row usually has one or two cells more; every column read costs time and memory
        wide = width + extra
        if wide > WIDEST_ROW:
            raise InputError(
                f"有一行的单元格超过 {WIDEST_ROW} 个，文件不像是一张表。",
                f"a row has more than {WIDEST_ROW} cells: the file does not look like a table.",
            )
        try:
            frame = _read_cells(b"," * (wide - 1) + b"\n" + text).slice(1)
            break
        except pl.exceptions.ComputeError as error:
            if "more fields" not in str(error):
                raise
    beyond = frame.select(pl.col(frame.columns[width:]).str.strip_chars().replace("", None))
    used = [i for i, column in enumerate(beyond.iter_columns()) if column.null_count() < frame.height]
    beyond = beyond.select(pl.nth(range(used[-1] + 1 if used else 0)))
    return pl.concat([frame.select(pl.nth(range(width))), beyond], how="horizontal"), width


def _read_cells(text: bytes) -> pl.DataFrame:
    return pl.read_csv(BytesIO(text), has_header=False, infer_schema=False)


def cell_text(value: object) -> str | None:
    """An XLSX cell as the text a CSV export of it would hold: a date cell is `2019-03-01`, a number cell
    holding a code is `360799100000` (not `360799100000.0`), a boolean is `true`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def pick_sheet(workbook: openpyxl.Workbook, entity: Entity) -> Any:
    """The sheet named like the entity (English or Chinese), else the first one (a read-only worksheet, whose
    class openpyxl keeps private)."""
    for sheet in workbook.worksheets:
        title = unicodedata.normalize("NFKC", sheet.title).strip()
        if title.casefold() == entity.name or title == entity.alias:
            return sheet
    return workbook.worksheets[0]


def read_xlsx(path: Path, entity: Entity) -> Table:
    """The first non-empty row is the header; row numbers are the sheet's own, so they match what Excel shows."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = pick_sheet(workbook, entity)
        sheet.reset_dimensions()
        rows = [
            (number, [cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
            if any(value is not None for value in values)
        ]
    finally:
        workbook.close()
    if not rows:
        raise InputError("工作表是空的。", "the sheet is empty.")
    width = max(len(values) for _, values in rows)
    headers = [(value or "") for value in rows[0][1]] + [""] * (width - len(rows[0][1]))
    names = [f"c{i}" for i in range(width)]
    body = [values + [None] * (width - len(values)) for _, values in rows[1:]]
    data = pl.DataFrame(body, schema={name: pl.String for name in names}, orient="row")
    return Table(headers, data, pl.Series([number for number, _ in rows[1:]], dtype=pl.Int32))


def read_parquet(path: Path) -> Table:
    """Columns keep their Parquet types; the parsers keep those that already fit and read the rest as text."""
    data = pl.read_parquet(path)
    return Table(list(data.columns), data, pl.int_range(2, data.height + 2, dtype=pl.Int32, eager=True))


# --- headers -----------------------------------------------------------------------------------------------------


def _header_key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip()


def match_column(entity: Entity, header: str) -> Column | None:
    """A header names a contract column by its English name (any case) or its Chinese alias."""
    key = _header_key(header)
    return next(
        (c for c in entity.columns if key.casefold() == c.name.casefold() or key == _header_key(c.alias)), None
    )


def column_names(
    entity: Entity, headers: Sequence[str], file_name: str, positions: Sequence[int] = ()
) -> list[str]:
    """The name each file column takes: its contract name, or `extra__<header>` (a blank header: its position in
    the file, as the analyst counts columns)."""
    names: list[str] = []
    taken: set[str] = set()
    for position, header in zip(positions or range(1, len(headers) + 1), headers, strict=True):
        column = match_column(entity, header)
        if column is not None and column.name in names:
            raise InputError(
                f"{file_name}：{column.alias}（{column.name}）列出现了不止一次，请只保留一列。",
                f"{file_name}: the column {column.name} ({column.alias}) appears more than once; keep one.",
            )
        name = column.name if column is not None else _extra_name(header, position, taken)
        taken.add(name.casefold())
        names.append(name)
    missing = [c for c in entity.columns if c.required and c.name not in names]
    if missing:
        raise InputError(
            f"{file_name} 缺少必需的列：" + "、".join(f"{c.alias}（{c.name}）" for c in missing)
            + "。请在表头行加上这些列名（中文或英文均可）。",
            f"{file_name} lacks required columns: " + ", ".join(f"{c.name} ({c.alias})" for c in missing)
            + ". Add them to the header row, in English or Chinese.",
        )
    return names


def _extra_name(header: str, position: int, taken: set[str]) -> str:
    """`extra__<header>`, unique whatever the case (DuckDB names ignore case); a blank header is its position."""
    base = EXTRA_PREFIX + (_header_key(header) or f"column_{position}")
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def record_key(name: str, header: str) -> str:
    """A reject's record is keyed by the headers as written; extra columns by their deduplicated name."""
    return name[len(EXTRA_PREFIX):] if name.startswith(EXTRA_PREFIX) else _header_key(header)


# --- checking ----------------------------------------------------------------------------------------------------


def parse_source(source: Source) -> pl.DataFrame:
    """`source_row`, each contract column's value, and per column `_error__<name>` (an error key) and
    `_empty__<name>`."""
    columns: dict[str, pl.Series] = {ROW: source.data.get_column(ROW)}
    for column in source.entity.columns:
        parsed = parse_input(source.data.get_column(column.name), column)
        columns[column.name] = parsed.value
        columns[f"_error__{column.name}"] = parsed.error
        columns[f"_empty__{column.name}"] = parsed.empty
    required = [c.name for c in source.entity.columns if c.required]
    return pl.DataFrame(columns).with_columns(
        pl.when(pl.col(f"_empty__{name}")).then(pl.lit("required")).otherwise(pl.col(f"_error__{name}"))
        .alias(f"_error__{name}")
        for name in required
    )


def parse_input(values: pl.Series, column: Column) -> Parsed:
    if column.kind != "id_number":
        return parse_column(values, column)
    normalised = privacy.normalise(values)
    errors = pl.DataFrame({"id": normalised, "e": privacy.id_number_error(normalised)}).with_columns(
        e=pl.when(pl.col("id").str.contains(SCIENTIFIC)).then(pl.lit("id_scientific")).otherwise("e")
    )
    valid = errors.select(pl.when(pl.col("e").is_null()).then("id")).to_series()
    return Parsed(valid, normalised.is_null(), errors.get_column("e"))


def parse_reasons(column: Column) -> dict[str, tuple[str, str]]:
    """What each parser error key means for this column, Chinese and English."""
    zh, en = column.alias, column.name
    lengths_zh = " 或 ".join(str(n) for n in column.digits)
    lengths_en = " or ".join(str(n) for n in column.digits)
    labels = column.enum or {}
    return {
        "required": (f"{zh}不能为空", f"{en} is required but empty"),
        "digits": (f"{zh}应为数字代码", f"{en} must be a code of digits"),
        "length": (f"{zh}应为 {lengths_zh} 位数字", f"{en} must have {lengths_en} digits"),
        "scientific": (
            f"{zh}是科学计数法（如 3.60799E+11）：Excel 把代码当作数字，只显示前几位，后面的数字已丢失，无法还原。"
            "请在 Excel 中把该列设置为“文本”格式，再重新输入或重新导出这些代码",
            f"{en} is in scientific notation (like 3.60799E+11): Excel took the code for a number and kept only its "
            "first digits; the others are lost and cannot be recovered. In Excel, format the column as Text, then "
            "re-enter or re-export the codes",
        ),
        "date": (
            f"{zh}：日期无法识别：应为 2019-03-01、2019/3/1、2019年3月1日 等格式",
            f"{en}: unrecognised date: expected a form like 2019-03-01, 2019/3/1 or 2019年3月1日",
        ),
        "no_such_date": (f"{zh}：日期不存在（如 2 月 30 日）", f"{en}: no such date (like 30 February)"),
        "bool": (
            f"{zh}：无法识别的是否值：应为 是/否、true/false、1/0 或 Y/N",
            f"{en}: unrecognised yes/no value: expected true/false, 1/0, 是/否 or Y/N",
        ),
        "int": (f"{zh}应为整数", f"{en} must be a whole number"),
        "enum": (
            f"{zh}取值无法识别：应为 {'、'.join(labels.values())} 之一（或英文代码 {', '.join(labels)}）",
            f"{en}: unrecognised value: expected one of {', '.join(labels)} "
            f"(or the Chinese {'/'.join(labels.values())})",
        ),
        "id_length": (f"{zh}应为 18 位", f"{en} must have 18 characters"),
        "id_check": (f"{zh}校验位不正确（GB 11643）", f"{en} has a wrong check digit (GB 11643)"),
        "id_scientific": (
            f"{zh}是科学计数法（如 1.10105E+17）：Excel 把 18 位号码当作数字，最多只保留 15 位有效数字，"
            "后几位已丢失，无法还原。请在 Excel 中把该列设置为“文本”格式后重新输入",
            f"{en} is in scientific notation (like 1.10105E+17): Excel took the 18-digit number for a number, "
            "which holds at most 15 significant digits, so its last digits are lost and cannot be recovered. In "
            "Excel, format the column as Text and re-enter the numbers",
        ),
    }


def parse_checks(entity: Entity) -> list[Check]:
    checks = []
    for column in entity.columns:
        error = pl.col(f"_error__{column.name}")
        reasons = parse_reasons(column)
        checks.append(
            Check(
                (column.name,),
                error.is_not_null(),
                error.replace_strict({k: zh for k, (zh, _) in reasons.items()}, default=None, return_dtype=pl.String),
                error.replace_strict({k: en for k, (_, en) in reasons.items()}, default=None, return_dtype=pl.String),
            )
        )
    return checks


def first_rows(frame: pl.DataFrame, key: Sequence[str]) -> pl.Series:
    """For each row whose key an earlier row already has, that earlier row's number; null elsewhere.

    A hash of the key finds the candidates in one pass; only rows whose hash repeats are compared exactly.
    Rows with an empty key part are left out (they are rejected as empty).
    """
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    hashes = frame.select(pl.when(complete).then(pl.struct(*key).hash()).alias("h")).to_series()
    no_first = pl.repeat(None, frame.height, dtype=pl.Int32, eager=True)
    if hashes.drop_nulls().n_unique() == hashes.count():
        return no_first
    candidates = (hashes.is_duplicated() & hashes.is_not_null()).arg_true()
    subset = frame.select(ROW, *key).gather(candidates)
    first = subset.select(
        pl.when(pl.col(ROW) != pl.col(ROW).first().over(*key)).then(pl.col(ROW).first().over(*key))
    ).to_series()
    return no_first.scatter(candidates, first.cast(pl.Int32))


def _label(entity: Entity, key: Sequence[str]) -> tuple[str, str]:
    return "+".join(entity.column(k).alias for k in key), " + ".join(key)


def duplicate_check(entity: Entity) -> Check:
    zh, en = _label(entity, entity.key)
    row = pl.col("_first_row").cast(pl.String)
    return Check(
        entity.key,
        pl.col("_first_row").is_not_null(),
        pl.format(f"{zh}重复：与第 {{}} 行相同（只载入第一行）", row),
        pl.format(f"duplicate {en}: same as row {{}} (only the first is loaded)", row),
    )


def reference_check(entity: Entity, column: str, target: str) -> Check:
    source, other = entity.column(column), ENTITY_BY_NAME[target]
    return Check(
        (column,),
        pl.col(f"_missing__{column}"),
        pl.lit(f"{source.alias}在已载入的{other.alias}中不存在（{other.alias}文件里没有，或那一行被拒收）"),
        pl.lit(f"{column} not found among the loaded {other.name} (absent from the {other.name} file, or its row "
               "was rejected)"),
    )


def unit_checks() -> list[Check]:
    return [
        Check(
            ("abolished_on",),
            pl.col("abolished_on") <= pl.col("established_on"),
            pl.lit("撤销日期应晚于设立日期"),
            pl.lit("abolished_on must be after established_on"),
        )
    ]


def posting_checks() -> list[Check]:
    """The rules between a posting's columns and the township and unit it names.

    A posting's unit must belong to the posting's own township: units are township bodies, so a unit of another
    township, or a unit on a posting outside any township, is a contradiction the rules cannot resolve (which
    township did the person work in?), and the row is rejected rather than guessed.
    """
    township = pl.col("org_level") == "township"
    other_level = pl.col("org_level").is_not_null() & ~township
    twp_given = ~pl.col("_empty__township_code")
    unit_twp = pl.col("_unit_township")
    return [
        Check(
            ("end_date",),
            pl.col("end_date") < pl.col("start_date"),
            pl.lit("离任日期不能早于任职日期"),
            pl.lit("end_date must not be before start_date"),
        ),
        Check(
            ("township_code",),
            township & ~twp_given,
            pl.lit("单位层级为乡镇时，乡镇代码不能为空"),
            pl.lit("township_code is required when org_level is township"),
        ),
        Check(
            ("township_code",),
            other_level & twp_given,
            pl.lit("单位层级不是乡镇时，乡镇代码应为空"),
            pl.lit("township_code must be empty when org_level is not township"),
        ),
        Check(
            ("county_code",),
            township & (pl.col("county_code") != pl.col("_township_county")),
            pl.format("县级代码与该乡镇所属县级代码 {} 不一致", pl.col("_township_county")),
            pl.format("county_code differs from the township's county {}", pl.col("_township_county")),
        ),
        Check(
            ("unit_id",),
            unit_twp != pl.col("township_code"),
            pl.format("机构属于乡镇 {}，与本行的乡镇代码不一致", unit_twp),
            pl.format("unit_id belongs to township {}, not to this posting's township_code", unit_twp),
        ),
        Check(
            ("unit_id",),
            unit_twp.is_not_null() & other_level,
            pl.format("机构属于乡镇 {}，而本行的单位层级不是乡镇", unit_twp),
            pl.format("unit_id belongs to township {}, but this posting's org_level is not township", unit_twp),
        ),
    ]


def known_rule_ids() -> list[str]:
    """The rules of the shipped rulebook (a user rulebook adds parameter rows, never rules)."""
    return pl.read_csv(RULEBOOK_DIR / "rulebook_rules.csv", columns=["rule_id"], infer_schema=False)["rule_id"].to_list()


def waiver_checks() -> list[Check]:
    """A waiver names a rule of the rulebook, and it cannot lapse before it was approved (a one-day waiver ends on
    the day it was approved)."""
    known = known_rule_ids()
    return [
        Check(
            ("rule_id",),
            ~pl.col("rule_id").is_in(known),
            pl.lit("规则编号不是已知规则：应为 " + "、".join(known) + " 之一"),
            pl.lit("rule_id is not a known rule: expected one of " + ", ".join(known)),
        ),
        Check(
            ("valid_until",),
            pl.col("valid_until") < pl.col("approved_on"),
            pl.lit("有效期至不能早于批准日期"),
            pl.lit("valid_until must not be before approved_on"),
        ),
    ]


def missing_references(values: pl.Series, targets: pl.Series) -> pl.Series:
    """True where a value is given but no loaded row has it (an anti join: about twice as fast as is_in)."""
    given = values.to_frame("key").with_row_index("i").filter(pl.col("key").is_not_null())
    missing = given.join(targets.to_frame("key"), on="key", how="anti").get_column("i")
    return pl.repeat(False, len(values), eager=True).scatter(missing, True)


def lookup(values: pl.Series, table: pl.DataFrame, key: str, wanted: str) -> pl.Series:
    """`wanted` of the loaded row whose `key` equals each value (null where there is none)."""
    return values.replace_strict(
        table.get_column(key), table.get_column(wanted), default=None, return_dtype=pl.String
    )


def add_context(entity: Entity, frame: pl.DataFrame, loaded: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """What the row checks need from earlier entities: whether each reference is found, and for a posting its
    township's county and its unit's township."""
    missing = [
        missing_references(frame.get_column(ref.column), loaded[ref.entity].get_column(ref.target_column))
        .alias(f"_missing__{ref.column}")
        for ref in entity.references
    ]
    frame = frame.with_columns(missing).with_columns(_first_row=first_rows(frame, entity.key))
    if entity.name == "postings":
        townships, units = loaded["townships"], loaded["units"]
        frame = frame.with_columns(
            _township_county=lookup(frame.get_column("township_code"), townships, "township_code", "county_code"),
            _unit_township=lookup(frame.get_column("unit_id"), units, "unit_id", "township_code"),
        )
    return frame


def beyond_checks(source: Source) -> list[Check]:
    """A CSV row with values beyond the header's last column: usually a value with an unquoted comma, which
    shifts every cell after it one column to the right, so no cell of the row can be trusted where it stands.
    Blank cells there (trailing commas) are not values and were dropped on reading."""
    if not source.beyond:
        return []
    extra = pl.max_horizontal(
        pl.when(pl.col(name).is_not_null()).then(pl.lit(offset)) for name, offset in source.beyond.items()
    )
    return [
        Check(
            tuple(source.beyond),
            pl.any_horizontal(pl.col(name).is_not_null() for name in source.beyond),
            pl.format("本行比表头多 {} 个单元格，各列可能错位（常见原因：某个值里有逗号却没有加引号）", extra),
            pl.format("this row has {} more cells than the header, so its columns may be shifted (often a value "
                      "holding a comma without quotes)", extra),
        )
    ]


def checks_for(entity: Entity) -> list[Check]:
    """Every check of an entity, in the order of the columns they blame, so a reject's reasons read in the
    order of its columns."""
    checks = parse_checks(entity) + [duplicate_check(entity)]
    checks += [reference_check(entity, ref.column, ref.entity) for ref in entity.references]
    checks += {"units": unit_checks, "postings": posting_checks, "waivers": waiver_checks}.get(entity.name, list)()
    position = {column.name: i for i, column in enumerate(entity.columns)}
    return sorted(checks, key=lambda check: position[check.columns[0]])


def check_source(source: Source, loaded: Mapping[str, pl.DataFrame], extra_checks: Sequence[Check] = ()) -> Checked:
    """Split a file's rows into the raw table and the rejects; `loaded` holds the earlier entities' tables.
    `extra_checks` are rules of the caller's own over the parsed columns (planned postings: warehouse check)."""
    entity = source.entity
    checks = checks_for(entity) + list(extra_checks) + beyond_checks(source)
    frame = add_context(entity, parse_source(source), loaded).with_columns(source.data.select(list(source.beyond)))
    frame = frame.with_columns(
        check.failed.fill_null(False).alias(f"_failed_{i}") for i, check in enumerate(checks)
    )
    rejected = frame.select(pl.any_horizontal(f"_failed_{i}" for i in range(len(checks)))).to_series()
    # Filtering copies every column even when nothing is rejected, the usual case: then the frames are used as
    # they are.
    any_rejected = bool(rejected.any())
    passed = frame.filter(~rejected) if any_rejected else frame
    if entity.name == "postings":
        passed = passed.with_columns(county_code=default_county(passed))
    given = source.data.drop(list(source.beyond))  # empty in every row that passed
    table = raw_table(entity, passed, given.filter(~rejected) if any_rejected else given)
    del passed
    rejects = reject_rows(source, frame.filter(rejected), source.data.filter(rejected), checks)
    return Checked(source, table, rejects, source.data.height)


def default_county(postings: pl.DataFrame) -> pl.Series:
    """A township posting without county_code is in its township's county: the loaded township's county_code, or,
    for a township the file does not hold, the first six digits of its code (the statistical division code of a
    township begins with the code of its county-level division; docs/rules.md)."""
    township = pl.col("org_level") == "township"
    return postings.select(
        pl.when(township)
        .then(pl.coalesce("county_code", "_township_county", pl.col("township_code").str.slice(0, COUNTY_DIGITS)))
        .otherwise(pl.col("county_code"))
    ).to_series()


# --- output frames -----------------------------------------------------------------------------------------------


def table_columns(entity: Entity, extras: Sequence[str] = ()) -> dict[str, str]:
    """The raw table of an entity: contract columns in contract order (id_number as hash and masked form),
    then `source_row`, then the extra columns."""
    columns: dict[str, str] = {}
    for column in entity.columns:
        if column.kind == "id_number":
            columns |= {name: "varchar" for name in ID_NUMBER_STORED_AS}
        else:
            columns[column.name] = DUCKDB_TYPES[column.kind]
    return columns | {ROW: "integer"} | {name: "varchar" for name in extras}


def raw_table(entity: Entity, passed: pl.DataFrame, given: pl.DataFrame) -> pl.DataFrame:
    """The rows that passed, as stored: the clear id_number is dropped here, after hashing and masking."""
    extras = [name for name in given.columns if name.startswith(EXTRA_PREFIX)]
    values = passed.select(c.name for c in entity.columns if c.kind != "id_number").with_columns(
        passed.get_column(ROW)
    )
    for column in entity.columns:
        if column.kind == "id_number":
            ids = passed.get_column(column.name)
            stored = (privacy.hash_ids(ids), privacy.mask(ids))
            values = values.with_columns(s.alias(n) for n, s in zip(ID_NUMBER_STORED_AS, stored, strict=True))
    if extras:
        values = pl.concat([values, given.select(pl.col(extras).cast(pl.String))], how="horizontal")
    types = table_columns(entity, extras)
    return values.select(pl.col(name).cast(_POLARS_TYPES[kind]) for name, kind in types.items())


def given_text(entity: Entity, name: str) -> pl.Expr:
    """A cell as the analyst gave it, for the rejects: text, and an id_number only in its masked form (as long as
    the number after trimming, so a missing or extra digit still shows), in its own column or any other (a row
    whose columns are shifted holds it under another header)."""
    value = pl.col(GIVEN + name).cast(pl.String)
    normalised = value.str.normalize("NFKC").str.strip_chars().str.to_uppercase()
    if name in {c.name for c in entity.columns if c.kind == "id_number"}:
        return privacy.mask_expr(normalised)
    return pl.when(normalised.str.contains(r"^\d{17}[\dX]$")).then(privacy.mask_expr(normalised)).otherwise(value)


def reject_rows(source: Source, failed: pl.DataFrame, given: pl.DataFrame, checks: Sequence[Check]) -> pl.DataFrame:
    """One line per rejected row: every failing column, its value as given, and every reason."""
    entity = source.entity
    flags = [pl.col(f"_failed_{i}") for i in range(len(checks))]
    blamed = {
        name: pl.any_horizontal(f for f, check in zip(flags, checks) if name in check.columns)
        for name in [*(c.name for c in entity.columns), *source.beyond]
        if any(name in check.columns for check in checks)
    }
    # Of the cells beyond the header, those that hold something, under the names the record gives them.
    blamed |= {name: blamed[name] & pl.col(name).is_not_null() for name in source.beyond if name in blamed}
    shown = {name: source.headers[name] if name in source.beyond else name for name in blamed}
    rows = pl.concat([failed, given.select(pl.all().name.prefix(GIVEN))], how="horizontal")
    return rows.select(
        pl.lit(source.path.name, pl.String).alias("file"),
        pl.col(ROW).cast(pl.Int32).alias("row"),
        _joined([pl.when(f).then(pl.lit(shown[name])) for name, f in blamed.items()], "; ", "column"),
        _joined(
            [pl.when(f).then(given_text(entity, name).fill_null("")) for name, f in blamed.items()], "; ", "value"
        ),
        _joined([pl.when(f).then(check.reason_zh) for f, check in zip(flags, checks)], "；", "reason_zh"),
        _joined([pl.when(f).then(check.reason_en) for f, check in zip(flags, checks)], "; ", "reason_en"),
        pl.lit(entity.name, pl.String).alias("entity"),
        pl.struct(given_text(entity, name).alias(key) for name, key in source.headers.items())
        .struct.json_encode()
        .alias("record"),
    )


def _joined(parts: list[pl.Expr], separator: str, name: str) -> pl.Expr:
    return pl.concat_str(parts, separator=separator, ignore_nulls=True).alias(name)


# --- writing -----------------------------------------------------------------------------------------------------


@dataclass
class NewLoad:
    """A load folder being written beside the warehouse (db.loaded_root): tables go in as they are checked
    (`write`), and `finish` adds the empty tables of absent optional inputs, the rejects and the file list, then
    switches the `current` link to it in one atomic rename."""

    root: Path
    path: Path
    loaded_at: datetime

    def write(self, result: Checked) -> None:
        """A checked file's table, with the raw table's columns and types."""
        entity = result.source.entity
        extras = [n for n in result.table.columns if n.startswith(EXTRA_PREFIX)]
        with writing(self.root):
            write_table(self.path, entity.name, result.table, table_columns(entity, extras))

    def finish(self, reports: list[FileReport], rejects: list[pl.DataFrame], absent: Sequence[Entity] = ()) -> None:
        with writing(self.root):
            for entity in absent:  # an optional input left out: an empty table, no line in load_files
                types = table_columns(entity)
                empty = pl.DataFrame(schema={c: _PARQUET_TYPES[k] for c, k in types.items()})
                write_table(self.path, entity.name, empty, types)
            files = pl.DataFrame([asdict(report) for report in reports]).with_columns(
                loaded_at=pl.lit(self.loaded_at, dtype=pl.Datetime("us", "UTC"))
            )
            write_table(self.path, "rejects", pl.concat(rejects), REJECT_TYPES)
            write_table(self.path, "load_files", files, LOAD_FILE_TYPES)
            switch_current(self.root, self.path)


@contextmanager
def new_load(db_path: Path) -> Iterator[NewLoad]:
    """Replace the loaded data, all or nothing: a failure anywhere (a bad file, a full disk) removes the new folder
    and leaves the previous load as it was.

    The validated tables are written as Parquet, one folder per entity, into a new folder beside the warehouse;
    only when every file is complete (and on the disk) does the `current` link switch to it (NewLoad.finish). The
    warehouse file is not touched: the next build reads the new load (its `raw` views are made in the new
    warehouse file it writes), and until then every reader and `export` see the last build and the load it judged,
    whole."""
    loaded_at = datetime.now(timezone.utc)
    root = loaded_root(db_path)
    load = NewLoad(root, root / f"{LOAD_PREFIX}{loaded_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", loaded_at)
    try:
        yield load
    except BaseException:
        shutil.rmtree(load.path, ignore_errors=True)
        raise
    remove_unused_loads(db_path)


@contextmanager
def writing(root: Path) -> Iterator[None]:
    """A failure to write the load folder (a full disk, a folder that is not writable) as LoadWriteError."""
    try:
        yield
    except (OSError, pl.exceptions.ComputeError) as error:
        if isinstance(error, OSError) or "os error" in str(error):
            raise LoadWriteError.of(root, error) from None
        raise


class LoadWriteError(UserError):
    """The load could not be written (a full disk, a folder that is not writable): exit status 1, the previous
    load is kept."""

    @classmethod
    def of(cls, root: Path, error: BaseException) -> LoadWriteError:
        failure = write_failure(root, error)
        return cls(failure.zh + "上一次载入的数据保持不变。", failure.en + " The previous load is kept as it was.")


def write_table(folder: Path, name: str, frame: pl.DataFrame, types: Mapping[str, str]) -> None:
    """One entity's folder of the load: `<name>/part-0.parquet`, with the raw table's columns and types, flushed to
    the disk before the load can become current."""
    (folder / name).mkdir(parents=True)
    path = folder / name / "part-0.parquet"
    frame.select(pl.col(column).cast(_PARQUET_TYPES[kind]) for column, kind in types.items()).write_parquet(
        path, compression="snappy"
    )
    fsync(path)


def switch_current(root: Path, folder: Path) -> None:
    """Point `root/current` at `folder` in one rename (atomic on POSIX). Callers hold the warehouse lock, so no
    other load writes beside it."""
    link = root / f".current-{folder.name}"
    link.symlink_to(folder.name, target_is_directory=True)
    os.replace(link, root / "current")

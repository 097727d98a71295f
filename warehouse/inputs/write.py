"""Write the input entities (the five, and the optional waivers) in the formats the contract accepts (contract.md section 1).

The demo data set and the synthetic generator both go through here, so the files the checker is tested against
look like what an establishment office really hands over: Chinese headers and labels, Excel workbooks with real
date cells, CSV saved by Excel on Chinese Windows (GB18030, or UTF-8 with a BOM), and dates typed in several
styles. The column specs, aliases and enum labels come from `warehouse.contract`; nothing is repeated here.

CSV and Parquet are written column-wise with polars (no per-row Python), so the generator can write large data
sets quickly; only XLSX goes cell by cell, as any workbook writer must.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import polars as pl
import xlsxwriter

from warehouse.inputs.contract import ENTITY_BY_NAME, INPUT_ENTITIES, Column, Entity

Style = Literal["english", "chinese"]
Format = Literal["csv-utf8", "csv-bom", "csv-gb18030", "xlsx", "parquet"]
DateStyle = Literal["iso", "slash", "dotted", "cjk", "compact"]

FORMATS: tuple[str, ...] = ("csv-utf8", "csv-bom", "csv-gb18030", "xlsx", "parquet")

ENGLISH_FORMATS: dict[str, str] = {e.name: "csv-utf8" for e in INPUT_ENTITIES}
"""style "english": every entity as plain UTF-8 CSV."""

CHINESE_FORMATS: dict[str, str] = {
    "townships": "xlsx",
    "units": "csv-gb18030",
    "people": "csv-bom",
    "postings": "xlsx",
    "appraisals": "csv-gb18030",
    "waivers": "csv-bom",
}
"""style "chinese": the mix an office hands over — two workbooks, CSV saved by Excel in GB18030 and in UTF-8+BOM."""

CHINESE_DATE_STYLES: dict[tuple[str, str], tuple[DateStyle, DateStyle]] = {
    ("units", "established_on"): ("slash", "compact"),
    ("units", "abolished_on"): ("slash", "cjk"),
    ("people", "birth_date"): ("compact", "dotted"),
    ("people", "recruited_on"): ("cjk", "slash"),
    ("postings", "start_date"): ("slash", "dotted"),
    ("postings", "end_date"): ("cjk", "slash"),
}
"""Text dates in style "chinese": (the column's usual style, the style of hand-corrected rows).

An export from a personnel system writes one style per column, and the styles differ between systems; rows that
someone later corrected by hand (every HAND_EDITED_EVERY-th row) are typed another way. The loader must read
each cell on its own, so the demo mixes styles within a column too. Columns not listed use "slash".
"""

HAND_EDITED_EVERY = 7

CHINESE_TRUE, CHINESE_FALSE = "是", "否"
ENGLISH_TRUE, ENGLISH_FALSE = "true", "false"

XLSX_DATE_FORMAT = {"chinese": "yyyy/m/d", "english": "yyyy-mm-dd"}
"""Number format of Excel date cells: the short date of Chinese Windows, ISO for English."""

XLSX_CREATED = dt.datetime(2026, 6, 30)
"""Fixed workbook creation time, so that writing the same frames twice gives the same bytes."""


def write_inputs(
    frames: dict[str, pl.DataFrame],
    out_dir: Path,
    *,
    style: Style,
    formats: dict[str, str] | None = None,
) -> list[Path]:
    """Write each entity of `frames` (English column names and codes, dates as Date, booleans as Boolean).

    `formats` overrides the style's default per entity (keyed by English name or Chinese alias). Columns are
    written in contract order, extra columns after them unchanged. Returns the written paths in load order.
    """
    if style not in ("english", "chinese"):
        raise ValueError(f"未知的样式 {style!r} / unknown style {style!r}: use 'english' or 'chinese'")
    unknown = sorted(set(frames) - set(ENTITY_BY_NAME))
    if unknown:
        raise ValueError(f"未知的实体 {unknown} / unknown entities {unknown}: expected {sorted(ENTITY_BY_NAME)}")
    chosen = dict(ENGLISH_FORMATS if style == "english" else CHINESE_FORMATS)
    for key, fmt in (formats or {}).items():
        entity = _entity(key)
        if fmt not in FORMATS:
            raise ValueError(f"未知的文件格式 {fmt!r} / unknown format {fmt!r} for {key}: use one of {FORMATS}")
        chosen[entity.name] = fmt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for entity in INPUT_ENTITIES:
        if entity.name not in frames:
            continue
        fmt = chosen[entity.name]
        stem = entity.alias if style == "chinese" else entity.name
        path = out_dir / f"{stem}{_extension(fmt)}"
        frame = _ordered(entity, frames[entity.name])
        if fmt == "xlsx":
            _write_xlsx(entity, frame, path, style=style, sheet=stem)
        elif fmt == "parquet":
            _labelled(entity, frame, style=style, text_dates=False, text_bools=False).write_parquet(path)
        else:
            _write_csv(_labelled(entity, frame, style=style, text_dates=True, text_bools=True), path, fmt)
        written.append(path)
    return written


def _entity(key: str) -> Entity:
    for entity in INPUT_ENTITIES:
        if key in (entity.name, entity.alias):
            return entity
    raise ValueError(f"未知的实体 {key!r} / unknown entity {key!r}")


def _extension(fmt: str) -> str:
    return {"xlsx": ".xlsx", "parquet": ".parquet"}.get(fmt, ".csv")


def _ordered(entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
    """Contract columns first, in contract order; extra columns after them (the loader keeps and ignores them)."""
    known = [c.name for c in entity.columns if c.name in frame.columns]
    extra = [c for c in frame.columns if c not in {col.name for col in entity.columns}]
    return frame.select(known + extra)


def _labelled(entity: Entity, frame: pl.DataFrame, *, style: Style, text_dates: bool, text_bools: bool) -> pl.DataFrame:
    """The frame as the file shows it: headers, enum values, booleans and (optionally) dates in the style."""
    exprs: list[pl.Expr] = []
    for name in frame.columns:
        column = entity.column(name) if name in {c.name for c in entity.columns} else None
        expr = pl.col(name)
        if column is not None:
            expr = _cell_expr(entity, column, frame, style=style, text_dates=text_dates, text_bools=text_bools)
        header = column.alias if (column is not None and style == "chinese") else name
        exprs.append(expr.alias(header))
    return frame.select(exprs)


def _cell_expr(
    entity: Entity, column: Column, frame: pl.DataFrame, *, style: Style, text_dates: bool, text_bools: bool
) -> pl.Expr:
    col = pl.col(column.name)
    if column.kind == "enum" and column.enum is not None:
        _check_codes(entity, column, frame)
        if style == "english":
            return col.cast(pl.String)
        return col.replace_strict(column.enum, default=None, return_dtype=pl.String)
    if column.kind == "bool" and text_bools:
        yes, no = (CHINESE_TRUE, CHINESE_FALSE) if style == "chinese" else (ENGLISH_TRUE, ENGLISH_FALSE)
        return pl.when(col).then(pl.lit(yes)).when(~col).then(pl.lit(no)).otherwise(pl.lit(None, pl.String))
    if column.kind == "date" and text_dates:
        if style == "english":
            return _date_text(col, "iso")
        usual, corrected = CHINESE_DATE_STYLES.get((entity.name, column.name), ("slash", "slash"))
        hand_edited = pl.int_range(pl.len()) % HAND_EDITED_EVERY == HAND_EDITED_EVERY - 1
        return pl.when(hand_edited).then(_date_text(col, corrected)).otherwise(_date_text(col, usual))
    return col


def _check_codes(entity: Entity, column: Column, frame: pl.DataFrame) -> None:
    """Refuse to write a value that is not an English code: a label written as a code would hide a bug upstream."""
    assert column.enum is not None
    bad = frame.filter(pl.col(column.name).is_not_null() & ~pl.col(column.name).is_in(list(column.enum)))
    if bad.height:
        values = sorted(set(bad.get_column(column.name).cast(pl.String).to_list()))[:5]
        raise ValueError(
            f"{entity.name}.{column.name} 含有非英文代码的取值 {values} / has values that are not English codes "
            f"{values}: expected one of {list(column.enum)}"
        )


def _date_text(col: pl.Expr, style: DateStyle) -> pl.Expr:
    """A date as text in one of the contract's styles (2019-03-01, 2019/3/1, 2019.3.1, 2019年3月1日, 20190301)."""
    if style == "iso":
        return col.dt.strftime("%Y-%m-%d")
    if style == "compact":
        return col.dt.strftime("%Y%m%d")
    parts = [col.dt.year().cast(pl.String), col.dt.month().cast(pl.String), col.dt.day().cast(pl.String)]
    if style == "slash":
        return pl.concat_str(parts, separator="/")
    if style == "dotted":
        return pl.concat_str(parts, separator=".")
    return pl.concat_str([parts[0], pl.lit("年"), parts[1], pl.lit("月"), parts[2], pl.lit("日")])


def _write_csv(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    """UTF-8 as a program writes it; BOM and GB18030 as Excel on Chinese Windows saves them (with CRLF)."""
    if fmt == "csv-utf8":
        path.write_bytes(frame.write_csv().encode("utf-8"))
    elif fmt == "csv-bom":
        path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv(line_terminator="\r\n").encode("utf-8"))
    else:
        path.write_bytes(frame.write_csv(line_terminator="\r\n").encode("gb18030"))


def _write_xlsx(entity: Entity, frame: pl.DataFrame, path: Path, *, style: Style, sheet: str) -> None:
    """One sheet named like the entity: codes and ids as text cells, dates as Excel date cells, ints as numbers."""
    labelled = _labelled(entity, frame, style=style, text_dates=False, text_bools=True)
    columns = [entity.column(n) if n in {c.name for c in entity.columns} else None for n in frame.columns]
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": XLSX_CREATED})
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_format = workbook.add_format({"num_format": XLSX_DATE_FORMAT[style]})
    text_format = workbook.add_format({"num_format": "@"})
    worksheet = workbook.add_worksheet(sheet)
    for j, header in enumerate(labelled.columns):
        worksheet.write_string(0, j, header, header_format)
        kind = columns[j].kind if columns[j] is not None else "text"
        width = {"date": 12, "bool": 8, "int": 8, "id_number": 21, "code": 14}.get(kind, 14)
        worksheet.set_column(j, j, max(width, 2 * len(header) + 2), text_format if kind == "code" else None)
    for i, row in enumerate(labelled.iter_rows(), start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                worksheet.write_datetime(i, j, value, date_format)
            elif isinstance(value, bool):
                worksheet.write_string(i, j, str(value).lower())
            elif isinstance(value, (int, float)):
                worksheet.write_number(i, j, value)
            else:
                worksheet.write_string(i, j, str(value))
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, max(labelled.height, 1), len(labelled.columns) - 1)
    workbook.close()

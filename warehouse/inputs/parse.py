"""Cell values as an establishment office types them, turned into the contract's types (contract section 1).

A parser takes one whole column (a polars Series) and returns a `Parsed`: the values, which cells were empty,
and an error key for each cell that held something that does not parse. Keeping "empty" apart from
"unparseable" is what lets the loader say "required value missing" rather than "unrecognised date", and lets an
optional column stay null without a reject.

Parsers work in two passes so that a 20-million-row Parquet column costs about one vectorised scan: cells already
in the canonical form (`360731100000`, `2019-03-01`, `town`, `true`) are taken for the whole column at once, and
only the cells left (padding spaces, full-width digits, `2019年3月1日`, `镇`, Excel's `360799100000.0`, typing
errors) are cleaned and parsed the slow way.

Error keys (the loader turns them into Chinese and English reasons): `digits`, `length`, `scientific`, `date`,
`no_such_date`, `bool`, `int`, `enum`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from warehouse.inputs.contract import Column

EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's serial dates (its 1900 leap-year bug makes it 30 December, not 31)."""

TRUE_WORDS = ("true", "1", "是", "y")
FALSE_WORDS = ("false", "0", "否", "n")

_NEEDS_CLEANING = r"[^!-~\x{4E00}-\x{9FFF}]"
"""Anything but printable ASCII and CJK unified ideographs (which NFKC leaves alone): a cell without it is
already clean, so names and positions in plain Chinese are not normalised one by one."""
_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}$"
_EXCEL_DECIMAL = r"^\d+\.0+$"
SCIENTIFIC = r"^(\d+)(?:\.(\d*))?[eE]\+?(\d+)$"
"""A number as Excel shows it in scientific notation (`3.60799E+11`), in groups: integer part, fraction, exponent."""
_TIME_OF_DAY = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"
_EXCEL_SERIAL = r"^\d{5}(\.\d+)?$"
"""Five digits, 10000 (1927-05-18) to 99999: a four-digit number is more likely a year than a date."""

SlowPass = Callable[[pl.Series], pl.DataFrame]
"""Cells the fast pass left (as given) → a frame of `value`, `error` and `empty`, one row per cell."""


@dataclass(frozen=True)
class Parsed:
    value: pl.Series
    empty: pl.Series
    """True where the cell held nothing (after trimming)."""
    error: pl.Series
    """An error key where the cell held something that does not parse, else null."""


def _no_errors(length: int) -> pl.Series:
    return pl.repeat(None, length, dtype=pl.String, eager=True)


def _select(expr: pl.Expr, **columns: pl.Series) -> pl.Series:
    return pl.DataFrame(columns).select(expr).to_series()


def _as_text(values: pl.Series) -> pl.Series:
    return values if values.dtype == pl.String else values.cast(pl.String)


def _two_passes(given: pl.Series, fast: pl.Series, slow: SlowPass) -> Parsed:
    """`fast` holds the value of every cell already in canonical form (null elsewhere); `slow` parses the rest.

    A column with nothing left for the slow pass costs nothing more than its fast pass.
    """
    value, error, empty = fast.clone(), _no_errors(len(given)), given.is_null()
    left = (given.is_not_null() & fast.is_null()).fill_null(False)
    if left.any():
        index = left.arg_true()
        patched = slow(given.gather(index))
        value = value.scatter(index, patched.get_column("value").cast(value.dtype))
        error = error.scatter(index, patched.get_column("error").cast(pl.String))
        empty = empty.scatter(index, patched.get_column("empty"))
    return Parsed(value, empty, error)


def normalise_text(values: pl.Series) -> pl.Series:
    """NFKC then trim: full-width `３６０７` is `3607`, and a full-width space pads like a space."""
    return values.str.normalize("NFKC").str.strip_chars()


def clean_text(values: pl.Series) -> pl.Series:
    """Trimmed, half-width text; an empty cell is null. Only cells with a space or a character NFKC may change
    are normalised, which keeps a 20-million-row column to one scan."""
    values = _as_text(values)
    touch = values.str.contains(_NEEDS_CLEANING).fill_null(False)
    if touch.any():
        index = touch.arg_true()
        values = values.clone().scatter(index, normalise_text(values.gather(index)))
    return _select(pl.when(pl.col("v").str.len_bytes() > 0).then(pl.col("v")), v=values)


def parse_text(values: pl.Series) -> Parsed:
    clean = clean_text(values)
    return Parsed(clean, clean.is_null(), _no_errors(len(clean)))


def _slow_frame(clean: pl.Series, value: pl.Expr, error: pl.Expr) -> pl.DataFrame:
    """The slow pass's answer for cleaned cells `v`: an empty cell is neither a value nor an error."""
    empty = pl.col("v").is_null()
    return pl.DataFrame({"v": clean}).select(
        pl.when(~empty).then(value).alias("value"),
        pl.when(~empty).then(error).alias("error"),
        empty.alias("empty"),
    )


def excel_integer(value: pl.Expr) -> pl.Expr:
    """The digits of a code that Excel turned into a number, where they are all still there: `360799100000.0`,
    or scientific notation whose fraction holds every digit (`3.60799100000E+11`). Null otherwise."""
    parts = value.str.extract_groups(SCIENTIFIC)
    whole, fraction = parts.struct.field("1"), parts.struct.field("2").fill_null("")
    exponent = parts.struct.field("3").cast(pl.Int64, strict=False)
    shifted = (whole + fraction.str.slice(0, exponent)).str.strip_chars_start("0")
    return (
        pl.when(value.str.contains(r"^\d+$"))
        .then(value)
        .when(value.str.contains(_EXCEL_DECIMAL))
        .then(value.str.replace(r"\.0+$", ""))
        .when(lost_digits(value).not_() & fraction.str.slice(exponent).str.contains(r"^0*$"))
        .then(pl.when(shifted == "").then(pl.lit("0")).otherwise(shifted))
    )


def lost_digits(value: pl.Expr) -> pl.Expr:
    """A number in scientific notation whose fraction is shorter than its exponent: `3.60799E+11` is what Excel
    shows of 360799100000, of 360799123456 and of every code in between; the digits it dropped are gone.
    Null where the cell is not in scientific notation."""
    parts = value.str.extract_groups(SCIENTIFIC)
    exponent = parts.struct.field("3").cast(pl.Int64, strict=False)
    return pl.when(value.str.contains(SCIENTIFIC)).then(
        parts.struct.field("2").fill_null("").str.len_chars() < exponent
    )


def _code_slow(lengths: tuple[int, ...]) -> SlowPass:
    def slow(given: pl.Series) -> pl.DataFrame:
        digits = excel_integer(pl.col("v"))
        fits = digits.str.len_chars().is_in(list(lengths))
        error = (
            pl.when(lost_digits(pl.col("v")).fill_null(False))
            .then(pl.lit("scientific"))
            .when(digits.is_null())
            .then(pl.lit("digits"))
            .when(~fits)
            .then(pl.lit("length"))
        )
        return _slow_frame(clean_text(given), pl.when(fits).then(digits.str.pad_end(max(lengths), "0")), error)

    return slow


def parse_code(values: pl.Series, lengths: tuple[int, ...]) -> Parsed:
    """A digit code of one of `lengths`; a shorter allowed length is padded with zeros to the longest.

    That padding is the contract's 9-digit township code: the 12-digit statistical division code of a
    township ends in `000`. Codes stay text, so a leading zero is never lost.
    """
    given = _as_text(values)
    canonical = pl.col("v").str.contains(rf"^\d{{{max(lengths)}}}$")
    return _two_passes(given, _select(pl.when(canonical).then(pl.col("v")), v=given), _code_slow(lengths))


def excel_serial_date(value: pl.Expr) -> pl.Expr:
    """A date cell exported as its number: 43525 is 2019-03-01."""
    days = value.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    return pl.when(value.str.contains(_EXCEL_SERIAL)).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=days))


def _iso_like(value: pl.Expr) -> pl.Expr:
    """Every accepted spelling of a day rewritten as `Y-M-D` (month and day may still have one digit)."""
    return (
        value.str.replace(_TIME_OF_DAY, "")
        .str.replace(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", "$1-$2-$3")
        .str.replace(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$", "$1-$2-$3")
        .str.replace(r"^(\d{4})(\d{2})(\d{2})$", "$1-$2-$3")
    )


def iso_date(value: pl.Expr) -> pl.Expr:
    """`Y-M-D` as a date; null when it is no such day. The pattern comes first because chrono would read
    `19-03-01` as the year 19."""
    return pl.when(value.str.contains(_ISO_DATE)).then(value.str.to_date("%Y-%m-%d", strict=False))


def _date_slow(given: pl.Series) -> pl.DataFrame:
    iso = _iso_like(pl.col("v"))
    value = pl.coalesce(iso_date(iso), excel_serial_date(pl.col("v")))
    error = (
        pl.when(value.is_not_null())
        .then(None)
        .when(iso.str.contains(_ISO_DATE))
        .then(pl.lit("no_such_date"))
        .otherwise(pl.lit("date"))
    )
    return _slow_frame(clean_text(given), value, error)


def parse_date(values: pl.Series) -> Parsed:
    """A day that does not exist (2019-02-30) is an error, never a silent null."""
    given = _as_text(values)
    return _two_passes(given, _select(iso_date(pl.col("v")), v=given), _date_slow)


def parse_one_date(text: str) -> date:
    """One date given outside a file (`--as-of`, `--from`, `--to`), in every spelling a date cell of the inputs may
    have; ValueError with the error key (`date`, `no_such_date`) otherwise."""
    parsed = parse_date(pl.Series([text], dtype=pl.String))
    if parsed.empty[0] or parsed.error[0] is not None:
        raise ValueError(parsed.error[0] or "date")
    return parsed.value[0]


def _words_slow(words: dict[str, object], dtype: pl.DataType, error_key: str) -> SlowPass:
    """A closed vocabulary after cleaning, in any letter case."""
    lower = {key.lower(): value for key, value in words.items()}

    def slow(given: pl.Series) -> pl.DataFrame:
        value = pl.col("v").str.to_lowercase().replace_strict(lower, default=None, return_dtype=dtype)
        return _slow_frame(clean_text(given), value, pl.when(value.is_null()).then(pl.lit(error_key)))

    return slow


def parse_bool(values: pl.Series, default: bool | None = None) -> Parsed:
    """Empty takes the column's default: `is_small` left blank means "not small"."""
    given = _as_text(values)
    words: dict[str, object] = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    fast = given.replace_strict(words, default=None, return_dtype=pl.Boolean)
    parsed = _two_passes(given, fast, _words_slow(words, pl.Boolean, "bool"))
    if default is None:
        return parsed
    defaulted = pl.when(pl.col("empty")).then(pl.lit(default, pl.Boolean)).otherwise(pl.col("value"))
    return Parsed(_select(defaulted, empty=parsed.empty, value=parsed.value), parsed.empty, parsed.error)


def _int_slow(given: pl.Series) -> pl.DataFrame:
    """`5.0` is what a number cell gives; `5.5` is not a whole number."""
    value = pl.col("v").str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    return _slow_frame(clean_text(given), value, pl.when(value.is_null()).then(pl.lit("int")))


def parse_int(values: pl.Series) -> Parsed:
    """Whole numbers that fit DuckDB's INTEGER."""
    if values.dtype.is_integer():
        parsed = Parsed(values.cast(pl.Int64), values.is_null(), _no_errors(len(values)))
    else:
        given = _as_text(values)
        parsed = _two_passes(given, given.cast(pl.Int64, strict=False), _int_slow)
    fits = pl.col("n").is_between(-(2**31), 2**31 - 1)
    checked = pl.DataFrame({"n": parsed.value, "e": parsed.error}).select(
        pl.when(fits).then(pl.col("n")).cast(pl.Int32).alias("value"),
        pl.when(pl.col("n").is_not_null() & ~fits).then(pl.lit("int")).otherwise(pl.col("e")).alias("error"),
    )
    return Parsed(checked.get_column("value"), parsed.empty, checked.get_column("error"))


def enum_words(labels: dict[str, str]) -> dict[str, str]:
    """Accepted spellings → code: the English code or the Chinese label."""
    return {code: code for code in labels} | {
        unicodedata.normalize("NFKC", label): code for code, label in labels.items()
    }


def parse_enum(values: pl.Series, labels: dict[str, str]) -> Parsed:
    given = _as_text(values)
    words = enum_words(labels)
    fast = given.replace_strict(words, default=None, return_dtype=pl.String)
    return _two_passes(given, fast, _words_slow(dict(words), pl.String, "enum"))


def _as_given(values: pl.Series, default: object = None) -> Parsed:
    """A Parquet column that already has the right type needs no parsing."""
    value = values if default is None else values.fill_null(default)
    return Parsed(value, values.is_null(), _no_errors(len(values)))


def parse_column(values: pl.Series, column: Column) -> Parsed:
    """Parse one input column as read: text from CSV and XLSX, any type from Parquet.

    A typed Parquet column of the right kind (Date, Datetime, Boolean, integer) is kept as it is; any other
    type is parsed from its text, so a code stored as a float (`360799100000.0`) still becomes the digits.
    """
    dtype = values.dtype
    if column.kind == "date" and dtype == pl.Date:
        return _as_given(values)
    if column.kind == "date" and isinstance(dtype, pl.Datetime):
        return _as_given(values.dt.date())
    if column.kind == "bool" and dtype == pl.Boolean:
        return _as_given(values, column.default)
    if column.kind == "code":
        return parse_code(values, column.digits)
    if column.kind == "date":
        return parse_date(values)
    if column.kind == "bool":
        return parse_bool(values, column.default)  # type: ignore[arg-type]
    if column.kind == "int":
        return parse_int(values)
    if column.kind == "enum":
        assert column.enum is not None, column.name
        return parse_enum(values, column.enum)
    return parse_text(values)

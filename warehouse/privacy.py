"""id_number (身份证号): validated, then kept only as a salted hash and a masked form (contract section 1).

A citizen identity number is personal data the rules never need in clear: the hash still links one person's
rows and lets an office with the salt check a number it already holds; the masked form lets an analyst recognise
a row. The clear number lives only in memory while a file is loaded.
"""

from __future__ import annotations

import os

import duckdb
import polars as pl

from warehouse.parse import clean_text

SALT_ENV = "WAREHOUSE_ID_SALT"
DEFAULT_SALT = "township-warehouse-default-salt"
"""Documented so hashes are reproducible out of the box; an office that shares outputs sets its own salt."""

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
"""GB 11643-1999: the check character is CHECK_CHARS[sum(digit × weight) mod 11]."""

ID_LENGTH = 18
MASK = "*" * 8


def salt() -> str:
    return os.environ.get(SALT_ENV) or DEFAULT_SALT


def check_char(body: str) -> str:
    """The check character of the first 17 digits (for writers of test and synthetic data)."""
    return CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True)) % 11]


def normalise(values: pl.Series) -> pl.Series:
    """Full-width digits become half-width and a lower-case `x` check character becomes `X`."""
    return clean_text(values).str.to_uppercase()


def _expected_check_char(id_number: pl.Expr) -> pl.Expr:
    """Integer arithmetic on the 17-digit body (it fits an Int64) rather than 17 string slices: several times
    faster on millions of people."""
    body = id_number.str.slice(0, 17).cast(pl.Int64, strict=False)
    digits = [(body // 10 ** (16 - i)) % 10 * weight for i, weight in enumerate(WEIGHTS)]
    remainder = pl.sum_horizontal(digits) % 11
    return remainder.replace_strict(dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String)


def id_number_error(id_numbers: pl.Series) -> pl.Series:
    """`id_length` or `id_check` for each normalised id_number that is not a valid one, null otherwise."""
    return pl.DataFrame({"id": id_numbers}).select(_error(pl.col("id"))).to_series()


def _error(id_number: pl.Expr) -> pl.Expr:
    well_formed = id_number.str.contains(r"^\d{17}[\dX]$")
    checks = id_number.str.slice(17, 1) == _expected_check_char(id_number)
    return (
        pl.when(id_number.is_null())
        .then(None)
        .when(id_number.str.len_chars() != ID_LENGTH)
        .then(pl.lit("id_length"))
        .when(~well_formed | ~checks.fill_null(False))
        .then(pl.lit("id_check"))
    )


def mask(id_numbers: pl.Series) -> pl.Series:
    """`360731********123X`: first 6 and last 4 kept.

    A value too short to be an id_number (under 15 characters) is masked whole, so a mistyped number in the
    rejects never shows more than 10 of its characters.
    """
    return pl.DataFrame({"id": id_numbers.cast(pl.String)}).select(mask_expr(pl.col("id"))).to_series()


def mask_expr(id_number: pl.Expr) -> pl.Expr:
    kept = pl.concat_str([id_number.str.slice(0, 6), pl.lit(MASK), id_number.str.slice(-4, 4)])
    long_enough = id_number.str.len_chars() >= 15
    return pl.when(id_number.is_null()).then(None).when(long_enough).then(kept).otherwise(pl.lit(MASK))


def hash_ids(id_numbers: pl.Series, salt_value: str | None = None) -> pl.Series:
    """Hex SHA-256 of salt + id_number, computed by an in-memory DuckDB (vectorised; nothing touches disk)."""
    frame = pl.DataFrame({"id_number": id_numbers.cast(pl.String)}).to_arrow()
    with duckdb.connect(":memory:") as con:
        con.register("ids", frame)
        hashed = con.sql(
            "select sha256($salt || id_number) as id_number_hash from ids", params={"salt": salt_value or salt()}
        ).pl()
    return hashed.get_column("id_number_hash")

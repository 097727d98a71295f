"""Output cells a spreadsheet cannot run: the guard against CSV (formula) injection.

An establishment office opens every CSV the checker writes in Excel or WPS. Both read a cell that starts with
`=`, `+`, `-` or `@` as a formula (OWASP adds a leading tab or carriage return, which some importers strip before
looking), so a township, unit or person name such as `=HYPERLINK("http://…","点击")` that reaches `violations.csv`
(`message_zh` starts with the township name), `township_scorecard.csv` or `rejects.csv` would run when the file
is opened. The usual neutralisation (OWASP's "CSV injection") is applied to every text cell of every CSV output:
such a cell gets a leading `'`, which the spreadsheet shows and never evaluates; the value stays readable after
it, and reading it back is `value[1:]` when the character after the `'` is one of the six. Number, date and
boolean columns are left as they are: they cannot carry a formula, and `-3` there is a number, not a formula.

Not applied to the input files `warehouse/write.py` writes for the demo and the generator: they are inputs,
read back by the loader as an office's own exports are, and must hold the values exactly as given.

A workbook (contract v1.1, "Excel") must not prefix the text but write it as a text cell, never as a formula
(`xlsxwriter`'s `write_string`, or openpyxl with `data_type = "s"`): `is_formula_text` says which cells need that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula."""

GUARD = "'"

_FORMULA_PATTERN = r"^[=+\-@\t\r]"
"""FORMULA_STARTS as a regular expression, for polars (tests hold the two equal)."""


def is_formula_text(value: object) -> bool:
    """Whether a spreadsheet would read this text as a formula (so it must be guarded, or written as text)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell that a spreadsheet would run as a formula prefixed with `'`; other columns
    and the column order unchanged (a categorical column comes back as text, as a CSV holds it anyway)."""
    guarded = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, (pl.String, pl.Categorical, pl.Enum)):
            text = pl.col(name).cast(pl.String)
            formula = text.str.contains(_FORMULA_PATTERN)
            guarded.append(pl.when(formula).then(pl.lit(GUARD) + text).otherwise(text).alias(name))
    return frame.with_columns(guarded)


def write_csv(frame: pl.DataFrame, path: Path, **options: Any) -> None:
    """Write an output CSV (polars' `write_csv` and its options) with its text cells neutralised, as UTF-8 with a
    byte-order mark (contract v1.1, "Excel"): without it Excel on Chinese Windows reads the file as GBK and shows
    石门镇 as 鐭抽棬闀�. Every CSV output goes through here, so every one of them carries it."""
    neutralised(frame).write_csv(path, include_bom=True, **options)

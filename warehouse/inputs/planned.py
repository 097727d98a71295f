"""Planned postings for pre-clearance (任前审查, `warehouse check --planned FILE`): read and checked exactly as the
postings input is (same columns, aliases, formats and reasons), against the loaded data, plus what makes a posting
*planned*: an id the loaded postings do not have, and a start on or after the check's as-of date.

A bad row goes to the rejects with its row, column, value and reason, as for the inputs; the command then stops
(exit 2) without judging anything, so an answer is never given for only part of a plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from warehouse.inputs.contract import POSTINGS
from warehouse.inputs.load import EXTRA_PREFIX, ROW, Check, FileReport, check_source, read_source

REFERENCED = ("townships", "units", "people", "postings")
"""The loaded tables a planned posting is checked against."""


@dataclass(frozen=True)
class Planned:
    postings: pl.DataFrame
    """The rows that passed, in the raw postings table's columns (source_row: the row in the file)."""
    rejects: pl.DataFrame
    report: FileReport


def planned_checks(loaded_postings: pl.DataFrame, as_of: date) -> list[Check]:
    """What a planned posting must be beyond a posting: new, and not yet begun."""
    return [
        Check(
            ("posting_id",),
            pl.col("posting_id").is_in(loaded_postings.get_column("posting_id").implode()),
            pl.lit("任职编号已在已载入的任职中：计划任职应使用新的编号"),
            pl.lit("posting_id is a loaded posting already: a planned posting needs an id of its own"),
        ),
        Check(
            ("start_date",),
            pl.col("start_date") < pl.lit(as_of),
            pl.lit(f"任职日期早于核查基准日 {as_of.isoformat()}：任前审查只审查尚未开始的任职"),
            pl.lit(f"start_date is before the as-of date {as_of.isoformat()}: pre-clearance judges postings not yet begun"),
        ),
    ]


def read_planned(path: Path, loaded: dict[str, pl.DataFrame], as_of: date) -> Planned:
    """The planned postings of `path` checked against the loaded tables (REFERENCED); an unreadable file or a missing
    required column raises InputError (exit 2), as for the inputs."""
    source = read_source(POSTINGS, Path(path))
    checked = check_source(source, loaded, planned_checks(loaded["postings"], as_of))
    postings = checked.table.select(pl.exclude(f"^{EXTRA_PREFIX}.*$")).sort(ROW)
    return Planned(postings, checked.rejects, checked.report)

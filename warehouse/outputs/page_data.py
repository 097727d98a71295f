"""What the dashboards read, and how a page finds its own rows fast.

Everything comes from tables dbt builds (models/marts, the `dash_*` models declared as exposures in
models/marts/dashboards/_marts_dashboards.yml): the findings with their sentences and evidence, the divisions from
the nation down to each township with their figures, the trend of the snapshots. Nothing here judges a rule or
aggregates for a chart; it reads, and it indexes what it read so that each of a national report's thousands of
pages picks its rows out of a dictionary instead of filtering hundreds of thousands of rows.

The careers (people, postings, moves, anniversaries) are read for the people the pages show — those named by a
finding, and any person asked for — not for the 2.4 million people of a national data set.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from warehouse.core.errors import UserError
from warehouse.engine.db import check_built, connect
from warehouse.inputs.rulebook import rulebook_version

WANTED_PEOPLE = (
    "select person_id from dashboards.dash_findings where person_id is not null "
    "union select person_id from named_people"
)
"""The people whose careers are read: those a finding names, and those a page is asked for."""

TABLES: dict[str, str] = {
    "run_info": "select as_of, built_at, rulebook_version, rulebook_file from marts.run_info",
    "rules": "select rule_id, severity, rule_kind, title_zh from rulebook.rulebook_rules",
    "levels": "select * from dashboards.dash_levels order by level_rank",
    "divisions": "select * from dashboards.dash_divisions",
    "division_rules": "select * from dashboards.dash_division_rules",
    "unit_counts": "select * from dashboards.dash_division_unit_counts",
    "appraisal_years": "select * from dashboards.dash_division_appraisal_years",
    "townships": "select * from dashboards.dash_townships",
    "scorecard": "select * from marts.township_scorecard",
    "parameters": "select * from dashboards.dash_parameters_in_force",
    "units": "select * from dashboards.dash_units",
    "leadership": "select * from dashboards.dash_leadership_members",
    "appraisals": "select * from dashboards.dash_appraisal_tallies",
    "findings": "select * from dashboards.dash_findings",
    "evidence": "select * from dashboards.dash_finding_evidence",
    "waived": "select * from dashboards.dash_waived_findings",
    "deadlines": "select * from dashboards.dash_deadlines",
    "people": f"select * from dashboards.dash_people where person_id in ({WANTED_PEOPLE})",
    "postings": f"select * from dashboards.dash_postings where person_id in ({WANTED_PEOPLE})",
    "moves": f"select * from dashboards.dash_moves where person_id in ({WANTED_PEOPLE})",
    "recruits": f"select * from dashboards.dash_recruit_anniversaries where person_id in ({WANTED_PEOPLE})",
    "trend": "select * from dashboards.dash_trend where rulebook_version = $version",
    "trend_rules": "select * from dashboards.dash_trend_rules where rulebook_version = $version",
    "changes": "select * from dashboards.dash_changes where rulebook_version = $version",
    "open_findings": "select * from dashboards.dash_open_findings where rulebook_version = $version",
}
"""name → query: the notebooks' whole input. The history tables hold the snapshots of the current rulebook only
(snapshots of another version are never mixed in)."""

LEVELS = {0: "nation", 2: "province", 4: "city", 6: "county", 12: "township"}
"""Digits of a division's code prefix → its level (dash_levels)."""


class DashboardTablesMissing(UserError):
    """A warehouse built before the dashboards' tables existed (exit status 1)."""


@dataclass
class Data:
    """The warehouse's tables as the pages see them, with indexes built on first use; links holds the file of
    each page a report writes, by (kind, key), so that pages link to each other."""

    frames: dict[str, pl.DataFrame]
    links: dict[tuple[str, str], str] = field(default_factory=dict)
    _parts: dict = field(default_factory=dict, repr=False, compare=False)

    def __getattr__(self, name: str) -> pl.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    @property
    def as_of(self) -> date:
        return self.frames["run_info"]["as_of"][0]

    def _sorted(self, name: str, column: str) -> tuple[pl.DataFrame, list]:
        """Table `name` sorted by column (rows with a null there left out), made once: a page's rows are then a
        slice of it, found by binary search — no copy, and no index of thousands of small frames."""
        key = (name, column)
        if key not in self._parts:
            frame = self.frames[name].filter(pl.col(column).is_not_null()).sort(column)
            self._parts[key] = (frame, frame[column].to_list())
        return self._parts[key]

    def _between(self, name: str, column: str, low: object, high: object, high_side: str) -> pl.DataFrame:
        frame, keys = self._sorted(name, column)
        start = bisect.bisect_left(keys, low)
        stop = (bisect.bisect_right if high_side == "right" else bisect.bisect_left)(keys, high)
        return frame.slice(start, max(stop - start, 0))

    def rows(self, name: str, column: str, value: object) -> pl.DataFrame:
        """The rows of table `name` whose `column` is value."""
        if value is None:
            return self.frames[name].clear()
        return self._between(name, column, value, value, "right")

    def within(self, name: str, prefix: str | None, column: str = "township_code") -> pl.DataFrame:
        """The rows of table `name` whose township code (column) starts with prefix; all for no prefix."""
        if not prefix:
            return self.frames[name]
        following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return self._between(name, column, prefix, following, "left")

    def memo(self, key: tuple, build):
        """build(), computed once per key: what several cells of a page (or every page) ask for again."""
        memos = self._parts.setdefault("memo", {})
        if key not in memos:
            memos[key] = build()
        return memos[key]

    def link(self, kind: str, key: str | None) -> str | None:
        """The file of the page about (kind, key) in this report, or None (no such page, or no report)."""
        return self.links.get((kind, key or ""))


def level_of(prefix: str | None) -> str:
    """The level of a division from its code prefix: '' the nation, 2 digits a province … 12 a township."""
    try:
        return LEVELS[len(prefix or "")]
    except KeyError:
        raise ValueError(
            f"代码 {prefix} 不是省（2 位）、市（4 位）、县（6 位）或乡镇（12 位）代码 / {prefix} is not a province (2 "
            "digits), city (4), county (6) or township (12) code"
        ) from None


def read_warehouse(path: Path | None = None, *, people: list[str] | tuple[str, ...] = (),
                   version: str | None = None) -> dict[str, pl.DataFrame]:
    """Every table of TABLES in one read-only connection, closed before returning; only the marts of one complete
    build (a build never writes this file in place, so a notebook never waits for one). people: person ids whose
    careers are read besides those the findings name. version: the rulebook whose snapshots the history tables
    hold; by default the one the build judged with (marts.run_info), which differs from the shipped seeds' when
    the build read an office's own rulebook."""
    with connect(path, read_only=True) as con:
        check_built(con)
        version = version or built_version(con)
        con.register("named_people", pl.DataFrame({"person_id": list(people)}, schema={"person_id": pl.String}))
        try:
            return {
                name: (con.sql(query, params={"version": version}) if "$version" in query else con.sql(query)).pl()
                for name, query in TABLES.items()
            }
        except duckdb.CatalogException as error:
            raise DashboardTablesMissing(
                f"仓库中缺少仪表板数据表（{error}）：它建于本版本之前。请运行 warehouse build 重建。",
                f"The warehouse lacks the dashboards' tables ({error}): it was built by an earlier version. Run "
                "`warehouse build`.",
            ) from None


def built_version(con: duckdb.DuckDBPyConnection) -> str:
    """The rulebook version the build recorded; the shipped one's for a build that recorded none."""
    recorded = con.sql("select rulebook_version from marts.run_info").fetchall()
    return (recorded[0][0] if recorded else None) or rulebook_version()


def write_data(frames: dict[str, pl.DataFrame], data_dir: Path) -> list[Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        frame.write_parquet(data_dir / f"{name}.parquet")
        written.append(data_dir / f"{name}.parquet")
    return written


_IN_MEMORY: dict[str, Data] = {}
"""data_dir → the Data a report read: a notebook run inside `warehouse report` gets it without reading a file."""


def keep_in_memory(data_dir: Path, data: Data) -> None:
    """Let load(data_dir) return data in this process (the report renders its pages from one read)."""
    _IN_MEMORY[str(Path(data_dir).resolve())] = data


def forget(data_dir: Path) -> None:
    _IN_MEMORY.pop(str(Path(data_dir).resolve()), None)


def load(data_dir: str | Path | None = None, *, person: str | None = None) -> Data:
    """The notebooks' data: what a report wrote under data_dir (in this process, what it read), else the
    warehouse itself, read once and closed (with person's career, when one is asked for)."""
    if data_dir is None:
        return Data(read_warehouse(people=[person] if person else []))
    folder = Path(data_dir)
    kept = _IN_MEMORY.get(str(folder.resolve()))
    if kept is not None:
        return kept
    missing = [name for name in TABLES if not (folder / f"{name}.parquet").exists()]
    if missing:
        raise FileNotFoundError(
            f"数据文件夹 {folder} 缺少 {', '.join(missing)}.parquet：请先运行 warehouse report，或把 data_dir 设为 None"
            f"直接读取仓库。 / {folder} lacks {', '.join(missing)}.parquet: run `warehouse report`, or set data_dir = "
            "None to read the warehouse."
        )
    return Data({name: pl.read_parquet(folder / f"{name}.parquet") for name in TABLES})

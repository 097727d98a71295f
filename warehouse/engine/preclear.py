"""Pre-clearance of planned postings (任前审查, `warehouse check`): judged by the same dbt models as the loaded data,
in a scratch warehouse, leaving the warehouse file and the load exactly as they were.

How a planned posting is judged "together with the loaded data, as if it happened on its start date":

- *Worlds.* For each planned posting and date judged (a scenario) the part of the loaded data it touches is
  copied twice into a scratch load beside the warehouse: the `planned` copy holds the posting, and the posts the
  person holds on its start (not a secondment's) end that day, as a move or an appointment ends them; the `baseline`
  copy is the same data without it. The part touched is the townships the posting goes to and leaves, with every
  person who ever worked there (their whole histories) and their units. Each copy has ids of its own (a suffix) and
  township codes of its own (the first 9 digits kept, so every rulebook prefix down to a township's still applies,
  and the last 3 the copy's number), so one dbt build judges every copy of every scenario as if it were alone. A
  posting breaks a rule when its planned copy has a finding its baseline copy does not (models/marts/preclearance):
  a township already failing is not blamed on it.
- *allowed_from.* A scenario that breaks a rule yields the later dates on which something changes by the rules
  alone (the person's deadlines — the ends of a recruit's lock and minimum service, a chief's term — the touched
  teams' leadership-share dates, the day a planned chief would have the experience; all model outputs). Those dates
  are judged, again by the models, in the next build, and so on (MAX_ROUNDS): allowed_from is the earliest judged
  date that breaks nothing, empty when none does. No rule is judged here in Python: this module copies data, asks
  dbt, and picks the earliest clean date.

Each build holds the scratch files `<warehouse>.check/` (removed afterwards); callers hold the warehouse lock.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from typing import TYPE_CHECKING

import duckdb
import polars as pl

from warehouse.core.errors import UserError
from warehouse.core.paths import PROJECT_DIR, beside_warehouse
from warehouse.engine.build import as_of_env, check_loaded, dbt_args, rulebook_env, run_dbt, target_path

if TYPE_CHECKING:
    from warehouse.inputs.user_rulebook import Rulebook

SCRATCH_SUFFIX = ".check"
"""The scratch folder beside the warehouse: `loaded/` (the copies, as a load) and `build.duckdb`."""

WORLDS = ("planned", "baseline")

MAX_ROUNDS = 4
"""Builds per check at most: the planned starts, then the dates they yield, and so on. A recruit moving to a county
organ needs three dates (the start, the lock's end, the minimum service's end), found in two builds."""

CODE_KEPT = 9
"""Digits of a township code a copy keeps: prefix, county and township (statistical division code). The other three
are the copy's number, so a build holds at most COPIES copies."""
COPIES = 10 ** (12 - CODE_KEPT) - 1

SELECTION = ("+preclearance_findings", "+preclearance_candidates")

LOADED_TABLES = ("townships", "units", "people", "postings", "appraisals", "waivers", "rejects", "load_files")
"""The tables of a load the scratch load has (appraisals, waivers, rejects and load_files empty: a posting changes
none of them, and approved exceptions are for findings that happened)."""


class PreclearanceError(UserError):
    """A planned posting the copies cannot represent (exit status 2)."""

    exit_status = 2


@dataclass(frozen=True)
class Scenario:
    """One planned posting (a raw postings row; `index` its place in the file) judged as starting on `judged_on`."""

    index: int
    posting: dict
    judged_on: date

    @property
    def scenario_id(self) -> str:
        return f"{self.index}@{self.judged_on.isoformat()}"

    def shifted(self) -> dict:
        """The posting moved to start on judged_on, its length kept."""
        start: date = self.posting["start_date"]
        end: date | None = self.posting["end_date"]
        moved = self.judged_on - start
        return self.posting | {"start_date": self.judged_on, "end_date": end + moved if end else None}


@dataclass
class Judged:
    """What the builds found for one planned posting: the findings of each date judged, and the dates yielded."""

    findings: dict[date, list[dict]] = field(default_factory=dict)
    candidates: set[date] = field(default_factory=set)

    def allowed_from(self) -> date | None:
        clean = [day for day, found in self.findings.items() if not found]
        return min(clean) if clean else None


def read_load(load: Path | None = None) -> dict[str, pl.DataFrame]:
    """The current load's tables (what a planned posting is judged with)."""
    folder = (load or check_loaded()).resolve()
    return {name: pl.read_parquet(folder / name / "*.parquet") for name in LOADED_TABLES if (folder / name).is_dir()}


def copy_code(code: str, copy: int) -> str:
    return code[:CODE_KEPT] + f"{copy:0{12 - CODE_KEPT}d}"


def world(loaded: dict[str, pl.DataFrame], scenario: Scenario, name: str, copy: int) -> tuple[dict[str, pl.DataFrame], dict]:
    """The tables of one copy of a scenario (see the module docstring), and its rows of the mapping tables."""
    postings = loaded["postings"]
    posting = scenario.shifted()
    day, person = scenario.judged_on, posting["person_id"]
    held = postings.filter(
        (pl.col("person_id") == person)
        & ~pl.col("is_secondment").fill_null(False)
        & (pl.col("start_date") < day)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > day))
    )
    touched = set(held.get_column("township_code").drop_nulls()) | ({posting["township_code"]} - {None})
    people = set(postings.filter(pl.col("township_code").is_in(list(touched))).get_column("person_id")) | {person}
    copied = postings.filter(pl.col("person_id").is_in(list(people)))
    if name == "planned":
        if not posting["is_secondment"]:
            ends = pl.col("posting_id").is_in(held.get_column("posting_id").implode())
            copied = copied.with_columns(
                end_date=pl.when(ends).then(pl.lit(day)).otherwise("end_date"),
                end_reason=pl.when(ends).then(pl.lit("transfer")).otherwise("end_reason"),
            )
        planned_row = pl.DataFrame([posting]).select(c for c in copied.columns if c in posting)
        copied = pl.concat([copied, planned_row], how="diagonal_relaxed").select(
            pl.col(c).cast(t) for c, t in postings.schema.items()
        )
    codes = set(copied.get_column("township_code").drop_nulls()) | touched
    mapping = {code: copy_code(code, copy) for code in sorted(codes)}
    if len(set(mapping.values())) < len(mapping):
        same = sorted(code for code in codes if sum(c[:CODE_KEPT] == code[:CODE_KEPT] for c in codes) > 1)
        raise PreclearanceError(
            f"无法审查计划任职 {posting['posting_id']}：乡镇代码 {'、'.join(same)} 的前 {CODE_KEPT} 位相同。",
            f"Cannot pre-clear the planned posting {posting['posting_id']}: the township codes {', '.join(same)} share "
            f"their first {CODE_KEPT} digits.",
        )
    suffix = f"~{copy}"
    units = loaded["units"].filter(pl.col("township_code").is_in(list(touched)))
    unit_ids = units.get_column("unit_id").implode()
    recode = pl.col("township_code").replace_strict(mapping, default=None, return_dtype=pl.String)
    tables = {
        "postings": copied.with_columns(
            pl.col("posting_id") + suffix,
            pl.col("person_id") + suffix,
            recode,
            pl.when(pl.col("unit_id").is_in(unit_ids)).then(pl.col("unit_id") + suffix).alias("unit_id"),
        ),
        "people": loaded["people"].filter(pl.col("person_id").is_in(list(people))).with_columns(pl.col("person_id") + suffix),
        "townships": loaded["townships"].filter(pl.col("township_code").is_in(list(touched))).with_columns(recode),
        "units": units.with_columns(pl.col("unit_id") + suffix, recode),
    }
    scenario_row = {
        "scenario_id": scenario.scenario_id, "world": name, "posting_id": posting["posting_id"], "person_id": person,
        "person_copy_id": person + suffix, "posting_copy_id": posting["posting_id"] + suffix if name == "planned" else None,
        "copy_suffix": suffix, "judged_on": day, "planned_start_date": scenario.posting["start_date"],
    }
    township_rows = [
        {"scenario_id": scenario.scenario_id, "world": name, "township_code": code, "township_copy_code": mapping[code]}
        for code in sorted(touched)
    ]
    return tables, {"planned_scenarios": [scenario_row], "planned_townships": township_rows}


MAPPING_SCHEMAS = {
    "planned_scenarios": {
        "scenario_id": pl.String, "world": pl.String, "posting_id": pl.String, "person_id": pl.String,
        "person_copy_id": pl.String, "posting_copy_id": pl.String, "copy_suffix": pl.String, "judged_on": pl.Date,
        "planned_start_date": pl.Date,
    },
    "planned_townships": {
        "scenario_id": pl.String, "world": pl.String, "township_code": pl.String, "township_copy_code": pl.String,
    },
}


def write_scratch_load(folder: Path, loaded: dict[str, pl.DataFrame], scenarios: Sequence[Scenario]) -> None:
    """Every copy of `scenarios` as one load (one Parquet folder per raw table, with the loaded tables' types)."""
    parts: dict[str, list[pl.DataFrame]] = defaultdict(list)
    mappings: dict[str, list[dict]] = defaultdict(list)
    copy = 0
    for scenario in scenarios:
        for name in WORLDS:
            copy += 1
            tables, rows = world(loaded, scenario, name, copy)
            for table, frame in tables.items():
                parts[table].append(frame)
            for table, table_rows in rows.items():
                mappings[table] += table_rows
    for table, frame in loaded.items():
        combined = pl.concat(parts[table]) if parts[table] else frame.clear()
        _write(folder, table, combined)
    for table, schema in MAPPING_SCHEMAS.items():
        _write(folder, table, pl.DataFrame(mappings[table], schema=schema, orient="row") if mappings[table] else pl.DataFrame(schema=schema))


def _write(folder: Path, table: str, frame: pl.DataFrame) -> None:
    (folder / table).mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / table / "part-0.parquet")


def chunks(scenarios: Sequence[Scenario]) -> Iterator[Sequence[Scenario]]:
    size = COPIES // len(WORLDS)
    for start in range(0, len(scenarios), size):
        yield scenarios[start:start + size]


def judge(
    scenarios: Sequence[Scenario], loaded: dict[str, pl.DataFrame], rulebook: Rulebook, project_dir: Path = PROJECT_DIR
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One dbt build per COPIES/2 scenarios over their copies, by `rulebook` as a build judges: the findings each
    scenario's posting causes and the later dates it yields (marts preclearance_findings, preclearance_candidates)."""
    scratch = beside_warehouse(SCRATCH_SUFFIX)
    findings, candidates = [], []
    try:
        for chunk in chunks(scenarios):
            shutil.rmtree(scratch, ignore_errors=True)
            write_scratch_load(scratch / "loaded", loaded, chunk)
            days = [scenario.judged_on for scenario in chunk]
            args = dbt_args(
                "build", None, "--select", *SELECTION, "--exclude-resource-type", "test", "unit_test", "--quiet",
                project_dir=project_dir,
            )
            with rulebook_env(rulebook) as told:
                run_dbt(
                    args, target_path() / "check", WAREHOUSE_DB=str(scratch / "build.duckdb"),
                    WAREHOUSE_LOADED=str(scratch / "loaded"), WAREHOUSE_PREVIOUS_DB="", **told,
                    **as_of_env(max(days), days),
                )
            with duckdb.connect(str(scratch / "build.duckdb"), read_only=True) as con:
                findings.append(con.sql("select * from marts.preclearance_findings").pl())
                candidates.append(con.sql("select * from marts.preclearance_candidates").pl())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return pl.concat(findings, how="diagonal_relaxed"), pl.concat(candidates, how="diagonal_relaxed")


def preclear(
    planned: pl.DataFrame, loaded: dict[str, pl.DataFrame], *, rulebook: Rulebook, project_dir: Path = PROJECT_DIR,
    log=print,
) -> dict[int, Judged]:
    """Judge each planned posting (rows in the raw postings format) on its start, then on the dates that yields,
    until the earliest date that breaks nothing is known (or MAX_ROUNDS builds are done). Keyed by row index."""
    postings = planned.to_dicts()
    results = {index: Judged() for index in range(len(postings))}
    pending = [Scenario(index, posting, posting["start_date"]) for index, posting in enumerate(postings)]
    for build_round in range(1, MAX_ROUNDS + 1):
        if not pending:
            break
        log(f"任前审查第 {build_round} 轮：{len(pending)} 个情形 / pre-clearance round {build_round}: judging {len(pending)} "
            "scenarios …")
        findings, candidates = judge(pending, loaded, rulebook, project_dir)
        by_scenario = defaultdict(list)
        for row in findings.sort("rule_id", "township_code").iter_rows(named=True):
            by_scenario[row["scenario_id"]].append(row)
        yielded = defaultdict(set)
        for row in candidates.iter_rows(named=True):
            yielded[row["scenario_id"]].add(row["candidate_on"])
        for scenario in pending:
            judged = results[scenario.index]
            judged.findings[scenario.judged_on] = by_scenario.get(scenario.scenario_id, [])
            if judged.findings[scenario.judged_on]:
                judged.candidates |= yielded.get(scenario.scenario_id, set())
        pending = []
        for index, judged in results.items():
            best = judged.allowed_from()
            later = sorted(
                day for day in judged.candidates
                if day not in judged.findings and (best is None or day < best)
            )
            pending += [Scenario(index, postings[index], day) for day in later]
    return results

"""`warehouse validate`: the Great Expectations suites over the built warehouse, Data Docs, and the cross-check.

GX 1.x cannot validate DuckDB through SQLAlchemy, so the warehouse is opened read-only and each suite's rows are
read (DuckDB → Arrow → polars → pandas) as GX validates them: the large inputs in batches of BATCH_ROWS, parted so
that rows which could duplicate each other meet in one batch (input_batches, run_suite), never a national table as
one frame. Each suite runs in its own checkpoint with SUMMARY results; only the expectations that failed run again
with COMPLETE results and the rows' keys (township codes) as index columns, on the batches where they failed, so
the report names every failing township and stays fast at national scale. The context is ephemeral: nothing is
written into the repository, only under the output folder.

The cross-check holds the two lines against each other: for every rule both check, the townships (and appraisal
years) GX finds failing must be exactly those the dbt rule reports in marts.violations.
"""

from __future__ import annotations

import html
import json
import shutil
import time
import warnings
from dataclasses import dataclass
from datetime import date
from html import escape
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.checks.expectations import (
    CROSS_CHECKED_RULES,
    Suite,
    compliance_suites,
    input_suites,
    rule_versions,
    scorecard_frame,
    tallies_frame,
)
from warehouse.core.console import console
from warehouse.core.fonts import FONT_STACK, font_face_css
from warehouse.core.paths import warehouse_path
from warehouse.engine.db import check_built, connect

INPUT_QUERIES = {
    "townships": ("select * from staging.stg_townships", "township_code"),
    "units": ("select * from staging.stg_units", "unit_id"),
    # No names: Data Docs are shared with inspection teams, and no expectation needs them.
    "people": (
        """select person_id, id_number_hash, id_number_masked, gender, staff_category, birth_date, recruited_on
        from staging.stg_people""",
        "person_id",
    ),
    "postings": (
        """select posting_id, person_id, org_level, township_code, county_code, end_reason, is_leadership, is_chief,
            is_secondment, start_date, end_date
        from staging.stg_postings""",
        "posting_id",
    ),
    "appraisals": (
        "select person_id, appraisal_year, township_code, grade from staging.stg_appraisals",
        "person_id, appraisal_year",
    ),
}
"""What each input suite validates: its query and the order of its rows."""

BATCHED_BY = {"people": "person_id", "postings": "posting_id", "appraisals": "person_id"}
"""The inputs validated in batches at scale, and the column that parts them: the key of the suite's uniqueness
expectation (a person, a posting; a person's appraisals, unique per person and year), so rows that could duplicate
each other always meet in one batch, and every other expectation is row by row. A uniqueness expectation on
another column (one person per id_number) runs on batches of its own, parted by that column (run_suite). 19.4 M
appraisals at national scale took 7.5 GiB as one pandas frame (bench/REPORT.md)."""

BATCH_ROWS = 1_000_000
"""Rows per batch: a batch of the widest input (postings) takes about 0.3 GiB as a pandas frame, and GX copies it
for each expectation's rows."""

warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
"""Great Expectations imports PySpark when it is installed (it is, for --engine spark), and PySpark warns about the
pandas version on import: a library's note to its own users, not something a user of `validate` can act on."""

SHOWN_KEYS = 10
"""Failing rows named per expectation in the printed summary; Data Docs list them all."""


class NotBuiltError(FileNotFoundError):
    """The warehouse file holds no build to validate (a FileNotFoundError, so the command exits 1 with it)."""


@dataclass(frozen=True)
class Warehouse:
    """What validation reads from the built warehouse, in memory."""

    as_of: date
    built_on: date
    rows: dict[str, int]
    """Rows of each input (INPUT_QUERIES), read in batches by input_batches."""
    scorecard: pl.DataFrame
    tallies: pl.DataFrame
    parameters: pl.DataFrame
    violations: pl.DataFrame


@dataclass(frozen=True)
class Failure:
    """An expectation that failed, with the keys of every row that failed it."""

    label: str
    rule_id: str | None
    unexpected: int
    keys: tuple[tuple, ...]
    error: str | None = None


@dataclass(frozen=True)
class SuiteResult:
    name: str
    expectations: int
    passed: int
    failed: int
    index_columns: tuple[str, ...]
    failures: tuple[Failure, ...] = ()


@dataclass(frozen=True)
class Disagreement:
    """A township (and, for APPR_EXCELLENT_RATIO, a year) that one line finds failing and the other does not."""

    rule_id: str
    township_code: str
    period: int | None
    found_by: str
    """`gx` or `dbt`: the line that finds the failure."""

    def message(self) -> str:
        where = self.township_code + (f" {self.period} 年度 / year" if self.period is not None else "")
        if self.found_by == "dbt":
            return f"{self.rule_id} {where}: dbt 规则报告违规，GX 期望未发现 / the dbt rule reports it, GX does not"
        return f"{self.rule_id} {where}: GX 期望发现违规，dbt 规则未报告 / GX finds it failing, the dbt rule does not"


@dataclass(frozen=True)
class ValidationResult:
    as_of: date
    suites: tuple[SuiteResult, ...]
    gx_failing: dict[str, frozenset]
    dbt_failing: dict[str, frozenset]
    disagreements: tuple[Disagreement, ...]
    site: Path
    seconds: float

    def manifest(self) -> dict:
        """What the run manifest records: each suite's counts, the cross-check and where the report is."""
        return {
            "as_of": self.as_of.isoformat(),
            "data_docs": str((self.site / "index.html").resolve()),
            "report": str((self.site.parent / "index.html").resolve()),
            "suites": {
                s.name: {"expectations": s.expectations, "passed": s.passed, "failed": s.failed} for s in self.suites
            },
            "cross_check": {
                "rules": list(CROSS_CHECKED_RULES),
                "failing": {rule: len(self.gx_failing.get(rule, ())) for rule in CROSS_CHECKED_RULES},
                "disagreements": [d.message() for d in self.disagreements],
            },
            "seconds": round(self.seconds, 1),
        }

    def lines(self) -> list[str]:
        """The printed summary: one line per suite, its failed expectations with the rows' keys, the cross-check."""
        lines = [f"Great Expectations 校验 / validation, as of {self.as_of}:"]
        for suite in self.suites:
            lines.append(
                f"  {suite.name:<30} 期望 {suite.expectations:>3} 条 / expectations: 通过 {suite.passed} / passed, "
                f"未通过 {suite.failed} / failed"
            )
            for failure in suite.failures:
                keys = ", ".join(" ".join(str(v) for v in key) for key in failure.keys[:SHOWN_KEYS])
                if failure.unexpected > SHOWN_KEYS:
                    keys += f" …（共 {failure.unexpected} / of {failure.unexpected}）"
                lines.append(f"    ✗ {failure.label}: {failure.error or keys}")
        count = len(self.disagreements)
        if count:
            lines.append(f"两条检查线不一致 {count} 处 / the two lines disagree {count} times:")
            lines += [f"  {d.message()}" for d in self.disagreements]
        else:
            lines.append(
                f"GX 与 dbt 对 {len(CROSS_CHECKED_RULES)} 条共同规则的结论一致 / GX and dbt agree on the "
                f"{len(CROSS_CHECKED_RULES)} rules both check"
            )
        lines.append(f"Data Docs: {(self.site / 'index.html').resolve()}")
        lines.append(f"报告（离线可读）/ report (readable offline): {(self.site.parent / 'index.html').resolve()}")
        lines.append(f"用时 / took {self.seconds:.1f} s")
        return lines


def read_warehouse() -> Warehouse:
    """Everything validation needs, read in one short read-only visit (DuckDB allows one writer)."""
    with connect(read_only=True) as con:
        check_built(con)
        try:
            as_of, built_at = con.sql("select as_of, built_at from marts.run_info").fetchall()[0]
        except (duckdb.CatalogException, IndexError):
            raise NotBuiltError(
                f"仓库 {warehouse_path()} 尚未构建，请先运行 warehouse build。 / The warehouse {warehouse_path()} "
                "has not been built: run `warehouse build` first."
            ) from None
        rows = {name: con.sql(f"select count(*) from ({query})").fetchall()[0][0]
                for name, (query, _) in INPUT_QUERIES.items()}
        scorecard = con.sql(
            "select * from marts.township_scorecard where as_of = ? order by township_code", params=[as_of]
        ).pl()
        tally_columns = {row[0] for row in con.sql("describe intermediate.int_appraisal_tallies").fetchall()}
        # A build that judges a series of as-of dates lists each tally once per date; take the run's date.
        same_date = "and as_of_date = $as_of" if "as_of_date" in tally_columns else ""
        tallies = con.sql(
            f"""
            select township_code, appraisal_year, graded, excellent, appraisal_on
            from intermediate.int_appraisal_tallies
            where appraisal_on <= $as_of {same_date}
            order by township_code, appraisal_year
            """,
            params={"as_of": as_of},
        ).pl()
        # The rulebook the build judged with: the shipped rows and a user rulebook's, merged (supersession applied).
        parameters = con.sql("select * from intermediate.int_rulebook_parameters_merged").pl()
        violations = con.sql(
            "select rule_id, township_code, period from marts.violations where as_of = ?", params=[as_of]
        ).pl()
    return Warehouse(as_of, built_at.date(), rows, scorecard, tallies, parameters, violations)


Batches = Callable[..., Iterator[tuple[int, pl.DataFrame]]]
"""A frame to validate, in numbered batches read afresh each time it is called: `by=column` parts the rows by that
column instead of the input's own (BATCHED_BY), `parts=` reads only the batches of those numbers."""


def input_batches(name: str, rows: int) -> Batches:
    """An input's rows in its order, in ceil(rows / BATCH_ROWS) batches parted by a hash of its BATCHED_BY column
    (one batch for the small inputs); each batch is read from the warehouse, read-only, when it is validated."""
    query, order = INPUT_QUERIES[name]
    count = max(-(-rows // BATCH_ROWS), 1) if name in BATCHED_BY else 1

    def batches(by: str | None = None, parts: set[int] | None = None) -> Iterator[tuple[int, pl.DataFrame]]:
        with connect(read_only=True) as con:
            for part in range(count):
                if parts is not None and part not in parts:
                    continue
                where = f"where hash({by or BATCHED_BY[name]}) % {count} = {part}" if count > 1 else ""
                yield part, con.sql(f"select * from ({query}) {where} order by {order}").pl()

    return batches


def one_batch(frame: pl.DataFrame) -> Batches:
    """A frame validated whole, as batch 0."""
    return lambda by=None, parts=None: iter([(0, frame)])


def parted_by(frame: str, expectation: Any) -> str | None:
    """The column whose batches an expectation runs on: its own column for a uniqueness expectation on another
    column than the one that parts the input (BATCHED_BY), else None (the input's batches)."""
    column = getattr(expectation, "column", None)
    unique = type(expectation).__name__ == "ExpectColumnValuesToBeUnique"
    return column if unique and frame in BATCHED_BY and column != BATCHED_BY[frame] else None


def gx_context(site: Path) -> Any:
    """An ephemeral context whose one Data Docs site is a static folder; no progress bars, no analytics."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.data_sources.add_pandas("warehouse")
    skip_batch_fingerprints()
    return context


def skip_batch_fingerprints() -> None:
    """GX hashes every pandas batch under 1 GB whole (`hash_pandas_object`) for a fingerprint it only files in the
    batch's metadata: 0.85 s of each 1.5 M-row postings batch, 38 % of a validation at 10,000 townships (19.4–20.3
    s → 11.8–12.6 s, the results the same). Its threshold is a module constant; 0 leaves every batch unhashed."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))
"""html.escape's, in its order (`&` first), so html.unescape gives the value back."""


def as_html_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell HTML-escaped. Data Docs (GX 1.x) write the values they list, the unexpected values and the
    failing rows' keys (a person_id, a unit_id), into their pages as HTML as they are: an id holding markup would
    run there. Escaping keeps every expectation's answer (codes, enumerations and hashes hold no such character,
    and escaping is one-to-one, so uniqueness is unchanged); `_plain` reads the keys back."""
    escaped = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            expr = pl.col(name)
            for character, entity in HTML_ESCAPES:
                expr = expr.str.replace_all(character, entity, literal=True)
            escaped.append(expr)
    return frame.with_columns(escaped)


def gx_frame(frame: pl.DataFrame) -> Any:
    """The pandas frame GX validates: text HTML-escaped (as_html_text), dates and times as datetime64[ns] and
    integers as int64. GX compares those in whole columns; on datetime64[ms] (polars' dates) or int32 it calls a
    Python function per value: the two birth and posting date ranges took 10 of the 13 s of the postings suite at
    10,000 townships."""
    frame = as_html_text(frame)
    return frame.with_columns(
        [pl.col(name).cast(pl.Datetime("ns")) for name, dtype in frame.schema.items() if dtype.is_temporal()]
        + [pl.col(name).cast(pl.Int64) for name, dtype in frame.schema.items() if dtype.is_integer()]
    ).to_pandas()


def _plain(value: Any) -> Any:
    """numpy scalars in GX results become Python ones and text is unescaped (as_html_text), so keys compare and
    print as the warehouse's values."""
    value = value.item() if hasattr(value, "item") else value
    return html.unescape(value) if isinstance(value, str) else value


def _error(result: Any) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return f"出错 / error: {info.get('exception_message')}"
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return f"出错 / error: {nested.get('exception_message')}"
    return None


def _checkpoint(context: Any, name: str, batch: Any, expectations: list, result_format: dict) -> tuple[list, Any]:
    """Suite `name` of the expectations in a checkpoint of the same name: (the suite's expectations, the
    checkpoint), run once per batch of data."""
    import great_expectations as gx

    suite = context.suites.add(gx.ExpectationSuite(name=name))
    added = [suite.add_expectation(expectation) for expectation in expectations]
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=name, validation_definitions=[definition], result_format=result_format)
    )
    return added, checkpoint


def _run_on(added: list, checkpoint: Any, data: Any) -> list[tuple[Any, Any]]:
    """(expectation, its result) for each expectation of the checkpoint, on one batch of data."""
    run = checkpoint.run(batch_parameters={"dataframe": data})
    results = {r.expectation_config.id: r for v in run.run_results.values() for r in v.results}
    return [(expectation, results[expectation.id]) for expectation in added]


def _sort_key(key: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in key)


def run_suite(context: Any, suite: Suite, frame: pl.DataFrame | Batches, out_dir: Path) -> SuiteResult:
    """SUMMARY over the whole suite, batch by batch (input_batches; a frame is one batch), then COMPLETE with the
    keys as index columns over the failed expectations, on the batches where they failed. An expectation passes
    when it passes on every batch; its unexpected rows are those of all batches. A uniqueness expectation on a
    column that does not part the input runs, as suite `<name>.by_<column>`, on batches parted by that column."""
    batches = frame if callable(frame) else one_batch(frame)
    asset = context.data_sources.get("warehouse").add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("whole")
    groups: dict[str | None, list[int]] = {}
    for position, expectation in enumerate(suite.expectations):
        groups.setdefault(parted_by(suite.frame, expectation), []).append(position)
    found: dict[int, Failure] = {}
    written: list[tuple[int, dict]] = []
    names = []
    for by, positions in groups.items():
        names.append(suite.name if by is None else f"{suite.name}.by_{by}")
        expectations = [suite.expectations[p] for p in positions]
        outcome = _run_group(context, names[-1], batch, expectations, batches, by, suite.index_columns)
        found |= {positions[i]: failure for i, failure in outcome.items()}
        expectations_json = context.suites.get(names[-1]).to_json_dict()["expectations"]
        written += list(zip(positions, expectations_json, strict=True))
    # The suite as written for review: one suite, its expectations in their order, whichever batches they ran on.
    document = context.suites.get(names[0]).to_json_dict()
    document |= {"name": suite.name, "expectations": [e for _, e in sorted(written, key=lambda pair: pair[0])]}
    (out_dir / "suites").mkdir(parents=True, exist_ok=True)
    (out_dir / "suites" / f"{suite.name}.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return SuiteResult(
        name=suite.name,
        expectations=len(suite.expectations),
        passed=len(suite.expectations) - len(found),
        failed=len(found),
        index_columns=suite.index_columns,
        failures=tuple(found[p] for p in sorted(found)),
    )


def _run_group(
    context: Any, name: str, batch: Any, expectations: list, batches: Batches, by: str | None,
    index_columns: tuple[str, ...],
) -> dict[int, Failure]:
    """The Failure of each expectation (by its position) that failed on some batch of `batches(by=by)`; its keys
    come from a COMPLETE re-run on the batches where something failed, and those only are read again."""
    added, checkpoint = _checkpoint(context, name, batch, expectations, {"result_format": "SUMMARY"})
    failing_in: set[int] = set()
    failed_ids: set[str] = set()
    for number, part in batches(by=by):
        broken = [expectation.id for expectation, r in _run_on(added, checkpoint, gx_frame(part)) if not r.success]
        if broken:
            failing_in.add(number)
            failed_ids |= set(broken)
    where = [i for i, e in enumerate(added) if e.id in failed_ids]
    if not where:
        return {}
    complete = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": list(index_columns),
        "return_unexpected_index_query": False,
    }
    failed = [added[i].copy(deep=True, update={"id": None}) for i in where]
    rerun, checkpoint = _checkpoint(context, f"{name}.failed", batch, failed, complete)
    seen: dict[int, dict] = {}
    for _, part in batches(by=by, parts=failing_in):
        for position, (_, result) in enumerate(_run_on(rerun, checkpoint, gx_frame(part))):
            tally = seen.setdefault(position, {"result": result, "unexpected": 0, "keys": [], "error": None})
            indexed = result.result.get("unexpected_index_list") or []
            tally["unexpected"] += int(result.result.get("unexpected_count") or len(indexed))
            tally["keys"] += [tuple(_plain(row[c]) for c in index_columns) for row in indexed]
            tally["error"] = tally["error"] or _error(result)
    failures = {}
    for position, tally in seen.items():
        meta = tally["result"].expectation_config.meta or {}
        failures[where[position]] = Failure(
            label=meta.get("label", tally["result"].expectation_config.type),
            rule_id=meta.get("rule_id"),
            unexpected=tally["unexpected"],
            keys=tuple(sorted(tally["keys"], key=_sort_key)),
            error=tally["error"],
        )
    return failures


def gx_failing(suites: list[SuiteResult]) -> dict[str, frozenset]:
    """Per cross-checked rule, the (township_code, year or None) keys that fail any of its expectations."""
    found: dict[str, set] = {rule: set() for rule in CROSS_CHECKED_RULES}
    for suite in suites:
        for failure in suite.failures:
            if failure.rule_id in found:
                found[failure.rule_id] |= {(key[0], key[1] if len(key) > 1 else None) for key in failure.keys}
    return {rule: frozenset(keys) for rule, keys in found.items()}


def dbt_failing(violations: pl.DataFrame) -> dict[str, frozenset]:
    """Per cross-checked rule, the (township_code, period) keys of marts.violations."""
    return {
        rule: frozenset(
            violations.filter(pl.col("rule_id") == rule).select("township_code", "period").iter_rows()
        )
        for rule in CROSS_CHECKED_RULES
    }


def cross_check(gx: dict[str, frozenset], dbt: dict[str, frozenset]) -> list[Disagreement]:
    """Every key one line finds failing and the other does not, per rule, sorted for reading."""
    disagreements = []
    for rule in CROSS_CHECKED_RULES:
        only_gx, only_dbt = gx.get(rule, frozenset()), dbt.get(rule, frozenset())
        disagreements += [Disagreement(rule, t, p, "gx") for t, p in only_gx - only_dbt]
        disagreements += [Disagreement(rule, t, p, "dbt") for t, p in only_dbt - only_gx]
    return sorted(disagreements, key=lambda d: (d.rule_id, d.township_code, d.period or 0, d.found_by))


def result_pages(site: Path, suite: str) -> list[Path]:
    """The Data Docs pages of a suite's runs, one per batch (input_batches), then those of its `.failed` re-runs,
    each for the suite and its `.by_<column>` parts (run_suite): GX files them under the suite's name, then the run
    name and the run time. The site holds this validation's runs only (validate clears it)."""
    folder = site / "validations" / suite.replace(".", "/")

    def in_order(folder: Path) -> list[Path]:
        return sorted(folder.glob("*/*/*.html"), key=lambda page: page.parent.name)

    parts = [folder, *sorted(folder.glob("by_*"))]
    return [page for part in parts for page in in_order(part) if "failed" not in page.relative_to(part).parts] + [
        page for part in parts for page in in_order(part / "failed")
    ]


def page_labels(pages: list[Path]) -> list[tuple[Path, str]]:
    """Each result page with its link text: SUMMARY or COMPLETE (a `.failed` re-run), numbered by batch when a suite
    has several, and naming the column of a `.by_<column>` part: `SUMMARY 3`, `SUMMARY id_number_hash 1`."""
    labelled = []
    for page in pages:
        above = page.parts[-5:-3]  # the folders above `<run name>/<run time>/<page>`
        kind = "COMPLETE" if above[-1:] == ("failed",) else "SUMMARY"
        part = next((p.removeprefix("by_") for p in above if p.startswith("by_")), None)
        labelled.append((page, " ".join(filter(None, (kind, part)))))
    counts: dict[str, int] = {}
    for _, label in labelled:
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    numbered = []
    for page, label in labelled:
        seen[label] = seen.get(label, 0) + 1
        numbered.append((page, f"{label} {seen[label]}" if counts[label] > 1 else label))
    return numbered


def write_report(result: ValidationResult, out_dir: Path) -> Path:
    """A plain page that lists the suites, the failing rows and links to their Data Docs pages.

    GX's own index draws its table with scripts from public CDNs, which an office network without internet does
    not reach; its result pages read fine without them, so this page leads to them.
    """
    rows = []
    for suite in result.suites:
        links = " ".join(
            f'<a href="{escape(page.relative_to(out_dir).as_posix())}">{escape(label)}</a>'
            for page, label in page_labels(result_pages(result.site, suite.name))
        )
        rows.append(
            f"<tr><td>{escape(suite.name)}</td><td>{suite.expectations}</td><td>{suite.passed}</td>"
            f"<td>{suite.failed}</td><td>{links}</td></tr>"
        )
        for failure in suite.failures:
            keys = ", ".join(" ".join(str(v) for v in key) for key in failure.keys)
            rows.append(f'<tr><td colspan="5">✗ {escape(failure.label)}: {escape(failure.error or keys)}</td></tr>')
    agreement = (
        "".join(f"<li>{escape(d.message())}</li>" for d in result.disagreements)
        or f"<li>GX 与 dbt 对 {len(CROSS_CHECKED_RULES)} 条共同规则的结论一致 / GX and dbt agree</li>"
    )
    body = f"""<h1>Great Expectations 校验 / validation, as of {result.as_of}</h1>
<table><tr><th>suite</th><th>期望 / expectations</th><th>通过 / passed</th><th>未通过 / failed</th>
<th>Data Docs</th></tr>
{chr(10).join(rows)}
</table>
<h2>交叉核对 / cross-check ({", ".join(CROSS_CHECKED_RULES)})</h2><ul>{agreement}</ul>
<p><a href="data_docs/index.html">Data Docs</a></p>
"""
    title = f"数据校验 / Validation {result.as_of}"
    # The font the report pages embed, cut to this page's characters: Chinese shows where no CJK font is installed.
    page = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>{font_face_css(title + body)}
body{{font-family:{FONT_STACK};margin:2em}} td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}
table{{border-collapse:collapse}}</style></head><body>
{body}</body></html>
"""
    (out_dir / "index.html").write_text(page, encoding="utf-8")
    return out_dir / "index.html"


def validate(out_dir: Path, *, parameters: pl.DataFrame | None = None) -> ValidationResult:
    """Validate the built warehouse into out_dir: Data Docs under data_docs/, a plain report as index.html, the
    suites as JSON under suites/ (for review), the summary as validation.json.

    parameters replaces the rulebook rows read from the warehouse: a test changes one line's parameter with it.
    """
    started = time.perf_counter()
    warehouse = read_warehouse()
    versions = rule_versions(warehouse.parameters if parameters is None else parameters)
    frames: dict[str, pl.DataFrame | Batches] = {
        name: input_batches(name, rows) for name, rows in warehouse.rows.items()
    }
    frames["township_scorecard"] = scorecard_frame(warehouse.scorecard, versions, warehouse.as_of)
    frames["appraisal_tallies"] = tallies_frame(warehouse.tallies, versions, warehouse.as_of)
    suites = input_suites(warehouse.as_of, warehouse.built_on) + compliance_suites(
        frames["township_scorecard"], frames["appraisal_tallies"], versions
    )

    site = out_dir / "data_docs"
    if (out_dir / "validation.json").is_file():
        # A previous validation's folder: its pages go, so the site reports this run only. Nothing is removed
        # from a folder validation did not write.
        for ours in (site, out_dir / "suites"):
            shutil.rmtree(ours, ignore_errors=True)
    context = gx_context(site.resolve())  # GX wants an absolute folder (the default --out is relative)
    results = []
    with console().progress("校验 / validating", total=len(suites), unit="套 suites") as bar:
        for suite in suites:
            bar.update(bar.done, item=suite.name)
            results.append(run_suite(context, suite, frames[suite.frame], out_dir))
            bar.advance()
    context.build_data_docs()

    found = gx_failing(results)
    reported = dbt_failing(warehouse.violations)
    result = ValidationResult(
        as_of=warehouse.as_of,
        suites=tuple(results),
        gx_failing=found,
        dbt_failing=reported,
        disagreements=tuple(cross_check(found, reported)),
        site=site,
        seconds=time.perf_counter() - started,
    )
    (out_dir / "validation.json").write_text(
        json.dumps(result.manifest(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    write_report(result, out_dir)
    return result

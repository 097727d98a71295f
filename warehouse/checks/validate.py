"""`warehouse validate`: the Great Expectations suites over the built warehouse, Data Docs, and the cross-check.

GX 1.x cannot validate DuckDB through SQLAlchemy, so the warehouse is opened read-only, the tables are read into
memory (DuckDB → Arrow → polars → pandas) and closed before GX starts: a build can follow at once. Each suite runs
in its own checkpoint with SUMMARY results; only the expectations that failed run again with COMPLETE results and
the rows' keys (township codes) as index columns, so the report names every failing township and stays fast at
national scale. The context is ephemeral: nothing is written into the repository, only under the output folder.

The cross-check holds the two lines against each other: for every rule both check, the townships (and appraisal
years) GX finds failing must be exactly those the dbt rule reports in marts.violations.
"""

from __future__ import annotations

import html
import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from html import escape
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
from warehouse.core.paths import warehouse_path
from warehouse.engine.db import check_built, connect

INPUT_QUERIES = {
    "townships": "select * from staging.stg_townships order by township_code",
    "units": "select * from staging.stg_units order by unit_id",
    # No names: Data Docs are shared with inspection teams, and no expectation needs them.
    "people": """
        select person_id, id_number_hash, id_number_masked, gender, staff_category, birth_date, recruited_on
        from staging.stg_people order by person_id
    """,
    "postings": """
        select posting_id, person_id, org_level, township_code, county_code, end_reason, is_leadership, is_chief,
            is_secondment, start_date, end_date
        from staging.stg_postings order by posting_id
    """,
    "appraisals": """
        select person_id, appraisal_year, township_code, grade from staging.stg_appraisals
        order by person_id, appraisal_year
    """,
}

SHOWN_KEYS = 10
"""Failing rows named per expectation in the printed summary; Data Docs list them all."""


class NotBuiltError(FileNotFoundError):
    """The warehouse file holds no build to validate (a FileNotFoundError, so the command exits 1 with it)."""


@dataclass(frozen=True)
class Warehouse:
    """What validation reads from the built warehouse, in memory."""

    as_of: date
    built_on: date
    inputs: dict[str, pl.DataFrame]
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
        inputs = {name: con.sql(query).pl() for name, query in INPUT_QUERIES.items()}
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
    return Warehouse(as_of, built_at.date(), inputs, scorecard, tallies, parameters, violations)


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
    return context


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


def _checkpoint_run(
    context: Any, name: str, batch: Any, expectations: list, result_format: dict, data: Any
) -> list[tuple[Any, Any]]:
    """(expectation, its result) for each expectation, run as suite `name` in a checkpoint of the same name."""
    import great_expectations as gx

    suite = context.suites.add(gx.ExpectationSuite(name=name))
    added = [suite.add_expectation(expectation) for expectation in expectations]
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=name, validation_definitions=[definition], result_format=result_format)
    )
    run = checkpoint.run(batch_parameters={"dataframe": data})
    results = {r.expectation_config.id: r for v in run.run_results.values() for r in v.results}
    return [(expectation, results[expectation.id]) for expectation in added]


def run_suite(context: Any, suite: Suite, frame: pl.DataFrame, out_dir: Path) -> SuiteResult:
    """SUMMARY over the whole suite, then COMPLETE with the keys as index columns over the failed expectations."""
    batch = context.data_sources.get("warehouse").add_dataframe_asset(suite.name)
    batch = batch.add_batch_definition_whole_dataframe("whole")
    data = as_html_text(frame).to_pandas()
    results = _checkpoint_run(context, suite.name, batch, suite.expectations, {"result_format": "SUMMARY"}, data)
    (out_dir / "suites").mkdir(parents=True, exist_ok=True)
    (out_dir / "suites" / f"{suite.name}.json").write_text(
        json.dumps(context.suites.get(suite.name).to_json_dict(), ensure_ascii=False, indent=2, default=str),
        encoding="utf-8",
    )
    failed = [expectation.copy(deep=True, update={"id": None}) for expectation, r in results if not r.success]
    failures: list[Failure] = []
    if failed:
        complete = {
            "result_format": "COMPLETE",
            "unexpected_index_column_names": list(suite.index_columns),
            "return_unexpected_index_query": False,
        }
        for _, result in _checkpoint_run(context, f"{suite.name}.failed", batch, failed, complete, data):
            meta = result.expectation_config.meta or {}
            indexed = result.result.get("unexpected_index_list") or []
            failures.append(Failure(
                label=meta.get("label", result.expectation_config.type),
                rule_id=meta.get("rule_id"),
                unexpected=int(result.result.get("unexpected_count") or len(indexed)),
                keys=tuple(tuple(_plain(row[c]) for c in suite.index_columns) for row in indexed),
                error=_error(result),
            ))
    return SuiteResult(
        name=suite.name,
        expectations=len(results),
        passed=sum(1 for _, r in results if r.success),
        failed=len(failed),
        index_columns=suite.index_columns,
        failures=tuple(failures),
    )


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
    """The Data Docs pages of a suite's last run and of its `.failed` re-run: GX files them under the suite's name,
    then the run name and the run time."""
    folder = site / "validations" / suite.replace(".", "/")

    def latest(pages) -> list[Path]:
        return sorted(pages, key=lambda page: page.parent.name)[-1:]

    return latest(folder.glob("*/*/*.html")) + latest((folder / "failed").glob("*/*/*.html"))


def write_report(result: ValidationResult, out_dir: Path) -> Path:
    """A plain page that lists the suites, the failing rows and links to their Data Docs pages.

    GX's own index draws its table with scripts from public CDNs, which an office network without internet does
    not reach; its result pages read fine without them, so this page leads to them.
    """
    rows = []
    for suite in result.suites:
        links = " ".join(
            f'<a href="{escape(page.relative_to(out_dir).as_posix())}">'
            f'{"COMPLETE" if "/failed/" in page.as_posix() else "SUMMARY"}</a>'
            for page in result_pages(result.site, suite.name)
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
    page = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>数据校验 / Validation {result.as_of}</title>
<style>body{{font-family:sans-serif;margin:2em}} td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}
table{{border-collapse:collapse}}</style></head><body>
<h1>Great Expectations 校验 / validation, as of {result.as_of}</h1>
<table><tr><th>suite</th><th>期望 / expectations</th><th>通过 / passed</th><th>未通过 / failed</th>
<th>Data Docs</th></tr>
{chr(10).join(rows)}
</table>
<h2>交叉核对 / cross-check ({", ".join(CROSS_CHECKED_RULES)})</h2><ul>{agreement}</ul>
<p><a href="data_docs/index.html">Data Docs</a></p>
</body></html>
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
    frames = dict(warehouse.inputs)
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
    results = [run_suite(context, suite, frames[suite.frame], out_dir) for suite in suites]
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

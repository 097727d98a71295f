"""`warehouse validate`: the Great Expectations line, its Data Docs, and the cross-check against the dbt rules.

The cross-check is the point: for every rule both lines check, the townships GX finds failing must be exactly the
townships the dbt rule reports, on the demo county and on a generated data set, and a parameter changed in only
one of the two lines must show up as a disagreement naming the township and the rule.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import DEMO_AS_OF, DEMO_DIR, PROJECT_DIR, run_warehouse, warehouse_cli
from test_privacy import clear_numbers, folder_leaks

from warehouse.checks.expectations import CROSS_CHECKED_RULES, in_force, rule_versions
from warehouse.checks.validate import Disagreement, cross_check, read_warehouse, result_pages, validate
from warehouse.engine.db import connect

SEED = PROJECT_DIR / "seeds" / "rulebook" / "rulebook_parameters.csv"


def validate_warehouse(db: Path, out: Path, parameters: pl.DataFrame | None = None):
    """validate() in this process against the warehouse file db, as `warehouse validate` would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_DB", str(db))
        return validate(out, parameters=parameters)


def rulebook_rows(db: Path) -> pl.DataFrame:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_DB", str(db))
        return read_warehouse().parameters


def with_value(parameters: pl.DataFrame, rule_id: str, parameter: str, value: str) -> pl.DataFrame:
    """The rulebook rows with one parameter of one rule changed: the edit one line of checks would see."""
    hit = (pl.col("rule_id") == rule_id) & (pl.col("parameter") == parameter)
    assert parameters.filter(hit).height == 1, (rule_id, parameter)
    return parameters.with_columns(value=pl.when(hit).then(pl.lit(value)).otherwise(pl.col("value")))


@pytest.fixture(scope="module")
def demo_validation(demo_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_validation")
    return validate_warehouse(demo_run.db, out), out


def test_data_docs_show_no_id_number_in_clear_or_partly_masked(demo_validation):
    _, out = demo_validation
    assert folder_leaks(out, clear_numbers(DEMO_DIR).get_column("id_number")) == {}


# --- the version in force, resolved by this line on its own (docs/rules.md, "The rulebook") -------------------


def parameter_rows(*rows: tuple[str, str, str, str | None, str, str]) -> pl.DataFrame:
    """Rulebook rows (rule_id, prefix, valid_from, valid_until, parameter, value) with a citation each."""
    return pl.DataFrame(
        [
            {
                "param_id": f"{rule}@{prefix}@{start}#{name}",
                "rule_id": rule,
                "jurisdiction_prefix": prefix,
                "jurisdiction_name": prefix,
                "valid_from": date.fromisoformat(start),
                "valid_until": date.fromisoformat(until) if until else None,
                "parameter": name,
                "value": value,
                "document": "doc",
                "document_short": "doc",
                "clause": "1",
                "quote_zh": "quote",
            }
            for rule, prefix, start, until, name, value in rows
        ]
    )


def version_on(rows: pl.DataFrame, township: str, on: str) -> str | None:
    frame = pl.DataFrame({"township_code": [township]})
    day = pl.lit(date.fromisoformat(on))
    resolved = in_force(frame, rule_versions(rows), "ORG_STATION_MAX", day, ("township_code",))
    return resolved.item(0, "org_station_max_version")


def test_the_longest_matching_prefix_in_force_wins_then_the_latest_valid_from():
    rows = parameter_rows(
        ("ORG_STATION_MAX", "3607", "2018-01-01", None, "max_stations", "7"),
        ("ORG_STATION_MAX", "3607", "2022-01-01", None, "max_stations", "6"),
        ("ORG_STATION_MAX", "360799", "2020-01-01", "2024-01-01", "max_stations", "9"),
    )
    assert version_on(rows, "360799100000", "2019-06-30") == "3607@2018-01-01"
    assert version_on(rows, "360799100000", "2023-12-31") == "360799@2020-01-01"
    assert version_on(rows, "360799100000", "2024-01-01") == "3607@2022-01-01", "valid_until is exclusive"
    assert version_on(rows, "360701100000", "2021-06-30") == "3607@2018-01-01"
    assert version_on(rows, "320599100000", "2023-06-30") is None, "no prefix matches: not covered"
    assert version_on(rows, "360799100000", "2017-12-31") is None, "before any valid_from: not covered"


def test_a_version_with_enabled_false_switches_the_rule_off_for_its_prefix():
    rows = parameter_rows(
        ("ORG_STATION_MAX", "3607", "2018-01-01", None, "max_stations", "7"),
        ("ORG_STATION_MAX", "360799", "2020-01-01", None, "enabled", "false"),
    )
    assert version_on(rows, "360799100000", "2023-06-30") is None
    assert version_on(rows, "360701100000", "2023-06-30") == "3607@2018-01-01"


# --- the cross-check itself ------------------------------------------------------------------------------------


def test_a_township_only_one_line_finds_failing_is_a_disagreement_naming_rule_and_township():
    gx = {"ORG_STATION_MAX": frozenset({("360799105000", None)}), "APPR_EXCELLENT_RATIO": frozenset()}
    dbt = {"ORG_STATION_MAX": frozenset(), "APPR_EXCELLENT_RATIO": frozenset({("360799102000", 2020)})}
    found = cross_check(gx, dbt)
    assert found == [
        Disagreement("APPR_EXCELLENT_RATIO", "360799102000", 2020, "dbt"),
        Disagreement("ORG_STATION_MAX", "360799105000", None, "gx"),
    ]
    assert "ORG_STATION_MAX" in found[1].message() and "360799105000" in found[1].message()
    assert "2020" in found[0].message()


def test_gx_and_dbt_find_the_same_failing_townships_on_the_demo_county(demo_validation):
    result, _ = demo_validation
    assert [d.message() for d in result.disagreements] == []
    for rule in CROSS_CHECKED_RULES:
        assert result.gx_failing[rule], f"{rule}: the demo breaks every cross-checked rule somewhere"
        assert result.gx_failing[rule] == result.dbt_failing[rule], rule


CHANGES = [
    # rule, parameter, value in one line only, a (township, period) the other line still finds failing
    ("ORG_OFFICE_COUNT", "max_offices", "6", ("360799103000", None)),
    ("ORG_OFFICE_COUNT", "min_offices", "2", ("360799202000", None)),
    ("ORG_STATION_MAX", "max_stations", "8", ("360799105000", None)),
    ("ORG_DEVELOPED_TOWN_BODIES", "max_bodies", "11", ("320599100000", None)),
    ("APPR_EXCELLENT_RATIO", "max_excellent_pct", "25", ("360799102000", 2020)),
    ("STAFF_OVER_LEADER_QUOTA", "enabled", "false", ("320599101000", None)),
    ("STAFF_SOCIAL_WORKERS", "min_social_workers", "2", ("360799107000", None)),
]


@pytest.mark.parametrize(("rule_id", "parameter", "value", "key"), CHANGES, ids=[f"{c[0]}-{c[1]}" for c in CHANGES])
def test_a_parameter_changed_only_in_the_gx_line_fails_the_cross_check(
    demo_run, tmp_path, rule_id, parameter, value, key
):
    changed = with_value(rulebook_rows(demo_run.db), rule_id, parameter, value)
    result = validate_warehouse(demo_run.db, tmp_path, parameters=changed)
    assert Disagreement(rule_id, key[0], key[1], "dbt") in result.disagreements
    assert {d.rule_id for d in result.disagreements} == {rule_id}


def test_a_parameter_changed_only_in_the_dbt_line_fails_the_cross_check(demo_run, tmp_path, monkeypatch):
    """The dbt line is rebuilt on a copy of the warehouse whose rulebook says at most 8 stations; the GX line keeps
    the rulebook the demo was built with (7), so the township with 8 stations is a disagreement. Given the changed
    rulebook too, GX agrees again."""
    from warehouse.engine.build import dbt_args, run_dbt

    original = rulebook_rows(demo_run.db)
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.db, db)
    with connect(db) as con:
        con.execute(
            "update rulebook.rulebook_parameters set value = '8' "
            "where rule_id = 'ORG_STATION_MAX' and parameter = 'max_stations'"
        )
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    as_of = date.fromisoformat(DEMO_AS_OF)
    # the models read the seed through the merged rulebook: rebuild it, then the rule and what reads the rule
    run_dbt(dbt_args("run", as_of, "--select", "int_rulebook_parameters_merged", "rule_org_station_max+"))

    only_dbt_changed = validate(tmp_path / "one_line", parameters=original)
    assert [d.message() for d in only_dbt_changed.disagreements] == [
        Disagreement("ORG_STATION_MAX", "360799105000", None, "gx").message()
    ]
    both_changed = validate(tmp_path / "both_lines")
    assert both_changed.disagreements == ()


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory):
    from warehouse.synthetic.generate import (
        generate,  # written alongside; an ImportError here means it is not there yet
    )

    root = tmp_path_factory.mktemp("generated")
    inputs = root / "input"
    inputs.mkdir()
    generate(150, 20260630, inputs)
    return run_warehouse(inputs, root)


def test_gx_and_dbt_find_the_same_failing_townships_on_a_generated_data_set(generated_run, tmp_path):
    result = validate_warehouse(generated_run.db, tmp_path)
    assert [d.message() for d in result.disagreements] == []
    assert any(result.gx_failing.values()), "a cross-check where nothing fails proves nothing"


# --- what a reader gets -----------------------------------------------------------------------------------------


def test_every_suite_has_expectations_and_its_counts_add_up(demo_validation):
    result, _ = demo_validation
    names = [s.name for s in result.suites]
    assert names == [
        "inputs.townships", "inputs.units", "inputs.people", "inputs.postings", "inputs.appraisals",
        "compliance.township_scorecard", "compliance.appraisal_tallies",
    ]
    for suite in result.suites:
        assert suite.expectations > 0, suite.name
        assert suite.passed + suite.failed == suite.expectations, suite.name
        assert len(suite.failures) == suite.failed, suite.name


def test_the_demo_inputs_pass_every_input_expectation(demo_validation):
    result, _ = demo_validation
    failing = {s.name: [f.label for f in s.failures] for s in result.suites if s.name.startswith("inputs.")}
    assert failing == {name: [] for name in failing}


def test_every_compliance_limit_is_the_rulebook_value_its_param_id_names(demo_validation):
    _, out = demo_validation
    seed = {row["param_id"]: row["value"] for row in pl.read_csv(SEED, infer_schema=False).iter_rows(named=True)}
    checked = 0
    for name in ("compliance.township_scorecard", "compliance.appraisal_tallies"):
        suite = json.loads((out / "suites" / f"{name}.json").read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            param_id, kwargs = expectation["meta"]["param_id"], expectation["kwargs"]
            assert param_id in seed, param_id
            bounds = {kwargs.get("min_value"), kwargs.get("max_value")} - {None}
            if param_id.endswith("#enabled"):
                assert seed[param_id] == "true"
                continue
            assert float(seed[param_id]) in bounds, (param_id, kwargs)
            checked += 1
    assert checked >= 7


def test_data_docs_show_each_failing_expectation_with_the_township_codes(demo_validation):
    result, out = demo_validation
    assert (out / "data_docs" / "index.html").is_file()
    def complete_page(suite: str) -> str:
        pages = [p for p in result_pages(result.site, suite) if "/failed/" in p.as_posix()]
        return "".join(p.read_text(encoding="utf-8") for p in pages)

    scorecard, tallies = complete_page("compliance.township_scorecard"), complete_page("compliance.appraisal_tallies")
    for rule, keys in result.dbt_failing.items():
        for township, _ in keys:
            assert township in (tallies if rule == "APPR_EXCELLENT_RATIO" else scorecard), (rule, township)
    report = (out / "index.html").read_text(encoding="utf-8")
    assert "360799105000" in report and "data_docs/index.html" in report


def test_warehouse_validate_prints_each_suite_and_where_the_site_is(demo_run, tmp_path):
    out = tmp_path / "validation"
    result = warehouse_cli("validate", "--out", str(out), root=demo_run.db.parent)
    assert result.returncode == 0, result.stderr
    for suite in ("inputs.townships", "compliance.township_scorecard", "compliance.appraisal_tallies"):
        assert suite in result.stdout
    assert str((out / "data_docs" / "index.html").resolve()) in result.stdout
    assert "360799105000" in result.stdout
    assert "Warning" not in result.stdout + result.stderr  # PySpark's note on the pandas version is not for a user


def test_run_with_validate_records_the_suite_results_in_the_manifest(tmp_path):
    root = tmp_path / "run"
    root.mkdir()
    out = root / "out"
    result = warehouse_cli(
        "run", "--input", str(DEMO_DIR), "--as-of", DEMO_AS_OF, "--out", str(out), "--validate", root=root
    )
    assert result.returncode == 0, result.stdout + result.stderr
    validation = json.loads((out / "run_manifest.json").read_text(encoding="utf-8"))["validation"]
    assert validation["suites"]["compliance.township_scorecard"]["failed"] > 0
    assert all(s["passed"] + s["failed"] == s["expectations"] for s in validation["suites"].values())
    assert validation["cross_check"]["disagreements"] == []
    assert (out / "validation" / "data_docs" / "index.html").is_file()


# --- batches (issue 18: national scale never becomes one pandas frame) --------------------------------------------


def test_a_suite_run_in_batches_finds_what_one_frame_finds(tmp_path):
    from warehouse.checks.expectations import Suite, _expectation
    from warehouse.checks.validate import gx_context, run_suite

    frame = pl.DataFrame({
        "posting_id": ["P1", "P2", "P3", "P3", "P5", "P6"],
        "code": ["1", "x", "3", "4", "y", "6"],
    })

    def suite():
        return Suite("postings", "frame", ("posting_id",), [
            _expectation("ExpectColumnValuesToBeUnique", "unique", column="posting_id"),
            _expectation("ExpectColumnValuesToMatchRegex", "digits", column="code", regex=r"^\d+$"),
            _expectation("ExpectColumnValuesToNotBeNull", "present", column="code"),
        ])

    whole = run_suite(gx_context(tmp_path / "one"), suite(), frame, tmp_path / "one")
    # Parted as input_batches parts them: rows with the same posting_id in one batch.
    pieces = [frame.filter(pl.col("posting_id").is_in(ids)) for ids in (["P1", "P5"], ["P2"], ["P3", "P6"])]
    batched = run_suite(
        gx_context(tmp_path / "three"), suite(), lambda by=None, parts=None: enumerate(pieces), tmp_path / "three"
    )
    assert (whole.expectations, whole.passed, whole.failed) == (batched.expectations, batched.passed, batched.failed)
    assert (whole.expectations, whole.failed) == (3, 2)
    assert whole.failures == batched.failures
    assert [(f.label, f.unexpected, f.keys) for f in batched.failures] == [
        ("unique", 2, (("P3",), ("P3",))), ("digits", 2, (("P2",), ("P5",))),
    ]


def test_validation_in_small_batches_gives_the_same_result(generated_run, tmp_path, monkeypatch):
    # Every input parted into many batches (postings and appraisals) reports exactly what one batch reports.
    import warehouse.checks.validate as validation

    one = validate_warehouse(generated_run.db, tmp_path / "one")
    monkeypatch.setattr(validation, "BATCH_ROWS", 500)
    many = validate_warehouse(generated_run.db, tmp_path / "many")
    assert one.suites == many.suites and one.disagreements == many.disagreements
    rows = read_rows(generated_run.db)
    assert rows["appraisals"] > 4 * 500 and rows["postings"] > 4 * 500
    pages = result_pages(many.site, "inputs.appraisals")
    assert len(pages) == -(-rows["appraisals"] // 500), len(pages)


def read_rows(db: Path) -> dict[str, int]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_DB", str(db))
        return read_warehouse().rows


def test_one_person_per_id_number_holds_across_the_batches_of_people(tmp_path, monkeypatch):
    # People are parted by person_id; two people sharing an id_number must still meet: that expectation runs on
    # batches parted by the hash itself.
    import warehouse.checks.validate as validation
    from warehouse.checks.expectations import Suite, _expectation

    frame = pl.DataFrame({"person_id": [f"P{i}" for i in range(40)], "id_number_hash": [f"h{i % 39}" for i in range(40)]})

    def batches(by=None, parts=None):
        column = by or "person_id"
        keys = frame.get_column(column).hash() % 4
        return ((part, frame.filter(keys == part)) for part in range(4) if parts is None or part in parts)

    def suite():
        return Suite("inputs.people", "people", ("person_id",), [
            _expectation("ExpectColumnValuesToBeUnique", "person", column="person_id"),
            _expectation("ExpectColumnValuesToBeUnique", "one person per id", column="id_number_hash"),
        ])

    context = validation.gx_context(tmp_path / "data_docs")
    result = validation.run_suite(context, suite(), batches, tmp_path)
    assert (result.expectations, result.failed) == (2, 1)
    assert [(f.label, f.keys) for f in result.failures] == [("one person per id", (("P0",), ("P39",)))]
    # Without parting by the hash the pair is split across batches in this data (the test can fail).
    split = validation.run_suite(
        validation.gx_context(tmp_path / "split"), suite(), lambda by=None, parts=None: batches(parts=parts), tmp_path
    )
    assert split.failed == 0
    context.build_data_docs()
    pages = result_pages(tmp_path / "data_docs", "inputs.people")
    assert len(pages) == 4 + 4 + 1, pages  # by person, by id_number_hash, the re-run on the failing batch
    written = json.loads((tmp_path / "suites" / "inputs.people.json").read_text(encoding="utf-8"))
    assert [e["meta"]["label"] for e in written["expectations"]] == ["person", "one person per id"]


def test_gx_does_not_hash_the_batches(tmp_path):
    # The fingerprint costs a whole-frame hash per batch and is only metadata (validate.skip_batch_fingerprints).
    from great_expectations.execution_engine import pandas_execution_engine

    from warehouse.checks.validate import gx_context

    gx_context(tmp_path / "data_docs")
    assert pandas_execution_engine.HASH_THRESHOLD == 0


def test_the_report_numbers_the_pages_of_a_suite_run_in_batches():
    from warehouse.checks.validate import page_labels

    site = Path("/by_office/failed/validations/inputs/people")  # folders above the site do not count
    pages = [site / "r/1/a.html", site / "r/2/a.html", site / "by_id_number_hash/r/3/a.html",
             site / "failed/r/4/a.html", site / "by_id_number_hash/failed/r/5/a.html"]
    assert [label for _, label in page_labels(pages)] == [
        "SUMMARY 1", "SUMMARY 2", "SUMMARY id_number_hash", "COMPLETE", "COMPLETE id_number_hash",
    ]

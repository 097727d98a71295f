"""The same dbt models on Apache Spark (dbt-spark, `method: session`, a local Spark): the demo county and a
generated data set give byte-identical violations.csv and township_scorecard.csv on both engines, and the
contract's time arithmetic gives the same dates (the data test time_arithmetic_gives_the_contracts_dates runs on
both). Spark needs Java 17; each Spark build here takes one to two minutes on two cores."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from conftest import DEMO_AS_OF, DEMO_DIR, Run, warehouse_cli

COMPARED = ("violations.csv", "township_scorecard.csv", "rejects.csv")


@pytest.fixture(scope="module")
def spark_demo_run(tmp_path_factory) -> Run:
    """`warehouse run --engine spark` on the demo county: load, the full build with data tests, export."""
    root = tmp_path_factory.mktemp("spark_demo")
    out = root / "out"
    result = warehouse_cli(
        "run", "--engine", "spark", "--input", str(DEMO_DIR), "--as-of", DEMO_AS_OF, "--out", str(out), root=root,
        check=True,
    )
    return Run(db=root / "warehouse.duckdb", out=out, result=result)


def test_the_demo_on_spark_gives_the_same_outputs_as_on_duckdb(spark_demo_run, demo_run):
    for name in COMPARED:
        assert (spark_demo_run.out / name).read_bytes() == (demo_run.out / name).read_bytes(), name
    assert (spark_demo_run.out / "violations.csv").read_text(encoding="utf-8").count("\n") > 20
    manifest = json.loads((spark_demo_run.out / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "spark"


def test_the_time_arithmetic_test_ran_and_passed_on_both_engines(spark_demo_run, demo_run):
    for target in (spark_demo_run.db.parent / "target" / "spark", demo_run.db.parent / "target"):
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
        statuses = {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("test.")}
        assert statuses["time_arithmetic_gives_the_contracts_dates"] == "pass", target
    assert json.loads((spark_demo_run.db.parent / "target" / "spark" / "run_results.json").read_text())["args"][
        "target"
    ] == "spark"


def test_a_generated_data_set_on_spark_gives_the_same_outputs(generated, generated_run, tmp_path):
    as_of = generated.as_of.isoformat()
    warehouse_cli("load", str(generated.out_dir), root=tmp_path, check=True)
    warehouse_cli("build", "--engine", "spark", "--skip-data-tests", "--as-of", as_of, root=tmp_path, check=True)
    warehouse_cli("export", "--engine", "spark", str(tmp_path / "out"), root=tmp_path, check=True)
    for name in COMPARED:
        assert (tmp_path / "out" / name).read_bytes() == (generated_run.out / name).read_bytes(), name


def test_spark_reads_the_loaders_parquet_folders(spark_demo_run):
    loaded = spark_demo_run.db.with_name("warehouse_loaded") / "current"
    folders = sorted(p.name for p in loaded.iterdir())
    inputs = {"appraisals", "load_files", "people", "postings", "rejects", "townships", "units"}
    optional = {"waivers", "planned_scenarios", "planned_townships"}  # issue 17's, empty when not given
    assert inputs <= set(folders) and set(folders) - inputs <= optional, folders
    tables = spark_demo_run.db.with_name("warehouse_spark") / "tables"
    assert (tables / "marts.db" / "violations").is_dir()
    run_info = str(tables / "marts.db" / "run_info" / "*.parquet")
    with duckdb.connect() as con:  # the Spark build records the load folder its raw tables read
        (loaded_from,) = con.execute(f"select loaded_from from read_parquet('{run_info}')").fetchall()[0]
    assert loaded_from == str(loaded.resolve())


def test_a_snapshot_judged_on_spark_records_the_runs_findings(spark_demo_run):
    root = spark_demo_run.db.parent
    warehouse_cli("snapshot", "--engine", "spark", "--as-of", DEMO_AS_OF, root=root, check=True)
    with duckdb.connect(str(spark_demo_run.db), read_only=True) as con:
        findings = con.execute(
            "select rule_id, township_code, coalesce(person_id, ''), coalesce(cast(period as varchar), '') "
            "from history.snapshot_findings order by all"
        ).fetchall()
        (count,) = con.execute("select findings from history.snapshots").fetchone()
    lines = (spark_demo_run.out / "violations.csv").read_text(encoding="utf-8").splitlines()[1:]
    expected = sorted((r[0], r[2], r[3], r[4]) for r in csv.reader(lines))
    assert findings == expected and count == len(expected)


def test_an_unknown_engine_is_refused(tmp_path):
    result = warehouse_cli("build", "--engine", "oracle", root=tmp_path)
    assert result.returncode == 2 and "spark" in result.stderr


def test_validation_with_the_spark_engine_is_refused_before_anything_runs(tmp_path):
    result = warehouse_cli("run", "--engine", "spark", "--validate", "--out", str(tmp_path / "out"), root=tmp_path)
    assert result.returncode == 2 and "--validate" in result.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_exporting_from_spark_before_a_spark_build_says_what_to_run(tmp_path):
    result = warehouse_cli("export", "--engine", "spark", str(tmp_path / "out"), root=tmp_path)
    assert result.returncode == 1 and "warehouse build --engine spark" in result.stderr
    result = warehouse_cli("build", "--engine", "spark", root=tmp_path)
    assert result.returncode == 1 and "warehouse load" in result.stderr

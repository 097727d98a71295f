"""dbt's unit tests: the rules' pass, fail and boundary cases, written as given rows and expected rows beside each
model (models/*/_*.yml). `warehouse build` leaves them out (they test the SQL, not the data, and cost about 20 s
a build), so this test runs every one of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date

from conftest import copy_warehouse, isolated_env

from warehouse.engine.build import LOADER_GUARANTEED, dbt_args


def test_every_dbt_unit_test_passes(demo_run, tmp_path):
    # dbt unit tests read their models' parents' columns from the warehouse, so they run over a built one.
    shutil.copy(demo_run.db, tmp_path / "warehouse.duckdb")
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args("test", date(2026, 6, 30), "--select", "test_type:unit")],
        env=isolated_env(tmp_path), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 100, len(unit_tests)
    assert {r["status"] for r in unit_tests} == {"pass"}


def loader_guaranteed_tests(run, tmp_path) -> list[dict]:
    """The data tests `warehouse build` leaves out (tag loader_guaranteed: the staging models' and the shipped
    seeds', which re-check what the loader and the shipped rulebook guarantee), run over a copy of a built
    warehouse and its load."""
    db = copy_warehouse(run.db, tmp_path)
    loaded = (db.with_name(db.stem + "_loaded") / "current").resolve()
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args("test", None, "--select", LOADER_GUARANTEED)],
        env=isolated_env(tmp_path) | {"WAREHOUSE_LOADED": str(loaded)}, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    return [r for r in results if r["unique_id"].startswith("test.")]


def test_the_data_tests_left_to_the_loader_pass_on_the_demo_and_the_generated_data(demo_run, generated_run, tmp_path):
    for name, run in (("demo", demo_run), ("generated", generated_run)):
        results = loader_guaranteed_tests(run, tmp_path / name)
        assert len(results) >= 40, len(results)  # staging inputs, history, pre-clearance, user rulebook, seeds
        assert {r["status"] for r in results} == {"pass"}, [r["unique_id"] for r in results if r["status"] != "pass"]


def test_a_build_leaves_out_exactly_the_loader_guaranteed_tests(demo_run, tmp_path):
    # The build's own record: no staging or seed test ran, every other data test did. A build writes no manifest
    # (warehouse.engine.dbt_child), so dbt parses the project for one.
    parsed = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args("parse", None)],
        env=isolated_env(tmp_path), capture_output=True, text=True,
    )
    assert parsed.returncode == 0, parsed.stdout[-4000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    ran = {r["unique_id"] for r in json.loads(
        (demo_run.db.parent / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]}
    tests = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    left_out = {uid for uid, node in tests.items() if "loader_guaranteed" in node["tags"]}
    assert left_out and not left_out & ran
    assert {uid for uid in tests if uid not in left_out} <= ran
    assert all(tests[uid]["fqn"][1] in ("staging", "rulebook", "divisions") for uid in left_out)

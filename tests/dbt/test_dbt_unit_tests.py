"""dbt's unit tests: the rules' pass, fail and boundary cases, written as given rows and expected rows beside each
model (models/*/_*.yml). `warehouse build` leaves them out (they test the SQL, not the data, and cost about 20 s
a build), so this test runs every one of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date

from conftest import isolated_env

from warehouse.engine.build import dbt_args


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

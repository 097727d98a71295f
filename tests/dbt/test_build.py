"""How `warehouse build` drives dbt: dbt's partial-parse state is kept between builds only while the project's
files are unchanged, so a project updated in place (git pull) builds on the target folder of the version before;
dbt runs in a child process (warehouse.engine.dbt_child) that writes the run results and reports dbt's errors."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from datetime import date

import pytest
from conftest import PROJECT_DIR

from warehouse.engine import build

@pytest.fixture
def dbt_in_tmp(tmp_path, monkeypatch):
    """dbt runs of this process (run_dbt) write their warehouse file and logs under tmp_path."""
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))


YEAR_BIT_USE = "          - unique_per_year: {arguments: {year: appraisal_year}}\n"


def test_the_parse_state_is_kept_while_the_project_is_unchanged(tmp_path):
    target = tmp_path / "target"
    build.forget_stale_parse(target, PROJECT_DIR)
    state = target / "partial_parse.msgpack"
    state.write_bytes(b"dbt's state")
    build.forget_stale_parse(target, PROJECT_DIR)
    assert state.exists()


def test_a_changed_macro_drops_the_parse_state(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "macros", project / "macros")
    target = tmp_path / "target"
    build.forget_stale_parse(target, project)
    state = target / "partial_parse.msgpack"
    state.write_bytes(b"dbt's state")
    with (project / "macros" / "time.sql").open("a", encoding="utf-8") as macros:
        macros.write("\n{# a comment is a change too #}\n")
    build.forget_stale_parse(target, project)
    assert not state.exists()


def test_an_updated_project_compiles_on_the_previous_versions_target_folder(tmp_path, dbt_in_tmp):
    # The update that once failed: a generic test already in tests/dbt/generic/ calls a macro that the update adds,
    # and the update starts using the test. With dbt's partial-parse state of the version before, dbt said
    # "'year_bit' is undefined".
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns(
        ".venv", "target", "logs", "*.duckdb*", "*_loaded", "*_spark", "out", "__pycache__", ".git"))
    engine = project / "macros" / "engine.sql"
    staging = project / "models" / "staging" / "inputs" / "_staging_inputs.yml"
    updated_engine, updated_staging = engine.read_text(encoding="utf-8"), staging.read_text(encoding="utf-8")
    assert "macro year_bit" in updated_engine and YEAR_BIT_USE in updated_staging
    start = updated_engine.index("{#- One bit of a 64-bit mask")
    end = updated_engine.index("{%- endmacro %}", updated_engine.index("macro spark__year_bit")) + len("{%- endmacro %}")
    engine.write_text(updated_engine[:start] + updated_engine[end:], encoding="utf-8")
    staging.write_text(updated_staging.replace(YEAR_BIT_USE, ""), encoding="utf-8")
    target = tmp_path / "target"
    as_of = date(2026, 6, 30)

    build.run_dbt(build.dbt_args("compile", as_of, project_dir=project), target)
    assert (target / "partial_parse.msgpack").exists()
    engine.write_text(updated_engine, encoding="utf-8")
    staging.write_text(updated_staging, encoding="utf-8")
    results = build.run_dbt(build.dbt_args("compile", as_of, project_dir=project), target)

    assert any("unique_per_year" in result["unique_id"] for result in results["results"])


def test_the_dbt_child_writes_the_run_results_and_no_manifest(tmp_path, dbt_in_tmp):
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}", encoding="utf-8")  # an earlier dbt's, not this run's
    results = build.run_dbt(build.dbt_args("compile", date(2026, 6, 30), "--select", "stg_people"), target)
    assert "model.township_warehouse.stg_people" in {result["unique_id"] for result in results["results"]}
    assert json.loads((target / "run_results.json").read_text(encoding="utf-8")) == results
    assert not (target / "manifest.json").exists()


def test_a_dbt_usage_error_reaches_the_message(tmp_path, dbt_in_tmp):
    with pytest.raises(build.BuildError, match="No such option '--no-such-flag'"):
        build.run_dbt(build.dbt_args("compile", None, "--no-such-flag"), tmp_path / "target")


def test_the_dbt_child_does_without_the_iri_grammars(tmp_path):
    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987-syntax is not installed: there is nothing for the child to leave out")
    probe = (
        "import sys; from warehouse.engine import dbt_child; "
        f"dbt_child.main({str(tmp_path / 'run_results.json')!r}, ['--version']); "
        "print('jsonschema' in sys.modules, sys.modules.get('rfc3987_syntax'))"
    )
    child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert child.stdout.splitlines()[-1] == "True None"


def test_a_build_on_a_new_as_of_date_keeps_dbts_parse_state(tmp_path, dbt_in_tmp):
    # The as-of date reaches dbt as an environment variable read when a node runs: as a var, every new date made
    # dbt parse the whole project again ("config vars … have changed", about 5 s a build).
    target = tmp_path / "target"
    compiled = target / "compiled" / "township_warehouse" / "models" / "intermediate" / "townships" / "int_units_active.sql"
    for series in ([date(2025, 12, 31)], [date(2026, 6, 30)], [date(2024, 12, 31), date(2025, 12, 31)]):
        build.run_dbt(
            build.dbt_args("compile", None, "--select", "int_units_active"), target,
            **build.as_of_env(max(series), series if len(series) > 1 else ()),
        )
        sql = compiled.read_text(encoding="utf-8")
        assert all(f"cast('{day.isoformat()}' as date)" in sql for day in series), sql
        assert "2026-06-30" not in sql or series == [date(2026, 6, 30)]
    runs = build.dbt_log_path().read_text(encoding="utf-8").split("\n--- ")
    assert len(runs) == 3
    assert all("partial parsing" not in run for run in runs[1:]), runs[1][:2000]


def test_a_dbt_child_started_early_runs_the_next_dbt_run_with_its_environment(tmp_path, dbt_in_tmp):
    target = tmp_path / "target"
    with build.dbt_ready():
        started = build._READY[0]
        results = build.run_dbt(
            build.dbt_args("compile", None, "--select", "int_units_active"), target,
            **build.as_of_env(date(2025, 12, 31)),
        )
        assert not build._READY and started.returncode == 0
    assert {result["status"] for result in results["results"]} == {"success"}
    compiled = next(target.rglob("int_units_active.sql")).read_text(encoding="utf-8")
    assert "cast('2025-12-31' as date)" in compiled


def test_a_dbt_child_started_early_and_not_used_is_stopped():
    with pytest.raises(ValueError), build.dbt_ready():
        started = build._READY[0]
        raise ValueError("a load that stopped on a bad file")
    assert not build._READY and started.returncode is not None

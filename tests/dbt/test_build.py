"""How `warehouse build` drives dbt: dbt's partial-parse state is kept between builds only while the project's
files are unchanged, so a project updated in place (git pull) builds on the target folder of the version before."""

from __future__ import annotations

import shutil
from datetime import date

from conftest import PROJECT_DIR

from warehouse.engine import build

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


def test_an_updated_project_compiles_on_the_previous_versions_target_folder(tmp_path, monkeypatch):
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
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    target = tmp_path / "target"
    as_of = date(2026, 6, 30)

    build.run_dbt(build.dbt_args("compile", as_of, project_dir=project), target)
    assert (target / "partial_parse.msgpack").exists()
    engine.write_text(updated_engine, encoding="utf-8")
    staging.write_text(updated_staging, encoding="utf-8")
    results = build.run_dbt(build.dbt_args("compile", as_of, project_dir=project), target)

    assert any("unique_per_year" in result["unique_id"] for result in results["results"])

"""The project's generic data tests (tests/dbt/generic/), rendered by dbt and run over small tables: unique_per_year
fails on exactly the (key, year) pairs that occur more than once, as unique_combination over both columns does,
and is not fooled by years 64 apart, which share a bit of its mask."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import duckdb
import pytest
from conftest import isolated_env

from warehouse.engine.build import dbt_args

SEPARATOR = "\n-- next test --\n"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, str]:
    """The SQL of unique_per_year and unique_combination over a table `checked` (person_id, year), as dbt
    renders it for the DuckDB target."""
    root = tmp_path_factory.mktemp("generic_tests")
    inline = (
        "{{ test_unique_per_year(model='checked', column_name='person_id', year='year') }}"
        + SEPARATOR
        + "{{ test_unique_combination(model='checked', columns=['person_id', 'year']) }}"
    )
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args("compile", None, "--inline", inline, "--output", "json", "--quiet")],
        env=isolated_env(root), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    compiled = json.loads(result.stdout[result.stdout.index("{"):])["compiled"]
    per_year, combination = compiled.split(SEPARATOR.strip())
    return {"unique_per_year": per_year, "unique_combination": combination}


def failing(sql: str, rows: list[tuple[str | None, int | None]]) -> set[tuple]:
    with duckdb.connect() as con:
        con.execute("create table checked (person_id varchar, year integer)")
        if rows:
            con.executemany("insert into checked values (?, ?)", rows)
        return {(person, year, count) for person, year, count in con.sql(sql).fetchall()}


def test_unique_years_pass(rendered):
    rows = [("P1", 2019), ("P1", 2020), ("P2", 2020), ("P3", 2021)]
    assert failing(rendered["unique_per_year"], rows) == set()


def test_a_repeated_year_fails_with_its_count(rendered):
    rows = [("P1", 2019), ("P1", 2020), ("P1", 2020), ("P1", 2020), ("P2", 2020)]
    assert failing(rendered["unique_per_year"], rows) == {("P1", 2020, 3)}


def test_years_64_apart_share_a_bit_and_still_pass(rendered):
    rows = [("P1", 1960), ("P1", 2024), ("P1", 2088)]
    assert failing(rendered["unique_per_year"], rows) == set()


def test_a_repeat_beside_years_64_apart_is_the_only_failure(rendered):
    rows = [("P1", 1960), ("P1", 2024), ("P1", 2024), ("P2", 1961), ("P2", 2025)]
    assert failing(rendered["unique_per_year"], rows) == {("P1", 2024, 2)}


def test_repeats_with_a_null_key_or_a_null_year_fail(rendered):
    rows = [(None, 2020), (None, 2020), ("P1", None), ("P1", None), ("P2", None), ("P2", 2020)]
    assert failing(rendered["unique_per_year"], rows) == {(None, 2020, 2), ("P1", None, 2)}


def test_an_empty_table_passes(rendered):
    assert failing(rendered["unique_per_year"], []) == set()


def test_it_fails_on_the_same_rows_as_unique_combination(rendered):
    draw = random.Random(11)
    rows = [
        (draw.choice([None, *(f"P{i}" for i in range(40))]), draw.choice([None, *range(1950, 2100)]))
        for _ in range(3_000)
    ]
    expected = failing(rendered["unique_combination"], rows)
    assert len(expected) > 50  # the draw does repeat pairs, null and 64-apart ones among them
    assert failing(rendered["unique_per_year"], rows) == expected

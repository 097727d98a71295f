"""The rulebook is data: exactly the contract's rules, every value cited and quoted from its source."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_DIR / "seeds" / "rulebook"
SOURCES = PROJECT_DIR / "docs" / "sources"
CONTRACT = PROJECT_DIR.parent / "shared" / "contract.md"

CONTRACT_RULE_IDS = {
    "ORG_OFFICE_COUNT", "ORG_STATION_MAX", "ORG_DEVELOPED_TOWN_BODIES", "ORG_STANDARD_STRUCTURE",
    "STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE", "STAFF_SECONDMENT", "LEAD_CHIEF_EXPERIENCE",
    "LEAD_TEAM_EXPERIENCE", "LEAD_CHIEF_TERM", "APPR_EXCELLENT_RATIO", "STAFF_SOCIAL_WORKERS",
    "STAFF_OVER_LEADER_QUOTA",
}
"""Contract v1 section 3, copied by hand; the test below also reads contract.md when it is beside the repo."""


def read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_rulebook_rule_ids_are_exactly_the_contracts():
    assert {row["rule_id"] for row in read_seed("rulebook_rules.csv")} == CONTRACT_RULE_IDS


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/contract.md is not beside this checkout")
def test_contract_md_lists_the_same_rule_ids():
    table_ids = set(re.findall(r"^\| ([A-Z_]+) \| (?:error|warn|info) \|", CONTRACT.read_text(encoding="utf-8"), re.M))
    assert table_ids == CONTRACT_RULE_IDS


def test_rulebook_severities_are_the_contracts():
    severities = {row["rule_id"]: row["severity"] for row in read_seed("rulebook_rules.csv")}
    assert severities["ORG_STANDARD_STRUCTURE"] == "info"
    assert {r for r, s in severities.items() if s == "warn"} == {
        "STAFF_SECONDMENT", "LEAD_CHIEF_TERM", "STAFF_SOCIAL_WORKERS",
    }


@pytest.mark.parametrize("row", read_seed("rulebook_parameters.csv"), ids=lambda row: row["param_id"])
def test_every_parameter_row_has_a_citation_quoted_from_its_source(row):
    for column in ("document", "document_short", "clause", "quote_zh", "valid_from", "jurisdiction_prefix"):
        assert row[column].strip(), f"{row['param_id']}: {column} is empty"
    sources = [squeeze(path.read_text(encoding="utf-8")) for path in SOURCES.glob("0*.txt")]
    assert any(squeeze(row["quote_zh"]) in source for source in sources), f"{row['param_id']}: quote not in sources"


def test_shipped_in_force_dates_follow_the_contract():
    starts = {(row["rule_id"], row["jurisdiction_prefix"]): row["valid_from"] for row in read_seed("rulebook_parameters.csv")}
    assert starts[("ORG_OFFICE_COUNT", "3607")] == "2018-01-01"
    assert starts[("STAFF_SOCIAL_WORKERS", "3607")] == "2020-12-31"
    assert starts[("ORG_DEVELOPED_TOWN_BODIES", "32")] == "2017-08-25"
    assert not any(rule == "ORG_STANDARD_STRUCTURE" for rule, _ in starts), "none by default (contract section 3)"


def test_numeric_parameters_are_the_contracts():
    values = {(row["rule_id"], row["parameter"]): row["value"] for row in read_seed("rulebook_parameters.csv")}
    assert values[("ORG_OFFICE_COUNT", "min_offices")] == "3"
    assert values[("ORG_OFFICE_COUNT", "max_offices")] == "5"
    assert values[("ORG_STATION_MAX", "max_stations")] == "7"
    assert values[("ORG_DEVELOPED_TOWN_BODIES", "max_bodies")] == "10"
    assert values[("ORG_DEVELOPED_TOWN_BODIES", "only_developed_towns")] == "true"
    assert values[("STAFF_TRANSFER_LOCK", "lock_years")] == "2"
    assert values[("STAFF_MIN_SERVICE", "min_service_years")] == "5"
    assert values[("LEAD_CHIEF_EXPERIENCE", "min_leadership_years")] == "2"
    assert values[("LEAD_CHIEF_EXPERIENCE", "min_township_years")] == "3"
    assert values[("LEAD_TEAM_EXPERIENCE", "min_share_numerator")] == "2"
    assert values[("LEAD_TEAM_EXPERIENCE", "min_share_denominator")] == "3"
    assert values[("LEAD_CHIEF_TERM", "term_years")] == "5"
    assert values[("APPR_EXCELLENT_RATIO", "max_excellent_pct")] == "20"
    assert values[("STAFF_SOCIAL_WORKERS", "min_social_workers")] == "3"


# --- parameter definitions and source documents --------------------------------------------------------------

MODELS, MACROS = PROJECT_DIR / "models", PROJECT_DIR / "macros"
JOINED = re.compile(r"join_parameter\('\w+', '\w+', '(\w+)'\)")


def definitions() -> dict[tuple[str, str], dict[str, str]]:
    return {(row["rule_id"], row["parameter"]): row for row in read_seed("rulebook_parameter_definitions.csv")}


def parameters_read_by_rule() -> dict[str, set[str]]:
    """rule_id → the parameters the SQL that judges it joins: every model calling in_force_version for the rule
    (its rule model, or the intermediate that counts for it)."""
    read: dict[str, set[str]] = {}
    for path in MODELS.rglob("*.sql"):
        text = path.read_text(encoding="utf-8")
        for rule_id in re.findall(r"in_force_version\('([A-Z_]+)'", text):
            read.setdefault(rule_id, set()).update(JOINED.findall(text))
    return read


def parameters_read_for_every_rule() -> set[str]:
    """What the rulebook macros and the coverage read of whichever rule's version: `enabled` switches any rule off,
    `only_developed_towns` narrows any rule's coverage."""
    generic = (MACROS / "rulebook.sql").read_text(encoding="utf-8")
    coverage = (MODELS / "intermediate" / "rulebook" / "int_township_rule_coverage.sql").read_text(encoding="utf-8")
    return set(re.findall(r"parameter = '(\w+)'", generic)) | set(JOINED.findall(coverage))


def test_every_shipped_parameter_row_has_a_definition():
    defined = definitions()
    undefined = [row["param_id"] for row in read_seed("rulebook_parameters.csv")
                 if (row["rule_id"], row["parameter"]) not in defined]
    assert not undefined


def test_every_definition_is_read_by_its_rules_sql_and_every_parameter_read_is_defined():
    read, generic = parameters_read_by_rule(), parameters_read_for_every_rule()
    assert generic == {"enabled", "only_developed_towns"}
    unused = [key for key in definitions() if key[1] not in read.get(key[0], set()) | generic]
    assert not unused, f"defined but read by no SQL: {unused}"
    undefined = [(rule, name) for rule, names in read.items() for name in names if (rule, name) not in definitions()]
    assert not undefined, f"read by SQL but not defined: {undefined}"
    assert set(read) == CONTRACT_RULE_IDS, "every rule's SQL is found"


def test_every_definition_has_a_type_a_meaning_and_numbers_have_units():
    for (rule_id, parameter), row in definitions().items():
        assert row["value_type"] in ("integer", "boolean", "percent"), (rule_id, parameter)
        assert row["meaning_zh"].strip() and row["meaning_en"].strip(), (rule_id, parameter)
        if row["value_type"] == "percent":
            assert row["unit"] == "%", (rule_id, parameter)
        if parameter.endswith("_years"):
            assert row["unit"] == "年", (rule_id, parameter)
    assert {rule_id for rule_id, _ in definitions()} == CONTRACT_RULE_IDS


def test_only_enabled_has_a_default_so_a_version_sets_every_other_parameter():
    defaults = {key: row["default_value"] for key, row in definitions().items() if row["default_value"]}
    assert set(defaults) == {(rule_id, "enabled") for rule_id in CONTRACT_RULE_IDS}
    assert set(defaults.values()) == {"true"}, "macros/rulebook.sql reads a missing `enabled` as true"


def test_the_shipped_rulebook_passes_the_checks_a_user_rulebook_must_pass():
    """Every shipped version sets every parameter of its rule, values have their types, lock_years agree: the
    shipped rulebook read as a user rulebook is accepted, row for row."""
    from warehouse.inputs.user_rulebook import read_user_rulebook

    rows = read_user_rulebook(SEEDS / "rulebook_parameters.csv").rows
    assert [row["param_id"] for row in rows] == [row["param_id"] for row in read_seed("rulebook_parameters.csv")]
    assert [row["value"] for row in rows] == [row["value"] for row in read_seed("rulebook_parameters.csv")]


def test_every_shipped_parameter_cites_a_listed_document():
    titles = {row["title"] for row in read_seed("rulebook_documents.csv")}
    unlisted = {row["document"] for row in read_seed("rulebook_parameters.csv")} - titles
    assert not unlisted


def test_every_source_document_is_listed_with_its_checksum():
    import hashlib

    documents = read_seed("rulebook_documents.csv")
    assert {row["file"] for row in documents} == {path.name for path in SOURCES.glob("0*.txt")}
    for row in documents:
        assert row["file"].startswith(row["document_id"] + "_"), row["file"]
        digest = hashlib.sha256((SOURCES / row["file"]).read_bytes()).hexdigest()
        assert row["sha256"] == digest, f"{row['file']} changed: its checksum is {digest}"


def test_rule_titles_and_descriptions_hold_no_number_of_the_rule():
    """They are per rule, not per version: a number in them would be wrong for any other version."""
    chinese_numbers = re.compile(r"[0-9０-９二三四五六七八九十两]")
    english_numbers = re.compile(r"[0-9]|\b(two|three|four|five|six|seven|eight|nine|ten|twenty)\b", re.I)
    for row in read_seed("rulebook_rules.csv"):
        for column in ("title_zh", "description_zh"):
            assert not chinese_numbers.search(row[column]), (row["rule_id"], column, row[column])
        for column in ("title_en", "description_en"):
            assert not english_numbers.search(row[column]), (row["rule_id"], column, row[column])


# --- no number of a rule in its SQL --------------------------------------------------------------------------

ALLOWED_NUMBERS = {"0", "1", "100", "365"}
"""Numbers of the contract, not of a rule: counts start at 0 and 1, a percentage is out of 100, and N years of
accumulated experience are N × 365 days (contract section 2)."""


def rule_sql() -> dict[str, str]:
    return {path.relative_to(PROJECT_DIR).as_posix(): path.read_text(encoding="utf-8")
            for path in (MODELS / "rules").rglob("*.sql")}


def test_no_rule_sentence_spells_a_number():
    """Sentences (SQL string literals) take every number from the parameter row used."""
    for name, text in rule_sql().items():
        literals = re.findall(r"'((?:[^']|'')*)'", text)
        with_digits = [literal for literal in literals if re.search(r"[0-9０-９]|[二三四五六七八九十两]年", literal)]
        assert not with_digits, f"{name}: {with_digits}"


def test_no_rule_sql_holds_a_number_of_the_rule():
    for name, text in rule_sql().items():
        code = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"\{#.*?#\}", "", text, flags=re.S))
        numbers = set(re.findall(r"(?<![\w.])\d+(?![\w.])", code))
        assert numbers <= ALLOWED_NUMBERS, f"{name}: {sorted(numbers - ALLOWED_NUMBERS)}"
    assert len(rule_sql()) == len(CONTRACT_RULE_IDS)


# --- the data test that keeps lock_years one value -------------------------------------------------------------


@pytest.fixture(scope="module")
def lock_years_test_sql(tmp_path_factory) -> str:
    """tests/dbt/rulebook_lock_years_agree.sql as dbt renders it for DuckDB."""
    import json
    import subprocess
    import sys

    from conftest import isolated_env

    from warehouse.engine.build import dbt_args

    root = tmp_path_factory.mktemp("lock_years_test")
    inline = (PROJECT_DIR / "tests" / "dbt" / "rulebook_lock_years_agree.sql").read_text(encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main",
         *dbt_args("compile", None, "--inline", inline, "--output", "json", "--quiet")],
        env=isolated_env(root), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return json.loads(result.stdout[result.stdout.index("{"):])["compiled"]


def failing_lock_years(sql: str, rows: list[tuple]) -> set[str]:
    import duckdb

    with duckdb.connect() as con:
        con.execute("attach ':memory:' as warehouse")
        con.execute("create schema warehouse.intermediate")
        con.execute(
            "create table warehouse.intermediate.int_rulebook_parameters_merged (param_id varchar, rule_id varchar, "
            "jurisdiction_prefix varchar, parameter varchar, value varchar, valid_from date, valid_until date)"
        )
        con.executemany(
            "insert into warehouse.intermediate.int_rulebook_parameters_merged values (?, ?, ?, 'lock_years', ?, ?, ?)",
            rows,
        )
        return {row[0] for row in con.sql(sql).fetchall()}


def test_the_lock_years_data_test_passes_when_both_rules_agree_and_fails_where_they_do_not(lock_years_test_sql):
    agreeing = [
        ("TL@3607", "STAFF_TRANSFER_LOCK", "3607", "2", "2018-01-01", "2024-01-01"),
        ("MS@3607", "STAFF_MIN_SERVICE", "3607", "2", "2018-01-01", "2024-01-01"),
        ("TL@360799", "STAFF_TRANSFER_LOCK", "360799", "3", "2024-01-01", None),
        ("MS@360799", "STAFF_MIN_SERVICE", "360799", "3", "2024-01-01", None),
    ]
    assert failing_lock_years(lock_years_test_sql, agreeing) == set()
    other_value = [*agreeing[:3], ("MS@360799", "STAFF_MIN_SERVICE", "360799", "2", "2024-01-01", None)]
    assert failing_lock_years(lock_years_test_sql, other_value) == {"TL@360799", "MS@360799"}
    other_period = [*agreeing[:3], ("MS@360799", "STAFF_MIN_SERVICE", "360799", "3", "2025-01-01", None)]
    assert failing_lock_years(lock_years_test_sql, other_period) == {"TL@360799", "MS@360799"}
    alone = agreeing[:3]
    assert failing_lock_years(lock_years_test_sql, alone) == {"TL@360799"}

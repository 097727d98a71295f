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

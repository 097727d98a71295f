"""The shipped rulebook as the validator reads it, and the rulebook's identity: a hash recorded with every build,
export and snapshot.

The identity covers what the rules judge with: the shipped seeds and, when a build is given one, a user rulebook's
validated rows in one canonical form (sorted, typed values written one way), so the same rows give the same
version whether they came as CSV or XLSX, with Chinese or English headers, and any changed value gives another.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from warehouse.core.paths import RULEBOOK_DIR

RULEBOOK_FILES = (
    "rulebook_rules.csv",
    "rulebook_parameters.csv",
    "rulebook_parameter_definitions.csv",
    "rulebook_documents.csv",
)
"""The shipped rulebook's seeds, in the order they are hashed."""

PARAMETER_COLUMNS = (
    "param_id", "rule_id", "jurisdiction_prefix", "jurisdiction_name", "valid_from", "valid_until", "parameter",
    "value", "document", "document_short", "clause", "quote_zh",
)
"""The columns of seeds/rulebook/rulebook_parameters.csv, which a user rulebook has too."""

VALUE_TYPES = ("integer", "boolean", "percent")


@dataclass(frozen=True)
class Definition:
    """One parameter of one rule (seeds/rulebook/rulebook_parameter_definitions.csv)."""

    rule_id: str
    parameter: str
    value_type: str
    unit: str
    default_value: str | None
    """What a version that leaves the parameter out takes; None: a version must set it."""
    meaning_zh: str
    meaning_en: str

    @property
    def required(self) -> bool:
        return self.default_value is None


def read_seed(name: str, folder: Path = RULEBOOK_DIR) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def rule_ids(folder: Path = RULEBOOK_DIR) -> tuple[str, ...]:
    return tuple(row["rule_id"] for row in read_seed("rulebook_rules.csv", folder))


@cache
def definitions(folder: Path = RULEBOOK_DIR) -> dict[str, dict[str, Definition]]:
    """rule_id → parameter → its definition, in the seed's order."""
    by_rule: dict[str, dict[str, Definition]] = {}
    for row in read_seed("rulebook_parameter_definitions.csv", folder):
        definition = Definition(
            rule_id=row["rule_id"],
            parameter=row["parameter"],
            value_type=row["value_type"],
            unit=row["unit"],
            default_value=row["default_value"] or None,
            meaning_zh=row["meaning_zh"],
            meaning_en=row["meaning_en"],
        )
        by_rule.setdefault(definition.rule_id, {})[definition.parameter] = definition
    return by_rule


def param_id(rule_id: str, prefix: str, valid_from: date, parameter: str) -> str:
    """`RULE@PREFIX@VALID_FROM#parameter`, as the seed spells every id (tests/dbt/rulebook_parameter_ids_match_…)."""
    return f"{rule_id}@{prefix}@{valid_from.isoformat()}#{parameter}"


def canonical_rows(rows: Sequence[Mapping[str, object]]) -> str:
    """Parameter rows as one text: sorted by rule, prefix, valid_from and parameter, one JSON array per row in the
    seed's column order, dates ISO, an empty valid_until null."""
    def cell(value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value

    lines = sorted(
        json.dumps([cell(row[column]) for column in PARAMETER_COLUMNS], ensure_ascii=False) for row in rows
    )
    return "\n".join(lines)


def rulebook_version(user_rows: Sequence[Mapping[str, object]] = (), folder: Path = RULEBOOK_DIR) -> str:
    """sha256 over the shipped seeds' text (line endings normalised) and, when there are any, a user rulebook's rows
    in canonical form; first 16 hex digits. Without user rows it is the shipped rulebook's version."""
    digest = hashlib.sha256()
    for name in RULEBOOK_FILES:
        text = (folder / name).read_text(encoding="utf-8").replace("\r\n", "\n")
        digest.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    if user_rows:
        digest.update(b"user\0" + canonical_rows(user_rows).encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]

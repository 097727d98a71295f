"""The rulebook's identity: a hash of the rule tables, recorded with every run and snapshot."""

from __future__ import annotations

import hashlib

from warehouse.core.paths import RULEBOOK_DIR

RULEBOOK_FILES = ("rulebook_rules.csv", "rulebook_parameters.csv")


def rulebook_version() -> str:
    """sha256 over the rule tables' text (line endings normalised), first 16 hex digits."""
    digest = hashlib.sha256()
    for name in RULEBOOK_FILES:
        text = (RULEBOOK_DIR / name).read_text(encoding="utf-8").replace("\r\n", "\n")
        digest.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]

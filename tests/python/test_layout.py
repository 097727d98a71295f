"""Issue 14: a layout that shows the architecture. The package's layers import downwards only, and every rule has
all the pieces docs/adding-a-rule.md lists, in the places it names."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT_DIR

PACKAGE = PROJECT_DIR / "warehouse"
LAYERS = {"core": 0, "inputs": 1, "engine": 2, "checks": 3, "history": 3, "synthetic": 3, "outputs": 4, "cli": 5,
          "__init__": 0}
"""A module may import from its own subpackage and from lower layers; subpackages of one layer do not import
each other."""


def layer_of(module: str) -> str:
    """The subpackage of `warehouse.<subpackage>.<module>`; the top-level cli.py and __main__.py are the command."""
    name = module.split(".")[1] if "." in module else "__init__"
    return "cli" if name == "__main__" else name


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("warehouse"):
            if node.module == "warehouse":
                found += [f"warehouse.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("warehouse.")]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_runs_upward(path):
    source = ".".join(("warehouse", *path.relative_to(PACKAGE).with_suffix("").parts))
    mine = layer_of(source)
    for target in imports(path):
        theirs = layer_of(target)
        assert theirs in LAYERS, f"{source} imports {target}: a module outside the layers"
        assert theirs == mine or LAYERS[theirs] < LAYERS[mine], f"{source} ({mine}) imports {target} ({theirs})"


def test_every_module_lives_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in {*LAYERS, "__main__"}]
    assert loose == [], "modules belong in a subpackage by responsibility (docs/adding-a-rule.md, README Layout)"


RULE_IDS = [row["rule_id"] for row in csv.DictReader(open(PROJECT_DIR / "seeds/rulebook/rulebook_rules.csv", encoding="utf-8"))]


def rule_yml(rule_id: str) -> dict:
    return yaml.safe_load((PROJECT_DIR / "models/rules" / rule_id / f"rule_{rule_id.lower()}.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_its_model_its_yml_its_unit_tests_and_its_docs(rule_id):
    folder = PROJECT_DIR / "models" / "rules" / rule_id
    model = f"rule_{rule_id.lower()}"
    assert (folder / f"{model}.sql").exists(), f"{rule_id}: models/rules/{rule_id}/{model}.sql"
    spec = rule_yml(rule_id)
    assert [m["name"] for m in spec.get("models", [])] == [model], f"{rule_id}: its yml documents its model"
    documented = spec["models"][0]
    assert documented.get("description") and documented.get("columns"), f"{rule_id}: description and columns"
    tests = [t for t in spec.get("unit_tests", []) if t["model"] == model]
    assert len(tests) >= 2, f"{rule_id}: unit tests for the pass and the fail beside the model"
    expectations = [t["expect"]["rows"] for t in tests]
    assert any(rows == [] for rows in expectations) and any(rows for rows in expectations), \
        f"{rule_id}: at least one unit test that passes (no rows) and one that finds a violation"
    assert rule_id in (PROJECT_DIR / "macros" / "rule_ids.sql").read_text(encoding="utf-8"), f"{rule_id}: macros/rule_ids.sql"
    assert re.search(rf"^\| {rule_id} \|", (PROJECT_DIR / "docs" / "rules.md").read_text(encoding="utf-8"), re.M), \
        f"{rule_id}: a row in docs/rules.md's rules table"
    parameters = {row["rule_id"] for row in csv.DictReader(open(PROJECT_DIR / "seeds/rulebook/rulebook_parameters.csv", encoding="utf-8"))}
    assert rule_id in parameters or rule_id == "ORG_STANDARD_STRUCTURE", f"{rule_id}: rows in rulebook_parameters.csv"


def test_every_rule_folder_is_a_rule_of_the_rulebook():
    folders = sorted(p.name for p in (PROJECT_DIR / "models" / "rules").iterdir() if p.is_dir())
    assert folders == sorted(RULE_IDS)


def test_adding_a_rule_names_every_file_the_test_above_checks():
    guide = (PROJECT_DIR / "docs" / "adding-a-rule.md").read_text(encoding="utf-8")
    for piece in ("seeds/rulebook/rulebook_rules.csv", "seeds/rulebook/rulebook_parameters.csv", "macros/rule_ids.sql",
                  "models/rules/<RULE_ID>/rule_<rule_id>.sql", "models/rules/<RULE_ID>/rule_<rule_id>.yml",
                  "docs/rules.md", "tests/python/test_layout.py"):
        assert piece in guide, piece

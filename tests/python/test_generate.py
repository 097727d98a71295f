"""The synthetic generator (warehouse/generate.py): its output is valid input, and its planted findings are
exactly what the checker finds on it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from conftest import DEMO_AS_OF, warehouse_cli

from warehouse.inputs.load import load_inputs
from warehouse.inputs.privacy import id_number_error
from warehouse.synthetic.generate import AS_OF, generate, synthesise

KEY = ["rule_id", "township_code", "person_id", "period"]
RULES_IN_FORCE = {
    "ORG_OFFICE_COUNT", "ORG_STATION_MAX", "ORG_DEVELOPED_TOWN_BODIES", "STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE",
    "STAFF_SECONDMENT", "LEAD_CHIEF_EXPERIENCE", "LEAD_TEAM_EXPERIENCE", "LEAD_CHIEF_TERM", "APPR_EXCELLENT_RATIO",
    "STAFF_SOCIAL_WORKERS", "STAFF_OVER_LEADER_QUOTA",
}
"""Every rule with a version in the shipped rulebook (ORG_STANDARD_STRUCTURE has none)."""


def _found(run) -> pl.DataFrame:
    return pl.read_csv(
        run.out / "violations.csv",
        schema_overrides={"township_code": pl.String, "person_id": pl.String, "period": pl.Int32},
    ).select(KEY)


def test_generated_inputs_load_with_no_rejects(generated_run):
    rejects = pl.read_csv(generated_run.out / "rejects.csv")
    assert rejects.height == 0, rejects.head()
    manifest = json.loads((generated_run.out / "run_manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] > 0, entry


def test_planted_findings_are_exactly_the_violations_found(generated, generated_run):
    planted = pl.read_parquet(generated.planted_path).select(KEY)
    found = _found(generated_run)
    assert planted.join(found, on=KEY, how="anti", nulls_equal=True).to_dicts() == [], "planted but not found"
    assert found.join(planted, on=KEY, how="anti", nulls_equal=True).to_dicts() == [], "found but not planted"
    assert planted.height == found.height == generated.planted


def test_every_rule_in_force_is_planted_even_at_small_size(generated):
    planted = pl.read_parquet(generated.planted_path)
    assert set(planted["rule_id"]) == RULES_IN_FORCE
    assert not planted.select(KEY).is_duplicated().any()


def test_plants_are_findings_only_where_the_rulebook_covers_them(generated):
    planted = pl.read_parquet(generated.planted_path)
    jiangsu = {"ORG_DEVELOPED_TOWN_BODIES", "STAFF_OVER_LEADER_QUOTA"}
    for rule_id, code in planted.select("rule_id", "township_code").iter_rows():
        assert code.startswith("32" if rule_id in jiangsu else "3607"), (rule_id, code)
    scenarios = json.loads(generated.manifest_path.read_text(encoding="utf-8"))["planted_scenarios"]
    assert sum(scenarios.values()) > generated.planted, "decoys (plants where no rule is in force) are planted too"


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    first, again, other = synthesise(30, 7), synthesise(30, 7), synthesise(30, 8)
    for name, frame in first.frames.items():
        assert frame.equals(again.frames[name]), name
    assert first.planted.equals(again.planted)
    assert not first.frames["postings"].equals(other.frames["postings"])


def test_country_has_counties_of_ten_to_thirty_townships_in_every_kind_of_jurisdiction():
    townships = synthesise(400, 3).frames["townships"]
    codes = townships["township_code"]
    assert codes.str.contains(r"^\d{12}$").all()
    assert (codes.str.slice(0, 6) == townships["county_code"]).all()
    assert codes.n_unique() == townships.height == 400
    sizes = townships.group_by("county_code").len()["len"]
    assert sizes.max() <= 30 and (sizes >= 10).sum() >= sizes.len() - 1  # the last county takes what is left
    prefixes = set(townships["county_code"].str.slice(0, 4)) | set(townships["county_code"].str.slice(0, 2))
    assert {"3607", "32"} <= prefixes
    assert (~codes.str.starts_with("3607") & ~codes.str.starts_with("32")).any(), "some townships not covered"


def test_generated_people_have_careers_and_appraisals():
    frames = synthesise(30, 7).frames
    people, postings, appraisals = frames["people"], frames["postings"], frames["appraisals"]
    per_township = people.height / 30
    assert 40 <= per_township <= 90
    assert postings.height / people.height > 1.8, "careers have several postings"
    assert set(postings["org_level"]) >= {"township", "county", "city"}
    assert appraisals.select("person_id", "year").n_unique() == appraisals.height
    assert appraisals["year"].max() == AS_OF.year - 1
    assert appraisals["year"].n_unique() == 10


def test_id_numbers_are_unique_valid_and_match_birth_date_and_sex_at_scale():
    people = synthesise(2000, 7).frames["people"]  # 9 numbers drawn twice at this size and seed
    ids = people["id_number"]
    assert ids.n_unique() == people.height
    assert id_number_error(ids).null_count() == people.height, "18 characters with a valid check character"
    assert (ids.str.slice(6, 8) == people["birth_date"].dt.strftime("%Y%m%d")).all()
    assert ((ids.str.slice(16, 1).cast(pl.Int32) % 2 == 1) == (people["gender"] == "male")).all()


def test_csv_output_loads_with_no_rejects(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))  # its id_number key file goes beside it
    result = generate(townships=12, seed=5, out_dir=tmp_path / "csv", fmt="csv")
    assert sorted(p.name for p in result.out_dir.glob("*.csv")) == sorted(
        ["townships.csv", "units.csv", "people.csv", "postings.csv", "appraisals.csv", "planted_violations.csv"]
    )
    reports = load_inputs(result.out_dir, log=lambda _: None)
    assert all(r.rows_rejected == 0 and r.rows_loaded == result.counts[r.entity] for r in reports)


def test_generate_command_writes_the_data_set_and_its_manifest(tmp_path: Path):
    out = tmp_path / "data"
    result = warehouse_cli("generate", "--townships", "15", "--seed", "2", "--out", str(out), root=tmp_path,
                           check=True)
    assert "planted" in result.stdout
    manifest = json.loads((out / "generate_manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == DEMO_AS_OF == AS_OF.isoformat()
    assert manifest["townships"] == 15 and manifest["seed"] == 2
    assert (out / "planted_violations.parquet").is_file()
    for name in ("townships", "units", "people", "postings", "appraisals"):
        assert (out / f"{name}.parquet").is_file(), name
        assert manifest["counts"][name] == pl.read_parquet(out / f"{name}.parquet").height


def test_generate_command_refuses_zero_townships(tmp_path: Path):
    result = warehouse_cli("generate", "--townships", "0", "--out", str(tmp_path / "x"), root=tmp_path)
    assert result.returncode == 2

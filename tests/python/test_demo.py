"""The shipped demo: deterministic, in the contract's formats, identical to the committed files, and consistent
with its hand-derived expected findings (demo/expected_violations*.csv, demo/README.md).

The background checks at the end are deliberately simple state/event screens, not the rules: they make sure the
random background never produces a finding that the expected files do not list.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from warehouse.inputs.contract import ENTITY_BY_NAME, GRADES, INPUT_ENTITIES, STAFF_CATEGORIES, TOWNSHIP_TYPES, UNIT_KINDS
from warehouse.inputs.privacy import check_char as id_check_digit
from warehouse.inputs.write import write_inputs
from warehouse.synthetic.demo import AS_OF, anniversary, build_demo, write_demo

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
RULES_FROM = date(2018, 1, 1)

CONTRACT_RULES = (
    "ORG_OFFICE_COUNT", "ORG_STATION_MAX", "ORG_DEVELOPED_TOWN_BODIES", "ORG_STANDARD_STRUCTURE",
    "STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE", "STAFF_SECONDMENT", "LEAD_CHIEF_EXPERIENCE",
    "LEAD_TEAM_EXPERIENCE", "LEAD_CHIEF_TERM", "APPR_EXCELLENT_RATIO", "STAFF_SOCIAL_WORKERS",
    "STAFF_OVER_LEADER_QUOTA",
)
"""contract.md section 3."""

RULES_IN_FORCE = {
    "3607": {"ORG_OFFICE_COUNT", "ORG_STATION_MAX", "STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE", "STAFF_SECONDMENT",
             "LEAD_CHIEF_EXPERIENCE", "LEAD_TEAM_EXPERIENCE", "LEAD_CHIEF_TERM", "APPR_EXCELLENT_RATIO",
             "STAFF_SOCIAL_WORKERS"},
    "32": {"ORG_DEVELOPED_TOWN_BODIES", "STAFF_OVER_LEADER_QUOTA"},
}
"""The shipped rulebook's jurisdictions (contract.md section 3)."""


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return build_demo()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out, style="chinese")
    return out


def _expected(name: str = "expected_violations.csv") -> pl.DataFrame:
    return pl.read_csv(DEMO_DIR / name, infer_schema=False).fill_null("")


def _active(start: str, end: str, on: date = AS_OF) -> pl.Expr:
    return (pl.col(start) <= on) & (pl.col(end).is_null() | (pl.col(end) > on))


# ---- determinism and shape ----------------------------------------------------------------------------------


def test_build_demo_is_deterministic(frames: dict[str, pl.DataFrame]) -> None:
    again = build_demo()
    for name, frame in frames.items():
        assert frame.equals(again[name]), name


def test_frames_have_the_contract_columns_and_types(frames: dict[str, pl.DataFrame]) -> None:
    dtypes = {"int": pl.Int64, "bool": pl.Boolean, "date": pl.Date}
    for entity in INPUT_ENTITIES:
        frame = frames[entity.name]
        assert frame.columns == [c.name for c in entity.columns]
        for column in entity.columns:
            assert frame.schema[column.name] == dtypes.get(column.kind, pl.String), (entity.name, column.name)
            if column.required:
                assert frame[column.name].null_count() == 0, (entity.name, column.name)
            if column.enum:
                assert set(frame[column.name].drop_nulls()) <= set(column.enum), (entity.name, column.name)


def test_demo_has_one_ganzhou_county_and_a_small_jiangsu_county(frames: dict[str, pl.DataFrame]) -> None:
    townships = frames["townships"]
    counties = dict(townships.group_by("county_code").len().iter_rows())
    assert counties["360799"] >= 12 and counties["320599"] == 3
    assert set(townships["township_type"]) == set(TOWNSHIP_TYPES)
    assert townships.filter(pl.col("is_small"))["township_code"].str.starts_with("3607").all()
    assert townships.filter(pl.col("is_developed_town"))["township_code"].str.starts_with("32").all()
    assert set(frames["units"]["unit_kind"]) == set(UNIT_KINDS)
    assert set(frames["people"]["staff_category"]) == set(STAFF_CATEGORIES)
    assert set(frames["appraisals"]["grade"]) == set(GRADES)
    assert 300 <= frames["people"].height <= 1000


# ---- structural sanity ----------------------------------------------------------------------------------------


def test_keys_are_unique(frames: dict[str, pl.DataFrame]) -> None:
    for entity in INPUT_ENTITIES:
        frame = frames[entity.name]
        assert not frame.select(entity.key).is_duplicated().any(), entity.name
    assert frames["people"]["id_number"].drop_nulls().is_unique().all()


def test_references_resolve(frames: dict[str, pl.DataFrame]) -> None:
    for entity in INPUT_ENTITIES:
        for ref in entity.references:
            values = frames[entity.name][ref.column].drop_nulls()
            targets = frames[ref.entity][ref.target_column]
            assert values.is_in(targets.implode()).all(), (entity.name, ref.column)


def test_codes_and_dates_are_well_formed(frames: dict[str, pl.DataFrame]) -> None:
    townships, units, postings = frames["townships"], frames["units"], frames["postings"]
    assert townships["township_code"].str.contains(r"^\d{12}$").all()
    assert (townships["township_code"].str.slice(0, 6) == townships["county_code"]).all()
    assert units.filter(pl.col("abolished_on") <= pl.col("established_on")).is_empty()
    assert postings.filter(pl.col("end_date") < pl.col("start_date")).is_empty()
    township_level = pl.col("org_level") == "township"
    assert postings.filter(township_level != pl.col("township_code").is_not_null()).is_empty()
    assert postings.filter(pl.col("is_chief") & ~pl.col("is_leadership")).is_empty()
    assert postings["county_code"].drop_nulls().str.contains(r"^\d{6}$").all()


def test_a_posting_is_in_a_unit_of_its_own_township_that_exists_when_it_starts(frames: dict[str, pl.DataFrame]) -> None:
    joined = frames["postings"].filter(pl.col("unit_id").is_not_null()).join(
        frames["units"], on="unit_id", suffix="_unit"
    )
    assert (joined["township_code"] == joined["township_code_unit"]).all()
    unit_exists = (pl.col("established_on") <= pl.col("start_date")) & (
        pl.col("abolished_on").is_null() | (pl.col("abolished_on") > pl.col("start_date"))
    )
    assert joined.filter(~unit_exists).is_empty()


def test_every_id_number_has_a_valid_check_digit(frames: dict[str, pl.DataFrame]) -> None:
    people = frames["people"].filter(pl.col("id_number").is_not_null())
    assert people.height > 0
    for id_number, birth, gender in people.select("id_number", "birth_date", "gender").iter_rows():
        assert re.fullmatch(r"\d{17}[\dX]", id_number), id_number
        assert id_number[-1] == id_check_digit(id_number[:17]), id_number
        assert id_number[:6] in ("360799", "320599")
        assert id_number[6:14] == f"{birth:%Y%m%d}"
        assert int(id_number[16]) % 2 == (1 if gender == "male" else 0)


def test_check_digit_of_a_published_example() -> None:
    # GB 11643-1999 appendix example.
    assert id_check_digit("11010519491231002") == "X"


# ---- the written files ------------------------------------------------------------------------------------------


def test_chinese_files_are_named_and_encoded_like_an_office_export(written: Path) -> None:
    assert sorted(p.name for p in written.iterdir()) == sorted(
        ["乡镇.xlsx", "机构.csv", "人员.csv", "任职.xlsx", "考核.csv", "批准例外.csv"]
    )
    gb = (written / "机构.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert gb.decode("gb18030").splitlines()[0] == ",".join(c.alias for c in ENTITY_BY_NAME["units"].columns)
    bom = (written / "人员.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    assert bom[3:].decode("utf-8").splitlines()[0] == ",".join(c.alias for c in ENTITY_BY_NAME["people"].columns)


def _csv_rows(path: Path, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding))))


def test_chinese_files_use_chinese_labels_and_mixed_date_styles(written: Path) -> None:
    units = _csv_rows(written / "机构.csv", "gb18030")
    assert {r["机构类别"] for r in units} == set(UNIT_KINDS.values())
    people = _csv_rows(written / "人员.csv", "utf-8-sig")
    assert {r["人员类别"] for r in people} == set(STAFF_CATEGORIES.values())
    assert {r["性别"] for r in people} == {"男", "女"}
    grades = {r["等次"] for r in _csv_rows(written / "考核.csv", "gb18030")}
    assert grades == set(GRADES.values())
    dates = [r[c] for r in units for c in ("设立日期", "撤销日期")] + [r[c] for r in people for c in ("出生日期", "录用日期")]
    styles = {
        "slash": r"^\d{4}/\d{1,2}/\d{1,2}$", "cjk": r"^\d{4}年\d{1,2}月\d{1,2}日$",
        "dotted": r"^\d{4}\.\d{1,2}\.\d{1,2}$", "compact": r"^\d{8}$",
    }
    for style, pattern in styles.items():
        assert any(re.match(pattern, d) for d in dates), style
    assert all(d == "" or any(re.match(p, d) for p in styles.values()) for d in dates)


def test_chinese_workbooks_have_text_codes_and_real_dates(written: Path) -> None:
    sheet = openpyxl.load_workbook(written / "任职.xlsx", read_only=True)["任职"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == [c.alias for c in ENTITY_BY_NAME["postings"].columns]
    body = [dict(zip(header, r)) for r in rows[1:]]
    assert all(hasattr(r["任职日期"], "year") for r in body)
    assert all(r["乡镇代码"] is None or isinstance(r["乡镇代码"], str) for r in body)
    assert {r["借调"] for r in body} == {"是", "否"}
    assert {r["单位层级"] for r in body} >= {"乡镇", "县级", "市级"}
    townships = list(openpyxl.load_workbook(written / "乡镇.xlsx", read_only=True)["乡镇"].iter_rows(values_only=True))
    assert all(isinstance(r[0], str) and len(r[0]) == 12 for r in townships[1:])


def test_committed_demo_files_are_what_write_demo_writes(written: Path) -> None:
    """The shipped data and the code cannot drift: regenerate with `python -m warehouse.synthetic.demo demo`."""
    committed = sorted(p.name for p in DEMO_DIR.iterdir() if p.suffix in (".csv", ".xlsx") and
                       not p.name.startswith("expected_"))
    assert committed == sorted(p.name for p in written.iterdir())
    for name in committed:
        if name.endswith(".csv"):
            assert (DEMO_DIR / name).read_bytes() == (written / name).read_bytes(), name
        else:  # compare cells: robust to the workbook writer's packaging details
            mine = list(openpyxl.load_workbook(written / name, read_only=True).active.iter_rows(values_only=True))
            theirs = list(openpyxl.load_workbook(DEMO_DIR / name, read_only=True).active.iter_rows(values_only=True))
            assert mine == theirs, name


def test_english_style_round_trips(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    paths = write_inputs(frames, tmp_path, style="english")
    assert [p.name for p in paths] == [f"{e.name}.csv" for e in INPUT_ENTITIES]
    for entity in INPUT_ENTITIES:
        back = pl.read_csv(tmp_path / f"{entity.name}.csv", schema=frames[entity.name].schema)
        assert back.equals(frames[entity.name]), entity.name


def test_parquet_and_format_overrides(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    paths = write_inputs(frames, tmp_path, style="chinese", formats={"postings": "parquet", "乡镇": "csv-utf8"})
    assert {p.name for p in paths} >= {"任职.parquet", "乡镇.csv"}
    back = pl.read_parquet(tmp_path / "任职.parquet")
    assert back.columns == [c.alias for c in ENTITY_BY_NAME["postings"].columns]
    assert back.schema["任职日期"] == pl.Date and back.height == frames["postings"].height
    with pytest.raises(ValueError):
        write_inputs(frames, tmp_path, style="chinese", formats={"postings": "ods"})


# ---- expected findings ------------------------------------------------------------------------------------------


def test_expected_violations_are_sorted_and_reference_the_demo(frames: dict[str, pl.DataFrame]) -> None:
    for name in ("expected_violations.csv", "expected_violations_standard_structure.csv"):
        expected = _expected(name)
        assert expected.columns == ["rule_id", "township_code", "person_id", "period", "why"]
        assert expected.equals(expected.sort("rule_id", "township_code", "person_id", "period")), name
        assert not expected.select("rule_id", "township_code", "person_id", "period").is_duplicated().any()
        assert expected["township_code"].is_in(frames["townships"]["township_code"].implode()).all()
        people = expected.filter(pl.col("person_id") != "")["person_id"]
        assert people.is_in(frames["people"]["person_id"].implode()).all()
        assert (expected["why"].str.len_chars() > 0).all()


def test_every_contract_rule_is_broken_somewhere() -> None:
    expected = _expected()
    assert set(expected["rule_id"]) == set(CONTRACT_RULES) - {"ORG_STANDARD_STRUCTURE"}
    assert set(_expected("expected_violations_standard_structure.csv")["rule_id"]) == {"ORG_STANDARD_STRUCTURE"}
    periods = expected.filter(pl.col("period") != "")
    assert set(periods["rule_id"]) == {"APPR_EXCELLENT_RATIO"}


def test_every_township_with_a_violation_passes_other_rules() -> None:
    for township, rules in _expected().group_by("township_code").agg(pl.col("rule_id").unique()).iter_rows():
        in_force = next(v for prefix, v in RULES_IN_FORCE.items() if township.startswith(prefix))
        assert set(rules) < in_force, township


def test_readme_names_the_planted_people_as_the_data_does(frames: dict[str, pl.DataFrame]) -> None:
    names = dict(frames["people"].select("person_id", "name").iter_rows())
    readme = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    pairs = re.findall(r"(P\d{4}) ([\u4e00-\u9fff]{2,3})\b", readme)
    assert len(pairs) >= 30
    for person_id, name in pairs:
        assert names[person_id] == name, person_id
    for person_id in _expected().filter(pl.col("person_id") != "")["person_id"]:
        assert person_id in readme


# ---- the background keeps the rules (simple screens, exceptions = the expected findings) ------------------------


def _flagged(rule: str, name: str = "expected_violations.csv") -> set[str]:
    expected = _expected(name).filter(pl.col("rule_id") == rule)
    return set(expected["person_id"] if expected["person_id"].str.len_chars().max() else expected["township_code"])


def test_unit_structure_on_the_as_of_date(frames: dict[str, pl.DataFrame]) -> None:
    """Townships not named in the standard-structure file are exactly 4-2-3-1; the office and station counts of
    the others break the shipped rules only where expected_violations.csv says so."""
    counts = (
        frames["units"].filter(_active("established_on", "abolished_on"))
        .group_by("township_code").agg(
            *(pl.col("unit_kind").eq(k).sum().alias(k) for k in ("office", "post", "institute", "station", "center"))
        )
        .join(frames["townships"], on="township_code")
        .filter(pl.col("township_code").str.starts_with("3607"))
    )
    standard = counts.select((pl.col("office") == 4) & (pl.col("institute") == 2) & (pl.col("station") == 3)
                             & (pl.col("center") == 1)).to_series()
    assert set(counts.filter(~standard)["township_code"]) == _flagged(
        "ORG_STANDARD_STRUCTURE", "expected_violations_standard_structure.csv"
    )
    too_few = (pl.col("office") < 3) & ~(pl.col("is_small") & (pl.col("post") >= 1))
    assert set(counts.filter(too_few | (pl.col("office") > 5))["township_code"]) == _flagged("ORG_OFFICE_COUNT")
    assert set(counts.filter(pl.col("station") > 7)["township_code"]) == _flagged("ORG_STATION_MAX")


def test_social_workers_on_the_as_of_date(frames: dict[str, pl.DataFrame]) -> None:
    workers = (
        frames["postings"].filter(_active("start_date", "end_date") & (pl.col("org_level") == "township"))
        .join(frames["people"].filter(pl.col("staff_category") == "social_worker"), on="person_id")
        .group_by("township_code").agg(pl.col("person_id").n_unique().alias("n"))
    )
    ganzhou = frames["townships"].filter(pl.col("township_code").str.starts_with("3607")).join(
        workers, on="township_code", how="left"
    ).with_columns(pl.col("n").fill_null(0))
    assert set(ganzhou.filter(pl.col("n") < 3)["township_code"]) == _flagged("STAFF_SOCIAL_WORKERS")


def test_only_planted_cadres_are_lent_to_higher_organs(frames: dict[str, pl.DataFrame]) -> None:
    lent = frames["postings"].filter(
        pl.col("is_secondment") & pl.col("org_level").is_in(["county", "city", "province"])
        & (pl.col("start_date") >= RULES_FROM) & (pl.col("start_date") <= AS_OF)
    )
    ganzhou_cadres = frames["postings"].filter(
        ~pl.col("is_secondment") & pl.col("township_code").str.starts_with("3607")
    )["person_id"]
    lent = lent.filter(pl.col("person_id").is_in(ganzhou_cadres.implode()))  # a 江苏 cadre is not covered
    assert set(lent["person_id"]) == _flagged("STAFF_SECONDMENT")


def test_only_planted_chief_posts_end_early(frames: dict[str, pl.DataFrame]) -> None:
    chiefs = frames["postings"].filter(
        pl.col("is_chief") & pl.col("township_code").str.starts_with("3607")
        & (pl.col("end_date") >= RULES_FROM) & (pl.col("end_date") <= AS_OF)
        & ~pl.col("end_reason").fill_null("other").is_in(["retirement", "dismissal", "death"])
    )
    early = {pid for pid, s, e in chiefs.select("person_id", "start_date", "end_date").iter_rows()
             if e < anniversary(s, 5)}
    assert early == _flagged("LEAD_CHIEF_TERM")


def _recruit_postings(frames: dict[str, pl.DataFrame]) -> dict[str, list[tuple]]:
    """Non-secondment postings, in order, of civil servants recruited into a 青岚县 township since 2018."""
    recruits = frames["people"].filter(
        (pl.col("staff_category") == "civil_servant") & (pl.col("recruited_on") >= RULES_FROM)
    )
    postings = (
        frames["postings"].filter(~pl.col("is_secondment")).join(recruits, on="person_id")
        .sort("person_id", "start_date", "posting_id")
        .select("person_id", "township_code", "start_date", "end_date", "end_reason", "recruited_on")
    )
    by_person: dict[str, list[tuple]] = {}
    for row in postings.iter_rows():
        by_person.setdefault(row[0], []).append(row[1:])
    return {p: rows for p, rows in by_person.items() if (rows[0][0] or "").startswith("360799")}


def test_only_planted_recruits_change_township_before_their_second_anniversary(frames: dict[str, pl.DataFrame]) -> None:
    early = set()
    for person_id, rows in _recruit_postings(frames).items():
        for before, after in zip(rows, rows[1:]):
            township, start, recruited = after[0], after[1], after[4]
            if start <= AS_OF and start < anniversary(recruited, 2) and township != before[0]:
                early.add(person_id)
    assert early == _flagged("STAFF_TRANSFER_LOCK")


def test_only_planted_recruits_leave_the_county_or_resign_before_their_fifth(frames: dict[str, pl.DataFrame]) -> None:
    """Took a posting outside the county's townships, or resigned, before the 5-year anniversary (and by A)."""
    left = set()
    for person_id, rows in _recruit_postings(frames).items():
        for township, start, end, reason, recruited in rows:
            five = anniversary(recruited, 5)
            if recruited < start <= AS_OF and start < five and not (township or "").startswith("360799"):
                left.add(person_id)
            if reason == "resignation" and end <= AS_OF and end < five:
                left.add(person_id)
    assert left == _flagged("STAFF_MIN_SERVICE")


def test_appraisal_groups_stay_at_or_under_twenty_percent(frames: dict[str, pl.DataFrame]) -> None:
    tallies = (
        frames["appraisals"].join(frames["people"], on="person_id")
        .filter((pl.col("staff_category") == "civil_servant") & (pl.col("grade") != "not_graded"))
        .group_by("township_code", "year")
        .agg(pl.len().alias("graded"), (pl.col("grade") == "excellent").sum().alias("excellent"))
        .filter(pl.col("township_code").str.starts_with("3607") & (pl.col("year") >= 2018))
    )
    over = tallies.filter(100 * pl.col("excellent") > 20 * pl.col("graded"))
    expected = _expected().filter(pl.col("rule_id") == "APPR_EXCELLENT_RATIO")
    assert set(over.select("township_code", pl.col("year").cast(pl.String)).iter_rows()) == set(
        expected.select("township_code", "period").iter_rows()
    )
    exact = tallies.filter((pl.col("township_code") == "360799101000") & (pl.col("year") == 2023)).row(0, named=True)
    assert 100 * exact["excellent"] == 20 * exact["graded"]  # 龙塘镇 2023: exactly 20%

"""The Great Expectations suites: a second line of checks that shares no code with the dbt rules.

Inspection teams want a check that would catch a mistake in the rule SQL, so nothing here reads a rule model,
an intermediate's rule logic or the dbt macros. The input suites restate the contract (codes, enumerations from
`warehouse.contract`, keys, dates); the compliance suites restate the rulebook's limits as expectations on the
township scorecard's counts and the appraisal tallies, with the version of each rule in force for each township
resolved here, in Python, from the rulebook parameter rows (docs/rules.md, "The rulebook"). The numbers in the
expectations are read from those rows, never typed again, so a reviewer can hold each one against its citation.

Great Expectations takes seconds to import: it is imported inside the functions that build expectations.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from warehouse.inputs.contract import (
    END_REASONS,
    GENDERS,
    GRADES,
    ORG_LEVELS,
    STAFF_CATEGORIES,
    TOWNSHIP_TYPES,
    UNIT_KINDS,
)

PLAUSIBLE_FROM = date(1949, 10, 1)
"""No township organ, posting or recruitment predates the People's Republic: an earlier date is a typing error."""

PLAUSIBLE_BIRTH_FROM = date(1900, 1, 1)
MINIMUM_WORKING_AGE = 16
"""Labour Law art. 15: nobody born later than 16 years before the as-of date can hold a posting."""

FUTURE_MARGIN_YEARS = 2
"""Postings and abolitions may be planned ahead (the demo has postings starting after its as-of date), so a date
up to this many years after the as-of date (or the build, whichever is later) is plausible; 2062 for 2026 is not."""

MAX_APPROVED_LEADER_POSTS = 50
"""A guard against a typing error (a township's leadership team is around ten); not a rule."""

SCORECARD_COLUMNS = (
    "township_code", "township_name", "offices", "posts", "institutes", "stations", "centers",
    "leadership_team_size", "approved_leader_posts", "social_workers", "is_small", "is_developed_town",
)
TALLY_COLUMNS = ("township_code", "appraisal_year", "graded", "excellent", "appraisal_on")


@dataclass(frozen=True)
class RuleVersion:
    """One (rule_id, jurisdiction_prefix, valid_from) group of rulebook rows: what a township is held to."""

    rule_id: str
    prefix: str
    jurisdiction_name: str
    valid_from: date
    valid_until: date | None
    values: dict[str, str]
    param_ids: dict[str, str]
    citation: str

    @property
    def key(self) -> str:
        """What the version columns of the validated frames hold: `3607@2018-01-01`."""
        return f"{self.prefix}@{self.valid_from.isoformat()}"

    @property
    def enabled(self) -> bool:
        """docs/rules.md: a version whose `enabled` parameter is false switches the rule off for its prefix."""
        return self.values.get("enabled", "true").strip().lower() == "true"

    def number(self, parameter: str) -> int | float | None:
        text = self.values.get(parameter)
        if text is None:
            return None
        value = float(text)
        return int(value) if value.is_integer() else value

    def flag(self, parameter: str) -> bool:
        return self.values.get(parameter, "false").strip().lower() == "true"

    def where(self) -> str:
        return f"{self.jurisdiction_name} {self.prefix}，{self.valid_from.isoformat()} 起"


@dataclass
class Suite:
    """A suite to build, the frame it validates and the columns that name a failing row."""

    name: str
    frame: str
    index_columns: tuple[str, ...]
    expectations: list[Any] = field(default_factory=list)
    """Great Expectations Expectation objects (built lazily, so typed loosely here)."""


def rule_versions(parameters: pl.DataFrame) -> list[RuleVersion]:
    """The rulebook's versions, from its parameter rows (the seed table as the warehouse was built with it)."""
    rows = parameters.sort("rule_id", "jurisdiction_prefix", "valid_from", "parameter").iter_rows(named=True)
    grouped: dict[tuple[str, str, date], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row["rule_id"], row["jurisdiction_prefix"], row["valid_from"]), []).append(row)
    return [
        RuleVersion(
            rule_id=rule_id,
            prefix=prefix,
            jurisdiction_name=group[0]["jurisdiction_name"],
            valid_from=valid_from,
            valid_until=max((r["valid_until"] for r in group if r["valid_until"] is not None), default=None),
            values={r["parameter"]: r["value"] for r in group},
            param_ids={r["parameter"]: r["param_id"] for r in group},
            citation=f"{group[0]['document_short']} {group[0]['clause']}：{group[0]['quote_zh']}",
        )
        for (rule_id, prefix, valid_from), group in grouped.items()
    ]


def version_column(rule_id: str) -> str:
    return f"{rule_id.lower()}_version"


def in_force(
    frame: pl.DataFrame, versions: list[RuleVersion], rule_id: str, on: pl.Expr, key: tuple[str, ...]
) -> pl.DataFrame:
    """frame with `<rule>_version`: the key of the version in force for the row's township on the date `on`.

    docs/rules.md: of the versions whose prefix starts the township code and with valid_from <= D < valid_until,
    the longest prefix wins, then the latest valid_from; a winner with `enabled` false switches the rule off.
    Null where no version is in force or the rule is switched off: not covered, so no expectation holds the row.
    """
    column = version_column(rule_id)
    candidates = pl.DataFrame(
        {
            "_prefix": [v.prefix for v in versions if v.rule_id == rule_id],
            "_valid_from": [v.valid_from for v in versions if v.rule_id == rule_id],
            "_valid_until": [v.valid_until for v in versions if v.rule_id == rule_id],
            "_enabled": [v.enabled for v in versions if v.rule_id == rule_id],
        },
        schema={"_prefix": pl.String, "_valid_from": pl.Date, "_valid_until": pl.Date, "_enabled": pl.Boolean},
    )
    chosen = (
        frame.select(*key, _on=on)
        .join(candidates, how="cross")
        .filter(
            pl.col("township_code").str.starts_with(pl.col("_prefix")),
            pl.col("_valid_from") <= pl.col("_on"),
            pl.col("_valid_until").is_null() | (pl.col("_on") < pl.col("_valid_until")),
        )
        .sort(pl.col("_prefix").str.len_chars(), "_valid_from", descending=True)
        .group_by(key, maintain_order=True)
        .first()
        .select(
            *key,
            pl.when(pl.col("_enabled"))
            .then(pl.col("_prefix") + "@" + pl.col("_valid_from").dt.to_string("%Y-%m-%d"))
            .alias(column),
        )
    )
    return frame.join(chosen, on=list(key), how="left")


def scorecard_frame(scorecard: pl.DataFrame, versions: list[RuleVersion], as_of: date) -> pl.DataFrame:
    """The scorecard's counts (facts, not rule results), the bodies counted by ORG_DEVELOPED_TOWN_BODIES, and the
    version of each state rule in force on the as-of date."""
    frame = scorecard.select(SCORECARD_COLUMNS).with_columns(
        bodies=pl.col("offices") + pl.col("institutes") + pl.col("stations") + pl.col("centers"),
    )
    for rule_id in SCORECARD_RULES:  # state rules: the version in force on the as-of date
        frame = in_force(frame, versions, rule_id, pl.lit(as_of), ("township_code",))
    return frame


def tallies_frame(tallies: pl.DataFrame, versions: list[RuleVersion], as_of: date) -> pl.DataFrame:
    """Appraisal tallies with the excellent share in percent and the APPR_EXCELLENT_RATIO version in force on each
    year's 31 December; years whose 31 December is after the as-of date are not judged (no version)."""
    frame = tallies.select(TALLY_COLUMNS).with_columns(
        excellent_pct=pl.when(pl.col("graded") > 0).then(100.0 * pl.col("excellent") / pl.col("graded")),
    )
    judged_on = pl.when(pl.col("appraisal_on") <= as_of).then(pl.col("appraisal_on"))
    return in_force(frame, versions, "APPR_EXCELLENT_RATIO", judged_on, ("township_code", "appraisal_year"))


def years_later(day: date, years: int) -> date:
    """The anniversary; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def plausible_until(as_of: date, built_on: date) -> date:
    return years_later(max(as_of, built_on), FUTURE_MARGIN_YEARS)


def _expectation(kind: str, label: str, meta: dict | None = None, notes: str | None = None, **kwargs: Any) -> Any:
    """An Expectation described by its label (Chinese, then English) in Data Docs and in the printed summary;
    GX's own wording of it stays in the suite's JSON. Data Docs write the description as HTML (the notes they
    escape), and a label names the rulebook's jurisdictions, which a user rulebook gives: it goes in escaped."""
    import great_expectations as gx

    return getattr(gx.expectations, kind)(
        **kwargs, description=html.escape(label), meta={"label": label, **(meta or {})}, notes=notes or label
    )


def input_suites(as_of: date, built_on: date) -> list[Suite]:
    """One suite per staged entity: the contract restated, so a bad load shows up even where no rule looks."""
    import datetime as dt

    start = dt.datetime.combine(PLAUSIBLE_FROM, dt.time())
    until = dt.datetime.combine(plausible_until(as_of, built_on), dt.time())
    born_by = dt.datetime.combine(years_later(as_of, -MINIMUM_WORKING_AGE), dt.time())
    span = f"{PLAUSIBLE_FROM.isoformat()} – {until.date().isoformat()}"
    births = f"{PLAUSIBLE_BIRTH_FROM.isoformat()} – {born_by.date().isoformat()}"
    years = f"{PLAUSIBLE_FROM.year}–{until.year}"
    e = _expectation

    def key(column: str, zh: str) -> list[Any]:
        return [
            e("ExpectColumnValuesToNotBeNull", f"{zh}不为空 / {column} is present", column=column),
            e("ExpectColumnValuesToBeUnique", f"{zh}不重复 / {column} is unique", column=column),
        ]

    def digits(column: str, zh: str, length: int) -> Any:
        return e(
            "ExpectColumnValuesToMatchRegex", f"{zh}为 {length} 位数字 / {column} has {length} digits",
            column=column, regex=rf"^\d{{{length}}}$",
        )

    def one_of(column: str, zh: str, values: dict[str, str]) -> Any:
        return e(
            "ExpectColumnValuesToBeInSet", f"{zh}取值属于合同枚举 / {column} is one of the contract's codes",
            column=column, value_set=sorted(values),
        )

    def dated(column: str, zh: str) -> Any:
        return e(
            "ExpectColumnValuesToBeBetween", f"{zh}在 {span} 之间 / {column} within {span}",
            column=column, min_value=start, max_value=until,
        )

    def not_before(later: str, earlier: str, zh: str, strictly: bool) -> Any:
        relation = "晚于" if strictly else "不早于"
        return e(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            f"{zh}{relation}{earlier} / {later} {'after' if strictly else 'not before'} {earlier}",
            column_A=later, column_B=earlier, or_equal=not strictly, ignore_row_if="either_value_is_missing",
        )

    def present(column: str, zh: str) -> Any:
        return e("ExpectColumnValuesToNotBeNull", f"{zh}不为空 / {column} is present", column=column)

    from great_expectations.expectations.row_conditions import Column

    return [
        Suite("inputs.townships", "townships", ("township_code",), [
            *key("township_code", "乡镇代码"),
            digits("township_code", "乡镇代码", 12),
            present("county_code", "县级代码"),
            digits("county_code", "县级代码", 6),
            one_of("township_type", "类型", TOWNSHIP_TYPES),
            e(
                "ExpectColumnValuesToBeBetween",
                f"领导职数在 0–{MAX_APPROVED_LEADER_POSTS} 之间 / approved_leader_posts within 0–{MAX_APPROVED_LEADER_POSTS}",
                column="approved_leader_posts", min_value=0, max_value=MAX_APPROVED_LEADER_POSTS,
            ),
            present("is_small", "规模较小"),
            present("is_developed_town", "经济发达镇"),
        ]),
        Suite("inputs.units", "units", ("unit_id",), [
            *key("unit_id", "机构编号"),
            digits("township_code", "乡镇代码", 12),
            one_of("unit_kind", "机构类别", UNIT_KINDS),
            present("established_on", "设立日期"),
            dated("established_on", "设立日期"),
            dated("abolished_on", "撤销日期"),
            not_before("abolished_on", "established_on", "撤销日期", strictly=True),
        ]),
        Suite("inputs.people", "people", ("person_id",), [
            *key("person_id", "人员编号"),
            e(
                "ExpectColumnValuesToNotBeNull",
                "有身份证号的人员均有其哈希 / every id_number given is kept as a hash",
                column="id_number_hash", row_condition=Column("id_number_masked").is_not_null(),
            ),
            e(
                "ExpectColumnValuesToMatchRegex",
                "身份证号哈希为 64 位小写十六进制（HMAC-SHA256）/ id_number_hash is an HMAC-SHA256 in lower-case hex",
                column="id_number_hash", regex=r"^[0-9a-f]{64}$",
            ),
            e(
                "ExpectColumnValuesToBeUnique", "身份证号不重复（一人一号）/ one person per id_number",
                column="id_number_hash",
            ),
            e(
                "ExpectColumnValuesToMatchRegex",
                "身份证号仅以完全遮蔽形式保存，不露任何字符 / id_number is kept only fully masked, no character shown "
                "(******************)",
                column="id_number_masked", regex=r"^\*{18}$",
            ),
            one_of("gender", "性别", GENDERS),
            one_of("staff_category", "人员类别", STAFF_CATEGORIES),
            e(
                "ExpectColumnValuesToBeBetween",
                f"出生日期在 {births} 之间（年满 16 周岁）/ birth_date within {births} (aged 16 or more)",
                column="birth_date", min_value=dt.datetime.combine(PLAUSIBLE_BIRTH_FROM, dt.time()), max_value=born_by,
            ),
            dated("recruited_on", "录用日期"),
            not_before("recruited_on", "birth_date", "录用日期", strictly=True),
        ]),
        Suite("inputs.postings", "postings", ("posting_id",), [
            *key("posting_id", "任职编号"),
            present("person_id", "人员编号"),
            one_of("org_level", "单位层级", ORG_LEVELS),
            digits("township_code", "乡镇代码", 12),
            digits("county_code", "县级代码", 6),
            e(
                "ExpectColumnValuesToNotBeNull", "乡镇任职均有乡镇代码 / a township posting names its township",
                column="township_code", row_condition=Column("org_level") == "township",
            ),
            one_of("end_reason", "离任原因", END_REASONS),
            present("start_date", "任职日期"),
            dated("start_date", "任职日期"),
            dated("end_date", "离任日期"),
            not_before("end_date", "start_date", "离任日期", strictly=False),
            *(present(flag, zh) for flag, zh in (
                ("is_leadership", "领导班子成员"), ("is_chief", "党政正职"), ("is_secondment", "借调"),
            )),
        ]),
        Suite("inputs.appraisals", "appraisals", ("person_id", "appraisal_year"), [
            e(
                "ExpectCompoundColumnsToBeUnique", "每人每年一条考核 / one appraisal per person and year",
                column_list=["person_id", "appraisal_year"],
            ),
            present("person_id", "人员编号"),
            digits("township_code", "乡镇代码", 12),
            one_of("grade", "等次", GRADES),
            e(
                "ExpectColumnValuesToBeBetween",
                f"考核年度在 {years} 之间 / appraisal_year within {years}",
                column="appraisal_year", min_value=PLAUSIBLE_FROM.year, max_value=until.year,
            ),
        ]),
    ]


def _column(name: str) -> Any:
    """A GX row-condition column (`_column("posts") >= 1` is a Condition, evaluated by GX on each row)."""
    from great_expectations.expectations.row_conditions import Column

    return Column(name)


def _limit(version: RuleVersion, parameter: str, kind: str, label: str, when: Any = None, **kwargs: Any) -> list:
    """One limit of one version, held by the rows whose `<rule>_version` names that version (and `when`).
    Empty when the version gives no value for the limit: nothing to restate, and the dbt rule finds nothing."""
    if kind == "ExpectColumnValuesToBeBetween" and kwargs.get("min_value") is None and kwargs.get("max_value") is None:
        return []
    holds = _column(version_column(version.rule_id)) == version.key
    return [_expectation(
        kind,
        f"{version.rule_id}（{version.where()}）：{label}",
        meta={"rule_id": version.rule_id, "version": version.key, "param_id": version.param_ids.get(parameter)},
        notes=f"{version.param_ids.get(parameter)} · {version.citation}",
        row_condition=holds if when is None else holds & when,
        **kwargs,
    )]


def office_count(v: RuleVersion) -> list:
    """Offices between the bounds; where small_township_posts_exempt is true, a small township with at least one
    comprehensive post is held to the upper bound only (docs/rules.md)."""
    low, high = v.number("min_offices"), v.number("max_offices")
    bounds = f"{'' if low is None else low}–{'' if high is None else high}"
    between = {"column": "offices", "min_value": low, "max_value": high}
    if not v.flag("small_township_posts_exempt"):
        return _limit(v, "min_offices", "ExpectColumnValuesToBeBetween", f"综合性办公室 {bounds} 个 / offices {bounds}",
                      **between)
    small = _column("is_small") == True  # noqa: E712 (a GX Condition, not a Python comparison)
    return [
        *_limit(v, "min_offices", "ExpectColumnValuesToBeBetween", f"综合性办公室 {bounds} 个 / offices {bounds}",
                _column("is_small") == False, **between),  # noqa: E712
        *_limit(v, "min_offices", "ExpectColumnValuesToBeBetween",
                f"规模较小且无综合性岗位：综合性办公室 {bounds} 个 / small, no posts: offices {bounds}",
                small & (_column("posts") < 1), **between),
        *_limit(v, "max_offices", "ExpectColumnValuesToBeBetween",
                f"规模较小且设综合性岗位：综合性办公室至多 {high} 个 / small with posts: offices at most {high}",
                small & (_column("posts") >= 1), column="offices", max_value=high),
    ]


def station_max(v: RuleVersion) -> list:
    high = v.number("max_stations")
    return _limit(v, "max_stations", "ExpectColumnValuesToBeBetween",
                  f"事业站所至多 {high} 个 / stations at most {high}", column="stations", max_value=high)


def developed_town_bodies(v: RuleVersion) -> list:
    high = v.number("max_bodies")
    return _limit(v, "max_bodies", "ExpectColumnValuesToBeBetween",
                  f"经济发达镇办、所、站、中心合计至多 {high} 个 / developed town: bodies at most {high}",
                  _column("is_developed_town") == True, column="bodies", max_value=high)  # noqa: E712


def over_leader_quota(v: RuleVersion) -> list:
    """A township without approved leader posts is not judged: GX skips rows where either value is missing."""
    return _limit(v, "enabled", "ExpectColumnPairValuesAToBeGreaterThanB",
                  "领导班子人数不超过核定领导职数 / leadership team at most the approved leader posts",
                  column_A="approved_leader_posts", column_B="leadership_team_size", or_equal=True,
                  ignore_row_if="either_value_is_missing")


def social_workers(v: RuleVersion) -> list:
    low = v.number("min_social_workers")
    return _limit(v, "min_social_workers", "ExpectColumnValuesToBeBetween",
                  f"社会工作者至少 {low} 名 / social workers at least {low}", column="social_workers", min_value=low)


def excellent_ratio(v: RuleVersion) -> list:
    """100 × excellent > pct × graded fails, i.e. the share in percent must be at most pct; a year with nobody
    graded has no share (null), which GX leaves out, as the rule passes it."""
    pct = v.number("max_excellent_pct")
    return _limit(v, "max_excellent_pct", "ExpectColumnValuesToBeBetween",
                  f"年度考核优秀比例至多 {pct}% / excellent share at most {pct}%", column="excellent_pct", max_value=pct)


SCORECARD_RULES = {
    "ORG_OFFICE_COUNT": office_count,
    "ORG_STATION_MAX": station_max,
    "ORG_DEVELOPED_TOWN_BODIES": developed_town_bodies,
    "STAFF_OVER_LEADER_QUOTA": over_leader_quota,
    "STAFF_SOCIAL_WORKERS": social_workers,
}
TALLY_RULES = {"APPR_EXCELLENT_RATIO": excellent_ratio}
"""The cross-checked rules and what restates each: the state rules on the scorecard, the appraisal rule (an event
on each year's 31 December) on the tallies."""

CROSS_CHECKED_RULES = (*SCORECARD_RULES, *TALLY_RULES)
"""Rules both lines check. The others (moves, experience, terms, secondments) need histories of postings that
expectations on one table cannot restate."""


def compliance_suites(scorecard: pl.DataFrame, tallies: pl.DataFrame, versions: list[RuleVersion]) -> list[Suite]:
    """The cross-checked rules as expectations on the frames of scorecard_frame and tallies_frame, for each version
    some row is held to (a version no township is held to would add only empty checks to the report)."""

    def expectations(frame: pl.DataFrame, builders: dict) -> list:
        found = []
        for rule_id, build in builders.items():
            held_to = set(frame.get_column(version_column(rule_id)).drop_nulls())
            found += [e for v in versions if v.rule_id == rule_id and v.key in held_to for e in build(v)]
        return found

    return [
        Suite("compliance.township_scorecard", "township_scorecard", ("township_code",),
              expectations(scorecard, SCORECARD_RULES)),
        Suite("compliance.appraisal_tallies", "appraisal_tallies", ("township_code", "appraisal_year"),
              expectations(tallies, TALLY_RULES)),
    ]

"""`warehouse generate`: a synthetic national data set in the contract's format, with planted findings.

Why it exists: a province or the ministry runs the checker over tens of thousands of townships and ten years of
history. This module makes such a data set on demand — counties of 10–30 townships under cities and provinces,
units, leadership teams, careers that move between townships and up to the county, social workers, appraisals
— fast enough to be part of a benchmark (numpy and polars, no per-row Python), and says exactly which findings a
correct checker must report: `planted_violations.parquet`.

How the answer is known without running any rule: the background is compliant by construction, and every
violation is planted on purpose at a known rate (docs/rules.md is the reading followed):

- Unit structures: 3–5 offices, at most 7 stations, at most 10 bodies in a developed town; planted townships get
  2 or 6 offices, 8 or 9 stations, 11 or 12 bodies. Small townships with comprehensive posts and one or two
  offices are exempt. Units abolished on the as-of date or set up after it are there and must not count.
- Leadership: every post of a team is held on the as-of date by exactly one person. Holders arrive with at
  least three years of township work, chiefs serve at least five years (or retire), so the team is experienced.
  Planted: chiefs coming from a county organ (no township history, or 1094 days — 1095 is the boundary that
  passes), chiefs leaving early (retirement, dismissal and death do not count; exactly five years passes),
  teams with too many newcomers (the boundary team of exactly two thirds passes, a member with exactly 730 days
  counts as experienced), teams over their approved posts.
- Recruits: civil servants recruited on or after 2018-01-01 stay, move to a township of the same county after
  their second anniversary, or go anywhere after their fifth. Planted: moves before the second anniversary
  (one day before is a finding; on the anniversary to the same county is not), moves out of the county between
  the second and the fifth, resignations before the fifth. Recruited on 2017-12-31 is before the rules.
- Secondments to county, city and province organs are planted; those started before the rules came into force,
  after the as-of date or to an `other` organ are not findings.
- Social workers: 3–6 active per township; planted townships have 0–2 (or 3, one of whom leaves on the as-of
  date). One who starts on the as-of date is active.
- Appraisals: civil servants' excellent grades stay at or under 20% of those graded (not_graded left out) in
  each township and year; planted groups get one excellent too many. Institution staff are graded freely.

Plants are spread over every jurisdiction; only those that the shipped rulebook covers (3607 赣州市 for the
赣州 rules, 32 江苏省 for the developed-town and quota rules) on the event's date are findings, the rest are
decoys the checker must leave alone. The first three counties are one of each kind, and at least one plant of
each rule lands where it is in force, so even a set of 30 townships exercises every rule. 赣州 has room for 99
county codes (360701–360799): at national scale most townships fall under 江苏 or under no rule.

Runnable: `warehouse generate --townships N --seed S --out DIR [--format parquet|csv]`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.core.safe_cells import write_csv
from warehouse.inputs import privacy
from warehouse.inputs.contract import ENTITIES
from warehouse.inputs.write import write_inputs

AS_OF = date(2026, 6, 30)
"""The as-of date the planted findings are derived for (written to generate_manifest.json)."""

GANZHOU, JIANGSU = "3607", "32"
GANZHOU_FROM = date(2018, 1, 1)
"""In force date of the shipped 赣州 rules (docs/rules.md), STAFF_SOCIAL_WORKERS aside."""
SOCIAL_WORKERS_FROM = date(2020, 12, 31)
JIANGSU_FROM = date(2017, 8, 25)
OLDEST_AS_OF = date(2021, 1, 1)
"""The careers need the rules in force for a few years before the as-of date."""

PLANTED_FILE = "planted_violations"
MANIFEST_FILE = "generate_manifest.json"
CSV_PLANTED_UP_TO = 2_000
"""At or under this many townships the planted findings are also written as CSV, for reading by eye."""

RATES: dict[str, float] = {
    "office_count": 0.04,
    "station_max": 0.03,
    "developed_town_bodies": 0.15,
    "over_leader_quota": 0.05,
    "social_workers": 0.04,
    "team_experience": 0.04,
    "chief_experience": 0.06,
    "chief_term": 0.05,
    "transfer_lock": 0.04,
    "min_service_move": 0.04,
    "min_service_resignation": 0.015,
    "secondment": 0.01,
    "excellent_ratio": 0.02,
}
"""Share of the eligible townships, posts, people or township-years that get a planted scenario (findings and
decoys together); at least one lands where the rule is in force."""

KEY = ["rule_id", "township_code", "person_id", "period"]

EPOCH = date(1970, 1, 1)
NO_END = np.iinfo(np.int32).max
"""An open end date or a missing index while the columns are numpy arrays; null in the written files."""
NONE = -1

JUR_GANZHOU, JUR_JIANGSU, JUR_OTHER = 0, 1, 2
GANZHOU_COUNTIES = 99
"""County codes 360701–360799: the prefix leaves room for no more."""
COUNTIES_PER_CITY = 30
OTHER_PROVINCES = (
    "11", "13", "14", "21", "23", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "50", "51", "52",
    "53", "61", "62", "64", "65",
)
"""Provinces with no shipped rule (36 is 江西: its cities other than 赣州 are not covered either)."""

TYPES = ("town", "township", "ethnic_township", "subdistrict")
TOWN, XIANG, ETHNIC, SUBDISTRICT = range(4)
LEVELS = ("township", "county", "city", "province", "other")
TWP, COUNTY, CITY, PROVINCE, OTHER_LEVEL = range(5)
CATEGORIES = ("civil_servant", "institution", "social_worker", "other")
CS, INSTITUTION, SOCIAL_WORKER, OTHER_STAFF = range(4)
REASONS = ("transfer", "promotion", "resignation", "retirement", "dismissal", "death", "other")
TRANSFER, PROMOTION, RESIGNATION, RETIREMENT, DISMISSAL, DEATH, OTHER_REASON = range(7)
KINDS = ("office", "post", "institute", "station", "center", "dispatched")
OFFICE, POST, INSTITUTE, STATION, CENTER, DISPATCHED = range(6)
GRADES = ("excellent", "competent", "basically_competent", "incompetent", "not_graded")

UNIT_NAMES = {
    OFFICE: ("党政综合办公室", "经济发展办公室", "社会事务办公室", "平安建设办公室", "自然资源和生态环境办公室", "党建工作办公室"),
    POST: ("综合性岗位",),
    INSTITUTE: ("财政所", "司法所"),
    STATION: (
        "农业综合服务站", "林业工作站", "水利工作站", "畜牧兽医站", "文化综合服务站", "劳动保障事务所", "退役军人服务站",
        "村镇规划建设站", "安全生产监管站", "社会事务服务站", "计生服务站", "国土资源所",
    ),
    CENTER: ("便民服务中心",),
    DISPATCHED: ("派出所", "市场监管所"),
}
LEADER_TITLES = {
    TOWN: ("党委书记", "镇长", "党委副书记", "人大主席", "纪委书记", "武装部长", "副镇长", "副镇长", "组织委员"),
    XIANG: ("党委书记", "乡长", "党委副书记", "人大主席", "纪委书记", "武装部长", "副乡长", "副乡长", "组织委员"),
    ETHNIC: ("党委书记", "乡长", "党委副书记", "人大主席", "纪委书记", "武装部长", "副乡长", "副乡长", "组织委员"),
    SUBDISTRICT: (
        "党工委书记", "办事处主任", "党工委副书记", "人大工委主任", "纪工委书记", "武装部长", "办事处副主任", "办事处副主任",
        "组织委员",
    ),
}
STAFF_TITLES = {
    CS: ("科员", "一级科员", "四级主任科员", "二级主任科员", "综合办干事"),
    INSTITUTION: ("技术员", "助理农艺师", "站长", "副站长", "会计"),
    SOCIAL_WORKER: ("社会工作者", "社工站工作人员"),
    OTHER_STAFF: ("工勤人员", "驾驶员"),
}
LEVEL_TITLES = {
    COUNTY: ("县委组织部科员", "县委办公室副主任", "县财政局副局长", "县人社局科员", "县农业农村局局长", "县民政局副局长"),
    CITY: ("市委组织部干部", "市发改委科员", "市民政局副处长"),
    PROVINCE: ("省委组织部干部", "省民政厅科员"),
    OTHER_LEVEL: ("国有企业职员", "群团组织干部"),
}
SECONDMENT_TITLES = {
    COUNTY: ("借调县委办公室", "借调县纪委监委", "借调县委巡察办"),
    CITY: ("借调市委办公室", "借调市委巡察办"),
    PROVINCE: ("借调省委办公厅",),
    OTHER_LEVEL: ("借调县属国有企业",),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈钟卢赖"
MALE_CHARS = "伟强军平华明建国斌勇志文杰俊涛鹏辉峰亮林东海春龙生荣福兴德宇浩晨昊磊鑫彬凯旭阳健坤锋毅雄振"
FEMALE_CHARS = "芳丽娟敏静霞燕红玲琴萍慧婷雪梅兰英秀佳欣怡琳颖倩洁娜莉璐晶瑶雯蓉岚珊"
PLACE_CHARS = "青山河石龙凤新安平和兴丰田溪岭坪桥湖塘江源泉林阳东西南北高长仁义礼信德富贵华宝金玉茶竹梅兰松柏云霞"
ID_SEQUENCES = 500
"""Sequence numbers per county, birth date and sex in an id_number (three digits, odd for men, even for women)."""


@dataclass(frozen=True)
class GenerateResult:
    out_dir: Path
    as_of: date
    counts: dict[str, int]
    """Rows written per entity (townships, units, people, postings, appraisals)."""
    planted: int
    """Findings a correct checker reports on this data at `as_of`."""
    planted_path: Path
    manifest_path: Path
    seconds: float


@dataclass(frozen=True)
class Synthetic:
    """The five entities (English columns and codes, as `write_inputs` takes them) and the planted findings."""

    frames: dict[str, pl.DataFrame]
    planted: pl.DataFrame
    scenarios: dict[str, int]
    """Planted scenarios per kind, findings and decoys together."""


def generate(
    townships: int, seed: int, out_dir: Path, *, fmt: str = "parquet", as_of: date = AS_OF
) -> GenerateResult:
    """Write a synthetic data set of `townships` townships to `out_dir`, with its planted findings and manifest."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"未知的格式 {fmt!r} / unknown format {fmt!r}: use parquet or csv")
    started = time.perf_counter()
    synthetic = synthesise(townships, seed, as_of)
    synthesised = time.perf_counter() - started
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = {e.name: ("parquet" if fmt == "parquet" else "csv-utf8") for e in ENTITIES}
    write_inputs(synthetic.frames, out_dir, style="english", formats=formats)
    planted_path = out_dir / f"{PLANTED_FILE}.parquet"
    synthetic.planted.write_parquet(planted_path)
    if townships <= CSV_PLANTED_UP_TO:
        write_csv(synthetic.planted, out_dir / f"{PLANTED_FILE}.csv")
    seconds = time.perf_counter() - started
    counts = {name: frame.height for name, frame in synthetic.frames.items()}
    manifest = {
        "as_of": as_of.isoformat(),
        "townships": townships,
        "seed": seed,
        "format": fmt,
        "counts": counts,
        "planted_findings": synthetic.planted.height,
        "planted_by_rule": dict(synthetic.planted.group_by("rule_id").len().sort("rule_id").iter_rows()),
        "planted_scenarios": synthetic.scenarios,
        "rates": RATES,
        "seconds": {"synthesise": round(synthesised, 2), "total": round(seconds, 2)},
        "note": (
            "planted_violations lists (rule_id, township_code, person_id, period) of every finding the shipped "
            "rulebook must produce on this data at as_of, and nothing else; scenario names the plant."
        ),
    }
    manifest_path = out_dir / MANIFEST_FILE
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return GenerateResult(out_dir, as_of, counts, synthetic.planted.height, planted_path, manifest_path, seconds)


# --- dates as day numbers ----------------------------------------------------------------------------------------


def _day(value: date) -> int:
    return (value - EPOCH).days


def _anniversary(days: np.ndarray, years: int) -> np.ndarray:
    """`day + interval N year` as DuckDB computes it (29 February → 28 February), on day numbers."""
    shifted = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date).dt.offset_by(f"{years}y")
    return shifted.cast(pl.Int32).to_numpy().astype(np.int64)


def _not_29_february(days: np.ndarray) -> np.ndarray:
    """Anchors of anniversaries move off 29 February, so no plant depends on the leap-day convention."""
    as_dates = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
    leap = ((as_dates.dt.month() == 2) & (as_dates.dt.day() == 29)).to_numpy()
    return np.asarray(days, dtype=np.int64) + leap


def _year_of(days: np.ndarray) -> np.ndarray:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date).dt.year().to_numpy().astype(np.int64)


class _Random:
    """Seeded draws over whole arrays."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def days(self, low, high, size: int | None = None) -> np.ndarray:
        """Uniform day numbers in [low, high] (arrays or scalars; high below low gives low)."""
        low = np.asarray(low, dtype=np.int64)
        high = np.maximum(np.asarray(high, dtype=np.int64), low)
        shape = size if size is not None else np.broadcast(low, high).shape
        return low + np.floor(self.rng.random(shape) * (high - low + 1)).astype(np.int64)

    def ints(self, low, high, size) -> np.ndarray:
        """Uniform integers in [low, high]."""
        return self.rng.integers(low, np.asarray(high) + 1, size=size)

    def chance(self, p, size: int) -> np.ndarray:
        return self.rng.random(size) < p

    def choice(self, options, size: int, p=None) -> np.ndarray:
        return self.rng.choice(np.asarray(options), size=size, p=p)

    def pick(self, eligible: np.ndarray, rate: float, covered: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """About `rate` of the eligible rows, at least one of them `covered` (where the rule is in force) when
        any is. Returns the mask and the index of that guaranteed row (or -1): it keeps the plain variant."""
        index = np.flatnonzero(eligible)
        chosen = np.zeros(len(eligible), dtype=bool)
        count = min(len(index), int(round(rate * len(index))))
        if count:
            chosen[self.rng.choice(index, size=count, replace=False)] = True
        forced = NONE
        if covered is not None:
            candidates = np.flatnonzero(eligible & covered)
            if len(candidates):
                hits = np.flatnonzero(chosen & covered)
                forced = int(hits[0]) if len(hits) else int(self.rng.choice(candidates))
                chosen[forced] = True
        return chosen, forced


# --- the country -------------------------------------------------------------------------------------------------


@dataclass
class _Country:
    county_codes: list[str]
    county_jurisdiction: np.ndarray
    county_first: np.ndarray
    county_size: np.ndarray
    county: np.ndarray
    """Per township: its county's index."""
    position: np.ndarray
    kind: np.ndarray
    codes: pl.Series

    @property
    def n(self) -> int:
        return len(self.county)

    @property
    def jurisdiction(self) -> np.ndarray:
        return self.county_jurisdiction[self.county]

    def same_county_other(self, r: _Random, townships: np.ndarray) -> np.ndarray:
        """Another township of the same county (NONE where the county has only one)."""
        county = self.county[townships]
        size = self.county_size[county]
        offset = r.ints(1, np.maximum(size - 1, 1), len(townships))
        other = self.county_first[county] + (self.position[townships] + offset) % size
        return np.where(size > 1, other, NONE)

    def other_county(self, r: _Random, townships: np.ndarray) -> np.ndarray:
        """A township of another county (NONE when the country has one county)."""
        n_counties = len(self.county_codes)
        county = (self.county[townships] + 1) % n_counties
        other = self.county_first[county] + np.floor(r.rng.random(len(townships)) * self.county_size[county]).astype(
            np.int64
        )
        return np.where(n_counties > 1, other, NONE)


def _country(r: _Random, n: int) -> _Country:
    sizes: list[int] = []
    drawn = r.ints(10, 30, n // 10 + 2)
    total = 0
    for size in drawn:
        size = min(int(size), n - total)
        if size <= 0:
            break
        sizes.append(size)
        total += size
    county_size = np.array(sizes, dtype=np.int64)
    n_counties = len(sizes)
    # The first three counties are one of each kind, so even a small set exercises every jurisdiction.
    jurisdiction = r.choice([JUR_GANZHOU, JUR_JIANGSU, JUR_OTHER], n_counties, p=[0.35, 0.35, 0.30])
    jurisdiction[: min(3, n_counties)] = [JUR_GANZHOU, JUR_JIANGSU, JUR_OTHER][: min(3, n_counties)]
    ganzhou = np.flatnonzero(jurisdiction == JUR_GANZHOU)
    jurisdiction[ganzhou[GANZHOU_COUNTIES:]] = JUR_JIANGSU
    codes: list[str] = []
    seen = {JUR_GANZHOU: 0, JUR_JIANGSU: 0, JUR_OTHER: 0}
    for kind in jurisdiction.tolist():
        k = seen[kind]
        seen[kind] += 1
        if kind == JUR_GANZHOU:
            codes.append(f"3607{k + 1:02d}")
        elif kind == JUR_JIANGSU:
            city, county = divmod(k, COUNTIES_PER_CITY)
            codes.append(f"32{city + 1:02d}{county + 1:02d}")
        else:
            province = OTHER_PROVINCES[k % len(OTHER_PROVINCES)]
            city, county = divmod(k // len(OTHER_PROVINCES), COUNTIES_PER_CITY)
            city += 1
            if province == "36" and city >= 7:
                city += 1  # 3607 is 赣州
            codes.append(f"{province}{city:02d}{county + 1:02d}")
    first = np.concatenate([[0], np.cumsum(county_size)[:-1]])
    county = np.repeat(np.arange(n_counties), county_size)
    position = np.arange(n) - first[county]
    kind = r.choice([TOWN, XIANG, ETHNIC, SUBDISTRICT], n, p=[0.55, 0.30, 0.05, 0.10])
    frame = pl.DataFrame({"county": county, "kind": kind}).with_columns(
        rank=pl.int_range(pl.len()).over("county", "kind")
    )
    base = np.array([100, 200, 200, 1])[kind]
    # Ethnic townships number after the others of their county's 2xx range.
    offset = np.where(kind == ETHNIC, 50, 0)
    number = base + offset + frame["rank"].to_numpy()
    county_codes = pl.Series(codes).gather(county)
    township_codes = pl.DataFrame({"c": county_codes, "n": number}).select(
        pl.concat_str(pl.col("c"), pl.col("n").cast(pl.String).str.zfill(3), pl.lit("000"))
    ).to_series()
    return _Country(codes, jurisdiction, first, county_size, county, position, kind, township_codes)


# --- accumulating rows -------------------------------------------------------------------------------------------


class _Rows:
    """Columns of numpy arrays, appended in blocks (scalars broadcast), concatenated once."""

    def __init__(self, *names: str):
        self.names = names
        self.blocks: list[dict[str, np.ndarray]] = []

    def add(self, size: int, **columns) -> None:
        if size == 0:
            return
        assert set(columns) == set(self.names), set(self.names) ^ set(columns)
        self.blocks.append({k: np.broadcast_to(np.asarray(v), (size,)).copy() for k, v in columns.items()})

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([b[k] for b in self.blocks]) for k in self.names}


POSTING_COLUMNS = ("person", "level", "township", "county", "unit", "title", "lead", "chief", "secondment", "start",
                   "end", "reason")


class _Titles:
    """Position texts as small integer codes while generating."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.index: dict[str, int] = {}

    def codes(self, options: tuple[str, ...]) -> np.ndarray:
        for text in options:
            if text not in self.index:
                self.index[text] = len(self.texts)
                self.texts.append(text)
        return np.array([self.index[t] for t in options], dtype=np.int64)

    def draw(self, r: _Random, options: tuple[str, ...], size: int) -> np.ndarray:
        return self.codes(options)[np.floor(r.rng.random(size) * len(options)).astype(np.int64)]


@dataclass
class _World:
    r: _Random
    country: _Country
    as_of: int
    history_from: int
    titles: _Titles = field(default_factory=_Titles)
    people: _Rows = field(default_factory=lambda: _Rows("category", "township", "born", "female", "recruited"))
    postings: _Rows = field(default_factory=lambda: _Rows(*POSTING_COLUMNS))
    findings: list[pl.DataFrame] = field(default_factory=list)
    scenarios: dict[str, int] = field(default_factory=dict)
    unit_first: np.ndarray | None = None
    active_units: np.ndarray | None = None
    n_people: int = 0

    def new_people(self, category, township: np.ndarray, entered: np.ndarray, recruited=None, female_share=0.35):
        """People who start work on `entered` (aged 21–30), homed in `township`; returns their indices."""
        size = len(township)
        born = entered - self.r.days(21 * 365, 30 * 365, size)
        recruited = np.full(size, NO_END) if recruited is None else recruited
        self.people.add(size, category=category, township=township, born=born,
                        female=self.r.chance(female_share, size), recruited=recruited)
        ids = np.arange(self.n_people, self.n_people + size)
        self.n_people += size
        return ids

    def unit_of(self, township: np.ndarray) -> np.ndarray:
        """A random active unit of each township."""
        assert self.unit_first is not None and self.active_units is not None
        pick = np.floor(self.r.rng.random(len(township)) * self.active_units[township]).astype(np.int64)
        return self.unit_first[township] + pick

    def township_posting(self, mask, person, township, start, end, reason, title, lead=False, chief=False, unit=True):
        """Postings at townships for the rows of `mask` (arrays are indexed by mask)."""
        m = np.asarray(mask)
        person, township, start, end = person[m], township[m], start[m], end[m]
        reason, title = _masked(reason, m), _masked(title, m)
        size = len(person)
        self.postings.add(
            size, person=person, level=TWP, township=township, county=self.country.county[township],
            unit=self.unit_of(township) if unit else NONE, title=title, lead=lead or chief, chief=chief,
            secondment=False, start=start, end=end, reason=np.where(end == NO_END, NONE, reason),
        )

    def organ_posting(self, mask, person, level, home, start, end, reason, secondment=False):
        """Postings in county, city, province or other organs; a county organ is the home township's county."""
        m = np.asarray(mask)
        person, level, home, start, end = person[m], _masked(level, m), home[m], start[m], end[m]
        reason = _masked(reason, m)
        size = len(person)
        level = np.broadcast_to(level, (size,))
        table = SECONDMENT_TITLES if secondment else LEVEL_TITLES
        title = np.zeros(size, dtype=np.int64)
        for lvl, options in table.items():
            where = level == lvl
            title[where] = self.titles.draw(self.r, options, int(where.sum()))
        county = np.where(level == COUNTY, self.country.county[home], NONE)
        self.postings.add(
            size, person=person, level=level, township=NONE, county=county, unit=NONE, title=title, lead=False,
            chief=False, secondment=secondment, start=start, end=end, reason=np.where(end == NO_END, NONE, reason),
        )

    def plant(self, scenario: str, rule_id: str, mask, township: np.ndarray, finding,
              person: np.ndarray | None = None, period: np.ndarray | None = None) -> None:
        """Record planted scenarios (`mask`); the rows where `finding` also holds are findings the checker must
        report, the others decoys it must leave alone."""
        self.scenarios[scenario] = self.scenarios.get(scenario, 0) + int(np.asarray(mask).sum())
        self.expect(scenario, rule_id, np.asarray(mask) & np.asarray(finding), township, person, period)

    def expect(self, scenario: str, rule_id: str, hit: np.ndarray, township: np.ndarray,
               person: np.ndarray | None = None, period: np.ndarray | None = None) -> None:
        """The rows where `hit` holds are findings the checker must report."""
        hit = np.broadcast_to(np.asarray(hit), township.shape)
        if not hit.any():
            return
        self.findings.append(pl.DataFrame({
            "rule_id": pl.Series([rule_id] * int(hit.sum()), dtype=pl.String),
            "township": township[hit].astype(np.int64),
            "person": (person[hit] if person is not None else np.full(int(hit.sum()), NONE)).astype(np.int64),
            "period": (period[hit] if period is not None else np.full(int(hit.sum()), NONE)).astype(np.int64),
            "scenario": pl.Series([scenario] * int(hit.sum()), dtype=pl.String),
        }))

    def covered(self, township: np.ndarray, prefix: str) -> np.ndarray:
        jurisdiction = self.country.jurisdiction[township]
        return jurisdiction == (JUR_GANZHOU if prefix == GANZHOU else JUR_JIANGSU)


def _masked(value, mask: np.ndarray):
    value = np.asarray(value)
    return value[mask] if value.ndim else value


# --- the synthetic country ---------------------------------------------------------------------------------------


def synthesise(townships: int, seed: int, as_of: date = AS_OF) -> Synthetic:
    """The data set and its planted findings, in memory (no I/O)."""
    if townships < 1:
        raise ValueError("乡镇数应至少为 1 / townships must be at least 1")
    if as_of < OLDEST_AS_OF:
        raise ValueError(f"核查基准日应不早于 {OLDEST_AS_OF} / as_of must be on or after {OLDEST_AS_OF}")
    r = _Random(seed)
    country = _country(r, townships)
    history_from = _day(date(as_of.year - 10, as_of.month, min(as_of.day, 28)))
    world = _World(r, country, _day(as_of), history_from)
    townships_frame, leader_posts = _townships(world)
    units_frame = _units(world, townships_frame)
    team = _leaders(world, leader_posts)
    _team_findings(world, leader_posts, team)
    _quota(world, townships_frame, leader_posts)
    _staff(world)
    people_frame, postings_frame, categories = _people_and_postings(world)
    appraisals_frame = _appraisals(world, postings_frame, categories)
    frames = {
        "townships": townships_frame.drop("slots"),
        "units": units_frame,
        "people": people_frame,
        "postings": _posting_texts(world, postings_frame),
        "appraisals": appraisals_frame,
    }
    return Synthetic(frames, _planted(world, people_frame), dict(sorted(world.scenarios.items())))


def _townships(w: _World) -> tuple[pl.DataFrame, np.ndarray]:
    r, c, n = w.r, w.country, w.country.n
    kind = c.kind
    names = pl.Series(list(PLACE_CHARS))
    first, second = r.ints(0, len(PLACE_CHARS) - 1, n), r.ints(0, len(PLACE_CHARS) - 1, n)
    suffix = pl.Series(["镇", "乡", "畲族乡", "街道"]).gather(kind)
    name = pl.DataFrame({"a": names.gather(first), "b": names.gather(second), "s": suffix}).select(
        pl.concat_str("a", "b", "s")
    ).to_series()
    slots = np.where(kind == TOWN, np.where(r.chance(0.6, n), 9, 8),
                     np.where(kind == SUBDISTRICT, 8, np.where(r.chance(0.6, n), 8, 7)))
    is_small = np.isin(kind, [XIANG, ETHNIC]) & r.chance(0.15, n)
    is_developed = (kind == TOWN) & r.chance(0.25, n)
    approved = np.where(r.chance(0.5, n), slots, slots + 1).astype(np.float64)
    approved[r.chance(0.2, n)] = np.nan
    frame = pl.DataFrame({
        "township_code": c.codes,
        "township_name": name,
        "township_type": pl.Series(TYPES).gather(kind),
        "county_code": pl.Series(c.county_codes).gather(c.county),
        "is_small": is_small,
        "is_developed_town": is_developed,
        "approved_leader_posts": pl.Series(approved).fill_nan(None).cast(pl.Int64),
        "slots": slots,
    })
    return frame, slots


def _units(w: _World, townships: pl.DataFrame) -> pl.DataFrame:
    """Active units by kind per township (the plan the ORG_* rules are checked against), then the units."""
    r, c, n = w.r, w.country, w.country.n
    small = townships["is_small"].to_numpy()
    developed = townships["is_developed_town"].to_numpy()
    offices = r.ints(3, 5, n)
    posts = r.chance(0.2, n).astype(np.int64)
    exempt = small & r.chance(0.5, n)
    offices[exempt] = r.ints(1, 2, int(exempt.sum()))
    posts[exempt] = r.ints(1, 2, int(exempt.sum()))
    institutes = r.ints(1, 2, n)
    stations = np.minimum(r.ints(1, 3, n), 10 - offices - institutes - 1)
    centers = np.ones(n, dtype=np.int64)
    dispatched = r.ints(0, 2, n)
    everywhere = np.ones(n, dtype=bool)
    ganzhou, jiangsu = w.covered(np.arange(n), GANZHOU), w.covered(np.arange(n), JIANGSU)

    office_plant, forced = r.pick(everywhere, RATES["office_count"], ganzhou & ~small)
    high = r.chance(0.5, n)
    if forced != NONE:
        high[forced] = False
    offices[office_plant] = np.where(high, 6, 2)[office_plant]
    posts[office_plant & ~high & ~small] = 0
    station_plant, _ = r.pick(everywhere, RATES["station_max"], ganzhou)
    stations[station_plant] = r.ints(8, 9, n)[station_plant]
    bodies_plant, _ = r.pick(developed, RATES["developed_town_bodies"], jiangsu)
    target = r.ints(11, 12, n)
    stations[bodies_plant] = (target - offices - institutes - centers)[bodies_plant]
    # Decoys of the same shapes where no rule is in force are planted by the same draws (every jurisdiction).
    bodies = offices + institutes + stations + centers
    too_few = (offices < 3) & ~(small & (posts >= 1))
    w.expect("org_office_count", "ORG_OFFICE_COUNT", ganzhou & (too_few | (offices > 5)), np.arange(n))
    w.expect("org_station_max", "ORG_STATION_MAX", ganzhou & (stations > 7), np.arange(n))
    w.expect("org_developed_town_bodies", "ORG_DEVELOPED_TOWN_BODIES", jiangsu & developed & (bodies > 10),
             np.arange(n))
    w.scenarios["org_office_count"] = int(office_plant.sum())
    w.scenarios["org_station_max"] = int(station_plant.sum())
    w.scenarios["org_developed_town_bodies"] = int(bodies_plant.sum())
    w.scenarios["org_small_township_exempt"] = int((exempt & (offices < 3)).sum())

    counts = np.stack([offices, posts, institutes, stations, centers, dispatched], axis=1)
    active = counts.sum(axis=1)
    old = r.ints(0, 2, n)
    on_as_of = r.chance(0.03, n).astype(np.int64)
    future = r.chance(0.02, n).astype(np.int64)
    w.scenarios["unit_abolished_on_as_of"] = int(on_as_of.sum())
    w.scenarios["unit_set_up_after_as_of"] = int(future.sum())
    total = active + old + on_as_of + future
    w.unit_first = np.concatenate([[0], np.cumsum(total)[:-1]])
    w.active_units = active
    township = np.repeat(np.arange(n), total)
    rank = np.arange(int(total.sum())) - w.unit_first[township]
    # Kind of each active unit: the township's counts laid out in kind order.
    kind = np.full(len(township), OFFICE)
    bounds = np.cumsum(counts, axis=1)
    act = rank < active[township]
    for k in range(len(KINDS) - 1, -1, -1):
        kind[act & (rank < bounds[township, k])] = k
    established = r.days(_day(date(1995, 1, 1)), _day(date(2003, 12, 31)), len(township))
    abolished = np.full(len(township), NO_END)
    slot = rank - active[township]
    is_old = ~act & (slot < old[township])
    is_on_as_of = ~act & (slot == old[township]) & (on_as_of[township] == 1)
    is_future = ~act & ~is_old & ~is_on_as_of
    kind[is_old] = np.where(r.chance(0.5, len(township)), OFFICE, STATION)[is_old]
    abolished[is_old] = r.days(_day(date(2005, 1, 1)), w.as_of - 30, len(township))[is_old]
    kind[is_on_as_of | is_future] = OFFICE
    abolished[is_on_as_of] = w.as_of
    established[is_future] = (w.as_of + r.ints(1, 200, len(township)))[is_future]
    within_kind = pl.DataFrame({"t": township, "k": kind}).select(pl.int_range(pl.len()).over("t", "k")).to_series()
    name_tables = {k: pl.Series(v) for k, v in UNIT_NAMES.items()}
    names = pl.Series([""] * len(township))
    frame = pl.DataFrame({"k": kind, "i": within_kind.to_numpy()})
    for k, table in name_tables.items():
        where = kind == k
        picked = table.gather((frame["i"].to_numpy()[where] % len(table)))
        names = names.scatter(np.flatnonzero(where), picked)
    names = pl.DataFrame({"n": names, "old": is_old}).select(
        pl.when("old").then(pl.lit("原") + pl.col("n")).otherwise("n")
    ).to_series()
    codes = w.country.codes.gather(township)
    unit_id = pl.DataFrame({"c": codes, "r": rank}).select(
        pl.concat_str("c", pl.lit("-"), (pl.col("r") + 1).cast(pl.String).str.zfill(2))
    ).to_series()
    return pl.DataFrame({
        "unit_id": unit_id,
        "township_code": codes,
        "unit_name": names,
        "unit_kind": pl.Series(KINDS).gather(kind),
        "established_on": _dates(established),
        "abolished_on": _dates(abolished),
    })


@dataclass
class _Team:
    """The holder of each leadership post on the as-of date and that holder's township days by then."""

    township: np.ndarray
    township_days: np.ndarray


def _leaders(w: _World, slots_per_township: np.ndarray) -> _Team:
    """Leadership posts: each has one or two holders over the history; every holder has a career before it."""
    r, c, A, H = w.r, w.country, w.as_of, w.history_from
    n_slots = int(slots_per_township.sum())
    township = np.repeat(np.arange(c.n), slots_per_township)
    slot = np.arange(n_slots) - np.repeat(np.concatenate([[0], np.cumsum(slots_per_township)[:-1]]), slots_per_township)
    chief = slot < 2
    ganzhou = w.covered(township, GANZHOU)
    change = r.chance(np.where(chief, 0.7, 0.6), n_slots)
    change_on = r.days(H + 30, A - 30, n_slots)

    # LEAD_TEAM_EXPERIENCE: newcomer deputies from county organs, J days before the as-of date.
    team_townships, forced_team = r.pick(np.ones(c.n, dtype=bool), RATES["team_experience"],
                                         w.covered(np.arange(c.n), GANZHOU))
    boundary_team = team_townships & r.chance(0.3, c.n)
    if forced_team != NONE:
        boundary_team[forced_team] = False
    members = slots_per_township
    passing = -(-2 * members // 3)  # fewest experienced members that pass: ceil(2m/3)
    # Failing teams get m - passing + 1 newcomers under 730 days (one of them at 729); boundary teams get
    # m - passing under 730 and one at exactly 730 (experienced), so exactly `passing` members are experienced.
    newcomers = members - passing + 1
    order = pl.DataFrame({"t": township, "k": r.rng.random(n_slots), "d": ~chief}).select(
        pl.col("k").rank("ordinal").over("t", "d")
    ).to_series().to_numpy() - 1
    newcomer = ~chief & team_townships[township] & (order < newcomers[township])
    edge = newcomer & (order == 0)
    newcomer_on = r.days(A - 700, A - 30, n_slots)
    newcomer_on[edge] = np.where(boundary_team[township], A - 730, A - 729)[edge]
    change = change | newcomer
    change_on = np.where(newcomer, newcomer_on, change_on)
    w.scenarios["lead_team_newcomer_townships"] = int((team_townships & ~boundary_team).sum())
    w.scenarios["lead_team_boundary_townships"] = int(boundary_team.sum())

    # Holder A: starts before the change (or holds the post throughout).
    term_plant, forced_term = r.pick(chief & change & ~newcomer, RATES["chief_term"], ganzhou)
    term_variant = r.choice([0, 1, 2], n_slots, p=[0.75, 0.15, 0.10])  # 0 early end, 1 exempt reason, 2 exactly 5y
    if forced_term != NONE:
        term_variant[forced_term] = 0
    start_a = np.where(
        change,
        np.where(chief, r.days(change_on - 9 * 365, _anniversary(change_on, -5) - 30),
                 r.days(change_on - 8 * 365, change_on - 200)),
        r.days(H - 5 * 365, A - 60, n_slots),
    )
    start_a = _not_29_february(start_a)
    early = term_plant & (term_variant != 2)
    start_a = np.where(early, _not_29_february(change_on - r.days(200, 1800, n_slots)), start_a)
    exact = term_plant & (term_variant == 2)
    start_a = np.where(exact, _not_29_february(_anniversary(change_on, -5)), start_a)
    change_on = np.where(exact, _anniversary(start_a, 5), change_on)

    reason_a = r.choice([PROMOTION, TRANSFER, RETIREMENT], n_slots, p=[0.5, 0.2, 0.3])
    counted = r.choice([PROMOTION, TRANSFER, RESIGNATION, OTHER_REASON, NONE], n_slots)
    exempt = r.choice([RETIREMENT, DISMISSAL, DEATH], n_slots)
    reason_a = np.where(term_plant, np.where(term_variant == 1, exempt, counted), reason_a)

    titles = np.zeros(n_slots, dtype=np.int64)
    for kind, options in LEADER_TITLES.items():
        codes = w.titles.codes(options)
        where = c.kind[township] == kind
        titles[where] = codes[slot[where]]
    staff_title = w.titles.codes(STAFF_TITLES[CS])

    # Holder A's career: township staff (at this or another township of the county) from before 2016.
    prior_a = _prior_township(w, township)
    entered_a = r.days(np.minimum(start_a - 3 * 365 - 60, _day(date(2015, 12, 31))) - 6 * 365,
                       np.minimum(start_a - 3 * 365 - 60, _day(date(2015, 12, 31))))
    holder_a = w.new_people(CS, township, entered_a, recruited=entered_a, female_share=0.2)
    w.plant("lead_chief_term", "LEAD_CHIEF_TERM", term_plant, township,
            ganzhou & (change_on >= _day(GANZHOU_FROM)) & (change_on <= A)
            & (change_on < _anniversary(start_a, 5)) & ~np.isin(reason_a, [RETIREMENT, DISMISSAL, DEATH]),
            person=holder_a)
    staff = np.ones(n_slots, dtype=bool)
    w.township_posting(staff, holder_a, prior_a, entered_a, start_a,
                       np.where(prior_a == township, PROMOTION, TRANSFER), r.choice(staff_title, n_slots))
    end_a = np.where(change, change_on, NO_END)
    _leadership_posting(w, staff, holder_a, township, start_a, end_a, reason_a, titles, chief)
    onward = change & np.isin(reason_a, [PROMOTION, TRANSFER])
    level = np.where(r.chance(0.75, n_slots), COUNTY, CITY)
    w.organ_posting(onward, holder_a, level, township, change_on, np.full(n_slots, NO_END), NONE)

    # Holder B (after a change): township staff before, or — planted — from a county organ.
    exp_plant, forced_exp = r.pick(chief & change, RATES["chief_experience"], ganzhou)
    exp_variant = r.choice([0, 1, 2], n_slots, p=[0.7, 0.15, 0.15])  # 0 no township days, 1 1094, 2 1095 days
    if forced_exp != NONE:
        exp_variant[forced_exp] = 0
    from_county = (exp_plant | newcomer) & change
    b = np.flatnonzero(change)
    tb, cb = township[b], change_on[b]
    normal = ~from_county[b]
    entered_b = np.where(
        normal,
        r.days(np.minimum(cb - 3 * 365 - 60, _day(date(2015, 12, 31))) - 6 * 365,
               np.minimum(cb - 3 * 365 - 60, _day(date(2015, 12, 31)))),
        r.days(cb - 12 * 365, cb - 6 * 365),
    )
    holder_b = w.new_people(CS, tb, entered_b, recruited=entered_b, female_share=0.25)
    prior_b = _prior_township(w, tb)
    ones = np.ones(len(b), dtype=bool)
    w.township_posting(normal, holder_b, prior_b, entered_b, cb,
                       np.where(prior_b == tb, PROMOTION, TRANSFER), r.choice(staff_title, len(b)))
    variant = np.where(exp_plant[b], exp_variant[b], 0)
    straight = ~normal & (variant == 0)
    w.organ_posting(straight, holder_b, COUNTY, tb, entered_b, cb, PROMOTION)
    # Variants 1 and 2: county, then 1094 or 1095 days at a township of the county, then county again.
    detour = ~normal & (variant > 0)
    days_there = np.where(variant == 1, 1094, 1095)
    left_there = cb - r.days(30, 400, len(b))
    went_there = left_there - days_there
    there = c.same_county_other(r, tb)
    there = np.where(there == NONE, tb, there)
    w.organ_posting(detour, holder_b, COUNTY, tb, entered_b, went_there, TRANSFER)
    w.township_posting(detour, holder_b, there, went_there, left_there, np.full(len(b), TRANSFER),
                       r.choice(staff_title, len(b)))
    w.organ_posting(detour, holder_b, COUNTY, tb, left_there, cb, PROMOTION)
    _leadership_posting(w, ones, holder_b, tb, cb, np.full(len(b), NO_END), NONE, titles[b], chief[b])
    prior_days = np.where(normal, cb - entered_b, np.where(detour, days_there, 0))
    w.plant("lead_chief_experience", "LEAD_CHIEF_EXPERIENCE", exp_plant[b], tb,
            ganzhou[b] & (cb >= _day(GANZHOU_FROM)) & (cb <= A) & (prior_days < 1095), person=holder_b)

    # Who holds each post on the as-of date, and their township days by then (postings are contiguous).
    holder_days = np.where(change, 0, A - entered_a)
    holder_days[b] = prior_days + (A - cb)
    return _Team(township, holder_days)


def _leadership_posting(w, mask, person, township, start, end, reason, titles, chief) -> None:
    m = np.asarray(mask)
    chief = np.asarray(chief)
    for is_chief in (True, False):
        sub = m & (chief == is_chief)
        w.township_posting(sub, person, township, start, end, reason, titles, lead=True, chief=is_chief,
                           unit=False)


def _prior_township(w: _World, township: np.ndarray) -> np.ndarray:
    """Where a leader worked before: mostly the same township, sometimes another of the county."""
    other = w.country.same_county_other(w.r, township)
    return np.where(w.r.chance(0.2, len(township)) & (other != NONE), other, township)


def _team_findings(w: _World, slots: np.ndarray, team: _Team) -> None:
    experienced = np.bincount(team.township, weights=(team.township_days >= 730), minlength=w.country.n)
    members = slots
    every = np.arange(w.country.n)
    failing = 3 * experienced < 2 * members
    w.expect("lead_team_experience", "LEAD_TEAM_EXPERIENCE", w.covered(every, GANZHOU) & failing, every)


def _quota(w: _World, townships: pl.DataFrame, slots: np.ndarray) -> None:
    r, n = w.r, w.country.n
    every = np.arange(n)
    approved = townships["approved_leader_posts"].to_numpy().astype(np.float64)
    plant, _ = r.pick(np.ones(n, dtype=bool), RATES["over_leader_quota"], w.covered(every, JIANGSU))
    approved[plant] = slots[plant] - 1
    townships.replace_column(
        townships.get_column_index("approved_leader_posts"),
        pl.Series("approved_leader_posts", approved).fill_nan(None).cast(pl.Int64),
    )
    given = ~np.isnan(approved)
    w.scenarios["staff_over_leader_quota"] = int(plant.sum())
    w.expect("staff_over_leader_quota", "STAFF_OVER_LEADER_QUOTA",
             w.covered(every, JIANGSU) & given & (slots > np.nan_to_num(approved, nan=1e9)), every)


def _staff(w: _World) -> None:
    """Everyone but the leaders: civil servants (before and since the rules), institution staff, social workers."""
    r, c, A, H = w.r, w.country, w.as_of, w.history_from
    n = c.n
    every = np.arange(n)
    ganzhou = w.covered(every, GANZHOU)

    # Social workers: 3–6 active on the as-of date, 0–2 who left earlier.
    sw_plant, forced_sw = r.pick(np.ones(n, dtype=bool), RATES["social_workers"], ganzhou)
    sw_variant = r.choice([0, 1], n, p=[0.8, 0.2])  # 0: 0–2 active; 1: 3, one of whom leaves on the as-of date
    if forced_sw != NONE:
        sw_variant[forced_sw] = 0
    sw_edge = (~sw_plant) & r.chance(0.02, n)  # 3 active, one of whom starts on the as-of date
    active = np.where(sw_plant, np.where(sw_variant == 0, r.ints(0, 2, n), 3), r.ints(3, 6, n))
    active = np.where(sw_edge, 3, active)
    past = r.ints(0, 2, n)
    sw_town = np.repeat(every, active)
    rank = np.arange(len(sw_town)) - np.repeat(np.concatenate([[0], np.cumsum(active)[:-1]]), active)
    start = r.days(H - 3 * 365, A - 30, len(sw_town))
    start[sw_edge[sw_town] & (rank == 0)] = A
    end = np.full(len(sw_town), NO_END)
    end[(sw_plant & (sw_variant == 1))[sw_town] & (rank == 0)] = A
    sw_title = w.titles.codes(STAFF_TITLES[SOCIAL_WORKER])
    people = w.new_people(SOCIAL_WORKER, sw_town, start, female_share=0.6)
    w.township_posting(np.ones(len(sw_town), dtype=bool), people, sw_town, start, end, RESIGNATION,
                       r.choice(sw_title, len(sw_town)))
    past_town = np.repeat(every, past)
    past_start = r.days(H - 5 * 365, H + 2 * 365, len(past_town))
    past_end = r.days(past_start + 200, A - 30)
    people = w.new_people(SOCIAL_WORKER, past_town, past_start, female_share=0.6)
    w.township_posting(np.ones(len(past_town), dtype=bool), people, past_town, past_start, past_end,
                       RESIGNATION, r.choice(sw_title, len(past_town)))
    counted = active - (sw_plant & (sw_variant == 1))
    w.scenarios["staff_social_workers"] = int(sw_plant.sum())
    w.scenarios["social_worker_starts_on_as_of"] = int(sw_edge.sum())
    w.expect("staff_social_workers", "STAFF_SOCIAL_WORKERS", ganzhou & (A >= _day(SOCIAL_WORKERS_FROM)) & (counted < 3),
             every)

    # The rest of the staff: civil servants, institution staff, others.
    size = r.ints(22, 62, n)
    town = np.repeat(every, size)
    m = len(town)
    category = r.choice([CS, INSTITUTION, OTHER_STAFF], m, p=[0.62, 0.30, 0.08])
    recruit = (category == CS) & r.chance(0.3, m)
    veterans = ~recruit
    _veterans(w, town[veterans], category[veterans])
    _recruits(w, town[recruit])


def _veterans(w: _World, town: np.ndarray, category: np.ndarray) -> None:
    """Staff who entered before the rules (civil servants recruited before 2018-01-01), with free careers:
    changes of unit, moves anywhere, resignations. The rules on recruits do not apply to them."""
    r, c, A, H = w.r, w.country, w.as_of, w.history_from
    m = len(town)
    entered = r.days(_day(date(1990, 1, 1)), _day(GANZHOU_FROM) - 1, m)
    entered = np.where(r.chance(0.5, m), r.days(_day(date(2005, 1, 1)), _day(GANZHOU_FROM) - 1, m), entered)
    recruited = np.where(category == CS, entered, NO_END)
    people = w.new_people(category, town, entered, recruited=recruited,
                          female_share=np.where(category == INSTITUTION, 0.45, 0.3))
    leaves = r.chance(0.2, m)
    left_on = r.days(np.maximum(entered + 60, H - 3 * 365), A - 1)
    stop = np.where(leaves, left_on, A)
    changes = r.choice([0, 1, 2, 3], m, p=[0.10, 0.25, 0.35, 0.30])
    changes = np.where(stop - entered > 400, changes, 0)
    cuts = np.sort(r.rng.random((m, 3)), axis=1)
    bounds = entered[:, None] + np.floor(cuts * (stop - entered - 4)[:, None]).astype(np.int64) + np.arange(1, 4)
    titles = np.zeros(m, dtype=np.int64)
    for cat, options in STAFF_TITLES.items():
        where = category == cat
        titles[where] = w.titles.draw(r, options, int(where.sum()))
    # Fate of those who leave: 0 a township of the county, 1 a county organ, 2 another county, 3 resign, 4 retire.
    fate = r.choice([0, 1, 2, 3, 4], m, p=[0.35, 0.30, 0.05, 0.15, 0.15])
    # Secondments of cadres who stay: planted (findings where the home township is in 赣州 and it started in force).
    for j in range(4):
        has = changes >= j
        seg_start = entered if j == 0 else bounds[:, j - 1]
        last = changes == j
        seg_end = np.where(last, np.where(leaves, left_on, NO_END), bounds[:, min(j, 2)])
        reason = np.where(last, np.select([fate == 3, fate == 4], [RESIGNATION, RETIREMENT], TRANSFER), TRANSFER)
        w.township_posting(has, people, town, seg_start, seg_end, reason, titles)
    other = c.same_county_other(r, town)
    away = c.other_county(r, town)
    to_town = leaves & (((fate == 0) & (other != NONE)) | ((fate == 2) & (away != NONE)))
    destination = np.where(fate == 0, other, away)
    w.township_posting(to_town, people, destination, left_on, np.full(m, NO_END), NONE, titles)
    to_organ = leaves & ((fate == 1) | ((fate == 0) & (other == NONE)) | ((fate == 2) & (away == NONE)))
    w.organ_posting(to_organ, people, COUNTY, town, left_on, np.full(m, NO_END), NONE)

    ganzhou = w.covered(town, GANZHOU)
    eligible = ~leaves & (entered <= H - 365) & (category != OTHER_STAFF)
    plant, forced = r.pick(eligible, RATES["secondment"], ganzhou)
    level = r.choice([COUNTY, CITY, PROVINCE, OTHER_LEVEL], m, p=[0.6, 0.25, 0.1, 0.05])
    when = r.choice([0, 1], m, p=[0.95, 0.05])  # 1: starts after the as-of date
    if forced != NONE:
        level[forced], when[forced] = COUNTY, 0
    begins = np.where(when == 1, A + r.days(1, 200, m), r.days(H, A - 30, m))
    if forced != NONE:
        begins[forced] = r.days(_day(GANZHOU_FROM), A - 30, 1)[0]
    ends = np.where(r.chance(0.7, m), begins + r.days(90, 500, m), NO_END)
    w.organ_posting(plant, people, level, town, begins, ends, OTHER_REASON, secondment=True)
    w.plant("staff_secondment", "STAFF_SECONDMENT", plant, town,
            ganzhou & (begins >= _day(GANZHOU_FROM)) & (begins <= A) & (level != OTHER_LEVEL), person=people)


def _recruits(w: _World, town: np.ndarray) -> None:
    """Civil servants recruited into a township since the rules came into force."""
    r, c, A = w.r, w.country, w.as_of
    m = len(town)
    ganzhou = w.covered(town, GANZHOU)
    first = _day(GANZHOU_FROM)
    recruited = _not_29_february(r.days(first, A - 60, m))
    ann2, ann5 = _anniversary(recruited, 2), _anniversary(recruited, 5)
    every = np.ones(m, dtype=bool)
    lock, forced_lock = r.pick(every, RATES["transfer_lock"], ganzhou)
    move, forced_move = r.pick(every & ~lock & (recruited <= _anniversary(np.array([A]), -2)[0]),
                               RATES["min_service_move"], ganzhou)
    resign, forced_resign = r.pick(every & ~lock & ~move, RATES["min_service_resignation"], ganzhou)
    # Lock variants: 0 before the 2nd anniversary, 1 the day before it, 2 on it to the same county (no finding),
    # 3 recruited 2017-12-31, before the rules (no finding).
    lock_variant = r.choice([0, 1, 2, 3], m, p=[0.8, 0.1, 0.05, 0.05])
    if forced_lock != NONE:
        lock_variant[forced_lock] = 0
    recruited = np.where(lock & (lock_variant == 3), first - 1, recruited)
    ann2, ann5 = _anniversary(recruited, 2), _anniversary(recruited, 5)
    # Move variants: 0 between the anniversaries, 1 on the 2nd (a finding), 2 on the 5th (no finding).
    move_variant = r.choice([0, 1, 2], m, p=[0.8, 0.1, 0.1])
    fifth_ok = ann5 <= A
    move_variant = np.where((move_variant == 2) & ~fifth_ok, 0, move_variant)
    if forced_move != NONE:
        move_variant[forced_move] = 0
    other = c.same_county_other(r, town)
    away = c.other_county(r, town)
    # A county of one township has nowhere "within the county" to go: those plants and moves are not drawn.
    lock_variant = np.where(lock & (lock_variant == 2) & (other == NONE), 0, lock_variant)
    # Background: 0 stays, 1 changes unit, 2 moves within the county between anniversaries, 3 leaves after 5y.
    background = r.choice([0, 1, 2, 3], m, p=[0.55, 0.10, 0.20, 0.15])
    same_ok = (ann2 + 15 <= np.minimum(ann5 - 15, A - 1)) & (other != NONE)
    background = np.where((background == 2) & ~same_ok, 0, background)
    background = np.where((background == 3) & (ann5 + 15 > A - 1), 0, background)
    background = np.where(lock | move | resign, NONE, background)

    event = np.full(m, NO_END)
    event = np.where(lock, np.select([lock_variant == 1, lock_variant == 2], [ann2 - 1, ann2],
                                     r.days(recruited + 30, ann2 - 1)), event)
    event = np.where(move, np.select([move_variant == 1, move_variant == 2], [ann2, ann5],
                                     r.days(ann2, np.minimum(ann5 - 1, A))), event)
    event = np.where(resign, r.days(recruited + 30, np.minimum(ann5 - 1, A)), event)
    event = np.where(background == 1, r.days(recruited + 30, A - 1), event)
    event = np.where(background == 2, r.days(ann2 + 15, np.minimum(ann5 - 15, A - 1)), event)
    event = np.where(background == 3, r.days(ann5 + 15, A - 1), event)

    # Where a mover goes: a township of the county, a county organ, a township of another county, a city organ.
    dest = r.choice([0, 1, 2, 3], m, p=[0.5, 0.35, 0.1, 0.05])
    dest = np.where(lock & (lock_variant == 2), 0, dest)
    dest = np.where(move, r.choice([1, 2, 3], m, p=[0.6, 0.25, 0.15]), dest)
    dest = np.where(background == 2, 0, dest)
    dest = np.where((dest == 0) & (other == NONE), 1, dest)
    dest = np.where((dest == 2) & (away == NONE), 1, dest)

    people = w.new_people(CS, town, recruited, recruited=recruited, female_share=0.45)
    title = w.titles.draw(r, STAFF_TITLES[CS], m)
    moves = lock | move | (background == 2) | (background == 3)
    quits = resign
    changes_unit = background == 1
    first_end = np.where(moves | quits | changes_unit, event, NO_END)
    after_5y_resign = (background == 3) & r.chance(0.3, m)
    first_reason = np.select([quits | after_5y_resign, changes_unit], [RESIGNATION, TRANSFER], TRANSFER)
    w.township_posting(every, people, town, recruited, first_end, first_reason, title)
    w.township_posting(changes_unit, people, town, event, np.full(m, NO_END), NONE, title)
    goes = moves & ~after_5y_resign
    to_town = goes & np.isin(dest, [0, 2])
    w.township_posting(to_town, people, np.where(dest == 0, other, away), event, np.full(m, NO_END), NONE, title)
    w.organ_posting(goes & (dest == 1), people, COUNTY, town, event, np.full(m, NO_END), NONE)
    w.organ_posting(goes & (dest == 3), people, CITY, town, event, np.full(m, NO_END), NONE)

    in_force = ganzhou & (recruited >= first) & (event >= first) & (event <= A)
    w.plant("staff_transfer_lock", "STAFF_TRANSFER_LOCK", lock, town,
            in_force & (event < ann2), person=people)
    leaves_county = dest != 0
    w.plant("staff_min_service_move", "STAFF_MIN_SERVICE", move, town,
            in_force & (event >= ann2) & (event < ann5) & leaves_county, person=people)
    w.plant("staff_min_service_resignation", "STAFF_MIN_SERVICE", resign, town,
            in_force & (event < ann5), person=people)
    w.scenarios["recruits"] = m


def _people_and_postings(w: _World) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    r, c = w.r, w.country
    p = w.people.arrays()
    n = len(p["category"])
    female = p["female"]
    surname = pl.Series(list(SURNAMES)).gather(r.ints(0, len(SURNAMES) - 1, n))
    male_chars, female_chars = pl.Series(list(MALE_CHARS)), pl.Series(list(FEMALE_CHARS))
    g1 = pl.Series(np.where(female, female_chars.gather(r.ints(0, len(FEMALE_CHARS) - 1, n)).to_numpy(),
                            male_chars.gather(r.ints(0, len(MALE_CHARS) - 1, n)).to_numpy()))
    g2 = pl.Series(np.where(female, female_chars.gather(r.ints(0, len(FEMALE_CHARS) - 1, n)).to_numpy(),
                            male_chars.gather(r.ints(0, len(MALE_CHARS) - 1, n)).to_numpy()))
    g2 = pl.Series(np.where(r.chance(0.25, n), "", g2.to_numpy()))
    name = pl.DataFrame({"s": surname, "a": g1, "b": g2}).select(pl.concat_str("s", "a", "b")).to_series()
    person_id = _ids("P", n, 8)
    people = pl.DataFrame({
        "person_id": person_id,
        "name": name,
        "id_number": _id_numbers(r, c, p["township"], p["born"], female),
        "gender": pl.Series(np.where(female, "female", "male")),
        "birth_date": _dates(p["born"]),
        "staff_category": pl.Series(CATEGORIES).gather(p["category"]),
        "recruited_on": _dates(p["recruited"]),
    })
    q = w.postings.arrays()
    order = np.lexsort((q["secondment"], q["start"], q["person"]))
    q = {k: v[order] for k, v in q.items()}
    return people, pl.DataFrame(q), p["category"]


def _posting_texts(w: _World, q: pl.DataFrame) -> pl.DataFrame:
    c = w.country
    county_codes = pl.Series(c.county_codes)
    township = q["township"].to_numpy()
    county = q["county"].to_numpy()
    unit = q["unit"].to_numpy()
    return pl.DataFrame({
        "posting_id": _ids("G", q.height, 9),
        "person_id": _ids("P", int(q["person"].max()) + 1, 8).gather(q["person"]),
        "org_level": pl.Series(LEVELS).gather(q["level"]),
        "township_code": _gather_or_null(c.codes, township),
        "county_code": _gather_or_null(county_codes, county),
        "unit_id": _unit_ids(w, unit, township),
        "position": pl.Series(w.titles.texts).gather(q["title"]),
        "is_leadership": q["lead"],
        "is_chief": q["chief"],
        "is_secondment": q["secondment"],
        "start_date": _dates(q["start"].to_numpy()),
        "end_date": _dates(q["end"].to_numpy()),
        "end_reason": _gather_or_null(pl.Series(REASONS), q["reason"].to_numpy()),
    })


def _unit_ids(w: _World, unit: np.ndarray, township: np.ndarray) -> pl.Series:
    assert w.unit_first is not None
    rank = np.where(unit == NONE, 0, unit - w.unit_first[np.maximum(township, 0)])
    codes = _gather_or_null(w.country.codes, np.where(unit == NONE, NONE, township))
    return pl.DataFrame({"c": codes, "r": rank}).select(
        pl.concat_str("c", pl.lit("-"), (pl.col("r") + 1).cast(pl.String).str.zfill(2))
    ).to_series()


def _appraisals(w: _World, q: pl.DataFrame, categories: np.ndarray) -> pl.DataFrame:
    """One row per person and year they were at a township on 31 December, graded so that civil servants'
    excellent grades stay at or under 20% of those graded, except where planted (others are graded freely)."""
    r, A = w.r, w.as_of
    as_of = EPOCH.fromordinal(EPOCH.toordinal() + A)
    last_year = as_of.year if as_of.month == 12 and as_of.day == 31 else as_of.year - 1
    first_year = last_year - 9
    start, end = q["start"].to_numpy(), q["end"].to_numpy()
    keep = (q["level"].to_numpy() == TWP) & ~q["secondment"].to_numpy()
    lo = np.maximum(_year_of(start[keep]), first_year)
    hi = np.where(end[keep] == NO_END, last_year, np.minimum(_year_of(np.minimum(end[keep], 10**6)) - 1, last_year))
    has = hi >= lo
    person = q["person"].to_numpy()[keep][has]
    township = q["township"].to_numpy()[keep][has]
    lo, hi = lo[has], hi[has]
    years = hi - lo + 1
    row_person = np.repeat(person, years)
    row_township = np.repeat(township, years)
    row_year = np.repeat(lo, years) + (np.arange(int(years.sum())) - np.repeat(np.cumsum(years) - years, years))
    size = len(row_person)
    is_cs = categories[row_person] == CS
    not_graded = is_cs & r.chance(0.03, size)
    key = r.rng.random(size)
    # Rank the graded civil servants of each township and year at random; the first `excellent` are excellent.
    group = row_township * 100 + (row_year - first_year)
    graded = is_cs & ~not_graded
    n_groups = w.country.n * 100
    graded_count = np.bincount(group[graded], minlength=n_groups)
    eligible_groups = graded_count > 0
    planted, forced = r.pick(eligible_groups, RATES["excellent_ratio"],
                             _group_covered(w, n_groups, first_year, last_year))
    pct = r.ints(10, 20, n_groups)
    excellent = np.where(planted, graded_count * 20 // 100 + 1, graded_count * pct // 100)
    order = np.lexsort((key, ~graded, group))
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.empty(size, dtype=np.int64)
    rank[order] = np.arange(size) - starts
    grade = np.where(r.rng.random(size) < 0.93, 1, np.where(r.rng.random(size) < 0.75, 2, 3))
    grade = np.where(graded & (rank < excellent[group]), 0, grade)
    grade = np.where(not_graded, 4, grade)
    grade = np.where(~is_cs & r.chance(0.35, size), 0, grade)
    group_township = np.arange(n_groups) // 100
    group_year = np.arange(n_groups) % 100 + first_year
    w.plant("appr_excellent_ratio", "APPR_EXCELLENT_RATIO", planted, group_township,
            w.covered(group_township, GANZHOU) & (group_year >= GANZHOU_FROM.year) & (group_year <= last_year),
            period=group_year)
    frame = pl.DataFrame({"p": row_person, "y": row_year, "t": row_township, "g": grade}).sort("p", "y")
    return pl.DataFrame({
        "person_id": _ids("P", w.n_people, 8).gather(frame["p"]),
        "year": frame["y"].cast(pl.Int32),
        "township_code": w.country.codes.gather(frame["t"]),
        "grade": pl.Series(GRADES).gather(frame["g"]),
    })


def _group_covered(w: _World, n_groups: int, first_year: int, last_year: int) -> np.ndarray:
    township = np.arange(n_groups) // 100
    year = np.arange(n_groups) % 100 + first_year
    return w.covered(township, GANZHOU) & (year >= GANZHOU_FROM.year) & (year <= last_year)


def _planted(w: _World, people: pl.DataFrame) -> pl.DataFrame:
    if not w.findings:
        return pl.DataFrame(schema={"rule_id": pl.String, "township_code": pl.String, "person_id": pl.String,
                                    "period": pl.Int32, "scenario": pl.String})
    found = pl.concat(w.findings)
    planted = pl.DataFrame({
        "rule_id": found["rule_id"],
        "township_code": w.country.codes.gather(found["township"]),
        "person_id": _gather_or_null(people["person_id"], found["person"].to_numpy()),
        "period": found["period"].cast(pl.Int32),
        "scenario": found["scenario"],
    }).with_columns(period=pl.when(pl.col("period") != NONE).then("period"))
    duplicated = planted.select(KEY).is_duplicated()
    assert not duplicated.any(), planted.filter(duplicated)
    return planted.sort(KEY, nulls_last=False)


# --- text columns ------------------------------------------------------------------------------------------------


def _ids(prefix: str, n: int, width: int) -> pl.Series:
    return pl.select(pl.concat_str(pl.lit(prefix), pl.int_range(1, n + 1).cast(pl.String).str.zfill(width))).to_series()


def _dates(days: np.ndarray) -> pl.Series:
    days = np.asarray(days, dtype=np.int64)
    return pl.Series(np.where(days == NO_END, 0, days).astype(np.int32)).cast(pl.Date).scatter(
        np.flatnonzero(days == NO_END), None
    )


def _gather_or_null(values: pl.Series, index: np.ndarray) -> pl.Series:
    index = np.asarray(index, dtype=np.int64)
    gathered = values.gather(np.maximum(index, 0))
    missing = np.flatnonzero(index == NONE)
    return gathered.scatter(missing, None) if len(missing) else gathered


def _id_numbers(r: _Random, c: _Country, township: np.ndarray, born: np.ndarray, female: np.ndarray) -> pl.Series:
    """GB 11643 numbers: the home county, the birth date, a sequence (odd for men) and the check character.
    Unique, as real ones are: the sequence drawn for each person is moved up past the ones taken before it."""
    n = len(township)
    region = np.array([int(code) for code in c.county_codes], dtype=np.int64)[c.county[township]]
    birth = pl.Series(born.astype(np.int32)).cast(pl.Date)
    ymd = (birth.dt.year().cast(pl.Int64) * 10000 + birth.dt.month().cast(pl.Int64) * 100
           + birth.dt.day().cast(pl.Int64)).to_numpy()
    born_where = region * 10**8 + ymd
    male = np.where(female, 0, 1)
    sequence = _unique_sequences(born_where * 2 + male, r.ints(0, ID_SEQUENCES - 1, n))
    body = born_where * 10**3 + sequence * 2 + male
    return privacy.with_check_chars(pl.Series(body).cast(pl.String).str.zfill(17))


def _unique_sequences(group: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Per row, a sequence number in [0, ID_SEQUENCES) unique within its group: the drawn one, or the next free one
    above the ones already given in the group (in the order of the draws); a group that runs past the last number
    is numbered from 0 in that order instead. Draws that do not collide keep their number. Groups are integers
    below 2**63 / ID_SEQUENCES (one sort key)."""
    n = len(drawn)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(group * ID_SEQUENCES + drawn, kind="stable")
    g, d = group[order], drawn[order]
    starts = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]]))
    index = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    rank = np.arange(n) - starts[index]
    if rank.max() >= ID_SEQUENCES:
        raise ValueError(
            f"同一县、出生日期和性别的人员超过 {ID_SEQUENCES} 人，身份证号无法唯一 / more than {ID_SEQUENCES} people "
            "of one county, birth date and sex: their id_numbers cannot be unique"
        )
    # rank + the running maximum of (drawn - rank) within the group; an offset per group keeps one running
    # maximum over all rows from crossing into the next group.
    offset = index * (n + ID_SEQUENCES)
    sequence = np.maximum.accumulate(d - rank + offset) - offset + rank
    overflowing = np.maximum.reduceat(sequence, starts) >= ID_SEQUENCES
    sequence = np.where(overflowing[index], rank, sequence)
    unique = np.empty(n, dtype=np.int64)
    unique[order] = sequence
    return unique

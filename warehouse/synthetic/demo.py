"""The shipped demo data set: a fictional 赣州 county (青岚县, 360799) and a small fictional 江苏 county (澄湖县, 320599).

Why it exists: a new user runs the checker on it and sees every rule of the contract both met and broken, and the
end-to-end test compares the checker's findings with `demo/expected_violations.csv`, which was derived by hand
from the scenarios below and docs/rules.md — not by running any rule code.

How it is built: every finding is *planted* by a scenario function (`plant_*`), written as explicit dated events
with a comment naming the rule and the boundary it exercises. Everything else is a seeded random *background*
(`_Background`) that is compliant by construction: standard unit structures, 3–5 social workers, leadership slots
whose holders arrive with at least three years of township history, chief terms of at least five years, recruits
who move only to another township of the county after their second anniversary or anywhere after their fifth,
no secondments, and at most 20% excellent appraisals per township and year. A scenario that needs a particular
holder of a leadership post registers it (`chief`, `leader`) and the background fills the rest of that post's
history around it, keeping the same guarantees.

Runnable: `python -m warehouse.synthetic.demo OUT_DIR [--style english|chinese]`.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Literal

import polars as pl

from warehouse.inputs import privacy
from warehouse.inputs.contract import ENTITY_BY_NAME, Entity
from warehouse.inputs.write import write_inputs

SEED = 360799
AS_OF = date(2026, 6, 30)
"""The as-of date the expected findings are derived for."""

RULES_FROM = date(2018, 1, 1)
"""In-force date of the shipped 赣州 (3607) rules (docs/rules.md); the background keeps clear of it."""

HISTORY_FROM = date(2016, 1, 1)
REFORM = date(2019, 3, 1)
"""The 2019 township reform: the old offices and stations are abolished and the standard structure set up."""

OLD_UNITS_FROM = date(2009, 9, 1)
FAR_FUTURE = date(9999, 12, 31)

COUNTY = "360799"
COUNTY_NAME = "青岚县"
JS_COUNTY = "320599"
JS_COUNTY_NAME = "澄湖县"

# 青岚县 (赣州市, 江西): one subdistrict, nine towns, five townships (one 畲族乡).
QINGLAN = "360799001000"  # 青岚街道
MEIJIANG = "360799100000"  # 梅江镇
LONGTANG = "360799101000"  # 龙塘镇
SHIMEN = "360799102000"  # 石门镇
HUANGPI = "360799103000"  # 黄陂镇
FENGSHAN = "360799104000"  # 丰山镇
CHANGGANG = "360799105000"  # 长岗镇
FENGKENG = "360799106000"  # 枫坑镇
BAILU = "360799107000"  # 白鹭镇
LUOAO = "360799108000"  # 罗坳镇
DAPING = "360799200000"  # 大坪乡
CHAYUAN = "360799201000"  # 茶园乡
YUNFENG = "360799202000"  # 云峰乡 (small)
YANGMEI = "360799203000"  # 杨梅乡 (small, comprehensive posts)
ZHUXI = "360799204000"  # 竹溪畲族乡
# 澄湖县 (苏州市, 江苏): three towns for the Jiangsu rules.
XINQIAO = "320599100000"  # 新桥镇 (经济发达镇)
HUTANG = "320599101000"  # 湖塘镇 (经济发达镇)
BEIZHUANG = "320599102000"  # 北庄镇


# --------------------------------------------------------------------------------------------------------------
# Townships and their leadership posts
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One post of a leadership team; `key` is unique in the township ("副镇长#2"), `position` is what is shown."""

    key: str
    position: str
    is_chief: bool = False


def _slots(*names: str, chiefs: tuple[str, ...]) -> tuple[Slot, ...]:
    return tuple(Slot(n, n.split("#")[0], n in chiefs) for n in names)


TOWN_SLOTS = _slots(
    "党委书记", "镇长", "党委副书记", "人大主席", "纪委书记", "武装部长", "组织委员", "副镇长", "副镇长#2",
    chiefs=("党委书记", "镇长"),
)
XIANG_SLOTS = _slots(
    "党委书记", "乡长", "党委副书记", "人大主席", "纪委书记", "武装部长", "副乡长", "副乡长#2",
    chiefs=("党委书记", "乡长"),
)
JIEDAO_SLOTS = _slots(
    "党工委书记", "办事处主任", "党工委副书记", "人大工委主任", "纪工委书记", "武装部长", "办事处副主任", "办事处副主任#2",
    chiefs=("党工委书记", "办事处主任"),
)
TOWN_SLOTS_8 = tuple(s for s in TOWN_SLOTS if s.key != "组织委员")
TOWN_SLOTS_7 = tuple(s for s in TOWN_SLOTS_8 if s.key != "副镇长#2")


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    type: Literal["town", "township", "ethnic_township", "subdistrict"]
    county: str
    slots: tuple[Slot, ...]
    is_small: bool = False
    is_developed_town: bool = False
    approved_leader_posts: int | None = None

    @property
    def deputy_title(self) -> str:
        return {"town": "副镇长", "subdistrict": "办事处副主任"}.get(self.type, "副乡长")

    @property
    def deputy_secretary_title(self) -> str:
        return "党工委副书记" if self.type == "subdistrict" else "党委副书记"


TOWNSHIPS: tuple[Township, ...] = (
    Township(QINGLAN, "青岚街道", "subdistrict", COUNTY, JIEDAO_SLOTS, approved_leader_posts=8),
    Township(MEIJIANG, "梅江镇", "town", COUNTY, TOWN_SLOTS, approved_leader_posts=9),
    Township(LONGTANG, "龙塘镇", "town", COUNTY, TOWN_SLOTS, approved_leader_posts=9),
    Township(SHIMEN, "石门镇", "town", COUNTY, TOWN_SLOTS, approved_leader_posts=9),
    Township(HUANGPI, "黄陂镇", "town", COUNTY, TOWN_SLOTS, approved_leader_posts=9),
    Township(FENGSHAN, "丰山镇", "town", COUNTY, TOWN_SLOTS, approved_leader_posts=9),
    Township(CHANGGANG, "长岗镇", "town", COUNTY, TOWN_SLOTS),
    Township(FENGKENG, "枫坑镇", "town", COUNTY, TOWN_SLOTS_8, approved_leader_posts=9),
    Township(BAILU, "白鹭镇", "town", COUNTY, TOWN_SLOTS, approved_leader_posts=9),
    Township(LUOAO, "罗坳镇", "town", COUNTY, TOWN_SLOTS),
    Township(DAPING, "大坪乡", "township", COUNTY, XIANG_SLOTS, approved_leader_posts=8),
    Township(CHAYUAN, "茶园乡", "township", COUNTY, XIANG_SLOTS, approved_leader_posts=8),
    Township(YUNFENG, "云峰乡", "township", COUNTY, XIANG_SLOTS, is_small=True),
    Township(YANGMEI, "杨梅乡", "township", COUNTY, XIANG_SLOTS, is_small=True),
    # 竹溪: 7 approved leader posts and a team of 8 — STAFF_OVER_LEADER_QUOTA is a Jiangsu rule, not covered here.
    Township(ZHUXI, "竹溪畲族乡", "ethnic_township", COUNTY, XIANG_SLOTS, approved_leader_posts=7),
    Township(XINQIAO, "新桥镇", "town", JS_COUNTY, TOWN_SLOTS, is_developed_town=True, approved_leader_posts=9),
    Township(HUTANG, "湖塘镇", "town", JS_COUNTY, TOWN_SLOTS_8, is_developed_town=True, approved_leader_posts=7),
    Township(BEIZHUANG, "北庄镇", "town", JS_COUNTY, TOWN_SLOTS_7),
)
TOWNSHIP_BY_CODE = {t.code: t for t in TOWNSHIPS}

COUNTY_ORGANS = (
    "县委组织部", "县委宣传部", "县委办公室", "县政府办公室", "县发展和改革委员会", "县财政局", "县农业农村局",
    "县自然资源局", "县住房和城乡建设局", "县民政局", "县人力资源和社会保障局", "县水利局", "县林业局",
    "县教育体育局", "县卫生健康委员会", "县应急管理局", "县市场监督管理局", "县纪委监委",
)

JUNIOR_RANKS = ("科员", "一级科员", "四级主任科员")


def _head_title(organ: str, rng: random.Random) -> str:
    """The title of a (deputy) head of a county organ, as a leaving township leader would get."""
    deputy = rng.random() < 0.6
    if organ.endswith("局"):
        return "副局长" if deputy else "局长"
    if organ.endswith("部"):
        return "副部长" if deputy else "部长"
    if organ.endswith("纪委监委"):
        return "副书记"
    return "副主任" if deputy else "主任"


CS_ROLES = ("general", "economy", "social", "safety", "justice", "finance")
INSTITUTION_ROLES = ("agri", "forestry", "water", "livestock", "culture", "labour", "veterans", "center")
SOCIAL_WORKER_ROLES = ("social", "center")


# --------------------------------------------------------------------------------------------------------------
# Names and identity numbers (fictional: the region part is the fictional county's code)
# --------------------------------------------------------------------------------------------------------------

GANNAN_SURNAMES = (
    "刘刘刘陈陈陈李李钟钟黄黄曾曾谢谢赖赖罗罗王张肖邱温廖杨朱郭林何邓胡吴邹池彭卢叶丁汪徐郑周严宋袁蔡魏易古兰康骆"
)
SHE_SURNAMES = "蓝蓝雷雷钟钟李"
JIANGSU_SURNAMES = "张张王王陈陈徐徐朱朱沈沈顾顾陆周吴钱孙杨蒋殷姚许金唐秦华高"
MALE_CHARS = "伟强军平华明建国斌勇志文杰俊涛鹏辉峰亮林东海春龙生荣福兴德宇浩晨昊磊鑫彬俊凯旭阳健斌坤锋毅雄振"
FEMALE_CHARS = "芳丽娟敏静霞燕红玲琴萍慧婷雪梅兰英秀佳欣怡琳颖倩洁娜莉璐晶瑶雯蓉岚珊"
def anniversary(day: date, years: int) -> date:
    """`day + interval N year` as DuckDB computes it: 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --------------------------------------------------------------------------------------------------------------
# The builder: townships, units, people, postings; scenario helpers
# --------------------------------------------------------------------------------------------------------------


@dataclass
class _Posting:
    seq: int
    person_id: str
    org_level: str
    township_code: str | None
    county_code: str | None
    role: str | None
    """The kind of work (general office, agriculture station…); mapped to a unit through the township's lineage."""
    position: str
    start: date
    end: date | None = None
    reason: str | None = None
    is_leadership: bool = False
    is_chief: bool = False
    is_secondment: bool = False
    unit_id: str | None = None


@dataclass
class _Tenure:
    person_id: str
    start: date
    end: date | None


@dataclass
class Builder:
    """Collects the demo's rows; scenario helpers below express events the way an office would describe them."""

    rng: random.Random
    units: list[dict] = field(default_factory=list)
    lineage: dict[str, dict[str, list[list]]] = field(default_factory=lambda: defaultdict(dict))
    """township → role → [[unit_id, from, to]]: which unit does that kind of work on which dates."""
    people: list[dict] = field(default_factory=list)
    postings: list[_Posting] = field(default_factory=list)
    tenures: dict[tuple[str, str], list[_Tenure]] = field(default_factory=lambda: defaultdict(list))
    """Planted holders of leadership posts; the background fills the rest of each post's history."""
    own_social_workers: set[str] = field(default_factory=set)
    """Townships whose social workers are all planted (the background adds none)."""
    grade_plans: dict[tuple[str, int, str], str] = field(default_factory=dict)
    """(township, year, staff category) → planted grade pattern; other groups stay at or under 20% excellent."""
    _names: set[str] = field(default_factory=set)
    _ids: set[str] = field(default_factory=set)

    # ---- units -------------------------------------------------------------------------------------------------

    def add_unit(
        self, township: str, name: str, kind: str, established: date, *, roles: Iterable[str] = ()
    ) -> str:
        """A unit; for each of `roles` it takes over that kind of work from `established` on."""
        seq = sum(1 for u in self.units if u["township_code"] == township) + 1
        unit_id = f"{township[:9]}-{seq:02d}"
        self.units.append(
            dict(unit_id=unit_id, township_code=township, unit_name=name, unit_kind=kind,
                 established_on=established, abolished_on=None)
        )
        for role in roles:
            segments = self.lineage[township].setdefault(role, [])
            if segments and segments[-1][2] is None:
                segments[-1][2] = established
            segments.append([unit_id, established, None])
        return unit_id

    def abolish(self, unit_id: str, on: date, *, merged_into: str | None = None) -> None:
        """Abolish a unit; its work (every role it held on `on`) passes to `merged_into`."""
        unit = next(u for u in self.units if u["unit_id"] == unit_id)
        unit["abolished_on"] = on
        for segments in self.lineage[unit["township_code"]].values():
            last = segments[-1]
            if last[0] == unit_id and last[2] is None:
                last[2] = on
                if merged_into is not None:
                    segments.append([merged_into, on, None])

    def unit_named(self, township: str, name: str) -> str:
        """The unit of that name in the township that was set up last."""
        return [u for u in self.units if u["township_code"] == township and u["unit_name"] == name][-1]["unit_id"]

    def roles_on(self, township: str, on: date, wanted: Iterable[str]) -> list[str]:
        """The kinds of work in `wanted` that some unit of the township does on `on`."""
        return [r for r in wanted if r in self.lineage[township] and self.lineage[township][r][0][1] <= on]

    # ---- people ------------------------------------------------------------------------------------------------

    def person(
        self,
        category: str,
        *,
        county: str = COUNTY,
        born: date | None = None,
        gender: str | None = None,
        recruited_on: date | None = None,
        surnames: str | None = None,
        with_id: bool = True,
    ) -> str:
        """A new person with a unique realistic name and a valid (fictional) 18-digit identity number."""
        rng = self.rng
        if gender is None:
            female_share = {"social_worker": 0.6, "institution": 0.45}.get(category, 0.3)
            gender = "female" if rng.random() < female_share else "male"
        if born is None:
            born = date(rng.randint(1970, 1990), 1, 1) + timedelta(days=rng.randint(0, 364))
        pool = surnames or (JIANGSU_SURNAMES if county == JS_COUNTY else GANNAN_SURNAMES)
        chars = MALE_CHARS if gender == "male" else FEMALE_CHARS
        while True:
            given = "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.25 else 2))
            name = rng.choice(pool) + given
            if name not in self._names:
                break
        self._names.add(name)
        id_number = None
        if with_id:
            while True:
                seq = rng.randint(0, 49) * 20 + rng.randrange(1 if gender == "male" else 0, 20, 2) or 2
                first17 = f"{county}{born:%Y%m%d}{seq:03d}"
                id_number = first17 + privacy.check_char(first17)
                if id_number not in self._ids:
                    break
            self._ids.add(id_number)
        person_id = f"P{len(self.people) + 1:04d}"
        self.people.append(
            dict(person_id=person_id, name=name, id_number=id_number, gender=gender, birth_date=born,
                 staff_category=category, recruited_on=recruited_on)
        )
        return person_id

    # ---- postings ----------------------------------------------------------------------------------------------

    def post(
        self,
        person_id: str,
        *,
        start: date,
        position: str,
        township: str | None = None,
        level: str = "township",
        county: str | None = None,
        role: str | None = None,
        end: date | None = None,
        reason: str | None = None,
        leadership: bool = False,
        chief: bool = False,
        secondment: bool = False,
    ) -> _Posting:
        if level == "township":
            assert township is not None
            county = county or TOWNSHIP_BY_CODE[township].county
        posting = _Posting(
            seq=len(self.postings), person_id=person_id, org_level=level, township_code=township,
            county_code=county, role=role, position=position, start=start, end=end, reason=reason,
            is_leadership=leadership or chief, is_chief=chief, is_secondment=secondment,
        )
        assert end is None or end >= start, posting
        self.postings.append(posting)
        return posting

    def open_postings(self, person_id: str) -> list[_Posting]:
        return [p for p in self.postings if p.person_id == person_id and p.end is None and not p.is_secondment]

    def leave(self, person_id: str, on: date, reason: str | None) -> None:
        """End every open (non-secondment) posting of the person on `on`."""
        for posting in self.open_postings(person_id):
            posting.end, posting.reason = on, reason

    def move(self, person_id: str, on: date, *, reason: str = "transfer", **new_posting) -> _Posting:
        """Leave the current posting on `on` and start the next one the same day."""
        self.leave(person_id, on, reason)
        return self.post(person_id, start=on, **new_posting)

    def county_post(
        self, person_id: str, start: date, end: date | None = None, reason: str | None = "transfer", *,
        county: str = COUNTY, title: str | None = None, senior: bool = False,
    ) -> _Posting:
        """A posting in a county organ (organ and rank picked at random when no title is given)."""
        organ = self.rng.choice(COUNTY_ORGANS)
        position = title or organ + (_head_title(organ, self.rng) if senior else self.rng.choice(JUNIOR_RANKS))
        return self.post(person_id, start=start, end=end, reason=reason if end else None, position=position,
                         level="county", county=county)

    def recruit(
        self, township: str, on: date, *, role: str = "general", born: date | None = None, gender: str | None = None
    ) -> str:
        """A civil servant recruited into a township organ on `on` (probation included), posted there that day."""
        county = TOWNSHIP_BY_CODE[township].county
        if born is None:
            born = date(on.year - self.rng.randint(22, 27), 1, 1) + timedelta(days=self.rng.randint(0, 364))
        person_id = self.person("civil_servant", county=county, born=born, gender=gender, recruited_on=on,
                                surnames=SHE_SURNAMES if township == ZHUXI else None)
        self.post(person_id, township=township, start=on, role=role, position="一级科员")
        return person_id

    def cadre_from_county(
        self, *, recruited_on: date, born: date, county: str = COUNTY, gender: str = "male"
    ) -> str:
        """A civil servant who so far has worked only in county organs (no township experience at all)."""
        person_id = self.person("civil_servant", county=county, born=born, gender=gender, recruited_on=recruited_on)
        self.county_post(person_id, recruited_on, None, county=county)
        return person_id

    def leader(
        self, person_id: str, township: str, slot: str, start: date, end: date | None = None,
        reason: str | None = None, *, leave_reason: str = "transfer",
    ) -> _Posting:
        """Appoint the person to a leadership post (leaving their current posting that day)."""
        t = TOWNSHIP_BY_CODE[township]
        spec = next(s for s in t.slots if s.key == slot)
        self.tenures[(township, slot)].append(_Tenure(person_id, start, end))
        self.leave(person_id, start, leave_reason)
        return self.post(person_id, township=township, start=start, end=end, reason=reason,
                         position=spec.position, leadership=True, chief=spec.is_chief)

    chief = leader
    """Same as `leader`; reads better where the post is 党委书记 or 镇长/乡长 (is_chief comes from the slot)."""

    def second(
        self, person_id: str, start: date, end: date | None, *, level: str, position: str,
        township: str | None = None, county: str | None = None,
    ) -> _Posting:
        """Lend a cadre to another organ (is_secondment) while the home posting continues: postings overlap."""
        return self.post(person_id, start=start, end=end, reason="other" if end else None, position=position,
                         level=level, township=township, county=county, secondment=True)

    def social_worker(
        self, township: str, start: date, end: date | None = None, reason: str | None = None
    ) -> str:
        county = TOWNSHIP_BY_CODE[township].county
        born = date(self.rng.randint(1985, 2000), 1, 1) + timedelta(days=self.rng.randint(0, 364))
        person_id = self.person("social_worker", county=county, born=born)
        self.post(person_id, township=township, start=start, end=end, reason=reason,
                  role=self.rng.choice(SOCIAL_WORKER_ROLES), position="社会工作者")
        return person_id


# --------------------------------------------------------------------------------------------------------------
# Units: the standard structure, and the 江苏 towns
# --------------------------------------------------------------------------------------------------------------


def standard_units(b: Builder, township: str, *, keep: tuple[str, ...] = (), posts: bool = False) -> None:
    """The 2009 structure (5 offices, 7 stations) replaced on REFORM by 4 offices, 2 institutes, 3 stations, 1 centre.

    `keep`: old units that survive the reform (their fate is planted later). `posts`: a small township that set up
    comprehensive posts instead of offices.
    """
    t = TOWNSHIP_BY_CODE[township]
    street = t.type == "subdistrict"
    old_offices = {
        "general": "党政办公室",
        "economy": "城市管理办公室" if street else "经济发展办公室",
        "social": "社区建设办公室" if street else "社会事务办公室",
        "safety": "社会治安综合治理办公室",
        "planning": "规划建设办公室",
    }
    old_stations = (
        {"culture": "文化站", "labour": "劳动保障事务所", "family": "计划生育服务所"}
        if street else
        {"agri": "农业技术推广站", "forestry": "林业工作站", "water": "水利工作站", "livestock": "畜牧兽医站",
         "culture": "文化广播电视站", "labour": "劳动保障事务所", "family": "计划生育服务所"}
    )
    old = {role: b.add_unit(township, name, "office", OLD_UNITS_FROM, roles=[role])
           for role, name in old_offices.items()}
    old |= {role: b.add_unit(township, name, "station", OLD_UNITS_FROM, roles=[role])
            for role, name in old_stations.items()}
    b.add_unit(township, "司法所", "institute", date(2003, 6, 1), roles=["justice"])
    b.add_unit(township, "财政所", "institute", date(2004, 1, 1), roles=["finance"])
    b.add_unit(township, "便民服务中心", "center", date(2015, 7, 1), roles=["center"])
    b.add_unit(township, "派出所", "dispatched", date(1998, 1, 1))
    if t.type == "town" or street:
        b.add_unit(township, "市场监督管理所", "dispatched", date(2014, 3, 1))

    if posts:
        general = b.add_unit(township, "党政综合岗", "post", REFORM)
        economy = b.add_unit(township, "经济发展岗", "post", REFORM)
        social = b.add_unit(township, "社会事务岗", "post", REFORM)
        safety = general
    else:
        general = b.add_unit(township, "党政综合办公室", "office", REFORM)
        economy = b.add_unit(township, old_offices["economy"], "office", REFORM)
        social = b.add_unit(township, old_offices["social"], "office", REFORM)
        safety = b.add_unit(township, "平安建设办公室", "office", REFORM)
    successor = {"general": general, "economy": economy, "social": social, "safety": safety, "planning": economy}
    if street:
        culture = b.add_unit(township, "文化综合服务站", "station", REFORM)
        labour = b.add_unit(township, "社会保障服务站", "station", REFORM)
        b.add_unit(township, "退役军人服务站", "station", REFORM, roles=["veterans"])
        successor |= {"culture": culture, "labour": labour, "family": labour}
    else:
        agri = b.add_unit(township, "农业综合服务站", "station", REFORM)
        culture = b.add_unit(township, "文化综合服务站", "station", REFORM)
        labour = b.add_unit(township, "社会保障服务站", "station", REFORM)
        successor |= {"agri": agri, "forestry": agri, "water": agri, "livestock": agri,
                      "culture": culture, "labour": labour, "family": labour}
    for role, unit_id in old.items():
        name = old_offices.get(role) or old_stations[role]
        if name not in keep:
            b.abolish(unit_id, REFORM, merged_into=successor[role])


def jiangsu_units(b: Builder) -> None:
    """The 江苏 towns: developed towns run 局-style bodies (002); dispatched units never count as bodies."""
    since = date(2012, 6, 1)

    def setup(township: str, units: list[tuple[str, str, str]]) -> None:
        for role, name, kind in units:
            b.add_unit(township, name, kind, since, roles=[role] if role else [])
        b.add_unit(township, "派出所", "dispatched", date(2001, 1, 1))

    stations = [("agri", "农业服务站", "station"), ("culture", "文体服务站", "station"),
                ("labour", "劳动保障服务站", "station"), ("center", "政务服务中心", "center")]
    # 新桥镇: 5 offices + 司法所 + 3 stations + centre = 10 bodies until 综合执法局 is added on 2021-06-01 → 11.
    setup(XINQIAO, [("general", "党政办公室", "office"), ("safety", "党群工作局", "office"),
                    ("economy", "经济发展局", "office"), ("planning", "建设管理局", "office"),
                    ("social", "社会事业局", "office"), ("justice", "司法所", "institute")] + stations)
    b.add_unit(XINQIAO, "综合执法局", "office", date(2021, 6, 1))
    # 湖塘镇: exactly 10 bodies, plus 2 dispatched units that do not count.
    setup(HUTANG, [("general", "党政办公室", "office"), ("economy", "经济发展局", "office"),
                   ("planning", "建设管理局", "office"), ("social", "社会事业局", "office"),
                   ("safety", "综合执法局", "office"), ("justice", "司法所", "institute")] + stations)
    b.add_unit(HUTANG, "市场监督管理分局", "dispatched", date(2015, 1, 1))
    # 北庄镇: 12 bodies, but not a developed town.
    setup(BEIZHUANG, [("general", "党政办公室", "office"), (None, "党建工作办公室", "office"),
                      ("economy", "经济发展办公室", "office"), ("planning", "村镇建设办公室", "office"),
                      ("social", "社会事业办公室", "office"), ("safety", "综合治理办公室", "office"),
                      ("justice", "司法所", "institute"), ("finance", "财政所", "institute")] + stations)


# --------------------------------------------------------------------------------------------------------------
# Planted scenarios. Each names the rule, the township/person and the boundary; docs/rules.md gives the reading.
# --------------------------------------------------------------------------------------------------------------


def plant_unit_scenarios(b: Builder) -> None:
    """ORG_OFFICE_COUNT, ORG_STATION_MAX, ORG_STANDARD_STRUCTURE; the other 3607 townships get `standard_units`."""
    # 石门镇 — ORG_OFFICE_COUNT passes: it kept 规划建设办公室 at the reform and added 营商环境办公室 (6 offices),
    # then the county abolished 规划建设办公室 on the as-of date itself: a unit abolished on A is not active → 5.
    # Its 7 stations (kept 林业/水利/畜牧兽医站, new 农机服务站) are exactly ORG_STATION_MAX's limit → passes.
    standard_units(b, SHIMEN, keep=("规划建设办公室", "林业工作站", "水利工作站", "畜牧兽医站"))
    b.add_unit(SHIMEN, "营商环境办公室", "office", date(2021, 5, 1))
    b.add_unit(SHIMEN, "农机服务站", "station", date(2020, 4, 1))
    b.abolish(b.unit_named(SHIMEN, "规划建设办公室"), AS_OF, merged_into=b.unit_named(SHIMEN, "经济发展办公室"))

    # 黄陂镇 — ORG_OFFICE_COUNT violated: the same 6 offices, but 规划建设办公室 is abolished only on 2026-07-01,
    # the day after A, so on A it is still active → 6 > 5.
    standard_units(b, HUANGPI, keep=("规划建设办公室",))
    b.add_unit(HUANGPI, "营商环境办公室", "office", date(2020, 9, 1))
    b.abolish(b.unit_named(HUANGPI, "规划建设办公室"), date(2026, 7, 1),
              merged_into=b.unit_named(HUANGPI, "经济发展办公室"))

    # 长岗镇 — ORG_STATION_MAX violated: 3 standard stations + 3 kept + 农机服务站 + 旅游服务站 = 8 > 7.
    standard_units(b, CHANGGANG, keep=("林业工作站", "水利工作站", "畜牧兽医站"))
    b.add_unit(CHANGGANG, "农机服务站", "station", date(2020, 1, 1))
    b.add_unit(CHANGGANG, "旅游服务站", "station", date(2023, 4, 1))

    # 云峰乡 (is_small) — ORG_OFFICE_COUNT violated: it used comprehensive posts from the reform, but on 2024-01-01
    # replaced them by two offices. Small, but with no active post it is not exempt: 2 < 3.
    standard_units(b, YUNFENG, posts=True)
    general = b.add_unit(YUNFENG, "党政综合办公室", "office", date(2024, 1, 1))
    social = b.add_unit(YUNFENG, "社会事务办公室", "office", date(2024, 1, 1))
    b.abolish(b.unit_named(YUNFENG, "党政综合岗"), date(2024, 1, 1), merged_into=general)
    b.abolish(b.unit_named(YUNFENG, "经济发展岗"), date(2024, 1, 1), merged_into=general)
    b.abolish(b.unit_named(YUNFENG, "社会事务岗"), date(2024, 1, 1), merged_into=social)

    # 杨梅乡 (is_small) — ORG_OFFICE_COUNT passes: no office at all, but three active comprehensive posts.
    standard_units(b, YANGMEI, posts=True)

    # 罗坳镇 — the one township designed to break ORG_STANDARD_STRUCTURE alone: 林业工作站 merged into 农业综合服务站
    # at the reform and re-established on 2022-05-01 (林长制), so 4 stations instead of 3; every shipped rule passes.
    standard_units(b, LUOAO)
    b.add_unit(LUOAO, "林业工作站", "station", date(2022, 5, 1), roles=["forestry"])

    for t in TOWNSHIPS:
        if t.county == COUNTY and t.code not in b.lineage:
            standard_units(b, t.code)
    # 江苏: ORG_DEVELOPED_TOWN_BODIES violated at 新桥镇 (11), passes at 湖塘镇 (10 + 2 dispatched) and 北庄镇 (not a
    # developed town). 新桥镇 has 6 offices: ORG_OFFICE_COUNT is a 3607 rule, not covered in 江苏.
    jiangsu_units(b)


def plant_social_workers(b: Builder) -> None:
    """STAFF_SOCIAL_WORKERS (in force from 2020-12-31): at least 3 active social workers on A."""
    # 白鹭镇 — violated: three social workers, but one's posting ends on the as-of date (resigned), so 2 are active.
    b.own_social_workers.add(BAILU)
    b.social_worker(BAILU, date(2020, 6, 1))
    b.social_worker(BAILU, date(2021, 3, 1))
    b.social_worker(BAILU, date(2022, 9, 1), AS_OF, "resignation")
    # 大坪乡 — passes on the boundary: exactly 3 (one more left in 2023).
    b.own_social_workers.add(DAPING)
    b.social_worker(DAPING, date(2019, 10, 1), date(2023, 4, 1), "resignation")
    b.social_worker(DAPING, date(2020, 5, 1))
    b.social_worker(DAPING, date(2021, 7, 1))
    b.social_worker(DAPING, date(2023, 4, 1))


def plant_team_experience(b: Builder) -> None:
    """LEAD_TEAM_EXPERIENCE: on A at least ⅔ of the team have ≥ 730 days of township work (3 × exp ≥ 2 × members)."""
    # 丰山镇 — passes exactly at ⅔: 9 members, 6 experienced (3 × 6 = 2 × 9). Four arrived from county organs with
    # no township history: on 2024-06-30 (exactly 730 days by A: experienced), 2024-07-01 (729 days: not),
    # 2025-03-01 and 2025-11-01 (not).
    for slot, arrived, born in (
        ("副镇长", date(2024, 6, 30), date(1988, 5, 12)),
        ("副镇长#2", date(2024, 7, 1), date(1990, 10, 3)),
        ("武装部长", date(2025, 3, 1), date(1986, 1, 27)),
        ("组织委员", date(2025, 11, 1), date(1991, 7, 8)),
    ):
        cadre = b.cadre_from_county(recruited_on=date(born.year + 23, 8, 1), born=born)
        b.leader(cadre, FENGSHAN, slot, arrived)
    # 枫坑镇 — violated: 8 members, 5 experienced (3 × 5 = 15 < 16): three new members came from county organs in 2025.
    for slot, arrived, born in (
        ("副镇长", date(2025, 4, 1), date(1989, 3, 3)),
        ("副镇长#2", date(2025, 1, 10), date(1987, 12, 19)),
        ("武装部长", date(2025, 9, 1), date(1990, 4, 14)),
    ):
        cadre = b.cadre_from_county(recruited_on=date(born.year + 23, 8, 1), born=born)
        b.leader(cadre, FENGKENG, slot, arrived)


def plant_chief_experience(b: Builder) -> None:
    """LEAD_CHIEF_EXPERIENCE: at the start of a chief post, < 730 leadership days AND < 1095 township days."""
    # 大坪乡 — violated: 乡长 from 2021-03-01, a county cadre whose only township work was one year as a clerk at
    # 茶园乡 (2014-09-01..2015-09-01: 365 days) and no leadership post.
    p = b.person("civil_servant", born=date(1983, 10, 8), gender="male", recruited_on=date(2006, 8, 1))
    b.county_post(p, date(2006, 8, 1), date(2014, 9, 1))
    b.post(p, township=CHAYUAN, role="economy", position="一级科员", start=date(2014, 9, 1))
    b.move(p, date(2015, 9, 1), level="county", county=COUNTY, position="县农业农村局副局长")
    b.chief(p, DAPING, "乡长", date(2021, 3, 1))

    # 茶园乡 — violated, with overlapping postings: 副乡长 from 2022-01-01 and at the same time 党委委员 from
    # 2022-06-01, both until the 乡长 appointment on 2023-09-01. Merged, that is 608 leadership (and township)
    # days, not the 1065 a naive sum gives.
    p = b.person("civil_servant", born=date(1986, 2, 17), gender="female", recruited_on=date(2009, 7, 1))
    b.county_post(p, date(2009, 7, 1), None, title="县委组织部干部科科长")
    b.leader(p, CHAYUAN, "副乡长", date(2022, 1, 1), date(2023, 9, 1), "promotion")
    b.post(p, township=CHAYUAN, start=date(2022, 6, 1), end=date(2023, 9, 1), reason="promotion",
           position="党委委员（兼）", leadership=True)
    b.chief(p, CHAYUAN, "乡长", date(2023, 9, 1))

    # 白鹭镇 — passes on the boundary: 镇长 from 2023-03-01 after exactly 730 days as 副镇长 of 枫坑镇
    # (2021-03-01..2023-03-01), no other township work (730 < 1095, but leadership 730 is not < 730).
    p = b.cadre_from_county(recruited_on=date(2010, 8, 1), born=date(1987, 9, 21))
    b.leader(p, FENGKENG, "副镇长", date(2021, 3, 1), date(2023, 3, 1), "promotion")
    b.chief(p, BAILU, "镇长", date(2023, 3, 1))

    # 杨梅乡 — passes through the other branch: 乡长 from 2024-01-01 with only 579 leadership days (副乡长 from
    # 2022-06-01) but 1461 days of township work (a clerk at 杨梅乡's posts since 2020-01-01).
    p = b.cadre_from_county(recruited_on=date(2012, 8, 1), born=date(1989, 6, 30), gender="female")
    b.move(p, date(2020, 1, 1), township=YANGMEI, role="general", position="四级主任科员")
    b.leader(p, YANGMEI, "副乡长", date(2022, 6, 1), date(2024, 1, 1), "promotion", leave_reason="promotion")
    b.chief(p, YANGMEI, "乡长", date(2024, 1, 1))

    # 梅江镇 — not judged: 党委书记 from 2016-06-01 straight from a county organ, before the rule's 2018-01-01.
    # His post ends after 6 years 2 months (transfer): LEAD_CHIEF_TERM passes.
    p = b.cadre_from_county(recruited_on=date(1998, 8, 1), born=date(1975, 4, 2))
    b.chief(p, MEIJIANG, "党委书记", date(2016, 6, 1), date(2022, 8, 1), "transfer")
    b.county_post(p, date(2022, 8, 1), title="县人大常委会副主任")


def _experienced_deputy(b: Builder, township: str, since: date, until: date, *, born: date) -> str:
    """A cadre who was a deputy in another township of the county from `since` (so a chief post passes 004)."""
    t = TOWNSHIP_BY_CODE[township]
    p = b.person("civil_servant", county=t.county, born=born, gender="male",
                 recruited_on=date(born.year + 22, 8, 1))
    b.county_post(p, date(born.year + 22, 8, 1), since, county=t.county)
    b.post(p, township=township, start=since, end=until, reason="promotion", position=t.deputy_title,
           leadership=True)
    return p


def plant_chief_terms(b: Builder) -> None:
    """LEAD_CHIEF_TERM: a chief post that ends < 5 years after its start, for a reason other than retirement,
    dismissal or death (an empty reason counts as "other")."""
    # 黄陂镇 — violated: 镇长 2020-01-15 .. 2023-01-15 (3 years), transferred to a county organ.
    p = _experienced_deputy(b, SHIMEN, date(2015, 3, 1), date(2020, 1, 15), born=date(1978, 11, 5))
    b.chief(p, HUANGPI, "镇长", date(2020, 1, 15), date(2023, 1, 15), "transfer")
    b.county_post(p, date(2023, 1, 15), title="县水利局局长")

    # 长岗镇 — passes: 镇长 2013-03-01 .. 2019-04-01 (6 years, promoted to 党委书记 of the same town), then 党委书记
    # until 2022-04-01 when he retires at 60: ended after 3 years, but for retirement.
    p = b.person("civil_servant", born=date(1962, 4, 1), gender="male", recruited_on=date(1984, 8, 1))
    b.county_post(p, date(1984, 8, 1), date(2008, 3, 1))
    b.post(p, township=CHANGGANG, start=date(2008, 3, 1), position="副镇长", leadership=True)
    b.chief(p, CHANGGANG, "镇长", date(2013, 3, 1), date(2019, 4, 1), "promotion", leave_reason="promotion")
    b.chief(p, CHANGGANG, "党委书记", date(2019, 4, 1), date(2022, 4, 1), "retirement")

    # 龙塘镇 — violated: 镇长 2019-06-01 .. 2022-06-01, promoted to 党委书记 of the same town after 3 years
    # (promotion is not an exempt reason). The 党委书记 post itself is still held on A.
    p = _experienced_deputy(b, MEIJIANG, date(2014, 6, 1), date(2019, 6, 1), born=date(1980, 7, 19))
    b.chief(p, LONGTANG, "镇长", date(2019, 6, 1), date(2022, 6, 1), "promotion")
    b.chief(p, LONGTANG, "党委书记", date(2022, 6, 1))

    # 竹溪畲族乡 — passes on the boundary: 乡长 2016-03-01 .. 2021-03-01, transferred on the 5-year anniversary.
    p = _experienced_deputy(b, DAPING, date(2012, 9, 1), date(2016, 3, 1), born=date(1976, 1, 23))
    b.chief(p, ZHUXI, "乡长", date(2016, 3, 1), date(2021, 3, 1), "transfer")
    b.county_post(p, date(2021, 3, 1), title="县民族宗教事务局局长")

    # 罗坳镇 — not judged: 镇长 2013-05-01 .. 2017-05-01 (4 years, transfer) ended before 2018-01-01.
    p = _experienced_deputy(b, HUANGPI, date(2009, 5, 1), date(2013, 5, 1), born=date(1972, 8, 14))
    b.chief(p, LUOAO, "镇长", date(2013, 5, 1), date(2017, 5, 1), "transfer")
    b.county_post(p, date(2017, 5, 1), title="县财政局局长")

    # 枫坑镇 — not judged: 党委书记 from 2023-06-01, transferred on 2026-09-30, after the as-of date.
    p = _experienced_deputy(b, CHANGGANG, date(2018, 3, 1), date(2023, 6, 1), born=date(1981, 12, 2))
    b.chief(p, FENGKENG, "党委书记", date(2023, 6, 1), date(2026, 9, 30), "transfer")
    b.county_post(p, date(2026, 9, 30), title="县委办公室主任")

    # 云峰乡 — violated: 党委书记 2018-11-01 .. 2023-05-01 (4 years 6 months); the export leaves 离任原因 empty.
    p = _experienced_deputy(b, BAILU, date(2014, 2, 1), date(2018, 11, 1), born=date(1977, 3, 28))
    b.chief(p, YUNFENG, "党委书记", date(2018, 11, 1), date(2023, 5, 1), None)
    b.county_post(p, date(2023, 5, 1), title="县政协副主席")


def plant_recruit_moves(b: Builder) -> None:
    """STAFF_TRANSFER_LOCK and STAFF_MIN_SERVICE: civil servants newly recruited into a township (on or after
    2018-01-01). Moves before the 2-year anniversary are locked; between the 2- and 5-year anniversaries only a
    township of the same county is allowed; resigning before the 5-year anniversary is a violation."""
    # 梅江镇 — TRANSFER_LOCK violated: recruited 2021-09-01, moved to 龙塘镇 on 2023-08-31, the day before the
    # 2-year anniversary.
    p = b.recruit(MEIJIANG, date(2021, 9, 1))
    b.move(p, date(2023, 8, 31), township=LONGTANG, role="economy", position="一级科员")

    # 石门镇 — passes: recruited 2021-09-01, moved to 黄陂镇 on the anniversary itself, 2023-09-01.
    p = b.recruit(SHIMEN, date(2021, 9, 1), role="social")
    b.move(p, date(2023, 9, 1), township=HUANGPI, role="social", position="一级科员")

    # 茶园乡 — passes: recruited on 29 February 2020; the 2-year anniversary is 2022-02-28 (DuckDB/Spark), the move
    # to 大坪乡 on 2022-02-28 is on it.
    p = b.recruit(CHAYUAN, date(2020, 2, 29))
    b.move(p, date(2022, 2, 28), township=DAPING, role="general", position="一级科员")

    # 白鹭镇 — not judged: recruited 2017-07-01 (before the rules' 2018-01-01), moved to a county organ after 8 months.
    p = b.recruit(BAILU, date(2017, 7, 1))
    b.move(p, date(2018, 3, 1), level="county", county=COUNTY, position="县发展和改革委员会科员")

    # 丰山镇 — not judged: recruited 2025-08-01, moves to a county organ on 2026-08-01, after the as-of date.
    p = b.recruit(FENGSHAN, date(2025, 8, 1))
    b.move(p, date(2026, 8, 1), level="county", county=COUNTY, position="县委宣传部科员")

    # 罗坳镇 — MIN_SERVICE violated: recruited 2019-07-01, moved to a county organ on 2022-10-01 (3 years 3 months).
    p = b.recruit(LUOAO, date(2019, 7, 1))
    b.move(p, date(2022, 10, 1), level="county", county=COUNTY, position="县发展和改革委员会科员")

    # 竹溪畲族乡 — MIN_SERVICE violated: recruited 2018-09-01, moved on 2022-03-01 to 新桥镇, a township of another
    # county (江苏, following a spouse): a township, but not one of the county left.
    p = b.recruit(ZHUXI, date(2018, 9, 1), gender="female")
    b.move(p, date(2022, 3, 1), township=XINQIAO, role="social", position="一级科员")

    # 云峰乡 — MIN_SERVICE violated: recruited 2020-08-01, resigned 2024-07-31 (before the 5-year anniversary).
    p = b.recruit(YUNFENG, date(2020, 8, 1))
    b.leave(p, date(2024, 7, 31), "resignation")

    # 杨梅乡 — MIN_SERVICE violated (and not TRANSFER_LOCK: a resignation is not a move): recruited 2024-09-01,
    # resigned 2025-12-31.
    p = b.recruit(YANGMEI, date(2024, 9, 1), role="social")
    b.leave(p, date(2025, 12, 31), "resignation")

    # 大坪乡 — MIN_SERVICE passes: recruited 2018-08-01, resigned on the 5-year anniversary 2023-08-01.
    p = b.recruit(DAPING, date(2018, 8, 1))
    b.leave(p, date(2023, 8, 1), "resignation")

    # 长岗镇 — MIN_SERVICE passes: recruited 2018-03-01, moved to 县委组织部 on the 5-year anniversary 2023-03-01.
    p = b.recruit(CHANGGANG, date(2018, 3, 1))
    b.move(p, date(2023, 3, 1), level="county", county=COUNTY, position="县委组织部科员")

    # 龙塘镇 — MIN_SERVICE violated, named for the township *left*: recruited at 梅江镇 2019-03-01, moved to 龙塘镇
    # 2021-06-01 (after 2 years, same county: passes), then from 龙塘镇 to a county organ on 2023-06-01 (4y3m).
    p = b.recruit(MEIJIANG, date(2019, 3, 1))
    b.move(p, date(2021, 6, 1), township=LONGTANG, role="general", position="一级科员")
    b.move(p, date(2023, 6, 1), level="county", county=COUNTY, position="县财政局科员")

    # 白鹭镇 — no move: recruited 2022-03-01 in 党政综合办公室, moved to 经济发展办公室 of the same town on 2023-01-01.
    p = b.recruit(BAILU, date(2022, 3, 1))
    b.move(p, date(2023, 1, 1), township=BAILU, role="economy", position="一级科员")

    # 湖塘镇 — not covered (江苏: the 004 rules are in force for 3607 only): recruited 2022-08-01, moved to 新桥镇
    # on 2023-03-01.
    p = b.recruit(HUTANG, date(2022, 8, 1))
    b.move(p, date(2023, 3, 1), township=XINQIAO, role="economy", position="一级科员")


def plant_secondments(b: Builder) -> None:
    """STAFF_SECONDMENT (warn): a township cadre lent to a county, city or province organ."""
    # 青岚街道 — violated once, though lent twice: to a city organ 2021-05-01..2022-04-30 and to a county organ
    # 2024-03-01..2024-08-31 while the home posting continues (overlapping postings). The earliest is reported.
    p = b.person("civil_servant", born=date(1984, 6, 9), recruited_on=date(2008, 8, 1))
    b.county_post(p, date(2008, 8, 1), date(2013, 4, 1))
    b.post(p, township=QINGLAN, role="general", position="三级主任科员", start=date(2013, 4, 1))
    b.second(p, date(2021, 5, 1), date(2022, 4, 30), level="city", position="赣州市委政策研究室（借调）")
    b.second(p, date(2024, 3, 1), date(2024, 8, 31), level="county", county=COUNTY, position="县委巡察办（借调）")

    # 枫坑镇 — violated: a recruit of 2022-03-01 lent to 县乡村振兴局 2023-04-01..2023-10-01. Secondments are set
    # aside when looking for moves, so STAFF_TRANSFER_LOCK is not broken.
    p = b.recruit(FENGKENG, date(2022, 3, 1))
    b.second(p, date(2023, 4, 1), date(2023, 10, 1), level="county", county=COUNTY, position="县乡村振兴局（借调）")

    # 梅江镇 — not judged: lent in 2017 (before 2018-01-01) and again from 2026-07-15 (after the as-of date).
    p = b.person("civil_servant", born=date(1982, 1, 30), recruited_on=date(2005, 8, 1))
    b.post(p, township=MEIJIANG, role="economy", position="二级主任科员", start=date(2011, 3, 1))
    b.second(p, date(2017, 3, 1), date(2017, 12, 31), level="county", county=COUNTY, position="县统计局（借调）")
    b.second(p, date(2026, 7, 15), None, level="county", county=COUNTY, position="县委改革办（借调）")

    # 大坪乡 — passes: lent to another township (梅江镇) 2022-03-01..2022-12-31; only higher organs count.
    p = b.person("civil_servant", born=date(1987, 11, 11), recruited_on=date(2010, 8, 1))
    b.post(p, township=DAPING, role="social", position="四级主任科员", start=date(2012, 5, 1))
    b.second(p, date(2022, 3, 1), date(2022, 12, 31), level="township", township=MEIJIANG, position="借调梅江镇")

    # 新桥镇 — not covered (江苏): lent to a county organ 2023-05-01..2023-11-30.
    p = b.person("civil_servant", county=JS_COUNTY, born=date(1985, 4, 4), recruited_on=date(2009, 8, 1))
    b.post(p, township=XINQIAO, role="general", position="四级主任科员", start=date(2013, 9, 1))
    b.second(p, date(2023, 5, 1), date(2023, 11, 30), level="county", county=JS_COUNTY, position="县发展和改革委员会（借调）")


def plant_appraisals(b: Builder) -> None:
    """APPR_EXCELLENT_RATIO: per appraising township and year, civil servants graded excellent ≤ 20% of those
    graded (not_graded excluded). The grade patterns are applied in `_appraisals` to whoever is in the group."""
    # 龙塘镇 2023 — passes exactly at 20% of graded civil servants; the institution staff of that year have more
    # excellent grades, which must not be counted (counting them would give more than 20%).
    b.grade_plans[(LONGTANG, 2023, "civil_servant")] = "exactly_20"
    b.grade_plans[(LONGTANG, 2023, "institution")] = "half_excellent"
    # 茶园乡 2024 — violated: k excellent of 5k − 1 graded civil servants; the not_graded ones would dilute it to
    # ≤ 20% if (wrongly) counted.
    b.grade_plans[(CHAYUAN, 2024, "civil_servant")] = "over_unless_not_graded_counted"
    # 石门镇 2020 — violated plainly: one excellent more than 20% allows.
    b.grade_plans[(SHIMEN, 2020, "civil_servant")] = "one_over"
    # 梅江镇 2017 — not judged: over 20%, but the year's 31 December is before 2018-01-01.
    b.grade_plans[(MEIJIANG, 2017, "civil_servant")] = "one_over"
    # 新桥镇 2022 — not covered (江苏).
    b.grade_plans[(XINQIAO, 2022, "civil_servant")] = "one_over"


SCENARIOS = (
    plant_unit_scenarios,
    plant_social_workers,
    plant_team_experience,
    plant_chief_experience,
    plant_chief_terms,
    plant_recruit_moves,
    plant_secondments,
    plant_appraisals,
)


# --------------------------------------------------------------------------------------------------------------
# The compliant background
# --------------------------------------------------------------------------------------------------------------


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _units_from(t: Township) -> date:
    """When the township's unit records begin (the 2009 structure; the 江苏 towns' 2012 set-up)."""
    return date(2012, 6, 1) if t.county == JS_COUNTY else OLD_UNITS_FROM


class _Background:
    """Fills every township with people who keep every rule, around the planted scenarios."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.rng = b.rng

    def run(self) -> None:
        for t in TOWNSHIPS:
            for slot in t.slots:
                self.fill_slot(t, slot)
        for t in TOWNSHIPS:
            self.staff(t)

    # ---- leadership --------------------------------------------------------------------------------------------

    def fill_slot(self, t: Township, slot: Slot) -> None:
        """Holders for every stretch of the post's history that no scenario planted, from ~2012 to beyond A."""
        planted = sorted(self.b.tenures.get((t.code, slot.key), []), key=lambda x: x.start)
        gaps: list[tuple[date | None, date | None]] = []
        if not planted:
            gaps.append((None, None))
        else:
            gaps.append((None, planted[0].start))
            for before, after in zip(planted, planted[1:]):
                assert before.end is not None and before.end <= after.start
                if before.end < after.start:
                    gaps.append((before.end, after.start))
            if planted[-1].end is not None and planted[-1].end <= AS_OF:
                gaps.append((planted[-1].end, None))
        for gap_from, gap_to in gaps:
            self.fill_gap(t, slot, gap_from, gap_to)

    def tenure(self, slot: Slot) -> int:
        """Days in post: chiefs always at least 5 years and a margin (LEAD_CHIEF_TERM), others 4–9 years."""
        return self.rng.randint(5 * 365 + 60, 7 * 365 + 200) if slot.is_chief else self.rng.randint(4 * 365, 9 * 365)

    def fill_gap(self, t: Township, slot: Slot, gap_from: date | None, gap_to: date | None) -> None:
        if gap_from is None:
            if gap_to is None:
                start = date(2011, 1, 1) + _days(self.rng.randint(0, 5 * 365))
            else:
                start = gap_to - _days(self.tenure(slot))
        else:
            start = gap_from
        while True:
            if gap_to is not None:
                if slot.is_chief and start >= date(2012, 1, 1):
                    assert anniversary(start, 5) <= gap_to, (t.name, slot.key, start, gap_to)
                self.leader(t, slot, start, gap_to)
                return
            end = start + _days(self.tenure(slot))
            if end > AS_OF:
                self.leader(t, slot, start, None)
                return
            self.leader(t, slot, start, end)
            start = end

    def leader(self, t: Township, slot: Slot, start: date, end: date | None) -> None:
        """A background holder: arrives with ≥ 3 years of township history (or from a county organ before 2024),
        so LEAD_CHIEF_EXPERIENCE and LEAD_TEAM_EXPERIENCE hold; leaves for a county organ or retires."""
        b, rng = self.b, self.rng
        latest = end or AS_OF
        born_year = rng.randint(max(latest.year - 57, 1963), min(start.year - 30, 1986))
        born = date(born_year, 1, 1) + _days(rng.randint(0, 364))
        recruited = date(born_year + rng.randint(21, 24), rng.choice((7, 8, 9)), 1)
        assert recruited < RULES_FROM
        person = b.person("civil_servant", county=t.county, born=born, recruited_on=recruited,
                          gender="female" if rng.random() < 0.2 else "male",
                          surnames=SHE_SURNAMES if t.code == ZHUXI and rng.random() < 0.5 else None)
        prior_start = max(start - _days(rng.randint(3 * 365 + 30, 6 * 365)), recruited)
        others = [o for o in TOWNSHIPS if o.county == t.county and o.code != t.code]
        other = rng.choice(others)
        if prior_start > recruited:
            b.county_post(person, recruited, prior_start, county=t.county)
        if slot.is_chief:
            b.post(person, township=other.code, start=prior_start, end=start, reason="promotion",
                   position=rng.choice((other.deputy_title, other.deputy_secretary_title)), leadership=True)
        elif (start <= date(2023, 12, 31) and rng.random() < 0.4) or not b.roles_on(
            other.code, prior_start, CS_ROLES[:4]
        ):
            b.county_post(person, prior_start, start, "transfer", county=t.county)
        else:
            role = rng.choice(b.roles_on(other.code, prior_start, CS_ROLES[:4]))
            b.post(person, township=other.code, start=prior_start, end=start, reason="promotion", role=role,
                   position=rng.choice(("四级主任科员", "三级主任科员", "一级科员")))
        reason = None
        if end is not None:
            age_at_end = end.year - born_year
            reason = "retirement" if age_at_end >= 59 else rng.choice(("transfer", "promotion", "transfer"))
        b.tenures[(t.code, slot.key)].append(_Tenure(person, start, end))
        b.post(person, township=t.code, start=start, end=end, reason=reason, position=slot.position,
               leadership=True, chief=slot.is_chief)
        if end is not None and reason != "retirement":
            b.county_post(person, end, None, county=t.county, senior=True)

    # ---- staff -------------------------------------------------------------------------------------------------

    def staff(self, t: Township) -> None:
        jiangsu = t.county == JS_COUNTY
        rng = self.rng
        for _ in range(rng.randint(2, 3) if jiangsu else rng.randint(3, 4)):
            self.senior_civil_servant(t)
        for year in range(2016, 2026):
            n = rng.choices((0, 1, 2), weights=(6, 3, 1) if jiangsu else (4, 5, 1))[0]
            for _ in range(n):
                self.recruit(t, date(year, rng.choice((7, 8, 9)), rng.choice((1, 1, 15))))
        for _ in range(rng.randint(2, 3) if jiangsu else rng.randint(4, 6)):
            self.institution_staff(t)
        if t.code not in self.b.own_social_workers:
            active = rng.randint(1, 2) if jiangsu else rng.randint(3, 5)
            for _ in range(active):
                self.b.social_worker(t.code, date(2019, 6, 1) + _days(rng.randint(0, 6 * 365)))
            if rng.random() < 0.5:
                start = date(2019, 3, 1) + _days(rng.randint(0, 700))
                self.b.social_worker(t.code, start, start + _days(rng.randint(300, 1000)), "resignation")
        other = self.b.person("other", county=t.county, with_id=rng.random() < 0.6)
        self.b.post(other, township=t.code, role="center", position="编外聘用人员",
                    start=date(2016, 1, 1) + _days(rng.randint(0, 2500)))

    def senior_civil_servant(self, t: Township) -> None:
        """Recruited before 2018: not a newly recruited civil servant, free to move; some retire."""
        b, rng = self.b, self.rng
        born = date(rng.randint(1958, 1988), 1, 1) + _days(rng.randint(0, 364))
        recruited = date(max(born.year + rng.randint(21, 26), 1995), 8, 1)
        start = max(recruited, _units_from(t)) + _days(rng.randint(0, 5 * 365))
        start = max(min(start, date(2015, 12, 1)), recruited)
        person = b.person("civil_servant", county=t.county, born=born, recruited_on=recruited,
                          surnames=SHE_SURNAMES if t.code == ZHUXI else None)
        if recruited < start:
            b.county_post(person, recruited, start, county=t.county)
        role = rng.choice(b.roles_on(t.code, start, CS_ROLES))
        b.post(person, township=t.code, role=role, start=start,
               position=rng.choice(("二级主任科员", "三级主任科员", "四级主任科员", "一级科员")))
        retire_on = anniversary(born, 60)
        if retire_on <= AS_OF:
            b.leave(person, retire_on, "retirement")
        elif rng.random() < 0.25:
            b.move(person, date(2017, 1, 1) + _days(rng.randint(0, 8 * 365)), level="county", county=t.county,
                   position=rng.choice(COUNTY_ORGANS) + "四级主任科员")

    def recruit(self, t: Township, on: date) -> None:
        """A recruit who keeps 004: stays, or moves to another township of the county between the 2- and 5-year
        anniversaries (with a margin), or to a county organ after the 5-year anniversary."""
        b, rng = self.b, self.rng
        role = rng.choice(b.roles_on(t.code, on, CS_ROLES[:4]))
        person = b.recruit(t.code, on, role=role)
        fate = rng.choices(("stay", "township", "county"), weights=(13, 4, 3))[0]
        if fate == "township":
            when = anniversary(on, 2) + _days(rng.randint(45, 700))
            if when <= AS_OF and when < anniversary(on, 5) - _days(30):
                dest = rng.choice([o for o in TOWNSHIPS if o.county == t.county and o.code != t.code])
                b.move(person, when, township=dest.code, role=rng.choice(b.roles_on(dest.code, when, CS_ROLES[:4])),
                       position="一级科员")
        elif fate == "county":
            when = anniversary(on, 5) + _days(rng.randint(30, 400))
            if when <= AS_OF:
                b.move(person, when, level="county", county=t.county,
                       position=rng.choice(COUNTY_ORGANS) + "一级科员")

    def institution_staff(self, t: Township) -> None:
        b, rng = self.b, self.rng
        start = min(_units_from(t) + _days(rng.randint(0, 15 * 365)), date(2025, 10, 1))
        born_year = rng.randint(max(1967, start.year - 45), min(1999, start.year - 21))
        born = date(born_year, 1, 1) + _days(rng.randint(0, 364))
        person = b.person("institution", county=t.county, born=born)
        roles = b.roles_on(t.code, start, INSTITUTION_ROLES)
        b.post(person, township=t.code, role=rng.choice(roles), start=start,
               position=rng.choice(("专业技术人员", "管理人员", "技术员", "站长" if rng.random() < 0.2 else "办事员")))
        left = start + _days(rng.randint(400, 3000))
        if rng.random() < 0.2 and left <= AS_OF:
            b.leave(person, left, rng.choice(("transfer", "resignation")))


# --------------------------------------------------------------------------------------------------------------
# Finishing: units on postings, appraisals, frames
# --------------------------------------------------------------------------------------------------------------


def _split_by_unit(b: Builder, p: _Posting) -> list[dict]:
    """A township posting held in a kind of work becomes one row per unit that did that work over its span
    (the 2019 reform moves everyone to the new units: same township, so not a move)."""
    row = dict(person_id=p.person_id, org_level=p.org_level, township_code=p.township_code,
               county_code=p.county_code, unit_id=p.unit_id, position=p.position,
               is_leadership=p.is_leadership, is_chief=p.is_chief, is_secondment=p.is_secondment,
               start_date=p.start, end_date=p.end, end_reason=p.reason, _seq=p.seq)
    if p.org_level != "township" or p.role is None:
        return [row]
    segments = b.lineage[p.township_code][p.role]
    assert segments[0][1] <= p.start, (p, segments[0])
    end = p.end or FAR_FUTURE
    pieces = [(u, max(p.start, lo), min(end, hi or FAR_FUTURE)) for u, lo, hi in segments]
    pieces = [x for x in pieces if x[1] < x[2]]
    rows = []
    for i, (unit_id, lo, hi) in enumerate(pieces):
        last = i == len(pieces) - 1
        rows.append(row | dict(unit_id=unit_id, start_date=lo, end_date=p.end if last else hi,
                               end_reason=p.reason if last else "other"))
    return rows


def _appraisals(b: Builder, postings: pl.DataFrame, people: pl.DataFrame) -> list[dict]:
    """Annual appraisals 2016–2025 of civil servants and institution staff, by the township of the (non-secondment)
    township posting they hold on 31 December. A civil servant's recruitment year is not graded (probation)."""
    rng = b.rng
    rows: list[dict] = []
    category = dict(zip(people["person_id"], people["staff_category"]))
    recruited = dict(zip(people["person_id"], people["recruited_on"]))
    township_postings = postings.filter(
        (pl.col("org_level") == "township") & ~pl.col("is_secondment")
        & pl.col("person_id").is_in(
            people.filter(pl.col("staff_category").is_in(["civil_servant", "institution"]))["person_id"].to_list()
        )
    )
    for year in range(2016, 2026):
        dec31 = date(year, 12, 31)
        active = (
            township_postings
            .filter((pl.col("start_date") <= dec31) & (pl.col("end_date").is_null() | (pl.col("end_date") > dec31)))
            .sort("start_date", "posting_id", descending=[True, False])
            .unique("person_id", keep="first", maintain_order=True)
        )
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for person_id, township in active.select("person_id", "township_code").sort("person_id").iter_rows():
            groups[(township, category[person_id])].append(person_id)
        for (township, cat), members in sorted(groups.items()):
            probation = [m for m in members if cat == "civil_servant" and recruited[m] and recruited[m].year == year]
            grades = _grade_group(rng, members, probation, b.grade_plans.get((township, year, cat)))
            rows += [dict(person_id=m, year=year, township_code=township, grade=grades[m]) for m in members]
    return rows


def _grade_group(rng: random.Random, members: list[str], probation: list[str], plan: str | None) -> dict[str, str]:
    """Grades of one township-year group. Background: excellent ≤ ⌊graded / 5⌋ (never more than 20%)."""
    grades = {m: "not_graded" for m in probation}
    candidates = [m for m in members if m not in grades]
    n = len(members)
    if plan == "exactly_20":
        # Mark extra not_graded (long sick leave) so that the graded count is a multiple of 5, then exactly 1 in 5.
        extra = len(candidates) % 5
        for m in rng.sample(candidates, extra):
            grades[m] = "not_graded"
        candidates = [m for m in candidates if m not in grades]
        excellent = len(candidates) // 5
        assert excellent >= 1, members
    elif plan == "over_unless_not_graded_counted":
        # k = ⌊n/5⌋ excellent of 5k − 1 graded: 100k > 20(5k − 1), while 100k ≤ 20n if not_graded were counted.
        excellent = n // 5
        not_graded = n - (5 * excellent - 1)
        assert excellent >= 1 and not_graded >= len(probation), (n, probation)
        for m in rng.sample(candidates, not_graded - len(probation)):
            grades[m] = "not_graded"
        candidates = [m for m in candidates if m not in grades]
    elif plan == "one_over":
        excellent = len(candidates) // 5 + 1
    elif plan == "half_excellent":
        excellent = (len(candidates) + 1) // 2
    else:
        excellent = max(0, len(candidates) // 5 - (1 if rng.random() < 0.3 else 0))
    chosen = set(rng.sample(candidates, excellent))
    for m in candidates:
        if m in chosen:
            grades[m] = "excellent"
        else:
            roll = rng.random()
            grades[m] = "basically_competent" if roll < 0.03 else ("incompetent" if roll < 0.035 else "competent")
    return grades


def _frame(entity: Entity, rows: list[dict]) -> pl.DataFrame:
    """Rows as a frame typed by the contract: text as String, dates as Date, booleans as Boolean, ints as Int64."""
    dtypes = {"int": pl.Int64, "bool": pl.Boolean, "date": pl.Date}
    schema = {c.name: dtypes.get(c.kind, pl.String) for c in entity.columns}
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


WAIVERS = (
    # In force (approved before the appointment, open-ended): 004 三(三) says a chief "一般应有" the experience, and
    # this is the approved exception for P0015's appointment at 大坪乡 → the finding carries the approval number and
    # the scorecard says `waived` for LEAD_CHIEF_EXPERIENCE at 大坪乡.
    dict(waiver_id="LW-2021-01", rule_id="LEAD_CHIEF_EXPERIENCE", township_code=DAPING, person_id="P0015",
         approval_no="青编委〔2021〕3号", approved_by="青岚县机构编制委员会", approved_on=date(2021, 2, 20),
         reason="乡村振兴重点帮扶乡急需熟悉农业农村工作的干部，经县委常委会研究同意任用"),
    # Expired on the day before the as-of date → covers nothing: 枫坑镇's team finding reads as any other, and the
    # waiver is listed as covering no finding.
    dict(waiver_id="LW-2025-02", rule_id="LEAD_TEAM_EXPERIENCE", township_code=FENGKENG,
         approval_no="青编委〔2025〕7号", approved_by="青岚县机构编制委员会", approved_on=date(2025, 2, 1),
         valid_until=AS_OF - timedelta(days=1), reason="班子调整过渡期，限期配齐具有乡镇工作经历的成员"),
    # Valid to the as-of date itself → in force: P0041's secondment finding is covered (status `waived`).
    dict(waiver_id="LW-2024-03", rule_id="STAFF_SECONDMENT", township_code=QINGLAN, person_id="P0041",
         approval_no="青组干〔2024〕12号", approved_by="中共青岚县委组织部", approved_on=date(2024, 2, 20),
         valid_until=AS_OF, reason="县委专项巡察工作需要，借调期至 2026 年 6 月 30 日"),
    # In force but matching no finding (石门镇 has exactly 7 stations): a stale approval, listed as covering nothing.
    dict(waiver_id="LW-2023-04", rule_id="ORG_STATION_MAX", township_code=SHIMEN,
         approval_no="赣市编办〔2023〕21号", approved_by="赣州市机构编制委员会办公室", approved_on=date(2023, 3, 1),
         reason="同意暂保留第 8 个事业站所（该站所已于 2024 年撤并）"),
)
"""The approved exceptions (批准例外, contract v1.1): one of each case the issue names (docs/rules.md)."""


def build_demo() -> dict[str, pl.DataFrame]:
    """The demo's five entities and its approved exceptions (contract column names, English codes).
    Deterministic: one seeded generator."""
    b = Builder(rng=random.Random(SEED))
    for plant in SCENARIOS:
        plant(b)
    _Background(b).run()

    townships = [
        dict(township_code=t.code, township_name=t.name, township_type=t.type, county_code=t.county,
             is_small=t.is_small, is_developed_town=t.is_developed_town,
             approved_leader_posts=t.approved_leader_posts)
        for t in TOWNSHIPS
    ]
    rows = [r for p in b.postings for r in _split_by_unit(b, p)]
    for r in rows:
        if r["township_code"] and r["township_code"].startswith(JS_COUNTY):
            r["county_code"] = None  # this county's export leaves it empty: it defaults to the township's county
    rows.sort(key=lambda r: (r["person_id"], r["start_date"], r["_seq"]))
    for i, r in enumerate(rows, start=1):
        r["posting_id"] = f"R{i:05d}"

    people = _frame(ENTITY_BY_NAME["people"], b.people)
    postings = _frame(ENTITY_BY_NAME["postings"], rows)
    appraisals = _frame(ENTITY_BY_NAME["appraisals"], _appraisals(b, postings, people))
    return {
        "townships": _frame(ENTITY_BY_NAME["townships"], townships),
        "units": _frame(ENTITY_BY_NAME["units"], b.units).sort("unit_id"),
        "people": people,
        "postings": postings,
        "appraisals": appraisals.sort("year", "township_code", "person_id"),
        "waivers": _frame(ENTITY_BY_NAME["waivers"], list(WAIVERS)),
    }


def write_demo(out_dir: Path, style: Literal["english", "chinese"] = "chinese") -> list[Path]:
    """Write the demo in the contract's formats; `demo/` in the repository is `write_demo(Path("demo"))`."""
    return write_inputs(build_demo(), Path(out_dir), style=style)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.synthetic.demo", description="写出演示数据 / write the demo data set")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--style", choices=("english", "chinese"), default="chinese")
    args = parser.parse_args(argv)
    frames = build_demo()
    paths = write_demo(args.out_dir, args.style)
    counts = "，".join(f"{ENTITY_BY_NAME[k].alias} {v.height}" for k, v in frames.items())
    print(f"已写出演示数据 {len(paths)} 个文件到 {args.out_dir}：{counts} / wrote {len(paths)} demo files")
    return 0


if __name__ == "__main__":
    sys.exit(main())

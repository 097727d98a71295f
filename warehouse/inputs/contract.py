"""The input contract (contract.md section 1): entities, columns, aliases, types and enumerations.

This is the one place the column specs live. The loader, the demo writer, the generator and the tests all read
them from here, so a new optional column is added once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "code", "int", "bool", "date", "enum", "id_number"]

TOWNSHIP_TYPES = {"town": "镇", "township": "乡", "ethnic_township": "民族乡", "subdistrict": "街道"}
UNIT_KINDS = {
    "office": "综合性办公室",
    "post": "综合性岗位",
    "institute": "行政所",
    "station": "事业站所",
    "center": "便民服务中心",
    "dispatched": "派驻机构",
}
GENDERS = {"male": "男", "female": "女"}
STAFF_CATEGORIES = {
    "civil_servant": "公务员",
    "institution": "事业人员",
    "social_worker": "社会工作者",
    "other": "其他",
}
ORG_LEVELS = {"township": "乡镇", "county": "县级", "city": "市级", "province": "省级", "other": "其他"}
END_REASONS = {
    "transfer": "调动",
    "promotion": "提拔",
    "resignation": "辞职",
    "retirement": "退休",
    "dismissal": "辞退",
    "death": "死亡",
    "other": "其他",
}
GRADES = {
    "excellent": "优秀",
    "competent": "称职",
    "basically_competent": "基本称职",
    "incompetent": "不称职",
    "not_graded": "不定等次",
}


@dataclass(frozen=True)
class Column:
    name: str
    alias: str
    kind: Kind
    required: bool = False
    unique: bool = False
    enum: dict[str, str] | None = None
    digits: tuple[int, ...] = ()
    """Allowed lengths of a digit code (`code` kind)."""
    default: object = None
    """Value used where the cell is empty (booleans default to false)."""


@dataclass(frozen=True)
class Reference:
    column: str
    entity: str
    target_column: str


@dataclass(frozen=True)
class Entity:
    name: str
    alias: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = field(default_factory=tuple)
    optional: bool = False
    """An optional input (contract v1.1): a missing file means no rows, where a missing required one stops the run."""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns whose header must be present in the file (a missing one stops the run)."""
        return tuple(c.name for c in self.columns if c.required)


TOWNSHIPS = Entity(
    name="townships",
    alias="乡镇",
    key=("township_code",),
    columns=(
        Column("township_code", "乡镇代码", "code", required=True, unique=True, digits=(9, 12)),
        Column("township_name", "乡镇名称", "text", required=True),
        Column("township_type", "类型", "enum", enum=TOWNSHIP_TYPES),
        Column("county_code", "县级代码", "code", required=True, digits=(6,)),
        Column("is_small", "规模较小", "bool", default=False),
        Column("is_developed_town", "经济发达镇", "bool", default=False),
        Column("approved_leader_posts", "领导职数", "int"),
    ),
)

UNITS = Entity(
    name="units",
    alias="机构",
    key=("unit_id",),
    columns=(
        Column("unit_id", "机构编号", "text", required=True, unique=True),
        Column("township_code", "乡镇代码", "code", required=True, digits=(9, 12)),
        Column("unit_name", "机构名称", "text", required=True),
        Column("unit_kind", "机构类别", "enum", required=True, enum=UNIT_KINDS),
        Column("established_on", "设立日期", "date", required=True),
        Column("abolished_on", "撤销日期", "date"),
    ),
    references=(Reference("township_code", "townships", "township_code"),),
)

PEOPLE = Entity(
    name="people",
    alias="人员",
    key=("person_id",),
    columns=(
        Column("person_id", "人员编号", "text", required=True, unique=True),
        Column("name", "姓名", "text", required=True),
        Column("id_number", "身份证号", "id_number"),
        Column("gender", "性别", "enum", enum=GENDERS),
        Column("birth_date", "出生日期", "date"),
        Column("staff_category", "人员类别", "enum", enum=STAFF_CATEGORIES),
        Column("recruited_on", "录用日期", "date"),
    ),
)

POSTINGS = Entity(
    name="postings",
    alias="任职",
    key=("posting_id",),
    columns=(
        Column("posting_id", "任职编号", "text", required=True, unique=True),
        Column("person_id", "人员编号", "text", required=True),
        Column("org_level", "单位层级", "enum", required=True, enum=ORG_LEVELS),
        Column("township_code", "乡镇代码", "code", digits=(9, 12)),
        Column("county_code", "县级代码", "code", digits=(6,)),
        Column("unit_id", "机构编号", "text"),
        Column("position", "职务", "text"),
        Column("is_leadership", "领导班子成员", "bool", default=False),
        Column("is_chief", "党政正职", "bool", default=False),
        Column("is_secondment", "借调", "bool", default=False),
        Column("start_date", "任职日期", "date", required=True),
        Column("end_date", "离任日期", "date"),
        Column("end_reason", "离任原因", "enum", enum=END_REASONS),
    ),
    # No reference from township_code: postings are the whole work history (contract section 1), and earlier
    # township postings of a cadre from another county or province are in townships the file does not hold.
    references=(
        Reference("person_id", "people", "person_id"),
        Reference("unit_id", "units", "unit_id"),
    ),
)

APPRAISALS = Entity(
    name="appraisals",
    alias="考核",
    key=("person_id", "year"),
    columns=(
        Column("person_id", "人员编号", "text", required=True),
        Column("year", "年度", "int", required=True),
        Column("township_code", "乡镇代码", "code", required=True, digits=(9, 12)),
        Column("grade", "等次", "enum", required=True, enum=GRADES),
    ),
    # township_code is the organ that appraised, which may be a township the file does not hold (an appraisal
    # from before the person came): kept, it counts for no loaded township.
    references=(Reference("person_id", "people", "person_id"),),
)

WAIVERS = Entity(
    name="waivers",
    alias="批准例外",
    key=("waiver_id",),
    optional=True,
    columns=(
        Column("waiver_id", "例外编号", "text", required=True, unique=True),
        Column("rule_id", "规则编号", "text", required=True),
        Column("township_code", "乡镇代码", "code", required=True, digits=(9, 12)),
        Column("person_id", "人员编号", "text"),
        Column("period", "期间", "int"),
        Column("approval_no", "批准文号", "text", required=True),
        Column("approved_by", "批准机关", "text"),
        Column("approved_on", "批准日期", "date", required=True),
        Column("valid_until", "有效期至", "date"),
        Column("reason", "理由", "text"),
    ),
    # A waiver excuses findings, and findings name only the townships of the townships file and loaded people: a
    # waiver naming another township or person could never cover anything, so it is rejected (a mistyped code)
    # rather than kept unused (docs/rules.md, "Approved exceptions"). rule_id must be a rule of the rulebook.
    references=(
        Reference("township_code", "townships", "township_code"),
        Reference("person_id", "people", "person_id"),
    ),
)

ENTITIES: tuple[Entity, ...] = (TOWNSHIPS, UNITS, PEOPLE, POSTINGS, APPRAISALS)
"""The five required inputs, in load order: an entity only references entities before it."""

OPTIONAL_ENTITIES: tuple[Entity, ...] = (WAIVERS,)
"""Inputs a folder may leave out (contract v1.1): approved exceptions. Loaded after the five."""

INPUT_ENTITIES: tuple[Entity, ...] = ENTITIES + OPTIONAL_ENTITIES
"""Every input the loader reads, in load order."""

USER_RULEBOOK = Entity(
    name="rulebook_parameters",
    alias="规则库参数",
    key=("rule_id", "jurisdiction_prefix", "valid_from", "parameter"),
    columns=(
        Column("param_id", "参数编号", "text"),
        Column("rule_id", "规则编号", "text", required=True),
        Column("jurisdiction_prefix", "辖区代码前缀", "text", required=True),
        Column("jurisdiction_name", "辖区名称", "text", required=True),
        Column("valid_from", "生效日期", "date", required=True),
        Column("valid_until", "失效日期", "date"),
        Column("parameter", "参数", "text", required=True),
        Column("value", "取值", "text", required=True),
        Column("document", "文件", "text", required=True),
        Column("document_short", "文件简称", "text", required=True),
        Column("clause", "条款", "text", required=True),
        Column("quote_zh", "原文", "text", required=True),
    ),
)
"""A user rulebook (contract section 6): the columns of seeds/rulebook/rulebook_parameters.csv, in its order, with
a Chinese alias each. Not an input entity of a load: `warehouse build|run|snapshot --rulebook` reads it
(warehouse/inputs/user_rulebook.py); a sheet named like it (either name) is read from a workbook, else the first.
param_id may be left out (it is derived) and valid_until left empty (in force until superseded)."""

ENTITY_BY_NAME = {e.name: e for e in INPUT_ENTITIES}

DUCKDB_TYPES: dict[Kind, str] = {
    "text": "varchar",
    "code": "varchar",
    "int": "integer",
    "bool": "boolean",
    "date": "date",
    "enum": "varchar",
    "id_number": "varchar",
}

RAW_SCHEMA = "raw"
"""The loader writes one table per entity here, plus `rejects` and `load_files`."""

ID_NUMBER_STORED_AS = ("id_number_hash", "id_number_masked")
"""id_number never lands in clear: the raw people table has these two columns instead."""

REJECT_COLUMNS = ("file", "row", "column", "value", "reason_zh", "reason_en", "entity", "record")
"""rejects.csv: one line per rejected input row; `record` is the row as JSON with id_number masked."""

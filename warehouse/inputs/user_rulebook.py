"""A user rulebook (contract section 6): an office's own rows of the rulebook's parameter table, added to the shipped
rulebook by `warehouse build|run|snapshot --rulebook PATH` (or `$WAREHOUSE_RULEBOOK`).

The file is read as the inputs are (CSV in UTF-8, UTF-8 with BOM or GB18030; XLSX; English or Chinese headers;
dates in every style the inputs accept: warehouse.inputs.load) and validated whole before anything is built or
loaded. A file with any problem stops the command with exit status 2 and one message that lists every problem by
file, Excel row and column, Chinese first: nothing is half-applied, and the warehouse is left as it was. What a
rule's parameters are, their types and which a version must set come from
seeds/rulebook/rulebook_parameter_definitions.csv (warehouse.inputs.rulebook.definitions).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from warehouse.inputs.contract import USER_RULEBOOK, Column
from warehouse.inputs.load import (
    EXTRA_PREFIX,
    SUFFIXES,
    InputError,
    column_names,
    file_sha256,
    parse_reasons,
    read_table,
)
from warehouse.inputs.parse import FALSE_WORDS, TRUE_WORDS, parse_column
from warehouse.inputs.rulebook import PARAMETER_COLUMNS, Definition, definitions, param_id, rule_ids, rulebook_version

RULEBOOK_VARIABLE = "WAREHOUSE_RULEBOOK"
"""Where the user rulebook is when no --rulebook is given."""

SAME_CLAUSE = (("STAFF_TRANSFER_LOCK", "STAFF_MIN_SERVICE", "lock_years"),)
"""Parameters two rules read from one sentence of one clause (004 三(三): "在乡镇工作 2 年内一律不得调动；已满 2 年
但不满 5 年的，可在本县…乡镇之间调动"). Each rule keeps its own row, so a user rulebook must set them together:
same prefix, same dates, same value (tests/dbt/rulebook_lock_years_agree.sql checks the merged rulebook)."""

SHOWN_PROBLEMS = 30
"""Problems listed in the message; the count of the rest follows."""

CODE_COLUMNS = ("param_id", "rule_id", "jurisdiction_prefix", "parameter", "value")
"""Cells read as codes: NFKC (full-width `３６０７` is `3607`) and trimmed. The other text cells (names, document,
clause, quote) are only trimmed: a quotation keeps its full-width punctuation."""

COLUMN = {column.name: column for column in USER_RULEBOOK.columns}


@dataclass(frozen=True)
class UserRulebook:
    path: Path
    """The file as given, made absolute."""
    sha256: str
    rows: tuple[dict[str, object], ...]
    """The validated rows in canonical form: the seed's columns (dates as dates, values as `5`, `true`, `20`,
    param_id filled in) and `source_row`, the row's Excel number."""


@dataclass(frozen=True)
class Rulebook:
    """The rulebook a build judges with: the shipped seeds, and a user rulebook when one is given."""

    version: str
    user: UserRulebook | None = None

    def describe(self) -> str:
        if self.user is None:
            return f"规则库 / rulebook {self.version}: 内置 / shipped"
        return (
            f"规则库 / rulebook {self.version}: 内置 + 用户规则库 / shipped + user rulebook {self.user.path} "
            f"({len(self.user.rows)} 行 / rows, sha256 {self.user.sha256[:16]}…)"
        )


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    zh: str
    en: str


def resolve_rulebook(path: Path | None = None) -> Rulebook:
    """The rulebook of a command: `path` (its --rulebook), else $WAREHOUSE_RULEBOOK, else the shipped one alone."""
    given = path or (Path(os.environ[RULEBOOK_VARIABLE]) if os.environ.get(RULEBOOK_VARIABLE) else None)
    if given is None:
        return Rulebook(rulebook_version())
    user = read_user_rulebook(given)
    return Rulebook(rulebook_version(user.rows), user)


def read_user_rulebook(path: Path) -> UserRulebook:
    """Read and validate a user rulebook; InputError (exit status 2) listing every problem, or its rows."""
    path = Path(path).expanduser().absolute()
    if not path.is_file():
        raise InputError(
            f"规则库文件不存在：{path}。请检查 --rulebook 或 ${RULEBOOK_VARIABLE} 给出的路径。",
            f"The rulebook file {path} does not exist: check the path given by --rulebook or ${RULEBOOK_VARIABLE}.",
        )
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"规则库文件 {path.name} 应为 CSV 或 XLSX 文件（.csv、.xlsx）。",
            f"The rulebook file {path.name} must be a CSV or XLSX file (.csv, .xlsx).",
        )
    table = read_table(USER_RULEBOOK, path)
    names = column_names(USER_RULEBOOK, table.headers, path.name, table.positions)
    columns = {name: table.data.to_series(i) for i, name in enumerate(names) if not name.startswith(EXTRA_PREFIX)}
    rows, problems = validate(cells(columns, table.rows.to_list()))
    if problems:
        raise InputError(*problem_message(path, problems))
    return UserRulebook(path=path, sha256=file_sha256(path), rows=tuple(rows))


# --- reading -----------------------------------------------------------------------------------------------------


def text_of(value: object) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text.strip() or None


def cells(columns: dict[str, pl.Series], row_numbers: list[int]) -> list[dict[str, object]]:
    """One dict per row: `source_row`, each column's cell as text (None when empty) and, for the two dates, the
    parsed date or the parser's error key under `<column>__error`."""
    rows: list[dict[str, object]] = [{"source_row": number} for number in row_numbers]
    for column in USER_RULEBOOK.columns:
        values = columns.get(column.name)
        if values is None:
            continue
        texts = [text_of(value) for value in values.to_list()]
        if column.name in CODE_COLUMNS:
            texts = [unicodedata.normalize("NFKC", text).strip() or None if text else None for text in texts]
        for row, text in zip(rows, texts, strict=True):
            row[column.name] = text
        if column.kind == "date":
            parsed = parse_column(values if values.dtype != pl.Null else values.cast(pl.String), column)
            for row, value, error in zip(rows, parsed.value.to_list(), parsed.error.to_list(), strict=True):
                row[f"{column.name}__date"] = value
                row[f"{column.name}__error"] = error
    return rows


# --- checking ----------------------------------------------------------------------------------------------------


def validate(rows: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[Problem]]:
    """The rows in canonical form and every problem: first each row by itself, then the versions and validities
    the rows make together (on the rows whose rule, prefix, parameter and dates are sound, so one wrong cell is
    reported once). The rows are only of use when there is no problem."""
    problems: list[Problem] = []
    keyed: list[dict[str, object]] = []
    for row in rows:
        found, key = check_row(row)
        problems += found
        if key is not None:
            keyed.append(key)
    problems += check_versions(keyed) + check_overlaps(keyed) + check_same_clause(keyed)
    problems.sort(key=lambda problem: (problem.row, list(COLUMN).index(problem.column)))
    return keyed, problems


def problem(row: dict[str, object], column: str, zh: str, en: str) -> Problem:
    return Problem(int(row["source_row"]), column, zh, en)  # type: ignore[arg-type]


def shown(text: object) -> str:
    value = str(text)
    return value if len(value) <= 40 else value[:40] + "…"


def check_row(row: dict[str, object]) -> tuple[list[Problem], dict[str, object] | None]:
    """A row's problems, and the row in canonical form when its rule, prefix, parameter and dates are sound (else
    None): what the checks across rows need. Its value is canonical when it is sound, else as given."""
    found: list[Problem] = []
    for column in USER_RULEBOOK.columns:
        if column.required and row.get(column.name) is None:
            found.append(problem(row, column.name, *parse_reasons(column)["required"]))
    for name in ("valid_from", "valid_until"):
        error = row.get(f"{name}__error")
        if error is not None:
            zh, en = parse_reasons(COLUMN[name])[str(error)]
            found.append(problem(row, name, f"{zh}（「{shown(row[name])}」）", f"{en} (\"{shown(row[name])}\")"))

    rule = row.get("rule_id")
    rule_id = next((known for known in rule_ids() if known.casefold() == str(rule).casefold()), None)
    if rule is not None and rule_id is None:
        found.append(problem(
            row, "rule_id",
            f"未知规则「{shown(rule)}」；规则编号应为以下之一：{'、'.join(rule_ids())}",
            f"unknown rule \"{shown(rule)}\"; the rule ids are {', '.join(rule_ids())}",
        ))
    definition = None
    name = row.get("parameter")
    if rule_id is not None and name is not None:
        known = definitions().get(rule_id, {})
        definition = next((d for p, d in known.items() if p.casefold() == str(name).casefold()), None)
        if definition is None:
            found.append(problem(
                row, "parameter",
                f"规则 {rule_id} 没有参数「{shown(name)}」；它的参数为：{'、'.join(known)}",
                f"rule {rule_id} has no parameter \"{shown(name)}\"; its parameters are {', '.join(known)}",
            ))
    value = None
    if definition is not None and row.get("value") is not None:
        value, reason = coerce(definition, str(row["value"]))
        if reason is not None:
            found.append(problem(row, "value", *reason))

    prefix = row.get("jurisdiction_prefix")
    if prefix is not None and not re.fullmatch(r"\d{1,12}", str(prefix)):
        found.append(problem(
            row, "jurisdiction_prefix",
            f"「{shown(prefix)}」不是数字：辖区代码前缀是 12 位乡镇代码的开头几位（如 3607 赣州市、360799 一个县）",
            f"\"{shown(prefix)}\" is not digits: a jurisdiction prefix is the first digits of the 12-digit township "
            "code (3607 for 赣州市, 360799 for one county)",
        ))
    valid_from, valid_until = row.get("valid_from__date"), row.get("valid_until__date")
    if isinstance(valid_from, date) and isinstance(valid_until, date) and valid_until <= valid_from:
        found.append(problem(
            row, "valid_until",
            f"失效日期 {valid_until} 不晚于生效日期 {valid_from}：失效日期是不再生效的第一天，须晚于生效日期（一直有效则留空）",
            f"valid_until {valid_until} is not after valid_from {valid_from}: it is the first day the version is no "
            "longer in force, so it comes after valid_from (leave it empty while in force)",
        ))
    key_sound = (
        definition is not None and isinstance(valid_from, date) and row.get("valid_until__error") is None
        and prefix is not None and not any(p.column in ("jurisdiction_prefix", "valid_until") for p in found)
    )
    if not key_sound:
        return found, None
    assert definition is not None and isinstance(valid_from, date)
    derived = param_id(definition.rule_id, str(prefix), valid_from, definition.parameter)
    given = row.get("param_id")
    if given is not None and given != derived:
        found.append(problem(
            row, "param_id",
            f"参数编号「{shown(given)}」与本行不符：应为 {derived}（规则@辖区代码前缀@生效日期#参数），或留空由程序生成",
            f"param_id \"{shown(given)}\" does not match the row: it should be {derived} "
            "(rule@prefix@valid_from#parameter), or leave it empty to have it derived",
        ))
    key: dict[str, object] = {column: row.get(column) for column in PARAMETER_COLUMNS}
    key |= {
        "param_id": derived, "rule_id": definition.rule_id, "parameter": definition.parameter,
        "valid_from": valid_from, "valid_until": valid_until, "value": value if value is not None else row.get("value"),
        "source_row": row["source_row"],
    }
    return found, key


def coerce(definition: Definition, text: str) -> tuple[str | None, tuple[str, str] | None]:
    """A value as the rules read it (`5`, `true`, `20`), or why it is not one of its definition's type."""
    unit_zh = f"，单位：{definition.unit}" if definition.unit else ""
    unit_en = f", in {definition.unit}" if definition.unit else ""
    if definition.value_type == "boolean":
        word = text.casefold()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return ("true" if word in TRUE_WORDS else "false"), None
        return None, (
            f"「{shown(text)}」不是是否值：{definition.parameter}（{definition.meaning_zh}）应为 true/false、是/否、1/0 或 Y/N",
            f"\"{shown(text)}\" is not a yes/no value: {definition.parameter} is true/false, 是/否, 1/0 or Y/N "
            f"({definition.meaning_en})",
        )
    number = text.removesuffix("%") if definition.value_type == "percent" else text
    whole = re.fullmatch(r"(\d+)(?:\.0+)?", number.strip())
    if whole is not None and (definition.value_type != "percent" or int(whole[1]) <= 100):
        return str(int(whole[1])), None
    kind_zh = "0 到 100 的整数百分比" if definition.value_type == "percent" else "不小于 0 的整数"
    kind_en = "a whole percentage from 0 to 100" if definition.value_type == "percent" else "a whole number, 0 or more"
    return None, (
        f"「{shown(text)}」不是{kind_zh}：{definition.parameter}（{definition.meaning_zh}{unit_zh}）",
        f"\"{shown(text)}\" is not {kind_en}: {definition.parameter} is the "
        f"{lower_first(definition.meaning_en)}{unit_en}",
    )


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def version_name(row: dict[str, object]) -> str:
    return f"{row['rule_id']}@{row['jurisdiction_prefix']}@{row['valid_from']}"


def check_versions(keyed: list[dict[str, object]]) -> list[Problem]:
    """A version (one rule, prefix and valid_from) has one valid_until and sets every parameter of its rule that
    has no default (contract section 6); one that switches the rule off (`enabled` false) judges nothing and needs
    no other."""
    found: list[Problem] = []
    versions: dict[tuple, list[dict[str, object]]] = defaultdict(list)
    for row in keyed:
        versions[(row["rule_id"], row["jurisdiction_prefix"], row["valid_from"])].append(row)
    for rows in versions.values():
        first = min(rows, key=lambda row: int(row["source_row"]))  # type: ignore[arg-type]
        for row in rows:
            if row["valid_until"] != first["valid_until"]:
                found.append(problem(
                    row, "valid_until",
                    f"同一版本 {version_name(row)} 的各行失效日期须相同：第 {first['source_row']} 行为 "
                    f"{first['valid_until'] or '空'}，本行为 {row['valid_until'] or '空'}",
                    f"the rows of one version {version_name(row)} share one valid_until: row {first['source_row']} has "
                    f"{first['valid_until'] or 'none'}, this row {row['valid_until'] or 'none'}",
                ))
        given = {str(row["parameter"]) for row in rows}
        switched_off = any(row["parameter"] == "enabled" and row.get("value") == "false" for row in rows)
        rule_parameters = definitions()[str(first["rule_id"])]
        missing = [name for name, d in rule_parameters.items() if d.required and name not in given]
        if missing and not switched_off:
            every = "、".join(name for name, d in rule_parameters.items() if d.required)
            found.append(problem(
                first, "parameter",
                f"版本 {version_name(first)}（{first['rule_id']}，辖区 {first['jurisdiction_prefix']}，"
                f"自 {first['valid_from']} 起）"
                f"缺少参数 {'、'.join(missing)}：一个版本须设置其规则的全部参数（{every}），请为每个缺少的参数加一行",
                f"the version {version_name(first)} lacks {', '.join(missing)}: a version sets every parameter of its "
                f"rule ({every.replace('、', ', ')}); add a row for each one missing",
            ))
    return found


def check_overlaps(keyed: list[dict[str, object]]) -> list[Problem]:
    """Two rows of one rule, prefix and parameter may not be in force on the same day (valid_until exclusive)."""
    found: list[Problem] = []
    series: dict[tuple, list[dict[str, object]]] = defaultdict(list)
    for row in keyed:
        series[(row["rule_id"], row["jurisdiction_prefix"], row["parameter"])].append(row)
    for rows in series.values():
        rows.sort(key=lambda row: (row["valid_from"], row["source_row"]))
        for later_index, later in enumerate(rows):
            for earlier in rows[:later_index]:
                ends = earlier["valid_until"]
                if ends is None or ends > later["valid_from"]:  # type: ignore[operator]
                    found.append(problem(
                        later, "valid_from",
                        f"与第 {earlier['source_row']} 行（同一规则 {later['rule_id']}、辖区 {later['jurisdiction_prefix']}、"
                        f"参数 {later['parameter']}）的有效期重叠：{span(earlier, '至今')} 与 {span(later, '至今')}；"
                        "同一参数的两行只能一前一后（前一行的失效日期不晚于后一行的生效日期）",
                        f"its validity overlaps row {earlier['source_row']} (the same rule {later['rule_id']}, prefix "
                        f"{later['jurisdiction_prefix']} and parameter {later['parameter']}): "
                        f"{span(earlier, 'open')} and {span(later, 'open')}; two rows of one parameter follow each other (the earlier one's "
                        "valid_until no later than the later one's valid_from)",
                    ))
    return found


def span(row: dict[str, object], open_end: str) -> str:
    return f"[{row['valid_from']}, {row['valid_until'] or open_end})"


def check_same_clause(keyed: list[dict[str, object]]) -> list[Problem]:
    """The parameters of SAME_CLAUSE are set together: every such row has a twin of the other rule with the same
    prefix and dates, and the same value."""
    found: list[Problem] = []
    for first_rule, second_rule, name in SAME_CLAUSE:
        rows = [row for row in keyed if row["parameter"] == name and row["rule_id"] in (first_rule, second_rule)]
        for row in rows:
            other = second_rule if row["rule_id"] == first_rule else first_rule
            twins = [
                twin for twin in rows
                if twin["rule_id"] == other
                and all(twin[c] == row[c] for c in ("jurisdiction_prefix", "valid_from", "valid_until"))
            ]
            dates = span(row, "至今")
            if not twins:
                found.append(problem(
                    row, "rule_id",
                    f"{row['rule_id']} 的 {name} 与 {other} 的 {name} 出自同一条款，须一同设置、取值相同：本文件没有 {other} "
                    f"在辖区 {row['jurisdiction_prefix']}、有效期 {dates} 的 {name} 行，请加上一行（取值 {row.get('value')}）",
                    f"{name} of {row['rule_id']} and of {other} come from one clause, so they are set together, to one "
                    f"value: the file has no {name} row of {other} for prefix {row['jurisdiction_prefix']} and "
                    f"{span(row, 'open')}; add one (value {row.get('value')})",
                ))
            elif row["rule_id"] == second_rule:
                unequal = [twin for twin in twins if twin.get("value") != row.get("value")]
                for twin in unequal:
                    found.append(problem(
                        row, "value",
                        f"{name} 为 {row.get('value')}，而第 {twin['source_row']} 行 {other} 的 {name} 为 {twin.get('value')}："
                        f"两者出自同一条款，取值须相同",
                        f"{name} is {row.get('value')} here but {twin.get('value')} for {other} in row "
                        f"{twin['source_row']}: both come from one clause and must be equal",
                    ))
    return found


# --- the message -------------------------------------------------------------------------------------------------


def column_label(name: str) -> tuple[str, str]:
    column: Column = COLUMN[name]
    return f"{column.name}（{column.alias}）", f"{column.name} ({column.alias})"


def problem_message(path: Path, problems: Iterable[Problem]) -> tuple[str, str]:
    """One message, Chinese then English: the file, then each problem with its row and column."""
    problems = list(problems)
    lines_zh, lines_en = [], []
    for item in problems[:SHOWN_PROBLEMS]:
        zh_column, en_column = column_label(item.column)
        lines_zh.append(f"  {path.name} 第 {item.row} 行，{zh_column}列：{item.zh}")
        lines_en.append(f"  {path.name} row {item.row}, column {en_column}: {item.en}")
    if len(problems) > SHOWN_PROBLEMS:
        rest = len(problems) - SHOWN_PROBLEMS
        lines_zh.append(f"  …另有 {rest} 处")
        lines_en.append(f"  … and {rest} more")
    count = len(problems)
    return (
        f"规则库文件 {path} 有 {count} 处问题，本次未载入、未构建任何内容，仓库保持原样：\n" + "\n".join(lines_zh),
        f"The rulebook file {path} has {count} problem{'s' if count > 1 else ''}; nothing was loaded or built, and "
        "the warehouse is as it was:\n" + "\n".join(lines_en),
    )


# --- handing the rows to a build ---------------------------------------------------------------------------------

ROW_SCHEMA = {
    column: (pl.Date if column in ("valid_from", "valid_until") else pl.String) for column in PARAMETER_COLUMNS
} | {"source_row": pl.Int32}
"""The Parquet file a build reads (macros/rulebook_user.sql lists the same columns)."""


def write_rows(rulebook: Rulebook, path: Path) -> Path:
    """The user rulebook's validated rows as one Parquet file for the build's on-run-start hook; a file with no
    rows when there is no user rulebook, so the relation is always made anew."""
    rows = rulebook.user.rows if rulebook.user is not None else ()
    frame = pl.DataFrame([{column: row[column] for column in ROW_SCHEMA} for row in rows], schema=ROW_SCHEMA)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return path

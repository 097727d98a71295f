"""`warehouse check`: pre-clearance of planned postings (任前审查, contract v1.1) — preclearance.csv, its rejects, and
the workbook sheet.

The planned file is read like the postings input (warehouse.inputs.planned); a bad row stops the check (exit 2)
with `preclearance_rejects.csv` written and nothing judged. The postings are judged by the dbt models in a scratch
warehouse (warehouse.engine.preclear); the warehouse file and the load are only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from warehouse.core import atomic
from warehouse.core.safe_cells import write_csv
from warehouse.engine.preclear import Judged, preclear, read_load
from warehouse.inputs.contract import REJECT_COLUMNS
from warehouse.inputs.load import InputError
from warehouse.inputs.planned import REFERENCED, read_planned
from warehouse.engine.provenance import software_versions
from warehouse.inputs.user_rulebook import Rulebook, resolve_rulebook
from warehouse.outputs.workbook import SEVERITY_ZH, Sheet, write_workbook

PRECLEARANCE_COLUMNS = ("posting_id", "person_id", "rule_id", "severity", "allowed_from", "message_zh", "citation")
"""preclearance.csv, as contract v1.1 lists them."""

PRECLEARANCE_FILE = "preclearance.csv"
REJECTS_FILE = "preclearance_rejects.csv"
"""Not `rejects.csv`: a check may write into a run's output folder, whose rejects.csv is the load's."""

BREAKS_NOTHING_ZH = "按规则库未发现该任职违反任何规则"

HEADERS_ZH = {
    "posting_id": "任职编号", "person_id": "人员编号", "rule_id": "规则编号", "severity": "严重程度",
    "allowed_from": "最早可行日期", "message_zh": "审查意见", "citation": "依据",
}
SHEET_NAME = "任前审查"
WORKBOOK = "任前审查.xlsx"
SHEET_ABOUT = "每个计划任职及其违反的每条规则一行；不违反任何规则的计划任职一行，规则编号为空 / one row per planned posting and rule"

SHOWN_REJECTS = 10
"""Rejected rows named in the message (all of them are in the rejects file)."""


@dataclass(frozen=True)
class CheckResult:
    out_dir: Path
    as_of: date
    rows: pl.DataFrame
    """preclearance.csv's rows."""
    postings: int


def rows(planned: pl.DataFrame, results: dict[int, Judged]) -> pl.DataFrame:
    """One row per planned posting and rule it breaks on its planned start (the first finding of each rule), or one
    with an empty rule_id when it breaks nothing; allowed_from the earliest date judged that breaks nothing."""
    out = []
    for index, posting in enumerate(planned.iter_rows(named=True)):
        judged = results[index]
        found = judged.findings[posting["start_date"]]
        allowed = judged.allowed_from()
        base = {"posting_id": posting["posting_id"], "person_id": posting["person_id"], "allowed_from": allowed}
        if not found:
            out.append(base | {"rule_id": None, "severity": None, "message_zh": BREAKS_NOTHING_ZH, "citation": None})
        seen = set()
        for finding in found:
            if finding["rule_id"] in seen:
                continue
            seen.add(finding["rule_id"])
            out.append(base | {key: finding[key] for key in ("rule_id", "severity", "message_zh", "citation")})
    schema = {name: pl.Date if name == "allowed_from" else pl.String for name in PRECLEARANCE_COLUMNS}
    return pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)


def check(
    planned_file: Path, as_of: date, out_dir: Path, *, rulebook: Rulebook | None = None, log=print
) -> CheckResult:
    """Judge the planned postings of `planned_file` with the current load, as of `as_of`, by `rulebook` (default:
    that of $WAREHOUSE_RULEBOOK); write OUT_DIR's preclearance.csv (and an empty preclearance_rejects.csv). Bad
    planned rows: the rejects only, then InputError."""
    loaded = read_load()
    planned = read_planned(Path(planned_file), {name: loaded[name] for name in REFERENCED}, as_of)
    log(planned.report.summary())
    if planned.rejects.height:
        write_rejects(out_dir, planned.rejects)
        raise InputError(*rejected_message(planned.rejects, Path(out_dir) / REJECTS_FILE))
    rulebook = rulebook or resolve_rulebook()
    results = preclear(planned.postings, loaded, rulebook=rulebook, log=log)
    found = rows(planned.postings, results)
    with atomic.outputs(out_dir) as files:
        write_csv(found.select(PRECLEARANCE_COLUMNS), files.path(PRECLEARANCE_FILE))
        write_csv(planned.rejects.select(REJECT_COLUMNS), files.path(REJECTS_FILE))
        write_workbook(files.path(WORKBOOK), [Sheet(SHEET_NAME, preclearance_sheet(found), about=SHEET_ABOUT)], {
            "about_zh": f"任前审查：{Path(planned_file).name} 中的计划任职，按核查基准日 {as_of:%Y-%m-%d} 的已载入数据和规则库"
                        f"逐条审查，内容与同一文件夹中的 {PRECLEARANCE_FILE} 相同。",
            "as_of": as_of.isoformat(),
            "rulebook_version": rulebook.version,
            "user_rulebook": {"file": str(rulebook.user.path), "sha256": rulebook.user.sha256} if rulebook.user else None,
            "software": software_versions(),
        })
    return CheckResult(Path(out_dir), as_of, found, planned.postings.height)


def write_rejects(out_dir: Path, rejects: pl.DataFrame) -> None:
    """The rejects, and no preclearance.csv: one left by an earlier check would answer another plan."""
    with atomic.outputs(out_dir) as files:
        write_csv(rejects.select(REJECT_COLUMNS), files.path(REJECTS_FILE))
    (Path(out_dir) / PRECLEARANCE_FILE).unlink(missing_ok=True)


def rejected_message(rejects: pl.DataFrame, path: Path) -> tuple[str, str]:
    lines = [
        f"  {r['file']} 第 {r['row']} 行 / row {r['row']}，{r['column']}：{r['reason_zh']} / {r['reason_en']}"
        for r in rejects.head(SHOWN_REJECTS).iter_rows(named=True)
    ]
    more = rejects.height - len(lines)
    tail = [f"  …另 {more} 行 / and {more} more rows"] if more else []
    return (
        f"计划任职有 {rejects.height} 行不符合要求，未作审查，详见 {path}：\n" + "\n".join(lines + tail),
        f"{rejects.height} planned rows are not valid postings; nothing was judged. See {path}.",
    )


def preclearance_sheet(found: pl.DataFrame) -> pl.DataFrame:
    """The workbook's 任前审查 sheet: preclearance.csv's columns under Chinese headers."""
    return found.select(
        (pl.col(name).replace_strict(SEVERITY_ZH, default=pl.col(name), return_dtype=pl.String) if name == "severity"
         else pl.col(name)).alias(HEADERS_ZH[name])
        for name in PRECLEARANCE_COLUMNS
    )

"""`warehouse snapshot` and `warehouse history` on the demo county, as a scheduled job runs them.

The expectations come from the demo's planted scenarios (demo/README.md, warehouse/synthetic/demo.py) and the contract's
wording: an event counts from the first as-of date on or after it, a state is judged on each date by itself.
"""

from __future__ import annotations

import csv
import fcntl
import json
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_DIR, copy_warehouse, isolated_env, warehouse_cli

MONTHLY = ("--from", "2016-07-31", "--to", "2026-06-30", "--every", "month")
STORY = ("2026-04-30", "2026-05-31", "2026-06-30")
"""Three month ends around the demo's as-of date: the three-snapshot story."""
KEY = ("rule_id", "township_code", "person_id", "period")
FINDING_COLUMNS = (
    "rule_id", "severity", "township_code", "person_id", "period", "county_code", "township_name", "param_id",
    "observed", "limit_value", "message_zh", "citation", "event_on",
)
HISTORY_TABLES = {
    "snapshots": "select * from history.snapshots order by snapshot_id",
    "snapshot_findings": "select * from history.snapshot_findings order by all",
    "snapshot_townships": "select * from history.snapshot_townships order by all",
}

SHIMEN, FENGSHAN, BAILU = "360799102000", "360799104000", "360799107000"


@dataclass(frozen=True)
class Warehouse:
    root: Path
    runs: list[subprocess.CompletedProcess]
    seconds: list[float]

    @property
    def db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def history_dir(self) -> Path:
        return self.root / "history"


def fresh_copy(demo_run, root: Path) -> Path:
    """A warehouse with the demo loaded and built, and no history yet."""
    copy_warehouse(demo_run.db, root)
    return root


def timed(*args: str, root: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = warehouse_cli(*args, root=root, check=True)
    return result, time.monotonic() - started


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def history_contents(db: Path) -> dict[str, list[tuple]]:
    return {name: query(db, sql) for name, sql in HISTORY_TABLES.items()}


def findings_on(db: Path, day: str) -> list[tuple]:
    return query(
        db,
        f"""
        select {', '.join(f'f.{column}' for column in FINDING_COLUMNS)}
        from history.snapshot_findings as f
        join history.snapshots as s using (snapshot_id)
        where s.snapshot_date = ?
        order by all
        """,
        [day],
    )


def keys(rows) -> set[tuple[str, ...]]:
    return {tuple(str(row[column] or "") for column in KEY) for row in rows}


def statuses(rows: list[dict[str, str]], rule_id: str, township_code: str, person: str = "") -> dict[str, str]:
    return {
        row["snapshot_date"]: row["status"]
        for row in rows
        if row["rule_id"] == rule_id and row["township_code"] == township_code and row["person_id"] == person
    }


@pytest.fixture(scope="module")
def backfill(demo_run, tmp_path_factory) -> Warehouse:
    """Ten years of month ends in one run, then the history written out."""
    root = fresh_copy(demo_run, tmp_path_factory.mktemp("backfill"))
    run, seconds = timed("snapshot", *MONTHLY, root=root)
    written, _ = timed("history", str(root / "history"), root=root)
    return Warehouse(root, [run, written], [seconds])


@pytest.fixture(scope="module")
def story(demo_run, tmp_path_factory) -> Warehouse:
    """The three story dates one run each, the last one twice, then the history written out."""
    root = fresh_copy(demo_run, tmp_path_factory.mktemp("story"))
    runs, seconds = [], []
    for day in (*STORY, STORY[-1]):
        run, took = timed("snapshot", "--as-of", day, root=root)
        runs.append(run)
        seconds.append(took)
    written, _ = timed("history", str(root / "history"), root=root)
    return Warehouse(root, [*runs, written], seconds)


# ------------------------------------------------------------------------------------------ snapshots


def test_a_snapshot_records_date_rulebook_version_input_checksums_and_time(story):
    from warehouse.inputs.rulebook import rulebook_version

    rows = query(
        story.db,
        "select snapshot_date, rulebook_version, inputs_checksum, inputs, findings, townships, taken_at "
        "from history.snapshots order by snapshot_date",
    )
    assert [row[0].isoformat() for row in rows] == list(STORY)
    for snapshot_date, version, checksum, inputs, found, townships, taken_at in rows:
        assert version == rulebook_version()
        assert len(checksum) == 64
        entries = json.loads(inputs)
        assert {entry["entity"] for entry in entries} == {
            "townships", "units", "people", "postings", "appraisals", "waivers"}
        assert all(len(entry["sha256"]) == 64 for entry in entries)
        assert found == len(findings_on(story.db, snapshot_date.isoformat()))
        assert townships == 18
        assert taken_at is not None


def test_the_snapshot_of_the_demo_as_of_date_holds_the_hand_checked_findings(story):
    found = {tuple(str(value or "") for value in row[0:1] + row[2:5]) for row in findings_on(story.db, "2026-06-30")}
    expected = keys(read_csv(DEMO_DIR / "expected_violations.csv"))
    assert found == expected


def test_running_the_same_snapshot_twice_keeps_one(story):
    again = story.runs[3].stdout
    assert "added 0, kept 1" in again
    assert query(story.db, "select count(*) from history.snapshots where snapshot_date = '2026-06-30'") == [(1,)]
    assert len(findings_on(story.db, "2026-06-30")) == len(read_csv(DEMO_DIR / "expected_violations.csv"))


def test_every_run_appends_one_log_line_beside_the_warehouse_and_prints_it(story):
    lines = (story.root / "warehouse.duckdb.snapshot.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    for line, run, day in zip(lines, story.runs, (*STORY, STORY[-1])):
        assert " snapshot ok " in line and f"as_of={day}" in line and "rulebook=" in line and "inputs=" in line
        assert line in run.stdout
    assert "added=1 kept=0" in lines[0] and "added=0 kept=1" in lines[3]


def test_a_second_run_while_the_lock_is_held_stops_and_changes_nothing(story, tmp_path):
    root = fresh_copy(story, tmp_path)  # story.db: the three story snapshots
    before = history_contents(root / "warehouse.duckdb")
    with open(root / "warehouse.duckdb.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = warehouse_cli("snapshot", "--as-of", "2026-03-31", root=root)
    assert result.returncode == 1
    assert "The warehouse is in use by" in result.stderr
    assert " snapshot busy " in (root / "warehouse.duckdb.snapshot.log").read_text(encoding="utf-8")
    assert history_contents(root / "warehouse.duckdb") == before


def test_snapshot_options_that_do_not_fit_together_exit_2(tmp_path):
    for args in (("--as-of", "2026-06-30", "--from", "2026-01-31"), ("--from", "2026-06-30", "--to", "2026-01-31"),
                 ("--every", "month")):
        result = warehouse_cli("snapshot", *args, root=tmp_path)
        assert result.returncode == 2, (args, result.stderr)


def test_backfill_series_keep_month_ends():
    from warehouse.history.snapshot import series

    months = series(date(2016, 7, 31), date(2026, 6, 30), "month")
    assert len(months) == 120
    assert months[:3] == [date(2016, 7, 31), date(2016, 8, 31), date(2016, 9, 30)]
    assert date(2020, 2, 29) in months and months[-1] == date(2026, 6, 30)
    assert series(date(2024, 3, 31), date(2025, 3, 31), "quarter") == [
        date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31),
    ]
    assert series(date(2020, 2, 29), date(2023, 3, 1), "year") == [
        date(2020, 2, 29), date(2021, 2, 28), date(2022, 2, 28), date(2023, 2, 28),
    ]
    assert series(date(2026, 1, 15), date(2026, 3, 14), "month") == [date(2026, 1, 15), date(2026, 2, 15)]


# ---------------------------------------------------------------------------------------------- backfill


def test_backfill_takes_one_snapshot_per_month_end_in_one_run(backfill):
    rows = query(backfill.db, "select snapshot_date, run_id from history.snapshots order by snapshot_date")
    assert len(rows) == 120
    assert rows[0][0] == date(2016, 7, 31) and rows[-1][0] == date(2026, 6, 30)
    assert len({run_id for _, run_id in rows}) == 1
    assert "added=120 kept=0" in backfill.runs[0].stdout


def test_backfill_equals_one_snapshot_per_date(backfill, story):
    for day in STORY:
        assert findings_on(backfill.db, day) == findings_on(story.db, day), day
        townships = "select township_code, county_code, township_name from history.snapshot_townships " \
                    "join history.snapshots using (snapshot_id) where snapshot_date = ? order by all"
        assert query(backfill.db, townships, [day]) == query(story.db, townships, [day]), day


def test_backfill_does_not_touch_the_current_marts(demo_run, backfill):
    for table in ("violations", "township_scorecard", "township_rule_status", "run_info"):
        sql = f"select * exclude (built_at, invocation_id) from marts.{table} order by all" if table == "run_info" \
            else f"select * from marts.{table} order by all"
        assert query(backfill.db, sql) == query(demo_run.db, sql), table


# --------------------------------------------------------------------------------------------- lifecycle


def test_history_writes_violation_history_and_township_trend_with_the_issues_columns(backfill):
    with open(backfill.history_dir / "violation_history.csv", encoding="utf-8-sig") as handle:
        header = handle.readline().strip().split(",")
    assert header[:6] == ["snapshot_date", "rule_id", "township_code", "person_id", "period", "status"]
    with open(backfill.history_dir / "township_trend.csv", encoding="utf-8-sig") as handle:
        header = handle.readline().strip().split(",")
    assert header[:5] == ["snapshot_date", "township_code", "violations_error", "violations_warn", "violations_info"]
    for name in ("violation_history", "township_trend", "violation_lifecycle"):
        assert (backfill.history_dir / "parquet" / f"{name}.parquet").is_file()


def test_a_snapshot_keeps_the_waiver_number_of_each_covered_finding(story):
    # demo/批准例外.csv: LW-2021-01 covers P0015 (open-ended), LW-2024-03 covers P0041 (valid to 2026-06-30).
    rows = query(
        story.db,
        "select f.person_id, f.waiver_no from history.snapshot_findings f join history.snapshots s using (snapshot_id) "
        "where s.snapshot_date = '2026-06-30' and f.waiver_no is not null order by 1",
    )
    assert rows == [("P0015", "青编委〔2021〕3号"), ("P0041", "青组干〔2024〕12号")]


def test_the_history_shows_when_a_finding_was_waived_and_when_the_waiver_lapsed(backfill):
    # LW-2025-02 covers 枫坑镇's LEAD_TEAM_EXPERIENCE finding from 2025-02-01 to 2026-06-29 inclusive.
    rows = [
        r for r in read_csv(backfill.history_dir / "violation_history.csv")
        if r["rule_id"] == "LEAD_TEAM_EXPERIENCE" and r["township_code"] == "360799106000" and r["status"] != "resolved"
    ]
    assert any(r["waiver_no"] for r in rows), "waived in some snapshots"
    for row in rows:
        assert (row["waiver_no"] == "青编委〔2025〕7号") == ("2025-02-01" <= row["snapshot_date"] <= "2026-06-29"), row
    assert rows[-1]["snapshot_date"] == "2026-06-30" and rows[-1]["waiver_no"] == "", "lapsed on the last snapshot"


def test_three_snapshot_story_new_then_open_then_resolved(story):
    rows = read_csv(story.history_dir / "violation_history.csv")
    # 石门镇 has had 6 offices since 营商环境办公室 was added (2021-05-01); one is abolished on 2026-06-30 → 5.
    assert statuses(rows, "ORG_OFFICE_COUNT", SHIMEN) == dict(zip(STORY, ("new", "open", "resolved")))
    # 丰山镇: 5 of 9 members experienced until the one who arrived 2024-06-30 reaches 730 days on 2026-06-30.
    assert statuses(rows, "LEAD_TEAM_EXPERIENCE", FENGSHAN) == dict(zip(STORY, ("new", "open", "resolved")))
    # 白鹭镇 has 3 social workers until one posting ends on 2026-06-30.
    assert statuses(rows, "STAFF_SOCIAL_WORKERS", BAILU) == {"2026-06-30": "new"}
    # An event stays found: 杨梅乡's recruit resigned on 2025-12-31.
    assert statuses(rows, "STAFF_MIN_SERVICE", "360799203000", "P0035") == dict(zip(STORY, ("new", "open", "open")))
    resolved = next(row for row in rows if row["rule_id"] == "ORG_OFFICE_COUNT" and row["status"] == "resolved")
    assert (resolved["first_seen_on"], resolved["last_seen_on"], resolved["resolved_on"]) == (
        "2026-04-30", "2026-05-31", "2026-06-30",
    )


@pytest.mark.parametrize(
    ("rule_id", "township_code", "person_id", "first_seen"),
    [
        ("STAFF_TRANSFER_LOCK", "360799100000", "P0027", "2023-08-31"),  # moved on 2023-08-31 itself
        ("STAFF_MIN_SERVICE", "360799204000", "P0033", "2022-03-31"),  # moved 2022-03-01
        ("STAFF_MIN_SERVICE", "360799203000", "P0035", "2025-12-31"),  # resigned 2025-12-31
        ("LEAD_CHIEF_EXPERIENCE", "360799200000", "P0015", "2021-03-31"),  # chief from 2021-03-01
        ("LEAD_CHIEF_TERM", "360799103000", "P0020", "2023-01-31"),  # left 2023-01-15
        ("STAFF_SECONDMENT", "360799001000", "P0041", "2021-05-31"),  # lent 2021-05-01, again 2024-03-01
        ("APPR_EXCELLENT_RATIO", SHIMEN, "", "2020-12-31"),  # year 2020 happens on its 31 December
        ("ORG_OFFICE_COUNT", "360799103000", "", "2020-09-30"),  # 6th office set up 2020-09-01
    ],
)
def test_a_finding_is_new_on_the_first_month_end_on_or_after_its_event(backfill, rule_id, township_code, person_id,
                                                                      first_seen):
    rows = statuses(read_csv(backfill.history_dir / "violation_history.csv"), rule_id, township_code, person_id)
    assert min(rows) == first_seen and rows[first_seen] == "new"
    assert set(rows[day] for day in rows if day > first_seen) == {"open"}, "found on every month end since"


def test_rules_are_not_judged_before_they_are_in_force(backfill):
    rows = read_csv(backfill.history_dir / "violation_history.csv")
    assert min(row["snapshot_date"] for row in rows if row["rule_id"] == "STAFF_SOCIAL_WORKERS") == "2020-12-31"
    assert min(row["snapshot_date"] for row in rows if row["township_code"].startswith("3607")) >= "2018-01-31"
    assert min(row["snapshot_date"] for row in rows if row["township_code"].startswith("32")) >= "2017-08-31"


def test_lifecycle_statuses_follow_from_what_each_snapshot_found(backfill):
    """Derive every status again from the raw snapshots: new the first time, open when found again, resolved the
    first time it is missing, reopened when it comes back; no row while it stays gone."""
    dates = [row[0].isoformat() for row in query(backfill.db, "select snapshot_date from history.snapshots order by 1")]
    found: dict[tuple, set[str]] = defaultdict(set)
    for row in query(
        backfill.db,
        "select snapshot_date, rule_id, township_code, coalesce(person_id, ''), coalesce(cast(period as varchar), '') "
        "from history.snapshot_findings join history.snapshots using (snapshot_id)",
    ):
        found[tuple(row[1:])].add(row[0].isoformat())
    expected = {}
    for key, present in found.items():
        seen = was = False
        for day in dates:
            now = day in present
            status = ("open" if was else "reopened" if seen else "new") if now else ("resolved" if was else None)
            if status:
                expected[(day, *key)] = status
            seen, was = seen or now, now
    rows = read_csv(backfill.history_dir / "violation_history.csv")
    actual = {(row["snapshot_date"], *(row[column] for column in KEY)): row["status"] for row in rows}
    assert actual == expected
    assert {"new", "open", "resolved", "reopened"} <= set(actual.values()), "the demo's ten years show every status"
    # 丰山镇's team fell below ⅔ again when members without township work arrived in 2025.
    assert "reopened" in statuses(rows, "LEAD_TEAM_EXPERIENCE", FENGSHAN).values()


def test_township_trend_counts_the_findings_standing_on_each_snapshot(backfill):
    trend = read_csv(backfill.history_dir / "township_trend.csv")
    assert len(trend) == 120 * 18
    counted = dict(
        ((day.isoformat(), township), count)
        for day, township, count in query(
            backfill.db,
            "select snapshot_date, township_code, count(*) from history.snapshot_findings "
            "join history.snapshots using (snapshot_id) group by all",
        )
    )
    for row in trend:
        standing = int(row["violations_error"]) + int(row["violations_warn"]) + int(row["violations_info"])
        assert standing == int(row["violations"]) == counted.get((row["snapshot_date"], row["township_code"]), 0)


JIANGSU_ONLY = {"ORG_DEVELOPED_TOWN_BODIES", "STAFF_OVER_LEADER_QUOTA"}


def test_the_trend_of_a_page_counts_its_own_scope_only(backfill):
    """Issue 16: a county's trend holds its own townships and rules, never a Jiangsu town's."""
    from warehouse.outputs import page_data, trend

    data = page_data.Data(page_data.read_warehouse(backfill.db))
    everything = trend.rule_trend_data(data, None)
    assert everything["snapshot_date"].n_unique() == 120
    last = everything.filter(everything["snapshot_date"] == date(2026, 6, 30))
    assert int(last["violations"].sum()) == len(read_csv(DEMO_DIR / "expected_violations.csv"))
    county = trend.rule_trend_data(data, "360799")
    assert set(county["rule_id"]) & JIANGSU_ONLY == set() and set(everything["rule_id"]) & JIANGSU_ONLY
    in_county = [row for row in read_csv(DEMO_DIR / "expected_violations.csv") if row["township_code"].startswith("360799")]
    assert int(county.filter(county["snapshot_date"] == date(2026, 6, 30))["violations"].sum()) == len(in_county)
    severities = trend.severity_trend_data(data, "360799")
    assert int(severities.filter(severities["snapshot_date"] == date(2026, 6, 30))["violations"].sum()) == len(in_county)
    for chart in (trend.rule_trend(data, "360799"), trend.severity_trend(data, "360799")):
        spec = chart.to_dict()
        assert spec["title"]["text"] and spec["encoding"]["x"]["title"] and "360799" in spec["title"]["subtitle"][0]


def test_ages_that_start_at_the_first_snapshot_say_at_least(backfill):
    from warehouse.outputs import page_data, trend

    data = page_data.Data(page_data.read_warehouse(backfill.db))
    oldest = trend.oldest_open_findings(data, "360799", limit=30)
    assert oldest.height and all(code.startswith("360799") for code in oldest["township_code"])
    assert oldest["days_open"].is_sorted(descending=True)
    for row in oldest.iter_rows(named=True):
        starts_the_history = row["first_seen_on"] == date(2016, 7, 31)
        assert row["age_zh"] == (f"至少 {row['days_open']} 天" if starts_the_history else f"{row['days_open']} 天")
    assert any(not at_least for at_least in oldest["is_age_at_least"]), "a finding first seen later has its age"
    table = trend.oldest_open(data, "360799").data
    assert "至少" in table and "首次快照为 2016-07-31" in table


def test_what_changed_since_the_previous_snapshot_is_listed_for_the_scope(story):
    """STORY: 石门镇's office finding is new, open, then resolved on 2026-06-30."""
    from warehouse.outputs import page_data, trend

    data = page_data.Data(page_data.read_warehouse(story.db))
    changes = data.within("changes", "360799")
    resolved = changes.filter((changes["rule_id"] == "ORG_OFFICE_COUNT") & (changes["township_code"] == SHIMEN))
    assert resolved["status"].to_list() == ["resolved"]
    assert str(resolved["previous_snapshot_on"][0]) == STORY[1]
    table = trend.changes_table(data, "360799").data
    assert f"{STORY[2]} 的快照与上一次（{STORY[1]}）相比" in table and "已整改" in table
    assert table.count("<tr>") == changes.height + 1 and "湖塘镇" not in table and "新桥镇" not in table
    township = trend.changes_table(data, SHIMEN).data
    assert "已整改" in township and "320599" not in township


# ------------------------------------------------------------------------------------------- interrupted


def run_snapshot(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "warehouse", "snapshot", *args],
        cwd=root, env=isolated_env(root) | (env or {}), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_a_snapshot_killed_while_writing_leaves_the_history_as_it_was(story, tmp_path):
    from warehouse.history.snapshot import KILL_DURING_WRITE

    root = fresh_copy(story, tmp_path)
    before = history_contents(root / "warehouse.duckdb")
    killed = run_snapshot(root, "--from", "2026-01-31", "--to", "2026-03-31", env={KILL_DURING_WRITE: "1"})
    killed.communicate(timeout=600)
    assert killed.returncode == -signal.SIGKILL
    assert history_contents(root / "warehouse.duckdb") == before

    result = warehouse_cli("snapshot", "--from", "2026-01-31", "--to", "2026-03-31", root=root, check=True)
    assert "added=3 kept=0" in result.stdout, "the lock and the warehouse are free again"


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_snapshot_killed_during_its_build_leaves_no_dbt_behind_and_the_history_as_it_was(story, tmp_path):
    root = fresh_copy(story, tmp_path)
    before = history_contents(root / "warehouse.duckdb")
    running = run_snapshot(root, "--as-of", "2026-03-31")
    deadline = time.monotonic() + 120
    while not (dbt := children(running.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert dbt, "dbt started"
    time.sleep(2)
    running.send_signal(signal.SIGKILL)
    running.communicate(timeout=60)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{child}").exists() for child in dbt) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{child}").exists() for child in dbt), "dbt died with its parent"
    assert history_contents(root / "warehouse.duckdb") == before


# ------------------------------------------------------------------------------------- rulebook versions


def test_another_rulebook_version_of_the_same_date_is_kept_beside_it(story, tmp_path):
    """A county adopting 001's standard structure in its own rulebook (contract section 6) is another rulebook
    version: its snapshot of a date already taken is kept beside the first one, as a timeline of its own."""
    from warehouse.inputs.rulebook import rulebook_version

    quote = "镇统一设置“四办二所三站一中心〞"
    rulebook = tmp_path / "standard_structure.csv"
    with open(rulebook, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["rule_id", "jurisdiction_prefix", "jurisdiction_name", "valid_from", "parameter", "value",
                         "document", "document_short", "clause", "quote_zh"])
        writer.writerows(
            ["ORG_STANDARD_STRUCTURE", "360799", "青岚县", "2023-01-01", name, value,
             "某县《加强镇政府服务能力建设实施方案》", "某县实施方案", "二(一)4", quote]
            for name, value in (("standard_offices", "4"), ("standard_institutes", "2"), ("standard_stations", "3"),
                                ("standard_centers", "1"))
        )
    root = fresh_copy(story, tmp_path / "warehouse")
    current = rulebook_version()
    result = warehouse_cli("snapshot", "--as-of", "2026-06-30", "--rulebook", str(rulebook), root=root, check=True)
    assert "added=1" in result.stdout

    versions = dict(query(root / "warehouse.duckdb",
                          "select rulebook_version, count(*) from history.snapshots group by all"))
    assert versions.pop(current) == 3, "the story's three dates, as they were"
    [(changed, count)] = versions.items()
    assert count == 1
    by_version = defaultdict(set)
    for version, *key in query(
        root / "warehouse.duckdb",
        "select s.rulebook_version, f.rule_id, f.township_code from history.snapshot_findings as f "
        "join history.snapshots as s using (snapshot_id) where s.snapshot_date = '2026-06-30' "
        "and f.rule_id = 'ORG_STANDARD_STRUCTURE'",
    ):
        by_version[version].add((*key, "", ""))
    assert by_version[changed] == keys(read_csv(DEMO_DIR / "expected_violations_standard_structure.csv"))
    assert not by_version[current], "the first version's snapshot is as it was"

    warehouse_cli("history", str(root / "all"), "--rulebook-version", "all", root=root, check=True)
    rows = read_csv(root / "all" / "violation_history.csv")
    assert {row["status"] for row in rows if row["rulebook_version"] == changed} == {"new"}, "a timeline of its own"
    assert statuses([row for row in rows if row["rulebook_version"] == current], "ORG_OFFICE_COUNT", SHIMEN) == dict(
        zip(STORY, ("new", "open", "resolved"))
    )
    warehouse_cli("history", str(root / "latest"), root=root, check=True)
    latest = read_csv(root / "latest" / "violation_history.csv")
    assert {row["rulebook_version"] for row in latest} == {changed}, "by default, the last snapshot's timeline"


def test_the_dashboard_report_draws_the_trend_and_the_oldest_open_findings(backfill):
    """Issue 6 item 5 and issue 16: with snapshots in the warehouse, `warehouse report` draws the trend of each
    page's scope."""
    out = backfill.root / "report"
    result = warehouse_cli("report", "--out", str(out), "--county", "360799", root=backfill.root)
    assert result.returncode == 0, result.stderr[-2000:]
    charts = {path.name.split("-", 2)[-1] for path in (out / "png").glob("index-*.png")}
    assert {"severity_trend.png", "rule_trend.png"} <= charts
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "合规趋势" in page and "至少" in page and "与上一次（2026-05-31）相比" in page

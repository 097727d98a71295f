"""Issue 13 §3 and §5: one writer at a time, builds and exports that are all or nothing, readers that never block,
and no traceback for anything a user can cause.

Each test starts from a copy of the demo's built warehouse (file and load folders), so the commands meet a
warehouse as an office has one: built as of 2026-06-30, with its outputs exported.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_AS_OF, DEMO_DIR, copy_warehouse, isolated_env, warehouse_cli

from warehouse.core import lock

OUTPUTS = ("violations.csv", "township_scorecard.csv", "rejects.csv", "deadlines.csv", "run_manifest.json", "核查结果.xlsx")
OTHER_DATE = "2024-12-31"

WRITING_COMMANDS = {
    "load": lambda out: ("load", str(DEMO_DIR)),
    "build": lambda out: ("build", "--as-of", OTHER_DATE),
    "run": lambda out: ("run", "--input", str(DEMO_DIR), "--as-of", OTHER_DATE, "--out", str(out)),
    "export": lambda out: ("export", str(out)),
    "snapshot": lambda out: ("snapshot", "--as-of", OTHER_DATE),
    "history": lambda out: ("history", str(out)),
    "validate": lambda out: ("validate", "--out", str(out)),
    "report": lambda out: ("report", "--out", str(out)),
}


@pytest.fixture
def built(demo_run, tmp_path) -> Path:
    """A copy of the demo's built warehouse under tmp_path; returns its folder."""
    copy_warehouse(demo_run.db, tmp_path)
    return tmp_path


def state(root: Path) -> dict:
    """What a command may change: the warehouse file's bytes and the load folders."""
    loaded = root / "warehouse_loaded"
    return {
        "warehouse": (root / "warehouse.duckdb").read_bytes(),
        "loads": sorted(p.name for p in loaded.iterdir()),
        "current": os.readlink(loaded / "current"),
    }


def as_of(db: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
         "print(con.sql('select as_of from marts.run_info').fetchall()[0][0])", str(db)],
        capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def visible(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


# --- one writer at a time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(WRITING_COMMANDS))
def test_a_writing_command_stops_at_once_naming_the_holder_while_another_holds_the_warehouse(
    built, command, monkeypatch
):
    monkeypatch.setenv("WAREHOUSE_DB", str(built / "warehouse.duckdb"))
    out = built / "out"
    before = state(built)
    with lock.exclusive("warehouse build --as-of 2026-06-30 (held by the test)"):
        started = time.monotonic()
        result = warehouse_cli(*WRITING_COMMANDS[command](out), root=built)
        waited = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "仓库正被另一个命令使用" in result.stderr and "The warehouse is in use by" in result.stderr
    assert "warehouse build --as-of 2026-06-30 (held by the test)" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr and "--wait" in result.stderr
    assert_no_traceback(result)
    assert state(built) == before
    assert not out.exists()
    assert waited < 30  # it stopped, it did not wait (a loose bound: only "did not hang" is meant)


def test_with_wait_a_command_runs_once_the_holder_has_finished(built, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(built / "warehouse.duckdb"))
    acquired, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock.exclusive("warehouse export (held by the test)"):
            acquired.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    acquired.wait(10)
    threading.Timer(3, release.set).start()
    result = warehouse_cli("export", str(built / "out"), "--wait", "120", root=built)
    holder.join()
    assert result.returncode == 0, result.stderr
    assert visible(built / "out") == sorted(["parquet", *OUTPUTS])


def test_two_runs_at_once_one_runs_and_the_other_stops_leaving_one_whole_load(built):
    env = isolated_env(built)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "warehouse", "run", "--input", str(DEMO_DIR), "--as-of", day, "--out",
             str(built / f"out-{day}")],
            cwd=built, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        for day in (DEMO_AS_OF, OTHER_DATE)
    ]
    finished = [(run.args[7], *run.communicate(timeout=600), run.returncode) for run in runs]
    statuses = sorted(status for *_, status in finished)
    assert statuses == [0, 1], finished
    (winner, *_), (_, _, loser_err, _) = sorted(finished, key=lambda f: f[3])
    assert "The warehouse is in use by" in loser_err and "warehouse run" in loser_err
    current = built / "warehouse_loaded" / "current"
    assert sorted(p.name for p in current.iterdir()) == [
        "appraisals", "load_files", "people", "postings", "rejects", "townships", "units", "waivers"
    ]
    assert as_of(built / "warehouse.duckdb") == winner
    manifest = json.loads((built / f"out-{winner}" / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == winner


def test_two_loads_with_wait_run_one_after_the_other_and_leave_one_whole_load(built):
    env = isolated_env(built)
    loads = [
        subprocess.Popen([sys.executable, "-m", "warehouse", "load", str(DEMO_DIR), "--wait", "300"],
                         cwd=built, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for load in loads:
        _, err = load.communicate(timeout=600)
        assert load.returncode == 0, err
    current = built / "warehouse_loaded" / "current"
    assert len([p for p in current.iterdir() if any(p.glob("*.parquet"))]) == 8  # the five, waivers, rejects, load_files
    # the folder the built warehouse reads is kept beside the new current load, and nothing else
    assert len(list((built / "warehouse_loaded").glob("load-*"))) == 2


# --- builds all or nothing; readers never block -------------------------------------------------------------------


def test_a_build_killed_midway_leaves_the_previous_build_for_every_reader_and_export(built, demo_run):
    log = built / "build.log"
    with open(log, "w", encoding="utf-8") as handle:
        build = subprocess.Popen(
            [sys.executable, "-m", "warehouse", "build", "--verbose", "--as-of", OTHER_DATE],  # dbt's log, live
            cwd=built, env=isolated_env(built), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while "START sql table model rules." not in log.read_text(encoding="utf-8"):
        assert build.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")[-3000:]
        time.sleep(0.2)
    os.killpg(build.pid, signal.SIGKILL)  # the warehouse command and dbt under it
    build.wait()

    assert as_of(built / "warehouse.duckdb") == DEMO_AS_OF
    result = warehouse_cli("export", str(built / "out"), root=built)
    assert result.returncode == 0, result.stderr
    for name in ("violations.csv", "township_scorecard.csv", "rejects.csv"):
        assert (built / "out" / name).read_bytes() == (demo_run.out / name).read_bytes(), name
    rebuilt = warehouse_cli("build", "--as-of", OTHER_DATE, root=built)  # the stale stage is no obstacle
    assert rebuilt.returncode == 0, rebuilt.stdout[-2000:]
    assert as_of(built / "warehouse.duckdb") == OTHER_DATE
    assert not (built / "warehouse.duckdb.building").exists()


def test_a_reader_holding_the_warehouse_open_never_blocks_a_run_and_keeps_what_it_opened(built):
    db = built / "warehouse.duckdb"
    reader = duckdb.connect(str(db), read_only=True)
    try:
        result = warehouse_cli("run", "--input", str(DEMO_DIR), "--as-of", OTHER_DATE, "--out", str(built / "out"),
                               root=built)
        assert result.returncode == 0, result.stderr
        assert str(reader.sql("select as_of from marts.run_info").fetchall()[0][0]) == DEMO_AS_OF
    finally:
        reader.close()
    assert as_of(db) == OTHER_DATE


@pytest.mark.parametrize("status", ["running", "failed", None])
def test_export_refuses_marts_that_do_not_belong_to_one_complete_build(built, status):
    with duckdb.connect(str(built / "warehouse.duckdb")) as con:
        if status is None:
            con.execute("drop table marts.build_status")
        else:
            con.execute("update marts.build_status set status = ?", [status])
    result = warehouse_cli("export", str(built / "out"), root=built)
    assert result.returncode == 1
    assert "不属于一次完整的构建" in result.stderr and "do not belong to one complete build" in result.stderr
    assert_no_traceback(result)
    assert not (built / "out").exists()


# --- outputs all or nothing ---------------------------------------------------------------------------------------


def test_a_killed_export_leaves_the_previous_outputs_whole(built):
    from warehouse.outputs.export import KILL_BEFORE_MANIFEST

    out = built / "out"
    warehouse_cli("export", str(out), root=built, check=True)
    before = outputs(out)
    # A build of another date, then an export killed before it could finish.
    warehouse_cli("build", "--as-of", OTHER_DATE, root=built, check=True)
    killed = subprocess.run([sys.executable, "-m", "warehouse", "export", str(out)], cwd=built,
                            env=isolated_env(built) | {KILL_BEFORE_MANIFEST: "1"}, capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    assert outputs(out) == before
    assert visible(out) == sorted(["parquet", *OUTPUTS])
    warehouse_cli("export", str(out), root=built, check=True)
    assert json.loads((out / "run_manifest.json").read_text(encoding="utf-8"))["as_of"] == OTHER_DATE
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # the killed export's files are gone


def with_small_files(root: Path, *args: str) -> subprocess.CompletedProcess:
    """A command that cannot write a file over 3,000 bytes: a write past that fails (EFBIG) as on a full disk."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    return subprocess.run([sys.executable, "-m", "warehouse", *args], cwd=root, env=isolated_env(root),
                          capture_output=True, text=True, encoding="utf-8", preexec_fn=limit)


def test_a_full_disk_during_export_keeps_the_previous_outputs_and_says_why(built):
    out = built / "out"
    warehouse_cli("export", str(out), root=built, check=True)
    before = outputs(out)
    result = with_small_files(built, "export", str(out))
    assert result.returncode == 1
    assert "磁盘已满" in result.stderr and "disk is full" in result.stderr
    assert_no_traceback(result)
    assert outputs(out) == before


def test_a_full_disk_during_load_keeps_the_previous_load_and_says_why(built):
    before = state(built)
    result = with_small_files(built, "load", str(DEMO_DIR))
    assert result.returncode == 1
    assert "磁盘已满" in result.stderr and "previous load is kept" in result.stderr
    assert_no_traceback(result)
    assert state(built) == before


# --- no traceback for what a user causes --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["export", "report", "validate", "history"])
def test_reading_commands_before_any_build_say_what_to_do(tmp_path, command):
    out = tmp_path / "out"
    result = warehouse_cli(*WRITING_COMMANDS[command](out), root=tmp_path)
    assert result.returncode == 1
    assert "warehouse" in result.stderr and ("run" in result.stderr or "build" in result.stderr)
    assert_no_traceback(result)


def test_export_after_a_load_but_before_any_build_says_to_build(tmp_path):
    warehouse_cli("load", str(DEMO_DIR), root=tmp_path, check=True)
    result = warehouse_cli("export", str(tmp_path / "out"), root=tmp_path)
    assert result.returncode == 1 and "warehouse build" in result.stderr
    assert_no_traceback(result)


@pytest.mark.parametrize("command", ["export", "build"])
def test_a_warehouse_held_for_writing_by_another_program_is_named_not_a_traceback(built, command):
    writer = duckdb.connect(str(built / "warehouse.duckdb"))
    try:
        result = warehouse_cli(*WRITING_COMMANDS[command](built / "out"), root=built)
    finally:
        writer.close()
    assert result.returncode == 1
    assert "以写方式打开" in result.stderr and "open for writing in another program" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr
    assert_no_traceback(result)


def test_an_unforeseen_failure_is_one_message_and_its_details_go_to_a_private_log(tmp_path, monkeypatch, capsys):
    from warehouse import cli

    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.delenv("WAREHOUSE_DEBUG", raising=False)

    def broken(args) -> None:
        raise ZeroDivisionError("a bug, not the user's doing")

    add_arguments, _ = cli.COMMANDS["generate"]
    monkeypatch.setitem(cli.COMMANDS, "generate", (add_arguments, broken))
    status = cli.main(["generate", "--townships", "1", "--out", str(tmp_path / "g")])
    err = capsys.readouterr().err
    assert status == 1
    assert "内部错误" in err and "Internal error" in err and "Traceback" not in err
    log = tmp_path / "warehouse.duckdb.error.log"
    assert "ZeroDivisionError: a bug" in log.read_text(encoding="utf-8")
    assert log.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("command", ["report", "validate"])
def test_report_and_validate_refuse_marts_of_an_unfinished_build_too(built, command):
    with duckdb.connect(str(built / "warehouse.duckdb")) as con:
        con.execute("update marts.build_status set status = 'running'")
    result = warehouse_cli(*WRITING_COMMANDS[command](built / "out"), root=built)
    assert result.returncode == 1
    assert "do not belong to one complete build" in result.stderr
    assert_no_traceback(result)

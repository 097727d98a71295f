"""One command at a time on a warehouse: an exclusive lock beside the warehouse file.

Every command that writes — the loaded data, the warehouse file, an output folder — holds this lock for its whole
run (`cli.py` takes it), so two loads cannot interleave their folders and a build cannot swap the warehouse file
under an export. It is an flock: the kernel releases it when the process ends, however it ends (a `kill -9`
leaves no stale lock). The file also says who holds it, so the command that finds it taken can name the holder.

Readers that are not commands (a notebook, an analyst's DuckDB session) take no lock and are never waited for:
builds write a new file and swap it in (`warehouse.db.staged`).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from warehouse.core.errors import UserError
from warehouse.core.paths import beside_warehouse

POLL_SECONDS = 0.5

_held: list[Path] = []
"""The lock files this process holds: a command that calls another (run → load, build, export; report →
history) takes the lock once."""


class WarehouseBusy(UserError):
    """Another command holds the warehouse (exit status 1): nothing was changed."""


def lock_path() -> Path:
    """`<warehouse file>.lock`, beside it (ignored by git with it)."""
    return beside_warehouse(".lock")


def describe(holder: dict) -> tuple[str, str]:
    command = holder.get("command") or "?"
    since = holder.get("started_at") or "?"
    pid = holder.get("pid") or "?"
    host = holder.get("host") or "?"
    return (
        f"“{command}”（进程 {pid}，主机 {host}，自 {since} 起）",
        f"`{command}` (pid {pid} on {host}, since {since})",
    )


def _holder(handle) -> dict:
    handle.seek(0)
    text = handle.read().strip()
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}


def command_line(argv: list[str] | None = None) -> str:
    """The command as the user typed it, for the holder record (`warehouse build --as-of 2026-06-30`)."""
    return " ".join(["warehouse", *(argv if argv is not None else sys.argv[1:])])


@contextmanager
def exclusive(
    command: str, *, wait: float = 0.0, on_busy: Callable[[WarehouseBusy], None] | None = None
) -> Iterator[None]:
    """Hold the warehouse for one command; wait up to `wait` seconds for another to finish, else raise
    WarehouseBusy naming the holder (after calling `on_busy`, e.g. to log the refusal)."""
    path = lock_path()
    if path in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    zh, en = describe(_holder(handle))
                    error = WarehouseBusy(
                        f"仓库正被另一个命令使用：{zh}。本次未做任何改动；请等它结束后再运行，或加 --wait 秒数 等待。"
                        f"（锁文件 {path}）",
                        f"The warehouse is in use by {en}. Nothing was changed: run again when it has finished, "
                        f"or add --wait SECONDS to wait for it. (lock file {path})",
                    )
                    if on_busy is not None:
                        on_busy(error)
                    raise error from None
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        record = {
            "pid": os.getpid(),
            "command": command,
            "started_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
            "host": socket.gethostname(),
        }
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        _held.append(path)
        try:
            yield
        finally:
            _held.remove(path)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)

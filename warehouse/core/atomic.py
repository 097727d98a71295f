"""Output folders that are complete or untouched: every file is written under a temporary name and renamed into
place, the manifest last.

A killed export or a full disk used to leave a truncated `violations.csv` beside the previous
`run_manifest.json`, which looked complete. Here every file of one export is first written in full (and flushed
to disk) under a hidden temporary name in the output folder; only then is the old manifest removed, each file
renamed over its old version (one rename each, atomic on POSIX) and the new manifest renamed in last. A failure
while writing leaves the previous outputs exactly as they were; a kill during the renames (microseconds) leaves
no manifest, so the folder never looks complete when it is not.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from warehouse.core.errors import UserError

TEMP_PREFIX = ".partial-"

FULL_DISK = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class OutputError(UserError):
    """An output could not be written (exit status 1): the folder keeps its previous outputs."""


def _errno(error: BaseException) -> int | None:
    """The OS error number of a failed write: OSError's own, or the `(os error N)` polars puts in its message."""
    if isinstance(error, OSError) and error.errno is not None:
        return error.errno
    found = re.search(r"\(os error (\d+)\)", str(error))
    return int(found.group(1)) if found else None


def write_failure(path: Path, error: BaseException) -> OutputError:
    """The message for a file that could not be written: a full disk says so, anything else names the error."""
    number = _errno(error)
    if number in FULL_DISK:
        return OutputError(
            f"无法写入 {path}：磁盘已满（或超出文件大小限制）。请腾出空间后重试。",
            f"Cannot write {path}: the disk is full (or a file size limit was reached). Free some space and run again.",
        )
    reason = os.strerror(number) if number is not None else type(error).__name__
    return OutputError(
        f"无法写入 {path}（{reason}）。请检查该文件夹是否存在、可写，磁盘是否有空间。",
        f"Cannot write {path} ({reason}): check that the folder exists and is writable and that the disk has room.",
    )


class Outputs:
    """The files of one output folder being written: `path(name)` is where to write `name` for now."""

    def __init__(self, out_dir: Path, manifest: str | None):
        self.out_dir = out_dir
        self.manifest = manifest
        self.temp = out_dir / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """The temporary path of output `name` (a path relative to the folder, e.g. `parquet/violations.parquet`)."""
        if name not in self.names:
            self.names.append(name)
        target = self.temp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> None:
        for name in self.names:
            fsync(self.temp / name)
        order = [name for name in self.names if name != self.manifest]
        if self.manifest is not None:
            (self.out_dir / self.manifest).unlink(missing_ok=True)
            if self.manifest in self.names:
                order.append(self.manifest)
        for name in order:
            final = self.out_dir / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.temp / name, final)
        fsync(self.out_dir)


@contextmanager
def outputs(out_dir: Path, *, manifest: str | None = None) -> Iterator[Outputs]:
    """Write an output folder's files all or nothing (see the module docstring); OSError becomes OutputError."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out_dir)
    except OSError as error:
        raise write_failure(out_dir, error) from None
    files = Outputs(out_dir, manifest)
    try:
        yield files
        files.commit()
    except (OSError, pl.exceptions.ComputeError) as error:
        if isinstance(error, pl.exceptions.ComputeError) and _errno(error) is None:
            raise  # not an I/O failure
        raise write_failure(out_dir, error) from None
    finally:
        shutil.rmtree(files.temp, ignore_errors=True)


def remove_leftovers(out_dir: Path) -> None:
    """The temporary folders of exports that were killed before they finished."""
    for leftover in out_dir.glob(f"{TEMP_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries (after a rename), to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

"""What a command prints, for a person at a terminal and for a scheduler's log alike.

An analyst runs the checker from a terminal, a scheduler runs it unattended with the output in a file. Both want
the same short account of what was done (a line per input file, one for the build, the summary) and nothing else:
dbt's log, several hundred lines, goes to a log file the summary names (warehouse.engine.build), and library
warnings are kept out. On a terminal a long step also shows a progress bar on stderr (tqdm), which leaves nothing
behind when it ends; written to a file, a bar would be hundreds of carriage returns, so there is none.

Three levels: `--quiet` keeps only errors (stderr, always printed) and the last line of the summary, which
`finish` prints when the command is done; `--verbose` also shows dbt's log live; the default is in between.
The command line sets the level once (`configure`); the steps that print ask for `console()`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

QUIET, NORMAL, VERBOSE = 0, 1, 2


def is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Progress:
    """One long step's progress: `advance` after each item, `update` with a count read from elsewhere (dbt's
    `12 of 340`). Draws a bar only when the console has one to draw; otherwise counts silently."""

    def __init__(self, bar):
        self._bar = bar
        self.done = 0
        self.total: int | None = bar.total if bar is not None else None

    def advance(self, item: str | None = None, by: int = 1) -> None:
        self.update(self.done + by, item=item)

    def update(self, done: int, total: int | None = None, item: str | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if self._bar is None:
            return
        if total is not None and self._bar.total != total:
            self._bar.total = total
        if item is not None:
            self._bar.set_postfix_str(item, refresh=False)
        self._bar.n = done
        self._bar.refresh()


class Console:
    """Lines to stdout, subject to the level; progress bars to stderr, only when it is a terminal."""

    def __init__(self, level: int = NORMAL, out: IO[str] | None = None, err: IO[str] | None = None):
        self.level = level
        self._out = out
        self._err = err
        self.last: str | None = None
        """The last line said, which --quiet prints when the command is done."""

    @property
    def out(self) -> IO[str]:
        return self._out or sys.stdout

    @property
    def err(self) -> IO[str]:
        return self._err or sys.stderr

    @property
    def verbose(self) -> bool:
        return self.level >= VERBOSE

    def line(self, text: str = "") -> None:
        """A line of the command's account (hidden by --quiet, which keeps the last one for `finish`)."""
        if text.strip():
            self.last = text
        if self.level > QUIET:
            print(text, file=self.out, flush=True)

    def detail(self, text: str) -> None:
        """A line only --verbose shows (dbt's log, live)."""
        if self.verbose:
            print(text, file=self.out, flush=True)

    def finish(self) -> None:
        """The end of a command: under --quiet, its last line."""
        if self.level == QUIET and self.last is not None:
            print(self.last, file=self.out, flush=True)

    def shows_bars(self) -> bool:
        """A bar on a terminal at the default level: --quiet wants silence, and under --verbose dbt's live log would
        be torn by it."""
        return self.level == NORMAL and is_terminal(self.err)

    @contextmanager
    def progress(self, description: str, total: int | None = None, unit: str = "") -> Iterator[Progress]:
        """A progress bar for a long step; the bar is removed when the step ends (its result is a line)."""
        if not self.shows_bars():
            yield Progress(None)
            return
        from tqdm import tqdm

        bar = tqdm(
            total=total, desc=description, unit=unit, file=self.err, leave=False, dynamic_ncols=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit}{postfix}",
        )
        try:
            yield Progress(bar)
        finally:
            bar.close()


_CONSOLE = Console()


def console() -> Console:
    """The console of this process (the command line configures it; a library call gets the default level)."""
    return _CONSOLE


def configure(level: int) -> Console:
    _CONSOLE.level = level
    _CONSOLE.last = None
    return _CONSOLE

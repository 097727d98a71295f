"""Failures a user can act on: one message, Chinese first, then English, and the exit status that goes with it.

The command line (cli.py) prints the message and exits with `exit_status`; no traceback is shown for these.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix or wait out (exit status 1 unless a subclass says otherwise)."""

    exit_status = 1

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh}\n{en}")
        self.zh = zh
        self.en = en

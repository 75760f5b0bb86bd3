"""Inputs are plain files: checked before anything is opened (used by the DOJ reader, the
CLI for criteria files and workbooks, and the output set for every input of a command)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cmr_xl.common.errors import InputError


def check_input(path: str | Path) -> None:
    """Refuse at once an input that is not a plain file (a FIFO would hang without a writer,
    a terminal or device would be read once): checked with os.stat, never opened."""
    given = str(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the reader says so in its own words
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return
    kind = ("a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a terminal or device")
    raise InputError(given, f"is {kind}, not a file",
                     "Save it as a file first and give that file's path (cmr-xl reads its "
                     "input files in blocks, more than once)")

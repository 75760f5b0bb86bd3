"""Inputs are plain files: checked before anything is opened (used by the DOJ reader, the
CLI for criteria files and workbooks, and the output set for every input of a command)."""

from __future__ import annotations

from pathlib import Path

from cmr_xl.common.file_kind import plain_input_stat


def check_input(path: str | Path) -> None:
    """Refuse at once an input that is not a plain file or folder (a FIFO would hang
    without a writer, a terminal or device would be read once): checked with os.stat,
    never opened (`file_kind.plain_input_stat`)."""
    plain_input_stat(path)

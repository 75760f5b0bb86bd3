"""What kind of thing an input path is, checked once with os.stat before anything opens it.

Shared by `inputs.check_input` (every input of a command) and
`documents.read_document_bytes` (criteria files), so a pipe or device is refused in one
place with one message. A module of its own because the legal core imports `documents`
(for `shown`) and may not reach `inputs` (import-linter contract)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cmr_xl.common.errors import InputError


def plain_input_stat(path: str | Path, *, error: type[InputError] = InputError
                     ) -> os.stat_result | None:
    """The stat of an input that is a file or a folder (None when missing or unreadable:
    the reader then says so in its own words). Anything else is refused at once with
    `error`: a FIFO would hang without a writer, a terminal or device would be read once."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    mode = info.st_mode
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return info
    kind = ("a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a terminal or device")
    raise error(str(path), f"is {kind}, not a file",
                "Save it as a file first and give that file's path (cmr-xl reads its "
                "input files in blocks, more than once)")

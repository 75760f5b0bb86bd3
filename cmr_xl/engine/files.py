"""Writing files without ever losing the old one.

Every output (CSV, JSON, workbook, court copy) is written to a temporary file beside its
destination and moved over it in one step: a crash, a kill or a full disk mid-write
leaves the previous file whole. The new file gets the old file's permissions, or those
of a plain new file (mkstemp alone would make it private to its owner).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def new_file_mode(path: Path) -> int:
    """The existing file's mode when it is being replaced, else what `open` would give."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success move it over `path` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                         dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, new_file_mode(path))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)

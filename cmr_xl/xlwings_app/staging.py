"""Private temporary files of xlwings Server: DOJ files uploaded from the task pane, sheet
rows sent ahead of a script in pieces under Office.js' ~5 MB limit, court copies waiting
for their download.

Everything lives in one folder only this process's user can read (mode 0700), named by
CMR_XL_STAGING_DIR (`cmr-xl serve` makes it and removes it at exit). Each item is named
by a random token (secrets.token_urlsafe) and deleted once used; items left unused are
deleted after MAX_AGE_SECONDS.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from cmr_xl.common.errors import InputError

MAX_AGE_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def folder() -> Path:
    where = os.environ.get("CMR_XL_STAGING_DIR")
    if not where:
        where = tempfile.mkdtemp(prefix="cmr-xl-staging-")
        os.environ["CMR_XL_STAGING_DIR"] = where
    path = Path(where)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def new_token() -> str:
    expire()
    return secrets.token_urlsafe(24)


def path(token: str, kind: str) -> Path:
    """The file of `token` (kind: upload, rows, zip); a malformed token is refused."""
    if not isinstance(token, str) or not TOKEN.match(token) or kind not in ("upload", "rows", "zip"):
        raise InputError("upload", "is not a valid upload reference", "Upload the file again")
    return folder() / f"{token}.{kind}"


def upload_target(token: str, name: str) -> Path:
    """Where an upload of file `name` goes: a private folder of its own, the file keeping
    its name (About lists it)."""
    home = path(token, "upload")
    home.mkdir(mode=0o700)
    safe = re.sub(r"[^A-Za-z0-9._ -]", "_", Path(name.replace("\\", "/")).name).strip(" .")
    return home / (safe[:120] or "doj-file.txt")


def uploaded(token: str) -> Path:
    home = path(token, "upload")
    files = sorted(home.iterdir()) if home.is_dir() else []
    if not files:
        raise InputError("the uploaded DOJ file", "is no longer on the server",
                         "Choose the file again in the task pane")
    return files[0]


def discard(token: str, kind: str = "upload") -> None:
    """Delete what `token` names (an upload's folder with its file)."""
    target = path(token, kind)
    if target.is_dir():
        shutil.rmtree(target, ignore_errors=True)
    else:
        target.unlink(missing_ok=True)


def add_rows(token: str, sheet: str, start: int, rows: list[list[Any]]) -> None:
    """Rows of `sheet` from 0-based row `start`, appended to the token's file."""
    with open(path(token, "rows"), "a", encoding="utf-8") as handle:
        os.chmod(handle.name, 0o600)
        handle.write(json.dumps({"sheet": sheet, "start": start, "rows": rows}) + "\n")


def take_rows(token: str) -> dict[str, list[list[Any]]]:
    """The sheets sent ahead under `token`, each as rows from A1; the file is deleted."""
    source = path(token, "rows")
    if not source.is_file():
        raise InputError("the sheets sent for this script", "are no longer on the server",
                         "Run the button again")
    pieces: dict[str, list[tuple[int, list[list[Any]]]]] = {}
    try:
        with open(source, encoding="utf-8") as handle:
            for line in handle:
                piece = json.loads(line)
                pieces.setdefault(piece["sheet"], []).append((piece["start"], piece["rows"]))
    finally:
        source.unlink(missing_ok=True)
    sheets: dict[str, list[list[Any]]] = {}
    for sheet, parts in pieces.items():
        rows: list[list[Any]] = []
        for start, part in sorted(parts, key=lambda p: p[0]):
            rows[len(rows):] = [[] for _ in range(max(0, start - len(rows)))]
            rows[start:start + len(part)] = part
        sheets[sheet] = rows
    return sheets


def expire(max_age: float = MAX_AGE_SECONDS) -> None:
    """Delete items older than `max_age` seconds (an upload never imported, say)."""
    now = time.time()
    for item in folder().iterdir():
        try:
            if now - item.stat().st_mtime > max_age:
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        except OSError:
            pass

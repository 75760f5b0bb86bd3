"""Are the Results rows the ones the import wrote? (issue 11, item 3)

The import records on About how many convictions it wrote and a fingerprint of their
identities (subject, cycle, count): a SHA-256 over the sorted identities, so sorting and
filtering the table change nothing. `recalc` compares the rows it reads with that record
and says, on stderr and About, when rows were deleted, added or repeated (repeated rows by
cell); `export` refuses then: a court report must hold every conviction the import found,
and the office restores the rows (Undo, a backup) or imports again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from cmr_xl.engine.errors import InputError
from cmr_xl.engine.results_columns import RESULT_COLUMNS
from cmr_xl.workbook import layout as L

#: About keys (under the row accounting, "Rows: ..."), carried over by recalc.
WRITTEN, FINGERPRINT = "convictions_written", "convictions_fingerprint"
IDENTITY = tuple(c for c in RESULT_COLUMNS if c.key in ("person_id", "cycle", "count_order"))
#: How a note of this check ends (recalc replaces its earlier notes of this kind).
SUFFIX = "since the import"


def identities(frame: pd.DataFrame) -> list[str]:
    """Each row's identity, 'subject|cycle|count', in row order."""
    parts = [frame[c.key].astype(object).where(frame[c.key].notna(), "").map(_plain)
             for c in IDENTITY]
    return ["|".join(values) for values in zip(*parts, strict=True)] if len(frame) else []


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def fingerprint(ids: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:32]}"


def record(frame: pd.DataFrame) -> dict[str, Any]:
    """What the import writes to About's row accounting."""
    ids = identities(frame)
    return {WRITTEN: len(ids), FINGERPRINT: fingerprint(ids)}


def problems(frame: pd.DataFrame, about: dict[str, Any], path: Path) -> list[str]:
    """What differs between the Results rows (`frame`, with attrs['sheet_rows']) and the
    import's record on About, in words; empty when they agree or nothing was recorded
    (a workbook from before this record)."""
    written, recorded = about.get(f"rows.{WRITTEN}"), about.get(f"rows.{FINGERPRINT}")
    if not isinstance(written, (int, float)) or not recorded:
        return []
    ids = identities(frame)
    if fingerprint(ids) == recorded:
        return []
    found: list[str] = []
    sheet_rows = list(frame.attrs.get("sheet_rows", range(1, len(ids) + 1)))
    counts = Counter(ids)
    for identity, count in counts.items():
        if count > 1:
            rows = [int(sheet_rows[n]) + 1 for n, i in enumerate(ids) if i == identity]
            subject, cycle, number = identity.split("|")
            found.append(
                f"{path.name}, sheet {L.RESULTS}, rows {', '.join(map(str, rows))}: the same "
                f"conviction (subject {subject}, cycle {cycle}, count {number}) "
                f"{count} times; {count - 1} row(s) repeated {SUFFIX}")
    unique = len(counts)
    written = int(written)
    where = f"{path.name}, sheet {L.RESULTS}"
    if unique < written:
        found.append(f"{where}: {unique:,} convictions where the import wrote {written:,}: "
                     f"{written - unique:,} row(s) deleted {SUFFIX}")
    elif unique > written:
        found.append(f"{where}: {unique:,} convictions where the import wrote {written:,}: "
                     f"{unique - written:,} row(s) added {SUFFIX}")
    elif not any(count > 1 for count in counts.values()):
        found.append(f"{where}: {written:,} convictions as the import wrote, but not the same "
                     f"ones (subject, cycle or count changed) {SUFFIX}")
    return found


RESTORE = ("Restore the rows (Undo, or copy the Results sheet from a backup) and delete "
           "repeated ones, or import the DOJ file again; to leave convictions out, give them "
           "a DA decision instead; nothing was written")


def refuse(frame: pd.DataFrame, about: dict[str, Any], path: Path) -> None:
    """Export's check: a court report never silently lacks convictions."""
    found = problems(frame, about, path)
    if found:
        where, what = found[0].split(": ", 1)
        more = f" (and {len(found) - 1} more: {'; '.join(found[1:3])})" if len(found) > 1 else ""
        raise InputError(where, f"{what}{more}; the court copies would not hold what the "
                         "import found", RESTORE)

"""Are the Results rows the ones the import wrote? (issue 11, item 3)

The import records on About how many convictions it wrote and a fingerprint of their
identities (subject, cycle, count): a SHA-256 over the sorted identities, so sorting and
filtering the table change nothing. `recalc` compares the rows it reads with that record
and says, on stderr and About, when rows were deleted, added or repeated (repeated rows by
cell); `export` refuses then: a court report must hold every conviction the import found,
and the office restores the rows (Undo, a backup) or imports again. The workbook writer
also keeps the identities with the case number and DOJ line on the hidden Lists sheet, so
that the notes name the convictions deleted and the rows added (when that list matches
About's record; otherwise they count them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cmr_xl.common.errors import InputError
from cmr_xl.rules.results_columns import RESULT_COLUMNS
from cmr_xl.workbook import layout as L

if TYPE_CHECKING:
    from cmr_xl.workbook.reader import Workbook

#: About keys (under the row accounting, "Rows: ..."), carried over by recalc.
WRITTEN, FINGERPRINT = "convictions_written", "convictions_fingerprint"
IDENTITY = tuple(c for c in RESULT_COLUMNS if c.key in ("person_id", "cycle", "count_order"))
#: How a note of this check ends (recalc replaces its earlier notes of this kind).
SUFFIX = "since the import"
#: The import also keeps each conviction's identity and where it came from on the hidden
#: Lists sheet (two columns beside the dropdown sources, sorted, so that sorting Results
#: changes nothing), so that recalc and export name the convictions deleted or added.
IMPORTED, FOUND_AT = "Imported conviction", "Found at"
NAMED = 5  # how many convictions a note names before "and N more"


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


def imported_rows(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(identity, found at) of each conviction the import writes, sorted: what the Lists
    sheet keeps. 'Found at' is the case number and the DOJ file's line."""
    def text(key: str) -> list[str]:
        if key not in frame:
            return [""] * len(frame)
        return frame[key].astype(object).where(frame[key].notna(), "").map(_plain).tolist()

    places = [", ".join(part for part in (f"case {case}" if case else "",
                                          f"{file} line {line}" if line else "") if part)
              for case, file, line in zip(text("case_number"), text("source_file"),
                                          text("source_line"), strict=True)]
    return sorted(zip(identities(frame), places, strict=True))


def read_imported(rows: list[list[Any]]) -> dict[str, str] | None:
    """The import's identities and places from the Lists sheet's rows (identity -> found
    at); None when the sheet has none (a workbook of `cmr-xl new`, or from before)."""
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else [])]
    if IMPORTED not in header:
        return None
    at = header.index(IMPORTED)
    found: dict[str, str] = {}
    for row in rows[1:]:
        identity = row[at] if at < len(row) else None
        if identity in (None, ""):
            break
        place = row[at + 1] if at + 1 < len(row) else None
        found[str(identity)] = "" if place is None else str(place)
    return found


def imported_of(book: Workbook) -> dict[str, str] | None:
    """read_imported of a workbook's Lists sheet; None when it has none."""
    return read_imported(book.rows(L.LISTS)) if L.LISTS in book.sheet_names else None


def _named(identity: str, place: str) -> str:
    subject, cycle, number = (identity.split("|") + ["", ""])[:3]
    return f"subject {subject}, cycle {cycle}, count {number}" + (f" ({place})" if place else "")


def _listed(items: list[str]) -> str:
    more = len(items) - NAMED
    return "; ".join(items[:NAMED]) + (f"; and {more:,} more" if more > 0 else "")


def problems(frame: pd.DataFrame, about: dict[str, Any], path: Path,
             imported: dict[str, str] | None = None) -> list[str]:
    """What differs between the Results rows (`frame`, with attrs['sheet_rows']) and the
    import's record on About, in words; empty when they agree or nothing was recorded
    (a workbook from before this record). With the import's identities (`imported`, from
    the Lists sheet, used only when they match the record), the convictions deleted and
    the rows added are named."""
    written, recorded = about.get(f"rows.{WRITTEN}"), about.get(f"rows.{FINGERPRINT}")
    if not isinstance(written, (int, float)) or not recorded:
        return []
    ids = identities(frame)
    if fingerprint(ids) == recorded:
        return []
    if imported is not None and (len(imported) != int(written)
                                 or fingerprint(list(imported)) != recorded):
        imported = None  # not the import About records (edited, or an older import's)
    found: list[str] = []
    sheet_rows = list(frame.attrs.get("sheet_rows", range(1, len(ids) + 1)))
    rows_of: dict[str, list[int]] = defaultdict(list)  # identity -> its 1-based sheet rows
    for n, identity in enumerate(ids):
        rows_of[identity].append(int(sheet_rows[n]) + 1)
    for identity, rows in rows_of.items():
        if len(rows) > 1:
            count = len(rows)
            subject, cycle, number = identity.split("|")
            found.append(
                f"{L.place(path, L.RESULTS, rows)}: the same "
                f"conviction (subject {subject}, cycle {cycle}, count {number}) "
                f"{count} times; {count - 1} row(s) repeated {SUFFIX}")
    unique = len(rows_of)
    written = int(written)
    where = L.place(path, L.RESULTS)
    if imported is not None:
        return found + _named_changes(ids, sheet_rows, imported, where, unique, written)
    if unique < written:
        found.append(f"{where}: {unique:,} convictions where the import wrote {written:,}: "
                     f"{written - unique:,} row(s) deleted {SUFFIX}")
    elif unique > written:
        found.append(f"{where}: {unique:,} convictions where the import wrote {written:,}: "
                     f"{unique - written:,} row(s) added {SUFFIX}")
    elif not any(len(rows) > 1 for rows in rows_of.values()):
        found.append(f"{where}: {written:,} convictions as the import wrote, but not the same "
                     f"ones (subject, cycle or count changed) {SUFFIX}")
    return found


def _named_changes(ids: list[str], sheet_rows: list[Any], imported: dict[str, str],
                   where: str, unique: int, written: int) -> list[str]:
    """The convictions the import wrote that Results lacks, and the rows it did not write,
    each named (subject, cycle, count, case and DOJ line; added rows by sheet row)."""
    present = set(ids)
    missing = [_named(i, imported[i]) for i in imported if i not in present]
    added = [f"row {int(sheet_rows[n]) + 1} ({_named(i, '')})" for n, i in enumerate(ids)
             if i not in imported]
    found = []
    head = f"{where}: {unique:,} convictions where the import wrote {written:,}"
    if missing:
        found.append(f"{head}: {len(missing):,} conviction(s) deleted {SUFFIX}: "
                     f"{_listed(missing)}")
    if added:
        found.append(f"{head}: {len(added):,} row(s) added {SUFFIX}, not imported: "
                     f"{_listed(added)}")
    return found


RESTORE = ("Restore the rows (Undo, or copy the Results sheet from a backup) and delete "
           "repeated ones, or import the DOJ file again; to leave convictions out, give them "
           "a DA decision instead; nothing was written")


def refuse(frame: pd.DataFrame, about: dict[str, Any], path: Path,
           imported: dict[str, str] | None = None) -> None:
    """Export's check: a court report never silently lacks convictions."""
    found = problems(frame, about, path, imported)
    if found:
        where, what = found[0].split(": ", 1)
        more = f" (and {len(found) - 1} more: {'; '.join(found[1:3])})" if len(found) > 1 else ""
        raise InputError(where, f"{what}{more}; the court copies would not hold what the "
                         "import found", RESTORE)

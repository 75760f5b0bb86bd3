"""Rows that read as CSV but cannot be used as they are (`screen`), the header line again
in the middle of a file, and signs that a file was saved again by Excel."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj import limits
from cmr_xl.doj.accounting import RejectedRow, RowAccounting
from cmr_xl.doj.blocks import Block
from cmr_xl.doj.doj_format import DOJ_COLUMNS, SOURCE_LINE
from cmr_xl.doj.notes import AS_SENT, NO_SUBJECT, too_long_reason
from cmr_xl.doj.repairs import Judged
from cmr_xl.doj.repeats import Repeats


def screen(table: pa.Table, lines: np.ndarray, judged: Judged, block: Block, given: str,
           repeats: Repeats) -> tuple[pa.Table, np.ndarray]:
    """Rows read as CSV that cannot be used as rows: a value too long to be DOJ data
    (rejected), every field empty (the empty row a spreadsheet writes: a blank line),
    no SUBJECT_ID (rejected: it cannot be linked to a person), the exact repeat of an
    earlier line (rejected, so that it is not read as one more sentence part).
    Vectorised: Python looks only at the few rows each cheap test points at."""
    n = table.num_rows
    if not n:
        return table, lines
    reasons: dict[int, str] = {}
    for name in DOJ_COLUMNS:
        for r in long_values(table[name]).tolist():
            value = table[name][r].as_py()
            reasons.setdefault(r, too_long_reason(len(value), name))
    blank: list[int] = []
    no_id = pc.is_null(table["SUBJECT_ID"]).to_numpy(zero_copy_only=False)
    if no_id.any():
        rows = np.flatnonzero(no_id)
        empty = np.ones(len(rows), dtype=bool)
        for column in table.take(pa.array(rows)).columns:
            filled = pc.not_equal(pc.utf8_trim_whitespace(column), "")
            empty &= ~pc.fill_null(filled, False).to_numpy(zero_copy_only=False)
        for r, nothing in zip(rows.tolist(), empty.tolist(), strict=True):
            if r in reasons:
                continue
            if nothing:
                blank.append(r)
            else:
                reasons[r] = NO_SUBJECT
    skip = np.zeros(n, dtype=bool)
    skip[list(reasons) + blank] = True
    reasons.update(repeats.find(table, lines, skip, block))
    if reasons or blank:
        drop = np.zeros(n, dtype=bool)
        drop[list(reasons) + blank] = True
        judged.blanks += len(blank)
        for r in sorted(reasons):
            line = int(lines[r])
            text = block.text(line - block.first_line)[:limits.TEXT_LIMIT]
            judged.rejects.append(RejectedRow(given, line, reasons[r], text))
        table = table.filter(pa.array(~drop))
        lines = lines[~drop]
    repeats.remember(table, lines, block, multiline=judged.continuation > 0)
    return table, lines


def repeated_headers(table: pa.Table) -> np.ndarray | None:
    """Rows that are the header line again (files joined with `cat`); None if none."""
    ids = table["SUBJECT_ID"]
    hit = pc.or_(pc.equal(ids, "SUBJECT_ID"), pc.equal(ids, "subject_id"))
    if not pc.any(hit).as_py():
        return None
    record = pc.utf8_upper(pc.fill_null(table["RECORD_ID"], ""))
    return pc.and_(pc.fill_null(hit, False),
                   pc.equal(record, "RECORD_ID")).to_numpy(zero_copy_only=False)


def check_excel(table: pa.Table, given: str, accounting: RowAccounting) -> None:
    """Signs that the file was opened and saved again in Excel, which rewrites long
    numbers in scientific notation, dates as m/d/yyyy and drops leading zeros."""
    checks = [
        (("SUBJECT_ID", "CII_NUMBER", "REQ_CII_NUMBER", "CNT_ORDER"),
         r"^[0-9](\.[0-9]+)?[Ee]\+[0-9]+$", "is in scientific notation"),
        (("PRI_DOB", "CYC_DATE", "STP_EVENT_DATE", "DISP_DATE"),
         r"^[0-9]{1,2}[/-][0-9]{1,2}[/-][0-9]{2,4}$", "is not a YYYYMMDD date"),
        (("CNT_ORDER",), r"^[0-9]{1,11}$", "lost its leading zeros (12 digits expected)"),
    ]
    signs = []
    for columns, pattern, what in checks:
        for name in columns:
            hit = pc.fill_null(pc.match_substring_regex(table[name], pattern), False)
            at = pc.index(hit, True).as_py()
            if at >= 0:
                signs.append(f"{name} {table[name][at].as_py()!r} at line "
                             f"{table[SOURCE_LINE][at].as_py()} {what}")
                break
    if signs:
        accounting.excel_resaved.append(given)
        accounting.notes.append(
            f"{given} looks opened and saved again in Excel: " + "; ".join(signs)
            + ". Excel rewrites long numbers and dates and drops leading zeros, so ids and "
            "dates may be wrong. " + AS_SENT)


def long_values(column: pa.ChunkedArray) -> np.ndarray:
    """Rows whose value is longer than limits.VALUE_LIMIT, read from the offsets of the chunks
    whose data is that long at all (nearly never)."""
    found, base = [], 0
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is not None and data.size > limits.VALUE_LIMIT:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32, count=len(chunk) + 1,
                                    offset=chunk.offset * 4)
            found.append(np.flatnonzero(np.diff(offsets) > limits.VALUE_LIMIT) + base)
        base += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

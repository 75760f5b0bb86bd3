"""Excel custom functions: =CMR_DETERMINE(...), =CMR_CRITERIA_SENTENCES(...),
=CMR_VERSION().

Written with xlwings' portable decorators, so this one module serves xlwings Lite,
xlwings Server and the classic Windows add-in. Criteria cells are arguments: editing
one makes Excel call the function again, and the determinations spill anew.

Arguments are taken "raw" and converted by `cells` (a column at a time), because
xlwings' per-cell conversion costs ~80 microseconds a cell on CPython.

Size limits. Office.js passes at most about 5 MB to and from one call, and a sheet
holds 1,048,576 rows. A county is therefore split into blocks of whole persons (the
after-relief columns look at all of a person's convictions), each block one formula:
`block_bounds` chooses them and the Live sheet (scripts.make_live) lays them out.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from xlwings import __version__ as xlwings_version
from xlwings import arg, func, ret

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.engine.pipeline import determine_rows
from cmr_xl.rules import da_decision
from cmr_xl.rules.results_columns import Column
from cmr_xl.xlwings_app.cells import (
    PACK_SEPARATOR,
    FactsBlock,
    as_rows,
    block_decisions,
    cells_from_frame,
    criteria_from_cells,
    determination_columns,
    facts_block,
    packed_facts_block,
)

#: Office.js limit per custom-function call (arguments and result), with a margin.
PAYLOAD_LIMIT_BYTES = 4_000_000
MAX_BLOCK_ROWS = 10_000
#: A result row is ~300 bytes of JSON (synthetic counties: mean 290, max 470); a criteria
#: change can lengthen its reason and trace, up to ~1 kB when every check is unknown.
RESULT_ROW_BYTES = 600
RESULT_GROWTH_BYTES = 200
NON_TEXT_CELL_BYTES = 12  # a number (age, years to one decimal) or boolean, and a comma


@func
@arg("facts", "raw", doc="Results rows (A:AI) with the header row unless 'header' is given; "
     "or the Live sheet's packed facts column")
@arg("criteria", "raw", doc="The criteria block Criteria!A5:C23 (or its values C5:C23)")
@arg("header", "raw", doc="Optional: the header row Results!A1:AI1 when facts has none, or "
     "the packed header cell Live!N1")
@arg("columns", "raw", doc="Optional: output columns, e.g. \"determination,reason,trace\"")
@arg("decisions", "raw", doc="Optional: the DA decision and DA grounds cells of the same "
     "rows (Results!F2:G...); the Final outcome, Reason category and Relief follow them")
@ret("raw")
def cmr_determine(facts: Any, criteria: Any, header: Any = None, columns: Any = None,
                  decisions: Any = None) -> list:
    """Prop 64 determination, reason, relief and decision trace for each conviction."""
    with _collector_paused():
        return _determine(facts, criteria, header, columns, decisions)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one call. A block allocates hundreds of
    thousands of small objects (its cells, then its result rows), which would trigger
    full collections over everything the server holds: ~20% of the call's time. Nothing
    here makes reference cycles that must be freed mid-call; collection resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _determine(facts: Any, criteria: Any, header: Any, columns: Any,
               decisions: Any = None) -> list:
    try:
        rows = as_rows(facts)
        outputs = determination_columns(columns)
        labels: Sequence[Any] = ()
        if is_packed_header(header):
            block = packed_facts_block(as_rows(header)[0][0], rows)
        elif header in (None, ""):
            if not rows:
                return [["cmr-xl: no rows given"]]
            labels, rows = rows[0], rows[1:]
            block = facts_block(labels, rows)
        else:
            labels = as_rows(header)[0]
            block = facts_block(labels, rows)
        if decisions in (None, "") and labels:  # Results rows cell by cell: their own
            decisions = decision_cells(labels, rows)
        chosen, problems = (None, {}) if decisions in (None, "") else block_decisions(
            decisions, block)
        result = determine_rows(block.facts, criteria_from_cells(criteria), chosen)
        too_big = result_too_big(result, outputs)
        if too_big:
            return [[too_big]]
        block.problems.update(problems)  # a bad DA decision answers as an unread row does
        return answer_rows(block, cells_from_frame(result, outputs), len(outputs))
    except InputError as error:
        return [[f"cmr-xl: {error}"]]


def decision_cells(labels: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[list[Any]] | None:
    """The DA decision and grounds cells of Results rows given cell by cell with their
    header (None when the range leaves those columns out)."""
    at = da_decision.decision_columns(labels)
    if at is None:
        return None
    return [[row[i] if i < len(row) else None for i in at] for row in rows]


def answer_rows(block: FactsBlock, answers: list[list[Any]], width: int) -> list[list[Any]]:
    """One answer row per row given, beside it: empty rows get empty cells, rows that
    could not be read say why."""
    if len(block.positions) == block.size and not block.problems:
        return answers or [[""] * width]
    out = [[""] * width for _ in range(block.size)] or [[""] * width]
    for position, answer in zip(block.positions.tolist(), answers, strict=True):
        out[position] = answer
    for position, problem in block.problems.items():
        out[position] = [f"cmr-xl: {problem}"] + [""] * (width - 1)
    return out


def is_packed_header(header: Any) -> bool:
    """The Live sheet's packed header: one cell, the fact labels joined."""
    cells = as_rows(header)
    return (len(cells) == 1 and len(cells[0]) == 1 and isinstance(cells[0][0], str)
            and PACK_SEPARATOR in cells[0][0])


@func
@arg("criteria", "raw", doc="The criteria block Criteria!A5:C23 (or its values C5:C23)")
@ret("raw")
def cmr_criteria_sentences(criteria: Any) -> list:
    """The criteria in force as plain sentences, one per row."""
    try:
        return [[sentence] for sentence in criteria_from_cells(criteria).sentences()]
    except InputError as error:
        return [[f"cmr-xl: {error}"]]


@func
@ret("raw")
def cmr_version() -> list:
    """The cmr-xl and xlwings versions serving these functions."""
    return [[f"cmr-xl {__version__} (xlwings {xlwings_version})"]]


def block_bounds(person_ids: Sequence[Any], rows_bytes: Sequence[int] | None = None,
                 max_rows: int = MAX_BLOCK_ROWS,
                 limit_bytes: int = PAYLOAD_LIMIT_BYTES) -> list[tuple[int, int]]:
    """[start, end) row ranges of at most `max_rows` rows and `limit_bytes` bytes each,
    cut only where the person changes (rows of a person are consecutive)."""
    n = len(person_ids)
    if n == 0:
        return []
    ids = np.asarray(person_ids, dtype=object)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])  # first row of each person
    sizes = np.asarray(rows_bytes if rows_bytes is not None else np.full(n, 1), dtype=np.int64)
    cumulative = np.r_[0, np.cumsum(sizes)]
    bounds, start = [], 0
    while start < n:
        by_rows = start + max_rows
        by_bytes = int(np.searchsorted(cumulative, cumulative[start] + limit_bytes, "right")) - 1
        end = min(by_rows, by_bytes, n)
        cuts = starts[(starts > start) & (starts <= end)]
        if end < n:
            if not len(cuts):
                raise InputError("facts", f"one person has more rows than fit one call "
                                 f"(from row {start + 1})", "Lower the block size")
            end = int(cuts[-1])
        bounds.append((start, end))
        start = end
    return bounds


def row_bytes(rows: Sequence[Sequence[Any]]) -> list[int]:
    """JSON size of each row, as Office.js would send it (for block_bounds)."""
    return [len(json.dumps(list(row), default=str)) + 1 for row in rows]


def call_bytes(fact_rows: Sequence[Sequence[Any]],
               result_rows: Sequence[Sequence[Any]] | None = None) -> list[int]:
    """What each row adds to one =CMR_DETERMINE call: its fact cells going in, and its
    result coming back (as computed now, plus RESULT_GROWTH_BYTES for a longer reason or
    trace after a criteria change; RESULT_ROW_BYTES when none is computed yet)."""
    sizes = row_bytes(fact_rows)
    if result_rows is None:
        return [size + RESULT_ROW_BYTES for size in sizes]
    return [size + out + RESULT_GROWTH_BYTES
            for size, out in zip(sizes, row_bytes(result_rows), strict=True)]


def result_too_big(result: pd.DataFrame, outputs: Sequence[Column],
                   limit_bytes: int | None = None) -> str | None:
    """A message when a block's answer would exceed what one call can return (criteria
    that lengthen every reason and trace can do it); None when it fits. Estimated from
    the text lengths (json.dumps of the answer would cost a third of the call); the limit
    keeps a 20% margin below Office.js' ~5 MB for escapes."""
    size = 2 * len(result)
    for column in outputs:
        if column.kind == "text":
            values = result[column.key].to_numpy(dtype=object)
            size += sum(map(len, values.astype(str) if None in values else values))
            size += 3 * len(values)
        else:
            size += NON_TEXT_CELL_BYTES * len(result)
    if size <= (PAYLOAD_LIMIT_BYTES if limit_bytes is None else limit_bytes):
        return None
    return (f"cmr-xl: this block's answer is about {size / 1e6:.1f} MB, more than one call "
            "can return; run the 'make_live' script again to cut smaller blocks")

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

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from xlwings import __version__ as xlwings_version
from xlwings import arg, func, ret

from cmr_xl import __version__
from cmr_xl.engine.eligibility import determine
from cmr_xl.engine.errors import InputError
from cmr_xl.xlwings_app.cells import (
    as_rows,
    cells_from_frame,
    criteria_from_cells,
    determination_columns,
    facts_from_cells,
)

#: Office.js limit per custom-function call (arguments and result), with a margin.
PAYLOAD_LIMIT_BYTES = 4_000_000
MAX_BLOCK_ROWS = 10_000


@func
@arg("facts", "raw", doc="Results rows (A:AI), with the header row unless 'header' is given")
@arg("criteria", "raw", doc="The criteria block Criteria!A5:C23 (or its values C5:C23)")
@arg("header", "raw", doc="Optional: the header row Results!A1:AI1, when facts has none")
@arg("columns", "raw", doc="Optional: output columns, e.g. \"determination,reason,trace\"")
@ret("raw")
def cmr_determine(facts: Any, criteria: Any, header: Any = None, columns: Any = None) -> list:
    """Prop 64 determination, reason, relief and decision trace for each conviction."""
    try:
        rows = as_rows(facts)
        if header in (None, ""):
            if not rows:
                return [["cmr-xl: no rows given"]]
            header_row, body = rows[0], rows[1:]
        else:
            header_row, body = as_rows(header)[0], rows
        outputs = determination_columns(columns)
        table = facts_from_cells(header_row, body)
        result = determine(table, criteria_from_cells(criteria))
        if not len(result):
            return [[""] * len(outputs)]
        return cells_from_frame(result, outputs)
    except InputError as error:
        return [[f"cmr-xl: {error}"]]


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

"""Cells <-> engine inputs and outputs, fast enough for a county.

xlwings' own argument conversion checks every cell for Pyodide's JsNull by trying an
import (about 80 microseconds a cell on CPython: 24 s for 50,000 rows x 6 columns), so
the functions take their ranges "raw" and convert here, a column at a time with numpy,
pandas and Arrow. Cells arrive as Office.js sends them (numbers, text, booleans, ""
for empty, dates as serial numbers or ISO text, errors as dicts) or as COM sends them
(tuples, None, datetime); all of these are handled.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import (
    criterion_value,
    object_array,
    serials_from_dates,
    typed_column,
    typed_text_column,
)
from cmr_xl.output.csv_bundle import FORMULA_LIKE
from cmr_xl.rules import da_decision
from cmr_xl.rules.criteria import Criteria, criteria_from_mapping, criterion_specs
from cmr_xl.rules.results_columns import (
    CONVICTION_MARKERS,
    DECISION,
    DETERMINATION,
    FACT_COLUMNS,
    Column,
)
from cmr_xl.workbook.reader import header_label

#: The facts the rules read (results_columns: engine=True); the other columns (names, courts, case
#: numbers...) are not converted, which saves a third of the time. A test checks that the
#: function path gives the engine's answer on a whole synthetic county.
ENGINE_FACTS = frozenset(c.key for c in FACT_COLUMNS if c.engine)
FORMULA_START = re.compile(FORMULA_LIKE)
#: The facts the engine reads, in the order the Live sheet packs them into one cell.
PACKED_FACTS = tuple(c for c in FACT_COLUMNS if c.key in ENGINE_FACTS)
PACK_SEPARATOR = "|"  # never in a fact the rules read (sections, levels, lists, ids)


def as_rows(value: Any) -> list[Sequence[Any]]:
    """A range argument as a list of rows (xlwings turns 1 x n ranges into a flat list
    and a single cell into a scalar)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if value and not isinstance(value[0], (list, tuple)):
        return [value]
    return list(value)


@dataclass
class FactsBlock:
    """The convictions of one block of rows, and where each sits in the block: the answer
    must have one row per row given (Excel lays it beside them), also for an empty row."""

    facts: pd.DataFrame  # the rows holding a conviction, typed for the engine
    positions: np.ndarray  # their rows in the block
    size: int  # rows given
    problems: dict[int, str] = field(default_factory=dict)  # row -> why it was not read


def facts_block(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> FactsBlock:
    """Rows of cells (Results!A:AI): transposed once (in C), each fact column converted
    whole."""
    positions = _fact_positions(header)
    width = len(header)
    if set(map(len, rows)) - {width}:
        rows = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    keep = np.zeros(len(rows), dtype=bool)
    for key in CONVICTION_MARKERS:  # a conviction names its section; a clerk's note does not
        marker = object_array(columns[positions[key]])
        keep |= (marker != "") & (marker != None)  # noqa: E711 - elementwise on an object array
    chosen = np.flatnonzero(keep)
    whole = len(chosen) == len(rows)
    data = {}
    for column in PACKED_FACTS:
        values = object_array(columns[positions[column.key]])
        data[column.key] = typed_column(values if whole else values[chosen], column)
    return FactsBlock(_with_blanks(data, len(chosen)), chosen, len(rows))


def packed_facts_block(header: Any, cells: Sequence[Sequence[Any]]) -> FactsBlock:
    """One cell per row holding the engine's facts joined by PACK_SEPARATOR (the Live
    sheet's formulas join them in Excel), and the header joined the same way. Parsed by
    Arrow's CSV reader in one pass: a third of the bytes and time of the rows of cells."""
    labels = [label.strip() for label in str(header).split(PACK_SEPARATOR)]
    rebuild = "Run the make_live script again to rebuild the Live sheet"
    positions = _fact_positions(labels, PACKED_FACTS, where="packed facts header", todo=rebuild)
    known = {header_label(c.label) for c in FACT_COLUMNS} | {c.key for c in FACT_COLUMNS}
    unknown = [label for label in labels if header_label(label) not in known]
    if unknown:
        raise InputError("packed facts header", f"unknown column(s) {', '.join(unknown)}",
                         rebuild)
    texts = [row[0] if row else None for row in cells]
    empty = PACK_SEPARATOR * (len(labels) - 1)  # parsed in place of a row not read
    problems: dict[int, str] = {}
    if not all(isinstance(text, str) for text in texts):  # an Excel error, a number
        problems = {i: _packed_problem(cells[i]) for i, t in enumerate(texts)
                    if not isinstance(t, str)}
    joined = _joined(texts, problems, empty)
    if joined.count(b"\n") != len(texts) - 1 or b"\r" in joined:  # a line break in a fact
        problems |= {i: "a fact of this row contains a line break" for i, t in enumerate(texts)
                     if isinstance(t, str) and ("\n" in t or "\r" in t)}
        joined = _joined(texts, problems, empty)
    table, wrong = _parse_packed(joined, labels)
    if None in wrong:  # the parser could not say which line: count the parts here
        wrong = [i for i, t in enumerate(texts) if i not in problems
                 and t.count(PACK_SEPARATOR) != len(labels) - 1]
    if wrong:  # a '|' inside a fact: wrong number of parts (the parser reports the line)
        problems |= {line: (f"a fact of this row contains '{PACK_SEPARATOR}' "
                            f"({texts[line].count(PACK_SEPARATOR) + 1} parts, "
                            f"{len(labels)} expected)") for line in wrong}
        table, _ = _parse_packed(_joined(texts, problems, empty), labels)
    marked = pa.array([], pa.bool_())
    if table:  # a conviction names its section (results_columns.CONVICTION_MARKERS)
        marked = functools.reduce(pc.or_, [pc.is_valid(table.column(positions[key]))
                                           for key in CONVICTION_MARKERS])
    chosen = np.flatnonzero(marked.to_numpy(zero_copy_only=False))
    data = {}
    for column in PACKED_FACTS:
        values = table.column(positions[column.key]).combine_chunks() if table else pa.array(
            [], pa.string())
        if len(chosen) != len(marked):
            values = values.take(pa.array(chosen))
        data[column.key] = typed_text_column(values, column)
    return FactsBlock(_with_blanks(data, len(chosen)), chosen, len(cells), problems)


def block_decisions(cells: Any, block: FactsBlock) -> tuple[pd.DataFrame, dict[int, str]]:
    """The DA decision and grounds of the block's convictions, from the cells of the same
    rows (Results' 'DA decision' and 'DA grounds' columns), read as `cmr-xl recalc` reads
    them: the decision normalised to the dropdown's word ("" for none), grounds as text.
    A decision that is none of the dropdown's words is its row's problem (the row is
    determined without it and answers with the message)."""
    rows = as_rows(cells)
    if len(rows) != block.size:
        raise InputError("decisions", f"{len(rows):,} row(s) given for {block.size:,} rows "
                         "of facts", "Pass the 'DA decision' and 'DA grounds' cells of the "
                         "same rows (run the make_live script again)")
    chosen = block.positions.tolist()
    cells = [rows[position][0] if rows[position] else None for position in chosen]
    words, bad = da_decision.normalise_all(cells)
    problems = {chosen[n]: (f"{da_decision.shown(cells[n])} is not a DA decision; use the "
                            f"dropdown: {da_decision.allowed_words()}, or leave it empty")
                for n in bad}
    grounds = object_array([rows[p][1] if len(rows[p]) > 1 else None for p in chosen])
    text = typed_column(grounds, DECISION[1]).astype(object)
    frame = pd.DataFrame({"da_decision": pd.Series(words, dtype=object),
                          "da_grounds": text.where(text.notna(), "").reset_index(drop=True)})
    return frame, problems


def packed_text(cells: Sequence[Any]) -> str:
    """The text the Live sheet's pack formula gives for these fact cells, as Excel's &
    writes them (numbers in General format, yes/no through N() as 1/0): for sizing
    blocks before the formulas exist."""
    return PACK_SEPARATOR.join(map(_as_joined, cells))


def _as_joined(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _joined(texts: list[Any], problems: dict[int, str], empty: str) -> bytes:
    return "\n".join(empty if i in problems else t for i, t in enumerate(texts)).encode() \
        if problems else "\n".join(texts).encode()


def _parse_packed(data: bytes, labels: list[str]) -> tuple[pa.Table | None, list[int | None]]:
    """The packed rows as a table of strings (null where empty), and the rows (0-based)
    whose number of parts is wrong."""
    if not data:
        return None, []
    wrong: list[int | None] = []

    def invalid(row: pa_csv.InvalidRow) -> str:
        wrong.append(None if row.number is None else row.number - 1)
        return "skip"

    table = pa_csv.read_csv(
        io.BytesIO(data + b"\n"),
        read_options=pa_csv.ReadOptions(column_names=labels, use_threads=False),
        parse_options=pa_csv.ParseOptions(delimiter=PACK_SEPARATOR, quote_char=False,
                                          invalid_row_handler=invalid),
        convert_options=pa_csv.ConvertOptions(
            column_types={label: pa.string() for label in labels},
            strings_can_be_null=True, null_values=[""]))
    return table, wrong


def _packed_problem(cell: Sequence[Any]) -> str:
    value = cell[0] if cell else None
    if isinstance(value, dict):  # an Excel error in one of the row's fact cells
        return f"a fact cell of this row holds an Excel error ({value.get('type', 'error')})"
    return "the Live sheet's facts cell of this row is not text"


def _with_blanks(data: dict[str, pd.Series], rows: int) -> pd.DataFrame:
    """All FACT_COLUMNS in order; those the rules never read stay empty (not converted:
    a third of the time)."""
    blank = pd.Series(pd.NA, index=range(rows), dtype="string")
    return pd.DataFrame({c.key: data.get(c.key, blank) for c in FACT_COLUMNS})


def _fact_positions(header: Sequence[Any], required: Sequence[Column] = FACT_COLUMNS, *,
                    where: str = "facts header",
                    todo: str = "Pass the Results range with its header row "
                                "(Results!A1:AI...)") -> dict[str, int]:
    """Where each required fact column is, found by its label (or key) in the header,
    labels trimmed and case aside as the workbook reader finds them (reader.header_label)."""
    names = [header_label(h) for h in header]
    positions, missing = {}, []
    for column in required:
        if header_label(column.label) in names:
            positions[column.key] = names.index(header_label(column.label))
        elif column.key in names:
            positions[column.key] = names.index(column.key)
        else:
            missing.append(column.label)
    if missing:
        raise InputError(where, f"missing column(s) {', '.join(missing)}", todo)
    return positions


def criteria_from_cells(block: Any, *, where: dict[str, str] | None = None) -> Criteria:
    """Criteria from cells: a block whose first column holds criterion keys or labels
    (Criteria!A5:C23 or B5:C23), or one column of values in Criteria-sheet order
    (Criteria!C5:C23). `where` maps keys to cell addresses for the error message."""
    specs = criterion_specs()
    by_name = {s.key: s for s in specs} | {s.label.lower(): s for s in specs}
    rows = as_rows(block)
    values: dict[str, Any] = {}
    if rows and len(rows[0]) >= 2:
        for row in rows:
            name = str(row[0]).strip() if row[0] is not None else ""
            spec = by_name.get(name) or by_name.get(name.lower())
            if spec is None:
                continue
            at = 2 if len(row) > 2 and str(row[1]).strip().lower() == spec.label.lower() else 1
            values[spec.key] = criterion_value(row[at], spec.kind)
    else:
        flat = [row[0] for row in rows]
        if len(flat) != len(specs):
            raise InputError("criteria", f"{len(flat)} value(s) given, {len(specs)} expected",
                             "Pass the Criteria sheet's block Criteria!A5:C23, or its value "
                             "column Criteria!C5:C23")
        values = {s.key: criterion_value(v, s.kind) for s, v in zip(specs, flat, strict=True)}
    missing = [s.label for s in specs if s.key not in values]
    if missing:
        raise InputError("criteria", f"no value for {', '.join(missing)}",
                         "Pass the whole Criteria block (Criteria!A5:C23)")
    locations = where or {s.key: f"crit_{s.key} ({s.label})" for s in specs}
    return criteria_from_mapping(values, where="criteria", locations=locations)


def cells_from_frame(frame: pd.DataFrame, columns: Sequence[Column]) -> list[list[Any]]:
    """Rows of JSON-safe cell values (no NaN: empty text instead), a column at a time."""
    lists = []
    for column in columns:
        values = frame[column.key]
        if column.kind == "bool":
            lists.append(values.fillna(False).to_numpy(dtype=bool).tolist())
            continue
        if column.kind == "number":
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        elif column.kind == "date":
            numbers = serials_from_dates(values)
        else:
            cells = values.to_numpy(dtype=object, na_value="")
            lists.append(cells.tolist())
            continue
        cells = numbers.astype(object)
        cells[np.isnan(numbers)] = ""
        lists.append(cells.tolist())
    return [list(row) for row in zip(*lists, strict=True)] if lists else []


def neutralise(rows: list[list[Any]]) -> list[list[Any]]:
    """Text that a spreadsheet would take for a formula (also after leading spaces, the
    same test as the CSV files) gets the quote prefix, as if typed with a leading
    apostrophe: DOJ text is never evaluated."""
    return [[("'" + v) if isinstance(v, str) and FORMULA_START.match(v) else v for v in row]
            for row in rows]


def determination_columns(selection: Any) -> list[Column]:
    """The output columns a caller asked for (labels or keys, comma separated), all of
    DETERMINATION by default."""
    if selection in (None, ""):
        return list(DETERMINATION)
    names = [part.strip() for row in as_rows(selection) for cell in row
             for part in str(cell).split(",") if part.strip()]
    by_name = {c.key: c for c in DETERMINATION} | {c.label.lower(): c for c in DETERMINATION}
    unknown = [n for n in names if n not in by_name and n.lower() not in by_name]
    if unknown:
        raise InputError("columns", f"unknown column(s) {', '.join(unknown)}",
                         "Use e.g. determination,reason,trace")
    return [by_name.get(n) or by_name[n.lower()] for n in names]

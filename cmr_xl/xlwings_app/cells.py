"""Cells <-> engine inputs and outputs, fast enough for a county.

xlwings' own argument conversion checks every cell for Pyodide's JsNull by trying an
import (about 80 microseconds a cell on CPython: 24 s for 50,000 rows x 6 columns), so
the functions take their ranges "raw" and convert here, a column at a time with numpy,
pandas and Arrow. Cells arrive as Office.js sends them (numbers, text, booleans, ""
for empty, dates as serial numbers or ISO text, errors as dicts) or as COM sends them
(tuples, None, datetime); all of these are handled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cmr_xl.engine.criteria import Criteria, criteria_from_mapping, criterion_specs
from cmr_xl.engine.errors import InputError
from cmr_xl.engine.results_columns import DETERMINATION, FACT_COLUMNS, Column

EXCEL_EPOCH = datetime(1899, 12, 30)
INTEGER_COLUMNS = {"other_felonies", "other_convictions", "source_line"}
#: The facts the rules read (eligibility.py); the other columns (names, courts, case
#: numbers...) are not converted, which saves a third of the time. A test checks that the
#: function path gives the engine's answer on a whole synthetic county.
ENGINE_FACTS = frozenset({
    "person_id", "cycle", "conviction_type", "conviction_date", "code_section", "section",
    "level", "dob", "age_at_conviction", "prior_same_section", "super_strikes",
    "prior_super_strikes", "pc290_offenses", "prior_pc290_offenses", "pc290_registration_date",
    "latest_conviction_date", "sentence_end", "latest_sentence_end", "only_prop64", "deceased",
    "other_felonies", "other_convictions", "latest_other_conviction_date",
    "latest_unrelated_conviction_date",
})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def facts_from_cells(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The engine's facts table from a header (labels or keys) and rows of cells."""
    names = [str(h).strip() if h is not None else "" for h in header]
    positions = {}
    missing = []
    for column in FACT_COLUMNS:
        if column.label in names:
            positions[column.key] = names.index(column.label)
        elif column.key in names:
            positions[column.key] = names.index(column.key)
        else:
            missing.append(column.label)
    if missing:
        raise InputError("facts header", f"missing column(s) {', '.join(missing)}",
                         "Pass the Results range with its header row (Results!A1:AI...)")
    width = len(names)
    if {len(r) for r in rows} - {width}:
        rows = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]
    grid = np.empty((len(rows), width), dtype=object)
    if rows:
        grid[:] = rows  # one C-level copy; columns are then free slices
    kind = grid[:, positions["conviction_type"]]
    grid = grid[(kind != "") & (kind != None)].T.copy()  # noqa: E711 - drop empty rows
    blank = pd.Series(pd.NA, index=range(grid.shape[1]), dtype="string")
    return pd.DataFrame({column.key: typed(grid[positions[column.key]], column)
                         if column.key in ENGINE_FACTS else blank for column in FACT_COLUMNS})


def typed(values: np.ndarray, column: Column) -> pd.Series:
    """One column of cell values as the engine's dtype."""
    series = pd.Series(values, dtype=object)
    if column.kind == "date":
        return dates(series)
    if column.kind == "bool":
        return series.isin([True, "TRUE", "True", "true", 1]).astype(bool)
    if column.kind == "number":
        numbers = pd.to_numeric(series.where(series != "", None), errors="coerce")
        if column.key in INTEGER_COLUMNS:
            return numbers.fillna(0).round().astype("int64")
        if (numbers.dropna() == numbers.dropna().round()).all():
            return numbers.round().astype("Int64")
        return numbers.astype("float64")
    try:  # only text and empty cells: converted by Arrow, in C
        array = pa.array(values, type=pa.string(), from_pandas=True)
        text = pd.Series(pd.arrays.ArrowStringArray(array), dtype="string")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = series.map(_text).astype("string")
    return text.mask(text == "")


def _text(value: Any) -> Any:
    if value is None or value == "" or isinstance(value, dict):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value) if isinstance(value, (str, int, float)) else None


def dates(series: pd.Series) -> pd.Series:
    """Serial numbers (Office.js), datetimes (COM) or ISO text (xlwings scripts)."""
    empty = ((series == "") | series.isna()).to_numpy(dtype=bool)
    numeric = pd.to_numeric(series.where(~empty, None), errors="coerce")
    if numeric.notna().sum() == (~empty).sum():  # all serial numbers: the Office.js case
        return (pd.Timestamp(EXCEL_EPOCH) + pd.to_timedelta(numeric, unit="D")).astype(
            "datetime64[ns]")
    numeric = pd.to_numeric(series.where(series.map(
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)), None), errors="coerce")
    from_serial = pd.Timestamp(EXCEL_EPOCH) + pd.to_timedelta(numeric, unit="D")
    other = series.where(numeric.isna() & (series != ""), None).map(
        lambda v: v[:10] if isinstance(v, str) else (
            datetime(v.year, v.month, v.day) if isinstance(v, date) else None))
    parsed = pd.to_datetime(other, errors="coerce", format="mixed")
    return parsed.where(numeric.isna(), from_serial).astype("datetime64[ns]")


def criterion_value(raw: Any, kind: str) -> Any:
    """A criteria cell's value as the parser expects it (serial numbers -> dates)."""
    if raw == "" or (not isinstance(raw, (str, int, float, bool, date)) and raw is not None):
        return None
    if kind == "date" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return (EXCEL_EPOCH + timedelta(days=float(raw))).date()
    if kind == "date" and isinstance(raw, str) and "T" in raw:
        return raw[:10]
    return raw.strip() if isinstance(raw, str) else raw


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
    """Rows of JSON-safe cell values (no NaN: empty text instead)."""
    lists = []
    for column in columns:
        values = frame[column.key]
        if column.kind == "bool":
            lists.append(values.fillna(False).astype(bool).tolist())
        elif column.kind == "number":
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            lists.append(numbers.astype(object).where(numbers.notna(), "").tolist())
        elif column.kind == "date":
            days = (pd.to_datetime(values) - EXCEL_EPOCH).dt.days
            lists.append(days.astype(object).where(days.notna(), "").tolist())
        else:
            lists.append(values.astype(object).where(values.notna(), "").tolist())
    return [list(row) for row in zip(*lists, strict=True)] if lists else []


def neutralise(rows: list[list[Any]]) -> list[list[Any]]:
    """Text that Excel would take for a formula when written by Office.js gets the quote
    prefix, as if typed with a leading apostrophe: DOJ text is never evaluated."""
    return [[("'" + v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
             for v in row] for row in rows]


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

"""Read a saved workbook back: criteria (with the cell of any bad value), what-if
scenarios, the facts table from Results, and the About details.

Values are read as Excel or LibreOffice last computed them (cached results), with
python-calamine when it is installed (fast, Rust) and openpyxl's streaming reader
otherwise. Errors name the sheet and cell, e.g. "Criteria!C13: 'abc' is not a whole
number for ...".
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cmr_xl.engine.criteria import Criteria, criteria_from_mapping, criterion_specs
from cmr_xl.engine.errors import InputError
from cmr_xl.engine.results_columns import FACT_COLUMNS, RESULT_COLUMNS, Column
from cmr_xl.workbook import layout as L

Rows = list[list[Any]]
EXCEL_EPOCH = datetime(1899, 12, 30)


class Workbook:
    """The cached values of a workbook's sheets, read once per sheet."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(str(self.path), "does not exist", "Check the path")
        if not zipfile.is_zipfile(self.path):
            raise InputError(str(self.path), "is not an .xlsx workbook",
                             "Save it as an Excel workbook (.xlsx) and try again")
        self._sheets: dict[str, Rows] = {}
        self.sheet_names = self._names()

    def _names(self) -> list[str]:
        try:
            from python_calamine import CalamineWorkbook

            self._calamine = CalamineWorkbook.from_path(str(self.path))
            return list(self._calamine.sheet_names)
        except ImportError:
            self._calamine = None
        except Exception as error:  # noqa: BLE001 - calamine reports damage in many ways
            raise InputError(str(self.path), f"cannot be read as a workbook ({error})",
                             "Open and re-save it in Excel, or start from `cmr-xl new`") from None
        from openpyxl import load_workbook

        self._openpyxl = load_workbook(self.path, read_only=True, data_only=True)
        return list(self._openpyxl.sheetnames)

    def rows(self, sheet: str) -> Rows:
        """The sheet's values from A1, empty cells as None."""
        if sheet not in self.sheet_names:
            raise InputError(
                f"{self.path.name}: sheet '{sheet}'", "is missing (renamed or deleted?)",
                f"Sheets found: {', '.join(self.sheet_names)}. Rename the sheet back to "
                f"'{sheet}', or start from `cmr-xl new`")
        if sheet not in self._sheets:
            self._sheets[sheet] = self._read(sheet)
        return self._sheets[sheet]

    def _read(self, sheet: str) -> Rows:
        if self._calamine is not None:
            data = self._calamine.get_sheet_by_name(sheet)
            top, left = data.start or (0, 0)
            pad = [None] * left
            rows: Rows = [[] for _ in range(top)]
            rows += [pad + [None if v == "" else v for v in row] for row in data.to_python()]
            return rows
        worksheet = self._openpyxl[sheet]
        return [list(row) for row in worksheet.iter_rows(values_only=True)]


def _cell(rows: Rows, row: int, col: int) -> Any:
    if row < len(rows) and col < len(rows[row]):
        return rows[row][col]
    return None


def key_rows(rows: Rows) -> dict[str, int]:
    """Row of each key in the hidden column A (rows move with inserted lines)."""
    found: dict[str, int] = {}
    for number, row in enumerate(rows):
        if row and isinstance(row[0], str) and row[0].strip():
            found.setdefault(row[0].strip(), number)
    return found


def _criterion_value(raw: Any, kind: str) -> Any:
    """Cell values as the criteria parser expects them (dates stay dates, numbers that
    are dates become dates, text is stripped)."""
    if kind == "date" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return (EXCEL_EPOCH + timedelta(days=float(raw))).date()
    if isinstance(raw, str):
        return raw.strip()
    return raw


def read_criteria(path: str | Path, *, book: Workbook | None = None) -> Criteria:
    """The criteria in the Criteria sheet's value cells; a bad or missing value raises a
    CriteriaError naming its cell."""
    book = book or Workbook(path)
    rows = book.rows(L.CRITERIA)
    where = key_rows(rows)
    values: dict[str, Any] = {}
    locations: dict[str, str] = {}
    for spec in criterion_specs():
        if spec.key not in where:
            expected = next(c for c in L.criterion_cells() if c.spec.key == spec.key)
            raise InputError(f"{L.CRITERIA}!{expected.address}",
                             f"the row for '{spec.label}' is missing",
                             "Restore it (Undo), or copy the Criteria sheet of `cmr-xl new`")
        row = where[spec.key]
        locations[spec.key] = f"{L.CRITERIA}!{L.a1(row, L.VALUE_COL)}"
        values[spec.key] = _criterion_value(_cell(rows, row, L.VALUE_COL), spec.kind)
    return criteria_from_mapping(values, where=L.CRITERIA, locations=locations,
                                 name="Workbook criteria")


def read_scenarios(path: str | Path, base: Criteria | None = None, *,
                   book: Workbook | None = None) -> list[Criteria]:
    """Named what-if scenarios from the Criteria sheet: each row names a scenario, one
    criterion (by its label) and its new value; rows with the same name combine."""
    book = book or Workbook(path)
    base = base or read_criteria(path, book=book)
    rows = book.rows(L.CRITERIA)
    by_label = {spec.label.lower(): spec for spec in criterion_specs()}
    changes: dict[str, dict[str, Any]] = {}
    locations: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows):
        if not row or row[0] != "scenario":
            continue
        name, label, value = (_cell(rows, number, c) for c in
                              (L.LABEL_COL, L.VALUE_COL, L.CHECK_COL))
        if name in (None, "") and label in (None, ""):
            continue
        place = f"{L.CRITERIA}!{L.a1(number, L.VALUE_COL)}"
        if name in (None, ""):
            raise InputError(f"{L.CRITERIA}!{L.a1(number, L.LABEL_COL)}",
                             "a what-if row has no scenario name", "Name the scenario")
        spec = by_label.get(str(label or "").strip().lower())
        if spec is None:
            raise InputError(place, f"{label!r} is not a criterion",
                             "Choose the criterion from the dropdown")
        changes.setdefault(str(name), {})[spec.key] = _criterion_value(value, spec.kind)
        locations.setdefault(str(name), {})[spec.key] = (
            f"{L.CRITERIA}!{L.a1(number, L.CHECK_COL)}")
    return [criteria_from_mapping({**base.as_mapping(), **change}, where=L.CRITERIA,
                                  locations=locations[name], name=name)
            for name, change in changes.items()]


def read_about(path: str | Path, *, book: Workbook | None = None) -> dict[str, Any]:
    """The About sheet as {key: value} (input files, county, row accounting...)."""
    book = book or Workbook(path)
    rows = book.rows(L.ABOUT)
    return {str(row[L.ABOUT_KEY_COL]): _plain(_cell(rows, number, L.ABOUT_VALUE_COL))
            for number, row in enumerate(rows)
            if row and isinstance(row[L.ABOUT_KEY_COL], str) and row[L.ABOUT_KEY_COL]}


def _plain(value: Any) -> Any:
    """Whole numbers as int (calamine gives every number as float)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def read_results(path: str | Path, *, book: Workbook | None = None,
                 columns: tuple[Column, ...] = RESULT_COLUMNS) -> pd.DataFrame:
    """The Results table as typed columns (text, dates, numbers, booleans); the frame's
    attrs["sheet_rows"] holds each row's 0-based sheet row, for writing back."""
    book = book or Workbook(path)
    rows = book.rows(L.RESULTS)
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else [])]
    positions = {}
    for column in columns:
        if column.label not in header:
            raise InputError(f"{L.RESULTS}!1", f"the column '{column.label}' is missing",
                             "Restore the column header (it names the fact), or write the "
                             "workbook again with `cmr-xl run ... --workbook`")
        positions[column.key] = header.index(column.label)
    width = len(header)
    grid = pd.DataFrame([row[:width] + [None] * (width - len(row)) for row in rows[1:]],
                        dtype=object)
    if grid.empty:
        grid = pd.DataFrame(columns=range(width), dtype=object)
    filled = grid.notna().any(axis=1).to_numpy()
    grid = grid[filled].reset_index(drop=True)
    frame = pd.DataFrame({column.key: _typed(grid[positions[column.key]], column)
                          for column in columns})
    frame.attrs["sheet_rows"] = np.flatnonzero(filled) + 1  # an array: pandas deep-copies attrs
    return frame


def read_facts(path: str | Path, *, book: Workbook | None = None) -> pd.DataFrame:
    """The facts columns of Results (FACT_COLUMNS), typed as the engine builds them."""
    return read_results(path, book=book, columns=FACT_COLUMNS)


INTEGER_COLUMNS = {"other_felonies", "other_convictions", "source_line"}


def _typed(values: pd.Series, column: Column) -> pd.Series:
    """Cell values as the engine's dtypes, vectorised (calamine gives dates as dates,
    numbers as floats; a clerk may have typed anything)."""
    if column.kind == "date":
        return _dates(values)
    if column.kind == "bool":
        return values.isin([True, "TRUE", "True", "true", "YES", "yes", "1"]).astype(bool)
    if column.kind == "number":
        numbers = pd.to_numeric(values, errors="coerce")
        if column.key in INTEGER_COLUMNS:
            return numbers.fillna(0).round().astype("int64")
        whole = numbers.dropna()
        if (whole == whole.round()).all():
            return numbers.round().astype("Int64")
        return numbers.astype("float64")
    try:  # the usual case, only text and empty cells: converted in Arrow, in C
        return pd.Series(pa.array(values.to_numpy(), type=pa.string(), from_pandas=True)
                         .to_pandas(types_mapper=pd.ArrowDtype)).astype("string")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    is_text = values.map(lambda v: type(v) is str).to_numpy(dtype=bool)
    text = values.where(is_text, None)
    others = ~is_text & values.notna().to_numpy()
    if others.any():
        text[others] = values[others].map(_text)
    return text.astype("string")


def _dates(values: pd.Series) -> pd.Series:
    kinds = set(map(type, values.dropna().to_numpy()))
    if kinds <= {date, datetime}:  # as written by cmr-xl, Excel or LibreOffice
        return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
    numeric = pd.to_numeric(values.where(values.map(
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)), None), errors="coerce")
    serials = pd.Timestamp(EXCEL_EPOCH) + pd.to_timedelta(numeric, unit="D")
    other = values.where(numeric.isna(), None).map(
        lambda v: datetime(v.year, v.month, v.day) if isinstance(v, date) else v)
    parsed = pd.to_datetime(other, errors="coerce", format="mixed")
    return parsed.where(numeric.isna(), serials).astype("datetime64[ns]")


def _text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value)

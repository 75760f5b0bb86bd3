"""Facts typed from cell values: what a spreadsheet hands back, as the engine's columns.

The xlwings functions (Office.js or COM) and the workbook reader both receive loose
values: text, numbers, booleans, "" or None for empty, dates as Excel serial numbers,
datetimes or ISO text, errors as dicts. One converter serves both, so a fact means the
same thing whichever way it came in.

The usual case (a column of one kind, as our own workbook writes it) is converted whole
by numpy or Arrow; anything else falls back to a slower path that still accepts every
value.
A recalculation after a criteria change converts ~50,000 rows this way (bench_recalc).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.rules.dates import LATEST, within_range
from cmr_xl.rules.results_columns import Column

#: Day 0 of Excel's (and LibreOffice's) serial dates: serial 1 is 1900-01-01.
EXCEL_EPOCH = datetime(1899, 12, 30)
INTEGER_COLUMNS = frozenset({"other_felonies", "other_convictions", "source_line"})
TRUE_VALUES = (True, "TRUE", "True", "true", "YES", "yes", "1")
_TRUE_TEXTS = pa.array([v for v in TRUE_VALUES if isinstance(v, str)], type=pa.string())
_EPOCH_DAY = np.datetime64(EXCEL_EPOCH.date(), "D")
#: Serial numbers from 1 (1900-01-01, Excel's first date) to the engine's last date;
#: outside, a date reads as missing.
_SERIAL_RANGE = (1, (LATEST.date() - EXCEL_EPOCH.date()).days)


def date_from_serial(serial: float) -> date:
    """An Excel serial number as its date (the time of day dropped); OverflowError or
    ValueError for a serial beyond any date."""
    return (EXCEL_EPOCH + timedelta(days=float(serial))).date()


def serial_from_date(day: date) -> int:
    """A date (or a datetime's day) as Excel's serial number."""
    if isinstance(day, datetime):
        day = day.date()
    return (day - EXCEL_EPOCH.date()).days


def serials_from_dates(values: Any) -> np.ndarray:
    """Dates (anything pandas reads as datetimes) as serial numbers, float64, NaN where
    missing: serial_from_date for a whole column."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    missing = np.isnat(days)
    serials = (np.where(missing, _EPOCH_DAY, days) - _EPOCH_DAY).astype(np.float64)
    serials[missing] = np.nan
    return serials


def criterion_value(raw: Any, kind: str) -> Any:
    """A criteria cell's value as the criteria parser expects it: serial numbers in a
    date cell become dates, text is stripped, an empty cell or an Excel error is None."""
    if raw == "" or (not isinstance(raw, (str, int, float, bool, date)) and raw is not None):
        return None
    if kind == "date" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            return date_from_serial(raw)
        except (OverflowError, ValueError):  # 1e300: the criteria parser says out of range
            return raw
    if kind == "date" and isinstance(raw, str) and "T" in raw:
        return raw[:10]
    return raw.strip() if isinstance(raw, str) else raw


def object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-d object array whatever the values are (np.asarray would nest tuples)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def typed_column(values: Sequence[Any], column: Column) -> pd.Series:
    """One column of cell values as the engine's dtype for `column`."""
    values = object_array(values)
    if column.kind == "date":
        return dates(values)
    if column.kind == "bool":
        return _bools(values)
    if column.kind == "number":
        return _numbers(values, integer=column.key in INTEGER_COLUMNS)
    return text(values)


def text(values: np.ndarray) -> pd.Series:
    """Text cells as Python strings (object dtype, as the facts builder leaves them);
    empty text is missing. Numbers a clerk typed become their digits."""
    if set(map(type, values)) <= {str, type(None)}:  # the usual case: one pass in C
        strings = values.copy()
    else:
        strings = np.fromiter(map(cell_text, values), dtype=object, count=len(values))
    strings[strings == ""] = None
    return pd.Series(strings, dtype=object)


def cell_text(value: Any) -> str | None:
    """One cell's value as the text a spreadsheet shows (TRUE, 11357 rather than 11357.0,
    a date as ISO); None for an empty cell or an error. `text` does a whole column."""
    if isinstance(value, str):
        return value or None
    if value is None or isinstance(value, dict) or (isinstance(value, float) and value != value):
        return None  # empty, an Excel error (#N/A as Office.js sends it), or NaN
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value)


def _floats(values: np.ndarray) -> np.ndarray | None:
    """The values as float64 (NaN where empty) when all are numbers or empty, else None
    (a yes/no is not a number or a date, though Python would take TRUE for 1)."""
    if not set(map(type, values)) <= {float, int, str, type(None)}:
        return None
    values = values.copy()
    values[(values == "") | (values == None)] = np.nan  # noqa: E711 - elementwise
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):  # text that is not a number
        return None


def _numbers(values: np.ndarray, *, integer: bool) -> pd.Series:
    floats = _floats(values)
    if floats is None:
        numbers = pd.to_numeric(pd.Series(values).map(_number_like),
                                errors="coerce").astype("float64")
    else:
        numbers = pd.Series(floats)
    return _whole_numbers(numbers, integer=integer)


def _whole_numbers(numbers: pd.Series, *, integer: bool) -> pd.Series:
    """Counts as int64 (empty = 0); other numbers as nullable integers when all are
    whole (ages), else as floats."""
    values = numbers.to_numpy(dtype="float64")
    empty = np.isnan(values)
    if integer:
        return pd.Series(np.where(empty, 0, np.round(values)).astype(np.int64))
    if (values[~empty] == np.round(values[~empty])).all():
        whole = np.where(empty, 0, values).astype(np.int64)
        return pd.Series(pd.arrays.IntegerArray(whole, empty))
    return pd.Series(values)


def _bools(values: np.ndarray) -> pd.Series:
    if set(map(type, values)) <= {bool}:  # as Office.js and calamine send TRUE/FALSE
        return pd.Series(values.astype(bool))
    return pd.Series(values).isin(TRUE_VALUES + (1,)).astype(bool)


def typed_text_column(texts: pa.Array, column: Column) -> pd.Series:
    """One column of cell texts (as a formula joining cells with & gives them: numbers
    and date serials as digits, yes/no as 1/0, null where empty) as the engine's dtype.
    Converted by Arrow; text that is not a number falls back to typed_column."""
    if column.kind in ("date", "number"):
        try:
            floats = pc.cast(texts, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return typed_column(texts.to_numpy(zero_copy_only=False), column)
        if column.kind == "date":
            return pd.Series(_serial_dates(floats))
        return _whole_numbers(pd.Series(floats), integer=column.key in INTEGER_COLUMNS)
    if column.kind == "bool":
        flags = pc.is_in(pc.utf8_trim_whitespace(texts), value_set=_TRUE_TEXTS)
        return pd.Series(pc.fill_null(flags, False).to_numpy(zero_copy_only=False))
    return pd.Series(pd.arrays.ArrowStringArray(texts), dtype="string")  # no copy


def dates(values: Sequence[Any]) -> pd.Series:
    """Serial numbers (Office.js, calamine's floats), datetimes (COM, openpyxl,
    calamine) or ISO text (xlwings scripts, a clerk's typing); anything else is missing.
    A serial's time of day is dropped: facts are dates."""
    values = object_array(values)
    floats = _floats(values)
    if floats is not None:
        return pd.Series(_serial_dates(floats))
    numbers = pd.to_numeric(pd.Series(values).map(_number_like), errors="coerce")
    serials = numbers.to_numpy(dtype="float64")
    is_serial = ~np.isnan(serials)  # numbers, also as text ("41349" from a joined cell)
    # object dtype: pandas would make typed datetimes and None a datetime column of NaT
    others = pd.Series(np.where(is_serial, None, values), dtype=object).map(_date_like)
    parsed = within_range(pd.to_datetime(others, errors="coerce", format="mixed")).to_numpy()
    return pd.Series(np.where(is_serial, _serial_dates(serials), parsed))


def shown_dates(values: Sequence[Any]) -> pd.Series:
    """Date cells as a copy for people shows them: the date (datetime.date) where `dates`
    reads one, so a copy shows the date the rules used; else the text as typed, so a
    mistyped date reaches the reader as typed, never as a blank; None where empty."""
    values = object_array(values)
    parsed = dates(values)
    known = parsed.notna().to_numpy()
    shown = text(values).to_numpy(dtype=object).copy()
    shown[known] = parsed.dt.date.to_numpy(dtype=object)[known]
    return pd.Series(shown, dtype=object)


def shown_column(values: Sequence[Any], column: Column) -> pd.Series:
    """One column of cell values as a copy for people shows it: dates by `shown_dates`,
    any other kind as `typed_column` types it for the engine."""
    if column.kind == "date":
        return shown_dates(values)
    return typed_column(values, column)


def _serial_dates(serials: np.ndarray) -> np.ndarray:
    days = np.floor(serials)
    inside = (days >= _SERIAL_RANGE[0]) & (days <= _SERIAL_RANGE[1])
    whole = np.where(inside, days, 0).astype(np.int64)
    result = (_EPOCH_DAY + whole.astype("timedelta64[D]")).astype("datetime64[ns]")
    result[~inside] = np.datetime64("NaT")
    return result


def _number_like(value: Any) -> Any:
    """The value where it may be a number (also as text); None for a yes/no, an Excel
    error or a date, which Python or pandas would otherwise turn into one."""
    return None if isinstance(value, (bool, dict, date)) else value


def _date_like(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()[:10] or None
    if isinstance(value, (datetime, date)) and value == value:  # NaT is no date
        # out of range: missing, by within_range
        return datetime(value.year, value.month, value.day)
    return None

"""Facts typed from cell values: the same fact whichever way a spreadsheet hands it back
(Office.js serial numbers and "", COM or calamine datetimes and None, a clerk's typing)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from cmr_xl.engine.cell_values import (
    date_from_serial,
    serial_from_date,
    serials_from_dates,
    typed_column,
)
from cmr_xl.rules.results_columns import FACT_COLUMNS

COLUMN = {c.key: c for c in FACT_COLUMNS}
OFFICE_JS_ERROR = {"type": "#N/A", "basicType": "Error"}


def as_list(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.tolist()]


def test_a_conviction_date_reads_the_same_from_every_runtime():
    serial = float((date(2013, 3, 16) - date(1899, 12, 30)).days)
    ways = [serial, serial + 0.75, datetime(2013, 3, 16), datetime(2013, 3, 16, 18, 0),
            date(2013, 3, 16), "2013-03-16", "2013-03-16T00:00:00", " 2013-03-16 "]
    got = as_list(typed_column(ways, COLUMN["conviction_date"]))
    assert got == [pd.Timestamp("2013-03-16")] * len(ways)


def test_an_empty_or_impossible_date_is_missing_not_a_crash():
    """Missing dates send a conviction to hand review when they matter; they must never
    stop a recalculation or become a wrong date."""
    values = ["", None, OFFICE_JS_ERROR, "not a date", "2013-02-30", 9_999_999.0, -5.0, True,
              datetime(9999, 12, 31), "9999-12-31", "1066-10-14"]
    assert as_list(typed_column(values, COLUMN["conviction_date"])) == [None] * len(values)


def test_typed_dates_with_empty_cells_as_openpyxl_gives_them():
    """Without python-calamine the workbook is read by openpyxl: datetimes and None (a
    fresh `pip install .` exported nothing: NaT reached datetime())."""
    values = [datetime(2013, 3, 16), None, pd.NaT, datetime(2013, 3, 17, 12, 0)]
    assert as_list(typed_column(values, COLUMN["conviction_date"])) == [
        pd.Timestamp("2013-03-16"), None, None, pd.Timestamp("2013-03-17")]


def test_serial_numbers_alone_and_mixed_with_typed_dates_agree():
    only_serials = typed_column([41349.0, ""], COLUMN["dob"])
    mixed = typed_column([41349.0, "", "2013-03-16"], COLUMN["dob"])
    assert as_list(only_serials) == as_list(mixed)[:2] == [pd.Timestamp("2013-03-16"), None]


def test_text_facts_keep_their_words_and_read_typed_numbers_as_digits():
    """A code section typed as a number in Excel (11357) is the same fact as "11357"."""
    values = ["11359 HS", "", None, 11357.0, 11358, 1.5, OFFICE_JS_ERROR]
    assert as_list(typed_column(values, COLUMN["section"])) == [
        "11359 HS", None, None, "11357", "11358", "1.5", None]


def test_yes_no_facts_accept_what_excel_and_a_clerk_write():
    values = [True, "TRUE", "true", "yes", 1, 1.0, False, "", None, "FALSE", 0, "no"]
    assert typed_column(values, COLUMN["deceased"]).tolist() == [True] * 6 + [False] * 6


def test_counts_are_whole_numbers_and_an_empty_count_is_zero():
    assert typed_column([2.0, "", None, "3"], COLUMN["other_felonies"]).tolist() == [2, 0, 0, 3]


def test_ages_stay_missing_when_empty_or_not_a_number():
    got = typed_column([21.0, "", "twenty", True], COLUMN["age_at_conviction"])
    assert str(got.dtype) == "Int64"
    assert as_list(got) == [21, None, None, None]


def test_one_serial_date_conversion_both_ways():
    """Day 0 is 1899-12-30 (so serial 61 is 1900-03-01, past Excel's phantom 1900-02-29);
    a time of day is dropped; a whole column converts as one date does, missing as NaN."""
    assert date_from_serial(61) == date(1900, 3, 1)
    assert date_from_serial(41349.75) == date(2013, 3, 16)
    assert serial_from_date(date(2013, 3, 16)) == 41349
    assert serial_from_date(datetime(2013, 3, 16, 18, 0)) == 41349
    serials = serials_from_dates(pd.Series([pd.Timestamp("2013-03-16"), None]))
    assert serials[0] == 41349.0 and np.isnan(serials[1])

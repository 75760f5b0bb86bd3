"""Date arithmetic the law uses: whole years completed, as a person counts birthdays."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: The dates the engine holds (nanosecond timestamps); a date outside reads as missing,
#: like any other impossible date, rather than stopping a run.
EARLIEST, LATEST = pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10")


def within_range(dates: pd.Series) -> pd.Series:
    """`dates` (any resolution) as nanosecond dates, missing where out of range."""
    inside = (dates >= EARLIEST) & (dates <= LATEST)
    return dates.where(inside).astype("datetime64[ns]")


def completed_years(start: pd.Series, end: pd.Series | pd.Timestamp | date) -> pd.Series:
    """Whole years from `start` to `end` (age on a date); missing where a date is."""
    start_days = pd.to_datetime(start).to_numpy(dtype="datetime64[D]")
    if isinstance(end, pd.Series):
        end_days = pd.to_datetime(end).to_numpy(dtype="datetime64[D]")
    else:
        end_days = np.full(len(start_days), np.datetime64(pd.Timestamp(end).date(), "D"))
    start_year, start_month_day = _year_and_month_day(start_days)
    end_year, end_month_day = _year_and_month_day(end_days)
    years = end_year - start_year - (end_month_day < start_month_day)
    known = ~(np.isnat(start_days) | np.isnat(end_days))
    return pd.Series(pd.arrays.IntegerArray(np.where(known, years, 0), ~known),
                     index=start.index)


def _year_and_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and month*100+day of each date (ordering within a year)."""
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    month = (months - years).astype(np.int64) + 1
    day = (days - months).astype(np.int64) + 1
    return years.astype(np.int64) + 1970, month * 100 + day


def years_between(start: pd.Series, end: date) -> pd.Series:
    """Fractional years (365.25 days) from each date to `end`, for display."""
    days = (pd.Timestamp(end) - pd.to_datetime(start)).dt.days
    return np.round(days / 365.25, 1)


def years_before(day: date, years: int) -> pd.Timestamp:
    """The same calendar day `years` earlier (29 Feb falls back to 28 Feb)."""
    return pd.Timestamp(day) - pd.DateOffset(years=years)

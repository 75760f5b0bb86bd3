"""Date arithmetic the law uses: whole years completed, as a person counts birthdays."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def completed_years(start: pd.Series, end: pd.Series | pd.Timestamp | date) -> pd.Series:
    """Whole years from `start` to `end` (age on a date); missing where a date is."""
    start = pd.to_datetime(start)
    if not isinstance(end, pd.Series):
        end = pd.Series(pd.Timestamp(end), index=start.index)
    end = pd.to_datetime(end)
    years = end.dt.year - start.dt.year
    before_birthday = (end.dt.month < start.dt.month) | (
        (end.dt.month == start.dt.month) & (end.dt.day < start.dt.day)
    )
    result = years - before_birthday.astype("Int64")
    return result.astype("Int64").where(start.notna() & end.notna())


def years_between(start: pd.Series, end: date) -> pd.Series:
    """Fractional years (365.25 days) from each date to `end`, for display."""
    days = (pd.Timestamp(end) - pd.to_datetime(start)).dt.days
    return np.round(days / 365.25, 1)


def years_before(day: date, years: int) -> pd.Timestamp:
    """The same calendar day `years` earlier (29 Feb falls back to 28 Feb)."""
    return pd.Timestamp(day) - pd.DateOffset(years=years)

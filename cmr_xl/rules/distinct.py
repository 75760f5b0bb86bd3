"""Work done once per distinct value and spread back to the rows by code.

A county file has millions of rows but a few thousand distinct offense texts, and a few
dozen distinct sections, levels and reasons: a test or a text is made once per distinct
value, never once per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def distinct(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row the code of its value, and the distinct values as text ("" for missing)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = np.array(["" if u is None or u is pd.NA or u != u else str(u) for u in uniques],
                     dtype=object)
    return codes, texts


def each_distinct(values: pd.Series | np.ndarray, function: Callable[[str], Any]) -> np.ndarray:
    """`function` applied once per distinct value (as text, "" for missing), per row."""
    codes, texts = distinct(values)
    return np.array([function(text) for text in texts], dtype=object)[codes]

"""Small vectorised helpers the drawing steps share: dates as day numbers, groups and
places within them, weighted draws, and giving a rare feature to one candidate."""

from __future__ import annotations

from datetime import date

import numpy as np


def day_number(value: date | str) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype(np.int64))


def ymd(days: np.ndarray) -> np.ndarray:
    """Days since 1970 -> YYYYMMDD integers."""
    d = days.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (d - month_start).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def within(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of `counts` items: each item's group and its 0-based place in it."""
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(len(parent)) - starts[parent]


def uniform_days(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int,
                 size: int | None = None) -> np.ndarray:
    """A day in [lo, hi) (lo where the range is empty)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64))
    if size is not None:
        lo, hi = np.broadcast_to(lo, (size,)), np.broadcast_to(hi, (size,))
    width = np.maximum(hi - lo, 1)
    return lo + (rng.random(width.shape) * width).astype(np.int64)


def pick(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def categorical(rng: np.random.Generator, cumulative: np.ndarray,
                group: np.ndarray) -> np.ndarray:
    """One draw per element from the distribution of its group (rows of `cumulative`)."""
    u = rng.random(len(group))
    return (u[:, None] >= cumulative[group]).sum(axis=1).clip(max=cumulative.shape[1] - 1)


def give(rng: np.random.Generator, values: np.ndarray, candidates: np.ndarray,
         value: int | bool) -> int | None:
    """Unless some `candidates` already hold `value`, set it at one of them at random
    (returned), so that a small file shows a rare feature."""
    if (values[candidates] == value).any():
        return None
    i = one(rng, candidates)
    if i is not None:
        values[i] = value
    return i


def one(rng: np.random.Generator, candidates: np.ndarray) -> int | None:
    """One of the `candidates` (a mask) at random, or None."""
    where = np.flatnonzero(candidates)
    return int(rng.choice(where)) if len(where) else None

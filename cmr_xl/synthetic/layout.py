"""The DOJ row layout and the writing: each column is a constant or a function giving the
text of one batch at its level (person, cycle, step, count, row); per batch of whole
people, each level's fields are joined once and only then repeated down to the rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj.doj_format import DOJ_COLUMNS

BATCH_ROWS = 200_000  # rows joined and written at a time: bounded memory, reused pages
#: The levels a column is written at; each item of one is under one item of the level above.
PERSON, CYCLE, STEP, COUNT, ROW = range(5)


def csv_quoted(values: list[str] | tuple[str, ...]) -> pa.Array:
    """A table of texts, each quoted the CSV way when it must be."""
    out = []
    for v in values:
        if any(ch in v for ch in ',"\n\r'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return pa.array(out, type=pa.string())


def number_texts(values: np.ndarray, width: int = 0, empty: np.ndarray | None = None) -> pa.Array:
    """Integers as text, zero-padded to `width`; empty text where `empty` (or < 0)."""
    values = np.asarray(values, dtype=np.int64)
    mask = values < 0 if empty is None else (empty | (values < 0))
    text = pa.array(np.where(mask, 0, values)).cast(pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    if mask.any():
        text = pc.if_else(pa.array(mask), "", text)
    return text


ColumnSpec = str | tuple[int, Callable[["Batch"], pa.Array]]


@dataclass
class Plan:
    """The whole file as arrays; text is produced batch by batch by `write_plan`."""

    columns: dict[str, ColumnSpec]  # a constant, or (level, text of a batch at that level)
    starts: list[np.ndarray]  # starts[L][i]: first item of level L+1 under item i of L
    parents: list[np.ndarray]  # parents[L][i]: item of level L-1 of item i of level L
    sizes: list[int]  # items per level


def text_column(level: int, table: pa.Array, codes: np.ndarray) -> tuple[int, Callable]:
    """Column whose values are `table[codes]`."""
    return level, lambda b: table.take(b.cut(level, codes))


def number_column(level: int, values: np.ndarray, width: int = 0,
                  empty: np.ndarray | None = None) -> tuple[int, Callable]:
    """Column of integers (zero-padded to `width`; empty where `empty` or negative)."""
    return level, lambda b: number_texts(
        b.cut(level, values), width, None if empty is None else b.cut(level, empty))


def coded_column(prefix: str, values: np.ndarray, width: int, suffix: str = "",
                 last_digit: np.ndarray | None = None) -> tuple[int, Callable]:
    """Person column such as `999` + 6 digits or 6 digits + `ZZ` + 1 digit; empty where
    `values` < 0."""
    def build(b: Batch) -> pa.Array:
        nums = b.cut(PERSON, values)
        parts = [prefix, number_texts(nums, width), suffix]
        if last_digit is not None:
            parts.append(number_texts(b.cut(PERSON, last_digit)))
        return pc.if_else(pa.array(nums < 0), "", pc.binary_join_element_wise(*parts, ""))
    return PERSON, build


@dataclass
class Batch:
    """One batch of whole people: the item range of every level."""

    plan: Plan
    lo: list[int]
    hi: list[int]

    def cut(self, level: int, values: np.ndarray) -> np.ndarray:
        return values[self.lo[level]:self.hi[level]]

    def up(self, level: int, target: int) -> np.ndarray:
        """For each item of `level` in the batch, its item of coarser level `target`,
        as an index local to the batch."""
        index = np.arange(self.hi[level] - self.lo[level])
        for k in range(level, target, -1):
            index = self.plan.parents[k][index + self.lo[k]] - self.lo[k - 1]
        return index


def _runs(columns: dict[str, ColumnSpec]) -> list[tuple[int, list]]:
    """Consecutive columns grouped by level (constants join the run before them), with
    consecutive constants merged into one literal."""
    runs: list[tuple[int, list]] = []
    for name in DOJ_COLUMNS:
        spec = columns[name]
        if isinstance(spec, str):
            if not runs:
                runs.append((ROW, []))
            items = runs[-1][1]
            if items and isinstance(items[-1], str):
                items[-1] += "," + spec
            else:
                items.append(spec)
            continue
        level, build = spec
        if runs and (runs[-1][0] == level or not any(callable(i) for i in runs[-1][1])):
            runs[-1] = (level, runs[-1][1] + [build])
        else:
            runs.append((level, [build]))
    return runs


def _batches(plan: Plan) -> list[Batch]:
    """Whole people, about BATCH_ROWS rows at a time."""
    person_rows = plan.starts[0]
    for k in range(1, 4):
        person_rows = plan.starts[k][person_rows]
    cuts = np.searchsorted(person_rows, np.arange(BATCH_ROWS, person_rows[-1], BATCH_ROWS))
    bounds = np.unique(np.concatenate([[0], cuts, [plan.sizes[PERSON]]]))
    batches = []
    for p0, p1 in zip(bounds[:-1], bounds[1:], strict=True):
        lo, hi = [int(p0)], [int(p1)]
        for k in range(4):
            lo.append(int(plan.starts[k][lo[-1]]))
            hi.append(int(plan.starts[k][hi[-1]]))
        batches.append(Batch(plan, lo, hi))
    return batches


def _lines(batch: Batch, runs: list[tuple[int, list]]) -> pa.Array:
    """The batch's CSV lines: each run joined at its own level, then repeated to rows."""
    pieces = []
    for level, items in runs:
        values = [i if isinstance(i, str) else i(batch) for i in items]
        joined = values[0] if len(values) == 1 else pc.binary_join_element_wise(*values, ",")
        if isinstance(joined, str):
            joined = pa.scalar(joined)
        elif level != ROW:
            joined = joined.take(batch.up(ROW, level))
        pieces.append(joined)
    return pc.binary_join_element_wise(*pieces, ",")


def write_plan(plan: Plan, out: BinaryIO, header: bool) -> int:
    """Write the header (if asked) and every row; returns the number of rows."""
    if header:
        out.write((",".join(DOJ_COLUMNS) + "\n").encode("utf-8"))
    runs = _runs(plan.columns)
    for batch in _batches(plan):
        lines = _lines(batch, runs)  # the text of all lines is one contiguous buffer
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1,
                                offset=lines.offset * 4)
        out.write(memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]])
    return plan.sizes[ROW]

"""A line written twice: found byte for byte among rows equal in the columns that tell rows
apart, across block ends too (`Repeats` keeps the last person's rows of a block)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj import limits
from cmr_xl.doj.blocks import Block

#: Columns that tell rows apart; only rows equal in all of them can be the same line twice.
DUPLICATE_KEYS = ("RECORD_ID", "SUBJECT_ID", "CYC_ORDER", "STP_ORDER", "CNT_ORDER",
                  "SENT_ORDER")


@dataclass
class Carry:
    """The last person's rows of the previous block: the columns that tell rows apart, the
    raw bytes and line of each (a line repeated across a block end is found)."""

    person: str | None
    keys: pa.Table
    raw: list[bytes]
    lines: np.ndarray


class Repeats:
    """Finds the rows of one file whose line repeats an earlier line of it."""

    def __init__(self) -> None:
        self.carry: Carry | None = None  # the last rows read, to find a line written twice

    def find(self, table: pa.Table, lines: np.ndarray, skip: np.ndarray,
             block: Block) -> dict[int, str]:
        """Rows (not in `skip`) whose line repeats an earlier line of the file byte for
        byte: a line written twice. Rows of one count that differ in anything (DOJ's
        sentence parts) are not repeats. Two equal lines have equal values, so: when
        RECORD_ID only increases there is none (nothing more is done); otherwise rows are
        grouped by the columns that tell rows apart, and only rows of one group are
        compared, as bytes. The last person's rows of the previous block take part."""
        index = np.flatnonzero(~skip)
        if not len(index):
            return {}
        keys = table.select(list(DUPLICATE_KEYS))
        if len(index) < table.num_rows:
            keys = keys.take(pa.array(index))
        carry = self.carry
        m = carry.keys.num_rows if carry is not None else 0
        combined = pa.concat_tables([carry.keys, keys]) if carry is not None else keys
        if increasing(combined["RECORD_ID"]):
            return {}
        empty = [c for c in combined.column_names if combined[c].null_count == len(combined)]
        groups = same_keys(combined.drop_columns(empty) if empty else combined)
        if not groups:
            return {}
        members = np.array(sorted(i for group in groups for i in group), dtype=np.int64)
        members = members[members >= m]  # rows of this block (the carry has its bytes)
        rows = index[members - m]
        raw = dict(zip(members.tolist(), rows_bytes(block, table, rows, lines[rows]),
                       strict=True))
        found: dict[int, str] = {}
        for group in groups:
            seen: dict[bytes, int] = {}
            for i in sorted(group):
                if i < m:
                    assert carry is not None
                    text, line = carry.raw[i], int(carry.lines[i])
                else:
                    text, line = raw[i], int(lines[index[i - m]])
                first = seen.setdefault(text, line)
                if first != line and i >= m:
                    found[int(index[i - m])] = f"repeats line {first} exactly"
        return found

    def remember(self, table: pa.Table, lines: np.ndarray, block: Block, *,
                 multiline: bool) -> None:
        """Keep the rows of the block's last person (keys and raw bytes), so that a line
        repeated at the start of the next block is found too. `multiline`: whether some
        row of the block spans several lines."""
        n = table.num_rows
        if not n:
            return
        ids = table["SUBJECT_ID"]
        last = ids[n - 1].as_py()
        other = np.flatnonzero(pc.fill_null(pc.not_equal(ids, last), True).to_numpy(
            zero_copy_only=False))
        start = max(int(other[-1]) + 1 if len(other) else 0, n - limits.CARRY_ROWS)
        tail = table.slice(start)
        tail_lines = lines[start:]
        spans = row_spans(tail) if multiline else np.ones(tail.num_rows, dtype=np.int64)
        first = int(tail_lines[0])
        physical = block.tail_lines(first - block.first_line)
        raw = [b"\n".join(physical[line - first:line - first + span])
               for line, span in zip(tail_lines.tolist(), spans.tolist(), strict=True)]
        keys = tail.select(list(DUPLICATE_KEYS))
        carry = self.carry
        if start == 0 and carry is not None and carry.person == last:
            keys = pa.concat_tables([carry.keys, keys])
            raw = carry.raw + raw
            tail_lines = np.concatenate([carry.lines, tail_lines])
            if len(raw) > limits.CARRY_ROWS:
                cut = len(raw) - limits.CARRY_ROWS
                keys, raw, tail_lines = keys.slice(cut), raw[cut:], tail_lines[cut:]
        self.carry = Carry(last, keys, raw, tail_lines)


def increasing(column: pa.ChunkedArray) -> bool:
    """Whether the column holds whole numbers that only increase (then no two rows are
    equal in it)."""
    try:
        numbers = pc.cast(column, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    if numbers.null_count:
        return False
    values = numbers.to_numpy()
    return bool((values[1:] > values[:-1]).all())


def row_spans(table: pa.Table) -> np.ndarray:
    """Physical lines of each row of a small table (slices: `blocks.newlines_per_row` would scan
    the whole buffers behind them)."""
    total = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        total += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy().astype(np.int64)
    return total


def same_keys(table: pa.Table) -> list[list[int]]:
    """Groups (of 2 rows or more) of the rows equal in every column of `table`."""
    if table.num_rows <= limits.SMALL_TABLE:  # a hash group-by costs more here (and its set-up)
        seen: dict[tuple[Any, ...], list[int]] = {}
        columns = [table[c].to_pylist() for c in table.column_names]
        for i, key in enumerate(zip(*columns, strict=True)):
            seen.setdefault(key, []).append(i)
        return [group for group in seen.values() if len(group) > 1]
    grouped = table.append_column("_i", pa.array(np.arange(table.num_rows))).group_by(
        table.column_names, use_threads=False).aggregate([("_i", "list")])
    sizes = pc.list_value_length(grouped["_i_list"]).to_numpy(zero_copy_only=False)
    if not (sizes > 1).any():
        return []
    return grouped["_i_list"].filter(pa.array(sizes > 1)).to_pylist()


def rows_bytes(block: Block, table: pa.Table, rows: np.ndarray,
                lines: np.ndarray) -> list[bytes]:
    """The raw bytes of some rows of the block (all their lines, line ends inside kept)."""
    if not len(rows):
        return []
    spans = row_spans(table.take(pa.array(rows)))
    begins, ends = block.bounds()
    index = lines - block.first_line
    # A row's last line, within the block: where old-Mac line ends were made line feeds, a
    # line feed inside a quoted value can make a row's count of lines run past the block's
    # end (found by the random-bytes property test); its bytes then end with the block.
    last = np.minimum(index + spans - 1, len(ends) - 1)
    return [bytes(block.data[b:e]) for b, e in zip(begins[index].tolist(),
                                                    ends[last].tolist(), strict=True)]


"""Values as the engine reads them: placeholders (only spaces, `-` with spaces, `NULL`)
made null and padding spaces trimmed, cheaply on columns that hold none."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj.doj_format import DOJ_COLUMNS

NULL_VALUES = ["", "-", "NULL"]


def normalize_columns(table: pa.Table, columns: Sequence[str] | None = None, *,
                      nulls_done: bool = False) -> pa.Table:
    """`columns` (default: all DOJ columns present) with placeholders (only spaces, `-` with
    spaces, `NULL`) made null and padding spaces trimmed. Cheap on the few rows an output
    holds; the reader already does this for NORMALIZED_COLUMNS (with `nulls_done`: see
    `normalized`)."""
    names = [c for c in (columns if columns is not None else DOJ_COLUMNS)
             if c in table.column_names]
    for name in names:
        index = table.column_names.index(name)
        table = table.set_column(index, name, normalized(table[name], nulls_done=nulls_done))
    return table


def edge_whitespace(chunk: pa.Array) -> bool:
    """Whether any value of a string chunk starts or ends with whitespace, read straight
    from the offsets and data buffers (much cheaper than a string kernel)."""
    if len(chunk) == 0 or chunk.null_count == len(chunk):
        return False
    buffers = chunk.buffers()
    if buffers[2] is None or buffers[2].size == 0:
        return False
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(chunk) + 1,
                            offset=chunk.offset * 4)
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    # offsets[i] is the first byte of value i and offsets[i] - 1 the last byte of value
    # i - 1; an empty value shares its offset with a neighbour, so every byte looked at is
    # the first or last byte of some value (clipping at the ends only adds false alarms).
    first = np.take(data, offsets, mode="clip").min()
    last = np.take(data, offsets - 1, mode="clip").min()
    return bool(min(first, last) <= 32)


def normalized(column: pa.ChunkedArray, *, nulls_done: bool) -> pa.ChunkedArray:
    """Trim padding and null the placeholders. With `nulls_done` (the parser already made
    exact "", "-" and "NULL" null) chunks without edge whitespace are kept as they are."""
    chunks = []
    for chunk in column.chunks:
        if nulls_done and not edge_whitespace(chunk):
            chunks.append(chunk)
            continue
        trimmed = pc.utf8_trim_whitespace(chunk)
        empty = pc.is_in(trimmed, value_set=pa.array(NULL_VALUES))
        chunks.append(pc.if_else(empty, pa.scalar(None, pa.string()), trimmed))
    return pa.chunked_array(chunks, type=pa.string())


def null_placeholder(value: str | None) -> str | None:
    """What the parser's null_values do, for rows read in Python."""
    return None if value in NULL_VALUES else value

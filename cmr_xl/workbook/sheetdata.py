"""Results rows as worksheet XML, built column by column with Arrow kernels.

XlsxWriter spends ~9 microseconds per cell in Python (25 s for 60,000 rows x 46
columns), so the writer lets XlsxWriter lay out the Results sheet (header, table,
widths, frozen panes, folded columns) and splices the data rows built here into its
<sheetData>. Text is written as inline strings: a spreadsheet never evaluates them, so
DOJ text starting with = + - @ stays text. Numbers, dates (Excel serials with a date
style) and booleans are typed cells.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name

from cmr_xl.engine.cell_values import serials_from_dates
from cmr_xl.rules.results_columns import Column
from cmr_xl.workbook.cell_text import clean_array

CHUNK_ROWS = 5_000
COMPRESS_LEVEL = 3  # most of the size gain of 6 at half the time


def arrow_strings(values: pd.Series) -> pa.Array:
    """Text as an Arrow string array (zero-copy for Arrow-backed pandas strings), empty
    text as null: what the cell writer and the writer's repair count both read."""
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array(values.astype(object).where(values.notna(), None).map(
            lambda v: v if v is None else str(v)), type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.string():
        array = array.cast(pa.string())
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _escape(text: pa.Array) -> pa.Array:
    """XML-escape, keep CR as Excel's _x000D_ escape and protect literal _xHHHH_ sequences
    from being read as escapes. Characters XML cannot hold are replaced and over-long
    text cut before (cell_text.clean_array)."""
    text = pc.replace_substring_regex(text, r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1")
    text = pc.replace_substring(text, "&", "&amp;")
    text = pc.replace_substring(text, "<", "&lt;")
    text = pc.replace_substring(text, ">", "&gt;")
    return pc.replace_substring(text, "\r", "_x000D_")


def _excel_serials(values: pd.Series) -> pa.Array:
    serials = serials_from_dates(values)
    missing = np.isnan(serials)
    return pa.array(np.where(missing, 0, serials).astype(np.int64), mask=missing).cast(pa.string())


def _numbers(values: pd.Series) -> pa.Array:
    numeric = pd.to_numeric(values, errors="coerce").astype("Float64")
    whole = numeric.round() == numeric
    as_int = pa.array(numeric.where(whole.fillna(False)).astype("Int64"), from_pandas=True)
    as_float = pa.array(numeric.astype("float64").to_numpy(), from_pandas=True).cast(pa.string())
    return pc.if_else(pc.is_valid(as_int), as_int.cast(pa.string()), as_float)


def _bools(values: pd.Series) -> pa.Array:
    flags = values.astype("boolean")
    return pa.array(np.where(flags.fillna(False).to_numpy(dtype=bool), "1", "0"),
                    mask=flags.isna().to_numpy())


def cell_xml(column: Column, col: int, values: pd.Series, rows: pa.Array,
             date_style: int) -> pa.Array:
    """One column's cells as XML fragments; empty where the value is missing."""
    ref = xl_col_to_name(col)
    if column.kind == "date":
        parts = (f'<c r="{ref}', rows, f'" s="{date_style}"><v>', _excel_serials(values),
                 "</v></c>")
    elif column.kind == "number":
        parts = (f'<c r="{ref}', rows, '"><v>', _numbers(values), "</v></c>")
    elif column.kind == "bool":
        parts = (f'<c r="{ref}', rows, '" t="b"><v>', _bools(values), "</v></c>")
    else:
        parts = (f'<c r="{ref}', rows, '" t="inlineStr"><is><t xml:space="preserve">',
                 _escape(clean_array(arrow_strings(values))), "</t></is></c>")
    return pc.fill_null(pc.binary_join_element_wise(*parts, ""), "")


def rows_xml(frame: pd.DataFrame, columns: Sequence[Column], first_row: int,
             date_style: int) -> Iterator[bytes]:
    """<row> elements for `frame` (columns in `columns` order), starting at 1-based
    `first_row`, in chunks so that memory stays flat for a large county."""
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start:start + CHUNK_ROWS]
        numbers = np.arange(first_row + start, first_row + start + len(chunk))
        rows = pa.array(numbers).cast(pa.string())
        cells = [cell_xml(column, col, chunk[column.key], rows, date_style)
                 for col, column in enumerate(columns)]
        joined = pc.binary_join_element_wise('<row r="', rows, '">', *cells, "</row>", "")
        yield "".join(joined.to_pylist()).encode("utf-8")


def splice_rows(source: BinaryIO | Path, target: Path, sheet_part: str, rows: Iterator[bytes],
                last_ref: str, table_part: str | None = None) -> None:
    """Copy the xlsx `source` to `target`, adding `rows` at the end of `sheet_part`'s
    <sheetData> and widening its <dimension> (and `table_part`'s range) to `last_ref`.

    XlsxWriter checks a table's every cell for overlaps (4 s for 60,000 rows), so the
    table is declared over its header and first row and widened here."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == table_part:
                data = re.sub(rb'ref="A1:[A-Z]+[0-9]+"', f'ref="A1:{last_ref}"'.encode(), data)
            if info.filename != sheet_part:
                zout.writestr(info, data)
                continue
            text = data.decode("utf-8")
            text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last_ref}"/>', text,
                          count=1)
            head, tail = _split_sheet_data(text)
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry._compresslevel = COMPRESS_LEVEL  # public as compress_level from 3.13
            with zout.open(entry, "w", force_zip64=True) as out:
                out.write(head.encode("utf-8"))
                for chunk in rows:
                    out.write(chunk)
                out.write(tail.encode("utf-8"))


def _split_sheet_data(text: str) -> tuple[str, str]:
    if "<sheetData/>" in text:
        head, tail = text.split("<sheetData/>", 1)
        return head + "<sheetData>", "</sheetData>" + tail
    head, tail = text.split("</sheetData>", 1)
    return head, "</sheetData>" + tail

"""pyarrow's parse of a block: multi-threaded with defective rows collected (`read`), or in
pieces side by side so that pyarrow numbers every record (`read_numbered`)."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from cmr_xl.common.errors import DojFileError
from cmr_xl.common.threads import executor, threads_available
from cmr_xl.doj import limits
from cmr_xl.doj.blocks import Block, rfind, too_long_error
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.doj.notes import AS_SENT
from cmr_xl.doj.records import split_record
from cmr_xl.doj.sniff import EXTRA_FIELD
from cmr_xl.doj.values import NULL_VALUES


class Parser:
    """Parses the blocks of one file with its column names (95, or 96: trailing commas)."""

    def __init__(self, given: str, names: list[str]) -> None:
        self.given = given
        self.names = names
        self.pool: Executor | None = None  # for the careful path's parses
        self.threads = threads_available()  # pyarrow's own threads too (not in Pyodide)
        self.convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(DOJ_COLUMNS + (EXTRA_FIELD,), pa.string()),
            strings_can_be_null=True, null_values=NULL_VALUES,
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def read_numbered(self, block: Block) -> tuple[pa.Table, list[tuple[int, str]]]:
        """A parse where pyarrow numbers every record (defective or not): serial parses of
        pieces of the block, run side by side. A quoted value cut by a piece end leaves
        an open quote at the end of its piece; that piece is then read again with the
        next one."""
        data = block.data
        pieces, begin = [], 0
        while begin < len(data):
            end = rfind(data, b"\n", begin, begin + limits.PIECE_BYTES) + 1 or len(data)
            pieces.append(data[begin:end])
            begin = end
        if self.pool is None:
            self.pool = executor(max_workers=max(pa.cpu_count(), 1),
                                 thread_name_prefix="cmr-xl-parse")
        first = block.first_line
        results = list(self.pool.map(lambda piece: self.read(piece, first, threads=False),
                                     pieces))
        tables, numbered, offset = [], [], 0
        for i, (table, bad) in enumerate(results):
            last = table.num_rows + len(bad)
            ends_open = any(n == last and (split := split_record(text)) is not None and split[1]
                            for n, text in bad)
            if ends_open and i + 1 < len(results):
                joined = bytes(pieces[i]) + bytes(pieces[i + 1])
                pieces[i + 1] = joined
                results[i + 1] = self.read(joined, first, threads=False)
                continue
            tables.append(table)
            numbered += [(offset + n, text) for n, text in bad]
            offset += last
        return pa.concat_tables(tables), numbered

    def read(self, data: memoryview | bytes, first_line: int, *,
              threads: bool) -> tuple[pa.Table, list[tuple[Any, str]]]:
        """One pyarrow parse; a defective row is kept as (its number, its text) instead of
        stopping the parse (the number is None in a multi-threaded parse). A record longer
        than pyarrow's parse chunk is read with bigger chunks (its value is judged later)."""
        chunk = limits.PARSE_CHUNK
        while True:
            bad: list[tuple[Any, str]] = []

            def keep(row: Any, bad: list[tuple[Any, str]] = bad) -> str:
                bad.append((row.number, row.text))
                return "skip"

            try:
                table = pacsv.read_csv(
                    pa.py_buffer(data),
                    read_options=pacsv.ReadOptions(column_names=self.names,
                                                   use_threads=threads and self.threads, block_size=chunk),
                    parse_options=pacsv.ParseOptions(invalid_row_handler=keep),
                    convert_options=self.convert,
                )
                return table, bad
            except pa.ArrowInvalid as error:
                message = str(error)
                if "Empty CSV file" in message:
                    return pa.table({n: pa.array([], pa.string()) for n in self.names}), []
                if "straddling" in message and chunk <= len(data) and chunk < limits.MAX_CHUNK:
                    chunk = min(chunk * 4, len(data) + 1, limits.MAX_CHUNK)
                    continue
                if "straddling" in message:
                    raise too_long_error(self.given, data, first_line) from None
                raise DojFileError(where=f"{self.given}, line {first_line}",
                                   what=f"cannot be read as CSV ({message})",
                                   fix=AS_SENT) from None

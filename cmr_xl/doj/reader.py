"""Streaming, columnar reader of CA DOJ research files (shared spec doj-research-file.md).

A big county's file is ~5 million rows and several GB, so the reader never holds the whole
file: it reads blocks of about `batch_bytes` cut at line ends, hashes them as they go by, and
hands each block to pyarrow's multi-threaded CSV parser. Python looks at single rows only
when pyarrow reports them defective, so a clean file costs little more than pyarrow's own
parse.

Every input line is accounted for: a header line, a blank line, a row used as it is, a row
repaired (an extra empty field dropped) or a row rejected with its line number and reason.
Every row keeps its file and physical line number (`SOURCE_FILE`, `SOURCE_LINE`).

How line numbers stay right. pyarrow numbers nothing in a multi-threaded parse, so the
reader counts line ends itself. Fast path: quotes honoured but blocks split at any line end
(`newlines_in_values=False`); when the rows equal the line ends and no row was defective,
row k is line first+k. Otherwise the block is placed with vectorised checks on its line
bounds: blank lines, and each defective record found by its text (a stray quote may have
joined a few lines into it). When that does not add up exactly (a good row with a quoted
line break, a line pyarrow lost at the end of one of its chunks, a lone CR) the careful
path parses the block again in pieces, serially and side by side, so that pyarrow numbers
every record, and walks records and blank lines to their physical lines.

Line ends and bytes that are not text. A block of old-Mac lines (lone CR) among LF or CRLF
lines is read line by line as written (`records.cr_line_ends`: found on the slow path only, as
pyarrow then counts more records than line feeds). A NUL byte stops the read in the block
that holds it (memchr as the block is read), and so does a line with no line end for 128
MB: a padded or damaged copy is refused naming its line, never gathered into one line.

Stray quotes. A defective record that spans lines is taken apart in Python: each legal
record in it (one line, or a quoted value that closes within 50 lines) is judged on its
own, and a "good" row whose quoted value holds lines that are complete rows themselves is
split too, so a stray quote costs its own line only. A record with an open quote at the end
of a block is read again at the start of the next one (a value cut by the block end).

Rows that read as CSV but cannot be used as they are (`screen.screen`; cheap vectorised tests,
then Python on the few rows they point at): a value over 1 MB (garbage in a damaged file:
the line is rejected; a record longer than pyarrow's parse chunk is parsed with bigger
chunks first), a row of empty fields (the empty row a spreadsheet writes: a blank line), an
empty SUBJECT_ID (rejected: the row cannot be linked to a person's history), and a line that
repeats an earlier line byte for byte (rejected, so that it is not read as one more sentence
part of its count; DOJ's sentence parts differ). A value that ends with a quote may be a
quote inside a quoted value that is not doubled, which pyarrow moves: that row is read
again with the value as written between the outer quotes (with a note), or rejected.

Values are kept raw, except that a field that is only spaces, `-` with spaces, or `NULL` is
null in every column (exact `""`, `"-"`, `"NULL"` at parse time, for free), and padding
spaces are trimmed in `NORMALIZED_COLUMNS` (the columns the engine interprets). Trimming all
95 columns would cost about as much as the parse itself; writers call `normalize_columns`
on the few rows they output.

The parts, each testable on bytes or small tables: `sniff` (what a file is, from its
first bytes), `blocks` (blocks of whole lines and their line bounds), `parse` (pyarrow),
`records` (one record split in Python), `repairs` (defective records used, repaired or
rejected), `screen` and `repeats` (rows that cannot be used, lines written twice),
`notes` and `accounting` (where every line went, in words), `persons` (batches of whole
persons); this module puts them together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cmr_xl.common.errors import DojFileError
from cmr_xl.common.threads import executor
from cmr_xl.doj import limits, screen
from cmr_xl.doj.accounting import FileReport, RowAccounting
from cmr_xl.doj.blocks import (
    Block,
    NotText,
    Placed,
    Source,
    find,
    merge,
    newlines_per_row,
    prefix_keys,
    walk,
)
from cmr_xl.doj.doj_format import DOJ_COLUMNS, FACT_COLUMNS, SOURCE_FILE, SOURCE_LINE
from cmr_xl.doj.notes import Findings, file_notes
from cmr_xl.doj.parse import Parser
from cmr_xl.doj.persons import Persons
from cmr_xl.doj.records import LONE_CR, cr_line_ends, split_record
from cmr_xl.doj.repairs import Judged, Repairs
from cmr_xl.doj.repeats import Repeats
from cmr_xl.doj.sniff import checked_path, not_text_error, sniff
from cmr_xl.doj.values import normalize_columns, null_placeholder

__all__ = ["NORMALIZED_COLUMNS", "OUTPUT_SCHEMA", "iter_person_batches", "normalize_columns",
           "read_all"]

#: Columns whose padding the reader trims (all columns get placeholder nulls).
NORMALIZED_COLUMNS: tuple[str, ...] = FACT_COLUMNS

#: What every yielded table looks like.
OUTPUT_SCHEMA = pa.schema(
    [(c, pa.string()) for c in DOJ_COLUMNS]
    + [(SOURCE_FILE, pa.string()), (SOURCE_LINE, pa.int64())]
)


def iter_person_batches(
    paths: Sequence[str | Path], accounting: RowAccounting, *, batch_bytes: int = 64 << 20
) -> Iterator[pa.Table]:
    """Tables of whole persons (OUTPUT_SCHEMA), in file order, about `batch_bytes` of input
    each. The rows of a person that are together in the file are never split between
    batches; the next block is parsed in a background thread while the caller works."""
    if batch_bytes < 1:
        raise ValueError("batch_bytes must be positive")
    files = [checked_path(p) for p in paths]
    if not files:
        raise DojFileError(where="(no file)", what="no DOJ research file was given",
                           fix="Give the path of the county's DOJ research file")
    tables = _tables(files, accounting, batch_bytes)
    persons = Persons(accounting)
    pool = executor(max_workers=1, thread_name_prefix="cmr-xl-read")
    future: Future[pa.Table | None] | None = None
    try:
        future = pool.submit(next, tables, None)
        while (table := future.result()) is not None:
            future = pool.submit(next, tables, None)
            batch = persons.add(table)
            if batch is not None:
                yield batch
        future = None
        last = persons.finish()
        if last is not None:
            yield last
    finally:
        if future is not None:  # stopped early: let the block in progress finish first
            future.cancel()
            try:
                future.result()
            except BaseException:  # the caller's error matters, not this one
                pass
        pool.shutdown(wait=True)
        tables.close()


def read_all(paths: Sequence[str | Path], accounting: RowAccounting) -> pa.Table:
    """Every row of every file in one table (for small files and tests)."""
    batches = list(iter_person_batches(paths, accounting))
    return pa.concat_tables(batches) if batches else OUTPUT_SCHEMA.empty_table()


def _tables(files: list[tuple[Path, str]], accounting: RowAccounting,
            step: int) -> Iterator[pa.Table]:
    """All files' block tables, in order: one stream."""
    for path, given in files:
        yield from FileReader(path, given, accounting, step).tables()


class FileReader:
    """Reads one file into tables of OUTPUT_SCHEMA (one per block), keeping its report."""

    def __init__(self, path: Path, given: str, accounting: RowAccounting, step: int) -> None:
        self.path = path
        self.given = given
        self.accounting = accounting
        self.step = step
        self.report = FileReport(name=path.name, path=given)
        accounting.files.append(self.report)
        self.found = Findings()
        self.repeats = Repeats()
        self.parser: Parser | None = None  # made once the file's shape is known
        self.checked_first = False
        self.continuation = 0  # physical lines inside multi-line records
        self.numbered_first = False  # go straight to the careful path (see _block)

    # -- whole file ----------------------------------------------------------------------

    def tables(self) -> Iterator[pa.Table]:
        """The file's rows, one table per block, then its report and notes completed."""
        try:
            yield from self._tables()
        finally:
            if self.parser is not None:
                self.parser.close()

    def _tables(self) -> Iterator[pa.Table]:
        report = self.report
        with open(self.path, "rb") as handle:
            sample = handle.read(limits.SNIFF_BYTES)
            whole = len(sample) < limits.SNIFF_BYTES
            handle.seek(0)
            self.shape = shape = sniff(self.path, self.given, sample, whole,
                                       self.accounting.notes)
            report.has_header = shape.has_header
            self.repairs = Repairs(self.given, self.found, mode96=shape.mode96)
            self.parser = Parser(self.given, shape.names)
            source = Source(handle, self.step, shape.eol)
            try:
                line = 1
                first = True
                to_skip = shape.skip_lines
                ended_cr = False
                while (data := self._next_block(source, line)) is not None:
                    if first:
                        data = data[shape.bom:]
                        first = False
                        if shape.cr_ends:  # before the header is skipped: it may end in CR
                            made = self._cr_line_ends(data, line)
                            data = data if made is None else made
                    if to_skip:  # leading blank lines and the header, maybe over blocks
                        data, skipped = self._skip_start(data, to_skip)
                        to_skip -= skipped
                        line += skipped
                        if not len(data):
                            continue
                    if shape.eol == b"\r":  # old Mac lines; CRLF lines later count once,
                        data = bytes(data)  # also when a block ends between CR and LF
                        if ended_cr and data.startswith(b"\n"):
                            data = data[1:]
                        ended_cr = data.endswith(b"\r")
                        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                    block = Block(data, line)
                    table, consumed = self._block(block, final=source.eof and not source.carry)
                    if consumed < block.n_lines:
                        source.push_back(block.tail(consumed))
                    line += consumed
                    if table is not None and table.num_rows:
                        yield table
                report.size_bytes = source.size
                report.sha256 = source.sha256()
            finally:
                source.close()
        report.lines = report.physical_lines - self.continuation
        file_notes(self.given, report, self.accounting, self.found, mode96=shape.mode96,
                   skip_lines=shape.skip_lines)

    def _next_block(self, source: Source, line: int) -> memoryview | bytes | None:
        """The source's next block; bytes no text file holds are refused naming their line
        (the rows before them are not read alone: a damaged copy may miss convictions)."""
        try:
            return source.next_block()
        except NotText as found:
            raise not_text_error(self.given, line + found.newlines, found.offset,
                                 nul=found.nul) from None

    def _skip_start(self, data: memoryview | bytes,
                    count: int) -> tuple[memoryview | bytes, int]:
        """Drop up to `count` lines of the leading blank lines and header line from the
        start of a block (they may not all be in the first block); count them once all
        are skipped."""
        offset = skipped = 0
        while skipped < count and offset < len(data):
            found = find(data, self.shape.eol, offset)
            offset = len(data) if found < 0 else found + 1
            skipped += 1
        self.report.physical_lines += skipped
        if skipped == count:
            self.report.header_lines += 1
            self.report.blank_lines += self.shape.skip_lines - 1
        return data[offset:], skipped

    # -- one block -----------------------------------------------------------------------

    def _block(self, block: Block, *, final: bool) -> tuple[pa.Table | None, int]:
        """The rows of one block and how many of its lines were used (the rest, a record
        with an open quote at the very end, is read again with the next block)."""
        if block.n_lines == 0:
            return None, 0
        if self.numbered_first:  # the last block had values spanning lines: parse once
            placed = self._place_careful(block)
        else:
            table, bad = self._parse(block)
            if (bad or table.num_rows != block.n_lines) and self._cr_ends(block):
                table, bad = self._parse(block)  # old-Mac lines now end in LF
            if (not bad and table.num_rows == block.n_lines
                    and (block.plain_ends or block.lone_cr() < 0)):  # (CR lines + blanks)
                start = block.first_line
                placed = Placed(table, np.arange(start, start + table.num_rows,
                                                  dtype=np.int64), [], 0)
            else:
                placed = self._place_simple(block, table, bad) or self._place_careful(block)
        self.numbered_first = placed.continuation > 0
        consumed = block.n_lines
        if placed.records and not final:
            line, span, text = placed.records[-1]
            last = block.first_line + block.n_lines - 1
            split = split_record(text)
            if (line + span - 1 == last and span <= limits.PUSHBACK_LINES and split is not None
                    and split[1]):
                placed.records.pop()  # maybe a quoted value that goes on in the next block
                consumed -= span
        if not self.checked_first and placed.table.num_rows:
            self.repairs.learn_markers(placed.table.slice(0, limits.SAMPLE_ROWS))
        judged = Judged(blanks=placed.blanks, continuation=placed.continuation)
        self.repairs.inner_quotes(placed, judged, block)
        table, lines = self.repairs.extra_field(placed, judged, block)
        for line, span, text in placed.records:
            self.repairs.judge(judged, line, span, text)
        table = self._finish_table(table, lines, judged, block)
        self._count(block, consumed, table, judged)
        return table, consumed

    def _parse(self, block: Block) -> tuple[pa.Table, list[tuple[Any, str]]]:
        """pyarrow's multi-threaded parse of a block; defective rows are collected (not in
        order, and not numbered), not raised."""
        if not block.ascii:
            self._reencode(block)  # before pyarrow: it cannot report non-UTF-8 bad rows
        return self.parser.read(block.data, block.first_line, threads=True)

    def _reencode(self, block: Block) -> None:
        """Read bytes that are not UTF-8 as Windows-1252 and give pyarrow UTF-8."""
        data = bytes(block.data)
        try:
            data.decode("utf-8")
            block.ascii = True  # valid UTF-8: nothing to do
            return
        except UnicodeDecodeError as error:
            at = error.start
        if not self.found.encoding_line:
            self.found.encoding_line = block.first_line + data.count(b"\n", 0, at)
            self.accounting.notes.append(
                f"{self.given}: text that is not UTF-8 from line {self.found.encoding_line}; read it "
                "as Windows-1252 / Latin-1 (accented letters in names)")
        block.replace(data.decode("utf-8", errors="cmr_xl_cp1252").encode("utf-8"), utf8=True)

    def _cr_ends(self, block: Block) -> bool:
        """Make the block's old-Mac line ends (a lone CR ending a whole record, among lines
        ending otherwise) line feeds, noted once; whether any were. Done once per block
        (`cr_checked`): a later call changes nothing and says False."""
        if block.cr_checked:
            return False
        block.cr_checked = True
        if block.lone_cr() < 0:
            return False
        data = self._cr_line_ends(block.data, block.first_line)
        if data is None:
            return False
        block.replace(data)
        return True

    def _cr_line_ends(self, data: memoryview | bytes, first_line: int) -> bytes | None:
        """`data` with its old-Mac line ends made line feeds (the first one noted), or None
        when it has none (`records.cr_line_ends`)."""
        found = cr_line_ends(bytes(data))
        if found is None:
            return None
        made, before = found
        if not self.found.cr_ends_line:
            self.found.cr_ends_line = first_line + before
        return made

    def _place_simple(self, block: Block, table: pa.Table,
                      bad: list[tuple[Any, str]]) -> Placed | None:
        """Blank lines and defective records (a stray quote may have joined a few lines
        into one) placed by their text among the block's lines, with vectorised checks;
        None when that does not add up exactly (good rows spanning lines, lines pyarrow
        lost at one of its chunk ends)."""
        if any("\r" in text.replace("\r\n", "") for _, text in bad):
            return None  # a lone CR: the careful path reads it as a space
        n = block.n_lines
        begins, ends = block.bounds()
        arr = np.frombuffer(block.data, dtype=np.uint8)
        ends = ends - ((ends > begins) & (arr[np.maximum(ends - 1, 0)] == 13))  # CR of CRLF
        length = ends - begins
        empty = length == 0
        covered = np.zeros(n, dtype=bool)
        records = []
        start = block.first_line
        if bad:
            data = block.data

            def line(i: int) -> bytes:
                return bytes(data[int(begins[i]):int(ends[i])])

            waiting: dict[bytes, list[tuple[list[bytes], str]]] = {}
            for _, text in bad:
                parts = [part.encode() for part in text.replace("\r\n", "\n").split("\n")]
                waiting.setdefault(parts[0], []).append((parts, text))
            # lines as long as a defective record's first line and starting with the same
            # 8 bytes, found vectorised; only those are compared in Python
            maybe = np.flatnonzero(np.isin(length, [len(first) for first in waiting]))
            keys = prefix_keys(arr, begins[maybe], length[maybe])
            wanted = [int.from_bytes(first[:8].ljust(8, b"\0"), "little") for first in waiting]
            maybe = maybe[np.isin(keys, np.array(wanted, dtype=np.uint64))]
            hits = [i for i in maybe.tolist() if line(i) in waiting]
            if len(hits) != len(bad):
                return None
            for i in hits:
                group = waiting[line(i)]
                match = next((k for k, (parts, _) in enumerate(group)
                              if i + len(parts) <= n
                              and all(line(i + j) == parts[j] for j in range(1, len(parts)))),
                             None)
                if match is None:
                    return None
                parts, text = group.pop(match)
                if covered[i:i + len(parts)].any():
                    return None
                covered[i:i + len(parts)] = True
                records.append((start + i, len(parts), text))
        valid = ~empty & ~covered
        if int(valid.sum()) != table.num_rows:
            return None
        return Placed(table, start + np.flatnonzero(valid).astype(np.int64), records,
                       int((empty & ~covered).sum()))

    def _place_careful(self, block: Block) -> Placed:
        """Values that span lines: a parse where pyarrow numbers every record, then a walk
        over the records and blank lines to give each its physical lines."""
        if not block.ascii:
            self._reencode(block)
        self._cr_ends(block)
        lone_cr = block.lone_cr()  # pyarrow would end a record there
        if lone_cr >= 0:
            if not self.found.lone_cr_line:
                before = np.frombuffer(block.data, dtype=np.uint8, count=lone_cr)
                self.found.lone_cr_line = block.first_line + int(np.count_nonzero(before == 10))
            block.replace(LONE_CR.sub(b" ", block.data))
        table, bad = self.parser.read_numbered(block)
        total = table.num_rows + len(bad)
        numbers = [n for n, _ in bad]
        if (any(not isinstance(n, int) for n in numbers) or len(set(numbers)) != len(numbers)
                or (numbers and (min(numbers) < 1 or max(numbers) > total))):
            return self._place_lines(block)
        invalid = np.zeros(total, dtype=bool)
        invalid[np.asarray(numbers, dtype=np.int64) - 1] = True
        spans = np.ones(total, dtype=np.int64)
        if table.num_rows:
            spans[~invalid] += newlines_per_row(table)
        for number, text in bad:
            spans[number - 1] = text.count("\n") + 1
        walked = walk(spans, block.empty_lines())
        if walked is None:
            return self._place_lines(block)
        starts, blanks = walked
        first = block.first_line
        records = [(first + int(starts[n - 1]), int(spans[n - 1]), text)
                   for n, text in sorted(bad)]
        row_starts = starts[~invalid]
        row_spans = spans[~invalid]
        keep = np.ones(table.num_rows, dtype=bool)
        continuation = 0
        multiline = []
        for r in np.flatnonzero(row_spans > 1):
            begin, span = int(row_starts[r]), int(row_spans[r])
            if self.repairs.swallowed([block.text(begin + k) for k in range(1, span)]):
                keep[r] = False  # a stray quote ate the lines after it: judge each line
                records.append((first + begin, span, block.text(begin, span)))
            else:
                continuation += span - 1
                multiline.append(first + begin)
        if not keep.all():
            table = table.filter(pa.array(keep))
            records.sort()
        self.found.multiline_lines.extend(multiline)
        return Placed(table, (first + row_starts[keep]).astype(np.int64), records, blanks,
                       continuation)

    def _place_lines(self, block: Block) -> Placed:
        """Last resort: every physical line judged on its own in Python."""
        empty = pa.table({n: pa.array([], pa.string()) for n in self.shape.names})
        records = [(block.first_line + i, 1, block.text(i)) for i in range(block.n_lines)]
        return Placed(empty, np.zeros(0, dtype=np.int64), records, 0)

    # -- the block's table -----------------------------------------------------------------

    def _finish_table(self, table: pa.Table, lines: np.ndarray, judged: Judged,
                      block: Block) -> pa.Table:
        """Normalise, add the Python-read rows in line order, drop repeated headers and the
        rows that cannot be used (`screen.screen`), check the first rows of the file for Excel,
        add the source columns."""
        table = normalize_columns(table.select(list(DOJ_COLUMNS)), NORMALIZED_COLUMNS,
                                  nulls_done=True)
        judged_lines = np.array([r[0] for r in judged.rows], dtype=np.int64)
        if judged.rows:
            extra = pa.table(
                {c: pa.array([null_placeholder(r[1][i]) for r in judged.rows], pa.string())
                 for i, c in enumerate(DOJ_COLUMNS)})
            extra = normalize_columns(extra, NORMALIZED_COLUMNS)
            table, lines = merge(table, lines, extra, judged_lines)
        header = screen.repeated_headers(table)
        if header is not None:
            judged.headers = int(header.sum())
            self.found.header_repeats.extend(int(x) for x in lines[header])
            table = table.filter(pa.array(~header))
            lines = lines[~header]
        table, lines = screen.screen(table, lines, judged, block, self.given, self.repeats)
        self._count_repaired(lines, judged, judged_lines)
        n = table.num_rows
        table = table.append_column(SOURCE_FILE, pa.repeat(pa.scalar(self.given), n))
        table = table.append_column(SOURCE_LINE, pa.array(lines, pa.int64()))
        if not self.checked_first and n:
            self.checked_first = True
            screen.check_excel(table.slice(0, limits.SAMPLE_ROWS), self.given, self.accounting)
        return table

    def _count_repaired(self, lines: np.ndarray, judged: Judged,
                        judged_lines: np.ndarray) -> None:
        """Count the repaired rows that are still rows after `screen.screen`: in a file read as
        96 columns every row pyarrow read, and the Python-read rows that were fitted."""
        fixed = np.array([r[0] for r in judged.rows if r[2]], dtype=np.int64)
        kept_fixed = lines[np.isin(lines, fixed)] if len(fixed) else fixed
        count = len(kept_fixed)
        if self.shape.mode96:
            count += len(lines) - (int(np.isin(lines, judged_lines).sum())
                                   if len(judged_lines) else 0)
        self.report.repaired += count
        room = limits.EXAMPLES - len(self.found.repaired_lines)
        self.found.repaired_lines.extend(int(x) for x in kept_fixed[:max(room, 0)])

    def _count(self, block: Block, consumed: int, table: pa.Table | None,
               judged: Judged) -> None:
        """Add the block to the report; every line used must be accounted for once."""
        report = self.report
        rows = table.num_rows if table is not None else 0
        headers = judged.headers
        report.header_lines += headers
        report.physical_lines += consumed
        report.blank_lines += judged.blanks
        report.rows += rows
        report.rejected += len(judged.rejects)
        self.continuation += judged.continuation
        self.accounting.rejects.extend(sorted(judged.rejects, key=lambda r: r.line))
        used = headers + judged.blanks + rows + len(judged.rejects) + judged.continuation
        if used != consumed:
            self.accounting.notes.append(
                f"{self.given}: internal error, lines {block.first_line}-"
                f"{block.first_line + consumed - 1}: {consumed} lines but {used} accounted for")


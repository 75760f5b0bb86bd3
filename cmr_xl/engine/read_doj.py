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
lines is read line by line as written (`_cr_line_ends`: found on the slow path only, as
pyarrow then counts more records than line feeds). A NUL byte stops the read in the block
that holds it (memchr as the block is read), and so does a line with no line end for 128
MB: a padded or damaged copy is refused naming its line, never gathered into one line.

Stray quotes. A defective record that spans lines is taken apart in Python: each legal
record in it (one line, or a quoted value that closes within 50 lines) is judged on its
own, and a "good" row whose quoted value holds lines that are complete rows themselves is
split too, so a stray quote costs its own line only. A record with an open quote at the end
of a block is read again at the start of the next one (a value cut by the block end).

Rows that read as CSV but cannot be used as they are (`_screen`; cheap vectorised tests,
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
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cmr_xl.engine.doj_format import (
    DOJ_COLUMNS,
    EMPTY_PATTERN,
    FACT_COLUMNS,
    SOURCE_FILE,
    SOURCE_LINE,
)
from cmr_xl.engine.errors import DojFileError
from cmr_xl.engine.output_set import check_input
from cmr_xl.engine.threads import executor, threads_available

EXPECTED_FIELDS = len(DOJ_COLUMNS)

#: Columns whose padding the reader trims (all columns get placeholder nulls).
NORMALIZED_COLUMNS: tuple[str, ...] = FACT_COLUMNS

#: What every yielded table looks like.
OUTPUT_SCHEMA = pa.schema(
    [(c, pa.string()) for c in DOJ_COLUMNS]
    + [(SOURCE_FILE, pa.string()), (SOURCE_LINE, pa.int64())]
)

_EXTRA = "_EXTRA_FIELD"  # name of the 96th column when a whole file has trailing commas
_NULL_VALUES = ["", "-", "NULL"]
_EMPTY = re.compile(EMPTY_PATTERN)
_COLUMN_SET = frozenset(DOJ_COLUMNS)
#: Columns that hold a constant marker (`#`) in real files; they tell where a field is extra.
_SEPARATORS = tuple(i for i, c in enumerate(DOJ_COLUMNS)
                    if c.endswith("_SEG_SEP") or c == "END_OF_REC")
_SNIFF_BYTES = 256 << 10
_PARSE_CHUNK = 4 << 20  # pyarrow's unit of parallel work; fewer chunks cost less downstream
_PIECE_BYTES = _PARSE_CHUNK  # the careful path's unit of parallel work
_MAX_CHUNK = (1 << 31) - 1  # pyarrow's largest parse chunk (a record must fit in one)
_SNIFF_RECORDS = 200
_SAMPLE_ROWS = 20_000  # rows of the first block checked for Excel and separator markers
_EXAMPLES = 5  # line numbers quoted in a note
_TEXT_LIMIT = 300
_PUSHBACK_LINES = 50  # longest record with an open quote carried into the next block
_LONE_CR = re.compile(rb"\r(?!\n)")
_LINE_LIMIT = 128 << 20  # no line end within this many bytes: not a DOJ file (binary tail)
#: A value longer than this is garbage (a damaged file): its line is rejected. DOJ values
#: are short (a COMMENT_TEXT is a few hundred characters).
_VALUE_LIMIT = 1 << 20
#: Columns that tell rows apart; only rows equal in all of them can be the same line twice.
_DUPLICATE_KEYS = ("RECORD_ID", "SUBJECT_ID", "CYC_ORDER", "STP_ORDER", "CNT_ORDER",
                   "SENT_ORDER")
_SMALL_TABLE = 2_000  # rows grouped in Python rather than by a hash group-by
_CARRY_ROWS = 10_000  # rows of the last person kept to find a line repeated in the next block
_UTF8_BOM = b"\xef\xbb\xbf"
#: Signatures of compressed files and archives (zip is handled on its own: an Excel
#: workbook is a zip archive too; bzip2 in `_compressed`).
_COMPRESSED = (
    (b"\x1f\x8b", "a compressed file (gzip)"),
    (b"\xfd7zXZ\x00", "a compressed file (xz)"),
    (b"\x28\xb5\x2f\xfd", "a compressed file (zstd)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)
_DECOMPRESS = "Decompress it and give the .csv file inside"
_EXTRACT = "Extract the research file (.csv) from it and give that file"
_COPY = ("Get a complete, undamaged copy of the research file (from DOJ, or from where "
         "it was copied) and give that")
_NO_SUBJECT = ("has an empty SUBJECT_ID: the row cannot be linked to a person's history; "
               "check it by hand")
_INNER_QUOTE = ('has a quote (") inside a quoted value that is not doubled, and its fields '
                "cannot be told apart")
_DELIMITERS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
_AS_SENT = ("Use the research file exactly as DOJ sent it (comma-separated text, 95 columns "
            "from RECORD_ID to END_OF_REC), not a copy opened and saved in another program")


def _decode_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (Latin-1 where 1252 has no letter):
    DOJ extracts are sometimes Latin-1 names in an otherwise plain ASCII file."""
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start:error.end]
    out = []
    for byte in chunk:
        try:
            out.append(bytes((byte,)).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out), error.end


codecs.register_error("cmr_xl_cp1252", _decode_cp1252)


# ---------------------------------------------------------------------------------------
# Public records of what was read


@dataclass
class RejectedRow:
    """A line that could not be used as a row, and why (written to rejects.csv)."""

    file: str
    line: int
    reason: str
    text: str  # the raw line, truncated to 300 characters


@dataclass
class FileReport:
    """What one input file held. `lines` counts a record whose quoted value spans several
    physical lines once; `physical_lines` is what a text editor shows."""

    name: str
    path: str
    size_bytes: int = 0
    sha256: str = ""
    has_header: bool = False
    lines: int = 0
    rows: int = 0  # rows used, repaired ones included
    repaired: int = 0
    rejected: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    physical_lines: int = 0

    def balanced(self) -> bool:
        """lines == header lines + blank lines + rows used + rows rejected."""
        return self.lines == self.header_lines + self.blank_lines + self.rows + self.rejected


@dataclass
class RowAccounting:
    """Where every input line went, over all files of a run (summary.json "rows")."""

    files: list[FileReport] = field(default_factory=list)
    rejects: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings in plain words
    excel_resaved: list[str] = field(default_factory=list)  # files that look re-saved by Excel
    convictions_read: int = 0  # convicted counts in the files, any county and law
    set_aside: dict[str, int] = field(default_factory=dict)  # Prop 64 texts not determined, by why

    @property
    def lines_read(self) -> int:
        return sum(f.lines for f in self.files)

    @property
    def header_lines(self) -> int:
        return sum(f.header_lines for f in self.files)

    @property
    def blank_lines(self) -> int:
        return sum(f.blank_lines for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rows_repaired(self) -> int:
        return sum(f.repaired for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines_read": self.lines_read,
            "header_lines": self.header_lines,
            "blank_lines": self.blank_lines,
            "rows_read": self.rows_read,
            "rows_repaired": self.rows_repaired,
            "rows_rejected": self.rows_rejected,
            "files": [asdict(f) for f in self.files],
            "notes": list(self.notes),
            "excel_resaved": list(self.excel_resaved),
            "convictions_read": self.convictions_read,
            "set_aside": dict(self.set_aside),
        }


# ---------------------------------------------------------------------------------------
# Public functions


def iter_person_batches(
    paths: Sequence[str | Path], accounting: RowAccounting, *, batch_bytes: int = 64 << 20
) -> Iterator[pa.Table]:
    """Tables of whole persons (OUTPUT_SCHEMA), in file order, about `batch_bytes` of input
    each. The rows of a person that are together in the file are never split between
    batches; the next block is parsed in a background thread while the caller works."""
    if batch_bytes < 1:
        raise ValueError("batch_bytes must be positive")
    files = [_checked_path(p) for p in paths]
    if not files:
        raise DojFileError(where="(no file)", what="no DOJ research file was given",
                           fix="Give the path of the county's DOJ research file")
    tables = _tables(files, accounting, batch_bytes)
    persons = _Persons(accounting)
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


def normalize_columns(table: pa.Table, columns: Sequence[str] | None = None) -> pa.Table:
    """`columns` (default: all DOJ columns present) with placeholders (only spaces, `-` with
    spaces, `NULL`) made null and padding spaces trimmed. Cheap on the few rows an output
    holds; the reader already does this for NORMALIZED_COLUMNS."""
    names = [c for c in (columns if columns is not None else DOJ_COLUMNS)
             if c in table.column_names]
    for name in names:
        index = table.column_names.index(name)
        table = table.set_column(index, name, _normalized(table[name], nulls_done=False))
    return table


# ---------------------------------------------------------------------------------------
# Normalisation


def _edge_whitespace(chunk: pa.Array) -> bool:
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


def _normalized(column: pa.ChunkedArray, *, nulls_done: bool) -> pa.ChunkedArray:
    """Trim padding and null the placeholders. With `nulls_done` (the parser already made
    exact "", "-" and "NULL" null) chunks without edge whitespace are kept as they are."""
    chunks = []
    for chunk in column.chunks:
        if nulls_done and not _edge_whitespace(chunk):
            chunks.append(chunk)
            continue
        trimmed = pc.utf8_trim_whitespace(chunk)
        empty = pc.is_in(trimmed, value_set=pa.array(_NULL_VALUES))
        chunks.append(pc.if_else(empty, pa.scalar(None, pa.string()), trimmed))
    return pa.chunked_array(chunks, type=pa.string())


def _null_placeholder(value: str | None) -> str | None:
    """What the parser's null_values do, for rows read in Python."""
    return None if value in ("", "-", "NULL") else value


# ---------------------------------------------------------------------------------------
# Splitting one record in Python (defective rows only)


def _split(text: str) -> tuple[list[str], bool] | None:
    """Fields of one CSV record read the way pyarrow reads them, and whether a quote was
    left open; None if the text is more than one record."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        if len(rows) == 1:
            return rows[0], False
        if not rows:
            return [""], False
        return None
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            return [], True  # a quote left open (the fields do not matter then)
    return _scan(text, stray_quotes_kept=False)


def _scan(text: str, *, stray_quotes_kept: bool) -> tuple[list[str], bool] | None:
    """Fields of one record read a character at a time, and whether a quote was left
    open; None if the text is more than one record. In a quoted value `""` is a quote;
    another quote closes the value, or, with `stray_quotes_kept`, only when a comma or
    the end of the record follows (any other is kept as written)."""
    fields: list[str] = []
    value: list[str] = []
    quoted, start = False, True
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quoted:
            if ch == '"':
                after = text[i + 1] if i + 1 < n else ","
                if after == '"':
                    value.append('"')
                    i += 1
                elif stray_quotes_kept and after != ",":
                    value.append('"')  # a quote inside the value, not doubled: kept
                else:
                    quoted = False
            else:
                value.append(ch)
        elif ch == ",":
            fields.append("".join(value))
            value, start = [], True
            i += 1
            continue
        elif ch == '"' and start:
            quoted = True
        elif ch in "\r\n":
            return None
        else:
            value.append(ch)
        start = False
        i += 1
    fields.append("".join(value))
    return fields, quoted


def _blank(text: str) -> bool:
    """A line that holds nothing: empty, spaces, or only commas (the empty row a
    spreadsheet program writes)."""
    return not text.strip(" \t\r\n,")


def _split_as_written(text: str) -> list[str] | None:
    """Fields of one CSV record where a quote inside a quoted value that is not doubled is
    kept as written: in a quoted value only `""` (a quote) and a quote before a comma or
    the end of the record (the closing one) are special. None if a quote never closes or
    the text is more than one record. Same as `_split` for any well-formed record."""
    scanned = _scan(text, stray_quotes_kept=True)
    return None if scanned is None or scanned[1] else scanned[0]


def _compressed(sample: bytes) -> str:
    """What compressed file or archive (other than zip) the bytes start, or ""."""
    for signature, kind in _COMPRESSED:
        if sample.startswith(signature):
            return kind
    if sample.startswith(b"BZh") and sample[4:10] == b"1AY&SY":
        return "a compressed file (bzip2)"
    return ""


def _cr_line_ends(data: bytes) -> tuple[bytes, int] | None:
    """`data` with the lone carriage returns that end lines made line feeds, and how many
    line feeds come before the first of them; None when none does. A file may hold a
    block of old-Mac lines (CR only) among lines ending in LF or CRLF: a line (up to LF)
    whose lone-CR pieces are mostly whole DOJ records (at least two) is that block, read
    line by line as written. Fewer: a carriage return inside a value (read as a space)."""
    out: list[bytes] = []
    done = 0
    first = -1
    at = _LONE_CR.search(data)
    while at is not None:
        begin = data.rfind(b"\n", 0, at.start()) + 1
        end = data.find(b"\n", at.start())
        end = len(data) if end < 0 else end
        core = data[begin:end - 1] if end < len(data) and data[end - 1] == 13 else data[begin:end]
        parts = _LONE_CR.split(core)
        full = sum(1 for part in parts if _whole_record(part))
        if full >= 2 and 2 * full >= sum(1 for part in parts if part.strip()):
            if first < 0:
                first = data.count(b"\n", 0, begin)
            out += [data[done:begin], b"\n".join(parts)]
            done = begin + len(core)
        at = _LONE_CR.search(data, end)
    if first < 0:
        return None
    out.append(data[done:])
    return b"".join(out), first


def _whole_record(text: bytes) -> bool:
    """A record of 95 fields (or 96: a trailing comma) on its own."""
    split = _split(text.decode("utf-8", errors="replace"))
    return split is not None and not split[1] and len(split[0]) in (EXPECTED_FIELDS,
                                                                      EXPECTED_FIELDS + 1)


def _wide_text(sample: bytes) -> str:
    """'UTF-32 text' or 'UTF-16 text (...)' when the sample is text in 4 or 2 bytes a
    character (with or without a byte order mark; judged by where the NUL bytes of ASCII
    characters fall), else ''."""
    if sample.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32 text"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (Excel 'Unicode Text')"
    head = sample[:4096]
    size = len(head) // 4 * 4
    if size < 8:
        return ""
    for width, name in ((4, "UTF-32 text"), (2, "UTF-16 text (Excel 'Unicode Text')")):
        lanes = [head[i:size:width] for i in range(width)]
        zeros = [lane.count(0) / len(lane) for lane in lanes]
        # ASCII: every lane but one is (nearly) all NULs, and that one nearly has none
        text = [z < 0.1 for z in zeros]
        if sum(text) == 1 and all(z > 0.9 for z, t in zip(zeros, text, strict=True) if not t):
            return name
    return ""


def _too_long_reason(length: int, column: str) -> str:
    return f"has a value of {length:,} characters ({column}); no DOJ value is that long"


def _few(items: Sequence[Any], limit: int = _EXAMPLES) -> str:
    """The first few items for a message, and how many more there are."""
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def _delimiter_guess(text: str) -> str:
    """What seems to separate fields in a line that has (almost) no commas."""
    counts = {d: text.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return _DELIMITERS[best] if counts[best] >= 10 else ""


def _looks_like_header(names: list[str]) -> bool:
    """A first line of column names, though not the DOJ ones: several DOJ names, or mostly
    identifier-like words and no numbers (a data row has ids, dates and empty fields)."""
    if sum(n in _COLUMN_SET for n in names) >= 3:
        return True
    words = [n for n in names if n]
    if len(words) < 5 or len(words) < 0.8 * len(names) or any(w.isdigit() for w in words):
        return False
    identifiers = sum(bool(re.fullmatch(r"[A-Z][A-Z0-9_ ]*", w)) for w in words)
    return identifiers >= 0.8 * len(words) and sum("_" in w for w in words) >= 0.3 * len(words)


def _header_mismatch(names: list[str]) -> str:
    seen = set(names)
    missing = [c for c in DOJ_COLUMNS if c not in seen]
    unexpected = [n or "(empty)" for n in names if n not in _COLUMN_SET]
    parts = []
    if missing:
        parts.append(f"{len(missing)} column(s) missing: {_few(missing)}")
    if unexpected:
        parts.append(f"unexpected column(s): {_few(unexpected)}")
    if not parts:
        repeated = [n for n, k in Counter(names).items() if k > 1]
        if repeated:
            parts.append(f"repeated column(s): {_few(repeated)}")
        else:
            i = next(i for i, (a, b) in enumerate(zip(names, DOJ_COLUMNS, strict=True)) if a != b)
            parts.append(f"columns out of order: column {i + 1} is {names[i]}, "
                         f"expected {DOJ_COLUMNS[i]}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------
# Reading a file in blocks


def _checked_path(path: str | Path) -> tuple[Path, str]:
    """The path, and the name as the user gave it (used in rows, rejects and messages)."""
    given = str(path)
    p = Path(path)
    if not p.exists():
        raise DojFileError(where=given, what="file not found",
                           fix="Check the folder and file name of the DOJ research file")
    if p.is_dir():
        raise DojFileError(where=given, what="is a folder, not a file",
                           fix="Give the DOJ research file itself (a .csv or .txt file)")
    check_input(p)  # a FIFO or device: refused at once, never opened (it could hang)
    return p, given


class _NotText(Exception):
    """Bytes that no text file holds, found by `_Source` as it reads: a NUL byte (the
    padding of a damaged copy, a binary tail) or no line end for `_LINE_LIMIT` bytes. The
    reader names the line: `newlines` line ends after the block start, at byte `offset`."""

    def __init__(self, newlines: int, offset: int, nul: bool) -> None:
        super().__init__(offset)
        self.newlines = newlines
        self.offset = offset
        self.nul = nul


class _Source:
    """The bytes of one file in blocks that end after a line end, each byte hashed and
    counted once as it is read (no second pass for the audit's SHA-256). A NUL byte stops
    the read in the block that holds it (memchr: nearly free), so a file padded with
    hundreds of MB of NULs is refused at once, never gathered into one giant line."""

    def __init__(self, handle: BinaryIO, step: int, eol: bytes) -> None:
        self.handle = handle
        self.step = step
        self.eol = eol
        self.sha = hashlib.sha256()
        self.size = 0
        self.carry = b""
        self.eof = False
        self.buffer = bytearray()
        # hashlib releases the GIL: hash a block while pyarrow parses it
        self.hasher = executor(max_workers=1, thread_name_prefix="cmr-xl-sha256")
        self.hashing: list[Future[None]] = []

    def sha256(self) -> str:
        self._hashed()
        return self.sha.hexdigest()

    def close(self) -> None:
        self.hasher.shutdown(wait=True)

    def _hashed(self) -> None:
        for done in self.hashing:
            done.result()
        self.hashing.clear()

    def push_back(self, data: bytes) -> None:
        """Read `data` again at the start of the next block."""
        self.carry = data + self.carry

    def next_block(self) -> memoryview | bytes | None:
        """The next block (a view into a reused buffer, valid until the next call)."""
        if self.eof:
            data, self.carry = self.carry, b""
            return data or None
        self._hashed()  # the buffer is about to be reused
        start = len(self.carry)
        if len(self.buffer) < start + self.step:  # with room for the next carry: reused
            self.buffer = bytearray(start + self.step + min(self.step, 4 << 20))
        self.buffer[:start] = self.carry
        filled = start
        while True:
            view = memoryview(self.buffer)[filled:]
            got = self.handle.readinto(view) if len(view) else 0
            if got:
                nul = self.buffer.find(b"\x00", filled, filled + got)
                if nul >= 0:
                    raise _NotText(self.buffer.count(self.eol, 0, nul), self.size + nul - filled,
                                   nul=True)
                self.hashing.append(self.hasher.submit(self.sha.update, view[:got]))
                self.size += got
                filled += got
                if filled < len(self.buffer):
                    continue
            if not got and len(view):  # end of file: the rest is the last block
                self.eof = True
                self.carry = b""
                return memoryview(self.buffer)[:filled] if filled else None
            cut = self.buffer.rfind(self.eol, 0, filled) + 1
            if cut:
                self.carry = bytes(self.buffer[cut:filled])
                return memoryview(self.buffer)[:cut]
            if filled >= _LINE_LIMIT:  # one line fills the buffer: no line end in it
                raise _NotText(0, self.size - filled, nul=False)
            self._hashed()  # a line longer than the block: a bigger buffer (never resized in
            bigger = bytearray(2 * len(self.buffer))  # place, views of it may be alive)
            bigger[:filled] = self.buffer[:filled]
            self.buffer = bigger


class _Block:
    """One block of whole lines, the physical line number of its first line, and (only when
    a slow path needs them) where its lines start and end."""

    def __init__(self, data: memoryview | bytes, first_line: int) -> None:
        self.data = data
        self.first_line = first_line
        self.changed = False  # old-Mac line ends made line feeds (see _FileReader._cr_ends)
        self.count_lines()

    def count_lines(self) -> None:
        arr = np.frombuffer(self.data, dtype=np.uint8)
        step = 1 << 18  # cache-sized slices: twice as fast as one pass over the block
        newlines = returns = 0
        for i in range(0, len(arr), step):
            part = arr[i:i + step]
            newlines += int(np.count_nonzero(part == 10))
            returns += int(np.count_nonzero(part == 13))  # the slice is in cache: cheap
        self.n_lines = newlines + (1 if len(arr) and arr[-1] != 10 else 0)
        # no CR, or one per line (CRLF): no lone CR can end a record pyarrow counts
        self.plain_ends = returns in (0, newlines)
        self.ascii = not len(arr) or int(arr.max()) < 128
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None

    def replace(self, data: bytes) -> None:
        self.data = data
        self.count_lines()

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Byte offset where each line begins and ends (line end excluded)."""
        if self._bounds is None:
            arr = np.frombuffer(self.data, dtype=np.uint8)
            step = 1 << 18  # cache-sized slices again
            ends = np.concatenate([np.flatnonzero(arr[i:i + step] == 10) + i
                                   for i in range(0, len(arr), step)] or [np.zeros(0, np.int64)])
            if len(self.data) and self.data[-1] != 10:
                ends = np.append(ends, len(self.data))
            begins = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
            self._bounds = (begins, ends.astype(np.int64))
        return self._bounds

    def empty_lines(self) -> np.ndarray:
        begins, ends = self.bounds()
        arr = np.frombuffer(self.data, dtype=np.uint8)
        length = ends - begins
        cr_only = (length == 1) & (arr[np.minimum(begins, max(len(arr) - 1, 0))] == 13)
        return (length == 0) | cr_only

    def lone_cr(self) -> int:
        """Offset of the first carriage return not followed by a line feed, or -1."""
        arr = np.frombuffer(self.data, dtype=np.uint8)
        step = 1 << 18
        for i in range(0, len(arr), step):
            at = np.flatnonzero(arr[i:i + step] == 13) + i
            if len(at):
                after = arr[np.minimum(at + 1, len(arr) - 1)]
                lone = at[(after != 10) | (at + 1 == len(arr))]
                if len(lone):
                    return int(lone[0])
        return -1

    def text(self, index: int, span: int = 1) -> str:
        """Lines index..index+span-1 (0-based in the block) as text, CR of CRLF removed."""
        begins, ends = self.bounds()
        raw = bytes(self.data[int(begins[index]):int(ends[index + span - 1])])
        return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").rstrip("\r")

    def tail_lines(self, index: int) -> list[bytes]:
        """Lines index..n_lines-1 as raw bytes (line end excluded, as `bounds` gives them),
        read back from the block's end without finding every line of the block."""
        need = self.n_lines - index
        if need <= 0:
            return []
        if self._bounds is not None:
            begins, ends = self._bounds
            return [bytes(self.data[int(b):int(e)])
                    for b, e in zip(begins[index:], ends[index:], strict=True)]
        size = 1 << 16
        while True:
            start = max(0, len(self.data) - size)
            chunk = bytes(self.data[start:])
            parts = chunk.split(b"\n")
            if chunk.endswith(b"\n"):
                parts.pop()
            complete = parts if start == 0 else parts[1:]
            if len(complete) >= need:
                return complete[len(complete) - need:]
            size *= 4

    def tail(self, index: int) -> bytes:
        """The raw bytes from line `index` to the end of the block."""
        begins, _ = self.bounds()
        return bytes(self.data[int(begins[index]):])


@dataclass
class _Placed:
    """The rows of a block parsed by pyarrow, with their lines, and what is left for the
    Python checks: (first line, number of lines, text) of each defective record."""

    table: pa.Table
    lines: np.ndarray
    records: list[tuple[int, int, str]]
    blanks: int
    continuation: int = 0  # extra physical lines of rows whose quoted value spans lines


@dataclass
class _Judged:
    """What the Python checks made of the defective records of a block."""

    rows: list[tuple[int, list[str], bool]] = field(default_factory=list)  # line, fields, fixed
    rejects: list[RejectedRow] = field(default_factory=list)
    blanks: int = 0
    continuation: int = 0
    headers: int = 0  # the header line again in the middle of the file


@dataclass
class _Carry:
    """The last person's rows of the previous block: the columns that tell rows apart, the
    raw bytes and line of each (a line repeated across a block end is found)."""

    person: str | None
    keys: pa.Table
    raw: list[bytes]
    lines: np.ndarray


class _FileReader:
    """Reads one file into tables of OUTPUT_SCHEMA (one per block), keeping its report."""

    def __init__(self, path: Path, given: str, accounting: RowAccounting, step: int) -> None:
        self.path = path
        self.given = given
        self.accounting = accounting
        self.step = step
        self.report = FileReport(name=path.name, path=given)
        accounting.files.append(self.report)
        self.bom = 0
        self.eol = b"\n"
        self.skip_lines = 0  # leading blank lines and the header line
        self.mode96 = False
        self.names = list(DOJ_COLUMNS)
        self.markers: dict[int, str] = {}
        self.checked_first = False
        self.repaired_lines: list[int] = []
        self.multiline_lines: list[int] = []
        self.header_repeats: list[int] = []
        self.quoted_lines: list[int] = []  # rows read with a stray quote kept as written
        self.carry: _Carry | None = None  # the last rows read, to find a line written twice
        self.encoding_line = 0
        self.lone_cr_line = 0
        self.cr_ends = False  # the first block has old-Mac lines among others (see _sniff)
        self.cr_ends_line = 0
        self.continuation = 0  # physical lines inside multi-line records
        self.pool: Executor | None = None  # for the careful path's parses
        self.threads = threads_available()  # pyarrow's own threads too (not in Pyodide)
        self.numbered_first = False  # go straight to the careful path (see _block)
        self.convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(DOJ_COLUMNS + (_EXTRA,), pa.string()),
            strings_can_be_null=True, null_values=_NULL_VALUES,
        )

    # -- whole file ----------------------------------------------------------------------

    def tables(self) -> Iterator[pa.Table]:
        """The file's rows, one table per block, then its report and notes completed."""
        try:
            yield from self._tables()
        finally:
            if self.pool is not None:
                self.pool.shutdown()

    def _tables(self) -> Iterator[pa.Table]:
        report = self.report
        with open(self.path, "rb") as handle:
            sample = handle.read(_SNIFF_BYTES)
            whole = len(sample) < _SNIFF_BYTES
            handle.seek(0)
            self._sniff(sample, whole)
            source = _Source(handle, self.step, self.eol)
            try:
                line = 1
                first = True
                to_skip = self.skip_lines
                ended_cr = False
                while (data := self._next_block(source, line)) is not None:
                    if first:
                        data = data[self.bom:]
                        first = False
                        if self.cr_ends:  # before the header is skipped: it may end in CR
                            data = self._cr_ends(_Block(data, line)).data
                    if to_skip:  # leading blank lines and the header, maybe over blocks
                        data, skipped = self._skip_start(data, to_skip)
                        to_skip -= skipped
                        line += skipped
                        if not len(data):
                            continue
                    if self.eol == b"\r":  # old Mac lines; CRLF lines later count once,
                        data = bytes(data)  # also when a block ends between CR and LF
                        if ended_cr and data.startswith(b"\n"):
                            data = data[1:]
                        ended_cr = data.endswith(b"\r")
                        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                    block = _Block(data, line)
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
        self._finish()

    def _next_block(self, source: _Source, line: int) -> memoryview | bytes | None:
        """The source's next block; bytes no text file holds are refused naming their line
        (the rows before them are not read alone: a damaged copy may miss convictions)."""
        try:
            return source.next_block()
        except _NotText as found:
            raise self._not_text(line + found.newlines, found.offset, nul=found.nul) from None

    def _not_text(self, line: int, offset: int, *, nul: bool) -> DojFileError:
        where = f"{self.given}, line {line:,}"
        if nul and line == 1:
            return DojFileError(where=where, what="contains binary data (NUL bytes); it is "
                                "not a text file", fix=_AS_SENT)
        if nul:
            what = (f"contains binary data (NUL bytes) from byte {offset:,} on; it is not a "
                    "text file (a damaged or padded copy?)")
        else:
            what = (f"has no line end in {_LINE_LIMIT >> 20} MB from byte {offset:,} on; no "
                    "DOJ row is that long (a damaged file with a binary tail?)")
        return DojFileError(where=where, what=what, fix=_COPY)

    def _sniff(self, sample: bytes, whole: bool) -> None:
        """Refuse what is not a DOJ research file before reading it, and learn its shape:
        BOM, line ends, header line, trailing commas on every row."""
        given = self.given
        if not sample or (whole and not sample.strip()) or sample == _UTF8_BOM:
            raise DojFileError(where=given, what="the file is empty",
                               fix="Check that this is the complete file DOJ sent")
        if sample.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            self._zip(sample)
        if sample.startswith(b"\xd0\xcf\x11\xe0"):
            raise DojFileError(where=given, what="is an Excel workbook, not a CSV text file",
                               fix=_AS_SENT)
        kind = _compressed(sample)
        if kind:
            raise DojFileError(where=given, what=f"is {kind}, not a CSV text file",
                               fix=_EXTRACT if kind.endswith("archive") else _DECOMPRESS)
        wide = _wide_text(sample)
        if wide:
            raise DojFileError(where=given, what=f"is {wide}, not the 8-bit text of a DOJ "
                               "research file", fix=_AS_SENT)
        nul = sample.find(b"\x00")
        if nul >= 0:
            raise self._not_text(sample.count(b"\n", 0, nul) + 1, nul, nul=True)
        if sample.startswith(_UTF8_BOM):
            self.bom = len(_UTF8_BOM)
        body = sample[self.bom:]
        if b"\n" not in body and b"\r" in body:
            self.eol = b"\r"
            body = body.replace(b"\r", b"\n")
            self.accounting.notes.append(
                f"{given}: lines end with a lone carriage return (old Mac style); read as lines")
        elif (mixed := _cr_line_ends(body)) is not None:
            self.cr_ends = True
            body = mixed[0]
        text = body.decode("utf-8", errors="cmr_xl_cp1252")
        lines = text.split("\n")
        if not whole:
            lines = lines[:-1]  # the sample may end inside a line
        number, first = next(((i + 1, s.rstrip("\r")) for i, s in enumerate(lines)
                              if not _blank(s)), (0, ""))
        if not number:
            if whole:
                raise DojFileError(where=given, what="has only blank lines, no data",
                                   fix="Check that this is the complete file DOJ sent")
            return
        split = _split(first)
        fields = split[0] if split else [first]
        where = f"{given}, line {number}"
        if len(fields) < 10 and (guess := _delimiter_guess(first)):
            raise DojFileError(
                where=where, what=f"has {len(fields)} field(s) where a DOJ research file has "
                f"95: the fields seem to be separated by {guess} instead of commas", fix=_AS_SENT)
        names = [f.strip().strip('"').strip().upper() for f in fields]
        while names and not names[-1]:
            names.pop()
        if names == list(DOJ_COLUMNS):
            self.report.has_header = True
            self.skip_lines = number
        elif _looks_like_header(names):
            raise DojFileError(
                where=where, what="the first line is a header that does not match the DOJ "
                f"research file: {_header_mismatch(names)}", fix=_AS_SENT)
        self._sniff_rows(lines, number if self.report.has_header else number - 1)

    def _zip(self, sample: bytes) -> None:
        """Refuse a zip archive: an Excel workbook (it holds [Content_Types].xml) or the
        archive the DOJ file came in, naming what it holds."""
        try:
            with zipfile.ZipFile(self.path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except (zipfile.BadZipFile, OSError, ValueError):
            names = None  # damaged: judge by the first entries and the name
        if names is None:
            workbook = (b"[Content_Types].xml" in sample
                        or self.path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".xls"))
        else:
            workbook = "[Content_Types].xml" in names
        if workbook:
            raise DojFileError(where=self.given, what="is an Excel workbook, not a CSV text "
                               "file", fix=_AS_SENT)
        holds = f" (it holds {_few(names, 3)})" if names else ""
        raise DojFileError(where=self.given, what=f"is a zip archive{holds}, not a CSV text "
                           "file", fix=_EXTRACT)

    def _sniff_rows(self, lines: list[str], skip: int) -> None:
        """Field counts of the first rows, line by line (a stray quote must not hide the
        rest): refuse a file whose rows are not DOJ rows, and read a file whose every row
        ends with an extra empty field as 96 columns."""
        counts: Counter[int] = Counter()
        first_line: dict[int, tuple[int, str]] = {}
        trailing = 0
        rest = [text.rstrip("\r") for text in lines[skip:]]
        i = 0
        while i < len(rest) and counts.total() < _SNIFF_RECORDS:
            text, k = rest[i], i + 1
            split = _split(text)
            while split is not None and split[1] and k < len(rest) and k - i < _PUSHBACK_LINES:
                text += "\n" + rest[k]  # a quoted value with line breaks, or a stray quote
                k += 1
                split = _split(text)
            if split is None or split[1]:
                split, k = _split(rest[i]), i + 1
            if rest[i].strip():
                n = len(split[0]) if split and not split[1] else 0
                counts[n] += 1
                first_line.setdefault(n, (skip + i + 1, rest[i]))
                trailing += n == EXPECTED_FIELDS + 1 and bool(_EMPTY.match(split[0][-1]))
            i = k
        total = counts.total()
        if total and (counts[EXPECTED_FIELDS] + trailing) * 2 < total:
            n = next(n for n, _ in counts.most_common() if n != EXPECTED_FIELDS)
            line, text = first_line[n]
            guess = _delimiter_guess(text) if n < 10 else ""
            what = f"its rows have {n} field(s), not the 95 of a DOJ research file"
            if guess:
                what += f"; the fields seem to be separated by {guess} instead of commas"
            raise DojFileError(where=f"{self.given}, line {line}", what=what, fix=_AS_SENT)
        if trailing > counts[EXPECTED_FIELDS]:
            self.mode96 = True
            self.names = [*DOJ_COLUMNS, _EXTRA]

    def _skip_start(self, data: memoryview | bytes,
                    count: int) -> tuple[memoryview | bytes, int]:
        """Drop up to `count` lines of the leading blank lines and header line from the
        start of a block (they may not all be in the first block); count them once all
        are skipped."""
        offset = skipped = 0
        while skipped < count and offset < len(data):
            found = _find(data, self.eol, offset)
            offset = len(data) if found < 0 else found + 1
            skipped += 1
        self.report.physical_lines += skipped
        if skipped == count:
            self.report.header_lines += 1
            self.report.blank_lines += self.skip_lines - 1
        return data[offset:], skipped

    def _finish(self) -> None:
        """Refuse a file with no usable row; leave notes for what was repaired or odd."""
        report, given, notes = self.report, self.given, self.accounting.notes
        if report.rows == 0:
            mine = [r for r in self.accounting.rejects if r.file == given]
            if mine:
                raise DojFileError(
                    where=f"{given}, line {mine[0].line}",
                    what=f"none of its lines could be read as a DOJ row ({mine[0].reason})",
                    fix=_AS_SENT)
            if report.has_header:
                raise DojFileError(where=f"{given}, line {self.skip_lines + 1}",
                                   what="has the header line but no data rows",
                                   fix="Check that this is the complete file DOJ sent")
            raise DojFileError(where=given, what="has no data rows",
                               fix="Check that this is the complete file DOJ sent")
        if self.mode96:
            notes.append(f"{given}: every row ends with an extra empty field (a trailing "
                         f"comma); read as 95 columns ({report.repaired:,} rows repaired)")
        elif report.repaired:
            notes.append(f"{given}: {report.repaired:,} row(s) had an extra empty field (a "
                         f"trailing or doubled comma) that was dropped, at line(s) "
                         f"{_few(self.repaired_lines)}")
        if report.rejected:
            mine = [r for r in self.accounting.rejects if r.file == given][:_EXAMPLES]
            notes.append(f"{given}: {report.rejected:,} line(s) rejected (see rejects), e.g. "
                         + "; ".join(f"line {r.line} {r.reason}" for r in mine))
        if self.multiline_lines:
            notes.append(f"{given}: {len(self.multiline_lines):,} row(s) have a quoted value "
                         f"that spans several lines (kept), at line(s) "
                         f"{_few(self.multiline_lines)}")
        if self.quoted_lines:
            notes.append(f"{given}: {len(self.quoted_lines):,} row(s) have a quote (\") inside "
                         "a quoted value that is not doubled; kept as written, at line(s) "
                         f"{_few(sorted(self.quoted_lines))}")
        if self.header_repeats:
            notes.append(f"{given}: the header line appears again at line(s) "
                         f"{_few(self.header_repeats)} (files joined together?); skipped")
        if self.cr_ends_line:
            notes.append(f"{given}: lines from line {self.cr_ends_line} on (and maybe others) "
                         "end with a lone carriage return (old Mac style) among lines ending "
                         "otherwise; read as lines as written")
        if self.lone_cr_line:
            notes.append(f"{given}: line {self.lone_cr_line} (and maybe others) has a carriage "
                         "return inside a line; read it as a space")
        if not report.balanced():
            notes.append(f"{given}: internal error, line accounting does not add up: {report}")

    # -- one block -----------------------------------------------------------------------

    def _block(self, block: _Block, *, final: bool) -> tuple[pa.Table | None, int]:
        """The rows of one block and how many of its lines were used (the rest, a record
        with an open quote at the very end, is read again with the next block)."""
        if block.n_lines == 0:
            return None, 0
        if self.numbered_first:  # the last block had values spanning lines: parse once
            placed = self._place_careful(block)
        else:
            table, bad = self._parse(block)
            if (bad or table.num_rows != block.n_lines) and self._cr_ends(block).changed:
                table, bad = self._parse(block)  # old-Mac lines now end in LF
            if (not bad and table.num_rows == block.n_lines
                    and (block.plain_ends or block.lone_cr() < 0)):  # (CR lines + blanks)
                start = block.first_line
                placed = _Placed(table, np.arange(start, start + table.num_rows,
                                                  dtype=np.int64), [], 0)
            else:
                placed = self._place_simple(block, table, bad) or self._place_careful(block)
        self.numbered_first = placed.continuation > 0
        consumed = block.n_lines
        if placed.records and not final:
            line, span, text = placed.records[-1]
            last = block.first_line + block.n_lines - 1
            split = _split(text)
            if (line + span - 1 == last and span <= _PUSHBACK_LINES and split is not None
                    and split[1]):
                placed.records.pop()  # maybe a quoted value that goes on in the next block
                consumed -= span
        if not self.checked_first and placed.table.num_rows:
            self._learn_markers(placed.table.slice(0, _SAMPLE_ROWS))
        judged = _Judged(blanks=placed.blanks, continuation=placed.continuation)
        self._inner_quotes(placed, judged, block)
        table, lines = self._extra_field(placed, judged, block)
        for line, span, text in placed.records:
            self._judge(judged, line, span, text)
        table = self._finish_table(table, lines, judged, block)
        self._count(block, consumed, table, judged)
        return table, consumed

    def _parse(self, block: _Block) -> tuple[pa.Table, list[tuple[Any, str]]]:
        """pyarrow's multi-threaded parse of a block; defective rows are collected (not in
        order, and not numbered), not raised."""
        if not block.ascii:
            self._reencode(block)  # before pyarrow: it cannot report non-UTF-8 bad rows
        return self._read(block.data, block.first_line, threads=True)

    def _parse_numbered(self, block: _Block) -> tuple[pa.Table, list[tuple[int, str]]]:
        """A parse where pyarrow numbers every record (defective or not): serial parses of
        pieces of the block, run side by side. A quoted value cut by a piece end leaves
        an open quote at the end of its piece; that piece is then read again with the
        next one."""
        data = block.data
        pieces, begin = [], 0
        while begin < len(data):
            end = _rfind(data, b"\n", begin, begin + _PIECE_BYTES) + 1 or len(data)
            pieces.append(data[begin:end])
            begin = end
        if self.pool is None:
            self.pool = executor(max_workers=max(pa.cpu_count(), 1),
                                 thread_name_prefix="cmr-xl-parse")
        first = block.first_line
        results = list(self.pool.map(lambda piece: self._read(piece, first, threads=False),
                                     pieces))
        tables, numbered, offset = [], [], 0
        for i, (table, bad) in enumerate(results):
            last = table.num_rows + len(bad)
            ends_open = any(n == last and (split := _split(text)) is not None and split[1]
                            for n, text in bad)
            if ends_open and i + 1 < len(results):
                joined = bytes(pieces[i]) + bytes(pieces[i + 1])
                pieces[i + 1] = joined
                results[i + 1] = self._read(joined, first, threads=False)
                continue
            tables.append(table)
            numbered += [(offset + n, text) for n, text in bad]
            offset += last
        return pa.concat_tables(tables), numbered

    def _read(self, data: memoryview | bytes, first_line: int, *,
              threads: bool) -> tuple[pa.Table, list[tuple[Any, str]]]:
        """One pyarrow parse; a defective row is kept as (its number, its text) instead of
        stopping the parse (the number is None in a multi-threaded parse). A record longer
        than pyarrow's parse chunk is read with bigger chunks (its value is judged later)."""
        chunk = _PARSE_CHUNK
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
                if "straddling" in message and chunk <= len(data) and chunk < _MAX_CHUNK:
                    chunk = min(chunk * 4, len(data) + 1, _MAX_CHUNK)
                    continue
                if "straddling" in message:
                    raise self._too_long(data, first_line) from None
                raise DojFileError(where=f"{self.given}, line {first_line}",
                                   what=f"cannot be read as CSV ({message})",
                                   fix=_AS_SENT) from None

    def _too_long(self, data: memoryview | bytes, first_line: int) -> DojFileError:
        """A line too long for pyarrow at all (over 2 GB): refused, naming it."""
        arr = np.frombuffer(data, dtype=np.uint8)
        ends = np.append(np.flatnonzero(arr == 10), len(arr))
        lengths = np.diff(np.concatenate(([-1], ends))) - 1
        longest = int(np.argmax(lengths))
        return DojFileError(where=f"{self.given}, line {first_line + longest}",
                            what=f"has a line of {int(lengths[longest]):,} bytes; no DOJ row "
                            "is that long (a damaged file?)", fix=_AS_SENT)

    def _reencode(self, block: _Block) -> bool:
        """Read bytes that are not UTF-8 as Windows-1252 and give pyarrow UTF-8."""
        data = bytes(block.data)
        try:
            data.decode("utf-8")
            block.ascii = True  # valid UTF-8: nothing to do
            return False
        except UnicodeDecodeError as error:
            at = error.start
        if not self.encoding_line:
            self.encoding_line = block.first_line + data.count(b"\n", 0, at)
            self.accounting.notes.append(
                f"{self.given}: text that is not UTF-8 from line {self.encoding_line}; read it "
                "as Windows-1252 / Latin-1 (accented letters in names)")
        block.replace(data.decode("utf-8", errors="cmr_xl_cp1252").encode("utf-8"))
        return True

    def _cr_ends(self, block: _Block) -> _Block:
        """The block with its old-Mac line ends (a lone CR ending a whole record, among
        lines ending otherwise) made line feeds, noted once; `changed` says whether any."""
        block.changed = False
        if block.lone_cr() < 0:
            return block
        found = _cr_line_ends(bytes(block.data))
        if found is not None:
            data, before = found
            if not self.cr_ends_line:
                self.cr_ends_line = block.first_line + before
            block.replace(data)
            block.changed = True
        return block

    def _place_simple(self, block: _Block, table: pa.Table,
                      bad: list[tuple[Any, str]]) -> _Placed | None:
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
            keys = _prefix_keys(arr, begins[maybe], length[maybe])
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
        return _Placed(table, start + np.flatnonzero(valid).astype(np.int64), records,
                       int((empty & ~covered).sum()))

    def _place_careful(self, block: _Block) -> _Placed:
        """Values that span lines: a parse where pyarrow numbers every record, then a walk
        over the records and blank lines to give each its physical lines."""
        if not block.ascii:
            self._reencode(block)
        self._cr_ends(block)
        lone_cr = block.lone_cr()  # pyarrow would end a record there
        if lone_cr >= 0:
            data = bytes(block.data)
            if not self.lone_cr_line:
                self.lone_cr_line = block.first_line + data.count(b"\n", 0, lone_cr)
            block.replace(re.sub(rb"\r(?!\n)", b" ", data))
        table, bad = self._parse_numbered(block)
        total = table.num_rows + len(bad)
        numbers = [n for n, _ in bad]
        if (any(not isinstance(n, int) for n in numbers) or len(set(numbers)) != len(numbers)
                or (numbers and (min(numbers) < 1 or max(numbers) > total))):
            return self._place_lines(block)
        invalid = np.zeros(total, dtype=bool)
        invalid[np.asarray(numbers, dtype=np.int64) - 1] = True
        spans = np.ones(total, dtype=np.int64)
        if table.num_rows:
            spans[~invalid] += _newlines_per_row(table)
        for number, text in bad:
            spans[number - 1] = text.count("\n") + 1
        walked = _walk(spans, block.empty_lines())
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
            if self._swallowed([block.text(begin + k) for k in range(1, span)]):
                keep[r] = False  # a stray quote ate the lines after it: judge each line
                records.append((first + begin, span, block.text(begin, span)))
            else:
                continuation += span - 1
                multiline.append(first + begin)
        if not keep.all():
            table = table.filter(pa.array(keep))
            records.sort()
        self.multiline_lines.extend(multiline)
        return _Placed(table, (first + row_starts[keep]).astype(np.int64), records, blanks,
                       continuation)

    def _place_lines(self, block: _Block) -> _Placed:
        """Last resort: every physical line judged on its own in Python."""
        empty = pa.table({n: pa.array([], pa.string()) for n in self.names})
        records = [(block.first_line + i, 1, block.text(i)) for i in range(block.n_lines)]
        return _Placed(empty, np.zeros(0, dtype=np.int64), records, 0)

    # -- defective rows, in Python -------------------------------------------------------

    def _learn_markers(self, table: pa.Table) -> None:
        """Values that (nearly) every row holds in a separator column: a 96-field row must
        keep them in place when its extra empty field is dropped."""
        for index in _SEPARATORS:
            counts = pc.value_counts(table[DOJ_COLUMNS[index]])
            if len(counts):
                top = int(np.argmax(counts.field("counts").to_numpy()))
                value = counts.field("values")[top].as_py()
                count = counts.field("counts")[top].as_py()
                if value and value.strip() and count >= 0.9 * table.num_rows:
                    self.markers[index] = value.strip()

    def _fit(self, fields: list[str]) -> tuple[list[str] | None, bool, str]:
        """(95 fields, repaired?, "") or (None, False, reason)."""
        n = len(fields)
        long = next((i for i, f in enumerate(fields) if len(f) > _VALUE_LIMIT), -1)
        if long >= 0:
            named = n in (EXPECTED_FIELDS, EXPECTED_FIELDS + 1) and long < EXPECTED_FIELDS
            name = DOJ_COLUMNS[long] if named else f"field {long + 1}"
            return None, False, _too_long_reason(len(fields[long]), name)
        if n == EXPECTED_FIELDS:
            return fields, False, ""
        if n != EXPECTED_FIELDS + 1:
            return None, False, f"has {n} fields, expected {EXPECTED_FIELDS}"
        base = f"has {n} fields, expected {EXPECTED_FIELDS}"
        empty = [bool(_EMPTY.match(f)) for f in fields]
        if not any(empty):
            return None, False, base
        if not self.markers:
            if empty[-1]:
                return fields[:-1], True, ""
            return None, False, base + " (the extra field is not the empty last one)"
        fits = set()
        for j in range(n):
            if empty[j] and (j == 0 or not empty[j - 1]):  # one candidate per run of empties
                candidate = fields[:j] + fields[j + 1:]
                if all(candidate[i].strip() == m for i, m in self.markers.items()):
                    fits.add(tuple(candidate))
        if len(fits) == 1:
            return list(fits.pop()), True, ""
        if not fits:
            return None, False, base + " (no empty field can be the extra one)"
        return None, False, base + " (cannot tell which empty field is the extra one)"

    def _swallowed(self, continuation: list[str]) -> bool:
        """Whether lines inside a quoted value are complete rows themselves: then the quote
        was stray and took the next lines with it."""
        for text in continuation:
            if text.count(",") < EXPECTED_FIELDS - 1:
                continue  # too few commas to be a row
            split = _split(text)
            if split is not None and not split[1] and self._fit(split[0])[0] is not None:
                return True
        return False

    def _judge(self, out: _Judged, line: int, span: int, text: str) -> None:
        """Use, repair or reject the lines of one defective record (first line `line`).
        A record of several lines is taken apart: each legal record in it (one line, or a
        quoted value with line breaks) is judged on its own, so a stray quote costs only
        its own line."""
        parts = text.replace("\r\n", "\n").split("\n") if span > 1 else [text]
        i = 0
        while i < len(parts):
            taken = self._multiline(out, line + i, parts, i)
            if not taken:
                self._judge_line(out, line + i, parts[i].rstrip("\r"))
                taken = 1
            i += taken

    def _multiline(self, out: _Judged, line: int, parts: list[str], i: int) -> int:
        """A row whose quoted value goes on over the next lines, starting at parts[i]: use
        it and return how many lines it took (0 if there is none)."""
        text, k = parts[i], i + 1
        split = _split(text)
        while split is not None and split[1] and k < len(parts) and k - i < _PUSHBACK_LINES:
            text += "\n" + parts[k]
            k += 1
            split = _split(text)
        if k == i + 1 or split is None or split[1]:
            return 0
        fields, repaired, _ = self._fit(split[0])
        if fields is None or self._swallowed(parts[i + 1:k]):
            return 0
        out.rows.append((line, fields, repaired))
        out.continuation += k - i - 1
        self.multiline_lines.append(line)
        return k - i

    def _judge_line(self, out: _Judged, line: int, text: str) -> None:
        """Use, repair or reject one physical line."""
        if _blank(text):
            out.blanks += 1
            return
        split = _split(text)
        if split is not None and not split[1] and any(v.endswith('"') for v in split[0]):
            verdict = self._as_written(text, split[0])  # as in _inner_quotes
            if verdict is not None:  # pyarrow's reading moves a quote
                fields, repaired, reason = verdict
                if fields is not None:
                    out.rows.append((line, fields, repaired))
                    self.quoted_lines.append(line)
                else:
                    out.rejects.append(RejectedRow(self.given, line, reason, text[:_TEXT_LIMIT]))
                return
        if split is None:
            reason = "is not one CSV record"
        elif split[1]:
            reason = 'has a quote (") that is never closed'
        else:
            fields, repaired, reason = self._fit(split[0])
            if fields is not None:
                out.rows.append((line, fields, repaired))
                return
        out.rejects.append(RejectedRow(self.given, line, reason, text[:_TEXT_LIMIT]))

    def _extra_field(self, placed: _Placed, judged: _Judged,
                     block: _Block) -> tuple[pa.Table, np.ndarray]:
        """In a file read as 96 columns: drop the (empty) extra column, and send the few rows
        where it is not empty to the Python checks."""
        table, lines = placed.table, placed.lines
        if not self.mode96:
            return table, lines
        extra = _normalized(table[_EXTRA], nulls_done=False)
        table = table.drop_columns([_EXTRA])
        odd = pc.is_valid(extra).to_numpy(zero_copy_only=False)
        if odd.any():
            rows = table.filter(pa.array(odd)).to_pylist()
            values = extra.filter(pa.array(odd)).to_pylist()
            for row, value, line in zip(rows, values, lines[odd], strict=True):
                fields = [row[c] or "" for c in DOJ_COLUMNS] + [value]
                fixed, repaired, reason = self._fit(fields)
                if fixed is None:
                    text = block.text(int(line) - block.first_line)
                    judged.rejects.append(RejectedRow(self.given, int(line), reason,
                                                      text[:_TEXT_LIMIT]))
                else:
                    judged.rows.append((int(line), fixed, repaired))
            table = table.filter(pa.array(~odd))
            lines = lines[~odd]
        return table, lines

    def _inner_quotes(self, placed: _Placed, judged: _Judged, block: _Block) -> None:
        """Rows pyarrow read with a value that ends with a quote ("). A quote inside a
        quoted value that is not doubled makes pyarrow close the value there and keep the
        rest, the closing quote included (`"DOE,JANE "JJ" Q"` is read `DOE,JANE JJ" Q"`):
        such a row is read again with the value as written, or rejected. Only rows with
        such a value are looked at (columns without any quote are skipped, cheaply); a
        value with a quote elsewhere (`6" PLANT`, or `""` written for a quote) is right.
        (Text after a closing quote, `"C01"X`, is read as pyarrow and Excel read it:
        `C01X`.)"""
        table = placed.table
        hit: Any = None
        for column in table.columns:
            if not any(_holds(chunk, b'"') for chunk in column.chunks):
                continue
            found = pc.fill_null(pc.ends_with(column, '"'), False)
            hit = found if hit is None else pc.or_(hit, found)
        if hit is None:
            return
        rows = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
        keep = np.ones(table.num_rows, dtype=bool)
        names = table.column_names
        for r, row in zip(rows.tolist(), table.take(pa.array(rows)).to_pylist(), strict=True):
            parsed = [row[name] for name in names]
            line = int(placed.lines[r])
            span = 1 + sum(v.count("\n") for v in parsed if v)
            text = block.text(line - block.first_line, span)
            verdict = self._as_written(text, parsed)
            if verdict is None:
                continue
            keep[r] = False
            fields, repaired, reason = verdict
            if fields is None:
                judged.rejects.append(RejectedRow(self.given, line, reason, text[:_TEXT_LIMIT]))
            else:
                judged.rows.append((line, fields, repaired))
                self.quoted_lines.append(line)
        if not keep.all():
            placed.table = table.filter(pa.array(keep))
            placed.lines = placed.lines[keep]

    def _as_written(self, text: str,
                    parsed: Sequence[str | None]) -> tuple[list[str] | None, bool, str] | None:
        """None when the record reads the same with quotes inside quoted values kept as
        written; else its fields read that way (fitted to 95) or the reason to reject it."""
        kept = _split_as_written(text)
        if kept is not None and len(kept) == len(parsed) and all(
                _null_placeholder(a) == _null_placeholder(b and b.replace("\r\n", "\n"))
                for a, b in zip(kept, parsed, strict=True)):
            return None
        if kept is not None:
            fields, repaired, reason = self._fit(kept)
            if fields is not None:
                return fields, repaired, ""
            if reason.startswith("has a value of"):
                return None, False, reason
        return None, False, _INNER_QUOTE

    # -- the block's table -----------------------------------------------------------------

    def _finish_table(self, table: pa.Table, lines: np.ndarray, judged: _Judged,
                      block: _Block) -> pa.Table:
        """Normalise, add the Python-read rows in line order, drop repeated headers and the
        rows that cannot be used (`_screen`), check the first rows of the file for Excel,
        add the source columns."""
        table = table.select(list(DOJ_COLUMNS))
        for name in NORMALIZED_COLUMNS:
            table = table.set_column(table.column_names.index(name), name,
                                     _normalized(table[name], nulls_done=True))
        judged_lines = np.array([r[0] for r in judged.rows], dtype=np.int64)
        if judged.rows:
            extra = pa.table(
                {c: pa.array([_null_placeholder(r[1][i]) for r in judged.rows], pa.string())
                 for i, c in enumerate(DOJ_COLUMNS)})
            extra = normalize_columns(extra, NORMALIZED_COLUMNS)
            table, lines = _merge(table, lines, extra, judged_lines)
        header = self._repeated_headers(table)
        if header is not None:
            judged.headers = int(header.sum())
            self.header_repeats.extend(int(x) for x in lines[header])
            table = table.filter(pa.array(~header))
            lines = lines[~header]
        table, lines = self._screen(table, lines, judged, block)
        self._count_repaired(lines, judged, judged_lines)
        n = table.num_rows
        table = table.append_column(SOURCE_FILE, pa.repeat(pa.scalar(self.given), n))
        table = table.append_column(SOURCE_LINE, pa.array(lines, pa.int64()))
        if not self.checked_first and n:
            self.checked_first = True
            self._check_excel(table.slice(0, _SAMPLE_ROWS))
        return table

    def _count_repaired(self, lines: np.ndarray, judged: _Judged,
                        judged_lines: np.ndarray) -> None:
        """Count the repaired rows that are still rows after `_screen`: in a file read as
        96 columns every row pyarrow read, and the Python-read rows that were fitted."""
        fixed = np.array([r[0] for r in judged.rows if r[2]], dtype=np.int64)
        kept_fixed = lines[np.isin(lines, fixed)] if len(fixed) else fixed
        count = len(kept_fixed)
        if self.mode96:
            count += len(lines) - (int(np.isin(lines, judged_lines).sum())
                                   if len(judged_lines) else 0)
        self.report.repaired += count
        room = _EXAMPLES - len(self.repaired_lines)
        self.repaired_lines.extend(int(x) for x in kept_fixed[:max(room, 0)])

    def _screen(self, table: pa.Table, lines: np.ndarray, judged: _Judged,
                block: _Block) -> tuple[pa.Table, np.ndarray]:
        """Rows read as CSV that cannot be used as rows: a value too long to be DOJ data
        (rejected), every field empty (the empty row a spreadsheet writes: a blank line),
        no SUBJECT_ID (rejected: it cannot be linked to a person), the exact repeat of an
        earlier line (rejected, so that it is not read as one more sentence part).
        Vectorised: Python looks only at the few rows each cheap test points at."""
        n = table.num_rows
        if not n:
            return table, lines
        reasons: dict[int, str] = {}
        for name in DOJ_COLUMNS:
            for r in _long_values(table[name]).tolist():
                value = table[name][r].as_py()
                reasons.setdefault(r, _too_long_reason(len(value), name))
        blank: list[int] = []
        no_id = pc.is_null(table["SUBJECT_ID"]).to_numpy(zero_copy_only=False)
        if no_id.any():
            rows = np.flatnonzero(no_id)
            empty = np.ones(len(rows), dtype=bool)
            for column in table.take(pa.array(rows)).columns:
                filled = pc.not_equal(pc.utf8_trim_whitespace(column), "")
                empty &= ~pc.fill_null(filled, False).to_numpy(zero_copy_only=False)
            for r, nothing in zip(rows.tolist(), empty.tolist(), strict=True):
                if r in reasons:
                    continue
                if nothing:
                    blank.append(r)
                else:
                    reasons[r] = _NO_SUBJECT
        skip = np.zeros(n, dtype=bool)
        skip[list(reasons) + blank] = True
        reasons.update(self._duplicates(table, lines, skip, block))
        if reasons or blank:
            drop = np.zeros(n, dtype=bool)
            drop[list(reasons) + blank] = True
            judged.blanks += len(blank)
            for r in sorted(reasons):
                line = int(lines[r])
                text = block.text(line - block.first_line)[:_TEXT_LIMIT]
                judged.rejects.append(RejectedRow(self.given, line, reasons[r], text))
            table = table.filter(pa.array(~drop))
            lines = lines[~drop]
        self._remember_tail(table, lines, block, multiline=judged.continuation > 0)
        return table, lines

    def _duplicates(self, table: pa.Table, lines: np.ndarray, skip: np.ndarray,
                    block: _Block) -> dict[int, str]:
        """Rows (not in `skip`) whose line repeats an earlier line of the file byte for
        byte: a line written twice. Rows of one count that differ in anything (DOJ's
        sentence parts) are not repeats. Two equal lines have equal values, so: when
        RECORD_ID only increases there is none (nothing more is done); otherwise rows are
        grouped by the columns that tell rows apart, and only rows of one group are
        compared, as bytes. The last person's rows of the previous block take part."""
        index = np.flatnonzero(~skip)
        if not len(index):
            return {}
        keys = table.select(list(_DUPLICATE_KEYS))
        if len(index) < table.num_rows:
            keys = keys.take(pa.array(index))
        carry = self.carry
        m = carry.keys.num_rows if carry is not None else 0
        combined = pa.concat_tables([carry.keys, keys]) if carry is not None else keys
        if _increasing(combined["RECORD_ID"]):
            return {}
        empty = [c for c in combined.column_names if combined[c].null_count == len(combined)]
        groups = _same_keys(combined.drop_columns(empty) if empty else combined)
        if not groups:
            return {}
        members = np.array(sorted(i for group in groups for i in group), dtype=np.int64)
        members = members[members >= m]  # rows of this block (the carry has its bytes)
        rows = index[members - m]
        raw = dict(zip(members.tolist(), _rows_bytes(block, table, rows, lines[rows]),
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

    def _remember_tail(self, table: pa.Table, lines: np.ndarray, block: _Block, *,
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
        start = max(int(other[-1]) + 1 if len(other) else 0, n - _CARRY_ROWS)
        tail = table.slice(start)
        tail_lines = lines[start:]
        spans = _spans(tail) if multiline else np.ones(tail.num_rows, dtype=np.int64)
        first = int(tail_lines[0])
        physical = block.tail_lines(first - block.first_line)
        raw = [b"\n".join(physical[line - first:line - first + span])
               for line, span in zip(tail_lines.tolist(), spans.tolist(), strict=True)]
        keys = tail.select(list(_DUPLICATE_KEYS))
        carry = self.carry
        if start == 0 and carry is not None and carry.person == last:
            keys = pa.concat_tables([carry.keys, keys])
            raw = carry.raw + raw
            tail_lines = np.concatenate([carry.lines, tail_lines])
            if len(raw) > _CARRY_ROWS:
                cut = len(raw) - _CARRY_ROWS
                keys, raw, tail_lines = keys.slice(cut), raw[cut:], tail_lines[cut:]
        self.carry = _Carry(last, keys, raw, tail_lines)

    def _repeated_headers(self, table: pa.Table) -> np.ndarray | None:
        """Rows that are the header line again (files joined with `cat`); None if none."""
        ids = table["SUBJECT_ID"]
        hit = pc.or_(pc.equal(ids, "SUBJECT_ID"), pc.equal(ids, "subject_id"))
        if not pc.any(hit).as_py():
            return None
        record = pc.utf8_upper(pc.fill_null(table["RECORD_ID"], ""))
        return pc.and_(pc.fill_null(hit, False),
                       pc.equal(record, "RECORD_ID")).to_numpy(zero_copy_only=False)

    def _check_excel(self, table: pa.Table) -> None:
        """Signs that the file was opened and saved again in Excel, which rewrites long
        numbers in scientific notation, dates as m/d/yyyy and drops leading zeros."""
        checks = [
            (("SUBJECT_ID", "CII_NUMBER", "REQ_CII_NUMBER", "CNT_ORDER"),
             r"^[0-9](\.[0-9]+)?[Ee]\+[0-9]+$", "is in scientific notation"),
            (("PRI_DOB", "CYC_DATE", "STP_EVENT_DATE", "DISP_DATE"),
             r"^[0-9]{1,2}[/-][0-9]{1,2}[/-][0-9]{2,4}$", "is not a YYYYMMDD date"),
            (("CNT_ORDER",), r"^[0-9]{1,11}$", "lost its leading zeros (12 digits expected)"),
        ]
        signs = []
        for columns, pattern, what in checks:
            for name in columns:
                hit = pc.fill_null(pc.match_substring_regex(table[name], pattern), False)
                at = pc.index(hit, True).as_py()
                if at >= 0:
                    signs.append(f"{name} {table[name][at].as_py()!r} at line "
                                 f"{table[SOURCE_LINE][at].as_py()} {what}")
                    break
        if signs:
            self.accounting.excel_resaved.append(self.given)
            self.accounting.notes.append(
                f"{self.given} looks opened and saved again in Excel: " + "; ".join(signs)
                + ". Excel rewrites long numbers and dates and drops leading zeros, so ids and "
                "dates may be wrong. " + _AS_SENT)

    def _count(self, block: _Block, consumed: int, table: pa.Table | None,
               judged: _Judged) -> None:
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


def _rfind(data: memoryview | bytes, needle: bytes, start: int, end: int) -> int:
    """bytes.rfind for a memoryview (searching back from `end` in small steps)."""
    step = 1 << 16
    end = min(end, len(data))
    while end > start:
        found = bytes(data[max(start, end - step):end]).rfind(needle)
        if found >= 0:
            return max(start, end - step) + found
        end -= step
    return -1


def _find(data: memoryview | bytes, needle: bytes, start: int) -> int:
    """bytes.find for a memoryview, without copying the whole block."""
    step = 1 << 16
    while start < len(data):
        found = bytes(data[start:start + step]).find(needle)
        if found >= 0:
            return start + found
        start += step
    return -1


def _holds(chunk: pa.Array, needle: bytes) -> bool:
    """Whether the data buffer of a string chunk holds `needle` (maybe beyond the chunk's
    own values, for a slice: a cheap first test, not an answer)."""
    buffers = chunk.buffers()
    data = buffers[2] if len(buffers) > 2 else None
    return data is not None and data.size > 0 and data.to_pybytes().find(needle) >= 0


def _long_values(column: pa.ChunkedArray) -> np.ndarray:
    """Rows whose value is longer than _VALUE_LIMIT, read from the offsets of the chunks
    whose data is that long at all (nearly never)."""
    found, base = [], 0
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is not None and data.size > _VALUE_LIMIT:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32, count=len(chunk) + 1,
                                    offset=chunk.offset * 4)
            found.append(np.flatnonzero(np.diff(offsets) > _VALUE_LIMIT) + base)
        base += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _increasing(column: pa.ChunkedArray) -> bool:
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


def _spans(table: pa.Table) -> np.ndarray:
    """Physical lines of each row of a small table (slices: `_newlines_per_row` would scan
    the whole buffers behind them)."""
    total = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        total += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy().astype(np.int64)
    return total


def _same_keys(table: pa.Table) -> list[list[int]]:
    """Groups (of 2 rows or more) of the rows equal in every column of `table`."""
    if table.num_rows <= _SMALL_TABLE:  # a hash group-by costs more here (and its set-up)
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


def _rows_bytes(block: _Block, table: pa.Table, rows: np.ndarray,
                lines: np.ndarray) -> list[bytes]:
    """The raw bytes of some rows of the block (all their lines, line ends inside kept)."""
    if not len(rows):
        return []
    spans = _spans(table.take(pa.array(rows)))
    begins, ends = block.bounds()
    index = lines - block.first_line
    # A row's last line, within the block: where old-Mac line ends were made line feeds, a
    # line feed inside a quoted value can make a row's count of lines run past the block's
    # end (found by the random-bytes property test); its bytes then end with the block.
    last = np.minimum(index + spans - 1, len(ends) - 1)
    return [bytes(block.data[b:e]) for b, e in zip(begins[index].tolist(),
                                                    ends[last].tolist(), strict=True)]


def _prefix_keys(arr: np.ndarray, begins: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each line (zero-padded) as one little-endian integer."""
    if not len(begins):
        return np.zeros(0, dtype=np.uint64)
    index = np.minimum(begins[:, None] + np.arange(8), len(arr) - 1)
    prefix = np.where(np.arange(8) < lengths[:, None], arr[index], 0).astype(np.uint8)
    return np.ascontiguousarray(prefix).view("<u8").ravel()


def _newlines_per_row(table: pa.Table) -> np.ndarray:
    """Line ends inside the values of each row (a quoted value may span lines)."""
    total = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if not any(chunk.buffers()[2] is not None
                   and (np.frombuffer(chunk.buffers()[2], dtype=np.uint8) == 10).any()
                   for chunk in column.chunks):
            continue  # most columns never hold one: skip the string kernel
        counts = pc.fill_null(pc.count_substring(column, "\n"), 0)
        total += counts.to_numpy().astype(np.int64)
    return total


def _walk(spans: np.ndarray, empty: np.ndarray) -> tuple[np.ndarray, int] | None:
    """First line of each record, given how many lines each spans and which lines are
    blank (pyarrow skips blank lines between records); None if they do not add up."""
    n = len(empty)
    filled = np.flatnonzero(~empty)
    if int(spans.sum()) == len(filled):  # no blank line inside a record: vectorised
        if not len(spans):
            return np.zeros(0, dtype=np.int64), n
        first = np.concatenate(([0], np.cumsum(spans)[:-1]))
        starts, lasts = filled[first], filled[first + spans - 1]
        if (lasts - starts == spans - 1).all():
            return starts.astype(np.int64), n - len(filled)
    is_empty = empty.tolist()
    starts = []
    line = blanks = 0
    for span in spans.tolist():
        while line < n and is_empty[line]:
            line += 1
            blanks += 1
        starts.append(line)
        line += span
    while line < n and is_empty[line]:
        line += 1
        blanks += 1
    if line != n:
        return None
    return np.asarray(starts, dtype=np.int64), blanks


def _merge(table: pa.Table, lines: np.ndarray, extra: pa.Table,
           extra_lines: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Both tables' rows in line order (zero-copy slices when the extra rows are few)."""
    order = np.argsort(extra_lines, kind="stable")
    extra, extra_lines = extra.take(pa.array(order)), extra_lines[order]
    if len(extra_lines) > 256:
        both = pa.concat_tables([table, extra])
        both_lines = np.concatenate([lines, extra_lines])
        order = np.argsort(both_lines, kind="stable")
        return both.take(pa.array(order)), both_lines[order]
    at = np.searchsorted(lines, extra_lines)
    pieces, previous = [], 0
    for k, position in enumerate(at.tolist()):
        pieces += [table.slice(previous, position - previous), extra.slice(k, 1)]
        previous = position
    pieces.append(table.slice(previous))
    merged_lines = np.insert(lines, at, extra_lines)
    return pa.concat_tables(pieces), merged_lines


def _tables(files: list[tuple[Path, str]], accounting: RowAccounting,
            step: int) -> Iterator[pa.Table]:
    """All files' block tables, in order: one stream."""
    for path, given in files:
        yield from _FileReader(path, given, accounting, step).tables()


class _Persons:
    """Cuts the stream of block tables into batches of whole persons, and notices a
    person whose rows come back after other persons' rows (streaming relies on them being
    together)."""

    def __init__(self, accounting: RowAccounting) -> None:
        self.accounting = accounting
        self.carry: pa.Table | None = None
        self.last_id: str | None = None
        self.seen: dict[str, tuple[str, int]] = {}
        self.scattered: list[str] = []
        self.scattered_count = 0

    def add(self, table: pa.Table) -> pa.Table | None:
        n = table.num_rows
        ids = pc.fill_null(table["SUBJECT_ID"], "").combine_chunks()
        changed = np.ones(n, dtype=bool)
        if n > 1:
            changed[1:] = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(
                zero_copy_only=False)
        starts = np.flatnonzero(changed)
        run_ids = ids.take(pa.array(starts)).to_pylist()
        run_lines = table[SOURCE_LINE].take(pa.array(starts)).to_pylist()
        file = table[SOURCE_FILE][0].as_py()
        continues = run_ids[0] == self.last_id
        for k, (person, line) in enumerate(zip(run_ids, run_lines, strict=True)):
            if (k == 0 and continues) or not person:
                continue
            first = self.seen.setdefault(person, (file, line))
            if first != (file, line):
                self.scattered_count += 1
                if len(self.scattered) < _EXAMPLES:
                    self.scattered.append(f"SUBJECT_ID {person} at line {first[1]} of "
                                          f"{first[0]}, again at line {line} of {file}")
        self.last_id = run_ids[-1]
        cut = int(starts[-1])
        if cut == 0:
            if self.carry is not None and continues:
                self.carry = pa.concat_tables([self.carry, table])
                return None
            out, self.carry = self.carry, table
            return out
        head = table.slice(0, cut)
        out = head if self.carry is None else pa.concat_tables([self.carry, head])
        self.carry = table.slice(cut)
        return out

    def finish(self) -> pa.Table | None:
        if self.scattered_count:
            self.accounting.notes.append(
                f"{self.scattered_count:,} time(s) a person's rows come back after other "
                f"persons' rows ({'; '.join(self.scattered)}). DOJ files keep each person's "
                "rows together; such a person is read in separate parts, so their history "
                "may be incomplete in the results")
        out, self.carry = self.carry, None
        return out

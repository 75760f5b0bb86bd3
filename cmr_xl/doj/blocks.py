"""A file's bytes in blocks of whole lines (`Source`), each block with its first line's
number and, when a slow path needs them, where its lines begin and end (`Block`); where
the rows parsed from a block sit among its lines (`Placed`, `walk`, `merge`)."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from concurrent.futures import Future
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.common.errors import DojFileError
from cmr_xl.common.threads import executor
from cmr_xl.doj import limits
from cmr_xl.doj.notes import AS_SENT


class NotText(Exception):
    """Bytes that no text file holds, found by `Source` as it reads: a NUL byte (the
    padding of a damaged copy, a binary tail) or no line end for `limits.LINE_LIMIT` bytes. The
    reader names the line: `newlines` line ends after the block start, at byte `offset`."""

    def __init__(self, newlines: int, offset: int, nul: bool) -> None:
        super().__init__(offset)
        self.newlines = newlines
        self.offset = offset
        self.nul = nul


def _regular_file_size(handle: BinaryIO) -> int | None:
    """The size of a regular file on disk (a pipe, socket or stream has none): how big
    the last block can be."""
    try:
        status = os.fstat(handle.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


class Source:
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
        self.expected = _regular_file_size(handle)
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
        room = self.step
        left = None if self.expected is None else self.expected - self.size
        if left is not None and 0 <= left < self.step:
            # the rest of a regular file fits one block: a buffer its size (one byte more,
            # for the read that finds the end), not a block's ~68 MB zero-filled per file
            room = left + 1
        if len(self.buffer) < start + room:  # with room for the next carry: reused
            extra = min(self.step, 4 << 20) if room == self.step else 0
            self.buffer = bytearray(start + room + extra)
        self.buffer[:start] = self.carry
        filled = start
        while True:
            view = memoryview(self.buffer)[filled:]
            got = self.handle.readinto(view) if len(view) else 0
            if got:
                nul = self.buffer.find(b"\x00", filled, filled + got)
                if nul >= 0:
                    raise NotText(self.buffer.count(self.eol, 0, nul), self.size + nul - filled,
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
            if filled >= limits.LINE_LIMIT:  # one line fills the buffer: no line end in it
                raise NotText(0, self.size - filled, nul=False)
            self._hashed()  # a line longer than the block: a bigger buffer (never resized in
            bigger = bytearray(2 * len(self.buffer))  # place, views of it may be alive)
            bigger[:filled] = self.buffer[:filled]
            self.buffer = bigger


class Block:
    """One block of whole lines, the physical line number of its first line, and (only when
    a slow path needs them) where its lines start and end."""

    def __init__(self, data: memoryview | bytes, first_line: int) -> None:
        self.data = data
        self.first_line = first_line
        self.cr_checked = False  # FileReader._cr_ends has looked at this block
        self.count_lines()

    def count_lines(self, *, utf8: bool = False) -> None:
        """Count the lines and carriage returns; `utf8`: the data is known to be valid UTF-8
        (`ascii` then, without looking)."""
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
        self.ascii = utf8 or not len(arr) or int(arr.max()) < 128  # or valid UTF-8
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._lone_cr: int | None = None

    def replace(self, data: bytes, *, utf8: bool = False) -> None:
        """New data for the block; it stays `ascii` when it was (a CR made a line feed or a
        space keeps UTF-8 valid), or when `utf8` says the new data is valid UTF-8."""
        self.data = data
        self.count_lines(utf8=utf8 or self.ascii)

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
        if self._lone_cr is None:
            self._lone_cr = self._find_lone_cr()
        return self._lone_cr

    def _find_lone_cr(self) -> int:
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
class Placed:
    """The rows of a block parsed by pyarrow, with their lines, and what is left for the
    Python checks: (first line, number of lines, text) of each defective record."""

    table: pa.Table
    lines: np.ndarray
    records: list[tuple[int, int, str]]
    blanks: int
    continuation: int = 0  # extra physical lines of rows whose quoted value spans lines



def too_long_error(given: str, data: memoryview | bytes, first_line: int) -> DojFileError:
    """A line too long for pyarrow at all (over 2 GB): refused, naming it."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.append(np.flatnonzero(arr == 10), len(arr))
    lengths = np.diff(np.concatenate(([-1], ends))) - 1
    longest = int(np.argmax(lengths))
    return DojFileError(where=f"{given}, line {first_line + longest}",
                        what=f"has a line of {int(lengths[longest]):,} bytes; no DOJ row "
                        "is that long (a damaged file?)", fix=AS_SENT)


def rfind(data: memoryview | bytes, needle: bytes, start: int, end: int) -> int:
    """bytes.rfind for a memoryview (searching back from `end` in small steps)."""
    step = 1 << 16
    end = min(end, len(data))
    while end > start:
        found = bytes(data[max(start, end - step):end]).rfind(needle)
        if found >= 0:
            return max(start, end - step) + found
        end -= step
    return -1


def find(data: memoryview | bytes, needle: bytes, start: int) -> int:
    """bytes.find for a memoryview, without copying the whole block."""
    step = 1 << 16
    while start < len(data):
        found = bytes(data[start:start + step]).find(needle)
        if found >= 0:
            return start + found
        start += step
    return -1


def prefix_keys(arr: np.ndarray, begins: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each line (zero-padded) as one little-endian integer."""
    if not len(begins):
        return np.zeros(0, dtype=np.uint64)
    index = np.minimum(begins[:, None] + np.arange(8), len(arr) - 1)
    prefix = np.where(np.arange(8) < lengths[:, None], arr[index], 0).astype(np.uint8)
    return np.ascontiguousarray(prefix).view("<u8").ravel()


def holds(chunk: pa.Array, needle: bytes) -> bool:
    """Whether the data buffer of a string chunk holds `needle` (maybe beyond the chunk's
    own values, for a slice: a cheap first test, not an answer)."""
    buffers = chunk.buffers()
    data = buffers[2] if len(buffers) > 2 else None
    return data is not None and data.size > 0 and data.to_pybytes().find(needle) >= 0


def newlines_per_row(table: pa.Table) -> np.ndarray:
    """Line ends inside the values of each row (a quoted value may span lines)."""
    total = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if not any(holds(chunk, b"\n") for chunk in column.chunks):
            continue  # most columns never hold one: skip the string kernel
        counts = pc.fill_null(pc.count_substring(column, "\n"), 0)
        total += counts.to_numpy().astype(np.int64)
    return total


def walk(spans: np.ndarray, empty: np.ndarray) -> tuple[np.ndarray, int] | None:
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


def merge(table: pa.Table, lines: np.ndarray, extra: pa.Table,
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


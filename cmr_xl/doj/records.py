"""One CSV record read in Python, the way pyarrow reads it (defective rows only), and
old-Mac line ends found among others. Pure functions of text or bytes."""

from __future__ import annotations

import csv
import io
import re

from cmr_xl.doj.doj_format import DOJ_COLUMNS, EMPTY_PATTERN

EXPECTED_FIELDS = len(DOJ_COLUMNS)
EMPTY = re.compile(EMPTY_PATTERN)  # a field that holds nothing
LONE_CR = re.compile(rb"\r(?!\n)")


def split_record(text: str) -> tuple[list[str], bool] | None:
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
    return scan_record(text, stray_quotes_kept=False)


def scan_record(text: str, *, stray_quotes_kept: bool) -> tuple[list[str], bool] | None:
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


def blank_line(text: str) -> bool:
    """A line that holds nothing: empty, spaces, or only commas (the empty row a
    spreadsheet program writes)."""
    return not text.strip(" \t\r\n,")


def split_as_written(text: str) -> list[str] | None:
    """Fields of one CSV record where a quote inside a quoted value that is not doubled is
    kept as written: in a quoted value only `""` (a quote) and a quote before a comma or
    the end of the record (the closing one) are special. None if a quote never closes or
    the text is more than one record. Same as `split_record` for any well-formed record."""
    scanned = scan_record(text, stray_quotes_kept=True)
    return None if scanned is None or scanned[1] else scanned[0]


def cr_line_ends(data: bytes) -> tuple[bytes, int] | None:
    """`data` with the lone carriage returns that end lines made line feeds, and how many
    line feeds come before the first of them; None when none does. A file may hold a
    block of old-Mac lines (CR only) among lines ending in LF or CRLF: a line (up to LF)
    whose lone-CR pieces are mostly whole DOJ records (at least two) is that block, read
    line by line as written. Fewer: a carriage return inside a value (read as a space)."""
    out: list[bytes] = []
    done = 0
    first = -1
    at = LONE_CR.search(data)
    while at is not None:
        begin = data.rfind(b"\n", 0, at.start()) + 1
        end = data.find(b"\n", at.start())
        end = len(data) if end < 0 else end
        core = data[begin:end - 1] if end < len(data) and data[end - 1] == 13 else data[begin:end]
        parts = LONE_CR.split(core)
        full = sum(1 for part in parts if whole_record(part))
        if full >= 2 and 2 * full >= sum(1 for part in parts if part.strip()):
            if first < 0:
                first = data.count(b"\n", 0, begin)
            out += [data[done:begin], b"\n".join(parts)]
            done = begin + len(core)
        at = LONE_CR.search(data, end)
    if first < 0:
        return None
    out.append(data[done:])
    return b"".join(out), first


def whole_record(text: bytes) -> bool:
    """A record of 95 fields (or 96: a trailing comma) on its own."""
    split = split_record(text.decode("utf-8", errors="replace"))
    return split is not None and not split[1] and len(split[0]) in (EXPECTED_FIELDS,
                                                                      EXPECTED_FIELDS + 1)

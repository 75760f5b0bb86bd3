"""The DOJ reader fed random bytes, not only random rows: whatever the file holds, it either
refuses it with a DojFileError (a message naming the file) or reads it with every physical
line accounted for (header, blank, row used, row rejected, or a line inside a quoted value),
each row numbered with a real line of the file. Never another exception.

Files are built from good DOJ rows (tests/rapsheet.py), rows damaged at random places
(quotes, commas, line ends, non-UTF-8 bytes, cuts) and random byte strings, with random
line ends, header and byte-order mark, and read in blocks of random size.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from unittest import mock

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapsheet import RapSheet

from cmr_xl.common.errors import DojFileError
from cmr_xl.doj import RowAccounting, iter_person_batches, limits, records
from cmr_xl.doj.doj_format import DOJ_COLUMNS, SOURCE_LINE

HEADER = ",".join(DOJ_COLUMNS).encode()
BOM = b"\xef\xbb\xbf"
SNIFF = 256 << 10  # the reader decides on lone-CR line ends from the first 256 KB


def _rows() -> list[bytes]:
    """Good rows, one CSV record each (one holds a quoted value with a line break)."""
    sheet = RapSheet()
    sheet.person().conviction("11359", "20100101").conviction("11357", "20120315")
    sheet.person(name="O'BRIEN,PAT").conviction("11360(A)", "20050607", comment="A, B")
    sheet.person().conviction("459", "20000101", county="YOLO").arrest("11357", "20070101")
    sheet.person().conviction("11358", "20080808", comment="CONVICTED BY PLEA\nSEE DOCKET")
    out = []
    for row in sheet.rows():
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow([row.get(c, "") for c in DOJ_COLUMNS])
        out.append(text.getvalue()[:-1].encode())  # "\n" as terminator: a value with one is quoted
    return out


ROWS = _rows()
NASTY = [b'"', b",", b"\r", b"\n", b"\r\n", b'""', b"\xe9", b"\xff\xfe", b" ", b"-", b"NULL",
         b"#", BOM, b"\t", b";", b'"\n', b',"']

good_row = st.sampled_from(ROWS)


@st.composite
def damaged_row(draw: st.DrawFn) -> bytes:
    """A good row with a few random edits: bytes inserted, a piece cut out, cut short."""
    row = bytearray(draw(good_row))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(row)))
        kind = draw(st.sampled_from(["insert", "insert", "delete", "truncate"]))
        if kind == "insert":
            row[at:at] = draw(st.sampled_from(NASTY) | st.binary(min_size=1, max_size=4).filter(
                lambda b: b"\0" not in b))
        elif kind == "delete":
            del row[at:at + draw(st.integers(1, 20))]
        else:
            del row[at:]
    return bytes(row)


noise = st.lists(st.sampled_from(NASTY + [b"a", b"1"]), max_size=30).map(b"".join)
binary = st.binary(max_size=80)  # NUL bytes included: the whole file is refused
LINE_KINDS = ["good"] * 12 + ["damaged"] * 3 + ["noise", "blank", "spaces", "header", "commas"]
line = st.sampled_from(LINE_KINDS).flatmap(lambda kind: {
    "good": good_row, "damaged": damaged_row(), "noise": noise, "blank": st.just(b""),
    "spaces": st.just(b"  "), "header": st.just(HEADER),
    "commas": st.sampled_from([b"," * 94, b"," * 95, b", ,"])}[kind])


@st.composite
def doj_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(line, min_size=0, max_size=30))
    if draw(st.booleans()):
        lines.insert(0, HEADER)
    if draw(st.integers(0, 19)) == 0:  # now and then, binary junk somewhere
        lines.insert(draw(st.integers(0, len(lines))), draw(binary))
    eol = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    data = eol.join(lines) + (eol if draw(st.booleans()) else b"")
    if draw(st.integers(0, 9)) == 0:
        data = BOM + data
    return data


def physical_lines(data: bytes) -> int:
    """Lines as a text editor shows them, line ends as the reader chooses them."""
    data = data.removeprefix(BOM)
    sample = data[:SNIFF]
    eol = b"\r" if b"\n" not in sample and b"\r" in sample else b"\n"
    if eol == b"\n":  # a block of old-Mac lines among LF lines: read as lines as written
        data = (records.cr_line_ends(data) or (data, 0))[0]
    else:  # old-Mac lines, then maybe CRLF lines, each a line once
        data = data.replace(b"\r\n", b"\r")
    return data.count(eol) + (1 if data and not data.endswith(eol) else 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=doj_bytes(), batch_bytes=st.sampled_from([64, 700, 64 << 20]),
       piece_bytes=st.sampled_from([300, 3000, 4 << 20]))
def test_random_bytes_are_refused_plainly_or_every_line_is_accounted_for(
        data, batch_bytes, piece_bytes):
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(
            limits, "PIECE_BYTES", piece_bytes):
        path = Path(folder) / "doj.csv"
        path.write_bytes(data)
        accounting = RowAccounting()
        try:
            tables = list(iter_person_batches([path], accounting, batch_bytes=batch_bytes))
        except DojFileError as error:
            assert str(error).startswith(str(path)), str(error)
            return
    table = pa.concat_tables(tables) if tables else None
    [report] = accounting.files
    assert not [n for n in accounting.notes if "internal error" in n], accounting.notes
    assert report.balanced(), report
    assert report.physical_lines == physical_lines(data), report
    assert report.rows == (table.num_rows if table is not None else 0)
    row_lines = table[SOURCE_LINE].to_pylist() if table is not None else []
    reject_lines = [r.line for r in accounting.rejects]
    assert row_lines == sorted(set(row_lines)), row_lines
    assert not set(row_lines) & set(reject_lines)
    assert all(1 <= n <= report.physical_lines for n in row_lines + reject_lines)
    assert len(reject_lines) == report.rejected


def test_blank_lines_before_the_header_are_counted_once_whatever_the_block_size(tmp_path):
    path = tmp_path / "doj.csv"
    path.write_bytes(b"\n" + HEADER + b"\n" + ROWS[0] + b"\n")
    accounting = RowAccounting()
    list(iter_person_batches([path], accounting, batch_bytes=64))
    [report] = accounting.files
    assert (report.physical_lines, report.header_lines, report.blank_lines, report.rows) == (3, 1, 1, 1)
    assert accounting.notes == []

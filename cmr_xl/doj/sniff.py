"""What a file is before it is read, from its first bytes: refused when it is not a DOJ
research file (a workbook, an archive, compressed, UTF-16, NUL bytes, another delimiter,
another header, rows that are not DOJ rows), else its shape (`Shape`: byte order mark,
line ends, header line, a trailing comma on every row). Pure functions of bytes, but for
the path checks and the zip archive's listing."""

from __future__ import annotations

import codecs
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cmr_xl.common.errors import DojFileError
from cmr_xl.common.inputs import check_input
from cmr_xl.doj import limits
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.doj.notes import AS_SENT, COPY, DECOMPRESS, EXTRACT, few
from cmr_xl.doj.records import (
    EMPTY,
    EXPECTED_FIELDS,
    blank_line,
    cr_line_ends,
    split_record,
)

EXTRA_FIELD = "_EXTRA_FIELD"  # name of the 96th column when a whole file has trailing commas
UTF8_BOM = b"\xef\xbb\xbf"
_COLUMN_SET = frozenset(DOJ_COLUMNS)
#: Signatures of compressed files and archives (zip is handled on its own: an Excel
#: workbook is a zip archive too; bzip2 in `compressed_kind`).
COMPRESSED = (
    (b"\x1f\x8b", "a compressed file (gzip)"),
    (b"\xfd7zXZ\x00", "a compressed file (xz)"),
    (b"\x28\xb5\x2f\xfd", "a compressed file (zstd)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)
DELIMITERS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def decode_cp1252(error: UnicodeError) -> tuple[str, int]:
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


codecs.register_error("cmr_xl_cp1252", decode_cp1252)


# ---------------------------------------------------------------------------------------


def compressed_kind(sample: bytes) -> str:
    """What compressed file or archive (other than zip) the bytes start, or ""."""
    for signature, kind in COMPRESSED:
        if sample.startswith(signature):
            return kind
    if sample.startswith(b"BZh") and sample[4:10] == b"1AY&SY":
        return "a compressed file (bzip2)"
    return ""


def wide_text(sample: bytes) -> str:
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



def delimiter_guess(text: str) -> str:
    """What seems to separate fields in a line that has (almost) no commas."""
    counts = {d: text.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return DELIMITERS[best] if counts[best] >= 10 else ""


def looks_like_header(names: list[str]) -> bool:
    """A first line of column names, though not the DOJ ones: several DOJ names, or mostly
    identifier-like words and no numbers (a data row has ids, dates and empty fields)."""
    if sum(n in _COLUMN_SET for n in names) >= 3:
        return True
    words = [n for n in names if n]
    if len(words) < 5 or len(words) < 0.8 * len(names) or any(w.isdigit() for w in words):
        return False
    identifiers = sum(bool(re.fullmatch(r"[A-Z][A-Z0-9_ ]*", w)) for w in words)
    return identifiers >= 0.8 * len(words) and sum("_" in w for w in words) >= 0.3 * len(words)


def header_mismatch(names: list[str]) -> str:
    seen = set(names)
    missing = [c for c in DOJ_COLUMNS if c not in seen]
    unexpected = [n or "(empty)" for n in names if n not in _COLUMN_SET]
    parts = []
    if missing:
        parts.append(f"{len(missing)} column(s) missing: {few(missing)}")
    if unexpected:
        parts.append(f"unexpected column(s): {few(unexpected)}")
    if not parts:
        repeated = [n for n, k in Counter(names).items() if k > 1]
        if repeated:
            parts.append(f"repeated column(s): {few(repeated)}")
        else:
            i = next(i for i, (a, b) in enumerate(zip(names, DOJ_COLUMNS, strict=True)) if a != b)
            parts.append(f"columns out of order: column {i + 1} is {names[i]}, "
                         f"expected {DOJ_COLUMNS[i]}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------
# Reading a file in blocks


def checked_path(path: str | Path) -> tuple[Path, str]:
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


def not_text_error(given: str, line: int, offset: int, *, nul: bool) -> DojFileError:
    """Bytes that no text file holds, at `line` (byte `offset`): a NUL byte, or no line
    end for `limits.LINE_LIMIT` bytes."""
    where = f"{given}, line {line:,}"
    if nul and line == 1:
        return DojFileError(where=where, what="contains binary data (NUL bytes); it is "
                            "not a text file", fix=AS_SENT)
    if nul:
        what = (f"contains binary data (NUL bytes) from byte {offset:,} on; it is not a "
                "text file (a damaged or padded copy?)")
    else:
        what = (f"has no line end in {limits.LINE_LIMIT >> 20} MB from byte {offset:,} on; no "
                "DOJ row is that long (a damaged file with a binary tail?)")
    return DojFileError(where=where, what=what, fix=COPY)


@dataclass
class Shape:
    """How a DOJ file is written, learned from its first bytes."""

    bom: int = 0  # bytes of a UTF-8 byte order mark
    eol: bytes = b"\n"  # b"\r": old Mac lines throughout
    cr_ends: bool = False  # old-Mac lines among others in the first block
    has_header: bool = False
    skip_lines: int = 0  # leading blank lines and the header line
    mode96: bool = False  # every row ends with an extra empty field: read as 96 columns

    @property
    def names(self) -> list[str]:
        """The columns the file is read as (the extra field too in a 96-column file)."""
        return [*DOJ_COLUMNS, EXTRA_FIELD] if self.mode96 else list(DOJ_COLUMNS)


def sniff(path: Path, given: str, sample: bytes, whole: bool, notes: list[str]) -> Shape:
    """Refuse what is not a DOJ research file before reading it, and learn its shape:
    BOM, line ends, header line, trailing commas on every row."""
    shape = Shape()
    if not sample or (whole and not sample.strip()) or sample == UTF8_BOM:
        raise DojFileError(where=given, what="the file is empty",
                           fix="Check that this is the complete file DOJ sent")
    if sample.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        refuse_zip(path, given, sample)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise DojFileError(where=given, what="is an Excel workbook, not a CSV text file",
                           fix=AS_SENT)
    kind = compressed_kind(sample)
    if kind:
        raise DojFileError(where=given, what=f"is {kind}, not a CSV text file",
                           fix=EXTRACT if kind.endswith("archive") else DECOMPRESS)
    wide = wide_text(sample)
    if wide:
        raise DojFileError(where=given, what=f"is {wide}, not the 8-bit text of a DOJ "
                           "research file", fix=AS_SENT)
    nul = sample.find(b"\x00")
    if nul >= 0:
        raise not_text_error(given, sample.count(b"\n", 0, nul) + 1, nul, nul=True)
    if sample.startswith(UTF8_BOM):
        shape.bom = len(UTF8_BOM)
    body = sample[shape.bom:]
    if b"\n" not in body and b"\r" in body:
        shape.eol = b"\r"
        body = body.replace(b"\r", b"\n")
        notes.append(
            f"{given}: lines end with a lone carriage return (old Mac style); read as lines")
    elif (mixed := cr_line_ends(body)) is not None:
        shape.cr_ends = True
        body = mixed[0]
    text = body.decode("utf-8", errors="cmr_xl_cp1252")
    lines = text.split("\n")
    if not whole:
        lines = lines[:-1]  # the sample may end inside a line
    number, first = next(((i + 1, s.rstrip("\r")) for i, s in enumerate(lines)
                          if not blank_line(s)), (0, ""))
    if not number:
        if whole:
            raise DojFileError(where=given, what="has only blank lines, no data",
                               fix="Check that this is the complete file DOJ sent")
        return shape
    split = split_record(first)
    fields = split[0] if split else [first]
    where = f"{given}, line {number}"
    if len(fields) < 10 and (guess := delimiter_guess(first)):
        raise DojFileError(
            where=where, what=f"has {len(fields)} field(s) where a DOJ research file has "
            f"95: the fields seem to be separated by {guess} instead of commas", fix=AS_SENT)
    names = [f.strip().strip('"').strip().upper() for f in fields]
    while names and not names[-1]:
        names.pop()
    if names == list(DOJ_COLUMNS):
        shape.has_header = True
        shape.skip_lines = number
    elif looks_like_header(names):
        raise DojFileError(
            where=where, what="the first line is a header that does not match the DOJ "
            f"research file: {header_mismatch(names)}", fix=AS_SENT)
    sniff_rows(shape, given, lines, number if shape.has_header else number - 1)
    return shape


def refuse_zip(path: Path, given: str, sample: bytes) -> None:
    """Refuse a zip archive: an Excel workbook (it holds [Content_Types].xml) or the
    archive the DOJ file came in, naming what it holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError, ValueError):
        names = None  # damaged: judge by the first entries and the name
    if names is None:
        workbook = (b"[Content_Types].xml" in sample
                    or path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".xls"))
    else:
        workbook = "[Content_Types].xml" in names
    if workbook:
        raise DojFileError(where=given, what="is an Excel workbook, not a CSV text "
                           "file", fix=AS_SENT)
    holds = f" (it holds {few(names, 3)})" if names else ""
    raise DojFileError(where=given, what=f"is a zip archive{holds}, not a CSV text "
                       "file", fix=EXTRACT)


def sniff_rows(shape: Shape, given: str, lines: list[str], skip: int) -> None:
    """Field counts of the first rows, line by line (a stray quote must not hide the
    rest): refuse a file whose rows are not DOJ rows, and read a file whose every row
    ends with an extra empty field as 96 columns."""
    counts: Counter[int] = Counter()
    first_line: dict[int, tuple[int, str]] = {}
    trailing = 0
    rest = [text.rstrip("\r") for text in lines[skip:]]
    i = 0
    while i < len(rest) and counts.total() < limits.SNIFF_RECORDS:
        text, k = rest[i], i + 1
        split = split_record(text)
        while split is not None and split[1] and k < len(rest) and k - i < limits.PUSHBACK_LINES:
            text += "\n" + rest[k]  # a quoted value with line breaks, or a stray quote
            k += 1
            split = split_record(text)
        if split is None or split[1]:
            split, k = split_record(rest[i]), i + 1
        if rest[i].strip():
            n = len(split[0]) if split and not split[1] else 0
            counts[n] += 1
            first_line.setdefault(n, (skip + i + 1, rest[i]))
            trailing += n == EXPECTED_FIELDS + 1 and bool(EMPTY.match(split[0][-1]))
        i = k
    total = counts.total()
    if total and (counts[EXPECTED_FIELDS] + trailing) * 2 < total:
        n = next(n for n, _ in counts.most_common() if n != EXPECTED_FIELDS)
        line, text = first_line[n]
        guess = delimiter_guess(text) if n < 10 else ""
        what = f"its rows have {n} field(s), not the 95 of a DOJ research file"
        if guess:
            what += f"; the fields seem to be separated by {guess} instead of commas"
        raise DojFileError(where=f"{given}, line {line}", what=what, fix=AS_SENT)
    if trailing > counts[EXPECTED_FIELDS]:
        shape.mode96 = True

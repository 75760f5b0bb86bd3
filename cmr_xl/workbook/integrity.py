"""A workbook checked before anything reads it whole: damaged or hostile packages are an
InputError naming the file and the part (or sheet and cell), never an XmlError, an abort or
gigabytes allocated.

- `check_package`: the zip's directory (entry count, each part's declared size and its
  compression ratio, so a zip bomb is refused before a byte of it is inflated), then every
  part inflated in 1 MB pieces with its CRC checked and, for XML parts, the XML parsed by
  expat without building anything (no DOCTYPE, hence no entity expansion). Both zipfile
  and calamine's zip reader stop at a part's declared size, so the caps hold.
- `check_sheet_extent`: a sheet's used range from its cell references, streamed, before a
  reader builds its grid (python-calamine and openpyxl allocate every cell of the range:
  one stray value in XFD1048576 asks for 17 billion). A sheet whose range is mostly empty
  because of far cells is refused, naming the farthest cells.
- `formula_cells`: the cells of a sheet that hold a formula, and whether a value was saved
  with it.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from cmr_xl.common.errors import InputError
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.package import WORKBOOK_PART, WORKBOOK_RELS_PART
from cmr_xl.workbook.package import sheet_part_names as package_sheet_parts

#: No part of a workbook Excel can hold is bigger (a full Results sheet of 1,048,576
#: rows is about 1.5 GB of XML).
MAX_PART_BYTES = 3 << 30
MAX_TOTAL_BYTES = 6 << 30
MAX_PARTS = 10_000
#: Sheet XML compresses 5-30 times; a part inflating more than this is a bomb. Small
#: parts (a few MB) may compress better and are harmless.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 8 << 20
#: A sheet's grid may be this many times its cells (empty cells between values are
#: normal) before far stray values are reported, and only above this many cells.
MAX_EMPTY_FACTOR = 8
GRID_FLOOR_CELLS = 5_000_000
#: No sheet of ours reaches column IV: a last column beyond it is a stray value to name.
STRAY_COLUMN = 256
CHUNK = 1 << 20
RESAVE = "Open it in Excel and save it again (Excel repairs what it can), or use a backup copy"


def check_package(path: Path) -> dict[str, str]:
    """Refuse a workbook whose zip or XML is damaged or hostile (see the module doc);
    returns its sheet parts (`sheet_part_names`)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_directory(name, infos)
            names = {info.filename for info in infos}
            parts = sheet_part_names(archive)
            for sheet, part in parts.items():
                if part not in names:
                    raise InputError(f"{name}, part {part}", f"(sheet '{sheet}') is missing from "
                                     "the package", RESAVE)
            for info in infos:
                _check_part(name, archive, info)
            return parts
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, ValueError,
            NotImplementedError) as error:
        raise InputError(name, f"is damaged: its zip package cannot be read ({error})",
                         RESAVE) from None
    except OSError as error:
        raise InputError(name, f"cannot be read ({error.strerror or error})",
                         "Check the file and try again") from None


def _check_directory(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise InputError(name, f"holds {len(infos):,} parts, more than any workbook "
                         f"({MAX_PARTS:,} at most)", "Check that this is the workbook")
    total = 0
    for info in infos:
        size, packed = info.file_size, max(info.compress_size, 1)
        if size > MAX_PART_BYTES:
            raise InputError(f"{name}, part {info.filename}", f"would inflate to {size:,} bytes, "
                             f"more than any workbook part ({MAX_PART_BYTES:,} at most)",
                             "This is not a workbook Excel wrote; use the original file")
        if size > RATIO_FLOOR_BYTES and size / packed > MAX_RATIO:
            raise InputError(f"{name}, part {info.filename}", f"would inflate {size / packed:,.0f} "
                             f"times ({packed:,} bytes to {size:,}): a zip bomb, not a "
                             "workbook part", "Use the original workbook")
        total += size
    if total > MAX_TOTAL_BYTES:
        raise InputError(name, f"would inflate to {total:,} bytes in all, more than any "
                         f"workbook ({MAX_TOTAL_BYTES:,} at most)", "Use the original workbook")
    names = {info.filename for info in infos}
    for required in ("[Content_Types].xml", WORKBOOK_PART):
        if required not in names:
            raise InputError(name, f"has no part {required}, so it is not an Excel workbook "
                             "(or it is damaged)", RESAVE)


def _no_doctype(*_args: object) -> None:
    raise _Doctype


class _Doctype(Exception):
    pass


def _check_part(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    where = f"{name}, part {info.filename}"
    is_xml = info.filename.endswith((".xml", ".rels", ".vml"))
    parser = None
    if is_xml:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _no_doctype
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                if parser is not None:
                    parser.Parse(chunk, False)
        if parser is not None:
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise InputError(where, f"is damaged: its XML breaks at line {error.lineno}, column "
                         f"{error.offset + 1} ({expat.ErrorString(error.code)})",
                         RESAVE) from None
    except _Doctype:
        raise InputError(where, "declares a DOCTYPE, which no workbook part has",
                         "Use the original workbook") from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise InputError(where, f"is damaged ({error})", RESAVE) from None


# --- sheets ---------------------------------------------------------------------------


def sheet_part_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name (`package.sheet_part_names`); empty when workbook.xml or its
    relationships are missing or broken, which the part checks then report."""
    try:
        return package_sheet_parts(archive.read(WORKBOOK_PART), archive.read(WORKBOOK_RELS_PART))
    except (KeyError, ElementTree.ParseError):
        return {}


_ROW_NUMBER = re.compile(rb' r="([0-9]+)"')  # a cell's r= starts with letters
#: Cell references from column BA on (53 and beyond): our sheets have fewer columns, so
#: the usual cell costs the scan nothing.
_WIDE_REF = re.compile(rb' r="((?:[B-Z][A-Z])|(?:[A-Z]{3,}))([0-9]+)"')
_CELL_REF = re.compile(rb'\sr="([A-Z]+[0-9]+)"')
_FORMULA_TAG = re.compile(rb"<f[ >/]")


@dataclass
class Extent:
    rows: int = 0
    cols: int = 52
    cells: int = 0
    last_row: int = 0
    #: (a row, the row written after it) when rows are repeated or out of order
    disorder: tuple[int, int] | None = None
    #: cells holding a formula -> whether a value was saved with it
    formulas: dict[str, bool] = field(default_factory=dict)


def _formulas(piece: bytes) -> dict[str, bool]:
    """The formula cells of a piece of sheet XML, and whether each has a saved value."""
    found = {}
    for formula in _FORMULA_TAG.finditer(piece):
        position = formula.start()
        start = piece.rfind(b"<c ", 0, position)
        if start < 0:
            continue
        opening_end = piece.find(b">", start)
        if piece[opening_end - 1:opening_end] == b"/" or piece.rfind(b"</c>", start,
                                                                      position) >= 0:
            continue  # that cell closed before this <f (a data validation's formula)
        ref = _CELL_REF.search(piece, start, opening_end)
        if ref is not None:
            end = piece.find(b"</c>", position)
            cell = piece[start:end if end >= 0 else len(piece)]
            value = re.search(rb"<v>[^<]*</v>|<v/>|<is>", cell)
            found[ref.group(1).decode()] = value is not None
    return found


def _col_number(letters: bytes) -> int:
    col = 0
    for letter in letters:
        col = col * 26 + letter - 64
    return col


def _pieces(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part in pieces that end at a tag's end, so no reference is cut in two."""
    tail = b""
    with archive.open(part) as handle:
        while chunk := handle.read(CHUNK):
            chunk = tail + chunk
            cut = chunk.rfind(b">") + 1
            tail = chunk[cut:]
            yield chunk[:cut]
    if tail:
        yield tail


def sheet_extent(path: Path, part: str) -> Extent:
    """Rows, columns (at least 52) and cells of a sheet part, with the farthest cells."""
    extent = Extent()
    with zipfile.ZipFile(path) as archive:
        for piece in _pieces(archive, part):
            extent.cells += piece.count(b"<c ") + piece.count(b"<c>")
            for match in _ROW_NUMBER.finditer(piece):
                row = int(match.group(1))
                if row <= extent.last_row and not extent.disorder:
                    extent.disorder = (extent.last_row, row)
                extent.last_row = row
                extent.rows = max(extent.rows, row)
            for match in _WIDE_REF.finditer(piece):
                extent.cols = max(extent.cols, _col_number(match.group(1)))
                extent.rows = max(extent.rows, int(match.group(2)))
            if b"<f" in piece:
                extent.formulas.update(_formulas(piece))
    return extent


def check_sheet_extent(path: Path, sheet: str, part: str) -> Extent:
    """Refuse a sheet whose used range is mostly empty because of far stray cells, before
    any reader allocates that range; name the farthest cells."""
    extent = sheet_extent(path, part)
    if extent.disorder:
        before, after = extent.disorder
        raise InputError(L.place(path, sheet, after),
                         f"is written after row {before} in the file (rows repeated or out of "
                         "order), which Excel reports as damage", RESAVE)
    grid = extent.rows * extent.cols
    if grid > GRID_FLOOR_CELLS and grid > MAX_EMPTY_FACTOR * max(extent.cells, 1):
        far = _last_cells(path, part, extent)
        raise InputError(
            L.place(path, sheet, far),
            f"a value far outside the table makes the sheet {extent.rows:,} rows by "
            f"{extent.cols:,} columns ({grid:,} cells) for {extent.cells:,} cells in use",
            "Delete the stray value (select the cell, press Delete; Ctrl+End goes to it) and "
            "save, then run again")
    return extent


_ANY_REF = re.compile(rb'<c\b[^>]*?\sr="([A-Z]+)([0-9]+)"')


def _last_cells(path: Path, part: str, extent: Extent) -> list[str]:
    """The cells in the last row and the last column (a second, rare pass)."""
    last_row, last_col = "", ""
    with zipfile.ZipFile(path) as archive:
        for piece in _pieces(archive, part):
            for match in _ANY_REF.finditer(piece):
                col, row = _col_number(match.group(1)), int(match.group(2))
                ref = (match.group(1) + match.group(2)).decode()
                if row == extent.rows and not last_row:
                    last_row = ref
                if col == extent.cols and col > STRAY_COLUMN and not last_col:
                    last_col = ref
    return sorted({r for r in (last_row, last_col) if r}) or [f"row {extent.rows}"]

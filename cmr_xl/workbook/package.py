"""Edit a saved .xlsx in place, part by part, keeping everything else byte for byte.

openpyxl takes about two minutes to load and save a county of 70,000 convictions and
drops what it does not model; recalculation only needs to replace some cells of
Results and Criteria and the contents of Summary and About. This module reads the zip
package, rewrites those cells in the sheet XML (keeping each cell's style index, so a
clerk's highlighting survives) and writes the package again. Values written here are
inline strings, numbers, booleans and formulas with their cached results: no shared
string or style table has to change. Excel's calculation chain is dropped (Excel
rebuilds it) and a full calculation on load is requested.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from xlsxwriter.utility import xl_cell_to_rowcol

from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import serial_from_date
from cmr_xl.workbook.cell_text import clean_text

ROW_RE = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
CELL_RE = re.compile(r"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
REF_RE = re.compile(r'\br="([A-Z]+[0-9]+)"')
STYLE_RE = re.compile(r'\bs="([0-9]+)"')
ROW_NUMBER_RE = re.compile(r'\br="([0-9]+)"')
SHEET_DATA_RE = re.compile(r"<sheetData\s*/>|<sheetData\b[^>]*>.*?</sheetData>", re.S)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS_PART = "xl/_rels/workbook.xml.rels"


def sheet_part_names(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet name -> part name, from workbook.xml and its relationships: the one reading
    that the integrity check and in-place editing share. A sheet without a relationship
    target is left out, so callers name it as missing; broken XML raises ParseError."""
    workbook = ElementTree.fromstring(workbook_xml)
    rels = ElementTree.fromstring(rels_xml)
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
    found = {}
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"))
        if target:
            part = target.lstrip("/") if target.startswith("/") else str(
                PurePosixPath("xl") / target)
            found[str(sheet.get("name"))] = part
    return found


class Package:
    """An .xlsx file as its parts, to replace a few and copy the rest unchanged."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as archive:
                self.infos = archive.infolist()
                self.parts = {info.filename: archive.read(info.filename) for info in self.infos}
        except (zipfile.BadZipFile, OSError) as error:
            raise InputError(str(self.path), f"cannot be read as an .xlsx workbook ({error})",
                             "Open and re-save it in Excel") from None
        self.streams: dict[str, Iterable[bytes]] = {}

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> part name (e.g. 'Results' -> 'xl/worksheets/sheet2.xml')."""
        return sheet_part_names(self.parts[WORKBOOK_PART], self.parts[WORKBOOK_RELS_PART])

    def text(self, part: str) -> str:
        return self.parts[part].decode("utf-8")

    def replace(self, part: str, data: str | bytes | Iterable[bytes]) -> None:
        if isinstance(data, str):
            self.parts[part] = data.encode("utf-8")
        elif isinstance(data, bytes):
            self.parts[part] = data
        else:
            self.streams[part] = data

    def calculate_on_load(self) -> None:
        """Drop Excel's calculation chain (cells changed under it) and ask for a full
        calculation when the file is opened."""
        chain = "xl/calcChain.xml"
        if chain in self.parts:
            del self.parts[chain]
            self.infos = [i for i in self.infos if i.filename != chain]
            types = self.text("[Content_Types].xml")
            self.replace("[Content_Types].xml", re.sub(
                r'<Override[^>]*PartName="/xl/calcChain.xml"[^>]*/>', "", types))
            rels = self.text(WORKBOOK_RELS_PART)
            self.replace(WORKBOOK_RELS_PART, re.sub(
                r'<Relationship[^>]*Target="[^"]*calcChain.xml"[^>]*/>', "", rels))
        workbook = self.text(WORKBOOK_PART)
        if "<calcPr" in workbook:
            workbook = re.sub(r'\sfullCalcOnLoad="[^"]*"', "", workbook)
            workbook = re.sub(r"<calcPr\b", '<calcPr fullCalcOnLoad="1"', workbook, count=1)
        else:
            anchor = "</definedNames>" if "</definedNames>" in workbook else "</sheets>"
            workbook = workbook.replace(anchor, anchor + '<calcPr fullCalcOnLoad="1"/>', 1)
        self.replace(WORKBOOK_PART, workbook)

    def write(self, target: Path) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as out:
            for info in self.infos:
                entry = zipfile.ZipInfo(info.filename, info.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry._compresslevel = 3  # public as compress_level from 3.13
                if info.filename in self.streams:
                    with out.open(entry, "w", force_zip64=True) as handle:
                        for chunk in self.streams[info.filename]:
                            handle.write(chunk)
                else:
                    out.writestr(entry, self.parts[info.filename])


# --- cells ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class XmlCell:
    """A cell about to be written: its value (or formula and cached value) and style."""

    value: Any = None
    formula: str | None = None
    style: int | None = None


def escape(text: str) -> str:
    text = clean_text(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "_x000D_")


def cell_xml(ref: str, cell: XmlCell) -> str:
    """One <c> element; text is an inline string (never evaluated)."""
    style = f' s="{cell.style}"' if cell.style else ""
    value = cell.value
    if cell.formula is not None:
        formula = escape(cell.formula.lstrip("="))
        if isinstance(value, str):
            return f'<c r="{ref}"{style} t="str"><f>{formula}</f><v>{escape(value)}</v></c>'
        cached = "" if value is None else f"<v>{_number(value)}</v>"
        return f'<c r="{ref}"{style}><f>{formula}</f>{cached}</c>'
    if value is None or (isinstance(value, str) and value == ""):
        return f'<c r="{ref}"{style}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, date)):
        return f'<c r="{ref}"{style}><v>{_number(value)}</v></c>'
    return (f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
            f"{escape(str(value))}</t></is></c>")


def _number(value: Any) -> str:
    if isinstance(value, date):  # a datetime too
        return str(serial_from_date(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def cell_styles(sheet_xml: str) -> dict[tuple[int, int], int]:
    """(row, col) -> style index of every cell (0-based), to reuse a sheet's own styles."""
    styles = {}
    for match in CELL_RE.finditer(_sheet_data(sheet_xml)):
        opening = match.group(0).split(">", 1)[0]
        ref, style = REF_RE.search(opening), STYLE_RE.search(opening)
        if ref and style:
            styles[xl_cell_to_rowcol(ref.group(1))] = int(style.group(1))
    return styles


def _sheet_data(sheet_xml: str) -> str:
    match = SHEET_DATA_RE.search(sheet_xml)
    return match.group(0) if match else ""


def replace_sheet_data(sheet_xml: str, cells: dict[tuple[int, int], XmlCell],
                       heights: dict[int, float] | None = None) -> str:
    """The sheet with its <sheetData> replaced by exactly `cells`, dimension updated;
    `heights` gives rows (0-based) their height in points."""
    rows: dict[int, list[tuple[int, XmlCell]]] = {}
    for (row, col), cell in cells.items():
        rows.setdefault(row, []).append((col, cell))
    body = []
    for row in sorted(rows):
        height = (heights or {}).get(row)
        size = f' ht="{height:g}" customHeight="1"' if height else ""
        body.append(f'<row r="{row + 1}"{size}>')
        body += [cell_xml(_ref(row, col), cell) for col, cell in sorted(rows[row],
                                                                           key=lambda x: x[0])]
        body.append("</row>")
    data = "<sheetData>" + "".join(body) + "</sheetData>"
    match = SHEET_DATA_RE.search(sheet_xml)
    if match is None:
        raise ValueError("sheet has no <sheetData>")
    sheet_xml = sheet_xml[:match.start()] + data + sheet_xml[match.end():]
    last_row = max(rows) if rows else 0
    last_col = max((col for (_, col) in cells), default=0)
    return re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{_ref(last_row, last_col)}"/>',
                  sheet_xml, count=1)


def _ref(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


def set_cells(sheet_xml: str, cells: dict[tuple[int, int], XmlCell]) -> str:
    """The sheet with `cells` set (each keeps the style of the cell it replaces unless it
    brings its own); other cells are untouched. For a few cells of a small sheet."""
    by_row: dict[int, dict[int, str]] = {}
    for row, col in cells:
        by_row.setdefault(row + 1, {})[col] = _ref(row, col)
    pending = dict(cells)

    def fragment(row: int, col: int, old_style: int | None) -> str:
        cell = pending.pop((row - 1, col))
        style = cell.style if cell.style is not None else old_style
        return cell_xml(_ref(row - 1, col), XmlCell(cell.value, cell.formula, style))

    text = "".join(edit_rows(sheet_xml, lambda row: by_row.get(row), fragment))
    if pending:
        text = _add_rows(text, pending)
    return text


def edit_rows(sheet_xml: str, targets: Callable[[int], dict[int, str] | None],
              fragment: Callable[[int, int, int | None], str]) -> Iterator[str]:
    """Stream the sheet, replacing in each row the cells `targets(row)` names (1-based
    row -> {0-based col: anything}); `fragment(row, col, old_style)` gives the new XML.
    Rows are found by splitting on </row> (C speed) rather than by a regex scan."""
    start, end = sheet_xml.find("<sheetData"), sheet_xml.rfind("</sheetData>")
    if start < 0 or end < 0:  # no rows at all (<sheetData/>)
        yield sheet_xml
        return
    end += len("</sheetData>")
    yield sheet_xml[:start]
    pieces = sheet_xml[start:end].split("</row>")
    for piece in pieces[:-1]:
        start = piece.rfind("<row")
        close = piece.index(">", start)
        number = ROW_NUMBER_RE.search(piece, start, close)
        wanted = targets(int(number.group(1))) if number else None
        if wanted:
            yield piece[:start]
            yield _edit_row(piece[start:] + "</row>", int(number.group(1)), wanted, fragment)
        else:
            yield piece + "</row>"
    yield pieces[-1]
    yield sheet_xml[end:]


def _edit_row(row_xml: str, row: int, wanted: dict[int, str],
              fragment: Callable[[int, int, int | None], str]) -> str:
    """Replace the wanted cells of one row. Fast path: every writer we know (Excel,
    LibreOffice, XlsxWriter, openpyxl) puts r= first, so a cell is found by its text;
    otherwise the row is tokenised cell by cell."""
    spans: list[tuple[int, int, str]] = []
    for col in wanted:
        start = row_xml.find(f'<c r="{_letters(col)}{row}"')
        if start < 0:
            return _edit_row_slow(row_xml, row, wanted, fragment)
        close = row_xml.index(">", start)
        if row_xml[close - 1] == "/":
            end = close + 1
        else:
            end = row_xml.index("</c>", close) + len("</c>")
        style = STYLE_RE.search(row_xml, start, close)
        spans.append((start, end, fragment(row, col, int(style.group(1)) if style else None)))
    spans.sort()
    pieces, position = [], 0
    for start, end, xml in spans:
        pieces += [row_xml[position:start], xml]
        position = end
    pieces.append(row_xml[position:])
    return "".join(pieces)


_LETTERS: dict[int, str] = {}


def _letters(col: int) -> str:
    if col not in _LETTERS:
        _LETTERS[col] = re.sub(r"[0-9]+", "", _ref(0, col))
    return _LETTERS[col]


def _edit_row_slow(row_xml: str, row: int, wanted: dict[int, str],
                   fragment: Callable[[int, int, int | None], str]) -> str:
    if row_xml.endswith("/>") and "<c" not in row_xml:
        opening, inner = row_xml[:-2] + ">", ""
    else:
        opening, rest = row_xml.split(">", 1)
        opening, inner = opening + ">", rest[: -len("</row>")]
    cells: list[tuple[int, str]] = []
    done = set()
    for match in CELL_RE.finditer(inner):
        xml = match.group(0)
        head = xml.split(">", 1)[0]
        ref = REF_RE.search(head)
        col = xl_cell_to_rowcol(ref.group(1))[1] if ref else len(cells)
        if col in wanted:
            style = STYLE_RE.search(head)
            xml = fragment(row, col, int(style.group(1)) if style else None)
            done.add(col)
        cells.append((col, xml))
    for col in wanted:
        if col not in done:
            cells.append((col, fragment(row, col, None)))
    cells.sort(key=lambda item: item[0])
    opening = re.sub(r'\sspans="[^"]*"', "", opening)
    return opening + "".join(xml for _, xml in cells) + "</row>"


def _add_rows(sheet_xml: str, cells: dict[tuple[int, int], XmlCell]) -> str:
    """Rows that did not exist yet, inserted in order."""
    for (row, col), cell in sorted(cells.items()):
        new = f'<row r="{row + 1}">{cell_xml(_ref(row, col), cell)}</row>'
        data = SHEET_DATA_RE.search(sheet_xml)
        if data is None:
            raise ValueError("sheet has no <sheetData>")
        block = data.group(0)
        later = [m for m in ROW_RE.finditer(block)
                 if int(ROW_NUMBER_RE.search(m.group(0)).group(1)) > row + 1]
        if block.endswith("/>"):
            block = f"<sheetData>{new}</sheetData>"
        elif later:
            block = block[:later[0].start()] + new + block[later[0].start():]
        else:
            block = block[: -len("</sheetData>")] + new + "</sheetData>"
        sheet_xml = sheet_xml[:data.start()] + block + sheet_xml[data.end():]
    return sheet_xml

"""Read a saved workbook back: criteria (with the cell of any bad value), what-if
scenarios, the facts table from Results, and the About details.

Values are read as Excel or LibreOffice last computed them (cached results), with
python-calamine when it is installed (fast, Rust) and openpyxl's streaming reader
otherwise. Errors name the file, sheet and cell, e.g. "BOOK.xlsx, sheet Criteria, cell
C13: 'abc' is not a whole number for ..."
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import time as dt_time
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_cell_to_rowcol

from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import criterion_value, typed_column
from cmr_xl.rules import da_decision
from cmr_xl.rules.criteria import Criteria, criteria_from_mapping, criterion_specs
from cmr_xl.rules.results_columns import (
    CONVICTION_MARKERS,
    DECISION,
    FACT_COLUMNS,
    RESULT_COLUMNS,
    Column,
)
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.integrity import Extent, check_package, check_sheet_extent
from cmr_xl.workbook.package import MAIN_NS

Rows = list[list[Any]]
#: Where a cell of the Criteria sheet is, as messages name it: (row, col) 0-based -> text.
Place = Callable[[int, int], str]
#: A defined name's single-cell target: Criteria!$C$9, or 'Sheet name'!$C$9 (quote doubled)
CELL_TARGET = re.compile(r"^=?(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!]+))!"
                         r"\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>[0-9]+)$")


class Workbook:
    """The cached values of a workbook's sheets, read once per sheet."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(str(self.path), "does not exist", "Check the path")
        if not zipfile.is_zipfile(self.path):
            with open(self.path, "rb") as handle:
                cut_short = handle.read(4) == b"PK\x03\x04"
            if cut_short:  # the start of a zip without its end (directory)
                raise InputError(str(self.path), "is damaged: the workbook's zip package is cut "
                                 "short (its end is missing, as after an interrupted copy)",
                                 "Copy the workbook again from where it came, or use a backup")
            raise InputError(str(self.path), "is not an .xlsx workbook",
                             "Save it as an Excel workbook (.xlsx) and try again")
        self.sheet_parts = check_package(self.path)
        self._sheets: dict[str, Rows] = {}
        self.extents: dict[str, Extent] = {}
        self._defined: dict[str, str] | None = None
        #: read_results' grid of the Results sheet, by header row (_results_grid).
        self.results_grids: dict[int, _Grid] = {}
        self.sheet_names = self._names()

    def _names(self) -> list[str]:
        try:
            from python_calamine import CalamineWorkbook

            self._calamine = CalamineWorkbook.from_path(str(self.path))
            return list(self._calamine.sheet_names)
        except ImportError:
            self._calamine = None
        except Exception as error:  # noqa: BLE001 - calamine reports damage in many ways
            raise InputError(str(self.path), f"cannot be read as a workbook ({error})",
                             "Open and re-save it in Excel, or start from `cmr-xl new`") from None
        from openpyxl import load_workbook

        self._openpyxl = load_workbook(self.path, read_only=True, data_only=True)
        return list(self._openpyxl.sheetnames)

    def rows(self, sheet: str) -> Rows:
        """The sheet's values from A1, empty cells as None."""
        if sheet not in self.sheet_names:
            raise InputError(
                f"{self.path.name}: sheet '{sheet}'", "is missing (renamed or deleted?)",
                f"Sheets found: {', '.join(self.sheet_names)}. Rename the sheet back to "
                f"'{sheet}', or start from `cmr-xl new`")
        if sheet not in self._sheets:
            self._sheets[sheet] = self._read(sheet)
        return self._sheets[sheet]

    def defined_names(self) -> dict[str, str]:
        """The workbook's defined names (workbook scope) and what they refer to, e.g.
        'crit_felony_11359' -> 'Criteria!$C$9'. Excel and LibreOffice keep a name on its
        cell when the sheet is renamed or rows are inserted above it."""
        if self._defined is None:
            self._defined = {}
            try:
                with zipfile.ZipFile(self.path) as archive:
                    root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
                return self._defined
            for element in root.iter(f"{{{MAIN_NS}}}definedName"):
                name = element.get("name")
                if name and element.get("localSheetId") is None:
                    self._defined[name] = (element.text or "").strip()
        return self._defined

    def named_cell(self, name: str) -> tuple[str, int, int] | None:
        """(sheet, row, col), 0-based, of a defined name that refers to one cell of a sheet
        of this workbook; None when the name is absent, broken (#REF!) or elsewhere."""
        found = CELL_TARGET.match(self.defined_names().get(name, ""))
        if not found:
            return None
        sheet = found["plain"] if found["plain"] is not None else found["quoted"].replace("''", "'")
        if sheet not in self.sheet_names:
            return None
        col = 0
        for letter in found["col"].upper():
            col = col * 26 + ord(letter) - 64
        return sheet, int(found["row"]) - 1, col - 1

    def formula_cells(self, sheet: str) -> dict[str, bool]:
        """Cells of `sheet` holding a formula ('C9' -> whether a value was saved with it)."""
        self.rows(sheet)
        extent = self.extents.get(sheet)
        return extent.formulas if extent else {}

    def _read(self, sheet: str) -> Rows:
        part = self.sheet_parts.get(sheet)
        if part is not None:  # never build a grid that far stray cells make huge
            self.extents[sheet] = check_sheet_extent(self.path, sheet, part)
        if self._calamine is not None:
            try:
                data = self._calamine.get_sheet_by_name(sheet)
            except Exception as error:  # noqa: BLE001 - calamine reports damage in many ways
                raise InputError(L.place(self.path, sheet), f"cannot be read ({error})",
                                 "Open the workbook in Excel and save it again (Excel repairs "
                                 "what it can), or use a backup copy") from None
            top, left = data.start or (0, 0)
            pad = [None] * left
            rows: Rows = [[] for _ in range(top)]
            rows += [pad + [None if v == "" else v for v in row] for row in data.to_python()]
            return rows
        worksheet = self._openpyxl[sheet]
        return [list(row) for row in worksheet.iter_rows(values_only=True)]


def cell_at(rows: Sequence[Sequence[Any]], row: int, col: int) -> Any:
    """A cell's value in rows read from a sheet (None beyond the sheet's values, and for
    row -1, how callers say a key's row was not found: never the sheet's last row)."""
    if 0 <= row < len(rows) and 0 <= col < len(rows[row]):
        return rows[row][col]
    return None


def key_rows(rows: Rows) -> dict[str, int]:
    """Row of each key in the hidden column A (rows move with inserted lines)."""
    found: dict[str, int] = {}
    for number, row in enumerate(rows):
        if row and isinstance(row[0], str) and row[0].strip():
            found.setdefault(row[0].strip(), number)
    return found


def read_criteria(path: str | Path, *, book: Workbook | None = None) -> Criteria:
    """The criteria in the Criteria sheet's value cells; a bad or missing value raises a
    CriteriaError naming the file and cell."""
    book = book or Workbook(path)
    rows = book.rows(L.CRITERIA)
    _saved_values(book, rows)
    return criteria_from_rows(rows, _placer(book.path))


_NUMBER_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"(?![^>]*\bt=")[^>]*>(?:<f\b[^>]*(?:/>|>[^<]*</f>))?'
                          r"<v>([^<]+)</v>")


def _hides_a_number(value: Any) -> bool:
    """Empty, or a time of day where a date was saved: what calamine gives for a date
    serial it cannot show (before 1900)."""
    return value is None or value == "" or isinstance(value, dt_time)


def _saved_values(book: Workbook, rows: Rows) -> None:
    """Each criterion cell as saved, where the reader's value would hide it: a formula with
    no saved value is refused (its value is unknown, never taken as empty), and a number a
    reader cannot show as a date (a serial before 1900, 1e300) is handed on as the number,
    so the parser says it is out of range rather than empty."""
    formulas = book.formula_cells(L.CRITERIA)
    numbers: dict[str, str] | None = None
    place = _placer(book.path)
    for key, row in key_rows(rows).items():
        ref = L.a1(row, L.VALUE_COL)
        if formulas.get(ref) is False:
            raise InputError(place(row, L.VALUE_COL), "holds a formula with no saved value (the "
                             "workbook was last saved by a program that does not calculate), "
                             "so cmr-xl cannot know its value",
                             "Open the workbook in Excel or LibreOffice and save it, or type the "
                             "value itself")
        if _hides_a_number(cell_at(rows, row, L.VALUE_COL)) and key in {
                spec.key for spec in criterion_specs()}:
            if numbers is None:
                part = book.sheet_parts.get(L.CRITERIA)
                with zipfile.ZipFile(book.path) as archive:
                    xml = archive.read(part).decode("utf-8", "replace") if part else ""
                numbers = dict(_NUMBER_CELL.findall(xml))
            if ref in numbers:
                try:
                    value = float(numbers[ref])
                except ValueError:
                    continue
                while len(rows[row]) <= L.VALUE_COL:
                    rows[row].append(None)
                rows[row][L.VALUE_COL] = value


def _placer(path: Path) -> Place:
    return lambda row, col: L.place(path, L.CRITERIA, None if row < 0 else L.a1(row, col))


def criteria_from_rows(rows: Rows, place: Place) -> Criteria:
    """The criteria in a Criteria sheet's rows (found by the keys in column A), whoever
    read the rows: this module from a saved file, or the add-in from Excel. `place`
    names a cell (0-based row, col; row -1 for the sheet) as the messages should."""
    where = key_rows(rows)
    values: dict[str, Any] = {}
    locations: dict[str, str] = {}
    for spec in criterion_specs():
        if spec.key not in where:
            expected = next(c for c in L.criterion_cells() if c.spec.key == spec.key)
            raise InputError(place(expected.row, L.VALUE_COL),
                             f"the row for '{spec.label}' is missing",
                             "Restore it (Undo), or copy the Criteria sheet of `cmr-xl new`")
        row = where[spec.key]
        locations[spec.key] = place(row, L.VALUE_COL)
        values[spec.key] = criterion_value(cell_at(rows, row, L.VALUE_COL), spec.kind)
    return criteria_from_mapping(values, where=place(-1, 0), locations=locations,
                                 name=L.WORKBOOK_CRITERIA)


def criterion_locations(book: Workbook) -> dict[str, tuple[str, int, int]]:
    """Where each criterion's value cell is, as (sheet, row, col), 0-based. The sheet is
    the one named Criteria or, when it was renamed, the one its defined names (crit_KEY)
    now point at: Excel and LibreOffice carry the names along with a sheet's new name. In
    that sheet a criterion's row is found by its key in column A (as `read_criteria`
    finds it), else by its defined name. Criteria found neither way are left out: an
    empty result means no Criteria sheet can be found."""
    named = {cell.spec.key: book.named_cell(cell.name) for cell in L.criterion_cells()}
    sheets = [target[0] for target in named.values() if target is not None]
    sheet = L.CRITERIA if L.CRITERIA in book.sheet_names else (
        max(set(sheets), key=sheets.count) if sheets else None)
    if sheet is None:
        return {}
    where = key_rows(book.rows(sheet))
    found: dict[str, tuple[str, int, int]] = {}
    for spec in criterion_specs():
        target = named[spec.key]
        if spec.key in where:
            found[spec.key] = (sheet, where[spec.key], L.VALUE_COL)
        elif target is not None and target[0] == sheet:
            found[spec.key] = target
    return found


def read_scenarios(path: str | Path, base: Criteria | None = None, *,
                   book: Workbook | None = None) -> list[Criteria]:
    """Named what-if scenarios from the Criteria sheet (see scenarios_from_rows)."""
    book = book or Workbook(path)
    base = base or read_criteria(path, book=book)
    return scenarios_from_rows(book.rows(L.CRITERIA), base, _placer(book.path))


def scenarios_from_rows(rows: Rows, base: Criteria, place: Place) -> list[Criteria]:
    """Named what-if scenarios in a Criteria sheet's rows: each row names a scenario, one
    criterion (by its label) and its new value; rows with the same name combine."""
    by_label = {spec.label.lower(): spec for spec in criterion_specs()}
    changes: dict[str, dict[str, Any]] = {}
    locations: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows):
        if not row or row[0] != L.SCENARIO_KEY:
            continue
        name, label, value = (cell_at(rows, number, c) for c in
                              (L.LABEL_COL, L.VALUE_COL, L.CHECK_COL))
        if name in (None, "") and label in (None, ""):
            continue
        if name in (None, ""):
            raise InputError(place(number, L.LABEL_COL), "a what-if row has no scenario name",
                             "Name the scenario")
        spec = by_label.get(" ".join(str(label or "").split()).lower())
        if spec is None:
            what = (f"the what-if scenario {name!r} names no criterion" if label in (None, "")
                    else f"{label!r} is not a criterion")
            raise InputError(place(number, L.VALUE_COL), what,
                             "Choose the criterion from the dropdown")
        changes.setdefault(str(name), {})[spec.key] = criterion_value(value, spec.kind)
        locations.setdefault(str(name), {})[spec.key] = place(number, L.CHECK_COL)
    return [criteria_from_mapping({**base.as_mapping(), **change}, where=place(-1, 0),
                                  locations=locations[name], name=name)
            for name, change in changes.items()]


def read_about(path: str | Path, *, book: Workbook | None = None) -> dict[str, Any]:
    """The About sheet as {key: value} (input files, county, row accounting...)."""
    book = book or Workbook(path)
    return about_from_rows(book.rows(L.ABOUT))


def about_from_rows(rows: Rows) -> dict[str, Any]:
    """An About sheet's rows as {key: value}, whoever read them (a saved file, the add-in)."""
    return {str(row[L.ABOUT_KEY_COL]): _plain(cell_at(rows, number, L.ABOUT_VALUE_COL))
            for number, row in enumerate(rows)
            if row and isinstance(row[L.ABOUT_KEY_COL], str) and row[L.ABOUT_KEY_COL]}


def _plain(value: Any) -> Any:
    """Whole numbers as int (calamine gives every number as float)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: The labels of the columns that make a Results row a conviction (results_columns).
CONVICTION_LABELS = tuple(c.label for c in RESULT_COLUMNS if c.key in CONVICTION_MARKERS)
#: How far down the Results header may be (a title or notes typed above the table).
HEADER_SEARCH_ROWS = 20
#: What becomes of a clerk's note below the table, as recalc says it.
LEFT_AS_IT_IS = "left as it is"
#: What read_results says of a clerk's note below the table (before what becomes of it).
STRAY_NOTE = "is not a conviction (no code section in its row)"
#: Reads one Results column's cell values (numpy object array) as a typed column.
Typer = Callable[[np.ndarray, Column], pd.Series]


def read_results(path: str | Path, *, book: Workbook | None = None,
                 columns: tuple[Column, ...] = RESULT_COLUMNS, optional: tuple[Column, ...] = (),
                 typed: Typer = typed_column, stray: str = LEFT_AS_IT_IS) -> pd.DataFrame:
    """The one reading of the Results table, for recalc and export alike, so both see the
    same rows. The header is the row among the first HEADER_SEARCH_ROWS with the most
    Results labels (case aside); `columns` must be in it, `optional` ones are read when
    they are. Each conviction row is typed by `typed` (the engine's types, or
    cell_values.shown_column for a copy people read). A row with no code section is a
    clerk's note, not a conviction: skipped and said in attrs["stray_notes"], each
    ending with `stray` (what becomes of it). A formula saved without its value is
    refused by cell. attrs: "sheet_rows" (each row's 0-based sheet row, an array: pandas
    deep-copies attrs), "columns" (key -> 0-based column), "header_row"."""
    book = book or Workbook(path)
    rows = book.rows(L.RESULTS)
    header_row = find_header_row(rows, L.place(book.path, L.RESULTS, "A1"), columns)
    labels = [header_label(v) for v in rows[header_row]]
    positions = column_positions(labels, columns, L.place(book.path, L.RESULTS, header_row + 1))
    found = [c for c in optional if c.key not in positions and c.label.casefold() in labels]
    positions.update({c.key: labels.index(c.label.casefold()) for c in found})
    cells, present, strays, kept = _results_grid(book, header_row, labels)
    sheet_rows = kept + header_row + 1
    check_results_formulas(book, sheet_rows, positions.values())
    frame = pd.DataFrame({column.key: typed(cells[kept, positions[column.key]], column)
                          for column in (*columns, *found)})
    frame.attrs["sheet_rows"] = sheet_rows
    frame.attrs["columns"] = positions
    frame.attrs["header_row"] = header_row
    frame.attrs["stray_notes"] = [
        f"{L.place(book.path, L.RESULTS, L.a1(header_row + 1 + n, col))}: "
        f"{str(cells[n, col])[:60]!r} {STRAY_NOTE}; {stray}"
        for n in strays.tolist() for col in [int(np.flatnonzero(present[n])[0])]]
    return frame


class _Grid(NamedTuple):
    """The Results cells below the header, which are filled, and which rows are notes or
    convictions: the same whatever columns a caller reads (export reads the table twice)."""

    cells: np.ndarray
    present: np.ndarray
    strays: np.ndarray
    kept: np.ndarray


def _results_grid(book: Workbook, header_row: int, labels: list[str]) -> _Grid:
    """The Results grid below `header_row`, built once per workbook read (read-only)."""
    if header_row in book.results_grids:
        return book.results_grids[header_row]
    rows = book.rows(L.RESULTS)
    width, body = len(labels), rows[header_row + 1:]
    cells = (pd.DataFrame([row[:width] + [None] * (width - len(row)) for row in body],
                          dtype=object).to_numpy() if body else np.empty((0, width), dtype=object))
    present = pd.notna(cells) & (cells != "")
    filled = present.any(axis=1)
    strays = np.empty(0, dtype=np.int64)
    markers = [labels.index(m.casefold()) for m in CONVICTION_LABELS if m.casefold() in labels]
    if markers:  # a clerk's note below the table is not a conviction
        conviction = present[:, markers].any(axis=1)
        strays = np.flatnonzero(filled & ~conviction)
        filled &= conviction
    for array in (cells, present, strays):
        array.flags.writeable = False
    grid = _Grid(cells, present, strays, np.flatnonzero(filled))
    grid.kept.flags.writeable = False
    book.results_grids[header_row] = grid
    return grid


def header_label(value: Any) -> str:
    """A header cell as its label is compared: trimmed, case aside."""
    return str(value).strip().casefold() if value is not None else ""


def find_header_row(rows: Sequence[Sequence[Any]], where: str,
                    looked_for: Sequence[Column] = RESULT_COLUMNS) -> int:
    """The row among the first HEADER_SEARCH_ROWS that carries the most Results labels
    (at least 3, case aside): a title or a note may be typed above the table. Shared by
    this reader and the add-in, so a saved workbook and an open one are read alike;
    `where` names the sheet's first cell as the caller's messages do."""
    labels = {c.label.casefold() for c in RESULT_COLUMNS}
    best, best_hits = -1, 0
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len(labels & {header_label(v) for v in row})
        if hits > best_hits:
            best, best_hits = number, hits
    if best_hits < 3:
        raise InputError(where,
                         f"no header row of cmr-xl results in the first {HEADER_SEARCH_ROWS} rows "
                         f"(looked for {', '.join(c.label for c in looked_for[:4])}, ...)",
                         "Restore the header row, or write the workbook again with "
                         "`cmr-xl run ... --workbook`")
    return best


def column_positions(labels: Sequence[str], columns: Sequence[Column], where: str) -> dict[str, int]:
    """Key -> 0-based column of each of `columns` in a header row's labels (header_label);
    a missing one is refused at `where` (the header row, as the caller names it)."""
    positions: dict[str, int] = {}
    for column in columns:
        if column.label.casefold() not in labels:
            raise InputError(where, f"the column '{column.label}' is missing from the header row",
                             "Restore the column header (Undo), or write the workbook again "
                             "with `cmr-xl run ... --workbook`")
        positions[column.key] = list(labels).index(column.label.casefold())
    return positions


def check_results_formulas(book: Workbook, sheet_rows: Any, cols: Any) -> None:
    """A formula typed into a Results cell is read as the value it shows; one saved
    without its value (by a program that does not calculate) is refused by cell."""
    unsaved = [ref for ref, saved in book.formula_cells(L.RESULTS).items() if not saved]
    if not unsaved:
        return
    wanted_rows, wanted_cols = set(int(r) for r in sheet_rows), set(cols)
    for ref in unsaved:
        row, col = xl_cell_to_rowcol(ref)
        if row in wanted_rows and col in wanted_cols:
            raise InputError(L.place(book.path, L.RESULTS, ref),
                             "holds a formula with no saved value, so cmr-xl cannot know the "
                             "fact it stands for", "Open the workbook in Excel or LibreOffice "
                             "and save it, or type the value itself")


def read_decisions(path: str | Path, *, book: Workbook | None = None) -> pd.DataFrame:
    """The DA decision and grounds of every Results row (rows as `read_facts` reads them),
    the decision normalised to the dropdown's word ("" for none). A workbook written
    before these columns existed has no decisions. A decision that is none of the
    dropdown's words is refused by cell."""
    book = book or Workbook(path)
    return decisions_of(read_results(path, book=book, optional=DECISION, columns=tuple(
        c for c in RESULT_COLUMNS if c.label in CONVICTION_LABELS)), book.path)


def decisions_of(read: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The DA decisions of a read_results frame that asked for DECISION (optional), checked
    as read_decisions checks them: recalc reads the table once for facts and decisions."""
    if not all(c.key in read for c in DECISION):
        empty = pd.Series([""] * len(read), dtype=object)
        frame = pd.DataFrame({"da_decision": empty, "da_grounds": empty.copy()})
        frame.attrs = dict(read.attrs)
        return frame
    frame = pd.DataFrame({c.key: read[c.key] for c in DECISION})
    frame.attrs = dict(read.attrs)
    words, bad = da_decision.normalise_all(frame["da_decision"])
    if bad:
        row = int(frame.attrs["sheet_rows"][bad[0]])
        col = frame.attrs["columns"]["da_decision"]
        raise InputError(L.place(path, L.RESULTS, L.a1(row, col)),
                         f"{da_decision.shown(frame['da_decision'].iloc[bad[0]])} is not a DA "
                         f"decision ({len(bad):,} cell(s) like it)", da_decision.dropdown_fix())
    frame["da_decision"] = pd.Series(words, dtype=object)
    frame["da_grounds"] = frame["da_grounds"].astype(object).where(
        frame["da_grounds"].notna(), "")
    return frame


def read_facts(path: str | Path, *, book: Workbook | None = None) -> pd.DataFrame:
    """The facts columns of Results (FACT_COLUMNS), typed as the engine builds them."""
    return read_results(path, book=book, columns=FACT_COLUMNS)


def columns_of(read: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """Some columns of a read_results frame, with its attrs (where its rows and columns
    are), for a caller that read several column sets at once."""
    part = read[[c.key for c in columns]].copy()
    part.attrs = dict(read.attrs)
    return part



"""Scripts (buttons) for the cmr-xl workbook, in every xlwings runtime.

- import_doj_file: read the DOJ file(s) named on the Criteria sheet, determine, fill
  Results (values) and About.
- recalculate: apply the Criteria cells again to the facts already in Results; rewrite
  the Summary (figures, what-if columns, dismissals by reason, criteria as sentences) and
  About (the reader's notes carry over).
- make_live: lay out =CMR_DETERMINE blocks on a Live sheet and point the Results
  determination columns at them, so a criteria edit recalculates without a button.
- freeze_results: turn live determinations back into values (before sending a copy).
- export_court_copies: what `cmr-xl export` writes, one court copy and one AB 1793
  notice per court and summary.pdf (classic add-in: beside the saved
  workbook; xlwings Lite: in /data/court-copies, for download from the Files panel;
  xlwings Server: the task pane's Court copies button, a zip to download).
- export_court_copies_send_pending: the same, with Hand review rows that have no DA
  decision yet sent as pending (`cmr-xl export --send-pending`; on xlwings Server, the
  task pane's "send pending" box).

Each script names the sheets it reads (`include`), so that Office.js sends only those. On
xlwings Server the task pane sends big sheets ahead in pieces under Office.js' ~5 MB
limit (cmr_xl.server, staging.py) and runs the script with the token of those rows
(`staged`) on a workbook sent without values.

Adapters only: cells -> engine -> cells. What the Summary and About sheets say comes from
cmr_xl.workbook.content, as for the workbook writer and `cmr-xl recalc` (one wording, so
that a button and the command line give the same sheets). Every InputError becomes a
message box with the file and line, or sheet and cell, to fix.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw
from xlwings import script

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import serial_from_date
from cmr_xl.rules import da_decision
from cmr_xl.rules.criteria import Criteria, criterion_specs
from cmr_xl.rules.results_columns import (
    DECISION,
    DETERMINATION,
    FACT_COLUMNS,
    RESULT_COLUMNS,
    Column,
)
from cmr_xl.workbook.content import (
    LINE_HEIGHT,
    MANIFEST_AT,
    OUTCOME_HEADER_ROW,
    OUTCOME_ROWS,
    STYLES,
    SUMMARY_VARIABLE_START,
    Cell,
    WorkbookContent,
    about_cells,
    audit_from_about,
    check_related_charges_held,
    row_heights,
    summary_cells,
)
from cmr_xl.workbook.layout import ABOUT_FIRST_ROW, a1, cell_value
from cmr_xl.workbook.reader import (
    about_from_rows,
    cell_at,
    column_positions,
    criteria_from_rows,
    find_header_row,
    header_label,
    key_rows,
    scenarios_from_rows,
)
from cmr_xl.xlwings_app import contract as C
from cmr_xl.xlwings_app import runtime, staging
from cmr_xl.xlwings_app.cells import (
    PACK_SEPARATOR,
    PACKED_FACTS,
    as_rows,
    cells_from_frame,
    facts_block,
    neutralise,
    packed_text,
)
from cmr_xl.xlwings_app.functions import block_bounds, call_bytes

WRITE_ROWS = 5_000  # rows per setValues action
#: Sheets sent ahead of a script on xlwings Server (staging.take_rows), by name.
_STAGED: ContextVar[dict[str, list[list[Any]]] | None] = ContextVar("cmr_xl_staged", default=None)
BOOK_SHEETS = [C.CRITERIA, C.RESULTS, C.SUMMARY, C.ABOUT]


@contextmanager
def staged_rows(token: str) -> Iterator[None]:
    """Scripts read the sheets sent ahead under `token` (xlwings Server) instead of the
    values in the script's payload; no token, no change."""
    rows = staging.take_rows(token) if token else None
    reset = _STAGED.set(rows)
    try:
        yield
    finally:
        _STAGED.reset(reset)


def _reporting(book: xw.Book, action: Callable[[], str], staged: str = "") -> None:
    """Run `action`; show its message, or the InputError naming what to fix."""
    try:
        with staged_rows(staged):
            message = action()
    except InputError as error:
        book.app.alert(str(error), title="cmr-xl: please fix", buttons="ok", mode="critical")
        return
    book.app.alert(message, title="cmr-xl", buttons="ok", mode="info")


@script(include=BOOK_SHEETS)
def import_doj_file(book: xw.Book, upload: str = "", staged: str = "") -> None:
    """Read the DOJ research file(s) named on the Criteria sheet (or uploaded from the
    task pane of xlwings Server) and fill the workbook."""
    _reporting(book, lambda: _import(book, upload), staged)


@script(include=BOOK_SHEETS)
def recalculate(book: xw.Book, staged: str = "") -> None:
    """Apply the Criteria cells to the facts in Results; refresh Summary and About."""
    _reporting(book, lambda: _recalculate(book), staged)


@script(include=[C.RESULTS, C.LIVE])
def make_live(book: xw.Book, staged: str = "") -> None:
    """Let criteria edits recalculate Results at once, through =CMR_DETERMINE blocks."""
    _reporting(book, lambda: _make_live(book), staged)


@script(include=[C.RESULTS])
def freeze_results(book: xw.Book, staged: str = "") -> None:
    """Replace live determination formulas in Results by their values."""
    _reporting(book, lambda: _freeze(book), staged)


@script(include=BOOK_SHEETS)
def export_court_copies(book: xw.Book) -> None:
    """One court copy per court: beside the saved workbook (classic), in /data/court-copies
    (xlwings Lite); on xlwings Server, the task pane's Court copies button."""
    _reporting(book, lambda: _export(book))


@script(include=BOOK_SHEETS)
def export_court_copies_send_pending(book: xw.Book) -> None:
    """Court copies as export_court_copies makes them, with Hand review rows that have
    no DA decision yet sent as pending (`cmr-xl export --send-pending`)."""
    _reporting(book, lambda: _export(book, send_pending=True))


# --- reading the workbook -----------------------------------------------------------------


def _rows(book: xw.Book, sheet: str, converted: bool = False) -> list[Sequence[Any]]:
    """A sheet's values from A1: the rows sent ahead (xlwings Server), else the sheet's."""
    staged = _STAGED.get()
    if staged is not None and sheet in staged:
        return staged[sheet]
    try:
        target = book.sheets[sheet]
    except Exception:  # noqa: BLE001 - each runtime raises its own "no such sheet"
        names = ", ".join(s.name for s in book.sheets)
        raise InputError(f"sheet '{sheet}'", "is missing (renamed or deleted?)",
                         f"Sheets found: {names}. Rename it back to '{sheet}'") from None
    used = target.used_range
    return as_rows(used.value if converted else used.raw_value)


def criteria_place(row: int, col: int) -> str:
    """A Criteria cell as messages name it (Criteria!C13); row -1: the sheet."""
    return C.CRITERIA if row < 0 else f"{C.CRITERIA}!{a1(row, col)}"


def read_criteria(book: xw.Book, rows: list[Sequence[Any]] | None = None
                  ) -> tuple[Criteria, list[Criteria]]:
    """Criteria and named what-if scenarios from the Criteria sheet (`rows`: when already
    read), read as the command line reads a saved workbook; errors name cells
    (Criteria!C13)."""
    rows = [list(row) for row in (_rows(book, C.CRITERIA) if rows is None else rows)]
    criteria = criteria_from_rows(rows, criteria_place)
    return criteria, scenarios_from_rows(rows, criteria, criteria_place)


def _run_settings(rows: list[Sequence[Any]], need_file: bool = True) -> tuple[str, list[str]]:
    """The county and DOJ file path(s) under 'Import settings' (the Criteria sheet's rows)."""
    where = key_rows(rows)
    county = str(cell_at(rows, where.get(C.RUN_COUNTY, -1), C.VALUE_COL) or "").strip()
    files = str(cell_at(rows, where.get(C.RUN_DOJ_FILE, -1), C.VALUE_COL) or "").strip()
    if not county or (need_file and not files):
        row = where.get(C.RUN_DOJ_FILE if county else C.RUN_COUNTY, 0)
        raise InputError(f"{C.CRITERIA}!{a1(row, C.VALUE_COL)}",
                         "the county and the DOJ file path are needed to import",
                         "Fill both cells under 'Import settings'")
    return county, [p.strip() for p in files.split(";") if p.strip()]


@dataclass(frozen=True)
class ResultsTable:
    """The Results sheet's rows and its header row, found as `cmr-xl recalc` finds it in a
    saved workbook (reader.find_header_row: a title may sit above it, labels in any case),
    so that the add-in reads the same table and writes back to the rows it came from."""

    rows: list[Sequence[Any]]
    header_row: int  # 0-based sheet row of the header

    @property
    def header(self) -> Sequence[Any]:
        return self.rows[self.header_row]

    @property
    def body(self) -> list[Sequence[Any]]:
        """The rows under the header (body row i is sheet row header_row + 1 + i)."""
        return self.rows[self.header_row + 1:]

    @property
    def labels(self) -> list[str]:
        """The header's labels as they are compared (reader.header_label)."""
        return [header_label(v) for v in self.header]

    def cols(self, columns: Sequence[Column]) -> dict[str, int]:
        """Key -> 0-based sheet column of each of `columns`; a missing one is refused
        with the saved-workbook reader's message, at the header row."""
        row = self.header_row + 1
        return column_positions(self.labels, columns, f"{C.RESULTS}!{row}:{row}")

    def col(self, column: Column) -> int:
        return self.cols([column])[column.key]


def read_results_table(book: xw.Book, converted: bool = False) -> ResultsTable:
    """The Results sheet, read once per script, with its header row found."""
    rows = _rows(book, C.RESULTS, converted)
    if len(rows) < 2:
        raise InputError(f"{C.RESULTS}!A2", "has no convictions yet", "Import a DOJ file first")
    return ResultsTable(rows, find_header_row(rows, f"{C.RESULTS}!A1", FACT_COLUMNS))


def read_facts(book: xw.Book, table: ResultsTable | None = None) -> pd.DataFrame:
    """The facts of Results (`table`: when already read); attrs["sheet_rows"]: each
    conviction's 0-based sheet row, where its determinations go back."""
    table = read_results_table(book) if table is None else table
    if not table.body:
        row = table.header_row + 2
        raise InputError(f"{C.RESULTS}!A{row}", "has no convictions yet",
                         "Import a DOJ file first")
    table.cols(FACT_COLUMNS)  # a missing column is named as `cmr-xl recalc` names it
    block = facts_block(table.header, table.body)
    facts = block.facts
    facts.attrs["sheet_rows"] = (block.positions + table.header_row + 1).tolist()
    return facts


# --- writing ------------------------------------------------------------------------------


def write_results(book: xw.Book, facts: pd.DataFrame, determinations: pd.DataFrame) -> None:
    """Facts and determinations as values under the Results header, table resized. The
    header stays on the row where it is found (a title above it is kept, and Excel
    resizes a table only with its header row in place); row 1 in a sheet without one."""
    n = len(facts)
    try:
        top = find_header_row(_rows(book, C.RESULTS), f"{C.RESULTS}!A1")
    except InputError:  # an empty sheet: the header goes in row 1
        top = 0
    if top + n + 1 > C.EXCEL_MAX_ROWS:
        raise InputError(C.RESULTS, f"{n:,} convictions do not fit one Excel sheet "
                         f"({C.EXCEL_MAX_ROWS - 1:,} rows)",
                         "Run the county with `cmr-xl run --csv-dir`, or by court")
    sheet = book.sheets[C.RESULTS]
    previous = sheet.used_range.last_cell.row  # from the address: no values needed
    frame = pd.concat([facts.reset_index(drop=True), determinations.reset_index(drop=True)],
                      axis=1)
    for column in DECISION:  # a fresh import: the DA has decided nothing yet
        frame[column.key] = pd.Series([""] * n, dtype=object)
    rows = neutralise(cells_from_frame(frame, RESULT_COLUMNS))
    width = len(RESULT_COLUMNS)
    sheet[top, 0].resize(1, width).raw_value = [[c.label for c in RESULT_COLUMNS]]
    for start in range(0, n, WRITE_ROWS):
        chunk = rows[start:start + WRITE_ROWS]
        sheet[top + 1 + start, 0].resize(len(chunk), width).raw_value = chunk
    end = top + n + 1  # 0-based row under the table
    if previous > end:
        sheet[end, 0].resize(previous - end, width).clear_contents()
    for col, column in enumerate(RESULT_COLUMNS):
        if column.kind == "date" and n:
            sheet[top + 1, col].resize(n, 1).number_format = "yyyy-mm-dd"
    if C.RESULTS_TABLE in [t.name for t in sheet.tables]:
        sheet.tables[C.RESULTS_TABLE].resize(sheet[top, 0].resize(max(n, 1) + 1, width))


def write_determinations(book: xw.Book, determinations: pd.DataFrame, table: ResultsTable,
                         sheet_rows: Sequence[int]) -> None:
    """The determination columns of Results, each conviction's on its own sheet row
    (`sheet_rows`, 0-based, as read_facts found them: under a title, around a gap)."""
    sheet = book.sheets[C.RESULTS]
    rows = neutralise(cells_from_frame(determinations.reset_index(drop=True), DETERMINATION))
    columns = _determination_runs(table)  # never the DA decision
    for top, height, at in _consecutive(list(sheet_rows)):
        for first, width, offset in columns:
            for start in range(0, height, WRITE_ROWS):
                part = rows[at + start:at + min(start + WRITE_ROWS, height)]
                chunk = [r[offset:offset + width] for r in part]
                sheet[top + start, first].resize(len(chunk), width).raw_value = chunk


def _determination_runs(table: ResultsTable) -> list[tuple[int, int, int]]:
    """The DETERMINATION columns as runs of adjacent sheet columns: (first sheet column,
    width, offset in DETERMINATION). Results puts the clerk's DA decision among them."""
    cols = table.cols(DETERMINATION)
    return _consecutive([cols[c.key] for c in DETERMINATION])


def _consecutive(numbers: list[int]) -> list[tuple[int, int, int]]:
    """Consecutive numbers (sheet rows or columns) as runs: (first, length, offset in
    `numbers`), so that each run is written in one go."""
    runs: list[tuple[int, int, int]] = []
    for offset, number in enumerate(numbers):
        if runs and runs[-1][0] + runs[-1][1] == number:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, runs[-1][2])
        else:
            runs.append((number, 1, offset))
    return runs


def read_decisions(table: ResultsTable, sheet_rows: Sequence[int]) -> pd.DataFrame | None:
    """The DA decision and grounds of each conviction row (`sheet_rows`, 0-based, as
    read_facts found them); a decision that is none of the dropdown's words is refused."""
    at = da_decision.decision_columns(table.header)
    if at is None:
        return None
    rows, numbers = table.rows, list(sheet_rows)
    cells = [cell_at(rows, n, at[0]) for n in numbers]
    words, bad = da_decision.normalise_all(cells)
    if bad:
        raise InputError(f"{C.RESULTS}!{a1(numbers[bad[0]], at[0])}",
                         f"{da_decision.shown(cells[bad[0]])} is not a DA decision",
                         da_decision.dropdown_fix())
    grounds = [str(cell_at(rows, n, at[1]) or "") for n in numbers]
    return pd.DataFrame({"da_decision": words, "da_grounds": grounds}, dtype=object)


def write_used(book: xw.Book, criteria: Criteria, rows: list[Sequence[Any]]) -> None:
    """The Criteria sheet's 'Used in the results' column (its Check cells compare);
    `rows`: the Criteria sheet as the script read it."""
    where = key_rows(rows)
    sheet = book.sheets[C.CRITERIA]
    for spec in criterion_specs():
        if spec.key in where:
            sheet[where[spec.key], C.USED_COL].raw_value = _office(cell_value(
                spec, getattr(criteria, spec.key)))


def write_about(book: xw.Book, cells: list[Cell], before: list[Sequence[Any]]) -> None:
    """The About rows (content.about_cells: the same keys, labels and values as the
    workbook writer and `cmr-xl recalc` write, the reader's notes included), dates as
    dates, notes wrapped in rows tall enough; rows left over from a longer About
    (`before`: the About sheet as the script read it) are cleared."""
    sheet = book.sheets[C.ABOUT]
    body = [c for c in cells if c.row >= ABOUT_FIRST_ROW]
    height = max(c.row for c in body) - ABOUT_FIRST_ROW + 1
    grid: list[list[Any]] = [[""] * 3 for _ in range(height)]
    for cell in body:
        grid[cell.row - ABOUT_FIRST_ROW][cell.col] = _office(cell.value)
    sheet[ABOUT_FIRST_ROW, 0].resize(height, 3).raw_value = neutralise(grid)
    values = sheet[ABOUT_FIRST_ROW, C.ABOUT_VALUE_COL].resize(height, 1)
    values.number_format = "General"  # rows move when inputs or notes differ
    values.wrap_text = False
    for cell in body:
        if cell.col == C.ABOUT_VALUE_COL and cell.style in ("date", "wrapped"):
            target = sheet[cell.row, cell.col]
            if cell.style == "date":
                target.number_format = "yyyy-mm-dd"
            else:
                target.wrap_text = True
    heights = row_heights(body)
    was_tall = [n for n, r in enumerate(before) if r and str(r[C.ABOUT_KEY_COL]).startswith(
        "note.")]
    for row in sorted(set(was_tall) | set(heights)):
        sheet[row, 0].row_height = heights.get(row, LINE_HEIGHT)
    if len(before) > height + ABOUT_FIRST_ROW:
        sheet[height + ABOUT_FIRST_ROW, 0].resize(len(before) - height - ABOUT_FIRST_ROW,
                                                  3).clear_contents()


def _office(value: Any) -> Any:
    """A value as a cell takes it: dates as serial numbers, nothing as empty."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return ""
    if isinstance(value, date):  # a datetime too
        return float(serial_from_date(value))
    return value


def refresh_summary(book: xw.Book, content: WorkbookContent) -> None:
    """Rewrite the Summary as the workbook writer lays it out (content.summary_cells, the
    cells `cmr-xl recalc` writes): figures as formulas, what-if columns, dismissals by
    reason and the criteria in force as sentences. Cells the old Summary had beyond the
    new one are emptied; the what-if columns and the variable part get their styles
    again, since their size changes with the criteria."""
    sheet = book.sheets[C.SUMMARY]
    rows = _rows(book, C.SUMMARY)
    old = _manifest(rows)
    old_rows = len(rows)
    cells = summary_cells(content)
    body = [c for c in cells if (c.row, c.col) != MANIFEST_AT]
    what_if = old.get("what_if", {})
    old_width = what_if.get("first_col", 2) + what_if.get("columns", 1)
    width = max(max(c.col for c in body) + 1, old_width)
    last = max(max(c.row for c in body), old.get("variable", {}).get("last_row", 0),
               old_rows - 1)
    grid: list[list[Any]] = [[""] * width for _ in range(last + 1)]
    for cell in body:  # text is never taken for a formula (a scenario name may start "=")
        grid[cell.row][cell.col] = (cell.formula if cell.formula is not None
                                    else neutralise([[_office(cell.value)]])[0][0])
    sheet[0, 0].resize(len(grid), width).formula = grid
    manifest = next(c for c in cells if (c.row, c.col) == MANIFEST_AT)
    sheet[C.MANIFEST_CELL].raw_value = manifest.value
    _restyle(sheet, body, width, last)


def _manifest(rows: list[Sequence[Any]]) -> dict[str, Any]:
    raw = cell_at(rows, *MANIFEST_AT)  # Summary!AA1
    try:
        found = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _restyle(sheet: Any, cells: list[Cell], width: int, last: int) -> None:
    """Formats of the Summary regions whose size changes: the what-if columns (from the
    third column of the outcome table) and everything from SUMMARY_VARIABLE_START down."""
    outcome_last = OUTCOME_HEADER_ROW + len(OUTCOME_ROWS)
    sheet[OUTCOME_HEADER_ROW, 2].resize(outcome_last - OUTCOME_HEADER_ROW + 1,
                                        width - 2).clear_formats()
    if last >= SUMMARY_VARIABLE_START:
        sheet[SUMMARY_VARIABLE_START, 0].resize(last - SUMMARY_VARIABLE_START + 1,
                                                width).clear_formats()
    restyled = [c for c in cells if c.row >= SUMMARY_VARIABLE_START or (
        OUTCOME_HEADER_ROW <= c.row <= outcome_last and c.col >= 2)]
    for style, row, col, rows, cols in _runs(restyled):
        _style(sheet[row, col].resize(rows, cols), STYLES[style])


def _runs(cells: list[Cell]) -> list[tuple[str, int, int, int, int]]:
    """Cells grouped in blocks of one style, (style, first row, first col, rows, cols):
    runs down a column first, then side by side runs of the same rows, so that each
    block is styled in one go."""
    columns: list[tuple[str, int, int, int]] = []  # style, col, first row, rows
    for cell in sorted(cells, key=lambda c: (c.col, c.row)):
        if not STYLES.get(cell.style):
            continue
        if columns and columns[-1][:2] == (cell.style, cell.col) and (
                columns[-1][2] + columns[-1][3] == cell.row):
            style, col, first, count = columns[-1]
            columns[-1] = (style, col, first, count + 1)
        else:
            columns.append((cell.style, cell.col, cell.row, 1))
    blocks: list[tuple[str, int, int, int, int]] = []
    for style, col, first, count in sorted(columns, key=lambda r: (r[0], r[2], r[3], r[1])):
        if blocks and blocks[-1][0] == style and blocks[-1][1] == first and (
                blocks[-1][3] == count and blocks[-1][2] + blocks[-1][4] == col):
            blocks[-1] = (*blocks[-1][:4], blocks[-1][4] + 1)
        else:
            blocks.append((style, first, col, count, 1))
    return blocks


def _style(target: Any, props: dict[str, Any]) -> None:
    """A content.STYLES entry on a range, with what every xlwings runtime can set;
    cosmetic, so a runtime that lacks one (older xlwings) is not an error."""
    setters: list[Callable[[], None]] = []
    if "bold" in props:
        setters.append(lambda: setattr(target.font, "bold", props["bold"]))
    if "italic" in props:
        setters.append(lambda: setattr(target.font, "italic", props["italic"]))
    if "font_size" in props:
        setters.append(lambda: setattr(target.font, "size", props["font_size"]))
    if "font_color" in props:
        setters.append(lambda: setattr(target.font, "color", props["font_color"]))
    if "bg_color" in props:
        setters.append(lambda: setattr(target, "color", props["bg_color"]))
    if "num_format" in props:
        setters.append(lambda: setattr(target, "number_format", props["num_format"]))
    if props.get("text_wrap"):
        setters.append(lambda: setattr(target, "wrap_text", True))
    if props.get("border"):
        setters.append(lambda: setattr(target.borders, "line_style", "continuous"))
    for setter in setters:
        try:
            setter()
        except (AttributeError, NotImplementedError):
            pass


# --- the scripts' work ----------------------------------------------------------------------


def _show(book: xw.Book, content: WorkbookContent, criteria_rows: list[Sequence[Any]],
          about_rows: list[Sequence[Any]]) -> None:
    """What follows new determinations: the criteria they used, the Summary, About
    (`criteria_rows`, `about_rows`: those sheets as the script read them)."""
    write_used(book, content.criteria, criteria_rows)
    refresh_summary(book, content)
    write_about(book, about_cells(content), about_rows)


def _import(book: xw.Book, upload: str = "") -> str:
    from cmr_xl.engine.pipeline import run
    from cmr_xl.workbook.writer import content_from_result

    criteria_rows = _rows(book, C.CRITERIA)  # read once: settings, criteria, 'Used'
    county, paths = _run_settings(criteria_rows, need_file=not upload)
    criteria, scenarios = read_criteria(book, criteria_rows)
    if upload:  # xlwings Server: the file the clerk picked in the task pane
        paths = [str(staging.uploaded(upload))]
    elif runtime.is_lite():  # Lite's Files panel: /data/NAME, or just NAME
        paths = [p if Path(p).is_absolute() else str(runtime.LITE_DATA / p) for p in paths]
    for path in paths:
        if not Path(path).is_file():
            raise InputError(path, "does not exist here", _where_files_are())
    try:
        result = run(paths, county, criteria, scenarios)
    finally:
        if upload:
            staging.discard(upload)
    content = replace(content_from_result(result),
                      computed_by=f"cmr-xl {__version__} (add-in import)")
    write_results(book, content.facts, content.determinations)
    _show(book, content, criteria_rows, _rows(book, C.ABOUT))
    return (f"Imported {len(content.facts):,} convictions of {result.county} county; "
            f"{result.summary['chosen']['determinations']}")


def _recalculate(book: xw.Book) -> str:
    from cmr_xl.engine.pipeline import redetermine

    criteria_rows = _rows(book, C.CRITERIA)  # each sheet read once
    criteria, scenarios = read_criteria(book, criteria_rows)
    results = read_results_table(book)  # read once: facts, DA decisions and header
    facts = read_facts(book, results)
    about_rows = _rows(book, C.ABOUT)
    about = about_from_rows([list(row) for row in about_rows])
    county = str(about.get("county") or "")
    related = key_rows(criteria_rows).get("related_charges", -1)
    check_related_charges_held(criteria, about, criteria_place(related, C.VALUE_COL))
    audit = audit_from_about(about)
    determinations, summary = redetermine(facts, criteria, scenarios, county=county,
                                          accounting=audit["rows"] or None,
                                          decisions=read_decisions(results,
                                                                   facts.attrs["sheet_rows"]))
    content = WorkbookContent(
        county=county, criteria=criteria, facts=facts, determinations=determinations,
        summary=summary, scenarios=scenarios, audit=audit,
        computed_by=f"cmr-xl {__version__} (add-in recalculate)")
    write_determinations(book, determinations, results, facts.attrs["sheet_rows"])
    _show(book, content, criteria_rows, about_rows)
    return f"Recalculated {len(facts):,} convictions: {summary['chosen']['determinations']}"


def live_formula(first: int, last: int, name: str = "CMR_DETERMINE",
                 decisions: tuple[str, str] | None = None, header: int = 1) -> str:
    """=CMR_DETERMINE over the Live sheet's packed facts of rows first..last (1-based);
    `name` as the runtime registers it (runtime.function_name: CMR.CMR_DETERMINE on
    xlwings Server). `decisions`: the Results column letters of DA decision and DA
    grounds, passed for the same rows (the columns argument left "" for all), so that
    the Final outcome follows the DA as `cmr-xl recalc` makes it. `header`: the 1-based
    row of the packed header (the Live sheet's rows are Results' rows)."""
    packed = a1(0, C.LIVE_PACKED_COL).rstrip("1")
    top = C.CRITERIA_FIRST_ROW
    bottom = top + len(criterion_specs()) - 1
    decided = "" if decisions is None else (
        f',"",{C.RESULTS}!${decisions[0]}${first}:${decisions[1]}${last}')
    return (f"={name}({C.LIVE}!${packed}${first}:${packed}${last},"
            f"{C.CRITERIA}!$A${top}:$C${bottom},{C.LIVE}!${packed}${header}{decided})")


def _decision_letters(table: ResultsTable, at: tuple[int, int] | None) -> tuple[str, str] | None:
    """Results' DA decision and DA grounds columns (`at`: their sheet columns, side by
    side, as the writer puts them), or None for a workbook written before them."""
    if at is None:
        return None
    first, second = at
    if second != first + 1:
        raise InputError(f"{C.RESULTS}!{a1(table.header_row, first)}",
                         "'DA decision' and 'DA grounds' are not side by side",
                         "Move 'DA grounds' right of 'DA decision', then run make_live again")
    return a1(0, first).rstrip("1"), a1(0, second).rstrip("1")


def pack_formulas(table: ResultsTable, cols: dict[str, int]) -> tuple[str, str]:
    """Excel formulas joining a Results row's engine facts (`cols`: table.cols(PACKED_FACTS))
    into one cell (and the header the same way): one argument per conviction instead of
    35, and Excel keeps them up to date when a fact is edited. Yes/no facts go through
    N() (TRUE -> 1), which reads the same in every Excel language; dates and counts are
    whole numbers."""
    letters = [(column, a1(0, cols[column.key]).rstrip("1")) for column in PACKED_FACTS]
    joiner = f'&"{PACK_SEPARATOR}"&'
    at = table.header_row + 1
    header = "=" + joiner.join(f"{C.RESULTS}!${letter}${at}" for _, letter in letters)
    cells = [f"INDEX({C.RESULTS}!${letter}:${letter},ROW())" for _, letter in letters]
    row = "=" + joiner.join(f"N({cell})" if column.kind == "bool" else cell
                            for (column, _), cell in zip(letters, cells, strict=True))
    return header, row


def _make_live(book: xw.Book) -> str:
    """The Live sheet's rows are Results' rows (its header on Results' header row), so
    that each Results row's formulas read the Live row of the same number."""
    table = read_results_table(book)  # read once: the facts and the packed cells
    facts = read_facts(book, table)
    cols = table.cols(DETERMINATION)  # a missing column is refused before anything is written
    top = table.header_row + 1  # 0-based sheet row of the first conviction
    found = facts.attrs["sheet_rows"]
    if found and found[-1] != top + len(found) - 1:  # the blocks address sheet rows: no gaps
        gap = top + next(i for i, row in enumerate(found) if row != top + i) + 1
        raise InputError(f"{C.RESULTS}!A{gap}", "is an empty row among the convictions",
                         "Delete the empty rows (or sort the table), then run make_live again")
    body = table.body[:len(facts)]
    answers = [cols[c.key] for c in DETERMINATION]
    # Each row's packed facts go in and its result comes back: both count towards a call.
    packed = table.cols(PACKED_FACTS)
    fact_columns = [packed[column.key] for column in PACKED_FACTS]
    at = da_decision.decision_columns(table.header)
    letters = _decision_letters(table, at)
    decided = list(at or ())
    sizes = call_bytes([[packed_text([row[i] for i in fact_columns])] + [row[i] for i in decided]
                        for row in body],
                       [[row[i] for i in answers] for row in body])
    bounds = block_bounds(facts["person_id"].tolist(), sizes)
    if C.LIVE not in [s.name for s in book.sheets]:
        book.sheets.add(C.LIVE, after=book.sheets[C.RESULTS])
    live = book.sheets[C.LIVE]
    live.clear_contents()
    live[top - 1, 0].resize(1, len(DETERMINATION)).raw_value = [[c.label for c in DETERMINATION]]
    header_formula, row_formula = pack_formulas(table, packed)
    live[top - 1, C.LIVE_PACKED_COL].formula = header_formula
    live[top, C.LIVE_PACKED_COL].resize(len(facts), 1).formula = row_formula
    name = runtime.function_name("CMR_DETERMINE")
    for start, end in bounds:  # formula2: a dynamic array that spills (classic Excel too)
        live[top + start, 0].formula2 = live_formula(top + start + 1, top + end, name, letters,
                                                     header=top)
    results = book.sheets[C.RESULTS]
    for offset, column in enumerate(DETERMINATION):
        letter = a1(0, offset).rstrip("1")
        formula = f"=INDEX({C.LIVE}!${letter}:${letter},ROW())"
        results[top, cols[column.key]].resize(len(facts), 1).formula = formula
    return (f"Live: {len(bounds)} ={name} block(s) of at most "
            f"{max(e - s for s, e in bounds):,} rows; criteria edits now recalculate Results. "
            "Run 'freeze_results' before sending the workbook to anyone without the add-in.")


def _freeze(book: xw.Book) -> str:
    results = book.sheets[C.RESULTS]
    table = read_results_table(book, converted=True)
    for first, width, _ in _determination_runs(table):
        values = [list(r[first:first + width]) for r in table.body]
        for start in range(0, len(values), WRITE_ROWS):
            chunk = values[start:start + WRITE_ROWS]
            results[table.header_row + 1 + start, first].resize(len(chunk), width).value = chunk
    return f"Froze {len(table.body):,} rows of determinations as values."


def _where_files_are() -> str:
    if runtime.is_lite():
        return ("Add the DOJ file in xlwings Lite's Files panel; Python sees it under /data. "
                "Write its name (or /data/NAME) under 'Import settings'")
    if runtime.on_server():
        return ("Use 'Import DOJ file' in the cmr-xl task pane: it sends the file from your "
                "PC to the county server")
    return "Check the path under 'Import settings' on the Criteria sheet"


def values_workbook(book: xw.Book, target: Path) -> Path:
    """The four cmr-xl sheets of `book` as values in a new .xlsx file (xlwings Lite has no
    file of the open workbook; court copies are made from this one)."""
    from openpyxl import Workbook

    copy = Workbook()
    copy.remove(copy.active)
    for name in BOOK_SHEETS:
        sheet = copy.create_sheet(name)
        for row in _rows(book, name):  # as sent: dates as serial numbers or ISO text
            sheet.append([None if value == "" else value for value in row])
    copy.save(target)
    return target


def _export(book: xw.Book, send_pending: bool = False) -> str:
    if runtime.on_server():
        raise InputError("Court copies", "are made from the workbook file",
                         "Use 'Court copies' in the cmr-xl task pane: it sends the workbook "
                         "and gives you a zip of the copies to download")
    notes: list[str] = []
    if runtime.is_lite():
        out = runtime.LITE_DATA / "court-copies"
        with tempfile.TemporaryDirectory() as scratch:
            source = values_workbook(book, Path(scratch) / Path(book.name).with_suffix(
                ".xlsx").name)
            written = _court_copies()(source, out, send_pending=send_pending, notes=notes)
        return (f"{_written(written, out)}: download them from xlwings Lite's Files panel"
                + "".join(f"\nNote: {note}" for note in notes))
    path = Path(book.fullname)
    if not path.is_file():
        raise InputError(book.name, "is not a saved file this Python can read",
                         "Save the workbook, then run `cmr-xl export BOOK.xlsx --out DIR`")
    out = path.parent / "court-copies"
    written = _court_copies()(path, out, send_pending=send_pending, notes=notes)
    return _written(written, out) + "".join(f"\nNote: {note}" for note in notes)


def _written(paths: list[Path], out: Path) -> str:
    """'Wrote 2 court copies, 2 AB 1793 notices and summary.pdf to OUT'."""
    from cmr_xl.workbook.court_copies import FILE_PREFIX
    from cmr_xl.workbook.notices import NOTICE_PREFIX

    copies = sum(p.name.startswith(FILE_PREFIX) for p in paths)
    notices = sum(p.name.startswith(NOTICE_PREFIX) for p in paths)
    parts = [f"{copies} court cop{'y' if copies == 1 else 'ies'}"]
    if notices:
        parts.append(f"{notices} AB 1793 notice{'' if notices == 1 else 's'}")
    parts += [p.name for p in paths if p.suffix == ".pdf"]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"Wrote {listed} to {out}"


def _court_copies() -> Callable[..., list[Path]]:
    """What `cmr-xl export` writes: court copies, AB 1793 notices and summary.pdf
    (imported when a script makes them, as the server's Court copies route does)."""
    from cmr_xl.workbook.court_copies import export_for_courts

    return export_for_courts


CLASSIC = {"import_doj_file": _import, "recalculate": _recalculate, "make_live": _make_live,
           "freeze_results": _freeze, "export_court_copies": _export,
           "export_court_copies_send_pending": lambda book: _export(book, send_pending=True)}


def run_classic(name: str) -> None:
    """Entry point for the classic Windows add-in's ribbon (VBA RunPython), where the
    workbook is the caller rather than an injected argument."""
    book = xw.Book.caller()
    _reporting(book, lambda: CLASSIC[name](book))

"""Scripts (buttons) for the cmr-xl workbook, in every xlwings runtime.

- import_doj_file: read the DOJ file(s) named on the Criteria sheet, determine, fill
  Results (values) and About.
- recalculate: apply the Criteria cells again to the facts already in Results.
- make_live: lay out =CMR_DETERMINE blocks on a Live sheet and point the Results
  determination columns at them, so a criteria edit recalculates without a button.
- freeze_results: turn live determinations back into values (before sending a copy).
- export_court_copies: one court copy per court (classic add-in, saved workbook).

Adapters only: cells -> engine -> cells. Every InputError becomes a message box with the
file and line, or sheet and cell, to fix.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlwings as xw
from xlwings import script

from cmr_xl import __version__
from cmr_xl.engine.criteria import Criteria, criterion_specs
from cmr_xl.engine.errors import InputError
from cmr_xl.engine.results_columns import DETERMINATION, FACT_COLUMNS, RESULT_COLUMNS
from cmr_xl.xlwings_app import contract as C
from cmr_xl.xlwings_app.cells import (
    EXCEL_EPOCH,
    as_rows,
    cells_from_frame,
    criteria_from_cells,
    criterion_value,
    facts_from_cells,
    neutralise,
)
from cmr_xl.xlwings_app.functions import block_bounds, row_bytes

WRITE_ROWS = 5_000  # rows per setValues action


def _reporting(book: xw.Book, action: Callable[[], str]) -> None:
    """Run `action`; show its message, or the InputError naming what to fix."""
    try:
        message = action()
    except InputError as error:
        book.app.alert(str(error), title="cmr-xl: please fix", buttons="ok", mode="critical")
        return
    book.app.alert(message, title="cmr-xl", buttons="ok", mode="info")


@script
def import_doj_file(book: xw.Book) -> None:
    """Read the DOJ research file(s) named on the Criteria sheet and fill the workbook."""
    _reporting(book, lambda: _import(book))


@script
def recalculate(book: xw.Book) -> None:
    """Apply the Criteria cells to the facts in Results; refresh Summary and About."""
    _reporting(book, lambda: _recalculate(book))


@script
def make_live(book: xw.Book) -> None:
    """Let criteria edits recalculate Results at once, through =CMR_DETERMINE blocks."""
    _reporting(book, lambda: _make_live(book))


@script
def freeze_results(book: xw.Book) -> None:
    """Replace live determination formulas in Results by their values."""
    _reporting(book, lambda: _freeze(book))


@script
def export_court_copies(book: xw.Book) -> None:
    """Write one court copy per court beside the saved workbook."""
    _reporting(book, lambda: _export(book))


# --- reading the workbook -----------------------------------------------------------------


def _rows(book: xw.Book, sheet: str) -> list[Sequence[Any]]:
    try:
        target = book.sheets[sheet]
    except Exception:  # noqa: BLE001 - each runtime raises its own "no such sheet"
        names = ", ".join(s.name for s in book.sheets)
        raise InputError(f"sheet '{sheet}'", "is missing (renamed or deleted?)",
                         f"Sheets found: {names}. Rename it back to '{sheet}'") from None
    return as_rows(target.used_range.raw_value)


def _keyed(rows: list[Sequence[Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, row in enumerate(rows):
        if row and isinstance(row[C.KEY_COL], str) and row[C.KEY_COL].strip():
            found.setdefault(row[C.KEY_COL].strip(), number)
    return found


def _cell(rows: list[Sequence[Any]], row: int, col: int) -> Any:
    return rows[row][col] if row < len(rows) and col < len(rows[row]) else None


def read_criteria(book: xw.Book) -> tuple[Criteria, list[Criteria]]:
    """Criteria and named what-if scenarios from the Criteria sheet; errors name cells."""
    rows = _rows(book, C.CRITERIA)
    where = _keyed(rows)
    block, places = [], {}
    for spec in criterion_specs():
        if spec.key not in where:
            raise InputError(f"{C.CRITERIA}!A", f"the row for '{spec.label}' is missing",
                             "Restore it from a fresh template")
        row = where[spec.key]
        block.append([spec.key, _cell(rows, row, C.VALUE_COL)])
        places[spec.key] = f"{C.CRITERIA}!{_a1(row, C.VALUE_COL)}"
    criteria = criteria_from_cells(block, where=places)
    by_label = {s.label.lower(): s for s in criterion_specs()}
    changes: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows):
        if not row or row[C.KEY_COL] != C.SCENARIO_KEY:
            continue
        name, label, value = (_cell(rows, number, c) for c in
                              (C.LABEL_COL, C.VALUE_COL, C.CHECK_COL))
        if name in (None, "") and label in (None, ""):
            continue
        spec = by_label.get(str(label or "").strip().lower())
        if spec is None or name in (None, ""):
            raise InputError(f"{C.CRITERIA}!{_a1(number, C.VALUE_COL)}",
                             "a what-if row needs a name and a criterion from the dropdown", "")
        changes.setdefault(str(name), {})[spec.key] = criterion_value(value, spec.kind)
    scenarios = [criteria.with_changes(name=name, **change) for name, change in changes.items()]
    return criteria, scenarios


def _run_settings(book: xw.Book) -> tuple[str, list[str]]:
    rows = _rows(book, C.CRITERIA)
    where = _keyed(rows)
    county = str(_cell(rows, where.get(C.RUN_COUNTY, -1), C.VALUE_COL) or "").strip()
    files = str(_cell(rows, where.get(C.RUN_DOJ_FILE, -1), C.VALUE_COL) or "").strip()
    if not county or not files:
        row = where.get(C.RUN_DOJ_FILE if county else C.RUN_COUNTY, 0)
        raise InputError(f"{C.CRITERIA}!{_a1(row, C.VALUE_COL)}",
                         "the county and the DOJ file path are needed to import",
                         "Fill both cells under 'Import settings'")
    return county, [p.strip() for p in files.split(";") if p.strip()]


def _a1(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def read_facts(book: xw.Book) -> pd.DataFrame:
    rows = _rows(book, C.RESULTS)
    if len(rows) < 2:
        raise InputError(f"{C.RESULTS}!A2", "has no convictions yet", "Import a DOJ file first")
    return facts_from_cells(rows[0], rows[1:])


# --- writing ------------------------------------------------------------------------------


def write_results(book: xw.Book, facts: pd.DataFrame, determinations: pd.DataFrame) -> None:
    """Facts and determinations as values under the Results header, table resized."""
    n = len(facts)
    if n + 1 > C.EXCEL_MAX_ROWS:
        raise InputError(C.RESULTS, f"{n:,} convictions do not fit one Excel sheet "
                         f"({C.EXCEL_MAX_ROWS - 1:,} rows)",
                         "Run the county with `cmr-xl run --csv-dir`, or by court")
    sheet = book.sheets[C.RESULTS]
    previous = len(as_rows(sheet.used_range.raw_value))
    frame = pd.concat([facts.reset_index(drop=True), determinations.reset_index(drop=True)],
                      axis=1)
    rows = neutralise(cells_from_frame(frame, RESULT_COLUMNS))
    width = len(RESULT_COLUMNS)
    sheet[0, 0].resize(1, width).raw_value = [[c.label for c in RESULT_COLUMNS]]
    for start in range(0, n, WRITE_ROWS):
        chunk = rows[start:start + WRITE_ROWS]
        sheet[start + 1, 0].resize(len(chunk), width).raw_value = chunk
    if previous > n + 1:
        sheet[n + 1, 0].resize(previous - n - 1, width).clear_contents()
    for col, column in enumerate(RESULT_COLUMNS):
        if column.kind == "date" and n:
            sheet[1, col].resize(n, 1).number_format = "yyyy-mm-dd"
    if C.RESULTS_TABLE in [t.name for t in sheet.tables]:
        sheet.tables[C.RESULTS_TABLE].resize(sheet[0, 0].resize(max(n, 1) + 1, width))


def write_determinations(book: xw.Book, determinations: pd.DataFrame) -> None:
    sheet = book.sheets[C.RESULTS]
    header = list(as_rows(sheet[0, 0].resize(1, len(RESULT_COLUMNS)).raw_value)[0])
    first = header.index(DETERMINATION[0].label)
    rows = neutralise(cells_from_frame(determinations.reset_index(drop=True), DETERMINATION))
    for start in range(0, len(rows), WRITE_ROWS):
        chunk = rows[start:start + WRITE_ROWS]
        sheet[start + 1, first].resize(len(chunk), len(DETERMINATION)).raw_value = chunk


def write_used(book: xw.Book, criteria: Criteria) -> None:
    """The Criteria sheet's 'Used in the results' column (its Check cells compare)."""
    rows = _rows(book, C.CRITERIA)
    where = _keyed(rows)
    sheet = book.sheets[C.CRITERIA]
    for spec in criterion_specs():
        if spec.key in where:
            sheet[where[spec.key], C.USED_COL].raw_value = _cell_value(spec, getattr(
                criteria, spec.key))


def _cell_value(spec: Any, value: Any) -> Any:
    if spec.kind == "switch":
        return "yes" if value else "no"
    if spec.kind == "date":
        return float((value - EXCEL_EPOCH.date()).days)
    if spec.kind == "overrides":
        return "; ".join(f"{s}={a}" for s, a in value)
    return spec.choices[value] if spec.choices else value


def write_about(book: xw.Book, entries: list[tuple[str, str, Any]]) -> None:
    sheet = book.sheets[C.ABOUT]
    old = len(as_rows(sheet.used_range.raw_value))
    rows = [[key, label, value] for key, label, value in entries]
    sheet[2, 0].resize(len(rows), 3).raw_value = neutralise(rows)
    if old > len(rows) + 2:
        sheet[len(rows) + 2, 0].resize(old - len(rows) - 2, 3).clear_contents()


def about_entries(county: str, criteria: Criteria, scenarios: list[Criteria],
                  audit: dict[str, Any], computed_by: str) -> list[tuple[str, str, Any]]:
    """The About rows, with the keys the workbook writer uses (court copies read them)."""
    entries: list[tuple[str, str, Any]] = [
        ("cmr_xl_version", "cmr-xl version", __version__),
        ("county", "County", county),
        ("as_of", "Eligibility as of", criteria.as_of.isoformat()),
        ("computed_at", "Determinations computed (UTC)",
         datetime.now(UTC).isoformat(timespec="seconds")),
        ("computed_by", "Computed by", computed_by),
        ("run.started", "DOJ file read (UTC)", audit.get("started", "")),
        ("run.seconds", "Run time (seconds)", audit.get("seconds", "")),
        ("inputs", "Input files", len(audit.get("inputs") or [])),
    ]
    for number, info in enumerate(audit.get("inputs") or [], start=1):
        entries += [(f"input.{number}.{k}", f"Input file {number}: {k.replace('_', ' ')}", v)
                    for k, v in info.items()]
    entries += [(f"rows.{k}", f"Rows: {k.replace('_', ' ')}", v)
                for k, v in (audit.get("rows") or {}).items() if isinstance(v, (int, float, str))]
    entries.append(("criteria_name", "Criteria", criteria.name))
    entries += [(f"criteria.{s.key}", f"Criterion: {s.label}",
                 _cell_value(s, getattr(criteria, s.key))) for s in criterion_specs()]
    for number, scenario in enumerate(scenarios, start=1):
        changes = {k: v for k, v in scenario.as_mapping().items()
                   if v != criteria.as_mapping()[k]}
        entries.append((f"scenario.{number}", f"What-if scenario: {scenario.name}",
                        "; ".join(f"{k}={v}" for k, v in changes.items())))
    return entries


def _about(book: xw.Book) -> dict[str, Any]:
    rows = _rows(book, C.ABOUT)
    return {str(r[C.ABOUT_KEY_COL]): _cell(rows, n, C.ABOUT_VALUE_COL)
            for n, r in enumerate(rows) if r and isinstance(r[C.ABOUT_KEY_COL], str)}


def refresh_summary(book: xw.Book, summary: dict[str, Any], scenarios: list[Criteria]) -> None:
    """The values cmr-xl computes on the Summary (what-if columns), found through the
    manifest the writer left in Summary!AA1; formulas update themselves."""
    sheet = book.sheets[C.SUMMARY]
    raw = sheet[C.MANIFEST_CELL].value
    if not raw:
        return
    manifest = json.loads(raw)
    what_if = manifest["what_if"]
    columns = [("Dismiss all Prop 64", ["dismiss_all_prop64"])] + [
        (s.name, ["scenarios", s.name]) for s in scenarios]
    header, first = what_if["header_row"], what_if["first_col"]
    for offset, (name, prefix) in enumerate(columns):
        col = first + offset
        sheet[header, col].raw_value = name
        for row, path in what_if["rows"]:
            sheet[row, col].raw_value = _lookup(summary, [*prefix, *path])
    stale = what_if.get("columns", len(columns)) - len(columns)
    if stale > 0:
        last_row = max(row for row, _ in what_if["rows"])
        sheet[header, first + len(columns)].resize(last_row - header + 1, stale).clear_contents()
    what_if["columns"] = len(columns)
    sheet[C.MANIFEST_CELL].raw_value = json.dumps(manifest)


def _lookup(summary: dict[str, Any], path: list[str]) -> Any:
    value: Any = summary
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return ""
        value = value[part]
    return value


# --- the scripts' work ----------------------------------------------------------------------


def _import(book: xw.Book) -> str:
    from cmr_xl.engine.pipeline import run

    county, paths = _run_settings(book)
    criteria, scenarios = read_criteria(book)
    for path in paths:
        if not Path(path).exists():
            raise InputError(path, "does not exist here", "In xlwings Lite, use `cmr-xl run` "
                             "instead: Python in the browser cannot read files on the PC")
    result = run(paths, county, criteria, scenarios)
    shown = result.shown().to_numpy()  # related charges only when the office reviews them
    write_results(book, result.facts[shown].reset_index(drop=True),
                  result.determinations[shown].reset_index(drop=True))
    write_used(book, criteria)
    refresh_summary(book, result.summary, scenarios)
    audit = {**result.audit(), "rows": result.summary.get("rows") or {}}
    write_about(book, about_entries(result.county, criteria, scenarios, audit,
                                    f"cmr-xl {__version__} (add-in import)"))
    return (f"Imported {int(shown.sum()):,} convictions of {result.county} county; "
            f"{result.summary['chosen']['determinations']}")


def _recalculate(book: xw.Book) -> str:
    from cmr_xl.engine.pipeline import redetermine

    criteria, scenarios = read_criteria(book)
    facts = read_facts(book)
    about = _about(book)
    county = str(about.get("county") or "")
    determinations, summary = redetermine(facts, criteria, scenarios, county=county)
    write_determinations(book, determinations)
    write_used(book, criteria)
    refresh_summary(book, summary, scenarios)
    audit = {"started": about.get("run.started", ""), "seconds": about.get("run.seconds", ""),
             "inputs": _inputs(about),
             "rows": {k[5:]: v for k, v in about.items() if k.startswith("rows.")}}
    write_about(book, about_entries(county, criteria, scenarios, audit,
                                    f"cmr-xl {__version__} (add-in recalculate)"))
    return f"Recalculated {len(facts):,} convictions: {summary['chosen']['determinations']}"


def _inputs(about: dict[str, Any]) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for key, value in about.items():
        if key.startswith("input."):
            _, number, name = key.split(".", 2)
            found.setdefault(int(number), {})[name] = value
    return [found[n] for n in sorted(found)]


def live_formula(first: int, last: int, width: int) -> str:
    """=CMR_DETERMINE over Results rows first..last (1-based), header passed apart."""
    end = _a1(0, width - 1).rstrip("1")
    top = C.CRITERIA_FIRST_ROW
    bottom = top + len(criterion_specs()) - 1
    return (f"=CMR_DETERMINE({C.RESULTS}!$A${first}:${end}${last},"
            f"{C.CRITERIA}!$A${top}:$C${bottom},{C.RESULTS}!$A$1:${end}$1)")


def _make_live(book: xw.Book) -> str:
    facts = read_facts(book)
    width = len(FACT_COLUMNS)
    rows = as_rows(book.sheets[C.RESULTS].used_range.raw_value)[1:]
    sizes = [b + 300 for b in row_bytes(rows)]  # arguments plus the result, per row
    bounds = block_bounds(facts["person_id"].tolist(), sizes)
    if C.LIVE not in [s.name for s in book.sheets]:
        book.sheets.add(C.LIVE, after=book.sheets[C.RESULTS])
    live = book.sheets[C.LIVE]
    live.clear_contents()
    live[0, 0].resize(1, len(DETERMINATION)).raw_value = [[c.label for c in DETERMINATION]]
    for start, end in bounds:
        live[start + 1, 0].formula = live_formula(start + 2, end + 1, width)
    results = book.sheets[C.RESULTS]
    header = list(as_rows(results[0, 0].resize(1, len(RESULT_COLUMNS)).raw_value)[0])
    for offset, column in enumerate(DETERMINATION):
        col = header.index(column.label)
        letter = _a1(0, offset).rstrip("1")
        formula = f"=INDEX({C.LIVE}!${letter}:${letter},ROW())"
        results[1, col].resize(len(facts), 1).formula = formula
    return (f"Live: {len(bounds)} =CMR_DETERMINE block(s) of at most "
            f"{max(e - s for s, e in bounds):,} rows; criteria edits now recalculate Results. "
            "Run 'freeze_results' before sending the workbook to anyone without the add-in.")


def _freeze(book: xw.Book) -> str:
    results = book.sheets[C.RESULTS]
    rows = as_rows(results.used_range.value)
    header = list(rows[0])
    first = header.index(DETERMINATION[0].label)
    values = [list(r[first:first + len(DETERMINATION)]) for r in rows[1:]]
    for start in range(0, len(values), WRITE_ROWS):
        chunk = values[start:start + WRITE_ROWS]
        results[start + 1, first].resize(len(chunk), len(DETERMINATION)).value = chunk
    return f"Froze {len(values):,} rows of determinations as values."


def _export(book: xw.Book) -> str:
    path = Path(book.fullname)
    if not path.is_file():
        raise InputError(book.name, "is not a saved file this Python can read",
                         "Save the workbook, then run `cmr-xl export BOOK.xlsx --out DIR`")
    try:
        module = importlib.import_module("cmr_xl.workbook.court_copies")
        export = module.export_court_copies
    except (ImportError, AttributeError):
        raise InputError("cmr_xl.workbook.court_copies", "is not installed in this version",
                         "Use `cmr-xl export BOOK.xlsx --out DIR`") from None
    written = export(path, path.parent / "court-copies")
    return f"Wrote {len(written)} court cop{'y' if len(written) == 1 else 'ies'} to " \
           f"{path.parent / 'court-copies'}"


CLASSIC = {"import_doj_file": _import, "recalculate": _recalculate, "make_live": _make_live,
           "freeze_results": _freeze, "export_court_copies": _export}


def run_classic(name: str) -> None:
    """Entry point for the classic Windows add-in's ribbon (VBA RunPython), where the
    workbook is the caller rather than an injected argument."""
    book = xw.Book.caller()
    _reporting(book, lambda: CLASSIC[name](book))

"""Re-apply a saved workbook's Criteria cells without the DOJ file (`cmr-xl recalc`).

The criteria, what-if rows, county and facts are read back from the workbook as Excel or
LibreOffice saved it; the engine determines again; then only what the criteria change is
rewritten: the Results determination columns (each cell keeps its style), the Criteria
sheet's "Used in the results" column, and the Summary and About sheets, which belong to
cmr-xl. The criteria a clerk typed, extra sheets, cell notes, column widths, filters and
formats are kept byte for byte (see `package`). The new file replaces the old one in
one step.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.engine.pipeline import redetermine
from cmr_xl.output.files import atomic_path
from cmr_xl.rules.criteria import allowed_values
from cmr_xl.rules.results_columns import DECISION, DETERMINATION, FACT_COLUMNS
from cmr_xl.workbook import layout as L
from cmr_xl.workbook import row_integrity
from cmr_xl.workbook.content import (
    Cell,
    WorkbookContent,
    about_cells,
    audit_from_about,
    check_formula,
    check_related_charges_held,
    choice_aliases,
    row_heights,
    summary_cells,
)
from cmr_xl.workbook.package import (
    Package,
    XmlCell,
    cell_styles,
    edit_rows,
    replace_sheet_data,
    set_cells,
)
from cmr_xl.workbook.reader import (
    LEFT_AS_IT_IS,
    STRAY_NOTE,
    Workbook,
    cell_at,
    columns_of,
    criterion_locations,
    decisions_of,
    key_rows,
    read_about,
    read_criteria,
    read_results,
    read_scenarios,
)
from cmr_xl.workbook.sheetdata import cell_xml

OWNED = (L.CRITERIA, L.RESULTS, L.SUMMARY, L.ABOUT)


def recalc_workbook(path: str | Path, notes: list[str] | None = None) -> dict[str, Any]:
    """Determine again from the workbook's own criteria and facts and rewrite what the
    criteria change. Returns summary.json's content; `notes` gets what the checks of the
    workbook found (also on About)."""
    path = Path(path)
    book = Workbook(path)
    content = recalculated_content(path, book)
    if notes is not None:
        notes += workbook_notes(content)
    package = Package(path)
    parts = package.sheet_parts()
    for sheet in OWNED:
        if sheet not in parts:
            raise InputError(f"{path.name}: sheet '{sheet}'", "is missing (renamed or deleted?)",
                             f"Rename the sheet back to '{sheet}'")
    assert content.previous is not None  # recalculated_content reads the determinations
    columns = content.previous.attrs["columns"]  # where the reader found them
    package.replace(parts[L.RESULTS], _results(package.text(parts[L.RESULTS]), columns, content))
    rewritten: list[str] = []
    package.replace(parts[L.CRITERIA], _used_column(package.text(parts[L.CRITERIA]),
                                                    book.rows(L.CRITERIA), content, rewritten))
    if notes is not None:
        notes += [f"{L.place(path, L.CRITERIA, ref)}: {text}" for ref, text in rewritten]
    for sheet, cells in ((L.SUMMARY, summary_cells(content)), (L.ABOUT, about_cells(content))):
        xml = package.text(parts[sheet])
        package.replace(parts[sheet], replace_sheet_data(xml, _styled(xml, cells),
                                                         row_heights(cells)))
    package.calculate_on_load()
    with atomic_path(path) as temporary:
        package.write(temporary)
    return content.summary or {}


_NO_LISTS = ("(where the Criteria dropdowns take their choices) is missing, so the "
             "dropdowns offer nothing; copy it from a workbook of `cmr-xl new`")
_STRAY = f" {STRAY_NOTE}; {LEFT_AS_IT_IS}"


def _workbook_check(note: str) -> bool:
    """A note recalc's own checks of the workbook wrote (not one of the run's notes)."""
    return note.endswith((_NO_LISTS, _STRAY)) or row_integrity.SUFFIX in note


def workbook_notes(content: WorkbookContent) -> list[str]:
    """What recalc's checks of the workbook found, for the command to print."""
    return [note for note in (content.audit.get("rows") or {}).get("notes") or []
            if _workbook_check(note)]


def recalculated_content(path: str | Path, book: Workbook | None = None) -> WorkbookContent:
    """Criteria, scenarios and facts from the workbook; determinations and summary
    from the engine."""
    book = book or Workbook(path)
    criteria = read_criteria(path, book=book)
    scenarios = read_scenarios(path, criteria, book=book)
    about = read_about(path, book=book)
    # one read of the table: facts, the DA's decisions and the determinations it holds
    table = read_results(path, book=book, columns=FACT_COLUMNS + DETERMINATION,
                         optional=DECISION)
    facts = columns_of(table, FACT_COLUMNS)
    decisions = decisions_of(table, book.path)
    previous = columns_of(table, DETERMINATION)
    county = str(about.get("county") or "").strip()
    if not county:
        county_cell = L.a1(L.ABOUT_FIRST_ROW + 1, L.ABOUT_VALUE_COL)
        raise InputError(L.place(path, L.ABOUT, county_cell),
                         "names no county: this workbook has no results yet",
                         "Fill it first: `cmr-xl run DOJ_FILE --county NAME --as-of DATE "
                         "--workbook THIS.xlsx`, or the add-in's Import")
    sheet, row, col = criterion_locations(book).get("related_charges", (L.CRITERIA, 0, 0))
    check_related_charges_held(criteria, about, L.place(path, sheet, L.a1(row, col)))
    audit = audit_from_about(about)
    # the checks of this workbook replace those of an earlier recalc (a fixed problem goes)
    notes = [note for note in audit["rows"].get("notes") or [] if not _workbook_check(note)]
    workbook_notes = list(facts.attrs.get("stray_notes") or [])
    workbook_notes += row_integrity.problems(facts, about, path,  # rows deleted...
                                             row_integrity.imported_of(book))
    if L.LISTS not in book.sheet_names:
        workbook_notes.append(f"{path.name}: sheet '{L.LISTS}' {_NO_LISTS}")
    notes += [note for note in workbook_notes if note not in notes]
    if notes or audit["rows"].get("notes"):
        audit["rows"]["notes"] = notes
    determinations, summary = redetermine(facts, criteria, scenarios, county=county,
                                          accounting=audit["rows"] or None,
                                          decisions=decisions)
    determinations.attrs["sheet_rows"] = facts.attrs.get("sheet_rows")
    return WorkbookContent(
        county=county, criteria=criteria, facts=facts, determinations=determinations,
        summary=summary, scenarios=scenarios, audit=audit,
        computed_by=f"cmr-xl {__version__} (recalc)", previous=previous)


def _results(xml: str, columns: dict[str, int], content: WorkbookContent) -> Iterator[bytes]:
    """The Results sheet with its determination cells replaced, streamed in chunks;
    `columns` are where read_results found the determination columns."""
    determined = content.determinations
    sheet_rows = determined.attrs.get("sheet_rows")
    numbers = (np.asarray(sheet_rows, dtype=np.int64) + 1 if sheet_rows is not None
               else np.arange(2, len(determined) + 2))
    row_array = pa.array(numbers).cast(pa.string())
    fragments: dict[int, list[str]] = {}
    for column in DETERMINATION:
        col = columns[column.key]
        fragments[col] = cell_xml(column, col, determined[column.key].reset_index(drop=True),
                                  row_array, date_style=0).to_pylist()
    index = {int(n): i for i, n in enumerate(numbers.tolist())}
    changed = _changed_cells(content, columns)

    def fragment(row: int, col: int, old_style: int | None) -> str:
        xml = fragments[col][index[row]]
        if not xml:
            xml = f'<c r="{L.a1(row - 1, col)}"/>'
        if old_style:
            ref_end = xml.index('"', xml.index('r="') + 3) + 1
            xml = f'{xml[:ref_end]} s="{old_style}"{xml[ref_end:]}'
        return xml

    pieces: list[str] = []
    for piece in edit_rows(xml, changed.get, fragment):
        pieces.append(piece)
        if len(pieces) >= 2000:
            yield "".join(pieces).encode("utf-8")
            pieces = []
    yield "".join(pieces).encode("utf-8")


def _changed_cells(content: WorkbookContent, columns: dict[str, int]) -> dict[int, dict[int, str]]:
    """1-based sheet row -> {col: ""} for the determination cells whose value changes:
    a typical criteria change touches a few thousand cells, not every row."""
    previous = content.previous
    determined = content.determinations.reset_index(drop=True)
    numbers = np.asarray(determined.attrs.get("sheet_rows"), dtype=np.int64) + 1
    changed: dict[int, dict[int, str]] = {}
    for column in DETERMINATION:
        new = determined[column.key].astype(object)
        if previous is not None and column.key in previous:
            old = previous[column.key].reset_index(drop=True).astype(object)
            same = (old == new).fillna(False).to_numpy(dtype=bool) | (
                old.isna().to_numpy() & new.isna().to_numpy())
        else:
            same = np.zeros(len(new), dtype=bool)
        col = columns[column.key]
        for row in numbers[~same].tolist():
            changed.setdefault(row, {})[col] = ""
    return changed


def _used_column(xml: str, rows: list[list[Any]], content: WorkbookContent,
                 rewritten: list[tuple[str, str]] | None = None) -> str:
    """The Criteria sheet's "Used in the results" cells: what this calculation used; a
    value typed another way the parser accepts is written back in the dropdown's wording
    (each such cell and what it now says go to `rewritten`)."""
    where = key_rows(rows)
    cells = {}
    for cell in L.criterion_cells():
        spec = cell.spec
        if spec.key in where:
            row = where[spec.key]
            value = L.cell_value(spec, getattr(content.criteria, spec.key))
            cells[(row, L.USED_COL)] = XmlCell(value)
            typed = cell_at(rows, row, L.VALUE_COL)
            if not _same_cell_value(typed, value):  # 'Dismiss ', '57' as text, 2020-07-01
                cells[(row, L.VALUE_COL)] = XmlCell(value)  # in the dropdown's wording
                if rewritten is not None:
                    rewritten.append((L.a1(row, L.VALUE_COL), f"{_shown(typed)} written back "
                                      f"as {_shown(value)}"))
            # every value was just read and used, so Check is empty: cache that, so that a
            # viewer which does not recalculate on load (LibreOffice's default) agrees
            formula = check_formula(
                spec.kind, L.a1(row, L.VALUE_COL), L.a1(row, L.USED_COL), allowed_values(spec, dropdown=True),
                list_ref=L.list_ref(spec.kind) if spec.choices else None,
                bounds=(spec.min or 0, spec.max or 0), aliases=choice_aliases(spec.choices))
            cells[(row, L.CHECK_COL)] = XmlCell("", formula)
    return set_cells(xml, cells)


def _shown(value: Any) -> str:
    """A criterion value as the note names it: 'dismiss', 57, text '57', the date ..."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str) and value.strip() and (
            value.strip()[0].isdigit() or value.strip().lower() in ("yes", "no")):
        return f"text {value!r}"
    return repr(value)


def _same_cell_value(typed: Any, wording: Any) -> bool:
    """Whether a criterion cell already holds the value in the dropdown's wording (an
    empty cell, which means off or none, is left empty)."""
    if typed is None or typed == "":
        return True
    if isinstance(typed, datetime):
        typed = typed.date()
    if isinstance(typed, bool) or isinstance(wording, bool):
        return False
    if isinstance(typed, (int, float)) and isinstance(wording, (int, float)):
        return float(typed) == float(wording)
    return type(typed) is type(wording) and typed == wording


def _styled(xml: str, cells: list[Cell]) -> dict[tuple[int, int], XmlCell]:
    """The report cells with the sheet's own style indices: each role (title, count...)
    takes the style of a cell that had it before, so no style table has to change."""
    old = cell_styles(xml)
    roles: dict[str, int] = {}
    for cell in cells:
        if cell.style not in roles and (cell.row, cell.col) in old:
            roles[cell.style] = old[(cell.row, cell.col)]
    result = {}
    for cell in cells:
        value = cell.value.item() if isinstance(cell.value, np.generic) else cell.value
        result[(cell.row, cell.col)] = XmlCell(value, cell.formula, roles.get(cell.style))
    return result


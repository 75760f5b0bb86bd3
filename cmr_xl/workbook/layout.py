"""Where everything lives in the workbook: one declaration for writing and reading back.

Criteria rows come from `criterion_specs()` (never a hand-kept copy), Results columns from
`results_columns.RESULT_COLUMNS`. Rows and columns are 0-based here, as XlsxWriter counts;
`a1()` gives the address a person sees. Each criterion row carries its key in a hidden
column A, so that reading back still works when a clerk inserts a row above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from cmr_xl.rules import da_decision
from cmr_xl.rules.criteria import CriterionSpec, criterion_specs, format_overrides
from cmr_xl.rules.law import load_law
from cmr_xl.rules.results_columns import RESULT_COLUMNS

CRITERIA = "Criteria"
RESULTS = "Results"
SUMMARY = "Summary"
ABOUT = "About"
LISTS = "Lists"
SHEET_ORDER = (CRITERIA, RESULTS, SUMMARY, ABOUT, LISTS)
RESULTS_TABLE = "ResultsTable"
EXCEL_MAX_ROWS = 1_048_576


def a1(row: int, col: int, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


def sheet_ref(sheet: str, row: int, col: int) -> str:
    """An absolute reference with the sheet, e.g. Criteria!$C$5."""
    return f"{sheet}!{a1(row, col, absolute=True)}"


def place(book: str | Path | None, sheet: str,
          cell: str | int | Sequence[str] | Sequence[int] | None = None) -> str:
    """Where a problem is in a workbook, as every message names it: the file, the sheet
    and the cell ('BOOK.xlsx, sheet Criteria, cell C13'), cells ('..., cells A1:AT1') or
    row (an int, 1-based: '..., row 1'); several cells or rows (a list) are listed
    ('..., cells A9, Z1', '..., rows 2, 7'), one as that cell or row alone."""
    parts = [Path(book).name] if book else []
    parts.append(f"sheet {sheet}")
    if isinstance(cell, (list, tuple)):
        if len(cell) > 1:
            noun = "rows" if all(isinstance(c, int) for c in cell) else "cells"
            parts.append(f"{noun} {', '.join(map(str, cell))}")
            return ", ".join(parts)
        cell = cell[0] if cell else None
    if isinstance(cell, int):
        parts.append(f"row {cell}")
    elif cell:
        parts.append(f"{'cells' if ':' in cell else 'cell'} {cell}")
    return ", ".join(parts)


# --- Criteria sheet ---------------------------------------------------------------------

KEY_COL, LABEL_COL, VALUE_COL, CHECK_COL, USED_COL, DEFAULT_COL, HELP_COL = range(7)
CRITERIA_HEADER_ROW = 3
#: Column A keys below the criteria: the run's county and DOJ file (also defined names),
#: and each what-if row.
RUN_COUNTY, RUN_DOJ_FILE, SCENARIO_KEY = "run_county", "run_doj_file", "scenario"
CRITERIA_HEADERS = ("key", "Criterion", "Value (change these)", "Check", "Used in the results",
                    "Default", "What it means")
SCENARIO_ROWS = 6
SCENARIO_HEADERS = ("key", "Scenario name", "Criterion to change", "New value")
YES, NO = "yes", "no"
WORKBOOK_CRITERIA = "Workbook criteria"  # the name of criteria read from a Criteria sheet
CHANGED = "Changed since the results were computed: recalculate"


@dataclass(frozen=True)
class CriterionCell:
    """A criterion's row on the Criteria sheet and the defined name of its value cell."""

    spec: CriterionSpec
    row: int

    @property
    def name(self) -> str:
        return f"crit_{self.spec.key}"

    @property
    def address(self) -> str:
        return a1(self.row, VALUE_COL)

    @property
    def ref(self) -> str:
        return sheet_ref(CRITERIA, self.row, VALUE_COL)


def criterion_cells() -> tuple[CriterionCell, ...]:
    first = CRITERIA_HEADER_ROW + 1
    return tuple(CriterionCell(spec, first + i) for i, spec in enumerate(criterion_specs()))


def scenario_header_row() -> int:
    """The header of the what-if block, two rows below the last criterion."""
    return criterion_cells()[-1].row + 3


def scenario_rows() -> range:
    first = scenario_header_row() + 1
    return range(first, first + SCENARIO_ROWS)


def run_settings_rows() -> tuple[int, int]:
    """Rows of the add-in's import settings: county, DOJ file path."""
    start = scenario_rows()[-1] + 3
    return start, start + 1


def cell_value(spec: CriterionSpec, value: Any) -> Any:
    """What a criterion's cell holds for a value: the dropdown's words, yes/no, a number,
    a date, or the exceptions text (the parser accepts each of them back)."""
    if spec.kind == "switch":
        return YES if value else NO
    if spec.kind == "overrides":
        return format_overrides(value) if not isinstance(value, str) else value
    if spec.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if spec.choices:
        return spec.choices[value]
    return value


# --- Lists sheet (dropdown sources) -------------------------------------------------------


def dropdown_lists() -> dict[str, list[str]]:
    """Dropdown sources by kind, in column order on the hidden Lists sheet."""
    kinds = {spec.kind: spec for spec in criterion_specs() if spec.choices}
    lists = {kind: list(spec.choices.values()) for kind, spec in kinds.items()}
    lists["switch"] = [YES, NO]
    lists["criterion"] = [spec.label for spec in criterion_specs()]
    lists["county"] = [county["name"] for county in load_law("counties")["counties"]]
    lists["da_decision"] = da_decision.choices()
    lists["da_grounds"] = da_decision.grounds()
    return lists


def list_ref(kind: str) -> str:
    """Absolute reference of a dropdown source, e.g. =Lists!$A$2:$A$4."""
    lists = dropdown_lists()
    col = list(lists).index(kind)
    first, last = sheet_ref(LISTS, 1, col), a1(len(lists[kind]), col, absolute=True)
    return f"={first}:{last}"


# --- Results sheet ------------------------------------------------------------------------

#: Columns folded away (outline level 1) so that who, what and the determination fit on a
#: screen; the Summary's formulas still read them. A clerk unfolds them with the [+] button.
RESULTS_FOLDED = frozenset({
    "county", "court_ori", "cycle", "count_order", "section", "offense", "super_strikes",
    "pc290_offenses", "pc290_registration_date", "latest_conviction_date", "sentence_end",
    "latest_sentence_end", "only_prop64", "deceased", "other_felonies", "other_convictions",
    "latest_other_conviction_date", "source_file", "source_line", "person_first_row",
    "person_relief", "no_felony_after", "no_recent_conviction_after", "no_conviction_after",
    "still_serving", "reason_category",
})
RESULTS_WIDTHS = {"text": 14, "date": 11, "number": 9, "bool": 9}
RESULTS_WIDE = {"name": 24, "court": 26, "offense": 30, "determination": 21, "reason": 40,
                "relief": 50, "trace": 60, "code_section": 12, "outcome": 21,
                "da_decision": 11, "da_grounds": 30, "reason_category": 30,
                "charge_text": 24, "convicted_offense": 24, "reading_notes": 30,
                "other_sections": 18, "prior_super_strikes": 18, "prior_pc290_offenses": 18}
#: The clerk's own columns: yellow, like the Criteria sheet's cells to change.
RESULTS_INPUT = ("da_decision", "da_grounds")
RESULTS_FROZEN_COLS = 3  # Subject ID, CII, Name stay in view


def results_col(key: str) -> int:
    return [c.key for c in RESULT_COLUMNS].index(key)


def results_name(key: str) -> str:
    """Defined name of a whole Results column (what Summary formulas count over)."""
    return f"res_{key}"


def results_name_ref(key: str) -> str:
    letter = xl_col_to_name(results_col(key))
    return f"={RESULTS}!${letter}:${letter}"


# --- About sheet --------------------------------------------------------------------------

ABOUT_KEY_COL, ABOUT_LABEL_COL, ABOUT_VALUE_COL = 0, 1, 2
ABOUT_FIRST_ROW = 2
ABOUT_KEY_WIDTH, ABOUT_LABEL_WIDTH, ABOUT_VALUE_WIDTH = 22, 58, 70  # characters

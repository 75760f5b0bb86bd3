"""Write a workbook: Criteria, Results (values), Summary (formulas), About, Lists.

Results are values, so court staff and LibreOffice read correct numbers without the
add-in; Summary figures are native COUNTIFS formulas over Results, written with the
engine's figure as their cached result. The file is written beside its destination and
moved into place in one step, so a failed write never leaves half a workbook.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.output.files import atomic_path
from cmr_xl.rules import da_decision
from cmr_xl.rules.criteria import DATE_RANGE, allowed_values
from cmr_xl.rules.outcomes import DISMISSAL, HAND_REVIEW, NOT_ELIGIBLE, REDUCTION
from cmr_xl.rules.results_columns import RESULT_COLUMNS, keys
from cmr_xl.workbook import layout as L
from cmr_xl.workbook import row_integrity
from cmr_xl.workbook.cell_text import TextRepairs, clean_array, clean_text
from cmr_xl.workbook.content import (
    CHART_ANCHOR,
    MANIFEST_AT,
    NOT_ADDING_UP,
    SECTION_ROWS,
    STYLES,
    Cell,
    WorkbookContent,
    about_cells,
    check_formula,
    choice_aliases,
    row_heights,
    summary_cells,
)
from cmr_xl.workbook.printing import print_setup
from cmr_xl.workbook.sheetdata import arrow_strings, rows_xml, splice_rows

SUMMARY_PRINT_LAST_COL = 7  # H: the Summary's tables, and the chart below them
OUTCOME_COLORS = {DISMISSAL: "#C6EFCE", REDUCTION: "#DDEBF7", NOT_ELIGIBLE: "#E7E6E6",
                  HAND_REVIEW: "#FFEB9C"}
CHART_COLORS = {DISMISSAL: "#70AD47", REDUCTION: "#4472C4", NOT_ELIGIBLE: "#A5A5A5",
                HAND_REVIEW: "#FFC000"}
TEMPLATE_CREATED = datetime(2020, 7, 1)  # fixed, so that the template is reproducible
RESULTS_TABLE_PART = "xl/tables/table1.xml"  # the workbook's only table


def write_workbook(result: Any, path: str | Path, *, formula_cache: bool = True,
                   notes: list[str] | None = None) -> Path:
    """Write the filled workbook of a pipeline RunResult to `path` (atomically); the
    notes it adds to About (text changed to fit a cell) are appended to `notes` too."""
    return write_content(content_from_result(result), path, formula_cache=formula_cache,
                         notes=notes)


def content_from_result(result: Any) -> WorkbookContent:
    audit = dict(result.audit())
    audit["rows"] = dict((result.summary or {}).get("rows") or result.accounting.as_dict())
    shown = result.shown().to_numpy()  # related charges only when the office reviews them
    facts = result.facts[shown]
    # how many convictions the import wrote, and which: recalc and export check the rows
    audit["rows"].update(row_integrity.record(facts))
    return WorkbookContent(
        county=result.county, criteria=result.criteria,
        facts=facts.reset_index(drop=True),
        determinations=result.determinations[shown].reset_index(drop=True),
        summary=result.summary,
        scenarios=list(result.scenarios), audit=audit,
        computed_by=f"cmr-xl {__version__} (run)",
    )


def write_content(content: WorkbookContent, path: str | Path, *, formula_cache: bool = True,
                  created: datetime | None = None, notes: list[str] | None = None) -> Path:
    """Build the workbook with XlsxWriter in memory, splice in the Results rows, and
    replace `path` in one step."""
    path = Path(path)
    rows = len(content.facts)
    if rows + 1 > L.EXCEL_MAX_ROWS:
        raise InputError(
            str(path), f"{rows:,} convictions do not fit one Excel sheet "
            f"({L.EXCEL_MAX_ROWS - 1:,} rows at most)",
            "Run the county with --csv-dir, or split it by court into several workbooks")
    frame = results_frame(content)
    repaired = _note_text_repairs(content, frame, path)
    if notes is not None:
        notes.extend(repaired)
    memory = io.BytesIO()
    book = _Book(memory, content, formula_cache, created or datetime.now())
    book.build()
    with atomic_path(path) as temporary:
        splice_rows(memory, temporary, book.results_part, rows_xml(
            frame, RESULT_COLUMNS, first_row=2, date_style=book.date_style),
            last_ref=L.a1(max(rows, 1), len(RESULT_COLUMNS) - 1), table_part=RESULTS_TABLE_PART)
    return path


def _note_text_repairs(content: WorkbookContent, frame: pd.DataFrame, path: Path
                       ) -> list[str]:
    """Say on About (the run's notes) which Results text had to be changed to fit a
    workbook: characters XML cannot hold, text over Excel's cell limit."""
    repairs = TextRepairs()
    for column in RESULT_COLUMNS:
        if column.kind == "text":
            clean_array(arrow_strings(frame[column.key]), repairs)
    notes = repairs.notes(L.place(path, L.RESULTS))
    if notes:
        rows = dict(content.audit.get("rows") or {})
        rows["notes"] = list(rows.get("notes") or []) + notes
        content.audit = {**content.audit, "rows": rows}
    return notes


def results_frame(content: WorkbookContent) -> pd.DataFrame:
    """Facts then determinations, in RESULT_COLUMNS order, one row per conviction."""
    facts = content.facts.reset_index(drop=True)
    determined = content.determinations.reset_index(drop=True)
    frame = pd.concat([facts, determined], axis=1)
    for key in keys(RESULT_COLUMNS):
        if key not in frame:
            frame[key] = pd.Series([None] * len(frame), dtype=object)
    return frame[keys(RESULT_COLUMNS)]


class _Book:
    """One XlsxWriter workbook of our layout (without the Results rows)."""

    def __init__(self, target: io.BytesIO, content: WorkbookContent, formula_cache: bool,
                 created: datetime) -> None:
        self.content = content
        self.formula_cache = formula_cache
        self.wb = xlsxwriter.Workbook(target, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False})
        self.wb.set_properties({
            "title": "cmr-xl: Prop 64 review", "subject": "Prop 64 (HS 11361.8) determinations",
            "author": "cmr-xl", "comments": f"Written by cmr-xl {__version__}",
            "created": created})
        self.formats: dict[str, Format] = {name: self.wb.add_format(props)
                                           for name, props in STYLES.items()}
        self.date_format = self.wb.add_format({"num_format": "yyyy-mm-dd"})
        self.results_part = ""

    @property
    def date_style(self) -> int:
        """The xf index XlsxWriter gave the Results date format (set once it is written)."""
        index = self.date_format.xf_index
        if index is None:
            raise RuntimeError("the Results date format was not written")
        return index

    def build(self) -> None:
        criteria = self.wb.add_worksheet(L.CRITERIA)
        results = self.wb.add_worksheet(L.RESULTS)
        summary = self.wb.add_worksheet(L.SUMMARY)
        about = self.wb.add_worksheet(L.ABOUT)
        lists = self.wb.add_worksheet(L.LISTS)
        self.results_part = f"xl/worksheets/sheet{L.SHEET_ORDER.index(L.RESULTS) + 1}.xml"
        self._lists(lists)
        self._criteria(criteria)
        self._results(results)
        summary_sheet = summary_cells(self.content)
        self._cells(summary, summary_sheet)
        for row, height in row_heights(summary_sheet).items():
            summary.set_row(row, height)
        self._summary_layout(summary)
        about_sheet = about_cells(self.content)
        self._cells(about, about_sheet)
        for row, height in row_heights(about_sheet).items():
            about.set_row(row, height)
        about.set_column(L.ABOUT_KEY_COL, L.ABOUT_KEY_COL, L.ABOUT_KEY_WIDTH, None,
                         {"hidden": True})
        about.set_column(L.ABOUT_LABEL_COL, L.ABOUT_LABEL_COL, L.ABOUT_LABEL_WIDTH)
        about.set_column(L.ABOUT_VALUE_COL, L.ABOUT_VALUE_COL, L.ABOUT_VALUE_WIDTH)
        self._printing(criteria, results, summary, about,
                       max((c.row for c in summary_sheet), default=0))
        criteria.activate()
        self.wb.close()

    def _printing(self, criteria: Worksheet, results: Worksheet, summary: Worksheet,
                  about: Worksheet, summary_last_row: int) -> None:
        """Page setup of every sheet (printing.py): Results prints the review columns (who,
        determination, reason, DA decision, final outcome, relief: readable on one page
        wide) with its header on every page; the Summary's tables and the chart below them
        (columns A-H) fit one portrait page."""
        county = self.content.county or "county"
        print_setup(criteria, f"Prop 64 criteria: {county}", landscape=False)
        last = L.results_col("relief")
        print_setup(results, f"Prop 64 results: {county}", header_rows=1, last_col=last,
                    last_row=max(len(self.content.facts), 1))
        print_setup(summary, f"Prop 64 summary: {county}", one_page=True, landscape=False,
                    last_col=SUMMARY_PRINT_LAST_COL, last_row=summary_last_row)
        print_setup(about, f"About these results: {county}", landscape=False)

    # --- Criteria -------------------------------------------------------------------------

    def _criteria(self, ws: Worksheet) -> None:
        f = self.formats
        value_format = self.wb.add_format({"bg_color": "#FFF2CC", "border": 1, "locked": False,
                                           "align": "left"})
        date_value = self.wb.add_format({"bg_color": "#FFF2CC", "border": 1, "locked": False,
                                         "num_format": "yyyy-mm-dd", "align": "left"})
        used = {"font_color": "#595959", "italic": True, "locked": False, "align": "left"}
        used_format = self.wb.add_format(used)
        used_date = self.wb.add_format({**used, "num_format": "yyyy-mm-dd"})
        left = self.wb.add_format({"align": "left"})
        wrap = left
        ws.set_column(L.KEY_COL, L.KEY_COL, 24, f["key"], {"hidden": True})
        ws.set_column(L.LABEL_COL, L.LABEL_COL, 58)
        ws.set_column(L.VALUE_COL, L.VALUE_COL, 64)
        ws.set_column(L.CHECK_COL, L.CHECK_COL, 56)  # "Changed since ...: recalculate" whole
        ws.set_column(L.USED_COL, L.USED_COL, 30)
        ws.set_column(L.DEFAULT_COL, L.DEFAULT_COL, 30)
        ws.set_column(L.HELP_COL, L.HELP_COL, 110)
        ws.write_string(0, L.LABEL_COL, "Criteria: what this office grants", f["title"])
        ws.write_string(1, L.LABEL_COL, "Change the yellow cells only: each has a dropdown or a "
                        "bounded number, and 'Check' says when a value cannot be used. Then "
                        "recalculate: the add-in's Recalculate button, or "
                        "`cmr-xl recalc THIS.xlsx`.", f["note"])
        for col, text in enumerate(L.CRITERIA_HEADERS):
            ws.write_string(L.CRITERIA_HEADER_ROW, col, text, f["header"])
        criteria = self.content.criteria
        used = self.content.summary is not None
        for cell in L.criterion_cells():
            spec, row = cell.spec, cell.row
            value = L.cell_value(spec, getattr(criteria, spec.key))
            ws.write_string(row, L.KEY_COL, spec.key, f["key"])
            ws.write_string(row, L.LABEL_COL, spec.label, wrap)
            self._value(ws, row, L.VALUE_COL, value, date_value if spec.kind == "date"
                        else value_format)
            is_date = spec.kind == "date"
            self._value(ws, row, L.USED_COL, value if used else None,
                        used_date if is_date else used_format)
            self._value(ws, row, L.DEFAULT_COL, L.cell_value(spec, spec.default),
                        f["date"] if is_date else left)
            ws.write_string(row, L.HELP_COL, spec.help, wrap)
            list_ref = L.list_ref(spec.kind) if spec.choices else None
            formula = check_formula(
                spec.kind, L.a1(row, L.VALUE_COL), L.a1(row, L.USED_COL), allowed_values(spec, dropdown=True),
                list_ref=list_ref, bounds=(spec.min or 0, spec.max or 0),
                aliases=choice_aliases(spec.choices))
            ws.write_formula(row, L.CHECK_COL, formula, f["warning"], "")
            ws.data_validation(row, L.VALUE_COL, row, L.VALUE_COL, self._validation(cell))
            self.wb.define_name(cell.name, f"={cell.ref}")
        self._scenarios(ws, value_format)
        self._run_settings(ws, value_format)
        ws.freeze_panes(L.CRITERIA_HEADER_ROW + 1, 0)
        ws.protect("", {"format_columns": True, "format_rows": True,
                        "select_locked_cells": True, "select_unlocked_cells": True})

    def _validation(self, cell: L.CriterionCell) -> dict[str, Any]:
        spec = cell.spec
        allowed = allowed_values(spec, dropdown=True)
        common = {
            "input_title": spec.label[:32], "input_message": spec.help[:255],
            "error_title": "Not a value cmr-xl can use"[:32],
            "error_message": f"{L.CRITERIA}!{cell.address}: use {allowed}."[:255],
        }
        v = cell.address
        if spec.kind == "date":
            return {"validate": "date", "criteria": "between", "minimum": DATE_RANGE[0],
                    "maximum": DATE_RANGE[1], **common}
        if spec.kind == "switch":
            return {"validate": "list", "source": [L.YES, L.NO], **common}
        if spec.kind == "number":
            formula = (f"=AND(ISNUMBER({v}),{v}=INT({v}),OR({v}=0,AND({v}>={spec.min},"
                       f"{v}<={spec.max})))")
            return {"validate": "custom", "value": formula, **common}
        if spec.kind == "overrides":
            return {"validate": "length", "criteria": "<=", "value": 255, **common}
        return {"validate": "list", "source": L.list_ref(spec.kind), **common}

    def _scenarios(self, ws: Worksheet, value_format: Format) -> None:
        f = self.formats
        header = L.scenario_header_row()
        ws.write_string(header - 1, L.LABEL_COL, "What-if scenarios (optional)", f["heading"])
        for col, text in enumerate(L.SCENARIO_HEADERS):
            ws.write_string(header, col, text, f["header"])
        ws.write_string(header, L.HELP_COL, "Name a scenario and the one criterion it changes; "
                        "use several rows with the same name to change several. The Summary "
                        "shows each beside the chosen criteria.", f["note"])
        rows = list(self._scenario_rows())
        for offset, row in enumerate(L.scenario_rows()):
            name, label, value = rows[offset] if offset < len(rows) else ("", "", "")
            ws.write_string(row, L.KEY_COL, L.SCENARIO_KEY, f["key"])
            for col, text in ((L.LABEL_COL, name), (L.VALUE_COL, label), (L.CHECK_COL, value)):
                self._value(ws, row, col, text, value_format)
            ws.data_validation(row, L.VALUE_COL, row, L.VALUE_COL, {
                "validate": "list", "source": L.list_ref("criterion")})
        first, last = L.scenario_rows()[0], L.scenario_rows()[-1]
        self.wb.define_name("scenario_names", f"={L.CRITERIA}!$B${first + 1}:$B${last + 1}")

    def _scenario_rows(self) -> Iterator[tuple[str, str, Any]]:
        base = self.content.criteria.as_mapping()
        labels = {cell.spec.key: cell.spec for cell in L.criterion_cells()}
        for scenario in self.content.scenarios:
            for key, value in scenario.as_mapping().items():
                if value != base[key]:
                    spec = labels[key]
                    yield scenario.name, spec.label, L.cell_value(spec, getattr(scenario, key))

    def _run_settings(self, ws: Worksheet, value_format: Format) -> None:
        f = self.formats
        county_row, file_row = L.run_settings_rows()
        ws.write_string(county_row - 1, L.LABEL_COL, "Import settings (add-in only)",
                        f["heading"])
        ws.write_string(county_row, L.KEY_COL, L.RUN_COUNTY, f["key"])
        ws.write_string(county_row, L.LABEL_COL, "County")
        self._value(ws, county_row, L.VALUE_COL, self.content.county, value_format)
        ws.write_string(file_row, L.KEY_COL, L.RUN_DOJ_FILE, f["key"])
        ws.write_string(file_row, L.LABEL_COL, "DOJ research file(s), full path; several "
                        "separated by ';'")
        self._value(ws, file_row, L.VALUE_COL, "", value_format)
        ws.data_validation(county_row, L.VALUE_COL, county_row, L.VALUE_COL, {
            "validate": "list", "source": L.list_ref("county")})
        self.wb.define_name(L.RUN_COUNTY, f"={L.sheet_ref(L.CRITERIA, county_row, L.VALUE_COL)}")
        self.wb.define_name(L.RUN_DOJ_FILE, f"={L.sheet_ref(L.CRITERIA, file_row, L.VALUE_COL)}")

    def _lists(self, ws: Worksheet) -> None:
        lists = L.dropdown_lists()
        depth = max(len(v) for v in lists.values())
        for col, kind in enumerate(lists):
            ws.write_string(0, col, kind, self.formats["header"])
        for row in range(depth):
            for col, values in enumerate(lists.values()):
                if row < len(values):
                    ws.write_string(row + 1, col, values[row])
        for kind in lists:
            self.wb.define_name(f"list_{kind}", L.list_ref(kind))
        imported = row_integrity.imported_rows(self.content.facts)
        if imported:  # which convictions the import wrote: recalc and export name the missing
            col = len(lists)
            ws.write_string(0, col, row_integrity.IMPORTED, self.formats["header"])
            ws.write_string(0, col + 1, row_integrity.FOUND_AT, self.formats["header"])
            for row, (identity, place) in enumerate(imported, start=1):
                ws.write_string(row, col, identity)
                ws.write_string(row, col + 1, place)
        ws.hide()

    # --- Results --------------------------------------------------------------------------

    def _results(self, ws: Worksheet) -> None:
        rows = max(len(self.content.facts), 1)
        last_col = len(RESULT_COLUMNS) - 1
        header = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        ws.add_table(0, 0, 1, last_col, {  # widened to every row by splice_rows
            "name": L.RESULTS_TABLE, "style": "Table Style Light 9",
            "columns": [{"header": c.label, "header_format": header} for c in RESULT_COLUMNS]})
        ws.set_row(0, 30)
        text_format = self.wb.add_format({"num_format": "@"})
        for col, column in enumerate(RESULT_COLUMNS):
            width = L.RESULTS_WIDE.get(column.key, L.RESULTS_WIDTHS[column.kind])
            fmt = self.date_format if column.kind == "date" else (
                text_format if column.kind == "text" else None)
            options = {"level": 1, "hidden": True} if column.key in L.RESULTS_FOLDED else {}
            ws.set_column(col, col, width, fmt, options)
            self.wb.define_name(L.results_name(column.key), L.results_name_ref(column.key))
        colored = {outcome: self.wb.add_format({"bg_color": color})
                   for outcome, color in OUTCOME_COLORS.items()}
        for key in ("determination", "outcome"):
            col = L.results_col(key)
            for outcome, fmt in colored.items():
                ws.conditional_format(1, col, rows, col, {
                    "type": "cell", "criteria": "==", "value": f'"{outcome}"', "format": fmt})
        self._decision_cells(ws, rows)
        for col, column in enumerate(RESULT_COLUMNS):  # what each column means, on hover
            ws.write_comment(0, col, f"{column.label}: {column.description}",
                             {"x_scale": 2, "y_scale": 1.2})
        ws.freeze_panes(1, L.RESULTS_FROZEN_COLS)

    def _decision_cells(self, ws: Worksheet, rows: int) -> None:
        """The DA decision and grounds: the clerk's yellow cells with dropdowns (grounds
        also take free text); recalculation reads them and never writes them."""
        last = max(rows, L.EXCEL_MAX_ROWS - 1)
        decision, grounds = (L.results_col(k) for k in L.RESULTS_INPUT)
        yellow = self.wb.add_format({"bg_color": "#FFF2CC", "num_format": "@"})
        for col in (decision, grounds):
            ws.set_column(col, col, L.RESULTS_WIDE[RESULT_COLUMNS[col].key], yellow)
        ws.data_validation(1, decision, last, decision, {
            "validate": "list", "source": L.list_ref("da_decision"),
            "input_title": "DA decision",
            "input_message": "accept the determination, or dismiss, reduce or challenge "
                             "(give the grounds in the next cell). Empty: not reviewed yet.",
            "error_title": "Not a DA decision",
            "error_message": f"Use {da_decision.allowed_words()}, or leave it empty."})
        ws.data_validation(1, grounds, last, grounds, {
            "validate": "list", "source": L.list_ref("da_grounds"), "show_error": False,
            "input_title": "Grounds of a challenge",
            "input_message": "HS 11361.9(b): pick one, or type the office's own words."})

    # --- Summary and About ------------------------------------------------------------------

    def _cells(self, ws: Worksheet, cells: list[Cell]) -> None:
        for cell in cells:
            fmt = self.formats[cell.style]
            if cell.formula is not None:
                cached = cell.value if self.formula_cache else 0
                ws.write_formula(cell.row, cell.col, cell.formula, fmt, cached)
            else:
                self._value(ws, cell.row, cell.col, cell.value, fmt)

    @staticmethod
    def _value(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None) -> None:
        """Write a value by type; text is always a string, never a formula."""
        if value is None or (isinstance(value, str) and value == ""):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)) and math.isfinite(value):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
        else:
            ws.write_string(row, col, clean_text(str(value)), fmt)

    def _summary_layout(self, ws: Worksheet) -> None:
        ws.set_column(0, 0, 58)
        ws.set_column(1, 7, 14)
        ws.set_column(8, 8, 3)
        ws.set_column(9, 20, 18)
        ws.set_column(MANIFEST_AT[1], MANIFEST_AT[1], 10, None, {"hidden": True})
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        first, last = SECTION_ROWS[0], SECTION_ROWS[-1]
        for col, outcome in enumerate((DISMISSAL, REDUCTION, NOT_ELIGIBLE, HAND_REVIEW), start=4):
            chart.add_series({
                "name": [L.SUMMARY, 6, col],
                "categories": [L.SUMMARY, first, 0, last, 0],
                "values": [L.SUMMARY, first, col, last, col],
                "fill": {"color": CHART_COLORS[outcome]},
            })
        chart.set_title({"name": "Determinations by section (chosen criteria)",
                         "name_font": {"size": 12}})
        chart.set_y_axis({"name": "Convictions", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 340})
        ws.insert_chart(*CHART_ANCHOR, chart)
        ws.conditional_format(0, 0, 400, 20, {  # a breakdown that does not add up: red
            "type": "text", "criteria": "begins with", "value": NOT_ADDING_UP,
            "format": self.wb.add_format({"bg_color": "#C00000", "font_color": "#FFFFFF",
                                          "bold": True})})

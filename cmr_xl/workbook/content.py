"""What the Summary and About sheets say, declared once as cells.

Both the fast writer (XlsxWriter) and recalculation (openpyxl) render these cells, and the
tests read the figures back through the same declaration: each Summary figure carries
the path of the same figure in summary.json (`key`), so "the workbook's formulas give
the engine's numbers" is checked cell by cell.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import serial_from_date
from cmr_xl.rules.criteria import (
    DATE_RANGE,
    PROP64_SECTIONS,
    SWITCH_NO,
    SWITCH_YES,
    Criteria,
    criterion_specs,
)
from cmr_xl.rules.criteria import choice_aliases as choice_aliases  # the parser's; writer, recalc
from cmr_xl.rules.da_decision import final_outcome
from cmr_xl.rules.law import recent_years
from cmr_xl.rules.outcomes import (
    DETERMINATIONS,
    DISMISSAL,
    HAND_REVIEW,
    NOT_ELIGIBLE,
    PROP64_TYPE,
    REDUCTION,
    RELATED_TYPE,
)
from cmr_xl.workbook.layout import (
    ABOUT_FIRST_ROW,
    ABOUT_KEY_COL,
    ABOUT_LABEL_COL,
    ABOUT_VALUE_COL,
    ABOUT_VALUE_WIDTH,
    CHANGED,
    CHECK_COL,
    CRITERIA,
    cell_value,
    results_name,
)


@dataclass
class WorkbookContent:
    """Everything a filled workbook shows; built from a run, or from a saved workbook."""

    county: str
    criteria: Criteria
    facts: pd.DataFrame
    determinations: pd.DataFrame
    summary: dict[str, Any] | None = None
    scenarios: list[Criteria] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    computed_by: str = "cmr-xl"
    computed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(
        timespec="seconds"))
    previous: pd.DataFrame | None = None  # determinations the workbook showed before


@dataclass(frozen=True)
class Cell:
    """One cell of a report sheet. A formula's `value` is its cached result (what a
    viewer shows before any recalculation); `key` is the figure's path in summary.json."""

    row: int
    col: int
    value: Any = None
    formula: str | None = None
    style: str = "text"
    key: tuple[str, ...] | None = None


STYLES: dict[str, dict[str, Any]] = {
    "text": {},
    "title": {"bold": True, "font_size": 16},
    "heading": {"bold": True, "font_size": 12, "font_color": "#1F3864"},
    "header": {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True},
    "count": {"num_format": "#,##0", "border": 1},
    "computed": {"num_format": "#,##0", "border": 1, "bg_color": "#F2F2F2", "italic": True},
    "label": {"border": 1},
    "note": {"italic": True, "font_color": "#595959"},
    "warning": {"bold": True, "font_color": "#C00000"},
    "date": {"num_format": "yyyy-mm-dd", "align": "left"},
    "key": {"font_color": "#808080"},
    "value": {"align": "left"},
    "top": {"valign": "top"},
    "wrapped": {"align": "left", "valign": "top", "text_wrap": True},
    # a check that a breakdown adds up: green words; red fill (conditional format) when not
    "check": {"italic": True, "font_color": "#375623", "border": 1},
}

SUMMARY_TABLE_COLS = ("Section", "Felony", "Not felony", "Total", "Dismissal", "Reduction",
                      "Not eligible", "Hand review")
OUTCOME_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((f"{d}", ("determinations", d)) for d in DETERMINATIONS),
    ("Total: Prop 64 convictions", ("total",)),
    ("People getting any relief", ("people_with_relief",)),
    ("After relief: people with no felony left", ("after_relief", "people_no_felony")),
    (f"After relief: people with no conviction in the last {recent_years()} years",
     ("after_relief", "people_no_conviction_last_7_years")),
    ("After relief: people with no conviction left at all",
     ("after_relief", "people_no_conviction")),
)
#: First row of the part whose length depends on the data (reasons, sentences); the
#: chart and every fixed table sit above it, so recalculation can rewrite it freely.
SUMMARY_VARIABLE_START = 58
#: The chart sits below the fixed tables (A41, 18 rows tall), inside the printed columns
#: A-H, so that it prints on the Summary's page (beside the tables it fell outside the
#: print area, or shrank the page to 5 pt text).
CHART_ANCHOR = (40, 0)  # A41
SECTION_ROWS = range(7, 11)
OUTCOME_HEADER_ROW = 18
MANIFEST_AT = (0, 26)  # AA1, a hidden column
#: Characters of wrapped text per line in the About value column (ABOUT_VALUE_WIDTH wide;
#: fewer than fit, since lines break between words), and the height of one line of 11 pt
#: text in points.
WRAPPED_LINE_CHARS = ABOUT_VALUE_WIDTH
LINE_HEIGHT = 15.0
HEADER_ROWS = (6, OUTCOME_HEADER_ROW)  # Summary table headers with two-line labels
SECTION_CHECK_ROW = SECTION_ROWS[-1] + 2
OUTCOME_CHECK_ROW = OUTCOME_HEADER_ROW + 1 + len(OUTCOME_ROWS)
RELATED_HEADING_ROW = OUTCOME_CHECK_ROW + 3
#: What a check cell says when its breakdown adds up; anything else starts with
#: NOT_ADDING_UP and is filled red (a conditional format over the Summary).
ADDS_UP = "adds up"
NOT_ADDING_UP = "DOES NOT ADD UP"


def check_cell(row: int, col: int, breakdown: str, figure: str) -> Cell:
    """A visible check that a breakdown (an Excel expression) equals the figure it breaks
    down: 'adds up', or 'DOES NOT ADD UP: +3' (the difference), red."""
    difference = f"({breakdown})-({figure})"
    return Cell(row, col, ADDS_UP, formula=f'=IF({difference}=0,"{ADDS_UP}","{NOT_ADDING_UP}: "'
                f'&TEXT({difference},"+#,##0;-#,##0"))', style="check")


def _criterion(text: str) -> str:
    """A COUNTIFS criterion matching exactly this text (no operators, no wildcards)."""
    escaped = text.replace("~", "~~").replace("*", "~*").replace("?", "~?").replace('"', '""')
    return f'"={escaped}"'


def countifs(*pairs: tuple[str, str | bool]) -> str:
    """=COUNTIFS over whole Results columns; values are exact texts or TRUE/FALSE."""
    parts = []
    for key, value in pairs:
        criterion = ("TRUE" if value else "FALSE") if isinstance(value, bool) else (
            value if value.startswith('"') else _criterion(value))
        parts.append(f"{results_name(key)},{criterion}")
    return f"=COUNTIFS({','.join(parts)})"


def lookup(summary: dict[str, Any] | None, key: tuple[str, ...] | None) -> Any:
    """The figure at `key` in summary.json, or None when absent."""
    value: Any = summary
    for part in key or ():
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def summary_cells(content: WorkbookContent) -> list[Cell]:
    """The Summary sheet: record and outcome tables as COUNTIFS formulas over Results,
    what-if columns as values computed by cmr-xl, dismissal reasons, criteria sentences."""
    s = content.summary
    cells = [
        Cell(0, 0, "Prop 64 review: county summary", style="title"),
        Cell(1, 0, f"{content.county or 'County not set'} county; eligibility as of "
                   f"{content.criteria.as_of.isoformat()}; computed {content.computed_at} "
                   f"by {content.computed_by}.", style="note"),
        Cell(2, 0, "", formula=f'=IF(COUNTIF({CRITERIA}!$D:$D,"{CHANGED}")>0,'
                               f'"Criteria changed since these results were computed: '
                               f'recalculate before printing.","")', style="warning"),
        Cell(3, 0, "White cells are Excel formulas over the Results sheet (they stay right "
                   "without the add-in); grey cells were computed by cmr-xl and are values.",
             style="note"),
        Cell(5, 0, "Prop 64 convictions by section", style="heading"),
    ]
    cells += [Cell(6, col, text, style="header") for col, text in enumerate(SUMMARY_TABLE_COLS)]
    cells += _section_rows(content)
    cells += [
        Cell(13, 0, "People", style="heading"),
        Cell(14, 0, "People with a Prop 64 conviction", style="label"),
        _figure(s, 14, 1, ("people_with_prop64_conviction",),
                countifs(("person_first_row", True))),
        Cell(15, 0, "People getting any relief", style="label"),
        _figure(s, 15, 1, ("chosen", "people_with_relief"),
                countifs(("person_first_row", True), ("person_relief", True))),
    ]
    cells += list(_outcome_rows(content))
    cells.append(Cell(*MANIFEST_AT, json.dumps(summary_manifest(content)), style="key"))
    cells += list(_related_rows(s, content.criteria.related_charges))
    cells += summary_variable_cells(content)
    return cells


def _figure(summary: dict[str, Any] | None, row: int, col: int, key: tuple[str, ...],
            formula: str) -> Cell:
    return Cell(row, col, lookup(summary, key) or 0, formula=formula, style="count", key=key)


def _section_rows(content: WorkbookContent) -> list[Cell]:
    s = content.summary
    counts = _by_section(content)
    prop64 = ("conviction_type", PROP64_TYPE)
    cells: list[Cell] = []
    for row, section in zip(SECTION_ROWS, PROP64_SECTIONS, strict=True):
        here = ("section", section)
        by_level = ("prop64_convictions_by_section", section)
        felony = _figure(s, row, 1, (*by_level, "felony"),
                         countifs(here, ("level", "Felony"), prop64))
        other = _figure(s, row, 2, (*by_level, "non_felony"),
                        countifs(here, ("level", '"<>Felony"'), prop64))
        cells += [Cell(row, 0, f"HS {section}", style="label"), felony, other,
                  Cell(row, 3, felony.value + other.value, formula=f"=B{row + 1}+C{row + 1}",
                       style="count")]
        for col, (part, outcome) in enumerate(
                (("dismissals_by_section", DISMISSAL), ("reductions_by_section", REDUCTION),
                 (None, NOT_ELIGIBLE), (None, HAND_REVIEW)), start=4):
            key = ("chosen", part, section) if part else None
            cells.append(Cell(row, col, counts.get((section, outcome), 0),
                              formula=countifs(here, ("outcome", outcome), prop64),
                              style="count", key=key))
    first, last = SECTION_ROWS[0] + 1, SECTION_ROWS[-1] + 1
    total_row = SECTION_ROWS[-1] + 1
    cells.append(Cell(total_row, 0, "Total", style="header"))
    for col in range(1, len(SUMMARY_TABLE_COLS)):
        letter = chr(ord("A") + col)
        cached = sum(c.value for c in cells if c.col == col and c.row in SECTION_ROWS)
        key = ("prop64_convictions",) if col == 3 else None
        cells.append(Cell(total_row, col, cached, formula=f"=SUM({letter}{first}:{letter}{last})",
                          style="count", key=key))
    every = countifs(prop64)[1:]
    cells += [Cell(SECTION_CHECK_ROW, 0, "Check: every Prop 64 conviction is in one section "
                   "and one outcome", style="label"),
              check_cell(SECTION_CHECK_ROW, 3, f"D{total_row + 1}", every),
              check_cell(SECTION_CHECK_ROW, 4, f"SUM(E{total_row + 1}:H{total_row + 1})",
                         every)]
    return cells


def _by_section(content: WorkbookContent) -> dict[tuple[str, str], int]:
    """Determinations by section and outcome, as cached values for the section table
    (the formulas recount them; summary.json has dismissals and reductions only)."""
    facts, determined = content.facts, content.determinations
    if facts.empty or determined.empty:
        return {}
    prop64 = (facts["conviction_type"] == PROP64_TYPE).to_numpy()
    final = final_outcome(determined)
    pairs = pd.DataFrame({"section": facts["section"].to_numpy()[prop64],
                          "outcome": final.to_numpy()[prop64]})
    return {k: int(v) for k, v in pairs.value_counts().items()}


def summary_manifest(content: WorkbookContent) -> dict[str, Any]:
    """Where the cells cmr-xl computes sit on the Summary, so that the add-in's scripts
    know what the sheet held before they rewrite it: the what-if table (header row, first
    computed column, each row's path in summary.json, number of computed columns) and the
    rows of the part whose length varies (dismissal reasons, criteria sentences)."""
    variable = summary_variable_cells(content)
    return {
        "what_if": {
            "header_row": OUTCOME_HEADER_ROW, "first_col": 2,
            "rows": [[OUTCOME_HEADER_ROW + 1 + i, list(path)]
                     for i, (_, path) in enumerate(OUTCOME_ROWS)],
            "columns": 1 + len(content.scenarios)},
        "variable": {"first_row": SUMMARY_VARIABLE_START,
                     "last_row": max(c.row for c in variable)},
    }


def _outcome_rows(content: WorkbookContent) -> Iterator[Cell]:
    s = content.summary
    yield Cell(17, 0, "Outcomes under each set of criteria (what-if)", style="heading")
    names = [("Chosen criteria", ("chosen",)), ("Dismiss all Prop 64", ("dismiss_all_prop64",))]
    names += [(c.name, ("scenarios", c.name)) for c in content.scenarios]
    yield Cell(18, 0, "Prop 64 convictions / people", style="header")
    for col, (name, _) in enumerate(names, start=1):
        yield Cell(18, col, name, style="header")
    prop64 = ("conviction_type", PROP64_TYPE)
    first = ("person_first_row", True)
    formulas = [countifs(("outcome", d), prop64) for d in DETERMINATIONS] + [
        countifs(prop64),
        countifs(first, ("person_relief", True)),
        countifs(first, ("no_felony_after", True)),
        countifs(first, ("no_recent_conviction_after", True)),
        countifs(first, ("no_conviction_after", True)),
    ]
    for offset, ((label, path), formula) in enumerate(zip(OUTCOME_ROWS, formulas, strict=True)):
        row = 19 + offset
        yield Cell(row, 0, label, style="label")
        yield _figure(s, row, 1, ("chosen", *path), formula)
        for col, (_, prefix) in enumerate(names[1:], start=2):
            key = (*prefix, *path)
            value = lookup(s, key)
            yield Cell(row, col, value if value is not None else "", style="computed", key=key)
    yield Cell(OUTCOME_CHECK_ROW, 0, "Check: the four outcomes add up to the total",
               style="label")
    top = OUTCOME_HEADER_ROW + 2
    total = top + len(DETERMINATIONS)
    for col in range(1, len(names) + 1):
        letter = chr(ord("A") + col)
        yield check_cell(OUTCOME_CHECK_ROW, col, f"SUM({letter}{top}:{letter}{total - 1})",
                         f"{letter}{total}")
    # two lines, each within the printed columns A-H (one long cell was cut on paper)
    yield Cell(OUTCOME_CHECK_ROW + 1, 0, "Chosen criteria: the final outcome (the DA decision "
               "when there is one, else the determination).", style="note")
    yield Cell(OUTCOME_CHECK_ROW + 2, 0, "'Dismiss all Prop 64' and named what-if columns were "
               "computed by cmr-xl with the results, without DA decisions; name your own on "
               "the Criteria sheet.", style="note")


def _related_rows(s: dict[str, Any] | None, reviewed: bool) -> Iterator[Cell]:
    heading = ("Related charges in the same case" if reviewed else
               "Related charges in the same case: not reviewed under these criteria")
    yield Cell(RELATED_HEADING_ROW, 0, heading, style="heading")
    related = ("conviction_type", RELATED_TYPE)
    first = RELATED_HEADING_ROW + 1
    for offset, outcome in enumerate(DETERMINATIONS):
        row = first + offset
        yield Cell(row, 0, outcome, style="label")
        key = ("related_charges", outcome)
        formula = countifs(("outcome", outcome), related)
        yield Cell(row, 1, lookup(s, key) or 0, formula=formula, style="count",
                   key=key if lookup(s, key) is not None else None)
    total = first + len(DETERMINATIONS)
    yield Cell(total, 0, "Total: related charges", style="header")
    yield Cell(total, 1, sum((lookup(s, ("related_charges", o)) or 0) for o in DETERMINATIONS),
               formula=countifs(related), style="count")
    yield Cell(total + 1, 0, "Check: the four outcomes add up to the total", style="label")
    yield check_cell(total + 1, 1, f"SUM(B{first + 1}:B{total})", f"B{total + 1}")


def summary_variable_cells(content: WorkbookContent) -> list[Cell]:
    """The Summary's last part, whose length depends on the data: dismissals by reason
    (COUNTIFS over Results) and the criteria in force as sentences, with each what-if
    scenario's changes. The writer, `cmr-xl recalc` and the add-in's scripts all write
    these cells."""
    return list(_variable_rows(content))


def _variable_rows(content: WorkbookContent) -> Iterator[Cell]:
    s = content.summary
    row = SUMMARY_VARIABLE_START
    yield Cell(row, 0, "Dismissals by reason (chosen criteria)", style="heading")
    row += 1
    yield Cell(row, 0, "Reason", style="header")
    yield Cell(row, 1, "Dismissals", style="header")
    reasons = lookup(s, ("chosen", "dismissals_by_reason")) or {}
    prop64 = ("conviction_type", PROP64_TYPE)
    first = row + 2
    for reason, count in reasons.items():
        row += 1
        yield Cell(row, 0, reason, style="label")
        # counted by the reason category (the reason without a note after ';', or the DA
        # decision), exactly as summary.json counts it
        formula = countifs(("outcome", DISMISSAL), ("reason_category", reason), prop64)
        yield Cell(row, 1, count, formula=formula, style="count",
                   key=("chosen", "dismissals_by_reason", reason))
    if not reasons:
        row += 1
        yield Cell(row, 0, "No dismissals yet: import a DOJ file, or recalculate.", style="note")
    row += 1
    yield Cell(row, 0, "Total: dismissals", style="header")
    yield Cell(row, 1, sum(reasons.values()), formula=f"=SUM(B{first}:B{row})" if reasons
               else "=0", style="count")
    row += 1
    yield Cell(row, 0, "Check: the reasons add up to all dismissals", style="label")
    yield check_cell(row, 1, f"B{row}", countifs(("outcome", DISMISSAL), prop64)[1:])
    row += 2
    yield Cell(row, 0, f"Criteria in force ({content.criteria.name})", style="heading")
    for sentence in content.criteria.sentences():
        row += 1
        yield Cell(row, 0, sentence)
    for scenario in content.scenarios:
        row += 2
        yield Cell(row, 0, f"What-if scenario '{scenario.name}' changes:", style="heading")
        chosen = dict(zip([s.key for s in criterion_specs()], content.criteria.sentences(),
                          strict=True))
        for spec, sentence in zip(criterion_specs(), scenario.sentences(), strict=True):
            if sentence != chosen[spec.key]:
                row += 1
                yield Cell(row, 0, sentence)


# --- About --------------------------------------------------------------------------------


def about_cells(content: WorkbookContent) -> list[Cell]:
    """The audit sheet: version, inputs with size and SHA-256, county, as-of date,
    criteria snapshot, times and row accounting. Column A holds machine keys (hidden)
    so that recalculation can carry the input details over without the DOJ file."""
    audit = content.audit
    rows: list[tuple[str, str, Any]] = [
        ("cmr_xl_version", "cmr-xl version", audit.get("cmr_xl_version", __version__)),
        ("county", "County", content.county),
        ("as_of", "Eligibility as of", content.criteria.as_of),
        ("computed_at", "Determinations computed (UTC)", content.computed_at),
        ("computed_by", "Computed by", content.computed_by),
        ("run.started", "DOJ file read (UTC)", audit.get("started", "")),
        ("run.seconds", "Run time (seconds)", audit.get("seconds", "")),
    ]
    inputs = audit.get("inputs") or []
    rows.append(("inputs", "Input files", len(inputs)))
    for number, info in enumerate(inputs, start=1):
        for name, value in info.items():
            rows.append((f"input.{number}.{name}", f"Input file {number}: "
                         f"{name.replace('_', ' ')}", value))
    for name, value in (audit.get("rows") or {}).items():
        if isinstance(value, (int, float, str)):
            rows.append((f"rows.{name}", f"Rows: {name.replace('_', ' ')}", value))
    set_aside = (audit.get("rows") or {}).get("set_aside") or {}
    rows.append(("set_aside", "Convictions naming HS 11357-11360 set aside, not determined "
                 "(each listed with file, line and why in set_aside_convictions.csv)",
                 sum(set_aside.values())))
    rows += [(f"set_aside.{reason}", f"Set aside: {reason}", count)
             for reason, count in set_aside.items()]
    overrides = lookup(content.summary, ("chosen", "da_overrides")) or {}
    rows.append(("da_overrides", "DA decisions that change the outcome (Results, column "
                 "'DA decision'; the Summary and court copies count the final outcome)",
                 sum(overrides.values())))
    rows += [(f"da_overrides.{choice}", f"DA decision: {choice}", count)
             for choice, count in overrides.items()]
    notes = reader_notes(audit)
    rows.append(("notes", "Notes on reading the DOJ file(s) (also printed by cmr-xl run)",
                 len(notes)))
    rows += [(f"note.{number}", f"Note {number}", note)
             for number, note in enumerate(notes, start=1)]
    rows.append(("criteria_name", "Criteria", content.criteria.name))
    for spec in criterion_specs():
        value = cell_value(spec, getattr(content.criteria, spec.key))
        rows.append((f"criteria.{spec.key}", f"Criterion: {spec.label}", value))
    for number, scenario in enumerate(content.scenarios, start=1):
        changes = {k: v for k, v in scenario.as_mapping().items()
                   if v != content.criteria.as_mapping()[k]}
        specs = {spec.key: spec for spec in criterion_specs()}
        rows.append((f"scenario.{number}", f"What-if scenario: {scenario.name}",
                     "; ".join(f"{specs[k].label}: {_words(cell_value(specs[k], v))}"
                               for k, v in changes.items())))
    cells = [Cell(0, ABOUT_LABEL_COL, "About these results", style="title")]
    for offset, (key, label, value) in enumerate(rows):
        row = ABOUT_FIRST_ROW + offset
        note = key.startswith("note.")
        style = ("date" if key in ("as_of", "criteria.as_of") else
                 "wrapped" if note else "value")
        cells += [Cell(row, ABOUT_KEY_COL, key, style="key"),
                  Cell(row, ABOUT_LABEL_COL, label, style="top" if note else "text"),
                  Cell(row, ABOUT_VALUE_COL, value, style=style)]
    return cells


def _words(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def row_heights(cells: list[Cell]) -> dict[int, float]:
    """Heights (points) of the rows whose wrapped text needs more than one line (Excel and
    LibreOffice keep a row one line high when they open a file, whatever it holds), and of
    the Summary's table headers, two lines each."""
    heights: dict[int, float] = {}
    for cell in cells:
        if cell.style == "header" and cell.row in HEADER_ROWS and cell.col == 0:
            heights[cell.row] = 2 * LINE_HEIGHT
        if cell.style == "wrapped" and isinstance(cell.value, str):
            lines = sum(max(1, math.ceil(len(part) / WRAPPED_LINE_CHARS))
                        for part in cell.value.split("\n"))
            if lines > 1:
                heights[cell.row] = max(heights.get(cell.row, 0.0), LINE_HEIGHT * lines)
    return heights


def reader_notes(audit: dict[str, Any]) -> list[str]:
    """What the DOJ reader repaired, rejected or found odd, in plain words: the same
    notes `cmr-xl run` prints and summary.json keeps under "rows"."""
    return [str(note) for note in (audit.get("rows") or {}).get("notes") or [] if note]


def check_related_charges_held(criteria: Criteria, about: dict[str, Any], where: str) -> None:
    """Related charges are read from the DOJ file only when the criteria review them: a
    workbook imported without them holds none, so switching them on there cannot review
    anything. Say so rather than report zero related charges."""
    before = str(about.get("criteria.related_charges", "")).strip().casefold()
    if criteria.related_charges and before in ("no", "false", "0"):
        raise InputError(
            where, "related charges were switched on after the import, but this workbook "
            "holds only the Prop 64 convictions (related charges are read from the DOJ file "
            "only when they are reviewed)", "Import the DOJ file again with these criteria "
            "(`cmr-xl run DOJ_FILE --criteria THIS.xlsx --workbook NEW.xlsx`, or the "
            "add-in's import_doj_file), or set the cell back to 'no'")


def audit_from_about(about: dict[str, Any]) -> dict[str, Any]:
    """What a workbook's About sheet (read back as {key: value}) says about the run that
    read the DOJ file: inputs, row accounting and the reader's notes carry over to every
    recalculation, which does not read the file again."""
    inputs: dict[int, dict[str, Any]] = {}
    notes: dict[int, str] = {}
    rows: dict[str, Any] = {}
    for key, value in about.items():
        if key.startswith("input."):
            _, number, name = key.split(".", 2)
            if number.isdigit():
                inputs.setdefault(int(number), {})[name] = value
        elif key.startswith("note."):
            number = key.split(".", 1)[1]
            if number.isdigit() and value not in (None, ""):
                notes[int(number)] = str(value)
        elif key.startswith("rows."):
            rows[key.split(".", 1)[1]] = value
        elif key.startswith("set_aside.") and str(value).strip().isdigit():
            rows.setdefault("set_aside", {})[key.split(".", 1)[1]] = int(str(value).strip())
    if notes:
        rows["notes"] = [notes[n] for n in sorted(notes)]
    return {
        "cmr_xl_version": __version__,
        "started": about.get("run.started") or "",
        "seconds": about.get("run.seconds") or "",
        "inputs": [inputs[n] for n in sorted(inputs)],
        "rows": rows,
    }


def _typed_date(t: str) -> str:
    """A date typed as text, read exactly as the criteria parser reads it (YYYY-MM-DD,
    YYYYMMDD or MM/DD/YYYY, digits only, a real day), else 0: the Check cell then refuses
    what recalc refuses. The digits are put in ISO order for DATEVALUE, which reads ISO
    dates in every language (and refuses a day that does not exist)."""

    def digits(*positions: int) -> str:
        places = ",".join(map(str, positions))
        return f"SUMPRODUCT(--ISERR(-MID({t},{{{places}}},1)))=0"

    iso = f'AND(LEN({t})=10,MID({t},5,1)="-",MID({t},8,1)="-",{digits(1, 2, 3, 4, 6, 7, 9, 10)})'
    us = f'AND(LEN({t})=10,MID({t},3,1)="/",MID({t},6,1)="/",{digits(1, 2, 4, 5, 7, 8, 9, 10)})'
    compact = f"AND(LEN({t})=8,{digits(1, 2, 3, 4, 5, 6, 7, 8)})"
    us_iso = f'RIGHT({t},4)&"-"&LEFT({t},2)&"-"&MID({t},4,2)'
    compact_iso = f'LEFT({t},4)&"-"&MID({t},5,2)&"-"&RIGHT({t},2)'
    return (f"IFERROR(IF({iso},DATEVALUE({t}),IF({us},DATEVALUE({us_iso}),"
            f"IF({compact},DATEVALUE({compact_iso}),0))),0)")


def check_formula(spec_kind: str, value_cell: str, used_cell: str, allowed: str,
                  list_ref: str | None = None, bounds: tuple[int, int] | None = None,
                  aliases: tuple[str, ...] = ()) -> str:
    """The Criteria sheet's Check cell: a message when the value cannot be used, a note
    when it differs from what the results used, else empty. It accepts what recalc and
    export accept (one rule, `criteria`'s parser): any case, spaces around, a number or a
    date typed as text, yes/no as y/true/1/on..., a choice's dropdown words or its short
    word (`aliases`, e.g. dismiss); recalc then writes such a value back in the dropdown's
    wording, so "Changed since..." shows until then."""
    v, u = value_cell, used_cell
    t = f"TRIM({v})"
    if spec_kind == "date":
        first, last = (serial_from_date(day) for day in DATE_RANGE)
        d = f"IF(ISNUMBER({v}),INT({v}),{_typed_date(t)})"
        invalid = f"OR({d}<{first},{d}>{last})"
    elif spec_kind == "switch":
        words = ",".join(f'"{w}"' for w in SWITCH_WORDS)
        invalid = f"AND(LEN({t})>0,ISNA(MATCH(LOWER({t}),{{{words}}},0)))"
    elif spec_kind == "number":
        low, high = bounds or (0, 0)
        n = f"IFERROR(VALUE({t}),0.5)"
        invalid = (f"IF(LEN({t})=0,FALSE,NOT(AND({n}=INT({n}),"
                   f"OR({n}=0,AND({n}>={low},{n}<={high})))))")
    elif list_ref:
        words = ",".join(f'"{w}"' for w in aliases) or '""'
        invalid = (f"AND(SUMPRODUCT(--({list_ref.lstrip('=')}={t}))=0,"
                   f"SUMPRODUCT(--({{{words}}}={t}))=0)")
    else:
        invalid = "FALSE"
    message = f"Not valid: use {allowed}"
    return (f'=IF({invalid},"{message}",IF(OR(ISBLANK({u}),{u}={v}),"","{CHANGED}"))')


#: What a yes/no criterion accepts: the parser's words (any case, spaces around).
SWITCH_WORDS = SWITCH_YES + SWITCH_NO


__all__ = ["CHECK_COL", "Cell", "STYLES", "WorkbookContent", "about_cells", "audit_from_about",
           "reader_notes", "row_heights", "summary_cells", "summary_variable_cells"]

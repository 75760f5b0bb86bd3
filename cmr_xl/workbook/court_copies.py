"""Court copies: one plain workbook per court, made from a filled cmr-xl workbook.

Court staff have no add-in and no Python, and must not receive what they do not need. So
each copy holds values only (no formulas, macros or links: nothing to recalculate, nothing
to trust), only the columns a clerk needs to find and update a case (`court=True` in
results_columns), only that court's cases, and a Summary and About that read the same in
Excel and LibreOffice. Text is always written as a string cell, never parsed as a formula,
and text a spreadsheet would take for one when edited carries Excel's quote prefix.

`export_for_courts` is the one entry point of `cmr-xl export`, the server and the add-in's
export scripts: the copies, the AB 1793 notices (notices.py) and summary.pdf as one output
set; `export_court_copies` writes the copies alone.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import cell_text, criterion_value, shown_column, shown_dates
from cmr_xl.output.csv_bundle import FORMULA_LIKE
from cmr_xl.output.files import atomic_path
from cmr_xl.output.output_set import open_in_office, output_set
from cmr_xl.rules.criteria import PROP64_SECTIONS, criteria_from_mapping, criterion_specs
from cmr_xl.rules.outcomes import DETERMINATIONS, DISMISSAL, NOT_REVIEWED, PROP64_TYPE, REDUCTION
from cmr_xl.rules.results_columns import RESULT_COLUMNS, Column
from cmr_xl.workbook import layout as L
from cmr_xl.workbook import row_integrity
from cmr_xl.workbook.cell_text import clean_text
from cmr_xl.workbook.decisions import check_decisions
from cmr_xl.workbook.printing import print_setup
from cmr_xl.workbook.reader import (
    HEADER_SEARCH_ROWS,
    Workbook,
    cell_at,
    criterion_locations,
    header_label,
    read_about,
    read_criteria,
    read_results,
)

CASES, SUMMARY, ABOUT = "Cases", "Summary", "About"
FILE_PREFIX = "court-copy_"
NO_COURT = "Court not recorded"
#: DOJ names a court by its kind and place: CASC (superior), CAMC (municipal), CAJC
#: (justice) SACRAMENTO. Trial court unification (1998-2001) merged each county's
#: municipal and justice courts into its superior court, which holds their records now:
#: one court to a person, so the copies group by the place without the historic kind.
COURT_KIND = re.compile(r"^\s*CA(?:SC|MC|JC)\s+(?=\S)", re.IGNORECASE)
SHEET_ROW = "_sheet_row"  # 0-based row of a case on the Results sheet, for messages
ERROR_VALUE = re.compile(r"^#(?:NAME\?|N/A|VALUE!|REF!|DIV/0!|NUM!|NULL!|SPILL!|CALC!|BUSY!|GETTING_DATA)")
#: A string Excel would read as a formula if a clerk edits the cell (F2, Enter); such cells
#: get the quote prefix, as if typed with a leading apostrophe.
FORMULA_LIKE_TEXT = re.compile(FORMULA_LIKE)
#: Current Excel's calculation engine id: an older id makes Excel recalculate on open and
#: ask to save on close, although a court copy has nothing to calculate.
EXCEL_CALC_ID = 191029
WRITE_CHUNK = 1024  # a copy reaches the disk in pieces, like any file a program saves

_BY_KEY = {c.key: c for c in RESULT_COLUMNS}
#: The order a court clerk reads a case in (product spec); any other court=True column
#: follows in declaration order, so a new one cannot be forgotten.
_CLERK_ORDER = ("court", "court_ori", "case_number", "cii", "name", "dob", "conviction_date",
                "code_section", "level", "relief", "determination", "reason")
CASE_COLUMNS: tuple[Column, ...] = tuple(
    [_BY_KEY[k] for k in _CLERK_ORDER if _BY_KEY[k].court]
    + [c for c in RESULT_COLUMNS if c.court and c.key not in _CLERK_ORDER])
#: Read to filter, count and summarise, but never written to a copy.
_HELPER_COLUMNS = tuple(_BY_KEY[k] for k in ("person_id", "county", "section", "conviction_type"))
REQUIRED_COLUMNS = CASE_COLUMNS + _HELPER_COLUMNS

LEFT_OUT = ("Social Security, driver licence and FBI numbers", "Race and physical description",
            "DOJ subject ids and decision traces", "Other courts' and other counties' cases")
STYLES: dict[str, dict[str, Any]] = {
    "text": {},
    "header": {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
               "valign": "top"},
    "title": {"bold": True, "font_size": 14},
    "note": {"italic": True, "font_color": "#595959"},
    "label": {"border": 1},
    "count": {"num_format": "#,##0", "border": 1},
}
#: A long sentence or value wraps in its cell (the notices' notes and grounds).
STYLES |= {f"{style}_wrapped": {**STYLES[style], "text_wrap": True, "valign": "top"}
           for style in ("text", "note")}
#: Column widths (characters) that fit the usual values.
WIDTHS = {"court": 18, "court_ori": 15, "case_number": 12, "cii": 11, "name": 24, "dob": 11,
          "conviction_date": 11, "code_section": 15, "level": 12, "relief": 34,
          "determination": 21, "reason": 40, "outcome": 21, "da_grounds": 24}
#: Folded away (outline, [+] above the sheet) and so not printed: what the court does not
#: act on. The court acts on the Final outcome and its Relief (which carries a challenge's
#: grounds); the rules' own determination and reason, the DA's word and grounds and the
#: ORI code stay in the file, one click away. The 10 columns left print one landscape
#: Letter page wide at about 75% (8 pt text; all 15 printed at about 5.5 pt), so a row is
#: never split across two sheets of paper.
NOT_PRINTED = frozenset({"court_ori", "determination", "reason", "da_decision", "da_grounds"})


@dataclass(frozen=True)
class Source:
    """Where a copy's cases came from, for its About sheet."""

    name: str
    sha256: str
    size_bytes: int
    county: str
    as_of: date | str | None
    criteria_name: str
    computed_at: str
    computed_by: str


# --- public entry point --------------------------------------------------------------------


def export_court_copies(book_path: str | Path, out_dir: str | Path, per: str = "court",
                        send_pending: bool = False) -> list[Path]:
    """Write one court copy per court (or one for the county, `per="county"`) of
    `book_path`'s Results into `out_dir`; returns the paths written, in court order.
    Every problem a user can fix is an InputError."""
    return export_for_courts(book_path, out_dir, per=per, notices=False, summary=False,
                             send_pending=send_pending)


def export_for_courts(book_path: str | Path, out_dir: str | Path, *, per: str = "court",
                      notices: bool = True, summary: bool = True, send_pending: bool = False,
                      notes: list[str] | None = None) -> list[Path]:
    """Court copies, AB 1793 notices (notices.py) and summary.pdf (pdf_summary.py), one
    output set: checked and locked before the first write, all appear together or none.
    Returns the paths written: copies, then notices, then the PDF."""
    book_path, out = Path(book_path), Path(out_dir)
    book = Workbook(book_path)
    about = read_about(book_path, book=book) if L.ABOUT in book.sheet_names else {}
    _check_criteria_current(book, about)
    source = _source(book, book_path, about)
    cases = read_cases(book)
    _check_rows_imported(book, cases, about)
    left_out = list(cases.attrs.get("stray_notes") or [])  # said by export, never dropped
    cases = _this_county(cases, source, book_path)
    cases = _reviewed(cases)
    _check_determined(cases, book_path)
    said = check_decisions(cases, book_path, send_pending, SHEET_ROW)  # DA decisions
    lock = open_in_office(book_path)
    if notes is not None:
        notes += left_out + said
        if lock is not None:  # a clerk still editing: what the court gets is the saved file
            notes.append(f"{book_path.name} is open in Excel or LibreOffice (lock file "
                         f"{lock.name}): the copies hold the workbook as last saved; if you "
                         "changed anything since, save it there and export again")
    courts = split_by_court(cases, per=per, county=source.county)
    copies = [out / name for name in file_names(courts)]
    targets = list(copies)
    if notices:
        from cmr_xl.workbook.notices import notice_file_names, write_notice

        notice_targets = [out / name for name in notice_file_names(courts)]
        targets += notice_targets
    document = None
    if summary:  # fpdf is imported only when a page is written
        from cmr_xl.output.pdf_summary import SUMMARY_PDF, write_summary_pdf
        from cmr_xl.workbook.recalc import recalculated_content

        document = recalculated_content(book_path, book).summary or {}
        targets.append(out / SUMMARY_PDF)
    exported = datetime.now(UTC).replace(microsecond=0)
    # checked and locked before the first write; all copies appear together or none
    with output_set(targets, inputs=[book_path]):
        for (court, frame), target in zip(courts.items(), copies, strict=True):
            write_court_copy(target, court, frame, source, exported)
        if notices:
            for (court, frame), target in zip(courts.items(), notice_targets, strict=True):
                write_notice(target, court, frame, source, exported)
        if document is not None:
            write_summary_pdf(document, out / SUMMARY_PDF)
    return targets


# --- reading the Results sheet ---------------------------------------------------------------


def read_cases(book: Workbook) -> pd.DataFrame:
    """The REQUIRED_COLUMNS of every Results row as a copy shows them (text, dates as
    date), read by the one Results reader (reader.read_results), with the import's
    identity columns when the sheet has them (for _check_rows_imported)."""
    _check_results_sheet(book)
    identity = tuple(c for c in row_integrity.IDENTITY if c not in REQUIRED_COLUMNS)
    frame = read_results(book.path, book=book, columns=REQUIRED_COLUMNS, optional=identity,
                         typed=shown_column, stray="left out of the court copies")
    frame[SHEET_ROW] = frame.attrs["sheet_rows"]
    return frame


def _check_rows_imported(book: Workbook, cases: pd.DataFrame, about: dict[str, Any]) -> None:
    """Every conviction the import wrote, once (row_integrity); a Results sheet without
    the identity columns has no import record to check against."""
    if not all(c.key in cases for c in row_integrity.IDENTITY):
        return
    row_integrity.refuse(cases, about, book.path, row_integrity.imported_of(book))


def _check_determined(cases: pd.DataFrame, path: Path) -> None:
    """Every case must carry a determination and relief in words: an empty or error cell
    (the add-in's formulas saved without the add-in read back as #NAME? or nothing)
    must never reach a court as a blank."""
    for key, valid in (("determination", lambda v: v in DETERMINATIONS),
                       ("relief", lambda v: bool(v) and not ERROR_VALUE.match(v))):
        bad = ~cases[key].map(valid).astype(bool)
        if bad.any():
            first = cases[bad].iloc[0]
            where = L.a1(first[SHEET_ROW], cases.attrs["columns"][key])
            raise InputError(
                L.place(path, L.RESULTS, where), f"{_BY_KEY[key].label} is "
                f"{first[key] or 'empty'!r} ({int(bad.sum()):,} row(s) like it)",
                "Recalculate (the add-in's Recalculate button, or `cmr-xl recalc "
                f"{path.name}`) and save, then export again; nothing was written")


def _check_results_sheet(book: Workbook) -> None:
    """A missing Results sheet is an error that says which sheet looks like it."""
    if L.RESULTS in book.sheet_names:
        return
    wanted = {c.label.casefold() for c in CASE_COLUMNS}
    lookalikes = [name for name in book.sheet_names
                  if name.strip().casefold() == L.RESULTS.casefold()
                  or any(wanted <= {header_label(v) for v in row}
                         for row in book.rows(name)[:HEADER_SEARCH_ROWS])]
    fix = (f"Sheet '{lookalikes[0]}' holds the results: rename it back to '{L.RESULTS}'"
           if lookalikes else "Export from a workbook written by `cmr-xl run ... --workbook` "
           "or the add-in")
    raise InputError(f"{book.path.name}: sheet '{L.RESULTS}'",
                     f"is missing (sheets found: {', '.join(book.sheet_names) or 'none'})", fix)


# --- what the copies hold ---------------------------------------------------------------------


def _source(book: Workbook, path: Path, about: dict[str, Any]) -> Source:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Source(
        name=path.name, sha256=digest.hexdigest(), size_bytes=path.stat().st_size,
        county=(cell_text(about.get("county")) or "").strip().upper(),
        as_of=shown_dates([about.get("as_of")]).iloc[0],
        criteria_name=cell_text(about.get("criteria_name")) or "",
        computed_at=cell_text(about.get("computed_at")) or "",
        computed_by=cell_text(about.get("computed_by")) or "")


def _check_criteria_current(book: Workbook, about: dict[str, Any]) -> None:
    """Refuse results computed under other criteria than the Criteria sheet shows: a court
    must never receive determinations the DA did not mean to send. Compares each value
    cell with the criteria snapshot on the About sheet (what the results used), so that
    it works whether or not the Check formulas were recalculated. The value cells are
    found by their defined names, so a renamed Criteria sheet is still checked; when
    neither they nor the sheet can be found, or the snapshot is gone, nothing is written.
    (A workbook with neither, such as a hand-made Results sheet, has nothing to check.)"""
    used = {spec.key: about[f"criteria.{spec.key}"] for spec in criterion_specs()
            if f"criteria.{spec.key}" in about}
    cells = criterion_locations(book)
    name = book.path.name
    if not used:
        if cells:
            raise InputError(
                f"{name}: sheet '{L.ABOUT}'", "does not record the criteria the results were "
                f"computed with (sheets found: {', '.join(book.sheet_names)}), so cmr-xl "
                "cannot check them against the Criteria sheet",
                f"Rename the sheet back to '{L.ABOUT}' if it was renamed, or recalculate "
                f"(`cmr-xl recalc {name}`) to record them again; nothing was written")
        return
    if not cells:
        raise InputError(
            f"{name}: sheet '{L.CRITERIA}'", f"is missing (sheets found: "
            f"{', '.join(book.sheet_names)}), so cmr-xl cannot check that the results were "
            "computed with the criteria the workbook shows",
            f"Rename the sheet back to '{L.CRITERIA}'; nothing was written")
    if L.CRITERIA in book.sheet_names:  # a value recalc refuses, refused in recalc's words
        read_criteria(book.path, book=book)
    for key, value in used.items():
        if key not in cells:
            spec = next(s for s in criterion_specs() if s.key == key)
            raise InputError(
                L.place(name, L.CRITERIA), f"the row for '{spec.label}' is missing, so cmr-xl "
                "cannot check that the results were computed with the criteria it shows",
                "Restore it (Undo), then export again; nothing was written")
        sheet, row, col = cells[key]
        where = L.place(name, sheet, L.a1(row, col))
        if _criterion(key, cell_at(book.rows(sheet), row, col), where) != _criterion(
                key, value, where, snapshot=True):
            raise InputError(
                L.place(name, sheet, L.a1(row, col)),
                f"this criterion was changed after the results were computed (they used "
                f"{cell_text(value) or 'nothing'!r})", f"Recalculate first (the add-in's Recalculate "
                f"button, or `cmr-xl recalc {name}`), or undo the change; nothing was "
                "written")


def _criterion(key: str, raw: Any, where: str, *, snapshot: bool = False) -> Any:
    """A criterion cell's value as recalc reads it (one rule: 'Dismiss ', '57' as text and
    2020-07-01 typed as text are the values they say); a value recalc would refuse is
    refused here with recalc's message. The About snapshot is only compared."""
    spec = next(s for s in criterion_specs() if s.key == key)
    try:
        parsed = criteria_from_mapping({key: criterion_value(raw, spec.kind)},
                                       locations={key: where})
    except InputError:
        if snapshot:
            return _comparable(raw)
        raise
    return getattr(parsed, key)


def _comparable(value: Any) -> Any:
    """A criterion cell's value, blind to case, spacing, empty-versus-blank and
    date-versus-datetime."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return re.sub(r"\s+", "", value).casefold()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _reviewed(cases: pd.DataFrame) -> pd.DataFrame:
    """Related charges reach a court only when the office reviewed them."""
    skipped = (cases["conviction_type"] != PROP64_TYPE) & (cases["reason"] == NOT_REVIEWED)
    return cases[~skipped.to_numpy()]


def _this_county(cases: pd.DataFrame, source: Source, path: Path) -> pd.DataFrame:
    """Only the workbook's county: a court copy never carries another county's rows."""
    counties = cases["county"].map(lambda v: v.strip().upper() if isinstance(v, str) else "")
    county = source.county
    if not county:
        found = sorted(set(counties) - {""})
        if len(found) > 1:
            raise InputError(L.place(path, L.ABOUT), "the county is not recorded and the "
                             f"Results hold several ({', '.join(found[:5])})",
                             "Write the workbook again with `cmr-xl run ... --workbook`")
        county = found[0] if found else ""
    kept = cases[counties == county].reset_index(drop=True)
    kept.attrs = dict(cases.attrs)
    if kept.empty:
        raise InputError(L.place(path, L.RESULTS, "A2"), f"no cases of {county or 'the county'} "
                         "to export", "Import the county's DOJ file first (or `cmr-xl run ... "
                         "--workbook`)")
    return kept


def court_group(description: str | None) -> str:
    """The court as a person names it: DOJ's court description without its historic kind
    (CASC/CAMC/CAJC SACRAMENTO -> SACRAMENTO), spaces made single; NO_COURT when empty."""
    text = re.sub(r"\s+", " ", description.strip()) if isinstance(description, str) else ""
    return COURT_KIND.sub("", text) if text else NO_COURT


def split_by_court(cases: pd.DataFrame, per: str = "court",
                   county: str = "") -> dict[str, pd.DataFrame]:
    """{court: its cases ordered by court and case number}, courts in alphabetical order;
    with `per="county"` one group, '<COUNTY> COUNTY', holding every court's cases. A
    court's historic codes (CASC, CAMC...) are one group (court_group)."""
    if per not in ("court", "county"):
        raise ValueError(f"per must be 'court' or 'county', not {per!r}")
    if per == "county":
        whole = f"{county or 'ALL'} COUNTY"
        court = pd.Series(whole, index=cases.index, dtype=object)
    else:
        court = cases["court"].map(court_group)
    ordered = cases.assign(_court=court, _place=cases["court"].map(court_group),
                           _order=range(len(cases))).sort_values(
        ["_court", "_place", "case_number", "name", "conviction_date", "code_section", "_order"],
        key=_sort_key, na_position="last", kind="stable")
    return {name: group.drop(columns=["_court", "_place", "_order"]).reset_index(drop=True)
            for name, group in ordered.groupby("_court", sort=True)}


def _sort_key(values: pd.Series) -> pd.Series:
    """Mixed dates and text sort as text (ISO dates sort by date)."""
    if values.name == "_order":
        return values
    return values.map(lambda v: None if v is None else str(v))


def court_file_name(court: str, taken: int = 0) -> str:
    """`court-copy_CASC-SACRAMENTO.xlsx`: letters and digits only, so the name is valid
    on every system and in an email attachment; `taken` numbers a clash."""
    safe = re.sub(r"[^A-Za-z0-9]+", "-", court).strip("-").upper()[:80] or "COURT"
    return f"{FILE_PREFIX}{safe}{f'-{taken + 1}' if taken else ''}.xlsx"


def file_names(courts: Iterable[str]) -> list[str]:
    """One distinct file name per court, numbered when two courts' names clash."""
    used: set[str] = set()
    names = []
    for court in courts:
        taken, name = 0, court_file_name(court)
        while name.casefold() in used:
            taken += 1
            name = court_file_name(court, taken)
        used.add(name.casefold())
        names.append(name)
    return names


# --- writing one copy ----------------------------------------------------------------------------


def write_court_copy(target: Path, court: str, cases: pd.DataFrame, source: Source,
                     exported: datetime) -> Path:
    """Write one copy atomically: the old file stays whole until the new one is complete.
    The zip is built in memory, so a full disk fails one plain write (no half-closed zip
    left to the garbage collector)."""
    return write_book(target, CopyBook, court, cases, source, exported)


def write_book(target: Path, book: type[CopyBook], *args: Any) -> Path:
    """Build a copy-like book (court copy, notice) in memory and write it atomically."""
    try:
        memory = io.BytesIO()
        book(memory, *args).write()
        data = memory.getbuffer()
        with atomic_path(target) as temporary, open(temporary, "wb") as handle:
            for start in range(0, len(data), WRITE_CHUNK):
                handle.write(data[start:start + WRITE_CHUNK])
    except XlsxWriterException as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(str(target), f"could not be written ({reason})",
                         "Close the file if it is open in Excel, check the disk has room and "
                         "the folder is writable, then export again") from None
    return target


class CopyBook:
    """One court copy: Cases, Summary and About sheets, values only. A notice
    (notices.py) is one too, with its own sheets: the formats and typed cells are shared."""

    def __init__(self, target: io.BytesIO, court: str, cases: pd.DataFrame, source: Source,
                 exported: datetime) -> None:
        self.court, self.cases, self.source, self.exported = court, cases, source, exported
        self.wb = xlsxwriter.Workbook(target, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False})
        self.wb.set_calc_mode("auto", calc_id=EXCEL_CALC_ID)
        self.wb.calc_on_load = False  # nothing to calculate: no fullCalcOnLoad, no save prompt
        title, subject = self.title_and_subject()
        self.wb.set_properties({
            "title": title, "subject": subject,
            "author": "cmr-xl", "comments": f"Written by cmr-xl {__version__} from {source.name}",
            "created": exported.replace(tzinfo=None)})
        self._formats: dict[tuple[str, str], Format] = {}

    def title_and_subject(self) -> tuple[str, str]:
        """The file's title and subject (its document properties)."""
        return f"Prop 64 court copy: {self.court}", "Prop 64 (HS 11361.8) relief"

    def fmt(self, style: str, kind: str = "plain") -> Format | None:
        """The format of a style for plain text, formula-like text ("quoted") or a date."""
        props = dict(STYLES[style])
        if kind == "quoted":
            props["quote_prefix"] = True
        elif kind == "date":
            props.update(num_format="yyyy-mm-dd", align="left")
        if not props:
            return None
        if (style, kind) not in self._formats:
            self._formats[style, kind] = self.wb.add_format(props)
        return self._formats[style, kind]

    def write(self) -> None:
        cases = self.wb.add_worksheet(CASES)
        summary = self.wb.add_worksheet(SUMMARY)
        about = self.wb.add_worksheet(ABOUT)
        self._cases(cases)
        self.write_rows(summary, summary_rows(self.court, self.cases, self.source))
        summary.set_column(0, 0, 46)
        summary.set_column(1, len(DETERMINATIONS) + 3, 13)
        self.write_rows(about, about_rows(self.court, self.cases, self.source, self.exported))
        about.set_column(0, 0, 30)
        about.set_column(1, 1, 70)
        print_setup(summary, f"Prop 64 court copy: {self.court}: summary", one_page=True)
        print_setup(about, f"Prop 64 court copy: {self.court}: about", landscape=False)
        cases.activate()
        self.wb.close()

    def _cases(self, ws: Worksheet) -> None:
        ws.set_row(0, 30)  # two lines of header: spreadsheets do not grow rows on open
        for col, column in enumerate(CASE_COLUMNS):
            folded = {"level": 1, "hidden": True} if column.key in NOT_PRINTED else {}
            ws.set_column(col, col, WIDTHS.get(column.key, 14), None, folded)
            ws.write_string(0, col, column.label, self.fmt("header"))
        quoted, day = self.fmt("text", "quoted"), self.fmt("text", "date")
        for row, values in enumerate(self.cases[[c.key for c in CASE_COLUMNS]].itertuples(
                index=False, name=None), start=1):
            for col, value in enumerate(values):  # text and dates inline: most of the cells
                if value is None:
                    continue
                if isinstance(value, str):
                    value = clean_text(value)
                    ws.write_string(row, col, value, quoted if FORMULA_LIKE_TEXT.match(value) else None)
                elif isinstance(value, date):
                    ws.write_datetime(row, col, datetime(value.year, value.month, value.day), day)
                else:
                    self.write_value(ws, row, col, value)
        last = max(len(self.cases), 1)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, last, len(CASE_COLUMNS) - 1)
        print_setup(ws, f"Prop 64 court copy: {self.court}", header_rows=1)

    def write_rows(self, ws: Worksheet, rows: list[tuple[str, list[Any]]]) -> None:
        """Report rows: the style of the first cell; numbers in a table get a count style."""
        for row, (style, values) in enumerate(rows):
            if style == "header" and any(len(str(v)) > 12 for v in values[1:]):
                ws.set_row(row, 30)  # room for the wrapped labels
            for col, value in enumerate(values):
                cell_style = style
                if col and style == "label" and isinstance(value, int):
                    cell_style = "count"
                elif col and style in ("title", "note"):
                    cell_style = "text"
                self.write_value(ws, row, col, value, cell_style)

    def write_value(self, ws: Worksheet, row: int, col: int, value: Any, style: str = "text") -> None:
        """Typed cells; text is a string cell whatever it looks like."""
        if value is None or value == "":
            if self.fmt(style) is not None:
                ws.write_blank(row, col, None, self.fmt(style))
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, self.fmt(style))
        elif isinstance(value, (int, float)) and math.isfinite(value):
            ws.write_number(row, col, value, self.fmt(style))
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day),
                              self.fmt(style, "date"))
        else:
            text = clean_text(str(value))
            kind = "quoted" if FORMULA_LIKE_TEXT.match(text) else "plain"
            ws.write_string(row, col, text, self.fmt(style, kind))


# --- Summary and About contents ---------------------------------------------------------------


def summary_rows(court: str, cases: pd.DataFrame, source: Source) -> list[tuple[str, list[Any]]]:
    """The court's figures as (style, cells) rows: counts are values, so they read right
    without recalculation in any spreadsheet."""
    prop64 = cases["conviction_type"] == PROP64_TYPE
    felony = cases["level"] == "Felony"
    groups = [(f"HS {s}", prop64 & (cases["section"] == s)) for s in PROP64_SECTIONS]
    if (~prop64).any():
        groups.append(("Related charges in the same case", ~prop64))
    groups.append(("Total", pd.Series(True, index=cases.index)))
    head = ["Convictions by section", "Felony", "Not felony", "Total", *DETERMINATIONS]
    rows: list[tuple[str, list[Any]]] = [
        ("title", [f"Prop 64 relief: {court}"]),
        ("note", [f"{source.county or 'County not recorded'} county; eligibility as of "
                  f"{day_text(source.as_of)}; criteria: {source.criteria_name or 'not recorded'}."]),
        ("note", ["Figures are values counted from the Cases sheet when this copy was made."]),
        ("text", []),
        ("header", head),
    ]
    for label, chosen in groups:
        determined = cases.loc[chosen, "outcome"]  # the DA decision's, else the determination
        rows.append(("label", [label, int((chosen & felony).sum()), int((chosen & ~felony).sum()),
                               int(chosen.sum()), *[int((determined == d).sum())
                                                    for d in DETERMINATIONS]]))
    person = person_keys(cases)
    relief_given = cases["outcome"].isin([DISMISSAL, REDUCTION])
    rows += [
        ("text", []),
        ("header", ["People", "Count"]),
        ("label", ["People with a case in this copy", int(person.nunique())]),
        ("label", ["People getting a dismissal or reduction here",
                   int(person[relief_given].nunique())]),
        ("text", []),
        ("header", ["Relief", "Convictions", "People"]),
    ]
    relief = cases["relief"].map(lambda v: v or "Not stated")
    for text, count in sorted(relief.value_counts().items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append(("label", [text, int(count), int(person[relief == text].nunique())]))
    return rows


def person_keys(cases: pd.DataFrame) -> pd.Series:
    """DOJ's subject id (never written), else CII, name and date of birth."""
    fallback = cases["cii"].map(str) + "|" + cases["name"].map(str) + "|" + cases["dob"].map(str)
    return cases["person_id"].where(cases["person_id"].notna(), fallback)


def about_rows(court: str, cases: pd.DataFrame, source: Source,
               exported: datetime) -> list[tuple[str, list[Any]]]:
    """Where this copy came from, so that a court can check it against the DA's workbook."""
    rows = [
        ("cmr-xl version", __version__),
        ("Court", court),
        ("Court records (as DOJ names them)",
         ", ".join(sorted({c for c in cases["court"] if isinstance(c, str) and c}))
         or "not recorded"),
        ("County", source.county or "not recorded"),
        ("Eligibility as of", source.as_of if isinstance(source.as_of, date)
         else (source.as_of or "not recorded")),
        ("Criteria", source.criteria_name or "not recorded"),
        ("Source workbook", source.name),
        ("Source workbook SHA-256", source.sha256),
        ("Source workbook size (bytes)", source.size_bytes),
        ("Determinations computed (UTC)", source.computed_at or "not recorded"),
        ("Determinations computed by", source.computed_by or "not recorded"),
        ("Court copy exported (UTC)", exported.isoformat()),
        ("Cases in this copy", len(cases)),
        *(("Left out on purpose" if n == 0 else "", text) for n, text in enumerate(LEFT_OUT)),
    ]
    return [("title", ["About this court copy"]), ("text", [])] + [
        ("label", [label, value]) for label, value in rows]


def day_text(value: date | str | None) -> str:
    """A date as a copy or notice states it (ISO), else as recorded, else 'not recorded'."""
    if isinstance(value, date):
        return value.isoformat()
    return value or "not recorded"

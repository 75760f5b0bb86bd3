"""The one reading of the Results table (reader.read_results): recalc and export find the
same header, the same conviction rows and the same notes below the table, and a court
copy shows the cell values the rules read (cell_values.shown_column)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from workbook_helpers import clerk_workbook, county_book

from cmr_xl.common.errors import InputError
from cmr_xl.engine.cell_values import cell_text, shown_column, shown_dates, typed_column
from cmr_xl.rules.results_columns import DETERMINATION, RESULT_COLUMNS
from cmr_xl.workbook import court_copies, reader, recalc
from cmr_xl.workbook.court_copies import SHEET_ROW, export_court_copies, read_cases
from cmr_xl.workbook.reader import Workbook, read_decisions, read_facts
from cmr_xl.workbook.row_integrity import fingerprint

COUNTY = "SACRAMENTO"
COLUMN = {c.key: c for c in RESULT_COLUMNS}
HEADER = [c.label for c in RESULT_COLUMNS]
NOTE = "Checked by JS 2024-03-01"


def case(number: str, cycle: str, **changes: Any) -> list[Any]:
    values = {"person_id": "S1", "cii": "12345678", "name": "DOE,JANE", "dob": "1970-01-01",
              "county": COUNTY, "court": "CASC SACRAMENTO", "court_ori": "CASCSACRAMENTO",
              "case_number": number, "cycle": cycle, "count_order": "1",
              "conviction_type": "Prop 64", "conviction_date": "2001-02-03",
              "code_section": "11357(A) HS", "section": "11357", "level": "Misdemeanor",
              "determination": "Eligible for Dismissal", "reason": "Misdemeanor or Infraction",
              "outcome": "Eligible for Dismissal", "relief": "Dismiss and seal",
              "trace": "level > misdemeanor", **changes}
    return [values.get(c.key) for c in RESULT_COLUMNS]


def hand_made(path: Path, results: list[list[Any]],
              about: list[list[Any]] | None = None) -> Path:
    """A workbook with a Results sheet and an About sheet naming the county (and any more
    About rows)."""
    return clerk_workbook(path, {"Results": results,
                                 "About": [[None, "About"], [], ["county", "County", COUNTY],
                                           *(about or [])]})


def test_recalc_and_export_find_the_same_rows_under_a_title_and_labels_in_any_case(tmp_path):
    header = [label.upper() if n % 2 else label.lower() for n, label in enumerate(HEADER)]
    path = hand_made(tmp_path / "book.xlsx", [["Prop 64 results, printed"], [], header,
                                              case("B2", "1"), case("A1", "2")])
    book = Workbook(path)
    facts, cases = read_facts(path, book=book), read_cases(book)
    assert facts["case_number"].tolist() == cases["case_number"].tolist() == ["B2", "A1"]
    assert facts.attrs["sheet_rows"].tolist() == cases[SHEET_ROW].tolist() == [3, 4]
    assert facts.attrs["header_row"] == cases.attrs["header_row"] == 2
    assert facts.attrs["columns"]["county"] == cases.attrs["columns"]["county"] == (
        HEADER.index("County"))
    assert read_decisions(path, book=book).attrs["sheet_rows"].tolist() == [3, 4]


def test_a_note_below_the_table_is_skipped_and_said_with_what_becomes_of_it(tmp_path):
    path = hand_made(tmp_path / "book.xlsx", [HEADER, case("A1", "1"), [], [None, NOTE]])
    book = Workbook(path)
    facts, cases = read_facts(path, book=book), read_cases(book)
    assert len(facts) == len(cases) == 1
    said = f"book.xlsx, sheet Results, cell B4: {NOTE!r} is not a conviction (no code section in its row); "
    assert facts.attrs["stray_notes"] == [said + "left as it is"]
    assert cases.attrs["stray_notes"] == [said + "left out of the court copies"]


def test_no_header_row_is_refused_naming_what_was_looked_for(tmp_path):
    path = hand_made(tmp_path / "book.xlsx", [["Name", "Court"], ["DOE,JANE", "CASC X"]])
    for read in (lambda: read_facts(path), lambda: read_cases(Workbook(path))):
        with pytest.raises(InputError, match=r"^book.xlsx, sheet Results, cell A1: no header row "
                           r"of cmr-xl results in the first 20 rows \(looked for "):
            read()


def test_export_reads_the_results_table_once(tmp_path, monkeypatch):
    path = hand_made(tmp_path / "book.xlsx", [HEADER, case("A1", "1"), case("A2", "2")])
    calls: list[tuple] = []
    real = court_copies.read_results

    def counted(*args: Any, **kwargs: Any):
        calls.append(kwargs["columns"])
        return real(*args, **kwargs)

    monkeypatch.setattr(court_copies, "read_results", counted)
    [copy] = export_court_copies(path, tmp_path / "out", send_pending=True)
    assert calls == [court_copies.REQUIRED_COLUMNS]  # the cases, also for the import check
    assert len(CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("Cases").to_python()) == 3


def test_recalc_reads_the_results_table_once(tmp_path, monkeypatch):
    """Facts, the DA's decisions and the determinations to compare come from one read,
    and they are what the three readings of them give."""
    path = county_book(tmp_path)
    calls: list[tuple] = []
    real = reader.read_results

    def counted(*args: Any, **kwargs: Any):
        calls.append(kwargs["columns"])
        return real(*args, **kwargs)

    for module in (reader, recalc):
        monkeypatch.setattr(module, "read_results", counted)
    content = recalc.recalculated_content(path)
    assert len(calls) == 1
    monkeypatch.undo()
    facts, previous = read_facts(path), real(path, columns=DETERMINATION)
    pd.testing.assert_frame_equal(content.facts, facts)
    pd.testing.assert_frame_equal(content.previous, previous)
    assert content.facts.attrs["sheet_rows"].tolist() == facts.attrs["sheet_rows"].tolist()
    assert content.previous.attrs["columns"]["determination"] == HEADER.index(
        "Eligibility Determination")


def test_export_checks_the_import_record_under_a_title_too(tmp_path):
    """The import check reads the rows the copies hold: a header under a title is no
    longer a reason to skip it."""
    written = ["S1|1|1", "S1|2|1", "S1|3|1"]
    path = hand_made(tmp_path / "book.xlsx", [["Printed"], HEADER, case("A1", "1"), case("A2", "2")],
                     about=[["rows.convictions_written", "", 3],
                            ["rows.convictions_fingerprint", "", fingerprint(written)]])
    with pytest.raises(InputError, match="2 convictions where the import wrote 3: 1 row"):
        export_court_copies(path, tmp_path / "out", send_pending=True)
    assert not (tmp_path / "out").exists()


def test_a_court_copy_shows_the_date_the_rules_read_and_any_other_value_as_typed(tmp_path):
    serial = float((date(2001, 2, 3) - date(1899, 12, 30)).days)
    path = hand_made(tmp_path / "book.xlsx", [
        HEADER, case("A1", "1", dob="not known", conviction_date=serial),
        case("A2", "2", dob="02/03/1970", conviction_date="2001-02-03")])
    [copy] = export_court_copies(path, tmp_path / "out", send_pending=True)
    rows = CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("Cases").to_python()
    dob, convicted = rows[0].index("Date of birth"), rows[0].index("Conviction date")
    assert [(r[dob], r[convicted]) for r in rows[1:]] == [
        ("not known", date(2001, 2, 3)), (date(1970, 2, 3), date(2001, 2, 3))]


def test_shown_dates_are_the_engines_dates_else_the_text_as_typed():
    values = [36925.0, "2001-02-03", datetime(2001, 2, 3, 18, 0), date(2001, 2, 3), "02/03/2001",
              "", None, "not known", 0.0, 9e9, True, "2001-02-30"]
    shown = shown_dates(values).tolist()
    engine = typed_column(values, COLUMN["conviction_date"])
    assert shown[:5] == [date(2001, 2, 3)] * 5
    assert shown[5:] == [None, None, "not known", "0", "9000000000", "TRUE", "2001-02-30"]
    assert [d is not None and isinstance(d, date) for d in shown] == engine.notna().tolist()
    assert shown_column(values, COLUMN["conviction_date"]).tolist() == shown
    text = shown_column(["11357", 11357.0, True, "", None], COLUMN["code_section"])
    assert text.tolist() == typed_column(["11357", 11357.0, True, "", None],
                                         COLUMN["code_section"]).tolist()
    assert text.tolist() == ["11357", "11357", "TRUE", None, None]


def test_one_cell_as_text_is_what_a_spreadsheet_shows():
    assert [cell_text(v) for v in (True, False, 12.0, 1.5, "", None, "x", float("nan"),
                                   datetime(2001, 2, 3, 4, 5), {"type": "#N/A"})] == [
        "TRUE", "FALSE", "12", "1.5", None, None, "x", None, "2001-02-03", None]
    assert isinstance(shown_dates([]), pd.Series)


def test_a_results_sheet_of_another_layout_is_refused_by_the_missing_label(tmp_path):
    header = list(HEADER)
    header[header.index("Code section")] = "Statute"
    path = hand_made(tmp_path / "book.xlsx", [["Printed"], header, case("A1", "1")])
    expected = (r"^book.xlsx, sheet Results, row 2: the column 'Code section' is missing "
                r"from the header row")
    with pytest.raises(InputError, match=expected):
        read_facts(path)
    with pytest.raises(InputError, match=expected):
        read_cases(Workbook(path))


def test_one_check_and_one_label_lookup_of_the_da_decision_columns():
    """Workbook reader, export and the add-in normalise and refuse decisions alike."""
    from cmr_xl.rules import da_decision

    words, bad = da_decision.normalise_all([" Dismiss ", None, "", {"type": "#N/A"}, "maybe",
                                            float("nan"), "CHALLENGE"])
    assert words == ["dismiss", "", "", "", "", "", "challenge"] and bad == [3, 4]
    assert [da_decision.shown(v) for v in ({"type": "#N/A"}, "maybe")] == ["#N/A", "'maybe'"]
    assert da_decision.decision_columns(["Name", " da decision ", "DA GROUNDS"]) == (1, 2)
    assert da_decision.decision_columns(["Name", "DA decision"]) is None

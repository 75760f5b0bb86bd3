"""Court copies: one plain workbook per court with only what a court clerk needs.

Each copy is opened with readers that share no code with the writer (python-calamine, the
zip file itself, openpyxl) and checked against the filled workbook it came from.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from python_calamine import CalamineWorkbook
from workbook_helpers import clerk_workbook, doj_file

from cmr_xl.cli import cli
from cmr_xl.common.errors import InputError
from cmr_xl.doj.doj_format import PRIVATE_COLUMNS
from cmr_xl.engine.pipeline import run
from cmr_xl.rules.criteria import Criteria
from cmr_xl.rules.eligibility import NOT_REVIEWED
from cmr_xl.rules.results_columns import RESULT_COLUMNS
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.court_copies import CASE_COLUMNS, export_court_copies
from cmr_xl.workbook.writer import write_workbook

COUNTY = "SACRAMENTO"
LABEL = {c.key: c.label for c in RESULT_COLUMNS}
NEVER_LABELS = ("Subject ID", "Decision trace", "Source file", "Source line")
#: Identifiers compared against the raw XML (long, distinctive numbers and codes).
IDENTIFIERS = ("REQ_SSN", "PRI_SSN", "REQ_CDL", "PRI_CDL", "FBI_NUMBER", "PRI_IDN", "PRI_INN",
               "SUBJECT_ID")


def invoke(*args: str):
    """The real command; an export sends Hand review rows as pending (the demo county has
    some, with no DA decision: tests/test_da_decisions.py covers the refusal)."""
    if args and args[0] == "export":
        args = (*args, "--send-pending")
    return CliRunner().invoke(cli, list(args))


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.fixture(scope="module")
def doj() -> Path:
    return doj_file(people=120, seed=5)


@pytest.fixture(scope="module")
def book(doj, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "cmr-xl-sacramento.xlsx"
    write_workbook(run([doj], COUNTY, Criteria()), path)
    return path


@pytest.fixture(scope="module")
def copies(book, tmp_path_factory) -> list[Path]:
    return export_court_copies(book, tmp_path_factory.mktemp("court"), send_pending=True)


@pytest.fixture(scope="module")
def results(book) -> list[dict]:
    """The Results rows a court receives: every Prop 64 conviction, and related charges
    only when the office reviewed them."""
    rows = sheet_rows(book, L.RESULTS)
    every = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return [r for r in every if r[LABEL["conviction_type"]] == "Prop 64"
            or r[LABEL["reason"]] != NOT_REVIEWED]


def case_key(row: dict) -> tuple:
    return tuple(as_text(row[LABEL[k]]) for k in ("case_number", "cii", "code_section",
                                                  "conviction_date", "determination"))


def _place(court: str) -> str:
    """The court as a person names it, written here independently of court_copies.court_group."""
    return re.sub(r"^CA(SC|MC|JC) ", "", court.strip().upper())


def test_one_copy_per_court_historic_court_codes_together(copies, results):
    """CAMC SACRAMENTO (the municipal court before unification) and CASC SACRAMENTO are
    one court today: one copy holds both, so no person is split across two files."""
    assert {r["Court"] for r in results} == {"CASC SACRAMENTO", "CAMC SACRAMENTO"}
    assert [p.name for p in copies] == ["court-copy_SACRAMENTO.xlsx"]
    rows = sheet_rows(copies[0], "Cases")
    assert {r[rows[0].index("Court")] for r in rows[1:]} == {"CASC SACRAMENTO",
                                                              "CAMC SACRAMENTO"}


def test_export_per_county_writes_one_copy_and_one_notice_for_the_county(book, tmp_path):
    result = invoke("export", str(book), "--out", str(tmp_path), "--per", "county")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ab1793-notice_SACRAMENTO-COUNTY.xlsx", "court-copy_SACRAMENTO-COUNTY.xlsx",
        "summary.pdf"]


def test_courts_with_other_places_get_their_own_copy(tmp_path):
    header = [c.label for c in RESULT_COLUMNS]
    book = clerk_workbook(tmp_path / "book.xlsx", {"Results": [
        header, _case("CASC SACRAMENTO", "A1"), _case("CAMC SACRAMENTO", "A2"),
        _case("CAMC ELK  GROVE", "E1"), _case("", "N1")]})
    copies = export_court_copies(book, tmp_path / "out", send_pending=True)
    assert [p.name for p in copies] == ["court-copy_COURT-NOT-RECORDED.xlsx",
                                        "court-copy_ELK-GROVE.xlsx", "court-copy_SACRAMENTO.xlsx"]
    cases = sheet_rows(copies[2], "Cases")
    assert [r[cases[0].index("Case number")] for r in cases[1:]] == ["A1", "A2"]


def test_each_copy_holds_exactly_its_courts_cases_ordered_by_case_number(copies, results):
    for path in copies:
        rows = sheet_rows(path, "Cases")
        assert rows[0] == [c.label for c in CASE_COLUMNS]
        cases = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        court = cases[0]["Court"]
        assert {_place(c["Court"]) for c in cases} == {_place(court)}
        expected = Counter(case_key(r) for r in results if _place(r["Court"]) == _place(court))
        assert Counter(case_key(c) for c in cases) == expected
        numbers = [as_text(c["Case number"]) for c in cases]
        assert numbers == sorted(numbers)
    assert sum(len(sheet_rows(p, "Cases")) - 1 for p in copies) == len(results)


def test_copies_keep_only_the_court_columns_and_relief_in_plain_words(copies):
    wanted = {c.label for c in RESULT_COLUMNS if c.court}
    assert "Relief" in wanted
    for path in copies:
        rows = sheet_rows(path, "Cases")
        assert set(rows[0]) == wanted
        relief = {row[rows[0].index("Relief")] for row in rows[1:]}
        assert relief <= {"Dismiss and seal", "Redesignate as a misdemeanor",
                          "Redesignate as an infraction", "Recall and resentence",
                          "Pending DA review", "No change",
                          "No relief: DA challenges (HS 11361.9(b))",
                          "No relief: outside Prop 64 (convicted after 11/09/2016)"}
        assert "Dismiss and seal" in relief


def test_no_formulas_macros_links_or_hidden_parts(copies):
    for path in copies:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            assert not [n for n in names if "vbaProject" in n or "externalLink" in n
                        or "activeX" in n or "connections" in n or n.endswith(".bin")]
            types = archive.read("[Content_Types].xml").decode()
            assert "macroEnabled" not in types
            for name in names:
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    xml = archive.read(name).decode()
                    assert "<f>" not in xml and "<f " not in xml, name
                    assert "<hyperlink" not in xml, name
            assert "fullCalcOnLoad" not in archive.read("xl/workbook.xml").decode()
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["Cases", "Summary", "About"]
        for sheet in book.worksheets:
            assert not [c.coordinate for row in sheet.iter_rows() for c in row
                        if c.data_type == "f"], sheet.title


def test_private_identifiers_and_traces_never_reach_a_copy(copies, doj, results):
    with open(doj, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    secrets = {row[c] for row in rows for c in IDENTIFIERS if row[c].strip()}
    descriptions = {row[c] for row in rows for c in PRIVATE_COLUMNS if row[c].strip()}
    assert any(s.startswith("999") for s in secrets)  # synthetic SSNs are in the input
    traces = {r["Decision trace"] for r in results if r["Decision trace"]}
    for path in copies:
        with zipfile.ZipFile(path) as archive:
            xml = "".join(archive.read(n).decode() for n in archive.namelist()
                          if n.endswith(".xml") or n.endswith(".rels"))
        assert not set(re.findall(r"[0-9A-Za-z]+", xml)) & secrets
        assert not [s for s in secrets if not s.isalnum() and s in xml]
        values = set()
        for sheet in ("Cases", "Summary", "About"):
            values |= {v for row in sheet_rows(path, sheet) for v in row if isinstance(v, str)}
        assert not values & descriptions
        assert not values & traces
        assert not values & set(NEVER_LABELS) and not values & set(PRIVATE_COLUMNS)


def test_summary_counts_its_own_cases(copies):
    for path in copies:
        cases = sheet_rows(path, "Cases")
        head = cases[0]
        determinations = Counter(r[head.index("Eligibility Determination")] for r in cases[1:])
        summary = {row[0]: row[1:] for row in sheet_rows(path, "Summary") if row and row[0]}
        header = ["Convictions by section", *summary["Convictions by section"]]
        total = dict(zip(header[1:], summary["Total"], strict=True))
        assert total["Total"] == len(cases) - 1
        for outcome in ("Eligible for Dismissal", "Eligible for Reduction", "Not eligible",
                        "Hand review"):
            assert total[outcome] == determinations[outcome]
        relief = Counter(r[head.index("Relief")] for r in cases[1:])
        for text, count in relief.items():
            assert summary[text][0] == count
        assert 0 < summary["People with a case in this copy"][0] <= len(cases) - 1


def test_about_names_the_source_workbook_and_its_hash(copies, book):
    import hashlib

    digest = hashlib.sha256(book.read_bytes()).hexdigest()
    for path in copies:
        about = {row[0]: row[1] for row in sheet_rows(path, "About") if row and row[0]}
        assert about["Source workbook"] == book.name
        assert about["Source workbook SHA-256"] == digest
        assert about["County"] == COUNTY
        assert str(about["Eligibility as of"])[:10] == "2020-07-01"
        assert about["Cases in this copy"] == len(sheet_rows(path, "Cases")) - 1
        assert about["Court"] == _place(sheet_rows(path, "Cases")[1][0])
        assert about["Court records (as DOJ names them)"] == "CAMC SACRAMENTO, CASC SACRAMENTO"


def test_cli_export_writes_and_prints_every_copy(book, tmp_path):
    result = invoke("export", str(book), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    printed = [line.removeprefix("wrote ") for line in result.stdout.splitlines()]
    assert printed and all(Path(p).exists() for p in printed)
    assert sorted(Path(p).name for p in printed) == sorted(
        p.name for p in (tmp_path / "out").iterdir())


def test_export_again_replaces_the_copies_in_place(book, tmp_path):
    first = export_court_copies(book, tmp_path, send_pending=True)
    first[0].chmod(0o640)
    second = export_court_copies(book, tmp_path, send_pending=True)
    assert first == second
    assert first[0].stat().st_mode & 0o777 == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --- bad input: a message naming the sheet or cell, exit status 2 ---------------------------


def _case(court: str, case: str, county: str = COUNTY, name: str = "DOE,JANE") -> list:
    values = {"person_id": "S1", "cii": "12345678", "name": name, "dob": "1970-01-01",
              "county": county, "court": court, "court_ori": "CASCSACRAMENTO",
              "case_number": case, "conviction_type": "Prop 64", "conviction_date": "2001-02-03",
              "code_section": "11357(A) HS", "section": "11357", "level": "Misdemeanor",
              "determination": "Eligible for Dismissal", "reason": "Misdemeanor or Infraction",
              "outcome": "Eligible for Dismissal",
              "relief": "Dismiss and seal", "trace": "level > misdemeanor"}
    return [values.get(c.key) for c in RESULT_COLUMNS]


def test_no_results_sheet_is_exit_2_with_a_clear_message(tmp_path):
    book = clerk_workbook(tmp_path / "book.xlsx", {"Criteria": [["key", "Criterion"]]})
    result = invoke("export", str(book), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "sheet 'Results'" in result.output and "is missing" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_renamed_results_sheet_is_named_in_the_message(tmp_path):
    header = [c.label for c in RESULT_COLUMNS]
    book = clerk_workbook(tmp_path / "book.xlsx", {"Results (2)": [header, _case("CASC X", "1")]})
    with pytest.raises(InputError) as error:
        export_court_copies(book, tmp_path / "out", send_pending=True)
    assert "Sheet 'Results (2)' holds the results: rename it back to 'Results'" in str(error.value)


def test_a_missing_header_column_names_the_file_and_header_row(tmp_path):
    header = [c.label for c in RESULT_COLUMNS]
    header[header.index("Case number")] = "Case no."
    book = clerk_workbook(tmp_path / "book.xlsx", {"Results": [header, _case("CASC X", "1")]})
    result = invoke("export", str(book), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "book.xlsx, sheet Results, row 1: the column 'Case number' is missing" in result.output


def test_header_found_below_a_title_and_other_counties_left_out(tmp_path):
    header = [c.label for c in RESULT_COLUMNS]
    book = clerk_workbook(tmp_path / "book.xlsx", {
        "Results": [["Prop 64 results, printed"], [], header, _case("CASC SACRAMENTO", "B2"),
                    _case("CASC SACRAMENTO", "A1"), _case("CASC YOLO", "Y1", county="YOLO")],
        "About": [[None, "About"], [], ["county", "County", COUNTY]]})
    [copy] = export_court_copies(book, tmp_path / "out", send_pending=True)
    rows = sheet_rows(copy, "Cases")
    assert [r[rows[0].index("Case number")] for r in rows[1:]] == ["A1", "B2"]
    assert "YOLO" not in str(rows)


def test_a_determination_saved_as_an_error_or_typo_is_refused_by_cell(tmp_path):
    header = [c.label for c in RESULT_COLUMNS]
    determination = header.index("Eligibility Determination")
    letter = xlsxwriter.utility.xl_col_to_name(determination)
    typo = _case("CASC X", "2")
    typo[determination] = "Eligble for Dismissal"
    book = clerk_workbook(tmp_path / "typo.xlsx", {"Results": [header, _case("CASC X", "1"), typo]})
    result = invoke("export", str(book), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert (f"typo.xlsx, sheet Results, cell {letter}3: Eligibility Determination is "
            "'Eligble for Dismissal'") in result.output

    path = tmp_path / "error.xlsx"  # what the add-in's formulas leave when saved without it
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Results")
    for row, values in enumerate([header, _case("CASC X", "1")]):
        for col, value in enumerate(values):
            if value is not None:
                sheet.write_string(row, col, value)
    sheet.write_formula(1, determination, "=CMR.DETERMINE(A2)", None, "#NAME?")
    workbook.close()
    result = invoke("export", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"error.xlsx, sheet Results, cell {letter}2: Eligibility Determination is" in result.output
    assert "recalc" in result.output and not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_exit_2(book, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("export", str(book), "--out", str(blocker / "out"))
    assert result.exit_code == 2
    assert f"{blocker} is a file, not a folder" in result.output


def test_a_copy_open_in_libreoffice_or_excel_stops_the_export_before_any_write(book, tmp_path):
    for lock in (".~lock.court-copy_SACRAMENTO.xlsx#", "~$ab1793-notice_SACRAMENTO.xlsx"):
        out = tmp_path / lock.strip(".~$#")
        out.mkdir()
        (out / lock).write_text("someone,host")
        result = invoke("export", str(book), "--out", str(out))
        assert result.exit_code == 2
        assert "is open in Excel or LibreOffice" in result.output
        assert [p.name for p in out.iterdir()] == [lock]


def test_a_read_only_copy_is_exit_2_and_left_alone(book, tmp_path):
    [first, *_] = export_court_copies(book, tmp_path, send_pending=True)
    before = first.read_bytes()
    first.chmod(0o444)
    result = invoke("export", str(book), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "is read-only" in result.output
    assert first.read_bytes() == before


def test_criteria_changed_since_the_results_is_refused(book, tmp_path):
    edited = tmp_path / "edited.xlsx"
    workbook = openpyxl.load_workbook(book)
    cell = next(c for c in L.criterion_cells() if c.spec.key == "felony_11359")
    sheet = workbook[L.CRITERIA]
    assert sheet.cell(row=cell.row + 1, column=L.USED_COL + 1).value
    sheet.cell(row=cell.row + 1, column=L.VALUE_COL + 1, value="hand review")
    workbook.save(edited)
    result = invoke("export", str(edited), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert (f"edited.xlsx, sheet Criteria, cell {cell.address}: this criterion was changed"
            in result.output)
    assert "recalc" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_a_workbook_resaved_by_libreoffice_gives_the_same_copies(book, copies, tmp_path):
    """A DA who opened and saved the workbook before exporting sends the same cases."""
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "resaved"), str(book)],
                   check=True, capture_output=True, timeout=180)
    again = export_court_copies(tmp_path / "resaved" / book.name, tmp_path / "out", send_pending=True)
    assert [p.name for p in again] == [p.name for p in copies]
    for new, old in zip(again, copies, strict=True):
        for sheet in ("Cases", "Summary"):
            assert sheet_rows(new, sheet) == sheet_rows(old, sheet), (new.name, sheet)


def _renamed_as_excel_does(book: Path, target: Path, old: str, new: str) -> Path:
    """`book` with sheet `old` renamed `new` the way Excel renames it: the sheet, and every
    defined name and formula that refers to it (tests/hostile/build_corpus.py)."""
    sys.path.insert(0, str(Path(__file__).parent / "hostile"))
    import build_corpus

    target.write_bytes(build_corpus._renamed(book.read_bytes(), old, new))
    return target


def _criterion_edited(book: Path, target: Path, key: str, value: str) -> tuple[Path, L.CriterionCell]:
    cell = next(c for c in L.criterion_cells() if c.spec.key == key)
    workbook = openpyxl.load_workbook(book)
    workbook[L.CRITERIA][cell.address] = value
    workbook.save(target)
    return target, cell


def test_a_renamed_criteria_sheet_is_still_checked_through_its_defined_names(book, copies,
                                                                            tmp_path):
    """Excel keeps each criterion's defined name (crit_...) on its cell when the sheet is
    renamed: the export finds the criteria there, so a rename never skips the check."""
    renamed = _renamed_as_excel_does(book, tmp_path / "renamed.xlsx", "Criteria", "Settings")
    again = export_court_copies(renamed, tmp_path / "same", send_pending=True)
    assert [p.name for p in again] == [p.name for p in copies]

    edited, cell = _criterion_edited(book, tmp_path / "edited.xlsx", "felony_11359",
                                     "dismiss and seal")
    renamed = _renamed_as_excel_does(edited, tmp_path / "edited-renamed.xlsx", "Criteria",
                                     "Settings")
    result = invoke("export", str(renamed), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert (f"error: edited-renamed.xlsx, sheet Settings, cell {cell.address}: this criterion "
            "was changed after the results were computed") in result.output
    assert "recalc" in result.output
    assert not (tmp_path / "out").exists()


def test_criteria_that_cannot_be_found_are_refused_naming_the_missing_sheet(book, tmp_path):
    """Renamed by a program that does not carry the defined names along (openpyxl here),
    the Criteria sheet cannot be checked: the export refuses, naming the sheet."""
    workbook = openpyxl.load_workbook(book)
    workbook[L.CRITERIA].title = "Settings"
    workbook.save(tmp_path / "lost.xlsx")
    result = invoke("export", str(tmp_path / "lost.xlsx"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output == (
        "error: lost.xlsx: sheet 'Criteria': is missing (sheets found: Settings, Results, "
        "Summary, About, Lists), so cmr-xl cannot check that the results were computed with "
        "the criteria the workbook shows. Rename the sheet back to 'Criteria'; nothing was "
        "written\n")
    assert not (tmp_path / "out").exists()


def test_results_whose_criteria_record_is_gone_are_refused(book, tmp_path):
    """The About sheet holds what the results were computed with; without it the Criteria
    sheet has nothing to be checked against."""
    workbook = openpyxl.load_workbook(book)
    workbook[L.ABOUT].title = "Notes"
    workbook.save(tmp_path / "no-about.xlsx")
    result = invoke("export", str(tmp_path / "no-about.xlsx"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output.startswith("error: no-about.xlsx: sheet 'About': does not record the "
                                    "criteria the results were computed with")
    assert not (tmp_path / "out").exists()


def test_a_row_inserted_above_the_criteria_does_not_stop_the_export(book, copies, tmp_path):
    """Rows are found by their key in column A, as recalc finds them, even where a program
    left the defined names behind (openpyxl does not move them)."""
    workbook = openpyxl.load_workbook(book)
    sheet = workbook[L.CRITERIA]
    sheet.protection.sheet = False
    sheet.insert_rows(3)
    workbook.save(tmp_path / "inserted.xlsx")
    again = export_court_copies(tmp_path / "inserted.xlsx", tmp_path / "out", send_pending=True)
    assert [p.name for p in again] == [p.name for p in copies]

"""Formula and CSV injection: DOJ text that looks like a formula stays text, everywhere.

A name such as =HYPERLINK("http://x","y") in the DOJ file goes through the whole chain
(reader, engine, CSV bundle, workbook, court copies) and must never be a formula: not in
our files, not when LibreOffice opens them with formula evaluation on, not when a clerk
edits the cell. The readers here share no code with the writers.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from cmr_xl.engine.pipeline import run
from cmr_xl.output.csv_bundle import write_csv_bundle
from cmr_xl.rules.criteria import Criteria
from cmr_xl.rules.results_columns import RESULT_COLUMNS
from cmr_xl.synthetic import generate_doj_text
from cmr_xl.workbook.court_copies import export_court_copies
from cmr_xl.workbook.writer import write_workbook

COUNTY = "SACRAMENTO"
HOSTILE_NAMES = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)",
                 "=cmd|' /C calc'!A0", '=WEBSERVICE("http://x")')
HOSTILE_COURT = "=HYPERLINK(\"http://court\",\"CAMC\")"
#: Text a spreadsheet may evaluate: a formula start, also after spaces or line breaks
#: (LibreOffice's "Trim spaces"), or a tab or CR first. Plain numbers are numbers.
FORMULA_LIKE = re.compile(r"^(?:[\t\r]|\s*[=+\-@])")
PROP64 = re.compile(r"^(1135[789]|11360)\b")
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def hostile_doj_text() -> str:
    """A synthetic county file whose people have formula-like names, one court a formula
    for a name, tab-led request names, formula-like comments and a hostile rejected line."""
    rows = list(csv.reader(io.StringIO(generate_doj_text(county=COUNTY, people=40, seed=11))))
    header, body = rows[0], rows[1:]
    col = {name: number for number, name in enumerate(header)}
    people = list(dict.fromkeys(row[col["SUBJECT_ID"]] for row in body))
    for row in body:
        person = people.index(row[col["SUBJECT_ID"]])
        row[col["PRI_NAME"]] = HOSTILE_NAMES[person % len(HOSTILE_NAMES)]
        row[col["REQ_NAME"]] = "\t=1+1"
        if row[col["STP_ORI_DESCR"]] == "CAMC SACRAMENTO":
            row[col["STP_ORI_DESCR"]] = HOSTILE_COURT
        if (not row[col["COMMENT_TEXT"]].strip() and row[col["OFFENSE_DESCR"]].strip()
                and row[col["DISP_DESCR"]].startswith("CONVICTED")):
            row[col["COMMENT_TEXT"]] = "@SUM(A1) see clerk"
    counts = {}  # the first row of each county Prop 64 count: the row the results keep
    for row in body:
        if (PROP64.match(row[col["OFFENSE_DESCR"]]) and row[col["STP_ORI_CNTY_NAME"]] == COUNTY
                and row[col["DISP_DESCR"]].startswith("CONVICTED")):
            counts.setdefault((row[col["SUBJECT_ID"]], row[col["CNT_ORDER"]]), row)
    convictions = list(counts.values())
    convictions[-1][col["REQ_NAME"]] = "\r=2+2"  # CR-led, late (the reader makes it a space)
    convictions[-2][col["REQ_NAME"]] = " =3+3"  # space-led, as DOJ pads fields
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    out.write('=1+1,"=HYPERLINK(""http://x"")",short row\n')
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    doj = folder / "hostile.csv"
    doj.write_text(hostile_doj_text(), encoding="utf-8")
    return run([doj], COUNTY, Criteria())


@pytest.fixture(scope="module")
def bundle(hostile_run, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("csv")
    write_csv_bundle(hostile_run, folder)
    return folder


@pytest.fixture(scope="module")
def copies(hostile_run, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("book")
    write_workbook(hostile_run, folder / "hostile.xlsx")
    return export_court_copies(folder / "hostile.xlsx", folder / "court", send_pending=True)


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lo-profile")


def soffice(profile: Path, outdir: Path, convert_to: str, *files: Path,
            infilter: str | None = None) -> None:
    command = [SOFFICE, "--headless", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", convert_to, "--outdir", str(outdir)]
    if infilter:
        command.append(f"--infilter={infilter}")
    subprocess.run([*command, *map(str, files)], check=True, capture_output=True, timeout=180)


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [f"{s.title}!{c.coordinate}" for s in book.worksheets for row in s.iter_rows()
            for c in row if c.data_type == "f"]


# --- the CSV bundle ----------------------------------------------------------------------------


def test_hostile_text_reached_the_results(hostile_run):
    names = set(hostile_run.facts["name"].dropna())
    assert names == set(HOSTILE_NAMES)
    assert HOSTILE_COURT in set(hostile_run.facts["court"])
    assert hostile_run.accounting.rows_rejected == 1


def test_no_csv_cell_starts_like_a_formula(bundle):
    for name in ("prop64_results.csv", "rejected_rows.csv"):
        rows = csv_rows(bundle / name)
        risky = [(rows[0][j], v) for row in rows[1:] for j, v in enumerate(row)
                 if FORMULA_LIKE.match(v) and not NUMBER.match(v)]
        assert not risky, risky[:5]


def test_csv_keeps_the_text_behind_one_apostrophe(bundle):
    rows = csv_rows(bundle / "prop64_results.csv")
    head = rows[0]
    for column in ("PRI_NAME", "Name"):
        assert {r[head.index(column)] for r in rows[1:]} == {"'" + n for n in HOSTILE_NAMES}
    # padding (a leading tab or space) is trimmed like every DOJ field; the formula stays inert
    assert {r[head.index("REQ_NAME")] for r in rows[1:]} == {"'=1+1", "'=2+2", "'=3+3"}
    assert "'" + HOSTILE_COURT in {r[head.index("Court")] for r in rows[1:]}
    assert "'@SUM(A1) see clerk" in {r[head.index("COMMENT_TEXT")] for r in rows[1:]}
    rejected = csv_rows(bundle / "rejected_rows.csv")
    assert rejected[1][rejected[0].index("text")].startswith("'=1+1,")


@needs_soffice
def test_libreoffice_evaluating_formulas_still_reads_text(bundle, lo_profile, tmp_path):
    # CSV import options: comma, quote, UTF-8, from line 1, ..., trim spaces, evaluate formulas
    soffice(lo_profile, tmp_path, "xlsx", bundle / "prop64_results.csv",
            infilter="CSV:44,34,76,1,,0,false,true,false,false,true,-1,true")
    converted = tmp_path / "prop64_results.xlsx"
    assert not formula_cells(converted)
    sheet = CalamineWorkbook.from_path(str(converted)).get_sheet_by_index(0).to_python()
    names = {row[sheet[0].index("Name")] for row in sheet[1:]}
    assert names == {"'" + n for n in HOSTILE_NAMES}


# --- the workbook and the court copies ------------------------------------------------------------


def test_court_copies_hold_the_literal_text_as_strings(copies):
    assert sorted(p.name for p in copies) == ["court-copy_HYPERLINK-HTTP-COURT-CAMC.xlsx",
                                              "court-copy_SACRAMENTO.xlsx"]
    seen = set()
    for path in copies:
        assert not formula_cells(path)
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Cases").to_python()
        seen |= {row[rows[0].index("Name")] for row in rows[1:]}
        sheet = openpyxl.load_workbook(path)["Cases"]
        for cell in sheet["E"][1:]:  # Name
            assert cell.data_type == "s" and cell.value in HOSTILE_NAMES
            assert cell.quotePrefix, cell.coordinate  # stays text when a clerk edits it
        for label in ("Summary", "About"):
            text = [v for row in openpyxl.load_workbook(path)[label].iter_rows(values_only=True)
                    for v in row if isinstance(v, str)]
            assert not [t for t in text if t.startswith("=") and t != HOSTILE_COURT]
    assert seen == set(HOSTILE_NAMES)


def _hand_made_results(path: Path, names: list[str]) -> Path:
    """A Results sheet as a clerk might have typed it: text only, one case per name."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Results")
    for col, column in enumerate(RESULT_COLUMNS):
        sheet.write_string(0, col, column.label)
    for row, name in enumerate(names, start=1):
        values = {"person_id": f"P{row}", "name": name, "county": COUNTY, "court": "CASC X",
                  "case_number": name, "conviction_type": "Prop 64", "section": "11357",
                  "level": "Misdemeanor", "determination": "Eligible for Dismissal",
                  "outcome": "Eligible for Dismissal", "reason": name,
                  "relief": "Dismiss and seal"}
        for col, column in enumerate(RESULT_COLUMNS):
            if column.key in values:
                sheet.write_string(row, col, values[column.key])
    book.close()
    return path


TYPED = ["\t=1+1 tab-led", "\r=2+2 CR-led", "\n=3+3 LF-led", "  =4+4 space-led",
         '=HYPERLINK("http://x","y")', "@SUM(A1)", "-2+3", "+1+1"]


def test_tab_and_cr_led_text_survives_a_court_copy(tmp_path):
    book = _hand_made_results(tmp_path / "typed.xlsx", TYPED)
    [copy] = export_court_copies(book, tmp_path / "out", send_pending=True)
    assert not formula_cells(copy)
    rows = CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("Cases").to_python()
    assert sorted(row[rows[0].index("Name")] for row in rows[1:]) == sorted(TYPED)
    assert sorted(row[rows[0].index("Case number")] for row in rows[1:]) == sorted(TYPED)
    sheet = openpyxl.load_workbook(copy)["Cases"]
    assert all(c.quotePrefix for row in sheet.iter_rows(min_row=2) for c in row
               if isinstance(c.value, str) and FORMULA_LIKE.match(c.value))


@needs_soffice
def test_libreoffice_reads_court_copies_as_literal_text(copies, lo_profile, tmp_path):
    typed = export_court_copies(_hand_made_results(tmp_path / "typed.xlsx", TYPED),
                                tmp_path / "typed")
    # every sheet of every copy to CSV (sheet token -1), formulas exported as values
    soffice(lo_profile, tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,"
            "false,false,false,-1", *copies, *typed)
    for path in [*copies, *typed]:
        for sheet in ("Cases", "Summary", "About"):
            assert (tmp_path / f"{path.stem}-{sheet}.csv").exists()
    names = set()
    for path in copies:
        rows = csv_rows(tmp_path / f"{path.stem}-Cases.csv")
        names |= {row[rows[0].index("Name")] for row in rows[1:]}
    assert names == set(HOSTILE_NAMES)
    rows = csv_rows(tmp_path / f"{typed[0].stem}-Cases.csv")
    assert sorted(row[rows[0].index("Name")] for row in rows[1:]) == sorted(TYPED)


def test_the_add_in_quotes_formula_like_text_by_the_same_test_as_the_csv():
    """What the add-in's scripts write into Excel gets the apostrophe exactly when the
    CSV files would: formula starts, also after spaces or a line break, tab or CR first."""
    from cmr_xl.xlwings_app.cells import neutralise

    texts = [*HOSTILE_NAMES, "\t=1+1", "\r=2+2", " =3+3", "\n=4+4", "plain", "DOE,JANE Q",
             "11359 HS-POSSESS MARIJ FOR SALE", "A-1", ""]
    written = neutralise([texts])[0]
    assert [w.startswith("'") and w[1:] == t for w, t in zip(written, texts, strict=True)] == [
        bool(FORMULA_LIKE.match(t)) for t in texts]
    assert [w for w, t in zip(written, texts, strict=True) if not FORMULA_LIKE.match(t)] == [
        t for t in texts if not FORMULA_LIKE.match(t)]

"""AB 1793 notices (HS 11361.9(b)-(c)) and the one-page PDF summary, through the real
`cmr-xl export` and `cmr-xl run --csv-dir`, read back with readers that share no code
with the writers (openpyxl, the zip itself, poppler's pdftotext)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from workbook_helpers import doj_file

from cmr_xl.cli import cli
from cmr_xl.doj.doj_format import PRIVATE_COLUMNS

COUNTY = "SACRAMENTO"
IDENTIFIERS = ("REQ_SSN", "PRI_SSN", "REQ_CDL", "PRI_CDL", "FBI_NUMBER", "PRI_IDN", "PRI_INN",
               "SUBJECT_ID")
LISTS = ["Not challenged", "Challenged", "Outside Prop 64"]
CONFIDENTIAL = "Confidential criminal history information: PC 11105"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def doj() -> Path:
    return doj_file(people=250, seed=17)


@pytest.fixture(scope="module")
def run_out(doj, tmp_path_factory) -> Path:
    """An office that challenges felonies with a prior super strike or two priors."""
    out = tmp_path_factory.mktemp("run")
    (out / "criteria.yaml").write_text("disqualify_super_strike: not_eligible\n"
                                       "disqualify_two_priors: not_eligible\n")
    result = invoke("run", str(doj), "--county", COUNTY, "--as-of", "2020-07-01", "--criteria",
                    str(out / "criteria.yaml"), "--workbook", str(out / "book.xlsx"),
                    "--csv-dir", str(out / "csv"))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def exported(run_out) -> Path:
    out = run_out / "court"
    result = invoke("export", str(run_out / "book.xlsx"), "--out", str(out), "--send-pending")
    assert result.exit_code == 0, result.output
    return out


def rows_of(path: Path, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]
            if any(v is not None for v in row) and row[0] != "None."]


def results(run_out: Path) -> list[dict]:
    with open(run_out / "csv" / "prop64_results.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_a_copy_a_notice_and_the_pdf_summary(exported):
    assert sorted(p.name for p in exported.iterdir()) == [
        "ab1793-notice_SACRAMENTO.xlsx", "court-copy_SACRAMENTO.xlsx", "summary.pdf"]


def test_every_prop64_conviction_is_on_exactly_one_list_of_the_notice(exported, run_out):
    notice = exported / "ab1793-notice_SACRAMENTO.xlsx"
    book = openpyxl.load_workbook(notice, read_only=True)
    assert book.sheetnames[:4] == ["Notice", *LISTS]
    listed = Counter()
    for sheet in book.sheetnames[1:]:
        for row in rows_of(notice, sheet):
            listed[(str(row["Case number"]), str(row["CII"]), row["Code section"])] += 1
    expected = Counter((r["Case number"], r["CII"], r["Code section"]) for r in results(run_out)
                       if r["Conviction type"] == "Prop 64")
    assert listed == expected


def test_lists_follow_the_outcome_and_tell_a_challenge_from_a_case_outside_prop64(exported,
                                                                                 run_out):
    notice = exported / "ab1793-notice_SACRAMENTO.xlsx"
    by_key: dict[tuple, list[dict]] = {}
    for r in results(run_out):
        by_key.setdefault((r["Case number"], r["CII"], r["Code section"],
                           r["Conviction date"][:10], r["Level"]), []).append(r)

    def source(row):
        """The Results row of a listed conviction (identical counts agree)."""
        [found, *_] = same = by_key[(str(row["Case number"]), str(row["CII"]),
                                     row["Code section"], str(row["Conviction date"])[:10],
                                     row["Level"])]
        assert all(r["Relief"] == found["Relief"] for r in same)
        return found

    acts = rows_of(notice, "Not challenged")
    assert acts and {source(r)["Eligibility Determination"] for r in acts} <= {
        "Eligible for Dismissal", "Eligible for Reduction"}
    assert {r["Relief the court orders"] for r in acts} <= {
        "Dismiss and seal", "Redesignate as a misdemeanor", "Redesignate as an infraction",
        "Recall and resentence"}
    challenged = rows_of(notice, "Challenged")
    assert challenged, "the criteria make some felonies not eligible"
    for row in challenged:
        assert source(row)["Eligibility Determination"] == "Not eligible"
        assert source(row)["Relief"] == "No relief: DA challenges (HS 11361.9(b))"
        assert row["Grounds of the challenge (HS 11361.9(b))"] == (
            "Does not meet HS 11361.8: " + source(row)["Eligibility Reason"])
    outside = rows_of(notice, "Outside Prop 64")
    assert outside
    for row in outside:
        assert str(row["Conviction date"])[:10] > "2016-11-09"
        assert source(row)["Relief"] == "No relief: outside Prop 64 (convicted after 11/09/2016)"
    front = {row[0]: row[1:] for row in openpyxl.load_workbook(notice)["Notice"].iter_rows(
        values_only=True) if row and row[0]}
    assert front["Not challenged"][0] == len(acts)
    assert front["Challenged"][0] == len(challenged)
    assert front["Outside Prop 64"][0] == len(outside)


def test_notices_are_values_only_macro_free_and_printable(exported):
    notice = exported / "ab1793-notice_SACRAMENTO.xlsx"
    with zipfile.ZipFile(notice) as archive:
        names = archive.namelist()
        assert not [n for n in names if "vbaProject" in n or "externalLink" in n
                    or "activeX" in n or "connections" in n or n.endswith(".bin")]
        assert "macroEnabled" not in archive.read("[Content_Types].xml").decode()
        assert "fullCalcOnLoad" not in archive.read("xl/workbook.xml").decode()
        sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
            assert CONFIDENTIAL in xml and "&amp;P of &amp;N" in xml, name  # footer
            assert 'fitToWidth="1"' in xml or "fitToPage" in xml, name
    book = openpyxl.load_workbook(notice)
    assert notice.suffix == ".xlsx"
    assert book.properties.title == "AB 1793 notice (HS 11361.9): SACRAMENTO"
    assert book.properties.creator == "cmr-xl"
    assert book.properties.description.startswith("Written by cmr-xl ")  # as a court copy's
    for ws in book.worksheets:
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert CONFIDENTIAL in ws.oddFooter.left.text
        if ws.title != "Notice":
            assert ws.print_title_rows == "$1:$1"  # the header row on every page


def test_notices_and_copies_never_hold_private_identifiers(exported, doj):
    with open(doj, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    secrets = {row[c] for row in rows for c in IDENTIFIERS if row[c].strip()}
    descriptions = {row[c] for row in rows for c in PRIVATE_COLUMNS if row[c].strip()}
    for path in exported.glob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            xml = "".join(archive.read(n).decode() for n in archive.namelist()
                          if n.endswith(".xml") or n.endswith(".rels"))
        assert not set(re.findall(r"[0-9A-Za-z]+", xml)) & secrets, path.name
        values = {c for ws in openpyxl.load_workbook(path).worksheets
                  for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
        assert not values & descriptions, path.name
        assert not values & {"Subject ID", "Decision trace", *PRIVATE_COLUMNS}, path.name


def test_per_county_gives_one_notice_with_every_court(run_out, tmp_path):
    result = invoke("export", str(run_out / "book.xlsx"), "--out", str(tmp_path), "--per",
                    "county", "--send-pending")
    assert result.exit_code == 0, result.output
    notice = tmp_path / "ab1793-notice_SACRAMENTO-COUNTY.xlsx"
    courts = {r["Court (as DOJ names it)"] for sheet in LISTS for r in rows_of(notice, sheet)}
    assert courts == {"CASC SACRAMENTO", "CAMC SACRAMENTO"}


# --- the PDF summary ----------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def figures_in(text: str, label: str) -> list[int]:
    """The numbers printed after `label` on its line."""
    line = next(x for x in text.splitlines() if x.strip().startswith(label))
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", line[len(label) + 1:]
                                                       if line.strip() == line else
                                                       line.strip()[len(label):])]


@needs_poppler
@pytest.mark.parametrize("where", ["run", "export"])
def test_the_pdf_summary_is_one_page_with_the_figures_of_summary_json(run_out, exported, where):
    pdf = run_out / "csv" / "summary.pdf" if where == "run" else exported / "summary.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    text = pdf_text(pdf)
    summary = json.loads((run_out / "csv" / "summary.json").read_text())
    chosen, everything = summary["chosen"], summary["dismiss_all_prop64"]
    for outcome in ("Eligible for Dismissal", "Eligible for Reduction", "Not eligible",
                    "Hand review"):
        assert figures_in(text, outcome) == [chosen["determinations"][outcome],
                                             everything["determinations"][outcome]]
    assert figures_in(text, "People getting any relief") == [
        chosen["people_with_relief"], everything["people_with_relief"]]
    assert figures_in(text, "After relief: people with no felony left") == [
        chosen["after_relief"]["people_no_felony"], everything["after_relief"]["people_no_felony"]]
    for section, counts in summary["prop64_convictions_by_section"].items():
        assert figures_in(text, f"HS {section}") == [
            counts["felony"], counts["non_felony"], counts["felony"] + counts["non_felony"],
            chosen["dismissals_by_section"][section], chosen["reductions_by_section"][section]]
    for reason, count in chosen["dismissals_by_reason"].items():
        assert figures_in(text, reason)[-1] == count
    assert f"{summary['prop64_convictions']:,} Prop 64 convictions" in text
    assert "2020-07-01" in text and COUNTY in text


def challenge(run_out: Path, tmp_path: Path, grounds: list[str]) -> list[str]:
    """The DA challenges the first convictions eligible for dismissal, one per grounds
    text (typed as text, never a formula), in a copy of the run's workbook; recalc and
    export with pending reviews sent. Returns the challenged case numbers, in order."""
    book = tmp_path / "decided.xlsx"
    shutil.copy(run_out / "book.xlsx", book)
    workbook = openpyxl.load_workbook(book)
    ws = workbook["Results"]
    header = [c.value for c in ws[1]]
    col = {label: header.index(label) + 1 for label in header if label}
    rows = [r for r in range(2, ws.max_row + 1)
            if ws.cell(r, col["Eligibility Determination"]).value == "Eligible for Dismissal"]
    cases = []
    for row, text in zip(rows, grounds, strict=False):
        ws.cell(row, col["DA decision"], "challenge")
        cell = ws.cell(row, col["DA grounds"], text)
        cell.data_type = "s"  # typed text, not a formula
        cases.append(str(ws.cell(row, col["Case number"]).value))
    assert len(cases) == len(grounds)
    workbook.save(book)
    assert invoke("recalc", str(book)).exit_code == 0
    result = invoke("export", str(book), "--out", str(tmp_path / "out"), "--send-pending")
    assert result.exit_code == 0, result.output
    return cases


def test_a_da_challenge_with_grounds_moves_a_conviction_to_the_challenged_list(run_out,
                                                                               tmp_path):
    grounds = "Unreasonable risk to public safety (PC 1170.18(c))"
    [case] = challenge(run_out, tmp_path, [grounds])
    notice = tmp_path / "out" / "ab1793-notice_SACRAMENTO.xlsx"
    challenged = [r for r in rows_of(notice, "Challenged") if str(r["Case number"]) == case]
    assert [r["Grounds of the challenge (HS 11361.9(b))"] for r in challenged] == [grounds]
    assert case not in {str(r["Case number"]) for r in rows_of(notice, "Not challenged")}


def test_long_grounds_are_written_once_as_every_text_cell_is(run_out, tmp_path):
    """Grounds long enough to wrap keep what every text cell gets (defect: they were
    written a second time raw, without it): the quote prefix of text a spreadsheet would
    take for a formula."""
    formula = '=HYPERLINK("https://example.invalid/grounds","the grounds, in full, are here")'
    plain = "Unreasonable risk to public safety (PC 1170.18(c)): " + "details " * 12
    cases = dict(zip(challenge(run_out, tmp_path, [formula, plain]), (formula, plain),
                     strict=True))
    notice = openpyxl.load_workbook(tmp_path / "out" / "ab1793-notice_SACRAMENTO.xlsx")
    sheet = notice["Challenged"]
    labels = [c.value for c in sheet[1]]
    at = labels.index("Grounds of the challenge (HS 11361.9(b))") + 1
    seen = {}
    for row in range(2, sheet.max_row + 1):
        case = str(sheet.cell(row, labels.index("Case number") + 1).value)
        if case in cases and str(sheet.cell(row, at).value).startswith(cases[case][:20]):
            seen[case] = sheet.cell(row, at)
    assert set(seen) == set(cases)
    for case, grounds in cases.items():
        cell = seen[case]
        assert cell.data_type == "s" and cell.value == grounds.strip()
        assert bool(cell.quotePrefix) == (grounds == formula), grounds[:30]
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"

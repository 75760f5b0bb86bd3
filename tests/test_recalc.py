"""`recalc_workbook`: one criteria cell changed in a saved workbook changes exactly the
determinations it should, and nothing the user typed elsewhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook
from workbook_helpers import county_run, libreoffice_convert, soffice

from cmr_xl.cli import cli
from cmr_xl.engine.pipeline import run
from cmr_xl.rules.criteria import Criteria
from cmr_xl.rules.results_columns import DETERMINATION, RESULT_COLUMNS
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.content import summary_cells
from cmr_xl.workbook.reader import read_about, read_criteria
from cmr_xl.workbook.recalc import recalc_workbook, recalculated_content
from cmr_xl.workbook.writer import write_workbook

FELONY_11359 = next(c for c in L.criterion_cells() if c.spec.key == "felony_11359")


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    path = tmp_path_factory.mktemp("recalc") / "county.xlsx"
    return write_workbook(county_run(), path)


def results(path) -> list[dict]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.RESULTS).to_python()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def clerk_edits(original, tmp_path):
    """What a clerk does in Excel: dismiss 11359 felonies, add a sheet, a note, a color."""
    path = tmp_path / "county.xlsx"
    shutil.copy(original, path)
    wb = openpyxl.load_workbook(path)
    wb[L.CRITERIA][FELONY_11359.address] = "dismiss and seal"
    wb[L.CRITERIA][FELONY_11359.address].comment = Comment("per the DA, 2020-06-12", "clerk")
    notes = wb.create_sheet("Clerk notes")
    notes["A1"] = "Call the court on Monday"
    wb[L.RESULTS]["C2"].comment = Comment("checked by hand", "clerk")
    wb.save(path)
    return path


def test_changing_one_criterion_changes_exactly_its_determinations(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    before = results(original)
    summary = recalc_workbook(path)
    after = results(path)
    changed = [(b, a) for b, a in zip(before, after, strict=True)
               if b["Eligibility Determination"] != a["Eligibility Determination"]]
    assert changed, "the synthetic county has 11359 felonies to dismiss"
    for b, a in changed:
        assert b["Section"] == "11359" and b["Level"] == "Felony"
        assert b["Eligibility Determination"] == "Eligible for Reduction"
        assert a["Eligibility Determination"] == "Eligible for Dismissal"
    reduced = [b for b in before if b["Eligibility Reason"] == "Reduce all HS 11359 convictions"]
    assert len(changed) == len(reduced)
    facts = [c.label for c in RESULT_COLUMNS if c not in DETERMINATION]
    for b, a in zip(before, after, strict=True):
        assert [b[k] for k in facts] == [a[k] for k in facts]  # facts untouched
    assert summary["chosen"]["dismissals_by_section"]["11359"] == sum(
        1 for a in after if a["Section"] == "11359"
        and a["Eligibility Determination"] == "Eligible for Dismissal"
        and a["Conviction type"] == "Prop 64")


def test_what_the_user_typed_is_kept(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    recalc_workbook(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == "Clerk notes"
    assert wb["Clerk notes"]["A1"].value == "Call the court on Monday"
    assert wb[L.CRITERIA][FELONY_11359.address].value == "dismiss and seal"
    assert wb[L.CRITERIA][FELONY_11359.address].comment.text == "per the DA, 2020-06-12"
    assert wb[L.RESULTS]["C2"].comment.text == "checked by hand"
    assert wb[L.CRITERIA].protection.sheet
    assert len(wb[L.SUMMARY]._charts) == 1
    used = wb[L.CRITERIA].cell(FELONY_11359.row + 1, L.USED_COL + 1).value
    assert used == "dismiss and seal"  # the Check column compares with this
    assert read_criteria(path).felony_11359 == "dismiss"


def test_summary_and_about_are_rewritten_with_the_new_figures(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    summary = recalc_workbook(path)
    content = recalculated_content(path)
    ws = openpyxl.load_workbook(path, data_only=True)[L.SUMMARY]
    for cell in summary_cells(content):
        if cell.key:
            expected = summary
            for part in cell.key:
                expected = expected[part]
            assert ws.cell(cell.row + 1, cell.col + 1).value == expected, cell.key
    manifest = json.loads(ws["AA1"].value)
    assert manifest["what_if"]["header_row"] == 18
    about = read_about(path)
    assert about["computed_by"].endswith("(recalc)")
    assert about["input.1.sha256"] == county_run().accounting.files[0].sha256


def test_recalc_gives_what_a_run_with_the_same_criteria_gives(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    summary = recalc_workbook(path)
    rerun = county_run(county_run().criteria.with_changes(felony_11359="dismiss"))
    assert summary["chosen"] == rerun.summary["chosen"]
    assert summary["dismiss_all_prop64"] == rerun.summary["dismiss_all_prop64"]


def test_recalc_twice_changes_nothing_more(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    first = recalc_workbook(path)
    rows = results(path)
    assert recalc_workbook(path) == first
    assert results(path) == rows


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_a_workbook_saved_by_libreoffice_recalculates(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    saved = libreoffice_convert(path, tmp_path / "lo", tmp_path / "profile", recalculate=False)
    summary = recalc_workbook(saved)
    assert summary["chosen"]["dismissals_by_section"]["11359"] > 0
    assert any(r["Eligibility Reason"] == "Dismiss all HS 11359 convictions"
               for r in results(saved))


def test_cli_recalc_and_its_error_for_a_bad_cell(original, tmp_path):
    path = clerk_edits(original, tmp_path)
    done = CliRunner().invoke(cli, ["recalc", str(path), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["chosen"]["dismissals_by_section"]["11359"] > 0
    wb = openpyxl.load_workbook(path)
    age = next(c for c in L.criterion_cells() if c.spec.key == "relief_age_threshold")
    wb[L.CRITERIA][age.address] = "fifty"
    wb.save(path)
    done = CliRunner().invoke(cli, ["recalc", str(path)])
    assert done.exit_code == 2
    assert (f"error: {path.name}, sheet Criteria, cell {age.address}: 'fifty' is not a whole "
            "number") in done.output


def test_recalc_keeps_the_reader_notes_on_about_and_in_its_summary(tmp_path):
    """The DOJ file is not read again, so its notes come from About and go back there."""
    hostile = Path(__file__).parent / "hostile" / "files"
    files = [shutil.copy(hostile / name, tmp_path / name)
             for name in ("truncated_row.csv", "latin1_name.csv")]
    result = run(files, "SACRAMENTO", Criteria())
    assert len(result.accounting.notes) == 3
    path = write_workbook(result, tmp_path / "noted.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[L.CRITERIA][FELONY_11359.address] = "dismiss and seal"
    wb.save(path)
    done = CliRunner().invoke(cli, ["recalc", str(path), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"]["notes"] == result.accounting.notes
    about = read_about(path)
    assert about["computed_by"].endswith("(recalc)")
    assert about["notes"] == 3
    assert [about[f"note.{n}"] for n in (1, 2, 3)] == result.accounting.notes
    sheet = openpyxl.load_workbook(path)[L.ABOUT]
    rows = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    assert sheet.row_dimensions[rows["note.3"]].height >= 15 * 5
    assert sheet.cell(rows["note.3"], L.ABOUT_VALUE_COL + 1).alignment.wrap_text


def test_switching_related_charges_on_after_the_import_asks_for_a_new_import(original,
                                                                            tmp_path):
    """Related charges are read from the DOJ file only when reviewed: a workbook imported
    without them cannot review them, and must not report zero related charges."""
    path = tmp_path / "county.xlsx"
    shutil.copy(original, path)
    related = next(c for c in L.criterion_cells() if c.spec.key == "related_charges")
    wb = openpyxl.load_workbook(path)
    wb[L.CRITERIA][related.address] = "yes"
    wb.save(path)
    before = path.read_bytes()
    done = CliRunner().invoke(cli, ["recalc", str(path)])
    assert done.exit_code == 2
    assert done.output == (
        f"error: {path.name}, sheet Criteria, cell {related.address}: related charges were "
        "switched on after the import, but this workbook holds only the Prop 64 convictions "
        "(related charges are read from the DOJ file only when they are reviewed). Import "
        "the DOJ file again with these criteria (`cmr-xl run DOJ_FILE --criteria THIS.xlsx "
        "--workbook NEW.xlsx`, or the add-in's import_doj_file), or set the cell back to "
        "'no'\n")
    assert path.read_bytes() == before

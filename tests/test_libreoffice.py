"""LibreOffice (headless Calc 7.4) opens a filled workbook, recalculates every formula,
and its Summary equals summary.json: the workbook stays right without the add-in.

Recalculation on load is forced with a private profile (Calc's OOXMLRecalcMode=0,
"always"), and the workbook is written without cached results, so every figure checked
here was computed by LibreOffice from the Results sheet."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from workbook_helpers import county_run, libreoffice_convert, soffice, summary_figures

from cmr_xl.workbook import layout as L
from cmr_xl.workbook.content import CHANGED, summary_cells
from cmr_xl.workbook.recalc import recalc_workbook
from cmr_xl.workbook.writer import content_from_result, write_workbook

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")


@pytest.fixture(scope="module")
def run_and_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lo")
    result = county_run()
    path = write_workbook(result, folder / "county.xlsx", formula_cache=False)
    return result, path, folder


def figures(path, content):
    ws = openpyxl.load_workbook(path, data_only=True)[L.SUMMARY]
    return {cell.key: ws.cell(cell.row + 1, cell.col + 1).value
            for cell in summary_cells(content) if cell.key}


def test_libreoffice_summary_equals_summary_json(run_and_book):
    result, path, folder = run_and_book
    converted = libreoffice_convert(path, folder / "out", folder / "profile")
    content = content_from_result(result)
    got, want = figures(converted, content), summary_figures(result.summary, content)
    assert len(want) > 40
    assert got == want
    formulas = [c for c in summary_cells(content) if c.formula and c.key]
    assert any(c.key == ("people_with_prop64_conviction",) for c in formulas)
    assert any(c.key[-1] == "people_no_conviction" for c in formulas)


def test_libreoffice_computes_the_check_column(run_and_book, tmp_path):
    result, path, _ = run_and_book
    wb = openpyxl.load_workbook(path)
    cells = {c.spec.key: c for c in L.criterion_cells()}
    ws = wb[L.CRITERIA]
    ws[cells["relief_age_threshold"].address] = 30
    ws[cells["felony_11359"].address] = "dismiss and seal"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    converted = libreoffice_convert(edited, tmp_path / "out", tmp_path / "profile")
    checks = openpyxl.load_workbook(converted, data_only=True)[L.CRITERIA]
    check = {key: checks.cell(c.row + 1, L.CHECK_COL + 1).value for key, c in cells.items()}
    assert check["relief_age_threshold"].startswith("Not valid: use 0 (off)")
    assert check["felony_11359"] == CHANGED
    assert not check["felony_11357"]
    banner = openpyxl.load_workbook(converted, data_only=True)[L.SUMMARY]["A3"].value
    assert banner.startswith("Criteria changed")


def test_a_recalculated_workbook_reads_right_in_libreoffice_as_it_is(run_and_book, tmp_path):
    result, path, _ = run_and_book
    book = tmp_path / "recalc.xlsx"
    shutil.copy(path, book)
    wb = openpyxl.load_workbook(book)
    cell = next(c for c in L.criterion_cells() if c.spec.key == "felony_11360")
    wb[L.CRITERIA][cell.address] = "dismiss and seal"
    wb.save(book)
    summary = recalc_workbook(book)
    # LibreOffice's own default profile: no forced recalculation, cached values as written
    converted = libreoffice_convert(book, tmp_path / "out", tmp_path / "profile",
                                    recalculate=False)
    from cmr_xl.workbook.recalc import recalculated_content

    content = recalculated_content(book)
    assert figures(converted, content) == summary_figures(summary, content)
    check = openpyxl.load_workbook(converted, data_only=True)[L.CRITERIA].cell(
        cell.row + 1, L.CHECK_COL + 1).value
    assert not check  # no stale "Changed since the results were computed"

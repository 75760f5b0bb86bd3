"""Every table on the Summary adds up, in LibreOffice as in summary.json and the CLI.

The workbook is written without cached results and LibreOffice recalculates every formula
on load, so each figure and each check read here was computed by LibreOffice from the
Results sheet: the written workbook and the recalculated one (after a criteria change and
DA decisions), for the defaults and several criteria sets."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from workbook_helpers import (
    COUNTY,
    county_run,
    doj_file,
    libreoffice_convert,
    soffice,
    summary_figures,
)

from cmr_xl.cli import cli
from cmr_xl.rules.criteria import Criteria
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.content import ADDS_UP, summary_cells
from cmr_xl.workbook.recalc import recalc_workbook, recalculated_content
from cmr_xl.workbook.writer import content_from_result, write_workbook

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")

CRITERIA_SETS = {
    "defaults": Criteria(),
    "age_50_and_11359_dismissed": Criteria(relief_age_threshold=50, felony_11359="dismiss",
                                           relief_under_21=True),
    "related_charges_and_disqualifiers": Criteria(
        related_charges=True, disqualify_super_strike="not_eligible",
        disqualify_two_priors="hand_review", felony_11360="hand_review"),
}


def read_back(path, content):
    """(figures by summary.json path, check cell texts, every total and its parts) as
    LibreOffice computed them."""
    ws = openpyxl.load_workbook(path, data_only=True)[L.SUMMARY]
    cells = summary_cells(content)
    value = {(c.row, c.col): ws.cell(c.row + 1, c.col + 1).value for c in cells}
    figures = {c.key: value[(c.row, c.col)] for c in cells if c.key}
    checks = {(c.row, c.col): value[(c.row, c.col)] for c in cells if c.style == "check"}
    return figures, checks


def assert_adds_up(converted, summary, content):
    figures, checks = read_back(converted, content)
    assert figures == summary_figures(summary, content)
    assert len(checks) >= 6 and set(checks.values()) == {ADDS_UP}, checks
    chosen = summary["chosen"]
    assert sum(chosen["determinations"].values()) == summary["prop64_convictions"]
    assert sum(chosen["dismissals_by_reason"].values()) == chosen["determinations"][
        "Eligible for Dismissal"]


@pytest.mark.parametrize("name", list(CRITERIA_SETS))
def test_every_summary_breakdown_adds_up_when_written_and_after_recalc(name, tmp_path):
    criteria = CRITERIA_SETS[name]
    result = county_run(criteria, people=120)
    book = write_workbook(result, tmp_path / "county.xlsx", formula_cache=False)
    converted = libreoffice_convert(book, tmp_path / "written", tmp_path / "profile")
    assert_adds_up(converted, result.summary, content_from_result(result))

    # the clerk changes a criterion and decides two convictions, then recalculates
    wb = openpyxl.load_workbook(book)
    cell = next(c for c in L.criterion_cells() if c.spec.key == "relief_years_since_conviction")
    wb[L.CRITERIA][cell.address] = 10
    ws = wb[L.RESULTS]
    header = [c.value for c in ws[1]]
    decision = header.index("DA decision") + 1
    ws.cell(2, decision).value = "challenge"
    ws.cell(3, decision).value = "Dismiss"
    wb.save(book)
    summary = recalc_workbook(book)
    again = libreoffice_convert(book, tmp_path / "recalculated", tmp_path / "profile")
    assert_adds_up(again, summary, recalculated_content(book))


def test_summary_json_of_the_cli_equals_the_workbook_libreoffice_computes(tmp_path):
    done = CliRunner().invoke(cli, [
        "run", str(doj_file(120, 11)), "--county", COUNTY, "--as-of", "2020-07-01",
        "--csv-dir", str(tmp_path / "csv"), "--workbook", str(tmp_path / "county.xlsx")])
    assert done.exit_code == 0, done.output
    summary = json.loads((tmp_path / "csv" / "summary.json").read_text(encoding="utf-8"))
    book = tmp_path / "county.xlsx"
    shutil.copy(book, tmp_path / "copy.xlsx")
    converted = libreoffice_convert(tmp_path / "copy.xlsx", tmp_path / "out",
                                    tmp_path / "profile")
    content = recalculated_content(book)  # the workbook's own rows, as recalc reads them
    figures, checks = read_back(converted, content)
    expected = summary_figures(summary, content)
    assert {k: v for k, v in figures.items() if k in expected} == expected
    assert set(checks.values()) == {ADDS_UP}

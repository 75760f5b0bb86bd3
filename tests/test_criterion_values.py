"""One rule for a criterion value (issue 11, item 4): what a clerk types in a Criteria cell
is accepted or refused alike by the Check column (LibreOffice computes it), `cmr-xl
recalc` and `cmr-xl export`; harmless variants are written back by recalc in the
dropdown's wording, so export then accepts them, and messages use the clerk's words."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from workbook_helpers import cmr, county_book, libreoffice_convert, soffice

from cmr_xl.workbook import layout as L

CELLS = {c.spec.key: c for c in L.criterion_cells()}
#: What a clerk may type that means a criterion's dropdown value (key -> typed, written back)
HARMLESS = {
    "felony_11359": ("Dismiss ", "dismiss and seal"),
    "felony_11360": ("DISMISS AND   SEAL", "dismiss and seal"),
    "misdemeanor": ("hand review", "hand review"),
    "relief_age_threshold": ("57", 57),
    "relief_years_since_conviction": (" 10 ", 10),
    "relief_under_21": ("yes ", "yes"),
    "as_of": ("2020-07-01", datetime(2020, 7, 1)),
}
#: What no rule accepts (key -> typed)
REFUSED = {
    "felony_11359": "dismis",
    "relief_age_threshold": "fifty",
    "relief_years_since_conviction": "99",
    "relief_under_21": "maybe",
    "as_of": "2020-02-30",
}


@pytest.fixture()
def book(tmp_path):
    return county_book(tmp_path, people=60)


def type_criteria(path, values):
    wb = openpyxl.load_workbook(path)
    for key, value in values.items():
        wb[L.CRITERIA][CELLS[key].address] = value
    wb.save(path)


def criteria_cells(path, col):
    ws = openpyxl.load_workbook(path, data_only=True)[L.CRITERIA]
    return {key: ws.cell(c.row + 1, col + 1).value for key, c in CELLS.items()}


def test_a_clerk_types_harmless_variants_recalc_writes_them_back_and_export_accepts(
        book, tmp_path):
    type_criteria(book, {key: typed for key, (typed, _) in HARMLESS.items()})
    refused = cmr("export", book, "--out", tmp_path / "early", "--send-pending")
    assert refused.exit_code == 2  # what they mean differs from what the results used
    assert "this criterion was changed after the results were computed" in refused.output
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    assert "note: county.xlsx, sheet Criteria, cell C8: 'Dismiss ' written back as " \
        "'dismiss and seal'" in done.output
    assert "note: county.xlsx, sheet Criteria, cell C5: text '2020-07-01' written back as " \
        "the date 2020-07-01" in done.output
    values = criteria_cells(book, L.VALUE_COL)
    assert {key: values[key] for key in HARMLESS} == {
        key: wording for key, (_, wording) in HARMLESS.items()}
    used = criteria_cells(book, L.USED_COL)
    assert {key: used[key] for key in HARMLESS} == {
        key: wording for key, (_, wording) in HARMLESS.items()}
    assert all(not check for check in criteria_cells(book, L.CHECK_COL).values())
    again = cmr("recalc", book)
    assert "written back" not in again.output  # nothing left to write back
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 0, exported.output


def test_export_reads_a_variant_as_recalc_does_without_a_recalc(book, tmp_path):
    """'DISMISS AND SEAL' where the results used 'dismiss and seal' is the same value."""
    type_criteria(book, {"felony_11357": "DISMISS AND SEAL ", "misdemeanor": "dismiss"})
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 0, exported.output


@pytest.mark.parametrize("key", sorted(REFUSED))
def test_a_value_no_rule_accepts_is_refused_by_recalc_and_export_alike(book, tmp_path, key):
    type_criteria(book, {key: REFUSED[key]})
    place = f"county.xlsx, sheet Criteria, cell {CELLS[key].address}"
    done = cmr("recalc", book)
    assert done.exit_code == 2
    assert done.output.startswith(f"error: {place}: ") and REFUSED[key] in done.output
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 2
    assert exported.output == done.output
    assert "hand_review" not in done.output and "'dismiss', 'reduce'" not in done.output


def test_a_wrong_choice_is_told_in_the_dropdown_words(book):
    type_criteria(book, {"felony_11359": "dismis"})
    done = cmr("recalc", book)
    assert done.output == (
        "error: county.xlsx, sheet Criteria, cell C8: 'dismis' is not a choice for HS 11359 "
        "felonies (possession for sale). Use one of 'dismiss and seal', 'reduce one level "
        "(felony to misdemeanor, misdemeanor to infraction)', 'hand review'\n")


def test_a_what_if_row_without_its_criterion_names_the_scenario(book):
    wb = openpyxl.load_workbook(book)
    row = L.scenario_rows()[0] + 1
    wb[L.CRITERIA].cell(row, L.LABEL_COL + 1).value = "Dismiss 11359"
    wb[L.CRITERIA].cell(row, L.VALUE_COL + 1).value = None  # the criterion deleted
    wb[L.CRITERIA].cell(row, L.CHECK_COL + 1).value = "dismiss"
    wb.save(book)
    done = cmr("recalc", book)
    assert done.exit_code == 2
    assert "the what-if scenario 'Dismiss 11359' names no criterion" in done.output
    assert "None" not in done.output


def test_about_shows_a_what_if_scenario_in_the_clerks_words(book):
    wb = openpyxl.load_workbook(book)
    row = L.scenario_rows()[0] + 1
    ws = wb[L.CRITERIA]
    ws.cell(row, L.LABEL_COL + 1).value = "Dismiss 11359"
    ws.cell(row, L.VALUE_COL + 1).value = CELLS["felony_11359"].spec.label
    ws.cell(row, L.CHECK_COL + 1).value = "dismiss"
    wb.save(book)
    assert cmr("recalc", book).exit_code == 0
    about = {r[0].value: r[2].value for r in openpyxl.load_workbook(book)[L.ABOUT].iter_rows()
             if r[0].value}
    assert about["scenario.1"] == "HS 11359 felonies (possession for sale): dismiss and seal"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_the_check_column_accepts_and_refuses_what_recalc_does(book, tmp_path):
    """LibreOffice computes the Check formulas: a harmless variant is never 'Not valid'
    (it differs from what the results used until recalc writes it back), a refused one is."""
    harmless = {key: typed for key, (typed, _) in HARMLESS.items()}
    harmless["relief_age_threshold"] = "  0"
    for values, valid in ((harmless, True), (REFUSED, False)):
        edited = tmp_path / f"{valid}.xlsx"
        edited.write_bytes(book.read_bytes())
        type_criteria(edited, values)
        converted = libreoffice_convert(edited, tmp_path / f"out{valid}", tmp_path / "profile")
        checks = criteria_cells(converted, L.CHECK_COL)
        for key in values:
            assert str(checks[key] or "").startswith("Not valid") is not valid, (key, checks[key])
        assert (cmr("recalc", edited).exit_code == 0) is valid


def test_a_date_serial_and_a_date_cell_are_the_same_value(book, tmp_path):
    type_criteria(book, {"as_of": date(2020, 7, 1)})
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 0, exported.output


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize(("typed", "valid"), [
    ("2020-07-01", True), ("20200701", True), ("07/01/2020", True),
    ("July 1, 2020", False), ("2020-7-1", False), ("2020/07/01", False),
    ("2020-02-30", False), ("1/7/2020", False), ("2020-+7-01", False),
])
def test_a_date_typed_as_text_is_checked_as_recalc_reads_it(book, tmp_path, typed, valid):
    """Not DATEVALUE (which reads what the PC's language reads): the Check cell takes
    exactly the three forms recalc takes, and a real day only."""
    type_criteria(book, {"as_of": typed})
    converted = libreoffice_convert(book, tmp_path / "out", tmp_path / "profile")
    check = str(criteria_cells(converted, L.CHECK_COL)["as_of"] or "")
    assert check.startswith("Not valid") is not valid, check
    assert (cmr("recalc", book).exit_code == 0) is valid

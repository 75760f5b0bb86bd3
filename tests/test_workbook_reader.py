"""Reading a workbook back: every error names the file, sheet and cell to fix."""

from __future__ import annotations

import openpyxl
import pytest
from workbook_helpers import county_run

from cmr_xl.common.errors import CriteriaError, InputError
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.reader import read_criteria, read_facts, read_scenarios
from cmr_xl.workbook.writer import write_workbook


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("reader") / "county.xlsx"
    return write_workbook(county_run(), path)


def edited(book, tmp_path, change) -> str:
    wb = openpyxl.load_workbook(book)
    change(wb)
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    return str(path)


def cell_of(key: str) -> L.CriterionCell:
    return next(c for c in L.criterion_cells() if c.spec.key == key)


def test_a_word_in_a_number_cell_names_the_file_sheet_and_cell(book, tmp_path):
    cell = cell_of("relief_age_threshold")
    path = edited(book, tmp_path, lambda wb: wb[L.CRITERIA].__setitem__(cell.address, "abc"))
    with pytest.raises(CriteriaError) as error:
        read_criteria(path)
    assert str(error.value).startswith(
        f"edited.xlsx, sheet Criteria, cell {cell.address}: 'abc' is not a whole number")


def test_a_number_out_of_range_names_the_cell(book, tmp_path):
    cell = cell_of("relief_age_threshold")
    path = edited(book, tmp_path, lambda wb: wb[L.CRITERIA].__setitem__(cell.address, 30))
    with pytest.raises(CriteriaError, match=rf"^edited.xlsx, sheet Criteria, cell {cell.address}: "
                                            "30 is out of range"):
        read_criteria(path)


def test_a_word_not_in_the_dropdown_names_the_cell(book, tmp_path):
    cell = cell_of("felony_11359")
    path = edited(book, tmp_path, lambda wb: wb[L.CRITERIA].__setitem__(cell.address, "pardon"))
    with pytest.raises(CriteriaError,
                       match=rf"^edited.xlsx, sheet Criteria, cell {cell.address}: 'pardon' is not"):
        read_criteria(path)


def test_keys_move_with_inserted_rows(book, tmp_path):
    def insert(wb):
        ws = wb[L.CRITERIA]
        ws.protection.sheet = False
        ws.insert_rows(6, 2)
        ws["B6"] = "a note the clerk added"
    path = edited(book, tmp_path, insert)
    assert read_criteria(path) == county_run().criteria


def test_a_renamed_sheet_is_named(book, tmp_path):
    path = edited(book, tmp_path, lambda wb: setattr(wb[L.CRITERIA], "title", "My criteria"))
    with pytest.raises(InputError, match=r"sheet 'Criteria'.*is missing.*My criteria"):
        read_criteria(path)


def test_a_missing_results_column_is_named(book, tmp_path):
    county = L.results_col("county") + 1
    path = edited(book, tmp_path,
                  lambda wb: wb[L.RESULTS].cell(1, county).__setattr__("value", "X"))
    with pytest.raises(InputError,
                       match=r"^edited.xlsx, sheet Results, row 1: the column 'County' is missing"):
        read_facts(path)


def test_a_scenario_row_with_an_unknown_criterion_names_the_cell(book, tmp_path):
    row = L.scenario_rows()[2]
    def change(wb):
        wb[L.CRITERIA].cell(row + 1, L.LABEL_COL + 1).value = "Mine"
        wb[L.CRITERIA].cell(row + 1, L.VALUE_COL + 1).value = "Amnesty for all"
    path = edited(book, tmp_path, change)
    with pytest.raises(InputError,
                       match=rf"^edited.xlsx, sheet Criteria, cell {L.a1(row, L.VALUE_COL)}: "):
        read_scenarios(path)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    with pytest.raises(InputError, match="is not an .xlsx workbook"):
        read_criteria(path)

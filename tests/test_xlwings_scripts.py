"""The add-in's scripts, run by xlwings' server machinery against the JSON an Office.js
client posts (built here from a real filled workbook); we assert on the actions they
send back to Excel."""

from __future__ import annotations

import asyncio
import json

import pytest
import xlwings as xw
from workbook_helpers import county_run, doj_file
from xlsxwriter.utility import xl_col_to_name
from xlwings_helpers import book_payload, xlwings_server

from cmr_xl.engine.criteria import criterion_specs
from cmr_xl.engine.eligibility import determine
from cmr_xl.engine.results_columns import DETERMINATION, FACT_COLUMNS, RESULT_COLUMNS
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.content import MANIFEST_AT, OUTCOME_HEADER_ROW
from cmr_xl.workbook.writer import write_workbook
from cmr_xl.xlwings_app import contract as C

DETERMINATION_COL = [c.key for c in RESULT_COLUMNS].index(DETERMINATION[0].key)


@pytest.fixture(scope="module")
def xl():
    with xlwings_server() as modules:
        yield modules


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    result = county_run()
    return result, write_workbook(result, tmp_path_factory.mktemp("scripts") / "county.xlsx")


def payload(path, rows):
    table = {"name": L.RESULTS_TABLE, "range_address": f"A1:AT{rows + 1}",
             "header_row_range_address": "A1:AT1", "data_body_range_address":
             f"A2:AT{rows + 1}", "total_row_range_address": None, "show_headers": True,
             "show_totals": False, "table_style": "TableStyleLight9", "show_autofilter": True}
    return book_payload(path, {L.RESULTS: table})


def run_script(xl, name, data):
    server, _, scripts = xl
    book = xw.Book(json=data)
    asyncio.run(server.custom_scripts_call(scripts, name, typehint_to_value={xw.Book: book}))
    return book.json()["actions"]


def set_cell(data, sheet, row, col, value):
    values = next(s for s in data["sheets"] if s["name"] == sheet)["values"]
    values[row][col] = value


def alerts(actions):
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def test_the_contract_matches_the_workbook_layout():
    assert (C.CRITERIA, C.RESULTS, C.SUMMARY, C.ABOUT) == (L.CRITERIA, L.RESULTS, L.SUMMARY,
                                                           L.ABOUT)
    assert C.RESULTS_TABLE == L.RESULTS_TABLE
    assert (C.KEY_COL, C.LABEL_COL, C.VALUE_COL, C.CHECK_COL, C.USED_COL) == (
        L.KEY_COL, L.LABEL_COL, L.VALUE_COL, L.CHECK_COL, L.USED_COL)
    assert C.CRITERIA_FIRST_ROW == L.criterion_cells()[0].row + 1
    assert (C.ABOUT_KEY_COL, C.ABOUT_LABEL_COL, C.ABOUT_VALUE_COL) == (
        L.ABOUT_KEY_COL, L.ABOUT_LABEL_COL, L.ABOUT_VALUE_COL)
    assert C.MANIFEST_CELL == L.a1(*MANIFEST_AT)
    assert C.EXCEL_MAX_ROWS == L.EXCEL_MAX_ROWS


def test_scripts_are_registered(xl):
    server, _, scripts = xl
    names = {s["function_name"] for s in server.custom_scripts_meta(scripts)}
    assert names == {"import_doj_file", "recalculate", "make_live", "freeze_results",
                     "export_court_copies"}


def test_recalculate_writes_the_new_determinations(xl, filled):
    result, path = filled
    data = payload(path, len(result.facts))
    row = next(c.row for c in L.criterion_cells() if c.spec.key == "felony_11359")
    set_cell(data, L.CRITERIA, row, L.VALUE_COL, "dismiss and seal")
    actions = run_script(xl, "recalculate", data)
    assert alerts(actions)[0].startswith(f"Recalculated {len(result.facts):,} convictions")
    results = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1
               and a["start_column"] == DETERMINATION_COL]
    written = [row for a in results for row in a["values"]]
    expected = determine(result.facts, result.criteria.with_changes(felony_11359="dismiss"))
    assert [r[3] for r in written] == expected["determination"].tolist()
    used = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 0
            and a["start_column"] == L.USED_COL and a["start_row"] == row]
    assert used and used[0]["values"] == [["dismiss and seal"]]
    what_if = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 2
               and a["start_row"] == OUTCOME_HEADER_ROW + 1 and a["start_column"] == 2]
    assert what_if[0]["values"] == [[result.summary["dismiss_all_prop64"]["determinations"][
        "Eligible for Dismissal"]]]
    about = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 3]
    keys = [r[0] for a in about for r in a["values"]]
    assert "computed_at" in keys and "input.1.sha256" in keys


def test_a_bad_criteria_cell_is_named_in_a_message_box(xl, filled):
    result, path = filled
    data = payload(path, len(result.facts))
    cell = next(c for c in L.criterion_cells() if c.spec.key == "relief_years_crime_free")
    set_cell(data, L.CRITERIA, cell.row, L.VALUE_COL, 99.0)
    actions = run_script(xl, "recalculate", data)
    assert [a["func"] for a in actions] == ["alert"]
    assert alerts(actions)[0].startswith(f"Criteria!{cell.address}: 99 is out of range")


def test_import_fills_results_and_about(xl, tmp_path):
    from cmr_xl.workbook.template import new_workbook

    path = new_workbook(tmp_path / "new.xlsx")
    data = payload(path, 1)
    county_row, file_row = L.run_settings_rows()
    set_cell(data, L.CRITERIA, county_row, L.VALUE_COL, "SACRAMENTO")
    set_cell(data, L.CRITERIA, file_row, L.VALUE_COL, str(doj_file()))
    actions = run_script(xl, "import_doj_file", data)
    assert alerts(actions)[0].startswith("Imported ")
    rows = [r for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1
            for r in a["values"]]
    assert rows[0] == [c.label for c in RESULT_COLUMNS]
    assert len(rows) == len(county_run(scenarios=False).facts) + 1
    resize = [a for a in actions if a["func"] == "resizeTable"]
    assert resize and resize[0]["args"][1].endswith(f"{len(rows)}")


def test_import_without_a_file_names_the_cell(xl, tmp_path):
    from cmr_xl.workbook.template import new_workbook

    data = payload(new_workbook(tmp_path / "new.xlsx"), 1)
    actions = run_script(xl, "import_doj_file", data)
    assert alerts(actions)[0].startswith("Criteria!C")


def test_make_live_lays_out_blocks_of_whole_persons(xl, filled):
    result, path = filled
    actions = run_script(xl, "make_live", payload(path, len(result.facts)))
    assert [a for a in actions if a["func"] == "addSheet"][0]["args"][1] == C.LIVE
    blocks = [a["values"][0][0] for a in actions if a["func"] == "setFormula"
              and a["values"][0][0].startswith("=CMR_DETERMINE(")]
    bottom = C.CRITERIA_FIRST_ROW + len(criterion_specs()) - 1
    last = xl_col_to_name(len(FACT_COLUMNS) - 1)  # the facts columns, A to the last fact
    assert blocks[0] == (f"=CMR_DETERMINE(Results!$A$2:${last}${len(result.facts) + 1},"
                         f"Criteria!$A$5:$C${bottom},Results!$A$1:${last}$1)")
    index = [a for a in actions if a["func"] == "setFormula" and isinstance(a["values"], str)
             and a["values"].startswith("=INDEX(Live!")]  # one formula filling a column
    assert len(index) == len(DETERMINATION)
    assert {a["row_count"] for a in index} == {len(result.facts)}
    assert "Live: 1 =CMR_DETERMINE block" in alerts(actions)[0]


def test_freeze_and_export_explain_themselves(xl, filled):
    result, path = filled
    actions = run_script(xl, "freeze_results", payload(path, len(result.facts)))
    assert alerts(actions)[0] == f"Froze {len(result.facts):,} rows of determinations as values."
    actions = run_script(xl, "export_court_copies", payload(path, len(result.facts)))
    assert "cmr-xl export BOOK.xlsx --out DIR" in alerts(actions)[0]


def test_the_manifest_points_at_the_what_if_table(filled):
    from python_calamine import CalamineWorkbook

    _, path = filled
    summary = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.SUMMARY).to_python()
    manifest = json.loads(summary[0][MANIFEST_AT[1]])
    header = summary[manifest["what_if"]["header_row"]]
    assert header[1:4] == ["Chosen criteria", "Dismiss all Prop 64",
                           "Dismiss all HS 11359 felonies"]

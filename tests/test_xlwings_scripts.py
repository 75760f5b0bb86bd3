"""The add-in's scripts, run by xlwings' server machinery against the JSON an Office.js
client posts (built here from a real filled workbook); we assert on the actions they
send back to Excel."""

from __future__ import annotations

import asyncio
import json

import pytest
import xlwings as xw
from openpyxl.utils import get_column_letter
from workbook_helpers import county_run, doj_file
from xlwings_helpers import book_payload

from cmr_xl.rules.criteria import criterion_specs
from cmr_xl.rules.eligibility import determine
from cmr_xl.rules.results_columns import DETERMINATION, RESULT_COLUMNS
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.content import MANIFEST_AT, OUTCOME_HEADER_ROW
from cmr_xl.workbook.writer import write_workbook
from cmr_xl.xlwings_app import contract as C

DETERMINATION_COL = [c.key for c in RESULT_COLUMNS].index("determination")


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


def summary_grid(actions):
    """The Summary as the script writes it: one block of values and formulas from A1."""
    [grid] = [a["values"] for a in actions if a["func"] == "setFormula"
              and a["sheet_position"] == 2 and (a["start_row"], a["start_column"]) == (0, 0)]
    return grid


def about_rows(actions):
    """{key: (sheet row, label, value)} of the About rows the script writes."""
    found = {}
    for action in actions:
        if action["func"] == "setValues" and action["sheet_position"] == 3:
            for offset, row in enumerate(action["values"]):
                if row[0]:
                    found[row[0]] = (action["start_row"] + offset, row[1], row[2])
    return found


def test_the_contract_reads_the_workbook_layout():
    """contract.py takes the layout from cmr_xl.workbook.layout; what it derives still
    points where the writer puts things."""
    assert C.CRITERIA_FIRST_ROW == L.criterion_cells()[0].row + 1
    assert C.MANIFEST_CELL == "AA1"


def test_scripts_are_registered(xl):
    server, _, scripts = xl
    names = {s["function_name"] for s in server.custom_scripts_meta(scripts)}
    assert names == {"import_doj_file", "recalculate", "make_live", "freeze_results",
                     "export_court_copies", "export_court_copies_send_pending"}


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
    assert [r[0] for r in written] == expected["determination"].tolist()
    decision = [c.key for c in RESULT_COLUMNS].index("da_decision")
    assert not [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1
                and a["start_column"] <= decision < a["start_column"] + len(a["values"][0])]
    used = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 0
            and a["start_column"] == L.USED_COL and a["start_row"] == row]
    assert used and used[0]["values"] == [["dismiss and seal"]]
    grid = summary_grid(actions)
    assert grid[OUTCOME_HEADER_ROW + 1][2] == result.summary["dismiss_all_prop64"][
        "determinations"]["Eligible for Dismissal"]
    about = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 3]
    keys = [r[0] for a in about for r in a["values"]]
    assert "computed_at" in keys and "input.1.sha256" in keys


TITLE_ROWS = 2  # a title and an empty row above the header, as a clerk may type them


def titled(data):
    """The payload's Results under a title, its labels in capitals: the header the
    saved-workbook reader finds (reader.find_header_row) is then Results row 3."""
    sheet = next(s for s in data["sheets"] if s["name"] == L.RESULTS)
    values, width = sheet["values"], len(sheet["values"][0])
    values[0] = [str(label).upper() for label in values[0]]
    values[:0] = [["Prop 64 results, for the DA"] + [""] * (width - 1), [""] * width]
    sheet["used_range_address"] = f"A1:{get_column_letter(width)}{len(values)}"
    return data


def written(actions, col):
    """{0-based Results row: value} of what the script wrote into column `col`."""
    return {a["start_row"] + n: row[col - a["start_column"]] for a in actions
            if a["func"] == "setValues" and a["sheet_position"] == 1
            and a["start_column"] <= col < a["start_column"] + len(a["values"][0])
            for n, row in enumerate(a["values"])}


def test_recalculate_finds_the_header_under_a_title_and_writes_to_the_rows_read(xl, filled):
    """The add-in reads Results as `cmr-xl recalc` does (a title above the header, labels
    in any case) and each determination goes back to its conviction's row, also around
    an empty row among the convictions."""
    result, path = filled
    data = titled(payload(path, len(result.facts)))
    values = next(s for s in data["sheets"] if s["name"] == L.RESULTS)["values"]
    gap = TITLE_ROWS + 1 + 4  # the fifth conviction's row, emptied
    values[gap] = [""] * len(values[gap])
    actions = run_script(xl, "recalculate", data)
    assert alerts(actions)[0].startswith(f"Recalculated {len(result.facts) - 1:,} convictions")
    kept = result.facts.drop(index=4).reset_index(drop=True)
    expected = determine(kept, result.criteria)["determination"].tolist()
    rows = [r for r in range(TITLE_ROWS + 1, TITLE_ROWS + 1 + len(result.facts)) if r != gap]
    assert written(actions, DETERMINATION_COL) == dict(zip(rows, expected, strict=True))


def test_a_bad_da_decision_under_a_title_is_named_by_its_cell(xl, filled):
    result, path = filled
    data = titled(payload(path, len(result.facts)))
    decision = [c.key for c in RESULT_COLUMNS].index("da_decision")
    set_cell(data, L.RESULTS, TITLE_ROWS + 2, decision, "maybe")
    actions = run_script(xl, "recalculate", data)
    cell = f"{get_column_letter(decision + 1)}{TITLE_ROWS + 3}"
    assert alerts(actions)[0].startswith(f"Results!{cell}: 'maybe' is not a DA decision")


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


def test_import_writes_under_the_header_where_it_is(xl, tmp_path):
    """A title above the header stays, and the table keeps its header row (Excel resizes
    a table only so)."""
    from cmr_xl.workbook.template import new_workbook

    data = titled(payload(new_workbook(tmp_path / "new.xlsx"), 1))
    county_row, file_row = L.run_settings_rows()
    set_cell(data, L.CRITERIA, county_row, L.VALUE_COL, "SACRAMENTO")
    set_cell(data, L.CRITERIA, file_row, L.VALUE_COL, str(doj_file()))
    actions = run_script(xl, "import_doj_file", data)
    assert alerts(actions)[0].startswith("Imported ")
    writes = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1]
    assert (writes[0]["start_row"], writes[0]["values"][0]) == (
        TITLE_ROWS, [c.label for c in RESULT_COLUMNS])
    rows = len(county_run(scenarios=False).facts)
    assert sorted(written(actions, 0)) == list(range(TITLE_ROWS, TITLE_ROWS + 1 + rows))
    [resize] = [a for a in actions if a["func"] == "resizeTable"]
    last = get_column_letter(len(RESULT_COLUMNS))
    assert resize["args"][1] == f"$A${TITLE_ROWS + 1}:${last}${TITLE_ROWS + 1 + rows}"


def test_import_without_a_file_names_the_cell(xl, tmp_path):
    from cmr_xl.workbook.template import new_workbook

    data = payload(new_workbook(tmp_path / "new.xlsx"), 1)
    actions = run_script(xl, "import_doj_file", data)
    assert alerts(actions)[0].startswith("Criteria!C")


def test_import_settings_rows_deleted_are_missing_never_the_last_row(xl, tmp_path):
    """A clerk deleted the 'Import settings' rows: the import asks for them, rather than
    reading the county and file from whatever the Criteria sheet's last row holds."""
    from cmr_xl.workbook.template import new_workbook

    data = payload(new_workbook(tmp_path / "new.xlsx"), 1)
    values = next(s for s in data["sheets"] if s["name"] == L.CRITERIA)["values"]
    for row in L.run_settings_rows():
        values[row] = [None] * len(values[row])
    last = values[-1]
    last[L.VALUE_COL:L.VALUE_COL + 1] = [str(doj_file())]
    actions = run_script(xl, "import_doj_file", data)
    assert "the county and the DOJ file path are needed to import" in alerts(actions)[0]
    assert not [a for a in actions if a["func"] == "setValues"]


def test_make_live_lays_out_blocks_of_whole_persons(xl, filled):
    result, path = filled
    actions = run_script(xl, "make_live", payload(path, len(result.facts)))
    assert [a for a in actions if a["func"] == "addSheet"][0]["args"][1] == C.LIVE
    formulas = [a for a in actions if a["func"] == "setFormula"]
    blocks = [a["values"][0][0] for a in formulas if str(a["values"][0][0]).startswith(
        "=CMR_DETERMINE(")]
    bottom = C.CRITERIA_FIRST_ROW + len(criterion_specs()) - 1
    decision, grounds = (get_column_letter([c.key for c in RESULT_COLUMNS].index(key) + 1)
                         for key in ("da_decision", "da_grounds"))
    last = len(result.facts) + 1
    assert blocks == [f"=CMR_DETERMINE(Live!$N$2:$N${last},Criteria!$A$5:$C${bottom},Live!$N$1,"
                      f'"",Results!${decision}$2:${grounds}${last})']
    header, row = live_pack_formulas(actions, len(result.facts))
    dob = get_column_letter([c.key for c in RESULT_COLUMNS].index("dob") + 1)
    assert header.startswith(f"=Results!$A$1&\"|\"&Results!${dob}$1&\"|\"&")  # Subject ID, DOB
    assert row.startswith(f'=INDEX(Results!$A:$A,ROW())&"|"&INDEX(Results!${dob}:${dob},ROW())'
                          '&"|"&')
    only_prop64 = get_column_letter(
        [c.key for c in RESULT_COLUMNS].index("only_prop64") + 1)
    # a yes/no fact: TRUE -> 1 in any language
    assert f"N(INDEX(Results!${only_prop64}:${only_prop64},ROW()))" in row
    index = [a for a in formulas if isinstance(a["values"], str)
             and a["values"].startswith("=INDEX(Live!")]  # one formula filling a column
    assert len(index) == len(DETERMINATION)
    assert {a["row_count"] for a in index} == {len(result.facts)}
    assert "Live: 1 =CMR_DETERMINE block" in alerts(actions)[0]


def live_pack_formulas(actions, rows):
    """The Live sheet's packing formulas make_live writes: N1, and N2 filled down."""
    packed = [a for a in actions if a["func"] == "setFormula"
              and a["start_column"] == C.LIVE_PACKED_COL]
    [header] = [a["values"][0][0] for a in packed if a["start_row"] == 0]
    [row] = [a for a in packed if a["start_row"] == 1]
    assert row["row_count"] == rows
    return header, row["values"]


def test_make_live_and_freeze_under_a_title_address_the_rows_of_the_table(xl, filled):
    """The Live sheet's rows are Results' rows: its header on Results' header row, each
    block and each Results formula on the rows of its convictions; freeze writes the
    values back to the same rows."""
    result, path = filled
    first, last = TITLE_ROWS + 2, TITLE_ROWS + 1 + len(result.facts)  # 1-based
    actions = run_script(xl, "make_live", titled(payload(path, len(result.facts))))
    assert "Live: 1 =CMR_DETERMINE block" in alerts(actions)[0]
    formulas = [a for a in actions if a["func"] == "setFormula"]
    [block] = [a for a in formulas if str(a["values"][0][0]).startswith("=CMR_DETERMINE(")]
    assert block["start_row"] == first - 1
    assert block["values"][0][0].startswith(f"=CMR_DETERMINE(Live!$N${first}:$N${last},")
    assert f",Live!$N${first - 1}," in block["values"][0][0]
    header, row = [a for a in formulas if a["start_column"] == C.LIVE_PACKED_COL]
    assert (header["start_row"], row["start_row"]) == (first - 2, first - 1)
    assert header["values"][0][0].startswith(f"=Results!$A${first - 1}&")
    index = [a for a in formulas if isinstance(a["values"], str)
             and a["values"].startswith("=INDEX(Live!")]
    assert {a["start_row"] for a in index} == {first - 1}
    labels = [a for a in actions if a["func"] == "setValues" and a["values"][0][0] == (
        DETERMINATION[0].label)]
    assert [a["start_row"] for a in labels] == [first - 2]

    actions = run_script(xl, "freeze_results", titled(payload(path, len(result.facts))))
    assert alerts(actions)[0] == f"Froze {len(result.facts):,} rows of determinations as values."
    assert set(written(actions, DETERMINATION_COL)) == set(range(first - 1, last))


def test_make_live_refuses_an_empty_row_among_the_convictions(xl, filled):
    """The blocks address sheet rows, so a gap would shift every answer below it."""
    result, path = filled
    data = payload(path, len(result.facts))
    results = next(s for s in data["sheets"] if s["name"] == L.RESULTS)["values"]
    results[5] = [""] * len(results[5])
    actions = run_script(xl, "make_live", data)
    assert alerts(actions) == ["Results!A6: is an empty row among the convictions. Delete the "
                               "empty rows (or sort the table), then run make_live again"]
    assert not [a for a in actions if a["func"] == "setFormula"]


def test_freeze_and_export_explain_themselves(xl, filled):
    result, path = filled
    actions = run_script(xl, "freeze_results", payload(path, len(result.facts)))
    assert alerts(actions)[0] == f"Froze {len(result.facts):,} rows of determinations as values."
    actions = run_script(xl, "export_court_copies", payload(path, len(result.facts)))
    assert "'Court copies' in the cmr-xl task pane" in alerts(actions)[0]  # xlwings Server


def test_the_manifest_points_at_the_what_if_table(filled):
    from python_calamine import CalamineWorkbook

    _, path = filled
    summary = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.SUMMARY).to_python()
    manifest = json.loads(summary[0][MANIFEST_AT[1]])
    header = summary[manifest["what_if"]["header_row"]]
    assert header[1:4] == ["Chosen criteria", "Dismiss all Prop 64",
                           "Dismiss all HS 11359 felonies"]


def column_a(path, first_row):
    """Column A of a saved workbook's Summary from `first_row` down (what `recalc` wrote)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.SUMMARY).to_python()
    return [row[0] if row else "" for row in rows[first_row:]]


def test_recalculate_rewrites_reasons_and_sentences_as_cmr_xl_recalc_does(xl, filled, tmp_path):
    """The button and the command line give the same Summary: dismissals by reason and the
    criteria in force as sentences, from the same content functions."""
    import shutil

    import openpyxl

    from cmr_xl.workbook.content import SUMMARY_VARIABLE_START
    from cmr_xl.workbook.recalc import recalc_workbook

    result, path = filled
    cell = next(c for c in L.criterion_cells() if c.spec.key == "felony_11359")
    data = payload(path, len(result.facts))
    set_cell(data, L.CRITERIA, cell.row, L.VALUE_COL, "dismiss and seal")
    actions = run_script(xl, "recalculate", data)
    grid = summary_grid(actions)
    texts = [row[0] for row in grid[SUMMARY_VARIABLE_START:]]

    new = result.criteria.with_changes(felony_11359="dismiss")
    old_sentences = set(result.criteria.sentences()) - set(new.sentences())
    assert old_sentences and not old_sentences & set(texts)  # 'reduce 11359' is gone
    heading = texts.index("Criteria in force (Workbook criteria)")  # as `recalc` names them
    assert texts[heading + 1:heading + 1 + len(new.sentences())] == new.sentences()
    reason = "Dismiss all HS 11359 convictions"
    old_texts = column_a(path, SUMMARY_VARIABLE_START)
    assert reason in texts and reason not in old_texts
    row = SUMMARY_VARIABLE_START + texts.index(reason)
    assert grid[row][1].startswith("=COUNTIFS(") and f'"={reason}"' in grid[row][1]
    assert len(grid) >= SUMMARY_VARIABLE_START + len(old_texts)  # old rows emptied too
    styled = [a for a in actions if a["func"] == "setFontProperty" and a["sheet_position"] == 2
              and a["start_row"] == SUMMARY_VARIABLE_START + heading and a["args"][0] == "bold"]
    assert styled, "the heading of the sentences is bold, as the writer makes it"

    edited = tmp_path / "edited.xlsx"
    shutil.copy(path, edited)
    wb = openpyxl.load_workbook(edited)
    wb[L.CRITERIA][cell.address] = "dismiss and seal"
    wb.save(edited)
    recalc_workbook(edited)
    by_recalc = column_a(edited, SUMMARY_VARIABLE_START)
    assert texts[:len(by_recalc)] == by_recalc
    assert not any(texts[len(by_recalc):])


def test_recalculate_keeps_the_reader_notes_on_about(xl, tmp_path):
    import shutil
    from pathlib import Path

    from cmr_xl.engine.pipeline import run

    hostile = Path(__file__).parent / "hostile" / "files"
    files = [shutil.copy(hostile / name, tmp_path / name)
             for name in ("truncated_row.csv", "latin1_name.csv")]
    result = run(files, "SACRAMENTO", county_run().criteria)
    path = write_workbook(result, tmp_path / "noted.xlsx")
    actions = run_script(xl, "recalculate", payload(path, len(result.facts)))
    assert alerts(actions)[0].startswith("Recalculated ")
    about = about_rows(actions)
    assert about["notes"][2] == 3
    assert [about[f"note.{n}"][2] for n in (1, 2, 3)] == result.accounting.notes
    assert about["computed_by"][2].endswith("(add-in recalculate)")
    row = about["note.3"][0]
    assert [a["args"] for a in actions if a["func"] == "setWrapText" and a["sheet_position"] == 3
            and a["start_row"] == row] == [[True]]
    tall = [a for a in actions if a["func"] == "setRowHeight" and a["start_row"] == row]
    lines = -(-len(about["note.3"][2]) // 80)  # at least a line per 80 characters
    assert tall and tall[-1]["args"][0] >= 15 * lines > 15


def test_recalculate_refuses_related_charges_switched_on_after_the_import(xl, filled):
    result, path = filled
    data = payload(path, len(result.facts))
    row = C.CRITERIA_FIRST_ROW - 1 + [s.key for s in criterion_specs()].index("related_charges")
    set_cell(data, L.CRITERIA, row, C.VALUE_COL, "yes")
    actions = run_script(xl, "recalculate", data)
    assert alerts(actions)[0].startswith(
        f"Criteria!C{row + 1}: related charges were switched on after the import")
    assert not [a for a in actions if a["func"] in ("setValues", "setFormula")]


def test_recalculate_writes_the_used_overrides_as_the_writer_does(xl, filled):
    """'Used in the results' holds what the workbook writer and `cmr-xl recalc` write
    (layout.cell_value: 'hand review', not 'hand_review'), so that the Criteria Check
    cell does not report a change when nothing changed."""
    result, path = filled
    data = payload(path, len(result.facts))
    cell = next(c for c in L.criterion_cells() if c.spec.key == "subsection_overrides")
    set_cell(data, L.CRITERIA, cell.row, L.VALUE_COL, "11357(C)=hand review")
    actions = run_script(xl, "recalculate", data)
    assert alerts(actions)[0].startswith("Recalculated ")
    used = [a["values"] for a in actions if a["func"] == "setValues"
            and a["sheet_position"] == 0 and a["start_column"] == L.USED_COL
            and a["start_row"] == cell.row]
    assert used == [[["11357(C)=hand review"]]]


def test_criteria_cells_are_named_one_way():
    """One naming of Criteria cells for every message (the related-charges check built
    its own, 'Criteria!None' for a missing row)."""
    from cmr_xl.xlwings_app.scripts import criteria_place

    assert criteria_place(12, C.VALUE_COL) == "Criteria!C13"
    assert criteria_place(-1, C.VALUE_COL) == "Criteria"


def test_make_live_refuses_a_missing_determination_column_before_writing(xl, filled):
    """A determination column whose header was renamed is named before the Live sheet is
    cleared and refilled, so a refused make_live leaves the workbook as it was."""
    result, path = filled
    data = payload(path, len(result.facts))
    results = next(s for s in data["sheets"] if s["name"] == L.RESULTS)["values"]
    col = [c.key for c in RESULT_COLUMNS].index(DETERMINATION[-1].key)
    results[0][col] = "My notes"
    actions = run_script(xl, "make_live", data)
    assert alerts(actions) == [f"Results!1:1: the column '{DETERMINATION[-1].label}' is "
                               "missing from the header row. Restore the column header "
                               "(Undo), or write the workbook again with `cmr-xl run ... "
                               "--workbook`"]
    assert [a["func"] for a in actions] == ["alert"]

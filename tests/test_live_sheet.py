"""The Live sheet: make_live's formulas pack each conviction's facts into one cell, and
=CMR_DETERMINE reads those cells. Here a real spreadsheet engine (LibreOffice) computes
the packing formulas exactly as make_live writes them, and the function, called through
xlwings' server machinery, gives the engine's determinations for every row."""

from __future__ import annotations

import asyncio
import re
import shutil

import openpyxl
import pytest
import xlwings as xw
from workbook_helpers import county_run, libreoffice_convert, soffice
from xlwings_helpers import call, criteria_rows, sheet_values

from cmr_xl.rules.eligibility import determine
from cmr_xl.rules.results_columns import DETERMINATION
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.writer import write_workbook
from cmr_xl.xlwings_app import contract as C
from cmr_xl.xlwings_app.cells import PACKED_FACTS

needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
CRITERIA_ROWS = criteria_rows()


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    result = county_run(people=120, seed=21)
    return result, write_workbook(result, tmp_path_factory.mktemp("live") / "county.xlsx")


def make_live_actions(xl, path, rows):
    from test_xlwings_scripts import payload

    server, _, scripts = xl
    book = xw.Book(json=payload(path, rows))
    asyncio.run(server.custom_scripts_call(scripts, "make_live",
                                           typehint_to_value={xw.Book: book}))
    return book.json()["actions"]


def criteria_block(path, **values):
    rows = [list(row[:3]) for row in sheet_values(path, L.CRITERIA)[CRITERIA_ROWS]]
    for row in rows:
        if row[0] in values:
            row[2] = values[row[0]]
    return rows


@pytest.fixture(scope="module")
def computed_live(xl, county, tmp_path_factory):
    """The filled workbook with make_live's Live sheet, recalculated by LibreOffice:
    (packed header cell, packed fact cells) as Office.js would send them."""
    from test_xlwings_scripts import live_pack_formulas

    result, path = county
    header, row = live_pack_formulas(make_live_actions(xl, path, len(result.facts)),
                                     len(result.facts))
    book = openpyxl.load_workbook(path)
    live = book.create_sheet(C.LIVE)
    column = C.LIVE_PACKED_COL + 1
    live.cell(1, column, header)
    for number in range(2, len(result.facts) + 2):
        live.cell(number, column, row)
    folder = tmp_path_factory.mktemp("lo")
    book.save(folder / "live.xlsx")
    converted = libreoffice_convert(folder / "live.xlsx", folder / "out", folder / "profile")
    computed = openpyxl.load_workbook(converted, read_only=True, data_only=True)[C.LIVE]
    packed = [[value] for (value,) in computed.iter_rows(
        min_col=column, max_col=column, values_only=True)]
    return packed[0][0], packed[1:]


@needs_soffice
def test_packed_facts_computed_by_a_spreadsheet_give_the_engines_answers(xl, county,
                                                                         computed_live):
    result, path = county
    header, packed = computed_live
    assert len(packed) == len(result.facts) and "|" in packed[0][0]
    edited = criteria_block(path, felony_11359="dismiss and seal", relief_under_21="yes")
    answers = call(xl, "cmr_determine", packed, edited, [[header]])
    expected = determine(result.facts, result.criteria.with_changes(
        felony_11359="dismiss", relief_under_21=True))
    for col, column in enumerate(DETERMINATION):
        got = [row[col] for row in answers]
        if column.kind == "text":
            assert got == expected[column.key].tolist(), column.key
        elif column.kind == "bool":
            assert got == [bool(v) for v in expected[column.key]], column.key
    assert {row[3] for row in answers} >= {"Eligible for Dismissal", "Eligible for Reduction"}


@needs_soffice
def test_packed_and_cell_by_cell_arguments_agree(xl, county, computed_live):
    result, path = county
    header, packed = computed_live
    grid = sheet_values(path, L.RESULTS)
    criteria = criteria_block(path)
    assert call(xl, "cmr_determine", packed, criteria, [[header]]) == call(
        xl, "cmr_determine", grid, criteria)


@needs_soffice
def test_make_live_sizes_blocks_by_the_text_the_formulas_really_give(county, computed_live):
    """make_live cannot see the Live sheet's values before Excel computes them, so it
    sizes the blocks with packed_text: that must be the text a spreadsheet computes."""
    from cmr_xl.xlwings_app.cells import PACKED_FACTS, packed_text

    _, path = county
    header, packed = computed_live
    table = sheet_values(path, L.RESULTS)
    columns = [table[0].index(c.label) for c in PACKED_FACTS]
    assert [packed_text([row[i] for i in columns]) for row in table[1:]] == [
        p[0] for p in packed]
    assert header == packed_text([table[0][i] for i in columns])


@needs_soffice
def test_a_row_that_cannot_be_read_says_why_and_the_others_keep_their_places(xl, county,
                                                                              computed_live):
    header, packed = computed_live
    rows = [list(row) for row in packed[:6]]
    rows[1] = [{"type": "#N/A", "basicType": "Error"}]  # a fact cell holds #N/A
    rows[2] = [rows[2][0] + "|extra"]  # a '|' inside a fact
    rows[3] = ["|" * rows[3][0].count("|")]  # an empty Results row
    criteria = criteria_block(county[1])
    answers = call(xl, "cmr_determine", rows, criteria, [[header]])
    whole = call(xl, "cmr_determine", packed[:6], criteria, [[header]])
    assert len(answers) == 6
    assert answers[1][0] == "cmr-xl: a fact cell of this row holds an Excel error (#N/A)"
    facts = len(PACKED_FACTS)
    assert answers[2][0] == (f"cmr-xl: a fact of this row contains '|' ({facts + 1} parts, "
                             f"{facts} expected)")
    assert answers[3] == [""] * len(DETERMINATION)
    # Per-conviction answers are unchanged; person-level ones (first row of person, after
    # relief) may change when a row of the same person is left out.
    per_conviction = [c.key for c in DETERMINATION].index("person_first_row")
    for i in (0, 4, 5):
        assert answers[i][:per_conviction] == whole[i][:per_conviction], i


def test_a_typed_da_decision_changes_the_live_answer_as_recalc_does(xl, county, tmp_path):
    """make_live passes each block's DA decision and grounds cells to =CMR_DETERMINE:
    a challenge, a reduce and a dismiss typed in Results give the Live sheet the Final
    outcome, Reason category, Relief and person-level columns `cmr-xl recalc` writes."""
    from test_da_decisions import CHALLENGE_GROUNDS, cmr, edit, first_row

    from cmr_xl.xlwings_app.cells import packed_text

    result, written = county
    book = shutil.copy(written, tmp_path / "decided.xlsx")
    dismissed = first_row(book, "Eligibility Determination", "Eligible for Dismissal")
    review = first_row(book, "Eligibility Determination", "Hand review")
    refused = first_row(book, "Eligibility Determination", "Not eligible")
    edit(book, {(dismissed, "DA decision"): " Challenge ",
                (dismissed, "DA grounds"): CHALLENGE_GROUNDS,
                (review, "DA decision"): "reduce", (refused, "DA decision"): "dismiss"})
    actions = make_live_actions(xl, book, len(result.facts))
    [formula] = [a["values"][0][0] for a in actions if a["func"] == "setFormula"
                 and str(a["values"][0][0]).startswith("=CMR_DETERMINE(")]
    found = re.search(r',"",Results!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)\)$', formula)
    assert found, formula
    first, last = int(found[2]), int(found[4])
    grid = sheet_values(book, L.RESULTS)
    at = [openpyxl.utils.column_index_from_string(found[i]) - 1 for i in (1, 3)]
    assert [grid[0][i] for i in at] == ["DA decision", "DA grounds"]
    decisions = [row[at[0]:at[1] + 1] for row in grid[first - 1:last]]
    columns = [grid[0].index(c.label) for c in PACKED_FACTS]
    packed = [[packed_text([row[i] for i in columns])] for row in grid[first - 1:last]]
    header = [[packed_text([grid[0][i] for i in columns])]]
    criteria = criteria_block(book)
    live = call(xl, "cmr_determine", packed, criteria, header, "", decisions)
    blind = call(xl, "cmr_determine", packed, criteria, header)
    assert cmr("recalc", book).exit_code == 0
    recalculated = sheet_values(book, L.RESULTS)
    for col, column in enumerate(DETERMINATION):
        where = recalculated[0].index(column.label)
        assert [row[col] for row in live] == [row[where] for row in recalculated[1:]], column.key
    outcome = [c.key for c in DETERMINATION].index("outcome")
    assert [(live[n - 2][outcome], blind[n - 2][outcome]) for n in (dismissed, review, refused)
            ] == [("Not eligible", "Eligible for Dismissal"),
                  ("Eligible for Reduction", "Hand review"),
                  ("Eligible for Dismissal", "Not eligible")]


def test_a_word_that_is_not_a_decision_answers_in_its_row(xl, county):
    _, path = county
    grid = sheet_values(path, L.RESULTS)
    rows = [grid[0]] + [list(row) for row in grid[1:7]]
    rows[2][grid[0].index("DA decision")] = "maybe"
    answers = call(xl, "cmr_determine", rows, criteria_block(path))
    assert answers[1][0] == ("cmr-xl: 'maybe' is not a DA decision; use the dropdown: "
                             "'accept', 'dismiss', 'reduce' or 'challenge', or leave it empty")
    assert all(not str(row[0]).startswith("cmr-xl") for n, row in enumerate(answers) if n != 1)

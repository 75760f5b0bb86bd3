"""The Excel custom functions, called through xlwings' own server machinery with the
requests Office.js sends: same determinations as the engine and the command line."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from workbook_helpers import COUNTY, county_book, county_run, doj_file
from xlwings_helpers import call, criteria_rows, sheet_values

from cmr_xl.cli import cli
from cmr_xl.rules.criteria import criterion_specs
from cmr_xl.rules.eligibility import DETERMINATIONS, determine
from cmr_xl.rules.results_columns import DETERMINATION
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.writer import write_workbook

CRITERIA_ROWS = criteria_rows()


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    result = county_run()
    path = county_book(tmp_path_factory.mktemp("fn"))  # the workbook of county_run()
    results = sheet_values(path, L.RESULTS)
    criteria = sheet_values(path, L.CRITERIA)
    return {
        "result": result,
        "facts": results,  # the whole Results table: facts are found by their labels
        "criteria": [row[:3] for row in criteria[CRITERIA_ROWS]],  # Criteria!A5:C23
    }


def test_the_functions_excel_sees(xl):
    server, functions, _ = xl
    meta = server.custom_functions_meta(functions)
    by_name = {f["name"]: f for f in meta["functions"]}
    assert set(by_name) == {"CMR_DETERMINE", "CMR_CRITERIA_SENTENCES", "CMR_VERSION"}
    params = by_name["CMR_DETERMINE"]["parameters"]
    assert [p["name"] for p in params] == ["facts", "criteria", "header", "columns",
                                           "decisions"]
    assert [p.get("optional", False) for p in params] == [False, False, True, True, True]
    assert all(p["dimensionality"] == "matrix" for p in params)


def test_determine_equals_the_engine(xl, book):
    out = call(xl, "cmr_determine", book["facts"], book["criteria"])
    expected = book["result"].determinations
    assert len(out) == len(expected)
    for col, column in enumerate(DETERMINATION):
        got = [row[col] for row in out]
        want = expected[column.key].tolist()
        if column.kind == "number":
            want = ["" if v != v or v is None else float(v) for v in
                    expected[column.key].astype("float64").tolist()]
        assert got == want, column.key


def test_determine_equals_the_command_line(xl, book, tmp_path):
    done = CliRunner().invoke(cli, ["run", str(doj_file()), "--county", COUNTY, "--as-of",
                                    "2020-07-01", "--csv-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    with open(tmp_path / "prop64_results.csv", newline="", encoding="utf-8") as handle:
        cli_rows = [(r["Source line"], r["Eligibility Determination"], r["Eligibility Reason"])
                    for r in csv.DictReader(handle)]
    out = call(xl, "cmr_determine", book["facts"], book["criteria"])
    header = book["facts"][0]
    line = header.index("Source line")
    kind = header.index("Conviction type")
    ours = [(str(int(f[line])), o[3], o[4]) for f, o in zip(book["facts"][1:], out, strict=True)
            if f[kind] == "Prop 64"]
    assert ours == cli_rows


def test_a_criteria_edit_changes_the_answer(xl, book):
    criteria = [list(row) for row in book["criteria"]]
    row = next(i for i, r in enumerate(criteria) if r[0] == "felony_11359")
    criteria[row][2] = "dismiss and seal"
    out = call(xl, "cmr_determine", book["facts"], criteria, "", "determination,reason")
    assert len(out[0]) == 2
    assert ["Eligible for Dismissal", "Dismiss all HS 11359 convictions"] in out
    result = book["result"]
    engine = determine(result.facts, result.criteria.with_changes(felony_11359="dismiss"))
    assert [r[0] for r in out] == engine["determination"].tolist()


def test_blocks_take_the_header_apart_and_values_only_criteria(xl, book):
    header, rows = book["facts"][0], book["facts"][1:]
    values_only = [[row[2]] for row in book["criteria"]]  # Criteria!C5:C23
    whole = call(xl, "cmr_determine", book["facts"], book["criteria"])
    functions = xl[1]
    bounds = functions.block_bounds([r[0] for r in rows], max_rows=25)
    assert len(bounds) > 1
    pieces = [row for a, b in bounds
              for row in call(xl, "cmr_determine", rows[a:b], values_only, [header])]
    assert pieces == whole


def test_bad_criteria_give_a_message_in_the_cell(xl, book):
    criteria = [list(row) for row in book["criteria"]]
    row = next(i for i, r in enumerate(criteria) if r[0] == "relief_age_threshold")
    criteria[row][2] = "abc"
    out = call(xl, "cmr_determine", book["facts"], criteria)
    assert out == [["cmr-xl: crit_relief_age_threshold (Dismiss if the person is now at least "
                    "this age): 'abc' is not a whole number for Dismiss if the person is now at "
                    "least this age. Use 0 (off) or a whole number from 40 to 65"]]


def test_a_missing_fact_column_is_named(xl, book):
    facts = [row[:5] for row in book["facts"]]
    out = call(xl, "cmr_determine", facts, book["criteria"])
    assert out[0][0].startswith("cmr-xl: facts header: missing column(s) Date of birth, "
                                "County, Court, Court ORI")


def test_sentences_and_version(xl, book):
    sentences = call(xl, "cmr_criteria_sentences", book["criteria"])
    assert [s[0] for s in sentences] == book["result"].criteria.sentences()
    assert len(sentences) == len(criterion_specs())
    version = call(xl, "cmr_version")
    assert version[0][0].startswith("cmr-xl ")


def test_block_bounds_cut_only_between_persons(xl):
    functions = xl[1]
    people = ["a"] * 3 + ["b"] * 4 + ["c"] * 2 + ["d"]
    assert functions.block_bounds(people, max_rows=5) == [(0, 3), (3, 7), (7, 10)]
    assert functions.block_bounds(people, [100] * 10, max_rows=100,
                                  limit_bytes=700) == [(0, 7), (7, 10)]
    with pytest.raises(Exception, match="one person has more rows"):
        functions.block_bounds(people, max_rows=2)


def test_blocks_cut_by_call_bytes_fit_one_call_each_way(xl, book, tmp_path):
    """make_live's sizing: a block's facts going in plus its answer coming back stay
    under the limit, measured on the JSON xlwings Server really exchanges, also after a
    criteria edit that lengthens reasons and traces."""
    import json

    functions = xl[1]
    result = county_run(people=300, seed=5)
    table = sheet_values(write_workbook(result, tmp_path / "big.xlsx"), L.RESULTS)
    header, rows = table[0], table[1:]
    before = call(xl, "cmr_determine", rows, book["criteria"], [header])
    limit = 60_000
    bounds = functions.block_bounds([r[0] for r in rows], functions.call_bytes(rows, before),
                                    limit_bytes=limit)
    assert len(bounds) > 3
    edited = edit(book["criteria"], relief_under_21="yes", relief_only_prop64="yes",
                  relief_years_crime_free=10)
    for a, b in bounds:
        answer = call(xl, "cmr_determine", rows[a:b], edited, [header])
        assert len(answer) == b - a and answer[0][3] in DETERMINATIONS
        assert len(json.dumps(rows[a:b])) + len(json.dumps(answer)) <= limit


def edit(criteria: list, **values) -> list:
    """The Criteria block with some value cells changed, as a clerk would type them."""
    rows = [list(row) for row in criteria]
    for row in rows:
        if row[0] in values:
            row[2] = values[row[0]]
    return rows


def test_an_answer_too_big_for_one_call_says_what_to_do(xl, book, monkeypatch):
    functions = xl[1]
    monkeypatch.setattr(functions, "PAYLOAD_LIMIT_BYTES", 2_000)
    out = call(xl, "cmr_determine", book["facts"], book["criteria"])
    assert len(out) == 1 and out[0][0].startswith("cmr-xl: this block's answer is about ")
    assert out[0][0].endswith("run the 'make_live' script again to cut smaller blocks")


def test_a_note_typed_below_the_table_gets_no_determination_as_recalc_reads_it(xl, book):
    """A clerk's note under the table is not a conviction, whichever column it is typed
    in: the function leaves its row blank, as `cmr-xl recalc` leaves it out (a Results row
    is a conviction when it names its code section)."""
    header = list(book["facts"][0])
    note = [None] * len(header)
    note[header.index("Conviction type")] = "checked 5/1, JD"
    whole = call(xl, "cmr_determine", book["facts"], book["criteria"])
    out = call(xl, "cmr_determine", book["facts"] + [note], book["criteria"])
    assert out[:-1] == whole
    assert all(value in ("", None) for value in out[-1])

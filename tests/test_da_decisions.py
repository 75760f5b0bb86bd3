"""What a clerk does in Results, through `cmr-xl recalc` and `cmr-xl export`: decide a
conviction (override its determination), leave Hand review undecided, type a decision
after the last recalculation, type a word that is not a decision, sort the table."""

from __future__ import annotations

import openpyxl
import pytest
from workbook_helpers import cmr, county_book

from cmr_xl.workbook import layout as L

CHALLENGE_GROUNDS = "Unreasonable risk to public safety (PC 1170.18(c))"


@pytest.fixture()
def book(tmp_path):
    return county_book(tmp_path, people=120)


def results(path):
    ws = openpyxl.load_workbook(path)[L.RESULTS]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def county_results(tmp_path_factory):
    """Results (header, rows) of the workbook `book` copies, read once."""
    return results(county_book(tmp_path_factory.mktemp("results"), people=120))


@pytest.fixture()
def unedited(county_results):
    """The test's own copy of Results as `book` holds it before the test changes it."""
    header, rows = county_results
    return list(header), [list(row) for row in rows]


def col(header, label):
    return header.index(label)


def edit(path, changes):
    """{(sheet row 1-based, label): value} into Results, saved as openpyxl saves."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.RESULTS]
    header = [c.value for c in ws[1]]
    for (row, label), value in changes.items():
        ws.cell(row, header.index(label) + 1).value = value
    wb.save(path)


def first_row(path, label, value):
    return first_in(results(path), label, value)


def first_in(table, label, value):
    """The sheet row (1-based) of the first Results row whose `label` is `value`."""
    header, rows = table
    return next(n for n, r in enumerate(rows, start=2) if r[col(header, label)] == value)


def test_the_da_overrides_a_determination_and_recalc_keeps_the_decision(book, unedited):
    dismissed = first_in(unedited, "Eligibility Determination", "Eligible for Dismissal")
    review = first_in(unedited, "Eligibility Determination", "Hand review")
    edit(book, {(dismissed, "DA decision"): " Challenge ",
                (dismissed, "DA grounds"): CHALLENGE_GROUNDS,
                (review, "DA decision"): "reduce"})
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    header, rows = results(book)
    row = dict(zip(header, rows[dismissed - 2], strict=True))
    assert (row["DA decision"], row["DA grounds"]) == (" Challenge ", CHALLENGE_GROUNDS)
    assert row["Eligibility Determination"] == "Eligible for Dismissal"  # the rules' own
    assert row["Final outcome"] == "Not eligible"
    assert row["Relief"] == f"No relief: DA challenges (HS 11361.9(b)): {CHALLENGE_GROUNDS}"
    assert row["Reason category"] == "DA decision: challenge"
    row = dict(zip(header, rows[review - 2], strict=True))
    assert (row["DA decision"], row["Eligibility Determination"]) == ("reduce", "Hand review")
    assert row["Final outcome"] == "Eligible for Reduction"
    assert row["Reason category"] == "DA decision: reduce"
    about = {r[0].value: r[2].value for r in openpyxl.load_workbook(book)[L.ABOUT].iter_rows()
             if r[0].value}
    assert (about["da_overrides"], about["da_overrides.challenge"],
            about["da_overrides.reduce"]) == (2, 1, 1)
    done = cmr("recalc", book)  # a second recalc never puts the determination back
    assert done.exit_code == 0, done.output
    assert results(book)[1][dismissed - 2][col(header, "Final outcome")] == "Not eligible"


def test_export_refuses_hand_review_without_a_decision_and_names_the_cells(book, unedited,
                                                                         tmp_path):
    header, rows = unedited
    decision = col(header, "DA decision")
    pending = [n for n, r in enumerate(rows, start=1)
               if r[col(header, "Eligibility Determination")] == "Hand review"]
    cells = ", ".join(L.a1(n, decision) for n in pending[:5])
    done = cmr("export", book, "--out", tmp_path / "court")
    assert done.exit_code == 2
    assert done.output.strip().splitlines()[-1] == (
        f"error: county.xlsx, sheet Results, cells {cells} and {len(pending) - 5} more: "
        f"{len(pending)} Hand review conviction(s) have no DA decision. Choose dismiss, "
        "reduce or challenge in each 'DA decision' cell and recalculate, or export with "
        "--send-pending to send them as 'Pending DA review'; nothing was written")
    assert not (tmp_path / "court").exists() or not any((tmp_path / "court").iterdir())


def test_export_sends_undecided_hand_review_as_pending_when_asked(book, unedited, tmp_path):
    header, rows = unedited
    pending = [n for n, r in enumerate(rows, start=1)
               if r[col(header, "Eligibility Determination")] == "Hand review"]
    done = cmr("export", book, "--out", tmp_path / "court", "--send-pending")
    assert done.exit_code == 0, done.output
    assert f"note: {len(pending)} Hand review conviction(s) without a DA decision sent as " \
           "'Pending DA review'" in done.output
    copies = sorted((tmp_path / "court").glob("court-copy_*.xlsx"))
    texts = [c.value for path in copies
             for row in openpyxl.load_workbook(path)["Cases"].iter_rows() for c in row]
    assert texts.count("Pending DA review") == len(pending)


def test_a_decision_typed_after_the_last_recalc_stops_export_until_recalc(book, unedited,
                                                                         tmp_path):
    header, rows = unedited
    decided = {(n, "DA decision"): "dismiss" for n, r in enumerate(rows, start=2)
               if r[col(header, "Eligibility Determination")] == "Hand review"}
    edit(book, decided)
    first = min(n for n, _ in decided)
    done = cmr("export", book, "--out", tmp_path / "court")
    assert done.exit_code == 2
    cells = ", ".join(L.a1(n - 1, col(header, "DA decision")) for n, _ in sorted(decided)[:5])
    more = len(decided) - 5
    assert done.output.strip().splitlines()[-1] == (
        f"error: county.xlsx, sheet Results, cells {cells} and {more} more: {len(decided)} DA "
        "decision(s) changed after the results were computed (the Final outcome does not "
        "follow them yet). Recalculate first (the add-in's Recalculate button, or `cmr-xl "
        "recalc county.xlsx`), then export again; nothing was written")
    assert first >= 2
    assert cmr("recalc", book).exit_code == 0
    done = cmr("export", book, "--out", tmp_path / "court")
    assert done.exit_code == 0, done.output


def test_recalc_refuses_a_word_that_is_not_a_decision_and_names_its_cell(book, unedited):
    header, _ = unedited
    edit(book, {(7, "DA decision"): "maybe later"})
    done = cmr("recalc", book)
    assert done.exit_code == 2
    where = L.a1(6, col(header, "DA decision"))
    assert done.output.strip().splitlines()[-1] == (
        f"error: county.xlsx, sheet Results, cell {where}: 'maybe later' is not a DA decision "
        "(1 cell(s) like it). Use the dropdown: 'accept', 'dismiss', 'reduce' or "
        "'challenge', or leave it empty")


def test_a_results_table_sorted_by_name_recalculates_and_keeps_each_decision(book, tmp_path):
    wb = openpyxl.load_workbook(book)
    ws = wb[L.RESULTS]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    line, decision = header.index("Source line"), header.index("DA decision")
    review = next(r for r in rows if r[header.index("Eligibility Determination")] == "Hand review")
    review[decision] = "dismiss"
    rows.sort(key=lambda r: (str(r[header.index("Name")]), -r[line]), reverse=True)
    for number, values in enumerate(rows, start=2):
        for index, value in enumerate(values):
            ws.cell(number, index + 1).value = value
    wb.save(book)
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    header, after = results(book)
    by_line = {r[line]: r for r in after}
    assert by_line[review[line]][header.index("Final outcome")] == "Eligible for Dismissal"
    before = {r[line]: r[header.index("Eligibility Determination")] for r in rows}
    assert {k: r[header.index("Eligibility Determination")] for k, r in by_line.items()} == before

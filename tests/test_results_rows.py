"""Are the Results rows the ones the import wrote? (issue 11, item 3) A clerk deletes,
repeats, adds, sorts or filters Results rows; `cmr-xl recalc` says what changed (stderr
and About), `cmr-xl export` refuses a court report that would lack or repeat convictions,
and sorting or filtering changes nothing."""

from __future__ import annotations

import openpyxl
import pytest
from workbook_helpers import cmr, county_book, county_run

from cmr_xl.workbook import layout as L

RESTORE = ("Restore the rows (Undo, or copy the Results sheet from a backup) and delete "
           "repeated ones, or import the DOJ file again; to leave convictions out, give them "
           "a DA decision instead; nothing was written")


@pytest.fixture()
def book(tmp_path):
    return county_book(tmp_path, people=120)


def about(path):
    return {r[0].value: r[2].value for r in openpyxl.load_workbook(path)[L.ABOUT].iter_rows()
            if r[0].value}


def rewrite_results(path, change):
    """The Results rows (values) through `change(header, rows) -> rows`, saved."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.RESULTS]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    new = change(header, rows)
    for number in range(2, ws.max_row + 1):
        for col in range(1, len(header) + 1):
            ws.cell(number, col).value = None
    for number, values in enumerate(new, start=2):
        for index, value in enumerate(values):
            ws.cell(number, index + 1).value = value
    wb.save(path)
    return header, rows


def identity(header, row):
    return "|".join(str(row[header.index(label)]) for label in ("Subject ID", "Cycle", "Count"))


def named(header, row):
    """How a note names a conviction the import wrote: identity, case and DOJ line."""
    subject, cycle, count, case, file, line = (row[header.index(label)] for label in (
        "Subject ID", "Cycle", "Count", "Case number", "Source file", "Source line"))
    return f"subject {subject}, cycle {cycle}, count {count} (case {case}, {file} line {line})"


def test_a_deleted_conviction_is_named_by_case_and_doj_line(book, tmp_path):
    header, rows = rewrite_results(book, lambda header, rows: rows[:3] + rows[4:])
    note = (f"county.xlsx, sheet Results: {len(rows) - 1:,} convictions where the import "
            f"wrote {len(rows):,}: 1 conviction(s) deleted since the import: "
            f"{named(header, rows[3])}")
    assert f"note: {note}\n" in cmr("recalc", book).output
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 2
    assert exported.output.startswith(f"error: {note}; the court copies would not hold")


def test_without_the_imports_list_deletions_are_counted(book, tmp_path):
    """The Lists sheet keeps the import's identities; a workbook whose list is gone (or
    does not match About's record) still gets the count."""
    wb = openpyxl.load_workbook(book)
    lists = wb[L.LISTS]
    at = [c.value for c in lists[1]].index("Imported conviction") + 1
    lists.cell(2, at).value = "someone|else|1"
    wb.save(book)
    header, rows = rewrite_results(book, lambda header, rows: rows[1:])
    note = (f"county.xlsx, sheet Results: {len(rows) - 1:,} convictions where the import "
            f"wrote {len(rows):,}: 1 row(s) deleted since the import")
    assert f"note: {note}\n" in cmr("recalc", book).output


def test_the_import_records_how_many_convictions_it_wrote_and_which(book):
    record = about(book)
    shown = int(county_run(people=120).shown().sum())
    assert record["rows.convictions_written"] == shown
    assert record["rows.convictions_fingerprint"].startswith("sha256:")


def test_a_clerk_deletes_the_dismissals_recalc_says_so_and_export_refuses(book, tmp_path):
    kept = []

    def drop(header, rows):
        kept.extend(r for r in rows
                    if r[header.index("Eligibility Determination")] != "Eligible for Dismissal")
        return kept

    header, rows = rewrite_results(book, drop)
    written, deleted = len(rows), len(rows) - len(kept)
    gone = sorted((identity(header, r), r) for r in rows if r not in kept)
    note = (f"county.xlsx, sheet Results: {len(kept):,} convictions where the import wrote "
            f"{written:,}: {deleted:,} conviction(s) deleted since the import: "
            + "; ".join(named(header, r) for _, r in gone[:5]) + f"; and {deleted - 5:,} more")
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    assert f"note: {note}\n" in done.output
    assert note in about(book).values()  # and About no longer looks complete
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 2
    assert exported.output == (f"error: {note}; the court copies would not hold what the "
                               f"import found. {RESTORE}\n")
    assert not (tmp_path / "copies").exists()


def test_a_clerk_pastes_a_row_twice_the_rows_are_named(book, tmp_path):
    rewrite_results(book, lambda header, rows: rows[:5] + [rows[4]] + rows[5:])
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    header, rows = rewrite_results(book, lambda header, rows: rows)  # read only
    subject, cycle, count = (rows[4][header.index(label)] for label in
                             ("Subject ID", "Cycle", "Count"))
    note = (f"county.xlsx, sheet Results, rows 6, 7: the same conviction (subject {subject}, "
            f"cycle {cycle}, count {count}) 2 times; 1 row(s) repeated since the import")
    assert f"note: {note}\n" in done.output
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 2
    assert exported.output.startswith(f"error: {note}; the court copies")


def test_a_clerk_adds_a_row_recalc_says_so_and_export_refuses(book, tmp_path):
    def add(header, rows):
        extra = list(rows[0])
        extra[header.index("Count")] = "99"
        return rows + [extra]

    header, rows = rewrite_results(book, add)
    done = cmr("recalc", book)
    subject, cycle = rows[0][header.index("Subject ID")], rows[0][header.index("Cycle")]
    note = (f"county.xlsx, sheet Results: {len(rows) + 1:,} convictions where the import wrote "
            f"{len(rows):,}: 1 row(s) added since the import, not imported: row "
            f"{len(rows) + 2} (subject {subject}, cycle {cycle}, count 99)")
    assert f"note: {note}\n" in done.output
    assert cmr("export", book, "--out", tmp_path / "c", "--send-pending").exit_code == 2


def test_a_fixed_table_drops_the_note_and_exports(book, tmp_path):
    original = book.read_bytes()
    rewrite_results(book, lambda header, rows: rows[1:])
    assert "deleted since the import" in cmr("recalc", book).output
    restored = tmp_path / "restored.xlsx"
    restored.write_bytes(original)
    done = cmr("recalc", restored)
    assert "since the import" not in done.output
    assert not any("since the import" in str(v) for v in about(restored).values())


def test_sorting_and_filtering_results_is_safe(book, tmp_path):
    def sort(header, rows):
        return sorted(rows, key=lambda r: (str(r[header.index("Name")]),
                                           -r[header.index("Source line")]), reverse=True)

    rewrite_results(book, sort)
    wb = openpyxl.load_workbook(book)
    ws = wb[L.RESULTS]
    for number in range(3, 40, 2):  # a filter hides rows; they stay in the sheet
        ws.row_dimensions[number].hidden = True
    wb.save(book)
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    assert "since the import" not in done.output
    exported = cmr("export", book, "--out", tmp_path / "copies", "--send-pending")
    assert exported.exit_code == 0, exported.output


def test_a_workbook_from_before_the_record_is_not_checked(book, tmp_path):
    wb = openpyxl.load_workbook(book)
    ws = wb[L.ABOUT]
    for row in ws.iter_rows():
        if row[0].value in ("rows.convictions_written", "rows.convictions_fingerprint"):
            for cell in row:
                cell.value = None
    wb.save(book)
    rewrite_results(book, lambda header, rows: rows[1:])
    done = cmr("recalc", book)
    assert done.exit_code == 0 and "since the import" not in done.output

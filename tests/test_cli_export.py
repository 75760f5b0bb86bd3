"""`cmr-xl export BOOK --out DIR` through the real command: how it refuses what is not a
usable command line, before reading BOOK or writing anything, and the note it gives for a
book still open in Excel. (What it writes, per court
or county, and its refusals of a workbook: test_court_copies.py, test_notices.py,
test_da_decisions.py, test_results_rows.py, tests/hostile/cases.yaml.)"""

from __future__ import annotations

from workbook_helpers import cmr, county_book


def test_a_missing_book_is_exit_2_naming_it(tmp_path):
    done = cmr("export", tmp_path / "nope.xlsx", "--out", tmp_path / "court")
    assert done.exit_code == 2
    assert "Invalid value for 'BOOK'" in done.output and "nope.xlsx' does not exist" in done.output
    assert not (tmp_path / "court").exists()


def test_without_out_it_is_exit_2_asking_for_it(tmp_path):
    book = county_book(tmp_path)
    done = cmr("export", book, "--send-pending")
    assert done.exit_code == 2
    assert "Missing option '--out'" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["county.xlsx"]


def test_per_takes_court_or_county_only(tmp_path):
    book = county_book(tmp_path)
    done = cmr("export", book, "--out", tmp_path / "court", "--per", "city")
    assert done.exit_code == 2
    assert "Invalid value for '--per': 'city' is not one of 'court', 'county'" in done.output
    assert not (tmp_path / "court").exists()


def test_a_book_open_in_excel_is_exported_as_saved_with_a_note_saying_so(tmp_path):
    """A clerk exports while the workbook is still open in Excel: the court copies can
    only hold what was last saved, and the clerk is told so (Excel's lock file ~$NAME
    beside the book is how a program knows)."""
    book = county_book(tmp_path)
    (tmp_path / f"~${book.name}").write_bytes(b"\x0eclerk")
    done = cmr("export", book, "--out", tmp_path / "court", "--send-pending")
    assert done.exit_code == 0, done.output
    assert (f"note: {book.name} is open in Excel or LibreOffice (lock file ~${book.name}): "
            "the copies hold the workbook as last saved") in done.output
    assert any((tmp_path / "court").glob("*.xlsx"))


def test_a_closed_book_is_exported_without_that_note(tmp_path):
    book = county_book(tmp_path)
    done = cmr("export", book, "--out", tmp_path / "court", "--send-pending")
    assert done.exit_code == 0, done.output
    assert "is open in Excel" not in done.output

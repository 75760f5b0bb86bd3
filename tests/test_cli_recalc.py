"""`cmr-xl recalc BOOK` through the real command: what it prints for a workbook `run` wrote,
and how it refuses a BOOK that is missing, a folder or not a workbook name. (Criteria and
DA decisions a clerk types, and damaged workbooks: test_recalc.py, test_da_decisions.py,
test_criterion_values.py, test_hostile_workbooks.py, tests/hostile/cases.yaml.)"""

from __future__ import annotations

import shutil

from workbook_helpers import cmr, doj_file


def test_recalc_of_a_workbook_run_wrote_prints_the_runs_summary_and_what_it_wrote(tmp_path):
    book = tmp_path / "book.xlsx"
    ran = cmr("run", doj_file(), "--county", "SACRAMENTO", "--as-of", "2020-07-01",
              "--workbook", book)
    assert ran.exit_code == 0, ran.output
    done = cmr("recalc", book)
    assert done.exit_code == 0, done.output
    # the same figures; the rows line now also says how many convictions the import wrote
    ran_lines, recalc_lines = ran.stdout.splitlines(), done.stdout.splitlines()
    assert len(recalc_lines) == len(ran_lines) > 10
    differ = [(a, b) for a, b in zip(ran_lines, recalc_lines, strict=True) if a != b]
    assert len(differ) == 1, differ
    before, after = differ[0]
    assert before.lstrip().startswith("Rows: lines read")
    assert after.startswith(before + ", convictions written ")
    assert done.stderr.startswith(f"wrote {book}: ")
    assert "determined again under 'Workbook criteria' as of 2020-07-01" in done.stderr


def test_a_missing_book_is_exit_2_naming_it(tmp_path):
    done = cmr("recalc", tmp_path / "nope.xlsx")
    assert done.exit_code == 2
    assert "Invalid value for 'BOOK'" in done.output and "nope.xlsx' does not exist" in done.output


def test_a_folder_is_exit_2(tmp_path):
    done = cmr("recalc", tmp_path)
    assert done.exit_code == 2
    assert "is a directory" in done.output


def test_a_csv_file_is_refused_by_name_and_left_alone(tmp_path):
    doj = shutil.copyfile(doj_file(), tmp_path / "doj.csv")
    before = doj.read_bytes()
    done = cmr("recalc", doj)
    assert done.exit_code == 2
    assert done.stderr == (
        f"error: {doj}: is not a workbook name (BOOK): a cmr-xl workbook is an Excel .xlsx "
        "file. Name it 'doj.xlsx' (the CSV files are written with --csv-dir DIR); nothing "
        "was written\n")
    assert doj.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doj.csv"]

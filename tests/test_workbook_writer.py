"""Writing a filled workbook: values readable by anyone, never a formula from DOJ text,
atomic, fast."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from workbook_helpers import county_book, county_run

from cmr_xl.common.errors import InputError
from cmr_xl.output.output_set import OutputError
from cmr_xl.rules.eligibility import determine
from cmr_xl.rules.results_columns import DETERMINATION, FACT_COLUMNS, RESULT_COLUMNS
from cmr_xl.workbook import layout as L
from cmr_xl.workbook import writer as writer_module
from cmr_xl.workbook.content import WorkbookContent
from cmr_xl.workbook.reader import read_about, read_criteria, read_facts, read_scenarios
from cmr_xl.workbook.writer import write_content, write_workbook


@pytest.fixture(scope="module")
def result():
    return county_run()


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The workbook of `result` (county_run()), written once per session."""
    return county_book(tmp_path_factory.mktemp("book"))


def _plain(series: pd.Series) -> list:
    return series.astype(object).where(series.notna(), None).tolist()


def test_calamine_reads_every_determination_the_engine_made(result, book):
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(L.RESULTS).to_python()
    header, body = rows[0], rows[1:]
    assert header == [c.label for c in RESULT_COLUMNS]
    shown = result.shown().to_numpy()  # every Prop 64 conviction; related charges if reviewed
    assert len(body) == int(shown.sum())
    for key in ("determination", "reason", "relief", "trace"):
        column = header.index(next(c.label for c in DETERMINATION if c.key == key))
        assert [r[column] for r in body] == result.determinations[key][shown].tolist()
    cii = header.index("CII")
    assert [r[cii] for r in body] == result.facts["cii"][shown].tolist()  # text stays text


def test_facts_read_back_give_the_same_determinations(result, book):
    facts = read_facts(book)
    for column in FACT_COLUMNS:
        assert _plain(facts[column.key]) == _plain(result.facts[column.key]), column.key
    again = determine(facts, result.criteria)
    for column in DETERMINATION:
        assert _plain(again[column.key]) == _plain(result.determinations[column.key])


def test_criteria_scenarios_and_about_read_back(result, book):
    assert read_criteria(book) == result.criteria
    assert [s.name for s in read_scenarios(book)] == [s.name for s in result.scenarios]
    assert read_scenarios(book)[0] == result.scenarios[0]
    about = read_about(book)
    assert about["county"] == result.county
    assert about["input.1.sha256"] == result.accounting.files[0].sha256
    assert about["input.1.size_bytes"] == result.accounting.files[0].size_bytes


def test_summary_formulas_carry_the_engine_figures_as_cached_values(result, book):
    from cmr_xl.workbook.content import summary_cells
    from cmr_xl.workbook.writer import content_from_result

    ws = openpyxl.load_workbook(book, data_only=True)[L.SUMMARY]
    cells = [c for c in summary_cells(content_from_result(result)) if c.key]
    assert len(cells) > 40
    for cell in cells:
        value = result.summary
        for part in cell.key:
            value = value[part]
        assert ws.cell(cell.row + 1, cell.col + 1).value == value, cell.key


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tTAB", "\rCR", "a & <b>", "_x0041_"])
def test_doj_text_is_never_a_formula(result, tmp_path, text):
    facts = result.facts.copy()
    facts["name"] = facts["name"].astype(object)
    facts.loc[0, "name"] = text
    content = WorkbookContent(county=result.county, criteria=result.criteria, facts=facts,
                              determinations=result.determinations, summary=result.summary)
    path = write_content(content, tmp_path / "inject.xlsx")
    cell = openpyxl.load_workbook(path)[L.RESULTS].cell(2, L.results_col("name") + 1)
    assert cell.data_type == "s"  # a string cell, not a formula
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.RESULTS).to_python()
    assert rows[1][L.results_col("name")] == text  # and exactly the DOJ text


def test_a_failed_write_leaves_the_old_file_and_no_temporary(result, book, tmp_path,
                                                             monkeypatch):
    target = tmp_path / "keep.xlsx"
    target.write_bytes(book.read_bytes())
    before = target.read_bytes()

    def broken(*args, **kwargs):
        yield b"<row"
        raise OSError("disk full")

    monkeypatch.setattr(writer_module, "rows_xml", broken)
    with pytest.raises(OutputError, match=r"keep.xlsx: could not be written \(disk full\). .*"
                       "nothing was replaced"):
        write_workbook(result, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.xlsx"]


def test_more_rows_than_a_sheet_holds_is_a_clear_error(result, tmp_path, monkeypatch):
    monkeypatch.setattr(L, "EXCEL_MAX_ROWS", 10)
    with pytest.raises(InputError, match="do not fit one Excel sheet"):
        write_workbook(result, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()


@pytest.mark.slow
def test_sixty_thousand_rows_are_written_and_read_back_in_order(result, tmp_path):
    """A large county's Results fit one sheet, row for row. (How fast: bench/bench_run.py.)"""
    repeat = 60_000 // len(result.facts) + 1
    facts = pd.concat([result.facts] * repeat, ignore_index=True).iloc[:60_000]
    determined = pd.concat([result.determinations] * repeat, ignore_index=True).iloc[:60_000]
    content = WorkbookContent(county=result.county, criteria=result.criteria, facts=facts,
                              determinations=determined, summary=result.summary)
    path = write_content(content, tmp_path / "big.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.RESULTS).to_python()
    assert len(rows) == 60_001
    column = rows[0].index("Eligibility Determination")
    assert [row[column] for row in rows[1:]] == list(determined["determination"])


NOTED_FILES = ("truncated_row.csv", "latin1_name.csv")  # a rejected line, Latin-1, split persons


def about_rows(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.ABOUT).to_python()


def test_the_about_sheet_lists_the_notes_cmr_xl_run_prints(tmp_path):
    """A court reading the workbook sees what the reader repaired, rejected or found odd:
    the very `note: ...` lines of the terminal, one per row, wrapped in rows tall enough."""
    from click.testing import CliRunner

    from cmr_xl.cli import cli

    hostile = Path(__file__).parent / "hostile" / "files"
    files = [shutil.copy(hostile / name, tmp_path / name) for name in NOTED_FILES]
    book = tmp_path / "noted.xlsx"
    done = CliRunner().invoke(cli, ["run", *map(str, files), "--county", "SACRAMENTO",
                                    "--as-of", "2020-07-01", "--workbook", str(book)])
    assert done.exit_code == 0, done.output
    printed = [line.removeprefix("note: ") for line in done.stderr.splitlines()
               if line.startswith("note: ") and "--csv-dir" not in line]
    assert len(printed) == 3
    rows = {row[L.ABOUT_KEY_COL]: row for row in about_rows(book) if row and row[0]}
    assert rows["notes"][L.ABOUT_VALUE_COL] == 3
    assert [rows[f"note.{n}"][L.ABOUT_VALUE_COL] for n in (1, 2, 3)] == printed
    assert [rows[f"note.{n}"][L.ABOUT_LABEL_COL] for n in (1, 2, 3)] == [
        "Note 1", "Note 2", "Note 3"]
    keys = list(rows)  # after the row accounting, before the criteria snapshot
    assert keys.index("rows.rows_rejected") < keys.index("notes") < keys.index("criteria_name")
    sheet = openpyxl.load_workbook(book)[L.ABOUT]
    longest = sheet.cell(keys.index("note.3") + L.ABOUT_FIRST_ROW + 1, L.ABOUT_VALUE_COL + 1)
    assert longest.value == printed[2] and len(printed[2]) > 300
    assert longest.alignment.wrap_text
    assert sheet.row_dimensions[longest.row].height >= 15 * 5  # 380 characters, 70 a line


def test_a_file_without_notes_says_so_on_about(book):
    rows = {row[L.ABOUT_KEY_COL]: row for row in about_rows(book) if row and row[0]}
    assert rows["notes"][L.ABOUT_VALUE_COL] == 0
    assert not [key for key in rows if key.startswith("note.")]

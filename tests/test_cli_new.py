"""`cmr-xl new BOOK.xlsx`: a fresh workbook whose Criteria sheet reads back as the
statewide defaults; an existing file is never overwritten."""

from __future__ import annotations

from click.testing import CliRunner

from cmr_xl.cli import cli
from cmr_xl.rules.criteria import Criteria
from cmr_xl.workbook.reader import read_criteria


def test_new_writes_a_workbook_whose_criteria_are_the_defaults(tmp_path):
    book = tmp_path / "sacramento.xlsx"
    result = CliRunner().invoke(cli, ["new", str(book)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {book}\n"
    assert read_criteria(book) == Criteria()


def test_new_refuses_an_existing_file_and_leaves_it_alone(tmp_path):
    book = tmp_path / "sacramento.xlsx"
    book.write_bytes(b"the clerk's work")
    result = CliRunner().invoke(cli, ["new", str(book)])
    assert result.exit_code == 2
    assert "already exists" in result.output and "nothing was overwritten" in result.output
    assert book.read_bytes() == b"the clerk's work"

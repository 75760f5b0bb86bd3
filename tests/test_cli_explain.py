"""`cmr-xl explain`: each conviction of the person or case asked for, its facts, the
checks made in order and the determination, read from the same run `cmr-xl run` makes."""

from __future__ import annotations

from click.testing import CliRunner
from rapsheet import RapSheet

from cmr_xl.cli import cli

ARGS = ["--county", "SACRAMENTO", "--as-of", "2020-07-01"]


def doj_file(tmp_path):
    sheet = RapSheet()
    sheet.person(cii="111111111").conviction("11357", "20100101", case="10F0001")
    sheet.person(cii="222222222").conviction("11359", "20170101", case="17F0002")
    path = tmp_path / "doj.csv"
    path.write_text(sheet.csv_text())
    return path


def explain(*args: str):
    return CliRunner().invoke(cli, ["explain", *args], prog_name="cmr-xl")


def test_explain_by_case_number_shows_only_that_case(tmp_path):
    result = explain(str(doj_file(tmp_path)), *ARGS, "--case", "17F0002")
    assert result.exit_code == 0, result.output
    assert "11359 HS" in result.output and "11357 HS" not in result.output
    assert "  => Not eligible: Occurred after 11/09/2016" in result.output.splitlines()


def test_explain_by_cii_shows_the_dismissal(tmp_path):
    result = explain(str(doj_file(tmp_path)), *ARGS, "--cii", "111111111")
    assert result.exit_code == 0, result.output
    assert "  => Eligible for Dismissal: Dismiss all HS 11357 convictions" in result.output


def test_explain_a_missing_file_stops_with_exit_2(tmp_path):
    result = explain(str(tmp_path / "none.csv"), *ARGS)
    assert result.exit_code == 2
    assert "none.csv" in result.output


def test_explain_shows_a_case_number_reading_none_as_it_is(tmp_path):
    """A blank is what pandas holds as missing; a case number that reads 'None' is text
    (before, it was taken for a blank and shown as unknown)."""
    sheet = RapSheet()
    sheet.person(cii="333333333").conviction("11357", "20100101", case="None")
    path = tmp_path / "doj.csv"
    path.write_text(sheet.csv_text())
    result = explain(str(path), *ARGS, "--cii", "333333333")
    assert result.exit_code == 0, result.output
    assert "case None," in result.output


def test_explain_shows_a_blank_as_unknown():
    import numpy as np
    import pandas as pd

    from cmr_xl.cli import _day, _shown

    for blank in (None, np.nan, pd.NA, pd.NaT, ""):
        assert _shown(blank) == "unknown" and _day(blank) == "unknown"
    assert _shown("None") == "None" and _shown("nan") == "nan"

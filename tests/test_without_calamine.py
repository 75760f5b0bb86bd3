"""python-calamine is optional (`pip install .` leaves it out; Pyodide may lack it): the
workbook is then read with openpyxl, which gives typed datetimes and None. recalc and
export must give what they give with calamine (a fresh install once crashed on the first
empty date cell)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from cmr_xl.cli import cli
from cmr_xl.engine.pipeline import run
from cmr_xl.rules.criteria import Criteria
from cmr_xl.synthetic import generate_doj_file
from cmr_xl.workbook.writer import write_workbook

COUNTY = "SACRAMENTO"
VARYING = ("Court copy exported (UTC)",)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nocalamine")
    generate_doj_file(folder / "doj.csv", county=COUNTY, people=120, seed=5)
    return write_workbook(run([folder / "doj.csv"], COUNTY, Criteria()), folder / "book.xlsx")


def _export(book: Path, out: Path) -> dict[str, list]:
    result = CliRunner().invoke(cli, ["export", str(book), "--out", str(out), "--send-pending"])
    assert result.exit_code == 0, result.output
    sheets = {}
    for path in sorted(out.glob("*.xlsx")):
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            sheets[f"{path.name}!{name}"] = [
                row for row in workbook.get_sheet_by_name(name).to_python()
                if not (row and row[0] in VARYING)]
    return sheets


def test_export_and_recalc_without_calamine_match_with_it(book: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with_calamine = _export(book, tmp_path / "with")
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import fails: openpyxl
    assert _export(book, tmp_path / "without") == with_calamine
    copy = tmp_path / "book.xlsx"
    copy.write_bytes(book.read_bytes())
    result = CliRunner().invoke(cli, ["recalc", "--json", str(copy)])
    assert result.exit_code == 0, result.output

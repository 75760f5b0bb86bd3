"""Helpers for the workbook and xlwings tests: small synthetic counties run through the
engine, LibreOffice headless with a private profile, and reading report cells back."""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter
from click.testing import CliRunner, Result

from cmr_xl.cli import cli
from cmr_xl.engine.pipeline import RunResult, run
from cmr_xl.rules.criteria import Criteria
from cmr_xl.synthetic import generate_doj_file
from cmr_xl.workbook.content import WorkbookContent, summary_cells
from cmr_xl.workbook.writer import write_workbook

COUNTY = "SACRAMENTO"
AS_OF_SCENARIO = "Dismiss all HS 11359 felonies"
_FOLDER = Path(tempfile.mkdtemp(prefix="cmr-xl-tests-"))


@functools.cache
def doj_file(people: int = 40, seed: int = 11) -> Path:
    """A synthetic DOJ research file (a few dozen people: the suite stays fast)."""
    path = _FOLDER / f"doj_{people}_{seed}.csv"
    generate_doj_file(path, county=COUNTY, people=people, seed=seed)
    return path


def county_run(criteria: Criteria | None = None, *, people: int = 40, seed: int = 11,
               scenarios: bool = True) -> RunResult:
    """The engine's run of a small county, with one named what-if scenario: the caller's
    own copy (it may change it) of a run made once per session for these arguments."""
    return copy.deepcopy(_county_run(criteria or Criteria(), people, seed, scenarios))


@functools.cache
def _county_run(criteria: Criteria, people: int, seed: int, scenarios: bool) -> RunResult:
    what_if = [criteria.with_changes(name=AS_OF_SCENARIO, felony_11359="dismiss")]
    return run([doj_file(people, seed)], COUNTY, criteria, what_if if scenarios else [])


def county_book(folder: Path, *, people: int = 40, seed: int = 11) -> Path:
    """`folder`/county.xlsx: the caller's own copy (it may edit it, recalc it, export it)
    of the filled workbook of `county_run(people=people, seed=seed)`, written once per
    session."""
    return Path(shutil.copyfile(_county_book(people, seed), folder / "county.xlsx"))


@functools.cache
def _county_book(people: int, seed: int) -> Path:
    folder = _FOLDER / f"book_{people}_{seed}"
    folder.mkdir()
    return write_workbook(_county_run(Criteria(), people, seed, True), folder / "county.xlsx")


def cmr(*args: Any) -> Result:
    """`cmr-xl ARGS` through click's runner (paths may be given as Path)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(source: Path, out_dir: Path, profile: Path, target: str = "xlsx",
                        recalculate: bool = True) -> Path:
    """Convert with LibreOffice headless in a private profile. `recalculate` sets Calc's
    "recalculation on file load" to Always (OOXMLRecalcMode=0): LibreOffice 7.4 otherwise
    keeps the cached results of an .xlsx."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    if recalculate:
        (user / "registrymodifications.xcu").write_text(RECALC_ON_LOAD, encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(soffice()), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
         "--norestore", "--convert-to", target, "--outdir", str(out_dir), str(source)],
        capture_output=True, text=True, timeout=180, check=False)
    produced = out_dir / f"{source.stem}.{target.split(':')[0]}"
    assert produced.exists(), f"LibreOffice did not convert {source}: {done.stderr}"
    return produced


def lookup(summary: dict[str, Any], key: tuple[str, ...]) -> Any:
    value: Any = summary
    for part in key:
        value = value[part]
    return value


def summary_figures(summary: dict[str, Any], content: WorkbookContent
                    ) -> dict[tuple[str, ...], Any]:
    """What each keyed Summary cell should show: its figure in summary.json."""
    return {cell.key: lookup(summary, cell.key) for cell in summary_cells(content) if cell.key}


def clerk_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook as a clerk could leave it, sheet by sheet: text written as strings (never
    formulas), numbers as numbers, None as an empty cell."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path

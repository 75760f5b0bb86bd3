"""Audit determinism: the same DOJ file and criteria give the same results, row for row.

A DA must be able to rerun a county months later and get the same determinations, and a
court must be able to trust that a court copy made twice is the same copy. Only the
run-time fields of the audit (when it ran, how long it took) may differ.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

import cmr_xl.engine.pipeline as pipeline
from cmr_xl.cli import cli
from cmr_xl.doj import iter_person_batches
from cmr_xl.engine.criteria_files import load_criteria_file
from cmr_xl.output.csv_bundle import summary_document, write_results_csv
from cmr_xl.synthetic import generate_doj_file
from cmr_xl.workbook.court_copies import export_court_copies

COUNTY = "SACRAMENTO"
RUN_TIME_FIELDS = ("started", "seconds")
#: Non-default criteria and a what-if scenario, so that every kind of rule takes part.
CRITERIA = """\
as_of: 2020-07-01
felony_11359: dismiss
relief_age_threshold: 50
relief_years_since_conviction: 10
disqualify_super_strike: hand_review
related_charges: yes
scenarios:
  Dismiss all HS 11360 felonies: {felony_11360: dismiss}
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    doj = folder / "sacramento.csv"
    generate_doj_file(doj, county=COUNTY, people=150, seed=21)
    criteria = folder / "criteria.yaml"
    criteria.write_text(CRITERIA, encoding="utf-8")
    return doj, criteria


def cli_run(doj: Path, criteria: Path, out: Path) -> Path:
    result = CliRunner().invoke(cli, [
        "run", str(doj), "--county", COUNTY, "--as-of", "2020-07-01", "--criteria", str(criteria),
        "--csv-dir", str(out), "--workbook", str(out / "book.xlsx")])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def first(inputs, tmp_path_factory) -> Path:
    return cli_run(*inputs, tmp_path_factory.mktemp("first"))


@pytest.fixture(scope="module")
def second(inputs, tmp_path_factory) -> Path:
    return cli_run(*inputs, tmp_path_factory.mktemp("second"))


def without_run_time(document: dict) -> dict:
    """summary.json without the fields that say when the run happened."""
    document = json.loads(json.dumps(document, default=str))
    for field in RUN_TIME_FIELDS:
        assert field in document["audit"], field
        del document["audit"][field]
    return document


def test_results_csv_is_identical_byte_for_byte(first, second):
    for name in ("prop64_results.csv", "rejected_rows.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert len((first / "prop64_results.csv").read_text().splitlines()) > 100


def test_summary_json_differs_only_in_run_time_fields(first, second):
    one = json.loads((first / "summary.json").read_text())
    two = json.loads((second / "summary.json").read_text())
    assert without_run_time(one) == without_run_time(two)
    assert one["chosen"]["determinations"]["Eligible for Dismissal"] > 0
    assert "Dismiss all HS 11360 felonies" in one["scenarios"]


def test_audit_names_the_input_by_hash_and_the_criteria_that_ran(first, inputs):
    doj, criteria_file = inputs
    audit = json.loads((first / "summary.json").read_text())["audit"]
    [source] = audit["inputs"]
    assert source["sha256"] == hashlib.sha256(doj.read_bytes()).hexdigest()
    assert source["size_bytes"] == doj.stat().st_size
    criteria, _ = load_criteria_file(criteria_file)
    assert audit["criteria"] == json.loads(json.dumps(criteria.as_mapping(), default=str))
    assert audit["as_of"] == "2020-07-01" and audit["county"] == COUNTY


def sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_workbook_results_are_identical_row_for_row(first, second):
    one, two = sheet(first / "book.xlsx", "Results"), sheet(second / "book.xlsx", "Results")
    assert len(one) == len(two) > 100
    for number, (a, b) in enumerate(zip(one, two, strict=True)):
        assert a == b, f"Results row {number + 1}"


def test_court_copies_made_twice_are_the_same_copies(first, second, tmp_path):
    ones = export_court_copies(first / "book.xlsx", tmp_path / "one", send_pending=True)
    twos = export_court_copies(second / "book.xlsx", tmp_path / "two", send_pending=True)
    assert [p.name for p in ones] == [p.name for p in twos]
    for one, two in zip(ones, twos, strict=True):
        with zipfile.ZipFile(one) as a, zipfile.ZipFile(two) as b:
            for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):  # Cases, Summary
                assert a.read(part) == b.read(part), (one.name, part)
        about_one, about_two = sheet(one, "About"), sheet(two, "About")
        differing = {a[0] for a, b in zip(about_one, about_two, strict=True) if a != b}
        # the source workbooks differ in their own run times, hence in hash and size
        assert differing <= {"Source workbook SHA-256", "Source workbook size (bytes)",
                             "Determinations computed (UTC)", "Court copy exported (UTC)"}


def test_batch_boundaries_do_not_change_any_result(first, inputs, monkeypatch):
    """The reader hands the engine whole persons in blocks; many small blocks must give
    exactly what one big block gives."""
    doj, criteria_file = inputs
    assert doj.stat().st_size > 40 * (128 << 10)
    monkeypatch.setattr(pipeline, "iter_person_batches",
                        functools.partial(iter_person_batches, batch_bytes=128 << 10))
    criteria, scenarios = load_criteria_file(criteria_file)
    batches = []
    monkeypatch.setattr(pipeline, "convictions_from_table", _counting(batches))
    result = pipeline.run([str(doj)], COUNTY, criteria, scenarios)
    assert len(batches) > 10
    text = io.BytesIO()
    write_results_csv(result, text)
    assert text.getvalue() == (first / "prop64_results.csv").read_bytes()
    expected = json.loads((first / "summary.json").read_text())
    assert without_run_time(summary_document(result)) == without_run_time(expected)


def _counting(calls: list):
    real = pipeline.convictions_from_table

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    return counted


def test_the_file_name_does_not_change_any_determination(first, inputs, tmp_path):
    doj, criteria_file = inputs
    renamed = tmp_path / "copy of the DOJ file.csv"
    shutil.copyfile(doj, renamed)
    other = cli_run(renamed, criteria_file, tmp_path / "out")
    one = pd.read_csv(first / "prop64_results.csv", dtype=str, keep_default_na=False)
    two = pd.read_csv(other / "prop64_results.csv", dtype=str, keep_default_na=False)
    assert set(two["Source file"]) != set(one["Source file"])
    pd.testing.assert_frame_equal(one.drop(columns="Source file"), two.drop(columns="Source file"))

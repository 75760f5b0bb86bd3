"""`cmr-xl run`: a DOJ file to determinations, end to end through the real command."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapsheet import RapSheet

from cmr_xl.cli import cli
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.synthetic import generate_doj_file, prop64_convictions_by_county


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def county_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("doj") / "sacramento.csv"
    generate_doj_file(path, county="SACRAMENTO", people=300, seed=7)
    return path


@pytest.fixture(scope="module")
def county_run(county_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    result = invoke("run", str(county_file), "--county", "Sacramento", "--as-of", "2020-07-01",
                    "--csv-dir", str(out))
    assert result.exit_code == 0, result.output
    return out


def _read_results(folder: Path) -> list[dict[str, str]]:
    with open(folder / "prop64_results.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


#: Names HS 11357-11360 in any spelling (written here for the test, independently of the
#: reader): not 11357.5, 111357 or 211357; 664/182 glued before counts.
NAMES_PROP64 = re.compile(r"(?:^|[^0-9.])(?:664|182)?[-./ ]?(?:1135[789]|11360)(?![0-9]|\.0*[1-9])")
CONVICTED_OF = ("CONV_OFFENSE_DESCR", "DISP_OFFENSE_DESCR")


def _names_prop64(text: str) -> bool:
    return bool(NAMES_PROP64.search(text.upper()))


def _convictions_naming_prop64(path: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    """An independent reading with the csv module: distinct convicted counts whose
    charge, comment or convicted-of offense names a Prop 64 section, with their row."""
    found = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            texts = [row[c] for c in ("OFFENSE_DESCR", "COMMENT_TEXT", *CONVICTED_OF)]
            if row["DISP_DESCR"].strip().startswith("CONVICTED") and any(
                    _names_prop64(t) for t in texts):
                found.setdefault((row["SUBJECT_ID"], row["CYC_ORDER"], row["CNT_ORDER"]), row)
    return found


def _county_prop64_counts(path: Path) -> set[tuple[str, str, str]]:
    """The Sacramento ones the county decides: a convicted-of offense, when DOJ wrote one
    (a plea), decides; otherwise the charge or its comment."""
    found = set()
    for key, row in _convictions_naming_prop64(path).items():
        convicted = next((row[c] for c in CONVICTED_OF if row[c].strip()), "")
        decides = _names_prop64(convicted) if convicted else True
        if row["STP_ORI_CNTY_NAME"].strip() == "SACRAMENTO" and decides:
            found.add(key)
    return found


def test_every_conviction_naming_prop64_is_determined_or_listed_as_set_aside(
        county_file, county_run):
    """No conviction naming HS 11357-11360 is lost: each is in Results or in
    set_aside_convictions.csv, and their number is what the generator drew."""
    named = _convictions_naming_prop64(county_file)
    results = _read_results(county_run)
    with open(county_run / "set_aside_convictions.csv", newline="", encoding="utf-8") as f:
        set_aside = list(csv.DictReader(f))
    assert len(results) + len(set_aside) == len(named)
    drawn = prop64_convictions_by_county("SACRAMENTO", people=300, seed=7)
    assert sum(drawn.values()) == len(named)
    in_county = [r for r in set_aside if r["county"] == "SACRAMENTO"]
    assert len(results) + len(in_county) == drawn["SACRAMENTO"]
    assert {r["set_aside_reason"] for r in in_county} <= {"Convicted of another offense"}
    kinds = {r["Offense needs review"] for r in results}
    assert {"attempt", "conspiracy", "combined", "comment"} <= kinds  # the variety is there
    summary = json.loads((county_run / "summary.json").read_text())
    assert summary["convictions"]["prop64_determined"] == len(results)
    assert summary["convictions"]["set_aside"] == len(set_aside)


def test_every_county_prop64_conviction_gets_one_determination_and_nothing_else(
        county_file, county_run):
    rows = _read_results(county_run)
    expected = _county_prop64_counts(county_file)
    got = {(r["SUBJECT_ID"], r["CYC_ORDER"], r["CNT_ORDER"]) for r in rows}
    assert got == expected
    assert len(rows) == len(expected)
    allowed = {"Eligible for Dismissal", "Eligible for Reduction", "Not eligible", "Hand review"}
    assert {r["Eligibility Determination"] for r in rows} <= allowed
    assert all(r["Eligibility Reason"] for r in rows)


def test_results_keep_every_original_doj_column_first(county_run):
    with open(county_run / "prop64_results.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[: len(DOJ_COLUMNS)] == list(DOJ_COLUMNS)
    assert {"Eligibility Determination", "Eligibility Reason", "Decision trace"} <= set(header)


def test_the_summary_adds_up(county_run):
    summary = json.loads((county_run / "summary.json").read_text())
    chosen = summary["chosen"]
    assert sum(chosen["determinations"].values()) == summary["prop64_convictions"]
    by_section = summary["prop64_convictions_by_section"]
    assert sum(v["felony"] + v["non_felony"] for v in by_section.values()) == \
        summary["prop64_convictions"]
    assert chosen["determinations"]["Eligible for Dismissal"] == \
        sum(chosen["dismissals_by_section"].values()) == sum(chosen["dismissals_by_reason"].values())
    assert chosen["people_with_relief"] <= summary["people_with_prop64_conviction"]
    everything = summary["dismiss_all_prop64"]
    assert everything["after_relief"]["people_no_felony"] >= chosen["after_relief"]["people_no_felony"]
    rows = summary["rows"]
    assert rows["lines_read"] == (rows["header_lines"] + rows["blank_lines"] + rows["rows_read"]
                                  + rows["rows_rejected"])
    assert summary["audit"]["inputs"][0]["sha256"]


def test_several_files_of_one_county_give_one_result(county_file, county_run, tmp_path):
    second = tmp_path / "second.csv"
    generate_doj_file(second, county="SACRAMENTO", people=50, seed=99)
    both = invoke("run", str(county_file), str(second), "--county", "SACRAMENTO",
                  "--as-of", "2020-07-01", "--json")
    assert both.exit_code == 0, both.output
    # the module's run of the first file alone
    first_count = json.loads((county_run / "summary.json").read_text())["prop64_convictions"]
    assert json.loads(both.stdout)["prop64_convictions"] > first_count
    assert len(json.loads(both.stdout)["audit"]["inputs"]) == 2


def test_bad_criteria_stop_with_exit_2_naming_the_key(county_file, tmp_path):
    criteria = tmp_path / "criteria.yaml"
    criteria.write_text("relief_age_threshold: 30\n")
    result = CliRunner().invoke(cli, ["run", str(county_file), "--county", "SACRAMENTO",
                                      "--as-of", "2020-07-01", "--criteria", str(criteria)])
    assert result.exit_code == 2
    assert "relief_age_threshold: 30 is out of range" in result.output
    assert "Traceback" not in result.output


def test_a_county_not_in_the_file_stops_with_exit_2(county_file):
    result = CliRunner().invoke(cli, ["run", str(county_file), "--county", "ATLANTIS",
                                      "--as-of", "2020-07-01"])
    assert result.exit_code == 2
    assert "no court step in county 'ATLANTIS'" in result.output
    assert "SACRAMENTO" in result.output


def test_a_missing_file_stops_with_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.csv"), "--county", "YOLO",
                                      "--as-of", "2020-07-01"])
    assert result.exit_code == 2
    assert "nope.csv" in result.output


def test_a_bad_as_of_date_is_refused():
    result = CliRunner().invoke(cli, ["run", "x.csv", "--county", "YOLO", "--as-of", "7/1/2020"])
    assert result.exit_code == 2
    assert "is not a date as YYYY-MM-DD" in result.output


def test_explain_shows_the_checks_in_order(tmp_path):
    sheet = RapSheet()
    sheet.person(cii="123456789").conviction("187", "19950101").conviction("11359", "20100101")
    path = tmp_path / "one.csv"
    path.write_text(sheet.csv_text())
    result = invoke("explain", str(path), "--county", "SACRAMENTO", "--as-of", "2020-07-01",
                    "--cii", "123456789")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "11359 HS Felony" in lines[0]
    assert "  - disposed after 11/09/2016: no" in lines
    assert "  - section or level reduced: yes" in lines
    assert "  => Eligible for Reduction: Reduce all HS 11359 convictions" in lines


def test_the_criteria_template_loads_back_as_the_defaults(tmp_path):
    template = invoke("criteria", "--template").output
    path = tmp_path / "criteria.yaml"
    path.write_text(template)
    printed = invoke("criteria", "--criteria", str(path))
    assert printed.exit_code == 0, printed.output
    assert printed.output == invoke("criteria").output


@pytest.mark.parametrize("command", ["run", "explain"])
def test_a_county_is_read_as_generate_reads_it(tmp_path, command):
    """`los_angeles` and `Los Angeles County` are LOS ANGELES in every command, as in
    `generate`; the results are those of `--county "LOS ANGELES"`."""
    path = tmp_path / "la.csv"
    made = invoke("generate", "--county", "los_angeles", "--people", "80", "--seed", "5",
                  "--out", str(path))
    assert made.exit_code == 0, made.output
    outputs = []
    for i, county in enumerate(("LOS ANGELES", "los_angeles", "Los Angeles County",
                                " los-angeles ")):
        args = [command, str(path), "--county", county, "--as-of", "2020-07-01"]
        if command == "run":
            args += ["--csv-dir", str(tmp_path / f"out{i}")]
        result = invoke(*args)
        assert result.exit_code == 0, (county, result.output)
        outputs.append((tmp_path / f"out{i}" / "prop64_results.csv").read_text(encoding="utf-8")
                       if command == "run" else result.output)
    assert all(output == outputs[0] for output in outputs[1:])
    if command == "run":
        assert "LOS ANGELES" in outputs[0]

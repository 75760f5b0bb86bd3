"""`cmr-xl criteria`: the criteria in force as the sentences the engine renders, the
decision order from law/decision_order.yaml with each rule's citation, a county file's
changes, and a bad file refused with exit 2 naming the key."""

from __future__ import annotations

from click.testing import CliRunner

from cmr_xl.cli import cli
from cmr_xl.rules.criteria import Criteria
from cmr_xl.rules.law import decision_rules, effective_date_text


def criteria(*args: str):
    return CliRunner().invoke(cli, ["criteria", *args], prog_name="cmr-xl")


def test_the_defaults_print_as_sentences_then_the_decision_order():
    result = criteria()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1:1 + len(Criteria().sentences())] == [f"  - {s}" for s in Criteria().sentences()]
    order = lines[lines.index("Checked in this order; the first that applies decides:") + 1:]
    assert len(order) == len(decision_rules())
    assert order[2].startswith(f"   3. disposed after {effective_date_text()} (statute) [HS 11361.8")
    assert "(criterion relief_years_crime_free)" in "\n".join(order)


def test_a_county_file_changes_its_sentences(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text("felony_11359: dismiss\nrelief_years_crime_free: 10\n")
    result = criteria("--criteria", str(path))
    assert result.exit_code == 0, result.output
    assert "  - HS 11359 felony convictions: dismiss and seal." in result.output
    assert ("  - A conviction is dismissed when the person has no conviction in the past 10 years."
            in result.output)


def test_a_bad_key_stops_with_exit_2_naming_it(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text("felony_11399: dismiss\n")
    result = criteria("--criteria", str(path))
    assert result.exit_code == 2
    assert "felony_11399" in result.output

"""`cmr-xl generate`: a synthetic DOJ file through the real command."""

from __future__ import annotations

import hashlib

from click.testing import CliRunner

from cmr_xl.cli import cli


def _generate(out, *extra: str):
    return CliRunner().invoke(cli, ["generate", "--county", "los_angeles", "--people", "20",
                                    "--seed", "3", "--out", str(out), *extra])


def test_generate_makes_a_missing_folder_and_says_what_it_wrote(tmp_path):
    out = tmp_path / "new" / "folder" / "la.csv"
    result = _generate(out)
    assert result.exit_code == 0, result.output
    assert "rows for 20 people (LOS ANGELES, seed 3)" in result.stdout
    assert out.read_text().startswith("RECORD_ID,")
    assert [p.name for p in out.parent.iterdir()] == ["la.csv"]  # no temporary left


def test_generate_is_reproducible_by_seed(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert _generate(first).exit_code == 0 and _generate(second).exit_code == 0
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(
        second.read_bytes()).digest()


def test_generate_under_a_file_is_exit_2_naming_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = _generate(blocker / "la.csv")
    assert result.exit_code == 2
    assert f"{blocker} is a file, not a folder" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_county_is_exit_2_with_a_suggestion(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "--county", "Sacramentoo", "--people", "5",
                                      "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "SACRAMENTO" in result.output

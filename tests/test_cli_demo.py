"""`cmr-xl demo`: the README's first command, through the real CLI, into a fresh folder
and again into the same folder (a second demo replaces the first as one output set)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from cmr_xl.cli import cli


def test_demo_writes_the_synthetic_file_workbook_and_bundle_and_can_run_again(tmp_path):
    out = tmp_path / "demo"
    for _ in range(2):
        result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--people", "150"])
        assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"synthetic_doj_sacramento.csv", "cmr-xl-sacramento.xlsx", "prop64_results.csv",
            "summary.json", "rejected_rows.csv", "set_aside_convictions.csv"} <= names
    assert not [n for n in names if n.startswith(".")]  # no temporary file or lock left
    summary = json.loads((out / "summary.json").read_text())
    assert summary["convictions"]["prop64_determined"] == summary["prop64_convictions"] > 0
    assert "Prop 64 review, SACRAMENTO county" in result.stdout
    results = CalamineWorkbook.from_path(str(out / "cmr-xl-sacramento.xlsx")).get_sheet_by_name(
        "Results").to_python()
    assert len(results) - 1 == summary["prop64_convictions"]

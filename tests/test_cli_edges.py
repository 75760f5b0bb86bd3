"""The command line's small edges, through the real command (issue 11, item 8): the
progress bar on a terminal, a workbook that is not .xlsx, an as-of date in the future,
what recalc wrote, help for every option and examples in --help."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cmr_xl.cli import cli
from cmr_xl.synthetic import generate_doj_file

CMR_XL = [sys.executable, "-m", "cmr_xl.cli"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def doj(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("doj") / "sacramento.csv"
    generate_doj_file(path, county="SACRAMENTO", people=150, seed=11)
    return path


def _on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (as a clerk's shell is); its text."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower,
                               stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"})
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_the_progress_bar_reaches_100_percent_after_writing_the_workbook(doj, tmp_path):
    status, text = _on_a_terminal([*CMR_XL, "run", str(doj), "--county", "SACRAMENTO",
                                   "--as-of", "2020-07-01", "--workbook",
                                   str(tmp_path / "book.xlsx"), "--csv-dir", str(tmp_path / "csv")])
    assert status == 0, text
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # cursor hiding and line clearing
    frames = [f.strip() for f in re.split(r"[\r\n]", text) if "%" in f]
    percents = [int(p) for f in frames for p in re.findall(r"(\d+)%", f)]
    assert percents == sorted(percents), percents  # never goes back
    assert percents[-1] == 100
    labels = [f.split("[")[0].strip() for f in frames]
    assert "Writing workbook" in labels
    # reading, then the rules at work, then each output, in that order
    assert labels.index("Reading DOJ file") < labels.index("Determining") \
        < labels.index("Writing CSV files") < labels.index("Writing workbook")
    # the workbook is written while the bar shows it, before 100%
    writing = [p for f in frames if f.startswith("Writing workbook")
               for p in map(int, re.findall(r"(\d+)%", f))]
    assert writing and max(writing) < 100
    assert (tmp_path / "book.xlsx").exists()


@pytest.mark.parametrize("name", ["results.csv", "results", "results.xls", "results.xlsm"])
def test_a_workbook_that_is_not_xlsx_is_refused_before_any_work(doj, tmp_path, name):
    result = invoke("run", str(doj), "--county", "SACRAMENTO", "--as-of", "2020-07-01",
                    "--workbook", str(tmp_path / name))
    assert result.exit_code == 2
    assert "a cmr-xl workbook is an Excel .xlsx file" in result.output
    assert "results.xlsx" in result.output
    if name.endswith(".csv"):
        assert "--csv-dir" in result.output
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_a_csv_name(tmp_path):
    result = invoke("new", str(tmp_path / "book.csv"))
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert not (tmp_path / "book.csv").exists()


def test_an_as_of_date_in_the_future_is_warned_about(doj, tmp_path):
    future = (date.today() + timedelta(days=40)).isoformat()
    result = invoke("run", str(doj), "--county", "SACRAMENTO", "--as-of", future)
    assert result.exit_code == 0, result.output
    assert f"warning: --as-of {future} is in the future" in result.stderr
    past = invoke("run", str(doj), "--county", "SACRAMENTO", "--as-of", "2020-07-01")
    assert "in the future" not in past.stderr


def test_recalc_says_what_it_wrote(doj, tmp_path):
    book = tmp_path / "book.xlsx"
    assert invoke("run", str(doj), "--county", "SACRAMENTO", "--as-of", "2020-07-01",
                  "--workbook", str(book)).exit_code == 0
    result = invoke("recalc", str(book), "--json")
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if line.startswith(f"wrote {book}")]
    assert len(said) == 1
    import json

    figures = json.loads(result.stdout)
    counted = sum(figures["chosen"]["determinations"].values())
    assert (f"wrote {book}: {counted:,} Prop 64 conviction(s) determined again under "
            f"{figures['criteria']['name']!r} as of 2020-07-01") in said[0]
    assert "kept everything else" in said[0]


def _commands() -> list[click.Command]:
    return [cli, *cli.commands.values()]


def test_every_option_and_argument_has_help_or_is_named_in_its_command_help():
    for command in _commands():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{command.name} {param.opts} has no help"
            else:
                assert param.name.upper() in (command.help or ""), (command.name, param.name)


@pytest.mark.parametrize("command", [None, *sorted(cli.commands)])
def test_help_shows_examples(command):
    result = invoke(*([command] if command else []), "--help")
    assert result.exit_code == 0
    examples = result.output.split("Examples:")[1].strip().splitlines()
    assert examples and all(line.strip().startswith("cmr-xl") for line in examples)
    if command:
        assert all(line.split()[1] == command for line in examples)

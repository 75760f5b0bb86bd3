"""Hostile inputs (tests/hostile/): every bad input a county may hand cmr-xl gets exactly the
message cases.yaml states, through the real `cmr-xl` command, and never a traceback.

Every case runs in-process with click's CliRunner (fast: exit status, stdout and stderr as
the command gives them). The cases marked `subprocess: true`, one or more of each kind, run
again as a real process, `python -m cmr_xl.cli ...`, side by side, so that the exit status
and the absence of a traceback are those a user sees. CMR_XL_HOSTILE_SUBPROCESS=all runs
every case as a process (about a second each).

For a case processed with a report (exit 0) the test reads what --csv-dir wrote: the
rejected lines of rejected_rows.csv, the notes and row accounting of summary.json
("lines read = header + blank + rows used + rows rejected"), and values of
prop64_results.csv by source line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from cmr_xl.cli import cli

HOSTILE = Path(__file__).parent / "hostile"
FILES = HOSTILE / "files"
sys.path.insert(0, str(HOSTILE))

import build_corpus  # noqa: E402

CASES: list[dict[str, Any]] = yaml.safe_load((HOSTILE / "cases.yaml").read_text("utf-8"))["cases"]
ALL_AS_PROCESSES = os.environ.get("CMR_XL_HOSTILE_SUBPROCESS") == "all"
PROCESS_TIMEOUT = 120
KNOWN_KEYS = {"name", "represents", "args", "build", "folder", "exit", "stderr", "rejects",
              "notes", "rows", "results", "subprocess", "xfail", "now"}


@dataclass
class Outcome:
    """What the command did: exit status, its two streams, the folder it ran in."""

    exit: int
    stdout: str
    stderr: str
    folder: Path


def params(cases: list[dict[str, Any]]) -> list[Any]:
    marks = {c["name"]: [pytest.mark.xfail(reason=" ".join(c["xfail"].split()), strict=True)]
             if c.get("xfail") else [] for c in cases}
    return [pytest.param(c, id=c["name"], marks=marks[c["name"]]) for c in cases]


def prepare(case: dict[str, Any], folder: Path) -> Path:
    """A folder holding a copy of the corpus files the case names (commands may write)."""
    folder.mkdir(parents=True, exist_ok=True)
    for arg in case["args"]:
        if (FILES / arg).is_file():
            shutil.copyfile(FILES / arg, folder / arg)
    if case.get("build"):
        build_corpus.write_big_field(folder / case["build"])
    if case.get("folder"):
        (folder / case["folder"]).mkdir()
    return folder


def run_process(case: dict[str, Any], folder: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k != "CMR_XL_DEBUG"}
    env["PYTHONUTF8"] = "1"
    done = subprocess.run([sys.executable, "-m", "cmr_xl.cli", *case["args"]], cwd=folder,
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=PROCESS_TIMEOUT, check=False)
    return Outcome(done.returncode, done.stdout, done.stderr, folder)


def run_in_process(case: dict[str, Any], folder: Path, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CMR_XL_DEBUG", raising=False)
    result = CliRunner().invoke(cli, case["args"], prog_name="cmr-xl")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr, folder)


# ---------------------------------------------------------------------------------------
# What every case must show


def check(case: dict[str, Any], outcome: Outcome) -> None:
    both = outcome.stdout + outcome.stderr
    assert "Traceback" not in both, both
    assert "internal error" not in outcome.stderr, outcome.stderr
    assert outcome.exit == case["exit"], (outcome.exit, outcome.stderr)
    if "stderr" in case:
        assert outcome.stderr.rstrip("\n") == case["stderr"]
    if case["exit"] != 0:
        assert outcome.stdout == ""
        return
    csv_dir = _option(case["args"], "--csv-dir")
    if csv_dir is None:
        return
    out = outcome.folder / csv_dir
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    rows = summary["rows"]
    assert rows["lines_read"] == (rows["header_lines"] + rows["blank_lines"] + rows["rows_read"]
                                  + rows["rows_rejected"]), rows
    for report in rows["files"]:
        assert report["lines"] == (report["header_lines"] + report["blank_lines"]
                                   + report["rows"] + report["rejected"]), report
    assert {k: rows[k] for k in case.get("rows", {})} == case.get("rows", {})
    assert rows["notes"] == case["notes"]
    for note in case["notes"]:
        assert f"note: {note}" in outcome.stderr.splitlines()
    with open(out / "rejected_rows.csv", newline="", encoding="utf-8") as handle:
        rejects = [{"line": int(r["line"]), "reason": r["reason"]} for r in csv.DictReader(handle)]
    assert rejects == case["rejects"]
    assert rows["rows_rejected"] == len(case["rejects"])
    if case.get("results"):
        csv.field_size_limit(1 << 30)
        with open(out / "prop64_results.csv", newline="", encoding="utf-8") as handle:
            by_line = {int(r["Source line"]): r for r in csv.DictReader(handle)}
        for expected in case["results"]:
            row = by_line.get(expected["line"])
            assert row is not None, f"no result for line {expected['line']}: {sorted(by_line)}"
            got = {k: row[k] for k in expected if k != "line"}
            assert got == {k: v for k, v in expected.items() if k != "line"}, expected["line"]


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


# ---------------------------------------------------------------------------------------
# The cases


@pytest.mark.parametrize("case", params([c for c in CASES if not ALL_AS_PROCESSES]))
def test_hostile_input_gets_its_exact_message(case, tmp_path, monkeypatch):
    check(case, run_in_process(case, prepare(case, tmp_path), monkeypatch))


@pytest.fixture(scope="module")
def processes(tmp_path_factory) -> dict[str, Outcome]:
    """The cases run as real processes, side by side."""
    chosen = [c for c in CASES if c.get("subprocess") or ALL_AS_PROCESSES]
    root = tmp_path_factory.mktemp("hostile")
    folders = {c["name"]: prepare(c, root / c["name"]) for c in chosen}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {c["name"]: pool.submit(run_process, c, folders[c["name"]]) for c in chosen}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", params([c for c in CASES if c.get("subprocess") or ALL_AS_PROCESSES]))
def test_hostile_input_through_the_real_command(case, processes):
    check(case, processes[case["name"]])


# ---------------------------------------------------------------------------------------
# The corpus itself


def test_the_cases_are_well_formed():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)) >= 25
    for case in CASES:
        assert set(case) <= KNOWN_KEYS, (case["name"], set(case) - KNOWN_KEYS)
        assert case["represents"].strip() and case["args"] and case["args"][0] in (
            "run", "recalc", "export"), case["name"]
        if case["exit"] == 2:
            assert case["stderr"].startswith(("error: ", "Usage: ")), case["name"]
        else:
            assert case["exit"] == 0, case["name"]
            if case["args"][0] == "run" and "--csv-dir" in case["args"]:
                assert "rejects" in case and "notes" in case, case["name"]
            else:
                assert "stderr" in case, case["name"]
        if case.get("xfail"):
            assert case.get("now"), f"{case['name']}: say what happens today in `now`"
    assert sum(bool(c.get("subprocess")) for c in CASES) >= 5


def test_every_corpus_file_is_used_by_a_case():
    used = {arg for case in CASES for arg in case["args"]}
    assert sorted(p.name for p in FILES.iterdir() if p.name not in used) == []


def test_the_builder_reproduces_the_committed_files_byte_for_byte():
    built = build_corpus.build()
    committed = {p.name: p.read_bytes() for p in FILES.iterdir()}
    assert sorted(committed) == sorted(built), "run: python tests/hostile/build_corpus.py"
    stale = [name for name, data in built.items()
             if data != committed[name] and not _same_workbook(data, committed[name], name)]
    assert stale == [], f"{stale} differ; run: python tests/hostile/build_corpus.py"


def _same_workbook(a: bytes, b: bytes, name: str) -> bool:
    """Two .xlsx files with the same parts byte for byte (their zip compression may differ
    with the zlib library)."""
    if not name.endswith(".xlsx"):
        return False

    def parts(data: bytes) -> list[tuple[str, tuple[int, ...], bytes]]:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(i.filename, i.date_time, z.read(i)) for i in z.infolist()]

    return parts(a) == parts(b)


def test_the_committed_files_are_small():
    sizes = {p.name: p.stat().st_size for p in FILES.iterdir()}
    # a workbook of the corpus is a whole (small) county workbook: about 33 KB
    assert {name: size for name, size in sizes.items() if size > 40 << 10} == {}

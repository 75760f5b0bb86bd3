"""Atomic writes: a writer killed in the middle of a save never damages the file it replaces.

Each test runs the real `cmr-xl` command in a subprocess over an existing good file, lets it
start writing its temporary file, and SIGKILLs it there: no cleanup code runs, as when a
laptop loses power or Task Manager ends Excel's Python. The old file must still open, with
exactly its old bytes.

To kill at a known point instead of racing a fast writer, the subprocess's `open` stalls a
file whose name starts with the temporary prefix after a few writes (bytes flushed to
disk), and says so in a marker file. Nothing in cmr-xl is patched.

The killed command leaves its temporary file and its lock files (`.NAME.cmr-xl.lock`,
hidden); the next command into the same outputs takes the locks over and removes the
temporary file, saying so (tests/test_output_set.py kills at every step of the set).
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from cmr_xl.cli import cli
from cmr_xl.synthetic import generate_doj_file

COUNTY = "SACRAMENTO"
STALL = r'''
import builtins, io, os, sys, time
from pathlib import Path

prefix, marker, argv = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
real_open = builtins.open


class Stalling:
    """A file that stops for good after its third write, with those bytes on disk."""

    def __init__(self, handle):
        self._handle, self._writes = handle, 0

    def write(self, data):
        written = self._handle.write(data)
        self._writes += 1
        if self._writes == 3:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            marker.write_text(self._handle.name if isinstance(self._handle.name, str) else "")
            time.sleep(600)
        return written

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)


def stalling_open(file, mode="r", *args, **kwargs):
    handle = real_open(file, mode, *args, **kwargs)
    if (isinstance(file, (str, os.PathLike)) and any(m in mode for m in "wax+")
            and os.path.basename(os.fspath(file)).startswith(prefix)):
        return Stalling(handle)
    return handle


builtins.open = io.open = stalling_open
from cmr_xl.cli import main

main(argv)
'''


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kill_mid_write(tmp_path: Path, prefix: str, *argv: str) -> Path:
    """Run `cmr-xl ARGV` until it stalls inside a file named PREFIX..., SIGKILL it, and
    return the partial temporary file it left."""
    marker = tmp_path / "stalled.txt"
    process = subprocess.Popen([sys.executable, "-c", STALL, prefix, str(marker), *argv],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if process.poll() is not None:
                _, err = process.communicate()
                pytest.fail(f"the writer never wrote a file named {prefix}... (not atomic?): "
                            f"{err.decode()[-2000:]}")
            assert time.monotonic() < deadline, "the writer never reached its temporary file"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    partial = Path(marker.read_text())
    assert partial.name.startswith(prefix) and partial.stat().st_size > 0
    return partial


@pytest.fixture(scope="module")
def doj(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("doj") / "sacramento.csv"
    generate_doj_file(path, county=COUNTY, people=150, seed=3)
    return path


def run_args(doj: Path, *more: str) -> list[str]:
    return ["run", str(doj), "--county", COUNTY, "--as-of", "2020-07-01", *more]


def left_behind(folder: Path, partial: Path) -> set[str]:
    """The hidden files a killed command left in `folder`: temporary files (the one being
    written, and any others of its output set already staged) and locks, nothing else."""
    hidden = {p.name for p in folder.iterdir() if p.name.startswith(".")}
    assert partial.name in hidden
    assert all(n.endswith((".part", ".cmr-xl.lock")) for n in hidden), hidden
    return hidden


def next_run_cleans_up(folder: Path, *argv: str) -> None:
    """The next command into the same outputs succeeds, says it removed the temporary
    file, and leaves no hidden file."""
    result = CliRunner().invoke(cli, list(argv))
    assert result.exit_code == 0, result.output
    assert "note: took over the lock on" in result.output
    assert "temporary file(s) left by an interrupted run" in result.output
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_killed_workbook_save_leaves_the_old_workbook_whole(doj, tmp_path):
    book = tmp_path / "existing.xlsx"
    assert CliRunner().invoke(cli, run_args(doj, "--workbook", str(book))).exit_code == 0
    before = digest(book)
    results = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Results").to_python()

    partial = kill_mid_write(tmp_path, ".existing.", *run_args(doj, "--workbook", str(book)))

    assert partial.parent == book.parent and not zipfile.is_zipfile(partial)  # killed mid-zip
    assert digest(book) == before
    reopened = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Results").to_python()
    assert reopened == results
    assert left_behind(tmp_path, partial) == {partial.name, ".existing.xlsx.cmr-xl.lock"}
    next_run_cleans_up(tmp_path, *run_args(doj, "--workbook", str(book)))


def test_killed_csv_bundle_leaves_the_old_results_whole(doj, tmp_path):
    out = tmp_path / "csv"
    assert CliRunner().invoke(cli, run_args(doj, "--csv-dir", str(out))).exit_code == 0
    before = {p.name: digest(p) for p in out.iterdir()}

    partial = kill_mid_write(tmp_path, ".prop64_results.csv.", *run_args(doj, "--csv-dir", str(out)))

    assert partial.parent == out
    assert 0 < partial.stat().st_size <= (out / "prop64_results.csv").stat().st_size
    left_behind(out, partial)
    assert {p.name: digest(p) for p in out.iterdir() if not p.name.startswith(".")} == before
    next_run_cleans_up(out, *run_args(doj, "--csv-dir", str(out)))


def test_killed_court_copy_export_leaves_the_old_copies_whole(doj, tmp_path):
    book = tmp_path / "book.xlsx"
    assert CliRunner().invoke(cli, run_args(doj, "--workbook", str(book))).exit_code == 0
    out = tmp_path / "court"
    assert CliRunner().invoke(cli, ["export", str(book), "--out", str(out), "--send-pending"]).exit_code == 0
    before = {p.name: digest(p) for p in out.iterdir()}
    first = sorted(before)[0]

    partial = kill_mid_write(tmp_path, f".{first}.", "export", str(book), "--out", str(out), "--send-pending")
    assert not zipfile.is_zipfile(partial)  # killed after 3 pieces of 1 KB of the copy

    left_behind(out, partial)
    assert {p.name: digest(p) for p in out.iterdir() if not p.name.startswith(".")} == before
    for name in before:  # every old file whole: copies (and notices, summary.pdf) unchanged
        if name.startswith("court-copy"):
            CalamineWorkbook.from_path(str(out / name)).get_sheet_by_name("Cases").to_python()
        elif name.endswith(".xlsx"):
            assert zipfile.is_zipfile(out / name)
    next_run_cleans_up(out, "export", str(book), "--out", str(out), "--send-pending")

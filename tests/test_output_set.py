"""A command's outputs are one set (cmr_xl/output/output_set.py): checked and locked before
the work, replaced together at the end or not at all, whatever stops the command.

Everything that depends on the process (signals, locks, exit status, what is printed) runs
the real command, `python -m cmr_xl.cli`, in a folder holding `doj.csv` and the outputs
`out/` (CSV bundle) and `out/book.xlsx`. The "old" set is a run as of 2020-07-01; the "new"
one a run as of 2021-01-01 of the same file with one bad line appended (so every output
differs, rejected_rows.csv too). The process is stopped at named steps with the module's
test hook (CMR_XL_TEST_PAUSE_AT / CMR_XL_TEST_PAUSE_FILE).

The disk-full cases mount a 300 KB tmpfs and run only as root (skipped otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cmr_xl.output.csv_bundle import bundle_paths
from cmr_xl.output.output_set import (
    LOCK_SUFFIX,
    PAUSE_AT,
    PAUSE_FILE,
    OutputError,
    lock_path,
    output_set,
)
from cmr_xl.synthetic import generate_doj_file

COUNTY = "SACRAMENTO"
OLD, NEW = "2020-07-01", "2021-01-01"
TIMEOUT = 120
BOOK = "out/book.xlsx"
OUTPUTS = [f"out/{p.name}" for p in bundle_paths("out")] + ["out/summary.pdf", BOOK]


def cmr(folder: Path, *argv: str, env: dict[str, str] | None = None,
        timeout: float = TIMEOUT, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmr_xl.cli", *argv], cwd=folder,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, **kwargs)


def run_args(as_of: str = NEW, *more: str) -> list[str]:
    return ["run", "doj.csv", "--county", COUNTY, "--as-of", as_of, "--csv-dir", "out",
            "--workbook", BOOK, *more]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict[str, Path]:
    """Folders holding the old and the new output set, and the two DOJ files."""
    base = tmp_path_factory.mktemp("sets")
    old_doj, new_doj = base / "old.csv", base / "new.csv"
    generate_doj_file(old_doj, county=COUNTY, people=30, seed=1)
    new_doj.write_bytes(old_doj.read_bytes() + b"a bad line\n")
    made = {}
    for name, doj, as_of in (("old", old_doj, OLD), ("new", new_doj, NEW)):
        folder = base / name
        folder.mkdir()
        shutil.copyfile(doj, folder / "doj.csv")
        done = cmr(folder, *run_args(as_of))
        assert done.returncode == 0, done.stderr
        made[name] = folder
    return made


def prepared(sets: dict[str, Path], folder: Path) -> Path:
    """`folder` with the old output set and the new DOJ file: the next run writes the new."""
    shutil.copytree(sets["old"] / "out", folder / "out")
    shutil.copyfile(sets["new"] / "doj.csv", folder / "doj.csv")
    return folder


def kind(sets: dict[str, Path], path: Path) -> str:
    """'old' or 'new': which run wrote this output (each file read as a user would)."""
    name = path.name
    if name.endswith(".json"):
        as_of = json.loads(path.read_text("utf-8"))["as_of"]
    elif name.endswith(".xlsx"):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("About").to_python()
        as_of = next(str(r[2])[:10] for r in rows if r and r[0] == "as_of")
    elif name.endswith(".pdf"):  # summary.pdf: read with poppler, as printed
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        as_of = text.split("Eligibility as of ")[1][:10]
    else:
        found = [k for k in ("old", "new") if digest(sets[k] / "out" / name) == digest(path)]
        assert found, f"{name} is neither the old nor the new one"
        return found[0] if len(found) == 1 else "either"  # the same in both runs
    return {OLD: "old", NEW: "new"}[as_of]


def kinds_of(sets: dict[str, Path], folder: Path) -> set[str]:
    kinds = {name: kind(sets, folder / name) for name in OUTPUTS}
    assert set(kinds.values()) - {"either"}, kinds
    return set(kinds.values()) - {"either"}


def state(sets: dict[str, Path], folder: Path) -> str:
    """'old' or 'new' when the whole set is; fails on a mixed set or a stray file."""
    kinds = kinds_of(sets, folder)
    assert len(kinds) == 1, f"a mixed output set: {kinds}"
    return next(iter(kinds))


def hidden(folder: Path) -> list[str]:
    """Temporary and lock files beside the outputs."""
    return sorted(p.name for p in (folder / "out").iterdir() if p.name.startswith("."))


def _ctrl_c_heard() -> None:
    """The command hears Ctrl-C as a clerk's terminal sends it, even when pytest itself
    runs in the background (`&`), where a shell starts it with SIGINT ignored, and an
    ignored signal stays ignored in every child (cmr-xl keeps it so on purpose)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def paused(folder: Path, step: str, *argv: str) -> Iterator[subprocess.Popen[str]]:
    """The command running in `folder`, stopped at `step` (the output set's test hook)."""
    marker = folder / f"paused-{time.monotonic_ns()}"
    env = {**os.environ, PAUSE_AT: step, PAUSE_FILE: str(marker)}
    process = subprocess.Popen([sys.executable, "-m", "cmr_xl.cli", *argv], cwd=folder,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_ctrl_c_heard)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not marker.exists():
            if process.poll() is not None:
                pytest.fail(f"never reached {step}: {process.communicate()[1][-2000:]}")
            assert time.monotonic() < deadline, f"never reached {step}"
            time.sleep(0.01)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, err


# --- a second command on the same outputs -------------------------------------------------


def test_a_second_run_into_locked_outputs_exits_2_naming_the_holder(sets, tmp_path):
    folder = prepared(sets, tmp_path)
    with paused(folder, "locked", *run_args()) as first:
        second = cmr(folder, *run_args())
        assert second.returncode == 2
        assert second.stderr.startswith(
            f"error: out/{bundle_paths('out')[0].name}: is being written by another cmr-xl "
            f"command (process {first.pid} on {socket.gethostname()}, started ")
        assert f"delete the lock file {lock_path(Path(OUTPUTS[0]))}" in second.stderr
        assert "Traceback" not in second.stderr
        # the workbook alone is locked too
        alone = cmr(folder, "run", "doj.csv", "--county", COUNTY, "--as-of", NEW,
                    "--workbook", BOOK)
        assert alone.returncode == 2 and f"process {first.pid} on" in alone.stderr
        assert stop(first, signal.SIGINT) == (130, "interrupted: nothing was replaced\n")
    assert state(sets, folder) == "old" and hidden(folder) == []


def test_recalc_is_refused_while_a_run_writes_the_workbook(sets, tmp_path):
    folder = prepared(sets, tmp_path)
    with paused(folder, "locked", *run_args()) as first:
        second = cmr(folder, "recalc", BOOK)
        assert second.returncode == 2 and f"(process {first.pid} on" in second.stderr
        assert stop(first, signal.SIGTERM) == (143, "terminated: nothing was replaced\n")
    assert state(sets, folder) == "old" and hidden(folder) == []


def test_a_lock_from_another_host_is_refused_not_taken_over(sets, tmp_path):
    folder = prepared(sets, tmp_path)
    lock = folder / lock_path(Path(BOOK))
    lock.write_text(json.dumps({"pid": 1, "host": "clerk-pc-7", "started": "2024-01-02T03:04:05",
                                "command": "cmr-xl run x.csv"}))
    done = cmr(folder, *run_args())
    assert done.returncode == 2
    assert ("is being written by another cmr-xl command (process 1 on clerk-pc-7, started "
            "2024-01-02T03:04:05: cmr-xl run x.csv)") in done.stderr
    assert state(sets, folder) == "old" and hidden(folder) == [lock.name]


# --- stopped at every step: all old or all new ---------------------------------------------

STEPS_BEFORE = ["locked", *[f"{w}:{Path(o).name}" for o in OUTPUTS for w in ("start", "written")]]
STEPS_AFTER = ["commit", *[f"moved:{Path(o).name}" for o in OUTPUTS], "committed"]
CASES = ([(step, "SIGINT") for step in STEPS_BEFORE + STEPS_AFTER]
         + [(step, "SIGKILL") for step in STEPS_BEFORE + STEPS_AFTER]
         + [(step, "SIGTERM") for step in ("locked", f"written:{Path(BOOK).name}", "commit")])


@pytest.mark.parametrize(("step", "how"), CASES, ids=[f"{s}-{h}" for s, h in CASES])
def test_stopped_at_any_step_the_outputs_are_all_old_or_all_new(sets, tmp_path, step, how):
    folder = prepared(sets, tmp_path)
    expected = "new" if step in STEPS_AFTER else "old"
    signum = getattr(signal, how)
    with paused(folder, step, *run_args()) as process:
        status, err = stop(process, signum)
    if signum == signal.SIGKILL:
        assert status == -signal.SIGKILL
        # the next command into the same outputs takes the locks over, finishes or drops
        # what the killed one left; stopped there, before any work, the set is whole
        with paused(folder, "locked", *run_args()) as recovery:
            assert state(sets, folder) == expected
            assert [n for n in hidden(folder) if not n.endswith(LOCK_SUFFIX)] == []
            status, err = stop(recovery, signal.SIGINT)
        assert status == 130
        assert "note: took over the lock on out/" in err
        if step.startswith(("start:", "written:")):
            assert "temporary file(s) left by an interrupted run in out" in err
        if step in STEPS_AFTER[:-2]:  # killed with moves left to do: finished now
            assert "which the stopped process had begun to replace" in err
        assert err.endswith("interrupted: nothing was replaced\n")
    else:
        word = "interrupted" if signum == signal.SIGINT else "terminated"
        assert status == 128 + signum
        if expected == "old":
            temps = "; the temporary files were removed" if step != "locked" else ""
            assert err.splitlines()[-1] == f"{word}: nothing was replaced{temps}"
        else:
            names = ", ".join(Path(o).name for o in OUTPUTS)
            assert err.splitlines()[-1] == (f"{word}: after every output was replaced "
                                            f"({names}): they are complete")
    assert state(sets, folder) == expected
    assert hidden(folder) == []


def test_stale_temporary_files_are_removed_with_a_note(sets, tmp_path):
    folder = prepared(sets, tmp_path)
    out = folder / "out"
    for name in (".book.xlsx.abcd1234.part", ".summary.json.zz_9y8x7.old.part"):
        (out / name).write_bytes(b"confidential rows")
    (out / ".book.xlsx.notes.txt").write_text("not ours")
    done = cmr(folder, *run_args())
    assert done.returncode == 0, done.stderr
    assert ("note: removed 1 temporary file(s) left by an interrupted run in out: "
            ".summary.json.zz_9y8x7.old.part") in done.stderr
    assert ("note: removed 1 temporary file(s) left by an interrupted run in out: "
            ".book.xlsx.abcd1234.part") in done.stderr
    assert hidden(folder) == [".book.xlsx.notes.txt"]
    assert state(sets, folder) == "new"


def test_a_failed_move_puts_back_the_files_already_moved(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("old a")
    second.write_text("old b")
    with pytest.raises(OutputError) as caught, output_set([first, second]) as outputs:
        for target in (first, second):
            with outputs.stage(target) as temporary:
                temporary.write_text(f"new {target.stem}")
        second.unlink()  # someone puts a folder where the second output goes
        second.mkdir()
        (second / "x").write_text("in the way")
    assert str(caught.value).startswith(f"{second}: could not be replaced (")
    assert str(caught.value).endswith("; nothing was replaced")
    assert first.read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


# --- checked before the work ----------------------------------------------------------------


@pytest.fixture
def empty_doj(tmp_path) -> Path:
    """An empty DOJ file: any output problem must be said before the file is read."""
    (tmp_path / "doj.csv").write_bytes(b"")
    return tmp_path


def run_into(folder: Path, *outputs: str) -> subprocess.CompletedProcess[str]:
    return cmr(folder, "run", "doj.csv", "--county", COUNTY, "--as-of", NEW, *outputs)


def test_a_path_under_a_file_is_exit_2_before_the_doj_file_is_read(empty_doj):
    for option in ("--workbook", "--csv-dir"):
        done = run_into(empty_doj, option, "doj.csv/sub/out.xlsx")
        assert done.returncode == 2
        assert done.stderr.startswith("error: doj.csv/sub/out.xlsx")
        assert "cannot be written: doj.csv is a file, not a folder" in done.stderr
    done = run_into(empty_doj, "--csv-dir", "doj.csv")  # click's own check
    assert done.returncode == 2 and "Directory 'doj.csv' is a file" in done.stderr


def test_a_name_too_long_for_the_file_system_is_exit_2(empty_doj):
    name = "b" * 245 + ".xlsx"
    done = run_into(empty_doj, "--workbook", name)
    assert done.returncode == 2
    assert done.stderr == (
        f"error: {name}: the file name has 250 bytes: this file system takes names of at most "
        "255, and cmr-xl needs 19 more for the temporary copy it writes first. Choose a file "
        "name of at most 236 bytes; nothing was replaced\n")
    done = run_into(empty_doj, "--csv-dir", "c" * 300)
    assert done.returncode == 2 and "more than the 255 this file system allows" in done.stderr


def test_the_input_is_never_an_output(empty_doj):
    (empty_doj / "doj.csv").write_bytes(b"x")
    os.link(empty_doj / "doj.csv", empty_doj / "same.xlsx")
    os.link(empty_doj / "doj.csv", empty_doj / "doj.xlsx")
    for path in ("doj.xlsx", "./doj.xlsx", str(empty_doj / "doj.xlsx"), "same.xlsx"):
        done = run_into(empty_doj, "--workbook", path)
        assert done.returncode == 2
        assert done.stderr.startswith(f"error: {Path(path)}: is one of the input files. ")
    done = run_into(empty_doj, "--workbook", "doj.csv")  # not even a workbook name
    assert done.returncode == 2 and "a cmr-xl workbook is an Excel .xlsx file" in done.stderr
    assert (empty_doj / "doj.csv").read_bytes() == b"x"


def test_an_output_that_is_a_folder_or_a_fifo_is_exit_2(empty_doj):
    (empty_doj / "folder.xlsx").mkdir()
    os.mkfifo(empty_doj / "pipe.xlsx")
    done = run_into(empty_doj, "--workbook", "folder.xlsx")  # click's own check
    assert done.returncode == 2 and "File 'folder.xlsx' is a directory" in done.stderr
    (empty_doj / "summary.json").mkdir()
    done = run_into(empty_doj, "--csv-dir", ".")
    assert done.returncode == 2 and "error: summary.json: is a folder" in done.stderr
    done = run_into(empty_doj, "--workbook", "pipe.xlsx")
    assert done.returncode == 2 and "pipe.xlsx: is a pipe or a device, not a file" in done.stderr


def test_a_read_only_or_open_workbook_is_refused_by_every_command(sets, tmp_path):
    folder = prepared(sets, tmp_path)
    book = folder / BOOK
    before = digest(book)
    book.chmod(0o444)
    for argv in (run_args(), ["recalc", BOOK]):
        done = cmr(folder, *argv)
        assert done.returncode == 2
        assert done.stderr.startswith(f"error: {BOOK}: is read-only. ")
    book.chmod(0o644)
    for lock in ("~$book.xlsx", ".~lock.book.xlsx#"):
        (folder / "out" / lock).write_text("clerk")
        for argv in (run_args(), ["recalc", BOOK]):
            done = cmr(folder, *argv)
            assert done.returncode == 2
            assert done.stderr.startswith(f"error: {BOOK}: is open in Excel or LibreOffice "
                                          f"(lock file {lock}). ")
        (folder / "out" / lock).unlink()
    assert digest(book) == before and state(sets, folder) == "old"


# --- environment problems: exit 2, the file named ------------------------------------------


def test_a_fifo_or_a_pipe_as_the_doj_file_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "fifo.csv")  # no writer: opening it would hang
    for args in (["run", "fifo.csv"], ["explain", "fifo.csv"]):
        done = cmr(tmp_path, *args, "--county", COUNTY, "--as-of", NEW, timeout=60)
        assert done.returncode == 2
        assert done.stderr.startswith("error: fifo.csv: is a pipe (FIFO), not a file. ")
    done = cmr(tmp_path, "run", "/dev/stdin", "--county", COUNTY, "--as-of", NEW,
               timeout=60, input="RECORD_ID\n")
    assert done.returncode == 2
    assert done.stderr.startswith("error: /dev/stdin: is a pipe (FIFO), not a file. ")
    done = cmr(tmp_path, "run", "doj.csv", "--county", COUNTY, "--as-of", NEW,
               "--criteria", "fifo.csv", timeout=60)
    assert done.returncode == 2 and "fifo.csv: is a pipe (FIFO)" in done.stderr


@pytest.mark.parametrize("as_of", ["0202-07-01", "9999-12-31", "1899-12-31", "2200-01-01",
                                   "2101-01-01"])
def test_an_as_of_date_out_of_range_is_exit_2_before_any_work(empty_doj, as_of):
    """The range the criteria and the workbook take (criteria.DATE_RANGE): a later --as-of
    gave a workbook that could not be read back."""
    done = cmr(empty_doj, "run", "doj.csv", "--county", COUNTY, "--as-of", as_of)
    assert done.returncode == 2
    assert done.stderr.endswith(
        f"Error: Invalid value for '--as-of': {as_of} is outside the dates cmr-xl supports "
        "(1900-01-01 to 2100-12-31)\n")


@contextmanager
def tmpfs(folder: Path, size: str = "300k") -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(disk: Path, room: int) -> None:
    """Fill `disk` to leave about `room` KB free."""
    (disk / "filler").unlink(missing_ok=True)
    info = os.statvfs(disk)
    (disk / "filler").write_bytes(b"\0" * max(info.f_bavail * info.f_frsize - room * 1024, 0))


def test_a_full_disk_replaces_nothing_and_names_the_file(sets, tmp_path):
    with tmpfs(tmp_path / "disk") as disk:
        shutil.copyfile(sets["new"] / "doj.csv", tmp_path / "doj.csv")
        outcomes = []
        for room in range(0, 240, 16):
            shutil.rmtree(disk / "out", ignore_errors=True)
            (disk / "filler").unlink(missing_ok=True)
            shutil.copytree(sets["old"] / "out", disk / "out")
            fill(disk, room)
            done = cmr(tmp_path, "run", "doj.csv", "--county", COUNTY, "--as-of", NEW,
                       "--csv-dir", "disk/out", "--workbook", "disk/out/book.xlsx")
            assert done.returncode in (0, 2), done.stderr
            assert "Traceback" not in done.stderr and "internal error" not in done.stderr
            assert kinds_of(sets, disk) == {"new" if done.returncode == 0 else "old"}
            assert not [p for p in (disk / "out").iterdir() if p.name.startswith(".")]
            if done.returncode == 2:
                assert done.stderr.splitlines()[-1].startswith("error: disk/out/")
                assert "(the disk is full" in done.stderr
                assert done.stderr.endswith(
                    "Free some space on that disk or write to another folder; nothing was "
                    "replaced\n")
            outcomes.append(done.stderr.splitlines()[-1][:40])
        # the CSVs fitted and the workbook did not, at least once: still nothing replaced
        assert "error: disk/out/book.xlsx: could not be " in outcomes, outcomes
        assert any(o.startswith("wrote ") for o in outcomes), outcomes


def test_export_and_recalc_on_a_full_disk(sets, tmp_path):
    with tmpfs(tmp_path / "disk") as disk:
        book = sets["old"] / BOOK
        first = cmr(tmp_path, "export", str(book), "--out", "disk/court")
        assert first.returncode == 0, first.stderr
        assert len(list((disk / "court").iterdir())) >= 2
        shutil.copyfile(book, disk / "book.xlsx")
        statuses = set()
        for room in range(0, 160, 16):
            fill(disk, room)
            for argv in (["export", str(book), "--out", "disk/court"],
                         ["recalc", "disk/book.xlsx"]):
                copies = {p.name: digest(p) for p in (disk / "court").iterdir()}
                before = digest(disk / "book.xlsx")
                done = cmr(tmp_path, *argv)
                statuses.add((argv[0], done.returncode))
                assert done.returncode in (0, 2), done.stderr
                assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
                if done.returncode == 2:
                    assert "(the disk is full" in done.stderr
                    assert done.stderr.endswith("; nothing was replaced\n")
                    if argv[0] == "export":
                        assert {p.name: digest(p) for p in (disk / "court").iterdir()} == copies
                    else:
                        assert digest(disk / "book.xlsx") == before
                assert not [p for p in disk.rglob(".*")]
        assert statuses >= {("export", 2), ("recalc", 2)}


def test_a_read_only_folder_is_exit_2_before_the_doj_file_is_read(sets, tmp_path):
    (tmp_path / "doj.csv").write_bytes(b"")
    if os.geteuid() == 0:  # root writes anywhere a mode allows: make a read-only file system
        context = tmpfs(tmp_path / "disk")
    else:
        (tmp_path / "disk").mkdir()
        context = contextmanager(lambda: (yield tmp_path / "disk"))()
    with context as disk:
        shutil.copytree(sets["old"] / "out", disk / "out")
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        else:
            (disk / "out").chmod(0o555)
        try:
            done = run_into(tmp_path, "--workbook", "disk/out/book.xlsx")
            assert done.returncode == 2
            assert done.stderr == (
                "error: disk/out/book.xlsx: cannot be written: the folder disk/out is not "
                "writable. Choose a folder you can write to, or ask IT for write access; "
                "nothing was replaced\n")
            done = run_into(tmp_path, "--csv-dir", "disk/out/new")
            assert done.returncode == 2 and "the folder disk/out is not writable" in done.stderr
        finally:
            if os.geteuid() != 0:
                (disk / "out").chmod(0o755)

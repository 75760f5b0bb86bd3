"""End-to-end benchmark of `cmr-xl run` (issue #5): wall time, peak memory, rows per
second, and the ratio of our time to pyarrow's bare parse of the same file (the floor
for this job). Prints a table and writes it to bench/results.md.

    python bench/bench_run.py                 # 100k, 1M and 5M rows
    python bench/bench_run.py --rows 100000   # one size

Each run is a separate process so that peak RSS is that run's alone. Generated files are
cached in bench/out/ (git-ignored) and reused by seed and size. Its section of
bench/results.md is rewritten; the other sections are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from results_file import write_section

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROWS_PER_PERSON = 92  # what the generator averages; people = rows / this


def _measure(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command, measured with wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def generated(rows: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"doj_{rows}.csv"
    if not path.exists():
        people = max(rows // ROWS_PER_PERSON, 1)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cmr_xl.cli", "generate", "--county", "LOS ANGELES",
                        "--people", str(people), "--seed", "5", "--out", str(path)], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def parse_floor(path: Path) -> tuple[float, float]:
    """pyarrow's bare multi-threaded parse of the file, all columns as strings."""
    code = ("import sys, pyarrow as pa, pyarrow.csv as c\n"
            "names = open(sys.argv[1]).readline().strip().split(',')\n"
            "t = c.read_csv(sys.argv[1], convert_options=c.ConvertOptions("
            "column_types={n: pa.string() for n in names}))\n")
    return _measure([sys.executable, "-c", code, str(path)])


def run_once(path: Path, workbook: bool) -> tuple[float, float]:
    out = OUT / f"run_{path.stem}"
    argv = [sys.executable, "-m", "cmr_xl.cli", "run", str(path), "--county", "LOS ANGELES",
            "--as-of", "2020-07-01", "--csv-dir", str(out)]
    if workbook:
        argv += ["--workbook", str(out / "results.xlsx")]
    return _measure(argv)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append",
                        help="file sizes in rows (default 100k, 1M, 5M)")
    parser.add_argument("--no-workbook", action="store_true")
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000, 5_000_000]
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "| rows | file MB | pyarrow parse s | cmr-xl run s | ratio | rows/s | peak RSS MB | convictions |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in sizes:
        path = generated(rows)
        floor, _ = parse_floor(path)
        seconds, peak = run_once(path, workbook=not args.no_workbook)
        summary = json.loads((OUT / f"run_{path.stem}" / "summary.json").read_text())
        actual_rows = summary["rows"]["rows_read"]
        lines.append(
            f"| {actual_rows:,} | {path.stat().st_size / 1e6:,.0f} | {floor:.2f} | {seconds:.2f} "
            f"| {seconds / floor:.2f} | {actual_rows / seconds:,.0f} | {peak:,.0f} "
            f"| {summary['prop64_convictions']:,} |")
        print(lines[-1], file=sys.stderr)
    text = "\n".join(lines)
    print(text)
    write_section("bench_run", "## `cmr-xl run`, end to end (`python bench/bench_run.py`)\n\n"
                  "`cmr-xl run --csv-dir" + ("" if args.no_workbook else " --workbook")
                  + "`, each size in a fresh process; ratio = our wall time / pyarrow's bare "
                  f"parse of the same file. Measured {time.strftime('%Y-%m-%d')}.\n\n" + text)


if __name__ == "__main__":
    main()

"""Benchmark of the DOJ reader (`cmr_xl.doj`) against pyarrow's bare parse.

The whole pipeline's budget is 2.5x pyarrow's bare `read_csv` of the file, so the reader
must add little to it. This prints, for a generated file of about `--rows` rows: pyarrow's
`read_csv` time (all columns as strings, multi-threaded), the reader's time
(`iter_person_batches` to the end, every row normalised and placed), their ratio, and each
one's peak RSS.

    python bench/bench_reader.py                      # ~1M rows, 3 rounds
    python bench/bench_reader.py --rows 200000 --repeat 5
    python bench/bench_reader.py --defects 10000      # 1 defective line in 10,000

Each measurement runs in a fresh process (so peak RSS is that run's alone), floor and
reader alternate, and the best and median of the rounds are shown: shared machines are
noisy. Generated files are cached in bench/out/ (git-ignored). Its section of
bench/results.md is rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from results_file import write_section

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROWS_PER_PERSON = 92  # what the generator averages; people = rows / this


def generated(rows: int) -> Path:
    """The clean synthetic file (same name and seed as bench_run.py, so they share it)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"doj_{rows}.csv"
    if not path.exists():
        from cmr_xl.synthetic import generate_doj_file

        started = time.perf_counter()
        generate_doj_file(path, county="LOS ANGELES", people=max(rows // ROWS_PER_PERSON, 1),
                          seed=5)
        print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    return path


def with_defects(clean: Path, every: int) -> Path:
    """A copy of `clean` with one defect every `every` lines, cycling through the kinds
    the reader must survive: a trailing comma, a truncated row, a blank line, a stray
    quote, a CRLF line end, a quoted value with a line break."""
    path = clean.with_name(f"{clean.stem}_defects{every}.csv")
    if path.exists():
        return path
    kinds = [
        lambda line: line[:-1] + b",\n",
        lambda line: b",".join(line.split(b",")[:60]) + b"\n",
        lambda line: line + b"\n",
        lambda line: line.replace(b",#,", b',"#,', 1),
        lambda line: line[:-1] + b"\r\n",
        lambda line: line[:-2] + b'"#\n#"\n',  # legal: a quoted value with a line break
    ]
    with open(clean, "rb") as source, open(path.with_suffix(".part"), "wb") as out:
        out.write(source.readline())
        for number, line in enumerate(source):
            if number % every == every - 1:
                line = kinds[(number // every) % len(kinds)](line)
            out.write(line)
    path.with_suffix(".part").rename(path)
    return path


def child(kind: str, path: str) -> None:
    """One measurement in this process; prints JSON."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    started, cpu = time.perf_counter(), time.process_time()
    if kind == "floor":
        with open(path, encoding="utf-8") as handle:
            names = handle.readline().strip().split(",")
        skip = pacsv.ParseOptions(invalid_row_handler=lambda row: "skip")  # defective rows
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string())),
            parse_options=skip if "defects" in path else None)
        rows, extra = table.num_rows, {}
    else:
        from cmr_xl.doj import RowAccounting, iter_person_batches

        accounting = RowAccounting()
        rows = batches = 0
        for batch in iter_person_batches([path], accounting):
            rows += batch.num_rows
            batches += 1
        extra = {"batches": batches, "repaired": accounting.rows_repaired,
                 "rejected": accounting.rows_rejected, "blank": accounting.blank_lines}
    print(json.dumps({
        "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
        "rows": rows, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **extra}))


def measure(kind: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--defects", type=int, default=0,
                        help="also measure a copy with one defective line every N lines")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    files = [generated(args.rows)]
    if args.defects:
        files.append(with_defects(files[0], args.defects))
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; best (median) of {args.repeat} rounds",
        "",
        "| file | MB | rows | pyarrow read_csv s | reader s | ratio | CPU s pyarrow / reader "
        "| peak RSS MB pyarrow / reader | batches |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for line in lines:
        print(line)
    for path in files:
        floors, readers = [], []
        for _ in range(args.repeat):
            floors.append(measure("floor", path))
            readers.append(measure("reader", path))
        floor = min(f["seconds"] for f in floors)
        best = min(r["seconds"] for r in readers)
        last = readers[-1]
        lines.append(
            f"| {path.name} | {path.stat().st_size / 1e6:,.0f} | {last['rows']:,} "
            f"| {floor:.2f} ({statistics.median(f['seconds'] for f in floors):.2f}) "
            f"| {best:.2f} ({statistics.median(r['seconds'] for r in readers):.2f}) "
            f"| {best / floor:.2f} | {min(f['cpu'] for f in floors):.2f} / "
            f"{min(r['cpu'] for r in readers):.2f} "
            f"| {max(f['peak_mb'] for f in floors):,.0f} / "
            f"{max(r['peak_mb'] for r in readers):,.0f} | {last['batches']} |")
        print(lines[-1], flush=True)
        if last.get("rejected") or last.get("repaired"):
            lines.append(f"  (repaired {last['repaired']:,}, rejected {last['rejected']:,}, "
                         f"blank {last['blank']:,})")
            print(lines[-1])
    write_section("bench_reader", "## The DOJ reader alone (`python bench/bench_reader.py`)"
                  f"\n\nMeasured {time.strftime('%Y-%m-%d')}: the reader against pyarrow's bare "
                  "multi-threaded read_csv of the same file, each in a fresh process.\n\n"
                  + "\n".join(lines))

if __name__ == "__main__":
    main()

"""Criteria change -> new determinations through the Excel function path, 50,000 rows.

What Excel does when a clerk edits a criteria cell: every =CMR_DETERMINE(...) block of
the Live sheet is called again with Office.js-shaped arguments (the block of Results
rows, the header row, the criteria block). This bench builds those exact payloads from a
synthetic county, calls them through xlwings' own server machinery
(`xlwings.server.custom_functions_call`), checks the answers against the engine, and
prints the Python time: total, and split into converting cells in, the engine, and
converting cells out. It also times xlwings' default per-cell conversion on a sample,
the trap our "raw" arguments avoid.

    python bench/bench_recalc.py [--rows 50000]

Needs XLWINGS_LICENSE_KEY (set to "noncommercial" here: the xlwings server module is
under its PolyForm Noncommercial licence for this use).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings  # noqa: E402
import xlwings.server as server  # noqa: E402
from xlwings import conversion  # noqa: E402

from cmr_xl.engine.criteria import Criteria, criterion_specs  # noqa: E402
from cmr_xl.engine.eligibility import determine  # noqa: E402
from cmr_xl.engine.pipeline import run  # noqa: E402
from cmr_xl.engine.results_columns import DETERMINATION, FACT_COLUMNS  # noqa: E402
from cmr_xl.engine.synthetic import generate_doj_file  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
PEOPLE_PER_ROW = 0.67  # synthetic counties have ~1.5 county Prop 64 convictions per person


def server_functions():
    """Our functions module decorated as xlwings Server decorates it (XLWINGS_ON_SERVER)."""
    for name in ("func", "arg", "ret", "script"):
        setattr(xlwings, name, getattr(server, name))
    import cmr_xl.xlwings_app.functions as functions

    return importlib.reload(functions)


def criteria_block(criteria: Criteria) -> list[list]:
    """Criteria!A5:C23 as Office.js sends it: keys, labels, values (dates as serials)."""
    from cmr_xl.xlwings_app.cells import EXCEL_EPOCH

    block = []
    for spec in criterion_specs():
        value = getattr(criteria, spec.key)
        if spec.kind == "date":
            value = float((value - EXCEL_EPOCH.date()).days)
        elif spec.kind == "switch":
            value = "yes" if value else "no"
        elif spec.kind == "number":
            value = float(value)
        elif spec.kind == "overrides":
            value = ""
        else:
            value = spec.choices[value]
        block.append([spec.key, spec.label, value])
    return block


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    functions = server_functions()
    from cmr_xl.xlwings_app.cells import cells_from_frame, criteria_from_cells, facts_from_cells

    OUT.mkdir(exist_ok=True)
    people = int(args.rows * PEOPLE_PER_ROW)
    doj = OUT / f"bench_recalc_{people}.csv"
    if not doj.exists():
        generate_doj_file(doj, county="SACRAMENTO", people=people, seed=64)
    facts = run([doj], "SACRAMENTO", Criteria()).facts.iloc[: args.rows]
    header = [c.label for c in FACT_COLUMNS]
    rows = cells_from_frame(facts, FACT_COLUMNS)
    changed = Criteria().with_changes(felony_11359="dismiss")
    block = criteria_block(changed)
    sizes = functions.row_bytes(rows[:1000])
    per_row = max(sum(sizes) // len(sizes), 1) + 300  # arguments plus a generous result
    bounds = functions.block_bounds(facts["person_id"].tolist(), [per_row] * len(rows))
    payloads = [{
        "func_name": "cmr_determine", "args": [rows[a:b], block, [header]],
        "caller_address": f"Live!A{a + 2}", "version": xlwings.__version__, "runtime": "1.4",
        "client": "Office.js", "content_language": "en-US",
    } for a, b in bounds]

    started = time.perf_counter()
    answers = [asyncio.run(server.custom_functions_call(p, functions)) for p in payloads]
    total = time.perf_counter() - started

    # The same work split into its parts, for the report.
    t0 = time.perf_counter()
    tables = [facts_from_cells(header, rows[a:b]) for a, b in bounds]
    criteria = criteria_from_cells(block)
    t1 = time.perf_counter()
    results = [determine(t, criteria) for t in tables]
    t2 = time.perf_counter()
    for result in results:
        cells_from_frame(result, DETERMINATION)
    t3 = time.perf_counter()

    expected = determine(facts.reset_index(drop=True), changed)
    got = [row[3] for answer in answers for row in answer]
    assert got == expected["determination"].tolist(), "function path differs from the engine"

    sample = [[*row] for row in rows[:2000]]
    t4 = time.perf_counter()
    conversion.read(None, sample, {}, engine_name="officejs")
    per_cell = (time.perf_counter() - t4) / (len(sample) * len(header))

    largest = max(b - a for a, b in bounds)
    print(f"{len(rows):,} convictions x {len(header)} fact columns in {len(bounds)} blocks "
          f"(max {largest:,} rows, ~{per_row * largest / 1e6:.1f} MB per call)")
    print(f"criteria change -> new determinations through custom_functions_call: {total:.3f} s")
    print(f"  cells -> facts + criteria {t1 - t0:.3f} s | engine {t2 - t1:.3f} s | "
          f"results -> cells {t3 - t2:.3f} s")
    print(f"  xlwings default per-cell conversion: {per_cell * 1e6:.1f} us/cell -> "
          f"{per_cell * len(rows) * len(header):.1f} s for these arguments (avoided: 'raw')")


if __name__ == "__main__":
    main()

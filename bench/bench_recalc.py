"""Criteria change -> new determinations through the Excel function path, 50,000 rows.

What Excel does when a clerk edits a criteria cell: every =CMR_DETERMINE(...) block of
the Live sheet is called again with Office.js-shaped arguments (its block of packed fact
cells, the packed header cell, the criteria block), blocks cut as make_live cuts them.
This bench builds those payloads from a synthetic county, calls them through xlwings' own server machinery
(`xlwings.server.custom_functions_call`), checks the answers against the engine, and
prints the Python time: total, and split into converting cells in, the engine, and
converting cells out; its section of bench/results.md is rewritten. It also times
xlwings' default per-cell conversion on a sample, the trap our "raw" arguments avoid.

    python bench/bench_recalc.py [--rows 50000] [--repeat 5]

Needs XLWINGS_LICENSE_KEY (set to "noncommercial" here: the xlwings server module is
under its PolyForm Noncommercial licence for this use).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings  # noqa: E402
import xlwings.server as server  # noqa: E402
from results_file import write_section  # noqa: E402
from xlwings import conversion  # noqa: E402

from cmr_xl.engine.pipeline import run  # noqa: E402
from cmr_xl.rules.criteria import Criteria, criterion_specs  # noqa: E402
from cmr_xl.rules.eligibility import determine  # noqa: E402
from cmr_xl.rules.results_columns import DETERMINATION, FACT_COLUMNS  # noqa: E402
from cmr_xl.synthetic import generate_doj_file  # noqa: E402

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
    from cmr_xl.engine.cell_values import serial_from_date

    block = []
    for spec in criterion_specs():
        value = getattr(criteria, spec.key)
        if spec.kind == "date":
            value = float(serial_from_date(value))
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
    parser.add_argument("--repeat", type=int, default=5, help="recalculations timed")
    args = parser.parse_args()
    functions = server_functions()
    from cmr_xl.xlwings_app.cells import (
        PACKED_FACTS,
        cells_from_frame,
        packed_facts_block,
        packed_text,
    )

    OUT.mkdir(exist_ok=True)
    people = int(args.rows * PEOPLE_PER_ROW)
    doj = OUT / f"bench_recalc_{people}.csv"
    if not doj.exists():
        generate_doj_file(doj, county="SACRAMENTO", people=people, seed=64)
    facts = run([doj], "SACRAMENTO", Criteria()).facts.iloc[: args.rows].reset_index(drop=True)
    header = [c.label for c in FACT_COLUMNS]
    rows = cells_from_frame(facts, FACT_COLUMNS)  # Results!A:AI as Office.js sends them
    # The Live sheet as make_live lays it out: each conviction's engine facts packed into
    # one cell by Excel formulas (packed_text gives the same text; test_live_sheet checks
    # it against LibreOffice), blocks sized by those cells plus the current answers.
    packed_header = packed_text([c.label for c in PACKED_FACTS])
    packed = [[packed_text(row)] for row in cells_from_frame(facts, PACKED_FACTS)]
    before = cells_from_frame(determine(facts, Criteria()), DETERMINATION)
    bounds = functions.block_bounds(facts["person_id"].tolist(),
                                    functions.call_bytes(packed, before))
    changed = Criteria().with_changes(felony_11359="dismiss")
    block = criteria_block(changed)
    payloads = [{
        "func_name": "cmr_determine", "args": [packed[a:b], block, [[packed_header]]],
        "caller_address": f"Live!A{a + 2}", "version": xlwings.__version__, "runtime": "1.4",
        "client": "Office.js", "content_language": "en-US",
    } for a, b in bounds]

    def recalculate() -> tuple[list, float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        answers = [asyncio.run(server.custom_functions_call(p, functions)) for p in payloads]
        return answers, time.perf_counter() - wall, time.process_time() - cpu

    runs = [recalculate() for _ in range(args.repeat)]
    answers = runs[0][0]
    walls = sorted(r[1] for r in runs)
    cpus = sorted(r[2] for r in runs)

    expected = determine(facts, changed)
    got = [row[3] for answer in answers for row in answer]
    assert got == expected["determination"].tolist(), "function path differs from the engine"

    # The same work split into its parts, for the report (best of three).
    def best(work) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return min(times)

    tables = [packed_facts_block(packed_header, packed[a:b]).facts for a, b in bounds]
    results = [determine(t, changed) for t in tables]
    cells_in = best(lambda: [packed_facts_block(packed_header, packed[a:b]) for a, b in bounds])
    engine = best(lambda: [determine(t, changed) for t in tables])
    cells_out = best(lambda: [cells_from_frame(r, DETERMINATION) for r in results])
    # The same recalculation with Results rows passed cell by cell (35 columns), as
    # =CMR_DETERMINE(Results!A2:AI..., ...) would: what packing saves.
    grid_bounds = functions.block_bounds(facts["person_id"].tolist(),
                                         functions.call_bytes(rows, before))
    grid = best(lambda: [asyncio.run(server.custom_functions_call({
        **payloads[0], "args": [rows[a:b], block, [header]]}, functions))
        for a, b in grid_bounds])
    # Outside the function, in xlwings Server's web framework: JSON in and out.
    bodies = [json.dumps(p) for p in payloads]
    decode = best(lambda: [json.loads(body) for body in bodies])
    encode = best(lambda: [json.dumps(answer) for answer in answers])

    sample = [[*row] for row in rows[:2000]]
    t4 = time.perf_counter()
    conversion.read(None, sample, {}, engine_name="officejs")
    per_cell = (time.perf_counter() - t4) / (len(sample) * len(header))

    largest = max(b - a for a, b in bounds)
    request_mb = max(len(body) for body in bodies) / 1e6
    lines = [
        f"{len(rows):,} convictions, facts packed one cell per conviction (Live sheet), in "
        f"{len(bounds)} blocks (max {largest:,} rows; largest request {request_mb:.1f} MB)",
        f"criteria change -> new determinations through custom_functions_call: "
        f"{statistics.median(walls):.3f} s median of {args.repeat} (best {walls[0]:.3f} s; "
        f"CPU {statistics.median(cpus):.3f} s)",
        f"  packed cells -> facts {cells_in:.3f} s | engine {engine:.3f} s | "
        f"results -> cells {cells_out:.3f} s",
        f"  not counted above, xlwings Server's web framework: JSON decode of the requests "
        f"{decode:.3f} s, encode of the answers {encode:.3f} s",
        f"  the same with Results rows cell by cell ({len(header)} columns, "
        f"{len(grid_bounds)} blocks): {grid:.3f} s",
        f"  xlwings default per-cell conversion: {per_cell * 1e6:.1f} us/cell -> "
        f"{per_cell * len(rows) * len(header):.1f} s for Results rows (avoided: 'raw')",
    ]
    print("\n".join(lines))
    write_section("bench_recalc", "## Criteria change through the Excel function path "
                  "(`python bench/bench_recalc.py`)\n\n"
                  f"Measured {time.strftime('%Y-%m-%d')}; target (issues #3, #5): under 0.5 s "
                  "of Python for 50,000 convictions.\n\n```\n" + "\n".join(lines) + "\n```")


if __name__ == "__main__":
    main()

"""Sizes and times of every script and function block at a county's size, against the
real xlwings Server (`cmr-xl serve` on 127.0.0.1, called as cmr.js calls it).

    python bench/bench_server.py --convictions 50000

Office.js (Excel on the web) allows ~5 MB per request and response: what matters is the
largest piece read from Excel and sent ahead (/cmr/stage), the script request (a workbook
without values), the largest batch of actions applied in one Excel.run (cmr.js: 3 MB), and
each =CMR_DETERMINE block in + out. The HTTP answer of a script may be larger than 5 MB
(it is not an Office.js call); it is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_server import BOOK, _free_port, _get, _lazy_payload, _post  # noqa: E402
from xlwings_helpers import function_call, sheet_values  # noqa: E402

from cmr_xl.workbook import layout as L  # noqa: E402
from cmr_xl.xlwings_app.cells import PACKED_FACTS, packed_text  # noqa: E402
from cmr_xl.xlwings_app.functions import block_bounds, call_bytes  # noqa: E402

CLI = [sys.executable, "-m", "cmr_xl.cli"]
PIECE_BYTES, ACTION_BYTES = 2_000_000, 3_000_000


def stage(base, sheets):
    """As cmr.js: pieces of ~2 MB; returns token and the largest piece."""
    token, largest = "", 0
    for name, rows in sheets.items():
        start, step = 0, 1000
        while start < len(rows):
            body = {"staged": token, "sheet": name, "start": start, "rows": rows[start:start + step]}
            size = len(json.dumps(body))
            largest = max(largest, size)
            token = _post(base + "/cmr/stage", body)["staged"]
            start += step
            step = max(100, step * PIECE_BYTES // max(size, 1))
    return token, largest


def batches(actions):
    sizes, current = [], 0
    for action in actions:
        size = len(json.dumps(action))
        if current and current + size > ACTION_BYTES:
            sizes.append(current)
            current = 0
        current += size
    return sizes + [current]


def script(base, name, book, include, sheets, extra=()):
    started = time.perf_counter()
    token, piece = stage(base, sheets) if sheets else ("", 0)
    payload = _lazy_payload(book, include)
    payload["args"] = [*extra, token] if sheets else list(extra)
    request = len(json.dumps(payload))
    answer = _post(f"{base}/xlwings/custom-scripts-call/{name}", payload)
    seconds = time.perf_counter() - started
    response = len(json.dumps(answer))
    return (f"| {name} | {piece / 1e6:.2f} | {request / 1e6:.3f} | {response / 1e6:.2f} | "
            f"{max(batches(answer['actions'])) / 1e6:.2f} | {seconds:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--convictions", type=int, default=50_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-server-"))
    people = max(10, args.convictions * 800 // 1175)  # ~1.47 county convictions a person
    doj = root / "doj.csv"
    subprocess.run(CLI + ["generate", "--county", "sacramento", "--people", str(people),
                          "--seed", "1", "--out", str(doj)], check=True, capture_output=True)
    book = root / "county.xlsx"
    subprocess.run(CLI + ["run", str(doj), "--county", "SACRAMENTO", "--as-of", "2020-07-01",
                          "--workbook", str(book)], check=True, capture_output=True)
    sheets = {name: sheet_values(book, name) for name in BOOK}
    n = len(sheets[L.RESULTS]) - 1
    port = _free_port()
    server = subprocess.Popen(CLI + ["serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                              env={**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(base + "/")
                break
            except OSError:
                time.sleep(0.25)
        print(f"{n:,} convictions ({people:,} people), xlwings Server 1.20 on 127.0.0.1\n")
        print("| script | largest piece sent ahead MB | script request MB | script answer MB "
              "(HTTP) | largest action batch MB | seconds |")
        print("|---|---|---|---|---|---|")
        print(script(base, "recalculate", book, BOOK, sheets))
        print(script(base, "make_live", book, [L.RESULTS, "Live"], {L.RESULTS: sheets[L.RESULTS]}))
        print(script(base, "freeze_results", book, [L.RESULTS], {L.RESULTS: sheets[L.RESULTS]}))
        results = sheets[L.RESULTS]
        names = [str(x) for x in results[0]]
        columns = [names.index(c.label) for c in PACKED_FACTS]
        packed = [[packed_text([row[i] for i in columns])] for row in results[1:]]
        header = "|".join(c.label for c in PACKED_FACTS)
        person = names.index(next(c.label for c in PACKED_FACTS if c.key == "person_id"))
        at = [names.index(label) for label in ("DA decision", "DA grounds")]
        decisions = [[row[i] for i in at] for row in results[1:]]  # as make_live passes them
        bounds = block_bounds([r[person] for r in results[1:]],
                              call_bytes([p + d for p, d in zip(packed, decisions, strict=True)]))
        criteria = sheets[L.CRITERIA]
        cells = L.criterion_cells()
        block = [row[:3] for row in criteria[cells[0].row:cells[-1].row + 1]]
        worst_in = worst_out = 0
        started = time.perf_counter()
        for start, end in bounds:
            call = function_call("cmr_determine", packed[start:end], block, [[header]], "",
                                 decisions[start:end])
            body = json.dumps(call)
            answer = _post(base + "/xlwings/custom-functions-call", call)
            worst_in = max(worst_in, len(body))
            worst_out = max(worst_out, len(json.dumps(answer)))
        print(f"\n=CMR.CMR_DETERMINE: {len(bounds)} blocks, largest request "
              f"{worst_in / 1e6:.2f} MB, largest answer {worst_out / 1e6:.2f} MB, "
              f"all blocks {time.perf_counter() - started:.1f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

"""The CSV bundle: prop64_results.csv (original DOJ columns of each conviction, then our
facts and determination), summary.json and rejected_rows.csv, written atomically as part
of the command's output set.

Text from the DOJ file is neutralised against formula injection: a spreadsheet opening
the CSV must never evaluate a cell that starts with = + - @ tab or carriage return.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cmr_xl.engine.pipeline import RunResult
from cmr_xl.output.files import atomic_path
from cmr_xl.rules.results_columns import DETERMINATION, FACT_COLUMNS

RESULTS_CSV = "prop64_results.csv"
SUMMARY_JSON = "summary.json"
REJECTS_CSV = "rejected_rows.csv"
#: Convictions naming HS 11357-11360 that get no determination here, each with why.
SET_ASIDE_CSV = "set_aside_convictions.csv"
#: A formula start, also after leading spaces or line breaks: LibreOffice's CSV import with
#: "Trim spaces" on turns " =1+1" into a live formula.
FORMULA_LIKE = r"^(?:[\t\r]|\s*[=+\-@])"
#: The bundle's files, in the order written, by the keys `write_csv_bundle` returns.
BUNDLE = {"results": RESULTS_CSV, "summary": SUMMARY_JSON, "rejects": REJECTS_CSV,
          "set_aside": SET_ASIDE_CSV}


def _neutralise_arrow(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_LIKE), False)
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def results_table(result: RunResult) -> pa.Table:
    """The rows of prop64_results.csv, in file order: the original DOJ columns of each
    conviction, then our facts and determination, text neutralised, dates as YYYY-MM-DD."""
    shown = result.shown().to_numpy()
    original = result.original_rows.filter(pa.array(shown))
    ours = pd.concat([result.facts[shown].reset_index(drop=True),
                      result.determinations[shown].reset_index(drop=True)], axis=1)
    columns = FACT_COLUMNS + DETERMINATION
    arrays, names = list(original.columns), list(original.column_names)
    for column in columns:
        values = ours[column.key]
        if column.kind == "date":
            array = pa.array(pd.to_datetime(values).dt.date, type=pa.date32(), from_pandas=True)
        elif column.kind == "bool":
            array = pa.array(values.astype("boolean"), type=pa.bool_(), from_pandas=True)
        elif column.kind == "number":
            array = pa.array(pd.to_numeric(values), from_pandas=True)
        else:
            array = pa.array(values.astype("string"), type=pa.string(), from_pandas=True)
        arrays.append(array)
        names.append(column.label)
    return _neutralised(pa.table(arrays, names=names))


def _neutralised(table: pa.Table) -> pa.Table:
    """Every text column of `table` made safe to open in a spreadsheet."""
    columns = [_neutralise_arrow(c) if pa.types.is_string(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names)


def _write_csv(table: pa.Table, target: Any) -> None:
    pacsv.write_csv(table, target, pacsv.WriteOptions(quoting_style="needed"))


def write_results_csv(result: RunResult, target: Any) -> None:
    """prop64_results.csv to a path or binary file object (Arrow's CSV writer: fast)."""
    _write_csv(results_table(result), target)


def bundle_paths(directory: str | Path) -> list[Path]:
    """Every file the bundle writes into `directory` (the targets of a run's output set)."""
    return [Path(directory) / name for name in BUNDLE.values()]


def _write_csv_file(target: Path, table: pa.Table) -> None:
    """`table` (text already neutralised) as the CSV file `target`, staged in the output set."""
    with atomic_path(target) as temporary, open(temporary, "wb") as handle:
        _write_csv(table, handle)


def write_csv_bundle(result: RunResult, directory: str | Path) -> dict[str, Path]:
    """Write the bundle into `directory`; returns the paths written (replaced when the
    command's output set commits)."""
    written = {key: Path(directory) / name for key, name in BUNDLE.items()}
    _write_csv_file(written["results"], results_table(result))
    with atomic_path(written["summary"]) as temporary:
        temporary.write_text(json.dumps(summary_document(result), indent=2, default=str) + "\n",
                             encoding="utf-8")
    rejects = result.accounting.rejects
    table = pa.table({
        "file": pa.array([r.file for r in rejects], pa.string()),
        "line": pa.array([r.line for r in rejects], pa.int64()),
        "reason": pa.array([r.reason for r in rejects], pa.string()),
        "text": pa.array([r.text for r in rejects], pa.string()),
    })
    _write_csv_file(written["rejects"], _neutralised(table))
    set_aside = pa.Table.from_pandas(result.set_aside.astype(
        {c: "string" for c in result.set_aside.columns if c != "source_line"}),
        preserve_index=False)
    _write_csv_file(written["set_aside"], _neutralised(set_aside))
    return written


def summary_document(result: RunResult) -> dict[str, Any]:
    return {**result.summary, "audit": result.audit()}

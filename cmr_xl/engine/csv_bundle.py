"""The CSV bundle: prop64_results.csv (original DOJ columns of each conviction, then our
facts and determination) and summary.json, written atomically.

Text from the DOJ file is neutralised against formula injection: a spreadsheet opening
the CSV must never evaluate a cell that starts with = + - @ tab or carriage return.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from cmr_xl.engine.doj_format import DOJ_COLUMNS
from cmr_xl.engine.pipeline import RunResult
from cmr_xl.engine.results_columns import DETERMINATION, FACT_COLUMNS

RESULTS_CSV = "prop64_results.csv"
SUMMARY_JSON = "summary.json"
REJECTS_CSV = "rejected_rows.csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: pd.Series) -> pd.Series:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    values = text.astype("string")
    risky = values.str.startswith(FORMULA_STARTS, na=False)
    return values.where(~risky, "'" + values)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Write to a temporary file beside `path`, then replace it in one step: a crash
    mid-write never leaves a half-written file where the old one was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def results_frame(result: RunResult) -> pd.DataFrame:
    """The rows of prop64_results.csv, in file order."""
    shown = result.shown().to_numpy()
    original = result.original_rows.to_pandas()[shown].reset_index(drop=True)
    facts = result.facts[shown].reset_index(drop=True)
    determined = result.determinations[shown].reset_index(drop=True)
    ours = pd.concat([facts, determined], axis=1)
    ours.columns = [c.label for c in FACT_COLUMNS + DETERMINATION]
    frame = pd.concat([original[list(DOJ_COLUMNS)], ours], axis=1)
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype).startswith(("str", "string")):
            frame[column] = neutralise(frame[column])
        elif str(frame[column].dtype).startswith("datetime"):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return frame


def write_csv_bundle(result: RunResult, directory: str | Path) -> dict[str, Path]:
    """Write the bundle into `directory`; returns the paths written."""
    directory = Path(directory)
    written = {}
    target = directory / RESULTS_CSV
    with atomic_path(target) as temporary:
        results_frame(result).to_csv(temporary, index=False, lineterminator="\n")
    written["results"] = target
    target = directory / SUMMARY_JSON
    with atomic_path(target) as temporary:
        temporary.write_text(json.dumps(summary_document(result), indent=2, default=str) + "\n",
                             encoding="utf-8")
    written["summary"] = target
    rejects = result.accounting.rejects
    target = directory / REJECTS_CSV
    with atomic_path(target) as temporary:
        frame = pd.DataFrame([vars(r) for r in rejects],
                             columns=["file", "line", "reason", "text"])
        frame["text"] = neutralise(frame["text"])
        frame.to_csv(temporary, index=False, lineterminator="\n")
    written["rejects"] = target
    return written


def summary_document(result: RunResult) -> dict[str, Any]:
    return {**result.summary, "audit": result.audit()}

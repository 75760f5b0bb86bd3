"""One way through: DOJ files -> rows -> convictions with facts -> determinations ->
summary. Adapters (CLI, workbook, xlwings, output) call `run`, `redetermine`,
`determine_rows` and `trace_steps`, nothing deeper (an import-linter contract in setup.cfg
keeps them out of the rule modules, which they may read only for vocabulary and data).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.doj import RowAccounting, iter_person_batches, normalize_columns
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.engine.counties import county_key
from cmr_xl.rules.criteria import Criteria, dismiss_all_prop64
from cmr_xl.rules.eligibility import determine, trace_steps
from cmr_xl.rules.facts import (
    convictions_from_table,
    empty_facts,
    empty_set_aside,
)
from cmr_xl.rules.outcomes import PROP64_TYPE
from cmr_xl.rules.summary import summarize

__all__ = ["RunResult", "determine_rows", "redetermine", "run", "trace_steps"]


@dataclass
class RunResult:
    """Everything a run produced; rows of facts, determinations and original_rows align."""

    county: str
    criteria: Criteria
    scenarios: list[Criteria]
    facts: pd.DataFrame
    determinations: pd.DataFrame
    original_rows: pa.Table
    accounting: RowAccounting
    set_aside: pd.DataFrame  # convictions naming HS 11357-11360 not determined, and why
    summary: dict[str, Any]
    inputs: list[str] = field(default_factory=list)
    started: str = ""
    seconds: float = 0.0

    @property
    def as_of(self) -> date:
        return self.criteria.as_of

    def shown(self) -> pd.Series:
        """Rows that outputs show: every Prop 64 conviction, and related charges only
        when the criteria review them."""
        prop64 = self.facts["conviction_type"] == PROP64_TYPE
        return prop64 | self.criteria.related_charges

    def audit(self) -> dict[str, Any]:
        """What a later reader needs to reproduce and defend the determinations."""
        return {
            "cmr_xl_version": __version__,
            "county": self.county,
            "as_of": self.as_of.isoformat(),
            "inputs": [vars(f) for f in self.accounting.files],
            "criteria": self.criteria.as_mapping(),
            "criteria_name": self.criteria.name,
            "started": self.started,
            "seconds": round(self.seconds, 3),
        }


ProgressCallback = Callable[[int], None]


def run(
    paths: Sequence[str | Path],
    county: str,
    criteria: Criteria,
    scenarios: Sequence[Criteria] = (),
    *,
    progress: ProgressCallback | None = None,
    read_done: Callable[[], None] | None = None,
) -> RunResult:
    """Read the DOJ files (streaming, person by person), build facts, determine. The
    county may be typed as a user types it (`los_angeles`, `Los Angeles County`).
    `progress` hears the rows read; `read_done`, that reading is over and determining
    begins (a progress bar says so)."""
    started = datetime.now(UTC)
    county = county_key(county)
    _refuse_repeated_files(paths)
    accounting = RowAccounting()
    facts_parts: list[pd.DataFrame] = []
    original_parts: list[pa.Table] = []
    set_aside_parts: list[pd.DataFrame] = []
    counties: Counter[str] = Counter()
    for batch in iter_person_batches([str(p) for p in paths], accounting):
        for item in pc.value_counts(batch["STP_ORI_CNTY_NAME"]).to_pylist():
            if item["values"]:
                counties[str(item["values"]).strip().upper()] += item["counts"]
        _refuse_excel_copies(accounting)
        if progress:
            progress(batch.num_rows)
        found = convictions_from_table(batch, county)
        accounting.convictions_read += found.convictions_total
        if len(found.set_aside):
            set_aside_parts.append(found.set_aside)
        if len(found.facts) == 0:
            continue
        facts_parts.append(found.facts)
        original_parts.append(normalize_columns(
            batch.select(list(DOJ_COLUMNS)).take(found.row_index)))
    _refuse_same_content(accounting)
    if county not in counties:
        close = difflib.get_close_matches(county, list(counties), n=1)
        most = ", ".join(f"{name} ({count:,} rows)" for name, count in counties.most_common(5))
        raise InputError(
            where=", ".join(str(p) for p in paths),
            what=f"no court step in county {county!r} in the file",
            fix=(f"Did you mean {close[0]}? " if close else "")
            + f"Check --county; the counties with most rows here: {most or 'none'}",
        )
    facts = pd.concat(facts_parts, ignore_index=True) if facts_parts else empty_facts()
    set_aside = (pd.concat(set_aside_parts, ignore_index=True) if set_aside_parts
                 else empty_set_aside())
    accounting.set_aside = {str(k): int(v) for k, v in
                            set_aside["set_aside_reason"].value_counts().sort_index().items()}
    original = (pa.concat_tables(original_parts) if original_parts
                else pa.table({c: pa.array([], pa.string()) for c in DOJ_COLUMNS}))
    if not criteria.related_charges:  # their history is in the facts; rows are not needed
        keep = (facts["conviction_type"] == PROP64_TYPE).to_numpy()
        facts = facts[keep].reset_index(drop=True)
        original = original.filter(pa.array(keep))
    if read_done:
        read_done()
    result = RunResult(
        county=county, criteria=criteria, scenarios=list(scenarios), facts=facts,
        determinations=pd.DataFrame(), original_rows=original, accounting=accounting,
        set_aside=set_aside,
        summary={}, inputs=[str(p) for p in paths], started=started.isoformat(),
    )
    result.determinations, result.summary = redetermine(
        facts, criteria, scenarios, county=county, accounting=accounting.as_dict())
    result.seconds = (datetime.now(UTC) - started).total_seconds()
    return result


def _refuse_repeated_files(paths: Sequence[str | Path]) -> None:
    """The same file given twice would count every conviction twice."""
    seen: dict[Path, str] = {}
    for given in paths:
        resolved = Path(given).resolve()
        if resolved in seen:
            raise InputError(where=str(given), what=f"is given twice (also as {seen[resolved]})",
                             fix="Give each DOJ file once")
        seen[resolved] = str(given)


def _refuse_same_content(accounting: RowAccounting) -> None:
    """Two names for one content (a copy of the same DOJ file) would count twice too."""
    by_hash: dict[str, str] = {}
    for report in accounting.files:
        if report.sha256 in by_hash:
            raise InputError(where=report.path, what=f"has the same content as {by_hash[report.sha256]} "
                             f"(SHA-256 {report.sha256[:12]}...)", fix="Give each DOJ file once")
        by_hash[report.sha256] = report.path


def _refuse_excel_copies(accounting: RowAccounting) -> None:
    """A file re-saved by Excel has lost leading zeros and rewritten ids and dates: its
    determinations could name the wrong person or date, so it is refused, not guessed."""
    for given in accounting.excel_resaved:
        note = next((n for n in accounting.notes if n.startswith(f"{given} looks opened")), "")
        raise InputError(where=given, what=note[len(given):].strip() or
                         "looks opened and saved again in Excel")


def redetermine(
    facts: pd.DataFrame,
    criteria: Criteria,
    scenarios: Sequence[Criteria] = (),
    *,
    county: str,
    accounting: dict[str, Any] | None = None,
    decisions: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Determinations and summary from the compact facts table alone: a criteria change
    never re-reads the DOJ file. The DA's `decisions` (a saved workbook's) decide the final
    outcome under the chosen criteria; what-if scenarios show the determinations alone."""
    determinations = determine(facts, criteria, decisions)
    everything = determine(facts, dismiss_all_prop64(criteria.as_of))
    what_ifs = [(s, determine(facts, s)) for s in scenarios]
    summary = summarize(facts, determinations, criteria, county=county,
                        dismiss_all=everything, scenarios=what_ifs, accounting=accounting)
    return determinations, summary


def determine_rows(facts: pd.DataFrame, criteria: Criteria,
                   decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Determinations of a block of facts rows alone, no summary: what an xlwings function
    answers for the rows Excel sends it, the same rules `redetermine` applies."""
    return determine(facts, criteria, decisions)

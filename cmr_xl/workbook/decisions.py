"""What export checks of the DA's decisions before anything reaches a court.

- The Final outcome column must follow the DA decisions as they are now: a decision typed
  after the last recalculation is refused by cell (recalculate first), so a court never
  gets an outcome the DA did not choose.
- A conviction still in Hand review (no decision) is refused, naming how many and the
  first cells, unless the clerk sends them as pending ("Pending DA review"); then the
  export says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cmr_xl.common.errors import InputError
from cmr_xl.rules import da_decision
from cmr_xl.rules.outcomes import HAND_REVIEW
from cmr_xl.workbook import layout as L

FIRST_CELLS = 5  # how many cells a message names


def _where(path: Path, cells: str) -> str:
    """'BOOK.xlsx, sheet Results, cell F5' or '..., cells F5, F9 and 3 more'."""
    word = "cells" if ("," in cells or " and " in cells) else "cell"
    return f"{L.place(path, L.RESULTS)}, {word} {cells}"


def _cells(cases: pd.DataFrame, mask: pd.Series, key: str, sheet_row: str) -> str:
    col = cases.attrs["columns"][key]
    refs = [L.a1(int(row), col) for row in cases.loc[mask.to_numpy(), sheet_row].head(FIRST_CELLS)]
    more = int(mask.sum()) - len(refs)
    return ", ".join(refs) + (f" and {more:,} more" if more > 0 else "")


def check_decisions(cases: pd.DataFrame, path: Path, send_pending: bool,
                    sheet_row: str) -> list[str]:
    """Refuse stale outcomes and (unless `send_pending`) undecided Hand review rows; the
    notes to print when pending rows are sent. `cases` are court_copies.read_cases'."""
    if "da_decision" not in cases or "outcome" not in cases:
        return []
    normalised, refused = da_decision.normalise_all(cases["da_decision"])
    words = pd.Series(normalised, index=cases.index, dtype=object)
    if refused:
        bad = pd.Series(False, index=cases.index)
        bad.iloc[refused] = True
        raise InputError(
            _where(path, _cells(cases, bad, "da_decision", sheet_row)),
            f"{da_decision.shown(cases['da_decision'].iloc[refused[0]])} is not a DA decision "
            f"({len(refused):,} cell(s))", f"{da_decision.dropdown_fix()}; nothing was written")
    expected = da_decision.decided_outcomes(cases["determination"], words)
    stale = (expected != cases["outcome"]).fillna(True)
    if stale.any():
        raise InputError(
            _where(path, _cells(cases, stale, "da_decision", sheet_row)),
            f"{int(stale.sum()):,} DA decision(s) changed after the results were computed "
            "(the Final outcome does not follow them yet)",
            f"Recalculate first (the add-in's Recalculate button, or `cmr-xl recalc "
            f"{path.name}`), then export again; nothing was written")
    pending = cases["outcome"] == HAND_REVIEW
    if not pending.any():
        return []
    count = int(pending.sum())
    where = _cells(cases, pending, "da_decision", sheet_row)
    if not send_pending:
        raise InputError(
            _where(path, where),
            f"{count:,} Hand review conviction(s) have no DA decision",
            "Choose dismiss, reduce or challenge in each 'DA decision' cell and recalculate, "
            f"or export with --send-pending to send them as '{da_decision.pending_words()}'; "
            "nothing was written")
    return [f"{count:,} Hand review conviction(s) without a DA decision sent as "
            f"'{da_decision.pending_words()}' (sheet {L.RESULTS}, cells {where})"]

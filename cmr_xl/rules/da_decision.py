"""The DA's decision on a conviction (Results, "DA decision" and "DA grounds"): what the
final outcome becomes, in the words of `law/da_decision.yaml`.

A decision is the clerk's: recalculation reads it and never writes it. The final outcome
is the decision's outcome when there is one, else the determination; the Summary, the
court copies and About count the final outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cmr_xl.rules.distinct import each_distinct
from cmr_xl.rules.law import load_law
from cmr_xl.rules.results_columns import DECISION


def _data() -> dict[str, Any]:
    return load_law("da_decision")


def choices() -> list[str]:
    """The dropdown's words, in order: accept, dismiss, reduce, challenge."""
    return list(_data()["choices"])


def grounds() -> list[str]:
    """The two grounds of a challenge (HS 11361.9(b))."""
    return list(_data()["grounds"])


def decision_outcome(choice: str) -> str | None:
    """The determination a choice makes the final outcome (None: keep the determination)."""
    return _data()["choices"][choice]["outcome"]


def pending_words() -> str:
    return str(_data()["pending"])


def normalise(value: Any) -> str | None:
    """A DA decision cell as one of `choices()` ("" when empty), blind to case and spaces;
    None when it is none of them."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip().casefold()
    if not text:
        return ""
    return text if text in choices() else None


def normalise_all(values: Iterable[Any]) -> tuple[list[str], list[int]]:
    """Each DA decision cell as `normalise` reads it ("" for none or not a decision), and
    the positions of those that are none of the dropdown's words (an Excel error cell,
    a dict as Office.js sends it, among them): the one check for the workbook reader,
    export and the add-in's scripts and functions."""
    words: list[str] = []
    bad: list[int] = []
    for position, value in enumerate(values):
        word = None if isinstance(value, dict) else normalise(value)
        if word is None:
            bad.append(position)
        words.append(word or "")
    return words, bad


def shown(value: Any) -> str:
    """A refused decision cell as a message names it: its error (#N/A) or its value."""
    return str(value.get("type", "an error")) if isinstance(value, dict) else repr(value)


def dropdown_fix() -> str:
    """What to do about a refused decision."""
    return f"Use the dropdown: {allowed_words()}, or leave it empty"


def decision_columns(labels: Iterable[Any]) -> tuple[int, int] | None:
    """Where a header row has the DA decision and DA grounds columns (labels trimmed,
    case aside, as the workbook reader finds every Results column); None when either is
    missing (a workbook written before them, or a range that leaves them out)."""
    names = [str(v).strip().casefold() if v is not None else "" for v in labels]
    wanted = [c.label.casefold() for c in DECISION]
    if not all(label in names for label in wanted):
        return None
    return names.index(wanted[0]), names.index(wanted[1])


def final_outcome(determinations: pd.DataFrame) -> pd.Series:
    """The outcome every count reads: the DA's (column `outcome`) when the table has it,
    else the determination, so the Summary, summary.json and the workbook agree."""
    return determinations["outcome" if "outcome" in determinations else "determination"]


def category(choice: str) -> str:
    """The reason category of a conviction whose outcome the DA decided."""
    return str(_data()["reason_category"]).format(decision=choice)


def allowed_words() -> str:
    words = choices()
    return ", ".join(f"'{w}'" for w in words[:-1]) + f" or '{words[-1]}'"


def final_texts(determination: np.ndarray, reason: np.ndarray, relief: np.ndarray,
                decisions: pd.DataFrame | None, relief_for: Any) -> dict[str, np.ndarray]:
    """Final outcome, reason category and relief for each row.

    `decisions` holds `da_decision` (normalised words, "" for none) and `da_grounds`;
    `relief_for(outcome, challenge_words)` gives the relief words of a final outcome."""
    kinds = _categories(reason)
    outcome = np.asarray(determination, dtype=object).copy()
    relief = np.asarray(relief, dtype=object).copy()
    if decisions is None or not len(decisions):
        return {"outcome": outcome, "reason_category": kinds, "relief": relief}
    data = _data()
    words = decisions["da_decision"].fillna("").astype(str).to_numpy(dtype=object)
    ground = (decisions["da_grounds"].fillna("").astype(str).str.strip().to_numpy(dtype=object)
              if "da_grounds" in decisions else np.full(len(words), "", dtype=object))
    before = outcome
    outcome = decided_outcomes(before, words)
    deciding = np.isin(words, [c for c in choices() if decision_outcome(c) is not None])
    # a challenge always speaks in its own words; another choice when it changes the outcome
    decided = deciding & ((words == "challenge") | (outcome != before))
    if not decided.any():
        return {"outcome": outcome, "reason_category": kinds, "relief": relief}
    challenge = np.where(ground != "", [data["challenge_relief_grounds"].format(grounds=g)
                                        for g in ground], data["challenge_relief"])
    challenge = np.where(words == "challenge", challenge, "")
    fresh = relief_for(outcome, challenge)
    relief[decided] = fresh[decided]
    kinds[decided] = [category(w) for w in words[decided]]
    return {"outcome": outcome, "reason_category": kinds, "relief": relief}


def decided_outcomes(determination: Any, words: Any) -> Any:
    """The final outcome per row: the outcome of the DA's choice (`words`, normalised, ""
    for none) where it has one, else the determination. `determination` (a Series or an
    array) is copied, never changed."""
    outcome = determination.copy()
    words = np.asarray(words, dtype=object)
    for choice in choices():
        new = decision_outcome(choice)
        if new is not None:
            outcome[words == choice] = new
    return outcome


def _categories(reason: np.ndarray) -> np.ndarray:
    """A reason without any note after ';' (still serving): what the Summary counts by."""
    return each_distinct(pd.Series(reason, dtype=object), lambda text: text.split(";")[0].strip())

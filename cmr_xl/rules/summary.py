"""The county summary a DA reports and a court reads (shared spec prop64-rules.md).

Every figure is counted from the determinations table, under the chosen criteria and
under "dismiss all Prop 64" (and any named what-if scenarios), so the same numbers can
be recomputed by the workbook's formulas over the Results sheet.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cmr_xl.rules.criteria import PROP64_SECTIONS, Criteria
from cmr_xl.rules.da_decision import category as da_category
from cmr_xl.rules.da_decision import choices, decision_outcome, final_outcome
from cmr_xl.rules.eligibility import (
    DETERMINATIONS,
    DISMISSAL,
    HAND_REVIEW,
    NOT_ELIGIBLE,
    REDUCTION,
)
from cmr_xl.rules.facts import PROP64_TYPE
from cmr_xl.rules.law import load_law


def outcome_figures(facts: pd.DataFrame, determinations: pd.DataFrame) -> dict[str, Any]:
    """Counts that depend on the criteria: determinations, relief, what is left after."""
    prop64 = facts["conviction_type"] == PROP64_TYPE
    d = determinations[prop64]
    section = facts.loc[prop64, "section"]
    first = d["person_first_row"]

    final = final_outcome(d)

    def by_section(outcome: str) -> dict[str, int]:
        return {s: int(((section == s) & (final == outcome)).sum())
                for s in PROP64_SECTIONS}

    dismissals = d.loc[final == DISMISSAL, "reason_category"]
    granted = final.isin([DISMISSAL, REDUCTION])
    return {
        # the final outcome: the DA decision when there is one, else the determination
        "determinations": {o: int((final == o).sum()) for o in DETERMINATIONS},
        "total": int(len(d)),
        "people_with_relief": int((first & d["person_relief"]).sum()),
        "dismissals_by_section": by_section(DISMISSAL),
        "reductions_by_section": by_section(REDUCTION),
        "dismissals_by_reason": {str(k): int(v) for k, v in
                                 dismissals.value_counts().sort_index().items()},
        "still_serving_resentencing": int((granted & d["still_serving"]).sum()),
        "not_eligible": int((final == NOT_ELIGIBLE).sum()),
        "hand_review": int((final == HAND_REVIEW).sum()),
        "da_overrides": da_overrides(d),
        "after_relief": {
            "people_no_felony": int((first & d["no_felony_after"]).sum()),
            "people_no_conviction_last_7_years": int((first & d["no_recent_conviction_after"]).sum()),
            "people_no_conviction": int((first & d["no_conviction_after"]).sum()),
        },
    }


def da_overrides(d: pd.DataFrame) -> dict[str, int]:
    """Convictions whose final outcome the DA decided otherwise than the determination,
    by decision (their reason category names the decision)."""
    if "reason_category" not in d:
        return {}
    return {choice: int((d["reason_category"] == da_category(choice)).sum())
            for choice in choices() if decision_outcome(choice) is not None}


def record_figures(facts: pd.DataFrame) -> dict[str, Any]:
    """Counts that depend only on the record: Prop 64 convictions by section and level."""
    prop64 = facts[facts["conviction_type"] == PROP64_TYPE]
    felony = prop64["level"] == "Felony"
    unknown = prop64["level"] == load_law("offense_text")["unknown_level"]
    by_section = {
        s: {
            "felony": int(((prop64["section"] == s) & felony).sum()),
            "non_felony": int(((prop64["section"] == s) & ~felony).sum()),
        }
        for s in PROP64_SECTIONS
    }
    earliest = prop64["conviction_date"].min()
    return {
        "prop64_convictions": int(len(prop64)),
        "prop64_convictions_by_section": by_section,
        "prop64_convictions_unknown_level": int(unknown.sum()),
        "people_with_prop64_conviction": int(prop64["person_id"].nunique()),
        "earliest_conviction": None if pd.isna(earliest) else earliest.date().isoformat(),
    }


def related_figures(facts: pd.DataFrame, determinations: pd.DataFrame) -> dict[str, int]:
    """Related charges by final outcome (counted only when the criteria review them)."""
    related = facts["conviction_type"] != PROP64_TYPE
    d = final_outcome(determinations)[related]
    return {o: int((d == o).sum()) for o in DETERMINATIONS}


def summarize(
    facts: pd.DataFrame,
    determinations: pd.DataFrame,
    criteria: Criteria,
    *,
    county: str,
    dismiss_all: pd.DataFrame,
    scenarios: list[tuple[Criteria, pd.DataFrame]] = (),
    accounting: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """summary.json: the record, the outcome under each set of criteria, the rows."""
    summary: dict[str, Any] = {
        "county": county.upper(),
        "as_of": criteria.as_of.isoformat(),
        **record_figures(facts),
        "criteria": {"name": criteria.name, "values": criteria.as_mapping(),
                     "sentences": criteria.sentences()},
        "chosen": outcome_figures(facts, determinations),
        "dismiss_all_prop64": outcome_figures(facts, dismiss_all),
        "scenarios": {c.name: {"values": c.as_mapping(), **outcome_figures(facts, d)}
                      for c, d in scenarios},
    }
    if criteria.related_charges:
        summary["related_charges"] = related_figures(facts, determinations)
    if accounting is not None:
        summary["rows"] = accounting
        summary["convictions"] = conviction_accounting(facts, accounting)
    return summary


def conviction_accounting(facts: pd.DataFrame, accounting: dict[str, Any]) -> dict[str, Any]:
    """Every conviction naming HS 11357-11360 is determined or set aside, and why."""
    set_aside = dict(accounting.get("set_aside") or {})
    return {
        "read": int(accounting.get("convictions_read") or 0),
        "prop64_determined": int((facts["conviction_type"] == PROP64_TYPE).sum()),
        "set_aside": sum(set_aside.values()),
        "set_aside_by_reason": set_aside,
    }

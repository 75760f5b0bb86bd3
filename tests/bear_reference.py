"""An independent, row-by-row restatement of BEAR/gogen's configurable eligibility flow
(codeforamerica/gogen, data/configurable_eligibility_flow.go, EvaluateEligibility), used
only to check that a BEAR eligibility_options.json gives BEAR's determinations here.

It deliberately shares no code with cmr_xl.rules.eligibility. Where BEAR left a
conviction blank (its section in neither list), or had no date to work with, cmr-xl's
statutory floor decides instead; `bear_determination` returns None for those rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd


def _years_ago(as_of: date, years: int) -> pd.Timestamp:
    try:
        return pd.Timestamp(as_of.replace(year=as_of.year - years))
    except ValueError:  # 29 February
        return pd.Timestamp(as_of.replace(year=as_of.year - years, day=28))


def _matches(key: str, code_section: str) -> bool:
    key = key.upper().replace("(NO-SUB-SECTION)", "")
    return code_section.replace(" HS", "").startswith(key)


def bear_determination(options: dict[str, Any], fact: pd.Series, as_of: date) -> tuple[str, str] | None:
    baseline, relief = options.get("baselineEligibility", {}), options.get("additionalRelief", {})
    if pd.isna(fact["conviction_date"]) or fact["conviction_date"] > pd.Timestamp(2016, 11, 9):
        return None  # the statutory floor, not BEAR's flow
    section = fact["code_section"]
    if fact["level"] != "Felony":
        return "Eligible for Dismissal", "Misdemeanor or Infraction"
    for key in baseline.get("dismiss", []):
        if _matches(key, section):
            return "Eligible for Dismissal", f"Dismiss all HS {key.upper()} convictions"
    dob = fact["dob"]
    if relief.get("subjectUnder21AtConviction") and not pd.isna(dob):
        if fact["conviction_date"] < dob + pd.DateOffset(years=21):
            return "Eligible for Dismissal", "21 years or younger"
    age = relief.get("subjectAgeThreshold", 0) if relief.get("dismissOlderThanAgeThreshold", True) else 0
    if age and not pd.isna(dob) and dob <= _years_ago(as_of, age):
        return "Eligible for Dismissal", f"{age} years or older"
    years = relief.get("yearsSinceConvictionThreshold", 0)
    if not relief.get("dismissYearsSinceConvictionThreshold", True):
        years = 0
    if years and fact["conviction_date"] <= _years_ago(as_of, years):
        return "Eligible for Dismissal", f"Conviction occurred {years} or more years ago"
    free = relief.get("yearsCrimeFreeThreshold", 0)
    if not relief.get("dismissYearsCrimeFreeThreshold", True):
        free = 0
    if free and fact["latest_conviction_date"] < _years_ago(as_of, free):
        return "Eligible for Dismissal", f"No convictions in the past {free} years"
    if relief.get("subjectHasOnlyProp64Charges") and fact["only_prop64"]:
        return "Eligible for Dismissal", "Only has 11357-60 charges"
    if relief.get("subjectIsDeceased") and fact["deceased"]:
        return "Eligible for Dismissal", "Individual is deceased"
    for key in baseline.get("reduce", []):
        if _matches(key, section):
            return "Eligible for Reduction", f"Reduce all HS {key.upper()} convictions"
    return None  # BEAR left these blank

"""The words cmr-xl answers in: the four determinations clerks already know
(prop64-rules.md, "Determinations and reasons") and the kinds of conviction a Results row
holds. Rules write them; the workbook, court copies, notices and the PDF read them, so
a court sees the same word everywhere."""

from __future__ import annotations

from cmr_xl.rules.law import load_law

DISMISSAL = "Eligible for Dismissal"
REDUCTION = "Eligible for Reduction"
NOT_ELIGIBLE = "Not eligible"
HAND_REVIEW = "Hand review"
DETERMINATIONS = (DISMISSAL, REDUCTION, NOT_ELIGIBLE, HAND_REVIEW)
#: A related charge's determination before the DA has reviewed it (decision_order.yaml).
NOT_REVIEWED = load_law("decision_order")["related_charge"]["not_reviewed"]

#: What kind of conviction a Results row is (its "Conviction type" column).
PROP64_TYPE = "Prop 64"
RELATED_TYPE = "Related charge"

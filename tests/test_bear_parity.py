"""A BEAR `eligibility_options.json` gives the determinations BEAR's own flow gives.

The reference is an independent row-by-row restatement of gogen's configurable flow
(tests/bear_reference.py). Differences are only where cmr-xl's floor speaks and BEAR
was silent or guessed: after 11/09/2016, sections in neither BEAR list, missing dates.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from bear_reference import bear_determination

from cmr_xl.engine.criteria_files import load_criteria_file
from cmr_xl.engine.pipeline import run
from cmr_xl.synthetic import generate_doj_file

OPTIONS = [
    {"baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
     "additionalRelief": {}},
    {"baselineEligibility": {"dismiss": ["11357(a)", "11357(b)", "11358"],
                             "reduce": ["11359", "11360"]},
     "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 50,
                          "yearsSinceConvictionThreshold": 10, "yearsCrimeFreeThreshold": 5,
                          "subjectHasOnlyProp64Charges": True, "subjectIsDeceased": True}},
    {"baselineEligibility": {"dismiss": ["11357"], "reduce": ["11358", "11359", "11360"]},
     "additionalRelief": {"dismissOlderThanAgeThreshold": True, "subjectAgeThreshold": 57,
                          "dismissYearsSinceConvictionThreshold": False,
                          "yearsSinceConvictionThreshold": 3}},
]


@pytest.fixture(scope="module")
def county_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bear") / "county.csv"
    generate_doj_file(path, county="SACRAMENTO", people=400, seed=11)
    return path


@pytest.mark.parametrize("options", OPTIONS, ids=["statewide", "generous", "age-57"])
def test_bear_options_give_bears_determinations(options, county_file, tmp_path):
    path = tmp_path / "eligibility_options.json"
    path.write_text(json.dumps(options))
    criteria, _ = load_criteria_file(path)
    result = run([county_file], "SACRAMENTO", criteria)
    table = pd.concat([result.facts, result.determinations], axis=1)
    # BEAR decided plain convictions of a known level only: a charge named only in a
    # comment, an attempt or an unknown level is hand review here (tests/test_offense_cases).
    table = table[(table["conviction_type"] == "Prop 64") & table["dob"].notna()
                  & table["offense_kind"].isna() & (table["level"] != "Unknown")]
    compared = 0
    for _, row in table.iterrows():
        expected = bear_determination(options, row, criteria.as_of)
        if expected is None:
            continue
        reason = row["reason"].split(";")[0]
        assert (row["determination"], reason) == expected, row[["code_section", "level",
                                                                 "conviction_date", "dob"]]
        compared += 1
    assert compared > 100

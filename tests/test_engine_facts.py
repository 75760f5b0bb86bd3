"""The facts the rules read are the columns flagged `engine` (results_columns): the xlwings
functions convert only those, so a fact the rules read but not flagged would reach them
empty. Here the rules get the flagged columns alone and must answer as with all of them."""

from __future__ import annotations

import pandas as pd
import pytest
from workbook_helpers import county_run

from cmr_xl.rules.criteria import Criteria
from cmr_xl.rules.eligibility import determine
from cmr_xl.rules.results_columns import FACT_COLUMNS

#: Every rule switched on in one set or the other (some rules only read their facts then).
CRITERIA = (
    Criteria(),
    Criteria().with_changes(
        relief_under_21=True, relief_age_threshold=50, relief_years_since_conviction=7,
        relief_years_crime_free=5, relief_only_prop64=True, relief_sentence_completed=True,
        relief_deceased=True, disqualify_super_strike="not_eligible",
        disqualify_pc290="hand_review", disqualify_two_priors="not_eligible",
        disqualifier_scope="any", attempts="as_completed", related_charges=True,
        felony_11359="hand_review", subsection_overrides=(("11360(A)", "dismiss"),)),
    Criteria().with_changes(disqualify_super_strike="not_eligible", disqualify_pc290="hand_review",
                            disqualify_two_priors="not_eligible", related_charges=True),
)


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    """A county's facts with its related charges (the run leaves them out by default)."""
    return county_run(Criteria().with_changes(related_charges=True), people=300, seed=7,
                      scenarios=False).facts


@pytest.mark.parametrize("criteria", CRITERIA, ids=["defaults", "every_rule", "prior_scope"])
def test_the_rules_read_only_the_engine_facts(facts, criteria):
    engine = [c.key for c in FACT_COLUMNS if c.engine]
    assert set(engine) < set(facts.columns)
    pd.testing.assert_frame_equal(determine(facts[engine], criteria), determine(facts, criteria))


def test_every_engine_fact_is_read(facts):
    """... and no more: each flagged fact left out changes an answer (or is missed)."""
    engine = [c.key for c in FACT_COLUMNS if c.engine]
    answers = [determine(facts, criteria) for criteria in CRITERIA]
    for key in engine:
        without = facts[[k for k in engine if k != key]]
        try:
            same = all(determine(without, c).equals(a) for c, a in zip(CRITERIA, answers, strict=True))
        except KeyError:
            same = False
        assert not same, f"{key} is flagged engine but the rules never read it"

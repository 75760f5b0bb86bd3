"""Each legal choice the code makes, at its boundary day, with the citation or the
"office policy" label it carries (law/*.yaml, or the rule's docstring).
County: Sacramento; as-of date 2020-07-01 (the statewide review date)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import decide

from cmr_xl.rules import law
from cmr_xl.rules.criteria import Criteria

DISMISS, REDUCE = "Eligible for Dismissal", "Eligible for Reduction"
AS_OF = date(2020, 7, 1)


def one(result, code_section: str = "11359 HS"):
    rows = result[result["code_section"] == code_section]
    assert len(rows) == 1
    return rows.iloc[0]


def test_the_boundary_days_are_read_from_the_law_data():
    assert law.statewide_as_of() == AS_OF
    assert law.recent_years() == 7


# --- HS 11361.8(a): the effective date --------------------------------------------------


@pytest.mark.parametrize("day, outcome", [("20161109", REDUCE), ("20161110", "Not eligible")])
def test_a_conviction_on_the_effective_date_is_eligible_the_day_after_is_not(sheet, day, outcome):
    sheet.person().conviction("11359", day)
    row = one(decide(sheet))
    assert row.determination == outcome
    if outcome != REDUCE:
        assert row.reason == f"Occurred after {law.effective_date_text()}"


# --- office policy: years since conviction (<=) and years crime-free (<) ----------------


@pytest.mark.parametrize("day, outcome", [
    ("20100701", DISMISS),  # exactly 10 years before the as-of date: 10 or more years ago
    ("20100702", REDUCE),   # one day short
])
def test_years_since_conviction_counts_the_boundary_day(sheet, day, outcome):
    sheet.person().conviction("11359", day)
    assert one(decide(sheet, Criteria(relief_years_since_conviction=10))).determination == outcome


@pytest.mark.parametrize("day, outcome", [
    ("20100701", REDUCE),   # exactly 10 years before: inside "the past 10 years"
    ("20100630", DISMISS),  # the day before: no conviction in the past 10 years
])
def test_years_crime_free_puts_the_boundary_day_inside_the_window(sheet, day, outcome):
    sheet.person().conviction("11359", day)
    assert one(decide(sheet, Criteria(relief_years_crime_free=10))).determination == outcome


@pytest.mark.parametrize("day, no_recent", [("20130701", False), ("20130630", True)])
def test_the_summary_window_puts_its_first_day_inside(sheet, day, no_recent):
    """'No conviction in the last 7 years' after relief (office_policy.yaml recent_years)."""
    sheet.person().conviction("11357", "20050101").conviction("459", day)
    assert bool(one(decide(sheet), "11357 HS").no_recent_conviction_after) is no_recent


@pytest.mark.parametrize("dob, outcome", [("19700701", DISMISS), ("19700702", REDUCE)])
def test_the_age_threshold_is_reached_on_the_birthday(sheet, dob, outcome):
    sheet.person(dob=dob).conviction("11359", "20100101")
    assert one(decide(sheet, Criteria(relief_age_threshold=50))).determination == outcome


# --- office policy: a month is 365.25 / 12 = 30.4375 days, rounded up to whole days -------


@pytest.mark.parametrize("sentence, end", [
    ((("1", "M"),), date(2010, 2, 1)),    # 30.4375 days -> 31
    ((("12", "M"),), date(2011, 1, 2)),   # 365.25 days -> 366, as one year
    ((("1", "Y"),), date(2011, 1, 2)),
    ((("30", "D"),), date(2010, 1, 31)),
])
def test_sentence_units_in_days(sheet, sentence, end):
    assert law.sentence_unit_days()["M"] == 365.25 / 12
    sheet.person().conviction("11359", "20100101", sentence=sentence)
    assert one(decide(sheet)).sentence_end.date() == end


@pytest.mark.parametrize("days, completed", [("3834", True), ("3835", False)])
def test_a_sentence_ending_on_the_as_of_date_is_completed(sheet, days, completed):
    """3834 days from 2010-01-01 end on 2020-07-01, the as-of date: completed."""
    sheet.person().conviction("11359", "20100101", sentence=((days, "D"),))
    row = one(decide(sheet, Criteria(relief_sentence_completed=True)))
    assert (row.determination == DISMISS) is completed


# --- office policy: an undated listed conviction counts as prior ------------------------


@pytest.mark.parametrize("day, prior", [("00000000", "187 PC"), ("20100101", None),
                                        ("20091231", "187 PC")])
def test_an_undated_super_strike_counts_as_prior_a_same_day_one_does_not(sheet, day, prior):
    sheet.person().conviction("187", day).conviction("11359", "20100101")
    got = one(decide(sheet)).prior_super_strikes
    assert (None if pd.isna(got) else got) == prior


# --- PC 17(a)-(b): the conviction's level, not the charge's ------------------------------


@pytest.mark.parametrize("status, toc, level", [
    ("MISDEMEANOR", "F", "Misdemeanor"),  # the disposition's level wins (PC 17(b))
    ("", "F", "Felony"),                  # no status: the offense's type of charge
    ("", "", "Unknown"),                  # never guessed: hand review
])
def test_the_level_is_the_conviction_status_else_the_type_of_charge(sheet, status, toc, level):
    sheet.person().conviction("11359", "20100101", level=status, toc=toc)
    assert one(decide(sheet)).level == level

"""The county summary: its figures, and that they add up."""

from __future__ import annotations

from datetime import date

from conftest import decide

from cmr_xl.rules.criteria import Criteria, dismiss_all_prop64
from cmr_xl.rules.eligibility import determine
from cmr_xl.rules.facts import convictions_from_table
from cmr_xl.rules.summary import summarize


def _summary(sheet, criteria=None, scenarios=()):
    criteria = criteria or Criteria()
    facts = convictions_from_table(sheet.table(), "SACRAMENTO").facts
    return summarize(facts, determine(facts, criteria), criteria, county="sacramento",
                     dismiss_all=determine(facts, dismiss_all_prop64(criteria.as_of)),
                     scenarios=[(s, determine(facts, s)) for s in scenarios])


def _county(sheet):
    # 1: felony 11359 (reduced) and a burglary felony: a felony remains either way
    sheet.person().conviction("11359", "20100101").conviction("459", "20110101")
    # 2: misdemeanor 11357 only: dismissed, nothing left
    sheet.person().conviction("11357(B)", "20100101", level="MISDEMEANOR")
    # 3: felony 11360 only (reduced): no felony left after reduction, a misdemeanor remains
    sheet.person().conviction("11360(A)", "20150101")
    # 4: after Prop 64: not eligible; a recent felony remains
    sheet.person().conviction("11359", "20170101")
    # 5: a Sacramento 11358 felony (dismissed); an earlier Yolo 11358 felony is history only
    sheet.person().conviction("11358", "20100101", county="YOLO").conviction("11358", "20120101")
    return sheet


def test_convictions_by_section_and_level(sheet):
    summary = _summary(_county(sheet))
    assert summary["prop64_convictions"] == 5  # the Yolo conviction is not one of them
    assert summary["prop64_convictions_by_section"]["11359"] == {"felony": 2, "non_felony": 0}
    assert summary["prop64_convictions_by_section"]["11357"] == {"felony": 0, "non_felony": 1}
    assert summary["prop64_convictions_by_section"]["11358"] == {"felony": 1, "non_felony": 0}
    assert summary["people_with_prop64_conviction"] == 5


def test_determinations_add_up_to_the_convictions(sheet):
    summary = _summary(_county(sheet))
    chosen = summary["chosen"]
    assert sum(chosen["determinations"].values()) == summary["prop64_convictions"]
    assert chosen["determinations"] == {"Eligible for Dismissal": 2, "Eligible for Reduction": 2,
                                        "Not eligible": 1, "Hand review": 0}
    assert sum(chosen["dismissals_by_section"].values()) == 2
    assert sum(chosen["dismissals_by_reason"].values()) == 2
    assert chosen["people_with_relief"] == 4  # all but person 4


def test_after_relief_under_the_chosen_criteria_and_dismiss_all(sheet):
    summary = _summary(_county(sheet))
    assert summary["chosen"]["after_relief"] == {
        "people_no_felony": 2,  # persons 2 and 3 (5 keeps the Yolo felony)
        "people_no_conviction_last_7_years": 3,  # persons 1 (2011 burglary), 2 and 5 (2010)
        "people_no_conviction": 1,  # person 2
    }
    everything = summary["dismiss_all_prop64"]["after_relief"]
    assert everything["people_no_conviction"] == 2  # persons 2 and 3
    assert everything["people_no_felony"] == 2  # 1 keeps a burglary, 4 and 5 a felony
    # 4's conviction is after Prop 64 even when an office dismisses all
    assert summary["dismiss_all_prop64"]["determinations"]["Not eligible"] == 1


def test_a_what_if_scenario_is_reported_beside_the_chosen_criteria(sheet):
    scenario = Criteria().with_changes(name="Dismiss 11359 and 11360",
                                       felony_11359="dismiss", felony_11360="dismiss")
    summary = _summary(_county(sheet), scenarios=[scenario])
    figures = summary["scenarios"]["Dismiss 11359 and 11360"]
    assert figures["determinations"]["Eligible for Dismissal"] == 4
    assert figures["after_relief"]["people_no_conviction"] == 2


def test_seven_years_are_counted_back_from_the_as_of_date(sheet):
    sheet.person().conviction("11359", "20100101").conviction("459", "20130702")
    early = decide(sheet, Criteria(as_of=date(2020, 7, 1)))
    late = decide(sheet, Criteria(as_of=date(2020, 7, 3)))
    assert not early.iloc[0].no_recent_conviction_after
    assert late.iloc[0].no_recent_conviction_after


def test_related_charges_left_out_of_the_results_still_count_after_relief(sheet):
    """With related charges not reviewed, their rows are not shown; the figures computed
    from the shown rows alone must equal those computed with them."""
    sheet.person().conviction("11357", "20100101", level="MISDEMEANOR", related=("647(F)",))
    sheet.person().conviction("11357", "20100101", level="MISDEMEANOR")
    everything = decide(sheet)
    with_rows = everything[everything["conviction_type"] == "Prop 64"]["no_conviction_after"]
    without_rows = determine(convictions_only(sheet), Criteria())["no_conviction_after"]
    assert list(with_rows) == list(without_rows) == [False, True]


def test_a_dismissed_related_charge_leaves_no_conviction(sheet):
    sheet.person().conviction("11357", "20100101", level="MISDEMEANOR", related=("647(F)",))
    result = decide(sheet, Criteria(related_charges=True))
    assert list(result["determination"]) == ["Eligible for Dismissal"] * 2
    assert bool(result.iloc[0].no_conviction_after)


def convictions_only(sheet):
    facts = convictions_from_table(sheet.table(), "SACRAMENTO").facts
    return facts[facts["conviction_type"] == "Prop 64"].reset_index(drop=True)

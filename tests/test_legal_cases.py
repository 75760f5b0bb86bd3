"""Each rule of Prop 64 relief as a case a lawyer would recognise.

Every test builds one small RAP sheet, states the criteria, and checks the determination
and its reason. County: Sacramento; as-of date 2020-07-01 unless the case says otherwise.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import decide
from rapsheet import RapSheet

from cmr_xl.rules.criteria import Criteria

DISMISS, REDUCE = "Eligible for Dismissal", "Eligible for Reduction"
NOT_ELIGIBLE, HAND = "Not eligible", "Hand review"


def only(result, code_section: str):
    rows = result[result["code_section"] == code_section]
    assert len(rows) == 1, f"expected one {code_section} conviction, found {len(rows)}"
    return rows.iloc[0]


# --- the statutory floor ---------------------------------------------------------------


def test_a_conviction_disposed_after_prop64_took_effect_is_not_eligible(sheet):
    sheet.person().conviction("11359", "20161110")
    row = only(decide(sheet), "11359 HS")
    assert (row.determination, row.reason) == (NOT_ELIGIBLE, "Occurred after 11/09/2016")
    # the court must tell a case outside the law from one the DA challenges
    assert row.relief == "No relief: outside Prop 64 (convicted after 11/09/2016)"


def test_a_conviction_on_election_day_eve_is_still_eligible(sheet):
    sheet.person().conviction("11359", "20161109")
    assert only(decide(sheet), "11359 HS").determination == REDUCE


def test_a_conviction_without_a_date_goes_to_hand_review_not_a_guess(sheet):
    sheet.person().conviction("11359", "20100000")
    row = only(decide(sheet), "11359 HS")
    assert row.determination == HAND
    assert "Conviction date missing" in row.reason


def test_an_impossible_conviction_date_goes_to_hand_review_and_the_review_goes_on(sheet):
    """A DOJ typo such as 9999-12-31 (or a birth date in 1066) is no date at all: that
    conviction is checked by hand, and everyone else's review is not stopped by it."""
    sheet.person(dob="10661014").conviction("11359", "99991231")
    sheet.person().conviction("11357", "20100101")
    result = decide(sheet)
    row = only(result, "11359 HS")
    assert (row.determination, row.reason) == (
        HAND, "Conviction date missing or impossible: check the court record")
    assert only(result, "11357 HS").determination == DISMISS


def test_a_999_year_sentence_is_still_being_served_and_the_review_goes_on(sheet):
    """DOJ writes some life terms as 999 years: still serving, so reduction is by
    resentencing (HS 11361.8(a)); such a term must not stop anyone's review."""
    sheet.person().conviction("11359", "19900101", sentence=(("999", "Y"),))
    sheet.person().conviction("11357", "20100101")
    result = decide(sheet)
    row = only(result, "11359 HS")
    assert (row.determination, bool(row.still_serving)) == (REDUCE, True)
    assert "still serving" in row.reason
    assert only(result, "11357 HS").determination == DISMISS


@pytest.mark.parametrize(("length", "code", "written"), [
    ("ABC", "Y", "SENT_LENGTH 'ABC', SENT_TIME_CODE 'Y'"),
    ("-5", "Y", "SENT_LENGTH '-5', SENT_TIME_CODE 'Y'"),
    ("inf", "D", "SENT_LENGTH 'inf', SENT_TIME_CODE 'D'"),
    ("1e308", "Y", "SENT_LENGTH '1e308', SENT_TIME_CODE 'Y'"),
    ("2", "Q", "SENT_LENGTH '2', SENT_TIME_CODE 'Q'"),
    ("2", "", "SENT_LENGTH '2', SENT_TIME_CODE empty"),
    ("", "W", "SENT_LENGTH empty, SENT_TIME_CODE 'W'"),
    ("8|Y", "Y", "SENT_LENGTH '8?Y', SENT_TIME_CODE 'Y'"),  # never the Live sheet's separator
])
def test_an_unreadable_sentence_goes_to_hand_review_never_counted_as_no_sentence(
        sheet, length, code, written):
    """A felony sale with a sentence DOJ wrote in a way that is not a length: whether the
    person is still serving decides the relief, so the sentence is never guessed as none."""
    sheet.person().conviction("11360(A)", "20150101", sentence=((length, code), ("1", "Y")))
    sheet.person().conviction("11357", "20100101")
    result = decide(sheet)
    row = only(result, "11360(A) HS")
    assert row.sentence_unreadable == written
    assert (row.determination, row.reason) == (
        HAND, f"Sentence unreadable ({written}): check the court record")
    assert only(result, "11357 HS").determination == DISMISS  # the others go on
    assert pd.isna(only(result, "11357 HS").sentence_unreadable)


def test_an_unreadable_sentence_on_another_conviction_leaves_every_sentence_completed_unknown(
        sheet):
    """A felony possession for sale whose own one-year sentence ended long ago; the same
    person's later burglary has a sentence DOJ wrote as 'ABC' years, maybe still running.
    "Every sentence completed" cannot be known: hand review naming that sentence, never a
    dismissal on the sentences that happen to be readable."""
    person = sheet.person()
    person.conviction("11359", "20100101", sentence=(("1", "Y"),))
    person.conviction("459", "20150101", sentence=(("ABC", "Y"),))
    row = only(decide(sheet, Criteria(relief_sentence_completed=True)), "11359 HS")
    assert pd.isna(row.sentence_unreadable) and pd.isna(row.latest_sentence_end)
    assert (row.determination, row.reason) == (
        HAND, "Latest sentence end missing or impossible: cannot check every sentence completed")
    named = ("sentence unreadable on another conviction (line 3, 459 PC: SENT_LENGTH 'ABC', "
             "SENT_TIME_CODE 'Y'): latest sentence end unknown")
    assert row.reading_notes == named
    assert "every sentence completed: unknown" in row.trace and named in row.trace
    # without that criterion the sentence is not needed: reduced as usual, with the note
    row = only(decide(sheet), "11359 HS")
    assert (row.determination, row.reading_notes) == (REDUCE, named)
    # another person's unreadable sentence changes nothing here
    other = RapSheet()
    other.person().conviction("11359", "20100101", sentence=(("1", "Y"),))
    other.person().conviction("459", "20150101", sentence=(("ABC", "Y"),))
    row = only(decide(other, Criteria(relief_sentence_completed=True)), "11359 HS")
    assert (row.determination, row.reason) == (DISMISS, "All sentences completed")
    assert pd.isna(row.reading_notes) and pd.notna(row.latest_sentence_end)


def test_a_person_still_serving_a_reduced_felony_is_resentenced(sheet):
    sheet.person().conviction("11360(A)", "20150101", sentence=(("8", "Y"),))
    row = only(decide(sheet), "11360(A) HS")
    assert row.determination == REDUCE
    assert "still serving" in row.reason and "resentencing" in row.reason
    assert row.relief == "Recall and resentence"


# --- baseline: the statewide default criteria ------------------------------------------


def test_a_misdemeanor_possession_is_dismissed(sheet):
    sheet.person().conviction("11357(B)", "20120101", level="MISDEMEANOR")
    row = only(decide(sheet), "11357(B) HS")
    assert (row.determination, row.reason) == (DISMISS, "Misdemeanor or Infraction")
    assert row.relief == "Dismiss and seal"


def test_felony_possession_and_cultivation_are_dismissed_by_default(sheet):
    sheet.person().conviction("11357", "20100101").conviction("11358", "20110101")
    result = decide(sheet)
    assert only(result, "11357 HS").reason == "Dismiss all HS 11357 convictions"
    assert only(result, "11358 HS").reason == "Dismiss all HS 11358 convictions"
    assert set(result["determination"]) == {DISMISS}


def test_felony_possession_for_sale_and_sale_are_reduced_by_default(sheet):
    sheet.person().conviction("11359", "20100101").conviction("11360(A)", "20110101")
    result = decide(sheet)
    assert only(result, "11359 HS").reason == "Reduce all HS 11359 convictions"
    assert only(result, "11360(A) HS").determination == REDUCE
    assert only(result, "11360(A) HS").relief == "Redesignate as a misdemeanor"


def test_an_office_can_dismiss_all_11359_felonies(sheet):
    sheet.person().conviction("11359", "20100101")
    row = only(decide(sheet, Criteria(felony_11359="dismiss")), "11359 HS")
    assert (row.determination, row.reason) == (DISMISS, "Dismiss all HS 11359 convictions")


def test_an_office_can_send_a_section_to_hand_review(sheet):
    sheet.person().conviction("11358", "20100101")
    row = only(decide(sheet, Criteria(felony_11358="hand_review")), "11358 HS")
    assert (row.determination, row.reason) == (HAND, "Hand review of HS 11358 felonies")


def test_a_subdivision_exception_wins_over_its_section(sheet):
    """Los Angeles dismissed 11357(a) and (b) and hand-reviewed other 11357 felonies."""
    sheet.person().conviction("11357(A)", "20100101").conviction("11357", "20110101")
    criteria = Criteria(felony_11357="hand_review", subsection_overrides=(("11357(A)", "dismiss"),))
    result = decide(sheet, criteria)
    assert only(result, "11357(A) HS").reason == "Dismiss all HS 11357(A) convictions"
    assert only(result, "11357 HS").determination == HAND


def test_misdemeanors_can_go_to_review_instead_of_dismissal(sheet):
    sheet.person().conviction("11357(B)", "20120101", level="MISDEMEANOR")
    row = only(decide(sheet, Criteria(misdemeanor="hand_review")), "11357(B) HS")
    assert (row.determination, row.reason) == (HAND, "Misdemeanor or Infraction: hand review")


def test_the_level_comes_from_the_offense_type_when_the_conviction_status_is_empty(sheet):
    sheet.person().conviction("11359", "20100101", level="", toc="M")
    assert only(decide(sheet), "11359 HS").reason == "Misdemeanor or Infraction"


# --- disqualifiers (HS 11358(d), 11359(c), 11360(a)(3)) --------------------------------


def test_a_11359_felony_with_a_prior_murder_is_not_eligible_when_super_strikes_disqualify(sheet):
    sheet.person().conviction("187", "19950101").conviction("11359", "20100101")
    row = only(decide(sheet, Criteria(disqualify_super_strike="not_eligible")), "11359 HS")
    assert (row.determination, row.reason) == (NOT_ELIGIBLE, "Prior super strike (187 PC)")
    assert row.relief == "No relief: DA challenges (HS 11361.9(b))"


def test_a_prior_super_strike_is_only_shown_under_the_statewide_default(sheet):
    sheet.person().conviction("187", "19950101").conviction("11359", "20100101")
    row = only(decide(sheet), "11359 HS")
    assert row.determination == REDUCE
    assert row.prior_super_strikes == "187 PC"


def test_a_super_strike_after_the_prop64_conviction_is_not_a_prior(sheet):
    sheet.person().conviction("11359", "20100101").conviction("187", "20120101")
    row = only(decide(sheet, Criteria(disqualify_super_strike="not_eligible")), "11359 HS")
    assert row.determination == REDUCE


def test_a_super_strike_anywhere_disqualifies_when_the_office_counts_the_whole_record(sheet):
    sheet.person().conviction("11359", "20100101").conviction("187", "20120101")
    criteria = Criteria(disqualify_super_strike="not_eligible", disqualifier_scope="any")
    row = only(decide(sheet, criteria), "11359 HS")
    assert (row.determination, row.reason) == (NOT_ELIGIBLE, "Super strike on record (187 PC)")


def test_an_attempted_murder_counts_as_a_super_strike(sheet):
    sheet.person().conviction("664/187", "19950101").conviction("11360(A)", "20100101")
    row = only(decide(sheet, Criteria(disqualify_super_strike="hand_review")), "11360(A) HS")
    assert (row.determination, row.reason) == (HAND, "Prior super strike (664/187 PC)")


def test_a_super_strike_in_another_county_still_counts(sheet):
    sheet.person().conviction("187", "19950101", county="LOS ANGELES").conviction(
        "11359", "20100101")
    row = only(decide(sheet, Criteria(disqualify_super_strike="not_eligible")), "11359 HS")
    assert row.determination == NOT_ELIGIBLE


def test_a_prior_pc290_offense_sends_a_sale_felony_to_hand_review(sheet):
    sheet.person().conviction("288(A)", "19950101").conviction("11360(A)", "20100101")
    row = only(decide(sheet, Criteria(disqualify_pc290="hand_review")), "11360(A) HS")
    assert row.determination == HAND
    assert row.reason == "Prior PC 290 offense (288(A) PC)"


def test_a_pc290_registration_before_the_conviction_disqualifies(sheet):
    sheet.person().registration("20000101").conviction("11359", "20100101")
    row = only(decide(sheet, Criteria(disqualify_pc290="not_eligible")), "11359 HS")
    assert (row.determination, row.reason) == (NOT_ELIGIBLE, "PC 290 registration")


def test_two_prior_convictions_of_the_same_section_disqualify_the_third(sheet):
    sheet.person().conviction("11359", "20000101").conviction("11359", "20050101").conviction(
        "11359", "20100101")
    result = decide(sheet, Criteria(disqualify_two_priors="not_eligible"))
    third = result[result["conviction_date"] == "2010-01-01"].iloc[0]
    second = result[result["conviction_date"] == "2005-01-01"].iloc[0]
    assert (third.determination, third.reason) == (NOT_ELIGIBLE, "2 prior HS 11359 convictions")
    assert second.determination == REDUCE


def test_disqualifiers_do_not_touch_possession_or_misdemeanors(sheet):
    """The aggravators of HS 11358(d)-11360(a)(3) keep only those felonies felonies."""
    sheet.person().conviction("187", "19950101").conviction("11357", "20100101").conviction(
        "11360(A)", "20110101", level="MISDEMEANOR")
    result = decide(sheet, Criteria(disqualify_super_strike="not_eligible"))
    assert set(result["determination"]) == {DISMISS}


# --- additional relief: upgrading a reduction to a dismissal ---------------------------


def test_a_person_under_21_at_conviction_gets_dismissal(sheet):
    sheet.person(dob="19900601").conviction("11360(A)", "20110531")
    row = only(decide(sheet, Criteria(relief_under_21=True)), "11360(A) HS")
    assert (row.determination, row.reason) == (DISMISS, "21 years or younger")


def test_a_person_convicted_on_their_21st_birthday_is_not_under_21(sheet):
    sheet.person(dob="19900601").conviction("11360(A)", "20110601")
    row = only(decide(sheet, Criteria(relief_under_21=True)), "11360(A) HS")
    assert row.determination == REDUCE


def test_a_person_aged_50_on_the_as_of_date_gets_dismissal_at_threshold_50(sheet):
    sheet.person(dob="19700701").conviction("11359", "20100101")
    sheet.person(dob="19700702").conviction("11359", "20100101")
    result = decide(sheet, Criteria(relief_age_threshold=50))
    assert list(result["determination"]) == [DISMISS, REDUCE]
    assert result.iloc[0].reason == "50 years or older"


def test_age_is_measured_at_the_as_of_date_never_today(sheet):
    sheet.person(dob="19700702").conviction("11359", "20100101")
    later = Criteria(relief_age_threshold=50, as_of=date(2020, 7, 2))
    assert only(decide(sheet, later), "11359 HS").determination == DISMISS


def test_a_conviction_ten_years_old_gets_dismissal(sheet):
    sheet.person().conviction("11359", "20100701").conviction("11360(A)", "20100702")
    result = decide(sheet, Criteria(relief_years_since_conviction=10))
    assert only(result, "11359 HS").reason == "Conviction occurred 10 or more years ago"
    assert only(result, "11360(A) HS").determination == REDUCE


def test_no_conviction_in_ten_years_anywhere_gets_dismissal(sheet):
    sheet.person().conviction("11359", "20050101")
    sheet.person().conviction("11359", "20050101").conviction(
        "459", "20150101", county="LOS ANGELES")
    result = decide(sheet, Criteria(relief_years_crime_free=10))
    assert list(result["determination"]) == [DISMISS, REDUCE]
    assert result.iloc[0].reason == "No convictions in the past 10 years"


def test_a_record_of_only_prop64_convictions_gets_dismissal(sheet):
    sheet.person().conviction("11359", "20100101").conviction(
        "11357", "20120101", county="LOS ANGELES")
    sheet.person().conviction("11359", "20100101").conviction("459", "20120101")
    result = decide(sheet, Criteria(relief_only_prop64=True))
    assert list(result["determination"]) == [DISMISS, REDUCE]
    assert result.iloc[0].reason == "Only has 11357-60 charges"


def test_a_deceased_person_gets_dismissal(sheet):
    sheet.person().conviction("11359", "20100101").deceased()
    row = only(decide(sheet, Criteria(relief_deceased=True)), "11359 HS")
    assert (row.determination, row.reason) == (DISMISS, "Individual is deceased")


def test_completed_sentences_get_dismissal(sheet):
    sheet.person().conviction("11359", "20100101", sentence=(("1", "Y"),))
    sheet.person().conviction("11359", "20100101", sentence=(("20", "Y"),))
    result = decide(sheet, Criteria(relief_sentence_completed=True))
    assert list(result["determination"]) == [DISMISS, REDUCE]


def test_a_missing_birth_date_sends_an_age_rule_to_hand_review(sheet):
    sheet.person(dob="").conviction("11360(A)", "20100101")
    row = only(decide(sheet, Criteria(relief_under_21=True)), "11360(A) HS")
    assert row.determination == HAND
    assert row.reason == "Date of birth missing or impossible: cannot check under 21 at conviction"


def test_a_birth_date_after_the_conviction_is_impossible_and_goes_to_hand_review(sheet):
    sheet.person(dob="20120101").conviction("11360(A)", "20100101")
    row = only(decide(sheet, Criteria(relief_age_threshold=50)), "11360(A) HS")
    assert row.determination == HAND
    assert row.reason.startswith("Date of birth missing or impossible")


def test_a_conviction_dated_after_the_as_of_date_goes_to_hand_review(sheet):
    sheet.person().conviction("11357", "20100101")
    row = only(decide(sheet, Criteria(as_of=date(2009, 1, 1))), "11357 HS")
    assert (row.determination, row.reason) == (
        HAND, "Conviction date after the as-of date: check the record")


def test_a_missing_birth_date_does_not_matter_when_the_conviction_is_dismissed_anyway(sheet):
    sheet.person(dob="").conviction("11357", "20100101")
    sheet.person(dob="19790000").conviction("11360(A)", "20000101")
    criteria = Criteria(relief_under_21=True, relief_years_since_conviction=15)
    result = decide(sheet, criteria)
    assert set(result["determination"]) == {DISMISS}


# --- county scope, related charges, what the data shows ---------------------------------


def test_a_prop64_conviction_in_another_county_is_not_determined_here_but_is_a_prior(sheet):
    sheet.person().conviction("11359", "20000101", county="YOLO").conviction(
        "11359", "20050101", county="YOLO").conviction("11359", "20100101")
    result = decide(sheet, Criteria(disqualify_two_priors="not_eligible"))
    assert len(result) == 1
    assert result.iloc[0].determination == NOT_ELIGIBLE


def test_related_charges_in_the_same_case_are_dismissed_with_the_prop64_conviction(sheet):
    sheet.person().conviction("11357", "20100101", related=("647(F)", "11364"))
    result = decide(sheet, Criteria(related_charges=True))
    related = result[result["conviction_type"] == "Related charge"]
    assert list(related["determination"]) == [DISMISS, DISMISS]
    assert related.iloc[0].reason == "Related charge in a case with a dismissed Prop 64 conviction"


def test_a_flagged_related_charge_goes_to_hand_review(sheet):
    sheet.person().conviction("11357", "20100101", related=("4060 BP-POSSESS CONTROLLED SUBST",))
    result = decide(sheet, Criteria(related_charges=True))
    related = result[result["conviction_type"] == "Related charge"].iloc[0]
    assert (related.determination, related.reason) == (
        HAND, "Related charge flagged for review (4060 BP)")


def test_a_charge_named_only_in_the_comment_is_recognised(sheet):
    sheet.person().conviction("SEE COMMENT FOR CHARGE", "20100101",
                              comment="CHARGE 11359 HS POSS FOR SALE")
    assert only(decide(sheet), "11359 HS").determination == REDUCE


def test_another_prop64_section_named_in_the_comment_is_flagged_for_review(sheet):
    sheet.person().conviction("11357", "20100101", comment="ALSO 11360 HS SALE PER DA")
    assert only(decide(sheet), "11357 HS").comment_prop64 == "11360 HS"


def test_a_count_with_several_sentence_parts_is_one_conviction(sheet):
    sheet.person().conviction("11359", "20100101", sentence=(("1", "Y"), ("6", "M"), ("10", "D")))
    row = only(decide(sheet), "11359 HS")
    # parts add up: about 1 year, 6 months and 10 days after the conviction
    assert date(2011, 7, 10) <= row.sentence_end.date() <= date(2011, 7, 14)


def test_an_arrest_without_conviction_is_not_a_conviction(sheet):
    sheet.person().arrest("11359", "20090101").conviction("11357", "20100101")
    assert list(decide(sheet)["code_section"]) == ["11357 HS"]

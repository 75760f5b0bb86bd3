"""Every Prop 64 conviction DOJ writes is found: each way of writing one, as a legal case.

Each test builds one small RAP sheet (tests/rapsheet.py) and checks what the county's
review shows: the determination and its reason, or the conviction listed as set aside with
its line and why. Spellings come from tests/data/offense_texts.yaml (seen in public
fixtures and DOJ's offense code table). County: Sacramento; as of 2020-07-01.
"""

from __future__ import annotations

from conftest import decide
from rapsheet import COUNTY

from cmr_xl.doj import RowAccounting, read_all
from cmr_xl.rules.criteria import Criteria
from cmr_xl.rules.facts import convictions_from_table

DISMISS, REDUCE = "Eligible for Dismissal", "Eligible for Reduction"
NOT_ELIGIBLE, HAND = "Not eligible", "Hand review"


def one(result):
    assert len(result) == 1, f"expected one conviction in Results, found {len(result)}"
    return result.iloc[0]


def set_aside(sheet):
    return convictions_from_table(sheet.table(), COUNTY).set_aside


# --- spellings of one section ----------------------------------------------------------


def test_a_possession_written_11357B2_is_decided_as_hs_11357_b_2(sheet):
    sheet.person().conviction("11357B2 HS-POSS MARIJ OVER 28.5 GRAMS", "20100101",
                              level="MISDEMEANOR")
    row = one(decide(sheet))
    assert (row.code_section, row.determination) == ("11357(B)(2) HS", DISMISS)


def test_a_sale_written_without_its_code_is_read_as_hs_and_says_so(sheet):
    """HS 11360 exists only in the Health and Safety Code: `11360(B) SELL/...` with no
    code is that section, and the record of how it was read says so."""
    sheet.person().conviction("11360(B) SELL/FURNISH/ETC MARIJUANA/HASH", "20100101")
    row = one(decide(sheet))
    assert (row.code_section, row.determination) == ("11360(B) HS", REDUCE)
    assert "no statute code written" in row.reading_notes
    assert row.trace.startswith("section or level reduced: yes | read: no statute code written: "
                                "11360 read as HS 11360")


def test_a_felony_written_code_first_with_an_alias_is_decided(sheet):
    sheet.person().conviction("H&S 11359-POSS MARIJ FOR SALE", "20100101")
    assert (one(decide(sheet)).code_section, one(decide(sheet)).determination) == (
        "11359 HS", REDUCE)


def test_a_possession_written_code_first_and_glued_is_dismissed_not_sent_to_review(sheet):
    """`HS11357` (the form Code for America's pdfhook fixture writes) is HS 11357: a
    misdemeanor possession is dismissed like any other, not held for review as unread."""
    sheet.person().conviction("HS11357-POSS MARIJ", "20100101", level="MISDEMEANOR")
    row = one(decide(sheet))
    assert (row.code_section, row.determination, row.offense_kind) == (
        "11357 HS", DISMISS, None)


def test_a_subdivision_written_as_a_spaced_letter_is_kept(sheet):
    """`11357 B HS` is HS 11357(b), so an office that dismisses 11357(b) and reviews the
    rest of 11357 by hand dismisses it."""
    sheet.person().conviction("11357 B HS-POSS MARIJ", "20100101")
    row = one(decide(sheet, Criteria(felony_11357="hand_review",
                                     subsection_overrides=(("11357(B)", "dismiss"),))))
    assert (row.code_section, row.determination) == ("11357(B) HS", DISMISS)


def test_a_stray_slash_or_zero_decimal_does_not_hide_a_conviction(sheet):
    sheet.person().conviction("/11357 HS-POSS MARIJ", "20100101", level="MISDEMEANOR")
    sheet.person().conviction("11357.0 HS-POSS MARIJ", "20100101", level="MISDEMEANOR")
    result = decide(sheet)
    assert list(result.code_section) == ["11357 HS", "11357 HS"]
    assert set(result.determination) == {DISMISS}


# --- compounds, attempts, conspiracies --------------------------------------------------


def test_a_count_naming_two_prop64_sections_gets_the_lesser_relief_of_the_two(sheet):
    """`11359/11360 HS`: both sections are Prop 64 ones, so the count is decided; where
    the office dismisses 11359 felonies but reduces 11360 ones, it is reduced."""
    sheet.person().conviction("11359/11360 HS-POSS/SELL MARIJ", "20100101")
    row = one(decide(sheet, Criteria(felony_11359="dismiss", felony_11360="reduce")))
    assert (row.determination, row.reason) == (REDUCE, "Reduce all HS 11360 convictions")


def test_a_prop64_section_combined_with_another_law_goes_to_hand_review(sheet):
    sheet.person().conviction("11350/11359 HS-POSS NARC/MARIJ FOR SALE", "20100101")
    row = one(decide(sheet))
    assert (row.determination, row.reason) == (
        HAND, "HS 11359 combined with another law (11350 HS) in one count: review")


def test_an_attempt_is_hand_review_by_default_and_decided_when_the_office_says_so(sheet):
    """Whether HS 11361.8 reaches an attempt (PC 664) is the office's legal call."""
    sheet.person().conviction("66411357(C) HS-ATT POSS MARIJ", "20100101")
    row = one(decide(sheet))
    assert (row.code_section, row.determination) == ("664/11357(C) HS", HAND)
    assert row.reason.startswith("Attempt (PC 664) of HS 11357")
    row = one(decide(sheet, Criteria(attempts="as_completed")))
    assert (row.determination, row.reason) == (DISMISS, "Dismiss all HS 11357 convictions")


def test_an_attempt_decided_as_completed_counts_its_priors_of_the_same_section(sheet):
    """HS 11359(c)(2): two prior 11359 convictions keep a felony a felony; an office that
    treats an attempt as the completed offense applies that to the attempt too."""
    sheet.person().conviction("11359", "20000101").conviction("11359", "20020101") \
        .conviction("664/11359 HS-ATT POSS FOR SALE", "20100101")
    result = decide(sheet, Criteria(attempts="as_completed",
                                    disqualify_two_priors="not_eligible"))
    attempt = result[result.code_section == "664/11359 HS"].iloc[0]
    assert (attempt.prior_same_section, attempt.determination, attempt.reason) == (
        2, NOT_ELIGIBLE, "2 prior HS 11359 convictions")


def test_a_conspiracy_to_sell_is_never_dropped(sheet):
    sheet.person().conviction("182 PC/11360(A) HS-CONSPIRACY", "20100101")
    row = one(decide(sheet))
    assert row.determination == HAND
    assert row.reason.startswith("Conspiracy (PC 182) to commit HS 11360")


# --- comment charges and the convicted-of offense --------------------------------------


def test_a_charge_in_the_comment_is_the_prop64_section_named_there_not_the_first(sheet):
    sheet.person().conviction("SEE COMMENT FOR CHARGE", "20100101",
                              comment="CNT 01 CHRG 459 PC AMENDED 11359 HS POSS MJ FOR SALE")
    row = one(decide(sheet))
    assert (row.code_section, row.section_source, row.determination) == (
        "11359 HS", "COMMENT_TEXT", REDUCE)
    assert row.offense.startswith("CNT 01 CHRG")


def test_a_comment_charge_without_a_code_is_read(sheet):
    sheet.person().conviction("", "20100101", level="MISDEMEANOR",
                              comment="CNT 02 11357(A) POSS")
    assert one(decide(sheet)).code_section == "11357(A) HS"


def test_a_burglary_whose_comment_names_hs_11359_goes_to_hand_review(sheet):
    sheet.person().conviction("459 PC-BURGLARY", "20100101", comment="ORIG CHG 11359 HS")
    row = one(decide(sheet))
    assert (row.determination, row.reason) == (
        HAND, "Comment names HS 11359; the charge reads 459 PC: review")
    assert row.charge_text == "459 PC-BURGLARY"


def test_a_plea_to_possession_after_a_narcotics_charge_is_a_prop64_conviction(sheet):
    """Charged HS 11350, convicted of HS 11357(a): the convicted-of offense decides."""
    sheet.person().conviction("11350 HS-POSSESS NARCOTIC", "20100101", level="MISDEMEANOR",
                              disp_offense="11357(A) HS-POSS CONC CANNABIS")
    row = one(decide(sheet))
    assert (row.code_section, row.section_source, row.determination) == (
        "11357(A) HS", "DISP_OFFENSE_DESCR", DISMISS)
    assert row.charge_text == "11350 HS-POSSESS NARCOTIC"


def test_a_sale_charge_pleaded_down_to_possession_is_an_11357(sheet):
    sheet.person().conviction("11359", "20100101", level="FELONY",
                              conv_offense="11357(B) HS-POSS MARIJ")
    row = one(decide(sheet, Criteria(felony_11357="dismiss", felony_11359="reduce")))
    assert (row.section, row.determination) == ("11357", DISMISS)


def test_a_marijuana_charge_pleaded_to_another_law_is_listed_as_set_aside(sheet):
    sheet.person().conviction("11359", "20100101", conv_offense="11350 HS-POSSESS NARCOTIC")
    assert decide(sheet).empty
    listed = one(set_aside(sheet))
    assert listed.set_aside_reason == "Convicted of another offense"
    assert "convicted of 11350 HS (CONV_OFFENSE_DESCR)" in listed.detail
    assert listed.source_line == 2


# --- level -------------------------------------------------------------------------------


def test_a_level_doj_did_not_record_is_hand_review_never_a_misdemeanor_guess(sheet):
    for status, toc in (("FEL", ""), ("F", ""), ("UNKNOWN", ""), ("", ""), ("", "N")):
        sheet.person().conviction("11359", "20100101", level=status, toc=toc)
    result = decide(sheet)
    assert list(result.level) == ["Unknown"] * 5
    assert set(result.reason) == {
        "Level unknown (felony, misdemeanor or infraction not recorded): check the court record"}
    assert "CONV_STAT_DESCR 'FEL'" in result.reading_notes.iloc[0]


def test_the_known_spellings_of_a_level_keep_working(sheet, tmp_path):
    """Read through the real reader, which makes `NULL` and `  -  ` empty."""
    sheet.person().conviction("11359", "20100101", level="felony")
    sheet.person().conviction("11359", "20100101", level="", toc="F")
    sheet.person().conviction("11359", "20100101", level="NULL", toc="M")
    sheet.person().conviction("11359", "20100101", level="  -  ", toc="I")
    path = tmp_path / "doj.csv"
    path.write_text(sheet.csv_text())
    facts = convictions_from_table(read_all([path], RowAccounting()), COUNTY).facts
    assert list(facts.level) == ["Felony", "Felony", "Misdemeanor", "Infraction"]


# --- look-alikes and other counties ------------------------------------------------------


def test_look_alikes_are_other_laws_and_are_neither_decided_nor_set_aside(sheet):
    for text in ("11357.5 HS-POSS SYNTHETIC CANNABINOID", "11362.3 HS-SMOKE MARIJ PUBLIC",
                 "111357 HS-X", "211357 PC-X", "23222(B) VC-POSS MARIJ WHILE DRIVING"):
        sheet.person().conviction(text, "20100101")
    assert decide(sheet).empty
    assert set_aside(sheet).empty


def test_an_unread_text_names_the_prop64_section_it_mentions_not_a_look_alike(sheet):
    """`11357.5 HS` (synthetic cannabinoid) is read; the HS 11360 garbled after it is not.
    The review names HS 11360: 11357.5 is a look-alike, never HS 11357."""
    sheet.person().conviction("11357.5 HS SYNTH DESC HS--11360-GARBLED", "20100101")
    row = one(decide(sheet))
    assert (row.code_section, row.section, row.offense_kind) == ("11360 HS", "11360", "unread")
    assert (row.determination, row.reason) == (
        HAND, "Offense text names HS 11360 but could not be read: check the court record")


def test_a_prop64_conviction_in_another_county_is_listed_with_its_line(sheet):
    sheet.person().conviction("11357", "20100101", county="YOLO")
    assert decide(sheet).empty
    listed = one(set_aside(sheet))
    assert (listed.set_aside_reason, listed.detail, listed.source_line) == (
        "Conviction in another county", "court step in YOLO county", 2)


def test_a_prop64_number_under_the_wrong_code_goes_to_review_not_away(sheet):
    """`11358 PC` (seen in public fixtures): no Penal Code 11358 exists; review it."""
    sheet.person().conviction("11358 PC-CULTIVATE MARIJ", "20100101")
    row = one(decide(sheet))
    assert (row.determination, row.reason) == (
        HAND, "Offense text names HS 11358 but could not be read: check the court record")


# --- history written in other spellings -------------------------------------------------


def test_priors_written_11359B_count_as_priors_of_the_same_section(sheet):
    sheet.person().conviction("11359B HS-POSS FOR SALE", "20000101") \
        .conviction("11359B HS-POSS FOR SALE", "20020101").conviction("11359", "20100101")
    result = decide(sheet, Criteria(disqualify_two_priors="not_eligible"))
    last = result[result.conviction_date == "2010-01-01"].iloc[0]
    assert (last.determination, last.reason) == (NOT_ELIGIBLE, "2 prior HS 11359 convictions")


def test_a_glued_11357A_count_keeps_only_prop64_relief(sheet):
    sheet.person().conviction("11357A HS-POSS CONC CANNABIS", "20000101", level="MISDEMEANOR") \
        .conviction("11359", "20100101")
    result = decide(sheet, Criteria(relief_only_prop64=True))
    last = result[result.conviction_date == "2010-01-01"].iloc[0]
    assert (last.determination, last.reason) == (DISMISS, "Only has 11357-60 charges")


def test_a_prior_murder_written_code_first_and_glued_is_a_super_strike(sheet):
    """`PC187` is PC 187: a prior murder conviction disqualifies the later 11359 felony
    where the office makes a prior super strike "not eligible"."""
    sheet.person().conviction("PC187-MURDER", "19900101") \
        .conviction("11359", "20100101")
    row = one(decide(sheet, Criteria(disqualify_super_strike="not_eligible")))
    assert (row.determination, row.reason) == (NOT_ELIGIBLE, "Prior super strike (187 PC)")


def test_a_super_strike_written_with_code_MV_disqualifies(sheet):
    sheet.person().conviction("1672(A) MV-MILITARY OFFENSE", "19900101") \
        .conviction("11359", "20100101")
    row = one(decide(sheet, Criteria(disqualify_super_strike="not_eligible")))
    assert (row.determination, row.reason) == (NOT_ELIGIBLE, "Prior super strike (1672(A) MV)")

"""Code sections as DOJ writes them, and the law's lists that match them."""

from __future__ import annotations

import pandas as pd
import pytest

from cmr_xl.rules.code_sections import (
    first_prop64_section,
    is_prop64,
    offense_list,
    parse_sections,
)
from cmr_xl.rules.law import load_law


@pytest.mark.parametrize(
    ("text", "canonical", "section", "subsection"),
    [
        ("11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM", "11360(A) HS", "11360", "(A)"),
        ("11357(B)   HS-POSSESS UNDER 1 OZ MARIJ", "11357(B) HS", "11357", "(B)"),
        ("11360(A)(1) HS-TRANSPORT", "11360(A)(1) HS", "11360", "(A)(1)"),
        ("187 PC-MURDER", "187 PC", "187", ""),
        ("664/187(A) PC-ATTEMPTED MURDER", "664/187(A) PC", "187", "(A)"),
        ("273AB PC-ASSAULT CAUSING DEATH OF CHILD", "273AB PC", "273AB", ""),
        ("  288(a) pc-lewd act  ", "288(A) PC", "288", "(A)"),
        ("23152(A) VC-DUI", "23152(A) VC", "23152", "(A)"),
    ],
)
def test_a_code_section_is_read_from_the_offense_text(text, canonical, section, subsection):
    parsed = parse_sections(pd.Series([text])).iloc[0]
    assert (parsed.code_section, parsed.section, parsed.subsection) == (
        canonical, section, subsection)


def test_text_without_a_code_section_gives_none():
    parsed = parse_sections(pd.Series(["SEE COMMENT FOR CHARGE", None, ""]))
    assert parsed["code_section"].isna().all()


def test_a_comment_is_searched_anywhere():
    parsed = parse_sections(pd.Series(["CHARGE AMENDED TO 11359 HS PER DA"]), anywhere=True)
    assert parsed.iloc[0].code_section == "11359 HS"


def _match(list_name: str, *texts: str) -> list[bool]:
    return offense_list(list_name).match(parse_sections(pd.Series(texts))).tolist()


def test_a_zero_decimal_is_a_stray_mark_because_the_law_data_says_so(monkeypatch):
    """offense_text.yaml `stray_decimal_zero`: true reads `11357.0 HS` as HS 11357; false
    keeps the decimal (another section)."""
    from cmr_xl.rules import code_sections

    assert code_sections.read_offense("11357.0 HS").canonical == "11357 HS"
    data = {**load_law("offense_text"), "stray_decimal_zero": False}
    monkeypatch.setattr(code_sections, "load_law", lambda name: data)
    code_sections._spelling.cache_clear()
    try:
        reading = code_sections.read_offense("11357.0 HS")
        assert (reading.canonical, reading.prop64_reading) == ("11357.0 HS", "")
    finally:
        monkeypatch.undo()
        code_sections._spelling.cache_clear()
    assert code_sections.read_offense("11357.0 HS").canonical == "11357 HS"


def test_the_first_prop64_section_mentioned_skips_look_alikes():
    """Per row, the first text that names HS 11357-11360 as mentions_prop64 reads it:
    11357.5 is a look-alike, so the section is 11360."""
    texts = [pd.Series(["11357.5 HS SYNTH", "11359 HS", None, "459 PC"]),
             pd.Series(["DESC HS--11360-GARBLED", "11360 HS", "X 11357.0 HS", None])]
    assert list(first_prop64_section(texts)) == ["11360", "11359", "11357", None]


def test_prop64_is_hs_11357_to_11360_and_nothing_else():
    parsed = parse_sections(pd.Series(["11357 HS-X", "11360(B) HS-X", "11361 HS-X",
                                       "11359 PC-X", "664/11359 HS-X"]))
    assert is_prop64(parsed).tolist() == [True, True, False, False, False]


def test_super_strikes_include_homicide_attempts_and_listed_subdivisions_only():
    assert _match("super_strikes", "187 PC-X", "664/187 PC-X", "190.2 PC-X",
                  "288(A) PC-X", "288(C)(1) PC-X", "245(D)(3) PC-X", "245(A)(1) PC-X") == [
        True, True, True, True, False, True, False]


def test_a_gang_life_term_is_listed_but_not_matched_without_its_enhancement():
    assert _match("super_strikes", "136.1 PC-X") == [False]


def test_pc290_offenses_match_by_section_and_subdivision():
    assert _match("pc290_offenses", "288 PC-X", "314(1) PC-X", "314(3) PC-X",
                  "647.6 PC-X", "11359 HS-X") == [True, True, False, True, False]


def test_related_charges_include_paraphernalia_and_flag_bp_4060():
    related = offense_list("related_charges")
    parsed = parse_sections(pd.Series(["11364 HS-X", "4060 BP-X", "459 PC-X"]))
    assert related.match(parsed).tolist() == [True, True, False]
    assert related.flagged(parsed).tolist() == [False, True, False]


@pytest.mark.parametrize("name", ["prop64", "super_strikes", "pc290_offenses",
                                  "related_charges", "criteria", "decision_order"])
def test_every_law_file_carries_its_citation(name):
    data = load_law(name)
    assert data.get("reference"), f"{name}.yaml has no reference"
    assert data.get("description")

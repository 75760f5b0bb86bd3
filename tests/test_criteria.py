"""Criteria files: our YAML/JSON schema, BEAR's eligibility_options.json, and the errors
a clerk gets for a bad value (naming the key)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cmr_xl.common.errors import CriteriaError
from cmr_xl.engine.criteria_files import criteria_from_bear, load_criteria_file
from cmr_xl.rules.criteria import Criteria, criteria_from_mapping, criterion_specs


def test_defaults_are_the_statewide_practice():
    criteria = Criteria()
    assert (criteria.felony_11357, criteria.felony_11358) == ("dismiss", "dismiss")
    assert (criteria.felony_11359, criteria.felony_11360) == ("reduce", "reduce")
    assert criteria.misdemeanor == "dismiss"
    assert {criteria.disqualify_super_strike, criteria.disqualify_pc290,
            criteria.disqualify_two_priors} == {"show_only"}
    assert criteria.as_of == date(2020, 7, 1)


def test_every_declared_criterion_is_a_field_with_the_declared_default():
    criteria = Criteria()
    for spec in criterion_specs():
        value = criteria.as_mapping()[spec.key]
        expected = spec.default.isoformat() if isinstance(spec.default, date) else spec.default
        assert value == expected, spec.key


def test_yaml_criteria_with_a_scenario(tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text("as_of: 2020-07-01\nfelony_11359: dismiss\nrelief_age_threshold: 50\n"
                    "scenarios:\n  No age rule: {relief_age_threshold: 0}\n")
    criteria, scenarios = load_criteria_file(path)
    assert criteria.felony_11359 == "dismiss" and criteria.relief_age_threshold == 50
    assert [s.name for s in scenarios] == ["No age rule"]
    assert scenarios[0].relief_age_threshold == 0 and scenarios[0].felony_11359 == "dismiss"


def test_the_as_of_option_wins_over_the_file(tmp_path):
    path = tmp_path / "county.json"
    path.write_text(json.dumps({"as_of": "2019-01-01"}))
    criteria, _ = load_criteria_file(path, as_of=date(2020, 7, 1))
    assert criteria.as_of == date(2020, 7, 1)


def test_choice_words_from_a_dropdown_are_accepted():
    criteria = criteria_from_mapping({"felony_11360": "Dismiss and seal",
                                      "disqualify_pc290": "hand review"})
    assert (criteria.felony_11360, criteria.disqualify_pc290) == ("dismiss", "hand_review")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"relief_age_threshold": 30},
         "relief_age_threshold: 30 is out of range for Dismiss if the person is now at least "
         "this age. Use 0 (off) or a whole number from 40 to 65"),
        ({"relief_years_crime_free": "ten"},
         "relief_years_crime_free: 'ten' is not a whole number"),
        ({"felony_11359": "pardon"}, "felony_11359: 'pardon' is not a choice"),
        ({"relief_deceased": "maybe"}, "relief_deceased: 'maybe' is not yes or no"),
        ({"as_of": "July 2020"}, "as_of: 'July 2020' is not a date"),
        ({"felony_11361": "dismiss"}, "unknown criterion 'felony_11361'"),
        ({"subsection_overrides": "11364=dismiss"}, "'11364' is not an HS 11357-11360"),
    ],
)
def test_a_bad_value_names_the_key_and_what_to_do(values, message):
    with pytest.raises(CriteriaError) as error:
        criteria_from_mapping(values, where="county.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("county.yaml")


def test_a_bad_value_can_name_its_cell():
    with pytest.raises(CriteriaError, match=r"^Criteria!C9: 'abc' is not a whole number"):
        criteria_from_mapping({"relief_years_since_conviction": "abc"},
                              locations={"relief_years_since_conviction": "Criteria!C9"})


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("felony_11359: dismiss\n  relief: [\n")
    with pytest.raises(CriteriaError, match=r"bad.yaml, line \d+: is not valid JSON/YAML"):
        load_criteria_file(path)


def test_bear_options_translate_to_the_same_policy():
    """BEAR sent felonies of sections in neither list nowhere; we send them to review."""
    criteria = criteria_from_bear({
        "baselineEligibility": {"dismiss": ["11357(a)", "11357(b)", "11358"],
                                "reduce": ["11359", "11360"]},
        "additionalRelief": {"subjectUnder21AtConviction": True,
                             "dismissOlderThanAgeThreshold": True, "subjectAgeThreshold": 50,
                             "dismissYearsSinceConvictionThreshold": False,
                             "yearsSinceConvictionThreshold": 5,
                             "yearsCrimeFreeThreshold": 10,
                             "subjectHasOnlyProp64Charges": True, "subjectIsDeceased": True},
    })
    assert criteria.subsection_overrides == (("11357(A)", "dismiss"), ("11357(B)", "dismiss"))
    assert criteria.felony_11357 == "hand_review"
    assert (criteria.felony_11358, criteria.felony_11359) == ("dismiss", "reduce")
    assert criteria.relief_under_21 and criteria.relief_only_prop64 and criteria.relief_deceased
    assert criteria.relief_age_threshold == 50
    assert criteria.relief_years_since_conviction == 0  # its toggle is off
    assert criteria.relief_years_crime_free == 10


def test_bear_out_of_range_threshold_names_the_bear_key():
    with pytest.raises(CriteriaError, match=r"additionalRelief.subjectAgeThreshold: 30 is out"):
        criteria_from_bear({"additionalRelief": {"subjectAgeThreshold": 30}},
                           where="eligibility_options.json")


def test_bear_unknown_key_is_an_error():
    with pytest.raises(CriteriaError, match="additionalRelief.subjectIsTall"):
        criteria_from_bear({"additionalRelief": {"subjectIsTall": True}})


def test_the_criteria_in_force_read_as_sentences():
    sentences = Criteria(felony_11359="dismiss", relief_age_threshold=57).sentences()
    assert "HS 11359 felony convictions: dismiss and seal." in sentences
    assert "A conviction is dismissed when the person is 57 years or older." in sentences
    assert "No additional relief for deceased persons." in sentences

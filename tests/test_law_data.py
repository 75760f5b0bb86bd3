"""The law data: each file checked against its schema at load (one broken file per
error kind, with the message it must give), and the accessors every rule reads."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from cmr_xl.rules import law
from cmr_xl.rules.criteria import Criteria, criterion_specs, dismiss_all_prop64
from cmr_xl.rules.law import LawDataError, load_law, parse_law

GOOD = """
description: Prop 64
reference: HS 11361.8
effective_date: {reference: Prop 64, values: {2016-11-09: 2016-11-09}}
statewide_as_of: {reference: HS 11361.9, values: {2019-01-01: 2020-07-01}}
code: {reference: HS, values: {2016-11-09: HS}}
sections: {reference: HS 11361.8(a), values: {2016-11-09: {"11357": Possession}}}
aggravator_sections: {reference: HS 11358(d), values: {2016-11-09: ["11358"]}}
same_section_priors_threshold: {reference: HS 11358(d)(2), values: {2016-11-09: 2}}
"""


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_the_good_example_loads():
    assert parse_law("prop64", GOOD)["code"]["values"][date(2016, 11, 9)] == "HS"


@pytest.mark.parametrize("name", ["prop64", "office_policy", "decision_order", "criteria",
                                  "offense_text", "super_strikes", "pc290_offenses",
                                  "related_charges", "counties", "da_decision"])
def test_every_law_file_passes_its_schema(name):
    assert load_law(name)["reference"]


@pytest.mark.parametrize("text, message", [
    ("a: [unclosed", "cmr_xl/law/prop64.yaml: not readable YAML"),
    ("- a list", "cmr_xl/law/prop64.yaml: must be a mapping of keys to values"),
    (broken("reference: HS 11361.8\n", ""), "cmr_xl/law/prop64.yaml: reference: missing (required)"),
    (broken("code: {reference: HS, values: {2016-11-09: HS}}\n", ""),
     "cmr_xl/law/prop64.yaml: code: missing (required)"),
    (broken("description: Prop 64", "description: [Prop, 64]"),
     "cmr_xl/law/prop64.yaml: description: must be a str, not list"),
    (broken("code: {reference: HS, values: {2016-11-09: HS}}", "code: {reference: HS, value: HS}"),
     "cmr_xl/law/prop64.yaml: code: must hold dated `values:`"),
    (broken("code: {reference: HS, values: {2016-11-09: HS}}", "code: {reference: HS, values: {}}"),
     "cmr_xl/law/prop64.yaml: code: must hold dated `values:`"),
    (broken("code: {reference: HS, values:", "code: {values:"),
     "cmr_xl/law/prop64.yaml: code: needs a `reference`"),
    (broken("{2016-11-09: 2}", "{since 2016: 2}"),
     "cmr_xl/law/prop64.yaml: same_section_priors_threshold: values: 'since 2016' is not a date"),
    (broken("{2016-11-09: 2}", "{2016-11-09: two}"),
     "cmr_xl/law/prop64.yaml: same_section_priors_threshold: values: 2016-11-09: must be a int, "
     "not str"),
    (broken("{2019-01-01: 2020-07-01}", "{2019-01-01: soon}"),
     "cmr_xl/law/prop64.yaml: statewide_as_of: values: 2019-01-01: must be a date, not str"),
], ids=["not_yaml", "not_a_mapping", "no_reference_in_file", "missing_key", "wrong_type",
        "value_not_dated", "no_values", "figure_without_reference", "undated_value",
        "dated_value_of_wrong_type", "date_that_is_not_a_date"])
def test_a_broken_law_file_names_the_file_and_key(text, message):
    with pytest.raises(LawDataError) as error:
        parse_law("prop64", text)
    assert str(error.value).startswith(message)


def test_an_unlisted_dated_figure_is_checked_too():
    with pytest.raises(LawDataError, match="prop64.yaml: window: needs a `reference`"):
        parse_law("prop64", GOOD + "window: {values: {2016-11-09: 7}}\n")


def test_the_value_in_force_is_the_latest_dated_on_or_before_the_day(monkeypatch):
    data = {"description": "x", "reference": "x",
            "n": {"reference": "x", "values": {date(2010, 1, 1): 1, date(2020, 1, 1): 2}}}
    monkeypatch.setattr(law, "load_law", lambda name: data)
    assert law.law_value("x", "n") == 2
    assert law.law_value("x", "n", date(2019, 12, 31)) == 1
    assert law.law_value("x", "n", date(2020, 1, 1)) == 2
    with pytest.raises(LawDataError, match="no value in force on 2009-12-31"):
        law.law_value("x", "n", date(2009, 12, 31))


def test_the_accessors_read_the_law():
    assert law.prop64_sections() == ("11357", "11358", "11359", "11360")
    assert law.prop64_effective_date() == date(2016, 11, 9)
    assert law.effective_date_text() == "11/09/2016"
    assert law.statewide_as_of() == date(2020, 7, 1)
    assert law.recent_years() == 7
    assert law.sentence_unit_days() == {"D": 1.0, "M": 30.4375, "Y": 365.25}
    assert law.prop64_range_text() == "HS 11357-11360"


def test_reason_texts_get_the_effective_date_from_the_data():
    rule = next(r for r in law.decision_rules() if r["id"] == "after_prop64")
    assert rule["reason"] == f"Occurred after {law.effective_date_text()}"
    assert "{date}" not in str(law.decision_rules())


def test_criteria_fields_and_defaults_are_the_law_data():
    fields = {f.name: f.default for f in dataclasses.fields(Criteria)}
    assert {k for k in fields if k.startswith("felony_")} == {
        f"felony_{s}" for s in law.prop64_sections()}
    for spec in criterion_specs():
        assert fields[spec.key] == (spec.default if spec.kind != "overrides" else ()), spec.key
    assert Criteria().as_of == law.statewide_as_of()
    assert {dismiss_all_prop64(date(2020, 7, 1)).felony_action(s)
            for s in law.prop64_sections()} == {"dismiss"}


def test_every_rule_criterion_is_a_criterion_the_rule_reads():
    keys = {spec.key for spec in criterion_specs()}
    named = [r["criterion"] for r in law.decision_rules() if "criterion" in r]
    assert named and set(named) <= keys

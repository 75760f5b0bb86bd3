"""Load the law's data files (cmr_xl/law/*.yaml) once, checked against a small schema.

The lists, dates and figures live in data with their citations so that a county can
review and amend them without reading code. A figure is written OpenFisca-style, dated
and cited:

    effective_date:
      description: The day Prop 64 took effect
      reference: "Proposition 64 (2016), HS 11361.8(a)"
      values:
        2016-11-09: 2016-11-09     # in force from: value

Each fact has one accessor here (`prop64_sections()`, `recent_years()`, ...), and every
rule, default, reason text, printed criterion and workbook label reads it from there.
A file that breaks the schema stops the load with a `LawDataError` naming file and key.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml


class LawDataError(ValueError):
    """A law data file does not follow the schema: the message names the file and key."""


#: Per file, the keys it must hold and their type. ("dated", T): a dated, cited figure
#: whose values are T. Every file also needs a `description` and a `reference` (str).
SCHEMA: dict[str, dict[str, Any]] = {
    "prop64": {
        "effective_date": ("dated", date),
        "statewide_as_of": ("dated", date),
        "code": ("dated", str),
        "sections": ("dated", dict),
        "aggravator_sections": ("dated", list),
        "same_section_priors_threshold": ("dated", int),
    },
    "office_policy": {
        "recent_years": ("dated", int),
        "sentence_unit_days": ("dated", dict),
    },
    "decision_order": {"rules": list, "missing_fact_reason": str,
                       "still_serving_reason": str, "no_rule_reason": str,
                       "related_charge": dict, "set_aside": dict, "relief": dict},
    "criteria": {"criteria": list, "choices": dict},
    "offense_text": {"codes": dict, "inchoate": dict, "levels": dict, "unknown_level": str},
}


@cache
def load_law(name: str) -> dict[str, Any]:
    """The parsed, schema-checked YAML file `cmr_xl/law/<name>.yaml`."""
    text = resources.files("cmr_xl.law").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return parse_law(name, text)


def parse_law(name: str, text: str) -> dict[str, Any]:
    """`text` as law file `name`, checked: a broken file raises LawDataError."""
    where = f"cmr_xl/law/{name}.yaml"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LawDataError(f"{where}: not readable YAML ({error})") from None
    if not isinstance(data, dict):
        raise LawDataError(f"{where}: must be a mapping of keys to values")
    for key, kind in {"description": str, "reference": str, **SCHEMA.get(name, {})}.items():
        if key not in data:
            raise LawDataError(f"{where}: {key}: missing (required)")
        if isinstance(kind, tuple):
            _check_dated(where, key, data[key], kind[1])
        elif not isinstance(data[key], kind):
            raise LawDataError(f"{where}: {key}: must be a {kind.__name__}, "
                               f"not {type(data[key]).__name__}")
    for key, value in data.items():
        if isinstance(value, dict) and "values" in value and key not in SCHEMA.get(name, {}):
            _check_dated(where, key, value, object)
    return data


def _check_dated(where: str, key: str, item: Any, kind: type) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("values"), dict) \
            or not item["values"]:
        raise LawDataError(f"{where}: {key}: must hold dated `values:` "
                           "(e.g. values: {2016-11-09: ...})")
    if not isinstance(item.get("reference"), str) or not item["reference"].strip():
        raise LawDataError(f"{where}: {key}: needs a `reference` (the law or office policy "
                           "it follows)")
    for day, value in item["values"].items():
        if not isinstance(day, date):
            raise LawDataError(f"{where}: {key}: values: {day!r} is not a date (YYYY-MM-DD)")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise LawDataError(f"{where}: {key}: values: {day}: must be a {kind.__name__}, "
                               f"not {type(value).__name__}")


def law_value(name: str, key: str, on: date | None = None) -> Any:
    """The value of dated figure `key` of file `name` in force on `on` (default: the
    latest)."""
    values = load_law(name)[key]["values"]
    days = sorted(d for d in values if on is None or d <= on)
    if not days:
        raise LawDataError(f"cmr_xl/law/{name}.yaml: {key}: no value in force on {on}")
    return values[days[-1]]


# --- one accessor per fact ------------------------------------------------------------


def prop64_effective_date() -> date:
    """Prop 64 took effect the day after the 2016 election; later dispositions are
    not eligible (HS 11361.8(a))."""
    return law_value("prop64", "effective_date")


def effective_date_text() -> str:
    """The effective date as reason texts write it (MM/DD/YYYY, as clerks know it)."""
    return prop64_effective_date().strftime("%m/%d/%Y")


def statewide_as_of() -> date:
    """The as-of date of the statewide review (HS 11361.9): the default as-of date."""
    return law_value("prop64", "statewide_as_of")


@cache
def prop64_code() -> str:
    """The statute code of the Prop 64 sections (HS)."""
    return law_value("prop64", "code")


@cache
def prop64_sections() -> tuple[str, ...]:
    """The sections HS 11361.8 relief covers, in order."""
    return tuple(str(s) for s in law_value("prop64", "sections"))


@cache
def prop64_section_pattern() -> str:
    """A regular expression naming any Prop 64 section number (built from the data)."""
    return "(?:" + "|".join(prop64_sections()) + ")"


@cache
def inchoate_markers() -> tuple[str, ...]:
    """The sections that make a count an attempt or conspiracy (PC 664, PC 182), as
    `offense_text.yaml` lists them, so that a marker added there is read everywhere."""
    return tuple(str(m) for m in load_law("offense_text")["inchoate"])


@cache
def inchoate_marker_pattern() -> str:
    """A regular expression naming any inchoate marker (longest first, built from the data)."""
    ordered = sorted(inchoate_markers(), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(m) for m in ordered) + ")"


def prop64_range_text() -> str:
    """The sections as prose names them: `HS 11357-11360`."""
    sections = prop64_sections()
    return f"{prop64_code()} {sections[0]}-{sections[-1]}"


def aggravator_sections() -> tuple[str, ...]:
    """Sections whose statutory aggravators keep a felony a felony."""
    return tuple(str(s) for s in law_value("prop64", "aggravator_sections"))


def same_section_priors_threshold() -> int:
    """Prior convictions of the same section that keep a felony a felony."""
    return law_value("prop64", "same_section_priors_threshold")


def recent_years() -> int:
    """Office policy: the county summary's window, "no conviction in the last N years"."""
    return law_value("office_policy", "recent_years")


def sentence_unit_days() -> dict[str, float]:
    """Office policy: days in one unit of DOJ's SENT_TIME_CODE (D, M, Y)."""
    return {str(k): float(v) for k, v in law_value("office_policy", "sentence_unit_days").items()}


def decision_rules() -> list[dict[str, Any]]:
    """The decision order's rules with {date} (the effective date) filled in."""
    return _filled_rules(effective_date_text())


@cache
def _filled_rules(day: str) -> list[dict[str, Any]]:
    def fill(value: Any) -> Any:
        return value.replace("{date}", day) if isinstance(value, str) else value
    return [{k: fill(v) for k, v in rule.items()} for rule in load_law("decision_order")["rules"]]

"""Criteria files: a county's criteria (and what-if scenarios) from YAML/JSON in our
schema, or from a BEAR/gogen `eligibility_options.json`.

Reading a file is input handling, not law: bounded work (see `documents`), every problem
named by file, key and line. What the values mean is `cmr_xl.rules.criteria`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from cmr_xl.common.documents import (
    KeyLines,
    at_line,
    key_lines_for,
    load_json,
    load_yaml,
    not_text,
    read_document_bytes,
    shown,
)
from cmr_xl.common.errors import CriteriaError
from cmr_xl.rules.criteria import (
    PROP64_SECTIONS,
    Criteria,
    CriterionSpec,
    criteria_from_mapping,
    parse_switch,
)

_BEAR_SWITCH = CriterionSpec(key="", label="a BEAR option", kind="switch", default=False, help="",
                             sentence="")

BEAR_RELIEF_KEYS = {
    "subjectUnder21AtConviction", "dismissOlderThanAgeThreshold", "subjectAgeThreshold",
    "dismissYearsSinceConvictionThreshold", "yearsSinceConvictionThreshold",
    "dismissYearsCrimeFreeThreshold", "yearsCrimeFreeThreshold",
    "subjectHasOnlyProp64Charges", "subjectIsDeceased",
}


def load_criteria_file(path: str | Path, *, as_of: date | None = None) -> tuple[Criteria, list[Criteria]]:
    """Criteria (and named what-if scenarios) from a YAML/JSON file in our schema, or a
    BEAR/gogen `eligibility_options.json`. `as_of`, when given, wins over the file's.
    The file is read with bounded work (see `documents`): size cap, no YAML aliases, no
    duplicate keys; every problem names the file, the key and its line."""
    path = Path(path)
    raw = read_document_bytes(path)
    what_it_is = not_text(raw)
    if what_it_is:
        raise CriteriaError(str(path), what_it_is)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise CriteriaError(f"{path}, line {line}",
                            f"is not UTF-8 text (byte 0x{raw[error.start]:02X})",
                            "Save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8)") from None
    lines: KeyLines = {}
    if path.suffix.lower() == ".json":
        data = load_json(text, str(path))
    else:
        data, lines = load_yaml(text, str(path))
    if not isinstance(data, Mapping):
        raise CriteriaError(str(path), "does not hold a mapping of criteria",
                            "Write one 'key: value' per criterion")
    if "baselineEligibility" in data or "additionalRelief" in data:
        criteria = criteria_from_bear(data, where=str(path))
        scenarios: list[Criteria] = []
    else:
        for key in data:
            if not isinstance(key, str):
                line = lines.get((str(key),))
                raise CriteriaError(at_line(str(path), line),
                                    f"the key {shown(key)} is {_key_kind(key)}, not the name "
                                    "of a criterion",
                                    "Write criteria as 'name: value', e.g. felony_11359: reduce "
                                    "(`cmr-xl criteria --template` lists them)")
        criteria = criteria_from_mapping(data, where=str(path),
                                         locations=key_lines_for(lines, str(path)))
        scenarios = _scenarios(criteria, data.get("scenarios") or {}, str(path), lines)
    if as_of is not None:
        criteria = dataclasses.replace(criteria, as_of=as_of)
        scenarios = [dataclasses.replace(s, as_of=as_of) for s in scenarios]
    return criteria, scenarios


def _key_kind(key: Any) -> str:
    if isinstance(key, bool):
        return "a yes/no value (YAML reads yes, no, on and off so)"
    if isinstance(key, (int, float)):
        return "a number"
    return "empty" if key is None else f"a {type(key).__name__}"


def _scenarios(base: Criteria, raw: Any, where: str, lines: KeyLines | None = None) -> list[Criteria]:
    lines = lines or {}
    if not isinstance(raw, Mapping):
        line = lines.get(("scenarios",))
        raise CriteriaError(f"{at_line(where, line)}: scenarios",
                            "must map a scenario name to changed criteria",
                            "e.g. scenarios: {'Dismiss 11359': {felony_11359: dismiss}}")
    result = []
    for name, changes in raw.items():
        line = lines.get(("scenarios", str(name)))
        spot = at_line(where, line)
        if not isinstance(changes, Mapping):
            raise CriteriaError(f"{spot}: scenarios: {name}", "must map criteria to values",
                                "e.g. scenarios: {'Dismiss 11359': {felony_11359: dismiss}}")
        merged = {**base.as_mapping(), **changes}
        result.append(criteria_from_mapping(
            merged, where=f"{spot}: scenarios: {name}", name=str(name),
            locations=key_lines_for(lines, where, "scenarios", str(name))))
    return result


def criteria_from_bear(data: Mapping[str, Any], *, where: str = "eligibility_options.json") -> Criteria:
    """Translate BEAR/gogen options: baseline dismiss/reduce lists apply to felonies
    (BEAR always dismisses misdemeanors); a section in neither list goes to hand review
    (BEAR left it blank); additional-relief thresholds of 0 are off, as in gogen."""
    unknown = sorted(set(data) - {"baselineEligibility", "additionalRelief"}, key=str)
    if unknown:
        raise CriteriaError(where, f"unknown BEAR key {', '.join(map(shown, unknown))}",
                            "Expected baselineEligibility and additionalRelief")
    baseline = data.get("baselineEligibility") or {}
    relief = data.get("additionalRelief") or {}
    for key, value in (("baselineEligibility", baseline), ("additionalRelief", relief)):
        if not isinstance(value, Mapping):
            raise CriteriaError(f"{where}: {key}", f"must be an object, not {shown(value, 60)}",
                                "Use the eligibility_options.json that BEAR wrote")
    for action in ("dismiss", "reduce"):
        if not isinstance(baseline.get(action) or [], list):
            raise CriteriaError(f"{where}: baselineEligibility.{action}",
                                f"must be a list of sections, not {shown(baseline[action])}",
                                'e.g. ["11357", "11358"]')
    bad_baseline = sorted(set(baseline) - {"dismiss", "reduce"}, key=str)
    bad_relief = sorted(set(relief) - BEAR_RELIEF_KEYS, key=str)
    if bad_baseline or bad_relief:
        keys = [f"baselineEligibility.{k}" for k in bad_baseline]
        keys += [f"additionalRelief.{k}" for k in bad_relief]
        raise CriteriaError(where, f"unknown BEAR key {', '.join(keys)}",
                            f"Known additionalRelief keys: {', '.join(sorted(BEAR_RELIEF_KEYS))}")
    values: dict[str, Any] = {f"felony_{s}": "hand_review" for s in PROP64_SECTIONS}
    overrides: list[tuple[str, str]] = []
    listed: dict[str, str] = {}
    for action in ("dismiss", "reduce"):
        for item in baseline.get(action) or []:
            key = str(item).strip().upper().replace(" ", "").replace("(NO-SUB-SECTION)", "")
            if listed.get(key, action) != action:
                raise CriteriaError(
                    f"{where}: baselineEligibility", f"{shown(item)} is listed under both "
                    f"baselineEligibility.{listed[key]} and baselineEligibility.{action}, so "
                    "BEAR's settings contradict each other",
                    f"Keep {shown(item)} in one of the two lists")
            listed[key] = action
            if key in PROP64_SECTIONS:
                values[f"felony_{key}"] = action
            elif any(key.startswith(s) for s in PROP64_SECTIONS):
                overrides.append((key, action))
            else:
                raise CriteriaError(f"{where}: baselineEligibility.{action}",
                                    f"{shown(item)} is not an HS 11357-11360 section",
                                    "Use sections like 11357 or 11357(a)")
    values["subsection_overrides"] = overrides

    def switch(key: str) -> bool:
        value = relief.get(key)
        try:
            return value is not None and parse_switch(_BEAR_SWITCH, value, where)
        except CriteriaError:
            raise CriteriaError(f"{where}: additionalRelief.{key}",
                                f"{shown(value)} is not true or false",
                                "Use true or false, as BEAR writes it") from None

    def threshold(key: str, toggle: str) -> int:
        if toggle in relief and not switch(toggle):
            return 0
        return relief.get(key, 0) or 0

    bear_numbers = {
        "relief_age_threshold": ("subjectAgeThreshold", "dismissOlderThanAgeThreshold"),
        "relief_years_since_conviction": ("yearsSinceConvictionThreshold",
                                          "dismissYearsSinceConvictionThreshold"),
        "relief_years_crime_free": ("yearsCrimeFreeThreshold", "dismissYearsCrimeFreeThreshold"),
    }
    locations = {}
    for ours, (key, toggle) in bear_numbers.items():
        values[ours] = threshold(key, toggle)
        locations[ours] = f"{where}: additionalRelief.{key}"
    values["relief_under_21"] = switch("subjectUnder21AtConviction")
    values["relief_only_prop64"] = switch("subjectHasOnlyProp64Charges")
    values["relief_deceased"] = switch("subjectIsDeceased")
    return criteria_from_mapping(values, where=where, locations=locations, name="BEAR options")

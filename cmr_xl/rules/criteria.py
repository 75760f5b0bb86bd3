"""A county's criteria: a typed "reform" over the statutory floor.

The fields, defaults, bounds, help and plain-sentence renderings come from
`cmr_xl/law/criteria.yaml`, so the workbook's Criteria sheet, the YAML/JSON schema and the
printed "criteria in force" all come from one declaration and cannot drift.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from cmr_xl.common.documents import shown
from cmr_xl.common.errors import CriteriaError
from cmr_xl.rules import law
from cmr_xl.rules.law import load_law, prop64_sections

Action = Literal["dismiss", "reduce", "hand_review"]
Disqualifier = Literal["not_eligible", "hand_review", "show_only"]
Scope = Literal["prior", "any"]
Inchoate = Literal["hand_review", "as_completed"]
PROP64_SECTIONS = prop64_sections()  # law/prop64.yaml; kept for the adapters
#: The dates a criterion may hold (the as-of date): what the engine and Excel both hold,
#: and what the workbook's date validation allows.
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion as declared in criteria.yaml."""

    key: str
    label: str
    kind: str
    default: Any
    help: str
    sentence: str
    sentence_off: str = ""
    min: int | None = None
    max: int | None = None

    @property
    def choices(self) -> dict[str, str]:
        """Allowed values (key -> plain words) for a dropdown criterion."""
        return dict(load_law("criteria")["choices"].get(self.kind, {}))


def criterion_specs() -> tuple[CriterionSpec, ...]:
    """All criteria, in Criteria-sheet order. A default written `{law: NAME}` is the law
    data's fact of that name (the as-of date's is the statewide review date)."""
    fields = {f.name for f in dataclasses.fields(CriterionSpec)}
    return tuple(
        CriterionSpec(**{k: _law_default(v) if k == "default" else v
                         for k, v in item.items() if k in fields})
        for item in load_law("criteria")["criteria"]
    )


def _law_default(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"law"}:
        return getattr(law, value["law"])()
    return value


def _default(key: str) -> Any:
    """The default of criterion `key`, as criteria.yaml declares it."""
    return next(spec.default for spec in criterion_specs() if spec.key == key)


@dataclass(frozen=True)
class Criteria:
    """The criteria in force. Defaults equal the statewide practice."""

    as_of: date = _default("as_of")
    felony_11357: Action = _default("felony_11357")
    felony_11358: Action = _default("felony_11358")
    felony_11359: Action = _default("felony_11359")
    felony_11360: Action = _default("felony_11360")
    misdemeanor: Action = _default("misdemeanor")
    subsection_overrides: tuple[tuple[str, Action], ...] = ()
    relief_under_21: bool = False
    relief_age_threshold: int = 0
    relief_years_since_conviction: int = 0
    relief_years_crime_free: int = 0
    relief_only_prop64: bool = False
    relief_sentence_completed: bool = False
    relief_deceased: bool = False
    disqualify_super_strike: Disqualifier = "show_only"
    disqualify_pc290: Disqualifier = "show_only"
    disqualify_two_priors: Disqualifier = "show_only"
    disqualifier_scope: Scope = "prior"
    attempts: Inchoate = "hand_review"
    related_charges: bool = False
    name: str = field(default="County criteria", compare=False)

    def felony_action(self, section: str) -> Action:
        return getattr(self, f"felony_{section}")

    def with_changes(self, name: str | None = None, **changes: Any) -> Criteria:
        """A what-if scenario: these criteria with some changed (validated like a file)."""
        merged = {**self.as_mapping(), **changes}
        return criteria_from_mapping(merged, where="scenario", name=name or self.name)

    def as_mapping(self) -> dict[str, Any]:
        """Plain values in our schema (what a YAML/JSON criteria file holds)."""
        values = {spec.key: getattr(self, spec.key) for spec in criterion_specs()}
        values["as_of"] = self.as_of.isoformat()
        values["subsection_overrides"] = format_overrides(self.subsection_overrides)
        return values

    def sentences(self) -> list[str]:
        """The criteria in force as plain sentences, generated from criteria.yaml."""
        return [render_sentence(spec, getattr(self, spec.key)) for spec in criterion_specs()]


def dismiss_all_prop64(as_of: date) -> Criteria:
    """The comparison scenario every summary reports: dismiss every Prop 64 conviction."""
    return Criteria(
        as_of=as_of,
        misdemeanor="dismiss",
        name="Dismiss all Prop 64",
        **{f"felony_{section}": "dismiss" for section in prop64_sections()},
    )


def render_sentence(spec: CriterionSpec, value: Any) -> str:
    if spec.kind in ("switch", "number", "overrides") and not value:
        return spec.sentence_off
    if spec.kind == "overrides":
        value = format_overrides(value)
    elif spec.kind in spec_choice_kinds():
        value = spec.choices[value]
    elif isinstance(value, date):
        value = value.isoformat()
    return spec.sentence.format(value=value)


def spec_choice_kinds() -> set[str]:
    return set(load_law("criteria")["choices"])


def format_overrides(overrides: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{section}={action.replace('_', ' ')}" for section, action in overrides)


def criteria_from_mapping(
    values: Mapping[str, Any],
    *,
    where: str = "criteria",
    locations: Mapping[str, str] | None = None,
    name: str = "County criteria",
) -> Criteria:
    """Validate and build criteria from our schema. Unknown keys and bad values raise a
    CriteriaError naming the key, or its cell when `locations` maps keys to cells."""
    specs = {spec.key: spec for spec in criterion_specs()}
    unknown = sorted(set(values) - set(specs) - {"name", "scenarios"}, key=str)
    if unknown:
        raise CriteriaError(
            where,
            f"unknown criterion {', '.join(repr(k) for k in unknown)}",
            f"Known criteria: {', '.join(specs)}",
        )
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        if key in ("name", "scenarios"):
            continue
        spot = (locations or {}).get(key, f"{where}: {key}")
        parsed[key] = _parse_value(specs[key], raw, spot)
    return Criteria(**parsed, name=str(values.get("name") or name))


def _parse_value(spec: CriterionSpec, raw: Any, where: str) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.kind in ("overrides",):
            return ()
        if spec.kind in ("number", "switch"):
            return type(spec.default)(0)
        raise CriteriaError(where, f"{spec.label} is empty", f"Use {allowed_values(spec)}")
    if spec.kind == "date":
        return _parse_date(spec, raw, where)
    if spec.kind == "switch":
        return parse_switch(spec, raw, where)
    if spec.kind == "number":
        return _parse_number(spec, raw, where)
    if spec.kind == "overrides":
        return _parse_overrides(spec, raw, where)
    return _parse_choice(spec, raw, where)


def allowed_values(spec: CriterionSpec, *, dropdown: bool = False) -> str:
    """What a criterion accepts, in words: after "Use" in error messages, and (with
    `dropdown`, where the choices are listed beside the cell) in the workbook's
    validation prompts and Check column."""
    if spec.kind == "number":
        return f"0 (off) or a whole number from {spec.min} to {spec.max}"
    if spec.kind == "switch":
        return "yes or no"
    if spec.kind == "date":
        return f"a date as YYYY-MM-DD, e.g. {law.statewide_as_of().isoformat()}"
    if spec.kind == "overrides":
        return "entries like 11357(A)=dismiss; 11357(C)=hand review, or leave it empty"
    if dropdown:
        return "a choice from the dropdown"
    return "one of " + ", ".join(repr(words) for words in spec.choices.values())


def choice_aliases(choices: dict[str, str]) -> tuple[str, ...]:
    """The short words a choice accepts besides its dropdown words: its key and the key
    with '_' as ' ' (dismiss, hand review); also the workbook's Check column."""
    words = [w for key in choices for w in (key, key.replace("_", " "))]
    return tuple(dict.fromkeys(words))


def _parse_choice(spec: CriterionSpec, raw: Any, where: str) -> str:
    text = " ".join(str(raw).split()).lower()  # as Excel's TRIM in the Check column
    for key, words in spec.choices.items():
        if text in (*choice_aliases({key: words}), words.lower()):
            return key
    raise CriteriaError(where, f"{shown(raw)} is not a choice for {spec.label}",
                        f"Use {allowed_values(spec)}")


#: What a yes/no criterion accepts (any case, spaces around); also the workbook's Check column.
SWITCH_YES = ("yes", "y", "true", "1", "on")
SWITCH_NO = ("no", "n", "false", "0", "off")


def parse_switch(spec: CriterionSpec, raw: Any, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in SWITCH_YES:
        return True
    if text in SWITCH_NO:
        return False
    raise CriteriaError(where, f"{shown(raw)} is not yes or no for {spec.label}",
                        f"Use {allowed_values(spec)}")


def _parse_number(spec: CriterionSpec, raw: Any, where: str) -> int:
    try:
        number = float(raw) if not isinstance(raw, bool) else float("nan")
    except (TypeError, ValueError, OverflowError):
        number = float("nan")
    if math.isinf(number):  # 1e999, a 5,000-digit number
        raise CriteriaError(where, f"{shown(raw)} is out of range for {spec.label}",
                            f"Use {allowed_values(spec)}")
    if number != number or number != int(number):
        raise CriteriaError(where, f"{shown(raw)} is not a whole number for {spec.label}",
                            f"Use {allowed_values(spec)}")
    value = int(number)
    if value != 0 and not (spec.min <= value <= spec.max):
        written = raw if isinstance(raw, int) and not isinstance(raw, bool) else value
        raise CriteriaError(where, f"{shown(written)} is out of range for {spec.label}",
                            f"Use {allowed_values(spec)}")
    return value


def _parse_date(spec: CriterionSpec, raw: Any, where: str) -> date:
    if isinstance(raw, datetime):
        day = raw.date()
    elif isinstance(raw, date):
        day = raw
    else:
        text = str(raw).strip()
        # Digits exactly as the formats say (strptime alone also takes 2020-7-1): the
        # workbook's Check column reads the same three forms (content._typed_date).
        shaped = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}|[0-9]{2}/[0-9]{2}/[0-9]{4}",
                              text)
        for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y") if shaped else ():
            try:
                day = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            impossible = re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", text)
            what = "is not a real date (no such day)" if impossible else "is not a date"
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                what = "is out of range (a date serial number beyond any date)"
            raise CriteriaError(where, f"{shown(raw)} {what} for {spec.label}",
                                f"Use {allowed_values(spec)}")
    first, last = DATE_RANGE
    if not first <= day <= last:
        raise CriteriaError(where, f"{day.isoformat()} is out of range for {spec.label} "
                            f"(cmr-xl takes dates from {first.isoformat()} to {last.isoformat()})",
                            f"Use {allowed_values(spec)}")
    return day


def _parse_overrides(spec: CriterionSpec, raw: Any, where: str) -> tuple[tuple[str, Action], ...]:
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, (list, tuple)):
        items = []
        for item in raw:
            if isinstance(item, Mapping) and len(item) == 1:
                items.extend(item.items())
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                items.append(tuple(item))
            else:
                raise CriteriaError(where, f"{shown(item)} is not a section and an action",
                                    f"Use {allowed_values(spec)}")
    else:
        items = []
        for part in str(raw).split(";"):
            if part.strip():
                if "=" not in part:
                    raise CriteriaError(where, f"{shown(part.strip())} has no '='",
                                        f"Use {allowed_values(spec)}")
                items.append(tuple(p.strip() for p in part.split("=", 1)))
    action_spec = next(s for s in criterion_specs() if s.kind == "action")
    overrides = []
    for section, action in items:
        key = str(section).strip().upper().replace(" ", "")
        if not any(key.startswith(s) for s in PROP64_SECTIONS):
            raise CriteriaError(where, f"{shown(section)} is not an HS 11357-11360 subdivision",
                                f"Use {allowed_values(spec)}")
        overrides.append((key, _parse_choice(action_spec, action, where)))
    return tuple(overrides)

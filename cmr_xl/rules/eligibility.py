"""Determinations: each Prop 64 conviction's outcome, its reason and its trace.

The statutory floor and the county criteria are small vectorised rules, checked in the
order written in `law/decision_order.yaml`; the first rule that applies decides. A rule
whose fact is missing for a row is "unknown" there: if a later rule dismisses anyway the
missing fact did not matter; otherwise the row goes to hand review naming the fact. No
determination is ever a guess and no row is left without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import get_args

import numpy as np
import pandas as pd

from cmr_xl.rules.code_sections import prop64_sections_named
from cmr_xl.rules.criteria import Action, Criteria
from cmr_xl.rules.da_decision import final_texts
from cmr_xl.rules.dates import completed_years, years_before, years_between
from cmr_xl.rules.distinct import distinct, each_distinct
from cmr_xl.rules.facts import after_prop64
from cmr_xl.rules.law import (
    aggravator_sections,
    decision_rules,
    load_law,
    prop64_sections,
    recent_years,
    same_section_priors_threshold,
)
from cmr_xl.rules.outcomes import (  # noqa: F401 - re-exported: the rules' vocabulary
    DETERMINATIONS,
    DISMISSAL,
    HAND_REVIEW,
    NOT_ELIGIBLE,
    NOT_REVIEWED,
    PROP64_TYPE,
    REDUCTION,
)

DISQUALIFIER_OUTCOME = {"not_eligible": NOT_ELIGIBLE, "hand_review": HAND_REVIEW}
ACTIONS = get_args(Action)  # a section's baseline action, as the criteria name it


@dataclass
class Context:
    """What rules read: the facts, the criteria and values derived at the as-of date."""

    facts: pd.DataFrame
    criteria: Criteria
    felony: np.ndarray
    action: np.ndarray  # per row, the baseline action's index in ACTIONS
    action_key: np.ndarray  # per row, code of the section or subdivision whose action applied
    action_keys: np.ndarray  # the sections and subdivisions those codes stand for
    aggravator_section: np.ndarray
    age_as_of: pd.Series


@dataclass
class Outcome:
    """A rule's verdict per row: applies (decides), unknown (fact missing)."""

    applies: np.ndarray
    determination: np.ndarray | str
    reason: np.ndarray | str
    unknown: np.ndarray | None = None


Rule = Callable[[Context, dict], Outcome | None]


def _filled(texts: pd.Series) -> np.ndarray:
    """Per row: the text fact holds something (neither missing nor "")."""
    return (texts.notna() & (texts.astype(object).fillna("") != "")).to_numpy()


def _array(series: pd.Series, fill: bool = False) -> np.ndarray:
    return series.fillna(fill).to_numpy(dtype=bool)


# --- the rules ----------------------------------------------------------------------


def missing_conviction_date(ctx: Context, rule: dict) -> Outcome:
    return Outcome(ctx.facts["conviction_date"].isna().to_numpy(), rule["determination"],
                   rule["reason"])


def conviction_date_after_as_of(ctx: Context, rule: dict) -> Outcome:
    late = _array(ctx.facts["conviction_date"] > pd.Timestamp(ctx.criteria.as_of))
    return Outcome(late, rule["determination"], rule["reason"])


def after_prop64_rule(ctx: Context, rule: dict) -> Outcome:
    return Outcome(_array(after_prop64(ctx.facts["conviction_date"])), rule["determination"],
                   rule["reason"])


def offense_review(ctx: Context, rule: dict) -> Outcome:
    """Attempts, conspiracies, a Prop 64 section combined with another law, a section
    named only in the comment, a text not read: never decided as a plain conviction."""
    kind = ctx.facts["offense_kind"].fillna("").astype(str)
    if ctx.criteria.attempts == "as_completed":
        kind = kind.where(~kind.isin(["attempt", "conspiracy"]), "")
    keys = kind + "|" + ctx.facts["section"].fillna("?").astype(str) + "|" + \
        ctx.facts["other_sections"].fillna("none").astype(str)

    def reason(key: str) -> str:
        which, section, other = key.split("|", 2)
        return rule["reasons"][which].format(section=section, other=other) if which else ""

    return Outcome((kind != "").to_numpy(), rule["determination"], each_distinct(keys, reason))


def unknown_level(ctx: Context, rule: dict) -> Outcome:
    return Outcome((ctx.facts["level"] == load_law("offense_text")["unknown_level"]).to_numpy(),
                   rule["determination"], rule["reason"])


def sentence_unreadable(ctx: Context, rule: dict) -> Outcome:
    """A sentence part DOJ wrote that cannot be read as a length: never no sentence."""
    text = ctx.facts["sentence_unreadable"]
    unreadable = _filled(text)
    return Outcome(unreadable, rule["determination"],
                   each_distinct(text, lambda value: rule["reason"].format(value=value)
                                if value else ""))


def _disqualifier(ctx: Context, criterion: str) -> tuple[str, np.ndarray] | None:
    choice = getattr(ctx.criteria, criterion)
    if choice == "show_only":
        return None
    return DISQUALIFIER_OUTCOME[choice], ctx.felony & ctx.aggravator_section


@dataclass(frozen=True)
class _Listed:
    """A disqualifier read from a law list (super strikes, PC 290(c)) under the chosen
    scope (prior or any): both rules read it the same way."""

    outcome: str
    scope: np.ndarray  # the convictions the criterion may apply to
    has_offense: np.ndarray  # a listed offense is on the record, in scope
    reasons: np.ndarray  # the reason naming the listed offenses


def _listed(ctx: Context, rule: dict, prior: str, anywhere: str) -> _Listed | None:
    """None when the criterion only shows the offenses."""
    active = _disqualifier(ctx, rule["criterion"])
    if active is None:
        return None
    outcome, scope = active
    any_scope = ctx.criteria.disqualifier_scope == "any"
    sections = ctx.facts[anywhere if any_scope else prior]
    template = rule["reason_any" if any_scope else "reason"]
    return _Listed(outcome, scope, sections.notna().to_numpy(),
                   each_distinct(sections, lambda s: template.format(sections=s)))


def super_strike(ctx: Context, rule: dict) -> Outcome | None:
    listed = _listed(ctx, rule, "prior_super_strikes", "super_strikes")
    if listed is None:
        return None
    return Outcome(listed.scope & listed.has_offense, listed.outcome, listed.reasons)


def pc290(ctx: Context, rule: dict) -> Outcome | None:
    listed = _listed(ctx, rule, "prior_pc290_offenses", "pc290_offenses")
    if listed is None:
        return None
    registered = ctx.facts["pc290_registration_date"]
    if ctx.criteria.disqualifier_scope == "prior":
        registered_before = _array(registered < ctx.facts["conviction_date"])
    else:
        registered_before = registered.notna().to_numpy()
    reasons = np.where(listed.has_offense, listed.reasons, rule["reason_registration"])
    return Outcome(listed.scope & (listed.has_offense | registered_before), listed.outcome,
                   reasons)


def two_priors(ctx: Context, rule: dict) -> Outcome | None:
    active = _disqualifier(ctx, rule["criterion"])
    if active is None:
        return None
    outcome, scope = active
    threshold = same_section_priors_threshold()
    priors = ctx.facts["prior_same_section"]
    applies = scope & _array(priors >= threshold)
    pairs = priors.fillna(0).astype(int).astype(str) + "|" + ctx.facts["section"].fillna("")
    reasons = each_distinct(pairs, lambda pair: rule["reason"].format(
        value=pair.split("|")[0], section=pair.split("|")[1]))
    return Outcome(applies, outcome, reasons)


def _baseline(ctx: Context, rule: dict, action: str) -> Outcome:
    applies = ctx.action == ACTIONS.index(action)
    felony_reason = np.array([rule["reason"].format(section=key) for key in ctx.action_keys],
                             dtype=object)[ctx.action_key]
    reasons = np.where(ctx.felony, felony_reason, rule["reason_non_felony"])
    return Outcome(applies, rule["determination"], reasons)


def baseline_dismiss(ctx: Context, rule: dict) -> Outcome:
    return _baseline(ctx, rule, "dismiss")


def baseline_reduce(ctx: Context, rule: dict) -> Outcome:
    return _baseline(ctx, rule, "reduce")


def baseline_hand_review(ctx: Context, rule: dict) -> Outcome:
    return _baseline(ctx, rule, "hand_review")


def _relief(rule: dict, applies: pd.Series, value: object = None) -> Outcome:
    return Outcome(_array(applies), rule["determination"], rule["reason"].format(value=value),
                   applies.isna().to_numpy())


def _criterion(ctx: Context, rule: dict) -> object:
    """The county's value of the criterion the rule names in decision_order.yaml."""
    return getattr(ctx.criteria, rule["criterion"])


def under_21(ctx: Context, rule: dict) -> Outcome | None:
    """Office policy (criterion): under 21 in completed years on the conviction date."""
    if not _criterion(ctx, rule):
        return None
    return _relief(rule, ctx.facts["age_at_conviction"] < 21)


def age_threshold(ctx: Context, rule: dict) -> Outcome | None:
    """Office policy (criterion): age in completed years on the as-of date, at least the
    threshold (a person whose birthday is the as-of date has reached the age)."""
    threshold = _criterion(ctx, rule)
    if not threshold:
        return None
    return _relief(rule, ctx.age_as_of >= threshold, threshold)


def years_since_conviction(ctx: Context, rule: dict) -> Outcome | None:
    """Office policy (criterion): "N or more years ago" counts whole years like an age, so
    a conviction on the day N years before the as-of date qualifies (`<=`)."""
    years = _criterion(ctx, rule)
    if not years:
        return None
    cutoff = years_before(ctx.criteria.as_of, years)
    return _relief(rule, ctx.facts["conviction_date"] <= cutoff, years)


def years_crime_free(ctx: Context, rule: dict) -> Outcome | None:
    """Office policy (criterion): "no conviction in the past N years" is a window that
    includes its first day, so a conviction on the day N years before the as-of date is
    in it and the person does not qualify (`<`). The same day is "N or more years ago"
    for years_since_conviction: the two criteria read the boundary day differently (the
    statute sets neither); the county summary's window (recent_years) counts like this
    one."""
    years = _criterion(ctx, rule)
    if not years:
        return None
    cutoff = years_before(ctx.criteria.as_of, years)
    return _relief(rule, ctx.facts["latest_conviction_date"] < cutoff, years)


def only_prop64(ctx: Context, rule: dict) -> Outcome | None:
    if not _criterion(ctx, rule):
        return None
    return _relief(rule, ctx.facts["only_prop64"].astype("boolean"))


def deceased(ctx: Context, rule: dict) -> Outcome | None:
    if not _criterion(ctx, rule):
        return None
    return _relief(rule, ctx.facts["deceased"].astype("boolean"))


def sentence_completed(ctx: Context, rule: dict) -> Outcome | None:
    """A sentence ending on the as-of date is completed (`<=`)."""
    if not _criterion(ctx, rule):
        return None
    ends = ctx.facts["latest_sentence_end"]
    completed = (ends <= pd.Timestamp(ctx.criteria.as_of)).astype("boolean").where(ends.notna())
    return _relief(rule, completed)


RULES: dict[str, Rule] = {
    "missing_conviction_date": missing_conviction_date,
    "conviction_date_after_as_of": conviction_date_after_as_of,
    "after_prop64": after_prop64_rule,
    "offense_review": offense_review,
    "unknown_level": unknown_level,
    "sentence_unreadable": sentence_unreadable,
    "super_strike": super_strike,
    "pc290": pc290,
    "two_priors": two_priors,
    "baseline_dismiss": baseline_dismiss,
    "under_21": under_21,
    "age_threshold": age_threshold,
    "years_since_conviction": years_since_conviction,
    "years_crime_free": years_crime_free,
    "only_prop64": only_prop64,
    "deceased": deceased,
    "sentence_completed": sentence_completed,
    "baseline_reduce": baseline_reduce,
    "baseline_hand_review": baseline_hand_review,
}


# --- the driver ---------------------------------------------------------------------


def _context(facts: pd.DataFrame, criteria: Criteria) -> Context:
    level_code, levels = distinct(facts["level"])
    felony = (levels == "Felony")[level_code]
    section_code, sections = distinct(facts["section"])
    code_section_code, code_sections = distinct(facts["code_section"])
    action = np.full(len(facts), ACTIONS.index(criteria.misdemeanor), dtype=np.int8)
    section_code, sections = _acting_sections(code_section_code, code_sections, section_code,
                                              sections, criteria)
    for prop64_section in prop64_sections():
        here = felony & (sections == prop64_section)[section_code]
        action[here] = ACTIONS.index(criteria.felony_action(prop64_section))
    key, keys = section_code.copy(), list(sections)
    bare_code_sections = np.array([c.replace(" HS", "") for c in code_sections], dtype=object)
    for subdivision, override in criteria.subsection_overrides:
        starts = np.array([c.startswith(subdivision) for c in bare_code_sections], dtype=bool)
        here = felony & starts[code_section_code]
        action[here] = ACTIONS.index(override)
        key[here] = len(keys)
        keys.append(subdivision)
    aggravators = aggravator_sections()
    return Context(
        facts=facts,
        criteria=criteria,
        felony=felony,
        action=action,
        action_key=key,
        action_keys=np.array(keys, dtype=object),
        aggravator_section=np.isin(sections, aggravators)[section_code],
        age_as_of=completed_years(facts["dob"], criteria.as_of).where(
            facts["age_at_conviction"].notna() | facts["conviction_date"].isna()),
    )


#: A compound count (`11359/11360 HS`) is decided under the section whose felony action
#: gives the least relief, so that naming two sections never earns more than either.
LEAST_RELIEF_FIRST = ("hand_review", "reduce", "dismiss")


def _acting_sections(code_section_code: np.ndarray, code_sections: np.ndarray,
                     section_code: np.ndarray, sections: np.ndarray,
                     criteria: Criteria) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the Prop 64 section whose felony action applies: the row's own, or for a
    count naming several Prop 64 sections, the one giving the least relief."""
    acting = {}
    for position, text in enumerate(code_sections):
        named = prop64_sections_named(text)
        if len(set(named)) > 1:
            acting[position] = min(named, key=lambda s: LEAST_RELIEF_FIRST.index(
                criteria.felony_action(s)))
    if not acting:
        return section_code, sections
    sections = np.array(list(sections) + sorted(set(acting.values())), dtype=object)
    section_code = section_code.copy()
    for position, section in acting.items():
        section_code[code_section_code == position] = list(sections).index(section)
    return section_code, sections


def determine(facts: pd.DataFrame, criteria: Criteria,
              decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Determination, reason, relief and trace for every row of the facts table; with the
    DA's `decisions` (da_decision, da_grounds per row), the final outcome follows them."""
    ctx = _context(facts, criteria)
    n = len(facts)
    determination = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    decided_at = np.full(n, -1, dtype=np.int64)
    unknown_bits = np.zeros(n, dtype=np.int64)
    first_unknown = np.full(n, "", dtype=object)
    checked: list[dict] = []
    for rule in decision_rules():
        outcome = RULES[rule["id"]](ctx, rule)
        if outcome is None:
            continue
        position = len(checked)
        checked.append(rule)
        open_rows = decided_at < 0
        applies = outcome.applies & open_rows
        determination[applies] = _pick(outcome.determination, applies)
        reason[applies] = _pick(outcome.reason, applies)
        if outcome.unknown is not None:
            unknown = outcome.unknown & open_rows & ~applies
            unknown_bits[unknown] |= 1 << position
            new = unknown & (first_unknown == "")
            missing = rule.get("needs", "a fact")
            first_unknown[new] = load_law("decision_order")["missing_fact_reason"].format(
                fact=missing[0].upper() + missing[1:], check=rule["check"])
        decided_at[applies] = position
    missing_fact = _resolve_unknowns(determination, reason, first_unknown)
    _fallback(determination, reason, decided_at >= 0)
    still_serving = _array(facts["sentence_end"] > pd.Timestamp(criteria.as_of))
    is_ = _outcome_masks(determination)
    texts = {
        "determination": determination,
        "reason": _still_serving(is_, reason, still_serving),
        "relief": _relief_words(is_, ctx.felony, still_serving,
                                _rule_relief(checked, decided_at)),
        "trace": _with_reading(facts, _trace(checked, decided_at, unknown_bits, missing_fact)),
    }
    _related_charges(facts, criteria, texts)
    texts.update(final_texts(
        texts["determination"], texts["reason"], texts["relief"], decisions,
        lambda outcome, challenge: _relief_words(_outcome_masks(outcome), ctx.felony,
                                                 still_serving, challenge)))
    index = facts.index
    return pd.DataFrame({
        "age_as_of": ctx.age_as_of,
        "years_since_conviction": years_between(facts["conviction_date"], criteria.as_of),
        "still_serving": pd.Series(still_serving, index=index),
        # Texts stay Python objects: pandas would otherwise copy each into Arrow strings
        # and every reader would copy it back (a third of a small call's time).
        **{key: pd.Series(values, index=index, dtype=object) for key, values in texts.items()},
        **{key: pd.Series(values, index=index)
           for key, values in _after_relief(facts, criteria, _outcome_masks(
               texts["outcome"]), ctx.felony).items()},
    }, index=index)


def _with_reading(facts: pd.DataFrame, trace: np.ndarray) -> np.ndarray:
    """How the record was read (a code inferred, a stray mark, an unknown level) follows
    the deciding step, so that a reader of the determination sees it."""
    notes = facts["reading_notes"]
    read = _filled(notes)
    if not read.any():
        return trace
    trace = trace.copy()
    decided, _, before = np.char.partition(trace[read].astype(str), " | ").T
    trace[read] = [f"{d} | read: {n}" + (f" | {b}" if b else "") for d, n, b in
                   zip(decided, notes[read].astype(str).to_numpy(), before, strict=True)]
    return trace


def trace_steps(trace: str) -> list[str]:
    """A trace's checks in the order they were made (the trace shows the deciding one
    first); a 'read:' note is left out (explain prints it on its own)."""
    parts = str(trace).split(" | ")
    before = next((p[len("checked before: "):] for p in parts
                   if p.startswith("checked before: ")), "")
    return ([s for s in before.split(" > ") if s] if before else []) + parts[:1]


def _pick(value: np.ndarray | str, mask: np.ndarray) -> np.ndarray | str:
    return value[mask] if isinstance(value, np.ndarray) else value


def _trace(checked: list[dict], decided_at: np.ndarray, unknown_bits: np.ndarray,
           missing_fact: np.ndarray) -> np.ndarray:
    """The checks made for each row, in order, and the one that decided. Rows share few
    distinct traces, so each distinct one is written once and mapped back."""
    keys = (decided_at + 1) * 4 + missing_fact.astype(np.int64) * 2
    keys = keys + (unknown_bits << 8)
    distinct, inverse = np.unique(keys, return_inverse=True)
    texts = []
    for key in distinct:
        decided, bits, missing = int(key & 0xFF) // 4 - 1, int(key) >> 8, (int(key) // 2) % 2
        last = decided if decided >= 0 else len(checked) - 1
        steps = []
        for position, rule in enumerate(checked[: last + 1]):
            word = "yes" if position == decided else (
                "unknown" if bits & (1 << position) else "no")
            steps.append(f"{rule['check']}: {word}")
        if missing:
            steps.append("missing fact: hand review")
        # the deciding step first (what a reader wants), then what was checked before it
        texts.append(steps[-1] + (f" | checked before: {' > '.join(steps[:-1])}"
                                  if len(steps) > 1 else ""))
    return np.array(texts, dtype=object)[inverse.reshape(-1)]


def _resolve_unknowns(determination: np.ndarray, reason: np.ndarray,
                      first_unknown: np.ndarray) -> np.ndarray:
    """A missing fact matters only if the conviction was not dismissed anyway."""
    matters = (first_unknown != "") & (determination != DISMISSAL)
    determination[matters] = HAND_REVIEW
    reason[matters] = first_unknown[matters]
    return matters


def _fallback(determination: np.ndarray, reason: np.ndarray, decided: np.ndarray) -> None:
    """Unreachable with valid criteria (every row has a baseline action); kept so that
    no row can ever leave without a determination."""
    determination[~decided & (determination == "")] = HAND_REVIEW
    reason[reason == ""] = load_law("decision_order")["no_rule_reason"]


def _outcome_masks(determination: np.ndarray) -> dict[str, np.ndarray]:
    """Per determination, the rows that have it (one pass over the texts, not one each)."""
    code, outcomes = distinct(pd.Series(determination, dtype=object))
    return {d: (outcomes == d)[code] for d in DETERMINATIONS}


def _still_serving(is_: dict[str, np.ndarray], reason: np.ndarray,
                   still_serving: np.ndarray) -> np.ndarray:
    note = load_law("decision_order")["still_serving_reason"]
    eligible = (is_[DISMISSAL] | is_[REDUCTION]) & still_serving
    reason = reason.copy()
    reason[eligible] = [f"{r}; {note}" for r in reason[eligible]]
    return reason


def _rule_relief(checked: list[dict], decided_at: np.ndarray) -> np.ndarray:
    """Per row, the relief words of the rule that decided it when the rule has its own
    (a conviction after 11/09/2016 is outside Prop 64, not challenged), else ""."""
    own = np.array([rule.get("relief", "") for rule in checked] + [""], dtype=object)
    return own[np.where(decided_at >= 0, decided_at, len(checked))]


def _relief_words(is_: dict[str, np.ndarray], felony: np.ndarray,
                  still_serving: np.ndarray, rule_relief: np.ndarray) -> np.ndarray:
    words = load_law("decision_order")["relief"]
    relief = np.full(len(felony), "", dtype=object)
    relief[is_[DISMISSAL]] = words[DISMISSAL]
    relief[is_[REDUCTION] & felony] = words[REDUCTION]["Felony"]
    relief[is_[REDUCTION] & ~felony] = words[REDUCTION]["other"]
    relief[is_[NOT_ELIGIBLE]] = np.where(rule_relief[is_[NOT_ELIGIBLE]] != "",
                                         rule_relief[is_[NOT_ELIGIBLE]], words[NOT_ELIGIBLE])
    relief[is_[HAND_REVIEW]] = words[HAND_REVIEW]
    relief[(is_[DISMISSAL] | is_[REDUCTION]) & still_serving] = words["still_serving"]
    return relief


def _related_charges(facts: pd.DataFrame, criteria: Criteria, texts: dict[str, np.ndarray]) -> None:
    """Related charges follow the Prop 64 convictions of their case (same cycle)."""
    related = (facts["conviction_type"] != PROP64_TYPE).to_numpy()
    if not related.any():
        return
    wording = load_law("decision_order")["related_charge"]
    if not criteria.related_charges:
        determination = np.full(len(facts), NOT_ELIGIBLE, dtype=object)
        reason = np.full(len(facts), NOT_REVIEWED, dtype=object)
    else:
        determination, reason = _related_outcomes(facts, texts["determination"], related, wording)
    for key, values in (("determination", determination), ("reason", reason),
                        ("trace", "related charge > " + reason)):
        texts[key] = texts[key].copy()
        texts[key][related] = values[related]
    words = load_law("decision_order")["relief"]
    texts["relief"] = texts["relief"].copy()
    texts["relief"][related] = np.where(determination[related] == DISMISSAL,
                                        words[DISMISSAL], words["related_not_dismissed"])


def _related_outcomes(facts: pd.DataFrame, determinations: np.ndarray, related: np.ndarray,
                      texts: dict) -> tuple[np.ndarray, np.ndarray]:
    from cmr_xl.rules.code_sections import offense_list, parse_sections

    cycle = facts["person_id"].fillna("") + "|" + facts["cycle"].fillna("")
    dismissed_prop64 = ~related & (determinations == DISMISSAL)
    in_dismissed = _any_in_group(cycle, dismissed_prop64)
    flagged = offense_list("related_charges").flagged(
        parse_sections(facts["code_section"].fillna(""))).to_numpy()
    determination = np.where(in_dismissed & ~flagged, DISMISSAL, NOT_ELIGIBLE).astype(object)
    reason = np.where(in_dismissed, texts["dismissed"], texts["not_dismissed"]).astype(object)
    determination[flagged] = HAND_REVIEW
    reason[flagged] = [texts["flagged"].format(section=s)
                       for s in facts["code_section"].fillna("")[flagged]]
    return determination, reason


def _any_in_group(groups: pd.Series, flags: np.ndarray) -> np.ndarray:
    """Per row: does any row of its group have the flag (vectorised, no sets)."""
    codes, _ = pd.factorize(groups)
    hits = np.zeros(codes.max() + 2 if len(codes) else 1, dtype=bool)
    hits[codes[flags]] = True
    return hits[codes]


def _after_relief(facts: pd.DataFrame, criteria: Criteria, is_: dict[str, np.ndarray],
                  felony: np.ndarray) -> dict[str, np.ndarray]:
    """Person-level: what is left of each record once the relief here is granted. The
    facts count every conviction that is not a Prop 64 one here ("other"), related charges
    included; related-charge rows present in the table take their own outcome instead."""
    granted = is_[DISMISSAL] | is_[REDUCTION]
    dismissed = is_[DISMISSAL]
    prop64 = (facts["conviction_type"] == PROP64_TYPE).to_numpy()
    related = ~prop64
    cutoff = years_before(criteria.as_of, recent_years())
    person, _ = pd.factorize(facts["person_id"], use_na_sentinel=False)
    people = int(person.max()) + 1 if len(person) else 0

    def per_person_sum(flags: np.ndarray) -> np.ndarray:
        return np.bincount(person, weights=flags, minlength=people)[person].astype(np.int64)

    remaining = facts["conviction_date"].to_numpy(dtype="datetime64[ns]").copy()
    remaining[dismissed] = np.datetime64("NaT")
    latest_remaining = np.full(people, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    np.maximum.at(latest_remaining, person, remaining.view(np.int64))
    has_related = per_person_sum(related) > 0
    felonies = (per_person_sum(prop64 & felony & ~granted) + facts["other_felonies"].to_numpy()
                - per_person_sum(related & felony & dismissed))
    convictions = (per_person_sum(prop64 & ~dismissed) + facts["other_convictions"].to_numpy()
                   - per_person_sum(related & dismissed))
    others = np.where(has_related,
                      facts["latest_unrelated_conviction_date"].to_numpy(dtype="datetime64[ns]"),
                      facts["latest_other_conviction_date"].to_numpy(dtype="datetime64[ns]"))
    latest = np.fmax(latest_remaining.view("datetime64[ns]")[person], others)
    first_of_person = np.zeros(len(person), dtype=bool)
    prop64_rows = np.flatnonzero(prop64)
    first_of_person[prop64_rows[np.unique(person[prop64_rows], return_index=True)[1]]] = True
    return {
        "person_first_row": first_of_person,
        "person_relief": per_person_sum(granted & prop64) > 0,
        "no_felony_after": felonies == 0,
        "no_recent_conviction_after": ~(latest >= np.datetime64(cutoff)),
        "no_conviction_after": convictions == 0,
    }

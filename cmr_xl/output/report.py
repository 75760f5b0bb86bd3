"""The summary as plain text for a terminal (the same figures as summary.json)."""

from __future__ import annotations

from typing import Any

from cmr_xl.rules.criteria import PROP64_SECTIONS
from cmr_xl.rules.law import decision_rules, recent_years


def summary_text(summary: dict[str, Any]) -> str:
    chosen, everything = summary["chosen"], summary["dismiss_all_prop64"]
    lines = [
        f"Prop 64 review, {summary['county']} county, as of {summary['as_of']}",
        f"  Prop 64 convictions in the county: {summary['prop64_convictions']:,} "
        f"for {summary['people_with_prop64_conviction']:,} people",
        "",
        f"  {'Section':<8}{'Felony':>9}{'Other':>9}{'Dismiss':>10}{'Reduce':>9}",
    ]
    for s in PROP64_SECTIONS:
        counts = summary["prop64_convictions_by_section"][s]
        lines.append(f"  {s:<8}{counts['felony']:>9,}{counts['non_felony']:>9,}"
                     f"{chosen['dismissals_by_section'][s]:>10,}"
                     f"{chosen['reductions_by_section'][s]:>9,}")
    lines += ["", "  Determinations:"]
    lines += [f"    {name:<24}{count:>9,}" for name, count in chosen["determinations"].items()]
    lines.append(f"    {'(of which still serving: resentencing)':<24}"
                 f"{chosen.get('still_serving_resentencing', 0):>9,}")
    lines += ["", "  Dismissals by reason:"]
    lines += [f"    {reason:<60}{count:>9,}"
              for reason, count in chosen["dismissals_by_reason"].items()]
    header = f"  {'After relief (people)':<40}{'Chosen':>10}{'Dismiss all':>13}"
    scenario_names = list(summary.get("scenarios", {}))
    for name in scenario_names:
        header += f"{name[:24]:>26}"
    lines += ["", header]
    rows = [("People getting any relief", "people_with_relief", None),
            ("No felony left", "after_relief", "people_no_felony"),
            (f"No conviction in the last {recent_years()} years", "after_relief",
             "people_no_conviction_last_7_years"),
            ("No conviction left at all", "after_relief", "people_no_conviction")]
    for label, key, sub in rows:
        def pick(figures: dict[str, Any], key: str = key, sub: str | None = sub) -> int:
            return figures[key] if sub is None else figures[key][sub]
        line = f"  {label:<40}{pick(chosen):>10,}{pick(everything):>13,}"
        for name in scenario_names:
            line += f"{pick(summary['scenarios'][name]):>26,}"
        lines.append(line)
    convictions = summary.get("convictions")
    if convictions:
        lines += ["", f"  Convictions read: {convictions['read']:,}; Prop 64 convictions "
                  f"determined: {convictions['prop64_determined']:,}; set aside: "
                  f"{convictions['set_aside']:,}"]
        lines += [f"    set aside, {reason.lower()}: {count:,}"
                  for reason, count in convictions["set_aside_by_reason"].items()]
        if summary.get("prop64_convictions_unknown_level"):
            lines.append(f"    level unknown (hand review): "
                         f"{summary['prop64_convictions_unknown_level']:,}")
    rows_info = summary.get("rows")
    if rows_info:
        lines += ["", "  Rows: " + ", ".join(
            f"{k.replace('_', ' ')} {v:,}" for k, v in rows_info.items()
            if isinstance(v, int) and k != "convictions_read")]
    return "\n".join(lines)


def decision_order_lines() -> list[str]:
    """The order rules decide in, as written in law/decision_order.yaml."""
    lines = []
    for number, rule in enumerate(decision_rules(), start=1):
        kind = "statute" if rule.get("floor") else f"criterion {rule.get('criterion', 'baseline')}"
        cited = f" [{rule['reference']}]" if rule.get("reference") else ""
        lines.append(f"{number:>2}. {rule['check']} ({kind}){cited}")
    return lines

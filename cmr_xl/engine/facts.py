"""Rows of a RAP sheet -> convictions, each with the facts the rules need.

A conviction is a count whose disposition starts with CONVICTED; its sentence parts (one
row each) are merged. Facts that depend only on the record (dates, priors, lists on the
record) are computed here; facts that depend on the as-of date (age now, years since,
still serving) are computed by the rules, so that changing the as-of date never needs
the DOJ file again. Everything is columnar: per-person work is done with group-bys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.engine.code_sections import is_prop64, offense_list, parse_sections
from cmr_xl.engine.dates import LATEST, completed_years, within_range
from cmr_xl.engine.doj_format import FACT_COLUMNS as DOJ_FACT_COLUMNS
from cmr_xl.engine.doj_format import SOURCE_FILE, SOURCE_LINE
from cmr_xl.engine.law import load_law, prop64_effective_date
from cmr_xl.engine.results_columns import FACT_COLUMNS, keys

ROW_INDEX = "_row_index"
DAYS_PER_UNIT = {"D": 1.0, "M": 30.4375, "Y": 365.25}
PROP64_TYPE = "Prop 64"
RELATED_TYPE = "Related charge"


@dataclass
class BatchFacts:
    """What one batch of whole persons contributes to a run."""

    facts: pd.DataFrame  # one row per county Prop 64 conviction (and related charge)
    row_index: np.ndarray  # position, in the batch table, of each conviction's first row
    convictions_total: int  # all convictions read, any county and section


def _dates(text: pd.Series) -> pd.Series:
    """YYYYMMDD text to dates; partial (`19790000`), bad or impossible (`99991231`)
    dates become missing."""
    return within_range(pd.to_datetime(text, format="%Y%m%d", errors="coerce"))


def _sentence_end(start: pd.Series, days: pd.Series) -> pd.Series:
    """Conviction date plus the sentence's days. A term running past the latest date the
    engine holds (a 999-year sentence) ends on that date (2262-04-10), so it still reads as
    being served rather than stopping the run."""
    room = (LATEST - start).dt.days.to_numpy(dtype=float)
    whole = np.fmin(np.ceil(days.to_numpy(dtype=float)), room)
    return start + pd.to_timedelta(whole, unit="D")


def _split(table: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conviction rows (with what the facts need) and person events (registration,
    deceased) as pandas; every other row is history the facts do not read. The reader
    has already trimmed these columns and made DOJ placeholders null."""
    convicted = pc.match_substring_regex(
        pc.fill_null(table["DISP_DESCR"], ""), r"^\s*CONVICTED", ignore_case=True)
    event = pc.match_substring_regex(
        pc.fill_null(table["STP_TYPE_DESCR"], ""), r"^\s*(REGISTRATION|DECEASED)\s*$",
        ignore_case=True)
    columns = list(DOJ_FACT_COLUMNS) + [SOURCE_FILE, SOURCE_LINE]
    indexed = table.select(columns).append_column(ROW_INDEX, pa.array(np.arange(len(table))))
    conviction_rows = _merge_counts(indexed.filter(convicted))
    event_columns = ["SUBJECT_ID", "STP_TYPE_DESCR", "STP_EVENT_DATE", "OFFENSE_DESCR",
                     "COMMENT_TEXT"]
    events = table.select(event_columns).filter(event).to_pandas()
    return conviction_rows, events


def convictions_from_table(table: pa.Table, county: str) -> BatchFacts:
    """Facts for every Prop 64 conviction in `county` (and related charges in the same
    cycle) of the persons in this batch; other convictions serve as history."""
    convictions, events = _split(table)
    total = len(convictions)
    if total == 0:  # a batch of arrests or blank rows only: history with no conviction
        return BatchFacts(empty_facts(), np.zeros(0, dtype=np.int64), 0)
    persons = _person_events(events)
    convictions = _add_sections(convictions)
    convictions = _add_history(convictions, persons, county)
    selected = convictions[convictions["_selected"].to_numpy()]
    facts = _fact_table(selected)
    return BatchFacts(facts, selected[ROW_INDEX].to_numpy(), total)


def _person_events(events: pd.DataFrame) -> pd.DataFrame:
    """Per person: deceased, first PC 290 registration date."""
    prefix = load_law("pc290_offenses")["registration_offense_prefix"]
    step = events["STP_TYPE_DESCR"].str.upper()
    offense = events["OFFENSE_DESCR"].fillna(events["COMMENT_TEXT"]).fillna("")
    registration = ((step == "REGISTRATION") & offense.str.startswith(prefix)).to_numpy()
    frame = pd.DataFrame(
        {
            "person_id": events["SUBJECT_ID"],
            "deceased": (step == "DECEASED").to_numpy(),
            "registration_date": _dates(events["STP_EVENT_DATE"]).where(registration),
        }
    )
    return frame.groupby("person_id", sort=False).agg(
        deceased=("deceased", "any"),
        pc290_registration_date=("registration_date", "min"),
    )


def _merge_counts(rows: pa.Table) -> pd.DataFrame:
    """One row per convicted count; its sentence parts (adjacent rows of the same
    person, cycle, step, count and offense) summed into days. Done in Arrow, before any
    conversion, so only one row per count reaches pandas."""
    n = rows.num_rows
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
        for column in ("SUBJECT_ID", "CYC_ORDER", "STP_ORDER", "CNT_ORDER", "OFFENSE_DESCR"):
            values = pc.fill_null(rows[column], "")
            changed = pc.not_equal(values.slice(1), values.slice(0, n - 1))
            starts[1:] |= changed.to_numpy(zero_copy_only=False)
    length = pc.cast(pc.if_else(pc.match_substring_regex(
        pc.fill_null(rows["SENT_LENGTH"], ""), r"^\d+(\.\d+)?$"), rows["SENT_LENGTH"], None),
        pa.float64()).to_numpy(zero_copy_only=False)
    unit = pd.Series(rows["SENT_TIME_CODE"].to_numpy(zero_copy_only=False)).str.upper().map(
        DAYS_PER_UNIT).to_numpy(dtype=float)
    days = np.nan_to_num(length * unit)
    first_positions = np.flatnonzero(starts)
    first = rows.take(pa.array(first_positions)).to_pandas()
    first["sentence_days"] = np.add.reduceat(days, first_positions) if n else np.zeros(0)
    return first


def _add_sections(convictions: pd.DataFrame) -> pd.DataFrame:
    """Code section from OFFENSE_DESCR, else from COMMENT_TEXT; level; list matches."""
    from_offense = parse_sections(convictions["OFFENSE_DESCR"])
    from_comment = parse_sections(convictions["COMMENT_TEXT"], anywhere=True)
    missing = from_offense["code_section"].isna()
    parsed = from_offense.where(~missing, from_comment)
    parsed["attempt"] = parsed["attempt"].fillna(False).astype(bool)
    convictions = pd.concat([convictions, parsed], axis=1)
    convictions["is_prop64"] = is_prop64(parsed).to_numpy()
    comment_is_prop64 = is_prop64(from_comment)
    other_in_comment = comment_is_prop64 & (
        from_comment["code_section"] != parsed["code_section"]
    ).fillna(True)
    convictions["comment_prop64"] = from_comment["code_section"].where(other_in_comment)
    convictions["is_super_strike"] = offense_list("super_strikes").match(parsed).to_numpy()
    convictions["is_pc290"] = offense_list("pc290_offenses").match(parsed).to_numpy()
    convictions["is_related"] = offense_list("related_charges").match(parsed).to_numpy()

    status = convictions["CONV_STAT_DESCR"].str.upper()
    toc = convictions["OFFENSE_TOC"].str.upper()
    level = pd.Series("Misdemeanor or infraction", index=convictions.index, dtype=object)
    level[(status == "MISDEMEANOR") | (status.isna() & (toc == "M"))] = "Misdemeanor"
    level[(status == "INFRACTION") | (status.isna() & (toc == "I"))] = "Infraction"
    level[(status == "FELONY") | (status.isna() & (toc == "F"))] = "Felony"
    convictions["level"] = level
    convictions["is_felony"] = (level == "Felony").to_numpy()
    return convictions


def _add_history(convictions: pd.DataFrame, persons: pd.DataFrame, county: str) -> pd.DataFrame:
    """Priors, lists on the record, person-level facts; marks the selected rows."""
    c = convictions
    c["person_id"] = c["SUBJECT_ID"]
    c["conviction_date"] = _dates(c["STP_EVENT_DATE"]).fillna(_dates(c["DISP_DATE"]))
    c["dob"] = _dates(c["PRI_DOB"])
    c["county"] = c["STP_ORI_CNTY_NAME"].str.upper()
    in_county = (c["county"] == county.strip().upper()).fillna(False).to_numpy()
    c["sentence_end"] = _sentence_end(c["conviction_date"], c["sentence_days"])
    c["_prop64_here"] = c["is_prop64"].to_numpy() & in_county

    c["conviction_type"] = np.where(c["_prop64_here"], PROP64_TYPE, RELATED_TYPE)
    person = pd.factorize(c["person_id"], use_na_sentinel=False)[0]
    c["_person"] = person
    cycle = pd.factorize(pd.Series(person).astype(str) + "|" + c["CYC_ORDER"].fillna("").to_numpy(),
                         use_na_sentinel=False)[0]
    cycle_has_prop64 = np.zeros(cycle.max() + 1 if len(cycle) else 0, dtype=bool)
    cycle_has_prop64[cycle[c["_prop64_here"].to_numpy()]] = True
    related = (c["is_related"].to_numpy() & ~c["is_prop64"].to_numpy()
               & cycle_has_prop64[cycle] & in_county) if len(c) else np.zeros(0, dtype=bool)
    c["_selected"] = c["_prop64_here"].to_numpy() | related

    other = ~c["_prop64_here"]
    c["_other_felony"] = other & c["is_felony"]
    c["_other"] = other
    c["_other_date"] = c["conviction_date"].where(other)
    c["_unrelated_date"] = c["conviction_date"].where(~c["_selected"])
    by_person = c.groupby("_person", sort=False)
    c["latest_conviction_date"] = by_person["conviction_date"].transform("max")
    c["latest_sentence_end"] = by_person["sentence_end"].transform("max")
    c["only_prop64"] = by_person["is_prop64"].transform("all").astype(bool)
    c["other_felonies"] = by_person["_other_felony"].transform("sum")
    c["other_convictions"] = by_person["_other"].transform("sum")
    c["latest_other_conviction_date"] = by_person["_other_date"].transform("max")
    c["latest_unrelated_conviction_date"] = by_person["_unrelated_date"].transform("max")

    same = c[c["is_prop64"]].groupby(["_person", "section"], sort=False)["conviction_date"]
    c["prior_same_section"] = (same.rank(method="min") - 1).reindex(c.index)

    c = c.join(persons, on="person_id")
    c["deceased"] = c["deceased"].fillna(False).astype(bool)
    c = _add_listed(c, "is_super_strike", "super_strikes", "prior_super_strikes")
    c = _add_listed(c, "is_pc290", "pc290_offenses", "prior_pc290_offenses")

    return c


def _add_listed(c: pd.DataFrame, flag: str, all_column: str, prior_column: str) -> pd.DataFrame:
    """Sections of a list (super strikes, PC 290) on the person's record, and those
    dated before each conviction. A listed conviction with no date counts as prior, so
    that it is shown for review rather than hidden."""
    listed = c.loc[c[flag], ["person_id", "code_section", "conviction_date"]]
    if listed.empty:
        c[all_column] = None
        c[prior_column] = None
        return c
    on_record = listed.groupby("person_id", sort=False)["code_section"].agg(
        lambda s: "; ".join(dict.fromkeys(s))
    )
    c[all_column] = c["person_id"].map(on_record)
    wanted = c["_selected"].to_numpy() & c["person_id"].isin(listed["person_id"]).to_numpy()
    targets = c.loc[wanted, ["person_id", "conviction_date"]]
    pairs = targets.reset_index().merge(listed, on="person_id", suffixes=("", "_listed"))
    prior = pairs["conviction_date_listed"].isna() | (
        pairs["conviction_date_listed"] < pairs["conviction_date"]
    )
    prior_lists = pairs[prior.to_numpy()].groupby("index")["code_section"].agg(
        lambda s: "; ".join(dict.fromkeys(s))
    )
    c[prior_column] = prior_lists.reindex(c.index)
    return c


def _fact_table(c: pd.DataFrame) -> pd.DataFrame:
    """The selected convictions as the facts table (results_columns.FACT_COLUMNS)."""
    facts = pd.DataFrame(
        {
            "person_id": c["person_id"],
            "cii": c["CII_NUMBER"],
            "name": c["PRI_NAME"],
            "dob": c["dob"],
            "county": c["county"],
            "court": c["STP_ORI_DESCR"],
            "court_ori": c["STP_ORI_CODE"],
            "case_number": c["OFN"].fillna(c["FE_NUM_CRT_CASE"]),
            "cycle": c["CYC_ORDER"],
            "count_order": c["CNT_ORDER"],
            "conviction_type": c["conviction_type"],
            "conviction_date": c["conviction_date"],
            "code_section": c["code_section"],
            "section": c["section"],
            "offense": c["OFFENSE_DESCR"].fillna(c["COMMENT_TEXT"]),
            "level": c["level"],
            "age_at_conviction": _plausible_age(completed_years(c["dob"], c["conviction_date"])),
            "prior_same_section": c["prior_same_section"].astype("Int64"),
            "super_strikes": c["super_strikes"],
            "prior_super_strikes": c["prior_super_strikes"],
            "pc290_offenses": c["pc290_offenses"],
            "prior_pc290_offenses": c["prior_pc290_offenses"],
            "pc290_registration_date": c["pc290_registration_date"],
            "latest_conviction_date": c["latest_conviction_date"],
            "sentence_end": c["sentence_end"],
            "latest_sentence_end": c["latest_sentence_end"],
            "only_prop64": c["only_prop64"].astype(bool),
            "deceased": c["deceased"].astype(bool),
            "other_felonies": c["other_felonies"].astype("int64"),
            "other_convictions": c["other_convictions"].astype("int64"),
            "latest_other_conviction_date": c["latest_other_conviction_date"],
            "latest_unrelated_conviction_date": c["latest_unrelated_conviction_date"],
            "comment_prop64": c["comment_prop64"],
            "source_file": c[SOURCE_FILE],
            "source_line": c[SOURCE_LINE].astype("int64"),
        }
    )
    for column in ("dob", "conviction_date", "pc290_registration_date", "latest_conviction_date",
                   "sentence_end", "latest_sentence_end", "latest_other_conviction_date",
                   "latest_unrelated_conviction_date"):
        facts[column] = pd.to_datetime(facts[column]).astype("datetime64[ns]")
    assert list(facts.columns) == keys(FACT_COLUMNS)
    return facts.reset_index(drop=True)


def empty_facts() -> pd.DataFrame:
    """A facts table with no rows but the right column types."""
    kinds = {"date": "datetime64[ns]", "number": "Int64", "bool": bool, "text": object}
    return pd.DataFrame({c.key: pd.Series([], dtype=kinds[c.kind]) for c in FACT_COLUMNS})


def _plausible_age(age: pd.Series) -> pd.Series:
    """An age below zero (birth after the conviction) is a data error, not a fact: it
    becomes missing, so that a rule needing it sends the conviction to hand review."""
    return age.where(age >= 0)


def after_prop64(conviction_date: pd.Series) -> pd.Series:
    """Disposed after Prop 64 took effect: sentenced under the new law."""
    return conviction_date > pd.Timestamp(prop64_effective_date())

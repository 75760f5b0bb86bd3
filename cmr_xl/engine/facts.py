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
from cmr_xl.engine.dates import completed_years
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
    """YYYYMMDD text to dates; partial (`19790000`) or bad dates become missing."""
    return pd.to_datetime(text, format="%Y%m%d", errors="coerce")


def _to_frame(table: pa.Table) -> pd.DataFrame:
    """The columns the facts need, as pandas, keeping only rows that matter:
    conviction counts, PC 290 registrations and DECEASED steps."""
    disposition = pc.utf8_upper(pc.fill_null(table["DISP_DESCR"], ""))
    step = pc.utf8_upper(pc.fill_null(table["STP_TYPE_DESCR"], ""))
    keep = pc.or_(
        pc.starts_with(disposition, "CONVICTED"),
        pc.is_in(step, pa.array(["REGISTRATION", "DECEASED"])),
    )
    columns = [c for c in DOJ_FACT_COLUMNS] + [SOURCE_FILE, SOURCE_LINE]
    indexed = table.select(columns).append_column(ROW_INDEX, pa.array(np.arange(len(table))))
    return indexed.filter(keep).to_pandas()


def _clean(text: pd.Series) -> pd.Series:
    stripped = text.astype("string").str.strip()
    return stripped.mask(stripped.str.fullmatch(r"-?|NULL", na=False))


def convictions_from_table(table: pa.Table, county: str) -> BatchFacts:
    """Facts for every Prop 64 conviction in `county` (and related charges in the same
    cycle) of the persons in this batch; other convictions serve as history."""
    rows = _to_frame(table)
    for column in DOJ_FACT_COLUMNS:
        rows[column] = _clean(rows[column])
    step = rows["STP_TYPE_DESCR"].str.upper().fillna("")
    is_conviction = rows["DISP_DESCR"].str.upper().str.startswith("CONVICTED").fillna(False)

    persons = _person_events(rows, step)
    convictions = _merge_counts(rows[is_conviction.to_numpy()])
    total = len(convictions)
    convictions = _add_sections(convictions)
    convictions = _add_history(convictions, persons, county)
    selected = convictions[convictions["_selected"]].copy()
    facts = _fact_table(selected)
    return BatchFacts(facts, selected[ROW_INDEX].to_numpy(), total)


def _person_events(rows: pd.DataFrame, step: pd.Series) -> pd.DataFrame:
    """Per person: deceased, first PC 290 registration date."""
    prefix = load_law("pc290_offenses")["registration_offense_prefix"]
    offense = rows["OFFENSE_DESCR"].fillna(rows["COMMENT_TEXT"]).fillna("").str.strip()
    registration = (step == "REGISTRATION") & offense.str.startswith(prefix)
    events = pd.DataFrame(
        {
            "person_id": rows["SUBJECT_ID"],
            "deceased": (step == "DECEASED").to_numpy(),
            "registration_date": _dates(rows["STP_EVENT_DATE"]).where(registration),
            "registered": registration.to_numpy(),
        }
    )
    return events.groupby("person_id", sort=False).agg(
        deceased=("deceased", "any"),
        registered=("registered", "any"),
        pc290_registration_date=("registration_date", "min"),
    )


def _merge_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per convicted count; its sentence parts summed into days."""
    length = pd.to_numeric(rows["SENT_LENGTH"], errors="coerce")
    unit = rows["SENT_TIME_CODE"].str.upper().map(DAYS_PER_UNIT)
    days = (length * unit.astype(float)).fillna(0.0)
    key = (
        rows["SUBJECT_ID"].fillna("") + "|" + rows["CYC_ORDER"].fillna("") + "|"
        + rows["STP_ORDER"].fillna("") + "|" + rows["CNT_ORDER"].fillna("")
        + "|" + rows["OFFENSE_DESCR"].fillna("")
    )
    sentence_days = days.groupby(key.to_numpy(), sort=False).sum()
    first = rows[~key.duplicated().to_numpy()].copy()
    first["sentence_days"] = sentence_days.reindex(key[first.index].to_numpy()).to_numpy()
    return first.reset_index(drop=True)


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
    c["sentence_end"] = c["conviction_date"] + pd.to_timedelta(np.ceil(c["sentence_days"]), unit="D")
    c["_prop64_here"] = c["is_prop64"].to_numpy() & in_county

    c["conviction_type"] = np.where(c["_prop64_here"], PROP64_TYPE, RELATED_TYPE)
    cycle_key = c["person_id"].fillna("") + "|" + c["CYC_ORDER"].fillna("")
    cycles_with_prop64 = set(cycle_key[c["_prop64_here"]])
    related = c["is_related"] & ~c["is_prop64"] & cycle_key.isin(cycles_with_prop64) & in_county
    c["_selected"] = c["_prop64_here"] | related

    by_person = c.groupby("person_id", sort=False)
    c["latest_conviction_date"] = by_person["conviction_date"].transform("max")
    c["latest_sentence_end"] = by_person["sentence_end"].transform("max")
    c["only_prop64"] = by_person["is_prop64"].transform("all").astype(bool)
    other = ~c["_selected"]
    c["_other_felony"] = other & c["is_felony"]
    c["_other"] = other
    c["_other_date"] = c["conviction_date"].where(other)
    c["other_felonies"] = c.groupby("person_id", sort=False)["_other_felony"].transform("sum")
    c["other_convictions"] = c.groupby("person_id", sort=False)["_other"].transform("sum")
    c["latest_other_conviction_date"] = c.groupby("person_id", sort=False)[
        "_other_date"
    ].transform("max")

    same = c[c["is_prop64"]].groupby(["person_id", "section"], sort=False)["conviction_date"]
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
    targets = c.loc[c["person_id"].isin(listed["person_id"]), ["person_id", "conviction_date"]]
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
            "age_at_conviction": completed_years(c["dob"], c["conviction_date"]),
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
            "comment_prop64": c["comment_prop64"],
            "source_file": c[SOURCE_FILE],
            "source_line": c[SOURCE_LINE].astype("int64"),
        }
    )
    for column in ("dob", "conviction_date", "pc290_registration_date", "latest_conviction_date",
                   "sentence_end", "latest_sentence_end", "latest_other_conviction_date"):
        facts[column] = pd.to_datetime(facts[column]).astype("datetime64[ns]")
    assert list(facts.columns) == keys(FACT_COLUMNS)
    return facts.reset_index(drop=True)


def after_prop64(conviction_date: pd.Series) -> pd.Series:
    """Disposed after Prop 64 took effect: sentenced under the new law."""
    return conviction_date > pd.Timestamp(prop64_effective_date())

"""Rows of a RAP sheet -> convictions, each with the facts the rules need.

A conviction is a count whose disposition starts with CONVICTED; its sentence parts (one
row each) are merged. Facts that depend only on the record (dates, priors, lists on the
record) are computed here; facts that depend on the as-of date (age now, years since,
still serving) are computed by the rules, so that changing the as-of date never needs
the DOJ file again. Everything is columnar: per-person work is done with group-bys.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj.doj_format import FACT_COLUMNS as DOJ_FACT_COLUMNS
from cmr_xl.doj.doj_format import SOURCE_FILE, SOURCE_LINE
from cmr_xl.rules.code_sections import (
    PROP64 as PROP64_READING,
)
from cmr_xl.rules.code_sections import (
    first_prop64_section,
    is_prop64,
    is_see_comment,
    mentions_prop64,
    names_prop64,
    offense_list,
    parse_sections,
)
from cmr_xl.rules.dates import LATEST, completed_years, within_range
from cmr_xl.rules.law import (
    load_law,
    prop64_code,
    prop64_effective_date,
    sentence_unit_days,
)
from cmr_xl.rules.outcomes import PROP64_TYPE, RELATED_TYPE
from cmr_xl.rules.results_columns import FACT_COLUMNS, keys

ROW_INDEX = "_row_index"
DAYS_PER_UNIT = sentence_unit_days()  # office policy (law/office_policy.yaml)


@dataclass
class BatchFacts:
    """What one batch of whole persons contributes to a run."""

    facts: pd.DataFrame  # one row per county Prop 64 conviction (and related charge)
    row_index: np.ndarray  # position, in the batch table, of each conviction's first row
    convictions_total: int  # all convictions read, any county and section
    set_aside: pd.DataFrame  # convictions naming HS 11357-11360 that get no determination


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
    cycle) of the persons in this batch; other convictions serve as history. `county` is
    the key as DOJ writes it (`SACRAMENTO`: engine.counties.county_key)."""
    convictions, events = _split(table)
    total = len(convictions)
    if total == 0:  # a batch of arrests or blank rows only: history with no conviction
        return BatchFacts(empty_facts(), np.zeros(0, dtype=np.int64), 0, empty_set_aside())
    persons = _person_events(events)
    convictions = _add_sections(convictions)
    convictions = _add_history(convictions, persons, county)
    selected = convictions[convictions["_selected"].to_numpy()]
    facts = _fact_table(selected)
    return BatchFacts(facts, selected[ROW_INDEX].to_numpy(), total,
                      _set_aside_table(convictions[convictions["_set_aside"].to_numpy()], county))


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
    number = pc.match_substring_regex(pc.fill_null(rows["SENT_LENGTH"], ""),
                                      r"^\d+(\.\d+)?$").to_numpy(zero_copy_only=False)
    length = pc.cast(pc.if_else(number, rows["SENT_LENGTH"], None),
                     pa.float64()).to_numpy(zero_copy_only=False)
    unit = pd.Series(rows["SENT_TIME_CODE"].to_numpy(zero_copy_only=False)).str.upper().map(
        DAYS_PER_UNIT).to_numpy(dtype=float)
    days = np.nan_to_num(length * unit)
    first_positions = np.flatnonzero(starts)
    first = rows.take(pa.array(first_positions)).to_pandas()
    first["sentence_days"] = np.add.reduceat(days, first_positions) if n else np.zeros(0)
    first["sentence_unreadable"] = _unreadable_sentences(rows, number, unit, starts)
    return first


def _unreadable_sentences(rows: pa.Table, number: np.ndarray, unit: np.ndarray,
                          starts: np.ndarray) -> np.ndarray:
    """Per count, the sentence parts that cannot be read as days, as DOJ wrote them
    ("SENT_LENGTH 'ABC', SENT_TIME_CODE 'Y'"), else None: a length that is not a plain
    number (`-5`, `inf`, `1e308`), a time code that is not D, M or Y, a length without a
    code. Such a count must not pass for one with no sentence (still serving or not)."""
    counts = np.cumsum(starts) - 1
    out = np.full(int(starts.sum()), None, dtype=object)
    has_length = pc.is_valid(rows["SENT_LENGTH"]).to_numpy(zero_copy_only=False)
    has_code = pc.is_valid(rows["SENT_TIME_CODE"]).to_numpy(zero_copy_only=False)
    bad = (has_length & ~number) | (has_code & np.isnan(unit)) | (has_length & ~has_code)
    if not bad.any():
        return out
    lengths, codes = rows["SENT_LENGTH"], rows["SENT_TIME_CODE"]
    for i in np.flatnonzero(bad).tolist():
        part = f"SENT_LENGTH {_as_written(lengths[i].as_py())}, SENT_TIME_CODE " \
               f"{_as_written(codes[i].as_py())}"
        k = counts[i]
        out[k] = part if out[k] is None else f"{out[k]}; {part}"
    return out


def _as_written(value: str | None) -> str:
    """A DOJ value quoted for a reason: short, printable, without the '|' that separates
    the facts packed into one Live-sheet cell."""
    if value is None:
        return "empty"
    text = "".join(ch if ch.isprintable() and ch != "|" else "?" for ch in value[:24])
    return f"'{text}{'...' if len(value) > 24 else ''}'"


#: Where the offense that decides was read, in the order they are tried: the offense the
#: person was convicted of wins over the charge (pleas), the charge over its comment.
CONVICTED_OF = ("CONV_OFFENSE_DESCR", "DISP_OFFENSE_DESCR")
CHARGE = "OFFENSE_DESCR"
COMMENT = "COMMENT_TEXT"
#: offense_kind of a conviction that names a Prop 64 section but is not simply one.
COMMENT_NAMES = "comment"  # another law, but its comment names a Prop 64 section
UNREAD = "unread"  # names HS 11357-11360 in a way the reader could not read


def _add_sections(convictions: pd.DataFrame) -> pd.DataFrame:
    """The offense that decides (convicted-of, else charge, else the charge in the
    comment), its level, and its place on the law's lists."""
    c = convictions
    readings = {column: parse_sections(c[column], anywhere=column == COMMENT)
                for column in (*CONVICTED_OF, CHARGE, COMMENT)}
    see_comment = is_see_comment(c[CHARGE]).to_numpy()
    source = pd.Series(None, index=c.index, dtype=object)
    for column in (*CONVICTED_OF, CHARGE, COMMENT):
        usable = readings[column]["code_section"].notna().to_numpy() & source.isna().to_numpy()
        if column == CHARGE:
            usable &= ~see_comment
        source[usable] = column
    parsed = readings[COMMENT].copy()
    for column in (*CONVICTED_OF, CHARGE):
        here = (source == column).to_numpy()
        parsed.loc[here] = readings[column].loc[here]
    parsed["attempt"] = parsed["attempt"].fillna(False).astype(bool)
    c = pd.concat([c, parsed.drop(columns=["reading"])], axis=1)
    c["reading"] = parsed["reading"]
    c["section_source"] = source
    c["offense"] = _text_of(c, source)
    c["convicted_offense"] = c[CONVICTED_OF[0]].fillna(c[CONVICTED_OF[1]])
    c["is_prop64"] = is_prop64(parsed).to_numpy()
    c["offense_kind"] = parsed["prop64_reading"].where(
        parsed["prop64_reading"] != PROP64_READING, "").fillna("")
    _mark_comment_and_unread(c, readings[COMMENT], source)
    for reading in readings.values():
        c["mentions_prop64"] |= names_prop64(reading).to_numpy()
    comment_is_prop64 = is_prop64(readings[COMMENT])
    other_in_comment = comment_is_prop64 & (
        readings[COMMENT]["code_section"] != parsed["code_section"]).fillna(True)
    c["comment_prop64"] = readings[COMMENT]["code_section"].where(
        other_in_comment & (c["offense_kind"] != COMMENT_NAMES))
    reading = parsed[["code_section", "reading"]]
    c["is_super_strike"] = offense_list("super_strikes").match(reading).to_numpy()
    c["is_pc290"] = offense_list("pc290_offenses").match(reading).to_numpy()
    c["is_related"] = offense_list("related_charges").match(reading).to_numpy()
    c["level"], level_note = _levels(c["CONV_STAT_DESCR"], c["OFFENSE_TOC"])
    c["is_felony"] = (c["level"] == "Felony").to_numpy()
    c["reading_notes"] = _join_notes(c["reading_notes"], level_note)
    return c


def _text_of(c: pd.DataFrame, source: pd.Series) -> pd.Series:
    """The text the decisive section was read from (the charge when nothing was read)."""
    text = c[CHARGE].fillna(c[COMMENT])
    for column in (*CONVICTED_OF, CHARGE, COMMENT):
        here = (source == column).to_numpy()
        text[here] = c.loc[here, column]
    return text


def _mark_comment_and_unread(c: pd.DataFrame, comment: pd.DataFrame, source: pd.Series) -> None:
    """A conviction of another law whose comment names a Prop 64 section is read as that
    section and sent to review; one whose texts name HS 11357-11360 in a way not read
    is sent to review too. Neither is ever dropped."""
    own_is_other = ~names_prop64(c).to_numpy()  # the comment branch keeps prop64_reading
    convicted_elsewhere = source.isin(CONVICTED_OF).to_numpy()
    from_comment = own_is_other & names_prop64(comment) & ~convicted_elsewhere
    if from_comment.any():
        own = c["code_section"].where(from_comment)
        for key in ("code_section", "section", "subsection", "code", "reading"):
            c.loc[from_comment, key] = comment.loc[from_comment, key]
        c.loc[from_comment, "other_sections"] = own[from_comment].fillna("none read")
        c.loc[from_comment, "offense_kind"] = COMMENT_NAMES
        c.loc[from_comment, "offense"] = c.loc[from_comment, COMMENT]
        c.loc[from_comment, "section_source"] = COMMENT
    texts = [c[column] for column in (*CONVICTED_OF, CHARGE, COMMENT)]
    mentioned = np.logical_or.reduce([mentions_prop64(t).to_numpy() for t in texts])
    unread = mentioned & own_is_other & (c["offense_kind"] == "").to_numpy() & ~convicted_elsewhere
    if unread.any():
        c.loc[unread, "other_sections"] = c.loc[unread, "code_section"].fillna("none read")
        c.loc[unread, "offense_kind"] = UNREAD
        first = first_prop64_section([text.loc[unread] for text in texts])
        c.loc[unread, "section"] = first
        c.loc[unread, "code_section"] = first.map(lambda s: f"{s} {prop64_code()}" if s else None)
    c["mentions_prop64"] = mentioned


def _levels(status: pd.Series, toc: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Level from CONV_STAT_DESCR, else OFFENSE_TOC (law/offense_text.yaml); anything
    else is unknown, with a note of what DOJ wrote.

    Legal choice (PC 17(a)-(b); office policy for the order): the level is the
    conviction's, not the charge's. A wobbler charged as a felony may end as a
    misdemeanor (PC 17(b)); DOJ records the disposition's level in CONV_STAT_DESCR, so
    it wins, and OFFENSE_TOC (the offense's type of charge) is read only when the status
    is empty. A level that cannot be read is never guessed."""
    spelling = load_law("offense_text")
    status_upper = status.str.upper()
    toc_upper = toc.str.upper()
    level = pd.Series(spelling["unknown_level"], index=status.index, dtype=object)
    for name, way in spelling["levels"].items():
        level[((status_upper == way["status"])
               | (status_upper.isna() & (toc_upper == way["toc"]))).to_numpy()] = name
    unknown = (level == spelling["unknown_level"]).to_numpy()
    note = pd.Series(None, index=status.index, dtype=object)
    if unknown.any():
        note[unknown] = ("level unknown: CONV_STAT_DESCR " + _shown(status[unknown])
                         + ", OFFENSE_TOC " + _shown(toc[unknown]))
    return level, note


def _shown(values: pd.Series) -> pd.Series:
    """DOJ values quoted for a note, as `_as_written` quotes them; a missing one is
    "blank"."""
    return values.map(lambda v: "blank" if v is None or v != v else _as_written(str(v)))


def _join_notes(first: pd.Series, second: pd.Series) -> pd.Series:
    both = (first.notna() & second.notna()).to_numpy()
    joined = first.fillna(second)
    joined[both] = first[both] + "; " + second[both]
    return joined


def _add_history(convictions: pd.DataFrame, persons: pd.DataFrame, county: str) -> pd.DataFrame:
    """Priors, lists on the record, person-level facts; marks the selected rows."""
    c = convictions
    c["person_id"] = c["SUBJECT_ID"]
    c["conviction_date"] = _dates(c["STP_EVENT_DATE"]).fillna(_dates(c["DISP_DATE"]))
    c["dob"] = _dates(c["PRI_DOB"])
    c["county"] = c["STP_ORI_CNTY_NAME"].str.upper()
    in_county = (c["county"] == county).fillna(False).to_numpy()
    c["sentence_end"] = _sentence_end(c["conviction_date"], c["sentence_days"])
    determined = c["is_prop64"].to_numpy() | (c["offense_kind"] != "").to_numpy()
    c["_prop64_here"] = determined & in_county

    c["conviction_type"] = np.where(c["_prop64_here"], PROP64_TYPE, RELATED_TYPE)
    person = pd.factorize(c["person_id"], use_na_sentinel=False)[0]
    c["_person"] = person
    cycle = pd.factorize(pd.Series(person).astype(str) + "|" + c["CYC_ORDER"].fillna("").to_numpy(),
                         use_na_sentinel=False)[0]
    cycle_has_prop64 = np.zeros(cycle.max() + 1 if len(cycle) else 0, dtype=bool)
    cycle_has_prop64[cycle[c["_prop64_here"].to_numpy()]] = True
    related = (c["is_related"].to_numpy() & ~determined
               & cycle_has_prop64[cycle] & in_county) if len(c) else np.zeros(0, dtype=bool)
    c["_selected"] = c["_prop64_here"].to_numpy() | related
    c["_set_aside"] = c["mentions_prop64"].to_numpy() & ~c["_prop64_here"].to_numpy()

    other = ~c["_prop64_here"]
    c["_other_felony"] = other & c["is_felony"]
    c["_other"] = other
    c["_other_date"] = c["conviction_date"].where(other)
    c["_unrelated_date"] = c["conviction_date"].where(~c["_selected"])
    by_person = c.groupby("_person", sort=False)
    c["latest_conviction_date"] = by_person["conviction_date"].transform("max")
    c["latest_sentence_end"] = by_person["sentence_end"].transform("max")
    _unknown_when_a_sentence_is_unreadable(c)
    c["only_prop64"] = by_person["is_prop64"].transform("all").astype(bool)
    c["other_felonies"] = by_person["_other_felony"].transform("sum")
    c["other_convictions"] = by_person["_other"].transform("sum")
    c["latest_other_conviction_date"] = by_person["_other_date"].transform("max")
    c["latest_unrelated_conviction_date"] = by_person["_unrelated_date"].transform("max")

    same = c[c["is_prop64"]].groupby(["_person", "section"], sort=False)["conviction_date"]
    c["prior_same_section"] = (same.rank(method="min") - 1).reindex(c.index)
    _prior_same_section_of_reviewed(c)

    c = c.join(persons, on="person_id")
    c["deceased"] = c["deceased"].fillna(False).astype(bool)
    c = _add_listed(c, "is_super_strike", "super_strikes", "prior_super_strikes")
    c = _add_listed(c, "is_pc290", "pc290_offenses", "prior_pc290_offenses")

    return c


def _unknown_when_a_sentence_is_unreadable(c: pd.DataFrame) -> None:
    """A sentence DOJ wrote that cannot be read may be the person's latest: their latest
    sentence end is then unknown (never the latest of the others), so a rule that needs it
    ("every sentence completed") sends the conviction to hand review. Each other conviction
    of the person says which sentence, in "How the record was read" (and so in its trace)."""
    unreadable = c["sentence_unreadable"].notna().to_numpy()
    if not unreadable.any():
        return
    person = c["_person"].to_numpy()
    affected = np.isin(person, person[unreadable])
    c.loc[affected, "latest_sentence_end"] = pd.NaT
    bad = c.loc[unreadable, ["_person", "code_section", CHARGE, SOURCE_LINE,
                             "sentence_unreadable"]]
    said = bad["code_section"].fillna(bad[CHARGE]).fillna("offense unknown")
    text = ("line " + bad[SOURCE_LINE].astype(str) + ", " + said.astype(str) + ": "
            + bad["sentence_unreadable"].astype(str))
    # Per person (one pass) the first four unreadable sentences and how many: a row shows
    # the first three that are not its own, whoever has thousands.
    first_four: dict[int, list[int]] = {}
    count: dict[int, int] = {}
    for k, who in enumerate(bad["_person"].tolist()):
        count[who] = count.get(who, 0) + 1
        if count[who] <= 4:
            first_four.setdefault(who, []).append(k)
    own = np.full(len(c), -1, dtype=np.int64)
    own[unreadable] = np.arange(int(unreadable.sum()))
    texts = text.to_numpy(dtype=object)
    notes = np.full(len(c), None, dtype=object)
    for position in np.flatnonzero(affected).tolist():
        who, mine = person[position], own[position]
        others = count[who] - (mine >= 0)
        if others:
            shown = [texts[k] for k in first_four[who] if k != mine][:3]
            listed = "; ".join(shown) + (f"; and {others - 3:,} more" if others > 3 else "")
            notes[position] = (f"sentence unreadable on another conviction ({listed}): latest "
                               "sentence end unknown")
    c["reading_notes"] = _join_notes(c["reading_notes"], pd.Series(notes, index=c.index))


def _prior_same_section_of_reviewed(c: pd.DataFrame) -> None:
    """An attempt, conspiracy or combined count names a Prop 64 section too: its priors
    of that section are the plain convictions of it dated before, so that an office that
    decides attempts as the completed offense applies the two-priors rule to them."""
    reviewed = ((c["offense_kind"] != "").to_numpy() & c["section"].notna().to_numpy()
                & c["conviction_date"].notna().to_numpy())
    if not reviewed.any():
        return
    keys = ["_person", "section"]
    plain = c.loc[c["is_prop64"].to_numpy(), [*keys, "conviction_date"]]
    targets = c.loc[reviewed, [*keys, "conviction_date"]].reset_index()
    pairs = targets.merge(plain, on=keys, suffixes=("", "_prior"))
    earlier = (pairs["conviction_date_prior"] < pairs["conviction_date"]).groupby(
        pairs["index"]).sum()
    c.loc[reviewed, "prior_same_section"] = earlier.reindex(c.index[reviewed]).fillna(0).to_numpy()


def _add_listed(c: pd.DataFrame, flag: str, all_column: str, prior_column: str) -> pd.DataFrame:
    """Sections of a list (super strikes, PC 290) on the person's record, and those
    dated before each conviction. Office policy: a listed conviction with no date counts
    as prior ("prior" is the statute's word, HS 11358(d)(1), 11359(c)(1),
    11360(a)(3)(A); an undated one cannot be placed), so that it is shown for review
    rather than hidden. A listed conviction on the same day is not prior."""
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
            "offense": c["offense"],
            "charge_text": c[CHARGE],
            "convicted_offense": c["convicted_offense"],
            "section_source": c["section_source"],
            "offense_kind": c["offense_kind"].replace("", None),
            "other_sections": c["other_sections"],
            "reading_notes": c["reading_notes"],
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
            "sentence_unreadable": c["sentence_unreadable"],
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


#: Why a conviction naming HS 11357-11360 gets no determination (set_aside.csv).
SET_ASIDE_COLUMNS = ("source_file", "source_line", "person_id", "cii", "county",
                     "conviction_date", "offense", "convicted_offense", "comment",
                     "set_aside_reason", "detail")
_SET_ASIDE = load_law("decision_order")["set_aside"]
OTHER_COUNTY = _SET_ASIDE["other_county"]["reason"]
NO_COUNTY = _SET_ASIDE["no_county"]["reason"]
CONVICTED_OF_OTHER = _SET_ASIDE["convicted_of_other"]["reason"]


def _filled_in(template: str, **columns: pd.Series) -> pd.Series:
    """`template`'s {fields} filled from columns of the same rows, as whole columns."""
    text = pd.Series("", index=next(iter(columns.values())).index, dtype=object)
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        text = text + literal
        if field:
            text = text + columns[field].astype(object)
    return text


def _set_aside_table(rows: pd.DataFrame, county: str) -> pd.DataFrame:
    """Each conviction that names a Prop 64 section but is not this county's to decide,
    with the file, line and why: a conviction is determined or listed, never dropped."""
    if rows.empty:
        return empty_set_aside()
    here = rows["county"].fillna("")
    reason = np.where(here == "", NO_COUNTY, np.where(
        here != county, OTHER_COUNTY, CONVICTED_OF_OTHER))
    detail = np.where(
        reason == OTHER_COUNTY, _filled_in(_SET_ASIDE["other_county"]["detail"], county=here),
        np.where(reason == NO_COUNTY, _SET_ASIDE["no_county"]["detail"],
                 _filled_in(_SET_ASIDE["convicted_of_other"]["detail"],
                            section=rows["code_section"].fillna("an offense not read"),
                            source=rows["section_source"].fillna(""))))
    return pd.DataFrame({
        "source_file": rows[SOURCE_FILE].to_numpy(),
        "source_line": rows[SOURCE_LINE].astype("int64").to_numpy(),
        "person_id": rows["SUBJECT_ID"].to_numpy(),
        "cii": rows["CII_NUMBER"].to_numpy(),
        "county": rows["county"].to_numpy(),
        "conviction_date": rows["conviction_date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "offense": rows[CHARGE].to_numpy(),
        "convicted_offense": rows["convicted_offense"].to_numpy(),
        "comment": rows[COMMENT].to_numpy(),
        "set_aside_reason": reason.astype(object),
        "detail": detail.astype(object),
    })


def empty_set_aside() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in SET_ASIDE_COLUMNS})


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
